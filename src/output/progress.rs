//! The progress display on stderr: records, pages, rate and elapsed time, drawn only when stderr
//! is a terminal and the user did not ask for quiet. Cron sees nothing on success.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    records: u64,
    pages: u64,
    what: String,
}

/// Whether to draw at all: a terminal on stderr, not `--quiet`, not `NO_COLOR`-style dumb terminals.
pub fn interactive(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

impl Progress {
    pub fn new(what: &str, quiet: bool) -> Progress {
        let bar = interactive(quiet).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix}: {human_pos} records, {msg} [{elapsed}]",
                )
                .expect("static template"),
            );
            bar.set_prefix(what.to_string());
            bar.set_message("0 pages");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            records: 0,
            pages: 0,
            what: what.to_string(),
        }
    }

    pub fn page(&mut self, records: u64) {
        self.pages += 1;
        self.records += records;
        if let Some(bar) = &self.bar {
            bar.set_position(self.records);
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} pages, {:.0} records/s",
                self.pages,
                self.records as f64 / secs
            ));
        }
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    /// Clears the bar and, on a terminal, prints one summary line.
    pub fn finish(self, target: &str) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
            eprintln!(
                "exported {} {} in {:.1}s to {target}",
                self.records,
                self.what,
                self.started.elapsed().as_secs_f64()
            );
        }
    }

    pub fn abandon(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
