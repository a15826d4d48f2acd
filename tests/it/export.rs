//! `pipedrive export <TYPE>`: every record exactly once in both formats, only declared query
//! parameters, CSV headers, field names, files, paging, filters, closed pipes, archived deals.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Paging {
    Cursor,
    Offset,
    Single,
}

/// The type, its endpoint, its paging and its seeded count (`Seed::default()`).
fn spec(kind: &str) -> (&'static str, Paging, u64) {
    let seed = Seed::default();
    match kind {
        "deals" => ("/api/v2/deals", Paging::Cursor, seed.deals),
        "persons" => ("/api/v2/persons", Paging::Cursor, seed.persons),
        "organizations" => ("/api/v2/organizations", Paging::Cursor, seed.organizations),
        "notes" => ("/api/v1/notes", Paging::Offset, seed.notes),
        "pipelines" => ("/api/v2/pipelines", Paging::Cursor, seed.pipelines),
        "stages" => ("/api/v2/stages", Paging::Cursor, seed.stages),
        "activities" => ("/api/v2/activities", Paging::Cursor, seed.activities),
        "products" => ("/api/v2/products", Paging::Cursor, seed.products),
        "users" => ("/api/v1/users", Paging::Single, seed.users),
        other => panic!("no such type {other}"),
    }
}

fn union_of_keys(records: &[Value]) -> BTreeSet<String> {
    let mut keys = Vec::new();
    for r in records {
        flat_keys(r, "", &mut keys);
    }
    keys.into_iter().collect()
}

/// Runs one export; returns stdout and the list requests it made.
fn export(env: &TestEnv, args: &[&str]) -> (String, Vec<pipedrive_mock::RecordedRequest>) {
    let before = env.mock.requests().len();
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert_code(&out, 0);
    let path = spec(args[0]).0;
    let requests = env.mock.requests()[before..]
        .iter()
        .filter(|r| r.path == path)
        .cloned()
        .collect();
    (stdout(&out), requests)
}

fn every_record_once_in_both_formats(kind: &str) {
    let env = TestEnv::new();
    env.login();
    let (_, paging, n) = spec(kind);

    // JSON lines (raw keys): every record once, only the paging parameters the spec declares
    // (the mock answers 400 to anything else, so exit 0 already proves it).
    // The single cursor's requests are checked page by page; slices (the default concurrency)
    // must write the same records, each once.
    if paging == Paging::Cursor {
        let (jsonl, _) = export(&env, &[kind]);
        assert_each_once(&jsonl_ids(&jsonl), n);
    }
    let (jsonl, requests) = export(&env, &[kind, "--concurrency", "1"]);
    assert_each_once(&jsonl_ids(&jsonl), n);
    assert!(!requests.is_empty());
    match paging {
        Paging::Cursor => {
            assert_eq!(requests.len() as u64, n.div_ceil(500).max(1));
            for (i, r) in requests.iter().enumerate() {
                assert_eq!(r.param("limit"), Some("500"), "{r:?}");
                assert_eq!(
                    r.param("cursor").is_some(),
                    i > 0,
                    "cursor on page {i}: {r:?}"
                );
                assert!(r.param("start").is_none());
            }
        }
        Paging::Offset => {
            let starts: BTreeSet<u64> = requests
                .iter()
                .map(|r| {
                    assert_eq!(r.param("limit"), Some("500"), "{r:?}");
                    assert!(r.param("cursor").is_none());
                    r.param("start").expect("notes use start").parse().unwrap()
                })
                .collect();
            // Pages overlap by one record (a shift is seen as the overlap not matching).
            for want in (0..n - 1).step_by(499) {
                assert!(starts.contains(&want), "start={want} in {starts:?}");
            }
        }
        Paging::Single => {
            assert_eq!(requests.len(), 1);
            assert!(requests[0].params.is_empty(), "users take no parameters");
        }
    }

    // CSV (field names by default): RFC 4180, one row per record, and a header that is exactly
    // the union of the keys of the same records as JSON lines with field names.
    let (named, _) = export(&env, &[kind, "--field-names"]);
    let named = json_lines(&named);
    assert_eq!(named.len() as u64, n);
    let (csv, _) = export(&env, &[kind, "--format", "csv"]);
    let (header, rows) = parse_csv(&csv);
    assert_eq!(rows.len() as u64, n, "one row per record");
    assert!(rows.iter().all(|r| r.len() == header.len()));
    assert_each_once(&csv_ids(&csv), n);
    let header_set: BTreeSet<String> = header.iter().cloned().collect();
    assert_eq!(header_set.len(), header.len(), "no duplicate columns");
    assert_eq!(header_set, union_of_keys(&named));
}

#[test]
fn deals_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("deals");
}

#[test]
fn persons_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("persons");
}

#[test]
fn organizations_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("organizations");
}

#[test]
fn notes_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("notes");
}

#[test]
fn pipelines_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("pipelines");
}

#[test]
fn stages_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("stages");
}

#[test]
fn activities_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("activities");
}

#[test]
fn products_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("products");
}

#[test]
fn users_every_record_once_in_both_formats() {
    every_record_once_in_both_formats("users");
}

#[test]
fn csv_header_has_a_key_that_first_appears_on_the_last_page() {
    let env = TestEnv::new();
    env.login();
    // Organization 7 has a null monetary custom field (one column) where 1..=6 have an object
    // (`.value`, `.currency`): with pages of 3, its key first shows up on the third, last page.
    let args = ["organizations", "--raw-keys", "--limit", "3", "--max", "7"];
    let (jsonl, _) = export(&env, &args);
    let records = json_lines(&jsonl);
    assert_eq!(records.len(), 7);
    let early = union_of_keys(&records[..6]);
    let late: Vec<String> = union_of_keys(&records[6..])
        .difference(&early)
        .cloned()
        .collect();
    assert!(!late.is_empty(), "the seed no longer has a late key");

    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let (csv, requests) = export(&env, &csv_args);
    assert!(requests.iter().all(|r| r.param("limit") == Some("3")));
    assert!(requests.len() >= 3);
    let (header, rows) = parse_csv(&csv);
    assert_eq!(rows.len(), 7);
    for key in &late {
        assert!(header.contains(key), "{key} missing from {header:?}");
    }
    assert_eq!(
        header.iter().cloned().collect::<BTreeSet<_>>(),
        union_of_keys(&records)
    );
}

/// Custom field key -> (name, option id -> label), from the mock's dealFields.
fn deal_fields(env: &TestEnv) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let fields = env.mock_data("/api/v2/dealFields?limit=500");
    fields
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["is_custom_field"] == true)
        .map(|f| {
            let options = f["options"]
                .as_array()
                .map(|o| {
                    o.iter()
                        .map(|o| (o["id"].to_string(), o["label"].as_str().unwrap().into()))
                        .collect()
                })
                .unwrap_or_default();
            (
                f["field_code"].as_str().unwrap().to_string(),
                (f["field_name"].as_str().unwrap().to_string(), options),
            )
        })
        .collect()
}

#[test]
fn field_names_replace_keys_and_option_ids_raw_keys_keep_them() {
    let env = TestEnv::new();
    env.login();
    let fields = deal_fields(&env);
    assert!(fields.keys().all(|k| is_hash(k)) && fields.len() >= 3);
    let (raw, _) = export(&env, &["deals", "--max", "200"]);
    let (named, _) = export(&env, &["deals", "--max", "200", "--field-names"]);
    let (raw, named) = (json_lines(&raw), json_lines(&named));
    assert_eq!(raw.len(), named.len());
    let mut labels_seen = 0;
    for (r, n) in raw.iter().zip(&named) {
        assert_eq!(r["id"], n["id"]);
        let rc = r["custom_fields"].as_object().unwrap();
        let nc = n["custom_fields"].as_object().unwrap();
        assert!(rc.keys().all(|k| is_hash(k)), "raw keys stay hashes");
        assert!(!nc.keys().any(|k| is_hash(k)), "no hash left: {nc:?}");
        for (key, value) in rc {
            let (name, options) = &fields[key];
            let label = |v: &Value| match options.get(&v.to_string()) {
                Some(l) => Value::String(l.clone()),
                None => v.clone(),
            };
            let want = match value {
                Value::Array(items) if !options.is_empty() => {
                    Value::Array(items.iter().map(label).collect())
                }
                v if !options.is_empty() && !v.is_null() => {
                    labels_seen += 1;
                    label(v)
                }
                v => v.clone(),
            };
            assert_eq!(nc[name], want, "deal {} field {name}", r["id"]);
        }
        // Everything outside custom_fields is untouched.
        let strip = |v: &Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("custom_fields");
            v
        };
        assert_eq!(strip(r), strip(n));
    }
    assert!(labels_seen > 0);

    // CSV: names by default, hashes with --raw-keys.
    let (csv, _) = export(&env, &["deals", "--max", "20", "--format", "csv"]);
    let (header, _) = parse_csv(&csv);
    assert!(
        header.iter().any(|h| h == "custom_fields.Priority"),
        "{header:?}"
    );
    assert!(!header.iter().any(|h| h.split('.').any(is_hash)));
    let (csv, _) = export(
        &env,
        &["deals", "--max", "20", "--format", "csv", "--raw-keys"],
    );
    let (header, _) = parse_csv(&csv);
    assert!(header.iter().any(|h| h.split('.').any(is_hash)));
    assert!(!header.iter().any(|h| h == "custom_fields.Priority"));
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&[
        "export",
        "deals",
        "--format",
        "csv",
        "--output",
        "deals.csv",
    ]);
    assert_code(&out, 0);
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let text = std::fs::read_to_string(env.path("deals.csv")).unwrap();
    assert_each_once(&csv_ids(&text), Seed::default().deals);
    let out = env.run(&["export", "notes", "-o", "notes.jsonl"]);
    assert_code(&out, 0);
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(env.path("notes.jsonl")).unwrap();
    assert_each_once(&jsonl_ids(&text), Seed::default().notes);
    // No temporary file left next to them.
    let left: Vec<String> = files_in(env.dir.path())
        .into_iter()
        .filter(|f| f != "config" && f != "xdg")
        .collect();
    assert_eq!(left, ["deals.csv", "notes.jsonl"]);
}

#[test]
fn max_stops_after_n_records() {
    let env = TestEnv::new();
    env.login();
    let (jsonl, _) = export(&env, &["deals", "--max", "10"]);
    assert_eq!(jsonl_ids(&jsonl), (1..=10).collect::<Vec<_>>());
    let (jsonl, _) = export(&env, &["notes", "--max", "501"]);
    assert_eq!(jsonl_ids(&jsonl), (1..=501).collect::<Vec<_>>());
    let (csv, _) = export(&env, &["persons", "--max", "3", "--format", "csv"]);
    assert_eq!(csv_ids(&csv), [1, 2, 3]);
}

#[test]
fn max_asks_for_no_page_beyond_it() {
    // Each request spends the company's rate-limit budget: --max must not read ahead past N.
    let env = TestEnv::new();
    env.login();
    let (jsonl, requests) = export(&env, &["deals", "--max", "600", "--limit", "200"]);
    assert_eq!(jsonl_ids(&jsonl).len(), 600);
    assert_eq!(requests.len(), 3, "pages of 200 for 600 deals");
    let (jsonl, requests) = export(
        &env,
        &[
            "notes",
            "--max",
            "450",
            "--limit",
            "100",
            "--concurrency",
            "4",
        ],
    );
    assert_eq!(jsonl_ids(&jsonl).len(), 450);
    assert_eq!(requests.len(), 5, "offset pages 0..500 for 450 notes");
}

#[test]
fn limit_sets_the_page_size() {
    let env = TestEnv::new();
    env.login();
    let n = Seed::default().organizations;
    let (jsonl, requests) = export(
        &env,
        &["organizations", "--limit", "7", "--concurrency", "1"],
    );
    assert_each_once(&jsonl_ids(&jsonl), n);
    assert_eq!(requests.len() as u64, n.div_ceil(7));
    assert!(requests.iter().all(|r| r.param("limit") == Some("7")));
    assert!(requests.iter().skip(1).all(|r| r.param("cursor").is_some()));

    let n = Seed::default().notes;
    let (jsonl, requests) = export(&env, &["notes", "--limit", "100"]);
    assert_each_once(&jsonl_ids(&jsonl), n);
    assert!(requests.iter().all(|r| r.param("limit") == Some("100")));
    let starts: BTreeSet<u64> = requests
        .iter()
        .map(|r| r.param("start").unwrap().parse().unwrap())
        .collect();
    assert!(
        (0..n - 1).step_by(99).all(|s| starts.contains(&s)),
        "{starts:?}"
    );

    let out = env.run(&["export", "deals", "--limit", "501"]);
    assert_code(&out, 2);
    let out = env.run(&["export", "deals", "--limit", "0"]);
    assert_code(&out, 2);
}

/// `update_time` of a record in either API version's format, as unix seconds.
fn update_time(record: &Value) -> i64 {
    let t = record["update_time"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                .map(|n| n.and_utc().timestamp())
        })
        .unwrap()
}

fn updated_since_filters(kind: &str) {
    let env = TestEnv::new();
    env.login();
    let (all, _) = export(&env, &[kind]);
    let all = json_lines(&all);
    let mut times: Vec<i64> = all.iter().map(update_time).collect();
    times.sort_unstable();
    let cut = times[times.len() / 2];
    let since = chrono::DateTime::from_timestamp(cut, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let want: BTreeSet<u64> = all
        .iter()
        .filter(|r| update_time(r) >= cut)
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert!(!want.is_empty() && want.len() < all.len());

    let (got, requests) = export(&env, &[kind, "--updated-since", &since]);
    let got = jsonl_ids(&got);
    assert_eq!(got.len(), want.len(), "no record twice");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    // Slices of the list ask for later times within the range, never earlier ones.
    assert!(requests.iter().all(|r| r
        .param("updated_since")
        .is_some_and(|s| s >= since.as_str())));

    // Another offset is the same instant.
    let shifted = chrono::DateTime::from_timestamp(cut, 0)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap())
        .to_rfc3339();
    let (got, _) = export(&env, &[kind, "--updated-since", &shifted]);
    assert_eq!(jsonl_ids(&got).into_iter().collect::<BTreeSet<_>>(), want);
}

#[test]
fn updated_since_is_passed_through_and_filters_deals() {
    updated_since_filters("deals");
}

#[test]
fn updated_since_is_passed_through_and_filters_notes() {
    updated_since_filters("notes");
}

#[test]
fn updated_since_is_not_sent_where_the_endpoint_has_no_such_filter() {
    let env = TestEnv::new();
    env.login();
    let (out, requests) = export(
        &env,
        &["pipelines", "--updated-since", "2030-01-01T00:00:00Z"],
    );
    assert_each_once(&jsonl_ids(&out), Seed::default().pipelines);
    assert!(requests.iter().all(|r| r.param("updated_since").is_none()));
    let out = env.run(&["export", "deals", "--updated-since", "yesterday"]);
    assert_code(&out, 2);
}

#[test]
fn a_closed_stdout_pipe_ends_quietly_with_exit_0() {
    let env = TestEnv::new();
    env.login();
    for format in ["jsonl", "csv"] {
        let mut cmd = env.cmd(&["export", "notes", "--format", format]);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        // The reader is gone now, like `| head -1`.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let out = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("exits after the pipe closed")
            .unwrap();
        assert_code(&out, 0);
        let err = stderr(&out).to_lowercase();
        assert!(
            !err.contains("error") && !err.contains("broken pipe") && !err.contains("panic"),
            "no error text: {err}"
        );
    }
}

#[test]
fn include_archived_adds_the_archived_deals_after_the_live_ones() {
    let env = TestEnv::new();
    env.login();
    let seed = Seed::default();
    let (out, _) = export(&env, &["deals", "--include-archived"]);
    let records = json_lines(&out);
    let ids: Vec<u64> = records.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    let total = seed.deals + seed.archived_deals;
    // The order within each list is not promised (slices); the archived deals come after.
    let (live, archived) = ids.split_at(seed.deals as usize);
    assert_each_once(live, seed.deals);
    let archived: BTreeSet<u64> = archived.iter().copied().collect();
    assert_eq!(archived, (seed.deals + 1..=total).collect::<BTreeSet<_>>());
    for r in &records {
        let archived = r["id"].as_u64().unwrap() > seed.deals;
        assert_eq!(r["is_archived"], archived, "{}", r["id"]);
    }
    assert!(!env.requests_to("/api/v2/deals/archived").is_empty());

    let (out, _) = export(&env, &["deals"]);
    assert_each_once(&jsonl_ids(&out), seed.deals);

    let out = env.run(&["export", "persons", "--include-archived"]);
    assert_code(&out, 2);
}

#[test]
fn export_all_writes_nine_files_and_a_matching_manifest() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&[
        "export",
        "all",
        "--output-dir",
        "out",
        "--types",
        "deals,persons,organizations,notes,pipelines,stages,activities,products,users",
    ]);
    assert_code(&out, 0);
    assert!(out.stdout.is_empty());
    let dir = env.path("out");
    let kinds = [
        "activities",
        "deals",
        "notes",
        "organizations",
        "persons",
        "pipelines",
        "products",
        "stages",
        "users",
    ];
    let mut want: Vec<String> = kinds.iter().map(|k| format!("{k}.jsonl")).collect();
    want.push("manifest.json".into());
    want.sort();
    assert_eq!(files_in(&dir), want);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    for kind in kinds {
        let text = std::fs::read_to_string(dir.join(format!("{kind}.jsonl"))).unwrap();
        let n = spec(kind).2;
        assert_each_once(&jsonl_ids(&text), n);
        assert_eq!(manifest["types"][kind]["records"], n, "{kind}");
        assert_eq!(manifest["types"][kind]["file"], format!("{kind}.jsonl"));
    }

    let out = env.run(&["export", "all"]);
    assert_code(&out, 2);
}

#[test]
fn a_run_cut_short_by_max_does_not_move_the_state() {
    // Otherwise the deals after the first N would never be exported by later incremental runs.
    let env = TestEnv::new();
    env.login();
    let state = env.path("state.json");
    let state_arg = state.to_str().unwrap();
    let (first, _) = export(&env, &["deals", "--max", "5", "--state", state_arg]);
    assert_eq!(jsonl_ids(&first).len(), 5);
    let (second, _) = export(&env, &["deals", "--state", state_arg]);
    assert_each_once(&jsonl_ids(&second), Seed::default().deals);
}

#[test]
fn state_makes_the_second_run_export_only_what_changed() {
    let env = TestEnv::new();
    env.login();
    let state = env.path("state.json");
    let state_arg = state.to_str().unwrap();
    let read_since = || -> String {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        v["accounts"]["default"]["deals"]["updated_since"]
            .as_str()
            .expect("updated_since in the state file")
            .to_string()
    };

    let (first, _) = export(&env, &["deals", "--state", state_arg]);
    let first = json_lines(&first);
    let ids: Vec<u64> = first.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_each_once(&ids, Seed::default().deals);
    let newest = first.iter().map(update_time).max().unwrap();
    let since1 = read_since();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&since1)
            .unwrap()
            .timestamp(),
        newest
    );

    env.mock.touch("deals", &[5, 6]);
    let (second, requests) = export(&env, &["deals", "--state", state_arg]);
    assert!(requests
        .iter()
        .all(|r| r.param("updated_since") == Some(since1.as_str())));
    // The API's updated_since is inclusive: the touched deals, plus those updated in the very
    // second the first run ended on.
    let mut want: BTreeSet<u64> = first
        .iter()
        .filter(|r| update_time(r) == newest)
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    want.extend([5, 6]);
    let second = json_lines(&second);
    let got: Vec<u64> = second.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(got.len(), want.len(), "no record twice: {got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);

    let since2 = read_since();
    let touched = second
        .iter()
        .filter(|r| r["id"] == 5)
        .map(update_time)
        .next()
        .unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&since2)
            .unwrap()
            .timestamp(),
        touched
    );
    assert!(touched > newest, "the state advanced");
}
