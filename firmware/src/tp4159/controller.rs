//! The device side of TP4159 user-data-change logging, over the snoop block.
//!
//! A per-write logging controller posts one entry per write. This one posts nothing while
//! the users write: the tracker's active buffer coalesces every write into dirty granules,
//! and a *drain* (SwapBdp, QueryBdp, ReleaseBdp — the same three commands as the vendor
//! path) turns the buffer into one entry per run of dirty granules, split at the NLB
//! limit. A block rewritten 1,000 times is one entry, and with `bitmap`/`clear` a block
//! the running pass has not copied yet produces none.
//!
//! When a drain happens is the device's choice in TP4159; this one drains when the host
//! gives back the whole ring (Set Features 21h moves the head onto the tail) — the host
//! does that when it has copied what it read, i.e. at a pass boundary — and, to close the
//! sequence, on Track Send stop (ESA "logging stopped") and on Migration Send suspend (ESA
//! "last entry before suspend"). A drain's entries are in host memory before the command
//! that caused it completes.
//!
//! One slot of the ring always stays free (head == tail means empty) and one more is kept
//! for the queue-full entry: when a drain does not fit, the device posts that entry (ESA
//! 7h, LBA change information "all LBAs changed"), stops logging and drops the rest; the
//! host must copy every LBA. The tracker keeps tracking, so restarting logging (once the
//! host has freed the ring) loses nothing either.

use super::entry::{ChangeInfo, Esa, MigrationEntry, ENTRY_BYTES, ENTRY_DWORDS, MAX_ENTRY_LBAS};
use super::memory::{HostMemory, PAGE};
use super::nvme::{opcode, AdminCommand, Completion, NvmeStatus, FID_CONTROLLER_DATA_QUEUE};
use crate::device::Device;
use crate::status::Status;
use lmsnoop_regs::TrackerPort;

/// NSID of the tracked namespace (this model's controller has one), and the broadcast.
pub const NSID: u32 = 1;
pub const NSID_ALL: u32 = 0xFFFF_FFFF;

/// Queue Type of a User Data Migration Queue (Controller Data Queue create, MOS[7:0]).
const QT_USER_DATA_MIGRATION: u16 = 0;
/// Controller Data Queue SEL values (CDW10[7:0]).
const SEL_CREATE: u8 = 0;
const SEL_DELETE: u8 = 1;
/// Track Send SEL 0: Log User Data Changes; MOS bit 0 is the logging action LACT.
const SEL_LOG_USER_DATA: u8 = 0;
/// Migration Send SEL values, and CDW11 fields of Suspend: CNTLID [15:0], suspend type
/// STYPE [23:16] (0 notification, 1 suspend), delete the migration queue DUDMQ [31].
const SEL_SUSPEND: u8 = 0;
const SEL_RESUME: u8 = 1;
const STYPE_SUSPEND: u32 = 1;

/// What the device offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdmConfig {
    /// Identifier of the controller being migrated (CNTLID in the commands).
    pub cntlid: u16,
    /// LBAs one entry may name at most (at most 2^32, NLB being 0-based 32-bit).
    pub max_entry_lbas: u64,
    /// Largest CDQ the device accepts, in dwords.
    pub max_cdq_dwords: u32,
}

impl Default for UdmConfig {
    fn default() -> Self {
        UdmConfig {
            cntlid: 1,
            max_entry_lbas: MAX_ENTRY_LBAS,
            max_cdq_dwords: 1 << 28,
        }
    }
}

/// Counts a host or a benchmark reads back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UdmStats {
    pub drains: u64,
    /// Entries written to host memory, markers and queue-full entries included.
    pub entries_posted: u64,
    /// Most entries posted by one drain.
    pub max_drain_entries: u64,
    /// Most slots ever in use: the ring needs this many plus two.
    pub max_occupancy: u64,
    pub queue_full: u64,
}

/// The device's view of one Controller Data Queue.
struct Cdq {
    id: u16,
    base: u64,
    slots: u32,
    head: u32,
    tail: u32,
    /// Phase tag of the next entry written: 1 on the first lap, inverted at each wrap.
    phase: bool,
}

impl Cdq {
    fn used(&self) -> u32 {
        (self.tail + self.slots - self.head) % self.slots
    }

    fn free(&self) -> u32 {
        self.slots - 1 - self.used()
    }

    fn post(&mut self, mem: &mut HostMemory, mut e: MigrationEntry) -> bool {
        e.phase = self.phase;
        let addr = self.base + u64::from(self.tail) * ENTRY_BYTES as u64;
        if !mem.dma_write(addr, &e.encode()) {
            return false;
        }
        self.tail += 1;
        if self.tail == self.slots {
            self.tail = 0;
            self.phase = !self.phase;
        }
        true
    }
}

#[derive(Default)]
pub struct UdmController {
    cfg: UdmConfig,
    cdq: Option<Cdq>,
    logging: bool,
    suspended: bool,
    /// The next entry posted is the first after a start or a resume.
    first_pending: bool,
    /// A queue-full entry was posted and the host has not restarted logging.
    overflowed: bool,
    next_cdqid: u16,
    stats: UdmStats,
}

/// How a drain ends its sequence.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Close {
    Open,
    Stop,
    Suspend,
}

fn internal(s: Status) -> Completion {
    Completion::err(NvmeStatus::INTERNAL_ERROR, format!("tracker: {s}"))
}

impl UdmController {
    pub fn new(cfg: UdmConfig) -> Self {
        UdmController {
            cfg,
            next_cdqid: 1,
            ..Default::default()
        }
    }

    pub fn stats(&self) -> UdmStats {
        self.stats
    }

    pub fn config(&self) -> UdmConfig {
        self.cfg
    }

    pub fn logging(&self) -> bool {
        self.logging
    }

    pub fn suspended(&self) -> bool {
        self.suspended
    }

    /// Executes one admin command. Every refusal leaves the device as it was.
    pub fn admin<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        mem: &mut HostMemory,
        cmd: &AdminCommand,
    ) -> Completion {
        match cmd.opcode {
            opcode::CONTROLLER_DATA_QUEUE => match cmd.sel() {
                SEL_CREATE => self.create_cdq(mem, cmd),
                SEL_DELETE => self.delete_cdq(cmd),
                s => Completion::err(
                    NvmeStatus::INVALID_FIELD,
                    format!("Controller Data Queue select {s:#x}"),
                ),
            },
            opcode::TRACK_SEND => self.track_send(dev, mem, cmd),
            opcode::MIGRATION_SEND => self.migration_send(dev, mem, cmd),
            opcode::SET_FEATURES if cmd.sel() == FID_CONTROLLER_DATA_QUEUE => {
                self.set_head(dev, mem, cmd)
            }
            opcode::SET_FEATURES => Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!("feature {:#04x} is not supported", cmd.sel()),
            ),
            // Track Receive carries Track Memory Changes data; user-data logging needs
            // nothing from it, so every select is refused by name.
            opcode::TRACK_RECEIVE => Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!(
                    "Track Receive select {:#x}: user data changes arrive on the CDQ",
                    cmd.sel()
                ),
            ),
            op => Completion::err(
                NvmeStatus::INVALID_OPCODE,
                format!("admin opcode {op:#04x}"),
            ),
        }
    }

    fn create_cdq(&mut self, mem: &mut HostMemory, cmd: &AdminCommand) -> Completion {
        let qt = cmd.mos() & 0xFF;
        let physically_contiguous = cmd.cdw11 & 1 == 1;
        let cntlid = (cmd.cdw11 >> 16) as u16;
        let dwords = cmd.cdw12;
        if qt != QT_USER_DATA_MIGRATION {
            return Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!("queue type {qt}: only 0 (User Data Migration Queue) exists"),
            );
        }
        if !physically_contiguous {
            return Completion::err(
                NvmeStatus::INVALID_FIELD,
                "PC = 0: this device takes a physically contiguous ring only",
            );
        }
        if let Err(c) = self.controller(cntlid) {
            return c;
        }
        if dwords % ENTRY_DWORDS != 0 || dwords / ENTRY_DWORDS < 3 {
            return Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!(
                    "CDQ size {dwords} dwords: a whole number of {ENTRY_DWORDS}-dword entries, \
                     at least 3 (one slot stays free, one is kept for the queue-full entry)"
                ),
            );
        }
        if dwords > self.cfg.max_cdq_dwords {
            return Completion::err(
                NvmeStatus::NOT_ENOUGH_RESOURCES,
                format!(
                    "CDQ size {dwords} dwords, the device takes {} at most",
                    self.cfg.max_cdq_dwords
                ),
            );
        }
        let bytes = dwords as usize * 4;
        if cmd.prp1 % PAGE != 0 || !mem.contains(cmd.prp1, bytes) {
            return Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!(
                    "PRP1 {:#x}: not a page-aligned host buffer of {bytes} bytes",
                    cmd.prp1
                ),
            );
        }
        if self.cdq.is_some() {
            return Completion::err(
                NvmeStatus::NOT_ENOUGH_RESOURCES,
                "the controller already has its User Data Migration Queue",
            );
        }
        let id = self.next_cdqid;
        self.next_cdqid = self.next_cdqid.wrapping_add(1).max(1);
        self.cdq = Some(Cdq {
            id,
            base: cmd.prp1,
            slots: dwords / ENTRY_DWORDS,
            head: 0,
            tail: 0,
            phase: true,
        });
        Completion::ok(u32::from(id))
    }

    /// Whether `cntlid` is the migratable controller, or the status that refuses it.
    fn controller(&self, cntlid: u16) -> Result<(), Completion> {
        if cntlid == self.cfg.cntlid {
            return Ok(());
        }
        Err(Completion::err(
            NvmeStatus::INVALID_CONTROLLER_ID,
            format!(
                "controller {cntlid}; the migratable one is {}",
                self.cfg.cntlid
            ),
        ))
    }

    /// The queue `id` names, or the status that refuses it.
    fn queue(&self, id: u32) -> Result<(), Completion> {
        match &self.cdq {
            Some(q) if u32::from(q.id) == id & 0xFFFF => Ok(()),
            _ => Err(Completion::err(
                NvmeStatus::INVALID_CDQ,
                format!("no controller data queue {}", id & 0xFFFF),
            )),
        }
    }

    fn delete_cdq(&mut self, cmd: &AdminCommand) -> Completion {
        if let Err(c) = self.queue(cmd.cdw11) {
            return c;
        }
        if self.logging {
            return Completion::err(
                NvmeStatus::COMMAND_SEQUENCE,
                "logging onto this queue: stop logging first",
            );
        }
        self.cdq = None;
        self.overflowed = false;
        Completion::ok(0)
    }

    fn track_send<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        mem: &mut HostMemory,
        cmd: &AdminCommand,
    ) -> Completion {
        if cmd.sel() != SEL_LOG_USER_DATA {
            return Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!(
                    "Track Send select {:#x}: only Log User Data Changes (0)",
                    cmd.sel()
                ),
            );
        }
        if let Err(c) = self.queue(cmd.cdw11) {
            return c;
        }
        if cmd.nsid != NSID && cmd.nsid != NSID_ALL {
            return Completion::err(
                NvmeStatus::INVALID_NAMESPACE,
                format!(
                    "namespace {} (this controller has namespace {NSID})",
                    cmd.nsid
                ),
            );
        }
        let start = cmd.mos() & 1 == 1;
        if !start {
            if !self.logging {
                return Completion::err(NvmeStatus::COMMAND_SEQUENCE, "logging is not started");
            }
            self.logging = false;
            return match self.drain(dev, mem, Close::Stop) {
                Ok(()) => Completion::ok(0),
                Err(c) => c,
            };
        }
        if self.logging {
            return Completion::err(NvmeStatus::COMMAND_SEQUENCE, "logging is already started");
        }
        if self.suspended {
            return Completion::err(NvmeStatus::CONTROLLER_SUSPENDED, "resume it first");
        }
        if dev.config().is_none() {
            return Completion::err(
                NvmeStatus::COMMAND_SEQUENCE,
                "the tracker is not tracking the namespace (StartTracking sets the granule and method)",
            );
        }
        let q = self.cdq.as_ref().expect("checked by queue()");
        if self.overflowed && q.used() > 0 {
            return Completion::err(
                NvmeStatus::CDQ_FULL,
                "the queue overflowed: consume it and move the head first",
            );
        }
        self.logging = true;
        self.overflowed = false;
        self.first_pending = true;
        Completion::ok(0)
    }

    fn migration_send<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        mem: &mut HostMemory,
        cmd: &AdminCommand,
    ) -> Completion {
        let cntlid = cmd.cdw11 as u16;
        if let Err(c) = self.controller(cntlid) {
            return c;
        }
        match cmd.sel() {
            SEL_SUSPEND => {
                if (cmd.cdw11 >> 16) & 0xFF != STYPE_SUSPEND {
                    // A suspend notification: nothing to do until the suspend itself.
                    return Completion::ok(0);
                }
                if self.suspended {
                    return Completion::err(NvmeStatus::CONTROLLER_SUSPENDED, "already suspended");
                }
                self.suspended = true;
                if self.logging {
                    if let Err(c) = self.drain(dev, mem, Close::Suspend) {
                        return c;
                    }
                }
                if cmd.cdw11 >> 31 == 1 {
                    // DUDMQ: the queue goes with the suspend; what was posted stays in
                    // host memory for the host to read.
                    self.logging = false;
                    self.cdq = None;
                }
                Completion::ok(0)
            }
            SEL_RESUME => {
                if !self.suspended {
                    return Completion::err(NvmeStatus::CONTROLLER_NOT_SUSPENDED, "not suspended");
                }
                self.suspended = false;
                self.first_pending = true;
                Completion::ok(0)
            }
            s => Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!("Migration Send select {s:#x}: suspend (0) and resume (1) only"),
            ),
        }
    }

    /// Set Features 21h: the host consumed the entries up to (not including) the slot it
    /// names. Giving back the whole ring asks for the next drain.
    fn set_head<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        mem: &mut HostMemory,
        cmd: &AdminCommand,
    ) -> Completion {
        if let Err(c) = self.queue(cmd.cdw11) {
            return c;
        }
        let q = self.cdq.as_mut().expect("checked by queue()");
        let head = cmd.cdw12;
        if head >= q.slots {
            return Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!("head {head} beyond the ring of {} slots", q.slots),
            );
        }
        let advance = (head + q.slots - q.head) % q.slots;
        if advance > q.used() {
            return Completion::err(
                NvmeStatus::INVALID_FIELD,
                format!(
                    "head {head} is not a posted entry (head {}, tail {})",
                    q.head, q.tail
                ),
            );
        }
        q.head = head;
        if q.used() == 0 && self.logging && !self.suspended {
            if let Err(c) = self.drain(dev, mem, Close::Open) {
                return c;
            }
        }
        Completion::ok(0)
    }

    /// Turns the active buffer into entries on the ring.
    fn drain<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        mem: &mut HostMemory,
        close: Close,
    ) -> Result<(), Completion> {
        let cfg = dev.config().ok_or_else(|| {
            Completion::err(NvmeStatus::COMMAND_SEQUENCE, "the tracker stopped tracking")
        })?;
        // Closing a sequence on a suspended or stopping controller with nothing dirty posts
        // the marker alone: a swap would replace the running pass's plan for nothing.
        let swap = close == Close::Open || dev.active_count() > 0;
        let plan = if swap {
            dev.swap_bdp().map_err(internal)?;
            let plan = dev.query_bdp().map_err(internal)?;
            dev.release_bdp().map_err(internal)?;
            Some(plan)
        } else {
            None
        };
        self.stats.drains += 1;
        let shift = cfg.granule_shift;
        let ns = cfg.namespace_lbas;
        let max = self.cfg.max_entry_lbas.clamp(1, MAX_ENTRY_LBAS);
        let ranges = plan.iter().flat_map(|p| p.runs()).flat_map(|(first, end)| {
            let (lo, hi) = (first << shift, (end << shift).min(ns));
            (lo..hi)
                .step_by(max as usize)
                .map(move |s| (s, (hi - s).min(max)))
        });
        let mut posted = 0u64;
        let mut result = Ok(());
        for (slba, blocks) in ranges {
            let mut e = MigrationEntry::range(NSID, slba, blocks);
            if self.first_pending {
                e.esa = Esa::First;
            }
            match self.post(mem, e) {
                Ok(true) => {
                    self.first_pending = false;
                    posted += 1;
                }
                Ok(false) => {
                    posted += 1;
                    break;
                }
                Err(c) => {
                    result = Err(c);
                    break;
                }
            }
        }
        if result.is_ok() && !self.overflowed && close != Close::Open {
            let esa = if close == Close::Stop {
                Esa::LastStopped
            } else {
                Esa::LastSuspended
            };
            match self.post(mem, MigrationEntry::marker(NSID, esa, ChangeInfo::NoRange)) {
                Ok(_) => posted += 1,
                Err(c) => result = Err(c),
            }
        }
        self.stats.max_drain_entries = self.stats.max_drain_entries.max(posted);
        result
    }

    /// Posts `e`, or the queue-full entry in its place when only the reserved slot is
    /// left. Ok(false): the queue overflowed and logging stopped.
    fn post(&mut self, mem: &mut HostMemory, e: MigrationEntry) -> Result<bool, Completion> {
        let q = self.cdq.as_mut().expect("a queue while logging");
        let fits = q.free() >= 2;
        let e = if fits {
            e
        } else {
            MigrationEntry::marker(NSID, Esa::QueueFull, ChangeInfo::AllChanged)
        };
        if !q.post(mem, e) {
            self.logging = false;
            return Err(Completion::err(
                NvmeStatus::INTERNAL_ERROR,
                "CDQ write outside host memory: logging stopped",
            ));
        }
        self.stats.entries_posted += 1;
        self.stats.max_occupancy = self.stats.max_occupancy.max(u64::from(q.used()));
        if !fits {
            self.stats.queue_full += 1;
            self.logging = false;
            self.overflowed = true;
        }
        Ok(fits)
    }
}
