//! One pace for every request of the client, from the burst limit the answers announce.
//!
//! Pipedrive counts requests per token in 2-second windows and says where a token stands on
//! every answer: `x-ratelimit-limit` (requests per window), `x-ratelimit-remaining` and
//! `x-ratelimit-reset` (seconds until the window resets), documented on its rate-limiting page
//! (<https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting>). Slices, offset pages
//! and the types of `export all` all share one client, so they share this pacer: request starts
//! are spaced to a little under the limit (whatever the number of requests in flight), a
//! window reported spent pauses everyone until it resets, and a 429 pauses everyone for the
//! wait it asks, instead of each worker finding out with a 429 of its own.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// The burst window Pipedrive documents.
const WINDOW: Duration = Duration::from_secs(2);
/// The share of the announced limit this client uses: the rest absorbs timing noise between
/// our clock and the server's window.
const SHARE: f64 = 0.95;

pub struct Pacer {
    state: Mutex<State>,
    /// `PIPEDRIVE_TEST_TIME_SCALE`: a server's pause lasts this fraction of itself in real time,
    /// while `slot` still reports it at full length (for --max-wait and the messages). Spacing
    /// keeps its real length.
    scale: f64,
}

impl Default for Pacer {
    fn default() -> Pacer {
        Pacer::new(1.0)
    }
}

#[derive(Default)]
struct State {
    /// The least time between two request starts (zero until an answer announced a limit).
    gap: Duration,
    /// When the next request may start.
    next: Option<Instant>,
    /// When the last request started.
    last: Option<Instant>,
    /// No request before this (a spent window or a 429), and why.
    paused: Option<(Instant, &'static str)>,
}

/// A wait the pacer asks for before a request.
pub struct Wait {
    pub wait: Duration,
    /// Why, when it is the server's doing (a spent window, a 429) rather than plain spacing.
    pub why: Option<&'static str>,
}

impl Pacer {
    pub fn new(time_scale: f64) -> Pacer {
        Pacer {
            state: Mutex::default(),
            scale: time_scale.clamp(1e-3, 1.0),
        }
    }

    /// How long a server's wait lasts in real time (saturating).
    fn real(&self, wait: Duration) -> Duration {
        if self.scale >= 1.0 {
            return wait;
        }
        Duration::try_from_secs_f64(wait.as_secs_f64() * self.scale).unwrap_or(Duration::MAX)
    }

    /// Takes the next start slot; returns how long to wait for it.
    pub fn slot(&self) -> Wait {
        let now = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut start = s.next.map_or(now, |n| n.max(now));
        let mut why = None;
        if let Some((until, reason)) = s.paused {
            if until > now {
                // A start spaced beyond the pause still waits because of it: the whole wait is
                // the server's and must fit in --max-wait (the caller checks waits with a why).
                start = start.max(until);
                why = Some(reason);
            } else {
                s.paused = None;
            }
        }
        s.next = Some(start + s.gap);
        s.last = Some(start);
        let real = start.saturating_duration_since(now);
        Wait {
            // A pause stands for the server's full wait (the caller sleeps it scaled again).
            wait: if why.is_some() {
                real.div_f64(self.scale)
            } else {
                real
            },
            why,
        }
    }

    /// Reads the burst headers of an answer (any status).
    pub fn observe(&self, headers: &HeaderMap) {
        let limit = number(headers, "x-ratelimit-limit");
        let remaining = number(headers, "x-ratelimit-remaining");
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(limit) = limit.filter(|l| *l >= 1.0) {
            s.gap = WINDOW.div_f64(limit * SHARE);
        }
        let reset = number(headers, "x-ratelimit-reset").map(secs);
        match (remaining, reset) {
            (Some(r), reset) if r < 1.0 => pause(
                &mut s,
                self.real(reset.unwrap_or(WINDOW)),
                "the burst rate limit is spent",
            ),
            // What is left of the window is spread over the time until it resets: this keeps
            // the pace when the first requests went out before any limit was known, or when
            // another program spends the same token's window.
            (Some(r), Some(reset)) => {
                // A whole number of seconds is rounded up (Pipedrive and the mock send integers):
                // the window may end up to a second sooner. Spreading over that upper bound
                // halved the pace for half of every window. While a few requests are left, the
                // lower bound is safe: starts stay `gap` apart, under the limit, and a spent
                // window pauses everyone. For the last few (and for tiny limits) the upper bound
                // keeps requests already in flight from meeting a 429.
                let reset = if reset.subsec_nanos() == 0 && r > 3.0 {
                    reset.saturating_sub(Duration::from_secs(1))
                } else {
                    reset
                };
                let spread = reset.div_f64(r + 1.0);
                if let Some(last) = s.last {
                    let at = last + spread;
                    if s.next.is_none_or(|n| n < at) {
                        s.next = Some(at);
                    }
                }
            }
            _ => {}
        }
    }

    /// A 429: every request waits `wait`, not only the one that drew it.
    pub fn pause_all(&self, wait: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        pause(&mut s, self.real(wait), "rate limited by Pipedrive");
    }
}

fn pause(s: &mut State, wait: Duration, why: &'static str) {
    let until = Instant::now().checked_add(wait);
    // A wait too long to represent stays "very long": the caller's --max-wait check refuses it.
    let until = until.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
    if s.paused.is_none_or(|(p, _)| p < until) {
        s.paused = Some((until, why));
    }
}

fn number(headers: &HeaderMap, name: &str) -> Option<f64> {
    headers
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Seconds as a duration, saturating at a year (an absurd value is a long wait, not a panic).
fn secs(v: f64) -> Duration {
    Duration::from_secs_f64(v.min(86_400.0 * 365.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn starts_are_spaced_to_the_announced_limit() {
        let p = Pacer::default();
        assert!(p.slot().wait.is_zero(), "no limit known yet");
        p.observe(&headers(&[
            ("x-ratelimit-limit", "80"),
            ("x-ratelimit-remaining", "79"),
        ]));
        // 80 per 2 s at 95%: one start every ~26 ms, shared by every caller.
        let waits: Vec<Duration> = (0..5).map(|_| p.slot().wait).collect();
        let gap = Duration::from_secs(2).div_f64(76.0);
        assert!(waits[4] >= gap * 3, "{waits:?}");
        assert!(waits[4] <= gap * 5, "{waits:?}");
    }

    #[test]
    fn a_whole_second_reset_is_read_as_rounded_up_while_many_requests_are_left() {
        let limit = ("x-ratelimit-limit", "80");
        let p = Pacer::default();
        p.observe(&headers(&[limit, ("x-ratelimit-remaining", "79")]));
        p.slot();
        // 40 left and "2 s" (really 1 to 2 s): the upper bound would space starts 2 s / 41 =
        // 49 ms apart, half the pace the window allows; the gap (26 ms) rules instead.
        p.observe(&headers(&[
            limit,
            ("x-ratelimit-remaining", "40"),
            ("x-ratelimit-reset", "2"),
        ]));
        let w = p.slot().wait;
        assert!(w <= Duration::from_millis(30), "{w:?}");
        // The last few of a window keep the cautious upper bound: 2 left over "1 s".
        p.observe(&headers(&[
            limit,
            ("x-ratelimit-remaining", "2"),
            ("x-ratelimit-reset", "1"),
        ]));
        let w = p.slot().wait;
        assert!(w >= Duration::from_millis(250), "{w:?}");
    }

    #[test]
    fn a_spent_window_or_a_429_pauses_everyone() {
        let p = Pacer::default();
        p.observe(&headers(&[
            ("x-ratelimit-limit", "1000000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1"),
        ]));
        let w = p.slot();
        assert!(w.wait > Duration::from_millis(900) && w.why.is_some());
        let p = Pacer::default();
        p.pause_all(Duration::from_secs(3));
        assert!(p.slot().wait > Duration::from_millis(2900));
        let second = p.slot();
        assert!(
            second.wait > Duration::from_millis(2900) && second.why.is_some(),
            "the second caller waits too, and for the server's reason (checked by --max-wait)"
        );
    }

    #[test]
    fn absurd_resets_are_long_waits_not_panics() {
        let p = Pacer::default();
        for reset in ["1e19", "99999999999999999999", "inf", "-3", "soon"] {
            p.observe(&headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", reset),
            ]));
        }
        assert!(p.slot().wait > Duration::from_secs(3600));
        p.pause_all(Duration::MAX);
    }

    #[test]
    fn in_tests_a_pause_is_short_but_reported_at_full_length() {
        let p = Pacer::new(0.01);
        p.pause_all(Duration::from_secs(3));
        let w = p.slot();
        assert!(w.wait > Duration::from_millis(2900), "{:?}", w.wait);
        assert!(w.wait <= Duration::from_secs(3), "{:?}", w.wait);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            p.slot().wait,
            Duration::ZERO,
            "30 ms of real time paid the pause"
        );
    }
}
