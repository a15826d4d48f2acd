//! The API answers proper: v2 cursor lists (records and field definitions), v2 single
//! records, v1 offset lists (notes, v1 field definitions) and the v1 users answer.

use std::collections::HashSet;
use std::io::Write;

use base64::Engine;

use crate::data::{Kind, Meta, World};
use crate::json::write_str;
use crate::records;
use crate::state::{error_reply, Reply};
use crate::time;

type Pairs = [(String, String)];

fn get<'a>(pairs: &'a Pairs, k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn limit(pairs: &Pairs) -> usize {
    get(pairs, "limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Filters taken from the query; attributes a kind lacks are ignored.
struct Filter {
    ints: Vec<(String, i64)>,
    ids: Option<HashSet<u64>>,
    status: Option<Vec<String>>,
    done: Option<bool>,
    since: Option<i64>,
    until: Option<i64>,
    start_date: Option<i64>,
    end_date: Option<i64>,
}

const INT_FILTERS: &[&str] = &[
    "owner_id",
    "person_id",
    "org_id",
    "deal_id",
    "pipeline_id",
    "stage_id",
    "user_id",
];

impl Filter {
    fn from(pairs: &Pairs) -> Filter {
        Filter {
            ints: INT_FILTERS
                .iter()
                .filter_map(|k| Some((k.to_string(), get(pairs, k)?.parse().ok()?)))
                .collect(),
            ids: get(pairs, "ids")
                .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect()),
            status: get(pairs, "status")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
            done: get(pairs, "done").map(|v| v == "true" || v == "1"),
            since: get(pairs, "updated_since").and_then(time::parse_rfc3339),
            until: get(pairs, "updated_until").and_then(time::parse_rfc3339),
            start_date: get(pairs, "start_date").and_then(time::parse_date),
            end_date: get(pairs, "end_date").and_then(time::parse_date),
        }
    }

    /// `status` names `deleted`: deleted deals are listed (only then).
    fn wants_deleted(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(|s| s.iter().any(|x| x == "deleted"))
    }

    fn is_empty(&self) -> bool {
        self.ints.is_empty()
            && self.ids.is_none()
            && self.status.is_none()
            && self.done.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && self.start_date.is_none()
            && self.end_date.is_none()
    }

    fn matches(&self, kind: Kind, m: &Meta) -> bool {
        for (k, v) in &self.ints {
            let attr = match k.as_str() {
                "owner_id" | "user_id" => Some(m.owner_id),
                "person_id" => m.person_id,
                "org_id" => m.org_id,
                "deal_id" if matches!(kind, Kind::Activity | Kind::Note) => m.deal_id,
                "pipeline_id" => m.pipeline_id,
                "stage_id" => m.stage_id,
                _ => continue,
            };
            if attr != Some(*v as u64) {
                return false;
            }
        }
        self.ids.as_ref().is_none_or(|s| s.contains(&m.id))
            && self
                .status
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == m.status))
            && self.done.is_none_or(|d| d == m.done)
            && self.since.is_none_or(|t| m.update_time >= t)
            && self.until.is_none_or(|t| m.update_time < t)
            && self.start_date.is_none_or(|t| m.add_time >= t)
            && self.end_date.is_none_or(|t| m.add_time < t + 86_400)
    }
}

fn sort_key(world: &World, kind: Kind, field: &str, id: u64) -> i64 {
    match field {
        "id" => id as i64,
        "order_nr" => world.stage_pipeline(id).1 as i64 * 1_000_000 + id as i64,
        "name" => {
            // products: the name starts with a word from a fixed list, then the id
            let mut buf = Vec::new();
            records::write(world, kind, id, &mut buf);
            let v: serde_json::Value = serde_json::from_slice(&buf).unwrap_or_default();
            let name = v["name"].as_str().unwrap_or_default().as_bytes().to_vec();
            let mut k = [0u8; 8];
            for (i, b) in name.iter().take(7).enumerate() {
                k[i] = *b;
            }
            i64::from_be_bytes(k)
        }
        "due_date" => world.meta(kind, id).add_time / 86_400,
        "add_time" => world.meta(kind, id).add_time,
        _ => world.meta(kind, id).update_time,
    }
}

/// Ids of a kind in ascending or descending id order.
fn ids_in(world: &World, kind: Kind, desc: bool) -> Box<dyn Iterator<Item = u64> + '_> {
    let r = world.ranges(kind);
    if desc {
        Box::new(r.iter().rev().flat_map(|&(a, b)| (a..=b).rev()))
    } else {
        Box::new(r.iter().flat_map(|&(a, b)| a..=b))
    }
}

/// Picks the page: up to `limit` ids after the cursor position, plus whether more follow.
fn select(
    world: &World,
    kind: Kind,
    filter: &Filter,
    field: &str,
    desc: bool,
    after: Option<(i64, u64)>,
    limit: usize,
) -> (Vec<(i64, u64)>, bool) {
    // Deleted deals show only to `status=deleted`, and only for 30 days (as Pipedrive's).
    let (want_deleted, cutoff) = (filter.wants_deleted(), time::now_secs() - 30 * 86_400);
    let keep = |id: u64| {
        world
            .deleted_at(kind, id)
            .is_none_or(|t| want_deleted && t >= cutoff)
            && (filter.is_empty() || filter.matches(kind, &world.meta(kind, id)))
    };
    let mut page = Vec::with_capacity(limit + 1);
    if field == "id" {
        // fast path: walk the id ranges from the cursor on
        let mut ranges: Vec<(u64, u64)> = world.ranges(kind).to_vec();
        if let Some((_, last)) = after {
            ranges = ranges
                .into_iter()
                .filter_map(|(a, b)| match desc {
                    false if b > last => Some((a.max(last + 1), b)),
                    true if a < last => Some((a, b.min(last - 1))),
                    _ => None,
                })
                .collect();
        }
        let iter: Box<dyn Iterator<Item = u64>> = if desc {
            Box::new(ranges.into_iter().rev().flat_map(|(a, b)| (a..=b).rev()))
        } else {
            Box::new(ranges.into_iter().flat_map(|(a, b)| a..=b))
        };
        for id in iter.filter(|&id| keep(id)) {
            page.push((id as i64, id));
            if page.len() > limit {
                break;
            }
        }
    } else if field == "update_time" {
        page = crate::timeindex::select(
            world,
            kind,
            &crate::timeindex::Query {
                since: filter.since,
                until: filter.until,
                desc,
                after,
                take: limit + 1,
                keep: &keep,
            },
        );
    } else {
        let mut all: Vec<(i64, u64)> = ids_in(world, kind, false)
            .filter(|&id| keep(id))
            .map(|id| (sort_key(world, kind, field, id), id))
            .collect();
        all.sort_unstable();
        if desc {
            all.reverse();
        }
        let start = match after {
            None => 0,
            Some(c) if desc => all.partition_point(|x| *x >= c),
            Some(c) => all.partition_point(|x| *x <= c),
        };
        page.extend(all.iter().skip(start).take(limit + 1));
    }
    let more = page.len() > limit;
    page.truncate(limit);
    (page, more)
}

struct Cursor {
    field: String,
    desc: bool,
    key: i64,
    id: u64,
}

fn encode_cursor(c: &Cursor) -> String {
    let j = serde_json::json!({
        "field": c.field, "fieldValue": c.key,
        "sortDirection": if c.desc { "desc" } else { "asc" }, "id": c.id,
    });
    B64.encode(j.to_string())
}

fn decode_cursor(s: &str) -> Option<Cursor> {
    let raw = B64.decode(s.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    Some(Cursor {
        field: v["field"].as_str()?.to_string(),
        desc: v["sortDirection"].as_str()? == "desc",
        key: v["fieldValue"].as_i64()?,
        id: v["id"].as_u64()?,
    })
}

fn bad_cursor() -> Reply {
    error_reply(400, "Invalid cursor")
}

/// `/api/v2/<records>`: a cursor page.
pub fn v2_list(world: &World, kind: Kind, pairs: &Pairs) -> Reply {
    let mut field = get(pairs, "sort_by").unwrap_or("id").to_string();
    let mut desc = get(pairs, "sort_direction") == Some("desc");
    let mut after = None;
    if let Some(c) = get(pairs, "cursor") {
        let Some(c) = decode_cursor(c) else {
            return bad_cursor();
        };
        let explicit = get(pairs, "sort_by").is_some() || get(pairs, "sort_direction").is_some();
        if explicit && (c.field != field || c.desc != desc) {
            return error_reply(400, "Cursor does not match sort_by/sort_direction");
        }
        field = c.field;
        desc = c.desc;
        after = Some((c.key, c.id));
    }
    let filter = Filter::from(pairs);
    let (page, more) = select(world, kind, &filter, &field, desc, after, limit(pairs));
    let mut buf = Vec::with_capacity(page.len() * 1200 + 100);
    buf.extend_from_slice(b"{\"success\":true,\"data\":[");
    for (n, (_, id)) in page.iter().enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        records::write(world, kind, *id, &mut buf);
    }
    buf.extend_from_slice(b"],\"additional_data\":{\"next_cursor\":");
    match page.last().filter(|_| more) {
        Some(&(key, id)) => write_str(
            &mut buf,
            &encode_cursor(&Cursor {
                field,
                desc,
                key,
                id,
            }),
        ),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b"}}");
    Reply::json(200, buf)
}

/// `/api/v2/<kind>Fields`: a cursor page over the field definitions.
pub fn v2_fields(items: &[String], pairs: &Pairs) -> Reply {
    let start = match get(pairs, "cursor") {
        None => 0,
        Some(c) => match decode_cursor(c) {
            Some(c) if c.field == "offset" => c.key.max(0) as usize,
            _ => return bad_cursor(),
        },
    };
    let end = (start + limit(pairs)).min(items.len());
    let mut buf = b"{\"success\":true,\"data\":[".to_vec();
    buf.extend_from_slice(
        items
            .get(start..end)
            .unwrap_or_default()
            .join(",")
            .as_bytes(),
    );
    buf.extend_from_slice(b"],\"additional_data\":{\"next_cursor\":");
    if end < items.len() {
        let c = Cursor {
            field: "offset".into(),
            desc: false,
            key: end as i64,
            id: 0,
        };
        write_str(&mut buf, &encode_cursor(&c));
    } else {
        buf.extend_from_slice(b"null");
    }
    buf.extend_from_slice(b"}}");
    Reply::json(200, buf)
}

/// `/api/v2/pipelines/{id}`, `/api/v2/stages/{id}`.
pub fn v2_single(world: &World, kind: Kind, id: &str) -> Reply {
    let what = if kind == Kind::Pipeline {
        "Pipeline"
    } else {
        "Stage"
    };
    let Some(id) = id
        .parse::<u64>()
        .ok()
        .filter(|_| id.bytes().all(|b| b.is_ascii_digit()))
    else {
        return error_reply(
            400,
            &format!("Invalid {} id: must be an integer", what.to_lowercase()),
        );
    };
    if !world.exists(kind, id) {
        return Reply::json(
            404,
            crate::state::error_body(404, &format!("{what} not found"), "Object was not found."),
        );
    }
    let mut buf = b"{\"success\":true,\"data\":".to_vec();
    records::write(world, kind, id, &mut buf);
    buf.push(b'}');
    Reply::json(200, buf)
}

fn v1_page(buf: &mut Vec<u8>, start: usize, limit: usize, more: bool) {
    let _ = write!(
        buf,
        ",\"additional_data\":{{\"pagination\":{{\"start\":{start},\"limit\":{limit},\"more_items_in_collection\":{more}"
    );
    if more {
        let _ = write!(buf, ",\"next_start\":{}", start + limit);
    }
    buf.extend_from_slice(b"}}");
}

/// `/api/v1/notes`: an offset page.
pub fn v1_notes(world: &World, pairs: &Pairs) -> Reply {
    let start: usize = get(pairs, "start")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let limit = limit(pairs);
    let filter = Filter::from(pairs);
    let flag_filters: Vec<&str> = ["pinned_to_deal_flag"]
        .into_iter()
        .filter(|k| get(pairs, k).is_some())
        .collect();
    let sort = get(pairs, "sort").unwrap_or("").trim();
    let (field, desc) = match sort
        .split(',')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()[..]
    {
        [] => ("id", false),
        [f] => (f, false),
        [f, d] => (f, d.eq_ignore_ascii_case("desc")),
        _ => return error_reply(400, "Invalid sort"),
    };
    if ![
        "id",
        "update_time",
        "add_time",
        "user_id",
        "deal_id",
        "person_id",
        "org_id",
        "content",
    ]
    .contains(&field)
    {
        return error_reply(400, &format!("Invalid sort field '{field}'"));
    }
    let kind = Kind::Note;
    let mut ids: Vec<(i64, u64)> = ids_in(world, kind, false)
        .filter(|&id| filter.is_empty() || filter.matches(kind, &world.meta(kind, id)))
        .map(|id| {
            let m = world.meta(kind, id);
            let key = match field {
                "update_time" => m.update_time,
                "add_time" => m.add_time,
                "user_id" => m.owner_id as i64,
                "deal_id" => m.deal_id.unwrap_or(0) as i64,
                "person_id" => m.person_id.unwrap_or(0) as i64,
                "org_id" => m.org_id.unwrap_or(0) as i64,
                _ => id as i64,
            };
            (key, id)
        })
        .collect();
    if !flag_filters.is_empty() {
        let want = get(pairs, "pinned_to_deal_flag") == Some("1");
        ids.retain(|&(_, id)| {
            let m = world.meta(kind, id);
            (m.deal_id.is_some() && id % 7 == 0) == want
        });
    }
    if field != "id" || desc {
        ids.sort_unstable();
        if desc {
            ids.reverse();
        }
    }
    let page: Vec<u64> = ids.iter().skip(start).take(limit).map(|x| x.1).collect();
    let more = start + page.len() < ids.len();
    let mut buf = b"{\"success\":true,\"data\":".to_vec();
    if page.is_empty() {
        buf.extend_from_slice(b"null");
    } else {
        buf.push(b'[');
        for (n, id) in page.iter().enumerate() {
            if n > 0 {
                buf.push(b',');
            }
            records::write(world, kind, *id, &mut buf);
        }
        buf.push(b']');
    }
    v1_page(&mut buf, start, limit, more);
    buf.push(b'}');
    Reply::json(200, buf)
}

/// `/api/v1/<kind>Fields`: `start`/`limit` when declared, else everything in one page.
pub fn v1_fields(items: &[String], pairs: &Pairs) -> Reply {
    let start: usize = get(pairs, "start")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let limit = limit(pairs);
    let end = (start + limit).min(items.len());
    let page = items.get(start.min(end)..end).unwrap_or_default();
    let mut buf = b"{\"success\":true,\"data\":".to_vec();
    if page.is_empty() {
        buf.extend_from_slice(b"null");
    } else {
        buf.push(b'[');
        buf.extend_from_slice(page.join(",").as_bytes());
        buf.push(b']');
    }
    v1_page(&mut buf, start, limit, end < items.len());
    buf.push(b'}');
    Reply::json(200, buf)
}

/// `/api/v1/users`: every user in one answer.
pub fn v1_users(world: &World) -> Reply {
    let mut buf = b"{\"success\":true,\"data\":[".to_vec();
    for (n, id) in ids_in(world, Kind::User, false).enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        records::write(world, Kind::User, id, &mut buf);
    }
    buf.extend_from_slice(b"]}");
    Reply::json(200, buf)
}
