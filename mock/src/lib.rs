//! A mock Pipedrive: the OAuth 2.0 endpoints (`/oauth/authorize`, `/oauth/token`,
//! `/oauth/revoke`) and the v1/v2 REST endpoints the `pipedrive` CLI exports from, served over
//! real HTTP/1.1 on 127.0.0.1. Records are generated deterministically from their index, so
//! large data sets cost no memory; faults (5xx, dropped connections, 429s, truncated bodies,
//! revoked tokens) can be injected at runtime. Start it in-process with [`MockPipedrive::start`]
//! (it runs on its own thread and tokio runtime, so plain `#[test]` functions can use it) or run
//! the `pipedrive-mock` binary.
//!
//! # Endpoints
//! Every operation checks its declared query parameters (an undeclared, repeated or malformed
//! one is a 400), its `security` scopes (none granted: 403 `Scope and URL mismatch`) and
//! charges its `x-token-cost` to the daily budget (`x-daily-ratelimit-token-remaining`).
//!
//! | path | paging | scopes (any one) | cost | records ([`Seed`] field) |
//! |---|---|---|---|---|
//! | `/api/v2/deals` (`status=deleted`: deleted deals), `/deals/archived` | cursor | deals:read/full | 10, 20 | `deals`, `archived_deals`, `deleted_deals` |
//! | `/api/v2/persons`, `/organizations`, `/activities`, `/products` | cursor | contacts, activities, products :read/full | 10 | `persons`, `organizations`, `activities`, `products` |
//! | `/api/v2/pipelines`, `/stages` (and `/{id}`) | cursor | deals:read/full, admin | 5 (1) | `pipelines`, `stages` |
//! | `/api/v1/notes` | offset | deals or contacts :read/full | 20 | `notes` |
//! | `/api/v1/users` | one answer | users:read | 20 | `users` |
//! | `/api/v1/leads` | offset, `additional_data.{start,limit,more_items_in_collection}` (flat, as the leads schema) | leads:read/full | 20 | `leads` |
//! | `/api/v1/leads/archived` | same | leads:read/full | 40 | `archived_leads` |
//! | `/api/v1/leadLabels` | one answer | leads:read/full | 10 | `lead_labels` |
//! | `/api/v1/leadSources` | one answer | leads:read/full | 2 | `lead_sources` |
//! | `/api/v1/activityTypes` | one answer | activities:read/full, admin | 20 | `activity_types` |
//! | `/api/v1/currencies` (`term`) | one answer | base | 20 | `currencies` |
//! | `/api/v1/filters` (`type`) | one answer | deals, activities or contacts :read/full | 20 | `filters` |
//! | `/api/v1/permissionSets` (`app`) | one answer | admin | 20 | `permission_sets` |
//! | `/api/v1/roles` | offset, `additional_data.pagination` | admin | 20 | `roles` |
//! | `/api/v1/files` (limit at most 100) | offset | deals, activities or contacts :read/full | 20 | `files` |
//! | `/api/v1/callLogs` | offset | phone-integration | 20 | `call_logs` |
//! | `/api/v1/goals/find` (`is_active` defaults to true) | one answer, `data.goals` | goals:read/full | 20 | `goals`, `inactive_goals` |
//! | `/api/v1/deals/{id}/flow` | offset, plus `related_objects` | recents:read | 40 | `deal_flow` updates per deal |
//! | `/api/v1/noteFields`, `/leadFields`, `/activityFields`, `/dealFields` | one page / offset | as the spec | 20 | field definitions |
//! | `/api/v2/projects`, `/tasks` | cursor | projects:read/full | 10 | `projects`, `tasks` |
//! | `/api/v2/deals/products` (`deal_ids` required, at most 100) | cursor | products or deals :read/full | 10 | `deal_products` per deal |
//! | `/api/v2/deals/installments` (`deal_ids` required, at most 100) | cursor | deals:read/full | 10 | `deal_installments` per deal |
//! | `/api/v2/products/{id}/variations` | cursor | products:read/full | 10 | `product_variations` per product |
//! | `/api/v2/{deal,person,organization,product,activity,project}Fields` | cursor | as the spec | 10 | field definitions |
//!
//! Times are RFC 3339 in v2 answers, `YYYY-MM-DD HH:MM:SS` in classic v1 ones, ISO with
//! milliseconds where the spec's v1 service writes them (leads, lead labels, call logs). Deals
//! deleted at runtime with [`MockPipedrive::delete_deal`] join the seeded deleted deals.

mod api;
mod data;
mod edits;
mod endless;
mod faults;
mod fields;
mod json;
mod limits;
mod lists;
mod more_types;
mod oauth;
mod paging;
mod params;
mod records;
mod server;
mod state;
mod time;
mod timeindex;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use edits::Editing;
pub use faults::{Faults, FieldsFault, RawAnswer};
pub use limits::{ResetRounding, Window};
use state::Shared;

/// How the mock is set up. All fields are public; start from `Config::default()`.
#[derive(Clone, Debug)]
pub struct Config {
    /// OAuth client id accepted by `/oauth/authorize` and `/oauth/token` (default `test-client`).
    pub client_id: String,
    /// OAuth client secret (default `test-secret`).
    pub client_secret: String,
    /// Scopes granted to every token (default: deals:full contacts:full activities:full
    /// products:full users:read admin leads:full base goals:read phone-integration
    /// recents:read projects:full, enough for every export type).
    pub scopes: Vec<String>,
    /// Every refresh returns a new refresh token and invalidates the old one (default true).
    pub rotate_refresh_tokens: bool,
    /// `/oauth/authorize` redirects with `error=access_denied`.
    pub deny_consent: bool,
    /// A personal API token accepted in the `x-api-token` header.
    pub api_token: Option<String>,
    /// How many records of each type exist.
    pub seed: Seed,
    /// Added to every API response (not to OAuth answers).
    pub latency: Duration,
    /// Injected failures; change them at runtime with [`MockPipedrive::set_faults`].
    pub faults: Faults,
    /// The `api_domain` token answers name (default: the mock's own url).
    pub api_domain: Option<String>,
    /// More custom text fields, (kind, name), after each kind's own: names a company chose,
    /// such as one spelled like another field's disambiguated name.
    pub extra_fields: Vec<(String, String)>,
    /// The company is on a plan below Growth: deal installments, which only Growth and above
    /// offer, answer 402 `Payment required`, or with `Some(403)` a 403 naming the plan.
    pub below_growth: Option<u16>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            client_id: "test-client".into(),
            client_secret: "test-secret".into(),
            scopes: [
                "deals:full",
                "contacts:full",
                "activities:full",
                "products:full",
                "users:read",
                "admin",
                "leads:full",
                "base",
                "goals:read",
                "phone-integration",
                "recents:read",
                "projects:full",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rotate_refresh_tokens: true,
            deny_consent: false,
            api_token: None,
            seed: Seed::default(),
            latency: Duration::ZERO,
            faults: Faults::default(),
            api_domain: None,
            extra_fields: Vec::new(),
            below_growth: None,
        }
    }
}

/// Record counts per type. Ids run from 1 to the count (archived deals follow the deals:
/// `deals+1 ..= deals+archived_deals`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    pub deals: u64,
    pub persons: u64,
    pub organizations: u64,
    pub notes: u64,
    pub pipelines: u64,
    pub stages: u64,
    pub activities: u64,
    pub products: u64,
    pub users: u64,
    pub archived_deals: u64,
    /// Deals deleted within the last 30 days (ids after the archived deals), listed only by
    /// `status=deleted`. [`MockPipedrive::delete_deal`] deletes more at runtime.
    pub deleted_deals: u64,
    /// Open leads of `/v1/leads` (UUID ids from the index).
    pub leads: u64,
    /// Leads of `/v1/leads/archived`.
    pub archived_leads: u64,
    pub lead_labels: u64,
    /// Pipedrive's ten predefined sources come first; more get numbered names.
    pub lead_sources: u64,
    /// The first six are Pipedrive's built-in types (call, meeting, task, deadline, email,
    /// lunch, the `type` values of activities); the others are custom.
    pub activity_types: u64,
    pub currencies: u64,
    pub filters: u64,
    pub permission_sets: u64,
    pub roles: u64,
    /// File metadata of `/v1/files` (the download urls point at the mock, which never serves
    /// them: a test can check that nothing asked).
    pub files: u64,
    pub call_logs: u64,
    /// Goals with `is_active: true` (what `/v1/goals/find` answers by default).
    pub goals: u64,
    /// Goals with `is_active: false` (answered to `is_active=false`).
    pub inactive_goals: u64,
    pub projects: u64,
    /// Tasks, spread over the projects.
    pub tasks: u64,
    /// At most this many products per deal (each deal has 0..=N, from its id).
    pub deal_products: u64,
    /// At most this many installments per deal (each deal has 0..=N, from its id).
    pub deal_installments: u64,
    /// At most this many variations per product (each product has 0..=N, from its id).
    pub product_variations: u64,
    /// At most this many updates in a deal's flow (each deal has 1..=N, from its id).
    pub deal_flow: u64,
}

impl Seed {
    /// The names [`Seed::set`] takes: the field names.
    pub const NAMES: &'static [&'static str] = &[
        "deals",
        "persons",
        "organizations",
        "notes",
        "pipelines",
        "stages",
        "activities",
        "products",
        "users",
        "archived_deals",
        "deleted_deals",
        "leads",
        "archived_leads",
        "lead_labels",
        "lead_sources",
        "activity_types",
        "currencies",
        "filters",
        "permission_sets",
        "roles",
        "files",
        "call_logs",
        "goals",
        "inactive_goals",
        "projects",
        "tasks",
        "deal_products",
        "deal_installments",
        "product_variations",
        "deal_flow",
    ];

    /// Sets one count by its field name (`"leads"`, `"deal_products"` ...); false for an
    /// unknown name.
    pub fn set(&mut self, name: &str, n: u64) -> bool {
        let field = match name {
            "deals" => &mut self.deals,
            "persons" => &mut self.persons,
            "organizations" => &mut self.organizations,
            "notes" => &mut self.notes,
            "pipelines" => &mut self.pipelines,
            "stages" => &mut self.stages,
            "activities" => &mut self.activities,
            "products" => &mut self.products,
            "users" => &mut self.users,
            "archived_deals" => &mut self.archived_deals,
            "deleted_deals" => &mut self.deleted_deals,
            "leads" => &mut self.leads,
            "archived_leads" => &mut self.archived_leads,
            "lead_labels" => &mut self.lead_labels,
            "lead_sources" => &mut self.lead_sources,
            "activity_types" => &mut self.activity_types,
            "currencies" => &mut self.currencies,
            "filters" => &mut self.filters,
            "permission_sets" => &mut self.permission_sets,
            "roles" => &mut self.roles,
            "files" => &mut self.files,
            "call_logs" => &mut self.call_logs,
            "goals" => &mut self.goals,
            "inactive_goals" => &mut self.inactive_goals,
            "projects" => &mut self.projects,
            "tasks" => &mut self.tasks,
            "deal_products" => &mut self.deal_products,
            "deal_installments" => &mut self.deal_installments,
            "product_variations" => &mut self.product_variations,
            "deal_flow" => &mut self.deal_flow,
            _ => return false,
        };
        *field = n;
        true
    }
}

impl Default for Seed {
    fn default() -> Self {
        Seed {
            deals: 1203,
            persons: 520,
            organizations: 130,
            notes: 1234,
            pipelines: 3,
            stages: 9,
            activities: 700,
            products: 40,
            users: 7,
            archived_deals: 25,
            deleted_deals: 3,
            leads: 150,
            archived_leads: 20,
            lead_labels: 4,
            lead_sources: 10,
            activity_types: 6,
            currencies: 8,
            filters: 12,
            permission_sets: 5,
            roles: 4,
            files: 130,
            call_logs: 40,
            goals: 6,
            inactive_goals: 3,
            projects: 25,
            tasks: 80,
            deal_products: 3,
            deal_installments: 2,
            product_variations: 2,
            deal_flow: 4,
        }
    }
}

/// The 40-hex key of custom field `n` (0-based, in definition order, extra fields after the
/// built-in ones) of `kind` (`"persons"`, `"deals"` ...).
pub fn custom_field_key(kind: &str, n: usize) -> String {
    let k = data::Kind::from_name(kind).unwrap_or_else(|| panic!("unknown kind {kind:?}"));
    fields::hex40(k, n as u64)
}

/// A change to the CRM that [`MockPipedrive::change_after`] makes mid-run.
#[derive(Clone, Debug)]
pub enum Change {
    /// Live deals move to the archived list (update time now).
    Archive(Vec<u64>),
    /// Archived deals move back to the main list (update time now).
    Unarchive(Vec<u64>),
    /// Deals are deleted (listed by `status=deleted` from now on).
    DeleteDeals(Vec<u64>),
    /// Notes are deleted: the notes after them move up in offset pages.
    DeleteNotes(Vec<u64>),
}

/// A token answer as `/oauth/token` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenGrant {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    /// Comma-separated scopes, as Pipedrive sends them.
    pub scope: String,
    /// The mock's url, unless `Config::api_domain` says otherwise.
    pub api_domain: String,
    pub expires_in: u64,
}

/// How a request authenticated itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// `Authorization: Bearer <token>`
    Bearer(String),
    /// `x-api-token: <token>`
    ApiToken(String),
    /// `Authorization: Basic ...` with this client id (decoded user part).
    Basic(String),
    None,
}

/// One request as the mock saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string (without `?`), `None` when the URL had none.
    pub query: Option<String>,
    /// The query string decoded into pairs, in order.
    pub params: Vec<(String, String)>,
    /// Decoded form body pairs (OAuth requests), empty otherwise.
    pub form: Vec<(String, String)>,
    pub auth: AuthKind,
    /// Sequence number of the TCP connection (starting at 1).
    pub connection: u64,
    /// Status answered; 0 when the connection was dropped without an answer.
    pub status: u16,
    /// Name of the fault injected into this answer, if any (`"status"`, `"drop"`, `"burst_429"`,
    /// `"daily_budget"`, `"revoked"`, `"success_false"`, `"truncate"`).
    pub fault: Option<&'static str>,
}

impl RecordedRequest {
    /// The value of a query parameter (first occurrence).
    pub fn param<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.all(name).next()
    }

    /// Every value of a parameter sent more than once (an array with `explode: true`).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.params
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Counters showing what the mock served and how long it took.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// API answers with status 200 and `success: true` (list pages and single records).
    pub pages_served: u64,
    /// API requests received (any outcome).
    pub api_requests: u64,
    /// Time spent building API answers, artificial latency excluded.
    pub handler_time: Duration,
    /// `handler_time / pages_served` in microseconds (0 when nothing was served).
    pub mean_handler_micros: f64,
    pub connections: usize,
    pub max_in_flight: usize,
    pub refresh_count: usize,
    /// 429s answered for the burst limit (enforced by `Faults::burst_limit` or injected).
    pub burst_429s: u64,
    /// Tokens of the daily budget spent so far (each operation's `x-token-cost`).
    pub daily_tokens_used: u64,
}

/// A running mock server. Dropping it stops the server (and calls [`MockPipedrive::verify`]
/// unless the thread is already panicking).
/// What the mock declares of one operation: the CLI's tests hold its own table against this.
#[derive(Debug, Clone)]
pub struct Declared {
    pub name: &'static str,
    /// Any one of these OAuth scopes allows the call.
    pub scopes: &'static [&'static str],
    /// Every query parameter the operation declares.
    pub params: Vec<&'static str>,
    /// `x-token-cost`.
    pub cost: u32,
    /// The largest `limit` it accepts, if it declares one.
    pub max_limit: Option<u64>,
}

/// The declaration of `GET path` (`/api/v2/deals`, `/api/v1/deals/1/flow`), if the mock serves it.
pub fn declared(path: &str) -> Option<Declared> {
    let op = api::operation(path)?;
    Some(Declared {
        name: op.name,
        scopes: op.scopes,
        params: op.params.iter().map(|(n, _)| *n).collect(),
        cost: op.cost,
        max_limit: op.params.iter().find_map(|(n, p)| match p {
            _ if *n != "limit" => None,
            params::P::Limit => Some(500),
            params::P::LimitUpTo(max) => Some(*max),
            _ => None,
        }),
    })
}

pub struct MockPipedrive {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockPipedrive {
    /// Binds 127.0.0.1 on a random port and serves on a background thread.
    pub fn start(config: Config) -> MockPipedrive {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config)
            .expect("bind 127.0.0.1:0 for the mock Pipedrive")
    }

    /// Binds `addr` and serves on a background thread.
    pub fn start_on(addr: SocketAddr, config: Config) -> std::io::Result<MockPipedrive> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config, format!("http://{addr}")));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("pipedrive-mock")
            .build()?;
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("pipedrive-mock".into())
            .spawn(move || {
                runtime.block_on(server::serve(listener, s, rx));
                runtime.shutdown_timeout(Duration::from_millis(100));
            })?;
        Ok(MockPipedrive {
            shared,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Mints a valid access + refresh token (a new grant chain) without the OAuth dance.
    pub fn issue_token(&self) -> TokenGrant {
        self.shared.oauth.lock().unwrap().issue(&self.shared)
    }

    /// Replaces the injected faults.
    pub fn set_faults(&self, f: Faults) {
        *self.shared.faults.write().unwrap() = f;
    }

    /// Every access and refresh token issued so far becomes invalid.
    pub fn revoke_all_tokens(&self) {
        self.shared.oauth.lock().unwrap().revoke_all();
    }

    /// Sets `update_time` of these records to now. `kind`: deals (archived ones too), persons,
    /// organizations, notes, pipelines, stages, activities, products, users, or leads (ids are
    /// then the 1-based index over open then archived leads, as [`Seed::leads`] counts them).
    pub fn touch(&self, kind: &str, ids: &[u64]) {
        self.shared.world.write().unwrap().touch(kind, ids);
    }

    /// Starts editing records while the caller runs an export: every `every`, `n` records of
    /// `kind` (spread over all of them) get `update_time` = now. Dropping the handle stops it.
    pub fn edit_during_run(&self, kind: &str, n: usize, every: Duration) -> Editing {
        edits::start(self.shared.clone(), kind, n, every)
    }

    /// Sets the tokens already spent today (another integration's share of the daily budget).
    pub fn set_daily_used(&self, tokens: u64) {
        self.shared
            .limits
            .daily_used
            .store(tokens, Ordering::SeqCst);
    }

    /// Deletes deal `id` (archived or not) now: it leaves the lists and is listed by
    /// `status=deleted` (`is_deleted: true`, `status: "deleted"`) with `update_time` now, so an
    /// incremental run after the deletion sees it. Panics when there is no such live deal.
    pub fn delete_deal(&self, id: u64) {
        assert!(
            self.shared.world.write().unwrap().delete_deal(id),
            "mock Pipedrive: no live deal {id} to delete"
        );
    }

    /// Removes record `id` of `kind` (persons, organizations, notes, products...: the kinds
    /// Pipedrive lists no deletions of) now: it is gone from every list, sorted by id or by
    /// update time, as after a hard delete. Panics when there is no such record.
    pub fn remove(&self, kind: &str, id: u64) {
        let k = data::Kind::from_name(kind).unwrap_or_else(|| panic!("unknown kind {kind:?}"));
        assert!(
            self.shared.world.write().unwrap().remove(k, id),
            "mock Pipedrive: no {kind} {id} to remove"
        );
    }

    /// Makes `change` once the `after`-th answer of `path` (exact, without query; `/api/v2/deals`
    /// counts its `status=deleted` pages too) has been built: the pages after it see the
    /// change, as when someone edits the CRM between two pages of an export.
    pub fn change_after(&self, path: &str, after: u64, change: Change) {
        self.shared
            .changes
            .lock()
            .unwrap()
            .push((path.to_string(), after, change));
    }

    /// Appends `n` new records (created and updated now) and returns their ids.
    pub fn add_records(&self, kind: &str, n: usize) -> Vec<u64> {
        self.shared.world.write().unwrap().add(kind, n)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorded.lock().unwrap().clone()
    }

    /// Successful `grant_type=refresh_token` answers.
    pub fn refresh_count(&self) -> usize {
        self.shared.refresh_count.load(Ordering::SeqCst)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst) as usize
    }

    /// Highest number of API requests handled at the same time (latency included).
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Every access token issued so far expires now (as after an hour); refresh tokens stay valid.
    pub fn expire_access_tokens(&self) {
        self.shared.oauth.lock().unwrap().expire_access_tokens();
    }

    /// The refresh token valid now for the most recent grant chain.
    pub fn current_refresh_token(&self) -> Option<String> {
        self.shared.oauth.lock().unwrap().current_refresh_token()
    }

    pub fn is_refresh_token_valid(&self, t: &str) -> bool {
        self.shared.oauth.lock().unwrap().is_refresh_valid(t)
    }

    /// Registers a call (`method`, exact `path` without query) that must arrive before
    /// [`MockPipedrive::verify`].
    pub fn expect(&self, method: &str, path: &str) {
        self.shared
            .expected
            .lock()
            .unwrap()
            .push((method.to_ascii_uppercase(), path.to_string()));
    }

    /// Panics listing the expected calls that never came.
    pub fn verify(&self) {
        let expected = self.shared.expected.lock().unwrap().clone();
        let missing: Vec<String> = {
            let recorded = self.shared.recorded.lock().unwrap();
            expected
                .iter()
                .filter(|(m, p)| !recorded.iter().any(|r| &r.method == m && &r.path == p))
                .map(|(m, p)| format!("{m} {p}"))
                .collect()
        };
        if !missing.is_empty() {
            panic!(
                "mock Pipedrive: expected calls never came: {}",
                missing.join(", ")
            );
        }
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
}

impl Drop for MockPipedrive {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if !std::thread::panicking() {
            self.verify();
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_limits;
