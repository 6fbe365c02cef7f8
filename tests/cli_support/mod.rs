//! Running the built `lmsnoop` binary from the CLI tests, with the real PATH or with one
//! that holds only some of the hardware tools (to check the install hints).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn lmsnoop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lmsnoop"))
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A directory used as the whole PATH, holding links to some tools only; removed on drop.
pub struct ToolPath(PathBuf);

impl ToolPath {
    pub fn new(label: &str) -> ToolPath {
        let dir = std::env::temp_dir().join(format!("lmsnoop-path-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        ToolPath(dir)
    }

    /// Links `tool` from the real PATH in; a tool the machine lacks fails with the hint.
    pub fn link(&self, tool: &str, package: &str) {
        let found = std::env::var_os("PATH")
            .and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(tool))
                    .find(|t| t.is_file())
            })
            .unwrap_or_else(|| {
                panic!("{tool} on PATH (scripts/test.sh installs it: apt-get install {package})")
            });
        std::os::unix::fs::symlink(found, self.0.join(tool)).unwrap();
    }

    /// Runs the binary with this directory as PATH.
    pub fn lmsnoop(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lmsnoop"))
            .args(args)
            .env("PATH", &self.0)
            .output()
            .expect("the binary runs")
    }
}

impl Drop for ToolPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
