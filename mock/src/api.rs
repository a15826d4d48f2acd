//! The API front door: routing of `/api/v2/...`, `/api/v1/...` and `/v1/...` paths to
//! operations, faults, authentication (Bearer or `x-api-token`), scope checks, strict
//! parameter validation, rate-limit headers and the artificial latency.

use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::data::Kind;
use crate::faults::Fault;
use crate::lists;
use crate::more_types;
use crate::paging;
use crate::params::{self, Op};
use crate::state::{error_body, error_reply, Reply, Shared};
use crate::AuthKind;

enum Route<'a> {
    List(Kind),
    Fields(Kind),
    Single(Kind, &'a str),
    Notes,
    Users,
    FieldsV1(Kind),
    /// The export types beyond the first nine (`crate::more_types`).
    MoreTypes(more_types::Route<'a>),
}

fn route(path: &str) -> Option<(Route<'_>, &'static Op)> {
    if let Some((r, op)) = more_types::route(path) {
        return Some((Route::MoreTypes(r), op));
    }
    if let Some(p) = path.strip_prefix("/api/v2/") {
        return Some(match p {
            "deals" => (Route::List(Kind::Deal), &params::DEALS),
            "deals/archived" => (Route::List(Kind::ArchivedDeal), &params::ARCHIVED_DEALS),
            "persons" => (Route::List(Kind::Person), &params::PERSONS),
            "organizations" => (Route::List(Kind::Org), &params::ORGANIZATIONS),
            "pipelines" => (Route::List(Kind::Pipeline), &params::PIPELINES),
            "stages" => (Route::List(Kind::Stage), &params::STAGES),
            "activities" => (Route::List(Kind::Activity), &params::ACTIVITIES),
            "products" => (Route::List(Kind::Product), &params::PRODUCTS),
            "dealFields" => (Route::Fields(Kind::Deal), &params::DEAL_FIELDS),
            "personFields" => (Route::Fields(Kind::Person), &params::PERSON_FIELDS),
            "organizationFields" => (Route::Fields(Kind::Org), &params::ORGANIZATION_FIELDS),
            "productFields" => (Route::Fields(Kind::Product), &params::PRODUCT_FIELDS),
            "activityFields" => (Route::Fields(Kind::Activity), &params::ACTIVITY_FIELDS),
            _ => {
                if let Some(id) = p.strip_prefix("pipelines/") {
                    (Route::Single(Kind::Pipeline, id), &params::PIPELINE)
                } else if let Some(id) = p.strip_prefix("stages/") {
                    (Route::Single(Kind::Stage, id), &params::STAGE)
                } else {
                    return None;
                }
            }
        });
    }
    let p = path
        .strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix("/v1/"))?;
    Some(match p {
        "notes" => (Route::Notes, &params::NOTES),
        "users" => (Route::Users, &params::USERS),
        "noteFields" => (Route::FieldsV1(Kind::Note), &params::NOTE_FIELDS_V1),
        "activityFields" => (Route::FieldsV1(Kind::Activity), &params::ACTIVITY_FIELDS_V1),
        "dealFields" => (Route::FieldsV1(Kind::Deal), &params::DEAL_FIELDS_V1),
        _ => return None,
    })
}

/// The operation of `GET path`, if the mock serves it.
pub(crate) fn operation(path: &str) -> Option<&'static Op> {
    route(path).map(|(_, op)| op)
}

fn fault_reply(f: Fault) -> Reply {
    match f {
        Fault::DailyBudget => Reply::json(
            429,
            error_body(429, "daily request budget exceeded", "Please check developers.pipedrive.com"),
        )
        .header("retry-after", "3600"),
        Fault::Revoked => error_reply(401, "unauthorized access"),
        Fault::Status(s) => {
            let reason = match s {
                500 => "Internal Server Error",
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                504 => "Gateway Timeout",
                _ => "Error",
            };
            Reply::text(
                s,
                "text/html",
                format!("<html><body>{s} {reason}</body></html>"),
            )
        }
        Fault::Burst429 => error_reply(429, "Request over limit").header("retry-after", "1"),
        Fault::BurstLimit => error_reply(429, "Request over limit"),
        Fault::WrongShape => Reply::json(
            200,
            br#"{"success":true,"data":"this is not a list","additional_data":null}"#.to_vec(),
        ),
        Fault::SuccessFalse => Reply::json(
            200,
            br#"{"success":false,"error":"Internal error, please try again","data":null,"additional_data":null}"#.to_vec(),
        ),
        Fault::Drop | Fault::Truncate | Fault::Raw => unreachable!("handled by the caller"),
    }
}

fn authorized(shared: &Shared, auth: &AuthKind) -> bool {
    match auth {
        AuthKind::Bearer(t) => shared.oauth.lock().unwrap().check_access(t),
        AuthKind::ApiToken(t) => shared.config.api_token.as_deref() == Some(t.as_str()),
        _ => false,
    }
}

/// The answer of one API request, before latency.
fn answer(shared: &Shared, path: &str, pairs: &[(String, String)], auth: &AuthKind) -> Reply {
    if !authorized(shared, auth) {
        return error_reply(401, "unauthorized access");
    }
    let Some((route, op)) = route(path) else {
        return Reply::json(
            404,
            error_body(
                404,
                "Unknown method .",
                "Please check developers.pipedrive.com",
            ),
        );
    };
    if matches!(auth, AuthKind::Bearer(_))
        && !op
            .scopes
            .iter()
            .any(|s| shared.config.scopes.iter().any(|g| g == s))
    {
        return error_reply(403, "Scope and URL mismatch");
    }
    if let Some(status) = shared.config.below_growth {
        if path.ends_with("/deals/installments") {
            return plan_refusal(status);
        }
    }
    if let Err(msg) = params::validate(op, pairs) {
        return error_reply(400, &msg);
    }
    if let Some(refused) = crate::limits::spend_daily(shared, op.cost as u64) {
        return refused;
    }
    if let Some(reply) = fields_fault(shared, &route) {
        return reply;
    }
    let world = shared.world.read().unwrap();
    let reply = match route {
        Route::List(k) => lists::v2_list(&world, k, pairs),
        Route::Fields(k) => paging::field_page(&shared.fields_v2[k as usize], pairs),
        Route::Single(k, id) => lists::v2_single(&world, k, id),
        Route::Notes => lists::v1_notes(&world, pairs),
        Route::Users => lists::v1_users(&world),
        Route::FieldsV1(k) => lists::v1_fields(&shared.fields_v1[k as usize], pairs),
        Route::MoreTypes(r) => more_types::answer(&world, &shared.url, r, pairs),
    };
    more_types::include_fields(&world, path, pairs, reply)
}

/// A feature the company's plan does not include: 402, or a 403 whose error names the plan.
fn plan_refusal(status: u16) -> Reply {
    match status {
        402 => error_reply(402, "Payment required"),
        _ => error_reply(
            status,
            "This feature is not available on your current plan. Upgrade to Growth or higher.",
        ),
    }
}

/// `Faults::fields`: field definitions that cannot be read, while the records still can.
fn fields_fault(shared: &Shared, route: &Route) -> Option<Reply> {
    if !matches!(route, Route::Fields(_) | Route::FieldsV1(_)) {
        return None;
    }
    let fault = shared.faults.read().unwrap().fields?;
    Some(match fault {
        // Pipedrive's own refusal of a scope is JSON; an HTML 403 is its edge throttling.
        crate::FieldsFault::Status(403) => error_reply(403, "Scope and URL mismatch"),
        crate::FieldsFault::Status(status) => Reply::text(
            status,
            "text/html; charset=utf-8",
            format!("<html><body><h1>{status}</h1></body></html>"),
        ),
        crate::FieldsFault::Malformed => {
            let junk = format!("\x1b[2J{}", "x".repeat(1 << 20));
            let field = serde_json::json!({
                "field_code": "0123456789abcdef0123456789abcdef01234567",
                "field_name": "Broken", "is_custom_field": true, "options": junk,
            });
            let body = serde_json::json!({"success": true, "data": [field],
                "additional_data": {"next_cursor": null}});
            Reply::json(200, serde_json::to_vec(&body).expect("serialize"))
        }
    })
}

/// Pagination that goes wrong on a well-formed page: `repeat_cursor` points a cursor page back at
/// the cursor it was asked with, `stuck_next_start` makes an offset page point at its own start.
fn misbehave(faults: &crate::Faults, reply: Reply, pairs: &[(String, String)]) -> Reply {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (cursor, start) = (get("cursor"), get("start").unwrap_or_else(|| "0".into()));
    if reply.status != 200 || !(faults.repeat_cursor || faults.stuck_next_start) {
        return reply;
    }
    let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&reply.body) else {
        return reply;
    };
    if let Some(next) = body.pointer_mut("/additional_data/next_cursor") {
        if faults.repeat_cursor && cursor.is_some() && !next.is_null() {
            *next = cursor.into();
        }
    }
    if let Some(next) = body.pointer_mut("/additional_data/pagination/next_start") {
        if faults.stuck_next_start {
            *next = start.parse::<u64>().unwrap_or(0).into();
        }
    }
    Reply {
        body: serde_json::to_vec(&body).expect("serialize"),
        ..reply
    }
}

struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Handles one API request; returns the reply and the fault injected, if any.
pub async fn handle(
    shared: &Shared,
    path: &str,
    pairs: &[(String, String)],
    auth: &AuthKind,
) -> (Reply, Option<Fault>) {
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(shared);
    let started = Instant::now();
    let n = shared.api_requests.fetch_add(1, Ordering::SeqCst) + 1;
    let faults = shared.faults.read().unwrap().clone();
    let limit = faults.burst_limit.unwrap_or(crate::state::BURST_LIMIT);
    let crate::limits::Burst {
        remaining,
        reset,
        over,
    } = shared.limits.burst(auth, limit, faults.burst_window);
    let fault = match faults.pick(n) {
        None if over && faults.burst_limit.is_some() => Some(Fault::BurstLimit),
        f => f,
    };
    let (mut reply, fault) = match fault {
        Some(Fault::Drop) => (Reply::text(0, "text/plain", ""), fault),
        Some(f @ (Fault::SuccessFalse | Fault::Truncate)) => {
            let r = answer(shared, path, pairs, auth);
            match (r.status, f) {
                (200, Fault::Truncate) => (
                    Reply {
                        truncate: true,
                        ..r
                    },
                    fault,
                ),
                (200, _) => (fault_reply(f), fault),
                _ => (r, None),
            }
        }
        Some(Fault::Raw) => (
            faults.raw.as_ref().expect("picked only when set").reply(),
            fault,
        ),
        Some(f) => (fault_reply(f), fault),
        None => (
            misbehave(&faults, answer(shared, path, pairs, auth), pairs),
            None,
        ),
    };
    if faults.endless_empty_pages {
        reply = crate::endless::empty_page(path, reply);
    }
    reply.drop = fault == Some(Fault::Drop);
    if reply.status == 200 && fault.is_none() {
        shared.pages_served.fetch_add(1, Ordering::SeqCst);
        shared.answered(path);
    }
    let burst = matches!(fault, Some(Fault::Burst429 | Fault::BurstLimit));
    if burst {
        shared.limits.burst_429s.fetch_add(1, Ordering::SeqCst);
    }
    reply = reply
        .header("x-ratelimit-limit", limit.to_string())
        .header(
            "x-ratelimit-remaining",
            if burst { 0 } else { remaining }.to_string(),
        )
        .header(
            "x-ratelimit-reset",
            match fault {
                Some(Fault::Burst429) => "1".to_string(),
                _ => faults.burst_reset.header(reset),
            },
        );
    reply = crate::limits::daily_headers(shared, reply, fault == Some(Fault::DailyBudget));
    if fault == Some(Fault::Raw) {
        // The raw answer's own headers win over the mock's.
        let raw = faults.raw.as_ref().expect("picked only when set");
        reply
            .headers
            .retain(|(k, _)| raw.headers.iter().all(|(n, _)| n != k));
        reply.headers.extend(raw.headers.iter().cloned());
    }
    for (name, value) in &faults.headers {
        reply.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        reply.headers.push((name, value.clone()));
    }
    shared
        .handler_nanos
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::SeqCst);
    // Latency is the server's response time: building the answer counts towards it, as it would
    // on a real server, so pages x latency is an ideal a client can actually approach.
    let latency = shared.config.latency;
    if !latency.is_zero() {
        tokio::time::sleep_until((started + latency).into()).await;
    }
    (reply, fault)
}
