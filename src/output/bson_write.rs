//! BSON written straight into a byte buffer, for the MongoDB sink's records and commands.
//!
//! The sync builds one `update` command of up to a thousand upserts per batch. Built from
//! `rawdoc!` values, each record's bytes were copied into its `$set`, its update, its statement,
//! the batch and the command in turn; here every piece is written once, in place. The layout is
//! BSON's (<https://bsonspec.org/spec.html>): an element is a type byte, its key as a
//! NUL-terminated string, then its value; a document (an array too, keyed "0", "1", ...) is its
//! length as a little-endian i32, its elements and a NUL byte.
//!
//! Lengths are written as i32: callers keep what they write far below 2 GiB (a record is capped
//! when its page is read, a command at [`super::mongo`]'s batch size).

use mongodb::bson::{DateTime, RawBsonRef};

pub(super) const DOUBLE: u8 = 0x01;
pub(super) const STRING: u8 = 0x02;
pub(super) const DOCUMENT: u8 = 0x03;
pub(super) const ARRAY: u8 = 0x04;
pub(super) const BOOLEAN: u8 = 0x08;
pub(super) const DATETIME: u8 = 0x09;
pub(super) const NULL: u8 = 0x0A;
pub(super) const INT32: u8 = 0x10;
pub(super) const INT64: u8 = 0x12;

/// Opens a document (or an array's body): room for its length, filled in by [`close`].
pub(super) fn open(out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    start
}

/// Ends the document [`open`] started at `start`.
pub(super) fn close(out: &mut Vec<u8>, start: usize) {
    out.push(0);
    let len = (out.len() - start) as i32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

/// An element's type byte and key; its value follows.
pub(super) fn head(out: &mut Vec<u8>, kind: u8, key: &[u8]) {
    out.push(kind);
    out.extend_from_slice(key);
    out.push(0);
}

/// A sub-document (or array) under `key`, open for its elements; end it with [`close`].
pub(super) fn begin(out: &mut Vec<u8>, kind: u8, key: &str) -> usize {
    head(out, kind, key.as_bytes());
    open(out)
}

/// A string's value (after its [`head`]).
pub(super) fn string_value(out: &mut Vec<u8>, v: &str) {
    out.extend_from_slice(&((v.len() + 1) as i32).to_le_bytes());
    out.extend_from_slice(v.as_bytes());
    out.push(0);
}

pub(super) fn string(out: &mut Vec<u8>, key: &str, v: &str) {
    head(out, STRING, key.as_bytes());
    string_value(out, v);
}

pub(super) fn boolean(out: &mut Vec<u8>, key: &str, v: bool) {
    head(out, BOOLEAN, key.as_bytes());
    out.push(u8::from(v));
}

pub(super) fn datetime(out: &mut Vec<u8>, key: &str, v: DateTime) {
    head(out, DATETIME, key.as_bytes());
    out.extend_from_slice(&v.timestamp_millis().to_le_bytes());
}

/// An encoded document under `key`.
pub(super) fn document(out: &mut Vec<u8>, key: &str, doc: &[u8]) {
    head(out, DOCUMENT, key.as_bytes());
    out.extend_from_slice(doc);
}

/// A record's key: an integer or a string.
pub(super) fn key_value(out: &mut Vec<u8>, key: &str, v: RawBsonRef<'_>) {
    match v {
        RawBsonRef::Int32(n) => {
            head(out, INT32, key.as_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
        RawBsonRef::Int64(n) => {
            head(out, INT64, key.as_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
        RawBsonRef::String(s) => string(out, key, s),
        // Keys are made only of the three above (`record_key`).
        _ => head(out, NULL, key.as_bytes()),
    }
}

/// `n` in decimal, in the end of `buf`: an array element's key.
pub(super) fn index_key(buf: &mut [u8; 20], mut n: usize) -> &[u8] {
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
    use mongodb::bson::rawdoc;

    use super::*;

    #[test]
    fn written_in_place_equals_rawdoc() {
        let mut out = Vec::new();
        let top = open(&mut out);
        string(&mut out, "s", "é\n");
        boolean(&mut out, "b", true);
        datetime(&mut out, "t", DateTime::from_millis(1_700_000_000_123));
        let arr = begin(&mut out, ARRAY, "a");
        let mut k = [0; 20];
        key_value(&mut out, "0", RawBsonRef::Int32(7));
        key_value(&mut out, "1", RawBsonRef::Int64(1 << 40));
        let two = index_key(&mut k, 2).to_vec();
        head(&mut out, STRING, &two);
        string_value(&mut out, "x");
        close(&mut out, arr);
        document(&mut out, "d", rawdoc! { "k": 1 }.as_bytes());
        close(&mut out, top);
        let want = rawdoc! {
            "s": "é\n", "b": true, "t": DateTime::from_millis(1_700_000_000_123),
            "a": [7, 1_i64 << 40, "x"], "d": { "k": 1 },
        };
        assert_eq!(out, want.as_bytes());
        assert_eq!(index_key(&mut k, 1234), b"1234");
    }
}
