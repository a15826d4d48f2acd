//! `pipedrive status`: who is logged in, from the token store alone (no API call, no secrets).

use std::io::Write;

use serde_json::json;

use crate::cli::StatusArgs;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::store::TokenStore;
use crate::token::parse_scopes;

pub(crate) async fn run(settings: &Settings, args: &StatusArgs) -> Result<()> {
    if let Some(api) = &settings.api_token {
        let info = json!({
            "auth": "api_token",
            "account": settings.account,
            "owner": settings.owner,
            "api_domain": api.api_domain,
            "note": "PIPEDRIVE_API_TOKEN is set: requests use it, no OAuth token is read or refreshed",
        });
        return print(args.json, &info);
    }
    let (record, name, location) = TokenStore::using(settings, async |store, _| {
        let record = store.load(&settings.account, &settings.owner).await;
        Ok((record, store.name(), store.location()))
    })
    .await?;
    let Some(record) = record? else {
        if args.json {
            print(
                true,
                &json!({"logged_in": false, "store": name, "location": location,
                                "account": settings.account, "owner": settings.owner}),
            )?;
        }
        return Err(Error::not_logged_in(&settings.account, &settings.owner));
    };
    let token = &record.token;
    let age = token.age_secs();
    let info = json!({
        "logged_in": !record.token_invalidated,
        "auth": "oauth",
        "store": name,
        "location": location,
        "account": record.account_id,
        "owner": record.owner,
        "api_domain": token.api_domain,
        "scopes": parse_scopes(&token.scope),
        "generated_at": token.generated_at,
        "token_age_secs": age,
        "expires_in": token.expires_in,
        "token_invalidated": record.token_invalidated,
    });
    print(args.json, &info)?;
    if record.token_invalidated {
        return Err(Error::Auth(format!(
            "the token of account '{}' is invalidated: run `pipedrive login`",
            record.account_id
        )));
    }
    Ok(())
}

fn print(as_json: bool, info: &serde_json::Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let text = if as_json {
        format!("{info}\n")
    } else {
        let mut s = String::new();
        if let Some(obj) = info.as_object() {
            for (k, v) in obj {
                let shown = match (k.as_str(), v) {
                    ("token_age_secs", serde_json::Value::Number(n)) => {
                        human_age(n.as_i64().unwrap_or(0))
                    }
                    // Scopes and the api_domain come from Pipedrive's token answer: quoted.
                    ("scopes", serde_json::Value::Array(a)) => a
                        .iter()
                        .filter_map(|s| s.as_str())
                        .map(crate::terminal_text::short)
                        .collect::<Vec<_>>()
                        .join(", "),
                    (_, serde_json::Value::String(s)) => crate::terminal_text::short(s),
                    (_, other) => other.to_string(),
                };
                let label = if k == "token_age_secs" {
                    "token_age"
                } else {
                    k.as_str()
                };
                s.push_str(&format!("{label:<18} {shown}\n"));
            }
        }
        s
    };
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::output(e, "stdout"))
}

pub(crate) fn human_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}
