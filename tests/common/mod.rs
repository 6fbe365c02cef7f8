//! Shared pieces of the cross-crate tests: seeded loops, the per-bit reference model,
//! the skip-audit port and small simulator configurations.
#![allow(dead_code)]

pub mod audit;
pub mod reference;

use lmsnoop::workload::{WorkloadConfig, WorkloadKind};
use lmsnoop::world::{LatencyModel, SimConfig, WriteSnoop};
use lmsnoop_firmware::ServerConfig;
use lmsnoop_regs::Method;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f` for `LMSNOOP_SEEDS` seeds (default `default_count`) starting at
/// `LMSNOOP_SEED_BASE` (default 0); a failing seed is printed with the line that
/// reproduces it alone.
pub fn for_each_seed(test: &str, default_count: u64, mut f: impl FnMut(u64)) {
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.parse::<u64>().unwrap_or_else(|_| panic!("{name}={v:?}")))
    };
    let count = env("LMSNOOP_SEEDS").unwrap_or(default_count);
    let base = env("LMSNOOP_SEED_BASE").unwrap_or(0);
    for seed in base..base + count {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(seed))) {
            eprintln!(
                "{test}: FAILED with seed {seed}; reproduce with: LMSNOOP_SEED_BASE={seed} LMSNOOP_SEEDS=1 cargo test --test <file> {test}"
            );
            std::panic::resume_unwind(panic);
        }
    }
}

/// A small migration that still has every mechanism in play: holes in the BMP, queue
/// depth, multi-granule copies, write stalls that reorder commands, several passes.
pub fn small_config(method: Method, kind: WorkloadKind, seed: u64) -> SimConfig {
    SimConfig {
        method,
        namespace_lbas: 1 << 16,
        granule_shift: 1,
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
        },
        write_snoop: WriteSnoop::Completion,
        target_fail_rate: 0.0,
        latency: LatencyModel {
            write_stall_chance: 0.02,
            ..LatencyModel::default()
        },
        watch: Vec::new(),
        progress: false,
    }
}
