//! `cargo bench --bench sinks`: CPU per record of the output sinks alone, without the network.
//!
//! Fetches v2 deals and their field definitions once from the in-process mock Pipedrive (the same
//! records an export reads), then runs each sink over them as `export` does, into a file (CSV also
//! through its spill file), and prints microseconds per record and records per second for JSON
//! lines and CSV, with the API's keys and with `--field-names`.
//!
//! The time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), so other processes on a shared
//! machine slow the figures little; wall time is shown beside it. `BENCH_RECORDS=N` (default
//! 50000) records per run; each figure is the best of `BENCH_REPEAT=N` (default 5) runs.

use std::io::BufWriter;
use std::sync::Arc;
use std::time::Instant;

use pipedrive_cli::api::fields::FieldMap;
use pipedrive_cli::choices::Format;
use pipedrive_cli::output::{self, Relabel, SinkOptions};
use pipedrive_mock::{Config, MockPipedrive, Seed};

/// Distinct deals fetched; the runs cycle through them.
const FETCH: u64 = 5_000;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `data` records of every page of `path`, and the records of its field definitions.
fn fetch(mock: &MockPipedrive) -> (Vec<String>, Vec<String>) {
    let grant = mock.issue_token();
    let base = grant.api_domain.trim_end_matches('/').to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // reqwest is built without a crypto provider (see `http::http_client`).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let all = |path: &'static str| {
            let http = http.clone();
            let base = base.clone();
            let token = grant.access_token.clone();
            async move {
                let mut records = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let mut req = http
                        .get(format!("{base}{path}"))
                        .bearer_auth(&token)
                        .query(&[("limit", "500")]);
                    if let Some(c) = &cursor {
                        req = req.query(&[("cursor", c)]);
                    }
                    let bytes = req.send().await.unwrap().bytes().await.unwrap();
                    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    for r in body["data"].as_array().expect("a list") {
                        records.push(r.to_string());
                    }
                    cursor = body["additional_data"]["next_cursor"]
                        .as_str()
                        .map(str::to_string);
                    if cursor.is_none() {
                        return records;
                    }
                }
            }
        };
        let deals = all("/api/v2/deals").await;
        let fields = all("/api/v2/dealFields").await;
        (deals, fields)
    })
}

/// This thread's CPU time in seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Runs one sink over `n` records into a temporary file, as `export` feeds it; returns (CPU
/// seconds, wall seconds).
fn run(
    format: Format,
    fields: Option<Arc<dyn Relabel>>,
    records: &[String],
    n: usize,
) -> (f64, f64) {
    let file = tempfile::tempfile().unwrap();
    let out = BufWriter::with_capacity(1 << 16, file);
    let start = Instant::now();
    let cpu = thread_cpu();
    let options = SinkOptions {
        excel: false,
        relabel: fields,
    };
    let mut sink = output::sink_with(format, out, "bench".into(), options).unwrap();
    for rec in records.iter().cycle().take(n) {
        sink.write(rec).unwrap();
    }
    sink.finish().unwrap();
    drop(sink);
    (thread_cpu() - cpu, start.elapsed().as_secs_f64())
}

fn main() {
    let n = env_or("BENCH_RECORDS", 50_000);
    let repeat = env_or("BENCH_REPEAT", 5).max(1);
    let mock = MockPipedrive::start(Config {
        seed: Seed {
            deals: FETCH,
            ..Seed::default()
        },
        ..Config::default()
    });
    let (deals, defs) = fetch(&mock);
    assert_eq!(deals.len() as u64, FETCH, "every deal fetched");
    let names: Arc<dyn Relabel> =
        Arc::new(FieldMap::from_definitions(defs.iter().map(String::as_str), true).unwrap());
    let bytes: usize = deals.iter().map(String::len).sum();

    println!("# Sink benchmark\n");
    println!(
        "- {n} v2 deals per run (the mock's {FETCH} distinct deals, {} bytes of JSON each on average), best of {repeat} runs",
        bytes / deals.len()
    );
    println!("- output to a buffered temporary file; CSV includes its spill file and `finish`\n");
    println!("| format | keys | CPU us/record | records/s (CPU) | wall us/record |");
    println!("|---|---|---:|---:|---:|");
    for (format, name) in [(Format::Jsonl, "JSON lines"), (Format::Csv, "CSV")] {
        for (fields, keys) in [
            (None, "raw (`--raw-keys`)"),
            (Some(&names), "`--field-names`"),
        ] {
            let runs: Vec<(f64, f64)> = (0..repeat)
                .map(|_| run(format, fields.cloned(), &deals, n))
                .collect();
            let cpu = runs.iter().map(|r| r.0).fold(f64::INFINITY, f64::min) / n as f64;
            let wall = runs.iter().map(|r| r.1).fold(f64::INFINITY, f64::min) / n as f64;
            println!(
                "| {name} | {keys} | {:.2} | {:.0} | {:.2} |",
                cpu * 1e6,
                1.0 / cpu,
                wall * 1e6
            );
        }
    }
}
