//! The clear engine: zeroes words 0..=last of one or both bitmap buffers, one word per
//! cycle, where last is the capacity's last word (after reset, STOP, LOAD) or the
//! namespace's (RELEASE, the swap residue of the clear method).

use rust_hdl::prelude::*;

/// Started by a one-cycle `start` with its arguments; runs to the end on its own.
///
/// Its RAM writes come out one cycle behind the word counter (`we0`, `we1`, `wa`), from
/// flops, so that the write port's address mux sees no counter logic; the datapath turns
/// `zero0`/`zero1` into its own zero code in the same cycle, so that the zero reaches the
/// write data through the modify stage instead of a gate on every bit. Idle, the counter
/// rests at zero, so that a start loads the one-bit flags and the end word, never the
/// counter.
#[derive(LogicBlock)]
pub struct ClearEngine<const A: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: starts a whole clear of both buffers, no interrupt (the
    /// FPGA does not reset block RAM).
    pub reset: Signal<In, Bit>,
    pub start: Signal<In, Bit>,
    /// Clear to the capacity's last word (else to `ns_last_w`).
    pub start_whole: Signal<In, Bit>,
    pub start_ram0: Signal<In, Bit>,
    pub start_ram1: Signal<In, Bit>,
    /// Snoops may pass while it runs (RELEASE).
    pub start_bg: Signal<In, Bit>,
    /// Raise CLEAR_DONE at the end.
    pub start_irq: Signal<In, Bit>,
    /// The namespace's last word, taken at `start`.
    pub ns_last_w: Signal<In, Bits<32>>,
    pub active: Signal<Out, Bit>,
    /// Running, and snoops must wait for it.
    pub blocking: Signal<Out, Bit>,
    /// This cycle's word of RAM0 / RAM1 is being zeroed (the write follows next cycle).
    pub zero0: Signal<Out, Bit>,
    pub zero1: Signal<Out, Bit>,
    /// The RAM writes, one cycle behind `zero0`/`zero1`.
    pub we0: Signal<Out, Bit>,
    pub we1: Signal<Out, Bit>,
    pub wa: Signal<Out, Bits<32>>,
    /// The last word is done this cycle: the buffer's live count is zero from now on.
    pub done0: Signal<Out, Bit>,
    pub done1: Signal<Out, Bit>,
    /// CLEAR_DONE, when the start asked for it.
    pub done_irq: Signal<Out, Bit>,
    run: DFF<Bit>,
    w: DFF<Bits<32>>,
    /// The word to stop at, latched at the start, so that no output depends on an input
    /// in the same cycle.
    last: DFF<Bits<32>>,
    ram0: DFF<Bit>,
    ram1: DFF<Bit>,
    bg: DFF<Bit>,
    irq: DFF<Bit>,
    r_we0: DFF<Bit>,
    r_we1: DFF<Bit>,
    r_wa: DFF<Bits<32>>,
    k_cap_last_word: Constant<Bits<32>>,
    k_wmask: Constant<Bits<32>>,
}

impl<const A: usize> Default for ClearEngine<A> {
    fn default() -> Self {
        ClearEngine {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            start_whole: Default::default(),
            start_ram0: Default::default(),
            start_ram1: Default::default(),
            start_bg: Default::default(),
            start_irq: Default::default(),
            ns_last_w: Default::default(),
            active: Default::default(),
            blocking: Default::default(),
            zero0: Default::default(),
            zero1: Default::default(),
            we0: Default::default(),
            we1: Default::default(),
            wa: Default::default(),
            done0: Default::default(),
            done1: Default::default(),
            done_irq: Default::default(),
            run: Default::default(),
            w: Default::default(),
            last: Default::default(),
            ram0: Default::default(),
            ram1: Default::default(),
            bg: Default::default(),
            irq: Default::default(),
            r_we0: Default::default(),
            r_we1: Default::default(),
            r_wa: Default::default(),
            k_cap_last_word: Constant::new(((1u64 << A) - 1).to_bits()),
            k_wmask: Constant::new(((2u64 << A) - 1).to_bits()),
        }
    }
}

impl<const A: usize> Logic for ClearEngine<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, run, w, last, ram0, ram1, bg, irq, r_we0, r_we1, r_wa);
        self.active.next = self.run.q.val();
        self.blocking.next = self.run.q.val() & !self.bg.q.val();
        self.zero0.next = self.run.q.val() & self.ram0.q.val();
        self.zero1.next = self.run.q.val() & self.ram1.q.val();
        self.r_we0.d.next = self.run.q.val() & self.ram0.q.val();
        self.r_we1.d.next = self.run.q.val() & self.ram1.q.val();
        self.r_wa.d.next = self.w.q.val();
        self.we0.next = self.r_we0.q.val();
        self.we1.next = self.r_we1.q.val();
        self.wa.next = self.r_wa.q.val();

        // Every output is a function of flops only, in a statement that shares no variable
        // with the next-state logic (hence the end compare typed three times; Yosys keeps
        // one). The command engine reads the outputs in the statement that drives this
        // unit's inputs, and Verilator groups statements by the variables they share: an
        // output computed from a local the next state also reads, or from an input, makes
        // the two blocks one combinational loop for its scheduler (UNOPTFLAT).
        self.done0.next =
            self.run.q.val() & (self.w.q.val() == self.last.q.val()) & self.ram0.q.val();
        self.done1.next =
            self.run.q.val() & (self.w.q.val() == self.last.q.val()) & self.ram1.q.val();
        self.done_irq.next =
            self.run.q.val() & (self.w.q.val() == self.last.q.val()) & self.irq.q.val();
        if self.run.q.val() {
            self.w.d.next = (self.w.q.val() + 1) & self.k_wmask.val();
            if self.w.q.val() == self.last.q.val() {
                self.run.d.next = false;
                self.w.d.next = 0u64.into();
            }
        }
        if self.start.val() {
            self.run.d.next = true;
            self.last.d.next = self.ns_last_w.val();
            if self.start_whole.val() {
                self.last.d.next = self.k_cap_last_word.val();
            }
            self.ram0.d.next = self.start_ram0.val();
            self.ram1.d.next = self.start_ram1.val();
            self.bg.d.next = self.start_bg.val();
            self.irq.d.next = self.start_irq.val();
        }
        if self.reset.val() {
            self.run.d.next = true;
            self.w.d.next = 0u64.into();
            self.last.d.next = self.k_cap_last_word.val();
            self.ram0.d.next = true;
            self.ram1.d.next = true;
            self.bg.d.next = false;
            self.irq.d.next = false;
        }
    }
}
