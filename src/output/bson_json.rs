//! A JSON record straight into BSON bytes, for the MongoDB sink.
//!
//! Parsing into a `bson::Document` first builds a tree of maps, strings and boxed values that is
//! converted to bytes and dropped at once: most of the sync's own CPU time per record. Here the
//! JSON parser's events append to the raw document as they come. Numbers are typed as a
//! `Document` would type them (a non-negative integer is an `Int32` when it fits, else an
//! `Int64`; a negative one an `Int64`; anything with a fraction or exponent a `Double`), and a key
//! keeps its JSON spelling: `{"$date": ...}` stays a sub-document with that key, since records
//! are Pipedrive's data, not Extended JSON.

use std::fmt;

use mongodb::bson::{RawArrayBuf, RawBson, RawDocumentBuf};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, Result};

/// The JSON object in `json` as a BSON document.
pub(super) fn document(json: &[u8]) -> Result<RawDocumentBuf> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let doc = de
        .deserialize_map(Doc)
        .and_then(|d| de.end().map(|()| d))
        .map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))?;
    Ok(doc)
}

/// An object: keys and values appended in order.
struct Doc;

impl<'de> Visitor<'de> for Doc {
    type Value = RawDocumentBuf;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut doc = RawDocumentBuf::new();
        while let Some(key) = map.next_key_seed(Key)? {
            // BSON keys end at a NUL byte: one inside a key cannot be written.
            if key.contains('\0') {
                return Err(de::Error::custom("a key holds a NUL character"));
            }
            doc.append(key, map.next_value_seed(Value)?);
        }
        Ok(doc)
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

/// Any JSON value.
struct Value;

impl<'de> DeserializeSeed<'de> for Value {
    type Value = RawBson;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<RawBson, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value {
    type Value = RawBson;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<RawBson, E> {
        Ok(RawBson::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<RawBson, E> {
        Ok(RawBson::Boolean(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<RawBson, E> {
        Ok(RawBson::Int64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<RawBson, E> {
        if let Ok(v) = i32::try_from(v) {
            Ok(RawBson::Int32(v))
        } else if let Ok(v) = i64::try_from(v) {
            Ok(RawBson::Int64(v))
        } else {
            Err(E::custom(format!("{v} is too large for a BSON integer")))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<RawBson, E> {
        Ok(RawBson::Double(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<RawBson, E> {
        Ok(RawBson::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<RawBson, E> {
        Ok(RawBson::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<RawBson, A::Error> {
        let mut array = RawArrayBuf::new();
        while let Some(v) = seq.next_element_seed(Value)? {
            array.push(v);
        }
        Ok(RawBson::Array(array))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<RawBson, A::Error> {
        Doc.visit_map(map).map(RawBson::Document)
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
                document(json.as_bytes()).unwrap().into_bytes(),
                via_document(json),
                "{json}"
            );
        }
    }

    #[test]
    fn a_dollar_key_stays_a_key() {
        let raw = document(br#"{"x":{"$date":"2025-01-01"}}"#).unwrap();
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
