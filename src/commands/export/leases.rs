//! Leases in MongoDB: how machines that share nothing but the token database split a round of
//! `export all --every-account` so each account is exported by one of them.
//!
//! One document per (round, account, owner) in `pipedrive_leases`, beside the token collection.
//! A claim is one atomic operation: the insert of a new lease (a second insert collides on the
//! unique `_id`), or, for a lease whose holder stopped renewing, a `findOneAndUpdate` that
//! matches only while it is still expired. (One upsert would do both on MongoDB, but an upsert
//! racing an upsert is where MongoDB-protocol servers differ; two plain operations do not.) The holder renews its lease while it works
//! and marks it done (with the result) at the end, so the round does not export the account
//! again; a holder that dies stops renewing and its lease expires for another machine to take.
//!
//! A process stopped by Ctrl-C or SIGTERM hands its running leases back on the way out (they
//! expire at once, still not done), so another machine takes those accounts without waiting for
//! the two minutes; the claims and results it has in flight are finished first (see
//! [`HandBack`]).
//!
//! Expiry compares wall clocks of different machines: keep them in sync (NTP); the two minutes
//! leave room for seconds of drift.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mongodb::bson::{doc, DateTime, Document};
use mongodb::options::ReturnDocument;
use mongodb::Collection;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::mongo_uri::describe;
use crate::printer;

const COLLECTION: &str = "pipedrive_leases";
/// A lease lapses this long after its holder last renewed it.
const TTL: Duration = Duration::from_secs(120);
/// Bound on one lease operation, for a server that accepts connections but does not answer.
const OP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the round's lease document says about one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// A lease whose holder stopped renewing: free to take over.
    Lapsed,
    /// A live lease of another holder (or of this process).
    Held,
    /// Exported (or failed) in this round already.
    Done,
}

#[derive(Clone)]
pub(crate) struct Leases {
    coll: Collection<Document>,
    round: String,
    holder: String,
    /// The lease lifetime in real time (short on the tests' clock).
    ttl: Duration,
    /// Claims and results in flight hold it shared; handing the leases back holds it alone, so
    /// it comes after them (a claim that lands after the hand-back would stay held for the whole
    /// lifetime; a result after it could find the account already taken over).
    steps: Arc<tokio::sync::RwLock<()>>,
    known: Arc<Mutex<Known>>,
}

/// The done leases this process has seen. Done is final, so a look at the round reads the
/// running leases and only those finished since the last look.
#[derive(Default)]
struct Known {
    done: HashSet<String>,
    /// The latest `done_at` seen (the server's clock, so no two machines' clocks are compared);
    /// `None` until a first look.
    since: Option<DateTime>,
}

impl Known {
    fn saw_done(&mut self, id: &str, at: Option<DateTime>) {
        self.done.insert(id.to_string());
        if let Some(at) = at {
            self.since = Some(self.since.map_or(at, |s| s.max(at)));
        }
    }

    /// Where the next look starts reading finished leases: [`FINISH_LAG`] before the latest
    /// seen, since a finish stamped earlier may become visible a moment later.
    fn read_from(&self) -> Option<DateTime> {
        let since = self.since?;
        Some(DateTime::from_millis(
            since.timestamp_millis() - FINISH_LAG.as_millis() as i64,
        ))
    }
}

/// Far more than a write takes to become visible after the server stamped it, and short
/// enough that a look reads few finished leases twice.
const FINISH_LAG: Duration = Duration::from_secs(1);

/// Milliseconds since the epoch by this machine's clock.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The lease's `_id`: the three names as a JSON array, so no name can run into the next.
pub(crate) fn lease_id(round: &str, account: &str, owner: &str) -> String {
    serde_json::json!([round, account, owner]).to_string()
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Store {
        store: "mongo",
        reason: format!("{what} in '{COLLECTION}' failed: {e}"),
    }
}

async fn bounded<T>(
    what: &str,
    call: impl std::future::Future<Output = mongodb::error::Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(OP_TIMEOUT, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(unavailable(what, describe(&e))),
        Err(_) => Err(unavailable(
            what,
            format!("no answer within {}s", OP_TIMEOUT.as_secs()),
        )),
    }
}

impl Leases {
    pub(crate) fn new(db: &mongodb::Database, round: &str, holder: &str, clock: Clock) -> Leases {
        Leases {
            coll: db.collection(COLLECTION),
            round: round.to_string(),
            holder: holder.to_string(),
            ttl: clock.real(TTL).max(Duration::from_millis(200)),
            steps: Default::default(),
            known: Default::default(),
        }
    }

    /// The indexes the looks at a round use: without them each look reads every lease of every
    /// round ever run (one per account and hour). `createIndexes` of an existing index changes
    /// nothing, so every process may ask; one that may not create indexes goes on without.
    pub(crate) async fn ensure_index(&self) {
        let models = [
            doc! { "round": 1, "account_id": 1, "owner": 1 },
            doc! { "round": 1, "state": 1, "done_at": 1 },
        ]
        .map(|keys| mongodb::IndexModel::builder().keys(keys).build());
        if let Err(e) = bounded("creating the round's indexes", async {
            self.coll.create_indexes(models).await
        })
        .await
        {
            printer::warn(&format!(
                "{e}; each look at the round reads every lease instead"
            ));
        }
    }

    pub(crate) fn round_id(&self) -> &str {
        &self.round
    }

    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Every lease of the round, by `_id`. The first look reads them all; later ones read the
    /// running leases and those finished since the last look, and take the rest from what
    /// earlier looks saw done: a round of N accounts costs each process about N done leases in
    /// all, not N per claim. (Two queries, each on an index prefix, not one `$or`: servers
    /// differ on whether an `$or` uses indexes.)
    pub(crate) async fn round(&self) -> Result<HashMap<String, Seen>> {
        let read_from = self.known.lock().unwrap().read_from();
        let docs = match read_from {
            None => self.read(doc! { "round": &self.round }).await?,
            Some(from) => {
                let mut docs = self
                    .read(doc! { "round": &self.round, "state": "running" })
                    .await?;
                // (No `$nin` of the ones already known: some servers then scan every lease.)
                docs.extend(
                    self.read(doc! {
                        "round": &self.round, "state": "done", "done_at": { "$gte": from },
                    })
                    .await?,
                );
                docs
            }
        };
        let now = now_ms();
        let mut known = self.known.lock().unwrap();
        let mut seen = HashMap::new();
        for d in docs {
            let Ok(id) = d.get_str("_id") else { continue };
            if d.get_str("state") == Ok("done") {
                known.saw_done(id, d.get_datetime("done_at").ok().copied());
                continue;
            }
            let lease = if expires(&d) < now {
                Seen::Lapsed
            } else {
                Seen::Held
            };
            seen.insert(id.to_string(), lease);
        }
        seen.extend(known.done.iter().map(|id| (id.clone(), Seen::Done)));
        Ok(seen)
    }

    /// The leases `filter` matches, with only what a look needs: looks run before every claim.
    async fn read(&self, filter: Document) -> Result<Vec<Document>> {
        use futures_util::TryStreamExt;
        bounded("reading the round's leases", async {
            self.coll
                .find(filter)
                .projection(doc! { "state": 1, "expires_at": 1, "done_at": 1 })
                .await?
                .try_collect()
                .await
        })
        .await
    }

    /// Claims the lease of (account, owner) in one atomic operation; `false` when another
    /// holder's lease is live or the account is done in this round. A first claim inserts the
    /// lease (the unique `_id` lets one insert win); a takeover (`lapsed`: the round showed a
    /// lease whose holder stopped renewing) is one `findOneAndUpdate` that matches only while
    /// the lease is still running and expired, so two machines cannot both take it over.
    ///
    /// Runs to its end even when a signal cancels the command, so a claim the server applied is
    /// known here and handed back.
    pub(crate) async fn claim(&self, account: &str, owner: &str, lapsed: bool) -> Result<bool> {
        let (this, account, owner) = (self.clone(), account.to_string(), owner.to_string());
        crate::shield::shielded(async move {
            let _step = this.steps.clone().read_owned().await;
            this.claim_now(&account, &owner, lapsed).await
        })
        .await
    }

    async fn claim_now(&self, account: &str, owner: &str, lapsed: bool) -> Result<bool> {
        let now = now_ms();
        let id = lease_id(&self.round, account, owner);
        let expires = now + self.ttl.as_millis() as i64;
        if !lapsed {
            let lease = doc! {
                "_id": &id, "round": &self.round, "account_id": account, "owner": owner,
                "state": "running", "holder": &self.holder, "expires_at": expires,
                "claimed_at": now, "claims": 1, "claimed_by": [&self.holder],
            };
            let inserted =
                tokio::time::timeout(OP_TIMEOUT, async { self.coll.insert_one(lease).await }).await;
            return match inserted {
                Ok(Ok(_)) => Ok(true),
                // Another holder inserted it after the look, or finished it without `done_at`
                // (an older version): looks read running leases anyway, but a done one only here.
                Ok(Err(e)) if crate::store::mongo::is_duplicate_key(&e) => {
                    let lease = bounded("reading a lease", async {
                        self.coll
                            .find_one(doc! { "_id": &id, "state": "done" })
                            .projection(doc! { "_id": 1 })
                            .await
                    })
                    .await?;
                    if lease.is_some() {
                        self.known.lock().unwrap().saw_done(&id, None);
                    }
                    Ok(false)
                }
                Ok(Err(e)) => Err(unavailable("claiming a lease", describe(&e))),
                Err(_) => Err(unavailable("claiming a lease", "no answer within 30s")),
            };
        }
        let filter = doc! { "_id": &id, "state": "running", "expires_at": { "$lt": now } };
        let update = doc! {
            "$set": { "holder": &self.holder, "expires_at": expires, "claimed_at": now },
            "$inc": { "claims": 1 },
            // Who held it, in order: an operator (and the tests) can see a takeover.
            "$push": { "claimed_by": &self.holder },
        };
        let after = bounded("taking over a lapsed lease", async {
            self.coll
                .find_one_and_update(filter, update)
                .return_document(ReturnDocument::After)
                .await
        })
        .await?;
        Ok(after.is_some_and(|d| d.get_str("holder") == Ok(self.holder.as_str())))
    }

    /// Pushes the expiry of our lease back; `false` when it is no longer ours (it lapsed and
    /// another holder took it).
    pub(crate) async fn renew(&self, account: &str, owner: &str) -> Result<bool> {
        let id = lease_id(&self.round, account, owner);
        let expires = now_ms() + self.ttl.as_millis() as i64;
        let done = bounded("renewing a lease", async {
            self.coll
                .update_one(
                    doc! { "_id": &id, "holder": &self.holder, "state": "running" },
                    doc! { "$set": { "expires_at": expires } },
                )
                .await
        })
        .await?;
        Ok(done.matched_count == 1)
    }

    /// Marks the account done in this round with its result; `false` when the lease was lost
    /// meanwhile (the other holder's result stands). Runs to its end even when a signal cancels
    /// the command: an account whose export ended is not exported again by another machine.
    pub(crate) async fn finish(
        &self,
        account: &str,
        owner: &str,
        result: &Document,
    ) -> Result<bool> {
        let (this, account, owner) = (self.clone(), account.to_string(), owner.to_string());
        let result = result.clone();
        crate::shield::shielded(async move {
            let _step = this.steps.clone().read_owned().await;
            this.finish_now(&account, &owner, &result).await
        })
        .await
    }

    async fn finish_now(&self, account: &str, owner: &str, result: &Document) -> Result<bool> {
        let id = lease_id(&self.round, account, owner);
        let mut set = result.clone();
        set.insert("state", "done");
        set.insert("finished_at", now_ms());
        let done = bounded("finishing a lease", async {
            self.coll
                .update_one(
                    doc! { "_id": &id, "holder": &self.holder, "state": "running" },
                    // `done_at` by the server's clock: what later looks read from.
                    doc! { "$set": set, "$currentDate": { "done_at": true } },
                )
                .await
        })
        .await?;
        Ok(done.matched_count == 1)
    }

    /// Lets every lease this process still holds in the round expire now, not done, so any
    /// machine takes those accounts over at its next look instead of two minutes later; after
    /// the claims and results in flight. Returns how many it handed back.
    async fn hand_back(&self) -> Result<u64> {
        let _alone = self.steps.write().await;
        let done = bounded("handing leases back", async {
            self.coll
                .update_many(
                    doc! { "round": &self.round, "holder": &self.holder, "state": "running" },
                    doc! { "$set": { "expires_at": 0_i64, "handed_back_at": now_ms() } },
                )
                .await
        })
        .await?;
        Ok(done.modified_count)
    }

    /// The done leases of the round: what every machine did, for `accounts.json`.
    pub(crate) async fn results(&self) -> Result<Vec<Document>> {
        use futures_util::TryStreamExt;
        bounded("reading the round's results", async {
            self.coll
                .find(doc! { "round": &self.round, "state": "done" })
                .sort(doc! { "account_id": 1, "owner": 1 })
                .await?
                .try_collect()
                .await
        })
        .await
    }
}

/// Hands this process's leases back to the round ([`Leases::hand_back`]) when the run ends,
/// however it ends: [`HandBack::now`] at a normal end, or, when a signal (or an error) drops the
/// run, from `Drop`, as a shielded task the process waits for before it exits.
pub(crate) struct HandBack(Option<Leases>);

impl HandBack {
    pub(crate) fn new(leases: &Leases) -> HandBack {
        HandBack(Some(leases.clone()))
    }

    pub(crate) async fn now(mut self) -> Result<u64> {
        match self.0.take() {
            Some(leases) => leases.hand_back().await,
            None => Ok(0),
        }
    }
}

impl Drop for HandBack {
    fn drop(&mut self) {
        let Some(leases) = self.0.take() else { return };
        crate::shield::spawn(async move {
            match leases.hand_back().await {
                Ok(0) => {}
                Ok(n) => printer::info(&format!(
                    "handed {n} unfinished account(s) back to round {}",
                    leases.round
                )),
                Err(e) => printer::warn(&format!(
                    "{e}; this process's accounts are taken over when their leases expire"
                )),
            }
        });
    }
}

/// `expires_at` as the server stored it (any integer type).
fn expires(d: &Document) -> i64 {
    d.get_i64("expires_at")
        .or_else(|_| d.get_i32("expires_at").map(i64::from))
        .or_else(|_| d.get_f64("expires_at").map(|f| f as i64))
        .unwrap_or(0)
}
