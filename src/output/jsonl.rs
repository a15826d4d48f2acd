//! JSON lines: one compact object per line, as the API returned it (with `--field-names`, renamed).

use std::io::Write;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::output::compact::write_compact;
use crate::output::{Relabel, Sink};

pub struct JsonlSink<W: Write> {
    out: W,
    label: String,
    relabel: Option<Arc<dyn Relabel>>,
}

impl<W: Write> JsonlSink<W> {
    pub fn new(out: W, label: String, relabel: Option<Arc<dyn Relabel>>) -> Self {
        JsonlSink {
            out,
            label,
            relabel,
        }
    }

    fn line(&mut self, value: &serde_json::Value) -> Result<()> {
        serde_json::to_writer(&mut self.out, value)
            .map_err(std::io::Error::from)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::output(e, &self.label))
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn write(&mut self, json: &str) -> Result<()> {
        if let Some(r) = self.relabel.clone() {
            let mut value = serde_json::from_str(json)
                .map_err(|e| Error::Other(format!("a record is not valid JSON: {e}")))?;
            r.apply(&mut value);
            return self.line(&value);
        }
        write_compact(&mut self.out, json)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(|e| Error::output(e, &self.label))
    }

    fn write_value(&mut self, value: &serde_json::Value) -> Result<()> {
        match self.relabel.clone() {
            Some(r) => {
                let mut value = value.clone();
                r.apply(&mut value);
                self.line(&value)
            }
            None => self.line(value),
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::output(e, &self.label))
    }
}
