//! The reader's error type: every variant names the condition, the structure and where it
//! was found (LBA and byte offset within that sector).

use std::fmt;
use std::io;

use discburn_format::FormatError;

/// Where a structure was found: its name, the LBA of the sector holding it and the byte
/// offset of the structure (or of the offending field) within that sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Structure, e.g. "directory record", "SUSP CE entry", "primary volume descriptor".
    pub structure: &'static str,
    /// LBA (2048-byte sectors) of the sector holding the structure.
    pub lba: u64,
    /// Byte offset within that sector.
    pub offset: u32,
}

impl Place {
    /// A place: `structure` at byte `offset` of sector `lba`.
    pub fn new(structure: &'static str, lba: u64, offset: u32) -> Self {
        Place {
            structure,
            lba,
            offset,
        }
    }

    /// The place of byte `byte_offset` of an extent starting at `extent_lba` (the offset is
    /// split into sector and byte within the sector).
    pub fn in_extent(structure: &'static str, extent_lba: u64, byte_offset: u64) -> Self {
        Place {
            structure,
            lba: extent_lba.saturating_add(byte_offset / 2048),
            offset: (byte_offset % 2048) as u32,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at LBA {} +{:#x}",
            self.structure, self.lba, self.offset
        )
    }
}

/// A resource limit of [`crate::ReadOptions`] that hostile or unusual input exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// Nodes in one tree ([`crate::ReadOptions::max_entries`]).
    Entries,
    /// Directory nesting depth ([`crate::ReadOptions::max_depth`]).
    Depth,
    /// Bytes of one directory extent ([`crate::ReadOptions::max_directory_bytes`]).
    DirectoryBytes,
    /// Bytes of one Rock Ridge name ([`crate::ReadOptions::max_name_bytes`]).
    NameBytes,
    /// Bytes of one symbolic link target ([`crate::ReadOptions::max_symlink_bytes`]).
    SymlinkBytes,
    /// SUSP continuation areas chained from one directory record
    /// ([`crate::ReadOptions::max_continuation_areas`]).
    ContinuationAreas,
    /// Bytes of SUSP continuation areas read for one tree
    /// ([`crate::ReadOptions::max_continuation_bytes`]).
    ContinuationBytes,
    /// Volume descriptors before the terminator
    /// ([`crate::ReadOptions::max_volume_descriptors`]).
    VolumeDescriptors,
    /// Extents of one multi-extent file ([`crate::ReadOptions::max_extents_per_file`]).
    ExtentsPerFile,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Entries => "number of entries",
            Limit::Depth => "directory depth",
            Limit::DirectoryBytes => "directory size in bytes",
            Limit::NameBytes => "name length in bytes",
            Limit::SymlinkBytes => "symbolic link target length in bytes",
            Limit::ContinuationAreas => "number of chained SUSP continuation areas",
            Limit::ContinuationBytes => "total bytes of SUSP continuation areas",
            Limit::VolumeDescriptors => "number of volume descriptors",
            Limit::ExtentsPerFile => "number of extents of one file",
        })
    }
}

/// A reading error. Display gives the condition, the structure and its LBA (+ byte
/// offset), e.g. "directory record at LBA 1234 +0x44: extent 99999..100003 lies past the
/// end of the media (50000 sectors)".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The sector source failed.
    #[error("reading {count} sectors at LBA {lba}: {source}")]
    Io {
        /// First LBA of the failed request.
        lba: u64,
        /// Number of sectors requested.
        count: u64,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A raw structure did not decode (short, trailing data, invalid field).
    #[error("{place}: {source}")]
    Format {
        /// Where.
        place: Place,
        /// The decoder's error (byte offsets in it are relative to the structure).
        #[source]
        source: FormatError,
    },
    /// An extent (or area) does not lie within the media.
    #[error(
        "{place}: extent {start}..{end} lies past the end of the media ({total_sectors} sectors)"
    )]
    ExtentPastEnd {
        /// The structure naming the extent.
        place: Place,
        /// First LBA of the extent.
        start: u64,
        /// LBA after the last sector of the extent.
        end: u64,
        /// Media size in sectors.
        total_sectors: u64,
    },
    /// A directory extent was reached twice or overlaps another directory's extent: a
    /// directory cycle (a child pointing to an ancestor) or crossed directories.
    #[error(
        "{place}: directory extent {start}..{end} overlaps the directory extent \
         {other_start}..{other_end} already read (directory cycle)"
    )]
    DirectoryCycle {
        /// The directory record pointing to the extent.
        place: Place,
        /// First LBA of the extent.
        start: u64,
        /// LBA after the extent.
        end: u64,
        /// The earlier directory extent's first LBA.
        other_start: u64,
        /// LBA after the earlier directory extent.
        other_end: u64,
    },
    /// A SUSP continuation area chain comes back to an area already read.
    #[error("{place}: continuation area at LBA {lba} +{offset:#x} was already read (CE loop)")]
    ContinuationLoop {
        /// The CE entry closing the loop.
        place: Place,
        /// LBA of the repeated area.
        lba: u64,
        /// Byte offset of the repeated area.
        offset: u32,
    },
    /// A resource limit of [`crate::ReadOptions`] was exceeded.
    #[error("{place}: {limit} exceeds the limit of {max}")]
    LimitExceeded {
        /// Where the limit was hit.
        place: Place,
        /// Which limit.
        limit: Limit,
        /// The limit's value.
        max: u64,
    },
    /// A structure holds a value the standard does not allow or the reader cannot use.
    #[error("{place}: {detail}")]
    Invalid {
        /// Where.
        place: Place,
        /// What is wrong.
        detail: String,
    },
    /// No ECMA-119 volume descriptor set at the session start.
    #[error(
        "no ISO 9660 primary volume descriptor in the volume descriptor set at LBA {lba} \
         (session start {session_start}): {detail}"
    )]
    NoVolume {
        /// The session start block (sbsector).
        session_start: u64,
        /// Where the volume descriptor set was expected (session_start + 16).
        lba: u64,
        /// What was found instead.
        detail: String,
    },
    /// No UDF volume at the session start: no anchor, or no logical volume in its volume
    /// descriptor sequences (ECMA-167 3/8.4).
    #[error("no UDF volume in the session at LBA {session_start}: {detail}")]
    NoUdfVolume {
        /// The session start block.
        session_start: u64,
        /// What was found instead.
        detail: String,
    },
    /// The requested file system (view) is not recorded in this session.
    #[error("the session at LBA {session_start} has no {file_system} file system")]
    FileSystemNotFound {
        /// The session start block.
        session_start: u64,
        /// "Joliet", "Rock Ridge" or "UDF".
        file_system: &'static str,
    },
    /// The requested session does not exist.
    #[error("no session {what} on the media (sessions found: {found})")]
    NoSuchSession {
        /// "number 4" or "starting at LBA 1234".
        what: String,
        /// How many sessions were found.
        found: usize,
    },
}

impl ReadError {
    /// An [`ReadError::Invalid`] at `place`.
    pub(crate) fn invalid(place: Place, detail: impl Into<String>) -> Self {
        ReadError::Invalid {
            place,
            detail: detail.into(),
        }
    }

    /// A [`ReadError::LimitExceeded`].
    pub(crate) fn limit(place: Place, limit: Limit, max: u64) -> Self {
        ReadError::LimitExceeded { place, limit, max }
    }
}
