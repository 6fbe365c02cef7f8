//! The query engine: streams one buffer out of the bitmap RAM, word 0 up to the
//! namespace's last, through a four-word FIFO onto the `q_*` AXI4-Stream.
//!
//! It asks the datapath for the next word (`fetch`) only when the FIFO will have room for
//! it once the words already fetched (in B, S1 and S2) have arrived, so a ready consumer
//! gets one word per cycle and a stalled one never holds the datapath: the snoops keep
//! their turns. QUERY opens it, the last word's pop, STOP and reset close it; STOP and
//! reset also drop the words in flight at the FIFO.

use super::stream_fifo::{StreamFifo, DEPTH};
use rust_hdl::prelude::*;

/// `A` is the RAM address width (the word counter wraps with the block's word mask).
#[derive(LogicBlock)]
pub struct QueryEngine<const A: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high.
    pub reset: Signal<In, Bit>,
    /// QUERY executes: stream the active (`open_active`) or the passive buffer.
    pub open: Signal<In, Bit>,
    pub open_active: Signal<In, Bit>,
    /// STOP executes.
    pub close: Signal<In, Bit>,
    /// Words of the namespace: the fetch stops there.
    pub words: Signal<In, Bits<32>>,
    /// A fetched word is in B, in S1, in S2 (each at most one).
    pub in_b: Signal<In, Bit>,
    pub in_s1: Signal<In, Bit>,
    pub in_s2: Signal<In, Bit>,
    /// The datapath takes this cycle's fetch.
    pub take: Signal<In, Bit>,
    /// A fetched word leaves S2, with its data and whether it is the namespace's last.
    pub push: Signal<In, Bit>,
    pub push_data: Signal<In, Bits<64>>,
    pub push_last: Signal<In, Bit>,
    /// Asks the datapath for word `next_word` of the buffer `src_active` names.
    pub fetch: Signal<Out, Bit>,
    pub next_word: Signal<Out, Bits<32>>,
    pub src_active: Signal<Out, Bit>,
    /// A query is open (STATUS.QUERY_OPEN; a command that needs the streams idle is
    /// refused).
    pub is_open: Signal<Out, Bit>,
    /// The last word leaves this cycle (QUERY_DONE).
    pub done: Signal<Out, Bit>,
    pub q_tvalid: Signal<Out, Bit>,
    pub q_tdata: Signal<Out, Bits<64>>,
    pub q_tlast: Signal<Out, Bit>,
    pub q_tready: Signal<In, Bit>,
    fifo: StreamFifo<64>,
    open_r: DFF<Bit>,
    next: DFF<Bits<32>>,
    src: DFF<Bit>,
    /// Last cycle's prediction of the words held and in flight: the credit compares it, so
    /// that no adder sits between the flops and the fetch decision.
    held_r: DFF<Bits<4>>,
    held: Signal<Local, Bits<4>>,
    k_depth: Constant<Bits<4>>,
    k_wmask: Constant<Bits<32>>,
}

impl<const A: usize> Default for QueryEngine<A> {
    fn default() -> Self {
        QueryEngine {
            clock: Default::default(),
            reset: Default::default(),
            open: Default::default(),
            open_active: Default::default(),
            close: Default::default(),
            words: Default::default(),
            in_b: Default::default(),
            in_s1: Default::default(),
            in_s2: Default::default(),
            take: Default::default(),
            push: Default::default(),
            push_data: Default::default(),
            push_last: Default::default(),
            fetch: Default::default(),
            next_word: Default::default(),
            src_active: Default::default(),
            is_open: Default::default(),
            done: Default::default(),
            q_tvalid: Default::default(),
            q_tdata: Default::default(),
            q_tlast: Default::default(),
            q_tready: Default::default(),
            fifo: Default::default(),
            open_r: Default::default(),
            next: Default::default(),
            src: Default::default(),
            held_r: Default::default(),
            held: Default::default(),
            k_depth: Constant::new(DEPTH.to_bits()),
            k_wmask: Constant::new(((2u64 << A) - 1).to_bits()),
        }
    }
}

impl<const A: usize> Logic for QueryEngine<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, open_r, next, src, held_r);
        self.fifo.clock.next = self.clock.val();
        self.fifo.out_ready.next = self.q_tready.val();
        self.q_tvalid.next = self.fifo.out_valid.val();
        self.q_tdata.next = self.fifo.out_data.val();
        self.q_tlast.next = self.fifo.out_last.val();
        self.is_open.next = self.open_r.q.val();
        self.next_word.next = self.next.q.val();
        self.src_active.next = self.src.q.val();
        self.done.next = self.fifo.pop.val() & self.fifo.out_last.val();
        // Credit: room for one more once everything fetched has arrived; a pop this cycle
        // makes room for the word that would fill the FIFO.
        self.fetch.next = self.open_r.q.val()
            & (self.next.q.val() != self.words.val())
            & ((self.held_r.q.val() < self.k_depth.val())
                | (self.fifo.pop.val() & (self.held_r.q.val() == self.k_depth.val())));

        // The words held and in flight, summed from flops (4 bits wide: an unsized literal
        // would widen the sum to 32).
        self.held.next = bit_cast::<4, 3>(self.fifo.count.val())
            + bit_cast::<4, 1>(bits::<1>(self.in_b.val().into()))
            + bit_cast::<4, 1>(bits::<1>(self.in_s1.val().into()))
            + bit_cast::<4, 1>(bits::<1>(self.in_s2.val().into()));
        self.held_r.d.next = self.held.val() + bit_cast::<4, 1>(bits::<1>(self.take.val().into()))
            - bit_cast::<4, 1>(bits::<1>(self.fifo.pop.val().into()));
        self.fifo.in_valid.next = self.push.val() & self.open_r.q.val();
        self.fifo.in_data.next = self.push_data.val();
        self.fifo.in_last.next = self.push_last.val();
        self.fifo.flush.next = self.close.val() | self.reset.val();
        if self.take.val() {
            self.next.d.next = (self.next.q.val() + 1) & self.k_wmask.val();
        }
        if self.open.val() {
            self.open_r.d.next = true;
            self.next.d.next = 0u64.into();
            self.src.d.next = self.open_active.val();
        }
        if self.close.val() | self.done.val() {
            self.open_r.d.next = false;
        }
        if self.reset.val() {
            self.open_r.d.next = false;
            self.next.d.next = 0u64.into();
            self.held_r.d.next = 0u64.into();
        }
    }
}
