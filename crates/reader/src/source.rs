//! Where sectors come from: the [`SectorSource`] trait and its implementations for
//! in-memory images, files and any `Read + Seek`. The MMC recorder implements it with
//! READ(10).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::ReadError;

/// Bytes per logical sector (ECMA-119 6.1.2; the only size this reader accepts).
pub use discburn_format::SECTOR_SIZE;

/// A medium of 2048-byte sectors addressed by LBA.
///
/// `total_sectors` is the size of the medium; the reader checks every extent, length and
/// continuation area against it before reading, so implementations may treat a request
/// past the end as an error.
pub trait SectorSource {
    /// Fills `buf` (a multiple of 2048 bytes long) with the sectors starting at `lba`.
    ///
    /// # Errors
    /// Any I/O error; a short read is [`io::ErrorKind::UnexpectedEof`].
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()>;

    /// Number of readable sectors (the media size that bounds all reads).
    fn total_sectors(&self) -> u64;
}

impl<T: SectorSource + ?Sized> SectorSource for &mut T {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        (**self).total_sectors()
    }
}

impl<T: SectorSource + ?Sized> SectorSource for Box<T> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        (**self).total_sectors()
    }
}

fn past_end(lba: u64, len: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("{} bytes at LBA {lba} run past the end of the media", len),
    )
}

/// An in-memory image. A trailing partial sector is not part of the media.
impl SectorSource for &[u8] {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = lba
            .checked_mul(SECTOR_SIZE as u64)
            .and_then(|s| usize::try_from(s).ok())
            .ok_or_else(|| past_end(lba, buf.len()))?;
        let end = start
            .checked_add(buf.len())
            .filter(|&e| e <= self.len() / SECTOR_SIZE * SECTOR_SIZE)
            .ok_or_else(|| past_end(lba, buf.len()))?;
        buf.copy_from_slice(&self[start..end]);
        Ok(())
    }
    fn total_sectors(&self) -> u64 {
        (self.len() / SECTOR_SIZE) as u64
    }
}

/// An in-memory image (owned).
impl SectorSource for Vec<u8> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        self.as_slice().read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        (self.len() / SECTOR_SIZE) as u64
    }
}

/// An image file or block device read with positioned reads (`pread`), so it can be
/// shared by reference and needs no seeking. The size is taken once, when opened; a
/// trailing partial sector is not part of the media.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    sectors: u64,
}

impl FileSource {
    /// Opens `path` read-only.
    ///
    /// # Errors
    /// The open or size query failed.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        Self::new(File::open(path)?)
    }

    /// Wraps an open file; its size (for block devices: the seekable end) is the media size.
    ///
    /// # Errors
    /// The size query failed.
    pub fn new(mut file: File) -> io::Result<Self> {
        let meta = file.metadata()?;
        let bytes = if meta.is_file() {
            meta.len()
        } else {
            let end = file.seek(SeekFrom::End(0))?;
            file.seek(SeekFrom::Start(0))?;
            end
        };
        Ok(FileSource {
            file,
            sectors: bytes / SECTOR_SIZE as u64,
        })
    }

    /// The wrapped file.
    pub fn into_inner(self) -> File {
        self.file
    }
}

impl SectorSource for FileSource {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let n = (buf.len() / SECTOR_SIZE) as u64;
        if lba.checked_add(n).is_none_or(|e| e > self.sectors) {
            return Err(past_end(lba, buf.len()));
        }
        self.file.read_exact_at(buf, lba * SECTOR_SIZE as u64)
    }
    fn total_sectors(&self) -> u64 {
        self.sectors
    }
}

/// Any `Read + Seek` (a cursor, a decompressing reader with seeking, a pipe-backed cache)
/// as a sector source. The size is the seekable end at construction.
#[derive(Debug)]
pub struct ReadSeekSource<R> {
    inner: R,
    sectors: u64,
}

impl<R: Read + Seek> ReadSeekSource<R> {
    /// Wraps `inner`, measuring its size by seeking to the end.
    ///
    /// # Errors
    /// Seeking failed.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let end = inner.seek(SeekFrom::End(0))?;
        Ok(ReadSeekSource {
            inner,
            sectors: end / SECTOR_SIZE as u64,
        })
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read + Seek> SectorSource for ReadSeekSource<R> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let n = (buf.len() / SECTOR_SIZE) as u64;
        if lba.checked_add(n).is_none_or(|e| e > self.sectors) {
            return Err(past_end(lba, buf.len()));
        }
        self.inner.seek(SeekFrom::Start(lba * SECTOR_SIZE as u64))?;
        self.inner.read_exact(buf)
    }
    fn total_sectors(&self) -> u64 {
        self.sectors
    }
}

/// A slice of a medium holding a session mastered for another start (xorriso
/// `-displacement`, isoinfo `-N`): LBA `x` of the file system is sector `x - displacement`
/// of `inner`. Sectors below the displacement do not exist in the slice; reading them is
/// an [`io::ErrorKind::NotFound`] error naming the LBA, so files of older sessions that a
/// slice's tree refers to fail loudly (peers.md §6 item 16).
#[derive(Debug)]
pub struct Displaced<S> {
    inner: S,
    displacement: u64,
}

impl<S: SectorSource> Displaced<S> {
    /// `inner` seen as starting at LBA `displacement`.
    pub fn new(inner: S, displacement: u64) -> Self {
        Displaced {
            inner,
            displacement,
        }
    }

    /// The wrapped source.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: SectorSource> SectorSource for Displaced<S> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        match lba.checked_sub(self.displacement) {
            Some(l) => self.inner.read_sectors(l, buf),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "LBA {lba} lies before the slice, which starts at LBA {} (an earlier session's data)",
                    self.displacement
                ),
            )),
        }
    }
    fn total_sectors(&self) -> u64 {
        self.inner.total_sectors().saturating_add(self.displacement)
    }
}

/// Reads `count` sectors at `lba` into `buf` (resized), mapping failures to
/// [`ReadError::Io`]. Callers check the range against the media first.
pub(crate) fn read_into(
    src: &mut (impl SectorSource + ?Sized),
    lba: u64,
    count: u64,
    buf: &mut Vec<u8>,
) -> Result<(), ReadError> {
    let bytes = count as usize * SECTOR_SIZE;
    buf.clear();
    buf.resize(bytes, 0);
    src.read_sectors(lba, buf)
        .map_err(|source| ReadError::Io { lba, count, source })
}

/// Reads `buf.len() / 2048` sectors at `lba` into `buf`, mapping failures to
/// [`ReadError::Io`].
pub(crate) fn read_into_slice(
    src: &mut (impl SectorSource + ?Sized),
    lba: u64,
    buf: &mut [u8],
) -> Result<(), ReadError> {
    let count = (buf.len() / SECTOR_SIZE) as u64;
    src.read_sectors(lba, buf)
        .map_err(|source| ReadError::Io { lba, count, source })
}

/// Reads one sector.
pub(crate) fn read_sector(
    src: &mut (impl SectorSource + ?Sized),
    lba: u64,
) -> Result<Box<[u8; SECTOR_SIZE]>, ReadError> {
    let mut b = Box::new([0u8; SECTOR_SIZE]);
    src.read_sectors(lba, &mut b[..])
        .map_err(|source| ReadError::Io {
            lba,
            count: 1,
            source,
        })?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_source_bounds() {
        let data = vec![7u8; 2048 * 3 + 100];
        let mut s: &[u8] = &data;
        assert_eq!(s.total_sectors(), 3);
        let mut b = [0u8; 2048];
        s.read_sectors(2, &mut b).unwrap();
        assert!(s.read_sectors(3, &mut b).is_err());
        assert!(s.read_sectors(u64::MAX, &mut b).is_err());
        let mut b2 = [0u8; 4096];
        assert!(s.read_sectors(2, &mut b2).is_err());
    }

    #[test]
    fn read_seek_source() {
        let data = vec![1u8; 2048 * 2];
        let mut s = ReadSeekSource::new(io::Cursor::new(data)).unwrap();
        assert_eq!(s.total_sectors(), 2);
        let mut b = [0u8; 2048];
        s.read_sectors(1, &mut b).unwrap();
        assert!(s.read_sectors(2, &mut b).is_err());
    }
}
