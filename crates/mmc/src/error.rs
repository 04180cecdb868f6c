//! Errors of the MMC layer: [`ReplyError`] for malformed reply bytes (pure codec) and
//! [`MmcError`] for a command that failed (drive layer).

use std::time::Duration;

use crate::sense::Sense;
use crate::transport::TransportError;

/// A reply (or parameter list) that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// Fewer bytes than the structure needs.
    #[error("{structure}: {got} bytes, at least {needed} needed")]
    Short {
        /// Which structure ("READ DISC INFORMATION reply").
        structure: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// A field holds a value the structure does not allow.
    #[error("{structure}: {reason}")]
    Invalid {
        /// Which structure.
        structure: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl ReplyError {
    /// A [`ReplyError::Short`].
    pub fn short(structure: &'static str, needed: usize, got: usize) -> ReplyError {
        ReplyError::Short {
            structure,
            needed,
            got,
        }
    }

    /// A [`ReplyError::Invalid`].
    pub fn invalid(structure: &'static str, reason: impl Into<String>) -> ReplyError {
        ReplyError::Invalid {
            structure,
            reason: reason.into(),
        }
    }
}

/// Checks that `bytes` holds at least `needed` bytes.
pub(crate) fn need(structure: &'static str, bytes: &[u8], needed: usize) -> Result<(), ReplyError> {
    if bytes.len() < needed {
        Err(ReplyError::short(structure, needed, bytes.len()))
    } else {
        Ok(())
    }
}

/// A failed MMC command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MmcError {
    /// The transport failed; the command's outcome is unknown.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The command ended in CHECK CONDITION with this sense (after any retries the drive
    /// layer does).
    #[error("{} ({opcode:#04x}) failed: {sense}", crate::cdb::opcode_name(*opcode))]
    Sense {
        /// Operation code of the CDB.
        opcode: u8,
        /// The decoded sense.
        sense: Sense,
    },
    /// CHECK CONDITION without (decodable) sense data.
    #[error("{} ({opcode:#04x}): CHECK CONDITION without sense data", crate::cdb::opcode_name(*opcode))]
    NoSense {
        /// Operation code of the CDB.
        opcode: u8,
    },
    /// A SCSI status other than GOOD or CHECK CONDITION (08h BUSY, 18h RESERVATION
    /// CONFLICT ...).
    #[error("{} ({opcode:#04x}): SCSI status {status:#04x}", crate::cdb::opcode_name(*opcode))]
    Status {
        /// Operation code.
        opcode: u8,
        /// The status byte.
        status: u8,
    },
    /// The reply could not be decoded.
    #[error("{} ({opcode:#04x}): {source}", crate::cdb::opcode_name(*opcode))]
    Reply {
        /// Operation code.
        opcode: u8,
        /// What is wrong with the bytes.
        #[source]
        source: ReplyError,
    },
    /// The drive stayed busy or not ready ( `2/04/xx` ) through every retry or poll.
    #[error(
        "{} ({opcode:#04x}): drive still busy after {attempts} attempts ({waited:?}): {sense}",
        crate::cdb::opcode_name(*opcode)
    )]
    StillBusy {
        /// Operation code of the command retried or polled for.
        opcode: u8,
        /// Attempts made.
        attempts: u32,
        /// Total time slept between attempts.
        waited: Duration,
        /// The last sense.
        sense: Sense,
    },
    /// The caller passed an argument the command cannot encode (data length not a
    /// multiple of the block size, transfer too large ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl MmcError {
    /// The sense, when the error is a CHECK CONDITION (also for [`MmcError::StillBusy`]).
    pub fn sense(&self) -> Option<&Sense> {
        match self {
            MmcError::Sense { sense, .. } | MmcError::StillBusy { sense, .. } => Some(sense),
            _ => None,
        }
    }

    /// True when the error is a CHECK CONDITION with this key/ASC/ASCQ.
    pub fn is_sense(&self, s: &Sense) -> bool {
        self.sense().is_some_and(|x| x.is(s))
    }
}
