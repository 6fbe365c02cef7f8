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

/// One trace line as the fuzzer draws it: every command with numbers near the edges
/// (zero, the namespace, 2^64 - 1, too many digits), wrong arities, unknown words,
/// comments and blank lines.
fn trace_line() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let num = prop_oneof![
        4 => (0u64..1200).prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => Just("18446744073709551616".to_string()),
        1 => Just("-1".to_string()),
        1 => "[a-z0-9]{1,4}",
    ];
    let method = prop_oneof![
        Just("naive"),
        Just("cursor"),
        Just("bitmap"),
        Just("clear"),
        Just("bogus")
    ];
    prop_oneof![
        1 => (num.clone(), 0u32..4).prop_map(|(n, s)| format!("geometry {n} {s}")),
        2 => (num.clone(), num.clone()).prop_map(|(a, b)| format!("map {a} {b}")),
        2 => method.prop_map(|m| format!("start {m}")),
        6 => (num.clone(), 1u32..300).prop_map(|(a, n)| format!("write {a} {n}")),
        4 => (num.clone(), 1u32..300).prop_map(|(a, n)| format!("copy {a} {n}")),
        2 => (num.clone(), num.clone()).prop_map(|(a, b)| format!("plan {a} {b}")),
        2 => Just("swap".to_string()),
        2 => Just("query".to_string()),
        2 => Just("active".to_string()),
        1 => (num.clone(), num).prop_map(|(a, b)| format!("write {a} {b} {a}")),
        1 => "[a-z]{1,6}( [0-9]{1,3}){0,2}",
        1 => Just("# a comment".to_string()),
        1 => Just(String::new()),
    ]
}

/// Property-based fuzzing of the replayer: any text (mostly well-formed lines, some
/// not) either runs on both backends with byte-identical output or is refused alike,
/// naming its line. `LMSNOOP_FUZZ_CASES` traces per seed (default 128); a failure is
/// shrunk to the shortest trace that still fails.
#[test]
fn fuzzed_traces_replay_alike_on_both_backends() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let cases = std::env::var("LMSNOOP_FUZZ_CASES").map_or(128, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("LMSNOOP_FUZZ_CASES={v:?} is not a number"))
    });
    assert!(
        cases > 0,
        "LMSNOOP_FUZZ_CASES=0 would fuzz nothing: give 1 or more"
    );
    for_each_seed("fuzzed_traces_replay_alike_on_both_backends", 2, |seed| {
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let traces = proptest::collection::vec(trace_line(), 1..120);
        let result = runner.run(&traces, |lines| {
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
