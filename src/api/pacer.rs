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

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use crate::clock::Clock;

/// The burst window Pipedrive documents.
const WINDOW: Duration = Duration::from_secs(2);
/// The window this client keeps to: a request reaches the server a little after it starts, and
/// not always equally late, so starts one window apart could land in the same window there.
const KEPT: Duration = Duration::from_millis(2100);

pub(crate) struct Pacer {
    state: Mutex<State>,
    /// A server's pause and the span of [`KEPT`] are kept in real time (the clock's: a fraction
    /// in the tests, whose windows are that short unless they ask for real time), and `slot`
    /// reports waits at the length the server's clock gives them (for --max-wait and the
    /// messages).
    clock: Clock,
}

#[cfg(test)]
impl Default for Pacer {
    fn default() -> Pacer {
        Pacer::new(Clock::default())
    }
}

#[derive(Default)]
struct State {
    /// The announced limit (none until an answer named it).
    limit: Option<u64>,
    /// Request starts, oldest first, as (when, how many): ours one by one (slots given out,
    /// some still ahead), and the requests the server counted that we did not send (another
    /// program on the same token, requests sent before the limit was known) as one entry at
    /// the start of the request whose answer revealed them.
    starts: VecDeque<(Instant, u64)>,
    /// The sum of the counts in `starts`.
    total: u64,
    /// No request before this (a spent window or a 429), and why.
    paused: Option<(Instant, &'static str)>,
}

impl State {
    /// Starts since `since` (exclusive), slots given out for later included.
    fn since(&self, since: Instant) -> u64 {
        self.starts
            .iter()
            .rev()
            .take_while(|(at, _)| *at > since)
            .map(|(_, n)| n)
            .sum()
    }
}

/// How many starts a window of [`KEPT`] may hold: one fewer than the limit, so that a request
/// that reaches the server late cannot be the one over the limit.
fn allowance(limit: u64) -> u64 {
    limit.saturating_sub(1).max(1)
}

/// A wait the pacer asks for before a request: a pause the server asked for, then spacing.
pub(crate) struct Wait {
    /// The server's pause, named (slept on the clock, like every server's wait).
    pub(crate) pause: Duration,
    /// Spacing to the burst limit after the pause, in real time (slept as it is).
    pub(crate) spacing: Duration,
    /// The spacing as the server's clock sees it.
    named_spacing: Duration,
    /// Why, when it is the server's doing (a spent window, a 429) rather than plain spacing.
    pub(crate) why: Option<&'static str>,
}

impl Wait {
    /// The whole wait as the server's clock sees it (for --max-wait and the messages).
    pub(crate) fn total(&self) -> Duration {
        self.pause.saturating_add(self.named_spacing)
    }
}

impl Pacer {
    pub(crate) fn new(clock: Clock) -> Pacer {
        Pacer {
            state: Mutex::default(),
            clock,
        }
    }

    /// [`KEPT`] on this pacer's clock.
    fn kept(&self) -> Duration {
        self.clock.real(KEPT)
    }

    /// Takes the next start slot; returns how long to wait for it.
    pub(crate) fn slot(&self) -> Wait {
        self.slot_at(Instant::now())
    }

    fn slot_at(&self, now: Instant) -> Wait {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // What is older than two windows can no longer count anywhere; a little history beyond
        // one window is kept for answers that come back late.
        let kept = self.kept();
        let horizon = now.checked_sub(kept * 2).unwrap_or(now);
        while s.starts.front().is_some_and(|(at, _)| *at < horizon) {
            if let Some((_, n)) = s.starts.pop_front() {
                s.total -= n;
            }
        }
        // Starts keep their order: never before a slot already given out.
        let mut start = s.starts.back().map_or(now, |(at, _)| (*at).max(now));
        if let Some(allowed) = s.limit.map(allowance).filter(|a| s.total >= *a) {
            // No more than `allowed` starts in any span of KEPT: this start waits until the
            // `allowed`-th latest one is KEPT old. Whatever window the server counts (fixed
            // from a first request, fixed on its clock, sliding), each lies in such a span.
            let mut seen = 0;
            for &(at, n) in s.starts.iter().rev() {
                seen += n;
                if seen >= allowed {
                    start = start.max(at + kept);
                    break;
                }
            }
        }
        let mut pause = Duration::ZERO;
        let mut why = None;
        if let Some((until, reason)) = s.paused {
            if until > now {
                // A start spaced beyond the pause still waits because of it: the whole wait is
                // the server's and must fit in --max-wait (the caller checks waits with a why).
                // Reported as the server named it (the caller sleeps it on the clock).
                pause = self.clock.named(until - now);
                start = start.max(until);
                why = Some(reason);
            } else {
                s.paused = None;
            }
        }
        s.starts.push_back((start, 1));
        s.total += 1;
        let spacing = match s.paused {
            Some((until, _)) if why.is_some() => start.saturating_duration_since(until),
            _ => start.saturating_duration_since(now),
        };
        Wait {
            pause,
            spacing,
            named_spacing: self.clock.named(spacing),
            why,
        }
    }

    /// The steady rate this pacer allows, in requests a real second, once an answer announced
    /// the limit.
    pub(crate) fn rate(&self) -> Option<f64> {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let kept = self.kept().as_secs_f64().max(1e-3);
        s.limit.map(|l| allowance(l) as f64 / kept)
    }

    /// Reads the burst headers of an answer (any status) to a request that started at
    /// `started`.
    pub(crate) fn observe(&self, headers: &HeaderMap, started: Instant) {
        self.observe_at(headers, started, Instant::now())
    }

    fn observe_at(&self, headers: &HeaderMap, started: Instant, now: Instant) {
        let limit = number(headers, "x-ratelimit-limit").filter(|l| *l >= 1.0);
        let remaining = number(headers, "x-ratelimit-remaining");
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(limit) = limit {
            s.limit = Some(limit.min(u64::MAX as f64) as u64);
        }
        let Some(remaining) = remaining else {
            return;
        };
        if let Some(limit) = s.limit {
            // The server counted `limit - remaining` requests in its window, this one included.
            // Any more than we started in the span of KEPT before it were not ours: they count
            // as starts of their own until they are KEPT old, which is as long as any window
            // model can hold them.
            let counted = limit.saturating_sub(remaining.min(u64::MAX as f64) as u64);
            let kept = self.kept();
            let ours = s.since(started.checked_sub(kept).unwrap_or(started));
            if counted > ours {
                let extra = counted - ours;
                let at = s.starts.partition_point(|(t, _)| *t <= started);
                s.starts.insert(at, (started, extra));
                s.total += extra;
            }
        }
        if remaining < 1.0 {
            // A spent window: everyone pauses for what is surely left of it. The reset is
            // rounded (up, down, or not at all: servers differ), so a whole number of seconds
            // may be up to one second more than is left; the starts above keep the rest.
            let reset = number(headers, "x-ratelimit-reset").map_or(WINDOW, secs);
            let sure = if reset.subsec_nanos() == 0 {
                reset.saturating_sub(Duration::from_secs(1))
            } else {
                reset
            };
            pause(
                &mut s,
                now,
                self.clock.real(sure),
                "the burst rate limit is spent",
            );
        }
    }

    /// A 429: every request waits `wait`, not only the one that drew it.
    pub(crate) fn pause_all(&self, wait: Duration) {
        self.pause_all_at(wait, Instant::now())
    }

    fn pause_all_at(&self, wait: Duration, now: Instant) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        pause(
            &mut s,
            now,
            self.clock.real(wait),
            "rate limited by Pipedrive",
        );
    }
}

fn pause(s: &mut State, now: Instant, wait: Duration, why: &'static str) {
    if wait.is_zero() {
        return;
    }
    let until = now.checked_add(wait);
    // A wait too long to represent stays "very long": the caller's --max-wait check refuses it.
    let until = until.unwrap_or_else(|| now + Duration::from_secs(86_400 * 365));
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
mod sim;

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    impl Pacer {
        fn observe_now(&self, headers: &HeaderMap) {
            self.observe(headers, Instant::now())
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn starts_keep_to_the_limit_in_any_span_of_a_window() {
        let p = Pacer::default();
        let t0 = Instant::now();
        assert!(p.slot_at(t0).total().is_zero(), "no limit known yet");
        p.observe_at(
            &headers(&[("x-ratelimit-limit", "80"), ("x-ratelimit-remaining", "79")]),
            t0,
            t0,
        );
        // Everyone asks at once: the first 79 of any span of 2.1 s go at once, the next wait
        // until the one 79 before them is 2.1 s old.
        let starts: Vec<Instant> = std::iter::once(t0)
            .chain((1..300).map(|_| t0 + p.slot_at(t0).total()))
            .collect();
        assert!(starts[..79].iter().all(|s| *s == t0));
        for i in 79..starts.len() {
            assert_eq!(starts[i] - starts[i - 79], KEPT, "start {i}");
        }
        // 300 starts in 3 spans of 2.1 s: 94% of 80 per 2 s, over the long run.
        assert_eq!(starts[299] - t0, KEPT * 3);
    }

    #[test]
    fn requests_we_did_not_send_take_their_share_of_the_window() {
        let p = Pacer::default();
        let t0 = Instant::now();
        let first = p.slot_at(t0);
        assert!(first.total().is_zero());
        // Our one request, and the server counted 70: another program spent 69.
        p.observe_at(
            &headers(&[("x-ratelimit-limit", "80"), ("x-ratelimit-remaining", "10")]),
            t0,
            t0 + Duration::from_millis(100),
        );
        let now = t0 + Duration::from_millis(100);
        let waits: Vec<Duration> = (0..10).map(|_| p.slot_at(now).total()).collect();
        assert!(waits[..9].iter().all(|w| w.is_zero()), "{waits:?}");
        assert_eq!(waits[9], KEPT - Duration::from_millis(100), "{waits:?}");
        // A later answer that agrees with what we know adds nothing.
        p.observe_at(
            &headers(&[("x-ratelimit-limit", "80"), ("x-ratelimit-remaining", "0")]),
            now,
            now,
        );
        assert_eq!(p.slot_at(now).total(), KEPT - Duration::from_millis(100));
    }

    #[test]
    fn a_spent_window_or_a_429_pauses_everyone() {
        let spent = |reset: &str| {
            let p = Pacer::default();
            let t0 = Instant::now();
            p.observe_at(
                &headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset)]),
                t0,
                t0,
            );
            let w = p.slot_at(t0);
            (w.total(), w.why.is_some())
        };
        assert_eq!(spent("1.5"), (Duration::from_millis(1500), true));
        // "3" may be 2.01 s rounded up or 3.99 s rounded down: at least 2 s are sure.
        assert_eq!(spent("3"), (Duration::from_secs(2), true));
        // "1" may be 0.01 s: nothing is sure, the window's own count holds the next start.
        assert_eq!(spent("1"), (Duration::ZERO, false));
        let p = Pacer::default();
        let t0 = Instant::now();
        p.pause_all_at(Duration::from_secs(3), t0);
        assert_eq!(p.slot_at(t0).total(), Duration::from_secs(3));
        let second = p.slot_at(t0);
        assert!(
            second.total() == Duration::from_secs(3) && second.why.is_some(),
            "the second caller waits too, and for the server's reason (checked by --max-wait)"
        );
    }

    #[test]
    fn a_429_with_a_reset_rounded_down_to_0_still_waits_for_the_window() {
        let p = Pacer::default();
        let t0 = Instant::now();
        let limit = ("x-ratelimit-limit", "80");
        p.observe_at(&headers(&[limit, ("x-ratelimit-remaining", "79")]), t0, t0);
        // The server says the window is spent and resets in "0" seconds (0.9 s, rounded down).
        let t1 = t0 + Duration::from_millis(500);
        p.slot_at(t1);
        p.observe_at(
            &headers(&[
                limit,
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "0"),
            ]),
            t1,
            t1,
        );
        p.pause_all_at(Duration::ZERO, t1);
        // The 78 requests we did not see are counted from t1: at most 2.1 s from then.
        let w = p.slot_at(t1).total();
        assert_eq!(w, KEPT, "{w:?}");
    }

    #[test]
    fn absurd_resets_are_long_waits_not_panics() {
        let p = Pacer::default();
        for reset in ["1e19", "99999999999999999999", "inf", "-3", "soon"] {
            p.observe_now(&headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", reset),
            ]));
        }
        assert!(p.slot().total() > Duration::from_secs(3600));
        p.pause_all(Duration::MAX);
    }

    #[test]
    fn in_tests_a_pause_is_short_but_reported_at_full_length() {
        let p = Pacer::new(Clock::scaled(0.01));
        p.pause_all(Duration::from_secs(3));
        let w = p.slot();
        assert!(w.total() > Duration::from_millis(2900), "{:?}", w.total());
        assert!(w.total() <= Duration::from_secs(3), "{:?}", w.total());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            p.slot().total(),
            Duration::ZERO,
            "30 ms of real time paid the pause"
        );
    }
}
