//! The query engine against the stream it must produce: every word of the namespace once,
//! in order, `tlast` on the last, under random grants, random `tready` and random STOPs
//! and resets; its fetches never overfill the FIFO; with the datapath and the consumer
//! always ready, one word per cycle. At the address widths the block is built with. Then
//! the stream and the credit proven by induction for every consumer, datapath delay,
//! namespace and STOP (`hdl/formal/units/query_engine.sv`).

use crate::check::{self, proves, refutes, settle, synthesizes, Proof, Rng};
use crate::seeds::for_each_seed_of;
use lmsnoop_hdl::tracker::query_engine::QueryEngine;
use lmsnoop_hdl::tracker::{DEFAULT_ADDR_BITS, FORMAL_ADDR_BITS, SMALL_ADDR_BITS};
use rust_hdl::prelude::*;

fn tick<const A: usize>(u: &mut QueryEngine<A>) {
    check::tick(u, |u| &mut u.clock);
}

/// The word the datapath reads for word `w` of a buffer (any function does).
fn data(w: u64, active: bool) -> u64 {
    (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 1) ^ u64::from(active)
}

/// What a run saw.
#[derive(Default)]
struct Seen {
    streams_done: u64,
    words: u64,
}

/// Runs queries until `streams` have ended (delivered to the end or cut by STOP or reset).
/// `grant` and `ready` are the percentages of cycles the datapath takes a fetch and the
/// consumer is ready; `cuts` the percentage of streams STOP or reset cut short.
fn run<const A: usize>(seed: u64, streams: u64, grant: u64, ready: u64, cuts: u64) -> Seen {
    let mut rng = Rng::new(seed);
    let mut u = QueryEngine::<A>::default();
    u.connect_all();
    u.reset.next = true;
    tick(&mut u);
    u.reset.next = false;
    let mut seen = Seen::default();
    // The datapath: B, S1, S2, each holding (word, active) of a fetched word or nothing.
    let mut pipe: [Option<(u64, bool)>; 3] = [None; 3];
    // The open stream: namespace words, buffer, next word expected on the bus, and the
    // cycle at which it will be cut (if it will be).
    let mut stream: Option<(u64, bool, u64, Option<u64>)> = None;
    let mut idle = 0u64;
    let cap = streams * (20 << A) + 10_000;
    for cycle in 0..cap {
        if seen.streams_done >= streams {
            return seen;
        }
        let ctx = format!("A {A} seed {seed} cycle {cycle}");
        let mut open = false;
        let (mut close, mut reset) = (false, false);
        let words = match stream {
            Some((words, ..)) => words,
            None => 1 + rng.below(1 << A),
        };
        let active = rng.chance(50);
        if stream.is_none() {
            idle += 1;
            // QUERY after a few idle cycles and only with the datapath drained, as the
            // command engine runs it.
            if idle > 2 && pipe.iter().all(Option::is_none) && rng.chance(30) {
                open = true;
                let cut = rng.chance(cuts).then(|| cycle + 1 + rng.below(4 * words));
                stream = Some((words, active, 0, cut));
                idle = 0;
            }
        } else if let Some((.., Some(at))) = stream {
            if cycle == at {
                if rng.chance(50) {
                    close = true;
                } else {
                    reset = true;
                }
            }
        }
        u.open.next = open;
        u.open_active.next = active;
        u.close.next = close;
        u.reset.next = reset;
        u.words.next = words.to_bits();
        u.in_b.next = pipe[0].is_some();
        u.in_s1.next = pipe[1].is_some();
        u.in_s2.next = pipe[2].is_some();
        u.push.next = pipe[2].is_some();
        let (w2, a2) = pipe[2].unwrap_or((0, false));
        u.push_data.next = data(w2, a2).to_bits();
        u.push_last.next = pipe[2].is_some() && w2 + 1 == words;
        u.q_tready.next = rng.chance(ready);
        u.take.next = false;
        settle(&mut u);
        let take = u.fetch.val() && rng.chance(grant);
        u.take.next = take;
        settle(&mut u);
        // A fetch without credit would push into a full FIFO, which drops the word: the
        // order check below sees the gap.
        if let Some((words, active, expect, _)) = stream.as_mut() {
            // QUERY takes effect at this cycle's edge.
            assert_eq!(u.is_open.val(), !open, "{ctx}: open");
            if u.fetch.val() {
                assert!(
                    u.next_word.val().to_u64() < *words,
                    "{ctx}: fetch past the end"
                );
                assert_eq!(u.src_active.val(), *active, "{ctx}: buffer");
            }
            assert_eq!(
                u.done.val(),
                u.q_tvalid.val() && u.q_tready.val() && u.q_tlast.val(),
                "{ctx}: done"
            );
            if u.q_tvalid.val() && u.q_tready.val() {
                assert_eq!(
                    u.q_tdata.val().to_u64(),
                    data(*expect, *active),
                    "{ctx}: word {expect}"
                );
                let last = *expect + 1 == *words;
                assert_eq!(u.q_tlast.val(), last, "{ctx}: tlast on word {expect}");
                *expect += 1;
                seen.words += 1;
                if last {
                    stream = None;
                    seen.streams_done += 1;
                }
            }
        } else {
            assert!(!u.q_tvalid.val(), "{ctx}: a word with no stream open");
            assert!(!u.fetch.val() || open, "{ctx}: a fetch with no stream open");
        }
        let fetched = take.then(|| {
            let w = u.next_word.val().to_u64();
            (w, u.src_active.val())
        });
        if close || reset {
            stream = None;
            seen.streams_done += 1;
        }
        tick(&mut u);
        pipe = [fetched, pipe[0], pipe[1]];
        if close || reset {
            // The words in flight reach the FIFO after the close and are dropped there.
            assert!(!u.is_open.val(), "{ctx}: still open after STOP/reset");
        }
    }
    panic!(
        "A {A} seed {seed}: {} streams in {cap} cycles",
        seen.streams_done
    );
}

#[test]
fn query_engine_streams_each_word_once_in_order() {
    for_each_seed_of(
        &[],
        "query_engine::query_engine_streams_each_word_once_in_order",
        3,
        |seed| {
            run::<FORMAL_ADDR_BITS>(seed, 60, 70, 60, 20);
            run::<SMALL_ADDR_BITS>(seed, 40, 70, 60, 20);
            run::<DEFAULT_ADDR_BITS>(seed, 2, 80, 80, 0);
        },
    );
}

/// Datapath and consumer always ready: after the three cycles of B, S1 and S2, one word
/// per cycle, and the FIFO never stops the fetch.
#[test]
fn query_engine_streams_one_word_per_cycle() {
    let mut u = QueryEngine::<SMALL_ADDR_BITS>::default();
    u.connect_all();
    u.reset.next = true;
    tick(&mut u);
    u.reset.next = false;
    let words = 1u64 << SMALL_ADDR_BITS;
    u.words.next = words.to_bits();
    u.q_tready.next = true;
    let mut pipe: [Option<u64>; 3] = [None; 3];
    let (mut first, mut got) = (None, 0u64);
    for cycle in 0..200u64 {
        u.open.next = cycle == 0;
        u.open_active.next = true;
        u.in_b.next = pipe[0].is_some();
        u.in_s1.next = pipe[1].is_some();
        u.in_s2.next = pipe[2].is_some();
        u.push.next = pipe[2].is_some();
        u.push_data.next = pipe[2].unwrap_or(0).to_bits();
        u.push_last.next = pipe[2] == Some(words - 1);
        u.take.next = false;
        settle(&mut u);
        u.take.next = u.fetch.val();
        settle(&mut u);
        if u.q_tvalid.val() {
            assert_eq!(u.q_tdata.val().to_u64(), got, "cycle {cycle}");
            first.get_or_insert(cycle);
            got += 1;
        }
        let fetched = u.fetch.val().then(|| u.next_word.val().to_u64());
        tick(&mut u);
        pipe = [fetched, pipe[0], pipe[1]];
        if got == words {
            let first = first.expect("a first word");
            assert_eq!(cycle - first + 1, words, "one word per cycle");
            assert_eq!(first, 5, "open, fetch, B, S1, S2, then the FIFO's output");
            assert!(!u.is_open.val(), "closed after the last word");
            return;
        }
    }
    panic!("{got} of {words} words in 200 cycles");
}

#[test]
fn query_engine_synthesizes() {
    let mut u = QueryEngine::<FORMAL_ADDR_BITS>::default();
    u.connect_all();
    synthesizes(&u, "query_engine");
}

fn proven<const A: usize>() {
    let mut u = QueryEngine::<A>::default();
    u.connect_all();
    proves(
        &u,
        "query_engine",
        &[("CAPW", 1 << A)],
        Proof::Induction(12),
    );
}

/// Every consumer, datapath delay, namespace and STOP, by induction, at each build's width.
#[test]
fn query_engine_is_proven() {
    proven::<FORMAL_ADDR_BITS>();
    proven::<SMALL_ADDR_BITS>();
    proven::<DEFAULT_ADDR_BITS>();
}

/// The proof can fail: a claim that the stream skips word 1.
#[test]
fn query_engine_proof_fails_on_a_skipped_word() {
    let mut u = QueryEngine::<FORMAL_ADDR_BITS>::default();
    u.connect_all();
    refutes(
        &u,
        "query_engine",
        &[("CAPW", 1 << FORMAL_ADDR_BITS), ("MUTATE", 1)],
        Proof::Induction(12),
    );
}
