//! Host memory as the device sees it over DMA: page-aligned buffers in one address space.
//!
//! The Controller Data Queue lives here: the host allocates it, hands its address to the
//! device (PRP1 of the create command) and reads what the device posts. A device write
//! outside every buffer is refused, never a panic: the device reports it as an error.

/// Page size of the buffers and the alignment a CDQ base needs.
pub const PAGE: u64 = 4096;

#[derive(Default)]
pub struct HostMemory {
    /// (base address, bytes), ascending by base.
    buffers: Vec<(u64, Vec<u8>)>,
    next: u64,
}

impl HostMemory {
    pub fn new() -> Self {
        // Address 0 stays unmapped, so a zero PRP is caught.
        HostMemory {
            buffers: Vec::new(),
            next: PAGE,
        }
    }

    /// A zeroed buffer of `bytes`, page-aligned; returns its address.
    pub fn alloc(&mut self, bytes: usize) -> u64 {
        let base = self.next;
        self.next += (bytes as u64).div_ceil(PAGE).max(1) * PAGE;
        self.buffers.push((base, vec![0; bytes]));
        base
    }

    /// Releases the buffer at `base` (no-op when none is there).
    pub fn free(&mut self, base: u64) {
        self.buffers.retain(|(b, _)| *b != base);
    }

    fn find(&mut self, addr: u64, len: usize) -> Option<&mut [u8]> {
        let (base, buf) = self
            .buffers
            .iter_mut()
            .find(|(b, buf)| addr >= *b && addr - *b < buf.len() as u64)?;
        let off = (addr - *base) as usize;
        buf.get_mut(off..off.checked_add(len)?)
    }

    /// Whether `[addr, addr + len)` lies inside one buffer.
    pub fn contains(&mut self, addr: u64, len: usize) -> bool {
        self.find(addr, len).is_some()
    }

    /// A device write (DMA); false when the range is not host memory.
    pub fn dma_write(&mut self, addr: u64, data: &[u8]) -> bool {
        match self.find(addr, data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                true
            }
            None => false,
        }
    }

    /// A host read; None outside every buffer.
    pub fn read(&mut self, addr: u64, len: usize) -> Option<&[u8]> {
        self.find(addr, len).map(|s| &*s)
    }
}
