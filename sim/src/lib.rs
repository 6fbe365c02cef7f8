//! Simulation of the `lm_tracker` snoop block.
//!
//! [`GoldenTracker`] implements the block's [`TrackerPort`] (from `lmsnoop-regs`: CSR
//! reads and writes, the two snoop streams, the load stream into the passive buffer and the
//! query stream out of it) in plain Rust over `bitvec` bitmaps, a 64-bit word at a time;
//! [`rtl::RtlTracker`] (feature `rtl`) clocks the Verilated RTL behind the same trait, so
//! the firmware runs unchanged on either.

pub mod golden;

/// Asks the CPU to start loading the cache line holding `r`. No effect on any result: it
/// lets a model hide the memory latency of a bitmap word it knows it will touch soon.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch hint never faults and changes no architectural state.
    #[allow(unused_unsafe)]
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((r as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}
#[cfg(feature = "rtl")]
pub mod rtl;

pub use golden::GoldenTracker;
pub use lmsnoop_regs::{Bitmap, QueryBeat, Snoop, TrackerPort};
#[cfg(feature = "rtl")]
pub use rtl::{RtlBuild, RtlTracker};
