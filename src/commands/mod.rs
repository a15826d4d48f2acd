//! One file per subcommand; each takes the resolved settings and its own arguments.

pub mod accounts;
pub mod completions;
pub mod export;
pub mod login;
pub mod logout;
pub mod pipeline_and_stage;
pub mod status;
