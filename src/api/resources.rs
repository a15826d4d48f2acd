//! The table of exportable types, and the one place that lists them: for each, the endpoint the
//! official spec gives (v2 wherever v2 has one), its paging, the query parameters its operation
//! declares (nothing else is ever sent), the optional fields it declares under `include_fields`,
//! the OAuth scopes of its `security` (any one allows the call) and the largest page it allows.
//!
//! The command line takes its TYPE values from here, so a type added to the table is at once
//! accepted, completed, documented in `--help` and the man page, and part of `export all`.
//! What follows from the declaration is derived, not written twice: the token cost of a request
//! comes from `api::costs` (the specs' `x-token-cost` by path), and whether a list can be split
//! by update time (`api::slices`) from the parameters its operation declares.
//!
//! Adding a type:
//! 1. an entry in [`RESOURCES`] (path, paging, scopes, declared parameters, `max_limit` where the
//!    operation allows less than 500, `tests/fixtures/spec-limits.tsv` says);
//! 2. its path's cost in `api::costs`, if the table lacks it;
//! 3. in the mock (`mock/`): the operation's declaration (`params.rs` or `more_types/ops.rs`), a route
//!    to it, and its records; the seed count in `Seed`;
//! 4. a line in the README's types table (`cargo run --example generate` for the man page).
//!
//! `tests/it/types.rs` walks this table against the mock's declarations (scopes, parameters,
//! cost, largest page) and exports every type through the binary, so a missing step fails there.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// v2: `limit` + `cursor`, `additional_data.next_cursor`.
    Cursor,
    /// v1: `start` + `limit`, `additional_data.pagination` (or the same fields directly in
    /// `additional_data`, as leads and deal updates send them).
    Offset,
    /// One answer holds everything.
    Single,
}

/// How a type's records are reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// One list endpoint (plus its `extra` lists, below).
    List,
    /// A bulk endpoint asked with the ids of the parent type's records, at most `max` ids per
    /// request in the query parameter `param`.
    Batch {
        parent: &'static str,
        param: &'static str,
        max: usize,
        /// How the spec serializes the id array: `explode: true` (OpenAPI's default for a query
        /// array) repeats the parameter once per id, `explode: false` joins them with commas.
        explode: bool,
    },
    /// One list per record of the parent type: `{id}` in the path is the parent's id.
    PerParent { parent: &'static str },
}

/// A second list that belongs to a type, read after the main one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extra {
    /// Path, or `None` for the main path with other filters.
    pub path: Option<&'static str>,
    /// Fixed filters of this list (declared parameters of its operation).
    pub filters: &'static [(&'static str, &'static str)],
    /// Every query parameter its own operation declares (with `path: None`, the main list's).
    pub params: &'static [&'static str],
    /// Whether this list's operation declares `updated_since`.
    pub(crate) updated_since: bool,
    /// A flag each of its records gets set to `true` (`is_archived`, `is_deleted`).
    pub(crate) mark: Option<&'static str>,
    /// When it is read: always, or only under a flag.
    pub when: ExtraWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtraWhen {
    Always,
    IncludeArchived,
    IncludeDeleted,
    /// Under both flags: deleted records of an archived list.
    IncludeArchivedDeleted,
}

#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The TYPE name on the command line and the file name in `export all`.
    pub name: &'static str,
    /// One line for `--help` and the README.
    pub(crate) about: &'static str,
    pub path: &'static str,
    pub paging: Paging,
    pub walk: Walk,
    /// Any one of these OAuth scopes allows the call (the operation's `security` in the spec).
    pub scopes: &'static [&'static str],
    /// Whether `--updated-since` / `--state` narrow the export: the operation declares
    /// `updated_since`, or (per-parent types) the parent's list does.
    pub(crate) updated_since: bool,
    /// Every query parameter the operation declares.
    pub params: &'static [&'static str],
    /// Fixed filters of the main list (declared parameters).
    pub filters: &'static [(&'static str, &'static str)],
    /// The optional fields the operation declares under `include_fields`, in the spec's order.
    pub(crate) include_fields: &'static [&'static str],
    /// The largest page the operation allows: its schema's `maximum`, or the upper limit its
    /// description states (`tests/fixtures/spec-limits.tsv` holds both specs' figures).
    pub max_limit: u32,
    /// More lists of the same type.
    pub extras: &'static [Extra],
    /// The field-definition type whose names replace this type's custom field keys.
    pub(crate) fields: Option<&'static str>,
    /// The parent's id each record carries, added where the API leaves it out.
    pub parent_key: Option<&'static str>,
    /// Never part of `export all` unless `--types` names it (why, for the skipped list).
    pub(crate) only_when_named: Option<&'static str>,
}

impl Resource {
    const fn new(
        name: &'static str,
        path: &'static str,
        paging: Paging,
        scopes: &'static [&'static str],
        about: &'static str,
    ) -> Resource {
        Resource {
            name,
            about,
            path,
            paging,
            walk: Walk::List,
            scopes,
            updated_since: false,
            params: match paging {
                Paging::Cursor => CURSOR,
                Paging::Offset => OFFSET,
                Paging::Single => &[],
            },
            filters: &[],
            include_fields: &[],
            max_limit: 500,
            extras: &[],
            fields: None,
            parent_key: None,
            only_when_named: None,
        }
    }

    const fn params(mut self, params: &'static [&'static str]) -> Resource {
        self.params = params;
        self
    }

    const fn since(mut self) -> Resource {
        self.updated_since = true;
        self
    }

    const fn include(mut self, fields: &'static [&'static str]) -> Resource {
        self.include_fields = fields;
        self
    }

    const fn fields(mut self, fields_type: &'static str) -> Resource {
        self.fields = Some(fields_type);
        self
    }

    const fn extras(mut self, extras: &'static [Extra]) -> Resource {
        self.extras = extras;
        self
    }

    const fn walk(mut self, walk: Walk, parent_key: &'static str) -> Resource {
        self.walk = walk;
        self.parent_key = Some(parent_key);
        // Per-parent types follow their parents' update times.
        self.updated_since = true;
        self
    }

    /// `x-token-cost` of one request of the main list.
    pub fn cost(&self) -> u64 {
        super::costs::cost(self.path)
    }

    pub(crate) fn is_v1(&self) -> bool {
        self.path.starts_with("/api/v1/")
    }

    /// The parent type, for per-parent types.
    pub fn parent(&self) -> Option<&'static Resource> {
        match self.walk {
            Walk::List => None,
            Walk::Batch { parent, .. } | Walk::PerParent { parent } => resource(parent),
        }
    }
}

const CURSOR: &[&str] = &["limit", "cursor"];
const OFFSET: &[&str] = &["start", "limit"];

const DEALS: &[&str] = &["deals:read", "deals:full"];
const DEALS_ADMIN: &[&str] = &["deals:read", "deals:full", "admin"];
const CONTACTS: &[&str] = &["contacts:read", "contacts:full"];
const PRODUCTS: &[&str] = &["products:read", "products:full"];
const ACTIVITIES: &[&str] = &["activities:read", "activities:full"];
const LEADS: &[&str] = &["leads:read", "leads:full"];
const PROJECTS: &[&str] = &["projects:read", "projects:full"];
const NOTES: &[&str] = &["deals:read", "deals:full", "contacts:read", "contacts:full"];
const DEALS_ACTIVITIES_CONTACTS: &[&str] = &[
    "deals:read",
    "deals:full",
    "activities:read",
    "activities:full",
    "contacts:read",
    "contacts:full",
];

const DEAL_PARAMS: &[&str] = &[
    "filter_id",
    "ids",
    "owner_id",
    "person_id",
    "org_id",
    "pipeline_id",
    "stage_id",
    "status",
    "updated_since",
    "updated_until",
    "sort_by",
    "sort_direction",
    "include_fields",
    "custom_fields",
    "include_option_labels",
    "include_labels",
    "limit",
    "cursor",
];
const DEAL_INCLUDE: &[&str] = &[
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
];
/// `getArchivedDeals` declares the main list's parameters but the label options.
const ARCHIVED_DEAL_PARAMS: &[&str] = &[
    "filter_id",
    "ids",
    "owner_id",
    "person_id",
    "org_id",
    "pipeline_id",
    "stage_id",
    "status",
    "updated_since",
    "updated_until",
    "sort_by",
    "sort_direction",
    "include_fields",
    "custom_fields",
    "limit",
    "cursor",
];
const PERSON_PARAMS: &[&str] = &[
    "filter_id",
    "ids",
    "owner_id",
    "org_id",
    "deal_id",
    "updated_since",
    "updated_until",
    "sort_by",
    "sort_direction",
    "include_fields",
    "custom_fields",
    "include_option_labels",
    "include_labels",
    "limit",
    "cursor",
];
const PERSON_INCLUDE: &[&str] = &[
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
];
const ORG_PARAMS: &[&str] = &[
    "filter_id",
    "ids",
    "owner_id",
    "updated_since",
    "updated_until",
    "sort_by",
    "sort_direction",
    "include_fields",
    "custom_fields",
    "include_option_labels",
    "include_labels",
    "limit",
    "cursor",
];
const ORG_INCLUDE: &[&str] = &[
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
];
const ACTIVITY_PARAMS: &[&str] = &[
    "filter_id",
    "ids",
    "owner_id",
    "deal_id",
    "lead_id",
    "person_id",
    "org_id",
    "done",
    "updated_since",
    "updated_until",
    "sort_by",
    "sort_direction",
    "include_fields",
    "limit",
    "cursor",
];
const PRODUCT_PARAMS: &[&str] = &[
    "owner_id",
    "ids",
    "filter_id",
    "cursor",
    "limit",
    "sort_by",
    "sort_direction",
    "updated_since",
    "custom_fields",
];
const NOTE_PARAMS: &[&str] = &[
    "user_id",
    "lead_id",
    "deal_id",
    "person_id",
    "org_id",
    "project_id",
    "task_id",
    "start",
    "limit",
    "sort",
    "start_date",
    "end_date",
    "updated_since",
    "pinned_to_lead_flag",
    "pinned_to_deal_flag",
    "pinned_to_organization_flag",
    "pinned_to_person_flag",
    "pinned_to_project_flag",
    "pinned_to_task_flag",
];
const LEAD_PARAMS: &[&str] = &[
    "limit",
    "start",
    "owner_id",
    "person_id",
    "organization_id",
    "filter_id",
    "updated_since",
    "sort",
];
/// `getArchivedLeads` has no `updated_since`.
const ARCHIVED_LEAD_PARAMS: &[&str] = &[
    "limit",
    "start",
    "owner_id",
    "person_id",
    "organization_id",
    "filter_id",
    "sort",
];
const GOAL_PARAMS: &[&str] = &[
    "type.name",
    "title",
    "is_active",
    "assignee.id",
    "assignee.type",
    "expected_outcome.target",
    "expected_outcome.tracking_metric",
    "expected_outcome.currency_id",
    "type.params.pipeline_id",
    "type.params.stage_id",
    "type.params.activity_type_id",
    "period.start",
    "period.end",
];
const FIELDS_PARAMS: &[&str] = &["include_fields", "limit", "cursor"];
const FIELDS_INCLUDE: &[&str] = &["ui_visibility", "important_fields", "required_fields"];

/// The deals list's other lists: archived deals (their own endpoint since 2025) and deals
/// deleted in the last 30 days (`status=deleted` of the main list, and of the archived list for
/// deals archived before their deletion, which the main list no longer holds).
const DEAL_EXTRAS: &[Extra] = &[
    Extra {
        path: Some("/api/v2/deals/archived"),
        filters: &[],
        params: ARCHIVED_DEAL_PARAMS,
        updated_since: true,
        mark: Some("is_archived"),
        when: ExtraWhen::IncludeArchived,
    },
    Extra {
        path: None,
        filters: &[("status", "deleted")],
        params: DEAL_PARAMS,
        // A deletion updates the deal, so an incremental run gets the deals deleted since the
        // last one (and not again those it already reported).
        updated_since: true,
        mark: Some("is_deleted"),
        when: ExtraWhen::IncludeDeleted,
    },
    Extra {
        path: Some("/api/v2/deals/archived"),
        filters: &[("status", "deleted")],
        params: ARCHIVED_DEAL_PARAMS,
        updated_since: true,
        mark: Some("is_deleted"),
        when: ExtraWhen::IncludeArchivedDeleted,
    },
];
const LEAD_EXTRAS: &[Extra] = &[Extra {
    path: Some("/api/v1/leads/archived"),
    filters: &[],
    params: ARCHIVED_LEAD_PARAMS,
    updated_since: false,
    mark: Some("is_archived"),
    when: ExtraWhen::IncludeArchived,
}];
/// `goals/find` answers active goals unless asked for inactive ones too.
const GOAL_EXTRAS: &[Extra] = &[Extra {
    path: None,
    filters: &[("is_active", "false")],
    params: GOAL_PARAMS,
    updated_since: false,
    mark: None,
    when: ExtraWhen::Always,
}];

use Paging::{Cursor, Offset, Single};

pub const RESOURCES: &[Resource] = &[
    Resource::new("deals", "/api/v2/deals", Cursor, DEALS, "Deals (v2)")
        .params(DEAL_PARAMS)
        .since()
        .include(DEAL_INCLUDE)
        .fields("deal-fields")
        .extras(DEAL_EXTRAS),
    Resource::new(
        "persons",
        "/api/v2/persons",
        Cursor,
        CONTACTS,
        "People (v2)",
    )
    .params(PERSON_PARAMS)
    .since()
    .include(PERSON_INCLUDE)
    .fields("person-fields"),
    Resource::new(
        "organizations",
        "/api/v2/organizations",
        Cursor,
        CONTACTS,
        "Organizations (v2)",
    )
    .params(ORG_PARAMS)
    .since()
    .include(ORG_INCLUDE)
    .fields("organization-fields"),
    Resource::new("notes", "/api/v1/notes", Offset, NOTES, "Notes (v1)")
        .params(NOTE_PARAMS)
        .since()
        .fields("note-fields"),
    Resource::new(
        "pipelines",
        "/api/v2/pipelines",
        Cursor,
        DEALS_ADMIN,
        "Pipelines (v2)",
    )
    .params(&["sort_by", "sort_direction", "limit", "cursor"]),
    Resource::new(
        "stages",
        "/api/v2/stages",
        Cursor,
        DEALS_ADMIN,
        "Stages (v2)",
    )
    .params(&[
        "pipeline_id",
        "sort_by",
        "sort_direction",
        "limit",
        "cursor",
    ]),
    Resource::new(
        "activities",
        "/api/v2/activities",
        Cursor,
        ACTIVITIES,
        "Activities (v2)",
    )
    .params(ACTIVITY_PARAMS)
    .since()
    .include(&["attendees"])
    .fields("activity-fields"),
    Resource::new(
        "products",
        "/api/v2/products",
        Cursor,
        PRODUCTS,
        "Products (v2)",
    )
    .params(PRODUCT_PARAMS)
    .since()
    .fields("product-fields"),
    Resource::new(
        "users",
        "/api/v1/users",
        Single,
        &["users:read"],
        "Users (v1)",
    ),
    Resource::new("leads", "/api/v1/leads", Offset, LEADS, "Leads (v1)")
        .params(LEAD_PARAMS)
        .since()
        .fields("lead-fields")
        .extras(LEAD_EXTRAS),
    Resource::new(
        "lead-labels",
        "/api/v1/leadLabels",
        Single,
        LEADS,
        "Lead labels",
    ),
    Resource::new(
        "lead-sources",
        "/api/v1/leadSources",
        Single,
        LEADS,
        "Lead sources",
    ),
    Resource::new(
        "activity-types",
        "/api/v1/activityTypes",
        Single,
        &["activities:read", "activities:full", "admin"],
        "Activity types",
    ),
    Resource::new(
        "currencies",
        "/api/v1/currencies",
        Single,
        &["base"],
        "Currencies of the company",
    )
    .params(&["term"]),
    Resource::new(
        "filters",
        "/api/v1/filters",
        Single,
        DEALS_ACTIVITIES_CONTACTS,
        "Saved filters",
    )
    .params(&["type"]),
    Resource::new(
        "permission-sets",
        "/api/v1/permissionSets",
        Single,
        &["admin"],
        "Permission sets",
    )
    .params(&["app"]),
    Resource::new("roles", "/api/v1/roles", Offset, &["admin"], "Roles"),
    Resource {
        max_limit: 100,
        ..Resource::new(
            "files",
            "/api/v1/files",
            Offset,
            DEALS_ACTIVITIES_CONTACTS,
            "File metadata (never file contents)",
        )
        .params(&["start", "limit", "sort"])
    },
    Resource {
        // "The upper limit is 50", in the operation's description only.
        max_limit: 50,
        ..Resource::new(
            "call-logs",
            "/api/v1/callLogs",
            Offset,
            &["phone-integration"],
            "Call logs",
        )
    },
    Resource {
        filters: &[("is_active", "true")],
        ..Resource::new(
            "goals",
            "/api/v1/goals/find",
            Single,
            &["goals:read", "goals:full"],
            "Goals, active and inactive",
        )
        .params(GOAL_PARAMS)
        .extras(GOAL_EXTRAS)
    },
    Resource::new(
        "projects",
        "/api/v2/projects",
        Cursor,
        PROJECTS,
        "Projects (v2)",
    )
    .params(&[
        "filter_id",
        "status",
        "phase_id",
        "deal_id",
        "person_id",
        "org_id",
        "limit",
        "cursor",
    ])
    .fields("project-fields"),
    Resource::new(
        "tasks",
        "/api/v2/tasks",
        Cursor,
        PROJECTS,
        "Project tasks (v2)",
    )
    .params(&[
        "cursor",
        "limit",
        "is_done",
        "is_milestone",
        "assignee_id",
        "project_id",
        "parent_task_id",
    ]),
    Resource::new(
        "deal-products",
        "/api/v2/deals/products",
        Cursor,
        &["products:read", "products:full", "deals:read", "deals:full"],
        "Products attached to deals, 100 deals a request",
    )
    .params(&["deal_ids", "cursor", "limit", "sort_by", "sort_direction"])
    .walk(
        Walk::Batch {
            parent: "deals",
            param: "deal_ids",
            max: 100,
            // openapi-v2.yaml, getDealsProducts: `style: form, explode: false`.
            explode: false,
        },
        "deal_id",
    ),
    Resource::new(
        "deal-installments",
        "/api/v2/deals/installments",
        Cursor,
        DEALS,
        "Installments of deals, 100 deals a request",
    )
    .params(&["deal_ids", "cursor", "limit", "sort_by", "sort_direction"])
    .walk(
        Walk::Batch {
            parent: "deals",
            param: "deal_ids",
            max: 100,
            // openapi-v2.yaml, getInstallments: no `style`/`explode`, so OpenAPI's default
            // (`deal_ids=1&deal_ids=2`), as Pipedrive's own generated clients send it.
            explode: true,
        },
        "deal_id",
    ),
    Resource::new(
        "product-variations",
        "/api/v2/products/{id}/variations",
        Cursor,
        PRODUCTS,
        "Variations of each product, one list per product",
    )
    .walk(Walk::PerParent { parent: "products" }, "product_id"),
    Resource {
        only_when_named: Some(
            "one request per deal: add it with `--types all,deal-flow` (or run `export deal-flow`)",
        ),
        ..Resource::new(
            "deal-flow",
            "/api/v1/deals/{id}/flow",
            Offset,
            &["recents:read"],
            "Updates of each deal (stage history), one request per deal",
        )
        .params(&["start", "limit", "all_changes", "items"])
        .walk(Walk::PerParent { parent: "deals" }, "deal_id")
    },
    fields_v2(
        "deal-fields",
        "/api/v2/dealFields",
        DEAL_FIELD_SCOPES,
        "Deal field definitions (v2)",
    )
    .include(FIELDS_INCLUDE),
    fields_v2(
        "person-fields",
        "/api/v2/personFields",
        CONTACT_FIELD_SCOPES,
        "Person field definitions (v2)",
    )
    .include(FIELDS_INCLUDE),
    fields_v2(
        "organization-fields",
        "/api/v2/organizationFields",
        CONTACT_FIELD_SCOPES,
        "Organization field definitions (v2)",
    )
    .include(FIELDS_INCLUDE),
    fields_v2(
        "product-fields",
        "/api/v2/productFields",
        &["products:read", "products:full", "product-fields:full"],
        "Product field definitions (v2)",
    )
    .include(&["ui_visibility"]),
    fields_v2(
        "activity-fields",
        "/api/v2/activityFields",
        &["admin"],
        "Activity field definitions (v2; needs admin)",
    )
    .include(&["ui_visibility"]),
    fields_v2(
        "project-fields",
        "/api/v2/projectFields",
        &["projects:read", "projects:full", "project-fields:full"],
        "Project field definitions (v2)",
    )
    .params(CURSOR),
    Resource::new(
        "note-fields",
        "/api/v1/noteFields",
        Single,
        NOTES,
        "Note field definitions (v1)",
    ),
    Resource::new(
        "lead-fields",
        "/api/v1/leadFields",
        Offset,
        &["leads:read", "leads:full", "admin"],
        "Lead field definitions (v1)",
    ),
];

const DEAL_FIELD_SCOPES: &[&str] = &["deals:read", "deals:full", "admin", "deal-fields:full"];
const CONTACT_FIELD_SCOPES: &[&str] = &[
    "contacts:read",
    "contacts:full",
    "admin",
    "contact-fields:full",
];

const fn fields_v2(
    name: &'static str,
    path: &'static str,
    scopes: &'static [&'static str],
    about: &'static str,
) -> Resource {
    Resource::new(name, path, Cursor, scopes, about).params(FIELDS_PARAMS)
}

/// v2 `activityFields` needs `admin`; v1 accepts the scopes that export activities anyway, so
/// field names for activities come from here when `admin` was not granted.
pub const ACTIVITY_FIELDS_V1: Resource = Resource::new(
    "activity-fields",
    "/api/v1/activityFields",
    Single,
    ACTIVITIES,
    "Activity field definitions (v1)",
);

/// One pipeline / one stage.
pub(crate) const PIPELINE_SCOPES: &[&str] = DEALS_ADMIN;
pub(crate) const STAGE_SCOPES: &[&str] = DEALS_ADMIN;

/// The pseudo-type that exports every type into a directory.
pub(crate) const ALL: &str = "all";

/// The query parameters the operation of `path` declares, for the lists of the table.
pub(crate) fn declared_params(path: &str) -> Option<&'static [&'static str]> {
    RESOURCES.iter().find_map(|r| {
        if r.path == path {
            return Some(r.params);
        }
        r.extras
            .iter()
            .find(|e| e.path == Some(path))
            .map(|e| e.params)
    })
}

pub(crate) fn resource(name: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.name == name)
}

/// The type names, in table order.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    RESOURCES.iter().map(|r| r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_four_distinct_kebab_case_types() {
        assert_eq!(RESOURCES.len(), 34);
        let mut names: Vec<&str> = names().collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 34, "duplicate names");
        for n in names {
            assert!(
                n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{n} is not kebab-case"
            );
            assert_ne!(n, ALL);
        }
    }

    #[test]
    fn only_declared_parameters_are_ever_sent() {
        for r in RESOURCES {
            let mut sent: Vec<&str> = match r.paging {
                Paging::Cursor => vec!["limit", "cursor"],
                Paging::Offset => vec!["start", "limit"],
                Paging::Single => vec![],
            };
            if r.updated_since && r.walk == Walk::List {
                sent.push("updated_since");
            }
            if !r.include_fields.is_empty() {
                sent.push("include_fields");
            }
            if let Walk::Batch { param, .. } = r.walk {
                sent.push(param);
            }
            sent.extend(r.filters.iter().map(|(k, _)| *k));
            for extra in r.extras.iter().filter(|e| e.path.is_none()) {
                sent.extend(extra.filters.iter().map(|(k, _)| *k));
            }
            for p in sent {
                assert!(r.params.contains(&p), "{} sends undeclared {p}", r.name);
            }
            // A list of its own sends the main list's paging and include_fields and its filters.
            for extra in r.extras.iter().filter(|e| e.path.is_some()) {
                assert_eq!(
                    extra.updated_since,
                    extra.params.contains(&"updated_since"),
                    "{}",
                    r.name
                );
                let paging: &[&str] = if r.paging == Paging::Cursor {
                    CURSOR
                } else {
                    OFFSET
                };
                let include = ["include_fields"];
                let include: &[&str] = if r.include_fields.is_empty() {
                    &[]
                } else {
                    &include
                };
                let filters = extra.filters.iter().map(|(k, _)| k);
                for p in paging.iter().chain(include).chain(filters) {
                    assert!(
                        extra.params.contains(p),
                        "{} extra sends undeclared {p}",
                        r.name
                    );
                }
            }
        }
    }

    /// Every GET operation of both specs that declares `limit`, with the largest it allows
    /// (extracted by `scripts/spec-limits.py`).
    const SPEC_LIMITS: &str = include_str!("../../tests/fixtures/spec-limits.tsv");

    fn declared_max(path: &str) -> Option<u32> {
        SPEC_LIMITS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .find(|c| {
                path.strip_prefix("/api/")
                    .and_then(|p| p.strip_prefix(c[0]))
                    == Some(c[1])
            })
            .map(|c| c[3].parse().unwrap())
    }

    #[test]
    fn pages_never_exceed_what_the_operation_declares() {
        for r in RESOURCES {
            let declares = r.params.contains(&"limit");
            let paths = std::iter::once(r.path).chain(r.extras.iter().filter_map(|e| e.path));
            for path in paths {
                match declared_max(path) {
                    Some(max) => {
                        assert!(declares, "{}: {path} declares limit", r.name);
                        assert!(r.max_limit <= max, "{}: {path} allows {max}", r.name);
                    }
                    None => assert!(!declares, "{}: {path} declares no limit", r.name),
                }
            }
            if declares {
                let max = declared_max(r.path).unwrap();
                assert_eq!(
                    r.max_limit,
                    max,
                    "{}: the largest page {path} allows",
                    r.name,
                    path = r.path
                );
            }
        }
    }

    #[test]
    fn parents_exist_and_filter_by_update_time() {
        for r in RESOURCES {
            if let Walk::Batch { parent, .. } | Walk::PerParent { parent } = r.walk {
                let p = resource(parent).unwrap_or_else(|| panic!("{}: no {parent}", r.name));
                assert!(p.updated_since && p.walk == Walk::List, "{}", r.name);
                assert!(r.parent_key.is_some());
            }
            if let Some(f) = r.fields {
                assert!(resource(f).is_some(), "{}: no {f}", r.name);
            }
        }
    }

    #[test]
    fn deprecated_v1_lists_are_not_used() {
        for r in RESOURCES {
            if r.is_v1() {
                assert!(
                    !matches!(
                        r.name,
                        "deals"
                            | "persons"
                            | "organizations"
                            | "activities"
                            | "products"
                            | "pipelines"
                            | "stages"
                    ),
                    "{} must use v2",
                    r.name
                );
            }
        }
    }
}
