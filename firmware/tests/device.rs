//! Tests of the device firmware over the golden tracker: every host command refused with
//! the right status in the wrong state, bad geometry, a full protocol round per method and
//! the probe of the ID register.
//!
//! Expected values are derived by hand from DESIGN.md. Unless a test says otherwise the
//! namespace is 800 LBAs in granules of 4 LBAs (200 granules) on a 256-granule tracker,
//! with LBAs [0, 40) and [398, 402) mapped: BMP = granules 0..10, 99 and 100.

#![allow(clippy::single_range_in_vec_init)] // granule sets are written as lists of ranges

use lmsnoop_firmware::{Device, Status, TrackingConfig};
use lmsnoop_regs::*;
use lmsnoop_sim::GoldenTracker;
use std::ops::Range;

const CAP: u64 = 256;
const MAPPED: [(u64, u64); 2] = [(0, 40), (398, 4)];

fn cfg(method: Method) -> TrackingConfig {
    TrackingConfig {
        method,
        granule_shift: 2,
        namespace_lbas: 800,
    }
}

fn device() -> Device<GoldenTracker> {
    match Device::new(GoldenTracker::new(CAP)) {
        Ok(d) => d,
        Err(e) => panic!("golden tracker refused: {e}"),
    }
}

/// A device tracking with `method` on the usual geometry and BMP.
fn started(method: Method) -> Device<GoldenTracker> {
    let mut d = device();
    d.start_tracking(cfg(method), &MAPPED)
        .expect("StartTracking");
    d
}

fn ones(b: &Bitmap) -> Vec<u64> {
    b.iter_ones().collect()
}

fn g(ranges: &[Range<u64>]) -> Vec<u64> {
    ranges.iter().flat_map(|r| r.clone()).collect()
}

/// User write of `count` LBAs at `slba`, fed at completion.
fn uw(d: &mut Device<GoldenTracker>, slba: u64, count: u32) {
    d.port_mut().user_write(Snoop::blocks(slba, count));
}

/// Copy read of `count` LBAs at `slba`, fed at submission.
fn cr(d: &mut Device<GoldenTracker>, slba: u64, count: u32) {
    d.port_mut().copy_read(Snoop::blocks(slba, count));
}

fn is_sequence<T>(r: Result<T, Status>) -> bool {
    matches!(r, Err(Status::CommandSequence(_)))
}

fn is_invalid<T>(r: Result<T, Status>) -> bool {
    matches!(r, Err(Status::InvalidField(_)))
}

/// The hardware saw no command error and is in the expected tracking state.
fn assert_hw_clean(d: &mut Device<GoldenTracker>, tracking: bool) {
    assert_eq!(d.port_mut().csr_read(ERR), 0, "hardware error flags");
    assert_eq!(
        TRACKING.get(d.port_mut().csr_read(STATUS)),
        tracking as u32,
        "hardware tracking state"
    );
}

// ---------------------------------------------------------------------------------------
// Probe
// ---------------------------------------------------------------------------------------

/// A port whose ID register reads a chosen value; everything else is the golden model.
struct WrongId {
    inner: GoldenTracker,
    id: u32,
}

impl TrackerPort for WrongId {
    fn backend(&self) -> &'static str {
        "wrong-id"
    }
    fn csr_read(&mut self, addr: u32) -> u32 {
        if addr == ID {
            self.id
        } else {
            self.inner.csr_read(addr)
        }
    }
    fn csr_write(&mut self, addr: u32, value: u32) {
        self.inner.csr_write(addr, value)
    }
    fn user_write(&mut self, op: Snoop) {
        self.inner.user_write(op)
    }
    fn copy_read(&mut self, op: Snoop) {
        self.inner.copy_read(op)
    }
    fn load_word(&mut self, word: u64) {
        self.inner.load_word(word)
    }
    fn query_word(&mut self) -> Option<QueryBeat> {
        self.inner.query_word()
    }
    fn irq(&mut self) -> bool {
        self.inner.irq()
    }
    fn reset(&mut self) {
        self.inner.reset()
    }
}

fn probe(id: u32) -> Result<Device<WrongId>, Status> {
    Device::new(WrongId {
        inner: GoldenTracker::new(CAP),
        id,
    })
}

#[test]
fn new_reads_the_capacity_of_the_golden_tracker() {
    let d = device();
    assert_eq!(d.capacity(), CAP);
    assert_eq!(d.config(), None);
    let d = match Device::new(GoldenTracker::new(100)) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        d.capacity(),
        128,
        "capacity rounded up to whole words by the block"
    );
}

#[test]
fn new_refuses_a_port_with_a_wrong_id() {
    let magic = ID_MAGIC.put(0, ID_MAGIC_VALUE);
    let wrong = [
        0,                                                  // nothing there
        u32::MAX,                                           // floating bus
        ID_MAGIC.put(ID_VALUE, 0x4C4E),                     // another block
        ID_MAGIC.put(ID_VALUE, 0x4D4C),                     // byte-swapped magic
        ID_MAJOR.put(ID_VALUE, VERSION_MAJOR + 1),          // incompatible newer map
        ID_MAJOR.put(magic, VERSION_MAJOR.wrapping_sub(1)), // older major
    ];
    for id in wrong {
        assert!(
            matches!(probe(id), Err(Status::Unsupported(_))),
            "ID {id:#010x} accepted"
        );
    }
    // A newer minor version is compatible.
    assert!(probe(ID_MINOR.put(ID_VALUE, VERSION_MINOR + 1)).is_ok());
    assert!(probe(ID_VALUE).is_ok());
}

// ---------------------------------------------------------------------------------------
// Commands in the wrong state
// ---------------------------------------------------------------------------------------

#[test]
fn every_command_is_refused_before_start_tracking() {
    let mut d = device();
    assert!(is_sequence(d.query_bdp()), "QueryBdp");
    assert!(is_sequence(d.query_bmp()), "QueryBmp");
    assert!(is_sequence(d.swap_bdp()), "SwapBdp");
    assert!(is_sequence(d.release_bdp()), "ReleaseBdp");
    assert!(is_sequence(d.set_plan(0, 10)), "SetPlan");
    assert!(is_sequence(d.mark_dirty(0, 10)), "MarkDirty");
    assert!(is_sequence(d.read_active()), "read_active");
    assert!(is_sequence(d.stop_tracking()), "StopTracking");
    // Refused by the firmware: the hardware never saw them.
    assert_hw_clean(&mut d, false);
    // GetStatus is always allowed.
    let s = d.get_status().expect("GetStatus while stopped");
    assert!(!s.tracking);
    assert_eq!(s.errors, 0);
}

#[test]
fn swap_bdp_is_refused_after_stop_tracking() {
    let mut d = started(Method::Naive);
    d.stop_tracking().expect("StopTracking");
    assert!(is_sequence(d.swap_bdp()));
    assert!(is_sequence(d.query_bdp()));
    assert!(is_sequence(d.stop_tracking()));
    assert_hw_clean(&mut d, false);
    assert_eq!(d.config(), None);
}

#[test]
fn query_bmp_is_refused_after_a_swap() {
    let mut d = started(Method::Naive);
    assert_eq!(d.swap_bdp(), Ok(0));
    assert!(is_sequence(d.query_bmp()));
    assert_hw_clean(&mut d, true);
    // The BDP is still there to query.
    assert_eq!(ones(&d.query_bdp().expect("QueryBdp")), Vec::<u64>::new());
}

#[test]
fn query_bdp_is_refused_before_the_first_swap() {
    let mut d = started(Method::Bitmap);
    assert!(is_sequence(d.query_bdp()));
    assert_hw_clean(&mut d, true);
    // The BMP is still there to query.
    assert_eq!(
        ones(&d.query_bmp().expect("QueryBmp")),
        g(&[0..10, 99..101])
    );
}

#[test]
fn release_bdp_is_refused_before_a_query() {
    let mut d = started(Method::Naive);
    assert!(is_sequence(d.release_bdp()), "before QueryBmp");
    // The refusal did not clear the plan.
    assert_eq!(d.get_status().unwrap().passive_count, 12);
    d.query_bmp().unwrap();
    d.release_bdp().expect("ReleaseBdp after QueryBmp");
    uw(&mut d, 40, 1); // granule 10
    assert_eq!(d.swap_bdp(), Ok(1));
    assert!(
        is_sequence(d.release_bdp()),
        "after a swap, before QueryBdp"
    );
    assert_eq!(d.get_status().unwrap().passive_count, 1);
    assert_eq!(ones(&d.query_bdp().unwrap()), vec![10]);
    d.release_bdp().expect("ReleaseBdp after QueryBdp");
    assert_eq!(d.get_status().unwrap().passive_count, 0);
    assert_hw_clean(&mut d, true);
}

#[test]
fn query_after_release_is_refused_except_in_bitmap() {
    for method in [Method::Naive, Method::Cursor, Method::Clear] {
        let mut d = started(method);
        d.query_bmp().unwrap();
        d.release_bdp().unwrap();
        assert!(
            is_sequence(d.query_bmp()),
            "{method}: QueryBmp after release"
        );
        uw(&mut d, 100, 4); // granule 25
        assert_eq!(d.swap_bdp(), Ok(1), "{method}");
        assert_eq!(ones(&d.query_bdp().unwrap()), vec![25], "{method}");
        d.release_bdp().unwrap();
        assert!(
            is_sequence(d.query_bdp()),
            "{method}: QueryBdp after release"
        );
        assert_hw_clean(&mut d, true);
    }

    // Bitmap: the passive buffer is the plan the copy reads drain; a query after the
    // release returns what is left to copy.
    let mut d = started(Method::Bitmap);
    d.query_bmp().unwrap();
    d.release_bdp().unwrap();
    assert_eq!(ones(&d.query_bmp().unwrap()), g(&[0..10, 99..101]));
    cr(&mut d, 0, 20); // granules 0..5
    assert_eq!(ones(&d.query_bmp().unwrap()), g(&[5..10, 99..101]));
    uw(&mut d, 100, 4); // granule 25
    assert_eq!(
        d.swap_bdp(),
        Ok(1 + 7),
        "granule 25 and the residual 5..10, 99, 100"
    );
    assert_eq!(ones(&d.query_bdp().unwrap()), g(&[5..10, 25..26, 99..101]));
    d.release_bdp().unwrap();
    assert_eq!(ones(&d.query_bdp().unwrap()), g(&[5..10, 25..26, 99..101]));
    assert_hw_clean(&mut d, true);
}

#[test]
fn start_tracking_twice_is_refused() {
    let mut d = started(Method::Cursor);
    uw(&mut d, 0, 4);
    let again = TrackingConfig {
        method: Method::Naive,
        granule_shift: 0,
        namespace_lbas: 100,
    };
    assert!(is_sequence(d.start_tracking(again, &[])));
    assert!(is_sequence(d.start_tracking(cfg(Method::Cursor), &MAPPED)));
    // The running session is untouched: same config, counters not zeroed.
    assert_eq!(d.config(), Some(cfg(Method::Cursor)));
    assert_hw_clean(&mut d, true);
    let s = d.get_status().unwrap();
    assert_eq!((s.writes_seen, s.bits_set, s.active_count), (1, 1, 1));
    assert_eq!(
        LATCHED_METHOD.get(d.port_mut().csr_read(STATUS)),
        METHOD_CURSOR
    );
}

#[test]
fn set_plan_needs_the_cursor_method_and_a_plan_inside_the_namespace() {
    for method in [Method::Naive, Method::Bitmap, Method::Clear] {
        let mut d = started(method);
        assert!(is_invalid(d.set_plan(0, 10)), "{method}");
        assert_hw_clean(&mut d, true);
    }
    let mut d = started(Method::Cursor);
    assert!(is_invalid(d.set_plan(20, 10)), "start > end");
    assert!(
        is_invalid(d.set_plan(0, 201)),
        "end beyond the 200 granules"
    );
    assert_hw_clean(&mut d, true);
    d.set_plan(50, 60).expect("a window");
    assert_eq!(d.get_status().unwrap().cursor, 50);
    uw(&mut d, 200, 8); // granules 50, 51: skipped
    uw(&mut d, 240, 4); // granule 60: marked
    let s = d.get_status().unwrap();
    assert_eq!((s.bits_skipped, s.bits_set, s.active_count), (2, 1, 1));
    // The whole namespace is a valid plan; the abandoned window [50, 60) is carried.
    d.set_plan(0, 200).expect("the whole namespace");
    let s = d.get_status().unwrap();
    assert_eq!((s.cursor, s.active_count, s.errors), (0, 11, 0));
}

#[test]
fn mark_dirty_range_outside_the_namespace_is_refused() {
    let mut d = started(Method::Naive);
    assert!(is_invalid(d.mark_dirty(10, 5)));
    assert!(is_invalid(d.mark_dirty(190, 201)));
    assert_hw_clean(&mut d, true);
    assert_eq!(d.get_status().unwrap().active_count, 0);
    d.mark_dirty(190, 200).expect("up to the namespace end");
    d.mark_dirty(7, 7).expect("empty range");
    assert_eq!(d.get_status().unwrap().active_count, 10);
}

#[test]
fn bad_geometry_is_refused_before_the_hardware_sees_it() {
    let bad: [(TrackingConfig, &[(u64, u64)]); 7] = [
        // 1028 LBAs in granules of 4: 257 granules on a 256-granule tracker.
        (
            TrackingConfig {
                method: Method::Naive,
                granule_shift: 2,
                namespace_lbas: 1028,
            },
            &[],
        ),
        (
            TrackingConfig {
                method: Method::Bitmap,
                granule_shift: 0,
                namespace_lbas: 1 << 40,
            },
            &[],
        ),
        // A granule shift above 48.
        (
            TrackingConfig {
                method: Method::Naive,
                granule_shift: 49,
                namespace_lbas: 800,
            },
            &[],
        ),
        // No namespace.
        (
            TrackingConfig {
                method: Method::Naive,
                granule_shift: 2,
                namespace_lbas: 0,
            },
            &[],
        ),
        // Mapped ranges outside the namespace: past its end, empty, wrapping.
        (cfg(Method::Bitmap), &[(0, 40), (790, 11)]),
        (cfg(Method::Bitmap), &[(100, 0)]),
        (cfg(Method::Bitmap), &[(u64::MAX, 2)]),
    ];
    let mut d = device();
    for (i, (c, mapped)) in bad.iter().enumerate() {
        assert!(
            is_invalid(d.start_tracking(*c, mapped)),
            "case {i}: {c:?} {mapped:?}"
        );
        assert_eq!(d.config(), None, "case {i}");
        assert!(is_sequence(d.swap_bdp()), "case {i}: no session");
        assert_hw_clean(&mut d, false);
        assert_eq!(LOAD_OPEN.get(d.port_mut().csr_read(STATUS)), 0, "case {i}");
    }
    // Limits that fit: exactly the capacity, a range ending at the namespace end, shift 48.
    let edge = [
        (
            TrackingConfig {
                method: Method::Naive,
                granule_shift: 2,
                namespace_lbas: 1024,
            },
            vec![(1020, 4)],
            vec![255],
        ),
        (cfg(Method::Bitmap), vec![(790, 10)], vec![197, 198, 199]),
        (
            TrackingConfig {
                method: Method::Clear,
                granule_shift: 48,
                namespace_lbas: u64::MAX,
            },
            vec![(u64::MAX - 1, 1)],
            vec![65535],
        ),
    ];
    for (c, mapped, bmp) in edge {
        let cap = c.granules().max(CAP);
        let mut d = match Device::new(GoldenTracker::new(cap)) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        d.start_tracking(c, &mapped).expect("geometry at the limit");
        assert_eq!(ones(&d.query_bmp().unwrap()), bmp, "{c:?}");
    }
}

#[test]
fn hardware_refusals_surface_as_hardware_status_and_are_cleared() {
    let mut d = started(Method::Naive);
    // Someone opens a query behind the firmware's back: the block refuses the swap.
    d.port_mut().csr_write(CMD, OPCODE.put(0, OP_QUERY));
    assert_eq!(d.swap_bdp(), Err(Status::Hardware(ERR_STREAM_BUSY)));
    assert_eq!(
        d.port_mut().csr_read(ERR),
        0,
        "command flags are cleared by the firmware"
    );
    let words: Vec<u64> = std::iter::from_fn(|| d.port_mut().query_word())
        .map(|b| b.data)
        .collect();
    assert_eq!(words, vec![0x3FF, 1 << 35 | 1 << 36, 0, 0]);
    // The refused swap did not change the firmware's protocol state.
    assert!(is_sequence(d.query_bdp()));
    assert_eq!(ones(&d.query_bmp().unwrap()), g(&[0..10, 99..101]));
    assert_eq!(d.swap_bdp(), Ok(0));
    assert_eq!(d.get_status().unwrap().errors, 0);
}

// ---------------------------------------------------------------------------------------
// Full protocol rounds
// ---------------------------------------------------------------------------------------

#[test]
fn full_protocol_round_naive() {
    let mut d = device();
    d.start_tracking(cfg(Method::Naive), &MAPPED).unwrap();
    assert_eq!(d.config(), Some(cfg(Method::Naive)));
    let bmp = d.query_bmp().unwrap();
    assert_eq!(bmp.len(), 200);
    assert_eq!(
        ones(&bmp),
        g(&[0..10, 99..101]),
        "QueryBmp = the mapped granules"
    );
    d.release_bdp().unwrap();
    let s = d.get_status().unwrap();
    assert!(s.tracking);
    assert_eq!((s.active_count, s.passive_count), (0, 0));

    uw(&mut d, 4, 1); // granule 1
    uw(&mut d, 100, 8); // granules 25, 26
    uw(&mut d, 796, 4); // granule 199, the last
    cr(&mut d, 0, 40); // the pass copies the plan: no effect in naive
    cr(&mut d, 396, 8);
    let s = d.get_status().unwrap();
    assert_eq!(s.writes_seen, 3);
    assert_eq!(s.bits_set, 4);
    assert_eq!(s.bits_skipped, 0);
    assert_eq!(s.copy_reads_seen, 2);
    assert_eq!(s.bits_cleared, 0);
    assert_eq!((s.active_count, s.passive_count), (4, 0));
    assert_eq!(s.errors, 0);

    assert_eq!(d.swap_bdp(), Ok(4));
    assert_eq!(ones(&d.query_bdp().unwrap()), vec![1, 25, 26, 199]);
    d.release_bdp().unwrap();

    d.mark_dirty(7, 9).unwrap(); // a failed target write of granules 7, 8
    uw(&mut d, 800, 1); // beyond the namespace: a sticky snoop error
    d.mark_dirty(9, 10)
        .expect("a snoop error does not fail a later command");
    let s = d.get_status().unwrap();
    assert_eq!(s.errors, ERR_LBA_RANGE);
    assert_eq!(s.writes_seen, 4);
    assert_eq!(s.bits_set, 4 + 3);
    assert_eq!((s.active_count, s.passive_count), (3, 0));
    assert_eq!(
        d.get_status().unwrap().errors,
        0,
        "GetStatus cleared the flags"
    );
    assert_eq!(d.port_mut().csr_read(ERR), 0);

    assert_eq!(d.swap_bdp(), Ok(3));
    assert_eq!(ones(&d.query_bdp().unwrap()), vec![7, 8, 9]);
    d.stop_tracking().unwrap();
    assert!(!d.get_status().unwrap().tracking);
    assert_eq!(d.config(), None);
    assert!(is_sequence(d.query_bdp()));

    // A new session starts from zero.
    d.start_tracking(cfg(Method::Naive), &[(8, 4)]).unwrap();
    let s = d.get_status().unwrap();
    assert_eq!(
        (s.writes_seen, s.bits_set, s.active_count, s.passive_count),
        (0, 0, 0, 1)
    );
    assert_eq!(ones(&d.query_bmp().unwrap()), vec![2]);
}

#[test]
fn full_protocol_round_bitmap() {
    let mut d = started(Method::Bitmap);
    assert_eq!(ones(&d.query_bmp().unwrap()), g(&[0..10, 99..101]));
    d.release_bdp().unwrap();
    assert_eq!(
        d.get_status().unwrap().passive_count,
        12,
        "release keeps the plan"
    );

    uw(&mut d, 4, 1); // granule 1: planned, skipped
    uw(&mut d, 100, 8); // granules 25, 26
    uw(&mut d, 796, 4); // granule 199
    cr(&mut d, 0, 40); // the pass copies granules 0..10
    uw(&mut d, 20, 1); // granule 5: copied already, marked
    let s = d.get_status().unwrap();
    assert_eq!(s.writes_seen, 4);
    assert_eq!(s.bits_set, 4);
    assert_eq!(s.bits_skipped, 1);
    assert_eq!(s.copy_reads_seen, 1);
    assert_eq!(s.bits_cleared, 10);
    assert_eq!((s.active_count, s.passive_count), (4, 2));
    assert_eq!(s.errors, 0);
    assert!(is_sequence(d.query_bdp()), "no swap yet");

    // 99 and 100 were never copied: the swap keeps them planned.
    assert_eq!(d.swap_bdp(), Ok(6));
    assert_eq!(ones(&d.query_bdp().unwrap()), vec![5, 25, 26, 99, 100, 199]);
    d.release_bdp().unwrap();
    cr(&mut d, 396, 8); // granules 99, 100
    assert_eq!(
        ones(&d.query_bdp().unwrap()),
        vec![5, 25, 26, 199],
        "a query mid-pass returns what is left to copy"
    );
    let s = d.get_status().unwrap();
    assert_eq!(
        (s.active_count, s.passive_count, s.bits_cleared),
        (0, 4, 12)
    );
    d.stop_tracking().unwrap();
    let s = d.get_status().unwrap();
    assert!(!s.tracking);
    assert_eq!((s.active_count, s.passive_count), (0, 0));
}

#[test]
fn full_protocol_round_cursor() {
    let mut d = started(Method::Cursor);
    let plan = d.query_bmp().unwrap();
    d.release_bdp().unwrap();
    assert_eq!(ones(&plan), g(&[0..10, 99..101]));
    d.set_plan(0, 10).unwrap();
    cr(&mut d, 0, 20); // granules 0..5: CURSOR = 5
    uw(&mut d, 4, 1); // granule 1: copied already, marked
    uw(&mut d, 32, 1); // granule 8: ahead of the cursor, skipped
    let s = d.get_status().unwrap();
    assert_eq!((s.cursor, s.bits_set, s.bits_skipped), (5, 1, 1));
    // The pass moves on to the next run before finishing this one: 5..10 is carried.
    d.set_plan(99, 101).unwrap();
    assert_eq!(d.get_status().unwrap().active_count, 6);
    cr(&mut d, 396, 8);
    assert_eq!(d.swap_bdp(), Ok(6));
    assert_eq!(ones(&d.query_bdp().unwrap()), g(&[1..2, 5..10]));
    assert_eq!(d.get_status().unwrap().errors, 0);
}

#[test]
fn get_status_reports_sticky_snoop_errors_once() {
    let mut d = started(Method::Cursor);
    d.set_plan(0, 100).unwrap();
    cr(&mut d, 0, 40); // granules 0..10: CURSOR = 10
    cr(&mut d, 80, 4); // granule 20: jumps 10..20
    d.port_mut().user_write(Snoop::new(u64::MAX, 1)); // wraps
    uw(&mut d, 1000, 1); // beyond the namespace
    d.mark_dirty(0, 1)
        .expect("snoop flags do not fail commands");
    let s = d.get_status().unwrap();
    assert_eq!(s.errors, ERR_CURSOR_GAP | ERR_LBA_WRAP | ERR_LBA_RANGE);
    assert_eq!(s.cursor, 21);
    assert_eq!(
        s.active_count, 11,
        "jumped granules 10..20 and the marked granule 0"
    );
    assert_eq!(d.get_status().unwrap().errors, 0);
    assert_eq!(d.take_errors(), 0);
    uw(&mut d, 1000, 1);
    assert_eq!(d.take_errors(), ERR_LBA_RANGE);
    assert_eq!(d.get_status().unwrap().errors, 0);
}

/// A firmware reboot mid-pass: the session comes back from the registers (geometry and
/// method), the bits the tracker holds are untouched, and the protocol goes on.
#[test]
fn a_restart_re_attaches_from_the_registers() {
    for method in Method::ALL {
        let mut d = started(method);
        d.query_bmp().expect("QueryBmp");
        d.release_bdp().expect("ReleaseBdp");
        uw(&mut d, 100, 8); // granules 25, 26
        let before = d.get_status().expect("GetStatus");
        d.restart().expect("re-attach");
        assert_eq!(d.config(), Some(cfg(method)), "{method}");
        let after = d.get_status().expect("GetStatus");
        assert_eq!(
            (after.active_count, after.writes_seen, after.bits_set),
            (before.active_count, before.writes_seen, before.bits_set),
            "{method}: the tracker's state survives"
        );
        assert!(is_sequence(d.query_bmp()), "{method}: the BMP may be gone");
        d.mark_dirty(40, 42).expect("MarkDirty after the restart");
        d.swap_bdp().expect("SwapBdp after the restart");
        let plan = d.query_bdp().expect("QueryBdp");
        let want = if method == Method::Bitmap {
            // Nothing of the BMP was copied: it stays planned (residual bits fold in).
            g(&[0..10, 25..27, 40..42, 99..101])
        } else {
            g(&[25..27, 40..42])
        };
        assert_eq!(ones(&plan), want, "{method}");
        d.release_bdp().expect("ReleaseBdp");
        d.stop_tracking().expect("StopTracking");
    }
}

#[test]
fn a_restart_of_a_stopped_device_finds_no_session() {
    let mut d = device();
    d.restart().expect("re-attach");
    assert_eq!(d.config(), None);
    assert!(is_sequence(d.swap_bdp()));
    d.start_tracking(cfg(Method::Clear), &MAPPED)
        .expect("StartTracking");
}

/// CONFIG is read back, and checked against what the tracker latched at START: one
/// rewritten since is refused, not trusted.
#[test]
fn a_restart_refuses_registers_that_disagree() {
    let mut d = started(Method::Cursor);
    d.port_mut()
        .csr_write(CONFIG, METHOD.put(0, Method::Naive.code()) | (2 << 8));
    match d.restart() {
        Err(Status::Unsupported(why)) => assert!(why.contains("cannot re-attach"), "{why}"),
        other => panic!("re-attached over disagreeing registers: {other:?}"),
    }
}

/// A tracker reset under a running session is noticed at the firmware's next command,
/// which fails with StateLost and drops the session, so tracking can start again.
#[test]
fn a_tracker_reset_is_noticed_at_the_next_command() {
    type Cmd = fn(&mut Device<GoldenTracker>) -> Result<(), Status>;
    let commands: [(&str, Cmd); 5] = [
        ("GetStatus", |d| d.get_status().map(drop)),
        ("SwapBdp", |d| d.swap_bdp().map(drop)),
        ("MarkDirty", |d| d.mark_dirty(0, 1)),
        ("QueryBmp", |d| d.query_bmp().map(drop)),
        ("StopTracking", |d| d.stop_tracking()),
    ];
    for (name, command) in commands {
        let mut d = started(Method::Bitmap);
        uw(&mut d, 100, 8);
        d.port_mut().reset();
        assert_eq!(command(&mut d), Err(Status::StateLost), "{name}");
        assert_eq!(d.config(), None, "{name}: the session is dropped");
        d.start_tracking(cfg(Method::Bitmap), &MAPPED)
            .unwrap_or_else(|e| panic!("{name}: StartTracking after the reset: {e}"));
        assert_eq!(
            ones(&d.query_bmp().unwrap()),
            g(&[0..10, 99..101]),
            "{name}"
        );
    }
}

/// The copy journal: a copy the server never acknowledged is marked dirty at failover,
/// an acknowledged one is not; `query_left` is the bitmap plan's undrained part.
#[test]
fn a_failover_marks_unacknowledged_copies_dirty() {
    let mut d = started(Method::Bitmap);
    d.query_bmp().expect("QueryBmp");
    d.release_bdp().expect("ReleaseBdp");
    // Two copy reads of the BMP (granules 0..10, 99, 100): 0..4 lands, 4..8 never does.
    for (seq, first) in [(7, 0), (8, 4)] {
        cr(&mut d, first * 4, 16);
        d.journal_copy(seq, first, 4);
    }
    d.acknowledge_copy(7);
    d.acknowledge_copy(99); // unknown: nothing happens
    assert_eq!(d.fail_over(), Ok(vec![(4, 8)]));
    assert_eq!(d.fail_over(), Ok(vec![]), "the journal is spent");
    let left = d.query_left().expect("QueryBmp in the middle of the pass");
    assert_eq!(
        ones(&left),
        g(&[8..10, 99..101]),
        "what the copy reads left"
    );
    d.swap_bdp().expect("SwapBdp");
    let plan = d.query_bdp().expect("QueryBdp");
    assert_eq!(
        ones(&plan),
        g(&[4..10, 99..101]),
        "in flight, and the residue"
    );
    let mut naive = started(Method::Naive);
    assert!(
        is_invalid(naive.query_left()),
        "naive keeps no plan to query"
    );
}
