//! Replaying ABC's counterexample on the netlist it came from, with Yosys `sim`.
//!
//! ABC's witness (`write_cex -a`) fixes every input of every frame, so a replay is plain
//! simulation: Yosys `sim` reads it with the AIGER file's map, reports each assertion that
//! fails in each cycle and writes the VCD, in 2 to 3 s. (yosys-smtbmc and z3 replayed
//! it before, re-solving the whole unrolled SMT2 model: 2 to 4 minutes for a 25-step trace.)
//! The netlist simulated is the one the AIGER file was written from: the model's
//! bit-blasted netlist ([`super::script::NETLIST_FILE`]) with the other assertions removed by
//! the same commands, so every name in the map is there and the property's whole cone is
//! fixed by the witness.

use super::script::{aiger_file, aiger_map, NETLIST_FILE, TOP};
use super::smtbmc::Verdict;
use crate::tools::WorkDir;
use anyhow::{bail, Context, Result};
use std::time::Instant;

/// The VCD of a replayed trace.
fn vcd_file(property: &str) -> String {
    format!("bmc-{property}.vcd")
}

/// Inputs and latches of a binary AIGER file, from its header `aig M I L O A ...`.
fn aiger_shape(aig: &[u8]) -> Result<(usize, usize)> {
    let end = aig.iter().position(|&b| b == b'\n').unwrap_or(aig.len());
    let header = String::from_utf8_lossy(&aig[..end]);
    let fields: Vec<&str> = header.split_whitespace().collect();
    match fields.as_slice() {
        ["aig", _, i, l, ..] => Ok((i.parse()?, l.parse()?)),
        _ => bail!("not a binary AIGER header: `{header}`"),
    }
}

/// ABC's witness in the form `sim` reads. ABC writes the first line for the network it
/// checked, after `scorr` merged flip-flops, so that line is shorter than the file's latch
/// count; but `write_aiger -zinit` made every latch start at 0 (a free initial value is an
/// input of frame 0), so the file's latch line is all zeros. Then one line of `inputs` bits
/// per frame, which must be exactly frames 0..=`frame`.
fn for_sim(abc: &str, inputs: usize, latches: usize, frame: u32) -> Result<String> {
    let mut lines = abc
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim());
    lines.next().context("empty witness")?;
    let frames: Vec<&str> = lines.filter(|l| !l.is_empty() && *l != ".").collect();
    if let Some(bad) = frames
        .iter()
        .find(|l| l.len() != inputs || l.bytes().any(|b| b != b'0' && b != b'1'))
    {
        bail!(
            "witness line of {} characters where {inputs} input bits were expected",
            bad.len()
        );
    }
    if frames.len() != frame as usize + 1 {
        bail!(
            "witness of {} frames for a failure in frame {frame}",
            frames.len()
        );
    }
    Ok(format!(
        "1\nb0\n{}\n{}\n.\n",
        "0".repeat(latches),
        frames.join("\n")
    ))
}

/// The first AIGER input the map names neither as an input nor as an initial value: a
/// replay would leave it x, and the trace would not be ABC's.
fn unnamed_input(map: &str, inputs: usize) -> Option<usize> {
    let mut named = vec![false; inputs];
    for line in map.lines() {
        let mut words = line.split_whitespace();
        if matches!(words.next(), Some("input" | "init")) {
            if let Some(n) = words
                .next()
                .and_then(|i| named.get_mut(i.parse::<usize>().ok()?))
            {
                *n = true;
            }
        }
    }
    named.iter().position(|n| !n)
}

/// What `sim` reported, each with the cycle of its first report, in order.
#[derive(Debug, Default, PartialEq)]
struct SimLog {
    /// Assertions that failed.
    failed: Vec<(String, u32)>,
    /// Assumptions that failed: the trace is not one the environment allows.
    broken: Vec<(String, u32)>,
}

/// Reads `sim`'s log: `Simulating cycle N.` lines, then per failed check
/// `[Warning: ]Assert|Assumption TOP.NAME (SOURCE) failed.` (twice a cycle: clock high, low).
fn read_sim_log(log: &str) -> SimLog {
    let mut cycle = 0;
    let mut out = SimLog::default();
    for line in log.lines() {
        let line = line.trim().trim_start_matches("Warning: ");
        if let Some(n) = line
            .strip_prefix("Simulating cycle ")
            .and_then(|r| r.trim_end_matches('.').parse().ok())
        {
            cycle = n;
            continue;
        }
        let Some(check) = line.strip_suffix("failed.") else {
            continue;
        };
        let (list, rest) = if let Some(rest) = check.strip_prefix(&format!("Assert {TOP}.")) {
            (&mut out.failed, rest)
        } else if let Some(rest) = check.strip_prefix(&format!("Assumption {TOP}.")) {
            (&mut out.broken, rest)
        } else {
            continue;
        };
        let name = rest.split_whitespace().next().unwrap_or(rest).to_string();
        if !list.iter().any(|(n, _)| *n == name) {
            list.push((name, cycle));
        }
    }
    out
}

/// Replays ABC's counterexample to `property` (failing in `frame`) in `dir`: a verdict
/// naming the assertion, its step and the VCD. A trace that does not fail `property` in
/// exactly that frame is an error: ABC and the netlist disagree.
pub fn replay(dir: &WorkDir, property: &str, frame: u32) -> Result<Verdict> {
    let started = Instant::now();
    let aig = std::fs::read(dir.path.join(aiger_file(property)))
        .with_context(|| format!("reading {}", aiger_file(property)))?;
    let (inputs, latches) = aiger_shape(&aig)?;
    if let Some(i) = unnamed_input(&dir.read(&aiger_map(property))?, inputs) {
        bail!(
            "input {i} of {} has no name in {}: a replay cannot set it",
            aiger_file(property),
            aiger_map(property)
        );
    }
    let abc_witness = super::abc::witness_file(property);
    let abc = std::fs::read_to_string(dir.path.join(&abc_witness))
        .with_context(|| format!("reading ABC's witness {abc_witness}"))?;
    let sim_witness = format!("{property}.sim.aiw");
    dir.write(&sim_witness, &for_sim(&abc, inputs, latches, frame)?)?;
    let vcd = vcd_file(property);
    let script = format!(
        "read_rtlil {NETLIST_FILE}\n\
         chformal -assert -remove t:$assert {TOP}/{property} %d\n\
         opt_clean\n\
         sim -clock clock -r {sim_witness} -map {} -vcd {vcd}\n",
        aiger_map(property)
    );
    let ys = format!("replay-{property}.ys");
    dir.write(&ys, &script)?;
    let log_file = format!("replay-{property}.log");
    crate::tools::yosys_logged(dir, &ys, &log_file)?;
    let log = dir.read(&log_file)?;
    let sim = read_sim_log(&log);
    let step = sim
        .failed
        .iter()
        .find(|(n, _)| n == property)
        .map(|&(_, s)| s);
    if step != Some(frame) || !sim.broken.is_empty() {
        bail!(
            "ABC's trace to {property} (frame {frame}) does not replay: in simulation it \
             fails {:?} and breaks the assumptions {:?} (name, cycle); see {}",
            sim.failed,
            sim.broken,
            dir.path.display()
        );
    }
    let mut v = Verdict::new(false, started.elapsed().as_secs_f64());
    v.failed = sim.failed.into_iter().map(|(n, _)| n).collect();
    v.step = step;
    v.vcd = Some(dir.path.join(vcd).display().to_string());
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_comes_from_the_header() {
        assert_eq!(aiger_shape(b"aig 9 3 4 1 2 0 1\n\x01").unwrap(), (3, 4));
        assert!(aiger_shape(b"aag 9 3 4 1 2\n").is_err());
    }

    #[test]
    fn abc_witness_becomes_a_full_zero_latch_line_and_its_frames() {
        let abc = "00\n101\n010# DONE\n";
        assert_eq!(
            for_sim(abc, 3, 5, 1).unwrap(),
            "1\nb0\n00000\n101\n010\n.\n"
        );
        assert!(for_sim(abc, 3, 5, 2).is_err(), "frame count checked");
        assert!(for_sim(abc, 4, 5, 1).is_err(), "input width checked");
        assert!(for_sim("00\n1x1\n", 3, 5, 0).is_err(), "bits only");
    }

    #[test]
    fn every_input_must_be_named() {
        let map = "input 0 0 clock\ninit 2 0 g\nlatch 0 0 q\n";
        assert_eq!(unnamed_input(map, 3), Some(1));
        assert_eq!(unnamed_input(&format!("{map}input 1 0 x\n"), 3), None);
    }

    #[test]
    fn failures_carry_their_first_cycle() {
        let log = "Simulating cycle 0.\nSimulating cycle 1.\n\
                   Warning: Assert lm_tracker_formal.irq_line (props.sv:1.2-3.4) failed.\n\
                   Warning: Assert lm_tracker_formal.irq_line (props.sv:1.2-3.4) failed.\n\
                   Simulating cycle 2.\n\
                   Assumption lm_tracker_formal.$assume$p.sv:9$1 (p.sv:9.2-9.9) failed.\n\
                   Warning: Assert lm_tracker_formal.read_data (props.sv:5.2-6.4) failed.\n";
        let sim = read_sim_log(log);
        assert_eq!(
            sim.failed,
            vec![("irq_line".to_string(), 1), ("read_data".to_string(), 2)]
        );
        assert_eq!(sim.broken, vec![("$assume$p.sv:9$1".to_string(), 2)]);
    }
}
