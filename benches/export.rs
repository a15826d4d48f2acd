//! `cargo bench --bench export`: the release binary against the in-process mock Pipedrive.
//!
//! Runs `pipedrive export` as a user would (a token seeded in a file store, `--output FILE`) and
//! prints a Markdown report: wall time against the ideal (API round trips x latency), CPU time per
//! record and peak resident memory of the child (from `wait4`, so only the CLI is measured, not
//! the mock that shares this process), the mock's own time to build a page, `--version` start-up
//! time, offset-paged notes at `--concurrency 1` and at the default, and the sync into MongoDB
//! against the same export to a file (`export/sync.rs`), and every account of a token collection
//! run by several processes (`export/accounts.rs`).
//!
//! `BENCH_REPEAT=N` (default 3) runs each export N times and reports the median wall time.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipedrive_cli::secret::Secret;
use pipedrive_cli::store::file::FileStore;
use pipedrive_cli::token::Token;
use pipedrive_mock::{Config, Faults, MockPipedrive, ResetRounding, Seed, Window};

#[path = "export/accounts.rs"]
mod accounts;
#[path = "export/sync.rs"]
mod sync;
#[path = "export/wire.rs"]
mod wire;

/// Cargo builds this with the bench profile (release settings) before running the bench;
/// `BENCH_BIN=PATH` measures another build instead (`target/release/pipedrive`, as shipped).
fn bin() -> std::ffi::OsString {
    std::env::var_os("BENCH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_pipedrive").into())
}
const LATENCY: Duration = Duration::from_millis(10);
const BIG: u64 = 200_000;
const SMALL: u64 = 20_000;
const NOTES: u64 = 50_000;

/// A mock with a token for it in a private config dir.
struct World {
    mock: MockPipedrive,
    dir: tempfile::TempDir,
}

impl World {
    /// The mock's burst window (80 requests per 2 s, as `x-ratelimit-*` headers) is lifted: at
    /// 10 ms per request it, not the tool, would set the pace (see [`World::rate_limited`]).
    fn new(deals: u64) -> World {
        World::with(deals, Some(1_000_000))
    }

    /// The mock's default burst window of 80 requests per 2 s, which the client honours.
    fn rate_limited(deals: u64) -> World {
        World::with(deals, None)
    }

    fn with(deals: u64, burst_limit: Option<u64>) -> World {
        World::build(deals, burst_limit, LATENCY)
    }

    fn build(deals: u64, burst_limit: Option<u64>, latency: Duration) -> World {
        let faults = Faults {
            burst_limit,
            ..Faults::default()
        };
        World::build_with(deals, faults, latency)
    }

    fn build_with(deals: u64, faults: Faults, latency: Duration) -> World {
        let config = Config {
            seed: Seed {
                deals,
                notes: NOTES,
                ..Seed::default()
            },
            latency,
            faults,
            ..Config::default()
        };
        let world = World {
            mock: MockPipedrive::start(config),
            dir: tempfile::tempdir().expect("temp dir"),
        };
        // As `login` would store it (the same as the integration tests' `login_as`).
        let grant = world.mock.issue_token();
        let token = Token {
            access_token: Secret::new(grant.access_token),
            refresh_token: Secret::new(grant.refresh_token),
            expires_in: grant.expires_in as i64,
            generated_at: chrono::Utc::now().timestamp(),
            token_type: grant.token_type,
            scope: grant.scope,
            api_domain: grant.api_domain,
            extra: Default::default(),
        };
        FileStore::new(&world.dir.path().join("config"))
            .save_login("default", "default", &token)
            .expect("seed the file store");
        world
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let home = self.dir.path();
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("xdg"))
            .env("PIPEDRIVE_CONFIG_DIR", home.join("config"))
            .env("PIPEDRIVE_STORE", "file")
            .env("PIPEDRIVE_CLIENT_ID", "test-client")
            .env("PIPEDRIVE_CLIENT_SECRET", "test-secret")
            .env("PIPEDRIVE_OAUTH_URL", self.mock.url())
            .current_dir(home)
            .envs(std::env::vars_os().filter(|(k, _)| {
                // Allocator experiments: `GLIBC_TUNABLES=glibc.malloc.arena_max=1 cargo bench`.
                k.to_str()
                    .is_some_and(|k| k == "GLIBC_TUNABLES" || k.starts_with("MALLOC_"))
            }))
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        cmd
    }

    /// One export; `what` is the extra arguments after `export`.
    fn export(&self, what: &[&str]) -> Measured {
        let ext = if what.contains(&"csv") {
            "csv"
        } else {
            "jsonl"
        };
        let out = self.dir.path().join(format!("out.{ext}"));
        let mut args = vec!["export"];
        args.extend_from_slice(what);
        args.extend_from_slice(&["--quiet", "--output", out.to_str().unwrap()]);
        let before = self.mock.stats();
        let conns = self.mock.connections();
        let m = measure(self.cmd(&args));
        let after = self.mock.stats();
        let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        let lines = count_records(&out);
        let _ = std::fs::remove_file(&out);
        eprintln!(
            "  {what:?}: {:.2} s wall, {:.2} s CPU, {:.1} MB peak",
            m.wall.as_secs_f64(),
            m.cpu.as_secs_f64(),
            mb(m.max_rss_kb)
        );
        Measured {
            api_requests: after.api_requests - before.api_requests,
            connections: self.mock.connections() - conns,
            handler_micros: (after.handler_time - before.handler_time).as_secs_f64() * 1e6
                / (after.pages_served - before.pages_served).max(1) as f64,
            bytes,
            lines,
            ..m
        }
    }
}

impl World {
    /// `export all` into a fresh directory (JSON lines).
    fn export_all(&self) -> Measured {
        let dir = self.dir.path().join("all");
        let _ = std::fs::remove_dir_all(&dir);
        let m = measure(self.cmd(&[
            "export",
            "all",
            "--quiet",
            "--types",
            "deals,persons,organizations,notes,pipelines,stages,activities,products,users",
            "--output-dir",
            dir.to_str().unwrap(),
        ]));
        eprintln!("  [\"all\"]: {:.2} s wall", m.wall.as_secs_f64());
        let manifest = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
        assert!(manifest.contains("\"deals\""), "manifest lists deals");
        m
    }
}

impl World {
    /// A deals export as JSON lines into a file, with every id checked against 1..=`deals`.
    fn export_checked(&self, deals: u64, what: &[&str]) -> Checked {
        let out = self.dir.path().join("checked.jsonl");
        let mut args = vec!["export", "deals"];
        args.extend_from_slice(what);
        args.extend_from_slice(&["--quiet", "--output", out.to_str().unwrap()]);
        let before = self.mock.stats();
        let m = measure(self.cmd(&args));
        let after = self.mock.stats();
        let (missing, repeated) = id_check(&out, deals);
        let _ = std::fs::remove_file(&out);
        eprintln!(
            "  {what:?} ({deals} deals): {:.2} s wall, {:.1} MB peak, {} missing, {} repeated",
            m.wall.as_secs_f64(),
            mb(m.max_rss_kb),
            missing,
            repeated
        );
        Checked {
            m: Measured {
                api_requests: after.api_requests - before.api_requests,
                ..m
            },
            burst_429s: after.burst_429s - before.burst_429s,
            missing,
            repeated,
        }
    }
}

struct Checked {
    m: Measured,
    burst_429s: u64,
    missing: u64,
    repeated: u64,
}

/// Ids 1..=n missing from a JSON lines file, and ids written more than once.
fn id_check(path: &Path, n: u64) -> (u64, u64) {
    use std::io::BufRead;
    let mut seen = vec![0u8; n as usize + 1];
    let mut repeated = 0;
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("out"));
    for line in file.split(b'\n') {
        let line = line.expect("read");
        let Some(rest) = line.strip_prefix(b"{\"id\":") else {
            continue;
        };
        let digits: Vec<u8> = rest
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        let id: usize = std::str::from_utf8(&digits).unwrap().parse().unwrap();
        if id < seen.len() {
            if seen[id] > 0 {
                repeated += 1;
            }
            seen[id] = seen[id].saturating_add(1);
        }
    }
    let missing = seen[1..].iter().filter(|&&c| c == 0).count() as u64;
    (missing, repeated)
}

/// Slices under Pipedrive's real constraints, and the memory they take.
fn slices_section() {
    const DEALS: u64 = 100_000;
    const PAGE_LATENCY: Duration = Duration::from_millis(100);
    const BURST: u64 = 80;
    let pages = DEALS.div_ceil(500);
    println!(
        "\n## Slices: {DEALS} deals, {} ms pages, {BURST} requests per 2 s, 20 deals edited every 0.3 s\n",
        PAGE_LATENCY.as_millis()
    );
    println!(
        "*floor* = max(pages / rate, pages x latency / concurrency) with {pages} pages of 500 \
         and a rate of {} requests per second.\n",
        BURST / 2
    );
    println!("| --concurrency | wall | floor | wall / floor | requests | 429s | ids missing | ids repeated | peak RSS |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for c in [1u32, 4, 8, 16] {
        let world = World::build(DEALS, Some(BURST), PAGE_LATENCY);
        let editing = world
            .mock
            .edit_during_run("deals", 20, Duration::from_millis(300));
        let concurrency = c.to_string();
        let r = world.export_checked(DEALS, &["--concurrency", &concurrency]);
        drop(editing);
        let floor = Duration::from_secs_f64(
            (pages as f64 / (BURST / 2) as f64)
                .max(pages as f64 * PAGE_LATENCY.as_secs_f64() / f64::from(c)),
        );
        println!(
            "| {c} | {:.2} s | {:.2} s | **{:.3}** | {} | {} | {} | {} | {:.1} MB |",
            r.m.wall.as_secs_f64(),
            floor.as_secs_f64(),
            ratio(r.m.wall, floor),
            r.m.api_requests,
            r.burst_429s,
            r.missing,
            r.repeated,
            mb(r.m.max_rss_kb)
        );
    }
    println!(
        "\n## Peak resident memory with slices (--concurrency 4, 10 ms pages, no burst limit)\n"
    );
    println!("| deals | wall | peak RSS | ids missing | ids repeated |");
    println!("|---|---|---|---|---|");
    for n in [100_000u64, 1_000_000] {
        let world = World::build(n, Some(1_000_000), LATENCY);
        let r = world.export_checked(n, &["--concurrency", "4"]);
        println!(
            "| {n} | {:.2} s | **{:.1} MB** | {} | {} |",
            r.m.wall.as_secs_f64(),
            mb(r.m.max_rss_kb),
            r.missing,
            r.repeated
        );
    }
}

/// The same slices against every way a server may count its burst windows and round
/// `x-ratelimit-reset`. `BENCH_ROUNDS=N` (default 1) prints the table N times, to see the noise.
fn windows_section() {
    const DEALS: u64 = 100_000;
    const PAGE_LATENCY: Duration = Duration::from_millis(100);
    const BURST: u64 = 80;
    let pages = DEALS.div_ceil(500);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    println!(
        "\n## Pacing on every window model: {DEALS} deals, {} ms pages, {BURST} requests per 2 s enforced, 20 deals edited every 0.3 s\n",
        PAGE_LATENCY.as_millis()
    );
    println!(
        "*floor* = max(pages / rate, pages x latency / concurrency) with {pages} pages of 500 \
         and the announced rate of {} requests per second: the steady-rate floor. A fresh window \
         lets a client burst, so a run can beat it slightly.\n",
        BURST / 2
    );
    for round in 1..=rounds {
        if rounds > 1 {
            println!("Round {round} of {rounds} (load average {}):\n", load());
        }
        println!("| window | reset | --concurrency | wall | floor | wall / floor | requests | 429s | ids missing | ids repeated |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
        for (window, wname) in [
            (Window::FirstRequest, "fixed, from the first request"),
            (Window::Clock, "fixed, on the clock"),
            (Window::Sliding, "sliding"),
        ] {
            for (reset, rname) in [
                (ResetRounding::Up, "whole s, rounded up"),
                (ResetRounding::Down, "whole s, rounded down"),
                (ResetRounding::Fraction, "fractional"),
            ] {
                for c in [4u32, 8, 16] {
                    let faults = Faults {
                        burst_limit: Some(BURST),
                        burst_window: window,
                        burst_reset: reset,
                        ..Faults::default()
                    };
                    let world = World::build_with(DEALS, faults, PAGE_LATENCY);
                    let editing =
                        world
                            .mock
                            .edit_during_run("deals", 20, Duration::from_millis(300));
                    let concurrency = c.to_string();
                    let r = world.export_checked(DEALS, &["--concurrency", &concurrency]);
                    drop(editing);
                    let floor = Duration::from_secs_f64(
                        (pages as f64 / (BURST / 2) as f64)
                            .max(pages as f64 * PAGE_LATENCY.as_secs_f64() / f64::from(c)),
                    );
                    println!(
                        "| {wname} | {rname} | {c} | {:.2} s | {:.2} s | **{:.3}** | {} | {} | {} | {} |",
                        r.m.wall.as_secs_f64(),
                        floor.as_secs_f64(),
                        ratio(r.m.wall, floor),
                        r.m.api_requests,
                        r.burst_429s,
                        r.missing,
                        r.repeated,
                    );
                }
            }
        }
        println!();
    }
}

#[derive(Default, Clone)]
struct Measured {
    wall: Duration,
    cpu: Duration,
    max_rss_kb: u64,
    api_requests: u64,
    connections: usize,
    handler_micros: f64,
    bytes: u64,
    lines: u64,
}

/// Runs the child through a fresh copy of this executable (`--measure`, see [`trampoline`]) and
/// reads back its wall time, CPU time and peak RSS.
fn measure(cmd: Command) -> Measured {
    let mut outer = Command::new(std::env::current_exe().expect("own path"));
    outer
        .arg("--measure")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = cmd.get_current_dir() {
        outer.current_dir(dir);
    }
    let out = outer.output().expect("run the measuring trampoline");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pipedrive failed ({}):\n{}",
        text.trim(),
        String::from_utf8_lossy(&out.stderr)
    );
    let n: Vec<u64> = text
        .split_whitespace()
        .map(|w| w.parse().expect("trampoline output"))
        .collect();
    Measured {
        wall: Duration::from_nanos(n[0]),
        cpu: Duration::from_nanos(n[1]),
        max_rss_kb: n[2],
        ..Measured::default()
    }
}

/// `--measure PROGRAM ARGS...`: runs PROGRAM and prints `wall_ns cpu_ns max_rss_kb`.
///
/// Linux carries the peak RSS of the memory image a process `exec`s from into its `ru_maxrss`,
/// and `std::process::Command` spawns with `vfork` semantics, so a child spawned straight from
/// the benchmark (which holds the mock and its pages) would report the benchmark's own peak. This
/// small process, started before it allocates anything, is the parent instead. `wait4` gives
/// that one child's CPU time and peak RSS (std has neither; `getrusage(RUSAGE_CHILDREN)` folds
/// in every child ever waited for).
fn trampoline(args: &[std::ffi::OsString]) -> ! {
    let started = Instant::now();
    let child = Command::new(&args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn pipedrive");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data, filled by wait4 for our own child (std never reaps it: we do
    // not call `Child::wait`).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(rc, pid, "wait4 failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    // Linux reports kilobytes.
    println!("{} {} {}", wall.as_nanos(), cpu.as_nanos(), usage.ru_maxrss);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    std::process::exit(if ok { 0 } else { 1 });
}

/// Records in the output: JSON lines, or CSV rows (cells may hold newlines) plus the header.
fn count_records(path: &Path) -> u64 {
    if path.extension().is_some_and(|e| e == "csv") {
        let Ok(mut rdr) = csv::ReaderBuilder::new().has_headers(false).from_path(path) else {
            return 0;
        };
        return rdr.records().count() as u64;
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return 0;
    };
    let (mut buf, mut n) = (vec![0u8; 1 << 16], 0);
    loop {
        match std::io::Read::read(&mut file, &mut buf) {
            Ok(0) | Err(_) => return n,
            Ok(len) => n += buf[..len].iter().filter(|&&c| c == b'\n').count() as u64,
        }
    }
}

/// Runs `f` `n` times; the run with the median wall time, and the highest peak RSS seen.
fn median(n: usize, mut f: impl FnMut() -> Measured) -> Measured {
    let mut runs: Vec<Measured> = (0..n.max(1)).map(|_| f()).collect();
    let peak = runs.iter().map(|m| m.max_rss_kb).max().unwrap_or(0);
    runs.sort_by_key(|m| m.wall);
    Measured {
        max_rss_kb: peak,
        ..runs[runs.len() / 2].clone()
    }
}

/// A runtime for plain reqwest, a token of the world's mock, and the URL of `path` there.
fn plain_client(world: &World, path: &str) -> (tokio::runtime::Runtime, String, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // reqwest is built without a crypto provider of its own (see `http::http_client`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = world.mock.issue_token().access_token;
    (rt, token, format!("{}{path}", world.mock.url()))
}

/// What one round trip costs on this machine without the tool: sequential keep-alive GETs of a
/// tiny answer (3 pipelines) with plain reqwest, so the mock's latency timer, the loopback and the
/// scheduler (busy when others compile on the same cores) are all in it.
fn round_trip_floor(world: &World) -> Duration {
    let (rt, token, url) = plain_client(world, "/api/v2/pipelines");
    rt.block_on(async {
        let client = reqwest::Client::new();
        let n = 100;
        let started = Instant::now();
        for _ in 0..n {
            let resp = client.get(&url).bearer_auth(&token).send().await;
            resp.expect("GET").bytes().await.expect("body");
        }
        started.elapsed() / n
    })
}

/// The same export with no tool: plain reqwest walks every page of `/api/v2/deals` one after
/// another (the cursor found with a byte search, nothing parsed or written), `repeat` times,
/// median. What a client that does nothing but fetch takes: the round trips plus receiving each
/// ~0.5 MB page, on this machine, now.
fn bare_walk(world: &World, limit: u32, repeat: usize) -> (Duration, u64) {
    let (rt, token, url) = plain_client(world, "/api/v2/deals");
    let mut runs: Vec<(Duration, u64)> = (0..repeat.max(1))
        .map(|_| {
            rt.block_on(async {
                let client = reqwest::Client::new();
                let started = Instant::now();
                let (mut cursor, mut pages) = (None::<String>, 0u64);
                loop {
                    let mut req = client
                        .get(&url)
                        .bearer_auth(&token)
                        .query(&[("limit", limit.to_string())]);
                    if let Some(c) = &cursor {
                        req = req.query(&[("cursor", c)]);
                    }
                    let body = req.send().await.expect("GET").bytes().await.expect("body");
                    pages += 1;
                    cursor = next_cursor(&body);
                    if cursor.is_none() {
                        return (started.elapsed(), pages);
                    }
                }
            })
        })
        .collect();
    runs.sort();
    runs[runs.len() / 2]
}

/// `"next_cursor":"..."` off the end of an answer; `None` for `null` or no key.
fn next_cursor(body: &[u8]) -> Option<String> {
    let key = b"\"next_cursor\":\"";
    let at = body.windows(key.len()).rposition(|w| w == key)? + key.len();
    let end = body[at..].iter().position(|&c| c == b'"')?;
    Some(String::from_utf8_lossy(&body[at..at + end]).into_owned())
}

fn ideal(m: &Measured) -> Duration {
    LATENCY * m.api_requests as u32
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gb = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cpus} CPUs ({model}), {mem_gb:.1} GiB RAM, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "--measure") {
        trampoline(&args[1..]);
    }
    // `cargo bench` passes `--bench`; a filter or other libtest flags mean nothing here.
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    println!("# Export benchmark\n");
    println!("- machine: {}", machine());
    println!("- load average at start: {}", load());
    println!(
        "- mock latency {} ms per API request; each export run {repeat}x, median wall time shown\n",
        LATENCY.as_millis()
    );

    // `BENCH_ONLY=slices` runs the slices and their memory alone; `BENCH_ONLY=single` the single
    // cursor and its memory; `BENCH_ONLY=windows` the pacing on every window model;
    // `BENCH_ONLY=sync` the sync into MongoDB against a file; `BENCH_ONLY=accounts` every
    // account of a token collection by 1, 4 and 8 processes.
    if std::env::var("BENCH_ONLY").is_ok_and(|v| v == "accounts") {
        accounts::section();
        println!("\n- load average at end: {}", load());
        return;
    }
    if std::env::var("BENCH_ONLY").is_ok_and(|v| v == "slices") {
        slices_section();
        println!("\n- load average at end: {}", load());
        return;
    }
    if std::env::var("BENCH_ONLY").is_ok_and(|v| v == "windows") {
        windows_section();
        println!("\n- load average at end: {}", load());
        return;
    }
    if std::env::var("BENCH_ONLY").is_ok_and(|v| v == "sync") {
        sync::section(repeat);
        println!("\n- load average at end: {}", load());
        return;
    }
    let big = World::new(BIG);
    let small = World::new(SMALL);

    let floor = round_trip_floor(&small);
    let (bare, bare_pages) = bare_walk(&big, 500, repeat);
    let mut rows = Vec::new();
    for (name, format) in [("JSON lines", "jsonl"), ("CSV", "csv")] {
        // The single cursor (`--concurrency 1`): what one cursor's pipeline achieves.
        let one = ["deals", "--concurrency", "1", "--format", format];
        let b = median(repeat, || big.export(&one));
        let s = median(repeat, || small.export(&one));
        let header = u64::from(format == "csv");
        assert_eq!(b.lines, BIG + header, "{name}: every deal written");
        assert_eq!(s.lines, SMALL + header, "{name}: every deal written");
        rows.push((name, b, s));
    }

    println!("## Deals, one cursor (`--concurrency 1`, pages of 500), {BIG} records\n");
    println!(
        "| format | wall | ideal (requests x latency) | wall / ideal | wall / floor \
         | wall / bare walk | CPU per record | HTTP connections | output |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, b, _) in &rows {
        // The mock builds a page within its latency, so the floor is the bare round trip alone.
        let with_mock = floor * b.api_requests as u32;
        // The bare walk makes the list's requests only (CSV also reads the field definitions).
        let walk = bare * b.api_requests as u32 / bare_pages as u32;
        println!(
            "| {name} | {:.2} s | {:.2} s ({} requests) | **{:.3}** | {:.3} | **{:.3}** | {:.2} µs | {} | {:.0} MB |",
            b.wall.as_secs_f64(),
            ideal(b).as_secs_f64(),
            b.api_requests,
            ratio(b.wall, ideal(b)),
            ratio(b.wall, with_mock),
            ratio(b.wall, walk),
            b.cpu.as_secs_f64() * 1e6 / BIG as f64,
            b.connections,
            b.bytes as f64 / 1e6,
        );
    }
    let only_single = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "single");
    if !only_single {
        let limited = World::rate_limited(BIG);
        let l = limited.export(&["deals", "--concurrency", "1", "--format", "jsonl"]);
        println!(
            "\nWith the mock's default burst window (80 requests per 2 s, announced in \
         `x-ratelimit-remaining`, which the client honours) the same JSON lines export takes \
         {:.2} s, {:.3} x the ideal: {} requests need at least {} windows.",
            l.wall.as_secs_f64(),
            ratio(l.wall, ideal(&l)),
            l.api_requests,
            l.api_requests.div_ceil(80)
        );
    }
    println!(
        "\n*floor*: requests x (one bare round trip on this machine, {:.2} ms measured with plain \
         reqwest against the same mock; the mock builds each page within its latency).",
        floor.as_secs_f64() * 1e3
    );
    println!(
        "\n*bare walk*: the same {bare_pages} pages fetched one after another by plain reqwest, \
         each body received and the cursor found by a byte search, nothing parsed or written: \
         {:.2} s ({:.2} ms per page). The floor a single cursor can reach on this machine.",
        bare.as_secs_f64(),
        bare.as_secs_f64() * 1e3 / bare_pages as f64
    );
    println!("\n## Peak resident memory\n");
    println!("| format | {SMALL} deals | {BIG} deals | ratio |");
    println!("|---|---|---|---|");
    for (name, b, s) in &rows {
        println!(
            "| {name} | {:.1} MB | {:.1} MB | **{:.3}** |",
            mb(s.max_rss_kb),
            mb(b.max_rss_kb),
            b.max_rss_kb as f64 / s.max_rss_kb as f64
        );
    }
    if only_single {
        println!("\n- load average at end: {}", load());
        return;
    }
    println!("\n## The mock\n");
    for (name, b, _) in &rows {
        println!(
            "- mean time to build one page (500 deals) during the {name} run: {:.0} µs, \
             against {} ms of latency per request",
            b.handler_micros,
            LATENCY.as_millis()
        );
    }

    println!("\n## Notes (v1 offset pages of 500), {NOTES} records\n");
    println!("| --concurrency | wall | sequential ideal | wall / sequential ideal | most requests in flight at the mock | mock build time per page |");
    println!("|---|---|---|---|---|---|");
    for (label, extra) in [
        ("1", &["--concurrency", "1"][..]),
        ("default (4)", &[][..]),
        ("8", &["--concurrency", "8"][..]),
    ] {
        let mut args = vec!["notes"];
        args.extend_from_slice(extra);
        let fresh = World::new(1);
        let m = median(repeat, || fresh.export(&args));
        assert_eq!(m.lines, NOTES, "every note written");
        println!(
            "| {label} | {:.2} s | {:.2} s ({} requests) | **{:.3}** | {} | {:.0} µs |",
            m.wall.as_secs_f64(),
            ideal(&m).as_secs_f64(),
            m.api_requests,
            ratio(m.wall, ideal(&m)),
            fresh.mock.max_in_flight(),
            m.handler_micros
        );
    }

    // `export all` fetches types concurrently within the rate limit; compare with one at a time.
    println!("\n## `export all` against the nine single exports ({SMALL} deals, {NOTES} notes, default seed otherwise)\n");
    let world = World::new(SMALL);
    // The first nine types of the table, the ones `export all` is compared on.
    let singles: Duration = pipedrive_cli::api::resources::RESOURCES[..9]
        .iter()
        .map(|r| median(repeat, || world.export(&[r.name])).wall)
        .sum();
    let all = median(repeat, || world.export_all());
    println!("| run | wall |\n|---|---|");
    println!(
        "| nine single exports, one after another | {:.2} s |",
        singles.as_secs_f64()
    );
    println!(
        "| `export all --output-dir DIR` | {:.2} s (**{:.2}** x the sum) |",
        all.wall.as_secs_f64(),
        ratio(all.wall, singles)
    );

    let runs = 50;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let status = big.cmd(&["--version"]).status().expect("run --version");
            assert!(status.success());
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "\n## Start-up\n\n- `pipedrive --version`: median {:.2} ms, max {:.2} ms over {runs} runs",
        times[runs / 2].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3
    );
    slices_section();
    windows_section();
    sync::section(repeat);
    println!("\n- load average at end: {}", load());
}
