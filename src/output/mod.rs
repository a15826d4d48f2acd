//! Where records go: a destination (stdout or an atomically written file), a sink per format, and
//! the progress display on stderr.

pub(crate) mod atomic;
mod bson_json;
mod bson_write;
mod compact;
pub mod csv;
pub(crate) mod dirset;
pub(crate) mod jsonl;
pub(crate) mod mongo;
pub(crate) mod progress;
mod target;

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use target::{check_writable, same_file};

use crate::choices::Format;
use crate::error::{Error, Result};

/// One record at a time in, a complete document out at `finish`.
pub trait Sink {
    /// `json` is one record as JSON text (compact or not).
    fn write(&mut self, json: &str) -> Result<()>;
    /// A record the program changed (field names, archived flag): sinks that can take the value
    /// as it is skip printing it to text and parsing it again.
    fn write_value(&mut self, value: &serde_json::Value) -> Result<()> {
        self.write(&value.to_string())
    }
    /// Flushes everything (CSV writes its header and rows here).
    fn finish(&mut self) -> Result<()>;
}

/// Custom field keys to readable names and option ids to labels (`--field-names`), applied by
/// the sink as it writes, so CSV can rename while it walks a record's text.
pub trait Relabel: Send + Sync {
    /// Whether custom fields sit under `custom_fields` (v2 records) or at the top level (v1).
    fn nested(&self) -> bool;
    /// The readable name of custom field `key` (or of a part of one, such as v1's
    /// `<key>_currency`), and whether its values are option ids.
    fn field(&self, key: &str) -> Option<(Cow<'_, str>, bool)>;
    /// The value of field `key` with option ids replaced by their labels.
    fn label(&self, key: &str, value: serde_json::Value) -> serde_json::Value;
}

/// How a sink writes, beyond its format.
#[derive(Clone, Default)]
pub struct SinkOptions {
    /// CSV for spreadsheets: a byte-order mark, and no text cell that a spreadsheet would run.
    pub excel: bool,
    pub relabel: Option<Arc<dyn Relabel>>,
}

pub(crate) fn sink<W: Write + 'static>(
    format: Format,
    out: W,
    label: String,
) -> Result<Box<dyn Sink>> {
    sink_with(format, out, label, SinkOptions::default())
}

pub fn sink_with<W: Write + 'static>(
    format: Format,
    out: W,
    label: String,
    options: SinkOptions,
) -> Result<Box<dyn Sink>> {
    Ok(match format {
        Format::Jsonl => Box::new(jsonl::JsonlSink::new(out, label, options.relabel)),
        Format::Csv => Box::new(csv::CsvSink::with(out, label, options)?),
    })
}

/// stdout, a file that only appears complete, or a node written in place (FIFO, device).
pub(crate) enum Destination {
    Stdout,
    File(atomic::AtomicFile, PathBuf),
    Direct(std::fs::File, PathBuf),
}

impl Destination {
    /// Prepares the destination before any API call, so a bad path fails fast.
    pub(crate) fn open(path: Option<&Path>) -> Result<Destination> {
        let Some(path) = path else {
            return Ok(Destination::Stdout);
        };
        match target::classify(path)? {
            target::Target::Replace(p) => Ok(Destination::File(
                atomic::AtomicFile::create(&p)?,
                path.to_path_buf(),
            )),
            target::Target::Direct(p) => {
                let mut options = std::fs::OpenOptions::new();
                options.write(true);
                // A regular file behind `/dev/fd/N` was opened by the shell (truncated by `>`,
                // or kept by `>>`): add to it, never truncate it again or write over its start.
                if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                    options.append(true);
                }
                let file = options
                    .open(&p)
                    .map_err(|e| Error::output(e, &p.display().to_string()))?;
                Ok(Destination::Direct(file, p))
            }
        }
    }

    /// [`Destination::open`] on a thread of its own: opening a FIFO for writing waits for a
    /// reader, and a signal must still end the command meanwhile (the runtime is shut down
    /// without waiting for the thread, so a reader that never comes cannot hold the exit).
    pub(crate) async fn open_async(path: Option<&Path>) -> Result<Destination> {
        let Some(path) = path else {
            return Ok(Destination::Stdout);
        };
        let path = path.to_path_buf();
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("open-output".into())
            .spawn(move || {
                let _ = tx.send(Destination::open(Some(&path)));
            })
            .map_err(|e| Error::Other(format!("cannot open the output: {e}")))?;
        rx.await
            .map_err(|_| Error::Other("cannot open the output".into()))?
    }

    pub(crate) fn label(&self) -> String {
        match self {
            Destination::Stdout => "stdout".into(),
            Destination::File(_, p) | Destination::Direct(_, p) => p.display().to_string(),
        }
    }

    /// A writer for the sink; big buffer, since records are small and many.
    pub(crate) fn writer(&self) -> Result<Box<dyn Write + Send>> {
        Ok(match self {
            Destination::Stdout => Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )),
            Destination::File(f, p) => Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                f.writer()
                    .map_err(|e| Error::output(e, &p.display().to_string()))?,
            )),
            Destination::Direct(f, p) => Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                f.try_clone()
                    .map_err(|e| Error::output(e, &p.display().to_string()))?,
            )),
        })
    }

    /// Publishes the file (rename over the destination); stdout and nodes written in place have
    /// nothing left to do (the sink flushed them).
    pub(crate) fn commit(self) -> Result<()> {
        match self {
            Destination::Stdout | Destination::Direct(..) => Ok(()),
            Destination::File(f, _) => f.commit(),
        }
    }
}
