//! The endpoints of the export types beyond the first nine, built from the 2026
//! specs: each operation's declared parameters (others get 400 before this module runs), its
//! scopes and token cost ([`ops`]), its paging and its records in the official shape.
//!
//! | path | paging | records (seed count) |
//! |---|---|---|
//! | `/v1/leads`, `/v1/leads/archived` | offset, flat `additional_data.{start,limit,more_items_in_collection}` as the spec's schema | leads (`leads`, `archived_leads`) |
//! | `/v1/leadLabels`, `/leadSources`, `/activityTypes`, `/currencies`, `/filters`, `/permissionSets` | one answer | `lead_labels`, `lead_sources`, `activity_types`, `currencies`, `filters`, `permission_sets` |
//! | `/v1/roles`, `/files`, `/callLogs`, `/leadFields`, `/deals/{id}/flow` | offset, `additional_data.pagination` | `roles`, `files`, `call_logs`, lead fields, `deal_flow` per deal |
//! | `/v1/goals/find` | one answer, `data.goals` | `goals` active + `inactive_goals` |
//! | `/v2/projects`, `/tasks`, `/projectFields` | cursor | `projects`, `tasks`, project fields |
//! | `/v2/deals/products`, `/deals/installments` | cursor, `deal_ids` required (at most 100) | `deal_products`, `deal_installments` per deal |
//! | `/v2/products/{id}/variations` | cursor | `product_variations` per product |
//!
//! Records are computed from their index like the first nine kinds (nothing stored per record)
//! and refer to records that exist: deal products to deals and products, variations to
//! products, leads to lead labels, persons and organizations, files and call logs to deals,
//! persons, organizations and activities, tasks to projects.

mod flow;
mod include;
mod ops;
mod util;
mod v1;
mod v2;

#[cfg(test)]
mod tests;

use crate::data::World;
use crate::params::Op;
use crate::state::Reply;

/// One of the endpoints of this module; path ids are still unparsed.
pub enum Route<'a> {
    Leads { archived: bool },
    LeadLabels,
    LeadSources,
    ActivityTypes,
    Currencies,
    Filters,
    PermissionSets,
    Roles,
    Files,
    CallLogs,
    Goals,
    LeadFields,
    DealFlow(&'a str),
    Projects,
    Tasks,
    ProjectFields,
    DealProducts,
    DealInstallments,
    ProductVariations(&'a str),
}

/// Maps a path (`/api/v1/...`, `/v1/...` or `/api/v2/...`) to one of this module's operations.
pub fn route(path: &str) -> Option<(Route<'_>, &'static Op)> {
    if let Some(p) = path.strip_prefix("/api/v2/") {
        return Some(match p {
            "projects" => (Route::Projects, &ops::PROJECTS),
            "tasks" => (Route::Tasks, &ops::TASKS),
            "projectFields" => (Route::ProjectFields, &ops::PROJECT_FIELDS),
            "deals/products" => (Route::DealProducts, &ops::DEAL_PRODUCTS),
            "deals/installments" => (Route::DealInstallments, &ops::DEAL_INSTALLMENTS),
            _ => {
                let id = p.strip_prefix("products/")?.strip_suffix("/variations")?;
                (Route::ProductVariations(id), &ops::PRODUCT_VARIATIONS)
            }
        });
    }
    let p = path
        .strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix("/v1/"))?;
    Some(match p {
        "leads" => (Route::Leads { archived: false }, &ops::LEADS),
        "leads/archived" => (Route::Leads { archived: true }, &ops::ARCHIVED_LEADS),
        "leadLabels" => (Route::LeadLabels, &ops::LEAD_LABELS),
        "leadSources" => (Route::LeadSources, &ops::LEAD_SOURCES),
        "activityTypes" => (Route::ActivityTypes, &ops::ACTIVITY_TYPES),
        "currencies" => (Route::Currencies, &ops::CURRENCIES),
        "filters" => (Route::Filters, &ops::FILTERS),
        "permissionSets" => (Route::PermissionSets, &ops::PERMISSION_SETS),
        "roles" => (Route::Roles, &ops::ROLES),
        "files" => (Route::Files, &ops::FILES),
        "callLogs" => (Route::CallLogs, &ops::CALL_LOGS),
        "goals/find" => (Route::Goals, &ops::GOALS),
        "leadFields" => (Route::LeadFields, &ops::LEAD_FIELDS),
        _ => {
            let id = p.strip_prefix("deals/")?.strip_suffix("/flow")?;
            (Route::DealFlow(id), &ops::DEAL_FLOW)
        }
    })
}

/// The answer of an operation whose parameters were validated against its declaration.
pub fn answer(world: &World, url: &str, route: Route<'_>, pairs: &[(String, String)]) -> Reply {
    match route {
        Route::Leads { archived } => v1::leads(world, archived, pairs),
        Route::LeadLabels => v1::lead_labels(world),
        Route::LeadSources => v1::lead_sources(world),
        Route::ActivityTypes => v1::activity_types(world),
        Route::Currencies => v1::currencies(world, pairs),
        Route::Filters => v1::filters(world, pairs),
        Route::PermissionSets => v1::permission_sets(world, pairs),
        Route::Roles => v1::roles(world, pairs),
        Route::Files => v1::files(world, url, pairs),
        Route::CallLogs => v1::call_logs(world, pairs),
        Route::Goals => v1::goals(world, pairs),
        Route::LeadFields => v1::lead_fields(world, pairs),
        Route::DealFlow(id) => flow::deal_flow(world, id, pairs),
        Route::Projects => v2::projects(world, pairs),
        Route::Tasks => v2::tasks(world, pairs),
        Route::ProjectFields => v2::project_fields(pairs),
        Route::DealProducts => v2::deal_products(world, pairs),
        Route::DealInstallments => v2::deal_installments(world, pairs),
        Route::ProductVariations(id) => v2::product_variations(world, id, pairs),
    }
}

/// Appends the optional fields a v2 list was asked for with `include_fields`.
pub fn include_fields(
    world: &World,
    path: &str,
    pairs: &[(String, String)],
    reply: Reply,
) -> Reply {
    include::apply(world, path, pairs, reply)
}
