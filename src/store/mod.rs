//! Where tokens live: one interface over the OS keyring, a 0600 file and MongoDB.
//!
//! Every backend answers with explicit outcomes: `Ok(None)` for "no token", `Error::Store` (exit 7)
//! for "the store cannot be reached", and `Ok(false)` from `replace_token` when another process
//! changed the token first (the compare-and-swap that makes concurrent refreshes safe).

pub mod file;
pub mod keyring;
pub(crate) mod lock;
pub mod mongo;
pub(crate) mod recovery;

use crate::choices::StoreKind;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::token::{Token, TokenRecord};

/// One (account, owner) entry as a store holds it.
pub enum Entry {
    Missing,
    Found(Box<TokenRecord>),
    /// Something that is not a token record; the reason never quotes what it holds (it may be
    /// a token). `login` overwrites such an entry and `logout` deletes it.
    Damaged(String),
}

pub(crate) enum TokenStore {
    File(file::FileStore),
    Keyring(keyring::KeyringStore),
    Mongo(mongo::MongoStore),
}

/// How `--store auto` came to its choice, so `login` can say so.
pub(crate) struct Chosen {
    pub(crate) store: TokenStore,
    /// A one-line warning to print at login (the file fallback), if any.
    warning: Option<String>,
}

impl TokenStore {
    /// Opens the store the settings ask for. Outside `login`, `auto` first takes the store that
    /// already holds this account/owner's token (a token saved to the file while no keyring was
    /// reachable stays visible when one is), then the usual order.
    pub(crate) async fn open(settings: &Settings) -> Result<Chosen> {
        match settings.store {
            StoreKind::Auto => Self::open_auto(settings, true).await,
            _ => Self::open_for_login(settings).await,
        }
    }

    /// Opens the store a login writes to; `auto` follows the order README.md gives under `--store`.
    async fn open_for_login(settings: &Settings) -> Result<Chosen> {
        let store = match settings.store {
            StoreKind::File => TokenStore::File(file::FileStore::new(&settings.config_dir)),
            StoreKind::Keyring => TokenStore::Keyring(keyring::KeyringStore::open(settings)?),
            StoreKind::Mongo => TokenStore::Mongo(mongo::MongoStore::open(settings).await?),
            StoreKind::Auto => return Self::open_auto(settings, false).await,
        };
        Ok(Chosen {
            store,
            warning: None,
        })
    }

    /// `auto`: MongoDB if PIPEDRIVE_MONGO_URI is set, else a reachable and unlocked keyring,
    /// else the file. With `existing`, a store that already holds the token wins.
    async fn open_auto(settings: &Settings, existing: bool) -> Result<Chosen> {
        let (account, owner) = (settings.account.as_str(), settings.owner.as_str());
        let mut order = Vec::new();
        if settings.mongo_uri.is_some() {
            order.push(TokenStore::Mongo(mongo::MongoStore::open(settings).await?));
        }
        if !existing && !order.is_empty() {
            return Ok(Chosen {
                store: order.remove(0),
                warning: None,
            });
        }
        if let Some(k) = keyring::KeyringStore::probe(settings).await {
            order.push(TokenStore::Keyring(k));
        }
        let file = file::FileStore::new(&settings.config_dir);
        let file_path = file.path().display().to_string();
        order.push(TokenStore::File(file));
        let mut chosen = 0;
        if existing {
            for (i, store) in order.iter().enumerate() {
                if matches!(store.inspect(account, owner).await, Ok(e) if !matches!(e, Entry::Missing))
                {
                    chosen = i;
                    break;
                }
            }
        }
        let store = order.remove(chosen);
        for other in order {
            other.close().await;
        }
        let warning = matches!(store, TokenStore::File(_)).then(|| {
            format!(
                "warning: no OS keyring reachable (or it is locked); storing the token in \
                 {file_path} (mode 0600)"
            )
        });
        Ok(Chosen { store, warning })
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            TokenStore::File(_) => "file",
            TokenStore::Keyring(_) => "keyring",
            TokenStore::Mongo(_) => "mongo",
        }
    }

    /// Where the token is, for messages: a path, a keyring service, a database and collection.
    pub(crate) fn location(&self) -> String {
        match self {
            TokenStore::File(s) => s.path().display().to_string(),
            TokenStore::Keyring(s) => s.location(),
            TokenStore::Mongo(s) => s.location(),
        }
    }

    /// The record of (account, owner); a damaged entry is a store error (exit 7) that says how
    /// to replace it.
    pub(crate) async fn load(&self, account: &str, owner: &str) -> Result<Option<TokenRecord>> {
        match self.inspect(account, owner).await? {
            Entry::Missing => Ok(None),
            Entry::Found(r) => Ok(Some(*r)),
            Entry::Damaged(why) => Err(Error::Store {
                store: self.name(),
                reason: format!(
                    "the entry of account '{account}', owner '{owner}' in {} is not a token \
                     record ({why}); `pipedrive login` replaces it, `pipedrive logout` deletes it",
                    self.location()
                ),
            }),
        }
    }

    /// The entry of (account, owner), damaged or not.
    pub(crate) async fn inspect(&self, account: &str, owner: &str) -> Result<Entry> {
        match self {
            TokenStore::File(s) => {
                let (a, o) = (account.to_string(), owner.to_string());
                off_runtime(s, move |s| s.inspect(&a, &o)).await
            }
            TokenStore::Keyring(s) => s.inspect(account, owner).await,
            TokenStore::Mongo(s) => s.inspect(account, owner).await,
        }
    }

    /// Every owner's entry of an account, damaged ones included (for `logout --all`).
    pub(crate) async fn inspect_account(&self, account: &str) -> Result<Vec<(String, Entry)>> {
        match self {
            TokenStore::File(s) => {
                let a = account.to_string();
                off_runtime(s, move |s| s.inspect_account(&a)).await
            }
            TokenStore::Keyring(s) => s.inspect_account(account).await,
            TokenStore::Mongo(s) => s.inspect_account(account).await,
        }
    }

    /// Every identity the store can list, damaged entries included, as (account, owner, entry).
    /// The file and MongoDB hold a list of everything; an OS keyring can only be asked about
    /// names it is given, so it answers for the owners of `account`.
    pub(crate) async fn inspect_all(&self, account: &str) -> Result<Vec<(String, String, Entry)>> {
        let mut all = match self {
            TokenStore::File(s) => off_runtime(s, |s| s.inspect_all()).await?,
            TokenStore::Keyring(s) => s
                .inspect_account(account)
                .await?
                .into_iter()
                .map(|(owner, e)| (account.to_string(), owner, e))
                .collect(),
            TokenStore::Mongo(s) => s.inspect_all().await?,
        };
        all.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        Ok(all)
    }

    /// Stores a fresh login: sets the token, clears `token_invalidated`, keeps unknown fields.
    pub(crate) async fn save_login(&self, account: &str, owner: &str, token: &Token) -> Result<()> {
        match self {
            TokenStore::File(s) => {
                let (a, o, t) = (account.to_string(), owner.to_string(), token.clone());
                off_runtime(s, move |s| s.save_login(&a, &o, &t)).await
            }
            TokenStore::Keyring(s) => s.save_login(account, owner, token).await,
            TokenStore::Mongo(s) => s.save_login(account, owner, token).await,
        }
    }

    /// Compare-and-swap after a refresh: replaces the token only if the stored refresh token is
    /// still `expected_refresh`. `Ok(false)` means another process refreshed first.
    pub(crate) async fn replace_token(
        &self,
        account: &str,
        owner: &str,
        expected_refresh: &str,
        token: &Token,
    ) -> Result<bool> {
        match self {
            TokenStore::File(s) => {
                let (a, o, t) = (account.to_string(), owner.to_string(), token.clone());
                let e = expected_refresh.to_string();
                off_runtime(s, move |s| s.replace_token(&a, &o, &e, &t)).await
            }
            TokenStore::Keyring(s) => {
                s.replace_token(account, owner, expected_refresh, token)
                    .await
            }
            TokenStore::Mongo(s) => {
                s.replace_token(account, owner, expected_refresh, token)
                    .await
            }
        }
    }

    /// Before spending `refresh`: where machines share the store (MongoDB), says so there
    /// ([`mongo::Claim`]). The local stores have the refresh lock instead: `None`.
    pub(crate) async fn claim_refresh(
        &self,
        account: &str,
        owner: &str,
        refresh: &str,
    ) -> Result<Option<mongo::Claim>> {
        match self {
            TokenStore::Mongo(s) => s.claim_refresh(account, owner, refresh).await.map(Some),
            _ => Ok(None),
        }
    }

    /// The store holds the successor of `refresh` (or it was never spent): its claims go.
    pub(crate) async fn drop_claims(&self, account: &str, owner: &str, refresh: &str) {
        if let TokenStore::Mongo(s) = self {
            s.drop_claims(account, owner, refresh).await
        }
    }

    /// Removes this process's claim (its refresh was refused or never answered: it spent
    /// nothing the store lacks).
    pub(crate) async fn drop_claim(&self, mine: Option<&mongo::Claim>) {
        if let (TokenStore::Mongo(s), Some(claim)) = (self, mine) {
            s.drop_claim(claim).await
        }
    }

    /// Who else claimed `refresh` (host and process, since when), leaving out `mine`.
    pub(crate) async fn claims_elsewhere(
        &self,
        account: &str,
        owner: &str,
        refresh: &str,
        mine: Option<&mongo::Claim>,
    ) -> Result<Vec<(String, mongodb::bson::DateTime)>> {
        match self {
            TokenStore::Mongo(s) => s.claims_elsewhere(account, owner, refresh, mine).await,
            _ => Ok(Vec::new()),
        }
    }

    /// Sets `token_invalidated: true` on every token of the account; returns how many.
    pub(crate) async fn invalidate_account(&self, account: &str) -> Result<u64> {
        match self {
            TokenStore::File(s) => {
                let a = account.to_string();
                off_runtime(s, move |s| s.invalidate_account(&a)).await
            }
            TokenStore::Keyring(s) => s.invalidate_account(account).await,
            TokenStore::Mongo(s) => s.invalidate_account(account).await,
        }
    }

    /// Deletes one record; `Ok(false)` if there was none.
    pub(crate) async fn delete(&self, account: &str, owner: &str) -> Result<bool> {
        match self {
            TokenStore::File(s) => {
                let (a, o) = (account.to_string(), owner.to_string());
                off_runtime(s, move |s| s.delete(&a, &o)).await
            }
            TokenStore::Keyring(s) => s.delete(account, owner).await,
            TokenStore::Mongo(s) => s.delete(account, owner).await,
        }
    }

    /// Fails (exit 7) when the store clearly cannot take a new token, checked before a refresh
    /// spends the old one. Only where that is cheap: the file store's directory takes a file;
    /// the keyring and MongoDB prove themselves by the read that comes before.
    pub(crate) async fn check_writable(&self) -> Result<()> {
        match self {
            TokenStore::File(s) => off_runtime(s, |s| s.check_writable()).await,
            TokenStore::Keyring(s) => s.check_writable().await,
            TokenStore::Mongo(_) => Ok(()),
        }
    }

    /// Opens the store the settings ask for, runs `work` with it (and `auto`'s warning, if any),
    /// and closes it whatever `work` returned.
    pub(crate) async fn using<T>(
        settings: &Settings,
        work: impl AsyncFnOnce(&TokenStore, Option<String>) -> Result<T>,
    ) -> Result<T> {
        let chosen = TokenStore::open(settings).await?;
        let result = work(&chosen.store, chosen.warning).await;
        chosen.store.close().await;
        result
    }

    /// [`TokenStore::using`] for `login`: `auto` picks by the usual order only (the token is
    /// about to be written, not looked for).
    pub(crate) async fn using_for_login<T>(
        settings: &Settings,
        work: impl AsyncFnOnce(&TokenStore, Option<String>) -> Result<T>,
    ) -> Result<T> {
        let chosen = TokenStore::open_for_login(settings).await?;
        let result = work(&chosen.store, chosen.warning).await;
        chosen.store.close().await;
        result
    }

    /// Releases connections (MongoDB wants an explicit shutdown before the runtime ends).
    pub(crate) async fn close(&self) {
        if let TokenStore::Mongo(s) = self {
            s.close().await
        }
    }
}

/// A fresh record for a first login.
fn new_record(account: &str, owner: &str, token: &Token) -> TokenRecord {
    TokenRecord {
        account_id: account.to_string(),
        owner: owner.to_string(),
        token: token.clone(),
        token_invalidated: false,
        extra: Default::default(),
    }
}

/// Runs a file store call on the blocking pool: its I/O and its lock wait (up to 30 s) must not
/// hold a runtime thread, or Ctrl-C and SIGTERM go unseen until it ends.
async fn off_runtime<T: Send + 'static>(
    store: &file::FileStore,
    call: impl FnOnce(&file::FileStore) -> Result<T> + Send + 'static,
) -> Result<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(|e| crate::error::Error::other(format!("file store task failed: {e}")))?
}
