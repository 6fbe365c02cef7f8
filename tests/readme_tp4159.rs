//! The TP4159 figures the README publishes are what `lmsnoop migrate --report tp4159` and
//! `lmsnoop compare --report tp4159` print today: a change to the drain, the ring or the
//! simulator that moves them, or a README that was not updated, fails here.

mod cli_support;

use cli_support::{lmsnoop, text};
use serde_json::Value;

/// Rows of the README's TP4159 tables, cells trimmed, header and rule lines left out.
fn readme_rows() -> Vec<Vec<String>> {
    let readme = include_str!("../README.md");
    let start = readme
        .find("## NVMe Live Migration (TP4159)")
        .expect("the README has the TP4159 section");
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    section[..end]
        .lines()
        .filter(|l| {
            l.starts_with('|')
                && !l.starts_with("|--")
                && !l.starts_with("|:")
                && !l.starts_with("| pass")
                && !l.starts_with("| method")
                && !l.contains("---")
        })
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

fn json(args: &[&str]) -> Value {
    let out = lmsnoop(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn num(cell: &str) -> u64 {
    cell.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a number in {cell:?}"))
}

#[test]
fn the_readme_tp4159_tables_are_what_the_commands_print() {
    let rows = readme_rows();
    let passes: Vec<&Vec<String>> = rows.iter().filter(|r| r.len() == 5).collect();
    let methods: Vec<&Vec<String>> = rows.iter().filter(|r| r.len() == 8).collect();
    assert!(
        passes.len() >= 3 && methods.len() == 4,
        "README tables: {rows:?}"
    );

    let run = json(&["migrate", "--report", "tp4159", "--json", "--quiet"]);
    let per_pass = run["per_pass"].as_array().unwrap();
    for row in &passes {
        if row[0] == "total" {
            let t = &run["tp4159"];
            assert_eq!(
                num(&row[2]),
                t["entries_read"].as_u64().unwrap(),
                "total entries"
            );
            assert_eq!(
                num(&row[3]),
                t["per_write_entries"].as_u64().unwrap(),
                "total per-write"
            );
            continue;
        }
        let p = &per_pass[num(&row[0]) as usize];
        let what = format!("README pass row {row:?} against {p}");
        assert_eq!(
            num(&row[1]),
            p["planned_granules"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(num(&row[2]), p["cdq_entries"].as_u64().unwrap(), "{what}");
        assert_eq!(
            num(&row[3]),
            p["per_write_entries"].as_u64().unwrap(),
            "{what}"
        );
    }

    let cmp = json(&["compare", "--report", "tp4159", "--json", "--quiet"]);
    for (row, m) in methods.iter().zip(cmp["methods"].as_array().unwrap()) {
        let t = &m["tp4159"];
        let what = format!("README method row {row:?} against {t}");
        assert_eq!(row[0], m["method"].as_str().unwrap(), "{what}");
        assert_eq!(num(&row[1]), t["entries_read"].as_u64().unwrap(), "{what}");
        assert_eq!(
            num(&row[2]),
            t["per_write_entries"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(
            num(&row[7]),
            t["ring_needed_slots"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(t["queue_full"], 0, "{what}: the default ring never fills");
    }
}
