//! The error of the library operations ([`crate::append`], [`crate::disc`]): the layer's
//! own error with its IMAPI2 code, or a condition of the operation itself, each with the
//! HRESULT it stands for and what to do about it.

use discburn_image::ImageError;
use discburn_reader::ReadError;
use discburn_recorder::RecorderError;
use discburn_writer::{MediaState, WriterError};

/// An error of a library operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path names no drive, emulated disc or image file (E_IMAPI_RECORDER_INVALID_
    /// path is not a device: reported as ERROR_FILE_NOT_FOUND 0x80070002).
    #[error("{path}: no such drive or image file")]
    NoSuchDrive {
        /// The path given.
        path: String,
    },
    /// The disc is closed (finalized): no more sessions can be added
    /// (E_IMAPI_DF2DATA_INVALID_MEDIA_STATE 0xC0AA0402; IMAPI2
    /// IDiscFormat2Data::get_CurrentMediaStatus IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED).
    #[error("{device}: the disc is finalized; no more sessions can be added")]
    Finalized {
        /// The recorder.
        device: String,
        /// Its media state.
        state: MediaState,
    },
    /// The media cannot take a session in its state: an incomplete (interrupted)
    /// session, write protection, erase required, damaged or unsupported media
    /// (E_IMAPI_DF2DATA_INVALID_MEDIA_STATE 0xC0AA0402).
    #[error("{device}: {reason} (media state {state})")]
    MediaState {
        /// The recorder.
        device: String,
        /// Its media state.
        state: MediaState,
        /// What is wrong, in plain words.
        reason: &'static str,
    },
    /// The session needs more blocks than the medium has free (IMAPI_E_IMAGE_TOO_BIG
    /// 0xC0AAB121).
    #[error("the session needs {needed} blocks but the disc has only {free} free")]
    ImageTooBig {
        /// Blocks the session needs.
        needed: u64,
        /// Blocks free on the medium.
        free: u64,
    },
    /// The disc has no session of that number (IMAPI_E_EMPTY_DISC 0xC0AAB150 when it has
    /// none at all).
    #[error("{device}: {}", match number {
        Some(n) => format!("no session {n} (the disc holds {count})"),
        None => "the disc holds no session".to_string(),
    })]
    NoSuchSession {
        /// The recorder.
        device: String,
        /// The session asked for; `None`: the last.
        number: Option<u32>,
        /// How many sessions the disc holds.
        count: usize,
    },
    /// The session was mastered at LBA 0 and its volume descriptors were replaced by
    /// the head of a later session, so its own tree cannot be read (the files it held
    /// that were kept are in every later session; IMAPI_E_FILE_SYSTEM_NOT_FOUND
    /// 0xC0AAB152).
    #[error(
        "{device}: session {number} was mastered at LBA 0 and its volume descriptors were replaced by the head of a later session, so its own tree cannot be read; the files it held that were kept are in every later session"
    )]
    DescriptorsReplaced {
        /// The recorder.
        device: String,
        /// The session.
        number: u32,
    },
    /// Nothing to record: no item added and none removed (E_INVALIDARG 0x80070057).
    #[error("nothing to write: no file was added or removed")]
    NothingToWrite,
    /// The session was recorded and is complete, but source files changed, vanished or
    /// could not be read while they were recorded: each holds the bytes read (zeros
    /// where none could be read). The session's directory records and checksums
    /// describe what was recorded, so the disc reads and verifies; the files named
    /// need to be recorded again (IMAPI_E_DATA_STREAM_INCONSISTENCY 0xC0AAB128).
    #[error("session {} was recorded at LBA {}, but {} source file(s) changed or could not be read while being recorded: {}", report.session, report.start_lba, changes.len(), changes.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    SourcesChanged {
        /// What the append did.
        report: Box<crate::append::AppendReport>,
        /// The sources, in the order they were recorded.
        changes: Vec<discburn_image::SourceChange>,
    },
    /// Overwritable media, BD-R Pseudo-Overwrite or an image file whose first session
    /// was interrupted before its head at LBA 0–31 was written: its data may be
    /// incomplete, so it is not appended to (E_IMAPI_DF2DATA_INVALID_MEDIA_STATE
    /// 0xC0AA0402).
    #[error(
        "{device}: the first session (LBA 32) was interrupted before its head at LBA 0-31 was written; its data may be incomplete"
    )]
    InterruptedFirstSession {
        /// The recorder.
        device: String,
    },
    /// The recorder layer (IDiscRecorder2).
    #[error(transparent)]
    Recorder(#[from] RecorderError),
    /// The data writer (IDiscFormat2Data).
    #[error(transparent)]
    Writer(#[from] WriterError),
    /// The file-system image (IFileSystemImage).
    #[error(transparent)]
    Image(#[from] ImageError),
    /// Reading the medium's sessions (IMAPI_E_IMPORT_READ_FAILURE 0xC0AAB157).
    #[error("reading the sessions: {0}")]
    Read(#[from] ReadError),
    /// An output file (of `Disc::dump`) cannot be created or written (E_FAIL
    /// 0x80004005); nothing is left under its name.
    #[error("{path}: cannot write the output: {source}")]
    Output {
        /// The output path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// The IMAPI2 HRESULT this error stands for (imapi2.md §2).
    pub fn hresult(&self) -> u32 {
        match self {
            Error::NoSuchDrive { .. } => 0x8007_0002,
            Error::Finalized { .. }
            | Error::MediaState { .. }
            | Error::InterruptedFirstSession { .. } => 0xC0AA_0402,
            Error::ImageTooBig { .. } => 0xC0AA_B121,
            Error::NothingToWrite => 0x8007_0057,
            Error::NoSuchSession { .. } => 0xC0AA_B150,
            Error::DescriptorsReplaced { .. } => 0xC0AA_B152,
            Error::SourcesChanged { .. } => 0xC0AA_B128,
            Error::Recorder(e) => e.hresult(),
            Error::Writer(e) => e.hresult(),
            Error::Image(e) => e.hresult(),
            Error::Read(_) => 0xC0AA_B157,
            Error::Output { .. } => 0x8000_4005,
        }
    }

    /// The IMAPI2 constant name of [`Error::hresult`].
    pub fn imapi_name(&self) -> &'static str {
        match self {
            Error::NoSuchDrive { .. } => "ERROR_FILE_NOT_FOUND",
            Error::Finalized { .. }
            | Error::MediaState { .. }
            | Error::InterruptedFirstSession { .. } => "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE",
            Error::ImageTooBig { .. } => "IMAPI_E_IMAGE_TOO_BIG",
            Error::NothingToWrite => "E_INVALIDARG",
            Error::NoSuchSession { .. } => "IMAPI_E_EMPTY_DISC",
            Error::DescriptorsReplaced { .. } => "IMAPI_E_FILE_SYSTEM_NOT_FOUND",
            Error::SourcesChanged { .. } => "IMAPI_E_DATA_STREAM_INCONSISTENCY",
            Error::Recorder(e) => e.imapi_name(),
            Error::Writer(e) => e.imapi_name(),
            Error::Image(e) => e.imapi_name(),
            Error::Read(_) => "IMAPI_E_IMPORT_READ_FAILURE",
            Error::Output { .. } => "E_FAIL",
        }
    }

    /// What to do about it, one sentence for a person ("" when the message already says
    /// it).
    pub fn advice(&self) -> &'static str {
        match self {
            Error::NoSuchDrive { .. } => {
                "Give /dev/srN, an emulated disc made by `discburn disc create`, or an image file."
            }
            Error::Finalized { .. } => "Use a new disc.",
            Error::MediaState { state, .. } if state.contains(MediaState::NON_EMPTY_SESSION) => {
                "Run `discburn repair --drive DRIVE` to close the interrupted session; the earlier sessions are intact."
            }
            Error::MediaState { .. } => "Use a new disc.",
            Error::InterruptedFirstSession { .. } => {
                "Run `discburn repair --drive DRIVE`: it replaces the interrupted session with an empty one, then burn again."
            }
            Error::ImageTooBig { .. } => "Burn fewer files or use a new disc.",
            Error::NothingToWrite => "Give files to add or paths to remove.",
            Error::NoSuchSession { .. } => "List the sessions with `discburn sessions`.",
            Error::DescriptorsReplaced { .. } => "Read a later session.",
            Error::SourcesChanged { .. } => {
                "The session is complete and readable; burn the files named again, when they no longer change."
            }
            Error::Image(ImageError::GraftClash { .. }) => "Nothing was written.",
            Error::Image(
                ImageError::SourceRead { .. }
                | ImageError::SourceChangedSize { .. }
                | ImageError::SourceModified { .. },
            ) => {
                "Nothing was written. Check the file named (it must exist, be readable and not change during the burn), then burn again."
            }
            Error::Writer(e) => writer_advice(e),
            Error::Recorder(_) => "Check the drive and the disc, then try again.",
            Error::Image(ImageError::DataAfterSessionStart { .. }) => {
                "The medium holds data after its last complete session (an interrupted burn?): run `discburn repair --drive DRIVE`."
            }
            Error::Image(ImageError::BootImageNotKept { .. }) => {
                "Keep its file in the new session, or give --boot-discard to drop the boot record on purpose; nothing was written."
            }
            Error::Image(
                ImageError::BootImageData { .. }
                | ImageError::BootEmulationImageSizeMismatch { .. }
                | ImageError::BootEntryCount { .. },
            ) => "Check the --boot-image paths and options; nothing was written.",
            Error::Image(ImageError::BootNeedsIso9660) => {
                "Add iso9660 to --fs (a UDF bridge keeps UDF), or give --boot-discard to drop a kept boot record; nothing was written."
            }
            Error::Image(_) | Error::Read(_) => {
                "The disc's file system cannot be read or extended; its sessions are unchanged."
            }
            Error::Output { .. } => {
                "Check that the output's directory exists, is writable and has room, then run the command again."
            }
        }
    }
}

fn writer_advice(e: &WriterError) -> &'static str {
    match e {
        WriterError::InvalidMediaState { state, .. }
            if state.contains(MediaState::NON_EMPTY_SESSION) =>
        {
            "Run `discburn repair --drive DRIVE` to close the interrupted session, then burn again."
        }
        WriterError::InvalidMediaState { .. } => {
            "The disc cannot take another session in its state. Use a new disc."
        }
        // Its message already says what was found and how to write over it.
        WriterError::ForeignData { .. } => "",
        WriterError::StreamTooLarge { .. } => {
            "The session does not fit on the disc. Burn fewer files or use a new disc."
        }
        WriterError::RequestCancelled { .. } => {
            "The burn was cancelled; the earlier sessions are intact."
        }
        WriterError::MediaNotSupported { .. } | WriterError::RecorderNotSupported { .. } => {
            "Use a recordable disc (CD-R/RW, DVD±R/RW, BD-R/RE) or an image file."
        }
        WriterError::StreamRead { .. } => {
            "A source file could not be read in full; the session was not completed (the earlier sessions are intact)."
        }
        _ => "Check the drive and the disc, then try again.",
    }
}
