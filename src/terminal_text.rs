//! Text from outside the program (an answer body, a callback parameter, a stored value, a serde
//! message that repeats part of its input) made safe to put in a message on the terminal.
//!
//! A terminal obeys escape sequences, so control characters from a hostile server or a forged
//! callback could rewrite what the user sees; and a field definition or an error body can be a
//! megabyte long. Every message that quotes such text goes through [`quoted`]: control characters
//! become visible `\u{..}` escapes and the text is cut to a bound with a note of how much was left.

/// What a message quotes at most by default: enough to recognise an answer, never a flood.
pub(crate) const QUOTE_MAX: usize = 200;

/// `text` without control characters (shown as `\u{1b}`), cut to `max` characters with a note of
/// what was left out.
pub(crate) fn quoted(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    for (shown, c) in chars.by_ref().enumerate() {
        if shown >= max {
            let rest = 1 + chars.count();
            out.push_str(&format!("… ({rest} more characters)"));
            return out;
        }
        push_visible(&mut out, c);
    }
    out
}

/// [`quoted`] with the default bound.
pub(crate) fn short(text: &str) -> String {
    quoted(text, QUOTE_MAX)
}

/// The first bytes of a body that may not be UTF-8, quoted safely.
pub(crate) fn bytes(body: &[u8], max: usize) -> String {
    // Decoding a bounded prefix keeps a 400 MB body from being copied just to show 200 chars.
    let head = &body[..body.len().min(max.saturating_mul(4))];
    let text = String::from_utf8_lossy(head);
    let mut q = quoted(&text, max);
    if head.len() < body.len() && !q.ends_with(" more characters)") {
        q.push_str(&format!("… ({} more bytes)", body.len() - head.len()));
    }
    q
}

/// Text for the terminal: control characters stripped (escapes, bells, carriage returns), length
/// kept. For text the user should read as it is, such as a reason given by the OAuth server.
pub(crate) fn clean(text: &str) -> String {
    text.chars().filter(|c| !is_control(*c)).collect()
}

/// Why JSON could not be read, without any of the values it holds (serde's own message quotes
/// the offending value, which may be a token or a megabyte of text).
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    // Errors from a parsed value (a MongoDB document) have no position.
    let at = if e.line() == 0 {
        "in the record".to_string()
    } else {
        format!("line {}, column {}", e.line(), e.column())
    };
    match e.classify() {
        Category::Syntax => format!("not valid JSON at {at}"),
        Category::Eof => format!("JSON cut short at {at}"),
        Category::Io => "unreadable".to_string(),
        Category::Data => {
            // "missing field `x`" names a field of ours, never a stored value.
            let text = e.to_string();
            let named = ["missing field `", "unknown field `", "duplicate field `"]
                .iter()
                .any(|p| text.starts_with(p));
            if named {
                let what = text.split(" at line ").next().unwrap_or_default();
                format!("{} at {at}", quoted(what, 80))
            } else {
                format!("a value of the wrong type at {at}")
            }
        }
    }
}

fn is_control(c: char) -> bool {
    // C0, DEL and C1 (0x80-0x9f: the 8-bit CSI among them), and the bidi overrides that can make
    // text read differently from what it is.
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_visible(out: &mut String, c: char) {
    if is_control(c) {
        out.push_str(&c.escape_unicode().to_string());
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_never_reach_the_terminal() {
        let evil = "denied\x1b[2J\x1b]0;title\x07\r\u{9b}31m";
        assert!(!quoted(evil, 100).chars().any(is_control));
        assert!(quoted(evil, 100).contains("\\u{1b}"));
        assert_eq!(clean(evil), "denied[2J]0;title31m");
    }

    #[test]
    fn json_errors_never_quote_values() {
        let e = serde_json::from_str::<Vec<u32>>(r#"["SECRET-VALUE"]"#).unwrap_err();
        assert!(!json_error(&e).contains("SECRET"), "{}", json_error(&e));
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct R {
            token: String,
        }
        let e = serde_json::from_str::<R>(r#"{"other": "SECRET"}"#).unwrap_err();
        assert!(
            json_error(&e).starts_with("missing field `token`"),
            "{}",
            json_error(&e)
        );
        let e = serde_json::from_str::<R>("SECRET").unwrap_err();
        assert!(!json_error(&e).contains("SECRET"), "{}", json_error(&e));
    }

    #[test]
    fn long_text_is_cut_with_a_note() {
        let big = "x".repeat(1_000_000);
        let q = quoted(&big, 200);
        assert!(q.len() < 260, "{}", q.len());
        assert!(q.ends_with("(999800 more characters)"), "{q}");
        assert_eq!(quoted("short", 200), "short");
        let b = bytes(&vec![b'y'; 1_000_000], 100);
        assert!(b.len() < 160, "{b}");
    }
}
