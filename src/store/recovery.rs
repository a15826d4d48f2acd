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
pub(crate) struct Recovery {
    pub(crate) account_id: String,
    pub(crate) owner: String,
    /// The refresh token the stored record still holds (spent at the server).
    pub(crate) replaces: Secret,
    pub(crate) token: Token,
    /// Which store refused it, for messages.
    pub(crate) store: String,
}

fn path(config_dir: &Path, account: &str, owner: &str) -> PathBuf {
    config_dir.join(format!("recovery-{}.json", pair_name(account, owner)))
}

/// Writes the recovery file atomically, readable by its owner only.
pub(crate) fn keep(config_dir: &Path, recovery: &Recovery) -> std::io::Result<PathBuf> {
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

/// A recovery file that exists but cannot be read back (cut short, edited, unreadable).
#[derive(Debug)]
pub(crate) struct Damaged {
    pub(crate) path: PathBuf,
    pub(crate) why: String,
}

impl Damaged {
    /// What the user should know and do: the file may have held the only copy of the live
    /// refresh token, so it is neither ignored nor removed without a word.
    pub(crate) fn advice(&self) -> String {
        format!(
            "the recovery file {} cannot be read ({}); it may hold the only copy of a token an              earlier run refreshed but could not store. Move it out of the way (keep it if you              can repair it) and run the command again; if Pipedrive then refuses the stored              token, run `pipedrive login`",
            self.path.display(),
            self.why
        )
    }
}

/// The recovery file of (account, owner), if there is one; an error when one is there but
/// cannot be read back.
pub(crate) fn find(
    config_dir: &Path,
    account: &str,
    owner: &str,
) -> Result<Option<(PathBuf, Recovery)>, Damaged> {
    let p = path(config_dir, account, owner);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Damaged {
                path: p,
                why: e.to_string(),
            })
        }
    };
    let r: Recovery = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            // Only where it broke: serde's own message can quote a value, a token perhaps.
            let why = if e.is_eof() {
                format!("it is cut short after {} bytes", bytes.len())
            } else {
                format!(
                    "it is not a recovery file this program wrote (line {}, column {})",
                    e.line(),
                    e.column()
                )
            };
            return Err(Damaged { path: p, why });
        }
    };
    Ok((r.account_id == account && r.owner == owner).then_some((p, r)))
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
        let (found, back) = find(dir.path(), "acc", "me").unwrap().unwrap();
        assert_eq!(found, p);
        assert_eq!(back.token.refresh_token.expose(), "r2");
        assert!(find(dir.path(), "acc", "other").unwrap().is_none());
        // Cut short: said, not taken for no file at all.
        let whole = std::fs::read(&p).unwrap();
        std::fs::write(&p, &whole[..whole.len() / 2]).unwrap();
        let damaged = find(dir.path(), "acc", "me").err().expect("damaged");
        assert!(damaged.why.contains("cut short"), "{}", damaged.why);
        assert!(!damaged.advice().contains("r2"), "no secret in the advice");
    }
}
