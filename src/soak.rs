//! `lmsnoop soak`: random migrations with random faults of every kind, back to back, for a
//! time budget. Each migration draws its geometry, method, workload and faults from its
//! own seed, runs through the firmware on the chosen backend and is verified byte by byte
//! (target == source); on the RTL backend the same migration also runs on the golden
//! model and the two reports must be identical. A loss or a mismatch names the seed that
//! reproduces it.

use crate::faults::{BadRange, Failover, FaultPlan, Outage};
use crate::metrics::RunReport;
use crate::report::run_json;
use crate::rng::Rng;
use crate::workload::{WorkloadConfig, WorkloadKind};
use crate::world::{simulate, LatencyModel, SimConfig, WriteSnoop};
use anyhow::Result;
use lmsnoop_firmware::{ChangeReport, ServerConfig};
use lmsnoop_regs::Method;
use lmsnoop_sim::{GoldenTracker, TrackerPort};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Faults that happened, per kind, summed over the migrations (a fault planned for a pass
/// the migration never reached is not counted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Failed target writes by cause: at random, in a bad region, in an outage.
    pub random_write_failures: u64,
    pub bad_range_write_failures: u64,
    pub outage_write_failures: u64,
    pub firmware_restarts: u64,
    pub tracker_resets: u64,
    pub failovers: u64,
    /// Migrations whose source and target LBA sizes differ.
    pub mixed_lba_sizes: u64,
}

impl FaultCounts {
    fn add(&mut self, cfg: &SimConfig, r: &RunReport) {
        self.random_write_failures += r.failures.drive;
        self.bad_range_write_failures += r.failures.bad_range;
        self.outage_write_failures += r.failures.outage;
        self.firmware_restarts += u64::from(r.firmware_restarts);
        self.tracker_resets += u64::from(r.tracker_resets);
        self.failovers += u64::from(r.failover.is_some());
        self.mixed_lba_sizes += u64::from(cfg.source_lba_bytes != cfg.target_lba_bytes);
    }

    /// Each kind as (JSON key, table label, count), the one list both outputs print.
    fn kinds(&self) -> [(&'static str, &'static str, u64); 7] {
        [
            (
                "random_write_failures",
                "random target-write failures",
                self.random_write_failures,
            ),
            (
                "bad_range_write_failures",
                "bad-range target-write failures",
                self.bad_range_write_failures,
            ),
            (
                "outage_write_failures",
                "outage target-write failures",
                self.outage_write_failures,
            ),
            (
                "firmware_restarts",
                "firmware restarts",
                self.firmware_restarts,
            ),
            ("tracker_resets", "tracker resets", self.tracker_resets),
            ("failovers", "server failovers", self.failovers),
            (
                "mixed_lba_sizes",
                "512 <-> 4096 LBA migrations",
                self.mixed_lba_sizes,
            ),
        ]
    }
}

/// What a soak found.
#[derive(Clone, Debug, Default)]
pub struct SoakReport {
    pub backend: &'static str,
    pub first_seed: u64,
    pub migrations: u64,
    /// Migrations that stopped with `CopyFailed`: a final-pass copy failed on every retry,
    /// so the run refused to call the target consistent (counted, not a loss).
    pub stopped_copy_failed: u64,
    pub faults: FaultCounts,
    pub bytes_verified: u64,
    pub lost_updates: u64,
    /// Golden and RTL reports that differ (`None` on the golden backend: nothing to compare).
    pub mismatches: Option<u64>,
    /// Seeds of the migrations that lost data, disagreed, or failed otherwise, with why.
    pub failures: Vec<(u64, String)>,
    pub seconds: f64,
}

impl SoakReport {
    /// No loss, no mismatch, no other failure.
    pub fn clean(&self) -> bool {
        self.lost_updates == 0 && self.mismatches.unwrap_or(0) == 0 && self.failures.is_empty()
    }

    pub fn json(&self) -> Value {
        let faults: serde_json::Map<String, Value> = (self.faults.kinds().into_iter())
            .map(|(key, _, n)| (key.to_string(), json!(n)))
            .collect();
        json!({
            "backend": self.backend,
            "first_seed": self.first_seed,
            "migrations": self.migrations,
            "stopped_copy_failed": self.stopped_copy_failed,
            "faults": faults,
            "bytes_verified": self.bytes_verified,
            "lost_updates": self.lost_updates,
            "mismatches": self.mismatches,
            "failures": self.failures.iter()
                .map(|(seed, why)| json!({ "seed": seed, "why": why }))
                .collect::<Vec<_>>(),
            "seconds": self.seconds,
            "clean": self.clean(),
        })
    }

    pub fn table(&self) -> String {
        let mut out = format!(
            "soak on the {} backend, {:.0} s, seeds {}..{}\n",
            self.backend,
            self.seconds,
            self.first_seed,
            self.first_seed + self.migrations
        );
        let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<34} {v}\n"));
        line("migrations run", self.migrations.to_string());
        line(
            "stopped with CopyFailed (reported)",
            self.stopped_copy_failed.to_string(),
        );
        for (_, label, n) in self.faults.kinds() {
            line(label, n.to_string());
        }
        line("bytes verified", self.bytes_verified.to_string());
        line("lost updates", self.lost_updates.to_string());
        line(
            "golden/RTL mismatches",
            self.mismatches
                .map_or("not compared (golden backend)".into(), |m| m.to_string()),
        );
        for (seed, why) in &self.failures {
            out.push_str(&format!("  FAILED seed {seed}: {why}\n"));
        }
        out
    }
}

/// One migration's configuration, drawn from its seed: a small namespace (so that many
/// run per minute) in every method, workload and LBA-size pairing, with each fault kind
/// on or off at random, several at once.
pub fn random_config(seed: u64) -> SimConfig {
    let mut rng = Rng::new(seed ^ 0x50AC_50AC);
    let pick = |rng: &mut Rng, n: usize| rng.below(n as u64) as usize;
    let sizes = [512u64, 4096];
    let source_lba_bytes = sizes[pick(&mut rng, 2)];
    let target_lba_bytes = sizes[pick(&mut rng, 2)];
    // A granule holds a whole number of both LBAs: at least 4 KiB.
    let min_shift = (4096 / source_lba_bytes).trailing_zeros();
    let granule_shift = min_shift + rng.below(3) as u32;
    let namespace_lbas = (1u64 << (12 + rng.below(5))) << min_shift;
    let target_lbas = namespace_lbas * source_lba_bytes / target_lba_bytes;
    let mut faults = FaultPlan::default();
    if rng.chance(0.4) {
        let count = 1 + rng.below(target_lbas / 8);
        faults.bad_ranges.push(BadRange {
            slba: rng.below(target_lbas - count + 1),
            count,
            passes: 1 + rng.below(3) as u32,
        });
    }
    let some_pass = |rng: &mut Rng, p: f64| rng.chance(p).then(|| rng.below(4) as u32);
    faults.outage = some_pass(&mut rng, 0.3).map(|at_pass| Outage {
        at_pass,
        writes: 1 + rng.below(300),
    });
    faults.firmware_restart_at_pass = some_pass(&mut rng, 0.3);
    faults.tracker_reset_at_pass = some_pass(&mut rng, 0.3);
    faults.failover = some_pass(&mut rng, 0.3).map(|at_pass| Failover {
        at_pass,
        fraction: 0.05 + 0.9 * rng.f64(),
    });
    SimConfig {
        method: Method::ALL[pick(&mut rng, Method::ALL.len())],
        namespace_lbas,
        granule_shift,
        source_lba_bytes,
        target_lba_bytes,
        workload: WorkloadConfig {
            kind: WorkloadKind::ALL[pick(&mut rng, WorkloadKind::ALL.len())],
            zipf_skew: 0.99,
            write_blocks: 1 + rng.below(8) as u32,
        },
        mapped_fraction: 0.3 + 0.7 * rng.f64(),
        write_rate: 0.05 + 0.45 * rng.f64(),
        seed,
        queue_depth: 1 + rng.below(16) as u32,
        server: ServerConfig {
            threshold: rng.below(64),
            max_passes: 4 + rng.below(6) as u32,
            chunk_granules: 1 + rng.below(16),
            cursor_merge_gap: rng.below(4),
            report: ChangeReport::QueryBdp,
            final_retries: ServerConfig::DEFAULT_FINAL_RETRIES,
        },
        write_snoop: WriteSnoop::Completion,
        target_fail_rate: if rng.chance(0.5) {
            0.02 * rng.f64()
        } else {
            0.0
        },
        faults,
        latency: LatencyModel {
            write_stall_chance: 0.05 * rng.f64(),
            ..LatencyModel::default()
        },
        watch: Vec::new(),
        progress: false,
    }
}

/// Runs migrations from `first_seed` on until `budget` has passed, each configured by
/// `draw(seed)` ([`random_config`] in the CLI); `port` makes the tracker of a migration
/// (`None`: the golden model only). `tick` sees the report after each migration (for a
/// progress line).
pub fn soak(
    budget: Duration,
    first_seed: u64,
    draw: impl Fn(u64) -> SimConfig,
    port: Option<&dyn Fn(u64) -> Result<Box<dyn TrackerPort>>>,
    mut tick: impl FnMut(&SoakReport),
) -> Result<SoakReport> {
    let started = Instant::now();
    let mut out = SoakReport {
        backend: "golden",
        first_seed,
        mismatches: port.map(|_| 0),
        ..SoakReport::default()
    };
    let mut seed = first_seed;
    while started.elapsed() < budget {
        let cfg = draw(seed);
        // A drawn configuration the simulator refuses is a bug of the draw, not a pass.
        cfg.check()?;
        let golden = simulate(&cfg, GoldenTracker::new(cfg.granules()));
        let other = match port {
            Some(make) => {
                let p = make(cfg.granules())?;
                out.backend = p.backend();
                Some(simulate(&cfg, p))
            }
            None => None,
        };
        out.migrations += 1;
        record(&mut out, &cfg, golden, other);
        seed += 1;
        out.seconds = started.elapsed().as_secs_f64();
        tick(&out);
    }
    out.seconds = started.elapsed().as_secs_f64();
    Ok(out)
}

/// Adds one migration: the golden run, and the other backend's when there is one (its
/// figures are the ones counted; the golden run is what it must equal).
fn record(
    out: &mut SoakReport,
    cfg: &SimConfig,
    golden: Result<RunReport>,
    other: Option<Result<RunReport>>,
) {
    let seed = cfg.seed;
    if let Some(other) = &other {
        let same = match (&golden, other) {
            (Ok(g), Ok(o)) => comparable(g) == comparable(o),
            (Err(g), Err(o)) => format!("{g:#}") == format!("{o:#}"),
            _ => false,
        };
        if !same {
            *out.mismatches.get_or_insert(0) += 1;
            let why = format!("the golden and {} reports differ", out.backend);
            out.failures.push((seed, why));
        }
    }
    let run = other.unwrap_or(golden);
    match run {
        Ok(r) => {
            out.faults.add(cfg, &r);
            out.bytes_verified += cfg.namespace_lbas * cfg.source_lba_bytes;
            out.lost_updates += r.lost_updates;
            if r.lost_updates > 0 {
                out.failures.push((
                    seed,
                    format!(
                        "{} granules lost, e.g. {:?}",
                        r.lost_updates, r.lost_examples
                    ),
                ));
            }
        }
        Err(e) if is_copy_failed(&e) => out.stopped_copy_failed += 1,
        Err(e) => out.failures.push((seed, format!("{e:#}"))),
    }
}

fn is_copy_failed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<lmsnoop_firmware::Status>(),
            Some(lmsnoop_firmware::Status::CopyFailed { .. })
        )
    })
}

/// A report as JSON without what legitimately differs between backends.
fn comparable(r: &RunReport) -> Value {
    let mut v = run_json(r, None);
    if let Some(o) = v.as_object_mut() {
        o.remove("backend");
    }
    v
}
