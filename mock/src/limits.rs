//! Pipedrive's two rate limits, as its rate-limiting page describes them: a burst limit per
//! token in fixed 2-second windows (`x-ratelimit-limit` / `-remaining` / `-reset` on every
//! answer, a 429 beyond it when enforced) and the company's daily token budget, spent by each
//! operation's `x-token-cost` (`x-daily-ratelimit-token-limit` / `-remaining`, a 429 `daily
//! request budget exceeded` once spent when enforced).
//!
//! Both are switched at runtime through [`crate::Faults`]: `burst_limit` enforces a window of that
//! many requests, `daily_budget` enforces a budget of that many tokens. Off, the headers still
//! report the defaults (80 per 2 s, 1,000,000 tokens) without refusing anything.
//!
//! Pipedrive does not document how its 2-second windows are counted nor how `x-ratelimit-reset`
//! is rounded, so the burst window comes in each plausible model ([`Window`], `burst_window`) and
//! the reset in each rounding ([`ResetRounding`], `burst_reset`): a client must pace well against
//! all of them.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::state::{error_body, Reply, Shared};
use crate::AuthKind;

/// The window Pipedrive counts bursts in.
pub const WINDOW: Duration = Duration::from_secs(2);

/// How the burst window counts a token's requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Window {
    /// Fixed 2-second windows, each opened by the first request after the last one ended.
    #[default]
    FirstRequest,
    /// Fixed 2-second windows on the wall clock (even unix seconds), whoever sends.
    Clock,
    /// The requests admitted in the last 2 seconds, whenever they came; a refused request is
    /// not counted. The reset is the time until the oldest of them leaves the window.
    Sliding,
}

impl Window {
    pub const NAMES: [&'static str; 3] = ["first-request", "clock", "sliding"];

    pub fn parse(name: &str) -> Option<Window> {
        Some(match name {
            "first-request" => Window::FirstRequest,
            "clock" => Window::Clock,
            "sliding" => Window::Sliding,
            _ => return None,
        })
    }
}

/// How `x-ratelimit-reset` (seconds until the window resets) is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResetRounding {
    /// Whole seconds rounded up, at least 1: "2" for 1.2 s.
    #[default]
    Up,
    /// Whole seconds rounded down: "1" for 1.8 s, "0" for the last second.
    Down,
    /// Milliseconds: "1.234".
    Fraction,
}

impl ResetRounding {
    pub const NAMES: [&'static str; 3] = ["up", "down", "fraction"];

    pub fn parse(name: &str) -> Option<ResetRounding> {
        Some(match name {
            "up" => ResetRounding::Up,
            "down" => ResetRounding::Down,
            "fraction" => ResetRounding::Fraction,
            _ => return None,
        })
    }

    /// `left` as the header's value.
    pub fn header(self, left: Duration) -> String {
        let secs = left.as_secs_f64();
        match self {
            ResetRounding::Up => (secs.ceil().max(1.0) as u64).to_string(),
            ResetRounding::Down => (secs.floor() as u64).to_string(),
            ResetRounding::Fraction => format!("{secs:.3}"),
        }
    }
}

/// One token's burst window.
struct Count {
    /// The fixed window: when it opened (none yet) and how many requests it counted.
    opened: Option<Instant>,
    count: u64,
    /// The sliding window: when each admitted request of the last 2 seconds came.
    admitted: VecDeque<Instant>,
}

#[derive(Default)]
pub struct Limits {
    /// Per token: where it stands in its window.
    windows: Mutex<HashMap<String, Count>>,
    /// Tokens spent today, by every token of the company.
    pub daily_used: AtomicU64,
    /// 429s answered for the burst limit (enforced or injected).
    pub burst_429s: AtomicU64,
}

/// Where one request stands in its token's window.
pub struct Burst {
    pub remaining: u64,
    /// Time until the window resets (sent rounded as [`ResetRounding`] says).
    pub reset: Duration,
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
    pub fn burst(&self, auth: &AuthKind, limit: u64, window: Window) -> Burst {
        let mut windows = self.windows.lock().unwrap();
        let now = Instant::now();
        let w = windows.entry(token_key(auth)).or_insert_with(|| Count {
            opened: None,
            count: 0,
            admitted: VecDeque::new(),
        });
        if window == Window::Sliding {
            while w.admitted.front().is_some_and(|t| now - *t >= WINDOW) {
                w.admitted.pop_front();
            }
            let over = w.admitted.len() as u64 >= limit;
            if !over {
                w.admitted.push_back(now);
            }
            let oldest = *w.admitted.front().unwrap_or(&now);
            return Burst {
                remaining: limit.saturating_sub(w.admitted.len() as u64),
                reset: WINDOW.saturating_sub(now - oldest),
                over,
            };
        }
        let opened = match w.opened {
            Some(opened) if now.duration_since(opened) < WINDOW => opened,
            _ => {
                let into = match window {
                    // How far the wall clock is into its current even-second window.
                    Window::Clock => Duration::from_nanos(
                        (SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .unwrap_or_default()
                            .as_nanos()
                            % WINDOW.as_nanos()) as u64,
                    ),
                    _ => Duration::ZERO,
                };
                w.count = 0;
                *w.opened.insert(now.checked_sub(into).unwrap_or(now))
            }
        };
        w.count += 1;
        Burst {
            remaining: limit.saturating_sub(w.count),
            reset: WINDOW.saturating_sub(now.duration_since(opened)),
            over: w.count > limit,
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
