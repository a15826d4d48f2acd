//! JSON lines: one compact object per line, as the API returned it.
//!
//! With `--field-names` a record is rewritten while it is read, by a serde visitor that writes
//! compact JSON as it walks the record's text: keys of custom fields are renamed and option ids
//! labeled on the way, and no `Value` tree is built (only for a value whose ids become labels).
//! Numbers and strings come out as serde_json prints them, as a parsed-and-printed record would.

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::output::compact::write_compact;
use crate::output::{Relabel, Sink};

pub(crate) struct JsonlSink<W: Write> {
    out: W,
    label: String,
    relabel: Option<Arc<dyn Relabel>>,
}

impl<W: Write> JsonlSink<W> {
    pub(crate) fn new(out: W, label: String, relabel: Option<Arc<dyn Relabel>>) -> Self {
        JsonlSink {
            out,
            label,
            relabel,
        }
    }

    /// The writer, for a caller that takes each line out as it is written.
    pub(crate) fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn write(&mut self, json: &str) -> Result<()> {
        let Some(relabel) = self.relabel.as_deref() else {
            return write_compact(&mut self.out, json)
                .and_then(|_| self.out.write_all(b"\n"))
                .map_err(|e| Error::output(e, &self.label));
        };
        let mut line = Line {
            out: &mut self.out,
            relabel,
            key: String::new(),
            io: Ok(()),
        };
        let mut de = serde_json::Deserializer::from_str(json);
        let walked = Node {
            line: &mut line,
            top: true,
            custom: !relabel.nested(),
            comma: false,
        }
        .deserialize(&mut de)
        .and_then(|_| de.end());
        let io = std::mem::replace(&mut line.io, Ok(()));
        io.and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::output(e, &self.label))?;
        walked.map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))
    }

    fn write_value(&mut self, value: &Value) -> Result<()> {
        if self.relabel.is_some() {
            return self.write(&value.to_string());
        }
        serde_json::to_writer(&mut self.out, value)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::output(e, &self.label))
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::output(e, &self.label))
    }
}

/// One record being rewritten.
struct Line<'a, W: Write> {
    out: &'a mut W,
    relabel: &'a dyn Relabel,
    /// The raw key of a field whose value is being relabeled.
    key: String,
    /// The first write error: the walk stops with a placeholder error, this is the real one.
    io: std::io::Result<()>,
}

impl<W: Write> Line<'_, W> {
    fn put<E: serde::de::Error>(&mut self, r: std::io::Result<()>) -> std::result::Result<(), E> {
        match r {
            Ok(()) => Ok(()),
            Err(e) => {
                self.io = Err(e);
                Err(E::custom("cannot write"))
            }
        }
    }

    fn text<E: serde::de::Error>(&mut self, s: &str) -> std::result::Result<(), E> {
        let r = serde_json::to_writer(&mut *self.out, s).map_err(std::io::Error::from);
        self.put(r)
    }
}

/// A value to write: `top` is the record, `custom` an object whose keys are custom fields, and
/// `comma` an array element after the first (written only once the element is known to exist).
struct Node<'l, 'a, W: Write> {
    line: &'l mut Line<'a, W>,
    top: bool,
    custom: bool,
    comma: bool,
}

impl<W: Write> Node<'_, '_, W> {
    fn start<E: serde::de::Error>(&mut self) -> std::result::Result<(), E> {
        if self.comma {
            let r = self.line.out.write_all(b",");
            self.line.put(r)?;
        }
        Ok(())
    }
}

impl<'de, W: Write> DeserializeSeed<'de> for Node<'_, '_, W> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, W: Write> Visitor<'de> for Node<'_, '_, W> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: serde::de::Error>(mut self, v: bool) -> std::result::Result<(), E> {
        self.start()?;
        let r = self.line.out.write_all(if v { b"true" } else { b"false" });
        self.line.put(r)
    }

    fn visit_i64<E: serde::de::Error>(mut self, v: i64) -> std::result::Result<(), E> {
        self.start()?;
        let r = write!(self.line.out, "{v}");
        self.line.put(r)
    }

    fn visit_u64<E: serde::de::Error>(mut self, v: u64) -> std::result::Result<(), E> {
        self.start()?;
        let r = write!(self.line.out, "{v}");
        self.line.put(r)
    }

    fn visit_f64<E: serde::de::Error>(mut self, v: f64) -> std::result::Result<(), E> {
        self.start()?;
        let r = match serde_json::Number::from_f64(v) {
            Some(n) => write!(self.line.out, "{n}"),
            None => self.line.out.write_all(b"null"),
        };
        self.line.put(r)
    }

    fn visit_str<E: serde::de::Error>(mut self, v: &str) -> std::result::Result<(), E> {
        self.start()?;
        self.line.text(v)
    }

    fn visit_unit<E: serde::de::Error>(mut self) -> std::result::Result<(), E> {
        self.start()?;
        let r = self.line.out.write_all(b"null");
        self.line.put(r)
    }

    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        self.start()?;
        let line = self.line;
        let r = line.out.write_all(b"[");
        line.put(r)?;
        let mut first = true;
        loop {
            let node = Node {
                line: &mut *line,
                top: false,
                custom: false,
                comma: !first,
            };
            if seq.next_element_seed(node)?.is_none() {
                break;
            }
            first = false;
        }
        let r = line.out.write_all(b"]");
        line.put(r)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<(), A::Error> {
        self.start()?;
        let Node {
            line, top, custom, ..
        } = self;
        let r = line.out.write_all(b"{");
        line.put(r)?;
        let mut first = true;
        loop {
            let key = Key {
                line: &mut *line,
                top,
                custom,
                first,
            };
            let Some(next) = map.next_key_seed(key)? else {
                break;
            };
            first = false;
            match next {
                Next::Walk { custom } => map.next_value_seed(Node {
                    line: &mut *line,
                    top: false,
                    custom,
                    comma: false,
                })?,
                Next::Label => {
                    let value: Value = map.next_value()?;
                    let labeled = line.relabel.label(&line.key, value);
                    let r = serde_json::to_writer(&mut *line.out, &labeled)
                        .map_err(std::io::Error::from);
                    line.put(r)?;
                }
            }
        }
        let r = line.out.write_all(b"}");
        line.put(r)
    }
}

/// Writes `"key":` (renamed where it is a custom field), after a comma unless it is the first.
struct Key<'l, 'a, W: Write> {
    line: &'l mut Line<'a, W>,
    top: bool,
    custom: bool,
    first: bool,
}

enum Next {
    Walk { custom: bool },
    Label,
}

impl<'de, W: Write> DeserializeSeed<'de> for Key<'_, '_, W> {
    type Value = Next;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Next, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, W: Write> Visitor<'de> for Key<'_, '_, W> {
    type Value = Next;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> std::result::Result<Next, E> {
        let line = self.line;
        if !self.first {
            let r = line.out.write_all(b",");
            line.put(r)?;
        }
        let field = if self.custom {
            line.relabel.field(key)
        } else {
            None
        };
        let next = match &field {
            Some((name, options)) => {
                line.text(name)?;
                if *options {
                    line.key.clear();
                    line.key.push_str(key);
                    Next::Label
                } else {
                    Next::Walk { custom: false }
                }
            }
            None => {
                line.text(key)?;
                Next::Walk {
                    custom: self.top && key == "custom_fields" && line.relabel.nested(),
                }
            }
        };
        let r = line.out.write_all(b":");
        line.put(r)?;
        Ok(next)
    }
}
