//! ABC (`yosys-abc`, part of Yosys) on the bit-blasted AIGER models: bounded model
//! checking (`bmc3`) and unbounded proofs (IC3/PDR, `pdr`).
//!
//! Each run checks one assertion's AIGER file, so its cone is that assertion's alone and
//! runs go side by side on the cores. Both start by folding the assumptions into the
//! property (`fold`); BMC also merges equivalent flip-flops (`scorr`: some datapath
//! words, such as the bitmap skip mask, are 64 copies of one bit), and is then about ten
//! times faster than z3 on this design. k-induction (yosys-smtbmc `-i`) fails here
//! unless someone writes invariants tying every pipeline register to the shadow; PDR finds
//! such invariants itself where they are small and says "undecided" at its time limit
//! where they are not. A counterexample from either is
//! a real trace from reset: ABC writes it as an AIGER witness, which Yosys `sim` replays
//! on the netlist to name the assertion and write the VCD ([`super::witness`]).

use super::script::aiger_file;
use crate::tools::WorkDir;
use anyhow::{bail, Context, Result};
use std::time::Instant;

/// What PDR concluded about one assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Holds in every reachable state; the inductive invariant was found at this frame.
    Proven { frames: u32 },
    /// Fails: a trace from reset violates it in this frame (0 = the first cycle).
    Fails { frame: u32 },
    /// The time limit came first, after this many frames: bounded only.
    Undecided { frames: u32 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Proof {
    pub property: String,
    pub outcome: Outcome,
    pub seconds: f64,
}

/// ABC's preparation of an AIGER file: constraints folded into the property, and for BMC
/// equivalent flip-flops merged (PDR does its own reduction; `scorr` would only add time).
fn prepare(aig: &str, merge: bool) -> String {
    let merge = if merge { "scorr; dc2; " } else { "" };
    format!("read_aiger {aig}; fold; strash; {merge}print_stats")
}

/// The AIGER witness ABC writes for a counterexample to `property`.
pub fn witness_file(property: &str) -> String {
    format!("{property}.aiw")
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ ... letter
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The integer after `key` in `line`, e.g. `Frames = 3`.
fn number_after(line: &str, key: &str) -> Option<i64> {
    let at = line.find(key)? + key.len();
    let rest = line[at..].trim_start();
    let end = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].parse().ok()
}

/// The frame of ABC's "Output N of miter "x" was asserted in frame F." line, if any.
fn asserted_frame(log: &str) -> Option<u32> {
    log.lines()
        .find_map(|l| number_after(l, "was asserted in frame"))
        .map(|f| f.max(0) as u32)
}

/// The number of properties ABC reports after preparing the model.
fn outputs(log: &str) -> Option<i64> {
    log.lines()
        .find_map(|l| l.split_once("i/o =").map(|(_, r)| r.to_string()))
        .and_then(|r| number_after(&r, "/"))
}

/// What `bmc3` concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bmc {
    /// No assertion fails in the frames asked for.
    Holds,
    /// The assertion fails in this frame; the witness is in [`witness_file`].
    Fails { frame: u32 },
    /// The time limit came first: no failure in the first `frames` frames.
    Incomplete { frames: u32 },
}

/// Reads the log of a `bmc3` run over `depth` frames.
pub fn parse_bmc(log: &str, depth: u32) -> Result<Bmc> {
    let log = strip_ansi(log);
    if !outputs(&log).is_some_and(|n| n >= 1) {
        bail!("ABC saw no property in the AIGER model:\n{log}");
    }
    if let Some(frame) = asserted_frame(&log) {
        return Ok(Bmc::Fails { frame });
    }
    match log
        .lines()
        .find_map(|l| number_after(l, "No output asserted in"))
    {
        Some(n) if n >= i64::from(depth) => Ok(Bmc::Holds),
        Some(n) => Ok(Bmc::Incomplete {
            frames: n.max(0) as u32,
        }),
        None => bail!("ABC's bmc3 did not finish {depth} frames:\n{log}"),
    }
}

/// What bmc3 says about a model without flip-flops.
const COMBINATIONAL: &str = "Does not work for combinational networks";

/// Runs `script` with yosys-abc in `dir`, keeping the output as `log`.
fn run_abc(dir: &WorkDir, script: &str, log: &str) -> Result<String> {
    let out = crate::tools::run("yosys-abc", &["-c", script], &dir.path)?;
    let text = crate::tools::output_text(&out);
    dir.write(log, &text)?;
    Ok(text)
}

/// Bounded model check of `property`'s AIGER file in `dir` over `depth` frames, for at
/// most `seconds` (0: no limit), asserting it from frame `from` on (0 for a check; a cover
/// search may start later, see [`super::cover_starts`]); a counterexample is written to
/// [`witness_file`].
///
/// The SAT solver is Satoko (`-s`): on `no_lost_active`, the hardest property, it reaches
/// depth 20 about 2.5 times sooner than the default solver, and on `conservative` depth 22
/// as soon (the two measured).
pub fn bmc(
    dir: &WorkDir,
    property: &str,
    from: u32,
    depth: u32,
    seconds: u32,
) -> Result<(Bmc, f64)> {
    let started = Instant::now();
    let aig = aiger_file(property);
    let script = |merge| {
        format!(
            "{}; bmc3 -s -S {from} -F {depth} -T {seconds}; print_status; write_cex -a {}",
            prepare(&aig, merge),
            witness_file(property)
        )
    };
    let log_file = format!("{aig}.bmc3.log");
    let mut log = run_abc(dir, &script(true), &log_file)?;
    if log.contains(COMBINATIONAL) {
        // `scorr` proved every flip-flop the property reads equivalent to a constant or to
        // another, leaving no state, and bmc3 wants some: unroll the model as it is.
        log = run_abc(dir, &script(false), &log_file)?;
    }
    Ok((parse_bmc(&log, depth)?, started.elapsed().as_secs_f64()))
}

/// Reads the log of a PDR run. The model must have exactly one property after `fold`: a
/// file whose assertion was lost would otherwise be "proven" trivially.
pub fn parse_pdr(log: &str) -> Result<Outcome> {
    let log = strip_ansi(log);
    let outputs = outputs(&log);
    if outputs != Some(1) {
        bail!(
            "ABC saw {} properties in the AIGER model, expected exactly 1:\n{log}",
            outputs.map_or("no".to_string(), |n| n.to_string())
        );
    }
    let status = log
        .lines()
        .find(|l| l.trim_start().starts_with("Status ="))
        .with_context(|| format!("ABC printed no status line:\n{log}"))?;
    let code = number_after(status, "Status =").context("ABC status code")?;
    let frames = number_after(status, "Frames =").unwrap_or(0).max(0) as u32;
    Ok(match code {
        1 => Outcome::Proven { frames },
        0 => Outcome::Fails {
            frame: asserted_frame(&log).unwrap_or(frames),
        },
        _ => Outcome::Undecided { frames },
    })
}

/// Runs PDR on the AIGER file of `property` in `dir` for at most `seconds`, keeping ABC's
/// log as `<file>.pdr.log`.
pub fn prove(dir: &WorkDir, property: &str, seconds: u32) -> Result<Proof> {
    let started = Instant::now();
    let aig = aiger_file(property);
    let script = format!("{}; pdr -T {seconds}; print_status", prepare(&aig, false));
    let log = run_abc(dir, &script, &format!("{aig}.pdr.log"))?;
    Ok(Proof {
        property: property.to_string(),
        outcome: parse_pdr(&log)?,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATS: &str =
        "\u{1b}[1;37msb       :\u{1b}[0m i/o = 3436/    1  lat = 2169  and =  36299  lev = 63\n";

    #[test]
    fn a_proof_reports_its_frames() {
        let log = format!(
            "{STATS}Invariant F[3] : 4 clauses with 4 flops (out of 2169)\n\
             Property proved.  Time =     0.06 sec\n\
             Status = 1  Frames = 3   Cex is not defined.\n"
        );
        assert_eq!(parse_pdr(&log).unwrap(), Outcome::Proven { frames: 3 });
    }

    #[test]
    fn a_timeout_is_undecided_and_a_cex_fails() {
        let log = format!(
            "{STATS}Reached timeout (150 seconds) in frame 9.\n\
             Property UNDECIDED.  Time =   150.03 sec\n\
             Status = -1  Frames = 8   Cex is not defined.\n"
        );
        assert_eq!(parse_pdr(&log).unwrap(), Outcome::Undecided { frames: 8 });
        let log = format!(
            "{STATS}Output 0 of miter \"x\" was asserted in frame 19.  Time = 3.1 sec\n\
             Status = 0  Frames = 19\n"
        );
        assert_eq!(parse_pdr(&log).unwrap(), Outcome::Fails { frame: 19 });
    }

    #[test]
    fn bmc_reads_a_pass_and_a_failure() {
        let pass = format!(
            "{STATS}No output asserted in 24 frames. Resource limit reached (conf limit 0).\n\
             Status = -1  Frames = 23   Cex is not defined.\n"
        );
        assert_eq!(parse_bmc(&pass, 24).unwrap(), Bmc::Holds);
        assert_eq!(
            parse_bmc(&pass, 25).unwrap(),
            Bmc::Incomplete { frames: 24 },
            "fewer frames than asked"
        );
        assert!(parse_bmc(STATS, 25).is_err(), "no verdict at all");
        let fail = format!(
            "{STATS}Output 1 of miter \"model\" was asserted in frame 5. Time = 0.14 sec\n\
             Status = 0  Frames = 4\n"
        );
        assert_eq!(parse_bmc(&fail, 24).unwrap(), Bmc::Fails { frame: 5 });
    }

    #[test]
    fn a_model_without_exactly_one_property_is_an_error() {
        let log = "\u{1b}[1;37mx :\u{1b}[0m i/o = 3436/    0  lat = 1\nStatus = 1  Frames = 1\n";
        assert!(parse_pdr(log).is_err());
        assert!(parse_pdr("Status = 1  Frames = 1\n").is_err());
    }
}
