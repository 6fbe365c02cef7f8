# lm_tracker timing constraints for generic SDC flows (OpenSTA, Quartus/TimeQuest-style and
# other Synopsys-Design-Constraints readers). The same clock name, budget and exceptions as
# the Vivado files (lm_tracker_250mhz.xdc / lm_tracker_300mhz.xdc + lm_tracker_io.xdc); see
# lm_tracker_io.xdc for why each delay is what it is.
#
# Clock period: 4.000 ns (250 MHz). For 300 MHz set lm_tracker_period to 3.333 before
# reading this file (`set lm_tracker_period 3.333`), or edit the default below.
if {![info exists lm_tracker_period]} {
    set lm_tracker_period 4.000
}
create_clock -name clock -period $lm_tracker_period [get_ports clock]
set_clock_uncertainty -setup 0.100 [get_clocks clock]

# Inputs: driven by shell flip-flops on `clock`, 1.0 ns after the edge at most.
set_input_delay -clock clock -max 1.000 [get_ports {uw_valid uw_slba[*] uw_nlb[*] cr_valid cr_slba[*] cr_nlb[*]}]
set_input_delay -clock clock -min 0.000 [get_ports {uw_valid uw_slba[*] uw_nlb[*] cr_valid cr_slba[*] cr_nlb[*]}]
set_input_delay -clock clock -max 1.000 [get_ports {ld_tvalid ld_tdata[*] q_tready}]
set_input_delay -clock clock -min 0.000 [get_ports {ld_tvalid ld_tdata[*] q_tready}]
set_input_delay -clock clock -max 1.000 [get_ports {s_axil_awaddr[*] s_axil_awvalid s_axil_wdata[*] s_axil_wstrb[*] s_axil_wvalid s_axil_bready s_axil_araddr[*] s_axil_arvalid s_axil_rready}]
set_input_delay -clock clock -min 0.000 [get_ports {s_axil_awaddr[*] s_axil_awvalid s_axil_wdata[*] s_axil_wstrb[*] s_axil_wvalid s_axil_bready s_axil_araddr[*] s_axil_arvalid s_axil_rready}]
# Reset: synchronous, from the shell's reset synchroniser: timed, not false-pathed.
set_input_delay -clock clock -max 1.000 [get_ports reset]
set_input_delay -clock clock -min 0.000 [get_ports reset]

# Outputs: captured by shell flip-flops on `clock`, needed 1.0 ns before the edge.
set_output_delay -clock clock -max 1.000 [get_ports {uw_ready cr_ready}]
set_output_delay -clock clock -min 0.000 [get_ports {uw_ready cr_ready}]
set_output_delay -clock clock -max 1.000 [get_ports {ld_tready q_tvalid q_tdata[*] q_tlast}]
set_output_delay -clock clock -min 0.000 [get_ports {ld_tready q_tvalid q_tdata[*] q_tlast}]
set_output_delay -clock clock -max 1.000 [get_ports {s_axil_awready s_axil_wready s_axil_bresp[*] s_axil_bvalid s_axil_arready s_axil_rdata[*] s_axil_rresp[*] s_axil_rvalid}]
set_output_delay -clock clock -min 0.000 [get_ports {s_axil_awready s_axil_wready s_axil_bresp[*] s_axil_bvalid s_axil_arready s_axil_rdata[*] s_axil_rresp[*] s_axil_rvalid}]

# Interrupt: a sticky level, synchronised by the consumer: not timed.
set_false_path -to [get_ports irq]
