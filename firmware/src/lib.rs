//! Firmware model of a storage controller that carries the `lm_tracker` snoop block.
//!
//! [`device`] turns the host's migration commands (StartTracking, QueryBmp, SwapBdp,
//! QueryBdp, ReleaseBdp, SetPlan, MarkDirty, GetStatus, StopTracking) into CSR accesses and
//! stream beats on a [`lmsnoop_regs::TrackerPort`], refusing each one with an NVMe-style
//! status in the wrong state. [`server`] is the migration server's pre-copy loop as a
//! time-free state machine: the simulator (or a real host) feeds it completions and it
//! answers with the next copy to issue. [`tp4159`] is the NVMe Live Migration front end:
//! user data changes posted as coalesced LBA ranges on a Controller Data Queue.

pub mod device;
pub mod server;
pub mod status;
pub mod tp4159;

pub use device::{Device, DeviceStatus, TrackingConfig};
pub use server::{ChangeReport, CopyJob, MigrationServer, Next, ServerConfig};
pub use status::Status;
