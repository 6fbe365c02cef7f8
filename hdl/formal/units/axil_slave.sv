// AxilSlave (hdl/src/tracker/axil_slave.rs): the AXI4-Lite rules on the slave's side, for
// every master and every register answer, in every state reachable after a reset. The
// shadow below owes a response from the handshakes alone; the slave must agree with it.
// Proven by induction in `cargo test -p lmsnoop-hdl --test units axil_slave`.
module props (
    input wire        clock,
    input wire        reset,
    input wire [11:0] awaddr,
    input wire        awvalid,
    input wire [31:0] wdata,
    input wire [3:0]  wstrb,
    input wire        wvalid,
    input wire        bready,
    input wire [11:0] araddr,
    input wire        arvalid,
    input wire        rready,
    input wire        wr_err,
    input wire [31:0] rd_data,
    input wire        rd_err
);
    wire        awready, wready, bvalid, arready, rvalid, wr_en, rd_en;
    wire [1:0]  bresp, rresp;
    wire [31:0] rdata, wr_data;
    wire [11:0] wr_addr, rd_addr;
    top dut (
        .clock(clock), .reset(reset),
        .s_axil_awaddr(awaddr), .s_axil_awvalid(awvalid), .s_axil_awready(awready),
        .s_axil_wdata(wdata), .s_axil_wstrb(wstrb), .s_axil_wvalid(wvalid),
        .s_axil_wready(wready), .s_axil_bresp(bresp), .s_axil_bvalid(bvalid),
        .s_axil_bready(bready), .s_axil_araddr(araddr), .s_axil_arvalid(arvalid),
        .s_axil_arready(arready), .s_axil_rdata(rdata), .s_axil_rresp(rresp),
        .s_axil_rvalid(rvalid), .s_axil_rready(rready),
        .wr_en(wr_en), .wr_addr(wr_addr), .wr_data(wr_data), .wr_err(wr_err),
        .rd_en(rd_en), .rd_addr(rd_addr), .rd_data(rd_data), .rd_err(rd_err)
    );

    localparam [1:0] OKAY = 2'b00, SLVERR = 2'b10;
    wire aw_hs = awvalid & awready;
    wire b_hs = bvalid & bready;
    wire ar_hs = arvalid & arready;
    wire r_hs = rvalid & rready;
    wire full = wstrb == 4'hF;

    // The shadow: a reset was seen; the response each direction owes and what it says.
    reg        started = 1'b0;
    reg        b_owed = 1'b0, r_owed = 1'b0;
    reg [1:0]  b_resp = OKAY, r_resp = OKAY;
    reg [31:0] r_data = 32'd0;
    always @(posedge clock) begin
        if (reset) begin
            started <= 1'b1;
            b_owed <= 1'b0;
            r_owed <= 1'b0;
        end else begin
            if (b_hs) b_owed <= 1'b0;
            if (aw_hs) begin
                b_owed <= 1'b1;
`ifdef MUTATE
                // The check of the check: a shadow that lets a partial write pass must fail.
                b_resp <= wr_err ? SLVERR : OKAY;
`else
                b_resp <= (!full | wr_err) ? SLVERR : OKAY;
`endif
            end
            if (r_hs) r_owed <= 1'b0;
            if (ar_hs) begin
                r_owed <= 1'b1;
                r_resp <= rd_err ? SLVERR : OKAY;
                r_data <= rd_data;
            end
        end
    end

    always @* if (started & !reset) begin
        // A write is taken with its data, in the first cycle both are offered and no
        // response is owed; a read whenever none is owed: the bus never waits on the slave
        // for anything but its own response.
        write_together: assert (awready == wready);
        write_taken: assert (awready == (awvalid & wvalid & !b_owed));
        read_taken: assert (arready == (arvalid & !r_owed));
        // One response per request, held until its handshake, saying what the registers
        // answered (a partial write is refused: SLVERR).
        b_one: assert (bvalid == b_owed);
        b_says: assert (!bvalid | (bresp == b_resp));
        r_one: assert (rvalid == r_owed);
        r_says: assert (!rvalid | ((rresp == r_resp) & (rdata == r_data)));
        // The registers see each full write once, in its handshake cycle, and each read.
        wr_offered: assert (wr_en == (aw_hs & full));
        wr_payload: assert (!wr_en | ((wr_addr == awaddr) & (wr_data == wdata)));
        rd_offered: assert (rd_en == ar_hs);
        rd_payload: assert (!rd_en | (rd_addr == araddr));
    end
endmodule
