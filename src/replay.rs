//! Trace replay: a text trace of tracker operations run through the device firmware on
//! a backend, printing what the host would see.
//!
//! ```text
//! geometry <namespace_lbas> <granule_shift>   # optional, before start; default 1048576 0
//! map <slba> <count>        # before start: these LBAs hold data; the BMP is built from them
//! start <method>            # naive | cursor | bitmap | clear
//! plan <first> <end>        # cursor method: plan granules [first, end), CURSOR = first
//! write <slba> <count>      # a user write completes
//! copy <slba> <count>       # a copy read is submitted
//! swap                      # prints: swap <n>
//! query                     # prints: plan <ranges>  (QueryBmp first, then QueryBdp)
//! active                    # prints: active <ranges>
//! ```
//!
//! `plan` only means something to the cursor method; the others accept and ignore it, so
//! one trace runs under every method. `query` is followed by ReleaseBdp, as in the
//! migration protocol. Error flags the tracker raised are printed as `error <FLAGS>` before
//! the output of the next printing command, and at the end of the trace.

use anyhow::{anyhow, bail, Context, Result};
use lmsnoop_firmware::{Device, TrackingConfig};
use lmsnoop_regs::Method;
use lmsnoop_regs::{flag_names, ERR_FLAGS};
use lmsnoop_sim::{Snoop, TrackerPort};
use std::io::Write;

pub const DEFAULT_NAMESPACE_LBAS: u64 = 1_048_576;
pub const DEFAULT_GRANULE_SHIFT: u32 = 0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceCmd {
    Geometry {
        namespace_lbas: u64,
        granule_shift: u32,
    },
    Map {
        slba: u64,
        count: u64,
    },
    Start(Method),
    Plan {
        first: u64,
        end: u64,
    },
    Write {
        slba: u64,
        count: u32,
    },
    Copy {
        slba: u64,
        count: u32,
    },
    Swap,
    Query,
    Active,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceLine {
    pub line: usize,
    pub cmd: TraceCmd,
}

/// A parsed trace and the geometry it runs with.
#[derive(Clone, Debug)]
pub struct Trace {
    pub lines: Vec<TraceLine>,
    pub namespace_lbas: u64,
    pub granule_shift: u32,
}

impl Trace {
    /// Granules the tracker must hold for this trace.
    pub fn granules(&self) -> u64 {
        self.namespace_lbas.div_ceil(1u64 << self.granule_shift)
    }
}

fn number(tok: &str) -> Result<u64> {
    if tok.is_empty() || !tok.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{tok:?} is not a decimal number");
    }
    tok.parse()
        .map_err(|_| anyhow!("{tok:?} does not fit 64 bits"))
}

fn blocks(tok: &str) -> Result<u32> {
    match number(tok)? {
        n @ 1..=65536 => Ok(n as u32),
        n => bail!("a command covers 1..=65536 blocks, not {n}"),
    }
}

fn parse_line(words: &[&str]) -> Result<TraceCmd> {
    let (name, args) = (words[0], &words[1..]);
    let want = match name {
        "geometry" | "map" | "plan" | "write" | "copy" => 2,
        "start" => 1,
        "swap" | "query" | "active" => 0,
        _ => bail!("unknown command {name:?}"),
    };
    if args.len() != want {
        bail!(
            "{name} takes {want} argument{}, got {}",
            if want == 1 { "" } else { "s" },
            args.len()
        );
    }
    Ok(match name {
        "geometry" => {
            let namespace_lbas = number(args[0])?;
            let granule_shift = number(args[1])?;
            if namespace_lbas == 0 || granule_shift > 32 {
                bail!("geometry needs a non-empty namespace and a granule shift of at most 32");
            }
            let granules = namespace_lbas.div_ceil(1 << granule_shift);
            let most = lmsnoop_sim::GoldenTracker::MAX_CAPACITY;
            if granules > most {
                bail!("geometry of {granules} granules exceeds a tracker's {most} (32-bit granule registers)");
            }
            TraceCmd::Geometry {
                namespace_lbas,
                granule_shift: granule_shift as u32,
            }
        }
        "map" => TraceCmd::Map {
            slba: number(args[0])?,
            count: number(args[1])?,
        },
        "start" => TraceCmd::Start(Method::parse(args[0]).ok_or_else(|| {
            anyhow!(
                "unknown method {:?} (naive, cursor, bitmap or clear)",
                args[0]
            )
        })?),
        "plan" => TraceCmd::Plan {
            first: number(args[0])?,
            end: number(args[1])?,
        },
        "write" => TraceCmd::Write {
            slba: number(args[0])?,
            count: blocks(args[1])?,
        },
        "copy" => TraceCmd::Copy {
            slba: number(args[0])?,
            count: blocks(args[1])?,
        },
        "swap" => TraceCmd::Swap,
        "query" => TraceCmd::Query,
        _ => TraceCmd::Active,
    })
}

/// Parses a trace; a malformed line fails with its number and the reason.
pub fn parse(text: &str) -> Result<Trace> {
    let mut lines = Vec::new();
    let (mut namespace_lbas, mut granule_shift) = (DEFAULT_NAMESPACE_LBAS, DEFAULT_GRANULE_SHIFT);
    let mut started = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = raw.split('#').next().unwrap_or("");
        let words: Vec<&str> = body.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let cmd = parse_line(&words).with_context(|| format!("line {line}: {}", raw.trim()))?;
        match cmd {
            TraceCmd::Geometry { .. } | TraceCmd::Map { .. } if started => {
                bail!("line {line}: {} must come before start", words[0])
            }
            TraceCmd::Geometry {
                namespace_lbas: n,
                granule_shift: g,
            } => (namespace_lbas, granule_shift) = (n, g),
            TraceCmd::Start(_) => started = true,
            _ => {}
        }
        lines.push(TraceLine { line, cmd });
    }
    Ok(Trace {
        lines,
        namespace_lbas,
        granule_shift,
    })
}

fn report_errors<P: TrackerPort>(dev: &mut Device<P>, out: &mut impl Write) -> Result<()> {
    let flags = dev.take_errors();
    if flags != 0 {
        let names: Vec<&str> = flag_names(ERR_FLAGS, flags)
            .iter()
            .map(|n| n.trim_start_matches("ERR_"))
            .collect();
        writeln!(out, "error {}", names.join(","))?;
    }
    Ok(())
}

/// Runs a parsed trace on `port`, writing the host-visible output to `out`.
pub fn run<P: TrackerPort>(trace: &Trace, port: P, out: &mut impl Write) -> Result<()> {
    let mut dev = Device::new(port).context("probing the tracker")?;
    if trace.granules() > dev.capacity() {
        bail!(
            "the trace's namespace needs {} granules, the tracker holds {}",
            trace.granules(),
            dev.capacity()
        );
    }
    let mut mapped = Vec::new();
    let mut method = None;
    let mut swapped = false;
    for &TraceLine { line, cmd } in &trace.lines {
        let at = || format!("line {line}");
        match cmd {
            TraceCmd::Geometry { .. } => {}
            TraceCmd::Map { slba, count } => mapped.push((slba, count)),
            TraceCmd::Start(m) => {
                let cfg = TrackingConfig {
                    method: m,
                    granule_shift: trace.granule_shift,
                    namespace_lbas: trace.namespace_lbas,
                };
                dev.start_tracking(cfg, &mapped).with_context(at)?;
                method = Some(m);
            }
            TraceCmd::Plan { first, end } => match method {
                Some(Method::Cursor) => dev.set_plan(first, end).with_context(at)?,
                Some(_) => {}
                None => bail!("line {line}: plan before start"),
            },
            TraceCmd::Write { slba, count } => {
                dev.port_mut().user_write(Snoop::blocks(slba, count))
            }
            TraceCmd::Copy { slba, count } => dev.port_mut().copy_read(Snoop::blocks(slba, count)),
            TraceCmd::Swap => {
                let n = dev.swap_bdp().with_context(at)?;
                swapped = true;
                report_errors(&mut dev, out)?;
                writeln!(out, "swap {n}")?;
            }
            TraceCmd::Query => {
                let plan = if swapped {
                    dev.query_bdp()
                } else {
                    dev.query_bmp()
                }
                .with_context(at)?;
                dev.release_bdp().with_context(at)?;
                report_errors(&mut dev, out)?;
                writeln!(out, "plan {}", plan.format_ranges())?;
            }
            TraceCmd::Active => {
                let active = dev.read_active().with_context(at)?;
                report_errors(&mut dev, out)?;
                writeln!(out, "active {}", active.format_ranges())?;
            }
        }
    }
    report_errors(&mut dev, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_name_their_number() {
        let cases = [
            ("start cursor\nfrob 1 2\n", "line 2"),
            ("write 1\n", "line 1"),
            ("write 1 0\n", "1..=65536"),
            ("write x 1\n", "not a decimal number"),
            ("start bogus\n", "unknown method"),
            ("start naive\nmap 0 1\n", "before start"),
            ("\n# c\ncopy 1 2 3\n", "line 3"),
            // Per kind: unknown op, missing operand, trailing garbage, overflow, bad
            // geometry, a namespace no tracker holds.
            ("query\nfrob\n", "line 2: frob: unknown command \"frob\""),
            ("write\n", "line 1: write: write takes 2 arguments, got 0"),
            ("write 1 2 junk\n", "write takes 2 arguments, got 3"),
            ("write 1x 2\n", "\"1x\" is not a decimal number"),
            (
                "write 99999999999999999999 1\n",
                "\"99999999999999999999\" does not fit 64 bits",
            ),
            ("geometry 0 0\n", "non-empty namespace"),
            ("geometry 12 33\n", "granule shift of at most 32"),
            (
                "geometry 99999999999 0\n",
                "line 1: geometry 99999999999 0: geometry of 99999999999 granules exceeds",
            ),
        ];
        for (text, want) in cases {
            let err = format!("{:#}", parse(text).unwrap_err());
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn comments_and_geometry() {
        let t = parse("geometry 12 0   # twelve LBAs\n\nmap 0 9\nstart cursor\n").unwrap();
        assert_eq!(
            (t.namespace_lbas, t.granule_shift, t.lines.len()),
            (12, 0, 3)
        );
        let t = parse("start naive").unwrap();
        assert_eq!(t.granules(), DEFAULT_NAMESPACE_LBAS);
    }
}
