//! Directory reuse in an appended session ([`crate::FileSystemImage::set_reuse_directories`]).
//!
//! ECMA-119 does not require a session to record every directory: a directory record
//! gives the Location of Extent (9.1.3) of its child directory, which may lie in an
//! earlier session. A directory of the imported session whose extent would be written
//! again byte for byte (same records, names, Rock Ridge fields and extents, in the
//! hierarchy concerned) keeps that extent; only the directories on the path from the root
//! to a change, and the path tables (ECMA-119 9.4, which list every directory with its
//! extent and its parent's number in the new tree) are written. The decision is made per
//! hierarchy (ECMA-119 with Rock Ridge, Joliet), bottom-up: a directory is kept when all
//! its child directories are kept, every file it lists keeps its recorded extents, and
//! its encoding equals the recorded extent (SHA-256 taken at import) with "." at its own
//! recorded extent; its ".." record is not compared (it stays as recorded: the parent's
//! extent and Rock Ridge attributes in the session that wrote it). The tree has no move
//! operation: an item keeps the parent it was imported under, and a directory moved or
//! renamed by removing it and adding it again is a new item (written, with its files). A directory that lies in LBA
//! 0–31 of a random-write medium (its head overwrites those blocks) or whose ".." points
//! there, that needs SUSP
//! continuation areas (CE), or that is relocated or lies under a relocated directory
//! (RRIP 4.1.5: CL, PL, RE and `rr_moved`) is written again. The root is always written.
//! Rock Ridge PX serial numbers (RRIP 4.1.1) of imported items are kept as recorded
//! when reuse is on, so records of unchanged items do not change when items are added.
//!
//! What a kept directory looks like to readers: its ".." record points at its parent's
//! extent in the session where it was written, which may since have changed; the path
//! table lists it under its parent's number in the new tree; its extent lies before the
//! new session's root.
//!
//! | reader | ".." of a kept directory | path table | directory before the new root |
//! |---|---|---|---|
//! | Linux isofs | not read for lookup or readdir (the dcache gives the parent); read only by the NFS export `get_parent`, which then names the parent's old extent | not read | read (random access) |
//! | libisofs / xorriso | not used to build the tree | not read | read |
//! | 7-Zip | skipped | not read | read |
//! | isoinfo (`-l`, `-f`, `-x`) | skipped | `-p` prints it; the tree walk uses records | read |
//! | pycdlib | parsed, not compared with the parent | read; matched to directories by extent | read |
//! | libarchive (bsdtar) | skipped | not read | read only where [the forward rule](#libarchive-and-the-forward-rule) holds; dropped elsewhere ("Ignoring out-of-order directory") with everything below it |
//! | Windows CDFS (imapi2.md) | not documented | used to find directories; rewritten here, so consistent | not documented |
//!
//! # libarchive and the forward rule
//!
//! libarchive (3.6, `archive_read_support_format_iso9660.c`) reads the volume
//! descriptors at LBA 16 of its input and then takes directory records from a queue
//! ordered by Location of Extent, lowest first, keeping a read position:
//! * a directory is read only when its extent starts at or after the read position
//!   (reading moves the position to the end of its extent); before it, the directory is
//!   dropped with everything below it (the reader never seeks back for a directory);
//! * a regular file of non-zero size whose extent starts before the read position makes
//!   the reader seek back to it (on seekable input: an image file, a disc) and sets the
//!   position there (to its end when the data is extracted); a hard link taken right
//!   after another link of the same file does not seek (the first one did); empty files
//!   and symbolic links are queued last and move nothing.
//!
//! So a directory D listed by a directory P is reached when D's extent lies after P's
//! (P is read first and everything queued before D then ends before D), or when P lists
//! a regular file of non-zero size whose data ends before D's extent: that file is taken
//! from the queue after P is read and before D, and puts the position back below D; no
//! directory of the new session (all after D) is read in between. The rule depends only
//! on P's entries and on D's and P's extents, so it holds in every later session that
//! keeps P and D unchanged. In the first append every kept directory's parent is
//! written, and the files of a directory usually follow all directories of its session,
//! so little is kept on media whose head is rewritten; a directory written again there
//! lies after the files it lists, so from the next append on it is kept whenever its
//! parent lists one non-empty file of an earlier session. A directory whose parent
//! lists only directories (a tree with files in its leaves only) is written in every
//! session that writes its parent.
//!
//! [`DirectoryReuse::Auto`] (the default) applies the rule on media whose head at LBA
//! 0–31 is rewritten for every session (image files, random-write media, BD-R
//! Pseudo-Overwrite): there libarchive reads the newest session. On sequential media
//! libarchive reads the first session's descriptors at LBA 16 and never an appended
//! session, so every unchanged directory is kept. The rule was checked with bsdtar 3.6.2
//! (crates/cli/tests/append_property.rs runs it on every session).

use sha2::{Digest, Sha256};

use crate::ImageError;
use crate::layout::{self, Hierarchy, Layout, Target, View};
use crate::tree::{FileSource, NodeId, NodeKind, Tree};
use discburn_format::SECTOR_SIZE;

/// Which unchanged directories of the imported session an appended session keeps at
/// their recorded extents ([`crate::FileSystemImage::set_reuse_directories`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DirectoryReuse {
    /// Every directory is written again.
    Never,
    /// Every unchanged directory is kept (libarchive drops those before the new root on
    /// media whose head is rewritten).
    Always,
    /// Every unchanged directory on sequential media; on media whose head is rewritten,
    /// those a forward reader reaches ([the forward rule](self#libarchive-and-the-forward-rule)).
    #[default]
    Auto,
}

/// Which unchanged directories a layout keeps ([`crate::ImageOptions::reuse_directories`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Every unchanged directory.
    All,
    /// Those that satisfy [the forward rule](self#libarchive-and-the-forward-rule).
    ReadForward,
}

/// Forgets the recorded directory extents that lie in LBA 0–31, which the 64 KiB head
/// of a random-write append overwrites, or whose ".." points there: those directories
/// are written again.
pub(crate) fn forget_head_directories(tree: &mut Tree) {
    let head = crate::RANDOM_WRITE_HEAD_BLOCKS;
    for node in &mut tree.nodes {
        if let Some(f) = node.fixed.as_deref_mut() {
            let r = &mut f.recorded;
            for e in [&mut r.iso, &mut r.joliet] {
                if e.is_some_and(|x| x.digest.is_some() && (x.lba < head || x.parent_lba < head)) {
                    *e = None;
                }
            }
        }
    }
}

/// Where an imported item was recorded in one hierarchy of its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordedExtent {
    /// Location of Extent (ECMA-119 9.1.3), absolute LBA.
    pub(crate) lba: u32,
    /// Data Length (9.1.4) in bytes.
    pub(crate) length: u32,
    /// For a directory: SHA-256 of its `length` bytes as recorded ([`digest`]).
    pub(crate) digest: Option<[u8; 32]>,
    /// For a directory: the Location of Extent of its ".." record.
    pub(crate) parent_lba: u32,
}

/// What the imported session recorded for an item, beyond its names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Recorded {
    /// ECMA-119 hierarchy: a directory's extent, or a zero-length item's record location.
    pub(crate) iso: Option<RecordedExtent>,
    /// Joliet hierarchy: the same.
    pub(crate) joliet: Option<RecordedExtent>,
    /// Rock Ridge PX serial number (RRIP 4.1.1).
    pub(crate) serial: Option<u32>,
    /// UDF volume with a virtual partition: where the item's File Entry is.
    pub(crate) udf: Option<UdfRecorded>,
}

/// An imported item of a UDF volume with a virtual partition ([`crate::udf::vat`]), or
/// of a UDF volume alone with one type 1 partition ([`crate::udf::plan_structures`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UdfRecorded {
    /// Block of its File Entry in the virtual (or the one physical) partition: the ICB
    /// its FID names.
    pub(crate) icb: u32,
    /// Unique ID of the File Entry.
    pub(crate) unique_id: u64,
    /// For a directory: its number of names (FIDs other than the parent's).
    pub(crate) children: u32,
}

/// SHA-256 of a directory extent's bytes with the body of its ".." record (the second
/// record, ECMA-119 6.8.2.2) zeroed, its length kept: a kept directory's ".." stays as
/// recorded (its parent's old extent and Rock Ridge attributes), which no reader uses
/// (see the table above).
pub(crate) fn digest(bytes: &mut [u8]) -> [u8; 32] {
    let first = usize::from(bytes.first().copied().unwrap_or(0));
    if first >= 34 && first < bytes.len() {
        let second = usize::from(bytes[first]);
        if second >= 34 && first + second <= bytes.len() {
            bytes[first + 1..first + second].fill(0);
        }
    }
    Sha256::digest(bytes).into()
}

fn recorded(tree: &Tree, id: NodeId) -> Option<&Recorded> {
    tree.node(id).fixed.as_deref().map(|f| &f.recorded)
}

fn in_hierarchy(r: &Recorded, h: Hierarchy) -> Option<RecordedExtent> {
    match h {
        Hierarchy::Iso9660 => r.iso,
        Hierarchy::Joliet => r.joliet,
    }
}

/// PX serial numbers that stay as recorded: imported items keep theirs (one per item,
/// hard links sharing one), items without one get numbers above every recorded one in
/// depth-first `order`. Overwrites `serial`; returns the next free number.
pub(crate) fn stable_serials(tree: &Tree, order: &[NodeId], serial: &mut [u32]) -> u32 {
    use std::collections::HashMap;
    // Serial → the item (or hard-link group) holding it.
    let owner_key = |id: NodeId| -> (u64, u64) {
        match (tree.node(id).meta.link_key, &tree.node(id).kind) {
            (Some(k), NodeKind::File { .. }) => k,
            _ => (u64::MAX - 1, u64::from(id)),
        }
    };
    let mut owner: HashMap<u32, (u64, u64)> = HashMap::new();
    let mut assigned = vec![false; serial.len()];
    let mut max = 0u32;
    for &id in order {
        let Some(s) = recorded(tree, id)
            .and_then(|r| r.serial)
            .filter(|&s| s != 0)
        else {
            continue;
        };
        let key = owner_key(id);
        match owner.get(&s) {
            Some(k) if *k != key => continue,
            _ => {}
        }
        owner.insert(s, key);
        serial[id as usize] = s;
        assigned[id as usize] = true;
        max = max.max(s);
    }
    let mut next = max.saturating_add(1);
    let mut groups: HashMap<(u64, u64), u32> = HashMap::new();
    for &id in order {
        if assigned[id as usize] {
            continue;
        }
        let key = owner_key(id);
        let s = *groups.entry(key).or_insert_with(|| {
            let s = next;
            next = next.saturating_add(1);
            s
        });
        serial[id as usize] = s;
    }
    next
}

/// Decides which directories of `view` keep their recorded extents, bottom-up, and sets
/// their `lba` and `blocks` to the recorded ones. Directories of `view` must be sized
/// (blocks, continuation blocks) and not yet placed. `excluded[i]`: directory `i` must
/// be written (relocation). With [`Kept::ReadForward`], a directory is kept only where
/// [the forward rule](self#libarchive-and-the-forward-rule) holds. Returns, per
/// directory, whether it is kept.
pub(crate) fn choose(
    layout: &mut Layout,
    tree: &Tree,
    view: &mut View,
    h: Hierarchy,
    excluded: &[bool],
    rule: Kept,
) -> Result<Vec<bool>, ImageError> {
    let n = view.dirs.len();
    let mut kept = vec![false; n];
    // Kept under the forward rule only if its parent is kept too (its extent lies after
    // the parent's recorded one, and the parent lists no file before it).
    let mut needs_parent = vec![false; n];
    let mut dir_buf = Vec::new();
    let mut ce_buf = Vec::new();
    // Children have larger indices than their parent (breadth-first construction).
    for i in (1..n).rev() {
        if excluded[i] || view.dirs[i].ce_blocks > 0 {
            continue;
        }
        let layout::DirSource::Node(id) = view.dirs[i].src else {
            continue;
        };
        let parent = view.dirs[i].parent as usize;
        let layout::DirSource::Node(pid) = view.dirs[parent].src else {
            continue;
        };
        let (Some(own), Some(up)) = (
            recorded(tree, id).and_then(|r| in_hierarchy(r, h)),
            recorded(tree, pid).and_then(|r| in_hierarchy(r, h)),
        ) else {
            continue;
        };
        let Some(want) = own.digest else { continue };
        let blocks = own.length.div_ceil(SECTOR_SIZE as u32);
        if up.digest.is_none()
            || own.length % SECTOR_SIZE as u32 != 0
            || blocks != view.dirs[i].blocks
        {
            continue;
        }
        if rule == Kept::ReadForward && !file_before(tree, &view.dirs[parent], own.lba) {
            if own.lba <= up.lba {
                continue;
            }
            needs_parent[i] = true;
        }
        // Every entry must point where it pointed.
        let mut ok = true;
        for e in &view.dirs[i].entries {
            match e.target {
                Target::Dir(j) => ok &= kept[j as usize],
                Target::Placeholder(_) => ok = false,
                Target::File(f) => match &tree.node(f).kind {
                    NodeKind::File {
                        source: FileSource::Extent { lba, .. },
                        size,
                    } if *size > 0 => layout.file_lba[f as usize] = *lba,
                    NodeKind::File {
                        source: FileSource::Extents(list),
                        ..
                    } if !list.is_empty() => {}
                    NodeKind::File {
                        source: FileSource::HostPath(_) | FileSource::Bytes(_),
                        size,
                    } if *size > 0 => ok = false,
                    _ => match recorded(tree, f).and_then(|r| in_hierarchy(r, h)) {
                        Some(z) => layout.file_lba[f as usize] = z.lba,
                        None => ok = false,
                    },
                },
            }
            if !ok {
                break;
            }
        }
        if !ok {
            continue;
        }
        let saved = (view.dirs[parent].lba, view.dirs[parent].blocks);
        view.dirs[parent].lba = up.lba;
        view.dirs[parent].blocks = up.length.div_ceil(SECTOR_SIZE as u32);
        view.dirs[i].lba = own.lba;
        dir_buf.clear();
        ce_buf.clear();
        let r =
            layout::encode_directory(layout, tree, view, h, i as u32, &mut dir_buf, &mut ce_buf);
        (view.dirs[parent].lba, view.dirs[parent].blocks) = saved;
        r?;
        dir_buf.resize(blocks as usize * SECTOR_SIZE, 0);
        if ce_buf.is_empty() && digest(&mut dir_buf) == want {
            kept[i] = true;
        } else {
            view.dirs[i].lba = 0;
        }
    }
    // Parents before children: a directory relying on its parent's recorded extent is
    // written when the parent is.
    for i in 1..n {
        if kept[i] && needs_parent[i] && !kept[view.dirs[i].parent as usize] {
            kept[i] = false;
            view.dirs[i].lba = 0;
        }
    }
    Ok(kept)
}

/// Whether `dir` lists a regular file of non-zero size recorded in an earlier session
/// whose data ends at or before `lba`: libarchive seeks back to it after reading `dir`
/// ([the forward rule](self#libarchive-and-the-forward-rule)).
fn file_before(tree: &Tree, dir: &layout::Dir, lba: u32) -> bool {
    dir.entries.iter().any(|e| {
        let Target::File(f) = e.target else {
            return false;
        };
        let NodeKind::File { source, size } = &tree.node(f).kind else {
            return false;
        };
        *size > 0
            && source.recorded_extents().is_some_and(|list| {
                !list.is_empty()
                    && list.iter().all(|x| {
                        u64::from(x.lba) + u64::from(x.length).div_ceil(SECTOR_SIZE as u64)
                            <= u64::from(lba)
                    })
            })
    })
}

/// Largest directory extent read for its digest; larger ones are written again.
const MAX_DIGESTED: u32 = 16 << 20;

/// For every directory of a tree read from one hierarchy of the imported session: its
/// recorded extent with the SHA-256 of its bytes, read from `src`; and for every
/// zero-length item (empty file, symbolic link, special file): the Location of Extent of
/// its record. Keyed by the reader's node index. A directory that cannot be read, or a
/// relocated one (RRIP 4.1.5), gets no entry (it is written again).
pub(crate) fn record_tree(
    src: &mut (impl discburn_reader::SectorSource + ?Sized),
    tree: &discburn_reader::Tree,
) -> std::collections::HashMap<usize, RecordedExtent> {
    let mut out = std::collections::HashMap::new();
    let mut buf = Vec::new();
    for dir in tree.iter().filter(|n| n.is_dir()) {
        if dir.rock_ridge().is_some_and(|r| r.relocated) {
            continue;
        }
        let [e] = dir.extents() else { continue };
        if e.length == 0 || e.length > MAX_DIGESTED {
            continue;
        }
        buf.clear();
        buf.resize(
            e.length.div_ceil(SECTOR_SIZE as u32) as usize * SECTOR_SIZE,
            0,
        );
        if src.read_sectors(u64::from(e.lba), &mut buf).is_err() {
            continue;
        }
        buf.truncate(e.length as usize);
        // ".." is the second record (ECMA-119 6.8.2.2): Location of Extent at byte 2.
        let second = usize::from(buf[0]);
        let parent_lba = buf
            .get(second + 2..second + 6)
            .map_or(u32::MAX, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        out.insert(
            dir.id().index(),
            RecordedExtent {
                lba: e.lba,
                length: e.length,
                digest: Some(digest(&mut buf.clone())),
                parent_lba,
            },
        );
        for c in dir.children() {
            if c.is_dir() || c.size() != 0 {
                continue;
            }
            // The child's record lies in this extent: Location of Extent at byte 2.
            let at = c
                .record_lba()
                .checked_sub(u64::from(e.lba))
                .map(|b| b * SECTOR_SIZE as u64 + u64::from(c.record_offset()) + 2);
            if let Some(at) = at.map(|a| a as usize)
                && let Some(b) = buf.get(at..at + 4)
            {
                out.insert(
                    c.id().index(),
                    RecordedExtent {
                        lba: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                        length: 0,
                        digest: None,
                        parent_lba: 0,
                    },
                );
            }
        }
    }
    out
}
