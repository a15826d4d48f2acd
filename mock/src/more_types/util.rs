//! What the answers of this module share: query access, generated ids (UUIDs, hex), the
//! millisecond ISO times of the v1 leads/call-log services, v1 custom field values, and the
//! three kinds of paging (one answer, v1 offset, v2 cursor).

use std::io::Write;

use base64::Engine;

use crate::data::h;
use crate::fields::CustomField;
use crate::json::{write_str, Obj};
use crate::state::{error_reply, Reply};
use crate::time::{self, Style};

pub type Pairs = [(String, String)];

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

pub fn get<'a>(pairs: &'a Pairs, k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

pub fn int(pairs: &Pairs, k: &str) -> Option<u64> {
    get(pairs, k).and_then(|v| v.parse().ok())
}

/// `limit`, 100 when absent (Pipedrive's default for every list here).
pub fn limit(pairs: &Pairs) -> usize {
    int(pairs, "limit").unwrap_or(100) as usize
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

/// `{"success":true,"data":[...]}` with every item.
pub fn one_answer(
    ids: impl Iterator<Item = u64>,
    mut write: impl FnMut(u64, &mut Vec<u8>),
) -> Reply {
    let mut buf = b"{\"success\":true,\"data\":[".to_vec();
    for (n, id) in ids.enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        write(id, &mut buf);
    }
    buf.extend_from_slice(b"]}");
    Reply::json(200, buf)
}

/// How an offset answer describes its page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    /// `additional_data.pagination.{start, limit, more_items_in_collection, next_start}`.
    Pagination,
    /// `additional_data.{start, limit, more_items_in_collection}`: the leads schema.
    Flat,
}

/// A v1 offset page of `ids` (already filtered and ordered): `start`/`limit` from the query,
/// `"data": null` when the page is empty.
pub fn offset_page(
    ids: &[u64],
    pairs: &Pairs,
    style: Offset,
    mut write: impl FnMut(u64, &mut Vec<u8>),
) -> Reply {
    let start = int(pairs, "start").unwrap_or(0) as usize;
    let limit = limit(pairs);
    let page = ids.get(start.min(ids.len())..).unwrap_or_default();
    let page = &page[..page.len().min(limit)];
    let more = start + page.len() < ids.len();
    let mut buf = b"{\"success\":true,\"data\":".to_vec();
    if page.is_empty() {
        buf.extend_from_slice(b"null");
    } else {
        buf.push(b'[');
        for (n, &id) in page.iter().enumerate() {
            if n > 0 {
                buf.push(b',');
            }
            write(id, &mut buf);
        }
        buf.push(b']');
    }
    let _ = match style {
        Offset::Flat => write!(
            buf,
            ",\"additional_data\":{{\"start\":{start},\"limit\":{limit},\"more_items_in_collection\":{more}}}}}"
        ),
        Offset::Pagination => {
            let _ = write!(
                buf,
                ",\"additional_data\":{{\"pagination\":{{\"start\":{start},\"limit\":{limit},\"more_items_in_collection\":{more}"
            );
            if more {
                let _ = write!(buf, ",\"next_start\":{}", start + limit);
            }
            buf.write_all(b"}}}")
        }
    };
    Reply::json(200, buf)
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The order of a cursor list: the `sort_by` field and direction, checked against the cursor.
pub struct Order {
    pub field: String,
    pub desc: bool,
    /// Where the page starts: after this (key, id).
    pub after: Option<(i64, u64)>,
}

/// Reads `sort_by`/`sort_direction`/`cursor` (Pipedrive's cursor is opaque; this one is
/// base64 JSON like the real one). A cursor of another order is a 400.
pub fn order(pairs: &Pairs) -> Result<Order, Reply> {
    let mut o = Order {
        field: get(pairs, "sort_by").unwrap_or("id").to_string(),
        desc: get(pairs, "sort_direction") == Some("desc"),
        after: None,
    };
    if let Some(c) = get(pairs, "cursor") {
        let c = decode(c).ok_or_else(|| error_reply(400, "Invalid cursor"))?;
        let explicit = get(pairs, "sort_by").is_some() || get(pairs, "sort_direction").is_some();
        if explicit && (c.0 != o.field || c.1 != o.desc) {
            return Err(error_reply(
                400,
                "Cursor does not match sort_by/sort_direction",
            ));
        }
        o.field = c.0;
        o.desc = c.1;
        o.after = Some((c.2, c.3));
    }
    Ok(o)
}

fn decode(s: &str) -> Option<(String, bool, i64, u64)> {
    let raw = B64.decode(s.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    Some((
        v["field"].as_str()?.to_string(),
        v["sortDirection"].as_str()? == "desc",
        v["fieldValue"].as_i64()?,
        v["id"].as_u64()?,
    ))
}

fn encode(field: &str, desc: bool, key: i64, id: u64) -> String {
    let j = serde_json::json!({
        "field": field, "fieldValue": key,
        "sortDirection": if desc { "desc" } else { "asc" }, "id": id,
    });
    B64.encode(j.to_string())
}

/// A v2 cursor page over `items` as (sort key, id), in any order: sorts them, starts after
/// the cursor and names the next cursor (`null` on the last page).
pub fn cursor_page(
    mut items: Vec<(i64, u64)>,
    order: &Order,
    pairs: &Pairs,
    mut write: impl FnMut(u64, &mut Vec<u8>),
) -> Reply {
    items.sort_unstable();
    if order.desc {
        items.reverse();
    }
    let from = match order.after {
        None => 0,
        Some(c) if order.desc => items.partition_point(|x| *x >= c),
        Some(c) => items.partition_point(|x| *x <= c),
    };
    let limit = limit(pairs);
    let page = &items[from..(from + limit).min(items.len())];
    let more = from + page.len() < items.len();
    let mut buf = b"{\"success\":true,\"data\":[".to_vec();
    for (n, &(_, id)) in page.iter().enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        write(id, &mut buf);
    }
    buf.extend_from_slice(b"],\"additional_data\":{\"next_cursor\":");
    match page.last().filter(|_| more) {
        Some(&(key, id)) => write_str(&mut buf, &encode(&order.field, order.desc, key, id)),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b"}}");
    Reply::json(200, buf)
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
