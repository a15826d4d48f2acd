//! `export TYPE|all --output mongodb://...`: keeps a MongoDB copy of the account (README "Sync
//! into MongoDB").
//!
//! Each type is walked from its mark in `pipedrive_sync_state` (or whole, with `--full` or on the
//! first run) into the records collection; once every write of the type was acknowledged, a
//! complete walk without a time filter marks the documents it did not see as deleted, and the
//! mark moves. A type that fails keeps its old mark, and the others of an `export all` still
//! move theirs. Every run is logged in `pipedrive_sync_runs`.

use futures_util::stream::{self, StreamExt};
use mongodb::bson::{doc, DateTime, Document};

use super::all::readable;
use super::{export_one, note_unfiltered, Plan, Target};
use crate::api::resources::Resource;
use crate::auth::session::Session;
use crate::choices::Format;
use crate::cli::ExportArgs;
use crate::error::{Error, Result};
use crate::output::mongo::{self, Ident, MongoOutput};
use crate::printer;
use crate::settings::Settings;
use crate::state_file::State;

/// The MongoDB URI of `--output`, if it is one; flags that only a file or only a MongoDB output
/// takes are usage errors on the other.
pub(super) fn uri(args: &ExportArgs) -> Result<Option<&str>> {
    let uri = args
        .output
        .as_deref()
        .and_then(|p| p.to_str())
        .filter(|s| mongo::is_uri(s));
    let Some(uri) = uri else {
        if args.full || args.collection.is_some() {
            return Err(Error::Usage(
                "--full and --collection are for a MongoDB output (--output mongodb://...)".into(),
            ));
        }
        return Ok(None);
    };
    if args.state.is_some() {
        return Err(Error::Usage(
            "--state is for file exports: a MongoDB output keeps its own sync state (in \
             pipedrive_sync_state); drop --state, or add --full to walk everything"
                .into(),
        ));
    }
    if args.output_dir.is_some() {
        return Err(Error::Usage(
            "--output-dir and a MongoDB --output exclude each other; give one".into(),
        ));
    }
    if args.format != Format::Jsonl || args.excel {
        return Err(Error::Usage(
            "a MongoDB output stores each record as a document: drop --format csv and --excel"
                .into(),
        ));
    }
    if let Some(name) = &args.collection {
        if name.is_empty() || name.starts_with("system.") || name.contains('$') {
            return Err(Error::Usage(format!(
                "--collection '{name}' is not a collection name MongoDB accepts"
            )));
        }
    }
    Ok(Some(uri))
}

/// What one type's sync did.
#[derive(Debug, Clone)]
struct TypeReport {
    kind: &'static str,
    records: u64,
    /// Documents marked deleted because a full walk no longer saw them.
    gone: u64,
    /// Whether it walked everything (no mark, `--full`, or a type without an update filter).
    full: bool,
}

/// What one account's sync did.
#[derive(Debug, Default)]
pub(crate) struct Report {
    types: Vec<TypeReport>,
    skipped: Vec<(&'static str, String)>,
    requests: u64,
    pub(crate) tokens: u64,
}

impl Report {
    pub(crate) fn records(&self) -> u64 {
        self.types.iter().map(|t| t.records).sum()
    }
}

pub(super) async fn run(
    settings: &Settings,
    plan: &Plan<'_>,
    uri: &str,
    chosen: &[&'static Resource],
) -> Result<()> {
    let collection = plan.args.collection.as_deref().unwrap_or(mongo::RECORDS);
    // Before the token is refreshed: an unreachable server is exit 7 without an API call.
    let db = MongoOutput::connect(uri, collection, settings.http.retry_policy()).await?;
    let result = if plan.args.every_account {
        super::every::run(settings, plan, super::every::Sink::Mongo(&db), chosen).await
    } else {
        account(settings, plan, &db, chosen).await.map(drop)
    };
    db.close().await;
    result
}

/// Syncs one account and owner (`settings`) into `db`: every type of `chosen` (skipping, for
/// `export all`, those the token may not read), logging the run in `pipedrive_sync_runs`.
pub(super) async fn account(
    settings: &Settings,
    plan: &Plan<'_>,
    db: &MongoOutput,
    chosen: &[&'static Resource],
) -> Result<Report> {
    let is_all = plan.args.kind == crate::api::resources::ALL;
    let named = !is_all || !plan.args.types.is_empty();
    let started = chrono::Utc::now();
    let mut report = Report::default();
    let outcome = Session::run(settings, async |session| -> Result<()> {
        let (todo, left_out) = readable(session, chosen, named)?;
        report.skipped.extend(left_out);
        note_unfiltered(plan, &todo);
        let outcomes: Vec<_> = stream::iter(todo)
            .map(|r| async move { (r, one_type(session, settings, plan, db, r).await) })
            .buffer_unordered(plan.args.concurrency.clamp(1, 4) as usize)
            .collect()
            .await;
        let usage = session.client.usage();
        report.requests = usage.requests;
        report.tokens = usage.tokens;
        let mut failure: Option<Error> = None;
        for (r, outcome) in outcomes {
            match outcome {
                Ok(t) => report.types.push(t),
                Err(Error::Scope(why)) if !named => report.skipped.push((r.name, why)),
                Err(Error::NotFound(what)) if !named => report
                    .skipped
                    .push((r.name, format!("the API has no such list here ({what})"))),
                Err(e) => {
                    printer::warn(&format!("{}: not synced: {e}", r.name));
                    if failure.as_ref().is_none_or(|f| severity(&e) > severity(f)) {
                        failure = Some(e);
                    }
                }
            }
        }
        failure.map_or(Ok(()), Err)
    })
    .await;
    report.types.sort_by_key(|t| t.kind);
    let finished = chrono::Utc::now();
    let result = match &outcome {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("failed: {e}"),
    };
    let logged = db
        .log_run(run_document(settings, &report, started, finished, &result))
        .await;
    if printer::summary() && is_all {
        let gone: u64 = report.types.iter().map(|t| t.gone).sum();
        // A failed run says what did land, never that the account was synced.
        let what = if outcome.is_ok() {
            "synced"
        } else {
            "failed; synced only"
        };
        printer::info(&format!(
            "{what} {} types, {} records ({gone} marked deleted) into {} ({} API requests, {} \
             tokens)",
            report.types.len(),
            report.records(),
            db.location(),
            report.requests,
            report.tokens
        ));
    }
    for (name, why) in &report.skipped {
        printer::info(&format!("skipped {name}: {why}"));
    }
    outcome?;
    logged?;
    Ok(report)
}

/// Which of two failures decides the exit code: the database's own, then a stop to wait for.
fn severity(e: &Error) -> u8 {
    match e {
        Error::Database(_) => 3,
        Error::Auth(_) | Error::Unauthorized(_) => 2,
        Error::Temporary(_) => 1,
        _ => 0,
    }
}

fn run_document(
    settings: &Settings,
    report: &Report,
    started: chrono::DateTime<chrono::Utc>,
    finished: chrono::DateTime<chrono::Utc>,
    result: &str,
) -> Document {
    let types: Vec<Document> = report
        .types
        .iter()
        .map(|t| {
            doc! { "type": t.kind, "records": t.records as i64, "marked_deleted": t.gone as i64,
            "full": t.full }
        })
        .collect();
    let skipped: Vec<Document> = report
        .skipped
        .iter()
        .map(|(name, why)| doc! { "type": *name, "reason": why })
        .collect();
    doc! {
        "account_id": &settings.account,
        "owner": &settings.owner,
        "types": types,
        "skipped": skipped,
        "records": report.records() as i64,
        "requests": report.requests as i64,
        "tokens": report.tokens as i64,
        "started": DateTime::from_millis(started.timestamp_millis()),
        "finished": DateTime::from_millis(finished.timestamp_millis()),
        "result": result,
        "tool": concat!("pipedrive-cli ", env!("CARGO_PKG_VERSION")),
    }
}

/// One type: walk from the mark, wait for every write, mark what a full walk did not see, then
/// move the mark.
async fn one_type(
    session: &Session,
    settings: &Settings,
    plan: &Plan<'_>,
    db: &MongoOutput,
    r: &'static Resource,
) -> Result<TypeReport> {
    let ident = Ident {
        account: settings.account.clone(),
        owner: settings.owner.clone(),
        kind: r.name,
    };
    let old = db.mark(&ident).await?;
    let since = match (&plan.updated_since, plan.args.full) {
        _ if !r.updated_since => None,
        (Some(flag), _) => Some(flag.clone()),
        (None, true) => None,
        (None, false) => old.clone(),
    };
    let started = DateTime::now();
    let target = Target::Mongo {
        db,
        started,
        account: &settings.account,
        owner: &settings.owner,
    };
    // The sink's finish returned only after every write was acknowledged.
    let (records, stamp) = export_one(session, plan, r, target, since.clone()).await?;
    let complete = stamp.is_complete();
    let full = since.is_none() && complete;
    let gone = if full {
        db.mark_unseen_deleted(&ident, started).await?
    } else {
        0
    };
    if complete {
        let mut state = State::default();
        if let Some(old) = old {
            state
                .accounts
                .entry(ident.account.clone())
                .or_default()
                .entry(r.name.to_string())
                .or_default()
                .updated_since = Some(old);
        }
        state.advance(&ident.account, r.name, stamp);
        let mark = state.since(&ident.account, r.name);
        db.save_mark(&ident, mark.as_deref(), records).await?;
    }
    if gone > 0 {
        printer::info(&format!(
            "{}: {gone} documents no longer in Pipedrive, marked deleted",
            r.name
        ));
    }
    Ok(TypeReport {
        kind: r.name,
        records,
        gone,
        full,
    })
}
