//! The hardware commands of the CLI (`synth`, `formal`, `gen-verilog`): their flags and
//! what they print. The `lmsnoop` binary has them with its `hw` feature.

use crate::synth::{self, Target};
use anyhow::{bail, Result};
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Args)]
pub struct FormalArgs {
    /// Bounded model check depth in clock cycles.
    #[arg(long, default_value_t = crate::formal::DEFAULT_DEPTH)]
    depth: u32,
    /// Check this property to another depth than --depth (repeatable), e.g. a cheap one past
    /// the step its cover is reached in.
    #[arg(long = "property-depth", value_name = "NAME=N", value_parser = parse_property_depth)]
    property_depths: Vec<(String, u32)>,
    /// Time limit in seconds of each property's unbounded proof attempt (ABC PDR); 0 skips.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::formal::DEFAULT_PDR_SECONDS)]
    pdr: u32,
    /// Also try k-induction with this k, one property at a time.
    #[arg(long, value_name = "K")]
    induction: Option<u32>,
    /// Skip the cover search (which shows the checked cases are reachable).
    #[arg(long)]
    no_covers: bool,
    /// Depth of the cover search (ABC stops at a reached cover, so it may exceed --depth).
    #[arg(long, default_value_t = crate::formal::DEFAULT_COVER_DEPTH)]
    cover_depth: u32,
    /// Search only this cover (repeatable); all of them by default.
    #[arg(long = "cover", value_name = "NAME", conflicts_with = "no_covers")]
    only_covers: Vec<String>,
    /// Check a deliberately broken block instead (see --list-mutants); it must fail.
    #[arg(long, value_name = "NAME")]
    mutate: Option<String>,
    /// List the mutants and the property each must trip.
    #[arg(long)]
    list_mutants: bool,
    /// Keep the work files (Verilog, SMT2 model, logs, VCD traces) under this directory.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Check only this assertion (repeatable); all of them by default.
    #[arg(long = "property", value_name = "NAME")]
    only_properties: Vec<String>,
    /// Time limit of each property's bounded check in seconds (0: none); a property that
    /// runs out is reported with the steps it reached and the check does not pass.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    bmc_seconds: u32,
    /// Solver runs at a time, each checking one property (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct SynthArgs {
    /// FPGA family: ice40-hx8k, xc7, xcup or ecp5-85.
    #[arg(long, value_parser = parse_target, required_unless_present = "fit")]
    target: Option<Target>,
    /// Granules per bitmap buffer (64 << A); default 32768 on ice40-hx8k, 1048576 elsewhere.
    #[arg(long)]
    granules: Option<u64>,
    /// Run 2^12..=2^20 granules and print a Markdown table.
    #[arg(long, conflicts_with = "granules")]
    sweep: bool,
    /// Print where the bitmaps stop fitting on chip on Alveo U250 and U280 (arithmetic only).
    #[arg(long)]
    fit: bool,
    /// Keep the work files (Verilog, Yosys script and log, netlists) under this directory.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Stop nextpnr after this many seconds (a nearly full device places slowly).
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    pnr_timeout: u64,
    /// nextpnr placer seeds (iCE40, ECP5), run side by side; Fmax is their median.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1",
        value_name = "N,N,.."
    )]
    seeds: Vec<u64>,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

fn parse_target(s: &str) -> Result<Target, String> {
    Target::parse(s).ok_or_else(|| format!("unknown target {s:?} ({})", Target::names()))
}

/// The committed Verilog builds of the block, as `(path under the workspace root, text)`.
pub fn generated_verilog() -> Vec<(String, String)> {
    lmsnoop_hdl::tracker::generated()
        .into_iter()
        .map(|g| (format!("hdl/generated/{}", g.file), g.verilog))
        .collect()
}

pub fn synth_cmd(args: SynthArgs) -> Result<()> {
    let mut json = serde_json::Map::new();
    if args.fit {
        if args.json {
            json.insert("fit".into(), synth::fit::fit_json());
        } else {
            print!("{}", synth::fit::fit_text());
        }
    }
    let Some(target) = args.target else {
        if args.json {
            println!("{}", Value::Object(json));
        }
        return Ok(());
    };
    let options = |granules| synth::Options {
        target,
        granules,
        keep: args.keep.clone(),
        progress: true,
        pnr_timeout: std::time::Duration::from_secs(args.pnr_timeout),
        seeds: args.seeds.clone(),
    };
    if args.sweep {
        // Every size is checked up front, so a bad build fails before the first run.
        let sizes = synth::sweep_granules();
        for &g in &sizes {
            synth::addr_bits_of(g)?;
        }
        let mut reports = Vec::new();
        for g in sizes {
            reports.push(synth::run(&options(g))?);
        }
        if args.json {
            json.insert("sweep".into(), synth::sweep_json(target, &reports));
            println!("{}", Value::Object(json));
        } else {
            if args.fit {
                println!();
            }
            print!("{}", synth::sweep_table(target, &reports));
        }
        let failed: Vec<String> = reports
            .iter()
            .filter_map(|r| r.check().err().map(|e| e.to_string()))
            .collect();
        if !failed.is_empty() {
            bail!("{}", failed.join("\n"));
        }
        return Ok(());
    }
    let report = synth::run(&options(
        args.granules.unwrap_or_else(|| target.default_granules()),
    ))?;
    if args.json {
        if json.is_empty() {
            println!("{}", report.json());
        } else {
            json.insert("synth".into(), report.json());
            println!("{}", Value::Object(json));
        }
    } else {
        if args.fit {
            println!();
        }
        print!("{}", report.table());
    }
    report.check()
}

/// `NAME=N` of `--property-depth`.
fn parse_property_depth(s: &str) -> Result<(String, u32), String> {
    let (name, depth) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected NAME=N, e.g. swap_clean=26"))?;
    let depth = depth
        .parse()
        .map_err(|_| format!("`{depth}` in `{s}` is not a depth in cycles"))?;
    Ok((name.to_string(), depth))
}

pub fn formal_cmd(args: FormalArgs) -> Result<()> {
    use crate::formal::{self, mutants};
    if args.list_mutants {
        for m in mutants::MUTANTS {
            println!("{:<20} caught by {:<15} {}", m.name, m.caught_by, m.effect);
        }
        return Ok(());
    }
    let mutant = args.mutate.as_deref().map(mutants::find).transpose()?;
    let report = formal::run(&formal::Options {
        depth: args.depth,
        property_depths: args.property_depths,
        covers: !args.no_covers,
        only_covers: args.only_covers,
        cover_depth: args.cover_depth,
        induction: args.induction,
        pdr_seconds: args.pdr,
        mutant,
        keep: args.keep.clone(),
        progress: !args.json,
        jobs: args
            .jobs
            .map_or_else(formal::pool::default_jobs, |n| n as usize),
        only_properties: args.only_properties,
        bmc_seconds: args.bmc_seconds,
    })?;
    if args.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.table());
    }
    report.check()
}
