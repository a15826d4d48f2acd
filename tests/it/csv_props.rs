//! Property test of the CSV sink: any JSON objects (nested objects, arrays, strings with commas,
//! quotes, newlines and any unicode) come back from a CSV reader as rows whose columns match the
//! header, each cell equal to the flattened value, checked against an independent flattening.
//! Keys with dots get columns of their own: no two values of a record ever share a column.

use std::collections::HashMap;

use pipedrive_cli::output::csv::CsvSink;
use pipedrive_cli::output::Sink;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Keys as a CSV header would choke on: commas, quotes, newlines, unicode, even empty, and dots
/// and quotes that could make `{"a.b":1}` and `{"a":{"b":1}}` share a column.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,6}",
        "[ab.\"]{0,4}",
        "[a-z ,\"\n\r;\t'üß€中😀.]{0,6}",
        any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ,\"\n\r;\t'üß€中😀]{0,12}",
        any::<String>(),
        Just(String::new()),
        Just("\"".to_string()),
        Just(" leading and trailing ".to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A record: an object with at least one key (an API record always has an `id`).
fn record() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json()), 1..6)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

/// A key in a column name: quoted when it holds a `.` or starts with a quote (README, "CSV").
fn segment(key: &str) -> String {
    if key.contains('.') || key.starts_with('"') {
        format!("\"{}\"", key.replace('"', "\"\""))
    } else {
        key.to_string()
    }
}

/// The flattening README.md describes ("Export to CSV"), written independently of the sink: nested objects
/// joined with `.`, arrays and empty objects as JSON text, null empty, strings as they are.
fn reference(value: &Value, path: Option<&str>, out: &mut Vec<(String, String)>) {
    let here = |p: Option<&str>| p.expect("a record is an object").to_string();
    match value {
        Value::Object(map) if !map.is_empty() || path.is_none() => {
            for (k, v) in map {
                let p = match path {
                    None => segment(k),
                    Some(p) => format!("{p}.{}", segment(k)),
                };
                reference(v, Some(&p), out);
            }
        }
        Value::Null => out.push((here(path), String::new())),
        Value::String(s) => out.push((here(path), s.clone())),
        Value::Bool(b) => out.push((here(path), b.to_string())),
        Value::Number(n) => out.push((here(path), n.to_string())),
        other => out.push((here(path), serde_json::to_string(other).unwrap())),
    }
}

fn to_csv(texts: &[String]) -> String {
    let mut out = Vec::new();
    {
        let mut sink = CsvSink::new(&mut out, "test".into()).unwrap();
        for t in texts {
            sink.write(t).unwrap();
        }
        sink.finish().unwrap();
    }
    String::from_utf8(out).expect("CSV is UTF-8")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_objects_round_trip_through_csv(records in prop::collection::vec(record(), 1..5),
                                          pretty in any::<bool>()) {
        // The API's text, compact or not: the sink must not care.
        let texts: Vec<String> = records
            .iter()
            .map(|r| if pretty { serde_json::to_string_pretty(r) } else { serde_json::to_string(r) })
            .map(Result::unwrap)
            .collect();
        let csv = to_csv(&texts);

        let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        prop_assert_eq!(rows.len(), records.len());

        // The header: every flattened key of every record, each once, in order of appearance.
        let mut expected_header: Vec<String> = Vec::new();
        let mut flat = Vec::new();
        for text in &texts {
            // Parsed from the same text the sink got, so numbers compare as the sink sees them.
            let value: Value = serde_json::from_str(text).unwrap();
            let mut cells = Vec::new();
            reference(&value, None, &mut cells);
            for (k, _) in &cells {
                if !expected_header.contains(k) {
                    expected_header.push(k.clone());
                }
            }
            let n = cells.len();
            let by_column = cells.into_iter().collect::<HashMap<_, _>>();
            prop_assert_eq!(by_column.len(), n, "two values of {} share a column", text);
            flat.push(by_column);
        }
        prop_assert_eq!(&header, &expected_header);

        for (row, cells) in rows.iter().zip(&flat) {
            prop_assert_eq!(row.len(), header.len(), "columns match the header");
            for (column, cell) in header.iter().zip(row.iter()) {
                let want = cells.get(column).map(String::as_str).unwrap_or("");
                prop_assert_eq!(cell, want, "column {:?}", column);
            }
        }
    }
}
