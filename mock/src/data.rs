//! The mock's data set. Nothing is stored per record: record `id` of a kind is computed from
//! the id (a hash of kind and id), so it is the same on every run. Only overrides are kept:
//! touched `update_time`s, the ids of records added at runtime and the deletion times of
//! deleted deals.

use std::collections::HashMap;

use crate::fields::{self, CustomField};
use crate::time;
use crate::Seed;

/// 2023-01-01T00:00:00Z: generated times fall in 2023 and 2024.
const BASE: i64 = 1_672_531_200;
const DAY: i64 = 86_400;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Deal,
    ArchivedDeal,
    Person,
    Org,
    Pipeline,
    Stage,
    Activity,
    Product,
    Note,
    User,
}

pub const KINDS: usize = 10;

impl Kind {
    fn idx(self) -> usize {
        self as usize
    }

    /// The kind that owns touched/created overrides (archived deals are deals).
    pub fn family(self) -> Kind {
        match self {
            Kind::ArchivedDeal => Kind::Deal,
            k => k,
        }
    }

    fn salt(self) -> u64 {
        self.family().idx() as u64 * 0x1000_0000 + 17
    }

    /// Parses the plural names used by the public API (`deals`, `notes` ...).
    pub fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "deals" | "deal" => Kind::Deal,
            "archived_deals" | "deals/archived" => Kind::ArchivedDeal,
            "persons" | "person" | "people" => Kind::Person,
            "organizations" | "organization" | "orgs" => Kind::Org,
            "pipelines" | "pipeline" => Kind::Pipeline,
            "stages" | "stage" => Kind::Stage,
            "activities" | "activity" => Kind::Activity,
            "products" | "product" => Kind::Product,
            "notes" | "note" => Kind::Note,
            "users" | "user" => Kind::User,
            _ => return None,
        })
    }
}

/// splitmix64 of (salt, id, n): the source of every generated value.
pub fn h(salt: u64, id: u64, n: u64) -> u64 {
    let mut z = salt
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(id.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(n.wrapping_mul(0x94D0_49BB_1331_11EB))
        .wrapping_add(0x2545_F491_4F6C_DD1D);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The attributes lists filter and sort on, and the record writers start from.
#[derive(Clone, Debug)]
pub struct Meta {
    pub id: u64,
    pub owner_id: u64,
    pub person_id: Option<u64>,
    pub org_id: Option<u64>,
    pub deal_id: Option<u64>,
    pub pipeline_id: Option<u64>,
    pub stage_id: Option<u64>,
    pub status: &'static str,
    pub done: bool,
    pub add_time: i64,
    pub update_time: i64,
}

pub struct World {
    pub seed: Seed,
    /// Inclusive id ranges per kind, ascending and disjoint.
    ranges: [Vec<(u64, u64)>; KINDS],
    touched: [HashMap<u64, i64>; KINDS],
    created: [HashMap<u64, i64>; KINDS],
    /// Deleted deals (archived ones too): id to deletion time.
    deleted: HashMap<u64, i64>,
    /// Touched leads (open and archived, by 1-based index): index to update time.
    leads_touched: HashMap<u64, i64>,
    pub custom: [Vec<CustomField>; KINDS],
    /// Generated records sorted by update time, for `sort_by=update_time` at any size.
    pub time_index: crate::timeindex::TimeIndex,
}

impl World {
    pub fn new(seed: Seed) -> World {
        let mut ranges: [Vec<(u64, u64)>; KINDS] = Default::default();
        let counts = [
            (Kind::Deal, 1, seed.deals),
            (Kind::ArchivedDeal, seed.deals + 1, seed.archived_deals),
            (Kind::Person, 1, seed.persons),
            (Kind::Org, 1, seed.organizations),
            (Kind::Pipeline, 1, seed.pipelines),
            (Kind::Stage, 1, seed.stages),
            (Kind::Activity, 1, seed.activities),
            (Kind::Product, 1, seed.products),
            (Kind::Note, 1, seed.notes),
            (Kind::User, 1, seed.users),
        ];
        for (k, first, n) in counts {
            if n > 0 {
                ranges[k.idx()].push((first, first + n - 1));
            }
        }
        // Seeded deleted deals follow the archived ones, deleted one day apart up to now (all
        // within Pipedrive's 30 days, so `status=deleted` lists every one of them).
        let mut deleted = HashMap::new();
        let first = seed.deals + seed.archived_deals + 1;
        let started = time::now_secs();
        for (i, id) in (first..first + seed.deleted_deals).enumerate() {
            deleted.insert(id, started - 3600 - (i as i64 % 29) * DAY);
            let r = &mut ranges[Kind::Deal.idx()];
            match r.last_mut() {
                Some(l) if l.1 + 1 == id => l.1 = id,
                _ => r.push((id, id)),
            }
        }
        // A deletion sets update_time: it is a touch, so update-time lists see it.
        let mut touched: [HashMap<u64, i64>; KINDS] = Default::default();
        touched[Kind::Deal.idx()] = deleted.clone();
        World {
            seed,
            time_index: crate::timeindex::TimeIndex::new(&ranges),
            ranges,
            touched,
            created: Default::default(),
            deleted,
            leads_touched: HashMap::new(),
            custom: fields::custom_fields(&[]),
        }
    }

    pub fn ranges(&self, kind: Kind) -> &[(u64, u64)] {
        &self.ranges[kind.idx()]
    }

    #[cfg(test)]
    pub fn count(&self, kind: Kind) -> u64 {
        self.ranges(kind).iter().map(|(a, b)| b - a + 1).sum()
    }

    pub fn exists(&self, kind: Kind, id: u64) -> bool {
        self.ranges(kind).iter().any(|&(a, b)| a <= id && id <= b)
    }

    fn max_id(&self, kind: Kind) -> u64 {
        let of = |k: Kind| self.ranges(k).last().map(|r| r.1).unwrap_or(0);
        match kind.family() {
            Kind::Deal => of(Kind::Deal).max(of(Kind::ArchivedDeal)),
            k => of(k),
        }
    }

    pub fn touch(&mut self, kind: &str, ids: &[u64]) {
        if kind == "leads" {
            let now = time::now_secs();
            self.leads_touched.extend(ids.iter().map(|&n| (n, now)));
            return;
        }
        let k = Kind::from_name(kind).unwrap_or_else(|| panic!("unknown kind {kind:?}"));
        let now = time::now_secs();
        for &id in ids {
            self.touched[k.family().idx()].insert(id, now);
        }
    }

    /// The `update_time` given to lead `n` at runtime, if any.
    pub fn lead_touched(&self, n: u64) -> Option<i64> {
        if self.leads_touched.is_empty() {
            return None;
        }
        self.leads_touched.get(&n).copied()
    }

    /// When deal `id` (archived or not) was deleted; `None` for other kinds and live deals.
    pub fn deleted_at(&self, kind: Kind, id: u64) -> Option<i64> {
        if self.deleted.is_empty() || kind.family() != Kind::Deal {
            return None;
        }
        self.deleted.get(&id).copied()
    }

    /// Deletes a deal now (its `update_time` becomes now). Returns false when no such deal
    /// exists or it was deleted already.
    pub fn delete_deal(&mut self, id: u64) -> bool {
        let exists = self.exists(Kind::Deal, id) || self.exists(Kind::ArchivedDeal, id);
        if !exists || self.deleted.contains_key(&id) {
            return false;
        }
        let now = time::now_secs();
        self.deleted.insert(id, now);
        self.touched[Kind::Deal.idx()].insert(id, now);
        true
    }

    /// Moves live deal `id` into the archived list (`archived`) or out of it, as archiving or
    /// restoring it does: its `update_time` becomes now. False when it is not on the other list.
    pub fn move_deal(&mut self, id: u64, archived: bool) -> bool {
        let (from, to) = if archived {
            (Kind::Deal, Kind::ArchivedDeal)
        } else {
            (Kind::ArchivedDeal, Kind::Deal)
        };
        if self.deleted.contains_key(&id) || !remove_id(&mut self.ranges[from.idx()], id) {
            return false;
        }
        insert_id(&mut self.ranges[to.idx()], id);
        self.touched[Kind::Deal.idx()].insert(id, time::now_secs());
        true
    }

    /// Deletes record `id` of a kind without a deleted list (notes, persons...): it is gone from
    /// every answer, and the records after it move up one place in offset pages.
    pub fn remove(&mut self, kind: Kind, id: u64) -> bool {
        if !remove_id(&mut self.ranges[kind.idx()], id) {
            return false;
        }
        // Lists sorted by update time read the ids generated at start, except overridden ones,
        // which they take only while they exist: an override takes the removed id out of them.
        self.touched[kind.family().idx()].insert(id, time::now_secs());
        true
    }

    pub fn add(&mut self, kind: &str, n: usize) -> Vec<u64> {
        let k = Kind::from_name(kind).unwrap_or_else(|| panic!("unknown kind {kind:?}"));
        let first = self.max_id(k) + 1;
        let last = first + n as u64 - 1;
        if n == 0 {
            return vec![];
        }
        let now = time::now_secs();
        let r = &mut self.ranges[k.idx()];
        match r.last_mut() {
            Some(l) if l.1 + 1 == first => l.1 = last,
            _ => r.push((first, last)),
        }
        for id in first..=last {
            self.created[k.family().idx()].insert(id, now);
        }
        (first..=last).collect()
    }

    fn pick(&self, n: u64, salt: u64, id: u64, i: u64) -> u64 {
        1 + h(salt, id, i) % n.max(1)
    }

    /// Pipeline of a stage: stages are spread evenly over the pipelines, in id order.
    pub fn stage_pipeline(&self, stage: u64) -> (u64, u64) {
        let p = self.seed.pipelines.max(1);
        let per = self.seed.stages.max(1).div_ceil(p);
        let pipeline = ((stage - 1) / per + 1).min(p);
        (pipeline, (stage - 1) % per + 1)
    }

    /// Add and update time of a generated record, before any touch.
    pub fn base_times(kind: Kind, id: u64) -> (i64, i64) {
        let s = kind.salt();
        let add = BASE + (h(s, id, 1) % (540 * DAY as u64)) as i64;
        (add, add + (h(s, id, 2) % (180 * DAY as u64)) as i64)
    }

    /// Whether the record's times were changed at runtime (touched or created).
    pub fn overridden(&self, kind: Kind, id: u64) -> bool {
        let fam = kind.family().idx();
        (!self.touched[fam].is_empty() && self.touched[fam].contains_key(&id))
            || (!self.created[fam].is_empty() && self.created[fam].contains_key(&id))
    }

    /// Ids of the kind whose times were changed at runtime.
    pub fn overrides(&self, kind: Kind) -> impl Iterator<Item = u64> + '_ {
        let fam = kind.family().idx();
        self.touched[fam]
            .keys()
            .chain(
                self.created[fam]
                    .keys()
                    .filter(move |id| !self.touched[fam].contains_key(id)),
            )
            .copied()
            .filter(move |&id| self.exists(kind, id))
    }

    pub fn meta(&self, kind: Kind, id: u64) -> Meta {
        let s = kind.salt();
        let fam = kind.family().idx();
        let created = &self.created[fam];
        let found = if created.is_empty() {
            None
        } else {
            created.get(&id)
        };
        let (add_time, mut update_time) = match found {
            Some(&t) => (t, t),
            None => World::base_times(kind, id),
        };
        let touched = &self.touched[fam];
        if let Some(&t) = (!touched.is_empty()).then(|| touched.get(&id)).flatten() {
            update_time = t;
        }
        let deleted = self.deleted_at(kind, id);
        let sd = &self.seed;
        let r = h(s, id, 3);
        let owner_id = self.pick(sd.users, s, id, 4);
        let opt = |every: u64, n: u64, i: u64| {
            (h(s, id, i) % every != 0 && n > 0).then(|| self.pick(n, s, id, i + 100))
        };
        let mut m = Meta {
            id,
            owner_id,
            person_id: None,
            org_id: None,
            deal_id: None,
            pipeline_id: None,
            stage_id: None,
            status: "open",
            done: false,
            add_time,
            update_time,
        };
        match kind {
            Kind::Deal | Kind::ArchivedDeal => {
                let stage = self.pick(sd.stages, s, id, 5);
                m.stage_id = Some(stage);
                m.pipeline_id = Some(self.stage_pipeline(stage).0);
                m.person_id = opt(9, sd.persons, 6);
                m.org_id = opt(5, sd.organizations, 7);
                m.status = match r % 10 {
                    _ if deleted.is_some() => "deleted",
                    0..=5 => "open",
                    6 | 7 => "won",
                    _ => "lost",
                };
            }
            Kind::Person => m.org_id = opt(4, sd.organizations, 7),
            Kind::Stage => m.pipeline_id = Some(self.stage_pipeline(id).0),
            Kind::Activity | Kind::Note => {
                m.deal_id = opt(3, sd.deals, 8);
                m.person_id = opt(4, sd.persons, 6);
                m.org_id = opt(4, sd.organizations, 7);
                m.done = r % 3 == 0;
            }
            _ => {}
        }
        m
    }
}

/// Takes `id` out of ascending, disjoint inclusive ranges; false when it was not in them.
fn remove_id(ranges: &mut Vec<(u64, u64)>, id: u64) -> bool {
    let Some(i) = ranges.iter().position(|&(a, b)| a <= id && id <= b) else {
        return false;
    };
    let (a, b) = ranges[i];
    let mut parts = Vec::with_capacity(2);
    if a < id {
        parts.push((a, id - 1));
    }
    if id < b {
        parts.push((id + 1, b));
    }
    ranges.splice(i..=i, parts);
    true
}

/// Puts `id` into ascending, disjoint inclusive ranges.
fn insert_id(ranges: &mut Vec<(u64, u64)>, id: u64) {
    let at = ranges.partition_point(|&(_, b)| b < id);
    if ranges.get(at).is_some_and(|&(a, _)| a <= id) {
        return;
    }
    ranges.insert(at, (id, id));
    // Merge with the neighbours it touches.
    if at + 1 < ranges.len() && ranges[at + 1].0 == id + 1 {
        ranges[at].1 = ranges[at + 1].1;
        ranges.remove(at + 1);
    }
    if at > 0 && ranges[at - 1].1 + 1 == id {
        ranges[at - 1].1 = ranges[at].1;
        ranges.remove(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_move_between_lists_and_leave_them() {
        let mut w = World::new(Seed::default());
        assert!(w.move_deal(7, true));
        assert!(!w.exists(Kind::Deal, 7) && w.exists(Kind::ArchivedDeal, 7));
        assert!(!w.move_deal(7, true));
        assert!(w.move_deal(1210, false));
        assert!(w.exists(Kind::Deal, 1210) && !w.exists(Kind::ArchivedDeal, 1210));
        assert!(w.move_deal(7, false));
        assert_eq!(w.ranges(Kind::Deal)[0], (1, 1203));
        assert!(w.remove(Kind::Note, 1));
        assert!(!w.remove(Kind::Note, 1));
        assert_eq!(w.count(Kind::Note), 1233);
    }

    #[test]
    fn deterministic_and_addable() {
        let mut w = World::new(Seed::default());
        let a = w.meta(Kind::Deal, 17);
        let b = World::new(Seed::default()).meta(Kind::Deal, 17);
        assert_eq!(a.add_time, b.add_time);
        assert_eq!(a.stage_id, b.stage_id);
        let ids = w.add("deals", 3);
        // after 1203 deals, 25 archived and 3 deleted
        assert_eq!(ids, vec![1232, 1233, 1234]);
        assert_eq!(w.count(Kind::Deal), 1209);
        assert_eq!(w.meta(Kind::Deal, 1229).status, "deleted");
        assert!(w.delete_deal(5));
        assert!(!w.delete_deal(5));
        assert!(!w.delete_deal(99_999));
        assert_eq!(w.meta(Kind::Deal, 5).status, "deleted");
        assert!(w.exists(Kind::ArchivedDeal, 1204));
        w.touch("deals", &[5]);
        assert!(w.meta(Kind::Deal, 5).update_time > a.update_time);
    }
}
