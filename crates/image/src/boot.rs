//! El Torito boot (IMAPI2 IBootOptions, IFileSystemImage::BootImageOptionsArray; El
//! Torito 1.0): the boot entries of a new session, and the boot record of an imported
//! session kept in the next one.
//!
//! A new catalog is a file of the tree (default `/boot.catalog`, visible in every
//! view, as genisoimage and xorriso record it); the boot images are files of the tree.
//! The layout places the Boot Record Volume Descriptor right after the Primary Volume
//! Descriptor (El Torito 2.0: sector 17 of the session) and the catalog and boot
//! images with the file data; the catalog's bytes and the boot info tables are made
//! while the result streams, when every LBA is known.
//!
//! Import keeps the previous session's boot record: the new session's descriptors get
//! a boot record pointing at the same catalog, whose boot images stay where they are
//! (xorriso `-boot_image any keep`). When a boot image cannot stay (its file was
//! removed or replaced, or it lies in the blocks a random-write head overwrites), the
//! entries are written again: a new catalog naming the files at their paths, boot info
//! tables patched again where the old image had one; a boot image that is no longer
//! a file of the tree stops the layout ([`ImageError::BootImageNotKept`]) unless the
//! boot record is discarded ([`crate::FileSystemImage::set_boot_discard`]).
//!
//! **Deviation from IMAPI2 (I-26):** IMAPI2 refuses boot options on an image with
//! previous sessions (IMAPI_E_BOOT_OBJECT_CONFLICT) and does not keep a previous
//! session's boot record; here new boot options replace the kept boot record, and the
//! kept one survives an append.

use std::io::Read as _;
use std::sync::Arc;

use discburn_format::SECTOR_SIZE;
use discburn_format::eltorito::{
    BootCatalog, BootEntry, BootInfoTable, BootRecordVolumeDescriptor, Section, ValidationEntry,
};
pub use discburn_format::eltorito::{Emulation, PlatformId};
use discburn_reader::{ReadOptions, SectorSource, Volume};

use crate::ImageError;
use crate::layout::Layout;
use crate::tree::{FileSource, NodeId, NodeKind, Tree};

/// Default image path of a new boot catalog (genisoimage/xorriso `-c boot.catalog`).
pub const DEFAULT_BOOT_CATALOG: &str = "/boot.catalog";

/// Most boot entries of one catalog (IMAPI2FS_BOOT_ENTRY_COUNT_MAX, O-19).
pub const BOOT_ENTRY_COUNT_MAX: usize = 32;

/// Where a boot image comes from (IBootOptions::AssignBootImage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootImage {
    /// A file of the tree, by image path (genisoimage `-b PATH`, `-e PATH`).
    File(String),
    /// A stream of bytes (IMAPI2's IStream), recorded as a file at `path` of the tree
    /// (IMAPI2 hides it; here it is visible, as xorriso records boot images).
    Stream {
        /// Image path the bytes are recorded at.
        path: String,
        /// The boot image.
        bytes: Arc<[u8]>,
    },
}

/// One boot entry (IMAPI2 IBootOptions; El Torito 2.2 initial/default entry or 2.4
/// section entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootOptions {
    /// The boot image (AssignBootImage / BootImage).
    pub boot_image: BootImage,
    /// Manufacturer: the ID string of the validation entry (first entry, 24 bytes) or
    /// of the section header (28 bytes); longer strings are cut.
    pub manufacturer: String,
    /// PlatformId: x86 (0), PowerPC (1), Mac (2), EFI (0xEF).
    pub platform_id: PlatformId,
    /// Emulation (default none). A floppy emulation needs an image of exactly that
    /// diskette's size.
    pub emulation: Emulation,
    /// LoadSegment: the real-mode segment an x86 BIOS loads a no-emulation image to; 0
    /// (the default) means 0x7C0.
    pub load_segment: u16,
    /// Sector Count of the entry (genisoimage `-boot-load-size`): 512-byte sectors the
    /// BIOS loads. `None`: the whole image (at most 65,535) without emulation, 1 with.
    pub load_size: Option<u16>,
    /// Patch a boot info table into the image at byte 8 (genisoimage
    /// `-boot-info-table`: PVD LBA, image LBA, length, checksum). The image must be
    /// written in this session, and is read into memory while the result streams.
    pub boot_info_table: bool,
}

impl BootOptions {
    /// An entry for the file at image path `path`: x86, no emulation, load segment 0,
    /// the whole image loaded, no boot info table.
    pub fn new(path: &str) -> BootOptions {
        BootOptions {
            boot_image: BootImage::File(path.to_owned()),
            manufacturer: String::new(),
            platform_id: PlatformId::X86,
            emulation: Emulation::NoEmulation,
            load_segment: 0,
            load_size: None,
            boot_info_table: false,
        }
    }

    /// IBootOptions::AssignBootImage with a stream: `bytes` recorded at `path`. As
    /// IMAPI2 does, an image of exactly 1.2, 1.44 or 2.88 MB gets that floppy emulation.
    pub fn from_stream(path: &str, bytes: Arc<[u8]>) -> BootOptions {
        let emulation = [
            Emulation::Floppy12,
            Emulation::Floppy144,
            Emulation::Floppy288,
        ]
        .into_iter()
        .find(|e| e.floppy_size() == Some(bytes.len() as u64))
        .unwrap_or(Emulation::NoEmulation);
        BootOptions {
            emulation,
            boot_image: BootImage::Stream {
                path: path.to_owned(),
                bytes,
            },
            ..BootOptions::new(path)
        }
    }

    /// The image path of the boot image.
    pub fn image_path(&self) -> &str {
        match &self.boot_image {
            BootImage::File(p) | BootImage::Stream { path: p, .. } => p,
        }
    }
}

/// The El Torito part of a layout's input ([`crate::ImageOptions::el_torito`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElToritoPlan {
    /// A new catalog at `catalog_path` (a file of the tree holding
    /// [`catalog_len`]`(entries)` bytes, which [`crate::FileSystemImage`] adds) for
    /// `entries`, in order: the first is the initial/default entry, the others go in
    /// sections, one per run of entries of the same platform.
    New {
        /// Image path of the catalog file.
        catalog_path: String,
        /// The entries (1 to [`BOOT_ENTRY_COUNT_MAX`]).
        entries: Vec<BootOptions>,
        /// The Primary Volume Descriptor LBA the boot info tables name: `None` for the
        /// session's own (session start + 16); `Some(16)` on media that get the
        /// random-write head, whose copy at LBA 16 always shows the newest session,
        /// so a boot loader reading it (ISOLINUX) sees the files of later sessions.
        pvd_lba: Option<u32>,
    },
    /// Only a boot record naming the catalog already recorded at `catalog_lba` (an
    /// earlier session's, kept with its boot images).
    Kept {
        /// LBA of the kept catalog.
        catalog_lba: u32,
    },
}

/// What the layout placed for El Torito.
#[derive(Debug, Clone)]
pub(crate) struct BootLayout {
    pub(crate) catalog_lba: u32,
    /// The catalog node and the entries of a new catalog.
    new: Option<NewCatalog>,
}

#[derive(Debug, Clone)]
struct NewCatalog {
    node: NodeId,
    entries: Vec<(BootOptions, NodeId)>,
    pvd_lba: u32,
}

fn data_error(path: &str, reason: impl Into<String>) -> ImageError {
    ImageError::BootImageData {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn id_string<const N: usize>(s: &str) -> [u8; N] {
    let mut a = [0u8; N];
    let b = s.as_bytes();
    let n = b.len().min(N);
    a[..n].copy_from_slice(&b[..n]);
    a
}

/// Builds the catalog for `entries` with each image's (LBA, size, system type).
fn build_catalog(entries: &[(&BootOptions, u32, u64, u8)]) -> BootCatalog {
    let entry = |(o, lba, size, system_type): &(&BootOptions, u32, u64, u8)| {
        let count = o.load_size.unwrap_or(match o.emulation {
            Emulation::NoEmulation => size.div_ceil(512).min(0xFFFF) as u16,
            _ => 1,
        });
        let mut e = BootEntry::new(o.emulation, o.load_segment, count, *lba);
        e.system_type = *system_type;
        e
    };
    let first = &entries[0];
    let mut sections: Vec<Section> = Vec::new();
    for e in &entries[1..] {
        match sections.last_mut() {
            Some(s) if s.platform_id == e.0.platform_id => s.entries.push(entry(e)),
            _ => sections.push(Section {
                platform_id: e.0.platform_id,
                id_string: id_string(&e.0.manufacturer),
                entries: vec![entry(e)],
            }),
        }
    }
    BootCatalog {
        validation: ValidationEntry {
            platform_id: first.0.platform_id,
            id_string: id_string(&first.0.manufacturer),
        },
        initial: entry(first),
        sections,
    }
}

/// Bytes of the catalog for `entries` (32 per entry and section header).
pub fn catalog_len(entries: &[BootOptions]) -> usize {
    if entries.is_empty() {
        return 0;
    }
    let v: Vec<_> = entries.iter().map(|o| (o, 0, 0, 0)).collect();
    build_catalog(&v).encoded_len()
}

/// The tree a layout with `plan` is made from: the stream images and the catalog
/// placeholder (zeros of [`catalog_len`] bytes, filled while streaming) added, missing
/// parent directories created. Unchanged without a new catalog.
pub(crate) fn prepare_tree(
    tree: &Arc<Tree>,
    plan: Option<&ElToritoPlan>,
) -> Result<Arc<Tree>, ImageError> {
    let Some(ElToritoPlan::New {
        catalog_path,
        entries,
        ..
    }) = plan
    else {
        return Ok(Arc::clone(tree));
    };
    if entries.is_empty() || entries.len() > BOOT_ENTRY_COUNT_MAX {
        return Err(ImageError::BootEntryCount {
            count: entries.len(),
        });
    }
    let mut t = Tree::clone(tree);
    let put = |t: &mut Tree, path: &str, bytes: Arc<[u8]>| -> Result<(), ImageError> {
        let mut end = 0;
        while let Some(i) = path[end + 1..].find('/') {
            end += 1 + i;
            match t.add_directory(&path[..end]) {
                Ok(()) | Err(ImageError::PathExists { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        t.add_file_source(path, FileSource::Bytes(bytes), None)
    };
    for o in entries {
        if let BootImage::Stream { path, bytes } = &o.boot_image {
            put(&mut t, path, Arc::clone(bytes))?;
        }
    }
    put(&mut t, catalog_path, vec![0u8; catalog_len(entries)].into())?;
    Ok(Arc::new(t))
}

/// Places the El Torito structures once every file has its LBA (called by `plan`).
///
/// # Errors
/// [`ImageError::BootImageData`] (a boot image or the catalog is missing or no file,
/// an empty image, a boot info table on an image not written in this session or
/// shorter than 64 bytes), [`ImageError::BootEmulationImageSizeMismatch`].
pub(crate) fn place(
    tree: &Tree,
    plan: &ElToritoPlan,
    file_lba: &[u32],
    pvd_lba: u32,
) -> Result<BootLayout, ImageError> {
    let (catalog_path, entries, pvd_lba) = match plan {
        ElToritoPlan::Kept { catalog_lba } => {
            return Ok(BootLayout {
                catalog_lba: *catalog_lba,
                new: None,
            });
        }
        ElToritoPlan::New {
            catalog_path,
            entries,
            pvd_lba: fixed,
        } => (catalog_path, entries, fixed.unwrap_or(pvd_lba)),
    };
    let file = |path: &str| -> Result<(NodeId, u64, &FileSource), ImageError> {
        let id = tree
            .lookup(path)
            .map_err(|_| data_error(path, "no such file in the image"))?;
        match &tree.node(id).kind {
            NodeKind::File { size, source } => Ok((id, *size, source)),
            _ => Err(data_error(path, "not a regular file")),
        }
    };
    let (catalog, catalog_size, _) = file(catalog_path)?;
    if catalog_size != catalog_len(entries) as u64 {
        return Err(data_error(
            catalog_path,
            "the boot catalog file has another size than the catalog",
        ));
    }
    let mut placed = Vec::new();
    for o in entries {
        let path = o.image_path();
        let (id, size, source) = file(path)?;
        if size == 0 {
            return Err(data_error(path, "the boot image is empty"));
        }
        if let Some(want) = o.emulation.floppy_size()
            && size != want
        {
            return Err(ImageError::BootEmulationImageSizeMismatch {
                path: path.to_owned(),
                size,
                expected: want,
            });
        }
        if o.boot_info_table {
            if size < 64 {
                return Err(data_error(
                    path,
                    "a boot info table needs an image of at least 64 bytes",
                ));
            }
            if matches!(source, FileSource::Extent { .. } | FileSource::Extents(_)) {
                return Err(data_error(
                    path,
                    "a boot info table needs the image written in this session (add the file again)",
                ));
            }
        }
        placed.push((o.clone(), id));
    }
    Ok(BootLayout {
        catalog_lba: file_lba[catalog as usize],
        new: Some(NewCatalog {
            node: catalog,
            entries: placed,
            pvd_lba,
        }),
    })
}

/// The Boot Record Volume Descriptor of a layout (El Torito 2.0).
pub(crate) fn boot_record(boot: &BootLayout) -> [u8; SECTOR_SIZE] {
    BootRecordVolumeDescriptor {
        boot_catalog_pointer: boot.catalog_lba,
    }
    .encode()
}

/// Reads a whole boot image of the tree (a host file or bytes in memory).
fn read_image(tree: &Tree, id: NodeId, limit: Option<usize>) -> Result<Vec<u8>, ImageError> {
    let NodeKind::File { source, size } = &tree.node(id).kind else {
        return Ok(Vec::new());
    };
    let want = limit.map_or(*size, |l| (l as u64).min(*size)) as usize;
    match source {
        FileSource::Bytes(b) => Ok(b[..want.min(b.len())].to_vec()),
        FileSource::HostPath(p) => {
            let err = |source| ImageError::SourceRead {
                host_path: p.clone(),
                source,
            };
            let f = std::fs::File::open(p).map_err(err)?;
            let mut v = Vec::with_capacity(want);
            f.take(want as u64).read_to_end(&mut v).map_err(err)?;
            if v.len() != want {
                return Err(ImageError::SourceChangedSize {
                    host_path: p.clone(),
                    expected: *size,
                    actual: v.len() as u64,
                });
            }
            Ok(v)
        }
        // Recorded data is not read while streaming.
        FileSource::Extent { .. } | FileSource::Extents(_) => Ok(Vec::new()),
    }
}

/// The bytes the result streams for `node` when El Torito replaces them: the catalog
/// (made now, when every LBA is known) or a boot image with its boot info table
/// patched (read whole into memory). `None` for every other node.
///
/// # Errors
/// [`ImageError::SourceRead`], [`ImageError::SourceChangedSize`],
/// [`ImageError::Format`].
pub(crate) fn emitted_bytes(
    tree: &Tree,
    layout: &Layout,
    node: NodeId,
) -> Result<Option<Arc<[u8]>>, ImageError> {
    let Some(new) = layout.boot.as_ref().and_then(|b| b.new.as_ref()) else {
        return Ok(None);
    };
    if node == new.node {
        let mut v = Vec::new();
        for (o, id) in &new.entries {
            let NodeKind::File { size, .. } = &tree.node(*id).kind else {
                unreachable!("checked by place")
            };
            // Hard-disk emulation: System Type is the partition type of the image's
            // partition table (El Torito 2.2 offset 4): the first used MBR entry.
            let system_type = if o.emulation == Emulation::HardDisk {
                let mbr = read_image(tree, *id, Some(512))?;
                (0..4)
                    .map(|i| mbr.get(446 + 16 * i + 4).copied().unwrap_or(0))
                    .find(|&t| t != 0)
                    .unwrap_or(0)
            } else {
                0
            };
            v.push((o, layout.file_lba[*id as usize], *size, system_type));
        }
        let bytes = build_catalog(&v).encode()?;
        return Ok(Some(bytes.into()));
    }
    if let Some((_, id)) = new
        .entries
        .iter()
        .find(|(o, id)| *id == node && o.boot_info_table)
    {
        let mut data = read_image(tree, *id, None)?;
        BootInfoTable::for_file(&data, new.pvd_lba, layout.file_lba[*id as usize])
            .patch(&mut data)?;
        return Ok(Some(data.into()));
    }
    Ok(None)
}

/// A boot entry of an imported session, with the file of the tree at its image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptBootEntry {
    /// Platform of the entry.
    pub platform_id: PlatformId,
    /// The entry as recorded.
    pub entry: BootEntry,
    /// Image path of the file whose data starts at the entry's Load RBA, if any.
    pub path: Option<String>,
    /// The image holds a boot info table naming its own LBA (patched again when the
    /// image is written again).
    pub boot_info_table: bool,
}

/// The boot record of an imported session (kept in the next session by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptBoot {
    /// LBA of the catalog.
    pub catalog_lba: u32,
    /// Image path of the file at the catalog, if any.
    pub catalog_path: Option<String>,
    /// The entries (empty when the catalog did not decode: the boot record is still
    /// kept, pointing at the same catalog).
    pub entries: Vec<KeptBootEntry>,
    /// Why the catalog did not decode, if it did not.
    pub unreadable: Option<String>,
    /// Start of the imported session.
    pub(crate) session_start: u64,
}

/// The first file (depth-first) whose recorded data starts at each LBA, for mapping
/// the catalog's LBAs to paths in one pass over the tree.
fn files_by_lba(tree: &Tree) -> std::collections::HashMap<u32, NodeId> {
    let mut m = std::collections::HashMap::new();
    for id in tree.walk() {
        let lba = match &tree.node(id).kind {
            NodeKind::File {
                source: FileSource::Extent { lba, length },
                ..
            } if *length > 0 => *lba,
            NodeKind::File {
                source: FileSource::Extents(list),
                ..
            } => match list.first() {
                Some(e) => e.lba,
                None => continue,
            },
            _ => continue,
        };
        m.entry(lba).or_insert(id);
    }
    m
}

/// Reads the boot record of the session at `session_start` and maps its catalog and
/// boot images to files of the imported `tree`. `None` without a boot record.
///
/// # Errors
/// [`ImageError::Import`] when the volume descriptors or a boot image's first sector
/// cannot be read.
pub(crate) fn import(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
    tree: &Tree,
) -> Result<Option<KeptBoot>, ImageError> {
    let rerr = |source| ImageError::Import { source };
    let vol = Volume::open(src, session_start, &ReadOptions::default()).map_err(rerr)?;
    let Some(catalog_lba) = vol.boot_catalog else {
        return Ok(None);
    };
    let files = files_by_lba(tree);
    let path = |lba| files.get(&lba).map(|&id| tree.path_of(id));
    let mut kept = KeptBoot {
        catalog_lba,
        catalog_path: path(catalog_lba),
        entries: Vec::new(),
        unreadable: None,
        session_start,
    };
    match discburn_reader::read_boot_catalog(src, catalog_lba) {
        Err(e) => kept.unreadable = Some(e.to_string()),
        Ok(c) => {
            for e in c.entries() {
                let lba = e.entry.load_rba;
                let mut boot_info_table = false;
                // One sector read per entry, for the first entries only (a hostile
                // catalog may hold 2048).
                if e.entry.emulation == Emulation::NoEmulation
                    && kept.entries.len() < BOOT_ENTRY_COUNT_MAX
                    && u64::from(lba) < src.total_sectors()
                {
                    let mut s = vec![0u8; SECTOR_SIZE];
                    src.read_sectors(u64::from(lba), &mut s).map_err(|source| {
                        rerr(discburn_reader::ReadError::Io {
                            lba: u64::from(lba),
                            count: 1,
                            source,
                        })
                    })?;
                    boot_info_table = matches!(
                        BootInfoTable::decode(&s),
                        Ok(Some(t)) if t.file_lba == lba && t.pvd_lba != 0
                    );
                }
                kept.entries.push(KeptBootEntry {
                    platform_id: e.platform_id,
                    entry: e.entry,
                    path: path(lba),
                    boot_info_table,
                });
            }
        }
    }
    Ok(Some(kept))
}

/// What becomes of a kept boot record in the next session: the boot record pointing at
/// the same catalog while every boot image with a file is still that file, unchanged;
/// else the entries written again (a new catalog at the old catalog's path, else the
/// default one), when every boot image is still a file of the tree.
///
/// # Errors
/// [`ImageError::BootImageNotKept`] for a boot image whose file was removed, or that
/// has no file and cannot stay where it is.
pub(crate) fn resolve_kept(
    tree: &Tree,
    kept: &KeptBoot,
    pvd_lba: Option<u32>,
) -> Result<ElToritoPlan, ImageError> {
    let head = u64::from(crate::RANDOM_WRITE_HEAD_BLOCKS);
    // The head of a random-write append overwrites LBA 16–31 of a session recorded at
    // LBA 0: what lies there is read and written again with the new session.
    let overwritten = |lba: u32| kept.session_start < head && u64::from(lba) < head;
    let mut rewrite = overwritten(kept.catalog_lba);
    for e in &kept.entries {
        let lba = e.entry.load_rba;
        match &e.path {
            Some(p) => match tree.lookup(p).ok().map(|id| &tree.node(id).kind) {
                None => {
                    return Err(ImageError::BootImageNotKept {
                        path: p.clone(),
                        lba,
                        reason: "its file is removed from the new session",
                    });
                }
                Some(NodeKind::File {
                    source: FileSource::Extent { lba: l, .. },
                    ..
                }) if *l == lba => {}
                Some(NodeKind::File { .. }) => rewrite = true,
                Some(_) => {
                    return Err(ImageError::BootImageNotKept {
                        path: p.clone(),
                        lba,
                        reason: "its path is no longer a file in the new session",
                    });
                }
            },
            None if overwritten(lba) => {
                return Err(ImageError::BootImageNotKept {
                    path: format!("(no file; LBA {lba})"),
                    lba,
                    reason: "it lies in the blocks the new head overwrites and is no file of the tree to copy",
                });
            }
            None => {}
        }
    }
    if !rewrite {
        return Ok(ElToritoPlan::Kept {
            catalog_lba: kept.catalog_lba,
        });
    }
    let mut entries = Vec::new();
    for e in &kept.entries {
        let Some(p) = &e.path else {
            return Err(ImageError::BootImageNotKept {
                path: format!("(no file; LBA {})", e.entry.load_rba),
                lba: e.entry.load_rba,
                reason: "the catalog must be written again and this image is no file of the tree",
            });
        };
        entries.push(BootOptions {
            boot_image: BootImage::File(p.clone()),
            manufacturer: String::new(),
            platform_id: e.platform_id,
            emulation: e.entry.emulation,
            load_segment: e.entry.load_segment,
            load_size: Some(e.entry.sector_count),
            // An image that stays where it is keeps its table as recorded.
            boot_info_table: e.boot_info_table
                && tree.lookup(p).is_ok_and(|id| {
                    !matches!(
                        &tree.node(id).kind,
                        NodeKind::File {
                            source: FileSource::Extent { .. } | FileSource::Extents(_),
                            ..
                        }
                    )
                }),
        });
    }
    if entries.is_empty() {
        return Ok(ElToritoPlan::Kept {
            catalog_lba: kept.catalog_lba,
        });
    }
    Ok(ElToritoPlan::New {
        catalog_path: kept
            .catalog_path
            .clone()
            .unwrap_or_else(|| DEFAULT_BOOT_CATALOG.to_owned()),
        entries,
        pvd_lba,
    })
}

impl crate::FileSystemImage {
    /// Size in bytes of the file at image path `path` (IFsiFileItem::DataSize).
    ///
    /// # Errors
    /// [`ImageError::NotFound`], [`ImageError::InvalidPath`], and
    /// [`ImageError::BootImageData`] when the item is not a file.
    pub fn file_size(&self, path: &str) -> Result<u64, ImageError> {
        match &self.tree().node(self.tree().lookup(path)?).kind {
            NodeKind::File { size, .. } => Ok(*size),
            _ => Err(data_error(path, "not a regular file")),
        }
    }
}
