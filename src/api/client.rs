//! The HTTP client for the Pipedrive API: one connection pool, one retry policy, one error table.
//!
//! Transient failures (connection errors, timeouts, 5xx, burst 429s, bodies that are cut short or
//! are not JSON) are retried by the shared policy of `crate::http::retry`, which honours
//! `retry-after` and `x-ratelimit-reset` and never sleeps beyond `--max-wait`. What is left here is
//! the API's own reading of final answers (401, 403, 404) and of the envelope. Retries happen per
//! page before anything is written, so a retried page can never duplicate records.

use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use futures_util::future::BoxFuture;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::budget::{Budget, Ticket, Usage};
use crate::api::pacer::Pacer;
use crate::error::{Error, Result};
use crate::http::retry::{self, error_reason, sanitize, Failure, Outcome, RetryPolicy};
use crate::http::wait::WaitStatus;
use crate::http::{
    check_secure_url, describe, read_body_into, recycle_body, spare_body, HttpSettings,
};
use crate::printer;
use crate::secret::Secret;

/// How requests prove who we are.
#[derive(Clone)]
pub(crate) enum Auth {
    /// An OAuth access token that the session keeps fresh (refreshed before it expires and once
    /// after a 401), sent as `Authorization: Bearer`.
    OAuth(Arc<dyn AccessToken>),
    /// A personal API token, sent as `x-api-token`.
    ApiToken(Secret),
}

/// Where the client gets its access token: the session implements it (the API layer knows
/// nothing of stores and refreshes).
pub(crate) trait AccessToken: Send + Sync {
    /// The access token for the next request, refreshed first if it is about to expire.
    fn current(&self) -> BoxFuture<'_, Result<Secret>>;
    /// The API answered 401 to `rejected`: a renewed token, or an error when none can be had.
    fn renew<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>>;
}

/// Pipedrive's answer envelope.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<D> {
    /// Pipedrive always sends it, but the spec does not require it: only an explicit `false` is
    /// a failure.
    #[serde(default)]
    success: Option<bool>,
    #[serde(default = "Option::default")]
    pub(crate) data: Option<D>,
    #[serde(default)]
    pub(crate) additional_data: Option<AdditionalData>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AdditionalData {
    #[serde(default)]
    pub(crate) next_cursor: Option<String>,
    #[serde(default)]
    pagination: Option<Pagination>,
    /// Some v1 lists (leads, lead fields, deal updates) put the offset fields here directly.
    #[serde(flatten)]
    direct: Pagination,
}

impl AdditionalData {
    /// The offset paging fields, wherever the list puts them.
    pub(crate) fn offset_pagination(self) -> Pagination {
        self.pagination.unwrap_or(self.direct)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Pagination {
    #[serde(default)]
    pub(crate) more_items_in_collection: bool,
    #[serde(default)]
    pub(crate) next_start: Option<u64>,
}

/// A list answer as it came: its text, and where its `data` sits in it, so a page is walked in
/// place instead of copied out of the answer.
#[derive(Debug)]
pub(crate) struct ListAnswer {
    pub(crate) text: String,
    /// `None` when the API sent no `data` (or `null`).
    pub(crate) data: Option<Range<usize>>,
    pub(crate) additional_data: Option<AdditionalData>,
}

/// How a successful answer's body becomes what the caller asked for.
type Parse<T> = fn(&ApiClient, &str, Vec<u8>) -> Result<Step<T>>;

pub(crate) struct ApiClient {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    policy: RetryPolicy,
    /// One pace for every request in flight, from the burst limit the answers announce.
    pacer: Pacer,
    /// Requests and tokens spent of the company's daily budget, and the reserve to leave.
    budget: Budget,
    /// The wait in progress, for the progress display.
    waiting: WaitStatus,
}

/// One attempt: an envelope, or a failure the policy may retry.
enum Step<T> {
    Done(T),
    Again(Failure),
}

impl ApiClient {
    pub(crate) fn new(
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
            policy: settings.retry_policy(),
            pacer: Pacer::new(settings.clock),
            budget: Budget::new(settings.budget_reserve).with_ceiling(settings.max_tokens),
            waiting: WaitStatus::default(),
        })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// What the client is waiting for (rate limit, backoff), shared with the progress display.
    pub(crate) fn waiting(&self) -> WaitStatus {
        self.waiting.clone()
    }

    /// Requests answered and tokens spent so far.
    /// Requests a second the burst limit allows, once an answer announced it.
    pub(crate) fn burst_rate(&self) -> Option<f64> {
        self.pacer.rate()
    }

    pub(crate) fn usage(&self) -> Usage {
        self.budget.usage()
    }

    /// GET `path` with `query`, retried until a well-formed successful envelope arrives.
    pub(crate) async fn get<D: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Envelope<D>> {
        let parse: Parse<Envelope<D>> = |client, url, body| {
            let env = client.envelope(url, &body);
            recycle_body(body);
            env
        };
        self.fetch(path, query, &|_| {}, parse).await
    }

    /// A page of a list: [`ApiClient::get`] that keeps the answer's text (read into a spare page
    /// buffer) and finds `data` in it. `peek` sees each successful answer's raw body before it is
    /// parsed (a cursor can be read off the end of a page while the page is still being parsed).
    pub(crate) async fn get_list(
        &self,
        path: &str,
        query: &[(&str, String)],
        peek: &(dyn Fn(&[u8]) + Sync),
    ) -> Result<ListAnswer> {
        self.fetch(path, query, peek, ApiClient::list_answer).await
    }

    async fn fetch<T>(
        &self,
        path: &str,
        query: &[(&str, String)],
        peek: &(dyn Fn(&[u8]) + Sync),
        parse: Parse<T>,
    ) -> Result<T> {
        let url = format!("{}{}", self.base, path);
        let mut retry = self.policy.start(format!("GET {path}"), &self.waiting);
        let mut renewed = false;
        loop {
            self.pace(path).await?;
            let token = match &self.auth {
                Auth::OAuth(source) => Some(source.current().await?),
                _ => None,
            };
            let ticket = self.budget.admit(path)?;
            match self
                .attempt(&url, query, token.as_ref(), ticket, peek, parse)
                .await
            {
                Ok(Step::Done(env)) => return Ok(env),
                Ok(Step::Again(failure)) => {
                    if let Failure::RateLimited { wait, .. } = &failure {
                        // Every request waits, not only this one: the next would draw a 429 too.
                        self.pacer.pause_all(*wait);
                    }
                    retry.after(failure).await?
                }
                // An access token can expire mid-export: one refresh and one more try before the
                // 401 counts as an invalidated token. Nothing was written for this request yet.
                Err(Error::Unauthorized(_)) if !renewed && token.is_some() => {
                    renewed = true;
                    if let (Auth::OAuth(source), Some(t)) = (&self.auth, &token) {
                        source.renew(t).await?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn attempt<T>(
        &self,
        url: &str,
        query: &[(&str, String)],
        token: Option<&Secret>,
        ticket: Ticket<'_>,
        peek: &(dyn Fn(&[u8]) + Sync),
        parse: Parse<T>,
    ) -> Result<Step<T>> {
        let started = Instant::now();
        let req = self.http.get(url).query(query);
        let req = match (&self.auth, token) {
            (_, Some(t)) => req.bearer_auth(t.expose()),
            (Auth::ApiToken(t), None) => req.header("x-api-token", t.expose()),
            (Auth::OAuth(_), None) => return Err(Error::other("no access token to send")),
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                printer::verbose(&format!(
                    "GET {} failed: {}",
                    shown(url, query),
                    describe(&e)
                ));
                return Ok(Step::Again(Failure::Fault {
                    why: describe(&e),
                    asked: None,
                }));
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        self.pacer.observe(&headers, started);
        self.budget.record(ticket, &headers);
        let what = format!("GET {}", path_of(url));
        let body = match read_body_into(resp, &what, spare_body()).await? {
            Ok(b) => b,
            Err(why) => return Ok(Step::Again(Failure::Fault { why, asked: None })),
        };
        printer::verbose(&format!(
            "GET {} -> {} ({} ms, {} bytes)",
            shown(url, query),
            status.as_u16(),
            started.elapsed().as_millis(),
            body.len()
        ));
        match retry::classify(status, &headers, &body) {
            Outcome::Success => {
                peek(&body);
                // A peek that starts the next request woke its task, which tokio would run on
                // this thread only after this one's parse (about 1 ms for a page of 500): yield,
                // so the next request is on the wire while this page is parsed.
                tokio::task::yield_now().await;
                parse(self, url, body)
            }
            // No budget headers, but a wait no burst window asks for: the day's budget is gone.
            Outcome::Again(Failure::RateLimited { wait, .. }) if wait > retry::BURST_WAITS => {
                Err(Error::Temporary(format!(
                    "GET {}: daily token budget spent (429 {}); {}",
                    path_of(url),
                    error_reason(&body),
                    retry::try_again(Some(wait))
                )))
            }
            Outcome::Again(failure) => Ok(Step::Again(failure)),
            Outcome::Exhausted { why, wait } => Err(Error::Temporary(format!(
                "GET {}: {why}; {}",
                path_of(url),
                retry::try_again(wait)
            ))),
            Outcome::Final => Err(final_error(status, url, &body)),
        }
    }

    /// A list answer: the body kept as text, `data` found in it.
    fn list_answer(&self, url: &str, body: Vec<u8>) -> Result<Step<ListAnswer>> {
        let text = match String::from_utf8(body) {
            Ok(text) => text,
            Err(e) => {
                return Ok(Step::Again(Failure::Malformed {
                    why: "the answer is not UTF-8 text".into(),
                    sample: sanitize(e.as_bytes(), 80),
                }))
            }
        };
        let env = match self.envelope::<&RawValue>(url, text.as_bytes())? {
            Step::Done(env) => env,
            Step::Again(failure) => return Ok(Step::Again(failure)),
        };
        // `data` is a slice of `text`: its place, from the two addresses.
        let data = env.data.map(|raw| {
            let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            start..start + raw.get().len()
        });
        let additional_data = env.additional_data;
        Ok(Step::Done(ListAnswer {
            text,
            data,
            additional_data,
        }))
    }

    /// Reads a successful answer's envelope.
    fn envelope<'a, D: Deserialize<'a>>(
        &self,
        url: &str,
        body: &'a [u8],
    ) -> Result<Step<Envelope<D>>> {
        Ok(match serde_json::from_slice::<Envelope<D>>(body) {
            Ok(env) if env.success != Some(false) => Step::Done(env),
            Ok(env) => Step::Again(Failure::Fault {
                why: format!(
                    "the API answered success: false ({})",
                    sanitize(
                        env.error.as_deref().unwrap_or("no reason given").as_bytes(),
                        160
                    )
                ),
                asked: None,
            }),
            // Well-formed JSON of another shape will not improve by asking again.
            Err(e) if e.classify() == serde_json::error::Category::Data => {
                return Err(Error::Other(format!(
                    "GET {}: the answer does not have the expected shape ({}); stopping",
                    path_of(url),
                    sanitize(e.to_string().as_bytes(), 160)
                )))
            }
            // Cut short: a transport hiccup; the next attempt may well get all of it.
            Err(e) if e.classify() == serde_json::error::Category::Eof => {
                Step::Again(Failure::Fault {
                    why: format!(
                        "the answer was cut short ({})",
                        sanitize(e.to_string().as_bytes(), 160)
                    ),
                    asked: None,
                })
            }
            // Not JSON at all (an HTML page from a proxy, bytes that are not UTF-8): retried, and
            // an error of its own if it never changes.
            Err(e) => Step::Again(Failure::Malformed {
                why: format!(
                    "the answer is not the expected JSON ({})",
                    sanitize(e.to_string().as_bytes(), 160)
                ),
                sample: sanitize(body, 80),
            }),
        })
    }

    /// Waits for this request's start slot: spacing to the burst limit, or a pause everyone
    /// shares (a spent window, a 429). Every wait is checked against --max-wait before it is
    /// slept; plain spacing is at most a burst window unless a server's figure stretched it.
    async fn pace(&self, path: &str) -> Result<()> {
        let slot = self.pacer.slot();
        let total = slot.total();
        if total.is_zero() {
            return Ok(());
        }
        let why = slot
            .why
            .or((total > SPACING_LIMIT).then_some("pacing to the burst rate limit"));
        if let Some(why) = why {
            self.policy.check_wait(&format!("GET {path}"), why, total)?;
            printer::verbose(&format!(
                "{why}; pausing {:.1}s before GET {path}",
                total.as_secs_f64()
            ));
        }
        if !slot.pause.is_zero() {
            let why = why.unwrap_or("rate limited by Pipedrive");
            self.policy
                .sleep(&self.waiting, why, true, slot.pause)
                .await;
        }
        // Spacing is already real time (on the test clock, as short as the mock's windows are
        // unless a test asks for real ones); at most about one window: not worth a word on the
        // progress display.
        tokio::time::sleep(slot.spacing).await;
        Ok(())
    }
}

/// Spacing between request starts longer than this is more than the pacing of one window (a
/// server's figure, or a small limit shared by many requests), and is checked like a pause.
const SPACING_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The API's final answers: a dead token, a missing scope, an unknown id.
fn final_error(status: StatusCode, url: &str, body: &[u8]) -> Error {
    let reason = error_reason(body);
    match status {
        StatusCode::UNAUTHORIZED => Error::Unauthorized(format!(
            "Pipedrive rejected the token (401 {reason}): it was revoked or is invalid; run `pipedrive login`"
        )),
        // Pipedrive's edge answers clients that keep going after 429s with a 403 page that is not
        // the API's JSON: that is throttling, not a missing scope.
        StatusCode::FORBIDDEN if serde_json::from_slice::<serde_json::Value>(body).is_err() => {
            Error::Temporary(format!(
                "GET {}: blocked for sending too fast (Pipedrive's edge answered 403 with a page, \
                 not the API's JSON, as it does after too many 429s); try again in a few minutes",
                path_of(url)
            ))
        }
        // A feature the company's plan lacks (installments below Growth): 402, or a 403 whose
        // error names the plan. Not this account's data, like a scope it was not granted.
        StatusCode::PAYMENT_REQUIRED => not_on_plan(url, &format!("402 {reason}")),
        StatusCode::FORBIDDEN if reason.to_ascii_lowercase().contains("plan") => {
            not_on_plan(url, &format!("403 {reason}"))
        }
        StatusCode::FORBIDDEN => Error::Scope(format!(
            "Pipedrive refused the request (403 {reason}): the app or user lacks the permission \
             for {}; add the scope to the app and run `pipedrive login` again",
            path_of(url)
        )),
        // Pipedrive's answer for a company subdomain it does not know: every path of this
        // api_domain answers so, whatever the id or list. A fresh login stores the right one.
        StatusCode::NOT_FOUND if reason.to_ascii_lowercase().contains("company domain not found") => {
            Error::Auth(format!(
                "Pipedrive knows no company at {} (404 {reason}): the stored api_domain is \
                 wrong or the company's domain changed; run `pipedrive login` again (with \
                 PIPEDRIVE_API_TOKEN, fix PIPEDRIVE_API_DOMAIN)",
                crate::terminal_text::quoted(&origin_of(url), 100)
            ))
        }
        StatusCode::NOT_FOUND => Error::NotFound(format!("{} ({reason})", path_of(url))),
        s => Error::Other(format!("GET {} answered {} ({reason})", path_of(url), s.as_u16())),
    }
}

fn not_on_plan(url: &str, answer: &str) -> Error {
    Error::Scope(format!(
        "the company's Pipedrive plan does not offer {} ({answer}); a higher plan does",
        path_of(url)
    ))
}

fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_string())
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
