//! The NVMe admin command and completion words the TP4159 front end reads and writes, and
//! the status codes it answers with.
//!
//! Field positions are those of NVMe 2.1 as ratified with TP4159, cross-checked against
//! libnvme (`nvme_lm_cdq`, `nvme_lm_track_send`, `nvme_lm_migration_send`) and libvfn's
//! `examples/migrate.c`; each constant says which command dword it lives in.

use std::fmt;

/// Admin opcodes (NVMe 2.1, Figure "Opcodes for Admin Commands").
pub mod opcode {
    pub const SET_FEATURES: u8 = 0x09;
    pub const TRACK_SEND: u8 = 0x3D;
    pub const TRACK_RECEIVE: u8 = 0x3E;
    pub const MIGRATION_SEND: u8 = 0x41;
    pub const MIGRATION_RECEIVE: u8 = 0x42;
    pub const CONTROLLER_DATA_QUEUE: u8 = 0x45;
}

/// Feature identifier of the Controller Data Queue feature (Set Features CDW10[7:0]).
pub const FID_CONTROLLER_DATA_QUEUE: u8 = 0x21;

/// An admin submission queue entry, reduced to the fields these commands use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdminCommand {
    pub opcode: u8,
    pub nsid: u32,
    /// Data pointer (PRP1): for Controller Data Queue create, the ring's host address.
    pub prp1: u64,
    pub cdw10: u32,
    pub cdw11: u32,
    pub cdw12: u32,
}

impl AdminCommand {
    /// CDW10[7:0], the select field (SEL) of Track Send, Migration Send and Controller
    /// Data Queue; the feature identifier (FID) of Set Features.
    pub fn sel(&self) -> u8 {
        self.cdw10 as u8
    }

    /// CDW10[31:16], the management operation specific field (MOS).
    pub fn mos(&self) -> u16 {
        (self.cdw10 >> 16) as u16
    }
}

/// Status Code Type (completion DW3[27:25]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusType {
    Generic = 0,
    CommandSpecific = 1,
}

/// A completion status: type and code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NvmeStatus {
    pub sct: StatusType,
    pub sc: u8,
}

const fn generic(sc: u8) -> NvmeStatus {
    NvmeStatus {
        sct: StatusType::Generic,
        sc,
    }
}

const fn specific(sc: u8) -> NvmeStatus {
    NvmeStatus {
        sct: StatusType::CommandSpecific,
        sc,
    }
}

impl NvmeStatus {
    pub const SUCCESS: NvmeStatus = generic(0x00);
    pub const INVALID_OPCODE: NvmeStatus = generic(0x01);
    pub const INVALID_FIELD: NvmeStatus = generic(0x02);
    /// The tracker under the firmware failed a command (a hardware error flag, a timeout).
    pub const INTERNAL_ERROR: NvmeStatus = generic(0x06);
    pub const INVALID_NAMESPACE: NvmeStatus = generic(0x0B);
    pub const COMMAND_SEQUENCE: NvmeStatus = generic(0x0C);
    /// Command specific codes of TP4159 (NVMe 2.1, "Command Specific Status Values").
    pub const INVALID_CONTROLLER_ID: NvmeStatus = specific(0x1F);
    pub const INVALID_CDQ: NvmeStatus = specific(0x37);
    pub const NOT_ENOUGH_RESOURCES: NvmeStatus = specific(0x38);
    pub const CONTROLLER_SUSPENDED: NvmeStatus = specific(0x39);
    pub const CONTROLLER_NOT_SUSPENDED: NvmeStatus = specific(0x3A);
    pub const CDQ_FULL: NvmeStatus = specific(0x3B);

    const NAMES: [(NvmeStatus, &'static str); 12] = [
        (Self::SUCCESS, "Successful Completion"),
        (Self::INVALID_OPCODE, "Invalid Command Opcode"),
        (Self::INVALID_FIELD, "Invalid Field in Command"),
        (Self::INTERNAL_ERROR, "Internal Error"),
        (Self::INVALID_NAMESPACE, "Invalid Namespace or Format"),
        (Self::COMMAND_SEQUENCE, "Command Sequence Error"),
        (Self::INVALID_CONTROLLER_ID, "Invalid Controller Identifier"),
        (Self::INVALID_CDQ, "Invalid Controller Data Queue"),
        (Self::NOT_ENOUGH_RESOURCES, "Not Enough Resources"),
        (Self::CONTROLLER_SUSPENDED, "Controller Suspended"),
        (Self::CONTROLLER_NOT_SUSPENDED, "Controller Not Suspended"),
        (Self::CDQ_FULL, "Controller Data Queue Full"),
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("(unnamed status)", |(_, n)| n)
    }
}

impl fmt::Display for NvmeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (SCT {}h, SC {:02X}h)",
            self.name(),
            self.sct as u8,
            self.sc
        )
    }
}

/// A completion queue entry, reduced to DW0 and the status, with the firmware's reason
/// when the status is an error (the wire carries only the code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub dw0: u32,
    pub status: NvmeStatus,
    pub why: Option<String>,
}

impl Completion {
    pub fn ok(dw0: u32) -> Self {
        Completion {
            dw0,
            status: NvmeStatus::SUCCESS,
            why: None,
        }
    }

    pub fn err(status: NvmeStatus, why: impl Into<String>) -> Self {
        Completion {
            dw0: 0,
            status,
            why: Some(why.into()),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.status == NvmeStatus::SUCCESS
    }
}

impl fmt::Display for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.why {
            Some(why) => write!(f, "{}: {why}", self.status),
            None => write!(f, "{} (DW0 {:#010x})", self.status, self.dw0),
        }
    }
}
