// ClearEngine (hdl/src/tracker/clear_engine.rs) with CAPACITY granules (`-DCAPACITY=`): a
// start or a reset zeroes words 0, 1, ..., last of the RAMs it names, one word per cycle in
// that order, each write one cycle after its `zero*` cycle, and nothing else; `done*` mark
// the last word's cycle, `blocking` is `active` unless started in the background. `last`
// is the capacity's last word for a whole clear (and after reset), else `ns_last_w`.
// Assumed of the block, which only starts it from a command: a start comes only while it
// is idle, with `ns_last_w` inside the buffer (the geometry engine refuses larger
// namespaces). Proven by induction in `cargo test -p lmsnoop-hdl --test units clear_engine`.
module props (
    input wire        clock,
    input wire        reset,
    input wire        start,
    input wire        start_whole,
    input wire        start_ram0,
    input wire        start_ram1,
    input wire        start_bg,
    input wire        start_irq,
    input wire [31:0] ns_last_w
);
    wire        active, blocking, zero0, zero1, we0, we1, done0, done1, done_irq;
    wire [31:0] wa;
    top dut (
        .clock(clock), .reset(reset), .start(start), .start_whole(start_whole),
        .start_ram0(start_ram0), .start_ram1(start_ram1), .start_bg(start_bg),
        .start_irq(start_irq), .ns_last_w(ns_last_w), .active(active),
        .blocking(blocking), .zero0(zero0), .zero1(zero1), .we0(we0), .we1(we1), .wa(wa),
        .done0(done0), .done1(done1), .done_irq(done_irq)
    );
    // probe: p_w = dut.w$q
    // probe: p_last = dut.last$q
    // probe: p_ram0 = dut.ram0$q
    // probe: p_ram1 = dut.ram1$q
    // probe: p_bg = dut.bg$q
    // probe: p_irq = dut.irq$q
    (* keep *) wire [31:0] p_w, p_last;
    (* keep *) wire        p_ram0, p_ram1, p_bg, p_irq;

    localparam [31:0] CAP_LAST = `CAPACITY / 64 - 1;
    always @* if (start & !reset) assume (!active & (ns_last_w <= CAP_LAST));

    // The shadow: the clear running, its word, its end and flags; last cycle's write.
    reg        started = 1'b0;
    // The cycle after a reset still writes what the unit was doing before it (zeroes a
    // word the reset's own clear zeroes again): the writes are judged from the cycle after.
    reg        was_started = 1'b0;
    reg        run = 1'b0, r0 = 1'b0, r1 = 1'b0, bg = 1'b0, irq = 1'b0;
    reg [31:0] i = 32'd0, last = 32'd0;
    reg        e_we0 = 1'b0, e_we1 = 1'b0;
    reg [31:0] e_wa = 32'd0;
    wire       end_word = run & (i == last);
    always @(posedge clock) begin
        was_started <= started;
        e_we0 <= run & r0;
        e_we1 <= run & r1;
        e_wa <= i;
        if (run) begin
            i <= end_word ? 32'd0 : i + 32'd1;
            if (end_word) run <= 1'b0;
        end
        if (start) begin
            run <= 1'b1;
            last <= start_whole ? CAP_LAST : ns_last_w;
            {r0, r1, bg, irq} <= {start_ram0, start_ram1, start_bg, start_irq};
        end
        if (reset) begin
            started <= 1'b1;
            run <= 1'b1;
            i <= 32'd0;
            last <= CAP_LAST;
            {r0, r1, bg, irq} <= 4'b1100;
        end
    end

    always @* if (started) begin
        active_is: assert (active == run);
        blocking_is: assert (blocking == (run & !bg));
        zeroes: assert ((zero0 == (run & r0)) & (zero1 == (run & r1)));
`ifdef MUTATE
        // The check of the check: a clear of RAM0 that skips its last word must fail.
        if (was_started)
            writes: assert ((we0 == (e_we0 & (e_wa != last))) & (we1 == e_we1));
`else
        if (was_started) writes: assert ((we0 == e_we0) & (we1 == e_we1));
`endif
        if (was_started & (we0 | we1)) write_address: assert (wa == e_wa);
        dones: assert ((done0 == (end_word & r0)) & (done1 == (end_word & r1))
                       & (done_irq == (end_word & irq)));
        // The induction's invariants: the unit's own registers agree with the shadow.
        inv_word: assert ((p_w == (run ? i : 32'd0)) & (run | (i == 32'd0)));
        inv_end: assert (!run | ((p_last == last) & (last <= CAP_LAST) & (i <= last)));
        inv_flags: assert (!run | ({p_ram0, p_ram1, p_bg, p_irq} == {r0, r1, bg, irq}));
    end
endmodule
