//! lmsnoop: dirty tracking for storage live migration, simulated end to end.
//!
//! This crate is the migration simulator and the CLI around the workspace: a
//! discrete-event [`world`] (users writing, a migration server copying, the snoop block
//! watching) over its [`events`] queue, with its random draws taken [`ahead`] on another
//! core (values cross threads in [`batches`]), [`workload`] generators, the drives'
//! [`storage`] and the [`divergence`] between target and source (so memory follows the
//! writes), the target-write [`faults`] a run injects and the [`soak`] that injects them all at
//! random, the [`scale`] benchmark, the trace
//! [`replay`]er, the [`report`]s and the benches. The tracker is in `lmsnoop-sim` (golden
//! model and Verilator backend), the host protocol in `lmsnoop-firmware`, the register map
//! in `lmsnoop-regs`. The hardware commands come from `lmsnoop-flows` (feature `hw`) and the
//! Verilator backend from `lmsnoop-sim` (feature `rtl`).

pub mod ahead;
pub mod backend;
pub mod batches;
pub mod bench;
pub mod divergence;
pub mod events;
pub mod faults;
pub mod metrics;
pub mod nbd;
pub mod plot;
pub mod replay;
pub mod report;
pub mod rng;
#[cfg(feature = "rtl")]
pub mod rtl_bench;
pub mod scale;
pub mod serve;
pub mod soak;
pub mod storage;
pub mod workload;
pub mod world;
