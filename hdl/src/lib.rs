//! The `lm_tracker` snoop block, hardware side.
//!
//! [`regs`] is the one register map of the block: every address, field, command code and
//! error flag is defined there once and used by the RTL decode, the golden model, the
//! firmware, and the generated C header and Markdown table. [`tracker`] is the block in
//! Rust-HDL, from which `lmsnoop gen-verilog` emits `hdl/generated/*.v`.

pub mod regs;
/// The C header and the Markdown register table rendered from [`regs`].
pub mod render;
pub mod tracker;
