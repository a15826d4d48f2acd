//! Lists sorted by `update_time` without sorting every record on every page: the generated
//! records' times are sorted once per kind (lazily, on the first such request), and the few
//! records touched or created at runtime are merged in from their overrides. A page of a list
//! of a million records filtered to an update-time slice then costs a binary search and the
//! page itself, as on a real server with an index.

use std::sync::OnceLock;

use crate::data::{Kind, World, KINDS};

pub struct TimeIndex {
    /// The id ranges generated at start (records added later live in the overrides).
    base: Vec<Vec<(u64, u64)>>,
    sorted: [OnceLock<Vec<(i64, u64)>>; KINDS],
}

impl TimeIndex {
    pub fn new(ranges: &[Vec<(u64, u64)>; KINDS]) -> TimeIndex {
        TimeIndex {
            base: ranges.to_vec(),
            sorted: Default::default(),
        }
    }

    fn sorted(&self, kind: Kind) -> &[(i64, u64)] {
        self.sorted[kind as usize].get_or_init(|| {
            let mut v: Vec<(i64, u64)> = self.base[kind as usize]
                .iter()
                .flat_map(|&(a, b)| a..=b)
                .map(|id| (World::base_times(kind, id).1, id))
                .collect();
            v.sort_unstable();
            v
        })
    }
}

/// What one page asks for.
pub struct Query<'a> {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub desc: bool,
    /// The cursor: the (update_time, id) of the last record already given.
    pub after: Option<(i64, u64)>,
    /// How many entries to return at most.
    pub take: usize,
    pub keep: &'a dyn Fn(u64) -> bool,
}

/// Up to `q.take` (update_time, id) pairs in the order asked, after the cursor.
pub fn select(world: &World, kind: Kind, q: &Query) -> Vec<(i64, u64)> {
    let base = world.time_index.sorted(kind);
    let mut over: Vec<(i64, u64)> = world
        .overrides(kind)
        .map(|id| (world.meta(kind, id).update_time, id))
        .collect();
    over.sort_unstable();
    let lo = q.since.unwrap_or(i64::MIN);
    let hi = q.until.unwrap_or(i64::MAX);
    let in_range = |e: &(i64, u64)| e.0 >= lo && e.0 < hi;
    let fresh = |e: &(i64, u64)| !world.overridden(kind, e.1);
    let mut out = Vec::with_capacity(q.take.min(1024));
    if !q.desc {
        let start = |v: &[(i64, u64)]| {
            let s = v.partition_point(|e| e.0 < lo);
            q.after.map_or(s, |c| s.max(v.partition_point(|e| *e <= c)))
        };
        let mut a = base[start(base)..].iter().filter(|e| fresh(e)).peekable();
        let mut b = over[start(&over)..].iter().peekable();
        while out.len() < q.take {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x <= y => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => None,
            };
            match next {
                Some(e) if in_range(e) => {
                    if (q.keep)(e.1) {
                        out.push(*e);
                    }
                }
                _ => break,
            }
        }
    } else {
        let end = |v: &[(i64, u64)]| {
            let s = v.partition_point(|e| e.0 < hi);
            q.after.map_or(s, |c| s.min(v.partition_point(|e| *e < c)))
        };
        let mut a = base[..end(base)]
            .iter()
            .rev()
            .filter(|e| fresh(e))
            .peekable();
        let mut b = over[..end(&over)].iter().rev().peekable();
        while out.len() < q.take {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x >= y => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => None,
            };
            match next {
                Some(e) if in_range(e) => {
                    if (q.keep)(e.1) {
                        out.push(*e);
                    }
                }
                _ => break,
            }
        }
    }
    out
}
