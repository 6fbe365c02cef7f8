//! Which tracker implementation the firmware runs on.

use anyhow::{bail, ensure, Result};
use lmsnoop_sim::{GoldenTracker, TrackerPort};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The Rust golden model.
    Golden,
    /// The generated Verilog, simulated by Verilator (build with `--features rtl`).
    Rtl,
}

/// A tracker holding at least `granules` granules; `vcd` dumps the RTL's waveforms. Its
/// errors are the user's choices (backend, flags, namespace), each naming the flag.
pub fn make_port(
    backend: Backend,
    granules: u64,
    vcd: Option<&Path>,
) -> Result<Box<dyn TrackerPort>> {
    ensure!(
        (1..=GoldenTracker::MAX_CAPACITY).contains(&granules),
        "--namespace / --granule: a tracker holds 1 to {} granules (32-bit granule \
         registers), not {granules}",
        GoldenTracker::MAX_CAPACITY
    );
    match backend {
        Backend::Golden => {
            if vcd.is_some() {
                bail!("--vcd records the RTL's waveforms: use it with --backend rtl");
            }
            Ok(Box::new(GoldenTracker::new(granules)))
        }
        Backend::Rtl => rtl(granules, vcd),
    }
}

#[cfg(feature = "rtl")]
fn rtl(granules: u64, vcd: Option<&Path>) -> Result<Box<dyn TrackerPort>> {
    let mut t = lmsnoop_sim::rtl::RtlTracker::new(granules).map_err(|e| {
        anyhow::anyhow!("--backend rtl: {e}: choose a larger --granule, or the golden model")
    })?;
    if let Some(path) = vcd {
        t = t
            .with_vcd(path)
            .map_err(|e| anyhow::anyhow!("--vcd: {e}"))?;
    }
    Ok(Box::new(t))
}

#[cfg(not(feature = "rtl"))]
fn rtl(_granules: u64, _vcd: Option<&Path>) -> Result<Box<dyn TrackerPort>> {
    bail!(
        "--backend rtl: this lmsnoop was built without the RTL backend: rebuild with \
         `cargo build --release --features rtl` (needs Verilator: `apt-get install verilator`)"
    )
}
