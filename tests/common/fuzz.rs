//! The proptest runner of the fuzz tests, shared by the root and `lmsnoop-sim` tests (kept
//! out of `seeds.rs`, which crates without proptest include too).

/// A proptest runner for one seed: `LMSNOOP_FUZZ_CASES` cases (default `default_cases`;
/// 0 is an error, as for the seeds) drawn from a ChaCha generator keyed by the seed, so a
/// seed replays exactly; nothing is persisted between runs.
pub fn fuzz_runner(seed: u64, default_cases: u32) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let cases = std::env::var("LMSNOOP_FUZZ_CASES").map_or(default_cases, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("LMSNOOP_FUZZ_CASES={v:?} is not a number"))
    });
    assert!(
        cases > 0,
        "LMSNOOP_FUZZ_CASES=0 would fuzz nothing: give 1 or more"
    );
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key))
}
