//! The migration engine of `serve`: one thread owns the firmware, the tracker and the
//! migration server, and every other thread talks to it by message.
//!
//! A client's write reaches the engine only after its data is on the source image, so the
//! snoop sees a completed write (the safe point); the engine handles messages in order, so
//! a write admitted before the quiesce is snooped before the final swap. The gate is where
//! clients learn whether to track, hold, or mirror their writes.

use crate::divergence::Divergence;
use crate::storage::RangeSet;
use anyhow::{anyhow, Result};
use lmsnoop_firmware::server::PassRecord;
use lmsnoop_firmware::{CopyJob, Device, MigrationServer, Next, ServerConfig, TrackingConfig};
use lmsnoop_regs::{Snoop, TrackerPort};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// What a client's write does now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Pre-copy: write the source, then tell the engine.
    Tracking,
    /// The final pass is being prepared or copied: wait.
    Holding,
    /// Migrated and in sync: write source and target before replying.
    Ready,
    /// The migration failed: the source is still served, nothing is tracked.
    Failed(String),
}

pub struct GateState {
    pub phase: Phase,
    /// Tracked writes admitted whose message the engine has not handled yet.
    pub in_flight: u64,
    pub quiesce_at: Option<Instant>,
    pub ready_at: Option<Instant>,
}

pub struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            state: Mutex::new(GateState {
                phase: Phase::Tracking,
                in_flight: 0,
                quiesce_at: None,
                ready_at: None,
            }),
            changed: Condvar::new(),
        }
    }
}

impl Gate {
    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().expect("gate lock")
    }

    /// Admits one write: waits while the final pass is prepared or copied (requests are
    /// held, never failed), then says how to do it.
    pub fn admit(&self) -> Phase {
        let mut s = self.lock();
        while s.phase == Phase::Holding {
            s = self.changed.wait(s).expect("gate lock");
        }
        if s.phase == Phase::Tracking {
            s.in_flight += 1;
        }
        s.phase.clone()
    }

    pub fn phase(&self) -> Phase {
        self.lock().phase.clone()
    }

    /// The phase, and the downtime once the final pass has ended (from the request to
    /// hold writes to ready).
    pub fn snapshot(&self) -> (Phase, Option<Duration>) {
        let s = self.lock();
        let downtime = match (s.quiesce_at, s.ready_at) {
            (Some(q), Some(r)) => Some(r.saturating_duration_since(q)),
            _ => None,
        };
        (s.phase.clone(), downtime)
    }

    /// Waits until the migration is ready or failed.
    pub fn wait_settled(&self, timeout: Duration) -> Phase {
        let s = self.lock();
        let (s, _) = self
            .changed
            .wait_timeout_while(s, timeout, |s| {
                matches!(s.phase, Phase::Tracking | Phase::Holding)
            })
            .expect("gate lock");
        s.phase.clone()
    }

    fn set(&self, f: impl FnOnce(&mut GateState)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }
}

/// Figures the progress line reads while the engine runs.
#[derive(Default)]
pub struct Live {
    pub pass: AtomicU64,
    pub copied_bytes: AtomicU64,
    pub user_writes: AtomicU64,
    pub dirty: AtomicU64,
}

/// A copy for a worker: granules, and the bytes they cover.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub copy: CopyJob,
    pub id: u64,
    pub offset: u64,
    pub bytes: u64,
}

pub enum Msg {
    /// A tracked write's LBAs `[lo, hi)` are on the source.
    Wrote { lo: u64, hi: u64 },
    /// A copy worker asks for work; `None` means there is none left.
    NextJob(Sender<Option<Job>>),
    /// A copy's target write ended.
    JobDone { job: Job, ok: bool },
    /// Quiesce at the end of the running pass.
    Finish,
}

#[derive(Clone, Debug, Default)]
pub struct PassFigures {
    pub user_writes: u64,
    pub copied: u64,
    pub redundant: u64,
    /// Granules of failed target writes, and the writes.
    pub failed: u64,
    pub failed_writes: u64,
}

/// What the engine hands back when every sender is gone.
pub struct Outcome {
    pub records: Vec<PassRecord>,
    pub per_pass: Vec<PassFigures>,
    pub pass_start: Vec<Instant>,
    /// Error flags raised after the last status the server read.
    pub late_errors: u32,
    /// Granules of the first plan (the source's mapped data).
    pub mapped_granules: u64,
    /// When the final pass ended.
    pub ready_at: Option<Instant>,
    pub backend: &'static str,
    pub failure: Option<String>,
}

/// The shared state an engine reports to.
pub struct Links<'a> {
    pub gate: &'a Gate,
    pub live: &'a Live,
}

pub struct Engine<'a, P: TrackerPort> {
    pub dev: Device<P>,
    pub server: MigrationServer,
    pub tracking: TrackingConfig,
    pub lba_bytes: u64,
    pub gate: &'a Gate,
    pub live: &'a Live,
    /// Where the target does not hold the source's data (for the redundant count).
    divergence: Divergence,
    parked: Vec<Sender<Option<Job>>>,
    next_id: u64,
    per_pass: Vec<PassFigures>,
    pass_start: Vec<Instant>,
    done: bool,
    failure: Option<String>,
    handled: u64,
    failures_in_a_row: u32,
    mapped_granules: u64,
    ready_at: Option<Instant>,
}

/// Consecutive failed target writes after which the migration is abandoned.
const MAX_FAILURES_IN_A_ROW: u32 = 64;

impl<'a, P: TrackerPort> Engine<'a, P> {
    pub fn new(
        cfg: ServerConfig,
        mut dev: Device<P>,
        tracking: TrackingConfig,
        mapped: &[(u64, u64)],
        lba_bytes: u64,
        diverged: RangeSet,
        links: Links<'a>,
    ) -> Result<Self> {
        let server = MigrationServer::start(cfg, &mut dev, tracking, mapped)
            .map_err(|s| anyhow!("starting migration: {s}"))?;
        let mapped_granules = server.plan().count_ones();
        Ok(Engine {
            dev,
            server,
            tracking,
            lba_bytes,
            gate: links.gate,
            live: links.live,
            divergence: Divergence::new(diverged, tracking.granule_shift),
            parked: Vec::new(),
            next_id: 0,
            per_pass: vec![PassFigures::default()],
            pass_start: vec![Instant::now()],
            done: false,
            failure: None,
            handled: 0,
            failures_in_a_row: 0,
            mapped_granules,
            ready_at: None,
        })
    }

    /// Handles messages until every sender is gone.
    pub fn run(mut self, rx: Receiver<Msg>) -> Outcome {
        for msg in rx {
            if let Err(e) = self.handle(msg) {
                self.fail(e.to_string());
            }
        }
        // The divergence set counted each pass's redundant granules as the copies went.
        for (pass, m) in self.per_pass.iter_mut().enumerate() {
            m.redundant = self.divergence.redundant(pass);
        }
        Outcome {
            records: self.server.passes().to_vec(),
            per_pass: self.per_pass,
            pass_start: self.pass_start,
            late_errors: self.dev.take_errors(),
            mapped_granules: self.mapped_granules,
            ready_at: self.ready_at,
            backend: self.dev.port().backend(),
            failure: self.failure,
        }
    }

    fn fail(&mut self, why: String) {
        self.done = true;
        for w in self.parked.drain(..) {
            let _ = w.send(None);
        }
        self.gate.set(|g| g.phase = Phase::Failed(why.clone()));
        self.failure.get_or_insert(why);
    }

    fn handle(&mut self, msg: Msg) -> Result<()> {
        match msg {
            Msg::Wrote { lo, hi } => self.wrote(lo, hi)?,
            Msg::NextJob(reply) => {
                if self.done {
                    let _ = reply.send(None);
                } else {
                    self.parked.push(reply);
                }
            }
            Msg::JobDone { job, ok } => self.job_done(job, ok)?,
            Msg::Finish => self.server.finish_after_this_pass(),
        }
        self.handled += 1;
        if self.handled % 1024 == 0 {
            self.live
                .dirty
                .store(self.dev.active_count(), Ordering::Relaxed);
        }
        self.dispatch()
    }

    fn pass(&self) -> usize {
        self.server.pass() as usize
    }

    fn sync_pass(&mut self) {
        while self.per_pass.len() <= self.pass() {
            self.per_pass.push(PassFigures::default());
            self.pass_start.push(Instant::now());
            self.live.pass.store(self.pass() as u64, Ordering::Relaxed);
            self.live
                .dirty
                .store(self.dev.active_count(), Ordering::Relaxed);
        }
    }

    fn wrote(&mut self, lo: u64, hi: u64) -> Result<()> {
        if self.done && self.failure.is_some() {
            return Ok(());
        }
        self.divergence.source_written(lo, hi);
        let mut slba = lo;
        while slba < hi {
            let n = (hi - slba).min(1 << 31);
            self.dev
                .port_mut()
                .user_write(Snoop::blocks(slba, n as u32));
            slba += n;
        }
        let pass = self.pass();
        self.per_pass[pass].user_writes += 1;
        self.live.user_writes.fetch_add(1, Ordering::Relaxed);
        let mut drained = false;
        self.gate.set(|g| {
            g.in_flight -= 1;
            drained = g.phase == Phase::Holding && g.in_flight == 0;
        });
        if drained {
            self.quiesced()?;
        }
        Ok(())
    }

    fn quiesced(&mut self) -> Result<()> {
        self.server
            .quiesced(&mut self.dev)
            .map_err(|s| anyhow!("final swap: {s}"))?;
        self.sync_pass();
        Ok(())
    }

    fn job_done(&mut self, job: Job, ok: bool) -> Result<()> {
        let (lo, hi) = (
            job.offset / self.lba_bytes,
            (job.offset + job.bytes) / self.lba_bytes,
        );
        self.divergence.target_written(job.id, lo, hi, ok);
        let pass = job.copy.pass as usize;
        if ok {
            self.live
                .copied_bytes
                .fetch_add(job.bytes, Ordering::Relaxed);
            self.failures_in_a_row = 0;
        } else {
            self.per_pass[pass].failed += job.copy.count;
            self.per_pass[pass].failed_writes += 1;
            self.failures_in_a_row += 1;
            if self.failures_in_a_row >= MAX_FAILURES_IN_A_ROW {
                // A target that refuses everything would keep the final pass, and the
                // held clients, waiting for ever: give up, release them, report it.
                return Err(anyhow!(
                    "the target failed {MAX_FAILURES_IN_A_ROW} copies in a row"
                ));
            }
        }
        self.server
            .job_done(&mut self.dev, job.copy, ok)
            .map_err(|s| anyhow!("migration server, after a failed copy: {s}"))
    }

    /// Gives parked workers jobs while the server has them.
    fn dispatch(&mut self) -> Result<()> {
        while !self.done {
            let Some(worker) = self.parked.pop() else {
                return Ok(());
            };
            let next = self
                .server
                .next(&mut self.dev)
                .map_err(|s| anyhow!("migration server: {s}"))?;
            self.sync_pass();
            match next {
                Next::Copy(copy) => {
                    let job = self.issue(copy);
                    if worker.send(Some(job)).is_err() {
                        // The worker is gone: its copy cannot run, so put it back.
                        self.job_done(job, false)?;
                    }
                }
                Next::Wait => {
                    self.parked.push(worker);
                    return Ok(());
                }
                Next::Quiesce => {
                    self.parked.push(worker);
                    let mut drained = false;
                    self.gate.set(|g| {
                        g.phase = Phase::Holding;
                        g.quiesce_at = Some(Instant::now());
                        drained = g.in_flight == 0;
                    });
                    if drained {
                        self.quiesced()?;
                    }
                }
                Next::Done => {
                    self.done = true;
                    self.parked.push(worker);
                    for w in self.parked.drain(..) {
                        let _ = w.send(None);
                    }
                    let now = Instant::now();
                    self.ready_at = Some(now);
                    self.gate.set(|g| {
                        g.phase = Phase::Ready;
                        g.ready_at = Some(now);
                    });
                }
            }
        }
        Ok(())
    }

    fn issue(&mut self, copy: CopyJob) -> Job {
        let shift = self.tracking.granule_shift;
        let lo = copy.first << shift;
        let hi = ((copy.first + copy.count) << shift).min(self.tracking.namespace_lbas);
        self.dev
            .port_mut()
            .copy_read(Snoop::blocks(lo, (hi - lo) as u32));
        self.dev.journal_copy(copy.seq, copy.first, copy.count);
        let id = self.next_id;
        self.next_id += 1;
        let pass = copy.pass as usize;
        self.divergence.copy_read(id, lo, hi, pass);
        self.per_pass[pass].copied += copy.count;
        Job {
            copy,
            id,
            offset: lo * self.lba_bytes,
            bytes: (hi - lo) * self.lba_bytes,
        }
    }
}
