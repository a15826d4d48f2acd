//! The progress display on stderr: records, pages, rate and elapsed time, and why it stalls when
//! the API client waits on a rate limit. Drawn only when stderr is a terminal, not `--quiet`, and
//! neither `NO_COLOR` nor `TERM=dumb` is set; the one-line summary at the end (records, time,
//! API requests and tokens spent of the daily budget) needs only no `--quiet`: a cron job that
//! wants a silent success passes `--quiet`.
//!
//! Whether to draw is decided once, in the settings. All bars share the printer's `MultiProgress`,
//! so `export all` (several types at once) draws one line per type, and messages printed through
//! the printer step around the bars instead of drawing over them.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use crate::http::wait::WaitStatus;
use crate::printer;

pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    summary: bool,
    started: Instant,
    records: u64,
    pages: u64,
    what: String,
}

fn style(waiting: WaitStatus) -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} {prefix}: {human_pos} records, {msg}, {rate} [{elapsed}]{waiting}",
    )
    .expect("static template")
    .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
        let secs = s.elapsed().as_secs_f64().max(0.001);
        let _ = write!(w, "{:.0} records/s", s.pos() as f64 / secs);
    })
    .with_key(
        "waiting",
        move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
            if let Some(wait) = waiting.current() {
                let left = wait.until.saturating_duration_since(Instant::now());
                let what = if wait.rate_limited {
                    "waiting on the rate limit"
                } else {
                    "retrying"
                };
                let _ = write!(
                    w,
                    " - {what}: {} ({}s left)",
                    wait.why,
                    left.as_secs_f64().ceil() as u64
                );
            }
        },
    )
}

impl Progress {
    /// `waiting` is the API client's status: a rate-limit wait shows on the bar while it lasts.
    pub(crate) fn new(what: &str, quiet: bool, waiting: WaitStatus) -> Progress {
        let bar = (!quiet && printer::live()).then(|| {
            let bar = ProgressBar::no_length()
                .with_style(style(waiting))
                .with_prefix(what.to_string())
                .with_message("0 pages");
            let bar = printer::bars().add(bar);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            summary: !quiet && printer::summary(),
            started: Instant::now(),
            records: 0,
            pages: 0,
            what: what.to_string(),
        }
    }

    pub(crate) fn page(&mut self, records: u64) {
        self.pages += 1;
        self.records += records;
        if let Some(bar) = &self.bar {
            bar.set_position(self.records);
            let pages = if self.pages == 1 { "page" } else { "pages" };
            bar.set_message(format!("{} {pages}", self.pages));
        }
    }

    /// Clears the bar and prints one summary line; `cost` is the API requests and tokens spent.
    pub(crate) fn finish(mut self, target: &str, cost: Option<(u64, u64)>) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.summary {
            let mut line = format!(
                "exported {} {} in {:.1}s to {target}",
                self.records,
                self.what,
                self.started.elapsed().as_secs_f64()
            );
            if let Some((requests, tokens)) = cost {
                line.push_str(&format!(
                    " ({requests} API {}, {tokens} tokens)",
                    if requests == 1 { "request" } else { "requests" }
                ));
            }
            printer::info(&line);
        }
    }
}

/// A failed export clears its bar without a summary; the error message follows.
impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
