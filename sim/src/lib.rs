//! Simulation of the `lm_tracker` snoop block.
//!
//! [`GoldenTracker`] implements the block's [`TrackerPort`] (from `lmsnoop-regs`: CSR
//! reads and writes, the two snoop streams, the load stream into the passive buffer and the
//! query stream out of it) in plain Rust over `bitvec` bitmaps, a 64-bit word at a time;
//! [`rtl::RtlTracker`] (feature `rtl`) clocks the Verilated RTL behind the same trait, so
//! the firmware runs unchanged on either.

pub mod golden;
#[cfg(feature = "rtl")]
pub mod rtl;

pub use golden::GoldenTracker;
pub use lmsnoop_regs::{Bitmap, QueryBeat, Snoop, TrackerPort};
#[cfg(feature = "rtl")]
pub use rtl::{RtlBuild, RtlTracker};
