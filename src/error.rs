//! One error type for the whole program and the exit-code table (README.md, "Exit codes").
//!
//! Core modules return typed errors; `main` turns them into a message on stderr and the exit code
//! that scripts depend on (README.md, "Exit codes").

use std::fmt;

/// Everything that can end a command early.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags or arguments (clap's own errors exit 2 before we get here).
    #[error("{0}")]
    Usage(String),
    /// Not logged in, token invalidated, refresh refused, consent denied, 401 from the API.
    #[error("{0}")]
    Auth(String),
    /// The API answered 401: the token was revoked or is invalid.
    #[error("{0}")]
    Unauthorized(String),
    /// The granted scopes do not cover the operation.
    #[error("{0}")]
    Scope(String),
    /// A pipeline or stage id that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The token store (keyring, file, MongoDB) cannot be read or written.
    #[error("token store '{store}' unavailable: {reason}")]
    Store { store: &'static str, reason: String },
    /// A MongoDB output (`--output mongodb://...`) is unreachable or refused the writes.
    #[error("MongoDB output unavailable: {0}")]
    Database(String),
    /// Network or server errors after retries, or a rate limit beyond `--max-wait`.
    #[error("{0}")]
    Temporary(String),
    /// The user pressed Ctrl-C.
    #[error("interrupted")]
    Interrupted,
    /// SIGTERM: a supervisor (timeout, systemd) asked the program to stop.
    #[error("terminated")]
    Terminated,
    /// stdout was closed by the reader (`| head`): not a failure.
    #[error("broken pipe")]
    BrokenPipe,
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// The exit codes scripts rely on (README.md, "Exit codes").
pub(crate) mod exit {
    pub(crate) const OK: i32 = 0;
    pub(crate) const FAILURE: i32 = 1;
    pub(crate) const USAGE: i32 = 2;
    pub(crate) const AUTH: i32 = 4;
    pub(crate) const SCOPE: i32 = 5;
    pub(crate) const NOT_FOUND: i32 = 6;
    pub(crate) const STORE: i32 = 7;
    pub(crate) const TEMPORARY: i32 = 75;
    pub(crate) const INTERRUPTED: i32 = 130;
    pub(crate) const TERMINATED: i32 = 143;
}

/// The exit-code table, the one source of `--help`'s list, the man page's EXIT STATUS
/// and the README's table (a test checks the README against it).
pub const EXIT_TABLE: &[(i32, &str)] = &[
    (
        exit::OK,
        "success (also when stdout is closed early, as by a pipe into head)",
    ),
    (exit::FAILURE, "any other error"),
    (
        exit::USAGE,
        "usage error: unknown flag, type or value, non-numeric id, a URL that would carry \
         credentials without https",
    ),
    (
        exit::AUTH,
        "authentication needed: not logged in, token invalidated, refresh refused, consent denied",
    ),
    (exit::SCOPE, "a scope the command needs was not granted"),
    (exit::NOT_FOUND, "not found (pipeline or stage id)"),
    (
        exit::STORE,
        "token store unavailable (keyring, file or MongoDB cannot be read or written), or a \
         MongoDB output unreachable or refusing writes",
    ),
    (
        exit::TEMPORARY,
        "temporary failure: network or server errors after retries, rate limit beyond \
         --max-wait, budget reserve reached; try again later",
    ),
    (
        exit::INTERRUPTED,
        "interrupted by SIGINT (Ctrl-C), after cleaning up",
    ),
    (exit::TERMINATED, "terminated by SIGTERM, after cleaning up"),
];

/// The table as `--help` prints it after the options.
pub(crate) fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes:");
    for (code, meaning) in EXIT_TABLE {
        text.push_str(&format!("\n  {code:<4}{meaning}"));
    }
    text
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Auth(_) | Error::Unauthorized(_) => exit::AUTH,
            Error::Scope(_) => exit::SCOPE,
            Error::NotFound(_) => exit::NOT_FOUND,
            Error::Store { .. } | Error::Database(_) => exit::STORE,
            Error::Temporary(_) => exit::TEMPORARY,
            Error::Interrupted => exit::INTERRUPTED,
            Error::Terminated => exit::TERMINATED,
            Error::BrokenPipe => exit::OK,
            Error::Other(_) => exit::FAILURE,
        }
    }

    pub(crate) fn other(msg: impl fmt::Display) -> Self {
        Error::Other(msg.to_string())
    }

    /// An I/O error while writing output: a closed pipe is success, the rest a failure.
    pub(crate) fn output(err: std::io::Error, target: &str) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Other(format!("cannot write {target}: {err}"))
        }
    }

    pub(crate) fn not_logged_in(account: &str, owner: &str) -> Self {
        Error::Auth(format!(
            "not logged in (account '{account}', owner '{owner}'): run `pipedrive login`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_contract() {
        let table = [
            (Error::Usage("x".into()), 2),
            (Error::Auth("x".into()), 4),
            (Error::Unauthorized("x".into()), 4),
            (Error::Scope("x".into()), 5),
            (Error::NotFound("x".into()), 6),
            (
                Error::Store {
                    store: "file",
                    reason: "x".into(),
                },
                7,
            ),
            (Error::Temporary("x".into()), 75),
            (Error::Interrupted, 130),
            (Error::Terminated, 143),
            (Error::BrokenPipe, 0),
            (Error::Other("x".into()), 1),
        ];
        for (err, code) in table {
            assert_eq!(err.exit_code(), code, "{err:?}");
        }
    }

    #[test]
    fn every_exit_code_is_in_the_table_once() {
        let errors = [
            Error::Usage("x".into()),
            Error::Auth("x".into()),
            Error::Scope("x".into()),
            Error::NotFound("x".into()),
            Error::Store {
                store: "file",
                reason: "x".into(),
            },
            Error::Temporary("x".into()),
            Error::Interrupted,
            Error::Terminated,
            Error::BrokenPipe,
            Error::Other("x".into()),
        ];
        for err in errors {
            let code = err.exit_code();
            assert_eq!(
                EXIT_TABLE.iter().filter(|(c, _)| *c == code).count(),
                1,
                "{code} ({err:?})"
            );
        }
        let help = exit_codes_help();
        for code in ["130", "143", "75"] {
            assert!(help.contains(&format!("\n  {code} ")), "{help}");
        }
    }

    #[test]
    fn a_closed_pipe_is_success() {
        let err = Error::output(
            std::io::Error::from(std::io::ErrorKind::BrokenPipe),
            "stdout",
        );
        assert_eq!(err.exit_code(), 0);
        let err = Error::output(
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            "f",
        );
        assert_eq!(err.exit_code(), 1);
    }
}
