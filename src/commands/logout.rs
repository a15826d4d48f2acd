//! `pipedrive logout`: revoke the refresh token at Pipedrive (best effort), then delete it.

use crate::auth::oauth::OAuthClient;
use crate::cli::LogoutArgs;
use crate::error::Result;
use crate::http::http_client;
use crate::printer;
use crate::settings::Settings;
use crate::store::{recovery, Entry, TokenStore};

pub(crate) async fn run(settings: &Settings, args: &LogoutArgs) -> Result<()> {
    TokenStore::using(settings, async |store, _| {
        logout(settings, args, store).await
    })
    .await
}

async fn logout(settings: &Settings, args: &LogoutArgs, store: &TokenStore) -> Result<()> {
    let entries = if args.all {
        store.inspect_account(&settings.account).await?
    } else {
        vec![(
            settings.owner.clone(),
            store.inspect(&settings.account, &settings.owner).await?,
        )]
    };
    let (mut records, mut damaged) = (Vec::new(), 0);
    for (owner, entry) in entries {
        match entry {
            Entry::Found(r) => records.push(*r),
            Entry::Missing => {}
            Entry::Damaged(why) => {
                // Nothing in it can be revoked; the user wants it gone all the same.
                store.delete(&settings.account, &owner).await?;
                printer::info(&format!(
                    "Deleted the damaged entry of account '{}', owner '{owner}' ({} store: \
                     {why}); nothing was revoked at Pipedrive",
                    settings.account,
                    store.name()
                ));
                damaged += 1;
            }
        }
    }
    if records.is_empty() {
        if damaged == 0 {
            printer::info(&format!(
                "Nothing to log out: no token for account '{}'{} in the {} store",
                settings.account,
                if args.all {
                    String::new()
                } else {
                    format!(", owner '{}'", settings.owner)
                },
                store.name()
            ));
        }
        return Ok(());
    }
    let oauth = http_client(&settings.http).and_then(|http| OAuthClient::new(settings, http));
    for record in records {
        // A token an earlier run could not store is the live one: revoke that, and drop the file.
        // One that cannot be read is dropped with the token: logging out ends its use too.
        let kept = match recovery::find(&settings.config_dir, &record.account_id, &record.owner) {
            Ok(kept) => kept,
            Err(d) => {
                printer::warn(&format!(
                    "removing the recovery file {}, which cannot be read ({}): its token, if \
                     any, is not revoked",
                    d.path.display(),
                    d.why
                ));
                let _ = std::fs::remove_file(&d.path);
                None
            }
        };
        let live = kept
            .as_ref()
            .filter(|(_, k)| k.replaces == record.token.refresh_token)
            .map_or(&record.token.refresh_token, |(_, k)| &k.token.refresh_token);
        match &oauth {
            Ok(oauth) => {
                if let Err(e) = oauth.revoke(live, "refresh_token").await {
                    printer::warn(&format!(
                        "could not revoke the token of owner '{}' at Pipedrive: {e}",
                        record.owner
                    ));
                }
            }
            Err(e) => printer::warn(&format!(
                "not revoking at Pipedrive ({e}); deleting the stored token only"
            )),
        }
        store.delete(&record.account_id, &record.owner).await?;
        if let Some((path, _)) = kept {
            let _ = std::fs::remove_file(path);
        }
        printer::info(&format!(
            "Logged out account '{}', owner '{}' ({} store)",
            record.account_id,
            record.owner,
            store.name()
        ));
    }
    Ok(())
}
