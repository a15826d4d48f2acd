//! One retry policy for every call that may fail for a moment: API pages, the OAuth token
//! endpoint and the save of a rotated token.
//!
//! A pure classifier turns an HTTP answer's status, headers and error body into what to do next;
//! a [`Retry`] counts the failures of one call and sleeps between them: exponential backoff with a
//! uniform jitter, or the wait the server named (`retry-after`, `x-ratelimit-reset`). A named wait
//! longer than `--max-wait` is never slept: the call ends with exit 75 and the time to try again.
//! Every wait saturates at [`LONGEST_WAIT`], so an absurd header (`retry-after: 1e13`) is a long
//! wait, never a clock overflow. When every attempt got a body that is not JSON, asking again will
//! not help: that is an error (exit 1) quoting the body's first bytes, not a temporary failure.

use std::time::Duration;

use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::Deserialize;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::http::wait::WaitStatus;
use crate::printer;

/// Every wait saturates here (about a century): far beyond any `--max-wait` set on purpose, and
/// still a valid `Instant` and calendar time.
const LONGEST_WAIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// An API 429 asking for a longer wait than this is not the burst limit (its windows last 2 s)
/// but the daily token budget: it comes back hours later, so it ends the run at once.
pub(crate) const BURST_WAITS: Duration = Duration::from_secs(60);

/// The wait assumed for a 429 that names none.
const DEFAULT_RATE_WAIT: Duration = Duration::from_secs(2);

/// How a call is retried; built once from the settings.
#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    /// The first backoff; each further one doubles, up to `longest_backoff`.
    first_backoff: Duration,
    longest_backoff: Duration,
    /// `--max-wait`: the longest wait a server may ask for.
    max_wait: Duration,
    /// Attempts of one call that fails for a fault (5xx, network, a bad body).
    attempts: u32,
    /// 429s in a row before giving up.
    rate_limit_attempts: u32,
    /// How long a wait lasts in real time (short in the tests, so fault tests do not sleep).
    clock: Clock,
}

impl RetryPolicy {
    pub(crate) fn new(max_wait: Duration, clock: Clock) -> RetryPolicy {
        RetryPolicy {
            first_backoff: Duration::from_millis(250),
            longest_backoff: Duration::from_secs(10),
            max_wait,
            attempts: 7,
            rate_limit_attempts: 30,
            clock,
        }
    }

    /// The same policy with another attempt budget (the token save tries fewer times).
    pub(crate) fn with_attempts(mut self, attempts: u32) -> RetryPolicy {
        self.attempts = attempts.max(1);
        self
    }

    /// The backoff before retry number `failures` (1-based): a uniformly random point between
    /// half and all of `first * 2^(failures)`, capped, so parallel jobs do not retry in step.
    fn backoff(&self, failures: u32) -> Duration {
        let full = self
            .first_backoff
            .saturating_mul(1 << failures.min(16))
            .min(self.longest_backoff);
        full / 2 + jitter(full / 2)
    }

    /// Refuses a wait beyond `--max-wait`, naming when to try again (exit 75).
    pub(crate) fn check_wait(&self, what: &str, why: &str, wait: Duration) -> Result<()> {
        if wait <= self.max_wait {
            return Ok(());
        }
        Err(Error::Temporary(format!(
            "{what}: {why}; the server asks to wait {}, more than --max-wait {}s: try again after {}",
            human_secs(wait),
            self.max_wait.as_secs(),
            retry_time(wait)
        )))
    }

    /// Starts counting the failures of one call named `what` (`GET /api/v2/deals`).
    pub(crate) fn start<'a>(
        &'a self,
        what: impl Into<String>,
        waiting: &'a WaitStatus,
    ) -> Retry<'a> {
        Retry {
            policy: self,
            waiting,
            what: what.into(),
            faults: 0,
            limits: 0,
            only_malformed: true,
        }
    }

    /// Sleeps the named wait `named` (on the policy's clock), shown in the progress display as
    /// `why`.
    pub(crate) async fn sleep(
        &self,
        waiting: &WaitStatus,
        why: &str,
        rate_limited: bool,
        named: Duration,
    ) {
        waiting
            .sleep(why, rate_limited, self.clock.real(named))
            .await;
    }
}

/// Why one attempt did not succeed, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// A fault worth another try: after our backoff, or after `asked` when the server named it.
    Fault {
        why: String,
        asked: Option<Duration>,
    },
    /// A successful status with a body that is not JSON (or not UTF-8); `sample` is its start,
    /// already sanitised.
    Malformed { why: String, sample: String },
    /// A rate limit that names (or implies) its wait.
    RateLimited { why: String, wait: Duration },
}

/// The failures of one call so far.
pub(crate) struct Retry<'a> {
    policy: &'a RetryPolicy,
    waiting: &'a WaitStatus,
    what: String,
    faults: u32,
    limits: u32,
    only_malformed: bool,
}

impl Retry<'_> {
    /// Takes one failure: sleeps before the next attempt, or says why there is none.
    pub(crate) async fn after(&mut self, failure: Failure) -> Result<()> {
        let policy = self.policy;
        let what = &self.what;
        match failure {
            Failure::RateLimited { why, wait } => {
                self.limits += 1;
                if self.limits >= policy.rate_limit_attempts {
                    return Err(Error::Temporary(format!(
                        "{what}: {why}, {} times in a row",
                        self.limits
                    )));
                }
                policy.check_wait(what, &why, wait)?;
                let wait = wait.saturating_add(jitter(wait / 4));
                printer::verbose(&format!(
                    "rate limited on {what}; waiting {:.1}s",
                    wait.as_secs_f64()
                ));
                policy.sleep(self.waiting, &why, true, wait).await;
                Ok(())
            }
            Failure::Fault { why, asked } => {
                self.only_malformed = false;
                self.fault(why, asked, None).await
            }
            Failure::Malformed { why, sample } => self.fault(why, None, Some(sample)).await,
        }
    }

    async fn fault(
        &mut self,
        why: String,
        asked: Option<Duration>,
        sample: Option<String>,
    ) -> Result<()> {
        let policy = self.policy;
        let what = &self.what;
        self.faults += 1;
        if self.faults >= policy.attempts {
            let tries = self.faults;
            return Err(match sample {
                // Every answer was garbage: another run will get the same. Not temporary.
                Some(sample) if self.only_malformed => Error::Other(format!(
                    "{what}: {why} on each of {tries} attempts; the answer starts with \"{sample}\""
                )),
                _ => Error::Temporary(format!("{what}: {why} (gave up after {tries} attempts)")),
            });
        }
        // A wait the server asks for must fit in --max-wait; our own backoff is merely capped by
        // it, so a small --max-wait means quick retries.
        let wait = match asked {
            Some(asked) => {
                policy.check_wait(what, &why, asked)?;
                asked
            }
            None => policy.backoff(self.faults).min(policy.max_wait),
        };
        printer::verbose(&format!(
            "retrying {what} in {:.1}s: {why}",
            wait.as_secs_f64()
        ));
        policy.sleep(self.waiting, &why, false, wait).await;
        Ok(())
    }
}

/// What an HTTP answer means for retrying, from its status, headers and body alone.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// 2xx: the caller reads the body.
    Success,
    /// Worth another try (see [`Failure`]).
    Again(Failure),
    /// The company's daily token budget is spent: asking again only burns the day. `wait` is
    /// when the server says it comes back, if it named it.
    Exhausted { why: String, wait: Option<Duration> },
    /// Any other answer is final; the caller turns its status into its own error.
    Final,
}

/// The classifier shared by the API client and the OAuth client.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Outcome {
    if status.is_success() {
        return Outcome::Success;
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        let reason = error_reason(body);
        let told = header_wait(headers, "retry-after")
            .or_else(|| header_wait(headers, "x-ratelimit-reset"));
        let daily = headers
            .get("x-daily-ratelimit-token-remaining")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0")
            || reason.contains("daily");
        if daily {
            return Outcome::Exhausted {
                why: format!("daily token budget spent (429 {reason})"),
                wait: told,
            };
        }
        return Outcome::Again(Failure::RateLimited {
            why: format!("rate limited (429 {reason})"),
            wait: told.unwrap_or(DEFAULT_RATE_WAIT),
        });
    }
    if status.is_server_error() {
        return Outcome::Again(Failure::Fault {
            why: format!("server error {}", status.as_u16()),
            asked: header_wait(headers, "retry-after"),
        });
    }
    Outcome::Final
}

/// A wait in seconds from a header, saturated at [`LONGEST_WAIT`]; negative or unreadable values
/// count as absent. (An HTTP-date `retry-after` is not used by Pipedrive.)
pub(crate) fn header_wait(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let v = headers.get(name)?.to_str().ok()?.trim();
    let secs = v.parse::<f64>().ok().filter(|s| !s.is_nan() && *s >= 0.0)?;
    Some(if secs >= LONGEST_WAIT.as_secs_f64() {
        LONGEST_WAIT
    } else {
        Duration::from_secs_f64(secs)
    })
}

/// A one-line reason from an API or OAuth error body, never echoing anything else of it.
pub(crate) fn error_reason(body: &[u8]) -> String {
    #[derive(Deserialize, Default)]
    struct ErrorBody {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        error_info: Option<String>,
        #[serde(default)]
        error_description: Option<String>,
        #[serde(default)]
        message: Option<String>,
    }
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let text = [
        parsed.error,
        parsed.error_info,
        parsed.error_description,
        parsed.message,
    ]
    .into_iter()
    .flatten()
    .find(|s| !s.trim().is_empty());
    match text {
        Some(t) => sanitize(t.as_bytes(), 160),
        None if body.starts_with(b"<") || body.is_empty() => "no JSON error body".to_string(),
        None => sanitize(body, 120),
    }
}

/// At most `max` characters of `bytes` as text fit for a terminal (see `crate::terminal_text`).
pub(crate) fn sanitize(bytes: &[u8], max: usize) -> String {
    crate::terminal_text::bytes(bytes, max)
}

/// A uniformly random duration between zero and `max`.
fn jitter(max: Duration) -> Duration {
    let ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::rng().random_range(0..=ms))
}

fn human_secs(wait: Duration) -> String {
    if wait >= LONGEST_WAIT {
        format!("at least {}s", LONGEST_WAIT.as_secs())
    } else {
        format!("{:.0}s", wait.as_secs_f64().ceil())
    }
}

/// What to tell the user of a spent daily budget: when to try again.
pub(crate) fn try_again(wait: Option<Duration>) -> String {
    match wait {
        Some(wait) => format!(
            "the server asks to wait {}: try again after {}",
            human_secs(wait),
            retry_time(wait)
        ),
        None => "it resets once a day: try again tomorrow or raise the plan's budget".into(),
    }
}

/// The local time `wait` from now, for "try again after ...".
fn retry_time(wait: Duration) -> String {
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|d| chrono::Local::now().checked_add_signed(d))
        .map(|at| at.format("%Y-%m-%d %H:%M:%S %Z").to_string())
        .unwrap_or_else(|| "a time too far away to name".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    #[test]
    fn success_statuses_are_read() {
        for code in [200, 201, 204] {
            assert_eq!(
                classify(status(code), &HeaderMap::new(), b""),
                Outcome::Success
            );
        }
    }

    #[test]
    fn server_errors_are_retried_honouring_retry_after() {
        for code in [500, 502, 503, 504] {
            assert_eq!(
                classify(status(code), &HeaderMap::new(), b"<html>"),
                Outcome::Again(Failure::Fault {
                    why: format!("server error {code}"),
                    asked: None
                })
            );
        }
        let h = headers(&[("retry-after", "3")]);
        assert_eq!(
            classify(status(503), &h, b""),
            Outcome::Again(Failure::Fault {
                why: "server error 503".into(),
                asked: Some(Duration::from_secs(3))
            })
        );
    }

    #[test]
    fn a_429_waits_what_it_names_or_two_seconds() {
        let named = classify(
            status(429),
            &headers(&[("retry-after", "7")]),
            b"{\"error\":\"slow\"}",
        );
        assert_eq!(
            named,
            Outcome::Again(Failure::RateLimited {
                why: "rate limited (429 slow)".into(),
                wait: Duration::from_secs(7)
            })
        );
        let reset = classify(status(429), &headers(&[("x-ratelimit-reset", "1.5")]), b"");
        assert!(
            matches!(reset, Outcome::Again(Failure::RateLimited { wait, .. }) if wait == Duration::from_millis(1500))
        );
        let none = classify(status(429), &HeaderMap::new(), b"");
        assert!(
            matches!(none, Outcome::Again(Failure::RateLimited { wait, .. }) if wait == DEFAULT_RATE_WAIT)
        );
    }

    #[test]
    fn a_spent_daily_budget_is_not_retried_and_said_as_such() {
        let h = headers(&[("x-daily-ratelimit-token-remaining", "0")]);
        assert!(matches!(
            classify(status(429), &h, b""),
            Outcome::Exhausted { wait: None, .. }
        ));
        let h = headers(&[
            ("x-daily-ratelimit-token-remaining", "0"),
            ("retry-after", "5"),
        ]);
        assert!(matches!(
            classify(status(429), &h, b""),
            Outcome::Exhausted { wait, .. } if wait == Some(Duration::from_secs(5))
        ));
        assert!(try_again(Some(Duration::from_secs(3939))).contains("try again after"));
    }

    #[test]
    fn client_errors_are_final() {
        for code in [400, 401, 403, 404, 410, 422] {
            assert_eq!(
                classify(status(code), &HeaderMap::new(), b"{}"),
                Outcome::Final,
                "{code}"
            );
        }
    }

    #[test]
    fn absurd_waits_saturate_instead_of_overflowing() {
        for v in ["1e13", "99999999999999999999", "1e19", "inf", "1e308"] {
            let h = headers(&[("retry-after", v)]);
            assert_eq!(header_wait(&h, "retry-after"), Some(LONGEST_WAIT), "{v}");
        }
        for v in ["-1", "NaN", "soon", ""] {
            assert_eq!(
                header_wait(&headers(&[("retry-after", v)]), "retry-after"),
                None,
                "{v}"
            );
        }
        let h = headers(&[("x-ratelimit-reset", "1e19")]);
        assert_eq!(header_wait(&h, "x-ratelimit-reset"), Some(LONGEST_WAIT));
        let policy = RetryPolicy::new(Duration::from_secs(60), Clock::default());
        let err = policy
            .check_wait("GET /x", "rate limited", LONGEST_WAIT)
            .unwrap_err();
        assert_eq!(err.exit_code(), 75);
        assert!(err.to_string().contains("try again after"), "{err}");
        assert!(std::time::Instant::now()
            .checked_add(LONGEST_WAIT)
            .is_some());
    }

    #[test]
    fn backoff_grows_saturates_and_is_jittered_within_bounds() {
        let policy = RetryPolicy::new(Duration::from_secs(60), Clock::default());
        for failures in [1, 2, 3, 10, 40, u32::MAX] {
            let full = policy
                .first_backoff
                .saturating_mul(1 << failures.min(16))
                .min(policy.longest_backoff);
            for _ in 0..20 {
                let b = policy.backoff(failures);
                assert!(b >= full / 2 && b <= full, "{failures}: {b:?}");
            }
        }
    }

    #[tokio::test]
    async fn malformed_on_every_attempt_is_an_error_not_temporary() {
        let policy = RetryPolicy::new(Duration::from_secs(60), Clock::scaled(0.0)).with_attempts(3);
        let waiting = WaitStatus::default();
        let mut retry = policy.start("GET /x", &waiting);
        let bad = || Failure::Malformed {
            why: "not JSON".into(),
            sample: "<html>".into(),
        };
        retry.after(bad()).await.unwrap();
        retry.after(bad()).await.unwrap();
        let err = retry.after(bad()).await.unwrap_err();
        assert_eq!(err.exit_code(), 1, "{err}");
        assert!(err.to_string().contains("<html>"), "{err}");

        let mut retry = policy.start("GET /x", &waiting);
        retry
            .after(Failure::Fault {
                why: "server error 502".into(),
                asked: None,
            })
            .await
            .unwrap();
        retry.after(bad()).await.unwrap();
        let err = retry.after(bad()).await.unwrap_err();
        assert_eq!(
            err.exit_code(),
            75,
            "a mix of faults stays temporary: {err}"
        );
    }

    #[tokio::test]
    async fn a_named_wait_beyond_max_wait_ends_at_once() {
        let policy = RetryPolicy::new(Duration::from_secs(5), Clock::scaled(0.0));
        let waiting = WaitStatus::default();
        let mut retry = policy.start("POST /oauth/token", &waiting);
        let err = retry
            .after(Failure::Fault {
                why: "server error 503".into(),
                asked: Some(Duration::from_secs(30)),
            })
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), 75);
        assert!(err.to_string().contains("more than --max-wait 5s"), "{err}");
    }
}
