//! `lmsnoop serve-bench`: the same fio client against `lmsnoop serve` (tracking on, in
//! pre-copy) and against `nbdkit file` on the same image, side by side in one run,
//! alternating which goes first each round; medians and their ratio.

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct BenchSpec {
    pub size: u64,
    pub seconds: u64,
    pub rounds: usize,
    pub depths: Vec<u32>,
    pub method: String,
    pub granule: String,
}

#[derive(Clone, Debug)]
pub struct BenchRow {
    pub depth: u32,
    pub lmsnoop_iops: Vec<f64>,
    pub nbdkit_iops: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

impl BenchRow {
    pub fn ratio(&self) -> f64 {
        median(&self.lmsnoop_iops) / median(&self.nbdkit_iops)
    }
}

/// `tool` is on PATH, or an error with the package that installs it.
pub fn need(tool: &str, package: &str) -> Result<()> {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()));
    ensure!(found, "{tool} is not installed: apt-get install {package}");
    Ok(())
}

/// A loopback port nothing listens on now.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits up to 20 s until `port` accepts connections, failing if `child` exits first.
pub fn wait_port(port: u16, child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("nothing listens on {port}")
}

/// 4 KiB random writes for `seconds` at `depth`: IOPS.
fn fio(port: u16, depth: u32, spec: &BenchSpec) -> Result<f64> {
    let out = Command::new("fio")
        .args([
            "--name=bench",
            "--ioengine=nbd",
            &format!("--uri=nbd://127.0.0.1:{port}"),
            "--rw=randwrite",
            "--bs=4k",
            &format!("--iodepth={depth}"),
            &format!("--size={}", spec.size),
            "--time_based",
            &format!("--runtime={}", spec.seconds),
            "--output-format=json",
        ])
        .output()
        .context("running fio")?;
    ensure!(
        out.status.success(),
        "fio failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let json: Value =
        serde_json::from_str(&text[text.find('{').context("fio printed no JSON")?..])?;
    json["jobs"][0]["write"]["iops"]
        .as_f64()
        .context("fio JSON without write IOPS")
}

fn signal(child: &Child, sig: &str) -> Result<()> {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()?
        .success();
    ensure!(ok, "kill {sig} failed");
    Ok(())
}

fn fresh_copy(image: &Path, to: &Path) -> Result<()> {
    let _ = std::fs::remove_file(to);
    std::fs::copy(image, to).context("copying the image")?;
    Ok(())
}

fn run_nbdkit(dir: &Path, image: &Path, depth: u32, spec: &BenchSpec) -> Result<f64> {
    let img = dir.join("nbdkit.img");
    fresh_copy(image, &img)?;
    let port = free_port()?;
    let mut child = Command::new("nbdkit")
        .args(["-f", "-i", "127.0.0.1", "-p", &port.to_string(), "file"])
        .arg(&img)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting nbdkit")?;
    wait_port(port, &mut child)?;
    let iops = fio(port, depth, spec);
    signal(&child, "-TERM")?;
    child.wait()?;
    iops
}

fn run_lmsnoop(exe: &Path, dir: &Path, image: &Path, depth: u32, spec: &BenchSpec) -> Result<f64> {
    let (img, tgt, json) = (
        dir.join("src.img"),
        dir.join("dst.img"),
        dir.join("report.json"),
    );
    fresh_copy(image, &img)?;
    let _ = std::fs::remove_file(&tgt);
    let port = free_port()?;
    // Pre-copy must outlast the measurement: pace the copy to take three times as long.
    let rate = (spec.size / (3 * spec.seconds).max(1)).max(1 << 20);
    let mut child = Command::new(exe)
        .args(["serve", "--source"])
        .arg(&img)
        .arg("--target")
        .arg(&tgt)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--quiet",
            "--method",
            &spec.method,
            "--granule",
            &spec.granule,
            "--copy-rate",
            &rate.to_string(),
            "--json",
        ])
        .arg(&json)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting lmsnoop serve")?;
    wait_port(port, &mut child)?;
    let iops = fio(port, depth, spec);
    signal(&child, "-INT")?;
    let status = child.wait()?;
    let iops = iops?;
    ensure!(
        status.success(),
        "lmsnoop serve ended with {status}: target != source?"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json)?)?;
    let pass0 = report["per_pass"][0]["duration_us"].as_f64().unwrap_or(0.0);
    ensure!(
        pass0 >= spec.seconds as f64 * 1e6,
        "pre-copy ended after {:.1} s, before the {} s measurement: not a tracking-on figure",
        pass0 / 1e6,
        spec.seconds
    );
    Ok(iops)
}

/// A pseudo-random image (every granule mapped, so every granule is copied).
fn make_image(path: &Path, size: u64) -> Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut block = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        for c in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n])?;
        left -= n as u64;
    }
    f.flush()?;
    Ok(())
}

pub fn run(exe: &Path, spec: &BenchSpec) -> Result<Vec<BenchRow>> {
    need("fio", "fio")?;
    need("nbdkit", "nbdkit")?;
    ensure!(
        spec.rounds > 0 && spec.seconds > 0,
        "rounds and seconds must be positive"
    );
    let dir: PathBuf =
        std::env::temp_dir().join(format!("lmsnoop-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = (|| {
        let image = dir.join("image.img");
        make_image(&image, spec.size)?;
        let mut rows = Vec::new();
        for &depth in &spec.depths {
            let mut row = BenchRow {
                depth,
                lmsnoop_iops: Vec::new(),
                nbdkit_iops: Vec::new(),
            };
            for round in 0..spec.rounds {
                eprintln!("serve-bench: qd {depth}, round {}", round + 1);
                if round % 2 == 0 {
                    row.nbdkit_iops.push(run_nbdkit(&dir, &image, depth, spec)?);
                    row.lmsnoop_iops
                        .push(run_lmsnoop(exe, &dir, &image, depth, spec)?);
                } else {
                    row.lmsnoop_iops
                        .push(run_lmsnoop(exe, &dir, &image, depth, spec)?);
                    row.nbdkit_iops.push(run_nbdkit(&dir, &image, depth, spec)?);
                }
            }
            rows.push(row);
        }
        Ok(rows)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

pub fn table(rows: &[BenchRow], spec: &BenchSpec) -> String {
    let mut out = format!(
        "fio 4 KiB random writes, {} s per run, {} rounds, median IOPS; lmsnoop serve ({}, {} granules) in pre-copy vs nbdkit file\n",
        spec.seconds, spec.rounds, spec.method, spec.granule
    );
    out += &format!(
        "{:>5}  {:>14}  {:>14}  {:>6}\n",
        "qd", "lmsnoop serve", "nbdkit file", "ratio"
    );
    for r in rows {
        out += &format!(
            "{:>5}  {:>14.0}  {:>14.0}  {:>6.2}\n",
            r.depth,
            median(&r.lmsnoop_iops),
            median(&r.nbdkit_iops),
            r.ratio()
        );
    }
    out
}

pub fn json(rows: &[BenchRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                serde_json::json!({
                    "iodepth": r.depth,
                    "lmsnoop_iops": r.lmsnoop_iops,
                    "nbdkit_iops": r.nbdkit_iops,
                    "lmsnoop_median": median(&r.lmsnoop_iops),
                    "nbdkit_median": median(&r.nbdkit_iops),
                    "ratio": r.ratio(),
                })
            })
            .collect(),
    )
}
