//! `lmsnoop formal` as CI runs it: the built binary driving Yosys and ABC (and yosys-smtbmc
//! with z3 for k-induction).
//!
//! The block must pass the bounded check of its three models, PDR must prove the read-path
//! properties and refute nothing, every cover must be reached, and strictly below the depth
//! each property it guards is checked to (else that property is vacuous on the cover's case),
//! and every mutant must fail its own property within the depth CI checks that property to,
//! with a counterexample trace. `LMSNOOP_FORMAL_DEPTH` sets the depth of every property
//! (default 20 cycles; the hardest properties cost 2.5 to 4.5 times more per further cycle),
//! [`DEEPER`] takes the properties whose hard case lies further out past it.
//! `LMSNOOP_FORMAL_COVERS` names the covers to search (comma-separated, `all` or `none`),
//! `LMSNOOP_FORMAL_MUTANTS` the mutants to run (comma-separated or `all`; by default both
//! are all) and `LMSNOOP_FORMAL_PDR_SECONDS` the PDR limit per property. A missing tool
//! fails the test with the install hint (scripts/test.sh installs them).
#![cfg(feature = "hw")]

mod cli_support;

use cli_support::{lmsnoop, text, ToolPath};
use lmsnoop_flows::formal::{labels, COVER, WRAPPER};
use serde_json::Value;
use std::path::PathBuf;

/// Properties CI checks deeper than the common depth (`--property-depth`), each past the
/// step its guarding covers and mutants reach (steps measured on this commit, README,
/// Formal): `skip-below-cursor` trips `safety_active` in step 20 (covers `cover_skip_bitmap`
/// and `cover_skip_held`, step 19, are within the common depth); `cover_bits_skipped` is
/// reached in step 21; `cover_passive_drained` in 24 and `cover_swap_residue` in 25 guard
/// `swap_clean`, checked on the lemma model, where 26 steps take seconds. `passive_zero`,
/// the lemma, goes as deep as its arithmetic allows in CI's budget (23: 35 s; 24 ran over
/// 15 minutes): on the block, `swap_clean` holds unconditionally to that depth.
const DEEPER: [(&str, u32); 4] = [
    ("safety_active", 21),
    ("bits_skipped", 22),
    ("passive_zero", 23),
    ("swap_clean", 26),
];

/// Covers the wrapper has at least: one dropped from it (or a search that stops finding
/// it) fails the test.
const MIN_COVERS: usize = 19;

/// Every cover of the wrapper, comma-separated (read as `lmsnoop formal` reads them).
fn wrapper_covers() -> String {
    let covers = labels(WRAPPER, COVER);
    assert!(
        covers.len() >= MIN_COVERS,
        "covers of the wrapper: {covers:?}"
    );
    covers.join(",")
}

/// The common depth.
fn depth() -> u32 {
    match std::env::var("LMSNOOP_FORMAL_DEPTH") {
        Ok(d) => d
            .parse()
            .unwrap_or_else(|_| panic!("LMSNOOP_FORMAL_DEPTH={d}: not a depth")),
        Err(_) => 20,
    }
}

/// `--depth` and the `--property-depth` flags of the check: [`DEEPER`], never below the
/// common depth.
fn depth_args() -> Vec<String> {
    let depth = depth();
    let mut args = vec!["--depth".to_string(), depth.to_string()];
    for (p, d) in DEEPER {
        args.push("--property-depth".to_string());
        args.push(format!("{p}={}", d.max(depth)));
    }
    args
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lmsnoop-formal-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The JSON report on stdout.
fn report(out: &std::process::Output) -> Value {
    serde_json::from_str(&text(&out.stdout)).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}):\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

/// The strings of the array `v`.
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_block_passes_the_bounded_check() {
    let covers = std::env::var("LMSNOOP_FORMAL_COVERS").unwrap_or_else(|_| wrapper_covers());
    let pdr = std::env::var("LMSNOOP_FORMAL_PDR_SECONDS").unwrap_or_else(|_| "20".to_string());
    let mut args: Vec<String> = ["formal", "--pdr", &pdr, "--json"]
        .map(String::from)
        .to_vec();
    args.extend(depth_args());
    let wanted: Vec<&str> = covers.split(',').filter(|c| !c.is_empty()).collect();
    match covers.as_str() {
        "all" => {}
        "" | "none" => args.push("--no-covers".to_string()),
        _ => {
            for c in &wanted {
                args.extend(["--cover".to_string(), c.to_string()]);
            }
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lmsnoop(&args);
    let json = report(&out);
    assert!(
        out.status.success(),
        "lmsnoop {} failed:\n{json:#}\n{}",
        args.join(" "),
        text(&out.stderr)
    );
    assert_eq!(json["bmc"]["passed"], true, "{json:#}");
    let properties = strings(&json["properties"]);
    for p in [
        "safety_active",
        "safety_passive",
        "no_lost_active",
        "no_lost_passive",
        "conservative",
        "swap_clean",
        "passive_zero",
        "decode_ok",
        "err_sticky",
        "irq_sticky",
        "irq_line",
        "irq_error",
        "irq_swap_done",
        "read_data",
        "writes_seen",
        "copy_reads_seen",
        "bits_set",
        "bits_cleared",
        "bits_skipped",
    ] {
        assert!(properties.iter().any(|x| x == p), "{p}: {json:#}");
    }
    for c in json["bounded"].as_array().expect("bounded checks") {
        let want = DEEPER
            .iter()
            .find(|(p, _)| c["property"] == *p)
            .map_or(depth(), |&(_, d)| d.max(depth()));
        assert_eq!(c["depth"], want, "{c}");
        assert_eq!(c["outcome"], "holds", "{c}");
    }
    // PDR proves the read-path and flag properties outright; it must refute nothing.
    for q in json["pdr"].as_array().expect("pdr results") {
        assert_ne!(q["outcome"], "fails", "{q}");
    }
    if pdr != "0" {
        for p in [
            "status_busy",
            "inv_read_pending",
            "inv_read_busy",
            "read_data",
            "err_sticky",
            "irq_sticky",
            "irq_line",
            "irq_error",
            "bits_skipped",
        ] {
            let proven = json["pdr"]
                .as_array()
                .unwrap()
                .iter()
                .any(|q| q["property"] == p && q["outcome"] == "proven");
            assert!(proven, "{p} not proven by PDR: {json:#}");
        }
    }
    if !matches!(covers.as_str(), "" | "none") {
        assert_eq!(strings(&json["covers"]["unreached"]), Vec::<String>::new());
        // Every guarded property was checked past its cover's step (the CLI fails
        // otherwise; this says which).
        assert_eq!(strings(&json["vacuous"]), Vec::<String>::new());
        let reached = json["covers"]["reached"]
            .as_array()
            .expect("reached covers");
        for c in wanted.iter().filter(|c| **c != "all") {
            assert!(reached.iter().any(|r| r["cover"] == *c), "{c}: {json:#}");
        }
        if covers == "all" {
            assert!(reached.len() >= MIN_COVERS, "{json:#}");
        }
    }
}

#[test]
fn mutants_fail_with_a_counterexample_trace() {
    let list = lmsnoop(&["formal", "--list-mutants"]);
    assert!(list.status.success());
    let listing = text(&list.stdout);
    let mutants: Vec<(String, String)> = listing
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].to_string(), w[3].to_string())
        })
        .collect();
    assert!(mutants.len() >= 24, "{listing}");
    let all: Vec<&str> = mutants.iter().map(|(n, _)| n.as_str()).collect();
    let wanted = std::env::var("LMSNOOP_FORMAL_MUTANTS").unwrap_or_else(|_| all.join(","));
    if wanted != "all" {
        for w in wanted.split(',') {
            assert!(
                mutants.iter().any(|(n, _)| n == w),
                "LMSNOOP_FORMAL_MUTANTS: no mutant {w}"
            );
        }
    }
    let mutants: Vec<(String, String)> = mutants
        .into_iter()
        .filter(|(n, _)| wanted == "all" || wanted.split(',').any(|w| w == n))
        .collect();
    // One after another: the bounded check beside this test already keeps both cores
    // busy (two mutants at a time as well made the formal test 3,924 s instead of about
    // 2,500).
    for (name, caught_by) in &mutants {
        check_mutant(name, caught_by);
    }
}

/// Checks that mutant `name` fails `caught_by`, to the depth the clean block is checked to,
/// with a counterexample trace that ends in the failing step.
fn check_mutant(name: &str, caught_by: &str) {
    let keep = scratch(name);
    let mut args: Vec<String> = [
        "formal",
        "--mutate",
        name,
        "--property",
        caught_by,
        "--no-covers",
        "--jobs",
        "1",
        "--json",
        "--keep",
        keep.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    args.extend(depth_args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lmsnoop(&args);
    let json = report(&out);
    let err = text(&out.stderr);
    assert!(
        !out.status.success(),
        "mutant {name} passed the check:\n{json:#}"
    );
    assert!(err.contains("formal check FAILED"), "{name}: {err}");
    let failed = strings(&json["bmc"]["failed"]);
    assert!(
        failed.iter().any(|f| f == caught_by),
        "{name}: expected {caught_by}, got {failed:?}"
    );
    let step = json["bmc"]["step"].as_u64().expect("failing step");
    let vcd = json["bmc"]["vcd"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no counterexample trace in {json:#}"));
    assert!(
        vcd.starts_with(keep.to_str().unwrap()),
        "{name}: trace {vcd} outside --keep"
    );
    let trace = std::fs::read_to_string(vcd)
        .unwrap_or_else(|e| panic!("{name}: no counterexample at {vcd}: {e}"));
    // The trace runs from reset to the failing step and ends there: its last step is
    // the one that shows the broken behaviour.
    assert!(
        trace.contains("$enddefinitions") && trace.contains("#0"),
        "{name}: {vcd:?}"
    );
    assert_eq!(
        last_step(&trace),
        step,
        "{name}: trace {vcd} ends elsewhere"
    );
    println!("mutant {name}: {caught_by} fails in step {step}");
    let _ = std::fs::remove_dir_all(&keep);
}

/// The last step of a trace Yosys `sim` replayed: it writes cycle N at time 10 N (and the
/// cycle's second half, clock low, at 10 N + 5) and closes the trace with one more time
/// mark, at 10 (last + 1).
fn last_step(vcd: &str) -> u64 {
    vcd.lines()
        .filter_map(|l| {
            l.strip_prefix('#')
                .and_then(|t| t.trim().parse::<u64>().ok())
        })
        .max()
        .expect("time marks in the trace")
        / 10
        - 1
}

#[test]
fn bad_requests_fail_clearly() {
    let out = lmsnoop(&["formal", "--mutate", "no-such-bug"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unknown mutant `no-such-bug`"),
        "{}",
        text(&out.stderr)
    );
    let out = lmsnoop(&["formal", "--depth", "1"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--depth must be at least 2"));
    let out = lmsnoop(&["formal", "--depth", "2", "--cover", "cover_nothing"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unknown cover `cover_nothing`"),
        "{}",
        text(&out.stderr)
    );
    let out = lmsnoop(&["formal", "--depth", "2", "--property", "nothing_holds"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unknown property `nothing_holds`"),
        "{}",
        text(&out.stderr)
    );
    let out = lmsnoop(&["formal", "--depth", "2", "--jobs", "0"]);
    assert!(!out.status.success(), "--jobs 0 accepted");
    let out = lmsnoop(&[
        "formal",
        "--mutate",
        "skip-below-cursor",
        "--depth",
        "2",
        "--property",
        "conservative",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("which --property leaves out"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_mutant_the_depth_does_not_reach_is_not_a_pass() {
    // skip-below-cursor needs about 27 cycles; in 3 it cannot show.
    let out = lmsnoop(&[
        "formal",
        "--mutate",
        "skip-below-cursor",
        "--depth",
        "3",
        "--property",
        "safety_active",
        "--no-covers",
    ]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("mutant skip-below-cursor NOT caught"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_solver_gives_the_install_hint() {
    let path = ToolPath::new("formal");
    let fails_with_hint = |args: &[&str], tool: &str, package: &str| {
        let out = path.lmsnoop(args);
        assert!(!out.status.success(), "ran without {tool}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{tool} not found"))
                && err.contains(&format!("apt-get install {package}")),
            "{err}"
        );
    };
    path.link("yosys", "yosys");
    fails_with_hint(&["formal", "--depth", "2"], "yosys-abc", "yosys");
    // yosys-smtbmc and z3 run only k-induction, and are required only for it.
    path.link("yosys-abc", "yosys");
    let induction = ["formal", "--depth", "2", "--induction", "2"];
    fails_with_hint(&induction, "yosys-smtbmc", "yosys");
    path.link("yosys-smtbmc", "yosys");
    fails_with_hint(&induction, "z3", "z3");
}
