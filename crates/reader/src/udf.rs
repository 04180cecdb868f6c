//! The UDF reader (ECMA-167 3rd edition parts 3 and 4, OSTA UDF 1.02–2.60), as hostile-input
//! safe as the ECMA-119 reader: every extent is checked against the media before it is
//! read, every count and length is bounded by [`ReadOptions`], directory cycles, ICB
//! loops (Indirect Entries, strategy 4096) and allocation extent loops are detected, and
//! every error names the descriptor and the LBA.
//!
//! | step | standard | coverage |
//! |---|---|---|
//! | anchor | ECMA-167 3/8.4.2, UDF 2.2.3 | session start + 256, N − 256, N (N = last block), 512 |
//! | volume descriptor sequence | 3/8.4.3 | main, then reserve; Volume Descriptor Pointers followed (bounded) |
//! | partitions | 3/10.7, UDF 2.2.8–2.2.10 | type 1; virtual (VAT 1.50 and 2.00, found at the last recorded block as Linux does); metadata (main file, mirror as fallback); sparable read in place (no sparing table) |
//! | integrity | 3/10.10, UDF 2.2.6 | last Logical Volume Integrity Descriptor: open/closed, revisions, counts |
//! | files | 4/14.1, 4/14.4, 4/14.9, 4/14.17 | File Set Descriptor, FIDs (8 and 16 bit names), FE and EFE, short/long/embedded allocation, allocation extent continuation, Indirect Entries |
//! | attributes | 4/14.9.5, 4/14.16, UDF 3.3.3.4 | POSIX mode (with setuid/setgid/sticky), uid, gid, link count, times, symlink path components, hard links (one ICB) |
//!
//! ```no_run
//! use discburn_reader::{FileSource, ReadOptions, udf::UdfVolume};
//! let mut src = FileSource::open("udf.img")?;
//! let vol = UdfVolume::open(&mut src, 0, &ReadOptions::default())?;
//! println!("UDF {} {:?}", vol.revision_string(), vol.logical_volume_identifier);
//! let tree = vol.read_tree(&mut src)?;
//! for (path, node) in tree.walk() {
//!     println!("{path} {:?} {} bytes", node.kind(), node.size());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};

use discburn_format::FormatError;
use discburn_format::codec::Reader;
use discburn_format::ecma167::{
    self as e, AnchorVolumeDescriptorPointer, DescriptorTag, LogicalVolumeDescriptor,
    LogicalVolumeIntegrityDescriptor, PartitionDescriptor, PartitionMap, PrimaryVolumeDescriptor,
    decode_descriptor, tag_id,
};
use discburn_format::iso9660::{DirectoryDateTime, FileFlags};

use crate::error::{Limit, Place, ReadError};
use crate::source::{SECTOR_SIZE, SectorSource, read_into, read_sector};
use crate::tree::{
    Extent, NONE, NodeData, NodeKind, PieceData, RockRidge, RrData, RrTimes, Tree, UdfIcb, View,
};
use crate::volume::ReadOptions;
use crate::walk::check_name;

const BLOCK: u64 = SECTOR_SIZE as u64;
/// Most Volume Descriptor Pointers, Indirect Entries or Allocation Extent Descriptors
/// followed in one chain.
const MAX_CHAIN: usize = 64;
/// Most sectors of one volume descriptor sequence or integrity sequence extent read.
const MAX_SEQUENCE_SECTORS: u64 = 256;
/// Largest VAT read (bytes): 16 M entries, a 32 GiB virtual partition.
const MAX_VAT_BYTES: u64 = 64 << 20;

/// How a logical volume's partition reference maps to the media (ECMA-167 3/10.7,
/// UDF 2.2.8–2.2.10).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartitionKind {
    /// A type 1 map: blocks of the physical partition.
    Physical,
    /// "*UDF Sparable Partition": read in place (the sparing tables are not read, which
    /// only matters for media with relocated packets).
    Sparable,
    /// "*UDF Virtual Partition": blocks mapped through the VAT.
    Virtual {
        /// Absolute LBA of the VAT's File Entry.
        vat_icb_lba: u64,
        /// Entries of the VAT.
        entries: u32,
        /// 150 (VAT 1.50, a file of unspecified type ending with a regid) or 200 (VAT
        /// 2.00, file type 248 with a header).
        vat_version: u16,
    },
    /// "*UDF Metadata Partition": blocks mapped through the metadata file.
    Metadata {
        /// Absolute LBA of the metadata file's File Entry used.
        file_lba: u64,
        /// Whether the mirror file was used (the main one did not read).
        mirror_used: bool,
    },
}

/// One partition reference of the logical volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// What the reference maps to.
    pub kind: PartitionKind,
    /// Partition Number of the Partition Descriptor it lies in (ECMA-167 3/10.5.5).
    pub partition_number: u16,
    /// Partition Starting Location (absolute LBA, 3/10.5.8).
    pub start: u64,
    /// Partition Length in blocks (3/10.5.9).
    pub length: u64,
    /// Access Type of the Partition Descriptor (3/10.5.7: 1 read-only, 2 write-once,
    /// 3 rewritable, 4 overwritable).
    pub access_type: u32,
}

/// Logical Volume Integrity (ECMA-167 3/10.10, UDF 2.2.6): the last descriptor of the
/// integrity sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    /// LBA of the descriptor.
    pub lba: u64,
    /// Integrity Type: true for Close (1), false for Open (0); true for a volume with a
    /// virtual partition whose VAT was found (the LVID of sequential media stays Open,
    /// UDF 2.60 2.2.6.3, 2.2.11).
    pub closed: bool,
    /// Number of Files (UDF 2.2.6.4 implementation use), if recorded.
    pub number_of_files: Option<u32>,
    /// Number of Directories, if recorded.
    pub number_of_directories: Option<u32>,
    /// Minimum UDF Read Revision (BCD, 0x0201 = 2.01), if recorded.
    pub minimum_udf_read_revision: Option<u16>,
    /// Minimum UDF Write Revision, if recorded.
    pub minimum_udf_write_revision: Option<u16>,
    /// Maximum UDF Write Revision, if recorded.
    pub maximum_udf_write_revision: Option<u16>,
}

/// Block mapping of one partition reference.
#[derive(Debug, Clone)]
enum Map {
    /// Partition start (absolute) and length in blocks.
    Direct { start: u64, length: u64 },
    /// VAT entries (blocks of the physical partition at `start`).
    Vat {
        start: u64,
        length: u64,
        vat: Vec<u32>,
    },
    /// Runs of the metadata file: (first metadata block, absolute LBA, blocks), sorted.
    Runs(Vec<(u64, u64, u64)>),
}

/// A UDF logical volume of one session: its anchors, descriptors, partitions and File
/// Set. Open with [`UdfVolume::open`], read the tree with [`UdfVolume::read_tree`].
#[derive(Debug, Clone)]
pub struct UdfVolume {
    /// The session start (the anchor at `session_start + 256` is tried first).
    pub session_start: u64,
    /// Media size in sectors when opened.
    pub total_sectors: u64,
    /// The last block the VAT and the anchors at N and N − 256 were searched from.
    pub last_block: u64,
    /// "NSR02" (UDF ≤ 1.50) or "NSR03" (UDF ≥ 2.00) from the recognition sequence, if
    /// one was found at `session_start + 16`.
    pub nsr: Option<String>,
    /// LBA of the Anchor Volume Descriptor Pointer used.
    pub anchor_lba: u64,
    /// LBAs of every valid anchor found (of session start + 256, N, N − 256, 512).
    pub anchors: Vec<u64>,
    /// Whether the reserve volume descriptor sequence was used (the main one did not
    /// hold a usable volume).
    pub reserve_sequence_used: bool,
    /// The UDF revision of the volume as a reader needs it (BCD: 0x0102 = 1.02, 0x0260 =
    /// 2.60): the Minimum UDF Read Revision of the VAT 2.00 header, else of the Logical
    /// Volume Integrity Descriptor (UDF 2.2.6.4), else [`UdfVolume::domain_revision`]
    /// (what udfinfo reports as `udfrev`).
    pub revision: u16,
    /// The UDF revision of the Logical Volume Descriptor's Domain Identifier suffix
    /// (UDF 2.1.5.3): the revision the volume was recorded to.
    pub domain_revision: u16,
    /// Volume Identifier of the Primary Volume Descriptor (3/10.1.4).
    pub volume_identifier: String,
    /// Volume Set Identifier (3/10.1.11).
    pub volume_set_identifier: String,
    /// Logical Volume Identifier (3/10.6.4; a VAT 2.00 header's identifier wins).
    pub logical_volume_identifier: String,
    /// The partition references, in map order.
    pub partitions: Vec<Partition>,
    /// The last integrity descriptor, if the sequence was readable.
    pub integrity: Option<Integrity>,
    /// LBA of the File Set Descriptor.
    pub file_set_descriptor_lba: u64,
    /// Highest absolute LBA used by the volume's structures (anchors, descriptors,
    /// partitions; the VAT for a virtual partition): `recorded_end - session_start`
    /// blocks make up the session.
    pub recorded_end: u64,
    root: (u16, u32),
    maps: Vec<Map>,
    options: ReadOptions,
}

/// The Virtual Allocation Table of a volume with a virtual partition (UDF 2.60 2.2.11),
/// as [`UdfVolume::virtual_allocation_table`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualAllocationTable {
    /// Partition reference of the virtual partition map.
    pub virtual_reference: u16,
    /// Partition reference of the physical (type 1) map it lies in.
    pub physical_reference: u16,
    /// Partition Starting Location of the physical partition (absolute LBA).
    pub partition_start: u64,
    /// Partition Length of the physical partition (blocks).
    pub partition_length: u64,
    /// Absolute LBA of the VAT's File Entry (the VAT ICB).
    pub icb_lba: u64,
    /// 150 or 200 (see [`PartitionKind::Virtual`]).
    pub version: u16,
    /// The entries: virtual block → block of the physical partition (0xFFFFFFFF unused).
    pub entries: Vec<u32>,
}

fn fmt_err(structure: &'static str, lba: u64) -> impl Fn(FormatError) -> ReadError {
    move |source| ReadError::Format {
        place: Place::new(structure, lba, 0),
        source,
    }
}

fn no_udf(session_start: u64, detail: impl Into<String>) -> ReadError {
    ReadError::NoUdfVolume {
        session_start,
        detail: detail.into(),
    }
}

fn check_range(place: Place, start: u64, blocks: u64, total: u64) -> Result<(), ReadError> {
    match start.checked_add(blocks) {
        Some(end) if end <= total => Ok(()),
        _ => Err(ReadError::ExtentPastEnd {
            place,
            start,
            end: start.saturating_add(blocks),
            total_sectors: total,
        }),
    }
}

fn dstring(field: &[u8]) -> String {
    e::decode_dstring(field).unwrap_or_else(|_| String::from_utf8_lossy(field).into_owned())
}

/// The recognition sequence's NSR identifier at `session_start + 16` onwards (ECMA-167
/// 2/8.3), bounded by [`ReadOptions::max_volume_descriptors`].
fn recognition_sequence(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
    options: &ReadOptions,
) -> Result<Option<String>, ReadError> {
    let total = src.total_sectors();
    let mut nsr = None;
    let mut seen_bea = false;
    for i in 0..u64::from(options.max_volume_descriptors.max(1)) {
        let lba = session_start.saturating_add(16 + i);
        if lba >= total {
            break;
        }
        let s = read_sector(src, lba)?;
        match e::volume_structure_identifier(&s[..]) {
            Some(id) if id == e::vsd_id::BEA01 => seen_bea = true,
            Some(id) if id == e::vsd_id::NSR02 || id == e::vsd_id::NSR03 => {
                nsr = Some(String::from_utf8_lossy(id).into_owned());
            }
            Some(id) if id == e::vsd_id::TEA01 => break,
            Some(_) => {}
            // ECMA-119 descriptors ("CD001") precede the extended area in a bridge.
            None if &s[1..6] == b"CD001" && !seen_bea => {}
            None => break,
        }
    }
    Ok(nsr)
}

/// Reads the AVDP at `lba` if one is recorded there (tag valid, location `lba` or
/// session-relative).
fn anchor_at(
    src: &mut (impl SectorSource + ?Sized),
    lba: u64,
    session_start: u64,
) -> Result<Option<AnchorVolumeDescriptorPointer>, ReadError> {
    if lba >= src.total_sectors() {
        return Ok(None);
    }
    let s = read_sector(src, lba)?;
    for loc in [lba, lba.wrapping_sub(session_start)] {
        if let Ok((_, a)) =
            decode_descriptor::<AnchorVolumeDescriptorPointer>(&s[..], Some(loc as u32))
        {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

/// What one volume descriptor sequence holds.
#[derive(Default)]
struct Sequence {
    pvd: Option<(u64, PrimaryVolumeDescriptor)>,
    lvd: Option<(u64, LogicalVolumeDescriptor)>,
    pds: Vec<(u64, PartitionDescriptor)>,
    end: u64,
}

/// Reads a volume descriptor sequence from `lba` for `bytes` (ECMA-167 3/8.4.2): up to a
/// Terminating Descriptor or an unrecorded/invalid descriptor; Volume Descriptor Pointers
/// followed (at most [`MAX_CHAIN`], loops refused). Of descriptors with the same role,
/// the one with the highest Volume Descriptor Sequence Number wins (3/8.4.3).
fn read_sequence(
    src: &mut (impl SectorSource + ?Sized),
    mut lba: u64,
    bytes: u32,
) -> Result<Sequence, ReadError> {
    let total = src.total_sectors();
    let mut seq = Sequence::default();
    let mut left = (u64::from(bytes) / BLOCK).min(MAX_SEQUENCE_SECTORS);
    let mut visited = HashSet::new();
    let mut hops = 0;
    while left > 0 {
        if lba >= total || !visited.insert(lba) {
            break;
        }
        let s = read_sector(src, lba)?;
        seq.end = seq.end.max(lba + 1);
        let Ok(tag) = DescriptorTag::validate(&s[..], None, None) else {
            break;
        };
        match tag.tag_identifier {
            tag_id::PRIMARY_VOLUME_DESCRIPTOR => {
                let (_, d) = decode_descriptor::<PrimaryVolumeDescriptor>(&s[..], None)
                    .map_err(fmt_err("UDF primary volume descriptor", lba))?;
                if seq.pvd.as_ref().is_none_or(|(_, p)| {
                    d.volume_descriptor_sequence_number >= p.volume_descriptor_sequence_number
                }) {
                    seq.pvd = Some((lba, d));
                }
            }
            tag_id::LOGICAL_VOLUME_DESCRIPTOR => {
                let (_, d) = decode_descriptor::<LogicalVolumeDescriptor>(&s[..], None)
                    .map_err(fmt_err("logical volume descriptor", lba))?;
                if seq.lvd.as_ref().is_none_or(|(_, p)| {
                    d.volume_descriptor_sequence_number >= p.volume_descriptor_sequence_number
                }) {
                    seq.lvd = Some((lba, d));
                }
            }
            tag_id::PARTITION_DESCRIPTOR => {
                let (_, d) = decode_descriptor::<PartitionDescriptor>(&s[..], None)
                    .map_err(fmt_err("partition descriptor", lba))?;
                let same = seq
                    .pds
                    .iter()
                    .position(|(_, p)| p.partition_number == d.partition_number);
                match same {
                    Some(k)
                        if d.volume_descriptor_sequence_number
                            >= seq.pds[k].1.volume_descriptor_sequence_number =>
                    {
                        seq.pds[k] = (lba, d);
                    }
                    Some(_) => {}
                    None if seq.pds.len() < 64 => seq.pds.push((lba, d)),
                    None => {}
                }
            }
            tag_id::VOLUME_DESCRIPTOR_POINTER => {
                // 3/10.3: Next Volume Descriptor Sequence Extent at byte 20.
                hops += 1;
                if hops > MAX_CHAIN {
                    return Err(ReadError::invalid(
                        Place::new("volume descriptor pointer", lba, 0),
                        format!("more than {MAX_CHAIN} volume descriptor pointers in a row"),
                    ));
                }
                let mut r = Reader::new(&s[20..28], "volume descriptor pointer");
                let next = e::ExtentAd::decode(&mut r)
                    .map_err(fmt_err("volume descriptor pointer", lba))?;
                lba = u64::from(next.extent_location);
                left = (u64::from(next.extent_length) / BLOCK).min(MAX_SEQUENCE_SECTORS);
                continue;
            }
            tag_id::TERMINATING_DESCRIPTOR => break,
            _ => {}
        }
        lba += 1;
        left -= 1;
    }
    Ok(seq)
}

/// The integrity sequence's last descriptor (ECMA-167 3/8.8.2), following Next Integrity
/// Extents (bounded, loops refused). `None` when nothing valid is recorded.
fn read_integrity(
    src: &mut (impl SectorSource + ?Sized),
    extent: e::ExtentAd,
) -> Result<Option<Integrity>, ReadError> {
    let total = src.total_sectors();
    let mut lba = u64::from(extent.extent_location);
    let mut left = (u64::from(extent.extent_length) / BLOCK).min(MAX_SEQUENCE_SECTORS);
    let mut last = None;
    let mut visited = HashSet::new();
    while left > 0 && lba < total && visited.len() < MAX_SEQUENCE_SECTORS as usize {
        if !visited.insert(lba) {
            break;
        }
        let s = read_sector(src, lba)?;
        let Ok((_, d)) = decode_descriptor::<LogicalVolumeIntegrityDescriptor>(&s[..], None) else {
            break;
        };
        // UDF 2.2.6.4: the implementation use of the LVID.
        let iu = e::LvidImplementationUse::decode(&d.implementation_use).ok();
        last = Some(Integrity {
            lba,
            closed: d.integrity_type == e::integrity_type::CLOSE,
            number_of_files: iu.as_ref().map(|u| u.number_of_files),
            number_of_directories: iu.as_ref().map(|u| u.number_of_directories),
            minimum_udf_read_revision: iu.as_ref().map(|u| u.minimum_udf_read_revision),
            minimum_udf_write_revision: iu.as_ref().map(|u| u.minimum_udf_write_revision),
            maximum_udf_write_revision: iu.as_ref().map(|u| u.maximum_udf_write_revision),
        });
        let next = d.next_integrity_extent;
        if next.extent_length > 0 {
            lba = u64::from(next.extent_location);
            left = (u64::from(next.extent_length) / BLOCK).min(MAX_SEQUENCE_SECTORS);
        } else {
            lba += 1;
            left -= 1;
        }
    }
    Ok(last)
}

// ---------------------------------------------------------------------------------
// File Entries and allocation descriptors (ECMA-167 part 4).

/// An allocation descriptor, decoded (4/14.14): extent type (top two bits), length in
/// bytes, location (partition reference, logical block).
#[derive(Debug, Clone, Copy)]
struct Ad {
    kind: u8,
    length: u32,
    part: u16,
    lbn: u32,
}

/// A File Entry or Extended File Entry, decoded to what the reader uses.
struct Entry {
    file_type: u8,
    flags: u16,
    uid: u32,
    gid: u32,
    permissions: u32,
    link_count: u16,
    information_length: u64,
    access: Option<i64>,
    modification: Option<i64>,
    attribute: Option<i64>,
    creation: Option<i64>,
    /// Allocation descriptors field (or the embedded data when `flags & 7 == 3`).
    ads: Vec<u8>,
    strategy: u16,
    /// Unique ID (4/14.9.21, 4/14.17.22).
    unique_id: u64,
}

fn unix(t: &e::Timestamp) -> Option<i64> {
    (t.year != 0 || t.month != 0).then(|| t.to_unix().0)
}

use e::file_type;
/// File type 0 (ECMA-167 4/14.6.6): unspecified; a VAT 1.50 and some old files.
const UNSPECIFIED_FILE_TYPE: u8 = 0;
use e::icb_flags::{AD_EXTENDED, AD_IN_ICB as AD_EMBEDDED, AD_LONG, AD_MASK, AD_SHORT};

fn entry_from_fe(d: e::FileEntry) -> Entry {
    Entry {
        file_type: d.icb_tag.file_type,
        flags: d.icb_tag.flags,
        strategy: d.icb_tag.strategy_type,
        uid: d.uid,
        gid: d.gid,
        permissions: d.permissions,
        link_count: d.file_link_count,
        information_length: d.information_length,
        access: unix(&d.access_date_and_time),
        modification: unix(&d.modification_date_and_time),
        attribute: unix(&d.attribute_date_and_time),
        creation: None,
        ads: d.allocation_descriptors,
        unique_id: d.unique_id,
    }
}

fn entry_from_efe(d: e::ExtendedFileEntry) -> Entry {
    Entry {
        file_type: d.icb_tag.file_type,
        flags: d.icb_tag.flags,
        strategy: d.icb_tag.strategy_type,
        uid: d.uid,
        gid: d.gid,
        permissions: d.permissions,
        link_count: d.file_link_count,
        information_length: d.information_length,
        access: unix(&d.access_date_and_time),
        modification: unix(&d.modification_date_and_time),
        attribute: unix(&d.attribute_date_and_time),
        creation: unix(&d.creation_date_and_time),
        ads: d.allocation_descriptors,
        unique_id: d.unique_id,
    }
}

/// Decodes the allocation descriptors of `bytes` (4/14.14.1–3), stopping at a zero
/// length (4/12.1). `part` is the partition of short_ads (the ICB's).
fn decode_ads(bytes: &[u8], ad_type: u16, part: u16) -> Result<Vec<Ad>, FormatError> {
    let mut out = Vec::new();
    let mut r = Reader::new(bytes, "allocation descriptors");
    let size = match ad_type {
        AD_SHORT => 8,
        AD_LONG => 16,
        _ => 20,
    };
    while r.remaining() >= size {
        let ad = match ad_type {
            AD_SHORT => {
                let s = e::ShortAd::decode(&mut r)?;
                (s.extent_length, part, s.extent_position)
            }
            AD_LONG => {
                let l = e::LongAd::decode(&mut r)?;
                (
                    l.extent_length,
                    l.extent_location.partition_reference_number,
                    l.extent_location.logical_block_number,
                )
            }
            _ => {
                let x = e::ExtAd::decode(&mut r)?;
                (
                    x.extent_length,
                    x.extent_location.partition_reference_number,
                    x.extent_location.logical_block_number,
                )
            }
        };
        let (raw_len, p, lbn) = ad;
        let length = raw_len & 0x3FFF_FFFF;
        if length == 0 {
            break;
        }
        out.push(Ad {
            kind: (raw_len >> 30) as u8,
            length,
            part: p,
            lbn,
        });
    }
    Ok(out)
}

/// One UDF volume of a chain on overwritable media (see [`UdfVolume::generations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfGeneration {
    /// First block of the volume (its system area; the anchor is at `start + 256`).
    pub start: u64,
    /// One past its last block (its second anchor).
    pub end: u64,
    /// Logical Volume Identifier (ECMA-167 3/10.6.4).
    pub logical_volume_identifier: String,
}

impl UdfVolume {
    /// The UDF volumes recorded one after another on overwritable media and image
    /// files, oldest first. Each starts at a 32-block boundary after the one before and
    /// has its own Anchor Volume Descriptor Pointer at its start + 256 (ECMA-167
    /// 3/8.4.2.1); the anchor at LBA 256, which readers take first, names the newest,
    /// which ends the list. When the volumes before the newest cannot be followed so
    /// (the first one recorded at LBA 0 by another program, whose anchor at LBA 256 a
    /// later volume took over), the list is the newest alone, starting at LBA 0. Empty
    /// when no UDF volume reads from LBA 0 ([`UdfVolume::open`]: the anchor at LBA 256,
    /// else those at N and N − 256).
    ///
    /// Bounded: starts strictly increase and stay below the newest volume's end.
    ///
    /// # Errors
    /// None for unreadable or damaged volumes (they end the walk); the result is a
    /// `Result` for I/O errors of the newest volume's own structures.
    pub fn generations(
        src: &mut (impl SectorSource + ?Sized),
        options: &ReadOptions,
    ) -> Result<Vec<UdfGeneration>, ReadError> {
        let Ok(newest) = UdfVolume::open(src, 0, options) else {
            return Ok(Vec::new());
        };
        let mut list = Vec::new();
        let mut start = 32u64;
        while start + 256 < newest.recorded_end {
            // Only the anchor at start + 256 counts: the others (N, N - 256) belong to
            // the newest volume.
            let Ok(v) = UdfVolume::open_with_last_block(src, start, start + 256, options) else {
                break;
            };
            if v.anchor_lba != start + 256 {
                break;
            }
            let mut end = v.recorded_end;
            if anchor_at(src, end, start).ok().flatten().is_some() {
                end += 1;
            }
            let same = v.file_set_descriptor_lba == newest.file_set_descriptor_lba;
            list.push(UdfGeneration {
                start,
                end,
                logical_volume_identifier: v.logical_volume_identifier,
            });
            if same {
                return Ok(list);
            }
            start = end.next_multiple_of(32).max(start + 32);
        }
        Ok(vec![UdfGeneration {
            start: 0,
            end: newest.recorded_end,
            logical_volume_identifier: newest.logical_volume_identifier,
        }])
    }

    /// For a volume opened at LBA 0 ([`UdfVolume::open`]): whether it was found through
    /// the Anchor Volume Descriptor Pointer at LBA 256 (ECMA-167 3/8.4.2.1), which a
    /// session appended after it on overwritable media writes again to take it over.
    ///
    /// # Errors
    /// [`ReadError::NoUdfVolume`] when it was found through another anchor (N, N − 256):
    /// the block at LBA 256 is damaged, or something else's, and must not be written.
    pub fn require_anchor_256(&self) -> Result<(), ReadError> {
        if self.anchor_lba == 256 {
            return Ok(());
        }
        Err(ReadError::NoUdfVolume {
            session_start: self.session_start,
            detail: format!(
                "the Anchor Volume Descriptor Pointer at LBA 256 is damaged (the volume reads through the one at LBA {}), and an appended session would write LBA 256 again; copy the files out and record them on a new target",
                self.anchor_lba
            ),
        })
    }

    /// Opens the UDF volume of the session at `session_start`, searching the VAT and the
    /// anchors at N and N − 256 from the last sector of the media (N).
    ///
    /// # Errors
    /// See [`UdfVolume::open_with_last_block`].
    pub fn open(
        src: &mut (impl SectorSource + ?Sized),
        session_start: u64,
        options: &ReadOptions,
    ) -> Result<UdfVolume, ReadError> {
        let last = src.total_sectors().saturating_sub(1);
        UdfVolume::open_with_last_block(src, session_start, last, options)
    }

    /// Opens the UDF volume of the session at `session_start` with `last_block` the last
    /// recorded block (the drive's last recorded address on sequential media): the anchor
    /// is taken from `session_start + 256`, `last_block`, `last_block − 256` or 512
    /// (ECMA-167 3/8.4.2.1, UDF 2.2.3), the volume from the main volume descriptor
    /// sequence or else the reserve one (3/8.4.3), a virtual partition's VAT from the File
    /// Entry at `last_block` or up to 3 blocks before it (UDF 2.2.11, as Linux looks for
    /// it), a metadata partition from its metadata file or else its mirror (UDF 2.2.13).
    ///
    /// # Errors
    /// - [`ReadError::NoUdfVolume`]: no anchor, or neither sequence holds a Logical Volume
    ///   Descriptor and the Partition Descriptors it names;
    /// - [`ReadError::Invalid`]: logical block size other than 2048, a partition map that
    ///   names no Partition Descriptor, no VAT at the end of a virtual partition, a
    ///   metadata partition whose files both fail to read;
    /// - [`ReadError::ExtentPastEnd`], [`ReadError::Format`], [`ReadError::Io`].
    pub fn open_with_last_block(
        src: &mut (impl SectorSource + ?Sized),
        session_start: u64,
        last_block: u64,
        options: &ReadOptions,
    ) -> Result<UdfVolume, ReadError> {
        let total = src.total_sectors();
        let last_block = last_block.min(total.saturating_sub(1));
        let nsr = recognition_sequence(src, session_start, options)?;
        let mut candidates = vec![session_start.saturating_add(256), last_block];
        if last_block >= 256 {
            candidates.push(last_block - 256);
        }
        candidates.push(session_start.saturating_add(512));
        let mut anchor = None;
        let mut anchors = Vec::new();
        for lba in candidates {
            // Nothing after the last recorded block belongs to the session (on
            // sequential media it may not be readable at all).
            if anchors.contains(&lba) || lba > last_block {
                continue;
            }
            // The other places may be unreadable (the run-out blocks of a CD track).
            let found = match anchor_at(src, lba, session_start) {
                Err(ReadError::Io { .. }) if lba != session_start.saturating_add(256) => None,
                r => r?,
            };
            if let Some(a) = found {
                anchors.push(lba);
                if anchor.is_none() {
                    anchor = Some((lba, a));
                }
            }
        }
        let Some((anchor_lba, avdp)) = anchor else {
            return Err(no_udf(
                session_start,
                format!(
                    "no Anchor Volume Descriptor Pointer at LBA {}, {last_block} (N) or {} (N - 256)",
                    session_start + 256,
                    last_block.saturating_sub(256)
                ),
            ));
        };
        let mut used_reserve = false;
        let mut seq = read_sequence(
            src,
            u64::from(avdp.main_volume_descriptor_sequence_extent.extent_location),
            avdp.main_volume_descriptor_sequence_extent.extent_length,
        );
        let usable = |s: &Result<Sequence, ReadError>| {
            s.as_ref()
                .is_ok_and(|s| s.lvd.is_some() && !s.pds.is_empty())
        };
        if !usable(&seq) {
            let reserve = read_sequence(
                src,
                u64::from(
                    avdp.reserve_volume_descriptor_sequence_extent
                        .extent_location,
                ),
                avdp.reserve_volume_descriptor_sequence_extent.extent_length,
            );
            if usable(&reserve) {
                seq = reserve;
                used_reserve = true;
            }
        }
        let seq = seq?;
        let Some((lvd_lba, lvd)) = seq.lvd else {
            return Err(no_udf(
                session_start,
                format!(
                    "the volume descriptor sequences named by the anchor at LBA {anchor_lba} hold no logical volume descriptor"
                ),
            ));
        };
        if lvd.logical_block_size as usize != SECTOR_SIZE {
            return Err(ReadError::invalid(
                Place::new("logical volume descriptor", lvd_lba, 212),
                format!(
                    "Logical Block Size {} is not 2048 (ECMA-167 3/10.6.5; other sizes are not supported)",
                    lvd.logical_block_size
                ),
            ));
        }
        let revision = u16::from_le_bytes([
            lvd.domain_identifier.identifier_suffix[0],
            lvd.domain_identifier.identifier_suffix[1],
        ]);
        let mut logical_volume_identifier = dstring(&lvd.logical_volume_identifier);
        let (volume_identifier, volume_set_identifier) = seq
            .pvd
            .as_ref()
            .map(|(_, p)| {
                (
                    dstring(&p.volume_identifier),
                    dstring(&p.volume_set_identifier),
                )
            })
            .unwrap_or_default();
        let reserve = avdp.reserve_volume_descriptor_sequence_extent;
        let mut recorded_end = seq.end.max(anchors.iter().max().map_or(0, |a| a + 1)).max(
            (u64::from(reserve.extent_location) + u64::from(reserve.extent_length).div_ceil(BLOCK))
                .min(total),
        );

        // Partitions.
        let lvd_place = Place::new("logical volume descriptor", lvd_lba, 440);
        let pd_of = |number: u16| -> Result<&(u64, PartitionDescriptor), ReadError> {
            seq.pds
                .iter()
                .find(|(_, p)| p.partition_number == number)
                .ok_or_else(|| {
                    ReadError::invalid(
                        lvd_place,
                        format!(
                            "a partition map names partition number {number}, which no partition descriptor of the sequence describes"
                        ),
                    )
                })
        };
        let mut partitions = Vec::new();
        let mut maps = Vec::new();
        let mut pending_virtual = Vec::new();
        let mut vat_read_revision = None;
        let mut pending_meta = Vec::new();
        let mut type1 = Vec::new();
        for (i, map) in lvd.partition_maps.iter().enumerate() {
            let number = match map {
                PartitionMap::Type1 {
                    partition_number, ..
                }
                | PartitionMap::Virtual {
                    partition_number, ..
                }
                | PartitionMap::Metadata {
                    partition_number, ..
                } => *partition_number,
                PartitionMap::OtherType2 { data, .. } => u16::from_le_bytes([data[2], data[3]]),
            };
            let (pd_lba, pd) = pd_of(number)?;
            let start = u64::from(pd.partition_starting_location);
            let length = u64::from(pd.partition_length);
            // A write-once partition covers the whole disc, recorded or not: only what is
            // read is checked against the media.
            let _ = pd_lba;
            recorded_end = recorded_end.max((start + length).min(total));
            let kind = match map {
                PartitionMap::Type1 { .. } => PartitionKind::Physical,
                PartitionMap::Virtual { .. } => {
                    pending_virtual.push(i);
                    PartitionKind::Physical
                }
                PartitionMap::Metadata { .. } => {
                    pending_meta.push(i);
                    PartitionKind::Physical
                }
                PartitionMap::OtherType2 {
                    partition_type_identifier,
                    ..
                } if partition_type_identifier.is(e::partition_type_identifier::SPARABLE) => {
                    PartitionKind::Sparable
                }
                PartitionMap::OtherType2 {
                    partition_type_identifier,
                    ..
                } => {
                    return Err(ReadError::invalid(
                        lvd_place,
                        format!(
                            "partition map {i} has the unknown type identifier {:?}",
                            String::from_utf8_lossy(&partition_type_identifier.identifier)
                                .trim_end_matches('\0')
                        ),
                    ));
                }
            };
            partitions.push(Partition {
                kind,
                partition_number: number,
                start,
                length,
                access_type: pd.access_type,
            });
            maps.push(Map::Direct { start, length });
            type1.push(matches!(map, PartitionMap::Type1 { .. }));
        }
        if partitions.is_empty() {
            return Err(ReadError::invalid(
                lvd_place,
                "the logical volume has no partition maps",
            ));
        }
        let mut vol = UdfVolume {
            session_start,
            total_sectors: total,
            last_block,
            nsr,
            anchor_lba,
            anchors,
            reserve_sequence_used: used_reserve,
            revision,
            domain_revision: revision,
            volume_identifier,
            volume_set_identifier,
            logical_volume_identifier: String::new(),
            partitions,
            integrity: None,
            file_set_descriptor_lba: 0,
            recorded_end,
            root: (0, 0),
            maps,
            options: options.clone(),
        };
        // The physical partition a virtual or metadata map lies in: the type 1 map of the
        // same partition number.
        let numbers: Vec<u16> = vol.partitions.iter().map(|p| p.partition_number).collect();
        let phys_ref = |i: usize| -> Result<u16, ReadError> {
            let n = numbers[i];
            (0..numbers.len())
                .find(|&j| type1[j] && numbers[j] == n)
                .map(|j| j as u16)
                .ok_or_else(|| {
                    ReadError::invalid(
                        lvd_place,
                        format!("partition map {i} lies in partition {n}, which has no type 1 map"),
                    )
                })
        };
        for i in pending_virtual {
            let phys = phys_ref(i)?;
            let (map, kind, vat_end, header) = vol.load_vat(src, phys)?;
            if let Some((rev, lvid)) = header {
                vat_read_revision = Some(rev);
                if !lvid.is_empty() {
                    logical_volume_identifier = lvid;
                }
            }
            vol.recorded_end = vol.recorded_end.max(vat_end);
            vol.maps[i] = map;
            vol.partitions[i].kind = kind;
        }
        for i in pending_meta {
            let phys = phys_ref(i)?;
            let PartitionMap::Metadata {
                metadata_file_location,
                metadata_mirror_file_location,
                ..
            } = lvd.partition_maps[i]
            else {
                unreachable!("pending_meta holds metadata maps")
            };
            let main = vol.load_metadata(src, phys, metadata_file_location);
            let (runs, file_lba, mirror_used) = match main {
                Ok((runs, lba)) => (runs, lba, false),
                Err(first) => match vol.load_metadata(src, phys, metadata_mirror_file_location) {
                    Ok((runs, lba)) => (runs, lba, true),
                    Err(_) => return Err(first),
                },
            };
            vol.maps[i] = Map::Runs(runs);
            vol.partitions[i].kind = PartitionKind::Metadata {
                file_lba,
                mirror_used,
            };
        }
        vol.integrity = read_integrity(src, lvd.integrity_sequence_extent).unwrap_or(None);
        if let Some(i) = vol.integrity.as_mut()
            && vol
                .partitions
                .iter()
                .any(|p| matches!(p.kind, PartitionKind::Virtual { .. }))
        {
            // UDF 2.60 2.2.6.3 / 2.2.11: on sequential media the LVID stays open and the
            // VAT recorded last is what closes the volume.
            i.closed = true;
        }
        // The revision a reader needs: the VAT 2.00 header's Minimum UDF Read Revision,
        // else the LVID's (UDF 2.2.6.4), else the domain identifier's.
        vol.revision = vat_read_revision
            .or(vol
                .integrity
                .as_ref()
                .and_then(|i| i.minimum_udf_read_revision)
                .filter(|&r| r >= 0x0100))
            .unwrap_or(revision);
        if logical_volume_identifier.is_empty() {
            logical_volume_identifier = String::new();
        }
        vol.logical_volume_identifier = logical_volume_identifier;

        // File Set Descriptor (4/14.1) at the LVD's Logical Volume Contents Use.
        let fsd_ad = lvd.logical_volume_contents_use;
        let fsd_part = fsd_ad.extent_location.partition_reference_number;
        let fsd_lbn = fsd_ad.extent_location.logical_block_number;
        let fsd_place = Place::new("logical volume descriptor", lvd_lba, 248);
        let fsd_lba = vol.block(fsd_part, fsd_lbn, fsd_place)?;
        let s = read_sector(src, fsd_lba)?;
        let (_, fsd) = decode_descriptor::<e::FileSetDescriptor>(&s[..], Some(fsd_lbn))
            .map_err(fmt_err("file set descriptor", fsd_lba))?;
        vol.file_set_descriptor_lba = fsd_lba;
        let root = fsd.root_directory_icb.extent_location;
        vol.root = (root.partition_reference_number, root.logical_block_number);
        Ok(vol)
    }

    /// The VAT of the volume's virtual partition, if it has one (UDF 2.60 2.2.8, 2.2.11).
    pub fn virtual_allocation_table(&self) -> Option<VirtualAllocationTable> {
        for (i, p) in self.partitions.iter().enumerate() {
            let PartitionKind::Virtual {
                vat_icb_lba,
                vat_version,
                ..
            } = p.kind
            else {
                continue;
            };
            let Some(Map::Vat { vat, .. }) = self.maps.get(i) else {
                continue;
            };
            let phys = self.partitions.iter().position(|q| {
                q.kind == PartitionKind::Physical && q.partition_number == p.partition_number
            })?;
            return Some(VirtualAllocationTable {
                virtual_reference: i as u16,
                physical_reference: phys as u16,
                partition_start: p.start,
                partition_length: p.length,
                icb_lba: vat_icb_lba,
                version: vat_version,
                entries: vat.clone(),
            });
        }
        None
    }

    /// The revision as text ("1.02", "2.01", "2.60").
    pub fn revision_string(&self) -> String {
        format!("{:x}.{:02x}", self.revision >> 8, self.revision & 0xFF)
    }

    /// Absolute LBA of logical block `lbn` of partition reference `part`.
    fn block(&self, part: u16, lbn: u32, place: Place) -> Result<u64, ReadError> {
        let bad = |detail: String| ReadError::invalid(place, detail);
        let map = self.maps.get(usize::from(part)).ok_or_else(|| {
            bad(format!(
                "partition reference {part} does not exist (the volume has {})",
                self.maps.len()
            ))
        })?;
        let lba = match map {
            Map::Direct { start, length } => {
                if u64::from(lbn) >= *length {
                    return Err(bad(format!(
                        "logical block {lbn} lies past the end of partition reference {part} ({length} blocks)"
                    )));
                }
                start + u64::from(lbn)
            }
            Map::Vat { start, length, vat } => {
                let v = *vat.get(lbn as usize).ok_or_else(|| {
                    bad(format!(
                        "virtual block {lbn} lies past the VAT ({} entries)",
                        vat.len()
                    ))
                })?;
                if v == u32::MAX || u64::from(v) >= *length {
                    return Err(bad(format!(
                        "virtual block {lbn} is not mapped by the VAT (entry {v:#x})"
                    )));
                }
                start + u64::from(v)
            }
            Map::Runs(runs) => {
                let l = u64::from(lbn);
                let i = runs.partition_point(|r| r.0 <= l);
                match i.checked_sub(1).map(|i| runs[i]) {
                    Some((first, abs, n)) if l < first + n => abs + (l - first),
                    _ => {
                        return Err(bad(format!(
                            "metadata block {lbn} lies past the metadata file"
                        )));
                    }
                }
            }
        };
        if lba >= self.total_sectors {
            return Err(ReadError::ExtentPastEnd {
                place,
                start: lba,
                end: lba + 1,
                total_sectors: self.total_sectors,
            });
        }
        Ok(lba)
    }

    /// The absolute extents of `length` bytes from block `lbn` of partition `part`
    /// (contiguous runs merged; a virtual or metadata partition maps block by block).
    fn extents(
        &self,
        part: u16,
        lbn: u32,
        length: u32,
        place: Place,
        out: &mut Vec<Extent>,
    ) -> Result<(), ReadError> {
        let blocks = u64::from(length).div_ceil(BLOCK);
        if let Some(Map::Direct {
            start,
            length: plen,
        }) = self.maps.get(usize::from(part))
        {
            if u64::from(lbn) + blocks > *plen {
                return Err(ReadError::invalid(
                    place,
                    format!(
                        "extent of {length} bytes at logical block {lbn} runs past the end of partition reference {part} ({plen} blocks)"
                    ),
                ));
            }
            let lba = start + u64::from(lbn);
            check_range(place, lba, blocks, self.total_sectors)?;
            push_extent(out, lba, length);
            return Ok(());
        }
        if let Some(Map::Runs(runs)) = self.maps.get(usize::from(part)) {
            // Metadata partition: whole runs at a time.
            let mut left = u64::from(length);
            let mut l = u64::from(lbn);
            while left > 0 {
                let i = runs.partition_point(|r| r.0 <= l);
                let Some((first, abs, n)) = i.checked_sub(1).map(|i| runs[i]) else {
                    return Err(ReadError::invalid(
                        place,
                        format!("metadata block {l} lies past the metadata file"),
                    ));
                };
                if l >= first + n {
                    return Err(ReadError::invalid(
                        place,
                        format!("metadata block {l} lies past the metadata file"),
                    ));
                }
                let lba = abs + (l - first);
                let take = left.min((first + n - l) * BLOCK);
                check_range(place, lba, take.div_ceil(BLOCK), self.total_sectors)?;
                push_extent(out, lba, take as u32);
                left -= take;
                l += take.div_ceil(BLOCK);
            }
            return Ok(());
        }
        // Virtual partition: block by block through the VAT (at most its entries).
        let mut left = length;
        for b in 0..blocks.max(1) {
            let lba = self.block(part, lbn.saturating_add(b as u32), place)?;
            let take = left.min(SECTOR_SIZE as u32);
            push_extent(out, lba, take);
            left -= take;
        }
        Ok(())
    }

    /// Finds and loads the VAT of the virtual partition over physical reference `phys`
    /// (UDF 2.2.11): the File Entry at the last block or up to 3 blocks before it, of
    /// file type 248 (VAT 2.00) or unspecified with the "*UDF Virtual Alloc Tbl" regid
    /// (VAT 1.50).
    #[allow(clippy::type_complexity)]
    fn load_vat(
        &self,
        src: &mut (impl SectorSource + ?Sized),
        phys: u16,
    ) -> Result<(Map, PartitionKind, u64, Option<(u16, String)>), ReadError> {
        let Map::Direct { start, length } = self.maps[usize::from(phys)] else {
            unreachable!("phys is a direct map")
        };
        let mut tried = Vec::new();
        for back in 0..4u64 {
            let Some(lba) = self.last_block.checked_sub(back) else {
                break;
            };
            if lba < start || lba >= start + length {
                continue;
            }
            tried.push(lba);
            let lbn = (lba - start) as u32;
            let place = Place::new("VAT file entry", lba, 0);
            let Ok(entry) = read_entry_at(src, lba, lbn) else {
                continue;
            };
            let is20 = entry.file_type == file_type::VAT20;
            if !is20 && entry.file_type != UNSPECIFIED_FILE_TYPE {
                continue;
            }
            if entry.information_length > MAX_VAT_BYTES {
                return Err(ReadError::limit(
                    place,
                    Limit::DirectoryBytes,
                    MAX_VAT_BYTES,
                ));
            }
            let pieces = self.pieces(src, &entry, phys, place)?;
            let mut data = Vec::with_capacity(entry.information_length as usize);
            read_pieces(src, &pieces, &entry.ads, &mut data, place)?;
            data.truncate(entry.information_length as usize);
            let (table, header) = if is20 {
                // UDF 2.2.11 (VAT 2.00): the header, then the entries.
                let (h, hl) = e::VatHeader::decode(&data)
                    .map_err(|source| ReadError::Format { place, source })?;
                let lvid = dstring(&h.logical_volume_identifier);
                (&data[hl..], Some((h.minimum_udf_read_revision, lvid)))
            } else {
                // VAT 1.50: the entries, then the regid and the Previous VAT ICB Location.
                let Ok((_, n)) = e::Vat150Trailer::decode(&data) else {
                    continue;
                };
                (&data[..n * 4], None)
            };
            let vat: Vec<u32> = table
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let entries = vat.len() as u32;
            return Ok((
                Map::Vat { start, length, vat },
                PartitionKind::Virtual {
                    vat_icb_lba: lba,
                    entries,
                    vat_version: if is20 { 200 } else { 150 },
                },
                lba + 1,
                header,
            ));
        }
        Err(ReadError::invalid(
            Place::new("VAT file entry", self.last_block, 0),
            format!(
                "the virtual partition has no readable VAT at the last recorded block or the 3 before it (LBAs {tried:?}): the VAT is damaged, or the session was interrupted before its VAT (repair closes such a session), or it does not end at that block"
            ),
        ))
    }

    /// Loads the metadata file at `lbn` of physical reference `phys` (UDF 2.2.13):
    /// its extents as runs of the metadata partition.
    #[allow(clippy::type_complexity)]
    fn load_metadata(
        &self,
        src: &mut (impl SectorSource + ?Sized),
        phys: u16,
        lbn: u32,
    ) -> Result<(Vec<(u64, u64, u64)>, u64), ReadError> {
        let place = Place::new("metadata partition map", self.anchor_lba, 0);
        let lba = self.block(phys, lbn, place)?;
        let entry = read_entry_at(src, lba, lbn)?;
        let place = Place::new("metadata file entry", lba, 0);
        let pieces = self.pieces(src, &entry, phys, place)?;
        let mut runs = Vec::new();
        let mut at = 0u64;
        for p in pieces {
            match p {
                PieceData::Recorded(x) => {
                    let n = x.sectors();
                    runs.push((at, u64::from(x.lba), n));
                    at += n;
                }
                PieceData::Unrecorded(len) => at += u64::from(len).div_ceil(BLOCK),
                PieceData::Embedded { .. } => {
                    return Err(ReadError::invalid(
                        place,
                        "the metadata file's data is embedded in its File Entry",
                    ));
                }
            }
        }
        Ok((runs, lba))
    }

    /// The data pieces of `entry` (recorded at `part`), following allocation extent
    /// descriptors, truncated to the Information Length. Embedded data is returned as a
    /// piece with `off` into `entry.ads`.
    fn pieces(
        &self,
        src: &mut (impl SectorSource + ?Sized),
        entry: &Entry,
        part: u16,
        place: Place,
    ) -> Result<Vec<PieceData>, ReadError> {
        let ad_type = entry.flags & AD_MASK;
        let size = entry.information_length;
        if ad_type == AD_EMBEDDED {
            if size > entry.ads.len() as u64 {
                return Err(ReadError::invalid(
                    place,
                    format!(
                        "Information Length {size} exceeds the {} bytes embedded in the entry",
                        entry.ads.len()
                    ),
                ));
            }
            return Ok(vec![PieceData::Embedded {
                off: 0,
                len: size as u32,
            }]);
        }
        if ad_type > AD_EXTENDED {
            return Err(ReadError::invalid(
                place,
                format!("ICB tag flags give the allocation descriptor type {ad_type} (0-3 exist)"),
            ));
        }
        let mut ads = decode_ads(&entry.ads, ad_type, part)
            .map_err(|source| ReadError::Format { place, source })?;
        let mut out = Vec::new();
        let mut left = size;
        let mut visited = HashSet::new();
        let mut ext = Vec::new();
        let mut mapped = 0u64;
        let mut i = 0;
        while i < ads.len() && left > 0 {
            let ad = ads[i];
            i += 1;
            if ad.kind == 3 {
                // 4/14.14.1.1 type 3: the next extent of allocation descriptors (an
                // Allocation Extent Descriptor, 4/14.5).
                if visited.len() >= MAX_CHAIN || !visited.insert((ad.part, ad.lbn)) {
                    return Err(ReadError::invalid(
                        place,
                        format!(
                            "allocation extent descriptors loop or chain more than {MAX_CHAIN} times (at logical block {})",
                            ad.lbn
                        ),
                    ));
                }
                let lba = self.block(ad.part, ad.lbn, place)?;
                let s = read_sector(src, lba)?;
                let aed_place = Place::new("allocation extent descriptor", lba, 0);
                let (_, aed) = decode_descriptor::<e::AllocationExtentDescriptor>(&s[..], None)
                    .map_err(|source| ReadError::Format {
                        place: aed_place,
                        source,
                    })?;
                let more = decode_ads(&aed.allocation_descriptors, ad_type, ad.part).map_err(
                    |source| ReadError::Format {
                        place: aed_place,
                        source,
                    },
                )?;
                ads.truncate(i);
                ads.extend(more);
                continue;
            }
            let take = u64::from(ad.length).min(left) as u32;
            left -= u64::from(take);
            if ad.kind == 0 {
                // A file cannot record more blocks than the media holds.
                mapped += u64::from(take).div_ceil(BLOCK);
                if mapped > self.total_sectors {
                    return Err(ReadError::invalid(
                        place,
                        format!(
                            "the allocation descriptors record more blocks than the media holds ({} sectors)",
                            self.total_sectors
                        ),
                    ));
                }
                ext.clear();
                self.extents(ad.part, ad.lbn, take, place, &mut ext)?;
                for x in &ext {
                    match out.last_mut() {
                        Some(PieceData::Recorded(prev))
                            if prev.length % SECTOR_SIZE as u32 == 0
                                && u64::from(prev.lba) + prev.sectors() == u64::from(x.lba)
                                && u64::from(prev.length) + u64::from(x.length) <= 0xFFFF_F800 =>
                        {
                            prev.length += x.length;
                        }
                        _ => out.push(PieceData::Recorded(*x)),
                    }
                }
            } else {
                out.push(PieceData::Unrecorded(take));
            }
        }
        if left > 0 {
            return Err(ReadError::invalid(
                place,
                format!(
                    "the allocation descriptors cover {} of the {size} bytes of Information Length",
                    size - left
                ),
            ));
        }
        Ok(out)
    }

    /// Reads the directory tree of the File Set (ECMA-167 4/8.6, 4/14.4) into a [`Tree`]
    /// of view [`View::Udf`]: names decoded from OSTA Compressed Unicode, deleted and
    /// parent FIDs skipped, hidden FIDs kept with [`FileFlags::EXISTENCE`], attributes of
    /// the File Entries as [`crate::Node::rock_ridge`], file data as absolute extents
    /// ([`crate::Node::data_pieces`]).
    ///
    /// # Errors
    /// - [`ReadError::DirectoryCycle`]: a directory's ICB reached twice;
    /// - [`ReadError::LimitExceeded`]: entries, depth, directory size, name or symlink
    ///   length over [`ReadOptions`];
    /// - [`ReadError::Invalid`]: a FID or entry that is malformed (bad names, lengths,
    ///   partition references, Indirect Entry loops);
    /// - [`ReadError::ExtentPastEnd`], [`ReadError::Format`], [`ReadError::Io`].
    pub fn read_tree(&self, src: &mut (impl SectorSource + ?Sized)) -> Result<Tree, ReadError> {
        let opts = &self.options;
        let mut nodes: Vec<NodeData> = Vec::new();
        let mut bytes: Vec<u8> = Vec::new();
        let mut extents: Vec<Extent> = Vec::new();
        let mut rr: Vec<RrData> = Vec::new();
        let mut irregular: HashMap<u32, Box<[PieceData]>> = HashMap::new();
        // Directory data of node i, read when its turn comes: (ICB partition, entry).
        let mut dir_entries: HashMap<u32, (u16, Entry, u64)> = HashMap::new();
        let mut dir_icbs: HashMap<u64, u64> = HashMap::new();

        let fsd_place = Place::new("file set descriptor", self.file_set_descriptor_lba, 400);
        let (root_lba, root_entry) = self.entry(src, self.root.0, self.root.1, fsd_place)?;
        if root_entry.file_type != file_type::DIRECTORY {
            return Err(ReadError::invalid(
                fsd_place,
                format!(
                    "the Root Directory ICB (LBA {root_lba}) is of file type {}, not a directory",
                    root_entry.file_type
                ),
            ));
        }
        dir_icbs.insert(root_lba, root_lba);
        let root = self.node_data(
            src,
            &root_entry,
            self.root.0,
            root_lba,
            NONE,
            0,
            fsd_place,
            &[],
            &[],
            0,
            &mut bytes,
            &mut extents,
            &mut rr,
            &mut irregular,
        )?;
        nodes.push(root);
        let mut udf_icbs = vec![UdfIcb {
            partition_reference: self.root.0,
            logical_block: self.root.1,
            unique_id: root_entry.unique_id,
        }];
        dir_entries.insert(0, (self.root.0, root_entry, root_lba));

        let mut name = Vec::new();
        let mut data = Vec::new();
        let mut i = 0usize;
        while i < nodes.len() {
            let Some((part, entry, icb_lba)) = dir_entries.remove(&(i as u32)) else {
                i += 1;
                continue;
            };
            let place = Place::new("directory file entry", icb_lba, 0);
            if entry.information_length > opts.max_directory_bytes {
                return Err(ReadError::limit(
                    place,
                    Limit::DirectoryBytes,
                    opts.max_directory_bytes,
                ));
            }
            let pieces = self.pieces(src, &entry, part, place)?;
            data.clear();
            read_pieces(src, &pieces, &entry.ads, &mut data, place)?;
            let first_child = nodes.len() as u32;
            let depth = nodes[i].depth + 1;
            if u32::from(depth) > opts.max_depth.min(u32::from(u16::MAX) - 1) {
                return Err(ReadError::limit(place, Limit::Depth, opts.max_depth.into()));
            }
            // Where byte `pos` of the directory lies on the media (for error places).
            let where_is = |pos: usize| -> Place {
                let mut at = 0u64;
                for p in &pieces {
                    let len = match p {
                        PieceData::Recorded(x) => u64::from(x.length),
                        PieceData::Unrecorded(l) => u64::from(*l),
                        PieceData::Embedded { len, .. } => u64::from(*len),
                    };
                    if (pos as u64) < at + len {
                        let off = pos as u64 - at;
                        return match p {
                            PieceData::Recorded(x) => Place::in_extent(
                                "file identifier descriptor",
                                u64::from(x.lba),
                                off,
                            ),
                            _ => Place::new("file identifier descriptor", icb_lba, 0),
                        };
                    }
                    at += len;
                }
                Place::new("file identifier descriptor", icb_lba, 0)
            };
            let mut pos = 0usize;
            let dir_len = data.len();
            // The last FID's padding to 4 bytes may lie past the Information Length.
            data.extend_from_slice(&[0; 4]);
            while pos + 38 <= dir_len {
                let fplace = where_is(pos);
                let fid = &data[pos..];
                if fid[..16].iter().all(|&b| b == 0) {
                    // Zero padding after the last FID (a block-rounded directory).
                    break;
                }
                let (d, len) =
                    e::FileIdentifierDescriptor::decode_at(fid, None).map_err(|source| {
                        ReadError::Format {
                            place: fplace,
                            source,
                        }
                    })?;
                if pos + 38 + d.implementation_use.len() + d.file_identifier.len() > dir_len {
                    return Err(ReadError::invalid(
                        fplace,
                        format!(
                            "FID of {len} bytes runs past the end of the directory ({} bytes left)",
                            dir_len - pos
                        ),
                    ));
                }
                pos += len;
                let characteristics = d.file_characteristics;
                let icb = d.icb;
                if characteristics
                    & (e::file_characteristics::DELETED | e::file_characteristics::PARENT)
                    != 0
                {
                    continue;
                }
                let ident = &d.file_identifier[..];
                if nodes.len() as u64 >= opts.max_entries {
                    return Err(ReadError::limit(fplace, Limit::Entries, opts.max_entries));
                }
                let decoded = e::decode_cs0(ident).map_err(|source| ReadError::Format {
                    place: fplace,
                    source,
                })?;
                name.clear();
                name.extend_from_slice(decoded.as_bytes());
                if name.len() > opts.max_name_bytes {
                    return Err(ReadError::limit(
                        fplace,
                        Limit::NameBytes,
                        opts.max_name_bytes as u64,
                    ));
                }
                if let Err(d) = check_name(&name) {
                    return Err(ReadError::invalid(
                        fplace,
                        format!("File Identifier {:?}: {d}", String::from_utf8_lossy(&name)),
                    ));
                }
                let cpart = icb.extent_location.partition_reference_number;
                let clbn = icb.extent_location.logical_block_number;
                let (clba, centry) = self.entry(src, cpart, clbn, fplace)?;
                let is_dir = centry.file_type == file_type::DIRECTORY;
                if is_dir {
                    if let Some(&other) = dir_icbs.get(&clba) {
                        return Err(ReadError::DirectoryCycle {
                            place: fplace,
                            start: clba,
                            end: clba + 1,
                            other_start: other,
                            other_end: other + 1,
                        });
                    }
                    dir_icbs.insert(clba, clba);
                }
                let mut flags = 0u8;
                if characteristics & e::file_characteristics::HIDDEN != 0 {
                    flags |= FileFlags::EXISTENCE.bits();
                }
                let nd = self.node_data(
                    src,
                    &centry,
                    cpart,
                    clba,
                    i as u32,
                    depth,
                    fplace,
                    &name,
                    ident,
                    flags,
                    &mut bytes,
                    &mut extents,
                    &mut rr,
                    &mut irregular,
                )?;
                let id = nodes.len() as u32;
                nodes.push(nd);
                udf_icbs.push(UdfIcb {
                    partition_reference: cpart,
                    logical_block: clbn,
                    unique_id: centry.unique_id,
                });
                if is_dir {
                    dir_entries.insert(id, (cpart, centry, clba));
                }
            }
            let end = nodes.len() as u32;
            nodes[i].first_child = first_child;
            nodes[i].child_count = end - first_child;
            i += 1;
        }
        bytes.shrink_to_fit();
        nodes.shrink_to_fit();
        extents.shrink_to_fit();
        rr.shrink_to_fit();
        Ok(Tree {
            view: View::Udf,
            session_start: self.session_start,
            nodes,
            bytes,
            extents,
            rr,
            irregular,
            udf_icbs,
        })
    }

    /// Reads the File Entry of the ICB at (`part`, `lbn`), following Indirect Entries
    /// (4/14.7) and, for strategy 4096, an Indirect Entry in the next block (4/A.5):
    /// returns its absolute LBA and the entry.
    fn entry(
        &self,
        src: &mut (impl SectorSource + ?Sized),
        mut part: u16,
        mut lbn: u32,
        place: Place,
    ) -> Result<(u64, Entry), ReadError> {
        let mut visited = HashSet::new();
        loop {
            if visited.len() >= MAX_CHAIN || !visited.insert((part, lbn)) {
                return Err(ReadError::invalid(
                    place,
                    format!(
                        "ICB at logical block {lbn} of partition reference {part}: indirect entries loop or chain more than {MAX_CHAIN} times"
                    ),
                ));
            }
            let lba = self.block(part, lbn, place)?;
            let s = read_sector(src, lba)?;
            let tag = DescriptorTag::validate(&s[..], None, Some(lbn))
                .map_err(fmt_err("file entry", lba))?;
            if tag.tag_identifier == tag_id::INDIRECT_ENTRY {
                let next = indirect_icb(&s[..]).map_err(fmt_err("indirect entry", lba))?;
                part = next.extent_location.partition_reference_number;
                lbn = next.extent_location.logical_block_number;
                continue;
            }
            let entry = decode_entry(&s[..], lbn).map_err(fmt_err("file entry", lba))?;
            if entry.strategy == 4096
                && let Ok(next) = self.block(part, lbn.wrapping_add(1), place)
            {
                let n = read_sector(src, next)?;
                if DescriptorTag::validate(&n[..], Some(tag_id::INDIRECT_ENTRY), Some(lbn + 1))
                    .is_ok()
                    && let Ok(ie) = indirect_icb(&n[..])
                    && ie.extent_length > 0
                {
                    part = ie.extent_location.partition_reference_number;
                    lbn = ie.extent_location.logical_block_number;
                    continue;
                }
            }
            return Ok((lba, entry));
        }
    }

    /// The node for `entry`: kind, attributes, data, symlink target.
    #[allow(clippy::too_many_arguments)]
    fn node_data(
        &self,
        src: &mut (impl SectorSource + ?Sized),
        entry: &Entry,
        part: u16,
        icb_lba: u64,
        parent: u32,
        depth: u16,
        place: Place,
        name: &[u8],
        ident: &[u8],
        mut flags: u8,
        bytes: &mut Vec<u8>,
        extents: &mut Vec<Extent>,
        rr: &mut Vec<RrData>,
        irregular: &mut HashMap<u32, Box<[PieceData]>>,
    ) -> Result<NodeData, ReadError> {
        let eplace = Place::new("file entry", icb_lba, 0);
        let (kind, type_bits) = match entry.file_type {
            file_type::DIRECTORY => (NodeKind::Directory, 0o040000),
            file_type::REGULAR | UNSPECIFIED_FILE_TYPE | file_type::REAL_TIME => {
                (NodeKind::File, 0o100000)
            }
            file_type::SYMLINK => (NodeKind::Symlink, 0o120000),
            file_type::BLOCK_DEVICE => (NodeKind::BlockDevice, 0o060000),
            file_type::CHARACTER_DEVICE => (NodeKind::CharDevice, 0o020000),
            file_type::FIFO => (NodeKind::Fifo, 0o010000),
            file_type::SOCKET => (NodeKind::Socket, 0o140000),
            t => {
                return Err(ReadError::invalid(
                    eplace,
                    format!(
                        "file type {t} (ECMA-167 4/14.6.6) is not a file, directory, symlink or device{}",
                        if t == file_type::INDIRECT_ENTRY {
                            " (an indirect entry)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        };
        if kind == NodeKind::Directory {
            flags |= FileFlags::DIRECTORY.bits();
        }
        // 4/14.9.5 and UDF 3.3.3.4: other (bits 0-2), group (5-7), owner (10-12); the
        // ICB tag flags 6, 7, 8 are setuid, setgid, sticky.
        let mut mode = e::permissions::to_mode(entry.permissions) | type_bits;
        for (flag, bit) in [
            (e::icb_flags::SETUID, 0o4000),
            (e::icb_flags::SETGID, 0o2000),
            (e::icb_flags::STICKY, 0o1000),
        ] {
            if entry.flags & flag != 0 {
                mode |= bit;
            }
        }
        let push = |bytes: &mut Vec<u8>, b: &[u8]| -> Result<u32, ReadError> {
            if bytes.len() + b.len() > u32::MAX as usize {
                return Err(ReadError::limit(place, Limit::Entries, 0));
            }
            let off = bytes.len() as u32;
            bytes.extend_from_slice(b);
            Ok(off)
        };
        let name_off = push(bytes, name)?;
        push(bytes, ident)?;
        let extents_start = extents.len() as u32;
        let mut extents_len = 0u32;
        let mut target = (0u32, 0u32);
        // Every UDF node has one RrData, pushed in node order: the next node's index is
        // the number of RrData so far.
        let node_index = rr.len() as u32;
        match kind {
            NodeKind::File | NodeKind::Directory => {
                let pieces = self.pieces(src, entry, part, eplace)?;
                if pieces.iter().all(|p| matches!(p, PieceData::Recorded(_))) {
                    if pieces.len() > self.options.max_extents_per_file as usize {
                        return Err(ReadError::limit(
                            eplace,
                            Limit::ExtentsPerFile,
                            self.options.max_extents_per_file.into(),
                        ));
                    }
                    for p in &pieces {
                        if let PieceData::Recorded(x) = p {
                            extents.push(*x);
                        }
                    }
                    extents_len = pieces.len() as u32;
                } else if kind == NodeKind::File {
                    let stored: Vec<PieceData> = pieces
                        .into_iter()
                        .map(|p| match p {
                            PieceData::Embedded { off, len } => {
                                let o = bytes.len() as u32;
                                bytes.extend_from_slice(
                                    &entry.ads[off as usize..(off + len) as usize],
                                );
                                Ok(PieceData::Embedded { off: o, len })
                            }
                            other => Ok(other),
                        })
                        .collect::<Result<_, ReadError>>()?;
                    irregular.insert(node_index, stored.into());
                }
            }
            NodeKind::Symlink => {
                if entry.information_length > self.options.max_symlink_bytes as u64 * 2 + 64 {
                    return Err(ReadError::limit(
                        eplace,
                        Limit::SymlinkBytes,
                        self.options.max_symlink_bytes as u64,
                    ));
                }
                let pieces = self.pieces(src, entry, part, eplace)?;
                let mut raw = Vec::new();
                read_pieces(src, &pieces, &entry.ads, &mut raw, eplace)?;
                let t = symlink_target(&raw).map_err(|d| ReadError::invalid(eplace, d))?;
                if t.len() > self.options.max_symlink_bytes {
                    return Err(ReadError::limit(
                        eplace,
                        Limit::SymlinkBytes,
                        self.options.max_symlink_bytes as u64,
                    ));
                }
                target = (push(bytes, &t)?, t.len() as u32);
            }
            _ => {}
        }
        let mtime = entry.modification.unwrap_or(0);
        rr.push(RrData {
            info: RockRidge {
                mode,
                nlink: u32::from(entry.link_count),
                uid: entry.uid,
                gid: entry.gid,
                inode: u32::try_from(icb_lba).ok(),
                device: None,
                times: RrTimes {
                    creation: entry.creation,
                    modify: entry.modification,
                    access: entry.access,
                    attributes: entry.attribute,
                },
                has_px: true,
                relocated: false,
                md5_index: None,
                md5_area: None,
            },
            target_off: target.0,
            target_len: target.1,
        });
        Ok(NodeData {
            parent,
            first_child: 0,
            child_count: 0,
            name_off,
            name_len: name.len() as u16,
            ident_len: ident.len() as u8,
            kind,
            flags,
            depth,
            extents_start,
            extents_len,
            size: entry.information_length,
            record_lba: place.lba as u32,
            record_off: place.offset as u16,
            time: DirectoryDateTime::from_unix(mtime, 0),
            rr: node_index,
        })
    }
}

/// The Indirect ICB of an Indirect Entry (ECMA-167 4/14.7: tag, ICB tag, long_ad).
fn indirect_icb(sector: &[u8]) -> Result<e::LongAd, FormatError> {
    let mut r = Reader::new(
        sector.get(16..52).unwrap_or_default(),
        "ECMA-167 Indirect Entry",
    );
    e::IcbTag::decode(&mut r)?;
    e::LongAd::decode(&mut r)
}

fn push_extent(out: &mut Vec<Extent>, lba: u64, length: u32) {
    if let Some(prev) = out.last_mut()
        && prev.length % SECTOR_SIZE as u32 == 0
        && u64::from(prev.lba) + prev.sectors() == lba
        && u64::from(prev.length) + u64::from(length) <= 0xFFFF_F800
    {
        prev.length += length;
        return;
    }
    out.push(Extent {
        lba: lba as u32,
        length,
    });
}

/// Reads the File Entry or Extended File Entry in `sector` (recorded at logical block
/// `lbn`).
fn decode_entry(sector: &[u8], lbn: u32) -> Result<Entry, FormatError> {
    let tag = DescriptorTag::validate(sector, None, Some(lbn))?;
    match tag.tag_identifier {
        tag_id::FILE_ENTRY => Ok(entry_from_fe(
            decode_descriptor::<e::FileEntry>(sector, Some(lbn))?.1,
        )),
        tag_id::EXTENDED_FILE_ENTRY => Ok(entry_from_efe(
            decode_descriptor::<e::ExtendedFileEntry>(sector, Some(lbn))?.1,
        )),
        other => Err(FormatError::Invalid {
            structure: "ECMA-167 descriptor tag",
            field: "Tag Identifier",
            offset: 0,
            detail: format!(
                "{other} where a File Entry (261) or Extended File Entry (266) was expected"
            ),
        }),
    }
}

/// Reads the entry at absolute `lba` recorded as logical block `lbn`.
fn read_entry_at(
    src: &mut (impl SectorSource + ?Sized),
    lba: u64,
    lbn: u32,
) -> Result<Entry, ReadError> {
    let s = read_sector(src, lba)?;
    decode_entry(&s[..], lbn).map_err(fmt_err("file entry", lba))
}

/// Appends the bytes of `pieces` to `out` (embedded pieces from `embedded`).
fn read_pieces(
    src: &mut (impl SectorSource + ?Sized),
    pieces: &[PieceData],
    embedded: &[u8],
    out: &mut Vec<u8>,
    place: Place,
) -> Result<(), ReadError> {
    let mut buf = Vec::new();
    for p in pieces {
        match *p {
            PieceData::Recorded(x) => {
                check_range(place, u64::from(x.lba), x.sectors(), src.total_sectors())?;
                read_into(src, u64::from(x.lba), x.sectors(), &mut buf)?;
                out.extend_from_slice(&buf[..x.length as usize]);
            }
            PieceData::Unrecorded(len) => out.resize(out.len() + len as usize, 0),
            PieceData::Embedded { off, len } => out.extend_from_slice(
                embedded
                    .get(off as usize..(off + len) as usize)
                    .ok_or_else(|| ReadError::invalid(place, "embedded data out of range"))?,
            ),
        }
    }
    Ok(())
}

/// The target of a symbolic link from its path components (ECMA-167 4/14.16.1): type 1
/// (without identifier) and 2 the root "/", 3 "..", 4 ".", 5 a name (OSTA Compressed
/// Unicode); components joined with '/'. A type 1 component with an identifier (a
/// place agreed between originator and recipient) is skipped, as Linux does.
///
/// # Errors
/// A description of the malformed component (short header, length past the end,
/// unknown type, a name that is empty or holds '/' or NUL).
pub fn symlink_target(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut first = true;
    while pos < data.len() {
        if data.len() - pos < 4 {
            return Err(format!(
                "path component at byte {pos} is shorter than its 4-byte header"
            ));
        }
        let ty = data[pos];
        let len = usize::from(data[pos + 1]);
        let ident = data.get(pos + 4..pos + 4 + len).ok_or_else(|| {
            format!("path component at byte {pos} names {len} bytes past the end of the link")
        })?;
        pos += 4 + len;
        let part: Vec<u8> = match ty {
            1 if len > 0 => continue,
            1 | 2 => {
                // 4/14.16.1.1: the root (1 with no identifier: UDF 2.3.12.1) or the
                // root directory (2): start over at "/".
                out.clear();
                out.push(b'/');
                first = true;
                continue;
            }
            3 => b"..".to_vec(),
            4 => b".".to_vec(),
            5 => {
                let s = e::decode_cs0(ident).map_err(|e| e.to_string())?;
                if s.is_empty() || s.contains('/') || s.contains('\0') {
                    return Err(format!(
                        "path component at byte {} has the name {s:?}",
                        pos - 4 - len
                    ));
                }
                s.into_bytes()
            }
            t => {
                return Err(format!(
                    "path component at byte {} has the unknown type {t}",
                    pos - 4 - len
                ));
            }
        };
        if !first && out.last() != Some(&b'/') {
            out.push(b'/');
        }
        out.extend_from_slice(&part);
        first = false;
    }
    Ok(out)
}

/// Identifies a UDF volume at `session_start` cheaply: a recognition sequence and an
/// anchor; `None` when there is none.
pub(crate) fn revision_of(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
) -> Option<u16> {
    UdfVolume::open(src, session_start, &ReadOptions::default())
        .ok()
        .map(|v| v.revision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlink_components() {
        // ECMA-167 4/14.16.1: 1 root, 3 parent, 4 current, 5 name.
        let mut d = vec![1, 0, 0, 0];
        d.extend_from_slice(&[5, 4, 0, 0, 8, b'u', b's', b'r']);
        d.extend_from_slice(&[5, 4, 0, 0, 8, b'b', b'i', b'n']);
        assert_eq!(symlink_target(&d).unwrap(), b"/usr/bin");
        let mut d = vec![3, 0, 0, 0];
        d.extend_from_slice(&[4, 0, 0, 0]);
        d.extend_from_slice(&[5, 3, 0, 0, 8, b'a', b'b']);
        assert_eq!(symlink_target(&d).unwrap(), b".././ab");
        assert!(symlink_target(&[5, 9, 0, 0, 8]).is_err());
        assert!(symlink_target(&[9, 0, 0, 0]).is_err());
        assert!(symlink_target(&[5, 1, 0]).is_err());
    }
}
