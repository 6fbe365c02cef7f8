//! Solver runs side by side. Each ABC or yosys-smtbmc run is one single-threaded process,
//! so checking the properties one per core is the cheapest speed-up there is.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

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
    let next = AtomicUsize::new(0);
    let halt = AtomicBool::new(false);
    let out: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            s.spawn(|| {
                while !halt.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if stop(&r) {
                        halt.store(true, Ordering::SeqCst);
                    }
                    *out[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                }
            });
        }
    });
    out.into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// [`run_all`] for runs that can fail: all results in item order, or the first error
/// (after which no further item starts).
pub fn try_run_all<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<Vec<R>> {
    // Items start in order and only an error stops them, so an error comes before the
    // first item that never ran.
    run_all(items, jobs, anyhow::Result::is_err, f)
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
}
