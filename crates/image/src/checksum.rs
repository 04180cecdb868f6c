//! MD5 of the session as it is streamed, for the libisofs checksum tags and array
//! (libisofs doc/checksums.txt). Every byte the result stream hands out passes through
//! [`Md5Run::feed`] in order; a tag or the array is made when the stream reaches it,
//! from the MD5 of everything before it.

use std::collections::HashMap;

use discburn_format::SECTOR_SIZE;
use discburn_format::md5sum::{ChecksumTag, TagKind};
use md5::{Digest, Md5};

use crate::ImageError;
use crate::layout::{Layout, Md5Item, RegionKind};

/// MD5 of `bytes`.
pub(crate) fn md5_of(bytes: &[u8]) -> [u8; 16] {
    Md5::digest(bytes).into()
}

/// Running checksums of one result stream.
#[derive(Clone)]
pub(crate) struct Md5Run {
    session: Md5,
    /// Stream bytes hashed so far (from the session start).
    hashed: u64,
    /// A piece was skipped (the stream was moved forward): no tag can be made.
    broken: bool,
    /// Region the next hashed byte falls in.
    cursor: usize,
    file: Md5,
    /// Per data extent: its MD5 once all its bytes went through.
    sums: Vec<Option<[u8; 16]>>,
    /// Bytes of tags and the array already made, by region index (a stream moved back
    /// gives the same bytes again).
    made: HashMap<usize, Vec<u8>>,
}

impl Md5Run {
    pub(crate) fn new(layout: &Layout) -> Option<Md5Run> {
        layout.md5.as_ref()?;
        Some(Md5Run {
            session: Md5::new(),
            hashed: 0,
            broken: false,
            cursor: 0,
            file: Md5::new(),
            sums: vec![None; layout.data.len()],
            made: HashMap::new(),
        })
    }

    /// Takes the stream bytes `bytes` found at stream offset `off`.
    pub(crate) fn feed(&mut self, layout: &Layout, off: u64, bytes: &[u8]) {
        self.feed_part(layout, off, bytes, true, true);
    }

    /// [`Md5Run::feed`] for the session MD5 only (`session`) and/or the file MD5s only
    /// (`files`): two copies of a run, each fed one part of the same bytes (on two
    /// threads), are put together again by [`Md5Run::join`].
    pub(crate) fn feed_part(
        &mut self,
        layout: &Layout,
        off: u64,
        bytes: &[u8],
        session: bool,
        files: bool,
    ) {
        let end = off + bytes.len() as u64;
        if off > self.hashed {
            self.broken = true;
            return;
        }
        if end <= self.hashed || self.broken {
            return;
        }
        let new = &bytes[(self.hashed - off) as usize..];
        if session {
            self.session.update(new);
        }
        if !files {
            self.hashed = end;
            return;
        }
        let start = u64::from(layout.session_start_block);
        let bs = SECTOR_SIZE as u64;
        let mut pos = self.hashed;
        while pos < end {
            let Some(r) = layout.regions.get(self.cursor) else {
                break;
            };
            let r_start = (u64::from(r.lba) - start) * bs;
            let r_end = r_start + r.blocks * bs;
            if pos >= r_end {
                self.cursor += 1;
                continue;
            }
            let upto = end.min(r_end);
            if let RegionKind::FileData { index } = r.kind {
                let content_end = r_start + layout.data[index as usize].size;
                if pos == r_start {
                    self.file = Md5::new();
                }
                if pos < content_end {
                    let to = upto.min(content_end);
                    let a = (pos - self.hashed) as usize;
                    let b = (to - self.hashed) as usize;
                    self.file.update(&new[a..b]);
                    if to == content_end {
                        let sum: [u8; 16] = std::mem::take(&mut self.file).finalize().into();
                        self.sums[index as usize] = Some(sum);
                    }
                }
            }
            pos = upto;
            if pos == r_end {
                self.cursor += 1;
            }
        }
        self.hashed = end;
    }

    /// The run of `files` (fed the file part) with the session MD5 of `session` (fed
    /// the session part of the same bytes).
    pub(crate) fn join(session: Md5Run, files: Md5Run) -> Md5Run {
        Md5Run {
            session: session.session,
            broken: session.broken || files.broken || session.hashed != files.hashed,
            ..files
        }
    }

    /// The bytes of checksum region `region` (index into the layout's regions) when the
    /// stream is at `stream_pos`, its first byte.
    pub(crate) fn make(
        &mut self,
        layout: &Layout,
        region: usize,
        stream_pos: u64,
    ) -> Result<Vec<u8>, ImageError> {
        if let Some(b) = self.made.get(&region) {
            return Ok(b.clone());
        }
        let missing = || ImageError::Write {
            source: std::io::Error::other(
                "the MD5 checksums need the session stream read from its start, in order",
            ),
        };
        if self.broken || self.hashed != stream_pos {
            return Err(missing());
        }
        let plan = layout.md5.as_ref().expect("checksum regions imply a plan");
        let r = layout.regions[region];
        let so_far: [u8; 16] = self.session.clone().finalize().into();
        let start = layout.session_start_block;
        let tag = |kind: TagKind, next: Option<u32>| {
            ChecksumTag {
                kind,
                pos: r.lba,
                range_start: start,
                range_size: r.lba - start,
                next,
                session_start: None,
                md5: so_far,
            }
            .encode(md5_of)
            .to_vec()
        };
        let bytes = match r.kind {
            RegionKind::ChecksumTag {
                kind: TagKind::Superblock,
            } => tag(TagKind::Superblock, Some(plan.tree_tag)),
            RegionKind::ChecksumTag {
                kind: TagKind::Tree,
            } => tag(TagKind::Tree, Some(plan.session_tag)),
            RegionKind::ChecksumTag { kind } => tag(kind, None),
            RegionKind::ChecksumArray => {
                let mut a = Vec::with_capacity(r.blocks as usize * SECTOR_SIZE);
                a.extend_from_slice(&so_far);
                for item in &plan.items {
                    let sum = match *item {
                        Md5Item::Empty => md5_of(&[]),
                        Md5Item::Kept(sum) => sum,
                        Md5Item::Data(i) => self.sums[i as usize].ok_or_else(missing)?,
                    };
                    a.extend_from_slice(&sum);
                }
                let all = md5_of(&a);
                a.extend_from_slice(&all);
                a.resize(r.blocks as usize * SECTOR_SIZE, 0);
                a
            }
            _ => unreachable!("not a checksum region"),
        };
        self.made.insert(region, bytes.clone());
        Ok(bytes)
    }
}

/// The relocated superblock tag the random-write head carries after its copied
/// descriptors (libisofs: `libisofs_rlsb32_checksum_tag_v1`), written into `head` at
/// block `pos`: the MD5 of the head's blocks 0 to `pos` − 1, and where the session
/// starts.
pub(crate) fn put_head_tag(head: &mut [u8], pos: u32, session_start: u32) {
    let bs = SECTOR_SIZE;
    let p = pos as usize;
    if head.len() < (p + 1) * bs {
        return;
    }
    let tag = ChecksumTag {
        kind: TagKind::RelocatedSuperblock,
        pos,
        range_start: 0,
        range_size: pos,
        next: None,
        session_start: Some(session_start),
        md5: md5_of(&head[..p * bs]),
    }
    .encode(md5_of);
    head[p * bs..(p + 1) * bs].copy_from_slice(&tag);
}

/// Largest checksum array read on import: 4 Mi entries (64 MiB).
const MAX_ARRAY_ENTRIES: u32 = 1 << 22;

/// The checksum array of an imported session (libisofs doc/checksums.txt, "The
/// Checksum Array"), as the root's `isofs.ca` places it: `count` entries of 16 bytes
/// from `area.end_lba`. `None` when the area does not start at `session_start`, lies
/// (partly) past the media's `total_sectors`, has fewer than 2 or more than
/// [`MAX_ARRAY_ENTRIES`] entries, cannot be read, or its last entry is not the MD5 of
/// the others (a damaged array carries nothing over).
pub(crate) fn read_array(
    src: &mut (impl discburn_reader::SectorSource + ?Sized),
    area: &discburn_reader::Md5Area,
    session_start: u64,
) -> Option<Vec<[u8; 16]>> {
    let n = area.count;
    if u64::from(area.start_lba) != session_start
        || area.end_lba <= area.start_lba
        || !(2..=MAX_ARRAY_ENTRIES).contains(&n)
    {
        return None;
    }
    let blocks = (u64::from(n) * 16).div_ceil(SECTOR_SIZE as u64);
    if u64::from(area.end_lba) + blocks > src.total_sectors() {
        return None;
    }
    let mut buf = vec![0u8; blocks as usize * SECTOR_SIZE];
    src.read_sectors(u64::from(area.end_lba), &mut buf).ok()?;
    let n = n as usize;
    let entries: Vec<[u8; 16]> = buf[..n * 16]
        .chunks_exact(16)
        .map(|c| c.try_into().expect("16 bytes"))
        .collect();
    (md5_of(&buf[..(n - 1) * 16]) == entries[n - 1]).then_some(entries)
}
