//! Throughput and latency of the RTL in exact simulated clock cycles.
//!
//! Every scenario runs on a fresh instance of the default build (`lm_tracker`, 2^20
//! granules), tracking a 2^20-granule namespace with granule shift 0 under the bitmap
//! method (the most demanding: a user write reads the passive word, a copy read rewrites
//! it). Snoop beats are offered every cycle; a throughput scenario's cycles run from the
//! first offer to the last acceptance, and the pipeline's latency is its own scenario.

use crate::rng::Rng;
use anyhow::{ensure, Result};
use lmsnoop_firmware::{Device, TrackingConfig};
use lmsnoop_regs::Method;
use lmsnoop_regs::{BUSY, CMD, OP_SWAP, STATUS};
use lmsnoop_sim::rtl::{RtlBuild, RtlTracker};
use lmsnoop_sim::{Snoop, TrackerPort};
use std::time::Instant;

/// One measured scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: &'static str,
    pub what: &'static str,
    pub ops: u64,
    pub cycles: u64,
    /// Granules (or words, for the query) per operation, for the per-cycle rate.
    pub unit: &'static str,
    pub units: u64,
}

impl Scenario {
    pub fn ops_per_cycle(&self) -> f64 {
        self.ops as f64 / self.cycles as f64
    }
    pub fn units_per_cycle(&self) -> f64 {
        self.units as f64 / self.cycles as f64
    }
}

pub struct RtlBench {
    pub scenarios: Vec<Scenario>,
    /// Snoop operations per wall-clock second through the TrackerPort (queue + Verilator).
    pub verilator_ops_per_second: f64,
}

const NS: u64 = 1 << 20;

/// A tracking device on the default build, bitmap method, half the namespace planned.
fn tracking_device() -> Result<Device<RtlTracker>> {
    let mut dev = Device::new(RtlTracker::of_build(RtlBuild::Large))?;
    let cfg = TrackingConfig {
        method: Method::Bitmap,
        granule_shift: 0,
        namespace_lbas: NS,
    };
    dev.start_tracking(cfg, &[(0, NS / 2)])?;
    Ok(dev)
}

/// Offers `ops` (a `true` flag marks a copy read) as fast as the block takes them, both
/// ports at once when `both_ports`; returns the cycles from the first offer to the last
/// acceptance, inclusive.
fn drive(t: &mut RtlTracker, ops: &[(bool, Snoop)], both_ports: bool) -> u64 {
    t.tick_idle(0);
    let start = t.cycles();
    let (mut uws, mut crs): (Vec<Snoop>, Vec<Snoop>) = (Vec::new(), Vec::new());
    for &(copy, op) in ops.iter().rev() {
        if copy {
            crs.push(op)
        } else {
            uws.push(op)
        }
    }
    if both_ports {
        while !uws.is_empty() || !crs.is_empty() {
            let (a, b) = t.drive_snoops(uws.last().copied(), crs.last().copied());
            if a {
                uws.pop();
            }
            if b {
                crs.pop();
            }
        }
    } else {
        for &(copy, op) in ops {
            let (uw, cr) = if copy {
                (None, Some(op))
            } else {
                (Some(op), None)
            };
            while t.drive_snoops(uw, cr) == (false, false) {}
        }
    }
    let cycles = t.cycles() - start;
    wait_idle(t);
    cycles
}

/// Ticks until STATUS.BUSY reads 0, one AXI read at a time.
fn wait_idle(t: &mut RtlTracker) {
    while BUSY.get(t.csr_read_raw(STATUS)) == 1 {}
}

fn single_granule(rng: &mut Rng, n: u64, copies: bool) -> Vec<(bool, Snoop)> {
    (0..n)
        .map(|i| (copies && i % 2 == 1, Snoop::new(rng.below(NS), 0)))
        .collect()
}

/// Cycles from the CMD write to the first cycle STATUS.BUSY reads 0. Exact: the swap is
/// repeated with k idle cycles between the write and a STATUS read, and the smallest k that
/// reads BUSY low is found by exponential then binary search (BUSY stays low once low).
fn swap_latency(
    dev: &mut Device<RtlTracker>,
    prepare: &mut dyn FnMut(&mut Device<RtlTracker>),
) -> Result<u64> {
    // Returns (busy at the read, cycles from the write handshake to the read sample).
    let mut trial = |idle: u64| -> Result<(bool, u64)> {
        prepare(dev);
        let t = dev.port_mut();
        t.tick_idle(0); // drive what `prepare` queued
        wait_idle(t);
        let before = t.cycles();
        ensure!(t.csr_write_raw(CMD, OP_SWAP) == 0, "SWAP write refused");
        // The write handshakes in the first cycle of its call, the read in the first cycle of
        // its call, where STATUS is sampled.
        let written = before + 1;
        t.tick_idle(idle);
        let sampled = t.cycles() + 1;
        let busy = BUSY.get(t.csr_read_raw(STATUS)) == 1;
        wait_idle(t);
        Ok((busy, sampled - written))
    };
    let mut hi = 1u64;
    while trial(hi)?.0 {
        hi *= 2;
        ensure!(hi < 1 << 30, "the swap never completed");
    }
    let mut lo = 0u64;
    if !trial(0)?.0 {
        return Ok(trial(0)?.1);
    }
    // Invariant: trial(lo) busy, trial(hi) not busy.
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if trial(mid)?.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(trial(hi)?.1)
}

pub fn run(ops: u64, seed: u64) -> Result<RtlBench> {
    ensure!(ops >= 16, "at least 16 operations per scenario");
    let mut rng = Rng::new(seed);
    let mut scenarios = Vec::new();

    let mut dev = tracking_device()?;
    let writes = single_granule(&mut rng, ops, false);
    let cycles = drive(dev.port_mut(), &writes, false);
    scenarios.push(Scenario {
        name: "user_writes_single_granule",
        what: "random single-granule user writes, one port",
        ops,
        cycles,
        unit: "granules",
        units: ops,
    });

    let mixed = single_granule(&mut rng, ops, true);
    let cycles = drive(dev.port_mut(), &mixed, true);
    scenarios.push(Scenario {
        name: "mixed_both_ports",
        what: "single-granule user writes and copy reads offered on both ports every cycle",
        ops,
        cycles,
        unit: "granules",
        units: ops,
    });

    // 1 MiB writes at 4 KiB granules: 256 granules, 4 words each.
    let range_ops = (ops / 4).max(4);
    let ranges: Vec<(bool, Snoop)> = (0..range_ops)
        .map(|_| (false, Snoop::blocks(rng.below(NS / 256) * 256, 256)))
        .collect();
    // The last range is accepted with its first word; its other 3 word cycles follow.
    let cycles = drive(dev.port_mut(), &ranges, false) + 3;
    scenarios.push(Scenario {
        name: "range_writes_1mib",
        what: "1 MiB user writes (256 granules of 4 KiB, aligned)",
        ops: range_ops,
        cycles,
        unit: "granules",
        units: range_ops * 256,
    });

    // The passive buffer is drained (it holds the BMP's plan): copy it all, then swap.
    let mut drained = tracking_device()?;
    let mut drain_all = |d: &mut Device<RtlTracker>| {
        for w in 0..NS / 65536 {
            d.port_mut().copy_read(Snoop::blocks(w * 65536, 65536));
        }
    };
    let latency = swap_latency(&mut drained, &mut drain_all)?;
    scenarios.push(Scenario {
        name: "swap_drained",
        what: "SWAP with a drained passive buffer: CMD write to STATUS.BUSY low",
        ops: 1,
        cycles: latency,
        unit: "swaps",
        units: 1,
    });
    let mut residual = tracking_device()?;
    let mut plant = |d: &mut Device<RtlTracker>| {
        // Residual plan bits (bitmap): the swap folds the whole buffer into the next plan.
        d.port_mut().user_write(Snoop::new(7, 0));
    };
    let latency = swap_latency(&mut residual, &mut plant)?;
    scenarios.push(Scenario {
        name: "swap_residual",
        what: "SWAP with residual bits: the fold walks all 16384 words",
        ops: 1,
        cycles: latency,
        unit: "swaps",
        units: 1,
    });

    // Latency: one single-granule write from its acceptance to STATUS.BUSY low, exactly
    // (the STATUS read samples in the first cycle of its call).
    let t = dev.port_mut();
    let mut latency = 0;
    for idle in 0..64 {
        let accepted = t.cycles() + 1;
        while !t.drive_snoops(Some(Snoop::new(rng.below(NS), 0)), None).0 {}
        t.tick_idle(idle);
        let sampled = t.cycles() + 1;
        let busy = BUSY.get(t.csr_read_raw(STATUS)) == 1;
        wait_idle(t);
        if !busy {
            latency = sampled - accepted;
            break;
        }
    }
    ensure!(latency > 0, "a write never left the pipeline");
    scenarios.push(Scenario {
        name: "write_latency",
        what: "one user write: acceptance to STATUS.BUSY low (bitmaps and counters updated)",
        ops: 1,
        cycles: latency,
        unit: "writes",
        units: 1,
    });

    wait_idle(t);
    let start = t.cycles();
    let words = NS / 64;
    t.csr_write(CMD, lmsnoop_regs::OP_QUERY);
    let (mut got, mut first) = (0, 0);
    loop {
        if let Some(beat) = t.query_cycle(true) {
            if got == 0 {
                first = t.cycles();
            }
            got += 1;
            if beat.last {
                break;
            }
        }
        ensure!(t.cycles() - start < 100 * words, "the query stream stalled");
    }
    ensure!(
        got == words,
        "query delivered {got} words, expected {words}"
    );
    scenarios.push(Scenario {
        name: "query_first_word",
        what: "QUERY: CMD write (and BUSY poll) to the first word on q_tdata",
        ops: 1,
        cycles: first - start,
        unit: "words",
        units: 1,
    });
    scenarios.push(Scenario {
        name: "query_stream",
        what: "QUERY of the passive buffer, consumer always ready: first to last word",
        ops: words,
        cycles: t.cycles() - first + 1,
        unit: "words",
        units: words,
    });

    // Wall-clock rate of the Verilated model through the port, as the simulator uses it.
    let mut dev = tracking_device()?;
    let stream = single_granule(&mut rng, ops, true);
    let wall = Instant::now();
    for &(copy, op) in &stream {
        if copy {
            dev.port_mut().copy_read(op);
        } else {
            dev.port_mut().user_write(op);
        }
    }
    dev.get_status()?;
    let verilator_ops_per_second = ops as f64 / wall.elapsed().as_secs_f64();
    Ok(RtlBench {
        scenarios,
        verilator_ops_per_second,
    })
}
