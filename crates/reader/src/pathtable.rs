//! ECMA-119 9.4 path tables: reading (bounded) and checking them against the directory
//! hierarchy read from the directory records.

use std::collections::HashMap;

use discburn_format::codec::Reader;
use discburn_format::iso9660::{PathTableRecord, PathTableType};

use crate::error::{Limit, Place, ReadError};
use crate::source::{SECTOR_SIZE, SectorSource, read_into};
use crate::tree::{NodeKind, Tree, View};
use crate::volume::{ReadOptions, Volume, VolumeInfo};

/// One path table record, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTableEntry {
    /// Location of Extent (9.4.3), plus the Extended Attribute Record Length (9.4.2):
    /// where the directory's records start.
    pub extent: u64,
    /// Parent Directory Number (9.4.4), 1-based; the root's is 1.
    pub parent: u16,
    /// Directory Identifier (9.4.5); the root's is a single 0x00 byte.
    pub identifier: Vec<u8>,
}

/// Reads the type L or type M path table of a volume descriptor (ECMA-119 8.4.14/8.4.16).
///
/// # Errors
/// [`ReadError::ExtentPastEnd`] if the table lies past the media,
/// [`ReadError::LimitExceeded`] if its size exceeds `max_directory_bytes`,
/// [`ReadError::Format`] for a malformed record, [`ReadError::Invalid`] for a parent
/// number that points forward or a root that is not first, [`ReadError::Io`].
pub fn read_path_table(
    src: &mut (impl SectorSource + ?Sized),
    info: &VolumeInfo,
    ty: PathTableType,
    options: &ReadOptions,
) -> Result<Vec<PathTableEntry>, ReadError> {
    let (lba, field) = match ty {
        PathTableType::L => (u64::from(info.type_l_path_table), 140),
        PathTableType::M => (u64::from(info.type_m_path_table), 148),
    };
    let vd_place = Place::new("volume descriptor", info.descriptor_lba, field);
    let size = u64::from(info.path_table_size);
    if size > options.max_directory_bytes {
        return Err(ReadError::limit(
            vd_place,
            Limit::DirectoryBytes,
            options.max_directory_bytes,
        ));
    }
    let blocks = size.div_ceil(SECTOR_SIZE as u64);
    let total = src.total_sectors();
    if lba + blocks > total {
        return Err(ReadError::ExtentPastEnd {
            place: vd_place,
            start: lba,
            end: lba + blocks,
            total_sectors: total,
        });
    }
    let mut buf = Vec::new();
    read_into(src, lba, blocks, &mut buf)?;
    parse_path_table(&buf[..size as usize], lba, ty)
}

/// Parses the records of a path table held in `bytes`, recorded at `lba`.
pub(crate) fn parse_path_table(
    bytes: &[u8],
    lba: u64,
    ty: PathTableType,
) -> Result<Vec<PathTableEntry>, ReadError> {
    let mut r = Reader::new(bytes, "ECMA-119 path table record");
    let mut out = Vec::new();
    while r.remaining() > 0 {
        let at = r.offset() as u64;
        let place = Place::in_extent("path table record", lba, at);
        let rec = PathTableRecord::decode(ty, &mut r)
            .map_err(|source| ReadError::Format { place, source })?;
        let number = out.len() + 1;
        if number > usize::from(u16::MAX) {
            // Beyond 65535 directories the numbers cannot be recorded; stop checking.
        } else if usize::from(rec.parent_directory_number) > number
            || rec.parent_directory_number == 0
        {
            return Err(ReadError::invalid(
                place,
                format!(
                    "Parent Directory Number {} of record {number} does not point to an earlier record (ECMA-119 9.4.4)",
                    rec.parent_directory_number
                ),
            ));
        }
        if number == 1 && rec.directory_identifier != [0] {
            return Err(ReadError::invalid(
                place,
                "the first path table record is not the root (identifier 0x00)",
            ));
        }
        out.push(PathTableEntry {
            extent: u64::from(rec.location_of_extent)
                + u64::from(rec.extended_attribute_record_length),
            parent: rec.parent_directory_number,
            identifier: rec.directory_identifier.to_vec(),
        });
    }
    Ok(out)
}

/// Checks the type L and type M path tables of the tree's volume descriptor (the primary
/// one for an ISO 9660 tree, the Joliet one for a Joliet tree) against the directories of
/// `tree`: the same directories, with the same identifiers, extents and parents; and the
/// two tables equal.
///
/// # Errors
/// As [`read_path_table`], and [`ReadError::Invalid`] naming the first disagreement.
/// A Rock Ridge tree is checked as an ISO 9660 one would be only if nothing was
/// relocated; pass an ISO 9660 tree for discs with `rr_moved`.
pub fn validate_path_table(
    src: &mut (impl SectorSource + ?Sized),
    vol: &Volume,
    tree: &Tree,
) -> Result<(), ReadError> {
    let info = match tree.view() {
        View::Joliet => vol.joliet.as_ref().ok_or(ReadError::FileSystemNotFound {
            session_start: vol.session_start,
            file_system: "Joliet",
        })?,
        _ => &vol.primary,
    };
    let options = vol.options();
    let l = read_path_table(src, info, PathTableType::L, options)?;
    let m = read_path_table(src, info, PathTableType::M, options)?;
    let place = |ty: &'static str, i: usize| Place::new(ty, info.descriptor_lba, i as u32);
    if l != m {
        let i = l
            .iter()
            .zip(&m)
            .position(|(a, b)| a != b)
            .unwrap_or(l.len().min(m.len()));
        return Err(ReadError::invalid(
            place("path table", 0),
            format!("type L and type M path tables differ at record {}", i + 1),
        ));
    }
    let dirs: HashMap<u64, usize> = tree
        .iter()
        .filter(|n| n.kind() == NodeKind::Directory)
        .map(|n| (u64::from(n.extents()[0].lba), n.id().index()))
        .collect();
    if dirs.len() != l.len() {
        return Err(ReadError::invalid(
            place("path table", 0),
            format!(
                "the path table lists {} directories, the directory records {}",
                l.len(),
                dirs.len()
            ),
        ));
    }
    let mut number_of: Vec<usize> = Vec::with_capacity(l.len());
    for (i, e) in l.iter().enumerate() {
        let Some(&node) = dirs.get(&e.extent) else {
            return Err(ReadError::invalid(
                place("path table", 0),
                format!(
                    "path table record {} names LBA {}, which is no directory of the tree",
                    i + 1,
                    e.extent
                ),
            ));
        };
        number_of.push(node);
        let n = tree.get(crate::tree::NodeId(node as u32));
        let ident_ok = if i == 0 {
            e.identifier == [0]
        } else {
            n.identifier() == e.identifier.as_slice()
        };
        let parent_ok = match n.parent() {
            None => e.parent == 1,
            Some(p) => number_of.get(usize::from(e.parent) - 1) == Some(&p.id().index()),
        };
        if !ident_ok || !parent_ok {
            return Err(ReadError::invalid(
                place("path table", 0),
                format!(
                    "path table record {} ({:?}, parent {}) disagrees with the directory record of {}",
                    i + 1,
                    String::from_utf8_lossy(&e.identifier),
                    e.parent,
                    n.path()
                ),
            ));
        }
    }
    Ok(())
}
