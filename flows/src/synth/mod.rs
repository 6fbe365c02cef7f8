//! `lmsnoop synth`: synthesise the `lm_tracker` block for an FPGA family with Yosys (and,
//! on iCE40, place and route it with nextpnr), report its area, logic depth and timing, and
//! fail loudly when the bitmaps did not become RAM.
//!
//! [`flow`] runs the tools, [`parse`] reads their reports, [`cones`] charges the LUTs to
//! the block's units, [`fit`] holds the memory arithmetic and the Alveo fit analysis,
//! [`harness`] the iCE40 I/O harness.

pub mod cones;
pub mod fit;
pub mod flow;
pub mod harness;
pub mod parse;

use anyhow::{bail, Result};
use fit::MemoryPlan;
use parse::{Cells, LongestPath};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// An FPGA family the flow synthesises for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Lattice iCE40 HX8K (ct256): `synth_ice40`, then nextpnr-ice40 on the harness.
    Ice40Hx8k,
    /// AMD/Xilinx 7 series: `synth_xilinx -family xc7`.
    Xc7,
    /// AMD/Xilinx UltraScale+: `synth_xilinx -family xcup`.
    Xcup,
    /// Lattice ECP5 LFE5UM-85F: `synth_ecp5`, then nextpnr-ecp5 on the block alone, out of
    /// context (its I/O bits outnumber the package's pins).
    Ecp5_85,
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::Ice40Hx8k,
        Target::Xc7,
        Target::Xcup,
        Target::Ecp5_85,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Ice40Hx8k => "ice40-hx8k",
            Target::Xc7 => "xc7",
            Target::Xcup => "xcup",
            Target::Ecp5_85 => "ecp5-85",
        }
    }

    /// "ice40-hx8k, xc7, xcup or ecp5-85", for messages.
    pub fn names() -> String {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        let (last, rest) = names.split_last().expect("targets");
        format!("{} or {last}", rest.join(", "))
    }

    pub fn parse(text: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == text)
    }

    /// The Yosys synthesis command, for the reports.
    pub fn synth_command(self) -> String {
        match self {
            Target::Ice40Hx8k => "synth_ice40 -top lm_tracker".to_string(),
            Target::Ecp5_85 => "synth_ecp5 -top lm_tracker".to_string(),
            Target::Xc7 | Target::Xcup => format!(
                "synth_xilinx -flatten -family {} -top lm_tracker",
                self.name()
            ),
        }
    }

    /// Granules when `--granules` is not given: 32K on the iCE40 (its benchmark size, half
    /// of its block RAM), the committed default build (2^20) elsewhere.
    pub fn default_granules(self) -> u64 {
        match self {
            Target::Ice40Hx8k => 1 << 15,
            _ => 1 << 20,
        }
    }
}

/// Granule counts this build can synthesise: 64 << A for each compiled-in A.
pub fn supported_granules() -> Vec<u64> {
    lmsnoop_hdl::tracker::SYNTH_ADDR_BITS
        .iter()
        .map(|&a| 64u64 << a)
        .collect()
}

/// The RAM address width A of `granules` (= 64 << A), or an error listing what is built in.
pub fn addr_bits_of(granules: u64) -> Result<u32> {
    let supported = supported_granules();
    if !supported.contains(&granules) {
        let list: Vec<String> = supported.iter().map(u64::to_string).collect();
        bail!(
            "unsupported --granules {granules}: the block is built for a power of two \
             64 << A granules, and this binary contains {}",
            list.join(", ")
        );
    }
    Ok(granules.trailing_zeros() - 6)
}

/// The granule counts of `--sweep`: 2^12 ..= 2^20.
pub fn sweep_granules() -> Vec<u64> {
    (12..=20).map(|s| 1u64 << s).collect()
}

/// Cells by what they are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellCounts {
    /// LUT1..LUT6 (Xilinx), SB_LUT4 (iCE40) or LUT4 (ECP5).
    pub luts: u64,
    /// FD* (Xilinx), SB_DFF* (iCE40) or TRELLIS_FF (ECP5).
    pub ffs: u64,
    /// CARRY4/CARRY8, SB_CARRY or CCU2C (two bits each).
    pub carries: u64,
    /// MUXF7/MUXF8/MUXF9, or PFUMX/L6MUX21 (ECP5).
    pub muxes: u64,
    /// Block RAMs: SB_RAM40_4K, DP16KD, or RAMB36 equivalents (a RAMB18 is 0.5).
    pub brams: f64,
    /// URAM288.
    pub urams: u64,
    /// LUT-RAM cells: Xilinx RAM32M, RAM64M, RAM32M16, RAM64M8, RAM*X1*; ECP5
    /// TRELLIS_DPR16X4.
    pub lutram_cells: u64,
}

/// Classifies Yosys cell names.
pub fn classify(cells: &Cells) -> CellCounts {
    let mut c = CellCounts::default();
    for (name, &n) in cells {
        let name = name.as_str();
        if name == "SB_LUT4" || (name.starts_with("LUT") && name.len() == 4) {
            c.luts += n;
        } else if name.starts_with("SB_DFF") || name.starts_with("FD") || name == "TRELLIS_FF" {
            c.ffs += n;
        } else if name == "SB_CARRY" || name.starts_with("CARRY") || name == "CCU2C" {
            c.carries += n;
        } else if name.starts_with("MUXF") || name == "PFUMX" || name == "L6MUX21" {
            c.muxes += n;
        } else if name == "TRELLIS_DPR16X4" {
            c.lutram_cells += n;
        } else if name == "SB_RAM40_4K" || name == "DP16KD" || name.starts_with("RAMB36") {
            c.brams += n as f64;
        } else if name.starts_with("RAMB18") {
            c.brams += 0.5 * n as f64;
        } else if name.starts_with("URAM") {
            c.urams += n;
        } else if name.starts_with("RAM") {
            c.lutram_cells += n;
        }
    }
    c
}

/// The cells of `cells` whose names start with one of `prefixes`, as "NAME count, ...".
fn breakdown(cells: &Cells, prefixes: &[&str]) -> String {
    cells
        .iter()
        .filter(|(n, _)| prefixes.iter().any(|p| n.starts_with(p)))
        .map(|(n, c)| format!("{n} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What nextpnr made of the design with one placer seed (iCE40: block and harness on the
/// HX8K; ECP5: the block alone).
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub seed: u64,
    /// nextpnr placed and routed the design.
    pub fits: bool,
    pub fmax_mhz: Option<f64>,
    /// `(used, available)` logic cells, block RAMs and I/O cells.
    pub lcs: Option<(u64, u64)>,
    pub rams: Option<(u64, u64)>,
    pub ios: Option<(u64, u64)>,
    pub error: Option<String>,
    pub version: String,
    /// What limits this seed's Fmax (nextpnr-ice40 and -ecp5 print it).
    pub critical: Option<parse::CriticalPath>,
}

/// One synthesis run.
#[derive(Clone, Debug)]
pub struct Report {
    pub target: Target,
    pub granules: u64,
    pub addr_bits: u32,
    pub yosys: String,
    /// Every cell of the block, by Yosys name.
    pub cells: Cells,
    pub block: CellCounts,
    /// The block's LUTs by functional unit.
    pub lut_share: cones::LutShare,
    /// Logic depth into each register, RAM port group and output, deepest first.
    pub depths: Vec<(String, u32)>,
    pub plan: MemoryPlan,
    /// Register bits of the generated Verilog, and the flip-flop bound built on them.
    pub register_bits: u64,
    pub ff_bound: u64,
    pub path: Option<LongestPath>,
    /// The iCE40 harness's own cells (without the block).
    pub harness: Option<CellCounts>,
    /// One place and route per seed (iCE40, ECP5), in seed order; empty on Xilinx.
    pub placements: Vec<Placement>,
    /// The place-and-route command, files and seed left out; None on Xilinx.
    pub pnr_command: Option<String>,
    pub seconds: f64,
    /// Why the bitmaps are not where the arithmetic says; empty when they are.
    pub memory_problems: Vec<String>,
}

/// The logic depth the issue sets on UltraScale+ (cells from any flop or RAM output to any
/// flop), the proxy this repository can measure for closing 250 MHz in a SmartNIC shell.
pub const DEPTH_TARGET: u32 = 8;

/// Registers listed by depth in the JSON report.
const DEPTH_LISTED: usize = 30;

/// Options of one run.
pub struct Options {
    pub target: Target,
    pub granules: u64,
    /// Keep the work files (Verilog, scripts, logs, netlists) under this directory.
    pub keep: Option<PathBuf>,
    /// Progress lines on standard error.
    pub progress: bool,
    /// nextpnr is stopped after this long (iCE40).
    pub pnr_timeout: std::time::Duration,
    /// Placer seeds (iCE40): one place and route each, run side by side. Placement moves
    /// Fmax by several percent from seed to seed on a nearly full device, so a figure worth
    /// comparing is the median over a few seeds.
    pub seeds: Vec<u64>,
}

/// The median of `values` (the mean of the middle two for an even count); None when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

fn memory_problems(block: &CellCounts, plan: &MemoryPlan, ffs_bound: u64) -> Vec<String> {
    let mut p = Vec::new();
    if block.brams != plan.brams {
        p.push(format!(
            "{} block RAMs where the bitmaps need {} {}",
            block.brams, plan.brams, plan.primitive
        ));
    }
    if block.urams != plan.urams {
        p.push(format!(
            "{} URAM288 where {} were expected",
            block.urams, plan.urams
        ));
    }
    if block.lutram_cells != plan.lutram_cells {
        p.push(format!(
            "{} LUT-RAM cells where {} were expected",
            block.lutram_cells, plan.lutram_cells
        ));
    }
    if block.ffs > ffs_bound {
        p.push(format!(
            "{} flip-flops, more than the {ffs_bound} the control logic can need: the RAM \
             exploded into registers",
            block.ffs
        ));
    }
    p
}

/// Synthesises the block (and on iCE40 places the harness) and reports. The memory check
/// is in [`Report::memory_problems`]; [`Report::check`] turns it into an error.
pub fn run(opts: &Options) -> Result<Report> {
    let started = Instant::now();
    let addr_bits = addr_bits_of(opts.granules)?;
    let (yosys_version, nextpnr) = flow::check_tools(opts.target)?;
    let Some(verilog) = lmsnoop_hdl::tracker::verilog_for_granules(opts.granules, "lm_tracker")
    else {
        bail!("no Verilog for {} granules", opts.granules);
    };
    let label = format!("{}-{}", opts.target.name(), opts.granules);
    let dir = crate::tools::WorkDir::new(opts.keep.as_deref(), &label)?;
    dir.write("lm_tracker.v", &verilog)?;
    if opts.target == Target::Ice40Hx8k {
        harness::write(&dir)?;
    }
    if opts.progress {
        eprintln!(
            "lmsnoop synth: yosys {} with {} granules in {}",
            opts.target.synth_command(),
            opts.granules,
            dir.path.display()
        );
    }
    flow::yosys(&dir, &flow::yosys_script(opts.target))?;
    let stat = dir.read("stat.txt")?;
    let sections = parse::stat_sections(&stat);
    let Some(cells) = sections.get("lm_tracker").cloned() else {
        bail!("yosys's statistics name no module lm_tracker:\n{stat}");
    };
    let block = classify(&cells);
    let blif = dir.read("block.blif")?;
    let lut_share = cones::lut_share(&blif);
    let depths = cones::depths(&blif);
    let harness = match opts.target {
        Target::Ice40Hx8k => {
            let stat = dir.read("harness_stat.txt")?;
            let Some(h) = parse::stat_cells(&stat, harness::TOP) else {
                bail!(
                    "yosys's statistics name no module {}:\n{stat}",
                    harness::TOP
                );
            };
            Some(classify(&h))
        }
        _ => None,
    };
    let path = parse::longest_path(&dir.read("ltp.txt").unwrap_or_default());
    let pnr_command = nextpnr
        .as_ref()
        .map(|(program, _)| pnr_command(opts.target, program));
    let placements = match nextpnr {
        Some((program, version)) => {
            if opts.seeds.is_empty() {
                bail!("no placer seed given");
            }
            let mut sorted = opts.seeds.clone();
            sorted.sort_unstable();
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                bail!("seed {} given twice", w[0]);
            }
            if opts.progress {
                eprintln!(
                    "lmsnoop synth: {}, seeds {}",
                    pnr_command.as_deref().unwrap_or_default(),
                    seed_list(&opts.seeds)
                );
            }
            let pnr = Pnr {
                target: opts.target,
                program: &program,
                version: &version,
                timeout: opts.pnr_timeout,
            };
            opts.seeds
                .par_iter()
                .map(|&seed| place(&dir, &pnr, seed))
                .collect::<Result<Vec<_>>>()?
        }
        None => Vec::new(),
    };
    let plan = fit::plan(opts.target, addr_bits);
    let register_bits = parse::register_bits(&verilog);
    let ff_bound = fit::ff_bound(register_bits, addr_bits);
    let memory_problems = memory_problems(&block, &plan, ff_bound);
    Ok(Report {
        target: opts.target,
        granules: opts.granules,
        addr_bits,
        yosys: yosys_version,
        cells,
        block,
        lut_share,
        depths,
        plan,
        register_bits,
        ff_bound,
        path,
        harness,
        placements,
        pnr_command,
        seconds: started.elapsed().as_secs_f64(),
        memory_problems,
    })
}

/// How nextpnr is run for one report.
struct Pnr<'a> {
    target: Target,
    program: &'a str,
    version: &'a str,
    timeout: std::time::Duration,
}

/// The place-and-route command of `target`, files and seed left out, for the reports.
pub fn pnr_command(target: Target, program: &str) -> String {
    format!(
        "{program} {} --freq {}",
        flow::device_args(target).join(" "),
        flow::pnr_freq_mhz(target)
    )
}

/// The utilisation line names nextpnr gives logic cells, block RAMs and I/O cells.
fn utilisation_names(target: Target) -> [&'static str; 3] {
    match target {
        Target::Ecp5_85 => ["TRELLIS_COMB", "DP16KD", "TRELLIS_IO"],
        _ => ["ICESTORM_LC", "ICESTORM_RAM", "SB_IO"],
    }
}

/// What nextpnr places on `target`.
fn placed_what(target: Target) -> &'static str {
    match target {
        Target::Ecp5_85 => "the block alone, out of context",
        _ => "block + harness",
    }
}

/// One nextpnr run and what its log says.
fn place(dir: &crate::tools::WorkDir, pnr: &Pnr, seed: u64) -> Result<Placement> {
    let (ok, log) = flow::nextpnr(dir, pnr.target, pnr.program, seed, pnr.timeout)?;
    let mut r = parse::nextpnr_log(&log);
    let [lcs, rams, ios] = utilisation_names(pnr.target);
    if let Some(stopped) = log.lines().rfind(|l| l.contains("did not finish")) {
        r.error = Some(stopped.to_string());
    }
    Ok(Placement {
        seed,
        fits: ok,
        fmax_mhz: if ok { r.fmax_mhz } else { None },
        lcs: r.utilisation.get(lcs).copied(),
        rams: r.utilisation.get(rams).copied(),
        ios: r.utilisation.get(ios).copied(),
        error: if ok {
            None
        } else {
            r.error.or(Some(tail(&log)))
        },
        version: pnr.version.to_string(),
        critical: if ok { r.critical } else { None },
    })
}

/// "1,2,3".
pub fn seed_list(seeds: &[u64]) -> String {
    let s: Vec<String> = seeds.iter().map(u64::to_string).collect();
    s.join(",")
}

fn tail(log: &str) -> String {
    log.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("nextpnr failed")
        .trim()
        .to_string()
}

fn pair_json(p: Option<(u64, u64)>) -> Value {
    p.map_or(
        Value::Null,
        |(used, available)| json!({ "used": used, "available": available }),
    )
}

fn counts_json(c: &CellCounts) -> Value {
    json!({
        "luts": c.luts,
        "ffs": c.ffs,
        "carries": c.carries,
        "muxes": c.muxes,
        "brams": c.brams,
    })
}

impl Report {
    /// The memory arithmetic and the flip-flop bound, one line each.
    pub fn memory_lines(&self) -> Vec<String> {
        let mut lines = self.plan.explain.clone();
        lines.push(format!(
            "flip-flops {} against a bound of {}: {} register bits in the RTL + 2 RAMs x \
             (2 x 64 + 2 x {} + 8) for read-data, bypass and address registers; one buffer in \
             flip-flops would add {}",
            self.block.ffs,
            self.ff_bound,
            self.register_bits,
            self.addr_bits,
            (1u64 << self.addr_bits) * 64
        ));
        lines
    }

    /// An error when the bitmaps are not in the RAM the arithmetic says.
    pub fn check(&self) -> Result<()> {
        if self.memory_problems.is_empty() {
            return Ok(());
        }
        bail!(
            "{} at {} granules: the bitmaps did not become {}: {}\n  {}",
            self.target.name(),
            self.granules,
            self.plan.primitive,
            self.memory_problems.join("; "),
            self.memory_lines().join("\n  ")
        )
    }

    /// `[{unit, luts}]`, the unclaimed registers last as `{register, luts}`.
    fn lut_units_json(&self) -> Value {
        let round = |v: f64| (v * 10.0).round() / 10.0;
        let share = &self.lut_share;
        let units = share
            .units
            .iter()
            .map(|(u, v)| json!({ "unit": u, "luts": round(*v) }));
        let unclaimed = share
            .unclaimed
            .iter()
            .map(|(r, v)| json!({ "register": r, "luts": round(*v) }));
        Value::Array(units.chain(unclaimed).collect())
    }

    /// Registers, RAM port groups and outputs deeper than [`DEPTH_TARGET`].
    pub fn over_depth_target(&self) -> usize {
        self.depths
            .iter()
            .filter(|(_, d)| *d > DEPTH_TARGET)
            .count()
    }

    fn depths_json(&self) -> Value {
        let rows = self
            .depths
            .iter()
            .take(DEPTH_LISTED)
            .map(|(g, d)| json!({ "register": g, "unit": cones::unit_of(g), "depth": d }));
        Value::Array(rows.collect())
    }

    /// The LUTs by unit, one line each.
    fn lut_lines(&self) -> Vec<String> {
        let share = &self.lut_share;
        let mut lines: Vec<String> = share
            .units
            .iter()
            .map(|(u, v)| format!("{u:<40} {v:>6.0}"))
            .collect();
        for (r, v) in &share.unclaimed {
            lines.push(format!("{:<40} {v:>6.0}", format!("{r} (no unit)")));
        }
        if share.dangling > 0 {
            lines.push(format!("{:<40} {:>6}", "reaching nothing", share.dangling));
        }
        lines
    }

    /// Whether every seed placed and routed; None where nothing was placed (Xilinx).
    pub fn fits(&self) -> Option<bool> {
        (!self.placements.is_empty()).then(|| self.placements.iter().all(|p| p.fits))
    }

    /// Fmax over the seeds: (median, min, max), only when every seed routed.
    pub fn fmax_mhz(&self) -> Option<(f64, f64, f64)> {
        let f: Option<Vec<f64>> = self.placements.iter().map(|p| p.fmax_mhz).collect();
        let f = f.filter(|f| !f.is_empty())?;
        let min = f.iter().copied().fold(f64::INFINITY, f64::min);
        let max = f.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((median(&f)?, min, max))
    }

    fn seeds_json(&self) -> Value {
        let seeds = self.placements.iter().map(|p| {
            json!({
                "seed": p.seed,
                "fits": p.fits,
                "fmax_mhz": p.fmax_mhz,
                "pnr_error": p.error,
                "critical_path": p.critical.as_ref().map(|c| json!({
                    "from": c.from,
                    "to": c.to,
                    "from_cell": c.from_cell,
                    "to_cell": c.to_cell,
                    "cells": c.cells,
                    "carries": c.carries,
                    "logic_ns": c.logic_ns,
                    "routing_ns": c.routing_ns,
                })),
            })
        });
        Value::Array(seeds.collect())
    }

    pub fn json(&self) -> Value {
        // The netlist is the same for every seed: so are the packed cell counts.
        let p = self.placements.first();
        let fmax = self.fmax_mhz();
        let path = self.path.as_ref();
        let cells: Vec<Value> = self
            .cells
            .iter()
            .map(|(n, &c)| json!({ "cell": n, "count": c }))
            .collect();
        let mut v = json!({
            "target": self.target.name(),
            "granules": self.granules,
            "addr_bits": self.addr_bits,
            "bitmap_bits": fit::bitmap_bits(self.addr_bits),
            "luts": self.block.luts,
            "ffs": self.block.ffs,
            "carries": self.block.carries,
            "muxes": self.block.muxes,
            "lut_units": self.lut_units_json(),
            "brams": self.block.brams,
            "brams_expected": self.plan.brams,
            "bram_primitive": self.plan.primitive,
            "urams": self.block.urams,
            "lutram_cells": self.block.lutram_cells,
            "lutram_cells_expected": self.plan.lutram_cells,
            "ffs_bound": self.ff_bound,
            "register_bits": self.register_bits,
            "memory_ok": self.memory_problems.is_empty(),
            "memory_problems": self.memory_problems,
            "logic_depth": path.map(|p| p.cells),
            "logic_depth_luts": path.map(|p| p.luts),
            "logic_depth_carries": path.map(|p| p.carries),
            "logic_depth_muxes": path.map(|p| p.muxes),
            "logic_depth_path": path.map(|p| format!("{} -> {}", p.from, p.to)),
            "fmax_mhz": fmax.map(|f| f.0),
            "fmax_min_mhz": fmax.map(|f| f.1),
            "fmax_max_mhz": fmax.map(|f| f.2),
            "fits": self.fits(),
            "seeds": self.seeds_json(),
            "device_lcs": pair_json(p.and_then(|p| p.lcs)),
            "device_rams": pair_json(p.and_then(|p| p.rams)),
            "device_ios": pair_json(p.and_then(|p| p.ios)),
            "pnr_error": self.placements.iter().find_map(|p| p.error.clone()),
            "harness": self.harness.as_ref().map(counts_json),
            "yosys": self.yosys,
            "nextpnr": p.map(|p| p.version.as_str()),
            "synth_command": self.target.synth_command(),
            "cells": cells,
            "wall_seconds": self.seconds,
        });
        // Apart from the rest: one json! of every key exceeds the macro's recursion limit.
        v["depth_by_register"] = self.depths_json();
        v["depth_target"] = json!(DEPTH_TARGET);
        v["over_depth_target"] = json!(self.over_depth_target());
        v
    }

    pub fn table(&self) -> String {
        let mut s = String::new();
        let b = &self.block;
        let c = &self.cells;
        let _ = writeln!(
            s,
            "lm_tracker, {} granules (2 buffers of 2^{} words x 64 bits), target {}",
            self.granules,
            self.addr_bits,
            self.target.name()
        );
        let _ = writeln!(s, "{}: {}", self.yosys, self.target.synth_command());
        let _ = writeln!(s);
        let _ = writeln!(s, "block alone      {:>8}", "count");
        let rows: [(&str, String, String); 5] = [
            ("LUTs", b.luts.to_string(), breakdown(c, &["LUT", "SB_LUT"])),
            (
                "flip-flops",
                b.ffs.to_string(),
                breakdown(c, &["FD", "SB_DFF"]),
            ),
            (
                "carry cells",
                b.carries.to_string(),
                breakdown(c, &["CARRY", "SB_CARRY"]),
            ),
            ("muxes", b.muxes.to_string(), breakdown(c, &["MUXF"])),
            (
                "block RAM",
                format!("{}", b.brams),
                format!(
                    "expected {} {}{}",
                    self.plan.brams,
                    self.plan.primitive,
                    match breakdown(c, &["RAMB", "SB_RAM", "URAM"]) {
                        x if x.is_empty() => String::new(),
                        x => format!("; got {x}"),
                    }
                ),
            ),
        ];
        for (name, value, detail) in rows {
            let _ = writeln!(s, "{name:<16} {value:>8}   {detail}");
        }
        if b.lutram_cells > 0 || self.plan.lutram_cells > 0 {
            let _ = writeln!(
                s,
                "{:<16} {:>8}   expected {}; {}",
                "LUT-RAM cells",
                b.lutram_cells,
                self.plan.lutram_cells,
                breakdown(c, &["RAM3", "RAM6", "RAM1", "RAM2"])
            );
        }
        match &self.path {
            Some(p) => {
                let _ = writeln!(
                    s,
                    "{:<16} {:>8}   cells on the longest combinational path ({} LUT, {} carry, \
                     {} mux, {} other), {} -> {}",
                    "logic depth", p.cells, p.luts, p.carries, p.muxes, p.other, p.from, p.to
                );
            }
            None => {
                let _ = writeln!(s, "{:<16} {:>8}", "logic depth", "-");
            }
        }
        let over = self.over_depth_target();
        let _ = writeln!(
            s,
            "\nLogic depth into each register (cells, as ltp counts them): {over} deeper than \
             {DEPTH_TARGET}; the deepest:"
        );
        for (group, depth) in self.depths.iter().take(over.clamp(5, 15)) {
            let _ = writeln!(
                s,
                "  {group:<40} {depth:>3}   {}",
                cones::unit_of(group).unwrap_or("(no unit)")
            );
        }
        let _ = writeln!(
            s,
            "\nLUTs by unit (a LUT is split among the registers, RAM ports and outputs it \
             reaches):"
        );
        for line in self.lut_lines() {
            let _ = writeln!(s, "  {line}");
        }
        let _ = writeln!(s);
        let verdict = if self.memory_problems.is_empty() {
            "ok".to_string()
        } else {
            format!("FAILED: {}", self.memory_problems.join("; "))
        };
        let _ = writeln!(s, "memory check: {verdict}");
        for line in self.memory_lines() {
            let _ = writeln!(s, "  {line}");
        }
        if let Some(h) = &self.harness {
            let _ = writeln!(
                s,
                "\nharness {} alone: {} LUTs, {} flip-flops, {} carry cells (not in the figures above)",
                harness::TOP,
                h.luts,
                h.ffs,
                h.carries
            );
        }
        match self.placements.first() {
            Some(p) => {
                let seeds: Vec<u64> = self.placements.iter().map(|p| p.seed).collect();
                let _ = writeln!(
                    s,
                    "{}: {} --seed {}, {}",
                    p.version,
                    self.pnr_command.as_deref().unwrap_or_default(),
                    seed_list(&seeds),
                    placed_what(self.target)
                );
                let fits = self.fits() == Some(true);
                let _ = writeln!(s, "  fits: {}", if fits { "yes" } else { "no" });
                if let Some((median, min, max)) = self.fmax_mhz() {
                    let _ = writeln!(
                        s,
                        "  Fmax: {median:.2} MHz (median of {} seeds; min {min:.2}, max {max:.2})",
                        seeds.len()
                    );
                }
                for q in &self.placements {
                    let f = q
                        .fmax_mhz
                        .map_or("-".to_string(), |f| format!("{f:.2} MHz"));
                    let e = q
                        .error
                        .as_deref()
                        .map_or(String::new(), |e| format!(", {e}"));
                    let _ = writeln!(s, "    seed {}: {f}{e}", q.seed);
                    if let Some(c) = &q.critical {
                        let _ = writeln!(
                            s,
                            "      critical path {} -> {}: {} cells ({} carry), {:.1} ns logic, \
                             {:.1} ns routing",
                            c.from, c.to, c.cells, c.carries, c.logic_ns, c.routing_ns
                        );
                    }
                }
                for (name, v) in [
                    ("logic cells", p.lcs),
                    ("block RAMs", p.rams),
                    ("I/O cells", p.ios),
                ] {
                    if let Some((u, a)) = v {
                        let _ = writeln!(
                            s,
                            "  {name}: {u} / {a} ({:.0}%)",
                            100.0 * u as f64 / a.max(1) as f64
                        );
                    }
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "timing: none from this flow (Yosys has no Xilinx timing model); place and \
                     route in Vivado with constraints/lm_tracker_250mhz.xdc or _300mhz.xdc"
                );
            }
        }
        let _ = writeln!(s, "\n{:.0} s", self.seconds);
        s
    }
}

/// The `--sweep` table in Markdown (on iCE40 with nextpnr's fit and Fmax).
pub fn sweep_table(target: Target, reports: &[Report]) -> String {
    // Placed where the flow ran nextpnr (flow::check_tools knows which targets).
    let placed = reports.iter().any(|r| r.pnr_command.is_some());
    let mut s = String::new();
    let _ = write!(
        s,
        "| granules | words/buffer | LUTs | FFs | carries | muxes | BRAM actual / expected | LUT-RAM cells | logic depth |"
    );
    let _ = writeln!(s, "{}", if placed { " fits | Fmax MHz |" } else { "" });
    let _ = write!(s, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(s, "{}", if placed { "---|---:|" } else { "" });
    for r in reports {
        let b = &r.block;
        let _ = write!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} / {} {} | {} | {} |",
            r.granules,
            1u64 << r.addr_bits,
            b.luts,
            b.ffs,
            b.carries,
            b.muxes,
            b.brams,
            r.plan.brams,
            if r.plan.brams > 0.0 {
                r.plan.primitive.to_string()
            } else {
                format!("(LUT RAM: {})", r.plan.primitive)
            },
            b.lutram_cells,
            r.path
                .as_ref()
                .map_or("-".to_string(), |p| p.cells.to_string()),
        );
        match (r.placements.first(), placed) {
            (Some(p), true) => {
                let fits = match (r.fits() == Some(true), p.lcs) {
                    (true, _) => "yes".to_string(),
                    (false, Some((u, a))) if u > a => format!("no ({u}/{a} LCs)"),
                    (false, _) => "no".to_string(),
                };
                let fmax = r
                    .fmax_mhz()
                    .map_or("-".to_string(), |f| format!("{:.1}", f.0));
                let _ = writeln!(s, " {fits} | {fmax} |");
            }
            _ => {
                let _ = writeln!(s);
            }
        }
    }
    let first = reports.first();
    let _ = writeln!(
        s,
        "\n{}, `{}`, block alone; BRAM in {}.{}",
        first.map_or("", |r| r.yosys.as_str()),
        target.synth_command(),
        match target {
            Target::Ice40Hx8k => "SB_RAM40_4K (the HX8K has 32)",
            Target::Ecp5_85 => "DP16KD (the LFE5UM-85F has 208)",
            Target::Xc7 | Target::Xcup => "RAMB36 equivalents",
        },
        match first.and_then(|r| r.pnr_command.as_deref()) {
            Some(cmd) => format!(" Fits and Fmax: {}, `{cmd}`.", placed_what(target)),
            None => String::new(),
        }
    );
    s
}

/// The `--sweep` result as JSON.
pub fn sweep_json(target: Target, reports: &[Report]) -> Value {
    json!({
        "target": target.name(),
        "runs": reports.iter().map(Report::json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_cells() {
        let cells: Cells = [
            ("LUT6", 10),
            ("LUT2", 5),
            ("FDRE", 7),
            ("FDSE", 1),
            ("CARRY4", 3),
            ("MUXF7", 2),
            ("RAMB36E1", 4),
            ("RAMB18E1", 3),
            ("RAM64M", 22),
            ("URAM288", 2),
            ("IBUF", 100),
        ]
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
        let c = classify(&cells);
        assert_eq!(
            (c.luts, c.ffs, c.carries, c.muxes, c.urams, c.lutram_cells),
            (15, 8, 3, 2, 2, 22)
        );
        assert_eq!(c.brams, 5.5);
        let ice: Cells = [
            ("SB_LUT4", 9),
            ("SB_DFFE", 4),
            ("SB_CARRY", 2),
            ("SB_RAM40_4K", 16),
        ]
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
        let c = classify(&ice);
        assert_eq!((c.luts, c.ffs, c.carries, c.brams), (9, 4, 2, 16.0));
        let ecp5: Cells = [
            ("LUT4", 7),
            ("TRELLIS_FF", 5),
            ("CCU2C", 3),
            ("PFUMX", 4),
            ("L6MUX21", 1),
            ("DP16KD", 128),
            ("TRELLIS_DPR16X4", 2),
        ]
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
        let c = classify(&ecp5);
        assert_eq!(
            (c.luts, c.ffs, c.carries, c.muxes, c.brams, c.lutram_cells),
            (7, 5, 3, 5, 128.0, 2)
        );
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[80.0]), Some(80.0));
        assert_eq!(median(&[90.0, 70.0, 80.0]), Some(80.0));
        assert_eq!(median(&[90.0, 70.0, 80.0, 100.0]), Some(85.0));
    }

    #[test]
    fn granules_must_be_built_in() {
        assert_eq!(addr_bits_of(1 << 20).unwrap(), 14);
        assert_eq!(addr_bits_of(1 << 15).unwrap(), 9);
        let e = addr_bits_of(1000).unwrap_err().to_string();
        assert!(e.contains("1000") && e.contains("1048576"), "{e}");
        assert!(addr_bits_of(1 << 21).is_err());
        for g in sweep_granules() {
            assert!(addr_bits_of(g).is_ok(), "{g}");
        }
    }

    #[test]
    fn every_supported_size_has_verilog() {
        for g in supported_granules() {
            let v = lmsnoop_hdl::tracker::verilog_for_granules(g, "lm_tracker")
                .unwrap_or_else(|| panic!("no Verilog for {g} granules"));
            assert!(
                v.contains(&format!("lm_tracker, {g} granules per bitmap buffer")),
                "{g}"
            );
            assert!(v.contains("module lm_tracker("));
        }
        for bad in [0, 63, 1000, 2048, 1 << 21] {
            assert!(lmsnoop_hdl::tracker::verilog_for_granules(bad, "x").is_none());
        }
    }

    #[test]
    fn targets_round_trip() {
        for t in Target::ALL {
            assert_eq!(Target::parse(t.name()), Some(t));
        }
        assert_eq!(Target::parse("ecp5"), None);
        assert_eq!(Target::names(), "ice40-hx8k, xc7, xcup or ecp5-85");
        assert_eq!(
            pnr_command(Target::Ecp5_85, "nextpnr-ecp5"),
            "nextpnr-ecp5 --85k --out-of-context --freq 125"
        );
        assert_eq!(
            pnr_command(Target::Ice40Hx8k, "nextpnr-ice40"),
            "nextpnr-ice40 --hx8k --package ct256 --freq 100"
        );
    }
}
