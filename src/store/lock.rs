//! Cross-process locks on files in the config directory.
//!
//! Refresh-and-save runs under one of these so that parallel cron jobs on one machine take turns
//! with a rotating refresh token instead of racing; the file store also guards its file with one.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held while alive; the OS releases it when the process dies, so a crash never leaves it stuck.
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Waits up to `wait` for an exclusive lock on `path`, creating the file and its directory.
    pub fn acquire(path: &Path, wait: Duration, store: &'static str) -> Result<FileLock> {
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
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
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
pub fn refresh_lock_path(config_dir: &Path, account: &str, owner: &str) -> PathBuf {
    config_dir.join("locks").join(format!(
        "refresh-{}-{}.lock",
        safe_name(account),
        safe_name(owner)
    ))
}

/// A file-name-safe rendering of a user-chosen name (distinct names stay distinct).
pub fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
            out.push(b as char);
        } else {
            out.push_str(&format!("-{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_names_give_distinct_lock_files() {
        assert_ne!(safe_name("a-b"), safe_name("a_b"));
        assert_ne!(safe_name("a/b"), safe_name("a-2fb"));
        assert_eq!(safe_name("default"), "default");
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
