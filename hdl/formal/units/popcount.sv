// Popcount64 (hdl/src/tracker/popcount.rs): `count` is the number of ones in `word`, for
// each of the 2^64 words. Proven by `cargo test -p lmsnoop-hdl --test units popcount`.
module props (input wire [63:0] word);
    wire [6:0] count;
    top dut (.word(word), .count(count));

    function automatic [6:0] ones(input [63:0] w);
        integer i;
        begin
            ones = 7'd0;
            for (i = 0; i < 64; i = i + 1) ones = ones + {6'd0, w[i]};
        end
    endfunction

`ifdef MUTATE
    // The check of the check: a reference one off for words with bit 0 set must fail.
    always @* counts: assert (count == ones(word) + {6'd0, word[0]});
`else
    always @* counts: assert (count == ones(word));
`endif
endmodule
