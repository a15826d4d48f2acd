//! `BENCH_ONLY=accounts`: `export all --every-account` over many identities of one MongoDB token
//! collection, run by 1, 4 and 8 processes at once, and what the leases cost MongoDB.
//!
//! Every identity is a token of the same mock (one company's data, read once per identity), with
//! the mock's burst limit lifted: real companies each have their own, and one shared limit would
//! measure the mock, not the round. The processes reach MongoDB through a counting proxy in this
//! process, which reads each command's collection from the wire (OP_MSG), so the leases' own
//! requests are counted apart from the token store's.
//!
//! `BENCH_ACCOUNTS=N` (default 200) and `BENCH_ACCOUNT_DEALS=N` (default 2000) set the round.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mongodb::bson::{doc, Document};
use pipedrive_cli::store::mongo::COLLECTION;

use super::sync::Server;
use super::wire::{self, Pass, Tap};
use super::{load, measure, median, World};

const PAGE_LATENCY: Duration = Duration::from_millis(100);
/// `--accounts-concurrency`'s default.
const PER_PROCESS: u32 = 4;

/// MongoDB commands seen on the wire, by collection (or by command name when it names none),
/// and the documents `find` and `getMore` returned, under "documents COLLECTION".
#[derive(Clone, Default)]
struct Counts(Arc<Mutex<BTreeMap<String, u64>>>);

impl Counts {
    fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap().clone()
    }

    fn add(&self, key: String, n: u64) {
        *self.0.lock().unwrap().entry(key).or_default() += n;
    }
}

impl Tap for Counts {
    /// A command's first element names the command and, for collection commands, holds the
    /// collection.
    fn request(&self, msg: &[u8]) -> (Pass, Option<String>) {
        let Some(cmd) = wire::command(msg) else {
            return (Pass::Forward, None);
        };
        let Some(Ok((name, value))) = cmd.iter().next() else {
            return (Pass::Forward, None);
        };
        // A cursor's next batch names its collection in a later field.
        let coll = if name == "getMore" {
            cmd.get_str("collection").ok()
        } else {
            value.as_str()
        };
        let key = coll.map_or_else(|| format!("({name})"), str::to_string);
        let label = matches!(name, "find" | "getMore").then(|| format!("documents {key}"));
        self.add(key, 1);
        (Pass::Forward, label)
    }

    fn reply(&self, label: &str, reply: &[u8]) {
        self.add(label.to_string(), wire::batch_len(reply) as u64);
    }
}

/// CPU time (user + system) of this process (the mock's threads) and of its waited-for children.
fn cpu_times() -> (Duration, Duration) {
    let of = |who| {
        // SAFETY: getrusage writes into the zeroed struct we own.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut u) };
        let t = |tv: libc::timeval| {
            Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64)
        };
        t(u.ru_utime) + t(u.ru_stime)
    };
    (of(libc::RUSAGE_SELF), of(libc::RUSAGE_CHILDREN))
}

/// `n` identities, `acct-000`..., each with a fresh grant of the mock, in the token collection.
fn seed(rt: &tokio::runtime::Runtime, world: &World, uri: &str, db: &str, n: usize) {
    let docs: Vec<Document> = (0..n)
        .map(|i| {
            let g = world.mock.issue_token();
            doc! {
                "account_id": format!("acct-{i:03}"), "owner": "cron",
                "token": { "access_token": g.access_token, "refresh_token": g.refresh_token,
                           "expires_in": g.expires_in as i64,
                           "generated_at": chrono::Utc::now().timestamp(),
                           "token_type": g.token_type, "scope": g.scope,
                           "api_domain": g.api_domain },
                "token_invalidated": false,
            }
        })
        .collect();
    rt.block_on(async {
        let client = mongodb::Client::with_uri_str(uri).await.expect("connect");
        client
            .database(db)
            .collection::<Document>(COLLECTION)
            .insert_many(docs)
            .await
            .expect("seed the token collection");
        client.shutdown().await;
    });
}

/// Leases of `round` marked done, from the server directly (not through the proxy).
fn done(rt: &tokio::runtime::Runtime, uri: &str, db: &str, round: &str) -> u64 {
    rt.block_on(async {
        let client = mongodb::Client::with_uri_str(uri).await.expect("connect");
        let n = client
            .database(db)
            .collection::<Document>("pipedrive_leases")
            .count_documents(doc! { "round": round, "state": "done" })
            .await
            .expect("count leases");
        client.shutdown().await;
        n
    })
}

pub(super) fn section() {
    let accounts: usize = std::env::var("BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let deals: u64 = std::env::var("BENCH_ACCOUNT_DEALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let server = Server::start();
    let counts = Counts::default();
    let port = wire::proxy(wire::port_of(&server.uri), counts.clone());
    let world = World::build(deals, Some(1_000_000), PAGE_LATENCY);
    let db = format!("bench_accounts_{}", std::process::id());
    let direct = server.db(&db);
    // Direct: a server that answers as a replica set member names its own address, which the
    // driver would otherwise use instead of the proxy.
    let proxied = format!("mongodb://127.0.0.1:{port}/{db}?directConnection=true");
    seed(&rt, &world, &direct, &db, accounts);

    println!(
        "\n## Every account: {accounts} identities of {deals} deals, {} ms pages, \
         `--accounts-concurrency {PER_PROCESS}`\n",
        PAGE_LATENCY.as_millis()
    );
    println!(
        "`export all --every-account --types deals --output-dir DIR --round R`, started in N \
         processes at once; secantusdb in memory on this machine (load average {} before the \
         runs).\n",
        load()
    );
    // One account's `export all --types deals` alone, from a file store: what a slot spends on
    // an account when nothing else runs.
    let alone = median(3, || {
        let dir = world.dir.path().join("alone");
        let _ = std::fs::remove_dir_all(&dir);
        measure(world.cmd(&[
            "export",
            "all",
            "--types",
            "deals",
            "--quiet",
            "--output-dir",
            dir.to_str().unwrap(),
        ]))
    })
    .wall;
    println!(
        "*ideal* = accounts x one account's export alone ({:.2} s, `export all --types deals` \
         from a file store, process start included) / (N x {PER_PROCESS}): every slot always \
         busy and nothing shared. *lease*, *token* and *refresh claim* commands: what the round \
         sent to `pipedrive_leases`, the token collection and `pipedrive_refresh_claims`, per \
         account; *lease documents read*: the leases the looks at the round returned (their `find` \
         and `getMore` batches), per account.\n",
        alone.as_secs_f64()
    );
    println!("| processes | wall | ideal | wall / ideal | speed-up over 1 process | API requests per account | lease commands | lease documents read | token commands | refresh claim commands | CPU: pipedrive / mock and proxy / MongoDB | accounts done |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut one_process = None;
    for processes in [1u32, 4, 8] {
        let round = format!("bench-{processes}");
        let out = world.dir.path().join(format!("every-{processes}"));
        let before = (
            world.mock.stats(),
            counts.snapshot(),
            server.cpu(),
            cpu_times(),
        );
        let start = Instant::now();
        let children: Vec<Child> = (0..processes)
            .map(|_| {
                let mut cmd = world.cmd(&[
                    "export",
                    "all",
                    "--every-account",
                    "--types",
                    "deals",
                    "--quiet",
                    "--output-dir",
                    out.to_str().unwrap(),
                    "--round",
                    &round,
                ]);
                cmd.env("PIPEDRIVE_STORE", "mongo")
                    .env("PIPEDRIVE_MONGO_URI", &proxied)
                    .stderr(Stdio::inherit());
                cmd.spawn().expect("start pipedrive")
            })
            .collect();
        for mut child in children {
            let status = child.wait().expect("wait for pipedrive");
            assert!(status.success(), "a process of the round failed: {status}");
        }
        let wall = start.elapsed();
        let after = (
            world.mock.stats(),
            counts.snapshot(),
            server.cpu(),
            cpu_times(),
        );
        let finished = done(&rt, &direct, &db, &round);
        let requests = after.0.api_requests - before.0.api_requests;
        let per_account = requests as f64 / accounts as f64;
        let commands = |coll: &str| {
            (after.1.get(coll).copied().unwrap_or(0) - before.1.get(coll).copied().unwrap_or(0))
                as f64
                / accounts as f64
        };
        let ideal = alone.mul_f64(accounts as f64 / f64::from(processes * PER_PROCESS));
        let first = *one_process.get_or_insert(wall);
        let server_cpu = after.2.zip(before.2).map(|(a, b)| a.saturating_sub(b));
        // Every account's file holds every deal.
        let mut short = 0;
        for i in 0..accounts {
            let file = out.join(format!("acct-{i:03}/cron/deals.jsonl"));
            let lines = std::fs::read(&file)
                .map(|b| b.iter().filter(|&&c| c == b'\n').count() as u64)
                .unwrap_or(0);
            short += u64::from(lines != deals);
        }
        assert_eq!(short, 0, "{short} accounts without exactly {deals} deals");
        eprintln!(
            "  {processes} processes: {:.2} s; MongoDB commands so far: {:?}",
            wall.as_secs_f64(),
            after.1
        );
        let cpu = format!(
            "{:.1} s / {:.1} s / {}",
            (after.3 .1 - before.3 .1).as_secs_f64(),
            (after.3 .0 - before.3 .0).as_secs_f64(),
            server_cpu.map_or("not measured".into(), |c| format!(
                "{:.1} s",
                c.as_secs_f64()
            ))
        );
        println!(
            "| {processes} | {:.2} s | {:.2} s | **{:.2}** | {:.2} | {per_account:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {cpu} | {finished} of {accounts} |",
            wall.as_secs_f64(),
            ideal.as_secs_f64(),
            wall.as_secs_f64() / ideal.as_secs_f64(),
            first.as_secs_f64() / wall.as_secs_f64(),
            commands("pipedrive_leases"),
            commands("documents pipedrive_leases"),
            commands(COLLECTION),
            commands("pipedrive_refresh_claims"),
        );
        let _ = std::fs::remove_dir_all(&out);
    }
    println!(
        "\nLease commands are the claims, renewals, round reads (with their `getMore`s) and \
         finishes of every process, the waits at the round's end included; token and refresh \
         claim commands are each account's token read and its refresh (every run refreshes \
         first) under a claim. CPU: the pipedrive processes' own, this bench process's (the \
         mock and the proxy) and secantusdb's, over the round, against the machine's {} CPUs \
         x wall.",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}
