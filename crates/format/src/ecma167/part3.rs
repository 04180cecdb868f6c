//! Volume structures of ECMA-167 part 3 with the UDF 2.60 2.2 restrictions: Anchor Volume
//! Descriptor Pointer (3/10.2), Primary Volume Descriptor (3/10.1), Implementation Use
//! Volume Descriptor (3/10.4), Partition Descriptor (3/10.5) with its Partition Header
//! Descriptor (4/14.3), Logical Volume Descriptor (3/10.6) with type 1 and type 2
//! partition maps (3/10.7, UDF 2.60 2.2.8–2.2.10), Unallocated Space Descriptor (3/10.8),
//! Terminating Descriptor (3/10.9) and Logical Volume Integrity Descriptor (3/10.10).

use super::part4::{LongAd, ShortAd};
use super::{Descriptor, Put, le_u64, tag_id};
use crate::FormatError;
use crate::codec::Reader;
use crate::ecma167::part1::{Charspec, ExtentAd, Regid, Timestamp};

/// Anchor Volume Descriptor Pointer (ECMA-167 3/10.2), 512 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnchorVolumeDescriptorPointer {
    /// Main Volume Descriptor Sequence Extent.
    pub main_volume_descriptor_sequence_extent: ExtentAd,
    /// Reserve Volume Descriptor Sequence Extent.
    pub reserve_volume_descriptor_sequence_extent: ExtentAd,
}

impl Descriptor for AnchorVolumeDescriptorPointer {
    const TAG_IDENTIFIER: u16 = tag_id::ANCHOR_VOLUME_DESCRIPTOR_POINTER;
    const NAME: &'static str = "ECMA-167 Anchor Volume Descriptor Pointer";
    fn encode_body(&self, out: &mut Vec<u8>) {
        self.main_volume_descriptor_sequence_extent.encode(out);
        self.reserve_volume_descriptor_sequence_extent.encode(out);
        out.zeros(480);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        Ok(AnchorVolumeDescriptorPointer {
            main_volume_descriptor_sequence_extent: ExtentAd::decode(r)?,
            reserve_volume_descriptor_sequence_extent: ExtentAd::decode(r)?,
        })
    }
}

/// Primary Volume Descriptor (ECMA-167 3/10.1, UDF 2.60 2.2.2), 512 bytes. Identifiers
/// are d-strings already encoded ([`crate::ecma167::encode_dstring`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryVolumeDescriptor {
    /// Volume Descriptor Sequence Number.
    pub volume_descriptor_sequence_number: u32,
    /// Primary Volume Descriptor Number.
    pub primary_volume_descriptor_number: u32,
    /// Volume Identifier, dstring\[32\].
    pub volume_identifier: [u8; 32],
    /// Volume Sequence Number.
    pub volume_sequence_number: u16,
    /// Maximum Volume Sequence Number.
    pub maximum_volume_sequence_number: u16,
    /// Interchange Level (UDF: 2, or 3 in a multi-volume set).
    pub interchange_level: u16,
    /// Maximum Interchange Level.
    pub maximum_interchange_level: u16,
    /// Character Set List (UDF: 1 = CS0).
    pub character_set_list: u32,
    /// Maximum Character Set List.
    pub maximum_character_set_list: u32,
    /// Volume Set Identifier, dstring\[128\].
    pub volume_set_identifier: [u8; 128],
    /// Descriptor Character Set.
    pub descriptor_character_set: Charspec,
    /// Explanatory Character Set.
    pub explanatory_character_set: Charspec,
    /// Volume Abstract.
    pub volume_abstract: ExtentAd,
    /// Volume Copyright Notice.
    pub volume_copyright_notice: ExtentAd,
    /// Application Identifier.
    pub application_identifier: Regid,
    /// Recording Date and Time.
    pub recording_date_and_time: Timestamp,
    /// Implementation Identifier.
    pub implementation_identifier: Regid,
    /// Implementation Use, 64 bytes.
    pub implementation_use: [u8; 64],
    /// Predecessor Volume Descriptor Sequence Location.
    pub predecessor_volume_descriptor_sequence_location: u32,
    /// Flags (bit 0: common volume set identification).
    pub flags: u16,
}

impl Descriptor for PrimaryVolumeDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::PRIMARY_VOLUME_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Primary Volume Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.u32(self.volume_descriptor_sequence_number);
        out.u32(self.primary_volume_descriptor_number);
        out.bytes(&self.volume_identifier);
        out.u16(self.volume_sequence_number);
        out.u16(self.maximum_volume_sequence_number);
        out.u16(self.interchange_level);
        out.u16(self.maximum_interchange_level);
        out.u32(self.character_set_list);
        out.u32(self.maximum_character_set_list);
        out.bytes(&self.volume_set_identifier);
        self.descriptor_character_set.encode(out);
        self.explanatory_character_set.encode(out);
        self.volume_abstract.encode(out);
        self.volume_copyright_notice.encode(out);
        self.application_identifier.encode(out);
        self.recording_date_and_time.encode(out);
        self.implementation_identifier.encode(out);
        out.bytes(&self.implementation_use);
        out.u32(self.predecessor_volume_descriptor_sequence_location);
        out.u16(self.flags);
        out.zeros(22);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let d = PrimaryVolumeDescriptor {
            volume_descriptor_sequence_number: r.le_u32()?,
            primary_volume_descriptor_number: r.le_u32()?,
            volume_identifier: r.array()?,
            volume_sequence_number: r.le_u16()?,
            maximum_volume_sequence_number: r.le_u16()?,
            interchange_level: r.le_u16()?,
            maximum_interchange_level: r.le_u16()?,
            character_set_list: r.le_u32()?,
            maximum_character_set_list: r.le_u32()?,
            volume_set_identifier: r.array()?,
            descriptor_character_set: Charspec::decode(r)?,
            explanatory_character_set: Charspec::decode(r)?,
            volume_abstract: ExtentAd::decode(r)?,
            volume_copyright_notice: ExtentAd::decode(r)?,
            application_identifier: Regid::decode(r)?,
            recording_date_and_time: Timestamp::decode(r)?,
            implementation_identifier: Regid::decode(r)?,
            implementation_use: r.array()?,
            predecessor_volume_descriptor_sequence_location: r.le_u32()?,
            flags: r.le_u16()?,
        };
        r.take(22)?;
        Ok(d)
    }
}

/// Implementation Use Volume Descriptor (ECMA-167 3/10.4, UDF 2.60 2.2.7), 512 bytes.
/// With the identifier "*UDF LV Info" the implementation use is a
/// [`crate::ecma167::LvInformation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplementationUseVolumeDescriptor {
    /// Volume Descriptor Sequence Number.
    pub volume_descriptor_sequence_number: u32,
    /// Implementation Identifier.
    pub implementation_identifier: Regid,
    /// Implementation Use, 460 bytes.
    pub implementation_use: [u8; 460],
}

impl Descriptor for ImplementationUseVolumeDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::IMPLEMENTATION_USE_VOLUME_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Implementation Use Volume Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.u32(self.volume_descriptor_sequence_number);
        self.implementation_identifier.encode(out);
        out.bytes(&self.implementation_use);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        Ok(ImplementationUseVolumeDescriptor {
            volume_descriptor_sequence_number: r.le_u32()?,
            implementation_identifier: Regid::decode(r)?,
            implementation_use: r.array()?,
        })
    }
}

/// Partition Header Descriptor (ECMA-167 4/14.3), the 128-byte Partition Contents Use of
/// an NSR partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartitionHeaderDescriptor {
    /// Unallocated Space Table.
    pub unallocated_space_table: ShortAd,
    /// Unallocated Space Bitmap (a [`crate::ecma167::SpaceBitmapDescriptor`]).
    pub unallocated_space_bitmap: ShortAd,
    /// Partition Integrity Table.
    pub partition_integrity_table: ShortAd,
    /// Freed Space Table.
    pub freed_space_table: ShortAd,
    /// Freed Space Bitmap.
    pub freed_space_bitmap: ShortAd,
}

impl PartitionHeaderDescriptor {
    /// The 128 bytes.
    pub fn to_bytes(&self) -> [u8; 128] {
        let mut v = Vec::with_capacity(128);
        for a in [
            self.unallocated_space_table,
            self.unallocated_space_bitmap,
            self.partition_integrity_table,
            self.freed_space_table,
            self.freed_space_bitmap,
        ] {
            a.encode(&mut v);
        }
        v.resize(128, 0);
        let mut o = [0u8; 128];
        o.copy_from_slice(&v);
        o
    }
    /// From the 128 bytes.
    pub fn from_bytes(b: &[u8; 128]) -> Self {
        let mut r = Reader::new(b, "ECMA-167 Partition Header Descriptor");
        let mut next = || ShortAd::decode(&mut r).unwrap_or_default();
        PartitionHeaderDescriptor {
            unallocated_space_table: next(),
            unallocated_space_bitmap: next(),
            partition_integrity_table: next(),
            freed_space_table: next(),
            freed_space_bitmap: next(),
        }
    }
}

/// Access Types of a Partition Descriptor (ECMA-167 3/10.5.7).
pub mod access_type {
    /// Pseudo-overwritable (UDF 2.60 2.2.14.2).
    pub const PSEUDO_OVERWRITABLE: u32 = 0;
    /// Read only.
    pub const READ_ONLY: u32 = 1;
    /// Write once.
    pub const WRITE_ONCE: u32 = 2;
    /// Rewritable (needs preparation before writing).
    pub const REWRITABLE: u32 = 3;
    /// Overwritable.
    pub const OVERWRITABLE: u32 = 4;
}

/// Partition Descriptor (ECMA-167 3/10.5, UDF 2.60 2.2.14), 512 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionDescriptor {
    /// Volume Descriptor Sequence Number.
    pub volume_descriptor_sequence_number: u32,
    /// Partition Flags (bit 0: space allocated).
    pub partition_flags: u16,
    /// Partition Number.
    pub partition_number: u16,
    /// Partition Contents ("+NSR02" or "+NSR03").
    pub partition_contents: Regid,
    /// Partition Contents Use (a [`PartitionHeaderDescriptor`] for NSR).
    pub partition_contents_use: [u8; 128],
    /// Access Type (see [`access_type`]).
    pub access_type: u32,
    /// Partition Starting Location, a sector.
    pub partition_starting_location: u32,
    /// Partition Length, sectors.
    pub partition_length: u32,
    /// Implementation Identifier.
    pub implementation_identifier: Regid,
    /// Implementation Use, 128 bytes.
    pub implementation_use: [u8; 128],
}

impl Descriptor for PartitionDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::PARTITION_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Partition Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.u32(self.volume_descriptor_sequence_number);
        out.u16(self.partition_flags);
        out.u16(self.partition_number);
        self.partition_contents.encode(out);
        out.bytes(&self.partition_contents_use);
        out.u32(self.access_type);
        out.u32(self.partition_starting_location);
        out.u32(self.partition_length);
        self.implementation_identifier.encode(out);
        out.bytes(&self.implementation_use);
        out.zeros(156);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let d = PartitionDescriptor {
            volume_descriptor_sequence_number: r.le_u32()?,
            partition_flags: r.le_u16()?,
            partition_number: r.le_u16()?,
            partition_contents: Regid::decode(r)?,
            partition_contents_use: r.array()?,
            access_type: r.le_u32()?,
            partition_starting_location: r.le_u32()?,
            partition_length: r.le_u32()?,
            implementation_identifier: Regid::decode(r)?,
            implementation_use: r.array()?,
        };
        r.take(156)?;
        Ok(d)
    }
}

/// Partition Type Identifiers of type 2 partition maps (UDF 2.60 2.2.8–2.2.10).
pub mod partition_type_identifier {
    /// Virtual partition (VAT), UDF 2.60 2.2.8.
    pub const VIRTUAL: &[u8] = b"*UDF Virtual Partition";
    /// Sparable partition, UDF 2.60 2.2.9.
    pub const SPARABLE: &[u8] = b"*UDF Sparable Partition";
    /// Metadata partition, UDF 2.60 2.2.10.
    pub const METADATA: &[u8] = b"*UDF Metadata Partition";
}

/// A partition map of a Logical Volume Descriptor (ECMA-167 3/10.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionMap {
    /// Type 1 (3/10.7.2), 6 bytes: a physical partition.
    Type1 {
        /// Volume Sequence Number.
        volume_sequence_number: u16,
        /// Partition Number (of a Partition Descriptor).
        partition_number: u16,
    },
    /// Type 2 "*UDF Virtual Partition" (UDF 2.60 2.2.8), 64 bytes.
    Virtual {
        /// UDF Identifier Suffix of the partition type identifier.
        identifier_suffix: [u8; 8],
        /// Volume Sequence Number.
        volume_sequence_number: u16,
        /// Partition Number of the physical partition it lies in.
        partition_number: u16,
    },
    /// Type 2 "*UDF Metadata Partition" (UDF 2.60 2.2.10), 64 bytes.
    Metadata {
        /// UDF Identifier Suffix of the partition type identifier.
        identifier_suffix: [u8; 8],
        /// Volume Sequence Number.
        volume_sequence_number: u16,
        /// Partition Number of the physical partition it lies in.
        partition_number: u16,
        /// Metadata File Location, a logical block of that partition.
        metadata_file_location: u32,
        /// Metadata Mirror File Location.
        metadata_mirror_file_location: u32,
        /// Metadata Bitmap File Location (0xFFFFFFFF when none).
        metadata_bitmap_file_location: u32,
        /// Allocation Unit Size, blocks.
        allocation_unit_size: u32,
        /// Alignment Unit Size, blocks.
        alignment_unit_size: u16,
        /// Flags: bit 0 Duplicate Metadata Flag.
        flags: u8,
    },
    /// Any other type 2 map (e.g. sparable), kept as its 62 bytes after type and length.
    OtherType2 {
        /// Partition Type Identifier.
        partition_type_identifier: Regid,
        /// The 28 bytes after the identifier.
        data: [u8; 28],
    },
}

impl PartitionMap {
    /// Appends the map (6 or 64 bytes).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            PartitionMap::Type1 {
                volume_sequence_number,
                partition_number,
            } => {
                out.bytes(&[1, 6]);
                out.u16(*volume_sequence_number);
                out.u16(*partition_number);
            }
            PartitionMap::Virtual {
                identifier_suffix,
                volume_sequence_number,
                partition_number,
            } => {
                out.bytes(&[2, 64, 0, 0]);
                Regid::new(partition_type_identifier::VIRTUAL, *identifier_suffix).encode(out);
                out.u16(*volume_sequence_number);
                out.u16(*partition_number);
                out.zeros(24);
            }
            PartitionMap::Metadata {
                identifier_suffix,
                volume_sequence_number,
                partition_number,
                metadata_file_location,
                metadata_mirror_file_location,
                metadata_bitmap_file_location,
                allocation_unit_size,
                alignment_unit_size,
                flags,
            } => {
                out.bytes(&[2, 64, 0, 0]);
                Regid::new(partition_type_identifier::METADATA, *identifier_suffix).encode(out);
                out.u16(*volume_sequence_number);
                out.u16(*partition_number);
                out.u32(*metadata_file_location);
                out.u32(*metadata_mirror_file_location);
                out.u32(*metadata_bitmap_file_location);
                out.u32(*allocation_unit_size);
                out.u16(*alignment_unit_size);
                out.u8(*flags);
                out.zeros(5);
            }
            PartitionMap::OtherType2 {
                partition_type_identifier,
                data,
            } => {
                out.bytes(&[2, 64, 0, 0]);
                partition_type_identifier.encode(out);
                out.bytes(data);
            }
        }
    }

    /// Decodes one map.
    ///
    /// # Errors
    /// [`FormatError::Short`], or [`FormatError::Invalid`] for a map type other than 1
    /// or 2 or a length other than 6 or 64.
    pub fn decode(r: &mut Reader<'_>) -> Result<PartitionMap, FormatError> {
        let ty = r.u8()?;
        let len = r.u8()?;
        match (ty, len) {
            (1, 6) => Ok(PartitionMap::Type1 {
                volume_sequence_number: r.le_u16()?,
                partition_number: r.le_u16()?,
            }),
            (2, 64) => {
                r.take(2)?;
                let id = Regid::decode(r)?;
                let data: [u8; 28] = r.array()?;
                let mut d = Reader::new(&data, "UDF type 2 partition map");
                if id.is(partition_type_identifier::VIRTUAL) {
                    Ok(PartitionMap::Virtual {
                        identifier_suffix: id.identifier_suffix,
                        volume_sequence_number: d.le_u16()?,
                        partition_number: d.le_u16()?,
                    })
                } else if id.is(partition_type_identifier::METADATA) {
                    Ok(PartitionMap::Metadata {
                        identifier_suffix: id.identifier_suffix,
                        volume_sequence_number: d.le_u16()?,
                        partition_number: d.le_u16()?,
                        metadata_file_location: d.le_u32()?,
                        metadata_mirror_file_location: d.le_u32()?,
                        metadata_bitmap_file_location: d.le_u32()?,
                        allocation_unit_size: d.le_u32()?,
                        alignment_unit_size: d.le_u16()?,
                        flags: d.u8()?,
                    })
                } else {
                    Ok(PartitionMap::OtherType2 {
                        partition_type_identifier: id,
                        data,
                    })
                }
            }
            _ => Err(r.invalid(
                "Partition Map Type",
                format!("type {ty} length {len} (type 1 length 6 or type 2 length 64 expected)"),
            )),
        }
    }
}

/// Logical Volume Descriptor (ECMA-167 3/10.6, UDF 2.60 2.2.4): 440 bytes and the maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalVolumeDescriptor {
    /// Volume Descriptor Sequence Number.
    pub volume_descriptor_sequence_number: u32,
    /// Descriptor Character Set.
    pub descriptor_character_set: Charspec,
    /// Logical Volume Identifier, dstring\[128\].
    pub logical_volume_identifier: [u8; 128],
    /// Logical Block Size, bytes.
    pub logical_block_size: u32,
    /// Domain Identifier ("*OSTA UDF Compliant" + domain suffix).
    pub domain_identifier: Regid,
    /// Logical Volume Contents Use: the File Set Descriptor location (UDF 2.60 2.2.4.4).
    pub logical_volume_contents_use: LongAd,
    /// Implementation Identifier.
    pub implementation_identifier: Regid,
    /// Implementation Use, 128 bytes.
    pub implementation_use: [u8; 128],
    /// Integrity Sequence Extent (the LVID sequence).
    pub integrity_sequence_extent: ExtentAd,
    /// Partition Maps (Map Table Length and Number of Partition Maps follow from them).
    pub partition_maps: Vec<PartitionMap>,
}

impl Descriptor for LogicalVolumeDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::LOGICAL_VOLUME_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Logical Volume Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        let mut maps = Vec::new();
        for m in &self.partition_maps {
            m.encode(&mut maps);
        }
        out.u32(self.volume_descriptor_sequence_number);
        self.descriptor_character_set.encode(out);
        out.bytes(&self.logical_volume_identifier);
        out.u32(self.logical_block_size);
        self.domain_identifier.encode(out);
        self.logical_volume_contents_use.encode(out);
        out.u32(maps.len() as u32);
        out.u32(self.partition_maps.len() as u32);
        self.implementation_identifier.encode(out);
        out.bytes(&self.implementation_use);
        self.integrity_sequence_extent.encode(out);
        out.bytes(&maps);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let volume_descriptor_sequence_number = r.le_u32()?;
        let descriptor_character_set = Charspec::decode(r)?;
        let logical_volume_identifier = r.array()?;
        let logical_block_size = r.le_u32()?;
        let domain_identifier = Regid::decode(r)?;
        let logical_volume_contents_use = LongAd::decode(r)?;
        let map_table_length = r.le_u32()?;
        let n = r.le_u32()?;
        let implementation_identifier = Regid::decode(r)?;
        let implementation_use = r.array()?;
        let integrity_sequence_extent = ExtentAd::decode(r)?;
        let mut m = r.sub(map_table_length as usize, "ECMA-167 partition maps")?;
        let mut partition_maps = Vec::new();
        for _ in 0..n {
            partition_maps.push(PartitionMap::decode(&mut m)?);
        }
        Ok(LogicalVolumeDescriptor {
            volume_descriptor_sequence_number,
            descriptor_character_set,
            logical_volume_identifier,
            logical_block_size,
            domain_identifier,
            logical_volume_contents_use,
            implementation_identifier,
            implementation_use,
            integrity_sequence_extent,
            partition_maps,
        })
    }
}

/// Unallocated Space Descriptor (ECMA-167 3/10.8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnallocatedSpaceDescriptor {
    /// Volume Descriptor Sequence Number.
    pub volume_descriptor_sequence_number: u32,
    /// Allocation Descriptors (Number of Allocation Descriptors follows).
    pub allocation_descriptors: Vec<ExtentAd>,
}

impl Descriptor for UnallocatedSpaceDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::UNALLOCATED_SPACE_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Unallocated Space Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.u32(self.volume_descriptor_sequence_number);
        out.u32(self.allocation_descriptors.len() as u32);
        for a in &self.allocation_descriptors {
            a.encode(out);
        }
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let volume_descriptor_sequence_number = r.le_u32()?;
        let n = r.le_u32()? as usize;
        if n > r.remaining() / 8 {
            return Err(r.invalid(
                "Number of Allocation Descriptors",
                format!("{n} descriptors do not fit in {} bytes", r.remaining()),
            ));
        }
        let allocation_descriptors = (0..n)
            .map(|_| ExtentAd::decode(r))
            .collect::<Result<_, _>>()?;
        Ok(UnallocatedSpaceDescriptor {
            volume_descriptor_sequence_number,
            allocation_descriptors,
        })
    }
}

/// Terminating Descriptor (ECMA-167 3/10.9 and 4/14.2), 512 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TerminatingDescriptor;

impl Descriptor for TerminatingDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::TERMINATING_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Terminating Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.zeros(496);
    }
    fn decode_body(_: &mut Reader<'_>) -> Result<Self, FormatError> {
        Ok(TerminatingDescriptor)
    }
}

/// Integrity Types of the LVID (ECMA-167 3/10.10.3).
pub mod integrity_type {
    /// Open Integrity Descriptor.
    pub const OPEN: u32 = 0;
    /// Close Integrity Descriptor.
    pub const CLOSE: u32 = 1;
}

/// Logical Volume Integrity Descriptor (ECMA-167 3/10.10, UDF 2.60 2.2.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogicalVolumeIntegrityDescriptor {
    /// Recording Date and Time.
    pub recording_date_and_time: Timestamp,
    /// Integrity Type (see [`integrity_type`]).
    pub integrity_type: u32,
    /// Next Integrity Extent.
    pub next_integrity_extent: ExtentAd,
    /// Logical Volume Contents Use: the Logical Volume Header Descriptor (4/14.15), whose
    /// Unique ID is the next unique ID to assign (UDF 2.60 3.2.1).
    pub unique_id: u64,
    /// Free Space Table, blocks per partition map.
    pub free_space_table: Vec<u32>,
    /// Size Table, blocks per partition map (same length as the free space table).
    pub size_table: Vec<u32>,
    /// Implementation Use (a [`crate::ecma167::LvidImplementationUse`] for UDF).
    pub implementation_use: Vec<u8>,
}

impl Descriptor for LogicalVolumeIntegrityDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::LOGICAL_VOLUME_INTEGRITY_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Logical Volume Integrity Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        self.recording_date_and_time.encode(out);
        out.u32(self.integrity_type);
        self.next_integrity_extent.encode(out);
        out.u64(self.unique_id);
        out.zeros(24);
        out.u32(self.free_space_table.len() as u32);
        out.u32(self.implementation_use.len() as u32);
        for v in &self.free_space_table {
            out.u32(*v);
        }
        for i in 0..self.free_space_table.len() {
            out.u32(self.size_table.get(i).copied().unwrap_or(0));
        }
        out.bytes(&self.implementation_use);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let recording_date_and_time = Timestamp::decode(r)?;
        let integrity_type = r.le_u32()?;
        let next_integrity_extent = ExtentAd::decode(r)?;
        let unique_id = le_u64(r)?;
        r.take(24)?;
        let n = r.le_u32()? as usize;
        let l_iu = r.le_u32()? as usize;
        if n > r.remaining() / 8 {
            return Err(r.invalid(
                "Number of Partitions",
                format!("{n} partitions do not fit in {} bytes", r.remaining()),
            ));
        }
        let read = |r: &mut Reader<'_>| -> Result<Vec<u32>, FormatError> {
            (0..n).map(|_| r.le_u32()).collect()
        };
        let free_space_table: Vec<u32> = read(r)?;
        let size_table: Vec<u32> = read(r)?;
        let implementation_use = r.take(l_iu)?.to_vec();
        Ok(LogicalVolumeIntegrityDescriptor {
            recording_date_and_time,
            integrity_type,
            next_integrity_extent,
            unique_id,
            free_space_table,
            size_table,
            implementation_use,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecma167::{
        LbAddr, LvInformation, LvidImplementationUse, TagParams, decode_descriptor, encode_dstring,
    };

    fn tag(loc: u32) -> TagParams {
        TagParams {
            descriptor_version: 3,
            tag_serial_number: 1,
            tag_location: loc,
        }
    }

    fn round<D: Descriptor + PartialEq + std::fmt::Debug>(d: &D, len: Option<usize>) {
        let b = d.encode(tag(300));
        if let Some(len) = len {
            assert_eq!(b.len(), len, "{}", D::NAME);
        }
        let (t, back) = decode_descriptor::<D>(&b, Some(300)).unwrap();
        assert_eq!(t.tag_identifier, D::TAG_IDENTIFIER);
        assert_eq!(&back, d);
        // Truncations are errors, not panics.
        for cut in [0, 10, 16, 20, b.len() - 1] {
            assert!(decode_descriptor::<D>(&b[..cut], Some(300)).is_err());
        }
    }

    fn id(s: &[u8]) -> Regid {
        Regid::new(s, [1, 2, 3, 4, 0, 0, 0, 0])
    }

    #[test]
    fn volume_descriptors_round_trip() {
        round(
            &AnchorVolumeDescriptorPointer {
                main_volume_descriptor_sequence_extent: ExtentAd {
                    extent_length: 32768,
                    extent_location: 32,
                },
                reserve_volume_descriptor_sequence_extent: ExtentAd {
                    extent_length: 32768,
                    extent_location: 48,
                },
            },
            Some(512),
        );
        let mut vid = [0u8; 32];
        vid.copy_from_slice(&encode_dstring("VOL", 32).unwrap());
        let mut vsid = [0u8; 128];
        vsid.copy_from_slice(&encode_dstring("0123456789abcdef", 128).unwrap());
        round(
            &PrimaryVolumeDescriptor {
                volume_descriptor_sequence_number: 1,
                primary_volume_descriptor_number: 0,
                volume_identifier: vid,
                volume_sequence_number: 1,
                maximum_volume_sequence_number: 1,
                interchange_level: 2,
                maximum_interchange_level: 2,
                character_set_list: 1,
                maximum_character_set_list: 1,
                volume_set_identifier: vsid,
                descriptor_character_set: Charspec::osta_cs0(),
                explanatory_character_set: Charspec::osta_cs0(),
                volume_abstract: ExtentAd::default(),
                volume_copyright_notice: ExtentAd::default(),
                application_identifier: id(b"discburn"),
                recording_date_and_time: Timestamp::from_unix(1_700_000_000, 0, 0),
                implementation_identifier: id(b"*discburn"),
                implementation_use: [7; 64],
                predecessor_volume_descriptor_sequence_location: 0,
                flags: 1,
            },
            Some(512),
        );
        let lvi = LvInformation {
            lvi_charset: Charspec::osta_cs0(),
            logical_volume_identifier: vsid,
            lv_info1: [0; 36],
            lv_info2: [0; 36],
            lv_info3: [0; 36],
            implementation_id: id(b"*discburn"),
            implementation_use: [0; 128],
        };
        round(
            &ImplementationUseVolumeDescriptor {
                volume_descriptor_sequence_number: 2,
                implementation_identifier: id(b"*UDF LV Info"),
                implementation_use: lvi.to_bytes(),
            },
            Some(512),
        );
        assert_eq!(LvInformation::from_bytes(&lvi.to_bytes()), lvi);
        let phd = PartitionHeaderDescriptor {
            unallocated_space_bitmap: ShortAd {
                extent_length: 2048,
                extent_position: 0,
            },
            ..Default::default()
        };
        assert_eq!(PartitionHeaderDescriptor::from_bytes(&phd.to_bytes()), phd);
        round(
            &PartitionDescriptor {
                volume_descriptor_sequence_number: 3,
                partition_flags: 1,
                partition_number: 0,
                partition_contents: id(b"+NSR03"),
                partition_contents_use: phd.to_bytes(),
                access_type: access_type::READ_ONLY,
                partition_starting_location: 270,
                partition_length: 1000,
                implementation_identifier: id(b"*discburn"),
                implementation_use: [0; 128],
            },
            Some(512),
        );
        round(
            &LogicalVolumeDescriptor {
                volume_descriptor_sequence_number: 4,
                descriptor_character_set: Charspec::osta_cs0(),
                logical_volume_identifier: vsid,
                logical_block_size: 2048,
                domain_identifier: id(b"*OSTA UDF Compliant"),
                logical_volume_contents_use: LongAd {
                    extent_length: 2048,
                    extent_location: LbAddr {
                        logical_block_number: 0,
                        partition_reference_number: 1,
                    },
                    implementation_use: [0; 6],
                },
                implementation_identifier: id(b"*discburn"),
                implementation_use: [0; 128],
                integrity_sequence_extent: ExtentAd {
                    extent_length: 4096,
                    extent_location: 64,
                },
                partition_maps: vec![
                    PartitionMap::Type1 {
                        volume_sequence_number: 1,
                        partition_number: 0,
                    },
                    PartitionMap::Metadata {
                        identifier_suffix: [0x50, 2, 0, 0, 0, 0, 0, 0],
                        volume_sequence_number: 1,
                        partition_number: 0,
                        metadata_file_location: 1,
                        metadata_mirror_file_location: 2,
                        metadata_bitmap_file_location: u32::MAX,
                        allocation_unit_size: 32,
                        alignment_unit_size: 16,
                        flags: 1,
                    },
                    PartitionMap::Virtual {
                        identifier_suffix: [0x50, 1, 0, 0, 0, 0, 0, 0],
                        volume_sequence_number: 1,
                        partition_number: 0,
                    },
                    PartitionMap::OtherType2 {
                        partition_type_identifier: id(partition_type_identifier::SPARABLE),
                        data: [9; 28],
                    },
                ],
            },
            Some(512 - 72 + 6 + 3 * 64),
        );
        round(
            &UnallocatedSpaceDescriptor {
                volume_descriptor_sequence_number: 5,
                allocation_descriptors: vec![ExtentAd {
                    extent_length: 4096,
                    extent_location: 9,
                }],
            },
            Some(32),
        );
        round(&TerminatingDescriptor, Some(512));
        let iu = LvidImplementationUse {
            implementation_id: id(b"*discburn"),
            number_of_files: 10,
            number_of_directories: 3,
            minimum_udf_read_revision: 0x201,
            minimum_udf_write_revision: 0x201,
            maximum_udf_write_revision: 0x201,
            implementation_use: vec![],
        };
        assert_eq!(LvidImplementationUse::decode(&iu.to_bytes()).unwrap(), iu);
        round(
            &LogicalVolumeIntegrityDescriptor {
                recording_date_and_time: Timestamp::from_unix(0, 0, 0),
                integrity_type: integrity_type::CLOSE,
                next_integrity_extent: ExtentAd::default(),
                unique_id: 16,
                free_space_table: vec![0, 0xFFFF_FFFF],
                size_table: vec![1000, 0xFFFF_FFFF],
                implementation_use: iu.to_bytes(),
            },
            Some(16 + 64 + 16 + 46),
        );
    }

    #[test]
    fn hostile_counts_are_errors() {
        let mut b = UnallocatedSpaceDescriptor::default().encode(tag(0));
        b[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        crate::ecma167::DescriptorTag::write(&mut b, 7, 3, 1, 0);
        assert!(decode_descriptor::<UnallocatedSpaceDescriptor>(&b, None).is_err());
        let mut m = Vec::new();
        m.extend_from_slice(&[3, 6, 0, 0, 0, 0]);
        assert!(PartitionMap::decode(&mut Reader::new(&m, "t")).is_err());
    }
}
