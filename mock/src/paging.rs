//! What every list of the mock pages with, the first nine kinds ([`crate::lists`]) and the
//! later types ([`crate::more_types`]) alike: query access, the `limit` parser, the v2 cursor
//! (its codec and the order it carries) and the three kinds of answer (one answer, v1 offset
//! page, v2 cursor page).
//!
//! `limit` is not checked here: an operation's declared maximum (and `limit=0`) is refused
//! with a 400 before any list code runs ([`crate::params`]).

use std::io::Write;

use base64::Engine;

use crate::json::write_str;
use crate::state::{error_reply, Reply};

/// A query string decoded into (name, value) pairs, in order.
pub type Pairs = [(String, String)];

/// The first value of query parameter `k`.
pub fn get<'a>(pairs: &'a Pairs, k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// Query parameter `k` as a non-negative integer; `None` when absent or not one.
pub fn int(pairs: &Pairs, k: &str) -> Option<u64> {
    get(pairs, k).and_then(|v| v.parse().ok())
}

/// `limit`, 100 when absent (Pipedrive's default for every list here).
pub fn limit(pairs: &Pairs) -> usize {
    int(pairs, "limit").unwrap_or(100) as usize
}

/// `{"success":true,"data":[...]}` with every item.
pub fn one_answer(
    ids: impl Iterator<Item = u64>,
    mut write: impl FnMut(u64, &mut Vec<u8>),
) -> Reply {
    let mut buf = b"{\"success\":true,\"data\":".to_vec();
    array(&mut buf, ids, &mut write);
    buf.push(b'}');
    Reply::json(200, buf)
}

/// `[a,b,...]`: each item written by `write`.
fn array<T>(
    buf: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    write: &mut impl FnMut(T, &mut Vec<u8>),
) {
    buf.push(b'[');
    for (n, item) in items.into_iter().enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        write(item, buf);
    }
    buf.push(b']');
}

/// How an offset answer describes its page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    /// `additional_data.pagination.{start, limit, more_items_in_collection, next_start}`.
    Pagination,
    /// `additional_data.{start, limit, more_items_in_collection}`: the leads schema.
    Flat,
}

/// A v1 offset page of `items` (already filtered and ordered): `start`/`limit` from the query,
/// `"data": null` when the page is empty, `next_start` only when more items follow.
pub fn offset_page<T: Copy>(
    items: &[T],
    pairs: &Pairs,
    style: Offset,
    mut write: impl FnMut(T, &mut Vec<u8>),
) -> Reply {
    let start = int(pairs, "start").unwrap_or(0) as usize;
    let limit = limit(pairs);
    let page = items.get(start.min(items.len())..).unwrap_or_default();
    let page = &page[..page.len().min(limit)];
    let more = start + page.len() < items.len();
    let mut buf = b"{\"success\":true,\"data\":".to_vec();
    if page.is_empty() {
        buf.extend_from_slice(b"null");
    } else {
        array(&mut buf, page.iter().copied(), &mut write);
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

/// The order of a cursor list: a field and a direction, and where the page starts.
pub struct Order {
    pub field: String,
    pub desc: bool,
    /// Where the page starts: after this (key, id) in the order.
    pub after: Option<(i64, u64)>,
}

impl Order {
    /// The order a cursor names; `None` for a string that is not one of this mock's cursors.
    /// Pipedrive's cursor is opaque; this one is base64 JSON like the real one.
    fn decode(s: &str) -> Option<Order> {
        let raw = B64.decode(s.trim_end_matches('=')).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
        Some(Order {
            field: v["field"].as_str()?.to_string(),
            desc: v["sortDirection"].as_str()? == "desc",
            after: Some((v["fieldValue"].as_i64()?, v["id"].as_u64()?)),
        })
    }

    /// The cursor of the page after the item (key, id) in this order.
    fn encode(&self, key: i64, id: u64) -> String {
        let j = serde_json::json!({
            "field": self.field, "fieldValue": key,
            "sortDirection": if self.desc { "desc" } else { "asc" }, "id": id,
        });
        B64.encode(j.to_string())
    }

    /// Sorts `items` as (key, id) in this order; the index of the first one after the cursor.
    pub fn sort(&self, items: &mut [(i64, u64)]) -> usize {
        items.sort_unstable();
        if self.desc {
            items.reverse();
        }
        match self.after {
            None => 0,
            Some(c) if self.desc => items.partition_point(|x| *x >= c),
            Some(c) => items.partition_point(|x| *x <= c),
        }
    }
}

/// 400 `Invalid cursor`: a cursor this mock did not write.
fn bad_cursor() -> Reply {
    error_reply(400, "Invalid cursor")
}

/// Reads `sort_by`/`sort_direction`/`cursor`. A cursor that is not one is a 400, and so is a
/// cursor of another order than an explicit `sort_by`/`sort_direction`.
pub fn order(pairs: &Pairs) -> Result<Order, Reply> {
    let field = get(pairs, "sort_by").unwrap_or("id");
    let desc = get(pairs, "sort_direction") == Some("desc");
    let Some(c) = get(pairs, "cursor") else {
        return Ok(Order {
            field: field.to_string(),
            desc,
            after: None,
        });
    };
    let c = Order::decode(c).ok_or_else(bad_cursor)?;
    let explicit = get(pairs, "sort_by").is_some() || get(pairs, "sort_direction").is_some();
    if explicit && (c.field != field || c.desc != desc) {
        return Err(error_reply(
            400,
            "Cursor does not match sort_by/sort_direction",
        ));
    }
    Ok(c)
}

/// A v2 cursor page over `items` as (sort key, id), in any order: sorts them, starts after
/// the cursor and names the next cursor (`null` on the last page).
pub fn cursor_page(
    mut items: Vec<(i64, u64)>,
    order: &Order,
    pairs: &Pairs,
    write: impl FnMut(u64, &mut Vec<u8>),
) -> Reply {
    let from = order.sort(&mut items);
    let end = (from + limit(pairs)).min(items.len());
    cursor_answer(&items[from..end], end < items.len(), order, write)
}

/// The answer of a v2 cursor page already picked: the records of `page`, then a
/// `next_cursor` after its last item when `more` follow, else `null`.
pub fn cursor_answer(
    page: &[(i64, u64)],
    more: bool,
    order: &Order,
    mut write: impl FnMut(u64, &mut Vec<u8>),
) -> Reply {
    let mut buf = Vec::with_capacity(page.len() * 1200 + 100);
    buf.extend_from_slice(b"{\"success\":true,\"data\":");
    array(&mut buf, page.iter().map(|&(_, id)| id), &mut write);
    buf.extend_from_slice(b",\"additional_data\":{\"next_cursor\":");
    match page.last().filter(|_| more) {
        Some(&(key, id)) => write_str(&mut buf, &order.encode(key, id)),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b"}}");
    Reply::json(200, buf)
}

/// A v2 cursor page over field definitions (JSON already written), in their order. The
/// operations declare no `sort_by`: a cursor is good only when it walks the definitions.
pub fn field_page(items: &[String], pairs: &Pairs) -> Reply {
    let mut order = Order {
        field: "offset".into(),
        desc: false,
        after: None,
    };
    if let Some(c) = get(pairs, "cursor") {
        match Order::decode(c) {
            Some(c) if c.field == order.field => order.after = c.after,
            _ => return bad_cursor(),
        }
    }
    let at: Vec<(i64, u64)> = (0..items.len() as u64).map(|n| (n as i64, n)).collect();
    cursor_page(at, &order, pairs, |n, buf| {
        buf.extend_from_slice(items[n as usize].as_bytes())
    })
}
