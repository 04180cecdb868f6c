//! The directory walk: breadth-first over the directory extents of one view, one read
//! request per directory, every extent checked against the media, directory extents
//! checked against each other (cycles), and all counts bounded.

use std::collections::BTreeMap;

use discburn_format::iso9660::{DirectoryDateTime, FileFlags};

use crate::error::{Limit, Place, ReadError};
use crate::record::{RawRecord, parse_record};
use crate::rr::{RrEntries, SuspWalker, advance};
use crate::source::{SECTOR_SIZE, SectorSource, read_into, read_sector};
use crate::tree::{Extent, NONE, NodeData, NodeKind, RrData, Tree, View};
use crate::volume::Volume;

/// Strips an ECMA-119 version (";1") and the "." of an empty extension ("README.").
/// A name of dots only keeps them all: "...;1" is the name "..." (other writers record
/// it so in Joliet), not "..".
fn strip_version(mut name: &[u8]) -> &[u8] {
    if let Some(i) = name.iter().rposition(|&c| c == b';')
        && name[i + 1..].iter().all(u8::is_ascii_digit)
    {
        name = &name[..i];
    }
    if name.last() == Some(&b'.') && name[..name.len() - 1].iter().any(|&c| c != b'.') {
        name = &name[..name.len() - 1];
    }
    name
}

/// The Joliet name of an identifier, UTF-8 encoded into `out`.
fn joliet_name(ident: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    if !ident.len().is_multiple_of(2) {
        return Err(format!(
            "Joliet File Identifier has an odd length ({} bytes)",
            ident.len()
        ));
    }
    let units = ident
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]));
    out.clear();
    for ch in char::decode_utf16(units) {
        let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut b = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
    }
    let stripped = strip_version(out).len();
    out.truncate(stripped);
    Ok(())
}

/// Refuses a file name no POSIX path can hold: empty, "." or "..", or holding '/' or
/// NUL (shared by the ISO 9660 and UDF walks).
pub(crate) fn check_name(name: &[u8]) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("the name is empty")
    } else if name == b"." || name == b".." {
        Err("the name is \".\" or \"..\"")
    } else if name.contains(&b'/') {
        Err("the name contains '/'")
    } else if name.contains(&0) {
        Err("the name contains a NUL byte")
    } else {
        Ok(())
    }
}

/// Directory extents read so far (start → end), to detect cycles and crossed
/// directories.
#[derive(Default)]
struct DirExtents(BTreeMap<u64, u64>);

impl DirExtents {
    fn insert(&mut self, start: u64, end: u64, place: Place) -> Result<(), ReadError> {
        let before = self.0.range(..=start).next_back();
        let after = self.0.range(start..).next();
        for (&s, &e) in before.into_iter().chain(after) {
            if s < end && start < e {
                return Err(ReadError::DirectoryCycle {
                    place,
                    start,
                    end,
                    other_start: s,
                    other_end: e,
                });
            }
        }
        self.0.insert(start, end);
        Ok(())
    }
}

struct Walk {
    view: View,
    total: u64,
    len_skp: usize,
    nodes: Vec<NodeData>,
    bytes: Vec<u8>,
    extents: Vec<Extent>,
    rr: Vec<RrData>,
    name: Vec<u8>,
}

impl Walk {
    fn data_extent(&self, rec: &RawRecord<'_>, place: Place) -> Result<Extent, ReadError> {
        let lba = u64::from(rec.extent) + u64::from(rec.xar);
        let end = lba + u64::from(rec.data_length).div_ceil(SECTOR_SIZE as u64);
        if (rec.data_length > 0 && end > self.total) || lba > u64::from(u32::MAX) {
            return Err(ReadError::ExtentPastEnd {
                place,
                start: lba,
                end,
                total_sectors: self.total,
            });
        }
        Ok(Extent {
            lba: lba as u32,
            length: rec.data_length,
        })
    }

    fn push_bytes(&mut self, a: &[u8], place: Place) -> Result<u32, ReadError> {
        let off = self.bytes.len();
        if off + a.len() > u32::MAX as usize {
            return Err(ReadError::limit(
                place,
                Limit::Entries,
                self.nodes.len() as u64,
            ));
        }
        self.bytes.extend_from_slice(a);
        Ok(off as u32)
    }
}

/// Reads the tree of `view` (see [`Volume::read_tree`]).
pub(crate) fn read_tree(
    src: &mut (impl SectorSource + ?Sized),
    vol: &Volume,
    view: View,
) -> Result<Tree, ReadError> {
    let options = vol.options();
    let info = match view {
        View::Iso9660 => &vol.primary,
        View::Joliet => vol.joliet.as_ref().ok_or(ReadError::FileSystemNotFound {
            session_start: vol.session_start,
            file_system: "Joliet",
        })?,
        View::RockRidge => {
            if vol.rock_ridge.is_none() {
                return Err(ReadError::FileSystemNotFound {
                    session_start: vol.session_start,
                    file_system: "Rock Ridge",
                });
            }
            &vol.primary
        }
        View::Udf => unreachable!("Volume::read_tree reads UDF with crate::udf"),
    };
    let rr_view = view == View::RockRidge;
    let mut w = Walk {
        view,
        total: src.total_sectors(),
        len_skp: vol
            .rock_ridge
            .as_ref()
            .map_or(0, |r| usize::from(r.len_skp)),
        nodes: Vec::new(),
        bytes: Vec::new(),
        extents: vec![info.root],
        rr: Vec::new(),
        name: Vec::new(),
    };
    w.nodes.push(NodeData {
        parent: NONE,
        first_child: 1,
        child_count: 0,
        name_off: 0,
        name_len: 0,
        ident_len: 0,
        kind: NodeKind::Directory,
        flags: FileFlags::DIRECTORY.bits(),
        depth: 0,
        extents_start: 0,
        extents_len: 1,
        size: u64::from(info.root.length),
        record_lba: info.root_record_lba as u32,
        record_off: 156,
        time: DirectoryDateTime::default(),
        rr: NONE,
    });
    let mut dirs = DirExtents::default();
    let mut susp = SuspWalker::default();
    let mut rre = RrEntries::default();
    let mut buf: Vec<u8> = Vec::new();
    let max_depth = options.max_depth.min(u32::from(u16::MAX) - 1);

    let mut i = 0usize;
    while i < w.nodes.len() {
        if w.nodes[i].kind != NodeKind::Directory {
            i += 1;
            continue;
        }
        let node = w.nodes[i].clone();
        let rec_place = Place::new(
            if i == 0 {
                "root directory record"
            } else {
                "directory record"
            },
            u64::from(node.record_lba),
            u32::from(node.record_off),
        );
        let ext = w.extents[node.extents_start as usize];
        let lba = u64::from(ext.lba);
        let relocated = node.rr != NONE && w.rr[node.rr as usize].info.relocated;
        let mut len = u64::from(ext.length);
        if relocated {
            // A CL entry gives only the location; the size is in the "." record there.
            let cl_place = Place {
                structure: "RRIP CL entry",
                ..rec_place
            };
            if lba >= w.total {
                return Err(ReadError::ExtentPastEnd {
                    place: cl_place,
                    start: lba,
                    end: lba + 1,
                    total_sectors: w.total,
                });
            }
            let s = read_sector(src, lba)?;
            if s[0] == 0 {
                return Err(ReadError::invalid(
                    Place::new("relocated directory", lba, 0),
                    "the directory a CL entry points to does not start with a \".\" record",
                ));
            }
            let dot = parse_record(&s[..])
                .map_err(|d| ReadError::invalid(Place::new("directory record", lba, 0), d))?;
            if dot.ident != [0] || !dot.flags.contains(FileFlags::DIRECTORY) {
                return Err(ReadError::invalid(
                    cl_place,
                    format!("CL points to LBA {lba}, which is not a directory"),
                ));
            }
            len = u64::from(dot.data_length);
            let e = &mut w.extents[node.extents_start as usize];
            e.length = dot.data_length;
            w.nodes[i].size = len;
        }
        if len == 0 {
            return Err(ReadError::invalid(rec_place, "directory has Data Length 0"));
        }
        if len > options.max_directory_bytes {
            return Err(ReadError::limit(
                rec_place,
                Limit::DirectoryBytes,
                options.max_directory_bytes,
            ));
        }
        let blocks = len.div_ceil(SECTOR_SIZE as u64);
        if lba + blocks > w.total {
            return Err(ReadError::ExtentPastEnd {
                place: rec_place,
                start: lba,
                end: lba + blocks,
                total_sectors: w.total,
            });
        }
        dirs.insert(lba, lba + blocks, rec_place)?;
        read_into(src, lba, blocks, &mut buf)?;
        let len = len as usize;
        if i == 0 {
            // ECMA-119 6.8.2: a directory's first record is its "." record. A root whose
            // extent does not start with one is not a directory (zeros, file data):
            // an error, never an empty root.
            let dot = (buf[0] != 0)
                .then(|| parse_record(&buf[..len]).ok())
                .flatten();
            if !dot.is_some_and(|d| d.ident == [0] && d.flags.contains(FileFlags::DIRECTORY)) {
                return Err(ReadError::invalid(
                    Place::new("root directory", lba, 0),
                    format!(
                        "the root directory record points to LBA {lba}, which does not start with a \".\" directory record: not a directory"
                    ),
                ));
            }
        }

        let first_child = w.nodes.len() as u32;
        let child_depth = node.depth + 1;
        // The multi-extent file being assembled (its node index).
        let mut pending: Option<usize> = None;
        let mut pos = 0usize;
        let mut index = 0usize;
        while pos < len {
            if buf[pos] == 0 {
                pos = (pos / SECTOR_SIZE + 1) * SECTOR_SIZE;
                continue;
            }
            let place = Place::in_extent("directory record", lba, pos as u64);
            let rec = parse_record(&buf[pos..len]).map_err(|d| ReadError::invalid(place, d))?;
            let su_place = advance(place, rec.len - rec.su.len());
            let this = index;
            pos += rec.len;
            index += 1;
            if rec.ident == [0] || rec.ident == [1] {
                if rec.ident == [0] && this == 0 {
                    // "." holds the directory's own attributes for the root (no parent
                    // record) and for relocated directories (RRIP 4.1.5.1).
                    if i == 0 || relocated {
                        w.nodes[i].time = rec.time;
                    }
                    if rr_view && (i == 0 || relocated) {
                        rre.reset();
                        let skip = if i == 0 { 0 } else { w.len_skp };
                        susp.for_each(src, rec.su, skip, su_place, options, |e, p| {
                            rre.apply(e, p, options)
                        })?;
                        let mut attrs = rre.attributes();
                        attrs.relocated = relocated;
                        if node.rr == NONE {
                            w.nodes[i].rr = w.rr.len() as u32;
                            w.rr.push(RrData {
                                info: attrs,
                                target_off: 0,
                                target_len: 0,
                            });
                        } else {
                            w.rr[node.rr as usize].info = attrs;
                        }
                    }
                }
                continue;
            }
            if rec.unit_size != 0 {
                return Err(ReadError::invalid(
                    place,
                    format!(
                        "interleaved file (File Unit Size {}, Interleave Gap Size {}) is not supported",
                        rec.unit_size, rec.gap
                    ),
                ));
            }
            let is_dir = rec.flags.contains(FileFlags::DIRECTORY);
            if let Some(p) = pending {
                // ECMA-119 6.5.1: the next record of the same file.
                let pd = &w.nodes[p];
                let id_off = pd.name_off as usize + usize::from(pd.name_len);
                let same = w.bytes[id_off..id_off + usize::from(pd.ident_len)] == *rec.ident;
                if !same || is_dir {
                    return Err(ReadError::invalid(
                        place,
                        format!(
                            "multi-extent file continues with a record of another {} ({:?})",
                            if is_dir { "kind" } else { "name" },
                            String::from_utf8_lossy(rec.ident)
                        ),
                    ));
                }
                if w.nodes[p].extents_len >= options.max_extents_per_file {
                    return Err(ReadError::limit(
                        place,
                        Limit::ExtentsPerFile,
                        options.max_extents_per_file.into(),
                    ));
                }
                let e = w.data_extent(&rec, place)?;
                w.extents.push(e);
                let pd = &mut w.nodes[p];
                pd.extents_len += 1;
                pd.size += u64::from(e.length);
                pd.flags = rec.flags.bits();
                if !rec.flags.contains(FileFlags::MULTI_EXTENT) {
                    pending = None;
                }
                continue;
            }
            if rr_view {
                rre.reset();
                susp.for_each(src, rec.su, w.len_skp, su_place, options, |e, p| {
                    rre.apply(e, p, options)
                })?;
                if rre.re && is_dir {
                    // RRIP 4.1.5.3: shown at its original place through the CL entry.
                    continue;
                }
            }
            if w.nodes.len() as u64 >= options.max_entries {
                return Err(ReadError::limit(place, Limit::Entries, options.max_entries));
            }
            // The name in this view.
            match w.view {
                View::Joliet => {
                    joliet_name(rec.ident, &mut w.name)
                        .map_err(|d| ReadError::invalid(place, d))?;
                }
                View::RockRidge if rre.has_name => {
                    w.name.clear();
                    w.name.extend_from_slice(&rre.name);
                }
                _ => {
                    w.name.clear();
                    w.name.extend_from_slice(strip_version(rec.ident));
                }
            }
            check_name(&w.name).map_err(|d| {
                ReadError::invalid(
                    place,
                    format!("{d}: {:?}", String::from_utf8_lossy(&w.name)),
                )
            })?;
            if w.name.len() > usize::from(u16::MAX) {
                return Err(ReadError::limit(place, Limit::NameBytes, u16::MAX.into()));
            }
            let cl = if rr_view { rre.cl } else { None };
            let kind = if is_dir || cl.is_some() {
                NodeKind::Directory
            } else if rr_view {
                rre.file_kind()
            } else {
                NodeKind::File
            };
            if kind == NodeKind::Directory && u32::from(child_depth) > max_depth {
                return Err(ReadError::limit(place, Limit::Depth, max_depth.into()));
            }
            if is_dir && rec.flags.contains(FileFlags::MULTI_EXTENT) {
                return Err(ReadError::invalid(
                    place,
                    "a directory record has the Multi-Extent flag",
                ));
            }
            let extents_start = w.extents.len() as u32;
            let mut extents_len = 0;
            let mut size = 0u64;
            if let Some((loc, _)) = cl {
                w.extents.push(Extent {
                    lba: loc,
                    length: 0,
                });
                extents_len = 1;
            } else if is_dir || kind == NodeKind::File || rec.data_length > 0 {
                let e = w.data_extent(&rec, place)?;
                w.extents.push(e);
                extents_len = 1;
                size = u64::from(e.length);
            }
            let name = std::mem::take(&mut w.name);
            let name_off = w.push_bytes(&name, place)?;
            let name_len = name.len() as u16;
            w.name = name;
            w.push_bytes(rec.ident, place)?;
            let rr_index = if rr_view {
                let mut info = rre.attributes();
                info.relocated = cl.is_some();
                let (target_off, target_len) = if kind == NodeKind::Symlink {
                    (w.push_bytes(&rre.target, place)?, rre.target.len() as u32)
                } else {
                    (0, 0)
                };
                w.rr.push(RrData {
                    info,
                    target_off,
                    target_len,
                });
                (w.rr.len() - 1) as u32
            } else {
                NONE
            };
            w.nodes.push(NodeData {
                parent: i as u32,
                first_child: 0,
                child_count: 0,
                name_off,
                name_len,
                ident_len: rec.ident.len() as u8,
                kind,
                flags: rec.flags.bits(),
                depth: child_depth,
                extents_start,
                extents_len,
                size,
                record_lba: place.lba as u32,
                record_off: place.offset as u16,
                time: rec.time,
                rr: rr_index,
            });
            if rec.flags.contains(FileFlags::MULTI_EXTENT) && cl.is_none() {
                pending = Some(w.nodes.len() - 1);
            }
        }
        if let Some(p) = pending {
            let pd = &w.nodes[p];
            return Err(ReadError::invalid(
                Place::new(
                    "directory record",
                    u64::from(pd.record_lba),
                    pd.record_off.into(),
                ),
                "multi-extent file has no final record (the directory ends with the Multi-Extent flag set)",
            ));
        }
        let end = w.nodes.len() as u32;
        let n = &mut w.nodes[i];
        n.first_child = first_child;
        n.child_count = end - first_child;
        i += 1;
    }
    w.bytes.shrink_to_fit();
    w.nodes.shrink_to_fit();
    w.extents.shrink_to_fit();
    w.rr.shrink_to_fit();
    Ok(Tree {
        view,
        session_start: vol.session_start,
        nodes: w.nodes,
        bytes: w.bytes,
        extents: w.extents,
        rr: w.rr,
        irregular: std::collections::HashMap::new(),
        udf_icbs: Vec::new(),
    })
}
