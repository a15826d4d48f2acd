//! The 34 export types against the mock: each exports every record exactly once in JSON lines and
//! CSV (the mock answers 400 to any parameter its operation does not declare, so exit 0 already
//! proves only declared ones were sent), per-parent types within their request bounds, `export
//! all` and its manifest, deleted deals, archived leads and `--include-fields`.

use std::collections::{BTreeMap, BTreeSet};

use pipedrive_cli::api::costs;
use pipedrive_cli::api::resources::{Paging, Resource, Walk, ACTIVITY_FIELDS_V1, RESOURCES};
use serde_json::Value;

use crate::support::*;

/// Small enough to keep the suite fast, big enough for several pages and batches.
fn small_seed() -> Seed {
    Seed {
        deals: 230,
        persons: 30,
        organizations: 20,
        notes: 40,
        activities: 30,
        products: 12,
        archived_deals: 5,
        deleted_deals: 2,
        leads: 30,
        archived_leads: 4,
        files: 130,
        ..Seed::default()
    }
}

fn small_env() -> TestEnv {
    let env = TestEnv::with(Config {
        seed: small_seed(),
        ..Config::default()
    });
    env.login();
    env
}

/// The full answer of one GET, with a freshly issued token.
fn answer(env: &TestEnv, path_and_query: &str) -> Value {
    let token = env.mock.issue_token().access_token;
    let resp = http_get(
        &format!("{}{path_and_query}", env.mock.url()),
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(resp.status, 200, "GET {path_and_query}: {}", resp.body);
    serde_json::from_str(&resp.body).unwrap()
}

/// Every record of one list as the mock has it, read by a walker of our own (pages of 100, or
/// the type's largest page where that is less).
fn walk(env: &TestEnv, r: &Resource, path: &str, fixed: &str) -> Vec<Value> {
    let (paging, limit) = (r.paging, r.max_limit.min(100));
    let mut out = Vec::new();
    let sep = if fixed.is_empty() { "" } else { "&" };
    let mut next = match paging {
        Paging::Cursor => Some(format!("{path}?{fixed}{sep}limit={limit}")),
        Paging::Offset => Some(format!("{path}?{fixed}{sep}start=0&limit={limit}")),
        Paging::Single if fixed.is_empty() => Some(path.to_string()),
        Paging::Single => Some(format!("{path}?{fixed}")),
    };
    while let Some(url) = next.take() {
        let a = answer(env, &url);
        let data = match &a["data"] {
            Value::Object(o) => o.values().find(|v| v.is_array()).cloned().unwrap(),
            d => d.clone(),
        };
        let n = data.as_array().map_or(0, Vec::len) as u64;
        out.extend(data.as_array().cloned().unwrap_or_default());
        let extra = &a["additional_data"];
        next = match paging {
            Paging::Cursor => extra["next_cursor"]
                .as_str()
                .map(|c| format!("{path}?{fixed}{sep}limit={limit}&cursor={c}")),
            Paging::Offset => {
                let p = if extra["pagination"].is_object() {
                    &extra["pagination"]
                } else {
                    extra
                };
                let start = url
                    .split("start=")
                    .nth(1)
                    .and_then(|s| s.split('&').next())
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap();
                (p["more_items_in_collection"] == true)
                    .then(|| format!("{path}?{fixed}{sep}start={}&limit={limit}", start + n))
            }
            Paging::Single => None,
        };
    }
    out
}

/// What the mock holds for a type: its lists, or every parent's children.
fn truth(env: &TestEnv, r: &Resource) -> Vec<Value> {
    let fixed = |f: &[(&str, &str)]| {
        f.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let Some(parent) = r.parent() else {
        let mut all = walk(env, r, r.path, &fixed(r.filters));
        for extra in r
            .extras
            .iter()
            .filter(|e| e.when == pipedrive_cli::api::resources::ExtraWhen::Always)
        {
            all.extend(walk(
                env,
                r,
                extra.path.unwrap_or(r.path),
                &fixed(extra.filters),
            ));
        }
        return all;
    };
    let parents: Vec<u64> = walk(env, parent, parent.path, "")
        .iter()
        .map(|p| p["id"].as_u64().unwrap())
        .collect();
    let mut out = Vec::new();
    match r.walk {
        Walk::Batch { param, explode, .. } => {
            for chunk in parents.chunks(50) {
                let ids: Vec<String> = chunk.iter().map(u64::to_string).collect();
                let query = if explode {
                    ids.iter()
                        .map(|id| format!("{param}={id}"))
                        .collect::<Vec<_>>()
                        .join("&")
                } else {
                    format!("{param}={}", ids.join(","))
                };
                out.extend(walk(env, r, r.path, &query));
            }
        }
        _ => {
            for id in parents {
                let path = r.path.replace("{id}", &id.to_string());
                for mut rec in walk(env, r, &path, "") {
                    let key = r.parent_key.unwrap();
                    if rec[key].is_null() {
                        rec[key] = id.into();
                    }
                    out.push(rec);
                }
            }
        }
    }
    out
}

/// What makes a record of `kind` itself (an id, or what stands for one where there is none).
fn identity(kind: &str, get: &dyn Fn(&str) -> String) -> String {
    match kind {
        "deal-flow" => format!(
            "{}/{}/{}/{}",
            get("deal_id"),
            get("object"),
            get("timestamp"),
            get("data.id")
        ),
        "lead-sources" => get("name"),
        k if k.ends_with("-fields") && get("id").is_empty() => get("field_code"),
        _ => get("id"),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

fn json_identities(kind: &str, records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            identity(kind, &|path: &str| {
                text(path.split('.').fold(r, |v, k| &v[k]))
            })
        })
        .collect()
}

fn csv_identities(kind: &str, csv: &str) -> Vec<String> {
    let (header, rows) = parse_csv(csv);
    rows.iter()
        .map(|row| {
            identity(kind, &|col: &str| {
                header
                    .iter()
                    .position(|h| h == col)
                    .map(|i| row[i].clone())
                    .unwrap_or_default()
            })
        })
        .collect()
}

fn assert_same_once(kind: &str, got: Vec<String>, want: &BTreeSet<String>) {
    let mut seen = BTreeSet::new();
    for g in &got {
        assert!(seen.insert(g.clone()), "{kind}: {g} written twice");
    }
    assert_eq!(&seen, want, "{kind}: the records the mock holds");
}

#[test]
fn every_type_exports_each_record_once_in_jsonl_and_csv() {
    let env = small_env();
    let mut report = Vec::new();
    for r in RESOURCES {
        let want_records = truth(&env, r);
        let want: BTreeSet<String> = json_identities(r.name, &want_records).into_iter().collect();
        assert_eq!(want.len(), want_records.len(), "{}: identities", r.name);
        assert!(!want.is_empty(), "{}: the mock holds records", r.name);

        let before = env.api_requests().len();
        let out = env.run(&["export", r.name, "--quiet"]);
        assert_code(&out, 0);
        let requests = env.api_requests().len() - before;
        let lines = json_lines(&stdout(&out));
        if let Some(key) = r.parent_key {
            assert!(
                lines.iter().all(|l| l[key].is_u64()),
                "{}: every record carries {key}",
                r.name
            );
        }
        assert_same_once(r.name, json_identities(r.name, &lines), &want);

        let out = env.run(&["export", r.name, "--quiet", "--format", "csv"]);
        assert_code(&out, 0);
        assert_same_once(r.name, csv_identities(r.name, &stdout(&out)), &want);
        report.push(format!(
            "| {} | {} | {} | {requests} |",
            r.name,
            r.path,
            want.len()
        ));
    }
    eprintln!("| type | endpoint | records | API requests (JSONL) |\n|---|---|---|---|");
    eprintln!("{}", report.join("\n"));
}

/// Each fact about a list is written in the CLI's type table and in the mock's declaration of
/// the operation: they must agree (parameters, scopes, cost, largest page), list by list.
#[test]
fn the_type_table_agrees_with_the_mock_list_by_list() {
    let mut lists: Vec<(&Resource, &str, &[&str])> = Vec::new();
    for r in RESOURCES.iter().chain([&ACTIVITY_FIELDS_V1]) {
        lists.push((r, r.path, r.params));
        lists.extend(r.extras.iter().filter_map(|e| Some((r, e.path?, e.params))));
    }
    for (r, path, params) in lists {
        let at = path.replace("{id}", "1");
        let op = pipedrive_mock::declared(&at).unwrap_or_else(|| panic!("the mock serves {path}"));
        let name = format!("{} ({path}, mock {})", r.name, op.name);
        let set = |v: &[&'static str]| v.iter().copied().collect::<BTreeSet<&str>>();
        assert_eq!(set(params), set(&op.params), "{name}: declared parameters");
        assert_eq!(set(r.scopes), set(op.scopes), "{name}: scopes");
        assert_eq!(costs::cost(&at), u64::from(op.cost), "{name}: cost");
        match op.max_limit {
            Some(max) if path == r.path => assert_eq!(u64::from(r.max_limit), max, "{name}"),
            Some(max) => assert!(u64::from(r.max_limit) <= max, "{name}: largest page"),
            None => assert!(!params.contains(&"limit"), "{name}"),
        }
    }
}

/// Call logs allow pages of 50 and files of 100 (Pipedrive answers 400 to more, as the mock
/// does): `--limit 500` still exports every record, in pages those operations accept.
#[test]
fn call_logs_and_files_are_asked_in_pages_their_operations_allow() {
    let env = TestEnv::with(Config {
        seed: Seed {
            call_logs: 120,
            ..small_seed()
        },
        ..Config::default()
    });
    env.login();
    for (kind, path, max, n) in [
        ("call-logs", "/api/v1/callLogs", 50, 120),
        ("files", "/api/v1/files", 100, small_seed().files),
    ] {
        env.mock.expect("GET", path);
        let out = env.run(&["export", kind, "--quiet", "--limit", "500"]);
        assert_code(&out, 0);
        let ids: BTreeSet<String> = json_lines(&stdout(&out))
            .iter()
            .map(|l| text(&l["id"]))
            .collect();
        assert_eq!(ids.len() as u64, n, "{kind}: every record once");
        for r in env.requests_to(path) {
            let limit: u32 = r.param("limit").unwrap().parse().unwrap();
            assert!(limit <= max, "{kind}: limit={limit}");
        }
    }
    env.mock.verify();
}

#[test]
fn deal_products_for_1000_deals_ask_100_deals_a_request() {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: 1000,
            ..small_seed()
        },
        ..Config::default()
    });
    env.login();
    let out = env.run(&["export", "deal-products", "--quiet"]);
    assert_code(&out, 0);
    let deal_pages = env.requests_to("/api/v2/deals").len();
    let batches = env.requests_to("/api/v2/deals/products");
    assert_eq!(deal_pages, 2, "1,000 deals in pages of 500");
    assert!(
        batches.len() <= 10,
        "{} requests for 1,000 deals",
        batches.len()
    );
    let mut asked = BTreeSet::new();
    for b in &batches {
        let ids = b.param("deal_ids").expect("deal_ids");
        let ids: Vec<u64> = ids.split(',').map(|i| i.parse().unwrap()).collect();
        assert!(ids.len() <= 100);
        asked.extend(ids);
    }
    assert_eq!(
        asked,
        (1..=1000).collect::<BTreeSet<u64>>(),
        "every deal once"
    );
    assert_eq!(env.api_requests().len(), deal_pages + batches.len());
}

#[test]
fn per_parent_types_walk_only_the_parents_updated_since() {
    let env = small_env();
    let state = env.path("state.json");
    let state = state.to_str().unwrap();
    let out = env.run(&["export", "deal-products", "--quiet", "--state", state]);
    assert_code(&out, 0);
    env.mock.touch("deals", &[7, 8]);
    let before = env.mock.requests().len();
    let out = env.run(&["export", "deal-products", "--quiet", "--state", state]);
    assert_code(&out, 0);
    let asked: BTreeSet<u64> = env.mock.requests()[before..]
        .iter()
        .filter(|r| r.path == "/api/v2/deals/products")
        .flat_map(|r| {
            r.param("deal_ids")
                .unwrap()
                .split(',')
                .map(|i| i.parse::<u64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(asked.contains(&7) && asked.contains(&8), "{asked:?}");
    assert!(asked.len() < 20, "only the changed deals: {asked:?}");
    for line in json_lines(&stdout(&out)) {
        assert!(asked.contains(&line["deal_id"].as_u64().unwrap()));
    }

    // deal-flow: one request per changed deal, announced first.
    let since = "2100-01-01T00:00:00Z";
    let out = env.run(&["export", "deal-flow", "--updated-since", since]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("0 deals") && stderr(&out).contains("tokens"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["export", "deal-flow"]);
    assert_code(&out, 0);
    let n = small_seed().deals;
    assert!(
        stderr(&out).contains(&format!("{n} deals"))
            && stderr(&out).contains(&format!("{}", n * 40)),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_archived_deal_deleted_is_written_once_marked_with_both_flags() {
    let env = small_env();
    // The first archived deal: deleted, the API lists it only among the archived deleted ones.
    let id = small_seed().deals + 1;
    env.mock.delete_deal(id);
    let out = env.run(&[
        "export",
        "deals",
        "--quiet",
        "--include-archived",
        "--include-deleted",
    ]);
    assert_code(&out, 0);
    let lines = json_lines(&stdout(&out));
    let found: Vec<&Value> = lines.iter().filter(|d| d["id"] == id).collect();
    assert_eq!(found.len(), 1, "deal {id} once");
    assert_eq!(found[0]["is_deleted"], true);
    assert_eq!(found[0]["is_archived"], true);
    let seed = small_seed();
    assert_eq!(
        lines.len() as u64,
        seed.deals + seed.archived_deals + seed.deleted_deals
    );
}

#[test]
fn an_incremental_deals_run_after_a_deletion_outputs_the_deleted_deal_marked() {
    let env = small_env();
    let state = env.path("state.json");
    let state = state.to_str().unwrap();
    let args = [
        "export",
        "deals",
        "--quiet",
        "--include-deleted",
        "--state",
        state,
    ];
    let out = env.run(&args);
    assert_code(&out, 0);
    let first = json_lines(&stdout(&out));
    let deleted: Vec<&Value> = first.iter().filter(|d| d["is_deleted"] == true).collect();
    assert_eq!(deleted.len() as u64, small_seed().deleted_deals);

    env.mock.delete_deal(5);
    let out = env.run(&args);
    assert_code(&out, 0);
    let second = json_lines(&stdout(&out));
    let five: Vec<&Value> = second.iter().filter(|d| d["id"] == 5).collect();
    assert_eq!(five.len(), 1, "deal 5 once");
    assert_eq!(five[0]["is_deleted"], true);
    assert!(second.len() < first.len(), "an incremental run");
    // Deletions already reported stay out, but for those of the boundary second (the API's
    // updated_since includes it).
    let newest = first.iter().filter_map(|d| d["update_time"].as_str()).max();
    let again: Vec<&Value> = second
        .iter()
        .filter(|d| deleted.iter().any(|old| old["id"] == d["id"]))
        .filter(|d| d["update_time"].as_str() != newest)
        .collect();
    assert!(again.is_empty(), "{again:?}");

    // Without the flag, deleted deals stay out.
    let out = env.run(&["export", "deals", "--quiet"]);
    assert!(json_lines(&stdout(&out))
        .iter()
        .all(|d| d["is_deleted"] != true && d["id"] != 5));
    let out = env.run(&["export", "persons", "--include-deleted"]);
    assert_code(&out, 2);
}

#[test]
fn leads_include_archived_adds_the_archived_leads_marked() {
    let env = small_env();
    let seed = small_seed();
    let out = env.run(&["export", "leads", "--quiet"]);
    assert_code(&out, 0);
    assert_eq!(json_lines(&stdout(&out)).len() as u64, seed.leads);
    let out = env.run(&["export", "leads", "--quiet", "--include-archived"]);
    assert_code(&out, 0);
    let all = json_lines(&stdout(&out));
    assert_eq!(all.len() as u64, seed.leads + seed.archived_leads);
    let archived = all.iter().filter(|l| l["is_archived"] == true).count() as u64;
    assert_eq!(archived, seed.archived_leads);
    assert!(!env.requests_to("/api/v1/leads/archived").is_empty());
}

#[test]
fn include_fields_sends_what_the_operation_declares_and_refuses_the_rest() {
    let env = small_env();
    let out = env.run(&["export", "deals", "--quiet", "--include-fields", "all"]);
    assert_code(&out, 0);
    let deals = json_lines(&stdout(&out));
    assert!(
        deals
            .iter()
            .all(|d| d.get("activities_count").is_some() && d.get("products_count").is_some()),
        "the optional fields arrive"
    );
    let asked = env.requests_to("/api/v2/deals");
    let sent = asked[0].param("include_fields").expect("include_fields");
    for f in [
        "activities_count",
        "first_won_time",
        "products_count",
        "source_lead_id",
    ] {
        assert!(sent.split(',').any(|s| s == f), "{f} in {sent}");
    }

    let out = env.run(&[
        "export",
        "persons",
        "--quiet",
        "--include-fields",
        "won_deals_count,activities_count",
    ]);
    assert_code(&out, 0);
    let sent = env.requests_to("/api/v2/persons")[0]
        .param("include_fields")
        .unwrap()
        .to_string();
    assert_eq!(sent, "activities_count,won_deals_count");

    let out = env.run(&["export", "deals", "--include-fields", "people_count"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("people_count") && stderr(&out).contains("first_won_time"),
        "names the valid ones: {}",
        stderr(&out)
    );
    let out = env.run(&["export", "notes", "--include-fields", "all"]);
    assert_code(&out, 2);
    let before = env.api_requests().len();
    let out = env.run(&[
        "export",
        "deal-fields",
        "--quiet",
        "--include-fields",
        "all",
    ]);
    assert_code(&out, 0);
    assert_eq!(
        env.api_requests()[before].param("include_fields"),
        Some("ui_visibility,important_fields,required_fields")
    );
}

fn manifest(dir: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Every file of the directory is described by the manifest, with its record count.
fn assert_manifest_matches(dir: &std::path::Path) -> BTreeMap<String, u64> {
    let m = manifest(dir);
    let mut described = BTreeMap::new();
    for entry in m["files"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap().to_string();
        let text = std::fs::read_to_string(dir.join(&file)).unwrap();
        let n = if file.ends_with(".csv") {
            parse_csv(&text).1.len()
        } else {
            text.lines().count()
        } as u64;
        assert_eq!(entry["records"], n, "{file}");
        assert!(entry["when"].is_string() && entry["type"].is_string());
        described.insert(file, n);
    }
    let mut on_disk: Vec<String> = files_in(dir);
    on_disk.retain(|f| f != "manifest.json");
    assert_eq!(
        on_disk,
        described.keys().cloned().collect::<Vec<_>>(),
        "the manifest describes exactly the files beside it"
    );
    described
}

#[test]
fn export_all_writes_33_types_or_34_when_types_names_deal_flow() {
    let env = small_env();
    let out = env.run(&["export", "all", "--quiet", "--output-dir", "out"]);
    assert_code(&out, 0);
    let dir = env.path("out");
    let files = assert_manifest_matches(&dir);
    assert_eq!(files.len(), 33, "{files:?}");
    assert!(!files.contains_key("deal-flow.jsonl"));
    assert!(manifest(&dir)["skipped"]["deal-flow"].is_string());
    assert_eq!(files["deals.jsonl"], small_seed().deals);
    // One page of deals for `deals`, one for the parents that deal-products and
    // deal-installments share.
    assert_eq!(env.requests_to("/api/v2/deals").len(), 2);

    let every: Vec<&str> = RESOURCES.iter().map(|r| r.name).collect();
    let out = env.run(&[
        "export",
        "all",
        "--quiet",
        "--format",
        "csv",
        "--output-dir",
        "csv",
        "--types",
        &every.join(","),
    ]);
    assert_code(&out, 0);
    let files = assert_manifest_matches(&env.path("csv"));
    assert_eq!(files.len(), 34);
    assert!(files["deal-flow.csv"] > 0);

    let out = env.run(&[
        "export",
        "all",
        "--quiet",
        "--output-dir",
        "both",
        "--types",
        "all,deal-flow",
    ]);
    assert_code(&out, 0);
    assert_eq!(assert_manifest_matches(&env.path("both")).len(), 34);
}

#[test]
fn export_all_skips_what_the_scopes_do_not_allow_and_names_why() {
    let env = TestEnv::with(Config {
        seed: small_seed(),
        scopes: vec!["deals:read".into()],
        ..Config::default()
    });
    env.login();
    let out = env.run(&["export", "all", "--output-dir", "out"]);
    assert_code(&out, 0);
    let files = assert_manifest_matches(&env.path("out"));
    assert!(files.contains_key("deals.jsonl") && files.contains_key("deal-installments.jsonl"));
    assert!(!files.contains_key("persons.jsonl"));
    let err = stderr(&out);
    assert!(
        err.contains("skipped persons") && err.contains("contacts:read"),
        "{err}"
    );
    assert!(manifest(&env.path("out"))["skipped"]["leads"].is_string());

    let out = env.run(&[
        "export",
        "all",
        "--output-dir",
        "out",
        "--types",
        "deals,persons",
    ]);
    assert_code(&out, 5);
}

#[test]
fn a_failed_export_all_leaves_the_directory_as_the_last_success_left_it() {
    let env = small_env();
    let dir = env.path("out");
    let out = env.run(&["export", "all", "--quiet", "--output-dir", "out"]);
    assert_code(&out, 0);
    let snapshot = |d: &std::path::Path| -> BTreeMap<String, Vec<u8>> {
        files_in(d)
            .into_iter()
            .map(|f| (f.clone(), std::fs::read(d.join(&f)).unwrap()))
            .collect()
    };
    let before = snapshot(&dir);
    env.mock.touch("deals", &[1]);
    env.mock.set_faults(Faults {
        wrong_shape: true,
        ..Faults::default()
    });
    let out = env.run(&["export", "all", "--quiet", "--output-dir", "out"]);
    assert_code(&out, 1);
    assert_eq!(
        snapshot(&dir),
        before,
        "every file and manifest.json as they were"
    );

    // A run limited by --types rewrites its files and keeps describing the others.
    env.mock.set_faults(Faults::default());
    let out = env.run(&[
        "export",
        "all",
        "--quiet",
        "--output-dir",
        "out",
        "--types",
        "users",
    ]);
    assert_code(&out, 0);
    let files = assert_manifest_matches(&dir);
    assert_eq!(files.len(), 33);
}

#[test]
fn per_deal_types_take_archived_deals_as_parents_under_include_archived() {
    let env = small_env();
    let seed = small_seed();
    let out = env.run(&[
        "export",
        "deal-installments",
        "--quiet",
        "--include-archived",
    ]);
    assert_code(&out, 0);
    // The spec declares installments' `deal_ids` with OpenAPI's default `explode: true`: the
    // parameter once per deal (the mock refuses a comma-separated list there).
    let asked: BTreeSet<u64> = env
        .requests_to("/api/v2/deals/installments")
        .iter()
        .flat_map(|r| {
            let ids: Vec<u64> = r.all("deal_ids").map(|i| i.parse().unwrap()).collect();
            assert!(
                (1..=100).contains(&ids.len()),
                "{} ids in a request",
                ids.len()
            );
            ids
        })
        .collect();
    let total = seed.deals + seed.archived_deals;
    assert_eq!(asked, (1..=total).collect::<BTreeSet<u64>>());
    assert!(!env.requests_to("/api/v2/deals/archived").is_empty());
    let out = env.run(&["export", "product-variations", "--include-archived"]);
    assert_code(&out, 2);
}

#[test]
fn deal_flow_keeps_concurrency_requests_in_flight() {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: 24,
            ..small_seed()
        },
        // Longer than the pacer's gap between request starts (about 26 ms at the mock's 80
        // requests per 2 s), so requests in flight overlap however busy the machine is.
        latency: std::time::Duration::from_millis(100),
        ..Config::default()
    });
    env.login();
    let out = env.run(&["export", "deal-flow", "--quiet", "--concurrency", "3"]);
    assert_code(&out, 0);
    assert_eq!(env.requests_to("/api/v2/deals").len(), 1);
    let flows = env
        .api_requests()
        .iter()
        .filter(|r| r.path.ends_with("/flow"))
        .count();
    assert_eq!(flows, 24, "one request per deal");
    let peak = env.mock.max_in_flight();
    assert!((2..=3).contains(&peak), "{peak} requests at once");
}

#[test]
fn a_manifest_of_an_earlier_version_keeps_describing_its_files() {
    let env = small_env();
    let dir = env.path("out");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.jsonl"), "{\"id\":1}\n").unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"finished_at": "2026-01-01T00:00:00Z",
            "types": {"notes": {"file": "notes.jsonl", "records": 1},
                      "gone": {"file": "gone.jsonl", "records": 3}}}"#,
    )
    .unwrap();
    let out = env.run(&[
        "export",
        "all",
        "--quiet",
        "--output-dir",
        "out",
        "--types",
        "users",
    ]);
    assert_code(&out, 0);
    let files = assert_manifest_matches(&dir);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["notes.jsonl", "users.jsonl"]
    );
}
