//! The API answers of the first nine kinds: v2 cursor lists of records, v2 single records,
//! v1 offset lists (notes, v1 field definitions) and the v1 users answer; their paging is
//! [`crate::paging`]'s, as the later types' is.

use std::collections::HashSet;

use crate::data::{Kind, Meta, World};
use crate::paging::{self, get, limit, order, Offset, Order, Pairs};
use crate::records;
use crate::state::{error_reply, Reply};
use crate::time;

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
    order: &Order,
    limit: usize,
) -> (Vec<(i64, u64)>, bool) {
    let (field, desc, after) = (order.field.as_str(), order.desc, order.after);
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
        let start = order.sort(&mut all);
        page.extend(all.iter().skip(start).take(limit + 1));
    }
    let more = page.len() > limit;
    page.truncate(limit);
    (page, more)
}

/// `/api/v2/<records>`: a cursor page.
pub fn v2_list(world: &World, kind: Kind, pairs: &Pairs) -> Reply {
    let order = match order(pairs) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let filter = Filter::from(pairs);
    let (page, more) = select(world, kind, &filter, &order, limit(pairs));
    paging::cursor_answer(&page, more, &order, |id, buf| {
        records::write(world, kind, id, buf)
    })
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

/// `/api/v1/notes`: an offset page.
pub fn v1_notes(world: &World, pairs: &Pairs) -> Reply {
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
    paging::offset_page(&ids, pairs, Offset::Pagination, |(_, id), buf| {
        records::write(world, kind, id, buf)
    })
}

/// `/api/v1/<kind>Fields`: `start`/`limit` when declared, else everything in one page.
pub fn v1_fields(items: &[String], pairs: &Pairs) -> Reply {
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    paging::offset_page(&items, pairs, Offset::Pagination, |item, buf| {
        buf.extend_from_slice(item.as_bytes())
    })
}

/// `/api/v1/users`: every user in one answer.
pub fn v1_users(world: &World) -> Reply {
    paging::one_answer(ids_in(world, Kind::User, false), |id, buf| {
        records::write(world, Kind::User, id, buf)
    })
}
