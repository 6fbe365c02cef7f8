//! The five event counters software reads as LO/HI pairs (WRITES_SEEN, BITS_SET,
//! BITS_SKIPPED, COPY_READS_SEEN, BITS_CLEARED) and the HI latches that make a pair
//! consistent: the one owner of those registers.

use crate::regs;
use rust_hdl::prelude::*;

/// Counters of `regs::COUNTER_BITS` bits that wrap. The accept stage counts snoops, the
/// add stage (S4) adds a word's popcounts; START zeroes them. Reading a LO word latches
/// its HI word in the same cycle (`latch`, bit order of `regs::COUNTERS`), so a 32-bit
/// host reads a 48-bit value that no carry tore apart.
#[derive(LogicBlock)]
pub struct StatCounters {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: counters and latches to zero.
    pub reset: Signal<In, Bit>,
    /// START: the counters to zero (the latches keep what was read).
    pub zero: Signal<In, Bit>,
    /// A user write / a copy read entered the walker.
    pub write_seen: Signal<In, Bit>,
    pub copy_seen: Signal<In, Bit>,
    /// S4's word: its changed bits (`pc`) count as set or as cleared, its skipped bits
    /// (`skipc`) as skipped.
    pub set_en: Signal<In, Bit>,
    pub skipped_en: Signal<In, Bit>,
    pub cleared_en: Signal<In, Bit>,
    pub pc: Signal<In, Bits<7>>,
    pub skipc: Signal<In, Bits<7>>,
    /// Latch these counters' HI words (a read of their LO word is taken this cycle).
    pub latch: Signal<In, Bits<5>>,
    pub writes_lo: Signal<Out, Bits<32>>,
    pub writes_hi: Signal<Out, Bits<32>>,
    pub set_lo: Signal<Out, Bits<32>>,
    pub set_hi: Signal<Out, Bits<32>>,
    pub skipped_lo: Signal<Out, Bits<32>>,
    pub skipped_hi: Signal<Out, Bits<32>>,
    pub copies_lo: Signal<Out, Bits<32>>,
    pub copies_hi: Signal<Out, Bits<32>>,
    pub cleared_lo: Signal<Out, Bits<32>>,
    pub cleared_hi: Signal<Out, Bits<32>>,
    c_writes: DFF<Bits<64>>,
    c_set: DFF<Bits<64>>,
    c_skipped: DFF<Bits<64>>,
    c_copies: DFF<Bits<64>>,
    c_cleared: DFF<Bits<64>>,
    h_writes: DFF<Bits<32>>,
    h_set: DFF<Bits<32>>,
    h_skipped: DFF<Bits<32>>,
    h_copies: DFF<Bits<32>>,
    h_cleared: DFF<Bits<32>>,
    k_cmask: Constant<Bits<64>>,
}

impl Default for StatCounters {
    fn default() -> Self {
        StatCounters {
            clock: Default::default(),
            reset: Default::default(),
            zero: Default::default(),
            write_seen: Default::default(),
            copy_seen: Default::default(),
            set_en: Default::default(),
            skipped_en: Default::default(),
            cleared_en: Default::default(),
            pc: Default::default(),
            skipc: Default::default(),
            latch: Default::default(),
            writes_lo: Default::default(),
            writes_hi: Default::default(),
            set_lo: Default::default(),
            set_hi: Default::default(),
            skipped_lo: Default::default(),
            skipped_hi: Default::default(),
            copies_lo: Default::default(),
            copies_hi: Default::default(),
            cleared_lo: Default::default(),
            cleared_hi: Default::default(),
            c_writes: Default::default(),
            c_set: Default::default(),
            c_skipped: Default::default(),
            c_copies: Default::default(),
            c_cleared: Default::default(),
            h_writes: Default::default(),
            h_set: Default::default(),
            h_skipped: Default::default(),
            h_copies: Default::default(),
            h_cleared: Default::default(),
            k_cmask: Constant::new(((1u64 << regs::COUNTER_BITS) - 1).to_bits()),
        }
    }
}

impl Logic for StatCounters {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, c_writes, c_set, c_skipped, c_copies, c_cleared, h_writes, h_set,
            h_skipped, h_copies, h_cleared
        );
        self.writes_lo.next = self.c_writes.q.val().get_bits::<32>(0);
        self.writes_hi.next = self.h_writes.q.val();
        self.set_lo.next = self.c_set.q.val().get_bits::<32>(0);
        self.set_hi.next = self.h_set.q.val();
        self.skipped_lo.next = self.c_skipped.q.val().get_bits::<32>(0);
        self.skipped_hi.next = self.h_skipped.q.val();
        self.copies_lo.next = self.c_copies.q.val().get_bits::<32>(0);
        self.copies_hi.next = self.h_copies.q.val();
        self.cleared_lo.next = self.c_cleared.q.val().get_bits::<32>(0);
        self.cleared_hi.next = self.h_cleared.q.val();

        if self.write_seen.val() {
            self.c_writes.d.next = (self.c_writes.q.val() + 1) & self.k_cmask.val();
        }
        if self.copy_seen.val() {
            self.c_copies.d.next = (self.c_copies.q.val() + 1) & self.k_cmask.val();
        }
        if self.set_en.val() {
            self.c_set.d.next =
                (self.c_set.q.val() + bit_cast::<64, 7>(self.pc.val())) & self.k_cmask.val();
        }
        if self.skipped_en.val() {
            self.c_skipped.d.next =
                (self.c_skipped.q.val() + bit_cast::<64, 7>(self.skipc.val())) & self.k_cmask.val();
        }
        if self.cleared_en.val() {
            self.c_cleared.d.next =
                (self.c_cleared.q.val() + bit_cast::<64, 7>(self.pc.val())) & self.k_cmask.val();
        }
        if self.latch.val().get_bit(0) {
            self.h_writes.d.next = self.c_writes.q.val().get_bits::<32>(32);
        }
        if self.latch.val().get_bit(1) {
            self.h_set.d.next = self.c_set.q.val().get_bits::<32>(32);
        }
        if self.latch.val().get_bit(2) {
            self.h_skipped.d.next = self.c_skipped.q.val().get_bits::<32>(32);
        }
        if self.latch.val().get_bit(3) {
            self.h_copies.d.next = self.c_copies.q.val().get_bits::<32>(32);
        }
        if self.latch.val().get_bit(4) {
            self.h_cleared.d.next = self.c_cleared.q.val().get_bits::<32>(32);
        }
        // Flat and last, so that each zero becomes its flops' synchronous reset instead of
        // a gate behind every sum bit.
        if self.zero.val() | self.reset.val() {
            self.c_writes.d.next = 0u64.into();
            self.c_set.d.next = 0u64.into();
            self.c_skipped.d.next = 0u64.into();
            self.c_copies.d.next = 0u64.into();
            self.c_cleared.d.next = 0u64.into();
        }
        if self.reset.val() {
            self.h_writes.d.next = 0u64.into();
            self.h_set.d.next = 0u64.into();
            self.h_skipped.d.next = 0u64.into();
            self.h_copies.d.next = 0u64.into();
            self.h_cleared.d.next = 0u64.into();
        }
    }
}
