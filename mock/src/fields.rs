//! Field definitions: the custom fields each kind carries (40-hex keys, types, options) and
//! the JSON of the `/api/v2/*Fields` and `/api/v1/*Fields` answers built from them.

use crate::data::{h, Kind, KINDS};
use crate::json::Obj;

#[derive(Clone, Debug)]
pub struct CustomField {
    pub key: String,
    pub name: String,
    /// Pipedrive field type: varchar, text, monetary, enum, set, double, date.
    pub ftype: &'static str,
    pub options: &'static [(u64, &'static str)],
}

type Def = (&'static str, &'static str, &'static [(u64, &'static str)]);

const PRIORITY: &[(u64, &str)] = &[(31, "Low"), (32, "Medium"), (33, "High")];
const REGIONS: &[(u64, &str)] = &[
    (41, "EMEA"),
    (42, "North America"),
    (43, "APAC"),
    (44, "LATAM, \"Caribbean\""),
];
const TIER: &[(u64, &str)] = &[(51, "Bronze"), (52, "Silver"), (53, "Gold – ★")];
const INTERESTS: &[(u64, &str)] = &[(61, "Hardware"), (62, "Software"), (63, "Services")];
const SEGMENT: &[(u64, &str)] = &[(71, "SMB"), (72, "Mid-market"), (73, "Enterprise")];
const MATERIAL: &[(u64, &str)] = &[(81, "Wood"), (82, "Steel"), (83, "Plastic")];
const OUTCOME: &[(u64, &str)] = &[(91, "Reached"), (92, "No answer"), (93, "Rescheduled")];

const DEAL: &[Def] = &[
    ("Lead source note", "varchar", &[]),
    ("Contract value", "monetary", &[]),
    ("Priority", "enum", PRIORITY),
    ("Regions", "set", REGIONS),
    ("Win score", "double", &[]),
    ("Renewal date", "date", &[]),
    // Users name fields freely: this one's flattened name meets the monetary field's `currency`.
    ("Contract value.currency", "varchar", &[]),
];
const PERSON: &[Def] = &[
    ("Nickname", "varchar", &[]),
    ("Customer tier", "enum", TIER),
    ("Interests", "set", INTERESTS),
];
const ORG: &[Def] = &[
    ("Tax ID", "varchar", &[]),
    ("Segment", "enum", SEGMENT),
    ("Annual budget", "monetary", &[]),
];
const PRODUCT: &[Def] = &[("SKU notes", "text", &[]), ("Material", "enum", MATERIAL)];
const ACTIVITY: &[Def] = &[("Outcome", "enum", OUTCOME)];

/// The key of the `n`th custom field of a kind (0-based, in definition order): stable, so a
/// test can name a field after another's key.
pub fn hex40(kind: Kind, n: u64) -> String {
    let mut s = String::with_capacity(48);
    for i in 0..3 {
        s.push_str(&format!("{:016x}", h(0xF1E1D + kind as u64, n, i)));
    }
    s.truncate(40);
    s
}

/// The custom fields of every kind, `extra` (kind name, field name) appended as plain text
/// fields after the built-in ones.
pub fn custom_fields(extra: &[(String, String)]) -> [Vec<CustomField>; KINDS] {
    let mut all: [Vec<CustomField>; KINDS] = Default::default();
    for (kind, defs) in [
        (Kind::Deal, DEAL),
        (Kind::Person, PERSON),
        (Kind::Org, ORG),
        (Kind::Product, PRODUCT),
        (Kind::Activity, ACTIVITY),
    ] {
        all[kind as usize] = defs
            .iter()
            .enumerate()
            .map(|(n, &(name, ftype, options))| CustomField {
                key: hex40(kind, n as u64),
                name: name.to_string(),
                ftype,
                options,
            })
            .collect();
    }
    for (kind, name) in extra {
        let kind = Kind::from_name(kind).unwrap_or_else(|| panic!("unknown kind {kind:?}"));
        let list = &mut all[kind as usize];
        list.push(CustomField {
            key: hex40(kind, list.len() as u64),
            name: name.clone(),
            ftype: "varchar",
            options: &[],
        });
    }
    all
}

/// Standard (non-custom) fields: (code, name, type).
fn standard(kind: Kind) -> &'static [(&'static str, &'static str, &'static str)] {
    match kind {
        Kind::Deal => &[
            ("id", "ID", "int"),
            ("title", "Title", "varchar"),
            ("owner_id", "Owner", "user"),
            ("person_id", "Contact person", "people"),
            ("org_id", "Organization", "org"),
            ("pipeline_id", "Pipeline", "double"),
            ("stage_id", "Stage", "stage"),
            ("value", "Value", "monetary"),
            ("status", "Status", "status"),
            ("add_time", "Deal created", "date"),
            ("update_time", "Update time", "date"),
        ],
        Kind::Person => &[
            ("id", "ID", "int"),
            ("name", "Name", "varchar"),
            ("owner_id", "Owner", "user"),
            ("org_id", "Organization", "org"),
            ("emails", "Email", "varchar"),
            ("phones", "Phone", "phone"),
            ("add_time", "Person created", "date"),
            ("update_time", "Update time", "date"),
        ],
        Kind::Org => &[
            ("id", "ID", "int"),
            ("name", "Name", "varchar"),
            ("owner_id", "Owner", "user"),
            ("address", "Address", "address"),
            ("add_time", "Organization created", "date"),
            ("update_time", "Update time", "date"),
        ],
        Kind::Product => &[
            ("id", "ID", "int"),
            ("name", "Name", "varchar"),
            ("code", "Product code", "varchar"),
            ("prices", "Unit price", "price"),
            ("owner_id", "Owner", "user"),
        ],
        Kind::Activity => &[
            ("id", "ID", "int"),
            ("subject", "Subject", "varchar"),
            ("type", "Type", "enum"),
            ("due_date", "Due date", "date"),
            ("owner_id", "Assigned to user", "user"),
            ("done", "Done", "boolean"),
        ],
        Kind::Note => &[
            ("content", "Content", "text"),
            ("pinned_to_deal_flag", "Note is pinned to deal", "enum"),
        ],
        _ => &[],
    }
}

fn options(o: &mut Obj, opts: &[(u64, &str)]) {
    if opts.is_empty() {
        o.null("options");
    } else {
        o.objs("options", opts, |o, &(id, label)| {
            o.i("id", id as i64).s("label", label);
        });
    }
}

/// Standard fields as (code, name, type).
pub type Standard = [(&'static str, &'static str, &'static str)];

/// The `data` items of `/api/v2/<kind>Fields`, each one serialized.
pub fn v2_fields(kind: Kind, custom: &[CustomField]) -> Vec<String> {
    v2_items(&format!("{kind:?}"), standard(kind), custom)
}

/// v2 field definitions of an entity (`entity` names it in the descriptions).
pub fn v2_items(entity: &str, standard: &Standard, custom: &[CustomField]) -> Vec<String> {
    let mut out = Vec::new();
    let mut item = |code: &str, name: &str, ftype: &str, opts: &[(u64, &str)], is_custom| {
        let mut buf = Vec::new();
        let mut o = Obj::new(&mut buf);
        o.s("field_name", name)
            .s("field_code", code)
            .s(
                "description",
                &format!("{name} of the {entity}").to_lowercase(),
            )
            .s("field_type", ftype);
        options(&mut o, opts);
        if ftype == "monetary" {
            let n = name.to_string();
            o.raw(
                "subfields",
                &serde_json::json!([
                    {"field_code": "value", "field_name": format!("Amount of {n}"), "field_type": "double"},
                    {"field_code": "currency", "field_name": format!("Currency of {n}"), "field_type": "varchar"}
                ])
                .to_string(),
            );
        } else {
            o.null("subfields");
        }
        o.b("is_custom_field", is_custom)
            .b("is_optional_response_field", false);
        o.end();
        out.push(String::from_utf8(buf).expect("utf-8"));
    };
    for &(code, name, ftype) in standard {
        item(code, name, ftype, &[], false);
    }
    for c in custom {
        item(&c.key, &c.name, c.ftype, c.options, true);
    }
    out
}

/// The `data` items of `/api/v1/<kind>Fields`, each one serialized.
pub fn v1_fields(kind: Kind, custom: &[CustomField]) -> Vec<String> {
    v1_items(standard(kind), custom, kind == Kind::Note)
}

/// v1 field definitions; `short` gives the few keys of `/v1/noteFields` items.
pub fn v1_items(standard: &Standard, custom: &[CustomField], short: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut n = 0;
    let mut item = |key: &str, name: &str, ftype: &str, opts: &[(u64, &str)], custom: bool| {
        n += 1;
        let mut buf = Vec::new();
        let mut o = Obj::new(&mut buf);
        o.i("id", n)
            .s("key", key)
            .s("name", name)
            .i("order_nr", n)
            .s("field_type", ftype);
        if !short {
            o.s("add_time", "2023-01-01 00:00:00")
                .s("update_time", "2023-01-01 00:00:00")
                .i("last_updated_by_user_id", 1)
                .i("created_by_user_id", 1);
        }
        o.b("active_flag", true)
            .b("edit_flag", custom)
            .b("bulk_edit_allowed", true);
        if !short {
            o.b("index_visible_flag", true)
                .b("details_visible_flag", true)
                .b("add_visible_flag", !custom)
                .b("important_flag", false)
                .b("searchable_flag", false)
                .b("filtering_allowed", true)
                .b("sortable_flag", true);
        }
        if !short || !opts.is_empty() {
            options(&mut o, opts);
        }
        o.b("mandatory_flag", !custom);
        o.end();
        out.push(String::from_utf8(buf).expect("utf-8"));
    };
    for &(code, name, ftype) in standard {
        let opts: &[(u64, &str)] = if code == "pinned_to_deal_flag" {
            &[(1, "Yes"), (0, "No")]
        } else {
            &[]
        };
        item(code, name, ftype, opts, false);
    }
    for c in custom {
        item(&c.key, &c.name, c.ftype, c.options, true);
    }
    out
}
