//! The Network Block Device protocol, written by hand: [`proto`] is the wire format and the
//! server handshake, [`client`] a blocking client for NBD targets.
//!
//! The crates looked at first: `nbd` 0.3 serves one `Read + Write + Seek` per connection
//! with no NBD_OPT_INFO, FUA or per-request hook, which the snoop needs; `tokio-nbd` 0.1
//! brings an async runtime the rest of lmsnoop does not use. The protocol's fixed newstyle
//! subset is small enough to own.

pub mod client;
pub mod proto;
