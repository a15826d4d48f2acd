//! `pipedrive accounts`: every identity the token store holds (account, owner, scopes, token age,
//! invalidated), from the store alone: no API call, never a secret.

use std::io::Write;

use serde_json::{json, Value};

use crate::cli::AccountsArgs;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::store::{Entry, TokenStore};
use crate::terminal_text;
use crate::token::parse_scopes;

pub(crate) async fn run(settings: &Settings, args: &AccountsArgs) -> Result<()> {
    if settings.api_token.is_some() {
        return Err(Error::Usage(
            "PIPEDRIVE_API_TOKEN is set: there is no token store to list; unset it to see the \
             stored accounts"
                .into(),
        ));
    }
    let (entries, store) = TokenStore::using(settings, async |store, _| {
        Ok((store.inspect_all(&settings.account).await?, store.name()))
    })
    .await?;
    let rows: Vec<Value> = entries
        .into_iter()
        .map(|(account, owner, entry)| describe(store, account, owner, entry))
        .collect();
    let text = if args.json {
        let mut s = serde_json::to_string(&rows).map_err(Error::other)?;
        s.push('\n');
        s
    } else {
        table(&rows)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::output(e, "stdout"))
}

/// One identity as `--json` shows it; a damaged entry says so instead of guessing at its fields.
fn describe(store: &str, account: String, owner: String, entry: Entry) -> Value {
    match entry {
        Entry::Found(r) => json!({
            "account": account,
            "owner": owner,
            "store": store,
            "api_domain": r.token.api_domain,
            "scopes": parse_scopes(&r.token.scope),
            "generated_at": r.token.generated_at,
            "token_age_secs": r.token.age_secs(),
            "token_invalidated": r.token_invalidated,
        }),
        Entry::Damaged(why) => json!({
            "account": account, "owner": owner, "store": store, "damaged": why,
        }),
        Entry::Missing => json!({"account": account, "owner": owner, "store": store}),
    }
}

/// Aligned columns for people; names come from the store (another program may have written
/// them), so they are quoted for the terminal.
fn table(rows: &[Value]) -> String {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let text = |k: &str| terminal_text::short(r[k].as_str().unwrap_or(""));
            let state = if r.get("damaged").is_some() {
                format!("damaged: {}", text("damaged"))
            } else if r["token_invalidated"] == true {
                "invalidated: run `pipedrive login`".into()
            } else {
                "ok".into()
            };
            let scopes = r["scopes"]
                .as_array()
                .map(|a| {
                    let names: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
                    terminal_text::short(&names.join(","))
                })
                .unwrap_or_default();
            let age = r["token_age_secs"]
                .as_i64()
                .map(super::status::human_age)
                .unwrap_or_default();
            [text("account"), text("owner"), age, state, scopes]
        })
        .collect();
    let head = ["ACCOUNT", "OWNER", "TOKEN AGE", "STATE", "SCOPES"].map(String::from);
    let mut width = [0usize; 4];
    for row in std::iter::once(&head).chain(&cells) {
        for (w, c) in width.iter_mut().zip(row.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    for row in std::iter::once(&head).chain(&cells) {
        for (w, c) in width.iter().zip(row.iter()) {
            s.push_str(&format!("{c:<w$}  "));
        }
        s.push_str(&row[4]);
        s.push('\n');
    }
    if let Some(store) = rows.first().and_then(|r| r["store"].as_str()) {
        s.push_str(&format!("{} identities in the {store} store\n", rows.len()));
    } else {
        s.push_str("no identities in the store: `pipedrive login` adds one\n");
    }
    s
}
