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

/// A random trace that is valid by construction, so it runs to its end on both
/// backends: a geometry on either RTL build, a BMP, a method, then hundreds of writes,
/// copies, plans, swaps and reads. Writes and copies past the namespace are in it on
/// purpose: the tracker flags them and carries on, and the flags are printed.
fn random_trace(rng: &mut Rng) -> (String, usize) {
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
    // Runs of neighbouring operations find the forwarding and same-word paths that
    // uniform picks over a million granules would almost never hit.
    let mut hot = rng.below(ns);
    let mut lba = |rng: &mut Rng| {
        if rng.chance(0.03) {
            ns + rng.below(10)
        } else {
            if rng.chance(0.1) {
                hot = rng.below(ns);
            }
            (hot + rng.below(256)).min(ns - 1)
        }
    };
    let ops = 200 + rng.below(400) as usize;
    // The protocol: a query releases the plan it read; the next needs a swap first.
    let mut swapped = false;
    for _ in 0..ops {
        match rng.below(20) {
            0..=8 => {
                let s = lba(rng);
                writeln!(t, "write {s} {}", 1 + rng.below(100)).unwrap();
            }
            9..=14 => {
                let s = lba(rng);
                writeln!(t, "copy {s} {}", 1 + rng.below(100)).unwrap();
            }
            15 => {
                let a = rng.below(granules + 1);
                writeln!(t, "plan {a} {}", a + rng.below(granules + 1 - a)).unwrap();
            }
            16 => {
                writeln!(t, "swap").unwrap();
                swapped = true;
            }
            17 => {
                if !swapped {
                    writeln!(t, "swap").unwrap();
                }
                writeln!(t, "query").unwrap();
                swapped = false;
            }
            _ => writeln!(t, "active").unwrap(),
        }
    }
    writeln!(t, "active").unwrap();
    (t, ops)
}

#[test]
fn replay_is_byte_identical_on_both_backends() {
    for_each_seed("replay_is_byte_identical_on_both_backends", 60, |seed| {
        let (text, ops) = random_trace(&mut Rng::new(seed));
        let golden = run(&text, Backend::Golden);
        assert_eq!(
            golden.1, None,
            "trace of seed {seed} ({ops} operations):\n{text}"
        );
        // Ran to the end: one printed line per swap, query and active, besides error lines.
        let printing = text
            .lines()
            .filter(|l| matches!(*l, "swap" | "query" | "active"))
            .count();
        let printed = golden
            .0
            .lines()
            .filter(|l| !l.starts_with("error "))
            .count();
        assert_eq!(printed, printing, "seed {seed}: the replay stopped early");
        let rtl = run(&text, Backend::Rtl);
        assert_eq!(rtl, golden, "trace of seed {seed}:\n{text}");
    });
}

/// Each way a trace can be refused, on both backends: the same message, naming the
/// line, and the same output up to it.
#[test]
fn refused_traces_fail_alike_on_both_backends() {
    let ok = "geometry 100 0\nstart cursor\nwrite 3 2\nactive\n";
    let cases: &[(&str, &str)] = &[
        ("frob 1 2\n", "line 5: frob 1 2: unknown command \"frob\""),
        (
            "write 1\n",
            "line 5: write 1: write takes 2 arguments, got 1",
        ),
        ("swap 1\n", "swap takes 0 arguments, got 1"),
        ("write x 1\n", "\"x\" is not a decimal number"),
        ("copy -1 1\n", "\"-1\" is not a decimal number"),
        ("write 18446744073709551616 1\n", "does not fit 64 bits"),
        ("write 0 0\n", "a command covers 1..=65536 blocks, not 0"),
        (
            "copy 0 65537\n",
            "a command covers 1..=65536 blocks, not 65537",
        ),
        ("map 0 1\n", "line 5: map must come before start"),
        ("geometry 10 0\n", "line 5: geometry must come before start"),
        ("start bogus\n", "unknown method \"bogus\""),
        ("plan 7 3\n", "line 5"),
    ];
    for &(bad, want) in cases {
        let text = format!("{ok}{bad}active\n");
        let golden = run(&text, Backend::Golden);
        let err = golden.1.clone().unwrap_or_default();
        assert!(err.contains(want), "{bad:?}: got {err:?}, want {want:?}");
        assert_eq!(run(&text, Backend::Rtl), golden, "{bad:?}");
    }
    for (text, want) in [
        (
            "geometry 0 0\n",
            "line 1: geometry 0 0: geometry needs a non-empty namespace",
        ),
        ("geometry 9 33\n", "a granule shift of at most 32"),
        ("plan 0 1\n", "line 1: plan before start"),
    ] {
        let golden = run(text, Backend::Golden);
        let err = golden.1.clone().unwrap_or_default();
        assert!(err.contains(want), "{text:?}: got {err:?}, want {want:?}");
        assert_eq!(run(text, Backend::Rtl), golden, "{text:?}");
    }
}

/// A fuzzed trace: a geometry, maps inside it and a start, then operations with LBAs
/// anywhere in 0..=2^64 - 1 (mostly near the namespace), and in half the traces one
/// defect at a random line (a number that is signed, too long or not a number, a wrong
/// arity, an unknown word or method, a geometry after the start), refused at that line.
/// Of the rest about a third run to their end; the others run until the firmware refuses
/// a command (a query after a release, a plan outside the namespace), at its line too.
fn trace() -> impl proptest::strategy::Strategy<Value = Vec<String>> {
    use proptest::prelude::*;
    let lba = prop_oneof![20 => 0u64..1200, 1 => any::<u64>()];
    let method = prop_oneof![Just("naive"), Just("cursor"), Just("bitmap"), Just("clear")];
    let head = (
        1u64..1100,
        0u32..4,
        proptest::collection::vec((0u64..1000, 1u64..200), 0..4),
        method,
    )
        .prop_map(|(ns, shift, maps, method)| {
            let mut lines = vec![format!("geometry {ns} {shift}")];
            for (a, n) in maps {
                let a = a % ns;
                lines.push(format!("map {a} {}", n.min(ns - a)));
            }
            lines.push(format!("start {method}"));
            lines
        });
    let op = prop_oneof![
        30 => (lba.clone(), 1u32..300).prop_map(|(a, n)| format!("write {a} {n}")),
        20 => (lba, 1u32..300).prop_map(|(a, n)| format!("copy {a} {n}")),
        8 => (0u64..1200, 0u64..1200).prop_map(|(a, b)| format!("plan {a} {b}")),
        8 => Just("swap".to_string()),
        8 => Just("query".to_string()),
        8 => Just("active".to_string()),
        2 => Just("# a comment".to_string()),
        2 => Just(String::new()),
    ];
    let defect = prop_oneof![
        Just("write -1 1".to_string()),
        Just("copy 18446744073709551616 1".to_string()),
        Just("write 1 65537".to_string()),
        Just("plan x1 3".to_string()),
        Just("write 1 2 3".to_string()),
        Just("swap now".to_string()),
        "[a-z]{1,6}( [0-9]{1,3}){0,2}",
        Just("start bogus".to_string()),
        Just("geometry 64 0".to_string()),
    ];
    let body = proptest::collection::vec(op, 1..80);
    let defect = proptest::option::weighted(0.5, (any::<proptest::sample::Index>(), defect));
    (head, body, defect).prop_map(|(mut lines, body, defect)| {
        lines.extend(body);
        if let Some((at, bad)) = defect {
            let i = at.index(lines.len() + 1);
            lines.insert(i, bad);
        }
        lines
    })
}

/// Property-based fuzzing of the replayer: any trace [`trace`] draws either runs on both
/// backends with byte-identical output or is refused alike, naming its line. `LMSNOOP_FUZZ_CASES` traces per seed (default 128); a failure is
/// shrunk to the shortest trace that still fails.
#[test]
fn fuzzed_traces_replay_alike_on_both_backends() {
    for_each_seed("fuzzed_traces_replay_alike_on_both_backends", 2, |seed| {
        let mut runner = common::fuzz::fuzz_runner(seed, 128);
        let result = runner.run(&trace(), |lines| {
            let text = lines.join("\n") + "\n";
            let golden = run(&text, Backend::Golden);
            if let Some(err) = &golden.1 {
                proptest::prop_assert!(err.contains("line "), "{err}");
            }
            proptest::prop_assert_eq!(run(&text, Backend::Rtl), golden, "trace:\n{}", text);
            Ok(())
        });
        if let Err(e) = result {
            panic!("seed {seed}: {e}");
        }
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
