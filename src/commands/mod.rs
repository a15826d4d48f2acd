//! One file per subcommand; each takes the resolved settings and its own arguments.

pub(crate) mod accounts;
pub(crate) mod completions;
pub(crate) mod export;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod pipeline_and_stage;
pub(crate) mod status;
