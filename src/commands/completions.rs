//! `pipedrive completions <SHELL>`: the completion script, generated from the clap definition
//! (the same text as the committed `completions/` files; see `completion_scripts.rs`).

use std::io::Write;

use crate::cli::CompletionsArgs;
use crate::error::{Error, Result};

pub(crate) fn run(args: &CompletionsArgs) -> Result<()> {
    let out = crate::completion_scripts::completion(args.shell);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|_| stdout.flush())
        .map_err(|e| Error::output(e, "stdout"))
}
