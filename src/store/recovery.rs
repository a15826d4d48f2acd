//! The recovery file: a refreshed token that the store would not take.
//!
//! After the OAuth server rotates a refresh token, the old one is spent and the new one exists only
//! in this process. If the store then fails (a full disk, MongoDB down, a locked keyring), the
//! token is written to `recovery-<account>-<owner>-<hash>.json` (mode 0600) in the config dir; the
//! next run for that account and owner stores it (a compare-and-swap on the refresh token it
//! replaces) and removes the file, instead of refusing the spent token and invalidating the
//! account.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::store::lock::{ensure_private_dir, pair_name};
use crate::token::Token;

#[derive(Serialize, Deserialize)]
pub struct Recovery {
    pub account_id: String,
    pub owner: String,
    /// The refresh token the stored record still holds (spent at the server).
    pub replaces: Secret,
    pub token: Token,
    /// Which store refused it, for messages.
    pub store: String,
}

pub fn path(config_dir: &Path, account: &str, owner: &str) -> PathBuf {
    config_dir.join(format!("recovery-{}.json", pair_name(account, owner)))
}

/// Writes the recovery file atomically, readable by its owner only.
pub fn keep(config_dir: &Path, recovery: &Recovery) -> std::io::Result<PathBuf> {
    ensure_private_dir(config_dir)?;
    let target = path(config_dir, &recovery.account_id, &recovery.owner);
    let mut tmp = tempfile::Builder::new()
        .prefix(".recovery.")
        .tempfile_in(config_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    let body = serde_json::to_vec_pretty(recovery).map_err(std::io::Error::other)?;
    tmp.write_all(&body)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(target)
}

/// The recovery file of (account, owner), if there is one that can be read.
pub fn find(config_dir: &Path, account: &str, owner: &str) -> Option<(PathBuf, Recovery)> {
    let p = path(config_dir, account, owner);
    let bytes = std::fs::read(&p).ok()?;
    let r: Recovery = serde_json::from_slice(&bytes).ok()?;
    (r.account_id == account && r.owner == owner).then_some((p, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_token_is_private_and_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let token: Token = serde_json::from_value(serde_json::json!({
            "access_token": "a", "refresh_token": "r2", "expires_in": 3599
        }))
        .unwrap();
        let r = Recovery {
            account_id: "acc".into(),
            owner: "me".into(),
            replaces: Secret::new("r1"),
            token,
            store: "file".into(),
        };
        let p = keep(dir.path(), &r).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (found, back) = find(dir.path(), "acc", "me").unwrap();
        assert_eq!(found, p);
        assert_eq!(back.token.refresh_token.expose(), "r2");
        assert!(find(dir.path(), "acc", "other").is_none());
    }
}
