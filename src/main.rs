//! The `lmsnoop` command line: simulate migrations, compare methods, replay traces, bench.

use anyhow::{bail, ensure, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use lmsnoop::backend::{make_port, Backend};
use lmsnoop::bench::golden_throughput;
use lmsnoop::json::Json;
use lmsnoop::metrics::RunReport;
use lmsnoop::report::{self, Cost};
use lmsnoop::synth::{self, Target};
use lmsnoop::units::{format_size, parse_size};
use lmsnoop::workload::{WorkloadConfig, WorkloadKind};
use lmsnoop::world::{LatencyModel, SimConfig, WriteSnoop};
use lmsnoop::{replay, world};
use lmsnoop_firmware::ServerConfig;
use lmsnoop_sim::golden::Method;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "lmsnoop",
    version,
    about = "Dirty tracking for storage live migration: simulate, compare, replay"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one live migration and report it pass by pass.
    Migrate(MigrateArgs),
    /// Run all four tracking methods on the same workload and seed, side by side.
    Compare(CompareArgs),
    /// Replay a trace of tracker operations and print what the host sees.
    Replay(ReplayArgs),
    /// Measure the golden model's snoop throughput.
    Bench(BenchArgs),
    /// Measure the RTL in exact simulated cycles (needs the rtl feature).
    RtlBench(RtlBenchArgs),
    /// Write hdl/generated/*.v from the Rust-HDL block.
    GenVerilog(GenArgs),
    /// Write the C register header and the Markdown register table from the register map.
    GenRegs(GenArgs),
    /// Synthesise the block with Yosys (and nextpnr on iCE40): area, logic depth, Fmax.
    Synth(SynthArgs),
    /// Check the block's safety properties: BMC and covers (yosys-smtbmc, z3), PDR (ABC).
    Formal(FormalArgs),
}

#[derive(Args)]
struct FormalArgs {
    /// Bounded model check depth in clock cycles.
    #[arg(long, default_value_t = lmsnoop::formal::DEFAULT_DEPTH)]
    depth: u32,
    /// Time limit in seconds of each property's unbounded proof attempt (ABC PDR); 0 skips.
    #[arg(long, value_name = "SECONDS", default_value_t = lmsnoop::formal::DEFAULT_PDR_SECONDS)]
    pdr: u32,
    /// Also try k-induction with this k, one property at a time.
    #[arg(long, value_name = "K")]
    induction: Option<u32>,
    /// Skip the cover search (which shows the checked cases are reachable).
    #[arg(long)]
    no_covers: bool,
    /// Depth of the cover search (ABC stops at a reached cover, so it may exceed --depth).
    #[arg(long, default_value_t = lmsnoop::formal::DEFAULT_COVER_DEPTH)]
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
struct SynthArgs {
    /// FPGA family: ice40-hx8k, xc7 or xcup.
    #[arg(long, value_parser = parse_target, required_unless_present = "fit")]
    target: Option<Target>,
    /// Granules per bitmap buffer (64 << A); default 32768 on ice40-hx8k, 1048576 on Xilinx.
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
    /// Stop nextpnr after this many seconds (iCE40; a nearly full device places slowly).
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    pnr_timeout: u64,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

fn parse_target(s: &str) -> Result<Target, String> {
    Target::parse(s).ok_or_else(|| format!("unknown target {s:?} (ice40-hx8k, xc7 or xcup)"))
}

#[derive(Args)]
struct RtlBenchArgs {
    /// Operations per throughput scenario.
    #[arg(long, default_value_t = 200_000)]
    ops: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct GenArgs {
    /// Workspace root to write into.
    #[arg(long, default_value = env!("CARGO_MANIFEST_DIR"))]
    root: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SnoopPoint {
    /// At write completion (safe).
    Completion,
    /// At write submission (loses updates; for demonstration).
    Submission,
}

fn parse_method(s: &str) -> Result<Method, String> {
    Method::parse(s).ok_or_else(|| format!("unknown method {s:?} (naive, cursor, bitmap or clear)"))
}

/// The workload, geometry and migration-server flags shared by `migrate` and `compare`.
#[derive(Args, Clone)]
struct SimArgs {
    /// Tracker implementation to run the firmware on.
    #[arg(long, value_enum, default_value = "golden")]
    backend: Backend,
    /// Namespace size (B, KiB, MiB, GiB, TiB).
    #[arg(long, default_value = "16GiB", value_parser = parse_size)]
    namespace: u64,
    /// Logical block size.
    #[arg(long, default_value = "4KiB", value_parser = parse_size)]
    lba_size: u64,
    /// Tracking granule: a power-of-two multiple of the LBA size.
    #[arg(long, default_value = "4KiB", value_parser = parse_size)]
    granule: u64,
    /// User-write pattern.
    #[arg(long, default_value = "zipf")]
    workload: WorkloadKind,
    /// Zipf exponent of the zipf workload.
    #[arg(long, default_value_t = 0.99)]
    zipf_skew: f64,
    /// Size of each user write (uniform, zipf, sequential; mixed draws 1..=256 blocks).
    #[arg(long, default_value = "4KiB", value_parser = parse_size)]
    write_size: u64,
    /// User writes per granule the copy engine moves at full queue depth.
    #[arg(long, default_value_t = 0.05)]
    write_rate: f64,
    /// Fraction of the namespace holding data when migration starts.
    #[arg(long, default_value_t = 0.8)]
    mapped: f64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Copy reads in flight at most.
    #[arg(long, default_value_t = 32)]
    queue_depth: u32,
    /// Bytes per copy read (a multiple of the granule, at most 65536 LBAs).
    #[arg(long, default_value = "64KiB", value_parser = parse_size)]
    chunk: u64,
    /// Stop pre-copy when at most this many granules are dirty.
    #[arg(long, default_value_t = 1024)]
    threshold: u64,
    /// Cursor method: merge plan runs separated by at most this many granules into one
    /// window (the holes are copied too).
    #[arg(long, default_value_t = 0)]
    cursor_merge_gap: u64,
    /// Pre-copy passes at most, pass 0 included.
    #[arg(long, default_value_t = 8)]
    max_passes: u32,
    /// Where user writes are snooped.
    #[arg(long, value_enum, default_value = "completion")]
    write_snoop: SnoopPoint,
    /// Chance that a target write fails and its granules are marked dirty again.
    #[arg(long, default_value_t = 0.0)]
    target_fail_rate: f64,
    /// No progress lines on stderr.
    #[arg(long)]
    quiet: bool,
    /// Write the RTL's waveforms to this VCD file (with --backend rtl).
    #[arg(long, value_name = "FILE")]
    vcd: Option<PathBuf>,
}

#[derive(Args)]
struct MigrateArgs {
    /// Tracking method: naive, cursor, bitmap or clear.
    #[arg(long, default_value = "bitmap", value_parser = parse_method)]
    method: Method,
    #[command(flatten)]
    sim: SimArgs,
    /// Log every event touching these granules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    watch: Vec<u64>,
    /// If updates are lost, replay the run and print the history of up to N lost granules.
    #[arg(long, value_name = "N")]
    explain: Option<usize>,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    sim: SimArgs,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReplayArgs {
    /// The trace file ('-' for standard input).
    file: PathBuf,
    /// Tracker implementation.
    #[arg(long, value_enum, default_value = "golden")]
    backend: Backend,
    /// Write the RTL's waveforms to this VCD file (with --backend rtl).
    #[arg(long, value_name = "FILE")]
    vcd: Option<PathBuf>,
}

#[derive(Args)]
struct BenchArgs {
    /// Operations per method.
    #[arg(long, default_value_t = 20_000_000)]
    ops: u64,
    /// Granules of the benched tracker.
    #[arg(long, default_value_t = 1 << 24)]
    granules: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

fn log2_exact(value: u64, what: &str) -> Result<u32> {
    ensure!(
        value.is_power_of_two(),
        "{what} must be a power of two, got {value}"
    );
    Ok(value.trailing_zeros())
}

impl SimArgs {
    fn config(&self, method: Method) -> Result<SimConfig> {
        let lba_shift = log2_exact(self.lba_size, "the LBA size")?;
        ensure!(
            (512..=65536).contains(&self.lba_size),
            "LBA size must be within 512 B..=64 KiB"
        );
        let granule_bytes_shift = log2_exact(self.granule, "the granule")?;
        ensure!(
            granule_bytes_shift >= lba_shift,
            "the granule must be at least one LBA ({} B)",
            self.lba_size
        );
        ensure!(
            self.namespace % self.lba_size == 0 && self.namespace > 0,
            "the namespace ({} B) must be a positive multiple of the LBA size",
            self.namespace
        );
        for (name, bytes, unit) in [
            ("write size", self.write_size, self.lba_size),
            ("chunk", self.chunk, self.granule),
        ] {
            ensure!(
                bytes > 0 && bytes % unit == 0,
                "the {name} ({bytes} B) must be a positive multiple of {unit} B"
            );
        }
        let write_blocks =
            u32::try_from(self.write_size / self.lba_size).context("write size too large")?;
        Ok(SimConfig {
            method,
            namespace_lbas: self.namespace / self.lba_size,
            granule_shift: granule_bytes_shift - lba_shift,
            workload: WorkloadConfig {
                kind: self.workload,
                zipf_skew: self.zipf_skew,
                write_blocks,
            },
            mapped_fraction: self.mapped,
            write_rate: self.write_rate,
            seed: self.seed,
            queue_depth: self.queue_depth,
            server: ServerConfig {
                threshold: self.threshold,
                max_passes: self.max_passes,
                chunk_granules: self.chunk / self.granule,
                cursor_merge_gap: self.cursor_merge_gap,
            },
            write_snoop: match self.write_snoop {
                SnoopPoint::Completion => WriteSnoop::Completion,
                SnoopPoint::Submission => WriteSnoop::Submission,
            },
            target_fail_rate: self.target_fail_rate,
            latency: LatencyModel::default(),
            watch: Vec::new(),
            progress: !self.quiet,
        })
    }

    fn run(&self, cfg: &SimConfig) -> Result<RunReport> {
        let port = make_port(self.backend, cfg.granules(), self.vcd.as_deref())?;
        world::simulate(cfg, port).with_context(|| format!("simulating the {} method", cfg.method))
    }

    fn describe(&self) -> String {
        format!(
            "namespace {}, LBA {}, granule {}",
            format_size(self.namespace),
            format_size(self.lba_size),
            format_size(self.granule)
        )
    }
}

fn cost(started: Instant) -> Cost {
    Cost {
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: report::peak_rss_bytes(),
    }
}

fn migrate(args: MigrateArgs) -> Result<()> {
    let started = Instant::now();
    let mut cfg = args.sim.config(args.method)?;
    cfg.watch = args.watch.clone();
    let run = args.sim.run(&cfg)?;
    let cost = cost(started);
    if args.json {
        println!("{}", report::run_json(&run, Some(cost)));
    } else {
        println!("{}\n", args.sim.describe());
        print!("{}", report::run_table(&run, Some(cost)));
    }
    let explain = args.explain.unwrap_or(0).min(run.lost_examples.len());
    cfg.watch.extend_from_slice(&run.lost_examples[..explain]);
    if !cfg.watch.is_empty() {
        let watched = if explain > 0 {
            args.sim.run(&cfg)?
        } else {
            run.clone()
        };
        eprintln!("events of watched granules {:?}:", cfg.watch);
        for line in &watched.watch_log {
            eprintln!("  {line}");
        }
    }
    if run.lost_updates > 0 {
        bail!(
            "the migration lost updates in {} granules: the target differs from the source",
            run.lost_updates
        );
    }
    Ok(())
}

fn compare(args: CompareArgs) -> Result<()> {
    let started = Instant::now();
    let mut runs = Vec::new();
    for method in Method::ALL {
        runs.push(args.sim.run(&args.sim.config(method)?)?);
    }
    if args.json {
        println!("{}", report::compare_json(&runs, Some(cost(started))));
    } else {
        println!("{}\n", args.sim.describe());
        print!("{}", report::compare_table(&runs));
    }
    let lost: Vec<String> = runs
        .iter()
        .filter(|r| r.lost_updates > 0)
        .map(|r| format!("{} lost {}", r.method, r.lost_updates))
        .collect();
    if !lost.is_empty() {
        bail!("updates were lost: {}", lost.join(", "));
    }
    Ok(())
}

fn replay_cmd(args: ReplayArgs) -> Result<()> {
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .context("reading the trace from standard input")?
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("reading trace {}", args.file.display()))?
    };
    let trace =
        replay::parse(&text).with_context(|| format!("in trace {}", args.file.display()))?;
    let port = make_port(args.backend, trace.granules(), args.vcd.as_deref())?;
    let mut out = Vec::new();
    let result = replay::run(&trace, port, &mut out);
    std::io::stdout().write_all(&out)?;
    result.with_context(|| format!("replaying {}", args.file.display()))
}

fn bench(args: BenchArgs) -> Result<()> {
    ensure!(
        args.ops > 0 && args.granules > 0,
        "ops and granules must be positive"
    );
    let results = golden_throughput(args.ops, args.granules, args.seed)?;
    if args.json {
        let rows = results
            .iter()
            .map(|r| {
                Json::Obj(vec![
                    ("method", r.method.name().into()),
                    ("ops", r.ops.into()),
                    ("ops_per_second", r.static_ops_per_second.into()),
                    ("dyn_ops_per_second", r.dyn_ops_per_second.into()),
                ])
            })
            .collect();
        println!(
            "{}",
            Json::Obj(vec![
                ("granules", args.granules.into()),
                ("golden", Json::Arr(rows))
            ])
        );
    } else {
        println!("golden model, {} random single-granule ops per method (3 writes : 1 copy read), {} granules", args.ops, args.granules);
        println!(
            "{:>8}  {:>14}  {:>18}",
            "method", "M ops/s", "M ops/s (dyn port)"
        );
        for r in &results {
            println!(
                "{:>8}  {:>14.1}  {:>18.1}",
                r.method,
                r.static_ops_per_second / 1e6,
                r.dyn_ops_per_second / 1e6
            );
        }
    }
    Ok(())
}

#[cfg(feature = "rtl")]
fn rtl_bench(args: RtlBenchArgs) -> Result<()> {
    let b = lmsnoop::rtl_bench::run(args.ops, args.seed)?;
    if args.json {
        let rows = b
            .scenarios
            .iter()
            .map(|s| {
                Json::Obj(vec![
                    ("scenario", s.name.into()),
                    ("ops", s.ops.into()),
                    ("cycles", s.cycles.into()),
                    ("ops_per_cycle", s.ops_per_cycle().into()),
                    ("unit", s.unit.into()),
                    ("units_per_cycle", s.units_per_cycle().into()),
                ])
            })
            .collect();
        println!(
            "{}",
            Json::Obj(vec![
                ("scenarios", Json::Arr(rows)),
                (
                    "verilator_ops_per_second",
                    b.verilator_ops_per_second.into()
                ),
            ])
        );
    } else {
        println!("lm_tracker RTL (Verilator), exact simulated cycles");
        println!(
            "{:<28} {:>9} {:>10} {:>10} {:>16}",
            "scenario", "ops", "cycles", "ops/cycle", "per cycle"
        );
        for s in &b.scenarios {
            println!(
                "{:<28} {:>9} {:>10} {:>10.3} {:>9.3} {}",
                s.name,
                s.ops,
                s.cycles,
                s.ops_per_cycle(),
                s.units_per_cycle(),
                s.unit
            );
        }
        println!(
            "Verilator through the port: {:.2} M snoop ops per wall second",
            b.verilator_ops_per_second / 1e6
        );
    }
    Ok(())
}

#[cfg(not(feature = "rtl"))]
fn rtl_bench(_: RtlBenchArgs) -> Result<()> {
    bail!(
        "rtl-bench needs the RTL backend: rebuild with `cargo build --release --features rtl` \
         (needs Verilator: `apt-get install verilator`)"
    )
}

/// Writes generated files under `root`, saying which changed.
fn write_generated(root: &std::path::Path, files: &[(String, String)]) -> Result<()> {
    for (rel, text) in files {
        let path = root.join(rel);
        let old = std::fs::read_to_string(&path).ok();
        if old.as_deref() == Some(text.as_str()) {
            println!("unchanged {rel}");
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {rel}");
    }
    Ok(())
}

fn gen_verilog(args: GenArgs) -> Result<()> {
    let files: Vec<(String, String)> = lmsnoop_hdl::tracker::generated()
        .into_iter()
        .map(|g| (format!("hdl/generated/{}", g.file), g.verilog))
        .collect();
    write_generated(&args.root, &files)
}

fn gen_regs(args: GenArgs) -> Result<()> {
    use lmsnoop_hdl::render;
    let readme_path = args.root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .with_context(|| format!("reading {}", readme_path.display()))?;
    let Some(readme) = render::splice_readme(&readme) else {
        bail!(
            "README.md lacks the register table markers ({} ... {})",
            render::README_BEGIN,
            render::README_END
        );
    };
    let files = [
        (render::C_HEADER_PATH.to_string(), render::c_header()),
        (render::MARKDOWN_PATH.to_string(), render::markdown_table()),
        ("README.md".to_string(), readme),
    ];
    write_generated(&args.root, &files)
}

fn synth_cmd(args: SynthArgs) -> Result<()> {
    let mut json = Vec::new();
    if args.fit {
        if args.json {
            json.push(("fit", synth::fit::fit_json()));
        } else {
            print!("{}", synth::fit::fit_text());
        }
    }
    let Some(target) = args.target else {
        if args.json {
            println!("{}", Json::Obj(json));
        }
        return Ok(());
    };
    let options = |granules| synth::Options {
        target,
        granules,
        keep: args.keep.clone(),
        progress: true,
        pnr_timeout: std::time::Duration::from_secs(args.pnr_timeout),
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
            json.push(("sweep", synth::sweep_json(target, &reports)));
            println!("{}", Json::Obj(json));
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
            json.push(("synth", report.json()));
            println!("{}", Json::Obj(json));
        }
    } else {
        if args.fit {
            println!();
        }
        print!("{}", report.table());
    }
    report.check()
}

fn formal_cmd(args: FormalArgs) -> Result<()> {
    use lmsnoop::formal::{self, mutants};
    if args.list_mutants {
        for m in mutants::MUTANTS {
            println!("{:<20} caught by {:<15} {}", m.name, m.caught_by, m.effect);
        }
        return Ok(());
    }
    let mutant = args.mutate.as_deref().map(mutants::find).transpose()?;
    let report = formal::run(&formal::Options {
        depth: args.depth,
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

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Migrate(a) => migrate(a),
        Command::Compare(a) => compare(a),
        Command::Replay(a) => replay_cmd(a),
        Command::Bench(a) => bench(a),
        Command::RtlBench(a) => rtl_bench(a),
        Command::GenVerilog(a) => gen_verilog(a),
        Command::GenRegs(a) => gen_regs(a),
        Command::Synth(a) => synth_cmd(a),
        Command::Formal(a) => formal_cmd(a),
    };
    if let Err(e) = result {
        eprintln!("lmsnoop: error: {e:#}");
        std::process::exit(1);
    }
}
