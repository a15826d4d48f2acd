//! Fault injection: the real binary against a mock that fails on purpose. Transient faults must
//! cost nothing (every record exactly once, exit 0); faults that do not pass must end loudly with
//! the documented exit code, leaving no partial `--output` file and no temporary file.
//!
//! Each run prints `FAULT <name> <type>/<format>: injected K expected N written M duplicates D
//! exit C`; `cargo test --test it faults -- --nocapture` collects them for docs/FAULTS.md.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::*;

/// 50 pages of 40: as many requests (and so as many injected faults) as 5000 records in pages of
/// 100, for a fifth of the records to encode and decode.
const RECORDS: u64 = 2000;
const PAGE: &str = "40";

fn big_seed() -> Config {
    Config {
        seed: Seed {
            deals: RECORDS,
            notes: RECORDS,
            ..Seed::default()
        },
        ..Config::default()
    }
}

/// The ids of an export: from stdout (jsonl) or from `--output` (csv).
fn ids_of(out: &Output, format: &str, file: &Path) -> Vec<u64> {
    match format {
        "jsonl" => jsonl_ids(&stdout(out)),
        _ => csv_ids(&std::fs::read_to_string(file).expect("the --output file")),
    }
}

fn duplicates(ids: &[u64]) -> usize {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).filter(|w| w[0] == w[1]).count()
}

/// Exports `kind` as `format` with `faults` on from the first API request; asserts exit 0 and
/// every id exactly once, and prints the report line.
fn survives(name: &str, faults: Faults, kind: &str, format: &str) {
    survives_at(name, faults, kind, format, "4");
}

fn survives_at(name: &str, faults: Faults, kind: &str, format: &str, concurrency: &str) {
    let env = TestEnv::with(Config {
        faults,
        ..big_seed()
    });
    env.login();
    let file = env.path(&format!("{kind}.{format}"));
    let file_arg = file.to_str().unwrap();
    let mut args = vec!["export", kind, "--format", format, "--limit", PAGE];
    args.extend(["--concurrency", concurrency]);
    if format == "csv" {
        args.extend(["--output", file_arg]);
    }
    let out = env.run(&args);
    let injected = env
        .mock
        .requests()
        .iter()
        .filter(|r| r.fault.is_some())
        .count();
    let ids = if out.status.success() {
        ids_of(&out, format, &file)
    } else {
        Vec::new()
    };
    println!(
        "FAULT {name} {kind}/{format}: injected {injected} expected {RECORDS} written {} \
         duplicates {} exit {}",
        ids.len(),
        duplicates(&ids),
        out.status.code().unwrap_or(-1)
    );
    assert_code(&out, 0);
    assert!(injected > 0, "the fault never fired");
    assert_each_once(&ids, RECORDS);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    if format == "csv" {
        assert_eq!(
            files_in(env.dir.path())
                .iter()
                .filter(|f| f.ends_with(".partial"))
                .count(),
            0
        );
    }
}

fn survives_everywhere(name: &str, faults: Faults) {
    for (kind, format) in [
        ("deals", "jsonl"),
        ("deals", "csv"),
        ("notes", "jsonl"),
        ("notes", "csv"),
    ] {
        survives(name, faults.clone(), kind, format);
    }
}

#[test]
fn status_500_every_7th_request() {
    survives_everywhere(
        "http_500_every_7th",
        Faults {
            status_every: Some((7, 500)),
            ..Faults::default()
        },
    );
}

#[test]
fn status_502_every_7th_request() {
    survives_everywhere(
        "http_502_every_7th",
        Faults {
            status_every: Some((7, 502)),
            ..Faults::default()
        },
    );
}

#[test]
fn dropped_connection_every_7th_request() {
    survives_everywhere(
        "dropped_connection_every_7th",
        Faults {
            drop_every: Some(7),
            ..Faults::default()
        },
    );
}

#[test]
fn burst_429_every_9th_request() {
    survives_everywhere(
        "burst_429_every_9th",
        Faults {
            burst_429_every: Some(9),
            ..Faults::default()
        },
    );
}

#[test]
fn truncated_body_every_7th_request() {
    survives_everywhere(
        "truncated_body_every_7th",
        Faults {
            truncate_every: Some(7),
            ..Faults::default()
        },
    );
}

#[test]
fn success_false_every_7th_request() {
    survives_everywhere(
        "success_false_200_every_7th",
        Faults {
            success_false_every: Some(7),
            ..Faults::default()
        },
    );
}

#[test]
fn every_fault_at_once() {
    let faults = Faults {
        status_every: Some((5, 503)),
        drop_every: Some(7),
        burst_429_every: Some(11),
        success_false_every: Some(13),
        truncate_every: Some(17),
        ..Faults::default()
    };
    // Nearly half of all request numbers fail here. One request at a time retries on
    // consecutive numbers, which never fail 7 times in a row; parallel slices or prefetched
    // offset pages draw numbers scattered among the others' and can meet 7 failures in a row,
    // which the retry policy rightly reports (exit 75; CI met it once with notes at 4). Requests
    // in parallel meet each fault on its own in the tests above.
    for format in ["jsonl", "csv"] {
        for kind in ["deals", "notes"] {
            survives_at("all_of_them_mixed", faults.clone(), kind, format, "1");
        }
    }
}

/// A failing run: the exit code, the message, and the time it took.
fn fails(env: &TestEnv, args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = env.run(args);
    let took = started.elapsed();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    (out, took)
}

fn report_failure(name: &str, out: &Output, expected: &str) {
    let line = stderr(out);
    let last = line.lines().last().unwrap_or("");
    println!(
        "FAULT {name}: expected {expected} got exit {}: {last}",
        out.status.code().unwrap_or(-1)
    );
}

#[test]
fn an_exhausted_daily_budget_exits_75_at_once_saying_when() {
    let env = TestEnv::with(Config {
        faults: Faults {
            daily_budget_exhausted: true,
            ..Faults::default()
        },
        ..big_seed()
    });
    env.login();
    // The harness sets --max-wait 10; the budget resets in an hour.
    let (out, took) = fails(&env, &["export", "deals"]);
    report_failure("daily_budget_exhausted", &out, "exit 75");
    assert_code(&out, 75);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let err = stderr(&out);
    assert!(err.contains("daily"), "{err}");
    assert!(err.contains("try again after"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        env.api_requests().len(),
        1,
        "a budget that is gone is not asked again"
    );
}

#[test]
fn a_server_error_that_never_stops_exits_75_after_bounded_retries() {
    let env = TestEnv::with(Config {
        faults: Faults {
            status_every: Some((1, 503)),
            ..Faults::default()
        },
        ..big_seed()
    });
    env.login();
    let (out, took) = fails(&env, &["export", "deals", "--max-wait", "1", "-v"]);
    report_failure("http_503_forever", &out, "exit 75");
    assert_code(&out, 75);
    let err = stderr(&out);
    let last = err.lines().last().unwrap();
    assert!(
        last.contains("/api/v2/deals") && last.contains("503"),
        "{err}"
    );
    assert!(last.contains("gave up after"), "{err}");
    let tries = env.api_requests().len();
    assert!((3..=10).contains(&tries), "{tries} attempts");
    // Each backoff is logged (`retrying GET ... in 0.6s: ...`) and capped by --max-wait.
    let waits: Vec<f64> = err
        .lines()
        .filter_map(|l| l.split("retrying GET /api/v2/deals in ").nth(1))
        .map(|rest| rest.split('s').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(waits.len(), tries - 1, "{err}");
    assert!(
        waits.iter().all(|w| *w <= 1.0),
        "backoff beyond --max-wait: {waits:?}"
    );
    assert!(
        waits.iter().any(|w| *w > 0.0),
        "no backoff at all: {waits:?}"
    );
    // Generous: the point is that it ends, not how fast the machine is.
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn remaining_zero_pauses_instead_of_provoking_a_429() {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: 2000,
            ..Seed::default()
        },
        faults: Faults {
            burst_limit: Some(4),
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    // The mock's burst window lasts 2 real seconds: this test needs the pauses at full length.
    let mut cmd = env.cmd(&["export", "deals", "--limit", "200"]);
    cmd.env("PIPEDRIVE_TEST_TIME_SCALE", "1");
    let out = run_with_timeout(cmd, Duration::from_secs(120));
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), 2000);
    let served_429 = env
        .api_requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    println!(
        "FAULT burst_window_4_per_2s deals/jsonl: 429s served {served_429} expected 2000 \
         written 2000 duplicates 0 exit 0"
    );
    assert_eq!(served_429, 0, "the client ran into the burst limit");
}

/// What an earlier successful run left in the output file.
const OLD: &[u8] = b"id\n1\nan earlier export, byte for byte\n";

fn assert_untouched(env: &TestEnv, file: &Path) {
    assert_eq!(
        std::fs::read(file).unwrap(),
        OLD,
        "the old --output file changed"
    );
    let names = files_in(env.dir.path());
    assert!(
        !names.iter().any(|n| n.ends_with(".partial")),
        "temporary files left: {names:?}"
    );
}

#[test]
fn a_failed_run_leaves_the_old_output_file_as_it_was() {
    for (name, faults, code) in [
        (
            "failure_mid_export_keeps_old_file",
            Faults {
                status_every: Some((1, 500)),
                ..Faults::default()
            },
            75,
        ),
        (
            "revoked_token_keeps_old_file",
            Faults {
                revoked: true,
                ..Faults::default()
            },
            4,
        ),
    ] {
        for format in ["jsonl", "csv"] {
            // Slow pages, so the fault surely comes while the export is under way.
            let env = TestEnv::with(Config {
                latency: Duration::from_millis(50),
                ..big_seed()
            });
            env.login();
            let file = env.path(&format!("deals.{format}"));
            std::fs::write(&file, OLD).unwrap();
            // Healthy for the first pages, then the fault: the failure comes mid-export.
            env.mock.set_faults(Faults::default());
            let file_arg = file.to_str().unwrap().to_string();
            let mut cmd = env.cmd(&[
                "export",
                "deals",
                "--format",
                format,
                "--limit",
                "100",
                "--max-wait",
                "1",
                "--output",
                &file_arg,
            ]);
            // Turn the fault on once a few pages have been served.
            let child = {
                use std::process::Stdio;
                cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
                cmd.spawn().unwrap()
            };
            assert!(wait_for(Duration::from_secs(60), || env
                .api_requests()
                .len()
                >= 3));
            env.mock.set_faults(faults.clone());
            let out = run_to_end(child);
            report_failure(&format!("{name} ({format})"), &out, &format!("exit {code}"));
            assert_code(&out, code);
            assert!(!stderr(&out).contains("panicked"));
            assert_untouched(&env, &file);
        }
    }
}

#[test]
fn sigint_during_a_slow_export_leaves_no_partial_file() {
    stopped_mid_export("INT", 130);
}

#[test]
fn sigterm_during_a_slow_export_leaves_no_partial_file() {
    stopped_mid_export("TERM", 143);
}

/// `kill -SIGNAL` mid-export: the old file stays, no new or temporary file appears.
fn stopped_mid_export(signal: &str, code: i32) {
    let env = TestEnv::with(Config {
        latency: Duration::from_millis(200),
        ..big_seed()
    });
    env.login();
    let file = env.path("deals.csv");
    let fresh = env.path("fresh.jsonl");
    std::fs::write(&file, OLD).unwrap();
    for (target, format) in [(&file, "csv"), (&fresh, "jsonl")] {
        let target_arg = target.to_str().unwrap().to_string();
        let mut cmd = env.cmd(&[
            "export",
            "deals",
            "--format",
            format,
            "--limit",
            "10",
            "--output",
            &target_arg,
        ]);
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let before = env.api_requests().len();
        let child = cmd.spawn().unwrap();
        // Mid-export: a couple of pages are through and the temporary file exists.
        assert!(wait_for(Duration::from_secs(60), || {
            env.api_requests().len() >= before + 2
        }));
        let pid = child.id().to_string();
        assert!(std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap()
            .success());
        let out = run_to_end(child);
        println!(
            "FAULT sig{}_mid_export ({format}): expected exit {code} got exit {}",
            signal.to_lowercase(),
            out.status.code().unwrap_or(-1)
        );
        assert_code(&out, code);
        assert!(!stderr(&out).contains("panicked"));
    }
    assert_untouched(&env, &file);
    assert!(!fresh.exists(), "a partial output file appeared");
}

fn run_to_end(child: std::process::Child) -> Output {
    let (tx, rx) = std::sync::mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &id.to_string()])
                .status();
            panic!("pipedrive did not stop");
        }
    }
}

/// Pagination that would loop forever if believed: a clear error naming the endpoint instead.
fn refuses_to_loop(name: &str, faults: Faults, kind: &str, endpoint: &str, code: i32) {
    let env = TestEnv::with(Config {
        faults,
        ..big_seed()
    });
    env.login();
    let file = env.path("out.jsonl");
    std::fs::write(&file, OLD).unwrap();
    let (out, took) = fails(
        &env,
        &[
            "export",
            kind,
            "--limit",
            "100",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    report_failure(name, &out, &format!("exit {code}"));
    assert_code(&out, code);
    let err = stderr(&out);
    assert!(
        err.contains(endpoint),
        "the message names the endpoint: {err}"
    );
    assert!(err.lines().count() <= 3, "a short message: {err}");
    assert!(env.api_requests().len() < 50, "it went on asking");
    assert!(took < Duration::from_secs(60));
    assert_untouched(&env, &file);
}

#[test]
fn a_repeated_cursor_is_an_error_not_a_loop() {
    refuses_to_loop(
        "repeated_cursor",
        Faults {
            repeat_cursor: true,
            ..Faults::default()
        },
        "deals",
        "/api/v2/deals",
        1,
    );
}

#[test]
fn a_next_start_that_does_not_advance_is_an_error_not_a_loop() {
    refuses_to_loop(
        "stuck_next_start",
        Faults {
            stuck_next_start: true,
            ..Faults::default()
        },
        "notes",
        "/api/v1/notes",
        1,
    );
}

#[test]
fn a_page_of_the_wrong_shape_is_an_error_naming_the_endpoint() {
    refuses_to_loop(
        "wrong_json_shape",
        Faults {
            wrong_shape: true,
            ..Faults::default()
        },
        "deals",
        "/api/v2/deals",
        1,
    );
}
