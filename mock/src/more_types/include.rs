//! `include_fields` of the v2 lists: the optional fields Pipedrive adds to each record only when
//! asked (counts, next/last activity, mail times, attendees, the `ui_visibility` and
//! `*_fields` objects of field definitions). The declaration limits the names (a name the
//! operation does not declare is a 400 before this runs); here the asked ones are appended to
//! every record of a successful page. Values come from the record's id; a deal's
//! `products_count` is the number of its deal products and `first_won_time` its `won_time`.

use serde_json::{json, Value};

use super::v1::lead_id;
use super::v2::deal_product_count;
use crate::data::{h, World};
use crate::paging::{get, Pairs};
use crate::state::Reply;

const S_INC: u64 = 0x12_0301;

/// Adds the fields named by `include_fields` to the records of `reply` (a 200 v2 page).
pub fn apply(world: &World, path: &str, pairs: &Pairs, reply: Reply) -> Reply {
    let Some(list) = get(pairs, "include_fields") else {
        return reply;
    };
    if reply.status != 200 {
        return reply;
    }
    let Ok(mut body) = serde_json::from_slice::<Value>(&reply.body) else {
        return reply;
    };
    let names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let fields = path.ends_with("Fields");
    let deals = path.contains("/deals");
    if let Some(items) = body["data"].as_array_mut() {
        for (n, item) in items.iter_mut().enumerate() {
            let id = item["id"].as_u64().unwrap_or(n as u64);
            for (i, &name) in names.iter().enumerate() {
                let v = if fields {
                    field_extra(name)
                } else {
                    value(world, item, deals, id, name, i as u64)
                };
                item[name] = v;
            }
        }
    }
    Reply {
        body: serde_json::to_vec(&body).expect("serialize"),
        ..reply
    }
}

fn value(world: &World, item: &Value, deals: bool, id: u64, name: &str, i: u64) -> Value {
    let r = h(S_INC, id, 1000 + name.len() as u64 * 31 + i);
    let activities = h(S_INC, id, 1) % 12;
    let done = h(S_INC, id, 2) % (activities + 1);
    let time = |every: u64| {
        (r % every != 0).then(|| {
            let mut b = Vec::new();
            crate::time::write(
                &mut b,
                1_700_000_000 + (r % 400) as i64 * 86_400,
                crate::time::Style::Rfc3339,
            );
            String::from_utf8(b).expect("ascii")
        })
    };
    let activity =
        || (world.seed.activities > 0 && r % 3 != 0).then(|| 1 + r % world.seed.activities);
    match name {
        "products_count" if deals => json!(deal_product_count(world, id)),
        "activities_count" => json!(activities),
        "done_activities_count" => json!(done),
        "undone_activities_count" => json!(activities - done),
        "first_won_time" => match item["status"].as_str() {
            Some("won") => item["won_time"].clone(),
            _ => Value::Null,
        },
        "next_activity_id" | "last_activity_id" => json!(activity()),
        "last_incoming_mail_time" | "last_outgoing_mail_time" => json!(time(2)),
        "smart_bcc_email" => json!(format!(
            "company+{}{id}@pipedrivemail.com",
            if deals { "deal" } else { "" }
        )),
        "source_lead_id" => {
            json!((world.seed.leads > 0 && r % 4 == 0).then(|| lead_id(1 + r % world.seed.leads)))
        }
        "marketing_status" => {
            json!(["no_consent", "subscribed", "unsubscribed", "archived"][(r % 4) as usize])
        }
        "doi_status" => json!(["pending", "confirmed"][(r % 2) as usize]),
        "attendees" => match item["person_id"].as_u64() {
            Some(p) if r % 2 == 0 => json!([{
                "email": format!("person{p}@example.com"),
                "name": format!("Person {p}"),
                "status": "accepted",
                "is_organizer": false,
                "person_id": p,
                "user_id": null,
            }]),
            _ => json!([]),
        },
        n if n.ends_with("_count") => json!(r % 9),
        _ => Value::Null,
    }
}

/// The optional objects of a field definition.
fn field_extra(name: &str) -> Value {
    match name {
        "ui_visibility" => json!({"add_visible_flag": true, "details_visible_flag": true}),
        "important_fields" => json!({"enabled": false, "stage_ids": []}),
        "required_fields" => json!({"enabled": false, "stage_ids": [], "statuses": {}}),
        _ => Value::Null,
    }
}
