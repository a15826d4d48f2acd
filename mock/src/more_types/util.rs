//! What the answers of this module share: generated ids (UUIDs, hex), the millisecond ISO
//! times of the v1 leads/call-log services, v1 custom field values, path ids and 404s. Query
//! access and paging are [`crate::paging`]'s, shared with the first nine kinds.

use std::io::Write;

use crate::data::h;
use crate::fields::CustomField;
use crate::json::Obj;
use crate::state::{error_reply, Reply};
use crate::time::{self, Style};

/// 2023-01-01T00:00:00Z, as the first nine kinds: generated times fall in 2023 and 2024.
pub const BASE: i64 = 1_672_531_200;
/// One day in seconds.
pub const DAY: i64 = 86_400;

/// (add_time, update_time) of item `n` of a list salted `salt`.
pub fn times(salt: u64, n: u64) -> (i64, i64) {
    let add = BASE + (h(salt, n, 1) % (540 * DAY as u64)) as i64;
    (add, add + (h(salt, n, 2) % (180 * DAY as u64)) as i64)
}

/// `1..=count` picked from (salt, n, i), or `None` when the list is empty or one time in
/// `every` (`every` 0: never `None`).
pub fn pick(count: u64, salt: u64, n: u64, i: u64, every: u64) -> Option<u64> {
    let r = h(salt, n, i);
    (count > 0 && (every == 0 || r % every != 0)).then(|| 1 + (r >> 8) % count)
}

/// A version-4-looking UUID, the same for the same (salt, n).
pub fn uuid(salt: u64, n: u64) -> String {
    let (a, b) = (h(salt, n, 901), h(salt, n, 902));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// `len` lowercase hex digits, the same for the same (salt, n).
pub fn hex(salt: u64, n: u64, len: usize) -> String {
    let mut s = String::with_capacity(len + 16);
    let mut i = 0;
    while s.len() < len {
        s.push_str(&format!("{:016x}", h(salt, n, 910 + i)));
        i += 1;
    }
    s.truncate(len);
    s
}

/// `2020-10-14T11:30:36.551Z`: the leads, lead labels and call logs services write
/// milliseconds (derived from the second here, so a time always prints the same).
pub fn iso_ms(o: &mut Obj, k: &str, secs: i64) {
    let b = o.key(k);
    b.push(b'"');
    time::write(b, secs, Style::Rfc3339);
    b.pop();
    let _ = write!(b, ".{:03}Z\"", secs.rem_euclid(997));
}

/// Custom field values the v1 way: at the top level under their keys, money as a number plus
/// `<key>_currency`, sets as comma-separated option ids, dates as `YYYY-MM-DD`.
pub fn v1_custom(o: &mut Obj, fields: &[CustomField], id: u64, salt: u64) {
    for (n, f) in fields.iter().enumerate() {
        let r = h(salt, id, 50 + n as u64);
        if r % 5 == 0 {
            o.null(&f.key);
            if f.ftype == "monetary" {
                o.null(&format!("{}_currency", f.key));
            }
            continue;
        }
        match f.ftype {
            "monetary" => {
                o.f(&f.key, (r % 1_000_000) as f64 / 100.0).s(
                    &format!("{}_currency", f.key),
                    ["EUR", "USD", "GBP"][(r % 3) as usize],
                );
            }
            "enum" => {
                o.i(
                    &f.key,
                    f.options[(r % f.options.len() as u64) as usize].0 as i64,
                );
            }
            "set" => {
                let ids: Vec<String> = f
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (r >> (i + 8)) & 1 == 1)
                    .map(|(_, o)| o.0.to_string())
                    .collect();
                o.s(&f.key, &ids.join(","));
            }
            "double" => {
                o.f(&f.key, (r % 1000) as f64 / 10.0);
            }
            "date" => {
                o.t(
                    &f.key,
                    1_700_000_000 + (r % 400) as i64 * 86_400,
                    Style::Date,
                );
            }
            _ => {
                o.s(
                    &f.key,
                    ["Referral, \"warm\"", "Trade fair", "Line one\nline two"][(r % 3) as usize],
                );
            }
        }
    }
}

/// A path id that must be a positive integer.
pub fn path_id(id: &str, what: &str) -> Result<u64, Reply> {
    id.parse::<u64>()
        .ok()
        .filter(|&n| n > 0 && id.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| error_reply(400, &format!("Invalid {what} id: must be an integer")))
}

/// Pipedrive's 404 for a parent that does not exist.
pub fn not_found(what: &str) -> Reply {
    Reply::json(
        404,
        crate::state::error_body(404, &format!("{what} not found"), "Object was not found."),
    )
}
