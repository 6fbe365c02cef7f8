//! Completion status of a host command, in the spirit of NVMe status codes.

use lmsnoop_regs::{flag_names, ERR_FLAGS};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The command is not valid in the device's current state (NVMe: Command Sequence Error).
    CommandSequence(&'static str),
    /// A parameter is out of range (NVMe: Invalid Field in Command).
    InvalidField(String),
    /// The tracker raised command error flags (the ERR register's bits).
    Hardware(u32),
    /// The tracker stayed busy or a stream stalled (NVMe: Internal Error).
    Timeout(&'static str),
    /// The tracker is not an lm_tracker of a supported version.
    Unsupported(String),
    /// A TP4159 command failed or its queue held something a host cannot accept.
    Nvme(String),
    /// The tracker lost its state (a block reset, a power loss): the firmware's session
    /// says tracking, STATUS.TRACKING says not. Every bit since the last StartTracking is
    /// gone; the host must assume the whole namespace dirty.
    StateLost,
    /// A copy of the final pass failed on every attempt: the target does not hold the
    /// source's granules `[first, first + count)`.
    CopyFailed {
        first: u64,
        count: u64,
        attempts: u32,
    },
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::CommandSequence(why) => write!(f, "command sequence error: {why}"),
            Status::InvalidField(why) => write!(f, "invalid field: {why}"),
            Status::Hardware(flags) => {
                write!(
                    f,
                    "tracker error flags {:#x} ({})",
                    flags,
                    flag_names(ERR_FLAGS, *flags).join(", ")
                )
            }
            Status::Timeout(what) => write!(f, "tracker timeout: {what}"),
            Status::Unsupported(why) => write!(f, "unsupported tracker: {why}"),
            Status::Nvme(why) => write!(f, "NVMe live migration: {why}"),
            Status::StateLost => write!(
                f,
                "the tracker lost its state (reset or power loss): tracking stopped under \
                 a running session"
            ),
            Status::CopyFailed {
                first,
                count,
                attempts,
            } => write!(
                f,
                "the target write of granules {first}..{} failed {attempts} time(s) in the \
                 final pass: the target does not hold the source's data, switch-over refused",
                first + count
            ),
        }
    }
}

impl std::error::Error for Status {}
