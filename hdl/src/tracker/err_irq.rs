//! The sticky error flags (ERR), the interrupt status and enable (IRQ_STATUS, IRQ_ENABLE)
//! and the interrupt line: the one owner of those three registers.

use crate::regs;
use rust_hdl::prelude::*;

/// Every engine reports its errors and events here by a one-cycle mask; software clears
/// them by writing ones (W1C). Any error also raises the ERROR interrupt bit, so a driver
/// that waits on the line sees a refused command.
#[derive(LogicBlock)]
pub struct ErrIrq {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: every flag and the enable to zero.
    pub reset: Signal<In, Bit>,
    /// Error flags raised this cycle (ERR bits).
    pub raise: Signal<In, Bits<32>>,
    /// Interrupt events this cycle (IRQ_STATUS bits).
    pub events: Signal<In, Bits<32>>,
    /// Software's write-one-to-clear masks of ERR and IRQ_STATUS.
    pub err_clear: Signal<In, Bits<32>>,
    pub irq_clear: Signal<In, Bits<32>>,
    /// A write of IRQ_ENABLE this cycle, and its data.
    pub enable_we: Signal<In, Bit>,
    pub enable_data: Signal<In, Bits<32>>,
    pub err: Signal<Out, Bits<32>>,
    pub irq_status: Signal<Out, Bits<32>>,
    pub irq_enable: Signal<Out, Bits<32>>,
    /// IRQ_STATUS & IRQ_ENABLE is not zero.
    pub irq: Signal<Out, Bit>,
    r_err: DFF<Bits<32>>,
    r_status: DFF<Bits<32>>,
    r_enable: DFF<Bits<32>>,
    error_event: Signal<Local, Bits<32>>,
    /// The defined flags: synthesis keeps no flops for the rest.
    k_err_mask: Constant<Bits<32>>,
    k_irq_mask: Constant<Bits<32>>,
    k_i_error: Constant<Bits<32>>,
}

impl Default for ErrIrq {
    fn default() -> Self {
        let word = |v: u32| Constant::new(u64::from(v).to_bits());
        ErrIrq {
            clock: Default::default(),
            reset: Default::default(),
            raise: Default::default(),
            events: Default::default(),
            err_clear: Default::default(),
            irq_clear: Default::default(),
            enable_we: Default::default(),
            enable_data: Default::default(),
            err: Default::default(),
            irq_status: Default::default(),
            irq_enable: Default::default(),
            irq: Default::default(),
            r_err: Default::default(),
            r_status: Default::default(),
            r_enable: Default::default(),
            error_event: Default::default(),
            k_err_mask: word(regs::ERR_MASK),
            k_irq_mask: word(regs::IRQ_MASK),
            k_i_error: word(regs::IRQ_ERROR),
        }
    }
}

impl Logic for ErrIrq {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, r_err, r_status, r_enable);
        self.err.next = self.r_err.q.val();
        self.irq_status.next = self.r_status.q.val();
        self.irq_enable.next = self.r_enable.q.val();
        self.irq.next = (self.r_status.q.val() & self.r_enable.q.val()).any();
        self.error_event.next = 0u64.into();
        if self.raise.val().any() {
            self.error_event.next = self.k_i_error.val();
        }
        self.r_err.d.next = ((self.r_err.q.val() & !self.err_clear.val()) | self.raise.val())
            & self.k_err_mask.val();
        self.r_status.d.next = ((self.r_status.q.val() & !self.irq_clear.val())
            | self.events.val()
            | self.error_event.val())
            & self.k_irq_mask.val();
        if self.enable_we.val() {
            self.r_enable.d.next = self.enable_data.val() & self.k_irq_mask.val();
        }
        if self.reset.val() {
            self.r_err.d.next = 0u64.into();
            self.r_status.d.next = 0u64.into();
            self.r_enable.d.next = 0u64.into();
        }
    }
}
