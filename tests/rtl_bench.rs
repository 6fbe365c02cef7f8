//! `lmsnoop rtl-bench` reproduces, cycle for cycle, the table the README publishes under
//! "Measured: `lmsnoop rtl-bench`". Cycle counts from simulation are exact, so any change
//! in the block's timing, or a README that was not updated with it, fails here.
#![cfg(feature = "rtl")]

mod cli_support;

use cli_support::{lmsnoop, text};

/// The README's table: the lines from the heading line to the one before the wall-clock
/// figure, which is the only line that depends on the machine.
fn published_table() -> Vec<String> {
    let readme = include_str!("../README.md");
    let section = readme
        .split("### Measured: `lmsnoop rtl-bench`")
        .nth(1)
        .expect("the README has the rtl-bench section");
    let block = section
        .split("```")
        .nth(1)
        .expect("the section opens with the table in a code block");
    cycle_lines(block)
}

fn cycle_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with("Verilator through the port"))
        .map(String::from)
        .collect()
}

#[test]
fn rtl_bench_prints_the_published_cycle_counts() {
    let out = lmsnoop(&["rtl-bench"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let published = published_table();
    assert!(
        published.len() >= 9,
        "README table too short: {published:?}"
    );
    assert_eq!(
        cycle_lines(&printed),
        published,
        "rtl-bench no longer prints the README's cycle counts; if the change is meant, \
         paste this into the README:\n{printed}"
    );
    assert!(printed.contains("Verilator through the port:"), "{printed}");
}
