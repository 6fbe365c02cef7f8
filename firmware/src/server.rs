//! The migration server's pre-copy loop (DESIGN.md, "The migration protocol"), as a
//! state machine without a clock.
//!
//! The caller owns time and I/O: it asks [`MigrationServer::next`] for work whenever it
//! has a free copy slot, feeds the copy read of each [`CopyJob`] to the snoop tap at
//! submission, reports the end of the job's target write with
//! [`MigrationServer::job_done`], stops user writes when told [`Next::Quiesce`] and calls
//! [`MigrationServer::quiesced`] once every user write has completed.
//!
//! The plan is copied in ascending granule order, a maximal run of set granules at a time.
//! With the `cursor` method each run becomes the SetPlan window before its first copy, so
//! the cursor promise (every granule of the window, ascending) holds even for a sparse plan;
//! runs separated by small holes may share a window (`cursor_merge_gap`), holes copied.

use crate::device::{Device, DeviceStatus, TrackingConfig};
use crate::status::Status;
use crate::tp4159::{CdqHost, CdqSummary, UdmConfig};
use lmsnoop_regs::{Bitmap, Method, TrackerPort};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Stop pre-copying when the live active count is at or below this many granules.
    pub threshold: u64,
    /// Pre-copy passes at most (pass 0 included) before the downtime pass is forced.
    pub max_passes: u32,
    /// Granules per copy read.
    pub chunk_granules: u64,
    /// Cursor method: plan runs separated by at most this many unplanned granules share
    /// one SetPlan window, and the holes between them are copied too. More copies, but a
    /// longer window in which writes are skipped.
    pub cursor_merge_gap: u64,
    /// How the device tells the host what changed.
    pub report: ChangeReport,
    /// Times a copy whose target write fails in the final (quiesced) pass is issued
    /// again before the migration gives up with [`Status::CopyFailed`]: the users are
    /// stopped, so a target that keeps failing must end the migration, not stall it.
    pub final_retries: u32,
}

impl ServerConfig {
    /// Enough that a target failing one write in twenty never exhausts it (0.05^9 per
    /// copy), few enough that a dead target ends the downtime quickly.
    pub const DEFAULT_FINAL_RETRIES: u32 = 8;
}

/// How each pass after the first learns its plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeReport {
    /// SwapBdp, QueryBdp, ReleaseBdp: the host streams the whole bitmap.
    QueryBdp,
    /// NVMe TP4159: the host reads coalesced LBA ranges from a User Data Migration Queue
    /// of `cdq_slots` entries, and keeps every record it read when `keep_records`.
    Tp4159 { cdq_slots: u32, keep_records: bool },
}

/// One copy: granules `[first, first + count)` read from the source, written to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyJob {
    pub pass: u32,
    pub first: u64,
    pub count: u64,
    /// Earlier attempts of this copy in the final pass that failed.
    pub retry: u32,
    /// Tags the copy read in the device's copy journal until its target write is
    /// acknowledged ([`Device::journal_copy`]).
    pub seq: u64,
}

/// What the server wants next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Issue this copy.
    Copy(CopyJob),
    /// Nothing to issue until a job completes (or until the users are quiesced).
    Wait,
    /// Pre-copy has converged or hit the pass limit: stop user writes, let in-flight ones
    /// complete, then call `quiesced`.
    Quiesce,
    /// The final pass is copied and tracking is stopped: switch users to the target.
    Done,
}

/// The server's record of one pass.
#[derive(Clone, Copy, Debug)]
pub struct PassRecord {
    pub pass: u32,
    /// The downtime pass, copied with user writes quiesced.
    pub is_final: bool,
    /// Granules in the plan.
    pub planned: u64,
    /// Device status when the pass started and when it ended.
    pub start: DeviceStatus,
    pub end: Option<DeviceStatus>,
    /// TP4159: entries read from the queue to plan this pass (markers included).
    pub cdq_entries: Option<u64>,
    /// The tracker lost its state during the pass before: this pass copies the whole
    /// namespace, and the pass before has no device counters (they died with it).
    pub after_reset: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Copying,
    AwaitQuiesce,
    Final,
    Done,
}

pub struct MigrationServer {
    cfg: ServerConfig,
    method: Method,
    phase: Phase,
    plan: Bitmap,
    /// Next granule to copy, and the end of the run it is in (`pos == run_end`: between runs).
    pos: u64,
    run_end: u64,
    in_flight: u64,
    retry: Vec<CopyJob>,
    next_seq: u64,
    passes: Vec<PassRecord>,
    tracking: TrackingConfig,
    /// The TP4159 queue, when the plans come from it.
    cdq: Option<CdqHost>,
    /// What the host read from the queue, once it is deleted.
    cdq_summary: Option<CdqSummary>,
}

impl MigrationServer {
    /// StartTracking, QueryBmp, ReleaseBdp: pass 0 begins with the mapped granules as plan.
    pub fn start<P: TrackerPort>(
        cfg: ServerConfig,
        dev: &mut Device<P>,
        tracking: TrackingConfig,
        mapped: &[(u64, u64)],
    ) -> Result<Self, Status> {
        if cfg.chunk_granules == 0 || cfg.max_passes == 0 {
            return Err(Status::InvalidField(
                "chunk and pass limit must be at least 1".into(),
            ));
        }
        dev.start_tracking(tracking, mapped)?;
        let plan = dev.query_bmp()?;
        dev.release_bdp()?;
        let start = dev.get_status()?;
        let planned = plan.count_ones();
        let cdq = match cfg.report {
            ChangeReport::QueryBdp => None,
            ChangeReport::Tp4159 {
                cdq_slots,
                keep_records,
            } => {
                let mut host =
                    CdqHost::create(dev, cdq_slots, UdmConfig::default().cntlid, keep_records)?;
                host.start_logging(dev)?;
                Some(host)
            }
        };
        Ok(MigrationServer {
            cfg,
            method: tracking.method,
            phase: Phase::Copying,
            plan,
            pos: 0,
            run_end: 0,
            in_flight: 0,
            retry: Vec::new(),
            next_seq: 0,
            passes: vec![PassRecord {
                pass: 0,
                is_final: false,
                planned,
                start,
                end: None,
                cdq_entries: None,
                after_reset: false,
            }],
            tracking,
            cdq,
            cdq_summary: None,
        })
    }

    /// What the host read from the TP4159 queue, once the migration is done (taken: the
    /// records can be large).
    pub fn take_cdq_summary(&mut self) -> Option<CdqSummary> {
        self.cdq_summary.take()
    }

    /// The pass now being copied.
    pub fn pass(&self) -> u32 {
        self.passes.len() as u32 - 1
    }

    pub fn passes(&self) -> &[PassRecord] {
        &self.passes
    }

    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// The plan of the running pass.
    pub fn plan(&self) -> &Bitmap {
        &self.plan
    }

    /// Ends pre-copying at the end of the running pass: quiesce follows, as at the pass
    /// limit (an operator asked to finish).
    pub fn finish_after_this_pass(&mut self) {
        self.cfg.max_passes = self.cfg.max_passes.min(self.pass() + 1);
    }

    /// Times the tracker lost its state and the namespace was copied again whole.
    pub fn tracker_resets(&self) -> u32 {
        self.passes.iter().filter(|p| p.after_reset).count() as u32
    }

    /// The next thing to do; see [`Next`].
    pub fn next<P: TrackerPort>(&mut self, dev: &mut Device<P>) -> Result<Next, Status> {
        match self.next_step(dev) {
            Err(Status::StateLost) => {
                self.recover(dev)?;
                self.next_step(dev)
            }
            other => other,
        }
    }

    /// The tracker lost every bit since StartTracking (a reset, a power loss): what was
    /// written since is unknown, so, as VFIO and QEMU do when dirty logging is lost, the
    /// whole namespace is dirty. Tracking restarts with every granule mapped and a new
    /// pass copies all of it; with users quiesced it is the final pass. Copies still in
    /// flight complete as usual: the new plan covers them.
    fn recover<P: TrackerPort>(&mut self, dev: &mut Device<P>) -> Result<(), Status> {
        if self.cdq.is_some() {
            // The queue's sequence died with the tracker's state; nothing to resume.
            return Err(Status::StateLost);
        }
        self.plan = Bitmap::new(0);
        dev.start_tracking(self.tracking, &[(0, self.tracking.namespace_lbas)])?;
        self.plan = dev.query_bmp()?;
        dev.release_bdp()?;
        let start = dev.get_status()?;
        let last = self.passes.last_mut().expect("a pass is always open");
        // Its counters are gone: the pass ends where it started, as far as they tell.
        last.end = Some(last.start);
        let is_final = matches!(self.phase, Phase::Final | Phase::AwaitQuiesce);
        self.passes.push(PassRecord {
            pass: self.pass() + 1,
            is_final,
            planned: self.plan.count_ones(),
            start,
            end: None,
            cdq_entries: None,
            after_reset: true,
        });
        (self.pos, self.run_end) = (0, 0);
        // Retries of the interrupted final pass are in the new plan.
        self.retry.clear();
        self.phase = if is_final {
            Phase::Final
        } else {
            Phase::Copying
        };
        Ok(())
    }

    fn next_step<P: TrackerPort>(&mut self, dev: &mut Device<P>) -> Result<Next, Status> {
        loop {
            match self.phase {
                Phase::Done => return Ok(Next::Done),
                Phase::AwaitQuiesce => return Ok(Next::Wait),
                Phase::Copying | Phase::Final => {}
            }
            if let Some(job) = self.retry.pop() {
                self.in_flight += 1;
                return Ok(Next::Copy(job));
            }
            if self.pos < self.run_end {
                let count = self.cfg.chunk_granules.min(self.run_end - self.pos);
                let job = CopyJob {
                    pass: self.pass(),
                    first: self.pos,
                    count,
                    retry: 0,
                    seq: self.next_seq,
                };
                self.next_seq += 1;
                self.pos += count;
                self.in_flight += 1;
                return Ok(Next::Copy(job));
            }
            if let Some((start, mut end)) = self.plan.next_run(self.pos) {
                if self.method == Method::Cursor {
                    while let Some((s, e)) = self
                        .plan
                        .next_run(end)
                        .filter(|r| r.0 - end <= self.cfg.cursor_merge_gap)
                    {
                        debug_assert!(s >= end);
                        end = e;
                    }
                    dev.set_plan(start, end)?;
                }
                (self.pos, self.run_end) = (start, end);
                continue;
            }
            if self.in_flight > 0 {
                return Ok(Next::Wait);
            }
            let status = dev.get_status()?;
            self.passes.last_mut().expect("a pass is always open").end = Some(status);
            if self.phase == Phase::Final {
                if let Some(mut host) = self.cdq.take() {
                    // Copied: the final entries' slots are free (no drain while suspended).
                    host.give_back(dev)?;
                    let last = host.stop_logging(dev, &self.tracking)?;
                    if !last.ranges.is_empty() || last.all_changed {
                        return Err(Status::Nvme(format!(
                            "changes logged after the final pass: {:?}",
                            last.ranges
                        )));
                    }
                    self.cdq_summary = Some(host.delete(dev)?);
                }
                dev.stop_tracking()?;
                self.phase = Phase::Done;
                return Ok(Next::Done);
            }
            if status.active_count <= self.cfg.threshold || self.pass() + 1 >= self.cfg.max_passes {
                self.phase = Phase::AwaitQuiesce;
                return Ok(Next::Quiesce);
            }
            self.begin_pass(dev, false)?;
        }
    }

    /// A job's target write ended; `ok == false` when it failed. A copy of the final
    /// pass that has failed more than `final_retries` times ends the migration with
    /// [`Status::CopyFailed`]: the target does not hold the source.
    pub fn job_done<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        job: CopyJob,
        ok: bool,
    ) -> Result<(), Status> {
        assert!(self.in_flight > 0, "job_done without a job in flight");
        self.in_flight -= 1;
        if !ok {
            if self.phase == Phase::Final {
                if job.retry >= self.cfg.final_retries {
                    return Err(Status::CopyFailed {
                        first: job.first,
                        count: job.count,
                        attempts: job.retry + 1,
                    });
                }
                // Users are quiesced: nothing can dirty the granules again, copy them now.
                // The retry keeps the copy's sequence number, unacknowledged: until a retry
                // lands, the device's journal holds the range, so a standby that takes over
                // before then (this retry list dies with the server) copies it again.
                self.retry.push(CopyJob {
                    retry: job.retry + 1,
                    ..job
                });
                return Ok(());
            } else {
                // The copy read drained or cleared these bits on a promise it did not keep.
                match dev.mark_dirty(job.first, job.first + job.count) {
                    // The whole namespace is copied again, this job's granules with it.
                    Err(Status::StateLost) => self.recover(dev)?,
                    other => other?,
                }
            }
        }
        dev.acknowledge_copy(job.seq);
        Ok(())
    }

    /// This server dies and a standby takes over. What the server held in memory is gone
    /// (the plan, its place in it, the copies in flight, which may never reach the
    /// target); the device and the pass log remain. The device marks every copy never
    /// acknowledged dirty ([`Device::fail_over`]). With `bitmap` the standby reads what
    /// is left of the running pass's plan ([`Device::query_left`]) and goes on with the
    /// pass; the other methods keep the plan only in the host, so the standby copies the
    /// whole namespace in it. In the final pass no pass follows, so the copies that were
    /// in flight are issued again at once. Returns their granule ranges. When the tracker
    /// has lost its state as well, the standby recovers as from any reset: a full copy
    /// (the journal's ranges are in it), and it returns none.
    pub fn fail_over<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
    ) -> Result<Vec<(u64, u64)>, Status> {
        (self.pos, self.run_end, self.in_flight) = (0, 0, 0);
        self.retry.clear();
        self.plan = Bitmap::new(0);
        match self.take_over(dev) {
            Err(Status::StateLost) => self.recover(dev).map(|()| Vec::new()),
            other => other,
        }
    }

    fn take_over<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
    ) -> Result<Vec<(u64, u64)>, Status> {
        let lost = dev.fail_over()?;
        if matches!(self.phase, Phase::Copying | Phase::Final) {
            self.plan = if self.method == Method::Bitmap {
                dev.query_left()?
            } else {
                Bitmap::full(self.tracking.granules())
            };
        }
        // The whole-namespace plan of the other methods already holds them.
        if self.phase == Phase::Final && self.method == Method::Bitmap {
            for &(first, end) in &lost {
                self.retry.push(CopyJob {
                    pass: self.pass(),
                    first,
                    count: end - first,
                    retry: 0,
                    seq: self.next_seq,
                });
                self.next_seq += 1;
            }
        }
        Ok(lost)
    }

    /// Every user write has completed: swap, query and copy the final (downtime) plan.
    pub fn quiesced<P: TrackerPort>(&mut self, dev: &mut Device<P>) -> Result<(), Status> {
        if self.phase != Phase::AwaitQuiesce {
            return Err(Status::CommandSequence(
                "quiesced before the server asked for it",
            ));
        }
        match self.begin_pass(dev, true) {
            Err(Status::StateLost) => self.recover(dev),
            other => other,
        }
    }

    fn begin_pass<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        is_final: bool,
    ) -> Result<(), Status> {
        // The old plan is spent: free it before the new one is read, so a drive-sized plan
        // is never held twice.
        self.plan = Bitmap::new(0);
        let mut cdq_entries = None;
        if let Some(host) = &mut self.cdq {
            // Giving the ring back asks for the drain: SwapBdp, QueryBdp, ReleaseBdp in
            // the device, as below, with the bitmap turned into ranges on the way.
            let mut drained = host.drain(dev, &self.tracking)?;
            if is_final {
                // Users are quiesced: the suspend only closes the sequence.
                let closing = host.suspend(dev, &self.tracking)?;
                drained.ranges.extend(closing.ranges);
                drained.all_changed |= closing.all_changed;
                drained.entries += closing.entries;
            }
            cdq_entries = Some(drained.entries);
            self.plan = drained.plan(&self.tracking);
        } else {
            dev.swap_bdp()?;
            self.plan = dev.query_bdp()?;
            dev.release_bdp()?;
        }
        let start = dev.get_status()?;
        let pass = self.pass() + 1;
        let planned = self.plan.count_ones();
        self.passes.push(PassRecord {
            pass,
            is_final,
            planned,
            start,
            end: None,
            cdq_entries,
            after_reset: false,
        });
        (self.pos, self.run_end) = (0, 0);
        self.phase = if is_final {
            Phase::Final
        } else {
            Phase::Copying
        };
        Ok(())
    }
}
