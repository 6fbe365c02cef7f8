//! Throughput of the golden model: single-granule snoop operations per second.

use crate::rng::Rng;
use anyhow::{Context, Result};
use lmsnoop_firmware::{Device, TrackingConfig};
use lmsnoop_sim::golden::Method;
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

/// Applies `ops` random single-granule operations (3 user writes to 1 copy read) to a
/// tracking golden model of `granules` granules, per method.
pub fn golden_throughput(ops: u64, granules: u64, seed: u64) -> Result<Vec<BenchResult>> {
    let mut rng = Rng::new(seed);
    let stream: Vec<(bool, Snoop)> = (0..ops)
        .map(|_| (rng.below(4) != 0, Snoop::new(rng.below(granules), 0)))
        .collect();
    let mut results = Vec::new();
    for method in Method::ALL {
        let static_s = best_of(REPEATS, || time_on(method, granules, &stream, apply))?;
        let dyn_s = best_of(REPEATS, || {
            time_on(method, granules, &stream, |port, ops| {
                apply(port as &mut dyn TrackerPort, ops)
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

/// Timed repetitions per figure; the best one is reported (the others met page faults,
/// frequency ramps or a busy neighbour core).
const REPEATS: usize = 3;

fn best_of(n: usize, mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..n {
        best = best.min(f()?);
    }
    Ok(best)
}

/// Seconds to apply `stream` to a freshly started tracker, after an untimed warm-up
/// that touches its bitmaps.
fn time_on(
    method: Method,
    granules: u64,
    stream: &[(bool, Snoop)],
    run: impl Fn(&mut GoldenTracker, &[(bool, Snoop)]),
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
    run(dev.port_mut(), &stream[..stream.len().min(1 << 20)]);
    let t = Instant::now();
    run(dev.port_mut(), stream);
    let seconds = t.elapsed().as_secs_f64();
    black_box(dev.get_status()?);
    Ok(seconds)
}

fn apply<P: TrackerPort + ?Sized>(port: &mut P, stream: &[(bool, Snoop)]) {
    for &(is_write, op) in stream {
        if is_write {
            port.user_write(black_box(op));
        } else {
            port.copy_read(black_box(op));
        }
    }
}
