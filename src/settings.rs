//! Flags and environment merged once into the values the rest of the program reads.
//!
//! clap handles the flags and their `PIPEDRIVE_*` variables; this adds the OAuth app settings,
//! the older `PIPE_DRIVE_*` aliases (README.md, "Environment variables"), the personal API token mode and the config directory default.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::choices::StoreKind;
use crate::cli::GlobalArgs;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::http::HttpSettings;
use crate::secret::Secret;

const DEFAULT_REDIRECT_URL: &str = "http://localhost:8910/callback";
const DEFAULT_OAUTH_URL: &str = "https://oauth.pipedrive.com";
const DEFAULT_API_DOMAIN: &str = "https://api.pipedrive.com";

#[derive(Debug, Clone)]
pub struct Settings {
    pub(crate) account: String,
    pub(crate) owner: String,
    pub(crate) store: StoreKind,
    pub(crate) config_dir: PathBuf,
    pub mongo_uri: Option<String>,
    pub(crate) oauth: OAuthApp,
    /// `PIPEDRIVE_API_TOKEN` mode: no OAuth, no store, no refresh.
    pub(crate) api_token: Option<ApiToken>,
    pub(crate) http: HttpSettings,
    pub(crate) quiet: bool,
    pub(crate) verbose: bool,
    /// Draw the live progress display: stderr is a terminal that can redraw a line, and nobody
    /// asked for plain output (`--quiet`, `NO_COLOR`, `TERM=dumb`). Found once, here.
    pub(crate) live_progress: bool,
    /// Print the one-line summary after an export (records, time, API requests and tokens spent
    /// of the company's daily budget): whoever reads stderr learns what the run cost, unless
    /// they asked for `--quiet` (as a cron job that wants a silent success does).
    pub(crate) summary: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct OAuthApp {
    client_id: Option<String>,
    client_secret: Option<Secret>,
    pub(crate) redirect_url: String,
    pub(crate) oauth_url: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ApiToken {
    pub(crate) token: Secret,
    pub(crate) api_domain: String,
}

/// Reads a variable by its `PIPEDRIVE_*` name, then by its older alias; empty counts as unset.
fn env_var(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn resolve(global: &GlobalArgs) -> Result<Settings> {
        for (what, value) in [("--account", &global.account), ("--owner", &global.owner)] {
            if value.trim().is_empty() {
                return Err(Error::Usage(format!("{what} must not be empty")));
            }
        }
        let stderr_terminal = std::io::stderr().is_terminal();
        let config_dir = match &global.config_dir {
            Some(dir) => dir.clone(),
            None => default_config_dir()?,
        };
        let oauth = OAuthApp {
            client_id: env_var(&["PIPEDRIVE_CLIENT_ID", "PIPE_DRIVE_CLIENT_ID"]),
            client_secret: env_var(&["PIPEDRIVE_CLIENT_SECRET", "PIPE_DRIVE_CLIENT_SECRET"])
                .map(Secret::new),
            redirect_url: env_var(&["PIPEDRIVE_REDIRECT_URL", "PIPE_DRIVE_REDIRECT_URL"])
                .unwrap_or_else(|| DEFAULT_REDIRECT_URL.to_string()),
            oauth_url: env_var(&["PIPEDRIVE_OAUTH_URL"])
                .unwrap_or_else(|| DEFAULT_OAUTH_URL.to_string())
                .trim_end_matches('/')
                .to_string(),
        };
        let api_token = env_var(&["PIPEDRIVE_API_TOKEN"]).map(|token| ApiToken {
            token: Secret::new(token.trim()),
            api_domain: env_var(&["PIPEDRIVE_API_DOMAIN"])
                .unwrap_or_else(|| DEFAULT_API_DOMAIN.to_string())
                .trim_end_matches('/')
                .to_string(),
        });
        Ok(Settings {
            account: global.account.clone(),
            owner: global.owner.clone(),
            store: global.store,
            config_dir,
            mongo_uri: env_var(&["PIPEDRIVE_MONGO_URI"]),
            oauth,
            api_token,
            http: HttpSettings {
                max_wait: Duration::from_secs(global.max_wait),
                request_timeout: Duration::from_secs(global.request_timeout),
                connect_timeout: Duration::from_secs(global.connect_timeout),
                clock: Clock::from_env(),
                budget_reserve: global.budget_reserve,
                max_tokens: global.max_tokens,
            },
            quiet: global.quiet,
            verbose: global.verbose,
            live_progress: should_draw(
                global.quiet,
                stderr_terminal,
                std::env::var("TERM").ok().as_deref(),
                std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ),
            summary: !global.quiet,
        })
    }

    pub(crate) fn client_id(&self) -> Result<&str> {
        self.oauth.client_id.as_deref().ok_or_else(|| {
            Error::Usage(
                "PIPEDRIVE_CLIENT_ID is not set: register an app in Pipedrive's Developer Hub and \
                 export its client id"
                    .into(),
            )
        })
    }

    pub(crate) fn client_secret(&self) -> Result<&Secret> {
        self.oauth.client_secret.as_ref().ok_or_else(|| {
            Error::Usage(
                "PIPEDRIVE_CLIENT_SECRET is not set: export the client secret of your Pipedrive app"
                    .into(),
            )
        })
    }
}

/// A terminal on stderr that can redraw a line, and nobody asked for plain output.
fn should_draw(quiet: bool, terminal: bool, term: Option<&str>, no_color: bool) -> bool {
    !quiet && terminal && term != Some("dumb") && !no_color
}

fn default_config_dir() -> Result<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("pipedrive"));
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".config").join("pipedrive")),
        None => Err(Error::Usage(
            "cannot find a config directory: set HOME, XDG_CONFIG_HOME or PIPEDRIVE_CONFIG_DIR"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_only_on_a_capable_terminal_when_not_quiet() {
        assert!(should_draw(false, true, Some("xterm-256color"), false));
        assert!(should_draw(false, true, None, false));
        assert!(!should_draw(true, true, Some("xterm"), false));
        assert!(!should_draw(false, false, Some("xterm"), false));
        assert!(!should_draw(false, true, Some("dumb"), false));
        assert!(!should_draw(false, true, Some("xterm"), true));
    }
}
