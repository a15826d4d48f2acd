//! A v2 cursor list read as slices by update time, `--concurrency` of them at once.
//!
//! One cursor is one request at a time; a list sorted by `update_time` and cut into ranges with
//! `updated_since` (inclusive) and `updated_until` (exclusive) can be read by several cursors in
//! parallel. The plan:
//!
//! 1. The first page of the whole list (`sort_by=update_time`): a list that fits in it is done,
//!    and one that looks a few pages long goes on with that cursor. Otherwise its last record
//!    gives the low end of what is left, and one cheap request (`sort_direction=desc&limit=1`)
//!    the newest update time `hi`.
//! 2. `[low, hi]` is cut into one slice per worker; a worker that finds its slice large while
//!    another worker is idle cuts the rest of it again (at the update time it has reached), so
//!    the work spreads over the workers even when records crowd into a few recent weeks. There
//!    are `--concurrency` workers, or fewer where the burst rate could not keep more busy.
//! 3. A record edited during the run gets an update time at or after `hi` (the server's clock has
//!    passed it) and leaves its slice, perhaps before its worker got there. A catch-up pass of
//!    `updated_since=hi` at the end picks up every such record.
//!
//! Records can come twice (a record read in its slice and again after an edit, the boundary
//! second of a cut); the ids already written are kept in a compact [`IdSet`] and a record whose
//! id is in it is dropped. Order across slices is not promised (README.md says so under `--concurrency`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::value::RawValue;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;

use crate::api::client::{ApiClient, ListAnswer};
use crate::api::idset::IdSet;
use crate::api::pages::{CursorGuard, ListPlan, Page};
use crate::api::resources;
use crate::error::{Error, Result};

/// Whether a list can be split by update time: its operation declares `updated_since`,
/// `updated_until` and `sort_by` (all of them with `update_time`), as the resource table says.
pub(crate) fn sliceable(path: &str) -> bool {
    resources::declared_params(path).is_some_and(|params| {
        ["updated_since", "updated_until", "sort_by"]
            .iter()
            .all(|p| params.contains(p))
    })
}

/// Update times `[lo, hi)` in unix seconds; `hi: None` is open-ended (the catch-up pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    lo: i64,
    hi: Option<i64>,
}

struct Sched {
    queue: VecDeque<Range>,
    /// Workers walking a range now.
    busy: usize,
}

struct Run {
    client: Arc<ApiClient>,
    plan: ListPlan,
    tx: mpsc::Sender<Result<Page>>,
    ids: Mutex<IdSet>,
    /// Records handed to the writer (for `--max`).
    handed: AtomicU64,
    /// The writer is gone or `--max` is reached: no more requests.
    stopped: AtomicBool,
    sched: Mutex<Sched>,
    wake: Notify,
    /// Cursors walking at once: `--concurrency`, or fewer when the burst rate could not use
    /// more (see [`useful_cursors`]).
    workers: AtomicUsize,
    /// `--updated-since` (or the state file's time), for a walk without a range of its own.
    user_since: Option<String>,
}

/// Reads the list in slices; returns when every record was handed over (or the reader left).
pub(crate) async fn run(
    client: &Arc<ApiClient>,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let user_since = plan
        .filters
        .iter()
        .find(|(k, _)| *k == "updated_since")
        .map(|(_, v)| v.clone());
    let run = Arc::new(Run {
        client: client.clone(),
        plan: plan.clone(),
        tx: tx.clone(),
        ids: Mutex::new(IdSet::new()),
        handed: AtomicU64::new(0),
        stopped: AtomicBool::new(false),
        sched: Mutex::new(Sched {
            queue: VecDeque::new(),
            busy: 0,
        }),
        wake: Notify::new(),
        workers: AtomicUsize::new(plan.concurrency.clamp(1, 16)),
        user_since: user_since.clone(),
    });
    let asked = std::time::Instant::now();
    let first = run
        .fetch(user_since.clone(), None, false, plan.limit, None)
        .await?;
    if let Some(n) = useful_cursors(run.client.burst_rate(), asked.elapsed()) {
        run.workers.fetch_min(n, Ordering::SeqCst);
    }
    let next = next_cursor(&first);
    let page = Page::from_answer(plan.path, first)?;
    let oldest = page.records().next().and_then(update_time);
    let low = page.records().last().and_then(update_time);
    let count = page.records().count() as f64;
    if !run.deliver(page).await {
        return Ok(());
    }
    let Some(next) = next else {
        return Ok(());
    };
    // How many pages are left if records keep the first page's density up to now (real
    // records crowd into recent times, so this rather underestimates): a list of a few pages
    // is cheaper read on with the one cursor than planned into slices.
    if let (Some(oldest), Some(low)) = (oldest, low) {
        let now = chrono::Utc::now().timestamp();
        let per_second = count / (low - oldest).max(1) as f64;
        let pages_left = per_second * (now - low).max(0) as f64 / f64::from(plan.limit.max(1));
        if pages_left < run.workers() as f64 {
            return run
                .walk(
                    Range {
                        lo: i64::MIN,
                        hi: None,
                    },
                    Some(next),
                )
                .await;
        }
    }
    let newest = run.fetch(user_since, None, true, 1, None).await?;
    let newest = Page::from_answer(plan.path, newest)?;
    let hi = newest.records().next().and_then(update_time);
    let (Some(low), Some(hi)) = (low, hi) else {
        // No update times to cut by: the rest as one cursor.
        return run
            .walk(
                Range {
                    lo: i64::MIN,
                    hi: None,
                },
                Some(next),
            )
            .await;
    };
    {
        let mut s = run.sched.lock().unwrap_or_else(|p| p.into_inner());
        s.queue.extend(cut(low, hi.max(low) + 1, run.workers()));
    }
    let mut set = JoinSet::new();
    for _ in 0..run.workers() {
        let r = run.clone();
        set.spawn(async move { r.work().await });
    }
    while let Some(done) = set.join_next().await {
        let failed = match done {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(e) => Some(Error::Other(format!(
                "GET {}: a slice task failed ({e}); stopping",
                plan.path
            ))),
        };
        if let Some(e) = failed {
            run.stopped.store(true, Ordering::SeqCst);
            set.abort_all();
            return Err(e);
        }
    }
    if run.stopped.load(Ordering::SeqCst) {
        return Ok(());
    }
    // Every record edited since the slices were planned has an update time at or after `hi`.
    run.walk(Range { lo: hi, hi: None }, None).await
}

/// The fewest cursors that never leave the burst rate unused (none known: no bound).
///
/// At `rate` requests a second, each taking `latency`, `rate x latency` requests are in flight
/// (Little's law); twice that absorbs uneven answers. More cursors would only wait for the rate,
/// and each adds requests of its own (a partial last page per slice, re-cuts). Never fewer
/// than [`MIN_CURSORS`]: a first answer that came back unusually fast says little.
fn useful_cursors(rate: Option<f64>, latency: std::time::Duration) -> Option<usize> {
    let rate = rate.filter(|r| r.is_finite() && *r > 0.0)?;
    let useful = (2.0 * rate * latency.as_secs_f64()).ceil();
    Some((useful.min(1e6) as usize).max(MIN_CURSORS))
}

/// The least [`useful_cursors`] gives.
const MIN_CURSORS: usize = 4;

/// `[lo, hi)` cut into `parts` ranges of equal length (at least one second each).
fn cut(lo: i64, hi: i64, parts: usize) -> Vec<Range> {
    let span = (hi - lo).max(1);
    let parts = (parts as i64).clamp(1, span);
    (0..parts)
        .map(|i| Range {
            lo: lo + span * i / parts,
            hi: Some(if i + 1 == parts {
                hi
            } else {
                lo + span * (i + 1) / parts
            }),
        })
        .collect()
}

impl Run {
    fn workers(&self) -> usize {
        self.workers.load(Ordering::SeqCst)
    }

    async fn work(self: Arc<Self>) -> Result<()> {
        while let Some(range) = self.take().await {
            let result = self.walk(range, None).await;
            {
                let mut s = self.sched.lock().unwrap_or_else(|p| p.into_inner());
                s.busy -= 1;
            }
            self.wake.notify_waiters();
            result?;
        }
        Ok(())
    }

    /// The next range to walk; `None` once nothing is queued and no busy worker could cut more.
    async fn take(&self) -> Option<Range> {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut s = self.sched.lock().unwrap_or_else(|p| p.into_inner());
                if self.stopped.load(Ordering::SeqCst) {
                    return None;
                }
                if let Some(r) = s.queue.pop_front() {
                    s.busy += 1;
                    return Some(r);
                }
                if s.busy == 0 {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Walks one range with a cursor, cutting it again when it turns out large.
    async fn walk(&self, mut range: Range, mut cursor: Option<String>) -> Result<()> {
        let path = self.plan.path;
        let mut guard = CursorGuard::new(path);
        // Records read since `range.lo`, to judge how large the rest of the range is.
        let mut read = 0u64;
        loop {
            if self.stopped.load(Ordering::SeqCst) {
                return Ok(());
            }
            let since = if range.lo == i64::MIN {
                self.user_since.clone()
            } else {
                Some(rfc3339(range.lo))
            };
            let env = self
                .fetch(since, range.hi, false, self.plan.limit, cursor.take())
                .await?;
            let next = next_cursor(&env);
            let page = Page::from_answer(path, env)?;
            guard.check(next.as_deref(), page.is_empty())?;
            let count = page.records().count() as u64;
            let last = page.records().last().and_then(update_time);
            if !self.deliver(page).await {
                return Ok(());
            }
            let Some(next) = next else {
                return Ok(());
            };
            read += count;
            if let Some(rest) = last.and_then(|t| self.recut(range, t, read)) {
                range = rest;
                read = 0;
                guard = CursorGuard::new(path);
                continue;
            }
            cursor = Some(next);
        }
    }

    /// When workers are idle and this range still holds several pages past update time `t`,
    /// queues all but the first part of `[t, hi)` and returns that first part to walk next.
    fn recut(&self, range: Range, t: i64, read: u64) -> Option<Range> {
        let hi = range.hi?;
        let left = hi - t;
        let mut s = self.sched.lock().unwrap_or_else(|p| p.into_inner());
        let idle = self.workers().saturating_sub(s.busy);
        if idle == 0 || !s.queue.is_empty() || left < 2 {
            return None;
        }
        let per_second = read as f64 / (t - range.lo).max(1) as f64;
        let pages_left = per_second * left as f64 / f64::from(self.plan.limit.max(1));
        if pages_left < 2.0 {
            return None;
        }
        let parts = (idle + 1).min(pages_left as usize);
        let mut pieces = cut(t, hi, parts);
        let first = pieces.remove(0);
        s.queue.extend(pieces);
        drop(s);
        self.wake.notify_waiters();
        Some(first)
    }

    /// Hands over the records of a page not written yet; false when the reader is gone.
    async fn deliver(&self, page: Page) -> bool {
        let page = {
            let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
            let keep: Vec<bool> = page
                .records()
                .map(|r| record_id(r).is_none_or(|id| ids.insert(id)))
                .collect();
            if keep.iter().all(|k| *k) {
                Some(page)
            } else if keep.iter().any(|k| *k) {
                let kept: Vec<&str> = page
                    .records()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(r, _)| r)
                    .collect();
                RawValue::from_string(format!("[{}]", kept.join(",")))
                    .ok()
                    .and_then(|raw| Page::from_raw(self.plan.path, Some(raw)).ok())
            } else {
                None
            }
        };
        let Some(page) = page else {
            return true;
        };
        let n = page.records().count() as u64;
        if self.tx.send(Ok(page)).await.is_err() {
            self.stopped.store(true, Ordering::SeqCst);
            self.wake.notify_waiters();
            return false;
        }
        let handed = self.handed.fetch_add(n, Ordering::SeqCst) + n;
        if self.plan.max.is_some_and(|m| handed >= m) {
            self.stopped.store(true, Ordering::SeqCst);
            self.wake.notify_waiters();
        }
        true
    }

    async fn fetch(
        &self,
        since: Option<String>,
        until: Option<i64>,
        desc: bool,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<ListAnswer> {
        let mut query: Vec<(&'static str, String)> = self
            .plan
            .filters
            .iter()
            .filter(|(k, _)| *k != "updated_since")
            .cloned()
            .collect();
        if let Some(s) = since {
            query.push(("updated_since", s));
        }
        if let Some(u) = until {
            query.push(("updated_until", rfc3339(u)));
        }
        query.push(("sort_by", "update_time".into()));
        if desc {
            query.push(("sort_direction", "desc".into()));
        }
        query.push(("limit", limit.to_string()));
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
        self.client.get_list(self.plan.path, &query, &|_| {}).await
    }
}

fn next_cursor(env: &ListAnswer) -> Option<String> {
    env.additional_data
        .as_ref()
        .and_then(|a| a.next_cursor.clone())
        .filter(|c| !c.is_empty())
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A record's `update_time` in unix seconds (v2 sends RFC 3339).
pub(crate) fn update_time(record: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(crate::json_scan::update_time(record)?)
        .ok()
        .map(|d| d.timestamp())
}

/// A record's `id`: read straight from `{"id":123,` where the API puts it first, else parsed.
pub(crate) fn record_id(record: &str) -> Option<u64> {
    if let Some(rest) = record.strip_prefix("{\"id\":") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && matches!(rest.as_bytes().get(digits), Some(b',' | b'}')) {
            return rest[..digits].parse().ok();
        }
    }
    #[derive(serde::Deserialize)]
    struct Id {
        id: Option<u64>,
    }
    serde_json::from_str::<Id>(record).ok()?.id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_as_many_as_the_burst_rate_can_use() {
        use std::time::Duration;
        // 80 per 2 s at 100 ms a page: 4 in flight, 8 with the margin.
        assert_eq!(
            useful_cursors(Some(40.0), Duration::from_millis(100)),
            Some(8)
        );
        // Slow pages under the same rate: many.
        assert_eq!(useful_cursors(Some(40.0), Duration::from_secs(1)), Some(80));
        // A fast first answer never leaves fewer than four.
        assert_eq!(
            useful_cursors(Some(40.0), Duration::from_millis(2)),
            Some(4)
        );
        // No announced limit: no bound.
        assert_eq!(useful_cursors(None, Duration::from_millis(100)), None);
    }

    #[test]
    fn cuts_cover_the_range_without_gaps() {
        for (lo, hi, parts) in [(0, 100, 4), (10, 13, 8), (5, 6, 3), (0, 1_000_003, 16)] {
            let r = cut(lo, hi, parts);
            assert_eq!(r[0].lo, lo);
            assert_eq!(r.last().unwrap().hi, Some(hi));
            for w in r.windows(2) {
                assert_eq!(w[0].hi, Some(w[1].lo));
                assert!(w[0].lo < w[1].lo);
            }
            assert!(r.len() <= parts);
        }
    }

    #[test]
    fn ids_and_update_times_are_read_from_records() {
        assert_eq!(record_id(r#"{"id":42,"title":"x"}"#), Some(42));
        assert_eq!(record_id(r#"{"title":"x","id":7}"#), Some(7));
        assert_eq!(record_id(r#"{ "id" : 9 }"#), Some(9));
        assert_eq!(record_id(r#"{"title":"no id"}"#), None);
        assert_eq!(
            update_time(r#"{"id":1,"update_time":"2024-01-02T03:04:05Z"}"#),
            Some(1_704_164_645)
        );
        assert_eq!(update_time(r#"{"id":1,"update_time":null}"#), None);
        assert_eq!(rfc3339(1_704_164_645), "2024-01-02T03:04:05Z");
    }

    #[test]
    fn only_operations_declaring_the_filters_are_sliced() {
        for path in [
            "/api/v2/deals",
            "/api/v2/deals/archived",
            "/api/v2/persons",
            "/api/v2/organizations",
            "/api/v2/activities",
        ] {
            assert!(sliceable(path), "{path}");
        }
        // Products declare no `updated_until`.
        assert!(!sliceable("/api/v2/products"));
        assert!(!sliceable("/api/v2/pipelines"));
        assert!(!sliceable("/api/v1/notes"));
    }
}
