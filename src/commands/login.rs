//! `pipedrive login`: the OAuth authorization-code flow through a loopback callback server.

use std::io::IsTerminal;
use std::time::Duration;

use base64::Engine;
use rand::RngCore;

use crate::auth::callback::CallbackServer;
use crate::auth::oauth::OAuthClient;
use crate::auth::session::revoke_kept;
use crate::cli::LoginArgs;
use crate::error::{Error, Result};
use crate::http::check_secure_url;
use crate::http::http_client;
use crate::printer;
use crate::settings::Settings;
use crate::store::{recovery, TokenStore};
use crate::token::Token;

pub(crate) async fn run(settings: &Settings, args: &LoginArgs) -> Result<()> {
    if settings.api_token.is_some() {
        printer::info(
            "note: PIPEDRIVE_API_TOKEN is set, so other commands use it instead of this login",
        );
    }
    let http = http_client(&settings.http)?;
    let oauth = OAuthClient::new(settings, http)?;
    let redirect = settings.oauth.redirect_url.clone();
    // Bind before anything else that can be slow, so a busy port fails at once.
    let server = CallbackServer::bind(&redirect)?;
    TokenStore::using_for_login(settings, async |store, warning| {
        if let Some(w) = warning {
            printer::info(&w);
        }
        flow(settings, args, &oauth, &redirect, server, store).await
    })
    .await
}

async fn flow(
    settings: &Settings,
    args: &LoginArgs,
    oauth: &OAuthClient,
    redirect: &str,
    server: CallbackServer,
    store: &TokenStore,
) -> Result<()> {
    // An authorization code is spent by the exchange: a store that cannot take the token must
    // fail before the user is sent to the browser.
    store.check_writable().await?;
    let state = random_state();
    let url = oauth.authorize_url(redirect, &state);
    printer::always("Open this URL in a browser to log in to Pipedrive:");
    printer::always(&url);
    if args.no_browser {
        if std::io::stdin().is_terminal() {
            printer::always(&format!("Waiting for the browser to come back to {redirect} (or paste the URL it ends on here)..."));
        }
    } else if let Err(e) = open::that_detached(&url) {
        printer::always(&format!(
            "(could not open a browser: {e}; open the URL above by hand)"
        ));
    } else {
        printer::always(&format!(
            "Waiting for the browser to come back to {redirect}..."
        ));
    }
    let timeout = Duration::from_secs(args.timeout);
    let paste = args.no_browser;
    let code = tokio::task::spawn_blocking(move || server.wait(&state, timeout, paste))
        .await
        .map_err(|e| Error::other(format!("callback task failed: {e}")))??;

    let answer = oauth.exchange_code(&code, redirect).await?;
    let token = Token::from_oauth_answer(answer);
    if token.api_domain.is_empty() {
        return Err(Error::Other(
            "Pipedrive's token answer has no api_domain".into(),
        ));
    }
    check_secure_url("api_domain", &token.api_domain)?;
    store
        .save_login(&settings.account, &settings.owner, &token)
        .await?;
    drop_recovery(settings, oauth).await;
    printer::info(&format!(
        "Logged in to {} (account '{}', owner '{}'); scopes: {}",
        token.api_domain,
        settings.account,
        settings.owner,
        token.scopes().join(", ")
    ));
    printer::info(&format!(
        "Token stored in the {} store: {}",
        store.name(),
        store.location()
    ));
    Ok(())
}

/// A recovery file of this account and owner holds a token from before this login: still a
/// live grant, so it is revoked (best effort) before the file goes.
async fn drop_recovery(settings: &Settings, oauth: &OAuthClient) {
    let (account, owner) = (settings.account.as_str(), settings.owner.as_str());
    match recovery::find(&settings.config_dir, account, owner) {
        Ok(None) => {}
        Ok(Some((path, kept))) => {
            revoke_kept(oauth, &kept.token.refresh_token).await;
            let _ = std::fs::remove_file(&path);
            printer::info(&format!(
                "revoked and removed the token an earlier run kept in {} (this login \
                 replaces it)",
                path.display()
            ));
        }
        Err(d) => {
            let _ = std::fs::remove_file(&d.path);
            printer::warn(&format!(
                "removed the recovery file {}, which cannot be read ({}); this login replaces \
                 its token, which could not be revoked",
                d.path.display(),
                d.why
            ));
        }
    }
}

/// 256 random bits, URL-safe.
fn random_state() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
