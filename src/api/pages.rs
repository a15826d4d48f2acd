//! Pagination that cannot loop or skip, streamed page by page through a small channel.
//!
//! A producer task fetches pages and hands them to the writer through a bounded channel, so the
//! next request is on the wire while the current page is decoded and written, and memory holds at
//! most a few pages whatever the number of records. Cursor pages go strictly one after another,
//! but the request for the next one leaves as soon as the current page's cursor is read; v1
//! offset pages are fetched a few at a time and still delivered in order. The v2 lists that can
//! be filtered by update time are read in parallel slices instead (see [`crate::api::slices`]).
//!
//! A page stays the `data` array as the API sent it (one allocation); the writer walks it record
//! by record without copying or parsing each record into a tree.

use std::collections::{HashSet, VecDeque};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::api::client::{ApiClient, ListAnswer};
use crate::api::resources::Paging;
use crate::api::slices;
use crate::error::{Error, Result};
use crate::http::recycle_body;
use crate::json_scan::after_string;

/// One page of records: the API's `data` array, already checked to be valid JSON, inside the
/// text it came in.
#[derive(Debug, Default)]
pub(crate) struct Page {
    /// A list answer's whole text (its buffer goes back to the pool when the page is dropped), or
    /// a list the program built.
    text: String,
    /// Where the `data` array sits in `text`; `None` when the API sent no `data` (or `null`).
    array: Option<Range<usize>>,
}

impl Drop for Page {
    fn drop(&mut self) {
        recycle_body(std::mem::take(&mut self.text).into_bytes());
    }
}

impl Page {
    /// The page of a list answer, its `data` walked where it is.
    pub(crate) fn from_answer(path: &str, answer: ListAnswer) -> Result<Page> {
        Page::checked(path, answer.text, answer.data)
    }

    /// Accepts the `data` of an answer if it is a list, or an object around one list (goals/find
    /// answers `{"goals": [...]}`).
    pub(crate) fn from_raw(path: &str, data: Option<Box<RawValue>>) -> Result<Page> {
        match data {
            Some(raw) => {
                let text = String::from(Box::<str>::from(raw));
                let whole = 0..text.len();
                Page::checked(path, text, Some(whole))
            }
            None => Ok(Page::default()),
        }
    }

    fn checked(path: &str, text: String, array: Option<Range<usize>>) -> Result<Page> {
        let Some(range) = array else {
            return Ok(Page { text, array: None });
        };
        let data = &text[range.clone()];
        if data.starts_with('{') {
            let object: &RawValue = serde_json::from_str(data).map_err(Error::other)?;
            let list = single_list(path, object)?;
            return if list.get() == "null" {
                Ok(Page::default())
            } else {
                Page::from_raw(path, Some(list))
            };
        }
        if !data.starts_with('[') {
            return Err(Error::Other(format!(
                "GET {path}: the answer does not have the expected shape (data is not a list); stopping"
            )));
        }
        Ok(Page {
            text,
            array: Some(range),
        })
    }

    /// Each record's JSON text, in order.
    pub(crate) fn records(&self) -> Records<'_> {
        Records {
            text: self.array.as_ref().map_or("[]", |r| &self.text[r.clone()]),
            pos: 1,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records().next().is_none()
    }

    /// A page of some records of another page, each one's JSON text as it was.
    fn from_texts(path: &str, records: &[&str]) -> Result<Page> {
        let raw =
            RawValue::from_string(format!("[{}]", records.join(","))).map_err(Error::other)?;
        Page::from_raw(path, Some(raw))
    }

    /// A page of records the program built or changed (per-parent lists add the parent's id).
    pub(crate) fn from_values(values: &[serde_json::Value]) -> Result<Page> {
        let text = serde_json::to_string(values).map_err(Error::other)?;
        let whole = 0..text.len();
        Ok(Page {
            text,
            array: Some(whole),
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
pub(crate) struct Records<'a> {
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
pub(crate) struct ListPlan {
    pub(crate) path: &'static str,
    pub(crate) paging: Paging,
    pub(crate) limit: u32,
    /// Filters beyond paging (`updated_since`, ...), already limited to what the spec declares.
    pub(crate) filters: Vec<(&'static str, String)>,
    /// Offset pages in flight at once.
    pub(crate) concurrency: usize,
    /// `--max`: no page is requested once this many records were handed over (or asked for).
    pub(crate) max: Option<u64>,
}

/// The pages of one list as they arrive. The list ends only when its producer says it is
/// complete: a producer that fails or panics ends the stream with an error, never with a quiet
/// end of list (which would commit a short or empty export as a success).
pub(crate) struct PageStream {
    rx: mpsc::Receiver<Result<Page>>,
    complete: Arc<AtomicBool>,
    path: &'static str,
    ended: bool,
}

impl PageStream {
    /// The next page, an error, or `None` once every page was handed over.
    pub(crate) async fn recv(&mut self) -> Option<Result<Page>> {
        if self.ended {
            return None;
        }
        match self.rx.recv().await {
            Some(item) => {
                self.ended = item.is_err();
                Some(item)
            }
            None if self.complete.load(Ordering::SeqCst) => {
                self.ended = true;
                None
            }
            None => {
                self.ended = true;
                Some(Err(Error::Other(format!(
                    "GET {}: the page fetch stopped without finishing the list; stopping \
                     instead of writing a partial export",
                    self.path
                ))))
            }
        }
    }
}

/// Starts fetching; pages arrive in order (slices of a cursor list: in no particular order), an
/// error ends the stream.
pub(crate) fn stream(client: Arc<ApiClient>, plan: ListPlan) -> PageStream {
    // `--max` keeps the single cursor: it reads no page beyond N, which parallel slices could
    // not promise.
    let sliced = plan.paging == Paging::Cursor
        && plan.concurrency > 1
        && plan.max.is_none()
        && slices::sliceable(plan.path);
    // Slices hand over pages from several cursors at once; one cursor needs only a short queue.
    let queue = if sliced { plan.concurrency } else { 2 };
    supervise(plan.path, queue, move |tx| async move {
        match plan.paging {
            Paging::Cursor if sliced => slices::run(&client, &plan, &tx).await,
            Paging::Cursor => cursor_pages(&client, &plan, &tx).await,
            Paging::Offset => offset_pages(&client, &plan, &tx).await,
            Paging::Single => single_page(&client, &plan, &tx).await,
        }
    })
}

/// Runs a producer in a task of its own and watches it: its error, or its panic, becomes the
/// last item of the stream; only its success marks the list complete.
fn supervise<F, Fut>(path: &'static str, queue: usize, producer: F) -> PageStream
where
    F: FnOnce(mpsc::Sender<Result<Page>>) -> Fut,
    Fut: std::future::Future<Output = Result<()>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(queue.clamp(1, 16));
    let complete = Arc::new(AtomicBool::new(false));
    let done = complete.clone();
    let task = tokio::spawn(producer(tx.clone()));
    tokio::spawn(async move {
        let failure = match task.await {
            Ok(Ok(())) => {
                done.store(true, Ordering::SeqCst);
                return;
            }
            Ok(Err(e)) => e,
            Err(e) => Error::Other(format!(
                "GET {path}: the page fetch task failed ({}); stopping instead of writing a \
                 partial export",
                if e.is_panic() {
                    "it panicked"
                } else {
                    "it was cancelled"
                }
            )),
        };
        let _ = tx.send(Err(failure)).await;
    });
    PageStream {
        rx,
        complete,
        path,
        ended: false,
    }
}

/// How many empty pages in a row may still point to a next page before the cursor counts as
/// looping. A server may skip over filtered records with an empty page now and then; it does not
/// do it dozens of times in a row.
const MAX_EMPTY_PAGES: u32 = 20;

/// Refuses a cursor walk that loops: a cursor seen before, or empty pages that keep pointing on.
pub(crate) struct CursorGuard {
    path: &'static str,
    seen: HashSet<String>,
    empty_in_a_row: u32,
}

impl CursorGuard {
    pub(crate) fn new(path: &'static str) -> CursorGuard {
        CursorGuard {
            path,
            seen: HashSet::new(),
            empty_in_a_row: 0,
        }
    }

    /// Checks the page just read (`empty` or not) and the cursor it points to.
    pub(crate) fn check(&mut self, next: Option<&str>, empty: bool) -> Result<()> {
        let Some(c) = next else {
            return Ok(());
        };
        if !self.seen.insert(c.to_string()) {
            return Err(Error::Other(format!(
                "GET {}: the API returned cursor '{}' a second time; stopping instead of looping",
                self.path,
                crate::terminal_text::quoted(c, 80)
            )));
        }
        self.empty_in_a_row = if empty { self.empty_in_a_row + 1 } else { 0 };
        if self.empty_in_a_row >= MAX_EMPTY_PAGES {
            return Err(Error::Other(format!(
                "GET {}: {} empty pages in a row that still point to a next page; stopping \
                 instead of looping",
                self.path, self.empty_in_a_row
            )));
        }
        Ok(())
    }
}

/// The receiver went away (`--max` reached, output closed): stop quietly.
struct Stopped;

async fn deliver(tx: &mpsc::Sender<Result<Page>>, page: Page) -> std::result::Result<(), Stopped> {
    tx.send(Ok(page)).await.map_err(|_| Stopped)
}

/// A cursor page in flight, and its `next_cursor` as soon as the answer's bytes are in.
struct CursorFetch {
    answer: Ahead<Result<ListAnswer>>,
    /// The cursor read off the raw body (`None` inside: the last page); closed when it could
    /// not be read that way (the parsed answer then decides).
    early: oneshot::Receiver<Option<String>>,
}

/// Starts fetching the cursor page after `cursor` (the first page for `None`).
fn fetch_cursor(client: &Arc<ApiClient>, plan: &ListPlan, cursor: Option<String>) -> CursorFetch {
    let mut query = plan.filters.clone();
    query.push(("limit", plan.limit.to_string()));
    if let Some(c) = cursor {
        query.push(("cursor", c));
    }
    let (client, path) = (client.clone(), plan.path);
    let (tell, early) = oneshot::channel();
    let tell = std::sync::Mutex::new(Some(tell));
    let answer = Ahead(tokio::spawn(async move {
        let peek = move |body: &[u8]| {
            let sender = tell.lock().ok().and_then(|mut t| t.take());
            if let (Some(sender), Some(next)) = (sender, peek_cursor(body)) {
                let _ = sender.send(next);
            }
        };
        client.get_list(path, &query, &peek).await
    }));
    CursorFetch { answer, early }
}

/// `additional_data.next_cursor` read off the end of a raw answer without parsing the page:
/// `Some(None)` for the last page, `None` when it cannot be read that simply (escapes, no key).
/// Pipedrive puts `additional_data` after `data`, so the last occurrence of the key is the one;
/// the parsed answer confirms it either way.
fn peek_cursor(body: &[u8]) -> Option<Option<String>> {
    let key = b"\"next_cursor\"";
    let at = memchr::memmem::rfind(body, key)?;
    if at > 0 && body[at - 1] == b'\\' {
        return None;
    }
    let rest = &body[at + key.len()..];
    let skip = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let rest = &rest[skip(rest)..];
    let rest = rest.strip_prefix(b":")?;
    let rest = &rest[skip(rest)..];
    if rest.starts_with(b"null") {
        return Some(None);
    }
    let rest = rest.strip_prefix(b"\"")?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    if rest[end] != b'"' {
        return None;
    }
    let cursor = std::str::from_utf8(&rest[..end]).ok()?;
    Some((!cursor.is_empty()).then(|| cursor.to_string()))
}

async fn cursor_pages(
    client: &Arc<ApiClient>,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let mut guard = CursorGuard::new(plan.path);
    let mut pending = fetch_cursor(client, plan, None);
    let mut delivered = 0u64;
    loop {
        let CursorFetch { answer, early } = pending;
        // The next request leaves as soon as the cursor is read off the raw answer, before the
        // page is parsed; the parsed cursor confirms it below. `--max` counts records before it
        // asks for more, so it waits for the parse.
        let mut ahead = None;
        if plan.max.is_none() {
            if let Ok(Some(c)) = early.await {
                ahead = Some((c.clone(), fetch_cursor(client, plan, Some(c))));
            }
        }
        let mut env = answer.join().await??;
        let next = env
            .additional_data
            .take()
            .and_then(|a| a.next_cursor)
            .filter(|c| !c.is_empty());
        let data = Page::from_answer(plan.path, env)?;
        guard.check(next.as_deref(), data.is_empty())?;
        let wanted = match plan.max {
            Some(m) => {
                delivered += data.records().count() as u64;
                delivered < m
            }
            None => true,
        };
        // A request sent for a cursor the parse does not confirm is dropped (and cancelled).
        let following = match (next, ahead) {
            (Some(n), Some((c, f))) if n == c => Some(f),
            (next, _) => next
                .filter(|_| wanted)
                .map(|c| fetch_cursor(client, plan, Some(c))),
        };
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
    let answer = client.get_list(plan.path, &plan.filters, &|_| {}).await?;
    let _ = deliver(tx, Page::from_answer(plan.path, answer)?).await;
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
    let mut answer = client.get_list(plan.path, &query, &|_| {}).await?;
    let pagination = answer
        .additional_data
        .take()
        .map(|a| a.offset_pagination())
        .unwrap_or_default();
    let data = Page::from_answer(plan.path, answer)?;
    Ok(OffsetPage {
        start,
        count: data.records().count() as u64,
        data,
        more: pagination.more_items_in_collection,
        next_start: pagination.next_start,
    })
}

/// A record's `id` as the API wrote it (a number or a string), to find it on another page.
fn record_key(record: &str) -> Option<String> {
    if let Some(id) = slices::record_id(record) {
        return Some(id.to_string());
    }
    #[derive(serde::Deserialize)]
    struct Key<'a> {
        #[serde(borrow)]
        id: Option<&'a RawValue>,
    }
    let key: Key = serde_json::from_str(record).ok()?;
    key.id.map(|raw| raw.get().to_string())
}

/// The page handed over last: where it started and its records' keys, in order.
struct Delivered {
    start: u64,
    keys: Vec<Option<String>>,
}

impl Delivered {
    /// Where on `page` the records not delivered yet begin: after the newest record delivered
    /// that is still there. `None` when none of them is there.
    fn resume_at(&self, keys: &[Option<String>]) -> Option<usize> {
        self.keys.iter().rev().flatten().find_map(|k| {
            keys.iter()
                .position(|x| x.as_ref() == Some(k))
                .map(|at| at + 1)
        })
    }
}

/// Offset pages overlap by one record: the last record of a page must come first on the next.
/// When it does not, records before the reader were deleted (or added) and every later offset
/// moved, so a page would skip records or repeat them. The window is then read again, further
/// back each time, until the newest record delivered is found, and the list goes on after it:
/// nothing is skipped, and what came before it is not handed over twice. (A pass by update
/// time could not find them: a deletion elsewhere does not update the records it shifts.)
async fn offset_pages(
    client: &Arc<ApiClient>,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let limit = u64::from(plan.limit.max(1));
    // Pages of one record cannot overlap: they are read edge to edge, unchecked.
    let overlap = limit > 1;
    let mut step = if overlap { limit - 1 } else { 1 };
    // How many pages are read side by side: as many as pages have come back full, up to
    // `--concurrency`. A v1 list says nothing of its length, so every page asked past its end is
    // a guess that costs its tokens: a short list wastes at most one, a long one at most the
    // width less one.
    let mut width = 0;
    let mut in_flight: VecDeque<JoinHandle<Result<OffsetPage>>> = VecDeque::new();
    let spawn = |start: u64| tokio::spawn(fetch_offset(client.clone(), plan.clone(), start));
    let abort_all = |q: &mut VecDeque<JoinHandle<Result<OffsetPage>>>| {
        for h in q.drain(..) {
            h.abort();
        }
    };
    let join = |h: JoinHandle<Result<OffsetPage>>| async move {
        match h.await {
            Ok(r) => r,
            Err(e) => Err(Error::Other(format!("page fetch task failed: {e}"))),
        }
    };
    // The first page alone: many collections fit in it, and it shows whether speculation pays.
    in_flight.push_back(spawn(0));
    let mut next_to_ask = step;
    let mut last: Option<Delivered> = None;
    while let Some(handle) = in_flight.pop_front() {
        let mut page = join(handle).await?;
        let mut keys: Vec<Option<String>> = page.data.records().map(record_key).collect();
        let mut from = 0;
        if let Some(before) = last.as_ref().filter(|_| overlap) {
            let anchor = before.keys.last().cloned().flatten();
            match (anchor, keys.first()) {
                (None, _) => from = 1,
                (Some(a), Some(Some(first))) if a == *first => from = 1,
                // Shifted: find the newest record delivered, further back each time.
                (Some(_), _) => {
                    abort_all(&mut in_flight);
                    let mut back = before.start;
                    loop {
                        page = fetch_offset(client.clone(), plan.clone(), back).await?;
                        keys = page.data.records().map(record_key).collect();
                        if let Some(at) = before.resume_at(&keys) {
                            from = at;
                            break;
                        }
                        if back == 0 {
                            // None of them is left: read on from the start; the export's id
                            // set drops what was written already.
                            break;
                        }
                        back = back.saturating_sub(step);
                    }
                    next_to_ask = page.start + step;
                }
            }
        }
        if page.more && page.next_start.is_some_and(|n| n <= page.start) {
            abort_all(&mut in_flight);
            return Err(Error::Other(format!(
                "GET {}: next_start {} does not advance past start {}; stopping instead of looping",
                plan.path,
                page.next_start.unwrap_or_default(),
                page.start
            )));
        }
        // A shorter page than asked that says more follow: the server pages by a smaller size;
        // the guesses ahead are wrong, and the next ones go by its size.
        if page.more && page.count < limit && page.count > 0 {
            abort_all(&mut in_flight);
            step = if overlap && page.count > 1 {
                page.count - 1
            } else {
                page.count
            };
            next_to_ask = page.start + step;
        }
        let seen: std::collections::HashSet<&String> =
            last.iter().flat_map(|d| d.keys.iter().flatten()).collect();
        let fresh = page
            .data
            .records()
            .zip(&keys)
            .skip(from)
            .filter(|(_, k)| k.as_ref().is_none_or(|k| !seen.contains(k)))
            .map(|(r, _)| r)
            .collect::<Vec<&str>>();
        let out = if from == 0 && fresh.len() as u64 == page.count {
            std::mem::take(&mut page.data)
        } else {
            Page::from_texts(plan.path, &fresh)?
        };
        let more = page.more;
        if deliver(tx, out).await.is_err() || !more {
            abort_all(&mut in_flight);
            return Ok(());
        }
        last = Some(Delivered {
            start: page.start,
            keys,
        });
        width = (width + 1).min(plan.concurrency.max(1));
        // A page already answered may be the last: read it before guessing past it.
        if in_flight.iter().any(JoinHandle::is_finished) {
            continue;
        }
        while in_flight.len() < width && plan.max.is_none_or(|m| next_to_ask < m) {
            in_flight.push_back(spawn(next_to_ask));
            next_to_ask += step;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(array: &str) -> Vec<String> {
        let page = Page::from_raw("/x", serde_json::from_str(array).unwrap()).unwrap();
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
        assert!(Page::from_raw("/x", None).unwrap().is_empty());
        assert!(!split("[{}]").is_empty());
        let err =
            Page::from_raw("/api/v2/deals", serde_json::from_str("\"no\"").unwrap()).unwrap_err();
        assert!(err.to_string().contains("/api/v2/deals"));
    }

    async fn drain(mut s: PageStream) -> (usize, Option<String>) {
        let mut pages = 0;
        while let Some(item) = s.recv().await {
            match item {
                Ok(_) => pages += 1,
                Err(e) => return (pages, Some(e.to_string())),
            }
        }
        (pages, None)
    }

    fn one_page() -> Page {
        Page::from_raw("/x", serde_json::from_str("[{\"id\":1}]").unwrap()).unwrap()
    }

    #[tokio::test]
    async fn only_a_producer_that_succeeds_ends_the_list() {
        let ok = supervise("/api/v1/users", 2, |tx| async move {
            let _ = tx.send(Ok(one_page())).await;
            Ok(())
        });
        assert_eq!(drain(ok).await, (1, None));

        let failed = supervise("/api/v1/users", 2, |tx| async move {
            let _ = tx.send(Ok(one_page())).await;
            Err(Error::Temporary("server error 502".into()))
        });
        let (pages, err) = drain(failed).await;
        assert_eq!((pages, err.unwrap().contains("502")), (1, true));

        let panicked = supervise("/api/v1/users", 2, |_tx| async move {
            if std::hint::black_box(true) {
                panic!("time overflow");
            }
            Ok(())
        });
        let (pages, err) = drain(panicked).await;
        let err = err.expect("a panic is an error, not an end of list");
        assert_eq!(pages, 0);
        assert!(
            err.contains("/api/v1/users") && err.contains("panicked"),
            "{err}"
        );
    }

    #[test]
    fn a_cursor_that_repeats_or_keeps_answering_empty_pages_is_stopped() {
        let mut g = CursorGuard::new("/api/v2/deals");
        g.check(Some("a"), false).unwrap();
        assert!(g.check(Some("a"), false).is_err());
        let mut g = CursorGuard::new("/api/v2/deals");
        for i in 0..MAX_EMPTY_PAGES - 1 {
            g.check(Some(&format!("e{i}")), true).unwrap();
        }
        // A page with records resets the count.
        g.check(Some("full"), false).unwrap();
        for i in 0..MAX_EMPTY_PAGES - 1 {
            g.check(Some(&format!("f{i}")), true).unwrap();
        }
        let err = g.check(Some("last"), true).unwrap_err().to_string();
        assert!(
            err.contains("/api/v2/deals") && err.contains("empty pages"),
            "{err}"
        );
        g.check(None, true).unwrap();
    }

    #[test]
    fn the_cursor_is_read_off_the_end_of_a_raw_answer() {
        let page = |tail: &str| {
            format!(
                r#"{{"success":true,"data":[{{"id":1,"t":"next_cursor"}}],"additional_data":{tail}}}"#
            )
        };
        assert_eq!(
            peek_cursor(page(r#"{"next_cursor":"eyJpZCI6NX0"}"#).as_bytes()),
            Some(Some("eyJpZCI6NX0".into()))
        );
        assert_eq!(
            peek_cursor(page(r#"{ "next_cursor" : null }"#).as_bytes()),
            Some(None)
        );
        assert_eq!(
            peek_cursor(page(r#"{"next_cursor":""}"#).as_bytes()),
            Some(None)
        );
        assert_eq!(
            peek_cursor(page(r#"{"next_cursor":"a\u0041"}"#).as_bytes()),
            None
        );
        assert_eq!(peek_cursor(page("null").as_bytes()), None);
        assert_eq!(
            peek_cursor(br#"{"data":[{"x":"\"next_cursor\":\"no\""}]}"#),
            None
        );
    }
}
