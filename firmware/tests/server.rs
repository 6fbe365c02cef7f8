//! The migration server's handling of failed copies, over the golden tracker: a failure
//! before the final pass is marked dirty and copied by the next pass; one in the final
//! pass is retried while the users stay quiesced, up to `final_retries`, and then ends
//! the migration with a named status instead of a switch-over.

use lmsnoop_firmware::{ChangeReport, Device, MigrationServer, Next, ServerConfig, Status};
use lmsnoop_firmware::{CopyJob, TrackingConfig};
use lmsnoop_regs::{Method, Snoop, TrackerPort};
use lmsnoop_sim::GoldenTracker;

const GRANULES: u64 = 64;

fn server(final_retries: u32) -> (Device<GoldenTracker>, MigrationServer) {
    server_of(Method::Bitmap, final_retries)
}

fn server_of(method: Method, final_retries: u32) -> (Device<GoldenTracker>, MigrationServer) {
    let mut dev = Device::new(GoldenTracker::new(GRANULES)).expect("golden tracker");
    let cfg = ServerConfig {
        threshold: 4,
        max_passes: 4,
        chunk_granules: 8,
        cursor_merge_gap: 0,
        report: ChangeReport::QueryBdp,
        final_retries,
    };
    let tracking = TrackingConfig {
        method,
        granule_shift: 0,
        namespace_lbas: GRANULES,
    };
    let s = MigrationServer::start(cfg, &mut dev, tracking, &[(0, GRANULES)]).expect("start");
    (dev, s)
}

/// Issues every copy the server hands out, one at a time (snooped at submission, as the
/// server's contract asks), and fails those `fail` picks.
fn copy_all(
    dev: &mut Device<GoldenTracker>,
    s: &mut MigrationServer,
    mut fail: impl FnMut(&CopyJob) -> bool,
) -> Result<Next, Status> {
    // Bounded: a server that retried forever would hang the test instead of failing it.
    for _ in 0..1000 {
        match s.next(dev)? {
            Next::Copy(job) => {
                // Granules of one LBA: the copy read's snoop covers the job.
                dev.port_mut()
                    .copy_read(Snoop::blocks(job.first, job.count as u32));
                let ok = !fail(&job);
                s.job_done(dev, job, ok)?;
            }
            other => return Ok(other),
        }
    }
    panic!("the server still hands out copies after 1000 of a {GRANULES}-granule namespace");
}

#[test]
fn a_failed_precopy_copy_is_planned_again_and_nothing_else() {
    let (mut dev, mut s) = server(0);
    let failed = |j: &CopyJob| j.pass == 0 && j.first == 16;
    assert_eq!(copy_all(&mut dev, &mut s, failed), Ok(Next::Quiesce));
    // Pass 0 copied everything; the failed copy's 8 granules are the whole next plan.
    let planned: Vec<u64> = s.passes().iter().map(|p| p.planned).collect();
    assert_eq!(planned, [64, 8]);
    assert_eq!(s.plan().count_ones(), 8);
    assert!((16..24).all(|g| s.plan().get(g)));
}

#[test]
fn the_final_pass_retries_up_to_the_limit() {
    let (mut dev, mut s) = server(2);
    assert_eq!(copy_all(&mut dev, &mut s, |_| false), Ok(Next::Quiesce));
    dev.port_mut().user_write(Snoop::blocks(5, 1));
    s.quiesced(&mut dev).expect("quiesced");
    // Fails twice, then lands: within the limit.
    let mut tries = 0;
    let next = copy_all(&mut dev, &mut s, |j| {
        assert_eq!((j.first, j.retry), (5, tries));
        tries += 1;
        tries <= 2
    });
    assert_eq!(next, Ok(Next::Done));
    assert_eq!(tries, 3);
}

#[test]
fn a_final_copy_that_keeps_failing_ends_the_migration() {
    let (mut dev, mut s) = server(2);
    assert_eq!(copy_all(&mut dev, &mut s, |_| false), Ok(Next::Quiesce));
    dev.port_mut().user_write(Snoop::blocks(40, 2));
    s.quiesced(&mut dev).expect("quiesced");
    let err = copy_all(&mut dev, &mut s, |_| true).unwrap_err();
    assert_eq!(
        err,
        Status::CopyFailed {
            first: 40,
            count: 2,
            attempts: 3
        }
    );
    assert!(err.to_string().contains("switch-over refused"), "{err}");
}

/// A standby after a failover: with bitmap it goes on with what is left of the pass and
/// the copy in flight comes back in the next pass; naive copies the whole namespace.
#[test]
fn a_standby_continues_a_bitmap_pass_and_restarts_a_naive_one() {
    for (method, want) in [(Method::Bitmap, 64 - 24), (Method::Naive, 64)] {
        let (mut dev, mut s) = server_of(method, 0);
        let mut issued = Vec::new();
        for _ in 0..3 {
            let Ok(Next::Copy(job)) = s.next(&mut dev) else {
                panic!("{method}: a copy")
            };
            dev.port_mut()
                .copy_read(Snoop::blocks(job.first, job.count as u32));
            dev.journal_copy(job.seq, job.first, job.count);
            issued.push(job);
        }
        for job in &issued[..2] {
            s.job_done(&mut dev, *job, true).expect("job_done");
        }
        // The third copy (granules 16..24) is in flight when the server dies.
        assert_eq!(s.fail_over(&mut dev), Ok(vec![(16, 24)]), "{method}");
        assert_eq!(s.plan().count_ones(), want, "{method}: the standby's plan");
        assert_eq!(copy_all(&mut dev, &mut s, |_| false), Ok(Next::Quiesce));
        let next_plan = s.passes()[1].planned;
        assert_eq!(next_plan, 8, "{method}: the copy in flight is copied again");
    }
}
