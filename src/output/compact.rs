//! Compact JSON text without re-encoding: whitespace outside strings is dropped, so a
//! record passes through as the API sent it, only guaranteed to sit on one line.

use std::io::Write;

use crate::json_scan::after_string;

/// Writes `json` without insignificant whitespace; compact input goes out in one call.
///
/// The input is valid JSON (it came through serde_json), so outside strings only structure,
/// numbers and literals remain; string contents, most of a record's bytes, are skipped with
/// `memchr` (`crate::json_scan`) instead of byte by byte.
pub(crate) fn write_compact<W: Write + ?Sized>(out: &mut W, json: &str) -> std::io::Result<()> {
    let bytes = json.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = after_string(bytes, i),
            b' ' | b'\n' | b'\r' | b'\t' => {
                if from < i {
                    out.write_all(&bytes[from..i])?;
                }
                i += 1;
                from = i;
            }
            _ => i += 1,
        }
    }
    if from < bytes.len() {
        out.write_all(&bytes[from..])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(s: &str) -> String {
        let mut v = Vec::new();
        write_compact(&mut v, s).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn drops_whitespace_outside_strings_only() {
        assert_eq!(
            compact("{\"a\": 1,\n \"b\" : [1, 2]}"),
            "{\"a\":1,\"b\":[1,2]}"
        );
        assert_eq!(
            compact("{\"t\": \"a b\\\" c\\n\"}"),
            "{\"t\":\"a b\\\" c\\n\"}"
        );
        assert_eq!(compact("{\"id\":1}"), "{\"id\":1}");
        assert_eq!(compact("[\"\\\\\", \"x\" ]"), "[\"\\\\\",\"x\"]");
        assert_eq!(compact(" \"a\\\"\" "), "\"a\\\"\"");
    }
}
