//! The closed sets of values that flags choose from: where tokens are kept (`--store`) and how
//! records are written (`--format`).
//!
//! They sit on the floor, below the clap definitions that offer them and the settings, stores and
//! sinks that act on them, so `cli` imports nothing that imports it back.

/// Where tokens are kept; `--store` takes its values from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StoreKind {
    Auto,
    Keyring,
    File,
    Mongo,
}

/// The output formats; `--format` takes its values from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One compact JSON object per line, as the API returns it
    Jsonl,
    /// RFC 4180 with one header row; nested objects flattened with `.`
    Csv,
}
