//! Verifying a session against the MD5 checksums recorded in it (libisofs doc/
//! checksums.txt: superblock, tree and session tags, the checksum array named by the
//! root's `isofs.ca`, each file's `isofs.cx`), what IMAPI2's IBurnVerification levels
//! ask after a write. Reads go through the same [`Disc`] entry point as every other
//! operation, in large sequential pieces; the session MD5 and the file MD5s are computed
//! on two threads while the next piece is read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use discburn_format::md5sum::{ChecksumTag, TagKind};
use discburn_image::SectorSource;
use discburn_reader::{NodeKind, Tree};
use md5::{Digest, Md5};

use crate::{Disc, Error};

/// Sectors per read: 256 KiB, a few READ(10) transfers on a drive, one `pread` on a file.
/// Small enough that the pieces in flight stay in the processor's cache between the copy
/// out of the page cache and the MD5 (with 2 MiB pieces a quarter of the time went to
/// that copy; now a verify costs the CPU time `md5sum` takes).
const CHUNK_SECTORS: u64 = 128;
const BS: u64 = discburn_format::SECTOR_SIZE as u64;

/// IMAPI_BURN_VERIFICATION_LEVEL (IBurnVerification::put_BurnVerificationLevel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BurnVerificationLevel {
    /// IMAPI_BURN_VERIFICATION_NONE: no verification.
    None,
    /// IMAPI_BURN_VERIFICATION_QUICK: the volume descriptors and the directory tree
    /// against the superblock and tree tags, and the checksum array's own MD5.
    Quick,
    /// IMAPI_BURN_VERIFICATION_FULL: every block of the session against the session tag
    /// and entry 0 of the array, and every file against its recorded MD5.
    #[default]
    Full,
}

/// A file whose data does not match its recorded MD5, or could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// Path in the session (Rock Ridge names when present).
    pub path: String,
    /// Its extents: (first LBA, number of 2048-byte blocks).
    pub extents: Vec<(u64, u64)>,
    /// True: unreadable blocks; false: an MD5 mismatch.
    pub unreadable: bool,
}

/// The outcome of one checksum tag or of the array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCheck {
    /// What was checked: "superblock tag", "tree tag", "session tag", "session MD5
    /// (array entry 0)", "checksum array".
    pub what: &'static str,
    /// First block covered, absolute LBA.
    pub range_start: u64,
    /// Blocks covered.
    pub range_blocks: u64,
    /// Whether the recorded MD5 matches what was read.
    pub ok: bool,
}

/// What [`Disc::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Session number (1-based).
    pub session: u32,
    /// Its first LBA.
    pub start_lba: u64,
    /// Blocks read.
    pub blocks_read: u64,
    /// The session carries libisofs checksums (tags or an array).
    pub has_checksums: bool,
    /// Tags and array checks, in LBA order.
    pub tags: Vec<TagCheck>,
    /// Files compared with their MD5.
    pub files_checked: u64,
    /// Files with data but no recorded MD5 (only read).
    pub files_without_md5: u64,
    /// Mismatching or unreadable files.
    pub files: Vec<FileProblem>,
    /// Unreadable block runs: (first LBA, count).
    pub unreadable: Vec<(u64, u64)>,
}

impl VerifyReport {
    /// True when nothing mismatched and everything could be read.
    pub fn passed(&self) -> bool {
        self.files.is_empty() && self.unreadable.is_empty() && self.tags.iter().all(|t| t.ok)
    }
}

/// Progress of a verification or a dump: blocks done of blocks to do.
pub type BlockProgress<'a> = &'a mut dyn FnMut(u64, u64);

fn md5_of(b: &[u8]) -> [u8; 16] {
    Md5::digest(b).into()
}

/// The session MD5 at each checkpoint (absolute LBAs, ascending), from blocks taken in
/// order.
struct SessionMd5 {
    ctx: Md5,
    points: Vec<u64>,
    next: usize,
    out: Vec<[u8; 16]>,
}

impl SessionMd5 {
    fn new(points: Vec<u64>) -> SessionMd5 {
        SessionMd5 {
            ctx: Md5::new(),
            points,
            next: 0,
            out: Vec::new(),
        }
    }

    /// Takes the blocks `data` read at `lba`.
    fn take(&mut self, lba: u64, data: &[u8]) {
        let blocks = data.len() as u64 / BS;
        let mut from = 0u64;
        while let Some(&point) = self.points.get(self.next)
            && point < lba + blocks
        {
            let at = point - lba;
            self.ctx
                .update(&data[(from * BS) as usize..(at * BS) as usize]);
            from = at;
            self.out.push(self.ctx.clone().finalize().into());
            self.next += 1;
        }
        self.ctx.update(&data[(from * BS) as usize..]);
    }
}

/// One piece of a file's data: `len` bytes at `lba`, for file `file` (index into the
/// verified files).
#[derive(Debug, Clone, Copy)]
struct Segment {
    lba: u64,
    len: u64,
    file: usize,
}

struct FileEntry {
    path: String,
    extents: Vec<(u64, u64)>,
    index: u32,
    segments: usize,
}

/// Reads `count` blocks at `lba` into `buf`; on failure, block by block, recording the
/// unreadable ones (their bytes zero). Returns whether all were read.
fn read_run(
    src: &mut dyn SectorSource,
    lba: u64,
    buf: &mut [u8],
    unreadable: &mut Vec<(u64, u64)>,
) -> bool {
    if src.read_sectors(lba, buf).is_ok() {
        return true;
    }
    let mut all = true;
    for (i, block) in buf.chunks_mut(BS as usize).enumerate() {
        let l = lba + i as u64;
        if src.read_sectors(l, block).is_err() {
            block.fill(0);
            all = false;
            match unreadable.last_mut() {
                Some((s, n)) if *s + *n == l => *n += 1,
                _ => unreadable.push((l, 1)),
            }
        }
    }
    all
}

impl Disc {
    /// Verifies session `number` (default: the last) at `level`
    /// ([`BurnVerificationLevel`]) against the libisofs MD5 checksums it carries
    /// (libisofs doc/checksums.txt). Without checksums every block of the session is
    /// read and unreadable blocks are reported. `progress` gets (blocks done, blocks to
    /// read).
    ///
    /// A tag or array is trusted only where it says it is (`pos=`) and within the
    /// media; the array's size is bounded by the media size.
    ///
    /// # Errors
    /// Those of [`Disc::open_tree`]; a mismatch is not an error but a report
    /// ([`VerifyReport::passed`] false).
    pub fn verify(
        self,
        number: Option<u32>,
        level: BurnVerificationLevel,
        progress: BlockProgress<'_>,
    ) -> Result<VerifyReport, Error> {
        let sessions = self.sessions()?;
        let info = match number {
            Some(n) => sessions.iter().find(|s| s.number == n),
            None => sessions.last(),
        }
        .cloned();
        let (mut src, tree) = self.open_tree(number)?;
        let info = info.expect("open_tree found it");
        let start = tree.session_start();
        let total = src.total_sectors();
        let mut report = VerifyReport {
            session: info.number,
            start_lba: start,
            ..VerifyReport::default()
        };
        if level == BurnVerificationLevel::None {
            return Ok(report);
        }
        // The tags: the superblock tag in blocks 16..32 of the session, then `next=`.
        let mut tags: Vec<ChecksumTag> = Vec::new();
        let mut block = vec![0u8; BS as usize];
        let tag_at = |src: &mut dyn SectorSource, lba: u64, block: &mut [u8]| {
            if lba >= total || src.read_sectors(lba, block).is_err() {
                return None;
            }
            ChecksumTag::decode(block, md5_of)
                .ok()
                .flatten()
                .filter(|t| u64::from(t.pos) == lba && u64::from(t.range_start) == start)
        };
        for lba in start + 16..(start + 32).min(total) {
            if let Some(t) = tag_at(&mut *src, lba, &mut block)
                && t.kind == TagKind::Superblock
            {
                tags.push(t);
                break;
            }
        }
        while let Some(next) = tags.last().and_then(|t| t.next) {
            if tags.len() >= 3 || u64::from(next) <= u64::from(tags.last().expect("some").pos) {
                break;
            }
            match tag_at(&mut *src, u64::from(next), &mut block) {
                Some(t) => tags.push(t),
                None => break,
            }
        }
        let area = tree
            .root()
            .rock_ridge()
            .and_then(|r| r.md5_area)
            .filter(|a| {
                u64::from(a.start_lba) == start
                    && u64::from(a.end_lba) > start
                    && u64::from(a.end_lba) + (u64::from(a.count) * 16).div_ceil(BS) <= total
            });
        // The array: entry 0 the session, 1..=N files, N+1 the MD5 of those before.
        let mut array: Option<Vec<[u8; 16]>> = None;
        if let Some(a) = area {
            let blocks = (u64::from(a.count) * 16).div_ceil(BS);
            let mut buf = vec![0u8; (blocks * BS) as usize];
            if read_run(
                &mut *src,
                u64::from(a.end_lba),
                &mut buf,
                &mut report.unreadable,
            ) {
                let n = a.count as usize;
                let entries: Vec<[u8; 16]> = buf[..n * 16]
                    .chunks(16)
                    .map(|c| c.try_into().expect("16"))
                    .collect();
                let ok = md5_of(&buf[..(n - 1) * 16]) == entries[n - 1];
                report.tags.push(TagCheck {
                    what: "checksum array",
                    range_start: u64::from(a.end_lba),
                    range_blocks: blocks,
                    ok,
                });
                if ok {
                    array = Some(entries);
                }
            }
        }
        report.has_checksums = !tags.is_empty() || area.is_some();

        // What to read: Quick up to the tree tag; Full (or no tree tag) the session.
        let session_end = tags
            .iter()
            .find(|t| t.kind == TagKind::Session)
            .map(|t| u64::from(t.pos) + 1)
            .unwrap_or(start + info.blocks)
            .max(start + info.blocks)
            .min(total);
        let quick_end = tags
            .iter()
            .find(|t| t.kind == TagKind::Tree)
            .map(|t| u64::from(t.pos) + 1);
        let end = match (level, quick_end) {
            (BurnVerificationLevel::Quick, Some(e)) => e,
            _ => session_end,
        };
        // Checkpoints of the session MD5: each tag's position, the array start.
        let mut checkpoints: Vec<(u64, &'static str, [u8; 16])> = tags
            .iter()
            .filter(|t| u64::from(t.pos) < end)
            .map(|t| {
                let what = match t.kind {
                    TagKind::Superblock => "superblock tag",
                    TagKind::Tree => "tree tag",
                    _ => "session tag",
                };
                (u64::from(t.pos), what, t.md5)
            })
            .collect();
        if let (Some(a), Some(arr)) = (area, &array)
            && u64::from(a.end_lba) < end
        {
            checkpoints.push((u64::from(a.end_lba), "session MD5 (array entry 0)", arr[0]));
        }
        checkpoints.sort_by_key(|c| c.0);

        // Files: with an MD5 index (Full only), or all files without checksums (read).
        let full = level == BurnVerificationLevel::Full;
        let mut files: Vec<FileEntry> = Vec::new();
        let mut segments: Vec<Segment> = Vec::new();
        let mut seen: HashMap<(u64, u32), ()> = HashMap::new();
        if full {
            for (path, node) in tree.walk() {
                if node.kind() != NodeKind::File || node.size() == 0 {
                    continue;
                }
                let index = node.rock_ridge().and_then(|r| r.md5_index);
                let Some(index) = index.filter(|&i| {
                    array
                        .as_ref()
                        .is_some_and(|a| i >= 1 && (i as usize) < a.len() - 1)
                }) else {
                    report.files_without_md5 += 1;
                    continue;
                };
                let first = node.extents().first().map_or(0, |e| u64::from(e.lba));
                if seen.insert((first, index), ()).is_some() {
                    continue;
                }
                let extents: Vec<(u64, u64)> = node
                    .extents()
                    .iter()
                    .map(|e| (u64::from(e.lba), u64::from(e.length).div_ceil(BS)))
                    .collect();
                let f = files.len();
                for e in node.extents() {
                    if e.length > 0 {
                        segments.push(Segment {
                            lba: u64::from(e.lba),
                            len: u64::from(e.length),
                            file: f,
                        });
                    }
                }
                files.push(FileEntry {
                    path,
                    extents,
                    index,
                    segments: node.extents().iter().filter(|e| e.length > 0).count(),
                });
            }
        }
        // Segments inside the range read in the sequential pass; the rest (files kept
        // from earlier sessions) are read one by one afterwards.
        let (inside, outside): (Vec<Segment>, Vec<Segment>) = segments
            .into_iter()
            .partition(|s| s.lba >= start && s.lba + s.len.div_ceil(BS) <= end);
        let mut inside = inside;
        inside.sort_by_key(|s| (s.lba, s.file));
        let outside_blocks: u64 = outside.iter().map(|s| s.len.div_ceil(BS)).sum();
        let to_read = end - start + outside_blocks;

        // Sequential pass: this thread reads, one thread hashes the session, one the files.
        // When the session's own MD5s cover every block read, the files inside it are
        // not hashed again unless a session MD5 mismatches (then a second pass names
        // the files): a passing verify hashes each byte once.
        let covered_by_session = checkpoints
            .last()
            .is_some_and(|c| c.0 + 1 >= end && c.1 == "session tag");
        let mut hash_inside = !covered_by_session;
        let mut file_sums: Vec<Option<[u8; 16]>>;
        let mut session_sums: Vec<[u8; 16]>;
        loop {
            report.unreadable.clear();
            let inside: &[Segment] = if hash_inside { &inside } else { &[] };
            let (stx, srx) = sync_channel::<(u64, Arc<Vec<u8>>)>(4);
            let (ftx, frx) = sync_channel::<(u64, Arc<Vec<u8>>)>(4);
            let points: Vec<u64> = checkpoints.iter().map(|c| c.0).collect();
            let nfiles = files.len();
            let seg_counts: Vec<usize> = files.iter().map(|f| f.segments).collect();
            let inside_count = inside.len();
            let inside_ref = &inside;
            let result = std::thread::scope(|scope| {
                // With no file to hash, this thread hashes the session as it reads (as
                // md5sum does: no hand-over between threads).
                let inline = inside_count == 0;
                let mut here = SessionMd5::new(points.clone());
                let session = scope.spawn(move || {
                    let mut run = SessionMd5::new(points);
                    for (lba, data) in srx {
                        run.take(lba, &data);
                    }
                    run.out
                });
                let filer = scope.spawn(move || {
                    let mut ctx: Vec<Option<Md5>> = vec![None; nfiles];
                    let mut left = seg_counts;
                    let mut sums: Vec<Option<[u8; 16]>> = vec![None; nfiles];
                    let mut next = 0usize;
                    let mut active: Vec<Segment> = Vec::new();
                    for (lba, data) in frx {
                        let chunk_end = lba + data.len() as u64 / BS;
                        while next < inside_ref.len() && inside_ref[next].lba < chunk_end {
                            active.push(inside_ref[next]);
                            next += 1;
                        }
                        active.retain(|s| {
                            let s_start = s.lba * BS;
                            let s_end = s_start + s.len;
                            let c_start = lba * BS;
                            let c_end = chunk_end * BS;
                            let a = s_start.max(c_start);
                            let b = s_end.min(c_end);
                            if a < b {
                                ctx[s.file]
                                    .get_or_insert_with(Md5::new)
                                    .update(&data[(a - c_start) as usize..(b - c_start) as usize]);
                            }
                            if s_end <= c_end {
                                left[s.file] -= 1;
                                if left[s.file] == 0
                                    && let Some(c) = ctx[s.file].take()
                                {
                                    sums[s.file] = Some(c.finalize().into());
                                }
                                false
                            } else {
                                true
                            }
                        });
                    }
                    (sums, ctx, left)
                });
                let mut lba = start;
                let mut done = 0;
                // Buffers both hash threads are done with are read into again (no
                // allocation and zeroing per piece).
                let mut pool: Vec<Arc<Vec<u8>>> = Vec::new();
                while lba < end {
                    let n = CHUNK_SECTORS.min(end - lba);
                    let mut data = match pool.iter().position(|b| Arc::strong_count(b) == 1) {
                        Some(i) => pool.swap_remove(i),
                        None => Arc::new(Vec::new()),
                    };
                    let buf = Arc::get_mut(&mut data).expect("not shared");
                    buf.resize((n * BS) as usize, 0);
                    read_run(&mut *src, lba, buf, &mut report.unreadable);
                    if inline {
                        here.take(lba, &data);
                    } else {
                        let _ = ftx.send((lba, Arc::clone(&data)));
                        let _ = stx.send((lba, Arc::clone(&data)));
                    }
                    pool.push(data);
                    lba += n;
                    done += n;
                    progress(done, to_read);
                }
                drop(stx);
                drop(ftx);
                let s = session.join().expect("session MD5 thread");
                let s = if inline { here.out } else { s };
                let f = filer.join().expect("file MD5 thread");
                (s, f, done)
            });
            let (s, (mut sums, mut ctx, mut left), mut done) = result;
            session_sums = s;
            report.blocks_read = done;
            // Files kept from earlier sessions: read where they are.
            let mut outside = outside.clone();
            outside.sort_by_key(|s| (s.file, s.lba));
            for seg in &outside {
                let blocks = seg.len.div_ceil(BS);
                let mut lba = seg.lba;
                let mut remaining = seg.len;
                while remaining > 0 {
                    let n = CHUNK_SECTORS.min((seg.lba + blocks) - lba);
                    let mut buf = vec![0u8; (n * BS) as usize];
                    if lba + n <= total {
                        read_run(&mut *src, lba, &mut buf, &mut report.unreadable);
                    } else {
                        match report.unreadable.last_mut() {
                            Some((s, c)) if *s + *c == lba => *c += n,
                            _ => report.unreadable.push((lba, n)),
                        }
                    }
                    let take = remaining.min(n * BS);
                    ctx[seg.file]
                        .get_or_insert_with(Md5::new)
                        .update(&buf[..take as usize]);
                    remaining -= take;
                    lba += n;
                    done += n;
                    progress(done, to_read);
                }
                left[seg.file] -= 1;
                if left[seg.file] == 0
                    && let Some(c) = ctx[seg.file].take()
                {
                    sums[seg.file] = Some(c.finalize().into());
                }
            }
            report.blocks_read = done;
            file_sums = sums;
            let session_ok = checkpoints
                .iter()
                .zip(&session_sums)
                .all(|(c, got)| c.2 == *got);
            if !hash_inside && (!session_ok || !report.unreadable.is_empty()) {
                hash_inside = true;
                continue;
            }
            if !hash_inside {
                // Every block of the session matched: so do the files inside it.
                for (i, f) in files.iter().enumerate() {
                    if file_sums[i].is_none()
                        && let Some(arr) = &array
                    {
                        file_sums[i] = Some(arr[f.index as usize]);
                    }
                }
            }
            break;
        }
        for ((lba, what, want), got) in checkpoints.iter().zip(&session_sums) {
            report.tags.push(TagCheck {
                what,
                range_start: start,
                range_blocks: lba - start,
                ok: want == got,
            });
        }
        report
            .tags
            .sort_by_key(|t| (t.range_start + t.range_blocks, t.what));
        let unreadable = report.unreadable.clone();
        let hits = |f: &FileEntry| {
            f.extents.iter().any(|&(l, n)| {
                unreadable
                    .iter()
                    .any(|&(ul, un)| ul < l + n.max(1) && l < ul + un)
            })
        };
        if let Some(arr) = &array {
            for (i, f) in files.iter().enumerate() {
                report.files_checked += 1;
                let bad_read = hits(f);
                let ok = file_sums[i].is_some_and(|s| s == arr[f.index as usize]);
                if bad_read || !ok {
                    report.files.push(FileProblem {
                        path: f.path.clone(),
                        extents: f.extents.clone(),
                        unreadable: bad_read,
                    });
                }
            }
        }
        Ok(report)
    }
}

/// Files of `tree` whose extents hold one of the `blocks` runs (first LBA, count):
/// their paths, for naming what an unreadable block belongs to.
pub fn files_at(tree: &Tree, blocks: &[(u64, u64)]) -> Vec<String> {
    tree.walk()
        .into_iter()
        .filter(|(_, n)| {
            n.extents().iter().any(|e| {
                let (l, c) = (u64::from(e.lba), u64::from(e.length).div_ceil(BS).max(1));
                blocks.iter().any(|&(bl, bn)| bl < l + c && l < bl + bn)
            })
        })
        .map(|(p, _)| p)
        .collect()
}
