//! The datapath's 64-bit popcount.

use rust_hdl::prelude::*;

/// Population count of a 64-bit word, shaped for LUT fabrics: two bit-sliced adder layers
/// (pure AND/XOR across the word, so no carry chain runs through unrelated fields) give 16
/// nibble counts, then a tree of 15 adders of 4 to 7 bits sums them. The textbook SWAR
/// form uses full 64-bit adds at every layer, which synthesis cannot narrow: it cost about
/// three times the LUTs.
#[derive(LogicBlock)]
pub struct Popcount64 {
    pub word: Signal<In, Bits<64>>,
    pub count: Signal<Out, Bits<7>>,
    /// Each 2-bit field holds the count of its two bits.
    pairs: Signal<Local, Bits<64>>,
    x0: Signal<Local, Bits<64>>,
    x1: Signal<Local, Bits<64>>,
    y0: Signal<Local, Bits<64>>,
    y1: Signal<Local, Bits<64>>,
    c0: Signal<Local, Bits<64>>,
    /// Each 4-bit field holds the count of its four bits (0..=4).
    nibbles: Signal<Local, Bits<64>>,
    s4_0: Signal<Local, Bits<4>>,
    s4_1: Signal<Local, Bits<4>>,
    s4_2: Signal<Local, Bits<4>>,
    s4_3: Signal<Local, Bits<4>>,
    s4_4: Signal<Local, Bits<4>>,
    s4_5: Signal<Local, Bits<4>>,
    s4_6: Signal<Local, Bits<4>>,
    s4_7: Signal<Local, Bits<4>>,
    s5_0: Signal<Local, Bits<5>>,
    s5_1: Signal<Local, Bits<5>>,
    s5_2: Signal<Local, Bits<5>>,
    s5_3: Signal<Local, Bits<5>>,
    s6_0: Signal<Local, Bits<6>>,
    s6_1: Signal<Local, Bits<6>>,
    m1: Constant<Bits<64>>,
    m_lsb: Constant<Bits<64>>,
}

impl Default for Popcount64 {
    fn default() -> Self {
        Popcount64 {
            word: Default::default(),
            count: Default::default(),
            pairs: Default::default(),
            x0: Default::default(),
            x1: Default::default(),
            y0: Default::default(),
            y1: Default::default(),
            c0: Default::default(),
            nibbles: Default::default(),
            s4_0: Default::default(),
            s4_1: Default::default(),
            s4_2: Default::default(),
            s4_3: Default::default(),
            s4_4: Default::default(),
            s4_5: Default::default(),
            s4_6: Default::default(),
            s4_7: Default::default(),
            s5_0: Default::default(),
            s5_1: Default::default(),
            s5_2: Default::default(),
            s5_3: Default::default(),
            s6_0: Default::default(),
            s6_1: Default::default(),
            m1: Constant::new(0x5555_5555_5555_5555u64.to_bits()),
            m_lsb: Constant::new(0x1111_1111_1111_1111u64.to_bits()),
        }
    }
}

impl Logic for Popcount64 {
    #[hdl_gen]
    fn update(&mut self) {
        // Half adders on bit pairs: carry to bit 1 of the field, sum in bit 0.
        self.pairs.next = (((self.word.val() >> 1) & self.word.val() & self.m1.val()) << 1)
            | ((self.word.val() ^ (self.word.val() >> 1)) & self.m1.val());
        // Two-bit ripple adders on field pairs, bit-sliced: x = low field, y = high field.
        self.x0.next = self.pairs.val() & self.m_lsb.val();
        self.x1.next = (self.pairs.val() >> 1) & self.m_lsb.val();
        self.y0.next = (self.pairs.val() >> 2) & self.m_lsb.val();
        self.y1.next = (self.pairs.val() >> 3) & self.m_lsb.val();
        self.c0.next = self.x0.val() & self.y0.val();
        self.nibbles.next = (self.x0.val() ^ self.y0.val())
            | ((self.x1.val() ^ self.y1.val() ^ self.c0.val()) << 1)
            | (((self.x1.val() & self.y1.val())
                | (self.c0.val() & (self.x1.val() ^ self.y1.val())))
                << 2);
        self.s4_0.next = self.nibbles.val().get_bits::<4>(0) + self.nibbles.val().get_bits::<4>(4);
        self.s4_1.next = self.nibbles.val().get_bits::<4>(8) + self.nibbles.val().get_bits::<4>(12);
        self.s4_2.next =
            self.nibbles.val().get_bits::<4>(16) + self.nibbles.val().get_bits::<4>(20);
        self.s4_3.next =
            self.nibbles.val().get_bits::<4>(24) + self.nibbles.val().get_bits::<4>(28);
        self.s4_4.next =
            self.nibbles.val().get_bits::<4>(32) + self.nibbles.val().get_bits::<4>(36);
        self.s4_5.next =
            self.nibbles.val().get_bits::<4>(40) + self.nibbles.val().get_bits::<4>(44);
        self.s4_6.next =
            self.nibbles.val().get_bits::<4>(48) + self.nibbles.val().get_bits::<4>(52);
        self.s4_7.next =
            self.nibbles.val().get_bits::<4>(56) + self.nibbles.val().get_bits::<4>(60);
        self.s5_0.next = bit_cast::<5, 4>(self.s4_0.val()) + bit_cast::<5, 4>(self.s4_1.val());
        self.s5_1.next = bit_cast::<5, 4>(self.s4_2.val()) + bit_cast::<5, 4>(self.s4_3.val());
        self.s5_2.next = bit_cast::<5, 4>(self.s4_4.val()) + bit_cast::<5, 4>(self.s4_5.val());
        self.s5_3.next = bit_cast::<5, 4>(self.s4_6.val()) + bit_cast::<5, 4>(self.s4_7.val());
        self.s6_0.next = bit_cast::<6, 5>(self.s5_0.val()) + bit_cast::<6, 5>(self.s5_1.val());
        self.s6_1.next = bit_cast::<6, 5>(self.s5_2.val()) + bit_cast::<6, 5>(self.s5_3.val());
        self.count.next = bit_cast::<7, 6>(self.s6_0.val()) + bit_cast::<7, 6>(self.s6_1.val());
    }
}
