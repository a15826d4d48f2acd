//! `pipedrive`: export a company's Pipedrive CRM data.
//!
//! The data flows: flags (`cli`) -> settings -> a command -> a fresh token (`auth::session`) ->
//! the API client (`api`) -> pages of records -> an output sink (`output`).
//!
//! Imports point down only: a module imports only modules on the lines below its own.
//!
//! ```text
//! commands               one file per subcommand
//! auth                   the session: "give me a fresh token" (implements api's AccessToken)
//! store                  the token stores (they read where they are from the settings)
//! settings               flags and environment resolved once, from cli's GlobalArgs
//! completion_scripts     the completion scripts, generated from the clap definitions
//! cli                    clap definitions only (the TYPE names come from api::resources)
//! state_file             the --state file (written through output's atomic file)
//! api, output            the Pipedrive client, pages and resource table; the sinks
//! http                   connection pool, retry policy, what the clients need of the settings
//! token                  the token record
//! choices, clock, error, secret, printer, shield, terminal_text, json_scan, mongo_uri
//! ```
//!
//! `error` is the floor of the floor: the others of the last line may import it.
//!
//! Only what the binary, the integration tests, the benches and the examples name is `pub`
//! (the modules api, choices, cli, completion_scripts, error, output, secret, settings, store and
//! token, and in them only those items); everything else is `pub(crate)` or private, so rustc
//! reports code nothing uses.

pub mod api;
pub(crate) mod auth;
pub mod choices;
pub mod cli;
pub(crate) mod clock;
pub(crate) mod commands;
pub mod completion_scripts;
pub mod error;
pub(crate) mod http;
pub(crate) mod json_scan;
pub(crate) mod mongo_uri;
pub mod output;
pub(crate) mod printer;
pub mod secret;
pub mod settings;
pub(crate) mod shield;
pub(crate) mod state_file;
pub mod store;
pub(crate) mod terminal_text;
pub mod token;

use cli::{Cli, Command};
use error::{Error, Result};
use settings::Settings;

/// Runs one parsed command line to completion; Ctrl-C cancels it cleanly (no partial output).
pub async fn run(cli: Cli) -> Result<()> {
    if let Command::Completions(args) = &cli.command {
        return commands::completions::run(args);
    }
    let settings = Settings::resolve(&cli.global)?;
    printer::init(
        settings.quiet,
        settings.verbose,
        settings.live_progress,
        settings.summary,
    );
    let work = async {
        match &cli.command {
            Command::Login(a) => commands::login::run(&settings, a).await,
            Command::Logout(a) => commands::logout::run(&settings, a).await,
            Command::Status(a) => commands::status::run(&settings, a).await,
            Command::Accounts(a) => commands::accounts::run(&settings, a).await,
            Command::Export(a) => commands::export::run(&settings, a).await,
            Command::Pipeline(a) => commands::pipeline_and_stage::pipeline(&settings, a).await,
            Command::Stage(a) => commands::pipeline_and_stage::stage(&settings, a).await,
            Command::Completions(_) => unreachable!("handled above"),
        }
    };
    // `biased`: the Ctrl-C handler is installed by the first poll, before `work` creates any
    // temporary file, so an early Ctrl-C still cleans up instead of killing the process.
    let result = tokio::select! {
        biased;
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
        _ = terminated() => Err(Error::Terminated),
        r = work => r,
    };
    // A refresh the server may already have answered must reach the store (or the recovery
    // file) before the process exits, or the only copy of the new refresh token dies with it.
    if shield::busy() {
        printer::info(
            "finishing before exiting what must not be cut short (a token refresh, so the new \
             token is not lost; leases handed back to the round)...",
        );
        shield::settle(SETTLE_LIMIT).await;
    }
    result
}

/// Bound on the wait for a shielded token step after a signal (each of its calls has its own
/// timeout; this only guards against a step stuck beyond them).
const SETTLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// SIGTERM (what `timeout`, systemd and cron's killers send) cleans up like Ctrl-C.
#[cfg(unix)]
async fn terminated() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn terminated() {
    std::future::pending().await
}
