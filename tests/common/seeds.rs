//! The seeded loop every randomised test runs in, shared by the workspace's test crates
//! (included by path): `LMSNOOP_SEEDS` seeds from `LMSNOOP_SEED_BASE`, and a failure
//! prints the command that reruns its seed alone.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f` for `LMSNOOP_SEEDS` seeds (default `default_count`) starting at
/// `LMSNOOP_SEED_BASE` (default 0). `features` are the cargo features this test crate was
/// built with, for the rerun line. Zero seeds is refused: a test that ran nothing must
/// not pass.
pub fn for_each_seed_of(features: &[&str], test: &str, default_count: u64, mut f: impl FnMut(u64)) {
    let env = |name: &str| {
        std::env::var(name).ok().map(|v| {
            v.parse::<u64>()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
    };
    let count = env("LMSNOOP_SEEDS").unwrap_or(default_count);
    assert!(
        count > 0,
        "LMSNOOP_SEEDS=0 would run {test} on no seed at all: give 1 or more"
    );
    let base = env("LMSNOOP_SEED_BASE").unwrap_or(0);
    // libtest names each test's thread after it: the name in the rerun line must be that.
    if let Some(thread) = std::thread::current().name().filter(|&n| n != "main") {
        assert_eq!(thread, test, "for_each_seed is given another test's name");
    }
    for seed in base..base + count {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(seed))) {
            eprintln!(
                "{test}: FAILED with seed {seed}; rerun it alone with:\n  {}",
                rerun(features, test, seed)
            );
            std::panic::resume_unwind(panic);
        }
    }
}

/// The command that reruns one seed of one test.
pub fn rerun(features: &[&str], test: &str, seed: u64) -> String {
    let features = if features.is_empty() {
        String::new()
    } else {
        format!(" --features {}", features.join(","))
    };
    format!(
        "LMSNOOP_SEED_BASE={seed} LMSNOOP_SEEDS=1 cargo test --release -p {}{features} --test {} -- --exact {test}",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_CRATE_NAME")
    )
}
