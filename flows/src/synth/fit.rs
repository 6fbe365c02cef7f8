//! Memory arithmetic: how many RAM primitives the two bitmaps need on each target, how many
//! flip-flops the control logic can plausibly need, and where the bitmaps stop fitting on
//! chip on the Alveo cards.
//!
//! Each bitmap buffer is one RAM of 2^A words of 64 bits (`RAM<Bits<64>, A>`, one read and
//! one write port), and there are two of them: 2 × 2^A × 64 = 2 × granules bits.

use super::Target;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Bits of bitmap in both buffers.
pub fn bitmap_bits(addr_bits: u32) -> u64 {
    2 * (1u64 << addr_bits) * 64
}

/// What the bitmaps should become on a target, with the arithmetic that says so.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryPlan {
    /// Block RAMs, in the target's unit: SB_RAM40_4K on iCE40; RAMB36 equivalents on
    /// Xilinx (a RAMB18 counts 0.5).
    pub brams: f64,
    /// UltraRAM blocks (URAM288); the flow never expects them, see [`plan`].
    pub urams: u64,
    /// LUT-RAM cells (Xilinx distributed RAM), for buffers too small for block RAM.
    pub lutram_cells: u64,
    /// The primitive the bitmaps should map to.
    pub primitive: &'static str,
    /// The arithmetic, one line each.
    pub explain: Vec<String>,
}

/// Largest buffer (in 64-bit words) that Yosys 0.23's `memory_libmap` puts into LUT RAM on
/// Xilinx: its cost model prices a LUT-RAM cell at 7–8 (xc7) or 16 (xcup) and a RAMB36 at
/// 257, so 64 words × 64 bits (22 RAM64M or 10 RAM64M8 per buffer) is cheaper as LUT RAM
/// and 128 words is not.
pub const XILINX_LUTRAM_MAX_WORDS: u64 = 64;

/// The mapping the flow expects for `2^addr_bits` words per buffer.
pub fn plan(target: Target, addr_bits: u32) -> MemoryPlan {
    let words = 1u64 << addr_bits;
    let bits = bitmap_bits(addr_bits);
    let mut explain = vec![format!(
        "bitmaps: 2 buffers x 2^{addr_bits} words x 64 bits = {bits} bits ({} Kbit)",
        bits / 1024
    )];
    match target {
        Target::Ice40Hx8k => {
            // SB_RAM40_4K: 4 Kbit as 256 x 16 (the widest mode); a 64-bit word is four
            // blocks side by side, and the depth takes ceil(words / 256) of those.
            let per = 4 * words.div_ceil(256);
            explain.push(format!(
                "SB_RAM40_4K is 4 Kbit, 256 x 16: a 64-bit word spans 4 blocks, {words} words \
                 need ceil({words}/256) = {} rows: {per} per buffer, {} in all",
                words.div_ceil(256),
                2 * per
            ));
            MemoryPlan {
                brams: (2 * per) as f64,
                urams: 0,
                lutram_cells: 0,
                primitive: "SB_RAM40_4K",
                explain,
            }
        }
        Target::Ecp5_85 => {
            // DP16KD: 18 Kbit, 512 x 36 in the mode Yosys 0.23 picks for a 64-bit word: two
            // blocks side by side (72 bits, 64 used), ceil(words / 512) rows deep.
            let per = 2 * words.div_ceil(512);
            explain.push(format!(
                "DP16KD is 18 Kbit, 512 x 36: a 64-bit word spans 2 blocks, {words} words \
                 need ceil({words}/512) = {} rows: {per} per buffer, {} in all (the \
                 LFE5UM-85F has 208)",
                words.div_ceil(512),
                2 * per
            ));
            MemoryPlan {
                brams: (2 * per) as f64,
                urams: 0,
                lutram_cells: 0,
                primitive: "DP16KD",
                explain,
            }
        }
        Target::Xc7 | Target::Xcup if words <= XILINX_LUTRAM_MAX_WORDS => {
            // Simple dual-port LUT RAM: xc7 RAM32M is 32 x 6 and RAM64M 64 x 3; UltraScale
            // RAM32M16 is 32 x 14 and RAM64M8 64 x 7 (one write port, the other ports read).
            let (cell, bits_per_cell) = match (target, words <= 32) {
                (Target::Xc7, true) => ("RAM32M", 6),
                (Target::Xc7, false) => ("RAM64M", 3),
                (_, true) => ("RAM32M16", 14),
                (_, false) => ("RAM64M8", 7),
            };
            let per = 64u64.div_ceil(bits_per_cell);
            explain.push(format!(
                "{words} words is at most {XILINX_LUTRAM_MAX_WORDS}: Yosys maps it to LUT RAM, \
                 {cell} holds {bits_per_cell} bits of a word: ceil(64/{bits_per_cell}) = {per} \
                 per buffer, {} in all, and no block RAM",
                2 * per
            ));
            MemoryPlan {
                brams: 0.0,
                urams: 0,
                lutram_cells: 2 * per,
                primitive: cell,
                explain,
            }
        }
        Target::Xc7 | Target::Xcup => {
            // RAMB36 in simple dual-port mode is 512 x 72 (64 data bits used): 32 Kbit of
            // bitmap per block. A buffer below 512 words still needs a whole 64-bit-wide
            // block (one RAMB36, or two RAMB18 of 512 x 36, which weigh the same).
            let per = (words / 512).max(1);
            let name = if target == Target::Xc7 {
                "RAMB36E1"
            } else {
                "RAMB36E2"
            };
            explain.push(format!(
                "{name} as 512 x 72 holds 512 words of 64 bits (32 Kbit): max(1, {words}/512) = \
                 {per} per buffer, {} in all (a RAMB18 counts 0.5)",
                2 * per
            ));
            if target == Target::Xcup {
                explain.push(format!(
                    "URAM288 (4K x 72) would take max(1, {words}/4096) = {} per buffer; Yosys \
                     does not choose UltraRAM on its own, Vivado does with ram_style \"ultra\"",
                    (words / 4096).max(1)
                ));
            }
            MemoryPlan {
                brams: (2 * per) as f64,
                urams: 0,
                lutram_cells: 0,
                primitive: name,
                explain,
            }
        }
    }
}

/// Flip-flops the block can plausibly need: its register bits, plus per bitmap RAM a 64-bit
/// read-data register, a 64-bit write-data and two address registers, and a few flags, which
/// Yosys adds to emulate read-during-write behaviour where the RAM primitive lacks it. A
/// bitmap left in flip-flops would add 2^A × 64 bits per buffer on top.
pub fn ff_bound(register_bits: u64, addr_bits: u32) -> u64 {
    register_bits + 2 * (2 * 64 + 2 * u64::from(addr_bits) + 8)
}

/// An on-chip memory budget of a card's FPGA.
pub struct Card {
    pub name: &'static str,
    pub device: &'static str,
    /// 36 Kbit block RAMs.
    pub bram36: u64,
    /// 288 Kbit UltraRAMs (4K x 72).
    pub uram: u64,
    /// Off-chip memory, for the plan beyond on-chip.
    pub external: &'static str,
}

/// Device totals from the AMD card data sheets (U250: DS962, XCU250 = VU13P silicon;
/// U280: DS963, XCU280 = VU37P-class silicon with HBM2). The platform shell takes a part of
/// them, so the user region has a little less.
pub const CARDS: [Card; 2] = [
    Card {
        name: "Alveo U250",
        device: "XCU250",
        bram36: 2688,
        uram: 1280,
        external: "64 GB DDR4 (4 channels)",
    },
    Card {
        name: "Alveo U280",
        device: "XCU280",
        bram36: 2016,
        uram: 960,
        external: "8 GB HBM2 (32 pseudo-channels) + 32 GB DDR4",
    },
];

/// RAMB36 blocks both buffers need when each is a 64-bit-wide RAM of `granules / 64` words.
pub fn bram36_for(granules: u64) -> u64 {
    2 * (granules / 32_768).max(1)
}

/// URAM288 blocks both buffers need (4K words of 64 of its 72 bits: 256 Kbit of bitmap).
pub fn uram_for(granules: u64) -> u64 {
    2 * (granules / 262_144).max(1)
}

/// The largest power-of-two granule count whose two buffers fit in `blocks` blocks of
/// `granules_per_block` granules each.
fn largest_fit(blocks: u64, granules_per_block: u64) -> u64 {
    let per_buffer = blocks / 2;
    if per_buffer == 0 {
        return 0;
    }
    let max = per_buffer * granules_per_block;
    1u64 << (63 - max.leading_zeros())
}

/// Largest power-of-two granule count in the card's block RAM, and in its UltraRAM.
pub fn card_limits(card: &Card) -> (u64, u64) {
    (
        largest_fit(card.bram36, 32_768),
        largest_fit(card.uram, 262_144),
    )
}

fn pct(used: u64, of: u64) -> String {
    let p = 100.0 * used as f64 / of as f64;
    if p < 1.0 {
        "<1%".to_string()
    } else {
        format!("{p:.0}%")
    }
}

fn human_count(g: u64) -> String {
    let shift = 63 - g.leading_zeros();
    format!("2^{shift}")
}

/// Bytes of namespace `granules` granules cover at `granule_bytes` each, as text.
fn coverage(granules: u64, granule_bytes: u64) -> String {
    lmsnoop_regs::units::format_size(granules.saturating_mul(granule_bytes))
}

/// Granule counts of the `--fit` table.
pub fn fit_granules() -> Vec<u64> {
    (12..=30).map(|s| 1u64 << s).collect()
}

/// The `--fit` analysis as text: per granule count, the bits and blocks, whether they fit
/// each card's BRAM or URAM, then the limits and the plan beyond on-chip.
pub fn fit_text() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Bitmap memory: 2 buffers x granules bits. RAMB36 holds 512 x 64 bits of bitmap \
         (32 Kbit), URAM288 4K x 64 (256 Kbit; 8 of its 72 bits unused)."
    );
    for c in &CARDS {
        let _ = writeln!(
            s,
            "{} ({}): {} BRAM36, {} URAM288; off chip {}.",
            c.name, c.device, c.bram36, c.uram, c.external
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| granules | namespace at 4 KiB | bitmap bits | BRAM36 | URAM288 | U250 BRAM | U250 URAM | U280 BRAM | U280 URAM |"
    );
    let _ = writeln!(s, "|---:|---:|---:|---:|---:|---|---|---|---|");
    for g in fit_granules() {
        let b = bram36_for(g);
        let u = uram_for(g);
        let mut cols = Vec::new();
        for c in &CARDS {
            cols.push(if b <= c.bram36 {
                format!("fits ({})", pct(b, c.bram36))
            } else {
                "no".to_string()
            });
            cols.push(if u <= c.uram {
                format!("fits ({})", pct(u, c.uram))
            } else {
                "no".to_string()
            });
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            human_count(g),
            coverage(g, 4096),
            2 * g,
            b,
            u,
            cols.join(" | ")
        );
    }
    let _ = writeln!(s);
    for c in &CARDS {
        let (in_bram, in_uram) = card_limits(c);
        let _ = writeln!(
            s,
            "{}: block RAM holds up to {} granules ({} BRAM36, {} of namespace at 4 KiB \
             granules); UltraRAM up to {} ({} URAM288, {} at 4 KiB).",
            c.name,
            human_count(in_bram),
            bram36_for(in_bram),
            coverage(in_bram, 4096),
            human_count(in_uram),
            uram_for(in_uram),
            coverage(in_uram, 4096),
        );
    }
    // Coarser granules: the granule size at which a 1 TiB namespace fits each card on chip.
    let namespace = 1u64 << 40;
    let mut coarse = Vec::new();
    for c in &CARDS {
        let (in_bram, in_uram) = card_limits(c);
        let limit = in_bram.max(in_uram);
        let granule = (namespace / limit).max(4096);
        coarse.push(format!(
            "{} at {} granules ({} granules)",
            c.name,
            lmsnoop_regs::units::format_size(granule),
            human_count(namespace / granule)
        ));
    }
    let _ = writeln!(
        s,
        "Beyond that the bitmaps leave the chip. (1) Both buffers in external memory (U250: \
         DDR4; U280: HBM2, whose 32 pseudo-channels suit the random word traffic), with an \
         on-chip cache of bitmap words in front: the block already reads a word, modifies it \
         and writes it back with forwarding between back-to-back operations, which extends to \
         a write-back cache of lines; uncached, one operation per cycle at 250 MHz is a 64-bit \
         read and write per buffer touched, 4 GB/s each, as 8-byte accesses. (2) Coarser \
         granules (the GRANULE_SHIFT register): each doubling halves both bitmaps at the price \
         of copying more per dirty bit. A 1 TiB namespace at 4 KiB granules is 2^28 granules \
         and fits no card on chip; it fits {}.",
        coarse.join(" and ")
    );
    s
}

/// The `--fit` analysis as JSON.
pub fn fit_json() -> Value {
    let cards: Vec<Value> = CARDS
        .iter()
        .map(|c| {
            let (in_bram, in_uram) = card_limits(c);
            json!({
                "card": c.name,
                "device": c.device,
                "bram36": c.bram36,
                "uram288": c.uram,
                "max_granules_bram": in_bram,
                "max_granules_uram": in_uram,
                "external_memory": c.external,
            })
        })
        .collect();
    let rows: Vec<Value> = fit_granules()
        .into_iter()
        .map(|g| {
            json!({
                "granules": g,
                "bitmap_bits": 2 * g,
                "bram36": bram36_for(g),
                "uram288": uram_for(g),
            })
        })
        .collect();
    json!({ "cards": cards, "rows": rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ram_arithmetic() {
        // The committed default build: 2^14 words, 64 RAMB36 (hdl/tests/verilog.rs).
        assert_eq!(plan(Target::Xc7, 14).brams, 64.0);
        assert_eq!(plan(Target::Xcup, 14).brams, 64.0);
        // 32K granules on the iCE40: 64 Kbit of bitmap in 4 Kbit blocks.
        assert_eq!(plan(Target::Ice40Hx8k, 9).brams, 16.0);
        assert_eq!(plan(Target::Ecp5_85, 14).brams, 128.0);
        assert_eq!(plan(Target::Ecp5_85, 9).brams, 4.0);
        assert_eq!(plan(Target::Ecp5_85, 6).brams, 4.0);
        // Below 256 words a buffer still takes one row of four blocks.
        assert_eq!(plan(Target::Ice40Hx8k, 4).brams, 8.0);
        // Small buffers go to LUT RAM on Xilinx.
        let p = plan(Target::Xc7, 6);
        assert_eq!((p.brams, p.lutram_cells), (0.0, 44));
        let p = plan(Target::Xcup, 4);
        assert_eq!((p.brams, p.lutram_cells), (0.0, 10));
        assert_eq!(plan(Target::Xc7, 7).brams, 2.0);
    }

    #[test]
    fn card_limits_follow_the_counts() {
        // U250: 2688 BRAM36 hold 2 x 2^25 granules (2048 blocks), 1280 URAM 2 x 2^27 (1024).
        assert_eq!(card_limits(&CARDS[0]), (1 << 25, 1 << 27));
        // U280: 2016 BRAM36 miss 2^25 (2048 blocks) by 32; 960 URAM hold 2^26.
        assert_eq!(card_limits(&CARDS[1]), (1 << 24, 1 << 26));
        assert_eq!(bram36_for(1 << 20), 64);
        assert_eq!(uram_for(1 << 20), 8);
    }

    #[test]
    fn ff_bound_is_below_a_buffer_in_flops() {
        let bound = ff_bound(2578, 4);
        assert!(bound - 2578 < (1 << 4) * 64);
    }
}
