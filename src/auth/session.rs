//! "Give me a fresh token": load, check, lock, refresh, save.
//!
//! Every command that calls the API first refreshes the token and stores the whole answer. On one
//! machine a lock file serializes refreshes so parallel cron jobs take turns with a rotating
//! refresh token; across machines (MongoDB) the save is a compare-and-swap on the old refresh
//! token, and a process whose refresh was refused re-reads the record: if another process rotated
//! the token meanwhile, it uses that one instead of declaring the token dead.

use std::time::{Duration, Instant};

use crate::api::client::{ApiClient, Auth};
use crate::auth::oauth::{OAuthClient, Refresh};
use crate::error::{Error, Result};
use crate::http::retry::Failure;
use crate::http::wait::WaitStatus;
use crate::http::{check_configured_url, http_client};
use crate::settings::Settings;
use crate::store::lock::{refresh_lock_path, FileLock};
use crate::store::TokenStore;
use crate::token::{has_scope, require_scope, Token, TokenRecord};

/// How long a loser of a refresh race waits for the winner's token to show up in the store.
const RACE_WAIT: Duration = Duration::from_secs(15);
/// Tries at saving a rotated token before giving up on the store.
const SAVE_ATTEMPTS: u32 = 4;
/// How long to wait for another local process's refresh to finish.
const LOCK_WAIT: Duration = Duration::from_secs(120);

pub struct Session {
    pub client: std::sync::Arc<ApiClient>,
    /// Granted scopes; `None` for a personal API token (it carries the user's own permissions).
    pub scopes: Option<Vec<String>>,
    store: Option<TokenStore>,
    account: String,
}

impl Session {
    /// A session ready to call the API, with a just-refreshed token.
    pub async fn start(settings: &Settings) -> Result<Session> {
        let http = http_client(&settings.http)?;
        if let Some(api) = &settings.api_token {
            check_configured_url("PIPEDRIVE_API_DOMAIN", &api.api_domain)?;
            let client = ApiClient::new(
                http,
                &api.api_domain,
                Auth::ApiToken(api.token.clone()),
                settings.http.clone(),
            )?;
            return Ok(Session {
                client: std::sync::Arc::new(client),
                scopes: None,
                store: None,
                account: settings.account.clone(),
            });
        }
        let store = TokenStore::open(settings).await?.store;
        let token = match fresh_token(settings, &store, &http).await {
            Ok(t) => t,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
        let client = ApiClient::new(
            http,
            &token.api_domain,
            Auth::Bearer(token.access_token.clone()),
            settings.http.clone(),
        );
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
        Ok(Session {
            client: std::sync::Arc::new(client),
            scopes: Some(token.scopes()),
            store: Some(store),
            account: settings.account.clone(),
        })
    }

    /// Checks that one of `needed` was granted before calling an endpoint (exit 5 otherwise).
    pub fn require(&self, needed: &[&str], what: &str) -> Result<()> {
        require_scope(self.scopes.as_deref(), needed, what)
    }

    /// Whether a scope was granted (or everything is, with an API token).
    pub fn has_scope(&self, scope: &str) -> bool {
        has_scope(self.scopes.as_deref(), scope)
    }

    /// Ends the session; a 401 in `result` flags every token of the account first.
    pub async fn finish<T>(self, result: Result<T>) -> Result<T> {
        let result = match (result, &self.store) {
            (Err(Error::Unauthorized(msg)), Some(store)) => {
                match store.invalidate_account(&self.account).await {
                    Ok(n) => Err(Error::Unauthorized(format!(
                        "{msg} (marked {n} stored token(s) of account '{}' invalidated)",
                        self.account
                    ))),
                    Err(e) => Err(Error::Unauthorized(format!(
                        "{msg}; also failed to flag it: {e}"
                    ))),
                }
            }
            (r, _) => r,
        };
        if let Some(store) = self.store {
            store.close().await;
        }
        result
    }
}

/// Loads the record and refuses early when there is nothing usable.
pub fn usable(record: Option<TokenRecord>, settings: &Settings) -> Result<TokenRecord> {
    let record = record.ok_or_else(|| Error::not_logged_in(&settings.account, &settings.owner))?;
    if record.token_invalidated {
        return Err(Error::Auth(format!(
            "the token of account '{}' was invalidated (revoked or refused by Pipedrive); run \
             `pipedrive login` to log in again",
            settings.account
        )));
    }
    Ok(record)
}

async fn fresh_token(
    settings: &Settings,
    store: &TokenStore,
    http: &reqwest::Client,
) -> Result<Token> {
    let (account, owner) = (settings.account.as_str(), settings.owner.as_str());
    // Fail fast, before taking any lock or needing the OAuth app settings.
    usable(store.load(account, owner).await?, settings)?;
    let oauth = OAuthClient::new(settings, http.clone())?;

    let lock_path = refresh_lock_path(&settings.config_dir, account, owner);
    let lock_store = store.name();
    let lock =
        tokio::task::spawn_blocking(move || FileLock::acquire(&lock_path, LOCK_WAIT, lock_store))
            .await
            .map_err(|e| Error::other(format!("lock task failed: {e}")))?;
    let _lock = match (lock, store) {
        (Ok(l), _) => Some(l),
        // MongoDB is shared by machines anyway; its compare-and-swap is the real guard.
        (Err(_), TokenStore::Mongo(_)) => None,
        (Err(e), _) => return Err(e),
    };

    // Re-read under the lock: the process before us may have rotated the token.
    let record = usable(store.load(account, owner).await?, settings)?;
    let old_refresh = record.token.refresh_token.clone();
    match oauth.refresh(&old_refresh).await? {
        Refresh::Granted(answer) => {
            let mut token = Token::from_oauth_answer(answer);
            if token.api_domain.is_empty() {
                token.api_domain = record.token.api_domain.clone();
            }
            if token.refresh_token.is_empty() {
                token.refresh_token = old_refresh.clone();
            }
            if token.scope.trim().is_empty() {
                token.scope = record.token.scope.clone();
            }
            // `false`: another machine saved first (only possible without rotation); our fresh
            // access token is valid all the same, so use it and leave theirs in place.
            save_rotated(
                settings,
                store,
                account,
                owner,
                old_refresh.expose(),
                &token,
            )
            .await?;
            Ok(token)
        }
        Refresh::Refused(why) => {
            let deadline = Instant::now() + RACE_WAIT;
            loop {
                if let Some(now) = store.load(account, owner).await? {
                    if now.token.refresh_token != old_refresh {
                        // Someone refreshed (or logged in) meanwhile: theirs is the live token.
                        return Ok(usable(Some(now), settings)?.token);
                    }
                }
                if Instant::now() >= deadline || !matches!(store, TokenStore::Mongo(_)) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            let n = store.invalidate_account(account).await?;
            Err(Error::Auth(format!(
                "Pipedrive refused to refresh the token ({why}); marked {n} token(s) of account \
                 '{account}' invalidated. Run `pipedrive login` to log in again"
            )))
        }
    }
}

/// Once the server rotated the refresh token, the new one exists nowhere but here: a store that
/// hiccups gets a few more tries (the shared retry policy's backoff) before the token is lost.
async fn save_rotated(
    settings: &Settings,
    store: &TokenStore,
    account: &str,
    owner: &str,
    expected: &str,
    token: &Token,
) -> Result<()> {
    let policy = settings.http.retry_policy().with_attempts(SAVE_ATTEMPTS);
    let waiting = WaitStatus::default();
    let mut retry = policy.start(
        format!("saving the token to the {} store", store.name()),
        &waiting,
    );
    loop {
        let e = match store.replace_token(account, owner, expected, token).await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let failure = Failure::Fault {
            why: e.to_string(),
            asked: None,
        };
        if retry.after(failure).await.is_err() {
            return Err(Error::Store {
                store: store.name(),
                reason: format!(
                    "the token was refreshed but could not be saved ({e}); the next run will \
                     probably need `pipedrive login`"
                ),
            });
        }
    }
}
