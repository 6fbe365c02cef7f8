//! The host's parameter registers — CONFIG, NS_LBAS (LO/HI), PLAN_START, PLAN_END,
//! MARK_FIRST, MARK_END — and their one owner: the commands read them, only software
//! writes them.

use crate::regs;
use rust_hdl::prelude::*;

/// A write lands one cycle after its AXI4-Lite handshake: address, data and enable are
/// registered first, so the decode that drives some 200 flip-flop enables starts from
/// flops next to them, not from the bus. Nothing can tell the difference: the slave takes
/// the next write (a CMD that reads these registers) two cycles after this one at the
/// earliest, and a read that waits for the write's response sees the new value. Other
/// addresses are ignored here (the command engine and `err_irq` own them).
#[derive(LogicBlock)]
pub struct ParamRegs {
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: every register and a pending write to zero.
    pub reset: Signal<In, Bit>,
    /// The AXI slave's register side: a full-word write this cycle.
    pub wr_en: Signal<In, Bit>,
    pub wr_addr: Signal<In, Bits<12>>,
    pub wr_data: Signal<In, Bits<32>>,
    /// CONFIG, its undefined bits zero (`config` is a Verilog keyword).
    pub cfg: Signal<Out, Bits<32>>,
    pub ns_lbas: Signal<Out, Bits<64>>,
    pub plan_start: Signal<Out, Bits<32>>,
    pub plan_end: Signal<Out, Bits<32>>,
    pub mark_first: Signal<Out, Bits<32>>,
    pub mark_end: Signal<Out, Bits<32>>,
    wq_en: DFF<Bit>,
    wq_addr: DFF<Bits<12>>,
    wq_data: DFF<Bits<32>>,
    r_config: DFF<Bits<32>>,
    r_ns_lbas: DFF<Bits<64>>,
    r_plan_start: DFF<Bits<32>>,
    r_plan_end: DFF<Bits<32>>,
    r_mark_first: DFF<Bits<32>>,
    r_mark_end: DFF<Bits<32>>,
    k_config: Constant<Bits<12>>,
    k_ns_lo: Constant<Bits<12>>,
    k_ns_hi: Constant<Bits<12>>,
    k_plan_start: Constant<Bits<12>>,
    k_plan_end: Constant<Bits<12>>,
    k_mark_first: Constant<Bits<12>>,
    k_mark_end: Constant<Bits<12>>,
    k_config_mask: Constant<Bits<32>>,
}

impl Default for ParamRegs {
    fn default() -> Self {
        let addr = |a: u32| Constant::new(u64::from(a).to_bits());
        ParamRegs {
            clock: Default::default(),
            reset: Default::default(),
            wr_en: Default::default(),
            wr_addr: Default::default(),
            wr_data: Default::default(),
            cfg: Default::default(),
            ns_lbas: Default::default(),
            plan_start: Default::default(),
            plan_end: Default::default(),
            mark_first: Default::default(),
            mark_end: Default::default(),
            wq_en: Default::default(),
            wq_addr: Default::default(),
            wq_data: Default::default(),
            r_config: Default::default(),
            r_ns_lbas: Default::default(),
            r_plan_start: Default::default(),
            r_plan_end: Default::default(),
            r_mark_first: Default::default(),
            r_mark_end: Default::default(),
            k_config: addr(regs::CONFIG),
            k_ns_lo: addr(regs::NS_LBAS_LO),
            k_ns_hi: addr(regs::NS_LBAS_HI),
            k_plan_start: addr(regs::PLAN_START),
            k_plan_end: addr(regs::PLAN_END),
            k_mark_first: addr(regs::MARK_FIRST),
            k_mark_end: addr(regs::MARK_END),
            k_config_mask: Constant::new(
                u64::from(regs::METHOD.mask() | regs::GRANULE_SHIFT.mask()).to_bits(),
            ),
        }
    }
}

impl Logic for ParamRegs {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            wq_en,
            wq_addr,
            wq_data,
            r_config,
            r_ns_lbas,
            r_plan_start,
            r_plan_end,
            r_mark_first,
            r_mark_end
        );
        self.cfg.next = self.r_config.q.val();
        self.ns_lbas.next = self.r_ns_lbas.q.val();
        self.plan_start.next = self.r_plan_start.q.val();
        self.plan_end.next = self.r_plan_end.q.val();
        self.mark_first.next = self.r_mark_first.q.val();
        self.mark_end.next = self.r_mark_end.q.val();
        self.wq_en.d.next = self.wr_en.val();
        self.wq_addr.d.next = self.wr_addr.val();
        self.wq_data.d.next = self.wr_data.val();
        if self.wq_en.q.val() {
            if self.wq_addr.q.val() == self.k_config.val() {
                self.r_config.d.next = self.wq_data.q.val() & self.k_config_mask.val();
            }
            if self.wq_addr.q.val() == self.k_ns_lo.val() {
                self.r_ns_lbas.d.next =
                    (bit_cast::<64, 32>(self.r_ns_lbas.q.val().get_bits::<32>(32)) << 32)
                        | bit_cast::<64, 32>(self.wq_data.q.val());
            }
            if self.wq_addr.q.val() == self.k_ns_hi.val() {
                self.r_ns_lbas.d.next =
                    bit_cast::<64, 32>(self.r_ns_lbas.q.val().get_bits::<32>(0))
                        | (bit_cast::<64, 32>(self.wq_data.q.val()) << 32);
            }
            if self.wq_addr.q.val() == self.k_plan_start.val() {
                self.r_plan_start.d.next = self.wq_data.q.val();
            }
            if self.wq_addr.q.val() == self.k_plan_end.val() {
                self.r_plan_end.d.next = self.wq_data.q.val();
            }
            if self.wq_addr.q.val() == self.k_mark_first.val() {
                self.r_mark_first.d.next = self.wq_data.q.val();
            }
            if self.wq_addr.q.val() == self.k_mark_end.val() {
                self.r_mark_end.d.next = self.wq_data.q.val();
            }
        }
        if self.reset.val() {
            self.wq_en.d.next = false;
            self.r_config.d.next = 0u64.into();
            self.r_ns_lbas.d.next = 0u64.into();
            self.r_plan_start.d.next = 0u64.into();
            self.r_plan_end.d.next = 0u64.into();
            self.r_mark_first.d.next = 0u64.into();
            self.r_mark_end.d.next = 0u64.into();
        }
    }
}
