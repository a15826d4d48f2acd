//! Pagination that cannot loop or skip, streamed page by page through a small channel.
//!
//! A producer task fetches pages and hands them to the writer through a bounded channel, so the
//! next request is on the wire while the current page is decoded and written, and memory holds at
//! most a few pages whatever the number of records. Cursor pages go strictly one after another,
//! but the request for the next one leaves as soon as the current page's cursor is read; v1
//! offset pages are fetched a few at a time and still delivered in order.
//!
//! A page stays the `data` array as the API sent it (one allocation); the writer walks it record
//! by record without copying or parsing each record into a tree.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::client::{ApiClient, Envelope};
use crate::api::resources::Paging;
use crate::error::{Error, Result};

/// One page of records: the API's `data` array, already checked to be valid JSON.
#[derive(Debug, Default)]
pub struct Page {
    /// `None` when the API sent no `data` (or `null`).
    array: Option<Box<RawValue>>,
}

impl Page {
    /// Accepts the `data` of an answer if it is a list, or an object around one list (goals/find
    /// answers `{"goals": [...]}`).
    fn new(path: &str, data: Option<Box<RawValue>>) -> Result<Page> {
        let data = match data {
            Some(raw) if raw.get().starts_with('{') => {
                Some(single_list(path, &raw)?).filter(|l| l.get() != "null")
            }
            other => other,
        };
        match data {
            Some(raw) if !raw.get().starts_with('[') => Err(Error::Other(format!(
                "GET {path}: the answer does not have the expected shape (data is not a list); stopping"
            ))),
            array => Ok(Page { array }),
        }
    }

    /// Each record's JSON text, in order.
    pub fn records(&self) -> Records<'_> {
        Records {
            text: self.array.as_ref().map_or("[]", |a| a.get()),
            pos: 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.records().next().is_none()
    }

    /// A page of records the program built or changed (per-parent lists add the parent's id).
    pub fn from_values(values: &[serde_json::Value]) -> Result<Page> {
        let text = serde_json::to_string(values).map_err(Error::other)?;
        Ok(Page {
            array: Some(RawValue::from_string(text).map_err(Error::other)?),
        })
    }
}

/// The one list inside an object-shaped `data`.
fn single_list(path: &str, raw: &RawValue) -> Result<Box<RawValue>> {
    let object: std::collections::BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(raw.get()).map_err(Error::other)?;
    let mut lists = object
        .into_values()
        .filter(|v| v.get().starts_with('[') || v.get() == "null");
    match (lists.next(), lists.next()) {
        (Some(list), None) => Ok(list),
        _ => Err(Error::Other(format!(
            "GET {path}: the answer does not have the expected shape (data holds no single list); stopping"
        ))),
    }
}

/// The elements of a JSON array known to be valid: a scan for the commas at depth 0 that skips
/// string contents with `memchr`, much cheaper than parsing each element again.
pub struct Records<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\n' | b'\r' | b'\t' | b',') {
            self.pos += 1;
        }
        if self.pos >= b.len() || b[self.pos] == b']' {
            return None;
        }
        let start = self.pos;
        let mut depth = 0usize;
        let mut i = start;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i = after_string(b, i);
                    if depth == 0 {
                        break;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth <= 1 => {
                    i += usize::from(depth == 1);
                    break;
                }
                b'}' | b']' => depth -= 1,
                b',' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        self.pos = i;
        Some(self.text[start..i].trim_end())
    }
}

/// The index after the string that opens at `b[open]`.
fn after_string(b: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while let Some(k) = b.get(i..).and_then(|r| memchr::memchr2(b'"', b'\\', r)) {
        i += k;
        if b[i] == b'"' {
            return i + 1;
        }
        i += 2;
    }
    b.len()
}

/// A fetch running ahead; dropping it (an error, the reader gone) cancels the request.
struct Ahead<T>(JoinHandle<T>);

impl<T> Drop for Ahead<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Ahead<T> {
    async fn join(mut self) -> Result<T> {
        (&mut self.0)
            .await
            .map_err(|e| Error::Other(format!("page fetch task failed: {e}")))
    }
}

/// One list to walk.
#[derive(Debug, Clone)]
pub struct ListPlan {
    pub path: &'static str,
    pub paging: Paging,
    pub limit: u32,
    /// Filters beyond paging (`updated_since`, ...), already limited to what the spec declares.
    pub filters: Vec<(&'static str, String)>,
    /// Offset pages in flight at once.
    pub concurrency: usize,
    /// `--max`: no page is requested once this many records were handed over (or asked for).
    pub max: Option<u64>,
}

/// Starts fetching; pages arrive in order, an error ends the stream.
pub fn stream(client: Arc<ApiClient>, plan: ListPlan) -> mpsc::Receiver<Result<Page>> {
    let (tx, rx) = mpsc::channel(2);
    tokio::spawn(async move {
        let result = match plan.paging {
            Paging::Cursor => cursor_pages(&client, &plan, &tx).await,
            Paging::Offset => offset_pages(&client, &plan, &tx).await,
            Paging::Single => single_page(&client, &plan, &tx).await,
        };
        if let Err(e) = result {
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

/// The receiver went away (`--max` reached, output closed): stop quietly.
struct Stopped;

async fn deliver(tx: &mpsc::Sender<Result<Page>>, page: Page) -> std::result::Result<(), Stopped> {
    tx.send(Ok(page)).await.map_err(|_| Stopped)
}

/// Starts fetching the cursor page after `cursor` (the first page for `None`).
fn fetch_cursor(
    client: &Arc<ApiClient>,
    plan: &ListPlan,
    cursor: Option<String>,
) -> Ahead<Result<Envelope<Box<RawValue>>>> {
    let mut query = plan.filters.clone();
    query.push(("limit", plan.limit.to_string()));
    if let Some(c) = cursor {
        query.push(("cursor", c));
    }
    let (client, path) = (client.clone(), plan.path);
    Ahead(tokio::spawn(async move { client.get(path, &query).await }))
}

async fn cursor_pages(
    client: &Arc<ApiClient>,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let mut seen = HashSet::new();
    let mut pending = fetch_cursor(client, plan, None);
    let mut delivered = 0u64;
    loop {
        let env = pending.join().await??;
        let next = env
            .additional_data
            .and_then(|a| a.next_cursor)
            .filter(|c| !c.is_empty());
        let data = Page::new(plan.path, env.data)?;
        if let Some(c) = &next {
            if !seen.insert(c.clone()) {
                return Err(Error::Other(format!(
                    "GET {}: the API returned cursor '{c}' a second time; stopping instead of looping",
                    plan.path
                )));
            }
            if data.is_empty() {
                return Err(Error::Other(format!(
                    "GET {}: an empty page that still points to a next page; stopping instead of looping",
                    plan.path
                )));
            }
        }
        // The next request leaves now: its round trip overlaps handing over and writing this
        // page. The channel bounds how far ahead it can get.
        // Counting walks the page, and this is the critical path to the next request: only
        // `--max` needs it.
        let wanted = match plan.max {
            Some(m) => {
                delivered += data.records().count() as u64;
                delivered < m
            }
            None => true,
        };
        let following = next
            .filter(|_| wanted)
            .map(|c| fetch_cursor(client, plan, Some(c)));
        if deliver(tx, data).await.is_err() {
            return Ok(());
        }
        match following {
            Some(f) => pending = f,
            None => return Ok(()),
        }
    }
}

async fn single_page(
    client: &ApiClient,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let env: Envelope<Box<RawValue>> = client.get(plan.path, &plan.filters).await?;
    let _ = deliver(tx, Page::new(plan.path, env.data)?).await;
    Ok(())
}

struct OffsetPage {
    start: u64,
    data: Page,
    count: u64,
    more: bool,
    next_start: Option<u64>,
}

async fn fetch_offset(client: Arc<ApiClient>, plan: ListPlan, start: u64) -> Result<OffsetPage> {
    let mut query = plan.filters.clone();
    query.push(("start", start.to_string()));
    query.push(("limit", plan.limit.to_string()));
    let env: Envelope<Box<RawValue>> = client.get(plan.path, &query).await?;
    let pagination = env
        .additional_data
        .map(|a| a.offset_pagination())
        .unwrap_or_default();
    let data = Page::new(plan.path, env.data)?;
    Ok(OffsetPage {
        start,
        count: data.records().count() as u64,
        data,
        more: pagination.more_items_in_collection,
        next_start: pagination.next_start,
    })
}

async fn offset_pages(
    client: &Arc<ApiClient>,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let stride = u64::from(plan.limit);
    let width = plan.concurrency.max(1);
    let mut in_flight: VecDeque<JoinHandle<Result<OffsetPage>>> = VecDeque::new();
    let mut next_to_ask = 0u64;
    let spawn = |start: u64| tokio::spawn(fetch_offset(client.clone(), plan.clone(), start));
    let abort_all = |q: &mut VecDeque<JoinHandle<Result<OffsetPage>>>| {
        for h in q.drain(..) {
            h.abort();
        }
    };
    // The first page alone: many collections fit in it, and it shows whether speculation pays.
    in_flight.push_back(spawn(0));
    next_to_ask += stride;
    while let Some(handle) = in_flight.pop_front() {
        let page = match handle.await {
            Ok(r) => r?,
            Err(e) => return Err(Error::Other(format!("page fetch task failed: {e}"))),
        };
        let expected_next = page.start + page.count;
        if !page.more {
            abort_all(&mut in_flight);
            let _ = deliver(tx, page.data).await;
            return Ok(());
        }
        let next_start = page.next_start.unwrap_or(expected_next);
        if next_start <= page.start {
            abort_all(&mut in_flight);
            return Err(Error::Other(format!(
                "GET {}: next_start {next_start} does not advance past start {}; stopping instead of looping",
                plan.path, page.start
            )));
        }
        if next_start != page.start + stride {
            // The server paged differently than asked: drop the guesses, follow it one by one.
            abort_all(&mut in_flight);
            next_to_ask = next_start;
        }
        if deliver(tx, page.data).await.is_err() {
            abort_all(&mut in_flight);
            return Ok(());
        }
        while in_flight.len() < width && plan.max.is_none_or(|m| next_to_ask < m) {
            in_flight.push_back(spawn(next_to_ask));
            next_to_ask += stride;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(array: &str) -> Vec<String> {
        let page = Page::new("/x", serde_json::from_str(array).unwrap()).unwrap();
        page.records().map(str::to_string).collect()
    }

    #[test]
    fn records_are_the_elements_as_sent() {
        let arrays = [
            "[]",
            "[ ]",
            "[1]",
            r#"[{"a":1},{"b":[1,{"c":"]},{"}]}]"#,
            "[ 1 , \"x\" ,true,null, [ ] , {} ]",
            r#"[{"t":"a \"quoted\" \\ back\\slash ]"}, "\\\\", {"u":"é"}]"#,
            "[\n  {\"a\": [1, 2]},\n  {\"b\": {\"c\": {}}}\n]",
        ];
        for a in arrays {
            let want: Vec<String> = serde_json::from_str::<Vec<&RawValue>>(a)
                .unwrap()
                .iter()
                .map(|r| r.get().to_string())
                .collect();
            assert_eq!(split(a), want, "{a}");
        }
    }

    #[test]
    fn no_data_is_an_empty_page_and_a_non_list_is_refused() {
        assert!(Page::new("/x", None).unwrap().is_empty());
        assert!(!split("[{}]").is_empty());
        let err = Page::new("/api/v2/deals", serde_json::from_str("\"no\"").unwrap()).unwrap_err();
        assert!(err.to_string().contains("/api/v2/deals"));
    }
}
