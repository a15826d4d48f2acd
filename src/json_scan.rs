//! Scanning JSON text that serde_json has already checked: the one loop that skips a string,
//! shared by the page splitter (`api::pages`) and the compact writer (`output::compact`). String
//! contents are most of a record's bytes, so `memchr` jumps to the next quote or backslash
//! instead of looking at every byte. And a record's `update_time`, read without the rest.

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

/// A record's top-level `update_time`, read only up to that field: a sync observes every
/// record, and the fields after it are never scanned.
pub(crate) fn update_time(record: &str) -> Option<&str> {
    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

    /// Whether a key is `update_time`, borrowed or unescaped.
    struct IsUpdateTime;
    impl<'de> DeserializeSeed<'de> for IsUpdateTime {
        type Value = bool;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<bool, D::Error> {
            d.deserialize_str(self)
        }
    }
    impl Visitor<'_> for IsUpdateTime {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a key")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<bool, E> {
            Ok(v == "update_time")
        }
    }

    struct Find<'de, 'f>(&'f mut Option<&'de str>);
    impl<'de> Visitor<'de> for Find<'de, '_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a record")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            while let Some(is_it) = map.next_key_seed(IsUpdateTime)? {
                if is_it {
                    *self.0 = map.next_value()?;
                    // Found: this error only ends the walk, the rest of the record unread.
                    return Err(de::Error::custom("found"));
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }

    let mut found = None;
    let _ = serde_json::Deserializer::from_str(record).deserialize_map(Find(&mut found));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_records_own_update_time_counts() {
        let nested = r#"{"id":1,"owner":{"update_time":"2030-01-01T00:00:00Z"},"update_time":"2025-01-02T03:04:05Z","x":[1]}"#;
        assert_eq!(update_time(nested), Some("2025-01-02T03:04:05Z"));
        assert_eq!(
            update_time(r#"{"id":1,"owner":{"update_time":"2030"}}"#),
            None
        );
        assert_eq!(update_time(r#"{"update_time":null}"#), None);
        assert_eq!(
            update_time(r#"{"upd\u0061te_time":"2025-01-01 00:00:00"}"#),
            Some("2025-01-01 00:00:00")
        );
    }

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
