//! The event counters against a model: increments and adds in any combination per cycle,
//! START's zero, the HI latch taken with a LO read, reset; then proven by induction for every
//! sequence, the HI word the upper half of the sum as the LO read saw it
//! (`hdl/formal/units/stat_counters.sv`).

use crate::check::{self, proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::regs;
use lmsnoop_hdl::tracker::stat_counters::StatCounters;
use rust_hdl::prelude::*;

fn tick(u: &mut StatCounters) {
    check::tick(u, |u| &mut u.clock);
}

/// Order of `regs::COUNTERS`: writes, set, skipped, copies, cleared.
fn outputs(u: &StatCounters) -> [(u64, u64); 5] {
    [
        (u.writes_lo.val().to_u64(), u.writes_hi.val().to_u64()),
        (u.set_lo.val().to_u64(), u.set_hi.val().to_u64()),
        (u.skipped_lo.val().to_u64(), u.skipped_hi.val().to_u64()),
        (u.copies_lo.val().to_u64(), u.copies_hi.val().to_u64()),
        (u.cleared_lo.val().to_u64(), u.cleared_hi.val().to_u64()),
    ]
}

fn run(seed: u64) {
    let mask = (1u64 << regs::COUNTER_BITS) - 1;
    let mut rng = Rng::new(seed);
    let mut u = StatCounters::default();
    u.connect_all();
    u.reset.next = true;
    tick(&mut u);
    u.reset.next = false;
    let mut count = [0u64; 5];
    let mut hi = [0u64; 5];
    let mut latched = 0u64;
    for cycle in 0..4_000u64 {
        let ctx = format!("seed {seed} cycle {cycle}");
        let write_seen = rng.chance(40);
        let copy_seen = rng.chance(40);
        let (set_en, skipped_en, cleared_en) = (rng.chance(50), rng.chance(30), rng.chance(30));
        let pc = rng.below(65);
        let skipc = rng.below(65);
        let latch = if rng.chance(20) { rng.below(32) } else { 0 };
        let zero = rng.below(500) == 0;
        let reset = rng.below(1_500) == 0;
        u.write_seen.next = write_seen;
        u.copy_seen.next = copy_seen;
        u.set_en.next = set_en;
        u.skipped_en.next = skipped_en;
        u.cleared_en.next = cleared_en;
        u.pc.next = pc.to_bits();
        u.skipc.next = skipc.to_bits();
        u.latch.next = latch.to_bits();
        u.zero.next = zero;
        u.reset.next = reset;
        settle(&mut u);
        for (i, (lo, h)) in outputs(&u).into_iter().enumerate() {
            assert_eq!(lo, count[i] & 0xFFFF_FFFF, "{ctx}: counter {i} LO");
            assert_eq!(h, hi[i], "{ctx}: counter {i} HI latch");
        }
        for (i, item) in hi.iter_mut().enumerate() {
            if latch >> i & 1 == 1 {
                *item = count[i] >> 32;
                latched += 1;
            }
        }
        let adds = [
            u64::from(write_seen),
            if set_en { pc } else { 0 },
            if skipped_en { skipc } else { 0 },
            u64::from(copy_seen),
            if cleared_en { pc } else { 0 },
        ];
        for (c, a) in count.iter_mut().zip(adds) {
            *c = (*c + a) & mask;
        }
        if zero || reset {
            count = [0; 5];
        }
        if reset {
            hi = [0; 5];
        }
        tick(&mut u);
    }
    assert!(latched > 500, "seed {seed}: only {latched} latches");
}

#[test]
fn stat_counters_follow_the_model() {
    for_each_seed_of(&[], "stat_counters::stat_counters_follow_the_model", 4, run);
}

#[test]
fn stat_counters_synthesize() {
    let mut u = StatCounters::default();
    u.connect_all();
    synthesizes(&u, "stat_counters");
}

/// Every sequence of events, zeroes, latches and resets, by induction.
#[test]
fn stat_counters_are_proven() {
    let mut u = StatCounters::default();
    u.connect_all();
    let bits = u64::from(regs::COUNTER_BITS);
    proves(&u, "stat_counters", &[("BITS", bits)], Proof::Induction(12));
}

/// The proof can fail: BITS_CLEARED claimed to count the skipped bits.
#[test]
fn stat_counters_proof_fails_on_a_wrong_source() {
    let mut u = StatCounters::default();
    u.connect_all();
    let bits = u64::from(regs::COUNTER_BITS);
    refutes(
        &u,
        "stat_counters",
        &[("BITS", bits), ("MUTATE", 1)],
        Proof::Induction(12),
    );
}
