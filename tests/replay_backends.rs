//! Every trace `replay` accepts prints byte-identical output on the golden and the RTL
//! backend, and one it refuses fails the same way on both.
#![cfg(feature = "rtl")]

mod common;

use common::for_each_seed;
use lmsnoop::backend::{make_port, Backend};
use lmsnoop::replay;
use lmsnoop::rng::Rng;
use std::fmt::Write as _;

fn run(text: &str, backend: Backend) -> (String, Option<String>) {
    let trace = match replay::parse(text) {
        Ok(t) => t,
        Err(e) => return (String::new(), Some(format!("{e:#}"))),
    };
    let port = make_port(backend, trace.granules(), None).expect("backend");
    let mut out = Vec::new();
    let err = replay::run(&trace, port, &mut out)
        .err()
        .map(|e| format!("{e:#}"));
    (String::from_utf8(out).unwrap(), err)
}

/// A random trace: mostly well formed, with bad ranges, protocol errors and, rarely, a
/// malformed line.
fn random_trace(rng: &mut Rng) -> String {
    let mut t = String::new();
    let (ns, shift) = match rng.below(4) {
        0 => (
            replay::DEFAULT_NAMESPACE_LBAS,
            replay::DEFAULT_GRANULE_SHIFT,
        ),
        _ => (1 + rng.below(900), rng.below(3) as u32),
    };
    if ns != replay::DEFAULT_NAMESPACE_LBAS || rng.chance(0.5) {
        writeln!(t, "geometry {ns} {shift}").unwrap();
    }
    for _ in 0..rng.below(4) {
        let s = rng.below(ns);
        writeln!(t, "map {s} {}", 1 + rng.below(ns - s)).unwrap();
    }
    let method = ["naive", "cursor", "bitmap", "clear"][rng.below(4) as usize];
    writeln!(t, "start {method}\nquery").unwrap();
    let granules = ns.div_ceil(1 << shift);
    let lba = |rng: &mut Rng| {
        if rng.chance(0.05) {
            ns + rng.below(10)
        } else {
            rng.below(ns)
        }
    };
    for _ in 0..rng.below(80) {
        match rng.below(20) {
            0..=7 => {
                let s = lba(rng);
                writeln!(t, "write {s} {}", 1 + rng.below(100)).unwrap();
            }
            8..=12 => {
                let s = lba(rng);
                writeln!(t, "copy {s} {}", 1 + rng.below(100)).unwrap();
            }
            13 => {
                let a = rng.below(granules + 1);
                writeln!(t, "plan {a} {}", a + rng.below(granules + 1 - a)).unwrap();
            }
            14 | 15 => writeln!(t, "swap").unwrap(),
            16 => writeln!(t, "query").unwrap(),
            17 | 18 => writeln!(t, "active").unwrap(),
            _ => writeln!(
                t,
                "{}",
                ["write 1", "frob", "copy x 2", "write 0 70000"][rng.below(4) as usize]
            )
            .unwrap(),
        }
    }
    writeln!(t, "active").unwrap();
    t
}

#[test]
fn replay_is_byte_identical_on_both_backends() {
    for_each_seed("replay_is_byte_identical_on_both_backends", 200, |seed| {
        let text = random_trace(&mut Rng::new(seed));
        let golden = run(&text, Backend::Golden);
        let rtl = run(&text, Backend::Rtl);
        assert_eq!(rtl, golden, "trace of seed {seed}:\n{text}");
    });
}

#[test]
fn figure_1_on_the_rtl() {
    let text = include_str!("traces/figure1.trace");
    assert_eq!(
        run(text, Backend::Rtl),
        ("plan 0-8\nactive 0-2,9\n".to_string(), None)
    );
}
