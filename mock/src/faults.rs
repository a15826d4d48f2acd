//! Fault injection: which failure, if any, the nth API request gets. Faults apply to API
//! calls only (`refresh_delay` excepted, which slows the token endpoint) and never advance
//! anything: the request retried afterwards gets the same page.

use std::time::Duration;

/// Failures to inject; all off by default. "Every Nth" counts API requests (1-based), so with
/// `N = 3` requests 3, 6, 9 ... fail.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Every Nth API request answers this status (500, 502, 503 ...) with an HTML body.
    pub status_every: Option<(u32, u16)>,
    /// Every Nth API request: the connection is closed without an answer.
    pub drop_every: Option<u32>,
    /// Every Nth API request answers 429 with `retry-after: 1`.
    pub burst_429_every: Option<u32>,
    /// Every API request answers 429 `daily request budget exceeded`, `retry-after: 3600`.
    pub daily_budget_exhausted: bool,
    /// Every API request answers 401.
    pub revoked: bool,
    /// Every Nth API request answers 200 with `{"success":false,...}`.
    pub success_false_every: Option<u32>,
    /// Every Nth API request: 200 with the full content-length but half the body, then close.
    pub truncate_every: Option<u32>,
    /// Delay inside `/oauth/token` (before the grant is checked).
    pub refresh_delay: Duration,
    /// v2 list pages asked for with a cursor name that same cursor as their `next_cursor`.
    pub repeat_cursor: bool,
    /// v1 offset pages name their own `start` as `next_start`.
    pub stuck_next_start: bool,
    /// Every API request answers 200 `{"success":true,"data":"..."}`: valid JSON, wrong shape.
    pub wrong_shape: bool,
    /// Enforces the burst window at this many requests per 2 s: `x-ratelimit-remaining` counts
    /// down to 0 and every request beyond it answers 429 (fault `"burst_limit"`).
    pub burst_limit: Option<u64>,
    /// How the burst window counts requests (fixed windows from a token's first request by
    /// default).
    pub burst_window: crate::limits::Window,
    /// How `x-ratelimit-reset` is rounded (whole seconds rounded up by default).
    pub burst_reset: crate::limits::ResetRounding,
    /// Enforces a daily budget of this many tokens (each operation's `x-token-cost`): the
    /// `x-daily-ratelimit-token-*` headers count it down and a request that does not fit answers
    /// 429 `daily request budget exceeded`. Off, the headers report 1,000,000 tokens.
    pub daily_budget: Option<u64>,
    /// Every API request gets exactly this answer instead of the API's (fault `"raw"`): a broken
    /// or hostile server (absurd `retry-after`, a body that is not JSON, a huge body).
    pub raw: Option<RawAnswer>,
    /// Headers set on every API answer, replacing the mock's own of the same name
    /// (`x-ratelimit-reset: 1e19` with `x-ratelimit-remaining: 0`).
    pub headers: Vec<(&'static str, String)>,
    /// The next calls to `/oauth/token` get these answers, one each, before it works again.
    pub oauth_answers: Vec<RawAnswer>,
    /// Field definition endpoints only (`*Fields`): what they answer instead of the definitions.
    pub fields: Option<FieldsFault>,
    /// Delay inside `/oauth/token` after a refresh token was rotated, before the answer leaves.
    pub refresh_answer_delay: Duration,
    /// Lifetime of access tokens issued from now on (and their `expires_in`); default 3599 s.
    pub token_lifetime: Option<Duration>,
    /// v2 list pages (not field definitions) are empty and name a new cursor, forever.
    pub endless_empty_pages: bool,
    /// Answers carry no `x-daily-ratelimit-token-*` headers (Pipedrive does not document them,
    /// and they are reported missing after periods of inactivity); the budget is still spent.
    pub no_daily_headers: bool,
}

/// An answer given as is: status, headers, body.
#[derive(Clone, Debug, Default)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl RawAnswer {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> RawAnswer {
        RawAnswer {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> RawAnswer {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn reply(&self) -> crate::state::Reply {
        let mut r = crate::state::Reply::text(self.status, "application/json", self.body.clone());
        r.headers = self.headers.clone();
        r
    }
}

/// How the field definition endpoints fail when [`Faults::fields`] is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldsFault {
    /// This status on every try: with an HTML body, or for 403 Pipedrive's JSON "Scope and URL
    /// mismatch".
    Status(u16),
    /// 200 with one definition whose `options` is a 1 MB string (with escape sequences in it)
    /// instead of a list.
    Malformed,
}

/// The failure chosen for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    DailyBudget,
    Revoked,
    Drop,
    Status(u16),
    Burst429,
    SuccessFalse,
    Truncate,
    WrongShape,
    BurstLimit,
    Raw,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::DailyBudget => "daily_budget",
            Fault::Revoked => "revoked",
            Fault::Drop => "drop",
            Fault::Status(_) => "status",
            Fault::Burst429 => "burst_429",
            Fault::SuccessFalse => "success_false",
            Fault::Truncate => "truncate",
            Fault::WrongShape => "wrong_shape",
            Fault::BurstLimit => "burst_limit",
            Fault::Raw => "raw",
        }
    }
}

fn every(n: u64, e: Option<u32>) -> bool {
    matches!(e, Some(e) if e > 0 && n % e as u64 == 0)
}

impl Faults {
    /// The fault for the `n`th API request (1-based), if any.
    pub fn pick(&self, n: u64) -> Option<Fault> {
        if self.daily_budget_exhausted {
            return Some(Fault::DailyBudget);
        }
        if self.revoked {
            return Some(Fault::Revoked);
        }
        if self.raw.is_some() {
            return Some(Fault::Raw);
        }
        if self.wrong_shape {
            return Some(Fault::WrongShape);
        }
        if every(n, self.drop_every) {
            return Some(Fault::Drop);
        }
        if let Some((e, status)) = self.status_every {
            if every(n, Some(e)) {
                return Some(Fault::Status(status));
            }
        }
        if every(n, self.burst_429_every) {
            return Some(Fault::Burst429);
        }
        if every(n, self.success_false_every) {
            return Some(Fault::SuccessFalse);
        }
        if every(n, self.truncate_every) {
            return Some(Fault::Truncate);
        }
        None
    }
}
