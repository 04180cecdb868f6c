//! Import of a previous session into the tree (IMAPI2 IFileSystemImage::ImportFileSystem,
//! ImportSpecificFileSystem, IdentifyFileSystemsOnDisc, GetDefaultFileSystemForImport).
//!
//! The session's UDF file set is imported when asked for (and by default, I-13/I-14):
//! names and POSIX attributes of its File Entries, hard links (one ICB), symlinks; file
//! data by its absolute extents (partition start + logical block, through the VAT or
//! the metadata file when the volume has them); data embedded in a File Entry or in
//! extents not recorded (sparse) is copied from the media into memory (at most
//! [`MAX_COPIED_FILE_BYTES`] per file), never dropped.
//!
//! Imported files become items whose data is their recorded extent
//! ([`FileSource::Extent`]), or their recorded extents for a file of several File
//! Sections ([`FileSource::Extents`], ECMA-119 6.5.1: gaps and any order kept as they
//! are): no file data is read (I-18), the new directory records point at the old LBAs
//! (O-23), one record per extent. Rock Ridge names and attributes (mode, owner, times,
//! symbolic links, devices, hard links) are used when the session has them; the
//! ECMA-119 identifier and the Joliet name each item had are kept, so unchanged items
//! keep their names in every hierarchy, and new items are named around them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use discburn_format::rrip::mode as m;
use discburn_reader::{self as reader, ReadOptions, SectorSource, UdfVolume, View, Volume};

use crate::import_events::Events;
use crate::tree::{Extent, FileSource, FixedNames, ItemMetadata, NodeKind, ROOT, Tree};
use crate::{FileSystems, ImageError};

/// IFileSystemImage::IdentifyFileSystemsOnDisc for the session starting at
/// `session_start`: the file systems found (ISO9660, JOLIET, UDF, ROCK_RIDGE), empty if
/// none.
///
/// # Errors
/// [`ImageError::Import`] if the descriptors cannot be read.
pub fn identify_file_systems(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
) -> Result<FileSystems, ImageError> {
    match reader::identify(src, session_start) {
        Ok(fs) => Ok(fs),
        Err(reader::ReadError::NoVolume { .. }) => Ok(FileSystems::empty()),
        Err(source) => Err(ImageError::Import { source }),
    }
}

/// IFileSystemImage::GetDefaultFileSystemForImport: UDF if present, else Joliet, else
/// ISO 9660 (I-14); empty if none of them is in `file_systems`.
pub fn default_file_system_for_import(file_systems: FileSystems) -> FileSystems {
    [FileSystems::UDF, FileSystems::JOLIET, FileSystems::ISO9660]
        .into_iter()
        .find(|f| file_systems.contains(*f))
        .unwrap_or(FileSystems::empty())
}

/// Largest file whose data an import copies into memory: a UDF file with data embedded
/// in its File Entry or with extents not recorded (64 MiB). Larger ones are refused
/// with [`ImageError::Import`] naming the file.
pub const MAX_COPIED_FILE_BYTES: u64 = 64 << 20;

/// What an import left in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Imported {
    /// Volume identifier of the imported session (IFileSystemImage::ImportedVolumeName).
    pub(crate) volume_name: String,
    /// Start block of the imported session.
    pub(crate) session_start: u64,
    /// File system imported (one flag).
    pub(crate) file_system: FileSystems,
    /// File systems the session holds (ISO9660, JOLIET, UDF, ROCK_RIDGE).
    pub(crate) present: FileSystems,
    /// The UDF revision of the session's UDF volume (BCD, `UdfVolume::revision`), when
    /// it was imported through UDF.
    pub(crate) udf_revision: Option<u16>,
    /// The VAT volume imported through UDF (a virtual partition), which an appended
    /// UDF-only session continues ([`crate::udf::vat`]).
    pub(crate) vat: Option<Arc<crate::udf::vat::VatPrevious>>,
    /// A UDF volume alone with one type 1 partition, imported through UDF: the
    /// partition's start (absolute LBA). Its items' `recorded.udf` hold their File
    /// Entries' blocks in that partition.
    pub(crate) udf_partition_start: Option<u32>,
    /// LBA 256 holds a UDF Anchor Volume Descriptor Pointer.
    pub(crate) udf_anchor_256: bool,
}

/// Reads the session's tree in the view that gives the best names for `fs` and merges it
/// into `tree` (items already in `tree` win, I-19), raising the UpdateImport events.
pub(crate) fn import_into(
    tree: &Tree,
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
    fs: FileSystems,
    events: &mut Events<'_>,
) -> Result<(Tree, Imported), ImageError> {
    let rerr = |source| ImageError::Import { source };
    let options = ReadOptions::default();
    let (vol, udf) = if fs == FileSystems::UDF {
        // A UDF volume may stand alone (no ECMA-119 descriptors).
        let udf = match UdfVolume::open(src, session_start, &options) {
            Ok(u) => Some(u),
            Err(reader::ReadError::NoUdfVolume { .. }) => None,
            Err(e) => return Err(rerr(e)),
        };
        match Volume::open(src, session_start, &options) {
            Ok(v) => (Some(v), udf),
            Err(reader::ReadError::NoVolume { .. }) if udf.is_some() => (None, udf),
            Err(reader::ReadError::NoVolume { .. }) => {
                return Err(ImageError::FileSystemNotFound {
                    requested: "UDF",
                    session_start,
                });
            }
            Err(e) => return Err(rerr(e)),
        }
    } else {
        (
            Some(Volume::open(src, session_start, &options).map_err(rerr)?),
            None,
        )
    };
    let mut present = vol
        .as_ref()
        .map_or(FileSystems::empty(), Volume::file_systems);
    if udf.is_some() {
        present |= FileSystems::UDF;
    }
    let requested = if fs == FileSystems::JOLIET {
        "JOLIET"
    } else if fs == FileSystems::ISO9660 {
        "ISO9660"
    } else if fs == FileSystems::UDF {
        "UDF"
    } else {
        return Err(ImageError::InvalidFileSystems {
            reason: "import needs exactly one of ISO9660, JOLIET, UDF",
        });
    };
    if !present.contains(fs) || (fs == FileSystems::UDF && udf.is_none()) {
        return Err(ImageError::FileSystemNotFound {
            requested,
            session_start,
        });
    }
    let rock_ridge = vol.as_ref().is_some_and(|v| v.rock_ridge.is_some());
    let primary_view = if fs == FileSystems::UDF {
        View::Udf
    } else if rock_ridge {
        View::RockRidge
    } else if fs == FileSystems::JOLIET {
        View::Joliet
    } else {
        View::Iso9660
    };
    let primary = match &udf {
        Some(u) if primary_view == View::Udf => u.read_tree(src).map_err(rerr)?,
        _ => vol
            .as_ref()
            .expect("an ECMA-119 volume")
            .read_tree(src, primary_view)
            .map_err(rerr)?,
    };
    let vat = match &udf {
        Some(u) if primary_view == View::Udf => vat_previous(src, u)?,
        _ => None,
    };
    // A UDF volume alone whose file structure lies in its one type 1 partition: a
    // volume appended on overwritable media keeps that partition's start, and with it
    // the File Entries of unchanged files (crate::udf::plan_structures).
    let physical_partition = match &udf {
        Some(u)
            if primary_view == View::Udf
                && vol.is_none()
                && vat.is_none()
                && u.partitions.len() == 1
                && matches!(u.partitions[0].kind, reader::udf::PartitionKind::Physical) =>
        {
            u32::try_from(u.partitions[0].start).ok()
        }
        _ => None,
    };
    let vref = vat.as_ref().map(|v| v.1).or(physical_partition.map(|_| 0));
    let vat = vat.map(|v| Arc::new(v.0));
    // The other hierarchies of the session, to keep the names items had there.
    let joliet = match &vol {
        Some(v) if v.joliet.is_some() && primary_view != View::Joliet => {
            Some(v.read_tree(src, View::Joliet).map_err(rerr)?)
        }
        _ => None,
    };
    let iso = match &vol {
        Some(v) if matches!(primary_view, View::Joliet | View::Udf) => {
            Some(v.read_tree(src, View::Iso9660).map_err(rerr)?)
        }
        _ => None,
    };
    // The session's checksum array (libisofs doc/checksums.txt): the MD5s of kept
    // files go over into the new session's array. Read with Rock Ridge, where the AAIP
    // attributes `isofs.ca` and `isofs.cx` are.
    let kept_md5 = (primary_view == View::RockRidge)
        .then(|| primary.root().rock_ridge().and_then(|r| r.md5_area))
        .flatten()
        .and_then(|area| crate::checksum::read_array(src, &area, session_start));
    let joliet_match = joliet.as_ref().map(|j| match_trees(&primary, j));
    let iso_match = iso.as_ref().map(|i| match_trees(&primary, i));
    // genisoimage -udf records the symbolic links of a Rock Ridge bridge as empty
    // regular files in UDF: those are taken from Rock Ridge.
    let rr_tree = match &vol {
        Some(v) if primary_view == View::Udf && v.rock_ridge.is_some() => {
            Some(v.read_tree(src, View::RockRidge).map_err(rerr)?)
        }
        _ => None,
    };
    let rr_match = rr_tree.as_ref().map(|t| match_trees(&primary, t));
    // Recorded extents for directory reuse, per hierarchy, keyed by the primary node.
    let (iso_tree, joliet_tree) = match primary_view {
        View::Joliet => (iso.as_ref(), Some(&primary)),
        _ => (Some(&primary), joliet.as_ref()),
    };
    let iso_recorded = iso_tree.map(|t| crate::reuse::record_tree(src, t));
    let joliet_recorded = joliet_tree.map(|t| crate::reuse::record_tree(src, t));
    let recorded_of = |n: &reader::Node<'_>| {
        let i = n.id().index();
        // The roots pair with each other; other nodes as match_trees paired them.
        let other = |m: &Option<HashMap<usize, reader::NodeId>>, t: Option<&reader::Tree>| {
            if n.parent().is_none() {
                t.map(|t| t.root().id().index())
            } else {
                m.as_ref().and_then(|m| m.get(&i)).map(|x| x.index())
            }
        };
        let in_iso = match primary_view {
            View::Joliet => other(&iso_match, iso.as_ref()),
            _ => Some(i),
        };
        let in_joliet = match primary_view {
            View::Joliet => Some(i),
            _ => other(&joliet_match, joliet.as_ref()),
        };
        crate::reuse::Recorded {
            iso: in_iso.and_then(|k| iso_recorded.as_ref()?.get(&k).copied()),
            joliet: in_joliet.and_then(|k| joliet_recorded.as_ref()?.get(&k).copied()),
            serial: n.rock_ridge().filter(|r| r.has_px).and_then(|r| r.inode),
            udf: n
                .udf_icb()
                .filter(|i| Some(i.partition_reference) == vref)
                .map(|i| crate::reuse::UdfRecorded {
                    icb: i.logical_block,
                    unique_id: i.unique_id,
                    children: n.child_count() as u32,
                }),
        }
    };

    // Hard links: members of one group share a synthetic link key.
    let mut link_key: HashMap<usize, (u64, u64)> = HashMap::new();
    if rock_ridge || primary_view == View::Udf {
        for (g, ids) in primary.hard_link_groups().iter().enumerate() {
            for id in ids {
                link_key.insert(id.index(), (u64::MAX, g as u64));
            }
        }
    }

    let mut out = tree.clone();
    // (reader node, image directory) pairs still to merge.
    let mut stack = vec![(primary.root(), ROOT)];
    if let Some(rr) = primary.root().rock_ridge() {
        out.nodes[ROOT as usize].meta = meta_from(&primary.root(), Some(rr), None);
    }
    if out.nodes[ROOT as usize].fixed.is_none() {
        out.nodes[ROOT as usize].fixed = Some(Box::new(FixedNames {
            recorded: recorded_of(&primary.root()),
            ..FixedNames::default()
        }));
    }
    while let Some((dir, into)) = stack.pop() {
        events.directory(&out.path_of(into));
        for child in dir.children() {
            let name = child.name_bytes();
            if rock_ridge
                && primary_view != View::Udf
                && dir.parent().is_none()
                && child.is_dir()
                && child.child_count() == 0
                && name == crate::RELOCATION_DIRECTORY.as_bytes()
            {
                // The (emptied) relocation directory: the new layout makes its own.
                continue;
            }
            let path = || {
                let p = out.path_of(into);
                if p == "/" {
                    format!("/{}", String::from_utf8_lossy(name))
                } else {
                    format!("{p}/{}", String::from_utf8_lossy(name))
                }
            };
            if !child.is_dir() {
                events.file(path);
            }
            let existing = out.node(into).children().and_then(|c| c.get(name)).copied();
            if let Some(e) = existing {
                match (out.node(e).is_dir(), child.is_dir()) {
                    (true, true) => stack.push((child, e)),
                    (false, true) => {
                        return Err(ImageError::ImportTypeCollisionFileExistsAsDirectory {
                            path: path(),
                        });
                    }
                    (true, false) => {
                        return Err(ImageError::ImportTypeCollisionDirectoryExistsAsFile {
                            path: path(),
                        });
                    }
                    (false, false) => {}
                }
                continue;
            }
            let rr = child.rock_ridge();
            let bridged = (child.kind() == reader::NodeKind::File && child.size() == 0)
                .then(|| {
                    let id = *rr_match.as_ref()?.get(&child.id().index())?;
                    let n = rr_tree.as_ref()?.get(id);
                    n.symlink_target().map(|t| (n, t))
                })
                .flatten();
            let kind = if let Some((_, target)) = bridged {
                NodeKind::Symlink(target.into())
            } else {
                match child.kind() {
                    reader::NodeKind::Directory => NodeKind::Directory(BTreeMap::new()),
                    reader::NodeKind::File
                        if child.has_irregular_data() || !sections_ok(&child) =>
                    {
                        // UDF data embedded in the File Entry, extents not recorded, or
                        // extents that are not whole blocks: copied now.
                        let size = child.size();
                        if size > MAX_COPIED_FILE_BYTES {
                            return Err(rerr(reader::ReadError::Invalid {
                                place: reader::Place::new(
                                    "file identifier descriptor",
                                    child.record_lba(),
                                    child.record_offset(),
                                ),
                                detail: format!(
                                    "{}: {size} bytes of data embedded, not recorded or in extents that are not whole blocks; importing it would copy more than {MAX_COPIED_FILE_BYTES} bytes into memory",
                                    path()
                                ),
                            }));
                        }
                        let mut data = Vec::with_capacity(size as usize);
                        child.copy_data(src, &mut data).map_err(rerr)?;
                        NodeKind::File {
                            source: FileSource::Bytes(data.into()),
                            size,
                        }
                    }
                    reader::NodeKind::File => {
                        let size = child.size();
                        let ext = child.extents();
                        if size == 0 || ext.is_empty() {
                            NodeKind::File {
                                source: FileSource::Bytes(Vec::new().into()),
                                size: 0,
                            }
                        } else if let [one] = ext {
                            NodeKind::File {
                                source: FileSource::Extent {
                                    lba: one.lba,
                                    length: size,
                                },
                                size,
                            }
                        } else {
                            // Several File Sections (ECMA-119 6.5.1), kept as recorded:
                            // gaps and any order are allowed.
                            NodeKind::File {
                                source: FileSource::Extents(
                                    ext.iter()
                                        .map(|e| Extent {
                                            lba: e.lba,
                                            length: e.length,
                                        })
                                        .collect(),
                                ),
                                size,
                            }
                        }
                    }
                    reader::NodeKind::Symlink => {
                        NodeKind::Symlink(child.symlink_target().unwrap_or_default().into())
                    }
                    k => {
                        let ty = match k {
                            reader::NodeKind::CharDevice => m::S_IFCHR,
                            reader::NodeKind::BlockDevice => m::S_IFBLK,
                            reader::NodeKind::Fifo => m::S_IFIFO,
                            _ => m::S_IFSOCK,
                        };
                        let rdev = rr
                            .and_then(|r| r.device)
                            .map_or(0, |(h, l)| (u64::from(h) << 32) | u64::from(l));
                        NodeKind::Special { mode: ty, rdev }
                    }
                }
            };
            let meta = match bridged {
                Some((n, _)) => meta_from(&n, n.rock_ridge(), None),
                None => meta_from(&child, rr, link_key.get(&child.id().index()).copied()),
            };
            let fixed = FixedNames {
                iso: match primary_view {
                    View::Joliet | View::Udf => iso_match
                        .as_ref()
                        .and_then(|mm| mm.get(&child.id().index()))
                        .and_then(|&i| iso.as_ref().map(|t| t.get(i).identifier().into())),
                    _ => Some(child.identifier().into()),
                },
                joliet: None,
                md5: None,
                md5_index: None,
                recorded: recorded_of(&child),
                joliet_raw: match primary_view {
                    View::Joliet => Some(child.identifier().into()),
                    _ => joliet_match
                        .as_ref()
                        .and_then(|mm| mm.get(&child.id().index()))
                        .and_then(|&i| joliet.as_ref().map(|t| t.get(i).identifier().into())),
                },
            };
            let md5 = match (&kind, &kept_md5, rr.and_then(|r| r.md5_index)) {
                (
                    NodeKind::File {
                        source: FileSource::Extent { .. } | FileSource::Extents(_),
                        ..
                    }
                    | NodeKind::File { size: 0, .. },
                    Some(array),
                    Some(i),
                ) if i >= 1 && (i as usize) < array.len() - 1 => Some((array[i as usize], i)),
                _ => None,
            };
            let fixed = FixedNames {
                joliet: fixed.joliet_raw.as_deref().map(joliet_units),
                md5: md5.map(|m| m.0),
                md5_index: md5.map(|m| m.1),
                ..fixed
            };
            let id = out.push(into, name, kind, meta);
            out.nodes[id as usize].fixed = Some(Box::new(fixed));
            if child.is_dir() {
                stack.push((child, id));
            }
        }
    }
    let volume_name = match (&udf, &vol) {
        (Some(u), _) if primary_view == View::Udf => u.logical_volume_identifier.clone(),
        (_, Some(v)) => v.primary.volume_identifier.clone(),
        _ => String::new(),
    };
    Ok((
        out,
        Imported {
            volume_name,
            session_start,
            file_system: fs,
            present,
            udf_revision: udf
                .as_ref()
                .filter(|_| primary_view == View::Udf)
                .map(|u| u.revision),
            vat,
            udf_partition_start: physical_partition,
            udf_anchor_256: udf.is_some() && anchor_at_256(src),
        },
    ))
}

/// Whether an NSR02 or NSR03 descriptor (ECMA-167 3/9.1) lies in blocks 16–31 of the
/// session: it announces a UDF volume.
pub(crate) fn has_udf_recognition_sequence(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
) -> bool {
    use discburn_format::ecma167::{volume_structure_identifier, vsd_id};
    let mut sector = vec![0u8; discburn_format::SECTOR_SIZE];
    (16..32).any(|i| {
        src.read_sectors(session_start + i, &mut sector).is_ok()
            && matches!(
                volume_structure_identifier(&sector),
                Some(id) if id == vsd_id::NSR02 || id == vsd_id::NSR03
            )
    })
}

/// Whether LBA 256 holds a valid Anchor Volume Descriptor Pointer (ECMA-167 3/10.2).
fn anchor_at_256(src: &mut (impl SectorSource + ?Sized)) -> bool {
    use discburn_format::ecma167::{AnchorVolumeDescriptorPointer, decode_descriptor};
    let mut sector = vec![0u8; discburn_format::SECTOR_SIZE];
    src.total_sectors() > 256
        && src.read_sectors(256, &mut sector).is_ok()
        && decode_descriptor::<AnchorVolumeDescriptorPointer>(&sector, Some(256)).is_ok()
}

/// The VAT volume of `u` (UDF 2.60 2.2.11) and its virtual partition reference, with
/// the volume descriptor sequences its anchor names.
///
/// # Errors
/// [`ImageError::Import`] when the anchor cannot be read again, or the VAT volume cannot
/// be continued (its partitions or VAT lie beyond LBA 2^32 − 1).
fn vat_previous(
    src: &mut (impl SectorSource + ?Sized),
    u: &UdfVolume,
) -> Result<Option<(crate::udf::vat::VatPrevious, u16)>, ImageError> {
    use discburn_format::ecma167::{AnchorVolumeDescriptorPointer, decode_descriptor};
    let Some(t) = u.virtual_allocation_table() else {
        return Ok(None);
    };
    let invalid = |lba: u64, detail: String| ImageError::Import {
        source: reader::ReadError::Invalid {
            place: reader::Place::new("anchor volume descriptor pointer", lba, 0),
            detail,
        },
    };
    // The sessions this crate appends record the physical map as reference 0 and the
    // virtual one as 1 (as mkudffs does); another arrangement (a metadata partition
    // too) is not continued.
    if (t.physical_reference, t.virtual_reference) != (0, 1) || u.partitions.len() != 2 {
        return Err(invalid(
            u.anchor_lba,
            format!(
                "the UDF volume has {} partition maps (physical {}, virtual {}); an appended VAT session needs exactly a physical map 0 and a virtual map 1",
                u.partitions.len(),
                t.physical_reference,
                t.virtual_reference
            ),
        ));
    }
    let mut sector = vec![0u8; discburn_format::SECTOR_SIZE];
    src.read_sectors(u.anchor_lba, &mut sector)
        .map_err(|source| ImageError::Import {
            source: reader::ReadError::Io {
                lba: u.anchor_lba,
                count: 1,
                source,
            },
        })?;
    let (_, a) = decode_descriptor::<AnchorVolumeDescriptorPointer>(
        &sector,
        u32::try_from(u.anchor_lba).ok(),
    )
    .map_err(|e| invalid(u.anchor_lba, e.to_string()))?;
    let fit = |x: u64| {
        u32::try_from(x).map_err(|_| {
            invalid(
                u.anchor_lba,
                format!("the UDF volume's partition or VAT lies beyond LBA 2^32 - 1 ({x}); it cannot be continued"),
            )
        })
    };
    Ok(Some((
        crate::udf::vat::VatPrevious {
            revision: u.domain_revision,
            partition_start: fit(t.partition_start)?,
            partition_length: fit(t.partition_length)?,
            icb_lba: fit(t.icb_lba)?,
            entries: t.entries,
            main_vds: a.main_volume_descriptor_sequence_extent.extent_location,
            reserve_vds: a.reserve_volume_descriptor_sequence_extent.extent_location,
        },
        t.virtual_reference,
    )))
}

/// Whether the recorded extents of `node` can be referenced as File Sections: every
/// extent but the last a whole number of blocks (UDF allows nothing else, ECMA-167 4/12.1;
/// a hostile image might).
fn sections_ok(node: &reader::Node<'_>) -> bool {
    let ext = node.extents();
    ext.len() < 2 || ext[..ext.len() - 1].iter().all(|e| e.length % 2048 == 0)
}

/// UCS-2 units of a raw Joliet identifier, without the `;1` version.
fn joliet_units(ident: &[u8]) -> Box<[u16]> {
    let mut u: Vec<u16> = ident
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    if let Some(i) = u.iter().rposition(|&c| c == u16::from(b';')) {
        u.truncate(i);
    }
    u.into()
}

fn meta_from(
    node: &reader::Node<'_>,
    rr: Option<&reader::RockRidge>,
    link_key: Option<(u64, u64)>,
) -> ItemMetadata {
    let recorded = node.recording_time().to_unix();
    let kind_mode = match node.kind() {
        reader::NodeKind::Directory => m::S_IFDIR,
        reader::NodeKind::Symlink => m::S_IFLNK,
        _ => m::S_IFREG,
    };
    let mut meta = ItemMetadata::synthetic(kind_mode);
    meta.modified = recorded;
    meta.link_key = link_key;
    if let Some(r) = rr {
        if r.has_px {
            meta.permissions = r.mode & 0o7777;
            meta.uid = r.uid;
            meta.gid = r.gid;
        }
        if node.tree_view() == View::Udf {
            // UDF 3.3.3.1: 0xFFFFFFFF is "no user/group ID": root's.
            for id in [&mut meta.uid, &mut meta.gid] {
                if *id == u32::MAX {
                    *id = 0;
                }
            }
        }
        meta.modified = r.times.modify.or(recorded);
        meta.accessed = r.times.access;
        meta.changed = r.times.attributes;
    }
    meta
}

/// Pairs the nodes of tree `a` with those of tree `b` (two hierarchies of one session),
/// one to one: children of paired directories are paired by equal name, then (`b` a
/// Joliet tree) by a Joliet name this crate gives `a`'s name, then files by their
/// first extent, then directories by the extents of the files they hold. Each node of
/// `b` is paired at most once, so hard links (which share their extent) and
/// directories of equal contents never take the same record.
fn match_trees(a: &reader::Tree, b: &reader::Tree) -> HashMap<usize, reader::NodeId> {
    fn file_key(n: &reader::Node<'_>) -> Option<(u32, u64)> {
        (n.kind() == reader::NodeKind::File && n.size() > 0)
            .then(|| n.extents().first().map(|e| (e.lba, n.size())))
            .flatten()
    }
    fn signature(n: &reader::Node<'_>) -> Vec<(u32, u64)> {
        let mut v: Vec<_> = n.children().filter_map(|c| file_key(&c)).collect();
        v.sort_unstable();
        v
    }
    let joliet = b.view() == View::Joliet;
    let mut out = HashMap::new();
    let mut stack = vec![(a.root(), b.root())];
    while let Some((da, db)) = stack.pop() {
        let kids_a: Vec<_> = da.children().collect();
        let kids_b: Vec<_> = db.children().collect();
        let mut hit: Vec<Option<usize>> = vec![None; kids_a.len()];
        let mut used = vec![false; kids_b.len()];
        // Candidates of `b` per key, in record order; the first unused one is taken.
        let pass = |hit: &mut Vec<Option<usize>>,
                    used: &mut Vec<bool>,
                    key_b: &dyn Fn(&reader::Node<'_>) -> Vec<Vec<u8>>,
                    key_a: &dyn Fn(&reader::Node<'_>) -> Vec<Vec<u8>>| {
            let mut index: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
            for (i, k) in kids_b.iter().enumerate() {
                if !used[i] {
                    for key in key_b(k) {
                        index.entry(key).or_default().push(i);
                    }
                }
            }
            for (j, ca) in kids_a.iter().enumerate() {
                if hit[j].is_some() {
                    continue;
                }
                let found = key_a(ca).iter().find_map(|key| {
                    index
                        .get(key)
                        .and_then(|c| c.iter().copied().find(|&i| !used[i]))
                });
                if let Some(i) = found {
                    used[i] = true;
                    hit[j] = Some(i);
                }
            }
        };
        let typed = |n: &reader::Node<'_>, mut k: Vec<u8>| {
            k.push(u8::from(n.is_dir()));
            k
        };
        pass(
            &mut hit,
            &mut used,
            &|k| vec![typed(k, k.name_bytes().to_vec())],
            &|k| vec![typed(k, k.name_bytes().to_vec())],
        );
        if joliet {
            pass(
                &mut hit,
                &mut used,
                &|k| {
                    let units = joliet_units(k.identifier());
                    vec![typed(
                        k,
                        units.iter().flat_map(|u| u.to_be_bytes()).collect(),
                    )]
                },
                &|k| {
                    crate::names::joliet_name_candidates(k.name_bytes(), k.is_dir())
                        .into_iter()
                        .map(|u| typed(k, u.iter().flat_map(|u| u.to_be_bytes()).collect()))
                        .collect()
                },
            );
        }
        let extent_key = |k: &reader::Node<'_>| -> Vec<Vec<u8>> {
            file_key(k)
                .map(|(lba, size)| [&lba.to_le_bytes()[..], &size.to_le_bytes()].concat())
                .into_iter()
                .collect()
        };
        pass(&mut hit, &mut used, &extent_key, &extent_key);
        let sig_key = |k: &reader::Node<'_>| -> Vec<Vec<u8>> {
            if !k.is_dir() {
                return Vec::new();
            }
            let s = signature(k);
            if s.is_empty() {
                return Vec::new();
            }
            vec![
                s.iter()
                    .flat_map(|(lba, size)| [&lba.to_le_bytes()[..], &size.to_le_bytes()].concat())
                    .collect(),
            ]
        };
        pass(&mut hit, &mut used, &sig_key, &sig_key);
        for (ca, h) in kids_a.iter().zip(hit) {
            if let Some(i) = h {
                let cb = kids_b[i];
                out.insert(ca.id().index(), cb.id());
                if ca.is_dir() && cb.is_dir() {
                    stack.push((*ca, cb));
                }
            }
        }
    }
    out
}

/// Replaces imported file data that lies in LBA 0–31 (a session recorded at LBA 0, as
/// genisoimage and growisofs do) with a copy read now: the head of a random-write
/// append overwrites those blocks. A file with any extent there is read whole (all its
/// extents, in file order); no other file data is read.
pub(crate) fn copy_head_extents(
    tree: &mut Tree,
    src: &mut (impl SectorSource + ?Sized),
) -> Result<(), ImageError> {
    crate::reuse::forget_head_directories(tree);
    let head = u64::from(crate::RANDOM_WRITE_HEAD_BLOCKS);
    for node in &mut tree.nodes {
        let NodeKind::File { source, size } = &mut node.kind else {
            continue;
        };
        let Some(extents) = source.recorded_extents() else {
            continue;
        };
        if extents
            .iter()
            .all(|e| u64::from(e.lba) >= head || e.length == 0)
        {
            continue;
        }
        let mut data = Vec::new();
        for e in &extents {
            let blocks = u64::from(e.length).div_ceil(2048);
            let at = data.len();
            data.resize(at + (blocks * 2048) as usize, 0);
            src.read_sectors(u64::from(e.lba), &mut data[at..])
                .map_err(|err| ImageError::Import {
                    source: discburn_reader::ReadError::Io {
                        lba: u64::from(e.lba),
                        count: blocks,
                        source: err,
                    },
                })?;
            data.truncate(at + e.length as usize);
        }
        *size = data.len() as u64;
        *source = FileSource::Bytes(data.into());
    }
    Ok(())
}
