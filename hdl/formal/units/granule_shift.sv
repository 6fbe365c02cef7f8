// GranuleShift (hdl/src/tracker/granule.rs): `granule` is `(lba >> shift) & (CAPACITY - 1)`
// for every LBA and every shift, CAPACITY being the granules of the build (`-DCAPACITY=`).
// Proven by `cargo test -p lmsnoop-hdl --test units granule`.
module props (input wire [63:0] lba, input wire [5:0] shift);
    wire [31:0] granule;
    top dut (.lba(lba), .shift(shift), .granule(granule));

    wire [63:0] capacity = `CAPACITY;
    wire [63:0] reference = (lba >> shift) & (capacity - 64'd1);

    always @* shifts: assert (granule == reference[31:0]);
endmodule
