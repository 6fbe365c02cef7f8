//! The range mask: which bits of a 64-granule word lie in `lo..=hi`.
//!
//! The range walker needs two per word, the operation's own range and the cursor window,
//! and both are this unit: the shape below was tuned once and is written once.

use rust_hdl::prelude::*;

/// Bits `lo..=hi` of a 64-bit word set, the rest clear; no bit when `lo > hi`.
///
/// Bit i = 8k + j is in the range when (k > lo/8 or k = lo/8 and j >= lo%8) and
/// (k < hi/8 or k = hi/8 and j <= hi%8): 48 byte- and bit-position terms, then one
/// 6-input function per bit, instead of two 64-bit barrel shifters ANDed.
#[derive(LogicBlock)]
pub struct RangeMask {
    pub lo: Signal<In, Bits<6>>,
    pub hi: Signal<In, Bits<6>>,
    pub mask: Signal<Out, Bits<64>>,
    /// Bytes above lo's byte, and lo's byte.
    gt: Signal<Local, Bits<64>>,
    eq: Signal<Local, Bits<64>>,
    /// Bits at or above lo%8 in every byte, built up from one byte.
    ge1: Signal<Local, Bits<64>>,
    ge2: Signal<Local, Bits<64>>,
    ge3: Signal<Local, Bits<64>>,
    ge: Signal<Local, Bits<64>>,
    /// Bytes below hi's byte, and hi's byte.
    lt: Signal<Local, Bits<64>>,
    eqh: Signal<Local, Bits<64>>,
    /// Bits at or below hi%8 in every byte.
    le1: Signal<Local, Bits<64>>,
    le2: Signal<Local, Bits<64>>,
    le3: Signal<Local, Bits<64>>,
    le: Signal<Local, Bits<64>>,
    ones: Constant<Bits<64>>,
    byte_ones: Constant<Bits<64>>,
    bit_top: Constant<Bits<3>>,
}

impl Default for RangeMask {
    fn default() -> Self {
        RangeMask {
            lo: Default::default(),
            hi: Default::default(),
            mask: Default::default(),
            gt: Default::default(),
            eq: Default::default(),
            ge1: Default::default(),
            ge2: Default::default(),
            ge3: Default::default(),
            ge: Default::default(),
            lt: Default::default(),
            eqh: Default::default(),
            le1: Default::default(),
            le2: Default::default(),
            le3: Default::default(),
            le: Default::default(),
            ones: Constant::new(u64::MAX.to_bits()),
            byte_ones: Constant::new(0xFFu64.to_bits()),
            bit_top: Constant::new(7u64.to_bits()),
        }
    }
}

impl Logic for RangeMask {
    #[hdl_gen]
    fn update(&mut self) {
        self.gt.next =
            (self.ones.val() << (bit_cast::<64, 3>(self.lo.val().get_bits::<3>(3)) << 3)) << 8;
        self.eq.next =
            self.byte_ones.val() << (bit_cast::<64, 3>(self.lo.val().get_bits::<3>(3)) << 3);
        self.ge1.next =
            (self.byte_ones.val() << self.lo.val().get_bits::<3>(0)) & self.byte_ones.val();
        self.ge2.next = self.ge1.val() | (self.ge1.val() << 8);
        self.ge3.next = self.ge2.val() | (self.ge2.val() << 16);
        self.ge.next = self.ge3.val() | (self.ge3.val() << 32);
        self.lt.next =
            !(self.ones.val() << (bit_cast::<64, 3>(self.hi.val().get_bits::<3>(3)) << 3));
        self.eqh.next =
            self.byte_ones.val() << (bit_cast::<64, 3>(self.hi.val().get_bits::<3>(3)) << 3);
        self.le1.next =
            self.byte_ones.val() >> (self.bit_top.val() - self.hi.val().get_bits::<3>(0));
        self.le2.next = self.le1.val() | (self.le1.val() << 8);
        self.le3.next = self.le2.val() | (self.le2.val() << 16);
        self.le.next = self.le3.val() | (self.le3.val() << 32);
        self.mask.next = (self.gt.val() | (self.eq.val() & self.ge.val()))
            & (self.lt.val() | (self.eqh.val() & self.le.val()));
    }
}
