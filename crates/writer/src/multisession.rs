//! The multisession mechanisms (IMAPI2 IMultisession, IMultisessionSequential(2),
//! IMultisessionRandomWrite; imapi2.md §3): an open set. Every mechanism implements
//! [`Multisession`]; the consumer finds out which one it is by downcasting
//! ([`Multisession::as_sequential`], [`Multisession::as_random_write`], or
//! [`Multisession::as_any`] for mechanisms added later, e.g. BD-R Pseudo-Overwrite),
//! so new mechanisms need no API change (MS-18).
//!
//! The values are read from the drive when
//! [`crate::DiscFormat2Data::multisession_interfaces`] is called and are the same
//! values the writer's same-named getters return for the same media (MS-06).

use std::any::Any;
use std::fmt::Debug;

use crate::error::WriterError;
use crate::media::MediaInfo;

/// IMAPI2 IMultisession: one way of appending to the media in the recorder.
pub trait Multisession: Debug + Send + Sync + Any {
    /// IsSupportedOnCurrentMediaState: this mechanism can append to the media in its
    /// current state (FALSE on closed media, on blank sequential media, on unformatted
    /// overwritable media; imapi2.md §18.2 choice).
    fn is_supported_on_current_media_state(&self) -> bool;

    /// InUse: marked as the mechanism the next operation uses. Default FALSE (MS-12).
    fn in_use(&self) -> bool;

    /// put_InUse.
    fn set_in_use(&mut self, in_use: bool);

    /// ImportRecorder: the unique ID (path) of the recorder the previous sessions are
    /// read from; open it with `DiscRecorder::open` (MS-13).
    fn import_recorder(&self) -> &str;

    /// For downcasting to concrete mechanisms.
    fn as_any(&self) -> &dyn Any;

    /// The IMultisessionSequential(2) view, when this is that mechanism.
    fn as_sequential(&self) -> Option<&dyn MultisessionSequential> {
        None
    }

    /// The IMultisessionRandomWrite view, when this is that mechanism.
    fn as_random_write(&self) -> Option<&dyn MultisessionRandomWrite> {
        None
    }
}

/// IMAPI2 IMultisessionSequential + IMultisessionSequential2: physical sessions appended
/// sequentially (CD-R/RW, DVD±R, DVD±R DL, DVD-RW sequential, BD-R).
pub trait MultisessionSequential: Multisession {
    /// IsFirstDataSession: the session about to be written is the first data session
    /// (TRUE on blank media and on a CD holding only audio; MS-10).
    fn is_first_data_session(&self) -> bool;
    /// StartAddressOfPreviousSession: LBA of the first sector of the last complete
    /// session; −1 when there is none.
    fn start_address_of_previous_session(&self) -> i32;
    /// LastWrittenAddressOfPreviousSession: LBA of the last sector of that session; −1
    /// when there is none.
    fn last_written_address_of_previous_session(&self) -> i32;
    /// NextWritableAddress: LBA where the new session starts (0 on blank media).
    ///
    /// # Errors
    /// E_IMAPI_DF2DATA_INVALID_MEDIA_STATE on media that cannot be written (closed).
    fn next_writable_address(&self) -> Result<i32, WriterError>;
    /// FreeSectorsOnMedia: sectors available for the new session (session overhead such
    /// as the CD post-gap excluded).
    fn free_sectors_on_media(&self) -> i32;
    /// WriteUnitSize (IMultisessionSequential2): write unit in sectors (CD 1, DVD 16,
    /// BD 32).
    fn write_unit_size(&self) -> i32;
}

/// IMAPI2 IMultisessionRandomWrite: randomly writable media without physical sessions
/// (DVD+RW, DVD-RAM, BD-RE, DVD-RW restricted overwrite, stdio files and block devices).
pub trait MultisessionRandomWrite: Multisession {
    /// WriteUnitSize: every write starts at a multiple of it and has a length that is a
    /// multiple of it (sectors).
    fn write_unit_size(&self) -> i32;
    /// LastWrittenAddress: the drive's last recorded address.
    ///
    /// # Errors
    /// E_NOTIMPL when the drive cannot report it (no LRA_V in READ TRACK INFORMATION).
    fn last_written_address(&self) -> Result<i32, WriterError>;
    /// TotalSectorsOnMedia: formatted capacity in sectors.
    fn total_sectors_on_media(&self) -> i32;
}

/// The sequential mechanism (class MsftMultisessionSequential).
#[derive(Debug, Clone)]
pub struct MsftMultisessionSequential {
    import_recorder: String,
    in_use: bool,
    supported: bool,
    is_first_data_session: bool,
    start_prev: i32,
    last_prev: i32,
    nwa: Option<i32>,
    state: crate::MediaState,
    free: i32,
    write_unit: i32,
}

impl MsftMultisessionSequential {
    pub(crate) fn from_info(info: &MediaInfo) -> Self {
        MsftMultisessionSequential {
            import_recorder: info.device.clone(),
            in_use: false,
            supported: info.status.contains(crate::MediaState::APPENDABLE)
                && info.status.is_usable(),
            is_first_data_session: info.is_first_data_session,
            start_prev: info.start_prev,
            last_prev: info.last_prev,
            nwa: info.nwa,
            state: info.status,
            free: info.free,
            write_unit: info.write_unit,
        }
    }
}

/// `Multisession` for a mechanism struct with the fields `supported`, `in_use` and
/// `import_recorder`; `$as` names the downcast accessor that returns `Some(self)` as `$tr`.
macro_rules! impl_multisession {
    ($ty:ty, $as:ident, $tr:path) => {
        impl Multisession for $ty {
            fn is_supported_on_current_media_state(&self) -> bool {
                self.supported
            }
            fn in_use(&self) -> bool {
                self.in_use
            }
            fn set_in_use(&mut self, in_use: bool) {
                self.in_use = in_use;
            }
            fn import_recorder(&self) -> &str {
                &self.import_recorder
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
            fn $as(&self) -> Option<&dyn $tr> {
                Some(self)
            }
        }
    };
}

impl_multisession!(
    MsftMultisessionSequential,
    as_sequential,
    MultisessionSequential
);

impl MultisessionSequential for MsftMultisessionSequential {
    fn is_first_data_session(&self) -> bool {
        self.is_first_data_session
    }
    fn start_address_of_previous_session(&self) -> i32 {
        self.start_prev
    }
    fn last_written_address_of_previous_session(&self) -> i32 {
        self.last_prev
    }
    fn next_writable_address(&self) -> Result<i32, WriterError> {
        self.nwa.ok_or_else(|| WriterError::InvalidMediaState {
            device: self.import_recorder.clone(),
            state: self.state,
            reason: "the media has no next writable address".into(),
        })
    }
    fn free_sectors_on_media(&self) -> i32 {
        self.free
    }
    fn write_unit_size(&self) -> i32 {
        self.write_unit
    }
}

/// The random-write mechanism (class MsftMultisessionRandomWrite).
#[derive(Debug, Clone)]
pub struct MsftMultisessionRandomWrite {
    import_recorder: String,
    in_use: bool,
    supported: bool,
    write_unit: i32,
    last_written: Option<i32>,
    total: i32,
}

impl MsftMultisessionRandomWrite {
    pub(crate) fn from_info(info: &MediaInfo) -> Self {
        MsftMultisessionRandomWrite {
            import_recorder: info.device.clone(),
            in_use: false,
            supported: info.format.is_none() && !info.physically_blank && info.status.is_usable(),
            write_unit: info.write_unit,
            last_written: info.last_written,
            total: info.total,
        }
    }
}

impl_multisession!(
    MsftMultisessionRandomWrite,
    as_random_write,
    MultisessionRandomWrite
);

impl MultisessionRandomWrite for MsftMultisessionRandomWrite {
    fn write_unit_size(&self) -> i32 {
        self.write_unit
    }
    fn last_written_address(&self) -> Result<i32, WriterError> {
        self.last_written.ok_or_else(|| {
            WriterError::NotImplemented(format!(
                "{}: the drive does not report a last recorded address (LRA_V = 0)",
                self.import_recorder
            ))
        })
    }
    fn total_sectors_on_media(&self) -> i32 {
        self.total
    }
}

/// The mechanisms for the media described by `info`: sequential media (and read-only
/// media, unsupported) get a [`MsftMultisessionSequential`], overwritable media a
/// [`MsftMultisessionRandomWrite`]. Always at least one element (MS-01).
pub(crate) fn mechanisms(info: &MediaInfo) -> Vec<Box<dyn Multisession>> {
    match info.kind {
        crate::media::Kind::Overwrite => {
            vec![Box::new(MsftMultisessionRandomWrite::from_info(info))]
        }
        _ => vec![Box::new(MsftMultisessionSequential::from_info(info))],
    }
}
