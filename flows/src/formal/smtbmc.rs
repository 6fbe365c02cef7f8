//! Running yosys-smtbmc with z3 (k-induction) and reading its verdict.
//!
//! `--unroll` matters: without it z3 meets the model's state functions as uninterpreted
//! functions and spends minutes on step 0; unrolled, each step is plain bit-vector logic.

use crate::tools::{install_hint, spawn, WorkDir};
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The verdict of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// Assertions reported failed (BMC, induction), by label.
    pub failed: Vec<String>,
    /// The step of the failure (BMC: the trace length - 1; induction: the step tried).
    pub step: Option<u32>,
    /// Covers reached: name, step and the trace that reaches it.
    pub reached: Vec<(String, u32, Option<String>)>,
    pub unreached: Vec<String>,
    /// The counterexample or cover trace, when smtbmc wrote one.
    pub vcd: Option<String>,
    pub seconds: f64,
}

impl Verdict {
    /// A verdict with nothing failed, reached or written yet.
    pub fn new(passed: bool, seconds: f64) -> Verdict {
        Verdict {
            passed,
            failed: Vec::new(),
            step: None,
            reached: Vec::new(),
            unreached: Vec::new(),
            vcd: None,
            seconds,
        }
    }
}

/// The label in parentheses at the end of a smtbmc property line, e.g.
/// `Assert failed in top: file.sv:12.5-12.30 (safety_active)`.
fn label(line: &str) -> Option<String> {
    let open = line.rfind('(')?;
    let close = line[open..].find(')')? + open;
    let name = &line[open + 1..close];
    (!name.is_empty() && !name.contains(' ')).then(|| name.to_string())
}

/// The number after `step ` in a line, if any.
fn step_of(line: &str) -> Option<u32> {
    let at = line.rfind("step ")? + 5;
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Reads smtbmc's log into a verdict.
pub fn parse(log: &str, seconds: f64) -> Result<Verdict> {
    let mut v = Verdict::new(false, seconds);
    let mut status = None;
    let mut last_step = None;
    for raw in log.lines() {
        let line = raw.trim_start_matches('#').trim();
        let body = line
            .split_once("  ")
            .filter(|(t, _)| t.contains(':'))
            .map_or(line, |(_, rest)| rest.trim());
        if body.starts_with("Checking assertions in step")
            || body.starts_with("Trying induction in step")
        {
            last_step = step_of(body);
        } else if let Some(rest) = body.strip_prefix("Assert failed in ") {
            // `<module>: <label>` for a labelled assertion, `<module>: <src> (<label>)` or
            // `<module>: <src>` otherwise.
            let what = rest.split_once(": ").map_or(rest, |(_, w)| w).trim();
            let name = label(what).unwrap_or_else(|| what.to_string());
            if !v.failed.contains(&name) {
                v.failed.push(name);
            }
            v.step = v.step.or(last_step);
        } else if let Some(file) = body.strip_prefix("Writing trace to VCD file: ") {
            v.vcd = Some(file.trim().to_string());
        } else if let Some(s) = body.strip_prefix("Status:") {
            status = Some(s.trim().to_string());
        }
    }
    match status.as_deref() {
        Some("PASSED") => v.passed = true,
        Some("FAILED") => {}
        _ => bail!(
            "yosys-smtbmc ended without a status line:\n{}",
            tail(log, 20)
        ),
    }
    Ok(v)
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs k-induction with this `k` on the model in `dir` (the induction step only: with a
/// passing BMC of at least that depth as its base case, a pass proves the assertions for
/// every depth), streaming its step lines to stderr when `progress` is set, and keeps the
/// log as `induction.log`.
pub fn induction(dir: &WorkDir, model: &str, k: u32, progress: bool) -> Result<Verdict> {
    const NAME: &str = "induction";
    let args: Vec<String> = vec![
        "--unroll".into(),
        "-s".into(),
        "z3".into(),
        "-i".into(),
        "-t".into(),
        k.to_string(),
        "--dump-vcd".into(),
        format!("{NAME}.vcd"),
        "--noprogress".into(),
        model.to_string(),
    ];
    let started = Instant::now();
    let mut child = spawn(
        "yosys-smtbmc",
        Command::new("yosys-smtbmc")
            .args(&args)
            .current_dir(&dir.path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )?;
    let mut log = String::new();
    let stdout = child.stdout.take().context("smtbmc stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading yosys-smtbmc output")?;
        if progress {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "  formal {NAME}: {}",
                line.trim_start_matches("##").trim()
            );
        }
        log.push_str(&line);
        log.push('\n');
    }
    let out = child
        .wait_with_output()
        .context("waiting for yosys-smtbmc")?;
    log.push_str(&String::from_utf8_lossy(&out.stderr));
    dir.write(&format!("{NAME}.log"), &log)?;
    if log.contains("No such file or directory: 'z3'") || log.contains("FileNotFoundError") {
        bail!("{}", install_hint("z3"));
    }
    let mut verdict = parse(&log, started.elapsed().as_secs_f64())?;
    if let Some(v) = &verdict.vcd {
        verdict.vcd = Some(dir.path.join(v).display().to_string());
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_bmc_names_the_assertion_step_and_trace() {
        let log = "##   0:00:00  Solver: z3\n\
                   ##   0:00:01  Checking assertions in step 17..\n\
                   ##   0:00:09  BMC failed!\n\
                   ##   0:00:09  Assert failed in lm_tracker_formal: safety_active\n\
                   ##   0:00:09  Assert failed in lm_tracker_formal: lm_tracker_props.sv:391.17-391.52 (swap_clean)\n\
                   ##   0:00:09  Writing trace to VCD file: bmc.vcd\n\
                   ##   0:00:10  Status: FAILED\n";
        let v = parse(log, 1.0).unwrap();
        assert!(!v.passed);
        assert_eq!(
            v.failed,
            vec!["safety_active".to_string(), "swap_clean".to_string()]
        );
        assert_eq!(v.step, Some(17));
    }

    #[test]
    fn a_log_without_status_is_an_error() {
        assert!(parse("##   0:00:00  Solver: z3\nTraceback ...\n", 0.0).is_err());
    }
}
