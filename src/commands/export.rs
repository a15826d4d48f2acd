//! `pipedrive export <TYPE>`: every record of a type, streamed page by page into a sink.
//!
//! `export all --output-dir DIR` runs the single-type export for each type (a few at once, sharing
//! one client and its rate-limit state), then writes `manifest.json`. `--state FILE` turns both into
//! incremental exports.

use std::path::{Path, PathBuf};

use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use crate::api::fields::FieldMap;
use crate::api::pages::{self, ListPlan};
use crate::api::resources::{self, Resource, ARCHIVED_DEALS, RESOURCES};
use crate::auth::session::Session;
use crate::checkpoint::{Stamp, State};
use crate::cli::{ExportArgs, ExportKind, Format};
use crate::error::{Error, Result};
use crate::output::progress::Progress;
use crate::output::{self, Destination};
use crate::settings::Settings;

/// The options that shape one type's export, checked once.
struct Plan<'a> {
    args: &'a ExportArgs,
    updated_since: Option<String>,
    field_names: bool,
    quiet: bool,
}

pub async fn run(settings: &Settings, args: &ExportArgs) -> Result<()> {
    let updated_since = match &args.updated_since {
        Some(s) => Some(normalize_time(s)?),
        None => None,
    };
    if args.include_archived && !matches!(args.kind, ExportKind::Deals | ExportKind::All) {
        return Err(Error::Usage(
            "--include-archived applies to deals only".into(),
        ));
    }
    let plan = Plan {
        args,
        updated_since,
        field_names: args.field_names || (args.format == Format::Csv && !args.raw_keys),
        quiet: settings.quiet,
    };
    if args.kind == ExportKind::All {
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
        return export_all(settings, &plan, dir).await;
    }
    if args.output_dir.is_some() {
        return Err(Error::Usage(
            "--output-dir is for `export all`; use --output FILE for one type".into(),
        ));
    }
    let resource = resources::resource(args.kind).expect("every type but all has a resource");
    let mut state = match &args.state {
        Some(path) => Some(State::load(path)?),
        None => None,
    };
    // Open the output first: a bad path should fail before any token is refreshed.
    let dest = Destination::open(args.output.as_deref())?;
    let session = Session::start(settings).await?;
    let result = async {
        let since = since_for(&plan, state.as_ref(), &settings.account, resource);
        let (count, stamp) = export_one(&session, &plan, resource, &dest, since).await?;
        dest.commit()?;
        if let (Some(state), Some(path)) = (state.as_mut(), &args.state) {
            state.advance(&settings.account, resource.name, stamp);
            state.save(path)?;
        }
        Ok(count)
    }
    .await;
    session.finish(result).await.map(|_| ())
}

/// `--updated-since` from the flag, else from the state file for this type.
fn since_for(
    plan: &Plan,
    state: Option<&State>,
    account: &str,
    resource: &Resource,
) -> Option<String> {
    if !resource.updated_since {
        if plan.updated_since.is_some() && !plan.quiet {
            eprintln!(
                "note: {} cannot be filtered by update time; exporting all of them",
                resource.name
            );
        }
        return None;
    }
    plan.updated_since
        .clone()
        .or_else(|| state.and_then(|s| s.since(account, resource.name)))
}

/// Exports one type into `dest` (not yet committed); returns the count and the newest update time.
async fn export_one(
    session: &Session,
    plan: &Plan<'_>,
    resource: &Resource,
    dest: &Destination,
    since: Option<String>,
) -> Result<(u64, Stamp)> {
    let args = plan.args;
    session.require(resource.scopes, &format!("exporting {}", resource.name))?;
    let fields = if plan.field_names {
        FieldMap::fetch(
            &session.client,
            session.scopes.as_deref(),
            resource.kind,
            plan.quiet,
        )
        .await?
    } else {
        None
    };
    let mut sources = vec![*resource];
    if args.include_archived && resource.kind == ExportKind::Deals {
        sources.push(ARCHIVED_DEALS);
    }
    let limit = match args.max {
        Some(max) if max < u64::from(args.limit) => max as u32,
        _ => args.limit,
    };
    let mut sink = output::sink(args.format, dest.writer()?, dest.label())?;
    let mut progress = Progress::new(resource.name, plan.quiet, session.client.waiting());
    let mut stamp = Stamp::default();
    let mut written = 0u64;
    let track = args.state.is_some();
    'sources: for source in sources {
        if args.max.is_some_and(|m| written >= m) {
            break;
        }
        let mut filters = Vec::new();
        if let Some(s) = &since {
            filters.push(("updated_since", s.clone()));
        }
        let list = ListPlan {
            path: source.path,
            paging: source.paging,
            limit,
            filters,
            concurrency: args.concurrency as usize,
            max: args.max.map(|m| m.saturating_sub(written)),
        };
        let archived = source.path == ARCHIVED_DEALS.path;
        let mut rx = pages::stream(session.client.clone(), list);
        while let Some(page) = rx.recv().await {
            let page = page?;
            let mut in_page = 0;
            for record in page.records() {
                if args.max.is_some_and(|m| written >= m) {
                    break 'sources;
                }
                if track {
                    stamp.observe(record);
                }
                match (&fields, archived) {
                    (None, false) => sink.write(record)?,
                    _ => {
                        let mut value: Value =
                            serde_json::from_str(record).map_err(Error::other)?;
                        if archived {
                            mark_archived(&mut value);
                        }
                        if let Some(f) = &fields {
                            f.apply(&mut value);
                        }
                        sink.write_value(&value)?;
                    }
                }
                written += 1;
                in_page += 1;
            }
            progress.page(in_page);
        }
    }
    if args.max.is_some_and(|m| written >= m) {
        stamp.incomplete();
        if track && !plan.quiet {
            eprintln!(
                "note: --max stopped the {} export early, so --state keeps its previous time \
                 (the records not read yet would be skipped otherwise)",
                resource.name
            );
        }
    }
    sink.finish()?;
    drop(sink);
    progress.finish(&dest.label());
    Ok((written, stamp))
}

/// Archived deals say so, even where the API leaves the flag out.
fn mark_archived(value: &mut Value) {
    if let Some(obj) = value.as_object_mut() {
        obj.entry("is_archived").or_insert(Value::Bool(true));
    }
}

async fn export_all(settings: &Settings, plan: &Plan<'_>, dir: &Path) -> Result<()> {
    let args = plan.args;
    if !dir.is_dir() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Other(format!("cannot create {}: {e}", dir.display())))?;
    }
    let ext = match args.format {
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
    };
    let mut state = match &args.state {
        Some(path) => Some(State::load(path)?),
        None => None,
    };
    let started = chrono::Utc::now();
    let session = Session::start(settings).await?;
    let result: Result<Value> = async {
        // Every destination first, so an unwritable directory fails before any request.
        let mut jobs = Vec::new();
        for resource in RESOURCES {
            let path: PathBuf = dir.join(format!("{}.{ext}", resource.name));
            jobs.push((resource, Destination::open(Some(&path))?));
        }
        let session = &session;
        let state_ref = state.as_ref();
        let outcomes: Vec<_> = stream::iter(jobs)
            .map(|(resource, dest)| async move {
                let since = since_for(plan, state_ref, &settings.account, resource);
                let r = export_one(session, plan, resource, &dest, since).await;
                (resource, dest, r)
            })
            .buffer_unordered(args.concurrency.clamp(1, 4) as usize)
            .collect()
            .await;
        let mut types = serde_json::Map::new();
        let mut skipped = Vec::new();
        let mut first_error = None;
        let mut stamps = Vec::new();
        for (resource, dest, outcome) in outcomes {
            let file = dest
                .path()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
            match outcome {
                Ok((records, stamp)) => {
                    dest.commit()?;
                    stamps.push((resource.name, stamp));
                    types.insert(
                        resource.name.into(),
                        json!({"file": file, "records": records, "endpoint": resource.path,
                               "api_version": api_version(resource)}),
                    );
                }
                Err(Error::Scope(why)) => {
                    skipped.push(format!("{}: {why}", resource.name));
                    types.insert(
                        resource.name.into(),
                        json!({"skipped": why, "endpoint": resource.path}),
                    );
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if let (Some(state), Some(path)) = (state.as_mut(), &args.state) {
            for (name, stamp) in stamps {
                state.advance(&settings.account, name, stamp);
            }
            state.save(path)?;
        }
        let manifest = json!({
            "tool": concat!("pipedrive-cli ", env!("CARGO_PKG_VERSION")),
            "account": settings.account,
            "api_domain": session.client.base(),
            "format": ext,
            "started_at": started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "finished_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "updated_since": plan.updated_since,
            "types": types,
            "state": state.as_ref().map(|s| s.for_account(&settings.account)),
        });
        write_manifest(dir, &manifest)?;
        if !skipped.is_empty() {
            return Err(Error::Scope(format!(
                "exported what the token allows; skipped {}",
                skipped.join("; ")
            )));
        }
        Ok(manifest)
    }
    .await;
    session.finish(result).await.map(|_| ())
}

fn api_version(resource: &Resource) -> &'static str {
    if resource.path.starts_with("/api/v1/") {
        "v1"
    } else {
        "v2"
    }
}

fn write_manifest(dir: &Path, manifest: &Value) -> Result<()> {
    let dest = Destination::open(Some(&dir.join("manifest.json")))?;
    {
        let mut w = dest.writer()?;
        serde_json::to_writer_pretty(&mut w, manifest).map_err(Error::other)?;
        use std::io::Write;
        w.write_all(b"\n")
            .and_then(|_| w.flush())
            .map_err(|e| Error::output(e, "manifest.json"))?;
    }
    dest.commit()
}

/// Accepts RFC 3339 and sends it on in UTC with a `Z`, as the API documents it.
pub fn normalize_time(text: &str) -> Result<String> {
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
