//! The range mask against a bit-by-bit reference, over every (lo, hi) pair.

use crate::check::{settle, synthesizes};
use lmsnoop_hdl::tracker::range_mask::RangeMask;
use rust_hdl::prelude::*;

/// Bit by bit, the way the golden model reads a range.
fn reference(lo: u64, hi: u64) -> u64 {
    (0..64)
        .filter(|&i| lo <= i && i <= hi)
        .fold(0, |m, i| m | 1 << i)
}

#[test]
fn range_mask_matches_every_pair() {
    let mut m = RangeMask::default();
    m.connect_all();
    for lo in 0..64u64 {
        for hi in 0..64u64 {
            m.lo.next = lo.to_bits();
            m.hi.next = hi.to_bits();
            settle(&mut m);
            assert_eq!(m.mask.val().to_u64(), reference(lo, hi), "lo {lo} hi {hi}");
        }
    }
}

#[test]
fn range_mask_synthesizes() {
    let mut m = RangeMask::default();
    m.connect_all();
    synthesizes(&m, "range_mask");
}
