//! What S2 does to one RAM's word: one 3-bit code per RAM keeps each new bit one function
//! of six inputs (own bit, other bit, mask bit, code), one LUT6; five separate control
//! flags made it eight inputs, two LUT6.

use rust_hdl::prelude::*;

/// S2's operation on one RAM's word, decided in S1. `own` is the word, `other` the other
/// RAM's word at the same address, `mask` the operation's bits.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum RamOp {
    /// own
    Keep,
    /// own | mask
    Set,
    /// own | mask & !other: a bitmap write skips the granules the passive plan holds.
    SetNp,
    /// own & !mask
    Clr,
    /// own | other: a fold.
    OrIn,
    /// 0: the passive side of a fold, and every clear-engine write.
    Zero,
    /// mask (S1 made it the load word, clipped to the namespace).
    Load,
}
