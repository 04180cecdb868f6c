//! The file-system image (IMAPI2 IFileSystemImage): the tree of items, import of a
//! previous session, the layout (a pure function of tree, options and session start
//! block) and the streamed emitter (IFileSystemImageResult).
//!
//! | feature | status |
//! |---|---|
//! | ECMA-119 levels 1, 2, 3 (multi-extent files ≥ 4 GiB at level 3) | implemented |
//! | Joliet (UCS-2 level 3, 64-unit names) | implemented |
//! | Rock Ridge (SUSP 1.12 SP/CE/ER, RRIP 1.12 PX/PN/SL/NM/TF/CL/PL/RE) | implemented |
//! | relocation of directories deeper than 8 levels into `rr_moved` | implemented (Rock Ridge on; a first session by default, in place in an appended one): [`FileSystemImage::set_relocate_deep_directories`] |
//! | reuse of unchanged directories of the imported session (only the path to a change is written) | implemented, on by default; on media whose head is rewritten only where libarchive reaches them: [`FileSystemImage::set_reuse_directories`], [`reuse`] |
//! | hard links (one extent, PX link count and serial) | implemented |
//! | absolute LBAs from a session start block | implemented |
//! | result as `Read + Seek` stream, `write_to(File)` with `copy_file_range` | implemented |
//! | UDF 1.02, 1.50, 2.00, 2.01, 2.50, 2.60 (metadata partition from 2.50), alone or as a bridge with ISO 9660/Joliet/Rock Ridge sharing the file data | implemented: [`FileSystems::UDF`], [`FileSystemImage::set_udf_revision`], [`UdfRegion`] (layout in the `udf` module's documentation) |
//! | import of a previous session (ISO 9660, Joliet, Rock Ridge; names kept) | implemented: [`FileSystemImage::import_file_system_from`] |
//! | random-write media (image files, DVD+RW, BD-RE, DVD-RAM): xorriso's head at LBA 0–31 | implemented: [`ImageResult::write_random_access`] |
//! | UDF import | UDF 1.02–2.60 file sets (`discburn_reader::udf`), data by reference |
//! | UDFRevision (0x102 … 0x260), CreateRedundantUdfMetadataFiles | [`FileSystemImage::set_udf_revision`] (fixed after import, taken from an imported UDF volume), [`FileSystemImage::set_create_redundant_udf_metadata_files`] |
//! | IMultisession, put_MultisessionInterfaces (the image chooses and marks a mechanism it supports) | [`Multisession`], [`SessionPlacement`], [`FileSystemImage::set_multisession_interfaces`] |
//! | CalculateDiscIdentifier, IFileSystemImageResult::DiscId, IMAPI_E_DISC_MISMATCH | [`FileSystemImage::calculate_disc_identifier`] (the mechanism's [`Multisession::disc_identifier`]), [`ImageResult::disc_id`], checked by the data writer |
//! | DFileSystemImageImportEvents::UpdateImport | [`FileSystemImage::set_import_callback`], [`ImportProgress`] |
//! | imported files of several extents with gaps or out of order (ECMA-119 6.5.1) | implemented: kept as recorded, one record per extent ([`FileSource::Extents`]) |
//! | El Torito (IBootOptions, BootImageOptionsArray: BIOS + EFI entries, emulation, load segment and size, boot info table); the previous session's boot record kept on import | [`boot`], [`FileSystemImage::set_boot_image_options_array`], [`FileSystemImage::set_boot_discard`] |
//! | hybrid system area (MBR/GPT in LBA 0–15, isohybrid, grub-mkrescue) | kept in the random-write head after an import |
//!
//! # Multisession on random-write media
//! Sessions are laid out as xorriso does on overwriteable media (peers.md §1.1): the
//! first session at LBA 32, each later one at the end of the previous rounded up to 32
//! blocks, each with its own session-local Volume Space Size; after the session, a 64 KiB
//! head at LBA 0–31 copies its volume descriptors with the Volume Space Size raised to
//! the end of the image, so every reader that looks at LBA 16 sees the newest tree and
//! `xorriso -toc` lists the whole history. The modified block ranges
//! ([`ImageResult::random_write_modified_blocks`]) put the head last.
//!
//! **Deviation from IMAPI2 (I-17):** IMAPI2 refuses to append a second ISO 9660 / Joliet
//! session on rewritable media (it wants UDF there); this crate supports it with the
//! layout above.
//!
//! An image first mastered at LBA 0 (genisoimage, `xorrisofs -o`) can be appended to as
//! well: the new session goes after it and the head replaces its volume descriptors.
//! `xorriso -toc` then shows one session, as after xorriso's own append to such an
//! image; `discburn_reader::sessions::list_sessions` still lists every session
//! (`DiscoveryMethod::HeadOverFirstSession`). File data of the first session that lies
//! in LBA 0–31 is copied into the new session before the head overwrites it.
//!
//! **Known reader limit (libarchive/bsdtar):** libarchive refuses a regular file whose
//! Rock Ridge continuation area (SUSP CE) lies after its data ("Invalid parameter in
//! SUSP CE") and stops. A new session re-records the entries of files kept from earlier
//! sessions, whose data lies before it, so a kept file whose Rock Ridge entries do not
//! fit in its 255-byte directory record (names of about 115 bytes or more) makes bsdtar
//! stop on the appended image; xorriso's appended sessions do the same. Linux, xorriso,
//! isoinfo, libcdio, 7-Zip and pycdlib read them. An appended session records
//! directories deeper than eight levels in place (no `rr_moved`), so that libarchive,
//! which reads forward only, names the files of earlier sessions by their real paths;
//! when relocation is asked for, the directories of `rr_moved` are placed after all
//! others.
//!
//! Import keeps each unchanged item's ECMA-119 identifier and Joliet identifier exactly
//! as recorded (so mangled names do not move); new items are named around them. Items
//! already in the tree win over imported ones at the same path (I-19); adding an item
//! at the path of an imported file replaces it (it keeps the recorded names); removing
//! an imported item hides it in the new session, its data stays on the medium (I-30).
//! | Volume Space Size | session-local by default (as `genisoimage -C` / `xorriso -as mkisofs -C`), or absolute: [`VolumeSpaceSize`] |
//!
//! # Name mapping
//! ECMA-119 names: upper-case d-characters, 8.3 at level 1, 30 (+ `.`) at levels 2–3,
//! 31 for directories; a name keeps its plain mapping unless it collides in its
//! directory, in which case `_` + 6 hex digits of SHA-256(host name) is appended (4 at
//! level 1), so no counter shifts other names. Joliet names: UCS-2, ≤ 64 units with
//! `;1`; characters outside the BMP or not allowed become `_`, and any name that had to
//! change gets the hash suffix (extension kept). Rock Ridge NM records the host name
//! bytes unchanged (up to 255 bytes, continued over several NM entries; Linux shows at
//! most 253 bytes of a Rock Ridge name). The full rules are documented in the source
//! of the `names` module.
//!
//! # Layout
//! See [`layout`]: system area, volume descriptors, path tables, ECMA-119 directories
//! each followed by its SUSP continuation areas, Joliet directories, file data; every
//! LBA absolute from the session start block.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod boot;
mod checksum;
mod emit;
mod error;
mod import;
mod import_events;
pub mod layout;
mod multisession;
mod names;
pub mod reuse;
mod source_check;
mod tree;
mod udf;

use std::path::Path;
use std::sync::Arc;

pub use boot::{
    BootImage, BootOptions, DEFAULT_BOOT_CATALOG, ElToritoPlan, Emulation, KeptBoot, KeptBootEntry,
    PlatformId,
};
pub use discburn_reader::SectorSource;
pub use emit::{ImageResult, Progress, ProgressCallback, RANDOM_WRITE_HEAD_BLOCKS};
pub use error::ImageError;
pub use import::{default_file_system_for_import, identify_file_systems};
pub use import_events::{ImportCallback, ImportProgress};
pub use layout::{
    DataExtent, Hierarchy, ImageOptions, Layout, RELOCATION_DIRECTORY, Region, RegionKind,
    VolumeSpaceSize, plan,
};
pub use multisession::{
    Multisession, MultisessionError, MultisessionRandomWrite, MultisessionSequential,
    RandomWriteStream, SessionPlacement,
};
pub use source_check::{SourceChange, SourceChanges};
pub use tree::{Extent, FileSource, ItemMetadata, Tree};
pub use udf::vat::VatInput;
pub use udf::{UDF_REVISIONS, UdfRegion};

/// File systems to create (IMAPI2 FsiFileSystems; ROCK_RIDGE is ours): the one type the
/// reader also uses for the file systems it finds.
pub use discburn_reader::FileSystems;

/// ECMA-119 interchange level (IFileSystemImage::ISO9660InterchangeLevel, ECMA-119 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IsoLevel {
    /// Level 1: 8.3 names, one extent per file.
    Level1,
    /// Level 2: 30-character names, one extent per file.
    Level2,
    /// Level 3: as level 2, and files of several extents (≥ 4 GiB).
    Level3,
}

/// A timestamp input: seconds since the Unix epoch and the offset from UTC in minutes
/// east (the library reads no clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix_seconds: i64,
    /// Minutes east of UTC used for the recorded local times (multiple of 15).
    pub utc_offset_minutes: i16,
}

/// The file-system image object (IMAPI2 IFileSystemImage / MsftFileSystemImage): the
/// options and the tree of items; [`FileSystemImage::create_result_image`] lays it out
/// and returns the stream.
#[derive(Debug, Clone)]
pub struct FileSystemImage {
    tree: Arc<Tree>,
    file_systems: FileSystems,
    iso_level: IsoLevel,
    volume_name: Option<String>,
    strict: bool,
    timestamp: Timestamp,
    session_start_block: u32,
    volume_space_size: VolumeSpaceSize,
    free_media_blocks: u32,
    imported: Option<import::Imported>,
    multisession: Vec<Arc<dyn Multisession>>,
    placement: Option<SessionPlacement>,
    /// CalculateDiscIdentifier of the disc imported through a recorder.
    disc_id: Option<String>,
    udf_revision: u32,
    udf_redundant_metadata: bool,
    clamp_times: Option<i64>,
    record_md5: bool,
    reuse_directories: reuse::DirectoryReuse,
    relocate_deep_directories: Option<bool>,
    import_callback: Option<import_events::ImportCallbackSlot>,
    /// El Torito entries of the new session (BootImageOptionsArray).
    boot_options: Vec<BootOptions>,
    boot_catalog_path: String,
    /// The boot record of the imported session.
    boot_kept: Option<KeptBoot>,
    boot_discard: bool,
    /// LBA 0–15 of the imported medium when not zero (a hybrid MBR/GPT), for the head.
    system_area: Option<Arc<[u8]>>,
    /// Imported for a random-write append (the result gets the head at LBA 0).
    random_write_import: bool,
    /// The session closes the medium ([`FileSystemImage::set_closing_session`]).
    closing_session: bool,
}

/// IFileSystemImage::get_UDFRevisionsSupported: the Vista/7 list (imapi2.md §11.3)
/// and UDF 2.60.
pub const UDF_REVISIONS_SUPPORTED: [u32; 6] = UDF_REVISIONS;

impl Default for FileSystemImage {
    fn default() -> Self {
        Self::new()
    }
}

/// Longest volume name accepted (ECMA-119 8.4.6 allows 32 d-characters).
const MAX_VOLUME_NAME: usize = 32;

impl FileSystemImage {
    /// An empty image: ISO9660 | JOLIET, level 2, relaxed names, timestamp 0
    /// (1970-01-01 UTC), session start block 0.
    pub fn new() -> Self {
        FileSystemImage {
            tree: Arc::new(Tree::new()),
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET,
            iso_level: IsoLevel::Level2,
            volume_name: None,
            strict: false,
            timestamp: Timestamp::default(),
            session_start_block: 0,
            volume_space_size: VolumeSpaceSize::SessionLocal,
            free_media_blocks: 0,
            imported: None,
            multisession: Vec::new(),
            placement: None,
            disc_id: None,
            udf_revision: 0x102,
            udf_redundant_metadata: false,
            clamp_times: None,
            record_md5: false,
            reuse_directories: reuse::DirectoryReuse::Auto,
            relocate_deep_directories: None,
            import_callback: None,
            boot_options: Vec::new(),
            boot_catalog_path: DEFAULT_BOOT_CATALOG.to_owned(),
            boot_kept: None,
            boot_discard: false,
            system_area: None,
            random_write_import: false,
            closing_session: false,
        }
    }

    /// IFileSystemImage2::put_BootImageOptionsArray: the El Torito entries of the new
    /// session, in order (the first is the initial/default entry; BIOS + EFI in one
    /// catalog). An empty list: no new boot entries (an imported boot record is still
    /// kept unless discarded). New entries replace an imported boot record. Checked by
    /// [`FileSystemImage::create_result_image`].
    pub fn set_boot_image_options_array(&mut self, entries: Vec<BootOptions>) {
        self.boot_options = entries;
    }

    /// IFileSystemImage::put_BootImageOptions: one entry (replaces the list).
    pub fn set_boot_image_options(&mut self, entry: BootOptions) {
        self.boot_options = vec![entry];
    }

    /// IFileSystemImage2::get_BootImageOptionsArray.
    pub fn boot_image_options(&self) -> &[BootOptions] {
        &self.boot_options
    }

    /// Image path of a new boot catalog (default [`DEFAULT_BOOT_CATALOG`]): a file the
    /// layout adds, visible in every view.
    pub fn set_boot_catalog_path(&mut self, path: &str) {
        self.boot_catalog_path = path.to_owned();
    }

    /// The boot record of the imported session, if it had one (kept in the new session
    /// unless [`FileSystemImage::set_boot_discard`] or new boot entries).
    pub fn imported_boot(&self) -> Option<&KeptBoot> {
        self.boot_kept.as_ref()
    }

    /// Drops the imported session's boot record on purpose: the new session is not
    /// bootable unless new entries are set (xorriso's default on append).
    pub fn set_boot_discard(&mut self, discard: bool) {
        self.boot_discard = discard;
    }

    /// The El Torito input of the layout: new entries, else the imported boot record
    /// (see [`boot`]), else none.
    ///
    /// # Errors
    /// [`ImageError::BootImageNotKept`].
    pub fn el_torito_plan(&self) -> Result<Option<ElToritoPlan>, ImageError> {
        // Media that get the random-write head (overwritable media, image files):
        // boot info tables name its PVD at LBA 16, which shows the newest session.
        let pvd_lba = self.head_rewritten().then_some(16);
        if !self.boot_options.is_empty() {
            return Ok(Some(ElToritoPlan::New {
                catalog_path: self.boot_catalog_path.clone(),
                entries: self.boot_options.clone(),
                pvd_lba,
            }));
        }
        match &self.boot_kept {
            Some(k) if !self.boot_discard => boot::resolve_kept(&self.tree, k, pvd_lba).map(Some),
            _ => Ok(None),
        }
    }

    /// Keeps LBA 0–15 of `src` for the random-write head when they are not zero (the
    /// MBR/GPT of a hybrid image).
    fn keep_system_area(
        &mut self,
        src: &mut (impl discburn_reader::SectorSource + ?Sized),
    ) -> Result<(), ImageError> {
        let mut sa = vec![0u8; 16 * discburn_format::SECTOR_SIZE];
        self.random_write_import = true;
        if src.total_sectors() < 16 {
            return Ok(());
        }
        src.read_sectors(0, &mut sa)
            .map_err(|source| ImageError::Import {
                source: discburn_reader::ReadError::Io {
                    lba: 0,
                    count: 16,
                    source,
                },
            })?;
        self.system_area = sa.iter().any(|&b| b != 0).then(|| sa.into());
        self.random_write_import = true;
        Ok(())
    }

    fn tree_mut(&mut self) -> &mut Tree {
        Arc::make_mut(&mut self.tree)
    }

    /// The tree of items.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// IFileSystemImage::put_FileSystemsToCreate. Checked by
    /// [`FileSystemImage::create_result_image`]. After an import a set that leaves out
    /// a file system of the imported session is ignored (as
    /// [`FileSystemImage::set_session_start_block`] is); see
    /// [`FileSystemImage::try_set_file_systems_to_create`] for the error.
    pub fn set_file_systems_to_create(&mut self, fs: FileSystems) {
        let _ = self.try_set_file_systems_to_create(fs);
    }

    /// put_FileSystemsToCreate with its error. After an import the new session must
    /// keep every file system of the imported session this crate writes (ISO9660,
    /// JOLIET, ROCK_RIDGE; a UDF of the old session is not required: a UDF volume that
    /// refers to an earlier session's data is the next step), and the one imported;
    /// adding file systems is allowed.
    ///
    /// # Errors
    /// [`ImageError::FileSystemChangeNotAllowed`] (IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED,
    /// I-23). Other checks happen in [`FileSystemImage::create_result_image`].
    pub fn try_set_file_systems_to_create(&mut self, fs: FileSystems) -> Result<(), ImageError> {
        if let Some(i) = &self.imported {
            let previous = (i.present
                & (FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE))
                | i.file_system;
            let missing = previous - fs;
            if !missing.is_empty() {
                return Err(ImageError::FileSystemChangeNotAllowed {
                    previous,
                    requested: fs,
                    missing,
                });
            }
        }
        self.file_systems = fs;
        Ok(())
    }

    /// IFileSystemImage::put_UDFRevision: 0x102 (UDF 1.02, the default), 0x150, 0x200,
    /// 0x201, 0x250 or 0x260: the revision [`FileSystems::UDF`] is written in.
    ///
    /// # Errors
    /// [`ImageError::InvalidUdfRevision`] for other values (IMAPI_E_INVALID_PARAM);
    /// [`ImageError::UdfRevisionChangeNotAllowed`] for a change after an import
    /// (IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED, I-22).
    pub fn set_udf_revision(&mut self, revision: u32) -> Result<(), ImageError> {
        if !UDF_REVISIONS_SUPPORTED.contains(&revision) {
            return Err(ImageError::InvalidUdfRevision { revision });
        }
        if self.imported.is_some() && revision != self.udf_revision {
            return Err(ImageError::UdfRevisionChangeNotAllowed {
                fixed: self.udf_revision,
                requested: revision,
            });
        }
        self.udf_revision = revision;
        Ok(())
    }

    /// IFileSystemImage::get_UDFRevision (default 0x102).
    pub fn udf_revision(&self) -> u32 {
        self.udf_revision
    }

    /// IFileSystemImage::put_CreateRedundantUdfMetadataFiles: with UDF 2.50 or 2.60, the
    /// metadata mirror file is a separate copy of the metadata file (UDF 2.60 2.2.10:
    /// Duplicate Metadata Flag); otherwise it shares the metadata file's blocks. Returns
    /// `false` for other revisions, where the setting has no effect
    /// (IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED, a success, O-17).
    pub fn set_create_redundant_udf_metadata_files(&mut self, on: bool) -> bool {
        self.udf_redundant_metadata = on;
        self.udf_revision >= 0x250
    }

    /// IFileSystemImage::get_CreateRedundantUdfMetadataFiles (default `false`).
    pub fn create_redundant_udf_metadata_files(&self) -> bool {
        self.udf_redundant_metadata
    }

    /// IFileSystemImage::get_UDFRevisionsSupported: [`UDF_REVISIONS_SUPPORTED`].
    pub fn udf_revisions_supported(&self) -> &'static [u32] {
        &UDF_REVISIONS_SUPPORTED
    }

    /// DFileSystemImageImportEvents::UpdateImport: `callback` receives an
    /// [`ImportProgress`] before each directory and for each file of every later
    /// import (I-29). Replaces an earlier callback; clones of this object share it.
    pub fn set_import_callback(&mut self, callback: ImportCallback) {
        self.import_callback = Some(import_events::ImportCallbackSlot(Arc::new(
            std::sync::Mutex::new(callback),
        )));
    }

    /// Removes the import callback.
    pub fn clear_import_callback(&mut self) {
        self.import_callback = None;
    }

    /// IFileSystemImage::get_FileSystemsToCreate.
    pub fn file_systems_to_create(&self) -> FileSystems {
        self.file_systems
    }

    /// IFileSystemImage::put_ISO9660InterchangeLevel.
    pub fn set_iso_level(&mut self, level: IsoLevel) {
        self.iso_level = level;
    }

    /// IFileSystemImage::get_ISO9660InterchangeLevel.
    pub fn iso_level(&self) -> IsoLevel {
        self.iso_level
    }

    /// Records item times later than `clamp` (seconds since the Unix epoch) as `clamp`,
    /// as SOURCE_DATE_EPOCH asks of reproducible builds (reproducible-builds.org
    /// specification, "clamp"): files created or changed after it then give the same
    /// bytes (their status-change time cannot be set). `None` (the default): times as
    /// found.
    pub fn set_clamp_times(&mut self, clamp: Option<i64>) {
        self.clamp_times = clamp;
    }

    /// Records libisofs MD5 checksums in the session (what `xorriso -md5 on` writes;
    /// libisofs doc/checksums.txt): a superblock tag after the volume descriptors, a
    /// tree tag after the directories, the checksum array (session MD5, one MD5 per
    /// file written in this session, the MD5 of the array) after the file data and a
    /// session tag after it, one block each; `isofs.ca` on the root and `isofs.cx` on
    /// each file as AAIP 2.0 AL entries when Rock Ridge is written. Costs the MD5 of
    /// every byte of the session (about 500 MB/s on one core). Default: off.
    pub fn set_record_md5(&mut self, on: bool) {
        self.record_md5 = on;
    }

    /// Which unchanged directories of the imported session keep their recorded extents
    /// instead of being written again (ECMA-119 9.1.3 lets a directory record point into
    /// an earlier session): only the directories on the path from the root to a change,
    /// and the path tables, are written. Rock Ridge serial numbers of imported items are
    /// kept as recorded. Linux, libisofs (xorriso), 7-Zip, isoinfo and pycdlib read such
    /// sessions; libarchive (bsdtar) reads forward only and drops a kept directory it
    /// reaches after its read position passed it, which [`reuse::DirectoryReuse::Auto`]
    /// avoids where libarchive reads the new session (see [`reuse`]). Default:
    /// [`reuse::DirectoryReuse::Auto`]. A first session is not affected.
    pub fn set_reuse_directories(&mut self, reuse: reuse::DirectoryReuse) {
        self.reuse_directories = reuse;
    }

    /// With Rock Ridge, whether directories deeper than ECMA-119's eight levels (6.8.2.1)
    /// are relocated into `rr_moved` (RRIP 4.1.5: CL in the real parent, PL and RE on
    /// the moved directory) or recorded in place, as xorriso records them. `None` (the
    /// default): relocated in a first session, in place in a session that imports an
    /// earlier one. Every reader reads either layout in a single session; in an
    /// appended session libarchive (bsdtar), which reads forward only, names the files
    /// of an earlier session that lie in a relocated directory by their `rr_moved` path
    /// whatever the order of the directories, while deep directories in place read
    /// right everywhere (Linux, libisofs, libarchive, 7-Zip, isoinfo, pycdlib). Strict
    /// mode ([`FileSystemImage::set_strict_file_system_compliance`]) always relocates.
    /// Without Rock Ridge, deep directories are recorded in place (an error in strict
    /// mode).
    pub fn set_relocate_deep_directories(&mut self, relocate: Option<bool>) {
        self.relocate_deep_directories = relocate;
    }

    /// The relocation in effect: [`FileSystemImage::set_relocate_deep_directories`],
    /// or by default `true` unless a session was imported.
    pub fn relocate_deep_directories(&self) -> bool {
        self.relocate_deep_directories
            .unwrap_or(self.imported.is_none())
    }

    /// See [`FileSystemImage::set_reuse_directories`].
    pub fn reuse_directories(&self) -> reuse::DirectoryReuse {
        self.reuse_directories
    }

    /// Whether the result gets the random-write head at LBA 0–31 (overwritable media,
    /// BD-R Pseudo-Overwrite, image files): a reader of LBA 16 reads the new session.
    fn head_rewritten(&self) -> bool {
        matches!(self.placement, Some(SessionPlacement::Overwrite { .. }))
            || self.random_write_import
    }

    /// See [`FileSystemImage::set_record_md5`].
    pub fn record_md5(&self) -> bool {
        self.record_md5
    }

    /// IFileSystemImage::put_VolumeName. Up to 32 characters, no control characters or
    /// `/`. Each file system maps it: ECMA-119 to upper-case d-characters (others `_`),
    /// Joliet to its first 16 UCS-2 units. An empty name means "generate one from the
    /// timestamp" (YYYYMMDD_HHMMSS). In strict mode, IMAPI's own limits (at most 15
    /// characters from `A–Z a–z 0–9 . _`) are checked by `create_result_image`.
    ///
    /// # Errors
    /// [`ImageError::InvalidVolumeName`].
    pub fn set_volume_name(&mut self, name: &str) -> Result<(), ImageError> {
        let bad = |reason| ImageError::InvalidVolumeName {
            name: name.to_owned(),
            reason,
        };
        if name.chars().count() > MAX_VOLUME_NAME {
            return Err(bad("longer than 32 characters"));
        }
        if name.chars().any(|c| c.is_control() || c == '/') {
            return Err(bad("control character or '/'"));
        }
        self.volume_name = (!name.is_empty()).then(|| name.to_owned());
        Ok(())
    }

    /// A volume name was set (otherwise one is generated from the timestamp).
    pub fn has_volume_name(&self) -> bool {
        self.volume_name.is_some()
    }

    /// IFileSystemImage::get_VolumeName: the name set, or the one that will be generated.
    pub fn volume_name(&self) -> String {
        self.volume_name.clone().unwrap_or_else(|| {
            let t = self.timestamp;
            let local = t.unix_seconds + i64::from(t.utc_offset_minutes) * 60;
            let (y, m, d) = discburn_format::iso9660::civil_from_days(local.div_euclid(86_400));
            let s = local.rem_euclid(86_400);
            format!(
                "{y:04}{m:02}{d:02}_{:02}{:02}{:02}",
                s / 3600,
                s / 60 % 60,
                s % 60
            )
        })
    }

    /// IFileSystemImage::get_VolumeNameISO9660: the volume identifier as recorded.
    pub fn volume_name_iso9660(&self) -> String {
        String::from_utf8(layout::iso_volume_identifier(&self.volume_name())).expect("d-characters")
    }

    /// IFileSystemImage::get_VolumeNameJoliet: the volume identifier as recorded.
    pub fn volume_name_joliet(&self) -> String {
        let u: Vec<u16> = self.volume_name().encode_utf16().take(16).collect();
        String::from_utf16_lossy(&u)
    }

    /// IFileSystemImage::put_StrictFileSystemCompliance: `true` refuses names that would
    /// need mapping ([`ImageError::NameNotRepresentable`]), directories deeper than 8
    /// levels without Rock Ridge ([`ImageError::Iso9660Levels`]) and more than 65,535
    /// directories; `false` (default) maps names and allows deep trees.
    pub fn set_strict_file_system_compliance(&mut self, strict: bool) {
        self.strict = strict;
    }

    /// IFileSystemImage::get_StrictFileSystemCompliance.
    pub fn strict_file_system_compliance(&self) -> bool {
        self.strict
    }

    /// Volume creation/modification dates, and the times of items without host times.
    pub fn set_timestamp(&mut self, timestamp: Timestamp) {
        self.timestamp = timestamp;
    }

    /// The timestamp input.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// IFileSystemImage::put_SessionStartBlock: the LBA the result will be written at;
    /// every address in the result is absolute from it. After an import the start block
    /// is fixed (I-21) and this call is ignored; see
    /// [`FileSystemImage::try_set_session_start_block`].
    pub fn set_session_start_block(&mut self, lba: u32) {
        let _ = self.try_set_session_start_block(lba);
    }

    /// put_SessionStartBlock with its error.
    ///
    /// # Errors
    /// [`ImageError::SessionStartBlockFixed`] after an import (I-21).
    pub fn try_set_session_start_block(&mut self, lba: u32) -> Result<(), ImageError> {
        if self.imported.is_some() && lba != self.session_start_block {
            return Err(ImageError::SessionStartBlockFixed {
                fixed: self.session_start_block,
            });
        }
        self.session_start_block = lba;
        Ok(())
    }

    /// IFileSystemImage::put_MultisessionInterfaces: the mechanisms of the recorder's
    /// media (from `DiscFormat2Data::multisession_interfaces`). Accepted when exactly one
    /// is in use and it is supported on the media and by the image (I-03), or none is in
    /// use and one is (I-04); in the second case the image chooses the first such
    /// mechanism and marks it in use ([`Multisession::set_in_use`]). The image supports
    /// a mechanism that describes a [`SessionPlacement`]; the placement is applied at
    /// once ([`FileSystemImage::set_session_placement`]): on sequential media the session
    /// start block becomes the NextWritableAddress and FreeMediaBlocks the
    /// FreeSectorsOnMedia (I-21, I-25); on overwritable media both follow from the
    /// recorded sessions at import.
    ///
    /// # Errors
    /// [`ImageError::IncompatibleMultisessionType`] (more than one in use, I-05),
    /// [`ImageError::NoCompatibleMultisessionType`] (none supported on the media and by
    /// the image, the one in use not supported, an empty list, or a sequential mechanism
    /// without a next writable address; I-06, I-09), [`ImageError::SessionStartBlockFixed`]
    /// after an import.
    pub fn set_multisession_interfaces(
        &mut self,
        list: Vec<Arc<dyn Multisession>>,
    ) -> Result<(), ImageError> {
        if let Some(i) = &self.imported {
            return Err(ImageError::SessionStartBlockFixed {
                fixed: u32::try_from(i.session_start).unwrap_or(u32::MAX),
            });
        }
        let i = multisession::choose(&list)?;
        let m = &list[i];
        let placement = m
            .session_placement()
            .ok_or(ImageError::NoCompatibleMultisessionType {
                reason: "the mechanism in use is not supported by the file-system image",
            })?;
        if !m.in_use() {
            m.set_in_use(true);
        }
        self.set_session_placement(placement);
        self.multisession = list;
        Ok(())
    }

    /// IFileSystemImage::get_MultisessionInterfaces.
    pub fn multisession_interfaces(&self) -> &[Arc<dyn Multisession>] {
        &self.multisession
    }

    /// The multisession mechanism in use (the one the caller marked, or the one the
    /// image chose in [`FileSystemImage::set_multisession_interfaces`]); `None` before
    /// the interfaces are set.
    pub fn multisession_in_use(&self) -> Option<&Arc<dyn Multisession>> {
        self.multisession.iter().find(|m| m.in_use())
    }

    /// Lays the session out for `placement` without importing anything (blank media, or
    /// a caller that imports by hand): [`SessionPlacement::Sequential`] sets the session
    /// start block to the next writable address, FreeMediaBlocks to the free sectors and
    /// the Volume Space Size to [`VolumeSpaceSize::Absolute`];
    /// [`SessionPlacement::Overwrite`] sets the start block to 32 (after the head),
    /// FreeMediaBlocks to the sectors after it and the Volume Space Size to
    /// [`VolumeSpaceSize::SessionLocal`]. An import afterwards moves the start block on
    /// overwritable media to the end of the recorded sessions.
    pub fn set_session_placement(&mut self, placement: SessionPlacement) {
        match placement {
            SessionPlacement::Sequential {
                next_writable_address,
                free_sectors,
            } => {
                self.session_start_block = next_writable_address;
                // 0 would mean "no limit".
                self.free_media_blocks = free_sectors.max(1);
                self.volume_space_size = VolumeSpaceSize::Absolute;
            }
            SessionPlacement::Overwrite {
                total_sectors,
                next_writable_address,
                ..
            } => {
                self.session_start_block =
                    RANDOM_WRITE_HEAD_BLOCKS.max(next_writable_address.unwrap_or(0));
                self.free_media_blocks = total_sectors
                    .saturating_sub(self.session_start_block)
                    .max(1);
                self.volume_space_size = VolumeSpaceSize::SessionLocal;
            }
        }
        self.placement = Some(placement);
    }

    /// The placement the session is laid out for: set by
    /// [`FileSystemImage::set_multisession_interfaces`] or
    /// [`FileSystemImage::set_session_placement`]; `None` for a plain image.
    pub fn session_placement(&self) -> Option<SessionPlacement> {
        self.placement
    }

    /// IFileSystemImage::IdentifyFileSystemsOnDisc: the file systems of the last session
    /// on `media` (the recorder's media read with READ(10), an image file, …; I-15).
    ///
    /// # Errors
    /// [`ImageError::MultisessionNotSet`], [`ImageError::NoCompatibleMultisessionType`]
    /// (no media: `media` has no sectors), [`ImageError::EmptyDisc`], read errors.
    pub fn identify_file_systems_on_disc(
        &self,
        media: &mut dyn SectorSource,
    ) -> Result<FileSystems, ImageError> {
        let seq = self.in_use_sequential()?;
        require_media(media)?;
        let start = match seq {
            Some(prev) => prev,
            None => {
                discburn_reader::sessions::list_sessions(media)
                    .map_err(|source| ImageError::Import { source })?
                    .last()
                    .ok_or(ImageError::EmptyDisc)?
                    .start
            }
        };
        identify_file_systems(media, start)
    }

    /// IdentifyFileSystemsOnDisc with a NULL recorder: opens the media of the
    /// ImportRecorder of the multisession mechanism in use
    /// ([`Multisession::open_import_media`]) and identifies the file systems of its last
    /// session (I-15).
    ///
    /// # Errors
    /// [`ImageError::MultisessionNotSet`], [`ImageError::Multisession`] when the
    /// recorder cannot be opened, and those of
    /// [`FileSystemImage::identify_file_systems_on_disc`].
    pub fn identify_file_systems_on_import_recorder(&self) -> Result<FileSystems, ImageError> {
        let m = self.chosen()?;
        let mut media = m
            .open_import_media()
            .map_err(|source| ImageError::Multisession { source })?;
        self.identify_file_systems_on_disc(&mut *media)
    }

    /// The mechanism in use, chosen by IMAPI2's rules.
    fn chosen(&self) -> Result<&Arc<dyn Multisession>, ImageError> {
        if self.multisession.is_empty() {
            return Err(ImageError::MultisessionNotSet);
        }
        Ok(&self.multisession[multisession::choose(&self.multisession)?])
    }

    /// IFileSystemImage::CalculateDiscIdentifier: the signature of the media in the
    /// ImportRecorder of the multisession mechanism in use and of its sessions, as the
    /// mechanism read it when the data writer made it ([`Multisession::disc_identifier`];
    /// the format is the data writer's, IMAPI2's is undocumented). The same disc state
    /// gives the same string; another session gives another (I-27). Two discs recorded
    /// identically give the same string.
    ///
    /// # Errors
    /// [`ImageError::MultisessionNotSet`] (I-02);
    /// [`ImageError::NoCompatibleMultisessionType`] when the mechanism gives none.
    pub fn calculate_disc_identifier(&self) -> Result<String, ImageError> {
        self.chosen()?.disc_identifier().map(str::to_string).ok_or(
            ImageError::NoCompatibleMultisessionType {
                reason: "the mechanism in use gives no disc identifier",
            },
        )
    }

    /// The start of the previous session for a sequential mechanism in use (`None` for
    /// an overwrite one).
    fn in_use_sequential(&self) -> Result<Option<u64>, ImageError> {
        let m = self.chosen()?;
        match m.as_sequential() {
            Some(s) => {
                let prev = s.start_address_of_previous_session();
                if prev < 0 {
                    return Err(ImageError::EmptyDisc);
                }
                Ok(Some(prev as u64))
            }
            None => Ok(None),
        }
    }

    /// IFileSystemImage::ImportFileSystem from the media of the multisession mechanism in
    /// use, read through `media` (the recorder's READ(10), or the image file itself):
    /// imports the default file system of the last session (I-13) and fixes the session
    /// start block (I-21): the next writable address on sequential media; on overwrite
    /// media the end of the recorded sessions rounded up to 32 blocks, after checking
    /// nothing lies beyond (see [`FileSystemImage::import_last_session_from`]);
    /// FreeMediaBlocks follows (I-25).
    ///
    /// The disc identifier of the mechanism is kept and carried by the results
    /// ([`ImageResult::disc_id`]), so writing them to another disc fails (I-28).
    ///
    /// # Errors
    /// [`ImageError::MultisessionNotSet`] (I-01),
    /// [`ImageError::NoCompatibleMultisessionType`] when there is no media (I-10),
    /// [`ImageError::EmptyDisc`] (I-11), and those of
    /// [`FileSystemImage::import_file_system_from`].
    pub fn import_file_system(
        &mut self,
        media: &mut dyn SectorSource,
    ) -> Result<FileSystems, ImageError> {
        self.import_with(media, None)
    }

    /// IFileSystemImage::ImportSpecificFileSystem from the media of the multisession
    /// mechanism in use; as [`FileSystemImage::import_file_system`].
    ///
    /// # Errors
    /// As [`FileSystemImage::import_file_system`], plus
    /// [`ImageError::FileSystemNotFound`] (I-16).
    pub fn import_specific_file_system(
        &mut self,
        media: &mut dyn SectorSource,
        file_system: FileSystems,
    ) -> Result<(), ImageError> {
        self.import_with(media, Some(file_system)).map(drop)
    }

    fn import_with(
        &mut self,
        media: &mut dyn SectorSource,
        fs: Option<FileSystems>,
    ) -> Result<FileSystems, ImageError> {
        let m = self.chosen()?.clone();
        require_media(media)?;
        let used = self.import_with_media(&m, media, fs)?;
        self.disc_id = m.disc_identifier().map(str::to_string);
        Ok(used)
    }

    fn import_with_media(
        &mut self,
        m: &Arc<dyn Multisession>,
        media: &mut dyn SectorSource,
        fs: Option<FileSystems>,
    ) -> Result<FileSystems, ImageError> {
        if let Some(prev) = self.in_use_sequential()? {
            let start = self.session_start_block;
            let free = self.free_media_blocks;
            // Readers take a session's VAT from the last block the drive recorded
            // (UDF 2.60 2.2.11; READ TRACK INFORMATION, MMC-6 6.27).
            let last = m
                .as_sequential()
                .map(|s| s.last_written_address_of_previous_session())
                .filter(|&l| l >= 0);
            let mut limited = Limited {
                inner: media,
                limit: last.map(|l| l as u64 + 1),
            };
            let media = &mut limited;
            let used = match fs {
                Some(f) => {
                    self.import_specific_file_system_from(media, prev, f)?;
                    f
                }
                None => self.import_file_system_from(media, prev)?,
            };
            self.session_start_block = start;
            self.free_media_blocks = free;
            return Ok(used);
        }
        let Some(SessionPlacement::Overwrite {
            total_sectors,
            last_written_address,
            next_writable_address,
            previous_session,
        }) = m.session_placement()
        else {
            return Err(ImageError::NoCompatibleMultisessionType {
                reason: "the mechanism in use is not supported by the file-system image",
            });
        };
        // The safety scan reads one sector per 16 blocks up to the end: bound it by the
        // drive's last recorded address when it reports one, else (BD-RE, DVD+RW: MMC
        // reports no last recorded address on random-write media) by a window past the
        // end of the session chain, where an interrupted session's leftovers and the
        // sessions another writer chained on lie. A whole BD-RE would take hundreds of
        // thousands of READ(10)s.
        let limit = match last_written_address {
            Some(l) => Some(u64::from(l) + 1),
            None => {
                let list = discburn_reader::sessions::list_sessions(&mut *media)
                    .map_err(|source| ImageError::Import { source })?;
                Some(
                    list.next_session_start()
                        .saturating_add(OVERWRITE_SCAN_WINDOW),
                )
            }
        };
        let mut src = Limited {
            inner: media,
            limit,
        };
        let list = discburn_reader::sessions::list_sessions(&mut src)
            .map_err(|source| ImageError::Import { source })?;
        if list.sessions.is_empty() && next_writable_address.is_none() {
            // No ISO 9660 session: a UDF volume alone (written by `--fs udf`, mkudffs,
            // ...) is continued by a new volume after it; the anchor at LBA 256 is
            // written again last (see ImageResult::random_write_anchor).
            if let Some(used) = self.import_udf_volume_alone(&mut src, fs)? {
                let start = self.session_start_block;
                self.free_media_blocks = total_sectors.saturating_sub(start).max(1);
                return Ok(used);
            }
        }
        if list.sessions.is_empty() {
            return Err(ImageError::EmptyDisc);
        }
        if let Some(nwa) = next_writable_address {
            // BD-R Pseudo-Overwrite: the drive records only at the NWA, after every
            // recorded block (replacement clusters included), so nothing can be
            // overwritten there and no scan is needed.
            let last = previous_session.map_or(list.last().expect("not empty").start, u64::from);
            let used = match fs {
                Some(f) => {
                    self.import_specific_file_system_from(&mut src, last, f)?;
                    f
                }
                None => {
                    let f = self.import_file_system_from(&mut src, last)?;
                    self.keep_system_area(&mut src)?;
                    if last < u64::from(RANDOM_WRITE_HEAD_BLOCKS) {
                        import::copy_head_extents(self.tree_mut(), &mut src)?;
                    }
                    f
                }
            };
            // Normally the chain ends at the NWA; after a head rewrite that was cut
            // short it ends one cluster later (the session is complete, the head
            // still shows the one before): keep the chain whole.
            let next = u32::try_from(list.next_session_start()).map_err(|_| {
                ImageError::ImageTooLarge {
                    blocks: list.next_session_start(),
                }
            })?;
            self.session_start_block = RANDOM_WRITE_HEAD_BLOCKS.max(nwa).max(next);
            self.free_media_blocks = total_sectors
                .saturating_sub(self.session_start_block)
                .max(1);
            return Ok(used);
        }
        let used = match fs {
            Some(f) => {
                let last = list.last().expect("not empty").start;
                self.import_specific_file_system_from(&mut src, last, f)?;
                self.keep_system_area(&mut src)?;
                let next = list.next_session_start();
                check_nothing_at_or_after(&mut src, next)?;
                self.session_start_block =
                    u32::try_from(next).map_err(|_| ImageError::ImageTooLarge { blocks: next })?;
                f
            }
            None => self
                .import_last_session_from(&mut src)?
                .ok_or(ImageError::EmptyDisc)?,
        };
        let start = self.session_start_block;
        self.free_media_blocks = total_sectors.saturating_sub(start).max(1);
        Ok(used)
    }

    /// IFileSystemImage::get_ImportedVolumeName: the volume identifier of the imported
    /// session, `None` before an import (I-24). The volume name is not changed.
    pub fn imported_volume_name(&self) -> Option<&str> {
        self.imported.as_ref().map(|i| i.volume_name.as_str())
    }

    /// Start block of the imported session, `None` before an import.
    pub fn imported_session_start(&self) -> Option<u64> {
        self.imported.as_ref().map(|i| i.session_start)
    }

    /// IFileSystemImage::ImportFileSystem for the session at `session_start` of `src`
    /// (an image file, a block device or a recorder's READ(10)): identifies the file
    /// systems, imports the default one (UDF > Joliet > ISO 9660, I-13) and returns it.
    /// Rock Ridge names and attributes are used when present. Items already in the
    /// tree win over imported ones at the same path (I-19). The session start block is
    /// not changed; see [`FileSystemImage::import_last_session_from`] for image files.
    ///
    /// # Errors
    /// [`ImageError::NoSupportedFileSystem`] (I-12), and those of [`FileSystemImage::import_specific_file_system_from`].
    pub fn import_file_system_from(
        &mut self,
        src: &mut (impl discburn_reader::SectorSource + ?Sized),
        session_start: u64,
    ) -> Result<FileSystems, ImageError> {
        let present = identify_file_systems(src, session_start)?;
        let fs = default_file_system_for_import(present);
        if fs.is_empty() {
            // A UDF recognition sequence whose volume cannot be read (damaged anchors,
            // descriptors or VAT): name the structure rather than "nothing found".
            if import::has_udf_recognition_sequence(src, session_start)
                && let Err(source) = discburn_reader::UdfVolume::open(
                    src,
                    session_start,
                    &discburn_reader::ReadOptions::default(),
                )
            {
                return Err(ImageError::Import { source });
            }
            return Err(ImageError::NoSupportedFileSystem { session_start });
        }
        self.import_specific_file_system_from(src, session_start, fs)?;
        Ok(fs)
    }

    /// IFileSystemImage::ImportSpecificFileSystem: imports one file system (`ISO9660`,
    /// `JOLIET` or `UDF`) of the session at `session_start`. The tree is unchanged on
    /// error.
    ///
    /// # Errors
    /// [`ImageError::FileSystemNotFound`] (I-16),
    /// [`ImageError::InvalidFileSystems`] (not exactly one flag),
    /// [`ImageError::ImportTypeCollisionFileExistsAsDirectory`],
    /// [`ImageError::ImportTypeCollisionDirectoryExistsAsFile`] (I-20),
    /// [`ImageError::Import`] (read errors; an extent past the end of the media is
    /// `discburn_reader::ReadError::ExtentPastEnd`, naming the directory record and LBAs).
    pub fn import_specific_file_system_from(
        &mut self,
        src: &mut (impl discburn_reader::SectorSource + ?Sized),
        session_start: u64,
        file_system: FileSystems,
    ) -> Result<(), ImageError> {
        let slot = self.import_callback.clone();
        let mut guard = slot
            .as_ref()
            .map(|s| s.0.lock().unwrap_or_else(|p| p.into_inner()));
        let mut events = import_events::Events::new(
            guard
                .as_deref_mut()
                .map(|cb| &mut **cb as &mut (dyn FnMut(&ImportProgress) + Send)),
            file_system,
        );
        let (tree, imported) =
            import::import_into(&self.tree, src, session_start, file_system, &mut events)?;
        // The next session continues the imported UDF volume's revision when this
        // implementation can write it (UDFRevision is fixed after an import, I-22).
        if let Some(rev) = imported.udf_revision.map(u32::from)
            && self.udf_revisions_supported().contains(&rev)
        {
            self.udf_revision = rev;
        }
        self.tree = Arc::new(tree);
        // El Torito lives in ECMA-119 descriptors: a UDF-only session has no boot record.
        let ecma119 = imported.present.intersects(FileSystems::ISO9660);
        // The new session keeps the file systems of the imported one (IMAPI2 keeps the
        // file systems it imported): a bridge stays a bridge, a UDF volume alone stays
        // alone (its VAT, on write-once media, continues only as UDF).
        if imported.present.contains(FileSystems::UDF) {
            if ecma119 {
                self.file_systems |= FileSystems::UDF
                    | (imported.present
                        & (FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE));
            } else {
                self.file_systems = FileSystems::UDF;
            }
        }
        self.imported = Some(imported);
        self.boot_kept = if ecma119 {
            boot::import(src, session_start, &self.tree)?
        } else {
            None
        };
        Ok(())
    }

    /// Imports the newest session of an image file or random-write medium (xorriso's
    /// emulated TOC, peers.md §1.1) and sets the session start block to where the next
    /// session goes: the end of the recorded data rounded up to 32 blocks. Checks first
    /// that nothing readable lies at or after that block (peers.md §6 items 10, 11). For
    /// a blank source nothing is imported and the start block is 32. A UDF volume alone
    /// (no ECMA-119 descriptors) is imported through the anchor at LBA 256, and the next
    /// session goes after its structures and partitions. Data of a session
    /// recorded at LBA 0 (genisoimage, growisofs) that lies in LBA 0–31 is copied into
    /// memory, as the head of the new session overwrites those blocks (at most 64 KiB
    /// per file start; no other file data is read).
    ///
    /// # Errors
    /// [`ImageError::DataAfterSessionStart`], and those of
    /// [`FileSystemImage::import_file_system_from`].
    pub fn import_last_session_from(
        &mut self,
        src: &mut (impl discburn_reader::SectorSource + ?Sized),
    ) -> Result<Option<FileSystems>, ImageError> {
        let list = discburn_reader::sessions::list_sessions(src)
            .map_err(|source| ImageError::Import { source })?;
        if list.sessions.is_empty()
            && let Some(used) = self.import_udf_volume_alone(src, None)?
        {
            return Ok(Some(used));
        }
        let next = list.next_session_start();
        check_nothing_at_or_after(src, next)?;
        let next32 = u32::try_from(next).map_err(|_| ImageError::ImageTooLarge { blocks: next })?;
        let Some(last) = list.last() else {
            self.try_set_session_start_block(next32)?;
            return Ok(None);
        };
        let fs = self.import_file_system_from(src, last.start)?;
        self.keep_system_area(src)?;
        if last.start < u64::from(RANDOM_WRITE_HEAD_BLOCKS) {
            import::copy_head_extents(self.tree_mut(), src)?;
        }
        self.session_start_block = next32;
        Ok(Some(fs))
    }

    /// On overwritable media and image files without ISO 9660 sessions: imports the UDF
    /// volume that the anchor at LBA 256 names (ECMA-167 3/8.4.2.1), if there is one, and
    /// places the new session at the first 32-block boundary after the volume's
    /// structures and partitions. `Ok(None)` when no UDF volume reads there.
    ///
    /// # Errors
    /// [`ImageError::DataAfterSessionStart`] when something lies after the volume (an
    /// interrupted session's leftovers: `repair` removes them); [`ImageError::Import`]
    /// with [`discburn_reader::ReadError::NoUdfVolume`] when the anchor at LBA 256 is
    /// damaged (the volume read through another); import errors.
    fn import_udf_volume_alone(
        &mut self,
        src: &mut (impl discburn_reader::SectorSource + ?Sized),
        fs: Option<FileSystems>,
    ) -> Result<Option<FileSystems>, ImageError> {
        let options = discburn_reader::ReadOptions::default();
        let Ok(volume) = discburn_reader::UdfVolume::open(src, 0, &options) else {
            return Ok(None);
        };
        // The new volume is announced by writing LBA 256 again: never over a damaged
        // anchor (it may be something else's data).
        volume
            .require_anchor_256()
            .map_err(|source| ImageError::Import { source })?;
        let used = match fs {
            Some(f) => {
                self.import_specific_file_system_from(src, 0, f)?;
                f
            }
            None => self.import_file_system_from(src, 0)?,
        };
        self.keep_system_area(src)?;
        let next = volume
            .recorded_end
            .next_multiple_of(u64::from(RANDOM_WRITE_HEAD_BLOCKS))
            .max(u64::from(RANDOM_WRITE_HEAD_BLOCKS));
        check_nothing_at_or_after(src, next)?;
        self.session_start_block =
            u32::try_from(next).map_err(|_| ImageError::ImageTooLarge { blocks: next })?;
        Ok(Some(used))
    }

    /// Whether the session will close the medium (IDiscFormat2Data::put_ForceMediaToBeClosed,
    /// which the image does not see otherwise). A UDF-only session on write-once media
    /// then records the closed volume's second Anchor Volume Descriptor Pointer at
    /// N − 256, N being its last block, the VAT ICB (ECMA-167 3/8.4.2.1; UDF 2.60 2.2.3,
    /// 2.2.11), padding the session when that block is not free. Default: `false`.
    pub fn set_closing_session(&mut self, closing: bool) {
        self.closing_session = closing;
    }

    /// IFileSystemImage::get_SessionStartBlock.
    pub fn session_start_block(&self) -> u32 {
        self.session_start_block
    }

    /// IFileSystemImage::put_FreeMediaBlocks: the most blocks the session may take;
    /// 0 = no limit. The default here is 0 (IMAPI2's is 332,800, a 74-minute CD): the
    /// recorder layer sets it from the medium.
    pub fn set_free_media_blocks(&mut self, blocks: u32) {
        self.free_media_blocks = blocks;
    }

    /// IFileSystemImage::get_FreeMediaBlocks.
    pub fn free_media_blocks(&self) -> u32 {
        self.free_media_blocks
    }

    /// IFileSystemImage::get_UsedBlocks: blocks the session would take now (a full
    /// layout is computed).
    ///
    /// # Errors
    /// See [`FileSystemImage::plan`].
    pub fn used_blocks(&self) -> Result<u64, ImageError> {
        Ok(self.plan_unchecked()?.total_blocks)
    }

    /// How the Volume Space Size is computed (default
    /// [`VolumeSpaceSize::SessionLocal`], as genisoimage/xorriso `-C`).
    pub fn set_volume_space_size(&mut self, v: VolumeSpaceSize) {
        self.volume_space_size = v;
    }

    /// See [`Tree::add_tree`] (IFsiDirectoryItem::AddTree with includeBaseDirectory =
    /// FALSE into `dest_dir`, created if missing). Returns the number of files
    /// (non-directories) added or replaced.
    ///
    /// # Errors
    /// See [`Tree::add_tree`].
    pub fn add_tree(&mut self, host_dir: &Path, dest_dir: &str) -> Result<usize, ImageError> {
        self.tree_mut().add_tree(host_dir, dest_dir)
    }

    /// See [`Tree::add_graft`]: `host` the way `mkisofs` grafts `SRC[=DEST]`; two grafts
    /// that put different items at one path are refused, naming both sources.
    ///
    /// # Errors
    /// See [`Tree::add_graft`].
    pub fn add_graft(&mut self, host: &Path, dest: Option<&str>) -> Result<usize, ImageError> {
        self.tree_mut().add_graft(host, dest)
    }

    /// See [`Tree::add_file`].
    ///
    /// # Errors
    /// See [`Tree::add_file`].
    pub fn add_file(&mut self, dest_path: &str, host_file: &Path) -> Result<(), ImageError> {
        self.tree_mut().add_file(dest_path, host_file)
    }

    /// See [`Tree::add_bytes`].
    ///
    /// # Errors
    /// See [`Tree::add_bytes`].
    pub fn add_bytes(&mut self, dest_path: &str, bytes: Vec<u8>) -> Result<(), ImageError> {
        self.tree_mut().add_bytes(dest_path, bytes)
    }

    /// See [`Tree::add_file_source`].
    ///
    /// # Errors
    /// See [`Tree::add_file_source`].
    pub fn add_file_source(
        &mut self,
        dest_path: &str,
        source: FileSource,
        meta: Option<ItemMetadata>,
    ) -> Result<(), ImageError> {
        self.tree_mut().add_file_source(dest_path, source, meta)
    }

    /// See [`Tree::add_directory`].
    ///
    /// # Errors
    /// See [`Tree::add_directory`].
    pub fn add_directory(&mut self, dest_path: &str) -> Result<(), ImageError> {
        self.tree_mut().add_directory(dest_path)
    }

    /// See [`Tree::add_symlink`].
    ///
    /// # Errors
    /// See [`Tree::add_symlink`].
    pub fn add_symlink(&mut self, dest_path: &str, target: &str) -> Result<(), ImageError> {
        self.tree_mut().add_symlink(dest_path, target)
    }

    /// See [`Tree::remove`].
    ///
    /// # Errors
    /// See [`Tree::remove`].
    pub fn remove(&mut self, dest_path: &str) -> Result<(), ImageError> {
        self.tree_mut().remove(dest_path)
    }

    /// See [`Tree::remove_tree`].
    ///
    /// # Errors
    /// See [`Tree::remove_tree`].
    pub fn remove_tree(&mut self, dest_path: &str) -> Result<(), ImageError> {
        self.tree_mut().remove_tree(dest_path)
    }

    /// See [`Tree::set_metadata`].
    ///
    /// # Errors
    /// See [`Tree::set_metadata`].
    pub fn set_metadata(&mut self, dest_path: &str, meta: ItemMetadata) -> Result<(), ImageError> {
        self.tree_mut().set_metadata(dest_path, meta)
    }

    /// IFileSystemImage::get_FileCount: files, links and special files.
    pub fn file_count(&self) -> usize {
        self.tree.file_count()
    }

    /// IFileSystemImage::get_DirectoryCount: directories including the root.
    pub fn directory_count(&self) -> usize {
        self.tree.directory_count()
    }

    /// The options [`plan`] is called with.
    pub fn options(&self) -> ImageOptions {
        ImageOptions {
            file_systems: self.file_systems,
            iso_level: self.iso_level,
            strict: self.strict,
            timestamp: self.timestamp,
            volume_name: self.volume_name(),
            volume_space_size: self.volume_space_size,
            clamp_times: self.clamp_times,
            record_md5: self.record_md5,
            udf_revision: self.udf_revision,
            udf_redundant_metadata: self.udf_redundant_metadata,
            el_torito: self.el_torito_plan().ok().flatten(),
            reuse_directories: match self.reuse_directories {
                _ if self.imported.is_none() => None,
                reuse::DirectoryReuse::Never => None,
                reuse::DirectoryReuse::Always => Some(reuse::Kept::All),
                reuse::DirectoryReuse::Auto if self.head_rewritten() => {
                    Some(reuse::Kept::ReadForward)
                }
                reuse::DirectoryReuse::Auto => Some(reuse::Kept::All),
            },
            relocate_deep_directories: self.relocate_deep_directories(),
            udf_vat: self.udf_vat_input(),
            udf_kept_partition: self.udf_kept_partition(),
        }
    }

    /// The partition an appended UDF-only volume on overwritable media keeps (see
    /// [`ImageOptions::udf_kept_partition`]).
    fn udf_kept_partition(&self) -> Option<u32> {
        if !self.placed_on_overwritable_media()
            || self.file_systems != FileSystems::UDF
            || self.udf_revision >= 0x250
        {
            return None;
        }
        self.imported.as_ref()?.udf_partition_start
    }

    /// The session is placed on truly overwritable media: [`SessionPlacement::Overwrite`]
    /// without a next writable address (not BD-R Pseudo-Overwrite, whose drive records
    /// only at its NWA).
    fn placed_on_overwritable_media(&self) -> bool {
        matches!(
            self.placement,
            Some(SessionPlacement::Overwrite {
                next_writable_address: None,
                ..
            })
        )
    }

    /// The VAT input of a UDF-only session (see [`VatInput`]): the imported volume's when
    /// it has a virtual partition; on a blank write-once medium
    /// ([`SessionPlacement::Sequential`], nothing imported) a first VAT session whose
    /// partition runs to the end of the medium; otherwise none (a type 1 partition), as
    /// always on overwritable media.
    fn udf_vat_input(&self) -> Option<Arc<udf::vat::VatInput>> {
        let fs = self.file_systems;
        if !fs.contains(FileSystems::UDF)
            || fs.intersects(FileSystems::ISO9660 | FileSystems::JOLIET)
        {
            return None;
        }
        if self.placed_on_overwritable_media() {
            // Overwritable media: a new volume with a type 1 partition, taken over by the
            // anchor at LBA 256 (a VAT is for write-once media, UDF 2.60 2.2.11).
            return None;
        }
        let closing = self.closing_session;
        if let Some(imported) = &self.imported {
            return imported
                .vat
                .clone()
                .map(|p| Arc::new(udf::vat::VatInput::append(p).closing(closing)));
        }
        match self.placement {
            Some(SessionPlacement::Sequential { .. }) => Some(Arc::new(
                udf::vat::VatInput::first(
                    self.session_start_block
                        .saturating_add(self.free_media_blocks),
                )
                .closing(closing),
            )),
            _ => None,
        }
    }

    /// The layout of the image as it stands (a pure function of tree, options and
    /// session start block).
    ///
    /// # Errors
    /// See [`plan`], plus [`ImageError::InvalidVolumeName`] in strict mode and
    /// [`ImageError::ExceedsFreeMediaBlocks`] (IMAPI_E_IMAGE_TOO_BIG, O-02).
    pub fn plan(&self) -> Result<Layout, ImageError> {
        self.plan_and_tree().map(|(l, _)| l)
    }

    /// [`FileSystemImage::plan`] and the tree it was made from (with the El Torito
    /// catalog added).
    fn plan_and_tree(&self) -> Result<(Layout, Arc<Tree>), ImageError> {
        let (layout, tree) = self.plan_unchecked_tree()?;
        if self.free_media_blocks != 0 && layout.total_blocks > u64::from(self.free_media_blocks) {
            return Err(ImageError::ExceedsFreeMediaBlocks {
                needed: layout.total_blocks,
                free: self.free_media_blocks,
            });
        }
        Ok((layout, tree))
    }

    fn plan_unchecked(&self) -> Result<Layout, ImageError> {
        self.plan_unchecked_tree().map(|(l, _)| l)
    }

    fn plan_unchecked_tree(&self) -> Result<(Layout, Arc<Tree>), ImageError> {
        if self.strict {
            let name = self.volume_name();
            let ok = name.chars().count() <= 15
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
            if !ok {
                return Err(ImageError::InvalidVolumeName {
                    name,
                    reason: "strict: at most 15 characters from A-Z a-z 0-9 . _ (IMAPI2 put_VolumeName)",
                });
            }
        }
        let mut options = self.options();
        options.el_torito = self.el_torito_plan()?;
        let tree = boot::prepare_tree(&self.tree, options.el_torito.as_ref())?;
        let mut layout = plan(&tree, &options, self.session_start_block)?;
        if let Some(SessionPlacement::Overwrite {
            next_writable_address: Some(_),
            ..
        }) = self.placement
        {
            // BD-R Pseudo-Overwrite: the session's data rounded up to a cluster, then
            // the cluster that will hold the head's replacement (see
            // SessionPlacement::Overwrite).
            let cluster = u64::from(RANDOM_WRITE_HEAD_BLOCKS);
            let end = layout.end_block().next_multiple_of(cluster) + cluster;
            layout.total_blocks = end - u64::from(self.session_start_block);
        }
        Ok((layout, tree))
    }

    /// IFsiItem::FileSystemPath: the path of the item as recorded in one file system
    /// (`ISO9660`, `JOLIET`, or `ROCK_RIDGE`, which records host names unchanged). A
    /// full layout is computed; for many items use [`Layout::file_system_path`].
    ///
    /// # Errors
    /// [`ImageError::InvalidFileSystems`] unless `fs` is exactly one of those (and
    /// recorded), and the errors of [`FileSystemImage::plan`] and
    /// [`Layout::file_system_path`].
    pub fn file_system_path(&self, path: &str, fs: FileSystems) -> Result<String, ImageError> {
        let h = if fs == FileSystems::ISO9660 {
            Hierarchy::Iso9660
        } else if fs == FileSystems::JOLIET {
            Hierarchy::Joliet
        } else if fs == FileSystems::ROCK_RIDGE {
            self.tree.lookup(path)?;
            let comps = tree::parse_path(path)?;
            return Ok(format!(
                "/{}",
                comps
                    .iter()
                    .map(|c| String::from_utf8_lossy(c))
                    .collect::<Vec<_>>()
                    .join("/")
            ));
        } else {
            return Err(ImageError::InvalidFileSystems {
                reason: "FileSystemPath takes exactly one of ISO9660, JOLIET, ROCK_RIDGE",
            });
        };
        self.plan_unchecked()?.file_system_path(&self.tree, path, h)
    }

    /// IFsiItem::FileSystemName: the last component of [`FileSystemImage::file_system_path`].
    ///
    /// # Errors
    /// As [`FileSystemImage::file_system_path`].
    pub fn file_system_name(&self, path: &str, fs: FileSystems) -> Result<String, ImageError> {
        let p = self.file_system_path(path, fs)?;
        Ok(p.rsplit('/').next().unwrap_or_default().to_owned())
    }

    /// IFileSystemImage::CreateResultImage: lays the image out and returns the stream.
    /// The result holds a snapshot of the tree; later changes to this object do not
    /// affect it. With multisession interfaces set, the result carries the disc
    /// identifier ([`ImageResult::disc_id`]): the one taken at the import, else the one
    /// the mechanism in use gives ([`Multisession::disc_identifier`]; none when it gives
    /// none).
    ///
    /// # Errors
    /// See [`FileSystemImage::plan`].
    pub fn create_result_image(&self) -> Result<ImageResult, ImageError> {
        let (layout, tree) = self.plan_and_tree()?;
        let disc_id = match (&self.disc_id, self.multisession.is_empty()) {
            (_, true) => None,
            (Some(id), false) => Some(id.clone()),
            (None, false) => self.calculate_disc_identifier().ok(),
        };
        let mut result = ImageResult::new(tree, layout);
        result.disc_id = disc_id;
        result.system_area = self.system_area.clone();
        // LBA 256 is written again only on truly overwritable media (not BD-R
        // Pseudo-Overwrite, whose mechanism records only the head's replacement).
        let overwritable = match self.placement {
            Some(_) => self.placed_on_overwritable_media(),
            None => self.random_write_import,
        };
        result.udf_anchor_256 = overwritable
            && self.file_systems.contains(FileSystems::UDF)
            && self.imported.as_ref().is_some_and(|i| i.udf_anchor_256);
        Ok(result)
    }
}

/// IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE when the drive holds no media (I-10): the
/// media has no sectors.
fn require_media(media: &mut dyn SectorSource) -> Result<(), ImageError> {
    if media.total_sectors() > 0 {
        Ok(())
    } else {
        Err(ImageError::NoCompatibleMultisessionType {
            reason: "there is no media in the drive",
        })
    }
}

/// How far past the end of the session chain of a random-write medium that reports no
/// last recorded address the safety scan for volume descriptors reaches, in sectors
/// (8 MiB: 256 single-sector reads). Other writers chain their sessions within 32 blocks
/// of the previous one, and an interrupted session's leftovers start at the chain's end.
pub const OVERWRITE_SCAN_WINDOW: u64 = 4096;

/// A sector source seen only up to `limit` sectors (the drive's last recorded address),
/// so scans for recorded sessions stop there.
struct Limited<'a> {
    inner: &'a mut dyn SectorSource,
    limit: Option<u64>,
}

impl SectorSource for Limited<'_> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.inner.read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        let t = self.inner.total_sectors();
        self.limit.map_or(t, |l| t.min(l))
    }
}

/// Refuses to lay out a session at `start` when a volume descriptor or UDF recognition
/// sequence lies at or after it (peers.md §6 items 10, 11: superblocks past the claimed
/// end, a zeroed head with sessions behind it).
///
/// # Errors
/// [`ImageError::DataAfterSessionStart`], [`ImageError::Import`] on read errors.
pub fn check_nothing_at_or_after(
    src: &mut (impl discburn_reader::SectorSource + ?Sized),
    start: u64,
) -> Result<(), ImageError> {
    use discburn_reader::sessions::{DataKind, find_data_at_or_after};
    let found =
        find_data_at_or_after(src, start).map_err(|source| ImageError::Import { source })?;
    match found {
        None => Ok(()),
        Some(f) => Err(ImageError::DataAfterSessionStart {
            session_start: start,
            found_lba: f.descriptor_lba,
            what: match f.kind {
                DataKind::Iso9660 => "ISO 9660 volume descriptor",
                DataKind::Invalidated => "invalidated (CDXX1) volume descriptor",
                DataKind::Udf => "UDF volume recognition sequence",
            },
        }),
    }
}
