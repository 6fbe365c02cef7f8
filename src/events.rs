//! The world's pending events, handed out in (time, scheduling order).
//!
//! A migration of a drive-sized namespace handles billions of events, so the queue is
//! shaped by who schedules what: there is never more than one user-write arrival pending
//! (it gets a slot of its own), and a copy's target-write completion always follows its
//! media access by the same fixed latency, so those come due in the order they were
//! scheduled (a FIFO). Only the randomly delayed events need the heap. Each event is one
//! `u128` key, time above scheduling order above kind and slot, so all three structures
//! share one total order and one compare: the events come out exactly as from a single
//! heap.

use anyhow::{bail, Result};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Bits of the key below the time: scheduling order, kind, slot.
const SEQ_BITS: u32 = 36;
const KIND_BITS: u32 = 3;
const SLOT_BITS: u32 = 64 - SEQ_BITS - KIND_BITS;

/// What an event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    /// The next user write is submitted.
    Arrival,
    /// A user write's data reaches the source's media.
    WriteMedia,
    /// A user write completes (the safe snoop point).
    WriteDone,
    /// A copy read samples the source.
    CopyMedia,
    /// A copy's target write reaches the target's media.
    TargetMedia,
    /// A copy's target write completes.
    TargetDone,
}

impl Ev {
    const ALL: [Ev; 6] = [
        Ev::Arrival,
        Ev::WriteMedia,
        Ev::WriteDone,
        Ev::CopyMedia,
        Ev::TargetMedia,
        Ev::TargetDone,
    ];
}

#[derive(Clone, Copy)]
enum Source {
    Heap,
    Done,
    Arrival,
}

/// The pending events of one run.
#[derive(Debug, Default)]
pub struct Events {
    heap: BinaryHeap<Reverse<u128>>,
    /// `pop` handed out the heap's top but left it there: most handlers of a heap event
    /// schedule the command's next one, which then takes the top's place with one
    /// sift-down instead of a pop's and a push's. Any other use pops it first.
    spent_top: bool,
    /// Target-write completions, due in key order.
    done: VecDeque<u128>,
    arrival: Option<u128>,
    seq: u64,
}

impl Events {
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `ev` of command `slot` at `at` ns, after everything scheduled before at
    /// the same instant.
    pub fn schedule(&mut self, at: u64, ev: Ev, slot: usize) -> Result<()> {
        self.seq += 1;
        if self.seq >> SEQ_BITS != 0 || (slot as u64) >> SLOT_BITS != 0 {
            bail!(
                "event queue overflow: event {} or command slot {slot} beyond what a key holds",
                self.seq
            );
        }
        let key = (u128::from(at) << 64)
            | u128::from(self.seq << (KIND_BITS + SLOT_BITS))
            | u128::from((ev as u64) << SLOT_BITS | slot as u64);
        match ev {
            Ev::Arrival if self.arrival.is_none() => self.arrival = Some(key),
            Ev::TargetDone if self.done.back().map_or(true, |&last| last < key) => {
                self.done.push_back(key)
            }
            _ if self.spent_top => {
                self.spent_top = false;
                *self.heap.peek_mut().expect("the spent top is still there") = Reverse(key);
            }
            _ => self.heap.push(Reverse(key)),
        }
        Ok(())
    }

    /// The earliest pending event: its time, kind and command slot.
    pub fn pop(&mut self) -> Option<(u64, Ev, usize)> {
        if self.spent_top {
            self.spent_top = false;
            self.heap.pop();
        }
        // Plain compares: this runs once per event, billions of times.
        let mut earliest = self.heap.peek().map(|r| r.0);
        let mut from = Source::Heap;
        if let Some(&key) = self.done.front() {
            if earliest.map_or(true, |e| key < e) {
                (earliest, from) = (Some(key), Source::Done);
            }
        }
        if let Some(key) = self.arrival {
            if earliest.map_or(true, |e| key < e) {
                (earliest, from) = (Some(key), Source::Arrival);
            }
        }
        let earliest = earliest?;
        match from {
            Source::Heap => self.spent_top = true,
            Source::Done => drop(self.done.pop_front()),
            Source::Arrival => self.arrival = None,
        }
        let low = earliest as u64;
        let kind = (low >> SLOT_BITS) & ((1 << KIND_BITS) - 1);
        Some((
            (earliest >> 64) as u64,
            Ev::ALL[kind as usize],
            (low & ((1 << SLOT_BITS) - 1)) as usize,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Against one heap of (time, order) over random schedules: the same sequence.
    #[test]
    fn same_order_as_one_heap() {
        for seed in crate::rng::test_seeds(20) {
            let mut rng = Rng::new(seed);
            let (mut q, mut reference) = (Events::new(), BinaryHeap::new());
            let (mut now, mut order) = (0u64, 0u64);
            for step in 0..5_000 {
                let ev = Ev::ALL[rng.below(6) as usize];
                let at = match ev {
                    Ev::TargetDone => now + 2_000,
                    _ => now + rng.below(50),
                };
                let slot = rng.below(40) as usize;
                q.schedule(at, ev, slot).expect("in range");
                order += 1;
                reference.push(Reverse((at, order, ev as u8, slot)));
                if step % 3 != 0 {
                    let got = q.pop();
                    let Reverse((t, _, k, s)) = reference.pop().expect("as many");
                    assert_eq!(
                        got,
                        Some((t, Ev::ALL[k as usize], s)),
                        "seed {seed} step {step}"
                    );
                    now = t;
                }
            }
            while let Some(Reverse((t, _, k, s))) = reference.pop() {
                assert_eq!(q.pop(), Some((t, Ev::ALL[k as usize], s)), "seed {seed}");
            }
            assert_eq!(q.pop(), None, "seed {seed}");
        }
    }

    #[test]
    fn refuses_a_slot_beyond_the_key() {
        let mut q = Events::new();
        let err = q.schedule(0, Ev::WriteMedia, 1 << SLOT_BITS).unwrap_err();
        assert!(err.to_string().contains("command slot"), "{err}");
    }
}
