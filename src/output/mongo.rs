//! `--output mongodb://...`: records upserted into a MongoDB collection instead of a file, with
//! the per-type high-water mark and a log of runs beside them (README "Sync into MongoDB").
//!
//! A record becomes one document keyed by `{account_id, owner, type, id}`; writing it again
//! changes nothing but `synced_at`, so a run cut short anywhere is repaired by the next one.
//! Records are sent in unordered `update` commands of up to [`BATCH`] upserts by one writer task,
//! while the pages are still being fetched: the sink waits only when a whole batch is queued
//! behind the one being written. The mark moves (in `pipedrive_sync_state`) only after every
//! write of the run was acknowledged, with `w: majority` where the deployment has a majority.

use std::sync::Arc;
use std::time::Duration;

use mongodb::bson::{doc, Bson, DateTime, Document, RawBson, RawDocument, RawDocumentBuf};
use mongodb::options::ClientOptions;
use mongodb::{Client, Database, IndexModel};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::http::retry::{Failure, RetryPolicy};
use crate::http::wait::WaitStatus;
use crate::mongo_uri::{apply_defaults, describe, scrub};
use crate::output::bson_json::Facts;
use crate::output::bson_write::{self as w, ARRAY, DOCUMENT};
use crate::output::jsonl::JsonlSink;
use crate::output::{Relabel, Sink};

/// The collection of records unless `--collection` names another.
pub(crate) const RECORDS: &str = "pipedrive_records";
/// One document per (account, owner, type): the mark the next incremental run starts from.
const STATE: &str = "pipedrive_sync_state";
/// One document per `export all` run.
const RUNS: &str = "pipedrive_sync_runs";
/// Upserts per `update` command.
const BATCH: usize = 1000;
/// Bytes after which a batch is sent with fewer upserts: a command is one document, at most
/// 16 MB, and a record may be large (a long note, many custom fields).
const BATCH_BYTES: usize = 8 << 20;
/// Bound on one command, for a server that accepts connections but does not answer.
const OP_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts of one batch: a primary stepping down or a dropped connection is retried with the
/// shared backoff (about half a minute in all), then the run stops with exit 7.
const ATTEMPTS: u32 = 6;

/// True when `--output` names a MongoDB server rather than a file.
pub(crate) fn is_uri(text: &str) -> bool {
    text.starts_with("mongodb://") || text.starts_with("mongodb+srv://")
}

/// A connected MongoDB output: the database, the records collection and how to write.
pub(crate) struct MongoOutput {
    client: Client,
    db: Database,
    records: String,
    /// `w: majority` on a replica set or sharded cluster; the server's default on a standalone
    /// (which has no majority to wait for).
    write_concern: Option<Document>,
    policy: RetryPolicy,
    /// Hosts and database, never the credentials: safe for messages.
    shown: String,
}

/// Whose record and of which type: the first three parts of every `_id`.
#[derive(Debug, Clone)]
pub(crate) struct Ident {
    pub(crate) account: String,
    pub(crate) owner: String,
    pub(crate) kind: &'static str,
}

impl Ident {
    fn filter(&self) -> Document {
        doc! { "account_id": &self.account, "owner": &self.owner, "type": self.kind }
    }

    fn state_id(&self) -> Document {
        doc! { "account_id": &self.account, "owner": &self.owner, "type": self.kind }
    }
}

fn unavailable(reason: impl Into<String>) -> Error {
    Error::Database(reason.into())
}

impl MongoOutput {
    /// Connects, proves the server answers and creates the indexes (a no-op once they exist), so
    /// an unreachable server fails with exit 7 before any API request is made.
    pub(crate) async fn connect(
        uri: &str,
        collection: &str,
        policy: RetryPolicy,
    ) -> Result<MongoOutput> {
        let mut options = match tokio::time::timeout(OP_TIMEOUT, ClientOptions::parse(uri)).await {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => {
                return Err(Error::Usage(format!(
                    "--output is not a valid MongoDB URI ({}); for example \
                     mongodb://host:27017/pipedrive",
                    scrub(&describe(&e), uri)
                )))
            }
            Err(_) => return Err(unavailable("resolving the --output URI took too long")),
        };
        let database = apply_defaults(&mut options);
        let hosts: Vec<String> = options.hosts.iter().map(|h| h.to_string()).collect();
        let shown = format!("MongoDB at {}, database '{database}'", hosts.join(","));
        let client = Client::with_options(options)
            .map_err(|e| unavailable(scrub(&format!("{shown}: {}", describe(&e)), uri)))?;
        let db = client.database(&database);
        let mut out = MongoOutput {
            client,
            db,
            records: collection.to_string(),
            write_concern: None,
            policy,
            shown,
        };
        let hello = out.command("reach", doc! { "hello": 1 }).await;
        let hello = match hello {
            Ok(h) => h,
            Err(e) => {
                out.close().await;
                return Err(match e {
                    Error::Database(m) => unavailable(scrub(&m, uri)),
                    other => other,
                });
            }
        };
        let replicated = hello.contains_key("setName") || hello.get_str("msg") == Ok("isdbgrid");
        if replicated {
            out.write_concern = Some(doc! { "w": "majority" });
        }
        out.ensure_indexes().await?;
        Ok(out)
    }

    pub(crate) fn location(&self) -> String {
        format!("{}, collection '{}'", self.shown, self.records)
    }

    pub(crate) async fn close(&self) {
        self.client.clone().shutdown().await;
    }

    /// Upserts look a record up by the parts of its key; the sweep after a full walk by type and
    /// `synced_at`; readers by type and Pipedrive id.
    async fn ensure_indexes(&self) -> Result<()> {
        let keys = [
            doc! { "_id.account_id": 1, "_id.owner": 1, "_id.type": 1, "_id.id": 1 },
            doc! { "account_id": 1, "owner": 1, "type": 1, "synced_at": 1 },
            doc! { "account_id": 1, "owner": 1, "type": 1, "pipedrive_id": 1 },
        ];
        let models: Vec<IndexModel> = keys
            .into_iter()
            .map(|k| IndexModel::builder().keys(k).build())
            .collect();
        let coll = self.db.collection::<Document>(&self.records);
        self.bounded("create the indexes on", coll.create_indexes(models))
            .await
            .map(drop)
    }

    /// One driver call within the time bound; an error reads "cannot {what} {server}: why" and
    /// names the server, not the URI.
    async fn bounded<T>(
        &self,
        what: &str,
        call: impl std::future::IntoFuture<Output = mongodb::error::Result<T>>,
    ) -> Result<T> {
        match tokio::time::timeout(OP_TIMEOUT, call.into_future()).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(unavailable(format!(
                "cannot {what} {}: {}; check that the server is up and the --output URI is \
                 right",
                self.shown,
                describe(&e)
            ))),
            Err(_) => Err(unavailable(format!(
                "cannot {what} {}: no answer within {}s",
                self.shown,
                OP_TIMEOUT.as_secs()
            ))),
        }
    }

    async fn command(&self, what: &str, cmd: Document) -> Result<Document> {
        self.bounded(what, self.db.run_command(cmd)).await
    }

    /// A sink for one type's records of this run; `started` is the run's `synced_at`.
    pub(crate) fn sink(
        &self,
        ident: Ident,
        relabel: Option<Arc<dyn Relabel>>,
        started: DateTime,
    ) -> MongoSink {
        let (tx, rx) = mpsc::channel(1);
        // `{w: "majority"}`: a document of one string always converts.
        let write_concern = self
            .write_concern
            .as_ref()
            .and_then(|wc| RawDocumentBuf::from_document(wc).ok());
        let writer = BatchWriter {
            db: self.db.clone(),
            policy: self.policy.clone().with_attempts(ATTEMPTS),
            shown: self.shown.clone(),
        };
        MongoSink {
            line: relabel.map(|r| JsonlSink::new(Vec::with_capacity(4096), String::new(), Some(r))),
            ident,
            started,
            batch: Batch::new(&self.records, write_concern),
            tx: Some(tx),
            task: Some(tokio::spawn(writer.run(rx))),
        }
    }

    /// The mark of `ident` (RFC 3339), if an earlier run left one.
    pub(crate) async fn mark(&self, ident: &Ident) -> Result<Option<String>> {
        let coll = self.db.collection::<Document>(STATE);
        let found = self
            .bounded(
                "read the sync state from",
                coll.find_one(doc! { "_id": ident.state_id() }),
            )
            .await?;
        Ok(found.and_then(|d| d.get_str("updated_since").ok().map(str::to_string)))
    }

    /// Saves the mark of `ident` (after every write of the run was acknowledged).
    pub(crate) async fn save_mark(
        &self,
        ident: &Ident,
        since: Option<&str>,
        records: u64,
    ) -> Result<()> {
        let mut set = ident.filter();
        set.insert("last_run", DateTime::now());
        set.insert("records", records as i64);
        if let Some(s) = since {
            set.insert("updated_since", s);
        }
        let cmd = self.upsert_command(
            STATE,
            doc! { "_id": ident.state_id() },
            doc! { "$set": set },
        );
        self.acknowledged("save the sync state", cmd)
            .await
            .map(drop)
    }

    /// After a complete walk of every record of `ident`'s type: the documents this run did not
    /// write are gone from Pipedrive. They are marked, never removed; returns how many.
    pub(crate) async fn mark_unseen_deleted(
        &self,
        ident: &Ident,
        started: DateTime,
    ) -> Result<u64> {
        let mut filter = ident.filter();
        filter.insert("deleted", doc! { "$ne": true });
        filter.insert("synced_at", doc! { "$ne": started });
        let mut cmd = doc! {
            "update": &self.records,
            "updates": [ {
                "q": filter,
                "u": { "$set": { "deleted": true, "deleted_at": started } },
                "multi": true,
            } ],
        };
        if let Some(wc) = &self.write_concern {
            cmd.insert("writeConcern", wc.clone());
        }
        self.acknowledged("mark the records gone from Pipedrive", cmd)
            .await
    }

    /// Records one `export all` run in `pipedrive_sync_runs`.
    pub(crate) async fn log_run(&self, run: Document) -> Result<()> {
        let coll = self.db.collection::<Document>(RUNS);
        self.bounded("record the run on", coll.insert_one(run))
            .await
            .map(drop)
    }

    fn upsert_command(&self, coll: &str, q: Document, u: Document) -> Document {
        let mut cmd = doc! {
            "update": coll,
            "updates": [ { "q": q, "u": u, "upsert": true } ],
        };
        if let Some(wc) = &self.write_concern {
            cmd.insert("writeConcern", wc.clone());
        }
        cmd
    }

    /// Runs a write command and checks the reply's write errors; returns `n`.
    async fn acknowledged(&self, what: &str, cmd: Document) -> Result<u64> {
        let raw = RawDocumentBuf::from_document(&cmd).map_err(Error::other)?;
        let writer = BatchWriter {
            db: self.db.clone(),
            policy: self.policy.clone().with_attempts(ATTEMPTS),
            shown: self.shown.clone(),
        };
        writer.send(what, raw).await
    }
}

/// The writer task's side: sends batches, retrying what a retry can fix.
struct BatchWriter {
    db: Database,
    policy: RetryPolicy,
    shown: String,
}

impl BatchWriter {
    /// Writes batches until the sink closes the channel; returns the upserts acknowledged.
    async fn run(self, mut rx: mpsc::Receiver<RawDocumentBuf>) -> Result<u64> {
        let mut written = 0;
        while let Some(cmd) = rx.recv().await {
            written += self.send("write the records", cmd).await?;
        }
        Ok(written)
    }

    /// One write command: a dropped connection, a stepped-down primary or a timeout is tried
    /// again (every statement is an idempotent upsert or `$set`); a refused write is final.
    async fn send(&self, what: &str, cmd: RawDocumentBuf) -> Result<u64> {
        let waiting = WaitStatus::default();
        let mut retry = self
            .policy
            .start(format!("{what} on {}", self.shown), &waiting);
        loop {
            let call = self.db.run_raw_command(cmd.clone());
            let why = match tokio::time::timeout(OP_TIMEOUT, call).await {
                Ok(Ok(reply)) => match check_reply(&reply) {
                    Ok(n) => return Ok(n),
                    Err(Reply::Refused(reason)) => {
                        return Err(unavailable(format!(
                            "{} refused the write ({what}): {reason}",
                            self.shown
                        )))
                    }
                    Err(Reply::Transient(reason)) => reason,
                },
                Ok(Err(e)) if transient(&e) => describe(&e),
                Ok(Err(e)) => {
                    return Err(unavailable(format!(
                        "{} refused the write ({what}): {}",
                        self.shown,
                        describe(&e)
                    )))
                }
                Err(_) => format!("no answer within {}s", OP_TIMEOUT.as_secs()),
            };
            let failure = Failure::Fault {
                why: why.clone(),
                asked: None,
            };
            if retry.after(failure).await.is_err() {
                return Err(unavailable(format!(
                    "cannot {what} on {}: {why}; check that the server is up and the --output \
                     URI is right (the sync state was not moved: the next run repeats this one)",
                    self.shown
                )));
            }
        }
    }
}

enum Reply {
    Refused(String),
    Transient(String),
}

/// Server errors that another attempt may not meet: elections, shutdowns, network hiccups.
const TRANSIENT_CODES: &[i32] = &[
    6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 64,
];

fn check_reply(reply: &Document) -> std::result::Result<u64, Reply> {
    let n = match reply.get("n") {
        Some(Bson::Int32(n)) => *n as u64,
        Some(Bson::Int64(n)) => *n as u64,
        Some(Bson::Double(n)) => *n as u64,
        _ => 0,
    };
    if let Ok(errors) = reply.get_array("writeErrors") {
        if let Some(Bson::Document(first)) = errors.first() {
            let code = first.get_i32("code").unwrap_or(0);
            let msg = first.get_str("errmsg").unwrap_or("no reason given");
            let text = format!("{msg} (code {code}; {} of the batch refused)", errors.len());
            return Err(if TRANSIENT_CODES.contains(&code) {
                Reply::Transient(text)
            } else {
                Reply::Refused(text)
            });
        }
    }
    if let Ok(wce) = reply.get_document("writeConcernError") {
        let msg = wce.get_str("errmsg").unwrap_or("write concern not met");
        return Err(Reply::Transient(format!("write concern: {msg}")));
    }
    Ok(n)
}

fn transient(e: &mongodb::error::Error) -> bool {
    use mongodb::error::ErrorKind;
    if e.contains_label("RetryableWriteError") {
        return true;
    }
    match e.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::Io(_) => true,
        ErrorKind::Command(c) => TRANSIENT_CODES.contains(&c.code),
        _ => false,
    }
}

/// One type's records on their way into the collection.
pub(crate) struct MongoSink {
    /// With `--field-names`: writes `data` exactly as JSON lines would, into a buffer. Without,
    /// a record goes into BSON as the API sent it (what JSON lines write, whitespace aside).
    line: Option<JsonlSink<Vec<u8>>>,
    ident: Ident,
    started: DateTime,
    batch: Batch,
    tx: Option<mpsc::Sender<RawDocumentBuf>>,
    task: Option<JoinHandle<Result<u64>>>,
}

impl MongoSink {
    /// Queues the upsert of one record's `data`.
    fn take(&mut self, (data, facts): (RawDocumentBuf, Facts)) -> Result<()> {
        self.batch.push(&self.ident, &data, &facts, self.started);
        if self.batch.is_full() {
            self.send()?;
        }
        Ok(())
    }

    /// Hands the batch to the writer; waits only while a whole batch is already queued.
    fn send(&mut self) -> Result<()> {
        let Some(batch) = self.batch.take()? else {
            return Ok(());
        };
        let Some(tx) = &self.tx else {
            return Err(Error::Other("the MongoDB writer already finished".into()));
        };
        let sent = match tx.try_send(batch) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(batch)) => tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(tx.send(batch))
            })
            .map_err(drop),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
        };
        match sent {
            Ok(()) => Ok(()),
            // The writer stopped: its own error says why.
            Err(()) => Err(self
                .join()
                .err()
                .unwrap_or_else(|| Error::Other("the MongoDB writer stopped early".into()))),
        }
    }

    /// Waits for the writer to finish; returns the writes it had acknowledged.
    fn join(&mut self) -> Result<u64> {
        self.tx = None;
        let Some(task) = self.task.take() else {
            return Ok(0);
        };
        let joined =
            tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(task));
        joined.map_err(|e| Error::Other(format!("the MongoDB writer failed: {e}")))?
    }
}

impl Sink for MongoSink {
    fn write(&mut self, json: &str) -> Result<()> {
        let data = match &mut self.line {
            Some(line) => {
                line.write(json)?;
                taken(line)?
            }
            None => super::bson_json::document(json.as_bytes())?,
        };
        self.take(data)
    }

    fn write_value(&mut self, value: &serde_json::Value) -> Result<()> {
        let data = match &mut self.line {
            Some(line) => {
                line.write_value(value)?;
                taken(line)?
            }
            None => super::bson_json::document(value.to_string().as_bytes())?,
        };
        self.take(data)
    }

    /// Returns only once every write is acknowledged, so the caller may then move the mark.
    fn finish(&mut self) -> Result<()> {
        self.send()?;
        self.join().map(drop)
    }
}

/// The line just written, as a BSON document; the buffer is left empty for the next.
fn taken(line: &mut JsonlSink<Vec<u8>>) -> Result<(RawDocumentBuf, Facts)> {
    let buf = line.get_mut();
    let parsed = super::bson_json::document(buf);
    buf.clear();
    parsed
}

/// The key of a record: its `id`, or for records without one (field definitions, flow entries)
/// a stable key of the type.
fn record_key(data: &RawDocument, facts: &Facts) -> RawBson {
    if let Some(key) = facts.key() {
        return key.clone();
    }
    // No id of its own (a deal's flow entry): the same entry always hashes alike.
    use sha2::Digest;
    let hash = sha2::Sha256::digest(data.as_bytes());
    RawBson::String(hash[..16].iter().map(|b| format!("{b:02x}")).collect())
}

/// An `update` command being written: each record's upsert statement is appended to its
/// `updates` array as the record comes, so nothing is copied again when the batch is sent.
struct Batch {
    collection: String,
    write_concern: Option<RawDocumentBuf>,
    /// The command so far: open at the top level and in `updates`.
    buf: Vec<u8>,
    /// Where the command and its `updates` array start.
    command: usize,
    updates: usize,
    statements: usize,
}

impl Batch {
    fn new(collection: &str, write_concern: Option<RawDocumentBuf>) -> Batch {
        let mut batch = Batch {
            collection: collection.to_string(),
            write_concern,
            buf: Vec::new(),
            command: 0,
            updates: 0,
            statements: 0,
        };
        batch.start();
        batch
    }

    fn start(&mut self) {
        self.buf.clear();
        self.command = w::open(&mut self.buf);
        w::string(&mut self.buf, "update", &self.collection);
        self.updates = w::begin(&mut self.buf, ARRAY, "updates");
        self.statements = 0;
    }

    /// A whole batch: [`BATCH`] statements, or enough bytes that the next could take the
    /// command past MongoDB's 16 MB limit on a document.
    fn is_full(&self) -> bool {
        self.statements >= BATCH || self.buf.len() >= BATCH_BYTES
    }

    /// Appends the upsert of one record.
    fn push(&mut self, ident: &Ident, data: &RawDocument, facts: &Facts, started: DateTime) {
        let key = record_key(data, facts);
        let id = key.as_raw_bson_ref();
        let out = &mut self.buf;
        let mut index = [0; 20];
        w::head(out, DOCUMENT, w::index_key(&mut index, self.statements));
        let statement = w::open(out);
        // The key by its parts (an upsert builds `_id` from them in this order): servers that
        // look a whole `_id` document up by scanning use the index on the parts instead.
        let q = w::begin(out, DOCUMENT, "q");
        w::string(out, "_id.account_id", &ident.account);
        w::string(out, "_id.owner", &ident.owner);
        w::string(out, "_id.type", ident.kind);
        w::key_value(out, "_id.id", id);
        w::close(out, q);
        let u = w::begin(out, DOCUMENT, "u");
        let set = w::begin(out, DOCUMENT, "$set");
        w::string(out, "account_id", &ident.account);
        w::string(out, "owner", &ident.owner);
        w::string(out, "type", ident.kind);
        w::key_value(out, "pipedrive_id", id);
        w::document(out, "data", data.as_bytes());
        w::datetime(out, "synced_at", started);
        w::boolean(out, "deleted", facts.deleted);
        w::close(out, set);
        // `deleted_at` keeps the first time a deletion was seen ($min), so a repeated run
        // leaves it.
        if facts.deleted {
            let min = w::begin(out, DOCUMENT, "$min");
            w::datetime(out, "deleted_at", started);
            w::close(out, min);
        } else {
            let unset = w::begin(out, DOCUMENT, "$unset");
            w::string(out, "deleted_at", "");
            w::close(out, unset);
        }
        w::close(out, u);
        w::boolean(out, "upsert", true);
        w::close(out, statement);
        self.statements += 1;
    }

    /// The finished command, if it holds any statement; the batch starts over empty.
    fn take(&mut self) -> Result<Option<RawDocumentBuf>> {
        if self.statements == 0 {
            return Ok(None);
        }
        let out = &mut self.buf;
        w::close(out, self.updates);
        w::boolean(out, "ordered", false);
        if let Some(wc) = &self.write_concern {
            w::document(out, "writeConcern", wc.as_bytes());
        }
        w::close(out, self.command);
        let capacity = out.capacity();
        let bytes = std::mem::replace(out, Vec::with_capacity(capacity));
        self.start();
        RawDocumentBuf::from_bytes(bytes)
            .map(Some)
            .map_err(|e| Error::Other(format!("a malformed batch of upserts: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{rawdoc, RawArrayBuf};

    use super::*;

    fn key_of(json: &str) -> RawBson {
        let (data, facts) = super::super::bson_json::document(json.as_bytes()).unwrap();
        record_key(&data, &facts)
    }

    #[test]
    fn keys_come_from_id_then_key_then_a_hash() {
        assert_eq!(key_of(r#"{"key":"x","id":5}"#), RawBson::Int32(5));
        assert_eq!(key_of(r#"{"id":5.0}"#), RawBson::Int64(5));
        assert_eq!(
            key_of(r#"{"id":null,"key":"abc","name":"Title"}"#),
            RawBson::String("abc".into())
        );
        assert_eq!(
            key_of(r#"{"field_code":"f1"}"#),
            RawBson::String("f1".into())
        );
        // A nested id is another object's.
        let flow = r#"{"object":"dealChange","data":{"id":3},"timestamp":"2025-01-01 00:00:00"}"#;
        assert!(matches!(key_of(flow), RawBson::String(h) if h.len() == 32));
        assert_eq!(key_of(flow), key_of(flow));
        let other = r#"{"object":"dealChange","data":{"id":3},"timestamp":"2025-01-02 00:00:00"}"#;
        assert_ne!(key_of(flow), key_of(other));
    }

    /// One upsert statement as `rawdoc!` builds it, piece by piece, from a `Document` parse.
    fn statement(ident: &Ident, json: &str, started: DateTime) -> RawDocumentBuf {
        let data = RawDocumentBuf::from_document(&serde_json::from_str(json).unwrap()).unwrap();
        let deleted =
            data.get_bool("is_deleted") == Ok(true) || data.get_str("status") == Ok("deleted");
        let id = RawBson::Int32(data.get_i32("id").unwrap());
        let key = rawdoc! {
            "_id.account_id": ident.account.as_str(), "_id.owner": ident.owner.as_str(),
            "_id.type": ident.kind, "_id.id": id.clone(),
        };
        let set = rawdoc! {
            "account_id": ident.account.as_str(), "owner": ident.owner.as_str(),
            "type": ident.kind, "pipedrive_id": id, "data": data, "synced_at": started,
            "deleted": deleted,
        };
        let update = if deleted {
            rawdoc! { "$set": set, "$min": { "deleted_at": started } }
        } else {
            rawdoc! { "$set": set, "$unset": { "deleted_at": "" } }
        };
        rawdoc! { "q": key, "u": update, "upsert": true }
    }

    #[test]
    fn a_batch_is_the_update_command_rawdoc_would_build() {
        let ident = Ident {
            account: "acme".into(),
            owner: "cron".into(),
            kind: "deals",
        };
        let started = DateTime::from_millis(1_765_000_000_000);
        let records = [
            r#"{"id":1,"title":"Acme, Inc.","value":12.5,"labels":[1,"x",null],"owner":{"id":7}}"#,
            r#"{"id":2,"status":"deleted","is_deleted":true}"#,
        ];
        let wc = rawdoc! { "w": "majority" };
        let mut batch = Batch::new("pipedrive_records", Some(wc.clone()));
        let mut updates = RawArrayBuf::new();
        for json in records {
            let (data, facts) = super::super::bson_json::document(json.as_bytes()).unwrap();
            batch.push(&ident, &data, &facts, started);
            updates.push(statement(&ident, json, started));
        }
        let want = rawdoc! {
            "update": "pipedrive_records", "updates": updates, "ordered": false,
            "writeConcern": wc,
        };
        assert_eq!(batch.take().unwrap().unwrap(), want);
        // The batch starts over empty.
        assert!(batch.take().unwrap().is_none());
    }

    #[test]
    fn uris_are_told_from_paths() {
        assert!(is_uri("mongodb://h/db"));
        assert!(is_uri("mongodb+srv://u:p@cluster.example.com/db"));
        assert!(!is_uri("deals.jsonl"));
        assert!(!is_uri("./mongodb://x"));
    }

    #[test]
    fn a_refused_write_is_final_and_a_stepdown_is_retried() {
        let refused =
            doc! { "n": 0, "writeErrors": [ { "index": 0, "code": 2, "errmsg": "bad" } ] };
        assert!(matches!(check_reply(&refused), Err(Reply::Refused(m)) if m.contains("bad")));
        let stepdown = doc! { "n": 0, "writeErrors": [ { "index": 0, "code": 10107, "errmsg": "not primary" } ] };
        assert!(matches!(check_reply(&stepdown), Err(Reply::Transient(_))));
        assert_eq!(check_reply(&doc! { "n": 3, "ok": 1 }).ok(), Some(3));
    }
}
