//! `lmsnoop soak`: a short soak on each backend runs clean and reports every fault kind;
//! the soak catches a loss when there is one (updates snooped at submission lose data);
//! bad input is refused. `LMSNOOP_SOAK_SECONDS` sets each backend's soak (default 20).

mod cli_support;

use cli_support::{lmsnoop, text};
use lmsnoop::soak::{random_config, soak};
use lmsnoop::world::WriteSnoop;
use lmsnoop_regs::{QueryBeat, Snoop, TrackerPort};
use lmsnoop_sim::GoldenTracker;
use serde_json::Value;
use std::time::Duration;

fn seconds() -> String {
    std::env::var("LMSNOOP_SOAK_SECONDS").unwrap_or_else(|_| "20".into())
}

fn soak_clean(backend: &str) -> Value {
    let out = lmsnoop(&[
        "soak",
        "--seconds",
        &seconds(),
        "--backend",
        backend,
        "--json",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "soak on {backend} failed:\n{stdout}{}",
        text(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(v["clean"], true, "{v}");
    assert_eq!(v["lost_updates"], 0, "{v}");
    assert!(
        v["migrations"].as_u64().unwrap() >= 5,
        "too few migrations: {v}"
    );
    assert!(v["bytes_verified"].as_u64().unwrap() > 0, "{v}");
    for (kind, n) in v["faults"].as_object().unwrap() {
        assert!(n.as_u64().unwrap() > 0, "no {kind} injected: {v}");
    }
    v
}

#[test]
fn a_golden_soak_runs_clean_with_every_fault_kind() {
    let v = soak_clean("golden");
    assert_eq!(
        v["mismatches"],
        Value::Null,
        "nothing to compare on golden: {v}"
    );
}

#[cfg(feature = "rtl")]
#[test]
fn an_rtl_soak_runs_clean_and_matches_the_golden_model() {
    let v = soak_clean("rtl");
    assert_eq!(v["backend"], "rtl", "{v}");
    assert_eq!(v["mismatches"], 0, "{v}");
}

/// With write snoops at submission a copy read can spend a write's dirty bit before the
/// write lands: the soak must see the lost updates and name their seeds.
#[test]
fn a_soak_catches_lost_updates() {
    let draw = |seed| {
        let mut cfg = random_config(seed);
        cfg.write_snoop = WriteSnoop::Submission;
        cfg.write_rate = 0.5;
        cfg
    };
    let r = soak(Duration::from_secs(3), 1, draw, None, |_| {}).expect("soak");
    assert!(
        r.lost_updates > 0,
        "no loss found in {} migrations",
        r.migrations
    );
    assert!(!r.clean());
    assert!(!r.failures.is_empty(), "the seeds that lost data are named");
    assert!(r.table().contains("FAILED seed"), "{}", r.table());
}

/// A tracker that forgets every 20th user write: its reports differ from the golden
/// model's, and it loses data; the soak must count both.
struct Forgetful {
    inner: GoldenTracker,
    writes: u64,
}

impl TrackerPort for Forgetful {
    fn backend(&self) -> &'static str {
        "forgetful"
    }
    fn csr_read(&mut self, addr: u32) -> u32 {
        self.inner.csr_read(addr)
    }
    fn csr_write(&mut self, addr: u32, value: u32) {
        self.inner.csr_write(addr, value)
    }
    fn user_write(&mut self, op: Snoop) {
        self.writes += 1;
        if self.writes % 20 != 0 {
            self.inner.user_write(op)
        }
    }
    fn copy_read(&mut self, op: Snoop) {
        self.inner.copy_read(op)
    }
    fn load_word(&mut self, word: u64) {
        self.inner.load_word(word)
    }
    fn query_word(&mut self) -> Option<QueryBeat> {
        self.inner.query_word()
    }
    fn irq(&mut self) -> bool {
        self.inner.irq()
    }
    fn reset(&mut self) {
        self.inner.reset()
    }
}

#[test]
fn a_soak_catches_a_backend_that_disagrees() {
    let make = |granules: u64| -> anyhow::Result<Box<dyn TrackerPort>> {
        Ok(Box::new(Forgetful {
            inner: GoldenTracker::new(granules),
            writes: 0,
        }))
    };
    let r = soak(
        Duration::from_secs(3),
        1,
        random_config,
        Some(&make),
        |_| {},
    )
    .expect("soak");
    assert!(r.migrations > 0);
    assert_eq!(r.backend, "forgetful");
    assert!(
        r.mismatches.unwrap() > 0,
        "no mismatch in {} migrations",
        r.migrations
    );
    assert!(r.lost_updates > 0, "no loss in {} migrations", r.migrations);
    assert!(!r.clean());
}

#[test]
fn bad_durations_are_refused() {
    for bad in ["0", "-1", "abc", "inf", "NaN"] {
        let out = lmsnoop(&["soak", "--seconds", bad]);
        assert_eq!(out.status.code(), Some(2), "--seconds {bad}");
        let err = text(&out.stderr);
        assert!(err.contains("--seconds"), "--seconds {bad}: {err}");
    }
}
