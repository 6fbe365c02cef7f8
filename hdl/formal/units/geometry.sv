// Geometry (hdl/src/tracker/geometry.rs) with CAPACITY granules (`-DCAPACITY=`): after a
// start with any NS_LBAS and any of the 64 shifts, `busy` is high for exactly `shift`
// cycles, and from the cycle after it falls until the next start `fits` says whether
// ceil(NS_LBAS / 2^shift) <= CAPACITY and, when it does, `granules` is that quotient.
// Proven by induction in `cargo test -p lmsnoop-hdl --test units geometry`; `reset` is one
// more start, so that every trace begins with one.
module props (
    input wire        clock,
    input wire        reset,
    input wire        start,
    input wire [63:0] ns_lbas,
    input wire [5:0]  shift
);
    wire        busy, fits;
    wire [31:0] granules;
    wire        go = start | reset;
    top dut (
        .clock(clock), .start(go), .ns_lbas(ns_lbas), .shift(shift),
        .busy(busy), .granules(granules), .fits(fits)
    );
    // probe: p_val = dut.val$q
    // probe: p_cnt = dut.cnt$q
    // probe: p_sticky = dut.sticky$q
    (* keep *) wire [63:0] p_val;
    (* keep *) wire [5:0]  p_cnt;
    (* keep *) wire        p_sticky;

    // The shadow: the last start's operands and the cycles since (saturating).
    reg        started = 1'b0;
    reg [63:0] s_ns = 64'd0;
    reg [5:0]  s_sh = 6'd0;
    reg [6:0]  age = 7'd0;
    always @(posedge clock) begin
        if (go) begin
            started <= 1'b1;
            s_ns <= ns_lbas;
            s_sh <= shift;
            age <= 7'd0;
        end else if (age != 7'd127) begin
            age <= age + 7'd1;
        end
    end

    wire [63:0] capacity = `CAPACITY;
    wire [63:0] low = ~(~64'd0 << s_sh);
    wire [64:0] ceil = {1'b0, s_ns >> s_sh} + {64'd0, (s_ns & low) != 64'd0};
    // Steps taken so far: min(age, shift).
    wire [5:0]  k = (age < {1'b0, s_sh}) ? age[5:0] : s_sh;
    wire        done = age >= {1'b0, s_sh} + 7'd1;

    always @* if (started) begin
        busy_for_shift: assert (busy == (age < {1'b0, s_sh}));
`ifdef MUTATE
        // The check of the check: the floor instead of the ceiling must fail.
        if (done) fits_is: assert (fits == ({1'b0, s_ns >> s_sh} <= {1'b0, capacity}));
`else
        if (done) fits_is: assert (fits == (ceil <= {1'b0, capacity}));
`endif
        if (done & fits) granules_is: assert ({33'd0, granules} == ceil);
        // The induction's invariants: after k steps, the value shifted k times, the steps
        // left, and whether a one was shifted out.
        inv_val: assert (p_val == s_ns >> k);
        inv_cnt: assert (p_cnt == s_sh - k);
        inv_sticky: assert (p_sticky == ((s_ns & ~(~64'd0 << k)) != 64'd0));
    end
endmodule
