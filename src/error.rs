//! One error type for the whole program and the contract's exit-code table.
//!
//! Core modules return typed errors; `main` turns them into a message on stderr and the exit code
//! that scripts depend on (see `../shared/CLI-CONTRACT.md`).

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

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit codes of the contract.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const AUTH: i32 = 4;
    pub const SCOPE: i32 = 5;
    pub const NOT_FOUND: i32 = 6;
    pub const STORE: i32 = 7;
    pub const INTERRUPTED: i32 = 130;
    pub const TERMINATED: i32 = 143;
    pub const TEMPORARY: i32 = 75;
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Auth(_) | Error::Unauthorized(_) => exit::AUTH,
            Error::Scope(_) => exit::SCOPE,
            Error::NotFound(_) => exit::NOT_FOUND,
            Error::Store { .. } => exit::STORE,
            Error::Temporary(_) => exit::TEMPORARY,
            Error::Interrupted => exit::INTERRUPTED,
            Error::Terminated => exit::TERMINATED,
            Error::BrokenPipe => exit::OK,
            Error::Other(_) => exit::FAILURE,
        }
    }

    pub fn other(msg: impl fmt::Display) -> Self {
        Error::Other(msg.to_string())
    }

    /// An I/O error while writing output: a closed pipe is success, the rest a failure.
    pub fn output(err: std::io::Error, target: &str) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Other(format!("cannot write {target}: {err}"))
        }
    }

    pub fn not_logged_in(account: &str, owner: &str) -> Self {
        Error::Auth(format!(
            "not logged in (account '{account}', owner '{owner}'): run `pipedrive login`"
        ))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::output(err, "output")
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
            (Error::BrokenPipe, 0),
            (Error::Other("x".into()), 1),
        ];
        for (err, code) in table {
            assert_eq!(err.exit_code(), code, "{err:?}");
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
