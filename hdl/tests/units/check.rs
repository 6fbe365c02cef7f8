//! What every unit's test needs: settle and clock a unit in rust-hdl's own simulator, a
//! seeded generator, and the check that a unit's Verilog is lint-clean and maps in Yosys.

use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256StarStar;
use rust_hdl::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Evaluates a block until its signals stop changing.
pub fn settle(b: &mut impl Block) {
    for _ in 0..32 {
        b.update_all();
        if !b.has_changed() {
            return;
        }
    }
    panic!("combinational loop does not settle");
}

/// One clock cycle of a clocked unit: a falling, then a rising edge, each settled.
/// `clock` picks the unit's clock port.
pub fn tick<B: Block>(b: &mut B, clock: fn(&mut B) -> &mut Signal<In, Clock>) {
    clock(b).next = Clock { clk: false };
    settle(b);
    clock(b).next = Clock { clk: true };
    settle(b);
}

fn run(tool: &str, args: &[&str], cwd: &Path) -> Output {
    match Command::new(tool).args(args).current_dir(cwd).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "{tool} could not be run ({e}): install it with `apt-get install {tool}` \
             (scripts/test.sh installs every tool the tests need)"
        ),
    }
}

/// The unit's Verilog passes `verilator --lint-only -Wall` under the block's waivers
/// (`hdl/lint.vlt`) and Yosys synthesizes it to cells. The file goes to a directory that
/// ends in `hdl/generated/`, the path the waivers name, so a unit is held to exactly the
/// rules of the committed block.
pub fn synthesizes(block: &impl Block, name: &str) {
    let dir: PathBuf = std::env::temp_dir()
        .join(format!("lmsnoop-unit-{name}-{}", std::process::id()))
        .join("hdl/generated");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.v"));
    std::fs::write(&file, generate_verilog(block)).unwrap();
    let waivers = Path::new(env!("CARGO_MANIFEST_DIR")).join("lint.vlt");
    let lint = run(
        "verilator",
        &[
            "--lint-only",
            "-Wall",
            "--top-module",
            "top",
            waivers.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(
        lint.status.success(),
        "{name}: verilator --lint-only -Wall failed:\n{}",
        String::from_utf8_lossy(&lint.stderr)
    );
    let script = format!("read_verilog {}; synth -top top; stat", file.display());
    let synth = run("yosys", &["-p", &script], &dir);
    let log = String::from_utf8_lossy(&synth.stdout);
    assert!(
        synth.status.success() && log.contains("Number of cells"),
        "{name}: yosys synth failed:\n{log}{}",
        String::from_utf8_lossy(&synth.stderr)
    );
    std::fs::remove_dir_all(dir.parent().unwrap().parent().unwrap()).ok();
}

/// The tests' random source: the simulator's generator, seeded per case.
pub struct Rng(Xoshiro256StarStar);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(Xoshiro256StarStar::seed_from_u64(seed))
    }

    pub fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in 0..n (n small: the modulo bias does not matter to a test).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
