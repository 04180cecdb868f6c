//! The multisession side of the image (IMAPI2 IFileSystemImage::put_MultisessionInterfaces,
//! ImportFileSystem with a recorder), the recorder as a [`SectorSource`] (READ(10)), and
//! the result as the data writer's [`SessionStream`] (IDiscFormat2Data::Write).

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use discburn_reader::SectorSource;
use discburn_recorder::DiscRecorder;
use discburn_writer::{BlockRange, Multisession, SessionStream};

use crate::emit::RANDOM_WRITE_HEAD_BLOCKS;
use crate::{ImageError, ImageResult};

/// The recorder's media as a [`SectorSource`]: READ(10) (MMC-6 6.15) through the drive
/// layer; the size is READ CAPACITY's last LBA + 1 (MMC-6 6.19), taken when created.
pub struct RecorderSectorSource<'a> {
    recorder: &'a mut DiscRecorder,
    total: u64,
}

impl std::fmt::Debug for RecorderSectorSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderSectorSource")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<'a> RecorderSectorSource<'a> {
    /// Wraps `recorder`; reads its capacity.
    ///
    /// # Errors
    /// [`ImageError::Import`] (an I/O error) when READ CAPACITY fails.
    pub fn new(recorder: &'a mut DiscRecorder) -> Result<Self, ImageError> {
        let cap = recorder.read_capacity().map_err(|e| ImageError::Import {
            source: discburn_reader::ReadError::Io {
                lba: 0,
                count: 0,
                source: io::Error::other(e),
            },
        })?;
        let total = if cap.last_lba == 0 {
            0
        } else {
            u64::from(cap.last_lba) + 1
        };
        Ok(RecorderSectorSource { recorder, total })
    }
}

impl RecorderSectorSource<'_> {
    /// Treats the media as ending at `sectors` (when smaller than its capacity), e.g.
    /// after the last recorded address, so scans stop there.
    pub fn limit_to(&mut self, sectors: u64) {
        self.total = self.total.min(sectors);
    }
}

impl SectorSource for RecorderSectorSource<'_> {
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

/// The mechanism chosen from a list by IMAPI2's rules (I-03 … I-06): the one in use if
/// exactly one is; else the first supported one.
pub(crate) fn choose(list: &[Arc<dyn Multisession>]) -> Result<usize, ImageError> {
    let in_use: Vec<usize> = (0..list.len()).filter(|&i| list[i].in_use()).collect();
    match in_use.as_slice() {
        [] => list
            .iter()
            .position(|m| m.is_supported_on_current_media_state())
            .ok_or(ImageError::NoCompatibleMultisessionType {
                reason: "no mechanism is supported on the current media",
            }),
        [i] if list[*i].is_supported_on_current_media_state() => Ok(*i),
        [_] => Err(ImageError::NoCompatibleMultisessionType {
            reason: "the mechanism in use is not supported on the current media",
        }),
        _ => Err(ImageError::IncompatibleMultisessionType {
            in_use: in_use.len(),
        }),
    }
}

/// Where a sequential mechanism says the new session starts, and its free sectors.
pub(crate) fn sequential_start(m: &dyn Multisession) -> Option<(u32, u32)> {
    let s = m.as_sequential()?;
    let nwa = s.next_writable_address().ok()?;
    Some((
        u32::try_from(nwa).unwrap_or(0),
        u32::try_from(s.free_sectors_on_media()).unwrap_or(0),
    ))
}

impl SessionStream for ImageResult {
    /// The session's bytes (TotalBlocks × 2048): on sequential media the writer records
    /// them from the next writable address.
    fn len_bytes(&self) -> u64 {
        self.total_blocks() * 2048
    }
    /// IFileSystemImage::SessionStartBlock, checked by the writer against the media.
    fn session_start_block(&self) -> Option<u32> {
        Some(ImageResult::session_start_block(self))
    }
    /// IFileSystemImageResult::DiscId, checked by the writer (IMAPI_E_DISC_MISMATCH).
    fn disc_identifier(&self) -> Option<&str> {
        self.disc_id()
    }
}

/// A result prepared for random-write media (IFileSystemImageResult2 with
/// ModifiedBlocks, O-24): an image of the medium in LBA space whose block ranges are the
/// session, then the head at LBA 0–31 (written last). Give it to
/// `DiscFormat2Data::write`, which writes exactly those ranges.
#[derive(Debug)]
pub struct RandomWriteStream {
    result: ImageResult,
    head: Vec<u8>,
    /// Position inside the head while serving it; `None` while serving the session.
    head_pos: Option<usize>,
}

impl ImageResult {
    /// IFileSystemImageResult::DiscId: the identifier
    /// ([`crate::FileSystemImage::calculate_disc_identifier`]) of the disc the image was
    /// built against; `None` when the image had no multisession interfaces. The data
    /// writer refuses to record the result on another disc (IMAPI_E_DISC_MISMATCH,
    /// I-28).
    pub fn disc_id(&self) -> Option<&str> {
        self.disc_id.as_deref()
    }

    /// This result as a [`RandomWriteStream`] for random-write media.
    ///
    /// # Errors
    /// See [`ImageResult::random_write_head`].
    pub fn into_random_write_stream(self) -> Result<RandomWriteStream, ImageError> {
        let head = self.random_write_head()?;
        Ok(RandomWriteStream {
            result: self,
            head,
            head_pos: None,
        })
    }
}

impl RandomWriteStream {
    /// IFileSystemImageResult2::ModifiedBlocks: inclusive ranges in write order.
    pub fn modified_blocks(&self) -> Vec<(u32, u32)> {
        self.result.random_write_modified_blocks()
    }
}

impl Read for RandomWriteStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.head_pos {
            Some(p) => {
                let n = buf.len().min(self.head.len() - p);
                buf[..n].copy_from_slice(&self.head[p..p + n]);
                self.head_pos = Some(p + n);
                Ok(n)
            }
            None => self.result.read(buf),
        }
    }
}

impl SessionStream for RandomWriteStream {
    fn len_bytes(&self) -> u64 {
        self.result.layout().end_block() * 2048
    }
    fn block_ranges(&self) -> Option<Vec<BlockRange>> {
        Some(
            self.modified_blocks()
                .into_iter()
                .map(|(a, b)| BlockRange::new(a, b))
                .collect(),
        )
    }
    fn session_start_block(&self) -> Option<u32> {
        Some(self.result.session_start_block())
    }
    fn disc_identifier(&self) -> Option<&str> {
        self.result.disc_id()
    }
    fn seek_block(&mut self, block: u64) -> io::Result<()> {
        let start = u64::from(self.result.session_start_block());
        if block < u64::from(RANDOM_WRITE_HEAD_BLOCKS) {
            self.head_pos = Some(block as usize * 2048);
            Ok(())
        } else if block >= start {
            self.head_pos = None;
            self.result
                .seek(SeekFrom::Start((block - start) * 2048))
                .map(|_| ())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("block {block} is neither in the head nor in the session"),
            ))
        }
    }
}
