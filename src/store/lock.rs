//! Cross-process locks on files in the config directory.
//!
//! Refresh-and-save runs under one of these so that parallel cron jobs on one machine take turns
//! with a rotating refresh token instead of racing; the file store also guards its file with one.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held while alive; the OS releases it when the process dies, so a crash never leaves it stuck.
pub(crate) struct FileLock {
    _file: File,
}

impl FileLock {
    /// Waits up to `wait` for an exclusive lock on `path`, creating the file and its directory.
    pub(crate) fn acquire(path: &Path, wait: Duration, store: &'static str) -> Result<FileLock> {
        let unavailable = |reason: String| Error::Store { store, reason };
        if let Some(dir) = path.parent() {
            ensure_private_dir(dir)
                .map_err(|e| unavailable(format!("cannot create {}: {e}", dir.display())))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| unavailable(format!("cannot open lock {}: {e}", path.display())))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FileLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(unavailable(format!(
                        "lock {} is held by another pipedrive process for over {}s",
                        path.display(),
                        wait.as_secs()
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(unavailable(format!("cannot lock {}: {e}", path.display())))
                }
            }
        }
    }
}

/// Creates a directory (and parents) readable by its owner only.
pub(crate) fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The lock that serializes refreshes of one (account, owner) on this machine.
pub(crate) fn refresh_lock_path(config_dir: &Path, account: &str, owner: &str) -> PathBuf {
    config_dir
        .join("locks")
        .join(format!("refresh-{}.lock", pair_name(account, owner)))
}

/// A file-name part for an (account, owner) pair that any file system takes: a short readable
/// prefix of both names and a hash of the exact pair, so names of any length or script fit in
/// well under 255 bytes and two different pairs never share a name.
pub(crate) fn pair_name(account: &str, owner: &str) -> String {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    // Length-prefixed, so ("ab", "c") and ("a", "bc") hash differently.
    for part in [account, owner] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{hex}", readable(account), readable(owner))
}

/// Up to 20 characters of `name` that need no escaping anywhere (others become `_`).
fn readable(name: &str) -> String {
    name.chars()
        .take(20)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_names_give_distinct_short_lock_files() {
        let pairs = [
            ("a-b", "c"),
            ("a_b", "c"),
            ("a", "b-c"),
            ("a-b-c", ""),
            ("ab", "c"),
            ("a", "bc"),
            ("株式会社テスト", "x"),
            ("株式会社テスト2", "x"),
        ];
        let names: std::collections::HashSet<String> =
            pairs.iter().map(|(a, o)| pair_name(a, o)).collect();
        assert_eq!(names.len(), pairs.len(), "{names:?}");
        assert!(pair_name("default", "default").starts_with("default-default-"));
        let long = "株".repeat(500);
        let name = pair_name(&long, &long);
        assert!(name.len() < 120, "{}", name.len());
        assert!(name.is_ascii(), "{name}");
    }

    #[test]
    fn a_held_lock_times_out_with_a_store_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let _held = FileLock::acquire(&path, Duration::from_secs(1), "file").unwrap();
        let err = FileLock::acquire(&path, Duration::from_millis(100), "file")
            .err()
            .expect("second lock must wait and fail");
        assert_eq!(err.exit_code(), 7);
    }
}
