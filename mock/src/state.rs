//! The state shared by the server tasks and the [`crate::MockPipedrive`] handle: config,
//! data overrides, OAuth grants, counters, the request log and the rate-limit window.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use crate::data::{Kind, World, KINDS};
use crate::fields;
use crate::oauth::OAuth;
use crate::{Config, Faults, RecordedRequest, Stats};

/// Burst window: requests allowed per 2 seconds (reported only; `Faults::burst_limit` enforces
/// a limit of its own).
pub const BURST_LIMIT: u64 = 80;
pub const DAILY_LIMIT: u64 = 1_000_000;

/// An answer before it becomes an HTTP response.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Send the content-length of the whole body but only its first half, then close.
    pub truncate: bool,
    /// Close the connection without answering.
    pub drop: bool,
}

impl Reply {
    pub fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: "application/json; charset=utf-8",
            headers: Vec::new(),
            body,
            truncate: false,
            drop: false,
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            content_type,
            ..Reply::json(status, body.into())
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// Pipedrive's error body: `{"success":false,"error":..,"errorCode":..,"error_info":..,
/// "data":null,"additional_data":null}`.
pub fn error_body(status: u16, error: &str, info: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "success": false,
        "error": error,
        "errorCode": status,
        "error_info": info,
        "data": null,
        "additional_data": null,
    }))
    .expect("serialize")
}

pub fn error_reply(status: u16, error: &str) -> Reply {
    Reply::json(
        status,
        error_body(status, error, "Please check developers.pipedrive.com"),
    )
}

pub struct Shared {
    pub config: Config,
    pub url: String,
    pub faults: RwLock<Faults>,
    pub world: RwLock<World>,
    pub oauth: Mutex<OAuth>,
    pub recorded: Mutex<Vec<RecordedRequest>>,
    pub expected: Mutex<Vec<(String, String)>>,
    /// Changes waiting for a path's nth answer: (path, answers left before it, change).
    pub changes: Mutex<Vec<(String, u64, crate::Change)>>,
    pub refresh_count: AtomicUsize,
    pub connections: AtomicU64,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub api_requests: AtomicU64,
    pub pages_served: AtomicU64,
    pub handler_nanos: AtomicU64,
    pub limits: crate::limits::Limits,
    pub fields_v2: [Vec<String>; KINDS],
    pub fields_v1: [Vec<String>; KINDS],
}

impl Shared {
    /// Counts an answer of `path` and makes the changes that waited for it.
    pub fn answered(&self, path: &str) {
        let due: Vec<crate::Change> = {
            let mut changes = self.changes.lock().unwrap();
            if changes.is_empty() {
                return;
            }
            let mut due = Vec::new();
            changes.retain_mut(|(p, left, change)| {
                if p != path {
                    return true;
                }
                *left = left.saturating_sub(1);
                if *left == 0 {
                    due.push(change.clone());
                }
                *left > 0
            });
            due
        };
        if due.is_empty() {
            return;
        }
        let mut world = self.world.write().unwrap();
        for change in due {
            let ok = match &change {
                crate::Change::Archive(ids) => ids.iter().all(|&id| world.move_deal(id, true)),
                crate::Change::Unarchive(ids) => ids.iter().all(|&id| world.move_deal(id, false)),
                crate::Change::DeleteDeals(ids) => ids.iter().all(|&id| world.delete_deal(id)),
                crate::Change::DeleteNotes(ids) => {
                    ids.iter().all(|&id| world.remove(Kind::Note, id))
                }
            };
            assert!(ok, "mock Pipedrive: {change:?} does not fit the data");
        }
    }

    pub fn new(config: Config, url: String) -> Shared {
        let mut world = World::new(config.seed.clone());
        world.custom = fields::custom_fields(&config.extra_fields);
        let mut fields_v2: [Vec<String>; KINDS] = Default::default();
        let mut fields_v1: [Vec<String>; KINDS] = Default::default();
        for k in [
            Kind::Deal,
            Kind::Person,
            Kind::Org,
            Kind::Product,
            Kind::Activity,
            Kind::Note,
        ] {
            fields_v2[k as usize] = fields::v2_fields(k, &world.custom[k as usize]);
            fields_v1[k as usize] = fields::v1_fields(k, &world.custom[k as usize]);
        }
        Shared {
            faults: RwLock::new(config.faults.clone()),
            oauth: Mutex::new(OAuth::new()),
            world: RwLock::new(world),
            config,
            url,
            recorded: Mutex::new(Vec::new()),
            expected: Mutex::new(Vec::new()),
            changes: Mutex::new(Vec::new()),
            refresh_count: AtomicUsize::new(0),
            connections: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            api_requests: AtomicU64::new(0),
            pages_served: AtomicU64::new(0),
            handler_nanos: AtomicU64::new(0),
            limits: Default::default(),
            fields_v2,
            fields_v1,
        }
    }

    pub fn stats(&self) -> Stats {
        let pages = self.pages_served.load(Ordering::SeqCst);
        let nanos = self.handler_nanos.load(Ordering::SeqCst);
        Stats {
            pages_served: pages,
            api_requests: self.api_requests.load(Ordering::SeqCst),
            handler_time: Duration::from_nanos(nanos),
            mean_handler_micros: if pages == 0 {
                0.0
            } else {
                nanos as f64 / pages as f64 / 1000.0
            },
            connections: self.connections.load(Ordering::SeqCst) as usize,
            max_in_flight: self.max_in_flight.load(Ordering::SeqCst),
            refresh_count: self.refresh_count.load(Ordering::SeqCst),
            burst_429s: self.limits.burst_429s.load(Ordering::SeqCst),
            daily_tokens_used: self.limits.daily_used.load(Ordering::SeqCst),
        }
    }
}
