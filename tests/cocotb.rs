//! The cocotb testbench (`hdl/cocotb/`): the committed Verilog of the small build on
//! Icarus, driven through the cocotbext-axi bus models with no Rust shim, and its short
//! migrations compared with `lmsnoop replay`. `scripts/test.sh` installs cocotb into
//! `target/cocotb-venv`; `LMSNOOP_COCOTB_PYTHON` names another interpreter that has it.
//! `LMSNOOP_SEEDS` and `LMSNOOP_SEED_BASE` reach the testbench's random cases.
#![cfg(feature = "hw")]

use std::path::PathBuf;
use std::process::Command;

const INSTALL: &str = "python3 -m venv target/cocotb-venv && \
     target/cocotb-venv/bin/pip install -r hdl/cocotb/requirements.txt (scripts/test.sh does it)";

fn python() -> PathBuf {
    std::env::var_os("LMSNOOP_COCOTB_PYTHON").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/cocotb-venv/bin/python"),
        PathBuf::from,
    )
}

#[test]
fn cocotb_testbench_passes_on_icarus() {
    let have_icarus = Command::new("iverilog").arg("-V").output().is_ok();
    assert!(have_icarus, "iverilog not found: apt-get install iverilog");
    let python = python();
    let probe = Command::new(&python)
        .args(["-c", "import cocotb, cocotbext.axi"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "{} cannot import cocotb and cocotbext.axi: {INSTALL}",
        python.display()
    );
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let build = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cocotb");
    let out = Command::new(&python)
        .arg(root.join("hdl/cocotb/run.py"))
        .arg("--build-dir")
        .arg(&build)
        .env("LMSNOOP_BIN", env!("CARGO_BIN_EXE_lmsnoop"))
        .output()
        .expect("the cocotb runner starts");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "cocotb testbench failed:\n{stdout}\n{stderr}"
    );
    // Every test of the module ran: a runner that found fewer must not pass.
    let ran = stdout.lines().find_map(|l| {
        l.strip_prefix("cocotb: ")?
            .split(" tests, 0 failed")
            .next()?
            .parse::<u32>()
            .ok()
    });
    assert!(
        ran.is_some_and(|n| n >= 4),
        "expected 4 or more tests:\n{stdout}"
    );
}
