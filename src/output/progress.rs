//! The progress display on stderr: records, pages, rate and elapsed time, and why it stalls when
//! the API client waits on a rate limit. Drawn only when stderr is a terminal, not `--quiet`, and
//! neither `NO_COLOR` nor `TERM=dumb` is set; the one-line summary at the end needs only a
//! terminal and no `--quiet`. Cron (stderr a file or pipe) sees nothing on success.
//!
//! All bars share one `MultiProgress`, so `export all` (several types at once) draws one line per
//! type instead of bars overwriting each other.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::http::wait::WaitStatus;

pub struct Progress {
    bar: Option<ProgressBar>,
    summary: bool,
    started: Instant,
    records: u64,
    pages: u64,
    what: String,
}

/// Whether to draw the live display, from the process's stderr and environment.
pub fn interactive(quiet: bool) -> bool {
    should_draw(
        quiet,
        std::io::stderr().is_terminal(),
        std::env::var("TERM").ok().as_deref(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    )
}

/// Whether to print the summary line at the end.
fn wants_summary(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A terminal on stderr that can redraw a line, and nobody asked for plain output.
pub fn should_draw(quiet: bool, terminal: bool, term: Option<&str>, no_color: bool) -> bool {
    !quiet && terminal && term != Some("dumb") && !no_color
}

fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8)))
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
    pub fn new(what: &str, quiet: bool, waiting: WaitStatus) -> Progress {
        let bar = interactive(quiet).then(|| {
            let bar = ProgressBar::no_length()
                .with_style(style(waiting))
                .with_prefix(what.to_string())
                .with_message("0 pages");
            let bar = multi().add(bar);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            summary: wants_summary(quiet),
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
            let pages = if self.pages == 1 { "page" } else { "pages" };
            bar.set_message(format!("{} {pages}", self.pages));
        }
    }

    /// Clears the bar and, on a terminal, prints one summary line.
    pub fn finish(mut self, target: &str) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.summary {
            let line = format!(
                "exported {} {} in {:.1}s to {target}",
                self.records,
                self.what,
                self.started.elapsed().as_secs_f64()
            );
            multi().suspend(|| eprintln!("{line}"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_only_on_a_capable_terminal_when_not_quiet() {
        assert!(should_draw(false, true, Some("xterm-256color"), false));
        assert!(should_draw(false, true, None, false));
        assert!(!should_draw(true, true, Some("xterm"), false));
        assert!(!should_draw(false, false, Some("xterm"), false));
        assert!(!should_draw(false, true, Some("dumb"), false));
        assert!(!should_draw(false, true, Some("xterm"), true));
    }
}
