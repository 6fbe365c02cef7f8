//! `lmsnoop serve`: export a disk image over NBD while it migrates to a target.
//!
//! Clients nobody here wrote (fio, qemu-io, qemu-img, nbdcopy) write the source image
//! through [`conn`]; each write, once on the source, goes to the tracker's user-write snoop
//! through the same firmware and migration server as `migrate` ([`engine`]); copy workers
//! move the granules the server plans onto the [`target`]. When the dirty set is small
//! the clients' writes are held (never failed) for the final pass; after it the export
//! stays in sync, each write mirrored, until SIGINT or SIGTERM. Then the last pass is
//! finished, source and target are compared byte by byte, and the run is reported like a
//! `migrate` run.

pub mod bench;
pub mod conn;
pub mod engine;
pub mod target;

use crate::backend::{make_port, Backend};
use crate::faults::FailureCounts;
use crate::metrics::{converged, pass_end, PassMetrics, RunReport};
use crate::storage::RangeSet;
use anyhow::{anyhow, bail, ensure, Context, Result};
use conn::Shared;
use engine::{Engine, Gate, Live, Msg, Phase};
use lmsnoop_firmware::{Device, ServerConfig, TrackingConfig};
use lmsnoop_regs::Method;
use std::fs::{File, OpenOptions};
use std::io::IsTerminal;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub source: PathBuf,
    /// A file path, or `nbd://HOST:PORT[/EXPORT]`.
    pub target: String,
    pub listen: SocketAddr,
    pub allow_remote: bool,
    pub export_name: String,
    pub method: Method,
    pub backend: Backend,
    pub lba_bytes: u64,
    pub granule_bytes: u64,
    pub chunk_bytes: u64,
    pub copy_workers: usize,
    /// Copy bytes per second at most (so a migration lasts long enough to watch).
    pub copy_rate: Option<u64>,
    pub threshold: u64,
    pub max_passes: u32,
    pub progress: bool,
}

impl ServeConfig {
    /// Refuses what no run can use (reported as bad input).
    pub fn check(&self) -> Result<()> {
        if !self.listen.ip().is_loopback() && !self.allow_remote {
            bail!(
                "--listen {} is not a loopback address: NBD has no authentication, so anyone \
                 who reaches it can write the image; add --allow-remote to mean it",
                self.listen
            );
        }
        ensure!(
            self.lba_bytes.is_power_of_two() && (512..=65536).contains(&self.lba_bytes),
            "--lba-size must be a power of two within 512 B..=64 KiB"
        );
        ensure!(
            self.granule_bytes.is_power_of_two() && self.granule_bytes >= self.lba_bytes,
            "--granule must be a power of two, at least one LBA"
        );
        ensure!(
            self.chunk_bytes > 0
                && self.chunk_bytes % self.granule_bytes == 0
                && self.chunk_bytes / self.lba_bytes <= 65536,
            "--chunk must be whole granules and at most 65536 LBAs"
        );
        ensure!(self.copy_workers > 0, "--queue-depth must be at least 1");
        ensure!(self.max_passes > 0, "--max-passes must be at least 1");
        ensure!(
            self.copy_rate != Some(0),
            "--copy-rate must be at least 1 B/s (leave it out to copy at full speed)"
        );
        Ok(())
    }

    /// Refuses, before anything listens, a source image that cannot be opened for reading
    /// and writing or is not a positive number of LBAs, and a target file that holds data
    /// or cannot be created (an `nbd://` target is reached only when the run starts).
    pub fn check_files(&self) -> Result<()> {
        self.open_source()?;
        if self.target.starts_with("nbd://") {
            return Ok(());
        }
        let path = std::path::Path::new(&self.target);
        target::refuse_data(path).context("--target")?;
        crate::report::writable("--target", path)
    }

    fn open_source(&self) -> Result<(File, u64)> {
        let source = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.source)
            .with_context(|| format!("--source {}: cannot be opened", self.source.display()))?;
        let size = source.metadata()?.len();
        ensure!(
            size > 0 && size % self.lba_bytes == 0,
            "--source {} is {size} bytes: not a positive multiple of the {}-byte LBA (--lba-size)",
            self.source.display(),
            self.lba_bytes
        );
        Ok((source, size))
    }
}

/// Set by SIGINT and SIGTERM.
fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    Ok(stop)
}

/// LBA ranges of the source that hold anything but zeroes, by granule; the target file
/// starts as zeroes, so only these need copying.
fn nonzero_extents(shared: &Shared, granule: u64) -> Result<Vec<(u64, u64)>> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut buf = vec![0u8; chunk_bytes(granule) as usize];
    let lba = shared.lba_bytes;
    for (off, n) in image_chunks(shared.size, granule) {
        shared
            .source
            .read_exact_at(&mut buf[..n], off)
            .context("scanning the source")?;
        for (i, g) in buf[..n].chunks(granule as usize).enumerate() {
            if g.iter().any(|&b| b != 0) {
                let lo = (off + i as u64 * granule) / lba;
                let hi = (lo + g.len() as u64 / lba).min(shared.size / lba);
                match out.last_mut() {
                    Some(last) if last.0 + last.1 == lo => last.1 += hi - lo,
                    _ => out.push((lo, hi - lo)),
                }
            }
        }
    }
    Ok(out)
}

/// Bytes read at a time when walking an image: whole granules, about 1 MiB.
fn chunk_bytes(granule: u64) -> u64 {
    granule.max(1 << 20) / granule * granule
}

/// The (offset, length) of each read that walks an image of `size` bytes.
fn image_chunks(size: u64, granule: u64) -> impl Iterator<Item = (u64, usize)> {
    let step = chunk_bytes(granule);
    (0..size)
        .step_by(step as usize)
        .map(move |off| (off, (size - off).min(step) as usize))
}

/// Granules where target and source differ, counted by reading both.
fn compare(shared: &Shared, granule: u64) -> Result<(u64, Vec<u64>)> {
    let step = chunk_bytes(granule) as usize;
    let (mut a, mut b) = (vec![0u8; step], vec![0u8; step]);
    let (mut differ, mut examples) = (0, Vec::new());
    for (off, n) in image_chunks(shared.size, granule) {
        shared.source.read_exact_at(&mut a[..n], off)?;
        shared.target.read_at(off, &mut b[..n])?;
        for (i, (x, y)) in a[..n]
            .chunks(granule as usize)
            .zip(b[..n].chunks(granule as usize))
            .enumerate()
        {
            if x != y {
                differ += 1;
                if examples.len() < 16 {
                    examples.push(off / granule + i as u64);
                }
            }
        }
    }
    Ok((differ, examples))
}

/// A copy budget shared by the workers: `rate` bytes per second.
struct Pace {
    rate: u64,
    next: Mutex<Instant>,
}

impl Pace {
    fn take(&self, bytes: u64) {
        let slot = {
            let mut next = self.next.lock().expect("pace lock");
            let now = Instant::now();
            let start = (*next).max(now);
            *next = start + Duration::from_secs_f64(bytes as f64 / self.rate as f64);
            start
        };
        if let Some(wait) = slot.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
}

fn copy_worker(shared: &Shared, tx: Sender<Msg>, pace: Option<&Pace>) {
    let (reply_tx, reply_rx) = channel();
    let mut buf = Vec::new();
    loop {
        if tx.send(Msg::NextJob(reply_tx.clone())).is_err() {
            return;
        }
        let Ok(Some(job)) = reply_rx.recv() else {
            return;
        };
        // The budget paces pre-copy only: the final pass is downtime, copied flat out.
        if let Some(p) = pace.filter(|_| shared.gate.phase() == Phase::Tracking) {
            p.take(job.bytes);
        }
        buf.resize(job.bytes as usize, 0);
        let ok = shared.source.read_exact_at(&mut buf, job.offset).is_ok()
            && shared.target.write_at(job.offset, &buf).is_ok();
        if tx.send(Msg::JobDone { job, ok }).is_err() {
            return;
        }
    }
}

/// What a serve run measured, with its verdict.
pub struct ServeReport {
    pub run: RunReport,
    pub failure: Option<String>,
    pub clients: u64,
}

/// Runs `serve` until SIGINT or SIGTERM (or `stop`, for tests), then reports.
pub fn serve(cfg: &ServeConfig, stop: Option<Arc<AtomicBool>>) -> Result<ServeReport> {
    let stop = match stop {
        Some(s) => s,
        None => stop_flag()?,
    };
    let (source, size) = cfg.open_source()?;
    let (target, fresh) = target::Target::open(&cfg.target, size)?;
    let listener =
        TcpListener::bind(cfg.listen).with_context(|| format!("listening on {}", cfg.listen))?;
    listener.set_nonblocking(true)?;
    let shared = Shared {
        source,
        size,
        lba_bytes: cfg.lba_bytes,
        export: crate::nbd::proto::ExportInfo {
            name: cfg.export_name.clone(),
            size,
            flags: {
                use crate::nbd::proto::*;
                TFLAG_HAS_FLAGS
                    | TFLAG_SEND_FLUSH
                    | TFLAG_SEND_FUA
                    | TFLAG_SEND_TRIM
                    | TFLAG_SEND_WRITE_ZEROES
                    | TFLAG_CAN_MULTI_CONN
            },
        },
        gate: Gate::default(),
        target,
        mirror: Mutex::new(()),
    };
    let namespace_lbas = size / cfg.lba_bytes;
    let granule_shift = (cfg.granule_bytes / cfg.lba_bytes).trailing_zeros();
    let tracking = TrackingConfig {
        method: cfg.method,
        granule_shift,
        namespace_lbas,
    };
    let mapped = if fresh {
        nonzero_extents(&shared, cfg.granule_bytes)?
    } else {
        vec![(0, namespace_lbas)]
    };
    let mut diverged = RangeSet::new();
    for &(lo, n) in &mapped {
        diverged.insert(lo, lo + n);
    }
    let server_cfg = ServerConfig {
        threshold: cfg.threshold,
        max_passes: cfg.max_passes,
        chunk_granules: cfg.chunk_bytes / cfg.granule_bytes,
        cursor_merge_gap: 0,
        report: lmsnoop_firmware::ChangeReport::QueryBdp,
        final_retries: ServerConfig::DEFAULT_FINAL_RETRIES,
    };
    let live = Live::default();
    let pace = cfg.copy_rate.map(|rate| Pace {
        rate: rate.max(1),
        next: Mutex::new(Instant::now()),
    });
    let started = Instant::now();
    let (tx, rx) = channel::<Msg>();
    eprintln!(
        "lmsnoop serve: exporting {} ({size} bytes) as {:?} on nbd://{}, migrating to {} with {}",
        cfg.source.display(),
        cfg.export_name,
        listener.local_addr()?,
        cfg.target,
        cfg.method
    );
    std::thread::scope(|scope| -> Result<ServeReport> {
        let (ready_tx, ready_rx) = channel::<Result<()>>();
        let engine = {
            let (shared, live, mapped) = (&shared, &live, &mapped);
            let backend = cfg.backend;
            scope.spawn(move || {
                let started = (|| {
                    let port = make_port(backend, tracking.granules(), None)?;
                    let dev = Device::new(port).map_err(|s| anyhow!("probing the tracker: {s}"))?;
                    Engine::new(
                        server_cfg,
                        dev,
                        tracking,
                        mapped,
                        cfg.lba_bytes,
                        diverged,
                        engine::Links {
                            gate: &shared.gate,
                            live,
                        },
                    )
                })();
                match started {
                    Ok(engine) => {
                        let _ = ready_tx.send(Ok(()));
                        Some(engine.run(rx))
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        None
                    }
                }
            })
        };
        ready_rx.recv().context("the engine thread died")??;
        let workers: Vec<_> = (0..cfg.copy_workers)
            .map(|_| {
                let tx = tx.clone();
                let (shared, pace) = (&shared, pace.as_ref());
                scope.spawn(move || copy_worker(shared, tx, pace))
            })
            .collect();
        let bar = progress_bar(cfg.progress);
        let mut conns: Vec<(TcpStream, std::thread::ScopedJoinHandle<'_, ()>)> = Vec::new();
        let mut clients = 0u64;
        let mut finish_sent = false;
        let mut said = (0u64, Phase::Tracking);
        loop {
            said = announce(said, &live, &shared.gate);
            if stop.load(Ordering::Relaxed) && !finish_sent {
                let _ = tx.send(Msg::Finish);
                finish_sent = true;
                eprintln!("lmsnoop serve: finishing the running pass");
            }
            if finish_sent {
                match shared.gate.wait_settled(Duration::from_millis(50)) {
                    Phase::Ready | Phase::Failed(_) => break,
                    _ => {}
                }
            }
            match listener.accept() {
                Ok((stream, peer)) => {
                    clients += 1;
                    let _ = stream.set_nonblocking(false);
                    let keep = stream.try_clone()?;
                    let (shared, tx) = (&shared, tx.clone());
                    let h = scope.spawn(move || {
                        if let Err(e) = conn::serve_connection(stream, shared, tx) {
                            let broken = e.downcast_ref::<std::io::Error>().is_some();
                            if !broken {
                                eprintln!("lmsnoop serve: client {peer}: {e:#}");
                            }
                        }
                    });
                    conns.push((keep, h));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(e).context("accepting a client"),
            }
            conns.retain(|(_, h)| !h.is_finished());
            if let Some(bar) = &bar {
                show(bar, &live, &shared.gate, started);
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        announce(said, &live, &shared.gate);
        // Clients are cut at a request boundary at worst: a request not fully read was
        // never acknowledged.
        for (stream, h) in conns {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            let _ = h.join();
        }
        drop(tx);
        for w in workers {
            let _ = w.join();
        }
        let outcome = engine
            .join()
            .map_err(|_| anyhow!("the engine thread panicked"))?
            .context("the engine never started")?;
        let (phase, downtime) = shared.gate.snapshot();
        let (lost, examples) = compare(&shared, cfg.granule_bytes)?;
        let wall = started.elapsed();
        let failure = outcome.failure.clone().or(match phase {
            Phase::Failed(why) => Some(why),
            _ => None,
        });
        let run = report(cfg, &tracking, outcome, downtime, wall, lost, examples);
        Ok(ServeReport {
            run,
            failure,
            clients,
        })
    })
}

/// One stderr line per pass and per state change (logs and tests read them).
fn announce(said: (u64, Phase), live: &Live, gate: &Gate) -> (u64, Phase) {
    let pass = live.pass.load(Ordering::Relaxed);
    let (phase, downtime) = gate.snapshot();
    if pass != said.0 {
        eprintln!("lmsnoop serve: pass {pass} begins");
    }
    if phase != said.1 {
        match &phase {
            Phase::Tracking => {}
            Phase::Holding => eprintln!("lmsnoop serve: final pass, client writes held"),
            Phase::Ready => eprintln!(
                "lmsnoop serve: ready: target in sync, writes mirrored (downtime {:.3} ms)",
                downtime.unwrap_or_default().as_secs_f64() * 1e3
            ),
            Phase::Failed(why) => eprintln!("lmsnoop serve: migration FAILED: {why}"),
        }
    }
    (pass, phase)
}

fn progress_bar(wanted: bool) -> Option<indicatif::ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn show(bar: &indicatif::ProgressBar, live: &Live, gate: &Gate, started: Instant) {
    let copied = live.copied_bytes.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    let state = match gate.phase() {
        Phase::Tracking => "pre-copy",
        Phase::Holding => "final pass (writes held)",
        Phase::Ready => "ready (in sync)",
        Phase::Failed(_) => "FAILED",
    };
    bar.set_message(format!(
        "{state}: pass {}, {} dirty granules, {} copied ({:.1} MiB/s), {} user writes",
        live.pass.load(Ordering::Relaxed),
        live.dirty.load(Ordering::Relaxed),
        lmsnoop_regs::units::format_size(copied),
        copied as f64 / secs / (1u64 << 20) as f64,
        live.user_writes.load(Ordering::Relaxed)
    ));
}

/// The run as `migrate` reports one: per-pass plans and device counters from the server's
/// records, copy traffic and time from the engine, the verdict from the byte compare.
fn report(
    cfg: &ServeConfig,
    tracking: &TrackingConfig,
    outcome: engine::Outcome,
    downtime: Option<Duration>,
    wall: Duration,
    lost: u64,
    examples: Vec<u64>,
) -> RunReport {
    let records = &outcome.records;
    let end_of_last = outcome.ready_at.unwrap_or_else(Instant::now);
    let mut device_errors = outcome.late_errors;
    let per_pass = records
        .iter()
        .enumerate()
        .map(|(i, rec)| {
            let f = outcome.per_pass.get(i).cloned().unwrap_or_default();
            // A failed run may leave its last pass open: counted up to its start.
            let end = pass_end(records, i).unwrap_or(rec.start);
            device_errors |= rec.start.errors | end.errors;
            let t0 = outcome.pass_start[i.min(outcome.pass_start.len() - 1)];
            let t1 = outcome
                .pass_start
                .get(i + 1)
                .copied()
                .unwrap_or(end_of_last);
            let mut m = PassMetrics {
                user_writes: f.user_writes,
                copied: f.copied,
                redundant: f.redundant,
                failed_copies: f.failed,
                copy_failures: f.failed_writes,
                duration_ns: t1.saturating_duration_since(t0).as_nanos() as u64,
                ..PassMetrics::default()
            };
            m.take_record(records, i, &end);
            m
        })
        .collect::<Vec<_>>();
    let failed_writes = per_pass.iter().map(|p| p.copy_failures).sum();
    RunReport {
        method: cfg.method,
        workload: "nbd clients".into(),
        seed: 0,
        backend: outcome.backend,
        namespace_lbas: tracking.namespace_lbas,
        granule_shift: tracking.granule_shift,
        granules: tracking.granules(),
        mapped_granules: outcome.mapped_granules,
        per_pass,
        converged: converged(records, cfg.threshold),
        downtime_ns: downtime.map_or(0, |d| d.as_nanos() as u64),
        sim_time_ns: wall.as_nanos() as u64,
        lost_updates: lost,
        lost_examples: examples,
        device_errors,
        watch_log: Vec::new(),
        tp4159: None,
        failures: FailureCounts {
            drive: failed_writes,
            ..FailureCounts::default()
        },
        firmware_restarts: 0,
        tracker_resets: 0,
        failover: None,
    }
}
