//! "Give me a fresh token": load, check, lock, refresh, save; and keep it fresh during the run.
//!
//! Every command that calls the API first refreshes the token and stores the whole answer. On one
//! machine a lock file serializes refreshes so parallel cron jobs take turns with a rotating
//! refresh token; across machines (MongoDB) the save is a compare-and-swap on the old refresh
//! token, and a process whose refresh was refused re-reads the record: if another process rotated
//! the token meanwhile, it uses that one instead of declaring the token dead.
//!
//! The API client asks this module for the access token before each request ([`AccessToken`]):
//! an export that outlives its access token (about an hour) refreshes again when the token is
//! about to expire, and once after a 401, before a 401 counts as invalidation.
//!
//! Once the server has answered a refresh, the new refresh token exists nowhere else: the
//! refresh-and-save runs shielded from Ctrl-C and SIGTERM (`crate::shield`), and a token the
//! store will not take is kept in a recovery file that the next run stores.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use crate::api::client::{AccessToken, ApiClient, Auth};
use crate::auth::oauth::{OAuthClient, Refresh};
use crate::error::{Error, Result};
use crate::http::retry::Failure;
use crate::http::wait::WaitStatus;
use crate::http::{check_configured_url, http_client};
use crate::printer;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::shield;
use crate::store::lock::{refresh_lock_path, FileLock};
use crate::store::mongo::Claim;
use crate::store::recovery::{self, Recovery};
use crate::store::TokenStore;
use crate::terminal_text;
use crate::token::{has_scope, require_scope, Token, TokenRecord};

/// How long a refusal nobody claimed waits for a new token to show up in a shared store (a
/// program that writes no claims, such as the web integration, may be saving one).
const RACE_WAIT: Duration = Duration::from_secs(15);
/// Tries at saving a rotated token before giving up on the store.
const SAVE_ATTEMPTS: u32 = 4;
/// How long to wait for another local process's refresh to finish.
const LOCK_WAIT: Duration = Duration::from_secs(120);
/// A token is refreshed this long before it expires (or at half its life, if that is shorter).
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

pub(crate) struct Session {
    pub(crate) client: Arc<ApiClient>,
    /// Granted scopes; `None` for a personal API token (it carries the user's own permissions).
    pub(crate) scopes: Option<Vec<String>>,
    tokens: Option<Arc<Tokens>>,
    account: String,
}

impl Session {
    /// Runs `work` with a session holding a just-refreshed token, then ends the session whatever
    /// `work` returned: a 401 flags every token of the account, and the store is always closed.
    /// The only way to get a session, so none can be left open or skip the 401 rule.
    pub(crate) async fn run<T>(
        settings: &Settings,
        work: impl AsyncFnOnce(&Session) -> Result<T>,
    ) -> Result<T> {
        let session = Session::start(settings).await?;
        let result = work(&session).await;
        session.finish(result).await
    }

    /// A session ready to call the API, with a just-refreshed token.
    async fn start(settings: &Settings) -> Result<Session> {
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
                client: Arc::new(client),
                scopes: None,
                tokens: None,
                account: settings.account.clone(),
            });
        }
        let store = TokenStore::open(settings).await?.store;
        let tokens = Tokens::start(settings, store, &http).await?;
        let token = tokens.current.lock().await.token.clone();
        let client = ApiClient::new(
            http,
            &token.api_domain,
            Auth::OAuth(Arc::new(Provider(tokens.clone()))),
            settings.http.clone(),
        );
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                tokens.store.close().await;
                return Err(e);
            }
        };
        Ok(Session {
            client: Arc::new(client),
            scopes: Some(token.scopes()),
            tokens: Some(tokens),
            account: settings.account.clone(),
        })
    }

    /// Checks that one of `needed` was granted before calling an endpoint (exit 5 otherwise).
    pub(crate) fn require(&self, needed: &[&str], what: &str) -> Result<()> {
        require_scope(self.scopes.as_deref(), needed, what)
    }

    /// Whether a scope was granted (or everything is, with an API token).
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        has_scope(self.scopes.as_deref(), scope)
    }

    /// Ends the session; a 401 in `result` flags every token of the account first.
    async fn finish<T>(self, result: Result<T>) -> Result<T> {
        let result = match (result, &self.tokens) {
            (Err(Error::Unauthorized(msg)), Some(tokens)) => {
                match tokens.store.invalidate_account(&self.account).await {
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
        if let Some(tokens) = &self.tokens {
            tokens.store.close().await;
        }
        result
    }
}

/// Loads the record and refuses early when there is nothing usable.
pub(crate) fn usable(record: Option<TokenRecord>, settings: &Settings) -> Result<TokenRecord> {
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

/// The OAuth token of one (account, owner) for the length of a run.
struct Tokens {
    settings: Settings,
    store: TokenStore,
    oauth: OAuthClient,
    current: tokio::sync::Mutex<Current>,
}

/// The token in use and when it was obtained (an `Instant`: the wall clock may jump).
struct Current {
    token: Token,
    obtained: Instant,
}

impl Current {
    fn fresh(token: Token) -> Current {
        Current {
            token,
            obtained: Instant::now(),
        }
    }

    /// A token another process obtained, dated by its `generated_at`.
    fn stored(token: Token) -> Current {
        let age = Duration::from_secs(token.age_secs().max(0) as u64);
        let obtained = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        Current { token, obtained }
    }

    /// Whether the access token expires within the margin (never, when its life is unknown).
    fn expiring(&self) -> bool {
        let Ok(life) = u64::try_from(self.token.expires_in) else {
            return false;
        };
        if life == 0 {
            return false;
        }
        let life = Duration::from_secs(life);
        self.obtained.elapsed() + EXPIRY_MARGIN.min(life / 2) >= life
    }
}

/// What the shielded refresh-and-save ended with.
enum Refreshed {
    Granted(Token),
    /// `invalid_grant`, with the server's reason.
    Refused(String),
}

impl Tokens {
    /// Loads and refreshes the token (as every invocation must), closing the store on failure.
    async fn start(
        settings: &Settings,
        store: TokenStore,
        http: &reqwest::Client,
    ) -> Result<Arc<Tokens>> {
        let (account, owner) = (settings.account.as_str(), settings.owner.as_str());
        // Fail fast, before taking any lock or needing the OAuth app settings.
        let ready = async {
            if recovery::find(&settings.config_dir, account, owner)
                .map_err(damaged(store.name()))?
                .is_none()
            {
                usable(store.load(account, owner).await?, settings)?;
            }
            OAuthClient::new(settings, http.clone())
        }
        .await;
        let oauth = match ready {
            Ok(o) => o,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
        let tokens = Arc::new(Tokens {
            settings: settings.clone(),
            store,
            oauth,
            current: tokio::sync::Mutex::new(Current::fresh(placeholder())),
        });
        match tokens.obtain(None).await {
            Ok(current) => {
                *tokens.current.lock().await = current;
                Ok(tokens)
            }
            Err(e) => {
                tokens.store.close().await;
                Err(e)
            }
        }
    }

    /// A usable token from the store, refreshed under the lock. `seen` is the token this run
    /// holds now: if another process refreshed since, its token is taken as it is (unless it is
    /// about to expire too) instead of spending another refresh.
    async fn obtain(self: &Arc<Self>, seen: Option<&Token>) -> Result<Current> {
        let settings = &self.settings;
        let (account, owner) = (settings.account.as_str(), settings.owner.as_str());
        // A store that cannot take the new token must fail before the old one is spent.
        self.store.check_writable().await?;
        let lock_path = refresh_lock_path(&settings.config_dir, account, owner);
        let lock_store = self.store.name();
        let lock = tokio::task::spawn_blocking(move || {
            FileLock::acquire(&lock_path, LOCK_WAIT, lock_store)
        })
        .await
        .map_err(|e| Error::other(format!("lock task failed: {e}")))?;
        let lock = match (lock, &self.store) {
            (Ok(l), _) => Some(l),
            // MongoDB is shared by machines anyway; its compare-and-swap is the real guard.
            (Err(_), TokenStore::Mongo(_)) => None,
            (Err(e), _) => return Err(e),
        };
        self.recover().await?;

        // Re-read under the lock: the process before us may have rotated the token.
        let record = usable(self.store.load(account, owner).await?, settings)?;
        if let Some(seen) = seen {
            if record.token.refresh_token != seen.refresh_token
                && record.token.access_token != seen.access_token
            {
                let theirs = Current::stored(record.token.clone());
                if !theirs.expiring() {
                    return Ok(theirs);
                }
            }
        }
        let old_refresh = record.token.refresh_token.clone();
        let claim = self
            .store
            .claim_refresh(account, owner, old_refresh.expose())
            .await?;
        let me = self.clone();
        // The lock comes back out of the shielded step: a refusal is judged under it.
        let (refreshed, _lock) = shield::shielded(async move {
            let refreshed = me.refresh_and_save(record).await;
            Ok((refreshed, lock))
        })
        .await?;
        match refreshed {
            Ok(Refreshed::Granted(token)) => {
                self.store
                    .drop_claims(account, owner, old_refresh.expose())
                    .await;
                Ok(Current::fresh(token))
            }
            Ok(Refreshed::Refused(why)) => self.refused(&old_refresh, &why, claim).await,
            // Saved nowhere but the recovery file: the claim stays, so that other machines
            // refused this token wait for it rather than flag the account.
            Err(e @ Error::Store { .. }) => Err(e),
            // No answer came: whatever the server did, no new token exists here to wait for.
            Err(e) => {
                self.store.drop_claim(claim.as_ref()).await;
                Err(e)
            }
        }
    }

    /// Refresh and save: runs to its end even when a signal cancels the command.
    async fn refresh_and_save(&self, record: TokenRecord) -> Result<Refreshed> {
        let old_refresh = record.token.refresh_token.clone();
        let answer = match self.oauth.refresh(&old_refresh).await? {
            Refresh::Granted(answer) => answer,
            Refresh::Refused(why) => return Ok(Refreshed::Refused(why)),
        };
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
        // `false` from the store: another machine saved first (only possible without rotation);
        // our fresh access token is valid all the same, so use it and leave theirs in place.
        self.save_rotated(&old_refresh, &token).await?;
        Ok(Refreshed::Granted(token))
    }

    /// The refresh was refused (called under the refresh lock): someone else may have rotated
    /// the token, else it is dead. The store is read again: a new token there is taken; while it
    /// still holds the refused one, a claim of another machine on it means that machine spent
    /// it and has not stored the successor yet: wait for it (up to `--max-wait`), then exit 75
    /// without flagging. Only a refusal nobody explains flags the account.
    async fn refused(
        &self,
        old_refresh: &Secret,
        why: &str,
        mine: Option<Claim>,
    ) -> Result<Current> {
        let result = self.judge_refusal(old_refresh, why, mine.as_ref()).await;
        self.store.drop_claim(mine.as_ref()).await;
        result
    }

    async fn judge_refusal(
        &self,
        old_refresh: &Secret,
        why: &str,
        mine: Option<&Claim>,
    ) -> Result<Current> {
        let (account, owner) = (self.settings.account.as_str(), self.settings.owner.as_str());
        let started = Instant::now();
        loop {
            if let Some(now) = self.store.load(account, owner).await? {
                if now.token.refresh_token != *old_refresh {
                    // Someone refreshed (or logged in) meanwhile: theirs is the live token.
                    return Ok(Current::stored(usable(Some(now), &self.settings)?.token));
                }
            }
            let others = self
                .store
                .claims_elsewhere(account, owner, old_refresh.expose(), mine)
                .await?;
            if let Some((by, since)) = others.first() {
                if started.elapsed() >= self.settings.http.max_wait {
                    return Err(spent_elsewhere(why, by, *since));
                }
            } else if started.elapsed() >= self.settings.http.clock.real(RACE_WAIT)
                || !matches!(self.store, TokenStore::Mongo(_))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let n = self.store.invalidate_account(account).await?;
        Err(Error::Auth(format!(
            "Pipedrive refused to refresh the token ({why}); marked {n} token(s) of account \
             '{account}' invalidated. Run `pipedrive login` to log in again"
        )))
    }

    /// Once the server rotated the refresh token, the new one exists nowhere but here. It goes to
    /// the 0600 recovery file first (one local write), so that even SIGKILL during a slow or
    /// failing store write leaves it where the next run finds it; then to the store, whose
    /// hiccups get a few more tries (the shared retry policy's backoff); the file is removed once
    /// the store holds the token, and stays if it never does.
    async fn save_rotated(&self, expected: &Secret, token: &Token) -> Result<()> {
        let settings = &self.settings;
        let (account, owner) = (settings.account.as_str(), settings.owner.as_str());
        let store = &self.store;
        let kept = Recovery {
            account_id: account.to_string(),
            owner: owner.to_string(),
            replaces: expected.clone(),
            token: token.clone(),
            store: store.name().to_string(),
        };
        // Best effort: a config dir that cannot be written does not stop the save itself.
        let ahead = recovery::keep(&settings.config_dir, &kept);
        let policy = settings.http.retry_policy().with_attempts(SAVE_ATTEMPTS);
        let waiting = WaitStatus::default();
        let mut retry = policy.start(
            format!("saving the token to the {} store", store.name()),
            &waiting,
        );
        let e = loop {
            let e = match store
                .replace_token(account, owner, expected.expose(), token)
                .await
            {
                Ok(_) => {
                    if let Ok(path) = &ahead {
                        let _ = std::fs::remove_file(path);
                    }
                    return Ok(());
                }
                Err(e) => e,
            };
            let failure = Failure::Fault {
                why: e.to_string(),
                asked: None,
            };
            if retry.after(failure).await.is_err() {
                break e;
            }
        };
        let kept_at = match ahead {
            Ok(path) => Ok(path),
            // The config dir may have come back meanwhile.
            Err(_) => recovery::keep(&settings.config_dir, &kept),
        };
        let reason = match kept_at {
            Ok(path) => format!(
                "the token was refreshed but could not be saved ({e}); it is kept in {} (mode \
                 0600) and the next run stores it: fix the store and run the command again",
                path.display()
            ),
            Err(io) => format!(
                "the token was refreshed but could not be saved ({e}) nor kept in a recovery \
                 file in {} ({io}); the next run will probably need `pipedrive login`",
                settings.config_dir.display()
            ),
        };
        Err(Error::Store {
            store: store.name(),
            reason,
        })
    }

    /// Stores the token an earlier run kept in the recovery file, if any, then removes the file.
    /// Called under the refresh lock.
    async fn recover(&self) -> Result<()> {
        let settings = &self.settings;
        let (account, owner) = (settings.account.as_str(), settings.owner.as_str());
        let found = recovery::find(&settings.config_dir, account, owner);
        let Some((path, kept)) = found.map_err(damaged(self.store.name()))? else {
            return Ok(());
        };
        let stored = self.store.load(account, owner).await?;
        let what = match stored {
            Some(r) if r.token.refresh_token == kept.replaces => {
                let done = self
                    .store
                    .replace_token(account, owner, kept.replaces.expose(), &kept.token)
                    .await?;
                if done {
                    "stored the token an earlier run could not save"
                } else {
                    "dropped an outdated recovery file"
                }
            }
            Some(r) if r.token.refresh_token == kept.token.refresh_token => {
                "removed a recovery file whose token is already stored"
            }
            // Logged in again since: the kept token is still a live grant nobody will use.
            _ => {
                revoke_kept(&self.oauth, &kept.token.refresh_token).await;
                "revoked and dropped an outdated recovery file (logged in again since)"
            }
        };
        self.store
            .drop_claims(account, owner, kept.replaces.expose())
            .await;
        let _ = std::fs::remove_file(&path);
        printer::info(&format!("{what} ({})", path.display()));
        Ok(())
    }
}

/// Exit 75 for a refresh token another machine spent and has not stored the successor of.
fn spent_elsewhere(why: &str, by: &str, since: mongodb::bson::DateTime) -> Error {
    let since = since
        .try_to_rfc3339_string()
        .unwrap_or_else(|_| "an unknown time".into());
    Error::Temporary(format!(
        "Pipedrive refused the refresh token ({why}), but {} spent it at {since} and has not \
         stored the new one yet (its save is pending, or it kept the token in a recovery file \
         there); the account is not flagged. Run the command again later, or run pipedrive on \
         that machine to store its token; `pipedrive login` starts afresh",
        terminal_text::clean(by)
    ))
}

/// A recovery file that is there but cannot be read stops the command (exit 7) with what to
/// do, rather than being passed over while the store's spent token gets the account flagged.
fn damaged(store: &'static str) -> impl Fn(recovery::Damaged) -> Error {
    move |d| Error::Store {
        store,
        reason: d.advice(),
    }
}

/// Revokes the refresh token of a recovery file about to be dropped (best effort: a failure is
/// said, not fatal).
pub(crate) async fn revoke_kept(oauth: &OAuthClient, token: &Secret) {
    if let Err(e) = oauth.revoke(token, "refresh_token").await {
        printer::warn(&format!(
            "could not revoke the token of the outdated recovery file at Pipedrive: {e}"
        ));
    }
}

/// What `Tokens::current` holds until the first refresh has answered.
fn placeholder() -> Token {
    Token {
        access_token: Secret::new(""),
        refresh_token: Secret::new(""),
        expires_in: 0,
        generated_at: 0,
        token_type: String::new(),
        scope: String::new(),
        api_domain: String::new(),
        extra: Default::default(),
    }
}

/// The API client's view of the token: the current access token, refreshed when it is about to
/// expire, and a renewal after a 401.
struct Provider(Arc<Tokens>);

impl AccessToken for Provider {
    fn current(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(async move {
            let mut cur = self.0.current.lock().await;
            if cur.expiring() {
                printer::verbose("the access token is about to expire; refreshing it");
                *cur = self.0.obtain(Some(&cur.token)).await?;
            }
            Ok(cur.token.access_token.clone())
        })
    }

    fn renew<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>> {
        Box::pin(async move {
            let mut cur = self.0.current.lock().await;
            // Another request of this run got the 401 first and renewed already.
            if cur.token.access_token != *rejected {
                return Ok(cur.token.access_token.clone());
            }
            printer::verbose("the API refused the access token (401); refreshing it once");
            *cur = self.0.obtain(Some(&cur.token)).await?;
            Ok(cur.token.access_token.clone())
        })
    }
}
