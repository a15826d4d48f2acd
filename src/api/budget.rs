//! The company's daily token budget: what this run spends of it, and the reserve it leaves.
//!
//! Every Pipedrive request costs tokens (each operation's `x-token-cost` in the official specs,
//! see [`crate::api::costs`]) from one daily budget shared by every user and integration of the
//! company (Pipedrive's rate-limiting page, "Token-based rate limiting":
//! <https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting>). Answers carry the budget in
//! `x-daily-ratelimit-token-limit` and `x-daily-ratelimit-token-remaining` where sent (the
//! published page names only the burst headers and, for POST/PUT with an API token,
//! `x-daily-requests-left`, so neither budget header is relied on).
//! An export stops with exit 75 before the remaining budget would fall below `--budget-reserve`
//! percent of the limit, so a nightly export never starves the company's other integrations.
//! Where the headers are missing (they are undocumented, and reported absent after periods of
//! inactivity) the reserve cannot be checked; `--max-tokens` caps what one run spends whatever
//! the answers say. Both count a request's cost when it is sent, so requests in flight can never
//! take a run past either.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use reqwest::header::HeaderMap;

use crate::api::costs;
use crate::error::{Error, Result};
use crate::printer;

#[derive(Default)]
pub(crate) struct Budget {
    /// Percent of the daily limit to leave untouched.
    reserve_percent: u64,
    requests: AtomicU64,
    tokens: AtomicU64,
    /// Tokens of requests sent but not answered yet: the last figure does not include them.
    in_flight: AtomicU64,
    /// The last (limit, remaining) an answer gave.
    daily: Mutex<Option<(u64, u64)>>,
    /// `--max-tokens`: the most this run may spend.
    ceiling: Option<u64>,
    /// The `-v` line on missing budget headers was printed.
    told_no_headers: AtomicBool,
}

/// Requests made and tokens spent, for the summary line and `manifest.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) requests: u64,
    pub(crate) tokens: u64,
}

/// A request admitted by [`Budget::admit`]; give it back to [`Budget::record`] or drop it.
pub(crate) struct Ticket<'a> {
    budget: &'a Budget,
    cost: u64,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.budget.in_flight.fetch_sub(self.cost, Ordering::SeqCst);
    }
}

impl Budget {
    pub(crate) fn new(reserve_percent: u8) -> Budget {
        Budget {
            reserve_percent: u64::from(reserve_percent.min(100)),
            ..Budget::default()
        }
    }

    /// With `--max-tokens`: no request is sent that would take the run's spend beyond `max`.
    pub(crate) fn with_ceiling(mut self, max: Option<u64>) -> Budget {
        self.ceiling = max;
        self
    }

    pub(crate) fn usage(&self) -> Usage {
        Usage {
            requests: self.requests.load(Ordering::SeqCst),
            tokens: self.tokens.load(Ordering::SeqCst),
        }
    }

    /// Lets `GET path` go, or refuses it (exit 75) when it would take the company's remaining
    /// budget below the reserve.
    pub(crate) fn admit(&self, path: &str) -> Result<Ticket<'_>> {
        let cost = costs::cost(path);
        let pending = self.in_flight.fetch_add(cost, Ordering::SeqCst) + cost;
        let ticket = Ticket { budget: self, cost };
        // Counted when sent: a request cancelled before its answer (a page fetched ahead that
        // was not needed) reached the server and spent its tokens all the same.
        self.requests.fetch_add(1, Ordering::SeqCst);
        let spent = self.tokens.fetch_add(cost, Ordering::SeqCst) + cost;
        if let Some(max) = self.ceiling.filter(|max| spent > *max) {
            self.requests.fetch_sub(1, Ordering::SeqCst);
            self.tokens.fetch_sub(cost, Ordering::SeqCst);
            return Err(Error::Temporary(format!(
                "stopping before --max-tokens {max}: GET {path} costs {cost} tokens and this run \
                 has spent or sent {} in {} requests; nothing was written. Raise --max-tokens \
                 (PIPEDRIVE_MAX_TOKENS) or narrow the export",
                spent - cost,
                self.requests.load(Ordering::SeqCst),
            )));
        }
        let daily = *self.daily.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((limit, remaining)) = daily {
            let reserve = limit.saturating_mul(self.reserve_percent) / 100;
            if remaining.saturating_sub(pending) < reserve {
                self.requests.fetch_sub(1, Ordering::SeqCst);
                self.tokens.fetch_sub(cost, Ordering::SeqCst);
                return Err(Error::Temporary(format!(
                    "stopping before the company's daily API budget falls below the reserve: \
                     {remaining} of {limit} tokens left ({:.1}%), --budget-reserve {}% keeps {reserve} \
                     for other integrations; this run spent {} tokens in {} requests. Try again \
                     after the budget resets (daily), or lower --budget-reserve",
                    remaining as f64 * 100.0 / limit.max(1) as f64,
                    self.reserve_percent,
                    self.tokens.load(Ordering::SeqCst),
                    self.requests.load(Ordering::SeqCst),
                )));
            }
        }
        Ok(ticket)
    }

    /// Takes an answer's own cost figure where it sends one instead of the spec's; notes the
    /// budget the answer reports.
    pub(crate) fn record(&self, ticket: Ticket<'_>, headers: &HeaderMap) {
        if let Some(told) = number(headers, "x-token-cost") {
            self.tokens.fetch_add(told, Ordering::SeqCst);
            self.tokens.fetch_sub(ticket.cost, Ordering::SeqCst);
        }
        let limit = number(headers, "x-daily-ratelimit-token-limit");
        let remaining = number(headers, "x-daily-ratelimit-token-remaining");
        // The ticket (this request's cost, still counted as in flight) goes only once the
        // figure that includes it is in: in between, a request admitted would count it twice
        // rather than not at all.
        let _in_flight = ticket;
        if (limit.is_none() || remaining.is_none())
            && self.reserve_percent > 0
            && !self.told_no_headers.swap(true, Ordering::SeqCst)
        {
            printer::verbose(
                "the answers carry no daily budget headers (x-daily-ratelimit-token-limit, \
                 -remaining): --budget-reserve cannot be checked; --max-tokens caps what this \
                 run spends",
            );
        }
        if let (Some(limit), Some(remaining)) = (limit, remaining) {
            let mut daily = self.daily.lock().unwrap_or_else(|p| p.into_inner());
            // Answers of parallel requests arrive out of order: an older one reports more left.
            // Only the day's reset (more than half the limit back) raises the figure.
            let older = daily
                .is_some_and(|(l, r)| l == limit && remaining > r && remaining - r <= limit / 2);
            if !older {
                *daily = Some((limit, remaining));
            }
        }
    }
}

fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn daily(limit: u64, remaining: u64) -> HeaderMap {
        let mut h = HeaderMap::new();
        let v = |n: u64| HeaderValue::from_str(&n.to_string()).unwrap();
        h.insert("x-daily-ratelimit-token-limit", v(limit));
        h.insert("x-daily-ratelimit-token-remaining", v(remaining));
        h
    }

    #[test]
    fn counts_requests_and_tokens_by_the_spec_or_the_answer() {
        let b = Budget::new(10);
        let t = b.admit("/api/v2/deals").unwrap();
        b.record(t, &HeaderMap::new());
        let t = b.admit("/api/v1/notes").unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-token-cost", HeaderValue::from_static("3"));
        b.record(t, &h);
        assert_eq!(
            b.usage(),
            Usage {
                requests: 2,
                tokens: 13
            }
        );
    }

    #[test]
    fn stops_before_the_reserve_counting_requests_in_flight() {
        let b = Budget::new(10);
        let t = b.admit("/api/v2/deals").unwrap();
        b.record(t, &daily(1000, 125));
        // 125 left, 100 reserved: two requests of 10 fit, a third would dip into the reserve.
        let one = b.admit("/api/v2/deals").unwrap();
        let two = b.admit("/api/v2/deals").unwrap();
        let err = b.admit("/api/v2/deals").err().unwrap();
        assert_eq!(err.exit_code(), 75);
        let text = err.to_string();
        assert!(text.contains("125 of 1000 tokens left"), "{text}");
        drop((one, two));
        assert!(b.admit("/api/v2/deals").is_ok());
        // Without budget headers nothing is refused.
        assert!(Budget::new(100).admit("/api/v2/deals").is_ok());
    }

    #[test]
    fn the_ceiling_counts_requests_in_flight() {
        let b = Budget::new(10).with_ceiling(Some(25));
        let one = b.admit("/api/v2/deals").unwrap();
        let two = b.admit("/api/v2/deals").unwrap();
        let err = b.admit("/api/v2/deals").err().unwrap();
        assert_eq!(err.exit_code(), 75);
        assert!(err.to_string().contains("--max-tokens 25"), "{err}");
        drop((one, two));
        assert!(
            b.admit("/api/v2/deals").is_err(),
            "answered requests stay spent"
        );
        assert_eq!(b.usage().tokens, 20);
    }

    #[test]
    fn an_older_answer_does_not_raise_what_is_left() {
        let b = Budget::new(10);
        b.record(b.admit("/api/v2/deals").unwrap(), &daily(1000, 110));
        // Sent earlier, answered later: it still says 130.
        b.record(b.admit("/api/v2/deals").unwrap(), &daily(1000, 130));
        let one = b.admit("/api/v2/deals").unwrap();
        assert!(
            b.admit("/api/v2/deals").is_err(),
            "110 left: one request of 10 fits"
        );
        drop(one);
        // The day's reset does raise it.
        let b2 = Budget::new(10);
        b2.record(b2.admit("/api/v2/deals").unwrap(), &daily(1000, 110));
        b2.record(b2.admit("/api/v2/deals").unwrap(), &daily(1000, 990));
        assert!(b2.admit("/api/v2/deals").is_ok());
    }
}
