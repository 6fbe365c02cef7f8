//! The port between firmware and tracker, shaped like the hardware interface.

/// One beat on a snoop stream: the LBA range of an NVMe command (NLB is 0-based, as in
/// the NVMe command: `nlb = 0` is one block).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Snoop {
    pub slba: u64,
    pub nlb: u16,
}

impl Snoop {
    pub fn new(slba: u64, nlb: u16) -> Self {
        Snoop { slba, nlb }
    }

    /// A command covering `count` (>= 1, <= 65536) blocks from `slba`.
    pub fn blocks(slba: u64, count: u32) -> Self {
        assert!(
            (1..=65536).contains(&count),
            "an NVMe command covers 1..=65536 blocks"
        );
        Snoop {
            slba,
            nlb: (count - 1) as u16,
        }
    }

    /// Last LBA covered, or `None` when `slba + nlb` wraps past 2^64.
    pub fn last_lba(self) -> Option<u64> {
        self.slba.checked_add(u64::from(self.nlb))
    }
}

/// One beat of the query stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryBeat {
    pub data: u64,
    pub last: bool,
}

/// The tracker as the firmware and the snoop taps see it.
///
/// Calls take effect in call order: a backend with pipelines (the RTL) must have an
/// operation's effect visible to every later call, e.g. by draining its snoop queues
/// before a CSR access. An access to an unmapped CSR reads 0 and a write to it is ignored
/// (the AXI4-Lite slave answers SLVERR).
pub trait TrackerPort {
    /// Short backend name for reports ("golden", "rtl").
    fn backend(&self) -> &'static str;
    fn csr_read(&mut self, addr: u32) -> u32;
    fn csr_write(&mut self, addr: u32, value: u32);
    /// A user write, fed at its completion.
    fn user_write(&mut self, op: Snoop);
    /// A copy read of the migration server, fed at its submission.
    fn copy_read(&mut self, op: Snoop);
    /// A user write that will be fed to [`TrackerPort::user_write`] later (a simulator
    /// knows it at submission): a software model may start loading what it will touch.
    /// Changes nothing the port reports.
    fn upcoming_write(&self, _op: Snoop) {}
    /// A beat on the load stream into the passive buffer.
    fn load_word(&mut self, word: u64);
    /// The next beat of the query stream, or `None` when no query is open.
    ///
    /// Each word is the buffer's word as it stood at some moment between CMD QUERY and the
    /// call that returns it: a backend may fetch a few words ahead, so snoops issued while a
    /// query is open may or may not show in words not yet returned. The migration protocol
    /// never needs more: the host queries a plan before it copies from it.
    fn query_word(&mut self) -> Option<QueryBeat>;
    /// Level of the interrupt line.
    fn irq(&mut self) -> bool;
    /// A block reset or power loss: every register returns to its reset value, tracking
    /// stops, both bitmaps are lost (zeroed), and snoops not yet taken are dropped.
    fn reset(&mut self);
}

impl<T: TrackerPort + ?Sized> TrackerPort for Box<T> {
    fn backend(&self) -> &'static str {
        (**self).backend()
    }
    fn csr_read(&mut self, addr: u32) -> u32 {
        (**self).csr_read(addr)
    }
    fn csr_write(&mut self, addr: u32, value: u32) {
        (**self).csr_write(addr, value)
    }
    fn user_write(&mut self, op: Snoop) {
        (**self).user_write(op)
    }
    fn copy_read(&mut self, op: Snoop) {
        (**self).copy_read(op)
    }
    fn upcoming_write(&self, op: Snoop) {
        (**self).upcoming_write(op)
    }
    fn load_word(&mut self, word: u64) {
        (**self).load_word(word)
    }
    fn query_word(&mut self) -> Option<QueryBeat> {
        (**self).query_word()
    }
    fn irq(&mut self) -> bool {
        (**self).irq()
    }
    fn reset(&mut self) {
        (**self).reset()
    }
}
