//! The DESIGN.md method table restated one granule at a time, with vectors of bools: an
//! independent statement of what the word-at-a-time golden model must compute.

use lmsnoop_regs::Method;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub writes_seen: u64,
    pub bits_set: u64,
    pub bits_skipped: u64,
    pub copy_reads_seen: u64,
    pub bits_cleared: u64,
}

pub struct Reference {
    pub method: Method,
    pub ns_lbas: u64,
    pub shift: u32,
    pub active: Vec<bool>,
    pub passive: Vec<bool>,
    pub plan: (u64, u64),
    pub cursor: u64,
    pub counters: Counters,
}

impl Reference {
    pub fn new(method: Method, ns_lbas: u64, shift: u32, bmp: &[bool]) -> Self {
        let granules = ns_lbas.div_ceil(1 << shift) as usize;
        assert_eq!(bmp.len(), granules);
        Reference {
            method,
            ns_lbas,
            shift,
            active: vec![false; granules],
            passive: bmp.to_vec(),
            plan: (0, 0),
            cursor: 0,
            counters: Counters::default(),
        }
    }

    fn granules(&self) -> u64 {
        self.active.len() as u64
    }

    /// Granules `[g0, g1)` of a command inside the namespace, and whether all of it was.
    fn range(&self, slba: u64, count: u64) -> (u64, u64, bool) {
        let last = slba.checked_add(count - 1);
        let ok = last.is_some_and(|l| l < self.ns_lbas);
        if slba >= self.ns_lbas {
            return (0, 0, false);
        }
        let last = last.unwrap_or(u64::MAX).min(self.ns_lbas - 1);
        (slba >> self.shift, (last >> self.shift) + 1, ok)
    }

    fn set(&mut self, g: u64) {
        if !self.active[g as usize] {
            self.active[g as usize] = true;
            self.counters.bits_set += 1;
        }
    }

    pub fn user_write(&mut self, slba: u64, count: u64) {
        self.counters.writes_seen += 1;
        let (g0, g1, ok) = self.range(slba, count);
        for g in g0..g1 {
            let skip = ok
                && match self.method {
                    Method::Naive | Method::Clear => false,
                    Method::Cursor => self.plan.0 <= g && g < self.plan.1 && g >= self.cursor,
                    Method::Bitmap => self.passive[g as usize],
                };
            if skip {
                self.counters.bits_skipped += 1;
            } else {
                self.set(g);
            }
        }
    }

    pub fn copy_read(&mut self, slba: u64, count: u64) {
        self.counters.copy_reads_seen += 1;
        let (g0, g1, ok) = self.range(slba, count);
        if !ok {
            return;
        }
        match self.method {
            Method::Naive => {}
            Method::Cursor => {
                for g in self.cursor..g0.min(self.plan.1) {
                    self.set(g);
                }
                self.cursor = self.cursor.max(g1);
            }
            Method::Bitmap | Method::Clear => {
                for g in g0..g1 {
                    let buf = if self.method == Method::Bitmap {
                        &mut self.passive
                    } else {
                        &mut self.active
                    };
                    if std::mem::replace(&mut buf[g as usize], false) {
                        self.counters.bits_cleared += 1;
                    }
                }
            }
        }
    }

    fn close_window(&mut self) {
        if self.method == Method::Cursor {
            for g in self.cursor.max(self.plan.0)..self.plan.1 {
                self.set(g);
            }
        }
        self.cursor = self.plan.1;
    }

    /// Returns the new passive popcount.
    pub fn swap(&mut self) -> u64 {
        self.close_window();
        if self.method == Method::Bitmap {
            for g in 0..self.granules() {
                if self.passive[g as usize] {
                    self.set(g);
                }
            }
        }
        self.passive.fill(false);
        std::mem::swap(&mut self.active, &mut self.passive);
        self.passive.iter().filter(|&&b| b).count() as u64
    }

    pub fn release(&mut self) {
        if self.method != Method::Bitmap {
            self.passive.fill(false);
        }
    }

    /// Returns false when the plan is invalid (then the window is empty).
    pub fn set_plan(&mut self, first: u64, end: u64) -> bool {
        self.close_window();
        if first > end || end > self.granules() {
            (self.plan, self.cursor) = ((0, 0), 0);
            false
        } else {
            (self.plan, self.cursor) = ((first, end), first);
            true
        }
    }

    pub fn mark(&mut self, first: u64, end: u64) {
        for g in first..end.min(self.granules()) {
            self.set(g);
        }
    }
}
