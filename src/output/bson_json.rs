//! A JSON record straight into BSON bytes, for the MongoDB sink.
//!
//! Parsing into a `bson::Document` first builds a tree of maps, strings and boxed values that is
//! converted to bytes and dropped at once: most of the sync's own CPU time per record. Here the
//! JSON parser's events are written as BSON into one buffer as they come: no allocation per
//! string or nested object, and a nested document's length is filled in when it ends. Numbers are
//! typed as a `Document` would type them (a non-negative integer is an `Int32` when it fits, else
//! an `Int64`; a negative one an `Int64`; anything with a fraction or exponent a `Double`), and a
//! key keeps its JSON spelling: `{"$date": ...}` stays a sub-document with that key, since
//! records are Pipedrive's data, not Extended JSON.
//!
//! The element layout is BSON's (<https://bsonspec.org/spec.html>): a type byte, the key as a
//! NUL-terminated string, then the value; a document is its length (i32, little-endian), its
//! elements and a NUL byte.

use std::fmt;

use mongodb::bson::RawDocumentBuf;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, Result};

/// The JSON object in `json` as a BSON document.
pub(super) fn document(json: &[u8]) -> Result<RawDocumentBuf> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 4);
    let mut de = serde_json::Deserializer::from_slice(json);
    de.deserialize_map(Doc(&mut out))
        .and_then(|()| de.end())
        .map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))?;
    RawDocumentBuf::from_bytes(out).map_err(Error::other)
}

// BSON element types.
const DOUBLE: u8 = 0x01;
const STRING: u8 = 0x02;
const DOCUMENT: u8 = 0x03;
const ARRAY: u8 = 0x04;
const BOOLEAN: u8 = 0x08;
const NULL: u8 = 0x0A;
const INT32: u8 = 0x10;
const INT64: u8 = 0x12;

/// Opens a document: room for its length, filled in by [`close`].
fn open(out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    start
}

fn close<E: de::Error>(out: &mut Vec<u8>, start: usize) -> std::result::Result<(), E> {
    out.push(0);
    let len = i32::try_from(out.len() - start)
        .map_err(|_| E::custom("a record too large for a BSON document"))?;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// An object's members appended to the document opened in `self.0`.
struct Doc<'a>(&'a mut Vec<u8>);

impl<'de> Visitor<'de> for Doc<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let start = open(self.0);
        while let Some(key) = map.next_key_seed(Key)? {
            // BSON keys end at a NUL byte: one inside a key cannot be written.
            if key.contains('\0') {
                return Err(de::Error::custom("a key holds a NUL character"));
            }
            map.next_value_seed(Element {
                out: &mut *self.0,
                key: key.as_bytes(),
            })?;
        }
        close(self.0, start)
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
struct Element<'a, 'k> {
    out: &'a mut Vec<u8>,
    key: &'k [u8],
}

impl Element<'_, '_> {
    fn head(&mut self, kind: u8) {
        self.out.push(kind);
        self.out.extend_from_slice(self.key);
        self.out.push(0);
    }
}

impl<'de> DeserializeSeed<'de> for Element<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_, '_> {
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
        Ok(())
    }

    fn visit_i64<E: de::Error>(mut self, v: i64) -> std::result::Result<(), E> {
        self.head(INT64);
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn visit_u64<E: de::Error>(mut self, v: u64) -> std::result::Result<(), E> {
        if let Ok(v) = i32::try_from(v) {
            self.head(INT32);
            self.out.extend_from_slice(&v.to_le_bytes());
        } else if let Ok(v) = i64::try_from(v) {
            self.head(INT64);
            self.out.extend_from_slice(&v.to_le_bytes());
        } else {
            return Err(E::custom(format!("{v} is too large for a BSON integer")));
        }
        Ok(())
    }

    fn visit_f64<E: de::Error>(mut self, v: f64) -> std::result::Result<(), E> {
        self.head(DOUBLE);
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> std::result::Result<(), E> {
        self.head(STRING);
        let len = i32::try_from(v.len() + 1).map_err(|_| E::custom("a string too long for BSON"))?;
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out.extend_from_slice(v.as_bytes());
        self.out.push(0);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        self.head(ARRAY);
        let start = open(self.out);
        // An array is a document keyed "0", "1", ...
        let mut index = 0usize;
        let mut key = [0; 20];
        loop {
            let k = itoa(&mut key, index);
            if seq
                .next_element_seed(Element {
                    out: &mut *self.out,
                    key: k,
                })?
                .is_none()
            {
                break;
            }
            index += 1;
        }
        close(self.out, start)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, map: A) -> std::result::Result<(), A::Error> {
        self.head(DOCUMENT);
        Doc(self.out).visit_map(map)
    }
}

/// `n` in decimal, in the end of `buf`.
fn itoa(buf: &mut [u8; 20], mut n: usize) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
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
