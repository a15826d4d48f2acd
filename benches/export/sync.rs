//! `BENCH_ONLY=sync`: `export deals --output mongodb://...` against the same export into a JSON
//! lines file, from the same mock in the same run.
//!
//! The server is PIPEDRIVE_TEST_MONGO_URI when set, else a secantusdb started here from the
//! venv `scripts/test.sh` creates (in memory, on a free port); only a server started here has
//! its CPU time measured (from `/proc`), which says whether the time goes to the client or the
//! server. `BENCH_SYNC_DEALS=N` (default 200000) sets the deals.
//!
//! A last row times the client alone: a proxy here answers the records' upserts as a server
//! would, storing nothing (`export/wire.rs`). `BENCH_SYNC_CLIENT_ONLY=1` runs only that row and
//! the file export, which at 200,000 deals saves the minutes secantusdb takes.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::wire::{self, Pass, Tap};
use super::{load, measure, median, ratio, Measured, World, BIG, LATENCY};

/// The records' collection a sync writes without `--collection`.
const RECORDS: &str = "pipedrive_records";

/// The MongoDB server the section writes to.
pub(super) struct Server {
    pub(super) uri: String,
    /// Our own secantusdb, whose CPU time we can read; `None` for PIPEDRIVE_TEST_MONGO_URI.
    child: Option<Child>,
}

impl Server {
    pub(super) fn start() -> Server {
        // The first, where `scripts/test.sh` set several.
        if let Some(uri) = std::env::var("PIPEDRIVE_TEST_MONGO_URI")
            .ok()
            .and_then(|u| u.split_whitespace().next().map(str::to_string))
        {
            return Server { uri, child: None };
        }
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/secantusd-py");
        assert!(
            bin.is_file(),
            "{} is missing: run scripts/test.sh once (it creates the venv), or set \
             PIPEDRIVE_TEST_MONGO_URI",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--storage-path", ":memory:", "--log-level", "WARNING"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start secantusd-py");
        let up = (0..300).any(|_| {
            std::thread::sleep(Duration::from_millis(100));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "secantusdb did not listen on {port} within 30 s");
        Server {
            uri: format!("mongodb://127.0.0.1:{port}/"),
            child: Some(child),
        }
    }

    /// A URI naming database `db` on this server.
    pub(super) fn db(&self, db: &str) -> String {
        let (base, query) = self.uri.split_once('?').unwrap_or((&self.uri, ""));
        let sep = if query.is_empty() { "" } else { "?" };
        format!("{}/{db}{sep}{query}", base.trim_end_matches('/'))
    }

    /// CPU time the server has used so far, if it is ours.
    pub(super) fn cpu(&self) -> Option<Duration> {
        let pid = self.child.as_ref()?.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One sync run and the server's CPU time during it.
struct Synced {
    m: Measured,
    server_cpu: Option<Duration>,
}

impl World {
    /// `export deals --output URI` with `extra`, while `server` is the one behind the URI.
    fn sync(&self, server: &Server, uri: &str, extra: &[&str]) -> Synced {
        let mut args = vec!["export", "deals", "--quiet", "--output", uri];
        args.extend_from_slice(extra);
        let before = (self.mock.stats(), server.cpu());
        let m = measure(self.cmd(&args));
        let after = (self.mock.stats(), server.cpu());
        let server_cpu = after.1.zip(before.1).map(|(a, b)| a.saturating_sub(b));
        eprintln!(
            "  sync {extra:?}: {:.2} s wall, {:.2} s client CPU, server CPU {:?}",
            m.wall.as_secs_f64(),
            m.cpu.as_secs_f64(),
            server_cpu
        );
        Synced {
            m: Measured {
                api_requests: after.0.api_requests - before.0.api_requests,
                ..m
            },
            server_cpu,
        }
    }
}

/// Answers each `update` of the records as a server answers a first sync, storing nothing; counts
/// the upserts answered.
struct Unstored(Arc<AtomicU64>);

impl Tap for Unstored {
    fn request(&self, msg: &[u8]) -> (Pass, Option<String>) {
        let reply = wire::command(msg)
            .filter(|cmd| cmd.get_str("update") == Ok(RECORDS))
            .and_then(wire::all_upserted);
        let pass = match reply {
            Some((reply, n)) => {
                self.0.fetch_add(n as u64, Ordering::Relaxed);
                Pass::Answer(wire::reply_to(msg, &reply))
            }
            None => Pass::Forward,
        };
        (pass, None)
    }
}

pub(super) fn section(repeat: usize) {
    let deals: u64 = std::env::var("BENCH_SYNC_DEALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(BIG);
    let server = Server::start();
    let world = World::new(deals);
    println!(
        "\n## Sync into MongoDB: {deals} deals, {} ms pages, against a JSON lines file\n",
        LATENCY.as_millis()
    );
    println!(
        "Server: {} (load average {} before the runs).\n",
        if server.child.is_some() {
            "secantusdb started by the bench, in memory"
        } else {
            "PIPEDRIVE_TEST_MONGO_URI"
        },
        load()
    );
    // The lists a sync reads: archived and deleted deals come with it.
    let file = median(repeat, || {
        world.export(&["deals", "--include-archived", "--include-deleted"])
    });
    let records = file.lines;
    // Minutes of secantusdb at 200,000 deals: `BENCH_SYNC_CLIENT_ONLY=1` leaves them out.
    let mut rows = Vec::new();
    if std::env::var_os("BENCH_SYNC_CLIENT_ONLY").is_none() {
        let uri = server.db(&format!("bench_sync_{}", std::process::id()));
        rows.push((
            "first sync (every document inserted)",
            world.sync(&server, &uri, &[]),
        ));
        let full = world.sync(&server, &uri, &["--full"]);
        rows.push(("`--full` again (every document matched)", full));
        rows.push((
            "incremental, nothing changed",
            world.sync(&server, &uri, &[]),
        ));
    }
    // The client alone: a proxy answers each `update` of the records as a server answers a
    // first sync, without storing anything; every other command reaches the server. Each run
    // into a database of its own, so each is a first sync; the median wall time is shown.
    let answered = Arc::new(AtomicU64::new(0));
    let port = wire::proxy(wire::port_of(&server.uri), Unstored(answered.clone()));
    let mut alone: Vec<Synced> = (0..repeat.max(1))
        .map(|run| {
            let db = format!("bench_sync_alone_{}_{run}", std::process::id());
            // Direct: a server that answers as a replica set member names its own address,
            // which the driver would otherwise use instead of the proxy.
            let uri = format!("mongodb://127.0.0.1:{port}/{db}?directConnection=true");
            world.sync(&server, &uri, &[])
        })
        .collect();
    assert_eq!(
        answered.load(Ordering::Relaxed),
        records * alone.len() as u64,
        "the proxy answers each record's upsert once"
    );
    alone.sort_by_key(|s| s.m.wall);
    let middle = alone.swap_remove(alone.len() / 2);
    rows.push((
        "first sync, the upserts answered unstored (the client alone)",
        middle,
    ));
    println!("| run | wall | wall / file | client CPU | CPU per record | CPU / file's | server CPU | API requests |");
    println!("|---|---|---|---|---|---|---|---|");
    let per = |m: &Measured| m.cpu.as_secs_f64() * 1e6 / records.max(1) as f64;
    println!(
        "| JSON lines file | {:.2} s | 1 | {:.2} s | {:.2} µs | 1 | | {} |",
        file.wall.as_secs_f64(),
        file.cpu.as_secs_f64(),
        per(&file),
        file.api_requests
    );
    for (name, s) in &rows {
        println!(
            "| {name} | {:.2} s | **{:.2}** | {:.2} s | {:.2} µs | **{:.2}** | {} | {} |",
            s.m.wall.as_secs_f64(),
            ratio(s.m.wall, file.wall),
            s.m.cpu.as_secs_f64(),
            per(&s.m),
            ratio(s.m.cpu, file.cpu),
            s.server_cpu.map_or("not measured".into(), |c| format!(
                "{:.2} s",
                c.as_secs_f64()
            )),
            s.m.api_requests
        );
    }
    println!(
        "\nCPU per record is over the {records} records of the file export, for every row \
         (the incremental run reads only the deleted list's few)."
    );
}
