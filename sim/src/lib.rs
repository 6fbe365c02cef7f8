//! Simulation of the `lm_tracker` snoop block.
//!
//! [`TrackerPort`] is the block as the hardware presents it: CSR reads and writes, the two
//! snoop streams, the load stream into the passive buffer and the query stream out of it.
//! [`GoldenTracker`] implements it in plain Rust over `bitvec` bitmaps, a 64-bit word at a
//! time; [`rtl::RtlTracker`] (feature `rtl`) clocks the Verilated RTL behind the same trait,
//! so the firmware runs unchanged on either.

pub mod bitmap;
pub mod golden;
pub mod port;
#[cfg(feature = "rtl")]
pub mod rtl;

pub use bitmap::Bitmap;
pub use golden::GoldenTracker;
pub use port::{QueryBeat, Snoop, TrackerPort};
#[cfg(feature = "rtl")]
pub use rtl::{RtlBuild, RtlTracker};
