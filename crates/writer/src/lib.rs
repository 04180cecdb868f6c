//! The data writer (IMAPI2 IDiscFormat2Data) and the multisession mechanisms
//! (IMultisession, IMultisessionSequential, IMultisessionRandomWrite): media state from
//! MMC replies, writing a 2048-byte-sector stream as a new session or as block ranges,
//! the closing rules, progress events and cancellation.
//!
//! | IMAPI2 | here |
//! |---|---|
//! | MsftDiscFormat2Data (IDiscFormat2, IDiscFormat2Data) | [`DiscFormat2Data`]; thread-safe [`WriterControl`] for CancelWrite and the configuration |
//! | IMAPI_FORMAT2_DATA_MEDIA_STATE, IMAPI_MEDIA_WRITE_PROTECT_STATE, IMAPI_FORMAT2_DATA_WRITE_ACTION | [`MediaState`], [`WriteProtectState`], [`WriteAction`] |
//! | IMultisession, IMultisessionSequential(2), IMultisessionRandomWrite | traits [`Multisession`], [`MultisessionSequential`], [`MultisessionRandomWrite`]; classes [`MsftMultisessionSequential`], [`MsftMultisessionRandomWrite`] |
//! | IStream + IBlockRangeList / IBlockRange | [`SessionStream`], [`BlockRange`], [`BlockRangeStream`] |
//! | DDiscFormat2DataEvents::Update, IDiscFormat2DataEventArgs | the callback of [`DiscFormat2Data::write_with_progress`], [`DiscFormat2DataEventArgs`]; time from an injected [`Clock`] |
//! | IWriteSpeedDescriptor, S_IMAPI_*ADJUSTED | [`WriteSpeedDescriptor`], [`WriteSpeedStatus`] |
//! | HRESULTs | [`WriterError::hresult`], [`WriterError::imapi_name`] |
//! | CalculateDiscIdentifier, IMAPI_E_DISC_MISMATCH | [`disc_identifier`] (our format), checked by write against [`SessionStream::disc_identifier`] |
//!
//! Spec coverage (write paths per profile, mmc.md §5.13):
//!
//! | media | write | close |
//! |---|---|---|
//! | CD-R, CD-RW | page 05h TAO (WT 01h, Mode 1), WRITE(10) from the NWA, 150-sector post-gap, SYNCHRONIZE CACHE | CLOSE 010b; page 05h Multi-session 11b (appendable) or 00b (closed) |
//! | DVD-R, DVD-RW sequential | page 05h incremental (WT 00h, link size from feature 0021h, fixed packets of 16); Disc-At-Once (WT 02h + RESERVE TRACK) when 0021h is not current, blank media only | CLOSE 001b + 010b, Multi-session per closing rule |
//! | DVD+R, DVD+R DL | 16-block units | CLOSE 001b, then 010b (appendable) or 110b (compatible finalize) / 101b (finalize) |
//! | BD-R (SRM) | 32-block units | CLOSE 001b, then 010b or 110b |
//! | DVD+RW, DVD-RAM, BD-RE, DVD-RW RO, stdio files | FORMAT UNIT when unformatted; whole image from LBA 0 or block ranges, read-modify-write to whole write units | DVD+RW: CLOSE 010b |
//! | BD-R POW, BD-R RRM, DVD-R DL layer jump, ROM | – | POW is written as sequential BD-R; the others are E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod disc_id;
mod engine;
mod error;
mod events;
mod headless;
mod mechanism;
mod media;
mod ownership;
mod repair;
mod source;
mod speed;
mod state;
mod stream;
mod writer;

pub use disc_id::{DISC_IDENTIFIER_PREFIX, disc_identifier};
pub use discburn_image::{
    Multisession, MultisessionError, MultisessionRandomWrite, MultisessionSequential,
    SessionPlacement,
};
pub use error::WriterError;
pub use events::{Clock, DiscFormat2DataEventArgs, ManualClock, SystemClock};
pub use headless::headless_first_session;
pub use mechanism::{
    MsftMultisessionPseudoOverwrite, MsftMultisessionRandomWrite, MsftMultisessionSequential,
    SequentialSession, format_pseudo_overwrite,
};
pub use repair::{RepairOutcome, RepairReport, RescueSession};
pub use source::{RecorderSectorSource, image_file_path, media_source};
pub use speed::{WriteSpeedDescriptor, WriteSpeedStatus};
pub use state::{
    IMAPI_SECTOR_SIZE, IMAPI_SECTORS_PER_SECOND_AT_1X_BD, IMAPI_SECTORS_PER_SECOND_AT_1X_CD,
    IMAPI_SECTORS_PER_SECOND_AT_1X_DVD, IMAPI_SECTORS_PER_SECOND_AT_1X_HD_DVD, MediaState,
    WriteAction, WriteProtectState,
};
pub use stream::{BlockRange, BlockRangeStream, SessionStream};
pub use writer::{DiscFormat2Data, WriterControl};

/// Re-exported for callers of [`DiscFormat2Data::current_physical_media_type`].
pub use discburn_recorder::PhysicalMediaType;
