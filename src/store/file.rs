//! The file store: every record of this machine in one JSON file, mode 0600 in a 0700 directory.
//!
//! For headless servers and cron. Each change rewrites the file atomically (temp file + rename)
//! under a lock file, so concurrent processes never see half a file or lose each other's writes.

use std::io::Write;

use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::printer;
use crate::store::lock::{ensure_private_dir, FileLock};
use crate::store::Entry;
use crate::terminal_text::json_error;
use crate::token::{Token, TokenRecord};

const STORE: &str = "file";
const LOCK_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    path: PathBuf,
}

fn unavailable(reason: String) -> Error {
    Error::Store {
        store: STORE,
        reason,
    }
}

impl FileStore {
    pub fn new(config_dir: &Path) -> FileStore {
        FileStore {
            dir: config_dir.to_path_buf(),
            path: config_dir.join("tokens.json"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The file's entries as JSON values: one damaged entry must not hide (or, on the next
    /// write, destroy) the others. An empty or missing file has none.
    fn read_values(&self) -> Result<Vec<Value>> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Vec::new()),
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Array(items)) => Ok(items),
                // A single record, as another tool may write it.
                Ok(one @ Value::Object(_)) => Ok(vec![one]),
                Ok(_) => Err(self.unreadable("not a list of token records")),
                Err(e) => Err(self.unreadable(&json_error(&e))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(unavailable(format!(
                "cannot read {}: {e}",
                self.path.display()
            ))),
        }
    }

    fn unreadable(&self, why: &str) -> Error {
        unavailable(format!(
            "{} is not a valid token file ({why}); `pipedrive login` moves it aside to {} and \
             starts a new one",
            self.path.display(),
            self.damaged_path().display()
        ))
    }

    fn damaged_path(&self) -> PathBuf {
        self.dir.join("tokens.json.damaged")
    }

    /// The entries, or none after moving an unreadable file aside (for `login` and `logout`,
    /// which replace what they cannot read).
    fn read_values_or_move_aside(&self) -> Result<Vec<Value>> {
        match self.read_values() {
            Err(Error::Store { reason, .. }) if reason.contains("is not a valid token file") => {
                std::fs::rename(&self.path, self.damaged_path()).map_err(|e| {
                    unavailable(format!("cannot move {} aside: {e}", self.path.display()))
                })?;
                printer::warn(&format!(
                    "{} could not be read; moved it to {}",
                    self.path.display(),
                    self.damaged_path().display()
                ));
                Ok(Vec::new())
            }
            other => other,
        }
    }

    fn write_all(&self, records: &[Value]) -> Result<()> {
        let fail =
            |e: std::io::Error| unavailable(format!("cannot write {}: {e}", self.path.display()));
        ensure_private_dir(&self.dir).map_err(fail)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".tokens.")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(fail)?;
        // tempfile creates files 0600 already; say so explicitly for the reader of this code.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(fail)?;
        }
        let body = serde_json::to_vec_pretty(records).map_err(|e| unavailable(e.to_string()))?;
        tmp.write_all(&body).map_err(fail)?;
        tmp.as_file().sync_all().map_err(fail)?;
        tmp.persist(&self.path).map_err(|e| fail(e.error))?;
        Ok(())
    }

    /// Whether the directory takes a new token file: a small file written, synced and removed
    /// (a full disk or a read-only mount fails here, before a refresh spends the old token).
    pub(crate) fn check_writable(&self) -> Result<()> {
        let fail = |e: std::io::Error| {
            unavailable(format!(
                "cannot write in {} ({e}), so a refreshed token could not be saved; free space \
                 or fix the permissions first",
                self.dir.display()
            ))
        };
        ensure_private_dir(&self.dir).map_err(fail)?;
        let mut probe = tempfile::Builder::new()
            .prefix(".write-check.")
            .tempfile_in(&self.dir)
            .map_err(fail)?;
        probe.write_all(&[b' '; 4096]).map_err(fail)?;
        probe.as_file().sync_all().map_err(fail)?;
        Ok(())
    }

    /// Read-modify-write of the whole file under the store's lock.
    fn modify<T>(
        &self,
        replace_unreadable: bool,
        change: impl FnOnce(&mut Vec<Value>) -> Result<T>,
    ) -> Result<T> {
        let _lock = FileLock::acquire(&self.dir.join("tokens.lock"), LOCK_WAIT, STORE)?;
        let mut entries = if replace_unreadable {
            self.read_values_or_move_aside()?
        } else {
            self.read_values()?
        };
        let out = change(&mut entries)?;
        self.write_all(&entries)?;
        Ok(out)
    }

    pub(crate) fn inspect(&self, account: &str, owner: &str) -> Result<Entry> {
        Ok(self
            .read_values()?
            .iter()
            .find(|v| is_of(v, account, Some(owner)))
            .map_or(Entry::Missing, classify))
    }

    pub fn load(&self, account: &str, owner: &str) -> Result<Option<TokenRecord>> {
        match self.inspect(account, owner)? {
            Entry::Missing => Ok(None),
            Entry::Found(r) => Ok(Some(*r)),
            Entry::Damaged(why) => Err(unavailable(format!(
                "the entry of account '{account}', owner '{owner}' in {} is not a token record \
                 ({why}); `pipedrive login` replaces it, `pipedrive logout` deletes it",
                self.path.display()
            ))),
        }
    }

    /// Every owner's entry of an account, damaged ones included (for `logout --all`).
    pub(crate) fn inspect_account(&self, account: &str) -> Result<Vec<(String, Entry)>> {
        Ok(self
            .read_values()?
            .iter()
            .filter(|v| is_of(v, account, None))
            .filter_map(|v| Some((v.get("owner")?.as_str()?.to_string(), classify(v))))
            .collect())
    }

    /// Every entry of every account, damaged ones included (for `pipedrive accounts`).
    pub(crate) fn inspect_all(&self) -> Result<Vec<(String, String, Entry)>> {
        Ok(self
            .read_values()?
            .iter()
            .filter_map(|v| {
                let account = v.get("account_id")?.as_str()?.to_string();
                let owner = v.get("owner")?.as_str()?.to_string();
                Some((account, owner, classify(v)))
            })
            .collect())
    }

    pub fn load_account(&self, account: &str) -> Result<Vec<TokenRecord>> {
        self.read_values()?
            .iter()
            .filter(|v| is_of(v, account, None))
            .map(|v| match classify(v) {
                Entry::Found(r) => Ok(*r),
                _ => Err(unavailable(format!(
                    "an entry of account '{account}' in {} is not a token record; `pipedrive \
                     logout --owner ...` deletes it",
                    self.path.display()
                ))),
            })
            .collect()
    }

    pub fn save_login(&self, account: &str, owner: &str, token: &Token) -> Result<()> {
        self.modify(true, |entries| {
            let at = entries.iter().position(|v| is_of(v, account, Some(owner)));
            let record = match at.map(|i| classify(&entries[i])) {
                Some(Entry::Found(mut r)) => {
                    r.token = merge_token(&r.token, token);
                    r.token_invalidated = false;
                    *r
                }
                // Missing, or damaged: a login replaces what cannot be read.
                _ => crate::store::new_record(account, owner, token),
            };
            let value = to_value(&record)?;
            match at {
                Some(i) => entries[i] = value,
                None => entries.push(value),
            }
            Ok(())
        })
    }

    pub(crate) fn replace_token(
        &self,
        account: &str,
        owner: &str,
        expected_refresh: &str,
        token: &Token,
    ) -> Result<bool> {
        self.modify(false, |entries| {
            for v in entries
                .iter_mut()
                .filter(|v| is_of(v, account, Some(owner)))
            {
                if let Entry::Found(mut r) = classify(v) {
                    if r.token.refresh_token.expose() == expected_refresh {
                        r.token = merge_token(&r.token, token);
                        *v = to_value(&r)?;
                        return Ok(true);
                    }
                }
            }
            Ok(false)
        })
    }

    pub(crate) fn invalidate_account(&self, account: &str) -> Result<u64> {
        self.modify(false, |entries| {
            let mut n = 0;
            for v in entries.iter_mut().filter(|v| is_of(v, account, None)) {
                // A damaged entry holds no usable token to flag.
                if let Entry::Found(mut r) = classify(v) {
                    r.token_invalidated = true;
                    *v = to_value(&r)?;
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    pub(crate) fn delete(&self, account: &str, owner: &str) -> Result<bool> {
        self.modify(true, |entries| {
            let before = entries.len();
            entries.retain(|v| !is_of(v, account, Some(owner)));
            Ok(entries.len() != before)
        })
    }
}

/// Whether an entry names this account (and owner, if given), whatever else it holds.
fn is_of(v: &Value, account: &str, owner: Option<&str>) -> bool {
    v.get("account_id").and_then(Value::as_str) == Some(account)
        && owner.is_none_or(|o| v.get("owner").and_then(Value::as_str) == Some(o))
}

/// An entry as a record, or why it is not one (never quoting what it holds: it may be a token).
fn classify(v: &Value) -> Entry {
    match TokenRecord::deserialize(v) {
        Ok(r) => Entry::Found(Box::new(r)),
        Err(e) => Entry::Damaged(json_error(&e)),
    }
}

fn to_value(record: &TokenRecord) -> Result<Value> {
    serde_json::to_value(record).map_err(|e| unavailable(e.to_string()))
}

/// A new token keeps the fields another program added to the old one.
pub(crate) fn merge_token(old: &Token, new: &Token) -> Token {
    let mut merged = new.clone();
    for (k, v) in &old.extra {
        merged.extra.entry(k.clone()).or_insert_with(|| v.clone());
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn token(refresh: &str) -> Token {
        Token {
            access_token: Secret::new("a"),
            refresh_token: Secret::new(refresh),
            expires_in: 3599,
            generated_at: 1,
            token_type: "Bearer".into(),
            scope: "deals:read".into(),
            api_domain: "https://x.pipedrive.com".into(),
            extra: Default::default(),
        }
    }

    #[test]
    fn file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("cfg");
        let store = FileStore::new(&cfg);
        assert!(store.load("acc", "me").unwrap().is_none());
        store.save_login("acc", "me", &token("r1")).unwrap();
        store.save_login("acc", "you", &token("r2")).unwrap();
        let rec = store.load("acc", "me").unwrap().unwrap();
        assert_eq!(rec.token.refresh_token.expose(), "r1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&cfg).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn compare_and_swap_refuses_a_stale_refresh_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.save_login("acc", "me", &token("r1")).unwrap();
        assert!(store
            .replace_token("acc", "me", "r1", &token("r2"))
            .unwrap());
        assert!(!store
            .replace_token("acc", "me", "r1", &token("r3"))
            .unwrap());
        let rec = store.load("acc", "me").unwrap().unwrap();
        assert_eq!(rec.token.refresh_token.expose(), "r2");
    }

    #[test]
    fn invalidation_covers_every_owner_and_login_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.save_login("acc", "a", &token("r1")).unwrap();
        store.save_login("acc", "b", &token("r2")).unwrap();
        store.save_login("other", "a", &token("r3")).unwrap();
        assert_eq!(store.invalidate_account("acc").unwrap(), 2);
        assert!(store.load("acc", "b").unwrap().unwrap().token_invalidated);
        assert!(!store.load("other", "a").unwrap().unwrap().token_invalidated);
        store.save_login("acc", "b", &token("r4")).unwrap();
        assert!(!store.load("acc", "b").unwrap().unwrap().token_invalidated);
    }

    #[test]
    fn a_file_with_one_record_in_the_documents_shape_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let doc = serde_json::json!({"account_id": "acc", "owner": "me", "token_invalidated": false,
            "token": {"access_token": "a", "refresh_token": "r", "expires_in": 3599,
                      "generated_at": 1, "token_type": "Bearer", "scope": "deals:read",
                      "api_domain": "https://x.pipedrive.com"}});
        std::fs::write(store.path(), doc.to_string()).unwrap();
        let rec = store.load("acc", "me").unwrap().unwrap();
        assert_eq!(rec.token.refresh_token.expose(), "r");
    }

    #[test]
    fn a_corrupt_file_is_a_store_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        std::fs::write(store.path(), b"{not json").unwrap();
        let err = store.load("a", "b").err().unwrap();
        assert_eq!(err.exit_code(), 7);
    }
}
