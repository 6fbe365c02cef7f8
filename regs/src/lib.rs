//! The contract of the `lm_tracker` snoop block, with no HDL in it.
//!
//! [`map`] is the register map (addresses, fields, access types, reset values, command
//! codes, error flags), [`Method`] the tracking methods it encodes, [`ports`] the block's
//! port table, [`port`] the [`TrackerPort`] trait the firmware drives a tracker through, and
//! [`Bitmap`] the granule bitmaps that cross it. [`render`] derives every generated file
//! from these tables: the C header, the Markdown register tables, the Verilator shim's
//! structs on both sides, the block's CSR read decode and its top-port declarations, the
//! cocotb testbench's Python register module and the XDC/SDC port delays. [`units`] spells the byte sizes of a geometry. The RTL, the golden model, the
//! firmware and the CLI all read this one crate.

pub mod bitmap;
pub mod map;
pub mod method;
pub mod port;
pub mod ports;
pub mod render;
pub mod units;

pub use bitmap::Bitmap;
pub use map::*;
pub use method::Method;
pub use port::{QueryBeat, Snoop, TrackerPort};
