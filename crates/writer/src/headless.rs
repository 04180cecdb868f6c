//! A first session interrupted on overwritable media before its head was written.
//!
//! On overwritable media, BD-R Pseudo-Overwrite and image files the first session is
//! recorded at LBA 32 and the 32-block head at LBA 0 last (peers.md §1.1), so a power
//! cut, kill or Ctrl-C during the first session leaves LBA 0–31 zero and the session's
//! volume descriptors at LBA 48 with its data recorded only in part. Such a session
//! must not be taken for a complete one: a burn refuses it and `repair` replaces it.
//! Its volume descriptor set is overwritten with an empty ISO 9660 volume (21 blocks,
//! keeping the interrupted session's volume identifier) and a head describing that volume is written, so the
//! medium holds one complete, empty session and the next session follows it; the
//! blocks of the interrupted session after the empty volume are reused by later
//! sessions.

use discburn_reader::SectorSource;
use discburn_recorder::DiscRecorder;

use crate::engine::SECTOR;
use crate::error::WriterError;
use crate::ownership::read_blocks;
use crate::repair::RepairOutcome;

/// Start of the first session on media with a head (peers.md §1.1).
const FIRST: u64 = 32;

/// True when `src` holds a first session at LBA 32 (a primary volume descriptor,
/// ECMA-119 8.4, at LBA 48) and LBA 0–31 are all zero: a first session interrupted
/// before its head was written.
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
    Ok(pvd[0] == 1
        && &pvd[1..6] == b"CD001"
        && head[..FIRST as usize * SECTOR].iter().all(|&b| b == 0))
}

/// Replaces the interrupted first session (see the module documentation); `None` when
/// the medium holds none.
pub(crate) fn replace(rec: &mut DiscRecorder) -> Result<Option<RepairOutcome>, WriterError> {
    let mmc = |rec: &DiscRecorder, e| {
        WriterError::Recorder(discburn_recorder::RecorderError::from_mmc(
            rec.active_disc_recorder(),
            e,
        ))
    };
    {
        let mut src = crate::ownership::RecorderBlocks::new(rec)?;
        if !headless_first_session(&mut src).unwrap_or(false) {
            return Ok(None);
        }
    }
    // Whole 32-block units (every write unit divides 32): read, replace, write.
    let mut unit = vec![0u8; 32 * SECTOR];
    read_blocks(rec, FIRST as u32, &mut unit).map_err(|e| mmc(rec, e))?;
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
    rec.drive()
        .write10(FIRST as u32, &unit)
        .map_err(|e| mmc(rec, e))?;
    rec.drive()
        .synchronize_cache(false)
        .map_err(|e| mmc(rec, e))?;
    // The head last: zeros, the descriptors with Volume Space Size = the session's end.
    let mut head = vec![0u8; 32 * SECTOR];
    head[16 * SECTOR..18 * SECTOR].copy_from_slice(&volume[16 * SECTOR..18 * SECTOR]);
    let end = FIRST as u32 + blocks;
    head[16 * SECTOR + 80..16 * SECTOR + 84].copy_from_slice(&end.to_le_bytes());
    head[16 * SECTOR + 84..16 * SECTOR + 88].copy_from_slice(&end.to_be_bytes());
    rec.drive().write10(0, &head).map_err(|e| mmc(rec, e))?;
    rec.drive()
        .synchronize_cache(false)
        .map_err(|e| mmc(rec, e))?;
    Ok(Some(RepairOutcome::FirstSessionReplaced {
        session_start: FIRST,
        blocks: u64::from(blocks),
    }))
}
