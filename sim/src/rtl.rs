//! The Verilator backend: the generated RTL of `lm_tracker`, clocked cycle by cycle behind
//! the same [`TrackerPort`] as the golden model.
//!
//! The per-cycle structs `LmIn` / `LmOut` (module `ports`) and their C++ twins are rendered
//! from the port table of `lmsnoop-regs` by `lmsnoop gen-regs`.
//!
//! Two builds are linked in (see `build.rs`): `lm_tracker_small` (1024 granules) and
//! `lm_tracker` (1,048,576 granules); [`RtlTracker::new`] picks the smallest that holds the
//! requested capacity. Each instance owns one Verilated model behind the C shim of
//! `csrc/lm_shim.cpp`, which runs one whole clock cycle per FFI call.
//!
//! The golden model completes every call at once; the RTL takes cycles. To keep the port's
//! contract (every call's effect is visible to every later call) the backend:
//!
//! - queues user writes and copy reads in call order and drives the queue into the snoop
//!   streams lazily: when it grows past [`QUEUE_DRAIN_LEN`] and before every other port
//!   call. The head operation is presented on its stream; when the head is a copy read and
//!   the next operation a user write, that write is presented on `uw_*` in the same cycle
//!   (the block takes the copy read first, so call order holds). A user write is never
//!   presented together with a later copy read.
//! - before every CSR access and irq sample, drains the queue and polls STATUS (an AXI
//!   read) until BUSY == 0: every accepted operation has then updated the bitmaps and
//!   counters.
//! - after a write to CMD, polls STATUS until BUSY == 0. Every STATUS read refreshes
//!   STATUS.QUERY_OPEN, and `q_tlast` clears it.
//! - [`TrackerPort::query_word`] drains the snoop queue, reads STATUS (without waiting for
//!   BUSY), returns `None` when QUERY_OPEN is clear, else raises `q_tready` until a beat
//!   comes.
//!
//! Query words: the block fetches up to a few words ahead of the reader into its 4-word
//! FIFO, so a snoop issued while a query is open may or may not show in words not yet
//! returned; the port's contract allows exactly that (see [`TrackerPort::query_word`]).
//!
//! Every wait is bounded by [`WAIT_LIMIT`] cycles; a block that never answers panics with
//! a message instead of hanging the caller.
//!
//! The cycle-level API ([`RtlTracker::drive_snoops`], [`RtlTracker::tick_idle`],
//! [`RtlTracker::cycles`]) is for lockstep scoreboards and benchmarks.

use lmsnoop_regs::{QueryBeat, Snoop, TrackerPort, BUSY, CAPACITY, CMD, QUERY_OPEN, STATUS};
use ports::{LmIn, LmOut};
use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_void, CString};
use std::path::Path;
use std::ptr::NonNull;

mod ports;

/// Queued snoop operations are driven into the block once the queue holds this many.
pub const QUEUE_DRAIN_LEN: usize = 256;

/// Longest wait, in clock cycles, for any handshake or for STATUS.BUSY to fall.
pub const WAIT_LIMIT: u64 = 10_000_000;

/// Appended to a stall message while a query is open.
const QUERY_HINT: &str = "; a query was open at the time";

/// The AXI4-Lite address bus is 12 bits wide: addresses above are never decoded.
const AXIL_ADDR_LIMIT: u32 = 1 << 12;

/// AXI4-Lite write strobe of a full 32-bit word (the block refuses partial writes).
const WSTRB_ALL: u8 = 0xF;

/// Reset is held for this many cycles at construction.
const RESET_CYCLES: u64 = 4;

extern "C" {
    fn lm_new(variant: u32) -> *mut c_void;
    fn lm_free(h: *mut c_void);
    fn lm_tick(h: *mut c_void, inp: *const LmIn, out: *mut LmOut);
    fn lm_vcd_open(h: *mut c_void, path: *const c_char) -> c_int;
    fn lm_vcd_close(h: *mut c_void);
}

/// The builds of the block linked into this crate, smallest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtlBuild {
    /// `lm_tracker_small`: 1024 granules.
    Small,
    /// `lm_tracker`: 1,048,576 granules.
    Large,
}

impl RtlBuild {
    pub const ALL: [RtlBuild; 2] = [RtlBuild::Small, RtlBuild::Large];

    /// Name of the top module.
    pub fn top(self) -> &'static str {
        match self {
            RtlBuild::Small => "lm_tracker_small",
            RtlBuild::Large => "lm_tracker",
        }
    }

    fn code(self) -> u32 {
        match self {
            RtlBuild::Small => 0,
            RtlBuild::Large => 1,
        }
    }
}

/// One Verilated model instance (owned handle of the C shim).
struct Model(NonNull<c_void>);

// The model holds no thread-affine state: one thread at a time may drive it.
unsafe impl Send for Model {}

impl Model {
    fn new(build: RtlBuild) -> Model {
        // SAFETY: lm_new has no preconditions; it returns null only for an unknown code.
        let h = unsafe { lm_new(build.code()) };
        Model(NonNull::new(h).expect("lm_new: unknown model variant"))
    }

    #[inline]
    fn tick(&mut self, inp: &LmIn) -> LmOut {
        let mut out = LmOut::default();
        // SAFETY: the handle is live (owned), and both structs match the C layout.
        unsafe { lm_tick(self.0.as_ptr(), inp, &mut out) };
        out
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the handle came from lm_new and is freed exactly once.
        unsafe { lm_free(self.0.as_ptr()) }
    }
}

/// A queued snoop operation.
#[derive(Clone, Copy, Debug)]
struct Op {
    copy: bool,
    snoop: Snoop,
}

/// The generated RTL as a [`TrackerPort`]; see the module documentation.
pub struct RtlTracker {
    model: Model,
    build: RtlBuild,
    capacity: u64,
    cycles: u64,
    queue: VecDeque<Op>,
    /// The query stream has beats left (from STATUS.QUERY_OPEN and `q_tlast`).
    query_open: bool,
}

impl RtlTracker {
    /// The smallest build whose CAPACITY register (read after reset) is at least
    /// `capacity_granules`.
    pub fn new(capacity_granules: u64) -> Result<Self, String> {
        let mut largest = 0;
        for build in RtlBuild::ALL {
            let t = RtlTracker::of_build(build);
            if t.capacity >= capacity_granules {
                return Ok(t);
            }
            largest = largest.max(t.capacity);
        }
        Err(format!(
            "no RTL build of lm_tracker holds {capacity_granules} granules (the largest holds {largest})"
        ))
    }

    /// A fresh instance of the given build, reset and ready.
    pub fn of_build(build: RtlBuild) -> Self {
        let mut t = RtlTracker {
            model: Model::new(build),
            build,
            capacity: 0,
            cycles: 0,
            queue: VecDeque::with_capacity(QUEUE_DRAIN_LEN + 2),
            query_open: false,
        };
        t.pulse_reset();
        t.capacity = u64::from(t.csr_read(CAPACITY));
        t
    }

    fn pulse_reset(&mut self) {
        let reset = LmIn {
            reset: 1,
            ..LmIn::default()
        };
        for _ in 0..RESET_CYCLES {
            self.tick(&reset);
        }
        self.query_open = false;
    }

    /// Dumps every following clock cycle to the VCD file `path` (flushed when the tracker
    /// is dropped or [`RtlTracker::close_vcd`] is called).
    pub fn with_vcd(self, path: impl AsRef<Path>) -> Result<Self, String> {
        let path = path.as_ref();
        let c = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("VCD path {} contains a NUL byte", path.display()))?;
        // SAFETY: live handle, NUL-terminated path that outlives the call.
        if unsafe { lm_vcd_open(self.model.0.as_ptr(), c.as_ptr()) } != 0 {
            return Err(format!("cannot open VCD file {}", path.display()));
        }
        Ok(self)
    }

    /// Closes the VCD file, if one is open.
    pub fn close_vcd(&mut self) {
        // SAFETY: live handle.
        unsafe { lm_vcd_close(self.model.0.as_ptr()) }
    }

    /// Which build this instance runs.
    pub fn build(&self) -> RtlBuild {
        self.build
    }

    /// The CAPACITY register, read after reset.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Clock cycles run so far, reset included.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Drains the queued operations, then presents `uw` and `cr` (when `Some`) on the
    /// snoop streams for exactly one cycle. Returns which were accepted, `(uw, cr)`; the
    /// caller retries what was not.
    pub fn drive_snoops(&mut self, uw: Option<Snoop>, cr: Option<Snoop>) -> (bool, bool) {
        self.drain();
        let mut inp = LmIn::default();
        if let Some(op) = uw {
            set_uw(&mut inp, op);
        }
        if let Some(op) = cr {
            set_cr(&mut inp, op);
        }
        let out = self.tick(&inp);
        (
            uw.is_some() && out.uw_ready != 0,
            cr.is_some() && out.cr_ready != 0,
        )
    }

    /// Diagnostics: one AXI4-Lite read right now, without draining the snoop queue or
    /// waiting for STATUS.BUSY (e.g. to watch STATUS while a command runs).
    pub fn csr_read_raw(&mut self, addr: u32) -> u32 {
        if addr >= AXIL_ADDR_LIMIT {
            return 0;
        }
        let value = self.axi_read(addr).0;
        if addr == STATUS {
            self.query_open = QUERY_OPEN.get(value) != 0;
        }
        value
    }

    /// Diagnostics: one AXI4-Lite write right now, without draining the snoop queue or
    /// waiting for STATUS.BUSY before or after. Returns BRESP (0 OKAY, 2 SLVERR).
    pub fn csr_write_raw(&mut self, addr: u32, value: u32) -> u8 {
        if addr >= AXIL_ADDR_LIMIT {
            return 2;
        }
        self.axi_write(addr, value)
    }

    /// Drains the queued operations, then runs one cycle with `q_tready = ready`. Returns
    /// the query beat that moved in that cycle, if any (for benchmarks and backpressure
    /// tests; `query_word` is the port's way).
    pub fn query_cycle(&mut self, ready: bool) -> Option<QueryBeat> {
        self.drain();
        let inp = LmIn {
            q_tready: u8::from(ready),
            ..LmIn::default()
        };
        let out = self.tick(&inp);
        if !ready || out.q_tvalid == 0 {
            return None;
        }
        let last = out.q_tlast != 0;
        if last {
            self.query_open = false;
        }
        Some(QueryBeat {
            data: out.q_tdata,
            last,
        })
    }

    /// Drains the queued operations, then runs `n` cycles with every input idle.
    pub fn tick_idle(&mut self, n: u64) {
        self.drain();
        let idle = LmIn::default();
        for _ in 0..n {
            self.tick(&idle);
        }
    }

    #[inline]
    fn tick(&mut self, inp: &LmIn) -> LmOut {
        self.cycles += 1;
        self.model.tick(inp)
    }

    #[inline]
    fn enqueue(&mut self, op: Op) {
        self.queue.push_back(op);
        if self.queue.len() >= QUEUE_DRAIN_LEN {
            self.drain();
        }
    }

    /// Drives every queued operation into the snoop streams, in order.
    fn drain(&mut self) {
        let mut waited = 0u64;
        while let Some(&head) = self.queue.front() {
            let mut inp = LmIn::default();
            let mut paired = false;
            if head.copy {
                set_cr(&mut inp, head.snoop);
                if let Some(next) = self.queue.get(1).filter(|op| !op.copy) {
                    set_uw(&mut inp, next.snoop);
                    paired = true;
                }
            } else {
                set_uw(&mut inp, head.snoop);
            }
            let out = self.tick(&inp);
            let head_taken = if head.copy {
                out.cr_ready != 0
            } else {
                out.uw_ready != 0
            };
            let pair_taken = paired && out.uw_ready != 0;
            if pair_taken && !head_taken {
                panic!(
                    "RTL protocol violation at cycle {}: the block accepted user write {:?} \
                     while refusing the earlier copy read {:?} presented in the same cycle \
                     (docs/hardware.md: the copy read is accepted first)",
                    self.cycles, self.queue[1].snoop, head.snoop
                );
            }
            if head_taken {
                self.queue.pop_front();
                if pair_taken {
                    self.queue.pop_front();
                }
                waited = 0;
            } else {
                waited += 1;
                if waited >= WAIT_LIMIT {
                    panic!(
                        "RTL stalled: the {} stream refused {:?} for {WAIT_LIMIT} cycles (cycle {}){}",
                        if head.copy { "cr" } else { "uw" },
                        head.snoop,
                        self.cycles,
                        if self.query_open { QUERY_HINT } else { "" }
                    );
                }
            }
        }
    }

    /// Drains the snoop queue, then polls STATUS until BUSY == 0.
    fn settle(&mut self) {
        self.drain();
        let start = self.cycles;
        loop {
            let status = self.axi_read(STATUS).0;
            self.query_open = QUERY_OPEN.get(status) != 0;
            if BUSY.get(status) == 0 {
                return;
            }
            if self.cycles - start >= WAIT_LIMIT {
                panic!(
                    "RTL stuck: STATUS.BUSY still high after {WAIT_LIMIT} cycles (cycle {}, STATUS {status:#x}){}",
                    self.cycles,
                    if self.query_open { QUERY_HINT } else { "" }
                );
            }
        }
    }

    /// One AXI4-Lite read transaction: (RDATA, RRESP).
    fn axi_read(&mut self, addr: u32) -> (u32, u8) {
        let start = self.cycles;
        let mut inp = LmIn {
            s_axil_araddr: addr as u16,
            s_axil_arvalid: 1,
            ..LmIn::default()
        };
        loop {
            let out = self.tick(&inp);
            if inp.s_axil_rready != 0 && out.s_axil_rvalid != 0 {
                return (out.s_axil_rdata, out.s_axil_rresp);
            }
            if inp.s_axil_arvalid != 0 && out.s_axil_arready != 0 {
                inp.s_axil_arvalid = 0;
                inp.s_axil_rready = 1;
            }
            if self.waited_too_long(start) {
                panic!("RTL stuck: AXI read of {addr:#05x} unanswered after {WAIT_LIMIT} cycles");
            }
        }
    }

    /// One AXI4-Lite write transaction (AW and W presented together): BRESP.
    fn axi_write(&mut self, addr: u32, value: u32) -> u8 {
        let start = self.cycles;
        let mut inp = LmIn {
            s_axil_awaddr: addr as u16,
            s_axil_awvalid: 1,
            s_axil_wdata: value,
            s_axil_wstrb: WSTRB_ALL,
            s_axil_wvalid: 1,
            ..LmIn::default()
        };
        loop {
            let out = self.tick(&inp);
            if inp.s_axil_bready != 0 && out.s_axil_bvalid != 0 {
                return out.s_axil_bresp;
            }
            if out.s_axil_awready != 0 {
                inp.s_axil_awvalid = 0;
            }
            if out.s_axil_wready != 0 {
                inp.s_axil_wvalid = 0;
            }
            inp.s_axil_bready = u8::from(inp.s_axil_awvalid == 0 && inp.s_axil_wvalid == 0);
            if self.waited_too_long(start) {
                panic!("RTL stuck: AXI write of {addr:#05x} unanswered after {WAIT_LIMIT} cycles");
            }
        }
    }

    #[inline]
    fn waited_too_long(&self, start: u64) -> bool {
        self.cycles - start >= WAIT_LIMIT
    }
}

#[inline]
fn set_uw(inp: &mut LmIn, op: Snoop) {
    inp.uw_valid = 1;
    inp.uw_slba = op.slba;
    inp.uw_nlb = op.nlb;
}

#[inline]
fn set_cr(inp: &mut LmIn, op: Snoop) {
    inp.cr_valid = 1;
    inp.cr_slba = op.slba;
    inp.cr_nlb = op.nlb;
}

impl TrackerPort for RtlTracker {
    fn backend(&self) -> &'static str {
        "rtl"
    }

    fn csr_read(&mut self, addr: u32) -> u32 {
        self.settle();
        self.csr_read_raw(addr)
    }

    fn csr_write(&mut self, addr: u32, value: u32) {
        self.settle();
        if addr >= AXIL_ADDR_LIMIT {
            return;
        }
        // SLVERR (unmapped address) means the write was ignored, as the port promises.
        self.axi_write(addr, value);
        if addr == CMD {
            self.settle();
        }
    }

    #[inline]
    fn user_write(&mut self, op: Snoop) {
        self.enqueue(Op {
            copy: false,
            snoop: op,
        });
    }

    #[inline]
    fn copy_read(&mut self, op: Snoop) {
        self.enqueue(Op {
            copy: true,
            snoop: op,
        });
    }

    fn load_word(&mut self, word: u64) {
        self.drain();
        let start = self.cycles;
        let inp = LmIn {
            ld_tvalid: 1,
            ld_tdata: word,
            ..LmIn::default()
        };
        while self.tick(&inp).ld_tready == 0 {
            if self.waited_too_long(start) {
                panic!("RTL stuck: ld_tready low for {WAIT_LIMIT} cycles");
            }
        }
    }

    fn query_word(&mut self) -> Option<QueryBeat> {
        // No wait for BUSY here: query words are not counted in BUSY, and reading them needs
        // nothing else to finish. The STATUS read refreshes QUERY_OPEN, so a query opened or
        // closed by any CMD write, raw ones included, is seen.
        self.drain();
        self.csr_read_raw(STATUS);
        if !self.query_open {
            return None;
        }
        let start = self.cycles;
        let inp = LmIn {
            q_tready: 1,
            ..LmIn::default()
        };
        loop {
            let out = self.tick(&inp);
            if out.q_tvalid != 0 {
                let last = out.q_tlast != 0;
                if last {
                    self.query_open = false;
                }
                return Some(QueryBeat {
                    data: out.q_tdata,
                    last,
                });
            }
            if self.waited_too_long(start) {
                panic!("RTL stuck: STATUS.QUERY_OPEN but no q_tvalid for {WAIT_LIMIT} cycles");
            }
        }
    }

    fn irq(&mut self) -> bool {
        self.settle();
        // The line as it stands now: the outputs of one idle cycle.
        self.tick(&LmIn::default()).irq != 0
    }

    fn reset(&mut self) {
        // Snoops already handed to the port were taken, in call order, as the golden
        // model takes them: into the block before the reset.
        self.settle();
        self.pulse_reset();
    }
}
