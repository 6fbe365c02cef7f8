//! The command decode table: what each CMD opcode is, as one-hot flags the command engine
//! latches when CMD is written, so that its Exec cycle starts from flops.

use crate::regs;
use rust_hdl::prelude::*;

/// Combinational. Every opcode of `regs::OPCODES` sets its own flag (none for NOP); an
/// opcode beyond the last is `bad`. `needs_tracking` and `refused_while_streaming` are the
/// two preconditions Exec checks before acting.
#[derive(LogicBlock)]
pub struct CmdDecode {
    pub op: Signal<In, Bits<4>>,
    pub nop: Signal<Out, Bit>,
    pub bad: Signal<Out, Bit>,
    /// Valid only while tracking: STOP, QUERY, SWAP, RELEASE, SET_PLAN, MARK_DIRTY.
    pub needs_tracking: Signal<Out, Bit>,
    /// Refused while a load or query stream is open: all but NOP, STOP, SET_PLAN and
    /// MARK_DIRTY, which do not touch a buffer a stream is reading or filling.
    pub refused_while_streaming: Signal<Out, Bit>,
    /// LOAD or START: both run the geometry engine.
    pub load_or_start: Signal<Out, Bit>,
    pub start: Signal<Out, Bit>,
    pub stop: Signal<Out, Bit>,
    pub query: Signal<Out, Bit>,
    pub swap: Signal<Out, Bit>,
    pub release_op: Signal<Out, Bit>,
    pub set_plan: Signal<Out, Bit>,
    pub mark: Signal<Out, Bit>,
    k_nop: Constant<Bits<4>>,
    k_load: Constant<Bits<4>>,
    k_start: Constant<Bits<4>>,
    k_stop: Constant<Bits<4>>,
    k_query: Constant<Bits<4>>,
    k_swap: Constant<Bits<4>>,
    k_release: Constant<Bits<4>>,
    k_set_plan: Constant<Bits<4>>,
    k_mark: Constant<Bits<4>>,
}

impl Default for CmdDecode {
    fn default() -> Self {
        let op = |v: u32| Constant::new(u64::from(v).to_bits());
        // The decode below names each opcode; the last must be MARK_DIRTY for `bad`.
        assert_eq!(
            regs::OPCODES.iter().map(|c| c.value).max(),
            Some(regs::OP_MARK_DIRTY),
            "cmd_decode.rs: `bad` assumes MARK_DIRTY is the last opcode"
        );
        CmdDecode {
            op: Default::default(),
            nop: Default::default(),
            bad: Default::default(),
            needs_tracking: Default::default(),
            refused_while_streaming: Default::default(),
            load_or_start: Default::default(),
            start: Default::default(),
            stop: Default::default(),
            query: Default::default(),
            swap: Default::default(),
            release_op: Default::default(),
            set_plan: Default::default(),
            mark: Default::default(),
            k_nop: op(regs::OP_NOP),
            k_load: op(regs::OP_LOAD),
            k_start: op(regs::OP_START),
            k_stop: op(regs::OP_STOP),
            k_query: op(regs::OP_QUERY),
            k_swap: op(regs::OP_SWAP),
            k_release: op(regs::OP_RELEASE),
            k_set_plan: op(regs::OP_SET_PLAN),
            k_mark: op(regs::OP_MARK_DIRTY),
        }
    }
}

impl Logic for CmdDecode {
    #[hdl_gen]
    fn update(&mut self) {
        self.nop.next = self.op.val() == self.k_nop.val();
        self.bad.next = self.op.val() > self.k_mark.val();
        self.needs_tracking.next = (self.op.val() == self.k_stop.val())
            | (self.op.val() == self.k_query.val())
            | (self.op.val() == self.k_swap.val())
            | (self.op.val() == self.k_release.val())
            | (self.op.val() == self.k_set_plan.val())
            | (self.op.val() == self.k_mark.val());
        self.refused_while_streaming.next = (self.op.val() != self.k_nop.val())
            & (self.op.val() != self.k_stop.val())
            & (self.op.val() != self.k_mark.val())
            & (self.op.val() != self.k_set_plan.val());
        self.load_or_start.next =
            (self.op.val() == self.k_load.val()) | (self.op.val() == self.k_start.val());
        self.start.next = self.op.val() == self.k_start.val();
        self.stop.next = self.op.val() == self.k_stop.val();
        self.query.next = self.op.val() == self.k_query.val();
        self.swap.next = self.op.val() == self.k_swap.val();
        self.release_op.next = self.op.val() == self.k_release.val();
        self.set_plan.next = self.op.val() == self.k_set_plan.val();
        self.mark.next = self.op.val() == self.k_mark.val();
    }
}
