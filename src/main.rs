//! The `lmsnoop` command line: simulate migrations, compare methods, replay traces, bench.

use anyhow::{bail, ensure, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use lmsnoop::backend::{make_port, Backend};
use lmsnoop::bench::golden_throughput;
use lmsnoop::faults::{BadRange, Failover, FaultPlan, Outage};
use lmsnoop::metrics::RunReport;
use lmsnoop::report::{self, Cost};
use lmsnoop::workload::{WorkloadConfig, WorkloadKind};
use lmsnoop::world::{LatencyModel, SimConfig, WriteSnoop};
use lmsnoop::{replay, world};
use lmsnoop_firmware::tp4159::{MigrationEntry, ENTRY_BYTES};
use lmsnoop_firmware::{ChangeReport, ServerConfig};
use lmsnoop_regs::units::{format_size, parse_size};
use lmsnoop_regs::Method;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    /// Export a disk image over NBD while migrating it to a target under the clients'
    /// writes; on SIGINT/SIGTERM finish, verify target == source and report.
    Serve(ServeArgs),
    /// fio 4 KiB random writes against `serve` (tracking on) and `nbdkit file`, side by
    /// side: IOPS and their ratio.
    ServeBench(ServeBenchArgs),
    /// Tabulate runs saved with `migrate --json` or `serve --json` side by side, as
    /// `compare` does (and chart them with --plot).
    Tabulate(TabulateArgs),
    /// Print the TP4159 queue entries of a `migrate --cdq-dump` file (raw 32-byte LBA
    /// Migration Queue Entries Type 0), one per line.
    CdqDecode(CdqDecodeArgs),
    /// Measure the golden model's snoop throughput.
    Bench(BenchArgs),
    /// Measure the simulator's wall time and peak memory from one namespace size to
    /// another (doubling), the user writes held fixed: one `migrate` child per size.
    Scale(ScaleArgs),
    /// Measure the RTL in exact simulated cycles (needs the rtl feature).
    RtlBench(RtlBenchArgs),
    /// Random migrations with random faults of every kind, back to back, each verified
    /// byte by byte (and on the RTL backend, against the golden model); exit 1 on any loss.
    Soak(SoakArgs),
    /// Write hdl/generated/*.v from the Rust-HDL block (needs the hw feature).
    GenVerilog(GenVerilogArgs),
    /// Write the C register header, the register tables and the Verilator shim's port
    /// structs from the register map and the port table.
    GenRegs(GenArgs),
    /// Synthesise the block with Yosys (and nextpnr on iCE40): area, logic depth, Fmax
    /// (needs the hw feature).
    Synth(SynthArgs),
    /// Check the block's safety properties: BMC, covers and PDR (ABC), traces (Yosys sim),
    /// k-induction on request (yosys-smtbmc, z3) (needs the hw feature).
    Formal(FormalArgs),
}

#[cfg(feature = "hw")]
use lmsnoop_flows::cli::{FormalArgs, SynthArgs};
#[cfg(feature = "hw")]
type GenVerilogArgs = GenArgs;
#[cfg(not(feature = "hw"))]
type FormalArgs = NoHw;
#[cfg(not(feature = "hw"))]
type SynthArgs = NoHw;
#[cfg(not(feature = "hw"))]
type GenVerilogArgs = NoHw;

/// The arguments of a hardware command in a build without the `hw` feature: whatever they
/// are, the command says how to get it.
#[cfg(not(feature = "hw"))]
#[derive(Args)]
struct NoHw {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    _args: Vec<String>,
}

/// How to get a build that has the hardware commands.
#[cfg(not(feature = "hw"))]
fn no_hw(command: &str) -> Result<()> {
    bail!(
        "`lmsnoop {command}` needs the hardware flows, which this build leaves out: \
         rebuild with `cargo build --release --features hw` (the Rust-HDL block; synth and \
         formal also need Yosys, nextpnr, z3: scripts/test.sh installs them)"
    )
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
enum ReportVia {
    /// SwapBdp + QueryBdp: the host streams the whole dirty bitmap each pass.
    QueryBdp,
    /// NVMe TP4159: coalesced LBA ranges on a User Data Migration Queue.
    Tp4159,
}

#[derive(Args)]
struct ServeArgs {
    /// The image clients write (raw), exported over NBD.
    #[arg(long)]
    source: PathBuf,
    /// Where it migrates: a new file, or nbd://HOST:PORT[/EXPORT] (qemu-nbd, nbdkit).
    #[arg(long)]
    target: String,
    /// Address to listen on (loopback only, unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:10809")]
    listen: std::net::SocketAddr,
    /// Accept a non-loopback --listen: NBD has no authentication.
    #[arg(long)]
    allow_remote: bool,
    /// Export name clients ask for (empty: the default export).
    #[arg(long, default_value = "")]
    export_name: String,
    /// Tracking method: naive, cursor, bitmap or clear.
    #[arg(long, default_value = "bitmap", value_parser = parse_method)]
    method: Method,
    #[arg(long, value_enum, default_value = "golden")]
    backend: Backend,
    #[arg(long, default_value = "512B", value_parser = parse_size)]
    lba_size: u64,
    #[arg(long, default_value = "64KiB", value_parser = parse_size)]
    granule: u64,
    /// Bytes per copy.
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    chunk: u64,
    /// Copies in flight (copy threads).
    #[arg(long, default_value_t = 4)]
    queue_depth: usize,
    /// Copy at most this many bytes per second (default: as fast as the disks go).
    #[arg(long, value_parser = parse_size)]
    copy_rate: Option<u64>,
    #[arg(long, default_value_t = 64)]
    threshold: u64,
    #[arg(long, default_value_t = 8)]
    max_passes: u32,
    /// Also write the report as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Also draw dirty granules and copies per pass into this SVG.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// No progress line.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct ServeBenchArgs {
    /// Image size (the whole image is written at random).
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    size: u64,
    /// fio run time per measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Rounds per queue depth (the order alternates each round).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Queue depths.
    #[arg(long, value_delimiter = ',', default_value = "1,32")]
    depths: Vec<u32>,
    #[arg(long, default_value = "bitmap")]
    method: String,
    #[arg(long, default_value = "64KiB")]
    granule: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct TabulateArgs {
    /// JSON reports, one run each.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

#[derive(Args)]
struct CdqDecodeArgs {
    /// The file `migrate --cdq-dump` wrote.
    file: PathBuf,
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
    /// Logical block size of the source (the namespace, the user writes, the granule).
    #[arg(long, visible_alias = "source-lba-size", default_value = "4KiB", value_parser = parse_size)]
    lba_size: u64,
    /// Logical block size of the target (default: the source's); the granule must be a
    /// multiple of both.
    #[arg(long, value_parser = parse_size)]
    target_lba_size: Option<u64>,
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
    /// How the device tells the host what changed each pass.
    #[arg(long, value_enum, default_value = "query-bdp")]
    report: ReportVia,
    /// Ring of the TP4159 queue (with --report tp4159): whole 32-byte entries, at least 3.
    /// The default holds the largest drain of the default `compare` workload (2.0 MiB,
    /// naive) twice over.
    #[arg(long, default_value = "4MiB", value_parser = parse_size)]
    cdq_size: u64,
    /// Where user writes are snooped.
    #[arg(long, value_enum, default_value = "completion")]
    write_snoop: SnoopPoint,
    /// Chance that a target write fails and its granules are marked dirty again.
    #[arg(long, default_value_t = 0.0)]
    target_fail_rate: f64,
    /// Target LBAs whose writes fail for the first PASSES passes (default 1), then heal:
    /// SLBA:COUNT[:PASSES]. Repeatable.
    #[arg(long, value_name = "SLBA:COUNT[:PASSES]", value_parser = parse_bad_range, allow_hyphen_values = true)]
    bad_target_range: Vec<BadRange>,
    /// Every target write fails from the first one of this pass on, --outage-writes of
    /// them.
    #[arg(long, value_name = "PASS", requires = "outage_writes")]
    target_outage_at_pass: Option<u32>,
    /// Target writes the outage fails.
    #[arg(long, value_name = "N", requires = "target_outage_at_pass")]
    outage_writes: Option<u64>,
    /// The device firmware reboots half way through this pass's copies (the tracker keeps
    /// running) and re-attaches from the registers.
    #[arg(long, value_name = "PASS")]
    firmware_restart_at_pass: Option<u32>,
    /// The tracker is reset (all its state lost) half way through this pass's copies; the
    /// firmware notices at its next command and the whole namespace is copied again.
    #[arg(long, value_name = "PASS")]
    tracker_reset_at_pass: Option<u32>,
    /// The migration server dies in this pass (its copies in flight never land) and a
    /// standby takes over from the device's copy journal and, with bitmap, its plan.
    #[arg(long, value_name = "PASS")]
    failover_at_pass: Option<u32>,
    /// How much of the pass's plan is copied when the server dies.
    #[arg(long, value_name = "F", default_value_t = 0.5)]
    failover_fraction: f64,
    /// Times a copy that fails in the final (quiesced) pass is retried before the
    /// migration stops with an error instead of switching over.
    #[arg(long, value_name = "N", default_value_t = ServerConfig::DEFAULT_FINAL_RETRIES)]
    final_retries: u32,
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
    /// With --report tp4159: write every queue entry the host read, in order, as raw
    /// 32-byte records (`lmsnoop cdq-decode` prints them).
    #[arg(long, value_name = "FILE")]
    cdq_dump: Option<PathBuf>,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    sim: SimArgs,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Also draw dirty granules and copies per pass by method into this SVG.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
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

#[derive(Args)]
struct SoakArgs {
    /// How long to keep starting migrations (the one running then finishes).
    #[arg(long, value_parser = parse_seconds)]
    seconds: f64,
    /// The tracker the migrations run on; with `rtl` each also runs on the golden model and
    /// the two reports must be identical.
    #[arg(long, value_enum, default_value_t = Backend::Golden)]
    backend: Backend,
    /// Seed of the first migration; each next one takes the next seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// One JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// A positive, finite number of seconds.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(s),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

#[derive(Args)]
struct ScaleArgs {
    /// Smallest namespace.
    #[arg(long, default_value = "1TiB", value_parser = parse_size)]
    from: u64,
    /// Largest namespace (the series doubles up to it).
    #[arg(long, default_value = "64TiB", value_parser = parse_size)]
    to: u64,
    #[arg(long, default_value = "64KiB", value_parser = parse_size)]
    granule: u64,
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    chunk: u64,
    #[arg(long, default_value = "4KiB", value_parser = parse_size)]
    lba_size: u64,
    #[arg(long, default_value_t = 0.8)]
    mapped: f64,
    /// User writes per run, about (the write rate is set from it; keep it below about
    /// 0.05 writes per granule of the smallest size, or the passes do not converge and
    /// the later passes add writes of their own).
    #[arg(long, default_value_t = 500_000)]
    writes: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// One JSON array instead of the table.
    #[arg(long)]
    json: bool,
}

fn scale(args: ScaleArgs) -> Result<()> {
    use lmsnoop::scale::{doublings, measure, table, ScaleSpec};
    let exe = std::env::current_exe().context("locating the lmsnoop binary")?;
    let sizes = doublings(args.from, args.to).context(BadInput)?;
    let specs: Vec<ScaleSpec> = (sizes.into_iter())
        .map(|namespace| ScaleSpec {
            namespace,
            granule: args.granule,
            chunk: args.chunk,
            lba_size: args.lba_size,
            mapped: args.mapped,
            writes: args.writes,
            seed: args.seed,
        })
        .collect();
    // Each child's flags are checked as its own `migrate` would check them, before any
    // runs: a bad flag is refused up front, not after an hour of smaller sizes.
    for spec in &specs {
        let argv = std::iter::once("lmsnoop".to_string()).chain(spec.args());
        let cli = Cli::try_parse_from(argv).map_err(|e| anyhow::anyhow!(one_line(&e.to_string())));
        if let Command::Migrate(m) = cli.context(BadInput)?.command {
            let cfg = m.sim.config(m.method).context(BadInput)?;
            m.sim.check_memory(&cfg).context(BadInput)?;
        }
    }
    let mut rows = Vec::new();
    for spec in specs {
        let namespace = spec.namespace;
        if !args.json {
            eprintln!(
                "lmsnoop scale: migrate --namespace {}",
                format_size(namespace)
            );
        }
        rows.push(measure(&exe, &spec)?);
    }
    if args.json {
        println!("{}", lmsnoop::scale::json(&rows));
    } else {
        print!("{}", table(&rows));
    }
    Ok(())
}

fn parse_bad_range(s: &str) -> Result<BadRange, String> {
    BadRange::parse(s).map_err(|e| format!("{e:#}"))
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
        let lba_shift = log2_exact(self.lba_size, "--lba-size")?;
        ensure!(
            (512..=65536).contains(&self.lba_size),
            "--lba-size must be within 512 B..=64 KiB"
        );
        let granule_bytes_shift = log2_exact(self.granule, "--granule")?;
        ensure!(
            granule_bytes_shift >= lba_shift,
            "--granule must be at least one LBA ({} B)",
            self.lba_size
        );
        ensure!(
            self.namespace % self.lba_size == 0 && self.namespace > 0,
            "--namespace ({} B) must be a positive multiple of the LBA size",
            self.namespace
        );
        for (name, bytes, unit) in [
            ("--write-size", self.write_size, self.lba_size),
            ("--chunk", self.chunk, self.granule),
        ] {
            ensure!(
                bytes > 0 && bytes % unit == 0,
                "{name} ({bytes} B) must be a positive multiple of {unit} B"
            );
        }
        let write_blocks =
            u32::try_from(self.write_size / self.lba_size).context("--write-size too large")?;
        let cfg = SimConfig {
            method,
            namespace_lbas: self.namespace / self.lba_size,
            source_lba_bytes: self.lba_size,
            target_lba_bytes: self.target_lba_size.unwrap_or(self.lba_size),
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
                report: self.change_report()?,
                final_retries: self.final_retries,
            },
            write_snoop: match self.write_snoop {
                SnoopPoint::Completion => WriteSnoop::Completion,
                SnoopPoint::Submission => WriteSnoop::Submission,
            },
            target_fail_rate: self.target_fail_rate,
            faults: FaultPlan {
                bad_ranges: self.bad_target_range.clone(),
                outage: self
                    .target_outage_at_pass
                    .zip(self.outage_writes)
                    .map(|(at_pass, writes)| Outage { at_pass, writes }),
                firmware_restart_at_pass: self.firmware_restart_at_pass,
                tracker_reset_at_pass: self.tracker_reset_at_pass,
                failover: self.failover_at_pass.map(|at_pass| Failover {
                    at_pass,
                    fraction: self.failover_fraction,
                }),
            },
            latency: LatencyModel::default(),
            watch: Vec::new(),
            progress: !self.quiet,
        };
        cfg.check()?;
        Ok(cfg)
    }

    fn change_report(&self) -> Result<ChangeReport> {
        // Checked with either report: a bad value is refused, not ignored.
        let entry = ENTRY_BYTES as u64;
        ensure!(
            self.cdq_size % entry == 0 && self.cdq_size / entry >= 3,
            "--cdq-size ({} B) must be whole {entry}-byte entries, at least 3",
            self.cdq_size
        );
        let cdq_slots = u32::try_from(self.cdq_size / entry)
            .ok()
            .filter(|s| s.checked_mul(8).is_some())
            .context("--cdq-size is larger than a 32-bit dword count")?;
        Ok(match self.report {
            ReportVia::QueryBdp => ChangeReport::QueryBdp,
            ReportVia::Tp4159 => ChangeReport::Tp4159 {
                cdq_slots,
                keep_records: false,
            },
        })
    }

    /// Refuses up front a namespace whose bitmaps would not fit in memory.
    fn check_memory(&self, cfg: &SimConfig) -> Result<()> {
        let need = cfg.bitmap_bytes();
        if let Some(have) = report::available_memory_bytes() {
            ensure!(
                need <= have,
                "{} in {} granules needs {:.1} GiB for its bitmaps ({} of one bit per \
                 granule), and {:.1} GiB of memory is available: choose a larger --granule",
                format_size(self.namespace),
                format_size(self.granule),
                gib(need),
                SimConfig::BITMAPS,
                gib(have)
            );
        }
        Ok(())
    }

    fn run(&self, cfg: &SimConfig) -> Result<RunReport> {
        self.check_memory(cfg).context(BadInput)?;
        let port =
            make_port(self.backend, cfg.granules(), self.vcd.as_deref()).context(BadInput)?;
        world::simulate(cfg, port).with_context(|| format!("simulating the {} method", cfg.method))
    }

    fn describe(&self) -> String {
        let lba = match self.target_lba_size {
            Some(t) if t != self.lba_size => format!(
                "LBA {} on the source, {} on the target",
                format_size(self.lba_size),
                format_size(t)
            ),
            _ => format!("LBA {}", format_size(self.lba_size)),
        };
        format!(
            "namespace {}, {lba}, granule {}",
            format_size(self.namespace),
            format_size(self.granule)
        )
    }
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// Marks an error as the user's input (exit status 2, as clap gives its own), not a failure
/// of the run (1).
#[derive(Debug)]
struct BadInput;

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid input")
    }
}

/// [`report::writable`], as bad input.
fn writable(flag: &str, path: &std::path::Path) -> Result<()> {
    report::writable(flag, path).context(BadInput)
}

fn cost(started: Instant) -> Cost {
    Cost {
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: report::peak_rss_bytes(),
    }
}

fn migrate(args: MigrateArgs) -> Result<()> {
    let started = Instant::now();
    let mut cfg = args.sim.config(args.method).context(BadInput)?;
    cfg.watch = args.watch.clone();
    cfg.check().context(BadInput)?;
    if let Some(path) = &args.cdq_dump {
        match &mut cfg.server.report {
            ChangeReport::Tp4159 { keep_records, .. } => *keep_records = true,
            ChangeReport::QueryBdp => {
                return Err(anyhow::anyhow!(
                    "--cdq-dump {} needs --report tp4159",
                    path.display()
                ))
                .context(BadInput)
            }
        }
    }
    if let Some(path) = &args.cdq_dump {
        writable("--cdq-dump", path)?;
    }
    let run = args.sim.run(&cfg)?;
    if let (Some(path), Some(t)) = (&args.cdq_dump, &run.tp4159) {
        std::fs::write(path, &t.records)
            .with_context(|| format!("writing the queue entries to {}", path.display()))?;
    }
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
    if let Some(path) = &args.plot {
        writable("--plot", path)?;
    }
    let mut runs = Vec::new();
    for method in Method::ALL {
        runs.push(args.sim.run(&args.sim.config(method).context(BadInput)?)?);
    }
    if args.json {
        println!("{}", report::compare_json(&runs, Some(cost(started))));
    } else {
        println!("{}\n", args.sim.describe());
        print!("{}", report::compare_table(&runs));
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "lmsnoop compare: {}, workload {}, seed {}",
            args.sim.describe(),
            runs[0].workload,
            runs[0].seed
        );
        lmsnoop::plot::passes_svg(&runs, &title, path)?;
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
    // A trace that cannot be read or parsed is the user's input: exit status 2.
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .context("reading the trace from standard input")
            .context(BadInput)?
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("reading trace {}", args.file.display()))
            .context(BadInput)?
    };
    let trace = replay::parse(&text)
        .with_context(|| format!("in trace {}", args.file.display()))
        .context(BadInput)?;
    let port = make_port(args.backend, trace.granules(), args.vcd.as_deref()).context(BadInput)?;
    let mut out = Vec::new();
    let result = replay::run(&trace, port, &mut out);
    std::io::stdout().write_all(&out)?;
    result.with_context(|| format!("replaying {}", args.file.display()))
}

fn serve(args: ServeArgs) -> Result<()> {
    use lmsnoop::serve::{serve, ServeConfig};
    let cfg = ServeConfig {
        source: args.source,
        target: args.target,
        listen: args.listen,
        allow_remote: args.allow_remote,
        export_name: args.export_name,
        method: args.method,
        backend: args.backend,
        lba_bytes: args.lba_size,
        granule_bytes: args.granule,
        chunk_bytes: args.chunk,
        copy_workers: args.queue_depth,
        copy_rate: args.copy_rate,
        threshold: args.threshold,
        max_passes: args.max_passes,
        progress: !args.quiet,
    };
    cfg.check().context(BadInput)?;
    cfg.check_files().context(BadInput)?;
    if let Some(path) = &args.json {
        writable("--json", path)?;
    }
    if let Some(path) = &args.plot {
        writable("--plot", path)?;
    }
    let started = Instant::now();
    let r = serve(&cfg, None)?;
    let cost = cost(started);
    print!("{}", report::run_table(&r.run, Some(cost)));
    println!("clients {}", r.clients);
    if let Some(path) = &args.json {
        let mut j = report::run_json(&r.run, Some(cost));
        if let Some(o) = j.as_object_mut() {
            o.insert("clients".into(), r.clients.into());
            o.insert("failure".into(), r.failure.clone().into());
        }
        std::fs::write(path, format!("{j}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.plot {
        let title = format!(
            "lmsnoop serve: {} under NBD clients, {} granules",
            r.run.method,
            format_size(args.granule)
        );
        lmsnoop::plot::passes_svg(std::slice::from_ref(&r.run), &title, path)?;
    }
    if let Some(why) = r.failure {
        bail!("the migration failed: {why}");
    }
    if r.run.lost_updates > 0 {
        bail!(
            "the target differs from the source in {} granules",
            r.run.lost_updates
        );
    }
    Ok(())
}

fn serve_bench(args: ServeBenchArgs) -> Result<()> {
    use lmsnoop::serve::bench::{json, run, table, BenchSpec};
    parse_method(&args.method)
        .map_err(anyhow::Error::msg)
        .context(BadInput)?;
    let spec = BenchSpec {
        size: args.size,
        seconds: args.seconds,
        rounds: args.rounds,
        depths: args.depths,
        method: args.method,
        granule: args.granule,
    };
    (|| {
        ensure!(spec.rounds > 0, "--rounds must be at least 1");
        ensure!(spec.seconds > 0, "--seconds must be at least 1");
        ensure!(spec.size > 0, "--size must be at least 1 B");
        ensure!(
            !spec.depths.is_empty() && !spec.depths.contains(&0),
            "--depths must each be at least 1"
        );
        let granule = parse_size(&spec.granule).map_err(|e| anyhow::anyhow!("--granule: {e}"))?;
        ensure!(
            granule.is_power_of_two() && granule >= 512,
            "--granule must be a power of two of at least 512 B (serve's LBA size)"
        );
        Ok(())
    })()
    .context(BadInput)?;
    let exe = std::env::current_exe().context("locating the lmsnoop binary")?;
    let rows = run(&exe, &spec)?;
    if args.json {
        println!("{}", json(&rows));
    } else {
        print!("{}", table(&rows, &spec));
    }
    Ok(())
}

fn tabulate(args: TabulateArgs) -> Result<()> {
    if let Some(path) = &args.plot {
        writable("--plot", path)?;
    }
    let mut runs = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()))
            .context(BadInput)?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))
            .context(BadInput)?;
        runs.push(
            report::run_from_json(&json)
                .with_context(|| format!("{} is not a run report", path.display()))
                .context(BadInput)?,
        );
    }
    print!("{}", report::compare_table(&runs));
    if let Some(path) = &args.plot {
        let title = format!(
            "lmsnoop: {} runs, workload {}",
            runs.len(),
            runs[0].workload
        );
        lmsnoop::plot::passes_svg(&runs, &title, path)?;
    }
    Ok(())
}

fn cdq_decode(args: CdqDecodeArgs) -> Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))
        .context(BadInput)?;
    if bytes.len() % ENTRY_BYTES != 0 {
        return Err(anyhow::anyhow!(
            "{} holds {} bytes, not whole {ENTRY_BYTES}-byte entries",
            args.file.display(),
            bytes.len()
        ))
        .context(BadInput);
    }
    match print_entries(&bytes) {
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn print_entries(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let (mut ranges, mut lbas) = (0u64, 0u64);
    for (i, raw) in bytes.chunks_exact(ENTRY_BYTES).enumerate() {
        let e = MigrationEntry::decode(raw.try_into().expect("chunks of ENTRY_BYTES"));
        if e.blocks > 0 {
            ranges += 1;
            lbas += e.blocks;
        }
        writeln!(out, "{i:>8}  {e}")?;
    }
    writeln!(
        out,
        "{} entries, {ranges} ranges, {lbas} LBAs",
        bytes.len() / ENTRY_BYTES
    )
}

fn soak_cmd(args: SoakArgs) -> Result<()> {
    let budget = Duration::from_secs_f64(args.seconds);
    let make = |granules: u64| make_port(args.backend, granules, None);
    let port: Option<&dyn Fn(u64) -> Result<Box<dyn lmsnoop_sim::TrackerPort>>> = match args.backend
    {
        Backend::Golden => None,
        Backend::Rtl => {
            // Fail now, not after the first migration, when the RTL is not built in.
            make(64).context(BadInput)?;
            Some(&make)
        }
    };
    let bar = (std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(budget.as_secs().max(1));
        bar.set_style(
            indicatif::ProgressStyle::with_template("soak [{bar:30}] {pos}/{len} s  {msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar
    });
    let mut last_line = Instant::now();
    let draw = lmsnoop::soak::random_config;
    let report = lmsnoop::soak::soak(budget, args.seed, draw, port, |r| {
        let msg = format!(
            "{} migrations, {} bytes verified, {} lost, {} failed",
            r.migrations,
            r.bytes_verified,
            r.lost_updates,
            r.failures.len()
        );
        match &bar {
            Some(bar) => {
                bar.set_position(r.seconds as u64);
                bar.set_message(msg);
            }
            None if last_line.elapsed() >= Duration::from_secs(10) => {
                last_line = Instant::now();
                eprintln!("soak: {:.0} s, {msg}", r.seconds);
            }
            None => {}
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if args.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.table());
    }
    if !report.clean() {
        bail!(
            "the soak found {} lost updates, {} golden/RTL mismatches and {} failed \
             migrations: rerun one with `lmsnoop soak --seconds 1 --seed SEED --backend {}`",
            report.lost_updates,
            report.mismatches.unwrap_or(0),
            report.failures.len(),
            report.backend
        );
    }
    Ok(())
}

fn bench(args: BenchArgs) -> Result<()> {
    (|| {
        ensure!(args.ops > 0, "--ops must be at least 1");
        ensure!(
            (1..=lmsnoop_sim::GoldenTracker::MAX_CAPACITY).contains(&args.granules),
            "--granules must be within 1..={} (32-bit granule registers)",
            lmsnoop_sim::GoldenTracker::MAX_CAPACITY
        );
        Ok(())
    })()
    .context(BadInput)?;
    let results = golden_throughput(args.ops, args.granules, args.seed)?;
    if args.json {
        let rows: Vec<_> = results
            .iter()
            .map(|r| {
                json!({
                    "method": r.method.name(),
                    "ops": r.ops,
                    "ops_per_second": r.static_ops_per_second,
                    "dyn_ops_per_second": r.dyn_ops_per_second,
                })
            })
            .collect();
        println!("{}", json!({ "granules": args.granules, "golden": rows }));
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
    if args.ops == 0 {
        return Err(anyhow::anyhow!("--ops must be at least 1").context(BadInput));
    }
    let b = lmsnoop::rtl_bench::run(args.ops, args.seed)?;
    if args.json {
        let rows: Vec<_> = b
            .scenarios
            .iter()
            .map(|s| {
                json!({
                    "scenario": s.name,
                    "ops": s.ops,
                    "cycles": s.cycles,
                    "ops_per_cycle": s.ops_per_cycle(),
                    "unit": s.unit,
                    "units_per_cycle": s.units_per_cycle(),
                })
            })
            .collect();
        println!(
            "{}",
            json!({
                "scenarios": rows,
                "verilator_ops_per_second": b.verilator_ops_per_second,
            })
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
    for (rel, written) in lmsnoop_regs::render::write_files(root, files)? {
        println!("{} {rel}", if written { "wrote" } else { "unchanged" });
    }
    Ok(())
}

fn gen_regs(args: GenArgs) -> Result<()> {
    use lmsnoop_regs::render;
    let readme_path = args.root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .with_context(|| format!("reading {}", readme_path.display()))?;
    let Some(files) = render::generated_files(&readme) else {
        bail!(
            "README.md lacks the register table markers ({} ... {})",
            render::README_BEGIN,
            render::README_END
        );
    };
    write_generated(&args.root, &files)
}

/// The command line, or exit: help and version as clap prints them (status 0), a bad
/// argument as one line naming the flag (status 2, as every bad input).
fn parse_cli() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let mut cmd = Cli::command();
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().into()).collect();
    for name in names {
        // `--seed -1` is a bad seed, not an unknown flag `-1`.
        cmd = cmd.mut_subcommand(name, |s| s.allow_negative_numbers(true));
    }
    let parsed = cmd
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    parsed.unwrap_or_else(|e| {
        if !e.use_stderr() {
            e.exit();
        }
        eprintln!("lmsnoop: {}", one_line(&e.to_string()));
        std::process::exit(2)
    })
}

/// Clap's error without its usage and hint lines, on one line.
fn one_line(message: &str) -> String {
    let lines = message.lines().map(str::trim).take_while(|l| {
        !(l.starts_with("Usage:") || l.starts_with("For more information") || l.starts_with("tip:"))
    });
    lines
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let cli = parse_cli();
    let result = match cli.command {
        Command::Migrate(a) => migrate(a),
        Command::Compare(a) => compare(a),
        Command::Replay(a) => replay_cmd(a),
        Command::Serve(a) => serve(a),
        Command::ServeBench(a) => serve_bench(a),
        Command::CdqDecode(a) => cdq_decode(a),
        Command::Tabulate(a) => tabulate(a),
        Command::Bench(a) => bench(a),
        Command::Scale(a) => scale(a),
        Command::RtlBench(a) => rtl_bench(a),
        Command::Soak(a) => soak_cmd(a),
        Command::GenRegs(a) => gen_regs(a),
        #[cfg(feature = "hw")]
        Command::GenVerilog(a) => {
            write_generated(&a.root, &lmsnoop_flows::cli::generated_verilog())
        }
        #[cfg(feature = "hw")]
        Command::Synth(a) => lmsnoop_flows::cli::synth_cmd(a),
        #[cfg(feature = "hw")]
        Command::Formal(a) => lmsnoop_flows::cli::formal_cmd(a),
        #[cfg(not(feature = "hw"))]
        Command::GenVerilog(_) => no_hw("gen-verilog"),
        #[cfg(not(feature = "hw"))]
        Command::Synth(_) => no_hw("synth"),
        #[cfg(not(feature = "hw"))]
        Command::Formal(_) => no_hw("formal"),
    };
    if let Err(e) = result {
        eprintln!("lmsnoop: error: {e:#}");
        std::process::exit(if e.downcast_ref::<BadInput>().is_some() {
            2
        } else {
            1
        });
    }
}
