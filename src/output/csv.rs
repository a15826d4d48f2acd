//! CSV (RFC 4180) whose header holds every key of every record, in constant memory.
//!
//! The header is only known at the end, so each record is flattened once, as it arrives, and its
//! cells are spilled to an anonymous temporary file tagged with their column numbers, while the
//! column list grows (memory grows with the number of distinct keys, not records); `finish`
//! writes the header and then one row per spilled record, without parsing JSON again.
//! Nested objects flatten with `.` (`custom_fields.<key>`), arrays become JSON text, null is empty.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, Write};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::output::Sink;

pub struct CsvSink<W: Write> {
    out: Option<W>,
    label: String,
    /// Per record: (column + 1, cell length, cell bytes) for each non-empty cell, then a 0.
    spill: BufWriter<std::fs::File>,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// The previous record's columns in order. Records of one type mostly share their keys, so a
    /// key is first compared with the column at the same place, and only looked up on a miss.
    shape: Vec<usize>,
    records: u64,
}

impl<W: Write> CsvSink<W> {
    pub fn new(out: W, label: String) -> Result<Self> {
        let spill = tempfile::tempfile()
            .map_err(|e| Error::Other(format!("cannot create a temporary file for CSV: {e}")))?;
        Ok(CsvSink {
            out: Some(out),
            label,
            spill: BufWriter::with_capacity(1 << 16, spill),
            columns: Vec::new(),
            index: HashMap::new(),
            shape: Vec::new(),
            records: 0,
        })
    }
}

fn spill_err(e: std::io::Error) -> Error {
    Error::Other(format!("cannot use the CSV spill file: {e}"))
}

fn put_varint(w: &mut impl Write, mut n: u64) -> std::io::Result<()> {
    let mut buf = [0u8; 10];
    let mut len = 0;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        buf[len] = if n == 0 { byte } else { byte | 0x80 };
        len += 1;
        if n == 0 {
            return w.write_all(&buf[..len]);
        }
    }
}

fn get_varint(r: &mut impl BufRead) -> std::io::Result<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8];
        r.read_exact(&mut byte)?;
        n |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(std::io::Error::other("CSV spill file damaged"))
}

impl<W: Write> Sink for CsvSink<W> {
    fn write(&mut self, json: &str) -> Result<()> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))?;
        self.write_value(&value)
    }

    fn write_value(&mut self, value: &Value) -> Result<()> {
        let (columns, index, shape, spill) = (
            &mut self.columns,
            &mut self.index,
            &mut self.shape,
            &mut self.spill,
        );
        let mut at = 0;
        let mut io = Ok(());
        flatten(value, &mut String::new(), &mut |key, cell| {
            let col = match shape.get(at) {
                Some(&c) if columns[c] == key => c,
                _ => {
                    let c = *index.entry(key.to_string()).or_insert_with(|| {
                        columns.push(key.to_string());
                        columns.len() - 1
                    });
                    match shape.get_mut(at) {
                        Some(slot) => *slot = c,
                        None => shape.push(c),
                    }
                    c
                }
            };
            at += 1;
            if io.is_ok() && !cell.is_empty() {
                io = put_varint(spill, col as u64 + 1)
                    .and_then(|_| put_varint(spill, cell.len() as u64))
                    .and_then(|_| spill.write_all(cell.as_bytes()));
            }
        });
        shape.truncate(at);
        io.and_then(|_| put_varint(spill, 0)).map_err(spill_err)?;
        self.records += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        let label = self.label.clone();
        let out_err = |e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::output(io, &label),
            other => Error::Other(format!("cannot write CSV: {other:?}")),
        };
        self.spill.flush().map_err(spill_err)?;
        let mut file = self.spill.get_ref().try_clone().map_err(spill_err)?;
        file.rewind().map_err(spill_err)?;
        // RFC 4180 ends every record with CRLF (spreadsheets and Python's csv module expect it).
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        if self.records > 0 {
            writer.write_record(&self.columns).map_err(out_err)?;
        }
        let mut row: Vec<Vec<u8>> = vec![Vec::new(); self.columns.len()];
        let mut filled = Vec::new();
        let mut reader = BufReader::with_capacity(1 << 16, file);
        for _ in 0..self.records {
            loop {
                let tag = get_varint(&mut reader).map_err(spill_err)? as usize;
                if tag == 0 {
                    break;
                }
                let len = get_varint(&mut reader).map_err(spill_err)? as usize;
                let cell = row
                    .get_mut(tag - 1)
                    .ok_or_else(|| spill_err(std::io::Error::other("unknown column")))?;
                cell.resize(len, 0);
                reader.read_exact(cell).map_err(spill_err)?;
                filled.push(tag - 1);
            }
            writer.write_record(&row).map_err(out_err)?;
            for c in filled.drain(..) {
                row[c].clear();
            }
        }
        writer.flush().map_err(|e| Error::output(e, &self.label))?;
        Ok(())
    }
}

/// Calls `f` with every flattened key of `value`, in document order.
pub fn visit_keys(value: &Value, prefix: &mut String, f: &mut impl FnMut(&str)) {
    let top = prefix.is_empty();
    flatten_inner(value, prefix, &mut |k, _| f(k), false, top);
}

/// Calls `f(key, cell)` for every flattened column of `value`.
pub fn flatten(value: &Value, prefix: &mut String, f: &mut impl FnMut(&str, String)) {
    let top = prefix.is_empty();
    flatten_inner(value, prefix, f, true, top);
}

/// `top` is the record itself: its keys start the column names. Whether the prefix is empty
/// cannot tell, since a key may be empty (`{"": {"b": 1}}` is column `.b`, not `b`).
fn flatten_inner(
    value: &Value,
    prefix: &mut String,
    f: &mut impl FnMut(&str, String),
    cells: bool,
    top: bool,
) {
    match value {
        Value::Object(map) if top || !map.is_empty() => {
            for (k, v) in map {
                let len = prefix.len();
                if !top {
                    prefix.push('.');
                }
                prefix.push_str(k);
                flatten_inner(v, prefix, f, cells, false);
                prefix.truncate(len);
            }
        }
        // A bare scalar or array record has no keys of its own: give it a `value` column.
        other if top => f("value", if cells { cell(other) } else { String::new() }),
        other => f(prefix, if cells { cell(other) } else { String::new() }),
    }
}

/// One cell: strings as they are, null empty, arrays and empty objects as JSON text.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(records: &[&str]) -> String {
        let mut out = Vec::new();
        {
            let mut sink = CsvSink::new(&mut out, "test".into()).unwrap();
            for r in records {
                sink.write(r).unwrap();
            }
            sink.finish().unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn header_holds_keys_that_appear_only_in_the_last_record() {
        let csv = run(&[r#"{"id":1,"title":"a"}"#, r#"{"id":2,"late":{"x":true}}"#]);
        assert_eq!(csv, "id,title,late.x\r\n1,a,\r\n2,,true\r\n");
    }

    #[test]
    fn nested_objects_flatten_and_arrays_stay_json() {
        let csv = run(&[
            r#"{"id":1,"value":{"amount":5,"currency":"EUR"},"labels":[1,2],"custom_fields":{"abc":null}}"#,
        ]);
        assert_eq!(
            csv,
            "id,value.amount,value.currency,labels,custom_fields.abc\r\n1,5,EUR,\"[1,2]\",\r\n"
        );
    }

    #[test]
    fn quotes_commas_and_newlines_survive() {
        let csv = run(&[r#"{"t":"a, \"b\"\nc ü"}"#]);
        assert_eq!(csv, "t\r\n\"a, \"\"b\"\"\nc ü\"\r\n");
    }

    #[test]
    fn an_empty_key_does_not_collide_with_a_top_level_one() {
        let csv = run(&[r#"{"b":1,"":{"b":2},"e":{}}"#]);
        assert_eq!(csv, "b,.b,e\r\n1,2,{}\r\n");
    }

    #[test]
    fn no_records_no_header() {
        assert_eq!(run(&[]), "");
    }
}
