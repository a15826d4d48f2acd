//! A tiny streaming JSON object writer over `Vec<u8>`, so pages of generated records are
//! written without building `serde_json::Value` trees. Keys are trusted literals (no
//! escaping); string values are escaped by `serde_json`.

use crate::time::{self, Style};

pub fn write_str(buf: &mut Vec<u8>, s: &str) {
    if s.bytes()
        .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b < 0x7f)
    {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        serde_json::to_writer(&mut *buf, s).expect("write to Vec");
    }
}

/// An open JSON object; call [`Obj::end`] to close it.
pub struct Obj<'a> {
    pub buf: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(buf: &'a mut Vec<u8>) -> Obj<'a> {
        buf.push(b'{');
        Obj { buf, first: true }
    }

    #[inline(always)]
    pub fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.buf.push(b'"');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
        self.buf
    }

    #[inline(always)]
    pub fn s(&mut self, k: &str, v: &str) -> &mut Self {
        let b = self.key(k);
        write_str(b, v);
        self
    }

    #[inline(always)]
    pub fn os(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.s(k, v),
            None => self.null(k),
        }
    }

    #[inline(always)]
    pub fn i(&mut self, k: &str, v: i64) -> &mut Self {
        let b = self.key(k);
        serde_json::to_writer(&mut *b, &v).expect("write to Vec");
        self
    }

    #[inline(always)]
    pub fn oi(&mut self, k: &str, v: Option<u64>) -> &mut Self {
        match v {
            Some(v) => self.i(k, v as i64),
            None => self.null(k),
        }
    }

    /// A time as a JSON string in the given style.
    #[inline(always)]
    pub fn t(&mut self, k: &str, secs: i64, style: Style) -> &mut Self {
        let b = self.key(k);
        b.push(b'"');
        time::write(b, secs, style);
        b.push(b'"');
        self
    }

    #[inline(always)]
    pub fn ot(&mut self, k: &str, secs: Option<i64>, style: Style) -> &mut Self {
        match secs {
            Some(t) => self.t(k, t, style),
            None => self.null(k),
        }
    }

    #[inline(always)]
    pub fn f(&mut self, k: &str, v: f64) -> &mut Self {
        let b = self.key(k);
        serde_json::to_writer(&mut *b, &v).expect("write to Vec");
        self
    }

    #[inline(always)]
    pub fn b(&mut self, k: &str, v: bool) -> &mut Self {
        let b = self.key(k);
        b.extend_from_slice(if v { b"true" } else { b"false" });
        self
    }

    #[inline(always)]
    pub fn null(&mut self, k: &str) -> &mut Self {
        self.key(k).extend_from_slice(b"null");
        self
    }

    /// Writes already-serialized JSON as the value.
    #[inline(always)]
    pub fn raw(&mut self, k: &str, json: &str) -> &mut Self {
        self.key(k).extend_from_slice(json.as_bytes());
        self
    }

    pub fn ints(&mut self, k: &str, v: &[u64]) -> &mut Self {
        let b = self.key(k);
        b.push(b'[');
        for (n, x) in v.iter().enumerate() {
            if n > 0 {
                b.push(b',');
            }
            serde_json::to_writer(&mut *b, x).expect("write to Vec");
        }
        b.push(b']');
        self
    }

    pub fn obj(&mut self, k: &str, f: impl FnOnce(&mut Obj)) -> &mut Self {
        let b = self.key(k);
        let mut o = Obj::new(b);
        f(&mut o);
        o.end();
        self
    }

    /// An array of objects, one per item.
    pub fn objs<T>(&mut self, k: &str, items: &[T], f: impl Fn(&mut Obj, &T)) -> &mut Self {
        let b = self.key(k);
        b.push(b'[');
        for (n, it) in items.iter().enumerate() {
            if n > 0 {
                b.push(b',');
            }
            let mut o = Obj::new(b);
            f(&mut o, it);
            o.end();
        }
        b.push(b']');
        self
    }

    pub fn end(self) {
        self.buf.push(b'}');
    }
}
