//! The operations of the export types beyond the first nine, as the 2026 specs declare them:
//! query parameters, the OAuth scopes of `security` (any one suffices) and `x-token-cost`.

use crate::params::{Op, P};

const SORT_DIR: P = P::Enum(&["asc", "desc"]);
const LEADS_R: &[&str] = &["leads:read", "leads:full"];
const PROJECTS_R: &[&str] = &["projects:read", "projects:full"];
const LEAD_SORT: P = P::Enum(&[
    "id",
    "title",
    "owner_id",
    "creator_id",
    "was_seen",
    "expected_close_date",
    "next_activity_id",
    "add_time",
    "update_time",
]);

/// `GET /v1/leads`. The 2026 spec declares no `archived_status`: archived leads have their own
/// list, `/v1/leads/archived`.
pub static LEADS: Op = Op {
    name: "getLeads (v1)",
    scopes: LEADS_R,
    cost: 20,
    params: &[
        ("limit", P::Limit),
        ("start", P::Int),
        ("owner_id", P::Int),
        ("person_id", P::Int),
        ("organization_id", P::Int),
        ("filter_id", P::Int),
        ("updated_since", P::Time),
        ("sort", LEAD_SORT),
    ],
};

/// `GET /v1/leads/archived`: no `updated_since` here.
pub static ARCHIVED_LEADS: Op = Op {
    name: "getArchivedLeads (v1)",
    scopes: LEADS_R,
    cost: 40,
    params: &[
        ("limit", P::Limit),
        ("start", P::Int),
        ("owner_id", P::Int),
        ("person_id", P::Int),
        ("organization_id", P::Int),
        ("filter_id", P::Int),
        ("sort", LEAD_SORT),
    ],
};

pub static LEAD_LABELS: Op = Op {
    name: "getLeadLabels (v1)",
    scopes: LEADS_R,
    cost: 10,
    params: &[],
};

pub static LEAD_SOURCES: Op = Op {
    name: "getLeadSources (v1)",
    scopes: LEADS_R,
    cost: 2,
    params: &[],
};

pub static ACTIVITY_TYPES: Op = Op {
    name: "getActivityTypes (v1)",
    scopes: &["activities:read", "activities:full", "admin"],
    cost: 20,
    params: &[],
};

pub static CURRENCIES: Op = Op {
    name: "getCurrencies (v1)",
    scopes: &["base"],
    cost: 20,
    params: &[("term", P::Str)],
};

pub const FILTER_TYPES: &[&str] = &[
    "deals", "leads", "org", "people", "products", "activity", "projects",
];

pub static FILTERS: Op = Op {
    name: "getFilters (v1)",
    scopes: &[
        "deals:read",
        "deals:full",
        "activities:read",
        "activities:full",
        "contacts:read",
        "contacts:full",
    ],
    cost: 20,
    params: &[("type", P::Enum(FILTER_TYPES))],
};

pub const APPS: &[&str] = &[
    "sales",
    "projects",
    "campaigns",
    "global",
    "account_settings",
    "partnership",
    "nova",
];

pub static PERMISSION_SETS: Op = Op {
    name: "getPermissionSets (v1)",
    scopes: &["admin"],
    cost: 20,
    params: &[("app", P::Enum(APPS))],
};

pub static ROLES: Op = Op {
    name: "getRoles (v1)",
    scopes: &["admin"],
    cost: 20,
    params: &[("start", P::Int), ("limit", P::Limit)],
};

/// `GET /v1/files`: the spec caps `limit` at 100.
pub static FILES: Op = Op {
    name: "getFiles (v1)",
    scopes: &[
        "deals:read",
        "deals:full",
        "activities:read",
        "activities:full",
        "contacts:read",
        "contacts:full",
    ],
    cost: 20,
    params: &[
        ("start", P::Int),
        ("limit", P::LimitUpTo(100)),
        ("sort", P::Str),
    ],
};

/// `GET /v1/callLogs`: "The upper limit is 50" (its description; the schema has no maximum).
pub static CALL_LOGS: Op = Op {
    name: "getUserCallLogs (v1)",
    scopes: &["phone-integration"],
    cost: 20,
    params: &[("start", P::Int), ("limit", P::LimitUpTo(50))],
};

pub const GOAL_TYPES: &[&str] = &[
    "deals_won",
    "deals_progressed",
    "activities_completed",
    "activities_added",
    "deals_started",
];

pub static GOALS: Op = Op {
    name: "getGoals (v1)",
    scopes: &["goals:read", "goals:full"],
    cost: 20,
    params: &[
        ("type.name", P::Enum(GOAL_TYPES)),
        ("title", P::Str),
        ("is_active", P::Bool),
        ("assignee.id", P::Int),
        ("assignee.type", P::Enum(&["person", "company", "team"])),
        ("expected_outcome.target", P::Num),
        (
            "expected_outcome.tracking_metric",
            P::Enum(&["quantity", "sum"]),
        ),
        ("expected_outcome.currency_id", P::Int),
        ("type.params.pipeline_id", P::IdList(1000)),
        ("type.params.stage_id", P::Int),
        ("type.params.activity_type_id", P::IdList(1000)),
        ("period.start", P::Date),
        ("period.end", P::Date),
    ],
};

pub static LEAD_FIELDS: Op = Op {
    name: "getLeadFields (v1)",
    scopes: &["leads:read", "leads:full", "admin"],
    cost: 20,
    params: &[("start", P::Int), ("limit", P::Limit)],
};

/// `GET /v1/deals/{id}/flow`: the deal's updates, newest first.
pub static DEAL_FLOW: Op = Op {
    name: "getDealUpdates (v1)",
    scopes: &["recents:read"],
    cost: 40,
    params: &[
        ("start", P::Int),
        ("limit", P::Limit),
        ("all_changes", P::Str),
        ("items", P::Str),
    ],
};

pub static PROJECTS: Op = Op {
    name: "getProjects",
    scopes: PROJECTS_R,
    cost: 10,
    params: &[
        ("filter_id", P::Int),
        ("status", P::Str),
        ("phase_id", P::Int),
        ("deal_id", P::Int),
        ("person_id", P::Int),
        ("org_id", P::Int),
        ("limit", P::Limit),
        ("cursor", P::Str),
    ],
};

pub static TASKS: Op = Op {
    name: "getTasks",
    scopes: PROJECTS_R,
    cost: 10,
    params: &[
        ("cursor", P::Str),
        ("limit", P::Limit),
        ("is_done", P::Bool),
        ("is_milestone", P::Bool),
        ("assignee_id", P::Int),
        ("project_id", P::Int),
        ("parent_task_id", P::Str),
    ],
};

/// Pipedrive's cap on `deal_ids` per request of the bulk deal-children lists.
pub const MAX_DEAL_IDS: usize = 100;

pub static DEAL_PRODUCTS: Op = Op {
    name: "getDealsProducts",
    scopes: &["products:read", "products:full", "deals:read", "deals:full"],
    cost: 10,
    params: &[
        ("deal_ids", P::IdList(MAX_DEAL_IDS)),
        ("cursor", P::Str),
        ("limit", P::Limit),
        (
            "sort_by",
            P::Enum(&["id", "deal_id", "add_time", "update_time", "order_nr"]),
        ),
        ("sort_direction", SORT_DIR),
    ],
};

pub static DEAL_INSTALLMENTS: Op = Op {
    name: "getInstallments",
    scopes: &["deals:read", "deals:full"],
    cost: 10,
    params: &[
        // Unlike getDealsProducts, the spec declares no `style`/`explode`: OpenAPI's default,
        // `deal_ids=1&deal_ids=2`.
        ("deal_ids", P::IdArray(MAX_DEAL_IDS)),
        ("cursor", P::Str),
        ("limit", P::Limit),
        ("sort_by", P::Enum(&["id", "billing_date", "deal_id"])),
        ("sort_direction", SORT_DIR),
    ],
};

pub static PRODUCT_VARIATIONS: Op = Op {
    name: "getProductVariations",
    scopes: &["products:read", "products:full"],
    cost: 10,
    params: &[("cursor", P::Str), ("limit", P::Limit)],
};

pub static PROJECT_FIELDS: Op = Op {
    name: "getProjectFields",
    scopes: &["projects:read", "projects:full", "project-fields:full"],
    cost: 10,
    params: &[("limit", P::Limit), ("cursor", P::Str)],
};
