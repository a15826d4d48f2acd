//! `pipedrive export <TYPE>`: every record of a type, streamed page by page into a sink.
//!
//! A type is one list (plus the lists its flags add: archived or deleted deals, archived leads,
//! inactive goals), or a per-parent type whose parents are read first and whose children are
//! walked by `api::children`. `export all` (in `export/all.rs`) runs this for every type into a
//! directory. `--state FILE` turns both into incremental exports.

mod all;
mod every;
mod leases;
mod parents;
mod sync;

use std::sync::Arc;

use serde_json::Value;

use crate::api::children::{self, ChildPlan};
use crate::api::fields::FieldMap;
use crate::api::idset::IdSet;
use crate::api::pages::{self, ListPlan, Page};
use crate::api::resources::{self, ExtraWhen, Paging, Resource, Walk, ALL};
use crate::api::slices;
use crate::auth::session::Session;
use crate::choices::Format;
use crate::cli::ExportArgs;
use crate::error::{Error, Result};
use crate::output::mongo::{Ident, MongoOutput};
use crate::output::progress::Progress;
use crate::output::{self, Destination, Sink, SinkOptions};
use crate::printer;
use crate::settings::Settings;
use crate::state_file::{Stamp, State};
use parents::{parent_ids, ParentCache};

/// `--include-fields`: every optional field, or these names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Include {
    All,
    Names(Vec<String>),
}

/// The options that shape one type's export, checked once.
struct Plan<'a> {
    args: &'a ExportArgs,
    updated_since: Option<String>,
    field_names: bool,
    include: Option<Include>,
    quiet: bool,
    /// Archived deals and leads too (`--include-archived`, and always in a MongoDB sync, whose
    /// copy would otherwise take an archived deal for a deleted one).
    archived: bool,
    /// Deleted deals too (`--include-deleted`, and always in a MongoDB sync).
    deleted: bool,
    /// The parents read so far, so the per-deal types of `export all` read the deals once.
    parents: ParentCache,
}

impl Plan<'_> {
    /// The `include_fields` value for `r`, in the order the spec declares the names (the v2
    /// fields endpoints accept only those orders).
    fn include_for(&self, r: &Resource) -> Option<String> {
        let names: Vec<&str> = match self.include.as_ref()? {
            Include::All => r.include_fields.to_vec(),
            Include::Names(want) => r
                .include_fields
                .iter()
                .copied()
                .filter(|f| want.iter().any(|w| w == f))
                .collect(),
        };
        (!names.is_empty()).then(|| names.join(","))
    }
}

pub(crate) async fn run(settings: &Settings, args: &ExportArgs) -> Result<()> {
    let updated_since = match &args.updated_since {
        Some(s) => Some(normalize_time(s)?),
        None => None,
    };
    let is_all = args.kind == ALL;
    let chosen = chosen(args, is_all)?;
    check_flags(args, is_all)?;
    let sync_to = sync::uri(args)?;
    check_paths(args)?;
    let include = parse_include(&args.include_fields, &chosen, is_all)?;
    let plan = Plan {
        args,
        updated_since,
        field_names: args.field_names || (args.format == Format::Csv && !args.raw_keys),
        include,
        quiet: settings.quiet,
        archived: args.include_archived || sync_to.is_some(),
        deleted: args.include_deleted || sync_to.is_some(),
        parents: ParentCache::default(),
    };
    if args.every_account && !is_all {
        return Err(Error::Usage(
            "--every-account is for `export all` (into --output-dir DIR or --output mongodb://...)"
                .into(),
        ));
    }
    if let Some(uri) = sync_to {
        return sync::run(settings, &plan, uri, &chosen).await;
    }
    if is_all {
        return into_dir(settings, &plan, &chosen).await;
    }
    if args.output_dir.is_some() {
        return Err(Error::Usage(
            "--output-dir is for `export all`; use --output FILE for one type".into(),
        ));
    }
    note_unfiltered(&plan, &chosen);
    one_type(settings, &plan, chosen[0]).await
}

/// The types to export: the one named, or those of `export all`.
fn chosen(args: &ExportArgs, is_all: bool) -> Result<Vec<&'static Resource>> {
    if is_all {
        return all::chosen(args);
    }
    let r = resources::resource(&args.kind).ok_or_else(|| {
        Error::Usage(format!(
            "unknown type '{}'; valid types: {}, all",
            args.kind,
            resources::names().collect::<Vec<_>>().join(", ")
        ))
    })?;
    Ok(vec![r])
}

/// `export all` into `--output-dir`, for this account or every account.
async fn into_dir(
    settings: &Settings,
    plan: &Plan<'_>,
    chosen: &[&'static Resource],
) -> Result<()> {
    let args = plan.args;
    let dir = args.output_dir.as_deref().ok_or_else(|| {
        Error::Usage(
            "`export all` needs --output-dir DIR (one file per type is written there)".into(),
        )
    })?;
    if args.output.is_some() {
        return Err(Error::Usage(
            "`export all` writes into --output-dir; --output is for one type".into(),
        ));
    }
    if args.every_account {
        return every::run(settings, plan, every::Sink::Dir(dir), chosen).await;
    }
    all::run(settings, plan, dir, chosen).await
}

/// One type to `--output` (or stdout), committed once complete; `--state` advances after.
async fn one_type(settings: &Settings, plan: &Plan<'_>, resource: &'static Resource) -> Result<()> {
    let args = plan.args;
    let mut state = match &args.state {
        Some(path) => Some(State::load(path)?),
        None => None,
    };
    // Open the output first: a bad path should fail before any token is refreshed.
    let dest = Destination::open_async(args.output.as_deref()).await?;
    Session::run(settings, async |session| {
        let since = since_for(plan, state.as_ref(), &settings.account, resource);
        let (_, stamp) = export_one(session, plan, resource, Target::File(&dest), since)
            .await
            .map_err(list_not_found)?;
        dest.commit()?;
        if let (Some(state), Some(path)) = (state.as_mut(), &args.state) {
            state.advance(&settings.account, resource.name, stamp);
            state.save(path)?;
        }
        Ok(())
    })
    .await
}

/// A list that answers 404 is not a missing pipeline or stage id (exit 6 means that): this
/// company's API has no such list.
fn list_not_found(e: Error) -> Error {
    match e {
        Error::NotFound(what) => Error::Other(format!("the API has no such list here ({what})")),
        e => e,
    }
}

/// Flags that only some types take.
fn check_flags(args: &ExportArgs, is_all: bool) -> Result<()> {
    let kind = args.kind.as_str();
    let of_deals = resources::resource(kind)
        .and_then(Resource::parent)
        .is_some_and(|p| p.name == "deals");
    if args.include_archived && !(is_all || of_deals || matches!(kind, "deals" | "leads")) {
        return Err(Error::Usage(
            "--include-archived applies to deals, leads and the per-deal types only".into(),
        ));
    }
    if args.include_deleted && !(is_all || kind == "deals") {
        return Err(Error::Usage(
            "--include-deleted applies to deals only (no other list reports deleted records)"
                .into(),
        ));
    }
    if !args.types.is_empty() && !is_all {
        return Err(Error::Usage(
            "--types is for `export all`; name one type as `export TYPE`".into(),
        ));
    }
    Ok(())
}

/// Every path the run will write, checked before any request: a run must not commit its output
/// and then fail to save its state, nor save its state over its output.
fn check_paths(args: &ExportArgs) -> Result<()> {
    if args.excel && args.format != Format::Csv {
        return Err(Error::Usage(
            "--excel shapes CSV for spreadsheets; add --format csv".into(),
        ));
    }
    if let (Some(out), Some(state)) = (&args.output, &args.state) {
        if output::same_file(out, state) {
            return Err(Error::Usage(format!(
                "--state and --output name the same file ({}); the state would overwrite the export",
                out.display()
            )));
        }
    }
    if let (Some(dir), Some(state)) = (&args.output_dir, &args.state) {
        let ext = match args.format {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        };
        let ours = std::iter::once("manifest.json".to_string())
            .chain(resources::names().map(|n| format!("{n}.{ext}")));
        for name in ours {
            if output::same_file(&dir.join(&name), state) {
                return Err(Error::Usage(format!(
                    "--state names {name} in --output-dir, the same file as an export; give the \
                     state file a name of its own"
                )));
            }
        }
    }
    if let Some(state) = &args.state {
        output::check_writable(state)?;
    }
    Ok(())
}

/// `--include-fields all|F1,F2`, checked against what the operations declare.
fn parse_include(
    names: &[String],
    chosen: &[&'static Resource],
    is_all: bool,
) -> Result<Option<Include>> {
    let names: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    let mut valid: Vec<&str> = Vec::new();
    for r in chosen {
        for f in r.include_fields {
            if !valid.contains(f) {
                valid.push(f);
            }
        }
    }
    let all = names.iter().any(|n| n == "all");
    let what = if is_all {
        "the exported types".to_string()
    } else {
        chosen[0].name.to_string()
    };
    if valid.is_empty() && !(all && is_all) {
        return Err(Error::Usage(format!(
            "--include-fields: {what} declare no optional fields (include_fields); types that \
             do: {}",
            resources::RESOURCES
                .iter()
                .filter(|r| !r.include_fields.is_empty())
                .map(|r| r.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // `all` beside other names does not excuse a misspelt one.
    if let Some(bad) = names
        .iter()
        .find(|n| *n != "all" && !valid.contains(&n.as_str()))
    {
        return Err(Error::Usage(format!(
            "--include-fields: '{bad}' is not an optional field of {what}; valid: {}",
            std::iter::once("all")
                .chain(valid.iter().copied())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if all {
        return Ok(Some(Include::All));
    }
    Ok(Some(Include::Names(names)))
}

/// `--updated-since` from the flag, else from the state file for this type (`None` for types
/// without an update filter).
fn since_for(
    plan: &Plan,
    state: Option<&State>,
    account: &str,
    resource: &Resource,
) -> Option<String> {
    if !resource.updated_since {
        return None;
    }
    plan.updated_since
        .clone()
        .or_else(|| state.and_then(|s| s.since(account, resource.name)))
}

/// Says once which types `--updated-since` cannot narrow.
fn note_unfiltered(plan: &Plan, chosen: &[&Resource]) {
    let whole: Vec<&str> = chosen
        .iter()
        .filter(|r| !r.updated_since)
        .map(|r| r.name)
        .collect();
    if plan.updated_since.is_some() && !whole.is_empty() {
        printer::info(&format!(
            "note: {} cannot be filtered by update time; exporting all of them",
            whole.join(", ")
        ));
    }
}

/// Where `export_one` writes: a file (or stdout) committed by the caller, or a MongoDB sync
/// whose documents carry `synced_at` of the run.
enum Target<'a> {
    File(&'a Destination),
    Mongo {
        db: &'a MongoOutput,
        started: mongodb::bson::DateTime,
        account: &'a str,
        owner: &'a str,
    },
}

/// Exports one type into `target` (a file is not yet committed); returns the count and the
/// newest update time (of the parents, for a per-parent type).
async fn export_one(
    session: &Session,
    plan: &Plan<'_>,
    resource: &'static Resource,
    target: Target<'_>,
    since: Option<String>,
) -> Result<(u64, Stamp)> {
    require_scopes(session, resource)?;
    let incremental = plan.args.state.is_some() || matches!(target, Target::Mongo { .. });
    let (sink, label) = open_sink(session, plan, resource, target).await?;
    let mut out = Writer {
        sink,
        stamp: Stamp::default(),
        track: incremental && resource.walk == Walk::List,
        written: 0,
        max: plan.args.max,
        progress: Progress::new(resource.name, plan.quiet, session.client.waiting()),
        ids: (resource.walk == Walk::List).then(IdSet::new),
        defer_from: None,
    };
    if resource.walk == Walk::List {
        write_lists(session, plan, resource, since.as_deref(), &mut out).await?;
    } else {
        write_children(session, plan, resource, since.as_deref(), &mut out).await?;
    }
    finish(session, plan, resource, out, &label, incremental)
}

/// The token may read the type, and the parents it reads first.
fn require_scopes(session: &Session, resource: &Resource) -> Result<()> {
    session.require(resource.scopes, &format!("exporting {}", resource.name))?;
    if let Some(parent) = resource.parent() {
        session.require(
            parent.scopes,
            &format!(
                "exporting {} (it reads the {} first)",
                resource.name, parent.name
            ),
        )?;
    }
    Ok(())
}

/// The sink of `target` for `resource` (renaming custom fields under `--field-names`), and the
/// name of where it writes.
async fn open_sink(
    session: &Session,
    plan: &Plan<'_>,
    resource: &'static Resource,
    target: Target<'_>,
) -> Result<(Box<dyn Sink>, String)> {
    let args = plan.args;
    let fields = if plan.field_names {
        FieldMap::fetch(&session.client, session.scopes.as_deref(), resource).await?
    } else {
        None
    };
    let options = SinkOptions {
        excel: args.excel,
        relabel: fields.map(|f| Arc::new(f) as Arc<dyn output::Relabel>),
    };
    Ok(match target {
        Target::File(dest) => (
            output::sink_with(args.format, dest.writer()?, dest.label(), options)?,
            dest.label(),
        ),
        Target::Mongo {
            db,
            started,
            account,
            owner,
        } => {
            let ident = Ident {
                account: account.to_string(),
                owner: owner.to_string(),
                kind: resource.name,
            };
            (
                Box::new(db.sink(ident, options.relabel, started)),
                db.location(),
            )
        }
    })
}

/// A list type: every list of it, page by page, then the catch-up pass.
async fn write_lists(
    session: &Session,
    plan: &Plan<'_>,
    resource: &'static Resource,
    since: Option<&str>,
    out: &mut Writer,
) -> Result<()> {
    let args = plan.args;
    let limit = match args.max {
        Some(max) if max < u64::from(args.limit) => max as u32,
        _ => args.limit,
    }
    .min(resource.max_limit);
    // Records can move from one list of a type to another while it is read (a deal archived,
    // restored or deleted): one pass over the lists may miss such a record or see it twice. The
    // ids written keep it to once; a catch-up pass over every list, by update time since the
    // export began, finds the ones that moved behind the reader. Records changed since the start
    // are left to that pass, so their newest version is written.
    let lists = lists(plan, resource, since, limit);
    let catch_up = (lists.len() > 1 && resource.paging == Paging::Cursor)
        .then(|| catch_up_since(since))
        .filter(|_| lists.iter().all(|(_, _, filtered)| *filtered));
    out.defer_from = catch_up.as_ref().map(|(secs, _)| *secs);
    let mut passes = vec![lists];
    if let Some((_, t)) = &catch_up {
        passes.push(self::lists(plan, resource, Some(t), limit));
    }
    for (pass, lists) in passes.into_iter().enumerate() {
        if pass > 0 {
            out.defer_from = None;
        }
        for (list, mark, _) in lists {
            if out.full() {
                return Ok(());
            }
            let list = ListPlan {
                max: args.max.map(|m| m.saturating_sub(out.written)),
                ..list
            };
            let mut rx = pages::stream(session.client.clone(), list);
            while let Some(page) = rx.recv().await {
                if !out.page(&page?, mark)? {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// A per-parent type: its parents first, then their children.
async fn write_children(
    session: &Session,
    plan: &Plan<'_>,
    resource: &'static Resource,
    since: Option<&str>,
    out: &mut Writer,
) -> Result<()> {
    let parents = parent_ids(session, plan, resource, since, &mut out.stamp).await?;
    let walk = ChildPlan {
        resource,
        parents,
        limit: plan.args.limit.min(resource.max_limit),
        concurrency: plan.args.concurrency as usize,
    };
    // One request per parent can cost a large company a good part of its daily budget: say
    // what it will take before spending it.
    if matches!(resource.walk, Walk::PerParent { .. }) {
        printer::info(&format!(
            "{}: {} {}, so at least {} requests costing {} tokens each (about {} tokens of \
             the company's daily budget)",
            resource.name,
            walk.parents.len(),
            resource.parent().map_or("parents", |p| p.name),
            walk.min_requests(),
            resource.cost(),
            walk.min_requests() * resource.cost()
        ));
    }
    let mut rx = children::stream(session.client.clone(), walk);
    while let Some(page) = rx.recv().await {
        if !out.page(&page?, None)? {
            break;
        }
    }
    Ok(())
}

/// Flushes the sink and ends the progress line; a run cut short by `--max` keeps the previous
/// sync time. Returns the count and the stamp.
fn finish(
    session: &Session,
    plan: &Plan<'_>,
    resource: &Resource,
    mut out: Writer,
    label: &str,
    incremental: bool,
) -> Result<(u64, Stamp)> {
    if out.full() {
        out.stamp.incomplete();
        if incremental {
            printer::info(&format!(
                "note: --max stopped the {} export early, so the sync state keeps its previous time \
                 (the records not read yet would be skipped otherwise)",
                resource.name
            ));
        }
    }
    out.sink.finish()?;
    let Writer {
        sink,
        progress,
        written,
        stamp,
        ..
    } = out;
    drop(sink);
    // `export all` runs several types on one client: its own summary gives the run's total.
    let usage = session.client.usage();
    let cost = (plan.args.kind != ALL).then_some((usage.requests, usage.tokens));
    progress.finish(label, cost);
    Ok((written, stamp))
}

/// How far back the catch-up pass reads: from a little before this export began (the
/// server's clock may lag ours), or from `since` when that is later. Returns it in unix seconds
/// and as the API spells it.
fn catch_up_since(since: Option<&str>) -> (i64, String) {
    let mut from = chrono::Utc::now() - CLOCK_ALLOWANCE;
    if let Some(s) = since.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) {
        from = from.max(s.with_timezone(&chrono::Utc));
    }
    (
        from.timestamp(),
        from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// How far the server's clock may lag ours for the catch-up pass still to see every change.
const CLOCK_ALLOWANCE: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The lists of a type, in order, each with the flag its records get and whether it honours
/// `updated_since`.
fn lists(
    plan: &Plan,
    r: &'static Resource,
    since: Option<&str>,
    limit: u32,
) -> Vec<(ListPlan, Option<&'static str>, bool)> {
    let include = plan.include_for(r);
    let list = |path: &'static str, fixed: &[(&'static str, &'static str)], send_since: bool| {
        let mut filters: Vec<(&'static str, String)> =
            fixed.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if let (true, Some(s)) = (send_since, since) {
            filters.push(("updated_since", s.to_string()));
        }
        if let Some(i) = &include {
            filters.push(("include_fields", i.clone()));
        }
        ListPlan {
            path,
            paging: r.paging,
            limit,
            filters,
            concurrency: plan.args.concurrency as usize,
            max: None,
        }
    };
    let mut out = vec![(
        list(r.path, r.filters, r.updated_since),
        None,
        r.updated_since,
    )];
    for extra in r.extras {
        let wanted = match extra.when {
            ExtraWhen::Always => true,
            ExtraWhen::IncludeArchived => plan.archived,
            ExtraWhen::IncludeDeleted => plan.deleted,
            ExtraWhen::IncludeArchivedDeleted => plan.archived && plan.deleted,
        };
        if wanted {
            let path = extra.path.unwrap_or(r.path);
            out.push((
                list(path, extra.filters, extra.updated_since),
                extra.mark,
                extra.updated_since,
            ));
        }
    }
    out
}

/// The sink of one type, with what it needs per record.
struct Writer {
    /// Renames custom fields itself (`--field-names`).
    sink: Box<dyn Sink>,
    stamp: Stamp,
    /// Whether records' update times go into the stamp (`--state`; per-parent types stamp their
    /// parents instead).
    track: bool,
    written: u64,
    max: Option<u64>,
    progress: Progress,
    /// The ids written, across every list of the type (`None`: per-parent types, whose
    /// records' ids are not theirs alone).
    ids: Option<IdSet>,
    /// Records updated at or after this (unix seconds) wait for the catch-up pass.
    defer_from: Option<i64>,
}

impl Writer {
    fn full(&self) -> bool {
        self.max.is_some_and(|m| self.written >= m)
    }

    /// Writes a page, setting `mark` to true on each record; false once `--max` is reached.
    fn page(&mut self, page: &Page, mark: Option<&str>) -> Result<bool> {
        let mut in_page = 0;
        let mut more = true;
        for record in page.records() {
            if self.full() {
                more = false;
                break;
            }
            if let Some(from) = self.defer_from {
                if slices::update_time(record).is_some_and(|t| t >= from) {
                    continue;
                }
            }
            let marked = match mark {
                None => None,
                Some(flag) => {
                    let mut value: Value = serde_json::from_str(record).map_err(Error::other)?;
                    // Whether `status=deleted` lists only deleted deals or adds them to the
                    // rest, the live ones came with the main list already.
                    if flag == "is_deleted" && !is_deleted(&value) {
                        continue;
                    }
                    if let Some(obj) = value.as_object_mut() {
                        obj.insert(flag.to_string(), Value::Bool(true));
                    }
                    Some(value)
                }
            };
            if let (Some(ids), Some(id)) = (self.ids.as_mut(), slices::record_id(record)) {
                if !ids.insert(id) {
                    continue;
                }
            }
            if self.track {
                self.stamp.observe(record);
            }
            match &marked {
                None => self.sink.write(record)?,
                Some(value) => self.sink.write_value(value)?,
            }
            self.written += 1;
            in_page += 1;
        }
        self.progress.page(in_page);
        Ok(more && !self.full())
    }
}

/// The sinks rename as they write (CSV while it walks a record's text).
impl output::Relabel for FieldMap {
    fn nested(&self) -> bool {
        FieldMap::nested(self)
    }

    fn field(&self, key: &str) -> Option<(std::borrow::Cow<'_, str>, bool)> {
        FieldMap::field(self, key)
    }

    fn label(&self, key: &str, value: Value) -> Value {
        FieldMap::label(self, key, value)
    }
}

fn is_deleted(deal: &Value) -> bool {
    deal["is_deleted"] == Value::Bool(true) || deal["status"] == "deleted"
}

/// Accepts RFC 3339 and sends it on in UTC with a `Z`, as the API documents it.
fn normalize_time(text: &str) -> Result<String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .map_err(|e| {
            Error::Usage(format!(
                "--updated-since '{text}' is not an RFC 3339 time ({e}); for example 2025-01-31T00:00:00Z"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn include_fields_are_checked_per_operation_and_sent_in_the_spec_order() {
        let deals = resources::resource("deals").unwrap();
        let persons = resources::resource("persons").unwrap();
        let notes = resources::resource("notes").unwrap();
        let fields = resources::resource("deal-fields").unwrap();
        let err = parse_include(&names(&["people_count"]), &[deals], false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("first_won_time"), "{err}");
        assert!(parse_include(&names(&["all"]), &[notes], false).is_err());
        // `export all`: a name is valid when some type declares it; each type gets its own.
        let both = parse_include(
            &names(&["first_won_time", "won_deals_count"]),
            &[deals, persons],
            true,
        )
        .unwrap();
        let args = <crate::cli::Cli as clap::Parser>::parse_from(["pipedrive", "export", "all"]);
        let crate::cli::Command::Export(args) = args.command else {
            unreachable!()
        };
        let plan = |include| Plan {
            args: &args,
            updated_since: None,
            field_names: false,
            include,
            quiet: true,
            archived: false,
            deleted: false,
            parents: ParentCache::default(),
        };
        let p = plan(both);
        assert_eq!(p.include_for(deals).as_deref(), Some("first_won_time"));
        assert_eq!(p.include_for(persons).as_deref(), Some("won_deals_count"));
        let p = plan(Some(Include::Names(names(&[
            "required_fields",
            "ui_visibility",
        ]))));
        assert_eq!(
            p.include_for(fields).as_deref(),
            Some("ui_visibility,required_fields")
        );
        assert_eq!(
            plan(Some(Include::All)).include_for(fields).as_deref(),
            Some("ui_visibility,important_fields,required_fields")
        );
    }

    /// CSV renames while it walks a record's text; the result must be what renaming the whole
    /// record (`FieldMap::apply`, as JSON lines do) and flattening it gives.
    #[test]
    fn csv_renames_as_field_map_apply_does() {
        const H1: &str = "1111111111111111111111111111111111111111";
        const H2: &str = "2222222222222222222222222222222222222222";
        const H3: &str = "3333333333333333333333333333333333333333";
        let defs = [
            format!(
                r#"{{"key":"{H1}","name":"Priority","options":[{{"id":1,"label":"Low"}},{{"id":2,"label":"=High"}}]}}"#
            ),
            format!(r#"{{"key":"{H2}","name":"No. of seats"}}"#),
            format!(r#"{{"key":"{H3}","name":"Budget"}}"#),
            r#"{"key":"title","name":"Title","is_custom_field":false}"#.to_string(),
        ];
        let records = [
            format!(
                r#"{{"id":1,"title":"t","{H1}":2,"{H2}":5,"{H3}":7,"{H3}_currency":"EUR","x":{{"{H1}":1}}}}"#
            ),
            format!(
                r#"{{"id":2,"custom_fields":{{"{H1}":[1,2,9],"{H2}":null,"{H3}":{{"value":1.5,"currency":"USD"}}}}}}"#
            ),
            r#"{"id":3,"a":[],"b":{},"c":[{"d":[1,{"e":"q\"\n\u00e9"}]},true,null,-0.5,1e3],"t":"\ud83d\ude00"}"#.to_string(),
        ];
        for nested in [false, true] {
            let map = FieldMap::from_definitions(defs.iter().map(String::as_str), nested).unwrap();
            let csv = |relabel: Option<Arc<dyn output::Relabel>>, texts: &[String]| {
                let mut out = Vec::new();
                {
                    let options = SinkOptions {
                        excel: false,
                        relabel,
                    };
                    let mut sink =
                        output::csv::CsvSink::with(&mut out, "t".into(), options).unwrap();
                    for t in texts {
                        sink.write(t).unwrap();
                    }
                    sink.finish().unwrap();
                }
                String::from_utf8(out).unwrap()
            };
            let applied: Vec<String> = records
                .iter()
                .map(|r| {
                    let mut v: Value = serde_json::from_str(r).unwrap();
                    map.apply(&mut v);
                    v.to_string()
                })
                .collect();
            let map: Arc<dyn output::Relabel> = Arc::new(map);
            let walked = csv(Some(map.clone()), &records);
            assert_eq!(walked, csv(None, &applied), "nested: {nested}");
            assert!(walked.contains("Priority"), "{walked}");
            let mut lines = Vec::new();
            {
                let mut sink = output::jsonl::JsonlSink::new(&mut lines, "t".into(), Some(map));
                for r in &records {
                    sink.write(r).unwrap();
                }
                sink.finish().unwrap();
            }
            let want: String = applied.iter().map(|a| format!("{a}\n")).collect();
            assert_eq!(String::from_utf8(lines).unwrap(), want, "nested: {nested}");
        }
    }

    #[test]
    fn updated_since_is_validated_and_normalized() {
        assert_eq!(
            normalize_time("2025-01-31T10:00:00+02:00").unwrap(),
            "2025-01-31T08:00:00Z"
        );
        assert_eq!(
            normalize_time("2025-01-31T10:00:00Z").unwrap(),
            "2025-01-31T10:00:00Z"
        );
        assert_eq!(normalize_time("yesterday").err().unwrap().exit_code(), 2);
        assert_eq!(normalize_time("2025-01-31").err().unwrap().exit_code(), 2);
    }
}
