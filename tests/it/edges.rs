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

/// Every API answer is `answer`; the run is `args` at the harness's scaled waits.
fn run_against(answer: RawAnswer, args: &[&str]) -> (TestEnv, Output) {
    let env = TestEnv::with(Config {
        faults: Faults {
            raw: Some(answer),
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    let out = env.run(args);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    (env, out)
}

#[test]
fn a_429_of_the_daily_budget_is_said_as_such_and_not_retried() {
    let body = r#"{"success":false,"error":"Too many requests"}"#;
    for answer in [
        // The budget headers say it, though the wait is short.
        RawAnswer::new(429, body)
            .header("x-daily-ratelimit-token-remaining", "0")
            .header("retry-after", "5"),
        // No budget headers: the wait says it.
        RawAnswer::new(429, body).header("retry-after", "3939"),
    ] {
        let (env, out) = run_against(answer, &["export", "deals"]);
        assert_code(&out, 75);
        let err = stderr(&out);
        assert!(err.contains("daily token budget spent"), "{err}");
        assert!(err.contains("try again after"), "{err}");
        assert_eq!(env.api_requests().len(), 1, "asked again: {err}");
    }
}

#[test]
fn a_403_page_from_the_api_edge_is_a_rate_limit_stop_not_a_missing_scope() {
    let page = RawAnswer::new(
        403,
        "<!DOCTYPE html><html><head><title>403 Forbidden</title></head>\
         <body><h1>Access denied</h1></body></html>",
    )
    .header("content-type", "text/html; charset=UTF-8");
    let (_env, out) = run_against(page.clone(), &["export", "deals"]);
    assert_code(&out, 75);
    assert!(
        stderr(&out).contains("blocked for sending too fast"),
        "{}",
        stderr(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let (_env, out) = run_against(page, &["export", "all", "--output-dir", dir_arg]);
    assert_code(&out, 75);
    assert!(
        stderr(&out).contains("blocked for sending too fast"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("manifest.json").exists());
}

#[test]
fn max_tokens_stops_before_the_request_that_would_pass_it_committing_nothing() {
    for concurrency in ["1", "8"] {
        let env = TestEnv::with(Config {
            seed: Seed {
                deals: 3000,
                ..Seed::default()
            },
            ..Config::default()
        });
        env.login();
        let state = env.path("state.json");
        let file = env.path("deals.jsonl");
        let (state_arg, file_arg) = (state.to_str().unwrap(), file.to_str().unwrap());
        let first = env.run(&["export", "deals", "--state", state_arg, "-o", file_arg]);
        assert_code(&first, 0);
        let (state_before, file_before) = (
            std::fs::read(&state).unwrap(),
            std::fs::read(&file).unwrap(),
        );
        env.mock.add_records("deals", 2000);
        let used_before = env.mock.stats().daily_tokens_used;
        let out = env.run(&[
            "export",
            "deals",
            "--state",
            state_arg,
            "-o",
            file_arg,
            "--limit",
            "100",
            "--concurrency",
            concurrency,
            "--max-tokens",
            "55",
        ]);
        assert_code(&out, 75);
        let err = stderr(&out);
        assert!(err.contains("--max-tokens 55"), "{err}");
        let spent = env.mock.stats().daily_tokens_used - used_before;
        assert!(
            (10..=55).contains(&spent),
            "concurrency {concurrency}: the run spent {spent} tokens"
        );
        assert_eq!(
            std::fs::read(&state).unwrap(),
            state_before,
            "--state moved"
        );
        assert_eq!(
            std::fs::read(&file).unwrap(),
            file_before,
            "output replaced"
        );
        // The environment variable sets it too.
        let mut cmd = env.cmd(&["export", "deals", "--limit", "100"]);
        cmd.env("PIPEDRIVE_MAX_TOKENS", "15");
        let out = run_with_timeout(cmd, Duration::from_secs(120));
        assert_code(&out, 75);
        assert!(stderr(&out).contains("--max-tokens 15"), "{}", stderr(&out));
    }
}

#[test]
fn without_budget_headers_the_reserve_is_a_no_op_said_under_verbose() {
    let env = TestEnv::with(Config {
        faults: Faults {
            no_daily_headers: true,
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    let out = env.run(&["export", "deals", "-v", "--budget-reserve", "99"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), Seed::default().deals);
    let err = stderr(&out);
    assert_eq!(
        err.matches("no daily budget headers").count(),
        1,
        "said once: {err}"
    );
}

/// A mock whose company is on a plan below Growth, answering deal installments with `status`.
fn below_growth(status: u16) -> TestEnv {
    let env = TestEnv::with(Config {
        below_growth: Some(status),
        ..Config::default()
    });
    env.login();
    env
}

#[test]
fn export_all_skips_a_type_the_plan_lacks_and_names_it_when_asked_for() {
    for status in [402, 403] {
        let env = below_growth(status);
        let dir = env.path("out");
        let dir_arg = dir.to_str().unwrap();
        let out = env.run(&["export", "all", "--output-dir", dir_arg]);
        assert_code(&out, 0);
        let err = stderr(&out);
        let line = err
            .lines()
            .find(|l| l.contains("skipped deal-installments"))
            .unwrap_or_else(|| panic!("{status}: no skip line: {err}"));
        assert!(line.contains("plan"), "{line}");
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
                .unwrap();
        let why = manifest["skipped"]["deal-installments"].as_str().unwrap();
        assert!(why.contains("plan"), "{why}");
        assert!(dir.join("deals.jsonl").exists());
        assert!(!dir.join("deal-installments.jsonl").exists());

        for args in [
            vec!["export", "deal-installments"],
            vec![
                "export",
                "all",
                "--output-dir",
                dir_arg,
                "--types",
                "deals,deal-installments",
            ],
        ] {
            let out = env.run(&args);
            assert_code(&out, 5);
            assert!(stderr(&out).contains("plan"), "{args:?}: {}", stderr(&out));
        }
    }
}

/// Requests a run sent to one list path, counted at the mock.
fn asked(env: &TestEnv, path: &str) -> usize {
    env.mock
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .count()
}

/// v1 lists have no total: pages past the end are guesses, and each costs 20 tokens. Three
/// pages of notes (250 in pages of 100 that overlap by one) at `--concurrency 8` must not send
/// seven guesses at once after the first page; a long list still reads pages side by side.
#[test]
fn offset_pages_do_not_guess_far_past_the_end_of_a_short_list() {
    let env = TestEnv::with(Config {
        seed: Seed {
            notes: 250,
            ..Seed::default()
        },
        latency: Duration::from_millis(30),
        ..Config::default()
    });
    env.login();
    let out = env.run(&[
        "export",
        "notes",
        "--limit",
        "100",
        "--concurrency",
        "8",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 250);
    let n = asked(&env, "/api/v1/notes");
    assert!(n <= 4, "{n} requests for 3 pages of notes");

    // 30 pages: the reads still overlap (more than one in flight at a time).
    let env = TestEnv::with(Config {
        seed: Seed {
            notes: 2_950,
            ..Seed::default()
        },
        latency: Duration::from_millis(30),
        ..Config::default()
    });
    env.login();
    let out = env.run(&[
        "export",
        "notes",
        "--limit",
        "100",
        "--concurrency",
        "8",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2_950);
    let n = asked(&env, "/api/v1/notes");
    assert!(n <= 30 + 4, "{n} requests for 30 pages of notes");
    assert!(env.mock.max_in_flight() >= 4, "pages read one at a time");
}
