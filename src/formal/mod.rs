//! `lmsnoop formal`: the generated block checked against a shadow of the specification.
//!
//! The wrapper `hdl/formal/lm_tracker_props.sv` keeps the golden model's state for one
//! symbolic granule and asserts the properties a hardware team needs (a skipped bit is
//! never a lost update, only copy reads and swaps clear active bits, a swap presents a
//! clean active buffer). Yosys joins it with the Verilog of the formal build
//! ([`FORMAL_ADDR_BITS`]) into a decode model and a control model ([`script::Model`]).
//! ABC ([`abc`]) runs the bounded model check, the cover search (so a pass is not vacuous)
//! and a PDR proof attempt per property; yosys-smtbmc with z3 replays counterexamples into
//! VCD traces and, on request, runs k-induction per property. [`mutants`] are broken
//! variants the check must reject with a counterexample trace.

pub mod abc;
pub mod mutants;
pub mod script;
pub mod smtbmc;

use crate::json::Json;
use crate::tools::{tool_version, WorkDir};
use abc::{Bmc, Outcome, Proof};
use anyhow::{bail, Result};
use lmsnoop_hdl::tracker::{verilog_of, LmTracker, FORMAL_ADDR_BITS};
use mutants::Mutant;
use script::Model;
use smtbmc::{Mode, Verdict};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The property wrapper, compiled in so the binary checks what it was built with.
pub const WRAPPER: &str = include_str!("../../hdl/formal/lm_tracker_props.sv");
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
}

pub struct Report {
    pub depth: u32,
    pub granules: u64,
    pub mutant: Option<&'static Mutant>,
    pub tools: String,
    /// Assertion labels of the wrapper, in source order.
    pub properties: Vec<String>,
    /// Those whose model was not checked because an earlier model failed.
    pub unchecked: Vec<String>,
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

/// The property the decode model checks; every other assertion goes to the control model
/// ([`script::Model`]).
pub const DECODE_PROPERTY: &str = "decode_ok";

/// The model an assertion is checked on.
pub fn model_of(property: &str) -> Model {
    if property == DECODE_PROPERTY {
        Model::Decode
    } else {
        Model::Control
    }
}

/// Writes the work files of `model` into `dir` and runs Yosys: the SMT2 model, the
/// AIGER model of the assertions in `keep`, and one AIGER file per name in `per_property`.
fn build(
    dir: &WorkDir,
    model: Model,
    mutant: Option<&Mutant>,
    keep: &[String],
    per_property: &[String],
) -> Result<()> {
    let mut verilog = verilog_of::<FORMAL_ADDR_BITS>(script::DUT_TOP);
    if let Some(m) = mutant {
        verilog = m.apply(&verilog)?;
    }
    dir.write(script::DUT_FILE, &verilog)?;
    dir.write(script::DEFS_FILE, &script::defs())?;
    dir.write(script::WRAPPER_FILE, WRAPPER)?;
    let ys = script::yosys_script(&script::probes(WRAPPER)?, model, keep, per_property);
    dir.write("formal.ys", &ys)?;
    crate::tools::yosys_logged(dir, "formal.ys", "yosys.log")
}

/// Bounded check of one model with ABC; a counterexample is replayed by yosys-smtbmc,
/// which names the failing assertions and writes the VCD.
fn bmc(dir: &WorkDir, depth: u32, progress: bool) -> Result<Verdict> {
    let (outcome, seconds) = abc::bmc(dir, script::AIGER_MODEL, depth)?;
    if progress {
        eprintln!(
            "  formal bmc ({}): {outcome:?} ({seconds:.1} s)",
            dir.path.display()
        );
    }
    match outcome {
        Bmc::Holds => Ok(Verdict::new(true, seconds)),
        Bmc::Fails { frame } => {
            let mut v = smtbmc::run(dir, script::MODEL_FILE, Mode::Replay, progress)?;
            if v.passed || v.failed.is_empty() {
                bail!(
                    "ABC's counterexample (frame {frame}) did not replay on the SMT2 model in {}",
                    dir.path.display()
                );
            }
            v.step = Some(frame);
            v.seconds += seconds;
            Ok(v)
        }
    }
}

pub fn run(opts: &Options) -> Result<Report> {
    if opts.depth < 2 {
        bail!("--depth must be at least 2 cycles (reset, then one step)");
    }
    let known = labels(WRAPPER, COVER);
    if let Some(bad) = opts.only_covers.iter().find(|c| !known.contains(c)) {
        bail!(
            "unknown cover `{bad}`: the wrapper has {}",
            known.join(", ")
        );
    }
    let yosys = tool_version("yosys", "-V")?;
    tool_version("yosys-smtbmc", "-h")?;
    tool_version("yosys-abc", "-h")?;
    let z3 = tool_version("z3", "--version")?;
    let label = match opts.mutant {
        Some(m) => format!("formal-{}", m.name),
        None => "formal".to_string(),
    };
    let mut dir = WorkDir::new(opts.keep.as_deref(), &label)?;
    let properties = labels(WRAPPER, "assert");
    if !properties.iter().any(|p| p == DECODE_PROPERTY) {
        bail!("the wrapper has no `{DECODE_PROPERTY}` assertion");
    }
    let prove = opts.pdr_seconds > 0 && opts.mutant.is_none();
    let mut models = Vec::new();
    // The control model first: it holds the properties a slip in the block usually breaks,
    // and a failure there ends the run as a failing BMC step would.
    for model in [Model::Control, Model::Decode] {
        let sub = WorkDir::new(Some(&dir.path), model.name())?;
        let keep: Vec<String> = properties
            .iter()
            .filter(|p| model_of(p) == model)
            .cloned()
            .collect();
        build(
            &sub,
            model,
            opts.mutant,
            &keep,
            if prove { &keep } else { &[] },
        )?;
        let verdict = bmc(&sub, opts.depth, opts.progress)?;
        let failed = !verdict.passed;
        models.push((model, sub, keep, verdict));
        if failed {
            break;
        }
    }
    // Properties of a model the run never reached (it stops at the first failing one).
    let unchecked: Vec<String> = properties
        .iter()
        .filter(|p| !models.iter().any(|(m, ..)| *m == model_of(p)))
        .cloned()
        .collect();
    let bmc = merge(models.iter().map(|(_, _, _, v)| v));
    // A mutant only has to be caught; covers and proofs say nothing about it.
    let checks = opts.mutant.is_none() && bmc.passed;
    let cover = if opts.covers && checks {
        let names = if opts.only_covers.is_empty() {
            known
        } else {
            opts.only_covers.clone()
        };
        Some(covers(&dir, &names, opts.cover_depth, opts.progress)?)
    } else {
        None
    };
    let mut proofs = Vec::new();
    if prove && checks {
        for (_, sub, keep, _) in &models {
            for p in keep {
                let proof = abc::prove(sub, p, opts.pdr_seconds)?;
                if opts.progress {
                    eprintln!(
                        "  formal pdr: {p}: {:?} ({:.1} s)",
                        proof.outcome, proof.seconds
                    );
                }
                proofs.push(proof);
            }
        }
    }
    let mut induction = Vec::new();
    if let (Some(k), true) = (opts.induction, checks) {
        for p in &properties {
            let sub = WorkDir::new(Some(&dir.path), &format!("induction-{p}"))?;
            // None of the other properties may be assumed; the helpers are proven along.
            let keep: Vec<String> = properties
                .iter()
                .filter(|q| *q == p || q.starts_with(HELPER_PREFIX))
                .filter(|q| model_of(q) == model_of(p))
                .cloned()
                .collect();
            build(&sub, model_of(p), None, &keep, &[])?;
            let v = smtbmc::run(&sub, script::MODEL_FILE, Mode::Induction(k), opts.progress)?;
            induction.push((p.clone(), k, v));
        }
    }
    let report = Report {
        depth: opts.depth,
        granules: LmTracker::<FORMAL_ADDR_BITS>::CAPACITY,
        mutant: opts.mutant,
        tools: format!("{yosys}; {z3}"),
        properties,
        unchecked,
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

/// Searches each cover with ABC's BMC on the control model: a cover is reached in the
/// step of the "counterexample" to its negation.
fn covers(dir: &WorkDir, names: &[String], depth: u32, progress: bool) -> Result<Verdict> {
    let sub = WorkDir::new(Some(&dir.path), Model::Covers.name())?;
    build(&sub, Model::Covers, None, names, names)?;
    let mut v = Verdict::new(true, 0.0);
    for c in names.iter().cloned() {
        let (outcome, seconds) = abc::bmc(&sub, &script::aiger_file(&c), depth)?;
        if progress {
            eprintln!("  formal cover: {c}: {outcome:?} ({seconds:.1} s)");
        }
        v.seconds += seconds;
        match outcome {
            Bmc::Fails { frame } => v.reached.push((c, frame)),
            Bmc::Holds => {
                v.passed = false;
                v.unreached.push(c);
            }
        }
    }
    Ok(v)
}

/// The verdicts of the two models' bounded checks as one.
fn merge<'a>(verdicts: impl Iterator<Item = &'a Verdict>) -> Verdict {
    let mut all = Verdict::new(true, 0.0);
    for v in verdicts {
        all.passed &= v.passed;
        all.failed.extend(v.failed.iter().cloned());
        all.step = match (all.step, v.step) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        all.vcd = all.vcd.take().or_else(|| v.vcd.clone());
        all.seconds += v.seconds;
    }
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
        }
        Ok(())
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
        let verdict = if self.bmc.passed { "PASSED" } else { "FAILED" };
        let _ = writeln!(
            s,
            "bmc, depth {} cycles: {verdict} in {:.1} s",
            self.depth, self.bmc.seconds
        );
        let _ = writeln!(
            s,
            "\n| property | bounded (depth {}) | unbounded (PDR, {} s limit) | k-induction |",
            self.depth, self.pdr_seconds
        );
        let _ = writeln!(s, "|---|---|---|---|");
        for p in &self.properties {
            let bounded = if self.unchecked.contains(p) {
                "not checked (the run stopped at the other model's failure)".to_string()
            } else if self.bmc.failed.contains(p) {
                format!("FAILS in step {}", self.bmc.step.unwrap_or(0))
            } else if self.bmc.passed {
                "holds".to_string()
            } else {
                let s = self.bmc.step.unwrap_or(0);
                format!(
                    "holds in steps 0..{} (the run stopped at the failure)",
                    s.saturating_sub(1)
                )
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
            for (name, step) in &c.reached {
                let _ = writeln!(s, "  {name}: reached in step {step}");
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

    pub fn json(&self) -> Json {
        let verdict = |v: &Verdict| {
            Json::Obj(vec![
                ("passed", v.passed.into()),
                (
                    "failed",
                    Json::Arr(v.failed.iter().map(|f| f.as_str().into()).collect()),
                ),
                ("step", v.step.map_or(Json::Null, Json::from)),
                ("vcd", v.vcd.clone().map_or(Json::Null, Json::from)),
                ("seconds", v.seconds.into()),
            ])
        };
        Json::Obj(vec![
            ("depth", self.depth.into()),
            ("cover_depth", self.cover_depth.into()),
            ("granules", self.granules.into()),
            ("mutant", self.mutant.map_or(Json::Null, |m| m.name.into())),
            ("tools", self.tools.as_str().into()),
            (
                "properties",
                Json::Arr(self.properties.iter().map(|p| p.as_str().into()).collect()),
            ),
            (
                "unchecked",
                Json::Arr(self.unchecked.iter().map(|p| p.as_str().into()).collect()),
            ),
            ("bmc", verdict(&self.bmc)),
            (
                "covers",
                self.cover.as_ref().map_or(Json::Null, |c| {
                    Json::Obj(vec![
                        (
                            "reached",
                            Json::Arr(
                                c.reached
                                    .iter()
                                    .map(|(n, st)| {
                                        Json::Obj(vec![
                                            ("cover", n.as_str().into()),
                                            ("step", (*st).into()),
                                        ])
                                    })
                                    .collect(),
                            ),
                        ),
                        (
                            "unreached",
                            Json::Arr(c.unreached.iter().map(|n| n.as_str().into()).collect()),
                        ),
                        ("seconds", c.seconds.into()),
                    ])
                }),
            ),
            ("pdr_seconds", self.pdr_seconds.into()),
            (
                "pdr",
                Json::Arr(
                    self.proofs
                        .iter()
                        .map(|q| {
                            let (outcome, frames) = match q.outcome {
                                Outcome::Proven { frames } => ("proven", frames),
                                Outcome::Fails { frame } => ("fails", frame),
                                Outcome::Undecided { frames } => ("undecided", frames),
                            };
                            Json::Obj(vec![
                                ("property", q.property.as_str().into()),
                                ("outcome", outcome.into()),
                                ("frames", frames.into()),
                                ("seconds", q.seconds.into()),
                            ])
                        })
                        .collect(),
                ),
            ),
            (
                "induction",
                Json::Arr(
                    self.induction
                        .iter()
                        .map(|(p, k, v)| {
                            Json::Obj(vec![
                                ("property", p.as_str().into()),
                                ("k", (*k).into()),
                                ("proven", v.passed.into()),
                                ("seconds", v.seconds.into()),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
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
}
