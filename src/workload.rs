//! User-write workloads and the initial mapping of the source namespace. All seeded.

use crate::rng::{Rng, Zipf};
use anyhow::{bail, Result};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    /// Uniformly random, aligned writes of a fixed size.
    Uniform,
    /// A zipfian hot set scattered over the namespace.
    Zipf,
    /// Sequential append that wraps at the namespace end (a log, a backup stream).
    Sequential,
    /// Uniformly placed writes of 1..=256 blocks.
    Mixed,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 4] = [
        WorkloadKind::Uniform,
        WorkloadKind::Zipf,
        WorkloadKind::Sequential,
        WorkloadKind::Mixed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Uniform => "uniform",
            WorkloadKind::Zipf => "zipf",
            WorkloadKind::Sequential => "sequential",
            WorkloadKind::Mixed => "mixed",
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WorkloadKind {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match WorkloadKind::ALL.into_iter().find(|k| k.name() == s) {
            Some(k) => Ok(k),
            None => bail!("unknown workload {s:?} (expected uniform, zipf, sequential or mixed)"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct WorkloadConfig {
    pub kind: WorkloadKind,
    /// Zipf exponent (0.99 is the YCSB default).
    pub zipf_skew: f64,
    /// Blocks per write for uniform, zipf and sequential.
    pub write_blocks: u32,
}

/// Largest write of the mixed workload, in blocks.
pub const MIXED_MAX_BLOCKS: u64 = 256;

/// A stream of user writes `(slba, blocks)` over a namespace.
pub struct Workload {
    kind: WorkloadKind,
    ns_lbas: u64,
    blocks: u64,
    items: u64,
    stride: u64,
    zipf: Option<Zipf>,
    next_seq: u64,
    rng: Rng,
}

impl Workload {
    /// Refuses a configuration no stream can follow (the CLI reports it as bad input).
    pub fn check(cfg: &WorkloadConfig, ns_lbas: u64) -> Result<()> {
        let blocks = u64::from(cfg.write_blocks);
        if blocks == 0 || blocks > 65536 || blocks > ns_lbas {
            bail!("--write-size of {blocks} blocks does not fit one command in a {ns_lbas}-LBA namespace");
        }
        if cfg.kind == WorkloadKind::Zipf && !(cfg.zipf_skew > 0.0 && cfg.zipf_skew.is_finite()) {
            bail!(
                "--zipf-skew must be a positive number, got {}",
                cfg.zipf_skew
            );
        }
        Ok(())
    }

    pub fn new(cfg: WorkloadConfig, ns_lbas: u64, rng: Rng) -> Result<Self> {
        Self::check(&cfg, ns_lbas)?;
        let blocks = u64::from(cfg.write_blocks);
        let items = ns_lbas / blocks;
        // Hot ranks land on scattered offsets: rank r goes to item (r * stride) mod items,
        // a bijection because stride and items are coprime.
        let mut stride = ((items as f64 * 0.618_033_988_7) as u64).max(1);
        while gcd(stride, items) != 1 {
            stride += 1;
        }
        let zipf = (cfg.kind == WorkloadKind::Zipf).then(|| Zipf::new(items, cfg.zipf_skew));
        Ok(Workload {
            kind: cfg.kind,
            ns_lbas,
            blocks,
            items,
            stride,
            zipf,
            next_seq: 0,
            rng,
        })
    }

    /// The next user write as `(slba, blocks)`, always inside the namespace.
    pub fn next_write(&mut self) -> (u64, u64) {
        match self.kind {
            WorkloadKind::Uniform => (self.rng.below(self.items) * self.blocks, self.blocks),
            WorkloadKind::Zipf => {
                let rank = self
                    .zipf
                    .as_ref()
                    .expect("zipf workload")
                    .sample(&mut self.rng)
                    - 1;
                let item =
                    ((u128::from(rank) * u128::from(self.stride)) % u128::from(self.items)) as u64;
                (item * self.blocks, self.blocks)
            }
            WorkloadKind::Sequential => {
                if self.next_seq + self.blocks > self.ns_lbas {
                    self.next_seq = 0;
                }
                let slba = self.next_seq;
                self.next_seq += self.blocks;
                (slba, self.blocks)
            }
            WorkloadKind::Mixed => {
                let blocks = (1 + self.rng.below(MIXED_MAX_BLOCKS)).min(self.ns_lbas);
                (self.rng.below(self.ns_lbas - blocks + 1), blocks)
            }
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The mapped LBA extents `(slba, count)` of a namespace with `fraction` of it holding
/// data: mapped extents and holes alternate with exponential lengths around
/// `mean_extent` LBAs, so the BMP has holes of every size.
pub fn mapped_extents(
    ns_lbas: u64,
    fraction: f64,
    mean_extent: u64,
    rng: &mut Rng,
) -> Result<Vec<(u64, u64)>> {
    if !(0.0..=1.0).contains(&fraction) {
        bail!("mapped fraction must be within 0..=1, got {fraction}");
    }
    if fraction >= 1.0 {
        return Ok(vec![(0, ns_lbas)]);
    }
    if fraction <= 0.0 {
        return Ok(Vec::new());
    }
    let mean_hole = mean_extent as f64 * (1.0 - fraction) / fraction;
    let mut out = Vec::new();
    let mut pos = rng.exp(mean_hole) as u64;
    while pos < ns_lbas {
        let len = (1 + rng.exp(mean_extent as f64) as u64).min(ns_lbas - pos);
        out.push((pos, len));
        pos += len + 1 + rng.exp(mean_hole) as u64;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(kind: WorkloadKind) -> WorkloadConfig {
        WorkloadConfig {
            kind,
            zipf_skew: 0.99,
            write_blocks: 8,
        }
    }

    #[test]
    fn writes_stay_inside_the_namespace() {
        for kind in WorkloadKind::ALL {
            let mut w = Workload::new(cfg(kind), 10_000, Rng::new(5)).unwrap();
            for _ in 0..20_000 {
                let (slba, n) = w.next_write();
                assert!(n >= 1 && slba + n <= 10_000, "{kind}: {slba}+{n}");
            }
        }
    }

    #[test]
    fn zipf_is_skewed_and_uniform_is_not() {
        let distinct = |kind| {
            let mut w = Workload::new(cfg(kind), 1 << 20, Rng::new(9)).unwrap();
            let mut seen: Vec<u64> = (0..50_000).map(|_| w.next_write().0).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len()
        };
        let (z, u) = (
            distinct(WorkloadKind::Zipf),
            distinct(WorkloadKind::Uniform),
        );
        assert!(z * 2 < u, "zipf touched {z} offsets, uniform {u}");
    }

    #[test]
    fn sequential_appends_and_wraps() {
        let mut w = Workload::new(cfg(WorkloadKind::Sequential), 20, Rng::new(1)).unwrap();
        let got: Vec<u64> = (0..4).map(|_| w.next_write().0).collect();
        assert_eq!(got, vec![0, 8, 0, 8]);
    }

    #[test]
    fn mapped_fraction_is_close_and_extents_disjoint() {
        let mut rng = Rng::new(4);
        let ext = mapped_extents(1 << 24, 0.7, 4096, &mut rng).unwrap();
        let total: u64 = ext.iter().map(|e| e.1).sum();
        let frac = total as f64 / (1u64 << 24) as f64;
        assert!((frac - 0.7).abs() < 0.05, "mapped {frac}");
        assert!(ext.windows(2).all(|p| p[0].0 + p[0].1 < p[1].0));
        assert!(mapped_extents(10, 1.5, 4, &mut rng).is_err());
    }
}
