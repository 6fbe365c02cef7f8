//! The main job's binary builds on the register map alone: without the `hw` feature its
//! dependency tree has no rust-hdl, so software users never compile the HDL stack. Runs
//! `cargo tree` offline against the committed Cargo.lock: milliseconds.

use std::process::Command;

/// `cargo tree -e normal` of `package` with `features` (comma-separated).
fn tree(package: &str, features: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "tree",
        "--offline",
        "--locked",
        "-p",
        package,
        "-e",
        "normal",
    ])
    .args(["--prefix", "none", "--no-default-features"])
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    if !features.is_empty() {
        cmd.args(["--features", features]);
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn has_crate(tree: &str, name: &str) -> bool {
    tree.lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

#[test]
fn the_main_job_does_not_build_rust_hdl() {
    let main_job = tree("lmsnoop", "");
    for heavy in ["rust-hdl", "lmsnoop-hdl", "lmsnoop-flows"] {
        assert!(
            !has_crate(&main_job, heavy),
            "the main job's binary depends on {heavy}:\n{main_job}"
        );
    }
    assert!(has_crate(&main_job, "lmsnoop-regs"), "{main_job}");
}

#[test]
fn the_firmware_needs_only_the_register_crate() {
    let deps: Vec<String> = tree("lmsnoop-firmware", "")
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let mut names = deps.clone();
    names.sort();
    names.dedup();
    assert_eq!(names, ["lmsnoop-firmware", "lmsnoop-regs"], "{deps:?}");
}

#[test]
fn the_hardware_feature_brings_the_hdl() {
    assert!(has_crate(&tree("lmsnoop", "hw"), "rust-hdl"));
}
