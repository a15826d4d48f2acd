//! The v1 lists beyond the first nine types: leads (open and archived), lead labels and sources, activity
//! types, currencies, filters, permission sets, roles, files, call logs, goals and lead fields,
//! each in the shape of its spec's example, times in that service's format (`YYYY-MM-DD
//! HH:MM:SS` for the classic v1 services, ISO with milliseconds for leads and call logs).

use std::cmp::Ordering;

use super::ops::{APPS, FILTER_TYPES, GOAL_TYPES};
use super::util::{self, iso_ms, pick, times, uuid, DAY};
use crate::data::{h, Kind, World};
use crate::fields;
use crate::json::Obj;
use crate::paging::{self, get, int, one_answer, Offset, Pairs};
use crate::state::{error_reply, Reply};
use crate::time::{self, Style::Date as D, Style::V1};

const S_LEAD: u64 = 0x12_0001;
const S_LABEL: u64 = 0x12_0002;
const S_FILTER: u64 = 0x12_0003;
const S_PSET: u64 = 0x12_0004;
const S_FILE: u64 = 0x12_0005;
const S_CALL: u64 = 0x12_0006;
const S_GOAL: u64 = 0x12_0007;
const S_TYPE: u64 = 0x12_0008;

fn name_of<'a>(list: &[&'a str], n: u64) -> std::borrow::Cow<'a, str> {
    let i = (n - 1) as usize;
    match list.get(i) {
        Some(s) => (*s).into(),
        None => format!("{} {}", list[i % list.len()], n).into(),
    }
}

// ---------------------------------------------------------------- leads

const LEAD_SOURCES: &[&str] = &[
    "Manually created",
    "Deal",
    "Web forms",
    "Prospector",
    "Leadbooster",
    "Live chat",
    "Import",
    "Website visitors",
    "Workflow automation",
    "API",
];

struct Lead {
    archived: bool,
    owner_id: u64,
    person_id: Option<u64>,
    org_id: Option<u64>,
    add_time: i64,
    update_time: i64,
}

fn lead(world: &World, n: u64) -> Lead {
    let s = &world.seed;
    let (add_time, generated) = times(S_LEAD, n);
    let update_time = world.lead_touched(n).unwrap_or(generated);
    Lead {
        archived: n > s.leads,
        owner_id: pick(s.users, S_LEAD, n, 3, 0).unwrap_or(1),
        person_id: pick(s.persons, S_LEAD, n, 4, 4),
        org_id: pick(s.organizations, S_LEAD, n, 5, 3),
        add_time,
        update_time,
    }
}

/// The UUID of lead `n` (1-based over open then archived leads).
pub fn lead_id(n: u64) -> String {
    uuid(S_LEAD, n)
}

fn label_id(n: u64) -> String {
    uuid(S_LABEL, n)
}

fn write_lead(world: &World, n: u64, buf: &mut Vec<u8>) {
    let l = lead(world, n);
    let s = &world.seed;
    let r = h(S_LEAD, n, 6);
    let mut o = Obj::new(buf);
    let title = match l.person_id {
        Some(p) => format!("Lead #{n} for person {p}"),
        None => format!("Lead #{n}, \"inbound\""),
    };
    o.s("id", &lead_id(n))
        .s("title", &title)
        .i("owner_id", l.owner_id as i64)
        .i("creator_id", l.owner_id as i64);
    let labels: Vec<String> = pick(s.lead_labels, S_LEAD, n, 7, 3)
        .map(label_id)
        .into_iter()
        .collect();
    let b = o.key("label_ids");
    serde_json::to_writer(&mut *b, &labels).expect("write to Vec");
    let source = if s.lead_sources == 0 {
        "API".to_string()
    } else {
        name_of(LEAD_SOURCES, 1 + r % s.lead_sources).into_owned()
    };
    o.oi("person_id", l.person_id)
        .oi("organization_id", l.org_id)
        .s("source_name", &source)
        .s("origin", if r % 2 == 0 { "API" } else { "ManuallyCreated" })
        .null("origin_id")
        .null("channel")
        .null("channel_id")
        .null("source_deal_id")
        .b("is_archived", l.archived)
        .b("was_seen", r % 3 == 0);
    if r % 4 == 0 {
        o.null("value");
    } else {
        o.obj("value", |v| {
            v.f("amount", (r % 100_000) as f64 / 10.0)
                .s("currency", ["EUR", "USD", "GBP"][(r % 3) as usize]);
        });
    }
    o.ot(
        "expected_close_date",
        (r % 5 != 0).then_some(l.add_time + 45 * DAY),
        D,
    )
    .oi("next_activity_id", pick(s.activities, S_LEAD, n, 8, 2));
    iso_ms(&mut o, "add_time", l.add_time);
    iso_ms(&mut o, "update_time", l.update_time);
    o.s("visible_to", "3").s(
        "cc_email",
        &format!("company+1+lead{n}@dev.pipedrivemail.com"),
    );
    // Leads carry the deal custom fields (Pipedrive shares them), v1 style.
    util::v1_custom(&mut o, &world.custom[Kind::Deal as usize], n, S_LEAD);
    o.end();
}

/// JSON order of the `sort` values: null < bool < number < string.
fn cmp_json(a: &serde_json::Value, b: &serde_json::Value) -> Ordering {
    use serde_json::Value::*;
    let rank = |v: &serde_json::Value| match v {
        Null => 0,
        Bool(_) => 1,
        Number(_) => 2,
        _ => 3,
    };
    match (a, b) {
        (Bool(x), Bool(y)) => x.cmp(y),
        (Number(x), Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (String(x), String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// `/v1/leads` and `/v1/leads/archived`: offset pages, `additional_data` flat as the leads
/// schema has it. Filters: owner_id, person_id, organization_id, updated_since; `filter_id` is
/// accepted and ignored (the mock has no filter conditions); `sort` orders ascending.
pub fn leads(world: &World, archived: bool, pairs: &Pairs) -> Reply {
    let s = &world.seed;
    let range = if archived {
        s.leads + 1..=s.leads + s.archived_leads
    } else {
        1..=s.leads
    };
    let since = get(pairs, "updated_since").and_then(time::parse_rfc3339);
    let (owner, person, org) = (
        int(pairs, "owner_id"),
        int(pairs, "person_id"),
        int(pairs, "organization_id"),
    );
    let mut ids: Vec<u64> = range
        .filter(|&n| {
            let l = lead(world, n);
            owner.is_none_or(|v| v == l.owner_id)
                && person.is_none_or(|v| Some(v) == l.person_id)
                && org.is_none_or(|v| Some(v) == l.org_id)
                && since.is_none_or(|t| l.update_time >= t)
        })
        .collect();
    if let Some(field) = get(pairs, "sort") {
        let mut keyed: Vec<(serde_json::Value, u64)> = ids
            .iter()
            .map(|&n| {
                let mut buf = Vec::new();
                write_lead(world, n, &mut buf);
                let v: serde_json::Value = serde_json::from_slice(&buf).expect("lead json");
                (v[field].clone(), n)
            })
            .collect();
        keyed.sort_by(|a, b| cmp_json(&a.0, &b.0).then(a.1.cmp(&b.1)));
        ids = keyed.into_iter().map(|(_, n)| n).collect();
    }
    paging::offset_page(&ids, pairs, Offset::Flat, |n, buf| {
        write_lead(world, n, buf)
    })
}

// ------------------------------------------------------- one-answer lists

const LABELS: &[&str] = &["Hot", "Cold", "Warm", "VIP, \"key account\""];
const COLORS: &[&str] = &[
    "red",
    "blue",
    "yellow",
    "green",
    "purple",
    "orange",
    "pink",
    "brown",
    "gray",
    "dark-gray",
];

/// `/v1/leadLabels`: every label in one answer.
pub fn lead_labels(world: &World) -> Reply {
    one_answer(1..=world.seed.lead_labels, |n, buf| {
        let (add, update) = times(S_LABEL, n);
        let mut o = Obj::new(buf);
        o.s("id", &label_id(n))
            .s("name", &name_of(LABELS, n))
            .s("color", COLORS[(n - 1) as usize % COLORS.len()]);
        iso_ms(&mut o, "add_time", add);
        iso_ms(&mut o, "update_time", update);
        o.end();
    })
}

/// `/v1/leadSources`: names only, in one answer.
pub fn lead_sources(world: &World) -> Reply {
    one_answer(1..=world.seed.lead_sources, |n, buf| {
        let mut o = Obj::new(buf);
        o.s("name", &name_of(LEAD_SOURCES, n));
        o.end();
    })
}

const ACTIVITY_TYPES: &[(&str, &str)] = &[
    ("Call", "call"),
    ("Meeting", "meeting"),
    ("Task", "task"),
    ("Deadline", "deadline"),
    ("Email", "email"),
    ("Lunch", "lunch"),
];
const ICONS: &[&str] = &["calendar", "document", "car", "plane", "bulb", "bell"];

/// `/v1/activityTypes`: every type in one answer; ids follow Pipedrive's habit of not starting
/// at 1.
pub fn activity_types(world: &World) -> Reply {
    one_answer(1..=world.seed.activity_types, |n, buf| {
        let (add, update) = times(S_TYPE, n);
        let (name, key, icon, custom) = match ACTIVITY_TYPES.get(n as usize - 1) {
            Some(&(name, key)) => (name.to_string(), key.to_string(), key, false),
            None => (
                format!("Custom type {n}, \"demo\""),
                format!("custom_type_{n}"),
                ICONS[n as usize % ICONS.len()],
                true,
            ),
        };
        let mut o = Obj::new(buf);
        o.i("id", n as i64 + 3)
            .i("order_nr", n as i64)
            .s("name", &name)
            .s("key_string", &key)
            .s("icon_key", icon)
            .b("active_flag", n % 7 != 0)
            .s("color", if custom { "5B9BD5" } else { "FFFFFF" })
            .b("is_custom_flag", custom)
            .t("add_time", add, V1)
            .t("update_time", update, V1);
        o.end();
    })
}

const CURRENCIES: &[(&str, &str, &str, i64)] = &[
    ("EUR", "Euro", "€", 2),
    ("USD", "US Dollar", "$", 2),
    ("GBP", "Pound Sterling", "£", 2),
    ("JPY", "Japanese Yen", "¥", 0),
    ("CHF", "Swiss Franc", "CHF", 2),
    ("SEK", "Swedish Krona", "kr", 2),
    ("BRL", "Brazilian Real", "R$", 2),
    ("INR", "Indian Rupee", "₹", 2),
];

/// `/v1/currencies`: one answer; `term` keeps currencies whose code or name contains it
/// (case-insensitive). Beyond the eight real ones, custom currencies.
pub fn currencies(world: &World, pairs: &Pairs) -> Reply {
    let term = get(pairs, "term").map(str::to_lowercase);
    let row = |n: u64| match CURRENCIES.get(n as usize - 1) {
        Some(&(code, name, symbol, dp)) => (
            code.to_string(),
            name.to_string(),
            symbol.to_string(),
            dp,
            false,
        ),
        None => (
            format!("X{n:02}"),
            format!("Custom, \"points\" {n}"),
            "pt".into(),
            0,
            true,
        ),
    };
    let ids: Vec<u64> = (1..=world.seed.currencies)
        .filter(|&n| {
            let (code, name, ..) = row(n);
            term.as_ref().is_none_or(|t| {
                code.to_lowercase().contains(t.as_str()) || name.to_lowercase().contains(t.as_str())
            })
        })
        .collect();
    one_answer(ids.into_iter(), |n, buf| {
        let (code, name, symbol, dp, custom) = row(n);
        let mut o = Obj::new(buf);
        o.i("id", n as i64)
            .s("code", &code)
            .s("name", &name)
            .i("decimal_points", dp)
            .s("symbol", &symbol)
            .b("active_flag", true)
            .b("is_custom_flag", custom);
        o.end();
    })
}

/// `/v1/filters`: one answer; `type` keeps one type. Types cycle through the spec's enum.
pub fn filters(world: &World, pairs: &Pairs) -> Reply {
    let ty = |n: u64| FILTER_TYPES[(n - 1) as usize % FILTER_TYPES.len()];
    let want = get(pairs, "type");
    let ids = (1..=world.seed.filters).filter(|&n| want.is_none_or(|t| t == ty(n)));
    let users = world.seed.users;
    one_answer(ids, |n, buf| {
        let (add, update) = times(S_FILTER, n);
        let r = h(S_FILTER, n, 3);
        let mut o = Obj::new(buf);
        o.i("id", n as i64)
            .s("name", &format!("{} filter {n}, \"mine\"", ty(n)))
            .null("filter_code")
            .b("is_editable", true)
            .b("active_flag", true)
            .s("type", ty(n))
            .null("temporary_flag")
            .i(
                "user_id",
                pick(users, S_FILTER, n, 4, 0).unwrap_or(1) as i64,
            )
            .t("add_time", add, V1)
            .t("update_time", update, V1)
            .s("visible_to", if r % 2 == 0 { "7" } else { "1" })
            .ot("last_used_time", (r % 3 != 0).then_some(update + DAY), V1)
            .null("custom_view_id");
        o.end();
    })
}

const PERMISSION_SETS: &[(&str, &str, &str, &str)] = &[
    (
        "Deals admin",
        "sales",
        "admin",
        "See and edit all sales data (deals, leads)",
    ),
    (
        "Deals regular user",
        "sales",
        "regular",
        "Access to sales data, \"limited\"",
    ),
    (
        "Global admin",
        "global",
        "admin",
        "See and edit all cross-product data",
    ),
    (
        "Global regular user",
        "global",
        "regular",
        "Access to cross-product data",
    ),
    (
        "Account settings",
        "account_settings",
        "admin",
        "Billing, security center, users",
    ),
];

/// `/v1/permissionSets`: one answer; `app` keeps one app.
pub fn permission_sets(world: &World, pairs: &Pairs) -> Reply {
    let row = |n: u64| match PERMISSION_SETS.get(n as usize - 1) {
        Some(&(name, app, ty, desc)) => (name.to_string(), app, ty, desc.to_string()),
        None => (
            format!("Custom set {n}"),
            APPS[n as usize % APPS.len()],
            "custom",
            format!("Custom permissions #{n}"),
        ),
    };
    let want = get(pairs, "app");
    let ids = (1..=world.seed.permission_sets).filter(|&n| want.is_none_or(|a| a == row(n).1));
    one_answer(ids, |n, buf| {
        let (name, app, ty, desc) = row(n);
        let mut o = Obj::new(buf);
        o.s("id", &uuid(S_PSET, n))
            .s("name", &name)
            .s("description", &desc)
            .s("app", app)
            .s("type", ty)
            .i("assignment_count", (h(S_PSET, n, 1) % 5) as i64);
        o.end();
    })
}

// ------------------------------------------------------------ offset lists

const ROLES: &[&str] = &[
    "(Unassigned users)",
    "Admins",
    "Sales, \"EMEA\"",
    "Reviewers",
];

/// `/v1/roles`: offset pages; role 1 is the root, the others hang below the one before.
pub fn roles(world: &World, pairs: &Pairs) -> Reply {
    let ids: Vec<u64> = (1..=world.seed.roles).collect();
    paging::offset_page(&ids, pairs, Offset::Pagination, |n, buf| {
        let mut o = Obj::new(buf);
        o.i("id", n as i64)
            .oi("parent_role_id", (n > 1).then_some((n / 2).max(1)))
            .s("name", &name_of(ROLES, n))
            .b("active_flag", true)
            .s("assignment_count", &(n % 3).to_string())
            .s(
                "sub_role_count",
                &u64::from(n * 2 <= world.seed.roles).to_string(),
            )
            .i("level", (64 - n.leading_zeros()) as i64);
        o.end();
    })
}

/// `/v1/files`: offset pages of file metadata (limit at most 100, as declared); `sort` is
/// `id` or `update_time`, optionally followed by ` ASC`/` DESC`. The `url` points at the mock,
/// which does not serve downloads.
pub fn files(world: &World, url: &str, pairs: &Pairs) -> Reply {
    let sort = get(pairs, "sort").unwrap_or("id").trim();
    let mut words = sort.split_whitespace();
    let field = words.next().unwrap_or("id");
    let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return error_reply(400, &format!("Invalid sort '{sort}'")),
    };
    if !["id", "update_time"].contains(&field) || words.next().is_some() {
        return error_reply(400, &format!("Invalid sort field '{field}'"));
    }
    let mut ids: Vec<(i64, u64)> = (1..=world.seed.files)
        .map(|n| match field {
            "update_time" => (times(S_FILE, n).1, n),
            _ => (n as i64, n),
        })
        .collect();
    ids.sort_unstable();
    if desc {
        ids.reverse();
    }
    let ids: Vec<u64> = ids.into_iter().map(|x| x.1).collect();
    let s = &world.seed;
    paging::offset_page(&ids, pairs, Offset::Pagination, |n, buf| {
        let (add, update) = times(S_FILE, n);
        let r = h(S_FILE, n, 3);
        let deal = pick(s.deals, S_FILE, n, 4, 2);
        let person = pick(s.persons, S_FILE, n, 5, 3);
        let org = pick(s.organizations, S_FILE, n, 6, 3);
        let (ext, ty) = [
            ("pdf", "pdf"),
            ("jpg", "img"),
            ("xlsx", "spreadsheet"),
            ("docx", "doc"),
        ][(r % 4) as usize];
        let file_name = format!("Offer #{n}, \"final\".{ext}");
        let mut o = Obj::new(buf);
        o.i("id", n as i64)
            .i(
                "user_id",
                pick(s.users, S_FILE, n, 7, 0).unwrap_or(1) as i64,
            )
            .oi("deal_id", deal)
            .oi("person_id", person)
            .oi("org_id", org)
            .null("product_id")
            .oi("activity_id", pick(s.activities, S_FILE, n, 8, 4))
            .null("lead_id")
            .null("project_id")
            .null("log_id")
            .t("add_time", add, V1)
            .t("update_time", update, V1)
            .s("file_name", &file_name)
            .s("file_type", ty)
            .i("file_size", (r % 5_000_000) as i64 + 1024)
            .b("active_flag", true)
            .b("inline_flag", false)
            .s("remote_location", "s3")
            .s("remote_id", &util::hex(S_FILE, n, 24))
            .s("cid", "")
            .s("s3_bucket", "")
            .s("mail_message_id", "")
            .s("mail_template_id", "")
            .s(
                "deal_name",
                &deal.map(|d| format!("Deal {d}")).unwrap_or_default(),
            )
            .s(
                "person_name",
                &person.map(|p| format!("Person {p}")).unwrap_or_default(),
            )
            .s(
                "org_name",
                &org.map(|g| format!("Organization {g}")).unwrap_or_default(),
            )
            .s("product_name", "")
            .s("lead_name", "")
            .s("project_name", "")
            .s("url", &format!("{url}/api/v1/files/{n}/download"))
            .s("name", &file_name)
            .s(
                "description",
                if r % 2 == 0 { "" } else { "Signed copy\nv2" },
            );
        o.end();
    })
}

const OUTCOMES: &[&str] = &[
    "connected",
    "no_answer",
    "left_message",
    "left_voicemail",
    "wrong_number",
    "busy",
];

/// `/v1/callLogs`: offset pages, newest calls last (the order is by id).
pub fn call_logs(world: &World, pairs: &Pairs) -> Reply {
    let ids: Vec<u64> = (1..=world.seed.call_logs).collect();
    let s = &world.seed;
    paging::offset_page(&ids, pairs, Offset::Pagination, |n, buf| {
        let (start, _) = times(S_CALL, n);
        let r = h(S_CALL, n, 3);
        let secs = (r % 1800) as i64;
        let mut o = Obj::new(buf);
        o.s("id", &format!("CA{}", util::hex(S_CALL, n, 30)))
            .oi("activity_id", pick(s.activities, S_CALL, n, 4, 3))
            .oi("person_id", pick(s.persons, S_CALL, n, 5, 4))
            .oi("org_id", pick(s.organizations, S_CALL, n, 6, 3))
            .oi("deal_id", pick(s.deals, S_CALL, n, 7, 2))
            .null("lead_id")
            .s("subject", &format!("Call #{n}: \"follow-up\", pricing"))
            .s("duration", &secs.to_string())
            .s("outcome", OUTCOMES[(r % OUTCOMES.len() as u64) as usize])
            .s("from_phone_number", &format!("+1555{:07}", r % 10_000_000))
            .s(
                "to_phone_number",
                &format!("+4930{:07}", (r >> 24) % 10_000_000),
            )
            .b("has_recording", r % 3 == 0);
        iso_ms(&mut o, "start_time", start);
        iso_ms(&mut o, "end_time", start + secs);
        o.i(
            "user_id",
            pick(s.users, S_CALL, n, 8, 0).unwrap_or(1) as i64,
        )
        .i("company_id", 66_660_666)
        .s("note", if r % 2 == 0 { "Line one\nline two" } else { "" });
        o.end();
    })
}

// ------------------------------------------------------------------- goals

/// `/v1/goals/find`: one answer, `data.goals`. `is_active` (default true) picks active or
/// inactive goals; `type.name`, `title`, `assignee.id` and `assignee.type` filter; the other
/// declared parameters are accepted and do not filter.
pub fn goals(world: &World, pairs: &Pairs) -> Reply {
    let s = &world.seed;
    let active = !matches!(get(pairs, "is_active"), Some("false" | "0"));
    let range = if active {
        1..=s.goals
    } else {
        s.goals + 1..=s.goals + s.inactive_goals
    };
    let ty = |n: u64| GOAL_TYPES[(h(S_GOAL, n, 1) % GOAL_TYPES.len() as u64) as usize];
    let assignee = |n: u64| match n % 3 {
        0 => ("company", 1),
        1 => ("person", pick(s.users, S_GOAL, n, 2, 0).unwrap_or(1)),
        _ => ("team", 1 + n % 2),
    };
    let title = |n: u64| format!("Goal {n}: {}, \"Q{}\"", ty(n).replace('_', " "), 1 + n % 4);
    let ids: Vec<u64> = range
        .filter(|&n| {
            get(pairs, "type.name").is_none_or(|t| t == ty(n))
                && get(pairs, "title").is_none_or(|t| t == title(n))
                && get(pairs, "assignee.type").is_none_or(|t| t == assignee(n).0)
                && int(pairs, "assignee.id").is_none_or(|i| i == assignee(n).1)
        })
        .collect();
    let mut buf = b"{\"success\":true,\"statusCode\":20000,\"statusText\":\"OK\",\"service\":\"statistics-goals-api\",\"data\":{\"goals\":[".to_vec();
    for (k, &n) in ids.iter().enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        let r = h(S_GOAL, n, 3);
        let (start, _) = times(S_GOAL, n);
        let interval = ["weekly", "monthly", "quarterly", "yearly"][(r % 4) as usize];
        let sum = ty(n).starts_with("deals") && r % 2 == 0;
        let (who, id) = assignee(n);
        let mut o = Obj::new(&mut buf);
        o.s("id", &util::hex(S_GOAL, n, 32))
            .i(
                "owner_id",
                pick(s.users, S_GOAL, n, 4, 0).unwrap_or(1) as i64,
            )
            .s("title", &title(n))
            .obj("type", |t| {
                t.s("name", ty(n)).obj("params", |p| {
                    if ty(n).starts_with("deals") {
                        let pipes: Vec<u64> =
                            pick(s.pipelines, S_GOAL, n, 5, 0).into_iter().collect();
                        p.ints("pipeline_id", &pipes);
                    } else {
                        p.ints("activity_type_id", &[4 + r % 6]);
                    }
                });
            })
            .obj("assignee", |a| {
                a.s("type", who).i("id", id as i64);
            })
            .s("interval", interval)
            .obj("duration", |d| {
                d.t("start", start, D);
                if r % 3 == 0 {
                    d.null("end");
                } else {
                    d.t("end", start + 365 * DAY, D);
                }
            })
            .obj("expected_outcome", |e| {
                e.i("target", (10 + r % 90) as i64 * if sum { 1000 } else { 1 })
                    .s("tracking_metric", if sum { "sum" } else { "quantity" });
                if sum {
                    e.i("currency_id", 1);
                }
            })
            .b("is_active", active);
        let reports = [util::hex(S_GOAL, n + 1_000_000, 32)];
        let b = o.key("report_ids");
        serde_json::to_writer(&mut *b, &reports).expect("write to Vec");
        o.end();
    }
    buf.extend_from_slice(b"]}}");
    Reply::json(200, buf)
}

// ------------------------------------------------------------- lead fields

const LEAD_STANDARD: &fields::Standard = &[
    ("title", "Title", "varchar"),
    ("owner_id", "Owner", "user"),
    ("related_person_id", "Person", "people"),
    ("related_org_id", "Organization", "org"),
    ("value", "Value", "monetary"),
    ("expected_close_date", "Expected close date", "date"),
    ("label_ids", "Labels", "set"),
    ("source_name", "Source", "varchar"),
    ("add_time", "Lead created", "date"),
    ("update_time", "Update time", "date"),
];

/// `/v1/leadFields`: offset pages; the standard lead fields, then the deal custom fields that
/// leads carry.
pub fn lead_fields(world: &World, pairs: &Pairs) -> Reply {
    let items = fields::v1_items(LEAD_STANDARD, &world.custom[Kind::Deal as usize], false);
    let ids: Vec<u64> = (0..items.len() as u64).collect();
    paging::offset_page(&ids, pairs, Offset::Pagination, |n, buf| {
        let item = &items[n as usize];
        // The leadFields schema adds these three to the v1 field keys.
        buf.extend_from_slice(&item.as_bytes()[..item.len() - 1]);
        buf.extend_from_slice(b",\"options_deleted\":[],\"is_subfield\":false");
        if item.contains("\"field_type\":\"monetary\"") {
            buf.extend_from_slice(
                b",\"subfields\":[{\"key\":\"currency\",\"name\":\"Currency\",\"field_type\":\"varchar\"}]",
            );
        } else {
            buf.extend_from_slice(b",\"subfields\":null");
        }
        buf.push(b'}');
    })
}
