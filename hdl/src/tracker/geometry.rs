//! The geometry engine of LOAD and START: granules = ceil(NS_LBAS / 2^shift), and whether
//! they fit the buffer.

use rust_hdl::prelude::*;

/// A serial divider by a power of two: one shift step per cycle, the shifted-out bits
/// kept as one sticky bit, so that no 64-bit barrel shifter sits on the command path.
///
/// `start` loads NS_LBAS and the shift; `busy` stays high while steps remain. The cycle
/// after `busy` falls, `granules` and `fits` describe the result (they are registered one
/// cycle behind the shifted value, so that the command engine's exit, which loads many
/// flops, hangs behind no 64-bit compare). Granules fit when at most the capacity: below
/// it, or exactly it with nothing shifted out.
#[derive(LogicBlock)]
pub struct Geometry<const A: usize> {
    pub clock: Signal<In, Clock>,
    pub start: Signal<In, Bit>,
    pub ns_lbas: Signal<In, Bits<64>>,
    pub shift: Signal<In, Bits<6>>,
    pub busy: Signal<Out, Bit>,
    pub granules: Signal<Out, Bits<32>>,
    pub fits: Signal<Out, Bit>,
    val: DFF<Bits<64>>,
    cnt: DFF<Bits<6>>,
    sticky: DFF<Bit>,
    r_granules: DFF<Bits<32>>,
    r_fits: DFF<Bit>,
    /// Granule counts fit in log2(capacity) + 1 bits.
    k_gmask: Constant<Bits<32>>,
    /// log2(capacity): a value with a bit at or above it is at least the capacity.
    k_gbits: Constant<Bits<7>>,
    k_capacity: Constant<Bits<64>>,
}

impl<const A: usize> Geometry<A> {
    const CAPACITY: u64 = 64 << A;
}

impl<const A: usize> Default for Geometry<A> {
    fn default() -> Self {
        Geometry {
            clock: Default::default(),
            start: Default::default(),
            ns_lbas: Default::default(),
            shift: Default::default(),
            busy: Default::default(),
            granules: Default::default(),
            fits: Default::default(),
            val: Default::default(),
            cnt: Default::default(),
            sticky: Default::default(),
            r_granules: Default::default(),
            r_fits: Default::default(),
            k_gmask: Constant::new(((Self::CAPACITY << 1) - 1).to_bits()),
            k_gbits: Constant::new(((A + 6) as u64).to_bits()),
            k_capacity: Constant::new(Self::CAPACITY.to_bits()),
        }
    }
}

impl<const A: usize> Logic for Geometry<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, val, cnt, sticky, r_granules, r_fits);
        self.busy.next = self.cnt.q.val() != 0;
        self.granules.next = self.r_granules.q.val();
        self.fits.next = self.r_fits.q.val();
        self.r_granules.d.next = (bit_cast::<32, 64>(self.val.q.val()) & self.k_gmask.val())
            + bit_cast::<32, 1>(bits::<1>(self.sticky.q.val().into()));
        self.r_fits.d.next = ((self.val.q.val() >> self.k_gbits.val()) == 0)
            | ((self.val.q.val() == self.k_capacity.val()) & !self.sticky.q.val());
        if self.cnt.q.val() != 0 {
            self.val.d.next = self.val.q.val() >> 1;
            self.sticky.d.next = self.sticky.q.val() | self.val.q.val().get_bit(0);
            self.cnt.d.next = self.cnt.q.val() - 1;
        }
        if self.start.val() {
            self.val.d.next = self.ns_lbas.val();
            self.cnt.d.next = self.shift.val();
            self.sticky.d.next = false;
        }
    }
}
