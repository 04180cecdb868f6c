//! The error type of the image layer.

use std::io;
use std::path::PathBuf;

use crate::{FileSystems, IsoLevel};

/// Errors of [`crate::FileSystemImage`], [`crate::plan`] and [`crate::ImageResult`].
/// Each names the image path or host path and the reason. The IMAPI2 HRESULT each one
/// corresponds to is given in brackets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// An image path is malformed: not absolute, an empty, "." or ".." component, a NUL
    /// byte, or a component longer than 255 bytes (IMAPI_E_INVALID_PATH).
    #[error("invalid image path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An item already exists at the path (IMAPI_E_DUP_NAME).
    #[error("{path}: an item with this name already exists in the image")]
    PathExists {
        /// Image path.
        path: String,
    },
    /// Two grafts (`mkisofs` `SRC[=DEST]` operands) put different items at one image
    /// path, where only two directories can merge (IMAPI_E_DUP_NAME).
    #[error(
        "{path}: {} and {second:?} are both grafted at this path; give one another destination (SRC=DEST) or leave one out",
        first.as_ref().map_or_else(|| "an item added earlier".to_string(), |p| format!("{p:?}"))
    )]
    GraftClash {
        /// Image path.
        path: String,
        /// The host path the earlier graft put there (`None`: not known).
        first: Option<PathBuf>,
        /// The host path of the graft that clashes with it.
        second: PathBuf,
    },
    /// No item at the path, or its parent directory is missing (IMAPI_E_ITEM_NOT_FOUND,
    /// IMAPI_E_DIR_NOT_FOUND).
    #[error("{path}: no such item in the image")]
    NotFound {
        /// Image path.
        path: String,
    },
    /// The item is not a directory (IMAPI_E_NOT_DIR).
    #[error("{path}: not a directory")]
    NotADirectory {
        /// Image path.
        path: String,
    },
    /// `remove` on a directory that still has children (IMAPI_E_DIR_NOT_EMPTY).
    #[error("{path}: directory is not empty")]
    DirectoryNotEmpty {
        /// Image path.
        path: String,
    },
    /// A host directory could not be listed (IMAPI_E_DIRECTORY_READ_FAILURE).
    #[error("cannot read host directory {host_path:?}: {source}")]
    DirectoryRead {
        /// Host path.
        host_path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A host file could not be examined, opened or read (IMAPI_E_DATA_STREAM_READ_FAILURE).
    #[error("cannot read host file {host_path:?}: {source}")]
    SourceRead {
        /// Host path.
        host_path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A host file's size changed between adding it and writing it, or while it was
    /// read (IMAPI_E_DATA_STREAM_INCONSISTENCY).
    #[error(
        "host file {host_path:?} changed size since it was added: expected {expected} bytes, found {actual}"
    )]
    SourceChangedSize {
        /// Host path.
        host_path: PathBuf,
        /// Size when added.
        expected: u64,
        /// Size found while writing.
        actual: u64,
    },
    /// A host file's modification time (st_mtim) changed between adding it and writing
    /// it, or while it was read: its data was written to (IMAPI_E_DATA_STREAM_INCONSISTENCY).
    #[error(
        "host file {host_path:?} was modified since it was added (modification time {}.{:09} when added, {}.{:09} now)",
        expected.0, expected.1, actual.0, actual.1
    )]
    SourceModified {
        /// Host path.
        host_path: PathBuf,
        /// Modification time when added: seconds since the Unix epoch, nanoseconds.
        expected: (i64, u32),
        /// Modification time found.
        actual: (i64, u32),
    },
    /// A host path given to `add_file` is a directory (use `add_tree`).
    #[error("host path {host_path:?} is a directory; use add_tree")]
    SourceIsDirectory {
        /// Host path.
        host_path: PathBuf,
    },
    /// Strict compliance: the name cannot be recorded at this interchange level without
    /// changing it (characters outside the d-characters, too long, or colliding after
    /// upper-casing) (IMAPI_E_NO_UNIQUE_NAME / IMAPI_E_RESTRICTED_NAME_VIOLATION).
    #[error("{path}: name not representable in ISO 9660 at {level:?} without mapping: {reason}")]
    NameNotRepresentable {
        /// Image path of the item.
        path: String,
        /// The interchange level in force.
        level: IsoLevel,
        /// Why.
        reason: &'static str,
    },
    /// A file of 4 GiB or more at interchange level 1 or 2, which allow one extent of
    /// at most 4 GiB − 1 bytes per file (ECMA-119 6.5.1) (IMAPI_E_DATA_TOO_BIG).
    #[error(
        "{path}: {size} bytes needs ISO 9660 interchange level 3 (level {level:?} allows one extent < 4 GiB)"
    )]
    FileTooLarge {
        /// Image path.
        path: String,
        /// File size in bytes.
        size: u64,
        /// The interchange level in force.
        level: IsoLevel,
    },
    /// Strict compliance without Rock Ridge: a directory deeper than the 8 levels of
    /// ECMA-119 6.8.2.1 (IMAPI_E_ISO9660_LEVELS).
    #[error("{path}: directory hierarchy deeper than 8 levels (ECMA-119 6.8.2.1)")]
    Iso9660Levels {
        /// Image path of the first too-deep directory.
        path: String,
    },
    /// Strict compliance: more than 65,535 directories, which path table parent numbers
    /// (ECMA-119 9.4.4, 16 bits) cannot address (IMAPI_E_TOO_MANY_DIRS).
    #[error("{count} directories exceed the 65535 a path table can address (ECMA-119 9.4.4)")]
    TooManyDirectories {
        /// Number of directories.
        count: usize,
    },
    /// The image would end beyond LBA 2^32 − 1 (IMAPI_E_IMAGE_TOO_BIG).
    #[error("image too large: session would end at block {blocks}, beyond the 32-bit LBA limit")]
    ImageTooLarge {
        /// Absolute end block (session start + session blocks) the image would need.
        blocks: u64,
    },
    /// The session needs more blocks than FreeMediaBlocks allows (IMAPI_E_IMAGE_TOO_BIG).
    #[error("image needs {needed} blocks but only {free} free media blocks are set")]
    ExceedsFreeMediaBlocks {
        /// Blocks the session needs.
        needed: u64,
        /// IFileSystemImage::FreeMediaBlocks.
        free: u32,
    },
    /// The volume name is not allowed (IMAPI_E_INVALID_VOLUME_NAME).
    #[error("invalid volume name {name:?}: {reason}")]
    InvalidVolumeName {
        /// The name given.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// No file system selected (IMAPI_E_NO_OUTPUT), or one this version cannot create
    /// (UDF) (IMAPI_E_INVALID_PARAM).
    #[error("file systems to create: {reason}")]
    InvalidFileSystems {
        /// Why.
        reason: &'static str,
    },
    /// Reading the previous session failed: an I/O error or a malformed structure,
    /// named with its LBA by the reader (IMAPI_E_IMPORT_READ_FAILURE 0xC0AAB157).
    #[error("cannot import the previous session: {source}")]
    Import {
        /// The reader's error.
        #[source]
        source: discburn_reader::ReadError,
    },
    /// Import or a multisession setting needs the multisession interfaces, which are not
    /// set (IMAPI_E_MULTISESSION_NOT_SET 0xC0AAB15D).
    #[error("no multisession interfaces are set (IMAPI_E_MULTISESSION_NOT_SET)")]
    MultisessionNotSet,
    /// No multisession mechanism can be used on the media: none supported, more than one
    /// in use, or the media is closed (IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE
    /// 0xC0AAB15C; IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE 0xC0AAB15B when several are in
    /// use).
    #[error("no compatible multisession type: {reason} (IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE)")]
    NoCompatibleMultisessionType {
        /// Why.
        reason: &'static str,
    },
    /// More than one multisession mechanism is marked in use
    /// (IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE 0xC0AAB15B, I-05).
    #[error(
        "{in_use} multisession mechanisms are marked in use; at most one may be (IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE)"
    )]
    IncompatibleMultisessionType {
        /// How many are in use.
        in_use: usize,
    },
    /// The media holds no session to import (IMAPI_E_EMPTY_DISC 0xC0AAB150).
    #[error("the media holds no session to import (IMAPI_E_EMPTY_DISC)")]
    EmptyDisc,
    /// The session holds none of ISO 9660, Joliet, UDF (IMAPI_E_NO_SUPPORTED_FILE_SYSTEM
    /// 0xC0AAB151).
    #[error(
        "the session at LBA {session_start} holds no ISO 9660, Joliet or UDF file system (IMAPI_E_NO_SUPPORTED_FILE_SYSTEM)"
    )]
    NoSupportedFileSystem {
        /// Session start block.
        session_start: u64,
    },
    /// The requested file system is not in the session (IMAPI_E_FILE_SYSTEM_NOT_FOUND
    /// 0xC0AAB152).
    #[error(
        "file system {requested} not found in the session at LBA {session_start} (IMAPI_E_FILE_SYSTEM_NOT_FOUND)"
    )]
    FileSystemNotFound {
        /// The requested file system, e.g. "Joliet".
        requested: &'static str,
        /// Session start block.
        session_start: u64,
    },
    /// An item already in the tree is a file where the imported session has a directory
    /// (IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY 0xC0AAB155).
    #[error(
        "{path}: a file in the image is a directory in the imported session (IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY)"
    )]
    ImportTypeCollisionFileExistsAsDirectory {
        /// Image path.
        path: String,
    },
    /// An item already in the tree is a directory where the imported session has a file
    /// (IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE 0xC0AAB15E).
    #[error(
        "{path}: a directory in the image is a file in the imported session (IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE)"
    )]
    ImportTypeCollisionDirectoryExistsAsFile {
        /// Image path.
        path: String,
    },
    /// An imported file's extents are not contiguous. No longer returned: such files
    /// are imported with their extents as recorded ([`crate::FileSource::Extents`],
    /// ECMA-119 6.5.1); the variant stays so existing matches keep compiling.
    #[error("{path}: the imported file's extents are not contiguous (at LBA {lba}); not supported")]
    ImportNonContiguousFile {
        /// Image path.
        path: String,
        /// LBA of the extent that does not follow the previous one.
        lba: u32,
    },
    /// Readable data lies at or after the block where the new session would start;
    /// writing would destroy it (peers.md §6 items 10, 11).
    #[error(
        "refusing to lay out a session at LBA {session_start}: a {what} lies at LBA {found_lba} (data at or after the session start would be overwritten; if a burn was interrupted there, `discburn repair --drive DRIVE` discards its leftovers)"
    )]
    DataAfterSessionStart {
        /// Planned session start block.
        session_start: u64,
        /// The sector holding the descriptor found.
        found_lba: u64,
        /// What was found.
        what: &'static str,
    },
    /// The session start block is fixed by an import (IMAPI2 put_SessionStartBlock after
    /// ImportFileSystem: E_INVALIDARG / IMAPI_E_FSI_INTERNAL_ERROR).
    #[error("the session start block is fixed at {fixed} by the imported session")]
    SessionStartBlockFixed {
        /// The block set by the import.
        fixed: u32,
    },
    /// A session for random-write media must start at LBA 32 or later: LBA 0–31 hold
    /// the head (peers.md §1.1).
    #[error(
        "a random-write session must start at LBA 32 or later, not {start} (LBA 0-31 hold the head)"
    )]
    RandomWriteStart {
        /// The session start block.
        start: u32,
    },
    /// A multisession mechanism could not give what the image asked of it, e.g. its
    /// import recorder cannot be opened (the mechanism's IMAPI2 code, e.g.
    /// E_IMAPI_RECORDER_MEDIA_NO_MEDIA).
    #[error("multisession mechanism: {source}")]
    Multisession {
        /// The mechanism's error.
        #[source]
        source: crate::MultisessionError,
    },
    /// An item UDF cannot record as it stands, e.g. data of an earlier session before
    /// the UDF partition, or more allocation descriptors than one File Entry holds
    /// (IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED).
    #[error("{path}: cannot be recorded in UDF: {reason}")]
    UdfNotRepresentable {
        /// Image path.
        path: String,
        /// Why, and what to do.
        reason: String,
    },
    /// put_UDFRevision with a revision not in UDFRevisionsSupported
    /// (IMAPI_E_INVALID_PARAM 0xC0AAB101).
    #[error(
        "UDF revision {revision:#x} is not supported (0x102, 0x150, 0x200, 0x201, 0x250, 0x260) (IMAPI_E_INVALID_PARAM)"
    )]
    InvalidUdfRevision {
        /// The revision given.
        revision: u32,
    },
    /// put_UDFRevision after an import (IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED
    /// 0xC0AAB161, I-22).
    #[error(
        "the UDF revision is fixed at {fixed:#x} by the imported session; cannot change it to {requested:#x} (IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED)"
    )]
    UdfRevisionChangeNotAllowed {
        /// The revision in force.
        fixed: u32,
        /// The revision asked for.
        requested: u32,
    },
    /// put_FileSystemsToCreate after an import with a set that leaves out a file system
    /// of the imported session (IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED 0xC0AAB163, I-23).
    #[error(
        "the imported session has file systems {previous:?}; the new session must keep them, {requested:?} leaves out {missing:?} (IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED)"
    )]
    FileSystemChangeNotAllowed {
        /// File systems of the imported session that a new session must keep.
        previous: FileSystems,
        /// The set asked for.
        requested: FileSystems,
        /// Those of `previous` that `requested` lacks.
        missing: FileSystems,
    },
    /// A boot image or the boot catalog cannot be used (IMAPI_E_BOOT_IMAGE_DATA,
    /// El Torito 2.2/2.4): missing, not a regular file, empty, or a boot info table it
    /// cannot hold.
    #[error("boot image {path}: {reason} (IMAPI_E_BOOT_IMAGE_DATA)")]
    BootImageData {
        /// Image path of the boot image or catalog.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A floppy-emulation boot image has another size than its diskette
    /// (IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH; El Torito 2.2 Boot Media Type).
    #[error(
        "boot image {path}: {size} bytes, but its floppy emulation needs exactly {expected} (IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH)"
    )]
    BootEmulationImageSizeMismatch {
        /// Image path.
        path: String,
        /// Its size in bytes.
        size: u64,
        /// The diskette's size in bytes.
        expected: u64,
    },
    /// No boot entries, or more than 32 (IMAPI2FS_BOOT_ENTRY_COUNT_MAX, O-19).
    #[error("{count} boot entries: 1 to 32 are allowed (IMAPI_E_INVALID_PARAM)")]
    BootEntryCount {
        /// Entries given.
        count: usize,
    },
    /// The previous session's boot record cannot be kept in the new session: one of its
    /// boot images cannot stay bootable (IMAPI_E_BOOT_OBJECT_CONFLICT). Keep the file,
    /// or discard the boot record on purpose
    /// ([`crate::FileSystemImage::set_boot_discard`]).
    #[error(
        "the previous session's boot image {path} (LBA {lba}) cannot be kept: {reason} (IMAPI_E_BOOT_OBJECT_CONFLICT)"
    )]
    BootImageNotKept {
        /// Image path of the boot image (or a description when it has none).
        path: String,
        /// Its LBA.
        lba: u32,
        /// Why.
        reason: &'static str,
    },
    /// El Torito boot asked for (or kept from the previous session) in a session without
    /// an ISO 9660 or Joliet volume descriptor set: the Boot Record Volume Descriptor
    /// is one of them (El Torito 1.0 2.0, ECMA-119 8.2), so a UDF-only session cannot
    /// be bootable (IMAPI_E_INVALID_PARAM).
    #[error(
        "El Torito boot needs an ISO 9660 volume descriptor set, and the session records UDF only: select ISO 9660 too (a UDF bridge) or drop the boot record (IMAPI_E_INVALID_PARAM)"
    )]
    BootNeedsIso9660,
    /// Writing the result failed.
    #[error("cannot write the image: {source}")]
    Write {
        /// The I/O error.
        source: io::Error,
    },
    /// A structure could not be encoded (an internal inconsistency).
    #[error("internal encoding error: {0}")]
    Format(#[from] discburn_format::FormatError),
}

impl ImageError {
    /// The IMAPI2 HRESULT this error corresponds to (imapi2.md §2.4), for callers that
    /// report IMAPI codes. Conditions IMAPI2 has no code of its own for map to the
    /// nearest one: file data that cannot be read to IMAPI_E_DATA_STREAM_READ_FAILURE,
    /// unsupported import features to IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED, data past
    /// the session start to IMAPI_E_BAD_MULTISESSION_PARAMETER, output and internal
    /// errors to IMAPI_E_FSI_INTERNAL_ERROR.
    pub fn hresult(&self) -> u32 {
        match self {
            ImageError::InvalidPath { .. } => 0xC0AA_B110,
            ImageError::PathExists { .. } | ImageError::GraftClash { .. } => 0xC0AA_B112,
            ImageError::NotFound { .. } => 0xC0AA_B118,
            ImageError::NotADirectory { .. } => 0xC0AA_B109,
            ImageError::DirectoryNotEmpty { .. } => 0xC0AA_B10A,
            ImageError::DirectoryRead { .. } => 0xC0AA_B12B,
            ImageError::SourceRead { .. } => 0xC0AA_B129,
            ImageError::SourceChangedSize { .. } | ImageError::SourceModified { .. } => 0xC0AA_B128,
            ImageError::SourceIsDirectory { .. }
            | ImageError::SessionStartBlockFixed { .. }
            | ImageError::RandomWriteStart { .. } => 0xC0AA_B101,
            ImageError::NameNotRepresentable { .. } => 0xC0AA_B113,
            ImageError::FileTooLarge { .. } => 0xC0AA_B132,
            ImageError::Iso9660Levels { .. } => 0xC0AA_B131,
            ImageError::TooManyDirectories { .. } => 0xC0AA_B130,
            ImageError::ImageTooLarge { .. } | ImageError::ExceedsFreeMediaBlocks { .. } => {
                0xC0AA_B121
            }
            ImageError::InvalidVolumeName { .. } => 0xC0AA_B104,
            ImageError::InvalidFileSystems { reason } if reason.starts_with("neither") => {
                0xC0AA_B103
            }
            ImageError::InvalidFileSystems { .. } => 0xC0AA_B101,
            ImageError::Import { .. } => 0xC0AA_B157,
            ImageError::MultisessionNotSet => 0xC0AA_B15D,
            ImageError::NoCompatibleMultisessionType { .. } => 0xC0AA_B15C,
            ImageError::IncompatibleMultisessionType { .. } => 0xC0AA_B15B,
            ImageError::EmptyDisc => 0xC0AA_B150,
            ImageError::NoSupportedFileSystem { .. } => 0xC0AA_B151,
            ImageError::FileSystemNotFound { .. } => 0xC0AA_B152,
            ImageError::ImportNonContiguousFile { .. } => 0xC0AA_B154,
            ImageError::ImportTypeCollisionFileExistsAsDirectory { .. } => 0xC0AA_B155,
            ImageError::ImportTypeCollisionDirectoryExistsAsFile { .. } => 0xC0AA_B15E,
            ImageError::DataAfterSessionStart { .. } => 0xC0AA_B162,
            ImageError::Multisession { source } => source.hresult(),
            ImageError::InvalidUdfRevision { .. } => 0xC0AA_B101,
            ImageError::UdfNotRepresentable { .. } => 0xC0AA_B154,
            ImageError::UdfRevisionChangeNotAllowed { .. } => 0xC0AA_B161,
            ImageError::FileSystemChangeNotAllowed { .. } => 0xC0AA_B163,
            ImageError::BootImageData { .. } => 0xC0AA_B148,
            ImageError::BootEmulationImageSizeMismatch { .. } => 0xC0AA_B14A,
            ImageError::BootEntryCount { .. } | ImageError::BootNeedsIso9660 => 0xC0AA_B101,
            ImageError::BootImageNotKept { .. } => 0xC0AA_B149,
            ImageError::Write { .. } | ImageError::Format(_) => 0xC0AA_B100,
        }
    }

    /// The IMAPI2 constant name of [`ImageError::hresult`] (imapi2fserror.h), e.g.
    /// "IMAPI_E_IMAGE_TOO_BIG"; a multisession mechanism's error keeps its own name.
    pub fn imapi_name(&self) -> &'static str {
        if let ImageError::Multisession { source } = self {
            return source.imapi_name();
        }
        match self.hresult() {
            0xC0AA_B162 => "IMAPI_E_BAD_MULTISESSION_PARAMETER",
            0xC0AA_B14A => "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH",
            0xC0AA_B148 => "IMAPI_E_BOOT_IMAGE_DATA",
            0xC0AA_B149 => "IMAPI_E_BOOT_OBJECT_CONFLICT",
            0xC0AA_B12A => "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
            0xC0AA_B128 => "IMAPI_E_DATA_STREAM_INCONSISTENCY",
            0xC0AA_B129 => "IMAPI_E_DATA_STREAM_READ_FAILURE",
            0xC0AA_B132 => "IMAPI_E_DATA_TOO_BIG",
            0xC0AA_B12B => "IMAPI_E_DIRECTORY_READ_FAILURE",
            0xC0AA_B10A => "IMAPI_E_DIR_NOT_EMPTY",
            0xC0AA_B11A => "IMAPI_E_DIR_NOT_FOUND",
            0xC0AA_B158 => "IMAPI_E_DISC_MISMATCH",
            0xC0AA_B112 => "IMAPI_E_DUP_NAME",
            0xC0AA_B150 => "IMAPI_E_EMPTY_DISC",
            0xC0AA_B119 => "IMAPI_E_FILE_NOT_FOUND",
            0xC0AA_B163 => "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED",
            0xC0AA_B154 => "IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED",
            0xC0AA_B106 => "IMAPI_E_FILE_SYSTEM_NOT_EMPTY",
            0xC0AA_B152 => "IMAPI_E_FILE_SYSTEM_NOT_FOUND",
            0xC0AA_B153 => "IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR",
            0xC0AA_B100 => "IMAPI_E_FSI_INTERNAL_ERROR",
            0xC0AA_B200 => "IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED",
            0xC0AA_B203 => "IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG",
            0xC0AA_B202 => "IMAPI_E_IMAGEMANAGER_NO_IMAGE",
            0xC0AA_B201 => "IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND",
            0xC0AA_B120 => "IMAPI_E_IMAGE_SIZE_LIMIT",
            0xC0AA_B121 => "IMAPI_E_IMAGE_TOO_BIG",
            0xC0AA_B159 => "IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED",
            0xC0AA_B157 => "IMAPI_E_IMPORT_READ_FAILURE",
            0xC0AA_B156 => "IMAPI_E_IMPORT_SEEK_FAILURE",
            0xC0AA_B15E => "IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE",
            0xC0AA_B155 => "IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY",
            0xC0AA_B15B => "IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE",
            0xC0AA_B133 => "IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION",
            0xC0AA_B105 => "IMAPI_E_INVALID_DATE",
            0xC0AA_B101 => "IMAPI_E_INVALID_PARAM",
            0xC0AA_B110 => "IMAPI_E_INVALID_PATH",
            0xC0AA_B104 => "IMAPI_E_INVALID_VOLUME_NAME",
            0xC0AA_B140 => "IMAPI_E_INVALID_WORKING_DIRECTORY",
            0xC0AA_B118 => "IMAPI_E_ITEM_NOT_FOUND",
            0xC0AA_B15D => "IMAPI_E_MULTISESSION_NOT_SET",
            0xC0AA_B109 => "IMAPI_E_NOT_DIR",
            0xC0AA_B108 => "IMAPI_E_NOT_FILE",
            0xC0AA_B10B => "IMAPI_E_NOT_IN_FILE_SYSTEM",
            0xC0AA_B15C => "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE",
            0xC0AA_B103 => "IMAPI_E_NO_OUTPUT",
            0xC0AA_B151 => "IMAPI_E_NO_SUPPORTED_FILE_SYSTEM",
            0xC0AA_B113 => "IMAPI_E_NO_UNIQUE_NAME",
            0xC0AA_B160 => "IMAPI_E_PROPERTY_NOT_ACCESSIBLE",
            0xC0AA_B102 => "IMAPI_E_READONLY",
            0xC0AA_B111 => "IMAPI_E_RESTRICTED_NAME_VIOLATION",
            0xC0AA_B142 => "IMAPI_E_STASHFILE_MOVE",
            0xC0AA_B138 => "IMAPI_E_STASHFILE_OPEN_FAILURE",
            0xC0AA_B13B => "IMAPI_E_STASHFILE_READ_FAILURE",
            0xC0AA_B139 => "IMAPI_E_STASHFILE_SEEK_FAILURE",
            0xC0AA_B13A => "IMAPI_E_STASHFILE_WRITE_FAILURE",
            0xC0AA_B130 => "IMAPI_E_TOO_MANY_DIRS",
            0xC0AA_B15A => "IMAPI_E_UDF_NOT_WRITE_COMPATIBLE",
            0xC0AA_B161 => "IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED",
            0xC0AA_B141 => "IMAPI_E_WORKING_DIRECTORY_SPACE",
            _ => "IMAPI_E_FSI_INTERNAL_ERROR",
        }
    }

    /// This error as an `io::Error` (kind Other), for `Read` implementations; recover it
    /// with `io::Error::get_ref()?.downcast_ref::<ImageError>()` or `into_inner`.
    pub fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// The error [`ImageError::into_io`] wrapped, or a write error.
    pub fn from_io(e: io::Error) -> ImageError {
        match e.downcast::<ImageError>() {
            Ok(inner) => inner,
            Err(e) => ImageError::Write { source: e },
        }
    }
}
