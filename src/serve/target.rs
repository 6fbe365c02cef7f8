//! Where `serve` copies to: a local image file, or an NBD export (qemu-nbd, nbdkit).

use crate::nbd::client::NbdClient;
use anyhow::{bail, Context, Result};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

/// Refuses a target file that holds data: `serve` never overwrites one.
pub fn refuse_data(path: &Path) -> Result<()> {
    if path.metadata().is_ok_and(|m| m.len() > 0) {
        bail!(
            "target {} exists and is not empty: lmsnoop will not overwrite it",
            path.display()
        );
    }
    Ok(())
}

pub enum Target {
    File(File),
    /// One connection, one request at a time.
    Nbd(Mutex<NbdClient>),
}

impl Target {
    /// `spec` is `nbd://HOST:PORT[/EXPORT]` or a file path. A file is created at `size`
    /// bytes; an existing non-empty one is refused (it would be overwritten).
    pub fn open(spec: &str, size: u64) -> Result<(Target, bool)> {
        if let Some(rest) = spec.strip_prefix("nbd://") {
            let (addr, export) = rest.split_once('/').unwrap_or((rest, ""));
            let client = NbdClient::connect(addr, export)?;
            if client.size() != size {
                bail!(
                    "target {spec} holds {} bytes, the source {size}: they must match",
                    client.size()
                );
            }
            // Its content is unknown: every granule must be copied, holes included.
            return Ok((Target::Nbd(Mutex::new(client)), false));
        }
        let path = Path::new(spec);
        refuse_data(path)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("creating target {spec}"))?;
        file.set_len(size)
            .with_context(|| format!("sizing target {spec}"))?;
        // A fresh file reads as zeroes: the source's zero granules need no copy.
        Ok((Target::File(file), true))
    }

    pub fn write_at(&self, offset: u64, data: &[u8]) -> Result<()> {
        match self {
            Target::File(f) => Ok(f.write_all_at(data, offset)?),
            Target::Nbd(c) => c.lock().expect("target lock").write_at(offset, data),
        }
    }

    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        match self {
            Target::File(f) => Ok(f.read_exact_at(buf, offset)?),
            Target::Nbd(c) => c.lock().expect("target lock").read_at(offset, buf),
        }
    }

    pub fn flush(&self) -> Result<()> {
        match self {
            Target::File(f) => Ok(f.sync_data()?),
            Target::Nbd(c) => c.lock().expect("target lock").flush(),
        }
    }
}
