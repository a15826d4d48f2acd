//! The token record in the web integration's document shape (README.md, "MongoDB shared with the
//! web integration"), shared by every store and by auth, and the
//! scope checks made against it. A leaf: it imports nothing but the error and secret types.
//!
//! `{ account_id, owner, token: { access_token, refresh_token, expires_in, generated_at,
//! token_type, scope, api_domain }, token_invalidated }`. Fields written by another program (the
//! web integration) that we do not know are carried in `extra` and written back untouched.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::secret::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    pub access_token: Secret,
    pub refresh_token: Secret,
    #[serde(default, deserialize_with = "any_number")]
    pub expires_in: i64,
    #[serde(default, deserialize_with = "any_number")]
    pub generated_at: i64,
    #[serde(default)]
    pub token_type: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub api_domain: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub account_id: String,
    pub owner: String,
    pub token: Token,
    #[serde(default)]
    pub token_invalidated: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Token {
    /// Builds a token from an OAuth token endpoint answer, stamped with `generated_at` = now.
    pub(crate) fn from_oauth_answer(answer: OAuthAnswer) -> Token {
        Token {
            access_token: answer.access_token,
            refresh_token: answer.refresh_token,
            expires_in: answer.expires_in,
            generated_at: chrono::Utc::now().timestamp(),
            token_type: answer.token_type,
            scope: answer.scope,
            api_domain: answer.api_domain.trim_end_matches('/').to_string(),
            extra: answer.extra,
        }
    }

    /// Granted scopes: Pipedrive sends them comma-separated; spaces are tolerated too.
    pub fn scopes(&self) -> Vec<String> {
        parse_scopes(&self.scope)
    }

    pub(crate) fn age_secs(&self) -> i64 {
        chrono::Utc::now().timestamp() - self.generated_at
    }
}

pub(crate) fn parse_scopes(scope: &str) -> Vec<String> {
    scope
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Checks that one of `needed` was granted before calling an endpoint (exit 5 otherwise).
/// `granted` is `None` for a personal API token, which carries the user's own permissions.
pub(crate) fn require_scope(granted: Option<&[String]>, needed: &[&str], what: &str) -> Result<()> {
    let Some(granted) = granted else {
        return Ok(());
    };
    if needed.iter().any(|n| granted.iter().any(|g| g == n)) {
        return Ok(());
    }
    Err(Error::Scope(format!(
        "{what} needs one of the scopes {}; this token has {}. Add a scope to the app in \
         Pipedrive's Developer Hub, then run `pipedrive login` again",
        needed.join(", "),
        if granted.is_empty() {
            "none".to_string()
        } else {
            granted.join(", ")
        }
    )))
}

/// Whether a scope was granted (or everything is, with an API token).
pub(crate) fn has_scope(granted: Option<&[String]>, scope: &str) -> bool {
    granted.is_none_or(|g| g.iter().any(|s| s == scope))
}

/// What `/oauth/token` answers, for both grant types.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OAuthAnswer {
    access_token: Secret,
    /// Absent when the server does not rotate: the session keeps the old one.
    #[serde(default, deserialize_with = "secret_or_null")]
    refresh_token: Secret,
    #[serde(default, deserialize_with = "any_number")]
    expires_in: i64,
    #[serde(default, deserialize_with = "text_or_null")]
    pub token_type: String,
    /// Comma-separated; a list is joined, absent or null means "unchanged" on refresh.
    #[serde(default, deserialize_with = "scope_text")]
    pub scope: String,
    #[serde(default, deserialize_with = "text_or_null")]
    api_domain: String,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

fn text_or_null<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn secret_or_null<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Secret, D::Error> {
    text_or_null(d).map(Secret::new)
}

fn scope_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scope {
        Text(String),
        List(Vec<String>),
    }
    Ok(match Option::<Scope>::deserialize(d)? {
        Some(Scope::Text(s)) => s,
        Some(Scope::List(l)) => l.join(","),
        None => String::new(),
    })
}

/// Numbers written by other programs may be integers or floats (MongoDB doubles).
fn any_number<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        Int(i64),
        Float(f64),
        Text(String),
    }
    Ok(match Option::<Num>::deserialize(d)? {
        Some(Num::Int(i)) => i,
        Some(Num::Float(f)) => f as i64,
        Some(Num::Text(s)) => s.trim().parse::<f64>().map(|f| f as i64).unwrap_or(0),
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_shape_and_keeps_unknown_fields() {
        let doc = serde_json::json!({
            "account_id": "acme", "owner": "web", "token_invalidated": false,
            "installed_by": "someone",
            "token": { "access_token": "a", "refresh_token": "r", "expires_in": 3599.0,
                       "generated_at": 1700000000, "token_type": "Bearer",
                       "scope": "deals:read,users:read", "api_domain": "https://acme.pipedrive.com",
                       "vendor": {"x": 1} }
        });
        let rec: TokenRecord = serde_json::from_value(doc).unwrap();
        assert_eq!(rec.token.expires_in, 3599);
        assert_eq!(rec.token.scopes(), vec!["deals:read", "users:read"]);
        let back = serde_json::to_value(&rec).unwrap();
        assert_eq!(back["installed_by"], "someone");
        assert_eq!(back["token"]["vendor"]["x"], 1);
        assert_eq!(back["token"]["access_token"], "a");
    }

    #[test]
    fn token_answers_in_other_shapes_are_accepted() {
        let a: OAuthAnswer = serde_json::from_value(serde_json::json!({
            "access_token": "a", "scope": ["deals:read", "users:read"], "token_type": null,
            "expires_in": null, "api_domain": null
        }))
        .unwrap();
        assert!(a.refresh_token.is_empty());
        assert_eq!(a.scope, "deals:read,users:read");
        assert_eq!(a.expires_in, 0);
        assert_eq!(a.api_domain, "");
    }

    #[test]
    fn debug_output_never_shows_tokens() {
        let rec: TokenRecord = serde_json::from_value(serde_json::json!({
            "account_id": "a", "owner": "o",
            "token": {"access_token": "ACCESS123", "refresh_token": "REFRESH456"}
        }))
        .unwrap();
        let dbg = format!("{rec:?}");
        assert!(
            !dbg.contains("ACCESS123") && !dbg.contains("REFRESH456"),
            "{dbg}"
        );
    }
}
