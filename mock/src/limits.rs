//! Pipedrive's two rate limits, as its rate-limiting page describes them: a burst limit per
//! token in fixed 2-second windows (`x-ratelimit-limit` / `-remaining` / `-reset` on every
//! answer, a 429 beyond it when enforced) and the company's daily token budget, spent by each
//! operation's `x-token-cost` (`x-daily-ratelimit-token-limit` / `-remaining`, a 429 `daily
//! request budget exceeded` once spent when enforced).
//!
//! Both are switched at runtime through [`crate::Faults`]: `burst_limit` enforces a window of that
//! many requests, `daily_budget` enforces a budget of that many tokens. Off, the headers still
//! report the defaults (80 per 2 s, 1,000,000 tokens) without refusing anything.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::state::{error_body, Reply, Shared};
use crate::AuthKind;

/// The window Pipedrive counts bursts in.
pub const WINDOW: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct Limits {
    /// Per token: when its current window opened and how many requests it counted.
    windows: Mutex<HashMap<String, (Instant, u64)>>,
    /// Tokens spent today, by every token of the company.
    pub daily_used: AtomicU64,
    /// 429s answered for the burst limit (enforced or injected).
    pub burst_429s: AtomicU64,
}

/// Where one request stands in its token's window.
pub struct Burst {
    pub remaining: u64,
    /// Whole seconds until the window resets (at least 1), as Pipedrive sends it.
    pub reset: u64,
    pub over: bool,
}

fn token_key(auth: &AuthKind) -> String {
    match auth {
        AuthKind::Bearer(t) => format!("b:{t}"),
        AuthKind::ApiToken(t) => format!("a:{t}"),
        AuthKind::Basic(c) => format!("c:{c}"),
        AuthKind::None => String::new(),
    }
}

impl Limits {
    /// Counts one request in its token's window of `limit` requests.
    pub fn burst(&self, auth: &AuthKind, limit: u64) -> Burst {
        let mut windows = self.windows.lock().unwrap();
        let now = Instant::now();
        let w = windows.entry(token_key(auth)).or_insert((now, 0));
        if now.duration_since(w.0) >= WINDOW {
            *w = (now, 0);
        }
        w.1 += 1;
        let left = WINDOW.saturating_sub(now.duration_since(w.0));
        Burst {
            remaining: limit.saturating_sub(w.1),
            reset: left.as_secs_f64().ceil().max(1.0) as u64,
            over: w.1 > limit,
        }
    }
}

/// Spends `cost` tokens of the daily budget, or refuses the request when an enforced budget has
/// less than that left (the request then costs nothing).
pub fn spend_daily(shared: &Shared, cost: u64) -> Option<Reply> {
    let budget = shared.faults.read().unwrap().daily_budget;
    let used = &shared.limits.daily_used;
    match budget {
        Some(limit) => {
            let taken = used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                (u + cost <= limit).then_some(u + cost)
            });
            taken.is_err().then(daily_exceeded)
        }
        None => {
            used.fetch_add(cost, Ordering::SeqCst);
            None
        }
    }
}

/// The answer once the day's budget is spent: it resets at midnight UTC.
pub fn daily_exceeded() -> Reply {
    let now = crate::time::now_secs();
    let to_midnight = 86_400 - now.rem_euclid(86_400);
    Reply::json(
        429,
        error_body(
            429,
            "daily request budget exceeded",
            "Please check developers.pipedrive.com",
        ),
    )
    .header("retry-after", to_midnight.to_string())
}

/// `x-daily-ratelimit-token-limit` and `-remaining` as they stand after this request.
pub fn daily_headers(shared: &Shared, reply: Reply, exhausted: bool) -> Reply {
    let faults = shared.faults.read().unwrap();
    if faults.no_daily_headers {
        return reply;
    }
    let limit = faults.daily_budget.unwrap_or(crate::state::DAILY_LIMIT);
    drop(faults);
    let left = if exhausted {
        0
    } else {
        limit.saturating_sub(shared.limits.daily_used.load(Ordering::SeqCst))
    };
    reply
        .header("x-daily-ratelimit-token-limit", limit.to_string())
        .header("x-daily-ratelimit-token-remaining", left.to_string())
}
