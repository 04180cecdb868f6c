//! The result stream (IMAPI2 IFileSystemImageResult): the session produced on the fly,
//! in LBA order, from the layout and the file sources, with no temporary copy.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::sync::Arc;

use rustix::fs::{Mode, OFlags};

use discburn_format::SECTOR_SIZE;

use crate::ImageError;
use crate::layout::{Layout, RegionKind};
use crate::tree::{FileSource, NodeKind, Tree};

/// Host files are read in chunks of at least this many bytes.
const READ_CHUNK: usize = 1 << 20;
/// Metadata is written in chunks of about this many bytes by [`ImageResult::write_to`].
const WRITE_CHUNK: usize = 4 << 20;
/// Piece written and hashed at a time with checksums: small enough to stay in the
/// processor's cache between the read, the write and the two MD5 threads.
const HASHED_CHUNK: usize = 256 << 10;
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
    /// Bytes allocated on the host (st_blocks × 512); less than `size` for sparse files.
    allocated: u64,
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
    /// Running MD5s when the layout records checksums.
    md5: Option<crate::checksum::Md5Run>,
    /// IFileSystemImageResult::DiscId (set by `FileSystemImage::create_result_image`).
    pub(crate) disc_id: Option<String>,
    /// Where source changes go instead of failing the stream
    /// ([`ImageResult::record_source_changes`]).
    pub(crate) changes: Option<crate::source_check::SourceChanges>,
    /// LBA 0–15 of the medium kept at import (a hybrid MBR/GPT): the head's first 16
    /// blocks, instead of zeros.
    pub(crate) system_area: Option<Arc<[u8]>>,
    /// LBA 256 holds the Anchor Volume Descriptor Pointer of the imported UDF volume and
    /// may be written again (overwritable media): it then names this session's volume
    /// ([`ImageResult::random_write_anchor`]).
    pub(crate) udf_anchor_256: bool,
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
        let md5 = crate::checksum::Md5Run::new(&layout);
        ImageResult {
            md5,
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
            disc_id: None,
            changes: None,
            system_area: None,
            udf_anchor_256: false,
        }
    }

    /// The tree this result streams.
    pub(crate) fn tree_ref(&self) -> &Tree {
        &self.tree
    }

    /// A source error of file `index` while the stream is read: recorded (and `Ok`)
    /// after [`ImageResult::record_source_changes`], else returned.
    fn tolerate(&self, index: usize, e: ImageError) -> Result<(), ImageError> {
        match (&self.changes, &e) {
            (
                Some(list),
                ImageError::SourceRead { host_path, .. }
                | ImageError::SourceChangedSize { host_path, .. }
                | ImageError::SourceModified { host_path, .. },
            ) => {
                let reason = match &e {
                    ImageError::SourceRead { source, .. } => format!("cannot be read: {source}"),
                    ImageError::SourceChangedSize {
                        expected, actual, ..
                    } => format!(
                        "changed size while it was recorded: {expected} bytes when added, {actual} found"
                    ),
                    _ => "was modified while it was recorded (its modification time changed)"
                        .to_string(),
                };
                list.push(crate::source_check::SourceChange {
                    host_path: host_path.clone(),
                    image_path: self.layout.data_path(&self.tree, index),
                    reason,
                });
                Ok(())
            }
            _ => Err(e),
        }
    }

    /// Number of blocks in the stream (IFileSystemImageResult::TotalBlocks).
    pub fn total_blocks(&self) -> u64 {
        self.layout.total_blocks
    }

    /// Block size in bytes, 2048 (IFileSystemImageResult::BlockSize).
    pub fn block_size(&self) -> u32 {
        SECTOR_SIZE as u32
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

    /// Sets the progress callback (DFileSystemImageEvents::Update), called on the
    /// thread that reads or calls `write_to`. `Read` reports at the start and end of
    /// each file and about every 64 MiB within it. `write_to` reports in batches (every
    /// 256 files or 16 MiB), and at the start of, about every 64 MiB within, and after
    /// each file of 16 MiB or more, which it names in `current_file`. The last report
    /// has `files_done == files_total` and `blocks_done == blocks_total`.
    pub fn set_progress_callback(&mut self, callback: ProgressCallback) {
        self.progress = Some(callback);
    }

    fn report(&mut self, current: Option<String>) {
        self.state.blocks_done = self.bytes_done / SECTOR_SIZE as u64;
        self.state.current_file = current;
        if let Some(cb) = self.progress.as_mut() {
            cb(&self.state);
        }
    }

    fn open(&self, index: usize) -> Result<OpenFile, ImageError> {
        match open_source(&self.tree, &self.layout, index, None) {
            Ok(of) => Ok(of),
            Err((e, file)) => {
                self.tolerate(index, e)?;
                // Recorded: the file as it is now, or zeros if it cannot be opened.
                let size = self.layout.data[index].size;
                Ok(OpenFile {
                    index,
                    allocated: size,
                    file,
                    bytes: None,
                    offset: 0,
                    size,
                })
            }
        }
    }

    /// A source error of the open file `of` while reading: recorded (the rest of it
    /// reads as zeros) or returned.
    fn read_failed(&mut self, mut of: OpenFile, e: ImageError) -> Result<usize, ImageError> {
        self.tolerate(of.index, e)?;
        of.file = None;
        self.file = Some(of);
        Ok(0)
    }

    fn pad_to_block(buf: &mut Vec<u8>, size: u64) {
        let rem = (size % SECTOR_SIZE as u64) as usize;
        if rem != 0 {
            buf.resize(buf.len() + SECTOR_SIZE - rem, 0);
        }
    }

    /// Fills `self.buf` with the next piece of the stream; false at the end.
    fn refill(&mut self, direct: Option<&mut [u8]>) -> Result<usize, ImageError> {
        self.buf.clear();
        self.buf_pos = 0;
        if let Some(mut of) = self.file.take() {
            let remaining = of.size - of.offset;
            if remaining == 0 {
                if let (Some(f), Some(p)) =
                    (&of.file, host_path(&self.layout, &self.tree, of.index))
                {
                    let node = self.layout.data[of.index].node;
                    if let Err(e) = crate::source_check::compare_open(&self.tree, node, &p, f) {
                        self.tolerate(of.index, e)?;
                    }
                }
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
            let Some(f) = of.file.as_mut() else {
                // A source that failed: zeros up to its recorded size.
                let n = (remaining as usize).min(READ_CHUNK);
                self.buf.resize(n, 0);
                of.offset += n as u64;
                self.file = Some(of);
                return Ok(0);
            };
            let n = match direct {
                Some(out) => {
                    let want = (remaining as usize).min(out.len());
                    let n = match read_retry(f, &mut out[..want]) {
                        Ok(n) => n,
                        Err(e) => {
                            let e = source_read(&self.layout, &self.tree, of.index, e);
                            return self.read_failed(of, e);
                        }
                    };
                    if n == 0 {
                        let e = self.changed(of.index, of.size, of.offset);
                        return self.read_failed(of, e);
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
                        let e = match read_retry(f, &mut self.buf[got..want]) {
                            Ok(0) => self.changed(of.index, of.size, of.offset + got as u64),
                            Ok(n) => {
                                got += n;
                                continue;
                            }
                            Err(e) => source_read(&self.layout, &self.tree, of.index, e),
                        };
                        // The bytes read so far are kept; the rest reads as zeros.
                        self.buf.truncate(got);
                        of.offset += got as u64;
                        return self.read_failed(of, e);
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
            RegionKind::ChecksumTag { .. } | RegionKind::ChecksumArray if self.md5.is_some() => {
                let run = self.md5.as_mut().expect("checked");
                self.buf = run.make(&self.layout, self.region - 1, self.bytes_done)?;
            }
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

    /// Writes the whole stream to `out` from its current position, which is left at
    /// the end of the image. Metadata goes out in chunks of about 4 MiB. Host files of
    /// more than 128 KiB are copied with `copy_file_range(2)` (falling back to 1 MiB
    /// `pread`/`pwrite`), so their data does not pass through user space; smaller
    /// files are read into memory and written together with their neighbours, up to
    /// 1 MiB in one `pwrite` (one pass through the output's inode lock instead of one
    /// per file). Per file that is `open` (relative to its directory, opened once for
    /// its neighbours), one `fstat` (the size check), the copy and `close`. Files are
    /// copied by twice as many threads as processors (2 to 8) at once, at their own
    /// offsets (positional writes; the bytes do not depend on the thread count). When
    /// the output is written past its end (a new or truncated
    /// file), its blocks are first reserved with `fallocate(2)` where the file system
    /// allows (the file then has its final length; the reserved blocks read as zeros),
    /// block padding after file data is not written, and the holes of sparse sources
    /// are left (or punched) as holes. An output opened with O_APPEND is written
    /// sequentially by one thread. Returns the number of bytes of the image
    /// (`total_blocks() * 2048`).
    ///
    /// # Errors
    /// [`ImageError::SourceRead`] (a file cannot be opened or read),
    /// [`ImageError::SourceChangedSize`] (a file's size differs from when it was added),
    /// [`ImageError::Write`] (the output failed, or this result was already partly
    /// read), [`ImageError::Format`] (internal). The output then holds a partial
    /// image; the caller removes it.
    pub fn write_to(&mut self, out: &mut File) -> Result<u64, ImageError> {
        if self.region != 0 || self.bytes_done != 0 {
            return Err(ImageError::Write {
                source: io::Error::other("the result stream was already partly read"),
            });
        }
        let wr = |e| ImageError::Write { source: e };
        if self.md5.is_some() {
            return self.write_sequential(out);
        }
        let md = out.metadata().map_err(wr)?;
        let append_mode = rustix::fs::fcntl_getfl(&*out)
            .map(|f| f.contains(rustix::fs::OFlags::APPEND))
            .unwrap_or(true);
        // Pipes cannot seek: write them sequentially from "offset 0".
        let (base, seekable) = match out.stream_position() {
            Ok(p) => (p, true),
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::SPIPE.raw_os_error()) => {
                (0, false)
            }
            Err(e) => return Err(wr(e)),
        };
        let positional = seekable && !append_mode;
        let out: &File = out;
        let mut sink = Sink {
            f: out,
            positional,
            // Only a regular file reads back zeros where nothing was written past its
            // end; a block device (length 0 here) keeps whatever it held.
            fresh: positional && md.file_type().is_file() && base >= md.len(),
            preallocated: false,
            pos: base,
        };
        let start = self.layout.session_start_block;
        let total = self.layout.total_blocks * SECTOR_SIZE as u64;
        if sink.fresh {
            // Reserve the image's blocks at once (as unwritten extents, which read as
            // zeros; the file gets its final length): writing into them costs the
            // file system less than allocating block by block. Holes of sparse
            // sources are punched back out. Optional: a file system without
            // fallocate(2), or without room, is written as before.
            sink.preallocated =
                rustix::fs::fallocate(out, rustix::fs::FallocateFlags::empty(), base, total)
                    .is_ok();
        }
        let mut buf: Vec<u8> = Vec::with_capacity(WRITE_CHUNK + 64 * 1024);
        let mut buf_off = base;
        let mut ce = Vec::new();
        let mut copy_buf = Vec::new();
        let mut jobs = Vec::new();
        let regions = self.layout.regions.clone();
        for region in regions {
            let off = base + u64::from(region.lba - start) * SECTOR_SIZE as u64;
            if buf.is_empty() {
                buf_off = off;
            }
            match region.kind {
                RegionKind::FileData { index } if sink.positional => {
                    sink.write_at(buf_off, &buf).map_err(wr)?;
                    self.bytes_done += buf.len() as u64;
                    buf.clear();
                    jobs.push((index as usize, off, region.blocks));
                }
                RegionKind::FileData { index } => {
                    sink.write_at(buf_off, &buf).map_err(wr)?;
                    self.bytes_done += buf.len() as u64;
                    buf.clear();
                    let index = index as usize;
                    self.report(Some(self.layout.data_path(&self.tree, index)));
                    let (tree, layout) = (self.tree.clone(), &self.layout);
                    let mut moved = 0u64;
                    let mut events = |n: u64| moved += n;
                    copy_job(
                        &tree,
                        layout,
                        index,
                        off,
                        region.blocks,
                        &mut sink,
                        &mut copy_buf,
                        None,
                        &mut events,
                    )?;
                    self.bytes_done += region.blocks * SECTOR_SIZE as u64;
                    self.state.files_done += 1;
                    self.report(None);
                }
                kind => self
                    .layout
                    .metadata_bytes(&self.tree, kind, &mut buf, &mut ce)?,
            }
            if buf.len() >= WRITE_CHUNK {
                sink.write_at(buf_off, &buf).map_err(wr)?;
                self.bytes_done += buf.len() as u64;
                buf_off += buf.len() as u64;
                buf.clear();
            }
        }
        sink.write_at(buf_off, &buf).map_err(wr)?;
        self.bytes_done += buf.len() as u64;
        if !jobs.is_empty() {
            self.copy_parallel(&jobs, out, sink.fresh, sink.preallocated)?;
        }
        sink.finish(base + total).map_err(wr)?;
        self.region = self.layout.regions.len();
        self.report(None);
        debug_assert_eq!(self.bytes_done, total);
        Ok(total)
    }

    /// [`ImageResult::write_to`] when checksums are recorded: the stream is read in
    /// 256 KiB pieces and written where the output stands, while two threads hash each
    /// piece (one the session MD5, one the file MD5s; bounded queues). At the start of
    /// each checksum tag or of the array the threads are joined, so that the stream
    /// makes it from the MD5 of everything before it.
    fn write_sequential(&mut self, out: &mut File) -> Result<u64, ImageError> {
        use std::sync::mpsc::sync_channel;
        let bs = SECTOR_SIZE as u64;
        let total = self.layout.total_blocks * bs;
        let start = u64::from(self.layout.session_start_block);
        // Stream offsets where a checksum region starts.
        let marks: Vec<u64> = self
            .layout
            .regions
            .iter()
            .filter(|r| {
                matches!(
                    r.kind,
                    RegionKind::ChecksumTag { .. } | RegionKind::ChecksumArray
                )
            })
            .map(|r| (u64::from(r.lba) - start) * bs)
            .collect();
        let layout = self.layout.clone();
        let wr = |e| ImageError::Write { source: e };
        // Buffers the hash threads are done with are used again.
        let mut pool: Vec<Arc<Vec<u8>>> = Vec::new();
        let mut done = 0u64;
        while done < total {
            if marks.contains(&done) {
                // The first block of a tag or of the array, made and hashed here.
                let mut block = vec![0u8; SECTOR_SIZE];
                self.read_exact(&mut block).map_err(ImageError::from_io)?;
                out.write_all(&block).map_err(wr)?;
                done += bs;
                continue;
            }
            let seg_end = marks.iter().copied().find(|&m| m > done).unwrap_or(total);
            let Some(run) = self.md5.take() else {
                return Err(ImageError::Write {
                    source: io::Error::other("the MD5 checksums are not being computed"),
                });
            };
            let (mut s_run, mut f_run) = (run.clone(), run);
            let (stx, srx) = sync_channel::<(u64, Arc<Vec<u8>>)>(2);
            let (ftx, frx) = sync_channel::<(u64, Arc<Vec<u8>>)>(2);
            let layout = &layout;
            let (result, run) = std::thread::scope(|scope| {
                let sh = scope.spawn(move || {
                    for (off, b) in srx {
                        s_run.feed_part(layout, off, &b, true, false);
                    }
                    s_run
                });
                let fh = scope.spawn(move || {
                    for (off, b) in frx {
                        f_run.feed_part(layout, off, &b, false, true);
                    }
                    f_run
                });
                let result = (|| -> Result<(), ImageError> {
                    while done < seg_end {
                        let want = (HASHED_CHUNK as u64).min(seg_end - done) as usize;
                        let mut data = match pool.iter().position(|b| Arc::strong_count(b) == 1) {
                            Some(i) => pool.swap_remove(i),
                            None => Arc::new(vec![0u8; HASHED_CHUNK]),
                        };
                        let buf = Arc::get_mut(&mut data).expect("not shared");
                        buf.resize(want, 0);
                        let mut filled = 0;
                        while filled < want {
                            let n = self
                                .read_stream(&mut buf[filled..])
                                .map_err(ImageError::from_io)?;
                            if n == 0 {
                                break;
                            }
                            filled += n;
                        }
                        buf.truncate(filled);
                        if filled == 0 {
                            return Err(ImageError::Write {
                                source: io::Error::other("the image stream ended early"),
                            });
                        }
                        out.write_all(buf).map_err(wr)?;
                        let _ = stx.send((done, Arc::clone(&data)));
                        let _ = ftx.send((done, Arc::clone(&data)));
                        pool.push(data);
                        done += filled as u64;
                    }
                    Ok(())
                })();
                drop((stx, ftx));
                let s = sh.join().expect("session MD5 thread");
                let f = fh.join().expect("file MD5 thread");
                (result, crate::checksum::Md5Run::join(s, f))
            });
            self.md5 = Some(run);
            result?;
        }
        debug_assert_eq!(done, total);
        Ok(done)
    }

    /// Copies the file data jobs (index, output offset, blocks) with a few threads,
    /// reporting progress from this thread.
    fn copy_parallel(
        &mut self,
        jobs: &[(usize, u64, u64)],
        out: &File,
        fresh: bool,
        preallocated: bool,
    ) -> Result<(), ImageError> {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        /// Progress from a worker, batched so that small files do not cost a
        /// wake-up each: files finished and bytes moved since the last event.
        enum Event {
            Progress {
                current: Option<usize>,
                files: u64,
                bytes: u64,
            },
            Failed(ImageError),
        }
        /// Send at least this often (bytes moved or files finished).
        const BATCH_BYTES: u64 = 16 << 20;
        const BATCH_FILES: u64 = 256;
        // Twice the processors: a thread waiting for the output's inode lock or for a
        // source read leaves its processor to another.
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get() * 2)
            .clamp(2, COPY_THREADS);
        let runs = claim_runs(jobs);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (tx, rx) = std::sync::mpsc::channel::<Event>();
        let tree = self.tree.clone();
        let layout = &self.layout;
        let mut first_error = None;
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (next, stop, tree, runs) = (&next, &stop, &tree, &runs);
                scope.spawn(move || {
                    let mut sink = Sink {
                        f: out,
                        positional: true,
                        fresh,
                        preallocated,
                        pos: 0,
                    };
                    let mut buf = Vec::new();
                    let mut dirs = DirCache::default();
                    let (mut files, mut bytes) = (0u64, 0u64);
                    let (mut k, mut claimed) = (0, 0);
                    loop {
                        if k == claimed {
                            // Claim a run of neighbouring files: they are mostly in one
                            // directory, opened relative to it.
                            let Some(run) = runs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                                break;
                            };
                            (k, claimed) = (run.start, run.end);
                        }
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let group = small_group_len(&jobs[k..claimed]);
                        // (files, bytes moved, report now) of this step.
                        let step = if group > 0 {
                            // Neighbouring small files go out in one write.
                            let g = &jobs[k..k + group];
                            k += group;
                            copy_group(tree, layout, g, &mut sink, &mut buf, &mut dirs)
                                .map(|moved| (g.len() as u64, moved, false))
                        } else {
                            let (index, off, blocks) = jobs[k];
                            k += 1;
                            let big = blocks * BLOCK >= BATCH_BYTES;
                            if big {
                                let _ = tx.send(Event::Progress {
                                    current: Some(index),
                                    files: std::mem::take(&mut files),
                                    bytes: std::mem::take(&mut bytes),
                                });
                            }
                            let mut moved = 0u64;
                            let mut events = |n: u64| {
                                if big {
                                    let _ = tx.send(Event::Progress {
                                        current: Some(index),
                                        files: 0,
                                        bytes: n,
                                    });
                                } else {
                                    moved += n;
                                }
                            };
                            copy_job(
                                tree,
                                layout,
                                index,
                                off,
                                blocks,
                                &mut sink,
                                &mut buf,
                                Some(&mut dirs),
                                &mut events,
                            )
                            .map(|()| (1, moved, big))
                        };
                        match step {
                            Ok((n, moved, now)) => {
                                files += n;
                                bytes += moved;
                                if now || files >= BATCH_FILES || bytes >= BATCH_BYTES {
                                    let _ = tx.send(Event::Progress {
                                        current: None,
                                        files: std::mem::take(&mut files),
                                        bytes: std::mem::take(&mut bytes),
                                    });
                                }
                            }
                            Err(e) => {
                                stop.store(true, Ordering::Relaxed);
                                let _ = tx.send(Event::Failed(e));
                                break;
                            }
                        }
                    }
                    if files > 0 || bytes > 0 {
                        let _ = tx.send(Event::Progress {
                            current: None,
                            files,
                            bytes,
                        });
                    }
                });
            }
            drop(tx);
            let (state, callback, bytes_done) =
                (&mut self.state, &mut self.progress, &mut self.bytes_done);
            for ev in rx {
                match ev {
                    Event::Progress {
                        current,
                        files,
                        bytes,
                    } => {
                        *bytes_done += bytes;
                        state.files_done += files;
                        state.blocks_done = *bytes_done / SECTOR_SIZE as u64;
                        state.current_file = current.map(|i| layout.data_path(&tree, i));
                        if let Some(cb) = callback.as_mut() {
                            cb(state);
                        }
                    }
                    Event::Failed(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        });
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Most files, and bytes, a copy thread claims at a time in [`ImageResult::write_to`].
const CLAIM_FILES: usize = 32;
const CLAIM_BYTES: u64 = 8 << 20;

/// Splits the copy jobs (index, output offset, blocks) into runs of neighbours that a
/// thread claims at once: at most [`CLAIM_FILES`] files and, unless one file is larger
/// alone, [`CLAIM_BYTES`], so that large files spread over the threads.
fn claim_runs(jobs: &[(usize, u64, u64)]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (k, job) in jobs.iter().enumerate() {
        let b = job.2 * BLOCK;
        if k > start && (k - start == CLAIM_FILES || bytes + b > CLAIM_BYTES) {
            runs.push(start..k);
            (start, bytes) = (k, 0);
        }
        bytes += b;
    }
    if start < jobs.len() {
        runs.push(start..jobs.len());
    }
    runs
}
/// Files of at most this many bytes (with padding) are read into memory and written
/// with their neighbours in one `pwrite` of up to [`GROUP_BYTES`].
const SMALL_FILE: u64 = 128 << 10;
const GROUP_BYTES: u64 = 1 << 20;

/// The logical block size (ECMA-119 6.1.2) as a `u64` byte count.
const BLOCK: u64 = SECTOR_SIZE as u64;

/// How many of the first `jobs` form one group for [`copy_group`]: small files
/// ([`SMALL_FILE`]), each right after the previous one in the image, together at most
/// [`GROUP_BYTES`]. 0 when the first is not small.
fn small_group_len(jobs: &[(usize, u64, u64)]) -> usize {
    let mut size = 0;
    for (i, &(_, off, blocks)) in jobs.iter().enumerate() {
        let b = blocks * BLOCK;
        let adjacent = i == 0 || off == jobs[i - 1].1 + jobs[i - 1].2 * BLOCK;
        if b > SMALL_FILE || !adjacent || size + b > GROUP_BYTES {
            return i;
        }
        size += b;
    }
    jobs.len()
}

/// Reads neighbouring small files (contiguous in the image) into `buf` and writes
/// them, with their block padding, in one positional write; returns the bytes written.
fn copy_group(
    tree: &Tree,
    layout: &Layout,
    jobs: &[(usize, u64, u64)],
    sink: &mut Sink<'_>,
    buf: &mut Vec<u8>,
    dirs: &mut DirCache,
) -> Result<u64, ImageError> {
    let start = jobs[0].1;
    let total: u64 = jobs.iter().map(|j| j.2 * BLOCK).sum();
    buf.clear();
    buf.resize(total as usize, 0);
    for &(index, off, _) in jobs {
        let rel = (off - start) as usize;
        let mut of = open_source(tree, layout, index, Some(dirs)).map_err(|(e, _)| e)?;
        let size = of.size as usize;
        if let Some(b) = of.bytes.take() {
            buf[rel..rel + size].copy_from_slice(&b);
            continue;
        }
        let f = of.file.take().expect("host file");
        let mut done = 0;
        while done < size {
            match read_at_retry(&f, &mut buf[rel + done..rel + size], done as u64) {
                Ok(0) => {
                    return Err(ImageError::SourceChangedSize {
                        host_path: host_path(layout, tree, index).unwrap_or_default(),
                        expected: of.size,
                        actual: done as u64,
                    });
                }
                Ok(n) => done += n,
                Err(e) => return Err(source_read(layout, tree, index, e)),
            }
        }
        unchanged_after_copy(tree, layout, index, &f)?;
    }
    sink.write_at(start, buf)
        .map_err(|e| ImageError::Write { source: e })?;
    Ok(total)
}

/// Checks a host file whose bytes were all copied against its stamp (one `fstat`).
fn unchanged_after_copy(
    tree: &Tree,
    layout: &Layout,
    index: usize,
    f: &File,
) -> Result<(), ImageError> {
    match host_path(layout, tree, index) {
        Some(p) => crate::source_check::compare_open(tree, layout.data[index].node, &p, f),
        None => Ok(()),
    }
}

/// Threads copying file data in [`ImageResult::write_to`].
const COPY_THREADS: usize = 8;

/// Copies one file's data (and block padding) to `off`; reports moved bytes (data and
/// padding, about every 64 MiB and at the end) through `progress`.
#[allow(clippy::too_many_arguments)]
fn copy_job(
    tree: &Tree,
    layout: &Layout,
    index: usize,
    off: u64,
    blocks: u64,
    sink: &mut Sink<'_>,
    copy_buf: &mut Vec<u8>,
    dirs: Option<&mut DirCache>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), ImageError> {
    let wr = |e| ImageError::Write { source: e };
    let mut of = open_source(tree, layout, index, dirs).map_err(|(e, _)| e)?;
    let padded = blocks * SECTOR_SIZE as u64;
    if let Some(b) = of.bytes.take() {
        sink.write_at(off, &b).map_err(wr)?;
        sink.zeros(off + of.size, padded - of.size).map_err(wr)?;
        progress(padded);
        return Ok(());
    }
    let changed = |actual| ImageError::SourceChangedSize {
        host_path: host_path(layout, tree, index).unwrap_or_default(),
        expected: of.size,
        actual,
    };
    let f = of.file.take().expect("host file");
    let sparse = sink.positional && sink.fresh && of.allocated < of.size;
    let mut done = 0u64;
    let mut reported = 0u64;
    while done < of.size {
        if sparse {
            // Skip holes: the output there stays a hole (zeros).
            match rustix::fs::seek(&f, rustix::fs::SeekFrom::Data(done)) {
                Ok(d) if d > done => {
                    let d = d.min(of.size);
                    sink.punch(off + done, d - done);
                    done = d;
                    continue;
                }
                Err(rustix::io::Errno::NXIO) => {
                    sink.punch(off + done, of.size - done);
                    done = of.size;
                    continue;
                }
                _ => {}
            }
        }
        let mut want = (of.size - done).min(PROGRESS_CHUNK);
        if sparse && let Ok(h) = rustix::fs::seek(&f, rustix::fs::SeekFrom::Hole(done)) {
            want = want.min(h.saturating_sub(done)).max(1);
        }
        let n = sink
            .copy_from(&f, done, off + done, want, copy_buf)
            .map_err(|e| match e {
                CopyError::Read(e) => source_read(layout, tree, index, e),
                CopyError::Write(e) => wr(e),
            })?;
        done += n;
        if n < want {
            return Err(changed(done));
        }
        if done - reported >= PROGRESS_CHUNK {
            progress(done - reported);
            reported = done;
        }
    }
    unchanged_after_copy(tree, layout, index, &f)?;
    sink.zeros(off + of.size, padded - of.size).map_err(wr)?;
    progress(padded - reported);
    Ok(())
}

enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// The output of [`ImageResult::write_to`]: positional writes when possible.
struct Sink<'a> {
    f: &'a File,
    /// Writes at explicit offsets (`pwrite`, `copy_file_range` with an output offset);
    /// false for files opened with O_APPEND, which ignore offsets.
    positional: bool,
    /// Everything is written past the file's end, so skipped bytes read as zeros.
    fresh: bool,
    /// The image's range was preallocated (`fallocate`, unwritten extents): skipped
    /// bytes still read as zeros, but holes must be punched to stay holes.
    preallocated: bool,
    /// Next byte offset for sequential writes / highest offset written.
    pos: u64,
}

impl Sink<'_> {
    fn write_at(&mut self, off: u64, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if self.positional {
            std::os::unix::fs::FileExt::write_all_at(self.f, data, off)?;
        } else {
            debug_assert_eq!(off, self.pos);
            (&mut &*self.f).write_all(data)?;
        }
        self.pos = off + data.len() as u64;
        Ok(())
    }

    /// Gives `len` bytes at `off` of a preallocated output back as a hole (best
    /// effort: they read as zeros either way).
    fn punch(&self, off: u64, len: u64) {
        if self.preallocated && len > 0 {
            let _ = rustix::fs::fallocate(
                self.f,
                rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE,
                off,
                len,
            );
        }
    }

    fn zeros(&mut self, off: u64, len: u64) -> io::Result<()> {
        if len == 0 {
            return Ok(());
        }
        if self.positional && self.fresh {
            self.pos = off + len;
            return Ok(()); // a hole; `finish` extends the file over a trailing one
        }
        let z = vec![0u8; len as usize];
        self.write_at(off, &z)
    }

    /// Copies `len` bytes of `src` from `src_off` to `off`; returns the bytes copied
    /// (fewer at the source's end).
    fn copy_from(
        &mut self,
        src: &File,
        src_off: u64,
        off: u64,
        len: u64,
        buf: &mut Vec<u8>,
    ) -> Result<u64, CopyError> {
        let mut done = 0u64;
        let mut fallback = false;
        while done < len {
            let want = (len - done).min(1 << 30) as usize;
            if !fallback {
                let mut in_off = src_off + done;
                let mut out_off = off + done;
                let r = if self.positional {
                    rustix::fs::copy_file_range(
                        src,
                        Some(&mut in_off),
                        self.f,
                        Some(&mut out_off),
                        want,
                    )
                } else {
                    rustix::fs::copy_file_range(src, Some(&mut in_off), self.f, None, want)
                };
                match r {
                    Ok(0) => break,
                    Ok(n) => {
                        done += n as u64;
                        self.pos = off + done;
                        continue;
                    }
                    Err(e) if done == 0 && is_unsupported(e) => fallback = true,
                    Err(e) => {
                        // Tell a source failure from an output failure by reading.
                        let mut probe = [0u8; 1];
                        return match std::os::unix::fs::FileExt::read_at(
                            src,
                            &mut probe,
                            src_off + done,
                        ) {
                            Err(re) => Err(CopyError::Read(re)),
                            Ok(_) => Err(CopyError::Write(e.into())),
                        };
                    }
                }
            }
            if buf.is_empty() {
                buf.resize(READ_CHUNK, 0);
            }
            let n = want.min(buf.len());
            let got = read_at_retry(src, &mut buf[..n], src_off + done).map_err(CopyError::Read)?;
            if got == 0 {
                break;
            }
            self.write_at(off + done, &buf[..got])
                .map_err(CopyError::Write)?;
            done += got as u64;
        }
        Ok(done)
    }

    fn finish(&mut self, end: u64) -> io::Result<()> {
        if self.positional {
            if self.fresh && self.f.metadata()?.len() < end {
                // A trailing hole (padding of the last file) still counts.
                self.f.set_len(end)?;
            }
            (&mut &*self.f).seek(io::SeekFrom::Start(end))?;
        }
        Ok(())
    }
}

fn is_unsupported(e: rustix::io::Errno) -> bool {
    use rustix::io::Errno;
    [
        Errno::XDEV,
        Errno::INVAL,
        Errno::NOSYS,
        Errno::OPNOTSUPP,
        Errno::BADF,
        Errno::PERM,
        Errno::TXTBSY,
    ]
    .contains(&e)
}

/// The directory of the last host file opened by a copy thread: the next file of the
/// same directory is opened relative to it (`openat`), without walking its whole path.
#[derive(Default)]
struct DirCache {
    dir: Option<(std::path::PathBuf, rustix::fd::OwnedFd)>,
}

impl DirCache {
    fn open(&mut self, p: &std::path::Path) -> io::Result<File> {
        let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else {
            return File::open(p);
        };
        if self.dir.as_ref().is_none_or(|(d, _)| d != parent) {
            self.dir = None;
            let fd = rustix::fs::open(
                parent,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            self.dir = Some((parent.to_owned(), fd));
        }
        let (_, fd) = self.dir.as_ref().expect("just opened");
        let f = rustix::fs::openat(fd, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(File::from(f))
    }
}

/// Opens the data source of data extent `index` and checks a host file against its
/// stamp ([`crate::source_check::compare`]). On error, the file if it could be opened.
fn open_source(
    tree: &Tree,
    layout: &Layout,
    index: usize,
    dirs: Option<&mut DirCache>,
) -> Result<OpenFile, (ImageError, Option<File>)> {
    let ext = &layout.data[index];
    let node = tree.node(ext.node);
    let NodeKind::File { source, size } = &node.kind else {
        unreachable!("data extents are files")
    };
    if let Some(b) = crate::boot::emitted_bytes(tree, layout, ext.node).map_err(|e| (e, None))? {
        return Ok(OpenFile {
            index,
            allocated: *size,
            file: None,
            bytes: Some(b),
            offset: 0,
            size: *size,
        });
    }
    match source {
        FileSource::HostPath(p) => {
            let f = match dirs {
                Some(cache) => cache.open(p),
                None => File::open(p),
            }
            .map_err(|e| {
                let e = ImageError::SourceRead {
                    host_path: p.clone(),
                    source: e,
                };
                (e, None)
            })?;
            let md = match f.metadata() {
                Ok(md) => md,
                Err(e) => {
                    let e = ImageError::SourceRead {
                        host_path: p.clone(),
                        source: e,
                    };
                    return Err((e, None));
                }
            };
            if let Err(e) = crate::source_check::compare(tree, ext.node, p, &md) {
                return Err((e, Some(f)));
            }
            Ok(OpenFile {
                index,
                allocated: std::os::unix::fs::MetadataExt::blocks(&md) * 512,
                file: Some(f),
                bytes: None,
                offset: 0,
                size: *size,
            })
        }
        FileSource::Bytes(b) => Ok(OpenFile {
            index,
            allocated: *size,
            file: None,
            bytes: Some(b.clone()),
            offset: 0,
            size: *size,
        }),
        FileSource::Extent { .. } | FileSource::Extents(_) => {
            unreachable!("recorded extents are not written")
        }
    }
}

/// `pread` at `off`, retried when interrupted.
fn read_at_retry(f: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    loop {
        match std::os::unix::fs::FileExt::read_at(f, buf, off) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
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

impl Seek for ImageResult {
    /// Moves the read position (IStream::Seek on the result stream). The piece of the
    /// image at the new position is produced again: a directory is re-encoded, a file
    /// is opened and positioned. Seeking past the end is allowed (reads return 0);
    /// before the start is an `InvalidInput` error. [`ImageResult::write_to`] needs a
    /// result that was neither read nor moved.
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let total = self.layout.total_blocks * SECTOR_SIZE as u64;
        let target = match pos {
            io::SeekFrom::Start(n) => Some(n),
            io::SeekFrom::End(d) => total.checked_add_signed(d),
            io::SeekFrom::Current(d) => self.bytes_done.checked_add_signed(d),
        }
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the image",
            )
        })?;
        self.file = None;
        self.buf.clear();
        self.buf_pos = 0;
        self.ce.clear();
        self.failed = false;
        self.bytes_done = target;
        let start = u64::from(self.layout.session_start_block);
        let block = target / SECTOR_SIZE as u64;
        let idx = self
            .layout
            .regions
            .partition_point(|r| u64::from(r.lba) - start + r.blocks <= block);
        self.state.files_done = self.layout.regions[..idx]
            .iter()
            .filter(|r| matches!(r.kind, RegionKind::FileData { .. }))
            .count() as u64;
        let Some(region) = self.layout.regions.get(idx).copied() else {
            self.region = self.layout.regions.len();
            return Ok(target);
        };
        self.region = idx + 1;
        let within = target - (u64::from(region.lba) - start) * SECTOR_SIZE as u64;
        let res = match region.kind {
            RegionKind::FileData { index } => (|| {
                let mut of = self.open(index as usize)?;
                if within >= of.size {
                    let padded = region.blocks * SECTOR_SIZE as u64;
                    self.buf.resize((padded - within) as usize, 0);
                    self.state.files_done += 1;
                    return Ok(());
                }
                of.offset = within;
                if let Some(f) = of.file.as_mut()
                    && let Err(e) = f.seek(io::SeekFrom::Start(within))
                {
                    self.tolerate(
                        index as usize,
                        source_read(&self.layout, &self.tree, index as usize, e),
                    )?;
                    of.file = None;
                }
                self.file = Some(of);
                Ok(())
            })(),
            RegionKind::ChecksumTag { .. } | RegionKind::ChecksumArray if self.md5.is_some() => {
                if within == 0 {
                    // Made (again) when the stream reaches it.
                    self.region = idx;
                    Ok(())
                } else {
                    let pos = target - within;
                    let run = self.md5.as_mut().expect("checked");
                    run.make(&self.layout, idx, pos).map(|b| {
                        self.buf = b;
                        self.buf_pos = within as usize;
                    })
                }
            }
            RegionKind::ContinuationArea { index } => (|| {
                let mut scratch = Vec::new();
                let mut ce = Vec::new();
                let dir = RegionKind::Directory {
                    hierarchy: crate::layout::Hierarchy::Iso9660,
                    index,
                };
                self.layout
                    .metadata_bytes(&self.tree, dir, &mut scratch, &mut ce)?;
                self.buf = ce;
                self.buf_pos = within as usize;
                Ok(())
            })(),
            kind => (|| {
                let mut ce = Vec::new();
                self.layout
                    .metadata_bytes(&self.tree, kind, &mut self.buf, &mut ce)?;
                self.ce = ce;
                self.buf_pos = within as usize;
                Ok(())
            })(),
        };
        res.map_err(|e: ImageError| {
            self.failed = true;
            e.into_io()
        })?;
        Ok(target)
    }
}

impl Read for ImageResult {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let off = self.bytes_done;
        let n = self.read_stream(out)?;
        if let Some(run) = self.md5.as_mut() {
            run.feed(&self.layout, off, &out[..n]);
        }
        Ok(n)
    }
}

impl ImageResult {
    fn read_stream(&mut self, out: &mut [u8]) -> io::Result<usize> {
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
                // Blocks after the last region (a session laid out for BD-R
                // Pseudo-Overwrite ends with the cluster reserved for the head's
                // replacement) read as zeros.
                let total = self.layout.total_blocks * SECTOR_SIZE as u64;
                if self.bytes_done < total {
                    let n = out.len().min((total - self.bytes_done) as usize);
                    out[..n].fill(0);
                    self.bytes_done += n as u64;
                    return Ok(n);
                }
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

/// Blocks of the head that random-write media carry at LBA 0 (xorriso's emulated TOC,
/// peers.md §1.1): 32 blocks, 64 KiB.
pub const RANDOM_WRITE_HEAD_BLOCKS: u32 = 32;

impl ImageResult {
    /// The 64 KiB head for random-write media (image files, block devices, DVD+RW,
    /// BD-RE, DVD-RAM), to be written at LBA 0 after the session (peers.md §1.1): 16
    /// blocks of zeros (or the system area of the medium kept at import: a hybrid
    /// image's MBR/GPT stays), then a copy of this session's volume descriptors (primary,
    /// Joliet, terminator) whose Volume Space Size (ECMA-119 8.4.8) is raised to the end
    /// of this session, and with UDF its recognition sequence (BEA01, NSR, TEA01; the
    /// MD5 head tag is then not written), then zeros. Every reader that looks at LBA 16 then sees this
    /// session, and xorriso's emulated TOC chain from LBA 32 lists all sessions.
    ///
    /// # Errors
    /// [`ImageError::RandomWriteStart`] if the session starts below LBA 32 (it would
    /// overlap the head), [`ImageError::ImageTooLarge`], [`ImageError::Write`].
    pub fn random_write_head(&self) -> Result<Vec<u8>, ImageError> {
        let start = self.layout.session_start_block;
        if start < RANDOM_WRITE_HEAD_BLOCKS {
            return Err(ImageError::RandomWriteStart { start });
        }
        let bs = SECTOR_SIZE;
        let mut head = vec![0u8; RANDOM_WRITE_HEAD_BLOCKS as usize * bs];
        if let Some(sa) = &self.system_area {
            let n = sa.len().min(16 * bs);
            head[..n].copy_from_slice(&sa[..n]);
        }
        let mut fresh = ImageResult::new(Arc::clone(&self.tree), self.layout.clone());
        // Only the descriptors are copied; the session's tags are not made here.
        fresh.md5 = None;
        let mut tag_at = None;
        fresh
            .seek(io::SeekFrom::Start(16 * bs as u64))
            .map_err(|e| ImageError::Write { source: e })?;
        let end = self.layout.end_block();
        let end32 = u32::try_from(end).map_err(|_| ImageError::ImageTooLarge { blocks: end })?;
        for i in 16..RANDOM_WRITE_HEAD_BLOCKS as usize {
            let block = &mut head[i * bs..(i + 1) * bs];
            fresh
                .read_exact(block)
                .map_err(|e| ImageError::Write { source: e })?;
            let ty = block[0];
            if &block[1..6] != b"CD001" {
                // UDF: its recognition sequence follows the ECMA-119 descriptors (or
                // opens the session); readers then find the volume through the anchor
                // at the session's last block.
                let vsd = discburn_format::ecma167::volume_structure_identifier(block);
                if self.layout.udf.is_some() && vsd.is_some() {
                    if vsd == Some(discburn_format::ecma167::vsd_id::TEA01) {
                        break;
                    }
                    continue;
                }
                block.fill(0);
                break;
            }
            if ty == 1 || ty == 2 {
                block[80..84].copy_from_slice(&end32.to_le_bytes());
                block[84..88].copy_from_slice(&end32.to_be_bytes());
            }
            if ty == 255 {
                tag_at = Some(i as u32 + 1);
                if self.layout.udf.is_none() {
                    break;
                }
            }
        }
        if let (Some(pos), Some(_), None) = (tag_at, self.layout.md5.as_ref(), &self.layout.udf) {
            crate::checksum::put_head_tag(&mut head, pos, start);
        }
        Ok(head)
    }

    /// Block ranges a random-write append writes, inclusive, in write order
    /// (IFileSystemImageResult2::ModifiedBlocks, O-24): the session first, the head at
    /// LBA 0–31 last, so a crash before the head is written leaves the previous state.
    pub fn random_write_modified_blocks(&self) -> Vec<(u32, u32)> {
        let mut v = self.layout.modified_blocks();
        if self.random_write_anchor_wanted() {
            v.push((ANCHOR_LBA, ANCHOR_LBA));
        }
        v.push((0, RANDOM_WRITE_HEAD_BLOCKS - 1));
        v
    }

    fn random_write_anchor_wanted(&self) -> bool {
        self.udf_anchor_256
            && self.layout.udf.is_some()
            && self.layout.session_start_block > ANCHOR_LBA
    }

    /// With UDF on overwritable media, when the session starts after LBA 256 and LBA 256
    /// holds the imported volume's anchor: an Anchor Volume Descriptor Pointer at LBA 256
    /// naming this session's volume descriptor sequences, written after the session and
    /// before the head. Readers take the volume from LBA 256 first (ECMA-167 3/8.4.2.1;
    /// Linux `udf_scan_anchors`), so without it they would keep showing the old volume.
    ///
    /// # Errors
    /// [`ImageError`] of the descriptor's encoding.
    pub fn random_write_anchor(&self) -> Result<Option<Vec<u8>>, ImageError> {
        if !self.random_write_anchor_wanted() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(SECTOR_SIZE);
        self.layout.udf_bytes(
            &self.tree,
            crate::udf::UdfRegion::Anchor {
                end: false,
                absolute: true,
            },
            &mut out,
        )?;
        Ok(Some(out))
    }

    /// Writes the session into a random-access output (an image file or a block device)
    /// at its start block, flushes it, then writes the head at LBA 0 and flushes again
    /// (see [`ImageResult::random_write_head`]). Returns the bytes written.
    ///
    /// # Errors
    /// As [`ImageResult::write_to`], and [`ImageError::RandomWriteStart`].
    pub fn write_random_access(&mut self, out: &mut File) -> Result<u64, ImageError> {
        let head = self.random_write_head()?;
        let wr = |e| ImageError::Write { source: e };
        let start = u64::from(self.layout.session_start_block) * SECTOR_SIZE as u64;
        out.seek(io::SeekFrom::Start(start)).map_err(wr)?;
        let n = self.write_to(out)?;
        out.sync_data().map_err(wr)?;
        let mut extra = 0;
        if let Some(a) = self.random_write_anchor()? {
            out.seek(io::SeekFrom::Start(
                u64::from(ANCHOR_LBA) * SECTOR_SIZE as u64,
            ))
            .map_err(wr)?;
            out.write_all(&a).map_err(wr)?;
            out.sync_data().map_err(wr)?;
            extra = a.len() as u64;
        }
        out.seek(io::SeekFrom::Start(0)).map_err(wr)?;
        out.write_all(&head).map_err(wr)?;
        out.sync_data().map_err(wr)?;
        Ok(n + extra + head.len() as u64)
    }
}

/// The first UDF anchor location (ECMA-167 3/8.4.2.1).
const ANCHOR_LBA: u32 = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_runs_cover_every_job_in_bounded_runs() {
        let mb = (1 << 20) / SECTOR_SIZE as u64;
        // 100 small files, a 20 MiB file, 40 files of 1 MiB, one small file.
        let mut blocks = vec![1u64; 100];
        blocks.push(20 * mb);
        blocks.extend(std::iter::repeat_n(mb, 40));
        blocks.push(1);
        let jobs: Vec<(usize, u64, u64)> =
            blocks.iter().enumerate().map(|(i, &b)| (i, 0, b)).collect();
        let runs = claim_runs(&jobs);
        let mut next = 0;
        for r in &runs {
            assert_eq!(r.start, next, "{runs:?}");
            assert!(!r.is_empty() && r.len() <= CLAIM_FILES, "{runs:?}");
            let bytes: u64 = jobs[r.clone()]
                .iter()
                .map(|j| j.2 * SECTOR_SIZE as u64)
                .sum();
            assert!(r.len() == 1 || bytes <= CLAIM_BYTES, "{r:?}: {bytes}");
            next = r.end;
        }
        assert_eq!(next, jobs.len());
        assert!(runs.contains(&(100..101)), "the large file alone: {runs:?}");
        assert!(claim_runs(&[]).is_empty());
    }
}
