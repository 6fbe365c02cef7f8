//! The golden model of `lm_tracker`: what the block does, transaction by transaction.
//!
//! It keeps two bitmap buffers and a select bit, exactly like the RTL's two RAMs; a swap
//! flips the select. Every snoop operation is processed as the RTL's read-modify-write
//! pipeline does it: per 64-bit word, a range mask, a skip mask chosen by the method, and
//! popcounts of the bits that changed. Commands complete at once here (STATUS.BUSY is never
//! seen set); the RTL may take cycles, which the firmware covers by polling BUSY.

use bitvec::prelude::*;
use lmsnoop_regs::bitmap::for_each_word;
use lmsnoop_regs::*;

/// Indices into the counter array, in the order of [`COUNTERS`].
const WRITES_SEEN: usize = 0;
const BITS_SET: usize = 1;
const BITS_SKIPPED: usize = 2;
const COPY_READS_SEEN: usize = 3;
const BITS_CLEARED: usize = 4;

/// Geometry latched by LOAD or START.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Geometry {
    ns_lbas: u64,
    shift: u32,
    granules: u64,
    words: u64,
}

#[derive(Clone, Copy, Debug)]
struct QueryStream {
    active_src: bool,
    next: u64,
}

/// The golden model; see the module documentation.
#[derive(Clone, Debug)]
pub struct GoldenTracker {
    capacity: u64,
    /// Both buffers, interleaved by word: raw word `2 * w + b` is word `w` of buffer `b`, so
    /// the two words a write looks at (active and passive) share one cache line.
    store: BitVec<u64, Lsb0>,
    active_sel: usize,
    // Programmable registers, as written by software.
    config: u32,
    ns_lbas: u64,
    plan_start_reg: u32,
    plan_end_reg: u32,
    mark_first: u32,
    mark_end: u32,
    irq_enable: u32,
    // State.
    tracking: bool,
    method: Method,
    geo: Geometry,
    /// Geometry of the BMP loaded since the last STOP: START must match it.
    loaded: Option<Geometry>,
    plan_start: u64,
    plan_end: u64,
    cursor: u64,
    swap_count: u64,
    counts: [u64; 2],
    counters: [u64; 5],
    hi_latch: [u32; 5],
    err: u32,
    irq_status: u32,
    load_next: Option<u64>,
    query: Option<QueryStream>,
    clear_words: u64,
}

impl GoldenTracker {
    /// The most granules a tracker holds: its granule registers are 32 bits wide.
    pub const MAX_CAPACITY: u64 = u32::MAX as u64 - 63;

    /// A tracker whose bitmap RAMs hold `capacity` granules (rounded up to a word), at
    /// most [`GoldenTracker::MAX_CAPACITY`].
    pub fn new(capacity: u64) -> Self {
        let capacity = capacity.div_ceil(64) * 64;
        assert!(
            capacity > 0 && capacity <= Self::MAX_CAPACITY,
            "capacity must fit the 32-bit granule registers"
        );
        GoldenTracker {
            capacity,
            store: BitVec::from_vec(vec![0u64; 2 * (capacity / 64) as usize]),
            active_sel: 0,
            config: 0,
            ns_lbas: 0,
            plan_start_reg: 0,
            plan_end_reg: 0,
            mark_first: 0,
            mark_end: 0,
            irq_enable: 0,
            tracking: false,
            method: Method::Naive,
            geo: Geometry::default(),
            loaded: None,
            plan_start: 0,
            plan_end: 0,
            cursor: 0,
            swap_count: 0,
            counts: [0; 2],
            counters: [0; 5],
            hi_latch: [0; 5],
            err: 0,
            irq_status: 0,
            load_next: None,
            query: None,
            clear_words: 0,
        }
    }

    /// Words the clear engine has written so far: a swap of a drained buffer adds none.
    pub fn clear_engine_words(&self) -> u64 {
        self.clear_words
    }

    #[inline]
    fn word(&self, buf: usize, w: usize) -> u64 {
        self.store.as_raw_slice()[2 * w + buf]
    }

    #[inline]
    fn word_mut(&mut self, buf: usize, w: usize) -> &mut u64 {
        &mut self.store.as_raw_mut_slice()[2 * w + buf]
    }

    fn snapshot(&self, buf: usize) -> Bitmap {
        let words = (0..(self.capacity / 64) as usize)
            .map(|w| self.word(buf, w))
            .collect();
        Bitmap::from_words(words, self.capacity)
    }

    /// A copy of the active buffer (for tests and diagnostics; the firmware uses the query
    /// stream).
    pub fn active(&self) -> Bitmap {
        self.snapshot(self.active_sel)
    }

    /// A copy of the passive buffer (for tests and diagnostics).
    pub fn passive(&self) -> Bitmap {
        self.snapshot(1 - self.active_sel)
    }

    /// One bit of the active buffer.
    pub fn active_bit(&self, granule: u64) -> bool {
        granule < self.capacity
            && self.word(self.active_sel, (granule / 64) as usize) >> (granule % 64) & 1 == 1
    }

    fn raise(&mut self, flags: u32) {
        self.err |= flags;
        self.irq_status |= IRQ_ERROR;
    }

    /// The in-namespace granules `[g0, g1)` of a snooped command and whether it was in
    /// range; raises the LBA errors.
    #[inline]
    fn granules(&mut self, op: Snoop) -> (u64, u64, bool) {
        let shift = self.geo.shift;
        let (last, ok) = match op.last_lba() {
            Some(last) if last < self.geo.ns_lbas => (last, true),
            Some(last) => {
                self.raise(ERR_LBA_RANGE);
                (last, false)
            }
            None => {
                self.raise(ERR_LBA_WRAP);
                (u64::MAX, false)
            }
        };
        if op.slba >= self.geo.ns_lbas {
            return (0, 0, false);
        }
        let g1 = ((last >> shift) + 1).min(self.geo.granules);
        (op.slba >> shift, g1, ok)
    }

    /// Sets `[lo, hi)` in the active buffer with the bits `skip` returns (per word) held
    /// back and counted as skipped.
    #[inline]
    fn mark(&mut self, lo: u64, hi: u64, skip: impl Fn(&Self, usize) -> u64) {
        let mut skipped = 0u64;
        for_each_word(lo, hi, |w, m| {
            let s = skip(self, w) & m;
            skipped += u64::from(s.count_ones());
            self.set_word(w, m & !s);
        });
        self.counters[BITS_SKIPPED] += skipped;
    }

    /// ORs `bits` into word `w` of the active buffer, counting the 0->1 transitions.
    #[inline]
    fn set_word(&mut self, w: usize, bits: u64) {
        let a = self.active_sel;
        let word = self.word_mut(a, w);
        let new = u64::from((bits & !*word).count_ones());
        *word |= bits;
        self.counts[a] += new;
        self.counters[BITS_SET] += new;
    }

    /// Clears `[lo, hi)` in buffer `sel`; returns the bits cleared.
    fn drain(&mut self, sel: usize, lo: u64, hi: u64) -> u64 {
        let mut cleared = 0;
        for_each_word(lo, hi, |w, m| {
            let word = self.word_mut(sel, w);
            cleared += u64::from((*word & m).count_ones());
            *word &= !m;
        });
        self.counts[sel] -= cleared;
        cleared
    }

    /// Granules of word `w` inside the running cursor window at or above CURSOR.
    #[inline]
    fn window_mask(&self, w: usize) -> u64 {
        let lo = self.cursor.max(self.plan_start);
        let (base, top) = (w as u64 * 64, w as u64 * 64 + 64);
        let (a, b) = (lo.max(base), self.plan_end.min(top));
        if a >= b {
            0
        } else {
            lmsnoop_regs::bitmap::word_mask((a - base) as u32, (b - 1 - base) as u32)
        }
    }

    fn do_user_write(&mut self, op: Snoop) {
        if !self.tracking {
            return;
        }
        self.counters[WRITES_SEEN] += 1;
        let (g0, g1, ok) = self.granules(op);
        let p = 1 - self.active_sel;
        match self.method {
            _ if !ok => self.mark(g0, g1, |_, _| 0),
            Method::Naive | Method::Clear => self.mark(g0, g1, |_, _| 0),
            Method::Cursor => self.mark(g0, g1, |t, w| t.window_mask(w)),
            Method::Bitmap => self.mark(g0, g1, move |t, w| t.word(p, w)),
        }
    }

    fn do_copy_read(&mut self, op: Snoop) {
        if !self.tracking {
            return;
        }
        self.counters[COPY_READS_SEEN] += 1;
        let (g0, g1, ok) = self.granules(op);
        if !ok {
            return; // clearing nothing is the conservative answer to a bad copy read
        }
        let cleared = match self.method {
            Method::Naive => 0,
            Method::Cursor => {
                if g0 > self.cursor && self.cursor < self.plan_end {
                    // The server jumped over promised granules: writes to them may have
                    // been skipped, so they must be copied by the next pass.
                    self.raise(ERR_CURSOR_GAP);
                    let (lo, hi) = (self.cursor, g0.min(self.plan_end));
                    self.mark(lo, hi, |_, _| 0);
                }
                self.cursor = self.cursor.max(g1);
                0
            }
            Method::Bitmap => self.drain(1 - self.active_sel, g0, g1),
            Method::Clear => self.drain(self.active_sel, g0, g1),
        };
        self.counters[BITS_CLEARED] += cleared;
    }

    /// Ends the cursor window: what it still promised to copy goes into the active buffer.
    fn close_window(&mut self) {
        if self.method == Method::Cursor && self.cursor < self.plan_end {
            let lo = self.cursor.max(self.plan_start);
            self.mark(lo, self.plan_end, |_, _| 0);
        }
        self.cursor = self.plan_end;
    }

    /// The clear engine: zeroes the first `words` words of buffer `sel`.
    fn clear_buffer(&mut self, sel: usize, words: u64) {
        for w in 0..words as usize {
            *self.word_mut(sel, w) = 0;
        }
        self.clear_words += words;
        self.counts[sel] = 0;
    }

    /// The geometry CONFIG and NS_LBAS describe; `None` (and ERR_CONFIG) when it does not fit.
    fn requested_geometry(&mut self) -> Option<Geometry> {
        let shift = GRANULE_SHIFT.get(self.config);
        let granules = if shift > MAX_GRANULE_SHIFT {
            0
        } else {
            self.ns_lbas.div_ceil(1u64 << shift)
        };
        if granules == 0 || granules > self.capacity {
            self.raise(ERR_CONFIG);
            return None;
        }
        Some(Geometry {
            ns_lbas: self.ns_lbas,
            shift,
            granules,
            words: granules.div_ceil(64),
        })
    }

    fn command(&mut self, value: u32) {
        let op = OPCODE.get(value);
        let needs_tracking = matches!(
            op,
            OP_STOP | OP_QUERY | OP_SWAP | OP_RELEASE | OP_SET_PLAN | OP_MARK_DIRTY
        );
        if op == OP_NOP {
            return;
        }
        if needs_tracking != self.tracking || op > OP_MARK_DIRTY {
            self.raise(ERR_CMD_STATE);
            return;
        }
        let stream_open = self.query.is_some() || self.load_next.is_some();
        if stream_open && op != OP_STOP && op != OP_MARK_DIRTY && op != OP_SET_PLAN {
            self.raise(ERR_STREAM_BUSY);
            return;
        }
        match op {
            OP_LOAD => {
                if let Some(geo) = self.requested_geometry() {
                    // A BMP of an earlier, larger LOAD must not leak past this namespace.
                    self.clear_buffer(1 - self.active_sel, self.capacity / 64);
                    (self.geo, self.loaded, self.load_next) = (geo, Some(geo), Some(0));
                }
            }
            OP_START => match self.requested_geometry() {
                Some(geo) if self.loaded.is_some_and(|l| l != geo) => self.raise(ERR_CONFIG),
                Some(geo) => {
                    self.method = Method::from_code(METHOD.get(self.config));
                    self.geo = geo;
                    self.tracking = true;
                    self.counters = [0; 5];
                    self.swap_count = 0;
                    (self.plan_start, self.plan_end, self.cursor) = (0, 0, 0);
                }
                None => {}
            },
            OP_STOP => {
                self.query = None;
                self.tracking = false;
                self.loaded = None;
                self.clear_buffer(0, self.capacity / 64);
                self.clear_buffer(1, self.capacity / 64);
                self.irq_status |= IRQ_CLEAR_DONE;
            }
            OP_QUERY => {
                self.query = Some(QueryStream {
                    active_src: QUERY_SRC.get(value) == 1,
                    next: 0,
                })
            }
            OP_SWAP => self.swap(),
            OP_RELEASE => {
                if self.method != Method::Bitmap {
                    self.clear_buffer(1 - self.active_sel, self.geo.words);
                    self.irq_status |= IRQ_CLEAR_DONE;
                }
            }
            OP_SET_PLAN => self.set_plan(),
            OP_MARK_DIRTY => self.mark_dirty(),
            _ => unreachable!(),
        }
    }

    fn swap(&mut self) {
        self.close_window();
        let p = 1 - self.active_sel;
        if self.counts[p] != 0 {
            if self.method == Method::Bitmap {
                // Residual plan bits: writes to them were skipped, so they stay planned.
                for w in 0..self.geo.words as usize {
                    let residual = self.word(p, w);
                    self.set_word(w, residual);
                }
            }
            self.clear_buffer(p, self.geo.words);
            self.irq_status |= IRQ_CLEAR_DONE;
        }
        self.active_sel = p;
        self.swap_count = self.counts[1 - p];
        self.irq_status |= IRQ_SWAP_DONE;
    }

    fn set_plan(&mut self) {
        if self.method != Method::Cursor {
            self.raise(ERR_CMD_STATE);
            return;
        }
        self.close_window();
        let (start, end) = (u64::from(self.plan_start_reg), u64::from(self.plan_end_reg));
        if start > end || end > self.geo.granules {
            self.raise(ERR_PLAN_RANGE);
            (self.plan_start, self.plan_end, self.cursor) = (0, 0, 0);
        } else {
            (self.plan_start, self.plan_end, self.cursor) = (start, end, start);
        }
    }

    fn mark_dirty(&mut self) {
        let (first, end) = (u64::from(self.mark_first), u64::from(self.mark_end));
        if first > end || end > self.geo.granules {
            self.raise(ERR_MARK_RANGE);
        }
        let end = end.min(self.geo.granules);
        if first < end {
            self.mark(first, end, |_, _| 0);
        }
    }

    fn status(&self) -> u32 {
        let mut s = 0;
        s = TRACKING.put(s, self.tracking as u32);
        s = QUERY_OPEN.put(s, self.query.is_some() as u32);
        s = LOAD_OPEN.put(s, self.load_next.is_some() as u32);
        LATCHED_METHOD.put(s, self.method.code())
    }
}

impl TrackerPort for GoldenTracker {
    fn backend(&self) -> &'static str {
        "golden"
    }

    fn csr_read(&mut self, addr: u32) -> u32 {
        if let Some(i) = COUNTERS.iter().position(|&(lo, _)| lo == addr) {
            let value = self.counters[i] & ((1 << COUNTER_BITS) - 1);
            self.hi_latch[i] = (value >> 32) as u32;
            return value as u32;
        }
        if let Some(i) = COUNTERS.iter().position(|&(_, hi)| hi == addr) {
            return self.hi_latch[i];
        }
        let a = self.active_sel;
        match addr {
            ID => ID_VALUE,
            CAPACITY => self.capacity as u32,
            CONFIG => self.config,
            NS_LBAS_LO => self.ns_lbas as u32,
            NS_LBAS_HI => (self.ns_lbas >> 32) as u32,
            STATUS => self.status(),
            ERR => self.err,
            IRQ_STATUS => self.irq_status,
            IRQ_ENABLE => self.irq_enable,
            PLAN_START => self.plan_start_reg,
            PLAN_END => self.plan_end_reg,
            CURSOR => self.cursor as u32,
            MARK_FIRST => self.mark_first,
            MARK_END => self.mark_end,
            SWAP_COUNT => self.swap_count as u32,
            ACTIVE_COUNT => self.counts[a] as u32,
            PASSIVE_COUNT => self.counts[1 - a] as u32,
            NS_GRANULES => self.geo.granules as u32,
            _ => 0,
        }
    }

    fn csr_write(&mut self, addr: u32, value: u32) {
        match addr {
            CONFIG => self.config = value & (METHOD.mask() | GRANULE_SHIFT.mask()),
            NS_LBAS_LO => self.ns_lbas = (self.ns_lbas & !0xFFFF_FFFF) | u64::from(value),
            NS_LBAS_HI => self.ns_lbas = (self.ns_lbas & 0xFFFF_FFFF) | (u64::from(value) << 32),
            CMD => self.command(value),
            ERR => self.err &= !value,
            IRQ_STATUS => self.irq_status &= !value,
            IRQ_ENABLE => self.irq_enable = value & IRQ_MASK,
            PLAN_START => self.plan_start_reg = value,
            PLAN_END => self.plan_end_reg = value,
            MARK_FIRST => self.mark_first = value,
            MARK_END => self.mark_end = value,
            _ => {}
        }
    }

    #[inline]
    fn user_write(&mut self, op: Snoop) {
        self.do_user_write(op)
    }

    #[inline]
    fn copy_read(&mut self, op: Snoop) {
        self.do_copy_read(op)
    }

    /// Starts loading the active and passive words of the write's first granule (stored
    /// side by side): a random write's snoop is otherwise a cache miss on a drive-sized
    /// bitmap.
    #[inline]
    fn upcoming_write(&self, op: Snoop) {
        let w = (op.slba >> self.geo.shift) / 64;
        if let Some(word) = self.store.as_raw_slice().get(2 * w as usize) {
            crate::prefetch(word);
        }
    }

    fn load_word(&mut self, word: u64) {
        let Some(w) = self.load_next else {
            self.raise(ERR_LOAD);
            return;
        };
        let tail = self.geo.granules - w * 64;
        let keep = if tail >= 64 {
            u64::MAX
        } else {
            (1u64 << tail) - 1
        };
        if word & !keep != 0 {
            self.raise(ERR_LOAD);
        }
        let p = 1 - self.active_sel;
        let old = std::mem::replace(self.word_mut(p, w as usize), word & keep);
        self.counts[p] =
            self.counts[p] - u64::from(old.count_ones()) + u64::from((word & keep).count_ones());
        self.load_next = (w + 1 < self.geo.words).then_some(w + 1);
    }

    fn query_word(&mut self) -> Option<QueryBeat> {
        let q = self.query?;
        let sel = if q.active_src {
            self.active_sel
        } else {
            1 - self.active_sel
        };
        let data = self.word(sel, q.next as usize);
        let next = q.next + 1;
        self.query = Some(QueryStream { next, ..q });
        let last = next == self.geo.words;
        if last {
            self.query = None;
            self.irq_status |= IRQ_QUERY_DONE;
        }
        Some(QueryBeat { data, last })
    }

    fn irq(&mut self) -> bool {
        self.irq_status & self.irq_enable != 0
    }

    fn reset(&mut self) {
        *self = GoldenTracker::new(self.capacity);
    }
}
