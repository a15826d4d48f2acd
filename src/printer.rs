//! The one writer of messages on stderr: information, warnings and `-v` lines.
//!
//! It knows `--quiet` and `--verbose` (set once from the settings) and the live progress display:
//! every line is printed with the bars suspended, so a message never lands in the middle of a bar
//! and the bar is redrawn below it. Data goes to stdout through the sinks, never through here; the
//! final error line is printed by `main` after every bar is gone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use indicatif::{MultiProgress, ProgressDrawTarget};

static QUIET: AtomicBool = AtomicBool::new(false);
static VERBOSE: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicBool = AtomicBool::new(false);
static SUMMARY: AtomicBool = AtomicBool::new(false);

/// Sets the flags for the rest of the process, once, from the settings (which looked at the
/// terminal): `live` draws the progress display, `summary` prints its closing line.
pub(crate) fn init(quiet: bool, verbose: bool, live: bool, summary: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    VERBOSE.store(verbose, Ordering::Relaxed);
    LIVE.store(live, Ordering::Relaxed);
    SUMMARY.store(summary, Ordering::Relaxed);
}

/// Whether the live progress display is drawn.
pub(crate) fn live() -> bool {
    LIVE.load(Ordering::Relaxed)
}

/// Whether a finished export prints its one-line summary.
pub(crate) fn summary() -> bool {
    SUMMARY.load(Ordering::Relaxed)
}

fn is_verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// The set of live bars; progress displays add theirs here so messages can step around them.
pub(crate) fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8)))
}

/// Information (what was done, notes), hidden by `--quiet`.
pub(crate) fn info(line: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        print(line);
    }
}

/// A line that must reach the user whatever `--quiet` says (the login URL, what to do next).
pub(crate) fn always(line: &str) {
    print(line);
}

/// `warning: ...`: something went wrong but the command goes on. Shown under `--quiet` too,
/// which hides information, not problems.
pub(crate) fn warn(line: &str) {
    print(&format!("warning: {line}"));
}

/// `pipedrive: ...` under `-v` only (requests, retries, waits).
pub(crate) fn verbose(line: &str) {
    if is_verbose() {
        print(&format!("pipedrive: {line}"));
    }
}

fn print(line: &str) {
    bars().suspend(|| eprintln!("{line}"));
}
