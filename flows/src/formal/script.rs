//! The files of a formal run: the register map as Verilog defines, the probe list the
//! wrapper declares, and the Yosys script that joins wrapper and block into the SMT2 and
//! AIGER models the solvers check.

use anyhow::{bail, Result};
pub use lmsnoop_hdl::probes::Probe;
use lmsnoop_hdl::regs;
use lmsnoop_hdl::tracker::{LmTracker, FORMAL_ADDR_BITS};
use std::fmt::Write as _;

/// Top module of the property wrapper (`hdl/formal/lm_tracker_props.sv`).
pub const TOP: &str = "lm_tracker_formal";
/// Top module name given to the block under check.
pub const DUT_TOP: &str = "lm_tracker_formal_dut";
pub const WRAPPER_FILE: &str = "lm_tracker_props.sv";
pub const DUT_FILE: &str = "lm_tracker_formal.v";
pub const DEFS_FILE: &str = "lm_formal_defs.svh";
pub const MODEL_FILE: &str = "lm_tracker_formal.smt2";
/// The bit-blasted netlist the AIGER files are written from, kept for replaying ABC's
/// counterexamples on it ([`super::witness`]).
pub const NETLIST_FILE: &str = "netlist.il";

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
        ("ERR", regs::ERR),
        ("IRQ_STATUS", regs::IRQ_STATUS),
        ("IRQ_ENABLE", regs::IRQ_ENABLE),
        ("WRITES_LO", regs::WRITES_SEEN_LO),
        ("COPIES_LO", regs::COPY_READS_SEEN_LO),
    ] {
        def(&format!("LM_A_{name}"), format!("12'h{addr:03X}"));
    }
    def("LM_IRQ_MASK", format!("32'h{:08X}", regs::IRQ_MASK));
    def("LM_IRQ_ERROR", format!("32'h{:08X}", regs::IRQ_ERROR));
    def(
        "LM_IRQ_SWAP_DONE",
        format!("32'h{:08X}", regs::IRQ_SWAP_DONE),
    );
    def("LM_OPCODE_LSB", regs::OPCODE.lsb.to_string());
    def("LM_BUSY_BIT", regs::BUSY.lsb.to_string());
    def("LM_TRACKING_BIT", regs::TRACKING.lsb.to_string());
    def(
        "LM_LATCHED_METHOD_LSB",
        regs::LATCHED_METHOD.lsb.to_string(),
    );
    def("LM_SHIFT_LSB", regs::GRANULE_SHIFT.lsb.to_string());
    def("LM_METHOD_LSB", regs::METHOD.lsb.to_string());
    for c in regs::OPCODES {
        def(&format!("LM_{}", c.name), format!("4'd{}", c.value));
    }
    for c in regs::METHODS {
        let short = c.name.trim_start_matches("METHOD_");
        def(&format!("LM_M_{short}"), format!("2'd{}", c.value));
    }
    // The block's port connections, each to the wrapper's signal of the same name, from
    // the port table: the wrapper does not restate the port list.
    let ports: Vec<String> = (lmsnoop_regs::ports::PORTS.iter())
        .map(|p| format!(".{0}({0})", p.name))
        .collect();
    def("LM_DUT_PORTS", ports.join(", \\\n    "));
    out
}

/// The probes the wrapper declares; it must declare some.
pub fn probes(wrapper: &str) -> Result<Vec<Probe>> {
    let probes = lmsnoop_hdl::probes::probes(wrapper)?;
    if probes.is_empty() {
        bail!("the wrapper declares no `// probe:` lines");
    }
    Ok(probes)
}

/// Which model a Yosys run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The whole block, for the decode property: the 64-bit LBA arithmetic stays in.
    Decode,
    /// The block with its decode nets and its CSR slave's write port cut (`cut` probes
    /// become free values, constrained by the wrapper's LM_CUT_DECODE assumptions), for
    /// every other property: the solvers no longer meet the 64-bit adders, comparators
    /// and shifters, and a register may be written in every cycle (the slave, proven
    /// alone, takes one write in two), which brings the deep cases nearer.
    Control,
    /// The control model with each cover turned into an assertion that it is never
    /// reached (LM_COVERS_AS_ASSERTS), for ABC's BMC to search.
    Covers,
    /// The control model with the `lemma` probes cut too (LM_LEMMA): the flag SWAP reads
    /// to skip the passive buffer's residue pass becomes a free value, constrained only by
    /// the lemma the control model checks (`passive_zero`). The solvers then never meet
    /// the live popcounts behind it, whose arithmetic makes every step past the first
    /// possible residue swap cost minutes: the residue swap comes within the depth CI
    /// checks `swap_clean` to.
    Lemma,
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::Decode => "decode",
            Model::Control => "control",
            Model::Covers => "covers",
            Model::Lemma => "lemma",
        }
    }
}

/// The AIGER file of one assertion: ABC's BMC, PDR and (of the covers model) cover search
/// each run on one, since a single assertion's cone is far smaller than the model's (the
/// statistics counters, for one, reach only the CSR read checks).
pub fn aiger_file(property: &str) -> String {
    format!("{property}.aig")
}

/// The map of [`aiger_file`]: which AIGER input and latch is which wire, for replaying a
/// witness on the SMT2 model.
pub fn aiger_map(property: &str) -> String {
    format!("{property}.aim")
}

/// The Yosys script of one model: read, flatten, drive the probes (and cut the decode and
/// the CSR writes, but for [`Model::Decode`]), keep the assertions in `properties`, then write
/// - with `aiger`, one bit-blasted AIGER file with its map per assertion ([`aiger_file`],
///   [`aiger_map`]), and the bit-blasted netlist they come from ([`NETLIST_FILE`]), on
///   which ABC's counterexamples and cover traces are replayed;
/// - without, the SMT2 model yosys-smtbmc runs k-induction on ([`MODEL_FILE`]).
///
/// The small RAMs become flip-flops (`memory_map`): z3 then meets plain bit-vectors
/// instead of arrays, and the AIGER writer needs it. Assumptions become AIGER
/// constraints, covers are dropped there, and flip-flops without a reset value (the
/// block's registers before reset, the RAM words, the symbolic granule) start at any value.
/// Every free net (a cut point's or the wrapper's `$anyseq`, an undriven net) becomes a
/// named input of the netlist, so the AIGER map names every input a witness fixes: the
/// writer leaves an `$anyseq` unnamed, and a replay would see it as x.
pub fn yosys_script(probes: &[Probe], model: Model, properties: &[String], aiger: bool) -> String {
    let cut = model != Model::Decode;
    let define = match model {
        Model::Decode => "",
        Model::Control => " -DLM_CUT_DECODE",
        Model::Covers => " -DLM_CUT_DECODE -DLM_COVERS_AS_ASSERTS",
        Model::Lemma => " -DLM_CUT_DECODE -DLM_LEMMA",
    };
    let mut s = format!(
        "read_verilog -sv {DUT_FILE}\n\
         read_verilog -formal -sv{define} {WRAPPER_FILE}\n\
         prep -top {TOP}\n\
         flatten\n\
         cd {TOP}\n"
    );
    for p in probes {
        for cmd in p.connect() {
            let _ = writeln!(s, "{cmd}");
        }
        if (cut && p.cut) || (model == Model::Lemma && p.lemma) {
            let _ = writeln!(s, "cutpoint w:{}", p.net);
        }
    }
    s.push_str("cd ..\n");
    let names: Vec<String> = properties.iter().map(|k| format!("{TOP}/{k}")).collect();
    let unions = " %u".repeat(properties.len().saturating_sub(1));
    let _ = writeln!(
        s,
        "chformal -assert -remove t:$assert {}{unions} %d",
        names.join(" ")
    );
    let _ = write!(
        s,
        "opt_clean\n\
         check -assert\n\
         memory_nordff\n\
         memory_map\n\
         opt -fast\n\
         async2sync\n"
    );
    if !aiger {
        let _ = write!(
            s,
            "dffunmap\n\
             stat\n\
             write_smt2 -wires {MODEL_FILE}\n"
        );
        return s;
    }
    let _ = write!(
        s,
        "chformal -assume -early\n\
         chformal -cover -remove\n\
         setundef -undriven -expose\n\
         expose -input t:$anyseq %co:+[Y] t:$anyseq %d\n\
         delete t:$anyseq\n\
         opt -keepdc -fast\n\
         techmap\n\
         opt -fast -nodffe -nosdff\n\
         dffunmap\n\
         abc -g AND -fast\n\
         opt_clean\n\
         design -save bitblasted\n\
         write_rtlil {NETLIST_FILE}\n"
    );
    for p in properties {
        let _ = write!(
            s,
            "design -load bitblasted\n\
             chformal -assert -remove t:$assert {TOP}/{p} %d\n\
             select -assert-count 1 t:$assert\n\
             opt_clean\n\
             write_aiger -I -B -zinit -map {} {}\n",
            aiger_map(p),
            aiger_file(p)
        );
    }
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
        for p in lmsnoop_regs::ports::PORTS {
            assert!(d.contains(&format!(".{0}({0})", p.name)), "{}", p.name);
        }
    }

    #[test]
    fn a_wrapper_without_probes_is_refused() {
        assert!(probes("nothing here").is_err());
        assert_eq!(probes("// probe: p_a = dut.a cut").unwrap()[0].net, "dut.a");
    }
}
