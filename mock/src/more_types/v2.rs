//! The v2 lists beyond the first nine types: projects, tasks, project fields, the bulk deal children (deal
//! products and installments, `deal_ids` required and capped at 100 by the declaration) and
//! product variations (per product). Cursor pages, RFC 3339 times.

use super::util::{self, not_found, path_id, pick, times, DAY};
use crate::data::{h, Kind, World};
use crate::fields::{self, CustomField};
use crate::json::Obj;
use crate::paging::{self, get, int, order, Pairs};
use crate::records;
use crate::state::{error_reply, Reply};
use crate::time::Style::{Date as D, Rfc3339 as R};

const S_PROJECT: u64 = 0x12_0101;
const S_TASK: u64 = 0x12_0102;
const S_DP: u64 = 0x12_0103;
const S_INST: u64 = 0x12_0104;
const S_VAR: u64 = 0x12_0105;

// ---------------------------------------------------------------- projects

const PHASES: &[(u64, u64)] = &[(1, 1), (1, 2), (1, 3), (2, 4), (2, 5)];
const COMPLEXITY: &[(u64, &str)] = &[(101, "Simple"), (102, "Involved, \"multi-team\"")];

/// The project custom fields (40-hex keys like every custom field).
fn project_custom() -> Vec<CustomField> {
    [
        ("Budget code", "varchar", &[][..]),
        ("Complexity", "enum", COMPLEXITY),
    ]
    .iter()
    .enumerate()
    .map(|(n, &(name, ftype, options))| CustomField {
        key: util::hex(S_PROJECT, 9_000 + n as u64, 40),
        name: name.to_string(),
        ftype,
        options,
    })
    .collect()
}

const PROJECT_STANDARD: &fields::Standard = &[
    ("id", "ID", "int"),
    ("title", "Title", "varchar"),
    ("description", "Description", "text"),
    ("status", "Status", "status"),
    ("board_id", "Board", "projects_board"),
    ("phase_id", "Phase", "projects_phase"),
    ("owner_id", "Owner", "user"),
    ("start_date", "Start date", "date"),
    ("end_date", "End date", "date"),
    ("deal_ids", "Deals", "deals"),
    ("add_time", "Project created", "date"),
    ("update_time", "Update time", "date"),
];

struct Project {
    status: &'static str,
    phase: (u64, u64),
    deal: Option<u64>,
    person: Option<u64>,
    org: Option<u64>,
}

fn project(world: &World, n: u64) -> Project {
    let r = h(S_PROJECT, n, 3);
    let s = &world.seed;
    Project {
        status: ["open", "open", "completed", "canceled"][(r % 4) as usize],
        phase: PHASES[(r >> 8) as usize % PHASES.len()],
        deal: pick(s.deals, S_PROJECT, n, 4, 3),
        person: pick(s.persons, S_PROJECT, n, 5, 3),
        org: pick(s.organizations, S_PROJECT, n, 6, 2),
    }
}

/// `/v2/projects`: cursor pages by id. Filters: status (comma-separated), phase_id, deal_id,
/// person_id, org_id; `filter_id` is accepted and ignored.
pub fn projects(world: &World, pairs: &Pairs) -> Reply {
    let ord = match order(pairs) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let status: Option<Vec<&str>> =
        get(pairs, "status").map(|v| v.split(',').map(str::trim).collect());
    let items = (1..=world.seed.projects)
        .filter(|&n| {
            let p = project(world, n);
            status.as_ref().is_none_or(|s| s.contains(&p.status))
                && int(pairs, "phase_id").is_none_or(|v| v == p.phase.1)
                && int(pairs, "deal_id").is_none_or(|v| Some(v) == p.deal)
                && int(pairs, "person_id").is_none_or(|v| Some(v) == p.person)
                && int(pairs, "org_id").is_none_or(|v| Some(v) == p.org)
        })
        .map(|n| (n as i64, n))
        .collect();
    let custom = project_custom();
    let users = world.seed.users;
    paging::cursor_page(items, &ord, pairs, |n, buf| {
        let p = project(world, n);
        let (add, update) = times(S_PROJECT, n);
        let r = h(S_PROJECT, n, 7);
        let mut o = Obj::new(buf);
        o.i("id", n as i64)
            .s(
                "title",
                &format!("Project {n}: rollout, \"phase {}\"", p.phase.1),
            )
            .s(
                "description",
                if r % 2 == 0 {
                    "Kick-off\nthen rollout"
                } else {
                    ""
                },
            )
            .s("status", p.status)
            .i("board_id", p.phase.0 as i64)
            .i("phase_id", p.phase.1 as i64)
            .i(
                "owner_id",
                pick(users, S_PROJECT, n, 8, 0).unwrap_or(1) as i64,
            )
            .t("start_date", add, D)
            .ot("end_date", (r % 3 != 0).then_some(add + 90 * DAY), D)
            .ints("deal_ids", &p.deal.into_iter().collect::<Vec<_>>())
            .ints("person_ids", &p.person.into_iter().collect::<Vec<_>>())
            .ints("org_ids", &p.org.into_iter().collect::<Vec<_>>())
            .ints("label_ids", &[])
            .oi("health_status", (r % 4 != 0).then_some(10 * (1 + r % 3)))
            .t("add_time", add, R)
            .t("update_time", update, R)
            .t("status_change_time", update, R)
            .ot(
                "archive_time",
                (p.status == "canceled" && r % 2 == 0).then_some(update),
                R,
            )
            .obj("custom_fields", |c| {
                let f = &custom;
                if r % 5 == 0 {
                    c.null(&f[0].key);
                } else {
                    c.s(&f[0].key, &format!("BC-{:04}", r % 10_000));
                }
                c.i(&f[1].key, COMPLEXITY[(r % 2) as usize].0 as i64);
            });
        o.end();
    })
}

/// `/v2/projectFields`: cursor pages over the standard and custom project fields. Their schema
/// has no `description` and always carries the visibility objects (the operation declares no
/// `include_fields`).
pub fn project_fields(pairs: &Pairs) -> Reply {
    let items: Vec<String> = fields::v2_items("project", PROJECT_STANDARD, &project_custom())
        .into_iter()
        .map(|item| {
            let mut v: serde_json::Value = serde_json::from_str(&item).expect("field json");
            let o = v.as_object_mut().expect("field object");
            o.remove("description");
            o.insert(
                "ui_visibility".into(),
                serde_json::json!({"add_visible_flag": true, "details_visible_flag": true}),
            );
            o.insert(
                "important_fields".into(),
                serde_json::json!({"enabled": false, "stage_ids": []}),
            );
            o.insert(
                "required_fields".into(),
                serde_json::json!({"enabled": false}),
            );
            v.to_string()
        })
        .collect();
    paging::field_page(&items, pairs)
}

// ------------------------------------------------------------------- tasks

/// Tasks come in groups of five per project; the later ones of a group are often subtasks of
/// its first.
fn task_project(world: &World, n: u64) -> u64 {
    1 + ((n - 1) / 5) % world.seed.projects.max(1)
}

fn task_parent(n: u64) -> Option<u64> {
    ((n - 1) % 5 != 0 && h(S_TASK, n, 3) % 2 == 0).then_some(n - (n - 1) % 5)
}

fn task_assignees(world: &World, n: u64) -> Vec<u64> {
    let r = h(S_TASK, n, 4);
    let users = world.seed.users;
    match (users, r % 3) {
        (0, _) | (_, 0) => vec![],
        (_, 1) => vec![1 + (r >> 8) % users],
        _ => {
            let a = 1 + (r >> 8) % users;
            let b = 1 + (r >> 16) % users;
            if a == b {
                vec![a]
            } else {
                vec![a.min(b), a.max(b)]
            }
        }
    }
}

/// `/v2/tasks`: cursor pages by id (none when there are no projects). Filters: is_done,
/// is_milestone, assignee_id, project_id, parent_task_id.
pub fn tasks(world: &World, pairs: &Pairs) -> Reply {
    let ord = match order(pairs) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let flag = |k: &str| get(pairs, k).map(|v| v == "true" || v == "1");
    let done = |n: u64| h(S_TASK, n, 5) % 3 == 0;
    let milestone = |n: u64| (n - 1) % 5 == 0 && h(S_TASK, n, 6) % 4 == 0;
    let count = if world.seed.projects == 0 {
        0
    } else {
        world.seed.tasks
    };
    let items = (1..=count)
        .filter(|&n| {
            flag("is_done").is_none_or(|v| v == done(n))
                && flag("is_milestone").is_none_or(|v| v == milestone(n))
                && int(pairs, "assignee_id").is_none_or(|v| task_assignees(world, n).contains(&v))
                && int(pairs, "project_id").is_none_or(|v| v == task_project(world, n))
                && get(pairs, "parent_task_id")
                    .is_none_or(|v| task_parent(n).map(|p| p.to_string()).as_deref() == Some(v))
        })
        .map(|n| (n as i64, n))
        .collect();
    paging::cursor_page(items, &ord, pairs, |n, buf| {
        let (add, update) = times(S_TASK, n);
        let r = h(S_TASK, n, 7);
        let mut o = Obj::new(buf);
        o.i("id", n as i64)
            .s("title", &format!("Task {n}: review, \"draft\""))
            .i("creator_id", (1 + r % world.seed.users.max(1)) as i64)
            .os(
                "description",
                (r % 3 != 0).then_some("Check the numbers\nthen sign"),
            )
            .i("project_id", task_project(world, n) as i64)
            .b("is_done", done(n))
            .b("is_milestone", milestone(n))
            .ot("due_date", (r % 4 != 0).then_some(add + 14 * DAY), D)
            .ot("start_date", (r % 2 == 0).then_some(add), D)
            .oi("parent_task_id", task_parent(n))
            .ints("assignee_ids", &task_assignees(world, n))
            .oi("priority", (r % 5 == 0).then_some(1 + r % 3))
            .t("add_time", add, R)
            .t("update_time", update, R)
            .ot("marked_as_done_time", done(n).then_some(update), R);
        o.end();
    })
}

// ------------------------------------------------------ bulk deal children

fn deal_exists(world: &World, id: u64) -> bool {
    world.exists(Kind::Deal, id) || world.exists(Kind::ArchivedDeal, id)
}

/// The deal ids of a bulk request: required (the declaration caps them at 100).
fn deal_ids(pairs: &Pairs) -> Result<Vec<u64>, Reply> {
    if get(pairs, "deal_ids").is_none() {
        return Err(error_reply(
            400,
            "Parameter 'deal_ids' is required: at most 100 deal ids",
        ));
    }
    // Comma-separated (deal products) or repeated (installments), as validated per operation.
    let mut ids: Vec<u64> = pairs
        .iter()
        .filter(|(k, _)| k == "deal_ids")
        .flat_map(|(_, v)| v.split(','))
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Children `k` of parent `p` with at most `max` children each: id `(p-1)*max + k + 1`.
fn child_id(p: u64, k: u64, max: u64) -> u64 {
    (p - 1) * max + k + 1
}

fn parent_of(id: u64, max: u64) -> (u64, u64) {
    ((id - 1) / max + 1, (id - 1) % max)
}

/// How many children parent `p` has: 0..=max, from the parent's id.
fn children(salt: u64, p: u64, max: u64) -> u64 {
    if max == 0 {
        0
    } else {
        h(salt, p, 1) % (max + 1)
    }
}

/// How many deal products deal `d` has (its `products_count`).
pub fn deal_product_count(world: &World, d: u64) -> u64 {
    if world.seed.products == 0 {
        0
    } else {
        children(S_DP, d, world.seed.deal_products)
    }
}

/// `/v2/deals/products`: the products attached to the deals named by `deal_ids`, cursor pages,
/// `sort_by` id, deal_id, add_time, update_time or order_nr.
pub fn deal_products(world: &World, pairs: &Pairs) -> Reply {
    let (ord, deals) = match (order(pairs), deal_ids(pairs)) {
        (Ok(o), Ok(d)) => (o, d),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let max = world.seed.deal_products;
    let products = world.seed.products;
    let mut items = Vec::new();
    for &d in deals.iter().filter(|&&d| deal_exists(world, d)) {
        let count = if products == 0 {
            0
        } else {
            children(S_DP, d, max)
        };
        let m = world.meta(Kind::Deal, d);
        for k in 0..count {
            let id = child_id(d, k, max);
            let key = match ord.field.as_str() {
                "deal_id" => d as i64,
                "add_time" => m.add_time + (k as i64 + 1) * 600,
                "update_time" => m.update_time,
                "order_nr" => k as i64 + 1,
                _ => id as i64,
            };
            items.push((key, id));
        }
    }
    paging::cursor_page(items, &ord, pairs, |id, buf| {
        let (d, k) = parent_of(id, max);
        let m = world.meta(Kind::Deal, d);
        let r = h(S_DP, id, 2);
        let product = 1 + r % products;
        let variations = children(S_VAR, product, world.seed.product_variations);
        let variation = (variations > 0 && r % 3 == 0).then(|| {
            child_id(
                product,
                (r >> 8) % variations,
                world.seed.product_variations,
            )
        });
        let quantity = (1 + r % 5) as f64;
        let price = ((r >> 12) % 100_000) as f64 / 100.0;
        let discount = if r % 4 == 0 { 10.0 } else { 0.0 };
        let sum = ((quantity * price * (100.0 - discount)).round()) / 100.0;
        let recurring = r % 6 == 0;
        let mut o = Obj::new(buf);
        o.i("id", id as i64)
            .f("sum", sum)
            .f("tax", 0.0)
            .i("deal_id", d as i64)
            .s("name", &records::product_name(product))
            .i("product_id", product as i64)
            .oi("product_variation_id", variation)
            .i("order_nr", k as i64 + 1)
            .t("add_time", m.add_time + (k as i64 + 1) * 600, R)
            .t("update_time", m.update_time, R)
            .s(
                "comments",
                if r % 2 == 0 {
                    ""
                } else {
                    "Rush order, \"gift wrap\""
                },
            )
            .s("currency", "EUR")
            .f("discount", discount)
            .s("discount_type", "percentage")
            .f("quantity", quantity)
            .f("item_price", price)
            .s(
                "tax_method",
                ["exclusive", "inclusive", "none"][(r % 3) as usize],
            )
            .b("is_enabled", true)
            .s(
                "billing_frequency",
                if recurring { "monthly" } else { "one-time" },
            )
            .oi("billing_frequency_cycles", recurring.then_some(12))
            .ot("billing_start_date", recurring.then_some(m.add_time), D);
        o.end();
    })
}

/// `/v2/deals/installments`: the installments of the deals named by `deal_ids`, cursor pages,
/// `sort_by` id, billing_date or deal_id.
pub fn deal_installments(world: &World, pairs: &Pairs) -> Reply {
    let (ord, deals) = match (order(pairs), deal_ids(pairs)) {
        (Ok(o), Ok(d)) => (o, d),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let max = world.seed.deal_installments;
    let billing = |d: u64, k: u64| world.meta(Kind::Deal, d).add_time + (k as i64 + 1) * 30 * DAY;
    let mut items = Vec::new();
    for &d in deals.iter().filter(|&&d| deal_exists(world, d)) {
        for k in 0..children(S_INST, d, max) {
            let id = child_id(d, k, max);
            let key = match ord.field.as_str() {
                "deal_id" => d as i64,
                "billing_date" => billing(d, k) / DAY,
                _ => id as i64,
            };
            items.push((key, id));
        }
    }
    paging::cursor_page(items, &ord, pairs, |id, buf| {
        let (d, k) = parent_of(id, max);
        let r = h(S_INST, id, 2);
        let mut o = Obj::new(buf);
        o.i("id", id as i64)
            .f("amount", ((r % 500_000) as f64) / 100.0)
            .t("billing_date", billing(d, k), D)
            .s(
                "description",
                &format!("Installment {} of deal {d}, \"net 30\"", k + 1),
            )
            .i("deal_id", d as i64);
        o.end();
    })
}

const VARIANTS: &[&str] = &["Small", "Large", "Blue, \"matte\"", "XL – ★"];

/// `/v2/products/{id}/variations`: cursor pages of one product's variations; 404 for a
/// product that does not exist.
pub fn product_variations(world: &World, id: &str, pairs: &Pairs) -> Reply {
    let product = match path_id(id, "product") {
        Ok(p) => p,
        Err(e) => return e,
    };
    if !world.exists(Kind::Product, product) {
        return not_found("Product");
    }
    let ord = match order(pairs) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let max = world.seed.product_variations;
    let items = (0..children(S_VAR, product, max))
        .map(|k| {
            let id = child_id(product, k, max);
            (id as i64, id)
        })
        .collect();
    paging::cursor_page(items, &ord, pairs, |id, buf| {
        let (p, k) = parent_of(id, max);
        let r = h(S_VAR, id, 2);
        let price = (r % 100_000) as f64 / 100.0;
        let mut o = Obj::new(buf);
        o.i("id", id as i64)
            .s(
                "name",
                &format!(
                    "{} – {}",
                    records::product_name(p),
                    VARIANTS[k as usize % VARIANTS.len()]
                ),
            )
            .i("product_id", p as i64)
            .objs(
                "prices",
                &[("EUR", price), ("USD", price * 1.1)],
                |o, &(c, v)| {
                    o.i("product_variation_id", id as i64)
                        .f("price", (v * 100.0).round() / 100.0)
                        .s("currency", c)
                        .f("cost", (v / 2.0).round())
                        .i("direct_cost", 0)
                        .os("notes", (r % 2 == 0).then_some("Seasonal price"));
                },
            );
        o.end();
    })
}
