//! Ownership before the first write: on overwritable media (image files, block devices,
//! DVD+RW, DVD-RAM, BD-RE) the writer identifies what the target holds
//! ([`discburn_reader::identify_medium`], bounded reads through READ(10)) and refuses to
//! write over anything that is neither blank nor ISO 9660 sessions unless
//! ForceOverwrite is set (IMAPI2 IDiscFormat2Data::put_ForceOverwrite).
//! Sequential media need no such check: the drive's table of contents says what is
//! recorded and writing only ever appends.

use std::io;

use discburn_reader::{MediumContent, SectorSource, identify_medium};
use discburn_recorder::{BackendKind, DiscRecorder, RecorderError};

use crate::error::WriterError;
use crate::media::{self, Kind};

/// The recorder's media as a [`SectorSource`]: READ(10) (MMC-6 6.15), size from READ
/// CAPACITY (MMC-6 6.19) taken when created. For image files the size is the file's
/// plus the free space of its file system (reads past the end of the file return
/// zeros).
pub(crate) struct RecorderBlocks<'a> {
    rec: &'a mut DiscRecorder,
    total: u64,
}

impl<'a> RecorderBlocks<'a> {
    pub(crate) fn new(rec: &'a mut DiscRecorder) -> Result<Self, WriterError> {
        let cap = rec.read_capacity()?;
        let total = if cap.last_lba == 0 {
            0
        } else {
            u64::from(cap.last_lba) + 1
        };
        Ok(RecorderBlocks { rec, total })
    }
}

/// READ(10) of `buf.len() / 2048` sectors at `lba`. On an image file (stdio target) a
/// read that fails with 5/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE returns zeros: the
/// capacity of an image file includes the free space of its file system, which other
/// writers shrink between READ CAPACITY and the READ, and everything past the file's end
/// reads as zeros anyway.
pub(crate) fn read_blocks(
    rec: &mut DiscRecorder,
    lba: u32,
    buf: &mut [u8],
) -> Result<(), discburn_mmc::MmcError> {
    match rec.drive().read10(lba, buf) {
        Err(e)
            if rec.backend_kind() == BackendKind::Stdio
                && e.sense().is_some_and(|s| {
                    s.key == discburn_mmc::SenseKey::IllegalRequest && s.asc == 0x21
                }) =>
        {
            buf.fill(0);
            Ok(())
        }
        r => r,
    }
}

impl SectorSource for RecorderBlocks<'_> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let lba = u32::try_from(lba).map_err(|_| io::Error::other("LBA beyond 2^32"))?;
        read_blocks(self.rec, lba, buf).map_err(io::Error::other)
    }
    fn total_sectors(&self) -> u64 {
        self.total
    }
}

pub(crate) fn read_error(device: &str, e: discburn_reader::ReadError) -> WriterError {
    WriterError::Recorder(RecorderError::Fail(format!(
        "{device}: identifying the media content: {e}"
    )))
}

/// What the overwritable media in `rec` holds; `None` on sequential and read-only
/// media and on unformatted overwritable media (which holds nothing readable).
///
/// # Errors
/// E_IMAPI_RECORDER_MEDIA_NO_MEDIA; device errors; E_FAIL when a sector cannot be read.
pub(crate) fn media_content(rec: &mut DiscRecorder) -> Result<Option<MediumContent>, WriterError> {
    let info = media::read_media_info(rec)?;
    if info.kind != Kind::Overwrite || info.format.is_some() {
        return Ok(None);
    }
    let device = info.device.clone();
    let mut src = RecorderBlocks::new(rec)?;
    identify_medium(&mut src)
        .map(Some)
        .map_err(|e| read_error(&device, e))
}

/// The write-entry check: E_IMAPI_DF2DATA_MEDIA_NOT_BLANK ([`WriterError::ForeignData`])
/// when the media holds foreign data and `force_overwrite` is not set. Nothing is written.
pub(crate) fn check_before_write(
    rec: &mut DiscRecorder,
    force_overwrite: bool,
) -> Result<(), WriterError> {
    if force_overwrite {
        return Ok(());
    }
    if let Some(MediumContent::Foreign(f)) = media_content(rec)? {
        return Err(WriterError::ForeignData {
            device: rec.active_disc_recorder().to_string(),
            what: f.what,
            lba: f.lba,
        });
    }
    Ok(())
}
