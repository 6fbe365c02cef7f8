//! Property: over random operation streams (every method, granule shifts, ranges across
//! word boundaries and the namespace end, bad inputs, swaps, queries, plans, marks), the
//! word-at-a-time golden model computes exactly what the per-granule reference computes.

mod common;

use common::for_each_seed;
use common::reference::Reference;
use lmsnoop::rng::Rng;
use lmsnoop_regs::Method;
use lmsnoop_regs::*;
use lmsnoop_sim::{GoldenTracker, Snoop, TrackerPort};

fn command(t: &mut GoldenTracker, op: u32) {
    t.csr_write(CMD, op);
}

fn counter(t: &mut GoldenTracker, (lo, hi): (u32, u32)) -> u64 {
    let lo = t.csr_read(lo);
    u64::from(lo) | u64::from(t.csr_read(hi)) << 32
}

fn stream_out(t: &mut GoldenTracker, src_active: bool, granules: u64) -> Vec<bool> {
    command(t, QUERY_SRC.put(OP_QUERY, src_active as u32));
    let mut bits = Vec::new();
    while let Some(beat) = t.query_word() {
        bits.extend((0..64).map(|i| beat.data >> i & 1 == 1));
        if beat.last {
            break;
        }
    }
    assert!(t.query_word().is_none(), "query stream longer than LAST");
    assert_eq!(bits.len() as u64, granules.div_ceil(64) * 64);
    assert!(
        bits[granules as usize..].iter().all(|&b| !b),
        "bits beyond the namespace"
    );
    bits.truncate(granules as usize);
    bits
}

fn check(t: &mut GoldenTracker, r: &Reference, step: usize) {
    let g = r.active.len() as u64;
    assert_eq!(
        t.active().iter_ones().collect::<Vec<_>>(),
        ones(&r.active),
        "active after step {step}"
    );
    assert_eq!(
        t.passive().iter_ones().collect::<Vec<_>>(),
        ones(&r.passive),
        "passive after step {step}"
    );
    assert_eq!(
        u64::from(t.csr_read(ACTIVE_COUNT)),
        ones(&r.active).len() as u64,
        "ACTIVE_COUNT step {step}"
    );
    assert_eq!(
        u64::from(t.csr_read(PASSIVE_COUNT)),
        ones(&r.passive).len() as u64,
        "PASSIVE_COUNT step {step}"
    );
    let c = &r.counters;
    let want = [
        c.writes_seen,
        c.bits_set,
        c.bits_skipped,
        c.copy_reads_seen,
        c.bits_cleared,
    ];
    let got = COUNTERS.map(|a| counter(t, a));
    assert_eq!(got, want, "counters after step {step} (granules {g})");
}

fn ones(bits: &[bool]) -> Vec<u64> {
    bits.iter()
        .enumerate()
        .filter(|(_, &b)| b)
        .map(|(i, _)| i as u64)
        .collect()
}

/// A command's LBA range: mostly inside, sometimes across the end, rarely wrapping 2^64.
fn lba_range(rng: &mut Rng, ns_lbas: u64, max_count: u64) -> (u64, u64) {
    let count = 1 + rng.below(max_count);
    match rng.below(40) {
        0 => (u64::MAX - rng.below(4), count),
        1 => (ns_lbas.saturating_sub(rng.below(4)), count + 3),
        _ => (rng.below(ns_lbas), count.min(ns_lbas)),
    }
}

#[test]
fn golden_matches_the_per_granule_reference() {
    for_each_seed("golden_matches_the_per_granule_reference", 1000, |seed| {
        let mut rng = Rng::new(seed);
        let method = Method::ALL[rng.below(4) as usize];
        let shift = rng.below(3) as u32;
        let granules = 1 + rng.below(320);
        let ns_lbas = (granules << shift) - rng.below(1 << shift);
        let mut t = GoldenTracker::new(granules + rng.below(130));
        let bmp: Vec<bool> = (0..granules).map(|_| rng.chance(0.5)).collect();
        t.csr_write(
            CONFIG,
            GRANULE_SHIFT.put(METHOD.put(0, method.code()), shift),
        );
        t.csr_write(NS_LBAS_LO, ns_lbas as u32);
        t.csr_write(NS_LBAS_HI, (ns_lbas >> 32) as u32);
        command(&mut t, OP_LOAD);
        for chunk in bmp.chunks(64) {
            t.load_word(
                chunk
                    .iter()
                    .enumerate()
                    .fold(0, |w, (i, &b)| w | (b as u64) << i),
            );
        }
        command(&mut t, OP_START);
        assert_eq!(t.csr_read(ERR), 0, "setup raised errors");
        let mut r = Reference::new(method, ns_lbas, shift, &bmp);
        check(&mut t, &r, 0);
        for step in 1..=300 {
            match rng.below(100) {
                0..=39 => {
                    let (slba, count) = lba_range(&mut rng, ns_lbas, 200);
                    t.user_write(Snoop::blocks(slba, count as u32));
                    r.user_write(slba, count);
                }
                40..=64 => {
                    let (slba, count) = lba_range(&mut rng, ns_lbas, 80);
                    t.copy_read(Snoop::blocks(slba, count as u32));
                    r.copy_read(slba, count);
                }
                65..=74 => {
                    // An ascending sweep from the cursor, as a cursor-method server copies.
                    let mut g = r.cursor;
                    for _ in 0..1 + rng.below(6) {
                        let n = 1 + rng.below(9);
                        if g >= granules {
                            break;
                        }
                        let (slba, count) = (
                            g << shift,
                            ((g + n).min(granules) << shift).min(ns_lbas) - (g << shift),
                        );
                        t.copy_read(Snoop::blocks(slba, count as u32));
                        r.copy_read(slba, count);
                        g += n;
                    }
                }
                75..=79 => {
                    command(&mut t, OP_SWAP);
                    let n = r.swap();
                    assert_eq!(
                        u64::from(t.csr_read(SWAP_COUNT)),
                        n,
                        "SWAP_COUNT at step {step}"
                    );
                }
                80..=84 => {
                    assert_eq!(
                        stream_out(&mut t, false, granules),
                        r.passive,
                        "queried passive, step {step}"
                    );
                    assert_eq!(
                        stream_out(&mut t, true, granules),
                        r.active,
                        "queried active, step {step}"
                    );
                    if rng.chance(0.7) {
                        command(&mut t, OP_RELEASE);
                        r.release();
                    }
                }
                85..=91 => {
                    let first = rng.below(granules + 2);
                    let end = if rng.chance(0.85) {
                        first + rng.below(granules + 1 - first.min(granules))
                    } else {
                        rng.below(granules + 3)
                    };
                    t.csr_write(PLAN_START, first as u32);
                    t.csr_write(PLAN_END, end as u32);
                    command(&mut t, OP_SET_PLAN);
                    let err = t.csr_read(ERR);
                    t.csr_write(ERR, err);
                    if method == Method::Cursor {
                        let ok = r.set_plan(first, end);
                        assert_eq!(
                            err & ERR_PLAN_RANGE == 0,
                            ok,
                            "PLAN_RANGE for [{first},{end}) of {granules}"
                        );
                    } else {
                        assert_eq!(
                            err & ERR_CMD_STATE,
                            ERR_CMD_STATE,
                            "SET_PLAN outside cursor must be refused"
                        );
                    }
                }
                _ => {
                    let first = rng.below(granules + 1);
                    let end = first + rng.below(granules + 4 - first);
                    t.csr_write(MARK_FIRST, first as u32);
                    t.csr_write(MARK_END, end as u32);
                    command(&mut t, OP_MARK_DIRTY);
                    r.mark(first, end);
                    let err = t.csr_read(ERR);
                    assert_eq!(
                        err & ERR_MARK_RANGE != 0,
                        end > granules,
                        "MARK_RANGE for [{first},{end})"
                    );
                    t.csr_write(ERR, err);
                }
            }
            check(&mut t, &r, step);
        }
    });
}
