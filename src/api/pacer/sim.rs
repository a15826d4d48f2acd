//! The pacer against simulated servers on a simulated clock: every window model Pipedrive might
//! use (fixed windows opened by the first request, fixed windows on the clock, sliding windows)
//! and every rounding of `x-ratelimit-reset` (up, down, fractional), with `--concurrency`
//! workers fetching pages of a fixed latency. Deterministic: nothing sleeps, the pacer is
//! asked at simulated instants.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};

use super::Pacer;

const WINDOW: f64 = 2.0;
const LIMIT: u64 = 80;

#[derive(Clone, Copy, Debug)]
enum Model {
    FirstRequest,
    Clock,
    Sliding,
}

#[derive(Clone, Copy, Debug)]
enum Rounding {
    Up,
    Down,
    Fraction,
}

const MODELS: [Model; 3] = [Model::FirstRequest, Model::Clock, Model::Sliding];
const ROUNDINGS: [Rounding; 3] = [Rounding::Up, Rounding::Down, Rounding::Fraction];

/// One token's burst window on a server of `model`; times in seconds of the simulated clock.
struct Server {
    model: Model,
    rounding: Rounding,
    limit: u64,
    /// Where the clock's windows start, relative to the simulation's zero.
    phase: f64,
    opened: Option<f64>,
    count: u64,
    admitted: VecDeque<f64>,
    refused: u64,
}

impl Server {
    fn new(model: Model, rounding: Rounding, limit: u64) -> Server {
        Server {
            model,
            rounding,
            limit,
            phase: 0.7,
            opened: None,
            count: 0,
            admitted: VecDeque::new(),
            refused: 0,
        }
    }

    /// Counts a request arriving at `t`: the answer's headers, and whether it was a 429.
    fn arrive(&mut self, t: f64) -> (HeaderMap, bool) {
        let (remaining, reset, over) = match self.model {
            Model::Sliding => {
                while self.admitted.front().is_some_and(|&a| t - a >= WINDOW) {
                    self.admitted.pop_front();
                }
                let over = self.admitted.len() as u64 >= self.limit;
                if !over {
                    self.admitted.push_back(t);
                }
                let oldest = self.admitted.front().copied().unwrap_or(t);
                let left = self.limit.saturating_sub(self.admitted.len() as u64);
                (left, oldest + WINDOW - t, over)
            }
            Model::FirstRequest | Model::Clock => {
                let opened = match self.opened {
                    Some(o) if t - o < WINDOW => o,
                    _ => {
                        let o = match self.model {
                            Model::Clock => {
                                ((t - self.phase) / WINDOW).floor() * WINDOW + self.phase
                            }
                            _ => t,
                        };
                        self.count = 0;
                        *self.opened.insert(o)
                    }
                };
                self.count += 1;
                let left = self.limit.saturating_sub(self.count);
                (left, opened + WINDOW - t, self.count > self.limit)
            }
        };
        let reset = match self.rounding {
            Rounding::Up => format!("{}", reset.ceil().max(1.0)),
            Rounding::Down => format!("{}", reset.floor()),
            Rounding::Fraction => format!("{reset:.3}"),
        };
        self.refused += u64::from(over);
        let mut h = HeaderMap::new();
        let mut set = |k: &'static str, v: String| {
            h.insert(k, HeaderValue::from_str(&v).unwrap());
        };
        set("x-ratelimit-limit", self.limit.to_string());
        set("x-ratelimit-remaining", remaining.to_string());
        set("x-ratelimit-reset", reset);
        (h, over)
    }
}

struct Run {
    /// When the last page's answer came, in seconds.
    wall: f64,
    refused: u64,
}

enum Event {
    /// A worker asks the pacer for its next start.
    Slot,
    /// Its request reaches the server.
    Arrive { started: f64 },
    /// Its answer comes back.
    Answer {
        started: f64,
        headers: HeaderMap,
        refused: bool,
    },
}

/// `pages` pages fetched by `workers` workers through one pacer; each answer takes `latency`,
/// and the request reaches the server after a transit that varies between 0 and 40 ms (at most
/// half the latency).
fn run(model: Model, rounding: Rounding, workers: usize, pages: u64, latency: f64) -> Run {
    let pacer = Pacer::default();
    let base = Instant::now();
    let at = |s: f64| base + Duration::from_secs_f64(s);
    let mut server = Server::new(model, rounding, LIMIT);
    let mut events: Vec<(f64, usize, Event)> =
        (0..workers).map(|w| (0.0, w, Event::Slot)).collect();
    let mut holding = vec![false; workers];
    let (mut left, mut wall) = (pages, 0.0);
    let mut rng = 12345u64;
    while let Some(i) = (0..events.len()).min_by(|&a, &b| events[a].0.total_cmp(&events[b].0)) {
        let (t, w, event) = events.swap_remove(i);
        match event {
            Event::Slot => {
                if !holding[w] {
                    if left == 0 {
                        continue;
                    }
                    left -= 1;
                    holding[w] = true;
                }
                let started = t + pacer.slot_at(at(t)).total().as_secs_f64();
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let transit = (rng >> 33) as f64 / (1u64 << 31) as f64 * (latency / 2.0).min(0.040);
                events.push((started + transit, w, Event::Arrive { started }));
            }
            Event::Arrive { started } => {
                let (headers, refused) = server.arrive(t);
                let answer = Event::Answer {
                    started,
                    headers,
                    refused,
                };
                events.push((started + latency, w, answer));
            }
            Event::Answer {
                started,
                headers,
                refused,
            } => {
                pacer.observe_at(&headers, at(started), at(t));
                let mut next = t;
                if refused {
                    // As the client does: the wait the 429 names, for everyone.
                    let wait = crate::http::retry::header_wait(&headers, "x-ratelimit-reset")
                        .unwrap_or(Duration::from_secs(2));
                    pacer.pause_all_at(wait, at(t));
                    next += wait.as_secs_f64();
                } else {
                    holding[w] = false;
                    wall = t;
                }
                events.push((next, w, Event::Slot));
            }
        }
    }
    Run {
        wall,
        refused: server.refused,
    }
}

/// 100,000 deals in pages of 500 at 100 ms a page, 80 requests per 2 s: the rate floor is
/// 200 / 40 = 5 s, and so is 200 x 0.1 s over 4 workers.
#[test]
fn every_window_model_keeps_90_percent_of_the_announced_rate() {
    let (pages, latency) = (200, 0.1);
    let mut misses = Vec::new();
    for model in MODELS {
        for rounding in ROUNDINGS {
            for workers in [4, 8, 16] {
                let floor = (pages as f64 / (LIMIT as f64 / WINDOW))
                    .max(pages as f64 * latency / workers as f64);
                let r = run(model, rounding, workers, pages, latency);
                let ratio = r.wall / floor;
                println!(
                    "{model:?}/{rounding:?} at {workers}: {ratio:.3}, {} 429s",
                    r.refused
                );
                // 90% of the rate is 1.11 x the floor.
                if ratio > 1.0 / 0.9 || r.refused > 0 {
                    misses.push(format!(
                        "{model:?}/{rounding:?} at {workers}: {ratio:.3} x the floor, {} 429s",
                        r.refused
                    ));
                }
            }
        }
    }
    assert!(misses.is_empty(), "{misses:#?}");
}

/// One cursor at 10 ms pages: it may burst into a fresh window, but over many windows it cannot
/// beat 80 per 2 s (25 ms a page) and must come close.
#[test]
fn a_single_cursor_keeps_the_rate_over_many_windows() {
    let mut misses = Vec::new();
    for model in MODELS {
        for rounding in ROUNDINGS {
            let r = run(model, rounding, 1, 800, 0.010);
            let ratio = r.wall / (800.0 / 40.0);
            if ratio > 1.0 / 0.9 || r.refused > 0 {
                misses.push(format!(
                    "{model:?}/{rounding:?}: {ratio:.3} x the floor, {} 429s",
                    r.refused
                ));
            }
        }
    }
    assert!(misses.is_empty(), "{misses:#?}");
}
