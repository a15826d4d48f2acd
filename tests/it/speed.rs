//! Speed as a user sees it: cursor lists read in update-time slices (each record once while
//! records are edited), pacing under the burst limit, the daily budget's reserve, requests and
//! tokens in the summary line and manifest, and producers that cannot end a list quietly.
//! Counts come from what the mock saw, never from timings.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::*;

fn deals(n: u64, latency_ms: u64) -> TestEnv {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: n,
            ..Seed::default()
        },
        latency: Duration::from_millis(latency_ms),
        ..Config::default()
    });
    env.login();
    env
}

/// `n` deals behind an enforced burst limit of `limit` per 2 s, exported with `args` after
/// `export deals` at real time (the mock's windows last 2 real seconds); every deal once.
fn export_under_burst_limit(n: u64, latency_ms: u64, limit: u64, args: &[&str]) -> TestEnv {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: n,
            ..Seed::default()
        },
        latency: Duration::from_millis(latency_ms),
        faults: Faults {
            burst_limit: Some(limit),
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    let mut cmd = env.cmd(&[&["export", "deals"][..], args].concat());
    cmd.env("PIPEDRIVE_TEST_TIME_SCALE", "1");
    let out = run_with_timeout(cmd, Duration::from_secs(120));
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), n);
    env
}

fn deal_pages(env: &TestEnv) -> Vec<pipedrive_mock::RecordedRequest> {
    env.requests_to("/api/v2/deals")
}

#[test]
fn slices_write_each_deal_once_while_deals_are_edited() {
    let env = deals(6000, 10);
    // A burst limit far above what 8 workers ask for, announced as such: pacing stays out of
    // the way.
    env.mock.set_faults(Faults {
        burst_limit: Some(1_000_000),
        ..Faults::default()
    });
    let file = env.path("deals.jsonl");
    // 20 deals get a new update time every 20 ms: they leave their slice, often before its
    // worker got there, and only the catch-up pass finds them again.
    let editing = env
        .mock
        .edit_during_run("deals", 20, Duration::from_millis(20));
    let out = env.run(&[
        "export",
        "deals",
        "--limit",
        "50",
        "--concurrency",
        "8",
        "--output",
        file.to_str().unwrap(),
    ]);
    let edits = editing.count();
    drop(editing);
    assert_code(&out, 0);
    assert!(edits > 0, "no edits happened during the run");
    let ids = jsonl_ids(&std::fs::read_to_string(&file).unwrap());
    assert_each_once(&ids, 6000);

    let pages = deal_pages(&env);
    let sliced = pages
        .iter()
        .filter(|r| r.param("updated_until").is_some())
        .count();
    assert!(
        sliced > 8,
        "the list was read in slices: {sliced} sliced pages"
    );
    assert!(pages
        .iter()
        .all(|r| r.param("sort_by") == Some("update_time")));
    // The catch-up pass: open-ended pages from the newest update time the run started with.
    let catch_up = pages
        .iter()
        .filter(|r| r.param("updated_until").is_none() && r.param("updated_since").is_some())
        .count();
    assert!(catch_up >= 1, "no catch-up pass");
    assert!(
        env.mock.max_in_flight() >= 4,
        "slices in parallel: at most {} requests at once",
        env.mock.max_in_flight()
    );
}

#[test]
fn a_large_slice_is_cut_again_for_idle_workers() {
    let env = deals(4000, 2);
    // One deal updated now: the newest update time is far past the others, so the first cut
    // leaves the last slice nearly empty and its worker idle while the others hold the rest.
    env.mock.touch("deals", &[17]);
    let out = env.run(&["export", "deals", "--limit", "100", "--concurrency", "4"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), 4000);
    let ranges: BTreeSet<(String, String)> = deal_pages(&env)
        .iter()
        .filter_map(|r| {
            Some((
                r.param("updated_since")?.to_string(),
                r.param("updated_until")?.to_string(),
            ))
        })
        .collect();
    assert!(
        ranges.len() > 4,
        "the first 4 slices were cut again: {ranges:?}"
    );
}

#[test]
fn a_burst_limit_that_cannot_use_more_cursors_gets_no_more() {
    // 20 requests per 2 s at 50 ms a page: one or two requests in flight use the whole rate.
    // Sixteen cursors would only wait for it, each adding a partial last page.
    let env = export_under_burst_limit(1500, 50, 20, &["--limit", "50", "--concurrency", "16"]);
    let sliced = deal_pages(&env)
        .iter()
        .filter(|r| r.param("updated_until").is_some())
        .count();
    assert!(sliced > 4, "read in slices: {sliced} sliced pages");
    let most = env.mock.max_in_flight();
    assert!(most <= 4, "{most} requests in flight under 20 per 2 s");
}

#[test]
fn concurrency_1_keeps_the_single_cursor() {
    let env = deals(1500, 0);
    let out = env.run(&["export", "deals", "--concurrency", "1"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), 1500);
    let pages = deal_pages(&env);
    assert_eq!(pages.len(), 3);
    assert!(pages
        .iter()
        .all(|r| r.param("updated_until").is_none() && r.param("sort_by").is_none()));
}

#[test]
fn few_429s_under_the_burst_limit_at_concurrency_8() {
    let env = export_under_burst_limit(2000, 5, 30, &["--limit", "40", "--concurrency", "8"]);
    let stats = env.mock.stats();
    assert!(
        stats.api_requests > 50,
        "more requests than one window holds: {}",
        stats.api_requests
    );
    assert!(
        stats.burst_429s <= 2,
        "{} 429s for {} requests at a limit of 30 per 2 s",
        stats.burst_429s,
        stats.api_requests
    );
}

#[test]
fn every_burst_window_model_draws_few_429s_and_each_deal_once() {
    use pipedrive_mock::{ResetRounding, Window};
    // Servers may count fixed windows from a first request, fixed windows on the clock or
    // sliding windows, and round the reset up, down or not at all: the pace must hold for all.
    let runs: Vec<(String, u64, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = [Window::FirstRequest, Window::Clock, Window::Sliding]
            .into_iter()
            .flat_map(|w| {
                [
                    ResetRounding::Up,
                    ResetRounding::Down,
                    ResetRounding::Fraction,
                ]
                .map(|r| (w, r))
            })
            .map(|(window, reset)| {
                scope.spawn(move || {
                    let env = TestEnv::with(Config {
                        seed: Seed {
                            deals: 2000,
                            ..Seed::default()
                        },
                        latency: Duration::from_millis(20),
                        faults: Faults {
                            burst_limit: Some(20),
                            burst_window: window,
                            burst_reset: reset,
                            ..Faults::default()
                        },
                        ..Config::default()
                    });
                    env.login();
                    let mut cmd =
                        env.cmd(&["export", "deals", "--limit", "50", "--concurrency", "8"]);
                    // The mock's windows last 2 real seconds: pauses at full length.
                    cmd.env("PIPEDRIVE_TEST_TIME_SCALE", "1");
                    let out = run_with_timeout(cmd, Duration::from_secs(180));
                    assert_code(&out, 0);
                    assert_each_once(&jsonl_ids(&stdout(&out)), 2000);
                    let stats = env.mock.stats();
                    (
                        format!("{window:?}/{reset:?}"),
                        stats.api_requests,
                        stats.burst_429s,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (model, requests, too_many) in &runs {
        assert!(
            *requests > 40,
            "{model}: {requests} requests, fewer than 2 windows"
        );
        // A client that ignored the window would draw hundreds (8 workers at 20 ms a page
        // against 20 per 2 s). A few can come from the machine: nine exports at once on two
        // cores delay a request's arrival past the pacer's 0.1 s margin now and then.
        assert!(
            *too_many <= 3,
            "{model}: {too_many} 429s for {requests} requests at 20 per 2 s"
        );
    }
}

#[test]
fn the_budget_reserve_stops_with_exit_75_saying_what_is_left() {
    let env = deals(3000, 0);
    env.mock.set_faults(Faults {
        daily_budget: Some(10_000),
        ..Faults::default()
    });
    // Other integrations spent most of today's budget: 1,200 tokens are left, 1,000 of them
    // (10%) are the reserve, so about 20 deal pages of 10 tokens fit.
    env.mock.set_daily_used(8_800);
    let file = env.path("deals.jsonl");
    std::fs::write(&file, "an earlier export\n").unwrap();
    let out = env.run(&[
        "export",
        "deals",
        "--limit",
        "100",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_code(&out, 75);
    let err = stderr(&out);
    assert!(err.contains("of 10000 tokens left"), "{err}");
    assert!(err.contains("--budget-reserve 10%"), "{err}");
    assert!(
        env.mock.stats().daily_tokens_used <= 9_000,
        "the reserve was spent: {} of 10000 used",
        env.mock.stats().daily_tokens_used
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "an earlier export\n"
    );
    // A lower reserve lets the same export finish.
    let out = env.run(&["--budget-reserve", "0", "export", "deals", "--limit", "500"]);
    assert_code(&out, 0);
}

/// `(requests, tokens)` from `... (N API requests, T tokens)`.
fn cost_in(line: &str) -> (u64, u64) {
    let inner = line.rsplit('(').next().unwrap();
    let nums: Vec<u64> = inner
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (nums[0], nums[1])
}

#[test]
fn the_summary_line_and_manifest_show_requests_and_tokens() {
    let env = deals(1203, 0);
    let out = env.run(&["export", "deals", "--concurrency", "1"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("exported 1203 deals"))
        .unwrap_or_else(|| panic!("no summary line: {err}"));
    let stats = env.mock.stats();
    // Three pages of v2 deals at 10 tokens each (the spec's x-token-cost).
    assert_eq!(cost_in(line), (3, 30), "{line}");
    assert_eq!(stats.daily_tokens_used, 30);

    let dir = env.path("all");
    let before = env.mock.stats();
    let out = env.run(&[
        "export",
        "all",
        "--types",
        "deals,notes,users",
        "--output-dir",
        dir.to_str().unwrap(),
    ]);
    assert_code(&out, 0);
    let after = env.mock.stats();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let (requests, tokens) = (
        after.api_requests - before.api_requests,
        after.daily_tokens_used - before.daily_tokens_used,
    );
    // The run counts a request when it sends it: a page fetched ahead and cancelled (notes past
    // the last page) may count without the mock having seen it, never the other way round.
    let (counted, spent) = (
        manifest["requests"].as_u64().unwrap(),
        manifest["tokens"].as_u64().unwrap(),
    );
    assert!(
        (requests..=requests + 4).contains(&counted),
        "{counted} requests counted, the mock saw {requests}"
    );
    assert!(
        (tokens..=tokens + 4 * 20).contains(&spent),
        "{spent} tokens counted, the mock charged {tokens}"
    );
    let line = stderr(&out)
        .lines()
        .find(|l| l.contains(" types to "))
        .map(str::to_string)
        .expect("a summary line for export all");
    assert_eq!(cost_in(&line), (counted, spent), "{line}");

    // --quiet: nothing at all.
    let out = env.run(&["--quiet", "export", "deals"]);
    assert_code(&out, 0);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn a_cursor_that_keeps_answering_empty_pages_is_stopped() {
    for concurrency in ["1", "4"] {
        let env = deals(1000, 0);
        env.mock.set_faults(Faults {
            endless_empty_pages: true,
            ..Faults::default()
        });
        let out = env.run(&["export", "deals", "--concurrency", concurrency]);
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains("/api/v2/deals") && err.contains("empty pages"),
            "{err}"
        );
        let asked = deal_pages(&env).len();
        assert!(
            (2..=30).contains(&asked),
            "--concurrency {concurrency}: stopped after {asked} requests"
        );
    }
}

#[test]
fn a_page_task_that_fails_or_panics_is_an_error_not_an_empty_export() {
    // An absurd retry-after once panicked inside the users page task: the channel closed and the
    // export exited 0 with an empty file over the previous one.
    let env = TestEnv::new();
    env.login();
    let file = env.path("users.jsonl");
    std::fs::write(&file, "the previous export\n").unwrap();
    for after in ["1e13", "99999999999999999999"] {
        env.mock.set_faults(Faults {
            raw: Some(
                RawAnswer::new(429, r#"{"success":false,"error":"Request over limit"}"#)
                    .header("retry-after", after),
            ),
            ..Faults::default()
        });
        let out = env.run(&["export", "users", "--output", file.to_str().unwrap()]);
        assert_ne!(
            out.status.code(),
            Some(0),
            "retry-after {after}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).is_empty());
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "the previous export\n",
            "retry-after {after}"
        );
    }
}
