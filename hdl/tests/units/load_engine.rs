//! The load engine against the beats it must take: once LOAD's clear opens it, each beat
//! the arbiter takes goes to the next word, 0 up to the namespace's last, and the last
//! closes it; a reset closes it too. Random grants, opens and resets, at the address
//! widths the block is built with.

use crate::check::{self, settle, synthesizes, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::load_engine::LoadEngine;
use lmsnoop_hdl::tracker::{DEFAULT_ADDR_BITS, FORMAL_ADDR_BITS, SMALL_ADDR_BITS};
use rust_hdl::prelude::*;

fn tick<const A: usize>(u: &mut LoadEngine<A>) {
    check::tick(u, |u| &mut u.clock);
}

/// Runs until `loads` have ended (completed, or cut by a reset when `resets`); the arbiter
/// takes a beat in `grant` % of the cycles a load is open.
fn run<const A: usize>(seed: u64, loads: u64, grant: u64, resets: bool) {
    let mut rng = Rng::new(seed);
    let mut u = LoadEngine::<A>::default();
    u.connect_all();
    u.reset.next = true;
    tick(&mut u);
    u.reset.next = false;
    // The open load: its last word and the next word a beat goes to.
    let mut load: Option<(u64, u64)> = None;
    let mut ended = 0u64;
    let mut last_word = 0u64;
    let cap = loads * (20 << A) + 10_000;
    for cycle in 0..cap {
        if ended >= loads {
            return;
        }
        let ctx = format!("A {A} seed {seed} cycle {cycle}");
        let open = load.is_none() && rng.chance(10);
        if load.is_none() {
            last_word = rng.below(1 << A);
        }
        let reset = resets && load.is_some() && rng.chance(1);
        let take = load.is_some() && rng.chance(grant);
        u.open.next = open;
        u.reset.next = reset;
        u.last_word.next = last_word.to_bits();
        u.take.next = take;
        settle(&mut u);
        assert_eq!(u.is_open.val(), load.is_some(), "{ctx}: open");
        if let Some((last, next)) = load.as_mut() {
            assert_eq!(u.word.val().to_u64(), *next, "{ctx}: word");
            assert_eq!(u.at_last.val(), *next == *last, "{ctx}: at_last");
            if take {
                if *next == *last {
                    load = None;
                    ended += 1;
                } else {
                    *next += 1;
                }
            }
        }
        if reset {
            if load.is_some() {
                ended += 1;
            }
            load = None;
        } else if open {
            load = Some((last_word, 0));
        }
        tick(&mut u);
    }
    panic!("A {A} seed {seed}: {ended} loads in {cap} cycles");
}

#[test]
fn load_engine_takes_each_word_once_in_order() {
    for_each_seed_of(
        &[],
        "load_engine::load_engine_takes_each_word_once_in_order",
        3,
        |seed| {
            run::<FORMAL_ADDR_BITS>(seed, 60, 70, true);
            run::<SMALL_ADDR_BITS>(seed, 40, 70, true);
            run::<DEFAULT_ADDR_BITS>(seed, 1, 100, false);
        },
    );
}

#[test]
fn load_engine_synthesizes() {
    let mut u = LoadEngine::<FORMAL_ADDR_BITS>::default();
    u.connect_all();
    synthesizes(&u, "load_engine");
}
