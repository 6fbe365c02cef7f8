//! The 64-bit popcount against `count_ones`: every word with one run of ones (each
//! (lo, hi) pair, so every count 0..=64 at every place), every single bit cleared from all
//! ones, and seeded random words; then proven for every word (`hdl/formal/units/popcount.sv`).

use crate::check::{proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::popcount::Popcount64;
use rust_hdl::prelude::*;

fn counts(p: &mut Popcount64, word: u64, ctx: &str) {
    p.word.next = word.to_bits();
    settle(p);
    assert_eq!(
        p.count.val().to_u64(),
        u64::from(word.count_ones()),
        "{ctx}: word {word:#018x}"
    );
}

#[test]
fn popcount_counts_runs_and_holes() {
    let mut p = Popcount64::default();
    p.connect_all();
    counts(&mut p, 0, "zero");
    for lo in 0..64 {
        for hi in lo..64 {
            let run = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
            counts(&mut p, run, "run");
        }
        counts(&mut p, !(1u64 << lo), "hole");
    }
}

#[test]
fn popcount_counts_random_words() {
    for_each_seed_of(&[], "popcount::popcount_counts_random_words", 4, |seed| {
        let mut p = Popcount64::default();
        p.connect_all();
        let mut rng = Rng::new(seed);
        for _ in 0..2_000 {
            // Sparse, dense and even words: AND or OR of two draws, or one.
            let (a, b) = (rng.next(), rng.next());
            let word = [a & b, a | b, a][rng.below(3) as usize];
            counts(&mut p, word, &format!("seed {seed}"));
        }
    });
}

#[test]
fn popcount_synthesizes() {
    let mut p = Popcount64::default();
    p.connect_all();
    synthesizes(&p, "popcount");
}

/// Every one of the 2^64 words, by Yosys' SAT solver.
#[test]
fn popcount_is_proven() {
    let mut p = Popcount64::default();
    p.connect_all();
    proves(&p, "popcount", &[], Proof::Combinational);
}

/// The proof can fail: against a reference that is wrong for half the words.
#[test]
fn popcount_proof_fails_on_a_wrong_reference() {
    let mut p = Popcount64::default();
    p.connect_all();
    refutes(&p, "popcount", &[("MUTATE", 1)], Proof::Combinational);
}
