//! Throughput of the golden model: single-granule snoop operations per second.

use crate::rng::Rng;
use anyhow::{Context, Result};
use lmsnoop_firmware::{Device, TrackingConfig};
use lmsnoop_regs::Method;
use lmsnoop_sim::{GoldenTracker, Snoop, TrackerPort};
use std::hint::black_box;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct BenchResult {
    pub method: Method,
    /// Operations through a concrete type, and through `dyn TrackerPort` (as the CLI uses it).
    pub ops: u64,
    pub static_ops_per_second: f64,
    pub dyn_ops_per_second: f64,
}

/// Timed repetitions per figure; the best one is reported (the others met page faults,
/// frequency ramps or a busy neighbour core).
const REPEATS: usize = 3;

/// Applies `ops` random single-granule operations (3 user writes to 1 copy read) to a
/// tracking golden model of `granules` granules, per method. The operations are drawn
/// inside the timed loop (about 1 ns each, included in the figure): a precomputed stream
/// of millions of operations would sweep the caches and measure the stream, not the model.
pub fn golden_throughput(ops: u64, granules: u64, seed: u64) -> Result<Vec<BenchResult>> {
    let mut results = Vec::new();
    for method in Method::ALL {
        let static_s = best_of(REPEATS, || time_on(method, granules, ops, seed, apply))?;
        let dyn_s = best_of(REPEATS, || {
            time_on(method, granules, ops, seed, |port, n, rng| {
                apply(port as &mut dyn TrackerPort, n, rng)
            })
        })?;
        results.push(BenchResult {
            method,
            ops,
            static_ops_per_second: ops as f64 / static_s,
            dyn_ops_per_second: ops as f64 / dyn_s,
        });
    }
    Ok(results)
}

fn best_of(n: usize, mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..n {
        best = best.min(f()?);
    }
    Ok(best)
}

/// Seconds to apply `ops` operations to a freshly started tracker, after an untimed
/// warm-up that touches its bitmaps.
fn time_on(
    method: Method,
    granules: u64,
    ops: u64,
    seed: u64,
    run: impl Fn(&mut GoldenTracker, u64, &mut Rng),
) -> Result<f64> {
    let mut dev =
        Device::new(GoldenTracker::new(granules)).context("setting up the bench tracker")?;
    let cfg = TrackingConfig {
        method,
        granule_shift: 0,
        namespace_lbas: granules,
    };
    dev.start_tracking(cfg, &[(0, granules)])?;
    if method == Method::Cursor {
        dev.set_plan(0, granules)?;
    }
    let mut rng = Rng::new(seed);
    run(dev.port_mut(), ops.min(1 << 20), &mut rng);
    let t = Instant::now();
    run(dev.port_mut(), ops, &mut rng);
    let seconds = t.elapsed().as_secs_f64();
    black_box(dev.get_status()?);
    Ok(seconds)
}

/// `n` random single-granule operations over the tracker's namespace: 3 writes to 1 copy read.
fn apply<P: TrackerPort + ?Sized>(port: &mut P, n: u64, rng: &mut Rng) {
    let granules = u64::from(port.csr_read(lmsnoop_regs::NS_GRANULES));
    for _ in 0..n {
        let r = rng.next_u64();
        let op = Snoop::new(
            ((u128::from(r >> 2) * u128::from(granules)) >> 62) as u64,
            0,
        );
        if r & 3 != 0 {
            port.user_write(black_box(op));
        } else {
            port.copy_read(black_box(op));
        }
    }
}
