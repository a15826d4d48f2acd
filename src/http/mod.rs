//! The HTTP floor shared by the API client and the OAuth client: how the connection pool is built,
//! which URLs may carry credentials, how a transport error is described without its URL, and what
//! the program is waiting for right now.

use std::time::Duration;

use crate::clock::Clock;
use crate::error::{Error, Result};
use retry::RetryPolicy;

pub(crate) mod retry;
pub(crate) mod wait;

/// What the HTTP clients need of the settings (filled in when the settings are resolved).
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    /// `--max-wait`: the longest wait a server may ask for.
    pub(crate) max_wait: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    /// How long named waits last: real time in use, a fraction of it in the tests.
    pub(crate) clock: Clock,
    /// `--budget-reserve`: percent of the company's daily token budget to leave untouched.
    pub(crate) budget_reserve: u8,
    /// `--max-tokens`: the most tokens one run may spend.
    pub(crate) max_tokens: Option<u64>,
}

impl HttpSettings {
    /// The retry policy of every call: API pages, the OAuth token endpoint, token saves.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::new(self.max_wait, self.clock)
    }
}

/// The largest answer read into memory. Pipedrive's pages are a few MB at most; a body beyond this
/// is a broken or hostile server, and reading it would only exhaust memory.
const BODY_CAP: usize = 64 << 20;

pub(crate) fn http_client(settings: &HttpSettings) -> Result<reqwest::Client> {
    // reqwest is built without a crypto provider of its own: use ring, which mongodb's rustls
    // already links. Installing twice (a second client) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(concat!("pipedrive-cli/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Other(format!("cannot set up HTTP: {e}")))
}

/// Reads an answer's body, refusing more than [`BODY_CAP`] bytes (an error, exit 1). The inner
/// `Err` is a transfer cut short: worth another attempt.
pub(crate) async fn read_body(
    resp: reqwest::Response,
    what: &str,
) -> Result<std::result::Result<Vec<u8>, String>> {
    read_body_into(resp, what, Vec::new()).await
}

/// Page bodies put back by their readers once written, for the next page to be read into: an
/// export holds a few pages at a time, so a handful of buffers serve it from start to end instead
/// of a fresh half-megabyte allocation (and its page faults, and the allocator's fragmentation
/// over two threads' arenas) for every page.
static SPARE_BODIES: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// Spare buffers kept at most (one per slice at the highest `--concurrency`).
const SPARES: usize = 16;

/// A buffer for a page body: a spare one if there is one.
pub(crate) fn spare_body() -> Vec<u8> {
    let mut spares = SPARE_BODIES.lock().unwrap_or_else(|p| p.into_inner());
    spares.pop().unwrap_or_default()
}

/// Puts a page body back for the next page. Small ones are not worth keeping, and an outsized
/// one (a page of long notes, say) would hold its memory for the rest of the run.
pub(crate) fn recycle_body(mut body: Vec<u8>) {
    if !(64 << 10..=4 << 20).contains(&body.capacity()) {
        return;
    }
    body.clear();
    let mut spares = SPARE_BODIES.lock().unwrap_or_else(|p| p.into_inner());
    if spares.len() < SPARES {
        spares.push(body);
    }
}

/// [`read_body`] into `body` (emptied first; a spare page buffer, say).
pub(crate) async fn read_body_into(
    mut resp: reqwest::Response,
    what: &str,
    mut body: Vec<u8>,
) -> Result<std::result::Result<Vec<u8>, String>> {
    let too_large = || {
        Error::Other(format!(
            "{what}: the answer is larger than {} MB; refusing to read it",
            BODY_CAP >> 20
        ))
    };
    let declared = resp.content_length().unwrap_or(0);
    if declared > BODY_CAP as u64 {
        return Err(too_large());
    }
    body.clear();
    let declared = declared as usize;
    if body.capacity() < declared {
        // Room for the next page to be a little longer without growing again.
        body.reserve_exact(declared + declared / 16);
    }
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > BODY_CAP {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(Ok(body)),
            Err(e) => return Ok(Err(describe(&e))),
        }
    }
}

/// The longest address accepted: a company domain is a short URL; browsers' own bound.
const MAX_URL: usize = 2048;

/// Tokens are only ever sent over https, except to loopback hosts (tests, the demo).
pub(crate) fn check_secure_url(what: &str, raw: &str) -> Result<url::Url> {
    // The text may come from a server (a token answer's api_domain): quoted, and cut short.
    let shown = crate::terminal_text::quoted(raw, 100);
    // No request to such a URL can ever succeed: refused at once rather than retried.
    if raw.len() > MAX_URL {
        return Err(Error::Other(format!(
            "{what} '{shown}' is {} bytes long: not a Pipedrive address (at most {MAX_URL})",
            raw.len()
        )));
    }
    let url = url::Url::parse(raw)
        .map_err(|e| Error::Other(format!("{what} '{shown}' is not a valid URL: {e}")))?;
    if url.host_str().is_some_and(|h| h.len() > 253) {
        return Err(Error::Other(format!(
            "{what} '{shown}': its host name is longer than DNS allows (253)"
        )));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(Error::Other(format!(
            "refusing to send credentials to {what} '{shown}': it must be https (http only for loopback hosts)"
        ))),
    }
}

/// The same rule for a URL the user configured (`PIPEDRIVE_OAUTH_URL`, `PIPEDRIVE_API_DOMAIN`):
/// breaking it is a usage error (exit 2), not a failure of the run.
pub(crate) fn check_configured_url(what: &str, raw: &str) -> Result<url::Url> {
    check_secure_url(what, raw).map_err(|e| match e {
        Error::Other(msg) => Error::Usage(msg),
        e => e,
    })
}

/// reqwest's error text, without the URL (which could one day carry something private).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "response body cut short"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_buffers_are_reused_but_not_tiny_or_outsized_ones() {
        let take_all = || std::iter::from_fn(|| Some(spare_body()).filter(|b| b.capacity() > 0));
        take_all().for_each(drop);
        recycle_body(Vec::with_capacity(1_234_567));
        recycle_body(Vec::with_capacity(1_000));
        recycle_body(Vec::with_capacity(10 << 20));
        let kept: Vec<usize> = take_all().map(|b| b.capacity()).collect();
        assert_eq!(kept, [1_234_567]);
        for _ in 0..SPARES + 5 {
            recycle_body(Vec::with_capacity(100_000));
        }
        assert_eq!(take_all().count(), SPARES);
    }

    #[test]
    fn only_https_or_loopback_http_carries_tokens() {
        assert!(check_secure_url("api_domain", "https://acme.pipedrive.com").is_ok());
        assert!(check_secure_url("api_domain", "http://127.0.0.1:9000").is_ok());
        assert!(check_secure_url("api_domain", "http://localhost:9000").is_ok());
        assert!(check_secure_url("api_domain", "http://[::1]:9000").is_ok());
        assert!(check_secure_url("api_domain", "http://acme.pipedrive.com").is_err());
        assert!(check_secure_url("api_domain", "ftp://127.0.0.1").is_err());
        assert!(check_secure_url("api_domain", "not a url").is_err());
    }
}
