//! The endpoints beyond the first nine types over real HTTP: shapes, declared parameters, scopes, costs and
//! paging (every record once).

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::{Config, MockPipedrive, Seed};

struct Resp {
    status: u16,
    body: Value,
}

fn get(m: &MockPipedrive, token: &str, target: &str) -> Resp {
    let url = m.url();
    let addr = url.strip_prefix("http://").unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\nauthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = serde_json::from_slice(&raw[split + 4..]).unwrap_or_else(|e| {
        panic!(
            "{target}: bad json ({e}): {}",
            String::from_utf8_lossy(&raw[split + 4..])
        )
    });
    Resp { status, body }
}

fn ok(m: &MockPipedrive, token: &str, target: &str) -> Value {
    let r = get(m, token, target);
    assert_eq!(r.status, 200, "{target}: {}", r.body);
    assert_eq!(r.body["success"], true, "{target}");
    r.body
}

fn start() -> (MockPipedrive, String) {
    start_with(Seed::default())
}

fn start_with(seed: Seed) -> (MockPipedrive, String) {
    let m = MockPipedrive::start(Config {
        seed,
        ..Config::default()
    });
    let t = m.issue_token().access_token;
    (m, t)
}

fn key(v: &Value) -> String {
    match &v["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Walks an offset list to its end; returns the `data` items of every page.
fn walk_offset(m: &MockPipedrive, t: &str, path: &str, limit: u64, flat: bool) -> Vec<Value> {
    let mut all = Vec::new();
    let mut start = 0;
    let sep = if path.contains('?') { '&' } else { '?' };
    loop {
        let j = ok(m, t, &format!("{path}{sep}start={start}&limit={limit}"));
        let pg = if flat {
            j["additional_data"].clone()
        } else {
            j["additional_data"]["pagination"].clone()
        };
        assert_eq!(pg["start"], start, "{path}");
        assert_eq!(pg["limit"], limit, "{path}");
        match &j["data"] {
            Value::Null => {}
            Value::Array(a) => all.extend(a.iter().cloned()),
            other => panic!("{path}: data is {other}"),
        }
        if pg["more_items_in_collection"] != true {
            assert!(pg.get("next_start").is_none(), "{path}");
            return all;
        }
        if !flat {
            assert_eq!(pg["next_start"], start + limit, "{path}");
        }
        start += limit;
    }
}

/// Walks a cursor list to its end.
fn walk_cursor(m: &MockPipedrive, t: &str, path: &str, limit: u64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    loop {
        let mut target = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            target.push_str(&format!("&cursor={c}"));
        }
        let j = ok(m, t, &target);
        let page = j["data"].as_array().expect("data array");
        assert!(page.len() as u64 <= limit);
        all.extend(page.iter().cloned());
        match j["additional_data"]["next_cursor"].as_str() {
            Some(c) => {
                assert!(!page.is_empty());
                cursor = Some(c.to_string());
            }
            None => return all,
        }
    }
}

fn assert_once(items: &[Value], n: u64, what: &str) -> HashSet<String> {
    let ids: HashSet<String> = items.iter().map(key).collect();
    assert_eq!(items.len() as u64, n, "{what}: count");
    assert_eq!(ids.len() as u64, n, "{what}: duplicates");
    ids
}

fn is_v1_time(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 19
        && s.as_bytes()[10] == b' '
        && crate::time::parse_rfc3339(&format!("{s}Z")).is_some()
}

fn is_iso_ms(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 24 && s.ends_with('Z') && crate::time::parse_rfc3339(s).is_some()
}

fn is_rfc3339(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.ends_with('Z') && s.contains('T') && crate::time::parse_rfc3339(s).is_some()
}

fn is_uuid(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 36 && s.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
}

#[test]
fn leads_open_and_archived_page_by_offset_with_the_flat_additional_data() {
    let (m, t) = start();
    let open = walk_offset(&m, &t, "/api/v1/leads", 40, true);
    let open_ids = assert_once(&open, 150, "leads");
    let archived = walk_offset(&m, &t, "/v1/leads/archived", 7, true);
    let archived_ids = assert_once(&archived, 20, "archived leads");
    assert!(open_ids.is_disjoint(&archived_ids));
    assert!(open.iter().all(|l| l["is_archived"] == false));
    assert!(archived.iter().all(|l| l["is_archived"] == true));
    let labels: HashSet<String> = ok(&m, &t, "/api/v1/leadLabels")["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    let l = &open[0];
    for k in [
        "title",
        "owner_id",
        "creator_id",
        "label_ids",
        "person_id",
        "organization_id",
        "source_name",
        "origin",
        "is_archived",
        "was_seen",
        "value",
        "expected_close_date",
        "next_activity_id",
        "visible_to",
        "cc_email",
    ] {
        assert!(l.get(k).is_some(), "lead lacks {k}: {l}");
    }
    assert!(open.iter().all(|l| is_uuid(&l["id"])
        && is_iso_ms(&l["add_time"])
        && is_iso_ms(&l["update_time"])
        && l["label_ids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| labels.contains(x.as_str().unwrap()))));
    // the deal custom fields ride along at the top level, v1 style
    let custom = &m.shared.world.read().unwrap().custom[crate::data::Kind::Deal as usize];
    assert!(custom.iter().all(|f| l.get(&f.key).is_some()));
    // filters and sort
    let p = open.iter().find(|l| l["person_id"].is_u64()).unwrap()["person_id"].clone();
    let by_person = walk_offset(&m, &t, &format!("/api/v1/leads?person_id={p}"), 500, true);
    assert!(!by_person.is_empty() && by_person.iter().all(|l| l["person_id"] == p));
    let sorted = walk_offset(&m, &t, "/api/v1/leads?sort=update_time", 500, true);
    let times: Vec<&str> = sorted
        .iter()
        .map(|l| l["update_time"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let since = walk_offset(
        &m,
        &t,
        "/api/v1/leads?updated_since=2024-06-01T00:00:00Z",
        500,
        true,
    );
    assert!(!since.is_empty() && since.len() < 150);
    assert!(since
        .iter()
        .all(|l| l["update_time"].as_str().unwrap() >= "2024-06-01"));
}

#[test]
fn leads_refuse_what_the_spec_does_not_declare() {
    let (m, t) = start();
    for bad in [
        "/api/v1/leads?archived_status=archived",
        "/api/v1/leads/archived?updated_since=2024-01-01T00:00:00Z",
        "/api/v1/leads?sort=name",
        "/api/v1/leads?limit=501",
        "/api/v1/leadLabels?limit=10",
        "/api/v1/files?limit=101",
        "/api/v1/goals/find?is_active=maybe",
        "/api/v1/deals/1/flow?cursor=x",
        "/api/v2/projects?sort_by=id",
        "/api/v2/tasks?updated_since=2024-01-01T00:00:00Z",
    ] {
        let r = get(&m, &t, bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.body["success"], false);
    }
}

#[test]
fn one_answer_lists_have_the_spec_shapes() {
    let (m, t) = start();
    let labels = ok(&m, &t, "/api/v1/leadLabels");
    assert!(labels.get("additional_data").is_none());
    let labels = labels["data"].as_array().unwrap().clone();
    assert_once(&labels, 4, "lead labels");
    assert!(labels
        .iter()
        .all(|l| is_uuid(&l["id"]) && l["color"].is_string() && is_iso_ms(&l["add_time"])));
    let sources = ok(&m, &t, "/api/v1/leadSources")["data"].clone();
    assert_eq!(sources.as_array().unwrap().len(), 10);
    assert_eq!(sources[0], serde_json::json!({"name": "Manually created"}));
    let types = ok(&m, &t, "/api/v1/activityTypes")["data"].clone();
    let types = types.as_array().unwrap();
    assert_once(types, 6, "activity types");
    assert_eq!(types[0]["key_string"], "call");
    assert!(types
        .iter()
        .all(|x| is_v1_time(&x["add_time"]) && x["is_custom_flag"] == false));
    let cur = ok(&m, &t, "/api/v1/currencies")["data"].clone();
    assert_once(cur.as_array().unwrap(), 8, "currencies");
    assert_eq!(cur[0]["code"], "EUR");
    let eu = ok(&m, &t, "/api/v1/currencies?term=eur")["data"].clone();
    assert_eq!(eu.as_array().unwrap().len(), 1);
    let filters = ok(&m, &t, "/api/v1/filters")["data"].clone();
    assert_once(filters.as_array().unwrap(), 12, "filters");
    assert!(filters
        .as_array()
        .unwrap()
        .iter()
        .all(|f| is_v1_time(&f["add_time"]) && f["visible_to"].is_string()));
    let deals_filters = ok(&m, &t, "/api/v1/filters?type=deals")["data"].clone();
    assert!(deals_filters
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["type"] == "deals"));
    let sets = ok(&m, &t, "/api/v1/permissionSets")["data"].clone();
    assert_once(sets.as_array().unwrap(), 5, "permission sets");
    let sales = ok(&m, &t, "/api/v1/permissionSets?app=sales")["data"].clone();
    assert_eq!(sales.as_array().unwrap().len(), 2);
}

#[test]
fn offset_lists_page_and_cap_their_limit() {
    let (m, t) = start();
    let roles = walk_offset(&m, &t, "/api/v1/roles", 3, false);
    assert_once(&roles, 4, "roles");
    assert!(roles[0]["assignment_count"].is_string());
    let files = walk_offset(&m, &t, "/api/v1/files", 100, false);
    assert_once(&files, 130, "files");
    let f = &files[0];
    assert!(is_v1_time(&f["add_time"]) && f["file_name"].is_string() && f["file_size"].is_u64());
    assert!(f["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/api/v1/files/", m.url())));
    let desc = ok(&m, &t, "/api/v1/files?sort=id%20DESC&limit=5")["data"][0]["id"].clone();
    assert_eq!(desc, 130);
    assert_eq!(get(&m, &t, "/api/v1/files?sort=name").status, 400);
    let calls = walk_offset(&m, &t, "/api/v1/callLogs", 15, false);
    assert_once(&calls, 40, "call logs");
    assert!(calls
        .iter()
        .all(|c| c["id"].as_str().unwrap().starts_with("CA") && is_iso_ms(&c["start_time"])));
    let fields = walk_offset(&m, &t, "/api/v1/leadFields", 4, false);
    assert_eq!(fields.len(), 10 + 7); // leads carry the deals' 7 custom fields
    assert!(fields.iter().any(|f| f["key"] == "title"));
    assert!(fields
        .iter()
        .all(|f| f["field_type"].is_string() && f["is_subfield"] == false));
}

#[test]
fn goals_answer_active_by_default_and_inactive_on_request() {
    let (m, t) = start();
    let j = ok(&m, &t, "/api/v1/goals/find");
    let active = j["data"]["goals"].as_array().unwrap();
    assert_eq!(active.len(), 6);
    assert!(active.iter().all(|g| g["is_active"] == true));
    let g = &active[0];
    for k in [
        "owner_id",
        "title",
        "type",
        "assignee",
        "interval",
        "duration",
        "expected_outcome",
        "report_ids",
    ] {
        assert!(g.get(k).is_some(), "goal lacks {k}: {g}");
    }
    let inactive = ok(&m, &t, "/api/v1/goals/find?is_active=false")["data"]["goals"].clone();
    let inactive = inactive.as_array().unwrap();
    assert_eq!(inactive.len(), 3);
    assert!(inactive.iter().all(|g| g["is_active"] == false));
    let all: HashSet<String> = active.iter().chain(inactive).map(key).collect();
    assert_eq!(all.len(), 9);
    let ty = g["type"]["name"].as_str().unwrap();
    let same = ok(&m, &t, &format!("/api/v1/goals/find?type.name={ty}"))["data"]["goals"].clone();
    assert!(same
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["type"]["name"] == ty));
}

#[test]
fn scopes_and_token_costs_are_the_specs() {
    let m = MockPipedrive::start(Config {
        scopes: vec!["deals:read".into()],
        ..Config::default()
    });
    let t = m.issue_token().access_token;
    for path in [
        "/api/v1/leads",
        "/api/v1/currencies",
        "/api/v1/callLogs",
        "/api/v1/goals/find",
        "/api/v1/deals/1/flow",
        "/api/v2/projects",
        "/api/v1/roles",
    ] {
        let r = get(&m, &t, path);
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.body["error"], "Scope and URL mismatch");
    }
    assert_eq!(get(&m, &t, "/api/v1/filters").status, 200);
    assert_eq!(
        get(&m, &t, "/api/v2/deals/installments?deal_ids=1").status,
        200
    );
    let (m, t) = start();
    let before = m.stats().daily_tokens_used;
    for (path, cost) in [
        ("/api/v1/leads", 20),
        ("/api/v1/leads/archived", 40),
        ("/api/v1/leadSources", 2),
        ("/api/v1/leadLabels", 10),
        ("/api/v1/deals/1/flow", 40),
        ("/api/v2/projects", 10),
    ] {
        let used = m.stats().daily_tokens_used;
        ok(&m, &t, path);
        let now = m.stats().daily_tokens_used;
        assert_eq!(now - used, cost, "{path}");
    }
    assert!(m.stats().daily_tokens_used > before);
}

#[test]
fn projects_tasks_and_project_fields_page_by_cursor() {
    let (m, t) = start();
    let projects = walk_cursor(&m, &t, "/api/v2/projects", 7);
    let pids = assert_once(&projects, 25, "projects");
    let p = &projects[0];
    assert!(is_rfc3339(&p["add_time"]) && p["custom_fields"].is_object());
    assert!(p["deal_ids"].is_array() && p["phase_id"].is_u64());
    let open = walk_cursor(&m, &t, "/api/v2/projects?status=open", 500);
    assert!(!open.is_empty() && open.iter().all(|p| p["status"] == "open"));
    let tasks = walk_cursor(&m, &t, "/api/v2/tasks", 30);
    assert_once(&tasks, 80, "tasks");
    assert!(tasks
        .iter()
        .all(|x| pids.contains(&x["project_id"].to_string()) && is_rfc3339(&x["update_time"])));
    let subtasks: Vec<&Value> = tasks
        .iter()
        .filter(|x| x["parent_task_id"].is_u64())
        .collect();
    assert!(!subtasks.is_empty());
    let of_p1 = walk_cursor(&m, &t, "/api/v2/tasks?project_id=1", 500);
    assert!(!of_p1.is_empty() && of_p1.iter().all(|x| x["project_id"] == 1));
    let fields = walk_cursor(&m, &t, "/api/v2/projectFields", 5);
    assert_eq!(fields.len(), 12 + 2);
    assert!(fields
        .iter()
        .all(|f| f["ui_visibility"].is_object() && f.get("description").is_none()));
    let custom: Vec<&Value> = fields
        .iter()
        .filter(|f| f["is_custom_field"] == true)
        .collect();
    assert_eq!(custom.len(), 2);
    for f in custom {
        assert!(p["custom_fields"]
            .get(f["field_code"].as_str().unwrap())
            .is_some());
    }
}

#[test]
fn deal_products_and_installments_take_at_most_100_deal_ids() {
    let (m, t) = start();
    let ids = |a: u64, b: u64| (a..=b).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let r = get(
        &m,
        &t,
        &format!("/api/v2/deals/products?deal_ids={}", ids(1, 101)),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(get(&m, &t, "/api/v2/deals/products").status, 400);
    assert_eq!(
        get(&m, &t, "/api/v2/deals/installments?deal_ids=1&deal_ids=x").status,
        400
    );
    // Each operation's serialization of the array, as its spec declares it: products take one
    // comma-separated value, installments the parameter repeated (OpenAPI's default).
    assert_eq!(
        get(&m, &t, "/api/v2/deals/installments?deal_ids=1,2").status,
        400
    );
    assert_eq!(
        get(&m, &t, "/api/v2/deals/products?deal_ids=1&deal_ids=2").status,
        400
    );
    let repeated = |a: u64, b: u64| {
        (a..=b)
            .map(|i| format!("deal_ids={i}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    assert_eq!(
        get(
            &m,
            &t,
            &format!("/api/v2/deals/installments?{}", repeated(1, 101))
        )
        .status,
        400
    );
    let mut products = Vec::new();
    let mut installments = Vec::new();
    for chunk in 0..13 {
        let (a, b) = (chunk * 100 + 1, (chunk * 100 + 100).min(1228));
        let list = ids(a, b);
        let p = walk_cursor(
            &m,
            &t,
            &format!("/api/v2/deals/products?deal_ids={list}"),
            50,
        );
        assert!(p.iter().all(|x| {
            let d = x["deal_id"].as_u64().unwrap();
            (a..=b).contains(&d)
        }));
        products.extend(p);
        installments.extend(walk_cursor(
            &m,
            &t,
            &format!("/api/v2/deals/installments?{}", repeated(a, b)),
            500,
        ));
    }
    let n = products.len() as u64;
    assert!(n > 1228, "about 1.5 products per deal, got {n}");
    assert_once(&products, n, "deal products");
    assert_once(&installments, installments.len() as u64, "installments");
    assert!(products.iter().all(|x| {
        let p = x["product_id"].as_u64().unwrap();
        (1..=40).contains(&p) && is_rfc3339(&x["add_time"]) && x["name"].is_string()
    }));
    assert!(installments
        .iter()
        .all(|x| x["deal_id"].is_u64() && x["billing_date"].as_str().unwrap().len() == 10));
    // a deal's products answer the same in one request of their own, in any order
    let d = products[0]["deal_id"].as_u64().unwrap();
    let mine: Vec<Value> = products
        .iter()
        .filter(|x| x["deal_id"] == d)
        .cloned()
        .collect();
    let alone = walk_cursor(
        &m,
        &t,
        &format!("/api/v2/deals/products?deal_ids={d}&sort_by=order_nr&sort_direction=desc"),
        1,
    );
    assert_eq!(alone.len(), mine.len());
    assert!(alone
        .windows(2)
        .all(|w| w[0]["order_nr"].as_u64() > w[1]["order_nr"].as_u64()));
}

#[test]
fn variations_belong_to_existing_products() {
    let (m, t) = start();
    let mut all = Vec::new();
    for p in 1..=40 {
        let v = walk_cursor(&m, &t, &format!("/api/v2/products/{p}/variations"), 1);
        assert!(v.iter().all(|x| x["product_id"] == p));
        assert!(v
            .iter()
            .all(|x| x["prices"][0]["product_variation_id"] == x["id"]));
        all.extend(v);
    }
    assert!(!all.is_empty());
    assert_once(&all, all.len() as u64, "variations");
    assert_eq!(get(&m, &t, "/api/v2/products/41/variations").status, 404);
    assert_eq!(get(&m, &t, "/api/v2/products/abc/variations").status, 400);
}

#[test]
fn deal_flow_tells_each_deals_history_newest_first() {
    let (m, t) = start();
    let mut total = 0;
    for d in [1, 2, 3, 1204] {
        let j = ok(&m, &t, &format!("/api/v1/deals/{d}/flow"));
        let items = walk_offset(&m, &t, &format!("/api/v1/deals/{d}/flow"), 1, false);
        assert!((1..=4).contains(&items.len()), "deal {d}");
        total += items.len();
        assert!(items.iter().all(|i| i["object"] == "dealChange"
            && i["data"]["item_id"] == d
            && is_v1_time(&i["timestamp"])));
        let stamps: Vec<&str> = items
            .iter()
            .map(|i| i["timestamp"].as_str().unwrap())
            .collect();
        assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "{stamps:?}");
        assert!(j["related_objects"]["deal"][d.to_string()]["title"].is_string());
        let deal = walk_cursor(&m, &t, &format!("/api/v2/deals?ids={d}"), 1);
        let deal = deal.first().cloned().unwrap_or_else(|| {
            walk_cursor(&m, &t, &format!("/api/v2/deals/archived?ids={d}"), 1)[0].clone()
        });
        let newest = &items[0]["data"];
        if newest["field_key"] == "stage_id" {
            assert_eq!(newest["new_value"], deal["stage_id"]);
        }
        if newest["field_key"] == "status" {
            assert_eq!(newest["new_value"], deal["status"]);
        }
    }
    assert!(total > 4);
    let plain = walk_offset(&m, &t, "/api/v1/deals/2/flow", 100, false);
    let all = walk_offset(&m, &t, "/api/v1/deals/2/flow?all_changes=1", 100, false);
    assert_eq!(all.len(), plain.len() + 1);
    assert_eq!(all[..plain.len()], plain[..]);
    assert_eq!(
        all.last().unwrap()["data"]["field_key"]
            .as_str()
            .unwrap()
            .len(),
        40
    );
    assert_eq!(get(&m, &t, "/api/v1/deals/999999/flow").status, 404);
    let none = ok(&m, &t, "/api/v1/deals/1/flow?items=activity");
    assert!(none["data"].is_null());
}

#[test]
fn deleted_deals_show_only_to_status_deleted_and_delete_deal_adds_one() {
    let (m, t) = start();
    let live = walk_cursor(&m, &t, "/api/v2/deals", 500);
    assert_eq!(live.len(), 1203);
    let deleted = walk_cursor(&m, &t, "/api/v2/deals?status=deleted", 500);
    assert_eq!(
        deleted.iter().map(key).collect::<Vec<_>>(),
        ["1229", "1230", "1231"]
    );
    assert!(deleted
        .iter()
        .all(|d| d["is_deleted"] == true && d["status"] == "deleted"));
    let mark = "2030-01-01T00:00:00Z";
    let before = crate::time::now_secs() - 1;
    m.delete_deal(7);
    let deleted = walk_cursor(&m, &t, "/api/v2/deals?status=deleted", 500);
    assert_eq!(deleted.len(), 4);
    let seven = deleted.iter().find(|d| d["id"] == 7).unwrap();
    let upd = crate::time::parse_rfc3339(seven["update_time"].as_str().unwrap()).unwrap();
    assert!(upd >= before);
    let since = crate::time::rfc3339(before);
    let recent = walk_cursor(
        &m,
        &t,
        &format!("/api/v2/deals?status=deleted&updated_since={since}"),
        500,
    );
    assert_eq!(recent.iter().map(key).collect::<Vec<_>>(), ["7"]);
    let by_time = walk_cursor(
        &m,
        &t,
        &format!("/api/v2/deals?status=deleted&sort_by=update_time&updated_since={since}"),
        500,
    );
    assert_eq!(by_time.iter().map(key).collect::<Vec<_>>(), ["7"]);
    let live_by_time = walk_cursor(&m, &t, "/api/v2/deals?sort_by=update_time", 500);
    assert_eq!(live_by_time.len(), 1202);
    assert!(live_by_time.iter().all(|d| d["is_deleted"] == false));
    assert_eq!(walk_cursor(&m, &t, "/api/v2/deals", 500).len(), 1202);
    assert!(walk_cursor(&m, &t, &format!("/api/v2/deals?updated_since={mark}"), 500).is_empty());
    // an archived deal deleted leaves the archived list for its deleted view
    m.delete_deal(1210);
    assert_eq!(walk_cursor(&m, &t, "/api/v2/deals/archived", 500).len(), 24);
    let gone = walk_cursor(&m, &t, "/api/v2/deals/archived?status=deleted", 500);
    assert_eq!(gone.iter().map(key).collect::<Vec<_>>(), ["1210"]);
}

#[test]
fn seed_counts_size_every_new_type() {
    let (m, t) = start_with(Seed {
        leads: 3,
        archived_leads: 0,
        lead_labels: 0,
        files: 0,
        projects: 0,
        tasks: 9,
        deal_products: 0,
        goals: 1,
        inactive_goals: 0,
        deleted_deals: 0,
        ..Seed::default()
    });
    assert_eq!(walk_offset(&m, &t, "/api/v1/leads", 500, true).len(), 3);
    assert!(ok(&m, &t, "/api/v1/leads/archived")["data"].is_null());
    assert_eq!(
        ok(&m, &t, "/api/v1/leadLabels")["data"],
        serde_json::json!([])
    );
    assert!(ok(&m, &t, "/api/v1/files")["data"].is_null());
    assert!(walk_cursor(&m, &t, "/api/v2/tasks", 500).is_empty());
    assert!(walk_cursor(&m, &t, "/api/v2/deals/products?deal_ids=1,2,3", 500).is_empty());
    assert_eq!(
        ok(&m, &t, "/api/v1/goals/find")["data"]["goals"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(walk_cursor(&m, &t, "/api/v2/deals?status=deleted", 500).is_empty());
}

#[test]
fn include_fields_adds_only_the_declared_optional_fields() {
    let (m, t) = start();
    let plain = ok(&m, &t, "/api/v2/deals?limit=50")["data"].clone();
    assert!(plain[0].get("products_count").is_none());
    let asked = ok(
        &m,
        &t,
        "/api/v2/deals?limit=50&include_fields=products_count,first_won_time,activities_count",
    )["data"]
        .clone();
    for d in asked.as_array().unwrap() {
        let id = d["id"].as_u64().unwrap();
        let own = walk_cursor(
            &m,
            &t,
            &format!("/api/v2/deals/products?deal_ids={id}"),
            500,
        );
        assert_eq!(d["products_count"], own.len(), "deal {id}");
        assert!(d["activities_count"].is_u64());
        match d["status"].as_str().unwrap() {
            "won" => assert_eq!(d["first_won_time"], d["won_time"]),
            _ => assert!(d["first_won_time"].is_null()),
        }
    }
    let people = ok(
        &m,
        &t,
        "/api/v2/persons?include_fields=won_deals_count,marketing_status",
    );
    assert!(people["data"][0]["won_deals_count"].is_u64());
    assert!(people["data"][0]["marketing_status"].is_string());
    let fields = ok(
        &m,
        &t,
        "/api/v2/dealFields?include_fields=ui_visibility,required_fields",
    );
    assert!(fields["data"][0]["ui_visibility"]["add_visible_flag"].is_boolean());
    for bad in [
        "/api/v2/deals?include_fields=people_count",
        "/api/v2/persons?include_fields=products_count",
        "/api/v2/productFields?include_fields=important_fields",
        "/api/v2/products?include_fields=products_count",
        "/api/v2/projectFields?include_fields=ui_visibility",
    ] {
        assert_eq!(get(&m, &t, bad).status, 400, "{bad}");
    }
}

#[test]
fn a_touched_lead_is_updated_since_now() {
    let (m, t) = start();
    let since = crate::time::rfc3339(crate::time::now_secs() - 1);
    let path = format!("/api/v1/leads?updated_since={since}");
    assert!(ok(&m, &t, &path)["data"].is_null());
    m.touch("leads", &[3, 160]);
    let fresh = walk_offset(&m, &t, &path, 500, true);
    assert_eq!(fresh.len(), 1);
    let all = walk_offset(&m, &t, "/api/v1/leads", 500, true);
    assert_eq!(fresh[0]["id"], all[2]["id"]);
    let archived = walk_offset(&m, &t, "/api/v1/leads/archived", 500, true);
    let touched: Vec<&Value> = archived
        .iter()
        .filter(|l| l["update_time"].as_str().unwrap() >= since.as_str())
        .collect();
    assert_eq!(touched.len(), 1);
}

#[test]
fn seed_counts_are_settable_by_name() {
    let mut s = Seed::default();
    for name in Seed::NAMES {
        assert!(s.set(name, 7), "{name}");
    }
    assert_eq!((s.leads, s.deal_flow, s.deals), (7, 7, 7));
    assert!(!s.set("lead", 1));
    // every field has its name: a count added to Seed without one fails here
    let debug = format!("{:?}", Seed::default());
    assert_eq!(debug.matches(": ").count(), Seed::NAMES.len(), "{debug}");
}
