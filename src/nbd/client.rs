//! A small blocking NBD client, one request at a time: what `serve` needs to copy onto a
//! target that is itself an NBD server (qemu-nbd, nbdkit), and to read it back.

use super::proto::*;
use anyhow::{bail, ensure, Context, Result};
use std::io::{Read, Write};
use std::net::TcpStream;

pub struct NbdClient {
    stream: TcpStream,
    size: u64,
    next_handle: u64,
}

impl NbdClient {
    /// Connects to `addr` (host:port) and opens `export` with NBD_OPT_GO.
    pub fn connect(addr: &str, export: &str) -> Result<Self> {
        let mut s = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        s.set_nodelay(true)?;
        ensure!(read_u64(&mut s)? == NBDMAGIC, "{addr} is not an NBD server");
        ensure!(
            read_u64(&mut s)? == IHAVEOPT,
            "{addr} speaks only the oldstyle handshake"
        );
        let flags = read_u16(&mut s)?;
        ensure!(
            flags & FLAG_FIXED_NEWSTYLE != 0,
            "{addr} is not a fixed newstyle server"
        );
        s.write_all(
            &(FLAG_C_FIXED_NEWSTYLE | (u32::from(flags) & FLAG_C_NO_ZEROES)).to_be_bytes(),
        )?;
        let mut data = (export.len() as u32).to_be_bytes().to_vec();
        data.extend_from_slice(export.as_bytes());
        data.extend_from_slice(&0u16.to_be_bytes());
        let mut head = IHAVEOPT.to_be_bytes().to_vec();
        head.extend_from_slice(&OPT_GO.to_be_bytes());
        head.extend_from_slice(&(data.len() as u32).to_be_bytes());
        head.extend_from_slice(&data);
        s.write_all(&head)?;
        let mut size = None;
        loop {
            ensure!(
                read_u64(&mut s)? == REPLY_MAGIC,
                "bad option reply from {addr}"
            );
            let _option = read_u32(&mut s)?;
            let kind = read_u32(&mut s)?;
            let len = read_u32(&mut s)?;
            ensure!(len <= MAX_OPTION, "option reply of {len} bytes from {addr}");
            let mut body = vec![0u8; len as usize];
            s.read_exact(&mut body)?;
            match kind {
                REP_ACK => break,
                REP_INFO if body.len() >= 12 && body[0..2] == INFO_EXPORT.to_be_bytes() => {
                    size = Some(u64::from_be_bytes(body[2..10].try_into().unwrap()));
                }
                REP_INFO => {}
                k if k & (1 << 31) != 0 => bail!(
                    "{addr} refused export {export:?}: error {k:#x} {}",
                    String::from_utf8_lossy(&body)
                ),
                k => bail!("unexpected option reply {k} from {addr}"),
            }
        }
        let size = size.with_context(|| format!("{addr} sent no export size"))?;
        Ok(NbdClient {
            stream: s,
            size,
            next_handle: 1,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    fn request(
        &mut self,
        kind: u16,
        flags: u16,
        offset: u64,
        length: u32,
        data: &[u8],
    ) -> Result<u64> {
        let handle = self.next_handle;
        self.next_handle += 1;
        let req = Request {
            flags,
            kind,
            handle,
            offset,
            length,
        };
        let mut b = Vec::with_capacity(28 + data.len());
        req.write(&mut b)?;
        b.extend_from_slice(data);
        self.stream.write_all(&b)?;
        Ok(handle)
    }

    fn reply(&mut self, handle: u64, what: &str, payload: &mut [u8]) -> Result<()> {
        ensure!(
            read_u32(&mut self.stream)? == SIMPLE_REPLY_MAGIC,
            "bad reply magic to {what}"
        );
        let error = read_u32(&mut self.stream)?;
        ensure!(
            read_u64(&mut self.stream)? == handle,
            "reply to another request"
        );
        if error != 0 {
            bail!("{what} failed with NBD error {error}");
        }
        self.stream.read_exact(payload)?;
        Ok(())
    }

    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        for (i, chunk) in data.chunks(MAX_PAYLOAD as usize).enumerate() {
            let off = offset + (i * MAX_PAYLOAD as usize) as u64;
            let h = self.request(CMD_WRITE, 0, off, chunk.len() as u32, chunk)?;
            self.reply(h, "write", &mut [])?;
        }
        Ok(())
    }

    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        for (i, chunk) in buf.chunks_mut(MAX_PAYLOAD as usize).enumerate() {
            let off = offset + (i * MAX_PAYLOAD as usize) as u64;
            let h = self.request(CMD_READ, 0, off, chunk.len() as u32, &[])?;
            self.reply(h, "read", chunk)?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        let h = self.request(CMD_FLUSH, 0, 0, 0, &[])?;
        self.reply(h, "flush", &mut [])
    }

    /// NBD_CMD_DISC: the server closes after its in-flight requests.
    pub fn disconnect(mut self) -> Result<()> {
        self.request(CMD_DISC, 0, 0, 0, &[])?;
        Ok(())
    }
}
