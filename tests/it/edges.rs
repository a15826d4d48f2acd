//! The real API's edges: waits the server asks for that must not be slept, budgets that stop a
//! run before it starts a request, answers of the API's edge and of plans without a feature.
//! The binary runs against the mock with full-length waits where a hang is what is tested.

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// Waits for a child, killing it after `limit` (then the test fails saying so).
fn finish_within(child: Child, limit: Duration) -> Output {
    let (tx, rx) = std::sync::mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &id.to_string()])
                .status();
            let out = rx.recv().unwrap().unwrap();
            let err = stderr(&out);
            let tail: Vec<&str> = err.lines().rev().take(15).collect();
            panic!("pipedrive still running {limit:?} after the long 429: {tail:#?}");
        }
    }
}

/// The answer of an exhausted daily budget as Pipedrive's documentation double sends it: a 429
/// with a long `retry-after` and no burst headers at all.
fn long_429() -> Faults {
    Faults {
        raw: Some(
            RawAnswer::new(429, r#"{"success":false,"error":"Too many requests"}"#)
                .header("retry-after", "3939"),
        ),
        ..Faults::default()
    }
}

/// Starts `args` at full-length waits, turns the long 429 on once a few requests are through
/// (so requests of other slices or types are in flight), and returns how the run ended and how
/// long it took from the first 429.
fn ended_by_long_429(args: &[&str]) -> (Output, Duration) {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: 3000,
            persons: 3000,
            notes: 3000,
            ..Seed::default()
        },
        latency: Duration::from_millis(40),
        ..Config::default()
    });
    env.login();
    let mut cmd = env.cmd(args);
    cmd.env("PIPEDRIVE_TEST_TIME_SCALE", "1")
        .env("PIPEDRIVE_MAX_WAIT", "60")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    assert!(wait_for(Duration::from_secs(60), || env
        .api_requests()
        .len()
        >= 4));
    env.mock.set_faults(long_429());
    let from = Instant::now();
    let out = finish_within(child, Duration::from_secs(40));
    (out, from.elapsed())
}

#[test]
fn a_429_asking_for_an_hour_ends_the_run_with_75_at_any_concurrency() {
    for concurrency in ["1", "8"] {
        for all in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let dir_arg = dir.path().to_str().unwrap().to_string();
            let mut args = vec!["export", "--limit", "50", "--concurrency", concurrency];
            if all {
                args.extend(["all", "--output-dir", &dir_arg]);
            } else {
                args.push("deals");
            }
            let (out, took) = ended_by_long_429(&args);
            let err = stderr(&out);
            assert_code(&out, 75);
            assert!(
                took < Duration::from_secs(10),
                "{args:?}: took {took:?} after the 429: {err}"
            );
            assert!(err.contains("try again after"), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}
