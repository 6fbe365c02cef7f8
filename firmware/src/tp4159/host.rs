//! The host side of TP4159 logging: owns the ring in host memory, reads the entries the
//! device posts (by phase tag), gives slots back and turns a drain into a copy plan.

use super::controller::NSID;
use super::entry::{ChangeInfo, Esa, MigrationEntry, ENTRY_BYTES, ENTRY_DWORDS};
use super::memory::HostMemory;
use super::nvme::{opcode, AdminCommand, FID_CONTROLLER_DATA_QUEUE};
use crate::device::{Device, TrackingConfig};
use crate::status::Status;
use lmsnoop_regs::{Bitmap, TrackerPort};

/// What one drain told the host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Changed LBA ranges (first LBA, count), in the order posted.
    pub ranges: Vec<(u64, u64)>,
    /// A queue-full entry (or an "all LBAs changed" entry) arrived: every LBA must be
    /// treated as changed.
    pub all_changed: bool,
    /// Entries read, markers included.
    pub entries: u64,
    /// The sequence marker that closed it, if any.
    pub closed_by: Option<Esa>,
}

impl Drained {
    /// The granules to copy: every granule a range touches, or all of them.
    pub fn plan(&self, cfg: &TrackingConfig) -> Bitmap {
        let granules = cfg.granules();
        if self.all_changed {
            return Bitmap::full(granules);
        }
        let mut plan = Bitmap::new(granules);
        for &(slba, blocks) in &self.ranges {
            plan.set_range(
                slba >> cfg.granule_shift,
                ((slba + blocks - 1) >> cfg.granule_shift) + 1,
            );
        }
        plan
    }
}

/// What the host read from a queue over its life.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CdqSummary {
    pub slots: u32,
    pub entries_read: u64,
    /// Bytes of host memory read to consume them.
    pub bytes_read: u64,
    pub queue_full: u64,
    /// Every record read, raw, in order (empty unless kept).
    pub records: Vec<u8>,
}

pub struct CdqHost {
    mem: HostMemory,
    base: u64,
    slots: u32,
    cdqid: u16,
    cntlid: u16,
    /// Next slot to read, and the phase tag an entry there has when it is new.
    head: u32,
    new_phase: bool,
    /// Head last given back to the device.
    acked: u32,
    /// Every record consumed, raw, in order (when asked for).
    dump: Option<Vec<u8>>,
    /// Logging is on as far as the host knows: started, and no queue-full entry since.
    logging: bool,
    pub entries_read: u64,
    /// Bytes of host memory read to consume them.
    pub bytes_read: u64,
    /// Queue-full entries seen.
    pub queue_full: u64,
}

fn nvme(what: &str, c: super::nvme::Completion) -> Result<u32, Status> {
    if c.is_ok() {
        Ok(c.dw0)
    } else {
        Err(Status::Nvme(format!("{what}: {c}")))
    }
}

impl CdqHost {
    /// Allocates a ring of `slots` entries and creates the User Data Migration Queue on
    /// controller `cntlid`.
    pub fn create<P: TrackerPort>(
        dev: &mut Device<P>,
        slots: u32,
        cntlid: u16,
        keep_dump: bool,
    ) -> Result<Self, Status> {
        let mut mem = HostMemory::new();
        let dwords = slots
            .checked_mul(ENTRY_DWORDS)
            .ok_or_else(|| Status::InvalidField(format!("a ring of {slots} entries")))?;
        let base = mem.alloc(dwords as usize * 4);
        let cmd = AdminCommand {
            opcode: opcode::CONTROLLER_DATA_QUEUE,
            prp1: base,
            cdw10: 0, // SEL 0 create, MOS queue type 0
            cdw11: u32::from(cntlid) << 16 | 1,
            cdw12: dwords,
            ..Default::default()
        };
        let cdqid = nvme("Controller Data Queue create", dev.admin(&mut mem, &cmd))? as u16;
        Ok(CdqHost {
            mem,
            base,
            slots,
            cdqid,
            cntlid,
            head: 0,
            new_phase: true,
            acked: 0,
            dump: keep_dump.then(Vec::new),
            logging: false,
            entries_read: 0,
            bytes_read: 0,
            queue_full: 0,
        })
    }

    pub fn slots(&self) -> u32 {
        self.slots
    }

    fn admin<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        what: &str,
        cmd: AdminCommand,
    ) -> Result<u32, Status> {
        nvme(what, dev.admin(&mut self.mem, &cmd))
    }

    fn track_send<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        start: bool,
    ) -> Result<(), Status> {
        let cmd = AdminCommand {
            opcode: opcode::TRACK_SEND,
            nsid: NSID,
            cdw10: u32::from(start) << 16, // SEL 0, MOS.LACT
            cdw11: u32::from(self.cdqid),
            ..Default::default()
        };
        self.admin(
            dev,
            if start {
                "Track Send start"
            } else {
                "Track Send stop"
            },
            cmd,
        )
        .map(drop)
    }

    /// Track Send: start logging user data changes onto the queue.
    pub fn start_logging<P: TrackerPort>(&mut self, dev: &mut Device<P>) -> Result<(), Status> {
        self.track_send(dev, true)?;
        self.logging = true;
        Ok(())
    }

    /// Gives back every slot read so far (Set Features 21h). With the ring then empty the
    /// device drains, and the entries are read.
    pub fn drain<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        cfg: &TrackingConfig,
    ) -> Result<Drained, Status> {
        self.give_back(dev)?;
        let drained = self.read(cfg)?;
        if drained.all_changed {
            // Logging stopped at the overflow: free the ring, then restart it so the
            // full pass that follows is tracked.
            self.give_back(dev)?;
            self.start_logging(dev)?;
        }
        Ok(drained)
    }

    /// Migration Send suspend: the device closes the sequence ("last entry before
    /// suspend").
    pub fn suspend<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        cfg: &TrackingConfig,
    ) -> Result<Drained, Status> {
        let cmd = AdminCommand {
            opcode: opcode::MIGRATION_SEND,
            cdw10: 0, // SEL 0 suspend
            cdw11: 1 << 16 | u32::from(self.cntlid),
            ..Default::default()
        };
        self.admin(dev, "Migration Send suspend", cmd)?;
        self.read(cfg)
    }

    /// Track Send stop: the device closes the sequence ("logging stopped"). After a
    /// queue-full entry logging is already off and the sequence closed: nothing to send.
    pub fn stop_logging<P: TrackerPort>(
        &mut self,
        dev: &mut Device<P>,
        cfg: &TrackingConfig,
    ) -> Result<Drained, Status> {
        if !self.logging {
            return Ok(Drained::default());
        }
        self.track_send(dev, false)?;
        self.logging = false;
        self.read(cfg)
    }

    /// Gives the ring back and deletes the queue; returns what the host read from it.
    pub fn delete<P: TrackerPort>(mut self, dev: &mut Device<P>) -> Result<CdqSummary, Status> {
        self.give_back(dev)?;
        let cmd = AdminCommand {
            opcode: opcode::CONTROLLER_DATA_QUEUE,
            cdw10: 1, // SEL 1 delete
            cdw11: u32::from(self.cdqid),
            ..Default::default()
        };
        self.admin(dev, "Controller Data Queue delete", cmd)?;
        self.mem.free(self.base);
        Ok(CdqSummary {
            slots: self.slots,
            entries_read: self.entries_read,
            bytes_read: self.bytes_read,
            queue_full: self.queue_full,
            records: self.dump.take().unwrap_or_default(),
        })
    }

    /// The records consumed so far, raw (empty unless kept).
    pub fn dump(&self) -> &[u8] {
        self.dump.as_deref().unwrap_or_default()
    }

    /// Set Features 21h: every slot read so far is free again. The device drains when
    /// this empties the ring while logging on a running controller.
    pub fn give_back<P: TrackerPort>(&mut self, dev: &mut Device<P>) -> Result<(), Status> {
        let cmd = AdminCommand {
            opcode: opcode::SET_FEATURES,
            cdw10: u32::from(FID_CONTROLLER_DATA_QUEUE),
            cdw11: u32::from(self.cdqid),
            cdw12: self.head,
            ..Default::default()
        };
        self.admin(dev, "Set Features CDQ head", cmd)?;
        self.acked = self.head;
        Ok(())
    }

    /// Reads every new entry.
    fn read(&mut self, cfg: &TrackingConfig) -> Result<Drained, Status> {
        let mut d = Drained::default();
        loop {
            let addr = self.base + u64::from(self.head) * ENTRY_BYTES as u64;
            let raw: [u8; ENTRY_BYTES] = self
                .mem
                .read(addr, ENTRY_BYTES)
                .and_then(|s| s.try_into().ok())
                .ok_or(Status::Timeout("CDQ ring outside host memory"))?;
            let e = MigrationEntry::decode(&raw);
            if e.phase != self.new_phase {
                return Ok(d);
            }
            if (self.head + 1) % self.slots == self.acked {
                return Err(Status::Nvme(
                    "the device posted over entries the host had not given back".into(),
                ));
            }
            self.head += 1;
            if self.head == self.slots {
                self.head = 0;
                self.new_phase = !self.new_phase;
            }
            self.entries_read += 1;
            self.bytes_read += ENTRY_BYTES as u64;
            if let Some(dump) = &mut self.dump {
                dump.extend_from_slice(&raw);
            }
            d.entries += 1;
            self.take(&e, cfg, &mut d)?;
        }
    }

    fn take(
        &mut self,
        e: &MigrationEntry,
        cfg: &TrackingConfig,
        d: &mut Drained,
    ) -> Result<(), Status> {
        if e.nsid != NSID {
            return Err(Status::Nvme(format!("entry for namespace {}: {e}", e.nsid)));
        }
        match e.change {
            ChangeInfo::Range => {
                if !matches!(e.slba.checked_add(e.blocks), Some(end) if end <= cfg.namespace_lbas) {
                    return Err(Status::Nvme(format!("entry beyond the namespace: {e}")));
                }
                d.ranges.push((e.slba, e.blocks));
            }
            ChangeInfo::AllChanged => d.all_changed = true,
            ChangeInfo::NoRange => {}
            ChangeInfo::Reserved => {
                return Err(Status::Nvme(format!("reserved change information: {e}")))
            }
        }
        match e.esa {
            Esa::QueueFull => {
                self.queue_full += 1;
                self.logging = false;
                d.all_changed = true;
                d.closed_by = Some(e.esa);
            }
            Esa::LastStopped | Esa::LastSuspended => d.closed_by = Some(e.esa),
            Esa::None | Esa::First => {}
            Esa::Reserved(c) => {
                return Err(Status::Nvme(format!(
                    "reserved entry sequence attribute {c}: {e}"
                )))
            }
        }
        Ok(())
    }
}
