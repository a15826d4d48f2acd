//! The parents of per-parent types: the ids of the deals (or products) whose children are walked,
//! only those updated since a time when one is given, and their newest update time for `--state`.
//! `export all` reads a parent list once and shares it between the types that need it
//! (deal-products and deal-installments both walk the deals).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::OnceCell;

use super::Plan;
use crate::api::pages::{self, ListPlan};
use crate::api::resources::{ExtraWhen, Resource};
use crate::auth::session::Session;
use crate::error::Result;
use crate::state_file::{parse_api_time, Stamp};

#[derive(Deserialize)]
struct Parent {
    id: Option<u64>,
    #[serde(default)]
    update_time: Option<String>,
}

/// The ids of one parent list (only the records updated since a time, when given) and the newest
/// update time among them.
struct Parents {
    ids: Vec<u64>,
    newest: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

type ParentKey = (&'static str, Option<String>);

#[derive(Default)]
pub(super) struct ParentCache(tokio::sync::Mutex<HashMap<ParentKey, Arc<OnceCell<Parents>>>>);

/// The ids of the parent records a per-parent type walks (only those updated since `since`,
/// when given); the parents' newest update time goes into `stamp`.
pub(super) async fn parent_ids(
    session: &Session,
    plan: &Plan<'_>,
    child: &Resource,
    since: Option<&str>,
    stamp: &mut Stamp,
) -> Result<Vec<u64>> {
    let parent = child.parent().expect("a per-parent type has a parent");
    let cell = {
        let mut cache = plan.parents.0.lock().await;
        cache
            .entry((parent.name, since.map(str::to_string)))
            .or_default()
            .clone()
    };
    let parents = cell
        .get_or_try_init(|| read_parents(session, plan, parent, since))
        .await?;
    if let Some((_, text)) = &parents.newest {
        stamp.observe(&serde_json::json!({ "update_time": text }).to_string());
    }
    Ok(parents.ids.clone())
}

async fn read_parents(
    session: &Session,
    plan: &Plan<'_>,
    parent: &'static Resource,
    since: Option<&str>,
) -> Result<Parents> {
    // The parents' own lists: the main one, and archived deals under --include-archived (their
    // products and installments belong to the company's data as much).
    let mut paths = vec![parent.path];
    paths.extend(
        parent
            .extras
            .iter()
            .filter(|e| e.when == ExtraWhen::IncludeArchived && plan.archived)
            .filter_map(|e| e.path),
    );
    let mut seen = HashSet::new();
    let mut out = Parents {
        ids: Vec::new(),
        newest: None,
    };
    for path in paths {
        let mut filters = Vec::new();
        if let Some(s) = since {
            filters.push(("updated_since", s.to_string()));
        }
        let list = ListPlan {
            path,
            paging: parent.paging,
            limit: parent.max_limit,
            filters,
            concurrency: plan.args.concurrency as usize,
            max: None,
        };
        let mut rx = pages::stream(session.client.clone(), list);
        while let Some(page) = rx.recv().await {
            for record in page?.records() {
                let Ok(p) = serde_json::from_str::<Parent>(record) else {
                    continue;
                };
                if let Some(text) = p.update_time {
                    if let Some(t) = parse_api_time(&text) {
                        if out.newest.as_ref().is_none_or(|(n, _)| t > *n) {
                            out.newest = Some((t, text));
                        }
                    }
                }
                if let Some(id) = p.id.filter(|id| seen.insert(*id)) {
                    out.ids.push(id);
                }
            }
        }
    }
    Ok(out)
}
