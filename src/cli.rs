//! The command line as clap sees it: types and doc comments only (they become `--help`).
//!
//! Environment variables and defaults that clap does not know about (the older `PIPE_DRIVE_*`
//! names, the OAuth app settings) are merged in `settings.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::choices::{Format, StoreKind};

/// Export a company's Pipedrive CRM data as JSON lines or CSV.
///
/// Log in once with `pipedrive login`, then export any type:
/// `pipedrive export deals --format csv --output deals.csv`.
#[derive(Debug, Parser)]
#[command(
    name = "pipedrive",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = crate::error::exit_codes_help())]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Account the token belongs to (a company or integration name of your choosing)
    #[arg(
        long,
        global = true,
        env = "PIPEDRIVE_ACCOUNT",
        default_value = "default"
    )]
    pub(crate) account: String,

    /// Owner of the token within the account (a user name, a cron job, ...)
    #[arg(
        long,
        global = true,
        env = "PIPEDRIVE_OWNER",
        default_value = "default"
    )]
    pub(crate) owner: String,

    /// Where the OAuth token is kept; `auto` picks mongo if PIPEDRIVE_MONGO_URI is set, else the
    /// OS keyring if one is reachable, else a 0600 file under the config dir
    #[arg(long, global = true, env = "PIPEDRIVE_STORE", value_enum, default_value_t = StoreKind::Auto)]
    pub(crate) store: StoreKind,

    /// Directory of the file store and lock files [default: $XDG_CONFIG_HOME/pipedrive or
    /// ~/.config/pipedrive]
    #[arg(long, global = true, env = "PIPEDRIVE_CONFIG_DIR", value_name = "DIR")]
    pub(crate) config_dir: Option<PathBuf>,

    /// Longest wait for a rate limit or backoff before giving up with exit 75
    #[arg(
        long,
        global = true,
        env = "PIPEDRIVE_MAX_WAIT",
        value_name = "SECS",
        default_value_t = 60
    )]
    pub(crate) max_wait: u64,

    /// Stop (exit 75) before the company's daily API token budget, which every integration
    /// shares, falls below this percent of its limit
    #[arg(long, global = true, env = "PIPEDRIVE_BUDGET_RESERVE", value_name = "PERCENT",
          default_value_t = 10, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub(crate) budget_reserve: u8,

    /// Most API tokens this run may spend (each request's cost from Pipedrive's specs, requests
    /// in flight included): the request that would pass it is not sent, and the run stops with
    /// exit 75 without writing its output or moving --state
    #[arg(long, global = true, env = "PIPEDRIVE_MAX_TOKENS", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_tokens: Option<u64>,

    /// Timeout of one whole HTTP request, in seconds
    #[arg(long, global = true, env = "PIPEDRIVE_REQUEST_TIMEOUT", value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) request_timeout: u64,

    /// Timeout of opening one connection, in seconds
    #[arg(long, global = true, env = "PIPEDRIVE_CONNECT_TIMEOUT", value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) connect_timeout: u64,

    /// No progress display and no informational messages (errors are still printed)
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,

    /// Log each HTTP request (method, URL without secrets, status, time) on stderr
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in with OAuth in the browser and store the token
    Login(LoginArgs),
    /// Revoke the stored token at Pipedrive (best effort) and delete it
    Logout(LogoutArgs),
    /// Show who is logged in: store, account, owner, api_domain, scopes, token age (never secrets)
    Status(StatusArgs),
    /// List every identity in the token store: account, owner, scopes, token age, invalidated
    /// (never secrets; an OS keyring lists the owners of --account only)
    Accounts(AccountsArgs),
    /// Stream every record of a type as JSON lines or CSV
    // Boxed: its many flags make it far larger than the other commands' arguments.
    Export(Box<ExportArgs>),
    /// Print one pipeline as a JSON line (or CSV)
    Pipeline(PipelineArgs),
    /// Print one stage as a JSON line (or CSV)
    Stage(StageArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Do not open a browser: print the authorization URL on stderr (also accepts the redirected
    /// URL pasted on stdin, for SSH sessions)
    #[arg(long)]
    pub(crate) no_browser: bool,

    /// How long to wait for the browser to come back, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) timeout: u64,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Remove the tokens of every owner of the account, not only --owner's
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print one JSON object instead of text, for scripts
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Print one JSON array instead of a table, for scripts
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export (`all` writes every type the token's scopes allow into --output-dir)
    #[arg(value_name = "TYPE", value_parser = export_types())]
    pub kind: String,

    /// `export all`: only these types (comma-separated; `all` stands for the default set, so
    /// `--types all,deal-flow` adds deal-flow, which runs only when named here)
    #[arg(long, value_name = "T1,T2", value_delimiter = ',', value_parser = export_types(),
          hide_possible_values = true)]
    pub(crate) types: Vec<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub(crate) format: Format,

    /// Write to FILE atomically instead of stdout (the old file stays intact if the export fails),
    /// or sync into MongoDB with a mongodb:// or mongodb+srv:// URI (database from its path,
    /// default `pipedrive`): one upserted document per record, incremental by default
    #[arg(short, long, value_name = "FILE|URI")]
    pub(crate) output: Option<PathBuf>,

    /// MongoDB output: the collection the records go into (default pipedrive_records)
    #[arg(long, value_name = "NAME")]
    pub(crate) collection: Option<String>,

    /// MongoDB output: walk every record instead of those updated since the last sync, and mark
    /// the documents the walk did not see as deleted
    #[arg(long)]
    pub(crate) full: bool,

    /// Directory for `export all`: one file per type plus manifest.json
    #[arg(long, value_name = "DIR")]
    pub(crate) output_dir: Option<PathBuf>,

    /// Incremental export: only records updated since the last successful run recorded in FILE
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,

    /// Turn custom field keys into field names and option ids into labels (default for CSV)
    #[arg(long, conflicts_with = "raw_keys")]
    pub(crate) field_names: bool,

    /// Keep the API's custom field keys and option ids (turns off the CSV default)
    #[arg(long)]
    pub(crate) raw_keys: bool,

    /// Also export archived deals (deals) or archived leads (leads); per-deal types walk archived
    /// deals too
    #[arg(long)]
    pub(crate) include_archived: bool,

    /// Also export deals deleted in the last 30 days, marked `is_deleted` (deals only)
    #[arg(long)]
    pub(crate) include_deleted: bool,

    /// Optional fields v2 lists leave out unless asked (`activities_count`, `first_won_time`...):
    /// `all`, or names the type's operation declares under `include_fields`
    #[arg(long, value_name = "all|F1,F2", value_delimiter = ',')]
    pub(crate) include_fields: Vec<String>,

    /// CSV for spreadsheets: a UTF-8 byte-order mark, and text cells that start with =, +, -, @,
    /// tab or CR (and are not numbers) prefixed with ' so no formula runs (needs --format csv)
    #[arg(long)]
    pub(crate) excel: bool,

    /// Records per page, 1 to 500; lowered to what a list allows (call-logs 50, files 100)
    #[arg(long, value_name = "N", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..=500))]
    pub(crate) limit: u32,

    /// Stop after N records
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max: Option<u64>,

    /// Only records updated at or after this RFC 3339 time (where the endpoint filters by it)
    #[arg(long, value_name = "RFC3339")]
    pub(crate) updated_since: Option<String>,

    /// Requests in flight at once: offset pages, update-time slices of deals, persons,
    /// organizations and activities, the parents of a per-parent type, the types of `export all`
    /// (1 reads a cursor list with one cursor)
    #[arg(long, value_name = "N", env = "PIPEDRIVE_CONCURRENCY", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=16))]
    pub(crate) concurrency: u32,

    /// `export all`: every identity in the MongoDB token store, each exported once per --round
    /// under --output-dir DIR/<account>/<owner>/ or into --output mongodb://..., however many
    /// machines run the same command
    #[arg(long)]
    pub every_account: bool,

    /// With --every-account: accounts exported at once by this process, each with its own
    /// session, pacing and budget
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64), requires = "every_account")]
    pub(crate) accounts_concurrency: u32,

    /// With --every-account: the round this run belongs to; each account is exported once per
    /// round by whichever machine claims it first [default: the UTC date and hour, 2026-12-06T03]
    #[arg(long, value_name = "ID", requires = "every_account")]
    pub(crate) round: Option<String>,
}

#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// Pipeline id
    #[arg(value_name = "ID", value_parser = parse_id, allow_negative_numbers = true)]
    pub(crate) id: u64,

    /// Add the pipeline's stages as a `stages` array
    #[arg(long)]
    pub(crate) stages: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub struct StageArgs {
    /// Stage id
    #[arg(value_name = "ID", value_parser = parse_id, allow_negative_numbers = true)]
    pub(crate) id: u64,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// The TYPE values come from the resource table (plus `all`), so `--help`, the completions and
/// the man page list exactly the types the program exports.
fn export_types() -> clap::builder::PossibleValuesParser {
    use crate::api::resources::{ALL, RESOURCES};
    use clap::builder::PossibleValue;
    let all =
        PossibleValue::new(ALL).help("Every type the token's scopes allow, into --output-dir");
    clap::builder::PossibleValuesParser::new(
        RESOURCES
            .iter()
            .map(|r| PossibleValue::new(r.name).help(r.about))
            .chain([all]),
    )
}

/// Ids are positive whole numbers; say so rather than echo Rust's integer parse error.
fn parse_id(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err("an id is a positive whole number, such as 12".into()),
    }
}

impl Cli {
    /// The clap definition, for completions and man pages.
    pub fn command() -> clap::Command {
        <Self as clap::CommandFactory>::command()
    }
}

/// The valid values behind a usage error clap reports without them: the options of the command
/// for an unknown flag, the commands for an unknown command, the choices of a missing argument.
pub fn usage_hint(kind: clap::error::ErrorKind, args: &[String]) -> Option<String> {
    use clap::error::ErrorKind;
    let root = Cli::command();
    let sub = args
        .iter()
        .find_map(|a| root.find_subcommand(a.as_str()).cloned());
    let commands = || {
        let names: Vec<&str> = root
            .get_subcommands()
            .map(|c| c.get_name())
            .filter(|n| *n != "help")
            .collect();
        format!("Valid commands: {}", names.join(", "))
    };
    match (kind, &sub) {
        (ErrorKind::InvalidSubcommand | ErrorKind::MissingSubcommand, _) => Some(commands()),
        (ErrorKind::UnknownArgument, _) => {
            let cmd = sub.as_ref().unwrap_or(&root);
            let mut flags: Vec<String> = cmd
                .get_arguments()
                .chain(root.get_arguments())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .collect();
            flags.sort();
            flags.dedup();
            let name = sub.as_ref().map_or("pipedrive".to_string(), |c| {
                format!("pipedrive {}", c.get_name())
            });
            Some(format!("Valid options of `{name}`: {}", flags.join(", ")))
        }
        (ErrorKind::MissingRequiredArgument, Some(cmd)) => {
            let choices: Vec<String> = cmd
                .get_positionals()
                .flat_map(|a| a.get_possible_values())
                .map(|v| v.get_name().to_string())
                .collect();
            if choices.is_empty() {
                None
            } else {
                Some(format!("Valid values: {}", choices.join(", ")))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn usage_errors_name_the_valid_values() {
        let hint = usage_hint(
            ErrorKind::UnknownArgument,
            &args(&["export", "deals", "--bogus"]),
        )
        .unwrap();
        assert!(
            hint.contains("--format") && hint.contains("--account"),
            "{hint}"
        );
        let hint = usage_hint(ErrorKind::InvalidSubcommand, &args(&["frob"])).unwrap();
        assert!(hint.contains("export") && hint.contains("login"), "{hint}");
        let hint = usage_hint(ErrorKind::MissingRequiredArgument, &args(&["export"])).unwrap();
        assert!(hint.contains("deals") && hint.contains("users"), "{hint}");
    }
}
