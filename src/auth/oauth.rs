//! The OAuth 2.0 calls to `PIPEDRIVE_OAUTH_URL`: authorize URL, code exchange, refresh, revoke.
//!
//! The token endpoint wants the client id and secret as HTTP Basic auth and a form body. Transient
//! failures (network, 5xx, 429) are retried by the shared policy of `crate::http::retry`, which
//! honours `retry-after` and `--max-wait` and logs under `-v`; a refused grant is reported as such so the session can tell
//! "another process rotated the token" from "the token is dead".

use std::time::Instant;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::http::retry::{self, sanitize, Failure, Outcome, RetryPolicy};
use crate::http::wait::WaitStatus;
use crate::http::{check_configured_url, describe, read_body};
use crate::printer;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::token::OAuthAnswer;

pub(crate) struct OAuthClient {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: Secret,
    policy: RetryPolicy,
}

/// How a refresh ended when it did not fail outright.
pub(crate) enum Refresh {
    Granted(OAuthAnswer),
    /// `invalid_grant`: the refresh token is spent (rotated by someone else) or revoked.
    Refused(String),
}

#[derive(Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    message: String,
}

/// Attempts at the token endpoint: fewer than for a page, since a login or a cron job waits on it.
const ATTEMPTS: u32 = 4;

impl OAuthClient {
    pub(crate) fn new(settings: &Settings, http: reqwest::Client) -> Result<OAuthClient> {
        let client_id = settings.client_id()?.to_string();
        let client_secret = settings.client_secret()?.clone();
        check_configured_url("PIPEDRIVE_OAUTH_URL", &settings.oauth.oauth_url)?;
        Ok(OAuthClient {
            http,
            base: settings.oauth.oauth_url.clone(),
            client_id,
            client_secret,
            policy: settings.http.retry_policy().with_attempts(ATTEMPTS),
        })
    }

    pub(crate) fn authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        let mut url = url::Url::parse(&format!("{}/oauth/authorize", self.base))
            .expect("oauth base was validated");
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        url.to_string()
    }

    pub(crate) async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<OAuthAnswer> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        match self.token_call(&form).await? {
            Refresh::Granted(answer) => Ok(answer),
            Refresh::Refused(why) => Err(Error::Auth(format!(
                "Pipedrive refused the authorization code ({why}); run `pipedrive login` again"
            ))),
        }
    }

    pub(crate) async fn refresh(&self, refresh_token: &Secret) -> Result<Refresh> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        self.token_call(&form).await
    }

    /// RFC 7009 revocation. Revoking the refresh token uninstalls the app for that user.
    pub(crate) async fn revoke(&self, token: &Secret, hint: &str) -> Result<()> {
        let form = [("token", token.expose()), ("token_type_hint", hint)];
        let resp = self
            .http
            .post(format!("{}/oauth/revoke", self.base))
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                Error::Temporary(format!("cannot reach {}: {}", self.base, describe(&e)))
            })?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            let body = resp.text().await.unwrap_or_default();
            Err(Error::Other(format!(
                "revocation answered {status}: {}",
                error_text(body.as_bytes())
            )))
        }
    }

    async fn token_call(&self, form: &[(&str, &str)]) -> Result<Refresh> {
        let url = format!("{}/oauth/token", self.base);
        // Nothing displays the OAuth client's waits; the policy still wants somewhere to write them.
        let waiting = WaitStatus::default();
        let mut retry = self.policy.start("POST /oauth/token", &waiting);
        loop {
            match self.token_attempt(&url, form).await? {
                Ok(done) => return Ok(done),
                Err(failure) => retry.after(failure).await?,
            }
        }
    }

    /// One request to the token endpoint: a final answer, or a failure the policy may retry.
    async fn token_attempt(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<std::result::Result<Refresh, Failure>> {
        let started = Instant::now();
        let resp = match self
            .http
            .post(url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(form)
            .send()
            .await
        {
            Ok(resp) => resp,
            Err(e) => {
                let why = format!("cannot reach {}: {}", self.base, describe(&e));
                printer::verbose(&format!("POST {url} failed: {why}"));
                return Ok(Err(Failure::Fault { why, asked: None }));
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = match read_body(resp, "POST /oauth/token").await? {
            Ok(b) => b,
            Err(e) => {
                return Ok(Err(Failure::Fault {
                    why: format!("token answer cut short: {e}"),
                    asked: None,
                }))
            }
        };
        printer::verbose(&format!(
            "POST {url} -> {} ({} ms)",
            status.as_u16(),
            started.elapsed().as_millis()
        ));
        match retry::classify(status, &headers, &body) {
            // Never retried: the server may have rotated the token already.
            Outcome::Success => serde_json::from_slice::<OAuthAnswer>(&body)
                .map(|answer| Ok(Refresh::Granted(answer)))
                .map_err(|e| {
                    Error::Other(format!(
                        "the token endpoint answered something that is not a token ({}); it starts \
                         with \"{}\"",
                        sanitize(e.to_string().as_bytes(), 120),
                        sanitize(&body, 40)
                    ))
                }),
            Outcome::Again(failure) => Ok(Err(failure)),
            Outcome::Exhausted { why, wait } => Err(Error::Temporary(format!(
                "POST /oauth/token: {why}; {}",
                retry::try_again(wait)
            ))),
            Outcome::Final => refusal(status, &body).map(Ok),
        }
    }
}

/// A final answer of the token endpoint: a spent grant, bad client credentials, or another refusal.
fn refusal(status: reqwest::StatusCode, body: &[u8]) -> Result<Refresh> {
    let err: OAuthError = serde_json::from_slice(body).unwrap_or_default();
    let text =
        format!("{} {} {}", err.error, err.error_description, err.message).to_ascii_lowercase();
    // RFC 6749 says `"error": "invalid_grant"`; Pipedrive has also answered with only a message
    // ("Invalid grant ..."): both mean the refresh token is spent.
    if err.error == "invalid_grant"
        || text.contains("invalid grant")
        || text.contains("invalid_grant")
    {
        let detail = [&err.error_description, &err.message]
            .into_iter()
            .find(|s| !s.is_empty());
        let why = match detail {
            Some(d) => format!("invalid_grant: {}", sanitize(d.as_bytes(), 200)),
            None => "invalid_grant".to_string(),
        };
        return Ok(Refresh::Refused(why));
    }
    if status.as_u16() == 401 || err.error == "invalid_client" {
        return Err(Error::Auth(
            "Pipedrive rejected the client id or secret (invalid_client): check \
             PIPEDRIVE_CLIENT_ID and PIPEDRIVE_CLIENT_SECRET"
                .into(),
        ));
    }
    Err(Error::Auth(format!(
        "the token endpoint refused the request ({status}): {}",
        error_text(body)
    )))
}

/// A one-line reason from an OAuth or API error body, without echoing anything token-like.
fn error_text(body: &[u8]) -> String {
    let err: OAuthError = serde_json::from_slice(body).unwrap_or_default();
    let text = [err.error_description, err.message, err.error]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "no details".into());
    sanitize(text.as_bytes(), 200)
}
