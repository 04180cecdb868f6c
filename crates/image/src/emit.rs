//! The result stream (IMAPI2 IFileSystemImageResult): the session produced on the fly,
//! in LBA order, from the layout and the file sources, with no temporary copy.

use std::fs::File;
use std::io::{self, Read, Write};
use std::sync::Arc;

use discburn_format::iso9660::LOGICAL_BLOCK_SIZE;

use crate::ImageError;
use crate::layout::{Layout, RegionKind};
use crate::tree::{FileSource, NodeKind, Tree};

/// Host files are read in chunks of at least this many bytes.
const READ_CHUNK: usize = 1 << 20;
/// Metadata is written in chunks of about this many bytes by [`ImageResult::write_to`].
const WRITE_CHUNK: usize = 4 << 20;
/// Progress granularity inside one large file.
const PROGRESS_CHUNK: u64 = 64 << 20;

/// Progress of producing a result (DFileSystemImageEvents::Update).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// Image path of the file being copied, if any.
    pub current_file: Option<String>,
    /// Files whose data is completely produced.
    pub files_done: u64,
    /// Files with data in this session.
    pub files_total: u64,
    /// Blocks produced so far.
    pub blocks_done: u64,
    /// Blocks in the session (TotalBlocks).
    pub blocks_total: u64,
}

/// Callback receiving [`Progress`].
pub type ProgressCallback = Box<dyn FnMut(&Progress) + Send>;

struct OpenFile {
    index: usize,
    file: Option<File>,
    bytes: Option<Arc<[u8]>>,
    offset: u64,
    size: u64,
}

/// The session image (IFileSystemImageResult): `total_blocks() * block_size()` bytes
/// that form the session when written at the session start block. Read it with
/// [`Read`] (any buffer size; host files are still read ≥ 1 MiB at a time) or write it
/// to a file with [`ImageResult::write_to`]. Errors while streaming come from `read`
/// as `io::Error::other(ImageError)`.
pub struct ImageResult {
    tree: Arc<Tree>,
    layout: Layout,
    region: usize,
    buf: Vec<u8>,
    buf_pos: usize,
    ce: Vec<u8>,
    file: Option<OpenFile>,
    progress: Option<ProgressCallback>,
    state: Progress,
    bytes_done: u64,
    failed: bool,
}

impl std::fmt::Debug for ImageResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageResult")
            .field("session_start_block", &self.layout.session_start_block)
            .field("total_blocks", &self.layout.total_blocks)
            .field("region", &self.region)
            .field("bytes_done", &self.bytes_done)
            .finish_non_exhaustive()
    }
}

fn source_read(layout: &Layout, tree: &Tree, index: usize, e: io::Error) -> ImageError {
    match host_path(layout, tree, index) {
        Some(p) => ImageError::SourceRead {
            host_path: p,
            source: e,
        },
        None => ImageError::Write { source: e },
    }
}

fn host_path(layout: &Layout, tree: &Tree, index: usize) -> Option<std::path::PathBuf> {
    match &tree.node(layout.data[index].node).kind {
        NodeKind::File {
            source: FileSource::HostPath(p),
            ..
        } => Some(p.clone()),
        _ => None,
    }
}

impl ImageResult {
    pub(crate) fn new(tree: Arc<Tree>, layout: Layout) -> Self {
        let state = Progress {
            current_file: None,
            files_done: 0,
            files_total: layout.data.len() as u64,
            blocks_done: 0,
            blocks_total: layout.total_blocks,
        };
        ImageResult {
            tree,
            layout,
            region: 0,
            buf: Vec::new(),
            buf_pos: 0,
            ce: Vec::new(),
            file: None,
            progress: None,
            state,
            bytes_done: 0,
            failed: false,
        }
    }

    /// Number of blocks in the stream (IFileSystemImageResult::TotalBlocks).
    pub fn total_blocks(&self) -> u64 {
        self.layout.total_blocks
    }

    /// Block size in bytes, 2048 (IFileSystemImageResult::BlockSize).
    pub fn block_size(&self) -> u32 {
        LOGICAL_BLOCK_SIZE as u32
    }

    /// First block of the session (IFileSystemImage::SessionStartBlock).
    pub fn session_start_block(&self) -> u32 {
        self.layout.session_start_block
    }

    /// The layout this result streams.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Block ranges written, inclusive, in write order
    /// (IFileSystemImageResult2::ModifiedBlocks); see [`Layout::modified_blocks`].
    pub fn modified_blocks(&self) -> Vec<(u32, u32)> {
        self.layout.modified_blocks()
    }

    /// Sets a callback called at the start of each file, about every 64 MiB within
    /// it, and after it (DFileSystemImageEvents::Update).
    pub fn set_progress_callback(&mut self, callback: ProgressCallback) {
        self.progress = Some(callback);
    }

    fn report(&mut self, current: Option<String>) {
        self.state.blocks_done = self.bytes_done / LOGICAL_BLOCK_SIZE as u64;
        self.state.current_file = current;
        if let Some(cb) = self.progress.as_mut() {
            cb(&self.state);
        }
    }

    fn open(&self, index: usize) -> Result<OpenFile, ImageError> {
        let ext = &self.layout.data[index];
        let node = self.tree.node(ext.node);
        let NodeKind::File { source, size } = &node.kind else {
            unreachable!("data extents are files")
        };
        match source {
            FileSource::HostPath(p) => {
                let f = File::open(p).map_err(|e| ImageError::SourceRead {
                    host_path: p.clone(),
                    source: e,
                })?;
                let actual = f
                    .metadata()
                    .map_err(|e| ImageError::SourceRead {
                        host_path: p.clone(),
                        source: e,
                    })?
                    .len();
                if actual != *size {
                    return Err(ImageError::SourceChangedSize {
                        host_path: p.clone(),
                        expected: *size,
                        actual,
                    });
                }
                Ok(OpenFile {
                    index,
                    file: Some(f),
                    bytes: None,
                    offset: 0,
                    size: *size,
                })
            }
            FileSource::Bytes(b) => Ok(OpenFile {
                index,
                file: None,
                bytes: Some(b.clone()),
                offset: 0,
                size: *size,
            }),
            FileSource::Extent { .. } => unreachable!("extents are not written"),
        }
    }

    fn pad_to_block(buf: &mut Vec<u8>, size: u64) {
        let rem = (size % LOGICAL_BLOCK_SIZE as u64) as usize;
        if rem != 0 {
            buf.resize(buf.len() + LOGICAL_BLOCK_SIZE - rem, 0);
        }
    }

    /// Fills `self.buf` with the next piece of the stream; false at the end.
    fn refill(&mut self, direct: Option<&mut [u8]>) -> Result<usize, ImageError> {
        self.buf.clear();
        self.buf_pos = 0;
        if let Some(mut of) = self.file.take() {
            let remaining = of.size - of.offset;
            if remaining == 0 {
                Self::pad_to_block(&mut self.buf, of.size);
                self.state.files_done += 1;
                self.report(None);
                return Ok(0);
            }
            if let Some(b) = &of.bytes {
                let n = (remaining as usize).min(READ_CHUNK);
                self.buf
                    .extend_from_slice(&b[of.offset as usize..of.offset as usize + n]);
                of.offset += n as u64;
                self.file = Some(of);
                return Ok(0);
            }
            let f = of.file.as_mut().expect("host file");
            let n = match direct {
                Some(out) => {
                    let want = (remaining as usize).min(out.len());
                    let n = read_retry(f, &mut out[..want])
                        .map_err(|e| source_read(&self.layout, &self.tree, of.index, e))?;
                    if n == 0 {
                        return Err(self.changed(of.index, of.size, of.offset));
                    }
                    of.offset += n as u64;
                    self.file = Some(of);
                    return Ok(n);
                }
                None => {
                    let want = (remaining as usize).min(READ_CHUNK);
                    self.buf.resize(want, 0);
                    let mut got = 0;
                    while got < want {
                        let n = read_retry(f, &mut self.buf[got..want])
                            .map_err(|e| source_read(&self.layout, &self.tree, of.index, e))?;
                        if n == 0 {
                            return Err(self.changed(of.index, of.size, of.offset + got as u64));
                        }
                        got += n;
                    }
                    got
                }
            };
            let before = of.offset / PROGRESS_CHUNK;
            of.offset += n as u64;
            let report = of.offset / PROGRESS_CHUNK != before;
            let idx = of.index;
            self.file = Some(of);
            if report {
                let p = self.layout.data_path(&self.tree, idx);
                self.report(Some(p));
            }
            return Ok(0);
        }
        let Some(region) = self.layout.regions.get(self.region).copied() else {
            return Ok(0);
        };
        self.region += 1;
        match region.kind {
            RegionKind::FileData { index } => {
                let of = self.open(index as usize)?;
                let p = self.layout.data_path(&self.tree, index as usize);
                self.file = Some(of);
                self.report(Some(p));
            }
            kind => {
                let mut ce = std::mem::take(&mut self.ce);
                self.layout
                    .metadata_bytes(&self.tree, kind, &mut self.buf, &mut ce)?;
                self.ce = ce;
            }
        }
        Ok(0)
    }

    fn changed(&self, index: usize, expected: u64, actual: u64) -> ImageError {
        ImageError::SourceChangedSize {
            host_path: host_path(&self.layout, &self.tree, index).unwrap_or_default(),
            expected,
            actual,
        }
    }

    fn at_end(&self) -> bool {
        self.region >= self.layout.regions.len()
            && self.file.is_none()
            && self.buf_pos >= self.buf.len()
    }

    /// Writes the whole stream to `out` at its current position: metadata in chunks of
    /// about 4 MiB, host file data with `std::io::copy` from the source file (which uses
    /// `copy_file_range` on Linux, so file data does not pass through user space).
    /// Returns the number of bytes written (`total_blocks() * 2048`).
    ///
    /// # Errors
    /// [`ImageError::SourceRead`] (a file cannot be opened or read),
    /// [`ImageError::SourceChangedSize`] (a file's size differs from when it was added),
    /// [`ImageError::Write`] (the output failed), [`ImageError::Format`] (internal).
    /// The output then holds a partial image; the caller removes it.
    pub fn write_to(&mut self, out: &mut File) -> Result<u64, ImageError> {
        if self.region != 0 || self.bytes_done != 0 {
            return Err(ImageError::Write {
                source: io::Error::other("the result stream was already partly read"),
            });
        }
        let wr = |e| ImageError::Write { source: e };
        let mut buf: Vec<u8> = Vec::with_capacity(WRITE_CHUNK + 64 * 1024);
        let mut ce = Vec::new();
        let regions = self.layout.regions.clone();
        for region in regions {
            match region.kind {
                RegionKind::FileData { index } => {
                    let index = index as usize;
                    let mut of = self.open(index)?;
                    let p = self.layout.data_path(&self.tree, index);
                    self.report(Some(p.clone()));
                    if let Some(b) = of.bytes.take() {
                        buf.extend_from_slice(&b);
                    } else {
                        out.write_all(&buf).map_err(wr)?;
                        self.bytes_done += buf.len() as u64;
                        buf.clear();
                        let f = of.file.take().expect("host file");
                        let mut done = 0u64;
                        while done < of.size {
                            let want = (of.size - done).min(PROGRESS_CHUNK);
                            let n = io::copy(&mut (&f).take(want), out).map_err(|e| {
                                // io::copy cannot tell a read error from a write error;
                                // name the source, which is what usually fails.
                                source_read(&self.layout, &self.tree, index, e)
                            })?;
                            done += n;
                            self.bytes_done += n;
                            if n < want {
                                return Err(self.changed(index, of.size, done));
                            }
                            if done < of.size {
                                self.report(Some(p.clone()));
                            }
                        }
                    }
                    Self::pad_to_block(&mut buf, of.size);
                    self.state.files_done += 1;
                    self.report(None);
                }
                kind => self
                    .layout
                    .metadata_bytes(&self.tree, kind, &mut buf, &mut ce)?,
            }
            if buf.len() >= WRITE_CHUNK {
                out.write_all(&buf).map_err(wr)?;
                self.bytes_done += buf.len() as u64;
                buf.clear();
            }
        }
        out.write_all(&buf).map_err(wr)?;
        self.bytes_done += buf.len() as u64;
        self.region = self.layout.regions.len();
        self.report(None);
        let expected = self.layout.total_blocks * LOGICAL_BLOCK_SIZE as u64;
        debug_assert_eq!(self.bytes_done, expected);
        Ok(self.bytes_done)
    }
}

fn read_retry(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match f.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

impl Read for ImageResult {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("the image stream failed earlier"));
        }
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.buf_pos < self.buf.len() {
                let n = out.len().min(self.buf.len() - self.buf_pos);
                out[..n].copy_from_slice(&self.buf[self.buf_pos..self.buf_pos + n]);
                self.buf_pos += n;
                self.bytes_done += n as u64;
                return Ok(n);
            }
            if self.at_end() {
                self.report(None);
                return Ok(0);
            }
            let direct = self
                .file
                .as_ref()
                .is_some_and(|f| f.file.is_some() && f.offset < f.size)
                && out.len() >= READ_CHUNK;
            let r = if direct {
                self.refill(Some(out))
            } else {
                self.refill(None)
            };
            match r {
                Ok(0) => continue,
                Ok(n) => {
                    self.bytes_done += n as u64;
                    return Ok(n);
                }
                Err(e) => {
                    self.failed = true;
                    return Err(e.into_io());
                }
            }
        }
    }
}
