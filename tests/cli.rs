//! The `lmsnoop` binary as a user meets it: outputs, JSON keys, errors and exit codes.

mod cli_support;

use cli_support::{lmsnoop, text};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn stdin_lmsnoop(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lmsnoop"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

const SMALL: &[&str] = &["--namespace", "64MiB", "--granule", "8KiB", "--quiet"];

#[test]
fn replay_prints_figure_1() {
    let out = lmsnoop(&[
        "replay",
        "tests/traces/figure1.trace",
        "--backend",
        "golden",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "plan 0-8\nactive 0-2,9\n");
}

#[test]
fn replay_names_the_bad_line_and_fails() {
    let out = stdin_lmsnoop(&["replay", "-"], "geometry 12 0\nstart cursor\nwrite 3\n");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("write takes 2 arguments"),
        "{err}"
    );
    let out = lmsnoop(&["replay", "no/such/file.trace"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("reading trace no/such/file.trace"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn replay_refuses_protocol_errors_with_the_line() {
    let out = stdin_lmsnoop(
        &["replay", "-"],
        "geometry 64 0\nstart naive\nswap\nquery\nquery\n",
    );
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stdout),
        "swap 0\nplan -\n",
        "output up to the failing line is kept"
    );
    let err = text(&out.stderr);
    assert!(err.contains("line 5") && err.contains("released"), "{err}");
}

#[test]
fn migrate_json_has_the_promised_keys() {
    let mut args = vec!["migrate", "--method", "clear", "--json"];
    args.extend_from_slice(SMALL);
    let out = lmsnoop(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    assert!(
        json.starts_with('{') && json.trim_end().ends_with('}'),
        "{json}"
    );
    for key in [
        "method",
        "passes",
        "user_writes",
        "copied_granules",
        "redundant_copies",
        "final_pass_granules",
        "lost_updates",
        "per_pass",
        "wall_seconds",
        "peak_rss_bytes",
    ] {
        assert!(
            json.contains(&format!("\"{key}\":")),
            "missing {key}: {json}"
        );
    }
    assert!(
        json.contains("\"method\":\"clear\"") && json.contains("\"lost_updates\":0"),
        "{json}"
    );
}

#[test]
fn migrate_prints_a_table() {
    let mut args = vec!["migrate", "--workload", "mixed"];
    args.extend_from_slice(SMALL);
    let out = lmsnoop(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.contains("redundant")
            && t.contains("total")
            && t.contains("final")
            && t.contains("lost updates 0"),
        "{t}"
    );
}

#[test]
fn compare_runs_all_four_methods() {
    let mut args = vec!["compare", "--json"];
    args.extend_from_slice(SMALL);
    let out = lmsnoop(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    for m in ["naive", "cursor", "bitmap", "clear"] {
        assert!(json.contains(&format!("\"method\":\"{m}\"")), "{m}: {json}");
    }
    let mut args = vec!["compare"];
    args.extend_from_slice(SMALL);
    let table = text(&lmsnoop(&args).stdout);
    assert_eq!(
        table
            .lines()
            .filter(|l| l.trim_start().starts_with("bitmap"))
            .count(),
        1,
        "{table}"
    );
}

#[test]
fn bad_arguments_fail_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["migrate", "--granule", "3KiB"], "power of two"),
        (&["migrate", "--granule", "1KiB"], "at least one LBA"),
        (&["migrate", "--namespace", "12XB"], "unknown size unit"),
        (&["migrate", "--method", "magic"], "unknown method"),
        (
            &["migrate", "--chunk", "1MiB", "--granule", "4MiB"],
            "multiple of",
        ),
        (&["migrate", "--mapped", "1.5"], "mapped fraction"),
        (&["migrate", "--workload", "bursty"], "unknown workload"),
        (
            &["migrate", "--report", "tp4159", "--cdq-size", "100B"],
            "whole 32-byte entries",
        ),
        (
            &["migrate", "--report", "tp4159", "--cdq-size", "64B"],
            "at least 3",
        ),
        (
            &["migrate", "--cdq-dump", "/tmp/x"],
            "needs --report tp4159",
        ),
        (&["cdq-decode", "/nonexistent/cdq.bin"], "reading"),
        (
            &["migrate", "--bad-target-range", "12"],
            "--bad-target-range <SLBA:COUNT[:PASSES]>': expected SLBA:COUNT",
        ),
        (
            &["migrate", "--bad-target-range", "1:0"],
            "COUNT must be at least 1",
        ),
        (
            &[
                "migrate",
                "--namespace",
                "1MiB",
                "--bad-target-range",
                "250:7",
            ],
            "--bad-target-range 250:7 reaches beyond the namespace (256 LBAs)",
        ),
        (
            &["migrate", "--target-outage-at-pass", "1"],
            "--outage-writes <N>",
        ),
        (
            &[
                "migrate",
                "--target-outage-at-pass",
                "1",
                "--outage-writes",
                "0",
            ],
            "--outage-writes must be at least 1",
        ),
        (&["migrate", "--final-retries=x"], "--final-retries <N>"),
        (
            &[
                "migrate",
                "--firmware-restart-at-pass",
                "1",
                "--report",
                "tp4159",
            ],
            "--firmware-restart-at-pass needs --report query-bdp",
        ),
        (
            &[
                "migrate",
                "--tracker-reset-at-pass",
                "0",
                "--report",
                "tp4159",
            ],
            "--tracker-reset-at-pass needs --report query-bdp",
        ),
        (
            &["migrate", "--failover-at-pass", "0", "--report", "tp4159"],
            "--failover-at-pass needs --report query-bdp",
        ),
    ];
    for (args, want) in cases {
        let out = lmsnoop(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: bad input exits with 2"
        );
        assert!(
            text(&out.stderr).contains(want),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// Every numeric flag of `migrate` (and so of `compare`, which shares them), given a
/// negative, malformed, overflowing or out-of-range value: one line naming the flag on
/// stderr, exit status 2, no panic, no run.
#[test]
fn every_numeric_flag_refuses_bad_values_naming_the_flag() {
    let over = "99999999999999999999999";
    let cases: &[(&str, &[&str])] = &[
        (
            "--namespace",
            &["-1", "garbage", "1.5B", "99999999TiB", "0", over],
        ),
        ("--lba-size", &["0", "-1", "3KiB", "128KiB", "256B"]),
        (
            "--target-lba-size",
            &["0", "-1", "3KiB", "128KiB", "256B", "8KiB"],
        ),
        ("--granule", &["0", "-1", "3KiB", "1KiB", over]),
        ("--write-size", &["0", "-1", "6KiB", "1TiB"]),
        ("--chunk", &["0", "-1", "6KiB", "512MiB"]),
        ("--zipf-skew", &["-1", "nan", "inf", "x"]),
        ("--write-rate", &["-1", "nan", "inf", "x"]),
        ("--mapped", &["-0.1", "1.5", "nan", "x"]),
        ("--seed", &["-1", "x", over]),
        ("--queue-depth", &["0", "-1", "99999999999"]),
        ("--threshold", &["-1", "x", over]),
        ("--cursor-merge-gap", &["-1", "x"]),
        ("--max-passes", &["0", "-1", "99999999999"]),
        ("--cdq-size", &["0", "100B", "-1"]),
        ("--target-fail-rate", &["-0.1", "0.9", "nan", "x"]),
        (
            "--bad-target-range",
            &["12", "1:0", "x:1", "1:1:0", "-1:5", "0:99999999"],
        ),
        ("--final-retries", &["-1", "x", "99999999999"]),
        ("--watch", &["x", "-1", "99999999999"]),
        ("--explain", &["-1", "x"]),
        ("--firmware-restart-at-pass", &["-1", "x", "99999999999"]),
        ("--tracker-reset-at-pass", &["-1", "x", "99999999999"]),
        ("--failover-at-pass", &["-1", "x"]),
    ];
    for &(flag, values) in cases {
        for value in values {
            let mut args = vec!["migrate", "--quiet", flag, value];
            if flag != "--namespace" {
                args.extend(["--namespace", "64MiB"]);
            }
            check_refused(&args, flag);
        }
    }
    for value in ["0", "1", "-0.5", "nan", "x"] {
        let args = [
            "migrate",
            "--quiet",
            "--failover-at-pass",
            "1",
            "--failover-fraction",
            value,
        ];
        check_refused(&args, "--failover-fraction");
    }
    // An alias is refused under its flag's name.
    for value in ["0", "-1", "3KiB"] {
        let args = ["migrate", "--quiet", "--source-lba-size", value];
        check_refused(&args, "--lba-size");
    }
    for (at, writes) in [("-1", "1"), ("x", "1"), ("0", "0"), ("0", "-1")] {
        let args = [
            "migrate",
            "--quiet",
            "--namespace",
            "64MiB",
            "--target-outage-at-pass",
            at,
            "--outage-writes",
            writes,
        ];
        let flag = if at == "0" {
            "--outage-writes"
        } else {
            "--target-outage-at-pass"
        };
        check_refused(&args, flag);
    }
}

/// The numeric flags of the other commands, the same way (serve's checks run before it
/// opens anything; serve-bench's before it looks for fio).
#[test]
fn other_commands_refuse_bad_numbers_naming_the_flag() {
    let path = std::env::temp_dir().join(format!("lmsnoop-cli-src-{}.img", std::process::id()));
    std::fs::write(&path, vec![0u8; 1 << 16]).unwrap();
    let img = path.to_str().unwrap();
    let serve = |flag: &'static str, value: &'static str| -> Vec<&str> {
        vec![
            "serve",
            "--source",
            img,
            "--target",
            "/nonexistent/t.img",
            flag,
            value,
        ]
    };
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["bench", "--ops", "0"], "--ops"),
        (vec!["bench", "--ops", "-5"], "--ops"),
        (vec!["bench", "--granules", "0"], "--granules"),
        (vec!["bench", "--granules", "99999999999"], "--granules"),
        (vec!["bench", "--seed", "x"], "--seed"),
        (vec!["scale", "--from", "-1"], "--from"),
        (vec!["scale", "--to", "1GiB"], "from <= to"),
        (vec!["scale", "--granule", "3KiB"], "--granule"),
        (vec!["scale", "--chunk", "0"], "--chunk"),
        (vec!["scale", "--mapped", "2"], "--mapped"),
        (vec!["scale", "--writes", "-1"], "--writes"),
        (vec!["serve-bench", "--size", "0"], "--size"),
        (vec!["serve-bench", "--seconds", "0"], "--seconds"),
        (vec!["serve-bench", "--rounds", "-1"], "--rounds"),
        (vec!["serve-bench", "--depths", "0"], "--depths"),
        (vec!["serve-bench", "--granule", "3KiB"], "--granule"),
        (vec!["rtl-bench", "--ops", "x"], "--ops"),
    ];
    for (flag, value) in [
        ("--lba-size", "3"),
        ("--granule", "3KiB"),
        ("--chunk", "0"),
        ("--queue-depth", "0"),
        ("--max-passes", "0"),
        ("--copy-rate", "0"),
        ("--copy-rate", "-1"),
        ("--threshold", "x"),
    ] {
        cases.push((serve(flag, value), flag));
    }
    for (args, flag) in cases {
        check_refused(&args, flag);
    }
    let _ = std::fs::remove_file(&path);
}

/// A backend or waveform choice the run cannot take (an RTL build too small for the
/// namespace, or none built in; a namespace beyond any tracker's granule registers; a VCD
/// of the golden model) is the user's input: one line naming the flag, exit status 2.
#[test]
fn backend_choices_the_run_cannot_take_are_refused() {
    let vcd = std::env::temp_dir().join(format!("lmsnoop-cli-{}-golden.vcd", std::process::id()));
    let vcd = vcd.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "migrate",
                "--backend",
                "rtl",
                "--namespace",
                "256GiB",
                "--granule",
                "64KiB",
            ],
            "--backend",
        ),
        (
            &["migrate", "--namespace", "64TiB", "--granule", "4KiB"],
            "--granule",
        ),
        (&["migrate", "--vcd", vcd, "--namespace", "64MiB"], "--vcd"),
        (
            &["replay", "tests/traces/figure1.trace", "--vcd", vcd],
            "--vcd",
        ),
    ];
    for (args, flag) in cases {
        check_refused(args, flag);
    }
    assert!(
        !std::path::Path::new(vcd).exists(),
        "a VCD was written anyway"
    );
}

/// Files a command would write only after its run (a queue dump, a plot, a JSON report)
/// are checked before it, and a server's source and target before it listens: a path
/// that cannot be used is bad input, refused with the flag named, nothing run.
#[test]
fn unusable_files_are_refused_before_the_run() {
    let dir = std::env::temp_dir().join(format!("lmsnoop-cli-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, bytes: usize| {
        let p = dir.join(name);
        std::fs::write(&p, vec![0u8; bytes]).unwrap();
        p.to_str().unwrap().to_string()
    };
    let (empty, odd, image, full) = (
        file("empty.img", 0),
        file("odd.img", 100),
        file("image.img", 4096),
        file("full.img", 4096),
    );
    let fresh = dir.join("fresh.img").to_str().unwrap().to_string();
    let nowhere = "/nonexistent/dir/out";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "migrate",
                "--report",
                "tp4159",
                "--cdq-dump",
                nowhere,
                "--namespace",
                "64MiB",
            ],
            "--cdq-dump",
        ),
        (
            vec!["compare", "--plot", nowhere, "--namespace", "64MiB"],
            "--plot",
        ),
        (vec!["tabulate", "--plot", nowhere, &image], "--plot"),
        (
            vec!["serve", "--source", nowhere, "--target", &fresh],
            "--source",
        ),
        (
            vec!["serve", "--source", &empty, "--target", &fresh],
            "--source",
        ),
        (
            vec!["serve", "--source", &odd, "--target", &fresh],
            "--source",
        ),
        (
            vec!["serve", "--source", &image, "--target", &full],
            "--target",
        ),
        (
            vec!["serve", "--source", &image, "--target", nowhere],
            "--target",
        ),
        (
            vec![
                "serve", "--source", &image, "--target", &fresh, "--json", nowhere,
            ],
            "--json",
        ),
    ];
    for (args, flag) in &cases {
        check_refused(args, flag);
    }
    assert_eq!(
        std::fs::read(&full).unwrap(),
        vec![0u8; 4096],
        "a target was touched"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The RTL's VCD file cannot be created: refused before any run.
#[cfg(feature = "rtl")]
#[test]
fn an_unwritable_vcd_is_refused() {
    check_refused(
        &[
            "migrate",
            "--backend",
            "rtl",
            "--vcd",
            "/nonexistent/dir/x.vcd",
            "--namespace",
            "64MiB",
        ],
        "--vcd",
    );
}

fn check_refused(args: &[&str], flag: &str) {
    let out = lmsnoop(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: not one line:\n{err}"
    );
    assert!(
        err.contains(flag),
        "{args:?}: the message does not name {flag}: {err}"
    );
    assert!(out.stdout.is_empty(), "{args:?}: ran anyway");
}

/// Target writes that fail (an outage, a bad range that heals, the drive at random) are
/// counted by cause in the table and the JSON, and every failed granule is copied again.
#[test]
fn target_faults_are_counted_and_recopied() {
    let mut args = vec![
        "migrate",
        "--target-outage-at-pass",
        "0",
        "--outage-writes",
        "30",
        "--bad-target-range",
        "1000:4000:2",
        "--target-fail-rate",
        "0.01",
    ];
    args.extend_from_slice(SMALL);
    let out = lmsnoop(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let line = (table.lines())
        .find(|l| l.starts_with("copy failures: "))
        .unwrap_or_else(|| panic!("no failure line:\n{table}"));
    assert!(
        line.contains("30 in an outage") && line.contains("in a bad range"),
        "{line}"
    );
    args.push("--json");
    let v: serde_json::Value = serde_json::from_slice(&lmsnoop(&args).stdout).unwrap();
    let by_cause = &v["copy_failures_by_cause"];
    assert_eq!(by_cause["outage"], 30, "{v}");
    assert!(by_cause["bad_range"].as_u64() > Some(0), "{v}");
    let n = |key: &str| v[key].as_u64().unwrap();
    assert_eq!(
        n("copy_failures"),
        ["drive", "bad_range", "outage"]
            .iter()
            .map(|k| by_cause[k].as_u64().unwrap())
            .sum::<u64>()
    );
    assert_eq!(n("recopied_after_failure"), n("failed_copies"));
    assert_eq!(n("lost_updates"), 0);
}

/// A copy that keeps failing in the quiesced final pass stops the migration with an
/// error after --final-retries attempts: no table claiming a consistent target.
#[test]
fn a_final_pass_that_cannot_copy_refuses_the_switch_over() {
    let mut args = vec![
        "migrate",
        "--bad-target-range",
        "0:1:1000",
        "--final-retries",
        "3",
    ];
    args.extend_from_slice(SMALL);
    let out = lmsnoop(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("failed 4 time(s) in the final pass") && err.contains("switch-over refused"),
        "{err}"
    );
    assert!(
        !text(&out.stdout).contains("lost updates 0"),
        "reported a result"
    );
}

/// A namespace whose bitmaps cannot fit in memory is refused before anything is allocated,
/// with the size it would need.
#[test]
fn a_namespace_too_large_for_memory_is_refused_up_front() {
    let out = lmsnoop(&["migrate", "--namespace", "64PiB", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("64 PiB in 4 KiB granules needs 8192.0 GiB for its bitmaps")
            && err.contains("choose a larger --granule"),
        "{err}"
    );
}

/// The scale benchmark runs one migrate child per size and reports each one's figures.
#[test]
fn scale_reports_each_size() {
    let out = lmsnoop(&[
        "scale",
        "--from",
        "64MiB",
        "--to",
        "256MiB",
        "--granule",
        "4KiB",
        "--chunk",
        "64KiB",
        "--writes",
        "1000",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (row, mib) in rows.iter().zip([64u64, 128, 256]) {
        assert_eq!(row["namespace_bytes"], mib << 20);
        assert_eq!(row["granules"], (mib << 20) / 4096);
        let writes = row["user_writes"].as_u64().unwrap();
        assert!((500..3000).contains(&writes), "writes not held: {row}");
        assert!(row["peak_rss_bytes"].as_u64().unwrap() > 0);
    }
    let out = lmsnoop(&["scale", "--from", "2GiB", "--to", "1GiB"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn every_command_has_help() {
    for cmd in [
        "migrate",
        "compare",
        "replay",
        "bench",
        "scale",
        "cdq-decode",
    ] {
        let out = lmsnoop(&[cmd, "--help"]);
        assert!(
            out.status.success() && text(&out.stdout).contains("Usage"),
            "{cmd}"
        );
    }
}

#[test]
fn bench_reports_throughput() {
    let out = lmsnoop(&["bench", "--ops", "200000", "--granules", "65536", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    assert!(
        json.contains("\"ops_per_second\":") && json.contains("\"method\":\"cursor\""),
        "{json}"
    );
}

#[cfg(not(feature = "hw"))]
#[test]
fn hardware_commands_without_the_feature_say_how_to_get_them() {
    for args in [
        &["synth", "--target", "xc7"][..],
        &["formal", "--depth", "2"],
        &["gen-verilog"],
    ] {
        let out = lmsnoop(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = text(&out.stderr);
        assert!(
            err.contains("cargo build --release --features hw"),
            "{args:?}: {err}"
        );
    }
}

#[cfg(not(feature = "rtl"))]
#[test]
fn rtl_backend_without_the_feature_says_how_to_get_it() {
    let out = lmsnoop(&["replay", "tests/traces/figure1.trace", "--backend", "rtl"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--features rtl"),
        "{}",
        text(&out.stderr)
    );
}

#[cfg(feature = "rtl")]
#[test]
fn replay_on_the_rtl_with_a_vcd() {
    let vcd = std::env::temp_dir().join(format!("lmsnoop-cli-{}.vcd", std::process::id()));
    let vcd_arg = vcd.to_str().unwrap();
    let out = lmsnoop(&[
        "replay",
        "tests/traces/figure1.trace",
        "--backend",
        "rtl",
        "--vcd",
        vcd_arg,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "plan 0-8\nactive 0-2,9\n");
    let dump = std::fs::read_to_string(&vcd).expect("VCD written");
    let _ = std::fs::remove_file(&vcd);
    assert!(
        dump.contains("$enddefinitions") && dump.contains("uw_valid"),
        "not a VCD of the block"
    );
}

#[cfg(feature = "rtl")]
#[test]
fn migrate_on_the_rtl_matches_the_golden_model() {
    rtl_matches_golden(&[]);
}

/// The TP4159 front end drains the RTL's buffers as it drains the golden model's.
#[cfg(feature = "rtl")]
#[test]
fn tp4159_migration_on_the_rtl_matches_the_golden_model() {
    rtl_matches_golden(&["--report", "tp4159"]);
}

/// Injected target failures reach the RTL's MarkDirty as they reach the golden model's.
/// A migration-server failover: the standby's copy journal and mid-pass query reach the
/// RTL as they reach the golden model; with bitmap only the copies in flight come again.
#[cfg(feature = "rtl")]
#[test]
fn failover_on_the_rtl_matches_the_golden_model() {
    let run = rtl_matches_golden(&["--failover-at-pass", "1", "--failover-fraction", "0.4"]);
    let v: serde_json::Value = serde_json::from_str(&run).unwrap();
    let f = &v["failover"];
    assert!(f["in_flight"].as_u64() > Some(0), "{v}");
    assert!(
        f["recopied_after_failover"].as_u64() <= f["in_flight"].as_u64(),
        "{v}"
    );
}

/// 512 B source blocks onto 4 KiB target blocks, with 512 B user writes.
#[cfg(feature = "rtl")]
#[test]
fn migration_across_block_sizes_on_the_rtl_matches_the_golden_model() {
    let run = rtl_matches_golden(&[
        "--lba-size",
        "512B",
        "--target-lba-size",
        "4KiB",
        "--write-size",
        "512B",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run).unwrap();
    assert_eq!(v["lost_updates"], 0, "{v}");
}

#[cfg(feature = "rtl")]
#[test]
fn migration_with_target_faults_on_the_rtl_matches_the_golden_model() {
    let run = rtl_matches_golden(&[
        "--target-outage-at-pass",
        "1",
        "--outage-writes",
        "40",
        "--bad-target-range",
        "4096:2048:2",
        "--target-fail-rate",
        "0.02",
        "--firmware-restart-at-pass",
        "2",
        "--tracker-reset-at-pass",
        "1",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run).unwrap();
    assert_eq!(v["firmware_restarts"], 1, "{v}");
    assert_eq!(v["tracker_resets"], 1, "{v}");
    for cause in ["drive", "bad_range", "outage"] {
        assert!(v["copy_failures_by_cause"][cause].as_u64() > Some(0), "{v}");
    }
}

/// Runs `migrate --json` with `extra` on both backends, checks they agree, and returns
/// the golden run's JSON (the process's own costs cut off).
#[cfg(feature = "rtl")]
fn rtl_matches_golden(extra: &[&str]) -> String {
    let run = |backend: &str| {
        let mut args = vec![
            "migrate",
            "--json",
            "--backend",
            backend,
            "--namespace",
            "256MiB",
        ];
        args.extend_from_slice(&SMALL[2..]);
        args.extend_from_slice(extra);
        let out = lmsnoop(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json = text(&out.stdout);
        // Everything but the backend name and the process's own costs must agree.
        let cut = json.find(",\"wall_seconds\"").unwrap_or(json.len());
        json[..cut].replace("\"backend\":\"rtl\"", "\"backend\":\"golden\"") + "}"
    };
    let golden = run("golden");
    assert_eq!(run("rtl"), golden);
    golden
}

/// `migrate --report tp4159` plans every pass from the queue and gives the figures of the
/// Query BDP path; its dump holds exactly the entries the host read, which `cdq-decode`
/// prints one per line.
#[test]
fn tp4159_migration_dumps_what_the_host_read_and_cdq_decode_prints_it() {
    let dump = std::env::temp_dir().join(format!("lmsnoop-cdq-{}.bin", std::process::id()));
    let dump_arg = dump.to_str().unwrap();
    let mut args = vec![
        "migrate",
        "--json",
        "--report",
        "tp4159",
        "--cdq-dump",
        dump_arg,
    ];
    args.extend_from_slice(SMALL);
    let out = lmsnoop(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tp: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut args = vec!["migrate", "--json"];
    args.extend_from_slice(SMALL);
    let qb: serde_json::Value = serde_json::from_slice(&lmsnoop(&args).stdout).unwrap();
    for key in [
        "passes",
        "copied_granules",
        "redundant_copies",
        "final_pass_granules",
    ] {
        assert_eq!(tp[key], qb[key], "{key}");
    }
    let t = &tp["tp4159"];
    let read = t["entries_read"].as_u64().unwrap();
    assert!(read > 0 && t["queue_full"] == 0, "{t}");
    let bytes = std::fs::read(&dump).unwrap();
    assert_eq!(bytes.len() as u64, 32 * read);
    assert_eq!(t["host_read_bytes"].as_u64(), Some(32 * read));

    let out = lmsnoop(&["cdq-decode", dump_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert_eq!(
        listing.lines().count() as u64,
        read + 1,
        "one line per entry and a total"
    );
    assert!(
        listing.lines().next().unwrap().contains("esa first"),
        "{listing}"
    );
    assert!(listing.contains("last (suspended)") && listing.contains("last (logging stopped)"));
    assert!(listing.trim_end().ends_with("LBAs"), "{listing}");

    // A file that is not whole entries is refused as bad input.
    std::fs::write(&dump, &bytes[..33]).unwrap();
    let out = lmsnoop(&["cdq-decode", dump_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not whole 32-byte entries"));
    std::fs::remove_file(&dump).unwrap();
}

/// `compare --report tp4159` adds the queue's figures per method.
#[test]
fn compare_over_tp4159_reports_entries_and_ring_size_per_method() {
    let mut args = vec!["compare", "--report", "tp4159"];
    args.extend_from_slice(SMALL);
    let out = lmsnoop(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("cdq_entries") && table.contains("ring_needed"),
        "{table}"
    );
}

/// Runs saved as JSON come back as the `compare` table.
#[test]
fn tabulate_prints_saved_runs_as_compare_does() {
    let dir = std::env::temp_dir().join(format!("lmsnoop-tab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for m in ["naive", "bitmap"] {
        let mut args = vec!["migrate", "--json", "--method", m];
        args.extend_from_slice(SMALL);
        let out = lmsnoop(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let path = dir.join(format!("{m}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        files.push(path.to_str().unwrap().to_string());
    }
    let mut args = vec!["compare"];
    args.extend_from_slice(SMALL);
    let compared = text(&lmsnoop(&args).stdout);
    let out = lmsnoop(&["tabulate", &files[0], &files[1]]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for m in ["naive", "bitmap"] {
        let row = |t: &str| {
            t.lines()
                .find(|l| l.trim_start().starts_with(m))
                .map(str::to_string)
        };
        assert_eq!(row(&table), row(&compared), "{m}: {table}\n{compared}");
    }
    std::fs::write(dir.join("bad.json"), "not json").unwrap();
    let out = lmsnoop(&["tabulate", dir.join("bad.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
