//! NVMe Live Migration (TP4159, NVMe 2.1): user-data-change logging through a Controller
//! Data Queue, served from the snoop block's dirty bitmaps.
//!
//! [`nvme`] holds the admin command and completion words and the status codes,
//! [`entry`] the 32-byte LBA Migration Queue Entry Type 0, [`memory`] the host memory the
//! ring lives in, [`controller`] the device side (create/delete the queue, Track Send,
//! Migration Send suspend/resume, the head pointer feature, draining the active buffer
//! into coalesced entries) and [`host`] the host side that reads the ring and turns it
//! into a copy plan.

pub mod controller;
pub mod entry;
pub mod host;
pub mod memory;
pub mod nvme;

pub use controller::{UdmConfig, UdmController, UdmStats, NSID};
pub use entry::{ChangeInfo, Esa, MigrationEntry, ENTRY_BYTES, ENTRY_DWORDS};
pub use host::{CdqHost, CdqSummary, Drained};
pub use memory::HostMemory;
pub use nvme::{AdminCommand, Completion, NvmeStatus};
