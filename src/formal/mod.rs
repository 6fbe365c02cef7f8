//! `lmsnoop formal`: the generated block checked against a shadow of the specification.
//!
//! The wrapper `hdl/formal/lm_tracker_props.sv` keeps the golden model's state for one
//! symbolic granule and asserts the properties a hardware team needs (a skipped bit is
//! never a lost update, only copy reads and swaps clear active bits, a swap presents a
//! clean active buffer). Yosys joins it with the Verilog of the formal build
//! ([`FORMAL_ADDR_BITS`]); yosys-smtbmc with z3 runs a bounded model check, the covers
//! (so a pass is not vacuous) and, on request, k-induction per property. [`mutants`] are
//! broken variants the check must reject with a counterexample trace.

pub mod mutants;
pub mod script;
pub mod smtbmc;

use crate::json::Json;
use crate::tools::{tool_version, WorkDir};
use anyhow::{bail, Result};
use lmsnoop_hdl::tracker::{verilog_of, LmTracker, FORMAL_ADDR_BITS};
use mutants::Mutant;
use smtbmc::{Mode, Verdict};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The property wrapper, compiled in so the binary checks what it was built with.
pub const WRAPPER: &str = include_str!("../../hdl/formal/lm_tracker_props.sv");
/// Label prefix of the wrapper's helper invariants, kept in every induction run.
pub const HELPER_PREFIX: &str = "inv_";
/// Default BMC depth in clock cycles (the reset's clear engine takes the first 9).
pub const DEFAULT_DEPTH: u32 = 24;

pub struct Options {
    pub depth: u32,
    pub covers: bool,
    /// k of the k-induction run per property, if any.
    pub induction: Option<u32>,
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
    pub bmc: Verdict,
    pub cover: Option<Verdict>,
    pub induction: Vec<(String, u32, Verdict)>,
}

/// The labels of the wrapper's `label: assert(...)` and `label: cover(...)` statements.
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

/// Writes the work files, runs Yosys, and returns the directory with the SMT2 model.
fn build(dir: &WorkDir, mutant: Option<&Mutant>, only: Option<&str>) -> Result<()> {
    let mut verilog = verilog_of::<FORMAL_ADDR_BITS>(script::DUT_TOP);
    if let Some(m) = mutant {
        verilog = m.apply(&verilog)?;
    }
    dir.write(script::DUT_FILE, &verilog)?;
    dir.write(script::DEFS_FILE, &script::defs())?;
    dir.write(script::WRAPPER_FILE, WRAPPER)?;
    let ys = script::yosys_script(
        &script::probes(WRAPPER)?,
        only.map(|keep| (keep, HELPER_PREFIX)),
    );
    dir.write("formal.ys", &ys)?;
    crate::tools::yosys_logged(dir, "formal.ys", "yosys.log")
}

pub fn run(opts: &Options) -> Result<Report> {
    if opts.depth < 2 {
        bail!("--depth must be at least 2 cycles (reset, then one step)");
    }
    let yosys = tool_version("yosys", "-V")?;
    tool_version("yosys-smtbmc", "-h")?;
    let z3 = tool_version("z3", "--version")?;
    let label = match opts.mutant {
        Some(m) => format!("formal-{}", m.name),
        None => "formal".to_string(),
    };
    let mut dir = WorkDir::new(opts.keep.as_deref(), &label)?;
    build(&dir, opts.mutant, None)?;
    let properties = labels(WRAPPER, "assert");
    let bmc = smtbmc::run(
        &dir,
        script::MODEL_FILE,
        Mode::Bmc,
        opts.depth,
        opts.progress,
    )?;
    // A mutant only has to be caught; covers and induction say nothing about it.
    let checks = opts.mutant.is_none() && bmc.passed;
    let cover = if opts.covers && checks {
        Some(smtbmc::run(
            &dir,
            script::MODEL_FILE,
            Mode::Cover,
            opts.depth,
            opts.progress,
        )?)
    } else {
        None
    };
    let mut induction = Vec::new();
    if let (Some(k), true) = (opts.induction, checks) {
        for p in &properties {
            let sub = WorkDir::new(Some(&dir.path), &format!("induction-{p}"))?;
            build(&sub, None, Some(p))?;
            let v = smtbmc::run(&sub, script::MODEL_FILE, Mode::Induction, k, opts.progress)?;
            induction.push((p.clone(), k, v));
        }
    }
    let report = Report {
        depth: opts.depth,
        granules: LmTracker::<FORMAL_ADDR_BITS>::CAPACITY,
        mutant: opts.mutant,
        tools: format!("{yosys}; {z3}"),
        properties,
        bmc,
        cover,
        induction,
    };
    if !report.bmc.passed {
        dir.persist();
    }
    Ok(report)
}

impl Report {
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
        if let Some(c) = &self.cover {
            if !c.unreached.is_empty() {
                bail!(
                    "covers not reached within {} steps: {} (the check may be vacuous; raise --depth)",
                    self.depth,
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
            "\n| property | bounded (depth {}) | unbounded (k-induction) |",
            self.depth
        );
        let _ = writeln!(s, "|---|---|---|");
        for p in &self.properties {
            let bounded = if self.bmc.failed.contains(p) {
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
            let unbounded = match self.induction.iter().find(|(n, _, _)| n == p) {
                Some((_, k, v)) if v.passed => format!("proven (k = {k}, {:.1} s)", v.seconds),
                Some((_, k, v)) => format!(
                    "not inductive at k = {k} (counterexample to induction, {:.1} s): bounded only",
                    v.seconds
                ),
                None => "not run (--induction K)".to_string(),
            };
            let _ = writeln!(s, "| {p} | {bounded} | {unbounded} |");
        }
        if let Some(c) = &self.cover {
            let _ = writeln!(s, "\ncovers ({:.1} s):", c.seconds);
            for (name, step) in &c.reached {
                let _ = writeln!(s, "  {name}: reached in step {step}");
            }
            for name in &c.unreached {
                let _ = writeln!(s, "  {name}: NOT REACHED within {} steps", self.depth);
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
            ("granules", self.granules.into()),
            ("mutant", self.mutant.map_or(Json::Null, |m| m.name.into())),
            ("tools", self.tools.as_str().into()),
            (
                "properties",
                Json::Arr(self.properties.iter().map(|p| p.as_str().into()).collect()),
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
        assert!(!labels(WRAPPER, "cover").is_empty());
        for m in mutants::MUTANTS {
            assert!(asserts.iter().any(|a| a == m.caught_by), "{}", m.name);
        }
    }
}
