//! `--state FILE`: the newest `update_time` exported per account and type, so the next run asks
//! only for records updated since then.
//!
//! The API's `updated_since` is inclusive, so the next run starts at exactly the newest time seen:
//! records of that same second come again (harmless) and none on the boundary is missed. The state
//! advances only after the output was written completely.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::output::atomic::AtomicFile;

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    #[serde(default)]
    version: u32,
    /// account -> type -> newest update time (RFC 3339, UTC).
    #[serde(default)]
    pub(crate) accounts: BTreeMap<String, BTreeMap<String, TypeState>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct TypeState {
    pub(crate) updated_since: Option<String>,
    last_run: Option<String>,
}

/// What one run saw: the newest update time among its records, when it started, and whether it
/// read the whole list (`--max` stops early, and then the state must not move).
#[derive(Debug)]
pub(crate) struct Stamp {
    newest: Option<chrono::DateTime<chrono::Utc>>,
    started: chrono::DateTime<chrono::Utc>,
    complete: bool,
}

impl Default for Stamp {
    fn default() -> Self {
        Stamp {
            newest: None,
            started: chrono::Utc::now(),
            complete: true,
        }
    }
}

impl Stamp {
    /// The run stopped before the end of the list: the records it skipped are not behind the
    /// newest time it saw, so the state keeps its old time.
    pub(crate) fn incomplete(&mut self) {
        self.complete = false;
    }

    /// Whether the run read its lists to the end.
    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    /// The time the next run starts from. A record updated while this run was paging could sit
    /// on a page already read, behind a newer one seen later: never start after this run began.
    fn mark(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.newest.map(|n| n.min(self.started))
    }

    pub(crate) fn observe(&mut self, record: &str) {
        let Some(t) = crate::json_scan::update_time(record) else {
            return;
        };
        if let Some(t) = parse_api_time(t) {
            if self.newest.is_none_or(|n| t > n) {
                self.newest = Some(t);
            }
        }
    }
}

/// v2 times are RFC 3339; v1 times are `YYYY-MM-DD HH:MM:SS` in UTC.
pub(crate) fn parse_api_time(t: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|n| n.and_utc())
}

impl State {
    pub(crate) fn load(path: &Path) -> Result<State> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Usage(format!(
                    "--state {} is not a state file of this tool ({e})",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State {
                version: 1,
                ..State::default()
            }),
            Err(e) => Err(Error::Other(format!("cannot read {}: {e}", path.display()))),
        }
    }

    pub(crate) fn since(&self, account: &str, kind: &str) -> Option<String> {
        self.accounts.get(account)?.get(kind)?.updated_since.clone()
    }

    pub(crate) fn advance(&mut self, account: &str, kind: &str, stamp: Stamp) {
        let entry = self
            .accounts
            .entry(account.to_string())
            .or_default()
            .entry(kind.to_string())
            .or_default();
        let fmt =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if !stamp.complete {
            return;
        }
        if let Some(newest) = stamp.mark() {
            let older = entry
                .updated_since
                .as_deref()
                .and_then(parse_api_time)
                .is_none_or(|old| newest > old);
            if older {
                entry.updated_since = Some(fmt(newest));
            }
        }
        entry.last_run = Some(fmt(chrono::Utc::now()));
    }

    pub(crate) fn for_account(&self, account: &str) -> serde_json::Value {
        serde_json::to_value(self.accounts.get(account)).unwrap_or_default()
    }

    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let file = AtomicFile::create(path)?;
        let body = serde_json::to_vec_pretty(&State {
            version: 1,
            accounts: self.accounts.clone(),
        })
        .map_err(Error::other)?;
        use std::io::Write;
        file.reopen()
            .and_then(|mut f| f.write_all(&body))
            .map_err(|e| Error::Other(format!("cannot write {}: {e}", path.display())))?;
        file.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_time_wins_in_both_formats() {
        let mut s = Stamp::default();
        s.observe(r#"{"id":1,"update_time":"2025-01-02T03:04:05Z"}"#);
        s.observe(r#"{"id":2,"update_time":"2025-03-01 00:00:00"}"#);
        s.observe(r#"{"id":3,"update_time":null}"#);
        let mut st = State::default();
        st.advance("acc", "deals", s);
        assert_eq!(st.since("acc", "deals").unwrap(), "2025-03-01T00:00:00Z");
    }

    #[test]
    fn a_run_cut_short_leaves_the_state_alone() {
        let mut st = State::default();
        let mut s = Stamp::default();
        s.observe(r#"{"update_time":"2025-01-02T03:04:05Z"}"#);
        s.incomplete();
        st.advance("acc", "deals", s);
        assert_eq!(st.since("acc", "deals"), None);
    }

    #[test]
    fn the_mark_never_passes_the_start_of_the_run() {
        let mut st = State::default();
        let mut s = Stamp::default();
        let started = s.started;
        s.observe(r#"{"update_time":"2999-01-01T00:00:00Z"}"#);
        st.advance("acc", "deals", s);
        let since = parse_api_time(&st.since("acc", "deals").unwrap()).unwrap();
        assert!(since <= started, "{since} after {started}");
    }

    #[test]
    fn an_empty_run_keeps_the_old_time() {
        let mut st = State::default();
        let mut s = Stamp::default();
        s.observe(r#"{"update_time":"2025-01-02T03:04:05Z"}"#);
        st.advance("acc", "deals", s);
        st.advance("acc", "deals", Stamp::default());
        assert_eq!(st.since("acc", "deals").unwrap(), "2025-01-02T03:04:05Z");
    }
}
