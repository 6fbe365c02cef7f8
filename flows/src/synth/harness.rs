//! The iCE40-HX8K I/O harness (`hdl/harness/ice40_hx8k.v`) and its pin constraints
//! (`constraints/lm_tracker_hx8k.pcf`), compiled into the binary so `lmsnoop synth` runs
//! from anywhere.

use crate::tools::WorkDir;
use anyhow::Result;

/// Top module of the harness.
pub const TOP: &str = "lm_tracker_hx8k";
/// File names in the work directory.
pub const HARNESS_FILE: &str = "ice40_hx8k.v";
pub const PCF_FILE: &str = "lm_tracker_hx8k.pcf";

/// The harness Verilog: feeds the block's 293 input bits besides clock and reset from one pin through a 64-bit
/// shift register and folds its 111 output bits onto one pin.
pub const HARNESS: &str = include_str!("../../../hdl/harness/ice40_hx8k.v");
/// Its pins on the iCE40-HX8K breakout board (ct256).
pub const PCF: &str = include_str!("../../../constraints/lm_tracker_hx8k.pcf");

/// Writes the harness and its PCF into the work directory.
pub fn write(dir: &WorkDir) -> Result<()> {
    dir.write(HARNESS_FILE, HARNESS)?;
    dir.write(PCF_FILE, PCF)
}
