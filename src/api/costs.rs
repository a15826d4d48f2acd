//! What each GET costs of the company's daily token budget: every operation's `x-token-cost`
//! in Pipedrive's official specs (openapi-v1.yaml, openapi-v2.yaml), generated from them.
//! A path matches a template segment by segment; `{...}` stands for one segment.

/// (path template, tokens)
const COSTS: &[(&str, u64)] = &[
    ("/api/v2/activities", 10),
    ("/api/v2/activities/{id}", 1),
    ("/api/v2/activityFields", 10),
    ("/api/v2/activityFields/{field_code}", 1),
    ("/api/v2/deals", 10),
    ("/api/v2/deals/archived", 20),
    ("/api/v2/deals/{id}", 1),
    ("/api/v2/deals/{id}/followers", 10),
    ("/api/v2/deals/{id}/followers/changelog", 10),
    ("/api/v2/deals/products", 10),
    ("/api/v2/deals/search", 20),
    ("/api/v2/deals/{id}/products", 10),
    ("/api/v2/deals/{id}/discounts", 10),
    ("/api/v2/deals/installments", 10),
    ("/api/v2/dealFields", 10),
    ("/api/v2/dealFields/{field_code}", 1),
    ("/api/v2/deals/{id}/convert/status/{conversion_id}", 1),
    ("/api/v2/persons", 10),
    ("/api/v2/persons/{id}", 1),
    ("/api/v2/persons/{id}/followers", 10),
    ("/api/v2/persons/{id}/followers/changelog", 10),
    ("/api/v2/persons/{id}/picture", 1),
    ("/api/v2/personFields", 10),
    ("/api/v2/personFields/{field_code}", 1),
    ("/api/v2/organizations", 10),
    ("/api/v2/organizations/{id}", 1),
    ("/api/v2/organizations/{id}/followers", 10),
    ("/api/v2/organizations/{id}/followers/changelog", 10),
    ("/api/v2/organizationFields", 10),
    ("/api/v2/organizationFields/{field_code}", 1),
    ("/api/v2/products", 10),
    ("/api/v2/products/{id}/followers", 10),
    ("/api/v2/products/{id}/followers/changelog", 10),
    ("/api/v2/products/search", 20),
    ("/api/v2/products/{id}", 1),
    ("/api/v2/products/{id}/variations", 10),
    ("/api/v2/products/{id}/images", 10),
    ("/api/v2/productFields", 10),
    ("/api/v2/productFields/{field_code}", 1),
    ("/api/v2/leads/search", 20),
    ("/api/v2/leads/{id}/convert/status/{conversion_id}", 1),
    ("/api/v2/organizations/search", 20),
    ("/api/v2/persons/search", 20),
    ("/api/v2/itemSearch", 20),
    ("/api/v2/itemSearch/field", 20),
    ("/api/v2/stages", 5),
    ("/api/v2/stages/{id}", 1),
    ("/api/v2/pipelines", 5),
    ("/api/v2/pipelines/{id}", 1),
    ("/api/v2/projectFields", 10),
    ("/api/v2/projectFields/{field_code}", 1),
    ("/api/v2/projects", 10),
    ("/api/v2/projects/archived", 10),
    ("/api/v2/projects/{id}", 1),
    ("/api/v2/projectTemplates", 10),
    ("/api/v2/projectTemplates/{id}", 1),
    ("/api/v2/projects/search", 20),
    ("/api/v2/projects/{id}/permittedUsers", 5),
    ("/api/v2/projects/{id}/changelog", 10),
    ("/api/v2/tasks", 10),
    ("/api/v2/tasks/{id}", 1),
    ("/api/v2/boards", 10),
    ("/api/v2/boards/{id}", 10),
    ("/api/v2/phases", 10),
    ("/api/v2/phases/{id}", 10),
    ("/api/v2/users/{id}/followers", 10),
    ("/api/v1/activityFields", 20),
    ("/api/v1/activityTypes", 20),
    ("/api/v1/billing/subscriptions/addons", 20),
    ("/api/v1/callLogs", 20),
    ("/api/v1/callLogs/{id}", 2),
    ("/api/v1/currencies", 20),
    ("/api/v1/deals/archived", 40),
    ("/api/v1/deals/summary", 40),
    ("/api/v1/deals/summary/archived", 80),
    ("/api/v1/deals/timeline", 20),
    ("/api/v1/deals/timeline/archived", 40),
    ("/api/v1/deals/{id}/changelog", 20),
    ("/api/v1/deals/{id}/files", 20),
    ("/api/v1/deals/{id}/flow", 40),
    ("/api/v1/deals/{id}/participantsChangelog", 10),
    ("/api/v1/deals/{id}/followers", 20),
    ("/api/v1/deals/{id}/mailMessages", 20),
    ("/api/v1/deals/{id}/participants", 10),
    ("/api/v1/deals/{id}/permittedUsers", 10),
    ("/api/v1/dealFields", 20),
    ("/api/v1/dealFields/{id}", 2),
    ("/api/v1/files", 20),
    ("/api/v1/files/{id}", 2),
    ("/api/v1/files/{id}/download", 20),
    ("/api/v1/filters", 20),
    ("/api/v1/filters/helpers", 20),
    ("/api/v1/filters/{id}", 2),
    ("/api/v1/goals/find", 20),
    ("/api/v1/goals/{id}/results", 20),
    ("/api/v1/leads", 20),
    ("/api/v1/leads/archived", 40),
    ("/api/v1/leads/{id}", 2),
    ("/api/v1/leads/{id}/permittedUsers", 10),
    ("/api/v1/leads/search", 40),
    ("/api/v1/leadFields", 20),
    ("/api/v1/leadLabels", 10),
    ("/api/v1/leadSources", 2),
    ("/api/v1/legacyTeams", 20),
    ("/api/v1/legacyTeams/{id}", 2),
    ("/api/v1/legacyTeams/{id}/users", 20),
    ("/api/v1/legacyTeams/user/{id}", 20),
    ("/api/v1/mailbox/mailMessages/{id}", 2),
    ("/api/v1/mailbox/mailThreads", 20),
    ("/api/v1/mailbox/mailThreads/{id}", 20),
    ("/api/v1/mailbox/mailThreads/{id}/mailMessages", 20),
    ("/api/v1/notes", 20),
    ("/api/v1/notes/{id}", 2),
    ("/api/v1/notes/{id}/comments", 20),
    ("/api/v1/notes/{id}/comments/{commentId}", 2),
    ("/api/v1/noteFields", 20),
    ("/api/v1/organizations/{id}/changelog", 20),
    ("/api/v1/organizations/{id}/files", 20),
    ("/api/v1/organizations/{id}/flow", 40),
    ("/api/v1/organizations/{id}/followers", 20),
    ("/api/v1/organizations/{id}/mailMessages", 20),
    ("/api/v1/organizations/{id}/permittedUsers", 10),
    ("/api/v1/organizationFields", 20),
    ("/api/v1/organizationFields/{id}", 2),
    ("/api/v1/organizationRelationships", 20),
    ("/api/v1/organizationRelationships/{id}", 2),
    ("/api/v1/permissionSets", 20),
    ("/api/v1/permissionSets/{id}", 2),
    ("/api/v1/permissionSets/{id}/assignments", 20),
    ("/api/v1/persons/{id}/changelog", 20),
    ("/api/v1/persons/{id}/files", 20),
    ("/api/v1/persons/{id}/flow", 40),
    ("/api/v1/persons/{id}/followers", 20),
    ("/api/v1/persons/{id}/mailMessages", 20),
    ("/api/v1/persons/{id}/permittedUsers", 10),
    ("/api/v1/persons/{id}/products", 20),
    ("/api/v1/personFields", 20),
    ("/api/v1/personFields/{id}", 2),
    ("/api/v1/pipelines/{id}/conversion_statistics", 40),
    ("/api/v1/pipelines/{id}/deals", 20),
    ("/api/v1/pipelines/{id}/movement_statistics", 40),
    ("/api/v1/products/{id}/deals", 20),
    ("/api/v1/products/{id}/files", 20),
    ("/api/v1/products/{id}/followers", 20),
    ("/api/v1/products/{id}/permittedUsers", 10),
    ("/api/v1/productFields", 20),
    ("/api/v1/productFields/{id}", 2),
    ("/api/v1/projects", 20),
    ("/api/v1/projects/{id}", 2),
    ("/api/v1/projects/{id}/plan", 20),
    ("/api/v1/projects/{id}/groups", 20),
    ("/api/v1/projects/{id}/tasks", 20),
    ("/api/v1/projects/{id}/activities", 20),
    ("/api/v1/projects/boards", 20),
    ("/api/v1/projects/boards/{id}", 2),
    ("/api/v1/projects/phases", 20),
    ("/api/v1/projects/phases/{id}", 2),
    ("/api/v1/projectTemplates", 20),
    ("/api/v1/projectTemplates/{id}", 2),
    ("/api/v1/recents", 20),
    ("/api/v1/roles", 20),
    ("/api/v1/roles/{id}", 2),
    ("/api/v1/roles/{id}/assignments", 10),
    ("/api/v1/roles/{id}/settings", 20),
    ("/api/v1/roles/{id}/pipelines", 20),
    ("/api/v1/stages/{id}/deals", 20),
    ("/api/v1/tasks", 20),
    ("/api/v1/tasks/{id}", 2),
    ("/api/v1/users", 20),
    ("/api/v1/users/find", 40),
    ("/api/v1/users/me", 2),
    ("/api/v1/users/{id}", 2),
    ("/api/v1/users/{id}/followers", 20),
    ("/api/v1/users/{id}/permissions", 10),
    ("/api/v1/users/{id}/roleAssignments", 10),
    ("/api/v1/users/{id}/roleSettings", 10),
    ("/api/v1/userConnections", 20),
    ("/api/v1/userSettings", 2),
    ("/api/v1/webhooks", 10),
];

/// Tokens a request spends when the answer does not say: a v1 list's 20 for a path the table
/// does not know (the most a list of the exported kinds costs, so the budget errs on the safe
/// side).
const UNKNOWN: u64 = 20;

/// The `x-token-cost` of `GET path` (`/api/v2/deals`, `/v1/deals/12/flow`...).
pub fn cost(path: &str) -> u64 {
    let path = path.split('?').next().unwrap_or(path);
    // The old `/v1/` prefix answers like `/api/v1/`.
    let normalized;
    let path = match path.strip_prefix("/v1/") {
        Some(rest) => {
            normalized = format!("/api/v1/{rest}");
            normalized.as_str()
        }
        None => path,
    };
    // `/deals/products` is its own operation, not `/deals/{id}`: literal segments win.
    COSTS
        .iter()
        .filter(|(template, _)| matches(template, path))
        .min_by_key(|(template, _)| template.matches('{').count())
        .map_or(UNKNOWN, |(_, c)| *c)
}

fn matches(template: &str, path: &str) -> bool {
    let mut t = template.split('/');
    let mut p = path.trim_end_matches('/').split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b || (a.starts_with('{') && !b.is_empty()) => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_come_from_the_spec() {
        assert_eq!(cost("/api/v2/deals"), 10);
        assert_eq!(cost("/api/v2/deals/archived"), 20);
        assert_eq!(cost("/api/v2/pipelines"), 5);
        assert_eq!(cost("/api/v2/pipelines/3"), 1);
        assert_eq!(cost("/api/v1/notes"), 20);
        assert_eq!(cost("/api/v1/users"), 20);
        assert_eq!(cost("/v1/users"), 20);
        assert_eq!(cost("/api/v1/deals/12/flow"), 40);
        assert_eq!(cost("/api/v2/dealFields"), 10);
        assert_eq!(cost("/api/v2/deals/products"), 10);
        assert_eq!(cost("/api/v2/deals/7"), 1);
        assert_eq!(cost("/api/v1/noteFields"), 20);
        assert_eq!(cost("/api/v9/unknown"), UNKNOWN);
    }
}
