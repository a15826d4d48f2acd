//! The man pages, made from the clap definition plus the sections clap does not know about:
//! ENVIRONMENT, FILES and EXIT STATUS (from the one exit-code table in `error.rs`).
//!
//! Only `cargo run --example generate` and the staleness test use this, so `clap_mangen` is a
//! dev-dependency and the binary does not carry it. Both include this file by path.

use std::path::PathBuf;

use clap_mangen::roff::{bold, italic, roman, Roff};

use pipedrive_cli::cli::Cli;
use pipedrive_cli::completion_scripts::BIN;
use pipedrive_cli::error::EXIT_TABLE;

/// `pipedrive.1` and one page per subcommand (`pipedrive-export.1`, ...).
pub fn man_pages() -> Vec<(PathBuf, Vec<u8>)> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building sets each subcommand's bin name (`pipedrive export`) and display name
    // (`pipedrive-export`), which the pages use for their synopsis and file name.
    cmd.build();
    let mut pages = vec![page(&cmd, true)];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(page(sub, sub.get_name() != "completions"));
    }
    pages
}

fn page(cmd: &clap::Command, runtime_sections: bool) -> (PathBuf, Vec<u8>) {
    let man = clap_mangen::Man::new(cmd.clone())
        .manual("pipedrive manual")
        .source(concat!("pipedrive ", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(out)?;
        }
        if cmd.has_subcommands() {
            man.render_subcommands_section(out)?;
        }
        // The top-level after_help is the exit-code table, which EXIT STATUS renders better.
        let mut roff = Roff::new();
        if runtime_sections {
            environment(&mut roff);
            files(&mut roff);
        }
        exit_status(&mut roff);
        see_also(&mut roff, cmd);
        roff.to_writer(out)?;
        man.render_version_section(out)
    };
    render(&mut out).expect("writing to a Vec cannot fail");
    (PathBuf::from("man").join(man.get_filename()), out)
}

/// Every environment variable the program reads, with its meaning.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PIPEDRIVE_CLIENT_ID, PIPE_DRIVE_CLIENT_ID",
        "Client id of your Pipedrive app (Developer Hub). Needed by login and by every refresh.",
    ),
    (
        "PIPEDRIVE_CLIENT_SECRET, PIPE_DRIVE_CLIENT_SECRET",
        "Client secret of your Pipedrive app.",
    ),
    (
        "PIPEDRIVE_REDIRECT_URL, PIPE_DRIVE_REDIRECT_URL",
        "The app's callback URL (default http://localhost:8910/callback). It must be an http \
      loopback URL, registered as the app's callback URL: login listens on its port.",
    ),
    (
        "PIPEDRIVE_OAUTH_URL",
        "Base of /oauth/authorize, /oauth/token and /oauth/revoke (default \
      https://oauth.pipedrive.com).",
    ),
    (
        "PIPEDRIVE_API_TOKEN",
        "A personal API token: when set, commands authenticate with it (x-api-token header) \
      instead of the stored OAuth token, with no refresh.",
    ),
    (
        "PIPEDRIVE_API_DOMAIN",
        "The company domain PIPEDRIVE_API_TOKEN is sent to, such as https://acme.pipedrive.com \
      (default https://api.pipedrive.com).",
    ),
    (
        "PIPEDRIVE_ACCOUNT",
        "Default of --account (default: default).",
    ),
    ("PIPEDRIVE_OWNER", "Default of --owner (default: default)."),
    (
        "PIPEDRIVE_STORE",
        "Default of --store: auto, keyring, file or mongo (default: auto).",
    ),
    ("PIPEDRIVE_CONFIG_DIR", "Default of --config-dir."),
    (
        "PIPEDRIVE_MONGO_URI",
        "MongoDB connection string of the mongo store; the database is the URI's path (pipedrive \
      when it has none), the collection integrations.pipedrive.key. When set, --store auto \
      picks mongo.",
    ),
    (
        "PIPEDRIVE_MAX_WAIT",
        "Default of --max-wait (seconds, default 60).",
    ),
    (
        "PIPEDRIVE_BUDGET_RESERVE",
        "Default of --budget-reserve (percent of the company's daily API token budget to leave \
      untouched, default 10).",
    ),
    (
        "PIPEDRIVE_REQUEST_TIMEOUT",
        "Default of --request-timeout (seconds, default 60).",
    ),
    (
        "PIPEDRIVE_CONNECT_TIMEOUT",
        "Default of --connect-timeout (seconds, default 10).",
    ),
    (
        "PIPEDRIVE_CONCURRENCY",
        "Default of export --concurrency (default 4).",
    ),
    (
        "XDG_CONFIG_HOME, HOME",
        "The default config directory is $XDG_CONFIG_HOME/pipedrive, else ~/.config/pipedrive.",
    ),
    (
        "NO_COLOR, TERM",
        "When NO_COLOR is set or TERM is dumb, export draws no progress display.",
    ),
];

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(
        "An empty variable counts as unset. A flag given on the command line wins over its variable.",
    )]);
    for (names, meaning) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*names)]);
        roff.text([roman(*meaning)]);
    }
}

fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    let entries: [(&str, &str); 5] = [
        ("$XDG_CONFIG_HOME/pipedrive/, ~/.config/pipedrive/",
         "The config directory (mode 0700), unless --config-dir or PIPEDRIVE_CONFIG_DIR names another."),
        ("<config dir>/tokens.json",
         "The file store (mode 0600): one token record per account and owner, in the same shape as \
          the mongo documents. Used with --store file, and by --store auto when no keyring is \
          reachable."),
        ("<config dir>/tokens.lock",
         "Lock taken while tokens.json is rewritten."),
        ("<config dir>/keyring.lock",
         "Lock taken while a keyring entry is rewritten (the keyring itself holds the token)."),
        ("<config dir>/locks/refresh-<account>-<owner>.lock",
         "Lock that serializes token refreshes of one account and owner on this machine."),
    ];
    for (path, meaning) in entries {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(meaning)]);
    }
    roff.text([roman(
        "Files written with --output, --output-dir and --state are replaced atomically: they \
         appear complete or not at all.",
    )]);
}

fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_TABLE {
        let mut sentence = String::new();
        let mut chars = meaning.chars();
        sentence.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        sentence.extend(chars);
        sentence.push('.');
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(sentence)]);
    }
}

fn see_also(roff: &mut Roff, cmd: &clap::Command) {
    let me = cmd.get_display_name().unwrap_or(cmd.get_name());
    let mut pages: Vec<String> = std::iter::once(BIN.to_string())
        .chain(
            Cli::command()
                .get_subcommands()
                .map(|s| format!("{BIN}-{}", s.get_name())),
        )
        .filter(|p| p != me)
        .map(|p| format!("{p}(1)"))
        .collect();
    pages.push("flock(1)".into());
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(pages.join(", "))]);
}
