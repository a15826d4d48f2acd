//! A JSON record straight into BSON bytes, for the MongoDB sink.
//!
//! Parsing into a `bson::Document` first builds a tree of maps, strings and boxed values that is
//! converted to bytes and dropped at once: most of the sync's own CPU time per record. Here the
//! JSON parser's events are written as BSON ([`super::bson_write`]) into one buffer as they
//! come: no allocation per string or nested object, and a nested document's length is filled in
//! when it ends. What the sink needs of the record's top level (its key, whether it is deleted)
//! is noted on the way, so the document is not searched afterwards.
//!
//! Numbers are typed as a `Document` would type them (a non-negative integer is an `Int32` when
//! it fits, else an `Int64`; a negative one an `Int64`; anything with a fraction or exponent a
//! `Double`), and a key keeps its JSON spelling: `{"$date": ...}` stays a sub-document with that
//! key, since records are Pipedrive's data, not Extended JSON.

use std::fmt;

use mongodb::bson::{RawBson, RawDocumentBuf};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::bson_write::{self as w, ARRAY, BOOLEAN, DOCUMENT, DOUBLE, INT32, INT64, NULL, STRING};
use crate::error::{Error, Result};

/// A record's top-level fields the sink needs, noted while it is parsed.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Facts {
    /// The first usable `id`, `key` and `field_code`, in that order of preference.
    keys: [Option<RawBson>; 3],
    /// `is_deleted: true` or `status: "deleted"`.
    pub(super) deleted: bool,
}

impl Facts {
    /// The record's own key, if it has one: `id`, else `key`, else `field_code`.
    pub(super) fn key(&self) -> Option<&RawBson> {
        self.keys.iter().flatten().next()
    }

    fn key_slot(&mut self, name: &[u8]) -> Option<&mut Option<RawBson>> {
        let i = match name {
            b"id" => 0,
            b"key" => 1,
            b"field_code" => 2,
            _ => return None,
        };
        Some(&mut self.keys[i]).filter(|slot| slot.is_none())
    }

    fn integer(&mut self, name: &[u8], v: RawBson) {
        if let Some(slot) = self.key_slot(name) {
            *slot = Some(v);
        }
    }

    fn string(&mut self, name: &[u8], v: &str) {
        if name == b"status" && v == "deleted" {
            self.deleted = true;
        } else if let Some(slot) = self.key_slot(name) {
            *slot = Some(RawBson::String(v.to_string()));
        }
    }
}

/// The JSON object in `json` as a BSON document, with its [`Facts`].
pub(super) fn document(json: &[u8]) -> Result<(RawDocumentBuf, Facts)> {
    // Lengths are i32 in BSON; the API's bodies are capped far below this.
    if json.len() > (i32::MAX / 4) as usize {
        return Err(Error::Other("a record too large for MongoDB".into()));
    }
    let mut out = Vec::with_capacity(json.len() + json.len() / 4);
    let mut facts = Facts::default();
    let mut de = serde_json::Deserializer::from_slice(json);
    de.deserialize_map(Doc {
        out: &mut out,
        facts: Some(&mut facts),
    })
    .and_then(|()| de.end())
    .map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))?;
    let doc = RawDocumentBuf::from_bytes(out).map_err(Error::other)?;
    Ok((doc, facts))
}

/// An object's members appended as a document to `out`; `facts` at the record's top level.
struct Doc<'a, 'f> {
    out: &'a mut Vec<u8>,
    facts: Option<&'f mut Facts>,
}

impl<'de> Visitor<'de> for Doc<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<(), A::Error> {
        let start = w::open(self.out);
        while let Some(key) = map.next_key_seed(Key)? {
            // BSON keys end at a NUL byte: one inside a key cannot be written.
            if key.contains('\0') {
                return Err(de::Error::custom("a key holds a NUL character"));
            }
            map.next_value_seed(Element {
                out: &mut *self.out,
                key: key.as_bytes(),
                facts: self.facts.as_deref_mut(),
            })?;
        }
        w::close(self.out, start);
        Ok(())
    }
}

/// A key, borrowed from the input when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(v.to_string().into())
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(v.into())
    }
}

/// One value under `key`: its type byte and key are written once the value shows its type.
/// `facts` only for the record's own fields.
struct Element<'a, 'k, 'f> {
    out: &'a mut Vec<u8>,
    key: &'k [u8],
    facts: Option<&'f mut Facts>,
}

impl Element<'_, '_, '_> {
    fn head(&mut self, kind: u8) {
        w::head(self.out, kind, self.key);
    }

    fn int32(mut self, v: i32) {
        self.head(INT32);
        self.out.extend_from_slice(&v.to_le_bytes());
        if let Some(f) = self.facts {
            f.integer(self.key, RawBson::Int32(v));
        }
    }

    fn int64(mut self, v: i64) {
        self.head(INT64);
        self.out.extend_from_slice(&v.to_le_bytes());
        if let Some(f) = self.facts {
            f.integer(self.key, RawBson::Int64(v));
        }
    }
}

impl<'de> DeserializeSeed<'de> for Element<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(mut self) -> std::result::Result<(), E> {
        self.head(NULL);
        Ok(())
    }

    fn visit_bool<E: de::Error>(mut self, v: bool) -> std::result::Result<(), E> {
        self.head(BOOLEAN);
        self.out.push(u8::from(v));
        if let Some(f) = self.facts {
            f.deleted |= v && self.key == b"is_deleted";
        }
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<(), E> {
        self.int64(v);
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<(), E> {
        if let Ok(v) = i32::try_from(v) {
            self.int32(v);
        } else if let Ok(v) = i64::try_from(v) {
            self.int64(v);
        } else {
            return Err(E::custom(format!("{v} is too large for a BSON integer")));
        }
        Ok(())
    }

    fn visit_f64<E: de::Error>(mut self, v: f64) -> std::result::Result<(), E> {
        self.head(DOUBLE);
        self.out.extend_from_slice(&v.to_le_bytes());
        if let Some(f) = self.facts {
            // An integral id sent as a float (`5.0`) is still the record's id.
            if v.fract() == 0.0 {
                f.integer(self.key, RawBson::Int64(v as i64));
            }
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> std::result::Result<(), E> {
        self.head(STRING);
        w::string_value(self.out, v);
        if let Some(f) = self.facts {
            f.string(self.key, v);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        self.head(ARRAY);
        let start = w::open(self.out);
        let mut key = [0; 20];
        for index in 0.. {
            let element = Element {
                out: &mut *self.out,
                key: w::index_key(&mut key, index),
                facts: None,
            };
            if seq.next_element_seed(element)?.is_none() {
                break;
            }
        }
        w::close(self.out, start);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, map: A) -> std::result::Result<(), A::Error> {
        self.head(DOCUMENT);
        Doc {
            out: self.out,
            facts: None,
        }
        .visit_map(map)
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{doc, Document};

    use super::*;

    /// The bytes a `Document` parsed from the same JSON would have.
    fn via_document(json: &str) -> Vec<u8> {
        let d: Document = serde_json::from_str(json).unwrap();
        RawDocumentBuf::from_document(&d).unwrap().into_bytes()
    }

    #[test]
    fn records_come_out_as_the_document_parser_would_write_them() {
        for json in [
            r#"{"id":5,"title":"Acme, Inc. \"deal\"","value":12.5,"neg":-3,"big":4294967296}"#,
            r#"{"id":1,"owner":{"id":7,"name":"A"},"labels":[1,"x",null,true,{"k":[]}],"e":1e3}"#,
            r#"{"id":9,"t\u00e9":"\u00e9\n","empty":{}}"#,
        ] {
            assert_eq!(
                document(json.as_bytes()).unwrap().0.into_bytes(),
                via_document(json),
                "{json}"
            );
        }
    }

    #[test]
    fn a_dollar_key_stays_a_key() {
        let (raw, _) = document(br#"{"x":{"$date":"2025-01-01"}}"#).unwrap();
        assert_eq!(
            raw.to_document().unwrap(),
            doc! { "x": { "$date": "2025-01-01" } }
        );
    }

    #[test]
    fn what_bson_cannot_hold_is_an_error_not_a_panic() {
        assert!(document(br#"{"a\u0000b":1}"#).is_err());
        assert!(document(br#"{"n":18446744073709551615}"#).is_err());
        assert!(document(br#"[1,2]"#).is_err());
        assert!(document(br#"{"a":1} x"#).is_err());
    }
}
