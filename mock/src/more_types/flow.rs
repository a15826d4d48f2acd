//! `/v1/deals/{id}/flow`: a deal's update history, newest first, as `dealChange` items (stage
//! moves, value changes and, for closed deals, the status change that closed them), paged by
//! offset, with the deal and its users under `related_objects`.

use super::util::{not_found, path_id};
use crate::data::{h, Kind, World};
use crate::json::Obj;
use crate::paging::{self, get, Offset, Pairs};
use crate::records;
use crate::state::Reply;
use crate::time::Style::V1;

const S_FLOW: u64 = 0x12_0201;
const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
Chrome/126.0 Safari/537.36";

/// How many updates deal `d` has in its flow: 1..=`max` (none when `max` is 0).
pub fn flow_len(world: &World, d: u64) -> u64 {
    match world.seed.deal_flow {
        0 => 0,
        max => 1 + h(S_FLOW, d, 1) % max,
    }
}

/// Serializes one generated value the way the flow sends it (numbers as numbers).
fn value(o: &mut Obj, k: &str, v: Option<i64>) {
    match v {
        Some(v) => o.i(k, v),
        None => o.null(k),
    };
}

pub fn deal_flow(world: &World, id: &str, pairs: &Pairs) -> Reply {
    let d = match path_id(id, "deal") {
        Ok(d) => d,
        Err(e) => return e,
    };
    let kind = if world.exists(Kind::Deal, d) {
        Kind::Deal
    } else if world.exists(Kind::ArchivedDeal, d) {
        Kind::ArchivedDeal
    } else {
        return not_found("Deal");
    };
    let m = world.meta(kind, d);
    let mut deal_json = Vec::new();
    records::write(world, kind, d, &mut deal_json);
    let deal: serde_json::Value = serde_json::from_slice(&deal_json).expect("deal json");
    let wants = get(pairs, "items").is_none_or(|v| v.split(',').any(|x| x.trim() == "dealChange"));
    let n = if wants { flow_len(world, d) } else { 0 };
    let stage = m.stage_id.unwrap_or(1);
    let (pipeline, order) = world.stage_pipeline(stage);
    // Stages move forward one step per stage change and end at the deal's stage.
    let first_stage = stage + 1 - order;
    let closed = matches!(m.status, "won" | "lost");
    let span = (m.update_time - m.add_time).max(n as i64);
    let field = |k: u64| {
        if closed && k == n - 1 {
            "status"
        } else if (n - 1 - k) % 2 == 0 {
            "stage_id"
        } else {
            "value"
        }
    };
    let stage_changes_after =
        |k: u64| ((k + 1)..n).filter(|&j| field(j) == "stage_id").count() as u64;
    // Newest first, as Pipedrive lists a flow. `all_changes=1` adds the custom field changes:
    // here one, the deal's oldest update (`CUSTOM` stands for it among the indexes).
    const CUSTOM: u64 = u64::MAX;
    let custom = world.custom[Kind::Deal as usize].first();
    let mut ids: Vec<u64> = (0..n).rev().collect();
    if n > 0 && get(pairs, "all_changes") == Some("1") && custom.is_some() {
        ids.push(CUSTOM);
    }
    let value_now = deal["value"].as_f64().unwrap_or(0.0) as i64;
    let mut users = vec![m.owner_id];
    let reply = paging::offset_page(&ids, pairs, Offset::Pagination, |k, buf| {
        if k == CUSTOM {
            let key = &custom.expect("a custom field").key;
            let at = m.add_time + 60;
            let mut o = Obj::new(buf);
            o.s("object", "dealChange").t("timestamp", at, V1);
            o.obj("data", |c| {
                // an id space of its own, clear of the other changes' ids
                c.i("id", (1_000_000_000_000 + d) as i64)
                    .i("item_id", d as i64)
                    .i("user_id", m.owner_id as i64)
                    .s("field_key", key)
                    .null("old_value")
                    .s("new_value", "Referral, \"warm\"")
                    .null("is_bulk_update_flag")
                    .t("log_time", at, V1)
                    .s("change_source", "app")
                    .s("change_source_user_agent", AGENT)
                    .raw("additional_data", "[]");
            });
            o.end();
            return;
        }
        let at = m.add_time + span * (k as i64 + 1) / n as i64;
        let r = h(S_FLOW, d, 10 + k);
        let user = 1 + r % world.seed.users.max(1);
        if !users.contains(&user) {
            users.push(user);
        }
        let f = field(k);
        let mut o = Obj::new(buf);
        o.s("object", "dealChange").t("timestamp", at, V1);
        o.obj("data", |c| {
            c.i("id", ((d - 1) * world.seed.deal_flow.max(1) + k + 1) as i64)
                .i("item_id", d as i64)
                .i("user_id", user as i64)
                .s("field_key", f);
            match f {
                "status" => {
                    c.s("old_value", "open").s("new_value", m.status);
                }
                "stage_id" => {
                    let new = stage
                        .saturating_sub(stage_changes_after(k))
                        .max(first_stage);
                    let old = new.saturating_sub(1).max(first_stage);
                    value(c, "old_value", (old != new).then_some(old as i64));
                    value(c, "new_value", Some(new as i64));
                }
                _ => {
                    value(c, "old_value", Some(value_now * 4 / 5 - (k as i64) * 100));
                    value(c, "new_value", Some(value_now - (k as i64) * 100));
                }
            }
            c.null("is_bulk_update_flag")
                .t("log_time", at, V1)
                .s("change_source", if r % 4 == 0 { "api" } else { "app" })
                .s("change_source_user_agent", AGENT);
            if f == "stage_id" {
                c.obj("additional_data", |a| {
                    a.s("pipeline_id", &pipeline.to_string());
                });
            } else {
                c.raw("additional_data", "[]");
            }
        });
        o.end();
    });
    // `related_objects` follows `additional_data` at the top level.
    let mut body = reply.body;
    if reply.status != 200 || body.pop() != Some(b'}') {
        return Reply { body, ..reply };
    }
    let mut related = serde_json::json!({
        "deal": { d.to_string(): {
            "id": d, "title": deal["title"], "status": deal["status"], "value": deal["value"],
            "currency": deal["currency"], "stage_id": deal["stage_id"],
            "pipeline_id": deal["pipeline_id"],
        }},
        "user": {},
    });
    for u in users {
        related["user"][u.to_string()] = serde_json::json!({
            "id": u, "name": format!("User {u}"), "email": format!("user{u}@example.com"),
            "has_pic": 0, "pic_hash": null, "active_flag": true,
        });
    }
    body.extend_from_slice(b",\"related_objects\":");
    serde_json::to_writer(&mut body, &related).expect("write to Vec");
    body.push(b'}');
    Reply { body, ..reply }
}
