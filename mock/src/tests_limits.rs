//! The burst limit per token, the daily budget, lists by update time and edits during a run.

use std::time::Duration;

use crate::tests::{get, urlenc};
use crate::time;
use crate::{Config, Faults, MockPipedrive, Seed};

fn deals(n: u64) -> Config {
    Config {
        seed: Seed {
            deals: n,
            ..Seed::default()
        },
        ..Config::default()
    }
}

#[test]
fn each_token_has_its_own_burst_window() {
    let m = MockPipedrive::start(Config::default());
    let (a, b) = (m.issue_token().access_token, m.issue_token().access_token);
    m.set_faults(Faults {
        burst_limit: Some(2),
        ..Faults::default()
    });
    let status = |t: &str| get(&m, "/api/v2/deals?limit=1", t).status;
    assert_eq!([status(&a), status(&a), status(&a)], [200, 200, 429]);
    // Another token's window is untouched by the first one's burst.
    let r = get(&m, "/api/v2/deals?limit=1", &b);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("1"));
    assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(m.stats().burst_429s, 1);
}

#[test]
fn an_enforced_daily_budget_counts_down_and_refuses() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    m.set_faults(Faults {
        daily_budget: Some(1000),
        ..Faults::default()
    });
    m.set_daily_used(975);
    // v2 deals cost 10 tokens each.
    let r = get(&m, "/api/v2/deals?limit=1", &t);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-daily-ratelimit-token-limit"), Some("1000"));
    assert_eq!(r.header("x-daily-ratelimit-token-remaining"), Some("15"));
    get(&m, "/api/v2/deals?limit=1", &t);
    let r = get(&m, "/api/v2/deals?limit=1", &t);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"], "daily request budget exceeded");
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() > 0);
    assert_eq!(m.stats().daily_tokens_used, 995);
}

/// Every record of a cursor walk, as (update_time, id).
fn walk(m: &MockPipedrive, t: &str, query: &str) -> Vec<(i64, u64)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let c = cursor
            .as_deref()
            .map(|c| format!("&cursor={}", urlenc(c)))
            .unwrap_or_default();
        let page = get(m, &format!("/api/v2/deals?limit=7&{query}{c}"), t).json();
        for d in page["data"].as_array().unwrap() {
            let ut = time::parse_rfc3339(d["update_time"].as_str().unwrap()).unwrap();
            out.push((ut, d["id"].as_u64().unwrap()));
        }
        match page["additional_data"]["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => return out,
        }
    }
}

#[test]
fn lists_by_update_time_honour_the_slice_with_touched_records() {
    let m = MockPipedrive::start(deals(300));
    let t = m.issue_token().access_token;
    m.touch("deals", &[5, 77, 200]);
    let added = m.add_records("deals", 2);
    let mut all = walk(&m, &t, "sort_by=id");
    all.sort_unstable();
    assert_eq!(all.len(), 302);
    // Ascending over everything is the same set in update-time order.
    assert_eq!(walk(&m, &t, "sort_by=update_time"), all);
    let mut desc = all.clone();
    desc.reverse();
    assert_eq!(
        walk(&m, &t, "sort_by=update_time&sort_direction=desc"),
        desc
    );
    // A slice [lo, hi) holds exactly the records updated in it.
    let (lo, hi) = (all[40].0, all[120].0);
    let q = format!(
        "sort_by=update_time&updated_since={}&updated_until={}",
        urlenc(&time::rfc3339(lo)),
        urlenc(&time::rfc3339(hi))
    );
    let want: Vec<_> = all
        .iter()
        .copied()
        .filter(|e| e.0 >= lo && e.0 < hi)
        .collect();
    assert_eq!(walk(&m, &t, &q), want);
    // The touched and created records are the newest.
    let newest: Vec<u64> = all[all.len() - 5..].iter().map(|e| e.1).collect();
    for id in [5, 77, 200, added[0], added[1]] {
        assert!(newest.contains(&id), "{id} not among {newest:?}");
    }
}

#[test]
fn edits_during_a_run_give_records_a_new_update_time() {
    let m = MockPipedrive::start(deals(1000));
    let t = m.issue_token().access_token;
    let since = time::rfc3339(time::now_secs() - 1);
    let editing = m.edit_during_run("deals", 5, Duration::from_millis(10));
    while editing.count() < 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(editing);
    let recent = walk(
        &m,
        &t,
        &format!("sort_by=update_time&updated_since={}", urlenc(&since)),
    );
    assert!(recent.len() >= 5, "{recent:?}");
    assert!(recent.len() <= 1000);
}

#[test]
fn the_reset_is_rounded_as_asked() {
    use crate::ResetRounding::*;
    let cases = [(1200, ["2", "1", "1.200"]), (300, ["1", "0", "0.300"])];
    for (ms, want) in cases {
        let left = Duration::from_millis(ms);
        let got = [Up, Down, Fraction].map(|r| r.header(left));
        assert_eq!(got, want.map(String::from), "{ms} ms");
    }
}

/// Statuses of requests sent at 0 s (one), 1 s (two) and 2.3 s (two) by one token.
fn burst_pattern(window: crate::Window) -> Vec<u16> {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    m.set_faults(Faults {
        burst_limit: Some(2),
        burst_window: window,
        burst_reset: crate::ResetRounding::Fraction,
        ..Faults::default()
    });
    let status = || get(&m, "/api/v2/deals?limit=1", &t).status;
    let mut out = vec![status()];
    std::thread::sleep(Duration::from_millis(1000));
    out.extend([status(), status()]);
    std::thread::sleep(Duration::from_millis(1300));
    out.extend([status(), status()]);
    out
}

#[test]
fn a_fixed_window_frees_every_slot_when_it_ends() {
    // A fixed window opened at 0 s is over at 2 s: both late requests fit in the next one.
    assert_eq!(
        burst_pattern(crate::Window::FirstRequest),
        [200, 200, 429, 200, 200]
    );
}

// Its own test, so the two patterns' real-time waits run side by side.
#[test]
fn a_sliding_window_still_counts_the_requests_of_the_last_two_seconds() {
    // A sliding window at 2.3 s still holds the request of 1 s: one slot is free.
    assert_eq!(
        burst_pattern(crate::Window::Sliding),
        [200, 200, 429, 200, 429]
    );
}

#[test]
fn clock_windows_end_on_even_unix_seconds() {
    let m = MockPipedrive::start(Config::default());
    let t = m.issue_token().access_token;
    m.set_faults(Faults {
        burst_window: crate::Window::Clock,
        burst_reset: crate::ResetRounding::Fraction,
        ..Faults::default()
    });
    for _ in 0..3 {
        let r = get(&m, "/api/v2/deals?limit=1", &t);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let reset: f64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        // The window ends at the next even second: now + reset is (nearly) a multiple of 2.
        let end = now + reset;
        let off = (end - 2.0 * (end / 2.0).round()).abs();
        assert!(off < 0.1, "now {now}, reset {reset}");
        std::thread::sleep(Duration::from_millis(700));
    }
}
