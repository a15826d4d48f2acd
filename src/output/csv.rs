//! CSV (RFC 4180) whose header holds every key of every record, in constant memory.
//!
//! The header is only known at the end, so records are spilled to an anonymous temporary file as
//! compact JSON lines while their flattened keys are collected (memory grows with the number of
//! distinct keys, not records); `finish` writes the header and then one row per spilled line.
//! Nested objects flatten with `.` (`custom_fields.<key>`), arrays become JSON text, null is empty.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::output::compact::write_compact;
use crate::output::Sink;

pub struct CsvSink<W: Write> {
    out: Option<W>,
    label: String,
    spill: BufWriter<std::fs::File>,
    columns: Vec<String>,
    index: HashMap<String, usize>,
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
            records: 0,
        })
    }
}

fn spill_err(e: std::io::Error) -> Error {
    Error::Other(format!("cannot write the CSV spill file: {e}"))
}

impl<W: Write> Sink for CsvSink<W> {
    fn write(&mut self, json: &str) -> Result<()> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))?;
        let (columns, index) = (&mut self.columns, &mut self.index);
        visit_keys(&value, &mut String::new(), &mut |key| {
            if !index.contains_key(key) {
                index.insert(key.to_string(), columns.len());
                columns.push(key.to_string());
            }
        });
        write_compact(&mut self.spill, json).map_err(spill_err)?;
        self.spill.write_all(b"\n").map_err(spill_err)?;
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
        let mut writer = csv::WriterBuilder::new().from_writer(out);
        if self.records > 0 {
            writer.write_record(&self.columns).map_err(out_err)?;
        }
        let mut row: Vec<String> = vec![String::new(); self.columns.len()];
        let mut line = String::new();
        let mut reader = BufReader::with_capacity(1 << 16, file);
        loop {
            line.clear();
            if reader.read_line(&mut line).map_err(spill_err)? == 0 {
                break;
            }
            let value: Value = serde_json::from_str(&line)
                .map_err(|e| Error::Other(format!("CSV spill file damaged: {e}")))?;
            row.iter_mut().for_each(String::clear);
            let index = &self.index;
            flatten(&value, &mut String::new(), &mut |key, cell| {
                if let Some(&i) = index.get(key) {
                    row[i] = cell;
                }
            });
            writer.write_record(&row).map_err(out_err)?;
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
        assert_eq!(csv, "id,title,late.x\n1,a,\n2,,true\n");
    }

    #[test]
    fn nested_objects_flatten_and_arrays_stay_json() {
        let csv = run(&[
            r#"{"id":1,"value":{"amount":5,"currency":"EUR"},"labels":[1,2],"custom_fields":{"abc":null}}"#,
        ]);
        assert_eq!(
            csv,
            "id,value.amount,value.currency,labels,custom_fields.abc\n1,5,EUR,\"[1,2]\",\n"
        );
    }

    #[test]
    fn quotes_commas_and_newlines_survive() {
        let csv = run(&[r#"{"t":"a, \"b\"\nc ü"}"#]);
        assert_eq!(csv, "t\n\"a, \"\"b\"\"\nc ü\"\n");
    }

    #[test]
    fn an_empty_key_does_not_collide_with_a_top_level_one() {
        let csv = run(&[r#"{"b":1,"":{"b":2},"e":{}}"#]);
        assert_eq!(csv, "b,.b,e\n1,2,{}\n");
    }

    #[test]
    fn no_records_no_header() {
        assert_eq!(run(&[]), "");
    }
}
