//! Black-box tests of the golden model, driven only through [`TrackerPort`] and the
//! register map of `lmsnoop_regs` (no address is spelled here).
//!
//! Every expected value below is derived by hand from DESIGN.md and the register
//! documentation, not recorded from a run. Unless a test says otherwise the namespace is
//! 200 LBAs at granule shift 0 (200 granules, 4 words, the last word holding granules
//! 192..200 in its low 8 bits) on a tracker of 256 granules.

#![allow(clippy::single_range_in_vec_init)] // granule sets are written as lists of ranges

use lmsnoop_regs::*;
use lmsnoop_sim::{GoldenTracker, QueryBeat, Snoop, TrackerPort};
use std::ops::Range;

const CAP: u64 = 256;
const NS: u64 = 200;
/// Words of the 200-granule namespace.
const NS_WORDS: u64 = 4;

const ALL_METHODS: [u32; 4] = [METHOD_NAIVE, METHOD_CURSOR, METHOD_BITMAP, METHOD_CLEAR];

/// The granules of `ranges`, ascending (the ranges must be ascending and disjoint).
fn g(ranges: &[Range<u64>]) -> Vec<u64> {
    ranges.iter().flat_map(|r| r.clone()).collect()
}

/// Set granules of a word vector.
fn ones(words: &[u64]) -> Vec<u64> {
    let mut out = Vec::new();
    for (w, &word) in words.iter().enumerate() {
        for b in 0..64 {
            if word >> b & 1 == 1 {
                out.push(w as u64 * 64 + b);
            }
        }
    }
    out
}

/// A word vector of `nwords` words with the granules of `ranges` set, one bit at a time.
fn words(nwords: u64, ranges: &[Range<u64>]) -> Vec<u64> {
    let mut out = vec![0u64; nwords as usize];
    for gr in g(ranges) {
        out[(gr / 64) as usize] |= 1 << (gr % 64);
    }
    out
}

/// The golden tracker with register-level helpers for commands and streams.
struct Rig {
    t: GoldenTracker,
}

impl Rig {
    fn new(capacity: u64) -> Rig {
        Rig {
            t: GoldenTracker::new(capacity),
        }
    }

    fn rd(&mut self, addr: u32) -> u32 {
        self.t.csr_read(addr)
    }

    fn wr(&mut self, addr: u32, value: u32) {
        self.t.csr_write(addr, value)
    }

    fn cmd(&mut self, op: u32) {
        self.wr(CMD, OPCODE.put(0, op));
    }

    fn configure(&mut self, method: u32, shift: u32, ns_lbas: u64) {
        self.wr(CONFIG, GRANULE_SHIFT.put(METHOD.put(0, method), shift));
        self.wr(NS_LBAS_LO, ns_lbas as u32);
        self.wr(NS_LBAS_HI, (ns_lbas >> 32) as u32);
    }

    /// CMD LOAD, then every word of `bmp` on the load stream.
    fn load(&mut self, bmp: &[u64]) {
        self.cmd(OP_LOAD);
        for &w in bmp {
            self.t.load_word(w);
        }
    }

    /// Configures, loads `bmp` (no LOAD at all when empty) and starts; asserts success.
    fn start(&mut self, method: u32, shift: u32, ns_lbas: u64, bmp: &[u64]) {
        self.configure(method, shift, ns_lbas);
        if !bmp.is_empty() {
            self.load(bmp);
            assert_eq!(LOAD_OPEN.get(self.rd(STATUS)), 0, "load stream left open");
        }
        self.cmd(OP_START);
        assert_eq!(self.err(), 0, "start raised errors");
        assert_eq!(TRACKING.get(self.rd(STATUS)), 1, "not tracking after START");
    }

    /// The usual session: `method`, shift 0, 200 granules, BMP `plan`.
    fn start200(&mut self, method: u32, plan: &[Range<u64>]) {
        let bmp = if plan.is_empty() {
            Vec::new()
        } else {
            words(NS_WORDS, plan)
        };
        self.start(method, 0, NS, &bmp);
    }

    fn err(&mut self) -> u32 {
        self.rd(ERR)
    }

    /// Reads ERR and clears what it read.
    fn take_err(&mut self) -> u32 {
        let e = self.err();
        self.wr(ERR, e);
        e
    }

    fn counter(&mut self, (lo, hi): (u32, u32)) -> u64 {
        let lo = self.rd(lo);
        u64::from(lo) | u64::from(self.rd(hi)) << 32
    }

    fn writes_seen(&mut self) -> u64 {
        self.counter((WRITES_SEEN_LO, WRITES_SEEN_HI))
    }
    fn bits_set(&mut self) -> u64 {
        self.counter((BITS_SET_LO, BITS_SET_HI))
    }
    fn bits_skipped(&mut self) -> u64 {
        self.counter((BITS_SKIPPED_LO, BITS_SKIPPED_HI))
    }
    fn copy_reads_seen(&mut self) -> u64 {
        self.counter((COPY_READS_SEEN_LO, COPY_READS_SEEN_HI))
    }
    fn bits_cleared(&mut self) -> u64 {
        self.counter((BITS_CLEARED_LO, BITS_CLEARED_HI))
    }
    fn all_counters(&mut self) -> [u64; 5] {
        COUNTERS.map(|c| self.counter(c))
    }
    fn active_count(&mut self) -> u32 {
        self.rd(ACTIVE_COUNT)
    }
    fn passive_count(&mut self) -> u32 {
        self.rd(PASSIVE_COUNT)
    }

    /// A user write of `count` blocks from `slba`.
    fn uw(&mut self, slba: u64, count: u32) {
        self.t.user_write(Snoop::blocks(slba, count));
    }

    /// A copy read of `count` blocks from `slba`.
    fn cr(&mut self, slba: u64, count: u32) {
        self.t.copy_read(Snoop::blocks(slba, count));
    }

    /// Runs a whole query over the passive (`active = false`) or active buffer; checks that
    /// LAST comes exactly on the final word and that the stream is closed afterwards.
    fn query(&mut self, active: bool) -> Vec<u64> {
        let before = self.err();
        self.wr(CMD, QUERY_SRC.put(OPCODE.put(0, OP_QUERY), active as u32));
        assert_eq!(self.err(), before, "QUERY raised an error");
        let mut out = Vec::new();
        loop {
            let beat = self
                .t
                .query_word()
                .expect("query stream ended without LAST");
            out.push(beat.data);
            if beat.last {
                break;
            }
            assert!(out.len() < 1 << 20, "query stream never ends");
        }
        assert_eq!(self.t.query_word(), None, "beat after LAST");
        assert_eq!(QUERY_OPEN.get(self.rd(STATUS)), 0);
        out
    }

    fn passive(&mut self) -> Vec<u64> {
        let w = self.query(false);
        ones(&w)
    }

    fn active(&mut self) -> Vec<u64> {
        let w = self.query(true);
        ones(&w)
    }

    fn set_plan(&mut self, start: u32, end: u32) {
        self.wr(PLAN_START, start);
        self.wr(PLAN_END, end);
        self.cmd(OP_SET_PLAN);
    }

    fn mark(&mut self, first: u32, end: u32) {
        self.wr(MARK_FIRST, first);
        self.wr(MARK_END, end);
        self.cmd(OP_MARK_DIRTY);
    }

    fn swap(&mut self) {
        self.cmd(OP_SWAP);
    }

    fn release(&mut self) {
        self.cmd(OP_RELEASE);
    }

    fn stop(&mut self) {
        self.cmd(OP_STOP);
    }

    fn clear_words(&self) -> u64 {
        self.t.clear_engine_words()
    }
}

// ---------------------------------------------------------------------------------------
// Identity and register decode
// ---------------------------------------------------------------------------------------

#[test]
fn id_register_identifies_the_block() {
    let mut r = Rig::new(CAP);
    let id = r.rd(ID);
    assert_eq!(id, ID_VALUE);
    assert_eq!(ID_MAGIC.get(id), 0x4C4D, "magic is \"LM\"");
    assert_eq!(ID_MAJOR.get(id), VERSION_MAJOR);
    assert_eq!(ID_MINOR.get(id), VERSION_MINOR);
    // Read-only: a write changes nothing.
    r.wr(ID, 0);
    assert_eq!(r.rd(ID), ID_VALUE);
}

#[test]
fn every_register_reads_its_reset_value() {
    let mut r = Rig::new(CAP);
    for reg in REGISTERS {
        let want = match reg.reset {
            Reset::Value(v) => v,
            Reset::Build => CAP as u32,
        };
        assert_eq!(r.rd(reg.offset), want, "{} after reset", reg.name);
    }
}

#[test]
fn capacity_is_rounded_up_to_whole_words() {
    let mut r = Rig::new(200);
    assert_eq!(r.rd(CAPACITY), 256);
    let mut r = Rig::new(64);
    assert_eq!(r.rd(CAPACITY), 64);
}

#[test]
fn unmapped_addresses_read_zero_and_ignore_writes() {
    let mut r = Rig::new(CAP);
    // Make the mapped registers non-trivial first.
    r.start200(METHOD_NAIVE, &[0..10]);
    r.uw(100, 5);
    r.wr(IRQ_ENABLE, IRQ_ERROR);
    let top = REGISTERS.iter().map(|x| x.offset).max().unwrap() + 0x100;
    let unmapped: Vec<u32> = (0..=top)
        .step_by(4)
        .filter(|&a| register_at(a).is_none())
        .collect();
    assert!(unmapped.len() > 10, "the map has holes to probe");
    let snapshot = |r: &mut Rig| -> Vec<u32> { REGISTERS.iter().map(|x| r.rd(x.offset)).collect() };
    let before = snapshot(&mut r);
    for &a in &unmapped {
        assert_eq!(r.rd(a), 0, "unmapped {a:#x} reads nonzero");
        r.wr(a, u32::MAX);
        assert_eq!(r.rd(a), 0, "unmapped {a:#x} kept a write");
    }
    assert_eq!(
        snapshot(&mut r),
        before,
        "a write to an unmapped address had an effect"
    );
    assert_eq!(r.err(), 0);
    // CMD is write-only.
    r.cmd(OP_NOP);
    assert_eq!(r.rd(CMD), 0);
}

#[test]
fn status_reports_state_and_latched_method() {
    let mut r = Rig::new(CAP);
    let s = r.rd(STATUS);
    assert_eq!(TRACKING.get(s), 0);
    assert_eq!(BUSY.get(s), 0);
    assert_eq!(QUERY_OPEN.get(s), 0);
    assert_eq!(LOAD_OPEN.get(s), 0);

    r.configure(METHOD_CLEAR, 0, NS);
    r.cmd(OP_LOAD);
    assert_eq!(LOAD_OPEN.get(r.rd(STATUS)), 1);
    for _ in 0..NS_WORDS {
        r.t.load_word(0);
    }
    assert_eq!(LOAD_OPEN.get(r.rd(STATUS)), 0);
    r.cmd(OP_START);
    let s = r.rd(STATUS);
    assert_eq!(TRACKING.get(s), 1);
    assert_eq!(
        BUSY.get(s),
        0,
        "the golden model completes commands at once"
    );
    assert_eq!(LATCHED_METHOD.get(s), METHOD_CLEAR);
    assert_eq!(r.rd(NS_GRANULES), 200);

    // CONFIG and NS_LBAS written while tracking are not latched.
    r.configure(METHOD_NAIVE, 3, 1000);
    assert_eq!(METHOD.get(r.rd(CONFIG)), METHOD_NAIVE, "CONFIG reads back");
    assert_eq!(LATCHED_METHOD.get(r.rd(STATUS)), METHOD_CLEAR);
    assert_eq!(r.rd(NS_GRANULES), 200);
    // Still the clear method at shift 0: a copy read clears the written bit.
    r.uw(150, 1);
    r.cr(150, 1);
    assert_eq!(r.active_count(), 0);
    assert_eq!(r.bits_cleared(), 1);

    r.cmd(OP_QUERY);
    assert_eq!(QUERY_OPEN.get(r.rd(STATUS)), 1);
    r.stop();
    let s = r.rd(STATUS);
    assert_eq!(TRACKING.get(s), 0);
    assert_eq!(QUERY_OPEN.get(s), 0, "STOP closes the query stream");
    assert_eq!(r.t.query_word(), None);
}

// ---------------------------------------------------------------------------------------
// The four methods (DESIGN.md table)
// ---------------------------------------------------------------------------------------

#[test]
fn naive_marks_every_written_granule_and_ignores_copy_reads() {
    let mut r = Rig::new(CAP);
    // A plan of 0..128 that naive must not use for skipping.
    r.start200(METHOD_NAIVE, &[0..128]);
    r.uw(60, 10); // 60..70 across the word boundary at 64: 10 new
    r.uw(65, 10); // 65..75: 70..75 new (5)
    r.uw(195, 5); // 195..200 up to the namespace end: 5 new
    r.cr(60, 20); // no effect in naive
    assert_eq!(r.err(), 0);
    assert_eq!(r.active(), g(&[60..75, 195..200]));
    assert_eq!(r.active_count(), 20);
    assert_eq!(r.passive(), g(&[0..128]));
    assert_eq!(r.passive_count(), 128);
    assert_eq!(r.writes_seen(), 3);
    assert_eq!(r.bits_set(), 20);
    assert_eq!(r.bits_skipped(), 0);
    assert_eq!(r.copy_reads_seen(), 1);
    assert_eq!(r.bits_cleared(), 0);
}

#[test]
fn cursor_skips_inside_window_at_or_above_cursor() {
    let mut r = Rig::new(CAP);
    // The passive plan 0..64 is irrelevant to cursor skipping.
    r.start200(METHOD_CURSOR, &[0..64]);
    r.set_plan(50, 150);
    assert_eq!(r.err(), 0);
    assert_eq!(r.rd(CURSOR), 50, "SET_PLAN sets CURSOR = PLAN_START");

    r.uw(40, 20); // 40..50 outside the plan: marked; 50..60 in window: skipped
    r.cr(50, 30); // copies 50..80: CURSOR = 80
    assert_eq!(r.rd(CURSOR), 80);
    r.uw(60, 30); // 60..80 below CURSOR: marked; 80..90 skipped
    r.uw(145, 10); // 145..150 skipped; 150..155 beyond PLAN_END: marked
    r.cr(10, 5); // below CURSOR: CURSOR stays (max)
    assert_eq!(r.rd(CURSOR), 80);
    r.uw(190, 10); // namespace end, outside the plan: marked
    r.uw(50, 5); // copied already (below CURSOR): marked
    assert_eq!(r.err(), 0);

    assert_eq!(r.active(), g(&[40..55, 60..80, 150..155, 190..200]));
    assert_eq!(r.active_count(), 50);
    assert_eq!(r.writes_seen(), 5);
    assert_eq!(r.bits_set(), 10 + 20 + 5 + 10 + 5);
    assert_eq!(r.bits_skipped(), 10 + 10 + 5);
    assert_eq!(r.copy_reads_seen(), 2);
    assert_eq!(r.bits_cleared(), 0);
    assert_eq!(
        r.passive(),
        g(&[0..64]),
        "cursor copy reads leave the passive alone"
    );
}

#[test]
fn bitmap_skips_planned_granules_and_copy_reads_drain_passive() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_BITMAP, &[32..96, 192..200]);
    assert_eq!(r.passive_count(), 72);

    r.uw(20, 20); // 20..32 marked (12), 32..40 planned: skipped (8)
    r.cr(32, 16); // drains 32..48 (16)
    r.uw(40, 30); // 40..48 drained: marked (8); 48..70 skipped (22)
    r.uw(90, 10); // 90..96 skipped (6); 96..100 marked (4)
    r.uw(195, 5); // 195..200 skipped (5)
    r.cr(190, 10); // drains 192..200 (8); 190, 191 were not planned
    r.uw(196, 4); // drained: marked (4)
    assert_eq!(r.err(), 0);

    assert_eq!(r.active(), g(&[20..32, 40..48, 96..100, 196..200]));
    assert_eq!(r.active_count(), 28);
    assert_eq!(r.passive(), g(&[48..96]));
    assert_eq!(r.passive_count(), 48);
    assert_eq!(r.writes_seen(), 5);
    assert_eq!(r.bits_set(), 28);
    assert_eq!(r.bits_skipped(), 8 + 22 + 6 + 5);
    assert_eq!(r.copy_reads_seen(), 2);
    assert_eq!(r.bits_cleared(), 24);
}

#[test]
fn clear_copy_reads_clear_active_bits() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CLEAR, &[0..64]);
    r.uw(60, 10); // 60..70 (10)
    r.cr(62, 5); // clears 62..67 (5)
    assert_eq!(r.active(), vec![60, 61, 67, 68, 69]);
    assert_eq!(r.active_count(), 5);
    r.uw(64, 2); // 64, 65 set again (2)
    r.cr(0, 200); // clears the 7 left
    assert_eq!(r.active_count(), 0);
    r.uw(199, 1); // last granule of the namespace
    assert_eq!(r.err(), 0);

    assert_eq!(r.active(), vec![199]);
    assert_eq!(r.active_count(), 1);
    assert_eq!(r.passive(), g(&[0..64]), "clear never touches the passive");
    assert_eq!(r.passive_count(), 64);
    assert_eq!(r.writes_seen(), 3);
    assert_eq!(r.bits_set(), 13);
    assert_eq!(r.bits_skipped(), 0);
    assert_eq!(r.copy_reads_seen(), 2);
    assert_eq!(r.bits_cleared(), 12);
}

#[test]
fn granule_shift_maps_lbas_to_granules_with_partial_last_granule() {
    let mut r = Rig::new(CAP);
    // 1000 LBAs of 8-LBA granules: 124 full granules and granule 124 holding LBAs 992..1000.
    r.start(METHOD_NAIVE, 3, 1000, &[0, 0]);
    assert_eq!(r.rd(NS_GRANULES), 125);
    r.uw(7, 2); // LBAs 7, 8: granules 0 and 1
    r.uw(511, 1); // granule 63
    r.uw(512, 8); // LBAs 512..520: granule 64 only
    r.uw(520, 1); // granule 65
    r.uw(999, 1); // the last LBA: partial granule 124
    r.uw(992, 8); // the whole partial granule: nothing new
    assert_eq!(r.err(), 0);
    let w = r.query(true);
    assert_eq!(w, vec![0b11 | 1 << 63, 0b11 | 1 << 60]);
    assert_eq!(ones(&w), vec![0, 1, 63, 64, 65, 124]);
    assert_eq!(r.bits_set(), 6);
    // One LBA past the namespace: flagged, the in-range granule still marked.
    r.uw(996, 5);
    assert_eq!(r.err(), ERR_LBA_RANGE);
    assert_eq!(r.active_count(), 6);
}

#[test]
fn granule_shift_applies_to_cursor_and_bitmap_skips() {
    // Cursor, 8-LBA granules: plan granules [10, 20) = LBAs [80, 160).
    let mut r = Rig::new(CAP);
    r.start(METHOD_CURSOR, 3, 1000, &[]);
    r.set_plan(10, 20);
    r.uw(79, 2); // LBA 79 -> granule 9 (marked), LBA 80 -> granule 10 (skipped)
    r.cr(80, 16); // granules 10, 11: CURSOR = 12
    assert_eq!(r.rd(CURSOR), 12);
    r.uw(95, 2); // granule 11 (copied: marked), granule 12 (skipped)
    assert_eq!(r.err(), 0);
    assert_eq!(r.active(), vec![9, 11]);
    assert_eq!(r.bits_skipped(), 2);

    // Bitmap, 8-LBA granules: plan granules {5, 6} = LBAs [40, 56).
    let mut r = Rig::new(CAP);
    r.start(METHOD_BITMAP, 3, 1000, &[0b110_0000, 0]);
    r.uw(39, 2); // granule 4 marked, granule 5 skipped
    r.cr(41, 1); // one LBA of granule 5 drains the whole granule
    r.uw(47, 2); // granule 5 (drained): marked; granule 6: skipped
    assert_eq!(r.err(), 0);
    assert_eq!(r.active(), vec![4, 5]);
    assert_eq!(r.passive(), vec![6]);
    assert_eq!(r.bits_skipped(), 2);
    assert_eq!(r.bits_cleared(), 1);
}

// ---------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------

#[test]
fn counters_count_events_and_transitions() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_NAIVE, &[0..10]);
    assert_eq!(r.all_counters(), [0; 5]);
    assert_eq!(r.active_count(), 0);
    assert_eq!(r.passive_count(), 10);

    r.uw(0, 100);
    assert_eq!(
        (r.writes_seen(), r.bits_set(), r.active_count()),
        (1, 100, 100)
    );
    r.uw(50, 100); // 50..150: only 100..150 turn 0 -> 1
    assert_eq!(
        (r.writes_seen(), r.bits_set(), r.active_count()),
        (2, 150, 150)
    );
    r.uw(0, 150); // nothing new
    assert_eq!(
        (r.writes_seen(), r.bits_set(), r.active_count()),
        (3, 150, 150)
    );
    r.cr(0, 10);
    r.cr(0, 10);
    assert_eq!((r.copy_reads_seen(), r.bits_cleared()), (2, 0));
    r.mark(145, 160); // 150..160 new (10): mark-dirty counts as BITS_SET
    assert_eq!((r.bits_set(), r.active_count()), (160, 160));
    assert_eq!(r.writes_seen(), 3, "mark-dirty is not a user write");
    assert_eq!(r.passive_count(), 10);

    // STOP keeps the counters readable; START zeroes them.
    r.stop();
    assert_eq!(r.all_counters(), [3, 160, 0, 2, 0]);
    assert_eq!((r.active_count(), r.passive_count()), (0, 0));
    r.start200(METHOD_BITMAP, &[0..100]);
    assert_eq!(r.all_counters(), [0; 5]);

    // BITS_SKIPPED counts granules, not writes; BITS_CLEARED counts 1 -> 0 transitions.
    r.uw(10, 30);
    assert_eq!(
        (r.writes_seen(), r.bits_skipped(), r.bits_set()),
        (1, 30, 0)
    );
    r.cr(0, 50);
    assert_eq!(r.bits_cleared(), 50);
    r.cr(0, 50); // already drained
    assert_eq!((r.copy_reads_seen(), r.bits_cleared()), (2, 50));
    assert_eq!(r.passive_count(), 50);
    assert_eq!(r.err(), 0);
}

#[test]
fn counter_lo_read_latches_hi() {
    const N: u64 = 1 << 24;
    let mut r = Rig::new(N);
    r.start(METHOD_NAIVE, 0, N, &[]);
    assert_eq!(r.rd(BITS_SET_HI), 0);
    // Each round sets N fresh bits; the swap hands the full buffer over and brings back a
    // clean one.
    fn round(r: &mut Rig) {
        r.mark(0, N as u32);
        r.swap();
    }
    for _ in 0..255 {
        round(&mut r);
    }
    assert_eq!(r.err(), 0);
    // 255 * 2^24 = 0xFF00_0000: still below 2^32.
    assert_eq!(r.rd(BITS_SET_LO), 0xFF00_0000);
    assert_eq!(r.rd(BITS_SET_HI), 0);
    round(&mut r);
    round(&mut r);
    // 257 * 2^24 = 0x1_0100_0000, but HI still holds what the last LO read latched.
    assert_eq!(r.rd(BITS_SET_HI), 0, "HI changed without a LO read");
    // Reading another counter's LO does not latch this one.
    assert_eq!(r.rd(WRITES_SEEN_LO), 0);
    assert_eq!(r.rd(BITS_SET_HI), 0);
    assert_eq!(r.rd(BITS_SET_LO), 0x0100_0000);
    assert_eq!(r.rd(BITS_SET_HI), 1);
    assert_eq!(r.bits_set(), 257 * N);
    round(&mut r);
    // HI keeps the latched value until the next LO read.
    assert_eq!(r.rd(BITS_SET_HI), 1);
    assert_eq!(r.rd(BITS_SET_LO), 0x0200_0000);
    assert_eq!(r.rd(BITS_SET_HI), 1);
    assert_eq!(r.rd(SWAP_COUNT) as u64, N);
}

// ---------------------------------------------------------------------------------------
// Swap
// ---------------------------------------------------------------------------------------

#[test]
fn bitmap_swap_reuses_drained_passive_without_clearing() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_BITMAP, &[0..10]);
    assert_eq!(r.passive(), g(&[0..10]));
    let w0 = r.clear_words();
    r.release(); // no effect in bitmap
    assert_eq!(r.err(), 0);
    assert_eq!(r.clear_words(), w0);
    assert_eq!(r.passive_count(), 10);
    r.cr(0, 10); // the pass drains the whole plan
    assert_eq!(r.passive_count(), 0);
    r.uw(100, 3);
    r.wr(IRQ_STATUS, u32::MAX);

    r.swap();
    assert_eq!(r.err(), 0);
    assert_eq!(
        r.clear_words(),
        w0,
        "a drained passive must be reused without a clear"
    );
    let irq = r.rd(IRQ_STATUS);
    assert_eq!(irq & IRQ_SWAP_DONE, IRQ_SWAP_DONE);
    assert_eq!(irq & IRQ_CLEAR_DONE, 0, "no clear ran");
    assert_eq!(r.rd(SWAP_COUNT), 3);
    assert_eq!((r.active_count(), r.passive_count()), (0, 3));
    assert_eq!(r.passive(), g(&[100..103]));
    assert_eq!(r.active(), Vec::<u64>::new());
}

#[test]
fn released_passive_makes_the_swap_o1_in_naive_cursor_clear() {
    for method in [METHOD_NAIVE, METHOD_CURSOR, METHOD_CLEAR] {
        let mut r = Rig::new(CAP);
        r.start200(method, &[0..10]);
        assert_eq!(r.passive(), g(&[0..10]));
        let w0 = r.clear_words();
        r.release();
        assert_eq!(r.err(), 0);
        assert_eq!(
            r.clear_words(),
            w0 + NS_WORDS,
            "method {method}: RELEASE wipes"
        );
        assert_eq!(r.passive_count(), 0);
        r.uw(100, 3);
        r.swap();
        assert_eq!(r.err(), 0);
        assert_eq!(
            r.clear_words(),
            w0 + NS_WORDS,
            "method {method}: swap cleared again"
        );
        assert_eq!(r.rd(SWAP_COUNT), 3, "method {method}");
        assert_eq!(r.passive(), g(&[100..103]), "method {method}");
        assert_eq!(r.active(), Vec::<u64>::new(), "method {method}");
    }
}

#[test]
fn swap_clears_an_unreleased_passive() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_NAIVE, &[0..10]);
    r.uw(100, 3);
    let w0 = r.clear_words();
    r.wr(IRQ_STATUS, u32::MAX);
    r.swap();
    assert_eq!(r.err(), 0);
    assert_eq!(
        r.clear_words(),
        w0 + NS_WORDS,
        "residual bits must be cleared"
    );
    assert_eq!(
        r.rd(IRQ_STATUS) & (IRQ_SWAP_DONE | IRQ_CLEAR_DONE),
        IRQ_SWAP_DONE | IRQ_CLEAR_DONE
    );
    assert_eq!(r.rd(SWAP_COUNT), 3);
    assert_eq!(r.passive(), g(&[100..103]), "the old plan 0..10 is gone");
    assert_eq!(
        r.active(),
        Vec::<u64>::new(),
        "the BMP bits did not come back"
    );
    // Swap again without release: the 3 residual bits are cleared once more.
    r.swap();
    assert_eq!(r.clear_words(), w0 + 2 * NS_WORDS);
    assert_eq!(r.rd(SWAP_COUNT), 0);
    assert_eq!(r.passive(), Vec::<u64>::new());
    assert_eq!(r.active(), Vec::<u64>::new());
    assert_eq!((r.active_count(), r.passive_count()), (0, 0));
}

/// Bitmap: residual passive bits were promised (writes to them were skipped), so the swap
/// carries them into the new passive plan.
#[test]
fn bitmap_swap_carries_residual_plan_into_new_passive() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_BITMAP, &[0..10, 70..73]);
    r.cr(0, 10); // drains 0..10; 70..73 stay (the server skipped them)
    r.uw(5, 1); // drained: marked
    r.uw(71, 1); // still planned: skipped
    r.mark(72, 73); // a failed copy: active 72 while passive 72 is set
    assert_eq!(r.active(), vec![5, 72]);
    let w0 = r.clear_words();
    r.swap();
    assert_eq!(r.err(), 0);
    assert_eq!(
        r.clear_words(),
        w0 + NS_WORDS,
        "the residual passive is cleared"
    );
    assert_eq!(r.rd(SWAP_COUNT), 4, "{{5, 72}} | {{70, 71, 72}}");
    assert_eq!(r.passive(), vec![5, 70, 71, 72]);
    assert_eq!(r.passive_count(), 4);
    assert_eq!(r.active(), Vec::<u64>::new());
    assert_eq!(r.active_count(), 0);
    // The carried granules are still skipped and still drained by copy reads.
    r.uw(71, 1);
    assert_eq!(r.active_count(), 0);
    r.cr(70, 3);
    assert_eq!(r.passive(), vec![5]);
}

/// The carry is not a user write: it must not count as skipped granules (a regression
/// test: an earlier golden model counted 64 - popcount(residual) per residual word).
#[test]
fn bitmap_swap_carry_is_not_counted_as_skipped_writes() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_BITMAP, &[0..10, 70..73]);
    r.cr(0, 10);
    r.uw(71, 1); // the only skipped granule of the session
    assert_eq!(r.bits_skipped(), 1);
    r.swap(); // carries 70..73
    assert_eq!(r.rd(SWAP_COUNT), 3);
    assert_eq!(
        r.bits_skipped(),
        1,
        "BITS_SKIPPED counts granules of user writes, no user write happened"
    );
    assert_eq!(r.writes_seen(), 1);
}

#[test]
fn cursor_swap_carries_the_unfinished_window() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CURSOR, &[]);
    r.set_plan(10, 100);
    r.cr(10, 30); // CURSOR = 40
    r.uw(50, 5); // skipped: the pass promised to copy 50..55
    r.uw(5, 1); // outside the plan: marked
    assert_eq!(r.bits_skipped(), 5);
    r.swap();
    assert_eq!(r.err(), 0);
    // The new plan holds granule 5 and the whole unfinished window [40, 100).
    assert_eq!(r.rd(SWAP_COUNT), 61);
    assert_eq!(r.passive(), g(&[5..6, 40..100]));
    assert_eq!(r.active(), Vec::<u64>::new());
    // The window is closed: a write into the old window is marked now.
    r.uw(60, 1);
    assert_eq!(r.active(), vec![60]);
    assert_eq!(r.bits_skipped(), 5);
}

#[test]
fn cursor_set_plan_carries_the_unfinished_window() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CURSOR, &[]);
    r.set_plan(10, 100);
    r.cr(10, 30); // CURSOR = 40
    r.set_plan(0, 20); // the pass was abandoned at 40: [40, 100) must be copied later
    assert_eq!(r.err(), 0);
    assert_eq!(r.active(), g(&[40..100]));
    assert_eq!(r.active_count(), 60);
    assert_eq!(r.rd(CURSOR), 0);
    r.uw(15, 1); // inside the new window: skipped
    r.uw(30, 1); // outside the new window: marked
    assert_eq!(r.bits_skipped(), 1);
    assert_eq!(r.active(), g(&[30..31, 40..100]));
    // A window finished by its copy reads carries nothing.
    r.cr(0, 20);
    assert_eq!(r.rd(CURSOR), 20);
    r.set_plan(150, 160);
    assert_eq!(r.err(), 0);
    assert_eq!(r.active_count(), 61);
    assert_eq!(r.rd(CURSOR), 150);
}

#[test]
fn new_active_is_empty_after_every_swap() {
    for method in ALL_METHODS {
        let mut r = Rig::new(CAP);
        r.start200(method, &[0..64, 150..160]);
        if method == METHOD_CURSOR {
            r.set_plan(100, 200);
            r.cr(100, 20);
        }
        r.uw(0, 200);
        r.mark(0, 200);
        for round in 0..3 {
            r.swap();
            assert_eq!(r.err(), 0);
            assert_eq!(
                r.active(),
                Vec::<u64>::new(),
                "method {method} swap {round}"
            );
            assert_eq!(r.active_count(), 0, "method {method} swap {round}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Release and stop
// ---------------------------------------------------------------------------------------

#[test]
fn release_clears_the_passive_except_in_bitmap() {
    for method in ALL_METHODS {
        let mut r = Rig::new(CAP);
        r.start200(method, &[0..64, 150..160]);
        r.uw(100, 5);
        assert_eq!(r.passive(), g(&[0..64, 150..160]));
        let w0 = r.clear_words();
        r.wr(IRQ_STATUS, u32::MAX);
        r.release();
        assert_eq!(r.err(), 0, "method {method}");
        if method == METHOD_BITMAP {
            assert_eq!(r.passive(), g(&[0..64, 150..160]), "bitmap keeps its plan");
            assert_eq!(r.passive_count(), 74);
            assert_eq!(r.clear_words(), w0);
        } else {
            assert_eq!(r.rd(IRQ_STATUS) & IRQ_CLEAR_DONE, IRQ_CLEAR_DONE);
            assert_eq!(r.passive(), Vec::<u64>::new(), "method {method}");
            assert_eq!(r.passive_count(), 0, "method {method}");
            assert_eq!(r.clear_words(), w0 + NS_WORDS, "method {method}");
        }
        assert_eq!(
            r.active(),
            g(&[100..105]),
            "method {method}: active untouched"
        );
    }
}

#[test]
fn stop_clears_both_buffers() {
    for method in ALL_METHODS {
        let mut r = Rig::new(CAP);
        r.start200(method, &[0..64, 150..160]);
        r.uw(100, 5);
        r.mark(190, 200);
        let w0 = r.clear_words();
        r.stop();
        assert_eq!(r.err(), 0);
        assert_eq!(TRACKING.get(r.rd(STATUS)), 0);
        assert_eq!(
            (r.active_count(), r.passive_count()),
            (0, 0),
            "method {method}"
        );
        assert_eq!(r.clear_words(), w0 + 2 * NS_WORDS, "method {method}");
        // Restart on the same geometry without a LOAD: both buffers are clean.
        r.start200(method, &[]);
        assert_eq!(r.passive(), Vec::<u64>::new(), "method {method}");
        assert_eq!(r.active(), Vec::<u64>::new(), "method {method}");
    }
}

// ---------------------------------------------------------------------------------------
// Load and query streams
// ---------------------------------------------------------------------------------------

#[test]
fn load_stream_fills_the_passive_buffer() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_BITMAP, 0, NS);
    r.cmd(OP_LOAD);
    assert_eq!(r.err(), 0);
    assert_eq!(r.rd(NS_GRANULES), 200, "LOAD latches the geometry");
    let bmp = [1u64, 1 << 63, 0xF0, 0xFF];
    for (i, &w) in bmp.iter().enumerate() {
        assert_eq!(LOAD_OPEN.get(r.rd(STATUS)), 1, "before word {i}");
        r.t.load_word(w);
    }
    assert_eq!(LOAD_OPEN.get(r.rd(STATUS)), 0);
    assert_eq!(r.err(), 0);
    assert_eq!(r.passive_count(), 1 + 1 + 4 + 8);
    assert_eq!(r.active_count(), 0);
    r.cmd(OP_START);
    assert_eq!(r.err(), 0);
    assert_eq!(r.query(false), bmp.to_vec());
    assert_eq!(r.query(true), vec![0; 4]);
    // The loaded plan drives bitmap skipping.
    r.uw(0, 1);
    r.uw(127, 1);
    r.uw(1, 1);
    assert_eq!(r.bits_skipped(), 2);
    assert_eq!(r.active(), vec![1]);
}

#[test]
fn load_masks_bits_beyond_the_namespace() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_NAIVE, 0, NS);
    r.load(&[0, 0, 0, 0x1FF]); // bit 8 of word 3 is granule 200
    assert_eq!(r.err(), ERR_LOAD);
    assert_eq!(r.passive_count(), 8);
    r.wr(ERR, u32::MAX);
    r.cmd(OP_START);
    assert_eq!(r.query(false), vec![0, 0, 0, 0xFF]);

    // Shift 3, 1000 LBAs: 125 granules, the second word keeps bits 0..61.
    let mut r = Rig::new(CAP);
    r.configure(METHOD_NAIVE, 3, 1000);
    r.load(&[0, 1 << 60]);
    assert_eq!(r.err(), 0, "granule 124 is inside the namespace");
    r.load(&[0, 1 << 61 | 1]);
    assert_eq!(r.err(), ERR_LOAD, "granule 125 is not");
    assert_eq!(r.passive_count(), 1);
    r.wr(ERR, u32::MAX);
    r.cmd(OP_START);
    assert_eq!(r.query(false), vec![0, 1]);
}

#[test]
fn load_words_beyond_the_stream_raise_err_load() {
    // A fifth word on a four-word load is dropped.
    let mut r = Rig::new(CAP);
    r.configure(METHOD_NAIVE, 0, NS);
    r.load(&[1, 2, 3, 4]);
    assert_eq!(r.err(), 0);
    r.t.load_word(u64::MAX);
    assert_eq!(r.err(), ERR_LOAD);
    assert_eq!(r.passive_count(), 1 + 1 + 2 + 1);
    r.wr(ERR, u32::MAX);
    r.cmd(OP_START);
    assert_eq!(r.query(false), vec![1, 2, 3, 4]);
    // A word while tracking (no load open) is dropped too.
    r.t.load_word(u64::MAX);
    assert_eq!(r.err(), ERR_LOAD);
    assert_eq!(r.query(false), vec![1, 2, 3, 4]);

    // A word on a tracker that never opened a load.
    let mut r = Rig::new(CAP);
    r.t.load_word(0xFF);
    assert_eq!(r.err(), ERR_LOAD);
    assert_eq!(r.passive_count(), 0);
}

#[test]
fn query_stream_delivers_namespace_words_with_last() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_NAIVE, &[1..2, 3..4, 191..192, 199..200]);
    assert_eq!(r.t.query_word(), None, "no query open");
    r.wr(IRQ_STATUS, u32::MAX);
    r.cmd(OP_QUERY);
    assert_eq!(r.err(), 0);
    assert_eq!(QUERY_OPEN.get(r.rd(STATUS)), 1);
    let expect = [
        QueryBeat {
            data: 0xA,
            last: false,
        },
        QueryBeat {
            data: 0,
            last: false,
        },
        QueryBeat {
            data: 1 << 63,
            last: false,
        },
        QueryBeat {
            data: 0x80,
            last: true,
        },
    ];
    for (i, e) in expect.iter().enumerate() {
        assert_eq!(
            r.rd(IRQ_STATUS) & IRQ_QUERY_DONE,
            0,
            "QUERY_DONE before beat {i}"
        );
        assert_eq!(r.t.query_word(), Some(*e), "beat {i}");
    }
    assert_eq!(r.t.query_word(), None);
    assert_eq!(QUERY_OPEN.get(r.rd(STATUS)), 0);
    assert_eq!(r.rd(IRQ_STATUS) & IRQ_QUERY_DONE, IRQ_QUERY_DONE);
    // A query does not consume the buffer.
    assert_eq!(r.passive(), vec![1, 3, 191, 199]);
    assert_eq!(r.passive_count(), 4);

    // With a shift the stream covers the namespace's words only: 125 granules, 2 words.
    let mut r = Rig::new(CAP);
    r.start(METHOD_NAIVE, 3, 1000, &[5, 7]);
    assert_eq!(r.query(false), vec![5, 7]);
}

#[test]
fn query_src_selects_the_active_buffer() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_NAIVE, &[0..64]);
    r.uw(70, 2);
    r.wr(CMD, QUERY_SRC.put(OPCODE.put(0, OP_QUERY), 1));
    let beats: Vec<QueryBeat> = std::iter::from_fn(|| r.t.query_word()).collect();
    assert_eq!(
        beats.iter().map(|b| b.data).collect::<Vec<_>>(),
        vec![0, 0xC0, 0, 0]
    );
    assert_eq!(
        beats.iter().map(|b| b.last).collect::<Vec<_>>(),
        vec![false, false, false, true]
    );
    assert_eq!(r.query(false), vec![u64::MAX, 0, 0, 0]);
}

#[test]
fn query_while_stopped_is_refused() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_NAIVE, 0, NS);
    r.cmd(OP_QUERY);
    assert_eq!(r.err(), ERR_CMD_STATE);
    assert_eq!(r.t.query_word(), None);
    assert_eq!(QUERY_OPEN.get(r.rd(STATUS)), 0);
}

// ---------------------------------------------------------------------------------------
// Errors: each flag, its cause, and the conservative state it leaves
// ---------------------------------------------------------------------------------------

#[test]
fn write_beyond_namespace_marks_in_range_granules_without_skipping() {
    // Bitmap: 190..200 planned, so an in-range write there would be skipped.
    let mut r = Rig::new(CAP);
    r.start200(METHOD_BITMAP, &[190..200]);
    r.uw(195, 10); // LBAs 195..205, the namespace ends at 200
    assert_eq!(r.err(), ERR_LBA_RANGE);
    assert_eq!(r.active(), g(&[195..200]));
    assert_eq!(r.bits_skipped(), 0, "a bad write must not skip");
    assert_eq!(r.passive(), g(&[190..200]), "a write never drains");
    r.uw(250, 1); // entirely outside: nothing to mark
    assert_eq!(r.active_count(), 5);
    assert_eq!((r.writes_seen(), r.bits_set()), (2, 5));
    r.wr(ERR, u32::MAX);
    r.uw(190, 2); // in range and planned: skipped, no error
    assert_eq!((r.err(), r.bits_skipped()), (0, 2));

    // Cursor: the whole namespace is the window.
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CURSOR, &[]);
    r.set_plan(0, 200);
    r.uw(195, 10);
    assert_eq!(r.err(), ERR_LBA_RANGE);
    assert_eq!(r.active(), g(&[195..200]));
    assert_eq!(r.bits_skipped(), 0);
    r.uw(0, 1); // sanity: the window does skip in-range writes
    assert_eq!(r.bits_skipped(), 1);

    // Naive and clear: the in-range part is marked, the flag raised.
    for method in [METHOD_NAIVE, METHOD_CLEAR] {
        let mut r = Rig::new(CAP);
        r.start200(method, &[]);
        r.uw(199, 2);
        assert_eq!(r.err(), ERR_LBA_RANGE, "method {method}");
        assert_eq!(r.active(), vec![199], "method {method}");
    }
}

#[test]
fn copy_read_beyond_namespace_clears_nothing() {
    // Bitmap: the passive keeps the plan.
    let mut r = Rig::new(CAP);
    r.start200(METHOD_BITMAP, &[190..200]);
    r.cr(195, 10);
    assert_eq!(r.err(), ERR_LBA_RANGE);
    assert_eq!(r.passive(), g(&[190..200]));
    assert_eq!((r.copy_reads_seen(), r.bits_cleared()), (1, 0));
    r.uw(196, 1); // still planned: skipped
    assert_eq!(r.bits_skipped(), 1);

    // Clear: the active keeps its bits.
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CLEAR, &[]);
    r.uw(190, 10);
    r.cr(195, 10);
    assert_eq!(r.err(), ERR_LBA_RANGE);
    assert_eq!(r.active(), g(&[190..200]));
    assert_eq!(r.bits_cleared(), 0);

    // Cursor: the cursor does not move, and the swap carries the unfinished window.
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CURSOR, &[]);
    r.set_plan(100, 200);
    r.cr(100, 50); // CURSOR = 150
    r.cr(150, 60); // LBAs 150..210: bad
    assert_eq!(r.err(), ERR_LBA_RANGE);
    assert_eq!(r.rd(CURSOR), 150);
    r.swap();
    assert_eq!(r.passive(), g(&[150..200]));
}

#[test]
fn wrapping_command_raises_err_lba_wrap() {
    for method in ALL_METHODS {
        let mut r = Rig::new(CAP);
        r.start200(method, &[0..64]);
        r.uw(10, 1);
        r.t.user_write(Snoop::new(u64::MAX - 3, 0xFFFF));
        assert_eq!(r.err() & ERR_LBA_WRAP, ERR_LBA_WRAP, "method {method}");
        r.wr(ERR, u32::MAX);
        r.t.copy_read(Snoop::new(u64::MAX, 1));
        assert_eq!(r.err() & ERR_LBA_WRAP, ERR_LBA_WRAP, "method {method}");
        assert_eq!(
            r.err() & !(ERR_LBA_WRAP | ERR_LBA_RANGE),
            0,
            "method {method}"
        );
        let expect_active = if method == METHOD_BITMAP {
            vec![]
        } else {
            vec![10]
        };
        assert_eq!(r.active(), expect_active, "method {method}");
        assert_eq!(r.passive(), g(&[0..64]), "method {method}");
        assert_eq!(
            (r.writes_seen(), r.copy_reads_seen()),
            (2, 1),
            "method {method}"
        );
    }
}

#[test]
fn wrapping_write_marks_its_in_range_part_without_skipping() {
    // 2^64 - 1 LBAs in granules of 2^48: 65536 granules, the last one planned.
    const GRANULES: u64 = 1 << 16;
    let mut r = Rig::new(GRANULES);
    let mut bmp = vec![0u64; (GRANULES / 64) as usize];
    *bmp.last_mut().unwrap() = 1 << 63;
    r.start(METHOD_BITMAP, 48, u64::MAX, &bmp);
    assert_eq!(r.rd(NS_GRANULES) as u64, GRANULES);
    assert_eq!(r.passive_count(), 1);
    r.t.user_write(Snoop::new(u64::MAX - 2, 1)); // the last two LBAs: in range, skipped
    assert_eq!((r.err(), r.bits_skipped()), (0, 1));
    r.t.user_write(Snoop::new(u64::MAX - 1, 2)); // wraps
    assert_eq!(r.err() & ERR_LBA_WRAP, ERR_LBA_WRAP);
    assert_eq!(r.bits_skipped(), 1, "a wrapping write must not skip");
    assert_eq!(r.active(), vec![GRANULES - 1]);
    r.t.copy_read(Snoop::new(u64::MAX - 1, 2)); // wraps: drains nothing
    assert_eq!(r.passive_count(), 1);
    assert_eq!(r.bits_cleared(), 0);
}

#[test]
fn bad_plan_leaves_an_empty_window() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CURSOR, &[]);
    r.set_plan(0, 100);
    r.cr(0, 20); // CURSOR = 20
    r.set_plan(100, 50); // PLAN_START > PLAN_END
    assert_eq!(r.err(), ERR_PLAN_RANGE);
    // The previous window's promise [20, 100) is carried, and nothing is skipped now.
    assert_eq!(r.active(), g(&[20..100]));
    r.uw(0, 200);
    assert_eq!(r.bits_skipped(), 0);
    assert_eq!(r.active_count(), 200);

    r.wr(ERR, u32::MAX);
    r.swap();
    r.set_plan(0, 201); // PLAN_END beyond NS_GRANULES
    assert_eq!(r.err(), ERR_PLAN_RANGE);
    r.uw(0, 200);
    assert_eq!(r.bits_skipped(), 0);
    assert_eq!(r.active_count(), 200);

    // An exact fit is fine.
    r.wr(ERR, u32::MAX);
    r.set_plan(0, 200);
    assert_eq!(r.err(), 0);
    assert_eq!(r.rd(CURSOR), 0);
}

#[test]
fn commands_in_the_wrong_state_raise_err_cmd_state() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_CURSOR, 0, NS);
    r.wr(MARK_FIRST, 0);
    r.wr(MARK_END, 10);
    for op in [
        OP_STOP,
        OP_QUERY,
        OP_SWAP,
        OP_RELEASE,
        OP_SET_PLAN,
        OP_MARK_DIRTY,
    ] {
        r.cmd(op);
        assert_eq!(r.take_err(), ERR_CMD_STATE, "opcode {op} while stopped");
        assert_eq!(TRACKING.get(r.rd(STATUS)), 0);
    }
    assert_eq!(r.active_count(), 0, "MARK_DIRTY while stopped marked");
    let irq = r.rd(IRQ_STATUS);
    assert_eq!(irq & (IRQ_SWAP_DONE | IRQ_CLEAR_DONE | IRQ_QUERY_DONE), 0);

    r.cmd(OP_NOP);
    assert_eq!(r.err(), 0, "NOP is always fine");

    r.start200(METHOD_NAIVE, &[0..10]);
    r.uw(100, 1);
    r.cmd(OP_LOAD);
    assert_eq!(r.take_err(), ERR_CMD_STATE);
    assert_eq!(LOAD_OPEN.get(r.rd(STATUS)), 0);
    r.cmd(OP_START);
    assert_eq!(r.take_err(), ERR_CMD_STATE);
    assert_eq!(
        r.writes_seen(),
        1,
        "a refused START must not zero the counters"
    );
    assert_eq!(r.active(), vec![100]);
    r.set_plan(0, 10); // not the cursor method
    assert_eq!(r.take_err(), ERR_CMD_STATE);
    r.uw(5, 1);
    assert_eq!(r.bits_skipped(), 0);
    for op in (OP_MARK_DIRTY + 1)..=OPCODE.get(u32::MAX) {
        r.cmd(op);
        assert_eq!(r.take_err(), ERR_CMD_STATE, "undefined opcode {op}");
    }
    assert_eq!(TRACKING.get(r.rd(STATUS)), 1);
    assert_eq!(r.active(), vec![5, 100]);
    assert_eq!(r.passive(), g(&[0..10]));
}

#[test]
fn swap_during_a_query_is_refused_and_changes_nothing() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_NAIVE, &[0..4, 192..193]);
    r.uw(100, 3);
    r.cmd(OP_QUERY);
    assert_eq!(
        r.t.query_word(),
        Some(QueryBeat {
            data: 0xF,
            last: false
        })
    );
    let w0 = r.clear_words();
    r.swap();
    assert_eq!(r.take_err(), ERR_STREAM_BUSY);
    assert_eq!(r.rd(SWAP_COUNT), 0);
    assert_eq!((r.active_count(), r.passive_count()), (3, 5));
    r.release();
    assert_eq!(r.take_err(), ERR_STREAM_BUSY);
    assert_eq!(r.passive_count(), 5);
    assert_eq!(r.clear_words(), w0);
    r.cmd(OP_QUERY);
    assert_eq!(r.take_err(), ERR_STREAM_BUSY);
    // MARK_DIRTY is allowed while a query runs.
    r.mark(150, 151);
    assert_eq!(r.err(), 0);
    // The open query still streams the old passive.
    let rest: Vec<QueryBeat> = std::iter::from_fn(|| r.t.query_word()).collect();
    assert_eq!(
        rest,
        vec![
            QueryBeat {
                data: 0,
                last: false
            },
            QueryBeat {
                data: 0,
                last: false
            },
            QueryBeat {
                data: 1,
                last: true
            },
        ]
    );
    r.swap();
    assert_eq!(r.err(), 0);
    assert_eq!(r.rd(SWAP_COUNT), 4);
    assert_eq!(r.passive(), vec![100, 101, 102, 150]);
}

#[test]
fn commands_during_a_load_raise_err_stream_busy() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_NAIVE, 0, NS);
    r.cmd(OP_LOAD);
    r.t.load_word(1);
    r.cmd(OP_LOAD);
    assert_eq!(r.take_err(), ERR_STREAM_BUSY);
    r.cmd(OP_START);
    assert_eq!(r.take_err(), ERR_STREAM_BUSY);
    assert_eq!(TRACKING.get(r.rd(STATUS)), 0);
    // The refused LOAD did not restart the stream: three more words finish it.
    for w in [2, 3, 4] {
        r.t.load_word(w);
    }
    assert_eq!(LOAD_OPEN.get(r.rd(STATUS)), 0);
    assert_eq!(r.err(), 0);
    r.cmd(OP_START);
    assert_eq!(r.err(), 0);
    assert_eq!(r.query(false), vec![1, 2, 3, 4]);
}

#[test]
fn bad_geometry_raises_err_config() {
    // (shift, namespace LBAs) that do not fit a 256-granule tracker.
    for (shift, ns) in [(0, 0), (0, 257), (1, 513), (0, 1 << 32), (49, 1), (63, 1)] {
        let mut r = Rig::new(CAP);
        r.configure(METHOD_NAIVE, shift, ns);
        r.cmd(OP_LOAD);
        assert_eq!(r.take_err(), ERR_CONFIG, "LOAD shift {shift} ns {ns}");
        assert_eq!(LOAD_OPEN.get(r.rd(STATUS)), 0);
        r.cmd(OP_START);
        assert_eq!(r.take_err(), ERR_CONFIG, "START shift {shift} ns {ns}");
        assert_eq!(TRACKING.get(r.rd(STATUS)), 0);
    }
    // Limits that do fit: exactly CAPACITY granules, and the largest shift.
    for (shift, ns) in [(0, 256), (1, 512), (1, 511), (48, 256 << 48)] {
        let mut r = Rig::new(CAP);
        r.configure(METHOD_NAIVE, shift, ns);
        r.cmd(OP_START);
        assert_eq!(r.err(), 0, "shift {shift} ns {ns}");
        assert_eq!(r.rd(NS_GRANULES), 256);
    }
}

#[test]
fn copy_read_above_cursor_marks_the_jumped_granules() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_CURSOR, &[]);
    r.set_plan(10, 100);
    r.cr(10, 10); // CURSOR = 20
    r.cr(30, 10); // jumps 20..30
    assert_eq!(r.take_err(), ERR_CURSOR_GAP);
    assert_eq!(r.active(), g(&[20..30]));
    assert_eq!(r.bits_set(), 10);
    assert_eq!(r.rd(CURSOR), 40);
    r.uw(25, 1); // already marked, not skipped
    r.uw(45, 1); // ahead of the cursor: skipped
    assert_eq!((r.bits_set(), r.bits_skipped()), (10, 1));
    r.cr(40, 5); // contiguous: no gap
    assert_eq!(r.err(), 0);
    assert_eq!(r.rd(CURSOR), 45);
    r.cr(150, 1); // beyond the plan: the rest of the window [45, 100) was jumped
    assert_eq!(r.err(), ERR_CURSOR_GAP);
    assert_eq!(r.active(), g(&[20..30, 45..100]));
    assert_eq!(r.bits_set(), 65);
}

#[test]
fn mark_dirty_sets_the_active_range_and_flags_bad_ranges() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_BITMAP, &[0..64]);
    r.mark(0, 10); // planned granules: mark-dirty never skips
    assert_eq!(r.err(), 0);
    assert_eq!(
        (r.active_count(), r.bits_skipped(), r.bits_set()),
        (10, 0, 10)
    );
    r.mark(50, 40); // MARK_FIRST > MARK_END
    assert_eq!(r.take_err(), ERR_MARK_RANGE);
    assert_eq!(r.active_count(), 10);
    r.mark(190, 210); // crosses the namespace end: 190..200 marked
    assert_eq!(r.take_err(), ERR_MARK_RANGE);
    r.mark(60, 70); // across a word boundary
    r.mark(5, 5); // empty
    assert_eq!(r.err(), 0);
    assert_eq!(r.active(), g(&[0..10, 60..70, 190..200]));
    assert_eq!(r.bits_set(), 30);
    assert_eq!(r.passive(), g(&[0..64]));
}

#[test]
fn err_is_write_one_to_clear() {
    let mut r = Rig::new(CAP);
    r.start200(METHOD_NAIVE, &[]);
    r.uw(300, 1);
    r.cmd(OP_LOAD);
    assert_eq!(r.err(), ERR_LBA_RANGE | ERR_CMD_STATE);
    r.wr(ERR, 0);
    assert_eq!(r.err(), ERR_LBA_RANGE | ERR_CMD_STATE);
    r.wr(ERR, ERR_LBA_RANGE);
    assert_eq!(r.err(), ERR_CMD_STATE);
    r.wr(ERR, ERR_LBA_RANGE);
    assert_eq!(r.err(), ERR_CMD_STATE);
    r.uw(300, 1); // sticky flags are raised again by a new event
    assert_eq!(r.err(), ERR_LBA_RANGE | ERR_CMD_STATE);
    r.wr(ERR, u32::MAX);
    assert_eq!(r.err(), 0);
}

#[test]
fn irq_follows_status_and_enable() {
    let mut r = Rig::new(CAP);
    assert!(!r.t.irq());
    assert_eq!(r.rd(IRQ_STATUS), 0);
    r.t.load_word(1); // ERR_LOAD
    assert_eq!(r.rd(IRQ_STATUS), IRQ_ERROR);
    assert!(!r.t.irq(), "IRQ_ENABLE is 0");
    r.wr(IRQ_ENABLE, IRQ_ERROR);
    assert_eq!(r.rd(IRQ_ENABLE), IRQ_ERROR);
    assert!(r.t.irq());
    r.wr(IRQ_ENABLE, IRQ_SWAP_DONE);
    assert!(!r.t.irq(), "a disabled cause does not drive the line");
    r.wr(IRQ_STATUS, IRQ_ERROR);
    assert_eq!(r.rd(IRQ_STATUS), 0);
    assert_eq!(r.err(), ERR_LOAD, "clearing IRQ_STATUS leaves ERR alone");
    r.wr(ERR, u32::MAX);

    r.start200(METHOD_NAIVE, &[0..10]);
    assert_eq!(r.rd(IRQ_STATUS), 0, "LOAD and START raise no cause");
    assert!(!r.t.irq());
    r.swap();
    assert_eq!(r.rd(IRQ_STATUS) & IRQ_SWAP_DONE, IRQ_SWAP_DONE);
    assert!(r.t.irq());
    r.wr(IRQ_STATUS, IRQ_SWAP_DONE);
    assert!(!r.t.irq());

    r.wr(IRQ_ENABLE, IRQ_QUERY_DONE | IRQ_CLEAR_DONE);
    r.wr(IRQ_STATUS, u32::MAX);
    r.passive();
    assert_eq!(r.rd(IRQ_STATUS), IRQ_QUERY_DONE);
    assert!(r.t.irq());
    r.wr(IRQ_STATUS, IRQ_QUERY_DONE);
    assert!(!r.t.irq());
    r.release();
    assert_eq!(r.rd(IRQ_STATUS), IRQ_CLEAR_DONE);
    assert!(r.t.irq());
    r.wr(IRQ_STATUS, u32::MAX);
    assert!(!r.t.irq());

    r.wr(IRQ_ENABLE, IRQ_ERROR);
    r.uw(500, 1);
    assert_eq!(r.rd(IRQ_STATUS), IRQ_ERROR);
    assert!(r.t.irq());
}

#[test]
fn snoops_while_not_tracking_are_ignored() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_BITMAP, 0, NS);
    r.load(&[u64::MAX, 0, 0, 0]);
    // Loaded but not started: nothing is seen, nothing drained, no error even for bad input.
    r.uw(0, 10);
    r.cr(0, 64);
    r.uw(500, 1);
    r.t.copy_read(Snoop::new(u64::MAX, 5));
    assert_eq!(r.err(), 0);
    assert_eq!(r.all_counters(), [0; 5]);
    assert_eq!(r.passive_count(), 64);
    assert_eq!(r.active_count(), 0);
    r.cmd(OP_START);
    assert_eq!(r.passive(), g(&[0..64]));
    assert_eq!(r.active(), Vec::<u64>::new());

    r.uw(100, 1);
    assert_eq!(r.writes_seen(), 1);
    r.stop();
    r.uw(100, 1);
    r.cr(0, 1);
    r.uw(999, 1);
    assert_eq!(r.err(), 0);
    assert_eq!(r.all_counters(), [1, 1, 0, 0, 0]);
    assert_eq!((r.active_count(), r.passive_count()), (0, 0));
}

/// OP_START promises "a clean active buffer". Granules beyond a namespace latched by START
/// but inside a larger one latched by an earlier LOAD are never cleared by the clear engine
/// (it wipes only the latched namespace's words), so they resurface in a later session.
/// A START whose geometry differs from the loaded BMP's is refused: the BMP would
/// describe another namespace, and bits beyond a smaller one would leak into later sessions.
#[test]
fn start_must_match_the_loaded_geometry() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_NAIVE, 0, 128);
    r.load(&[0, 1 << 5]); // granule 69
    assert_eq!(r.err(), 0);
    r.configure(METHOD_NAIVE, 0, 64);
    r.cmd(OP_START);
    assert_eq!(r.take_err(), ERR_CONFIG);
    assert_eq!(
        TRACKING.get(r.rd(STATUS)),
        0,
        "a refused START must not start"
    );
    r.configure(METHOD_NAIVE, 0, 128);
    r.cmd(OP_START);
    assert_eq!(r.err(), 0);
    assert_eq!(r.passive(), vec![69]);
    r.stop();
    // A new session without a LOAD begins with both buffers clean.
    r.cmd(OP_START);
    assert_eq!(r.err(), 0);
    assert_eq!((r.active_count(), r.passive_count()), (0, 0));
    assert_eq!(
        r.active(),
        Vec::<u64>::new(),
        "START must begin with a clean active buffer"
    );
    assert_eq!(r.passive(), Vec::<u64>::new(), "STOP clears both buffers");
}

/// A second LOAD for a smaller namespace leaves nothing of the first one behind.
#[test]
fn load_clears_what_an_earlier_larger_load_left() {
    let mut r = Rig::new(CAP);
    r.configure(METHOD_NAIVE, 0, 128);
    r.load(&[0, 1 << 5]); // granule 69
    r.configure(METHOD_NAIVE, 0, 64);
    r.load(&[1]);
    r.cmd(OP_START);
    assert_eq!(r.err(), 0);
    assert_eq!(r.passive_count(), 1);
    r.swap();
    r.stop();
    r.configure(METHOD_NAIVE, 0, 128);
    r.cmd(OP_START);
    assert_eq!(r.err(), 0);
    assert_eq!(r.active(), Vec::<u64>::new());
    assert_eq!(r.passive(), Vec::<u64>::new());
}
