//! The HTTP floor shared by the API client and the OAuth client: how the connection pool is built,
//! which URLs may carry credentials, how a transport error is described without its URL, and what
//! the program is waiting for right now.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::settings::HttpSettings;

pub mod wait;

pub fn http_client(settings: &HttpSettings) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("pipedrive-cli/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Other(format!("cannot set up HTTP: {e}")))
}

/// Tokens are only ever sent over https, except to loopback hosts (tests, the demo).
pub fn check_secure_url(what: &str, raw: &str) -> Result<url::Url> {
    let url = url::Url::parse(raw)
        .map_err(|e| Error::Other(format!("{what} '{raw}' is not a valid URL: {e}")))?;
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
            "refusing to send credentials to {what} '{raw}': it must be https (http only for loopback hosts)"
        ))),
    }
}

/// reqwest's error text, without the URL (which could one day carry something private).
pub fn describe(e: &reqwest::Error) -> String {
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
