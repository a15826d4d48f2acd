//! The table of exportable types: endpoint, paging style, the scopes that allow it and the query
//! parameters the official spec declares for it (nothing else is ever sent).

use crate::cli::ExportKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// v2: `limit` + `cursor`, `additional_data.next_cursor`.
    Cursor,
    /// v1: `start` + `limit`, `additional_data.pagination`.
    Offset,
    /// One answer holds everything (v1 users).
    Single,
}

#[derive(Debug, Clone, Copy)]
pub struct Resource {
    pub kind: ExportKind,
    pub name: &'static str,
    pub path: &'static str,
    pub paging: Paging,
    /// Any one of these OAuth scopes allows the call (the operation's `security` in the spec).
    pub scopes: &'static [&'static str],
    /// Whether the operation declares `updated_since`.
    pub updated_since: bool,
}

const DEALS: &[&str] = &["deals:read", "deals:full"];
const DEALS_ADMIN: &[&str] = &["deals:read", "deals:full", "admin"];
const CONTACTS: &[&str] = &["contacts:read", "contacts:full"];

pub const RESOURCES: &[Resource] = &[
    Resource {
        kind: ExportKind::Deals,
        name: "deals",
        path: "/api/v2/deals",
        paging: Paging::Cursor,
        scopes: DEALS,
        updated_since: true,
    },
    Resource {
        kind: ExportKind::Persons,
        name: "persons",
        path: "/api/v2/persons",
        paging: Paging::Cursor,
        scopes: CONTACTS,
        updated_since: true,
    },
    Resource {
        kind: ExportKind::Organizations,
        name: "organizations",
        path: "/api/v2/organizations",
        paging: Paging::Cursor,
        scopes: CONTACTS,
        updated_since: true,
    },
    Resource {
        kind: ExportKind::Notes,
        name: "notes",
        path: "/api/v1/notes",
        paging: Paging::Offset,
        scopes: &["deals:read", "deals:full", "contacts:read", "contacts:full"],
        updated_since: true,
    },
    Resource {
        kind: ExportKind::Pipelines,
        name: "pipelines",
        path: "/api/v2/pipelines",
        paging: Paging::Cursor,
        scopes: DEALS_ADMIN,
        updated_since: false,
    },
    Resource {
        kind: ExportKind::Stages,
        name: "stages",
        path: "/api/v2/stages",
        paging: Paging::Cursor,
        scopes: DEALS_ADMIN,
        updated_since: false,
    },
    Resource {
        kind: ExportKind::Activities,
        name: "activities",
        path: "/api/v2/activities",
        paging: Paging::Cursor,
        scopes: &["activities:read", "activities:full"],
        updated_since: true,
    },
    Resource {
        kind: ExportKind::Products,
        name: "products",
        path: "/api/v2/products",
        paging: Paging::Cursor,
        scopes: &["products:read", "products:full"],
        updated_since: true,
    },
    Resource {
        kind: ExportKind::Users,
        name: "users",
        path: "/api/v1/users",
        paging: Paging::Single,
        scopes: &["users:read"],
        updated_since: false,
    },
];

/// Archived deals left the main list in 2025; `--include-archived` reads them from here.
pub const ARCHIVED_DEALS: Resource = Resource {
    kind: ExportKind::Deals,
    name: "deals",
    path: "/api/v2/deals/archived",
    paging: Paging::Cursor,
    scopes: DEALS,
    updated_since: true,
};

/// One pipeline / one stage.
pub const PIPELINE_SCOPES: &[&str] = DEALS_ADMIN;
pub const STAGE_SCOPES: &[&str] = DEALS_ADMIN;

pub fn resource(kind: ExportKind) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_but_all_has_one_resource() {
        use clap::ValueEnum;
        for kind in ExportKind::value_variants() {
            let found = RESOURCES.iter().filter(|r| r.kind == *kind).count();
            assert_eq!(found, usize::from(*kind != ExportKind::All), "{kind:?}");
        }
    }

    #[test]
    fn deprecated_v1_lists_are_not_used() {
        for r in RESOURCES {
            if r.path.starts_with("/api/v1/") {
                assert!(
                    matches!(r.name, "notes" | "users"),
                    "{} must use v2",
                    r.name
                );
            }
        }
    }
}
