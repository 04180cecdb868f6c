//! The input of [`crate::DiscFormat2Data::write`]: a [`SessionStream`] of 2048-byte
//! sectors (IMAPI2 IStream), optionally carrying an IBlockRangeList ([`BlockRange`]s).

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};

/// IMAPI2 IBlockRange: an inclusive range of LBAs (imapi2.md §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockRange {
    /// StartLba: first LBA of the range.
    pub start_lba: u32,
    /// EndLba: last LBA of the range (inclusive).
    pub end_lba: u32,
}

impl BlockRange {
    /// A range of `start_lba..=end_lba`.
    pub const fn new(start_lba: u32, end_lba: u32) -> BlockRange {
        BlockRange { start_lba, end_lba }
    }

    /// Number of sectors in the range (0 when `end_lba < start_lba`, which the writer
    /// refuses).
    pub const fn sectors(&self) -> u64 {
        if self.end_lba < self.start_lba {
            0
        } else {
            self.end_lba as u64 - self.start_lba as u64 + 1
        }
    }
}

/// A stream the data writer records (IMAPI2 IDiscFormat2Data::Write's IStream).
///
/// * Sequential media: the bytes are the new session, written from the next writable
///   address; only [`Read`] is used.
/// * Overwritable media: the stream is an image of the disc from LBA 0 (sector N at byte
///   N × 2048). Without [`SessionStream::block_ranges`] the whole stream is written
///   from LBA 0; with them only the listed ranges are written, in the order given
///   (IBlockRangeList semantics, W-07), reading each range's data after
///   [`SessionStream::seek_block`]. A stream that holds only the new session can still
///   take part: its `len_bytes` is the end of the image in LBA space (end LBA × 2048)
///   and its `seek_block` maps an LBA to its own offset.
///
/// A stream that knows the session start block its image was built for
/// ([`SessionStream::session_start_block`]) is checked against the media before
/// anything is written, so an image with wrong absolute addresses is never recorded.
pub trait SessionStream: Read {
    /// Length of the stream in bytes; must be a multiple of 2048.
    fn len_bytes(&self) -> u64;

    /// The IBlockRangeList of the stream: `None` when the whole stream is to be written
    /// (the default).
    fn block_ranges(&self) -> Option<Vec<BlockRange>> {
        None
    }

    /// The first block of the session the image was built for
    /// (IFileSystemImage::SessionStartBlock), when known. On sequential media it must
    /// equal the next writable address; on overwritable media a non-zero value needs
    /// block ranges. `None` (the default) skips the check.
    fn session_start_block(&self) -> Option<u32> {
        None
    }

    /// The identifier of the disc the stream was built against
    /// (IFileSystemImageResult::DiscId; format: [`crate::disc_identifier`]), when known.
    /// The writer computes the identifier of the media in the recorder and refuses
    /// with IMAPI_E_DISC_MISMATCH ([`crate::WriterError::DiscMismatch`]) before
    /// writing anything when they differ (I-28). `None` (the default) skips the check.
    fn disc_identifier(&self) -> Option<&str> {
        None
    }

    /// Positions the stream at sector `block` (byte `block × 2048`), so that the next
    /// read returns that sector. Needed only for streams with block ranges.
    ///
    /// # Errors
    /// The default returns [`io::ErrorKind::Unsupported`].
    fn seek_block(&mut self, block: u64) -> io::Result<()> {
        let _ = block;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this stream cannot seek",
        ))
    }
}

impl<T: AsRef<[u8]>> SessionStream for Cursor<T> {
    fn len_bytes(&self) -> u64 {
        self.get_ref().as_ref().len() as u64
    }
    fn seek_block(&mut self, block: u64) -> io::Result<()> {
        self.seek(SeekFrom::Start(block * 2048)).map(|_| ())
    }
}

impl SessionStream for File {
    fn len_bytes(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
    fn seek_block(&mut self, block: u64) -> io::Result<()> {
        self.seek(SeekFrom::Start(block * 2048)).map(|_| ())
    }
}

/// `SessionStream` for a pointer type `$ptr` to an `S: SessionStream`, forwarding every method.
macro_rules! forward_session_stream {
    ($ptr:ty) => {
        impl<S: SessionStream + ?Sized> SessionStream for $ptr {
            fn len_bytes(&self) -> u64 {
                (**self).len_bytes()
            }
            fn block_ranges(&self) -> Option<Vec<BlockRange>> {
                (**self).block_ranges()
            }
            fn session_start_block(&self) -> Option<u32> {
                (**self).session_start_block()
            }
            fn disc_identifier(&self) -> Option<&str> {
                (**self).disc_identifier()
            }
            fn seek_block(&mut self, block: u64) -> io::Result<()> {
                (**self).seek_block(block)
            }
        }
    };
}

forward_session_stream!(&mut S);
forward_session_stream!(Box<S>);

/// A seekable source of `len` bytes (a disc image from LBA 0) with an IBlockRangeList:
/// only the listed ranges are written, in the order given.
#[derive(Debug)]
pub struct BlockRangeStream<R> {
    inner: R,
    len: u64,
    ranges: Vec<BlockRange>,
}

impl<R: Read + Seek> BlockRangeStream<R> {
    /// Wraps `inner` (its current length is taken by seeking to the end) with `ranges`.
    ///
    /// # Errors
    /// Seek errors of `inner`.
    pub fn new(mut inner: R, ranges: Vec<BlockRange>) -> io::Result<Self> {
        let len = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(0))?;
        Ok(BlockRangeStream { inner, len, ranges })
    }

    /// The wrapped source.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for BlockRangeStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Read + Seek> SessionStream for BlockRangeStream<R> {
    fn len_bytes(&self) -> u64 {
        self.len
    }
    fn block_ranges(&self) -> Option<Vec<BlockRange>> {
        Some(self.ranges.clone())
    }
    fn seek_block(&mut self, block: u64) -> io::Result<()> {
        self.inner.seek(SeekFrom::Start(block * 2048)).map(|_| ())
    }
}

impl SessionStream for discburn_image::ImageResult {
    /// The session's bytes (TotalBlocks × 2048): on sequential media the writer records
    /// them from the next writable address.
    fn len_bytes(&self) -> u64 {
        self.total_blocks() * 2048
    }
    /// IFileSystemImage::SessionStartBlock, checked by the writer against the media.
    fn session_start_block(&self) -> Option<u32> {
        Some(discburn_image::ImageResult::session_start_block(self))
    }
    /// IFileSystemImageResult::DiscId, checked by the writer (IMAPI_E_DISC_MISMATCH).
    fn disc_identifier(&self) -> Option<&str> {
        self.disc_id()
    }
}

impl SessionStream for discburn_image::RandomWriteStream {
    /// The image of the medium from LBA 0 to the end of the session.
    fn len_bytes(&self) -> u64 {
        self.end_block() * 2048
    }
    /// IFileSystemImageResult2::ModifiedBlocks: the session, then the head at LBA 0–31.
    fn block_ranges(&self) -> Option<Vec<BlockRange>> {
        Some(
            self.modified_blocks()
                .into_iter()
                .map(|(a, b)| BlockRange::new(a, b))
                .collect(),
        )
    }
    fn session_start_block(&self) -> Option<u32> {
        Some(discburn_image::RandomWriteStream::session_start_block(self))
    }
    fn disc_identifier(&self) -> Option<&str> {
        self.disc_id()
    }
    fn seek_block(&mut self, block: u64) -> io::Result<()> {
        discburn_image::RandomWriteStream::seek_block(self, block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_and_ranges() {
        let c = Cursor::new(vec![0u8; 4096]);
        assert_eq!(c.len_bytes(), 4096);
        assert!(c.block_ranges().is_none());
        let mut s =
            BlockRangeStream::new(Cursor::new(vec![7u8; 8192]), vec![BlockRange::new(3, 3)])
                .unwrap();
        assert_eq!(s.len_bytes(), 8192);
        assert_eq!(s.block_ranges().unwrap()[0].sectors(), 1);
        s.seek_block(3).unwrap();
        let mut b = [0u8; 2048];
        s.read_exact(&mut b).unwrap();
        assert_eq!(b[0], 7);
        assert_eq!(BlockRange::new(5, 4).sectors(), 0);
    }
}
