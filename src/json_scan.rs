//! Scanning JSON text that serde_json has already checked: the one loop that skips a string,
//! shared by the page splitter (`api::pages`) and the compact writer (`output::compact`). String
//! contents are most of a record's bytes, so `memchr` jumps to the next quote or backslash
//! instead of looking at every byte.

/// The index after the string that opens at `b[open]`.
#[inline]
pub(crate) fn after_string(b: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while let Some(k) = b.get(i..).and_then(|r| memchr::memchr2(b'"', b'\\', r)) {
        i += k;
        if b[i] == b'"' {
            return i + 1;
        }
        i += 2;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_escapes_and_stops_after_the_closing_quote() {
        let text = br#"{"a\"b\\":"x"}"#;
        assert_eq!(after_string(text, 1), 9);
        assert_eq!(&text[9..], br#":"x"}"#);
        assert_eq!(after_string(br#""""#, 0), 2);
        // Unterminated (never from serde_json, but never out of bounds either).
        assert_eq!(after_string(br#""abc\"#, 0), 5);
        assert_eq!(after_string(br#""abc"#, 0), 4);
    }
}
