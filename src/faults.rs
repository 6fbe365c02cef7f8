//! Faults a run injects. Target-write failures beyond the random `target_fail_rate`: a
//! bad region of the target that heals after some passes, and an outage in which every
//! target write fails for a while; the migration server sees only failed target writes,
//! and how it re-syncs them (MarkDirty before the final pass, a bounded retry in it) is
//! its own. And, in the middle of a pass, a reboot of the device firmware or a reset of
//! the tracker.

use anyhow::{bail, ensure, Context, Result};

/// Target LBAs `[slba, slba + count)` whose writes fail in passes `0..passes`, then heal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadRange {
    pub slba: u64,
    pub count: u64,
    pub passes: u32,
}

impl BadRange {
    /// `SLBA:COUNT` or `SLBA:COUNT:PASSES` (one pass when omitted).
    pub fn parse(text: &str) -> Result<Self> {
        let fields: Vec<&str> = text.split(':').collect();
        if !(2..=3).contains(&fields.len()) {
            bail!("expected SLBA:COUNT or SLBA:COUNT:PASSES, got {text:?}");
        }
        let number = |what: &str, s: &str| -> Result<u64> {
            s.trim()
                .parse::<u64>()
                .with_context(|| format!("{what} {s:?} is not a whole number"))
        };
        let range = BadRange {
            slba: number("SLBA", fields[0])?,
            count: number("COUNT", fields[1])?,
            passes: match fields.get(2) {
                Some(p) => u32::try_from(number("PASSES", p)?).context("PASSES too large")?,
                None => 1,
            },
        };
        ensure!(range.count > 0, "COUNT must be at least 1 LBA");
        ensure!(range.passes > 0, "PASSES must be at least 1");
        Ok(range)
    }

    fn end(&self) -> u64 {
        self.slba.saturating_add(self.count)
    }
}

/// Every target write fails, `writes` of them, from the first one of pass `at_pass`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    pub at_pass: u32,
    pub writes: u64,
}

/// The migration server dies once `fraction` of pass `at_pass`'s plan is copied, and a
/// standby takes over from the device's state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Failover {
    pub at_pass: u32,
    pub fraction: f64,
}

/// What a failover cost, in granules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailoverFigures {
    pub pass: u32,
    /// Read by the pass before the failover (landed or in flight).
    pub read_before: u64,
    /// Of those, in flight: their target writes may never land.
    pub in_flight: u64,
    /// Of the pass's plan, not read before the failover.
    pub left: u64,
    /// Copied again after the failover: read by the pass before it, or in flight.
    pub recopied: u64,
}

/// The faults of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    pub bad_ranges: Vec<BadRange>,
    pub outage: Option<Outage>,
    /// The device firmware reboots half way through this pass's copies (the tracker
    /// keeps running) and re-attaches from the registers.
    pub firmware_restart_at_pass: Option<u32>,
    /// The tracker is reset (state lost) half way through this pass's copies.
    pub tracker_reset_at_pass: Option<u32>,
    pub failover: Option<Failover>,
}

impl FaultPlan {
    /// Refuses faults outside a namespace of `namespace_lbas` LBAs.
    pub fn check(&self, namespace_lbas: u64) -> Result<()> {
        for r in &self.bad_ranges {
            ensure!(
                r.slba < namespace_lbas && r.end() <= namespace_lbas,
                "--bad-target-range {}:{} reaches beyond the namespace ({namespace_lbas} LBAs)",
                r.slba,
                r.count
            );
        }
        if let Some(o) = self.outage {
            ensure!(o.writes > 0, "--outage-writes must be at least 1");
        }
        if let Some(f) = self.failover {
            ensure!(
                f.fraction > 0.0 && f.fraction < 1.0,
                "--failover-fraction must be within (0, 1), got {}",
                f.fraction
            );
        }
        Ok(())
    }
}

/// Why a target write failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The drive itself: at random (`target_fail_rate`) in a simulation, a real I/O
    /// error in `serve`.
    Drive,
    BadRange,
    Outage,
}

/// Failed target writes by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailureCounts {
    pub drive: u64,
    pub bad_range: u64,
    pub outage: u64,
}

impl FailureCounts {
    pub fn add(&mut self, cause: Cause) {
        match cause {
            Cause::Drive => self.drive += 1,
            Cause::BadRange => self.bad_range += 1,
            Cause::Outage => self.outage += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.drive + self.bad_range + self.outage
    }
}

/// A [`FaultPlan`] as the run goes: decides each target write.
#[derive(Debug)]
pub struct Faults {
    plan: FaultPlan,
    /// Outage writes still to fail once it has begun.
    outage_left: u64,
}

impl Faults {
    pub fn new(plan: FaultPlan) -> Self {
        let outage_left = plan.outage.map_or(0, |o| o.writes);
        Faults { plan, outage_left }
    }

    /// Whether the target write of copy pass `pass` to `[lo, hi)` fails, and why. An
    /// outage, once begun, goes on into later passes until its writes are spent.
    pub fn target_write(&mut self, pass: u32, lo: u64, hi: u64) -> Option<Cause> {
        if let Some(o) = self.plan.outage {
            if pass >= o.at_pass && self.outage_left > 0 {
                self.outage_left -= 1;
                return Some(Cause::Outage);
            }
        }
        let bad = |r: &BadRange| pass < r.passes && r.slba < hi && lo < r.end();
        self.plan
            .bad_ranges
            .iter()
            .any(bad)
            .then_some(Cause::BadRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_bad_range() {
        let r = BadRange::parse("4096:512").unwrap();
        assert_eq!((r.slba, r.count, r.passes), (4096, 512, 1));
        assert_eq!(BadRange::parse("0:8:3").unwrap().passes, 3);
        for (bad, why) in [
            ("4096", "SLBA:COUNT"),
            ("1:2:3:4", "SLBA:COUNT"),
            ("x:8", "SLBA \"x\""),
            ("8:-1", "COUNT \"-1\""),
            ("8:0", "at least 1 LBA"),
            ("8:1:0", "PASSES must"),
            ("8:1:99999999999", "PASSES too large"),
        ] {
            let err = format!("{:#}", BadRange::parse(bad).unwrap_err());
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn refuses_a_range_beyond_the_namespace() {
        let plan = |slba, count| FaultPlan {
            bad_ranges: vec![BadRange {
                slba,
                count,
                passes: 1,
            }],
            outage: None,
            ..FaultPlan::default()
        };
        assert!(plan(0, 100).check(100).is_ok());
        assert!(plan(99, 2).check(100).is_err());
        assert!(plan(u64::MAX, 2).check(100).is_err());
    }

    #[test]
    fn a_bad_range_fails_overlapping_writes_until_it_heals() {
        let mut f = Faults::new(FaultPlan {
            bad_ranges: vec![BadRange {
                slba: 100,
                count: 10,
                passes: 2,
            }],
            ..FaultPlan::default()
        });
        assert_eq!(f.target_write(0, 90, 101), Some(Cause::BadRange));
        assert_eq!(f.target_write(1, 109, 120), Some(Cause::BadRange));
        assert_eq!(f.target_write(1, 110, 120), None);
        assert_eq!(f.target_write(1, 0, 100), None);
        assert_eq!(f.target_write(2, 100, 110), None, "healed");
    }

    #[test]
    fn an_outage_fails_its_writes_from_its_pass_on() {
        let mut f = Faults::new(FaultPlan {
            outage: Some(Outage {
                at_pass: 1,
                writes: 3,
            }),
            ..FaultPlan::default()
        });
        assert_eq!(f.target_write(0, 0, 1), None);
        let failed: Vec<_> = (0..5).map(|i| f.target_write(1 + i / 2, 0, 1)).collect();
        assert_eq!(
            failed,
            [
                Some(Cause::Outage),
                Some(Cause::Outage),
                Some(Cause::Outage),
                None,
                None
            ]
        );
    }
}
