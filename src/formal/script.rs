//! The files of a formal run: the register map as Verilog defines, the probe list the
//! wrapper declares, and the Yosys script that joins wrapper and block into one SMT2 model.

use anyhow::{bail, Result};
use lmsnoop_hdl::regs;
use lmsnoop_hdl::tracker::{LmTracker, FORMAL_ADDR_BITS};
use std::fmt::Write as _;

/// Top module of the property wrapper (`hdl/formal/lm_tracker_props.sv`).
pub const TOP: &str = "lm_tracker_formal";
/// Top module name given to the block under check.
pub const DUT_TOP: &str = "lm_tracker_formal_dut";
/// Instance name of the block in the wrapper: probe paths start with it.
const DUT_INSTANCE: &str = "dut";
pub const WRAPPER_FILE: &str = "lm_tracker_props.sv";
pub const DUT_FILE: &str = "lm_tracker_formal.v";
pub const DEFS_FILE: &str = "lm_formal_defs.svh";
pub const MODEL_FILE: &str = "lm_tracker_formal.smt2";

/// `lm_formal_defs.svh`: addresses, fields and codes from `regs`, so that the wrapper never
/// restates the register map.
pub fn defs() -> String {
    let mut out =
        String::from("// Written by `lmsnoop formal` from hdl/src/regs.rs. Do not edit.\n");
    let mut def = |name: &str, value: String| {
        let _ = writeln!(out, "`define {name} {value}");
    };
    def("LM_DUT", DUT_TOP.to_string());
    def("LM_ADDR_BITS", FORMAL_ADDR_BITS.to_string());
    def(
        "LM_CAPACITY",
        LmTracker::<FORMAL_ADDR_BITS>::CAPACITY.to_string(),
    );
    def("LM_MAX_SHIFT", regs::MAX_GRANULE_SHIFT.to_string());
    for (name, addr) in [
        ("CONFIG", regs::CONFIG),
        ("NS_LO", regs::NS_LBAS_LO),
        ("NS_HI", regs::NS_LBAS_HI),
        ("CMD", regs::CMD),
        ("STATUS", regs::STATUS),
        ("PLAN_START", regs::PLAN_START),
        ("PLAN_END", regs::PLAN_END),
        ("MARK_FIRST", regs::MARK_FIRST),
        ("MARK_END", regs::MARK_END),
    ] {
        def(&format!("LM_A_{name}"), format!("12'h{addr:03X}"));
    }
    def("LM_OPCODE_LSB", regs::OPCODE.lsb.to_string());
    def("LM_BUSY_BIT", regs::BUSY.lsb.to_string());
    def("LM_SHIFT_LSB", regs::GRANULE_SHIFT.lsb.to_string());
    def("LM_METHOD_LSB", regs::METHOD.lsb.to_string());
    for c in regs::OPCODES {
        def(&format!("LM_{}", c.name), format!("4'd{}", c.value));
    }
    for c in regs::METHODS {
        let short = c.name.trim_start_matches("METHOD_");
        def(&format!("LM_M_{short}"), format!("2'd{}", c.value));
    }
    out
}

/// One `// probe: wire = dut.net` line of the wrapper: a wrapper wire driven, after
/// flattening, by a net inside the block (Yosys 0.23 has no hierarchical references).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub wire: String,
    pub net: String,
}

/// The probes the wrapper declares.
pub fn probes(wrapper: &str) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for line in wrapper.lines() {
        let Some(rest) = line.trim().strip_prefix("// probe:") else {
            continue;
        };
        let Some((wire, net)) = rest.split_once('=') else {
            bail!("malformed probe line in the wrapper: `{line}`");
        };
        let (wire, net) = (wire.trim(), net.trim());
        if !net.starts_with(&format!("{DUT_INSTANCE}.")) || wire.is_empty() {
            bail!("probe `{line}`: expected `// probe: <wire> = {DUT_INSTANCE}.<net>`");
        }
        out.push(Probe {
            wire: wire.to_string(),
            net: net.to_string(),
        });
    }
    if out.is_empty() {
        bail!("the wrapper declares no `// probe:` lines");
    }
    Ok(out)
}

/// The Yosys script: read, flatten, drive the probes, and write the SMT2 model the way
/// yosys-smtbmc wants it. The two 8-word RAMs become flip-flops (`memory_map`): z3 then
/// meets plain bit-vectors instead of arrays, about a third faster at depth 20.
///
/// With `only`, every assertion but that one and the helper invariants (labels starting
/// with `helper_prefix`) is removed, for induction one property at a time: none of the
/// others may be assumed, the helpers are proven along with it.
pub fn yosys_script(probes: &[Probe], only: Option<(&str, &str)>) -> String {
    let mut s = format!(
        "read_verilog -sv {DUT_FILE}\n\
         read_verilog -formal -sv {WRAPPER_FILE}\n\
         prep -top {TOP}\n\
         flatten\n\
         cd {TOP}\n"
    );
    for p in probes {
        // A probe naming a net the block no longer has makes `connect` fail: the wrapper's
        // probe list must follow RTL renames.
        let _ = writeln!(s, "select -assert-count 1 w:{}", p.net);
        let _ = writeln!(s, "connect -set {} {}", p.wire, p.net);
    }
    s.push_str("cd ..\n");
    if let Some((keep, helper_prefix)) = only {
        let _ = writeln!(
            s,
            "chformal -assert -remove t:$assert {TOP}/{keep} {TOP}/{helper_prefix}* %u %d"
        );
    }
    let _ = write!(
        s,
        "opt_clean\n\
         check -assert\n\
         memory_nordff\n\
         memory_map\n\
         opt -fast\n\
         async2sync\n\
         dffunmap\n\
         stat\n\
         write_smt2 -wires {MODEL_FILE}\n"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defs_carry_the_register_map() {
        let d = defs();
        assert!(d.contains(&format!("`define LM_A_CMD 12'h{:03X}", regs::CMD)));
        assert!(d.contains(&format!("`define LM_OP_SWAP 4'd{}", regs::OP_SWAP)));
        assert!(d.contains(&format!("`define LM_M_CURSOR 2'd{}", regs::METHOD_CURSOR)));
        assert!(d.contains(&format!("`define LM_ADDR_BITS {FORMAL_ADDR_BITS}")));
    }

    #[test]
    fn probe_lines_parse_and_bad_ones_fail() {
        let p = probes("x\n// probe: p_a = dut.a$q\n  // probe: p_b=dut.b\n").unwrap();
        assert_eq!(
            p,
            vec![
                Probe {
                    wire: "p_a".into(),
                    net: "dut.a$q".into()
                },
                Probe {
                    wire: "p_b".into(),
                    net: "dut.b".into()
                },
            ]
        );
        assert!(probes("// probe: p_a dut.a").is_err());
        assert!(probes("// probe: p_a = other.a").is_err());
        assert!(probes("nothing here").is_err());
    }
}
