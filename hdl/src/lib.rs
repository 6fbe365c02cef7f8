//! The `lm_tracker` snoop block, hardware side.
//!
//! Today this crate holds the one register map of the block ([`regs`]): every address,
//! field, command code and error flag is defined here once and used by the golden model,
//! the firmware and (next) the Rust-HDL RTL and the generated C header and Markdown table.

pub mod regs;
