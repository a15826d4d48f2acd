//! `export all --every-account`: every identity of the MongoDB token store, exported in turn
//! (a few at once), each into `--output-dir DIR/<account>/<owner>/` as `export all` writes one,
//! or synced into one MongoDB output (`--output mongodb://...`) as `export all` syncs one.
//!
//! Each account is a plain `export all` of its own: its own session (refresh), pacer and budget.
//! What this adds is the round: machines running the same command split the accounts through
//! leases (`leases.rs`), a failing account is reported and the others go on, and the run ends
//! with a line per account, `accounts.json`, and the exit code of the most serious failure.
//! See the README's "Every account, many machines".

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mongodb::bson::{doc, Document};
use rand::seq::IndexedRandom;
use serde_json::{json, Value};

use super::leases::{lease_id, HandBack, Leases, Seen};
use super::{all, sync, Plan};
use crate::api::resources::Resource;
use crate::choices::StoreKind;
use crate::error::{exit, Error, Result};
use crate::output::mongo::MongoOutput;
use crate::printer;
use crate::settings::Settings;
use crate::store::mongo::MongoStore;
use crate::store::Entry;
use crate::token::has_scope;

/// One identity's result in this process.
struct Outcome {
    account: String,
    owner: String,
    code: i32,
    /// `ok`, or the reason it failed.
    result: String,
    records: u64,
    tokens: u64,
    /// Where its records went: its directory, or the MongoDB output.
    place: String,
}

/// Where every account's records go.
#[derive(Clone, Copy)]
pub(super) enum Sink<'a> {
    /// `DIR/<account>/<owner>/`, one `export all` directory each, and `DIR/accounts.json`.
    Dir(&'a Path),
    /// One MongoDB output that every account is synced into (the records carry their account).
    Mongo(&'a MongoOutput),
}

pub(super) async fn run(
    settings: &Settings,
    plan: &Plan<'_>,
    sink: Sink<'_>,
    chosen: &[&'static Resource],
) -> Result<()> {
    check(settings, plan)?;
    let round = plan
        .args
        .round
        .clone()
        .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H").to_string());
    if round.trim().is_empty() {
        return Err(Error::Usage(
            "--round must not be empty (it names the round, such as 2026-12-06T03)".into(),
        ));
    }
    let mut mongo = settings.clone();
    mongo.store = StoreKind::Mongo;
    let store = MongoStore::open(&mongo).await?;
    // Each account's session opens the store again: they all share this client.
    if let Some(uri) = &mongo.mongo_uri {
        store.share(uri);
    }
    let result = every(&mongo, plan, sink, chosen, &store, &round).await;
    store.close().await;
    result
}

/// Flags that do not go with `--every-account`.
fn check(settings: &Settings, plan: &Plan) -> Result<()> {
    let mongo = matches!(settings.store, StoreKind::Mongo)
        || (settings.store == StoreKind::Auto && settings.mongo_uri.is_some());
    if !mongo || settings.mongo_uri.is_none() {
        return Err(Error::Usage(
            "--every-account exports the identities of the MongoDB token store: set \
             PIPEDRIVE_MONGO_URI (and --store mongo or auto)"
                .into(),
        ));
    }
    if settings.api_token.is_some() {
        return Err(Error::Usage(
            "--every-account uses the stored OAuth tokens; unset PIPEDRIVE_API_TOKEN".into(),
        ));
    }
    if plan.args.state.is_some() {
        return Err(Error::Usage(
            "--state is one account's incremental mark; it does not go with --every-account".into(),
        ));
    }
    Ok(())
}

async fn every(
    settings: &Settings,
    plan: &Plan<'_>,
    sink: Sink<'_>,
    chosen: &[&'static Resource],
    store: &MongoStore,
    round: &str,
) -> Result<()> {
    let identities: Vec<(String, String)> = store
        .inspect_all()
        .await?
        .into_iter()
        .map(|(a, o, _)| (a, o))
        .collect();
    if let Sink::Dir(dir) = sink {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Other(format!("cannot create {}: {e}", dir.display())))?;
    }
    let holder = holder();
    let leases = Leases::new(&store.database(), round, &holder, settings.http.clock);
    // A signal (or an error) that drops the run hands back what this process holds.
    let hand_back = HandBack::new(&leases);
    leases.ensure_index().await;
    printer::info(&format!(
        "round {round}: {} identities in the token store; this process is {holder}",
        identities.len()
    ));
    let outcomes = Mutex::new(Vec::new());
    // What this process works on: a lease of ours that lapsed while a renewal was late must not
    // look free to another of our own workers.
    let mine = Mutex::new(std::collections::HashSet::new());
    let workers = (0..plan.args.accounts_concurrency.max(1)).map(|_| async {
        while let Some((account, owner)) = next(&leases, &identities, &mine).await? {
            let outcome = one(
                settings, plan, sink, chosen, store, &leases, &account, &owner,
            )
            .await;
            mine.lock().unwrap().remove(&(account, owner));
            outcomes.lock().unwrap().extend(outcome);
        }
        Ok::<(), Error>(())
    });
    let ended = futures_util::future::join_all(workers).await;
    // Nothing is held after a normal end, unless a claim landed whose answer was lost.
    if let Err(e) = hand_back.now().await {
        printer::warn(&format!("{e}"));
    }
    let mut outcomes = outcomes.into_inner().unwrap();
    outcomes.sort_by(|a, b| (&a.account, &a.owner).cmp(&(&b.account, &b.owner)));
    report(&outcomes, &leases, sink).await?;
    // A lease store that failed mid-round stops the run after the accounts in hand are done.
    ended.into_iter().collect::<Result<Vec<()>>>()?;
    let worst = outcomes
        .iter()
        .map(|o| o.code)
        .max_by_key(|c| severity(*c))
        .unwrap_or(exit::OK);
    match worst {
        exit::OK => Ok(()),
        code => {
            let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.code != exit::OK).collect();
            // The end of a long log names them, so nobody scrolls through a round to find them.
            let mut named: Vec<String> = failed
                .iter()
                .take(FAILED_NAMED)
                .map(|o| {
                    format!(
                        "'{}' (exit {})",
                        crate::terminal_text::short(&o.account),
                        o.code
                    )
                })
                .collect();
            if failed.len() > FAILED_NAMED {
                named.push(format!("{} more", failed.len() - FAILED_NAMED));
            }
            Err(by_code(
                code,
                format!(
                    "{} of the {} accounts this process exported failed: {} (see above and \
                     accounts.json)",
                    failed.len(),
                    outcomes.len(),
                    named.join(", ")
                ),
            ))
        }
    }
}

/// How many failed accounts the closing error names.
const FAILED_NAMED: usize = 10;

/// This process among the machines: host, process id and a random part (a restarted container
/// may reuse both).
fn holder() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The next identity this process holds the lease of, or `None` when every identity of the round
/// is done. While the only ones left are held by others, waits: a holder that dies stops renewing
/// and its accounts come free when their leases lapse.
async fn next(
    leases: &Leases,
    identities: &[(String, String)],
    mine: &Mutex<std::collections::HashSet<(String, String)>>,
) -> Result<Option<(String, String)>> {
    // Often enough that a process whose last accounts others hold sees the round end soon
    // after it does (a bench round of seconds), seldom enough to cost the server little.
    let poll = (leases.ttl() / 8).min(Duration::from_secs(2));
    loop {
        let seen = leases.round().await?;
        // `None`: no lease yet.
        let state = |(a, o): &(String, String)| seen.get(&lease_id_of(leases, a, o)).cloned();
        let pending: Vec<&(String, String)> = identities
            .iter()
            .filter(|i| state(i) != Some(Seen::Done))
            .collect();
        if pending.is_empty() {
            return Ok(None);
        }
        let free: Vec<&&(String, String)> = {
            let mine = mine.lock().unwrap();
            pending
                .iter()
                .filter(|i| state(i) != Some(Seen::Held) && !mine.contains(**i))
                .collect()
        };
        // Lapsed leases first (accounts a machine handed back or left behind: the round waits
        // for them), then a random free one: machines starting together rarely reach for the
        // same account.
        let lapsed: Vec<&&(String, String)> = free
            .iter()
            .copied()
            .filter(|i| state(i) == Some(Seen::Lapsed))
            .collect();
        let pick = if lapsed.is_empty() { &free } else { &lapsed }
            .choose(&mut rand::rng())
            .map(|i| ((**i).clone(), state(i) == Some(Seen::Lapsed)));
        match pick {
            Some(((a, o), lapsed)) => {
                if !mine.lock().unwrap().insert((a.clone(), o.clone())) {
                    continue; // another of our workers reached for it meanwhile
                }
                if leases.claim(&a, &o, lapsed).await? {
                    return Ok(Some((a, o)));
                }
                mine.lock().unwrap().remove(&(a, o));
            }
            None => tokio::time::sleep(poll).await,
        }
    }
}

fn lease_id_of(leases: &Leases, account: &str, owner: &str) -> String {
    lease_id(leases.round_id(), account, owner)
}

/// Exports one identity under its lease, renewing it meanwhile, and records the result in it;
/// `None` when the lease could not be kept and the account was handed back to the round.
#[allow(clippy::too_many_arguments)]
async fn one(
    settings: &Settings,
    plan: &Plan<'_>,
    sink: Sink<'_>,
    chosen: &[&'static Resource],
    store: &MongoStore,
    leases: &Leases,
    account: &str,
    owner: &str,
) -> Option<Outcome> {
    let place = match sink {
        Sink::Dir(dir) => Place::Dir(dir.join(safe_name(account)).join(safe_name(owner))),
        Sink::Mongo(db) => Place::Mongo(db),
    };
    let work = export_account(settings, plan, &place, chosen, store, account, owner);
    let result = tokio::select! {
        r = work => r,
        lost = keep(leases, account, owner) => {
            // Not this account's failure: the lease lapses (or has lapsed) and whoever takes it
            // over, this process included, exports the account in this round.
            printer::warn(&format!("account '{}', owner '{}': {}; handed over",
                crate::terminal_text::short(account), crate::terminal_text::short(owner), lost));
            return None;
        }
    };
    let (code, text, records, tokens) = match &result {
        Ok((records, tokens)) => (exit::OK, "ok".to_string(), *records, *tokens),
        Err(e) => (e.exit_code(), e.to_string(), 0, 0),
    };
    let outcome = Outcome {
        account: account.to_string(),
        owner: owner.to_string(),
        code,
        result: text,
        records,
        tokens,
        place: match &place {
            Place::Dir(sub) => sub.display().to_string(),
            Place::Mongo(db) => db.location(),
        },
    };
    // Said before the lease is marked done: a signal that lands in between leaves the lease
    // running, so it is handed back, and an account marked done by this process was always
    // said by it.
    say(&outcome);
    let doc = doc! {
        "result": &outcome.result, "exit_code": code,
        "records": records as i64, "tokens": tokens as i64,
    };
    match leases.finish(account, owner, &doc).await {
        Ok(true) => {}
        Ok(false) => printer::warn(&format!(
            "the lease of account '{}', owner '{}' lapsed before its export ended; another \
             machine took it over",
            crate::terminal_text::short(account),
            crate::terminal_text::short(owner)
        )),
        Err(e) => printer::warn(&format!("{e}")),
    }
    Some(outcome)
}

/// Renews the lease every quarter of its lifetime; ends (with the reason) only when the lease is
/// lost, or could not be renewed for most of its lifetime, so the export stops before another
/// machine may take the account.
async fn keep(leases: &Leases, account: &str, owner: &str) -> Error {
    let mut renewed = Instant::now();
    loop {
        tokio::time::sleep(leases.ttl() / 4).await;
        match leases.renew(account, owner).await {
            Ok(true) => renewed = Instant::now(),
            Ok(false) => {
                return Error::Temporary(format!(
                    "lost the lease of account '{account}' to another machine; it exports the \
                     account in this round"
                ))
            }
            Err(e) if renewed.elapsed() > leases.ttl() * 3 / 4 => {
                return Error::Temporary(format!(
                    "stopped: the lease could not be renewed before it lapses ({e})"
                ))
            }
            Err(_) => {}
        }
    }
}

/// Where one account's records go.
enum Place<'a> {
    Dir(PathBuf),
    Mongo(&'a MongoOutput),
}

/// One account's `export all`, after the checks that need no API call: a damaged or invalidated
/// token, and a token whose scopes allow none of the types.
async fn export_account(
    settings: &Settings,
    plan: &Plan<'_>,
    place: &Place<'_>,
    chosen: &[&'static Resource],
    store: &MongoStore,
    account: &str,
    owner: &str,
) -> Result<(u64, u64)> {
    let mut one = settings.clone();
    one.account = account.to_string();
    one.owner = owner.to_string();
    let record = match store.inspect(account, owner).await? {
        Entry::Found(r) => *r,
        Entry::Missing => return Err(Error::not_logged_in(account, owner)),
        Entry::Damaged(why) => {
            return Err(Error::Store {
                store: "mongo",
                reason: format!(
                    "the document of account '{account}', owner '{owner}' is not a token \
                     record ({why}); `pipedrive login` replaces it"
                ),
            })
        }
    };
    crate::auth::session::usable(Some(record.clone()), &one)?;
    let scopes = record.token.scopes();
    let allowed = chosen
        .iter()
        .any(|r| r.scopes.iter().any(|s| has_scope(Some(&scopes), s)));
    if !allowed {
        return Err(Error::Scope(format!(
            "the token of account '{account}' has none of the scopes the types need; log in \
             again granting at least one of {}",
            chosen
                .iter()
                .flat_map(|r| r.scopes.iter().copied())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let plan = Plan {
        args: plan.args,
        updated_since: plan.updated_since.clone(),
        field_names: plan.field_names,
        include: plan.include.clone(),
        quiet: plan.quiet,
        archived: plan.archived,
        deleted: plan.deleted,
        // Each company's parents are its own: a fresh cache per account.
        parents: Default::default(),
    };
    match place {
        Place::Dir(sub) => {
            all::run(&one, &plan, sub, chosen).await?;
            Ok(manifest_totals(sub))
        }
        Place::Mongo(db) => {
            let report = sync::account(&one, &plan, db, chosen).await?;
            Ok((report.records(), report.tokens))
        }
    }
}

/// Records and tokens of the run that just wrote `sub/manifest.json` (its own files only: the
/// manifest also lists files earlier runs left).
fn manifest_totals(sub: &Path) -> (u64, u64) {
    let Ok(text) = std::fs::read_to_string(sub.join("manifest.json")) else {
        return (0, 0);
    };
    let Ok(m) = serde_json::from_str::<Value>(&text) else {
        return (0, 0);
    };
    let finished = m["finished_at"].as_str();
    let records = m["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter(|f| f["when"].as_str() == finished)
                .filter_map(|f| f["records"].as_u64())
                .sum()
        })
        .unwrap_or(0);
    (records, m["tokens"].as_u64().unwrap_or(0))
}

/// An account's line, as soon as its export ends: a long round's log shows its progress, and a
/// process stopped midway has said what it finished.
fn say(o: &Outcome) {
    use crate::terminal_text::short;
    if o.code == exit::OK {
        printer::info(&format!(
            "account '{}', owner '{}': ok, {} records, {} tokens, in {}",
            short(&o.account),
            short(&o.owner),
            o.records,
            o.tokens,
            o.place
        ));
    } else {
        printer::always(&format!(
            "account '{}', owner '{}': failed (exit {}): {}",
            short(&o.account),
            short(&o.owner),
            o.code,
            short(&o.result)
        ));
    }
}

/// `accounts.json` and the round's summary line: this process's results, and what the round's
/// leases say of the accounts other machines exported.
async fn report(outcomes: &[Outcome], leases: &Leases, sink: Sink<'_>) -> Result<()> {
    let mut rows: HashMap<(String, String), Value> = HashMap::new();
    for d in leases.results().await.unwrap_or_default() {
        let (Ok(a), Ok(o)) = (d.get_str("account_id"), d.get_str("owner")) else {
            continue;
        };
        rows.insert((a.into(), o.into()), from_lease(&d));
    }
    for o in outcomes {
        rows.insert(
            (o.account.clone(), o.owner.clone()),
            json!({"account": o.account, "owner": o.owner,
                   "result": if o.code == exit::OK { "ok" } else { "failed" },
                   "exit_code": o.code, "reason": (o.code != exit::OK).then_some(&o.result),
                   "records": o.records, "tokens": o.tokens,
                   "by": "this process", "into": o.place}),
        );
    }
    let mut rows: Vec<((String, String), Value)> = rows.into_iter().collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let rows: Vec<Value> = rows.into_iter().map(|(_, v)| v).collect();
    if printer::summary() {
        let others = rows.len().saturating_sub(outcomes.len());
        printer::info(&format!(
            "round {}: this process exported {} accounts, other machines {others}",
            leases.round_id(),
            outcomes.len()
        ));
    }
    // A MongoDB output keeps each account's result in its lease and its sync run document.
    let Sink::Dir(dir) = sink else {
        return Ok(());
    };
    let dest = crate::output::Destination::open(Some(&dir.join("accounts.json")))?;
    {
        use std::io::Write;
        let mut w = dest.writer()?;
        serde_json::to_writer_pretty(&mut w, &rows).map_err(Error::other)?;
        w.write_all(b"\n")
            .and_then(|_| w.flush())
            .map_err(|e| Error::output(e, "accounts.json"))?;
    }
    dest.commit()
}

/// A row of `accounts.json` for an account another process exported.
fn from_lease(d: &Document) -> Value {
    let int = |k: &str| {
        d.get_i64(k)
            .or_else(|_| d.get_i32(k).map(i64::from))
            .unwrap_or(0)
    };
    let code = int("exit_code");
    json!({
        "account": d.get_str("account_id").unwrap_or_default(),
        "owner": d.get_str("owner").unwrap_or_default(),
        "result": if code == 0 { "ok" } else { "failed" },
        "exit_code": code,
        "reason": (code != 0).then(|| d.get_str("result").unwrap_or_default()),
        "records": int("records"),
        "tokens": int("tokens"),
        "by": d.get_str("holder").unwrap_or_default(),
    })
}

/// Which failure decides the exit code when accounts fail differently: what needs a person (a
/// broken store, a login, a consent) before what goes away by itself (a budget, a network).
fn severity(code: i32) -> u8 {
    match code {
        exit::OK => 0,
        exit::TEMPORARY => 1,
        exit::FAILURE => 2,
        exit::NOT_FOUND => 3,
        exit::SCOPE => 4,
        exit::AUTH => 5,
        exit::STORE => 6,
        _ => 7,
    }
}

fn by_code(code: i32, msg: String) -> Error {
    match code {
        exit::AUTH => Error::Auth(msg),
        exit::SCOPE => Error::Scope(msg),
        exit::STORE => Error::Store {
            store: "mongo",
            reason: msg,
        },
        exit::TEMPORARY => Error::Temporary(msg),
        exit::NOT_FOUND => Error::NotFound(msg),
        exit::INTERRUPTED => Error::Interrupted,
        exit::TERMINATED => Error::Terminated,
        exit::USAGE => Error::Usage(msg),
        _ => Error::Other(msg),
    }
}

/// A directory name for an account or owner: the name itself when it is plain and short,
/// otherwise a readable prefix and a hash of the exact name (any length or script fits, and two
/// names never share a directory).
fn safe_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if plain {
        return name.to_string();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let readable: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(24)
        .collect();
    format!("{readable}~{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_distinct_directory_names() {
        assert_eq!(safe_name("acme-01"), "acme-01");
        assert_eq!(safe_name("ops@acme.com"), "ops@acme.com");
        for odd in ["..", "a/b", "", "Ünïcødé", &"x".repeat(300), "a\nb"] {
            let s = safe_name(odd);
            assert!(
                s.len() < 64 && !s.contains('/') && !s.starts_with('.'),
                "{s}"
            );
        }
        assert_ne!(safe_name("a/b"), safe_name("a\\b"));
    }

    #[test]
    fn the_most_serious_failure_decides() {
        let worst = [exit::OK, exit::TEMPORARY, exit::SCOPE, exit::AUTH]
            .into_iter()
            .max_by_key(|c| severity(*c));
        assert_eq!(worst, Some(exit::AUTH));
        assert!(severity(exit::STORE) > severity(exit::TEMPORARY));
    }
}
