//! The performance design, checked by what the mock observes rather than by timing: one kept-alive
//! connection per single-cursor export, cursor pages fetched ahead of the writer but only a few,
//! and offset pages fetched at most `--concurrency` at once.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::support::*;

fn env_with(deals: u64, notes: u64, latency_ms: u64) -> TestEnv {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals,
            notes,
            ..Seed::default()
        },
        latency: Duration::from_millis(latency_ms),
        ..Config::default()
    });
    env.login();
    env
}

#[test]
fn a_cursor_export_keeps_its_connection_alive() {
    for format in ["jsonl", "csv"] {
        let env = env_with(10_000, 0, 2);
        let file = env.path(&format!("deals.{format}"));
        let out = env.run(&[
            "export",
            "deals",
            "--concurrency",
            "1",
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
        ]);
        assert_code(&out, 0);
        let pages = env
            .api_requests()
            .iter()
            .filter(|r| r.path == "/api/v2/deals")
            .count();
        assert_eq!(pages, 20, "{format}: 10000 deals in pages of 500");
        // The token refresh, the field definitions (CSV) and every page share one connection.
        // Rarely the next request leaves just before the pool has taken the previous connection
        // back and a second one opens; a connection per page would show as 20 or more.
        let conns: Vec<u64> = env.mock.requests().iter().map(|r| r.connection).collect();
        assert!(
            env.mock.connections() <= 2,
            "{format}: one kept-alive connection, not one per page; requests used {conns:?}"
        );
    }
}

#[test]
fn cursor_pages_are_fetched_ahead_of_a_stalled_writer_but_only_a_few() {
    let env = env_with(10_000, 0, 0);
    let pages_asked = || {
        env.api_requests()
            .iter()
            .filter(|r| r.path == "/api/v2/deals")
            .count()
    };
    // Nobody reads stdout yet: the writer stalls on the first page (~500 KB against a 64 KB pipe).
    let mut child = env
        .cmd(&["export", "deals", "--concurrency", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pipedrive");
    assert!(
        wait_for(Duration::from_secs(20), || pages_asked() >= 3),
        "pages are fetched while the first one is still being written; asked {}",
        pages_asked()
    );
    // Whatever time passes, the producer stays a bounded distance ahead of the stalled writer:
    // the page being written, two in the channel, one waiting to go in and one in flight.
    std::thread::sleep(Duration::from_millis(500));
    let ahead = pages_asked();
    assert!(
        (3..=5).contains(&ahead),
        "at most 5 of the 20 pages before the writer moves on; asked {ahead}"
    );
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_each_once(&jsonl_ids(&text), 10_000);
    assert_eq!(pages_asked(), 20);
}

#[test]
fn offset_pages_are_fetched_concurrently_within_the_bound() {
    for (concurrency, expect) in [("3", 2..=3), ("1", 1..=1)] {
        // A burst window far above what 10 pages need: the client paces its starts to the
        // announced limit (80 per 2 s by default, one start per 26 ms), which with 20 ms pages
        // would leave one request in flight at most whatever the concurrency.
        let env = TestEnv::with(Config {
            seed: Seed {
                notes: 5_000,
                ..Seed::default()
            },
            latency: Duration::from_millis(20),
            faults: Faults {
                burst_limit: Some(1_000_000),
                ..Faults::default()
            },
            ..Config::default()
        });
        env.login();
        let file = env.path("notes.jsonl");
        let out = env.run(&[
            "export",
            "notes",
            "--concurrency",
            concurrency,
            "--output",
            file.to_str().unwrap(),
        ]);
        assert_code(&out, 0);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            jsonl_ids(&text),
            (1..=5_000).collect::<Vec<_>>(),
            "in order"
        );
        let most = env.mock.max_in_flight();
        assert!(
            expect.contains(&most),
            "--concurrency {concurrency}: {most} requests in flight at once"
        );
    }
}
