//! A port wrapper that checks, at every swap, that each granule whose dirty bit was
//! skipped during the pass has been copied by that pass since the skip: the promise a
//! skip relies on.

use lmsnoop_regs::{CMD, OPCODE, OP_STOP, OP_SWAP};
use lmsnoop_sim::{GoldenTracker, QueryBeat, Snoop, TrackerPort};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

#[derive(Default, Debug)]
pub struct Audit {
    /// Skipped granules not yet copied.
    pub owed: BTreeSet<u64>,
    /// Granules still owed when a pass ended.
    pub broken: Vec<u64>,
    pub skips: u64,
    pub swaps: u64,
}

pub struct AuditPort {
    pub inner: GoldenTracker,
    pub audit: Rc<RefCell<Audit>>,
    pub shift: u32,
}

impl AuditPort {
    fn granules(&self, op: Snoop) -> std::ops::Range<u64> {
        let last = op.slba + u64::from(op.nlb);
        (op.slba >> self.shift)..(last >> self.shift) + 1
    }
}

impl TrackerPort for AuditPort {
    fn backend(&self) -> &'static str {
        "golden+audit"
    }
    fn csr_read(&mut self, addr: u32) -> u32 {
        self.inner.csr_read(addr)
    }
    fn csr_write(&mut self, addr: u32, value: u32) {
        if addr == CMD && matches!(OPCODE.get(value), OP_SWAP | OP_STOP) {
            let mut a = self.audit.borrow_mut();
            a.swaps += 1;
            let owed = std::mem::take(&mut a.owed);
            a.broken.extend(owed);
        }
        self.inner.csr_write(addr, value)
    }
    fn user_write(&mut self, op: Snoop) {
        let skipped_before = self.inner.csr_read(lmsnoop_regs::BITS_SKIPPED_LO);
        self.inner.user_write(op);
        if self.inner.csr_read(lmsnoop_regs::BITS_SKIPPED_LO) == skipped_before {
            return;
        }
        let mut a = self.audit.borrow_mut();
        for g in self.granules(op) {
            if !self.inner.active_bit(g) {
                a.owed.insert(g);
                a.skips += 1;
            }
        }
    }
    fn copy_read(&mut self, op: Snoop) {
        let mut a = self.audit.borrow_mut();
        for g in self.granules(op) {
            a.owed.remove(&g);
        }
        drop(a);
        self.inner.copy_read(op)
    }
    fn load_word(&mut self, word: u64) {
        self.inner.load_word(word)
    }
    fn query_word(&mut self) -> Option<QueryBeat> {
        self.inner.query_word()
    }
    fn irq(&mut self) -> bool {
        self.inner.irq()
    }
    fn reset(&mut self) {
        self.inner.reset()
    }
}
