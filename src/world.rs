//! The discrete-event world of a migration: users writing to the source, the migration
//! server copying it to the target, the snoop block watching both.
//!
//! A user write has three instants: submission, media access (its data replaces the
//! source's) and completion, with random latencies and occasional long stalls, so
//! concurrent commands really reorder. A copy read is snooped at submission, samples the
//! source at its media access, and its data reaches the target at the target write's
//! media access. User writes are snooped at completion ([`WriteSnoop::Completion`], the
//! safe point) or, to show why not, at submission.

use crate::ahead::Ahead;
use crate::divergence::{Background, Divergence};
use crate::events::{Ev, Events};
use crate::faults::{Cause, FailoverFigures, FailureCounts, FaultPlan, Faults};
use crate::metrics::{converged, pass_end, CdqFigures, PassMetrics, RunReport};
use crate::rng::{Draws, Rng};
use crate::storage::{granules_touched, RangeSet, Watched, PRE_EXISTING};
use crate::workload::{mapped_extents, Workload, WorkloadConfig};
use anyhow::{bail, Context, Result};
use lmsnoop_firmware::{
    ChangeReport, CopyJob, Device, MigrationServer, Next, ServerConfig, TrackingConfig,
};
use lmsnoop_regs::Method;
use lmsnoop_sim::{Snoop, TrackerPort};
use std::time::{Duration, Instant};

/// Where user writes meet the snoop block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteSnoop {
    /// At completion, when the data is visible to later reads: never loses an update.
    Completion,
    /// At submission: a copy read may sample the block before the write lands and the
    /// write's dirty bit is already spent. Loses updates; kept to demonstrate it.
    Submission,
}

/// A latency: a fixed part plus an exponential tail.
#[derive(Clone, Copy, Debug)]
pub struct Latency {
    pub base_ns: u64,
    pub mean_extra_ns: u64,
}

impl Latency {
    pub const fn new(base_ns: u64, mean_extra_ns: u64) -> Self {
        Latency {
            base_ns,
            mean_extra_ns,
        }
    }
    fn sample(self, rng: &mut Draws) -> u64 {
        self.base_ns + rng.exp(self.mean_extra_ns as f64) as u64
    }
    fn mean(self) -> f64 {
        (self.base_ns + self.mean_extra_ns) as f64
    }
}

/// Latencies of the simulated drives (NVMe TLC-class defaults).
#[derive(Clone, Copy, Debug)]
pub struct LatencyModel {
    /// User write: submission to data on media.
    pub write_media: Latency,
    /// User write: media to completion.
    pub write_complete: Latency,
    /// Chance that a user write stalls (garbage collection, a busy die) and for how long.
    pub write_stall_chance: f64,
    pub write_stall: Latency,
    /// Copy read: submission to media sample.
    pub copy_read: Latency,
    /// Target write: submission (at the read's completion) to media.
    pub target_write: Latency,
    /// Transfer time per granule, added to a copy read and to its target write.
    pub per_granule_ns: u64,
}

impl Default for LatencyModel {
    fn default() -> Self {
        LatencyModel {
            write_media: Latency::new(10_000, 10_000),
            write_complete: Latency::new(2_000, 3_000),
            write_stall_chance: 0.002,
            write_stall: Latency::new(0, 500_000),
            copy_read: Latency::new(50_000, 25_000),
            target_write: Latency::new(10_000, 10_000),
            per_granule_ns: 1_000,
        }
    }
}

impl LatencyModel {
    /// Mean time of one copy job of `granules`, read and target write.
    fn mean_copy_ns(&self, granules: u64) -> f64 {
        self.copy_read.mean()
            + self.target_write.mean()
            + 2.0 * (granules * self.per_granule_ns) as f64
    }
}

/// Everything that defines one simulated migration.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub method: Method,
    /// The namespace in source LBAs: the unit of the user writes, the snoops and the
    /// granule (2^`granule_shift` source LBAs).
    pub namespace_lbas: u64,
    pub granule_shift: u32,
    /// Bytes per LBA of the source, and of the target (the unit of its writes and of
    /// `--bad-target-range`): copies convert, and target == source is kept by byte.
    pub source_lba_bytes: u64,
    pub target_lba_bytes: u64,
    pub workload: WorkloadConfig,
    /// Fraction of the namespace holding data at the start (the rest are BMP holes).
    pub mapped_fraction: f64,
    /// User writes per granule the copy engine moves at full queue depth.
    pub write_rate: f64,
    pub seed: u64,
    /// Copy jobs in flight at most.
    pub queue_depth: u32,
    pub server: ServerConfig,
    pub write_snoop: WriteSnoop,
    /// Chance that a target write fails (the server then marks its granules dirty).
    pub target_fail_rate: f64,
    /// Target-write failures injected beyond the random ones.
    pub faults: FaultPlan,
    pub latency: LatencyModel,
    /// Granules whose every event is logged into the report.
    pub watch: Vec<u64>,
    /// Print progress on stderr when the run takes more than a few seconds.
    pub progress: bool,
}

impl SimConfig {
    pub fn granules(&self) -> u64 {
        self.namespace_lbas.div_ceil(1u64 << self.granule_shift)
    }

    /// A source and a target LBA as powers of two of the smaller of the two LBA sizes,
    /// the unit in which the simulator compares target with source.
    pub fn unit_shifts(&self) -> (u32, u32) {
        let unit = self.source_lba_bytes.min(self.target_lba_bytes);
        let shift = |bytes: u64| (bytes / unit).trailing_zeros();
        (shift(self.source_lba_bytes), shift(self.target_lba_bytes))
    }

    /// The namespace in target LBAs.
    pub fn target_lbas(&self) -> u64 {
        let (s, t) = self.unit_shifts();
        (self.namespace_lbas << s) >> t
    }

    /// Bitmaps of one granule bit each that a run holds: the tracker's two buffers, the
    /// server's plan and the BMP built at start. They are inherent (the hardware has them
    /// too); everything else the simulator keeps follows the writes.
    pub const BITMAPS: u64 = 4;

    /// Bytes of those bitmaps.
    pub fn bitmap_bytes(&self) -> u64 {
        Self::BITMAPS * self.granules().div_ceil(64) * 8
    }

    /// Refuses a configuration no run can use (the CLI reports it as bad input).
    pub fn check(&self) -> Result<()> {
        self.check_geometry()?;
        self.check_run()?;
        Workload::check(&self.workload, self.namespace_lbas)?;
        if let Some(g) = self.watch.iter().find(|&&g| g >= self.granules()) {
            bail!(
                "--watch granule {g} is beyond the namespace's {} granules",
                self.granules()
            );
        }
        self.check_faults()
    }

    /// The namespace, the two block sizes, the granule and the copy size.
    fn check_geometry(&self) -> Result<()> {
        if self.namespace_lbas == 0 {
            bail!("--namespace is empty");
        }
        for (flag, bytes) in [
            ("--source-lba-size", self.source_lba_bytes),
            ("--target-lba-size", self.target_lba_bytes),
        ] {
            if !(bytes.is_power_of_two() && (512..=65536).contains(&bytes)) {
                bail!("{flag} must be a power of two within 512 B..=64 KiB, got {bytes} B");
            }
        }
        let granule_bytes = self.source_lba_bytes.checked_shl(self.granule_shift);
        if granule_bytes.map_or(true, |g| g % self.target_lba_bytes != 0) {
            bail!(
                "--granule of 2^{} source LBAs of {} B is not a whole number of the target's \
                 {} B LBAs (--target-lba-size): a copy could not be written as whole target \
                 blocks",
                self.granule_shift,
                self.source_lba_bytes,
                self.target_lba_bytes
            );
        }
        let namespace_bytes = self.namespace_lbas.checked_mul(self.source_lba_bytes);
        if namespace_bytes.map_or(true, |b| b % self.target_lba_bytes != 0) {
            bail!(
                "--namespace is not a whole number of the target's {} B LBAs (--target-lba-size)",
                self.target_lba_bytes
            );
        }
        if self.granule_shift > 32 {
            bail!("--granule of 2^{} LBAs is too large", self.granule_shift);
        }
        let chunk_lbas = self
            .server
            .chunk_granules
            .checked_shl(self.granule_shift)
            .unwrap_or(u64::MAX);
        let (s, t) = self.unit_shifts();
        let target_chunk = chunk_lbas.saturating_mul(1 << s) >> t;
        if chunk_lbas > 65536 || target_chunk > 65536 || self.server.chunk_granules == 0 {
            bail!(
                "--chunk: a copy of {} granules of 2^{} LBAs exceeds one NVMe command (65536 LBAs of the source or of the target)",
                self.server.chunk_granules,
                self.granule_shift
            );
        }
        Ok(())
    }

    /// How the migration runs: queue, passes, rates, the mapped fraction.
    fn check_run(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.mapped_fraction) {
            bail!(
                "--mapped (the mapped fraction) must be within 0..=1, got {}",
                self.mapped_fraction
            );
        }
        if self.queue_depth == 0 {
            bail!("--queue-depth must be at least 1");
        }
        if self.server.max_passes == 0 {
            bail!("--max-passes must be at least 1 (pass 0 copies the mapped granules)");
        }
        if !(self.write_rate >= 0.0 && self.write_rate.is_finite()) {
            bail!(
                "--write-rate must be a non-negative number, got {}",
                self.write_rate
            );
        }
        if !(0.0..=0.5).contains(&self.target_fail_rate) {
            bail!(
                "--target-fail-rate must be within 0..=0.5, got {}",
                self.target_fail_rate
            );
        }
        Ok(())
    }

    /// The injected faults, alone and with the change report.
    fn check_faults(&self) -> Result<()> {
        if matches!(self.server.report, ChangeReport::Tp4159 { .. }) {
            if self.faults.firmware_restart_at_pass.is_some() {
                bail!(
                    "--firmware-restart-at-pass needs --report query-bdp: the TP4159 queue's \
                     state lives in firmware RAM and a reboot loses it"
                );
            }
            if self.faults.failover.is_some() {
                bail!(
                    "--failover-at-pass needs --report query-bdp: the TP4159 queue's host \
                     side dies with the server"
                );
            }
            if self.faults.tracker_reset_at_pass.is_some() {
                bail!(
                    "--tracker-reset-at-pass needs --report query-bdp: the TP4159 queue's \
                     sequence cannot survive the tracker's state"
                );
            }
        }
        self.faults.check(self.target_lbas())
    }
}

struct WriteCmd {
    slba: u64,
    blocks: u64,
    stamp: u32,
}

struct CopyCmd {
    job: CopyJob,
    slba: u64,
    blocks: u64,
    /// The stamps it read of the watched granules.
    watched: Vec<(u64, usize, Vec<u32>)>,
    ok: bool,
    /// Issued by a server that died before its target write: that write never lands.
    orphan: bool,
}

/// A slab of in-flight commands with slot reuse.
struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<usize>,
}

impl<T> Slab<T> {
    fn new() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
    fn insert(&mut self, item: T) -> usize {
        match self.free.pop() {
            Some(i) => {
                self.items[i] = Some(item);
                i
            }
            None => {
                self.items.push(Some(item));
                self.items.len() - 1
            }
        }
    }
    fn len(&self) -> usize {
        self.items.len() - self.free.len()
    }
    fn get(&mut self, i: usize) -> &mut T {
        self.items[i].as_mut().expect("live slot")
    }
    fn remove(&mut self, i: usize) -> T {
        self.free.push(i);
        self.items[i].take().expect("live slot")
    }
}

struct World<'a, P: TrackerPort> {
    cfg: &'a SimConfig,
    dev: Device<P>,
    server: MigrationServer,
    /// LBAs where the target does not hold the source's data, on a core of its own.
    divergence: Background,
    watched: Watched,
    /// The user writes' LBA ranges, in submission order.
    workload: Ahead<(u64, u64)>,
    lat_rng: Draws,
    copy_rng: Draws,
    arrival_rng: Draws,
    fail_rng: Rng,
    faults: Faults,
    failures: FailureCounts,
    /// A source LBA and a target LBA in divergence units (see SimConfig::unit_shifts).
    source_unit: u32,
    target_unit: u32,
    /// Granules whose last target write failed and that no copy has read since.
    to_recopy: RangeSet,
    to_recopy_count: u64,
    firmware_restarts: u32,
    /// Tracker resets injected (the server's count is of those it noticed).
    tracker_resets: u32,
    failover: Option<FailoverFigures>,
    /// Granules the failover pass read before it, and those in flight at it: a copy of
    /// them afterwards is a copy again (counted once, in that pass and the next).
    read_before_failover: RangeSet,
    in_flight_at_failover: RangeSet,
    events: Events,
    writes: Slab<WriteCmd>,
    copies: Slab<CopyCmd>,
    next_stamp: u32,
    interarrival_ns: f64,
    quiescing: bool,
    quiesce_at: u64,
    quiesced_sent: bool,
    done_at: Option<u64>,
    pass_start: Vec<u64>,
    per_pass: Vec<PassMetrics>,
    log: Vec<String>,
    started: Instant,
    last_progress: Instant,
}

/// Runs one migration over `port` and measures it.
pub fn simulate<P: TrackerPort>(cfg: &SimConfig, port: P) -> Result<RunReport> {
    cfg.check()?;
    let backend = port.backend();
    let mut root = Rng::new(cfg.seed);
    let mut map_rng = root.fork(1);
    let workload = Workload::new(cfg.workload, cfg.namespace_lbas, root.fork(2))?;
    let mean_extent = 256u64 << cfg.granule_shift;
    let mapped = mapped_extents(
        cfg.namespace_lbas,
        cfg.mapped_fraction,
        mean_extent,
        &mut map_rng,
    )?;
    // The target starts empty: it differs from the source wherever the source holds data.
    // Kept in units of the smaller LBA size, so target == source is compared by byte.
    let (source_unit, target_unit) = cfg.unit_shifts();
    let mut diverged = RangeSet::new();
    let mut watched = Watched::new(&cfg.watch, cfg.granule_shift, cfg.namespace_lbas);
    for &(slba, count) in &mapped {
        diverged.insert(slba << source_unit, (slba + count) << source_unit);
        watched.write_source(slba, slba + count, PRE_EXISTING);
    }
    let mut dev = Device::new(port).context("probing the tracker")?;
    let tracking = TrackingConfig {
        method: cfg.method,
        granule_shift: cfg.granule_shift,
        namespace_lbas: cfg.namespace_lbas,
    };
    let server = MigrationServer::start(cfg.server, &mut dev, tracking, &mapped)
        .context("starting migration")?;
    drop(mapped); // millions of extents on a drive-sized namespace; the BMP holds them now
    let mapped_granules = server.plan().count_ones();
    let copy_rate = f64::from(cfg.queue_depth) * cfg.server.chunk_granules as f64
        / cfg.latency.mean_copy_ns(cfg.server.chunk_granules);
    let now = Instant::now();
    let mut w = World {
        cfg,
        dev,
        server,
        divergence: Background::spawn(Divergence::new(diverged, cfg.granule_shift + source_unit)),
        watched,
        workload: {
            let mut workload = workload;
            Ahead::spawn("workload", move || workload.next_write())
        },
        lat_rng: Draws::ahead("latencies", root.fork(3)),
        copy_rng: Draws::ahead("copy latencies", root.fork(4)),
        arrival_rng: Draws::ahead("arrivals", root.fork(5)),
        fail_rng: root.fork(6),
        faults: Faults::new(cfg.faults.clone()),
        failures: FailureCounts::default(),
        source_unit,
        target_unit,
        to_recopy: RangeSet::new(),
        to_recopy_count: 0,
        firmware_restarts: 0,
        tracker_resets: 0,
        failover: None,
        read_before_failover: RangeSet::new(),
        in_flight_at_failover: RangeSet::new(),
        events: Events::new(),
        writes: Slab::new(),
        copies: Slab::new(),
        next_stamp: PRE_EXISTING + 1,
        interarrival_ns: 1.0 / (cfg.write_rate * copy_rate),
        quiescing: false,
        quiesce_at: 0,
        quiesced_sent: false,
        done_at: None,
        pass_start: vec![0],
        per_pass: vec![PassMetrics::default()],
        log: Vec::new(),
        started: now,
        last_progress: now,
    };
    w.run()?;
    w.report(backend, mapped_granules)
}

impl<P: TrackerPort> World<'_, P> {
    fn pass(&self) -> usize {
        self.server.pass() as usize
    }

    /// The granules a command of `blocks` LBAs from `slba` touches.
    fn granules_of(&self, slba: u64, blocks: u64) -> std::ops::RangeInclusive<u64> {
        let shift = self.cfg.granule_shift;
        (slba >> shift)..=((slba + blocks - 1) >> shift)
    }

    fn watched(&self, slba: u64, blocks: u64) -> bool {
        if self.cfg.watch.is_empty() {
            return false;
        }
        let span = self.granules_of(slba, blocks);
        self.cfg.watch.iter().any(|g| span.contains(g))
    }

    fn note(&mut self, now: u64, what: String) {
        self.log.push(format!(
            "{:>14.3} us  pass {}  {what}",
            now as f64 / 1000.0,
            self.server.pass()
        ));
    }

    fn run(&mut self) -> Result<()> {
        if self.cfg.write_rate > 0.0 {
            let first = self.arrival_rng.exp(self.interarrival_ns) as u64;
            self.events.schedule(first, Ev::Arrival, 0)?;
        }
        self.pump(0)?;
        let mut handled = 0u64;
        while self.done_at.is_none() {
            let Some((now, ev, slot)) = self.events.pop() else {
                bail!("simulation stalled: no event pending and the server is not done (a bug)");
            };
            match ev {
                Ev::Arrival => self.arrival(now)?,
                Ev::WriteMedia => self.write_media(now, slot)?,
                Ev::WriteDone => self.write_done(now, slot)?,
                Ev::CopyMedia => self.copy_media(now, slot)?,
                Ev::TargetMedia => self.target_media(now, slot)?,
                Ev::TargetDone => self.target_done(now, slot)?,
            }
            handled += 1;
            if handled % (1 << 18) == 0 {
                self.progress(now);
            }
        }
        Ok(())
    }

    fn progress(&mut self, now: u64) {
        let wall = self.started.elapsed();
        if !self.cfg.progress
            || wall < Duration::from_secs(3)
            || self.last_progress.elapsed() < Duration::from_secs(2)
        {
            return;
        }
        self.last_progress = Instant::now();
        let p = self.per_pass.last().expect("a pass");
        eprintln!(
            "[{:>5.1} s] {}: pass {} copied {}/{} granules, {} user writes so far, simulated {:.3} s",
            wall.as_secs_f64(),
            self.cfg.method,
            self.pass(),
            p.copied,
            self.server.passes().last().map_or(0, |r| r.planned),
            self.per_pass.iter().map(|p| p.user_writes).sum::<u64>(),
            now as f64 / 1e9
        );
    }

    /// Hands free copy slots to the server until it has nothing to issue.
    fn pump(&mut self, now: u64) -> Result<()> {
        while self.done_at.is_none() && self.copies.len() < self.cfg.queue_depth as usize {
            let next = self.server.next(&mut self.dev)?;
            self.sync_pass(now);
            match next {
                Next::Copy(job) => self.issue_copy(now, job)?,
                Next::Wait => break,
                Next::Quiesce => {
                    if !self.quiescing {
                        self.quiescing = true;
                        self.quiesce_at = now;
                        self.note(now, "pre-copy ends: users quiesced".into());
                    }
                    if self.writes_in_flight() > 0 {
                        break;
                    }
                    self.send_quiesced(now)?;
                }
                Next::Done => self.done_at = Some(now),
            }
        }
        Ok(())
    }

    /// Opens the metrics of a pass the server has just begun.
    fn sync_pass(&mut self, now: u64) {
        while self.per_pass.len() <= self.pass() {
            self.pass_start.push(now);
            self.per_pass.push(PassMetrics::default());
            if !self.cfg.watch.is_empty() {
                let plan: Vec<String> = self
                    .cfg
                    .watch
                    .iter()
                    .map(|&g| {
                        format!(
                            "{g}:{}",
                            if self.server.plan().get(g) {
                                "planned"
                            } else {
                                "not planned"
                            }
                        )
                    })
                    .collect();
                self.note(now, format!("swap; new plan: {}", plan.join(" ")));
            }
        }
    }

    fn arrival(&mut self, now: u64) -> Result<()> {
        if self.quiescing {
            return Ok(());
        }
        let (slba, blocks) = self.workload.take_next();
        let stamp = self.next_stamp;
        self.next_stamp = self
            .next_stamp
            .checked_add(1)
            .expect("more than 4 billion user writes");
        let slot = self.writes.insert(WriteCmd {
            slba,
            blocks,
            stamp,
        });
        // Its snoop comes at completion, tens of events from now: time enough for the
        // model's bitmap words to arrive in cache.
        self.dev
            .port()
            .upcoming_write(Snoop::blocks(slba, blocks as u32));
        let pass = self.pass();
        self.per_pass[pass].user_writes += 1;
        let lat = &self.cfg.latency;
        let mut media = lat.write_media.sample(&mut self.lat_rng);
        if self.lat_rng.chance(lat.write_stall_chance) {
            media += lat.write_stall.sample(&mut self.lat_rng);
        }
        self.events.schedule(now + media, Ev::WriteMedia, slot)?;
        if self.cfg.write_snoop == WriteSnoop::Submission {
            self.dev
                .port_mut()
                .user_write(Snoop::blocks(slba, blocks as u32));
        }
        if self.watched(slba, blocks) {
            self.note(
                now,
                format!("user write #{stamp} LBAs {slba}+{blocks} submitted (media in {media} ns)"),
            );
        }
        let gap = self.arrival_rng.exp(self.interarrival_ns) as u64;
        self.events.schedule(now + gap.max(1), Ev::Arrival, 0)
    }

    fn write_media(&mut self, now: u64, slot: usize) -> Result<()> {
        let w = self.writes.get(slot);
        let (slba, blocks, stamp) = (w.slba, w.blocks, w.stamp);
        let end = slba + blocks;
        let u = self.source_unit;
        self.divergence.source_written(slba << u, end << u);
        self.watched.write_source(slba, end, stamp);
        let done = self.cfg.latency.write_complete.sample(&mut self.lat_rng);
        self.events.schedule(now + done, Ev::WriteDone, slot)?;
        if self.watched(slba, blocks) {
            self.note(now, format!("user write #{stamp} lands on the source"));
        }
        Ok(())
    }

    fn write_done(&mut self, now: u64, slot: usize) -> Result<()> {
        let WriteCmd {
            slba,
            blocks,
            stamp,
        } = self.writes.remove(slot);
        if self.cfg.write_snoop == WriteSnoop::Completion {
            self.dev
                .port_mut()
                .user_write(Snoop::blocks(slba, blocks as u32));
        }
        if self.watched(slba, blocks) {
            self.note(now, format!("user write #{stamp} completes"));
        }
        if self.quiescing && !self.quiesced_sent && self.writes_in_flight() == 0 {
            self.send_quiesced(now)?;
            self.pump(now)?;
        }
        Ok(())
    }

    fn writes_in_flight(&self) -> usize {
        self.writes.len()
    }

    /// The last user write has completed: the server may take the final swap.
    fn send_quiesced(&mut self, now: u64) -> Result<()> {
        self.quiesced_sent = true;
        self.note(now, "all user writes completed".into());
        self.server.quiesced(&mut self.dev)?;
        self.sync_pass(now);
        Ok(())
    }

    fn issue_copy(&mut self, now: u64, job: CopyJob) -> Result<()> {
        let shift = self.cfg.granule_shift;
        let slba = job.first << shift;
        let end = ((job.first + job.count) << shift).min(self.cfg.namespace_lbas);
        let blocks = end - slba;
        self.dev
            .port_mut()
            .copy_read(Snoop::blocks(slba, blocks as u32));
        if self.to_recopy_count > 0 {
            self.count_recopy(&job);
        }
        self.dev.journal_copy(job.seq, job.first, job.count);
        self.track_failover_reads(&job);
        let slot = self.copies.insert(CopyCmd {
            job,
            slba,
            blocks,
            watched: Vec::new(),
            ok: true,
            orphan: false,
        });
        let at = now + self.cfg.latency.copy_read.sample(&mut self.copy_rng);
        self.events.schedule(at, Ev::CopyMedia, slot)?;
        if self.watched(slba, blocks) {
            self.note(
                now,
                format!(
                    "copy read of granules {}+{} submitted (snooped)",
                    job.first, job.count
                ),
            );
        }
        Ok(())
    }

    /// Before a failover, notes what its pass reads; after it, counts what is read again.
    fn track_failover_reads(&mut self, job: &CopyJob) {
        let Some(at) = self.cfg.faults.failover.map(|f| f.at_pass) else {
            return;
        };
        let (lo, hi) = (job.first, job.first + job.count);
        match &mut self.failover {
            None if job.pass == at => self.read_before_failover.insert(lo, hi),
            Some(f) if job.pass == at || job.pass == at + 1 => {
                // In the failover pass anything read before is read again (what was in
                // flight included); in the next only what was in flight: the rest of
                // that pass is ordinary dirt.
                if job.pass == at {
                    f.recopied += self.read_before_failover.count(lo, hi);
                    self.read_before_failover.remove(lo, hi);
                } else {
                    f.recopied += self.in_flight_at_failover.count(lo, hi);
                }
                self.in_flight_at_failover.remove(lo, hi);
            }
            _ => {}
        }
    }

    /// Counts the granules of `job` that an earlier failed target write left to copy.
    fn count_recopy(&mut self, job: &CopyJob) {
        let (lo, hi) = (job.first, job.first + job.count);
        let again = self.to_recopy.count(lo, hi);
        if again > 0 {
            self.to_recopy.remove(lo, hi);
            self.to_recopy_count -= again;
            self.per_pass[job.pass as usize].recopied_after_failure += again;
        }
    }

    fn copy_media(&mut self, now: u64, slot: usize) -> Result<()> {
        let shift = self.cfg.granule_shift;
        let c = self.copies.get(slot);
        let (slba, blocks, pass) = (c.slba, c.blocks, c.job.pass as usize);
        let granules = c.job.count;
        let end = slba + blocks;
        c.watched = self.watched.sample(slba, end);
        // Its redundant granules are counted there.
        let u = self.source_unit;
        self.divergence
            .copy_read(slot as u64, slba << u, end << u, pass);
        self.per_pass[pass].copied += granules;
        let transfer = granules * self.cfg.latency.per_granule_ns;
        let at = now + 2 * transfer + self.cfg.latency.target_write.sample(&mut self.copy_rng);
        self.events.schedule(at, Ev::TargetMedia, slot)?;
        if self.watched(slba, blocks) {
            let span = self.granules_of(slba, blocks);
            let sampled: Vec<String> = (self.cfg.watch.iter())
                .filter(|&&g| span.contains(&g))
                .map(|&g| {
                    let (lo, hi) = (
                        (g << shift).max(slba),
                        ((g + 1) << shift).min(slba + blocks),
                    );
                    format!("granule {g} stamps {:?}", self.watched.stamps(g, lo, hi).0)
                })
                .collect();
            self.note(
                now,
                format!("copy read samples the source: {}", sampled.join(", ")),
            );
        }
        Ok(())
    }

    fn target_media(&mut self, now: u64, slot: usize) -> Result<()> {
        // Drawn for every target write, injected faults or not: the random stream stays
        // the same as in a run without them.
        let random = self.fail_rng.chance(self.cfg.target_fail_rate);
        let c = self.copies.get(slot);
        if c.orphan {
            self.divergence.target_written(slot as u64, 0, 0, false);
            return self.events.schedule(
                now + self.cfg.latency.write_complete.base_ns,
                Ev::TargetDone,
                slot,
            );
        }
        // The copy's address in the target's blocks (exact: SimConfig::check).
        let (s, t) = (self.source_unit, self.target_unit);
        let (lo, hi) = ((c.slba << s) >> t, ((c.slba + c.blocks) << s) >> t);
        let injected = self.faults.target_write(c.job.pass, lo, hi);
        let cause = injected.or(random.then_some(Cause::Drive));
        let failed = cause.is_some();
        if let Some(cause) = cause {
            self.failures.add(cause);
        }
        c.ok = !failed;
        let (slba, blocks, first) = (c.slba, c.blocks, c.job.first);
        self.divergence
            .target_written(slot as u64, lo << t, hi << t, !failed);
        if !failed {
            self.watched.write_target(&c.watched);
        }
        self.events.schedule(
            now + self.cfg.latency.write_complete.base_ns,
            Ev::TargetDone,
            slot,
        )?;
        if self.watched(slba, blocks) {
            let what = if failed { "FAILS" } else { "lands" };
            self.note(now, format!("target write of granules from {first} {what}"));
        }
        Ok(())
    }

    fn target_done(&mut self, now: u64, slot: usize) -> Result<()> {
        let CopyCmd {
            job, ok, orphan, ..
        } = self.copies.remove(slot);
        if orphan {
            // Its server is gone; the standby never hears of it.
            return self.pump(now);
        }
        if !ok {
            let p = &mut self.per_pass[job.pass as usize];
            p.failed_copies += job.count;
            p.copy_failures += 1;
            // Two copies of a granule can fail while neither is copied again (one issued
            // before a tracker reset, one by the pass that recovers from it): count it once.
            let (lo, hi) = (job.first, job.first + job.count);
            self.to_recopy_count += job.count - self.to_recopy.count(lo, hi);
            self.to_recopy.insert(lo, hi);
        }
        self.server.job_done(&mut self.dev, job, ok)?;
        self.mid_pass_faults(now, job.pass)?;
        self.pump(now)
    }

    /// The faults that strike part way through a pass, each at most once a run: a
    /// firmware reboot and a tracker reset half way through its plan, a server failover
    /// at its fraction.
    fn mid_pass_faults(&mut self, now: u64, pass: u32) -> Result<()> {
        let f = &self.cfg.faults;
        if f.firmware_restart_at_pass.is_none()
            && f.tracker_reset_at_pass.is_none()
            && f.failover.is_none()
        {
            return Ok(());
        }
        let planned = self.server.passes()[pass as usize].planned as f64;
        let done = self.per_pass[pass as usize].copied as f64;
        let due = |at: Option<u32>, fraction: f64| at == Some(pass) && done >= fraction * planned;
        let restart = due(f.firmware_restart_at_pass, 0.5) && self.firmware_restarts == 0;
        let reset = due(f.tracker_reset_at_pass, 0.5) && self.tracker_resets == 0;
        let failover = f
            .failover
            .is_some_and(|o| due(Some(o.at_pass), o.fraction) && self.failover.is_none());
        if failover {
            self.fail_over(now, pass)?;
        }
        if restart {
            self.dev
                .restart()
                .context("the firmware could not re-attach after its restart")?;
            // The copy journal was firmware RAM: told of the restart (an NVMe controller
            // reset notice), the server registers its copies still in flight again, so a
            // failover after the reboot still finds them.
            for c in self.copies.items.iter().flatten().filter(|c| !c.orphan) {
                self.dev.journal_copy(c.job.seq, c.job.first, c.job.count);
            }
            self.firmware_restarts += 1;
            self.note(
                now,
                "device firmware restarted; re-attached from the registers".into(),
            );
        }
        if reset {
            self.dev.port_mut().reset();
            self.tracker_resets += 1;
            self.note(now, "tracker reset: every bit it held is lost".into());
        }
        Ok(())
    }

    /// The server dies: its copies in flight never reach the target (their slots free
    /// as they would have completed), and a standby takes over from the device.
    fn fail_over(&mut self, now: u64, pass: u32) -> Result<()> {
        let mut in_flight = RangeSet::new();
        for c in self.copies.items.iter_mut().flatten() {
            c.orphan = true;
            in_flight.insert(c.job.first, c.job.first + c.job.count);
        }
        let journaled = self
            .server
            .fail_over(&mut self.dev)
            .context("the standby server could not take over")?;
        let read_before = self.read_before_failover.count(0, u64::MAX);
        let planned = self.server.passes()[pass as usize].planned;
        self.failover = Some(FailoverFigures {
            pass,
            read_before,
            in_flight: in_flight.count(0, u64::MAX),
            left: planned.saturating_sub(read_before),
            recopied: 0,
        });
        self.in_flight_at_failover = in_flight;
        self.note(
            now,
            format!("migration server fails over; the device marks {journaled:?} dirty"),
        );
        Ok(())
    }

    fn report(mut self, backend: &'static str, mapped_granules: u64) -> Result<RunReport> {
        let done_at = self.done_at.expect("run() ends when the server is done");
        if self.to_recopy_count > 0 {
            bail!(
                "the server finished with {} granules of failed target writes never copied again (a bug)",
                self.to_recopy_count
            );
        }
        let divergence = self.divergence.finish()?;
        let records = self.server.passes().to_vec();
        let mut device_errors = 0;
        for (i, rec) in records.iter().enumerate() {
            let end = pass_end(&records, i).context("a pass without an end status")?;
            let m = &mut self.per_pass[i];
            m.take_record(&records, i, &end);
            m.redundant = divergence.redundant(i);
            m.duration_ns =
                self.pass_start.get(i + 1).copied().unwrap_or(done_at) - self.pass_start[i];
            device_errors |= rec.start.errors | end.errors;
        }
        let tp4159 = self.server.take_cdq_summary().map(|host| {
            let dev = self.dev.udm().stats();
            let bitmap_bytes = self.cfg.granules().div_ceil(64) * 8;
            CdqFigures {
                ring_slots: host.slots,
                entries_posted: dev.entries_posted,
                entries_read: host.entries_read,
                host_read_bytes: host.bytes_read,
                max_drain_entries: dev.max_drain_entries,
                ring_needed_slots: dev.max_occupancy + 2,
                queue_full: dev.queue_full,
                per_write_entries: self.per_pass.iter().map(|p| p.writes_logged).sum(),
                query_bdp_bytes: (records.len() as u64 - 1) * bitmap_bytes,
                records: host.records,
            }
        });
        let shift = self.cfg.granule_shift;
        let ns = self.cfg.namespace_lbas;
        // Exact verification: every LBA where the target differs from the source, by
        // granule, from the divergence ranges (no walk over the untouched namespace).
        let mut lost = Vec::new();
        let mut lost_updates = 0;
        let unit_shift = shift + self.source_unit;
        granules_touched(divergence.set().iter(), unit_shift, |g| {
            lost_updates += 1;
            if lost.len() < 16 {
                lost.push(g);
            }
        });
        for &g in &self.cfg.watch {
            let (lo, hi) = (g << shift, ((g + 1) << shift).min(ns));
            let (s, t) = self.watched.stamps(g, lo, hi);
            let verdict = if s == t {
                "target == source"
            } else {
                "LOST UPDATE"
            };
            self.log.push(format!(
                "after switch-over, granule {g}: source {s:?} target {t:?}: {verdict}"
            ));
        }
        Ok(RunReport {
            method: self.cfg.method,
            workload: self.cfg.workload.kind.name().to_string(),
            seed: self.cfg.seed,
            backend,
            namespace_lbas: ns,
            granule_shift: shift,
            granules: self.cfg.granules(),
            mapped_granules,
            converged: converged(&records, self.cfg.server.threshold),
            downtime_ns: done_at - self.quiesce_at,
            sim_time_ns: done_at,
            per_pass: self.per_pass,
            lost_updates,
            lost_examples: lost,
            device_errors,
            watch_log: self.log,
            tp4159,
            failures: self.failures,
            firmware_restarts: self.firmware_restarts,
            tracker_resets: self.server.tracker_resets(),
            failover: self.failover,
        })
    }
}
