//! The clear engine against the words it must zero: every word 0..=last of each chosen
//! buffer written once, in order, one per cycle, the end reported once; at the address
//! widths the block is built with; then the same proven by induction for every sequence of
//! starts (`hdl/formal/units/clear_engine.sv`).

use crate::check::{self, proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::clear_engine::ClearEngine;
use lmsnoop_hdl::tracker::{DEFAULT_ADDR_BITS, FORMAL_ADDR_BITS, SMALL_ADDR_BITS};
use rust_hdl::prelude::*;

fn tick<const A: usize>(u: &mut ClearEngine<A>) {
    check::tick(u, |u| &mut u.clock);
}

/// One clear as the engine must do it.
#[derive(Clone, Copy, Debug)]
struct Job {
    last: u64,
    ram0: bool,
    ram1: bool,
    bg: bool,
    irq: bool,
}

/// Runs clears until `jobs` have ended (the reset's whole clear among them).
fn run<const A: usize>(seed: u64, jobs_wanted: u64) {
    let words = 1u64 << A;
    let mut rng = Rng::new(seed);
    let mut u = ClearEngine::<A>::default();
    u.connect_all();
    // Reset: a whole clear of both buffers, no interrupt.
    u.reset.next = true;
    tick(&mut u);
    u.reset.next = false;
    let mut job = Some(Job {
        last: words - 1,
        ram0: true,
        ram1: true,
        bg: false,
        irq: false,
    });
    let mut next_word = 0u64;
    let mut pending_write: Option<(u64, bool, bool)> = None;
    let mut ns_last_w = words - 1;
    let mut jobs = 0u64;
    let cap = (jobs_wanted + 2) * 20 * words + 1_000;
    for cycle in 0.. {
        if jobs >= jobs_wanted {
            break;
        }
        assert!(
            cycle < cap,
            "A {A} seed {seed}: {jobs} clears in {cycle} cycles"
        );
        let ctx = format!("A {A} seed {seed} cycle {cycle}");
        // A start only while idle, as the command engine does.
        let start = job.is_none() && rng.chance(20);
        let whole = rng.chance(40);
        let (ram0, ram1) = match rng.below(3) {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        let (bg, irq) = (rng.chance(50), rng.chance(50));
        if job.is_none() {
            ns_last_w = rng.below(words);
        }
        u.start.next = start;
        u.start_whole.next = whole;
        u.start_ram0.next = ram0;
        u.start_ram1.next = ram1;
        u.start_bg.next = bg;
        u.start_irq.next = irq;
        u.ns_last_w.next = ns_last_w.to_bits();
        settle(&mut u);
        // Last cycle's word reaches the RAM ports now.
        match pending_write.take() {
            Some((w, r0, r1)) => {
                assert_eq!((u.we0.val(), u.we1.val()), (r0, r1), "{ctx}: write enables");
                assert_eq!(u.wa.val().to_u64(), w, "{ctx}: write address");
            }
            None => assert!(!u.we0.val() && !u.we1.val(), "{ctx}: a write with no word"),
        }
        assert_eq!(u.active.val(), job.is_some(), "{ctx}: active");
        let (mut d0, mut d1, mut di) = (false, false, false);
        if let Some(j) = job {
            assert_eq!(u.blocking.val(), !j.bg, "{ctx}: blocking");
            assert_eq!(
                (u.zero0.val(), u.zero1.val()),
                (j.ram0, j.ram1),
                "{ctx}: zero"
            );
            pending_write = Some((next_word, j.ram0, j.ram1));
            if next_word == j.last {
                (d0, d1, di) = (j.ram0, j.ram1, j.irq);
                job = None;
                next_word = 0;
                jobs += 1;
            } else {
                next_word += 1;
            }
        } else {
            assert!(
                !u.blocking.val() && !u.zero0.val() && !u.zero1.val(),
                "{ctx}: idle"
            );
        }
        assert_eq!(
            (u.done0.val(), u.done1.val(), u.done_irq.val()),
            (d0, d1, di),
            "{ctx}: end of the clear"
        );
        if start {
            let last = if whole { words - 1 } else { ns_last_w };
            job = Some(Job {
                last,
                ram0,
                ram1,
                bg,
                irq,
            });
        }
        tick(&mut u);
    }
}

#[test]
fn clear_engine_zeroes_each_word_once() {
    for_each_seed_of(
        &[],
        "clear_engine::clear_engine_zeroes_each_word_once",
        3,
        |seed| {
            run::<FORMAL_ADDR_BITS>(seed, 40);
            run::<SMALL_ADDR_BITS>(seed, 40);
            // The full build's 16 K words: the reset's clear and a few more.
            run::<DEFAULT_ADDR_BITS>(seed, 4);
        },
    );
}

#[test]
fn clear_engine_synthesizes() {
    let mut u = ClearEngine::<SMALL_ADDR_BITS>::default();
    u.connect_all();
    synthesizes(&u, "clear_engine");
}

fn proven<const A: usize>() {
    let mut u = ClearEngine::<A>::default();
    u.connect_all();
    proves(
        &u,
        "clear_engine",
        &[("CAPACITY", 64 << A)],
        Proof::Induction(12),
    );
}

/// Every sequence of starts and resets, by induction, at each build's width.
#[test]
fn clear_engine_is_proven() {
    proven::<FORMAL_ADDR_BITS>();
    proven::<SMALL_ADDR_BITS>();
    proven::<DEFAULT_ADDR_BITS>();
}

/// The proof can fail: a claim that RAM0's last word is not written. At the formal width
/// the reset's whole clear ends within the steps, so the counterexample is a real trace.
#[test]
fn clear_engine_proof_fails_on_a_skipped_word() {
    let mut u = ClearEngine::<FORMAL_ADDR_BITS>::default();
    u.connect_all();
    refutes(
        &u,
        "clear_engine",
        &[("CAPACITY", 64 << FORMAL_ADDR_BITS), ("MUTATE", 1)],
        Proof::Induction(12),
    );
}
