// QueryEngine (hdl/src/tracker/query_engine.rs) of a build whose buffer holds CAPW words
// (`-DCAPW=`), with the datapath modelled as the block runs it: a taken fetch is in B, S1
// and S2 in the next three cycles and is pushed from S2 with its word index as data. For
// every consumer (any q_tready pattern), every datapath delay before a fetch is taken,
// every namespace of 1..=CAPW words and every STOP: a query streams words 0 .. words-1,
// each exactly once and in order, with q_tlast on the last and QUERY_DONE as it leaves;
// the fetch credit never lets the FIFO refuse a word; nothing is streamed while no query
// is open. Assumed, as the command engine guarantees: QUERY only while none is open and no
// fetched word is still in flight; the namespace does not change while one is open.
// Proven by induction in `cargo test -p lmsnoop-hdl --test units query_engine`.
module props (
    input wire        clock,
    input wire        reset,
    input wire        open,
    input wire        open_active,
    input wire        close,
    input wire        take,
    input wire        q_tready,
    input wire [31:0] new_words
);
    wire        fetch, src_active, is_open, done, q_tvalid, q_tlast;
    wire [31:0] next_word;
    wire [63:0] q_tdata;
    // The namespace's words: a register the environment may change while no query is open.
    reg  [31:0] words = 32'd0;
    // The datapath: B, S1, S2, each with the index of the word it carries.
    reg         b_v = 1'b0, s1_v = 1'b0, s2_v = 1'b0;
    reg  [31:0] b_i = 32'd0, s1_i = 32'd0, s2_i = 32'd0;
    top dut (
        .clock(clock), .reset(reset), .open(open), .open_active(open_active),
        .close(close), .words(words), .in_b(b_v), .in_s1(s1_v), .in_s2(s2_v),
        .take(take), .push(s2_v), .push_data({32'd0, s2_i}),
        .push_last(s2_i == words - 32'd1), .fetch(fetch), .next_word(next_word),
        .src_active(src_active), .is_open(is_open), .done(done), .q_tvalid(q_tvalid),
        .q_tdata(q_tdata), .q_tlast(q_tlast), .q_tready(q_tready)
    );
    // probe: p_count = dut.fifo.held$q
    // probe: p_rd = dut.fifo.rd$q
    // probe: p_wr = dut.fifo.wr$q
    // probe: p_held_r = dut.held_r$q
    // probe: p_d0 = dut.fifo.d0$q
    // probe: p_d1 = dut.fifo.d1$q
    // probe: p_d2 = dut.fifo.d2$q
    // probe: p_d3 = dut.fifo.d3$q
    // probe: p_l0 = dut.fifo.l0$q
    // probe: p_l1 = dut.fifo.l1$q
    // probe: p_l2 = dut.fifo.l2$q
    // probe: p_l3 = dut.fifo.l3$q
    (* keep *) wire [2:0]  p_count;
    (* keep *) wire [1:0]  p_rd, p_wr;
    (* keep *) wire [3:0]  p_held_r;
    (* keep *) wire [63:0] p_d0, p_d1, p_d2, p_d3;
    (* keep *) wire        p_l0, p_l1, p_l2, p_l3;

    wire load_words = reset | (!is_open & !open);
    wire [2:0] in_flight = {2'd0, b_v} + {2'd0, s1_v} + {2'd0, s2_v};
    always @* begin
        if (load_words) assume ((new_words >= 32'd1) & (new_words <= `CAPW));
        if (take) assume (fetch);
        if (open & !reset) assume (!is_open & (in_flight == 3'd0));
    end

    // The consumer's side: the index of the next word to leave; the cycle after a flush.
    reg        started = 1'b0;
    reg [31:0] expect_i = 32'd0;
    reg        flushed = 1'b0;
    wire       pop = q_tvalid & q_tready;
    always @(posedge clock) begin
        if (load_words) words <= new_words;
        b_v <= take & !reset;
        b_i <= next_word;
        s1_v <= b_v & !reset;
        s1_i <= b_i;
        s2_v <= s1_v & !reset;
        s2_i <= s1_i;
        flushed <= close | reset;
        if (pop) expect_i <= expect_i + 32'd1;
        if (open) expect_i <= 32'd0;
        if (reset) started <= 1'b1;
    end

    // Where word expect_i + j sits in the FIFO.
    function automatic [64:0] slot(input [1:0] k);
        case (k)
            2'd0: slot = {p_l0, p_d0};
            2'd1: slot = {p_l1, p_d1};
            2'd2: slot = {p_l2, p_d2};
            default: slot = {p_l3, p_d3};
        endcase
    endfunction
    function automatic [64:0] word_of(input [31:0] i);
        word_of = {i == words - 32'd1, 32'd0, i};
    endfunction
    wire [31:0] base = expect_i + {29'd0, p_count};

    always @* if (started & !reset) begin
`ifdef MUTATE
        // The check of the check: claiming the stream skips word 1 must fail.
        if (pop)
            in_order: assert ({q_tlast, q_tdata} == word_of(expect_i + {31'd0, expect_i == 32'd1}));
`else
        if (pop) in_order: assert ({q_tlast, q_tdata} == word_of(expect_i));
`endif
        done_is: assert (done == (pop & (expect_i == words - 32'd1)));
        closed_is_quiet: assert (is_open | (!q_tvalid & !fetch));
        fetch_in_range: assert (!fetch | (next_word < words));
        // The induction's invariants: the credit (FIFO plus words in flight never above
        // its four entries, as last cycle's prediction says), the stream's position, the
        // FIFO's contents and the words in flight in order after them.
        inv_words: assert ((words >= 32'd1) & (words <= `CAPW));
        inv_credit: assert ({1'b0, p_count} + {1'b0, in_flight} <= 4'd4);
        // (After a flush the prediction still counts the words it dropped, for a cycle.)
        if (is_open & !flushed)
            inv_prediction: assert (p_held_r == {1'b0, p_count} + {1'b0, in_flight});
        inv_closed: assert (is_open | (p_count == 3'd0));
        inv_ring: assert (p_wr == p_rd + p_count[1:0]);
        if (is_open) begin
            inv_next: assert (next_word == base + {29'd0, in_flight});
            inv_bound: assert (next_word <= words);
            inv_fifo: assert (((p_count <= 3'd0) | (slot(p_rd) == word_of(expect_i)))
                & ((p_count <= 3'd1) | (slot(p_rd + 2'd1) == word_of(expect_i + 32'd1)))
                & ((p_count <= 3'd2) | (slot(p_rd + 2'd2) == word_of(expect_i + 32'd2)))
                & ((p_count <= 3'd3) | (slot(p_rd + 2'd3) == word_of(expect_i + 32'd3))));
            inv_flight: assert ((!s2_v | (s2_i == base))
                & (!s1_v | (s1_i == base + {31'd0, s2_v}))
                & (!b_v | (b_i == base + {31'd0, s2_v} + {31'd0, s1_v})));
        end
    end
endmodule
