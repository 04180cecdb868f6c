//! READ CAPACITY (mmc.md §5.9), READ FORMAT CAPACITIES (§5.10), the FORMAT UNIT
//! parameter list (§5.7) and READ BUFFER CAPACITY (§5.12).

use super::{be16, be32};
use crate::error::{ReplyError, need};

/// READ CAPACITY reply (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCapacity {
    /// Bytes 0-3 Logical Block Address: the last readable LBA (0 on blank media).
    pub last_lba: u32,
    /// Bytes 4-7 Block Length in bytes (2048).
    pub block_length: u32,
}

impl ReadCapacity {
    /// Parses 8 bytes.
    ///
    /// # Errors
    /// [`ReplyError::Short`].
    pub fn parse(b: &[u8]) -> Result<ReadCapacity, ReplyError> {
        need("READ CAPACITY reply", b, 8)?;
        Ok(ReadCapacity {
            last_lba: be32(b, 0),
            block_length: be32(b, 4),
        })
    }

    /// Encodes 8 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = self.last_lba.to_be_bytes().to_vec();
        b.extend_from_slice(&self.block_length.to_be_bytes());
        b
    }
}

/// Descriptor Type of the Current/Maximum Capacity Descriptor (byte 4 bits 1-0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormatDescriptorType {
    /// 00b reserved.
    Reserved,
    /// 01b unformatted media: maximum formattable capacity.
    Unformatted,
    /// 10b formatted media: current capacity.
    Formatted,
    /// 11b no media present or unknown capacity.
    NoMedia,
}

impl FormatDescriptorType {
    /// From the 2-bit field.
    pub const fn from_bits(v: u8) -> Self {
        match v & 3 {
            0 => Self::Reserved,
            1 => Self::Unformatted,
            2 => Self::Formatted,
            _ => Self::NoMedia,
        }
    }
    /// The 2-bit field.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

/// A Formattable Capacity Descriptor (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatCapacityDescriptor {
    /// Bytes 0-3 Number of Blocks.
    pub number_of_blocks: u32,
    /// Byte 4 bits 7-2 Format Type (00h full, 26h DVD+RW, 30h/31h BD-RE ...).
    pub format_type: u8,
    /// Bytes 5-7 Type Dependent Parameter.
    pub type_dependent_parameter: u32,
}

/// READ FORMAT CAPACITIES reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatCapacities {
    /// Current/Maximum Capacity Descriptor: Number of Blocks.
    pub current_number_of_blocks: u32,
    /// Current/Maximum Capacity Descriptor: Descriptor Type.
    pub current_descriptor_type: FormatDescriptorType,
    /// Current/Maximum Capacity Descriptor: Block Length (bytes 5-7).
    pub current_block_length: u32,
    /// Formattable Capacity Descriptors.
    pub descriptors: Vec<FormatCapacityDescriptor>,
}

impl FormatCapacities {
    const S: &'static str = "READ FORMAT CAPACITIES reply";

    /// Parses the 4-byte header, the current descriptor and the formattable
    /// descriptors, bounded by Capacity List Length (byte 3) and the buffer.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 12 bytes or a list length below 8.
    pub fn parse(b: &[u8]) -> Result<FormatCapacities, ReplyError> {
        need(Self::S, b, 4)?;
        let end = (4 + b[3] as usize).min(b.len());
        need(Self::S, &b[..end], 12)?;
        let u24 = |at: usize| u32::from_be_bytes([0, b[at], b[at + 1], b[at + 2]]);
        let descriptors = b[12..end]
            .chunks_exact(8)
            .map(|d| FormatCapacityDescriptor {
                number_of_blocks: be32(d, 0),
                format_type: d[4] >> 2,
                type_dependent_parameter: u32::from_be_bytes([0, d[5], d[6], d[7]]),
            })
            .collect();
        Ok(FormatCapacities {
            current_number_of_blocks: be32(b, 4),
            current_descriptor_type: FormatDescriptorType::from_bits(b[8]),
            current_block_length: u24(9),
            descriptors,
        })
    }

    /// Encodes header + descriptors.
    pub fn encode(&self) -> Vec<u8> {
        let n = 1 + self.descriptors.len();
        let mut b = vec![0, 0, 0, (8 * n).min(0xF8) as u8];
        b.extend_from_slice(&self.current_number_of_blocks.to_be_bytes());
        b.push(self.current_descriptor_type.bits());
        b.extend_from_slice(&self.current_block_length.to_be_bytes()[1..]);
        for d in &self.descriptors {
            b.extend_from_slice(&d.number_of_blocks.to_be_bytes());
            b.push(d.format_type << 2);
            b.extend_from_slice(&d.type_dependent_parameter.to_be_bytes()[1..]);
        }
        b
    }
}

/// FORMAT UNIT parameter list: 4-byte header + one 8-byte format descriptor (mmc.md §5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatUnitParameters {
    /// Header byte 1 bit 7 FOV.
    pub fov: bool,
    /// Header byte 1 bit 1 Immed.
    pub immed: bool,
    /// Descriptor bytes 0-3 Number of Blocks.
    pub number_of_blocks: u32,
    /// Descriptor byte 4 bits 7-2 Format Type.
    pub format_type: u8,
    /// Descriptor byte 4 bits 1-0 Format Sub-type (BD-R: 00b SRM+POW, 01b SRM, 10b RRM).
    pub format_sub_type: u8,
    /// Descriptor bytes 5-7 Type Dependent Parameter.
    pub type_dependent_parameter: u32,
}

impl FormatUnitParameters {
    /// Parses 12 bytes (header with Format Descriptor Length 8, then the descriptor).
    ///
    /// # Errors
    /// [`ReplyError::Short`]; [`ReplyError::Invalid`] when the descriptor length is not 8.
    pub fn parse(b: &[u8]) -> Result<FormatUnitParameters, ReplyError> {
        const S: &str = "FORMAT UNIT parameter list";
        need(S, b, 12)?;
        if be16(b, 2) != 8 {
            return Err(ReplyError::invalid(
                S,
                format!("Format Descriptor Length {} is not 8", be16(b, 2)),
            ));
        }
        Ok(FormatUnitParameters {
            fov: b[1] & 0x80 != 0,
            immed: b[1] & 0x02 != 0,
            number_of_blocks: be32(b, 4),
            format_type: b[8] >> 2,
            format_sub_type: b[8] & 3,
            type_dependent_parameter: u32::from_be_bytes([0, b[9], b[10], b[11]]),
        })
    }

    /// Encodes 12 bytes.
    pub fn encode(&self) -> [u8; 12] {
        let mut b = [0u8; 12];
        b[1] = ((self.fov as u8) << 7) | ((self.immed as u8) << 1);
        b[3] = 8;
        b[4..8].copy_from_slice(&self.number_of_blocks.to_be_bytes());
        b[8] = (self.format_type << 2) | (self.format_sub_type & 3);
        b[9..12].copy_from_slice(&self.type_dependent_parameter.to_be_bytes()[1..]);
        b
    }
}

/// READ BUFFER CAPACITY reply (Block = 0), 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferCapacity {
    /// Bytes 4-7 Length of the Buffer (bytes).
    pub buffer_length: u32,
    /// Bytes 8-11 Available Length of the Buffer (bytes free).
    pub available_length: u32,
}

impl BufferCapacity {
    /// Parses 12 bytes.
    ///
    /// # Errors
    /// [`ReplyError::Short`].
    pub fn parse(b: &[u8]) -> Result<BufferCapacity, ReplyError> {
        need("READ BUFFER CAPACITY reply", b, 12)?;
        Ok(BufferCapacity {
            buffer_length: be32(b, 4),
            available_length: be32(b, 8),
        })
    }

    /// Encodes 12 bytes (Data Length 10).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0, 10, 0, 0];
        b.extend_from_slice(&self.buffer_length.to_be_bytes());
        b.extend_from_slice(&self.available_length.to_be_bytes());
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_capacity_cd_tao() {
        // mmc.md §6.1: lead-out 302 → READ CAPACITY 301.
        let r = ReadCapacity {
            last_lba: 301,
            block_length: 2048,
        };
        assert_eq!(r.encode(), vec![0, 0, 1, 45, 0, 0, 8, 0]);
        assert_eq!(ReadCapacity::parse(&r.encode()).unwrap(), r);
        assert!(ReadCapacity::parse(&[0; 7]).is_err());
    }

    #[test]
    fn bd_re_format_capacities_from_libburn_list() {
        // mmc.md §5.10 BD-RE example.
        let d = |n, t, p| FormatCapacityDescriptor {
            number_of_blocks: n,
            format_type: t,
            type_dependent_parameter: p,
        };
        let f = FormatCapacities {
            current_number_of_blocks: 12219392,
            current_descriptor_type: FormatDescriptorType::Unformatted,
            current_block_length: 2048,
            descriptors: vec![
                d(11826176, 0x00, 0x3000),
                d(11826176, 0x30, 0x3000),
                d(11564032, 0x30, 0x5000),
                d(12088320, 0x30, 0x1000),
                d(12219392, 0x31, 0x800),
            ],
        };
        let b = f.encode();
        assert_eq!(b[3], 48);
        assert_eq!(b[8], 1);
        assert_eq!(&b[9..12], &[0, 8, 0]);
        let p = FormatCapacities::parse(&b).unwrap();
        assert_eq!(p, f);
        assert_eq!(12219392 - 11826176, 0x3000 * 32);
        // Allocation 12: current descriptor only.
        assert!(
            FormatCapacities::parse(&b[..12])
                .unwrap()
                .descriptors
                .is_empty()
        );
        assert!(FormatCapacities::parse(&b[..11]).is_err());
    }

    #[test]
    fn format_unit_parameters() {
        let p = FormatUnitParameters {
            fov: true,
            immed: true,
            number_of_blocks: 0xFFFF_FFFF,
            format_type: 0x26,
            format_sub_type: 0,
            type_dependent_parameter: 0,
        };
        let b = p.encode();
        assert_eq!(b, [0, 0x82, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0x98, 0, 0, 0]);
        assert_eq!(FormatUnitParameters::parse(&b).unwrap(), p);
        let mut bad = b;
        bad[3] = 4;
        assert!(FormatUnitParameters::parse(&bad).is_err());
    }

    #[test]
    fn buffer_capacity() {
        let c = BufferCapacity {
            buffer_length: 2 << 20,
            available_length: 65536,
        };
        assert_eq!(BufferCapacity::parse(&c.encode()).unwrap(), c);
    }
}
