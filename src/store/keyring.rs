//! The keyring store: the OS keyring (Secret Service on Linux, Keychain, Credential Manager).
//!
//! One entry per (account, owner) under service `pipedrive-cli`, user `<account>/<owner>` with `%`
//! and `/` percent-escaped in both parts so that no two pairs share a name; its secret is the
//! token record as JSON. A keyring cannot list "every owner of an account" portably, so each
//! account also has an index entry, user `<account>` (no `/`), holding the JSON list of owners.
//!
//! Every keyring operation runs on its own thread and is awaited with a timeout: a keyring that is
//! absent, locked or waiting on a password prompt nobody answers becomes an exit-7 error, never a
//! hang. A plain thread rather than `spawn_blocking`, because the runtime waits for its blocking
//! tasks when it shuts down, so a stuck D-Bus call would hang the exit instead of the command.
//! Writes hold `keyring.lock` in the config dir, so the read-modify-write of a record or an index
//! never interleaves between processes (the compare-and-swap of `replace_token` relies on it).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};

use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::store::file::merge_token;
use crate::store::lock::FileLock;
use crate::store::Entry as Stored;
use crate::terminal_text::json_error;
use crate::token::{Token, TokenRecord};

const STORE: &str = "keyring";
pub const SERVICE: &str = "pipedrive-cli";
/// Bound on one whole operation (a handful of keyring calls).
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// `--store auto` must not make every command slow on a machine without a keyring.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
const LOCK_WAIT: Duration = Duration::from_secs(30);

type Backend = Arc<CredentialStore>;

pub struct KeyringStore {
    /// Connected on first use, so `open` stays cheap and a failed connection is retried.
    backend: tokio::sync::OnceCell<Backend>,
    lock_path: PathBuf,
    timeout: Duration,
}

fn unavailable(reason: String) -> Error {
    Error::Store {
        store: STORE,
        reason,
    }
}

/// Says what failed and what the user can do about it.
fn keyring_error(what: &str, err: keyring_core::Error) -> Error {
    use keyring_core::Error as K;
    let hint = match &err {
        K::NoStorageAccess(_) => {
            "the keyring is locked or refused access: unlock it (log in to the desktop session, \
             or `echo -n PASSWORD | gnome-keyring-daemon --unlock`), or use --store file"
        }
        K::PlatformFailure(_) | K::NoDefaultStore => {
            "is a Secret Service (gnome-keyring, KWallet) running on the session D-Bus \
             (DBUS_SESSION_BUS_ADDRESS)? On a headless machine use --store file or --store mongo"
        }
        _ => "use --store file if the keyring cannot be repaired",
    };
    unavailable(format!("{what}: {err}; {hint}"))
}

/// Percent-escapes the separator and the escape character, so distinct names stay distinct.
fn escape(name: &str) -> String {
    name.replace('%', "%25").replace('/', "%2F")
}

fn record_user(account: &str, owner: &str) -> String {
    format!("{}/{}", escape(account), escape(owner))
}

fn index_user(account: &str) -> String {
    escape(account)
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn connect() -> keyring_core::Result<Backend> {
    // Our own store value (not keyring's process-wide default), so a failed connection can be
    // retried and tests can hold several.
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn connect() -> keyring_core::Result<Backend> {
    // keyring's v1 layer knows which native store each platform has and installs it as default.
    match keyring::Entry::store_status() {
        Ok(()) => keyring_core::get_default_store().ok_or(keyring_core::Error::NoDefaultStore),
        Err(e) => Err(keyring_core::Error::NotSupportedByStore(e.to_string())),
    }
}

/// The Secret Service's default collection (where new entries go) exists and is unlocked.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn ensure_unlocked() -> Result<()> {
    use secret_service::blocking::SecretService;
    use secret_service::EncryptionType;
    let ss = SecretService::connect(EncryptionType::Dh)
        .map_err(|e| unavailable(format!("cannot connect to the Secret Service: {e}")))?;
    let locked = ss
        .get_default_collection()
        .and_then(|c| c.is_locked())
        .map_err(|e| unavailable(format!("the keyring has no default collection ({e})")))?;
    if locked {
        return Err(unavailable(
            "the keyring is locked: unlock it (log in to the desktop session, or `echo -n \
             PASSWORD | gnome-keyring-daemon --unlock`), or use --store file"
                .into(),
        ));
    }
    Ok(())
}

/// Keychain and Credential Manager unlock with the user's session.
#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn ensure_unlocked() -> Result<()> {
    Ok(())
}

/// Runs `job` on its own thread and waits at most `timeout` for it.
async fn bounded<T: Send + 'static>(
    what: &str,
    timeout: Duration,
    job: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(job());
        })
        .map_err(|e| unavailable(format!("{what}: cannot start a thread: {e}")))?;
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(unavailable(format!("{what}: the keyring call panicked"))),
        Err(_) => Err(unavailable(format!(
            "{what}: no answer from the OS keyring within {}s (locked and waiting for a \
             password prompt, or a stuck Secret Service); unlock it or use --store file",
            timeout.as_secs()
        ))),
    }
}

fn entry(b: &Backend, user: &str) -> Result<Entry> {
    Entry::new_in_store(b, SERVICE, user).map_err(|e| keyring_error("bad keyring entry name", e))
}

fn inspect_record(b: &Backend, account: &str, owner: &str) -> Result<Stored> {
    let user = record_user(account, owner);
    let bytes = match entry(b, &user)?.get_secret() {
        Ok(bytes) => bytes,
        Err(keyring_core::Error::NoEntry) => return Ok(Stored::Missing),
        Err(e) => return Err(keyring_error(&format!("cannot read entry '{user}'"), e)),
    };
    // The entry may hold anything, a bare token included: its content is never quoted.
    Ok(match serde_json::from_slice(&bytes) {
        Ok(record) => Stored::Found(Box::new(record)),
        Err(e) => Stored::Damaged(format!(
            "entry '{user}' of service '{SERVICE}': {}",
            json_error(&e)
        )),
    })
}

fn read_record(b: &Backend, account: &str, owner: &str) -> Result<Option<TokenRecord>> {
    match inspect_record(b, account, owner)? {
        Stored::Missing => Ok(None),
        Stored::Found(r) => Ok(Some(*r)),
        Stored::Damaged(why) => Err(unavailable(format!(
            "{why}; `pipedrive login` replaces it, `pipedrive logout` deletes it"
        ))),
    }
}

fn write_record(b: &Backend, record: &TokenRecord) -> Result<()> {
    let user = record_user(&record.account_id, &record.owner);
    let body = serde_json::to_vec(record).map_err(|e| unavailable(e.to_string()))?;
    entry(b, &user)?
        .set_secret(&body)
        .map_err(|e| keyring_error(&format!("cannot write entry '{user}'"), e))
}

fn read_index(b: &Backend, account: &str) -> Result<Vec<String>> {
    let user = index_user(account);
    match entry(b, &user)?.get_secret() {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            unavailable(format!(
                "index entry '{user}' of service '{SERVICE}' is not a list of owners ({}); \
                 `pipedrive login` rewrites it",
                json_error(&e)
            ))
        }),
        Err(keyring_core::Error::NoEntry) => Ok(Vec::new()),
        Err(e) => Err(keyring_error(
            &format!("cannot read index entry '{user}'"),
            e,
        )),
    }
}

fn write_index(b: &Backend, account: &str, owners: &[String]) -> Result<()> {
    let user = index_user(account);
    let fail = |e| keyring_error(&format!("cannot write index entry '{user}'"), e);
    let e = entry(b, &user)?;
    if owners.is_empty() {
        return match e.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(err) => Err(fail(err)),
        };
    }
    let body = serde_json::to_vec(owners).map_err(|e| unavailable(e.to_string()))?;
    e.set_secret(&body).map_err(fail)
}

impl KeyringStore {
    fn new(settings: &Settings, timeout: Duration) -> Self {
        KeyringStore {
            backend: tokio::sync::OnceCell::new(),
            lock_path: settings.config_dir.join("locks").join("keyring.lock"),
            timeout,
        }
    }

    /// Cheap: the keyring is first contacted by the first operation.
    pub fn open(settings: &Settings) -> Result<Self> {
        Ok(Self::new(settings, CALL_TIMEOUT))
    }

    /// A working keyring within ~2 s, or None (no Secret Service, locked, not answering).
    pub async fn probe(settings: &Settings) -> Option<Self> {
        let backend = bounded("probe", PROBE_TIMEOUT, || {
            let b = connect().map_err(|e| keyring_error("connect", e))?;
            // A read proves the service answers, not only that the bus is there; a locked
            // keyring answers reads but would hang every write on a password prompt.
            read_index(&b, "probe")?;
            ensure_unlocked()?;
            Ok(b)
        })
        .await
        .ok()?;
        let store = Self::new(settings, CALL_TIMEOUT);
        store.backend.set(backend).ok()?;
        Some(store)
    }

    pub(crate) fn location(&self) -> String {
        format!("OS keyring, service '{SERVICE}'")
    }

    /// Fails (exit 7) when the keyring is locked, before a refresh or a login spends a token or a
    /// code that could then not be saved.
    pub(crate) async fn check_writable(&self) -> Result<()> {
        self.run("check the keyring", |_| ensure_unlocked()).await
    }

    /// Runs one operation against the keyring, connecting first if needed, within the timeout.
    async fn run<T: Send + 'static>(
        &self,
        what: &str,
        op: impl FnOnce(&Backend) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let backend = self
            .backend
            .get_or_try_init(|| {
                bounded("cannot connect to the OS keyring", self.timeout, || {
                    connect().map_err(|e| keyring_error("cannot connect to the OS keyring", e))
                })
            })
            .await?
            .clone();
        bounded(what, self.timeout, move || op(&backend)).await
    }

    /// The cross-process lock of every keyring write, taken off the async threads.
    async fn lock(&self) -> Result<FileLock> {
        let path = self.lock_path.clone();
        tokio::task::spawn_blocking(move || FileLock::acquire(&path, LOCK_WAIT, STORE))
            .await
            .map_err(|e| unavailable(format!("lock task failed: {e}")))?
    }

    pub async fn load(&self, account: &str, owner: &str) -> Result<Option<TokenRecord>> {
        let (a, o) = (account.to_string(), owner.to_string());
        self.run("load", move |b| read_record(b, &a, &o)).await
    }

    pub(crate) async fn inspect(&self, account: &str, owner: &str) -> Result<Stored> {
        let (a, o) = (account.to_string(), owner.to_string());
        self.run("load", move |b| inspect_record(b, &a, &o)).await
    }

    /// Every owner's entry of an account, damaged ones included (for `logout --all`).
    pub async fn inspect_account(&self, account: &str) -> Result<Vec<(String, Stored)>> {
        let a = account.to_string();
        self.run("load account", move |b| {
            read_index(b, &a)?
                .into_iter()
                .map(|owner| Ok((owner.clone(), inspect_record(b, &a, &owner)?)))
                .collect()
        })
        .await
    }

    pub async fn load_account(&self, account: &str) -> Result<Vec<TokenRecord>> {
        let a = account.to_string();
        self.run("load account", move |b| {
            let mut out = Vec::new();
            for owner in read_index(b, &a)? {
                // An owner whose entry is gone (deleted by hand) is skipped, not an error.
                out.extend(read_record(b, &a, &owner)?);
            }
            Ok(out)
        })
        .await
    }

    pub async fn save_login(&self, account: &str, owner: &str, token: &Token) -> Result<()> {
        let _lock = self.lock().await?;
        let (a, o, t) = (account.to_string(), owner.to_string(), token.clone());
        self.run("save login", move |b| {
            // Index first: an index naming a missing entry is harmless, the reverse would hide
            // the token from `logout --all` and from invalidation.
            // A damaged index or entry is what login is for: both are overwritten.
            let mut owners = read_index(b, &a).unwrap_or_default();
            if !owners.contains(&o) {
                owners.push(o.clone());
                write_index(b, &a, &owners)?;
            }
            let record = match inspect_record(b, &a, &o)? {
                Stored::Found(mut r) => {
                    r.token = merge_token(&r.token, &t);
                    r.token_invalidated = false;
                    *r
                }
                Stored::Missing | Stored::Damaged(_) => crate::store::new_record(&a, &o, &t),
            };
            write_record(b, &record)
        })
        .await
    }

    pub async fn replace_token(
        &self,
        account: &str,
        owner: &str,
        expected_refresh: &str,
        token: &Token,
    ) -> Result<bool> {
        let _lock = self.lock().await?;
        let (a, o, t) = (account.to_string(), owner.to_string(), token.clone());
        let expected = expected_refresh.to_string();
        self.run("replace token", move |b| match read_record(b, &a, &o)? {
            Some(mut r) if r.token.refresh_token.expose() == expected => {
                r.token = merge_token(&r.token, &t);
                write_record(b, &r)?;
                Ok(true)
            }
            _ => Ok(false),
        })
        .await
    }

    pub async fn invalidate_account(&self, account: &str) -> Result<u64> {
        let _lock = self.lock().await?;
        let a = account.to_string();
        self.run("invalidate account", move |b| {
            let mut n = 0;
            for owner in read_index(b, &a)? {
                // A damaged entry holds no usable token to flag.
                if let Stored::Found(mut r) = inspect_record(b, &a, &owner)? {
                    if !r.token_invalidated {
                        r.token_invalidated = true;
                        write_record(b, &r)?;
                    }
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
    }

    pub async fn delete(&self, account: &str, owner: &str) -> Result<bool> {
        let _lock = self.lock().await?;
        let (a, o) = (account.to_string(), owner.to_string());
        self.run("delete", move |b| {
            let user = record_user(&a, &o);
            let existed = match entry(b, &user)?.delete_credential() {
                Ok(()) => true,
                Err(keyring_core::Error::NoEntry) => false,
                Err(e) => return Err(keyring_error(&format!("cannot delete entry '{user}'"), e)),
            };
            // A damaged index is left for the next login to rewrite.
            let mut owners = read_index(b, &a).unwrap_or_default();
            if owners.contains(&o) {
                owners.retain(|x| x != &o);
                write_index(b, &a, &owners)?;
            }
            Ok(existed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_are_unambiguous() {
        assert_ne!(record_user("a/b", "c"), record_user("a", "b/c"));
        assert_ne!(record_user("a%2Fb", "c"), record_user("a/b", "c"));
        assert_eq!(record_user("acme", "web"), "acme/web");
        // An index name never contains `/`, a record name always does.
        assert!(!index_user("a/b").contains('/'));
    }
}
