//! Compact JSON text without re-encoding: whitespace outside strings is dropped byte by byte, so a
//! record passes through as the API sent it, only guaranteed to sit on one line.

use std::io::Write;

/// Writes `json` without insignificant whitespace; the fast path writes it in one call.
pub fn write_compact<W: Write + ?Sized>(out: &mut W, json: &str) -> std::io::Result<()> {
    let bytes = json.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b' ' | b'\n' | b'\r' | b'\t' => {
                if from < i {
                    out.write_all(&bytes[from..i])?;
                }
                from = i + 1;
            }
            _ => {}
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
    }
}
