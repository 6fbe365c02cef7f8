# Port delays of lm_tracker for an UltraScale+ SmartNIC-class shell, for either clock file
# (lm_tracker_250mhz.xdc or lm_tracker_300mhz.xdc, read first: they define `clock`).
#
# Budget assumed: in the shell every port of the block is driven by, or captured in, a
# flip-flop on the same clock (AXI register slices on the stream and CSR paths, the snoop
# taps' output registers, the reset synchroniser's last stage), placed next to the block's
# partition. An input therefore arrives 1.0 ns after the clock edge at most (clock-to-out
# of about 0.1 ns and up to 0.9 ns of routing across the partition boundary), and an output
# must be there 1.0 ns before the edge (routing plus the capturing flip-flop's setup). That
# leaves the block 3.0 ns (250 MHz) or 2.33 ns (300 MHz) for logic between a port and its
# first or last register. The minimum delays are 0: the shell's flop can change its output
# right after the edge, and hold is checked against that.

# Snoop streams: user writes (uw_*) and copy reads (cr_*).
set_input_delay  -clock clock -max 1.000 [get_ports {uw_valid uw_slba[*] uw_nlb[*] cr_valid cr_slba[*] cr_nlb[*]}]
set_input_delay  -clock clock -min 0.000 [get_ports {uw_valid uw_slba[*] uw_nlb[*] cr_valid cr_slba[*] cr_nlb[*]}]
set_output_delay -clock clock -max 1.000 [get_ports {uw_ready cr_ready}]
set_output_delay -clock clock -min 0.000 [get_ports {uw_ready cr_ready}]

# Bitmap streams: load into the passive buffer (ld_*), query out of it (q_*).
set_input_delay  -clock clock -max 1.000 [get_ports {ld_tvalid ld_tdata[*] q_tready}]
set_input_delay  -clock clock -min 0.000 [get_ports {ld_tvalid ld_tdata[*] q_tready}]
set_output_delay -clock clock -max 1.000 [get_ports {ld_tready q_tvalid q_tdata[*] q_tlast}]
set_output_delay -clock clock -min 0.000 [get_ports {ld_tready q_tvalid q_tdata[*] q_tlast}]

# CSR slave: AXI4-Lite from the shell's control interconnect (through a register slice).
set_input_delay  -clock clock -max 1.000 [get_ports {s_axil_awaddr[*] s_axil_awvalid s_axil_wdata[*] s_axil_wstrb[*] s_axil_wvalid s_axil_bready s_axil_araddr[*] s_axil_arvalid s_axil_rready}]
set_input_delay  -clock clock -min 0.000 [get_ports {s_axil_awaddr[*] s_axil_awvalid s_axil_wdata[*] s_axil_wstrb[*] s_axil_wvalid s_axil_bready s_axil_araddr[*] s_axil_arvalid s_axil_rready}]
set_output_delay -clock clock -max 1.000 [get_ports {s_axil_awready s_axil_wready s_axil_bresp[*] s_axil_bvalid s_axil_arready s_axil_rdata[*] s_axil_rresp[*] s_axil_rvalid}]
set_output_delay -clock clock -min 0.000 [get_ports {s_axil_awready s_axil_wready s_axil_bresp[*] s_axil_bvalid s_axil_arready s_axil_rdata[*] s_axil_rresp[*] s_axil_rvalid}]

# Reset: synchronous and active high, from the shell's reset synchroniser (a flip-flop on
# `clock`), so it is timed like any other input and not false-pathed: the block samples it
# on clock edges, and a reset edge that missed setup would release part of the block a
# cycle before the rest. If its fanout makes the path long, the shell should register it
# again next to the block rather than relax this.
set_input_delay  -clock clock -max 1.000 [get_ports reset]
set_input_delay  -clock clock -min 0.000 [get_ports reset]

# Interrupt: a level, |(IRQ_STATUS & IRQ_ENABLE), sticky until software clears the cause
# with a CSR write. The shell's interrupt controller synchronises and edge-detects it, and a
# cycle more or less of latency changes nothing, so it is not timed.
set_false_path -to [get_ports irq]
