//! A compact set of record ids, so an export split into update-time slices writes each record
//! once even when an edit moves it from one slice to another during the run.
//!
//! Pipedrive's ids are positive integers handed out in sequence, so the ids of one company's
//! records sit close together. The set splits an id into a 16-bit low part and the rest (a
//! chunk): a chunk with few ids keeps them as a sorted list of `u16`, one that fills up turns into
//! a 65,536-bit bitmap (8 KB), the layout of a roaring bitmap. A million dense ids take about
//! 128 KB instead of the ~32 MB of a `HashSet<u64>`.

use std::collections::HashMap;

/// Past this many ids a chunk's list (2 bytes each) would outgrow the 8 KB bitmap.
const LIST_MAX: usize = 4096;
const WORDS: usize = 65_536 / 64;

enum Chunk {
    List(Vec<u16>),
    Bits(Box<[u64; WORDS]>),
}

#[derive(Default)]
pub(crate) struct IdSet {
    chunks: HashMap<u64, Chunk>,
}

impl IdSet {
    pub(crate) fn new() -> IdSet {
        IdSet::default()
    }

    /// Adds `id`; true when it was not in the set yet.
    pub(crate) fn insert(&mut self, id: u64) -> bool {
        let low = (id & 0xFFFF) as u16;
        let chunk = self
            .chunks
            .entry(id >> 16)
            .or_insert_with(|| Chunk::List(Vec::new()));
        match chunk {
            Chunk::List(list) => match list.binary_search(&low) {
                Ok(_) => false,
                Err(at) => {
                    list.insert(at, low);
                    if list.len() > LIST_MAX {
                        let mut bits = Box::new([0u64; WORDS]);
                        for &v in list.iter() {
                            bits[v as usize / 64] |= 1 << (v % 64);
                        }
                        *chunk = Chunk::Bits(bits);
                    }
                    true
                }
            },
            Chunk::Bits(bits) => {
                let (word, bit) = (low as usize / 64, 1u64 << (low % 64));
                let fresh = bits[word] & bit == 0;
                bits[word] |= bit;
                fresh
            }
        }
    }

    #[cfg(test)]
    fn contains(&self, id: u64) -> bool {
        let low = (id & 0xFFFF) as u16;
        match self.chunks.get(&(id >> 16)) {
            None => false,
            Some(Chunk::List(list)) => list.binary_search(&low).is_ok(),
            Some(Chunk::Bits(bits)) => bits[low as usize / 64] & (1 << (low % 64)) != 0,
        }
    }

    #[cfg(test)]
    fn len(&self) -> u64 {
        self.chunks
            .values()
            .map(|c| match c {
                Chunk::List(l) => l.len() as u64,
                Chunk::Bits(b) => b.iter().map(|w| u64::from(w.count_ones())).sum(),
            })
            .sum()
    }

    /// Bytes held by the ids (not counting the map's own table), for the memory bound's test.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.chunks
            .values()
            .map(|c| match c {
                Chunk::List(l) => l.capacity() * 2,
                Chunk::Bits(_) => WORDS * 8,
            })
            .sum::<usize>()
            + self.chunks.capacity() * 48
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn behaves_like_a_hash_set() {
        let mut set = IdSet::new();
        let mut reference = HashSet::new();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Dense ids, a few far-away ones and repeats.
            let id = match i % 10 {
                0 => x,
                1..=3 => i / 2,
                _ => x % 300_000,
            };
            assert_eq!(set.insert(id), reference.insert(id), "id {id}");
        }
        assert_eq!(set.len(), reference.len() as u64);
        for id in reference.iter().take(10_000) {
            assert!(set.contains(*id));
        }
        assert!(!set.contains(u64::MAX - 3) || reference.contains(&(u64::MAX - 3)));
    }

    #[test]
    fn a_million_dense_ids_stay_small() {
        let mut set = IdSet::new();
        for id in 1..=1_000_000u64 {
            assert!(set.insert(id));
        }
        assert!(!set.insert(500_000));
        assert_eq!(set.len(), 1_000_000);
        assert!(set.heap_bytes() < 200_000, "{} bytes", set.heap_bytes());
    }
}
