// StatCounters (hdl/src/tracker/stat_counters.rs) with BITS-bit counters (`-DBITS=`,
// regs::COUNTER_BITS): for every sequence of events, zeroes, latches and resets, each
// counter's LO word is the sum of its events since the last zero or reset, modulo 2^BITS,
// and its HI word is the upper half of that sum as it stood when its LO word was last read
// (the latch), so that a LO then HI read returns one value no carry tore apart. Proven by
// induction in `cargo test -p lmsnoop-hdl --test units stat_counters`.
module props (
    input wire       clock,
    input wire       reset,
    input wire       zero,
    input wire       write_seen,
    input wire       copy_seen,
    input wire       set_en,
    input wire       skipped_en,
    input wire       cleared_en,
    input wire [6:0] pc,
    input wire [6:0] skipc,
    input wire [4:0] latch
);
    wire [31:0] lo [0:4];
    wire [31:0] hi [0:4];
    top dut (
        .clock(clock), .reset(reset), .zero(zero), .write_seen(write_seen),
        .copy_seen(copy_seen), .set_en(set_en), .skipped_en(skipped_en),
        .cleared_en(cleared_en), .pc(pc), .skipc(skipc), .latch(latch),
        .writes_lo(lo[0]), .writes_hi(hi[0]), .set_lo(lo[1]), .set_hi(hi[1]),
        .skipped_lo(lo[2]), .skipped_hi(hi[2]), .copies_lo(lo[3]), .copies_hi(hi[3]),
        .cleared_lo(lo[4]), .cleared_hi(hi[4])
    );
    // probe: p_c0 = dut.c_writes$q
    // probe: p_c1 = dut.c_set$q
    // probe: p_c2 = dut.c_skipped$q
    // probe: p_c3 = dut.c_copies$q
    // probe: p_c4 = dut.c_cleared$q
    (* keep *) wire [63:0] p_c0, p_c1, p_c2, p_c3, p_c4;
    wire [63:0] c [0:4];
    assign c[0] = p_c0;
    assign c[1] = p_c1;
    assign c[2] = p_c2;
    assign c[3] = p_c3;
    assign c[4] = p_c4;

    // The shadow: each counter's sum and the HI word its last latch took.
    localparam [63:0] MASK = (64'd1 << `BITS) - 64'd1;
    wire [63:0] add [0:4];
    assign add[0] = {63'd0, write_seen};
    assign add[1] = set_en ? {57'd0, pc} : 64'd0;
    assign add[2] = skipped_en ? {57'd0, skipc} : 64'd0;
    assign add[3] = {63'd0, copy_seen};
`ifdef MUTATE
    // The check of the check: BITS_CLEARED counting the skipped bits must fail.
    assign add[4] = cleared_en ? {57'd0, skipc} : 64'd0;
`else
    assign add[4] = cleared_en ? {57'd0, pc} : 64'd0;
`endif
    reg        started = 1'b0;
    reg [63:0] sum [0:4];
    reg [31:0] snap [0:4];
    integer k;
    initial for (k = 0; k < 5; k = k + 1) begin
        sum[k] = 64'd0;
        snap[k] = 32'd0;
    end
    always @(posedge clock) begin
        if (reset) started <= 1'b1;
        for (k = 0; k < 5; k = k + 1) begin
            if (latch[k]) snap[k] <= sum[k][63:32];
            sum[k] <= (zero | reset) ? 64'd0 : (sum[k] + add[k]) & MASK;
            if (reset) snap[k] <= 32'd0;
        end
    end

    genvar i;
    generate for (i = 0; i < 5; i = i + 1) begin : counter
        // (Unlabelled: Yosys 0.23 names a label inside a generate loop once for all.)
        always @* if (started) begin
            assert (lo[i] == sum[i][31:0]);
            assert (hi[i] == snap[i]);
            // The induction's invariant: the whole register is the sum.
            assert (c[i] == sum[i]);
        end
    end endgenerate
endmodule
