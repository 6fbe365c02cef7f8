//! A four-entry AXI4-Stream FIFO (tdata + tlast), first word fall-through.
//!
//! The query engine's output buffer. Four entries cover the three cycles a fetched word
//! spends in B, S1 and S2 plus one, so a ready consumer gets one word per cycle; the engine
//! fetches only on credit, so `in_ready` never stops it, but the FIFO never overwrites an
//! entry whoever drives it.

use rust_hdl::prelude::*;

/// Entries held.
pub const DEPTH: u64 = 4;

#[derive(LogicBlock)]
pub struct StreamFifo<const D: usize> {
    pub clock: Signal<In, Clock>,
    /// Drops every entry; wins over a push or pop in the same cycle.
    pub flush: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub in_data: Signal<In, Bits<D>>,
    pub in_last: Signal<In, Bit>,
    /// Room for a word this cycle (counting this cycle's pop).
    pub in_ready: Signal<Out, Bit>,
    pub out_valid: Signal<Out, Bit>,
    pub out_data: Signal<Out, Bits<D>>,
    pub out_last: Signal<Out, Bit>,
    pub out_ready: Signal<In, Bit>,
    /// A word leaves this cycle (`out_valid & out_ready`).
    pub pop: Signal<Out, Bit>,
    /// Entries held (0..=4).
    pub count: Signal<Out, Bits<3>>,
    d0: DFF<Bits<D>>,
    d1: DFF<Bits<D>>,
    d2: DFF<Bits<D>>,
    d3: DFF<Bits<D>>,
    l0: DFF<Bit>,
    l1: DFF<Bit>,
    l2: DFF<Bit>,
    l3: DFF<Bit>,
    rd: DFF<Bits<2>>,
    wr: DFF<Bits<2>>,
    held: DFF<Bits<3>>,
    push: Signal<Local, Bit>,
    k_depth: Constant<Bits<3>>,
}

impl<const D: usize> Default for StreamFifo<D> {
    fn default() -> Self {
        StreamFifo {
            clock: Default::default(),
            flush: Default::default(),
            in_valid: Default::default(),
            in_data: Default::default(),
            in_last: Default::default(),
            in_ready: Default::default(),
            out_valid: Default::default(),
            out_data: Default::default(),
            out_last: Default::default(),
            out_ready: Default::default(),
            pop: Default::default(),
            count: Default::default(),
            d0: Default::default(),
            d1: Default::default(),
            d2: Default::default(),
            d3: Default::default(),
            l0: Default::default(),
            l1: Default::default(),
            l2: Default::default(),
            l3: Default::default(),
            rd: Default::default(),
            wr: Default::default(),
            held: Default::default(),
            push: Default::default(),
            k_depth: Constant::new(DEPTH.to_bits()),
        }
    }
}

impl<const D: usize> Logic for StreamFifo<D> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, d0, d1, d2, d3, l0, l1, l2, l3, rd, wr, held);
        self.count.next = self.held.q.val();
        self.out_valid.next = self.held.q.val() != 0;
        self.pop.next = (self.held.q.val() != 0) & self.out_ready.val();
        self.in_ready.next = (self.held.q.val() != self.k_depth.val()) | self.out_ready.val();
        self.push.next = self.in_valid.val() & self.in_ready.val();
        self.out_data.next = self.d0.q.val();
        self.out_last.next = self.l0.q.val();
        match self.rd.q.val().index() {
            1 => {
                self.out_data.next = self.d1.q.val();
                self.out_last.next = self.l1.q.val();
            }
            2 => {
                self.out_data.next = self.d2.q.val();
                self.out_last.next = self.l2.q.val();
            }
            3 => {
                self.out_data.next = self.d3.q.val();
                self.out_last.next = self.l3.q.val();
            }
            _ => {}
        }
        if self.push.val() {
            match self.wr.q.val().index() {
                0 => {
                    self.d0.d.next = self.in_data.val();
                    self.l0.d.next = self.in_last.val();
                }
                1 => {
                    self.d1.d.next = self.in_data.val();
                    self.l1.d.next = self.in_last.val();
                }
                2 => {
                    self.d2.d.next = self.in_data.val();
                    self.l2.d.next = self.in_last.val();
                }
                _ => {
                    self.d3.d.next = self.in_data.val();
                    self.l3.d.next = self.in_last.val();
                }
            }
            self.wr.d.next = self.wr.q.val() + 1;
        }
        if self.pop.val() {
            self.rd.d.next = self.rd.q.val() + 1;
        }
        if self.push.val() & !self.pop.val() {
            self.held.d.next = self.held.q.val() + 1;
        }
        if !self.push.val() & self.pop.val() {
            self.held.d.next = self.held.q.val() - 1;
        }
        if self.flush.val() {
            self.rd.d.next = 0u64.into();
            self.wr.d.next = 0u64.into();
            self.held.d.next = 0u64.into();
        }
    }
}
