//! UTC times for the mock: unix seconds to RFC 3339 / Pipedrive v1 (`YYYY-MM-DD HH:MM:SS`)
//! text and back. The calendar is chrono's; what is left here is speed: a million records carry
//! several times each, so formatting copies a precomputed date and two-digit pairs instead of
//! going through a formatter.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveTime};

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Days since 1970-01-01 as (year, month, day); outside chrono's range, 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    use chrono::Datelike;
    let date = i32::try_from(days + 719_163)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or_default();
    (i64::from(date.year()), date.month(), date.day())
}

/// How [`write`] formats a time.
#[derive(Clone, Copy)]
pub enum Style {
    /// `2025-01-02T03:04:05Z`
    Rfc3339,
    /// `2025-01-02 03:04:05`
    V1,
    /// `2025-01-02`
    Date,
}

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

fn two(buf: &mut Vec<u8>, v: i64) {
    let i = (v.rem_euclid(100) * 2) as usize;
    buf.extend_from_slice(&PAIRS[i..i + 2]);
}

/// First day of the precomputed date table: 2015-01-01.
const TABLE_FROM: i64 = 16_436;
const TABLE_DAYS: i64 = 7_670;

/// `YYYY-MM-DD` of each day from 2015 to 2035, so formatting a time needs no division.
fn date_table() -> &'static [[u8; 10]] {
    static TABLE: OnceLock<Vec<[u8; 10]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..TABLE_DAYS)
            .map(|n| {
                let mut b = Vec::with_capacity(10);
                write_date(&mut b, TABLE_FROM + n);
                b.try_into().expect("10 bytes")
            })
            .collect()
    })
}

fn write_date(buf: &mut Vec<u8>, days: i64) {
    let (y, mo, d) = civil_from_days(days);
    two(buf, y / 100);
    two(buf, y % 100);
    buf.push(b'-');
    two(buf, mo as i64);
    buf.push(b'-');
    two(buf, d as i64);
}

/// Appends the time without allocating (years 0..=9999).
pub fn write(buf: &mut Vec<u8>, secs: i64, style: Style) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    match date_table().get((days - TABLE_FROM) as usize) {
        Some(d) if days >= TABLE_FROM => buf.extend_from_slice(d),
        _ => write_date(buf, days),
    }
    if let Style::Date = style {
        return;
    }
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    buf.push(if let Style::V1 = style { b' ' } else { b'T' });
    two(buf, h);
    buf.push(b':');
    two(buf, mi);
    buf.push(b':');
    two(buf, s);
    if let Style::Rfc3339 = style {
        buf.push(b'Z');
    }
}

#[cfg(test)]
fn format(secs: i64, style: Style) -> String {
    let mut buf = Vec::with_capacity(20);
    write(&mut buf, secs, style);
    String::from_utf8(buf).expect("ascii")
}

#[cfg(test)]
/// `2025-01-02T03:04:05Z`
pub fn rfc3339(secs: i64) -> String {
    format(secs, Style::Rfc3339)
}

#[cfg(test)]
/// `2025-01-02 03:04:05`
pub fn v1_time(secs: i64) -> String {
    format(secs, Style::V1)
}

#[cfg(test)]
/// `2025-01-02`
pub fn date(secs: i64) -> String {
    format(secs, Style::Date)
}

/// Parses `YYYY-MM-DD`, returning unix seconds at midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    (s.len() == 10).then(|| date.and_time(NaiveTime::MIN).and_utc().timestamp())
}

/// Parses an RFC 3339 date-time (`Z` or `±HH:MM` offset, optional fraction, `T` or space)
/// into unix seconds (fraction dropped).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    // RFC 3339 allows a space (or `t`) for the `T`; chrono's parser wants the `T`.
    let fixed;
    let text = match (s.as_bytes().get(10), s.get(..10), s.get(11..)) {
        (Some(b' ' | b't'), Some(date), Some(rest)) => {
            fixed = format!("{date}T{rest}");
            fixed.as_str()
        }
        _ => s,
    };
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = 1_735_787_045; // 2025-01-02T03:04:05Z
        assert_eq!(rfc3339(t), "2025-01-02T03:04:05Z");
        assert_eq!(v1_time(t), "2025-01-02 03:04:05");
        assert_eq!(date(t), "2025-01-02");
        assert_eq!(parse_rfc3339("2025-01-02T03:04:05Z"), Some(t));
        assert_eq!(parse_rfc3339("2025-01-02T04:04:05.123+01:00"), Some(t));
        assert_eq!(parse_rfc3339("2025-01-02"), None);
        assert_eq!(parse_rfc3339("yesterday at noon!!"), None);
        assert_eq!(parse_rfc3339("2025-01-02 03:04:05Z"), Some(t));
        assert_eq!(
            parse_rfc3339("2025-01-02T03:04:05"),
            None,
            "an offset is required"
        );
        assert_eq!(parse_rfc3339("2025-13-02T03:04:05Z"), None);
        assert_eq!(parse_rfc3339("2025-01-02Ä03:04:05Z"), None);
        assert_eq!(parse_date("2025-01-02"), Some(t - 3 * 3600 - 4 * 60 - 5));
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(parse_date("2025-1-2"), None);
        for t in [
            0,
            1_420_070_399,
            1_420_070_400,
            2_082_758_399,
            2_082_758_400,
            4_102_444_800,
        ] {
            let mut table = Vec::new();
            write(&mut table, t, Style::Date);
            let mut slow = Vec::new();
            write_date(&mut slow, t.div_euclid(86_400));
            assert_eq!(table, slow, "{t}");
        }
    }
}
