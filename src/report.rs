//! Human tables and JSON objects for migration runs, and the check that their files can
//! be written.

use crate::faults::FailureCounts;
use crate::metrics::{CdqFigures, PassMetrics, RunReport};
use anyhow::{Context, Result};
use lmsnoop_regs::Method;
use lmsnoop_regs::{flag_names, ERR_FLAGS};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Fails, naming `flag`, when the file a run will write at `path` cannot be written:
/// checked before the run, so that its results are not lost to a typo at the end. Opens
/// without truncating; a file it creates stays empty if the run then fails.
pub fn writable(flag: &str, path: &std::path::Path) -> Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map(drop)
        .with_context(|| format!("{flag} {}: cannot be written", path.display()))
}

/// Peak resident memory of this process (Linux VmHWM), if the kernel tells.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Memory the kernel could give this process now (Linux `MemAvailable`).
pub fn available_memory_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Wall time and memory of the process, reported beside the simulated figures.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    pub wall_seconds: f64,
    pub peak_rss_bytes: Option<u64>,
}

fn pass_json(p: &PassMetrics) -> Value {
    let mut pass = json!({
        "pass": p.pass,
        "final": p.is_final,
        "user_writes": p.user_writes,
        "planned_granules": p.planned,
        "copied_granules": p.copied,
        "redundant_copies": p.redundant,
        "bits_set": p.bits_set,
        "bits_skipped": p.bits_skipped,
        "bits_cleared": p.bits_cleared,
        "failed_copies": p.failed_copies,
        "copy_failures": p.copy_failures,
        "after_reset": p.after_reset,
        "recopied_after_failure": p.recopied_after_failure,
        "duration_us": p.duration_ns as f64 / 1e3,
    });
    if let (Some(entries), Some(fields)) = (p.cdq_entries, pass.as_object_mut()) {
        fields.insert("cdq_entries".into(), entries.into());
        fields.insert("per_write_entries".into(), p.writes_logged.into());
    }
    pass
}

/// Entries per user write of a per-write logging controller (0 when it posts none).
fn entry_ratio(t: &CdqFigures) -> f64 {
    if t.per_write_entries == 0 {
        0.0
    } else {
        t.entries_read as f64 / t.per_write_entries as f64
    }
}

fn tp4159_json(t: &CdqFigures) -> Value {
    json!({
        "ring_slots": t.ring_slots,
        "entries_posted": t.entries_posted,
        "entries_read": t.entries_read,
        "host_read_bytes": t.host_read_bytes,
        "max_drain_entries": t.max_drain_entries,
        "ring_needed_slots": t.ring_needed_slots,
        "ring_needed_bytes": t.ring_needed_slots * 32,
        "queue_full": t.queue_full,
        "per_write_entries": t.per_write_entries,
        "entries_vs_per_write": entry_ratio(t),
        "query_bdp_bytes": t.query_bdp_bytes,
    })
}

/// The TP4159 summary under a run's table.
fn tp4159_lines(t: &CdqFigures) -> String {
    let mut out = format!(
        "TP4159: {} entries read ({} B of host memory) from a ring of {} slots; a per-write \
         logging controller would post {} (ratio {:.4}); Query BDP would stream {} B\n",
        t.entries_read,
        t.host_read_bytes,
        t.ring_slots,
        t.per_write_entries,
        entry_ratio(t),
        t.query_bdp_bytes
    );
    writeln!(
        out,
        "TP4159: at most {} entries per drain; a ring of {} slots ({} B) never fills; queue full {} time(s)",
        t.max_drain_entries,
        t.ring_needed_slots,
        t.ring_needed_slots * 32,
        t.queue_full
    )
    .unwrap();
    out
}

/// The report of one run as one JSON object; `cost` appends the process's own figures.
pub fn run_json(r: &RunReport, cost: Option<Cost>) -> Value {
    let mut run = json!({
        "method": r.method.name(),
        "workload": r.workload,
        "seed": r.seed,
        "backend": r.backend,
        "namespace_lbas": r.namespace_lbas,
        "granule_shift": r.granule_shift,
        "granules": r.granules,
        "mapped_granules": r.mapped_granules,
        "passes": r.passes(),
        "converged": r.converged,
        "user_writes": r.user_writes(),
        "copied_granules": r.copied_granules(),
        "redundant_copies": r.redundant_copies(),
        "bits_set": r.bits_set(),
        "bits_skipped": r.bits_skipped(),
        "bits_cleared": r.bits_cleared(),
        "failed_copies": r.failed_copies(),
        "final_pass_granules": r.final_pass_granules(),
        "downtime_us": r.downtime_ns as f64 / 1e3,
        "simulated_seconds": r.sim_time_ns as f64 / 1e9,
        "lost_updates": r.lost_updates,
        "lost_examples": r.lost_examples,
        "device_errors": flag_names(ERR_FLAGS, r.device_errors),
        "per_pass": r.per_pass.iter().map(pass_json).collect::<Vec<_>>(),
    });
    if let Some(fields) = run.as_object_mut() {
        // Beside failed_copies; inserted, not in the literal: json! recursion limit.
        let at = 1 + fields
            .keys()
            .position(|k| k == "failed_copies")
            .unwrap_or(0);
        let f = &r.failures;
        let by_cause = json!({"drive": f.drive, "bad_range": f.bad_range, "outage": f.outage});
        for (i, (key, value)) in [
            ("copy_failures", r.copy_failures().into()),
            ("recopied_after_failure", r.recopied_after_failure().into()),
            ("copy_failures_by_cause", by_cause),
            ("firmware_restarts", r.firmware_restarts.into()),
            ("tracker_resets", r.tracker_resets.into()),
            (
                "failover",
                r.failover.map_or(Value::Null, |f| {
                    json!({
                        "pass": f.pass,
                        "read_before": f.read_before,
                        "in_flight": f.in_flight,
                        "left": f.left,
                        "recopied_after_failover": f.recopied,
                    })
                }),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            fields.shift_insert(at + i, key.into(), value);
        }
        if let Some(t) = &r.tp4159 {
            fields.insert("tp4159".into(), tp4159_json(t));
        }
    }
    add_cost(&mut run, cost);
    run
}

/// Appends `wall_seconds` and `peak_rss_bytes` to a JSON object.
pub fn add_cost(object: &mut Value, cost: Option<Cost>) {
    if let (Some(c), Some(fields)) = (cost, object.as_object_mut()) {
        fields.insert("wall_seconds".into(), c.wall_seconds.into());
        fields.insert("peak_rss_bytes".into(), c.peak_rss_bytes.into());
    }
}

/// Right-aligned columns with a header row.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let parts: Vec<String> = cells
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        writeln!(out, "{}", parts.join("  ").trim_end()).unwrap();
    };
    line(&mut out, &mut header.iter().copied());
    for row in rows {
        line(&mut out, &mut row.iter().map(String::as_str));
    }
    out
}

fn ms(ns: u64) -> String {
    format!("{:.3}", ns as f64 / 1e6)
}

pub fn run_table(r: &RunReport, cost: Option<Cost>) -> String {
    let mut header = vec![
        "pass",
        "planned",
        "copied",
        "redundant",
        "user_writes",
        "bits_set",
        "skipped",
        "cleared",
        "failed",
        "ms",
    ];
    if r.tp4159.is_some() {
        header.extend(["entries", "per_write"]);
    }
    let mut rows: Vec<Vec<String>> = r
        .per_pass
        .iter()
        .map(|p| {
            let name = if p.is_final {
                format!("{} final", p.pass)
            } else {
                p.pass.to_string()
            };
            let mut row = vec![
                name,
                p.planned.to_string(),
                p.copied.to_string(),
                p.redundant.to_string(),
                p.user_writes.to_string(),
                p.bits_set.to_string(),
                p.bits_skipped.to_string(),
                p.bits_cleared.to_string(),
                p.failed_copies.to_string(),
                ms(p.duration_ns),
            ];
            if r.tp4159.is_some() {
                row.push(p.cdq_entries.map_or("-".into(), |e| e.to_string()));
                row.push(p.writes_logged.to_string());
            }
            row
        })
        .collect();
    rows.push(vec![
        "total".into(),
        r.per_pass
            .iter()
            .map(|p| p.planned)
            .sum::<u64>()
            .to_string(),
        r.copied_granules().to_string(),
        r.redundant_copies().to_string(),
        r.user_writes().to_string(),
        r.bits_set().to_string(),
        r.bits_skipped().to_string(),
        r.bits_cleared().to_string(),
        r.failed_copies().to_string(),
        ms(r.sim_time_ns),
    ]);
    if let (Some(t), Some(total)) = (&r.tp4159, rows.last_mut()) {
        total.push(t.entries_read.to_string());
        total.push(t.per_write_entries.to_string());
    }
    let mut out = format!(
        "method {}, workload {}, seed {}, backend {}: {} LBAs in {} granules of 2^{} LBAs, {} mapped\n\n",
        r.method, r.workload, r.seed, r.backend, r.namespace_lbas, r.granules, r.granule_shift, r.mapped_granules
    );
    out += &table(&header, &rows);
    writeln!(
        out,
        "\npasses {} ({}), final pass {} granules, downtime {} ms, lost updates {}",
        r.passes(),
        if r.converged {
            "converged"
        } else {
            "pass limit reached"
        },
        r.final_pass_granules(),
        ms(r.downtime_ns),
        r.lost_updates
    )
    .unwrap();
    if let Some(t) = &r.tp4159 {
        out += &tp4159_lines(t);
    }
    if r.failures.total() > 0 {
        out += &failure_line(r);
    }
    if r.tracker_resets > 0 {
        let full: Vec<String> = (r.per_pass.iter())
            .filter(|p| p.after_reset)
            .map(|p| format!("pass {} copied all {} granules", p.pass, p.planned))
            .collect();
        writeln!(
            out,
            "tracker state lost {} time(s), the whole namespace assumed dirty: {}",
            r.tracker_resets,
            full.join(", ")
        )
        .unwrap();
    }
    if let Some(f) = r.failover {
        writeln!(
            out,
            "server failover in pass {}: {} granules read before it ({} in flight), {} left; \
             recopied after failover: {} granules",
            f.pass, f.read_before, f.in_flight, f.left, f.recopied
        )
        .unwrap();
    }
    if r.firmware_restarts > 0 {
        writeln!(
            out,
            "device firmware restarted {} time(s), re-attached from the registers",
            r.firmware_restarts
        )
        .unwrap();
    }
    if r.device_errors != 0 {
        writeln!(
            out,
            "device errors: {}",
            flag_names(ERR_FLAGS, r.device_errors).join(", ")
        )
        .unwrap();
    }
    if !r.lost_examples.is_empty() {
        let ex: Vec<String> = r.lost_examples.iter().map(u64::to_string).collect();
        writeln!(out, "lost granules (first {}): {}", ex.len(), ex.join(", ")).unwrap();
    }
    if let Some(c) = cost {
        let rss = c.peak_rss_bytes.map_or("unknown".into(), |b| {
            format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
        });
        writeln!(out, "wall {:.2} s, peak RSS {rss}", c.wall_seconds).unwrap();
    }
    out
}

/// The failed target writes under a run's table, by cause, and what they cost.
fn failure_line(r: &RunReport) -> String {
    let f = &r.failures;
    let causes: Vec<String> = [
        ("by the drive", f.drive),
        ("in a bad range", f.bad_range),
        ("in an outage", f.outage),
    ]
    .into_iter()
    .filter(|c| c.1 > 0)
    .map(|(why, n)| format!("{n} {why}"))
    .collect();
    format!(
        "copy failures: {} target writes ({}) of {} granules; recopied after failure: {} granules\n",
        f.total(),
        causes.join(", "),
        r.failed_copies(),
        r.recopied_after_failure()
    )
}

/// Percentage by which `value` is below `base` (0 when base is 0).
fn cut(value: u64, base: u64) -> f64 {
    if base == 0 {
        0.0
    } else {
        100.0 * (1.0 - value as f64 / base as f64)
    }
}

/// Redundant copies of the naive run, the baseline of the comparison.
fn naive_redundant(runs: &[RunReport]) -> Option<u64> {
    runs.iter()
        .find(|r| r.method == Method::Naive)
        .map(RunReport::redundant_copies)
}

pub fn compare_table(runs: &[RunReport]) -> String {
    let naive = naive_redundant(runs);
    let tp = runs.iter().any(|r| r.tp4159.is_some());
    let mut header = vec![
        "method",
        "passes",
        "user_writes",
        "copied",
        "redundant",
        "redundant_cut",
        "skipped",
        "cleared",
        "final_pass",
        "downtime_ms",
        "lost",
    ];
    if tp {
        header.extend([
            "cdq_entries",
            "per_write",
            "max_drain",
            "ring_needed",
            "queue_full",
        ]);
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let mut row = vec![
                r.method.to_string(),
                r.passes().to_string(),
                r.user_writes().to_string(),
                r.copied_granules().to_string(),
                r.redundant_copies().to_string(),
                naive.map_or("-".into(), |n| {
                    format!("{:.2}%", cut(r.redundant_copies(), n) + 0.0)
                }),
                r.bits_skipped().to_string(),
                r.bits_cleared().to_string(),
                r.final_pass_granules().to_string(),
                ms(r.downtime_ns),
                r.lost_updates.to_string(),
            ];
            if let Some(t) = &r.tp4159 {
                row.extend([
                    t.entries_read.to_string(),
                    t.per_write_entries.to_string(),
                    t.max_drain_entries.to_string(),
                    t.ring_needed_slots.to_string(),
                    t.queue_full.to_string(),
                ]);
            }
            row
        })
        .collect();
    let first = &runs[0];
    format!(
        "workload {}, seed {}, backend {}: {} granules of 2^{} LBAs, {} mapped\n\n{}",
        first.workload,
        first.seed,
        first.backend,
        first.granules,
        first.granule_shift,
        first.mapped_granules,
        table(&header, &rows)
    )
}

pub fn compare_json(runs: &[RunReport], cost: Option<Cost>) -> Value {
    let naive = naive_redundant(runs);
    let methods: Vec<Value> = runs
        .iter()
        .map(|r| {
            let mut run = run_json(r, None);
            let reduction = naive.map(|n| cut(r.redundant_copies(), n));
            if let Some(fields) = run.as_object_mut() {
                fields.shift_insert(
                    7,
                    "redundant_reduction_vs_naive_pct".into(),
                    reduction.into(),
                );
            }
            run
        })
        .collect();
    let mut compare = json!({ "methods": methods });
    add_cost(&mut compare, cost);
    compare
}

/// A run back from the JSON `run_json` wrote (`migrate --json`, `serve --json`), for
/// tabulating runs made apart.
pub fn run_from_json(v: &Value) -> anyhow::Result<RunReport> {
    use anyhow::Context;
    let u = |v: &Value, key: &str| -> anyhow::Result<u64> {
        v[key]
            .as_u64()
            .with_context(|| format!("no integer {key:?}"))
    };
    let method = v["method"]
        .as_str()
        .and_then(Method::parse)
        .context("no method")?;
    let per_pass = v["per_pass"]
        .as_array()
        .context("no per_pass")?
        .iter()
        .map(|p| {
            Ok(PassMetrics {
                pass: u(p, "pass")? as u32,
                is_final: p["final"].as_bool().unwrap_or(false),
                user_writes: u(p, "user_writes")?,
                planned: u(p, "planned_granules")?,
                copied: u(p, "copied_granules")?,
                redundant: u(p, "redundant_copies")?,
                bits_set: u(p, "bits_set")?,
                bits_skipped: u(p, "bits_skipped")?,
                bits_cleared: u(p, "bits_cleared")?,
                failed_copies: u(p, "failed_copies")?,
                // Absent from runs saved before they were reported.
                copy_failures: p["copy_failures"].as_u64().unwrap_or(0),
                recopied_after_failure: p["recopied_after_failure"].as_u64().unwrap_or(0),
                after_reset: p["after_reset"].as_bool().unwrap_or(false),
                duration_ns: (p["duration_us"].as_f64().unwrap_or(0.0) * 1e3) as u64,
                cdq_entries: p["cdq_entries"].as_u64(),
                writes_logged: p["per_write_entries"].as_u64().unwrap_or(0),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let errors = v["device_errors"]
        .as_array()
        .map(|names| {
            ERR_FLAGS
                .iter()
                .filter(|c| names.iter().any(|n| n.as_str() == Some(c.name)))
                .fold(0, |acc, c| acc | c.value)
        })
        .unwrap_or(0);
    Ok(RunReport {
        method,
        workload: v["workload"].as_str().unwrap_or("?").to_string(),
        seed: u(v, "seed").unwrap_or(0),
        backend: if v["backend"] == "rtl" {
            "rtl"
        } else {
            "golden"
        },
        namespace_lbas: u(v, "namespace_lbas")?,
        granule_shift: u(v, "granule_shift")? as u32,
        granules: u(v, "granules")?,
        mapped_granules: u(v, "mapped_granules")?,
        per_pass,
        converged: v["converged"].as_bool().unwrap_or(false),
        downtime_ns: (v["downtime_us"].as_f64().unwrap_or(0.0) * 1e3) as u64,
        sim_time_ns: (v["simulated_seconds"].as_f64().unwrap_or(0.0) * 1e9) as u64,
        lost_updates: u(v, "lost_updates")?,
        lost_examples: Vec::new(),
        device_errors: errors,
        watch_log: Vec::new(),
        tp4159: None,
        failures: {
            let c = &v["copy_failures_by_cause"];
            let n = |key: &str| c[key].as_u64().unwrap_or(0);
            FailureCounts {
                drive: n("drive"),
                bad_range: n("bad_range"),
                outage: n("outage"),
            }
        },
        firmware_restarts: v["firmware_restarts"].as_u64().unwrap_or(0) as u32,
        tracker_resets: v["tracker_resets"].as_u64().unwrap_or(0) as u32,
        failover: v["failover"].as_object().map(|f| {
            let n = |key: &str| f.get(key).and_then(Value::as_u64).unwrap_or(0);
            crate::faults::FailoverFigures {
                pass: n("pass") as u32,
                read_before: n("read_before"),
                in_flight: n("in_flight"),
                left: n("left"),
                recopied: n("recopied_after_failover"),
            }
        }),
    })
}
