//! The register map as a Python module, `hdl/cocotb/lm_regs.py`, for testbenches that
//! drive the Verilog without the Rust shim (cocotb): the same names and values as the C
//! header, so a Python test never spells an address or a bit by hand.

use crate::map::{self as regs, Access, Constant, Reset};
use std::fmt::Write as _;

/// Where the module lives, relative to the workspace root.
pub const PYTHON_REGS_PATH: &str = "hdl/cocotb/lm_regs.py";

fn constants(out: &mut String, table_name: &str, doc: &str, table: &[Constant]) {
    writeln!(out, "\n# {doc}").unwrap();
    for c in table {
        writeln!(out, "{} = {:#x}", c.name, c.value).unwrap();
    }
    writeln!(out, "{table_name} = {{").unwrap();
    for c in table {
        writeln!(out, "    \"{0}\": {0},", c.name).unwrap();
    }
    writeln!(out, "}}").unwrap();
}

/// `hdl/cocotb/lm_regs.py`.
pub fn python_regs() -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "\"\"\"{}\n\nThe lm_tracker register map for Python testbenches: byte addresses, access types,\n\
         reset values, bit fields, command opcodes, method codes, error flags and interrupt\n\
         causes, as regs/src/map.rs declares them.\n\"\"\"\n",
        super::BANNER
    ));
    s.push_str(
        "\nfrom typing import NamedTuple, Optional\n\n\n\
         class Field(NamedTuple):\n\
         \x20   register: str\n\
         \x20   lsb: int\n\
         \x20   width: int\n\n\
         \x20   @property\n\
         \x20   def mask(self) -> int:\n\
         \x20       return ((1 << self.width) - 1) << self.lsb\n\n\
         \x20   def get(self, word: int) -> int:\n\
         \x20       return (word & self.mask) >> self.lsb\n\n\
         \x20   def put(self, word: int, value: int) -> int:\n\
         \x20       return (word & ~self.mask & 0xFFFFFFFF) | ((value << self.lsb) & self.mask)\n\n\n\
         class Register(NamedTuple):\n\
         \x20   name: str\n\
         \x20   offset: int\n\
         \x20   access: str\n\
         \x20   # None: a build parameter (CAPACITY), the bitmap size the block was built with.\n\
         \x20   reset: Optional[int]\n\n",
    );
    s.push_str("\n# Register byte addresses.\n");
    for r in regs::REGISTERS {
        writeln!(s, "{} = {:#05x}", r.name, r.offset).unwrap();
    }
    s.push_str("\n# Every register, in address order.\nREGISTERS = [\n");
    for r in regs::REGISTERS {
        let reset = match r.reset {
            Reset::Value(v) => format!("{v:#x}"),
            Reset::Build => "None".to_string(),
        };
        let access = match r.access {
            Access::Ro => "RO",
            Access::Rw => "RW",
            Access::Wo => "WO",
            Access::Rw1c => "RW1C",
        };
        writeln!(
            s,
            "    Register(\"{}\", {}, \"{access}\", {reset}),",
            r.name, r.name
        )
        .unwrap();
    }
    s.push_str("]\n\n# Bit fields.\n");
    for f in regs::FIELDS {
        writeln!(
            s,
            "{} = Field(\"{}\", {}, {})",
            f.name, f.register, f.lsb, f.width
        )
        .unwrap();
    }
    s.push_str("\n# The 64-bit event counters as (LO, HI) address pairs.\nCOUNTERS = [\n");
    for (lo, hi) in regs::COUNTERS {
        let name = |a: u32| regs::register_at(a).map_or("?", |r| r.name);
        writeln!(s, "    ({}, {}),", name(lo), name(hi)).unwrap();
    }
    s.push_str("]\n");
    writeln!(
        s,
        "\nID_MAGIC_VALUE = {:#x}\nVERSION_MAJOR = {}\nVERSION_MINOR = {}\nID_VALUE = {:#010x}\n\
         COUNTER_BITS = {}\nMAX_GRANULE_SHIFT = {}",
        regs::ID_MAGIC_VALUE,
        regs::VERSION_MAJOR,
        regs::VERSION_MINOR,
        regs::ID_VALUE,
        regs::COUNTER_BITS,
        regs::MAX_GRANULE_SHIFT
    )
    .unwrap();
    constants(
        &mut s,
        "METHODS",
        "Tracking methods (CONFIG.METHOD).",
        regs::METHODS,
    );
    constants(
        &mut s,
        "OPCODES",
        "Command opcodes (CMD.OPCODE).",
        regs::OPCODES,
    );
    constants(&mut s, "ERR_FLAGS", "Error flags (ERR).", regs::ERR_FLAGS);
    constants(
        &mut s,
        "IRQ_CAUSES",
        "Interrupt causes (IRQ_STATUS, IRQ_ENABLE).",
        regs::IRQ_CAUSES,
    );
    writeln!(
        s,
        "\nERR_MASK = {:#x}\n# Error flags caused by the command just issued (not by the snoop streams).\n\
         ERR_COMMAND_MASK = {:#x}\nIRQ_MASK = {:#x}",
        regs::ERR_MASK,
        regs::ERR_COMMAND_MASK,
        regs::IRQ_MASK
    )
    .unwrap();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_register_field_and_constant_is_defined() {
        let py = python_regs();
        for r in regs::REGISTERS {
            assert!(
                py.contains(&format!("\n{} = {:#05x}\n", r.name, r.offset)),
                "{}",
                r.name
            );
        }
        for f in regs::FIELDS {
            assert!(py.contains(&format!("\n{} = Field(", f.name)), "{}", f.name);
        }
        for c in regs::OPCODES
            .iter()
            .chain(regs::ERR_FLAGS)
            .chain(regs::METHODS)
        {
            assert!(
                py.contains(&format!("\n{} = {:#x}\n", c.name, c.value)),
                "{}",
                c.name
            );
        }
        assert!(py.ends_with('\n') && !py.ends_with("\n\n"));
        assert!(!py.lines().any(|l| l.ends_with(' ')));
    }
}
