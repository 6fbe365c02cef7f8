// StreamFifo (hdl/src/tracker/stream_fifo.rs), four entries of D bits (`-DD=`): for every
// sequence of pushes, pops and flushes after the first flush, the entries held are the
// pushes less the pops (never more than four), valid and ready follow from them, and any
// one word, picked freely as it is pushed, leaves with its last flag after exactly the
// words that were ahead of it: nothing is lost, duplicated or reordered. Proven by induction in
// `cargo test -p lmsnoop-hdl --test units stream_fifo`; `reset` drives `flush`.
module props (
    input wire          clock,
    input wire          reset,
    input wire          in_valid,
    input wire [`D-1:0] in_data,
    input wire          in_last,
    input wire          out_ready,
    // Picks the word pushed this cycle as the one followed (when none is followed yet).
    input wire          pick
);
    wire          in_ready, out_valid, out_last, pop;
    wire [`D-1:0] out_data;
    wire [2:0]    count;
    top dut (
        .clock(clock), .flush(reset), .in_valid(in_valid), .in_data(in_data),
        .in_last(in_last), .in_ready(in_ready), .out_valid(out_valid), .out_data(out_data),
        .out_last(out_last), .out_ready(out_ready), .pop(pop), .count(count)
    );
    // The ring's pointers and entries, for the induction's invariants only.
    // probe: p_rd = dut.rd$q
    // probe: p_wr = dut.wr$q
    // probe: p_d0 = dut.d0$q
    // probe: p_d1 = dut.d1$q
    // probe: p_d2 = dut.d2$q
    // probe: p_d3 = dut.d3$q
    // probe: p_l0 = dut.l0$q
    // probe: p_l1 = dut.l1$q
    // probe: p_l2 = dut.l2$q
    // probe: p_l3 = dut.l3$q
    (* keep *) wire [1:0]    p_rd, p_wr;
    (* keep *) wire [`D-1:0] p_d0, p_d1, p_d2, p_d3;
    (* keep *) wire          p_l0, p_l1, p_l2, p_l3;

    wire push = in_valid & in_ready;

    // The shadow: entries held, and the followed word with the count of words ahead of it.
    reg          started = 1'b0;
    reg [2:0]    n = 3'd0;
    reg          followed = 1'b0;
    reg [2:0]    ahead = 3'd0;
    reg [`D-1:0] f_data = 0;
    reg          f_last = 1'b0;
    always @(posedge clock) begin
        if (reset) begin
            started <= 1'b1;
            n <= 3'd0;
            followed <= 1'b0;
        end else begin
            n <= n + {2'd0, push} - {2'd0, pop};
            if (followed & pop) begin
                if (ahead == 3'd0) followed <= 1'b0;
                else ahead <= ahead - 3'd1;
            end
            if (!followed & push & pick) begin
                followed <= 1'b1;
                ahead <= n - {2'd0, pop};
                f_data <= in_data;
                f_last <= in_last;
            end
        end
    end

    // Where the followed word sits in the ring.
    wire [1:0] f_slot = p_rd + ahead[1:0];
    wire [`D-1:0] slot_data = f_slot == 2'd0 ? p_d0 : f_slot == 2'd1 ? p_d1 :
                              f_slot == 2'd2 ? p_d2 : p_d3;
    wire slot_last = f_slot == 2'd0 ? p_l0 : f_slot == 2'd1 ? p_l1 :
                     f_slot == 2'd2 ? p_l2 : p_l3;

    always @* if (started & !reset) begin
        held: assert (count == n);
        bounded: assert (n <= 3'd4);
        valid: assert (out_valid == (n != 3'd0));
        ready: assert (in_ready == ((n != 3'd4) | out_ready));
        popped: assert (pop == (out_valid & out_ready));
`ifdef MUTATE
        // The check of the check: claiming the word after the followed one must fail.
        if (followed & pop & (ahead == 3'd1))
            in_order: assert ((out_data == f_data) & (out_last == f_last));
`else
        if (followed & pop & (ahead == 3'd0))
            in_order: assert ((out_data == f_data) & (out_last == f_last));
`endif
        // Invariants that make the above inductive: the ring's fill, and the followed
        // word still in its slot.
        inv_ring: assert (p_wr == p_rd + n[1:0]);
        inv_ahead: assert (!followed | (ahead < n));
        inv_slot: assert (!followed | ((slot_data == f_data) & (slot_last == f_last)));
    end
endmodule
