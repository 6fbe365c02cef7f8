//! `lmsnoop scale`: how the simulator's wall time and memory grow with the namespace, the
//! user writes held fixed. Each size runs `lmsnoop migrate --json` in a child process of
//! its own, so that each peak RSS is that run's alone.

use anyhow::{bail, ensure, Context, Result};
use lmsnoop_regs::units::format_size;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// What one size of the series asks of the migrate command.
#[derive(Clone, Debug)]
pub struct ScaleSpec {
    pub namespace: u64,
    pub granule: u64,
    pub chunk: u64,
    pub lba_size: u64,
    pub mapped: f64,
    /// User writes the run should see, about: the write rate is set from it.
    pub writes: u64,
    pub seed: u64,
}

impl ScaleSpec {
    pub fn granules(&self) -> u64 {
        self.namespace.div_ceil(self.granule)
    }

    /// User writes per copied granule that give about `writes` of them: pass 0 copies the
    /// mapped granules and takes most of the writes.
    pub fn write_rate(&self) -> f64 {
        self.writes as f64 / (self.mapped * self.granules() as f64)
    }

    /// The migrate arguments of this size.
    pub fn args(&self) -> Vec<String> {
        vec![
            "migrate".into(),
            "--namespace".into(),
            self.namespace.to_string(),
            "--granule".into(),
            self.granule.to_string(),
            "--chunk".into(),
            self.chunk.to_string(),
            "--lba-size".into(),
            self.lba_size.to_string(),
            "--mapped".into(),
            self.mapped.to_string(),
            "--write-rate".into(),
            format!("{:e}", self.write_rate()),
            "--seed".into(),
            self.seed.to_string(),
            "--quiet".into(),
            "--json".into(),
        ]
    }
}

/// One measured size.
#[derive(Clone, Debug)]
pub struct ScaleRow {
    pub namespace: u64,
    pub granules: u64,
    /// The bitmaps the run holds (four bits per granule, `SimConfig::BITMAPS`).
    pub bitmap_bytes: u64,
    pub user_writes: u64,
    pub passes: u64,
    pub wall_seconds: f64,
    pub peak_rss_bytes: u64,
}

fn number(v: &Value, key: &str) -> Result<f64> {
    v.get(key)
        .and_then(Value::as_f64)
        .with_context(|| format!("migrate --json has no number {key:?}"))
}

/// Runs `exe migrate` for one size and reads its report.
pub fn measure(exe: &Path, spec: &ScaleSpec) -> Result<ScaleRow> {
    let out = Command::new(exe)
        .args(spec.args())
        .output()
        .with_context(|| format!("running {}", exe.display()))?;
    if !out.status.success() {
        bail!(
            "migrate --namespace {} failed: {}",
            format_size(spec.namespace),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let report: Value = serde_json::from_slice(&out.stdout).context("parsing migrate --json")?;
    Ok(ScaleRow {
        namespace: spec.namespace,
        granules: spec.granules(),
        bitmap_bytes: crate::world::SimConfig::BITMAPS * spec.granules().div_ceil(64) * 8,
        user_writes: number(&report, "user_writes")? as u64,
        passes: number(&report, "passes")? as u64,
        wall_seconds: number(&report, "wall_seconds")?,
        peak_rss_bytes: number(&report, "peak_rss_bytes")? as u64,
    })
}

/// Namespaces from `from` to `to`, doubling.
pub fn doublings(from: u64, to: u64) -> Result<Vec<u64>> {
    ensure!(from > 0 && from <= to, "the series needs 0 < from <= to");
    let mut sizes = vec![from];
    while let Some(next) = sizes.last().and_then(|s| s.checked_mul(2)) {
        if next > to {
            break;
        }
        sizes.push(next);
    }
    Ok(sizes)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

/// The series as a Markdown table.
pub fn table(rows: &[ScaleRow]) -> String {
    let mut s = String::from(
        "| namespace | granules | bitmaps | user writes | passes | wall | peak RSS | RSS beyond the bitmaps |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {:.0} MiB | {} | {} | {:.1} s | {:.0} MiB | {:.0} MiB |\n",
            format_size(r.namespace),
            r.granules,
            mib(r.bitmap_bytes),
            r.user_writes,
            r.passes,
            r.wall_seconds,
            mib(r.peak_rss_bytes),
            mib(r.peak_rss_bytes.saturating_sub(r.bitmap_bytes)),
        ));
    }
    s
}

/// The series as JSON.
pub fn json(rows: &[ScaleRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "namespace_bytes": r.namespace,
                    "granules": r.granules,
                    "bitmap_bytes": r.bitmap_bytes,
                    "user_writes": r.user_writes,
                    "passes": r.passes,
                    "wall_seconds": r.wall_seconds,
                    "peak_rss_bytes": r.peak_rss_bytes,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doublings_cover_the_range() {
        assert_eq!(doublings(1, 8).unwrap(), [1, 2, 4, 8]);
        assert_eq!(doublings(3, 20).unwrap(), [3, 6, 12]);
        assert!(doublings(0, 8).is_err() && doublings(9, 8).is_err());
    }

    #[test]
    fn the_write_rate_holds_the_writes() {
        let spec = |namespace| ScaleSpec {
            namespace,
            granule: 65536,
            chunk: 1 << 20,
            lba_size: 4096,
            mapped: 0.8,
            writes: 4_000_000,
            seed: 1,
        };
        let (a, b) = (spec(1 << 40), spec(1 << 46));
        let writes = |s: &ScaleSpec| s.write_rate() * s.mapped * s.granules() as f64;
        assert!((writes(&a) - 4e6).abs() < 1.0 && (writes(&b) - 4e6).abs() < 1.0);
        assert!(a.args().contains(&"--json".to_string()));
    }
}
