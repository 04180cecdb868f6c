//! UDF (ECMA-167 3rd edition, OSTA UDF 1.02–2.60) written alone or as a bridge with ISO
//! 9660/Joliet/Rock Ridge, where both trees point at the same file data.
//!
//! The layout is a pure function ([`plan_structures`], [`finish`], [`plan_alone`]); the
//! bytes of each placed piece come from [`Layout::udf_bytes`]. Order of a session at
//! block S (all LBAs absolute):
//!
//! | blocks | content |
//! |---|---|
//! | S … S+15 | system area (zeros) |
//! | S+16 … | ECMA-119 volume descriptors (bridge only), then BEA01, NSR02/NSR03, TEA01 (ECMA-167 2/8.3, 3/9.1) |
//! | S+32 … S+47 | Main Volume Descriptor Sequence: PVD, IUVD ("*UDF LV Info"), PD, LVD, USD, TD (UDF 2.60 2.2) |
//! | S+48 … S+63 | Reserve Volume Descriptor Sequence (a copy) |
//! | S+64, S+65 | Logical Volume Integrity Sequence: LVID (close), TD |
//! | S+256 | Anchor Volume Descriptor Pointer (ECMA-167 3/8.4.2.1); a session starting at LBA 1–190 also has one at LBA 256 |
//! | S+257 … | the partition (starting lower, at the first block of data kept from an earlier session, when there is some): the file structure (FSD, TD, then per directory its FE, its FIDs and the FEs of its other children) — for 2.50/2.60 inside the metadata file (and its mirror) after their two FEs (UDF 2.60 2.2.10, 2.2.13) — then the ECMA-119/Joliet structures, then the file data |
//! | last | a second Anchor Volume Descriptor Pointer, just after the partition |
//!
//! Appended on overwritable media to a UDF volume alone with one type 1 partition
//! (below 2.50: no metadata partition), the new volume's partition starts where the
//! imported one's does ([`ImageOptions::udf_kept_partition`]), so the FIDs of its
//! directories name the File Entries of unchanged files where an earlier session
//! recorded them; only directories (each one's parent FID must name its new parent)
//! and the File Entries of new files are written.
//!
//! Revisions: 1.02 and 1.50 record ECMA-167 2nd edition structures (NSR02, descriptor
//! version 2, File Entries); 2.00 and later the 3rd edition (NSR03, version 3, Extended
//! File Entries); 2.50 and 2.60 add the metadata partition (a type 2 partition map after
//! the physical type 1 map; file data is addressed with long_ads in the physical
//! partition). The partition is read-only (access type 1, no space bitmap), as IMAPI2
//! records it. Partition-relative block numbers are kept apart from the absolute LBAs
//! so that a virtual partition (VAT, on write-once media) can replace the physical
//! addressing later.
//!
//! POSIX attributes: uid, gid and the rwx bits in the FE (ECMA-167 4/14.9.5, UDF 2.60
//! 3.3.3.4), set-uid/set-gid/sticky in the ICB tag flags, modification, access and
//! attribute (status change) times; device numbers as a Device Specification extended
//! attribute (4/14.10.7). Hard links share one FE (link count = names). Names are the
//! host names in OSTA Compressed Unicode; one that needs more than 255 bytes is cut and
//! ends in `~` and 8 hex digits of SHA-256 of the full name.

pub(crate) mod emit;
pub mod vat;

use std::collections::HashMap;

use discburn_format::ecma167::{self as e, FileIdentifierDescriptor, encode_cs0};
use sha2::{Digest, Sha256};

use crate::layout::{Layout, Region, RegionKind, View};
use crate::tree::{FileSource, NodeId, NodeKind, ROOT, Tree};
use crate::{ImageError, ImageOptions};

/// UDF revisions this crate writes (IMAPI2 UDFRevisionsSupported plus 2.60).
pub const UDF_REVISIONS: [u32; 6] = [0x102, 0x150, 0x200, 0x201, 0x250, 0x260];

/// Relative position of the UDF volume structures in a session (blocks from its start).
const MAIN_VDS: u32 = 32;
const RESERVE_VDS: u32 = 48;
const VDS_BLOCKS: u32 = 16;
const LVIS: u32 = 64;
const LVIS_BLOCKS: u32 = 2;
const ANCHOR: u32 = 256;
/// Allocation unit of the metadata file, blocks (UDF 2.60 2.2.10: Allocation Unit Size;
/// 32 blocks is the ECC block of BD and a multiple of DVD's 16).
const META_UNIT: u32 = 32;
/// Header sizes of FE and EFE (ECMA-167 4/14.9, 4/14.17).
const FE_HEADER: usize = 176;
const EFE_HEADER: usize = 216;

/// One piece of UDF in the session (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdfRegion {
    /// BEA01, NSR02 or NSR03, TEA01: 3 blocks.
    VolumeRecognitionSequence,
    /// Blocks of zeros.
    Padding {
        /// Number of blocks.
        blocks: u32,
    },
    /// A Volume Descriptor Sequence (16 blocks): the main one or its reserve copy.
    VolumeDescriptorSequence {
        /// The reserve copy.
        reserve: bool,
    },
    /// The Logical Volume Integrity Sequence: LVID and TD.
    IntegritySequence,
    /// An Anchor Volume Descriptor Pointer (one block): at S+256, or the second one at
    /// the end of the session.
    Anchor {
        /// The second one.
        end: bool,
        /// The one at absolute LBA 256 of a session that starts before it.
        absolute: bool,
    },
    /// The File Entry of the metadata file or of its mirror (UDF 2.60 2.2.13).
    MetadataFileEntry {
        /// The mirror's.
        mirror: bool,
    },
    /// The File Set Descriptor and its Terminating Descriptor (2 blocks).
    FileSetDescriptor,
    /// A directory's FE and its FIDs; `index` into the UDF directory list.
    Directory {
        /// Index of the directory.
        index: u32,
    },
    /// FEs of a directory's children that are not directories, 512 at a time
    /// (so that a region stays small whatever the directory's size).
    FileEntries {
        /// Index of the directory.
        index: u32,
        /// Which run of 512 children.
        chunk: u32,
    },
    /// The Virtual Allocation Table (UDF 2.60 2.2.11): its data blocks, if it is not
    /// embedded, then its File Entry (the VAT ICB) as the last block of the session.
    VirtualAllocationTable {
        /// Blocks, the VAT ICB included.
        blocks: u32,
    },
}

/// File Entries per [`UdfRegion::FileEntries`] region (1 MiB).
pub const FE_CHUNK: usize = 512;

#[derive(Debug, Clone)]
pub(crate) struct UdfDir {
    pub(crate) node: NodeId,
    pub(crate) stream_len: u64,
    /// Children that get their FE in this directory's region, in order.
    pub(crate) child_fes: Vec<NodeId>,
    /// File-structure block of the first block of its FIDs (`fe + 1` but in an
    /// appended virtual session).
    pub(crate) stream: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct MetaLayout {
    /// Partition-relative blocks of the metadata file FE and of the mirror's.
    pub(crate) file_fe: u32,
    pub(crate) mirror_fe: u32,
    /// Partition-relative first block of the metadata file's data and of the mirror's
    /// (the same when not duplicated).
    pub(crate) extent: u32,
    pub(crate) mirror_extent: u32,
    /// Blocks of the metadata file (a multiple of [`META_UNIT`]).
    pub(crate) blocks: u32,
    pub(crate) duplicate: bool,
}

/// The placed UDF structures of a session.
#[derive(Debug, Clone)]
pub(crate) struct UdfLayout {
    pub(crate) revision: u16,
    pub(crate) session_start: u32,
    /// Absolute LBA of the partition's first block.
    pub(crate) partition_start: u32,
    /// Blocks in the partition.
    pub(crate) partition_length: u32,
    pub(crate) end_anchor: u32,
    pub(crate) meta: Option<MetaLayout>,
    pub(crate) dirs: Vec<UdfDir>,
    /// Per node: block of its FE in the file structure (the metadata partition for
    /// 2.50+, else the physical partition); `u32::MAX` when not in the tree.
    pub(crate) icb: Vec<u32>,
    /// Per node: Unique ID (UDF 2.60 3.2.1.1: 0 for the root, from 16 for others).
    pub(crate) unique_id: Vec<u32>,
    /// Per node: names (FIDs) that refer to its FE.
    pub(crate) links: Vec<u16>,
    /// Per node: its name in OSTA Compressed Unicode.
    pub(crate) names: Vec<Box<[u8]>>,
    /// Per node: index of a directory in `dirs`.
    pub(crate) dir_of: Vec<u32>,
    pub(crate) files: u32,
    pub(crate) directories: u32,
    pub(crate) next_unique_id: u64,
    /// File-structure blocks (FSD, TD, directories).
    pub(crate) fs_blocks: u32,
    /// Logical block of the FSD in its partition (file-structure blocks are numbered
    /// from it): above 0 when the physical partition starts before the session's file
    /// structure, at data kept from an earlier session.
    pub(crate) fs_base: u32,
    /// Absolute extents (LBA, blocks) of the Main and Reserve Volume Descriptor
    /// Sequences the anchors name.
    pub(crate) main_vds: u32,
    pub(crate) reserve_vds: u32,
    /// A virtual partition (VAT, UDF 2.60 2.2.8, 2.2.11) over the physical one.
    pub(crate) virtual_: Option<Box<vat::VirtualLayout>>,
}

impl UdfLayout {
    /// Descriptor Version (ECMA-167 3/7.2.2): 2 below UDF 2.00, 3 from it.
    pub(crate) fn descriptor_version(&self) -> u16 {
        if self.revision >= 0x200 { 3 } else { 2 }
    }

    /// Extended File Entries from UDF 2.00 (UDF 2.60 2.3.6 allows both; they carry the
    /// creation time).
    pub(crate) fn extended(&self) -> bool {
        self.revision >= 0x200
    }

    /// Partition reference number of the file structure: the metadata map (1) for
    /// 2.50+, else the physical map (0).
    pub(crate) fn fs_partition(&self) -> u16 {
        u16::from(self.meta.is_some() || self.virtual_.is_some())
    }

    /// File data is addressed with long_ads in the physical partition (reference 0)
    /// when the file structure lies in a metadata or virtual partition.
    pub(crate) fn data_long_ad(&self) -> bool {
        self.fs_partition() != 0
    }
}

/// Bytes of a FID naming `name_len` bytes.
fn fid_len(name_len: usize) -> u64 {
    FileIdentifierDescriptor::encoded_len(0, name_len) as u64
}

/// A host name as a UDF File Identifier (OSTA Compressed Unicode, at most 255 bytes).
fn udf_name(host: &[u8]) -> Box<[u8]> {
    let s = String::from_utf8_lossy(host);
    let c = encode_cs0(&s);
    if c.len() <= 255 {
        return c.into();
    }
    let h = Sha256::digest(host);
    let suffix = format!("~{:02x}{:02x}{:02x}{:02x}", h[0], h[1], h[2], h[3]);
    let mut t: String = s.into_owned();
    loop {
        t.pop();
        let cand = encode_cs0(&format!("{t}{suffix}"));
        if cand.len() <= 255 {
            return cand.into();
        }
    }
}

/// Number of allocation descriptors for `size` bytes of contiguous data.
fn extents_for(size: u64) -> u64 {
    size.div_ceil(u64::from(e::MAX_EXTENT_LENGTH))
}

/// Sizes the file structure and places the UDF volume structures after the ECMA-119
/// volume descriptors (at `*next`, which must be at most session start + 29): the
/// recognition sequence, the two VDS, the integrity sequence, the anchor at S+256 and
/// the file structure from S+257. Regions are appended to `regions`.
///
/// # Errors
/// [`ImageError::InvalidFileSystems`] for an unsupported revision or when the ECMA-119
/// volume descriptors leave no room; [`ImageError::UdfNotRepresentable`] for an item UDF
/// cannot hold (a symbolic link target longer than its File Entry).
pub(crate) fn plan_structures(
    tree: &Tree,
    options: &ImageOptions,
    session_start: u32,
    next: &mut u64,
    regions: &mut Vec<Region>,
) -> Result<UdfLayout, ImageError> {
    let revision = options.udf_revision;
    if !UDF_REVISIONS.contains(&revision) {
        return Err(ImageError::InvalidUdfRevision { revision });
    }
    let virtual_ = options.udf_vat.is_some();
    // UDF 1.02 has no virtual partition (UDF 1.50 2.2.8 introduced it).
    let revision = if virtual_ {
        revision.max(0x150)
    } else {
        revision
    } as u16;
    let s = u64::from(session_start);
    let mut push = |next: &mut u64, blocks: u64, r: UdfRegion| {
        if blocks > 0 {
            regions.push(Region {
                lba: (*next).min(u64::from(u32::MAX)) as u32,
                blocks,
                kind: RegionKind::Udf(r),
            });
            *next += blocks;
        }
    };
    if *next + 3 > s + u64::from(MAIN_VDS) {
        return Err(ImageError::InvalidFileSystems {
            reason: "the ECMA-119 volume descriptors leave no room for the UDF recognition sequence",
        });
    }
    push(next, 3, UdfRegion::VolumeRecognitionSequence);
    let pad = s + u64::from(MAIN_VDS) - *next;
    push(next, pad, UdfRegion::Padding { blocks: pad as u32 });
    push(
        next,
        u64::from(VDS_BLOCKS),
        UdfRegion::VolumeDescriptorSequence { reserve: false },
    );
    push(
        next,
        u64::from(VDS_BLOCKS),
        UdfRegion::VolumeDescriptorSequence { reserve: true },
    );
    push(next, u64::from(LVIS_BLOCKS), UdfRegion::IntegritySequence);
    if (*next..s + u64::from(ANCHOR)).contains(&u64::from(ANCHOR)) {
        // A session starting at LBA 1–190 (the first one on random-write media starts
        // at 32) also gets an anchor at absolute LBA 256, where readers that take the
        // volume from LBA 0 look (ECMA-167 3/8.4.2.1).
        let pad = u64::from(ANCHOR) - *next;
        push(next, pad, UdfRegion::Padding { blocks: pad as u32 });
        push(
            next,
            1,
            UdfRegion::Anchor {
                end: false,
                absolute: true,
            },
        );
    }
    let pad = s + u64::from(ANCHOR) - *next;
    push(next, pad, UdfRegion::Padding { blocks: pad as u32 });
    push(
        next,
        1,
        UdfRegion::Anchor {
            end: false,
            absolute: false,
        },
    );
    // The file structure starts here; the partition starts here too, or lower, at the
    // first block of data kept from an earlier session, which the new File Entries
    // then reach (a read-only partition may hold anything, ECMA-167 3/8.7).
    let physical = *next;
    // Overwritable media, a volume appended to a UDF volume alone below 2.50: its
    // partition start is kept when all kept data lies in it, and with it the File
    // Entries of unchanged files.
    let kept_partition = options.udf_kept_partition.map(u64::from).filter(|&p| {
        !virtual_
            && revision < 0x250
            && p <= physical
            && lowest_kept_lba(tree).is_none_or(|l| u64::from(l) >= p)
    });
    let partition_start = if virtual_ {
        physical
    } else if let Some(p) = kept_partition {
        p
    } else {
        lowest_kept_lba(tree).map_or(physical, |l| u64::from(l).min(physical))
    };
    let delta = (physical - partition_start) as u32;
    let base = if revision >= 0x250 && !virtual_ {
        0
    } else {
        delta
    };

    // The file structure, in file-structure blocks.
    let n = tree.nodes.len();
    let mut udf = UdfLayout {
        revision,
        session_start,
        partition_start: partition_start as u32,
        partition_length: 0,
        end_anchor: 0,
        meta: None,
        dirs: Vec::new(),
        icb: vec![u32::MAX; n],
        unique_id: vec![0; n],
        links: vec![0; n],
        names: vec![Box::from(&[][..]); n],
        dir_of: vec![u32::MAX; n],
        files: 0,
        directories: 0,
        next_unique_id: 16,
        fs_blocks: 0,
        fs_base: 0,
        main_vds: session_start + MAIN_VDS,
        reserve_vds: session_start + RESERVE_VDS,
        virtual_: None,
    };
    let ad_in_fe = if udf.extended() {
        EFE_HEADER
    } else {
        FE_HEADER
    };
    let mut blk = base + 2; // FSD, TD
    let mut link_fe: HashMap<(u64, u64), NodeId> = HashMap::new();
    // A kept File Entry: block and Unique ID as recorded.
    let kept_fe = |id: NodeId| {
        kept_partition?;
        let r = tree.node(id).fixed.as_deref()?.recorded.udf?;
        (r.icb < base).then_some(r)
    };
    let mut kept_seen = std::collections::HashSet::new();
    // New Unique IDs follow the kept ones (UDF 2.60 3.2.1.1: unique in the volume).
    let mut next_uid = tree
        .walk()
        .filter_map(|id| kept_fe(id).map(|r| r.unique_id))
        .max()
        .map_or(16u32, |u| u32::try_from(u + 1).unwrap_or(u32::MAX).max(16));
    for id in tree.walk() {
        let node = tree.node(id);
        let Some(children) = node.children() else {
            continue;
        };
        udf.directories += 1;
        udf.icb[id as usize] = blk;
        if id == ROOT {
            udf.unique_id[id as usize] = 0;
            udf.links[id as usize] += 1; // its own parent entry
        }
        let mut stream_len = fid_len(0);
        let mut child_fes = Vec::new();
        for &c in children.values() {
            let cn = tree.node(c);
            let name = udf_name(&cn.name);
            stream_len += fid_len(name.len());
            udf.names[c as usize] = name;
            if cn.is_dir() {
                udf.links[c as usize] += 1;
                udf.links[id as usize] += 1; // the child's parent entry
                udf.unique_id[c as usize] = next_uid;
                next_uid += 1;
                continue;
            }
            if let Some(r) = kept_fe(c) {
                // Unchanged: its File Entry stays where it is (hard links included:
                // the names share the recorded block).
                if kept_seen.insert(r.icb) {
                    udf.files += 1;
                }
                udf.icb[c as usize] = r.icb;
                udf.unique_id[c as usize] = r.unique_id as u32;
                continue;
            }
            if let (Some(k), NodeKind::File { .. }) = (cn.meta.link_key, &cn.kind) {
                if let Some(&first) = link_fe.get(&k) {
                    udf.icb[c as usize] = u32::MAX - 1; // resolved below
                    udf.unique_id[c as usize] = first;
                    continue;
                }
                link_fe.insert(k, c);
            }
            udf.unique_id[c as usize] = next_uid;
            next_uid += 1;
            udf.files += 1;
            child_fes.push(c);
            if let NodeKind::Symlink(t) = &cn.kind {
                let len = emit::symlink_components(t).len();
                if ad_in_fe + len > discburn_format::SECTOR_SIZE {
                    return Err(ImageError::UdfNotRepresentable {
                        path: tree.path_of(c),
                        reason: format!(
                            "the symbolic link target needs {len} bytes of path components; a File Entry holds {}",
                            discburn_format::SECTOR_SIZE - ad_in_fe
                        ),
                    });
                }
            }
        }
        let stream_blocks = stream_len.div_ceil(2048) as u32;
        blk += 1 + stream_blocks;
        for &c in &child_fes {
            udf.icb[c as usize] = blk;
            blk += 1;
        }
        udf.dir_of[id as usize] = udf.dirs.len() as u32;
        udf.dirs.push(UdfDir {
            node: id,
            stream_len,
            child_fes,
            stream: udf.icb[id as usize] + 1,
        });
    }
    // Hard links: later names share the first one's FE and Unique ID.
    for id in 0..n {
        if udf.icb[id] == u32::MAX - 1 {
            let first = udf.unique_id[id] as usize;
            udf.icb[id] = udf.icb[first];
            udf.unique_id[id] = udf.unique_id[first];
        }
    }
    // Link counts of files: the number of names sharing the FE.
    let mut by_fe: HashMap<u32, u16> = HashMap::new();
    for id in tree.walk() {
        if id != ROOT && !tree.node(id).is_dir() {
            *by_fe.entry(udf.icb[id as usize]).or_default() += 1;
        }
    }
    for id in tree.walk() {
        if id != ROOT && !tree.node(id).is_dir() {
            udf.links[id as usize] = by_fe[&udf.icb[id as usize]];
        }
    }
    udf.next_unique_id = u64::from(next_uid);
    udf.fs_blocks = blk - base;
    udf.fs_base = base;

    if revision >= 0x250 && !virtual_ {
        let blocks = blk.next_multiple_of(META_UNIT);
        let p = partition_start;
        let (file_fe, mirror_fe) = (delta, delta + 1);
        push(next, 1, UdfRegion::MetadataFileEntry { mirror: false });
        push(next, 1, UdfRegion::MetadataFileEntry { mirror: true });
        let rel = (*next - p).next_multiple_of(u64::from(META_UNIT));
        let pad = p + rel - *next;
        push(next, pad, UdfRegion::Padding { blocks: pad as u32 });
        let extent = (*next - p) as u32;
        push_file_structure(&udf, next, &mut push, u64::from(blocks));
        let mirror_extent = if options.udf_redundant_metadata {
            let m = (*next - p) as u32;
            push_file_structure(&udf, next, &mut push, u64::from(blocks));
            m
        } else {
            extent
        };
        udf.meta = Some(MetaLayout {
            file_fe,
            mirror_fe,
            extent,
            mirror_extent,
            blocks,
            duplicate: options.udf_redundant_metadata,
        });
    } else {
        push_file_structure(&udf, next, &mut push, u64::from(blk - base));
    }
    Ok(udf)
}

fn push_file_structure(
    udf: &UdfLayout,
    next: &mut u64,
    push: &mut impl FnMut(&mut u64, u64, UdfRegion),
    total: u64,
) {
    let start = *next;
    push(next, 2, UdfRegion::FileSetDescriptor);
    for (i, d) in udf.dirs.iter().enumerate() {
        let b = 1 + d.stream_len.div_ceil(2048);
        push(next, b, UdfRegion::Directory { index: i as u32 });
        for (k, c) in d.child_fes.chunks(FE_CHUNK).enumerate() {
            push(
                next,
                c.len() as u64,
                UdfRegion::FileEntries {
                    index: i as u32,
                    chunk: k as u32,
                },
            );
        }
    }
    let pad = start + total - *next;
    push(next, pad, UdfRegion::Padding { blocks: pad as u32 });
}

/// Closes the UDF layout once the file data is placed: checks that every file's data
/// lies in the partition, places the second anchor at `*next` (the session's last
/// block) and sets the partition length.
///
/// # Errors
/// [`ImageError::UdfNotRepresentable`] for data recorded before the partition (which
/// [`plan_structures`] starts at the lowest kept data) or a file needing more
/// allocation descriptors than one File Entry holds, [`ImageError::ImageTooLarge`].
pub(crate) fn finish(
    udf: &mut UdfLayout,
    tree: &Tree,
    file_lba: &[u32],
    next: &mut u64,
    regions: &mut Vec<Region>,
) -> Result<(), ImageError> {
    let p = udf.partition_start;
    for id in tree.walk() {
        let node = tree.node(id);
        if let NodeKind::File { source, size } = &node.kind {
            let first = match source {
                FileSource::Extent { lba, .. } => Some(*lba),
                FileSource::Extents(list) => list.iter().map(|x| x.lba).min(),
                _ if *size > 0 => Some(file_lba[id as usize]),
                _ => None,
            };
            if first.is_some_and(|l| l < p) {
                return Err(ImageError::UdfNotRepresentable {
                    path: tree.path_of(id),
                    reason: format!(
                        "its data lies at LBA {} before the UDF partition (LBA {p}): UDF cannot refer to an earlier session's data yet",
                        first.unwrap_or(0)
                    ),
                });
            }
            if let FileSource::Extents(list) = source {
                let ads = list.len() as u64
                    + list
                        .iter()
                        .map(|x| extents_for(u64::from(x.length)).saturating_sub(1))
                        .sum::<u64>();
                check_ads(udf, tree, id, ads)?;
            } else {
                check_ads(udf, tree, id, extents_for(*size))?;
            }
        }
    }
    udf.end_anchor = (*next).min(u64::from(u32::MAX)) as u32;
    udf.partition_length = udf.end_anchor - p;
    regions.push(Region {
        lba: udf.end_anchor,
        blocks: 1,
        kind: RegionKind::Udf(UdfRegion::Anchor {
            end: true,
            absolute: false,
        }),
    });
    *next += 1;
    if *next > u64::from(u32::MAX) {
        return Err(ImageError::ImageTooLarge { blocks: *next });
    }
    Ok(())
}

fn check_ads(udf: &UdfLayout, tree: &Tree, id: NodeId, ads: u64) -> Result<(), ImageError> {
    let head = if udf.extended() {
        EFE_HEADER
    } else {
        FE_HEADER
    } as u64;
    let each = if udf.meta.is_some() { 16 } else { 8 };
    let room = (discburn_format::SECTOR_SIZE as u64 - head) / each;
    if ads > room {
        return Err(ImageError::UdfNotRepresentable {
            path: tree.path_of(id),
            reason: format!(
                "its data needs {ads} allocation descriptors; one File Entry holds {room} (about {} GiB of contiguous data)",
                room
            ),
        });
    }
    Ok(())
}

/// The layout of a UDF-only session: system area, UDF volume structures, the file
/// structure, the file data in depth-first order (hard links share their data), the
/// second anchor. MD5 recording (libisofs tags are ECMA-119 structures) is not done.
///
/// # Errors
/// As [`plan_structures`] and [`finish`].
pub(crate) fn plan_alone(
    tree: &Tree,
    options: &ImageOptions,
    session_start_block: u32,
) -> Result<Layout, ImageError> {
    let start = u64::from(session_start_block);
    let mut regions = vec![Region {
        lba: session_start_block,
        blocks: 16,
        kind: RegionKind::SystemArea,
    }];
    let mut next = start + 16;
    let mut udf = plan_structures(tree, options, session_start_block, &mut next, &mut regions)?;
    let n = tree.nodes.len();
    let data_start = next;
    let (file_lba, data) = place_data(tree, &mut next, &mut regions);
    if next > u64::from(u32::MAX) {
        return Err(ImageError::ImageTooLarge { blocks: next });
    }
    finish(&mut udf, tree, &file_lba, &mut next, &mut regions)?;
    Ok(Layout {
        session_start_block,
        total_blocks: next - start,
        regions,
        options: options.clone(),
        rock_ridge: false,
        iso: View::default(),
        joliet: None,
        data,
        file_lba,
        serial: vec![0; n],
        links: vec![1; n],
        data_start: data_start as u32,
        relocation_serial: 0,
        md5: None,
        udf: Some(Box::new(udf)),
        // El Torito needs ECMA-119 descriptors: a UDF-only image is not bootable.
        boot: None,
    })
}

/// The lowest LBA of data kept from an earlier session, if any.
fn lowest_kept_lba(tree: &Tree) -> Option<u32> {
    tree.walk()
        .filter_map(|id| match &tree.node(id).kind {
            NodeKind::File {
                source: FileSource::Extent { lba, length },
                ..
            } if *length > 0 => Some(*lba),
            NodeKind::File {
                source: FileSource::Extents(list),
                ..
            } => list.iter().filter(|x| x.length > 0).map(|x| x.lba).min(),
            _ => None,
        })
        .min()
}

/// Places the data of the files written in this session from `*next`, depth-first
/// (hard links share their data); files already recorded keep their LBAs. Returns
/// per node the first LBA of its data and the data extents to write.
pub(crate) fn place_data(
    tree: &Tree,
    next: &mut u64,
    regions: &mut Vec<Region>,
) -> (Vec<u32>, Vec<crate::layout::DataExtent>) {
    let n = tree.nodes.len();
    let data_start = *next;
    let mut file_lba = vec![0u32; n];
    let mut data = Vec::new();
    let mut seen: HashMap<(u64, u64), u32> = HashMap::new();
    for id in tree.walk() {
        let node = tree.node(id);
        let lba = match &node.kind {
            NodeKind::File {
                source: FileSource::Extent { lba, .. },
                ..
            } => u64::from(*lba),
            NodeKind::File {
                source: FileSource::Extents(list),
                ..
            } => list.first().map_or(data_start, |x| u64::from(x.lba)),
            NodeKind::File { size, .. } if *size > 0 => {
                if let Some(l) = node.meta.link_key.and_then(|k| seen.get(&k)) {
                    u64::from(*l)
                } else {
                    let lba = *next;
                    let idx = data.len() as u32;
                    let blocks = size.div_ceil(2048);
                    regions.push(Region {
                        lba: lba.min(u64::from(u32::MAX)) as u32,
                        blocks,
                        kind: RegionKind::FileData { index: idx },
                    });
                    *next += blocks;
                    data.push(crate::layout::DataExtent {
                        node: id,
                        lba: lba.min(u64::from(u32::MAX)) as u32,
                        size: *size,
                    });
                    if let Some(k) = node.meta.link_key {
                        seen.insert(k, lba.min(u64::from(u32::MAX)) as u32);
                    }
                    lba
                }
            }
            _ => data_start,
        };
        file_lba[id as usize] = lba.min(u64::from(u32::MAX)) as u32;
    }
    (file_lba, data)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use discburn_format::ecma167::{self as e, decode_descriptor};

    use super::*;
    use crate::{FileSystemImage, FileSystems, Timestamp};

    fn image(fs: FileSystems, revision: u32) -> FileSystemImage {
        let mut img = FileSystemImage::new();
        img.set_file_systems_to_create(fs);
        img.set_udf_revision(revision).unwrap();
        img.set_timestamp(Timestamp {
            unix_seconds: 1_700_000_000,
            utc_offset_minutes: 0,
        });
        img.add_bytes("/a.txt", b"hello".to_vec()).unwrap();
        img.add_directory("/d").unwrap();
        img.add_bytes("/d/b.bin", vec![7; 5000]).unwrap();
        img.add_directory("/empty").unwrap();
        img.add_symlink("/d/link", "../a.txt").unwrap();
        img
    }

    fn bytes(img: &FileSystemImage) -> Vec<u8> {
        let mut v = Vec::new();
        img.create_result_image()
            .unwrap()
            .read_to_end(&mut v)
            .unwrap();
        v
    }

    fn sector(v: &[u8], lba: u32) -> &[u8] {
        &v[lba as usize * 2048..(lba as usize + 1) * 2048]
    }

    #[test]
    fn layout_places_anchors_partition_and_data() {
        for (fs, rev) in [
            (FileSystems::UDF, 0x102),
            (FileSystems::UDF, 0x250),
            (
                FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
                0x201,
            ),
        ] {
            let img = image(fs, rev);
            let l = img.plan().unwrap();
            let mut next = 0u64;
            for r in &l.regions {
                assert_eq!(u64::from(r.lba), next, "regions contiguous: {r:?}");
                next += r.blocks;
            }
            assert_eq!(next, l.total_blocks);
            let u = l.udf.as_deref().unwrap();
            assert_eq!(u.partition_start, 257);
            assert_eq!(u.end_anchor as u64, l.total_blocks - 1);
            assert_eq!(u.partition_length, u.end_anchor - 257);
            assert!(l.data_extents().iter().all(|d| d.lba >= 257));
            assert_eq!(u.meta.is_some(), rev >= 0x250);
        }
    }

    #[test]
    fn descriptors_carry_valid_tags_and_the_revision() {
        for rev in UDF_REVISIONS {
            let img = image(FileSystems::UDF, rev);
            let v = bytes(&img);
            let end = (v.len() / 2048 - 1) as u32;
            for lba in [256, end] {
                let (_, a) = decode_descriptor::<e::AnchorVolumeDescriptorPointer>(
                    sector(&v, lba),
                    Some(lba),
                )
                .unwrap();
                assert_eq!(a.main_volume_descriptor_sequence_extent.extent_location, 32);
            }
            let nsr = if rev >= 0x200 {
                e::vsd_id::NSR03
            } else {
                e::vsd_id::NSR02
            };
            assert_eq!(e::volume_structure_identifier(sector(&v, 17)), Some(nsr));
            let (t, lvd) =
                decode_descriptor::<e::LogicalVolumeDescriptor>(sector(&v, 35), Some(35)).unwrap();
            assert_eq!(t.descriptor_version, if rev >= 0x200 { 3 } else { 2 });
            assert_eq!(
                e::DomainIdentifierSuffix::from_bytes(lvd.domain_identifier.identifier_suffix)
                    .udf_revision as u32,
                rev
            );
            assert_eq!(lvd.partition_maps.len(), if rev >= 0x250 { 2 } else { 1 });
            // The reserve sequence is the same descriptors at their own locations.
            decode_descriptor::<e::LogicalVolumeDescriptor>(sector(&v, 51), Some(51)).unwrap();
            let (_, lvid) =
                decode_descriptor::<e::LogicalVolumeIntegrityDescriptor>(sector(&v, 64), Some(64))
                    .unwrap();
            let iu = e::LvidImplementationUse::decode(&lvid.implementation_use).unwrap();
            assert_eq!(
                (iu.number_of_files, iu.number_of_directories),
                (3, 3),
                "a.txt, b.bin, link; root, d, empty"
            );
            assert_eq!(iu.maximum_udf_write_revision as u32, rev);
        }
    }

    #[test]
    fn o17_redundant_metadata_is_a_feature_of_2_50_and_later() {
        let mut img = FileSystemImage::new();
        img.set_udf_revision(0x201).unwrap();
        assert!(!img.set_create_redundant_udf_metadata_files(true));
        img.set_udf_revision(0x250).unwrap();
        assert!(img.set_create_redundant_udf_metadata_files(true));
        assert!(img.create_redundant_udf_metadata_files());
    }

    #[test]
    fn o09_revisions_outside_the_list_are_refused() {
        let mut img = FileSystemImage::new();
        assert!(matches!(
            img.set_udf_revision(0x300),
            Err(ImageError::InvalidUdfRevision { revision: 0x300 })
        ));
        img.set_udf_revision(0x260).unwrap();
        assert_eq!(img.udf_revision(), 0x260);
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let n = udf_name("n".repeat(255).as_bytes());
        assert_eq!(n.len(), 255);
        assert_eq!(n[0], 8);
        assert_eq!(&n[n.len() - 9..n.len() - 8], b"~");
        assert_eq!(udf_name("日".repeat(85).as_bytes()).len(), 171);
    }
}
