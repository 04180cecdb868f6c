//! ECMA-167 (3rd edition) and OSTA UDF 2.60 structures: the Volume Recognition Sequence
//! (ECMA-167 2/9), the descriptor tag with its checksum and CRC (3/7.2), the basic types
//! of part 1 ([`part1`]: charspec, dstring, OSTA compressed Unicode, timestamp, regid with
//! the UDF suffixes, extent_ad), the volume structures of part 3 ([`part3`]: AVDP, PVD,
//! IUVD, PD, LVD with type 1 and type 2 partition maps, USD, TD, LVID), the file
//! structures of part 4 ([`part4`]: lb_addr, short_ad, long_ad, ext_ad, ICB tag, FSD, FE,
//! EFE, FID, AED, space bitmap, extended attributes) and the UDF-only structures
//! ([`udf`]: LVID and IUVD implementation use, VAT 1.50 and 2.00).
//!
//! Every descriptor implements [`Descriptor`]: [`Descriptor::encode`] appends the whole
//! descriptor with its tag (checksum and CRC computed), [`decode_descriptor`] validates
//! the tag (identifier, checksum, CRC over the descriptor CRC length, location) and
//! decodes the body, bounded by the buffer, never panicking.

pub mod part1;
pub mod part3;
pub mod part4;
pub mod udf;

pub use part1::*;
pub use part3::*;
pub use part4::*;
pub use udf::*;

use crate::FormatError;
use crate::codec::Reader;

/// Standard Identifiers of the volume structure descriptors of the Volume Recognition
/// Sequence (ECMA-167 2/9.1.2, 3/9.1.2): BEA01 begins the extended area, NSR02 / NSR03
/// identify ECMA-167 2nd / 3rd edition (UDF ≤ 1.50 / ≥ 2.00), TEA01 terminates it;
/// BOOT2 (2/9.4) and CDW02 (ECMA-168) may appear inside.
pub mod vsd_id {
    /// Beginning Extended Area Descriptor (ECMA-167 2/9.2).
    pub const BEA01: &[u8; 5] = b"BEA01";
    /// NSR Descriptor, ECMA-167 2nd edition (3/9.1).
    pub const NSR02: &[u8; 5] = b"NSR02";
    /// NSR Descriptor, ECMA-167 3rd edition (3/9.1).
    pub const NSR03: &[u8; 5] = b"NSR03";
    /// Terminating Extended Area Descriptor (2/9.3).
    pub const TEA01: &[u8; 5] = b"TEA01";
    /// Boot Descriptor (2/9.4).
    pub const BOOT2: &[u8; 5] = b"BOOT2";
    /// ECMA-168 volume descriptor.
    pub const CDW02: &[u8; 5] = b"CDW02";
    /// All of them.
    pub const ALL: [&[u8; 5]; 6] = [BEA01, NSR02, NSR03, TEA01, BOOT2, CDW02];
}

/// The Standard Identifier of a Volume Structure Descriptor (ECMA-167 2/9.1: Structure
/// Type 0 at byte 0, the identifier at bytes 1–5) when `sector` is one of the Volume
/// Recognition Sequence (see [`vsd_id::ALL`]).
pub fn volume_structure_identifier(sector: &[u8]) -> Option<&'static [u8; 5]> {
    if sector.len() < 7 || sector[0] != 0 {
        return None;
    }
    vsd_id::ALL.into_iter().find(|id| &sector[1..6] == *id)
}

/// A 2048-byte Volume Structure Descriptor of the Volume Recognition Sequence (ECMA-167
/// 2/9.1): Structure Type 0, the Standard Identifier (one of [`vsd_id`]), Structure
/// Version 1, the rest zero (BEA01 2/9.2, NSR 3/9.1, TEA01 2/9.3).
pub fn volume_structure_descriptor(identifier: &[u8; 5]) -> [u8; 2048] {
    let mut s = [0u8; 2048];
    s[1..6].copy_from_slice(identifier);
    s[6] = 1;
    s
}

/// Tag Identifier of an Anchor Volume Descriptor Pointer (ECMA-167 3/7.2.1, 3/10.2).
pub const TAG_ANCHOR_VOLUME_DESCRIPTOR_POINTER: u16 = 2;

/// Tag Identifiers (ECMA-167 3/7.2.1 and 4/7.2.1).
pub mod tag_id {
    /// Primary Volume Descriptor (3/10.1).
    pub const PRIMARY_VOLUME_DESCRIPTOR: u16 = 1;
    /// Anchor Volume Descriptor Pointer (3/10.2).
    pub const ANCHOR_VOLUME_DESCRIPTOR_POINTER: u16 = 2;
    /// Volume Descriptor Pointer (3/10.3).
    pub const VOLUME_DESCRIPTOR_POINTER: u16 = 3;
    /// Implementation Use Volume Descriptor (3/10.4).
    pub const IMPLEMENTATION_USE_VOLUME_DESCRIPTOR: u16 = 4;
    /// Partition Descriptor (3/10.5).
    pub const PARTITION_DESCRIPTOR: u16 = 5;
    /// Logical Volume Descriptor (3/10.6).
    pub const LOGICAL_VOLUME_DESCRIPTOR: u16 = 6;
    /// Unallocated Space Descriptor (3/10.8).
    pub const UNALLOCATED_SPACE_DESCRIPTOR: u16 = 7;
    /// Terminating Descriptor (3/10.9, 4/14.2).
    pub const TERMINATING_DESCRIPTOR: u16 = 8;
    /// Logical Volume Integrity Descriptor (3/10.10).
    pub const LOGICAL_VOLUME_INTEGRITY_DESCRIPTOR: u16 = 9;
    /// File Set Descriptor (4/14.1).
    pub const FILE_SET_DESCRIPTOR: u16 = 256;
    /// File Identifier Descriptor (4/14.4).
    pub const FILE_IDENTIFIER_DESCRIPTOR: u16 = 257;
    /// Allocation Extent Descriptor (4/14.5).
    pub const ALLOCATION_EXTENT_DESCRIPTOR: u16 = 258;
    /// Indirect Entry (4/14.7).
    pub const INDIRECT_ENTRY: u16 = 259;
    /// Terminal Entry (4/14.8).
    pub const TERMINAL_ENTRY: u16 = 260;
    /// File Entry (4/14.9).
    pub const FILE_ENTRY: u16 = 261;
    /// Extended Attribute Header Descriptor (4/14.10.1).
    pub const EXTENDED_ATTRIBUTE_HEADER_DESCRIPTOR: u16 = 262;
    /// Unallocated Space Entry (4/14.11).
    pub const UNALLOCATED_SPACE_ENTRY: u16 = 263;
    /// Space Bitmap Descriptor (4/14.12).
    pub const SPACE_BITMAP_DESCRIPTOR: u16 = 264;
    /// Partition Integrity Entry (4/14.13).
    pub const PARTITION_INTEGRITY_ENTRY: u16 = 265;
    /// Extended File Entry (4/14.17).
    pub const EXTENDED_FILE_ENTRY: u16 = 266;
}

/// The CRC of ECMA-167 3/7.2.6 (CRC-ITU-T, x^16 + x^12 + x^5 + 1, initial value 0): the
/// `crc` crate's CRC-16/XMODEM.
pub const DESCRIPTOR_CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// A Descriptor Tag (ECMA-167 3/7.2), 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DescriptorTag {
    /// Tag Identifier (3/7.2.1, see [`tag_id`]).
    pub tag_identifier: u16,
    /// Descriptor Version (3/7.2.2): 2 for ECMA-167 2nd edition (UDF ≤ 1.50), 3 for the
    /// 3rd edition (UDF ≥ 2.00).
    pub descriptor_version: u16,
    /// Tag Checksum (3/7.2.3): the sum modulo 256 of bytes 0–3 and 5–15.
    pub tag_checksum: u8,
    /// Tag Serial Number (3/7.2.5).
    pub tag_serial_number: u16,
    /// Descriptor CRC (3/7.2.6) over the `descriptor_crc_length` bytes after the tag.
    pub descriptor_crc: u16,
    /// Descriptor CRC Length (3/7.2.7), bytes.
    pub descriptor_crc_length: u16,
    /// Tag Location (3/7.2.8): the logical sector (relative to the partition or the
    /// volume) the descriptor says it is recorded at.
    pub tag_location: u32,
}

impl DescriptorTag {
    /// Decodes the first 16 bytes of `sector` without validating them; `None` when
    /// shorter. See [`DescriptorTag::validate`].
    pub fn decode(sector: &[u8]) -> Option<DescriptorTag> {
        let b = sector.get(..16)?;
        Some(DescriptorTag {
            tag_identifier: u16::from_le_bytes([b[0], b[1]]),
            descriptor_version: u16::from_le_bytes([b[2], b[3]]),
            tag_checksum: b[4],
            tag_serial_number: u16::from_le_bytes([b[6], b[7]]),
            descriptor_crc: u16::from_le_bytes([b[8], b[9]]),
            descriptor_crc_length: u16::from_le_bytes([b[10], b[11]]),
            tag_location: u32::from_le_bytes([b[12], b[13], b[14], b[15]]),
        })
    }

    /// The checksum ECMA-167 3/7.2.3 prescribes for the tag bytes of `sector`.
    pub fn checksum_of(sector: &[u8]) -> Option<u8> {
        let b = sector.get(..16)?;
        Some(
            b.iter()
                .enumerate()
                .filter(|&(i, _)| i != 4)
                .fold(0u8, |a, (_, &v)| a.wrapping_add(v)),
        )
    }

    /// Decodes and validates the tag at the start of `buf` (ECMA-167 3/7.2): checksum,
    /// version 2 or 3, CRC over `descriptor_crc_length` bytes after the tag (which must lie
    /// within `buf`), and, when given, the expected tag identifier and location.
    ///
    /// # Errors
    /// [`FormatError::Short`] when `buf` is shorter than 16 bytes or than the CRC length
    /// says; [`FormatError::Invalid`] naming the field (Tag Identifier, Tag Checksum,
    /// Descriptor Version, Descriptor CRC, Tag Location) that does not match.
    pub fn validate(
        buf: &[u8],
        expected_identifier: Option<u16>,
        expected_location: Option<u32>,
    ) -> Result<DescriptorTag, FormatError> {
        const S: &str = "ECMA-167 descriptor tag";
        let tag = DescriptorTag::decode(buf).ok_or(FormatError::Short {
            structure: S,
            offset: 0,
            needed: 16,
            available: buf.len(),
        })?;
        let inv = |field: &'static str, offset: usize, detail: String| FormatError::Invalid {
            structure: S,
            field,
            offset,
            detail,
        };
        let sum = DescriptorTag::checksum_of(buf).unwrap_or(0);
        if sum != tag.tag_checksum {
            return Err(inv(
                "Tag Checksum",
                4,
                format!("recorded {:#04x}, computed {sum:#04x}", tag.tag_checksum),
            ));
        }
        if let Some(id) = expected_identifier
            && tag.tag_identifier != id
        {
            return Err(inv(
                "Tag Identifier",
                0,
                format!("{} where {id} was expected", tag.tag_identifier),
            ));
        }
        if !(2..=3).contains(&tag.descriptor_version) {
            return Err(inv(
                "Descriptor Version",
                2,
                format!("{} (2 or 3 expected)", tag.descriptor_version),
            ));
        }
        let end = 16 + tag.descriptor_crc_length as usize;
        let body = buf.get(16..end).ok_or(FormatError::Short {
            structure: S,
            offset: 16,
            needed: tag.descriptor_crc_length as usize,
            available: buf.len() - 16,
        })?;
        let crc = DESCRIPTOR_CRC.checksum(body);
        if crc != tag.descriptor_crc {
            return Err(inv(
                "Descriptor CRC",
                8,
                format!("recorded {:#06x}, computed {crc:#06x}", tag.descriptor_crc),
            ));
        }
        if let Some(loc) = expected_location
            && tag.tag_location != loc
        {
            return Err(inv(
                "Tag Location",
                12,
                format!("{} where {loc} was expected", tag.tag_location),
            ));
        }
        Ok(tag)
    }

    /// Writes a complete tag into `descriptor[..16]` for the bytes after it: the CRC over
    /// all of `descriptor[16..]` (at most 65535 bytes, UDF 2.60 2.2.1.2: the CRC Length is
    /// the descriptor length minus 16) and the checksum last.
    pub fn write(
        descriptor: &mut [u8],
        tag_identifier: u16,
        descriptor_version: u16,
        tag_serial_number: u16,
        tag_location: u32,
    ) {
        let crc_len = descriptor.len().saturating_sub(16).min(u16::MAX as usize);
        let crc = DESCRIPTOR_CRC.checksum(&descriptor[16..16 + crc_len]);
        descriptor[0..2].copy_from_slice(&tag_identifier.to_le_bytes());
        descriptor[2..4].copy_from_slice(&descriptor_version.to_le_bytes());
        descriptor[4] = 0;
        descriptor[5] = 0;
        descriptor[6..8].copy_from_slice(&tag_serial_number.to_le_bytes());
        descriptor[8..10].copy_from_slice(&crc.to_le_bytes());
        descriptor[10..12].copy_from_slice(&(crc_len as u16).to_le_bytes());
        descriptor[12..16].copy_from_slice(&tag_location.to_le_bytes());
        descriptor[4] = DescriptorTag::checksum_of(descriptor).unwrap_or(0);
    }
}

/// The tag values an encoder needs besides the identifier: version, serial number and the
/// location the descriptor is recorded at (ECMA-167 3/7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagParams {
    /// Descriptor Version (3/7.2.2): 2 (UDF ≤ 1.50) or 3 (UDF ≥ 2.00).
    pub descriptor_version: u16,
    /// Tag Serial Number (3/7.2.5).
    pub tag_serial_number: u16,
    /// Tag Location (3/7.2.8): the sector (volume-relative for part 3 descriptors,
    /// partition-relative logical block for part 4) the descriptor is recorded at.
    pub tag_location: u32,
}

/// A tagged descriptor of ECMA-167 part 3 or 4.
pub trait Descriptor: Sized {
    /// Tag Identifier of this descriptor (see [`tag_id`]).
    const TAG_IDENTIFIER: u16;
    /// The descriptor's name, for errors.
    const NAME: &'static str;
    /// Appends the bytes after the tag.
    fn encode_body(&self, out: &mut Vec<u8>);
    /// Decodes the bytes after the tag from `r` (bounded by the descriptor's buffer).
    ///
    /// # Errors
    /// [`FormatError`] naming the field that is short or invalid.
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError>;

    /// The whole descriptor (tag with checksum and CRC over the body, then the body).
    fn encode(&self, tag: TagParams) -> Vec<u8> {
        let mut out = vec![0u8; 16];
        self.encode_body(&mut out);
        DescriptorTag::write(
            &mut out,
            Self::TAG_IDENTIFIER,
            tag.descriptor_version,
            tag.tag_serial_number,
            tag.tag_location,
        );
        out
    }
}

/// Validates the tag at the start of `buf` ([`DescriptorTag::validate`] with the
/// identifier of `D` and `expected_location` when given) and decodes the descriptor.
///
/// # Errors
/// [`FormatError`] naming the tag field or descriptor field that is short or invalid.
pub fn decode_descriptor<D: Descriptor>(
    buf: &[u8],
    expected_location: Option<u32>,
) -> Result<(DescriptorTag, D), FormatError> {
    let tag = DescriptorTag::validate(buf, Some(D::TAG_IDENTIFIER), expected_location)?;
    let mut r = Reader::new(&buf[16..], D::NAME);
    let d = D::decode_body(&mut r)?;
    Ok((tag, d))
}

/// Little-endian append helpers shared by the encoders.
pub(crate) trait Put {
    fn u8(&mut self, v: u8);
    fn u16(&mut self, v: u16);
    fn u32(&mut self, v: u32);
    fn u64(&mut self, v: u64);
    fn bytes(&mut self, v: &[u8]);
    fn zeros(&mut self, n: usize);
}

impl Put for Vec<u8> {
    fn u8(&mut self, v: u8) {
        self.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.extend_from_slice(v);
    }
    fn zeros(&mut self, n: usize) {
        self.resize(self.len() + n, 0);
    }
}

pub(crate) fn le_u64(r: &mut Reader<'_>) -> Result<u64, FormatError> {
    Ok(u64::from_le_bytes(r.array()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognition_sequence_and_tag_checksum() {
        let mut s = vec![0u8; 2048];
        s[1..6].copy_from_slice(b"NSR03");
        assert_eq!(volume_structure_identifier(&s), Some(vsd_id::NSR03));
        s[0] = 1;
        assert_eq!(volume_structure_identifier(&s), None);
        let mut t = vec![0u8; 16];
        t[0] = 2;
        t[12] = 0x00;
        t[13] = 0x01;
        let sum = DescriptorTag::checksum_of(&t).unwrap();
        t[4] = sum;
        let tag = DescriptorTag::decode(&t).unwrap();
        assert_eq!(tag.tag_identifier, TAG_ANCHOR_VOLUME_DESCRIPTOR_POINTER);
        assert_eq!(tag.tag_location, 256);
        assert_eq!(tag.tag_checksum, 3);
        let v = volume_structure_descriptor(vsd_id::BEA01);
        assert_eq!(volume_structure_identifier(&v), Some(vsd_id::BEA01));
        assert_eq!(v[6], 1);
    }

    #[test]
    fn crc_is_the_ecma167_example() {
        // ECMA-167 3/7.2.6 example: the CRC of bytes 70 6A 77 is 3299.
        assert_eq!(DESCRIPTOR_CRC.checksum(&[0x70, 0x6A, 0x77]), 0x3299);
    }

    #[test]
    fn tag_write_then_validate_and_corruptions_are_named() {
        let mut d = vec![0u8; 512];
        d[100] = 7;
        DescriptorTag::write(&mut d, 2, 3, 1, 256);
        let t = DescriptorTag::validate(&d, Some(2), Some(256)).unwrap();
        assert_eq!(t.descriptor_crc_length, 496);
        assert_eq!(t.tag_serial_number, 1);
        let field = |e: FormatError| match e {
            FormatError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(DescriptorTag::validate(&d, Some(2), Some(257)).unwrap_err()),
            "Tag Location"
        );
        assert_eq!(
            field(DescriptorTag::validate(&d, Some(1), None).unwrap_err()),
            "Tag Identifier"
        );
        let mut c = d.clone();
        c[200] = 1;
        assert_eq!(
            field(DescriptorTag::validate(&c, None, None).unwrap_err()),
            "Descriptor CRC"
        );
        c[4] ^= 1;
        assert_eq!(
            field(DescriptorTag::validate(&c, None, None).unwrap_err()),
            "Tag Checksum"
        );
        assert!(matches!(
            DescriptorTag::validate(&d[..100], None, None),
            Err(FormatError::Short { .. })
        ));
        assert!(DescriptorTag::validate(&d[..3], None, None).is_err());
    }
}
