//! Pagination that cannot loop or skip, streamed page by page through a small channel.
//!
//! A producer task fetches pages and hands them to the writer through a bounded channel, so the
//! next request is on the wire while the current page is decoded and written, and memory holds at
//! most a few pages whatever the number of records. Cursor pages go strictly one after another;
//! v1 offset pages are fetched a few at a time and still delivered in order.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::client::{ApiClient, Envelope};
use crate::api::resources::Paging;
use crate::error::{Error, Result};

pub type Record = Box<RawValue>;
pub type Page = Vec<Record>;

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

async fn cursor_pages(
    client: &ApiClient,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = plan.filters.clone();
        query.push(("limit", plan.limit.to_string()));
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let env: Envelope<Page> = client.get(plan.path, &query).await?;
        let next = env
            .additional_data
            .and_then(|a| a.next_cursor)
            .filter(|c| !c.is_empty());
        let data = env.data.unwrap_or_default();
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
        if deliver(tx, data).await.is_err() {
            return Ok(());
        }
        match next {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}

async fn single_page(
    client: &ApiClient,
    plan: &ListPlan,
    tx: &mpsc::Sender<Result<Page>>,
) -> Result<()> {
    let env: Envelope<Page> = client.get(plan.path, &plan.filters).await?;
    let _ = deliver(tx, env.data.unwrap_or_default()).await;
    Ok(())
}

struct OffsetPage {
    start: u64,
    data: Page,
    more: bool,
    next_start: Option<u64>,
}

async fn fetch_offset(client: Arc<ApiClient>, plan: ListPlan, start: u64) -> Result<OffsetPage> {
    let mut query = plan.filters.clone();
    query.push(("start", start.to_string()));
    query.push(("limit", plan.limit.to_string()));
    let env: Envelope<Page> = client.get(plan.path, &query).await?;
    let pagination = env
        .additional_data
        .and_then(|a| a.pagination)
        .unwrap_or_default();
    Ok(OffsetPage {
        start,
        data: env.data.unwrap_or_default(),
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
    let mut first = true;
    while let Some(handle) = in_flight.pop_front() {
        let page = match handle.await {
            Ok(r) => r?,
            Err(e) => return Err(Error::Other(format!("page fetch task failed: {e}"))),
        };
        let expected_next = page.start + page.data.len() as u64;
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
        let target = if first { width } else { width.max(1) };
        first = false;
        while in_flight.len() < target {
            in_flight.push_back(spawn(next_to_ask));
            next_to_ask += stride;
        }
    }
    Ok(())
}
