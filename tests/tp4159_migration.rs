//! Whole migrations planned from a TP4159 User Data Migration Queue: the same copies as
//! the Query BDP path when the ring is large enough, no lost update when it overflows
//! (a full pass instead), and fewer entries than a per-write logging controller.

mod common;

use common::{for_each_seed, small_config};
use lmsnoop::metrics::{PassMetrics, RunReport};
use lmsnoop::rng::Rng;
use lmsnoop::workload::WorkloadKind;
use lmsnoop::world::{simulate, SimConfig};
use lmsnoop_firmware::ChangeReport;
use lmsnoop_regs::Method;
use lmsnoop_sim::GoldenTracker;

fn run(cfg: &SimConfig) -> RunReport {
    simulate(cfg, GoldenTracker::new(cfg.granules())).expect("simulate")
}

fn over_tp4159(cfg: &SimConfig, slots: u32) -> SimConfig {
    let mut cfg = cfg.clone();
    cfg.server.report = ChangeReport::Tp4159 {
        cdq_slots: slots,
        keep_records: false,
    };
    cfg
}

/// A pass's figures without the queue's own columns.
fn plain(p: &PassMetrics) -> PassMetrics {
    PassMetrics {
        cdq_entries: None,
        ..p.clone()
    }
}

#[test]
fn planning_from_the_queue_gives_the_query_bdp_copies() {
    for_each_seed(
        "planning_from_the_queue_gives_the_query_bdp_copies",
        3,
        |seed| {
            for method in Method::ALL {
                for kind in WorkloadKind::ALL {
                    let mut cfg = small_config(method, kind, seed);
                    cfg.target_fail_rate = 0.02;
                    let what = format!("{method}/{kind} seed {seed}");
                    let bdp = run(&cfg);
                    let tp = run(&over_tp4159(&cfg, 1 << 16));
                    let t = tp.tp4159.as_ref().expect("TP4159 figures");
                    assert_eq!(t.queue_full, 0, "{what}: the ring is large enough");
                    assert_eq!(tp.lost_updates, 0, "{what}");
                    assert_eq!(
                        tp.per_pass.iter().map(plain).collect::<Vec<_>>(),
                        bdp.per_pass,
                        "{what}: the same passes, copies and counters"
                    );
                    assert_eq!(tp.downtime_ns, bdp.downtime_ns, "{what}");
                    // Each pass after the first was planned from entries: at most one
                    // per dirty granule, plus the two closing markers.
                    for p in &tp.per_pass[1..] {
                        let e = p.cdq_entries.expect("planned from the queue");
                        assert!(e <= p.planned + 1, "{what}: pass {} {e} entries", p.pass);
                    }
                    assert!(t.entries_read <= t.per_write_entries + 2, "{what}");
                    assert_eq!(t.entries_read, t.entries_posted, "{what}");
                    assert_eq!(t.host_read_bytes, 32 * t.entries_read, "{what}");
                    assert!(t.ring_needed_slots >= t.max_drain_entries + 2, "{what}");
                }
            }
        },
    );
}

#[test]
fn an_overflowing_ring_costs_a_full_pass_never_an_update() {
    let mut overflowed = 0;
    for_each_seed(
        "an_overflowing_ring_costs_a_full_pass_never_an_update",
        12,
        |seed| {
            let mut rng = Rng::new(seed ^ 0xCD0);
            for method in Method::ALL {
                let kind = WorkloadKind::ALL[rng.below(4) as usize];
                let mut cfg = small_config(method, kind, seed);
                cfg.write_rate = 0.05 + rng.f64();
                cfg.target_fail_rate = if rng.chance(0.3) { 0.05 } else { 0.0 };
                let slots = 3 + rng.below(60) as u32;
                let r = run(&over_tp4159(&cfg, slots));
                let what = format!("{method}/{kind} seed {seed}, {slots} slots");
                assert_eq!(r.lost_updates, 0, "{what}: lost {:?}", r.lost_examples);
                let t = r.tp4159.as_ref().unwrap();
                if t.queue_full > 0 {
                    overflowed += 1;
                    assert!(
                        r.per_pass.iter().any(|p| p.planned == r.granules),
                        "{what}: an overflow is answered with a full pass"
                    );
                } else {
                    assert!(t.ring_needed_slots <= u64::from(slots), "{what}");
                }
            }
        },
    );
    assert!(
        overflowed > 0,
        "no run overflowed its ring: the test checks nothing"
    );
}
