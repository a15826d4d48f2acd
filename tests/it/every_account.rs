//! `pipedrive accounts` and `export all --every-account`: many identities in one MongoDB token
//! collection, exported by several real processes that share nothing else, against the mock and
//! the real MongoDB-protocol server (PIPEDRIVE_TEST_MONGO_URI).
//!
//! Scaled down to keep the suite fast: 200 identities but a dozen deals and a few persons each,
//! and lease time at 25% (a lease lapses after 30 s instead of 2 minutes; 12.5% and 15 s in the
//! test that waits for leases to lapse).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};
use pipedrive_cli::store::mongo::COLLECTION;

use crate::services::{self, mongo_uri};
use crate::support::{self, assert_code, assert_each_once, jsonl_ids, Config, Seed, TestEnv};

const DEALS: u64 = 12;
const PERSONS: u64 = 5;
/// Lease time in the tests: 120 s become 30 s, renewed every 7.5 s (shorter ones lapsed on a
/// machine loaded by parallel builds, where a renewal can be seconds late).
const LEASE_SCALE: &str = "0.25";

fn config(latency: Duration) -> Config {
    Config {
        seed: Seed {
            deals: DEALS,
            persons: PERSONS,
            ..Seed::default()
        },
        latency,
        ..Config::default()
    }
}

fn env(latency: Duration) -> TestEnv {
    TestEnv::with(config(latency))
}

fn fresh_db(base: &str) -> (String, String) {
    let db = services::unique("every").replace('-', "_");
    (format!("{}/{db}", base.trim_end_matches('/')), db)
}

fn account(i: usize) -> String {
    format!("acct-{i:03}")
}

/// Token documents in the token collection's shape, as the web integration writes them, each
/// with a grant the mock accepts. Returns each account's first refresh token.
async fn seed_tokens(
    env: &TestEnv,
    coll: &mongodb::Collection<Document>,
    n: usize,
    shape: impl Fn(usize, &mut Document),
) -> Vec<String> {
    let mut docs = Vec::new();
    let mut refresh = Vec::new();
    for i in 0..n {
        let g = env.mock.issue_token();
        refresh.push(g.refresh_token.clone());
        let mut d = doc! {
            "account_id": account(i), "owner": "cron",
            "token": { "access_token": g.access_token, "refresh_token": g.refresh_token,
                       "expires_in": g.expires_in as i64,
                       "generated_at": chrono::Utc::now().timestamp(),
                       "token_type": g.token_type, "scope": g.scope, "api_domain": g.api_domain },
            "token_invalidated": false,
        };
        shape(i, &mut d);
        docs.push(d);
    }
    coll.insert_many(docs).await.unwrap();
    refresh
}

fn start(env: &TestEnv, uri: &str, out: &Path, round: &str) -> Child {
    start_with(env, uri, out, round, LEASE_SCALE, &[])
}

fn start_with(
    env: &TestEnv,
    uri: &str,
    out: &Path,
    round: &str,
    scale: &str,
    extra: &[&str],
) -> Child {
    let dir = out.to_str().unwrap();
    let mut args = vec![
        "export",
        "all",
        "--every-account",
        "--types",
        "deals,persons",
        "--concurrency",
        "1",
        "--output-dir",
        dir,
        "--round",
        round,
    ];
    args.extend(extra);
    let mut cmd = env.cmd(&args);
    cmd.env("PIPEDRIVE_STORE", "mongo")
        .env("PIPEDRIVE_MONGO_URI", uri)
        .env("PIPEDRIVE_TEST_TIME_SCALE", scale)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd.spawn().expect("start pipedrive")
}

/// Waits for a child (killing it after `limit`), returning its exit code and stderr.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let end = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code(), err);
        }
        if Instant::now() > end {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("pipedrive --every-account did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn leases(db: &mongodb::Database) -> Vec<Document> {
    db.collection::<Document>("pipedrive_leases")
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

fn holders(lease: &Document) -> Vec<String> {
    lease
        .get_array("claimed_by")
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}

/// The pid inside a holder name (`host:pid:random`).
fn pid_of(holder: &str) -> u32 {
    holder.split(':').nth(1).unwrap().parse().unwrap()
}

/// Asserts an account's directory holds exactly the mock's deals and persons.
fn assert_exact(dir: &Path) {
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{dir:?}/{f}: {e}"))
    };
    assert_each_once(&jsonl_ids(&read("deals.jsonl")), DEALS);
    assert_each_once(&jsonl_ids(&read("persons.jsonl")), PERSONS);
}

/// Each account's directory in any of the processes' output directories.
fn account_dirs(outs: &[PathBuf], n: usize) -> BTreeMap<String, Vec<PathBuf>> {
    let mut found = BTreeMap::new();
    for i in 0..n {
        let name = account(i);
        let dirs: Vec<PathBuf> = outs
            .iter()
            .map(|o| o.join(&name).join("cron"))
            .filter(|d| d.join("manifest.json").is_file())
            .collect();
        found.insert(name, dirs);
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_export_each_of_200_accounts_exactly_once() {
    let Some(base) = mongo_uri() else { return };
    const N: usize = 200;
    let env = env(Duration::from_millis(5));
    let (uri, db) = fresh_db(&base);
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.database(&db);
    let first = seed_tokens(&env, &db.collection(COLLECTION), N, |_, _| {}).await;

    let outs: Vec<PathBuf> = (0..8).map(|k| env.path(&format!("out-{k}"))).collect();
    let children: Vec<Child> = outs.iter().map(|o| start(&env, &uri, o, "r1")).collect();
    for (k, child) in children.into_iter().enumerate() {
        let (code, err) = finish(child, Duration::from_secs(240));
        assert_eq!(code, Some(0), "process {k}: {err}");
    }

    // Every account exported by exactly one process, with exactly the mock's records.
    for (name, dirs) in account_dirs(&outs, N) {
        assert_eq!(dirs.len(), 1, "{name} exported into {dirs:?}");
        assert_exact(&dirs[0]);
    }
    // One lease per account, claimed once: no account was held by two processes.
    let leases = leases(&db).await;
    assert_eq!(leases.len(), N);
    for l in &leases {
        assert_eq!(l.get_str("state").unwrap(), "done", "{l:?}");
        assert_eq!(holders(l).len(), 1, "claimed more than once: {l:?}");
    }
    // The mock's side: one refresh per account, and every API request made with the token of
    // the account's single session (the access token the store holds now), the same count each.
    assert_eq!(env.mock.refresh_count(), N, "refreshes");
    let tokens = db.collection::<Document>(COLLECTION);
    let mut of_token = HashMap::new();
    for (i, first) in first.iter().enumerate() {
        let d = tokens
            .find_one(doc! {"account_id": account(i)})
            .await
            .unwrap()
            .unwrap();
        let t = d.get_document("token").unwrap();
        assert_ne!(
            t.get_str("refresh_token").unwrap(),
            first,
            "never refreshed"
        );
        of_token.insert(t.get_str("access_token").unwrap().to_string(), account(i));
    }
    let mut per_account: HashMap<String, usize> = HashMap::new();
    for r in env.api_requests() {
        let pipedrive_mock::AuthKind::Bearer(t) = &r.auth else {
            panic!("request without a bearer token: {r:?}")
        };
        let who = of_token
            .get(t)
            .unwrap_or_else(|| panic!("{} with a token no account holds now", r.path));
        *per_account.entry(who.clone()).or_default() += 1;
    }
    assert_eq!(per_account.len(), N);
    let counts: HashSet<usize> = per_account.values().copied().collect();
    assert_eq!(counts.len(), 1, "requests per account differ: {counts:?}");
    // Each process's accounts.json describes the whole round.
    for o in &outs {
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(o.join("accounts.json")).unwrap())
                .unwrap();
        assert_eq!(rows.len(), N, "{o:?}");
        assert!(rows.iter().all(|r| r["result"] == "ok"), "{o:?}");
        assert!(rows
            .iter()
            .all(|r| r["records"] == serde_json::json!(DEALS + PERSONS)));
    }
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_of_killed_processes_are_taken_over_when_their_leases_lapse() {
    let Some(base) = mongo_uri() else { return };
    const N: usize = 200;
    // Slow pages, so the kill lands while every process holds accounts. Every account's export
    // refreshes first: a kill after the server rotated a refresh token and before the process
    // stored the new one loses that login, which no client can prevent (the survivor rightly
    // says so, exit 75). That is the subject of token_safety; here the token stays valid.
    let env = TestEnv::with(Config {
        rotate_refresh_tokens: false,
        ..config(Duration::from_millis(40))
    });
    let (uri, db) = fresh_db(&base);
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.database(&db);
    seed_tokens(&env, &db.collection(COLLECTION), N, |_, _| {}).await;

    let outs: Vec<PathBuf> = (0..8).map(|k| env.path(&format!("out-{k}"))).collect();
    // The survivors wait for the victims' leases to lapse: 15 s here, renewed every 3.75 s, so
    // a live holder's renewal would have to be 11 s late to lose its lease.
    let mut children: Vec<Child> = outs
        .iter()
        .map(|o| start_with(&env, &uri, o, "r1", "0.125", &[]))
        .collect();
    let killed: Vec<u32> = children[..3].iter().map(|c| c.id()).collect();
    // Midway: a quarter of the round done, and each victim holding a lease.
    let end = Instant::now() + Duration::from_secs(120);
    // The look reads only the running leases' holders: the test shares one server with the
    // eight processes and its looks must not be what slows them.
    let coll = db.collection::<Document>("pipedrive_leases");
    loop {
        let done = coll
            .count_documents(doc! { "state": "done" })
            .await
            .unwrap();
        let held: HashSet<u32> = coll
            .find(doc! { "state": "running" })
            .projection(doc! { "claimed_by": 1 })
            .await
            .unwrap()
            .try_collect::<Vec<Document>>()
            .await
            .unwrap()
            .iter()
            .map(|l| pid_of(holders(l).last().unwrap()))
            .collect();
        if done >= N as u64 / 4 && killed.iter().all(|p| held.contains(p)) {
            break;
        }
        assert!(Instant::now() < end, "the round never got midway");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for c in &mut children[..3] {
        c.kill().unwrap(); // SIGKILL: no cleanup, the leases just stop being renewed
        c.wait().unwrap();
    }
    for (k, child) in children.drain(3..).enumerate() {
        let (code, err) = finish(child, Duration::from_secs(240));
        assert_eq!(code, Some(0), "survivor {k}: {err}");
    }

    let leases = leases(&db).await;
    assert_eq!(leases.len(), N);
    let mut taken_over = 0;
    for l in &leases {
        assert_eq!(l.get_str("state").unwrap(), "done", "{l:?}");
        let h = holders(l);
        // Held by one process at a time: only a killed process's lease was ever claimed again.
        for earlier in &h[..h.len() - 1] {
            assert!(
                killed.contains(&pid_of(earlier)),
                "taken from a live holder: {l:?}"
            );
        }
        taken_over += usize::from(h.len() > 1);
        assert_eq!(l.get_i32("exit_code").unwrap_or(0), 0, "{l:?}");
    }
    assert!(
        taken_over >= 3,
        "the killed processes held leases that were taken over"
    );
    // Nothing missing or duplicated: the directory of whoever finished each account holds
    // exactly its records.
    for l in &leases {
        let name = l.get_str("account_id").unwrap();
        let dirs = account_dirs(&outs, N).remove(name).unwrap();
        assert!(!dirs.is_empty(), "{name} missing");
        for d in &dirs {
            assert_exact(d);
        }
    }
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_stopped_by_sigterm_hands_its_accounts_to_the_others_at_once() {
    let Some(base) = mongo_uri() else { return };
    // Scaled down: 40 accounts and two processes are enough to catch one mid-round.
    const N: usize = 40;
    // Slow accounts, so the signal lands while the victim holds some: five pages of 100 ms
    // each (pages of 4 of 12 deals and 5 persons), well over the time a look at the leases
    // takes on a loaded machine (at one 40 ms page a type the round sometimes ended between a
    // look that saw the victim hold accounts and the signal).
    let env = env(Duration::from_millis(100));
    let (uri, db) = fresh_db(&base);
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.database(&db);
    seed_tokens(&env, &db.collection(COLLECTION), N, |_, _| {}).await;

    let outs: Vec<PathBuf> = (0..2).map(|k| env.path(&format!("out-{k}"))).collect();
    let paged = |out: &Path| start_with(&env, &uri, out, "r1", LEASE_SCALE, &["--limit", "4"]);
    let mut victim = paged(&outs[0]);
    let survivor = paged(&outs[1]);
    let pid = victim.id();
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let looked = chrono::Utc::now().timestamp_millis();
        let all = leases(&db).await;
        let done = all
            .iter()
            .filter(|l| l.get_str("state") == Ok("done"))
            .count();
        // A lease the victim claimed at most 100 ms before this look: its account has 400 ms
        // of pages left for the look and the signal. (A lease held for a while could end
        // before the signal, and with it the victim's last accounts of the round.)
        let held = all
            .iter()
            .filter(|l| l.get_str("state") == Ok("running"))
            .filter(|l| looked - l.get_i64("claimed_at").unwrap_or(0) < 100)
            .any(|l| pid_of(l.get_str("holder").unwrap()) == pid);
        if done >= N / 4 && held {
            break;
        }
        assert!(Instant::now() < end, "the round never got midway");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let signalled = chrono::Utc::now().timestamp_millis();
    // SAFETY: sends a signal to our own child, which has not been waited for yet.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    let status = victim.wait().unwrap();
    assert_eq!(status.code(), Some(143), "exit code after SIGTERM");
    let mut said = String::new();
    std::io::Read::read_to_string(&mut victim.stderr.take().unwrap(), &mut said).unwrap();

    // Right after it exited: none of its leases is still running and live, and none of the
    // accounts it was exporting is marked done. The survivor may already have taken some over.
    let now = chrono::Utc::now().timestamp_millis();
    let mut handed: Vec<String> = Vec::new();
    for l in leases(&db).await {
        let h = holders(&l);
        if !h.iter().any(|x| pid_of(x) == pid) {
            continue;
        }
        let held_by_it = pid_of(l.get_str("holder").unwrap()) == pid;
        if held_by_it && l.get_str("state") == Ok("running") {
            let expires = l
                .get_i64("expires_at")
                .unwrap_or_else(|_| i64::from(l.get_i32("expires_at").unwrap()));
            assert!(expires < now, "a lease still held after the exit: {l:?}");
        } else if held_by_it {
            continue; // done by it before the signal
        }
        handed.push(l.get_str("_id").unwrap().to_string());
    }
    assert!(
        !handed.is_empty(),
        "the victim held accounts when signalled"
    );

    let (code, err) = finish(survivor, Duration::from_secs(120));
    assert_eq!(code, Some(0), "survivor: {err}");
    let leases = leases(&db).await;
    assert_eq!(leases.len(), N);
    for l in &leases {
        assert_eq!(l.get_str("state").unwrap(), "done", "{l:?}");
        assert_eq!(l.get_i32("exit_code").unwrap_or(0), 0, "{l:?}");
        let h = holders(l);
        let last = pid_of(h.last().unwrap());
        if handed.iter().any(|id| id == l.get_str("_id").unwrap()) {
            // Taken over before the lease would have lapsed by itself: it was renewed at most a
            // quarter of its 30 s before the signal, so it had 22.5 s or more to run.
            assert_eq!(h.len(), 2, "{l:?}");
            assert_ne!(last, pid, "{l:?}");
            let claimed = l.get_i64("claimed_at").unwrap();
            assert!(
                claimed - signalled < 20_000,
                "taken over {} ms after the signal: {l:?}",
                claimed - signalled
            );
        } else {
            assert_eq!(h.len(), 1, "claimed more than once: {l:?}");
            // What it finished before the signal, it said as it went.
            let name = l.get_str("account_id").unwrap();
            assert_eq!(
                last == pid,
                said.contains(&format!("account '{name}', owner 'cron': ok")),
                "{name} in the stopped process's stderr:\n{said}"
            );
        }
    }
    // Every account exported exactly once, by the process its lease names as done, with exactly
    // the mock's records.
    for l in &leases {
        let name = l.get_str("account_id").unwrap();
        let dirs = account_dirs(&outs, N).remove(name).unwrap();
        let by = pid_of(holders(l).last().unwrap());
        let expected = if by == pid { &outs[0] } else { &outs[1] };
        assert_eq!(dirs, [expected.join(name).join("cron")], "{l:?}");
        assert_exact(&dirs[0]);
    }
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidated_account_and_one_without_scopes_are_reported_and_skipped() {
    let Some(base) = mongo_uri() else { return };
    let env = env(Duration::ZERO);
    let (uri, db) = fresh_db(&base);
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.database(&db);
    seed_tokens(&env, &db.collection(COLLECTION), 4, |i, d| match i {
        1 => {
            d.insert("token_invalidated", true);
        }
        2 => {
            d.get_document_mut("token")
                .unwrap()
                .insert("scope", "base,users:read");
        }
        _ => {}
    })
    .await;
    let out = env.path("out");
    let (code, err) = finish(start(&env, &uri, &out, "r1"), Duration::from_secs(120));
    assert_eq!(
        code,
        Some(4),
        "the most serious failure is the login: {err}"
    );
    assert!(
        err.contains("acct-001") && err.contains("exit 4") && err.contains("pipedrive login"),
        "{err}"
    );
    assert!(err.contains("acct-002") && err.contains("exit 5"), "{err}");
    // The last line names the failed accounts, so the end of a long log is enough.
    let last = err.lines().last().unwrap();
    assert!(
        last.contains("'acct-001' (exit 4), 'acct-002' (exit 5)"),
        "{last}"
    );
    // The two good accounts are exported; the others cost no refresh and no request.
    assert_exact(&out.join("acct-000/cron"));
    assert_exact(&out.join("acct-003/cron"));
    assert!(!out.join("acct-001").exists() && !out.join("acct-002").exists());
    assert_eq!(env.mock.refresh_count(), 2);
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("accounts.json")).unwrap()).unwrap();
    let results: Vec<(&str, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["result"].as_str().unwrap(),
                r["exit_code"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [("ok", 0), ("failed", 4), ("failed", 5), ("ok", 0)],
        "{rows:?}"
    );
    assert_eq!(rows[0]["records"], serde_json::json!(DEALS + PERSONS));
    assert!(rows[0]["tokens"].as_u64().unwrap() > 0);

    // The same round again: every account is done, nothing is exported twice.
    let (code, err) = finish(
        start(&env, &uri, &env.path("again"), "r1"),
        Duration::from_secs(60),
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(env.mock.refresh_count(), 2);

    // `accounts` lists the four, flags the invalidated one, never shows a token.
    let mut cmd = env.cmd(&["accounts", "--json"]);
    cmd.env("PIPEDRIVE_STORE", "mongo")
        .env("PIPEDRIVE_MONGO_URI", &uri);
    let listed = support::run_with_timeout(cmd, Duration::from_secs(60));
    assert_code(&listed, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1]["token_invalidated"], true);
    assert_eq!(rows[2]["scopes"], serde_json::json!(["base", "users:read"]));
    assert!(!support::stdout(&listed).contains("v1u:"));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_syncs_into_one_mongodb_output_each_record_under_its_account() {
    let Some(base) = mongo_uri() else { return };
    const N: usize = 3;
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: DEALS,
            persons: PERSONS,
            archived_deals: 0,
            deleted_deals: 0,
            ..Seed::default()
        },
        ..Config::default()
    });
    let (uri, db) = fresh_db(&base);
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.database(&db);
    seed_tokens(&env, &db.collection(COLLECTION), N, |_, _| {}).await;
    let sync = |round: &str| {
        let mut cmd = env.cmd(&[
            "export",
            "all",
            "--every-account",
            "--types",
            "deals,persons",
            "--output",
            &uri,
            "--round",
            round,
        ]);
        cmd.env("PIPEDRIVE_STORE", "mongo")
            .env("PIPEDRIVE_MONGO_URI", &uri)
            .env("PIPEDRIVE_TEST_TIME_SCALE", LEASE_SCALE);
        support::run_with_timeout(cmd, Duration::from_secs(120))
    };
    let out = sync("r1");
    assert_code(&out, 0);
    let records = db.collection::<Document>("pipedrive_records");
    for i in 0..N {
        for (kind, n) in [("deals", DEALS), ("persons", PERSONS)] {
            let filter = doc! {"account_id": account(i), "owner": "cron", "type": kind};
            let ids: Vec<u64> = records
                .find(filter)
                .await
                .unwrap()
                .try_collect::<Vec<Document>>()
                .await
                .unwrap()
                .iter()
                .map(|d| {
                    let id = d.get_document("data").unwrap().get("id").unwrap();
                    id.as_i64().or(id.as_i32().map(i64::from)).unwrap() as u64
                })
                .collect();
            assert_each_once(&ids, n);
        }
    }
    assert_eq!(env.mock.refresh_count(), N);
    // The same round again: every account is done, nothing is synced twice.
    assert_code(&sync("r1"), 0);
    assert_eq!(env.mock.refresh_count(), N);
    client.shutdown().await;
}

#[test]
fn accounts_lists_every_identity_of_the_file_store_without_secrets() {
    let env = TestEnv::new();
    env.login_as("acme", "web");
    env.login_as("beta", "cron");
    let out = env.run(&["accounts", "--json"]);
    assert_code(&out, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let who: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["account"].as_str().unwrap(), r["owner"].as_str().unwrap()))
        .collect();
    assert_eq!(who, [("acme", "web"), ("beta", "cron")]);
    assert!(rows
        .iter()
        .all(|r| r["store"] == "file" && r["token_invalidated"] == false));
    let text = env.run(&["accounts"]);
    assert_code(&text, 0);
    let shown = support::stdout(&text);
    assert!(shown.contains("acme") && shown.contains("beta"), "{shown}");
    for s in [support::stdout(&out), shown] {
        assert!(!s.contains("v1u:") && !s.contains("r:"), "a secret in {s}");
    }
}

/// The command line of the docs' Kubernetes CronJob and crontab line, as the CLI would parse it.
fn parses(args: &[&str]) {
    use clap::Parser;
    let argv = std::iter::once("pipedrive").chain(args.iter().copied());
    let cli = pipedrive_cli::cli::Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("{args:?} is not a valid command line: {e}"));
    let pipedrive_cli::cli::Command::Export(export) = cli.command else {
        panic!("{args:?} is not an export")
    };
    assert!(export.every_account && export.kind == "all", "{args:?}");
}

#[test]
fn the_kubernetes_manifest_and_the_crontab_line_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let text = std::fs::read_to_string(root.join("every-account-cronjob.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).expect("the manifest is JSON");
    assert_eq!(m["apiVersion"], "batch/v1");
    assert_eq!(m["kind"], "CronJob");
    let schedule = m["spec"]["schedule"].as_str().unwrap();
    assert_eq!(schedule.split_whitespace().count(), 5, "{schedule}");
    let job = &m["spec"]["jobTemplate"]["spec"];
    let n = job["parallelism"].as_u64().expect("parallelism");
    assert!(n >= 2 && job["completions"].as_u64() == Some(n), "{job}");
    assert_eq!(job["template"]["spec"]["restartPolicy"], "Never");
    let containers = job["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let args: Vec<&str> = containers[0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    parses(&args);
    let env: Vec<&str> = containers[0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(env.contains(&"PIPEDRIVE_MONGO_URI"), "{env:?}");
    // Every mount names a declared volume.
    let volumes: Vec<&str> = job["template"]["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    for mount in containers[0]["volumeMounts"].as_array().unwrap() {
        assert!(
            volumes.contains(&mount["name"].as_str().unwrap()),
            "{mount}"
        );
    }

    let guide = std::fs::read_to_string(root.join("EVERY-ACCOUNT.md")).unwrap();
    let line = guide
        .lines()
        .find(|l| l.starts_with("5 * * * * "))
        .expect("a crontab line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let start = words.iter().position(|w| *w == "pipedrive").unwrap() + 1;
    let end = words.iter().position(|w| w.starts_with(">>")).unwrap();
    parses(&words[start..end]);
}
