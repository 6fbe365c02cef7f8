//! `lm_tracker`: the snoop block, composed of the units beside it.
//!
//! ```text
//!  uw_* ─┐  P1 ─ P2 ─ P3     ┌──────── command engine (CMD: LOAD START STOP QUERY SWAP ...)
//!  cr_* ─┤  accept:         │            │ MARK / FOLD ranges        clear engine ──┐
//!  ld_* ─┤  LBA -> granule, ▼            ▼                           (walks words)  │
//!  query ┘  range checks,  ┌───────────────┐   ┌────┐   ┌──────────────┐   ┌─────┐  │
//!           cursor   ───▶  │ B: range walk │──▶│ S1 │──▶│ S2: modify,  │──▶│S3,4:│  │
//!                          │ word + mask   │   │read│   │ write, fwd   │   │pop,+│  │
//!                          └───────────────┘   └─┬──┘   └──┬────────┬──┘   └─────┘  │
//!                                                │ addr    │ data   │ query words    │
//!                                          ┌─────▼─────────▼──┐     ▼                │
//!                                          │ RAM0, RAM1 (64 b) │◀───────────────────┘
//!                                          └───────────────────┘   q FIFO ─▶ q_*
//! ```
//!
//! The accept stage is three register stages deep (P1 captures the snoop, P2 holds
//! SLBA + NLB, the empty check and the first granule, P3 the range check and the last
//! granule; the cursor logic runs as P3 hands the operation to B), with no carry chain longer
//! than 32 bits in any of them. The stages move together, only when B can take P3's
//! operation, so snoops reach B in the order they were accepted. Query and load words skip
//! them (no arithmetic): they enter B directly, and only when the stages are empty.
//!
//! One operation enters the range walker per cycle; it leaves one word operation per cycle
//! (range mask per word, never a loop over bits). S1 presents the word address to both
//! RAMs, S2 gets their data one cycle later, forwards the previous cycle's write when the
//! address matches (a RAM read in the cycle of a write to the same word returns old data),
//! computes the new words, and writes them back; S1 has already turned kind, method, the
//! select bit and the clear engine into one `RamOp` code per RAM, so each new bit is one
//! function of six inputs. S3 counts the changed bits, S4 adds the counts to the live
//! popcounts and the counters. Which RAM is active is one select bit; a swap flips it.
//!
//! The query engine is one more source of word operations: it fetches a word whenever the
//! 4-word output FIFO will have room for it, so it streams one word per cycle to a ready
//! consumer and takes no turn from snoops while the consumer stalls. Commands wait until
//! the snoop operations ahead of them have left the pipeline, then run with it empty.
//!
//! Units with a file of their own, each tested alone in `hdl/tests/units`: the AXI4-Lite
//! front end (`axil_slave`), the CSR read decode rendered from the register map
//! (`csr_read`), the LBA-to-granule shift (`granule`), the range mask B uses for the
//! operation's bits and for the cursor window (`range_mask`), the popcount (`popcount`),
//! the query engine and its FIFO (`query_engine`, `stream_fifo`), the load engine
//! (`load_engine`), the error flags and interrupt (`err_irq`), the statistics counters
//! (`stat_counters`), the command decode table (`cmd_decode`), the
//! parameter registers (`param_regs`), the clear engine (`clear_engine`) and the geometry
//! engine (`geometry`). The rest is still this block's, to be split the same way.

use super::axil_slave::AxilSlave;
use super::clear_engine::ClearEngine;
use super::cmd_decode::CmdDecode;
use super::csr_read::CsrRead;
use super::err_irq::ErrIrq;
use super::geometry::Geometry;
use super::granule::GranuleShift;
use super::load_engine::LoadEngine;
use super::param_regs::ParamRegs;
use super::popcount::Popcount64;
use super::ports::{new_with_ports, with_ports};
use super::query_engine::QueryEngine;
use super::ramop::RamOp;
use super::range_mask::RangeMask;
use super::stat_counters::StatCounters;
use crate::regs;
use rust_hdl::prelude::*;

/// A word operation in the datapath.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum Kind {
    /// User write: set active bits, holding back the method's skip mask.
    Uw,
    /// Set active bits, no skip (bad-range writes, naive/clear writes, MarkDirty, cursor gaps).
    Mark,
    /// Copy read, bitmap method: drain the passive word.
    Crb,
    /// Copy read, clear method: clear the active word.
    Crc,
    /// Swap residue (bitmap): OR the passive word into the active, zero the passive.
    Fold,
    /// One load-stream word into the passive buffer.
    Load,
    /// Query word of the active buffer.
    QrdA,
    /// Query word of the passive buffer.
    QrdP,
}

/// The command engine's state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum Cmd {
    Idle,
    Exec,
    /// LOAD or START: granules = ceil(NS_LBAS / 2^shift), one shift step per cycle.
    Geo,
    /// The shifted value's checks are in flops: take the geometry or refuse it.
    GeoEnd,
    SwapDrain,
    SwapFold,
    SwapClear,
    Flip,
    LoadClear,
    StopClear,
}

// The top ports come first, from the port table (`regs/src/ports.rs`, rendered into
// `ports.rs`); reset is synchronous and active high, and the clear engine then wipes both
// buffers (BUSY).
with_ports! {
/// The block; `A` is the bitmap RAM address width: each buffer holds 2^A words of 64
/// granules.
#[derive(LogicBlock)]
pub struct LmTracker<const A: usize> {
    // The two bitmap buffers.
    ram0: RAM<Bits<64>, A>,
    ram1: RAM<Bits<64>, A>,
    /// SLBA's granule (P1 -> P2) and the last LBA's (P2 -> P3).
    a_shift: GranuleShift<A>,
    x_shift: GranuleShift<A>,
    pop_change: Popcount64,
    pop_skip: Popcount64,
    /// The operation's bits in B's word, and the cursor window's.
    word_mask: RangeMask,
    win_mask: RangeMask,
    /// The AXI4-Lite protocol; the registers behind it are this block's.
    axil: AxilSlave,
    /// The CSR read decode, rendered from the register map.
    csr_read: CsrRead,
    /// ERR, IRQ_STATUS, IRQ_ENABLE and the interrupt line.
    err_irq: ErrIrq,
    /// The event counters and their HI latches.
    stats: StatCounters,
    /// CMD's opcode as one-hot flags, latched into `cx_*` as CMD is written.
    cmd_decode: CmdDecode,
    /// CONFIG, NS_LBAS, PLAN_START/END, MARK_FIRST/END: what the commands read.
    params: ParamRegs,
    /// Zeroes words of one or both buffers, one per cycle, when the command engine asks.
    clear: ClearEngine<A>,
    /// LOAD's and START's granule count, NS_LBAS shifted one bit per cycle.
    geo: Geometry<A>,
    /// QUERY's stream: word fetches into B, the 4-word FIFO, the `q_*` port.
    query: QueryEngine<A>,
    /// LOAD's stream: `ld_*` beats into the passive buffer's words.
    load: LoadEngine<A>,

    // Latched geometry and tracking state.
    tracking: DFF<Bits<1>>,
    method: DFF<Bits<2>>,
    shift: DFF<Bits<6>>,
    ns_lbas: DFF<Bits<64>>,
    ns_granules: DFF<Bits<32>>,
    /// NS granules - 1, one cycle behind it: the clamp of an out-of-range snoop.
    ns_last: DFF<Bits<32>>,
    ns_words: DFF<Bits<32>>,
    /// NS words - 1, one cycle behind it: the last word a load, a query or a namespace
    /// clear touches, none of which starts within two cycles of GeoEnd.
    ns_last_w: DFF<Bits<32>>,
    loaded: DFF<Bit>,
    plan_end: DFF<Bits<32>>,
    cursor: DFF<Bits<32>>,
    /// PLAN_END - 1, one cycle behind PLAN_END.
    plan_last: DFF<Bits<32>>,
    /// CURSOR < PLAN_END. Exact whenever a snoop reads it: a snoop's cursor move updates it
    /// in the same cycle, a command's one cycle later (the next snoop is cycles behind).
    win_open: DFF<Bit>,
    sel: DFF<Bit>,
    swap_count: DFF<Bits<32>>,
    cnt0: DFF<Bits<32>>,
    cnt1: DFF<Bits<32>>,
    // Command engine.
    cmd_pending: DFF<Bit>,
    cmd_src: DFF<Bit>,
    cstate: DFF<Cmd>,
    // The opcode decoded (`cmd_decode`) as it is written (CMD is refused while a command is
    // pending), so that Exec starts from flops: NOP, beyond the last opcode, needs tracking,
    // refused while a stream is open, LOAD or START, START, STOP, QUERY, SWAP, RELEASE,
    // SET_PLAN, MARK_DIRTY. LOAD is `cx_ldst & !cx_start`.
    cx_nop: DFF<Bit>,
    cx_bad: DFF<Bit>,
    cx_trk: DFF<Bit>,
    cx_strm: DFF<Bit>,
    cx_ldst: DFF<Bit>,
    cx_start: DFF<Bit>,
    cx_stop: DFF<Bit>,
    cx_query: DFF<Bit>,
    cx_swap: DFF<Bit>,
    cx_release: DFF<Bit>,
    cx_plan: DFF<Bit>,
    cx_mark: DFF<Bit>,
    /// ERR_CMD_STATE for the pending command, one cycle behind the flags and TRACKING.
    x_err_state: DFF<Bit>,
    /// ERR_STREAM_BUSY for the pending command, one cycle behind the streams. Only the
    /// query stream can close meanwhile (load beats wait while a command is pending), and
    /// a CMD written after the last query word's handshake sees it closed.
    x_sbusy: DFF<Bit>,
    /// Register checks of LOAD/START and the passive count, one cycle behind their inputs
    /// (all settled for cycles before a command executes).
    x_req_bad: DFF<Bit>,
    x_geo_diff: DFF<Bit>,
    pas_nz: DFF<Bit>,
    /// `drained` one cycle ago.
    drained_q: DFF<Bit>,
    /// SwapDrain saw the pipeline drained this cycle and the one before: registered, so
    /// that the wide OR behind `drained` does not reach the many flops SwapDrain's exit
    /// loads. Nothing enters the pipeline in SwapDrain, so it stays drained.
    sd_settled: DFF<Bit>,
    // Accept pipeline (snoops only; see `update`). P1: the accepted request as it came.
    p1_valid: DFF<Bit>,
    /// The operation is a copy read (else a user write).
    p1_cr: DFF<Bit>,
    p1_slba: DFF<Bits<64>>,
    p1_nlb: DFF<Bits<16>>,
    // P2: SLBA + NLB, the empty check and the first granule.
    p2_valid: DFF<Bit>,
    p2_cr: DFF<Bit>,
    p2_last: DFF<Bits<64>>,
    p2_s63: DFF<Bit>,
    p2_empty: DFF<Bit>,
    p2_g0: DFF<Bits<32>>,
    // P3: the full decode (`op_*` read it); the cursor decision and the hand-off to B.
    p3_valid: DFF<Bit>,
    p3_cr: DFF<Bit>,
    p3_wrap: DFF<Bit>,
    p3_oob: DFF<Bit>,
    p3_empty: DFF<Bit>,
    p3_g0: DFF<Bits<32>>,
    /// The last granule, clamped to the namespace.
    p3_gl: DFF<Bits<32>>,
    /// min(plan end, first granule) - 1: the end of a cursor gap.
    p3_gapm1: DFF<Bits<32>>,
    /// P3's first granule lies above the cursor it meets as it enters B. Compared as it
    /// enters P3, against the cursor that the operation in P3 leaves behind, so that no
    /// compare sits between the cursor and B's load.
    p3_gt: DFF<Bit>,
    // MARK_DIRTY's range, decoded one cycle ahead from MARK_FIRST, MARK_END and the
    // namespace (all stable for cycles before the command executes), off the command path.
    /// MARK_FIRST < min(MARK_END, granules): there is a range to mark.
    mk_valid: DFF<Bit>,
    /// min(MARK_END, granules) - 1: its last granule.
    mk_hi: DFF<Bits<32>>,
    /// MARK_FIRST > MARK_END or MARK_END > granules: ERR_MARK_RANGE.
    mk_err: DFF<Bit>,
    /// SET_PLAN's range check (PLAN_START > PLAN_END or PLAN_END > NS granules), decoded
    /// one cycle ahead like MARK_DIRTY's.
    pl_err: DFF<Bit>,
    // Range walker (stage B).
    b_valid: DFF<Bit>,
    b_kind: DFF<Kind>,
    b_w: DFF<Bits<32>>,
    b_wlast: DFF<Bits<32>>,
    b_lo: DFF<Bits<6>>,
    b_hi: DFF<Bits<6>>,
    b_first: DFF<Bit>,
    b_data: DFF<Bits<64>>,
    // Read stage.
    s1_valid: DFF<Bit>,
    s1_kind: DFF<Kind>,
    s1_w: DFF<Bits<32>>,
    s1_mask: DFF<Bits<64>>,
    s1_win: DFF<Bits<64>>,
    /// B's word lies in the window: gates `s1_win` in S1, so that the word compares behind
    /// it reach one flop instead of resetting 64.
    s1_win_in: DFF<Bit>,
    s1_data: DFF<Bits<64>>,
    // Modify/write stage.
    s2_valid: DFF<Bit>,
    s2_kind: DFF<Kind>,
    s2_w: DFF<Bits<32>>,
    s2_mask: DFF<Bits<64>>,
    /// Cursor method: the write's bits the window skips (counted, not set).
    s2_skipc: DFF<Bits<64>>,
    /// What S2 does to each physical RAM's word, decided in S1 from kind, method, `sel`
    /// and the clear engine.
    s2_op0: DFF<RamOp>,
    s2_op1: DFF<RamOp>,
    /// Bitmap method user write: the passive word's set bits are skipped.
    s2_bmskip: DFF<Bits<64>>,
    s2_we0: DFF<Bit>,
    s2_we1: DFF<Bit>,
    /// The counted change is RAM1's (else RAM0's).
    s2_cnt1: DFF<Bit>,
    /// RAM1 holds the passive buffer.
    s2_pas1: DFF<Bit>,
    s2_qpush: DFF<Bit>,
    s2_qfrom1: DFF<Bit>,
    // Count stage.
    s3_valid: DFF<Bit>,
    s3_kind: DFF<Kind>,
    s3_change: DFF<Bits<64>>,
    s3_skip: DFF<Bits<64>>,
    s3_cnt1: DFF<Bit>,
    // Add stage: the popcounts of S3's word, added into the counters.
    s4_valid: DFF<Bit>,
    s4_kind: DFF<Kind>,
    s4_cnt1: DFF<Bit>,
    s4_pc: DFF<Bits<7>>,
    s4_skipc: DFF<Bits<7>>,
    // The previous cycle's RAM writes, for forwarding.
    /// S2's RAM0 word was written in the previous cycle (the RAM read returned old data).
    s2_hit0: DFF<Bit>,
    fwd0_data: DFF<Bits<64>>,
    s2_hit1: DFF<Bit>,
    fwd1_data: DFF<Bits<64>>,

    // Combinational signals.
    drained: Signal<Local, Bit>,
    b_is_q: Signal<Local, Bit>,
    s1_is_q: Signal<Local, Bit>,
    s2_is_q: Signal<Local, Bit>,
    pipe_busy: Signal<Local, Bit>,
    cmd_busy: Signal<Local, Bit>,
    blocked: Signal<Local, Bit>,
    b_last_word: Signal<Local, Bit>,
    s3_is_q: Signal<Local, Bit>,
    b_free: Signal<Local, Bit>,
    is_cursor: Signal<Local, Bit>,
    is_bitmap: Signal<Local, Bit>,
    is_clear: Signal<Local, Bit>,
    op_slba: Signal<Local, Bits<64>>,
    op_last: Signal<Local, Bits<64>>,
    op_wrap: Signal<Local, Bit>,
    op_oob: Signal<Local, Bit>,
    op_empty: Signal<Local, Bit>,
    op_g0: Signal<Local, Bits<32>>,
    op_gl: Signal<Local, Bits<32>>,
    gap_end: Signal<Local, Bits<32>>,
    /// SLBA[15:0] + NLB with its carry; SLBA[47:16] and SLBA[63:48] then take the carry by
    /// carry select (two short incrementers beside it instead of one 64-bit chain).
    a_lo: Signal<Local, Bits<17>>,
    a_mid: Signal<Local, Bits<32>>,
    a_top: Signal<Local, Bits<16>>,
    a_empty: Signal<Local, Bit>,
    a_g0: Signal<Local, Bits<32>>,
    x_wrap: Signal<Local, Bit>,
    x_oob: Signal<Local, Bit>,
    x_glraw: Signal<Local, Bits<32>>,
    /// The copy read in P3 moves the cursor to op_gl + 1 as it enters B.
    x_moves: Signal<Local, Bit>,
    /// The accept pipeline holds no operation.
    p_empty: Signal<Local, Bit>,
    /// The accept pipeline advances (all its stages together): P3 is empty or B takes it.
    p_go: Signal<Local, Bit>,
    /// P3 hands its operation to B this cycle.
    p3_fire: Signal<Local, Bit>,
    /// A query or load word may enter B directly: B is free and nothing is ahead of it.
    b_direct: Signal<Local, Bit>,
    /// A snoop may be accepted into P1.
    acc_ok: Signal<Local, Bit>,
    take_q: Signal<Local, Bit>,
    take_ld: Signal<Local, Bit>,
    load_want: Signal<Local, Bit>,
    take_cr: Signal<Local, Bit>,
    take_uw: Signal<Local, Bit>,
    lb_valid: Signal<Local, Bit>,
    lb_kind: Signal<Local, Kind>,
    lb_lo: Signal<Local, Bits<32>>,
    lb_hi: Signal<Local, Bits<32>>,
    ci_valid: Signal<Local, Bit>,
    ci_kind: Signal<Local, Kind>,
    ci_lo: Signal<Local, Bits<32>>,
    ci_hi: Signal<Local, Bits<32>>,
    /// Zeroes the command and clear engines ask for, applied after S4's adds (see there).
    zero_stats: Signal<Local, Bit>,
    zero_cnt0: Signal<Local, Bit>,
    zero_cnt1: Signal<Local, Bit>,
    win_lo: Signal<Local, Bits<32>>,
    win_wl: Signal<Local, Bits<32>>,
    win_wh: Signal<Local, Bits<32>>,
    win_hi: Signal<Local, Bits<32>>,
    own0: Signal<Local, Bits<64>>,
    own1: Signal<Local, Bits<64>>,
    skip: Signal<Local, Bits<64>>,
    new0: Signal<Local, Bits<64>>,
    new1: Signal<Local, Bits<64>>,
    /// S1's operation on the active and the passive buffer.
    la_op: Signal<Local, RamOp>,
    lp_op: Signal<Local, RamOp>,
    change: Signal<Local, Bits<64>>,
    we0: Signal<Local, Bit>,
    we1: Signal<Local, Bit>,
    wa0: Signal<Local, Bits<32>>,
    wa1: Signal<Local, Bits<32>>,
    wd0: Signal<Local, Bits<64>>,
    wd1: Signal<Local, Bits<64>>,
    cnt_active: Signal<Local, Bits<32>>,
    cnt_passive: Signal<Local, Bits<32>>,
    req_shift: Signal<Local, Bits<6>>,
    req_ok: Signal<Local, Bit>,
    op_nlb: Signal<Local, Bits<16>>,
    /// The counted buffer's popcount change: `d_cnt + d_neg` in two's complement, so that
    /// the subtraction's +1 is the adder's carry in (one carry chain, not two).
    d_cnt: Signal<Local, Bits<32>>,
    d_neg: Signal<Local, Bits<32>>,
    op_needs_tracking: Signal<Local, Bit>,
    /// The opcode of a CMD write.
    wr_op: Signal<Local, Bits<4>>,
    pc: Signal<Local, Bits<32>>,
    raise_acc: Signal<Local, Bits<32>>,
    raise_pipe: Signal<Local, Bits<32>>,
    raise_cmd: Signal<Local, Bits<32>>,
    raise_s2: Signal<Local, Bits<32>>,
    err_clear: Signal<Local, Bits<32>>,
    irq_set: Signal<Local, Bits<32>>,
    irq_clear: Signal<Local, Bits<32>>,
    /// The register file refuses the write the AXI4-Lite slave offers (read-only or
    /// unmapped address).
    csr_wr_err: Signal<Local, Bit>,
    status: Signal<Local, Bits<32>>,
    busy: Signal<Local, Bits<1>>,

    // Constants from the register map (`regs`), so that no address or code is typed here.
    ones: Constant<Bits<64>>,
    /// Depth of the query FIFO.
    k_config: Constant<Bits<12>>,
    k_ns_lo: Constant<Bits<12>>,
    k_ns_hi: Constant<Bits<12>>,
    k_cmd: Constant<Bits<12>>,
    k_err: Constant<Bits<12>>,
    k_irq_status: Constant<Bits<12>>,
    k_irq_enable: Constant<Bits<12>>,
    k_plan_start: Constant<Bits<12>>,
    k_plan_end: Constant<Bits<12>>,
    k_mark_first: Constant<Bits<12>>,
    k_mark_end: Constant<Bits<12>>,
    k_id_value: Constant<Bits<32>>,
    k_capacity_value: Constant<Bits<32>>,
    /// Granule indices and counts fit in log2(capacity) + 1 bits, word indices in A + 1:
    /// every register of those domains is masked so synthesis drops the upper bits.
    k_gmask: Constant<Bits<32>>,
    k_wmask: Constant<Bits<32>>,
    /// Granule indices inside the buffer: log2(capacity) bits.
    k_imask: Constant<Bits<32>>,
    /// A granule's bits inside its word: `w << 6 | k_low6` is word w's last granule (an
    /// OR, where `+ 63` would build a carry chain synthesis cannot see through).
    k_low6: Constant<Bits<32>>,
    k_f_method: Constant<Bits<32>>,
    k_f_shift: Constant<Bits<32>>,
    k_f_opcode: Constant<Bits<32>>,
    k_f_query_src: Constant<Bits<32>>,
    k_f_tracking: Constant<Bits<32>>,
    k_f_busy: Constant<Bits<32>>,
    k_f_query_open: Constant<Bits<32>>,
    k_f_load_open: Constant<Bits<32>>,
    k_f_latched_method: Constant<Bits<32>>,
    k_max_shift: Constant<Bits<6>>,
    k_m_cursor: Constant<Bits<2>>,
    k_m_bitmap: Constant<Bits<2>>,
    k_m_clear: Constant<Bits<2>>,
    k_e_lba_range: Constant<Bits<32>>,
    k_e_lba_wrap: Constant<Bits<32>>,
    k_e_plan_range: Constant<Bits<32>>,
    k_e_cmd_state: Constant<Bits<32>>,
    k_e_stream_busy: Constant<Bits<32>>,
    k_e_config: Constant<Bits<32>>,
    k_e_load: Constant<Bits<32>>,
    k_e_cursor_gap: Constant<Bits<32>>,
    k_e_mark_range: Constant<Bits<32>>,
    k_i_swap_done: Constant<Bits<32>>,
    k_i_query_done: Constant<Bits<32>>,
    k_i_clear_done: Constant<Bits<32>>,
}
}

fn addr(a: u32) -> Constant<Bits<12>> {
    assert!(a < 1 << 12, "register {a:#x} beyond the 4 KiB CSR window");
    Constant::new(u64::from(a).to_bits())
}

fn word(v: u32) -> Constant<Bits<32>> {
    Constant::new(u64::from(v).to_bits())
}

impl<const A: usize> LmTracker<A> {
    /// Granules one buffer holds.
    pub const CAPACITY: u64 = 64 << A;

    pub fn new() -> Self {
        assert!(
            (1..=20).contains(&A),
            "bitmap RAM address width must be 1..=20 bits"
        );
        // The RTL's field signals have fixed widths; the map must agree with them.
        assert_eq!(
            (
                regs::METHOD.width,
                regs::GRANULE_SHIFT.width,
                regs::OPCODE.width
            ),
            (2, 6, 4)
        );
        assert!([
            regs::QUERY_SRC,
            regs::TRACKING,
            regs::BUSY,
            regs::QUERY_OPEN,
            regs::LOAD_OPEN
        ]
        .iter()
        .all(|f| f.width == 1));
        assert_eq!(regs::LATCHED_METHOD.width, 2);
        let method = |v: u32| Constant::new(u64::from(v).to_bits());
        new_with_ports!(LmTracker {
            ram0: Default::default(),
            ram1: Default::default(),
            a_shift: Default::default(),
            x_shift: Default::default(),
            pop_change: Default::default(),
            pop_skip: Default::default(),
            word_mask: Default::default(),
            win_mask: Default::default(),
            axil: Default::default(),
            csr_read: Default::default(),
            err_irq: Default::default(),
            stats: Default::default(),
            cmd_decode: Default::default(),
            params: Default::default(),
            clear: Default::default(),
            geo: Default::default(),
            query: Default::default(),
            load: Default::default(),
            tracking: Default::default(),
            method: Default::default(),
            shift: Default::default(),
            ns_lbas: Default::default(),
            ns_granules: Default::default(),
            ns_last: Default::default(),
            ns_words: Default::default(),
            ns_last_w: Default::default(),
            loaded: Default::default(),
            plan_end: Default::default(),
            cursor: Default::default(),
            plan_last: Default::default(),
            win_open: Default::default(),
            sel: Default::default(),
            swap_count: Default::default(),
            cnt0: Default::default(),
            cnt1: Default::default(),
            cmd_pending: Default::default(),
            cmd_src: Default::default(),
            cstate: Default::default(),
            cx_nop: Default::default(),
            cx_bad: Default::default(),
            cx_trk: Default::default(),
            cx_strm: Default::default(),
            cx_ldst: Default::default(),
            cx_start: Default::default(),
            cx_stop: Default::default(),
            cx_query: Default::default(),
            cx_swap: Default::default(),
            cx_release: Default::default(),
            cx_plan: Default::default(),
            cx_mark: Default::default(),
            x_err_state: Default::default(),
            x_sbusy: Default::default(),
            x_req_bad: Default::default(),
            x_geo_diff: Default::default(),
            pas_nz: Default::default(),
            drained_q: Default::default(),
            sd_settled: Default::default(),
            p1_valid: Default::default(),
            p1_cr: Default::default(),
            p1_slba: Default::default(),
            p1_nlb: Default::default(),
            p2_valid: Default::default(),
            p2_cr: Default::default(),
            p2_last: Default::default(),
            p2_s63: Default::default(),
            p2_empty: Default::default(),
            p2_g0: Default::default(),
            p3_valid: Default::default(),
            p3_cr: Default::default(),
            p3_wrap: Default::default(),
            p3_oob: Default::default(),
            p3_empty: Default::default(),
            p3_g0: Default::default(),
            p3_gl: Default::default(),
            p3_gapm1: Default::default(),
            p3_gt: Default::default(),
            mk_valid: Default::default(),
            mk_hi: Default::default(),
            mk_err: Default::default(),
            pl_err: Default::default(),
            b_valid: Default::default(),
            b_kind: Default::default(),
            b_w: Default::default(),
            b_wlast: Default::default(),
            b_lo: Default::default(),
            b_hi: Default::default(),
            b_first: Default::default(),
            b_data: Default::default(),
            s1_valid: Default::default(),
            s1_kind: Default::default(),
            s1_w: Default::default(),
            s1_mask: Default::default(),
            s1_win: Default::default(),
            s1_win_in: Default::default(),
            s1_data: Default::default(),
            s2_valid: Default::default(),
            s2_kind: Default::default(),
            s2_w: Default::default(),
            s2_mask: Default::default(),
            s2_skipc: Default::default(),
            s2_op0: Default::default(),
            s2_op1: Default::default(),
            s2_bmskip: Default::default(),
            s2_we0: Default::default(),
            s2_we1: Default::default(),
            s2_cnt1: Default::default(),
            s2_pas1: Default::default(),
            s2_qpush: Default::default(),
            s2_qfrom1: Default::default(),
            s3_valid: Default::default(),
            s3_kind: Default::default(),
            s3_change: Default::default(),
            s3_skip: Default::default(),
            s3_cnt1: Default::default(),
            s4_valid: Default::default(),
            s4_kind: Default::default(),
            s4_cnt1: Default::default(),
            s4_pc: Default::default(),
            s4_skipc: Default::default(),
            s2_hit0: Default::default(),
            fwd0_data: Default::default(),
            s2_hit1: Default::default(),
            fwd1_data: Default::default(),
            drained: Default::default(),
            b_is_q: Default::default(),
            s1_is_q: Default::default(),
            s2_is_q: Default::default(),
            pipe_busy: Default::default(),
            cmd_busy: Default::default(),
            blocked: Default::default(),
            b_last_word: Default::default(),
            s3_is_q: Default::default(),
            b_free: Default::default(),
            is_cursor: Default::default(),
            is_bitmap: Default::default(),
            is_clear: Default::default(),
            op_slba: Default::default(),
            op_last: Default::default(),
            op_wrap: Default::default(),
            op_oob: Default::default(),
            op_empty: Default::default(),
            op_g0: Default::default(),
            op_gl: Default::default(),
            gap_end: Default::default(),
            a_lo: Default::default(),
            a_mid: Default::default(),
            a_top: Default::default(),
            a_empty: Default::default(),
            a_g0: Default::default(),
            x_wrap: Default::default(),
            x_oob: Default::default(),
            x_glraw: Default::default(),
            x_moves: Default::default(),
            p_empty: Default::default(),
            p_go: Default::default(),
            p3_fire: Default::default(),
            b_direct: Default::default(),
            acc_ok: Default::default(),
            take_q: Default::default(),
            take_ld: Default::default(),
            load_want: Default::default(),
            take_cr: Default::default(),
            take_uw: Default::default(),
            lb_valid: Default::default(),
            lb_kind: Default::default(),
            lb_lo: Default::default(),
            lb_hi: Default::default(),
            ci_valid: Default::default(),
            ci_kind: Default::default(),
            ci_lo: Default::default(),
            ci_hi: Default::default(),
            zero_stats: Default::default(),
            zero_cnt0: Default::default(),
            zero_cnt1: Default::default(),
            win_lo: Default::default(),
            win_wl: Default::default(),
            win_wh: Default::default(),
            win_hi: Default::default(),
            ones: Constant::new(Bits::<64>::mask()),
            own0: Default::default(),
            own1: Default::default(),
            skip: Default::default(),
            new0: Default::default(),
            new1: Default::default(),
            la_op: Default::default(),
            lp_op: Default::default(),
            change: Default::default(),
            we0: Default::default(),
            we1: Default::default(),
            wa0: Default::default(),
            wa1: Default::default(),
            wd0: Default::default(),
            wd1: Default::default(),
            cnt_active: Default::default(),
            cnt_passive: Default::default(),
            req_shift: Default::default(),
            req_ok: Default::default(),
            op_nlb: Default::default(),
            d_cnt: Default::default(),
            d_neg: Default::default(),
            op_needs_tracking: Default::default(),
            wr_op: Default::default(),
            pc: Default::default(),
            raise_acc: Default::default(),
            raise_pipe: Default::default(),
            raise_cmd: Default::default(),
            raise_s2: Default::default(),
            err_clear: Default::default(),
            irq_set: Default::default(),
            irq_clear: Default::default(),
            csr_wr_err: Default::default(),
            status: Default::default(),
            busy: Default::default(),
            k_config: addr(regs::CONFIG),
            k_ns_lo: addr(regs::NS_LBAS_LO),
            k_ns_hi: addr(regs::NS_LBAS_HI),
            k_cmd: addr(regs::CMD),
            k_err: addr(regs::ERR),
            k_irq_status: addr(regs::IRQ_STATUS),
            k_irq_enable: addr(regs::IRQ_ENABLE),
            k_plan_start: addr(regs::PLAN_START),
            k_plan_end: addr(regs::PLAN_END),
            k_mark_first: addr(regs::MARK_FIRST),
            k_mark_end: addr(regs::MARK_END),
            k_id_value: word(regs::ID_VALUE),
            k_capacity_value: word(Self::CAPACITY as u32),
            k_gmask: word(((Self::CAPACITY as u32) << 1) - 1),
            k_wmask: word((2u32 << A) - 1),
            k_imask: word(Self::CAPACITY as u32 - 1),
            k_low6: word(63),
            k_f_method: word(regs::METHOD.lsb),
            k_f_shift: word(regs::GRANULE_SHIFT.lsb),
            k_f_opcode: word(regs::OPCODE.lsb),
            k_f_query_src: word(regs::QUERY_SRC.lsb),
            k_f_tracking: word(regs::TRACKING.lsb),
            k_f_busy: word(regs::BUSY.lsb),
            k_f_query_open: word(regs::QUERY_OPEN.lsb),
            k_f_load_open: word(regs::LOAD_OPEN.lsb),
            k_f_latched_method: word(regs::LATCHED_METHOD.lsb),
            k_max_shift: Constant::new(u64::from(regs::MAX_GRANULE_SHIFT).to_bits()),
            k_m_cursor: method(regs::METHOD_CURSOR),
            k_m_bitmap: method(regs::METHOD_BITMAP),
            k_m_clear: method(regs::METHOD_CLEAR),
            k_e_lba_range: word(regs::ERR_LBA_RANGE),
            k_e_lba_wrap: word(regs::ERR_LBA_WRAP),
            k_e_plan_range: word(regs::ERR_PLAN_RANGE),
            k_e_cmd_state: word(regs::ERR_CMD_STATE),
            k_e_stream_busy: word(regs::ERR_STREAM_BUSY),
            k_e_config: word(regs::ERR_CONFIG),
            k_e_load: word(regs::ERR_LOAD),
            k_e_cursor_gap: word(regs::ERR_CURSOR_GAP),
            k_e_mark_range: word(regs::ERR_MARK_RANGE),
            k_i_swap_done: word(regs::IRQ_SWAP_DONE),
            k_i_query_done: word(regs::IRQ_QUERY_DONE),
            k_i_clear_done: word(regs::IRQ_CLEAR_DONE),
        })
    }
}

impl<const A: usize> Default for LmTracker<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const A: usize> Logic for LmTracker<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            tracking,
            method,
            shift,
            ns_lbas,
            ns_granules,
            ns_last,
            ns_words,
            ns_last_w,
            loaded,
            plan_end,
            cursor,
            plan_last,
            win_open,
            sel,
            swap_count,
            cnt0,
            cnt1,
            cmd_pending,
            cmd_src,
            cstate,
            cx_nop,
            cx_bad,
            cx_trk,
            cx_strm,
            cx_ldst,
            cx_start,
            cx_stop,
            cx_query,
            cx_swap,
            cx_release,
            cx_plan,
            cx_mark,
            x_err_state,
            x_sbusy,
            x_req_bad,
            x_geo_diff,
            pas_nz,
            drained_q,
            sd_settled,
            p1_valid,
            p1_cr,
            p1_slba,
            p1_nlb,
            p2_valid,
            p2_cr,
            p2_last,
            p2_s63,
            p2_empty,
            p2_g0,
            p3_valid,
            p3_cr,
            p3_wrap,
            p3_oob,
            p3_empty,
            p3_g0,
            p3_gl,
            p3_gapm1,
            p3_gt,
            mk_valid,
            mk_hi,
            mk_err,
            pl_err,
            b_valid,
            b_kind,
            b_w,
            b_wlast,
            b_lo,
            b_hi,
            b_first,
            b_data,
            s1_valid,
            s1_kind,
            s1_w,
            s1_mask,
            s1_win,
            s1_win_in,
            s1_data,
            s2_valid,
            s2_kind,
            s2_w,
            s2_mask,
            s2_skipc,
            s2_op0,
            s2_op1,
            s2_bmskip,
            s2_we0,
            s2_we1,
            s2_cnt1,
            s2_pas1,
            s2_qpush,
            s2_qfrom1,
            s3_valid,
            s3_kind,
            s3_change,
            s3_skip,
            s3_cnt1,
            s4_valid,
            s4_kind,
            s4_cnt1,
            s4_pc,
            s4_skipc,
            s2_hit0,
            fwd0_data,
            s2_hit1,
            fwd1_data
        );
        self.ram0.read_clock.next = self.clock.val();
        self.ram0.write_clock.next = self.clock.val();
        self.ram1.read_clock.next = self.clock.val();
        self.ram1.write_clock.next = self.clock.val();
        // Granule counts and indices live in 32-bit registers but use log2(capacity) + 1
        // bits. Every assignment masks them; holding them masked, too, makes the unused
        // bits' flops constant, so synthesis drops them and the compares and muxes that
        // read them (an unmasked hold keeps them: their power-on value is unknown).
        self.cursor.d.next = self.cursor.q.val() & self.k_gmask.val();
        self.swap_count.d.next = self.swap_count.q.val() & self.k_gmask.val();

        // ---------------------------------------------------------------- status ---------
        self.is_cursor.next = self.method.q.val() == self.k_m_cursor.val();
        self.is_bitmap.next = self.method.q.val() == self.k_m_bitmap.val();
        self.is_clear.next = self.method.q.val() == self.k_m_clear.val();
        // Query words wait in the FIFO for the host to read them: neither BUSY nor a command
        // waits for them.
        self.b_is_q.next =
            (self.b_kind.q.val() == Kind::QrdA) | (self.b_kind.q.val() == Kind::QrdP);
        self.s1_is_q.next =
            (self.s1_kind.q.val() == Kind::QrdA) | (self.s1_kind.q.val() == Kind::QrdP);
        self.s2_is_q.next =
            (self.s2_kind.q.val() == Kind::QrdA) | (self.s2_kind.q.val() == Kind::QrdP);
        self.s3_is_q.next =
            (self.s3_kind.q.val() == Kind::QrdA) | (self.s3_kind.q.val() == Kind::QrdP);
        // The accept pipeline holds snoops only: every one of them counts.
        self.p_empty.next =
            !self.p1_valid.q.val() & !self.p2_valid.q.val() & !self.p3_valid.q.val();
        self.pipe_busy.next = !self.p_empty.val()
            | (self.b_valid.q.val() & !self.b_is_q.val())
            | (self.s1_valid.q.val() & !self.s1_is_q.val())
            | (self.s2_valid.q.val() & !self.s2_is_q.val())
            | (self.s3_valid.q.val() & !self.s3_is_q.val())
            | self.s4_valid.q.val();
        // A command runs with the accept pipeline and the walker empty (a query word leaves
        // B in one cycle); query words further down only read, and go to the FIFO.
        self.drained.next =
            !self.pipe_busy.val() & !self.b_valid.q.val() & !self.clear.active.val();
        self.cmd_busy.next =
            self.cmd_pending.q.val() | (self.cstate.q.val() != Cmd::Idle) | self.clear.active.val();
        // Snoops wait while a command runs; a background clear (RELEASE) lets them pass.
        self.blocked.next = self.cmd_pending.q.val()
            | (self.cstate.q.val() != Cmd::Idle)
            | self.clear.blocking.val();
        self.busy.next = 0u64.into();
        if self.cmd_busy.val() | self.pipe_busy.val() {
            self.busy.next = 1u64.into();
        }
        if self.sel.q.val() {
            self.cnt_active.next = self.cnt1.q.val();
            self.cnt_passive.next = self.cnt0.q.val();
        } else {
            self.cnt_active.next = self.cnt0.q.val();
            self.cnt_passive.next = self.cnt1.q.val();
        }
        self.status.next = (bit_cast::<32, 1>(self.tracking.q.val()) << self.k_f_tracking.val())
            | (bit_cast::<32, 1>(self.busy.val()) << self.k_f_busy.val())
            | (bit_cast::<32, 1>(bits::<1>(self.query.is_open.val().into()))
                << self.k_f_query_open.val())
            | (bit_cast::<32, 1>(bits::<1>(self.load.is_open.val().into()))
                << self.k_f_load_open.val())
            | (bit_cast::<32, 2>(self.method.q.val()) << self.k_f_latched_method.val());

        // Default: nothing raised, nothing cleared this cycle.
        self.raise_acc.next = 0u64.into();
        self.raise_pipe.next = 0u64.into();
        self.raise_cmd.next = 0u64.into();
        self.raise_s2.next = 0u64.into();
        self.err_clear.next = 0u64.into();
        self.irq_set.next = 0u64.into();
        self.irq_clear.next = 0u64.into();

        // ---------------------------------------------------------- range walker B -------
        self.b_last_word.next = self.b_w.q.val() == self.b_wlast.q.val();
        // The query engine fetches a word only when its FIFO will have room for it and for
        // every word already in flight: 1 word per cycle while the consumer keeps up, none
        // while it does not, and snoops go by meanwhile.
        self.query.clock.next = self.clock.val();
        self.query.reset.next = self.reset.val();
        self.query.open.next = false;
        self.query.open_active.next = self.cmd_src.q.val();
        self.query.close.next = false;
        self.query.words.next = self.ns_words.q.val();
        self.query.in_b.next = self.b_valid.q.val() & self.b_is_q.val();
        self.query.in_s1.next = self.s1_valid.q.val() & self.s1_is_q.val();
        self.query.in_s2.next = self.s2_valid.q.val() & self.s2_is_q.val();
        self.query.q_tready.next = self.q_tready.val();
        self.q_tvalid.next = self.query.q_tvalid.val();
        self.q_tdata.next = self.query.q_tdata.val();
        self.q_tlast.next = self.query.q_tlast.val();
        self.load.clock.next = self.clock.val();
        self.load.reset.next = self.reset.val();
        self.load.open.next = false;
        self.load.last_word.next = self.ns_last_w.q.val();
        // A load beat waits for the datapath.
        self.load_want.next = self.load.is_open.val() & self.ld_tvalid.val();
        self.b_free.next = !self.b_valid.q.val() | self.b_last_word.val();

        // Mask of the current word, and of the cursor window inside it: bits lo..=hi.
        self.word_mask.lo.next = 0u64.into();
        if self.b_first.q.val() {
            self.word_mask.lo.next = self.b_lo.q.val();
        }
        self.word_mask.hi.next = 63u64.into();
        if self.b_last_word.val() {
            self.word_mask.hi.next = self.b_hi.q.val();
        }
        // CURSOR >= PLAN_START always (SET_PLAN sets it there, it only moves up, SWAP moves
        // it to PLAN_END), so the window still to copy starts at the cursor.
        self.win_lo.next = self.cursor.q.val();
        // PLAN_END - 1 from a flop: PLAN_END changes only in a command's Exec cycle; the
        // first snoop after it reaches B several cycles later, the next command's Exec two
        // cycles later (Exec, Idle, Exec).
        self.plan_last.d.next = (self.plan_end.q.val() - 1) & self.k_gmask.val();
        // NS granules only change in a command, too.
        self.ns_last.d.next = (self.ns_granules.q.val() - 1) & self.k_imask.val();
        self.ns_last_w.d.next = (self.ns_words.q.val() - 1) & self.k_wmask.val();
        // CURSOR < PLAN_END, from flops; a snoop's cursor move overrides this below.
        self.win_open.d.next = self.cursor.q.val() < self.plan_end.q.val();
        self.win_hi.next = self.plan_last.q.val();
        self.win_wl.next = self.win_lo.val() >> 6;
        self.win_wh.next = self.win_hi.val() >> 6;
        self.win_mask.lo.next = 0u64.into();
        if self.b_w.q.val() == self.win_wl.val() {
            self.win_mask.lo.next = self.win_lo.val().get_bits::<6>(0);
        }
        self.win_mask.hi.next = 63u64.into();
        if self.b_w.q.val() == self.win_wh.val() {
            self.win_mask.hi.next = self.win_hi.val().get_bits::<6>(0);
        }

        self.s1_valid.d.next = false;
        if self.b_valid.q.val() {
            self.s1_valid.d.next = true;
            self.s1_kind.d.next = self.b_kind.q.val();
            self.s1_w.d.next = self.b_w.q.val();
            self.s1_mask.d.next = self.word_mask.mask.val();
            self.s1_data.d.next = self.b_data.q.val();
            self.s1_win.d.next = self.win_mask.mask.val();
            self.s1_win_in.d.next = (self.plan_end.q.val() > self.win_lo.val())
                & (self.b_w.q.val() >= self.win_wl.val())
                & (self.b_w.q.val() <= self.win_wh.val());
            self.b_first.d.next = false;
            self.b_w.d.next = (self.b_w.q.val() + 1) & self.k_wmask.val();
            if self.b_last_word.val() {
                self.b_valid.d.next = false;
            }
        }

        // ------------------------------------------------------------ accept stage -------
        // Snoops go through three stages before B; every stage moves when P3 is empty or B
        // takes P3's operation (`p_go`), so they reach B in the order they were accepted.
        // Query and load words need no arithmetic: they enter B directly, and only when the
        // pipeline is empty, so they too keep the accepted order (a query word that finds
        // snoops ahead of it holds new snoops back until those have left the pipeline).
        //
        // Accept: the snoop candidate; a copy read goes before a user write in the same
        // cycle. P1 captures it unchanged, so no arithmetic sits between a port and a flop.
        self.op_slba.next = self.uw_slba.val();
        self.op_nlb.next = self.uw_nlb.val();
        if self.cr_valid.val() {
            self.op_slba.next = self.cr_slba.val();
            self.op_nlb.next = self.cr_nlb.val();
        }
        // P1 -> P2: SLBA + NLB. NLB has 16 bits, so bits 16..63 are SLBA's plus a carry:
        // a 17-bit add, and incrementers of bits 16..47 and 48..63 selected by its carry.
        self.a_lo.next = bit_cast::<17, 16>(self.p1_slba.q.val().get_bits::<16>(0))
            + bit_cast::<17, 16>(self.p1_nlb.q.val());
        self.a_mid.next = self.p1_slba.q.val().get_bits::<32>(16);
        if self.a_lo.val().get_bit(16) {
            self.a_mid.next = self.p1_slba.q.val().get_bits::<32>(16) + 1;
        }
        self.a_top.next = self.p1_slba.q.val().get_bits::<16>(48);
        if self.a_lo.val().get_bit(16) & self.p1_slba.q.val().get_bits::<32>(16).all() {
            self.a_top.next = self.p1_slba.q.val().get_bits::<16>(48) + 1;
        }
        self.op_last.next = bit_cast::<64, 16>(self.a_lo.val().get_bits::<16>(0))
            | (bit_cast::<64, 32>(self.a_mid.val()) << 16)
            | (bit_cast::<64, 16>(self.a_top.val()) << 48);
        // 64-bit compares as two 32-bit halves side by side.
        self.a_empty.next = (self.p1_slba.q.val().get_bits::<32>(32)
            > self.ns_lbas.q.val().get_bits::<32>(32))
            | ((self.p1_slba.q.val().get_bits::<32>(32)
                == self.ns_lbas.q.val().get_bits::<32>(32))
                & (self.p1_slba.q.val().get_bits::<32>(0)
                    >= self.ns_lbas.q.val().get_bits::<32>(0)));
        // Only granules inside the namespace are used: log2(capacity) bits.
        self.a_shift.lba.next = self.p1_slba.q.val();
        self.a_shift.shift.next = self.shift.q.val();
        self.a_g0.next = self.a_shift.granule.val();
        // P2 -> P3: the range check and the last granule.
        // NLB < 2^16, so the sum wraps exactly when it leaves the top half of the space.
        self.x_wrap.next = self.p2_s63.q.val() & !self.p2_last.q.val().get_bit(63);
        self.x_oob.next = self.x_wrap.val()
            | (self.p2_last.q.val().get_bits::<32>(32) > self.ns_lbas.q.val().get_bits::<32>(32))
            | ((self.p2_last.q.val().get_bits::<32>(32)
                == self.ns_lbas.q.val().get_bits::<32>(32))
                & (self.p2_last.q.val().get_bits::<32>(0)
                    >= self.ns_lbas.q.val().get_bits::<32>(0)));
        self.x_shift.lba.next = self.p2_last.q.val();
        self.x_shift.shift.next = self.shift.q.val();
        self.x_glraw.next = self.x_shift.granule.val();
        // PLAN_END only changes in a command, which runs with the pipeline empty.
        self.gap_end.next = self.p2_g0.q.val();
        if self.plan_end.q.val() < self.p2_g0.q.val() {
            self.gap_end.next = self.plan_end.q.val();
        }
        // P3: the decode of the operation B takes next (`p3_fire`).
        self.op_wrap.next = self.p3_wrap.q.val();
        self.op_oob.next = self.p3_oob.q.val();
        self.op_empty.next = self.p3_empty.q.val();
        self.op_g0.next = self.p3_g0.q.val();
        self.op_gl.next = self.p3_gl.q.val();

        // Ranges the command engine asks for (set below, loaded into B with priority).
        self.ci_valid.next = false;
        self.zero_stats.next = false;
        self.zero_cnt0.next = false;
        self.zero_cnt1.next = false;
        self.clear.start.next = false;
        self.clear.start_whole.next = false;
        self.clear.start_ram0.next = false;
        self.clear.start_ram1.next = false;
        self.clear.start_bg.next = false;
        self.clear.start_irq.next = false;
        self.ci_kind.next = Kind::Mark;
        self.ci_lo.next = 0u64.into();
        self.ci_hi.next = 0u64.into();

        self.take_q.next = false;
        self.take_ld.next = false;
        self.take_cr.next = false;
        self.take_uw.next = false;
        self.lb_valid.next = false;
        self.lb_kind.next = Kind::Mark;
        self.lb_lo.next = 0u64.into();
        self.lb_hi.next = 0u64.into();

        // ----------------------------------------------------------- command engine -------
        self.req_shift.next = bit_cast::<6, 32>(self.params.cfg.val() >> self.k_f_shift.val());
        self.req_ok.next =
            (self.req_shift.val() <= self.k_max_shift.val()) & (self.params.ns_lbas.val() != 0);
        self.geo.clock.next = self.clock.val();
        self.geo.start.next = false;
        self.geo.ns_lbas.next = self.params.ns_lbas.val();
        self.geo.shift.next = self.req_shift.val();
        // MARK_DIRTY's end, clamped to the namespace: compares and decrements side by side.
        // The registers it reads were last written at least two cycles before a command
        // executes (an AXI write takes two cycles; a CMD write reaches Exec two cycles later).
        self.mk_valid.d.next = (self.params.mark_first.val() < self.params.mark_end.val())
            & (self.params.mark_first.val() < self.ns_granules.q.val());
        self.mk_hi.d.next = (self.params.mark_end.val() - 1) & self.k_gmask.val();
        if self.params.mark_end.val() > self.ns_granules.q.val() {
            self.mk_hi.d.next = (self.ns_granules.q.val() - 1) & self.k_gmask.val();
        }
        self.mk_err.d.next = (self.params.mark_first.val() > self.params.mark_end.val())
            | (self.params.mark_end.val() > self.ns_granules.q.val());
        self.pl_err.d.next = (self.params.plan_start.val() > self.params.plan_end.val())
            | (self.params.plan_end.val() > self.ns_granules.q.val());
        self.op_needs_tracking.next = self.cx_trk.q.val();
        self.x_err_state.d.next = !self.cx_nop.q.val()
            & ((self.op_needs_tracking.val() != self.tracking.q.val().any()) | self.cx_bad.q.val());
        self.x_sbusy.d.next =
            self.cx_strm.q.val() & (self.query.is_open.val() | self.load.is_open.val());
        self.x_req_bad.d.next = !self.req_ok.val();
        self.x_geo_diff.d.next = self.loaded.q.val()
            & ((self.ns_lbas.q.val() != self.params.ns_lbas.val())
                | (self.shift.q.val() != self.req_shift.val()));
        // A command executes at least one cycle after the last count moved (it waits for
        // the pipeline to drain), so the flop has caught up by then.
        self.pas_nz.d.next = self.cnt_passive.val() != 0;
        self.drained_q.d.next = self.drained.val();
        self.sd_settled.d.next =
            (self.cstate.q.val() == Cmd::SwapDrain) & self.drained.val() & self.drained_q.q.val();
        match self.cstate.q.val() {
            Cmd::Idle => {
                if self.cmd_pending.q.val() & self.drained.val() {
                    self.cstate.d.next = Cmd::Exec;
                }
            }
            Cmd::Exec => {
                self.cmd_pending.d.next = false;
                self.cstate.d.next = Cmd::Idle;
                // The opcode flags are one-hot (none for NOP), so each action is one `if`.
                if self.x_err_state.q.val() {
                    self.raise_cmd.next = self.k_e_cmd_state.val();
                } else if self.x_sbusy.q.val() {
                    self.raise_cmd.next = self.k_e_stream_busy.val();
                } else {
                    if self.cx_ldst.q.val() {
                        // A bad shift, an empty namespace, or a START whose geometry is not the
                        // loaded BMP's is refused; otherwise the geometry engine runs.
                        if self.x_req_bad.q.val()
                            | (self.cx_start.q.val() & self.x_geo_diff.q.val())
                        {
                            self.raise_cmd.next = self.k_e_config.val();
                        } else {
                            self.geo.start.next = true;
                            self.cstate.d.next = Cmd::Geo;
                        }
                    }
                    if self.cx_stop.q.val() {
                        self.tracking.d.next = 0u64.into();
                        self.loaded.d.next = false;
                        // Close a query; words still in flight are dropped at the FIFO.
                        self.query.close.next = true;
                        self.clear.start.next = true;
                        self.clear.start_whole.next = true;
                        self.clear.start_ram0.next = true;
                        self.clear.start_ram1.next = true;
                        self.clear.start_bg.next = false;
                        self.clear.start_irq.next = true;
                        self.cstate.d.next = Cmd::StopClear;
                    }
                    if self.cx_query.q.val() {
                        self.query.open.next = true;
                    }
                    if self.cx_swap.q.val() {
                        // Close the cursor window: what it still promised goes into the active buffer.
                        if self.is_cursor.val() & self.win_open.q.val() {
                            self.ci_valid.next = true;
                            self.ci_kind.next = Kind::Mark;
                            self.ci_lo.next = self.win_lo.val();
                            self.ci_hi.next = self.plan_last.q.val();
                        }
                        self.cursor.d.next = self.plan_end.q.val();
                        if self.ci_valid.val() | self.pas_nz.q.val() {
                            self.cstate.d.next = Cmd::SwapDrain;
                        } else {
                            // The passive buffer is drained (the pipeline is, too): flip now.
                            self.sel.d.next = !self.sel.q.val();
                            self.swap_count.d.next = self.cnt_active.val();
                            self.irq_set.next = self.k_i_swap_done.val();
                        }
                    }
                    if self.cx_release.q.val() & !self.is_bitmap.val() {
                        // The host holds the plan: wipe it in the background, snoops go on.
                        self.clear.start.next = true;
                        self.clear.start_whole.next = false;
                        self.clear.start_ram0.next = self.sel.q.val();
                        self.clear.start_ram1.next = !self.sel.q.val();
                        self.clear.start_bg.next = true;
                        self.clear.start_irq.next = true;
                    }
                    if self.cx_plan.q.val() {
                        if !self.is_cursor.val() {
                            self.raise_cmd.next = self.k_e_cmd_state.val();
                        } else {
                            if self.win_open.q.val() {
                                self.ci_valid.next = true;
                                self.ci_kind.next = Kind::Mark;
                                self.ci_lo.next = self.win_lo.val();
                                self.ci_hi.next = self.plan_last.q.val();
                            }
                            if self.pl_err.q.val() {
                                self.raise_cmd.next = self.k_e_plan_range.val();
                                self.plan_end.d.next = 0u64.into();
                                self.cursor.d.next = 0u64.into();
                            } else {
                                self.plan_end.d.next =
                                    self.params.plan_end.val() & self.k_gmask.val();
                                self.cursor.d.next =
                                    self.params.plan_start.val() & self.k_gmask.val();
                            }
                        }
                    }
                    if self.cx_mark.q.val() {
                        // MARK_DIRTY
                        if self.mk_err.q.val() {
                            self.raise_cmd.next = self.k_e_mark_range.val();
                        }
                        if self.mk_valid.q.val() {
                            self.ci_valid.next = true;
                            self.ci_kind.next = Kind::Mark;
                            self.ci_lo.next = self.params.mark_first.val();
                            self.ci_hi.next = self.mk_hi.q.val();
                        }
                    }
                }
            }
            Cmd::Geo => {
                if !self.geo.busy.val() {
                    self.cstate.d.next = Cmd::GeoEnd;
                }
            }
            Cmd::GeoEnd => {
                if !self.geo.fits.val() {
                    self.raise_cmd.next = self.k_e_config.val();
                    self.cstate.d.next = Cmd::Idle;
                } else {
                    self.shift.d.next = self.req_shift.val();
                    self.ns_lbas.d.next = self.params.ns_lbas.val();
                    self.ns_granules.d.next = self.geo.granules.val();
                    self.ns_words.d.next =
                        ((self.geo.granules.val() + 63) >> 6) & self.k_wmask.val();
                    self.cstate.d.next = Cmd::Idle;
                    if self.cx_ldst.q.val() & !self.cx_start.q.val() {
                        self.loaded.d.next = true;
                        // A BMP of an earlier, larger LOAD must not leak: clear it all.
                        self.clear.start.next = true;
                        self.clear.start_whole.next = true;
                        self.clear.start_ram0.next = self.sel.q.val();
                        self.clear.start_ram1.next = !self.sel.q.val();
                        self.clear.start_bg.next = false;
                        self.clear.start_irq.next = false;
                        self.cstate.d.next = Cmd::LoadClear;
                    } else {
                        self.method.d.next =
                            bit_cast::<2, 32>(self.params.cfg.val() >> self.k_f_method.val());
                        self.tracking.d.next = 1u64.into();
                        self.zero_stats.next = true;
                        self.swap_count.d.next = 0u64.into();
                        self.plan_end.d.next = 0u64.into();
                        self.cursor.d.next = 0u64.into();
                    }
                }
            }
            Cmd::SwapDrain => {
                // Drained for two cycles: the counts have settled, and `pas_nz` with them.
                if self.sd_settled.q.val() {
                    if !self.pas_nz.q.val() {
                        self.cstate.d.next = Cmd::Flip;
                    } else if self.is_bitmap.val() {
                        // Residual plan bits were promised: fold them into the next plan.
                        self.ci_valid.next = true;
                        self.ci_kind.next = Kind::Fold;
                        self.ci_lo.next = 0u64.into();
                        self.ci_hi.next = (self.ns_last_w.q.val() << 6) | self.k_low6.val();
                        self.cstate.d.next = Cmd::SwapFold;
                    } else {
                        self.clear.start.next = true;
                        self.clear.start_whole.next = false;
                        self.clear.start_ram0.next = self.sel.q.val();
                        self.clear.start_ram1.next = !self.sel.q.val();
                        self.clear.start_bg.next = false;
                        self.clear.start_irq.next = true;
                        self.cstate.d.next = Cmd::SwapClear;
                    }
                }
            }
            Cmd::SwapFold => {
                if self.drained.val() {
                    self.zero_cnt0.next = self.sel.q.val();
                    self.zero_cnt1.next = !self.sel.q.val();
                    self.irq_set.next = self.k_i_clear_done.val();
                    self.cstate.d.next = Cmd::Flip;
                }
            }
            Cmd::SwapClear => {
                if !self.clear.active.val() {
                    self.cstate.d.next = Cmd::Flip;
                }
            }
            Cmd::Flip => {
                self.sel.d.next = !self.sel.q.val();
                self.swap_count.d.next = self.cnt_active.val();
                self.irq_set.next = self.k_i_swap_done.val();
                self.cstate.d.next = Cmd::Idle;
            }
            Cmd::LoadClear => {
                if !self.clear.active.val() {
                    self.load.open.next = true;
                    self.cstate.d.next = Cmd::Idle;
                }
            }
            Cmd::StopClear => {
                if !self.clear.active.val() {
                    self.cstate.d.next = Cmd::Idle;
                }
            }
        }

        // ------------------------------------------------------- B load arbitration -------
        self.p_go.next = !self.p3_valid.q.val() | self.b_free.val();
        self.p3_fire.next = self.p3_valid.q.val() & self.b_free.val();
        self.x_moves.next = self.p3_fire.val()
            & self.p3_cr.q.val()
            & self.is_cursor.val()
            & !self.op_oob.val()
            & !self.op_empty.val()
            & (self.op_gl.val() >= self.cursor.q.val());
        self.b_direct.next = !self.blocked.val() & self.b_free.val() & self.p_empty.val();
        // Priority as ever: query word, load word, copy read, user write. A query word that
        // waits for the pipeline to empty holds snoops back meanwhile.
        self.acc_ok.next =
            !self.blocked.val() & self.p_go.val() & !self.query.fetch.val() & !self.load_want.val();
        if self.b_direct.val() & self.query.fetch.val() {
            self.take_q.next = true;
        } else if self.b_direct.val() & self.load_want.val() {
            self.take_ld.next = true;
        }
        if self.acc_ok.val() & self.tracking.q.val().any() & self.cr_valid.val() {
            self.take_cr.next = true;
        } else if self.acc_ok.val() & self.tracking.q.val().any() & self.uw_valid.val() {
            self.take_uw.next = true;
        }
        if self.p_go.val() {
            self.p1_valid.d.next = self.take_cr.val() | self.take_uw.val();
            self.p1_cr.d.next = self.take_cr.val();
            self.p1_slba.d.next = self.op_slba.val();
            self.p1_nlb.d.next = self.op_nlb.val();
            self.p2_valid.d.next = self.p1_valid.q.val();
            self.p2_cr.d.next = self.p1_cr.q.val();
            self.p2_last.d.next = self.op_last.val();
            self.p2_s63.d.next = self.p1_slba.q.val().get_bit(63);
            self.p2_empty.d.next = self.a_empty.val();
            self.p2_g0.d.next = self.a_g0.val();
            self.p3_valid.d.next = self.p2_valid.q.val();
            self.p3_cr.d.next = self.p2_cr.q.val();
            self.p3_wrap.d.next = self.x_wrap.val();
            self.p3_oob.d.next = self.x_oob.val();
            self.p3_empty.d.next = self.p2_empty.q.val();
            self.p3_g0.d.next = self.p2_g0.q.val();
            self.p3_gl.d.next = self.x_glraw.val();
            if self.x_oob.val() {
                self.p3_gl.d.next = self.ns_last.q.val();
            }
            self.p3_gapm1.d.next = self.gap_end.val() - 1;
            // Only a copy read in P3 moves the cursor while snoops are in the pipeline
            // (commands run with it empty), and only when it fires, which p_go includes.
            self.p3_gt.d.next = self.p2_g0.q.val() > self.cursor.q.val();
            if self.x_moves.val() {
                self.p3_gt.d.next =
                    self.p2_g0.q.val() > ((self.op_gl.val() + 1) & self.k_gmask.val());
            }
        }
        if self.ci_valid.val() {
            self.lb_valid.next = true;
            self.lb_kind.next = self.ci_kind.val();
            self.lb_lo.next = self.ci_lo.val();
            self.lb_hi.next = self.ci_hi.val();
        } else if self.p3_fire.val() {
            // The cursor is read and moved only here, as the operation enters B, so an
            // operation sees every earlier one's cursor move.
            if self.p3_cr.q.val() {
                if !self.op_oob.val() & !self.op_empty.val() {
                    if self.is_bitmap.val() | self.is_clear.val() {
                        self.lb_valid.next = true;
                        self.lb_kind.next = Kind::Crc;
                        if self.is_bitmap.val() {
                            self.lb_kind.next = Kind::Crb;
                        }
                        self.lb_lo.next = self.op_g0.val();
                        self.lb_hi.next = self.op_gl.val();
                    }
                    if self.is_cursor.val() & self.p3_gt.q.val() & self.win_open.q.val() {
                        // The server jumped over promised granules: they must be copied again.
                        self.lb_valid.next = true;
                        self.lb_kind.next = Kind::Mark;
                        self.lb_lo.next = self.cursor.q.val();
                        self.lb_hi.next = self.p3_gapm1.q.val();
                    }
                }
            } else if !self.op_empty.val() {
                self.lb_valid.next = true;
                self.lb_kind.next = Kind::Mark;
                if (self.is_cursor.val() | self.is_bitmap.val()) & !self.op_oob.val() {
                    self.lb_kind.next = Kind::Uw;
                }
                self.lb_lo.next = self.op_g0.val();
                self.lb_hi.next = self.op_gl.val();
            }
        } else if self.take_q.val() {
            self.lb_valid.next = true;
            self.lb_kind.next = Kind::QrdP;
            if self.query.src_active.val() {
                self.lb_kind.next = Kind::QrdA;
            }
            self.lb_lo.next = self.query.next_word.val() << 6;
            self.lb_hi.next = (self.query.next_word.val() << 6) | self.k_low6.val();
        } else if self.take_ld.val() {
            self.lb_valid.next = true;
            self.lb_kind.next = Kind::Load;
            self.lb_lo.next = self.load.word.val() << 6;
            self.lb_hi.next = (self.load.word.val() << 6) | self.k_low6.val();
            if self.load.at_last.val() {
                self.lb_hi.next = self.ns_last.q.val();
            }
        }
        // B loads whenever it is free (lb_valid implies b_free), so its many flops are
        // enabled by b_free and only b_valid waits for the arbitration.
        if self.b_free.val() {
            self.b_valid.d.next = self.lb_valid.val();
            self.b_kind.d.next = self.lb_kind.val();
            self.b_w.d.next = (self.lb_lo.val() & self.k_gmask.val()) >> 6;
            self.b_wlast.d.next = (self.lb_hi.val() & self.k_gmask.val()) >> 6;
            self.b_lo.d.next = self.lb_lo.val().get_bits::<6>(0);
            self.b_hi.d.next = self.lb_hi.val().get_bits::<6>(0);
            self.b_first.d.next = true;
            self.b_data.d.next = self.ld_tdata.val();
        }
        self.query.take.next = self.take_q.val();
        self.load.take.next = self.take_ld.val();
        // Snoops while stopped are not tracked: accept and drop them.
        self.uw_ready.next =
            self.take_uw.val() | (!self.tracking.q.val().any() & !self.blocked.val());
        self.cr_ready.next =
            self.take_cr.val() | (!self.tracking.q.val().any() & !self.blocked.val());
        // A load beat with no load open is dropped with ERR_LOAD.
        self.ld_tready.next = self.take_ld.val() | (!self.load.is_open.val() & !self.blocked.val());
        if self.ld_tvalid.val() & !self.load.is_open.val() & !self.blocked.val() {
            self.raise_acc.next = self.k_e_load.val();
        }
        // The statistics count each snoop as it enters B.
        self.stats.write_seen.next = self.p3_fire.val() & !self.p3_cr.q.val();
        self.stats.copy_seen.next = self.p3_fire.val() & self.p3_cr.q.val();
        // The cursor and range errors: as a copy read enters B.
        if self.p3_fire.val()
            & self.p3_cr.q.val()
            & self.is_cursor.val()
            & !self.op_oob.val()
            & !self.op_empty.val()
        {
            if self.p3_gt.q.val() & self.win_open.q.val() {
                self.raise_pipe.next = self.k_e_cursor_gap.val();
            }
            // op_gl < capacity, so this is op_gl + 1 > cursor without the carry.
            if self.x_moves.val() {
                self.cursor.d.next = (self.op_gl.val() + 1) & self.k_gmask.val();
                // The new CURSOR < PLAN_END, also without the carry.
                self.win_open.d.next =
                    self.plan_end.q.val().any() & (self.op_gl.val() < self.plan_last.q.val());
            }
        }
        if self.p3_fire.val() {
            if self.op_wrap.val() {
                self.raise_pipe.next = self.k_e_lba_wrap.val();
            } else if self.op_oob.val() {
                self.raise_pipe.next = self.k_e_lba_range.val();
            }
        }

        // ------------------------------------------------------------ S1: read ------------
        self.ram0.read_address.next = bit_cast::<A, 32>(self.s1_w.q.val());
        self.ram1.read_address.next = bit_cast::<A, 32>(self.s1_w.q.val());
        self.s2_valid.d.next = self.s1_valid.q.val();
        self.s2_kind.d.next = self.s1_kind.q.val();
        self.s2_w.d.next = self.s1_w.q.val();
        // Decide here, off S2's RAM-to-RAM path, what S2 does to each buffer: first per
        // logical buffer (active a, passive p), then mapped onto the RAMs by `sel`.
        self.s2_mask.d.next = self.s1_mask.q.val();
        self.s2_skipc.d.next = 0u64.into();
        self.la_op.next = RamOp::Keep;
        self.lp_op.next = RamOp::Keep;
        self.s2_bmskip.d.next = 0u64.into();
        self.s2_qpush.d.next = false;
        self.s2_qfrom1.d.next = !self.sel.q.val();
        match self.s1_kind.q.val() {
            Kind::Uw => {
                if self.is_bitmap.val() {
                    self.la_op.next = RamOp::SetNp;
                    self.s2_bmskip.d.next = self.ones.val();
                } else {
                    // Cursor: the window's bits are skipped, the rest set.
                    self.la_op.next = RamOp::Set;
                    if self.s1_win_in.q.val() {
                        self.s2_mask.d.next = self.s1_mask.q.val() & !self.s1_win.q.val();
                        self.s2_skipc.d.next = self.s1_mask.q.val() & self.s1_win.q.val();
                    }
                }
            }
            Kind::Mark => self.la_op.next = RamOp::Set,
            Kind::Crb => self.lp_op.next = RamOp::Clr,
            Kind::Crc => self.la_op.next = RamOp::Clr,
            Kind::Fold => {
                self.la_op.next = RamOp::OrIn;
                self.lp_op.next = RamOp::Zero;
            }
            Kind::Load => {
                self.lp_op.next = RamOp::Load;
                self.s2_mask.d.next = self.s1_data.q.val() & self.s1_mask.q.val();
                if (self.s1_data.q.val() & !self.s1_mask.q.val()).any() & self.s1_valid.q.val() {
                    self.raise_s2.next = self.k_e_load.val();
                }
            }
            Kind::QrdA => {
                self.s2_qpush.d.next = self.s1_valid.q.val();
                self.s2_qfrom1.d.next = self.sel.q.val();
            }
            _ => self.s2_qpush.d.next = self.s1_valid.q.val(),
        }
        // The active buffer's change is counted, except for passive-only operations.
        self.s2_cnt1.d.next = self.sel.q.val()
            ^ ((self.s1_kind.q.val() == Kind::Crb) | (self.s1_kind.q.val() == Kind::Load));
        self.s2_pas1.d.next = !self.sel.q.val();
        if !self.s1_valid.q.val() {
            self.la_op.next = RamOp::Keep;
            self.lp_op.next = RamOp::Keep;
        }
        self.s2_we0.d.next = self.la_op.val() != RamOp::Keep;
        self.s2_we1.d.next = self.lp_op.val() != RamOp::Keep;
        self.s2_op0.d.next = self.la_op.val();
        self.s2_op1.d.next = self.lp_op.val();
        if self.sel.q.val() {
            self.s2_we0.d.next = self.lp_op.val() != RamOp::Keep;
            self.s2_we1.d.next = self.la_op.val() != RamOp::Keep;
            self.s2_op0.d.next = self.lp_op.val();
            self.s2_op1.d.next = self.la_op.val();
        }
        // The clear engine's write next cycle (`clear.we*`) takes the RAM over.
        if self.clear.zero0.val() {
            self.s2_op0.d.next = RamOp::Zero;
        }
        if self.clear.zero1.val() {
            self.s2_op1.d.next = RamOp::Zero;
        }

        // ---------------------------------------------------- S2: modify and write --------
        // A RAM read in the cycle of a write to the same word returns the old data: take
        // the previous cycle's write instead (S1 compared the addresses).
        self.own0.next = self.ram0.read_data.val();
        if self.s2_hit0.q.val() {
            self.own0.next = self.fwd0_data.q.val();
        }
        self.own1.next = self.ram1.read_data.val();
        if self.s2_hit1.q.val() {
            self.own1.next = self.fwd1_data.q.val();
        }
        // The same function for each RAM, its own word and the other's swapped. (As a
        // sub-block it would read S2's words and feed S2's writes, a false loop through
        // the top's one always block that Verilator cannot schedule statically.)
        match self.s2_op0.q.val() {
            RamOp::Keep => self.new0.next = self.own0.val(),
            RamOp::Set => self.new0.next = self.own0.val() | self.s2_mask.q.val(),
            RamOp::SetNp => {
                self.new0.next = self.own0.val() | (self.s2_mask.q.val() & !self.own1.val())
            }
            RamOp::Clr => self.new0.next = self.own0.val() & !self.s2_mask.q.val(),
            RamOp::OrIn => self.new0.next = self.own0.val() | self.own1.val(),
            RamOp::Zero => self.new0.next = 0u64.into(),
            RamOp::Load => self.new0.next = self.s2_mask.q.val(),
        }
        match self.s2_op1.q.val() {
            RamOp::Keep => self.new1.next = self.own1.val(),
            RamOp::Set => self.new1.next = self.own1.val() | self.s2_mask.q.val(),
            RamOp::SetNp => {
                self.new1.next = self.own1.val() | (self.s2_mask.q.val() & !self.own0.val())
            }
            RamOp::Clr => self.new1.next = self.own1.val() & !self.s2_mask.q.val(),
            RamOp::OrIn => self.new1.next = self.own1.val() | self.own0.val(),
            RamOp::Zero => self.new1.next = 0u64.into(),
            RamOp::Load => self.new1.next = self.s2_mask.q.val(),
        }
        self.change.next = self.new0.val() ^ self.own0.val();
        if self.s2_cnt1.q.val() {
            self.change.next = self.new1.val() ^ self.own1.val();
        }
        self.skip.next = self.s2_skipc.q.val()
            | (self.s2_bmskip.q.val() & self.s2_mask.q.val() & self.own0.val());
        if self.s2_pas1.q.val() {
            self.skip.next = self.s2_skipc.q.val()
                | (self.s2_bmskip.q.val() & self.s2_mask.q.val() & self.own1.val());
        }
        self.query.push.next = self.s2_qpush.q.val();
        self.query.push_data.next = self.own0.val();
        if self.s2_qfrom1.q.val() {
            self.query.push_data.next = self.own1.val();
        }
        // Physical RAM ports: the clear engine first (its `Zero` code is in S2's op), then
        // the datapath.
        self.we0.next = self.s2_we0.q.val() | self.clear.we0.val();
        self.wa0.next = self.s2_w.q.val();
        if self.clear.we0.val() {
            self.wa0.next = self.clear.wa.val();
        }
        self.wd0.next = self.new0.val();
        self.we1.next = self.s2_we1.q.val() | self.clear.we1.val();
        self.wa1.next = self.s2_w.q.val();
        if self.clear.we1.val() {
            self.wa1.next = self.clear.wa.val();
        }
        self.wd1.next = self.new1.val();
        self.ram0.write_enable.next = self.we0.val();
        self.ram0.write_address.next = bit_cast::<A, 32>(self.wa0.val());
        self.ram0.write_data.next = self.wd0.val();
        self.ram1.write_enable.next = self.we1.val();
        self.ram1.write_address.next = bit_cast::<A, 32>(self.wa1.val());
        self.ram1.write_data.next = self.wd1.val();
        self.fwd0_data.d.next = self.wd0.val();
        self.fwd1_data.d.next = self.wd1.val();
        self.s2_hit0.d.next = self.we0.val() & (self.wa0.val() == self.s1_w.q.val());
        self.s2_hit1.d.next = self.we1.val() & (self.wa1.val() == self.s1_w.q.val());
        self.s3_valid.d.next = self.s2_valid.q.val();
        self.s3_kind.d.next = self.s2_kind.q.val();
        self.s3_change.d.next = self.change.val();
        self.s3_skip.d.next = self.skip.val();
        self.s3_cnt1.d.next = self.s2_cnt1.q.val();

        // ---------------------------------------------------------- S3: count -------------
        // Each word operation changes the active or the passive popcount by the changed bits:
        // S3 counts them, S4 adds the counts (a query word changes nothing: it stops here).
        self.pop_change.word.next = self.s3_change.q.val();
        self.pop_skip.word.next = self.s3_skip.q.val();
        self.s4_valid.d.next = self.s3_valid.q.val() & !self.s3_is_q.val();
        self.s4_kind.d.next = self.s3_kind.q.val();
        self.s4_cnt1.d.next = self.s3_cnt1.q.val();
        self.s4_pc.d.next = self.pop_change.count.val();
        self.s4_skipc.d.next = self.pop_skip.count.val();

        // ---------------------------------------------------------- S4: add ---------------
        self.pc.next = bit_cast::<32, 7>(self.s4_pc.q.val());
        self.d_cnt.next = self.pc.val();
        self.d_neg.next = 0u64.into();
        if (self.s4_kind.q.val() == Kind::Crb) | (self.s4_kind.q.val() == Kind::Crc) {
            self.d_cnt.next = !self.pc.val();
            self.d_neg.next = 1u64.into();
        }
        if self.s4_valid.q.val() {
            // Only the counted buffer's popcount moves.
            if self.s4_cnt1.q.val() {
                self.cnt1.d.next =
                    (self.cnt1.q.val() + self.d_cnt.val() + self.d_neg.val()) & self.k_gmask.val();
            } else {
                self.cnt0.d.next =
                    (self.cnt0.q.val() + self.d_cnt.val() + self.d_neg.val()) & self.k_gmask.val();
            }
        }
        // S4's word in the statistics: what it set, skipped or cleared.
        self.stats.pc.next = bit_cast::<7, 32>(self.pc.val());
        self.stats.skipc.next = self.s4_skipc.q.val();
        self.stats.set_en.next = self.s4_valid.q.val()
            & ((self.s4_kind.q.val() == Kind::Uw)
                | (self.s4_kind.q.val() == Kind::Mark)
                | (self.s4_kind.q.val() == Kind::Fold));
        self.stats.skipped_en.next = self.s4_valid.q.val() & (self.s4_kind.q.val() == Kind::Uw);
        self.stats.cleared_en.next = self.s4_valid.q.val()
            & ((self.s4_kind.q.val() == Kind::Crb) | (self.s4_kind.q.val() == Kind::Crc));

        // ----------------------------------------------------------- clear engine ---------
        self.clear.clock.next = self.clock.val();
        self.clear.reset.next = self.reset.val();
        self.clear.ns_last_w.next = self.ns_last_w.q.val();
        if self.clear.done0.val() {
            self.zero_cnt0.next = true;
        }
        if self.clear.done1.val() {
            self.zero_cnt1.next = true;
        }
        if self.clear.done_irq.val() {
            self.irq_set.next = self.k_i_clear_done.val();
        }

        // Zeroes after S4's adds: the count of a buffer the clear engine finishes this cycle
        // ends at zero, and a command never zeroes a count S4 adds to in the same cycle
        // (commands run with the pipeline empty). Flat and last, each zero becomes its
        // flops' synchronous reset instead of a gate behind every sum bit.
        self.stats.zero.next = self.zero_stats.val();
        if self.zero_cnt0.val() {
            self.cnt0.d.next = 0u64.into();
        }
        if self.zero_cnt1.val() {
            self.cnt1.d.next = 0u64.into();
        }

        // --------------------------------------------------------- query stream -----------
        self.query.push_last.next = self.s2_w.q.val() == self.ns_last_w.q.val();
        if self.query.done.val() {
            self.irq_set.next = self.k_i_query_done.val();
        }

        // ------------------------------------------------------ AXI4-Lite slave -----------
        self.axil.clock.next = self.clock.val();
        self.axil.reset.next = self.reset.val();
        self.axil.s_axil_awaddr.next = self.s_axil_awaddr.val();
        self.axil.s_axil_awvalid.next = self.s_axil_awvalid.val();
        self.s_axil_awready.next = self.axil.s_axil_awready.val();
        self.axil.s_axil_wdata.next = self.s_axil_wdata.val();
        self.axil.s_axil_wstrb.next = self.s_axil_wstrb.val();
        self.axil.s_axil_wvalid.next = self.s_axil_wvalid.val();
        self.s_axil_wready.next = self.axil.s_axil_wready.val();
        self.s_axil_bresp.next = self.axil.s_axil_bresp.val();
        self.s_axil_bvalid.next = self.axil.s_axil_bvalid.val();
        self.axil.s_axil_bready.next = self.s_axil_bready.val();
        self.axil.s_axil_araddr.next = self.s_axil_araddr.val();
        self.axil.s_axil_arvalid.next = self.s_axil_arvalid.val();
        self.s_axil_arready.next = self.axil.s_axil_arready.val();
        self.s_axil_rdata.next = self.axil.s_axil_rdata.val();
        self.s_axil_rresp.next = self.axil.s_axil_rresp.val();
        self.s_axil_rvalid.next = self.axil.s_axil_rvalid.val();
        self.axil.s_axil_rready.next = self.s_axil_rready.val();

        // ------------------------------------------------------ register writes -----------
        self.wr_op.next = bit_cast::<4, 32>(self.axil.wr_data.val() >> self.k_f_opcode.val());
        self.cmd_decode.op.next = self.wr_op.val();
        // A statement of its own, on the address alone: nested in the write decode below it
        // would tie the slave's response logic and this block's into one combinational
        // loop for Verilator's scheduler (UNOPTFLAT).
        self.csr_wr_err.next = !((self.axil.wr_addr.val() == self.k_config.val())
            | (self.axil.wr_addr.val() == self.k_ns_lo.val())
            | (self.axil.wr_addr.val() == self.k_ns_hi.val())
            | (self.axil.wr_addr.val() == self.k_cmd.val())
            | (self.axil.wr_addr.val() == self.k_err.val())
            | (self.axil.wr_addr.val() == self.k_irq_status.val())
            | (self.axil.wr_addr.val() == self.k_irq_enable.val())
            | (self.axil.wr_addr.val() == self.k_plan_start.val())
            | (self.axil.wr_addr.val() == self.k_plan_end.val())
            | (self.axil.wr_addr.val() == self.k_mark_first.val())
            | (self.axil.wr_addr.val() == self.k_mark_end.val()));
        self.axil.wr_err.next = self.csr_wr_err.val();
        if self.axil.wr_en.val() {
            if self.axil.wr_addr.val() == self.k_cmd.val() {
                if self.cmd_busy.val() {
                    self.raise_cmd.next = self.k_e_cmd_state.val();
                } else {
                    self.cmd_pending.d.next = true;
                    self.cx_nop.d.next = self.cmd_decode.nop.val();
                    self.cx_bad.d.next = self.cmd_decode.bad.val();
                    self.cx_trk.d.next = self.cmd_decode.needs_tracking.val();
                    self.cx_strm.d.next = self.cmd_decode.refused_while_streaming.val();
                    self.cx_ldst.d.next = self.cmd_decode.load_or_start.val();
                    self.cx_start.d.next = self.cmd_decode.start.val();
                    self.cx_stop.d.next = self.cmd_decode.stop.val();
                    self.cx_query.d.next = self.cmd_decode.query.val();
                    self.cx_swap.d.next = self.cmd_decode.swap.val();
                    self.cx_release.d.next = self.cmd_decode.release_op.val();
                    self.cx_plan.d.next = self.cmd_decode.set_plan.val();
                    self.cx_mark.d.next = self.cmd_decode.mark.val();
                    self.cmd_src.d.next = (self.axil.wr_data.val()
                        & (bits::<32>(1) << self.k_f_query_src.val()))
                    .any();
                }
            } else if self.axil.wr_addr.val() == self.k_err.val() {
                self.err_clear.next = self.axil.wr_data.val();
            } else if self.axil.wr_addr.val() == self.k_irq_status.val() {
                self.irq_clear.next = self.axil.wr_data.val();
            }
        }
        self.params.clock.next = self.clock.val();
        self.params.reset.next = self.reset.val();
        self.params.wr_en.next = self.axil.wr_en.val();
        self.params.wr_addr.next = self.axil.wr_addr.val();
        self.params.wr_data.next = self.axil.wr_data.val();

        // What each register reads; the decode itself (`csr_read.rs`) is rendered from the map.
        self.csr_read.addr.next = self.axil.rd_addr.val();
        self.csr_read.rd_id.next = self.k_id_value.val();
        self.csr_read.rd_capacity.next = self.k_capacity_value.val();
        self.csr_read.rd_config.next = self.params.cfg.val();
        self.csr_read.rd_ns_lbas_lo.next = self.params.ns_lbas.val().get_bits::<32>(0);
        self.csr_read.rd_ns_lbas_hi.next = self.params.ns_lbas.val().get_bits::<32>(32);
        self.csr_read.rd_status.next = self.status.val();
        self.csr_read.rd_err.next = self.err_irq.err.val();
        self.csr_read.rd_irq_status.next = self.err_irq.irq_status.val();
        self.csr_read.rd_irq_enable.next = self.err_irq.irq_enable.val();
        self.csr_read.rd_plan_start.next = self.params.plan_start.val();
        self.csr_read.rd_plan_end.next = self.params.plan_end.val();
        self.csr_read.rd_cursor.next = self.cursor.q.val();
        self.csr_read.rd_mark_first.next = self.params.mark_first.val();
        self.csr_read.rd_mark_end.next = self.params.mark_end.val();
        self.csr_read.rd_swap_count.next = self.swap_count.q.val();
        self.csr_read.rd_active_count.next = self.cnt_active.val();
        self.csr_read.rd_passive_count.next = self.cnt_passive.val();
        self.csr_read.rd_ns_granules.next = self.ns_granules.q.val();
        self.csr_read.rd_writes_seen_lo.next = self.stats.writes_lo.val();
        self.csr_read.rd_writes_seen_hi.next = self.stats.writes_hi.val();
        self.csr_read.rd_bits_set_lo.next = self.stats.set_lo.val();
        self.csr_read.rd_bits_set_hi.next = self.stats.set_hi.val();
        self.csr_read.rd_bits_skipped_lo.next = self.stats.skipped_lo.val();
        self.csr_read.rd_bits_skipped_hi.next = self.stats.skipped_hi.val();
        self.csr_read.rd_copy_reads_seen_lo.next = self.stats.copies_lo.val();
        self.csr_read.rd_copy_reads_seen_hi.next = self.stats.copies_hi.val();
        self.csr_read.rd_bits_cleared_lo.next = self.stats.cleared_lo.val();
        self.csr_read.rd_bits_cleared_hi.next = self.stats.cleared_hi.val();
        self.axil.rd_data.next = self.csr_read.rdata.val();
        self.axil.rd_err.next = self.csr_read.err.val();
        // Reading a counter's LO word latches its HI word (bit order: regs::COUNTERS).
        self.stats.latch.next = 0u64.into();
        if self.axil.rd_en.val() {
            self.stats.latch.next = self.csr_read.latch_hi.val();
        }
        self.stats.clock.next = self.clock.val();
        self.stats.reset.next = self.reset.val();

        // ------------------------------------------------- error flags and interrupt ------
        self.err_irq.clock.next = self.clock.val();
        self.err_irq.reset.next = self.reset.val();
        self.err_irq.raise.next = self.raise_acc.val()
            | self.raise_pipe.val()
            | self.raise_cmd.val()
            | self.raise_s2.val();
        self.err_irq.events.next = self.irq_set.val();
        self.err_irq.err_clear.next = self.err_clear.val();
        self.err_irq.irq_clear.next = self.irq_clear.val();
        self.err_irq.enable_we.next =
            self.axil.wr_en.val() & (self.axil.wr_addr.val() == self.k_irq_enable.val());
        self.err_irq.enable_data.next = self.axil.wr_data.val();
        self.irq.next = self.err_irq.irq.val();

        // ------------------------------------------------------------------ reset ---------
        if self.reset.val() {
            self.tracking.d.next = 0u64.into();
            self.method.d.next = 0u64.into();
            self.shift.d.next = 0u64.into();
            self.ns_lbas.d.next = 0u64.into();
            self.ns_granules.d.next = 0u64.into();
            self.ns_words.d.next = 0u64.into();
            self.loaded.d.next = false;
            self.plan_end.d.next = 0u64.into();
            self.cursor.d.next = 0u64.into();
            self.sel.d.next = false;
            self.swap_count.d.next = 0u64.into();
            self.cnt0.d.next = 0u64.into();
            self.cnt1.d.next = 0u64.into();
            self.cmd_pending.d.next = false;
            self.cstate.d.next = Cmd::Idle;
            self.p1_valid.d.next = false;
            self.p2_valid.d.next = false;
            self.p3_valid.d.next = false;
            self.b_valid.d.next = false;
            self.s1_valid.d.next = false;
            self.s2_valid.d.next = false;
            self.s3_valid.d.next = false;
            self.s4_valid.d.next = false;
            self.s2_hit0.d.next = false;
            self.s2_hit1.d.next = false;
        }
    }
}
