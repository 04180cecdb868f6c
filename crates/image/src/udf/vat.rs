//! UDF on sequential write-once media: a virtual partition and its Virtual Allocation
//! Table (OSTA UDF 2.60 2.2.8 virtual partition map, 2.2.11 VAT, 6.13 write-once media).
//!
//! The physical (type 1) partition starts after the first session's anchor (LBA S+257)
//! and covers the medium to its end; its access type is write once. The file structure
//! (FSD, directories, File Entries) is addressed through the virtual partition (map 1):
//! virtual block V is block VAT\[V\] of the physical partition. File data is addressed
//! with long_ads in the physical partition. The VAT is a file whose File Entry (the VAT
//! ICB) is the last block recorded in the session (UDF 2.60 2.2.11: "the VAT ICB is the
//! last sector recorded in any transaction"): VAT 1.50 (the entries, then the
//! "*UDF Virtual Alloc Tbl" regid and the previous VAT ICB location; file type 0) below
//! UDF 2.00, VAT 2.00 (a 152-byte header with the file and directory counts and the
//! previous VAT ICB location, then the entries; file type 248) from 2.00. UDF 1.02 has
//! no virtual partition: such a volume is recorded as 1.50.
//!
//! First session at S (blank medium): as [`super::plan_alone`] lays it out (recognition
//! sequence, both volume descriptor sequences, the integrity sequence, the anchor at
//! S+256, the file structure, the file data), with the virtual map after the physical
//! one, no metadata partition (as mkudffs records VAT volumes of any revision), an Open
//! integrity descriptor (later sessions cannot update it; the VAT header carries the
//! counts), no second anchor (the medium stays open), then the VAT.
//!
//! Appended session at S (the next writable address): LBA S–S+15 zeros, the recognition
//! sequence at S+16 (Linux and other readers look for it at the start of the last
//! session), an anchor at S+256 naming the first session's volume descriptor sequences,
//! then only what changed: each directory whose list of names changed (its File Entry
//! keeps its virtual block, so its parent's FID is unchanged; its FIDs get new virtual
//! blocks), the File Entries of new items, the data of new files, and a new VAT whose
//! previous-VAT field names the last one. Unchanged items keep their File Entries and
//! data. A file replaced at its path is a new item (new File Entry and virtual block);
//! a removed item is left out of its directory's new FIDs.
//!
//! Length: the session is padded before the VAT to a multiple of 32 blocks and to at
//! least 300 blocks (320), so that the VAT ICB stays within the last 3 blocks of what the
//! drive records (BD-R clusters of 32 blocks, DVD±R ECC blocks of 16, the 300-block
//! minimum CD track with its 2 run-out blocks), where readers look for it.
//!
//! Unique IDs of new items are 16 + (VAT entries before the session) + k: every item
//! written so far has at least one virtual block, so these never repeat an earlier one
//! of a volume this module wrote.

use std::collections::HashMap;
use std::sync::Arc;

use discburn_format::SECTOR_SIZE;
use discburn_format::ecma167::{
    self as e, ShortAd, Vat150Trailer, VatHeader, file_type, icb_flags, identifier,
};

use super::emit::Entry;
use super::{
    ANCHOR, EFE_HEADER, FE_CHUNK, FE_HEADER, UdfDir, UdfLayout, UdfRegion, fid_len, place_data,
    plan_structures, udf_name,
};
use crate::layout::{Layout, Region, RegionKind, View};
use crate::tree::{FileSource, NodeId, NodeKind, Tree};
use crate::{ImageError, ImageOptions};

/// Session length unit before the VAT (blocks) and the shortest session.
const SESSION_UNIT: u64 = 32;
const MIN_SESSION: u64 = 300;

/// What a UDF-only session on write-once media continues (set in
/// [`ImageOptions::udf_vat`] by [`crate::FileSystemImage::options`]): nothing (the first
/// session on a blank medium, whose physical partition then runs to the end of the
/// medium) or the VAT volume of the imported session.
///
/// Layout (OSTA UDF 2.60 2.2.8 virtual partition map, 2.2.11 VAT, 6.13 write-once
/// media): the file structure is addressed through a virtual partition whose VAT file
/// ends every session, its File Entry (the VAT ICB) the session's last block; an
/// appended session at S holds zeros at S to S+15, the recognition sequence at S+16,
/// an anchor at S+256 naming the first session's volume descriptors, the directories
/// whose names changed, the File Entries and data of new items and the new VAT, whose
/// Previous VAT ICB Location names the last one. Sessions are padded before the VAT to
/// a multiple of 32 blocks and at least 300 blocks (320).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatInput {
    /// First LBA after the medium (the first session's partition ends there).
    pub(crate) medium_end: u32,
    /// The imported volume, for an appended session.
    pub(crate) previous: Option<Arc<VatPrevious>>,
    /// The session closes the medium: an Anchor Volume Descriptor Pointer is also
    /// recorded at N − 256, N the VAT ICB (the last block).
    pub(crate) closing: bool,
}

/// The imported VAT volume (UDF 2.60 2.2.11), read by the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VatPrevious {
    /// UDF revision of the volume (Domain Identifier suffix).
    pub(crate) revision: u16,
    /// Physical partition: start LBA and length (blocks).
    pub(crate) partition_start: u32,
    pub(crate) partition_length: u32,
    /// The VAT entries.
    pub(crate) entries: Vec<u32>,
    /// Absolute LBA of the VAT ICB.
    pub(crate) icb_lba: u32,
    /// Absolute LBAs of the main and reserve volume descriptor sequences.
    pub(crate) main_vds: u32,
    pub(crate) reserve_vds: u32,
}

/// The virtual partition of a planned session.
#[derive(Debug, Clone)]
pub(crate) struct VirtualLayout {
    pub(crate) previous: Option<Arc<VatPrevious>>,
    /// Number of VAT entries after this session.
    pub(crate) entries: u32,
    /// (first virtual block, first block of the physical partition, blocks) written in
    /// this session.
    pub(crate) runs: Vec<(u32, u32, u32)>,
    /// Absolute LBA of the VAT region (its data, then the VAT ICB).
    pub(crate) vat_lba: u32,
    /// The VAT is embedded in its File Entry.
    pub(crate) embedded: bool,
}

impl VatInput {
    /// A first session on a blank medium whose last LBA is `medium_end - 1`.
    pub(crate) fn first(medium_end: u32) -> VatInput {
        VatInput {
            medium_end,
            previous: None,
            closing: false,
        }
    }

    /// A session appended to `previous`.
    pub(crate) fn append(previous: Arc<VatPrevious>) -> VatInput {
        VatInput {
            medium_end: 0,
            previous: Some(previous),
            closing: false,
        }
    }

    /// The same input for a session that closes the medium (see [`VatInput`]).
    pub(crate) fn closing(mut self, closing: bool) -> VatInput {
        self.closing = closing;
        self
    }
}

/// Lays out a UDF-only session with a virtual partition (see the module documentation).
///
/// # Errors
/// [`ImageError::InvalidUdfRevision`], [`ImageError::UdfNotRepresentable`] (data before
/// the physical partition, too many allocation descriptors, long symbolic links),
/// [`ImageError::ImageTooLarge`], [`ImageError::InvalidFileSystems`] when the medium
/// ends before the session's structures.
pub(crate) fn plan(
    tree: &Tree,
    options: &ImageOptions,
    session_start_block: u32,
) -> Result<Layout, ImageError> {
    let input = options
        .udf_vat
        .as_deref()
        .expect("a VAT session has its input");
    let start = u64::from(session_start_block);
    let mut regions = vec![Region {
        lba: session_start_block,
        blocks: 16,
        kind: RegionKind::SystemArea,
    }];
    let mut next = start + 16;
    let mut udf = match &input.previous {
        None => {
            let mut udf =
                plan_structures(tree, options, session_start_block, &mut next, &mut regions)?;
            if u64::from(input.medium_end) <= next {
                return Err(ImageError::InvalidFileSystems {
                    reason: "the medium ends before the UDF file structure",
                });
            }
            udf.partition_length = input.medium_end - udf.partition_start;
            udf.virtual_ = Some(Box::new(VirtualLayout {
                previous: None,
                entries: udf.fs_blocks,
                runs: vec![(0, 0, udf.fs_blocks)],
                vat_lba: 0,
                embedded: false,
            }));
            udf
        }
        Some(prev) => plan_changes(tree, prev, session_start_block, &mut next, &mut regions)?,
    };
    let data_start = next;
    let (file_lba, data) = place_data(tree, &mut next, &mut regions);
    finish(
        &mut udf,
        tree,
        &file_lba,
        start,
        &mut next,
        &mut regions,
        input.closing,
    )?;
    if input.closing
        && let Some(lba) = second_anchor(next - 1, &mut regions)
    {
        // The emitter writes the `end` anchor at `end_anchor`.
        udf.end_anchor = lba;
    }
    let n = tree.nodes.len();
    Ok(Layout {
        session_start_block,
        total_blocks: next - start,
        regions,
        options: options.clone(),
        rock_ridge: false,
        iso: View::default(),
        joliet: None,
        data,
        file_lba,
        serial: vec![0; n],
        links: vec![1; n],
        data_start: data_start.min(u64::from(u32::MAX)) as u32,
        relocation_serial: 0,
        md5: None,
        udf: Some(Box::new(udf)),
        boot: None,
    })
}

/// The FE location and Unique ID an imported item had, and its number of names (for a
/// directory), when its volume had a virtual partition.
fn recorded(tree: &Tree, id: NodeId) -> Option<crate::reuse::UdfRecorded> {
    tree.node(id).fixed.as_deref().and_then(|f| f.recorded.udf)
}

/// The structures of an appended session: recognition sequence, anchor, the changed
/// directories and the new File Entries.
fn plan_changes(
    tree: &Tree,
    prev: &Arc<VatPrevious>,
    session_start: u32,
    next: &mut u64,
    regions: &mut Vec<Region>,
) -> Result<UdfLayout, ImageError> {
    let s = u64::from(session_start);
    let ps = prev.partition_start;
    if session_start < ps {
        return Err(ImageError::InvalidFileSystems {
            reason: "the session starts before the UDF partition of the imported volume",
        });
    }
    let mut push = |next: &mut u64, blocks: u64, kind: UdfRegion| {
        if blocks > 0 {
            regions.push(Region {
                lba: (*next).min(u64::from(u32::MAX)) as u32,
                blocks,
                kind: RegionKind::Udf(kind),
            });
            *next += blocks;
        }
    };
    push(next, 3, UdfRegion::VolumeRecognitionSequence);
    let pad = s + u64::from(ANCHOR) - *next;
    push(next, pad, UdfRegion::Padding { blocks: pad as u32 });
    push(
        next,
        1,
        UdfRegion::Anchor {
            end: false,
            absolute: false,
        },
    );
    let n = tree.nodes.len();
    let mut udf = UdfLayout {
        revision: prev.revision,
        session_start,
        partition_start: ps,
        partition_length: prev.partition_length,
        end_anchor: 0,
        meta: None,
        dirs: Vec::new(),
        icb: vec![u32::MAX; n],
        unique_id: vec![0; n],
        links: vec![0; n],
        names: vec![Box::from(&[][..]); n],
        dir_of: vec![u32::MAX; n],
        files: 0,
        directories: 0,
        next_unique_id: 0,
        fs_blocks: 0,
        fs_base: 0,
        main_vds: prev.main_vds,
        reserve_vds: prev.reserve_vds,
        virtual_: None,
    };
    let ad_in_fe = if udf.extended() {
        EFE_HEADER
    } else {
        FE_HEADER
    };
    let mut v = prev.entries.len() as u32;
    let mut uid = 16u64 + u64::from(v);
    let mut runs = Vec::new();
    for id in tree.walk() {
        // A File Entry outside the VAT (a hostile volume) is written again.
        if let Some(r) = recorded(tree, id).filter(|r| r.icb < v) {
            udf.icb[id as usize] = r.icb;
            udf.unique_id[id as usize] = r.unique_id as u32;
        }
        if tree.node(id).is_dir() {
            udf.directories += 1;
        } else {
            udf.files += 1;
        }
    }
    let mut link_fe: HashMap<(u64, u64), NodeId> = HashMap::new();
    let mut p = *next;
    for id in tree.walk() {
        let Some(children) = tree.node(id).children() else {
            continue;
        };
        let kept = recorded(tree, id).is_some_and(|r| {
            r.children as usize == children.len()
                && children.values().all(|&c| recorded(tree, c).is_some())
        });
        if kept {
            continue;
        }
        if udf.icb[id as usize] == u32::MAX {
            udf.icb[id as usize] = v;
            udf.unique_id[id as usize] = uid as u32;
            v += 1;
            uid += 1;
        }
        let mut stream_len = fid_len(0);
        let mut child_fes = Vec::new();
        let mut subdirs = 0u16;
        for &c in children.values() {
            let cn = tree.node(c);
            let name = udf_name(&cn.name);
            stream_len += fid_len(name.len());
            udf.names[c as usize] = name;
            if cn.is_dir() {
                subdirs = subdirs.saturating_add(1);
                continue;
            }
            if recorded(tree, c).is_some() {
                continue;
            }
            if let (Some(k), NodeKind::File { .. }) = (cn.meta.link_key, &cn.kind) {
                if let Some(&first) = link_fe.get(&k) {
                    udf.icb[c as usize] = udf.icb[first as usize];
                    udf.unique_id[c as usize] = udf.unique_id[first as usize];
                    continue;
                }
                link_fe.insert(k, c);
            }
            if let NodeKind::Symlink(t) = &cn.kind {
                let len = super::emit::symlink_components(t).len();
                if ad_in_fe + len > SECTOR_SIZE {
                    return Err(ImageError::UdfNotRepresentable {
                        path: tree.path_of(c),
                        reason: format!(
                            "the symbolic link target needs {len} bytes of path components; a File Entry holds {}",
                            SECTOR_SIZE - ad_in_fe
                        ),
                    });
                }
            }
            child_fes.push(c);
        }
        udf.links[id as usize] = 1 + subdirs;
        let stream_blocks = stream_len.div_ceil(SECTOR_SIZE as u64) as u32;
        let stream = v;
        v += stream_blocks;
        let rel = (p - u64::from(ps)) as u32;
        runs.push((udf.icb[id as usize], rel, 1));
        runs.push((stream, rel + 1, stream_blocks));
        let index = udf.dirs.len() as u32;
        regions.push(Region {
            lba: p as u32,
            blocks: 1 + u64::from(stream_blocks),
            kind: RegionKind::Udf(UdfRegion::Directory { index }),
        });
        p += 1 + u64::from(stream_blocks);
        if !child_fes.is_empty() {
            runs.push((v, (p - u64::from(ps)) as u32, child_fes.len() as u32));
        }
        for (k, chunk) in child_fes.chunks(FE_CHUNK).enumerate() {
            regions.push(Region {
                lba: p as u32,
                blocks: chunk.len() as u64,
                kind: RegionKind::Udf(UdfRegion::FileEntries {
                    index,
                    chunk: k as u32,
                }),
            });
            for &c in chunk {
                udf.icb[c as usize] = v;
                udf.unique_id[c as usize] = uid as u32;
                v += 1;
                uid += 1;
                p += 1;
            }
        }
        udf.dir_of[id as usize] = index;
        udf.dirs.push(UdfDir {
            node: id,
            stream_len,
            child_fes,
            stream,
        });
        if p > u64::from(u32::MAX) {
            return Err(ImageError::ImageTooLarge { blocks: p });
        }
    }
    // Hard links written in this session: the names sharing a new File Entry.
    let mut by_fe: HashMap<u32, u16> = HashMap::new();
    for id in tree.walk() {
        if !tree.node(id).is_dir() && recorded(tree, id).is_none() {
            *by_fe.entry(udf.icb[id as usize]).or_default() += 1;
        }
    }
    for id in tree.walk() {
        if !tree.node(id).is_dir() && recorded(tree, id).is_none() {
            udf.links[id as usize] = by_fe[&udf.icb[id as usize]];
        }
    }
    *next = p;
    udf.next_unique_id = uid;
    udf.virtual_ = Some(Box::new(VirtualLayout {
        previous: Some(prev.clone()),
        entries: v,
        runs,
        vat_lba: 0,
        embedded: false,
    }));
    Ok(udf)
}

/// Bytes of the VAT file for `entries` entries at `revision`.
fn vat_file_len(revision: u16, entries: u32) -> u64 {
    let table = 4 * u64::from(entries);
    if revision >= 0x200 {
        152 + table
    } else {
        table + Vat150Trailer::LEN as u64
    }
}

/// Checks the data, pads the session and places the VAT as its last blocks.
fn finish(
    udf: &mut UdfLayout,
    tree: &Tree,
    file_lba: &[u32],
    start: u64,
    next: &mut u64,
    regions: &mut Vec<Region>,
    closing: bool,
) -> Result<(), ImageError> {
    let p = udf.partition_start;
    for id in tree.walk() {
        if let NodeKind::File { source, size } = &tree.node(id).kind {
            let first = match source {
                FileSource::Extent { lba, .. } => Some(*lba),
                FileSource::Extents(list) => list.iter().map(|x| x.lba).min(),
                _ if *size > 0 => Some(file_lba[id as usize]),
                _ => None,
            };
            if let Some(l) = first.filter(|&l| l < p) {
                return Err(ImageError::UdfNotRepresentable {
                    path: tree.path_of(id),
                    reason: format!("its data lies at LBA {l}, before the UDF partition (LBA {p})"),
                });
            }
            let ads = match source {
                FileSource::Extents(list) => {
                    list.len() as u64
                        + list
                            .iter()
                            .map(|x| super::extents_for(u64::from(x.length)).saturating_sub(1))
                            .sum::<u64>()
                }
                _ => super::extents_for(*size),
            };
            if udf.icb[id as usize] != u32::MAX && recorded(tree, id).is_none() {
                super::check_ads(udf, tree, id, ads)?;
            }
        }
    }
    let revision = udf.revision;
    let ext = udf.extended();
    let vl = udf
        .virtual_
        .as_deref_mut()
        .expect("virtual partition planned");
    let len = vat_file_len(revision, vl.entries);
    let head = if ext { EFE_HEADER } else { FE_HEADER } as u64;
    vl.embedded = head + len <= SECTOR_SIZE as u64;
    let vat_blocks = if vl.embedded {
        1
    } else {
        1 + len.div_ceil(SECTOR_SIZE as u64)
    };
    let total = *next + vat_blocks - start;
    let mut padded = total.max(MIN_SESSION).next_multiple_of(SESSION_UNIT);
    if closing && vat_blocks <= ANCHOR_DISTANCE {
        // The block at N − 256 must be free for the second anchor: padding, either
        // before the VAT or earlier in the session.
        let free = |padded: u64| {
            let second = start + padded - 1 - ANCHOR_DISTANCE;
            second >= *next || padding_holding(regions, second).is_some()
        };
        while !free(padded) {
            padded += SESSION_UNIT;
        }
    }
    let pad = padded - total;
    if pad > 0 {
        regions.push(Region {
            lba: (*next).min(u64::from(u32::MAX)) as u32,
            blocks: pad,
            kind: RegionKind::Udf(UdfRegion::Padding { blocks: pad as u32 }),
        });
        *next += pad;
    }
    vl.vat_lba = (*next).min(u64::from(u32::MAX)) as u32;
    regions.push(Region {
        lba: vl.vat_lba,
        blocks: vat_blocks,
        kind: RegionKind::Udf(UdfRegion::VirtualAllocationTable {
            blocks: vat_blocks as u32,
        }),
    });
    *next += vat_blocks;
    let end = *next - 1;
    if end >= u64::from(p) + u64::from(udf.partition_length) || *next > u64::from(u32::MAX) {
        return Err(ImageError::ImageTooLarge { blocks: *next });
    }
    Ok(())
}

/// Distance of the second anchor of a closed volume from its last block (ECMA-167
/// 3/8.4.2.1: N − 256).
const ANCHOR_DISTANCE: u64 = 256;

/// A closed write-once volume (the session closes the medium): an Anchor Volume
/// Descriptor Pointer at N − 256, N the VAT ICB, the session's last block (ECMA-167
/// 3/8.4.2.1; UDF 2.60 2.2.3 allows two of 256, N − 256 and N, and N holds the VAT,
/// as mkudffs `--closed` records it). [`finish`] made that block padding; it is split
/// around the anchor, whose LBA is returned. Nothing is added when the VAT itself is
/// longer than 256 blocks.
fn second_anchor(last: u64, regions: &mut Vec<Region>) -> Option<u32> {
    let second = last.checked_sub(ANCHOR_DISTANCE)?;
    let i = padding_holding(regions, second)?;
    let r = regions.remove(i);
    let before = second - u64::from(r.lba);
    let after = r.blocks - before - 1;
    let mut parts = Vec::new();
    if before > 0 {
        parts.push(Region {
            lba: r.lba,
            blocks: before,
            kind: RegionKind::Udf(UdfRegion::Padding {
                blocks: before as u32,
            }),
        });
    }
    parts.push(Region {
        lba: second as u32,
        blocks: 1,
        kind: RegionKind::Udf(UdfRegion::Anchor {
            end: true,
            absolute: false,
        }),
    });
    if after > 0 {
        parts.push(Region {
            lba: second as u32 + 1,
            blocks: after,
            kind: RegionKind::Udf(UdfRegion::Padding {
                blocks: after as u32,
            }),
        });
    }
    regions.splice(i..i, parts);
    u32::try_from(second).ok()
}

/// The index of the padding region holding block `lba`, if one does.
fn padding_holding(regions: &[Region], lba: u64) -> Option<usize> {
    regions.iter().position(|r| {
        matches!(r.kind, RegionKind::Udf(UdfRegion::Padding { .. }))
            && (u64::from(r.lba)..u64::from(r.lba) + r.blocks).contains(&lba)
    })
}

impl Layout {
    /// The VAT region: the VAT's data blocks (unless embedded), then the VAT ICB.
    pub(crate) fn vat_bytes(&self, blocks: u32, out: &mut Vec<u8>) {
        let u = self.udf();
        let vl = u.virtual_.as_deref().expect("virtual partition planned");
        let mut entries: Vec<u32> = vl
            .previous
            .as_ref()
            .map(|p| p.entries.clone())
            .unwrap_or_default();
        entries.resize(vl.entries as usize, u32::MAX);
        for &(v, p, n) in &vl.runs {
            for k in 0..n {
                if let Some(e) = entries.get_mut((v + k) as usize) {
                    *e = p + k;
                }
            }
        }
        // Previous VAT ICB Location: a block of the physical partition (UDF 2.60
        // 2.2.11.1); 0xFFFFFFFF for the first VAT.
        let previous = vl
            .previous
            .as_ref()
            .map_or(u32::MAX, |p| p.icb_lba - p.partition_start);
        let mut table = Vec::with_capacity(entries.len() * 4 + 152);
        if u.revision >= 0x200 {
            VatHeader {
                logical_volume_identifier: self.dstring(&self.options.volume_name),
                previous_vat_icb_location: previous,
                number_of_files: u.files,
                number_of_directories: u.directories,
                minimum_udf_read_revision: u.revision.min(0x250),
                minimum_udf_write_revision: u.revision,
                maximum_udf_write_revision: u.revision,
                implementation_use: Vec::new(),
            }
            .encode(&mut table);
        }
        for e in &entries {
            table.extend_from_slice(&e.to_le_bytes());
        }
        if u.revision < 0x200 {
            Vat150Trailer {
                entity_identifier: self.udf_identifier(identifier::UDF_VIRTUAL_ALLOC_TBL),
                previous_vat_icb_location: previous,
            }
            .encode(&mut table);
        }
        let icb_lba = vl.vat_lba + blocks - 1;
        let len = table.len() as u64;
        let (flags, ads, recorded) = if vl.embedded {
            (icb_flags::AD_IN_ICB, std::mem::take(&mut table), 0)
        } else {
            let mut ads = Vec::new();
            let mut done = 0u64;
            while done < len {
                let l = (len - done).min(u64::from(e::MAX_EXTENT_LENGTH));
                ShortAd {
                    extent_length: l as u32,
                    extent_position: vl.vat_lba - u.partition_start
                        + (done / SECTOR_SIZE as u64) as u32,
                }
                .encode(&mut ads);
                done += l;
            }
            let start = out.len();
            out.extend_from_slice(&table);
            out.resize(start + (blocks as usize - 1) * SECTOR_SIZE, 0);
            (icb_flags::AD_SHORT, ads, u64::from(blocks - 1))
        };
        let t = self.options.timestamp.unix_seconds;
        let fe = Entry {
            file_type: if u.revision >= 0x200 {
                file_type::VAT20
            } else {
                0
            },
            flags,
            uid: u32::MAX,
            gid: u32::MAX,
            permissions: 0,
            links: 1,
            information_length: len,
            blocks: recorded,
            times: [t, t, t],
            unique_id: 0,
            extended_attributes: Vec::new(),
            allocation_descriptors: ads,
        };
        out.extend_from_slice(&self.entry_bytes(fe, icb_lba - u.partition_start));
    }
}
