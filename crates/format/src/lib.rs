//! Raw on-disc structures of the data-disc file systems, each in a module named after
//! its standard: ECMA-119 (ISO 9660), Joliet, SUSP/RRIP (Rock Ridge), El Torito and
//! ECMA-167/UDF. Fixed-size descriptors are `#[repr(C)]` zerocopy structs; variable-length
//! records go through a cursor codec. No I/O.
//!
//! | module | standard | coverage |
//! |---|---|---|
//! | [`iso9660`] | ECMA-119 (4th ed.) | volume descriptors (primary, supplementary, terminator), directory record, path table record, both-endian numbers, 7- and 17-byte dates, d-/a-characters, 9.3 identifier order |
//! | [`joliet`] | Joliet (Microsoft, 1995) | UCS-2 BE names, escape sequences, character rules |
//! | [`susp`] | SUSP 1.12 (IEEE P1281) | SP, CE, ER, ST, PD and the entry iterator |
//! | [`rrip`] | RRIP 1.12 (IEEE P1282) | PX, PN, SL, NM, TF, CL, PL, RE |
//! | [`eltorito`] | El Torito 1.0 | boot record volume descriptor, validation entry, initial/default entry, section headers and entries, boot info table (genisoimage convention) |
//! | [`md5sum`] | libisofs doc/checksums.txt, AAIP 2.0 | checksum tags (session, superblock, tree, relocated superblock), `isofs.ca`/`isofs.cx` values, AL entries |
//! | [`ecma167`] | ECMA-167 3rd ed., OSTA UDF 2.60 | volume recognition sequence, descriptor tag (checksum, CRC), charspec, dstring, OSTA compressed Unicode, timestamp, regid and UDF suffixes, extent_ad, lb_addr, short_ad, long_ad, ext_ad, AVDP, PVD, IUVD, PD, LVD with type 1 and 2 (virtual, metadata) partition maps, USD, TD, LVID, FSD, FID, AED, FE, EFE, space bitmap, extended attributes, VAT 2.00 header and 1.50 trailer |
//!
//! Decoders take a [`codec::Reader`]: they are bounded by the length fields of the data,
//! reject short and trailing data with a [`FormatError`] naming the structure and byte
//! offset, and never panic on hostile input.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codec;
pub mod ecma167;
pub mod eltorito;
pub mod iso9660;
pub mod joliet;
pub mod md5sum;
pub mod rrip;
pub mod susp;

/// Bytes in a logical sector and logical block (ECMA-119 6.1.2 and the Logical Block
/// Size of 8.4.12 as this crate writes it; the user data of a Mode 1 CD sector and of a
/// DVD or BD sector, MMC-6 4.2): the unit of every LBA in discburn. The one definition
/// of the 2048-byte block; other crates re-export or use it.
pub const SECTOR_SIZE: usize = 2048;

/// A decoding error: which structure, where (byte offset within the decoded buffer; the
/// caller adds the LBA), and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The data ends before the structure does.
    #[error(
        "{structure}: short data at byte {offset}: {needed} bytes needed, {available} available"
    )]
    Short {
        /// Structure being decoded (e.g. "ECMA-119 directory record").
        structure: &'static str,
        /// Byte offset where the read started.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// Bytes are left after the structure's length field says it ends.
    #[error("{structure}: {count} trailing bytes at byte {offset}")]
    Trailing {
        /// Structure being decoded.
        structure: &'static str,
        /// Byte offset of the first unconsumed byte.
        offset: usize,
        /// Number of unconsumed bytes.
        count: usize,
    },
    /// A field holds a value the standard does not allow.
    #[error("{structure}: invalid {field} at byte {offset}: {detail}")]
    Invalid {
        /// Structure being decoded.
        structure: &'static str,
        /// Field name as in the standard.
        field: &'static str,
        /// Byte offset of the field.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// An encoder was given a value that does not fit the structure.
    #[error("{structure}: cannot encode {field}: {detail}")]
    Unencodable {
        /// Structure being encoded.
        structure: &'static str,
        /// Field name as in the standard.
        field: &'static str,
        /// What is wrong.
        detail: String,
    },
}
