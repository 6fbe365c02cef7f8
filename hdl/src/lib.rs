//! The `lm_tracker` snoop block, hardware side.
//!
//! [`tracker`] is the block in Rust-HDL, from which `lmsnoop gen-verilog` emits
//! `hdl/generated/*.v`. Its register map, port table and method codes come from
//! `lmsnoop-regs` (re-exported as [`regs`]): the block spells no address of its own.
//! [`probes`] reads the formal wrappers' links to nets inside the block.

pub use lmsnoop_regs as regs;
pub mod probes;
pub mod tracker;
