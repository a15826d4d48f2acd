//! The OAuth 2.0 calls to `PIPEDRIVE_OAUTH_URL`: authorize URL, code exchange, refresh, revoke.
//!
//! The token endpoint wants the client id and secret as HTTP Basic auth and a form body. Transient
//! failures are retried a few times; a refused grant is reported as such so the session can tell
//! "another process rotated the token" from "the token is dead".

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::http::{check_secure_url, describe};
use crate::secret::Secret;
use crate::settings::Settings;
use crate::token::OAuthAnswer;

pub struct OAuthClient {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: Secret,
}

/// How a refresh ended when it did not fail outright.
pub enum Refresh {
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

const ATTEMPTS: u32 = 4;

impl OAuthClient {
    pub fn new(settings: &Settings, http: reqwest::Client) -> Result<OAuthClient> {
        let client_id = settings.client_id()?.to_string();
        let client_secret = settings.client_secret()?.clone();
        check_secure_url("PIPEDRIVE_OAUTH_URL", &settings.oauth.oauth_url)?;
        Ok(OAuthClient {
            http,
            base: settings.oauth.oauth_url.clone(),
            client_id,
            client_secret,
        })
    }

    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        let mut url = url::Url::parse(&format!("{}/oauth/authorize", self.base))
            .expect("oauth base was validated");
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        url.to_string()
    }

    pub async fn exchange_code(&self, code: &str, redirect_uri: &str) -> Result<OAuthAnswer> {
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

    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Refresh> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        self.token_call(&form).await
    }

    /// RFC 7009 revocation. Revoking the refresh token uninstalls the app for that user.
    pub async fn revoke(&self, token: &Secret, hint: &str) -> Result<()> {
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
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(300 << attempt)).await;
            }
            let resp = match self
                .http
                .post(&url)
                .basic_auth(&self.client_id, Some(self.client_secret.expose()))
                .form(form)
                .send()
                .await
            {
                Ok(resp) => resp,
                Err(e) => {
                    last = format!("cannot reach {}: {}", self.base, describe(&e));
                    continue;
                }
            };
            let status = resp.status();
            let body = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    last = format!("token answer cut short: {}", describe(&e));
                    continue;
                }
            };
            if status.is_success() {
                return serde_json::from_slice::<OAuthAnswer>(&body)
                    .map(Refresh::Granted)
                    .map_err(|e| {
                        Error::Other(format!(
                            "the token endpoint answered something that is not a token ({e})"
                        ))
                    });
            }
            let err: OAuthError = serde_json::from_slice(&body).unwrap_or_default();
            if status.is_server_error() || status.as_u16() == 429 {
                last = format!("token endpoint answered {status}");
                continue;
            }
            let text = format!("{} {} {}", err.error, err.error_description, err.message)
                .to_ascii_lowercase();
            // RFC 6749 says `"error": "invalid_grant"`; Pipedrive has also answered with only a
            // message ("Invalid grant ..."): both mean the refresh token is spent.
            if err.error == "invalid_grant"
                || text.contains("invalid grant")
                || text.contains("invalid_grant")
            {
                let detail = [&err.error_description, &err.message]
                    .into_iter()
                    .find(|s| !s.is_empty());
                let why = match detail {
                    Some(d) => format!("invalid_grant: {d}"),
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
            return Err(Error::Auth(format!(
                "the token endpoint refused the request ({status}): {}",
                error_text(&body)
            )));
        }
        Err(Error::Temporary(format!(
            "{last} (after {ATTEMPTS} attempts)"
        )))
    }
}

/// A one-line reason from an OAuth or API error body, without echoing anything token-like.
pub fn error_text(body: &[u8]) -> String {
    let err: OAuthError = serde_json::from_slice(body).unwrap_or_default();
    let text = [err.error_description, err.message, err.error]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "no details".into());
    text.chars().take(200).collect()
}
