//! LBA Migration Queue Entry Type 0: the 32-byte record a User Data Migration Queue holds.
//!
//! Layout (NVM Command Set 1.1 with TP4159, "LBA Migration Queue Entry Type 0"; the same
//! in libnvme's `struct lba_migration_queue_entry_type_0` and libvfn's `nvme_mqle0`), all
//! little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 3:0 | NSID, the namespace |
//! | 7:4 | NLB, number of logical blocks, 0-based |
//! | 15:8 | SLBA, the starting LBA |
//! | 30:16 | reserved |
//! | 31 | bit 0 CDQP phase tag; bits 3:1 ESA entry sequence attribute; bit 4 reserved; bit 5 DLBA deallocated; bits 7:6 LBACIR change information |

use std::fmt;

/// Bytes of one entry.
pub const ENTRY_BYTES: usize = 32;
/// Dwords of one entry (CDQ sizes are given in dwords).
pub const ENTRY_DWORDS: u32 = (ENTRY_BYTES / 4) as u32;
/// Logical blocks one entry can name: NLB is a 0-based 32-bit count.
pub const MAX_ENTRY_LBAS: u64 = 1 << 32;

/// Entry Sequence Attribute (byte 31, bits 3:1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Esa {
    /// An entry inside a sequence.
    None,
    /// The first entry after logging started or the controller resumed.
    First,
    /// The last entry: logging stopped.
    LastStopped,
    /// The last entry before the controller was suspended.
    LastSuspended,
    /// The queue filled: logging stopped, changes were lost, the host must treat every
    /// LBA as changed.
    QueueFull,
    /// A value the specification reserves (4..=6), kept so a decoder can show it.
    Reserved(u8),
}

impl Esa {
    fn code(self) -> u8 {
        match self {
            Esa::None => 0,
            Esa::First => 1,
            Esa::LastStopped => 2,
            Esa::LastSuspended => 3,
            Esa::QueueFull => 7,
            Esa::Reserved(c) => c,
        }
    }

    fn from_code(c: u8) -> Self {
        match c {
            0 => Esa::None,
            1 => Esa::First,
            2 => Esa::LastStopped,
            3 => Esa::LastSuspended,
            7 => Esa::QueueFull,
            c => Esa::Reserved(c),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Esa::None => "-",
            Esa::First => "first",
            Esa::LastStopped => "last (logging stopped)",
            Esa::LastSuspended => "last (suspended)",
            Esa::QueueFull => "QUEUE FULL (logging stopped)",
            Esa::Reserved(_) => "reserved",
        }
    }
}

/// LBA Change Information Attribute (byte 31, bits 7:6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeInfo {
    /// SLBA and NLB name the changed range.
    Range,
    /// Every LBA of the namespace may have changed.
    AllChanged,
    /// No range is reported (a sequence marker).
    NoRange,
    /// The reserved value 11b.
    Reserved,
}

impl ChangeInfo {
    fn code(self) -> u8 {
        match self {
            ChangeInfo::Range => 0,
            ChangeInfo::AllChanged => 1,
            ChangeInfo::NoRange => 2,
            ChangeInfo::Reserved => 3,
        }
    }

    fn from_code(c: u8) -> Self {
        match c & 3 {
            0 => ChangeInfo::Range,
            1 => ChangeInfo::AllChanged,
            2 => ChangeInfo::NoRange,
            _ => ChangeInfo::Reserved,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ChangeInfo::Range => "range",
            ChangeInfo::AllChanged => "all LBAs changed",
            ChangeInfo::NoRange => "no range",
            ChangeInfo::Reserved => "reserved",
        }
    }
}

/// One decoded entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigrationEntry {
    pub nsid: u32,
    /// First LBA of the range.
    pub slba: u64,
    /// Logical blocks in the range (1..=2^32; the wire holds it 0-based). Zero for an
    /// entry that reports no range.
    pub blocks: u64,
    pub phase: bool,
    pub esa: Esa,
    /// DLBA: the range was deallocated. The snoop block sees writes, not deallocations,
    /// so this device never sets it.
    pub deallocated: bool,
    pub change: ChangeInfo,
}

impl MigrationEntry {
    /// A changed range of `blocks` LBAs (1..=2^32).
    pub fn range(nsid: u32, slba: u64, blocks: u64) -> Self {
        assert!(
            (1..=MAX_ENTRY_LBAS).contains(&blocks),
            "an entry names 1..=2^32 LBAs, not {blocks}"
        );
        MigrationEntry {
            nsid,
            slba,
            blocks,
            phase: false,
            esa: Esa::None,
            deallocated: false,
            change: ChangeInfo::Range,
        }
    }

    /// An entry with no range: a sequence marker (`change` NoRange) or the queue-full
    /// entry (`change` AllChanged).
    pub fn marker(nsid: u32, esa: Esa, change: ChangeInfo) -> Self {
        MigrationEntry {
            nsid,
            slba: 0,
            blocks: 0,
            phase: false,
            esa,
            deallocated: false,
            change,
        }
    }

    pub fn encode(&self) -> [u8; ENTRY_BYTES] {
        let mut b = [0u8; ENTRY_BYTES];
        b[0..4].copy_from_slice(&self.nsid.to_le_bytes());
        let nlb = self.blocks.saturating_sub(1) as u32;
        b[4..8].copy_from_slice(&nlb.to_le_bytes());
        b[8..16].copy_from_slice(&self.slba.to_le_bytes());
        b[31] = u8::from(self.phase)
            | (self.esa.code() & 7) << 1
            | u8::from(self.deallocated) << 5
            | self.change.code() << 6;
        b
    }

    /// Decodes any 32 bytes; the reserved bytes are ignored, as a host must.
    pub fn decode(b: &[u8; ENTRY_BYTES]) -> Self {
        let word =
            |r: std::ops::Range<usize>| b[r].iter().rev().fold(0u64, |a, &x| a << 8 | u64::from(x));
        let change = ChangeInfo::from_code(b[31] >> 6);
        MigrationEntry {
            nsid: word(0..4) as u32,
            blocks: if change == ChangeInfo::Range {
                word(4..8) + 1
            } else {
                0
            },
            slba: word(8..16),
            phase: b[31] & 1 == 1,
            esa: Esa::from_code(b[31] >> 1 & 7),
            deallocated: b[31] >> 5 & 1 == 1,
            change,
        }
    }
}

impl fmt::Display for MigrationEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nsid {} ", self.nsid)?;
        match self.change {
            ChangeInfo::Range => write!(
                f,
                "slba {:>12} nlb {:>10} (LBAs {}..{})",
                self.slba,
                self.blocks - 1,
                self.slba,
                self.slba + self.blocks
            )?,
            other => write!(f, "{:<55}", other.name())?,
        }
        write!(
            f,
            "  phase {}  esa {}{}",
            u8::from(self.phase),
            self.esa.name(),
            if self.deallocated {
                "  deallocated"
            } else {
                ""
            }
        )
    }
}
