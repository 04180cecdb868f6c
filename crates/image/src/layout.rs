//! The layout: a pure function of (tree, options, session start block) that places
//! every structure at an absolute LBA, and the encoders that turn a placed structure
//! into bytes. No I/O, no clock, no environment.
//!
//! Order of a session starting at block S (all LBAs absolute):
//!
//! | blocks | content |
//! |---|---|
//! | S … S+15 | system area (zeros), ECMA-119 6.2.1 |
//! | S+16 … | Primary VD, Supplementary VD (Joliet), Terminator (8.4, 8.5, 8.3) |
//! | | path tables: ISO type L, type M, Joliet type L, type M (9.4) |
//! | | ECMA-119 directories in path-table order (the relocation directory `rr_moved` and its subtree last; a chain relocated twice right after the root and `rr_moved`, depth-first), each followed by its SUSP continuation areas (CE) |
//! | | Joliet directories in path-table order |
//! | | file data, in depth-first order of the tree (names in byte order) |
//!
//! Continuation areas sit after the directory that refers to them and before all file
//! data, as libarchive requires (peers.md, Addendum). Empty files, symbolic links and
//! special files point at the first block of the file data area with length 0.

use std::collections::{BTreeMap, HashMap};

use discburn_format::SECTOR_SIZE;
use discburn_format::iso9660::{
    self as ecma, BothU16, BothU32, DecDateTime, DirectoryDateTime, DirectoryRecord, FileFlags,
    MAX_EXTENT_LENGTH, PathTableRecord, PathTableType, PrimaryVolumeDescriptor,
    SupplementaryVolumeDescriptor, VolumeDescriptorSetTerminator,
};
pub use discburn_format::md5sum::TagKind;
use discburn_format::md5sum::{self, ChecksumArea};
use discburn_format::rrip::{
    self, ChildLink, DeviceNumber, ParentLink, PosixFileAttributes, TimeStamps,
};
use discburn_format::susp::{
    self, ContinuationArea, ExtensionsReference, SharingProtocolIndicator,
};
use zerocopy::byteorder::U32;
use zerocopy::{FromZeros, IntoBytes};

use crate::names::{self, NameInput};
use crate::tree::{FileSource, NodeId, NodeKind, ROOT, Tree};
use crate::{FileSystems, ImageError, IsoLevel, Timestamp};

const BS: u64 = SECTOR_SIZE as u64;
/// ECMA-119 6.8.2.1: at most eight levels of directories (the root is level 1).
const MAX_LEVELS: u32 = 8;
/// Name of the Rock Ridge relocation directory in the root (as genisoimage/xorriso).
pub const RELOCATION_DIRECTORY: &str = "rr_moved";

/// How the Volume Space Size of the volume descriptors is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolumeSpaceSize {
    /// The number of blocks of this session (what `genisoimage -C` and `xorriso -as
    /// mkisofs -C` write, and what xorriso's session-chain emulation expects).
    ///
    /// Linux (isofs `rock_continue()`, since a 2026 stable fix) refuses a SUSP
    /// continuation area (CE) at an LBA at or past the Volume
    /// Space Size of the descriptors it mounted, as if the size counted from LBA 0; so
    /// `mount -o sbsector=START` of an earlier random-write session drops the entries
    /// whose Rock Ridge fields continue in a CE area (xorriso's sessions do the same).
    /// No single value serves both: the chain finds the next session at START + size
    /// rounded up to 32 blocks, while Linux needs a size above every CE area's LBA,
    /// which is at least START + 16; both hold only for a session longer than its own
    /// start LBA. The newest session is read through the head at LBA 0, whose size is
    /// absolute; an earlier one reads right in Linux through a copy of its descriptors
    /// at LBA 16 with an absolute size (as xorriso `-check_media patch_lba0=` makes).
    #[default]
    SessionLocal,
    /// Session start block + session blocks: the volume seen from LBA 0.
    Absolute,
}

/// Options that shape the image (IFileSystemImage properties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOptions {
    /// File systems to create (IFileSystemImage::FileSystemsToCreate).
    pub file_systems: FileSystems,
    /// ISO 9660 interchange level (ISO9660InterchangeLevel).
    pub iso_level: IsoLevel,
    /// StrictFileSystemCompliance.
    pub strict: bool,
    /// Volume dates, and times of items without their own.
    pub timestamp: Timestamp,
    /// Volume name as given (mapped per file system).
    pub volume_name: String,
    /// Volume Space Size policy.
    pub volume_space_size: VolumeSpaceSize,
    /// Item times later than this (seconds since the Unix epoch) are recorded as this:
    /// the clamping of SOURCE_DATE_EPOCH (reproducible-builds.org specification), so
    /// files made or changed after it (their status-change time cannot be set) give the
    /// same bytes. `None`: times as found.
    pub clamp_times: Option<i64>,
    /// Record libisofs MD5 checksums (libisofs doc/checksums.txt): superblock, tree
    /// and session tags, the checksum array after the file data, `isofs.ca` on the
    /// root and `isofs.cx` on each file written in this session (AAIP 2.0 AL entries,
    /// with Rock Ridge only). What `xorriso -md5 on` writes.
    pub record_md5: bool,
    /// UDF revision when [`FileSystems::UDF`] is selected (IFileSystemImage::UDFRevision:
    /// 0x102, 0x150, 0x200, 0x201, 0x250, 0x260).
    pub udf_revision: u32,
    /// A separate copy of the UDF metadata file as its mirror (UDF ≥ 2.50;
    /// IFileSystemImage::CreateRedundantUdfMetadataFiles).
    pub udf_redundant_metadata: bool,
    /// El Torito boot (see [`crate::boot`]): a Boot Record Volume Descriptor after the
    /// Primary Volume Descriptor naming a new or a kept catalog. `None`: not bootable.
    pub el_torito: Option<crate::boot::ElToritoPlan>,
    /// Keep the extents of unchanged imported directories, all of them or those a
    /// forward reader reaches ([`crate::reuse`]); `None`: write every directory.
    pub reuse_directories: Option<crate::reuse::Kept>,
    /// A UDF-only session on write-once media: a virtual partition and its Virtual
    /// Allocation Table (UDF 2.60 2.2.8, 2.2.11, 6.13), the first one or one appended
    /// to the imported volume ([`crate::VatInput`]). Set by
    /// [`crate::FileSystemImage::options`]; `None` for a type 1 partition.
    pub udf_vat: Option<std::sync::Arc<crate::udf::vat::VatInput>>,
    /// A UDF-only session on overwritable media appended to an imported UDF volume
    /// alone with one type 1 partition, below UDF 2.50 (no metadata partition): that
    /// partition's start (absolute LBA). The new volume's partition starts there too,
    /// so the File Entries of unchanged files are kept where they are (the new FIDs
    /// name them); directories and the File Entries of new files are written. Set by
    /// [`crate::FileSystemImage::options`]; `None`: every File Entry is written.
    pub udf_kept_partition: Option<u32>,
    /// With Rock Ridge: relocate directories deeper than ECMA-119's eight levels into
    /// `rr_moved` (RRIP 4.1.5, ECMA-119 6.8.2.1); `false`: record them in place, as
    /// xorriso does. Always on in strict mode.
    pub relocate_deep_directories: bool,
}

/// Which directory hierarchy a structure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hierarchy {
    /// The ECMA-119 hierarchy of the Primary Volume Descriptor (with Rock Ridge).
    Iso9660,
    /// The Joliet hierarchy of the Supplementary Volume Descriptor.
    Joliet,
}

/// What a region of the session holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// System area, 16 blocks of zeros (ECMA-119 6.2.1).
    SystemArea,
    /// Primary Volume Descriptor (ECMA-119 8.4).
    PrimaryVolumeDescriptor,
    /// El Torito Boot Record Volume Descriptor (El Torito 2.0, ECMA-119 8.2), right
    /// after the primary one.
    BootRecord,
    /// Joliet Supplementary Volume Descriptor (ECMA-119 8.5).
    SupplementaryVolumeDescriptor,
    /// Volume Descriptor Set Terminator (ECMA-119 8.3).
    VolumeDescriptorSetTerminator,
    /// A path table (ECMA-119 9.4).
    PathTable {
        /// Hierarchy.
        hierarchy: Hierarchy,
        /// Byte order.
        table_type: PathTableType,
    },
    /// A directory extent; `index` is its path-table number − 1.
    Directory {
        /// Hierarchy.
        hierarchy: Hierarchy,
        /// Path-table index (0 = root).
        index: u32,
    },
    /// The SUSP continuation areas of the ECMA-119 directory `index`.
    ContinuationArea {
        /// Path-table index of the directory whose records refer to these areas.
        index: u32,
    },
    /// A libisofs checksum tag (libisofs doc/checksums.txt, "The Checksum Tags").
    ChecksumTag {
        /// Which tag.
        kind: TagKind,
    },
    /// The libisofs checksum array (doc/checksums.txt, "The Checksum Array"): 16-byte
    /// MD5s, entry 0 the session up to the array, then one per file, then the MD5 of
    /// the entries before it.
    ChecksumArray,
    /// A piece of UDF (ECMA-167 / OSTA UDF), see [`crate::UdfRegion`].
    Udf(crate::udf::UdfRegion),
    /// The data of one file; `index` into the layout's data extents.
    FileData {
        /// Index into [`Layout::data_extents`].
        index: u32,
    },
}

/// A run of blocks with one content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// First block, an absolute LBA.
    pub lba: u32,
    /// Number of blocks.
    pub blocks: u64,
    /// Content.
    pub kind: RegionKind,
}

/// One file's data written in this session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataExtent {
    /// Image path of the (first) item using this data.
    pub(crate) node: NodeId,
    /// First block, absolute.
    pub lba: u32,
    /// Length in bytes.
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DirSource {
    Node(NodeId),
    /// The Rock Ridge relocation directory "rr_moved".
    Relocation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A directory of this hierarchy (index).
    Dir(u32),
    /// A file, link or special file.
    File(NodeId),
    /// ECMA-119 only: stands for the relocated directory `NodeId` (RRIP CL).
    Placeholder(NodeId),
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) ident: Box<[u8]>,
    pub(crate) target: Target,
}

#[derive(Debug, Clone)]
pub(crate) struct Dir {
    pub(crate) src: DirSource,
    pub(crate) parent: u32,
    pub(crate) ident: Box<[u8]>,
    pub(crate) lba: u32,
    pub(crate) blocks: u32,
    pub(crate) ce_lba: u32,
    pub(crate) ce_blocks: u32,
    pub(crate) entries: Vec<Entry>,
    /// Relocated into rr_moved (ECMA-119 hierarchy only).
    pub(crate) relocated: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct View {
    pub(crate) dirs: Vec<Dir>,
    pub(crate) path_table_size: u32,
    pub(crate) l_lba: u32,
    pub(crate) m_lba: u32,
    /// Directory index of a node in this hierarchy.
    pub(crate) index_of: HashMap<NodeId, u32>,
    /// Per directory: kept at its recorded extent, not written ([`crate::reuse`]).
    pub(crate) reused: Vec<bool>,
}

/// The placed session: sorted regions with absolute LBAs plus everything the encoders
/// need. Produced by [`plan`].
#[derive(Debug, Clone)]
pub struct Layout {
    /// First block of the session (IFileSystemImage::SessionStartBlock).
    pub session_start_block: u32,
    /// Blocks in the session stream (IFileSystemImageResult::TotalBlocks).
    pub total_blocks: u64,
    /// Regions in LBA order, contiguous from the session start to its end.
    pub regions: Vec<Region>,
    pub(crate) options: ImageOptions,
    pub(crate) rock_ridge: bool,
    pub(crate) iso: View,
    pub(crate) joliet: Option<View>,
    pub(crate) data: Vec<DataExtent>,
    /// Per node: LBA of its data (empty files etc.: the data area start).
    pub(crate) file_lba: Vec<u32>,
    /// Per node: PX serial number (0 = not in the tree).
    pub(crate) serial: Vec<u32>,
    /// Per node: PX link count.
    pub(crate) links: Vec<u32>,
    pub(crate) data_start: u32,
    pub(crate) relocation_serial: u32,
    /// Where the MD5 checksums go ([`ImageOptions::record_md5`]).
    pub(crate) md5: Option<ChecksumPlan>,
    /// The UDF structures, when UDF is recorded.
    pub(crate) udf: Option<Box<crate::udf::UdfLayout>>,
    /// The El Torito structures ([`ImageOptions::el_torito`]).
    pub(crate) boot: Option<crate::boot::BootLayout>,
}

/// What one entry of the checksum array (after entry 0) checksums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Md5Item {
    /// The data extent `index` of [`Layout::data_extents`].
    Data(u32),
    /// An empty file (MD5 of no bytes).
    Empty,
    /// A file kept from the imported session: the MD5 its checksum array recorded.
    Kept([u8; 16]),
}

/// Placement of the libisofs checksums of a session (libisofs doc/checksums.txt).
#[derive(Debug, Clone, Default)]
pub(crate) struct ChecksumPlan {
    pub(crate) superblock_tag: u32,
    pub(crate) tree_tag: u32,
    pub(crate) array_lba: u32,
    pub(crate) array_blocks: u32,
    pub(crate) session_tag: u32,
    /// Entries 1..=N of the array.
    pub(crate) items: Vec<Md5Item>,
    /// Per node: its array index (`isofs.cx`), 0 = none.
    pub(crate) node_index: Vec<u32>,
    /// Per data extent: its array index.
    pub(crate) data_index: Vec<u32>,
}

impl ChecksumPlan {
    /// Number of array entries: files + 2.
    pub(crate) fn count(&self) -> u32 {
        self.items.len() as u32 + 2
    }
}

fn blocks_for(bytes: u64) -> u64 {
    bytes.div_ceil(BS)
}

impl Layout {
    /// The file data extents written by this session, in LBA order.
    pub fn data_extents(&self) -> &[DataExtent] {
        &self.data
    }

    /// First block after the session (session start + total blocks).
    pub fn end_block(&self) -> u64 {
        u64::from(self.session_start_block) + self.total_blocks
    }

    /// Volume Space Size written in the volume descriptors.
    pub fn volume_space_size(&self) -> u32 {
        match self.options.volume_space_size {
            VolumeSpaceSize::SessionLocal => self.total_blocks as u32,
            VolumeSpaceSize::Absolute => self.end_block() as u32,
        }
    }

    /// IFsiItem::FileSystemPath: the path of the item at image path `path` as recorded in
    /// a hierarchy (ECMA-119 identifiers with `;1`, or Joliet names). An ECMA-119 path
    /// through a directory relocated by Rock Ridge leads through `RR_MOVED`.
    ///
    /// # Errors
    /// [`ImageError::NotFound`], [`ImageError::InvalidPath`], and
    /// [`ImageError::InvalidFileSystems`] for a Joliet path when Joliet is not recorded.
    pub fn file_system_path(
        &self,
        tree: &Tree,
        path: &str,
        hierarchy: Hierarchy,
    ) -> Result<String, ImageError> {
        let view = match hierarchy {
            Hierarchy::Iso9660 => &self.iso,
            Hierarchy::Joliet => self.joliet.as_ref().ok_or(ImageError::InvalidFileSystems {
                reason: "Joliet is not recorded in this layout",
            })?,
        };
        let text = |id: &[u8]| match hierarchy {
            Hierarchy::Iso9660 => String::from_utf8_lossy(id).into_owned(),
            Hierarchy::Joliet => discburn_format::joliet::decode_name(id).unwrap_or_default(),
        };
        let not_found = || ImageError::NotFound {
            path: path.to_owned(),
        };
        let comps = crate::tree::parse_path(path)?;
        let mut node = ROOT;
        let mut dir = 0usize;
        let mut out = String::new();
        for c in comps {
            node = *tree
                .node(node)
                .children()
                .and_then(|ch| ch.get(c))
                .ok_or_else(not_found)?;
            let entries = &view.dirs[dir].entries;
            let e = entries
                .iter()
                .find(|e| match e.target {
                    Target::Dir(j) => view.dirs[j as usize].src == DirSource::Node(node),
                    Target::File(id) | Target::Placeholder(id) => id == node,
                })
                .ok_or_else(not_found)?;
            match e.target {
                Target::Dir(j) => {
                    out.push('/');
                    out.push_str(&text(&e.ident));
                    dir = j as usize;
                }
                Target::File(_) => {
                    out.push('/');
                    out.push_str(&text(&e.ident));
                }
                Target::Placeholder(id) => {
                    let j = view.index_of[&id] as usize;
                    let reloc = view.dirs[j].parent as usize;
                    out = format!(
                        "/{}/{}",
                        text(&view.dirs[reloc].ident),
                        text(&view.dirs[j].ident)
                    );
                    dir = j;
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        Ok(out)
    }

    /// The ranges of blocks this session writes (IFileSystemImageResult2::ModifiedBlocks),
    /// as inclusive (first LBA, last LBA) pairs in write order. Today one range: the
    /// whole session.
    pub fn modified_blocks(&self) -> Vec<(u32, u32)> {
        if self.total_blocks == 0 {
            return Vec::new();
        }
        vec![(self.session_start_block, (self.end_block() - 1) as u32)]
    }
}

/// Item names per hierarchy, for a directory's children.
struct ChildInfo {
    node: Option<NodeId>,
    name: Box<[u8]>,
    is_dir: bool,
    relocated: bool,
}

/// `plan(tree, options, session_start_block) -> Layout`: names every item, sorts the
/// records (ECMA-119 9.3) and path tables (9.4), relocates directories deeper than 8
/// levels into "rr_moved" when Rock Ridge is on (RRIP 4.1.5), sizes every directory and
/// continuation area, and assigns absolute LBAs. Same input → same layout.
///
/// # Errors
/// [`ImageError::InvalidFileSystems`] (none selected),
/// [`ImageError::InvalidUdfRevision`] and [`ImageError::UdfNotRepresentable`] with UDF,
/// [`ImageError::BootNeedsIso9660`] for El Torito boot in a UDF-only session,
/// [`ImageError::NameNotRepresentable`] and [`ImageError::Iso9660Levels`] and
/// [`ImageError::TooManyDirectories`] in strict mode,
/// [`ImageError::FileTooLarge`] (≥ 4 GiB below level 3),
/// [`ImageError::ImageTooLarge`] if the session would end beyond LBA 2^32 − 1 (the
/// absolute Volume Space Size must fit 32 bits).
pub fn plan(
    tree: &Tree,
    options: &ImageOptions,
    session_start_block: u32,
) -> Result<Layout, ImageError> {
    let fs = options.file_systems;
    if fs.contains(FileSystems::UDF) && !fs.intersects(FileSystems::ISO9660 | FileSystems::JOLIET) {
        if options.el_torito.is_some() {
            return Err(ImageError::BootNeedsIso9660);
        }
        if options.udf_vat.is_some() {
            return crate::udf::vat::plan(tree, options, session_start_block);
        }
        return crate::udf::plan_alone(tree, options, session_start_block);
    }
    if !fs.intersects(FileSystems::ISO9660 | FileSystems::JOLIET) {
        return Err(ImageError::InvalidFileSystems {
            reason: "neither ISO9660 nor JOLIET selected",
        });
    }
    let rock_ridge = fs.contains(FileSystems::ROCK_RIDGE);
    let n = tree.nodes.len();

    // Serial numbers (PX 1.12) and link counts, in depth-first order.
    let mut serial = vec![0u32; n];
    let mut links = vec![1u32; n];
    let mut link_groups: BTreeMap<(u64, u64), (u32, Vec<NodeId>)> = BTreeMap::new();
    let mut next_serial = 1u32;
    let order: Vec<NodeId> = tree.walk().collect();
    for &id in &order {
        let node = tree.node(id);
        if let (Some(key), NodeKind::File { .. }) = (node.meta.link_key, &node.kind) {
            let g = link_groups.entry(key).or_insert_with(|| {
                let s = next_serial;
                next_serial += 1;
                (s, Vec::new())
            });
            serial[id as usize] = g.0;
            g.1.push(id);
        } else {
            serial[id as usize] = next_serial;
            next_serial += 1;
        }
        if let Some(c) = node.children() {
            links[id as usize] = 2 + c.values().filter(|&&c| tree.node(c).is_dir()).count() as u32;
        }
    }
    for (_, ids) in link_groups.values() {
        for &id in ids {
            links[id as usize] = ids.len() as u32;
        }
    }
    let relocation_serial = if options.reuse_directories.is_some() {
        crate::reuse::stable_serials(tree, &order, &mut serial)
    } else {
        next_serial
    };

    // File size limits: one File Section per file below level 3 (ECMA-119 10.1, 10.2).
    for &id in &order {
        if let NodeKind::File { size, source } = &tree.node(id).kind
            && (*size > u64::from(u32::MAX)
                || matches!(source, FileSource::Extents(list) if list.len() > 1))
            && options.iso_level != IsoLevel::Level3
        {
            return Err(ImageError::FileTooLarge {
                path: tree.path_of(id),
                size: *size,
                level: options.iso_level,
            });
        }
    }

    // Relocation (ECMA-119 hierarchy): depth of every directory, relocated ones.
    let mut relocated = vec![false; n];
    let mut reloc_list = Vec::new();
    {
        let mut stack = vec![(ROOT, 1u32)];
        while let Some((id, depth)) = stack.pop() {
            let Some(children) = tree.node(id).children() else {
                continue;
            };
            for &c in children.values().rev() {
                if !tree.node(c).is_dir() {
                    continue;
                }
                let mut d = depth + 1;
                if d > MAX_LEVELS {
                    if rock_ridge && (options.relocate_deep_directories || options.strict) {
                        relocated[c as usize] = true;
                        d = 3;
                    } else if options.strict {
                        return Err(ImageError::Iso9660Levels {
                            path: tree.path_of(c),
                        });
                    }
                }
                stack.push((c, d));
            }
        }
        // Depth-first order of relocated directories, for a deterministic rr_moved.
        for &id in &order {
            if relocated[id as usize] {
                reloc_list.push(id);
            }
        }
    }

    let mut iso = build_view(tree, options, Hierarchy::Iso9660, &relocated, &reloc_list)?;
    let mut joliet = if fs.contains(FileSystems::JOLIET) {
        Some(build_view(
            tree,
            options,
            Hierarchy::Joliet,
            &relocated,
            &reloc_list,
        )?)
    } else {
        None
    };
    for v in std::iter::once(&iso).chain(joliet.iter()) {
        if v.dirs.len() > 0xFFFF && options.strict {
            return Err(ImageError::TooManyDirectories {
                count: v.dirs.len(),
            });
        }
    }

    let mut layout = Layout {
        session_start_block,
        total_blocks: 0,
        regions: Vec::new(),
        options: options.clone(),
        rock_ridge,
        iso: View::default(),
        joliet: None,
        data: Vec::new(),
        file_lba: vec![0; n],
        serial,
        links,
        data_start: 0,
        relocation_serial,
        md5: None,
        udf: None,
        boot: None,
    };
    if options.record_md5 {
        // Array indices in depth-first order, one per data extent written here (hard
        // links share theirs) and one per empty file; recorded extents of earlier
        // sessions have none.
        let mut plan = ChecksumPlan {
            node_index: vec![0; n],
            ..ChecksumPlan::default()
        };
        let mut link_index: HashMap<(u64, u64), u32> = HashMap::new();
        // Files kept from the imported session keep their index where it is free (and
        // not beyond what this tree could need), so their directory records stay the
        // same; the slots in between checksum nothing (MD5 of no bytes).
        let most = 2 * n as u64 + 1024;
        let mut slots: BTreeMap<u32, [u8; 16]> = BTreeMap::new();
        for &id in &order {
            let node = tree.node(id);
            let NodeKind::File { size, source } = &node.kind else {
                continue;
            };
            let kept = matches!(source, FileSource::Extent { .. } | FileSource::Extents(_));
            let Some(f) = node.fixed.as_deref().filter(|_| kept || *size == 0) else {
                continue;
            };
            let (Some(sum), Some(i)) = (f.md5, f.md5_index) else {
                continue;
            };
            if i == 0 || u64::from(i) > most {
                continue;
            }
            match slots.get(&i) {
                None => {
                    slots.insert(i, sum);
                    plan.node_index[id as usize] = i;
                }
                // Hard links share their index.
                Some(s) if *s == sum => plan.node_index[id as usize] = i,
                Some(_) => {}
            }
        }
        let last = slots.keys().next_back().copied().unwrap_or(0);
        plan.items = (1..=last)
            .map(|i| slots.get(&i).map_or(Md5Item::Empty, |s| Md5Item::Kept(*s)))
            .collect();
        for &id in &order {
            let node = tree.node(id);
            let NodeKind::File { size, source } = &node.kind else {
                continue;
            };
            if plan.node_index[id as usize] != 0 {
                continue;
            }
            let kept = matches!(source, FileSource::Extent { .. } | FileSource::Extents(_));
            let kept_md5 = node.fixed.as_ref().and_then(|f| f.md5);
            if kept && kept_md5.is_none() {
                continue;
            }
            if *size > 0
                && let Some(&i) = node.meta.link_key.and_then(|k| link_index.get(&k))
            {
                plan.node_index[id as usize] = i;
                continue;
            }
            plan.items.push(match kept_md5 {
                Some(sum) if kept => Md5Item::Kept(sum),
                _ if *size == 0 => Md5Item::Empty,
                _ => Md5Item::Data(0),
            });
            let i = plan.items.len() as u32;
            plan.node_index[id as usize] = i;
            if *size > 0
                && let Some(k) = node.meta.link_key
            {
                link_index.insert(k, i);
            }
        }
        layout.md5 = Some(plan);
    }

    // Sizes of directories and continuation areas (independent of LBAs).
    let mut dir_buf = Vec::new();
    let mut ce_buf = Vec::new();
    for i in 0..iso.dirs.len() {
        dir_buf.clear();
        ce_buf.clear();
        encode_directory(
            &layout,
            tree,
            &iso,
            Hierarchy::Iso9660,
            i as u32,
            &mut dir_buf,
            &mut ce_buf,
        )?;
        iso.dirs[i].blocks = blocks_for(dir_buf.len() as u64) as u32;
        iso.dirs[i].ce_blocks = blocks_for(ce_buf.len() as u64) as u32;
    }
    if let Some(j) = joliet.as_mut() {
        for i in 0..j.dirs.len() {
            dir_buf.clear();
            ce_buf.clear();
            encode_directory(
                &layout,
                tree,
                j,
                Hierarchy::Joliet,
                i as u32,
                &mut dir_buf,
                &mut ce_buf,
            )?;
            j.dirs[i].blocks = blocks_for(dir_buf.len() as u64) as u32;
        }
    }

    // Addresses.
    let start = u64::from(session_start_block);
    let mut regions = Vec::new();
    let mut next = start;
    fn place(next: &mut u64, regions: &mut Vec<Region>, blocks: u64, kind: RegionKind) -> u64 {
        let lba = *next;
        regions.push(Region {
            lba: lba.min(u64::from(u32::MAX)) as u32,
            blocks,
            kind,
        });
        *next += blocks;
        lba
    }
    place(&mut next, &mut regions, 16, RegionKind::SystemArea);
    place(
        &mut next,
        &mut regions,
        1,
        RegionKind::PrimaryVolumeDescriptor,
    );
    if options.el_torito.is_some() {
        place(&mut next, &mut regions, 1, RegionKind::BootRecord);
    }
    if joliet.is_some() {
        place(
            &mut next,
            &mut regions,
            1,
            RegionKind::SupplementaryVolumeDescriptor,
        );
    }
    place(
        &mut next,
        &mut regions,
        1,
        RegionKind::VolumeDescriptorSetTerminator,
    );
    if fs.contains(FileSystems::UDF) {
        let u = crate::udf::plan_structures(
            tree,
            options,
            session_start_block,
            &mut next,
            &mut regions,
        )?;
        layout.udf = Some(Box::new(u));
    }
    let mut sb_tag = 0;
    if layout.md5.is_some() {
        sb_tag = place(
            &mut next,
            &mut regions,
            1,
            RegionKind::ChecksumTag {
                kind: TagKind::Superblock,
            },
        );
    }
    let mut tables = vec![(Hierarchy::Iso9660, &mut iso)];
    if let Some(j) = joliet.as_mut() {
        tables.push((Hierarchy::Joliet, j));
    }
    for (h, v) in tables {
        v.path_table_size = v
            .dirs
            .iter()
            .map(|d| PathTableRecord::encoded_len(d.ident.len()) as u32)
            .sum();
        let b = blocks_for(u64::from(v.path_table_size)).max(1);
        v.l_lba = place(
            &mut next,
            &mut regions,
            b,
            RegionKind::PathTable {
                hierarchy: h,
                table_type: PathTableType::L,
            },
        ) as u32;
        v.m_lba = place(
            &mut next,
            &mut regions,
            b,
            RegionKind::PathTable {
                hierarchy: h,
                table_type: PathTableType::M,
            },
        ) as u32;
    }
    // ECMA-119 directories in path-table order, except that the relocation directory
    // and everything below it come after all the others. A reader that goes forward
    // only (libarchive) then reads the directory holding a CL entry before the
    // relocated directory and its files: a file of an earlier session, whose data lies
    // before the directories, is named by its real path as soon as it is listed.
    //
    // A chain relocated twice (a relocated directory below another one) cannot be read
    // that way: libarchive connects a relocated directory found inside another one only
    // while the outer one is still unconnected (RRIP 4.1.5.1 CL/RE), that is before the
    // outer one's CL entry is read. Such a group goes right after the root and the
    // relocation directory, before every other directory, in depth-first order of the
    // tree (each relocated directory after its real parent), as genisoimage places it.
    let mut under_relocation = vec![false; iso.dirs.len()];
    for i in 1..iso.dirs.len() {
        under_relocation[i] = matches!(iso.dirs[i].src, DirSource::Relocation)
            || under_relocation[iso.dirs[i].parent as usize];
    }
    if let Some(rule) = options.reuse_directories {
        iso.reused = crate::reuse::choose(
            &mut layout,
            tree,
            &mut iso,
            Hierarchy::Iso9660,
            &under_relocation,
            rule,
        )?;
        if let Some(j) = joliet.as_mut() {
            let none = vec![false; j.dirs.len()];
            j.reused = crate::reuse::choose(&mut layout, tree, j, Hierarchy::Joliet, &none, rule)?;
        }
    }
    let nested = nested_relocation_groups(tree, &iso, &relocated, &under_relocation);
    let placement: Vec<usize> = if nested.iter().any(|&g| g) {
        let mut pre_order = vec![0usize; n];
        for (k, &id) in order.iter().enumerate() {
            pre_order[id as usize] = k;
        }
        let mut first: Vec<usize> = (0..iso.dirs.len()).filter(|&i| nested[i]).collect();
        first.sort_by_key(|&i| match iso.dirs[i].src {
            DirSource::Node(id) => pre_order[id as usize],
            DirSource::Relocation => 0,
        });
        let reloc_dir = (0..iso.dirs.len())
            .find(|&i| matches!(iso.dirs[i].src, DirSource::Relocation))
            .expect("a relocated directory implies rr_moved");
        [0, reloc_dir]
            .into_iter()
            .chain(first)
            .chain((1..iso.dirs.len()).filter(|&i| !under_relocation[i]))
            .chain(
                (0..iso.dirs.len())
                    .filter(|&i| under_relocation[i] && !nested[i] && i != reloc_dir),
            )
            .collect()
    } else {
        (0..iso.dirs.len())
            .filter(|&i| !under_relocation[i])
            .chain((0..iso.dirs.len()).filter(|&i| under_relocation[i]))
            .collect()
    };
    for i in placement {
        if iso.reused.get(i).copied().unwrap_or(false) {
            continue;
        }
        let d = &mut iso.dirs[i];
        d.lba = place(
            &mut next,
            &mut regions,
            u64::from(d.blocks),
            RegionKind::Directory {
                hierarchy: Hierarchy::Iso9660,
                index: i as u32,
            },
        ) as u32;
        if d.ce_blocks > 0 {
            d.ce_lba = place(
                &mut next,
                &mut regions,
                u64::from(d.ce_blocks),
                RegionKind::ContinuationArea { index: i as u32 },
            ) as u32;
        }
    }
    if let Some(j) = joliet.as_mut() {
        for (i, d) in j.dirs.iter_mut().enumerate() {
            if j.reused.get(i).copied().unwrap_or(false) {
                continue;
            }
            d.lba = place(
                &mut next,
                &mut regions,
                u64::from(d.blocks),
                RegionKind::Directory {
                    hierarchy: Hierarchy::Joliet,
                    index: i as u32,
                },
            ) as u32;
        }
    }
    let mut tree_tag = 0;
    if layout.md5.is_some() {
        tree_tag = place(
            &mut next,
            &mut regions,
            1,
            RegionKind::ChecksumTag {
                kind: TagKind::Tree,
            },
        );
    }
    let data_start = next;
    let mut seen_links: HashMap<(u64, u64), u32> = HashMap::new();
    let mut data = Vec::new();
    for &id in &order {
        let node = tree.node(id);
        let lba = match &node.kind {
            NodeKind::File {
                source: FileSource::Extent { lba, .. },
                ..
            } => u64::from(*lba),
            NodeKind::File {
                source: FileSource::Extents(list),
                ..
            } => list.first().map_or(data_start, |e| u64::from(e.lba)),
            NodeKind::File { size, .. } if *size > 0 => {
                if let Some(l) = node.meta.link_key.and_then(|k| seen_links.get(&k)) {
                    u64::from(*l)
                } else {
                    let idx = data.len() as u32;
                    let lba = place(
                        &mut next,
                        &mut regions,
                        blocks_for(*size),
                        RegionKind::FileData { index: idx },
                    );
                    if let Some(p) = layout.md5.as_mut() {
                        let i = p.node_index[id as usize];
                        p.items[i as usize - 1] = Md5Item::Data(idx);
                        p.data_index.push(i);
                    }
                    data.push(DataExtent {
                        node: id,
                        lba: lba.min(u64::from(u32::MAX)) as u32,
                        size: *size,
                    });
                    if let Some(k) = node.meta.link_key {
                        seen_links.insert(k, lba.min(u64::from(u32::MAX)) as u32);
                    }
                    lba
                }
            }
            _ => data_start,
        };
        layout.file_lba[id as usize] = lba.min(u64::from(u32::MAX)) as u32;
    }
    if let Some(p) = layout.md5.as_mut() {
        p.superblock_tag = sb_tag as u32;
        p.tree_tag = tree_tag as u32;
        p.array_blocks = blocks_for(u64::from(p.count()) * 16) as u32;
        p.array_lba = place(
            &mut next,
            &mut regions,
            u64::from(p.array_blocks),
            RegionKind::ChecksumArray,
        )
        .min(u64::from(u32::MAX)) as u32;
        p.session_tag = place(
            &mut next,
            &mut regions,
            1,
            RegionKind::ChecksumTag {
                kind: TagKind::Session,
            },
        )
        .min(u64::from(u32::MAX)) as u32;
    }
    if let Some(u) = layout.udf.as_deref_mut() {
        crate::udf::finish(u, tree, &layout.file_lba, &mut next, &mut regions)?;
    }
    if next > u64::from(u32::MAX) {
        return Err(ImageError::ImageTooLarge { blocks: next });
    }
    layout.total_blocks = next - start;
    layout.regions = regions;
    layout.iso = iso;
    layout.joliet = joliet;
    layout.data = data;
    layout.data_start = data_start as u32;
    if let Some(p) = &options.el_torito {
        let pvd = session_start_block.saturating_add(16);
        layout.boot = Some(crate::boot::place(tree, p, &layout.file_lba, pvd)?);
    }
    Ok(layout)
}

fn joliet_ident(units: &[u16], is_file: bool) -> Box<[u8]> {
    let mut b = Vec::with_capacity(units.len() * 2 + 4);
    discburn_format::joliet::encode_ucs2_be(units, &mut b);
    if is_file {
        b.extend_from_slice(&[0, b';', 0, b'1']);
    }
    b.into()
}

/// Joliet order: UCS-2 code units of the name, shorter first on a common prefix.
fn joliet_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.cmp(b)
}

/// For each ECMA-119 directory: whether it belongs to a relocation group holding more
/// than one relocated directory (a directory relocated from below another relocated
/// one). A group is a directory relocated from outside any relocated directory, with
/// everything relocated from below it, and their subtrees.
fn nested_relocation_groups(
    tree: &Tree,
    iso: &View,
    relocated: &[bool],
    under_relocation: &[bool],
) -> Vec<bool> {
    // The outermost relocated directory of the tree above or at `id`.
    let outermost = |id: NodeId| -> Option<NodeId> {
        let mut found = None;
        let mut cur = id;
        loop {
            if relocated[cur as usize] {
                found = Some(cur);
            }
            if cur == ROOT {
                return found;
            }
            cur = tree.node(cur).parent;
        }
    };
    let mut members: HashMap<NodeId, usize> = HashMap::new();
    for (id, &r) in relocated.iter().enumerate() {
        if r && let Some(g) = outermost(id as NodeId) {
            *members.entry(g).or_default() += 1;
        }
    }
    (0..iso.dirs.len())
        .map(|i| {
            under_relocation[i]
                && match iso.dirs[i].src {
                    DirSource::Node(id) => {
                        outermost(id).is_some_and(|g| members.get(&g).copied().unwrap_or(0) > 1)
                    }
                    DirSource::Relocation => false,
                }
        })
        .collect()
}

fn build_view(
    tree: &Tree,
    options: &ImageOptions,
    h: Hierarchy,
    relocated: &[bool],
    reloc_list: &[NodeId],
) -> Result<View, ImageError> {
    let iso = h == Hierarchy::Iso9660;
    let mut view = View::default();
    view.dirs.push(Dir {
        src: DirSource::Node(ROOT),
        parent: 0,
        ident: Box::from(&[0u8][..]),
        lba: 0,
        blocks: 0,
        ce_lba: 0,
        ce_blocks: 0,
        entries: Vec::new(),
        relocated: false,
    });
    view.index_of.insert(ROOT, 0);
    let mut i = 0;
    while i < view.dirs.len() {
        let mut kids: Vec<ChildInfo> = Vec::new();
        match view.dirs[i].src {
            DirSource::Node(id) => {
                for (name, &c) in tree.node(id).children().expect("directory") {
                    let is_reloc = iso && relocated[c as usize];
                    kids.push(ChildInfo {
                        node: Some(c),
                        name: name.clone(),
                        is_dir: tree.node(c).is_dir(),
                        relocated: is_reloc,
                    });
                }
                if iso && id == ROOT && !reloc_list.is_empty() {
                    kids.push(ChildInfo {
                        node: None,
                        name: Box::from(RELOCATION_DIRECTORY.as_bytes()),
                        is_dir: true,
                        relocated: false,
                    });
                }
            }
            DirSource::Relocation => {
                for &c in reloc_list {
                    kids.push(ChildInfo {
                        node: Some(c),
                        name: tree.node(c).name.clone(),
                        is_dir: true,
                        relocated: false,
                    });
                }
            }
        }
        let inputs: Vec<NameInput<'_>> = kids
            .iter()
            .map(|k| {
                let fixed = k.node.and_then(|n| tree.node(n).fixed.as_deref());
                NameInput {
                    name: &k.name,
                    is_dir: k.is_dir,
                    priority: k.node.is_none(),
                    fixed_iso: fixed.and_then(|f| f.iso.as_deref()),
                    fixed_joliet: fixed.and_then(|f| f.joliet.as_deref()),
                }
            })
            .collect();
        let idents: Vec<Box<[u8]>> = if iso {
            names::resolve_iso(&inputs, options.iso_level, options.strict)
                .map_err(|v| ImageError::NameNotRepresentable {
                    path: match kids[v.index].node {
                        Some(nid) => tree.path_of(nid),
                        None => format!("/{RELOCATION_DIRECTORY}"),
                    },
                    level: options.iso_level,
                    reason: v.reason,
                })?
                .into_iter()
                .map(Vec::into_boxed_slice)
                .collect()
        } else {
            names::resolve_joliet(&inputs)
                .iter()
                .zip(&kids)
                .map(|(u, k)| {
                    // The recorded identifier, byte for byte, when its name was kept.
                    let raw = k
                        .node
                        .and_then(|n| tree.node(n).fixed.as_deref())
                        .filter(|f| f.joliet.as_deref() == Some(&u[..]))
                        .and_then(|f| f.joliet_raw.clone());
                    raw.unwrap_or_else(|| joliet_ident(u, !k.is_dir))
                })
                .collect()
        };
        let mut order: Vec<usize> = (0..kids.len()).collect();
        if iso {
            order.sort_by(|&a, &b| ecma::compare_file_identifiers(&idents[a], &idents[b]));
        } else {
            order.sort_by(|&a, &b| joliet_cmp(&idents[a], &idents[b]));
        }
        let mut entries = Vec::with_capacity(kids.len());
        for k in order {
            let kid = &kids[k];
            let target = if kid.relocated {
                Target::Placeholder(kid.node.expect("relocated dirs are nodes"))
            } else if kid.is_dir {
                let idx = view.dirs.len() as u32;
                let src = kid.node.map_or(DirSource::Relocation, DirSource::Node);
                view.dirs.push(Dir {
                    src,
                    parent: i as u32,
                    ident: idents[k].clone(),
                    lba: 0,
                    blocks: 0,
                    ce_lba: 0,
                    ce_blocks: 0,
                    entries: Vec::new(),
                    relocated: matches!(view.dirs[i].src, DirSource::Relocation),
                });
                if let Some(nid) = kid.node {
                    view.index_of.insert(nid, idx);
                }
                Target::Dir(idx)
            } else {
                Target::File(kid.node.expect("files are nodes"))
            };
            entries.push(Entry {
                ident: idents[k].clone(),
                target,
            });
        }
        view.dirs[i].entries = entries;
        i += 1;
    }
    Ok(view)
}

// ---------------------------------------------------------------------------------------
// Encoders

/// SUSP entries of one record, as one byte buffer and the end offset of each entry.
#[derive(Default)]
struct Su {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Su {
    fn add(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        f(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }
    fn add_raw(&mut self, e: &[u8]) {
        self.bytes.extend_from_slice(e);
        self.ends.push(self.bytes.len());
    }
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

#[derive(Clone, Copy)]
struct Attrs {
    mode: u32,
    uid: u32,
    gid: u32,
    links: u32,
    serial: u32,
    mtime: i64,
    atime: i64,
    ctime: i64,
}

impl Layout {
    fn ts(&self) -> Timestamp {
        self.options.timestamp
    }

    fn attrs(&self, tree: &Tree, src: DirSource) -> Attrs {
        let t = self.ts().unix_seconds;
        match src {
            DirSource::Relocation => Attrs {
                mode: rrip::mode::S_IFDIR | 0o755,
                uid: 0,
                gid: 0,
                links: 2 + self.iso.dirs.iter().filter(|d| d.relocated).count() as u32,
                serial: self.relocation_serial,
                mtime: t,
                atime: t,
                ctime: t,
            },
            DirSource::Node(id) => {
                let node = tree.node(id);
                let m = node.meta;
                Attrs {
                    mode: node.mode(),
                    uid: m.uid,
                    gid: m.gid,
                    links: self.links[id as usize],
                    serial: self.serial[id as usize],
                    mtime: self.clamp(m.modified.unwrap_or(t)),
                    atime: self.clamp(m.accessed.unwrap_or(t)),
                    ctime: self.clamp(m.changed.unwrap_or(t)),
                }
            }
        }
    }

    /// `secs`, clamped to [`ImageOptions::clamp_times`].
    fn clamp(&self, secs: i64) -> i64 {
        self.options.clamp_times.map_or(secs, |c| secs.min(c))
    }

    fn date(&self, secs: i64) -> DirectoryDateTime {
        DirectoryDateTime::from_unix(secs, self.ts().utc_offset_minutes)
    }

    fn push_px_tf(&self, su: &mut Su, a: &Attrs) {
        su.add(|o| {
            PosixFileAttributes {
                mode: a.mode,
                links: a.links,
                uid: a.uid,
                gid: a.gid,
                serial: Some(a.serial),
            }
            .encode(o)
        });
        su.add(|o| {
            TimeStamps::short(self.date(a.mtime), self.date(a.atime), self.date(a.ctime))
                .encode(o)
                .expect("three short stamps")
        });
    }
}

/// Appends one directory record, first padding to the next block if it would cross a
/// block boundary (ECMA-119 6.8.1.1).
fn put_record(out: &mut Vec<u8>, rec: &DirectoryRecord<'_>) -> Result<(), ImageError> {
    let len = DirectoryRecord::encoded_len(rec.file_identifier.len(), rec.system_use.len());
    let used = out.len() % SECTOR_SIZE;
    if used + len > SECTOR_SIZE {
        out.resize(out.len() + SECTOR_SIZE - used, 0);
    }
    rec.encode(out)?;
    Ok(())
}

/// Splits SUSP entries between the record (at most `avail` bytes) and continuation
/// areas appended to `ce` (each ≤ one block, never crossing a block boundary, chained
/// by CE entries); returns the System Use field for the record.
fn pack_su(su: &Su, avail: usize, ce: &mut Vec<u8>, ce_lba: u32, out: &mut Vec<u8>) {
    out.clear();
    let total = su.bytes.len();
    if total <= avail {
        out.extend_from_slice(&su.bytes);
        return;
    }
    let lens: Vec<(usize, usize)> = su
        .ends
        .iter()
        .scan(0, |start, &end| {
            let r = (*start, end);
            *start = end;
            Some(r)
        })
        .collect();
    let mut k = 0;
    while k < lens.len() && lens[k].1 + susp::CE_LEN <= avail {
        k += 1;
    }
    let inline_end = if k == 0 { 0 } else { lens[k - 1].1 };
    out.extend_from_slice(&su.bytes[..inline_end]);
    // Chunks of the rest.
    let mut chunks: Vec<(usize, usize)> = Vec::new(); // byte ranges of su.bytes
    let mut i = k;
    while i < lens.len() {
        let start = lens[i].0;
        if total - start <= SECTOR_SIZE {
            chunks.push((start, total));
            break;
        }
        let mut used = 0;
        while i < lens.len() && used + (lens[i].1 - lens[i].0) + susp::CE_LEN <= SECTOR_SIZE {
            used += lens[i].1 - lens[i].0;
            i += 1;
        }
        chunks.push((start, lens[i - 1].1));
    }
    // Positions in the continuation region.
    let mut pos = ce.len();
    let mut placed = Vec::with_capacity(chunks.len());
    for (ci, &(s, e)) in chunks.iter().enumerate() {
        let len = e - s
            + if ci + 1 < chunks.len() {
                susp::CE_LEN
            } else {
                0
            };
        if pos % SECTOR_SIZE + len > SECTOR_SIZE {
            pos = pos.next_multiple_of(SECTOR_SIZE);
        }
        placed.push((pos, len));
        pos += len;
    }
    let ce_entry = |p: (usize, usize), o: &mut Vec<u8>| {
        ContinuationArea {
            block_location: ce_lba + (p.0 / SECTOR_SIZE) as u32,
            offset: (p.0 % SECTOR_SIZE) as u32,
            length: p.1 as u32,
        }
        .encode(o)
    };
    ce_entry(placed[0], out);
    for (ci, &(s, e)) in chunks.iter().enumerate() {
        ce.resize(placed[ci].0, 0);
        ce.extend_from_slice(&su.bytes[s..e]);
        if ci + 1 < chunks.len() {
            ce_entry(placed[ci + 1], ce);
        }
    }
}

/// Encodes directory `index` of a hierarchy into `dir` (the extent, unpadded) and, for
/// the ECMA-119 hierarchy with Rock Ridge, its continuation areas into `ce`.
pub(crate) fn encode_directory(
    layout: &Layout,
    tree: &Tree,
    view: &View,
    h: Hierarchy,
    index: u32,
    dir: &mut Vec<u8>,
    ce: &mut Vec<u8>,
) -> Result<(), ImageError> {
    let rr = layout.rock_ridge && h == Hierarchy::Iso9660;
    let d = &view.dirs[index as usize];
    let parent = &view.dirs[d.parent as usize];
    let mut su = Su::default();
    let mut field = Vec::new();
    let base = |id: &[u8]| DirectoryRecord::encoded_len(id.len(), 0);
    fn mk<'r>(
        loc: u32,
        len: u32,
        date: DirectoryDateTime,
        flags: FileFlags,
        id: &'r [u8],
        sys: &'r [u8],
    ) -> DirectoryRecord<'r> {
        DirectoryRecord {
            extended_attribute_record_length: 0,
            location_of_extent: loc,
            data_length: len,
            recording_date_and_time: date,
            file_flags: flags,
            file_unit_size: 0,
            interleave_gap_size: 0,
            volume_sequence_number: 1,
            file_identifier: id,
            system_use: sys,
        }
    }

    // "." record.
    let self_attrs = layout.attrs(tree, d.src);
    if rr {
        su.clear();
        if index == 0 {
            su.add(|o| SharingProtocolIndicator { len_skp: 0 }.encode(o));
        }
        layout.push_px_tf(&mut su, &self_attrs);
        if index == 0 {
            su.add(|o| {
                ExtensionsReference::rrip_1991a()
                    .encode(o)
                    .expect("ER fits")
            });
            if h == Hierarchy::Iso9660
                && let Some(p) = &layout.md5
            {
                let ca = ChecksumArea {
                    start_lba: layout.session_start_block,
                    end_lba: p.array_lba,
                    count: p.count(),
                    size: 16,
                    algorithm: b"MD5".to_vec(),
                };
                for al in md5sum::encode_al_entries(&[(md5sum::NAME_CA, &ca.encode())]) {
                    su.add_raw(&al);
                }
            }
        }
    }
    pack_su(
        &su,
        255 - base(ecma::SELF_IDENTIFIER),
        ce,
        d.ce_lba,
        &mut field,
    );
    put_record(
        dir,
        &mk(
            d.lba,
            d.blocks * 2048,
            layout.date(self_attrs.mtime),
            FileFlags::DIRECTORY,
            ecma::SELF_IDENTIFIER,
            &field,
        ),
    )?;

    // ".." record: the hierarchy parent; Rock Ridge shows the original parent (PL).
    let rr_parent_src = match (d.relocated, d.src) {
        (true, DirSource::Node(id)) => DirSource::Node(tree.node(id).parent),
        _ => parent.src,
    };
    let parent_attrs = layout.attrs(tree, rr_parent_src);
    if rr {
        su.clear();
        layout.push_px_tf(&mut su, &parent_attrs);
        if let (true, DirSource::Node(p)) = (d.relocated, rr_parent_src) {
            let loc = view.dirs[view.index_of[&p] as usize].lba;
            su.add(|o| ParentLink { location: loc }.encode(o));
        }
    } else {
        su.clear();
    }
    pack_su(
        &su,
        255 - base(ecma::PARENT_IDENTIFIER),
        ce,
        d.ce_lba,
        &mut field,
    );
    put_record(
        dir,
        &mk(
            parent.lba,
            parent.blocks * 2048,
            layout.date(parent_attrs.mtime),
            FileFlags::DIRECTORY,
            ecma::PARENT_IDENTIFIER,
            &field,
        ),
    )?;

    for e in &d.entries {
        su.clear();
        let (src_node, attrs) = match e.target {
            Target::Dir(j) => {
                let s = view.dirs[j as usize].src;
                (
                    if let DirSource::Node(id) = s {
                        Some(id)
                    } else {
                        None
                    },
                    layout.attrs(tree, s),
                )
            }
            Target::File(id) | Target::Placeholder(id) => {
                (Some(id), layout.attrs(tree, DirSource::Node(id)))
            }
        };
        if rr {
            layout.push_px_tf(&mut su, &attrs);
            let name: &[u8] = match src_node {
                Some(id) => &tree.node(id).name,
                None => RELOCATION_DIRECTORY.as_bytes(),
            };
            for nm in rrip::encode_name_entries(name) {
                su.add_raw(&nm);
            }
            if let Some(id) = src_node {
                match &tree.node(id).kind {
                    NodeKind::Symlink(t) => {
                        for sl in rrip::encode_symlink_entries(t) {
                            su.add_raw(&sl);
                        }
                    }
                    NodeKind::Special { rdev, mode }
                        if matches!(
                            *mode & rrip::mode::S_IFMT,
                            rrip::mode::S_IFBLK | rrip::mode::S_IFCHR
                        ) =>
                    {
                        su.add(|o| device_number(*rdev).encode(o));
                    }
                    NodeKind::File { source, .. } => {
                        if let Some(p) = &layout.md5
                            && let Target::File(_) = e.target
                            && p.node_index[id as usize] != 0
                        {
                            let cx = p.node_index[id as usize].to_be_bytes();
                            let al = md5sum::encode_al_entries(&[(md5sum::NAME_CX, &cx)]);
                            // A file whose data lies before this session must keep its
                            // entries in its record if they fit without `isofs.cx`:
                            // libarchive refuses a continuation area after a file's data
                            // (peers.md, Addendum). It then has no MD5 here.
                            let avail = 255usize.saturating_sub(base(&e.ident));
                            let len = su.bytes.len();
                            let spills = len <= avail
                                && len + al.iter().map(Vec::len).sum::<usize>() > avail;
                            let kept = matches!(
                                source,
                                FileSource::Extent { .. } | FileSource::Extents(_)
                            );
                            if !(kept && spills) {
                                for al in al {
                                    su.add_raw(&al);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            match e.target {
                Target::Placeholder(id) => {
                    let loc = view.dirs[view.index_of[&id] as usize].lba;
                    su.add(|o| ChildLink { location: loc }.encode(o));
                }
                Target::Dir(j) if view.dirs[j as usize].relocated || src_node.is_none() => {
                    su.add(rrip::encode_re);
                }
                _ => {}
            }
        }
        let date = layout.date(attrs.mtime);
        let avail = 255usize.saturating_sub(base(&e.ident));
        match e.target {
            Target::Dir(j) => {
                let c = &view.dirs[j as usize];
                pack_su(&su, avail, ce, d.ce_lba, &mut field);
                put_record(
                    dir,
                    &mk(
                        c.lba,
                        c.blocks * 2048,
                        date,
                        FileFlags::DIRECTORY,
                        &e.ident,
                        &field,
                    ),
                )?;
            }
            Target::Placeholder(_) => {
                pack_su(&su, avail, ce, d.ce_lba, &mut field);
                put_record(
                    dir,
                    &mk(
                        layout.data_start,
                        0,
                        date,
                        FileFlags::empty(),
                        &e.ident,
                        &field,
                    ),
                )?;
            }
            Target::File(id) => {
                let (size, recorded) = match &tree.node(id).kind {
                    NodeKind::File {
                        size,
                        source: FileSource::Extents(list),
                    } => (*size, Some(list)),
                    NodeKind::File { size, .. } => (*size, None),
                    _ => (0, None),
                };
                let lba = layout.file_lba[id as usize];
                if let Some(list) = recorded.filter(|l| !l.is_empty()) {
                    // Extents kept as recorded (ECMA-119 6.5.1, 9.1.6 bit 7): one
                    // record per extent, all but the last flagged Multi-Extent.
                    for (p, x) in list.iter().enumerate() {
                        let flags = if p + 1 < list.len() {
                            FileFlags::MULTI_EXTENT
                        } else {
                            FileFlags::empty()
                        };
                        pack_su(&su, avail, ce, d.ce_lba, &mut field);
                        put_record(dir, &mk(x.lba, x.length, date, flags, &e.ident, &field))?;
                    }
                } else if size <= u64::from(u32::MAX) {
                    pack_su(&su, avail, ce, d.ce_lba, &mut field);
                    put_record(
                        dir,
                        &mk(lba, size as u32, date, FileFlags::empty(), &e.ident, &field),
                    )?;
                } else {
                    // ECMA-119 6.5.1 / 9.1.6 bit 7: several extents, all but the last
                    // flagged Multi-Extent, each a whole number of blocks.
                    let parts = size.div_ceil(MAX_EXTENT_LENGTH);
                    for p in 0..parts {
                        let off = p * MAX_EXTENT_LENGTH;
                        let len = (size - off).min(MAX_EXTENT_LENGTH) as u32;
                        let flags = if p + 1 < parts {
                            FileFlags::MULTI_EXTENT
                        } else {
                            FileFlags::empty()
                        };
                        let plba = lba + (off / BS) as u32;
                        pack_su(&su, avail, ce, d.ce_lba, &mut field);
                        put_record(dir, &mk(plba, len, date, flags, &e.ident, &field))?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// RRIP 4.1.2 PN for a Linux `st_rdev`: the two 32-bit halves of the 64-bit `dev_t`, as
/// libisofs writes it. xorriso and libarchive rebuild the `dev_t` from the halves;
/// Linux's isofs decodes high = 0 with low > 0xFF as major = low >> 8, minor = low & 0xFF,
/// which is the same device for every major < 4096 with minor < 256.
fn device_number(rdev: u64) -> DeviceNumber {
    DeviceNumber {
        high: (rdev >> 32) as u32,
        low: rdev as u32,
    }
}

/// Encodes a path table (ECMA-119 9.4) of a hierarchy.
pub(crate) fn encode_path_table(
    view: &View,
    ty: PathTableType,
    out: &mut Vec<u8>,
) -> Result<(), ImageError> {
    for d in &view.dirs {
        PathTableRecord {
            extended_attribute_record_length: 0,
            location_of_extent: d.lba,
            parent_directory_number: (d.parent + 1).min(0xFFFF) as u16,
            directory_identifier: &d.ident,
        }
        .encode(ty, out)?;
    }
    Ok(())
}

fn root_record(view: &View, date: DirectoryDateTime) -> Result<[u8; 34], ImageError> {
    let r = &view.dirs[0];
    let mut v = Vec::with_capacity(34);
    DirectoryRecord {
        extended_attribute_record_length: 0,
        location_of_extent: r.lba,
        data_length: r.blocks * 2048,
        recording_date_and_time: date,
        file_flags: FileFlags::DIRECTORY,
        file_unit_size: 0,
        interleave_gap_size: 0,
        volume_sequence_number: 1,
        file_identifier: ecma::SELF_IDENTIFIER,
        system_use: &[],
    }
    .encode(&mut v)?;
    Ok(v.try_into().expect("34-byte root record"))
}

/// The ECMA-119 volume identifier for a volume name: d-characters, upper-cased, others
/// as `_`, at most 32.
pub(crate) fn iso_volume_identifier(name: &str) -> Vec<u8> {
    name.chars()
        .map(|c| {
            let u = c.to_ascii_uppercase();
            if u.is_ascii() && ecma::is_d_character(u as u8) {
                u as u8
            } else {
                b'_'
            }
        })
        .take(32)
        .collect()
}

fn ucs2_field<const N: usize>(s: &str) -> [u8; N] {
    let mut a = [0u8; N];
    for i in 0..N / 2 {
        a[2 * i] = 0;
        a[2 * i + 1] = b' ';
    }
    let units: Vec<u16> = s
        .encode_utf16()
        .filter(|u| !(0xD800..0xE000).contains(u))
        .take(N / 2)
        .collect();
    for (i, u) in units.iter().enumerate() {
        a[2 * i..2 * i + 2].copy_from_slice(&u.to_be_bytes());
    }
    a
}

/// Application identifier written in the volume descriptors.
const APPLICATION: &str = "DISCBURN";

impl Layout {
    fn root_date(&self, tree: &Tree) -> DirectoryDateTime {
        self.date(self.attrs(tree, DirSource::Node(ROOT)).mtime)
    }

    /// The Primary Volume Descriptor (ECMA-119 8.4).
    pub(crate) fn primary_volume_descriptor(
        &self,
        tree: &Tree,
    ) -> Result<PrimaryVolumeDescriptor, ImageError> {
        let t = self.ts();
        let now = DecDateTime::from_unix(t.unix_seconds, t.utc_offset_minutes);
        let mut p = PrimaryVolumeDescriptor::new_zeroed();
        p.volume_descriptor_type = ecma::VD_TYPE_PRIMARY;
        p.standard_identifier = ecma::STANDARD_IDENTIFIER;
        p.volume_descriptor_version = 1;
        p.system_identifier = ecma::padded(b"LINUX");
        p.volume_identifier = ecma::padded(&iso_volume_identifier(&self.options.volume_name));
        p.volume_space_size = BothU32::new(self.volume_space_size());
        p.volume_set_size = BothU16::new(1);
        p.volume_sequence_number = BothU16::new(1);
        p.logical_block_size = BothU16::new(2048);
        p.path_table_size = BothU32::new(self.iso.path_table_size);
        p.type_l_path_table = U32::new(self.iso.l_lba);
        p.type_m_path_table = U32::new(self.iso.m_lba);
        p.root_directory_record = root_record(&self.iso, self.root_date(tree))?;
        p.volume_set_identifier = ecma::padded(b"");
        p.publisher_identifier = ecma::padded(b"");
        p.data_preparer_identifier = ecma::padded(b"");
        p.application_identifier = ecma::padded(APPLICATION.as_bytes());
        p.copyright_file_identifier = ecma::padded(b"");
        p.abstract_file_identifier = ecma::padded(b"");
        p.bibliographic_file_identifier = ecma::padded(b"");
        p.volume_creation_date_and_time = now;
        p.volume_modification_date_and_time = now;
        p.volume_expiration_date_and_time = DecDateTime::UNSPECIFIED;
        p.volume_effective_date_and_time = DecDateTime::UNSPECIFIED;
        p.file_structure_version = 1;
        Ok(p)
    }

    /// The Joliet Supplementary Volume Descriptor (ECMA-119 8.5, Joliet spec).
    pub(crate) fn supplementary_volume_descriptor(
        &self,
        tree: &Tree,
    ) -> Result<SupplementaryVolumeDescriptor, ImageError> {
        let j = self.joliet.as_ref().expect("Joliet selected");
        let t = self.ts();
        let now = DecDateTime::from_unix(t.unix_seconds, t.utc_offset_minutes);
        let mut s = SupplementaryVolumeDescriptor::new_zeroed();
        s.volume_descriptor_type = ecma::VD_TYPE_SUPPLEMENTARY;
        s.standard_identifier = ecma::STANDARD_IDENTIFIER;
        s.volume_descriptor_version = 1;
        s.system_identifier = ucs2_field("LINUX");
        s.volume_identifier = ucs2_field(&self.options.volume_name);
        s.volume_space_size = BothU32::new(self.volume_space_size());
        s.escape_sequences[..3].copy_from_slice(&discburn_format::joliet::ESCAPE_SEQUENCE_LEVEL_3);
        s.volume_set_size = BothU16::new(1);
        s.volume_sequence_number = BothU16::new(1);
        s.logical_block_size = BothU16::new(2048);
        s.path_table_size = BothU32::new(j.path_table_size);
        s.type_l_path_table = U32::new(j.l_lba);
        s.type_m_path_table = U32::new(j.m_lba);
        s.root_directory_record = root_record(j, self.root_date(tree))?;
        s.volume_set_identifier = ucs2_field("");
        s.publisher_identifier = ucs2_field("");
        s.data_preparer_identifier = ucs2_field("");
        s.application_identifier = ucs2_field(APPLICATION);
        s.copyright_file_identifier[..36].copy_from_slice(&ucs2_field::<36>(""));
        s.copyright_file_identifier[36] = 0;
        s.abstract_file_identifier[..36].copy_from_slice(&ucs2_field::<36>(""));
        s.bibliographic_file_identifier[..36].copy_from_slice(&ucs2_field::<36>(""));
        s.volume_creation_date_and_time = now;
        s.volume_modification_date_and_time = now;
        s.volume_expiration_date_and_time = DecDateTime::UNSPECIFIED;
        s.volume_effective_date_and_time = DecDateTime::UNSPECIFIED;
        s.file_structure_version = 1;
        Ok(s)
    }

    /// Bytes of one metadata region (everything but file data), padded to whole
    /// blocks. For an ECMA-119 directory the continuation areas that follow it are
    /// returned as the second value.
    pub(crate) fn metadata_bytes(
        &self,
        tree: &Tree,
        kind: RegionKind,
        out: &mut Vec<u8>,
        ce_out: &mut Vec<u8>,
    ) -> Result<(), ImageError> {
        let start = out.len();
        match kind {
            RegionKind::SystemArea => out.resize(start + 16 * SECTOR_SIZE, 0),
            RegionKind::PrimaryVolumeDescriptor => {
                out.extend_from_slice(self.primary_volume_descriptor(tree)?.as_bytes())
            }
            RegionKind::BootRecord => out.extend_from_slice(&crate::boot::boot_record(
                self.boot.as_ref().expect("placed with the region"),
            )),
            RegionKind::SupplementaryVolumeDescriptor => {
                out.extend_from_slice(self.supplementary_volume_descriptor(tree)?.as_bytes())
            }
            RegionKind::VolumeDescriptorSetTerminator => {
                out.extend_from_slice(VolumeDescriptorSetTerminator::new().as_bytes())
            }
            RegionKind::PathTable {
                hierarchy,
                table_type,
            } => {
                let v = match hierarchy {
                    Hierarchy::Iso9660 => &self.iso,
                    Hierarchy::Joliet => self.joliet.as_ref().expect("Joliet"),
                };
                encode_path_table(v, table_type, out)?;
                let b = blocks_for(u64::from(v.path_table_size)).max(1) as usize;
                out.resize(start + b * SECTOR_SIZE, 0);
            }
            RegionKind::Directory { hierarchy, index } => {
                let v = match hierarchy {
                    Hierarchy::Iso9660 => &self.iso,
                    Hierarchy::Joliet => self.joliet.as_ref().expect("Joliet"),
                };
                let mut dir = Vec::new();
                ce_out.clear();
                encode_directory(self, tree, v, hierarchy, index, &mut dir, ce_out)?;
                let d = &v.dirs[index as usize];
                assert_eq!(
                    blocks_for(dir.len() as u64),
                    u64::from(d.blocks),
                    "directory size changed between plan and emit"
                );
                out.extend_from_slice(&dir);
                out.resize(start + d.blocks as usize * SECTOR_SIZE, 0);
                ce_out.resize(d.ce_blocks as usize * SECTOR_SIZE, 0);
            }
            RegionKind::ContinuationArea { .. } => {
                out.extend_from_slice(ce_out);
                ce_out.clear();
            }
            RegionKind::ChecksumTag { .. } | RegionKind::ChecksumArray => {
                // Produced by the result stream, which hashes what it emits; zeros when
                // a piece of the session is made on its own (the random-write head).
                let blocks = self.region_blocks(kind);
                out.resize(start + blocks as usize * SECTOR_SIZE, 0);
            }
            RegionKind::Udf(r) => self.udf_bytes(tree, r, out)?,
            RegionKind::FileData { .. } => unreachable!("file data is not metadata"),
        }
        Ok(())
    }

    fn region_blocks(&self, kind: RegionKind) -> u64 {
        self.regions
            .iter()
            .find(|r| r.kind == kind)
            .map_or(0, |r| r.blocks)
    }

    /// Image path of a data extent's item.
    pub(crate) fn data_path(&self, tree: &Tree, index: usize) -> String {
        tree.path_of(self.data[index].node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_are_dev_t_halves() {
        // glibc makedev(8, 1) = 0x801; makedev(259, 5) = 0x1_0305.
        assert_eq!(
            device_number(0x801),
            DeviceNumber {
                high: 0,
                low: 0x801
            }
        );
        assert_eq!(
            device_number(0x1_0305),
            DeviceNumber {
                high: 0,
                low: 0x1_0305
            }
        );
        assert_eq!(
            device_number(0x1234_0000_0801),
            DeviceNumber {
                high: 0x1234,
                low: 0x801
            }
        );
    }
}
