//! One file per subcommand; each takes the resolved settings and its own arguments.

pub mod accounts;
pub mod completions;
pub mod export;
pub mod login;
pub mod logout;
pub mod show;
pub mod status;
