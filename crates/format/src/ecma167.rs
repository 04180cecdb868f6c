//! ECMA-167 (3rd edition) / OSTA UDF structures needed to recognise a UDF volume: the
//! Volume Recognition Sequence (ECMA-167 2/9.1) and the descriptor tag (3/7.2) with its
//! checksum. The writer-side structures of UDF (the issue on UDF) start here.

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

/// Tag Identifier of an Anchor Volume Descriptor Pointer (ECMA-167 3/7.2.1, 3/10.2).
pub const TAG_ANCHOR_VOLUME_DESCRIPTOR_POINTER: u16 = 2;

/// The fields of a Descriptor Tag (ECMA-167 3/7.2) used to recognise a descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescriptorTag {
    /// Tag Identifier (3/7.2.1).
    pub tag_identifier: u16,
    /// Tag Checksum (3/7.2.3): the sum modulo 256 of bytes 0–3 and 5–15.
    pub tag_checksum: u8,
    /// Tag Location (3/7.2.8): the logical sector (relative to the partition or the
    /// volume) the descriptor says it is recorded at.
    pub tag_location: u32,
}

impl DescriptorTag {
    /// Decodes the first 16 bytes of `sector`; `None` when shorter.
    pub fn decode(sector: &[u8]) -> Option<DescriptorTag> {
        let b = sector.get(..16)?;
        Some(DescriptorTag {
            tag_identifier: u16::from_le_bytes([b[0], b[1]]),
            tag_checksum: b[4],
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
    }
}
