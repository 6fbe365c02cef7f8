//! What a migration run measured, per pass and in total.

use crate::faults::FailureCounts;
use lmsnoop_firmware::server::PassRecord;
use lmsnoop_firmware::DeviceStatus;
use lmsnoop_regs::Method;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassMetrics {
    pub pass: u32,
    /// The downtime pass (users quiesced).
    pub is_final: bool,
    /// User writes submitted while this pass ran.
    pub user_writes: u64,
    /// Granules in the pass's plan.
    pub planned: u64,
    /// Granules read by this pass's copies (a retried copy counts again).
    pub copied: u64,
    /// Copied granules whose target already held the source's data at the read.
    pub redundant: u64,
    /// Device counters over the pass.
    pub bits_set: u64,
    pub bits_skipped: u64,
    pub bits_cleared: u64,
    /// Granules of failed target writes put back with MarkDirty (or retried in the final
    /// pass).
    pub failed_copies: u64,
    /// Target writes that failed (commands; `failed_copies` counts their granules).
    pub copy_failures: u64,
    /// Granules this pass copied because an earlier copy of them failed.
    pub recopied_after_failure: u64,
    /// The tracker lost its state in the pass before: this pass copies the whole
    /// namespace (and the pass before has no device counters).
    pub after_reset: bool,
    /// Simulated time from the pass's start to its end.
    pub duration_ns: u64,
    /// TP4159: entries the host read to plan this pass.
    pub cdq_entries: Option<u64>,
    /// User writes the tracker saw between this pass's plan and the previous one: the
    /// entries a per-write logging controller would have posted for it.
    pub writes_logged: u64,
}

impl PassMetrics {
    /// Takes what the migration server recorded of pass `i`: its plan and the device
    /// counters from its start to `end`, the status that closes it (see [`pass_end`]).
    /// Time and copy traffic are the caller's to fill.
    pub fn take_record(&mut self, records: &[PassRecord], i: usize, end: &DeviceStatus) {
        let rec = &records[i];
        self.pass = rec.pass;
        self.is_final = rec.is_final;
        self.planned = rec.planned;
        self.bits_set = end.bits_set - rec.start.bits_set;
        self.bits_skipped = end.bits_skipped - rec.start.bits_skipped;
        self.bits_cleared = end.bits_cleared - rec.start.bits_cleared;
        self.cdq_entries = rec.cdq_entries;
        self.after_reset = rec.after_reset;
        // After a reset the counters started over at the new StartTracking.
        if i > 0 && !rec.after_reset {
            self.writes_logged = rec.start.writes_seen - records[i - 1].start.writes_seen;
        }
    }
}

/// The status that closes pass `i`: the next pass's start, or its own end (also when
/// the tracker lost its state during it: the next pass's counters start over).
pub fn pass_end(records: &[PassRecord], i: usize) -> Option<DeviceStatus> {
    match records.get(i + 1) {
        Some(next) if !next.after_reset => Some(next.start),
        _ => records[i].end,
    }
}

/// Pre-copy stopped because the dirty set fell to `threshold`, not at the pass limit.
pub fn converged(records: &[PassRecord], threshold: u64) -> bool {
    records.len() >= 2
        && records[records.len() - 2]
            .end
            .is_some_and(|s| s.active_count <= threshold)
}

/// The TP4159 side of a run planned from a User Data Migration Queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CdqFigures {
    pub ring_slots: u32,
    /// Entries the device posted (ranges, markers, queue-full entries).
    pub entries_posted: u64,
    pub entries_read: u64,
    /// Host memory read to consume them.
    pub host_read_bytes: u64,
    /// Most entries one drain posted.
    pub max_drain_entries: u64,
    /// Slots a ring needs so that this run never fills it: the most ever in use, one
    /// kept for the queue-full entry, one that tells full from empty.
    pub ring_needed_slots: u64,
    pub queue_full: u64,
    /// Entries a per-write logging controller would have posted: one per user write.
    pub per_write_entries: u64,
    /// Bytes the Query BDP path streams for the same passes (the whole bitmap each).
    pub query_bdp_bytes: u64,
    /// Every record the host read, raw, in order (when asked for).
    pub records: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct RunReport {
    pub method: Method,
    pub workload: String,
    pub seed: u64,
    pub backend: &'static str,
    pub namespace_lbas: u64,
    pub granule_shift: u32,
    pub granules: u64,
    pub mapped_granules: u64,
    pub per_pass: Vec<PassMetrics>,
    /// The run stopped pre-copying because the dirty set fell to the threshold, rather
    /// than at the pass limit.
    pub converged: bool,
    /// From the request to quiesce users to the end of the final pass.
    pub downtime_ns: u64,
    pub sim_time_ns: u64,
    /// Granules whose target differs from the source after switch-over.
    pub lost_updates: u64,
    /// Up to 16 of them, for the report.
    pub lost_examples: Vec<u64>,
    /// ERR flags the device reported during the run.
    pub device_errors: u32,
    /// Events logged for watched granules (see `SimConfig::watch`).
    pub watch_log: Vec<String>,
    /// When the passes were planned from a TP4159 queue.
    pub tp4159: Option<CdqFigures>,
    /// Failed target writes by cause.
    pub failures: FailureCounts,
    /// Reboots of the device firmware (re-attached from the registers).
    pub firmware_restarts: u32,
    /// Times the tracker lost its state and the whole namespace was copied again.
    pub tracker_resets: u32,
    /// What a migration-server failover cost, when one happened.
    pub failover: Option<crate::faults::FailoverFigures>,
}

impl RunReport {
    fn sum(&self, f: impl Fn(&PassMetrics) -> u64) -> u64 {
        self.per_pass.iter().map(f).sum()
    }
    pub fn passes(&self) -> u32 {
        self.per_pass.len() as u32
    }
    pub fn user_writes(&self) -> u64 {
        self.sum(|p| p.user_writes)
    }
    pub fn copied_granules(&self) -> u64 {
        self.sum(|p| p.copied)
    }
    pub fn redundant_copies(&self) -> u64 {
        self.sum(|p| p.redundant)
    }
    pub fn bits_skipped(&self) -> u64 {
        self.sum(|p| p.bits_skipped)
    }
    pub fn bits_cleared(&self) -> u64 {
        self.sum(|p| p.bits_cleared)
    }
    pub fn bits_set(&self) -> u64 {
        self.sum(|p| p.bits_set)
    }
    pub fn failed_copies(&self) -> u64 {
        self.sum(|p| p.failed_copies)
    }
    pub fn copy_failures(&self) -> u64 {
        self.sum(|p| p.copy_failures)
    }
    pub fn recopied_after_failure(&self) -> u64 {
        self.sum(|p| p.recopied_after_failure)
    }
    pub fn final_pass_granules(&self) -> u64 {
        self.per_pass
            .iter()
            .find(|p| p.is_final)
            .map_or(0, |p| p.planned)
    }
}
