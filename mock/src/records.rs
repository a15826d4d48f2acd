//! Record writers: serialize record `id` of a kind in Pipedrive's shape (v2 for deals,
//! persons, organizations, pipelines, stages, activities, products; v1 for notes and users)
//! straight into a byte buffer. Some text values carry commas, quotes, newlines and unicode.

use crate::data::{h, Kind, Meta, World};
use crate::fields::CustomField;
use crate::json::Obj;
use crate::time::Style::{Date as D, Rfc3339 as R, V1};

const COMPANIES: &[&str] = &[
    "Acme, Inc.",
    "Globex",
    "Initech \"Labs\"",
    "Umbrella Corp",
    "Müller & Söhne GmbH",
    "株式会社テスト",
    "O'Reilly Media",
    "Stark Industries",
    "Zürich Café – naïve 😀",
    "Wayne Enterprises",
];
const FIRST: &[&str] = &[
    "Ann",
    "Bob",
    "Chloé",
    "Dmitri",
    "Eve",
    "François",
    "Grace",
    "Hiro",
    "Ines",
    "Jürgen",
];
const LAST: &[&str] = &[
    "Smith", "O'Brien", "García", "Nguyen", "Müller", "Kowalski", "Tanaka", "Ivanova",
];
const TEXTS: &[&str] = &[
    "Met at the fair",
    "Budget approved, waiting for PO",
    "Said \"call me next week\"",
    "Line one\nline two",
    "Prefers email – ✉️ only, ünïcödé",
    "comma, \"quote\"\r\nand CRLF",
    "",
];
const CURRENCIES: &[&str] = &["EUR", "USD", "GBP"];
const PRODUCTS: &[&str] = &["Widget", "Gadget", "Gizmo, large", "Doohickey", "Sprocket"];
const ACT_TYPES: &[&str] = &["call", "meeting", "task", "deadline", "email", "lunch"];
const STAGES: &[&str] = &[
    "Qualified",
    "Contact made",
    "Demo scheduled",
    "Proposal made",
    "Negotiations started",
];
const PIPELINES: &[&str] = &["Sales", "Partnerships, EMEA", "Renewals"];

fn pick<'a>(list: &[&'a str], salt: u64, id: u64, n: u64) -> &'a str {
    list[(h(salt, id, n) % list.len() as u64) as usize]
}

fn money(id: u64, salt: u64) -> f64 {
    (h(salt, id, 40) % 10_000_000) as f64 / 100.0
}

/// `custom_fields: {key: value}` in v2 form; `every` nth value is null.
fn custom_fields(o: &mut Obj, fields: &[CustomField], id: u64, salt: u64) {
    o.obj("custom_fields", |o| {
        for (n, f) in fields.iter().enumerate() {
            let r = h(salt, id, 50 + n as u64);
            if r % 5 == 0 {
                o.null(&f.key);
                continue;
            }
            match f.ftype {
                "monetary" => {
                    o.obj(&f.key, |m| {
                        m.f("value", money(id, salt + n as u64))
                            .s("currency", pick(CURRENCIES, salt, id, 41));
                    });
                }
                "enum" => {
                    o.i(
                        &f.key,
                        f.options[(r % f.options.len() as u64) as usize].0 as i64,
                    );
                }
                "set" => {
                    let ids: Vec<u64> = f
                        .options
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| (r >> (i + 8)) & 1 == 1)
                        .map(|(_, o)| o.0)
                        .collect();
                    o.ints(&f.key, &ids);
                }
                "double" => {
                    o.f(&f.key, (r % 1000) as f64 / 10.0);
                }
                "date" => {
                    o.t(&f.key, 1_700_000_000 + (r % 400) as i64 * 86_400, D);
                }
                _ => {
                    o.s(&f.key, pick(TEXTS, salt, id, 51));
                }
            };
        }
    });
}

fn company(id: u64) -> String {
    let c = COMPANIES[(id % COMPANIES.len() as u64) as usize];
    format!("{c} #{id}")
}

fn person_name(id: u64) -> (&'static str, &'static str) {
    (pick(FIRST, 7, id, 1), pick(LAST, 7, id, 2))
}

fn address(o: &mut Obj, key: &str, id: u64) {
    o.obj(key, |a| {
        let street = format!("{} Main St", id % 200 + 1);
        a.s("value", &format!("{street}, Springfield"))
            .s("country", "USA")
            .s("admin_area_level_1", "CA")
            .s("admin_area_level_2", "Santa Clara")
            .s("locality", "Springfield")
            .s("sublocality", "Downtown")
            .s("route", "Main St")
            .s("street_number", &(id % 200 + 1).to_string())
            .null("subpremise")
            .s("postal_code", "94085");
    });
}

/// The `name` of product `id`.
pub fn product_name(id: u64) -> String {
    let salt = Kind::Product as u64 + 1000;
    format!("{} {id}", pick(PRODUCTS, salt, id, 1))
}

/// The `title` of deal `id`.
pub fn deal_title(id: u64) -> String {
    format!("{} deal", company(id))
}

pub fn write(world: &World, kind: Kind, id: u64, buf: &mut Vec<u8>) {
    let m = world.meta(kind, id);
    let custom = &world.custom[kind.family() as usize];
    let salt = kind.family() as u64 + 1000;
    let mut o = Obj::new(buf);
    match kind {
        Kind::Deal | Kind::ArchivedDeal => deal(&mut o, &m, kind, custom, salt),
        Kind::Person => {
            let (first, last) = person_name(id);
            o.i("id", id as i64)
                .s("name", &format!("{first} {last}"))
                .s("first_name", first)
                .s("last_name", last)
                .i("owner_id", m.owner_id as i64)
                .oi("org_id", m.org_id)
                .t("add_time", m.add_time, R)
                .t("update_time", m.update_time, R);
            let email = format!("{}.{}{id}@example.com", first, last).to_lowercase();
            o.objs("emails", &[email], |e, v| {
                e.s("value", v).b("primary", true).s("label", "work");
            });
            let phone = format!("+1 555 {:04}", id % 10_000);
            o.objs("phones", &[phone], |e, v| {
                e.s("value", v).b("primary", true).s("label", "work");
            });
            o.b("is_deleted", false)
                .i("visible_to", 3)
                .ints("label_ids", &[])
                .null("picture_id");
            custom_fields(&mut o, custom, id, salt);
        }
        Kind::Org => {
            o.i("id", id as i64)
                .s("name", &company(id))
                .i("owner_id", m.owner_id as i64)
                .t("add_time", m.add_time, R)
                .t("update_time", m.update_time, R);
            address(&mut o, "address", id);
            o.b("is_deleted", false)
                .i("visible_to", 3)
                .ints("label_ids", &[])
                .s("website", &format!("https://org{id}.example.com"))
                .null("linkedin")
                .null("industry")
                .null("annual_revenue")
                .i("employee_count", (h(salt, id, 9) % 5000) as i64);
            custom_fields(&mut o, custom, id, salt);
        }
        Kind::Pipeline => {
            let name = PIPELINES
                .get(id as usize - 1)
                .copied()
                .unwrap_or("Pipeline");
            o.i("id", id as i64)
                .s("name", &format!("{name} {id}"))
                .i("order_nr", id as i64)
                .b("is_deleted", false)
                .b("is_deal_probability_enabled", id % 2 == 1)
                .t("add_time", m.add_time, R)
                .t("update_time", m.update_time, R);
        }
        Kind::Stage => {
            let (pipeline, order) = world.stage_pipeline(id);
            o.i("id", id as i64)
                .i("order_nr", order as i64)
                .s("name", STAGES[(order as usize - 1) % STAGES.len()])
                .b("is_deleted", false)
                .i("deal_probability", (order * 20).min(100) as i64)
                .i("pipeline_id", pipeline as i64)
                .b("is_deal_rot_enabled", order % 2 == 0)
                .oi("days_to_rotten", (order % 2 == 0).then_some(order * 7))
                .t("add_time", m.add_time, R)
                .t("update_time", m.update_time, R);
        }
        Kind::Activity => activity(&mut o, &m, salt),
        Kind::Product => {
            let name = product_name(id);
            o.i("id", id as i64)
                .s("name", &name)
                .s("code", &format!("SKU-{id:05}"))
                .s("description", pick(TEXTS, salt, id, 2))
                .s("unit", "pcs")
                .i("tax", 0)
                .null("category")
                .b("is_linkable", true)
                .b("is_deleted", false)
                .i("visible_to", 3)
                .i("owner_id", m.owner_id as i64)
                .t("add_time", m.add_time, R)
                .t("update_time", m.update_time, R)
                .null("billing_frequency")
                .null("billing_frequency_cycles");
            let price = money(id, salt);
            o.objs("prices", &[price], |p, &v| {
                p.i("product_id", id as i64)
                    .f("price", v)
                    .s("currency", "EUR")
                    .f("cost", (v / 2.0).round())
                    .i("direct_cost", 0)
                    .null("notes");
            });
            custom_fields(&mut o, custom, id, salt);
        }
        Kind::Note => note(&mut o, &m, salt),
        Kind::User => user(&mut o, &m),
    }
    o.end();
}

fn deal(o: &mut Obj, m: &Meta, kind: Kind, custom: &[CustomField], salt: u64) {
    let id = m.id;
    let closed = matches!(m.status, "won" | "lost");
    let close = m.add_time + (h(salt, id, 11) % (60 * 86_400)) as i64;
    let archived = kind == Kind::ArchivedDeal;
    let (won, lost) = (m.status == "won", m.status == "lost");
    o.i("id", id as i64)
        .s("title", &deal_title(id))
        .i("creator_user_id", m.owner_id as i64)
        .i("owner_id", m.owner_id as i64)
        .f("value", money(id, salt))
        .oi("person_id", m.person_id)
        .oi("org_id", m.org_id)
        .oi("stage_id", m.stage_id)
        .oi("pipeline_id", m.pipeline_id)
        .s("currency", pick(CURRENCIES, salt, id, 41))
        .ot("archive_time", archived.then_some(m.update_time), R)
        .t("add_time", m.add_time, R)
        .t("update_time", m.update_time, R)
        .t("stage_change_time", m.add_time + 3600, R)
        .s("status", m.status)
        .b("is_archived", archived)
        .b("is_deleted", m.status == "deleted")
        .null("probability")
        .os("lost_reason", lost.then_some("Too expensive, \"later\""))
        .i("visible_to", 3)
        .ot("close_time", closed.then_some(close), R)
        .ot("won_time", won.then_some(close), R)
        .ot("lost_time", lost.then_some(close), R)
        .ot("local_won_date", won.then_some(close), D)
        .ot("local_lost_date", lost.then_some(close), D)
        .ot("local_close_date", closed.then_some(close), D)
        .t("expected_close_date", close + 86_400 * 30, D)
        .ints("label_ids", if id % 4 == 0 { &[1, 2] } else { &[] })
        .s("origin", "ManuallyCreated")
        .null("origin_id")
        .null("channel")
        .null("channel_id")
        .null("acv")
        .null("arr")
        .null("mrr");
    custom_fields(o, custom, id, salt);
}

fn activity(o: &mut Obj, m: &Meta, salt: u64) {
    let id = m.id;
    let ty = pick(ACT_TYPES, salt, id, 1);
    let due = m.add_time + (h(salt, id, 12) % (30 * 86_400)) as i64;
    o.i("id", id as i64)
        .s("subject", &format!("{} with {}", ty, company(id)))
        .s("type", ty)
        .i("owner_id", m.owner_id as i64)
        .i("creator_user_id", m.owner_id as i64)
        .b("is_deleted", false)
        .t("add_time", m.add_time, R)
        .t("update_time", m.update_time, R)
        .oi("deal_id", m.deal_id)
        .null("lead_id")
        .oi("person_id", m.person_id)
        .oi("org_id", m.org_id)
        .null("project_id")
        .t("due_date", due, D)
        .s("due_time", &format!("{:02}:00:00", 8 + id % 10))
        .s("duration", "01:00:00")
        .b("busy", true)
        .b("done", m.done)
        .ot("marked_as_done_time", m.done.then_some(due), R)
        .null("location");
    match m.person_id {
        Some(p) => o.objs("participants", &[p], |o, &p| {
            o.i("person_id", p as i64).b("primary", true);
        }),
        None => o.ints("participants", &[]),
    };
    o.null("conference_meeting_client")
        .null("conference_meeting_url")
        .null("conference_meeting_id")
        .null("public_description")
        .null("priority")
        .s("note", pick(TEXTS, salt, id, 2));
}

fn note(o: &mut Obj, m: &Meta, salt: u64) {
    let id = m.id;
    let text = pick(TEXTS, salt, id, 1);
    let (first, last) = person_name(m.owner_id);
    o.i("id", id as i64)
        .b("active_flag", true)
        .t("add_time", m.add_time, V1)
        .s("content", &format!("<p>Note {id}: {text}</p>"));
    match m.deal_id {
        Some(d) => o.obj("deal", |o| {
            o.s("title", &format!("{} deal", company(d)));
        }),
        None => o.null("deal"),
    };
    o.null("lead_id")
        .oi("deal_id", m.deal_id)
        .i("last_update_user_id", m.owner_id as i64)
        .oi("org_id", m.org_id);
    match m.org_id {
        Some(g) => o.obj("organization", |o| {
            o.s("name", &company(g));
        }),
        None => o.null("organization"),
    };
    match m.person_id {
        Some(p) => o.obj("person", |o| {
            let (f, l) = person_name(p);
            o.s("name", &format!("{f} {l}"));
        }),
        None => o.null("person"),
    };
    o.oi("person_id", m.person_id)
        .null("project_id")
        .null("project")
        .b("pinned_to_lead_flag", false)
        .b("pinned_to_deal_flag", m.deal_id.is_some() && id % 7 == 0)
        .b("pinned_to_organization_flag", false)
        .b("pinned_to_person_flag", false)
        .b("pinned_to_project_flag", false)
        .t("update_time", m.update_time, V1)
        .obj("user", |u| {
            u.s("email", &format!("user{}@example.com", m.owner_id))
                .null("icon_url")
                .b("is_you", m.owner_id == 1)
                .s("name", &format!("{first} {last}"));
        })
        .i("user_id", m.owner_id as i64);
}

fn user(o: &mut Obj, m: &Meta) {
    let id = m.id;
    let (first, last) = person_name(id + 1000);
    o.i("id", id as i64)
        .s("name", &format!("{first} {last}"))
        .s("default_currency", "EUR")
        .s("locale", "en_US")
        .i("lang", 1)
        .s("email", &format!("user{id}@example.com"))
        .s("phone", &format!("+1 555 01{id:02}"))
        .b("activated", true)
        .t("last_login", m.update_time, V1)
        .t("created", m.add_time, V1)
        .t("modified", m.update_time, V1)
        .b("has_created_company", id == 1)
        .objs("access", &["sales", "global"], |a, app| {
            a.s("app", app).b("admin", id == 1).s(
                "permission_set_id",
                &format!("62cc4d7f-4038-4352-abf3-{id:012}"),
            );
        })
        .b("active_flag", true)
        .s("timezone_name", "Europe/Berlin")
        .s("timezone_offset", "+01:00")
        .i("role_id", 1)
        .null("icon_url")
        .b("is_you", id == 1)
        .b("is_deleted", false);
}
