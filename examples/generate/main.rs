//! Writes `completions/` and `man/` from the clap definition: `cargo run --example generate`.
//!
//! Run it after changing a flag, a subcommand or a doc comment in `src/cli.rs`; the test
//! `generated` fails until the committed files match.

use std::path::Path;

mod man;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = pipedrive_cli::completion_scripts::completions()
        .into_iter()
        .chain(man::man_pages());
    for (path, content) in files {
        let full = root.join(&path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if std::fs::read(&full).ok().as_deref() != Some(&content[..]) {
            std::fs::write(&full, &content)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}
