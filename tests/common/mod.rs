//! Shared pieces of the cross-crate tests: seeded loops, the per-bit reference model,
//! the skip-audit port and small simulator configurations.
#![allow(dead_code)]

pub mod audit;
pub mod fuzz;
pub mod reference;
pub mod seeds;

use lmsnoop::workload::{WorkloadConfig, WorkloadKind};
use lmsnoop::world::{LatencyModel, SimConfig, WriteSnoop};
use lmsnoop_firmware::{ChangeReport, ServerConfig};
use lmsnoop_regs::Method;

/// [`seeds::for_each_seed_of`] with this package's features.
pub fn for_each_seed(test: &str, default_count: u64, f: impl FnMut(u64)) {
    let features: Vec<&str> = [("hw", cfg!(feature = "hw")), ("rtl", cfg!(feature = "rtl"))]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
    seeds::for_each_seed_of(&features, test, default_count, f);
}

/// A small migration that still has every mechanism in play: holes in the BMP, queue
/// depth, multi-granule copies, write stalls that reorder commands, several passes.
pub fn small_config(method: Method, kind: WorkloadKind, seed: u64) -> SimConfig {
    SimConfig {
        method,
        namespace_lbas: 1 << 16,
        granule_shift: 1,
        source_lba_bytes: 4096,
        target_lba_bytes: 4096,
        workload: WorkloadConfig {
            kind,
            zipf_skew: 0.99,
            write_blocks: 1,
        },
        mapped_fraction: 0.7,
        write_rate: 0.2,
        seed,
        queue_depth: 8,
        server: ServerConfig {
            threshold: 16,
            max_passes: 6,
            chunk_granules: 4,
            cursor_merge_gap: 0,
            report: ChangeReport::QueryBdp,
            final_retries: ServerConfig::DEFAULT_FINAL_RETRIES,
        },
        write_snoop: WriteSnoop::Completion,
        target_fail_rate: 0.0,
        faults: Default::default(),
        latency: LatencyModel {
            write_stall_chance: 0.02,
            ..LatencyModel::default()
        },
        watch: Vec::new(),
        progress: false,
    }
}
