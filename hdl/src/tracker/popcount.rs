//! The datapath's 64-bit popcount.

use rust_hdl::prelude::*;

/// Population count of a 64-bit word by the shift/mask/add (SWAR) method: about a third
/// of the logic of 64 chained increments, and a shorter path.
#[derive(LogicBlock)]
pub struct Popcount64 {
    pub word: Signal<In, Bits<64>>,
    pub count: Signal<Out, Bits<7>>,
    pairs: Signal<Local, Bits<64>>,
    nibbles: Signal<Local, Bits<64>>,
    bytes: Signal<Local, Bits<64>>,
    halves: Signal<Local, Bits<64>>,
    quads: Signal<Local, Bits<64>>,
    m1: Constant<Bits<64>>,
    m2: Constant<Bits<64>>,
    m4: Constant<Bits<64>>,
}

impl Default for Popcount64 {
    fn default() -> Self {
        Popcount64 {
            word: Default::default(),
            count: Default::default(),
            pairs: Default::default(),
            nibbles: Default::default(),
            bytes: Default::default(),
            halves: Default::default(),
            quads: Default::default(),
            m1: Constant::new(0x5555_5555_5555_5555u64.to_bits()),
            m2: Constant::new(0x3333_3333_3333_3333u64.to_bits()),
            m4: Constant::new(0x0F0F_0F0F_0F0F_0F0Fu64.to_bits()),
        }
    }
}

impl Logic for Popcount64 {
    #[hdl_gen]
    fn update(&mut self) {
        self.pairs.next = self.word.val() - ((self.word.val() >> 1) & self.m1.val());
        self.nibbles.next =
            (self.pairs.val() & self.m2.val()) + ((self.pairs.val() >> 2) & self.m2.val());
        self.bytes.next = (self.nibbles.val() + (self.nibbles.val() >> 4)) & self.m4.val();
        self.halves.next = self.bytes.val() + (self.bytes.val() >> 8);
        self.quads.next = self.halves.val() + (self.halves.val() >> 16);
        self.count.next = bit_cast::<7, 64>(self.quads.val() + (self.quads.val() >> 32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates a combinational block until its signals stop changing.
    fn settle(b: &mut impl Block) {
        for _ in 0..32 {
            b.update_all();
            if !b.has_changed() {
                return;
            }
        }
        panic!("combinational loop does not settle");
    }

    #[test]
    fn popcount_counts() {
        let mut p = Popcount64::default();
        p.connect_all();
        for w in [
            0u64,
            1,
            u64::MAX,
            0x8000_0000_0000_0001,
            0xDEAD_BEEF_0123_4567,
        ] {
            p.word.next = w.to_bits();
            settle(&mut p);
            assert_eq!(p.count.val().to_u64(), u64::from(w.count_ones()), "{w:#x}");
        }
    }

    #[test]
    fn helpers_emit_verilog() {
        let mut p = Popcount64::default();
        p.connect_all();
        assert!(generate_verilog(&p).contains("module top"));
    }
}
