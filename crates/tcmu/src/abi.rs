//! The TCMU shared-memory ABI, mirrored from the kernel's
//! `include/uapi/linux/target_core_user.h` (mailbox version 2). Every address in the
//! region is an offset from its start; all integers are little-endian on the x86-64 and
//! arm64 hosts this runs on (the kernel writes them in CPU byte order).

use zerocopy::byteorder::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// `TCMU_MAILBOX_VERSION`: the only mailbox layout this handler understands.
pub const MAILBOX_VERSION: u16 = 2;
/// `TCMU_MAILBOX_FLAG_CAP_READ_LEN`: the kernel honours `rsp.read_len`.
pub const CAP_READ_LEN: u16 = 1 << 1;
/// Byte offset of `cmd_tail` in the mailbox (`__aligned__(64)`).
pub const CMD_TAIL_OFFSET: usize = 64;

/// `tcmu_opcode`: the low three bits of `len_op`.
pub const OP_MASK: u32 = 0x7;
/// `TCMU_OP_PAD`: skip `length` bytes.
pub const OP_PAD: u32 = 0;
/// `TCMU_OP_CMD`: a SCSI command.
pub const OP_CMD: u32 = 1;

/// `TCMU_UFLAG_UNKNOWN_OP`: the handler did not understand the entry's opcode.
pub const UFLAG_UNKNOWN_OP: u8 = 0x1;
/// `TCMU_UFLAG_READ_LEN`: `rsp.read_len` holds the data-in bytes really returned.
pub const UFLAG_READ_LEN: u8 = 0x2;

/// `TCMU_SENSE_BUFFERSIZE`.
pub const SENSE_BUFFERSIZE: usize = 96;

/// `struct tcmu_mailbox` up to `cmd_head` (`cmd_tail` lives alone at byte 64).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Mailbox {
    /// `version`: [`MAILBOX_VERSION`].
    pub version: U16,
    /// `flags`: `TCMU_MAILBOX_FLAG_CAP_*`.
    pub flags: U16,
    /// `cmdr_off`: offset of the command ring.
    pub cmdr_off: U32,
    /// `cmdr_size`: size of the command ring in bytes (not necessarily a power of two).
    pub cmdr_size: U32,
    /// `cmd_head`: written by the kernel, ring offset just past the newest entry.
    pub cmd_head: U32,
}

/// `struct tcmu_cmd_entry_hdr` (8 bytes, packed).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct EntryHdr {
    /// `len_op`: entry length (a multiple of 8) | opcode in the low 3 bits.
    pub len_op: U32,
    /// `cmd_id`.
    pub cmd_id: U16,
    /// `kflags`: set by the kernel.
    pub kflags: u8,
    /// `uflags`: set by the handler (`TCMU_UFLAG_*`).
    pub uflags: u8,
}

/// The `req` arm of `struct tcmu_cmd_entry`, after the header (40 bytes). Only the
/// outer struct is `__packed`: this inner struct keeps natural alignment, so 4 bytes of
/// padding precede `cdb_off`, and the `struct iovec iov[]` array follows at entry
/// offset 48.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Req {
    /// `iov_cnt`: iovecs of the data-out or data-in buffer.
    pub iov_cnt: U32,
    /// `iov_bidi_cnt`: iovecs of the data-in buffer of a bidirectional command.
    pub iov_bidi_cnt: U32,
    /// `iov_dif_cnt`: protection-information iovecs.
    pub iov_dif_cnt: U32,
    /// Alignment padding before the 64-bit `cdb_off`.
    pub pad0: U32,
    /// `cdb_off`: offset of the CDB from the start of the region.
    pub cdb_off: U64,
    /// `__pad1`.
    pub pad1: U64,
    /// `__pad2`.
    pub pad2: U64,
}

/// `struct iovec` as TCMU fills it: `iov_base` is an offset into the region.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Iovec {
    /// `iov_base`: region offset.
    pub base: U64,
    /// `iov_len`: bytes.
    pub len: U64,
}

/// The `rsp` arm of `struct tcmu_cmd_entry`, after the header (104 bytes, packed).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Rsp {
    /// `scsi_status`: SAM status byte (00h GOOD, 02h CHECK CONDITION).
    pub scsi_status: u8,
    /// `__pad1`.
    pub pad1: u8,
    /// `__pad2`.
    pub pad2: U16,
    /// `read_len` (`__pad3` before `CAP_READ_LEN`): data-in bytes really returned.
    pub read_len: U32,
    /// `sense_buffer`.
    pub sense_buffer: [u8; SENSE_BUFFERSIZE],
}

/// Offset of [`Req`] / [`Rsp`] in an entry.
pub const BODY_OFFSET: usize = size_of::<EntryHdr>();
/// Offset of `req.iov[0]` in an entry.
pub const IOV_OFFSET: usize = BODY_OFFSET + size_of::<Req>();
/// `sizeof(struct tcmu_cmd_entry)`: the smallest CMD entry.
pub const ENTRY_MIN: usize = BODY_OFFSET + size_of::<Rsp>();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_target_core_user_h() {
        assert_eq!(size_of::<Mailbox>(), 16);
        assert_eq!(size_of::<EntryHdr>(), 8);
        assert_eq!(size_of::<Req>(), 40);
        assert_eq!(IOV_OFFSET, 48);
        assert_eq!(size_of::<Iovec>(), 16);
        assert_eq!(size_of::<Rsp>(), 104);
        assert_eq!(ENTRY_MIN, 112);
    }
}
