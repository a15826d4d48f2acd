//! JSON lines: one compact object per line, as the API returned it.

use std::io::Write;

use crate::error::{Error, Result};
use crate::output::compact::write_compact;
use crate::output::Sink;

pub struct JsonlSink<W: Write> {
    out: W,
    label: String,
}

impl<W: Write> JsonlSink<W> {
    pub fn new(out: W, label: String) -> Self {
        JsonlSink { out, label }
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn write(&mut self, json: &str) -> Result<()> {
        write_compact(&mut self.out, json)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::output(e, &self.label))
    }

    fn write_value(&mut self, value: &serde_json::Value) -> Result<()> {
        serde_json::to_writer(&mut self.out, value)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::output(e, &self.label))
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::output(e, &self.label))
    }
}
