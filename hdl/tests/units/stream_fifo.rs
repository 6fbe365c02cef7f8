//! The query engine's stream FIFO under random pushes, random ready and flushes; then its
//! order and fill proven by induction for every sequence (`hdl/formal/units/stream_fifo.sv`).

use crate::check::{self, proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::stream_fifo::{StreamFifo, DEPTH};
use rust_hdl::prelude::*;
use std::collections::VecDeque;

fn tick(f: &mut StreamFifo<64>) {
    check::tick(f, |f| &mut f.clock);
}

/// Against a queue: every word comes out once, in order, with its last flag; none is lost
/// or invented; `in_ready`, `pop` and `count` say what the queue says. The two sides are
/// biased differently in turn, so the FIFO runs full, empty and in between.
fn run(seed: u64) {
    let mut rng = Rng::new(seed);
    let mut f = StreamFifo::<64>::default();
    f.connect_all();
    let mut model: VecDeque<(u64, bool)> = VecDeque::new();
    let (mut pushed, mut popped, mut full, mut flushes) = (0u64, 0u64, 0u64, 0u64);
    for cycle in 0..4_000u64 {
        let phase = ((cycle / 250) % 4) as usize;
        let push = rng.chance([90, 30, 60, 100][phase]);
        let ready = rng.chance([30, 90, 60, 100][phase]);
        let flush = rng.below(300) == 0;
        let data = rng.next();
        let last = rng.chance(25);
        f.in_valid.next = push;
        f.in_data.next = data.to_bits();
        f.in_last.next = last;
        f.out_ready.next = ready;
        f.flush.next = flush;
        settle(&mut f);
        let held = model.len() as u64;
        let ctx = format!("seed {seed} cycle {cycle}");
        assert_eq!(f.count.val().to_u64(), held, "{ctx}: count");
        assert_eq!(f.out_valid.val(), held > 0, "{ctx}: out_valid");
        let room = held < DEPTH || ready;
        assert_eq!(f.in_ready.val(), room, "{ctx}: in_ready");
        if let Some(&(d, l)) = model.front() {
            assert_eq!(f.out_data.val().to_u64(), d, "{ctx}: out_data");
            assert_eq!(f.out_last.val(), l, "{ctx}: out_last");
        }
        assert_eq!(f.pop.val(), held > 0 && ready, "{ctx}: pop");
        full += u64::from(held == DEPTH);
        if held > 0 && ready {
            model.pop_front();
            popped += 1;
        }
        if push && room {
            model.push_back((data, last));
            pushed += 1;
        }
        if flush {
            model.clear();
            flushes += 1;
        }
        tick(&mut f);
    }
    assert!(
        pushed > 1_000 && popped > 1_000 && full > 100 && flushes > 0,
        "seed {seed}: the run did not exercise the FIFO (pushed {pushed}, popped {popped}, \
         full {full} cycles, {flushes} flushes)"
    );
}

#[test]
fn stream_fifo_under_random_ready() {
    for_each_seed_of(&[], "stream_fifo::stream_fifo_under_random_ready", 4, run);
}

#[test]
fn stream_fifo_synthesizes() {
    let mut f = StreamFifo::<64>::default();
    f.connect_all();
    synthesizes(&f, "stream_fifo");
}

/// Every sequence of pushes, pops and flushes, by induction: the fill, valid and ready,
/// and any word leaving after exactly the words ahead of it.
#[test]
fn stream_fifo_is_proven() {
    let mut f = StreamFifo::<64>::default();
    f.connect_all();
    proves(&f, "stream_fifo", &[("D", 64)], Proof::Induction(12));
}

/// The proof can fail: claiming that the word behind the followed one leaves in its place.
#[test]
fn stream_fifo_proof_fails_on_a_wrong_order() {
    let mut f = StreamFifo::<64>::default();
    f.connect_all();
    refutes(
        &f,
        "stream_fifo",
        &[("D", 64), ("MUTATE", 1)],
        Proof::Induction(12),
    );
}
