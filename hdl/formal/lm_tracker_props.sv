// Formal property wrapper of the lm_tracker snoop block (`lmsnoop formal`).
//
// Checks the generated Verilog (hdl/generated/lm_tracker_formal.v, top `LM_DUT`) against a
// shadow of the specification (sim/src/golden.rs, /work/shared/DESIGN.md) kept for ONE
// symbolic granule `g` ($anyconst: every granule at once). The shadow is fed only by the
// DUT's ports (accepted CSR writes, snoop and load beats, query pops) and follows the golden
// model operation by operation, in the order the RTL accepts them (a command takes effect
// after the snoop accepted in the cycle of its CMD write; snoops are blocked until it is done).
//
// `lm_formal_defs.svh` is written by `lmsnoop formal` from hdl/src/regs.rs (addresses,
// fields, opcodes, method codes) and the build parameters (DUT name, RAM address width).
//
// Three models are checked (assume-guarantee on the decode and on the passive count): the
// decode model is this file with the whole block and proves decode_ok; the control model
// (LM_CUT_DECODE) cuts the block's decode nets and proves every other property for any
// decode values the spec allows, so the solvers never meet the 64-bit LBA arithmetic
// there. It also cuts the CSR slave's write port, proven alone, so that registers may be
// written in every cycle. The lemma model (LM_LEMMA) is the control model with the flag
// "passive count nonzero" (`lemma` probes) cut as well and constrained by passive_zero,
// which the control model checks: swap_clean is checked there, free of the popcount
// arithmetic behind the flag (see passive_zero).
//
// ---- Internal DUT names this wrapper relies on: this list is the ONLY place ------------
// Yosys 0.23 does not resolve hierarchical references, so each probe is a wire of this
// module left undriven here; `lmsnoop formal` reads the `// probe:` lines below and, after
// `flatten`, drives each probe from the named net of the flattened DUT (`connect -set`).
// A name that no longer exists makes yosys fail: update this list after an RTL rewrite.
//   ram0/ram1: the two bitmap buffers (rust-hdl RAM, one write port each, 64-bit words);
//   sel:       0 = ram0 holds the active buffer, 1 = ram1 does; a swap flips it;
//   busy:      STATUS.BUSY (the status_busy property checks that reads return it);
//   cmd_busy:  a command is pending or executing, or the clear engine runs;
//   p_empty, b_valid, s1_valid, s2_valid, *_is_q: the accept pipeline holds no snoop; the
//              walker B and the stages S1, S2 hold an operation, and it is a query read
//              (which writes nothing); together: a snoop has yet to write the bitmaps
//              (BUSY also waits for the count stages S3, S4);
//   cmd_pending, cstate: a CMD write is waiting, and the command engine's state (the
//              enum's Idle is encoded 0); E2 reads them;
//   op_*:      the decode (first and last granule, out of range, empty) of the snoop in
//              the accept pipeline's last stage P3, checked by decode_ok;
//   a_*, x_*:  the decode's arithmetic, entering P2 (first granule, empty) and P3 (raw
//              last granule, out of range, wrap); `cut` marks the nets the control model
//              replaces by free values (LM_CUT_DECODE below);
//   p_go, p3_fire, p3_valid: the accept pipeline (P1..P3) advances, P3 hands its snoop
//              to the range walker, P3 holds a snoop;
//   shift, ns_lbas, ns_granules: the latched geometry, checked by inv_geometry;
//   err, irq_status: the ERR and IRQ_STATUS flags (the err_irq unit's outputs);
//   writes_lo, copies_lo: WRITES_SEEN and COPY_READS_SEEN, bits [31:0];
//   set_lo, skipped_lo, cleared_lo: BITS_SET, BITS_SKIPPED and BITS_CLEARED, bits [31:0];
//   s2_kind, s2_cnt1, s2_w, skip: the kind of S2's operation (the enum in declaration
//              order: Uw 0, Mark 1, Crb 2, Crc 3, ...), whether it counts against RAM1
//              (else RAM0), its word, and the bits of it a user write skipped;
//   wr_*:      the CSR slave's write port to the registers (a full write this cycle, its
//              address and data); the control model cuts it (see `wr` below);
//   pas_nz, cx_swap, sd_settled: the registered "passive buffer's live count is nonzero"
//              that a SWAP reads to decide whether the passive buffer needs its residue
//              pass, the executing command is a SWAP (it reads the flag in Exec), and
//              SwapDrain's "pipeline drained two cycles" (it reads the flag again then);
//              the lemma model cuts pas_nz (`lemma`).
// probe: p_we0 = dut.ram0$write_enable
// probe: p_wa0 = dut.ram0$write_address
// probe: p_wd0 = dut.ram0$write_data
// probe: p_we1 = dut.ram1$write_enable
// probe: p_wa1 = dut.ram1$write_address
// probe: p_wd1 = dut.ram1$write_data
// probe: p_sel = dut.sel$q
// probe: p_busy = dut.busy
// probe: p_cmd_busy = dut.cmd_busy
// probe: p_p_empty = dut.p_empty
// probe: p_b_valid = dut.b_valid$q
// probe: p_b_is_q = dut.b_is_q
// probe: p_s1_valid = dut.s1_valid$q
// probe: p_s1_is_q = dut.s1_is_q
// probe: p_s2_valid = dut.s2_valid$q
// probe: p_s2_is_q = dut.s2_is_q
// probe: p_cmd_pending = dut.cmd_pending$q
// probe: p_cstate = dut.cstate$q
// probe: p_op_g0 = dut.op_g0
// probe: p_op_gl = dut.op_gl
// probe: p_op_oob = dut.op_oob
// probe: p_op_empty = dut.op_empty
// probe: p_a_g0 = dut.a_g0 cut
// probe: p_a_empty = dut.a_empty cut
// probe: p_x_glraw = dut.x_glraw cut
// probe: p_x_oob = dut.x_oob cut
// probe: p_x_wrap = dut.x_wrap cut
// probe: p_go = dut.p_go
// probe: p_p3_fire = dut.p3_fire
// probe: p_p3_valid = dut.p3_valid$q
// probe: p_p1_valid = dut.p1_valid$q
// probe: p_p2_valid = dut.p2_valid$q
// probe: p_p1_cr = dut.p1_cr$q
// probe: p_p2_cr = dut.p2_cr$q
// probe: p_p3_cr = dut.p3_cr$q
// probe: p_shift = dut.shift$q
// probe: p_ns = dut.ns_lbas$q
// probe: p_gran = dut.ns_granules$q
// probe: p_err = dut.err_irq$err
// probe: p_irq_status = dut.err_irq$irq_status
// probe: p_wlo = dut.stats$writes_lo
// probe: p_clo = dut.stats$copies_lo
// probe: p_slo = dut.stats$set_lo
// probe: p_klo = dut.stats$skipped_lo
// probe: p_xlo = dut.stats$cleared_lo
// probe: p_s2_kind = dut.s2_kind$q
// probe: p_s2_cnt1 = dut.s2_cnt1$q
// probe: p_s2_w = dut.s2_w$q
// probe: p_skip = dut.skip
// probe: p_wr_en = dut.axil$wr_en cut
// probe: p_wr_addr = dut.axil$wr_addr cut
// probe: p_wr_data = dut.axil$wr_data cut
// probe: p_pas_nz = dut.pas_nz$q lemma
// probe: p_cx_swap = dut.cx_swap$q
// probe: p_sd_settled = dut.sd_settled$q
// ------------------------------------------------------------------------------------------
//
// Environment (assumptions; everything else is a free input every cycle):
//  E1 reset is high in the first cycle and low afterwards.
//  E2 the host follows the firmware's command protocol: it writes the parameter registers
//     a command latches (CONFIG, NS_LBAS_*, PLAN_*, MARK_*) only after a STATUS read
//     returned BUSY == 0 following its previous CMD, and it streams load words only after
//     the LOAD completed. The wrapper assumes just what the block relies on: no parameter
//     write and no load beat while a command is pending or executing (`cmd_pending`,
//     `cstate != Idle`). That is weaker than the protocol: it allows every other cycle,
//     including those of the clear engine after reset or RELEASE (BUSY == 1), and spares
//     every trace the STATUS round trips. CMD itself may be written in any cycle: one
//     written while a command runs or the clear engine works (`cmd_busy`) is refused with
//     ERR_CMD_STATE (hardware.md), and the shadow ignores it too.
//  E3 while its query stream is open the host issues no QUERY, SWAP or RELEASE (the RTL
//     refuses them with ERR_STREAM_BUSY when it executes them, and the stream may close in
//     between: the refusal is not observable at the CMD write).
//
// Properties (assert), for the granule g:
//  safety_*      a user write's bit is skipped only when the spec allows it at that point:
//                every user write that covers g and may not be skipped (cursor: g outside
//                [PLAN_START, PLAN_END) or below CURSOR; bitmap: passive bit of g clear;
//                naive/clear/out-of-range: never skipped) leaves an obligation that follows
//                the spec's data movement (active, then passive after a swap) until the spec
//                itself clears it; in every cycle the bitmaps are settled (no command runs
//                and no snoop is before S2's write: every cycle with BUSY == 0, when
//                hardware.md promises that every accepted operation has reached the bitmaps,
//                and also those where only the count stages are busy) each obligation holds
//                in the RTL's RAM bit of g (_active / _passive buffer).
//  no_lost_*     the same check for every bit the spec has set (marks, cursor gaps, window
//                closes, folds, loads included): settled bitmaps hold a superset of the
//                spec's bits of g.
//  status_busy   a STATUS read returns the BUSY of the cycle it was accepted in, so the
//                firmware's polling sees the idle cycles the checks above are made in.
//  status_state  a STATUS read accepted while BUSY == 0 returns the spec's TRACKING and
//                LATCHED_METHOD: what the firmware's state-loss check (TRACKING low under
//                a session) and its re-attach after a restart (the latched method) read.
//  conservative  the RTL's active-buffer bit of g goes 1 -> 0 (a RAM write while that RAM
//                is the active one) only while a clear-method copy read covering g, or a
//                STOP, accepted since the block was last idle, is in flight.
//  swap_clean    when `sel` flips (a swap completes), the new active buffer's bit of g is 0.
//  decode_ok     the DUT's decode of every accepted snoop (first and last granule, out of
//                range, empty) equals the spec's arithmetic on SLBA, NLB, NS_LBAS and the
//                granule shift; the shadow's other properties use the DUT's decode.
//  err_sticky    an ERR flag falls only in the cycle after a host write of 1 to it (W1C).
//  irq_sticky    the same for IRQ_STATUS.
//  irq_line      the irq output is |(IRQ_STATUS & IRQ_ENABLE), IRQ_ENABLE being what the
//                host last wrote (its defined bits).
//  irq_error     an ERR flag that rises raises IRQ_STATUS.ERROR with it.
//  irq_swap_done a completed swap (`sel` flips) raises IRQ_STATUS.SWAP_DONE with it.
//  read_data     a read of ERR, IRQ_STATUS, IRQ_ENABLE, WRITES_SEEN_LO or
//                COPY_READS_SEEN_LO returns the register's value in the cycle it was
//                accepted in.
//  writes_seen,  in every cycle but those of a START, WRITES_SEEN and COPY_READS_SEEN plus
//  copy_reads_seen the user writes and copy reads still in P1..P3 (counted as P3 hands them
//                on) are exactly those accepted while tracking since the last START (bits
//                [31:0]; the counters' wrap at 48 bits and the HI latch are proven on the
//                unit, hdl/formal/units/stat_counters.sv).
//  bits_set     a RAM write that sets g's bit in the active buffer (a user write, a mark,
//                a fold) has raised BITS_SET three cycles later, when S3 has counted it
//                and S4 added the count;
//  bits_cleared  a copy read's RAM write that clears g's bit in the buffer it drains
//                (bitmap: passive; clear: active) has raised BITS_CLEARED by then;
//  bits_skipped  a user write that skips g in S2 has raised BITS_SKIPPED by then. (The
//                counts' exact values are sums over every granule: the unit proves the
//                counters, hdl/formal/units/stat_counters.sv, and the popcount alone;
//                these check that the block feeds them each event of g.)
//  passive_zero  when a SWAP reads the passive count's zero flag (in Exec, where zero
//                flips at once, and in SwapDrain once drained), a flag that says zero finds
//                g's passive bit clear. The block keeps the live popcounts by adding each
//                word's changed bits, so this is where a counting slip would let a swap
//                leave residue bits in the new active buffer. It is the lemma the lemma
//                model assumes, so the depth it is checked to bounds how far swap_clean's
//                result there holds for the block unconditionally.
//  inv_*         helper invariants (a read in flight carries the BUSY of its sampling cycle)
//                that k-induction needs, and that every BUSY == 0 cycle is a checkpoint;
//                checked like the others.

`include "lm_formal_defs.svh"

module lm_tracker_formal (
    input wire        clock,
    input wire        reset,
    input wire [3:0]  aw_reg,
    input wire [2:0]  ar_reg,
    input wire        s_axil_awvalid,
    input wire [31:0] s_axil_wdata,
    input wire        s_axil_wvalid,
    input wire        s_axil_bready,
    input wire        s_axil_arvalid,
    input wire        s_axil_rready,
    input wire        uw_valid,
    input wire [63:0] uw_slba,
    input wire [15:0] uw_nlb,
    input wire        cr_valid,
    input wire [63:0] cr_slba,
    input wire [15:0] cr_nlb,
    input wire        ld_tvalid,
    input wire [63:0] ld_tdata,
    input wire        q_tready
);
    localparam AW = `LM_ADDR_BITS;   // RAM address width: 2^AW words of 64 granules
    localparam GW = AW + 6;          // granule index width

    wire        s_axil_awready, s_axil_wready, s_axil_bvalid, s_axil_arready, s_axil_rvalid;
    wire [1:0]  s_axil_bresp, s_axil_rresp;
    wire [31:0] s_axil_rdata;
    wire [3:0]  s_axil_wstrb = 4'hF;
    wire        uw_ready, cr_ready, ld_tready, q_tvalid, q_tlast, irq;
    wire [63:0] q_tdata;

    // The host writes the registers a command reads and the flag registers (full words),
    // and reads STATUS, the flags and the two event counters the shadow can count: every
    // register a property speaks of, and only those. Fixing the addresses structurally
    // (not by assumptions) keeps the rest of the read mux out of the problem; each
    // property's cone keeps only the logic it reads (the bitmap properties none of this).
    reg [11:0] s_axil_awaddr, s_axil_araddr;
    always @* case (aw_reg)
        4'd0: s_axil_awaddr = `LM_A_CONFIG;
        4'd1: s_axil_awaddr = `LM_A_NS_LO;
        4'd2: s_axil_awaddr = `LM_A_NS_HI;
        4'd3: s_axil_awaddr = `LM_A_CMD;
        4'd4: s_axil_awaddr = `LM_A_PLAN_START;
        4'd5: s_axil_awaddr = `LM_A_PLAN_END;
        4'd6: s_axil_awaddr = `LM_A_MARK_FIRST;
        4'd7: s_axil_awaddr = `LM_A_MARK_END;
        4'd8: s_axil_awaddr = `LM_A_ERR;
        4'd9: s_axil_awaddr = `LM_A_IRQ_STATUS;
        default: s_axil_awaddr = `LM_A_IRQ_ENABLE;
    endcase
    always @* case (ar_reg)
        3'd1: s_axil_araddr = `LM_A_ERR;
        3'd2: s_axil_araddr = `LM_A_IRQ_STATUS;
        3'd3: s_axil_araddr = `LM_A_IRQ_ENABLE;
        3'd4: s_axil_araddr = `LM_A_WRITES_LO;
        3'd5: s_axil_araddr = `LM_A_COPIES_LO;
        default: s_axil_araddr = `LM_A_STATUS;
    endcase

    // Every port to the signal of the same name above (`LM_DUT_PORTS`, written from the
    // port table in regs/src/ports.rs).
    `LM_DUT dut (`LM_DUT_PORTS);

    // Probes (driven by `lmsnoop formal`, see the list at the top).
    (* keep *) wire          p_we0, p_we1, p_sel, p_busy, p_cmd_busy, p_cmd_pending;
    (* keep *) wire          p_p_empty, p_b_valid, p_b_is_q, p_s1_valid, p_s1_is_q;
    (* keep *) wire          p_s2_valid, p_s2_is_q;
    (* keep *) wire [3:0]    p_cstate;
    (* keep *) wire [AW-1:0] p_wa0, p_wa1;
    (* keep *) wire [63:0]   p_wd0, p_wd1, p_ns;
    (* keep *) wire [31:0]   p_op_g0, p_op_gl, p_gran;
    (* keep *) wire          p_op_oob, p_op_empty, p_go, p_p3_fire, p_p3_valid;
    (* keep *) wire          p_p1_valid, p_p2_valid, p_p1_cr, p_p2_cr, p_p3_cr;
    (* keep *) wire [31:0]   p_a_g0, p_x_glraw;
    (* keep *) wire          p_a_empty, p_x_oob, p_x_wrap;
    (* keep *) wire [5:0]    p_shift;
    (* keep *) wire [31:0]   p_err, p_irq_status, p_wlo, p_clo, p_slo, p_klo, p_xlo;
    (* keep *) wire [2:0]    p_s2_kind;
    (* keep *) wire          p_s2_cnt1;
    (* keep *) wire [31:0]   p_s2_w;
    (* keep *) wire [63:0]   p_skip;
    (* keep *) wire          p_wr_en;
    (* keep *) wire [11:0]   p_wr_addr;
    (* keep *) wire [31:0]   p_wr_data;
    (* keep *) wire          p_pas_nz, p_cx_swap, p_sd_settled;

    // ---- the symbolic granule -------------------------------------------------------------
    (* anyconst *) reg [GW-1:0] g;
    wire [AW-1:0] g_word = g[GW-1:6];
    wire [5:0]    g_bit = g[5:0];
    wire [31:0]   g32 = {{(32 - GW){1'b0}}, g};

    // ---- E1: reset in the first cycle only -------------------------------------------------
    reg init = 1'b1;
    always @(posedge clock) init <= 1'b0;
    always @* assume(reset == init);

    // ---- port events ------------------------------------------------------------------------
`ifdef LM_CUT_DECODE
    // The control model cuts the CSR slave's write port too (`cut` probes p_wr_*): a
    // register may be written in any cycle, where the AXI4-Lite slave takes a write every
    // other cycle at most (its B response in between). Sound: the slave is proven alone
    // (hdl/formal/units/axil_slave.sv: each full write offered once, with its address and
    // data), so every write sequence it gives is one of these; and the shorter paths bring
    // the deep cases (a skip judged after a swap) within the depth CI checks.
    wire        wr = p_wr_en & !reset;
    wire [11:0] w_addr = p_wr_addr;
    wire [31:0] w_data = p_wr_data;
`else
    wire aw_hs = s_axil_awvalid & s_axil_awready & s_axil_wvalid & s_axil_wready;
    wire        wr = aw_hs & (s_axil_wstrb == 4'hF) & !reset;
    wire [11:0] w_addr = s_axil_awaddr;
    wire [31:0] w_data = s_axil_wdata;
`endif
    wire ar_hs = s_axil_arvalid & s_axil_arready & !reset;
    wire r_hs = s_axil_rvalid & s_axil_rready & !reset;
    wire wr_cmd = wr & (w_addr == `LM_A_CMD);
    wire w_param = (w_addr == `LM_A_CONFIG) | (w_addr == `LM_A_NS_LO)
        | (w_addr == `LM_A_NS_HI) | (w_addr == `LM_A_PLAN_START)
        | (w_addr == `LM_A_PLAN_END) | (w_addr == `LM_A_MARK_FIRST)
        | (w_addr == `LM_A_MARK_END);
    wire wr_param = wr & w_param;
`ifdef LM_CUT_DECODE
    // The cut write port carries the registers the host writes here, as `aw_reg` fixes
    // them on the AXI side.
    always @* if (p_wr_en) assume(w_param | (w_addr == `LM_A_CMD) | (w_addr == `LM_A_ERR)
        | (w_addr == `LM_A_IRQ_STATUS) | (w_addr == `LM_A_IRQ_ENABLE));
`endif
    wire [3:0] opcode = w_data[`LM_OPCODE_LSB +: 4];
    wire cr_hs = cr_valid & cr_ready & !reset;
    wire uw_hs = uw_valid & uw_ready & !reset;
    wire ld_hs = ld_tvalid & ld_tready & !reset;
    wire q_pop = q_tvalid & q_tready & !reset;

    // ---- E2: the host's command protocol -----------------------------------------------------
    // See E2 above: parameter writes and load beats only while no command runs.
    wire cmd_run = p_cmd_pending | (p_cstate != 4'd0);
    always @* if (wr_param | ld_tvalid) assume(!cmd_run);

    // ---- the shadow of the spec for g -------------------------------------------------------
    // Host-written parameter registers.
    reg [31:0] h_config = 0, h_pstart = 0, h_pend = 0, h_mfirst = 0, h_mend = 0;
    reg [63:0] h_ns = 0;
    reg [31:0] h_irq_en = 0;
    // User writes and copy reads accepted while tracking since START.
    reg [31:0] s_wseen = 0, s_cseen = 0;
    // Latched state.
    reg        s_tracking = 0, s_loaded = 0, s_load_open = 0, s_q_open = 0;
    reg [1:0]  s_method = 0;
    reg [5:0]  s_shift = 0, s_loaded_shift = 0;
    reg [63:0] s_ns = 0, s_loaded_ns = 0;
    reg [31:0] s_gran = 0, s_words = 0, s_pstart = 0, s_pend = 0, s_cursor = 0;
    reg [31:0] s_load_next = 0, s_q_left = 0;
    // The spec's bits of g, and the part of them that user writes set (obligations).
    reg s_act = 0, s_pas = 0, ob_act = 0, ob_pas = 0;

    // E3
    always @* if (wr_cmd & s_q_open)
        assume((opcode != `LM_OP_QUERY) & (opcode != `LM_OP_SWAP) & (opcode != `LM_OP_RELEASE));

    // The snooped operation (while tracking, at most one is accepted per cycle; a copy
    // read wins), decoded by the spec's arithmetic when it is accepted: first and last
    // granule, inside the namespace (no wrap, last LBA below NS_LBAS), empty (SLBA past
    // the end); an out-of-range operation runs to the namespace end.
    wire [63:0] op_slba = cr_hs ? cr_slba : uw_slba;
    wire [15:0] op_nlb = cr_hs ? cr_nlb : uw_nlb;
`ifndef LM_CUT_DECODE
    wire [64:0] op_sum = {1'b0, op_slba} + {49'b0, op_nlb};
    wire [63:0] op_last = op_sum[63:0];
    wire [63:0] sh_g0 = op_slba >> s_shift;
    wire [63:0] sh_gl = op_last >> s_shift;
    wire        op_ok = !op_sum[64] & (op_last < s_ns);
    wire        op_empty = op_slba >= s_ns;
    wire [31:0] op_g0 = sh_g0[31:0];
    wire [31:0] op_gl = op_ok ? sh_gl[31:0] : s_gran - 32'd1;
`else
    // The control model (LM_CUT_DECODE): the 64-bit arithmetic, here and in the block (whose
    // decode nets `lmsnoop formal` cuts, Yosys `cutpoint`: the `cut` probes), is replaced by
    // free values constrained only to what that arithmetic can give. decode_ok, proven on
    // the decode model, says the block's decode equals this one; here the block's cut nets
    // are assumed to carry it, so every trace of the real block is a trace of this model.
    // The converse holds too on the formal build: with shift 0 every g0 <= gl < granules is
    // the decode of some write (NLB reaches 2^16 LBAs, the build has 128 granules), so a
    // cover reached here is reachable in the block.
    (* anyseq *) reg op_ok, op_empty;
    (* anyseq *) reg [31:0] op_g0, op_gl;
    always @* if (uw_hs | cr_hs) begin
        assume((op_g0 < `LM_CAPACITY) & (op_gl < `LM_CAPACITY));
        if (!op_empty) assume(op_g0 < s_gran);
        if (op_ok) assume(!op_empty & (op_g0 <= op_gl) & (op_gl < s_gran));
        if (!op_ok & !op_empty) assume(op_gl == s_gran - 32'd1);
    end
`endif
    // Granules [g0, g1) of golden.rs `granules`: an out-of-range op runs to the namespace end.
    wire        op_cov = !op_empty & (op_g0 <= g32) & (g32 < s_gran)
                         & (!op_ok | (g32 <= op_gl));
    wire        in_window = (s_pstart <= {{(32 - GW){1'b0}}, g}) & ({{(32 - GW){1'b0}}, g} < s_pend)
                            & (s_cursor <= {{(32 - GW){1'b0}}, g});
    wire        is_cursor = s_method == `LM_M_CURSOR;
    wire        is_bitmap = s_method == `LM_M_BITMAP;
    wire        is_clear = s_method == `LM_M_CLEAR;
    wire        uw_take = uw_hs & !cr_hs & s_tracking;
    wire        cr_take = cr_hs & s_tracking;
    wire        may_skip = op_ok & ((is_cursor & in_window) | (is_bitmap & s_pas));
    // Events of g, for the properties and covers.
    wire        ev_uw = uw_take & op_cov;
    wire        ev_skip = ev_uw & may_skip;
    wire        ev_clear_cr = cr_take & op_ok & op_cov & is_clear;

    // Requested geometry (CONFIG / NS_LBAS), as LOAD and START check it.
    wire [5:0]  req_shift = h_config[`LM_SHIFT_LSB +: 6];
    wire [63:0] req_low = h_ns & ((64'd1 << req_shift) - 64'd1);
    wire [63:0] req_gran = (h_ns >> req_shift) + {63'd0, req_low != 64'd0};
    wire        req_ok = (req_shift <= `LM_MAX_SHIFT) & (req_gran != 0)
                         & (req_gran <= `LM_CAPACITY);

    reg        n_tracking, n_loaded, n_load_open, n_q_open;
    reg [1:0]  n_method;
    reg [5:0]  n_shift, n_loaded_shift;
    reg [63:0] n_ns, n_loaded_ns;
    reg [31:0] n_gran, n_words, n_pstart, n_pend, n_cursor, n_load_next, n_q_left, mend;
    reg [31:0] n_wseen, n_cseen;
    reg        n_act, n_pas, n_ob_act, n_ob_pas, needs_tracking, stream_ok, valid_cmd;

    always @* begin
        n_tracking = s_tracking; n_loaded = s_loaded; n_load_open = s_load_open;
        n_q_open = s_q_open; n_method = s_method; n_shift = s_shift;
        n_loaded_shift = s_loaded_shift; n_ns = s_ns; n_loaded_ns = s_loaded_ns;
        n_gran = s_gran; n_words = s_words; n_pstart = s_pstart; n_pend = s_pend;
        n_cursor = s_cursor; n_load_next = s_load_next; n_q_left = s_q_left;
        n_act = s_act; n_pas = s_pas; n_ob_act = ob_act; n_ob_pas = ob_pas;
        mend = 0; needs_tracking = 0; stream_ok = 0; valid_cmd = 0;
        n_wseen = s_wseen + {31'd0, uw_take}; n_cseen = s_cseen + {31'd0, cr_take};

        // 1. The snoop or load beat accepted this cycle.
        if (cr_take & op_ok) begin
            if (is_cursor) begin
                // A jump over promised granules marks them (golden.rs do_copy_read).
                if ((op_g0 > s_cursor) & (s_cursor < s_pend) & (s_cursor <= g32)
                    & (g32 < op_g0) & (g32 < s_pend))
                    n_act = 1'b1;
                if (op_gl + 32'd1 > s_cursor) n_cursor = op_gl + 32'd1;
            end
            if (is_bitmap & op_cov) begin
                n_pas = 1'b0;
                n_ob_pas = 1'b0;
            end
            if (is_clear & op_cov) begin
                n_act = 1'b0;
                n_ob_act = 1'b0;
            end
        end
        if (ev_uw & !may_skip) begin
            n_act = 1'b1;
            n_ob_act = 1'b1;
        end
        if (ld_hs & s_load_open) begin
            if (s_load_next == {{(32 - AW){1'b0}}, g_word}) begin
                n_pas = ld_tdata[g_bit] & (g32 < s_gran);
                n_ob_pas = 1'b0;
            end
            n_load_next = s_load_next + 1;
            if (s_load_next + 1 == s_words) n_load_open = 1'b0;
        end
        if (q_pop & s_q_open) begin
            n_q_left = s_q_left - 1;
            if (s_q_left == 1) n_q_open = 1'b0;
        end

        // 2. The command written this cycle (golden.rs `command`), on the state after 1.
        needs_tracking = (opcode == `LM_OP_STOP) | (opcode == `LM_OP_QUERY)
            | (opcode == `LM_OP_SWAP) | (opcode == `LM_OP_RELEASE)
            | (opcode == `LM_OP_SET_PLAN) | (opcode == `LM_OP_MARK_DIRTY);
        stream_ok = !(n_q_open | n_load_open) | (opcode == `LM_OP_STOP)
            | (opcode == `LM_OP_MARK_DIRTY) | (opcode == `LM_OP_SET_PLAN);
        valid_cmd = wr_cmd & !p_cmd_busy & (opcode != `LM_OP_NOP) & (needs_tracking == n_tracking)
            & (opcode <= `LM_OP_MARK_DIRTY) & stream_ok;
        if (valid_cmd) begin
            case (opcode)
                `LM_OP_LOAD: if (req_ok) begin
                    n_pas = 1'b0; n_ob_pas = 1'b0;
                    n_shift = req_shift; n_ns = h_ns;
                    n_gran = req_gran[31:0]; n_words = (req_gran[31:0] + 32'd63) >> 6;
                    n_loaded = 1'b1; n_loaded_ns = h_ns; n_loaded_shift = req_shift;
                    n_load_open = 1'b1; n_load_next = 0;
                end
                `LM_OP_START: if (req_ok & !(n_loaded & ((n_loaded_ns != h_ns)
                                                        | (n_loaded_shift != req_shift)))) begin
                    n_method = h_config[`LM_METHOD_LSB +: 2];
                    n_shift = req_shift; n_ns = h_ns;
                    n_gran = req_gran[31:0]; n_words = (req_gran[31:0] + 32'd63) >> 6;
                    n_tracking = 1'b1;
                    n_pstart = 0; n_pend = 0; n_cursor = 0;
                    n_wseen = 0; n_cseen = 0;
                end
                `LM_OP_STOP: begin
                    n_q_open = 1'b0; n_tracking = 1'b0; n_loaded = 1'b0;
                    n_act = 1'b0; n_pas = 1'b0; n_ob_act = 1'b0; n_ob_pas = 1'b0;
                end
                `LM_OP_QUERY: begin
                    n_q_open = 1'b1; n_q_left = n_words;
                end
                `LM_OP_SWAP: begin
                    // Close the cursor window: what it still promised is marked.
                    if (is_cursor & (n_cursor < n_pend) & (n_cursor <= g32) & (n_pstart <= g32)
                        & (g32 < n_pend))
                        n_act = 1'b1;
                    n_cursor = n_pend;
                    // Bitmap folds the residual plan into the new passive buffer.
                    n_pas = n_act | (is_bitmap & n_pas);
                    n_ob_pas = n_ob_act | (is_bitmap & n_ob_pas);
                    n_act = 1'b0; n_ob_act = 1'b0;
                end
                `LM_OP_RELEASE: if (!is_bitmap) begin
                    n_pas = 1'b0; n_ob_pas = 1'b0;
                end
                `LM_OP_SET_PLAN: if (is_cursor) begin
                    if ((n_cursor < n_pend) & (n_cursor <= g32) & (n_pstart <= g32)
                        & (g32 < n_pend))
                        n_act = 1'b1;
                    if ((h_pstart > h_pend) | (h_pend > n_gran)) begin
                        n_pstart = 0; n_pend = 0; n_cursor = 0;
                    end else begin
                        n_pstart = h_pstart; n_pend = h_pend; n_cursor = h_pstart;
                    end
                end
                default: begin   // MARK_DIRTY
                    mend = (h_mend > n_gran) ? n_gran : h_mend;
                    if ((h_mfirst <= g32) & (g32 < mend)) n_act = 1'b1;
                end
            endcase
        end
    end

    always @(posedge clock) begin
        if (reset) begin
            h_config <= 0; h_ns <= 0; h_pstart <= 0; h_pend <= 0; h_mfirst <= 0; h_mend <= 0;
            s_tracking <= 0; s_loaded <= 0; s_load_open <= 0; s_q_open <= 0; s_method <= 0;
            s_shift <= 0; s_loaded_shift <= 0; s_ns <= 0; s_loaded_ns <= 0; s_gran <= 0;
            s_words <= 0; s_pstart <= 0; s_pend <= 0; s_cursor <= 0; s_load_next <= 0;
            s_q_left <= 0; s_act <= 0; s_pas <= 0; ob_act <= 0; ob_pas <= 0;
            h_irq_en <= 0; s_wseen <= 0; s_cseen <= 0;
        end else begin
            if (wr & (w_addr == `LM_A_IRQ_ENABLE)) h_irq_en <= w_data & `LM_IRQ_MASK;
            s_wseen <= n_wseen; s_cseen <= n_cseen;
            if (wr & (w_addr == `LM_A_CONFIG)) h_config <= w_data;
            if (wr & (w_addr == `LM_A_NS_LO)) h_ns[31:0] <= w_data;
            if (wr & (w_addr == `LM_A_NS_HI)) h_ns[63:32] <= w_data;
            if (wr & (w_addr == `LM_A_PLAN_START)) h_pstart <= w_data;
            if (wr & (w_addr == `LM_A_PLAN_END)) h_pend <= w_data;
            if (wr & (w_addr == `LM_A_MARK_FIRST)) h_mfirst <= w_data;
            if (wr & (w_addr == `LM_A_MARK_END)) h_mend <= w_data;
            s_tracking <= n_tracking; s_loaded <= n_loaded; s_load_open <= n_load_open;
            s_q_open <= n_q_open; s_method <= n_method; s_shift <= n_shift;
            s_loaded_shift <= n_loaded_shift; s_ns <= n_ns; s_loaded_ns <= n_loaded_ns;
            s_gran <= n_gran; s_words <= n_words; s_pstart <= n_pstart; s_pend <= n_pend;
            s_cursor <= n_cursor; s_load_next <= n_load_next; s_q_left <= n_q_left;
            s_act <= n_act; s_pas <= n_pas; ob_act <= n_ob_act; ob_pas <= n_ob_pas;
        end
    end

    // ---- the RTL's bits of g, tracked from the RAM write ports ------------------------------
    // The RAMs power up with arbitrary contents: a bit is known once its word was written
    // (the reset's clear engine writes every word).
    reg rb0 = 0, rb1 = 0, rk0 = 0, rk1 = 0;
    always @(posedge clock) begin
        if (p_we0 & (p_wa0 == g_word)) begin rb0 <= p_wd0[g_bit]; rk0 <= 1'b1; end
        if (p_we1 & (p_wa1 == g_word)) begin rb1 <= p_wd1[g_bit]; rk1 <= 1'b1; end
    end
    wire act_is1 = p_sel ? (rk1 & rb1) : (rk0 & rb0);
    wire act_is0 = p_sel ? (rk1 & !rb1) : (rk0 & !rb0);
    wire pas_is1 = p_sel ? (rk0 & rb0) : (rk1 & rb1);
    // This cycle's write turns g's known bit of RAM0 / RAM1 from 0 to 1, or from 1 to 0.
    wire rise0 = p_we0 & (p_wa0 == g_word) & p_wd0[g_bit] & rk0 & !rb0;
    wire rise1 = p_we1 & (p_wa1 == g_word) & p_wd1[g_bit] & rk1 & !rb1;
    wire fall0 = p_we0 & (p_wa0 == g_word) & !p_wd0[g_bit] & rk0 & rb0;
    wire fall1 = p_we1 & (p_wa1 == g_word) & !p_wd1[g_bit] & rk1 & rb1;

    // ---- the counts of g's events: BITS_SET, BITS_CLEARED, BITS_SKIPPED -------------------
    // S2 writes the RAMs in cycle t, S3 counts the word's bits in t+1, S4 adds the counts
    // in t+2: the counters show them in t+3. A START zeroes the counters only after the
    // pipeline has drained, so never within those three cycles.
    localparam [2:0] KIND_UW = 3'd0, KIND_CRB = 3'd2, KIND_CRC = 3'd3;
    wire g_set = p_sel ? rise1 : rise0;
    wire g_cleared = p_s2_valid & ((p_s2_kind == KIND_CRB) | (p_s2_kind == KIND_CRC))
        & (p_s2_cnt1 ? fall1 : fall0);
    wire g_skipped = p_s2_valid & (p_s2_kind == KIND_UW) & (p_s2_w == g32 >> 6)
        & p_skip[g_bit];
    reg [2:0]  set_d = 0, clr_d = 0, skp_d = 0;
    // The counters as they were three cycles ago.
    reg [95:0] slo_d = 0, xlo_d = 0, klo_d = 0;
    always @(posedge clock) begin
        set_d <= {set_d[1:0], g_set & !reset};
        clr_d <= {clr_d[1:0], g_cleared & !reset};
        skp_d <= {skp_d[1:0], g_skipped & !reset};
        slo_d <= {slo_d[63:0], p_slo};
        xlo_d <= {xlo_d[63:0], p_xlo};
        klo_d <= {klo_d[63:0], p_klo};
    end

    // ---- checkpoints: every cycle the bitmaps are settled ---------------------------------
    // hardware.md: BUSY == 0 means every accepted operation has updated the bitmaps, so in
    // any cycle with BUSY == 0 (not only those a STATUS read samples) the RAM bits of g must
    // hold what the spec says for the operations accepted before that cycle. The check is
    // made sooner, and so more often: once no command runs and every snoop has passed S2
    // (the last stage that writes the RAMs), while S3 and S4 may still be counting. That
    // is a superset of the BUSY == 0 cycles, and a wrong bit shows two cycles earlier.
    wire bits_busy = !p_p_empty | (p_b_valid & !p_b_is_q) | (p_s1_valid & !p_s1_is_q)
        | (p_s2_valid & !p_s2_is_q);
    wire idle_chk = !p_cmd_busy & !bits_busy;

    // A STATUS read returns the BUSY of the cycle it was accepted in; a read of another
    // register its value in that cycle (`ar_value`).
    reg ar_busy = 0, ar_pend = 0, ar_status = 0, ar_tracking = 0;
    reg [1:0] ar_method = 0;
    reg [31:0] ar_value = 0;
    always @(posedge clock) begin
        if (reset) ar_pend <= 1'b0;
        else if (ar_hs) begin
            ar_pend <= 1'b1;
            ar_busy <= p_busy;
            ar_tracking <= s_tracking;
            ar_method <= s_method;
            ar_status <= s_axil_araddr == `LM_A_STATUS;
            case (s_axil_araddr)
                `LM_A_ERR: ar_value <= p_err;
                `LM_A_IRQ_STATUS: ar_value <= p_irq_status;
                `LM_A_IRQ_ENABLE: ar_value <= h_irq_en;
                `LM_A_WRITES_LO: ar_value <= p_wlo;
                default: ar_value <= p_clo;
            endcase
        end else if (r_hs) ar_pend <= 1'b0;
    end

    // ---- the flags: the previous cycle, and what the host cleared in it -------------------
    reg        was_up = 0;   // the previous cycle was out of reset
    reg [31:0] err_q = 0, irq_q = 0, err_w1c = 0, irq_w1c = 0;
    always @(posedge clock) begin
        was_up <= !reset;
        err_q <= p_err;
        irq_q <= p_irq_status;
        err_w1c <= (wr & (w_addr == `LM_A_ERR)) ? w_data : 32'd0;
        irq_w1c <= (wr & (w_addr == `LM_A_IRQ_STATUS)) ? w_data : 32'd0;
    end
    wire [31:0] err_rose = p_err & ~err_q;

    // ---- permits of an active-bit drop (conservative) ---------------------------------------
    // Set when a clear-method copy read covering g (or a STOP) is accepted; it lasts until
    // the block is idle again, by which time that operation has written the RAM.
    reg perm = 0;
    wire perm_ev = ev_clear_cr | (valid_cmd & (opcode == `LM_OP_STOP));
    always @(posedge clock) perm <= perm_ev | (perm & p_busy);
    wire drop0 = fall0 & !p_sel;
    wire drop1 = fall1 & p_sel;

    // ---- swap: sel flips --------------------------------------------------------------------
    reg sel_q = 0, act1_q = 0;
    always @(posedge clock) begin
        sel_q <= p_sel;
        act1_q <= act_is1;
    end
    wire flipped = p_sel != sel_q;
    // A SWAP accepted while g's passive bit was set: the residue the block must fold
    // (bitmap) or clear (other methods) before the flip.
    reg swap_residue = 0;
    always @(posedge clock) begin
        if (reset | flipped) swap_residue <= 1'b0;
        else if (valid_cmd & (opcode == `LM_OP_SWAP)) swap_residue <= pas_is1;
    end

    // ---- the passive count's zero flag: passive_zero, and the lemma model's assumption ----
    localparam [3:0] CMD_EXEC = 4'd1, CMD_SWAP_DRAIN = 4'd4;
    wire pz_read = ((p_cstate == CMD_EXEC) & p_cx_swap)
        | ((p_cstate == CMD_SWAP_DRAIN) & p_sd_settled);
    wire pz_ok = !(pz_read & !p_pas_nz & pas_is1);
`ifdef LM_LEMMA
    // Assumed exactly where the control model asserts it (every cycle after the first):
    // every trace of the block that passive_zero holds on is a trace of this model.
    always @* if (!init) assume(pz_ok);
`endif
    // g's bit was set in the buffer that is passive now (since it last became passive).
    reg pz_had = 0;
    always @(posedge clock) pz_had <= !reset & ((pz_had & !flipped) | pas_is1);

    // ---- the accept pipeline ----------------------------------------------------------------
    // The block decodes a snoop over three stages (P1..P3, advancing together on p_go) and
    // acts on it when P3 hands it to the range walker (p3_fire). This mirror carries the
    // spec's decode of each accepted snoop along, so that decode_ok compares the block's
    // decode in P3 with the spec's decode of the same snoop.
    reg        m1_v = 0, m2_v = 0, m3_v = 0;
    reg        m1_cr = 0, m2_cr = 0, m3_cr = 0;
    reg        m1_ok, m2_ok, m3_ok, m1_empty, m2_empty, m3_empty;
    reg [31:0] m1_g0, m2_g0, m3_g0, m1_gl, m2_gl, m3_gl;
    always @(posedge clock) begin
        if (reset) begin
            m1_v <= 0; m2_v <= 0; m3_v <= 0;
        end else if (p_go) begin
            m1_v <= uw_take | cr_take;
            m1_cr <= cr_take; m2_cr <= m1_cr; m3_cr <= m2_cr;
            m1_ok <= op_ok; m1_empty <= op_empty; m1_g0 <= op_g0; m1_gl <= op_gl;
            m2_v <= m1_v; m2_ok <= m1_ok; m2_empty <= m1_empty; m2_g0 <= m1_g0; m2_gl <= m1_gl;
            m3_v <= m2_v; m3_ok <= m2_ok; m3_empty <= m2_empty; m3_g0 <= m2_g0; m3_gl <= m2_gl;
        end
    end
    // The block's decode of P3's snoop equals the spec's (first granule unless empty, last
    // granule unless empty: the out-of-range clamp included).
    // A START from its CMD write until its command has ended: the shadow zeroes its counts
    // at the write, the block at the end of the geometry step.
    reg s_start_run = 1'b0;
    always @(posedge clock) begin
        if (reset) s_start_run <= 1'b0;
        else if (valid_cmd & (opcode == `LM_OP_START)) s_start_run <= 1'b1;
        else if (!p_cmd_busy) s_start_run <= 1'b0;
    end
    // The snoops accepted but not yet counted (the counters count them as P3 fires).
    wire [31:0] uw_in_p = {31'd0, m1_v & !m1_cr} + {31'd0, m2_v & !m2_cr} + {31'd0, m3_v & !m3_cr};
    wire [31:0] cr_in_p = {31'd0, m1_v & m1_cr} + {31'd0, m2_v & m2_cr} + {31'd0, m3_v & m3_cr};
    wire dec_ok = m3_v & (p_op_oob == !m3_ok) & (p_op_empty == m3_empty)
        & (m3_empty | ((p_op_g0 == m3_g0) & (p_op_gl == m3_gl)));
`ifdef LM_CUT_DECODE
    // The cut arithmetic carries the spec's decode into P2 and P3 (wrap only raises an
    // error flag, which no property reads: it stays free).
    always @* if (!init & p_go) begin
        if (m1_v) assume((p_a_empty == m1_empty) & (m1_empty | (p_a_g0 == m1_g0)));
        if (m2_v) assume((p_x_oob == !m2_ok) & (!m2_ok | (p_x_glraw == m2_gl)));
    end
`endif

    // ---- the properties ---------------------------------------------------------------------
    always @* begin
        if (!init) begin
            if (idle_chk) begin
                safety_active: assert(!ob_act | act_is1);
                safety_passive: assert(!ob_pas | pas_is1);
                no_lost_active: assert(!s_act | act_is1);
                no_lost_passive: assert(!s_pas | pas_is1);
            end
            if (r_hs & ar_pend & ar_status)
                status_busy: assert(s_axil_rdata[`LM_BUSY_BIT] == ar_busy);
            if (r_hs & ar_pend & ar_status & !ar_busy)
                status_state: assert((s_axil_rdata[`LM_TRACKING_BIT] == ar_tracking)
                    & (s_axil_rdata[`LM_LATCHED_METHOD_LSB +: 2] == ar_method));
            if (r_hs & ar_pend & !ar_status) read_data: assert(s_axil_rdata == ar_value);
            if (was_up) begin
                err_sticky: assert((err_q & ~p_err & ~err_w1c) == 32'd0);
                irq_sticky: assert((irq_q & ~p_irq_status & ~irq_w1c) == 32'd0);
                if (err_rose != 32'd0) irq_error: assert((p_irq_status & `LM_IRQ_ERROR) != 0);
            end
            irq_line: assert(irq == ((p_irq_status & h_irq_en) != 32'd0));
            if (flipped) irq_swap_done: assert((p_irq_status & `LM_IRQ_SWAP_DONE) != 0);
            if (!s_start_run) begin
                writes_seen: assert(p_wlo + uw_in_p == s_wseen);
                copy_reads_seen: assert(p_clo + cr_in_p == s_cseen);
            end
`ifndef LM_CUT_DECODE
            if (p_p3_fire) decode_ok: assert(dec_ok);
`endif
            // Helper invariants (inv_*): true of every reachable state; they make
            // status_busy inductive and hand the solver the geometry decode_ok needs.
            // Every induction run keeps them.
            if (!cmd_run) inv_geometry: assert((p_shift == s_shift) & (p_ns == s_ns)
                & (p_gran == s_gran));
            inv_read_pending: assert(ar_pend == s_axil_rvalid);
            inv_pipeline: assert((m1_v == p_p1_valid) & (m2_v == p_p2_valid)
                & (m3_v == p_p3_valid) & (!m1_v | (m1_cr == p_p1_cr))
                & (!m2_v | (m2_cr == p_p2_cr)) & (!m3_v | (m3_cr == p_p3_cr)));
            // Every BUSY == 0 cycle is a checkpoint.
            if (!p_busy) inv_settled: assert(idle_chk);
            if (ar_pend & ar_status)
                inv_read_busy: assert(s_axil_rdata[`LM_BUSY_BIT] == ar_busy);
            conservative: assert(!(drop0 | drop1) | perm);
            if (flipped) swap_clean: assert(act_is0);
            passive_zero: assert(pz_ok);
            if (set_d[2]) bits_set: assert(p_slo != slo_d[95:64]);
            if (clr_d[2]) bits_cleared: assert(p_xlo != xlo_d[95:64]);
            if (skp_d[2]) bits_skipped: assert(p_klo != klo_d[95:64]);
        end
    end

    // ---- covers: the interesting cases are reachable (the proof is not vacuous) -------------
    // With LM_COVERS_AS_ASSERTS each cover becomes the assertion that it is never reached,
    // so that ABC's BMC, which knows only assertions, searches for it: a "counterexample"
    // is the cover trace.
`ifdef LM_COVERS_AS_ASSERTS
`define LM_COVER(c) assert(!(c))
`else
`define LM_COVER(c) cover(c)
`endif
    reg skipped = 0;   // a skip of g happened and nothing set the spec's bit since
    always @(posedge clock) begin
        if (reset) skipped <= 0;
        else if (ev_skip) skipped <= 1'b1;
        else if (n_act) skipped <= 0;
    end
    // A cover guards the properties whose hard case it reaches: `lmsnoop formal` does not
    // pass a run that checks a guarded property only to a depth at or below the step the
    // cover is reached in (that property would be vacuous on the case).
    // guard: cover_skip_cursor safety_active
    // guard: cover_skip_bitmap safety_active
    // guard: cover_skip_held safety_active
    // guard: cover_safety_checked safety_active no_lost_active
    // guard: cover_passive_checked safety_passive no_lost_passive
    // guard: cover_clear_dropped conservative
    // guard: cover_swap_active_set swap_clean irq_swap_done
    // guard: cover_err_cleared err_sticky irq_error
    // guard: cover_irq_cleared irq_sticky
    // guard: cover_irq_line irq_line
    // guard: cover_read_flags read_data
    // guard: cover_status_tracking status_state
    // guard: cover_counted writes_seen copy_reads_seen
    // guard: cover_swap_residue swap_clean
    // guard: cover_passive_drained swap_clean
    // guard: cover_passive_zero_read passive_zero
    // The residue swap's search starts at step 25, where it is reached: ruling out the
    // steps before it takes the popcount arithmetic (over 9 minutes for step 24, against
    // half a minute from 25; see `cover_starts` in flows/src/formal/mod.rs).
    // cover-from: cover_swap_residue 25
    // guard: cover_bits_set bits_set
    // guard: cover_bits_cleared bits_cleared
    // guard: cover_bits_skipped bits_skipped
    always @* begin
        if (!init) begin
            cover_skip_cursor: `LM_COVER(ev_skip & is_cursor);
            cover_skip_bitmap: `LM_COVER(ev_skip & is_bitmap);
            cover_skip_held: `LM_COVER(idle_chk & skipped & !act_is1);
            cover_safety_checked: `LM_COVER(idle_chk & ob_act & act_is1);
            cover_passive_checked: `LM_COVER(idle_chk & ob_pas & pas_is1);
            cover_clear_dropped: `LM_COVER((drop0 | drop1) & is_clear);
            cover_swap_active_set: `LM_COVER(flipped & act1_q);
            cover_swap_residue: `LM_COVER(flipped & swap_residue);
            // A SWAP reads the passive count as zero while tracking; and does so after
            // g's bit was in that buffer (drained since: the flip must find it clean).
            cover_passive_zero_read: `LM_COVER(pz_read & !p_pas_nz & s_tracking);
            cover_passive_drained: `LM_COVER(pz_read & !p_pas_nz & pz_had & !pas_is1);
            cover_bits_set: `LM_COVER(set_d[2]);
            cover_bits_cleared: `LM_COVER(clr_d[2]);
            cover_bits_skipped: `LM_COVER(skp_d[2]);
            // A raised error cleared by the host, an interrupt cause likewise, the line
            // high, a read of nonzero flags, and counts of both kinds checked.
            cover_err_cleared: `LM_COVER(was_up & ((err_q & err_w1c & ~p_err) != 32'd0));
            cover_irq_cleared: `LM_COVER(was_up & ((irq_q & irq_w1c & ~p_irq_status) != 32'd0));
            cover_irq_line: `LM_COVER(irq);
            cover_read_flags: `LM_COVER(r_hs & ar_pend & !ar_status & (ar_value != 32'd0));
            cover_status_tracking: `LM_COVER(r_hs & ar_pend & ar_status & !ar_busy & ar_tracking
                & (ar_method != 2'd0));
            cover_counted: `LM_COVER(idle_chk & (s_wseen >= 32'd2) & (s_cseen >= 32'd1));
        end
    end
endmodule
