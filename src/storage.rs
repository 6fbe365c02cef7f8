//! Source and target namespaces as one version stamp per LBA.
//!
//! A stamp names the write that put the block's data there: 0 is never written, 1 the
//! data present when migration started, 2.. the user writes in submission order. "Target
//! equals source" is then an exact comparison, and a copy is redundant when the target
//! already holds the source's stamp.

/// Stamp of a block never written.
pub const UNWRITTEN: u32 = 0;
/// Stamp of the data present before migration started.
pub const PRE_EXISTING: u32 = 1;

pub struct Namespace {
    stamps: Vec<u32>,
}

impl Namespace {
    /// A namespace of `lbas` blocks, all unwritten. The zeroed allocation is lazy, so
    /// untouched regions cost no memory.
    pub fn new(lbas: u64) -> Self {
        Namespace {
            stamps: vec![UNWRITTEN; lbas as usize],
        }
    }

    pub fn lbas(&self) -> u64 {
        self.stamps.len() as u64
    }

    pub fn write(&mut self, slba: u64, blocks: u64, stamp: u32) {
        self.stamps[slba as usize..(slba + blocks) as usize].fill(stamp);
    }

    pub fn blocks(&self, slba: u64, blocks: u64) -> &[u32] {
        &self.stamps[slba as usize..(slba + blocks) as usize]
    }

    pub fn write_from(&mut self, slba: u64, data: &[u32]) {
        self.stamps[slba as usize..slba as usize + data.len()].copy_from_slice(data);
    }
}
