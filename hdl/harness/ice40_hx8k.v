// I/O harness for placing lm_tracker on an iCE40-HX8K (ct256) with nextpnr-ice40.
// Used by `lmsnoop synth --target ice40-hx8k`; pins in constraints/lm_tracker_hx8k.pcf.
//
// The block has 295 input bits (clock included) and 111 output bits; the ct256 package has
// about 200 pins. The harness feeds every input from one serial pin through a 64-bit shift
// register (the wide buses take different slices and rotations of it, so the 64-bit LBAs,
// the load data and the CSR data differ from each other in every cycle) and XOR-reduces
// all 111 outputs onto one pin in two registered stages, so synthesis can remove nothing.
// Every input of the block comes from a flip-flop, as it would in a shell, and the output
// fold is registered, so the harness adds no path of its own to the block's timing.
// Reset is a power-on counter (iCE40 flip-flops start at 0), held 15 cycles, synchronous
// and active high as the block wants. Harness cost: 77 flip-flops, 48 LUTs and 2 carry
// cells, which `lmsnoop synth` measures and reports apart from the block.
module lm_tracker_hx8k (
    input  wire clk,  // 12 MHz oscillator of the iCE40-HX8K breakout board
    input  wire sdi,  // serial stimulus
    output wire sdo   // parity of every block output
);
    // Power-on reset, synchronous, active high.
    reg [3:0] por = 4'd0;
    wire reset = ~&por;
    always @(posedge clk) if (reset) por <= por + 4'd1;

    // Stimulus: one shift register, sliced.
    reg [63:0] sr = 64'd0;
    always @(posedge clk) sr <= {sr[62:0], sdi};

    wire [63:0] rot16 = {sr[47:0], sr[63:48]};
    wire [63:0] rot32 = {sr[31:0], sr[63:32]};

    wire        s_axil_awready, s_axil_wready, s_axil_bvalid, s_axil_arready, s_axil_rvalid;
    wire [1:0]  s_axil_bresp, s_axil_rresp;
    wire [31:0] s_axil_rdata;
    wire        uw_ready, cr_ready, ld_tready, q_tvalid, q_tlast, irq;
    wire [63:0] q_tdata;

    lm_tracker dut (
        .clock(clk),
        .reset(reset),
        .s_axil_awaddr(sr[11:0]),
        .s_axil_awvalid(sr[3]),
        .s_axil_awready(s_axil_awready),
        .s_axil_wdata(sr[63:32]),
        .s_axil_wstrb(sr[35:32]),
        .s_axil_wvalid(sr[3]),  // AW and W travel together, as the CSR slave expects
        .s_axil_wready(s_axil_wready),
        .s_axil_bresp(s_axil_bresp),
        .s_axil_bvalid(s_axil_bvalid),
        .s_axil_bready(sr[5]),
        .s_axil_araddr(sr[27:16]),
        .s_axil_arvalid(sr[4]),
        .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata),
        .s_axil_rresp(s_axil_rresp),
        .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(sr[6]),
        .uw_valid(sr[0]),
        .uw_ready(uw_ready),
        .uw_slba(sr),
        .uw_nlb(sr[23:8]),
        .cr_valid(sr[1]),
        .cr_ready(cr_ready),
        .cr_slba(rot32),
        .cr_nlb(sr[39:24]),
        .ld_tvalid(sr[2]),
        .ld_tready(ld_tready),
        .ld_tdata(rot16),
        .q_tvalid(q_tvalid),
        .q_tready(sr[7]),
        .q_tdata(q_tdata),
        .q_tlast(q_tlast),
        .irq(irq)
    );

    // Every output bit, 111 in all, folded to one pin in two registered stages.
    wire [111:0] outs = {
        1'b0, s_axil_awready, s_axil_wready, s_axil_bresp, s_axil_bvalid, s_axil_arready,
        s_axil_rdata, s_axil_rresp, s_axil_rvalid, uw_ready, cr_ready, ld_tready, q_tvalid,
        q_tdata, q_tlast, irq
    };
    reg [7:0] fold = 8'd0;
    reg       parity = 1'b0;
    integer i;
    always @(posedge clk) begin
        for (i = 0; i < 8; i = i + 1) fold[i] <= ^outs[i*14 +: 14];
        parity <= ^fold;
    end
    assign sdo = parity;
endmodule
