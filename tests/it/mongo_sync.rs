//! `--output mongodb://...`: the real binary syncing the mock's records into a real
//! MongoDB-protocol server (PIPEDRIVE_TEST_MONGO_URI), each test in a database of its own.

use std::collections::HashMap;
use std::process::Output;
use std::time::Duration;

use mongodb::bson::{doc, Bson, Document};
use serde_json::Value;

use crate::services::{self, mongo_uri};
use crate::support::*;

pub(crate) const RECORDS: &str = "pipedrive_records";
pub(crate) const STATE: &str = "pipedrive_sync_state";

/// A URI naming a fresh database, and that database's name.
pub(crate) fn fresh_db(base: &str) -> (String, String) {
    let db = services::unique("sync").replace('-', "_");
    (format!("{}/{db}", base.trim_end_matches('/')), db)
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Every document of `coll` matching `filter`, read with a client of the test's own.
pub(crate) fn find(uri: &str, db: &str, coll: &str, filter: Document) -> Vec<Document> {
    block_on(async {
        use futures_util::TryStreamExt;
        let client = mongodb::Client::with_uri_str(uri).await.unwrap();
        let docs: Vec<Document> = client
            .database(db)
            .collection::<Document>(coll)
            .find(filter)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        client.shutdown().await;
        docs
    })
}

fn env_with(seed: impl FnOnce(&mut Seed)) -> TestEnv {
    let mut config = Config::default();
    seed(&mut config.seed);
    let env = TestEnv::with(config);
    env.login();
    env
}

pub(crate) fn sync(env: &TestEnv, uri: &str, extra: &[&str]) -> Output {
    let mut args = vec!["export", "deals", "--output", uri];
    args.extend_from_slice(extra);
    // secantusdb answers a few hundred upserts a second on a loaded machine.
    run_with_timeout(env.cmd(&args), Duration::from_secs(600))
}

/// The documents of one type by Pipedrive id.
pub(crate) fn by_id(docs: &[Document]) -> HashMap<i64, Document> {
    docs.iter()
        .map(|d| {
            let id = match d.get_document("_id").unwrap().get("id").unwrap() {
                Bson::Int32(i) => *i as i64,
                Bson::Int64(i) => *i,
                other => panic!("id {other:?}"),
            };
            (id, d.clone())
        })
        .collect()
}

pub(crate) fn data(d: &Document) -> Value {
    Bson::Document(d.get_document("data").unwrap().clone()).into_relaxed_extjson()
}

/// What the API holds now: every deal (archived and deleted ones too, as a sync reads them),
/// read through a JSON lines export of the same binary.
pub(crate) fn api_deals(env: &TestEnv) -> Vec<Value> {
    let file = env.path("api-deals.jsonl");
    let out = env.run(&[
        "export",
        "deals",
        "--include-archived",
        "--include-deleted",
        "--quiet",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_code(&out, 0);
    json_lines(&std::fs::read_to_string(&file).unwrap())
}

pub(crate) fn the_mark(uri: &str, db: &str, kind: &str) -> Option<String> {
    find(uri, db, STATE, doc! { "type": kind })
        .first()
        .and_then(|d| d.get_str("updated_since").ok().map(str::to_string))
}

#[test]
fn ten_thousand_deals_equal_the_json_lines_and_a_second_run_changes_only_the_edited() {
    let Some(base) = mongo_uri() else { return };
    let (uri, db) = fresh_db(&base);
    let env = env_with(|s| {
        s.deals = 10_000;
        s.archived_deals = 20;
        s.deleted_deals = 3;
    });
    let out = sync(&env, &uri, &[]);
    assert_code(&out, 0);
    let lines = api_deals(&env);
    assert_eq!(lines.len(), 10_023);
    let docs = find(&uri, &db, RECORDS, doc! {});
    assert_eq!(docs.len(), lines.len(), "one document per record");
    let docs = by_id(&docs);
    for line in &lines {
        let id = line["id"].as_i64().unwrap();
        let d = &docs[&id];
        assert_eq!(&data(d), line, "deal {id}");
        assert_eq!(d.get_str("type").unwrap(), "deals");
        assert_eq!(d.get_str("account_id").unwrap(), "default");
        assert_eq!(d.get_str("owner").unwrap(), "default");
        let deleted = line["is_deleted"] == Value::Bool(true);
        assert_eq!(d.get_bool("deleted").unwrap(), deleted, "deal {id}");
        assert_eq!(d.contains_key("deleted_at"), deleted, "deal {id}");
    }
    assert!(the_mark(&uri, &db, "deals").is_some(), "the mark was saved");

    // Edit five deals; the next run asks only for what changed since the mark.
    std::thread::sleep(Duration::from_millis(1100));
    let edited = [7u64, 1234, 5000, 9999, 10_000];
    env.mock.touch("deals", &edited);
    let before = env.api_requests().len();
    let out = sync(&env, &uri, &[]);
    assert_code(&out, 0);
    let asked: Vec<_> = env.api_requests()[before..]
        .iter()
        .filter(|r| r.path.starts_with("/api/v2/deals"))
        .cloned()
        .collect();
    assert!(!asked.is_empty());
    for r in &asked {
        assert!(
            r.param("updated_since").is_some(),
            "a page without updated_since: {} {:?}",
            r.path,
            r.query
        );
    }
    let after = by_id(&find(&uri, &db, RECORDS, doc! {}));
    assert_eq!(after.len(), docs.len(), "no document added");
    let changed: Vec<i64> = {
        let mut c: Vec<i64> = after
            .iter()
            .filter(|(id, d)| data(d) != data(&docs[id]))
            .map(|(id, _)| *id)
            .collect();
        c.sort_unstable();
        c
    };
    assert_eq!(
        changed,
        edited.iter().map(|&i| i as i64).collect::<Vec<_>>()
    );
}

#[test]
fn state_file_and_csv_are_usage_errors_with_a_mongodb_output_and_full_needs_one() {
    let env = TestEnv::new();
    env.login();
    let uri = "mongodb://127.0.0.1:1/x";
    for extra in [&["--state", "s.json"][..], &["--format", "csv"][..]] {
        let out = sync(&env, uri, extra);
        assert_code(&out, 2);
    }
    let out = env.run(&["export", "deals", "--full"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("MongoDB"), "{}", stderr(&out));
    assert!(env.api_requests().is_empty());
}

/// A sync into `uri` that must stop with exit 7 before any API request; its stderr, which
/// holds the reason without the driver's decorations (labels, sources, structures).
fn exit_7_before_any_api_request(uri: &str) -> String {
    let env = TestEnv::new();
    env.login();
    let out = sync(&env, uri, &[]);
    assert_code(&out, 7);
    assert!(env.api_requests().is_empty());
    let err = stderr(&out);
    assert!(!err.contains("labels") && !err.contains("source:"), "{err}");
    err
}

#[test]
fn an_unreachable_server_is_exit_7_before_any_api_request() {
    let port = free_port();
    let err = exit_7_before_any_api_request(&format!(
        "mongodb://127.0.0.1:{port}/x?serverSelectionTimeoutMS=300"
    ));
    // The address and the reason, not the driver's whole topology.
    assert!(
        err.contains(&format!("cannot reach MongoDB at 127.0.0.1:{port}"))
            && err.contains("Connection refused"),
        "{err}"
    );
    assert!(!err.contains("Topology"), "{err}");
}

#[test]
fn a_write_concern_the_server_refuses_is_exit_7_with_its_reason() {
    let Some(base) = mongo_uri() else { return };
    let (uri, _) = fresh_db(&base);
    let err = exit_7_before_any_api_request(&format!("{uri}?w=banana"));
    // The server's words, not the driver's structures around them.
    assert!(err.contains("banana") && !err.contains("details:"), "{err}");
}

#[test]
fn deals_deleted_since_the_last_run_are_marked_and_kept() {
    let Some(base) = mongo_uri() else { return };
    let (uri, db) = fresh_db(&base);
    let env = env_with(|s| {
        s.deals = 300;
        s.archived_deals = 5;
        s.deleted_deals = 0;
    });
    assert_code(&sync(&env, &uri, &[]), 0);
    std::thread::sleep(Duration::from_millis(1100));
    // 303 is archived: the API lists it among the archived list's deleted deals.
    for id in [3u64, 150, 299, 303] {
        env.mock.delete_deal(id);
    }
    assert_code(&sync(&env, &uri, &[]), 0);
    let docs = find(&uri, &db, RECORDS, doc! {});
    assert_eq!(docs.len(), 305, "nothing removed, nothing added");
    let mut marked: Vec<i64> = by_id(&docs)
        .into_iter()
        .filter(|(_, d)| d.get_bool("deleted") == Ok(true))
        .inspect(|(id, d)| assert!(d.contains_key("deleted_at"), "deal {id}"))
        .map(|(id, _)| id)
        .collect();
    marked.sort_unstable();
    assert_eq!(marked, vec![3, 150, 299, 303]);
}

#[test]
fn a_person_gone_from_a_full_walk_is_marked_deleted_and_the_others_are_left() {
    let Some(base) = mongo_uri() else { return };
    let (uri, db) = fresh_db(&base);
    let env = env_with(|s| s.persons = 120);
    let persons = |extra: &[&str]| {
        let mut args = vec!["export", "persons", "--output", uri.as_str()];
        args.extend_from_slice(extra);
        run_with_timeout(env.cmd(&args), Duration::from_secs(600))
    };
    assert_code(&persons(&[]), 0);
    let before = by_id(&find(&uri, &db, RECORDS, doc! { "type": "persons" }));
    assert_eq!(before.len(), 120);
    env.mock.remove("persons", 42);
    let out = persons(&["--full"]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("1 documents no longer in Pipedrive"),
        "{}",
        stderr(&out)
    );
    let after = by_id(&find(&uri, &db, RECORDS, doc! { "type": "persons" }));
    assert_eq!(after.len(), 120, "nothing removed from the collection");
    let gone = &after[&42];
    assert_eq!(gone.get_bool("deleted"), Ok(true));
    assert!(
        matches!(gone.get("deleted_at"), Some(Bson::DateTime(_))),
        "{gone:?}"
    );
    assert_eq!(data(gone), data(&before[&42]), "its last copy is kept");
    for (id, d) in after.iter().filter(|(id, _)| **id != 42) {
        assert_eq!(d.get_bool("deleted"), Ok(false), "person {id}");
        assert!(!d.contains_key("deleted_at"), "person {id}");
        assert_eq!(data(d), data(&before[id]), "person {id}");
    }
    // A third full walk leaves the mark where the first one set it.
    let first = after[&42].get_datetime("deleted_at").unwrap().to_owned();
    assert_code(&persons(&["--full"]), 0);
    let again = by_id(&find(&uri, &db, RECORDS, doc! { "_id.id": 42 }));
    assert_eq!(again[&42].get_datetime("deleted_at").unwrap(), &first);
}
