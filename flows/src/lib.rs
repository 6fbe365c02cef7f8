//! The hardware flows of the `lm_tracker` block, out of the simulator's way.
//!
//! [`synth`] runs Yosys (and nextpnr on iCE40) on the emitted Verilog and reports area,
//! logic depth, Fmax and where the LUTs go; [`formal`] checks the block's properties with
//! ABC and Yosys (k-induction: yosys-smtbmc and z3), and its mutants; [`tools`] finds the external tools and says
//! how to install a missing one. [`cli`] is how the `lmsnoop` binary exposes them (its `hw`
//! feature): the flags and the printed reports of `gen-verilog`, `synth` and `formal`.

pub mod cli;
pub mod formal;
pub mod synth;
pub mod tools;
