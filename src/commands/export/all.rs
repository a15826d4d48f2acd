//! `export all --output-dir DIR`: every type the token's scopes allow, one file each, plus
//! `manifest.json`, a few types at once sharing one client.
//!
//! The directory changes as a set (`output::dirset`): every file is written into a stage beside
//! it, and only when every type succeeded and the manifest is written and synced does the stage
//! replace the directory, in one step. A failed or killed run leaves the files and the manifest
//! of the last successful run as they were. The manifest describes exactly the files beside it:
//! the ones this run wrote, and those an earlier run wrote that are still there (a run limited by
//! `--types` keeps the other types' entries, with their own times).

use std::collections::BTreeMap;
use std::path::Path;

use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::{export_one, note_unfiltered, since_for, Plan, Target};
use crate::api::resources::{self, Resource, RESOURCES};
use crate::auth::session::Session;
use crate::choices::Format;
use crate::cli::ExportArgs;
use crate::error::{Error, Result};
use crate::output::dirset::DirSet;
use crate::output::Destination;
use crate::printer;
use crate::settings::Settings;
use crate::state_file::{Stamp, State};

/// The types `export all` attempts: `--types`, or every type but those that only run when named
/// (`--types all,deal-flow` is those and deal-flow).
pub(super) fn chosen(args: &ExportArgs) -> Result<Vec<&'static Resource>> {
    let defaults = || RESOURCES.iter().filter(|r| r.only_when_named.is_none());
    if args.types.is_empty() {
        return Ok(defaults().collect());
    }
    let mut out = Vec::new();
    if args.types.iter().any(|t| t.trim() == resources::ALL) {
        out.extend(defaults());
    }
    for name in args.types.iter().filter(|t| t.trim() != resources::ALL) {
        let r = resources::resource(name.trim()).ok_or_else(|| {
            Error::Usage(format!(
                "--types: unknown type '{name}'; valid types: {}",
                resources::names().collect::<Vec<_>>().join(", ")
            ))
        })?;
        if !out.iter().any(|o: &&Resource| o.name == r.name) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Types left out of a run, each with the reason.
pub(super) type LeftOut = Vec<(&'static str, String)>;

/// The types of `chosen` the token may export, and why each other one is left out; a type asked
/// for by name (`named`) that the token may not read is an error instead.
pub(super) fn readable(
    session: &Session,
    chosen: &[&'static Resource],
    named: bool,
) -> Result<(Vec<&'static Resource>, LeftOut)> {
    let mut todo = Vec::new();
    let mut left_out = Vec::new();
    for &r in chosen {
        match scope_gap(session, r) {
            Some(_) if named => {
                session.require(r.scopes, &format!("exporting {}", r.name))?;
                if let Some(p) = r.parent() {
                    session.require(p.scopes, &format!("exporting {}", r.name))?;
                }
                todo.push(r);
            }
            Some(why) => left_out.push((r.name, why)),
            None => todo.push(r),
        }
    }
    Ok((todo, left_out))
}

/// Why a type was left out, or `None` if the token may export it.
fn scope_gap(session: &Session, r: &Resource) -> Option<String> {
    let mut needs = vec![r];
    needs.extend(r.parent());
    needs
        .into_iter()
        .find(|n| !n.scopes.iter().any(|s| session.has_scope(s)))
        .map(|n| format!("the token has none of the scopes {}", n.scopes.join(", ")))
}

/// A type's export as it ended: its staged file and its count and stamp, or the error.
type Outcome = (&'static Resource, Destination, Result<(u64, Stamp)>);

/// A type exported completely into its staged file, with its count and stamp.
type Exported = (&'static Resource, Destination, u64, Stamp);

/// What every step of one `export all` into a directory shares.
struct DirRun<'r, 'p> {
    settings: &'r Settings,
    plan: &'r Plan<'p>,
    set: DirSet,
    /// The file extension of the run's format.
    ext: &'static str,
    /// Whether `--types` named the types (then a type the API refuses is an error, not a skip).
    named: bool,
    started: chrono::DateTime<chrono::Utc>,
}

pub(super) async fn run(
    settings: &Settings,
    plan: &Plan<'_>,
    dir: &Path,
    chosen: &[&'static Resource],
) -> Result<()> {
    let args = plan.args;
    let named = !args.types.is_empty();
    let run = DirRun {
        settings,
        plan,
        set: DirSet::create(dir)?,
        ext: match args.format {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        },
        named,
        started: chrono::Utc::now(),
    };
    // Types that run only when named are skipped otherwise, with their reason.
    let mut skipped: BTreeMap<&str, String> = RESOURCES
        .iter()
        .filter(|_| !named)
        .filter_map(|r| Some((r.name, r.only_when_named?.to_string())))
        .collect();
    let mut state = match &args.state {
        Some(path) => Some(State::load(path)?),
        None => None,
    };
    Session::run(settings, async |session| -> Result<()> {
        let (todo, left_out) = readable(session, chosen, named)?;
        skipped.extend(left_out);
        note_unfiltered(plan, &todo);
        let outcomes = run.export(session, state.as_ref(), todo).await?;
        let done = run.sort(outcomes, &mut skipped)?;
        let when = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let fresh = run.commit(done, &when, state.as_mut())?;
        // One run commits into a directory at a time, so the files of the last one are known.
        let _lock = run.set.lock()?;
        let mut files = previous_files(run.set.dir());
        files.extend(fresh);
        let manifest = run.manifest(session, &when, &files, &skipped, state.as_ref());
        write_manifest(&run.set.staged("manifest.json"), &manifest)?;
        run.set.publish()?;
        // After the swap: a state file inside the directory is saved into the new one, and a kill
        // before this line only makes the next run export a little more again.
        if let (Some(state), Some(path)) = (state.as_ref(), &args.state) {
            state.save(path)?;
        }
        if printer::summary() {
            printer::info(&format!(
                "exported {} types to {} ({} API requests, {} tokens)",
                manifest["types"].as_object().map_or(0, |t| t.len()),
                dir.display(),
                manifest["requests"],
                manifest["tokens"]
            ));
        }
        for (name, why) in &skipped {
            printer::info(&format!("skipped {name}: {why}"));
        }
        Ok(())
    })
    .await
}

impl DirRun<'_, '_> {
    /// Exports the types a few at a time, each into its staged file. The first failure that is
    /// not a skip ends the run at once: the types still running are dropped (their requests
    /// cancelled) instead of keeping a failed run alive.
    async fn export(
        &self,
        session: &Session,
        state: Option<&State>,
        todo: Vec<&'static Resource>,
    ) -> Result<Vec<Outcome>> {
        let (plan, named) = (self.plan, self.named);
        // Every destination first, so an unwritable directory fails before any request.
        let mut jobs = Vec::new();
        for r in todo {
            let path = self.set.staged(&format!("{}.{}", r.name, self.ext));
            jobs.push((r, Destination::open(Some(&path))?));
        }
        let account = &self.settings.account;
        let mut running = stream::iter(jobs)
            .map(|(r, dest)| async move {
                let since = since_for(plan, state, account, r);
                let outcome = export_one(session, plan, r, Target::File(&dest), since).await;
                (r, dest, outcome)
            })
            .buffer_unordered(plan.args.concurrency.clamp(1, 4) as usize);
        let mut outcomes = Vec::new();
        while let Some(done) = running.next().await {
            let fatal = match &done.2 {
                Err(Error::Scope(_) | Error::NotFound(_)) => named,
                Err(_) => true,
                Ok(_) => false,
            };
            outcomes.push(done);
            if fatal {
                break;
            }
        }
        Ok(outcomes)
    }

    /// The types exported, with the ones the API refused added to `skipped`; any other failure
    /// ends the run.
    fn sort(
        &self,
        outcomes: Vec<Outcome>,
        skipped: &mut BTreeMap<&str, String>,
    ) -> Result<Vec<Exported>> {
        let mut done = Vec::new();
        for (r, dest, outcome) in outcomes {
            match outcome {
                Ok((records, stamp)) => done.push((r, dest, records, stamp)),
                // The API refused a type the token's scopes seemed to allow (a plan without
                // the feature, a user without the permission): not this account's data.
                Err(Error::Scope(why)) if !self.named => {
                    skipped.insert(r.name, why);
                }
                // A list this company's plan or region does not have.
                Err(Error::NotFound(what)) if !self.named => {
                    skipped.insert(r.name, format!("the API has no such list here ({what})"));
                }
                // Dropping the destinations removes every temporary file: the directory stays
                // as the last successful run left it.
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// Commits each exported file inside the stage and advances the state; returns the
    /// manifest entries of the files, by file name.
    fn commit(
        &self,
        done: Vec<Exported>,
        when: &str,
        mut state: Option<&mut State>,
    ) -> Result<Vec<(String, Value)>> {
        let mut fresh = Vec::new();
        for (r, dest, records, stamp) in done {
            // Synced inside the stage: nothing is current yet.
            dest.commit()?;
            let file = format!("{}.{}", r.name, self.ext);
            fresh.push((
                file.clone(),
                json!({"type": r.name, "file": file, "format": self.ext, "records": records,
                       "when": when, "endpoint": r.path,
                       "api_version": if r.is_v1() { "v1" } else { "v2" }}),
            ));
            if let Some(state) = state.as_deref_mut() {
                state.advance(&self.settings.account, r.name, stamp);
            }
        }
        Ok(fresh)
    }

    /// `manifest.json`: the files beside it, the newest of each type, what was skipped and why,
    /// and what the run spent.
    fn manifest(
        &self,
        session: &Session,
        when: &str,
        files: &BTreeMap<String, Value>,
        skipped: &BTreeMap<&str, String>,
        state: Option<&State>,
    ) -> Value {
        // By type, the newest file of each (a directory can hold both formats).
        let mut types = serde_json::Map::new();
        for entry in files.values() {
            let name = entry["type"].as_str().unwrap_or_default().to_string();
            let newer = types
                .get(&name)
                .is_none_or(|old: &Value| old["when"].as_str() <= entry["when"].as_str());
            if newer {
                types.insert(name, entry.clone());
            }
        }
        let usage = session.client.usage();
        let account = &self.settings.account;
        json!({
            "tool": concat!("pipedrive-cli ", env!("CARGO_PKG_VERSION")),
            "account": account,
            "api_domain": session.client.base(),
            "format": self.ext,
            "started_at": self.started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "finished_at": when,
            "updated_since": self.plan.updated_since,
            "files": files.values().collect::<Vec<_>>(),
            "types": types,
            "skipped": skipped,
            "state": state.map(|s| s.for_account(account)),
            // What the run spent of the company's daily API budget (each operation's
            // x-token-cost, or the answer's own figure).
            "requests": usage.requests,
            "tokens": usage.tokens,
        })
    }
}

/// The entries of the last manifest whose files are still in the directory, by file name.
fn previous_files(dir: &Path) -> BTreeMap<String, Value> {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        return BTreeMap::new();
    };
    let Ok(old) = serde_json::from_str::<Value>(&text) else {
        return BTreeMap::new();
    };
    // Manifests of earlier versions listed files only under `types`.
    let entries: Vec<Value> = match old["files"].as_array() {
        Some(files) => files.clone(),
        None => old["types"]
            .as_object()
            .map(|types| {
                types
                    .iter()
                    .filter(|(_, e)| e["file"].is_string())
                    .map(|(name, e)| {
                        let mut e = e.clone();
                        e["type"] = Value::from(name.as_str());
                        e["when"] = old["finished_at"].clone();
                        e
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    entries
        .into_iter()
        .filter_map(|e| {
            let file = e["file"].as_str()?.to_string();
            // Only plain names of ours: a manifest is not a way to point outside the directory.
            let plain = !file.contains('/') && !file.contains('\\') && !file.starts_with('.');
            (plain && dir.join(&file).is_file()).then_some((file, e))
        })
        .collect()
}

fn write_manifest(path: &Path, manifest: &Value) -> Result<()> {
    let dest = Destination::open(Some(path))?;
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
