//! NBD wire format (doc/proto.md of NetworkBlockDevice/nbd): the fixed newstyle handshake,
//! option haggling and simple-reply transmission. Everything is big-endian.

use std::io::{self, Read, Write};

pub const NBDMAGIC: u64 = 0x4e42_444d_4147_4943;
pub const IHAVEOPT: u64 = 0x4948_4156_454F_5054;
pub const REPLY_MAGIC: u64 = 0x0003_e889_0455_65a9;
pub const REQUEST_MAGIC: u32 = 0x2560_9513;
pub const SIMPLE_REPLY_MAGIC: u32 = 0x6744_6698;

/// Handshake flags (server) and client flags.
pub const FLAG_FIXED_NEWSTYLE: u16 = 1 << 0;
pub const FLAG_NO_ZEROES: u16 = 1 << 1;
pub const FLAG_C_FIXED_NEWSTYLE: u32 = 1 << 0;
pub const FLAG_C_NO_ZEROES: u32 = 1 << 1;

/// Options.
pub const OPT_EXPORT_NAME: u32 = 1;
pub const OPT_ABORT: u32 = 2;
pub const OPT_LIST: u32 = 3;
pub const OPT_INFO: u32 = 6;
pub const OPT_GO: u32 = 7;

/// Option reply types.
pub const REP_ACK: u32 = 1;
pub const REP_SERVER: u32 = 2;
pub const REP_INFO: u32 = 3;
const REP_ERR: u32 = 1 << 31;
pub const REP_ERR_UNSUP: u32 = REP_ERR | 1;
pub const REP_ERR_INVALID: u32 = REP_ERR | 3;
pub const REP_ERR_UNKNOWN: u32 = REP_ERR | 6;

/// Information types of NBD_REP_INFO.
pub const INFO_EXPORT: u16 = 0;
pub const INFO_BLOCK_SIZE: u16 = 3;

/// Transmission flags.
pub const TFLAG_HAS_FLAGS: u16 = 1 << 0;
pub const TFLAG_SEND_FLUSH: u16 = 1 << 2;
pub const TFLAG_SEND_FUA: u16 = 1 << 3;
pub const TFLAG_SEND_TRIM: u16 = 1 << 5;
pub const TFLAG_SEND_WRITE_ZEROES: u16 = 1 << 6;
pub const TFLAG_CAN_MULTI_CONN: u16 = 1 << 8;

/// Commands and command flags.
pub const CMD_READ: u16 = 0;
pub const CMD_WRITE: u16 = 1;
pub const CMD_DISC: u16 = 2;
pub const CMD_FLUSH: u16 = 3;
pub const CMD_TRIM: u16 = 4;
pub const CMD_WRITE_ZEROES: u16 = 6;
pub const CMD_FLAG_FUA: u16 = 1 << 0;

/// Errors a reply carries (errno values the protocol fixes).
pub const EIO: u32 = 5;
pub const EINVAL: u32 = 22;
pub const ENOSPC: u32 = 28;
pub const EOVERFLOW: u32 = 75;
pub const ENOTSUP: u32 = 95;
pub const ESHUTDOWN: u32 = 108;

/// Largest request payload served; a larger read gets EOVERFLOW, a larger write closes the
/// connection (its payload cannot be trusted to be skipped).
pub const MAX_PAYLOAD: u32 = 32 << 20;
/// Largest option payload accepted during the handshake.
pub const MAX_OPTION: u32 = 64 << 10;

pub fn read_u16(r: &mut impl Read) -> io::Result<u16> {
    let mut b = [0; 2];
    r.read_exact(&mut b)?;
    Ok(u16::from_be_bytes(b))
}

pub fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_be_bytes(b))
}

pub fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_be_bytes(b))
}

/// A transmission request's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub flags: u16,
    pub kind: u16,
    pub handle: u64,
    pub offset: u64,
    pub length: u32,
}

impl Request {
    /// Reads a header; `Ok(None)` on a bad magic (the caller disconnects).
    pub fn read(r: &mut impl Read) -> io::Result<Option<Request>> {
        let mut b = [0u8; 28];
        r.read_exact(&mut b)?;
        let be32 = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap());
        let be64 = |i: usize| u64::from_be_bytes(b[i..i + 8].try_into().unwrap());
        if be32(0) != REQUEST_MAGIC {
            return Ok(None);
        }
        Ok(Some(Request {
            flags: u16::from_be_bytes([b[4], b[5]]),
            kind: u16::from_be_bytes([b[6], b[7]]),
            handle: be64(8),
            offset: be64(16),
            length: be32(24),
        }))
    }

    pub fn write(&self, w: &mut impl Write) -> io::Result<()> {
        let mut b = Vec::with_capacity(28);
        b.extend_from_slice(&REQUEST_MAGIC.to_be_bytes());
        b.extend_from_slice(&self.flags.to_be_bytes());
        b.extend_from_slice(&self.kind.to_be_bytes());
        b.extend_from_slice(&self.handle.to_be_bytes());
        b.extend_from_slice(&self.offset.to_be_bytes());
        b.extend_from_slice(&self.length.to_be_bytes());
        w.write_all(&b)
    }
}

/// A simple reply: magic, error, handle, then `data` (a read's payload, on success).
pub fn simple_reply(w: &mut impl Write, handle: u64, error: u32, data: &[u8]) -> io::Result<()> {
    let mut b = Vec::with_capacity(16 + data.len());
    b.extend_from_slice(&SIMPLE_REPLY_MAGIC.to_be_bytes());
    b.extend_from_slice(&error.to_be_bytes());
    b.extend_from_slice(&handle.to_be_bytes());
    b.extend_from_slice(data);
    w.write_all(&b)
}

/// An option reply.
pub fn option_reply(w: &mut impl Write, option: u32, kind: u32, data: &[u8]) -> io::Result<()> {
    let mut b = Vec::with_capacity(20 + data.len());
    b.extend_from_slice(&REPLY_MAGIC.to_be_bytes());
    b.extend_from_slice(&option.to_be_bytes());
    b.extend_from_slice(&kind.to_be_bytes());
    b.extend_from_slice(&(data.len() as u32).to_be_bytes());
    b.extend_from_slice(data);
    w.write_all(&b)
}

/// What the export looks like to a client.
#[derive(Clone, Debug)]
pub struct ExportInfo {
    pub name: String,
    pub size: u64,
    pub flags: u16,
}

/// How the handshake ended.
pub enum Handshake {
    /// The client chose the export: transmission follows.
    Transmission,
    /// The client aborted or sent something the protocol cannot continue from.
    Closed(String),
}

/// The server side of the fixed newstyle handshake, up to transmission. Malformed input
/// gets the option error the protocol defines where it can be answered, else a close.
pub fn server_handshake(s: &mut (impl Read + Write), export: &ExportInfo) -> io::Result<Handshake> {
    let mut hello = Vec::with_capacity(18);
    hello.extend_from_slice(&NBDMAGIC.to_be_bytes());
    hello.extend_from_slice(&IHAVEOPT.to_be_bytes());
    hello.extend_from_slice(&(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES).to_be_bytes());
    s.write_all(&hello)?;
    let client_flags = read_u32(s)?;
    if client_flags & !(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES) != 0 {
        return Ok(Handshake::Closed(format!(
            "unknown client flags {client_flags:#x}"
        )));
    }
    let no_zeroes = client_flags & FLAG_C_NO_ZEROES != 0;
    loop {
        if read_u64(s)? != IHAVEOPT {
            return Ok(Handshake::Closed("option without IHAVEOPT".into()));
        }
        let option = read_u32(s)?;
        let len = read_u32(s)?;
        if len > MAX_OPTION {
            return Ok(Handshake::Closed(format!("option {option} of {len} bytes")));
        }
        let mut data = vec![0u8; len as usize];
        s.read_exact(&mut data)?;
        match option {
            OPT_EXPORT_NAME => {
                // No error reply exists for this option: an unknown name closes.
                if !data.is_empty() && data != export.name.as_bytes() {
                    return Ok(Handshake::Closed("unknown export name".into()));
                }
                let mut b = Vec::with_capacity(134);
                b.extend_from_slice(&export.size.to_be_bytes());
                b.extend_from_slice(&export.flags.to_be_bytes());
                if !no_zeroes {
                    b.extend_from_slice(&[0u8; 124]);
                }
                s.write_all(&b)?;
                return Ok(Handshake::Transmission);
            }
            OPT_ABORT => {
                option_reply(s, option, REP_ACK, &[])?;
                return Ok(Handshake::Closed("client aborted".into()));
            }
            OPT_LIST => {
                if !data.is_empty() {
                    option_reply(s, option, REP_ERR_INVALID, b"LIST takes no data")?;
                    continue;
                }
                let mut entry = (export.name.len() as u32).to_be_bytes().to_vec();
                entry.extend_from_slice(export.name.as_bytes());
                option_reply(s, option, REP_SERVER, &entry)?;
                option_reply(s, option, REP_ACK, &[])?;
            }
            OPT_INFO | OPT_GO => match parse_info_request(&data) {
                None => option_reply(s, option, REP_ERR_INVALID, b"malformed INFO/GO request")?,
                Some(name) if !name.is_empty() && name != export.name.as_bytes() => {
                    option_reply(s, option, REP_ERR_UNKNOWN, b"no such export")?
                }
                Some(_) => {
                    let mut info = INFO_EXPORT.to_be_bytes().to_vec();
                    info.extend_from_slice(&export.size.to_be_bytes());
                    info.extend_from_slice(&export.flags.to_be_bytes());
                    option_reply(s, option, REP_INFO, &info)?;
                    let mut sizes = INFO_BLOCK_SIZE.to_be_bytes().to_vec();
                    for v in [1u32, 4096, MAX_PAYLOAD] {
                        sizes.extend_from_slice(&v.to_be_bytes());
                    }
                    option_reply(s, option, REP_INFO, &sizes)?;
                    option_reply(s, option, REP_ACK, &[])?;
                    if option == OPT_GO {
                        return Ok(Handshake::Transmission);
                    }
                }
            },
            _ => option_reply(s, option, REP_ERR_UNSUP, b"option not supported")?,
        }
    }
}

/// The export name of an INFO/GO request (`u32 len, name, u16 n, n × u16`), if well formed.
fn parse_info_request(data: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(data.get(0..4)?.try_into().ok()?) as usize;
    let name = data.get(4..4usize.checked_add(len)?)?;
    let rest = &data[4 + len..];
    let n = u16::from_be_bytes(rest.get(0..2)?.try_into().ok()?) as usize;
    (rest.len() == 2 + 2 * n).then_some(name)
}
