//! The load engine: takes the `ld_*` AXI4-Stream beats of a LOAD into the passive buffer,
//! word 0 up to the namespace's last, one beat per word.
//!
//! LOAD's clear opens it; the beat of the last word closes it. The block's arbiter decides
//! when a beat is taken (`take`), and drops a beat that comes with no load open (ERR_LOAD);
//! every output here comes from flops, so no combinational path runs through the unit.

use rust_hdl::prelude::*;

/// `A` is the RAM address width (the word counter wraps with the block's word mask).
#[derive(LogicBlock)]
pub struct LoadEngine<const A: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high.
    pub reset: Signal<In, Bit>,
    /// LOAD's clear has ended: take beats for words 0.. of the passive buffer.
    pub open: Signal<In, Bit>,
    /// The namespace's last word: its beat ends the load.
    pub last_word: Signal<In, Bits<32>>,
    /// The datapath takes this cycle's beat into word `word`.
    pub take: Signal<In, Bit>,
    pub word: Signal<Out, Bits<32>>,
    /// `word` is the namespace's last.
    pub at_last: Signal<Out, Bit>,
    /// STATUS.LOAD_OPEN.
    pub is_open: Signal<Out, Bit>,
    open_r: DFF<Bit>,
    next: DFF<Bits<32>>,
    k_wmask: Constant<Bits<32>>,
}

impl<const A: usize> Default for LoadEngine<A> {
    fn default() -> Self {
        LoadEngine {
            clock: Default::default(),
            reset: Default::default(),
            open: Default::default(),
            last_word: Default::default(),
            take: Default::default(),
            word: Default::default(),
            at_last: Default::default(),
            is_open: Default::default(),
            open_r: Default::default(),
            next: Default::default(),
            k_wmask: Constant::new(((2u64 << A) - 1).to_bits()),
        }
    }
}

impl<const A: usize> Logic for LoadEngine<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, open_r, next);
        self.word.next = self.next.q.val();
        self.at_last.next = self.next.q.val() == self.last_word.val();
        self.is_open.next = self.open_r.q.val();
        if self.open.val() {
            self.open_r.d.next = true;
            self.next.d.next = 0u64.into();
        }
        if self.take.val() {
            self.next.d.next = (self.next.q.val() + 1) & self.k_wmask.val();
            if self.next.q.val() == self.last_word.val() {
                self.open_r.d.next = false;
            }
        }
        if self.reset.val() {
            self.open_r.d.next = false;
        }
    }
}
