//! `lmsnoop formal`: the generated block checked against a shadow of the specification.
//!
//! The wrapper `hdl/formal/lm_tracker_props.sv` keeps the golden model's state for one
//! symbolic granule and asserts the properties a hardware team needs (a skipped bit is
//! never a lost update, only copy reads and swaps clear active bits, a swap presents a
//! clean active buffer). Yosys joins it with the Verilog of the formal build
//! ([`FORMAL_ADDR_BITS`]) into a decode model and a control model ([`script::Model`]).
//! ABC ([`abc`]) runs the bounded model check, the cover search (so a pass is not vacuous)
//! and a PDR proof attempt, each on one property's cone and side by side on the cores
//! ([`pool`]); Yosys `sim` replays their counterexamples into VCD traces ([`witness`]), and
//! on request yosys-smtbmc with z3 runs k-induction per property. [`mutants`] are broken
//! variants the check must reject with a counterexample trace.

pub mod abc;
pub mod mutants;
pub mod pool;
pub mod script;
pub mod smtbmc;
pub mod witness;

use crate::tools::{tool_version, WorkDir};
use abc::{Bmc, Outcome, Proof};
use anyhow::{bail, Result};
use lmsnoop_hdl::tracker::{verilog_of, LmTracker, FORMAL_ADDR_BITS};
use mutants::Mutant;
use script::Model;
use serde_json::{json, Value};
use smtbmc::Verdict;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// The property wrapper, compiled in so the binary checks what it was built with.
pub const WRAPPER: &str = include_str!("../../../hdl/formal/lm_tracker_props.sv");
/// Label prefix of the wrapper's helper invariants, kept in every induction run.
pub const HELPER_PREFIX: &str = "inv_";
/// Default BMC depth in clock cycles (the reset's clear engine takes the first 5).
pub const DEFAULT_DEPTH: u32 = 24;
/// Default depth of the cover search. A reached cover costs little (ABC stops at it), so
/// this is deeper than the BMC: every cover lies within it (README, Formal).
pub const DEFAULT_COVER_DEPTH: u32 = 26;
/// Default PDR time limit per property, in seconds.
pub const DEFAULT_PDR_SECONDS: u32 = 60;

pub struct Options {
    pub depth: u32,
    /// Properties checked to another depth than `depth` (a cheap property can go deeper,
    /// to past the cover that shows its hard case).
    pub property_depths: Vec<(String, u32)>,
    pub covers: bool,
    /// Search only these covers (all when empty).
    pub only_covers: Vec<String>,
    /// Depth of the cover search.
    pub cover_depth: u32,
    /// k of the k-induction run per property, if any.
    pub induction: Option<u32>,
    /// PDR time limit per property in seconds; 0 skips PDR.
    pub pdr_seconds: u32,
    pub mutant: Option<&'static Mutant>,
    pub keep: Option<PathBuf>,
    pub progress: bool,
    /// Solver runs at a time (each property is its own run).
    pub jobs: usize,
    /// Check only these assertions (all when empty).
    pub only_properties: Vec<String>,
    /// Time limit of each property's bounded check in seconds; 0: none.
    pub bmc_seconds: u32,
}

pub struct Report {
    pub depth: u32,
    /// The covers of the wrapper and the properties each one guards ([`guards`]).
    pub guards: Vec<(String, Vec<String>)>,
    pub granules: u64,
    pub mutant: Option<&'static Mutant>,
    pub tools: String,
    /// Solver runs at a time.
    pub jobs: usize,
    /// Assertion labels of the wrapper, in source order.
    pub properties: Vec<String>,
    /// Each property's bounded check, in the order of `properties`.
    pub bounded: Vec<Check>,
    /// All of them as one verdict, in wall-clock seconds.
    pub bmc: Verdict,
    pub cover: Option<Verdict>,
    pub induction: Vec<(String, u32, Verdict)>,
    pub proofs: Vec<Proof>,
    pub cover_depth: u32,
    /// The PDR time limit the proofs ran with.
    pub pdr_seconds: u32,
}

/// The macro the wrapper writes its covers with (a cover, or an assertion for ABC).
pub const COVER: &str = "`LM_COVER";

/// The labels of the wrapper's `label: assert(...)` statements (`kind` "assert") or
/// `label: `LM_COVER(...)` covers (`kind` [`COVER`]).
pub fn labels(wrapper: &str, kind: &str) -> Vec<String> {
    let needle = format!(": {kind}(");
    wrapper
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter_map(|l| {
            let at = l.find(&needle)?;
            let name = l[..at].split_whitespace().last()?;
            Some(name.to_string())
        })
        .collect()
}

/// The property the decode model checks; the lemma model checks [`LEMMA_PROPERTIES`];
/// every other assertion goes to the control model ([`script::Model`]).
pub const DECODE_PROPERTY: &str = "decode_ok";

/// The properties checked on the lemma model, under the lemma the control model checks.
pub const LEMMA_PROPERTIES: [&str; 1] = ["swap_clean"];

/// The model an assertion is checked on.
pub fn model_of(property: &str) -> Model {
    if property == DECODE_PROPERTY {
        Model::Decode
    } else if LEMMA_PROPERTIES.contains(&property) {
        Model::Lemma
    } else {
        Model::Control
    }
}

/// Writes the work files of `model` into `dir` and runs Yosys: the SMT2 model and, with
/// `aiger` (for ABC; k-induction needs only the SMT2), one AIGER file per assertion in
/// `properties`.
fn build(
    dir: &WorkDir,
    model: Model,
    mutant: Option<&Mutant>,
    properties: &[String],
    aiger: bool,
) -> Result<()> {
    let mut verilog = verilog_of::<FORMAL_ADDR_BITS>(script::DUT_TOP);
    if let Some(m) = mutant {
        verilog = m.apply(&verilog)?;
    }
    dir.write(script::DUT_FILE, &verilog)?;
    dir.write(script::DEFS_FILE, &script::defs())?;
    dir.write(script::WRAPPER_FILE, WRAPPER)?;
    let ys = script::yosys_script(&script::probes(WRAPPER)?, model, properties, aiger);
    dir.write("formal.ys", &ys)?;
    crate::tools::yosys_logged(dir, "formal.ys", "yosys.log")
}

/// One property's bounded check.
#[derive(Debug, Clone, PartialEq)]
pub enum Bounded {
    Holds,
    /// Fails: the replay of ABC's counterexample (assertions, step, VCD).
    Fails(Verdict),
    /// The time limit came first: no failure in steps 0..frames-1.
    Incomplete {
        frames: u32,
    },
    /// Not run: the run stopped at another property's failure.
    NotRun,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub property: String,
    /// The depth it was checked to.
    pub depth: u32,
    pub outcome: Bounded,
    pub seconds: f64,
}

impl Options {
    /// The depth `property` is checked to.
    pub fn depth_of(&self, property: &str) -> u32 {
        self.property_depths
            .iter()
            .rev()
            .find(|(p, _)| p == property)
            .map_or(self.depth, |&(_, d)| d)
    }
}

/// The wrapper's `// guard: COVER PROPERTY...` lines: the properties a cover makes
/// non-vacuous. A property checked to a depth at or below the step its cover is reached
/// in never sees that case, so such a run does not pass ([`Report::check`]).
pub fn guards(wrapper: &str) -> Vec<(String, Vec<String>)> {
    directives(wrapper, "guard")
        .filter_map(|mut words| {
            let cover = words.next()?.to_string();
            Some((cover, words.map(str::to_string).collect()))
        })
        .collect()
}

/// The words after `// NAME:` of each such line of the wrapper.
fn directives<'a>(
    wrapper: &'a str,
    name: &'a str,
) -> impl Iterator<Item = std::str::SplitWhitespace<'a>> + 'a {
    wrapper.lines().filter_map(move |l| {
        let rest = l.trim_start().strip_prefix("// ")?.strip_prefix(name)?;
        Some(rest.strip_prefix(':')?.split_whitespace())
    })
}

/// The wrapper's `// cover-from: COVER STEP` lines: a cover whose search starts at that
/// step. Finding a trace to a cover needs one satisfiable step; showing that no earlier
/// step reaches it is the solver's unsatisfiable work, which a cover does not need and
/// which can cost far more (the residue swap: the steps before it need the live popcounts'
/// arithmetic). The step a cover is then reached in is the first from STEP, an upper bound
/// of the shortest trace's, and the properties it guards must be checked past it.
pub fn cover_starts(wrapper: &str) -> Vec<(String, u32)> {
    directives(wrapper, "cover-from")
        .filter_map(|mut words| Some((words.next()?.to_string(), words.next()?.parse().ok()?)))
        .collect()
}

/// Bounded check of `property` with ABC; a counterexample is replayed ([`witness`]), which
/// names the failing assertions and writes the VCD.
fn check_bounded(dir: &WorkDir, property: &str, opts: &Options) -> Result<Check> {
    let (depth, progress) = (opts.depth_of(property), opts.progress);
    let (outcome, seconds) = abc::bmc(dir, property, 0, depth, opts.bmc_seconds)?;
    if progress {
        eprintln!("  formal bmc: {property}: {outcome:?} to depth {depth} ({seconds:.1} s)");
    }
    let outcome = match outcome {
        Bmc::Holds => Bounded::Holds,
        Bmc::Incomplete { frames } => Bounded::Incomplete { frames },
        Bmc::Fails { frame } => {
            let mut v = witness::replay(dir, property, frame)?;
            v.seconds += seconds;
            Bounded::Fails(v)
        }
    };
    Ok(Check {
        property: property.to_string(),
        depth,
        outcome,
        seconds,
    })
}

pub fn run(opts: &Options) -> Result<Report> {
    if opts.depth < 2 || opts.property_depths.iter().any(|&(_, d)| d < 2) {
        bail!("--depth must be at least 2 cycles (reset, then one step)");
    }
    let known = labels(WRAPPER, COVER);
    if let Some(bad) = opts.only_covers.iter().find(|c| !known.contains(c)) {
        bail!(
            "unknown cover `{bad}`: the wrapper has {}",
            known.join(", ")
        );
    }
    let mut properties = labels(WRAPPER, "assert");
    if !properties.iter().any(|p| p == DECODE_PROPERTY) {
        bail!("the wrapper has no `{DECODE_PROPERTY}` assertion");
    }
    if let Some(bad) = opts
        .only_properties
        .iter()
        .chain(opts.property_depths.iter().map(|(p, _)| p))
        .find(|p| !properties.contains(p))
    {
        bail!(
            "unknown property `{bad}`: the wrapper asserts {}",
            properties.join(", ")
        );
    }
    if !opts.only_properties.is_empty() {
        properties.retain(|p| opts.only_properties.contains(p));
    }
    if let Some(m) = opts
        .mutant
        .filter(|m| !properties.iter().any(|p| p == m.caught_by))
    {
        bail!(
            "mutant {} is caught by {}, which --property leaves out",
            m.name,
            m.caught_by
        );
    }
    let mut tools = tool_version("yosys", "-V")?;
    tool_version("yosys-abc", "-h")?;
    if opts.induction.is_some() {
        tool_version("yosys-smtbmc", "-h")?;
        tools = format!("{tools}; {}", tool_version("z3", "--version")?);
    }
    let label = match opts.mutant {
        Some(m) => format!("formal-{}", m.name),
        None => "formal".to_string(),
    };
    let mut dir = WorkDir::new(opts.keep.as_deref(), &label)?;
    let jobs = opts.jobs.max(1);
    let models = [Model::Control, Model::Decode, Model::Lemma];
    let mut subs = Vec::new();
    for model in models {
        let keep: Vec<String> = properties
            .iter()
            .filter(|p| model_of(p) == model)
            .cloned()
            .collect();
        if keep.is_empty() {
            continue;
        }
        subs.push((model, WorkDir::new(Some(&dir.path), model.name())?, keep));
    }
    pool::try_run_all(&subs, jobs, |(model, sub, keep)| {
        build(sub, *model, opts.mutant, keep, true)
    })?;
    let sub_of = |p: &str| {
        &subs
            .iter()
            .find(|(m, ..)| *m == model_of(p))
            .expect("model")
            .1
    };
    // One ABC run per property; a mutant's target first, so its failure ends the run soon.
    let mut order = properties.clone();
    if let Some(m) = opts.mutant {
        order.sort_by_key(|p| p != m.caught_by);
    }
    let started = Instant::now();
    let stop = |r: &Result<Check>| r.as_ref().map_or(true, |c| c.outcome != Bounded::Holds);
    let checks: Vec<Option<Check>> =
        pool::run_all(&order, jobs, stop, |p| check_bounded(sub_of(p), p, opts))
            .into_iter()
            .map(Option::transpose)
            .collect::<Result<_>>()?;
    let bounded: Vec<Check> = properties
        .iter()
        .map(|p| {
            let at = order.iter().position(|q| q == p).expect("ordered");
            checks[at].clone().unwrap_or_else(|| Check {
                property: p.clone(),
                depth: opts.depth_of(p),
                outcome: Bounded::NotRun,
                seconds: 0.0,
            })
        })
        .collect();
    let bmc = merge(&bounded, started.elapsed().as_secs_f64());
    // A mutant only has to be caught; covers and proofs say nothing about it.
    let checked = opts.mutant.is_none() && bmc.passed;
    let cover = if opts.covers && checked {
        let names = if opts.only_covers.is_empty() {
            known
        } else {
            opts.only_covers.clone()
        };
        Some(covers(&dir, &names, opts.cover_depth, jobs, opts.progress)?)
    } else {
        None
    };
    let mut proofs = Vec::new();
    if opts.pdr_seconds > 0 && checked {
        proofs = pool::try_run_all(&properties, jobs, |p| {
            let proof = abc::prove(sub_of(p), p, opts.pdr_seconds)?;
            if opts.progress {
                eprintln!(
                    "  formal pdr: {p}: {:?} ({:.1} s)",
                    proof.outcome, proof.seconds
                );
            }
            Ok(proof)
        })?;
    }
    let mut induction = Vec::new();
    if let (Some(k), true) = (opts.induction, checked) {
        for p in &properties {
            let sub = WorkDir::new(Some(&dir.path), &format!("induction-{p}"))?;
            // None of the other properties may be assumed; the helpers are proven along.
            let keep: Vec<String> = properties
                .iter()
                .filter(|q| *q == p || q.starts_with(HELPER_PREFIX))
                .filter(|q| model_of(q) == model_of(p))
                .cloned()
                .collect();
            build(&sub, model_of(p), None, &keep, false)?;
            let v = smtbmc::induction(&sub, script::MODEL_FILE, k, opts.progress)?;
            induction.push((p.clone(), k, v));
        }
    }
    let report = Report {
        depth: opts.depth,
        guards: guards(WRAPPER),
        granules: LmTracker::<FORMAL_ADDR_BITS>::CAPACITY,
        mutant: opts.mutant,
        tools,
        jobs,
        properties,
        bounded,
        bmc,
        cover,
        induction,
        proofs,
        cover_depth: opts.cover_depth,
        pdr_seconds: opts.pdr_seconds,
    };
    if !report.bmc.passed || report.pdr_failures().next().is_some() {
        dir.persist();
    }
    Ok(report)
}

/// Searches each cover with ABC's BMC on the covers model: a cover is reached in the
/// step of the "counterexample" to its negation, which is replayed into the cover's trace
/// (`bmc-<cover>.vcd`, [`witness`]), so a reached cover can be looked at, not only counted.
fn covers(
    dir: &WorkDir,
    names: &[String],
    depth: u32,
    jobs: usize,
    progress: bool,
) -> Result<Verdict> {
    let sub = WorkDir::new(Some(&dir.path), Model::Covers.name())?;
    build(&sub, Model::Covers, None, names, true)?;
    let started = Instant::now();
    let starts = cover_starts(WRAPPER);
    let found = pool::try_run_all(names, jobs, |c| {
        let from = starts.iter().find(|(n, _)| n == c).map_or(0, |&(_, s)| s);
        let (outcome, seconds) = abc::bmc(&sub, c, from, depth, 0)?;
        if progress {
            eprintln!("  formal cover: {c}: {outcome:?} ({seconds:.1} s)");
        }
        let trace = match outcome {
            Bmc::Fails { frame } => witness::replay(&sub, c, frame)?.vcd,
            _ => None,
        };
        Ok((outcome, trace))
    })?;
    let mut v = Verdict::new(true, started.elapsed().as_secs_f64());
    for (c, (outcome, trace)) in names.iter().zip(found) {
        match outcome {
            Bmc::Fails { frame } => v.reached.push((c.clone(), frame, trace)),
            Bmc::Holds | Bmc::Incomplete { .. } => {
                v.passed = false;
                v.unreached.push(c.clone());
            }
        }
    }
    Ok(v)
}

/// The per-property bounded checks as one verdict (the earliest failure's trace), taking
/// `seconds` of wall time.
fn merge(checks: &[Check], seconds: f64) -> Verdict {
    let mut all = Verdict::new(true, seconds);
    let mut failures: Vec<&Verdict> = checks
        .iter()
        .filter_map(|c| match &c.outcome {
            Bounded::Fails(v) => Some(v),
            _ => None,
        })
        .collect();
    failures.sort_by_key(|v| v.step);
    for v in &failures {
        for f in &v.failed {
            if !all.failed.contains(f) {
                all.failed.push(f.clone());
            }
        }
    }
    if let Some(first) = failures.first() {
        all.step = first.step;
        all.vcd = first.vcd.clone();
    }
    all.passed &= checks.iter().all(|c| c.outcome == Bounded::Holds);
    all
}

impl Report {
    /// Properties PDR refuted, with the frame of the violation.
    fn pdr_failures(&self) -> impl Iterator<Item = (&str, u32)> {
        self.proofs.iter().filter_map(|p| match p.outcome {
            Outcome::Fails { frame } => Some((p.property.as_str(), frame)),
            _ => None,
        })
    }

    /// An error when the block fails a property or the proof may be vacuous.
    pub fn check(&self) -> Result<()> {
        let short: Vec<String> = self
            .bounded
            .iter()
            .filter_map(|c| match c.outcome {
                Bounded::Incomplete { frames } => Some(format!("{} ({frames})", c.property)),
                _ => None,
            })
            .collect();
        if let (Some(m), true) = (self.mutant, self.bmc.passed) {
            let depth = self
                .bounded
                .iter()
                .find(|c| c.property == m.caught_by)
                .map_or(self.depth, |c| c.depth);
            bail!(
                "mutant {} NOT caught: {} holds to depth {depth} on the broken block (a deeper \
                 --depth may reach the bug; else the properties miss it)",
                m.name,
                m.caught_by,
            );
        }
        if self.bmc.failed.is_empty() && !short.is_empty() {
            bail!(
                "formal check INCOMPLETE: the time limit came before depth {} for {} \
                 (steps checked in parentheses)",
                self.depth,
                short.join(", ")
            );
        }
        if !self.bmc.passed {
            let vcd = self.bmc.vcd.as_deref().unwrap_or("(no trace written)");
            bail!(
                "formal check FAILED: {} violated in step {} (counterexample trace: {vcd})",
                self.bmc.failed.join(", "),
                self.bmc.step.map_or("?".to_string(), |s| s.to_string()),
            );
        }
        let failures: Vec<String> = self
            .pdr_failures()
            .map(|(p, f)| format!("{p} (frame {f})"))
            .collect();
        if !failures.is_empty() {
            bail!(
                "formal check FAILED: PDR found a counterexample beyond the BMC depth: {} \
                 (rerun with --depth past that frame for the trace)",
                failures.join(", ")
            );
        }
        if let Some(c) = &self.cover {
            if !c.unreached.is_empty() {
                bail!(
                    "covers not reached within {} steps: {} (the check may be vacuous; raise --cover-depth)",
                    self.cover_depth,
                    c.unreached.join(", ")
                );
            }
            let vacuous = self.vacuous();
            if !vacuous.is_empty() {
                bail!(
                    "formal check VACUOUS: {} (a property must be checked past the step its \
                     cover is reached in: raise --depth, or --property-depth NAME=N)",
                    vacuous.join("; ")
                );
            }
        }
        Ok(())
    }

    /// Each guarded property checked to a depth that does not pass its cover's step:
    /// "COVER reached in step S, PROPERTY checked to depth D".
    pub fn vacuous(&self) -> Vec<String> {
        let Some(c) = &self.cover else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (cover, step, _) in &c.reached {
            let guarded = self.guards.iter().filter(|(g, _)| g == cover);
            for p in guarded.flat_map(|(_, ps)| ps) {
                let Some(check) = self.bounded.iter().find(|b| &b.property == p) else {
                    continue;
                };
                if check.outcome == Bounded::Holds && *step >= check.depth {
                    out.push(format!(
                        "{cover} reached in step {step}, {p} checked to depth {} (steps 0..{})",
                        check.depth,
                        check.depth - 1
                    ));
                }
            }
        }
        out
    }

    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "lmsnoop formal: lm_tracker ({} granules per buffer) against hdl/formal/lm_tracker_props.sv",
            self.granules
        );
        let _ = writeln!(s, "tools: {}", self.tools);
        if let Some(m) = self.mutant {
            let _ = writeln!(
                s,
                "mutant {}: {} (must be caught by {})",
                m.name, m.effect, m.caught_by
            );
        }
        let verdict = match (self.bmc.passed, self.bmc.failed.is_empty()) {
            (true, _) => "PASSED",
            (false, true) => "INCOMPLETE",
            (false, false) => "FAILED",
        };
        let cpu: f64 = self.bounded.iter().map(|c| c.seconds).sum();
        let _ = writeln!(
            s,
            "bmc, depth {} cycles: {verdict} in {:.1} s ({cpu:.1} s of solver time, {} at a time)",
            self.depth, self.bmc.seconds, self.jobs
        );
        let _ = writeln!(
            s,
            "\n| property | bounded (depth {}) | unbounded (PDR, {} s limit) | k-induction |",
            self.depth, self.pdr_seconds
        );
        let _ = writeln!(s, "|---|---|---|---|");
        for (p, check) in self.properties.iter().zip(&self.bounded) {
            let bounded = match &check.outcome {
                Bounded::Holds if check.depth != self.depth => {
                    format!("holds to depth {} ({:.1} s)", check.depth, check.seconds)
                }
                Bounded::Holds => format!("holds ({:.1} s)", check.seconds),
                Bounded::Fails(v) => format!("FAILS in step {}", v.step.unwrap_or(0)),
                Bounded::Incomplete { frames } => format!(
                    "INCOMPLETE: holds in steps 0..{} (time limit, {:.1} s)",
                    frames.saturating_sub(1),
                    check.seconds
                ),
                Bounded::NotRun => "not checked (the run stopped at a failure)".to_string(),
            };
            let induction = match self.induction.iter().find(|(n, _, _)| n == p) {
                Some((_, k, v)) if v.passed => format!("proven (k = {k}, {:.1} s)", v.seconds),
                Some((_, k, v)) => format!(
                    "not inductive at k = {k} (counterexample to induction, {:.1} s): bounded only",
                    v.seconds
                ),
                None => "not run".to_string(),
            };
            let pdr = match self.proofs.iter().find(|q| &q.property == p) {
                Some(q) => match q.outcome {
                    Outcome::Proven { frames } => {
                        format!("PROVEN ({frames} frames, {:.1} s)", q.seconds)
                    }
                    Outcome::Fails { frame } => format!("FAILS in frame {frame}"),
                    Outcome::Undecided { frames } => {
                        format!("undecided after {frames} frames: bounded only")
                    }
                },
                None => "not run".to_string(),
            };
            let _ = writeln!(s, "| {p} | {bounded} | {pdr} | {induction} |");
        }
        if let Some(c) = &self.cover {
            let _ = writeln!(
                s,
                "\ncovers, searched to depth {} ({:.1} s):",
                self.cover_depth, c.seconds
            );
            for (name, step, vcd) in &c.reached {
                let trace = vcd.as_deref().unwrap_or("no trace written");
                let _ = writeln!(s, "  {name}: reached in step {step} ({trace})");
            }
            for name in &c.unreached {
                let _ = writeln!(s, "  {name}: NOT REACHED within {} steps", self.cover_depth);
            }
        }
        if let Some(vcd) = self.bmc.vcd.as_deref().filter(|_| !self.bmc.passed) {
            let _ = writeln!(s, "\ncounterexample: {vcd}");
        }
        s
    }

    pub fn json(&self) -> Value {
        let verdict = |v: &Verdict| {
            json!({
                "passed": v.passed,
                "failed": v.failed,
                "step": v.step,
                "vcd": v.vcd,
                "seconds": v.seconds,
            })
        };
        let unchecked: Vec<&str> = self
            .bounded
            .iter()
            .filter(|c| c.outcome == Bounded::NotRun)
            .map(|c| c.property.as_str())
            .collect();
        let bounded: Vec<Value> = self
            .bounded
            .iter()
            .map(|c| {
                // `frames`: the steps checked without a failure.
                let (outcome, step, frames) = match &c.outcome {
                    Bounded::Holds => ("holds", None, c.depth),
                    Bounded::Fails(v) => ("fails", v.step, v.step.unwrap_or(0)),
                    Bounded::Incomplete { frames } => ("incomplete", None, *frames),
                    Bounded::NotRun => ("not_run", None, 0),
                };
                json!({
                    "property": c.property,
                    "depth": c.depth,
                    "outcome": outcome,
                    "step": step,
                    "frames": frames,
                    "seconds": c.seconds,
                })
            })
            .collect();
        let covers = self.cover.as_ref().map(|c| {
            let reached: Vec<Value> = c
                .reached
                .iter()
                .map(|(n, st, vcd)| json!({ "cover": n, "step": st, "vcd": vcd }))
                .collect();
            json!({ "reached": reached, "unreached": c.unreached, "seconds": c.seconds })
        });
        let pdr: Vec<Value> = self
            .proofs
            .iter()
            .map(|q| {
                let (outcome, frames) = match q.outcome {
                    Outcome::Proven { frames } => ("proven", frames),
                    Outcome::Fails { frame } => ("fails", frame),
                    Outcome::Undecided { frames } => ("undecided", frames),
                };
                json!({
                    "property": q.property,
                    "outcome": outcome,
                    "frames": frames,
                    "seconds": q.seconds,
                })
            })
            .collect();
        let induction: Vec<Value> = self
            .induction
            .iter()
            .map(|(p, k, v)| json!({ "property": p, "k": k, "proven": v.passed, "seconds": v.seconds }))
            .collect();
        json!({
            "depth": self.depth,
            "cover_depth": self.cover_depth,
            "granules": self.granules,
            "mutant": self.mutant.map(|m| m.name),
            "tools": self.tools,
            "properties": self.properties,
            "jobs": self.jobs,
            "unchecked": unchecked,
            "bmc": verdict(&self.bmc),
            "bounded": bounded,
            "covers": covers,
            "vacuous": self.vacuous(),
            "pdr_seconds": self.pdr_seconds,
            "pdr": pdr,
            "induction": induction,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrapper_declares_the_issue_properties() {
        let asserts = labels(WRAPPER, "assert");
        for p in [
            "safety_active",
            "conservative",
            "swap_clean",
            "no_lost_active",
        ] {
            assert!(
                asserts.iter().any(|a| a == p),
                "{p} missing from {asserts:?}"
            );
        }
        assert!(labels(WRAPPER, COVER).len() >= 5);
        for m in mutants::MUTANTS {
            assert!(asserts.iter().any(|a| a == m.caught_by), "{}", m.name);
        }
    }

    #[test]
    fn every_cover_guards_known_properties() {
        let asserts = labels(WRAPPER, "assert");
        let covers = labels(WRAPPER, COVER);
        let guards = guards(WRAPPER);
        for c in &covers {
            let g = guards.iter().find(|(n, _)| n == c);
            assert!(
                g.is_some_and(|(_, ps)| !ps.is_empty()),
                "{c} guards nothing"
            );
        }
        for (c, ps) in &guards {
            assert!(covers.contains(c), "guard of unknown cover {c}");
            for p in ps {
                assert!(asserts.contains(p), "{c} guards unknown property {p}");
            }
        }
    }

    #[test]
    fn cover_starts_name_wrapper_covers() {
        let covers = labels(WRAPPER, COVER);
        let starts = cover_starts(WRAPPER);
        assert!(!starts.is_empty());
        for (c, step) in &starts {
            assert!(covers.contains(c), "cover-from of unknown cover {c}");
            assert!(*step > 0, "{c}");
        }
        assert_eq!(
            cover_starts("// cover-from: cover_x 7\n// cover-from: bad\n// cover-from: y z\n"),
            vec![("cover_x".to_string(), 7)]
        );
    }

    #[test]
    fn swap_clean_runs_on_the_lemma_model() {
        assert_eq!(model_of("swap_clean"), Model::Lemma);
        assert_eq!(model_of("passive_zero"), Model::Control);
        assert_eq!(model_of(DECODE_PROPERTY), Model::Decode);
        // The lemma model's assumption is the control model's passive_zero.
        assert!(labels(WRAPPER, "assert").contains(&"passive_zero".to_string()));
        assert!(WRAPPER.contains("`ifdef LM_LEMMA"));
    }
}
