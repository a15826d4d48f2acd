//! The MongoDB store: one document per (account_id, owner) in `integrations.pipedrive.key`,
//! shared with the existing web integration and with every machine that runs the CLI.
//!
//! Documents are read as they are (numbers may be Int32, Int64 or Double) and only ever changed
//! with `$set` on the fields we own (`token.<field>`, `token_invalidated`), never replaced, so
//! fields another program added survive. The compare-and-swap of a refresh is one
//! `find_one_and_update` filtered on the old refresh token: atomic on the server, so it holds
//! across machines where a file lock cannot.

use std::time::Duration;

use futures_util::TryStreamExt;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, DateTime, Document};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, IndexModel};

use crate::error::{Error, Result};
use crate::mongo_uri::{apply_defaults, describe, redact_uri, scrub};
use crate::settings::Settings;
use crate::store::Entry;
use crate::terminal_text::json_error;
use crate::token::{Token, TokenRecord};

const STORE: &str = "mongo";
pub const COLLECTION: &str = "integrations.pipedrive.key";
/// Refreshes under way, beside the token collection (whose documents keep the shape other
/// programs share).
const CLAIMS: &str = "pipedrive_refresh_claims";
/// Bound on one whole operation, for a server that accepts connections but does not answer.
const OP_TIMEOUT: Duration = Duration::from_secs(30);

pub struct MongoStore {
    client: Client,
    coll: Collection<Document>,
    /// `mongodb://host/db.collection`, password and query left out: safe for messages.
    shown: String,
    /// Borrowed from the process-wide shared client (see [`MongoStore::share`]): its owner
    /// shuts the client down, not this store.
    borrowed: bool,
}

/// The store whose client every later `open` of the same URI in this process reuses.
static SHARED: std::sync::Mutex<Option<Shared>> = std::sync::Mutex::new(None);

struct Shared {
    uri: String,
    client: Client,
    coll: Collection<Document>,
    shown: String,
}

/// A refresh this process is about to spend, written to MongoDB first: machines share the store
/// but no lock, and a refresh token another machine spent while its successor is not stored yet
/// (its save pending, or kept in that machine's recovery file after a failed save) looks exactly
/// like a revoked one when Pipedrive refuses it. The claim is what tells them apart: a refusal of
/// a token someone else claimed is a wait (then exit 75), never an invalidation. It names the
/// spent token by a hash only, and is removed once the store holds the successor.
pub(crate) struct Claim {
    id: ObjectId,
    by: String,
}

/// This machine's name, as the claims and messages show it.
fn machine() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unnamed host".into())
}

/// A refresh token's SHA-256, hex: the claims compare tokens without holding one.
fn fingerprint(refresh: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(refresh.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unavailable(reason: String) -> Error {
    Error::Store {
        store: STORE,
        reason,
    }
}

const DUPLICATE_KEY: i32 = 11000;
const NAMESPACE_NOT_FOUND: i32 = 26;

/// The server's error code of a failed command or single write.
fn error_code(err: &mongodb::error::Error) -> Option<i32> {
    use mongodb::error::{ErrorKind, WriteFailure};
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => Some(e.code),
        ErrorKind::Command(e) => Some(e.code),
        _ => None,
    }
}

/// True for MongoDB's duplicate key error (code 11000).
pub(crate) fn is_duplicate_key(err: &mongodb::error::Error) -> bool {
    error_code(err) == Some(DUPLICATE_KEY)
}

/// MongoDB numbers as the web integration writes them (a JS number fits Int32 when it can).
fn number(n: i64) -> Bson {
    match i32::try_from(n) {
        Ok(small) => Bson::Int32(small),
        Err(_) => Bson::Int64(n),
    }
}

/// `$set` paths for every field of a token, the unknown ones included; never the whole subdocument.
fn token_fields(token: &Token) -> Document {
    let mut set = doc! {
        "token.access_token": token.access_token.expose(),
        "token.refresh_token": token.refresh_token.expose(),
        "token.expires_in": number(token.expires_in),
        "token.generated_at": number(token.generated_at),
        "token.token_type": &token.token_type,
        "token.scope": &token.scope,
        "token.api_domain": &token.api_domain,
    };
    for (key, value) in &token.extra {
        // A key that is not a plain field name cannot be a `$set` path; such a field is dropped.
        if key.is_empty() || key.contains('.') || key.starts_with('$') {
            continue;
        }
        let value =
            Bson::try_from(value.clone()).unwrap_or_else(|_| Bson::String(value.to_string()));
        set.insert(format!("token.{key}"), value);
    }
    set
}

impl MongoStore {
    pub async fn open(settings: &Settings) -> Result<Self> {
        let uri = settings.mongo_uri.as_deref().ok_or_else(|| {
            unavailable("PIPEDRIVE_MONGO_URI is not set: export it (mongodb://host:port/db)".into())
        })?;
        if let Some(shared) = SHARED.lock().unwrap().as_ref() {
            if shared.uri == uri {
                return Ok(MongoStore {
                    client: shared.client.clone(),
                    coll: shared.coll.clone(),
                    shown: shared.shown.clone(),
                    borrowed: true,
                });
            }
        }
        let shown = redact_uri(uri);
        let mut options = match tokio::time::timeout(OP_TIMEOUT, ClientOptions::parse(uri)).await {
            Ok(Ok(options)) => options,
            Ok(Err(e)) => {
                return Err(unavailable(scrub(
                    &format!(
                        "PIPEDRIVE_MONGO_URI ({shown}) is not a valid MongoDB URI: {}",
                        describe(&e)
                    ),
                    uri,
                )))
            }
            Err(_) => {
                return Err(unavailable(format!(
                    "resolving PIPEDRIVE_MONGO_URI ({shown}) took over {}s",
                    OP_TIMEOUT.as_secs()
                )))
            }
        };
        let database = apply_defaults(&mut options);
        let client = Client::with_options(options).map_err(|e| {
            unavailable(scrub(
                &format!("cannot use MongoDB at {shown}: {}", describe(&e)),
                uri,
            ))
        })?;
        let coll = client
            .database(&database)
            .collection::<Document>(COLLECTION);
        let store = MongoStore {
            client,
            coll,
            shown: format!(
                "{}, database '{database}', collection '{COLLECTION}'",
                shown
            ),
            borrowed: false,
        };
        // Also proves the server is reachable, so `open` fails (exit 7) rather than a later step.
        if let Err(e) = store.ensure_index().await {
            let e = match e {
                Error::Store { reason, .. } => unavailable(scrub(&reason, uri)),
                other => other,
            };
            store.close().await;
            return Err(e);
        }
        Ok(store)
    }

    async fn ensure_index(&self) -> Result<()> {
        let keys = doc! { "account_id": 1, "owner": 1 };
        let existing: Vec<IndexModel> = self
            .bounded("list indexes", async {
                match self.coll.list_indexes().await {
                    Ok(cursor) => cursor.try_collect().await,
                    // The collection does not exist yet: creating the index creates it.
                    Err(e) if error_code(&e) == Some(NAMESPACE_NOT_FOUND) => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            })
            .await?;
        if existing.iter().any(|ix| ix.keys == keys) {
            return Ok(());
        }
        let model = IndexModel::builder()
            .keys(keys)
            .options(IndexOptions::builder().unique(true).build())
            .build();
        self.bounded("create the unique index {account_id: 1, owner: 1}", async {
            self.coll.create_index(model).await
        })
        .await
        .map(drop)
        .map_err(|e| match e {
            Error::Store { reason, .. } => unavailable(format!(
                "{reason} (if it names duplicate keys, two documents share an account_id and \
                 owner: remove one)"
            )),
            other => other,
        })
    }

    /// Runs one driver call within the operation timeout, naming the server in any error.
    async fn bounded<T>(
        &self,
        what: &str,
        call: impl std::future::Future<Output = mongodb::error::Result<T>>,
    ) -> Result<T> {
        match tokio::time::timeout(OP_TIMEOUT, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(unavailable(format!(
                "{what} failed on {}: {}; check that the server is up and PIPEDRIVE_MONGO_URI \
                 is right",
                self.shown,
                describe(&e)
            ))),
            Err(_) => Err(unavailable(format!(
                "{what}: no answer from {} within {}s",
                self.shown,
                OP_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Shuts the driver down; `&self` because a session shares the store with its token
    /// provider (a shut-down client refuses further operations, which nothing attempts).
    pub async fn close(&self) {
        if self.borrowed {
            return;
        }
        {
            // Only our own client leaves the registry.
            let mut shared = SHARED.lock().unwrap();
            if shared.as_ref().is_some_and(|s| s.shown == self.shown) {
                *shared = None;
            }
        }
        self.client.clone().shutdown().await;
    }

    /// Lets every later `open` of `uri` in this process use this store's client (its connection
    /// pool), until this store is closed. For runs that open a session per account: a client
    /// each would cost connections, a handshake and an index check per account.
    pub(crate) fn share(&self, uri: &str) {
        *SHARED.lock().unwrap() = Some(Shared {
            uri: uri.to_string(),
            client: self.client.clone(),
            coll: self.coll.clone(),
            shown: self.shown.clone(),
        });
    }

    pub(crate) fn location(&self) -> String {
        self.shown.clone()
    }

    /// A document as a record, or why it is not one (never quoting what it holds).
    fn classify(&self, mut doc: Document) -> Entry {
        doc.remove("_id");
        let json = Bson::Document(doc).into_relaxed_extjson();
        match serde_json::from_value(json) {
            Ok(record) => Entry::Found(Box::new(record)),
            Err(e) => Entry::Damaged(format!(
                "the document is not in the token shape: {}",
                json_error(&e)
            )),
        }
    }

    fn decode(&self, doc: Document) -> Result<TokenRecord> {
        let who = format!(
            "{}/{}",
            doc.get_str("account_id").unwrap_or("?"),
            doc.get_str("owner").unwrap_or("?")
        );
        match self.classify(doc) {
            Entry::Found(r) => Ok(*r),
            Entry::Missing | Entry::Damaged(_) => Err(unavailable(format!(
                "the document of {who} in {} is not in the token shape; `pipedrive login \
                 --account ... --owner ...` replaces it, `pipedrive logout` deletes it",
                self.shown
            ))),
        }
    }

    pub async fn load(&self, account: &str, owner: &str) -> Result<Option<TokenRecord>> {
        let filter = doc! { "account_id": account, "owner": owner };
        let found = self
            .bounded("read the token", async { self.coll.find_one(filter).await })
            .await?;
        found.map(|d| self.decode(d)).transpose()
    }

    pub(crate) async fn inspect(&self, account: &str, owner: &str) -> Result<Entry> {
        let filter = doc! { "account_id": account, "owner": owner };
        let found = self
            .bounded("read the token", async { self.coll.find_one(filter).await })
            .await?;
        Ok(found.map_or(Entry::Missing, |d| self.classify(d)))
    }

    /// Every owner's entry of an account, damaged ones included (for `logout --all`).
    pub async fn inspect_account(&self, account: &str) -> Result<Vec<(String, Entry)>> {
        let filter = doc! { "account_id": account };
        let docs: Vec<Document> = self
            .bounded("read the account's tokens", async {
                self.coll.find(filter).await?.try_collect().await
            })
            .await?;
        Ok(docs
            .into_iter()
            .filter_map(|d| {
                let owner = d.get_str("owner").ok()?.to_string();
                Some((owner, self.classify(d)))
            })
            .collect())
    }

    /// Every identity in the collection, damaged entries included, sorted by account and owner.
    pub(crate) async fn inspect_all(&self) -> Result<Vec<(String, String, Entry)>> {
        let docs: Vec<Document> = self
            .bounded("list the tokens", async {
                self.coll
                    .find(doc! {})
                    .sort(doc! { "account_id": 1, "owner": 1 })
                    .await?
                    .try_collect()
                    .await
            })
            .await?;
        Ok(docs
            .into_iter()
            .filter_map(|d| {
                let account = d.get_str("account_id").ok()?.to_string();
                let owner = d.get_str("owner").ok()?.to_string();
                Some((account, owner, self.classify(d)))
            })
            .collect())
    }

    /// The database the token collection lives in (leases and records share it).
    pub(crate) fn database(&self) -> mongodb::Database {
        self.client.database(&self.coll.namespace().db)
    }

    pub async fn load_account(&self, account: &str) -> Result<Vec<TokenRecord>> {
        let filter = doc! { "account_id": account };
        let docs: Vec<Document> = self
            .bounded("read the account's tokens", async {
                self.coll.find(filter).await?.try_collect().await
            })
            .await?;
        docs.into_iter().map(|d| self.decode(d)).collect()
    }

    pub async fn save_login(&self, account: &str, owner: &str, token: &Token) -> Result<()> {
        let filter = doc! { "account_id": account, "owner": owner };
        let mut set = token_fields(token);
        if let Entry::Damaged(_) = self.inspect(account, owner).await? {
            // `token.<field>` paths cannot be set inside a `token` that is not a document:
            // a damaged token is replaced whole (the document's other fields stay).
            let whole: Document = set
                .iter()
                .map(|(k, v)| (k.trim_start_matches("token.").to_string(), v.clone()))
                .collect();
            set = doc! { "token": whole };
        }
        set.insert("token_invalidated", false);
        let update = doc! { "$set": set };
        // Two first logins at once can both try to insert; the unique index lets one win and the
        // other's retry then updates the document the winner created.
        let upsert = || {
            self.coll
                .update_one(filter.clone(), update.clone())
                .upsert(true)
        };
        self.bounded("save the token", async {
            match upsert().await {
                Err(e) if is_duplicate_key(&e) => upsert().await,
                other => other,
            }
        })
        .await
        .map(drop)
    }

    pub async fn replace_token(
        &self,
        account: &str,
        owner: &str,
        expected_refresh: &str,
        token: &Token,
    ) -> Result<bool> {
        let filter = doc! {
            "account_id": account, "owner": owner, "token.refresh_token": expected_refresh,
        };
        let update = doc! { "$set": token_fields(token) };
        let before = self
            .bounded("replace the token", async {
                self.coll.find_one_and_update(filter, update).await
            })
            .await?;
        Ok(before.is_some())
    }

    /// Says, before spending `refresh`, that this process is about to (see [`Claim`]).
    pub(crate) async fn claim_refresh(
        &self,
        account: &str,
        owner: &str,
        refresh: &str,
    ) -> Result<Claim> {
        let claim = Claim {
            id: ObjectId::new(),
            by: format!("{} (process {})", machine(), std::process::id()),
        };
        let record = doc! {
            "_id": claim.id, "account_id": account, "owner": owner,
            "replaces": fingerprint(refresh), "by": &claim.by, "since": DateTime::now(),
        };
        self.bounded("claim the refresh", async {
            self.claims().insert_one(record).await
        })
        .await?;
        Ok(claim)
    }

    /// Removes the claims on `refresh`: the store holds its successor, or it was never spent.
    /// Best effort: a claim left behind only makes a refusal of that same token wait.
    pub(crate) async fn drop_claims(&self, account: &str, owner: &str, refresh: &str) {
        let filter = doc! {
            "account_id": account, "owner": owner, "replaces": fingerprint(refresh),
        };
        let _ = self
            .bounded("drop the refresh claims", async {
                self.claims().delete_many(filter).await
            })
            .await;
    }

    /// Removes one claim (a refresh that was refused spent nothing).
    pub(crate) async fn drop_claim(&self, claim: &Claim) {
        let _ = self
            .bounded("drop the refresh claim", async {
                self.claims().delete_one(doc! { "_id": claim.id }).await
            })
            .await;
    }

    /// Who else claimed `refresh` and since when (oldest first), leaving out `mine`.
    pub(crate) async fn claims_elsewhere(
        &self,
        account: &str,
        owner: &str,
        refresh: &str,
        mine: Option<&Claim>,
    ) -> Result<Vec<(String, DateTime)>> {
        let mut filter = doc! {
            "account_id": account, "owner": owner, "replaces": fingerprint(refresh),
        };
        if let Some(claim) = mine {
            filter.insert("_id", doc! { "$ne": claim.id });
        }
        let found: Vec<Document> = self
            .bounded("read the refresh claims", async {
                self.claims().find(filter).await?.try_collect().await
            })
            .await?;
        let mut claims: Vec<(String, DateTime)> = found
            .iter()
            .map(|d| {
                let by = d.get_str("by").unwrap_or("another process").to_string();
                (
                    by,
                    d.get_datetime("since").copied().unwrap_or(DateTime::MIN),
                )
            })
            .collect();
        claims.sort_by_key(|c| c.1);
        Ok(claims)
    }

    fn claims(&self) -> Collection<Document> {
        self.client
            .database(&self.coll.namespace().db)
            .collection(CLAIMS)
    }

    pub async fn invalidate_account(&self, account: &str) -> Result<u64> {
        let result = self
            .bounded("invalidate the account's tokens", async {
                self.coll
                    .update_many(
                        doc! { "account_id": account },
                        doc! { "$set": { "token_invalidated": true } },
                    )
                    .await
            })
            .await?;
        Ok(result.matched_count)
    }

    pub async fn delete(&self, account: &str, owner: &str) -> Result<bool> {
        let result = self
            .bounded("delete the token", async {
                self.coll
                    .delete_one(doc! { "account_id": account, "owner": owner })
                    .await
            })
            .await?;
        Ok(result.deleted_count > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_updates_are_field_paths_not_a_whole_document() {
        let token: Token = serde_json::from_value(serde_json::json!({
            "access_token": "a", "refresh_token": "r", "expires_in": 3599,
            "generated_at": 1_700_000_000i64, "user_id": 7, "bad.key": 1
        }))
        .unwrap();
        let set = token_fields(&token);
        assert!(set.keys().all(|k| k.starts_with("token.")), "{set:?}");
        assert_eq!(set.get("token.expires_in"), Some(&Bson::Int32(3599)));
        assert!(set.contains_key("token.user_id"));
        assert!(!set.keys().any(|k| k.contains("bad")));
    }
}
