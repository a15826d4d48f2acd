//! Records edited while an export runs: every `every`, `n` records of a kind get a new
//! `update_time` (now), so they move from one update-time slice to another, or ahead of a
//! cursor sorted by update time, exactly as a busy CRM's records do under a long export.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::data::{h, Kind};
use crate::state::Shared;

/// Edits in progress; dropping it stops them.
pub struct Editing {
    stop: Arc<AtomicBool>,
    edits: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Editing {
    /// Records edited so far (a record edited twice counts twice).
    pub fn count(&self) -> u64 {
        self.edits.load(Ordering::SeqCst)
    }
}

impl Drop for Editing {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn start(shared: Arc<Shared>, kind: &str, n: usize, every: Duration) -> Editing {
    let k = Kind::from_name(kind).unwrap_or_else(|| panic!("unknown kind {kind:?}"));
    let stop = Arc::new(AtomicBool::new(false));
    let edits = Arc::new(AtomicU64::new(0));
    let (s, e) = (stop.clone(), edits.clone());
    let name = kind.to_string();
    let thread = std::thread::Builder::new()
        .name("pipedrive-mock-edits".into())
        .spawn(move || {
            let mut round = 0u64;
            while !s.load(Ordering::SeqCst) {
                let ids: Vec<u64> = {
                    let world = shared.world.read().unwrap();
                    let ranges = world.ranges(k);
                    let total: u64 = ranges.iter().map(|(a, b)| b - a + 1).sum();
                    (0..n as u64)
                        .filter(|_| total > 0)
                        .map(|i| nth_id(ranges, h(0xED17, round, i) % total))
                        .collect()
                };
                shared.world.write().unwrap().touch(&name, &ids);
                e.fetch_add(ids.len() as u64, Ordering::SeqCst);
                round += 1;
                // Sleep in short steps so a drop stops the editor promptly.
                let mut left = every;
                while !left.is_zero() && !s.load(Ordering::SeqCst) {
                    let step = left.min(Duration::from_millis(20));
                    std::thread::sleep(step);
                    left -= step;
                }
            }
        })
        .expect("spawn the mock's editor");
    Editing {
        stop,
        edits,
        thread: Some(thread),
    }
}

/// The id at position `i` of the kind's id ranges.
fn nth_id(ranges: &[(u64, u64)], mut i: u64) -> u64 {
    for &(a, b) in ranges {
        let len = b - a + 1;
        if i < len {
            return a + i;
        }
        i -= len;
    }
    ranges.last().map_or(1, |r| r.1)
}
