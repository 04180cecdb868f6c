//! Rollback (issue 11 item 5): make an earlier session what a plain reader sees again
//! on media whose sessions are described by the head at LBA 0–31 (xorriso's layout for
//! overwritable media, peers.md §1.1): BD-RE, DVD+RW, DVD-RAM, image files, block
//! devices and BD-R formatted for Pseudo-Overwrite (MMC-6 4.5.3.5). Every session stays
//! listed and readable by number.
//!
//! **The rollback record.** Rolling back to session N appends a *rollback record* to
//! the session chain: at the chain's end, rounded up to 32 blocks (the next session
//! start), one 32-block cluster holding 16 zero blocks and a copy of session N's volume
//! descriptor set (ECMA-119 8: boot record, primary, supplementary, terminator) with
//! the Volume Space Size of the primary and supplementary descriptors (ECMA-119 8.4.8)
//! set to the record's own size. The record is a session of its own in the chain (it
//! repeats session N's tree: its descriptors point to session N's directories and
//! files), so the chain walked from LBA 32 (`sessions`, `xorriso -toc`) lists sessions
//! 1…M and then the record, and every one of them is read by number. Then the head at
//! LBA 16–31 is rewritten with the same descriptors and the Volume Space Size of the
//! record's end: every reader that looks at LBA 16 (the kernel, isoinfo, xorriso,
//! discburn) sees session N's tree, the newest session of the chain is the record, and
//! the next `burn` imports session N's tree and starts after the record. Rolling
//! forward (to a later session) appends another record. The system area at LBA 0–15
//! is kept. Rolling back to the session the head already shows writes nothing.
//!
//! **BD-R Pseudo-Overwrite.** The drive records every write to a recorded block as a
//! replacement cluster at the next writable address (NWA) of the open track. The
//! record is written at the NWA (a plain write) and covers, with its Volume Space Size,
//! the following cluster where the head's replacement is recorded, as a POW session
//! does; when the chain ends before the NWA (the leftovers of an interrupted session)
//! the record pseudo-overwrites the first leftover cluster and its Volume Space Size
//! spans the leftovers and both replacement clusters. The POW resources (READ DISC
//! INFORMATION data type 010b, MMC-6 6.22) must cover the replacements (1, or 2 over
//! leftovers) before anything is written; the track is closed afterwards (CLOSE
//! TRACK/SESSION function 001b), as after a POW session.
//!
//! **Order of writes and interruption.** (1) the record, SYNCHRONIZE CACHE; (2) the
//! head at LBA 0–31 in one WRITE, SYNCHRONIZE CACHE. A power cut during (1) leaves the
//! head untouched: sessions 1…M are listed as before, and the partial record lies past
//! the chain's end in a cluster this command recognises as its own (16 zero blocks, then
//! zeros or a primary volume descriptor) and writes again. A cut during (2) leaves a
//! head that is either the old one (the record lies past the chain) or, once its
//! primary descriptor at LBA 16 is written, one that shows session N (the chain then
//! ends with the record); sessions 1…M stay listed and readable by number in both
//! cases. Running the rollback again completes it: the head is compared block by block
//! with what it must hold and written again when it differs.
//!
//! Sequential media (CD-R/RW, DVD±R, DVD-RW, BD-R without Pseudo-Overwrite) are refused:
//! their sessions are fixed in the drive's table of contents; an earlier session is
//! read there by number (`--session N`).

use discburn_format::SECTOR_SIZE;
use discburn_mmc::cdb::CloseFunction;
use discburn_mmc::{MmcError, TrackAddress};
use discburn_recorder::{DiscRecorder, RecorderError};
use discburn_writer::{MsftMultisessionPseudoOverwrite, WriterError};

use crate::{Disc, Error};

/// Blocks of the head at LBA 0 (peers.md §1.1), of a rollback record, and of a BD
/// cluster (every WRITE covers whole write units: 16 on DVD+RW, 32 on BD).
const CLUSTER: u64 = 32;
/// Most volume descriptors read in one set before its terminator.
const MAX_DESCRIPTORS: usize = 15;

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RollbackReport {
    /// The recorder.
    pub device: String,
    /// The session whose tree LBA 0 shows now (1-based).
    pub session: u32,
    /// Its first LBA.
    pub start: u64,
    /// The end (exclusive) of the session chain now: the next session starts here,
    /// rounded up to 32 blocks.
    pub end: u64,
    /// The rollback record written (its session number and first LBA), if one was.
    pub record: Option<(u32, u64)>,
    /// The head at LBA 0–31 was rewritten.
    pub head_written: bool,
    /// Sessions listed after the rollback (every earlier one, plus the record).
    pub sessions: u32,
}

impl std::fmt::Display for RollbackReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.head_written && self.record.is_none() {
            return write!(
                f,
                "{}: LBA 0 already shows session {} (LBA {}); nothing written",
                self.device, self.session, self.start
            );
        }
        write!(
            f,
            "{}: LBA 0 shows session {} (LBA {}) again",
            self.device, self.session, self.start
        )?;
        if let Some((n, lba)) = self.record {
            write!(
                f,
                "; rollback record at LBA {lba} is session {n}, repeating session {}",
                self.session
            )?;
        }
        write!(
            f,
            "; all {} sessions stay readable by number (--session); the next session starts at LBA {}",
            self.sessions,
            self.end.next_multiple_of(CLUSTER)
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

/// Sets the Volume Space Size (ECMA-119 8.4.8, both byte orders) of the primary and
/// supplementary descriptors in `set` (whole blocks).
fn set_volume_space_size(set: &mut [u8], size: u64) {
    let v = u32::try_from(size).unwrap_or(u32::MAX);
    for b in set.chunks_mut(SECTOR_SIZE) {
        if matches!(descriptor_type(b), Some(1 | 2)) {
            b[80..84].copy_from_slice(&v.to_le_bytes());
            b[84..88].copy_from_slice(&v.to_be_bytes());
        }
    }
}

/// The pseudo-overwrite state of a POW BD-R: NWA and the three remaining resources.
struct Pow {
    nwa: u64,
    replacements: u32,
    map_entries: u32,
    updates: u32,
    free: u64,
}

impl Disc {
    /// Makes session `number` (1-based, as [`Disc::sessions`] lists them) what a plain
    /// reader sees at LBA 0 again, on overwritable media, image files and BD-R
    /// Pseudo-Overwrite: a rollback record repeating its volume descriptors is appended
    /// to the session chain and the head at LBA 16–31 is rewritten with them (see the
    /// module documentation). Every session stays listed and readable by number.
    /// Exclusive access is held under the client name `discburn`.
    ///
    /// # Errors
    /// [`Error::MediaState`] on sequential media; [`Error::NoSuchSession`];
    /// [`Error::DescriptorsReplaced`] for a first session whose descriptors a head
    /// replaced; [`Error::Read`] when session N's volume descriptors cannot be read;
    /// [`Error::Writer`]: E_IMAPI_DF2DATA_INVALID_MEDIA_STATE when the POW resources
    /// or the free space cannot take the record and the head (naming what is left),
    /// E_IMAPI_DF2DATA_MEDIA_NOT_BLANK when the record's cluster holds data that is not
    /// ours; [`Error::Recorder`] (locked, device errors).
    pub fn rollback(self, number: u32) -> Result<RollbackReport, Error> {
        let device = self.device().to_string();
        let state = self.writer().current_media_status()?;
        let sequential_on_pow = self.sequential_on_pow()?;
        if let Some(q) = sequential_on_pow.as_ref().and_then(|v| v.first()) {
            return Err(Error::Writer(WriterError::InvalidMediaState {
                device,
                state,
                reason: format!(
                    "a session recorded with the Sequential mechanism lies after the session chain at LBA {}; burn a session with the pseudo-overwrite mechanism first (it links that session into the chain), then roll back",
                    q.start
                ),
            }));
        }
        if sequential_on_pow.is_none() && !self.is_overwrite()? {
            return Err(Error::MediaState {
                device,
                state,
                reason: "rollback needs rewritable media (BD-RE, DVD+RW, DVD-RAM), BD-R Pseudo-Overwrite or an image file: the sessions of sequential media are fixed; read an earlier one by number (--session N)",
            });
        }
        let pow = self
            .writer()
            .multisession_interfaces()?
            .iter()
            .find_map(|m| {
                let p = m
                    .as_any()
                    .downcast_ref::<MsftMultisessionPseudoOverwrite>()?;
                Some(Pow {
                    nwa: p.next_writable_address().ok()?.max(0) as u64,
                    replacements: p.remaining_replacements(),
                    map_entries: p.remaining_map_entries(),
                    updates: p.remaining_updates(),
                    free: p.free_sectors_on_media().max(0) as u64,
                })
            });
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
        let newest = sessions.last().expect("the target is listed").clone();
        let mut rec = self.writer().recorder()?;
        rec.acquire_exclusive_access(false, crate::append::CLIENT_NAME)?;
        let result = roll_back(&mut rec, state, &target, &newest, pow.as_ref());
        let released = rec.release_exclusive_access();
        let (record, head_written, end) = result?;
        released?;
        Ok(RollbackReport {
            device,
            session: number,
            start: target.start,
            end,
            record: record.map(|lba| (newest.number + 1, lba)),
            head_written,
            sessions: newest.number + u32::from(record.is_some()),
        })
    }
}

fn read(rec: &mut DiscRecorder, lba: u64, buf: &mut [u8]) -> Result<(), Error> {
    let l = u32::try_from(lba).map_err(|_| {
        Error::Read(discburn_reader::ReadError::Io {
            lba,
            count: 1,
            source: std::io::Error::other("LBA beyond 2^32"),
        })
    })?;
    rec.drive().read10(l, buf).map_err(|e| mmc(rec, e))
}

fn write(rec: &mut DiscRecorder, lba: u64, buf: &[u8]) -> Result<(), Error> {
    let l = u32::try_from(lba).unwrap_or(u32::MAX);
    rec.drive().write10(l, buf).map_err(|e| mmc(rec, e))?;
    rec.drive()
        .synchronize_cache(false)
        .map_err(|e| mmc(rec, e))
}

/// The volume descriptor set of the session at `start` (LBA start+16 up to and with
/// its terminator), as whole blocks; the root directory record of its primary
/// descriptor (ECMA-119 8.4.18, bytes 156–189) is at `[156..190]`.
fn descriptor_set(rec: &mut DiscRecorder, start: u64) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; (MAX_DESCRIPTORS + 1) * SECTOR_SIZE];
    read(rec, start + 16, &mut buf)?;
    if descriptor_type(&buf[..SECTOR_SIZE]) != Some(1) {
        return Err(Error::Read(discburn_reader::ReadError::Io {
            lba: start + 16,
            count: 1,
            source: std::io::Error::other(
                "no primary volume descriptor at the session's start + 16; run `discburn sessions` to check the session list",
            ),
        }));
    }
    let mut n = 0;
    for b in buf.chunks(SECTOR_SIZE) {
        match descriptor_type(b) {
            Some(255) => {
                n += 1;
                break;
            }
            Some(_) => n += 1,
            None => break,
        }
    }
    buf.truncate(n * SECTOR_SIZE);
    Ok(buf)
}

/// A cluster we may write the record over: zeros (never recorded or blank) or 16 zero
/// blocks then a primary volume descriptor (the start of an interrupted session or of
/// an interrupted rollback record).
fn ours(cluster: &[u8]) -> bool {
    let zero = |b: &[u8]| b.iter().all(|&x| x == 0);
    let (sys, rest) = cluster.split_at(16 * SECTOR_SIZE);
    zero(sys) && (zero(rest) || descriptor_type(&rest[..SECTOR_SIZE]) == Some(1))
}

/// Writes the record (when `newest` does not show `target`'s tree) and the head;
/// returns (record LBA, head written, chain end).
fn roll_back(
    rec: &mut DiscRecorder,
    state: discburn_writer::MediaState,
    target: &crate::SessionInfo,
    newest: &crate::SessionInfo,
    pow: Option<&Pow>,
) -> Result<(Option<u64>, bool, u64), Error> {
    let device = rec.active_disc_recorder().to_string();
    let refuse = |reason: String| {
        Error::Writer(WriterError::InvalidMediaState {
            device: device.clone(),
            state,
            reason,
        })
    };
    let set = descriptor_set(rec, target.start)?;
    let shows = descriptor_set(rec, newest.start)?;
    let mut head = vec![0u8; CLUSTER as usize * SECTOR_SIZE];
    read(rec, 0, &mut head)?;
    let chain_end = newest.start + newest.blocks;
    let desired_head = |end: u64| {
        let mut h = head.clone();
        h[16 * SECTOR_SIZE..].fill(0);
        h[16 * SECTOR_SIZE..16 * SECTOR_SIZE + set.len()].copy_from_slice(&set);
        set_volume_space_size(&mut h[16 * SECTOR_SIZE..], end);
        h
    };
    // The newest session already repeats session N's tree: at most the head is due
    // (after an interrupted rollback). On POW a head rewrite needs a record to cover
    // its replacement cluster.
    let same_tree = shows[156..190] == set[156..190];
    if same_tree && desired_head(chain_end) == head {
        return Ok((None, false, chain_end));
    }
    if same_tree && pow.is_none() {
        write(rec, 0, &desired_head(chain_end))?;
        return Ok((None, true, chain_end));
    }
    let at = chain_end.max(CLUSTER).next_multiple_of(CLUSTER);
    let total = rec.read_capacity().map_or(0, |c| u64::from(c.last_lba) + 1);
    let size = match pow {
        None => CLUSTER,
        Some(p) => {
            if at > p.nwa {
                return Err(refuse(format!(
                    "the session chain ends at LBA {chain_end}, past the next writable address {} of the BD-R; the record cannot be placed after it (burn a session first)",
                    p.nwa
                )));
            }
            let clusters = 1 + u32::from(at < p.nwa);
            if p.replacements < clusters || p.map_entries < clusters || p.updates < clusters {
                return Err(refuse(format!(
                    "the BD-R's pseudo-overwrite resources (READ DISC INFORMATION, POW resources) cannot cover the rollback: {} replacements, {} map entries, {} updates left, and rewriting the head at LBA 0{} takes {clusters} of each; nothing was written. Read session {} by number (--session {}) instead",
                    p.replacements,
                    p.map_entries,
                    p.updates,
                    if clusters == 2 {
                        " and recording the rollback record over an interrupted session's leftovers"
                    } else {
                        ""
                    },
                    target.number,
                    target.number
                )));
            }
            if p.free < 2 * CLUSTER {
                return Err(refuse(format!(
                    "the BD-R has {} free blocks; the rollback record and the head's replacement take {}; nothing was written",
                    p.free,
                    2 * CLUSTER
                )));
            }
            // The record's Volume Space Size reaches past the two clusters recorded at
            // the NWA: the record (or its replacement over leftovers), then the
            // head's replacement.
            p.nwa + 2 * CLUSTER - at
        }
    };
    if at + CLUSTER > total && pow.is_none() {
        return Err(refuse(format!(
            "the medium ends at LBA {total}; the rollback record needs LBA {at}..{}; nothing was written",
            at + CLUSTER
        )));
    }
    if pow.is_none_or(|p| at < p.nwa) {
        let mut old = vec![0u8; CLUSTER as usize * SECTOR_SIZE];
        read(rec, at, &mut old)?;
        if !ours(&old) {
            return Err(Error::Writer(WriterError::ForeignData {
                device: device.clone(),
                what: "a cluster after the session chain that is neither zeros nor the start of an interrupted session (16 zero blocks, then a primary volume descriptor); run `discburn repair` first".into(),
                lba: at,
            }));
        }
    }
    let mut record = vec![0u8; CLUSTER as usize * SECTOR_SIZE];
    record[16 * SECTOR_SIZE..16 * SECTOR_SIZE + set.len()].copy_from_slice(&set);
    set_volume_space_size(&mut record[16 * SECTOR_SIZE..], size);
    let end = at + size;
    write(rec, at, &record)?;
    write(rec, 0, &desired_head(end))?;
    if pow.is_some() {
        // As after a POW session: the track is closed, the session stays open.
        let di = rec.disc_information()?;
        let t = rec.track_information(TrackAddress::Track(u32::from(
            di.last_track_in_last_session,
        )))?;
        rec.drive()
            .close_track_session(CloseFunction::Track, t.track_number, true)
            .map_err(|e| mmc(rec, e))?;
    }
    Ok((Some(at), true, end))
}
