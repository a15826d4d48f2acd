//! UTC time helpers without a date library: unix seconds to RFC 3339 / Pipedrive v1
//! (`YYYY-MM-DD HH:MM:SS`) text and back.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD`, returning unix seconds at midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = num(&s[0..4])?;
    let m = num(&s[5..7])? as u32;
    let d = num(&s[8..10])? as u32;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// Parses an RFC 3339 date-time (`Z` or `±HH:MM` offset, optional fraction, `T` or space)
/// into unix seconds (fraction dropped).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    if s.len() < 20 || !s.is_char_boundary(10) {
        return None;
    }
    let day = parse_date(&s[..10])?;
    let b = s.as_bytes();
    if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let h = num(s.get(11..13)?)?;
    let mi = num(s.get(14..16)?)?;
    let se = num(s.get(17..19)?)?;
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &r[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            sign * (num(&rest[1..3])? * 3600 + num(&rest[4..6])? * 60)
        }
    };
    Some(day + h * 3600 + mi * 60 + se - offset)
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
