//! The HTTP client for the Pipedrive API: one connection pool, one retry policy, one error table.
//!
//! Transient failures (connection errors, timeouts, 5xx, burst 429s, bodies that are cut short or
//! are not JSON) are retried with exponential backoff and jitter, honouring `retry-after` and
//! `x-ratelimit-reset`. A wait longer than `--max-wait` is never slept: it ends the command with
//! exit 75 and the time to try again. Retries happen per page before anything is written, so a
//! retried page can never duplicate records.

use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::http::wait::WaitStatus;
use crate::http::{check_secure_url, describe};
use crate::secret::Secret;
use crate::settings::HttpSettings;

/// How requests prove who we are.
#[derive(Debug, Clone)]
pub enum Auth {
    /// An OAuth access token, sent as `Authorization: Bearer`.
    Bearer(Secret),
    /// A personal API token, sent as `x-api-token`.
    ApiToken(Secret),
}

/// Pipedrive's answer envelope.
#[derive(Debug, Deserialize)]
pub struct Envelope<D> {
    /// Pipedrive always sends it, but the spec does not require it: only an explicit `false` is
    /// a failure.
    #[serde(default)]
    pub success: Option<bool>,
    #[serde(default = "Option::default")]
    pub data: Option<D>,
    #[serde(default)]
    pub additional_data: Option<AdditionalData>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AdditionalData {
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// Some v1 lists (leads, lead fields, deal updates) put the offset fields here directly.
    #[serde(flatten)]
    pub direct: Pagination,
}

impl AdditionalData {
    /// The offset paging fields, wherever the list puts them.
    pub fn offset_pagination(self) -> Pagination {
        self.pagination.unwrap_or(self.direct)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub start: Option<u64>,
    #[serde(default)]
    pub limit: Option<u64>,
    #[serde(default)]
    pub more_items_in_collection: bool,
    #[serde(default)]
    pub next_start: Option<u64>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_info: Option<String>,
}

pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    settings: HttpSettings,
    /// Set when the server said the burst budget is spent: no request before this instant.
    paused_until: Mutex<Option<Instant>>,
    /// The wait in progress, for the progress display.
    waiting: WaitStatus,
}

/// Retries of one request for faults (5xx, network, bad bodies); 429s have their own budget.
const FAULT_ATTEMPTS: u32 = 7;
const RATE_LIMIT_ATTEMPTS: u32 = 30;

enum Outcome<T> {
    Done(T),
    Retry { why: String, wait: Option<Duration> },
    RateLimited { why: String, wait: Duration },
}

impl ApiClient {
    pub fn new(
        http: reqwest::Client,
        api_domain: &str,
        auth: Auth,
        settings: HttpSettings,
    ) -> Result<ApiClient> {
        check_secure_url("api_domain", api_domain)?;
        Ok(ApiClient {
            http,
            base: api_domain.trim_end_matches('/').to_string(),
            auth,
            settings,
            paused_until: Mutex::new(None),
            waiting: WaitStatus::default(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// What the client is waiting for (rate limit, backoff), shared with the progress display.
    pub fn waiting(&self) -> WaitStatus {
        self.waiting.clone()
    }

    /// GET `path` with `query`, retried until a well-formed successful envelope arrives.
    pub async fn get<D: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Envelope<D>> {
        let url = format!("{}{}", self.base, path);
        let mut faults = 0;
        let mut limits = 0;
        loop {
            self.wait_for_pause().await?;
            let started = Instant::now();
            let outcome = self.attempt::<D>(&url, query).await;
            match outcome {
                Ok(Outcome::Done(env)) => return Ok(env),
                Ok(Outcome::Retry { why, wait }) => {
                    faults += 1;
                    if faults >= FAULT_ATTEMPTS {
                        return Err(Error::Temporary(format!(
                            "GET {path}: {why} (gave up after {faults} attempts)"
                        )));
                    }
                    // A wait the server asks for must fit in --max-wait; our own backoff is
                    // merely capped by it, so a small --max-wait means quick retries.
                    let wait = match wait {
                        Some(asked) => {
                            self.check_wait(path, &why, asked)?;
                            asked
                        }
                        None => backoff(faults).min(self.settings.max_wait),
                    };
                    self.log(&format!(
                        "retrying GET {path} in {:.1}s: {why}",
                        wait.as_secs_f64()
                    ));
                    self.waiting.sleep(&why, false, wait).await;
                }
                Ok(Outcome::RateLimited { why, wait }) => {
                    limits += 1;
                    if limits >= RATE_LIMIT_ATTEMPTS {
                        return Err(Error::Temporary(format!(
                            "GET {path}: {why}, {limits} times in a row"
                        )));
                    }
                    self.check_wait(path, &why, wait)?;
                    self.log(&format!(
                        "rate limited on GET {path}; waiting {:.1}s",
                        wait.as_secs_f64()
                    ));
                    self.waiting
                        .sleep(&why, true, wait + jitter(wait / 4))
                        .await;
                }
                Err(e) => return Err(e),
            }
            let _ = started;
        }
    }

    async fn attempt<D: DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<Outcome<Envelope<D>>> {
        let started = Instant::now();
        let req = self.http.get(url).query(query);
        let req = match &self.auth {
            Auth::Bearer(t) => req.bearer_auth(t.expose()),
            Auth::ApiToken(t) => req.header("x-api-token", t.expose()),
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                self.log(&format!(
                    "GET {} failed: {}",
                    shown(url, query),
                    describe(&e)
                ));
                return Ok(Outcome::Retry {
                    why: describe(&e),
                    wait: None,
                });
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        self.note_rate_headers(&headers).await;
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Ok(Outcome::Retry {
                    why: describe(&e),
                    wait: None,
                });
            }
        };
        self.log(&format!(
            "GET {} -> {} ({} ms, {} bytes)",
            shown(url, query),
            status.as_u16(),
            started.elapsed().as_millis(),
            body.len()
        ));
        if status.is_success() {
            return Ok(match serde_json::from_slice::<Envelope<D>>(&body) {
                Ok(env) if env.success != Some(false) => Outcome::Done(env),
                Ok(env) => Outcome::Retry {
                    why: format!(
                        "the API answered success: false ({})",
                        env.error.unwrap_or_else(|| "no reason given".into())
                    ),
                    wait: None,
                },
                // Well-formed JSON of another shape will not improve by asking again.
                Err(e) if e.classify() == serde_json::error::Category::Data => {
                    return Err(Error::Other(format!(
                        "GET {}: the answer does not have the expected shape ({}); stopping",
                        path_of(url),
                        short(&e.to_string())
                    )))
                }
                // Cut short or not JSON at all (an HTML page from a proxy): transient.
                Err(e) => Outcome::Retry {
                    why: format!(
                        "the answer is not the expected JSON ({})",
                        short(&e.to_string())
                    ),
                    wait: None,
                },
            });
        }
        let reason = error_reason(&body);
        match status {
            StatusCode::UNAUTHORIZED => Err(Error::Unauthorized(format!(
                "Pipedrive rejected the token (401 {reason}): it was revoked or is invalid; run `pipedrive login`"
            ))),
            // Pipedrive's edge answers clients that keep going after 429s with a 403 page that
            // is not the API's JSON: that is throttling, not a missing scope.
            StatusCode::FORBIDDEN
                if serde_json::from_slice::<serde_json::Value>(&body).is_err() =>
            {
                Err(Error::Temporary(format!(
                    "GET {}: Pipedrive's edge refused the request (403 without an API answer), \
                     usually after too many requests; try again in a few minutes",
                    path_of(url)
                )))
            }
            StatusCode::FORBIDDEN => Err(Error::Scope(format!(
                "Pipedrive refused the request (403 {reason}): the app or user lacks the permission \
                 for {}; add the scope to the app and run `pipedrive login` again",
                path_of(url)
            ))),
            StatusCode::NOT_FOUND => Err(Error::NotFound(format!("{} ({reason})", path_of(url)))),
            StatusCode::TOO_MANY_REQUESTS => {
                let told = header_secs(&headers, "retry-after")
                    .or_else(|| header_secs(&headers, "x-ratelimit-reset"));
                let wait = told.unwrap_or(Duration::from_secs(2));
                let daily = headers
                    .get("x-daily-ratelimit-token-remaining")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.trim() == "0")
                    || reason.contains("daily");
                if daily && told.is_none() {
                    // No reset time given: retrying every few seconds would only burn the day.
                    return Err(Error::Temporary(format!(
                        "GET {}: the company's daily API budget is exhausted ({reason}); it resets \
                         once a day: try again tomorrow or raise the plan's budget",
                        path_of(url)
                    )));
                }
                let why = if daily {
                    format!("the company's daily API budget is exhausted ({reason})")
                } else {
                    format!("rate limited (429 {reason})")
                };
                Ok(Outcome::RateLimited { why, wait })
            }
            s if s.is_server_error() => Ok(Outcome::Retry {
                why: format!("server error {}", s.as_u16()),
                wait: header_secs(&headers, "retry-after"),
            }),
            s => Err(Error::Other(format!("GET {} answered {} ({reason})", path_of(url), s.as_u16()))),
        }
    }

    /// Refuses a wait beyond `--max-wait`, naming when to try again.
    fn check_wait(&self, path: &str, why: &str, wait: Duration) -> Result<()> {
        if wait <= self.settings.max_wait {
            return Ok(());
        }
        let at = chrono::Local::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        Err(Error::Temporary(format!(
            "GET {path}: {why}; the server asks to wait {:.0}s, more than --max-wait {}s: try again after {}",
            wait.as_secs_f64().ceil(),
            self.settings.max_wait.as_secs(),
            at.format("%Y-%m-%d %H:%M:%S %Z")
        )))
    }

    async fn note_rate_headers(&self, headers: &HeaderMap) {
        let remaining = headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        if remaining == Some(0) {
            let wait = header_secs(headers, "x-ratelimit-reset").unwrap_or(Duration::from_secs(2));
            let mut paused = self.paused_until.lock().await;
            let until = Instant::now() + wait;
            if paused.is_none_or(|p| p < until) {
                *paused = Some(until);
            }
        }
    }

    async fn wait_for_pause(&self) -> Result<()> {
        let until = { *self.paused_until.lock().await };
        if let Some(until) = until {
            let wait = until.saturating_duration_since(Instant::now());
            if !wait.is_zero() {
                self.check_wait("(next request)", "the burst rate limit is spent", wait)?;
                self.log(&format!(
                    "burst budget spent; pausing {:.1}s",
                    wait.as_secs_f64()
                ));
                self.waiting
                    .sleep("the burst rate limit is spent", true, wait)
                    .await;
            }
        }
        Ok(())
    }

    fn log(&self, line: &str) {
        if self.settings.verbose {
            eprintln!("pipedrive: {line}");
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(250).saturating_mul(1 << attempt.min(6));
    let capped = base.min(Duration::from_secs(10));
    // A random point between half and all of the backoff keeps parallel jobs from retrying in step.
    capped / 2 + jitter(capped / 2)
}

/// A uniformly random duration between zero and `max` (at most 5 s).
fn jitter(max: Duration) -> Duration {
    let ms = max.as_millis().min(5_000) as u64;
    if ms == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::rng().random_range(0..=ms))
}

fn header_secs(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let v = headers.get(name)?.to_str().ok()?.trim();
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

fn error_reason(body: &[u8]) -> String {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let text = parsed.error.or(parsed.error_info).unwrap_or_else(|| {
        if body.starts_with(b"<") || body.is_empty() {
            "no JSON error body".to_string()
        } else {
            String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned()
        }
    });
    short(&text)
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn path_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| url.to_string())
}

fn shown(url: &str, query: &[(&str, String)]) -> String {
    let mut u = match url::Url::parse(url) {
        Ok(u) => u,
        Err(_) => return url.to_string(),
    };
    if !query.is_empty() {
        u.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    u.to_string()
}
