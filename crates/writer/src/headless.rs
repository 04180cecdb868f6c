//! A first session interrupted on overwritable media before its head was written.
//!
//! On overwritable media, BD-R Pseudo-Overwrite and image files the first session is
//! recorded at LBA 32 and the 32-block head at LBA 0 last (peers.md §1.1), so a power
//! cut, kill or Ctrl-C during the first session leaves LBA 0–31 zero and the session's
//! volume descriptors (or, UDF alone, its recognition sequence) at LBA 48 with its data
//! recorded only in part. Such a session
//! must not be taken for a complete one: a burn refuses it and `repair` replaces it.
//! Its volume descriptor set is overwritten with an empty ISO 9660 volume (21 blocks,
//! keeping the interrupted session's volume identifier) and a head describing that volume is written, so the
//! medium holds one complete, empty session and the next session follows it; the
//! blocks of the interrupted session after the empty volume are reused by later
//! sessions. A UDF-only first session is replaced by an empty UDF volume instead, so
//! that the disc stays UDF alone.

use std::io::Read as _;

use discburn_reader::SectorSource;
use discburn_recorder::DiscRecorder;

use crate::engine::SECTOR;
use crate::error::{WriterError, mmc};
use crate::ownership::read_blocks;
use crate::repair::RepairOutcome;

/// Start of the first session on media with a head (peers.md §1.1).
const FIRST: u64 = 32;

/// True when `src` holds a first session at LBA 32 (a primary volume descriptor,
/// ECMA-119 8.4, or the BEA01 of a UDF recognition sequence, ECMA-167 2/9.2, at LBA 48)
/// and LBA 0–31 are all zero: a first session interrupted before its head was written.
///
/// # Errors
/// Read errors.
pub fn headless_first_session(src: &mut (impl SectorSource + ?Sized)) -> std::io::Result<bool> {
    if src.total_sectors() <= FIRST + 16 {
        return Ok(false);
    }
    let mut head = vec![0u8; (FIRST as usize + 17) * SECTOR];
    src.read_sectors(0, &mut head)?;
    let pvd = &head[48 * SECTOR..49 * SECTOR];
    Ok((is_primary(pvd) || is_udf_recognition(pvd))
        && head[..FIRST as usize * SECTOR].iter().all(|&b| b == 0))
}

/// A primary volume descriptor (ECMA-119 8.4).
fn is_primary(s: &[u8]) -> bool {
    s[0] == 1 && &s[1..6] == b"CD001"
}

/// The first descriptor of a UDF volume recognition sequence, BEA01 (ECMA-167 2/9.2):
/// a UDF-only first session, whose volume structures follow.
fn is_udf_recognition(s: &[u8]) -> bool {
    s[0] == 0 && &s[1..6] == b"BEA01"
}

/// Replaces the interrupted first session (see the module documentation); `None` when
/// the medium holds none.
pub(crate) fn replace(rec: &mut DiscRecorder) -> Result<Option<RepairOutcome>, WriterError> {
    {
        let mut src = crate::ownership::RecorderBlocks::new(rec)?;
        if !headless_first_session(&mut src).unwrap_or(false) {
            return Ok(None);
        }
    }
    // Whole 32-block units (every write unit divides 32): read, replace, write.
    let mut unit = vec![0u8; 32 * SECTOR];
    read_blocks(rec, FIRST as u32, &mut unit).map_err(|e| mmc(rec, e))?;
    let (volume, head, blocks) = if is_udf_recognition(&unit[16 * SECTOR..17 * SECTOR]) {
        empty_udf(rec, &unit)?
    } else {
        empty_iso(unit)
    };
    // The volume in whole 32-block units, then the head last.
    for (k, chunk) in volume.chunks(32 * SECTOR).enumerate() {
        rec.drive()
            .write10(FIRST as u32 + 32 * k as u32, chunk)
            .map_err(|e| mmc(rec, e))?;
    }
    rec.drive()
        .synchronize_cache(false)
        .map_err(|e| mmc(rec, e))?;
    rec.drive().write10(0, &head).map_err(|e| mmc(rec, e))?;
    rec.drive()
        .synchronize_cache(false)
        .map_err(|e| mmc(rec, e))?;
    Ok(Some(RepairOutcome::FirstSessionReplaced {
        session_start: FIRST,
        blocks,
    }))
}

/// An empty ISO 9660 volume over the start of `unit` (LBA 32–63 as read; the rest is
/// written back unchanged), and the head describing it. Returns the unit, the head and
/// the volume's blocks.
fn empty_iso(mut unit: Vec<u8>) -> (Vec<u8>, Vec<u8>, u64) {
    // The empty volume keeps the interrupted session's Volume Identifier (ECMA-119
    // 8.4.6, bytes 40-71 of its primary volume descriptor at LBA 48), so the sessions
    // that follow import the name the user chose, not "RESCUED".
    let mut volume_id = [0u8; 32];
    volume_id.copy_from_slice(&unit[16 * SECTOR + 40..16 * SECTOR + 72]);
    let mut volume = crate::repair::empty_volume(FIRST as u32, Some(&volume_id));
    let blocks = (volume.len() / SECTOR) as u32;
    // Sessions on these media record their own size (session-local Volume Space Size).
    volume[16 * SECTOR + 80..16 * SECTOR + 84].copy_from_slice(&blocks.to_le_bytes());
    volume[16 * SECTOR + 84..16 * SECTOR + 88].copy_from_slice(&blocks.to_be_bytes());
    unit[..volume.len()].copy_from_slice(&volume);
    // The head: zeros, the descriptors with Volume Space Size = the session's end.
    let mut head = vec![0u8; 32 * SECTOR];
    head[16 * SECTOR..18 * SECTOR].copy_from_slice(&volume[16 * SECTOR..18 * SECTOR]);
    let end = FIRST as u32 + blocks;
    head[16 * SECTOR + 80..16 * SECTOR + 84].copy_from_slice(&end.to_le_bytes());
    head[16 * SECTOR + 84..16 * SECTOR + 88].copy_from_slice(&end.to_be_bytes());
    (unit, head, u64::from(blocks))
}

/// The interrupted first session was a UDF volume alone: an empty UDF volume at LBA 32
/// at the same revision family (NSR02: 1.02, NSR03: 2.01; ECMA-167 3/9.1), with its
/// anchors at LBA 256 and after it, padded with zeros to whole 32-block units, and a
/// head holding the recognition sequence; later burns then continue UDF alone after it.
/// `unit` is LBA 32–63 as read. Returns the volume, the head and the volume's blocks.
fn empty_udf(rec: &mut DiscRecorder, unit: &[u8]) -> Result<(Vec<u8>, Vec<u8>, u64), WriterError> {
    // Laying out an empty volume at LBA 32 cannot fail but for a bug: named as such.
    let image_err = |e: discburn_image::ImageError| {
        WriterError::InvalidArgument(format!("repair: the empty UDF volume: {e}"))
    };
    let nsr03 = (16..32).any(|i| &unit[i * SECTOR + 1..i * SECTOR + 6] == b"NSR03");
    let mut image = discburn_image::FileSystemImage::new();
    image.set_file_systems_to_create(discburn_image::FileSystems::UDF);
    // The empty volume keeps the interrupted one's Logical Volume Identifier (ECMA-167
    // 3/10.6.4), from its main volume descriptor sequence at LBA 64 when it was
    // recorded, so later sessions import the name the user chose.
    if let Some(name) = interrupted_volume_name(rec) {
        let _ = image.set_volume_name(&name);
    }
    image
        .set_udf_revision(if nsr03 { 0x201 } else { 0x102 })
        .map_err(image_err)?;
    image.set_record_md5(false);
    image.set_session_start_block(FIRST as u32);
    let mut volume = Vec::new();
    image
        .create_result_image()
        .map_err(image_err)?
        .read_to_end(&mut volume)
        .map_err(|e| image_err(discburn_image::ImageError::Write { source: e }))?;
    let blocks = (volume.len() / SECTOR) as u64;
    // The tail of the last unit zeros (the interrupted session's blocks).
    volume.resize(volume.len().next_multiple_of(32 * SECTOR), 0);
    // The head: zeros and the recognition sequence, as every UDF session's head.
    let mut head = vec![0u8; 32 * SECTOR];
    head[16 * SECTOR..19 * SECTOR].copy_from_slice(&volume[16 * SECTOR..19 * SECTOR]);
    Ok((volume, head, blocks))
}

/// The Logical Volume Identifier of the Logical Volume Descriptor in LBA 64–79 (the main
/// volume descriptor sequence of a UDF session at LBA 32), if one decodes there.
fn interrupted_volume_name(rec: &mut DiscRecorder) -> Option<String> {
    use discburn_format::ecma167::{LogicalVolumeDescriptor, decode_descriptor, decode_dstring};
    let mut vds = vec![0u8; 16 * SECTOR];
    read_blocks(rec, FIRST as u32 + 32, &mut vds).ok()?;
    vds.chunks(SECTOR).enumerate().find_map(|(i, b)| {
        let lba = FIRST as u32 + 32 + i as u32;
        let (_, lvd) = decode_descriptor::<LogicalVolumeDescriptor>(b, Some(lba)).ok()?;
        decode_dstring(&lvd.logical_volume_identifier)
            .ok()
            .filter(|n| !n.is_empty())
    })
}
