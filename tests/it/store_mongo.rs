//! The MongoDB store against a real MongoDB-protocol server (PIPEDRIVE_TEST_MONGO_URI).
//!
//! Each test works in a database of its own, named in the URI's path as users name theirs.

use std::process::Stdio;
use std::time::{Duration, Instant};

use mongodb::bson::{doc, Bson, Document};
use mongodb::error::{ErrorKind, WriteFailure};
use pipedrive_cli::store::mongo::{MongoStore, COLLECTION};
use pipedrive_cli::token::Token;

use crate::services::{self, mongo_uri};

fn token(refresh: &str) -> Token {
    serde_json::from_value(serde_json::json!({
        "access_token": format!("access-{refresh}"), "refresh_token": refresh,
        "expires_in": 3599, "generated_at": 1_700_000_000i64, "token_type": "Bearer",
        "scope": "deals:read,users:read", "api_domain": "https://acme.pipedrive.com"
    }))
    .unwrap()
}

/// A URI naming a fresh database, and that database's name.
fn fresh_db(base: &str) -> (String, String) {
    let db = services::unique("it").replace('-', "_");
    (format!("{}/{db}", base.trim_end_matches('/')), db)
}

async fn open(uri: &str) -> MongoStore {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = services::settings("mongo", dir.path());
    settings.mongo_uri = Some(uri.to_string());
    MongoStore::open(&settings)
        .await
        .expect("open the mongo store")
}

async fn raw(uri: &str, db: &str) -> (mongodb::Client, mongodb::Collection<Document>) {
    let client = mongodb::Client::with_uri_str(uri).await.unwrap();
    let coll = client.database(db).collection::<Document>(COLLECTION);
    (client, coll)
}

#[tokio::test]
async fn the_unique_index_rejects_a_second_document_for_one_account_and_owner() {
    let Some(base) = mongo_uri() else { return };
    let (uri, db) = fresh_db(&base);
    let store = open(&uri).await;
    let (client, coll) = raw(&uri, &db).await;
    coll.insert_one(doc! { "account_id": "acme", "owner": "web" })
        .await
        .unwrap();
    coll.insert_one(doc! { "account_id": "acme", "owner": "cron" })
        .await
        .unwrap();
    let err = coll
        .insert_one(doc! { "account_id": "acme", "owner": "web", "other": 1 })
        .await
        .expect_err("a duplicate (account_id, owner) must be refused");
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => assert_eq!(e.code, 11000, "{e:?}"),
        other => panic!("expected a write error with code 11000, got {other:?}"),
    }
    // Opening again finds the index instead of failing on it.
    open(&uri).await.close().await;
    store.close().await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_of_20_concurrent_refreshes_wins_each_round() {
    let Some(base) = mongo_uri() else { return };
    let (uri, _db) = fresh_db(&base);
    let store = open(&uri).await;
    store.save_login("acme", "web", &token("r0")).await.unwrap();
    let mut expected = "r0".to_string();
    for round in 1..=3 {
        // Twenty clients (twenty connection pools, as twenty processes would have), released
        // together so their compare-and-swaps really overlap.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (uri, expected, barrier) = (uri.clone(), expected.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                let s = open(&uri).await;
                barrier.wait().await;
                let started = Instant::now();
                let new = token(&format!("r{round}-{i}"));
                let won = s
                    .replace_token("acme", "web", &expected, &new)
                    .await
                    .unwrap();
                let took = started.elapsed();
                s.close().await;
                (i, won, took)
            }));
        }
        let mut winners = Vec::new();
        let mut slowest = Duration::ZERO;
        for t in tasks {
            let (i, won, took) = t.await.unwrap();
            slowest = slowest.max(took);
            if won {
                winners.push(i);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let rec = store.load("acme", "web").await.unwrap().unwrap();
        expected = format!("r{round}-{}", winners[0]);
        assert_eq!(rec.token.refresh_token.expose(), expected);
        eprintln!("20-way CAS round {round}: all answered within {slowest:?}");
    }
    store.close().await;
}

/// Child side of `twenty_processes_refreshing_at_once_leave_one_winner`.
#[tokio::test]
#[ignore = "the second process of twenty_processes_refreshing_at_once_leave_one_winner: run by it, never on its own"]
async fn child_mongo_replace_token() {
    services::assert_child();
    let var = |n: &str| std::env::var(n).unwrap();
    let store = open(&var("IT_URI")).await;
    let start_at: u128 = var("IT_START_AT_MS").parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    tokio::time::sleep(Duration::from_millis(start_at.saturating_sub(now) as u64)).await;
    let won = store
        .replace_token("acme", "web", &var("IT_EXPECTED"), &token(&var("IT_NEW")))
        .await
        .unwrap();
    println!("RESULT: {won}");
    store.close().await;
}

#[tokio::test]
async fn twenty_processes_refreshing_at_once_leave_one_winner() {
    let Some(base) = mongo_uri() else { return };
    let (uri, _db) = fresh_db(&base);
    let store = open(&uri).await;
    store.save_login("acme", "web", &token("r0")).await.unwrap();
    let started = Instant::now();
    // Each child connects, then waits for this instant, so the swaps land together.
    let start_at = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        + Duration::from_secs(3))
    .as_millis()
    .to_string();
    let children: Vec<_> = (0..20)
        .map(|i| {
            let new = format!("p-{i}");
            services::child_command(
                "store_mongo::child_mongo_replace_token",
                &[
                    ("IT_URI", uri.as_str()),
                    ("IT_START_AT_MS", start_at.as_str()),
                    ("IT_EXPECTED", "r0"),
                    ("IT_NEW", new.as_str()),
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut winners = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        if services::child_result(&out) == "true" {
            winners.push(i);
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let rec = store.load("acme", "web").await.unwrap().unwrap();
    assert_eq!(
        rec.token.refresh_token.expose(),
        format!("p-{}", winners[0])
    );
    eprintln!(
        "20 processes: done in {:?} (3 s of it waiting for the start)",
        started.elapsed()
    );
    store.close().await;
}

#[tokio::test]
async fn invalidation_flags_every_owner_of_the_account_and_no_other_account() {
    let Some(base) = mongo_uri() else { return };
    let (uri, _db) = fresh_db(&base);
    let store = open(&uri).await;
    for (account, owner) in [
        ("acme", "web"),
        ("acme", "cron"),
        ("acme", "ann"),
        ("other", "web"),
    ] {
        store
            .save_login(account, owner, &token(owner))
            .await
            .unwrap();
    }
    assert_eq!(store.invalidate_account("acme").await.unwrap(), 3);
    for rec in store.load_account("acme").await.unwrap() {
        assert!(rec.token_invalidated, "{}/{}", rec.account_id, rec.owner);
    }
    assert_eq!(store.load_account("acme").await.unwrap().len(), 3);
    let other = store.load("other", "web").await.unwrap().unwrap();
    assert!(!other.token_invalidated);
    // A fresh login clears the flag for that owner only.
    store
        .save_login("acme", "cron", &token("new"))
        .await
        .unwrap();
    assert!(
        !store
            .load("acme", "cron")
            .await
            .unwrap()
            .unwrap()
            .token_invalidated
    );
    assert!(
        store
            .load("acme", "web")
            .await
            .unwrap()
            .unwrap()
            .token_invalidated
    );
    assert!(store.delete("acme", "ann").await.unwrap());
    assert!(!store.delete("acme", "ann").await.unwrap());
    assert!(store.load("acme", "ann").await.unwrap().is_none());
    store.close().await;
}

#[tokio::test]
async fn a_document_in_the_seed_shape_is_read_and_refreshed_keeping_unknown_fields() {
    let Some(base) = mongo_uri() else { return };
    let (uri, db) = fresh_db(&base);
    let store = open(&uri).await;
    let (client, coll) = raw(&uri, &db).await;
    // As the web integration writes it: JS numbers (Int32 and Double), fields we do not know.
    coll.insert_one(doc! {
        "account_id": "acme", "owner": "web",
        "token": {
            "access_token": "a0", "refresh_token": "r0",
            "expires_in": Bson::Int32(3599), "generated_at": Bson::Double(1_700_000_000.0),
            "token_type": "Bearer", "scope": "deals:read,users:read",
            "api_domain": "https://acme.pipedrive.com",
            "company_id": Bson::Int64(42),
        },
        "token_invalidated": false,
        "installed_by": "someone@acme.com",
        "installed_at": mongodb::bson::DateTime::from_millis(1_700_000_000_000),
    })
    .await
    .unwrap();

    let rec = store.load("acme", "web").await.unwrap().unwrap();
    assert_eq!(rec.token.expires_in, 3599);
    assert_eq!(rec.token.generated_at, 1_700_000_000);
    assert_eq!(rec.token.refresh_token.expose(), "r0");
    assert_eq!(rec.token.scopes(), vec!["deals:read", "users:read"]);
    assert!(!rec.token_invalidated);

    let unknown_fields_survive = |d: &Document| {
        assert_eq!(d.get_str("installed_by").unwrap(), "someone@acme.com");
        assert!(
            matches!(d.get("installed_at"), Some(Bson::DateTime(_))),
            "{d:?}"
        );
        assert_eq!(
            d.get_document("token")
                .unwrap()
                .get_i64("company_id")
                .unwrap(),
            42
        );
    };
    assert!(store
        .replace_token("acme", "web", "r0", &token("r1"))
        .await
        .unwrap());
    assert!(!store
        .replace_token("acme", "web", "r0", &token("r2"))
        .await
        .unwrap());
    let d = coll
        .find_one(doc! { "owner": "web" })
        .await
        .unwrap()
        .unwrap();
    unknown_fields_survive(&d);
    assert_eq!(
        d.get_document("token")
            .unwrap()
            .get_str("refresh_token")
            .unwrap(),
        "r1"
    );

    store.invalidate_account("acme").await.unwrap();
    store.save_login("acme", "web", &token("r9")).await.unwrap();
    let d = coll
        .find_one(doc! { "owner": "web" })
        .await
        .unwrap()
        .unwrap();
    unknown_fields_survive(&d);
    assert!(!d.get_bool("token_invalidated").unwrap());
    assert_eq!(
        d.get_document("token")
            .unwrap()
            .get_str("refresh_token")
            .unwrap(),
        "r9"
    );
    assert_eq!(coll.count_documents(doc! {}).await.unwrap(), 1);
    store.close().await;
    client.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_server_is_a_quick_store_error_without_the_password() {
    // Needs no server: nothing listens on port 1.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = services::settings("mongo", dir.path());
    settings.mongo_uri = Some("mongodb://ann:hunter2@127.0.0.1:1/crm".into());
    let started = Instant::now();
    let err = MongoStore::open(&settings)
        .await
        .err()
        .expect("no server there");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.exit_code(), 7);
    let msg = err.to_string();
    assert!(
        msg.contains("mongo") && msg.contains("127.0.0.1:1: I/O error: Connection refused"),
        "{msg}"
    );
    assert!(
        !msg.contains("Topology") && !msg.contains("labels"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[tokio::test]
async fn a_damaged_document_is_never_quoted_login_overwrites_it_and_logout_deletes_it() {
    let Some(base) = mongo_uri() else { return };
    let (uri, db) = fresh_db(&base);
    let (client, coll) = raw(&uri, &db).await;
    let secret = "v1u:LEAKED-ACCESS-TOKEN";
    let damaged = doc! { "account_id": "acme", "owner": "web", "token": secret,
    "installed_by": "someone@acme.com" };
    coll.insert_one(damaged.clone()).await.unwrap();
    let env = crate::support::TestEnv::new();
    let run = |args: &[&str]| {
        let mut a = vec!["--store", "mongo", "--account", "acme", "--owner", "web"];
        a.extend_from_slice(args);
        let mut cmd = env.cmd(&a);
        cmd.env("PIPEDRIVE_MONGO_URI", &uri);
        crate::support::run_with_timeout(cmd, Duration::from_secs(60))
    };
    let out = run(&["status"]);
    crate::support::assert_code(&out, 7);
    let err = crate::support::stderr(&out);
    assert!(!err.contains("LEAKED"), "{err}");
    let out = run(&["logout"]);
    crate::support::assert_code(&out, 0);
    assert!(coll
        .find_one(doc! {"owner": "web"})
        .await
        .unwrap()
        .is_none());

    // logout --all deletes it too, with the account's readable tokens.
    coll.insert_one(damaged.clone()).await.unwrap();
    let store = open(&uri).await;
    store
        .save_login("acme", "cron", &token("r0"))
        .await
        .unwrap();
    let owners: Vec<String> = store
        .inspect_account("acme")
        .await
        .unwrap()
        .into_iter()
        .map(|(owner, _)| owner)
        .collect();
    assert_eq!(owners.len(), 2, "{owners:?}");
    store.close().await;
    let out = run(&["logout", "--all"]);
    crate::support::assert_code(&out, 0);
    assert!(!crate::support::stderr(&out).contains("LEAKED"));
    assert!(coll
        .find_one(doc! {"account_id": "acme"})
        .await
        .unwrap()
        .is_none());

    // login's save replaces the damaged token whole and keeps the document's other fields.
    coll.insert_one(damaged).await.unwrap();
    let store = open(&uri).await;
    store.save_login("acme", "web", &token("r1")).await.unwrap();
    let rec = store.load("acme", "web").await.unwrap().unwrap();
    assert_eq!(rec.token.refresh_token.expose(), "r1");
    assert_eq!(rec.extra["installed_by"], "someone@acme.com");
    store.close().await;
    client.shutdown().await;
}
