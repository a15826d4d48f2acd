//! CSV (RFC 4180) whose header holds every key of every record, in constant memory.
//!
//! The header is only known at the end, so each record is flattened once, as it arrives, and its
//! cells are spilled to an anonymous temporary file tagged with their column numbers, while the
//! column list grows (memory grows with the number of distinct keys, not records); `finish`
//! writes the header and then one row per spilled record, without parsing JSON again.
//!
//! A record is flattened straight from its text by a serde visitor: no `Value` tree is built, and
//! keys and strings without escapes are borrowed from the text. With `--field-names` the visitor
//! renames custom field keys as it meets them; only a value whose option ids become labels, and
//! arrays (written as JSON text), are built as values.
//!
//! Column names: nested objects flatten with `.` (`custom_fields.<key>`), arrays become JSON text,
//! null is empty. A key that contains `.` (or starts with `"`) is written in double quotes, inner
//! quotes doubled, so it never shares a column with a nested key: `{"a.b":1}` is column `"a.b"`,
//! `{"a":{"b":2}}` is column `a.b`. The rule depends on the key alone, so a column's name is the
//! same in every export whatever other records hold.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufWriter, Read, Seek, Write};
use std::ops::Range;
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::output::{Relabel, Sink, SinkOptions};

pub struct CsvSink<W: Write> {
    out: Option<W>,
    label: String,
    table: Table,
    relabel: Option<Arc<dyn Relabel>>,
    /// The column name of the cell being walked; one buffer for the whole export.
    prefix: String,
    records: u64,
}

/// The columns seen so far and the spilled cells.
struct Table {
    /// Per record: (column + 1, cell length, cell bytes) for each non-empty cell, then a 0.
    spill: BufWriter<std::fs::File>,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// The previous record's columns in order. Records of one type mostly share their keys, so a
    /// key is first compared with the column at the same place, and only looked up on a miss.
    shape: Vec<usize>,
    /// Cells of the current record so far.
    at: usize,
    excel: bool,
    /// The first spill error of the current record (reported when the record ends).
    io: std::io::Result<()>,
    /// Decides which cells need quotes, as the final writer would: cells are spilled already
    /// quoted, so `finish` only joins them.
    quoting: csv_core::Writer,
    /// A quoted cell being built.
    quoted: Vec<u8>,
}

impl<W: Write> CsvSink<W> {
    pub fn new(out: W, label: String) -> Result<Self> {
        CsvSink::with(out, label, SinkOptions::default())
    }

    pub(crate) fn with(out: W, label: String, options: SinkOptions) -> Result<Self> {
        let spill = tempfile::tempfile()
            .map_err(|e| Error::Other(format!("cannot create a temporary file for CSV: {e}")))?;
        Ok(CsvSink {
            out: Some(out),
            label,
            table: Table {
                spill: BufWriter::with_capacity(1 << 16, spill),
                columns: Vec::new(),
                index: HashMap::new(),
                shape: Vec::new(),
                at: 0,
                excel: options.excel,
                io: Ok(()),
                quoting: csv_writer(),
                quoted: Vec::new(),
            },
            relabel: options.relabel,
            prefix: String::new(),
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

/// A varint at the start of `b`, and its length; `None` when `b` ends inside it.
fn get_varint(b: &[u8]) -> Option<std::io::Result<(u64, usize)>> {
    let mut n = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        n |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(Ok((n, i + 1)));
        }
    }
    if b.len() >= 10 {
        return Some(Err(damaged()));
    }
    None
}

fn damaged() -> std::io::Error {
    std::io::Error::other("CSV spill file damaged")
}

/// The spill file read back one record at a time, its cells left where they are in a large
/// buffer (no copy per cell, no read call per byte).
struct SpillReader<R> {
    file: R,
    buf: Vec<u8>,
    /// The unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
}

impl<R: Read> SpillReader<R> {
    fn new(file: R) -> Self {
        SpillReader::with_capacity(file, 256 << 10)
    }

    fn with_capacity(file: R, capacity: usize) -> Self {
        SpillReader {
            file,
            buf: vec![0; capacity.max(1)],
            pos: 0,
            end: 0,
        }
    }

    /// The next record's cells as (column, place in [`SpillReader::bytes`]).
    fn next_record(&mut self, cells: &mut Vec<(usize, Range<usize>)>) -> std::io::Result<()> {
        loop {
            cells.clear();
            match parse_record(&self.buf[self.pos..self.end], self.pos, cells) {
                Some(Ok(len)) => {
                    self.pos += len;
                    return Ok(());
                }
                Some(Err(e)) => return Err(e),
                None => self.refill()?,
            }
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Moves the unread bytes to the front and reads more; a record longer than the buffer
    /// doubles it.
    fn refill(&mut self) -> std::io::Result<()> {
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.file.read(&mut self.buf[self.end..])? {
            0 => Err(damaged()),
            n => {
                self.end += n;
                Ok(())
            }
        }
    }
}

/// One record at the start of `b` (which sits at `base` in the buffer): its length, its cells
/// pushed to `cells`; `None` when `b` ends inside it.
fn parse_record(
    b: &[u8],
    base: usize,
    cells: &mut Vec<(usize, Range<usize>)>,
) -> Option<std::io::Result<usize>> {
    let mut at = 0;
    loop {
        let (tag, n) = match get_varint(&b[at..])? {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        };
        at += n;
        if tag == 0 {
            return Some(Ok(at));
        }
        let (len, n) = match get_varint(&b[at..])? {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        };
        at += n;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if b.len() - at < len {
            return None;
        }
        cells.push((tag as usize - 1, base + at..base + at + len));
        at += len;
    }
}

impl Table {
    /// One cell of the current record; `is_text` is a JSON string (not a number, a literal or
    /// JSON text), the only kind `--excel` guards.
    fn cell(&mut self, key: &str, text: &str, is_text: bool) {
        let col = match self.shape.get(self.at) {
            Some(&c) if self.columns[c] == key => c,
            _ => {
                let c = match self.index.get(key) {
                    Some(&c) => c,
                    None => {
                        self.columns.push(key.to_string());
                        self.index.insert(key.to_string(), self.columns.len() - 1);
                        self.columns.len() - 1
                    }
                };
                match self.shape.get_mut(self.at) {
                    Some(slot) => *slot = c,
                    None => self.shape.push(c),
                }
                c
            }
        };
        self.at += 1;
        if text.is_empty() || self.io.is_err() {
            return;
        }
        let guard: &[u8] = if self.excel && is_text && runs_as_formula(text) {
            b"'"
        } else {
            b""
        };
        let q = &mut self.quoted;
        let cell: &[u8] = if self.quoting.should_quote(text.as_bytes()) {
            // The cell in quotes, inner quotes doubled: what csv's writer would write.
            q.clear();
            q.push(b'"');
            q.extend_from_slice(guard);
            let at = q.len();
            q.resize(at + 2 * text.len() + 1, 0);
            let (_, _, n) = csv_core::quote(text.as_bytes(), &mut q[at..], b'"', b'"', true);
            q.truncate(at + n);
            q.push(b'"');
            q
        } else if guard.is_empty() {
            text.as_bytes()
        } else {
            q.clear();
            q.extend_from_slice(guard);
            q.extend_from_slice(text.as_bytes());
            q
        };
        let spill = &mut self.spill;
        self.io = put_varint(spill, col as u64 + 1)
            .and_then(|_| put_varint(spill, cell.len() as u64))
            .and_then(|_| spill.write_all(cell));
    }

    fn end_record(&mut self) -> std::io::Result<()> {
        self.shape.truncate(self.at);
        self.at = 0;
        std::mem::replace(&mut self.io, Ok(())).and_then(|_| put_varint(&mut self.spill, 0))
    }
}

/// The CSV every export writes: RFC 4180, quotes only where needed, CRLF after every record
/// (spreadsheets and Python's csv module expect it).
fn csv_writer() -> csv_core::Writer {
    csv_core::WriterBuilder::new()
        .terminator(csv_core::Terminator::CRLF)
        .build()
}

/// Whether a spreadsheet would evaluate this text (`=cmd|...`, `+1+1`, `@SUM`), or trim the
/// tab or CR it starts with: text starting so that is not a plain number gets a leading `'`.
fn runs_as_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !is_number(text)
}

/// A decimal number such as `-12`, `+3.5` or `-1e-3` (what a spreadsheet reads as a number).
fn is_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let mut n = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        n += digits(&mut i);
    }
    if n == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Appends one key to a column name: after a `.` unless it starts the name, and quoted when it
/// holds a `.` or starts with `"` (see the module comment).
fn push_key(name: &mut String, key: &str, first: bool) {
    if !first {
        name.push('.');
    }
    if key.contains('.') || key.starts_with('"') {
        name.push('"');
        for part in key.split_inclusive('"') {
            name.push_str(part);
            if part.ends_with('"') {
                name.push('"');
            }
        }
        name.push('"');
    } else {
        name.push_str(key);
    }
}

/// The state of one record's walk.
struct Walk<'a> {
    table: &'a mut Table,
    prefix: &'a mut String,
    relabel: Option<&'a dyn Relabel>,
    /// The raw key of a field whose value is being relabeled.
    key: String,
    num: String,
}

impl Walk<'_> {
    /// A cell at the current key; a bare scalar or array record has no key: column `value`.
    fn leaf(&mut self, top: bool, text: &str, is_text: bool) {
        let key = if top { "value" } else { self.prefix.as_str() };
        self.table.cell(key, text, is_text);
    }

    /// A value built as a tree (a relabeled field), flattened like the text walk would.
    fn value(&mut self, value: Value) {
        match value {
            Value::Null => self.leaf(false, "", false),
            Value::String(s) => self.leaf(false, &s, true),
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    let len = self.prefix.len();
                    push_key(self.prefix, &k, false);
                    self.value(v);
                    self.prefix.truncate(len);
                }
            }
            other => self.leaf(false, &other.to_string(), false),
        }
    }
}

/// A value in the record: `top` is the record itself, `custom` the object whose keys are custom
/// fields (`custom_fields` in v2 records, the record itself in v1).
struct Node<'w, 'a> {
    walk: &'w mut Walk<'a>,
    top: bool,
    custom: bool,
}

impl Node<'_, '_> {
    /// An integer cell, formatted into the walk's reused buffer (no allocation per number).
    fn integer(self, v: impl fmt::Display) {
        let mut num = std::mem::take(&mut self.walk.num);
        num.clear();
        let _ = fmt::Write::write_fmt(&mut num, format_args!("{v}"));
        self.walk.leaf(self.top, &num, false);
        self.walk.num = num;
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<(), E> {
        self.walk
            .leaf(self.top, if v { "true" } else { "false" }, false);
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<(), E> {
        self.integer(v);
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<(), E> {
        self.integer(v);
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> std::result::Result<(), E> {
        // As `Value` prints it, so both paths give the same cell.
        let text = serde_json::Number::from_f64(v)
            .map(|n| n.to_string())
            .unwrap_or_default();
        self.walk.leaf(self.top, &text, false);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<(), E> {
        self.walk.leaf(self.top, v, true);
        Ok(())
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        self.walk.leaf(self.top, "", false);
        Ok(())
    }

    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        let text = if items.is_empty() {
            "[]".to_string()
        } else {
            Value::Array(items).to_string()
        };
        self.walk.leaf(self.top, &text, false);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let Node { walk, top, custom } = self;
        let mut any = false;
        loop {
            let len = walk.prefix.len();
            let key = Key {
                walk: &mut *walk,
                top,
                custom,
            };
            let Some(next) = map.next_key_seed(key)? else {
                break;
            };
            any = true;
            match next {
                Next::Walk { custom } => map.next_value_seed(Node {
                    walk: &mut *walk,
                    top: false,
                    custom,
                })?,
                Next::Label => {
                    let value: Value = map.next_value()?;
                    if let Some(r) = walk.relabel {
                        let labeled = r.label(&walk.key, value);
                        walk.value(labeled);
                    }
                }
            }
            walk.prefix.truncate(len);
        }
        // An empty object inside a record is a cell of its own; an empty record has no cells.
        if !any && !top {
            walk.leaf(false, "{}", false);
        }
        Ok(())
    }
}

/// Reads a key and appends it (renamed where it is a custom field) to the column name.
struct Key<'w, 'a> {
    walk: &'w mut Walk<'a>,
    top: bool,
    custom: bool,
}

/// What follows a key: a value to walk (and whether its keys are custom fields), or a value whose
/// option ids become labels.
enum Next {
    Walk { custom: bool },
    Label,
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = Next;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Next, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = Next;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> std::result::Result<Next, E> {
        let walk = self.walk;
        let field = match walk.relabel {
            Some(r) if self.custom => r.field(key),
            _ => None,
        };
        match field {
            Some((name, options)) => {
                push_key(walk.prefix, &name, self.top);
                if options {
                    walk.key.clear();
                    walk.key.push_str(key);
                    return Ok(Next::Label);
                }
            }
            None => push_key(walk.prefix, key, self.top),
        }
        let custom = self.top && key == "custom_fields" && walk.relabel.is_some_and(|r| r.nested());
        Ok(Next::Walk { custom })
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn write(&mut self, json: &str) -> Result<()> {
        self.prefix.clear();
        let mut walk = Walk {
            table: &mut self.table,
            prefix: &mut self.prefix,
            relabel: self.relabel.as_deref(),
            key: String::new(),
            num: String::new(),
        };
        let custom = walk.relabel.is_some_and(|r| !r.nested());
        let mut de = serde_json::Deserializer::from_str(json);
        Node {
            walk: &mut walk,
            top: true,
            custom,
        }
        .deserialize(&mut de)
        .and_then(|_| de.end())
        .map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))?;
        self.table.end_record().map_err(spill_err)?;
        self.records += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        let Some(mut out) = self.out.take() else {
            return Ok(());
        };
        let label = self.label.clone();
        let out_err = |e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::output(io, &label),
            other => Error::Other(format!("cannot write CSV: {other:?}")),
        };
        let table = &mut self.table;
        table.spill.flush().map_err(spill_err)?;
        let mut file = table.spill.get_ref().try_clone().map_err(spill_err)?;
        file.rewind().map_err(spill_err)?;
        if self.records > 0 && table.excel {
            // Without the byte-order mark Excel reads UTF-8 as the local code page.
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| Error::output(e, &self.label))?;
        }
        // RFC 4180 ends every record with CRLF (spreadsheets and Python's csv module expect it).
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        if self.records > 0 {
            let header = table.columns.iter().map(|c| {
                if table.excel && runs_as_formula(c) {
                    format!("'{c}")
                } else {
                    c.clone()
                }
            });
            writer.write_record(header).map_err(out_err)?;
        }
        let mut out = writer
            .into_inner()
            .map_err(|e| Error::output(e.into_error(), &self.label))?;
        let fail = |e: std::io::Error| Error::output(e, &self.label);
        // Each row's cells (spilled quoted as needed), as places in the reader's buffer.
        let mut row: Vec<Range<usize>> = vec![0..0; table.columns.len()];
        let mut cells = Vec::new();
        let mut line = Vec::new();
        let mut reader = SpillReader::new(file);
        for _ in 0..self.records {
            reader.next_record(&mut cells).map_err(spill_err)?;
            for (column, place) in &cells {
                let cell = row
                    .get_mut(*column)
                    .ok_or_else(|| spill_err(std::io::Error::other("unknown column")))?;
                *cell = place.clone();
            }
            // The row is joined here and written with one call: a call per cell through the
            // boxed writer cost more than all the rest of `finish`.
            let bytes = reader.bytes();
            line.clear();
            for (i, place) in row.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                line.extend_from_slice(&bytes[place.clone()]);
            }
            // A record of one empty cell is `""`, so that it is not an empty line.
            if line.is_empty() {
                line.extend_from_slice(b"\"\"");
            }
            line.extend_from_slice(b"\r\n");
            out.write_all(&line).map_err(fail)?;
            for (column, _) in &cells {
                row[*column] = 0..0;
            }
        }
        out.flush().map_err(fail)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// Records of cells (column, text) spilled, then read back through a buffer of `capacity`.
    fn spill_round_trip(
        records: &[Vec<(usize, Vec<u8>)>],
        capacity: usize,
    ) -> Vec<Vec<(usize, Vec<u8>)>> {
        let mut spill = Vec::new();
        for record in records {
            for (column, cell) in record {
                put_varint(&mut spill, *column as u64 + 1).unwrap();
                put_varint(&mut spill, cell.len() as u64).unwrap();
                spill.extend_from_slice(cell);
            }
            put_varint(&mut spill, 0).unwrap();
        }
        let mut reader = SpillReader::with_capacity(&spill[..], capacity);
        let mut cells = Vec::new();
        records
            .iter()
            .map(|_| {
                reader.next_record(&mut cells).unwrap();
                cells
                    .iter()
                    .map(|(c, place)| (*c, reader.bytes()[place.clone()].to_vec()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_spill_reads_back_the_same_cells_whatever_its_buffer_cuts() {
        // Cells across every buffer boundary, a cell longer than the buffer, a column number and
        // a length of two varint bytes, empty records.
        let records: Vec<Vec<(usize, Vec<u8>)>> = (0..200)
            .map(|i| {
                (0..i % 7)
                    .map(|c| (c * 40, [b'a' + (c as u8), b'"'].repeat(i * c % 90)))
                    .collect()
            })
            .chain([vec![(3, vec![b'x'; 5000])], vec![]])
            .collect();
        for capacity in [1, 2, 3, 7, 64, 1 << 16] {
            assert_eq!(
                spill_round_trip(&records, capacity),
                records,
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value() {
        assert_eq!(run(&[r#"{"a":1,"b":3,"a":"x,y"}"#]), "a,b\r\n\"x,y\",3\r\n");
    }

    #[test]
    fn a_row_of_one_empty_cell_is_two_quotes_not_an_empty_line() {
        assert_eq!(
            run(&[r#"{"a":null}"#, r#"{"a":""}"#]),
            "a\r\n\"\"\r\n\"\"\r\n"
        );
        assert_eq!(run(&[r#"{"a":null}"#, r#"{"b":1}"#]), "a,b\r\n,\r\n,1\r\n");
    }

    #[test]
    fn a_spill_cut_short_is_an_error_not_a_short_row() {
        let mut spill = Vec::new();
        put_varint(&mut spill, 1).unwrap();
        put_varint(&mut spill, 10).unwrap();
        spill.extend_from_slice(b"abc");
        let mut reader = SpillReader::with_capacity(&spill[..], 4);
        let err = reader.next_record(&mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
    }

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

    #[test]
    fn a_dotted_key_and_a_nested_key_keep_both_values() {
        let csv = run(&[
            r#"{"a.b":1,"a":{"b":2},"\"q":3}"#,
            r#"{"a":{"b":4},"a.b":5}"#,
        ]);
        assert_eq!(
            csv,
            "\"\"\"a.b\"\"\",a.b,\"\"\"\"\"\"\"q\"\"\"\r\n1,2,3\r\n5,4,\r\n"
        );
        let mut name = String::new();
        push_key(&mut name, "x", true);
        push_key(&mut name, "No. \"1\"", false);
        assert_eq!(name, r#"x."No. ""1""""#);
    }

    fn excel(records: &[&str]) -> String {
        let mut out = Vec::new();
        {
            let options = SinkOptions {
                excel: true,
                relabel: None,
            };
            let mut sink = CsvSink::with(&mut out, "test".into(), options).unwrap();
            for r in records {
                sink.write(r).unwrap();
            }
            sink.finish().unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn excel_adds_a_bom_and_defuses_formulas_but_not_numbers() {
        let csv = excel(&[
            r#"{"=h":"=1+2","b":"+49 30","c":"-12.5","d":-3,"e":"@SUM(A1)","f":"\tx","g":"a=b","h":"-","i":"1e5"}"#,
        ]);
        assert_eq!(
            csv,
            "\u{feff}'=h,b,c,d,e,f,g,h,i\r\n'=1+2,'+49 30,-12.5,-3,'@SUM(A1),'\tx,a=b,'-,1e5\r\n"
        );
        assert_eq!(excel(&[]), "");
        for n in ["-1", "+2.5", "-.5", "1E-3", "-0"] {
            assert!(!runs_as_formula(n), "{n}");
        }
        for t in ["-1-1", "=1", "+", "-e5", "-1e", "\r1", "-inf", "-1.2.3"] {
            assert!(runs_as_formula(t), "{t}");
        }
    }

    /// Renames `k1` to `One.` and labels `k2`'s option 7 as `seven`.
    struct Names {
        nested: bool,
    }

    impl Relabel for Names {
        fn nested(&self) -> bool {
            self.nested
        }
        fn field(&self, key: &str) -> Option<(Cow<'_, str>, bool)> {
            match key {
                "k1" => Some(("One.".into(), false)),
                "k2" => Some(("Two".into(), true)),
                _ => None,
            }
        }
        fn label(&self, _key: &str, value: Value) -> Value {
            match value {
                Value::Array(v) => Value::Array(v.into_iter().map(|v| self.label("", v)).collect()),
                v if v == 7 => Value::String("seven".into()),
                v => v,
            }
        }
    }

    fn relabeled(nested: bool, records: &[&str]) -> String {
        let mut out = Vec::new();
        {
            let options = SinkOptions {
                excel: false,
                relabel: Some(Arc::new(Names { nested })),
            };
            let mut sink = CsvSink::with(&mut out, "test".into(), options).unwrap();
            for r in records {
                sink.write(r).unwrap();
            }
            sink.finish().unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn field_names_rename_only_custom_fields_where_they_sit() {
        let v2 = relabeled(
            true,
            &[
                r#"{"k1":0,"custom_fields":{"k1":{"value":5},"k2":7,"k3":7},"x":{"k2":7}}"#,
                r#"{"custom_fields":{"k2":[7,8]}}"#,
            ],
        );
        assert_eq!(
            v2,
            "k1,\"custom_fields.\"\"One.\"\".value\",custom_fields.Two,custom_fields.k3,x.k2\r\n\
             0,5,seven,7,7\r\n\
             ,,\"[\"\"seven\"\",8]\",,\r\n"
        );
        let v1 = relabeled(false, &[r#"{"k1":1,"k2":7,"custom_fields":{"k1":2}}"#]);
        assert_eq!(v1, "\"\"\"One.\"\"\",Two,custom_fields.k1\r\n1,seven,2\r\n");
    }

    #[test]
    fn numbers_print_as_a_value_tree_prints_them() {
        let csv = run(&[
            r#"{"a":1.50,"b":1e2,"c":-0,"d":18446744073709551615,"e":123456789012345678901234}"#,
        ]);
        let v: Value =
            serde_json::from_str(r#"[1.50,1e2,-0,18446744073709551615,123456789012345678901234]"#)
                .unwrap();
        let want: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(csv, format!("a,b,c,d,e\r\n{}\r\n", want.join(",")));
    }
}
