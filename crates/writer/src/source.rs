//! The recorder's media as a [`SectorSource`] for the file-system image and the readers:
//! READ(10) (MMC-6 6.15) through the drive layer, or, for an image file, the file
//! itself. This is the one place that adapts a recorder to the readers.

use std::io;
use std::path::Path;

use discburn_image::{MultisessionError, SectorSource};
use discburn_reader::FileSource;
use discburn_recorder::{BackendKind, DiscRecorder, RecorderError};

use crate::error::WriterError;

/// The recorder's media read with READ(10) (MMC-6 6.15); the size is READ CAPACITY's
/// last LBA + 1 (MMC-6 6.19), taken when created (0 without media).
pub struct RecorderSectorSource<R> {
    recorder: R,
    total: u64,
}

impl<R> std::fmt::Debug for RecorderSectorSource<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderSectorSource")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<R: std::ops::DerefMut<Target = DiscRecorder>> RecorderSectorSource<R> {
    /// Wraps `recorder` (a `&mut DiscRecorder`, a `Box`, a `RefMut`); reads its capacity.
    ///
    /// # Errors
    /// Device errors of READ CAPACITY other than "no media" (which gives 0 sectors).
    pub fn new(mut recorder: R) -> Result<Self, WriterError> {
        let total = if recorder.media_present()? {
            let cap = recorder.read_capacity()?;
            if cap.last_lba == 0 {
                0
            } else {
                u64::from(cap.last_lba) + 1
            }
        } else {
            0
        };
        Ok(RecorderSectorSource { recorder, total })
    }

    /// Treats the media as ending at `sectors` (when smaller than its capacity), e.g.
    /// after the last recorded address, so scans stop there.
    pub fn limit_to(&mut self, sectors: u64) {
        self.total = self.total.min(sectors);
    }
}

impl<R: std::ops::DerefMut<Target = DiscRecorder>> SectorSource for RecorderSectorSource<R> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let lba = u32::try_from(lba).map_err(|_| io::Error::other("LBA beyond 2^32"))?;
        self.recorder
            .drive()
            .read10(lba, buf)
            .map_err(io::Error::other)
    }
    fn total_sectors(&self) -> u64 {
        self.total
    }
}

/// The media of `recorder` (a `&mut DiscRecorder`, a `Box`, a `RefMut`) as a sector
/// source. An image file (a regular file used as random-writable media) is read
/// directly, as large as the file: READ CAPACITY of such a target includes the free
/// space of the host file system, which changes under us, and a file that cannot be
/// written can still be read. Everything else goes through READ(10).
///
/// # Errors
/// Opening the image file; device errors of READ CAPACITY.
pub fn media_source<'a, R>(recorder: R) -> Result<Box<dyn SectorSource + 'a>, WriterError>
where
    R: std::ops::DerefMut<Target = DiscRecorder> + 'a,
{
    if let Some(path) = image_file_path(&recorder) {
        let f = FileSource::open(Path::new(&path))
            .map_err(|e| WriterError::Recorder(RecorderError::from_open(&path, e)))?;
        return Ok(Box::new(f));
    }
    Ok(Box::new(RecorderSectorSource::new(recorder)?))
}

/// The path of `recorder` when it is a regular file used as random-writable media.
pub fn image_file_path(recorder: &DiscRecorder) -> Option<String> {
    let path = recorder.active_disc_recorder();
    (recorder.backend_kind() == BackendKind::Stdio && Path::new(path).is_file())
        .then(|| path.to_string())
}

/// Opens the recorder `path` and its media as an owned sector source (the ImportRecorder
/// of a mechanism).
pub(crate) fn open_media(path: &str) -> Result<Box<dyn SectorSource>, WriterError> {
    media_source(Box::new(DiscRecorder::open(path)?))
}

impl WriterError {
    /// This error as a [`MultisessionError::Device`] (same HRESULT and IMAPI name).
    pub fn to_multisession(&self) -> MultisessionError {
        MultisessionError::Device {
            imapi_name: self.imapi_name(),
            hresult: self.hresult(),
            message: self.to_string(),
        }
    }
}
