//! The CSR map of `lm_tracker` (AXI4-Lite, 32-bit data, byte addresses).
//!
//! Everything a register consumer needs is declared once here: the address constants,
//! access types and reset values, the bit fields, the command opcodes and the error flags,
//! plus tables ([`REGISTERS`], [`ERR_FLAGS`], ...) from which documentation and headers are
//! rendered. No other file may spell an address.
//!
//! Granule indices (plan, cursor, mark range, counts) are 32 bits wide: the bitmap RAM
//! of any buildable block holds far fewer than 2^32 granules. LBAs and the namespace size
//! are 64 bits, as in NVMe. Event counters are 64 bits as LO/HI pairs; reading LO latches
//! HI so that a LO-then-HI read is coherent.

/// How software may access a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read-only.
    Ro,
    /// Read/write.
    Rw,
    /// Write-only; reads return 0.
    Wo,
    /// Read; writing 1 to a bit clears it.
    Rw1c,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Ro => "RO",
            Access::Rw => "RW",
            Access::Wo => "WO",
            Access::Rw1c => "RW1C",
        }
    }
}

/// What a register reads once the block has come out of reset and STATUS.BUSY has fallen
/// (the clear engine wipes both buffers after reset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reset {
    /// This value.
    Value(u32),
    /// A build parameter (CAPACITY): the bitmap size the block was built with.
    Build,
}

/// One register of the map.
#[derive(Clone, Copy, Debug)]
pub struct Register {
    pub name: &'static str,
    pub offset: u32,
    pub access: Access,
    pub reset: Reset,
    pub doc: &'static str,
}

/// A bit field inside a register.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub register: &'static str,
    pub name: &'static str,
    pub lsb: u32,
    pub width: u32,
    pub doc: &'static str,
}

impl Field {
    pub const fn mask(self) -> u32 {
        (((1u64 << self.width) - 1) as u32) << self.lsb
    }
    pub const fn get(self, word: u32) -> u32 {
        (word & self.mask()) >> self.lsb
    }
    /// `word` with this field replaced by `value` (truncated to the field width).
    pub const fn put(self, word: u32, value: u32) -> u32 {
        (word & !self.mask()) | ((value << self.lsb) & self.mask())
    }
}

/// A named constant (command opcode, method code, flag bit).
#[derive(Clone, Copy, Debug)]
pub struct Constant {
    pub name: &'static str,
    pub value: u32,
    pub doc: &'static str,
}

macro_rules! reset {
    (build) => {
        Reset::Build
    };
    ($value:expr) => {
        Reset::Value($value)
    };
}

macro_rules! registers {
    ($($name:ident = $off:literal, $acc:ident, $reset:tt, $doc:literal;)*) => {
        $(#[doc = $doc] pub const $name: u32 = $off;)*
        /// Every register, in address order.
        pub const REGISTERS: &[Register] = &[
            $(Register {
                name: stringify!($name),
                offset: $off,
                access: Access::$acc,
                reset: reset!($reset),
                doc: $doc,
            },)*
        ];
    };
}

macro_rules! fields {
    ($table:ident; $($reg:ident . $name:ident = [$lsb:literal; $width:literal], $doc:literal;)*) => {
        $(#[doc = $doc] pub const $name: Field =
            Field { register: stringify!($reg), name: stringify!($name), lsb: $lsb, width: $width, doc: $doc };)*
        /// Every bit field, grouped by register.
        pub const $table: &[Field] = &[$($name,)*];
    };
}

macro_rules! constants {
    ($table:ident; $($name:ident = $value:expr, $doc:literal;)*) => {
        $(#[doc = $doc] pub const $name: u32 = $value;)*
        pub const $table: &[Constant] = &[
            $(Constant { name: stringify!($name), value: $value, doc: $doc },)*
        ];
    };
}

registers! {
    ID = 0x000, Ro, ID_VALUE, "Block identity: MAGIC in [31:16], major version [15:8], minor [7:0].";
    CAPACITY = 0x004, Ro, build, "Bitmap capacity in granules (a build parameter, a multiple of 64).";
    CONFIG = 0x008, Rw, 0, "Method and granule shift; latched by CMD LOAD and CMD START.";
    NS_LBAS_LO = 0x00C, Rw, 0, "Namespace size in LBAs, bits [31:0]; latched by LOAD and START.";
    NS_LBAS_HI = 0x010, Rw, 0, "Namespace size in LBAs, bits [63:32].";
    CMD = 0x014, Wo, 0, "Command: OPCODE in [3:0], QUERY_SRC in [8]. Poll STATUS.BUSY, then read ERR.";
    STATUS = 0x018, Ro, 0, "State: TRACKING, BUSY, QUERY_OPEN, LOAD_OPEN, and the latched method.";
    ERR = 0x01C, Rw1c, 0, "Sticky error flags (see ERR_FLAGS); write 1 to clear.";
    IRQ_STATUS = 0x020, Rw1c, 0, "Interrupt causes (see IRQ_CAUSES); write 1 to clear.";
    IRQ_ENABLE = 0x024, Rw, 0, "Interrupt enables, one per IRQ_CAUSES bit (others read 0); irq = |(IRQ_STATUS & IRQ_ENABLE).";
    PLAN_START = 0x028, Rw, 0, "Cursor method: first granule of the copy pass plan; latched by SET_PLAN.";
    PLAN_END = 0x02C, Rw, 0, "Cursor method: one past the last granule of the plan; latched by SET_PLAN.";
    CURSOR = 0x030, Ro, 0, "Cursor method: the next granule the running pass will copy.";
    MARK_FIRST = 0x034, Rw, 0, "Mark-dirty: first granule of the range to set in the active buffer.";
    MARK_END = 0x038, Rw, 0, "Mark-dirty: one past the last granule of the range.";
    SWAP_COUNT = 0x03C, Ro, 0, "Set bits in the new passive buffer after the last SWAP.";
    ACTIVE_COUNT = 0x040, Ro, 0, "Live popcount of the active buffer.";
    PASSIVE_COUNT = 0x044, Ro, 0, "Live popcount of the passive buffer.";
    NS_GRANULES = 0x048, Ro, 0, "Granules of the latched namespace: ceil(NS_LBAS / 2^GRANULE_SHIFT).";
    WRITES_SEEN_LO = 0x080, Ro, 0, "User writes snooped while tracking, [31:0] (latches HI).";
    WRITES_SEEN_HI = 0x084, Ro, 0, "User writes snooped while tracking, [47:32] (48-bit counters wrap).";
    BITS_SET_LO = 0x088, Ro, 0, "Active-buffer bits turned 0->1 (writes, mark-dirty, cursor gaps, promises carried at SWAP/SET_PLAN), [31:0].";
    BITS_SET_HI = 0x08C, Ro, 0, "BITS_SET [47:32].";
    BITS_SKIPPED_LO = 0x090, Ro, 0, "Granules of user writes not marked because the running pass copies them, [31:0].";
    BITS_SKIPPED_HI = 0x094, Ro, 0, "BITS_SKIPPED [47:32].";
    COPY_READS_SEEN_LO = 0x098, Ro, 0, "Copy reads snooped while tracking, [31:0] (latches HI).";
    COPY_READS_SEEN_HI = 0x09C, Ro, 0, "COPY_READS_SEEN [47:32].";
    BITS_CLEARED_LO = 0x0A0, Ro, 0, "Bits turned 1->0 by copy reads (bitmap: passive drained; clear: active), [31:0].";
    BITS_CLEARED_HI = 0x0A4, Ro, 0, "BITS_CLEARED [47:32].";
}

/// The 64-bit event counters as (LO, HI) address pairs, in register order.
pub const COUNTERS: [(u32, u32); 5] = [
    (WRITES_SEEN_LO, WRITES_SEEN_HI),
    (BITS_SET_LO, BITS_SET_HI),
    (BITS_SKIPPED_LO, BITS_SKIPPED_HI),
    (COPY_READS_SEEN_LO, COPY_READS_SEEN_HI),
    (BITS_CLEARED_LO, BITS_CLEARED_HI),
];

fields! {
    FIELDS;
    ID.ID_MAGIC = [16; 16], "0x4C4D (\"LM\").";
    ID.ID_MAJOR = [8; 8], "Major version: bumped on an incompatible register map change.";
    ID.ID_MINOR = [0; 8], "Minor version.";
    CONFIG.METHOD = [0; 2], "Tracking method (see METHODS).";
    CONFIG.GRANULE_SHIFT = [8; 6], "G: a granule is 2^G LBAs.";
    CMD.OPCODE = [0; 4], "Command opcode (see OPCODES).";
    CMD.QUERY_SRC = [8; 1], "With QUERY: 0 streams the passive buffer, 1 the active (diagnostic).";
    STATUS.TRACKING = [0; 1], "Tracking is running (between START and STOP).";
    STATUS.BUSY = [1; 1], "A command is still executing (swap, clear engine); wait for 0.";
    STATUS.QUERY_OPEN = [2; 1], "The query stream has words left to deliver.";
    STATUS.LOAD_OPEN = [3; 1], "The load stream still expects words.";
    STATUS.LATCHED_METHOD = [4; 2], "The method latched by START.";
}

/// Width of the statistics counters (WRITES_SEEN ... BITS_CLEARED): they wrap modulo
/// 2^48 (a month of one write per cycle at 100 MHz; firmware samples differences), and
/// their HI registers hold bits [47:32].
pub const COUNTER_BITS: u32 = 48;

/// Largest accepted GRANULE_SHIFT: 2^48 LBAs per granule is already absurd.
pub const MAX_GRANULE_SHIFT: u32 = 48;

/// The value of the ID register for this version of the block.
pub const ID_MAGIC_VALUE: u32 = 0x4C4D;
pub const VERSION_MAJOR: u32 = 1;
pub const VERSION_MINOR: u32 = 0;
pub const ID_VALUE: u32 = (ID_MAGIC_VALUE << 16) | (VERSION_MAJOR << 8) | VERSION_MINOR;

constants! {
    METHODS;
    METHOD_NAIVE = 0, "Every written granule is marked dirty.";
    METHOD_CURSOR = 1, "Skip writes in [PLAN_START, PLAN_END) at or above CURSOR; copy reads advance CURSOR.";
    METHOD_BITMAP = 2, "Skip writes whose passive bit is set; copy reads drain the passive bit.";
    METHOD_CLEAR = 3, "Every write marks; copy reads clear the active bit.";
}

constants! {
    OPCODES;
    OP_NOP = 0, "No operation.";
    OP_LOAD = 1, "Stopped: latch CONFIG/NS_LBAS, clear the passive buffer and open the load stream for ceil(NS_GRANULES/64) words into it.";
    OP_START = 2, "Stopped: latch CONFIG/NS_LBAS (which must match a LOAD since the last STOP), zero the counters, start tracking into a clean active buffer.";
    OP_STOP = 3, "Tracking: stop; the clear engine wipes both buffers whole (BUSY until done).";
    OP_QUERY = 4, "Tracking: open the query stream over the buffer QUERY_SRC selects.";
    OP_SWAP = 5, "Tracking: swap active and passive; SWAP_COUNT holds the new passive popcount.";
    OP_RELEASE = 6, "Tracking: the host holds the passive contents; clear them (no effect in bitmap).";
    OP_SET_PLAN = 7, "Tracking, cursor: latch PLAN_START/PLAN_END and set CURSOR = PLAN_START.";
    OP_MARK_DIRTY = 8, "Tracking: set [MARK_FIRST, MARK_END) in the active buffer (failed copies).";
}

constants! {
    ERR_FLAGS;
    ERR_LBA_RANGE = 1 << 0, "A snooped command touched an LBA at or beyond the namespace size; in-range granules of a write are marked without skipping, a copy read has no effect.";
    ERR_LBA_WRAP = 1 << 1, "SLBA + NLB overflowed 64 bits (raised instead of ERR_LBA_RANGE); handled as an out-of-range command.";
    ERR_PLAN_RANGE = 1 << 2, "SET_PLAN with PLAN_START > PLAN_END or PLAN_END > NS_GRANULES; the plan window is left empty (nothing is skipped).";
    ERR_CMD_STATE = 1 << 3, "A command not valid in the current state (e.g. QUERY while stopped, SET_PLAN outside cursor); ignored.";
    ERR_STREAM_BUSY = 1 << 4, "A command while the query or load stream is open (e.g. SWAP during a query); ignored.";
    ERR_CONFIG = 1 << 5, "LOAD or START with a namespace of 0 LBAs, above CAPACITY granules, a granule shift > 48, or (START) a geometry other than the loaded BMP's; ignored.";
    ERR_LOAD = 1 << 6, "A load word with bits beyond the namespace (masked) or beyond the last word (dropped).";
    ERR_CURSOR_GAP = 1 << 7, "Cursor method: a copy read started above CURSOR inside the plan; the jumped granules were marked dirty.";
    ERR_MARK_RANGE = 1 << 8, "MARK_DIRTY with MARK_FIRST > MARK_END or beyond the namespace; the in-range part was marked.";
}

/// Every bit of a table of single-bit constants.
pub const fn mask_of(table: &[Constant]) -> u32 {
    let mut mask = 0;
    let mut i = 0;
    while i < table.len() {
        mask |= table[i].value;
        i += 1;
    }
    mask
}

/// The defined bits of ERR; the others read as 0.
pub const ERR_MASK: u32 = mask_of(ERR_FLAGS);

/// Error flags caused by the command just issued (as opposed to snoop-stream errors).
pub const ERR_COMMAND_MASK: u32 =
    ERR_PLAN_RANGE | ERR_CMD_STATE | ERR_STREAM_BUSY | ERR_CONFIG | ERR_LOAD | ERR_MARK_RANGE;

constants! {
    IRQ_CAUSES;
    IRQ_ERROR = 1 << 0, "An error flag was raised.";
    IRQ_SWAP_DONE = 1 << 1, "A SWAP completed.";
    IRQ_QUERY_DONE = 1 << 2, "The query stream delivered its last word.";
    IRQ_CLEAR_DONE = 1 << 3, "The clear engine finished (STOP, RELEASE, or a swap with residual bits).";
}

/// The defined bits of IRQ_STATUS and IRQ_ENABLE; the others read as 0 and ignore writes.
pub const IRQ_MASK: u32 = mask_of(IRQ_CAUSES);

/// Names of the flags set in `value`, in bit order, from one of the constant tables.
pub fn flag_names(table: &[Constant], value: u32) -> Vec<&'static str> {
    table
        .iter()
        .filter(|c| value & c.value != 0)
        .map(|c| c.name)
        .collect()
}

/// The register with the given address.
pub fn register_at(offset: u32) -> Option<&'static Register> {
    REGISTERS.iter().find(|r| r.offset == offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_unique_aligned_and_ascending() {
        for pair in REGISTERS.windows(2) {
            assert!(
                pair[0].offset < pair[1].offset,
                "{} / {}",
                pair[0].name,
                pair[1].name
            );
        }
        assert!(REGISTERS.iter().all(|r| r.offset % 4 == 0));
        assert_eq!(REGISTERS[0].offset, 0, "offset 0 must be the ID register");
        assert_eq!(REGISTERS[0].name, "ID");
    }

    #[test]
    fn fields_fit_and_do_not_overlap() {
        for reg in REGISTERS {
            let mut used = 0u32;
            for f in FIELDS.iter().filter(|f| f.register == reg.name) {
                assert!(f.lsb + f.width <= 32, "{} overflows", f.name);
                assert_eq!(used & f.mask(), 0, "{} overlaps", f.name);
                used |= f.mask();
            }
        }
        assert!(FIELDS
            .iter()
            .all(|f| register_at_name(f.register).is_some()));
    }

    fn register_at_name(name: &str) -> Option<&'static Register> {
        REGISTERS.iter().find(|r| r.name == name)
    }

    #[test]
    fn flags_are_single_distinct_bits() {
        for table in [ERR_FLAGS, IRQ_CAUSES] {
            let mut all = 0;
            for c in table {
                assert_eq!(c.value.count_ones(), 1, "{}", c.name);
                assert_eq!(all & c.value, 0, "{}", c.name);
                all |= c.value;
            }
        }
    }

    #[test]
    fn field_put_get_roundtrip() {
        let w = GRANULE_SHIFT.put(METHOD.put(0, METHOD_CLEAR), 12);
        assert_eq!(METHOD.get(w), METHOD_CLEAR);
        assert_eq!(GRANULE_SHIFT.get(w), 12);
        assert_eq!(ID_MAGIC.get(ID_VALUE), ID_MAGIC_VALUE);
    }
}
