//! Rollback (issue 11 item 5): make an earlier session the newest again on media whose
//! sessions are described by the head at LBA 0–31 (xorriso's layout for overwritable
//! media, peers.md §1.1): BD-RE, DVD+RW, DVD-RAM, image files and block devices. BD-R
//! Pseudo-Overwrite is refused for now: the drive records each rewritten block in a new
//! cluster at the next writable address, which the session chain of a POW disc does
//! not account for.
//!
//! The head is rewritten as the append of session N wrote it: 16 blocks of zeros, then
//! a copy of session N's volume descriptor set (ECMA-119 8) with the Volume Space Size
//! of the primary and supplementary descriptors (ECMA-119 8.4.8) raised to session N's
//! end. Every reader that looks at LBA 16 (the kernel, isoinfo, xorriso, discburn) then
//! sees session N, and the session chain (`sessions`, `xorriso -toc`) ends with it. The
//! volume descriptor sets of the later sessions are then cleared (the blocks from their
//! start + 16 to their set terminator are zeroed, newest first), exactly what `repair`
//! does with the leftovers of an interrupted session: their file data stays on the
//! medium but is no longer reachable, and the next burn starts right after session N,
//! reusing that space, as xorriso's session history on overwritable media does.
//!
//! Order and interruption: the head is written (and flushed) first, so a power cut
//! leaves either the old newest session or session N visible at LBA 16; the later
//! sessions found past session N's end (following their own Volume Space Sizes) are
//! cleared on every run, so an interrupted rollback is finished by running it again.
//!
//! Sequential media (CD-R/RW, DVD±R, DVD-RW, BD-R without Pseudo-Overwrite) are refused:
//! their sessions are fixed in the drive's table of contents; an earlier session is
//! read there by number (`--session N`).

use discburn_format::SECTOR_SIZE;
use discburn_mmc::MmcError;
use discburn_recorder::{DiscRecorder, RecorderError};

use crate::{Disc, Error};

/// Blocks of the head at LBA 0 (peers.md §1.1).
const HEAD_BLOCKS: usize = 32;
/// Most volume descriptors read in one set before its terminator.
const MAX_DESCRIPTORS: u64 = 16;
/// Blocks read and written at once: a multiple of every write unit (16 on DVD+RW,
/// 32 on BD), so each WRITE covers whole units.
const UNIT: u64 = 32;
/// Most sessions followed past session N's end.
const MAX_LATER: usize = 10_000;

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RollbackReport {
    /// The recorder.
    pub device: String,
    /// The session that is the newest now (1-based).
    pub session: u32,
    /// Its first LBA.
    pub start: u64,
    /// Its end (exclusive): where the next session starts, rounded up to 32 blocks.
    pub end: u64,
    /// First LBAs of the later sessions whose volume descriptors were cleared, newest
    /// first (empty when session N was already the newest).
    pub discarded: Vec<u64>,
    /// The head at LBA 0–31 was rewritten.
    pub head_written: bool,
}

impl std::fmt::Display for RollbackReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.head_written && self.discarded.is_empty() {
            return write!(
                f,
                "{}: session {} at LBA {} is already the newest; nothing written",
                self.device, self.session, self.start
            );
        }
        write!(
            f,
            "{}: session {} at LBA {} is the newest again; {} later session(s) discarded (their data stays on the medium but is no longer reachable; the next session starts at LBA {})",
            self.device,
            self.session,
            self.start,
            self.discarded.len(),
            self.end.next_multiple_of(UNIT)
        )
    }
}

fn mmc(rec: &DiscRecorder, e: MmcError) -> Error {
    Error::Recorder(RecorderError::from_mmc(rec.active_disc_recorder(), e))
}

/// Volume descriptor type of a block holding one ("CD001", version 1), else `None`.
fn descriptor_type(s: &[u8]) -> Option<u8> {
    (&s[1..6] == b"CD001" && s[6] == 1).then_some(s[0])
}

impl Disc {
    /// Makes session `number` (1-based, as [`Disc::sessions`] lists them) the newest
    /// again on overwritable media and image files: the head at
    /// LBA 0–31 is rewritten with its volume descriptors and the later sessions'
    /// descriptors are cleared (see the module documentation). Exclusive access is
    /// held under the client name `discburn`.
    ///
    /// # Errors
    /// [`Error::MediaState`] on sequential media and BD-R Pseudo-Overwrite; [`Error::NoSuchSession`];
    /// [`Error::DescriptorsReplaced`] for a first session whose descriptors a head
    /// replaced; [`Error::Read`] when session N's volume descriptors cannot be read;
    /// [`Error::Recorder`], [`Error::Writer`] (locked, device errors).
    pub fn rollback(self, number: u32) -> Result<RollbackReport, Error> {
        let device = self.device().to_string();
        let state = self.writer().current_media_status()?;
        if !self.is_overwrite()? {
            return Err(Error::MediaState {
                device,
                state,
                reason: "rollback needs rewritable media (BD-RE, DVD+RW, DVD-RAM), BD-R Pseudo-Overwrite or an image file: the sessions of sequential media are fixed; read an earlier one by number (--session N)",
            });
        }
        if self.writer().current_physical_media_type()? == discburn_recorder::PhysicalMediaType::BdR
        {
            return Err(Error::MediaState {
                device,
                state,
                reason: "rollback on BD-R Pseudo-Overwrite is not supported yet: the drive remaps the rewritten head into new clusters, which the session chain does not account for; read an earlier session by number (--session N)",
            });
        }
        let sessions = self.sessions()?;
        let Some(target) = number
            .checked_sub(1)
            .and_then(|i| sessions.get(i as usize))
            .cloned()
        else {
            return Err(Error::NoSuchSession {
                device,
                number: Some(number),
                count: sessions.len(),
            });
        };
        if target.descriptors_replaced {
            return Err(Error::DescriptorsReplaced { device, number });
        }
        let end = target.start + target.blocks;
        let newest = sessions.len() == number as usize;
        let mut rec = self.writer().recorder()?;
        rec.acquire_exclusive_access(false, crate::append::CLIENT_NAME)?;
        let result = roll_back(&mut rec, &target, end, newest);
        let released = rec.release_exclusive_access();
        let (discarded, head_written) = result?;
        released?;
        Ok(RollbackReport {
            device,
            session: number,
            start: target.start,
            end,
            discarded,
            head_written,
        })
    }
}

/// Writes the head for `target` (unless it is already the newest) and clears the
/// descriptor sets of the sessions after `end`; returns (sessions cleared, head
/// written).
fn roll_back(
    rec: &mut DiscRecorder,
    target: &crate::SessionInfo,
    end: u64,
    newest: bool,
) -> Result<(Vec<u64>, bool), Error> {
    let total = rec.read_capacity().map_or(0, |c| u64::from(c.last_lba) + 1);
    let read = |rec: &mut DiscRecorder, lba: u64, buf: &mut [u8]| -> Result<(), Error> {
        let l = u32::try_from(lba).map_err(|_| Error::NoSuchSession {
            device: rec.active_disc_recorder().to_string(),
            number: None,
            count: 0,
        })?;
        rec.drive().read10(l, buf).map_err(|e| mmc(rec, e))
    };
    // The later sessions: each starts at the previous end rounded up to 32 blocks
    // (16 for growisofs) and has a primary volume descriptor at start + 16.
    let mut later = Vec::new();
    let mut next = end.next_multiple_of(UNIT);
    let mut s = vec![0u8; SECTOR_SIZE];
    while later.len() < MAX_LATER {
        let mut found = None;
        for c in [next - next % 16, next] {
            if c + 16 >= total || c < end {
                continue;
            }
            read(rec, c + 16, &mut s)?;
            if descriptor_type(&s) == Some(1) {
                found = Some(c);
                break;
            }
        }
        let Some(start) = found else { break };
        let size = u64::from(u32::from_le_bytes([s[80], s[81], s[82], s[83]]));
        later.push(start);
        next = (start + size.max(17)).next_multiple_of(UNIT);
    }
    let head_written = !newest || !later.is_empty();
    if head_written {
        let mut head = vec![0u8; HEAD_BLOCKS * SECTOR_SIZE];
        let end32 = u32::try_from(end).unwrap_or(u32::MAX);
        for i in 16..HEAD_BLOCKS {
            let block = &mut head[i * SECTOR_SIZE..(i + 1) * SECTOR_SIZE];
            read(rec, target.start + i as u64, block)?;
            match descriptor_type(block) {
                Some(1 | 2) => {
                    block[80..84].copy_from_slice(&end32.to_le_bytes());
                    block[84..88].copy_from_slice(&end32.to_be_bytes());
                }
                Some(255) => break,
                Some(_) => {}
                None => {
                    block.fill(0);
                    break;
                }
            }
        }
        if descriptor_type(&head[16 * SECTOR_SIZE..17 * SECTOR_SIZE]) != Some(1) {
            return Err(Error::Read(discburn_reader::ReadError::Io {
                lba: target.start + 16,
                count: 1,
                source: std::io::Error::other(
                    "no primary volume descriptor at the session's start + 16",
                ),
            }));
        }
        rec.drive().write10(0, &head).map_err(|e| mmc(rec, e))?;
        rec.drive()
            .synchronize_cache(false)
            .map_err(|e| mmc(rec, e))?;
    }
    // Newest first: an interrupted run leaves the later sessions that remain in a
    // chain right after session N, where the next run finds them.
    let mut discarded = Vec::new();
    for &start in later.iter().rev() {
        let first = start + 16;
        let unit = first - first % UNIT;
        let mut buf = vec![0u8; (2 * UNIT) as usize * SECTOR_SIZE];
        let n = (2 * UNIT).min(total.saturating_sub(unit));
        let buf = &mut buf[..n as usize * SECTOR_SIZE];
        read(rec, unit, buf)?;
        for lba in first..(first + MAX_DESCRIPTORS).min(unit + n) {
            let o = (lba - unit) as usize * SECTOR_SIZE;
            let b = &mut buf[o..o + SECTOR_SIZE];
            let Some(t) = descriptor_type(b) else { break };
            b.fill(0);
            if t == 255 {
                break;
            }
        }
        let l = u32::try_from(unit).unwrap_or(u32::MAX);
        rec.drive().write10(l, buf).map_err(|e| mmc(rec, e))?;
        discarded.push(start);
    }
    rec.drive()
        .synchronize_cache(false)
        .map_err(|e| mmc(rec, e))?;
    Ok((discarded, head_written))
}
