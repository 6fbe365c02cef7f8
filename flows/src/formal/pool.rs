//! Solver runs side by side. Each ABC or yosys-smtbmc run is one single-threaded process,
//! so checking the properties one per core is the cheapest speed-up there is. The threads
//! are rayon's; what is ours is only the rule for stopping early.

use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The default number of runs at a time: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `f` on every item, at most `jobs` at a time, and returns the results in item
/// order. Once `stop` holds for a result no further item starts (those come back `None`);
/// runs already going finish.
pub fn run_all<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    stop: impl Fn(&R) -> bool + Sync,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<Option<R>> {
    let halt = AtomicBool::new(false);
    let run = |item: &T| {
        if halt.load(Ordering::SeqCst) {
            return None;
        }
        let r = f(item);
        if stop(&r) {
            halt.store(true, Ordering::SeqCst);
        }
        Some(r)
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
    {
        // One item per task: a solver run is seconds to minutes, so splitting finer than
        // rayon's default costs nothing and keeps every thread busy to the end.
        Ok(pool) => pool.install(|| items.par_iter().with_max_len(1).map(run).collect()),
        // No threads to be had: the same runs, one at a time.
        Err(_) => items.iter().map(run).collect(),
    }
}

/// [`run_all`] for runs that can fail: all results in item order, or an error (after
/// which no further item starts). When several runs fail, the first in item order wins.
pub fn try_run_all<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<Vec<R>> {
    let results = run_all(items, jobs, anyhow::Result::is_err, f);
    if let Some(i) = results.iter().position(|r| matches!(r, Some(Err(_)))) {
        return Err(results
            .into_iter()
            .nth(i)
            .flatten()
            .and_then(Result::err)
            .expect("the error found above"));
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(anyhow::anyhow!("a run was skipped without an error"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_runs_once_in_order() {
        let items: Vec<u32> = (0..20).collect();
        let out = run_all(&items, 3, |_| false, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| Some(x * 2)).collect::<Vec<_>>());
    }

    #[test]
    fn try_run_all_returns_the_first_error() {
        let items: Vec<u32> = (0..10).collect();
        let ok = try_run_all(&items, 2, |x| Ok(x + 1)).unwrap();
        assert_eq!(ok, (1..11).collect::<Vec<_>>());
        let err = try_run_all(&items, 1, |x| {
            if *x >= 3 {
                anyhow::bail!("item {x}")
            }
            Ok(*x)
        });
        assert_eq!(err.unwrap_err().to_string(), "item 3");
    }

    #[test]
    fn a_stop_starts_nothing_new() {
        let items: Vec<u32> = (0..20).collect();
        let out = run_all(&items, 1, |r: &u32| *r == 5, |x| *x);
        assert_eq!(out[..6], (0..6).map(Some).collect::<Vec<_>>()[..]);
        assert!(out[6..].iter().all(Option::is_none), "{out:?}");
    }

    #[test]
    fn runs_go_side_by_side() {
        // Two items that each wait for the other to start: only parallel runs finish.
        let started = std::sync::atomic::AtomicUsize::new(0);
        let out = run_all(
            &[0, 1],
            2,
            |_| false,
            |_| {
                started.fetch_add(1, Ordering::SeqCst);
                let t = std::time::Instant::now();
                while started.load(Ordering::SeqCst) < 2 {
                    assert!(t.elapsed().as_secs() < 10, "the second run never started");
                    std::thread::yield_now();
                }
            },
        );
        assert_eq!(out.len(), 2);
    }
}
