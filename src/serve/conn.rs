//! One NBD client connection: the handshake, then requests one at a time.
//!
//! A write is acknowledged only once its data is on the source image (and on the target
//! too once the migration is ready); a request cut short by a disconnect was never
//! acknowledged, so nothing acknowledged is lost. Bad requests get the protocol's errors.

use super::engine::{Gate, Msg, Phase};
use super::target::Target;
use crate::nbd::proto::*;
use anyhow::Result;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::FileExt;
use std::sync::mpsc::Sender;
use std::sync::Mutex;

/// What every connection shares.
pub struct Shared {
    pub source: File,
    pub size: u64,
    pub lba_bytes: u64,
    pub export: ExportInfo,
    pub gate: Gate,
    pub target: Target,
    /// Ready-state writes go to source and target under this lock, so two overlapping
    /// writes land in the same order on both.
    pub mirror: Mutex<()>,
}

/// Bytes of zeroes written at a time for TRIM and WRITE_ZEROES.
const ZERO_CHUNK: usize = 1 << 20;

pub fn serve_connection(stream: TcpStream, shared: &Shared, tx: Sender<Msg>) -> Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(1 << 20, stream.try_clone()?);
    let mut writer = BufWriter::with_capacity(1 << 20, stream);
    let mut both = Duplex(&mut reader, &mut writer);
    match server_handshake(&mut both, &shared.export)? {
        Handshake::Closed(_) => return Ok(()),
        Handshake::Transmission => {}
    }
    writer.flush()?;
    let mut buf = Vec::new();
    loop {
        let Some(req) = Request::read(&mut reader)? else {
            return Ok(()); // bad magic: the stream cannot be trusted any more
        };
        let end = req.offset.checked_add(u64::from(req.length));
        let in_range = end.is_some_and(|e| e <= shared.size);
        let error = match req.kind {
            CMD_DISC => {
                writer.flush()?;
                return Ok(());
            }
            CMD_READ => {
                if req.length > MAX_PAYLOAD || !in_range {
                    EINVAL
                } else {
                    buf.resize(req.length as usize, 0);
                    match shared.source.read_exact_at(&mut buf, req.offset) {
                        Ok(()) => {
                            simple_reply(&mut writer, req.handle, 0, &buf)?;
                            flush_if_idle(&reader, &mut writer)?;
                            continue;
                        }
                        Err(_) => EIO,
                    }
                }
            }
            CMD_WRITE => {
                if req.length > MAX_PAYLOAD {
                    return Ok(()); // its payload cannot be skipped safely: close
                }
                buf.resize(req.length as usize, 0);
                reader.read_exact(&mut buf)?;
                if !in_range {
                    ENOSPC
                } else {
                    let done = write(shared, req.offset, Data::Bytes(&buf), req.flags);
                    reply_then_snoop(&reader, &mut writer, &tx, req.handle, done)?;
                    continue;
                }
            }
            CMD_TRIM | CMD_WRITE_ZEROES => {
                if !in_range {
                    ENOSPC
                } else {
                    let zeroes = Data::Zeroes(req.length as usize);
                    let done = write(shared, req.offset, zeroes, req.flags);
                    reply_then_snoop(&reader, &mut writer, &tx, req.handle, done)?;
                    continue;
                }
            }
            CMD_FLUSH => {
                let mut ok = shared.source.sync_data().is_ok();
                if shared.gate.phase() == Phase::Ready {
                    ok &= shared.target.flush().is_ok();
                }
                if ok {
                    0
                } else {
                    EIO
                }
            }
            _ => EINVAL,
        };
        simple_reply(&mut writer, req.handle, error, &[])?;
        flush_if_idle(&reader, &mut writer)?;
    }
}

/// Replies are batched while more requests are already buffered (a client with a queue).
/// Replies wait in the buffer only while the next request is already there in full (a
/// client with a queue); before any read that could block they go out, so neither side
/// ever waits on the other.
fn flush_if_idle(reader: &BufReader<TcpStream>, writer: &mut BufWriter<TcpStream>) -> Result<()> {
    if !next_request_buffered(reader.buffer()) {
        writer.flush()?;
    }
    Ok(())
}

/// Whether `buf` holds a whole request: its header, and a write's payload.
fn next_request_buffered(buf: &[u8]) -> bool {
    if buf.len() < 28 {
        return false;
    }
    let kind = u16::from_be_bytes([buf[6], buf[7]]);
    let length = u32::from_be_bytes(buf[24..28].try_into().expect("4 bytes")) as usize;
    kind != CMD_WRITE || buf.len() >= 28 + length
}

enum Data<'a> {
    Bytes(&'a [u8]),
    Zeroes(usize),
}

fn put(file: &dyn Fn(u64, &[u8]) -> Result<()>, offset: u64, data: &Data) -> Result<()> {
    match data {
        Data::Bytes(b) => file(offset, b),
        Data::Zeroes(len) => {
            let zeroes = vec![0u8; (*len).min(ZERO_CHUNK)];
            let mut done = 0;
            while done < *len {
                let n = (*len - done).min(ZERO_CHUNK);
                file(offset + done as u64, &zeroes[..n])?;
                done += n;
            }
            Ok(())
        }
    }
}

/// A write's NBD error, and the LBAs to snoop when it was tracked.
struct Written {
    error: u32,
    snoop: Option<Msg>,
}

/// Replies first, then tells the engine: the data is on the source either way, and the
/// client need not wait for the engine thread to wake. The write stays counted in flight
/// until the engine has it, so the final pass still waits for it.
fn reply_then_snoop(
    reader: &BufReader<TcpStream>,
    writer: &mut BufWriter<TcpStream>,
    tx: &Sender<Msg>,
    handle: u64,
    done: Written,
) -> Result<()> {
    let replied = simple_reply(writer, handle, done.error, &[])
        .map_err(anyhow::Error::from)
        .and_then(|()| flush_if_idle(reader, writer));
    if let Some(msg) = done.snoop {
        let _ = tx.send(msg);
    }
    replied
}

/// A write of the source, tracked, mirrored or plain as the gate says.
fn write(shared: &Shared, offset: u64, data: Data, flags: u16) -> Written {
    let len = match &data {
        Data::Bytes(b) => b.len(),
        Data::Zeroes(n) => *n,
    } as u64;
    let source = |off: u64, b: &[u8]| -> Result<()> { Ok(shared.source.write_all_at(b, off)?) };
    let fua = flags & CMD_FLAG_FUA != 0;
    let mut snoop = None;
    let result = match shared.gate.admit() {
        Phase::Tracking => {
            let r = put(&source, offset, &data);
            // Even a failed write may have changed the source: the tracker hears of it.
            let lo = offset / shared.lba_bytes;
            let hi = (offset + len).div_ceil(shared.lba_bytes);
            snoop = Some(Msg::Wrote { lo, hi });
            r
        }
        Phase::Ready => {
            let _order = shared.mirror.lock().expect("mirror lock");
            let target = |off: u64, b: &[u8]| shared.target.write_at(off, b);
            put(&source, offset, &data)
                .and_then(|()| put(&target, offset, &data))
                .and_then(|()| if fua { shared.target.flush() } else { Ok(()) })
        }
        Phase::Holding => unreachable!("admit never returns Holding"),
        Phase::Failed(_) => put(&source, offset, &data),
    };
    let synced = !fua || shared.source.sync_data().is_ok();
    Written {
        error: if result.is_ok() && synced { 0 } else { EIO },
        snoop,
    }
}

/// One `Read + Write` out of a buffered reader and writer on the same socket.
struct Duplex<'a>(&'a mut BufReader<TcpStream>, &'a mut BufWriter<TcpStream>);

impl Read for Duplex<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // The server speaks first in each exchange; what it wrote must be on the wire
        // before it waits for the answer.
        self.1.flush()?;
        self.0.read(buf)
    }
}

impl Write for Duplex<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.1.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.1.flush()
    }
}
