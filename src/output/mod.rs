//! Where records go: a destination (stdout or an atomically written file), a sink per format, and
//! the progress display on stderr.

pub mod atomic;
pub mod compact;
pub mod csv;
pub mod jsonl;
pub mod progress;

use std::io::Write;
use std::path::{Path, PathBuf};

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

/// The output formats; `--format` takes its values from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One compact JSON object per line, as the API returns it
    Jsonl,
    /// RFC 4180 with one header row; nested objects flattened with `.`
    Csv,
}

pub fn sink<W: Write + 'static>(format: Format, out: W, label: String) -> Result<Box<dyn Sink>> {
    Ok(match format {
        Format::Jsonl => Box::new(jsonl::JsonlSink::new(out, label)),
        Format::Csv => Box::new(csv::CsvSink::new(out, label)?),
    })
}

/// stdout, or a file that only appears complete.
pub enum Destination {
    Stdout,
    File(atomic::AtomicFile),
}

impl Destination {
    /// Prepares the destination before any API call, so a bad path fails fast.
    pub fn open(path: Option<&Path>) -> Result<Destination> {
        match path {
            None => Ok(Destination::Stdout),
            Some(p) => Ok(Destination::File(atomic::AtomicFile::create(p)?)),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Destination::Stdout => "stdout".into(),
            Destination::File(f) => f.dest().display().to_string(),
        }
    }

    pub fn path(&self) -> Option<PathBuf> {
        match self {
            Destination::Stdout => None,
            Destination::File(f) => Some(f.dest().to_path_buf()),
        }
    }

    /// A writer for the sink; big buffer, since records are small and many.
    pub fn writer(&self) -> Result<Box<dyn Write + Send>> {
        Ok(match self {
            Destination::Stdout => Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )),
            Destination::File(f) => Box::new(std::io::BufWriter::with_capacity(
                1 << 16,
                f.reopen()
                    .map_err(|e| Error::output(e, &f.dest().display().to_string()))?,
            )),
        })
    }

    /// Publishes the file (rename over the destination); stdout has nothing to do.
    pub fn commit(self) -> Result<()> {
        match self {
            Destination::Stdout => Ok(()),
            Destination::File(f) => f.commit(),
        }
    }
}
