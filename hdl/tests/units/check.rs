//! What every unit's test needs: settle and clock a unit in rust-hdl's own simulator, a
//! seeded generator, the check that a unit's Verilog is lint-clean and maps in Yosys, and
//! proofs over every input for units whose inputs are too many to enumerate.

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

/// How [`prove`] proves a unit's properties.
#[derive(Clone, Copy, Debug)]
pub enum Proof {
    /// A combinational unit: for every input (one SAT problem).
    Combinational,
    /// A clocked unit whose wrapper has `clock` and `reset` inputs: in every state
    /// reachable from any power-up state through a reset, by temporal induction
    /// (`sat -tempinduct`) up to this many steps. Reset is asserted in the first step; the
    /// wrapper guards its asserts until a reset has been seen.
    Induction(u32),
}

/// Proves a unit's properties with Yosys' SAT solver. The wrapper
/// `hdl/formal/units/<wrapper>.sv` instantiates the unit (rust-hdl names it `top`) in a
/// module `props` and states each property as an `assert`; `defines` are the parameters it
/// needs (`-D`); `// probe:` lines give it the unit's internal registers. Returns Yosys'
/// log when every property is proven, else Err(log): the log then holds the counterexample
/// (or why Yosys could not read the design).
fn prove(
    block: &impl Block,
    wrapper: &str,
    defines: &[(&str, u64)],
    proof: Proof,
) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!(
        "lmsnoop-proof-{wrapper}-{}-{}",
        std::process::id(),
        PROOFS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("unit.v"), generate_verilog(block)).unwrap();
    let props = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("formal/units")
        .join(format!("{wrapper}.sv"));
    let defines: String = defines.iter().map(|(k, v)| format!(" -D{k}={v}")).collect();
    let probes = probe_commands(&std::fs::read_to_string(&props).unwrap());
    let (sat, proven) = match proof {
        Proof::Combinational => (
            "sat -prove-asserts -show-inputs".to_string(),
            "SAT proof finished - no model found: SUCCESS!",
        ),
        // rust-hdl gives every flip-flop a power-up value of zero (`initial`); dropping
        // those lets the unit power up in any state, and the reset in step 1 has to bring
        // it to where the wrapper's shadow starts (the wrapper keeps its initializers).
        Proof::Induction(steps) => (
            format!(
                "setattr -unset init w:dut.*; sat -tempinduct -prove-asserts -set-assumes \
                 -set-at 1 reset 1 -seq 1 -maxsteps {steps} -show-inputs -show-regs"
            ),
            "Induction step proven: SUCCESS!",
        ),
    };
    let script = format!(
        "read_verilog unit.v; read_verilog -formal{defines} {}; prep -top props; flatten; \
         {probes}{sat}",
        props.display()
    );
    let out = run("yosys", &["-p", &script], &dir);
    std::fs::remove_dir_all(&dir).ok();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && log.contains(proven) {
        Ok(log)
    } else {
        Err(log)
    }
}

/// Drives each wrapper wire a `// probe: <wire> = dut.<net>` line names from that net
/// inside the unit (after `flatten`), for invariants over a unit's internal registers.
fn probe_commands(wrapper: &str) -> String {
    let probes = lmsnoop_hdl::probes::probes(wrapper).unwrap_or_else(|e| panic!("{e}"));
    if probes.is_empty() {
        return String::new();
    }
    let cmds: String = probes
        .iter()
        .flat_map(|p| p.connect())
        .map(|c| c + "; ")
        .collect();
    format!("cd props; {cmds}cd ..; ")
}

/// [`prove`], failing the test with the counterexample (the log from the SAT pass on).
pub fn proves(block: &impl Block, wrapper: &str, defines: &[(&str, u64)], proof: Proof) {
    if let Err(log) = prove(block, wrapper, defines, proof) {
        let from = log.find("Executing SAT pass").unwrap_or(0);
        panic!(
            "{wrapper} {defines:?}: a property does not hold (or Yosys failed):\n{}",
            &log[from..]
        );
    }
}

/// The check of a proof: `wrapper` built with these `defines` (a `MUTATE` that states one
/// wrong claim) must fail with a counterexample Yosys found (for induction, one reachable
/// from reset within the steps), not only with a step it could not prove.
pub fn refutes(block: &impl Block, wrapper: &str, defines: &[(&str, u64)], proof: Proof) {
    let found = match proof {
        Proof::Combinational => "SAT proof finished - model found: FAIL!",
        Proof::Induction(_) => {
            "SAT temporal induction proof finished - model found for base case: FAIL!"
        }
    };
    match prove(block, wrapper, defines, proof) {
        Ok(_) => panic!("{wrapper} {defines:?}: the wrong claim was proven"),
        Err(log) => assert!(
            log.contains(found),
            "{wrapper} {defines:?}: no counterexample:\n{log}"
        ),
    }
}

static PROOFS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

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
