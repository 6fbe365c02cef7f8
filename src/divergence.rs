//! Where the target does not yet hold the source's data, kept as the migration runs.
//!
//! Both the simulated world and `serve` follow the same three facts: a user write makes
//! its LBAs differ, a copy's target write makes the LBAs it read equal again, except those
//! a user rewrote between that copy's source read and its target write, and a copy read of
//! LBAs that already match is redundant. [`Divergence`] is that bookkeeping.
//!
//! Nothing the migration decides depends on it: it only measures (redundant copies, lost
//! updates). So the simulator can run it on a second core, [`Background`], fed in event
//! order by a stream of batched operations, and take its figures when the run ends.

use crate::batches::{self, Filler};
use crate::storage::RangeSet;
use anyhow::{anyhow, Result};
use std::thread::JoinHandle;

/// A copy between its source read and its target write.
#[derive(Debug)]
struct Reading {
    id: u64,
    lo: u64,
    hi: u64,
    /// LBAs users rewrote meanwhile: the target write puts old data there.
    stale: Vec<(u64, u64)>,
}

/// The LBAs where target and source differ, and the copies in flight between them.
#[derive(Debug)]
pub struct Divergence {
    set: RangeSet,
    /// At most a queue depth of copies: a scan beats an index.
    reading: Vec<Reading>,
    shift: u32,
    /// Redundant granules copied, per pass.
    redundant: Vec<u64>,
}

impl Divergence {
    /// Starts from `set` (the target is empty: the source's mapped extents) with granules
    /// of 2^`shift` LBAs.
    pub fn new(set: RangeSet, shift: u32) -> Self {
        Divergence {
            set,
            reading: Vec::new(),
            shift,
            redundant: Vec::new(),
        }
    }

    /// A user write of `[lo, hi)` reached the source's media.
    pub fn source_written(&mut self, lo: u64, hi: u64) {
        self.set.insert(lo, hi);
        for c in &mut self.reading {
            if c.lo < hi && lo < c.hi {
                c.stale.push((c.lo.max(lo), c.hi.min(hi)));
            }
        }
    }

    /// Copy `id` of pass `pass` sampled `[lo, hi)` on the source: its granules the target
    /// already held count as redundant for the pass ([`Divergence::redundant`]).
    pub fn copy_read(&mut self, id: u64, lo: u64, hi: u64, pass: usize) {
        let redundant = self.set.granules_clear(lo, hi, self.shift);
        if self.redundant.len() <= pass {
            self.redundant.resize(pass + 1, 0);
        }
        self.redundant[pass] += redundant;
        self.reading.push(Reading {
            id,
            lo,
            hi,
            stale: Vec::new(),
        });
    }

    /// Copy `id`'s target write of `[lo, hi)` (its address converted to the target's
    /// blocks and back: the range its read sampled when the conversion is right) reached
    /// the target's media (`ok`) or failed. Every copy read is registered by
    /// [`Divergence::copy_read`] first; anything else is a bug.
    pub fn target_written(&mut self, id: u64, lo: u64, hi: u64, ok: bool) {
        let i = (self.reading.iter().position(|r| r.id == id))
            .expect("a target write of a copy read registered before it");
        let c = self.reading.swap_remove(i);
        if ok {
            self.set.remove(lo, hi);
            for (lo, hi) in c.stale {
                self.set.insert(lo, hi);
            }
        }
    }

    /// The LBAs where target and source differ.
    pub fn set(&self) -> &RangeSet {
        &self.set
    }

    /// Redundant granules copied in pass `pass`.
    pub fn redundant(&self, pass: usize) -> u64 {
        self.redundant.get(pass).copied().unwrap_or(0)
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Source {
        lo: u64,
        hi: u64,
    },
    CopyRead {
        id: u64,
        lo: u64,
        hi: u64,
        pass: usize,
    },
    Target {
        id: u64,
        lo: u64,
        hi: u64,
        ok: bool,
    },
}

/// Operations per hand-over: large enough that the channel costs nothing per operation,
/// small enough that the worker starts early and the batches stay in cache.
const BATCH: usize = 4096;
/// Batches in flight: bounds the memory when the worker falls behind.
const IN_FLIGHT: usize = 8;
/// How many operations ahead the worker prefetches a user write's bucket.
const PREFETCH: usize = 16;

/// A [`Divergence`] kept by a worker thread, in the order its operations were given.
pub struct Background {
    to: Filler<Op>,
    worker: JoinHandle<Divergence>,
}

impl Background {
    pub fn spawn(mut d: Divergence) -> Self {
        let (to, from) = batches::channel(BATCH, IN_FLIGHT);
        let worker = std::thread::Builder::new()
            .name("divergence".into())
            .spawn(move || {
                while let Some(batch) = from.next_batch() {
                    for i in 0..batch.len() {
                        // Random writes miss the cache twice (directory entry, then its
                        // ranges): ask for both a few operations ahead.
                        for (ahead, entry_only) in [(PREFETCH, true), (PREFETCH / 2, false)] {
                            if let Some(&Op::Source { lo, .. }) = batch.get(i + ahead) {
                                d.set.prefetch(lo, entry_only);
                            }
                        }
                        match batch[i] {
                            Op::Source { lo, hi } => d.source_written(lo, hi),
                            Op::CopyRead { id, lo, hi, pass } => {
                                d.copy_read(id, lo, hi, pass);
                            }
                            Op::Target { id, lo, hi, ok } => d.target_written(id, lo, hi, ok),
                        }
                    }
                    from.give_back(batch);
                }
                d
            })
            .expect("spawning the divergence worker");
        Background { to, worker }
    }

    /// See [`Divergence::source_written`].
    pub fn source_written(&mut self, lo: u64, hi: u64) {
        self.push(Op::Source { lo, hi });
    }

    /// See [`Divergence::copy_read`]; the redundant count is in the figures at the end.
    pub fn copy_read(&mut self, id: u64, lo: u64, hi: u64, pass: usize) {
        self.push(Op::CopyRead { id, lo, hi, pass });
    }

    /// See [`Divergence::target_written`].
    pub fn target_written(&mut self, id: u64, lo: u64, hi: u64, ok: bool) {
        self.push(Op::Target { id, lo, hi, ok });
    }

    fn push(&mut self, op: Op) {
        // False only when the worker has died; `finish` reports why.
        self.to.push(op);
    }

    /// Waits for every operation given so far and returns the divergence they leave.
    pub fn finish(self) -> Result<Divergence> {
        let Background { mut to, worker } = self;
        to.flush();
        drop(to);
        worker
            .join()
            .map_err(|_| anyhow!("the divergence worker panicked"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The worker ends where the same operations applied in place end, over random
    /// streams longer than a batch.
    #[test]
    fn background_matches_in_place() {
        for seed in crate::rng::test_seeds(10) {
            let mut rng = Rng::new(seed);
            let start = || {
                let mut set = RangeSet::new();
                set.insert(100, 50_000);
                Divergence::new(set, 3)
            };
            let mut here = start();
            let mut there = Background::spawn(start());
            let mut open: Vec<(u64, u64, u64)> = Vec::new();
            for id in 0..3 * BATCH as u64 {
                let lo = rng.below(60_000);
                let hi = lo + 1 + rng.below(64);
                match rng.below(3) {
                    0 => {
                        here.source_written(lo, hi);
                        there.source_written(lo, hi);
                    }
                    1 => {
                        let pass = rng.below(4) as usize;
                        here.copy_read(id, lo, hi, pass);
                        there.copy_read(id, lo, hi, pass);
                        open.push((id, lo, hi));
                    }
                    _ if !open.is_empty() => {
                        let (id, lo, hi) = open.swap_remove(rng.below(open.len() as u64) as usize);
                        let ok = rng.chance(0.9);
                        here.target_written(id, lo, hi, ok);
                        there.target_written(id, lo, hi, ok);
                    }
                    _ => {}
                }
            }
            let there = there.finish().expect("worker ran");
            let ranges = |d: &Divergence| d.set().iter().collect::<Vec<_>>();
            assert_eq!(ranges(&here), ranges(&there), "seed {seed}");
            for pass in 0..5 {
                assert_eq!(here.redundant(pass), there.redundant(pass), "seed {seed}");
            }
            assert!(
                here.redundant.iter().sum::<u64>() > 0,
                "seed {seed}: no redundant copy"
            );
        }
    }

    /// A copy's target write restores the source's data except where a user rewrote it
    /// between the copy's read and its target write; a failed one restores nothing.
    #[test]
    fn stale_reads_stay_diverged() {
        let mut set = RangeSet::new();
        set.insert(0, 64);
        let mut d = Divergence::new(set, 4);
        d.copy_read(1, 0, 32, 0);
        d.copy_read(2, 32, 64, 0);
        assert_eq!(d.redundant(0), 0);
        d.source_written(10, 12);
        d.target_written(1, 0, 32, true);
        d.target_written(2, 32, 64, false);
        assert_eq!(d.set().iter().collect::<Vec<_>>(), [(10, 12), (32, 64)]);
        // Granule 1 (16..32) now matches: a copy of it is redundant, granule 0 is not.
        d.copy_read(3, 0, 32, 1);
        assert_eq!((d.redundant(0), d.redundant(1)), (0, 1));
    }
}
