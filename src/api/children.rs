//! Per-parent types: records that hang off a parent's records (deal products, installments,
//! product variations, deal updates), walked from the parent ids the caller read.
//!
//! Bulk endpoints take the parent ids in batches (`deal_ids`, at most 100 a request), so 1,000
//! deals cost ten lists instead of a thousand; the others are one list per parent. Either way,
//! `concurrency` units run at once and each record leaves with its parent's id (`deal_id`,
//! `product_id`), added where the API's record lacks it. A parent deleted between listing and
//! walking (404) simply has no children.

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::api::client::{ApiClient, Envelope};
use crate::api::pages::Page;
use crate::api::resources::{Paging, Resource, Walk};
use crate::error::{Error, Result};

/// One per-parent export.
#[derive(Debug, Clone)]
pub(crate) struct ChildPlan {
    pub(crate) resource: &'static Resource,
    /// The parents' ids, each once.
    pub(crate) parents: Vec<u64>,
    pub(crate) limit: u32,
    /// Batches or parents in flight at once.
    pub(crate) concurrency: usize,
}

impl ChildPlan {
    /// The requests the walk makes at least (one per batch or parent; long lists page on).
    pub(crate) fn min_requests(&self) -> u64 {
        match self.resource.walk {
            Walk::Batch { max, .. } => self.parents.len().div_ceil(max.max(1)) as u64,
            _ => self.parents.len() as u64,
        }
    }
}

/// A batch of parent ids, or one parent.
struct Unit {
    ids: Vec<u64>,
}

/// Starts walking; pages arrive in no particular order, an error ends the stream.
pub(crate) fn stream(client: Arc<ApiClient>, plan: ChildPlan) -> mpsc::Receiver<Result<Page>> {
    let (tx, rx) = mpsc::channel(2);
    tokio::spawn(async move {
        let size = match plan.resource.walk {
            Walk::Batch { max, .. } => max.max(1),
            _ => 1,
        };
        let units: Vec<Unit> = plan
            .parents
            .chunks(size)
            .map(|c| Unit { ids: c.to_vec() })
            .collect();
        let plan = &plan;
        let client = &client;
        let mut done = stream::iter(units)
            .map(|unit| async move { walk_unit(client, plan, unit).await })
            .buffer_unordered(plan.concurrency.max(1));
        while let Some(result) = done.next().await {
            match result {
                Ok(pages) => {
                    for page in pages {
                        if tx.send(Ok(page)).await.is_err() {
                            return; // the reader stopped (--max, closed output)
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    });
    rx
}

/// Every page of one batch or parent, with the parent ids filled in.
async fn walk_unit(client: &ApiClient, plan: &ChildPlan, unit: Unit) -> Result<Vec<Page>> {
    let r = plan.resource;
    let (path, mut filters) = match r.walk {
        Walk::Batch { param, explode, .. } => {
            let ids = unit.ids.iter().map(u64::to_string);
            let query = if explode {
                ids.map(|id| (param, id)).collect()
            } else {
                vec![(param, ids.collect::<Vec<_>>().join(","))]
            };
            (r.path.to_string(), query)
        }
        _ => (r.path.replace("{id}", &unit.ids[0].to_string()), Vec::new()),
    };
    let parent = (unit.ids.len() == 1).then(|| unit.ids[0]);
    let limit = plan.limit.min(r.max_limit).to_string();
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    let mut start = 0u64;
    if r.paging != Paging::Single {
        filters.push(("limit", limit));
    }
    loop {
        let mut query = filters.clone();
        match r.paging {
            Paging::Offset => query.push(("start", start.to_string())),
            Paging::Cursor | Paging::Single => {}
        }
        let env: Envelope<Box<RawValue>> = match client.get(&path, &query).await {
            Ok(env) => env,
            Err(Error::NotFound(_)) if parent.is_some() => return Ok(pages),
            Err(e) => return Err(e),
        };
        let additional = env.additional_data;
        let records = with_parent(&path, env.data, r.parent_key, parent)?;
        let count = records.len() as u64;
        pages.push(Page::from_values(&records)?);
        match r.paging {
            Paging::Cursor => {
                let next = additional
                    .and_then(|a| a.next_cursor)
                    .filter(|c| !c.is_empty());
                let Some(cursor) = next else { break };
                if count == 0 || !seen.insert(cursor.clone()) {
                    return Err(Error::Other(format!(
                        "GET {path}: the API returned cursor '{cursor}' again or after an empty \
                         page; stopping instead of looping"
                    )));
                }
                filters.retain(|(k, _)| *k != "cursor");
                filters.push(("cursor", cursor));
            }
            Paging::Offset => {
                let p = additional
                    .map(|a| a.offset_pagination())
                    .unwrap_or_default();
                if !p.more_items_in_collection {
                    break;
                }
                let next = p.next_start.unwrap_or(start + count);
                if next <= start {
                    return Err(Error::Other(format!(
                        "GET {path}: next_start {next} does not advance past start {start}; \
                         stopping instead of looping"
                    )));
                }
                start = next;
            }
            Paging::Single => break,
        }
    }
    Ok(pages)
}

/// The records of `data`, each carrying `key` = the parent's id when it lacks one.
fn with_parent(
    path: &str,
    data: Option<Box<RawValue>>,
    key: Option<&str>,
    parent: Option<u64>,
) -> Result<Vec<Value>> {
    let Some(raw) = data else {
        return Ok(Vec::new());
    };
    let mut records: Vec<Value> = serde_json::from_str(raw.get()).map_err(|_| {
        Error::Other(format!(
            "GET {path}: the answer does not have the expected shape (data is not a list); stopping"
        ))
    })?;
    if let (Some(key), Some(parent)) = (key, parent) {
        for record in &mut records {
            if let Some(obj) = record.as_object_mut() {
                if obj.get(key).is_none_or(Value::is_null) {
                    obj.insert(key.to_string(), Value::from(parent));
                }
            }
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::resources::resource;

    #[test]
    fn a_missing_parent_id_is_added_and_a_present_one_kept() {
        let raw: Box<RawValue> =
            serde_json::from_str(r#"[{"object":"dealChange"},{"deal_id":9}]"#).unwrap();
        let out = with_parent("/x", Some(raw), Some("deal_id"), Some(4)).unwrap();
        assert_eq!(out[0]["deal_id"], 4);
        assert_eq!(out[1]["deal_id"], 9);
        assert!(with_parent("/x", None, Some("deal_id"), Some(4))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn bulk_types_need_one_request_per_hundred_parents() {
        let plan = |name: &str, n: u64| ChildPlan {
            resource: resource(name).unwrap(),
            parents: (1..=n).collect(),
            limit: 500,
            concurrency: 4,
        };
        assert_eq!(plan("deal-products", 1000).min_requests(), 10);
        assert_eq!(plan("deal-installments", 101).min_requests(), 2);
        assert_eq!(plan("deal-flow", 1000).min_requests(), 1000);
    }
}
