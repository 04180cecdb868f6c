//! File structures of ECMA-167 part 4 with the UDF 2.60 2.3 restrictions: lb_addr
//! (4/7.1), short_ad / long_ad / ext_ad (4/14.14), ICB tag (4/14.6), File Set Descriptor
//! (4/14.1), File Identifier Descriptor (4/14.4), Allocation Extent Descriptor (4/14.5),
//! File Entry (4/14.9), Extended File Entry (4/14.17), Space Bitmap Descriptor (4/14.12)
//! and the extended attributes (4/14.10).

use super::{Descriptor, Put, le_u64, tag_id};
use crate::FormatError;
use crate::codec::Reader;
use crate::ecma167::part1::{Charspec, Regid, Timestamp};

/// Recorded address of a logical block, lb_addr (ECMA-167 4/7.1), 6 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct LbAddr {
    /// Logical Block Number, relative to the partition.
    pub logical_block_number: u32,
    /// Partition Reference Number (index of the partition map).
    pub partition_reference_number: u16,
}

impl LbAddr {
    /// Appends the 6 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u32(self.logical_block_number);
        out.u16(self.partition_reference_number);
    }
    /// Decodes 6 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<LbAddr, FormatError> {
        Ok(LbAddr {
            logical_block_number: r.le_u32()?,
            partition_reference_number: r.le_u16()?,
        })
    }
}

/// Extent types in the two most significant bits of an allocation descriptor's Extent
/// Length (ECMA-167 4/14.14.1.1).
pub mod extent_type {
    /// Recorded and allocated.
    pub const RECORDED: u8 = 0;
    /// Allocated and not recorded (reads as zeros).
    pub const ALLOCATED_NOT_RECORDED: u8 = 1;
    /// Neither allocated nor recorded (a hole; reads as zeros).
    pub const NOT_ALLOCATED: u8 = 2;
    /// The next extent of allocation descriptors (an AED).
    pub const NEXT_EXTENT: u8 = 3;
}

/// Largest extent length an allocation descriptor holds that is a multiple of 2048 bytes:
/// 2^30 − 2048 (ECMA-167 4/14.14.1.1: 30-bit length; UDF 2.60 2.3.10: block multiples
/// except the last extent).
pub const MAX_EXTENT_LENGTH: u32 = (1 << 30) - 2048;

/// Short Allocation Descriptor (ECMA-167 4/14.14.1), 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShortAd {
    /// Extent Length: bytes in the low 30 bits, [`extent_type`] in the top 2.
    pub extent_length: u32,
    /// Extent Position: logical block within the partition of the ICB.
    pub extent_position: u32,
}

impl ShortAd {
    /// Appends the 8 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u32(self.extent_length);
        out.u32(self.extent_position);
    }
    /// Decodes 8 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<ShortAd, FormatError> {
        Ok(ShortAd {
            extent_length: r.le_u32()?,
            extent_position: r.le_u32()?,
        })
    }
}

/// Long Allocation Descriptor (ECMA-167 4/14.14.2), 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LongAd {
    /// Extent Length: bytes in the low 30 bits, [`extent_type`] in the top 2.
    pub extent_length: u32,
    /// Extent Location.
    pub extent_location: LbAddr,
    /// Implementation Use, 6 bytes (UDF 2.60 2.3.10.1: flags and the UDF Unique ID in
    /// FIDs).
    pub implementation_use: [u8; 6],
}

impl LongAd {
    /// Appends the 16 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u32(self.extent_length);
        self.extent_location.encode(out);
        out.bytes(&self.implementation_use);
    }
    /// Decodes 16 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<LongAd, FormatError> {
        Ok(LongAd {
            extent_length: r.le_u32()?,
            extent_location: LbAddr::decode(r)?,
            implementation_use: r.array()?,
        })
    }
    /// The implementation use of a FID's ICB (UDF 2.60 2.3.4.3): flags 0 and the low 32
    /// bits of the file's Unique ID.
    pub fn udf_unique_id_use(unique_id: u64) -> [u8; 6] {
        let u = (unique_id as u32).to_le_bytes();
        [0, 0, u[0], u[1], u[2], u[3]]
    }
}

/// Extended Allocation Descriptor (ECMA-167 4/14.14.3), 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtAd {
    /// Extent Length (type in the top 2 bits).
    pub extent_length: u32,
    /// Recorded Length.
    pub recorded_length: u32,
    /// Information Length.
    pub information_length: u32,
    /// Extent Location.
    pub extent_location: LbAddr,
    /// Implementation Use, 2 bytes.
    pub implementation_use: [u8; 2],
}

impl ExtAd {
    /// Appends the 20 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u32(self.extent_length);
        out.u32(self.recorded_length);
        out.u32(self.information_length);
        self.extent_location.encode(out);
        out.bytes(&self.implementation_use);
    }
    /// Decodes 20 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<ExtAd, FormatError> {
        Ok(ExtAd {
            extent_length: r.le_u32()?,
            recorded_length: r.le_u32()?,
            information_length: r.le_u32()?,
            extent_location: LbAddr::decode(r)?,
            implementation_use: r.array()?,
        })
    }
}

/// Decodes a sequence of short_ads (e.g. the allocation descriptors of an FE with ICB
/// flags 0), stopping at a zero extent length (ECMA-167 4/12.1).
///
/// # Errors
/// [`FormatError::Trailing`] when the bytes are not a multiple of 8.
pub fn decode_short_ads(b: &[u8]) -> Result<Vec<ShortAd>, FormatError> {
    let mut r = Reader::new(b, "ECMA-167 short_ad sequence");
    let mut v = Vec::new();
    while r.remaining() >= 8 {
        let a = ShortAd::decode(&mut r)?;
        if a.extent_length & 0x3FFF_FFFF == 0 {
            return Ok(v);
        }
        v.push(a);
    }
    r.finish()?;
    Ok(v)
}

/// Decodes a sequence of long_ads, stopping at a zero extent length.
///
/// # Errors
/// [`FormatError::Trailing`] when the bytes are not a multiple of 16.
pub fn decode_long_ads(b: &[u8]) -> Result<Vec<LongAd>, FormatError> {
    let mut r = Reader::new(b, "ECMA-167 long_ad sequence");
    let mut v = Vec::new();
    while r.remaining() >= 16 {
        let a = LongAd::decode(&mut r)?;
        if a.extent_length & 0x3FFF_FFFF == 0 {
            return Ok(v);
        }
        v.push(a);
    }
    r.finish()?;
    Ok(v)
}

/// File Types of the ICB tag (ECMA-167 4/14.6.6, UDF 2.60 2.3.5.2).
pub mod file_type {
    /// Unallocated space entry.
    pub const UNALLOCATED_SPACE_ENTRY: u8 = 1;
    /// Partition integrity entry.
    pub const PARTITION_INTEGRITY_ENTRY: u8 = 2;
    /// Indirect entry.
    pub const INDIRECT_ENTRY: u8 = 3;
    /// Directory.
    pub const DIRECTORY: u8 = 4;
    /// Regular file (a sequence of bytes).
    pub const REGULAR: u8 = 5;
    /// Block special device.
    pub const BLOCK_DEVICE: u8 = 6;
    /// Character special device.
    pub const CHARACTER_DEVICE: u8 = 7;
    /// Extended attributes file.
    pub const EXTENDED_ATTRIBUTES: u8 = 8;
    /// FIFO.
    pub const FIFO: u8 = 9;
    /// Socket (C_ISSOCK).
    pub const SOCKET: u8 = 10;
    /// Terminal entry.
    pub const TERMINAL_ENTRY: u8 = 11;
    /// Symbolic link (contents are path components, 4/14.16).
    pub const SYMLINK: u8 = 12;
    /// Stream directory.
    pub const STREAM_DIRECTORY: u8 = 13;
    /// UDF 2.00+ Virtual Allocation Table (UDF 2.60 2.2.11).
    pub const VAT20: u8 = 248;
    /// UDF real-time file.
    pub const REAL_TIME: u8 = 249;
    /// UDF 2.50+ metadata file.
    pub const METADATA_FILE: u8 = 250;
    /// UDF 2.50+ metadata mirror file.
    pub const METADATA_MIRROR_FILE: u8 = 251;
    /// UDF 2.50+ metadata bitmap file.
    pub const METADATA_BITMAP_FILE: u8 = 252;
}

/// ICB tag flags (ECMA-167 4/14.6.8).
pub mod icb_flags {
    /// Allocation descriptor type mask (bits 0–2).
    pub const AD_MASK: u16 = 7;
    /// short_ad allocation descriptors.
    pub const AD_SHORT: u16 = 0;
    /// long_ad allocation descriptors.
    pub const AD_LONG: u16 = 1;
    /// ext_ad allocation descriptors.
    pub const AD_EXTENDED: u16 = 2;
    /// Data embedded in the allocation descriptors field (immediate allocation).
    pub const AD_IN_ICB: u16 = 3;
    /// Directory entries sorted (not allowed by UDF).
    pub const SORTED: u16 = 1 << 3;
    /// Non-relocatable.
    pub const NON_RELOCATABLE: u16 = 1 << 4;
    /// Archive.
    pub const ARCHIVE: u16 = 1 << 5;
    /// Set UID.
    pub const SETUID: u16 = 1 << 6;
    /// Set GID.
    pub const SETGID: u16 = 1 << 7;
    /// Sticky.
    pub const STICKY: u16 = 1 << 8;
    /// Contiguous.
    pub const CONTIGUOUS: u16 = 1 << 9;
    /// System.
    pub const SYSTEM: u16 = 1 << 10;
    /// Transformed.
    pub const TRANSFORMED: u16 = 1 << 11;
    /// Multi-versions.
    pub const MULTI_VERSIONS: u16 = 1 << 12;
    /// Is a stream.
    pub const STREAM: u16 = 1 << 13;
}

/// ICB Tag (ECMA-167 4/14.6), 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IcbTag {
    /// Prior Recorded Number of Direct Entries.
    pub prior_recorded_number_of_direct_entries: u32,
    /// Strategy Type (UDF: 4, or 4096 on write-once media).
    pub strategy_type: u16,
    /// Strategy Parameter.
    pub strategy_parameter: [u8; 2],
    /// Maximum Number of Entries.
    pub maximum_number_of_entries: u16,
    /// File Type (see [`file_type`]).
    pub file_type: u8,
    /// Parent ICB Location.
    pub parent_icb_location: LbAddr,
    /// Flags (see [`icb_flags`]).
    pub flags: u16,
}

impl IcbTag {
    /// Appends the 20 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u32(self.prior_recorded_number_of_direct_entries);
        out.u16(self.strategy_type);
        out.bytes(&self.strategy_parameter);
        out.u16(self.maximum_number_of_entries);
        out.u8(0);
        out.u8(self.file_type);
        self.parent_icb_location.encode(out);
        out.u16(self.flags);
    }
    /// Decodes 20 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<IcbTag, FormatError> {
        let prior_recorded_number_of_direct_entries = r.le_u32()?;
        let strategy_type = r.le_u16()?;
        let strategy_parameter = r.array()?;
        let maximum_number_of_entries = r.le_u16()?;
        r.u8()?;
        Ok(IcbTag {
            prior_recorded_number_of_direct_entries,
            strategy_type,
            strategy_parameter,
            maximum_number_of_entries,
            file_type: r.u8()?,
            parent_icb_location: LbAddr::decode(r)?,
            flags: r.le_u16()?,
        })
    }
}

/// File Set Descriptor (ECMA-167 4/14.1, UDF 2.60 2.3.2), 512 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSetDescriptor {
    /// Recording Date and Time.
    pub recording_date_and_time: Timestamp,
    /// Interchange Level (UDF: 3).
    pub interchange_level: u16,
    /// Maximum Interchange Level.
    pub maximum_interchange_level: u16,
    /// Character Set List.
    pub character_set_list: u32,
    /// Maximum Character Set List.
    pub maximum_character_set_list: u32,
    /// File Set Number.
    pub file_set_number: u32,
    /// File Set Descriptor Number.
    pub file_set_descriptor_number: u32,
    /// Logical Volume Identifier Character Set.
    pub logical_volume_identifier_character_set: Charspec,
    /// Logical Volume Identifier, dstring\[128\].
    pub logical_volume_identifier: [u8; 128],
    /// File Set Character Set.
    pub file_set_character_set: Charspec,
    /// File Set Identifier, dstring\[32\].
    pub file_set_identifier: [u8; 32],
    /// Copyright File Identifier, dstring\[32\].
    pub copyright_file_identifier: [u8; 32],
    /// Abstract File Identifier, dstring\[32\].
    pub abstract_file_identifier: [u8; 32],
    /// Root Directory ICB.
    pub root_directory_icb: LongAd,
    /// Domain Identifier.
    pub domain_identifier: Regid,
    /// Next Extent.
    pub next_extent: LongAd,
    /// System Stream Directory ICB (UDF ≥ 2.00).
    pub system_stream_directory_icb: LongAd,
}

impl Descriptor for FileSetDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::FILE_SET_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 File Set Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        self.recording_date_and_time.encode(out);
        out.u16(self.interchange_level);
        out.u16(self.maximum_interchange_level);
        out.u32(self.character_set_list);
        out.u32(self.maximum_character_set_list);
        out.u32(self.file_set_number);
        out.u32(self.file_set_descriptor_number);
        self.logical_volume_identifier_character_set.encode(out);
        out.bytes(&self.logical_volume_identifier);
        self.file_set_character_set.encode(out);
        out.bytes(&self.file_set_identifier);
        out.bytes(&self.copyright_file_identifier);
        out.bytes(&self.abstract_file_identifier);
        self.root_directory_icb.encode(out);
        self.domain_identifier.encode(out);
        self.next_extent.encode(out);
        self.system_stream_directory_icb.encode(out);
        out.zeros(32);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        Ok(FileSetDescriptor {
            recording_date_and_time: Timestamp::decode(r)?,
            interchange_level: r.le_u16()?,
            maximum_interchange_level: r.le_u16()?,
            character_set_list: r.le_u32()?,
            maximum_character_set_list: r.le_u32()?,
            file_set_number: r.le_u32()?,
            file_set_descriptor_number: r.le_u32()?,
            logical_volume_identifier_character_set: Charspec::decode(r)?,
            logical_volume_identifier: r.array()?,
            file_set_character_set: Charspec::decode(r)?,
            file_set_identifier: r.array()?,
            copyright_file_identifier: r.array()?,
            abstract_file_identifier: r.array()?,
            root_directory_icb: LongAd::decode(r)?,
            domain_identifier: Regid::decode(r)?,
            next_extent: LongAd::decode(r)?,
            system_stream_directory_icb: LongAd::decode(r)?,
        })
    }
}

/// File Characteristics of a FID (ECMA-167 4/14.4.3).
pub mod file_characteristics {
    /// Existence (hidden).
    pub const HIDDEN: u8 = 1;
    /// Directory.
    pub const DIRECTORY: u8 = 2;
    /// Deleted.
    pub const DELETED: u8 = 4;
    /// Parent (the entry naming the parent directory).
    pub const PARENT: u8 = 8;
    /// Metadata (stream directory entries).
    pub const METADATA: u8 = 16;
}

/// File Identifier Descriptor (ECMA-167 4/14.4, UDF 2.60 2.3.4): 38 bytes, the
/// implementation use, the identifier, padding to a multiple of 4 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileIdentifierDescriptor {
    /// File Version Number (UDF: 1).
    pub file_version_number: u16,
    /// File Characteristics (see [`file_characteristics`]).
    pub file_characteristics: u8,
    /// ICB of the file.
    pub icb: LongAd,
    /// Implementation Use (UDF 2.60 2.3.4.4; usually empty).
    pub implementation_use: Vec<u8>,
    /// File Identifier in OSTA Compressed Unicode ([`crate::ecma167::encode_cs0`]);
    /// empty for the parent entry.
    pub file_identifier: Vec<u8>,
}

impl FileIdentifierDescriptor {
    /// Bytes the descriptor occupies: 38 + L_IU + L_FI rounded up to a multiple of 4
    /// (ECMA-167 4/14.4.9).
    pub fn encoded_len(implementation_use_len: usize, file_identifier_len: usize) -> usize {
        (38 + implementation_use_len + file_identifier_len).div_ceil(4) * 4
    }

    /// Decodes one FID from the start of `buf` (a directory's bytes), validating its tag
    /// (the location when given); returns it and the bytes it occupies.
    ///
    /// # Errors
    /// [`FormatError`] for a bad tag, a short buffer, or lengths past the end.
    pub fn decode_at(
        buf: &[u8],
        expected_location: Option<u32>,
    ) -> Result<(FileIdentifierDescriptor, usize), FormatError> {
        let head = buf.get(..38).ok_or(FormatError::Short {
            structure: "ECMA-167 File Identifier Descriptor",
            offset: 0,
            needed: 38,
            available: buf.len(),
        })?;
        let l_fi = head[19] as usize;
        let l_iu = u16::from_le_bytes([head[36], head[37]]) as usize;
        let len = Self::encoded_len(l_iu, l_fi);
        let whole = buf.get(..len).ok_or(FormatError::Short {
            structure: "ECMA-167 File Identifier Descriptor",
            offset: 0,
            needed: len,
            available: buf.len(),
        })?;
        let (_, d) =
            super::decode_descriptor::<FileIdentifierDescriptor>(whole, expected_location)?;
        Ok((d, len))
    }
}

impl Descriptor for FileIdentifierDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::FILE_IDENTIFIER_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 File Identifier Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        let start = out.len() - 16;
        out.u16(self.file_version_number);
        out.u8(self.file_characteristics);
        out.u8(self.file_identifier.len() as u8);
        self.icb.encode(out);
        out.u16(self.implementation_use.len() as u16);
        out.bytes(&self.implementation_use);
        out.bytes(&self.file_identifier[..self.file_identifier.len().min(255)]);
        while !(out.len() - start).is_multiple_of(4) {
            out.u8(0);
        }
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let file_version_number = r.le_u16()?;
        let file_characteristics = r.u8()?;
        let l_fi = r.u8()? as usize;
        let icb = LongAd::decode(r)?;
        let l_iu = r.le_u16()? as usize;
        Ok(FileIdentifierDescriptor {
            file_version_number,
            file_characteristics,
            icb,
            implementation_use: r.take(l_iu)?.to_vec(),
            file_identifier: r.take(l_fi)?.to_vec(),
        })
    }
}

/// Allocation Extent Descriptor (ECMA-167 4/14.5): 24 bytes and the allocation
/// descriptors that continue a file's list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllocationExtentDescriptor {
    /// Previous Allocation Extent Location.
    pub previous_allocation_extent_location: u32,
    /// The allocation descriptors (Length of Allocation Descriptors follows).
    pub allocation_descriptors: Vec<u8>,
}

impl Descriptor for AllocationExtentDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::ALLOCATION_EXTENT_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Allocation Extent Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.u32(self.previous_allocation_extent_location);
        out.u32(self.allocation_descriptors.len() as u32);
        out.bytes(&self.allocation_descriptors);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let previous_allocation_extent_location = r.le_u32()?;
        let l = r.le_u32()? as usize;
        Ok(AllocationExtentDescriptor {
            previous_allocation_extent_location,
            allocation_descriptors: r.take(l)?.to_vec(),
        })
    }
}

/// File Entry (ECMA-167 4/14.9, UDF 2.60 2.3.6): 176 bytes, the extended attributes and
/// the allocation descriptors (or the embedded data).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileEntry {
    /// ICB Tag.
    pub icb_tag: IcbTag,
    /// Uid (0xFFFFFFFF = none).
    pub uid: u32,
    /// Gid (0xFFFFFFFF = none).
    pub gid: u32,
    /// Permissions (4/14.9.5; see [`permissions`]).
    pub permissions: u32,
    /// File Link Count.
    pub file_link_count: u16,
    /// Record Format.
    pub record_format: u8,
    /// Record Display Attributes.
    pub record_display_attributes: u8,
    /// Record Length.
    pub record_length: u32,
    /// Information Length, bytes.
    pub information_length: u64,
    /// Logical Blocks Recorded.
    pub logical_blocks_recorded: u64,
    /// Access Date and Time.
    pub access_date_and_time: Timestamp,
    /// Modification Date and Time.
    pub modification_date_and_time: Timestamp,
    /// Attribute Date and Time.
    pub attribute_date_and_time: Timestamp,
    /// Checkpoint.
    pub checkpoint: u32,
    /// Extended Attribute ICB.
    pub extended_attribute_icb: LongAd,
    /// Implementation Identifier.
    pub implementation_identifier: Regid,
    /// Unique ID.
    pub unique_id: u64,
    /// Extended Attributes (L_EA bytes).
    pub extended_attributes: Vec<u8>,
    /// Allocation Descriptors (L_AD bytes), or the data itself with
    /// [`icb_flags::AD_IN_ICB`].
    pub allocation_descriptors: Vec<u8>,
}

impl Descriptor for FileEntry {
    const TAG_IDENTIFIER: u16 = tag_id::FILE_ENTRY;
    const NAME: &'static str = "ECMA-167 File Entry";
    fn encode_body(&self, out: &mut Vec<u8>) {
        self.icb_tag.encode(out);
        out.u32(self.uid);
        out.u32(self.gid);
        out.u32(self.permissions);
        out.u16(self.file_link_count);
        out.u8(self.record_format);
        out.u8(self.record_display_attributes);
        out.u32(self.record_length);
        out.u64(self.information_length);
        out.u64(self.logical_blocks_recorded);
        self.access_date_and_time.encode(out);
        self.modification_date_and_time.encode(out);
        self.attribute_date_and_time.encode(out);
        out.u32(self.checkpoint);
        self.extended_attribute_icb.encode(out);
        self.implementation_identifier.encode(out);
        out.u64(self.unique_id);
        out.u32(self.extended_attributes.len() as u32);
        out.u32(self.allocation_descriptors.len() as u32);
        out.bytes(&self.extended_attributes);
        out.bytes(&self.allocation_descriptors);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let icb_tag = IcbTag::decode(r)?;
        let uid = r.le_u32()?;
        let gid = r.le_u32()?;
        let permissions = r.le_u32()?;
        let file_link_count = r.le_u16()?;
        let record_format = r.u8()?;
        let record_display_attributes = r.u8()?;
        let record_length = r.le_u32()?;
        let information_length = le_u64(r)?;
        let logical_blocks_recorded = le_u64(r)?;
        let access_date_and_time = Timestamp::decode(r)?;
        let modification_date_and_time = Timestamp::decode(r)?;
        let attribute_date_and_time = Timestamp::decode(r)?;
        let checkpoint = r.le_u32()?;
        let extended_attribute_icb = LongAd::decode(r)?;
        let implementation_identifier = Regid::decode(r)?;
        let unique_id = le_u64(r)?;
        let l_ea = r.le_u32()? as usize;
        let l_ad = r.le_u32()? as usize;
        Ok(FileEntry {
            icb_tag,
            uid,
            gid,
            permissions,
            file_link_count,
            record_format,
            record_display_attributes,
            record_length,
            information_length,
            logical_blocks_recorded,
            access_date_and_time,
            modification_date_and_time,
            attribute_date_and_time,
            checkpoint,
            extended_attribute_icb,
            implementation_identifier,
            unique_id,
            extended_attributes: r.take(l_ea)?.to_vec(),
            allocation_descriptors: r.take(l_ad)?.to_vec(),
        })
    }
}

/// Extended File Entry (ECMA-167 4/14.17, UDF 2.60 2.3.6; UDF ≥ 2.00): 216 bytes, the
/// extended attributes and the allocation descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtendedFileEntry {
    /// ICB Tag.
    pub icb_tag: IcbTag,
    /// Uid.
    pub uid: u32,
    /// Gid.
    pub gid: u32,
    /// Permissions (see [`permissions`]).
    pub permissions: u32,
    /// File Link Count.
    pub file_link_count: u16,
    /// Record Format.
    pub record_format: u8,
    /// Record Display Attributes.
    pub record_display_attributes: u8,
    /// Record Length.
    pub record_length: u32,
    /// Information Length, bytes.
    pub information_length: u64,
    /// Object Size (information length plus the streams'), bytes.
    pub object_size: u64,
    /// Logical Blocks Recorded.
    pub logical_blocks_recorded: u64,
    /// Access Date and Time.
    pub access_date_and_time: Timestamp,
    /// Modification Date and Time.
    pub modification_date_and_time: Timestamp,
    /// Creation Date and Time.
    pub creation_date_and_time: Timestamp,
    /// Attribute Date and Time.
    pub attribute_date_and_time: Timestamp,
    /// Checkpoint.
    pub checkpoint: u32,
    /// Extended Attribute ICB.
    pub extended_attribute_icb: LongAd,
    /// Stream Directory ICB.
    pub stream_directory_icb: LongAd,
    /// Implementation Identifier.
    pub implementation_identifier: Regid,
    /// Unique ID.
    pub unique_id: u64,
    /// Extended Attributes.
    pub extended_attributes: Vec<u8>,
    /// Allocation Descriptors, or the embedded data.
    pub allocation_descriptors: Vec<u8>,
}

impl Descriptor for ExtendedFileEntry {
    const TAG_IDENTIFIER: u16 = tag_id::EXTENDED_FILE_ENTRY;
    const NAME: &'static str = "ECMA-167 Extended File Entry";
    fn encode_body(&self, out: &mut Vec<u8>) {
        self.icb_tag.encode(out);
        out.u32(self.uid);
        out.u32(self.gid);
        out.u32(self.permissions);
        out.u16(self.file_link_count);
        out.u8(self.record_format);
        out.u8(self.record_display_attributes);
        out.u32(self.record_length);
        out.u64(self.information_length);
        out.u64(self.object_size);
        out.u64(self.logical_blocks_recorded);
        self.access_date_and_time.encode(out);
        self.modification_date_and_time.encode(out);
        self.creation_date_and_time.encode(out);
        self.attribute_date_and_time.encode(out);
        out.u32(self.checkpoint);
        out.u32(0);
        self.extended_attribute_icb.encode(out);
        self.stream_directory_icb.encode(out);
        self.implementation_identifier.encode(out);
        out.u64(self.unique_id);
        out.u32(self.extended_attributes.len() as u32);
        out.u32(self.allocation_descriptors.len() as u32);
        out.bytes(&self.extended_attributes);
        out.bytes(&self.allocation_descriptors);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let icb_tag = IcbTag::decode(r)?;
        let uid = r.le_u32()?;
        let gid = r.le_u32()?;
        let permissions = r.le_u32()?;
        let file_link_count = r.le_u16()?;
        let record_format = r.u8()?;
        let record_display_attributes = r.u8()?;
        let record_length = r.le_u32()?;
        let information_length = le_u64(r)?;
        let object_size = le_u64(r)?;
        let logical_blocks_recorded = le_u64(r)?;
        let access_date_and_time = Timestamp::decode(r)?;
        let modification_date_and_time = Timestamp::decode(r)?;
        let creation_date_and_time = Timestamp::decode(r)?;
        let attribute_date_and_time = Timestamp::decode(r)?;
        let checkpoint = r.le_u32()?;
        r.le_u32()?;
        let extended_attribute_icb = LongAd::decode(r)?;
        let stream_directory_icb = LongAd::decode(r)?;
        let implementation_identifier = Regid::decode(r)?;
        let unique_id = le_u64(r)?;
        let l_ea = r.le_u32()? as usize;
        let l_ad = r.le_u32()? as usize;
        Ok(ExtendedFileEntry {
            icb_tag,
            uid,
            gid,
            permissions,
            file_link_count,
            record_format,
            record_display_attributes,
            record_length,
            information_length,
            object_size,
            logical_blocks_recorded,
            access_date_and_time,
            modification_date_and_time,
            creation_date_and_time,
            attribute_date_and_time,
            checkpoint,
            extended_attribute_icb,
            stream_directory_icb,
            implementation_identifier,
            unique_id,
            extended_attributes: r.take(l_ea)?.to_vec(),
            allocation_descriptors: r.take(l_ad)?.to_vec(),
        })
    }
}

/// Permissions bits of an FE (ECMA-167 4/14.9.5) and their mapping to POSIX modes (UDF
/// 2.60 3.3.3.4).
pub mod permissions {
    /// Other: execute.
    pub const OTHER_EXECUTE: u32 = 1;
    /// Other: write.
    pub const OTHER_WRITE: u32 = 1 << 1;
    /// Other: read.
    pub const OTHER_READ: u32 = 1 << 2;
    /// Other: change attributes.
    pub const OTHER_CHANGE_ATTRIBUTES: u32 = 1 << 3;
    /// Other: delete.
    pub const OTHER_DELETE: u32 = 1 << 4;

    /// The permissions for the rwx bits of a POSIX `mode` (owner, group, other at shifts
    /// 10, 5, 0). Change-attributes and delete are granted with write, as UDF 2.60
    /// 3.3.3.4 suggests for UNIX. Set-uid/gid and sticky go to the ICB tag flags.
    pub fn from_mode(mode: u32) -> u32 {
        let mut p = 0;
        for (shift_mode, shift_perm) in [(6, 10), (3, 5), (0, 0)] {
            let rwx = (mode >> shift_mode) & 7;
            let mut q = 0;
            if rwx & 4 != 0 {
                q |= OTHER_READ;
            }
            if rwx & 2 != 0 {
                q |= OTHER_WRITE | OTHER_CHANGE_ATTRIBUTES | OTHER_DELETE;
            }
            if rwx & 1 != 0 {
                q |= OTHER_EXECUTE;
            }
            p |= q << shift_perm;
        }
        p
    }

    /// The rwx bits of a POSIX mode for `permissions`.
    pub fn to_mode(permissions: u32) -> u32 {
        let one = |p: u32| (p & 1) | (p & 2) | (p & 4);
        (one(permissions >> 10) << 6) | (one(permissions >> 5) << 3) | one(permissions)
    }
}

/// Space Bitmap Descriptor (ECMA-167 4/14.12): 24 bytes and the bitmap, one bit per
/// logical block, 1 = unallocated, least significant bit first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpaceBitmapDescriptor {
    /// Number of Bits (blocks in the partition).
    pub number_of_bits: u32,
    /// The bitmap (Number of Bytes = its length).
    pub bitmap: Vec<u8>,
}

impl Descriptor for SpaceBitmapDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::SPACE_BITMAP_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Space Bitmap Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.u32(self.number_of_bits);
        out.u32(self.bitmap.len() as u32);
        out.bytes(&self.bitmap);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let number_of_bits = r.le_u32()?;
        let n = r.le_u32()? as usize;
        if (number_of_bits as usize).div_ceil(8) > n {
            return Err(r.invalid(
                "Number of Bytes",
                format!("{n} bytes cannot hold {number_of_bits} bits"),
            ));
        }
        Ok(SpaceBitmapDescriptor {
            number_of_bits,
            bitmap: r.take(n)?.to_vec(),
        })
    }
}

impl SpaceBitmapDescriptor {
    /// Header and bitmap bytes for `number_of_bits` blocks with the blocks in
    /// `allocated` (partition-relative, half-open ranges) marked allocated.
    pub fn with_allocated(number_of_bits: u32, allocated: &[(u32, u32)]) -> Self {
        let mut bitmap = vec![0xFFu8; (number_of_bits as usize).div_ceil(8)];
        let extra = bitmap.len() * 8 - number_of_bits as usize;
        if extra > 0 {
            let last = bitmap.len() - 1;
            bitmap[last] = 0xFF >> extra;
        }
        for &(a, b) in allocated {
            for blk in a..b.min(number_of_bits) {
                bitmap[blk as usize / 8] &= !(1 << (blk % 8));
            }
        }
        SpaceBitmapDescriptor {
            number_of_bits,
            bitmap,
        }
    }
}

/// Extended Attribute Header Descriptor (ECMA-167 4/14.10.1), 24 bytes at the start of
/// an FE's extended attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtendedAttributeHeaderDescriptor {
    /// Implementation Attributes Location (byte offset in the EA space).
    pub implementation_attributes_location: u32,
    /// Application Attributes Location.
    pub application_attributes_location: u32,
}

impl Descriptor for ExtendedAttributeHeaderDescriptor {
    const TAG_IDENTIFIER: u16 = tag_id::EXTENDED_ATTRIBUTE_HEADER_DESCRIPTOR;
    const NAME: &'static str = "ECMA-167 Extended Attribute Header Descriptor";
    fn encode_body(&self, out: &mut Vec<u8>) {
        out.u32(self.implementation_attributes_location);
        out.u32(self.application_attributes_location);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        Ok(ExtendedAttributeHeaderDescriptor {
            implementation_attributes_location: r.le_u32()?,
            application_attributes_location: r.le_u32()?,
        })
    }
}

/// Extended attribute types (ECMA-167 4/14.10).
pub mod attribute_type {
    /// Character Set Information (4/14.10.3).
    pub const CHARACTER_SET_INFORMATION: u32 = 1;
    /// Alternate Permissions (4/14.10.4).
    pub const ALTERNATE_PERMISSIONS: u32 = 3;
    /// File Times (4/14.10.5).
    pub const FILE_TIMES: u32 = 5;
    /// Information Times (4/14.10.6).
    pub const INFORMATION_TIMES: u32 = 6;
    /// Device Specification (4/14.10.7).
    pub const DEVICE_SPECIFICATION: u32 = 12;
    /// Implementation Use (4/14.10.8).
    pub const IMPLEMENTATION_USE: u32 = 2048;
    /// Application Use (4/14.10.9).
    pub const APPLICATION_USE: u32 = 65536;
}

/// One extended attribute (ECMA-167 4/14.10.2): type, subtype (1), the data after the
/// 12-byte header. Attribute Length = 12 + data length.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtendedAttribute {
    /// Attribute Type (see [`attribute_type`]).
    pub attribute_type: u32,
    /// Attribute Subtype (1).
    pub attribute_subtype: u8,
    /// Attribute Data.
    pub attribute_data: Vec<u8>,
}

impl ExtendedAttribute {
    /// Appends the attribute.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u32(self.attribute_type);
        out.u8(self.attribute_subtype);
        out.zeros(3);
        out.u32(12 + self.attribute_data.len() as u32);
        out.bytes(&self.attribute_data);
    }

    /// Decodes one attribute.
    ///
    /// # Errors
    /// [`FormatError`] when the attribute length is below 12 or past the end.
    pub fn decode(r: &mut Reader<'_>) -> Result<ExtendedAttribute, FormatError> {
        let attribute_type = r.le_u32()?;
        let attribute_subtype = r.u8()?;
        r.take(3)?;
        let len = r.le_u32()? as usize;
        if len < 12 {
            return Err(r.invalid("Attribute Length", format!("{len} < 12")));
        }
        Ok(ExtendedAttribute {
            attribute_type,
            attribute_subtype,
            attribute_data: r.take(len - 12)?.to_vec(),
        })
    }

    /// A File Times attribute (4/14.10.5) with one timestamp per bit of
    /// `file_time_existence` (bit 0 creation, 1 deletion, 2 effective, 3 last backup).
    pub fn file_times(file_time_existence: u32, times: &[Timestamp]) -> ExtendedAttribute {
        let mut d = Vec::new();
        d.u32(12 * times.len() as u32);
        d.u32(file_time_existence);
        for t in times {
            t.encode(&mut d);
        }
        ExtendedAttribute {
            attribute_type: attribute_type::FILE_TIMES,
            attribute_subtype: 1,
            attribute_data: d,
        }
    }

    /// A Device Specification attribute (4/14.10.7) for a block or character device.
    pub fn device_specification(major: u32, minor: u32) -> ExtendedAttribute {
        let mut d = Vec::new();
        d.u32(0);
        d.u32(major);
        d.u32(minor);
        ExtendedAttribute {
            attribute_type: attribute_type::DEVICE_SPECIFICATION,
            attribute_subtype: 1,
            attribute_data: d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecma167::{TagParams, decode_descriptor, encode_cs0, encode_dstring};
    use proptest::prelude::*;

    fn tag(loc: u32) -> TagParams {
        TagParams {
            descriptor_version: 2,
            tag_serial_number: 0,
            tag_location: loc,
        }
    }

    fn round<D: Descriptor + PartialEq + std::fmt::Debug>(d: &D, len: usize) {
        let b = d.encode(tag(5));
        assert_eq!(b.len(), len, "{}", D::NAME);
        let (_, back) = decode_descriptor::<D>(&b, Some(5)).unwrap();
        assert_eq!(&back, d);
        for cut in 0..b.len() {
            let _ = decode_descriptor::<D>(&b[..cut], Some(5));
        }
    }

    fn ad(block: u32) -> LongAd {
        LongAd {
            extent_length: 2048,
            extent_location: LbAddr {
                logical_block_number: block,
                partition_reference_number: 0,
            },
            implementation_use: LongAd::udf_unique_id_use(7),
        }
    }

    #[test]
    fn file_structures_round_trip() {
        let mut lvid = [0u8; 128];
        lvid.copy_from_slice(&encode_dstring("LV", 128).unwrap());
        let mut fsid = [0u8; 32];
        fsid.copy_from_slice(&encode_dstring("FS", 32).unwrap());
        round(
            &FileSetDescriptor {
                recording_date_and_time: Timestamp::from_unix(1, 0, 0),
                interchange_level: 3,
                maximum_interchange_level: 3,
                character_set_list: 1,
                maximum_character_set_list: 1,
                file_set_number: 0,
                file_set_descriptor_number: 0,
                logical_volume_identifier_character_set: Charspec::osta_cs0(),
                logical_volume_identifier: lvid,
                file_set_character_set: Charspec::osta_cs0(),
                file_set_identifier: fsid,
                copyright_file_identifier: [0; 32],
                abstract_file_identifier: [0; 32],
                root_directory_icb: ad(2),
                domain_identifier: Regid::new(b"*OSTA UDF Compliant", [2, 1, 0, 0, 0, 0, 0, 0]),
                next_extent: LongAd::default(),
                system_stream_directory_icb: LongAd::default(),
            },
            512,
        );
        let fid = FileIdentifierDescriptor {
            file_version_number: 1,
            file_characteristics: file_characteristics::DIRECTORY,
            icb: ad(9),
            implementation_use: vec![],
            file_identifier: encode_cs0("ñame"),
        };
        round(&fid, 44);
        let mut dir = fid.encode(tag(5));
        dir.extend(fid.encode(tag(5)));
        let (d, n) = FileIdentifierDescriptor::decode_at(&dir, Some(5)).unwrap();
        assert_eq!((d, n), (fid.clone(), 44));
        assert!(FileIdentifierDescriptor::decode_at(&dir[..43], None).is_err());
        let mut ads = Vec::new();
        for i in 0..3 {
            ShortAd {
                extent_length: MAX_EXTENT_LENGTH,
                extent_position: i,
            }
            .encode(&mut ads);
        }
        assert_eq!(decode_short_ads(&ads).unwrap().len(), 3);
        let mut la = Vec::new();
        ad(1).encode(&mut la);
        assert_eq!(decode_long_ads(&la).unwrap(), vec![ad(1)]);
        let mut ea = ExtendedAttributeHeaderDescriptor {
            implementation_attributes_location: 24,
            application_attributes_location: 24,
        }
        .encode(tag(5));
        ExtendedAttribute::file_times(1, &[Timestamp::from_unix(5, 0, 0)]).encode(&mut ea);
        let fe = FileEntry {
            icb_tag: IcbTag {
                strategy_type: 4,
                maximum_number_of_entries: 1,
                file_type: file_type::REGULAR,
                flags: icb_flags::AD_SHORT,
                ..Default::default()
            },
            uid: 1000,
            gid: 100,
            permissions: permissions::from_mode(0o754),
            file_link_count: 2,
            information_length: 3 << 30,
            logical_blocks_recorded: (3 << 30) / 2048,
            modification_date_and_time: Timestamp::from_unix(9, 0, 0),
            implementation_identifier: Regid::new(b"*discburn", [0; 8]),
            unique_id: 16,
            extended_attributes: ea.clone(),
            allocation_descriptors: ads.clone(),
            ..Default::default()
        };
        round(&fe, 176 + ea.len() + 24);
        let efe = ExtendedFileEntry {
            icb_tag: fe.icb_tag,
            uid: 1,
            information_length: 5,
            object_size: 5,
            allocation_descriptors: b"hello".to_vec(),
            creation_date_and_time: Timestamp::from_unix(3, 0, 0),
            ..Default::default()
        };
        round(&efe, 216 + 5);
        round(
            &AllocationExtentDescriptor {
                previous_allocation_extent_location: 3,
                allocation_descriptors: ads,
            },
            24 + 24,
        );
        round(
            &SpaceBitmapDescriptor::with_allocated(20, &[(0, 3)]),
            24 + 3,
        );
        let mut r = Reader::new(&ea[24..], "t");
        let a = ExtendedAttribute::decode(&mut r).unwrap();
        assert_eq!(a.attribute_type, attribute_type::FILE_TIMES);
        let dev = ExtendedAttribute::device_specification(8, 1);
        let mut v = Vec::new();
        dev.encode(&mut v);
        assert_eq!(
            ExtendedAttribute::decode(&mut Reader::new(&v, "t")).unwrap(),
            dev
        );
    }

    #[test]
    fn space_bitmap_marks_allocated_blocks() {
        let s = SpaceBitmapDescriptor::with_allocated(12, &[(1, 3), (8, 9)]);
        assert_eq!(s.bitmap, vec![0b1111_1001, 0b0000_1110]);
    }

    proptest! {
        #[test]
        fn mode_permissions_round_trip(mode in 0u32..0o1000) {
            prop_assert_eq!(permissions::to_mode(permissions::from_mode(mode)), mode);
        }

        #[test]
        fn hostile_entries_never_panic(mut b in proptest::collection::vec(any::<u8>(), 0..400)) {
            if b.len() >= 16 {
                let n = b.len();
                DescriptorTagHelper::fix(&mut b[..n]);
            }
            let _ = decode_descriptor::<FileEntry>(&b, None);
            let _ = decode_descriptor::<ExtendedFileEntry>(&b, None);
            let _ = decode_descriptor::<FileIdentifierDescriptor>(&b, None);
            let _ = FileIdentifierDescriptor::decode_at(&b, None);
            let _ = decode_descriptor::<SpaceBitmapDescriptor>(&b, None);
            let _ = decode_short_ads(&b);
        }
    }

    struct DescriptorTagHelper;
    impl DescriptorTagHelper {
        fn fix(b: &mut [u8]) {
            let id = u16::from_le_bytes([b[0], b[1]]);
            crate::ecma167::DescriptorTag::write(b, id, 3, 0, 0);
        }
    }
}
