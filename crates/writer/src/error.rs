//! [`WriterError`]: the data writer's errors with their IMAPI2 names and HRESULTs
//! (imapi2.md §2.1–§2.3); recorder and device errors are wrapped with their own codes.

use discburn_mmc::Profile;
use discburn_recorder::RecorderError;

use crate::state::MediaState;

/// A failed command of the recorder `rec`, as a [`WriterError::Recorder`].
pub(crate) fn mmc(rec: &discburn_recorder::DiscRecorder, e: discburn_mmc::MmcError) -> WriterError {
    WriterError::Recorder(RecorderError::from_mmc(rec.active_disc_recorder(), e))
}

/// An error of [`crate::DiscFormat2Data`] or of a multisession mechanism.
/// [`WriterError::hresult`] and [`WriterError::imapi_name`] give the IMAPI2 code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriterError {
    /// E_IMAPI_DF2DATA_WRITE_IN_PROGRESS (0xC0AA0400): a write is running; setters, a
    /// second write and media queries on the writing object refuse.
    #[error("a write is in progress (E_IMAPI_DF2DATA_WRITE_IN_PROGRESS)")]
    WriteInProgress,
    /// E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS (0xC0AA0401): cancel_write with nothing to
    /// cancel.
    #[error("no write is in progress (E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS)")]
    WriteNotInProgress,
    /// E_IMAPI_DF2DATA_INVALID_MEDIA_STATE (0xC0AA0402): the media's state does not allow
    /// the request (finalized, open/damaged session, ...).
    #[error("{device}: media state {state} does not allow this: {reason}")]
    InvalidMediaState {
        /// The recorder.
        device: String,
        /// The media state flags.
        state: MediaState,
        /// What was refused.
        reason: String,
    },
    /// E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED (0xC0AA0403): the stream cannot be written
    /// (length not a multiple of 2048, empty, block ranges outside the stream, ...).
    #[error("stream not supported: {reason}")]
    StreamNotSupported {
        /// What is wrong with the stream.
        reason: String,
    },
    /// E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA (0xC0AA0404).
    #[error(
        "{device}: stream needs {needed} sectors but only {available} are available (E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA)"
    )]
    StreamTooLarge {
        /// The recorder.
        device: String,
        /// Sectors the write needs (with post-gap and padding to the write unit), or the
        /// end of the highest block range + 1.
        needed: u64,
        /// Sectors available (free sectors, or total sectors on overwritable media).
        available: u64,
    },
    /// E_IMAPI_DF2DATA_MEDIA_NOT_BLANK (0xC0AA0405): overwriting non-blank overwritable
    /// media from LBA 0 needs force_overwrite.
    #[error(
        "{device}: the media is not blank; overwriting it from LBA 0 needs force_overwrite (E_IMAPI_DF2DATA_MEDIA_NOT_BLANK)"
    )]
    MediaNotBlank {
        /// The recorder.
        device: String,
    },
    /// E_IMAPI_DF2DATA_MEDIA_NOT_BLANK (0xC0AA0405): the overwritable media (image file,
    /// block device, DVD+RW, DVD-RAM, BD-RE) holds data that is neither blank nor
    /// ISO 9660 sessions, found before anything was written; writing over it needs
    /// force_overwrite (IMAPI2 IDiscFormat2Data::put_ForceOverwrite). Nothing was written.
    #[error(
        "{device}: holds {what} at LBA {lba}, which is neither blank nor an ISO 9660 disc image; writing would destroy it. Nothing was written. Check that this is the right target; to write over it, set force_overwrite (discburn burn --force-overwrite) (E_IMAPI_DF2DATA_MEDIA_NOT_BLANK)"
    )]
    ForeignData {
        /// The recorder.
        device: String,
        /// What was found ("a tar archive ...", "unrecognised non-zero data").
        what: String,
        /// The LBA (2048-byte sectors) where it was found.
        lba: u64,
    },
    /// E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED (0xC0AA0406).
    #[error("{device}: media {profile} is not supported for data writing")]
    MediaNotSupported {
        /// The recorder.
        device: String,
        /// The current profile.
        profile: Profile,
    },
    /// E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED (0xC0AA0407).
    #[error("{device}: the recorder cannot write data discs")]
    RecorderNotSupported {
        /// The recorder.
        device: String,
    },
    /// E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID (0xC0AA0408).
    #[error(
        "client name {0:?} is not valid (1-63 characters: letters, digits, space, -_.,()+:'; must be set before writing)"
    )]
    ClientNameNotValid(String),
    /// E_IMAPI_RECORDER_REQUIRED (0xC0AA0003): no recorder set.
    #[error("a recorder must be set first (E_IMAPI_RECORDER_REQUIRED)")]
    RecorderRequired,
    /// E_IMAPI_REQUEST_CANCELLED (0xC0AA0002): cancel_write stopped the write.
    #[error(
        "write cancelled after {sectors_written} of {sector_count} sectors starting at LBA {start_lba} (E_IMAPI_REQUEST_CANCELLED)"
    )]
    RequestCancelled {
        /// First LBA of the write.
        start_lba: i32,
        /// Sectors the write would have written.
        sector_count: i32,
        /// Sectors written before it stopped.
        sectors_written: i32,
    },
    /// E_NOTIMPL (0x80004001): the drive cannot report the value.
    #[error("not implemented: {0}")]
    NotImplemented(String),
    /// E_INVALIDARG (0x80070057).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// E_FAIL (0x80004005): reading the stream failed.
    #[error("reading the stream at byte {offset} failed: {source}")]
    StreamRead {
        /// Byte offset in the stream.
        offset: u64,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// IMAPI_E_DISC_MISMATCH (0xC0AAB158, imapi2fserror.h): the stream was built against
    /// another disc (its [`crate::SessionStream::disc_identifier`] differs from the
    /// [`crate::disc_identifier`] of the media in the recorder, I-28). Nothing was
    /// written.
    #[error(
        "{device}: the media is not the disc the image was built for (identifier {current}, image built for {expected}) (IMAPI_E_DISC_MISMATCH)"
    )]
    DiscMismatch {
        /// The recorder.
        device: String,
        /// The identifier the stream carries.
        expected: String,
        /// The identifier of the media in the recorder.
        current: String,
    },
    /// A recorder or device error, with its own IMAPI2 code.
    #[error(transparent)]
    Recorder(#[from] RecorderError),
    /// An error of a multisession mechanism's getter, with its own IMAPI2 code.
    #[error(transparent)]
    Multisession(#[from] discburn_image::MultisessionError),
}

impl WriterError {
    /// The IMAPI2 HRESULT (imapi2.md §2).
    pub fn hresult(&self) -> u32 {
        match self {
            WriterError::WriteInProgress => 0xC0AA_0400,
            WriterError::WriteNotInProgress => 0xC0AA_0401,
            WriterError::InvalidMediaState { .. } => 0xC0AA_0402,
            WriterError::StreamNotSupported { .. } => 0xC0AA_0403,
            WriterError::StreamTooLarge { .. } => 0xC0AA_0404,
            WriterError::MediaNotBlank { .. } | WriterError::ForeignData { .. } => 0xC0AA_0405,
            WriterError::MediaNotSupported { .. } => 0xC0AA_0406,
            WriterError::RecorderNotSupported { .. } => 0xC0AA_0407,
            WriterError::ClientNameNotValid(_) => 0xC0AA_0408,
            WriterError::RecorderRequired => 0xC0AA_0003,
            WriterError::RequestCancelled { .. } => 0xC0AA_0002,
            WriterError::NotImplemented(_) => 0x8000_4001,
            WriterError::InvalidArgument(_) => 0x8007_0057,
            WriterError::StreamRead { .. } => 0x8000_4005,
            WriterError::DiscMismatch { .. } => 0xC0AA_B158,
            WriterError::Recorder(e) => e.hresult(),
            WriterError::Multisession(e) => e.hresult(),
        }
    }

    /// The IMAPI2 constant name ("E_IMAPI_DF2DATA_WRITE_IN_PROGRESS").
    pub fn imapi_name(&self) -> &'static str {
        match self {
            WriterError::WriteInProgress => "E_IMAPI_DF2DATA_WRITE_IN_PROGRESS",
            WriterError::WriteNotInProgress => "E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS",
            WriterError::InvalidMediaState { .. } => "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE",
            WriterError::StreamNotSupported { .. } => "E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED",
            WriterError::StreamTooLarge { .. } => {
                "E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA"
            }
            WriterError::MediaNotBlank { .. } | WriterError::ForeignData { .. } => {
                "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK"
            }
            WriterError::MediaNotSupported { .. } => "E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED",
            WriterError::RecorderNotSupported { .. } => "E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED",
            WriterError::ClientNameNotValid(_) => "E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID",
            WriterError::RecorderRequired => "E_IMAPI_RECORDER_REQUIRED",
            WriterError::RequestCancelled { .. } => "E_IMAPI_REQUEST_CANCELLED",
            WriterError::NotImplemented(_) => "E_NOTIMPL",
            WriterError::InvalidArgument(_) => "E_INVALIDARG",
            WriterError::StreamRead { .. } => "E_FAIL",
            WriterError::DiscMismatch { .. } => "IMAPI_E_DISC_MISMATCH",
            WriterError::Recorder(e) => e.imapi_name(),
            WriterError::Multisession(e) => e.imapi_name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_05_hresults_from_imapi2_2_3() {
        let cases: &[(WriterError, u32, &str)] = &[
            (
                WriterError::WriteInProgress,
                0xC0AA0400,
                "E_IMAPI_DF2DATA_WRITE_IN_PROGRESS",
            ),
            (
                WriterError::WriteNotInProgress,
                0xC0AA0401,
                "E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS",
            ),
            (
                WriterError::StreamNotSupported { reason: "x".into() },
                0xC0AA0403,
                "E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED",
            ),
            (
                WriterError::StreamTooLarge {
                    device: "d".into(),
                    needed: 2,
                    available: 1,
                },
                0xC0AA0404,
                "E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA",
            ),
            (
                WriterError::MediaNotBlank { device: "d".into() },
                0xC0AA0405,
                "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK",
            ),
            (
                WriterError::RecorderNotSupported { device: "d".into() },
                0xC0AA0407,
                "E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED",
            ),
            (
                WriterError::ClientNameNotValid(String::new()),
                0xC0AA0408,
                "E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID",
            ),
            (
                WriterError::RecorderRequired,
                0xC0AA0003,
                "E_IMAPI_RECORDER_REQUIRED",
            ),
            (
                WriterError::RequestCancelled {
                    start_lba: 0,
                    sector_count: 1,
                    sectors_written: 0,
                },
                0xC0AA0002,
                "E_IMAPI_REQUEST_CANCELLED",
            ),
            (
                WriterError::NotImplemented(String::new()),
                0x80004001,
                "E_NOTIMPL",
            ),
            (
                WriterError::DiscMismatch {
                    device: "d".into(),
                    expected: "a".into(),
                    current: "b".into(),
                },
                0xC0AAB158,
                "IMAPI_E_DISC_MISMATCH",
            ),
        ];
        for (e, h, n) in cases {
            assert_eq!(e.hresult(), *h, "{e}");
            assert_eq!(e.imapi_name(), *n);
        }
        let e = WriterError::InvalidMediaState {
            device: "d".into(),
            state: MediaState::FINALIZED,
            reason: "r".into(),
        };
        assert_eq!(e.hresult(), 0xC0AA0402);
        let e = WriterError::MediaNotSupported {
            device: "d".into(),
            profile: Profile::CdRom,
        };
        assert_eq!(e.hresult(), 0xC0AA0406);
        let e = WriterError::from(RecorderError::Locked {
            device: "d".into(),
            owner: "o".into(),
            pid: None,
        });
        assert_eq!(e.hresult(), 0xC0AA0210);
        assert_eq!(e.imapi_name(), "E_IMAPI_RECORDER_LOCKED");
    }
}
