//! The operations the mock serves, as the OpenAPI specs declare them: query parameters (with
//! types and enums), the OAuth scopes that allow them (any one suffices) and their token cost.
//! Any parameter the spec does not declare is refused with 400.

use crate::time;

#[derive(Clone, Copy, Debug)]
pub enum P {
    Int,
    Str,
    Bool,
    /// 0 or 1
    Flag,
    Enum(&'static [&'static str]),
    /// Comma-separated values, each from the list.
    EnumList(&'static [&'static str]),
    /// RFC 3339 date-time.
    Time,
    /// YYYY-MM-DD
    Date,
    /// 1..=500, Pipedrive's page cap.
    Limit,
    /// 1..=N: an operation that declares a lower maximum in its schema or its description
    /// (`/v1/files`: 100, `/v1/callLogs`: 50).
    LimitUpTo(u64),
    /// A JSON number (integer or decimal).
    Num,
    /// Comma-separated non-negative integers, at most this many (`deal_ids`: 100): an array
    /// declared `style: form, explode: false`.
    IdList(usize),
    /// An array of non-negative integers declared with the default `explode: true`: the
    /// parameter repeated once per id (`deal_ids=1&deal_ids=2`), at most this many times.
    IdArray(usize),
}

pub struct Op {
    pub name: &'static str,
    pub scopes: &'static [&'static str],
    pub params: &'static [(&'static str, P)],
    pub cost: u32,
}

const SORT_DIR: P = P::Enum(&["asc", "desc"]);
const SORT_STD: P = P::Enum(&["id", "update_time", "add_time"]);
/// `include_fields` of the v2 field definitions: a comma-separated subset.
const FIELDS_INCLUDE: P = P::EnumList(&["ui_visibility", "important_fields", "required_fields"]);
const DEAL_INCLUDE: P = P::EnumList(&[
    "next_activity_id",
    "last_activity_id",
    "first_won_time",
    "products_count",
    "files_count",
    "notes_count",
    "followers_count",
    "email_messages_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "participants_count",
    "last_incoming_mail_time",
    "last_outgoing_mail_time",
    "smart_bcc_email",
    "source_lead_id",
]);
const PERSON_INCLUDE: P = P::EnumList(&[
    "next_activity_id",
    "last_activity_id",
    "open_deals_count",
    "related_open_deals_count",
    "closed_deals_count",
    "related_closed_deals_count",
    "participant_open_deals_count",
    "participant_closed_deals_count",
    "email_messages_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "files_count",
    "notes_count",
    "followers_count",
    "won_deals_count",
    "related_won_deals_count",
    "lost_deals_count",
    "related_lost_deals_count",
    "last_incoming_mail_time",
    "last_outgoing_mail_time",
    "marketing_status",
    "doi_status",
    "smart_bcc_email",
]);
const ORG_INCLUDE: P = P::EnumList(&[
    "next_activity_id",
    "last_activity_id",
    "open_deals_count",
    "related_open_deals_count",
    "closed_deals_count",
    "related_closed_deals_count",
    "email_messages_count",
    "people_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "files_count",
    "notes_count",
    "followers_count",
    "won_deals_count",
    "related_won_deals_count",
    "lost_deals_count",
    "related_lost_deals_count",
    "smart_bcc_email",
]);
const DEAL_STATUS: P = P::EnumList(&["open", "won", "lost", "deleted"]);
const DEALS_R: &[&str] = &["deals:read", "deals:full"];
const CONTACTS_R: &[&str] = &["contacts:read", "contacts:full"];
const DEALS_ADMIN: &[&str] = &["deals:read", "deals:full", "admin"];

pub static DEALS: Op = Op {
    name: "getDeals",
    scopes: DEALS_R,
    cost: 10,
    params: &[
        ("filter_id", P::Int),
        ("ids", P::Str),
        ("owner_id", P::Int),
        ("person_id", P::Int),
        ("org_id", P::Int),
        ("pipeline_id", P::Int),
        ("stage_id", P::Int),
        ("status", DEAL_STATUS),
        ("updated_since", P::Time),
        ("updated_until", P::Time),
        ("sort_by", SORT_STD),
        ("sort_direction", SORT_DIR),
        ("include_fields", DEAL_INCLUDE),
        ("custom_fields", P::Str),
        ("include_option_labels", P::Bool),
        ("include_labels", P::Bool),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static ARCHIVED_DEALS: Op = Op {
    name: "getArchivedDeals",
    scopes: DEALS_R,
    cost: 20,
    params: &[
        ("filter_id", P::Int),
        ("ids", P::Str),
        ("owner_id", P::Int),
        ("person_id", P::Int),
        ("org_id", P::Int),
        ("pipeline_id", P::Int),
        ("stage_id", P::Int),
        ("status", DEAL_STATUS),
        ("updated_since", P::Time),
        ("updated_until", P::Time),
        ("sort_by", SORT_STD),
        ("sort_direction", SORT_DIR),
        ("include_fields", DEAL_INCLUDE),
        ("custom_fields", P::Str),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static PERSONS: Op = Op {
    name: "getPersons",
    scopes: CONTACTS_R,
    cost: 10,
    params: &[
        ("filter_id", P::Int),
        ("ids", P::Str),
        ("owner_id", P::Int),
        ("org_id", P::Int),
        ("deal_id", P::Int),
        ("updated_since", P::Time),
        ("updated_until", P::Time),
        ("sort_by", SORT_STD),
        ("sort_direction", SORT_DIR),
        ("include_fields", PERSON_INCLUDE),
        ("custom_fields", P::Str),
        ("include_option_labels", P::Bool),
        ("include_labels", P::Bool),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static ORGANIZATIONS: Op = Op {
    name: "getOrganizations",
    scopes: CONTACTS_R,
    cost: 10,
    params: &[
        ("filter_id", P::Int),
        ("ids", P::Str),
        ("owner_id", P::Int),
        ("updated_since", P::Time),
        ("updated_until", P::Time),
        ("sort_by", SORT_STD),
        ("sort_direction", SORT_DIR),
        ("include_fields", ORG_INCLUDE),
        ("custom_fields", P::Str),
        ("include_option_labels", P::Bool),
        ("include_labels", P::Bool),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static PIPELINES: Op = Op {
    name: "getPipelines",
    scopes: DEALS_ADMIN,
    cost: 5,
    params: &[
        ("sort_by", SORT_STD),
        ("sort_direction", SORT_DIR),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static STAGES: Op = Op {
    name: "getStages",
    scopes: DEALS_ADMIN,
    cost: 5,
    params: &[
        ("pipeline_id", P::Int),
        (
            "sort_by",
            P::Enum(&["id", "update_time", "add_time", "order_nr"]),
        ),
        ("sort_direction", SORT_DIR),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static ACTIVITIES: Op = Op {
    name: "getActivities",
    scopes: &["activities:read", "activities:full"],
    cost: 10,
    params: &[
        ("filter_id", P::Int),
        ("ids", P::Str),
        ("owner_id", P::Int),
        ("deal_id", P::Int),
        ("lead_id", P::Str),
        ("person_id", P::Int),
        ("org_id", P::Int),
        ("done", P::Bool),
        ("updated_since", P::Time),
        ("updated_until", P::Time),
        (
            "sort_by",
            P::Enum(&["id", "update_time", "add_time", "due_date"]),
        ),
        ("sort_direction", SORT_DIR),
        ("include_fields", P::EnumList(&["attendees"])),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static PRODUCTS: Op = Op {
    name: "getProducts",
    scopes: &["products:read", "products:full"],
    cost: 10,
    params: &[
        ("owner_id", P::Int),
        ("ids", P::Str),
        ("filter_id", P::Int),
        ("cursor", P::Str),
        ("limit", P::Limit),
        (
            "sort_by",
            P::Enum(&["id", "name", "add_time", "update_time"]),
        ),
        ("sort_direction", SORT_DIR),
        ("updated_since", P::Time),
        ("custom_fields", P::Str),
    ],
};

const FIELDS_PARAMS: &[(&str, P)] = &[
    ("include_fields", FIELDS_INCLUDE),
    ("limit", P::Limit),
    ("cursor", P::Str),
];
/// Product and activity field definitions declare only `ui_visibility`.
const FIELDS_PARAMS_UI: &[(&str, P)] = &[
    ("include_fields", P::EnumList(&["ui_visibility"])),
    ("limit", P::Limit),
    ("cursor", P::Str),
];

pub static DEAL_FIELDS: Op = Op {
    name: "getDealFields",
    scopes: &["deals:read", "deals:full", "admin", "deal-fields:full"],
    cost: 10,
    params: FIELDS_PARAMS,
};
pub static PERSON_FIELDS: Op = Op {
    name: "getPersonFields",
    scopes: &[
        "contacts:read",
        "contacts:full",
        "admin",
        "contact-fields:full",
    ],
    cost: 10,
    params: FIELDS_PARAMS,
};
pub static ORGANIZATION_FIELDS: Op = Op {
    name: "getOrganizationFields",
    scopes: &[
        "contacts:read",
        "contacts:full",
        "admin",
        "contact-fields:full",
    ],
    cost: 10,
    params: FIELDS_PARAMS,
};
pub static PRODUCT_FIELDS: Op = Op {
    name: "getProductFields",
    scopes: &["products:read", "products:full", "product-fields:full"],
    cost: 10,
    params: FIELDS_PARAMS_UI,
};
pub static ACTIVITY_FIELDS: Op = Op {
    name: "getActivityFields",
    scopes: &["admin"],
    cost: 10,
    params: FIELDS_PARAMS_UI,
};

pub static PIPELINE: Op = Op {
    name: "getPipeline",
    scopes: DEALS_ADMIN,
    cost: 1,
    params: &[],
};
pub static STAGE: Op = Op {
    name: "getStage",
    scopes: DEALS_ADMIN,
    cost: 1,
    params: &[],
};

pub static NOTES: Op = Op {
    name: "getNotes (v1)",
    scopes: &["deals:read", "deals:full", "contacts:read", "contacts:full"],
    cost: 20,
    params: &[
        ("user_id", P::Int),
        ("lead_id", P::Str),
        ("deal_id", P::Int),
        ("person_id", P::Int),
        ("org_id", P::Int),
        ("project_id", P::Int),
        ("task_id", P::Int),
        ("start", P::Int),
        ("limit", P::Limit),
        ("sort", P::Str),
        ("start_date", P::Date),
        ("end_date", P::Date),
        ("updated_since", P::Time),
        ("pinned_to_lead_flag", P::Flag),
        ("pinned_to_deal_flag", P::Flag),
        ("pinned_to_organization_flag", P::Flag),
        ("pinned_to_person_flag", P::Flag),
        ("pinned_to_project_flag", P::Flag),
        ("pinned_to_task_flag", P::Flag),
    ],
};

pub static USERS: Op = Op {
    name: "getUsers (v1)",
    scopes: &["users:read"],
    cost: 20,
    params: &[],
};
pub static NOTE_FIELDS_V1: Op = Op {
    name: "getNoteFields (v1)",
    scopes: &["deals:read", "deals:full", "contacts:read", "contacts:full"],
    cost: 20,
    params: &[],
};
pub static ACTIVITY_FIELDS_V1: Op = Op {
    name: "getActivityFields (v1)",
    scopes: &["activities:read", "activities:full"],
    cost: 20,
    params: &[],
};
pub static DEAL_FIELDS_V1: Op = Op {
    name: "getDealFields (v1)",
    scopes: &["deals:read", "deals:full", "deal-fields:full", "admin"],
    cost: 20,
    params: &[("start", P::Int), ("limit", P::Limit)],
};

fn check(name: &str, p: P, v: &str) -> Result<(), String> {
    let bad = |what: &str| Err(format!("Parameter '{name}' must be {what}, got {v:?}"));
    let int_ok = !v.is_empty() && v.len() < 19 && v.bytes().all(|b| b.is_ascii_digit());
    match p {
        P::Int if !int_ok => bad("a non-negative integer"),
        P::Limit => check(name, P::LimitUpTo(500), v),
        // Pipedrive's own words for a page size out of range.
        P::LimitUpTo(max) if !int_ok || !(1..=max).contains(&v.parse::<u64>().unwrap_or(0)) => {
            Err(format!("Parameter '{name}' must be between 1 and {max}"))
        }
        P::Num if v.parse::<f64>().map_or(true, |x| !x.is_finite()) => bad("a number"),
        P::IdList(max) => {
            let ids: Vec<&str> = v.split(',').map(str::trim).collect();
            if !ids
                .iter()
                .all(|x| !x.is_empty() && x.len() < 19 && x.bytes().all(|b| b.is_ascii_digit()))
            {
                bad("a comma-separated list of integer ids")
            } else if ids.len() > max {
                Err(format!(
                    "Parameter '{name}' accepts at most {max} ids, got {}",
                    ids.len()
                ))
            } else {
                Ok(())
            }
        }
        P::IdArray(_) if !int_ok => bad("one integer id (the parameter repeats for more)"),
        P::Bool if !matches!(v, "true" | "false" | "1" | "0") => bad("true or false"),
        P::Flag if !matches!(v, "0" | "1") => bad("0 or 1"),
        P::Enum(list) if !list.contains(&v) => bad(&format!("one of {}", list.join(", "))),
        P::EnumList(list) if !v.split(',').all(|x| list.contains(&x.trim())) => {
            bad(&format!("a comma-separated list of {}", list.join(", ")))
        }
        P::Time if time::parse_rfc3339(v).is_none() => {
            bad("an RFC 3339 date-time such as 2025-01-01T10:20:00Z")
        }
        P::Date if time::parse_date(v).is_none() => bad("a date in the format YYYY-MM-DD"),
        _ => Ok(()),
    }
}

/// Refuses undeclared, repeated and malformed query parameters.
pub fn validate(op: &Op, pairs: &[(String, String)]) -> Result<(), String> {
    for (n, (k, v)) in pairs.iter().enumerate() {
        let Some(&(_, p)) = op.params.iter().find(|(name, _)| name == k) else {
            let declared: Vec<&str> = op.params.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "Unknown query parameter '{k}' for {}: the spec declares {}",
                op.name,
                if declared.is_empty() {
                    "no parameters".to_string()
                } else {
                    declared.join(", ")
                }
            ));
        };
        let before = pairs[..n].iter().filter(|(k2, _)| k2 == k).count();
        match p {
            P::IdArray(max) if before >= max => {
                return Err(format!(
                    "Parameter '{k}' accepts at most {max} ids, got {}",
                    pairs.iter().filter(|(k2, _)| k2 == k).count()
                ));
            }
            P::IdArray(_) => {}
            _ if before > 0 => return Err(format!("Query parameter '{k}' is repeated")),
            _ => {}
        }
        check(k, p, v)?;
    }
    Ok(())
}
