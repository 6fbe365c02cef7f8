//! The accept stage's LBA-to-granule shift.

use rust_hdl::prelude::*;

/// `lba >> shift`, cut to the granule index of a buffer of `64 << A` granules.
///
/// Three 4:1 stages by shift[5:4], [3:2], [1:0], largest step first. Yosys expands a
/// variable shift smallest step first, so every stage is 64 bits wide; largest first, each
/// stage keeps only the bits the later ones can still move into the index (index + 15,
/// then index + 3): 78 instead of about 240 LUT6 at 2^20 granules.
#[derive(LogicBlock)]
pub struct GranuleShift<const A: usize> {
    pub lba: Signal<In, Bits<64>>,
    pub shift: Signal<In, Bits<6>>,
    pub granule: Signal<Out, Bits<32>>,
    by16: Signal<Local, Bits<64>>,
    by4: Signal<Local, Bits<64>>,
    k_hi: Constant<Bits<6>>,
    k_mid: Constant<Bits<6>>,
    k_lo: Constant<Bits<6>>,
    k_m16: Constant<Bits<64>>,
    k_m4: Constant<Bits<64>>,
    k_index: Constant<Bits<32>>,
}

impl<const A: usize> GranuleShift<A> {
    const CAPACITY: u64 = 64 << A;
}

impl<const A: usize> Default for GranuleShift<A> {
    fn default() -> Self {
        GranuleShift {
            lba: Default::default(),
            shift: Default::default(),
            granule: Default::default(),
            by16: Default::default(),
            by4: Default::default(),
            k_hi: Constant::new(0x30u64.to_bits()),
            k_mid: Constant::new(0x0Cu64.to_bits()),
            k_lo: Constant::new(0x03u64.to_bits()),
            k_m16: Constant::new(((Self::CAPACITY << 15) - 1).to_bits()),
            k_m4: Constant::new(((Self::CAPACITY << 3) - 1).to_bits()),
            k_index: Constant::new((Self::CAPACITY - 1).to_bits()),
        }
    }
}

impl<const A: usize> Logic for GranuleShift<A> {
    #[hdl_gen]
    fn update(&mut self) {
        self.by16.next =
            (self.lba.val() >> (self.shift.val() & self.k_hi.val())) & self.k_m16.val();
        self.by4.next =
            (self.by16.val() >> (self.shift.val() & self.k_mid.val())) & self.k_m4.val();
        self.granule.next =
            bit_cast::<32, 64>(self.by4.val() >> (self.shift.val() & self.k_lo.val()))
                & self.k_index.val();
    }
}
