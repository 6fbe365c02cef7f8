//! What the simulated drives hold, in memory that follows the writes, not the capacity.
//!
//! Every block's data is named by a version stamp: 0 never written, 1 the data present
//! when migration started, 2.. the user writes in submission order. Stamps are unique per
//! write, so "the target holds the source's data" is exact stamp equality. The simulator
//! needs only that one fact per LBA, so it keeps the set of LBAs where target and source
//! differ ([`RangeSet`], ranges merged): it starts as the mapped extents (the target is
//! empty), a user write adds its LBAs, and a copy's target write removes the LBAs it
//! copied, except those the source rewrote between the copy's read and its target write.
//! Its size is the data not yet (re)copied, never the namespace.
//!
//! The stamps themselves are kept only for the granules a run watches ([`Watched`]), for
//! the event log.

use std::collections::{BTreeMap, HashMap};

/// Stamp of a block never written.
pub const UNWRITTEN: u32 = 0;
/// Stamp of the data present before migration started.
pub const PRE_EXISTING: u32 = 1;

/// A set of LBAs as disjoint, non-adjacent half-open ranges.
///
/// Keyed by each range's end: the copy front eats ranges from their start, and a range
/// whose start moves keeps its key, so a copy changes the set in place with one descent.
#[derive(Clone, Debug, Default)]
pub struct RangeSet {
    /// end -> start
    ranges: BTreeMap<u64, u64>,
}

impl RangeSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of ranges (the memory it holds is proportional to it).
    pub fn ranges(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Adds `[lo, hi)`, merging with the ranges it overlaps or touches.
    pub fn insert(&mut self, lo: u64, hi: u64) {
        if lo >= hi {
            return;
        }
        let (mut start, mut end) = (lo, hi);
        // The ranges that overlap or touch [lo, hi] are those ending at or after `lo` and
        // starting at or before `hi`, consecutive from the first.
        while let Some((&e, s)) = self.ranges.range_mut(lo..).next() {
            if *s > end {
                break;
            }
            if *s <= lo && e >= hi {
                return; // already inside: the common rewrite of a dirty block
            }
            if e >= end {
                // The last one: it keeps its key and takes the merged start.
                *s = (*s).min(start);
                return;
            }
            start = start.min(*s);
            end = end.max(e);
            self.ranges.remove(&e);
        }
        self.ranges.insert(end, start);
    }

    /// Removes `[lo, hi)`, splitting the ranges it cuts.
    pub fn remove(&mut self, lo: u64, hi: u64) {
        if lo >= hi {
            return;
        }
        while let Some((&e, s)) = self.ranges.range_mut(lo + 1..).next() {
            let start = *s;
            if start >= hi {
                return;
            }
            if e > hi {
                // Keeps its key and its part above `hi`; its part below `lo` is re-keyed.
                *s = hi;
                if start < lo {
                    self.ranges.insert(lo, start);
                }
                return;
            }
            self.ranges.remove(&e);
            if start < lo {
                self.ranges.insert(lo, start); // keyed below `lo + 1`: the loop goes on past it
            }
        }
    }

    /// The parts of the set inside `[lo, hi)`, in order.
    pub fn within(&self, lo: u64, hi: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
        let hi = hi.max(lo);
        self.ranges
            .range(lo.saturating_add(1)..)
            .map(|(&e, &s)| (s, e))
            .take_while(move |&(s, _)| s < hi)
            .map(move |(s, e)| (s.max(lo), e.min(hi)))
    }

    /// Every range, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().map(|(&e, &s)| (s, e))
    }
}

/// Calls `f` once for each granule of 2^`shift` LBAs that holds an LBA of `ranges`
/// (which must be in order), in order.
pub fn granules_touched(
    ranges: impl Iterator<Item = (u64, u64)>,
    shift: u32,
    mut f: impl FnMut(u64),
) {
    let mut last = None;
    for (lo, hi) in ranges {
        let first = (lo >> shift).max(last.map_or(0, |l: u64| l + 1));
        for g in first..=((hi - 1) >> shift) {
            f(g);
            last = Some(g);
        }
    }
}

/// The stamps of every LBA of the watched granules, on the source and on the target.
#[derive(Debug, Default)]
pub struct Watched {
    shift: u32,
    lbas: u64,
    /// granule -> (source stamps, target stamps), one per LBA of the granule.
    granules: HashMap<u64, (Vec<u32>, Vec<u32>)>,
}

impl Watched {
    pub fn new(granules: &[u64], shift: u32, lbas: u64) -> Self {
        let mut w = Watched {
            shift,
            lbas,
            granules: HashMap::new(),
        };
        for &g in granules {
            let (lo, hi) = w.span(g);
            let n = hi.saturating_sub(lo) as usize;
            w.granules
                .insert(g, (vec![UNWRITTEN; n], vec![UNWRITTEN; n]));
        }
        w
    }

    fn span(&self, g: u64) -> (u64, u64) {
        let lo = (g << self.shift).min(self.lbas);
        (lo, ((g + 1) << self.shift).min(self.lbas))
    }

    /// For each watched granule overlapping `[slba, end)`: the granule's first LBA and the
    /// overlap, as indices into its stamp vectors.
    fn overlaps(&self, slba: u64, end: u64) -> Vec<(u64, usize, usize)> {
        if self.granules.is_empty() || slba >= end {
            return Vec::new();
        }
        let (g0, g1) = (slba >> self.shift, (end - 1) >> self.shift);
        let mut out: Vec<(u64, usize, usize)> = (self.granules.keys())
            .filter(|&&g| g0 <= g && g <= g1)
            .map(|&g| {
                let (lo, hi) = self.span(g);
                (g, (slba.max(lo) - lo) as usize, (end.min(hi) - lo) as usize)
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// A write of `stamp` to the source.
    pub fn write_source(&mut self, slba: u64, end: u64, stamp: u32) {
        for (g, a, b) in self.overlaps(slba, end) {
            self.granules.get_mut(&g).expect("watched").0[a..b].fill(stamp);
        }
    }

    /// What a copy read of `[slba, end)` samples of the watched granules.
    pub fn sample(&self, slba: u64, end: u64) -> Vec<(u64, usize, Vec<u32>)> {
        (self.overlaps(slba, end).into_iter())
            .map(|(g, a, b)| (g, a, self.granules[&g].0[a..b].to_vec()))
            .collect()
    }

    /// A copy's sampled data landing on the target.
    pub fn write_target(&mut self, sample: &[(u64, usize, Vec<u32>)]) {
        for (g, a, data) in sample {
            self.granules.get_mut(g).expect("watched").1[*a..*a + data.len()].copy_from_slice(data);
        }
    }

    /// The source's and the target's stamps of `[lo, hi)` inside watched granule `g`.
    pub fn stamps(&self, g: u64, lo: u64, hi: u64) -> (&[u32], &[u32]) {
        let (glo, _) = self.span(g);
        let (src, tgt) = &self.granules[&g];
        let (a, b) = ((lo - glo) as usize, (hi - glo) as usize);
        (&src[a..b], &tgt[a..b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The set against a plain vector of booleans, under random inserts and removes.
    #[test]
    fn range_set_matches_a_bit_per_lba() {
        let seeds: u64 =
            std::env::var("LMSNOOP_SEEDS").map_or(200, |v| v.parse().expect("LMSNOOP_SEEDS"));
        assert!(seeds > 0, "LMSNOOP_SEEDS=0 would check nothing");
        let base: u64 =
            std::env::var("LMSNOOP_SEED_BASE").map_or(0, |v| v.parse().expect("LMSNOOP_SEED_BASE"));
        for seed in base..base + seeds {
            let mut rng = Rng::new(seed);
            let n = 1 + rng.below(200);
            let (mut set, mut bits) = (RangeSet::new(), vec![false; n as usize]);
            for _ in 0..100 {
                let lo = rng.below(n);
                let hi = lo + rng.below(n - lo + 1);
                let add = rng.chance(0.5);
                if add {
                    set.insert(lo, hi);
                } else {
                    set.remove(lo, hi);
                }
                bits[lo as usize..hi as usize].fill(add);
                let mut want = vec![false; n as usize];
                let mut prev_end = None;
                for (s, e) in set.iter() {
                    assert!(s < e, "seed {seed}: empty range");
                    assert!(
                        prev_end.map_or(true, |p| p < s),
                        "seed {seed}: ranges touch"
                    );
                    want[s as usize..e as usize].fill(true);
                    prev_end = Some(e);
                }
                assert_eq!(want, bits, "seed {seed}");
                let (a, b) = (rng.below(n), rng.below(n + 1));
                let inside: u64 = set.within(a, b).map(|(s, e)| e - s).sum();
                let count = (a..b.max(a)).filter(|&i| bits[i as usize]).count() as u64;
                assert_eq!(inside, count, "seed {seed}: within({a}, {b})");
            }
        }
    }

    #[test]
    fn granules_touched_counts_each_once() {
        let ranges = [(0, 1), (3, 5), (7, 8), (8, 20)];
        let mut got = Vec::new();
        granules_touched(ranges.into_iter(), 2, |g| got.push(g));
        assert_eq!(got, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn watched_stamps_follow_writes_and_copies() {
        let mut w = Watched::new(&[1], 2, 10);
        w.write_source(0, 6, 7);
        let sample = w.sample(4, 8);
        w.write_source(5, 6, 9);
        w.write_target(&sample);
        assert_eq!(w.stamps(1, 4, 8), (&[7, 9, 0, 0][..], &[7, 7, 0, 0][..]));
    }
}
