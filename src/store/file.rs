//! The file store: every record of this machine in one JSON file, mode 0600 in a 0700 directory.
//!
//! For headless servers and cron. Each change rewrites the file atomically (temp file + rename)
//! under a lock file, so concurrent processes never see half a file or lose each other's writes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::store::lock::{ensure_private_dir, FileLock};
use crate::token::{Token, TokenRecord};

const STORE: &str = "file";
const LOCK_WAIT: Duration = Duration::from_secs(30);

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

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_all(&self) -> Result<Vec<TokenRecord>> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Vec::new()),
            Ok(bytes) => serde_json::from_slice::<OneOrMany>(&bytes)
                .map(OneOrMany::into_vec)
                .map_err(|e| {
                    unavailable(format!(
                    "{} is not a valid token file ({e}); move it away and run `pipedrive login`",
                    self.path.display()
                ))
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(unavailable(format!(
                "cannot read {}: {e}",
                self.path.display()
            ))),
        }
    }

    fn write_all(&self, records: &[TokenRecord]) -> Result<()> {
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
    pub fn check_writable(&self) -> Result<()> {
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
    fn modify<T>(&self, change: impl FnOnce(&mut Vec<TokenRecord>) -> T) -> Result<T> {
        let _lock = FileLock::acquire(&self.dir.join("tokens.lock"), LOCK_WAIT, STORE)?;
        let mut records = self.read_all()?;
        let out = change(&mut records);
        self.write_all(&records)?;
        Ok(out)
    }

    pub fn load(&self, account: &str, owner: &str) -> Result<Option<TokenRecord>> {
        Ok(self
            .read_all()?
            .into_iter()
            .find(|r| r.account_id == account && r.owner == owner))
    }

    pub fn load_account(&self, account: &str) -> Result<Vec<TokenRecord>> {
        Ok(self
            .read_all()?
            .into_iter()
            .filter(|r| r.account_id == account)
            .collect())
    }

    pub fn save_login(&self, account: &str, owner: &str, token: &Token) -> Result<()> {
        self.modify(|records| {
            match records
                .iter_mut()
                .find(|r| r.account_id == account && r.owner == owner)
            {
                Some(r) => {
                    r.token = merge_token(&r.token, token);
                    r.token_invalidated = false;
                }
                None => records.push(crate::store::new_record(account, owner, token)),
            }
        })
    }

    pub fn replace_token(
        &self,
        account: &str,
        owner: &str,
        expected_refresh: &str,
        token: &Token,
    ) -> Result<bool> {
        self.modify(|records| {
            match records.iter_mut().find(|r| {
                r.account_id == account
                    && r.owner == owner
                    && r.token.refresh_token.expose() == expected_refresh
            }) {
                Some(r) => {
                    r.token = merge_token(&r.token, token);
                    true
                }
                None => false,
            }
        })
    }

    pub fn invalidate_account(&self, account: &str) -> Result<u64> {
        self.modify(|records| {
            let mut n = 0;
            for r in records.iter_mut().filter(|r| r.account_id == account) {
                r.token_invalidated = true;
                n += 1;
            }
            n
        })
    }

    pub fn delete(&self, account: &str, owner: &str) -> Result<bool> {
        self.modify(|records| {
            let before = records.len();
            records.retain(|r| !(r.account_id == account && r.owner == owner));
            records.len() != before
        })
    }
}

/// The file holds a list of records; a single record (as another tool may write it) is read too.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<TokenRecord>),
    One(Box<TokenRecord>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<TokenRecord> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(r) => vec![*r],
        }
    }
}

/// A new token keeps the fields another program added to the old one.
pub fn merge_token(old: &Token, new: &Token) -> Token {
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
