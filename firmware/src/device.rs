//! Device firmware: host migration commands turned into register and stream operations.
//!
//! Every command follows the same hardware handshake: program the parameter registers,
//! write CMD, poll STATUS.BUSY until it drops, then read ERR. Command error flags are
//! cleared (write-1) and returned as [`Status::Hardware`]; snoop-stream error flags stay
//! sticky until the host reads them with GetStatus.
//!
//! The firmware keeps its own view of the protocol state so that a host command in the
//! wrong state is refused before it reaches the hardware; the hardware checks again.

use crate::status::Status;
use crate::tp4159::{AdminCommand, Completion, HostMemory, UdmConfig, UdmController};
use lmsnoop_regs::*;

/// How many STATUS reads the firmware waits for BUSY to drop. The RTL's longest command,
/// a clear-engine walk, takes one cycle per word, so this bound covers 2^24 words.
const BUSY_POLL_LIMIT: u64 = 1 << 26;

/// Unacknowledged copies by sequence number. Numbers are handed out in order and
/// acknowledged roughly in order, so a window from the oldest open number holds them:
/// journalling and acknowledging are O(1) (a copy is journalled and acknowledged once per
/// copy read, billions of times in a drive-sized simulation), and the window stays about
/// a queue depth long.
#[derive(Debug, Default)]
struct CopyJournal {
    /// Sequence number of `window[0]`.
    base: u64,
    window: std::collections::VecDeque<Option<(u64, u64)>>,
}

impl CopyJournal {
    fn insert(&mut self, seq: u64, range: (u64, u64)) {
        if self.window.is_empty() {
            self.base = seq;
        }
        while seq < self.base {
            // Issued out of order (retries): grow the window backwards.
            self.window.push_front(None);
            self.base -= 1;
        }
        let i = (seq - self.base) as usize;
        if i >= self.window.len() {
            self.window.resize(i + 1, None);
        }
        self.window[i] = Some(range);
    }

    fn remove(&mut self, seq: u64) {
        let Some(slot) = seq
            .checked_sub(self.base)
            .and_then(|i| self.window.get_mut(i as usize))
        else {
            return;
        };
        *slot = None;
        while let Some(None) = self.window.front() {
            self.window.pop_front();
            self.base += 1;
        }
    }

    /// The open ranges, sorted; the journal is left empty.
    fn take(&mut self) -> Vec<(u64, u64)> {
        let mut ranges: Vec<(u64, u64)> = self.window.drain(..).flatten().collect();
        ranges.sort_unstable();
        ranges
    }

    fn clear(&mut self) {
        self.window.clear();
    }
}

/// Checks the ID register; returns the capacity in granules.
fn probe<P: TrackerPort>(port: &mut P) -> Result<u64, Status> {
    let id = port.csr_read(ID);
    if ID_MAGIC.get(id) != ID_MAGIC_VALUE || ID_MAJOR.get(id) != VERSION_MAJOR {
        return Err(Status::Unsupported(format!(
            "ID register reads {id:#010x}, expected {ID_VALUE:#010x}"
        )));
    }
    Ok(u64::from(port.csr_read(CAPACITY)))
}

/// Parameters of StartTracking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackingConfig {
    pub method: Method,
    /// A granule is 2^granule_shift LBAs.
    pub granule_shift: u32,
    pub namespace_lbas: u64,
}

impl TrackingConfig {
    pub fn granules(&self) -> u64 {
        self.namespace_lbas.div_ceil(1u64 << self.granule_shift)
    }
}

/// What GetStatus returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceStatus {
    pub tracking: bool,
    pub writes_seen: u64,
    pub bits_set: u64,
    pub bits_skipped: u64,
    pub copy_reads_seen: u64,
    pub bits_cleared: u64,
    pub active_count: u64,
    pub passive_count: u64,
    pub cursor: u64,
    /// ERR flags raised since the previous GetStatus (then cleared).
    pub errors: u32,
}

/// Which plan the passive buffer holds, as the firmware tracks the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// The BMP loaded at StartTracking, before the first swap.
    Bmp,
    /// A BDP produced by a swap.
    Bdp,
}

#[derive(Clone, Copy, Debug)]
struct Session {
    cfg: TrackingConfig,
    plan: Plan,
    queried: bool,
    released: bool,
}

/// The device firmware over a tracker port.
pub struct Device<P: TrackerPort> {
    port: P,
    capacity: u64,
    session: Option<Session>,
    /// Copy reads whose target writes the migration server has not acknowledged.
    journal: CopyJournal,
    /// The TP4159 front end (user-data-change logging onto a Controller Data Queue).
    udm: UdmController,
}

impl<P: TrackerPort> Device<P> {
    /// Probes the tracker's ID register and capacity.
    pub fn new(mut port: P) -> Result<Self, Status> {
        let capacity = probe(&mut port)?;
        Ok(Device {
            port,
            capacity,
            session: None,
            journal: CopyJournal::default(),
            udm: UdmController::new(UdmConfig::default()),
        })
    }

    /// A firmware reboot while the tracker keeps running: everything the firmware held
    /// in RAM (the session, the TP4159 front end's queue state) is dropped and the
    /// session is rebuilt from the registers alone, so no bit the tracker holds is lost.
    ///
    /// A running session is read back as mid-pass: its geometry from CONFIG and
    /// NS_LBAS (checked against the latched STATUS method and NS_GRANULES), its plan a
    /// BDP the host has read and not released. The registers cannot tell whether the
    /// host has read the plan, so the firmware trusts the host's next ReleaseBdp;
    /// QueryBmp is refused (the BMP may have been replaced).
    pub fn restart(&mut self) -> Result<(), Status> {
        let udm = UdmController::new(self.udm.config());
        self.session = None;
        self.udm = udm;
        // RAM: the copies in flight are the server's to finish and acknowledge; a
        // journal entry it acknowledges after the reboot is simply not found.
        self.journal.clear();
        self.capacity = probe(&mut self.port)?;
        self.session = self.session_from_registers()?;
        Ok(())
    }

    fn session_from_registers(&mut self) -> Result<Option<Session>, Status> {
        let status = self.port.csr_read(STATUS);
        if TRACKING.get(status) == 0 {
            return Ok(None);
        }
        let config = self.port.csr_read(CONFIG);
        let lo = u64::from(self.port.csr_read(NS_LBAS_LO));
        let hi = u64::from(self.port.csr_read(NS_LBAS_HI));
        let cfg = TrackingConfig {
            method: Method::from_code(METHOD.get(config)),
            granule_shift: GRANULE_SHIFT.get(config),
            namespace_lbas: lo | hi << 32,
        };
        let latched = Method::from_code(LATCHED_METHOD.get(status));
        let granules = u64::from(self.port.csr_read(NS_GRANULES));
        if cfg.method != latched || cfg.granules() != granules {
            return Err(Status::Unsupported(format!(
                "cannot re-attach: CONFIG and NS_LBAS say {} in {} granules, the tracker \
                 latched {latched} in {granules}",
                cfg.method,
                cfg.granules()
            )));
        }
        Ok(Some(Session {
            cfg,
            plan: Plan::Bdp,
            queried: true,
            released: false,
        }))
    }

    /// Replaces the TP4159 front end's configuration (before any TP4159 command).
    pub fn with_udm(mut self, cfg: UdmConfig) -> Self {
        self.udm = UdmController::new(cfg);
        self
    }

    /// Executes a TP4159 admin command (Controller Data Queue, Track Send/Receive,
    /// Migration Send, Set Features 21h); entries are posted into `mem`.
    pub fn admin(&mut self, mem: &mut HostMemory, cmd: &AdminCommand) -> Completion {
        let mut udm = std::mem::take(&mut self.udm);
        let done = udm.admin(self, mem, cmd);
        self.udm = udm;
        done
    }

    /// The TP4159 front end's state and counts.
    pub fn udm(&self) -> &UdmController {
        &self.udm
    }

    /// Live set-bit count of the active buffer (a register read, nothing cleared).
    pub fn active_count(&mut self) -> u64 {
        u64::from(self.port.csr_read(ACTIVE_COUNT))
    }

    /// The tracker, for the snoop taps (which are wired in hardware, not driven by firmware).
    pub fn port_mut(&mut self) -> &mut P {
        &mut self.port
    }

    pub fn port(&self) -> &P {
        &self.port
    }

    /// Bitmap capacity of the tracker in granules.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    pub fn config(&self) -> Option<TrackingConfig> {
        self.session.map(|s| s.cfg)
    }

    fn session(&mut self, cmd: &'static str) -> Result<&mut Session, Status> {
        self.session.as_mut().ok_or(Status::CommandSequence(cmd))
    }

    /// Checked before every command of a session: tracking stops only by the firmware's
    /// own StopTracking, so STATUS.TRACKING low under a session means the tracker was reset
    /// (power loss, a block reset) and every bit it held is gone. The session is dropped,
    /// so the host can start tracking again.
    fn check_state(&mut self) -> Result<(), Status> {
        if self.session.is_some() && TRACKING.get(self.port.csr_read(STATUS)) == 0 {
            self.session = None;
            return Err(Status::StateLost);
        }
        Ok(())
    }

    /// Writes CMD, waits for BUSY to drop and turns command error flags into a status.
    fn exec(&mut self, cmd: u32) -> Result<(), Status> {
        self.check_state()?;
        self.port.csr_write(CMD, cmd);
        let mut polls = 0;
        while BUSY.get(self.port.csr_read(STATUS)) == 1 {
            polls += 1;
            if polls > BUSY_POLL_LIMIT {
                return Err(Status::Timeout("STATUS.BUSY never dropped"));
            }
        }
        let err = self.port.csr_read(ERR) & ERR_COMMAND_MASK;
        if err != 0 {
            self.port.csr_write(ERR, err);
            return Err(Status::Hardware(err));
        }
        Ok(())
    }

    /// StartTracking: validates the geometry, builds the BMP from the mapped LBA ranges
    /// `(slba, count)`, loads it into the passive buffer and starts tracking.
    pub fn start_tracking(
        &mut self,
        cfg: TrackingConfig,
        mapped: &[(u64, u64)],
    ) -> Result<(), Status> {
        if self.session.is_some() {
            return Err(Status::CommandSequence("StartTracking while tracking"));
        }
        if cfg.granule_shift > MAX_GRANULE_SHIFT {
            return Err(Status::InvalidField(format!(
                "granule shift {} > {MAX_GRANULE_SHIFT}",
                cfg.granule_shift
            )));
        }
        if cfg.namespace_lbas == 0 {
            return Err(Status::InvalidField("namespace of 0 LBAs".into()));
        }
        let granules = cfg.granules();
        if granules > self.capacity {
            return Err(Status::InvalidField(format!(
                "namespace needs {granules} granules, the tracker holds {}",
                self.capacity
            )));
        }
        let mut bmp = Bitmap::new(granules);
        for &(slba, count) in mapped {
            let end = slba
                .checked_add(count)
                .filter(|&e| e <= cfg.namespace_lbas && count > 0);
            let Some(end) = end else {
                return Err(Status::InvalidField(format!(
                    "mapped range {slba}+{count} outside the namespace"
                )));
            };
            bmp.set_range(
                slba >> cfg.granule_shift,
                ((end - 1) >> cfg.granule_shift) + 1,
            );
        }
        self.port.csr_write(
            CONFIG,
            GRANULE_SHIFT.put(METHOD.put(0, cfg.method.code()), cfg.granule_shift),
        );
        self.port.csr_write(NS_LBAS_LO, cfg.namespace_lbas as u32);
        self.port
            .csr_write(NS_LBAS_HI, (cfg.namespace_lbas >> 32) as u32);
        self.exec(OP_LOAD)?;
        for &word in bmp.words() {
            self.port.load_word(word);
        }
        if LOAD_OPEN.get(self.port.csr_read(STATUS)) == 1 {
            return Err(Status::Timeout(
                "load stream still open after the last BMP word",
            ));
        }
        self.exec(OP_START)?;
        self.session = Some(Session {
            cfg,
            plan: Plan::Bmp,
            queried: false,
            released: false,
        });
        Ok(())
    }

    /// Streams a whole buffer out of the query port.
    fn query(&mut self, src_active: bool) -> Result<Bitmap, Status> {
        let cfg = self.session("query while stopped")?.cfg;
        self.exec(QUERY_SRC.put(OP_QUERY, src_active as u32))?;
        let granules = cfg.granules();
        let words = granules.div_ceil(64);
        let mut out = Vec::with_capacity(words as usize);
        for i in 0..words {
            let beat = self
                .port
                .query_word()
                .ok_or(Status::Timeout("query stream ended early"))?;
            if beat.last != (i + 1 == words) {
                return Err(Status::Timeout("query stream LAST out of place"));
            }
            out.push(beat.data);
        }
        Ok(Bitmap::from_words(out, granules))
    }

    fn query_plan(&mut self, want: Plan, cmd: &'static str) -> Result<Bitmap, Status> {
        let s = self.session(cmd)?;
        if s.plan != want {
            return Err(Status::CommandSequence(match want {
                Plan::Bmp => "QueryBmp after a swap: the BMP was replaced by a BDP",
                Plan::Bdp => "QueryBdp before the first SwapBdp",
            }));
        }
        if s.released && s.cfg.method != Method::Bitmap {
            return Err(Status::CommandSequence(
                "query after ReleaseBdp: the plan was released",
            ));
        }
        let plan = self.query(false)?;
        self.session(cmd)?.queried = true;
        Ok(plan)
    }

    /// QueryBmp: the pass-0 plan (the mapped granules).
    pub fn query_bmp(&mut self) -> Result<Bitmap, Status> {
        self.query_plan(Plan::Bmp, "QueryBmp while stopped")
    }

    /// QueryBdp: the plan produced by the last SwapBdp. In `bitmap` it is what is left to
    /// copy of that plan.
    pub fn query_bdp(&mut self) -> Result<Bitmap, Status> {
        self.query_plan(Plan::Bdp, "QueryBdp while stopped")
    }

    /// ReleaseBdp: the host holds the plan; the device may clear the passive buffer.
    pub fn release_bdp(&mut self) -> Result<(), Status> {
        let s = self.session("ReleaseBdp while stopped")?;
        if !s.queried {
            return Err(Status::CommandSequence(
                "ReleaseBdp before the plan was queried",
            ));
        }
        self.exec(OP_RELEASE)?;
        self.session("ReleaseBdp while stopped")?.released = true;
        Ok(())
    }

    /// SwapBdp: the active buffer becomes the next plan; returns its set-bit count.
    pub fn swap_bdp(&mut self) -> Result<u64, Status> {
        self.session("SwapBdp while stopped")?;
        self.exec(OP_SWAP)?;
        let s = self.session("SwapBdp while stopped")?;
        (s.plan, s.queried, s.released) = (Plan::Bdp, false, false);
        Ok(u64::from(self.port.csr_read(SWAP_COUNT)))
    }

    /// SetPlan (cursor method): the running pass copies granules `[first, end)` ascending.
    pub fn set_plan(&mut self, first: u64, end: u64) -> Result<(), Status> {
        let cfg = self.session("SetPlan while stopped")?.cfg;
        if cfg.method != Method::Cursor {
            return Err(Status::InvalidField(format!(
                "SetPlan needs the cursor method, tracking uses {}",
                cfg.method
            )));
        }
        if first > end || end > cfg.granules() {
            return Err(Status::InvalidField(format!(
                "plan [{first}, {end}) outside [0, {})",
                cfg.granules()
            )));
        }
        self.port.csr_write(PLAN_START, first as u32);
        self.port.csr_write(PLAN_END, end as u32);
        self.exec(OP_SET_PLAN)
    }

    /// The copy read tagged `seq` of granules `[first, first + count)` was submitted: it
    /// stays in the copy journal until the server acknowledges its target write.
    pub fn journal_copy(&mut self, seq: u64, first: u64, count: u64) {
        self.journal.insert(seq, (first, first + count));
    }

    /// The target write of the copy tagged `seq` ended (landed, or failed and marked
    /// dirty by the server): it leaves the journal.
    pub fn acknowledge_copy(&mut self, seq: u64) {
        self.journal.remove(seq);
    }

    /// The migration server failed over to a standby: copies it never acknowledged may
    /// never reach the target, so their granules are marked dirty (a bitmap-method copy
    /// read drained their plan bits on a promise nobody will keep). Returns the ranges.
    pub fn fail_over(&mut self) -> Result<Vec<(u64, u64)>, Status> {
        let ranges = self.journal.take();
        for &(first, end) in &ranges {
            self.mark_dirty(first, end)?;
        }
        Ok(ranges)
    }

    /// QueryBdp (QueryBmp before the first swap) in the middle of a `bitmap` pass: the
    /// plan's bits the copy reads have not drained, what is left to copy.
    pub fn query_left(&mut self) -> Result<Bitmap, Status> {
        let s = *self.session("query while stopped")?;
        if s.cfg.method != Method::Bitmap {
            return Err(Status::InvalidField(format!(
                "only the bitmap method drains its plan as it copies; tracking uses {}",
                s.cfg.method
            )));
        }
        match s.plan {
            Plan::Bmp => self.query_bmp(),
            Plan::Bdp => self.query_bdp(),
        }
    }

    /// MarkDirty: granules `[first, end)` must be copied again (a failed target write, or
    /// copies lost with a crashed server).
    pub fn mark_dirty(&mut self, first: u64, end: u64) -> Result<(), Status> {
        let cfg = self.session("MarkDirty while stopped")?.cfg;
        if first > end || end > cfg.granules() {
            return Err(Status::InvalidField(format!(
                "mark range [{first}, {end}) outside [0, {})",
                cfg.granules()
            )));
        }
        self.port.csr_write(MARK_FIRST, first as u32);
        self.port.csr_write(MARK_END, end as u32);
        self.exec(OP_MARK_DIRTY)
    }

    fn counter(&mut self, (lo, hi): (u32, u32)) -> u64 {
        let lo = self.port.csr_read(lo);
        u64::from(lo) | (u64::from(self.port.csr_read(hi)) << 32)
    }

    /// GetStatus: counters, live counts and the error flags raised since the last call.
    pub fn get_status(&mut self) -> Result<DeviceStatus, Status> {
        self.check_state()?;
        let errors = self.take_errors();
        let [writes_seen, bits_set, bits_skipped, copy_reads_seen, bits_cleared] =
            COUNTERS.map(|c| self.counter(c));
        Ok(DeviceStatus {
            tracking: TRACKING.get(self.port.csr_read(STATUS)) == 1,
            writes_seen,
            bits_set,
            bits_skipped,
            copy_reads_seen,
            bits_cleared,
            active_count: u64::from(self.port.csr_read(ACTIVE_COUNT)),
            passive_count: u64::from(self.port.csr_read(PASSIVE_COUNT)),
            cursor: u64::from(self.port.csr_read(CURSOR)),
            errors,
        })
    }

    /// Reads and clears the tracker's error flags (a cheaper GetStatus for diagnostics).
    pub fn take_errors(&mut self) -> u32 {
        let errors = self.port.csr_read(ERR);
        if errors != 0 {
            self.port.csr_write(ERR, errors);
        }
        errors
    }

    /// The active buffer as it stands (diagnostic; not part of the migration protocol).
    pub fn read_active(&mut self) -> Result<Bitmap, Status> {
        self.query(true)
    }

    /// StopTracking: ends the session; the tracker clears both buffers.
    pub fn stop_tracking(&mut self) -> Result<(), Status> {
        self.session("StopTracking while stopped")?;
        self.exec(OP_STOP)?;
        self.session = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::CopyJournal;

    /// Acknowledged out of order, journalled out of order (retries), acknowledged twice
    /// or never journalled: what is left is exactly what was never acknowledged, and the
    /// window shrinks to it.
    #[test]
    fn the_journal_keeps_exactly_the_unacknowledged_copies() {
        let mut j = CopyJournal::default();
        for seq in 10..20 {
            j.insert(seq, (seq * 4, seq * 4 + 4));
        }
        j.insert(7, (0, 1)); // a retry numbered before the window
        for seq in [10, 12, 11, 7, 7, 99, 3, 15] {
            j.remove(seq);
        }
        assert_eq!(j.base, 13, "the window starts at the oldest open copy");
        assert_eq!(j.window.len(), 7);
        let left: Vec<u64> = j.take().iter().map(|r| r.0 / 4).collect();
        assert_eq!(left, [13, 14, 16, 17, 18, 19]);
        assert!(j.take().is_empty());
    }
}
