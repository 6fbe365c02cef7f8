//! `lmsnoop formal` as CI runs it: the built binary driving Yosys, ABC, yosys-smtbmc and z3.
//!
//! The block must pass the bounded check of both models, PDR must prove the read-path
//! properties and refute nothing, the covers CI searches must be reached, and the mutants
//! must fail with a counterexample trace. `LMSNOOP_FORMAL_DEPTH` sets the depth; the
//! default, 20 cycles, keeps the test to a few minutes on the 2-core machine: one property
//! at a time, the hardest ones cost 2.5 to 4.5 times more per further cycle, and depth 24
//! takes about half an hour (README, Formal).
//! `LMSNOOP_FORMAL_COVERS` names the covers to search (comma-separated, `all` or `none`;
//! the default is those reached within the cover depth), `LMSNOOP_FORMAL_MUTANTS` the mutants to
//! run (comma-separated or `all`; the default is those caught within 20 cycles) and
//! `LMSNOOP_FORMAL_PDR_SECONDS` the PDR limit per property. A missing tool fails the test
//! with the install hint (scripts/test.sh installs them).
#![cfg(feature = "hw")]

mod cli_support;

use cli_support::{lmsnoop, text, ToolPath};
use std::path::PathBuf;

/// The covers CI searches (to the default cover depth, 26): every cover measured to be
/// reached within it (README, Formal). ABC stops at a reached cover, so they cost little.
const CI_COVERS: [&str; 6] = [
    "cover_skip_cursor",
    "cover_clear_dropped",
    "cover_safety_checked",
    "cover_swap_active_set",
    "cover_skip_bitmap",
    "cover_skip_held",
];

/// The mutants CI runs: every one measured to be caught within the default depth, 20
/// (README, Formal), each by its own property.
const CI_MUTANTS: [&str; 5] = [
    "no-forwarding",
    "clear-in-cursor",
    "oob-off-by-one",
    "status-busy-inverted",
    "mark-drops-last",
];

fn depth() -> String {
    std::env::var("LMSNOOP_FORMAL_DEPTH").unwrap_or_else(|_| "20".to_string())
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lmsnoop-formal-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The JSON string after `"key":` in `json` (the first), if it is a string.
fn string_after(json: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":\"");
    let at = json.find(&pat)? + pat.len();
    let end = json[at..].find('"')?;
    Some(json[at..at + end].to_string())
}

/// The JSON array of strings after `"key":[` in `json`, in order.
fn strings_after(json: &str, key: &str) -> Vec<String> {
    let pat = format!("\"{key}\":[");
    let Some(at) = json.find(&pat) else {
        panic!("no {key} array in {json}")
    };
    let rest = &json[at + pat.len()..];
    let end = rest.find(']').expect("array closes");
    rest[..end]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn the_block_passes_the_bounded_check() {
    let depth = depth();
    let covers = std::env::var("LMSNOOP_FORMAL_COVERS").unwrap_or_else(|_| CI_COVERS.join(","));
    let pdr = std::env::var("LMSNOOP_FORMAL_PDR_SECONDS").unwrap_or_else(|_| "20".to_string());
    let mut args = vec!["formal", "--depth", &depth, "--pdr", &pdr, "--json"];
    let wanted: Vec<&str> = covers.split(',').filter(|c| !c.is_empty()).collect();
    match covers.as_str() {
        "all" => {}
        "" | "none" => args.push("--no-covers"),
        _ => {
            for c in &wanted {
                args.extend(["--cover", c]);
            }
        }
    }
    let out = lmsnoop(&args);
    let json = text(&out.stdout);
    assert!(
        out.status.success(),
        "lmsnoop formal --depth {depth} failed:\n{json}\n{}",
        text(&out.stderr)
    );
    let bmc = &json[json.find("\"bmc\":").expect("bmc verdict")..];
    assert!(bmc.starts_with("\"bmc\":{\"passed\":true"), "{json}");
    for p in [
        "safety_active",
        "safety_passive",
        "no_lost_active",
        "conservative",
        "swap_clean",
    ] {
        assert!(
            strings_after(&json, "properties").iter().any(|x| x == p),
            "{p}: {json}"
        );
    }
    // PDR proves the read-path properties outright; it must refute nothing.
    assert!(!json.contains("\"outcome\":\"fails\""), "{json}");
    if pdr != "0" {
        for p in ["status_busy", "inv_read_pending", "inv_read_busy"] {
            let key = format!("\"property\":\"{p}\",\"outcome\":\"proven\"");
            assert!(json.contains(&key), "{p} not proven by PDR: {json}");
        }
    }
    if !matches!(covers.as_str(), "" | "none") {
        assert_eq!(
            strings_after(&json, "unreached"),
            Vec::<String>::new(),
            "{json}"
        );
        for c in wanted.iter().filter(|c| **c != "all") {
            assert!(json.contains(&format!("\"cover\":\"{c}\"")), "{c}: {json}");
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
    assert!(mutants.len() >= 3, "{listing}");
    let wanted = std::env::var("LMSNOOP_FORMAL_MUTANTS").unwrap_or_else(|_| CI_MUTANTS.join(","));
    let depth = depth();
    if wanted != "all" {
        for w in wanted.split(',') {
            assert!(
                mutants.iter().any(|(n, _)| n == w),
                "LMSNOOP_FORMAL_MUTANTS: no mutant {w}"
            );
        }
    }
    for (name, caught_by) in mutants {
        if wanted != "all" && !wanted.split(',').any(|w| w == name) {
            continue;
        }
        let keep = scratch(&name);
        let out = lmsnoop(&[
            "formal",
            "--mutate",
            &name,
            "--depth",
            &depth,
            "--no-covers",
            "--json",
            "--keep",
            keep.to_str().unwrap(),
        ]);
        let json = text(&out.stdout);
        let err = text(&out.stderr);
        assert!(
            !out.status.success(),
            "mutant {name} passed the check:\n{json}"
        );
        assert!(err.contains("formal check FAILED"), "{name}: {err}");
        let failed = strings_after(&json, "failed");
        assert!(
            failed.contains(&caught_by),
            "{name}: expected {caught_by}, got {failed:?}"
        );
        let vcd = string_after(&json, "vcd")
            .unwrap_or_else(|| panic!("{name}: no counterexample trace in {json}"));
        assert!(
            vcd.starts_with(keep.to_str().unwrap()),
            "{name}: trace {vcd} outside --keep"
        );
        let trace = std::fs::read_to_string(&vcd)
            .unwrap_or_else(|e| panic!("{name}: no counterexample at {vcd}: {e}"));
        assert!(
            trace.contains("$enddefinitions") && trace.contains("#0"),
            "{name}: {vcd:?}"
        );
        let _ = std::fs::remove_dir_all(&keep);
    }
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
    path.link("yosys", "yosys");
    path.link("yosys-smtbmc", "yosys");
    let out = path.lmsnoop(&["formal", "--depth", "2"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("yosys-abc not found") && err.contains("apt-get install yosys"),
        "{err}"
    );
    path.link("yosys-abc", "yosys");
    let out = path.lmsnoop(&["formal", "--depth", "2"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("z3 not found") && err.contains("apt-get install z3"),
        "{err}"
    );
}
