//! The patent's figure 1 under each method, through the trace replayer and the firmware.

use lmsnoop::replay;
use lmsnoop_sim::GoldenTracker;

const FIGURE1: &str = include_str!("traces/figure1.trace");

fn run(trace_text: &str) -> String {
    let trace = replay::parse(trace_text).expect("trace parses");
    let mut out = Vec::new();
    replay::run(&trace, GoldenTracker::new(trace.granules()), &mut out).expect("trace runs");
    String::from_utf8(out).unwrap()
}

fn with_method(method: &str) -> String {
    FIGURE1.replace("start cursor", &format!("start {method}"))
}

#[test]
fn cursor_prints_the_figure() {
    assert_eq!(run(FIGURE1), "plan 0-8\nactive 0-2,9\n");
}

#[test]
fn bitmap_gives_the_same_active_set() {
    assert_eq!(run(&with_method("bitmap")), "plan 0-8\nactive 0-2,9\n");
}

/// `clear` marks the whole write (0-9) and takes back 3-8 when the pass copies them: at
/// the end of the pass its active set is the same as cursor's and bitmap's.
#[test]
fn clear_reaches_the_same_active_set_when_the_pass_completes() {
    let rest_of_pass = "copy 3 6\nactive\n";
    assert_eq!(run(&with_method("clear")), "plan 0-8\nactive 0-9\n");
    for (method, mid_pass) in [("cursor", "0-2,9"), ("bitmap", "0-2,9"), ("clear", "0-9")] {
        let out = run(&(with_method(method) + rest_of_pass));
        assert_eq!(
            out,
            format!("plan 0-8\nactive {mid_pass}\nactive 0-2,9\n"),
            "{method}"
        );
    }
}

#[test]
fn naive_marks_everything_written() {
    assert_eq!(run(&with_method("naive")), "plan 0-8\nactive 0-9\n");
}

/// The next pass's plan is the active set, and a swap of the drained plan reports it.
#[test]
fn swap_and_query_the_next_plan() {
    for method in ["cursor", "bitmap", "clear"] {
        let out = run(&(with_method(method) + "copy 3 6\nswap\nquery\nactive\n"));
        assert!(
            out.ends_with("swap 4\nplan 0-2,9\nactive -\n"),
            "{method}: {out}"
        );
    }
}

/// A bad write is flagged, and its in-namespace part still marked (conservative).
#[test]
fn bad_input_is_reported_and_conservative() {
    let out = run("geometry 12 0\nstart bitmap\nwrite 10 5\nactive\n");
    assert_eq!(out, "error LBA_RANGE\nactive 10-11\n");
}
