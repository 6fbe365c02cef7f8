//! The command decode table for all sixteen opcodes, against the opcode table's own words:
//! each opcode's description in `regs::OPCODES` says whether it needs tracking.

use crate::check::{settle, synthesizes};
use lmsnoop_hdl::regs;
use lmsnoop_hdl::tracker::cmd_decode::CmdDecode;
use rust_hdl::prelude::*;

#[test]
fn cmd_decode_matches_the_opcode_table() {
    let mut d = CmdDecode::default();
    d.connect_all();
    for op in 0..16u32 {
        d.op.next = u64::from(op).to_bits();
        settle(&mut d);
        let entry = regs::OPCODES.iter().find(|c| c.value == op);
        let flags = [
            (regs::OP_START, d.start.val()),
            (regs::OP_STOP, d.stop.val()),
            (regs::OP_QUERY, d.query.val()),
            (regs::OP_SWAP, d.swap.val()),
            (regs::OP_RELEASE, d.release_op.val()),
            (regs::OP_SET_PLAN, d.set_plan.val()),
            (regs::OP_MARK_DIRTY, d.mark.val()),
        ];
        for (code, flag) in flags {
            assert_eq!(flag, op == code, "opcode {op}: flag of opcode {code}");
        }
        assert_eq!(d.nop.val(), op == regs::OP_NOP, "opcode {op}: nop");
        assert_eq!(d.bad.val(), entry.is_none(), "opcode {op}: bad");
        assert_eq!(
            d.load_or_start.val(),
            op == regs::OP_LOAD || op == regs::OP_START,
            "opcode {op}: load_or_start"
        );
        // The map says "Tracking:" for the opcodes that need it.
        let tracking = entry.is_some_and(|c| c.doc.starts_with("Tracking"));
        assert_eq!(
            d.needs_tracking.val(),
            tracking,
            "opcode {op}: needs_tracking"
        );
        let quiet = [
            regs::OP_NOP,
            regs::OP_STOP,
            regs::OP_SET_PLAN,
            regs::OP_MARK_DIRTY,
        ];
        assert_eq!(
            d.refused_while_streaming.val(),
            !quiet.contains(&op),
            "opcode {op}: refused_while_streaming"
        );
    }
}

#[test]
fn cmd_decode_synthesizes() {
    let mut d = CmdDecode::default();
    d.connect_all();
    synthesizes(&d, "cmd_decode");
}
