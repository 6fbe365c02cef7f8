//! Running the external hardware tools (Yosys, nextpnr, yosys-abc, yosys-smtbmc, z3): the
//! install hint when one is missing, version probes, and the work directory a flow runs in.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

/// Debian package of each tool, for the install hint.
fn package_of(tool: &str) -> &str {
    match tool {
        "nextpnr-ice40" => "nextpnr-ice40",
        "yosys-smtbmc" | "yosys-abc" => "yosys",
        _ => tool,
    }
}

/// The hint printed when a tool is missing.
pub fn install_hint(tool: &str) -> String {
    format!(
        "{tool} not found on PATH: install it with `sudo apt-get install {}` \
         (scripts/test.sh installs every hardware tool the project uses)",
        package_of(tool)
    )
}

/// The error for a failed start of `tool`: the install hint when it is not on PATH.
fn start_error(tool: &str, e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        anyhow::anyhow!("{}", install_hint(tool))
    } else {
        anyhow::Error::new(e).context(format!("running {tool}"))
    }
}

/// Runs `tool` with `args` in `dir`; a missing tool is an error with the install hint.
pub fn run(tool: &str, args: &[&str], dir: &Path) -> Result<Output> {
    Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| start_error(tool, e))
}

/// Starts `cmd`, whose program is `tool`; a missing tool is an error with the install hint.
pub fn spawn(tool: &str, cmd: &mut Command) -> Result<Child> {
    cmd.spawn().map_err(|e| start_error(tool, e))
}

/// What a tool printed: standard output, then standard error.
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether an executable file named `program` is in a directory of PATH.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// The first line a tool prints for its version, which also proves it runs.
pub fn tool_version(tool: &str, flag: &str) -> Result<String> {
    let text = output_text(&run(tool, &[flag], Path::new("."))?);
    // nextpnr quotes its own name: "nextpnr-ecp5" -- Next Generation Place and Route ...
    // The WebAssembly builds announce themselves first ("Preparing to run yowasp-...").
    Ok(text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("Preparing to run"))
        .unwrap_or(tool)
        .replace('"', ""))
}

/// Runs the Yosys script `script` in `dir`, logging to `log`; a failure shows the log's end.
pub fn yosys_logged(dir: &WorkDir, script: &str, log: &str) -> Result<()> {
    let out = run("yosys", &["-q", "-l", log, "-s", script], &dir.path)?;
    if !out.status.success() {
        let text = dir.read(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        bail!(
            "yosys failed (exit {}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    Ok(())
}

/// A working directory: `--keep DIR`, or a temporary one removed on drop.
pub struct WorkDir {
    pub path: PathBuf,
    keep: bool,
}

impl WorkDir {
    pub fn new(keep: Option<&Path>, label: &str) -> Result<WorkDir> {
        let (path, keep) = match keep {
            Some(dir) => (dir.join(label), true),
            None => {
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                (
                    std::env::temp_dir()
                        .join(format!("lmsnoop-{}-{stamp}-{label}", std::process::id())),
                    false,
                )
            }
        };
        std::fs::create_dir_all(&path)
            .with_context(|| format!("creating work directory {}", path.display()))?;
        Ok(WorkDir { path, keep })
    }

    /// Keeps the directory after the run (a counterexample trace must outlive it).
    pub fn persist(&mut self) {
        self.keep = true;
    }

    pub fn write(&self, name: &str, text: &str) -> Result<()> {
        let p = self.path.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
    }

    pub fn read(&self, name: &str) -> Result<String> {
        let p = self.path.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
