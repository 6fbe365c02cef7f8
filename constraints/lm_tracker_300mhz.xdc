# lm_tracker at 300 MHz (3.333 ns) on an UltraScale+ SmartNIC-class card (Alveo-like shell).
#
# The block has one clock, `clock`, and a synchronous active-high `reset`. This file holds
# the clock only; read lm_tracker_io.xdc after it for the port delays, which are the same at
# 250 and 300 MHz because they model wires and flip-flops of the shell, not a share of the
# period. Written for out-of-context synthesis and implementation of the block (see
# constraints/README.md); inside a shell's user region the shell's own clock constraint
# governs and these files are not read.

create_clock -name clock -period 3.333 [get_ports clock]

# Jitter and phase error of the shell's MMCM, which an out-of-context run cannot see.
set_clock_uncertainty -setup 0.100 [get_clocks clock]

# Out of context the clock port has no buffer: model it arriving from a global clock
# buffer so that clock insertion delay and skew are estimated as they will be in the shell.
set_property HD.CLK_SRC BUFGCE_X0Y0 [get_ports clock]
