//! Running the tools: Yosys for synthesis, statistics and the longest path; nextpnr-ice40
//! for placement, routing and timing of the iCE40 harness.

use super::harness;
use super::Target;
use crate::tools::{spawn, tool_version, WorkDir};
use anyhow::{Context, Result};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The tools a target's flow needs, checked before any work is done.
pub fn check_tools(target: Target) -> Result<(String, Option<String>)> {
    let yosys = tool_version("yosys", "-V")?;
    let nextpnr = match target {
        Target::Ice40Hx8k => Some(tool_version("nextpnr-ice40", "--version")?),
        _ => None,
    };
    Ok((yosys, nextpnr))
}

/// Cells deleted before `ltp`, so that the longest path it finds is combinational: from a
/// register, RAM output or input to a register, RAM input or output.
fn cut_cells(target: Target) -> &'static str {
    match target {
        Target::Ice40Hx8k => "t:SB_DFF* t:SB_RAM40_4K t:SB_IO t:SB_GB*",
        Target::Xc7 | Target::Xcup => "t:FD* t:RAMB* t:URAM* t:*BUF*",
    }
}

/// Renames the cells on which `ltp` paths are classified (lut_, carry_, mux_ prefixes).
fn classify_cells(target: Target) -> String {
    let kinds: &[(&str, &str)] = match target {
        Target::Ice40Hx8k => &[("lut", "t:SB_LUT4"), ("carry", "t:SB_CARRY")],
        Target::Xc7 | Target::Xcup => {
            &[("lut", "t:LUT*"), ("carry", "t:CARRY*"), ("mux", "t:MUXF*")]
        }
    };
    kinds
        .iter()
        .map(|(prefix, cells)| {
            // synth_ice40 gives cells public names (autoname); -enumerate renames only
            // private ones, so hide them first.
            format!("rename -hide {cells}\nrename -enumerate -pattern {prefix}_% {cells}\n")
        })
        .collect()
}

/// The Yosys script of a target. The block is synthesised alone (`-top lm_tracker`) for its
/// statistics and longest path. On iCE40 the design is then reset and synthesised again
/// with the harness, the block kept as its own module so the harness's cells can be counted
/// apart (harness_stat.txt), and flattened into the netlist nextpnr places.
pub fn yosys_script(target: Target) -> String {
    let block = format!(
        "read_verilog lm_tracker.v\n\
         {synth}\n\
         tee -q -o stat.txt stat\n\
         write_blif block.blif\n\
         delete {cut}\n\
         {classify}\
         tee -q -o ltp.txt ltp -noff lm_tracker\n",
        synth = target.synth_command(),
        cut = cut_cells(target),
        classify = classify_cells(target),
    );
    match target {
        Target::Ice40Hx8k => format!(
            "{block}\
             design -reset\n\
             read_verilog lm_tracker.v\n\
             read_verilog {harness}\n\
             hierarchy -top {top}\n\
             setattr -mod -set keep_hierarchy 1 lm_tracker\n\
             synth_ice40 -top {top}\n\
             tee -q -o harness_stat.txt stat\n\
             flatten\n\
             write_json {top}.json\n",
            harness = harness::HARNESS_FILE,
            top = harness::TOP,
        ),
        Target::Xc7 | Target::Xcup => block,
    }
}

/// Runs Yosys on the script in `dir` (log in yosys.log).
pub fn yosys(dir: &WorkDir, script: &str) -> Result<()> {
    dir.write("synth.ys", script)?;
    crate::tools::yosys_logged(dir, "synth.ys", "yosys.log")
}

/// Places and routes the harness netlist on an HX8K (ct256) with placer seed `seed`, asking
/// for 100 MHz. Returns whether nextpnr succeeded and its log (`nextpnr-seed<N>.log`). A
/// design that misses 100 MHz still succeeds (`--timing-allow-fail`): the figure wanted is
/// the frequency it reaches. A design close to full can keep the placer busy for a long
/// time, so nextpnr is stopped after `timeout`; the log then ends with an `ERROR:` line
/// saying so. Runs for different seeds share the netlist and may run at the same time.
pub fn nextpnr_ice40(dir: &WorkDir, seed: u64, timeout: Duration) -> Result<(bool, String)> {
    let json = format!("{}.json", harness::TOP);
    let log_path = dir.path.join(format!("nextpnr-seed{seed}.log"));
    let seed_arg = seed.to_string();
    let asc = format!("lm_tracker_hx8k-seed{seed}.asc");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut child = spawn(
        "nextpnr-ice40",
        Command::new("nextpnr-ice40")
            .args([
                "--hx8k",
                "--package",
                "ct256",
                "--freq",
                "100",
                "--seed",
                &seed_arg,
                "--timing-allow-fail",
                "--pcf",
                harness::PCF_FILE,
                "--json",
                &json,
                "--asc",
                &asc,
            ])
            .current_dir(&dir.path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log),
    )?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let ok = match status {
        Some(s) => s.success(),
        None => {
            text.push_str(&format!(
                "\nERROR: nextpnr-ice40 did not finish within {} s and was stopped \
                 (--pnr-timeout)\n",
                timeout.as_secs()
            ));
            std::fs::write(&log_path, &text)?;
            false
        }
    };
    Ok((ok, text))
}
