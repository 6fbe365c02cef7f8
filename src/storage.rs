//! What the simulated drives hold, in memory that follows the writes, not the capacity.
//!
//! Every block's data is named by a version stamp: 0 never written, 1 the data present
//! when migration started, 2.. the user writes in submission order. Stamps are unique per
//! write, so "the target holds the source's data" is exact stamp equality. The simulator
//! needs only that one fact per LBA, so it keeps the set of LBAs where target and source
//! differ ([`RangeSet`]): it starts as the mapped extents (the target is
//! empty), a user write adds its LBAs, and a copy's target write removes the LBAs it
//! copied, except those the source rewrote between the copy's read and its target write.
//! Its size is the data not yet (re)copied, never the namespace.
//!
//! The stamps themselves are kept only for the granules a run watches ([`Watched`]), for
//! the event log.

use std::collections::HashMap;

/// Stamp of a block never written.
pub const UNWRITTEN: u32 = 0;
/// Stamp of the data present before migration started.
pub const PRE_EXISTING: u32 = 1;

/// A set of LBAs, as half-open ranges kept per bucket of 2^`bits` LBAs.
///
/// A bucket is empty, full, or a short sorted list of disjoint, non-touching ranges in
/// 16-bit offsets: an operation indexes its bucket directly and binary-searches a list of
/// at most 2^(`bits` - 1) ranges, and a range costs 4 bytes. Untouched buckets cost one
/// directory entry. Ranges that cross buckets are held cut at the bucket edges.
#[derive(Clone, Debug)]
pub struct RangeSet {
    bits: u32,
    buckets: Vec<Bucket>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Bucket {
    #[default]
    Empty,
    Full,
    Ranges(Vec<(u16, u16)>),
}

impl Default for RangeSet {
    fn default() -> Self {
        Self::with_bucket_bits(Self::BUCKET_BITS)
    }
}

impl RangeSet {
    /// 4,096 LBAs a bucket: a directory entry per 16 MiB of 4 KiB blocks.
    pub const BUCKET_BITS: u32 = 12;

    pub fn new() -> Self {
        Self::default()
    }

    /// Buckets of 2^`bits` LBAs (1..=15: offsets and ends must fit 16 bits).
    pub fn with_bucket_bits(bits: u32) -> Self {
        assert!(
            (1..=15).contains(&bits),
            "bucket bits {bits} outside 1..=15"
        );
        RangeSet {
            bits,
            buckets: Vec::new(),
        }
    }

    fn size(&self) -> u64 {
        1 << self.bits
    }

    /// The buckets `[lo, hi)` touches, each with the part of it inside, in local offsets.
    fn pieces(&self, lo: u64, hi: u64) -> impl Iterator<Item = (usize, u16, u16)> {
        let (bits, size) = (self.bits, self.size());
        let buckets = if lo < hi {
            (lo >> bits)..((hi - 1) >> bits) + 1
        } else {
            0..0
        };
        buckets.map(move |b| {
            let base = b << bits;
            let (a, z) = (lo.max(base) - base, hi.min(base + size) - base);
            (b as usize, a as u16, z as u16)
        })
    }

    /// Adds `[lo, hi)`.
    pub fn insert(&mut self, lo: u64, hi: u64) {
        let last = hi.saturating_sub(1) >> self.bits;
        if lo < hi && self.buckets.len() <= last as usize {
            self.buckets.resize(last as usize + 1, Bucket::Empty);
        }
        let size = self.size() as u16;
        for (b, a, z) in self.pieces(lo, hi) {
            let bucket = &mut self.buckets[b];
            match bucket {
                Bucket::Full => {}
                Bucket::Empty if a == 0 && z == size => *bucket = Bucket::Full,
                Bucket::Empty => *bucket = Bucket::Ranges(vec![(a, z)]),
                Bucket::Ranges(v) => {
                    // Ranges ending at or after `a` and starting at or before `z` merge.
                    let i = v.partition_point(|r| r.1 < a);
                    let j = v.partition_point(|r| r.0 <= z);
                    let merged = if i < j {
                        (v[i].0.min(a), v[j - 1].1.max(z))
                    } else {
                        (a, z)
                    };
                    v.splice(i..j, [merged]);
                    if v.len() == 1 && v[0] == (0, size) {
                        *bucket = Bucket::Full;
                    }
                }
            }
        }
    }

    /// Removes `[lo, hi)`.
    pub fn remove(&mut self, lo: u64, hi: u64) {
        let size = self.size() as u16;
        for (b, a, z) in self.pieces(lo, hi) {
            let Some(bucket) = self.buckets.get_mut(b) else {
                return;
            };
            let v = match bucket {
                Bucket::Empty => continue,
                Bucket::Full if a == 0 && z == size => {
                    *bucket = Bucket::Empty;
                    continue;
                }
                Bucket::Full => {
                    *bucket = Bucket::Ranges(vec![(0, size)]);
                    let Bucket::Ranges(v) = bucket else {
                        unreachable!()
                    };
                    v
                }
                Bucket::Ranges(v) => v,
            };
            // Ranges ending after `a` and starting before `z` lose [a, z).
            let i = v.partition_point(|r| r.1 <= a);
            let j = v.partition_point(|r| r.0 < z);
            if i < j {
                let (first, last) = (v[i].0, v[j - 1].1);
                let keep = [(first, a), (z, last)];
                v.splice(i..j, keep.into_iter().filter(|r| r.0 < r.1));
            }
            if v.is_empty() {
                *bucket = Bucket::Empty;
            }
        }
    }

    /// Starts loading the directory entry of `lba`'s bucket and, if that entry is already
    /// in cache (an earlier call), its list of ranges: called a few operations ahead of
    /// the operation on `lba`, it hides the two cache misses of a random write.
    #[inline]
    pub fn prefetch(&self, lba: u64, entry_only: bool) {
        let Some(bucket) = self.buckets.get((lba >> self.bits) as usize) else {
            return;
        };
        if entry_only {
            lmsnoop_sim::prefetch(bucket);
        } else if let Bucket::Ranges(v) = bucket {
            if let Some(first) = v.first() {
                lmsnoop_sim::prefetch(first);
            }
        }
    }

    /// How many members of the set lie in `[lo, hi)`.
    pub fn count(&self, lo: u64, hi: u64) -> u64 {
        self.within(lo, hi).map(|(a, z)| z - a).sum()
    }

    /// The parts of the set inside `[lo, hi)`, in order (cut at bucket edges).
    pub fn within(&self, lo: u64, hi: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
        let (first, end) = if lo < hi {
            (lo >> self.bits, ((hi - 1) >> self.bits) + 1)
        } else {
            (0, 0)
        };
        let end = end.min(self.buckets.len() as u64);
        (first..end.max(first)).flat_map(move |b| {
            let base = b << self.bits;
            self.bucket_ranges(b as usize)
                .map(move |(s, e)| ((base + s).max(lo), (base + e).min(hi)))
                .filter(|r| r.0 < r.1)
        })
    }

    fn bucket_ranges(&self, b: usize) -> impl Iterator<Item = (u64, u64)> + '_ {
        let size = self.size();
        let (full, list): (bool, &[(u16, u16)]) = match &self.buckets[b] {
            Bucket::Empty => (false, &[]),
            Bucket::Full => (true, &[]),
            Bucket::Ranges(v) => (false, v),
        };
        full.then_some((0, size))
            .into_iter()
            .chain(list.iter().map(|&(s, e)| (u64::from(s), u64::from(e))))
    }

    /// Granules of 2^`shift` LBAs spanned by `[lo, hi)` that hold no LBA of the set: for
    /// the divergence set, the granules a copy of that range moves redundantly.
    pub fn granules_clear(&self, lo: u64, hi: u64, shift: u32) -> u64 {
        let spanned = ((hi - 1) >> shift) - (lo >> shift) + 1;
        let mut touched = 0;
        granules_touched(self.within(lo, hi), shift, |_| touched += 1);
        spanned - touched
    }

    /// Every range, in order (cut at bucket edges).
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        (0..self.buckets.len()).flat_map(move |b| {
            let base = (b as u64) << self.bits;
            self.bucket_ranges(b)
                .map(move |(s, e)| (base + s, base + e))
        })
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

    // These three run once per user write or copy: without watched granules (the usual
    // run) they return before calling anything.

    /// A write of `stamp` to the source.
    #[inline]
    pub fn write_source(&mut self, slba: u64, end: u64, stamp: u32) {
        if !self.granules.is_empty() {
            self.stamp_source(slba, end, stamp);
        }
    }

    fn stamp_source(&mut self, slba: u64, end: u64, stamp: u32) {
        for (g, a, b) in self.overlaps(slba, end) {
            self.granules.get_mut(&g).expect("watched").0[a..b].fill(stamp);
        }
    }

    /// What a copy read of `[slba, end)` samples of the watched granules.
    #[inline]
    pub fn sample(&self, slba: u64, end: u64) -> Vec<(u64, usize, Vec<u32>)> {
        if self.granules.is_empty() {
            return Vec::new();
        }
        self.sample_watched(slba, end)
    }

    fn sample_watched(&self, slba: u64, end: u64) -> Vec<(u64, usize, Vec<u32>)> {
        (self.overlaps(slba, end).into_iter())
            .map(|(g, a, b)| (g, a, self.granules[&g].0[a..b].to_vec()))
            .collect()
    }

    /// A copy's sampled data landing on the target.
    #[inline]
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
        for seed in crate::rng::test_seeds(200) {
            let mut rng = Rng::new(seed);
            let n = 1 + rng.below(200);
            let bucket_bits = 1 + rng.below(6) as u32;
            let mut set = RangeSet::with_bucket_bits(bucket_bits);
            let mut bits = vec![false; n as usize];
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
                    // Ranges touch only where a bucket edge cuts them.
                    let edge = s % (1 << bucket_bits) == 0;
                    assert!(
                        prev_end.map_or(true, |p| p < s || (p == s && edge)),
                        "seed {seed}: ranges touch inside a bucket"
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
