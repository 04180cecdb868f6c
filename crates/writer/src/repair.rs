//! Repair after an interrupted write ([`crate::DiscFormat2Data::repair`]): make a disc
//! take sessions again without touching any complete session.
//!
//! **Sequential media** (CD-R/RW TAO, DVD-R/-RW incremental, DVD+R, BD-R): a power cut,
//! kill or cancel leaves the last session open (READ DISC INFORMATION State of Last
//! Session = 01b, IMAPI NON_EMPTY_SESSION) and no session can follow it. Repair
//!
//! 1. reads the open session's tracks (READ TRACK INFORMATION, MMC-6 6.27) and how far
//!    each was recorded (Last Recorded Address, else the NWA, else — CD tracks marked
//!    damaged — the last block READ(10) returns);
//! 2. checks whether the open session holds a complete ISO 9660 file system: its volume
//!    descriptors at session start + 16 open and its directory trees read with every
//!    directory and file extent inside the recorded blocks;
//! 3. closes the open tracks (CLOSE TRACK/SESSION 001b) and the session (010b, with
//!    page 05h Multi-session = 11b on CD and DVD-R so the disc stays appendable; MMC-6
//!    6.3, mmc.md §5.6 closing rules);
//! 4. when that session was not complete, appends a *rescue session*: 16 zero blocks and
//!    a copy of the volume descriptor set of the last complete session (its Volume Space
//!    Size set to the rescue session's end), so that the newest session a reader or the
//!    next burn sees is the last complete one, with the same directory tree; when no
//!    session was complete (the first one was interrupted), an empty ISO 9660 volume.
//!    The incomplete session stays on the disc (write-once) but nothing refers to it.
//!    When the last complete session is a UDF volume alone (a VAT volume, UDF 2.60
//!    2.2.11), no rescue session is written: the next append imports that session's
//!    VAT and ends with its own VAT, which readers then find at the last block.
//!
//! **Overwritable media** (image files, block devices, DVD+RW, DVD-RAM, BD-RE): an
//! interrupted write leaves the blocks of a session that the image head at LBA 0–31
//! does not describe yet (the head is written last). The next session starts at the
//! same block, and the safety check before writing refuses because a volume descriptor
//! lies there. Repair clears (writes zeros over) the volume descriptors of those
//! leftovers: the one at the planned session start + 16 (between the end of the last
//! session and the next 32-block boundary), and any other volume descriptor at a
//! 16-aligned block + 16 inside that leftover session's Volume Space Size. Clearing,
//! not truncating: it works alike for block devices, optical media and image files, it
//! writes only blocks past the last complete session, and the next session overwrites
//! the same blocks anyway. A leftover that was fully written but whose head was not
//! (a cut in the first 16 blocks of the head) is discarded too: only the head says
//! which sessions are complete.
//!
//! Nothing else is written: complete sessions, the image head and data that is not the
//! leftover of an interrupted session are never touched.

use std::fmt;
use std::io::Cursor;

use discburn_mmc::Profile;
use discburn_mmc::cdb::{CloseFunction, TrackAddress};
use discburn_mmc::reply::{MULTI_SESSION_NEXT_ALLOWED, SessionState, WriteParameters, WriteType};
use discburn_reader::{MediumContent, ReadOptions, SectorSource, View, Volume, identify_medium};
use discburn_recorder::{DiscRecorder, RecorderError};

use crate::engine::{Job, SECTOR};
use crate::error::WriterError;
use crate::error::mmc;
use crate::events::Clock;
use crate::media::{self, CD_MIN_TRACK, Kind, MediaInfo};
use crate::ownership::{RecorderBlocks, read_blocks, read_error};
use crate::state::MediaState;
use crate::writer::{Config, Shared};

/// Most volume descriptors copied or cleared in one set (ECMA-119 8: PVD, SVDs, boot
/// record, partitions, terminator).
const MAX_DESCRIPTORS: u64 = 32;

/// What [`crate::DiscFormat2Data::repair`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairReport {
    /// The recorder.
    pub device: String,
    /// The outcome.
    pub outcome: RepairOutcome,
}

/// The outcome of a repair.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepairOutcome {
    /// The media needs no repair; nothing was written.
    NothingToRepair {
        /// Why (e.g. "the last session is complete").
        reason: String,
    },
    /// Sequential media: the open session was closed.
    SessionClosed {
        /// First block of the session that was open.
        session_start: u32,
        /// One past the last block recorded in it before repair.
        recorded_end: u32,
        /// The tracks closed with CLOSE TRACK (001b).
        tracks_closed: Vec<u16>,
        /// The session held a complete ISO 9660 file system (all of its blocks recorded,
        /// its tree readable): it is kept as the newest session.
        complete: bool,
        /// The rescue session written after an incomplete one, if any.
        rescue: Option<RescueSession>,
        /// The session was incomplete and the session before it, starting at this LBA,
        /// begins a UDF volume without ECMA-119 descriptors (a VAT volume, UDF 2.60
        /// 2.2.11; possibly itself an earlier interrupted session): no rescue session
        /// is written; the next append imports the newest complete VAT before the
        /// interrupted session and records its own VAT as the disc's last block.
        udf_continues: Option<u32>,
    },
    /// Overwritable media: volume descriptors of an interrupted session's leftovers were
    /// cleared.
    LeftoversDiscarded {
        /// End (exclusive, sectors) of the last complete session.
        last_session_end: u64,
        /// Start of the leftover session.
        leftover_start: u64,
        /// End (exclusive) of the range searched for its volume descriptors.
        leftover_end: u64,
        /// The sectors cleared (written with zeros).
        cleared: Vec<u64>,
    },
    /// Overwritable media, BD-R Pseudo-Overwrite, image files: the first session was
    /// interrupted before its head was written (LBA 0–31 zero, its descriptors at LBA
    /// 48); it was replaced by an empty ISO 9660 volume at its start and a head.
    FirstSessionReplaced {
        /// Start of the replaced session (32).
        session_start: u64,
        /// Blocks of the empty volume written there.
        blocks: u64,
    },
}

/// A session written by repair after an incomplete one: a copy of the volume
/// descriptors of the last complete session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RescueSession {
    /// Its first block (the next writable address after the close).
    pub start: u32,
    /// Its length in blocks (16 zero blocks + the descriptor set).
    pub blocks: u32,
    /// Start of the session whose volume descriptors it repeats; `None` when no session
    /// was complete (the first one was interrupted): the rescue session then holds an
    /// empty ISO 9660 volume.
    pub copy_of: Option<u32>,
}

impl fmt::Display for RepairReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            RepairOutcome::NothingToRepair { reason } => {
                write!(f, "{}: nothing to repair: {reason}", self.device)
            }
            RepairOutcome::SessionClosed {
                session_start,
                recorded_end,
                complete,
                rescue,
                udf_continues,
                ..
            } => {
                write!(
                    f,
                    "{}: closed the interrupted session at LBA {session_start} ({} blocks recorded)",
                    self.device,
                    recorded_end.saturating_sub(*session_start)
                )?;
                if *complete {
                    write!(f, "; it was complete and is kept as the newest session")?;
                }
                match rescue {
                    Some(RescueSession {
                        start,
                        blocks,
                        copy_of: Some(c),
                    }) => write!(
                        f,
                        "; it was incomplete, so session at LBA {start} ({blocks} blocks) repeats the file system of the session at LBA {c}"
                    )?,
                    Some(RescueSession { start, blocks, .. }) => write!(
                        f,
                        "; it was incomplete and no earlier session is complete, so session at LBA {start} ({blocks} blocks) holds an empty file system"
                    )?,
                    None => {}
                }
                if udf_continues.is_some() {
                    write!(
                        f,
                        "; it was incomplete and the disc holds UDF alone (VAT), so no rescue session is written: the next burn continues the newest complete VAT before it"
                    )?;
                }
                write!(f, "; the disc takes new sessions again")
            }
            RepairOutcome::FirstSessionReplaced {
                session_start,
                blocks,
            } => write!(
                f,
                "{}: the first session at LBA {session_start} was interrupted before its head was written; it was replaced by an empty session ({blocks} blocks) and the head, so the disc takes new sessions again",
                self.device
            ),
            RepairOutcome::LeftoversDiscarded {
                last_session_end,
                leftover_start,
                cleared,
                ..
            } => write!(
                f,
                "{}: discarded the leftovers of an interrupted session at LBA {leftover_start} (cleared {} volume descriptor block(s)); the sessions up to LBA {last_session_end} are unchanged and the next session can start",
                self.device,
                cleared.len()
            ),
        }
    }
}

/// Runs the repair with exclusive access held by the caller.
pub(crate) fn run(
    rec: &mut DiscRecorder,
    cfg: &Config,
    shared: &Shared,
    clock: &dyn Clock,
) -> Result<RepairReport, WriterError> {
    let info = media::read_media_info(rec)?;
    let device = info.device.clone();
    if info.status.contains(MediaState::FINALIZED) {
        return Err(
            info.invalid_state("the disc is finalized: no session can be added or repaired")
        );
    }
    if info.status.contains(MediaState::WRITE_PROTECTED) {
        return Err(info.invalid_state("the media is write-protected"));
    }
    let outcome = match info.kind {
        Kind::ReadOnly => {
            return Err(WriterError::MediaNotSupported {
                device,
                profile: info.profile,
            });
        }
        Kind::Sequential => sequential(rec, &info, cfg, shared, clock)?,
        Kind::Overwrite => overwritable(rec, &info)?,
    };
    Ok(RepairReport { device, outcome })
}

// ----- sequential media -----

/// One past the last block of `lba..limit` that READ(10) returns (binary search; the
/// blocks of an open track are readable up to where recording stopped).
fn readable_end(rec: &mut DiscRecorder, lba: u32, limit: u32) -> u32 {
    let mut buf = [0u8; SECTOR];
    let (mut lo, mut hi) = (lba, limit);
    // Invariant: blocks below `lo` are readable, `hi` and above are not (or past limit).
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if rec.drive().read10(mid, &mut buf).is_ok() {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// A source over the recorder that reports `total` sectors (the recorded end), since
/// READ CAPACITY excludes an open session.
struct Upto<'a> {
    rec: &'a mut DiscRecorder,
    total: u64,
}

impl SectorSource for Upto<'_> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let lba = u32::try_from(lba).map_err(|_| std::io::Error::other("LBA beyond 2^32"))?;
        read_blocks(self.rec, lba, buf).map_err(std::io::Error::other)
    }
    fn total_sectors(&self) -> u64 {
        self.total
    }
}

/// True when the ISO 9660 session at `start` is completely recorded below
/// `recorded_end`: its volume descriptors open and every view of its tree (the default
/// one, and Joliet when present) reads with every directory and file extent below
/// `recorded_end` (the reader checks each extent against the media size, here the
/// recorded end). Volume Space Size is not used: it is absolute on sequential media for
/// some writers and session-local for others.
fn session_complete(rec: &mut DiscRecorder, start: u32, recorded_end: u32) -> bool {
    let mut src = Upto {
        rec,
        total: u64::from(recorded_end),
    };
    let options = ReadOptions::default();
    let Ok(vol) = Volume::open(&mut src, u64::from(start), &options) else {
        return false;
    };
    if vol.read_tree(&mut src, vol.default_view()).is_err() {
        return false;
    }
    vol.joliet.is_none() || vol.read_tree(&mut src, View::Joliet).is_ok()
}

fn sequential(
    rec: &mut DiscRecorder,
    info: &MediaInfo,
    cfg: &Config,
    shared: &Shared,
    clock: &dyn Clock,
) -> Result<RepairOutcome, WriterError> {
    let di = info.disc.clone();
    if di.state_of_last_session != SessionState::Incomplete
        && di.state_of_last_session != SessionState::Damaged
    {
        return Ok(RepairOutcome::NothingToRepair {
            reason: format!(
                "the last session is {} (no interrupted session)",
                match di.state_of_last_session {
                    SessionState::Empty => "empty",
                    _ => "complete",
                }
            ),
        });
    }
    let profile = info.profile;
    let capacity = u32::try_from(info.total.max(0)).unwrap_or(0);
    let mut start: Option<u32> = None;
    let mut recorded_end = 0u32;
    let mut open_tracks = Vec::new();
    // CD tracks marked damaged report neither NWA nor LRA: measured after CLOSE TRACK.
    let mut unknown = Vec::new();
    for n in di.first_track_in_last_session..=di.last_track_in_last_session {
        let t = rec.track_information(TrackAddress::Track(u32::from(n)))?;
        if t.blank && !t.reserved_track {
            continue; // the invisible track: nothing recorded
        }
        let s = t.track_start_address;
        start = Some(start.map_or(s, |x: u32| x.min(s)));
        let closed = t.next_writable_address.is_none() && !t.damage;
        let end = if closed {
            s.saturating_add(t.track_size)
        } else {
            open_tracks.push(n);
            match (t.last_recorded_address, t.next_writable_address) {
                (Some(lra), _) if !profile.is_cd() => lra + 1,
                (_, Some(nwa)) => nwa,
                _ => {
                    unknown.push(n);
                    readable_end(rec, s, capacity.max(s))
                }
            }
        };
        recorded_end = recorded_end.max(end);
    }
    let Some(session_start) = start else {
        // An open session without recorded blocks: CLOSE SESSION is a no-op on it.
        close_session(rec, profile)?;
        return Ok(RepairOutcome::NothingToRepair {
            reason: "the open session held no recorded blocks; it was closed".into(),
        });
    };
    tracing::info!(
        device = %info.device, session_start, recorded_end, ?open_tracks,
        "repair: closing the interrupted session"
    );
    set_appendable_page05(rec, profile)?;
    for &n in &open_tracks {
        rec.drive()
            .close_track_session(CloseFunction::Track, n, true)
            .map_err(|e| mmc(rec, e))?;
    }
    for &n in &unknown {
        // A closed CD track: size = user blocks + 2 run-out blocks, at least 300 user
        // blocks (CLOSE TRACK pads shorter ones, mmc.md §5.6), so only a size above
        // that minimum says how far recording went.
        let t = rec.track_information(TrackAddress::Track(u32::from(n)))?;
        let user = t.track_size.saturating_sub(2);
        if !t.blank && user > CD_MIN_TRACK {
            recorded_end = recorded_end.max(t.track_start_address.saturating_add(user));
        }
    }
    let complete = session_complete(rec, session_start, recorded_end);
    close_session(rec, profile)?;
    let udf_continues = (!complete && info.start_prev >= 0)
        .then_some(info.start_prev as u32)
        .filter(|&s| udf_only(rec, s));
    let rescue = if complete || udf_continues.is_some() {
        None
    } else if info.start_prev >= 0 {
        Some(write_rescue(
            rec,
            Some(info.start_prev as u32),
            cfg,
            shared,
            clock,
        )?)
    } else {
        // The first session was interrupted: nothing to repeat, so the rescue session
        // holds an empty ISO 9660 volume (the disc then reads as empty, and the next
        // burn imports it).
        Some(write_rescue(rec, None, cfg, shared, clock)?)
    };
    Ok(RepairOutcome::SessionClosed {
        session_start,
        recorded_end,
        tracks_closed: open_tracks,
        complete,
        rescue,
        udf_continues,
    })
}

/// True when the session at `start` begins with a UDF Volume Recognition Sequence
/// (ECMA-167 2/9.2 "BEA01" at start + 16) rather than ECMA-119 volume descriptors: a
/// UDF volume alone, whose newest tree an append finds through the VAT chain.
fn udf_only(rec: &mut DiscRecorder, start: u32) -> bool {
    let mut s = vec![0u8; SECTOR];
    rec.drive().read10(start + 16, &mut s).is_ok() && &s[1..6] == b"BEA01"
}

/// Page 05h with Multi-session = 11b (next session allowed) on CD (TAO) and DVD-R/-RW
/// (incremental), where CLOSE SESSION closes or finalizes per that field (mmc.md §0
/// rules 5, 6). Other media take no page 05h.
fn set_appendable_page05(rec: &mut DiscRecorder, profile: Profile) -> Result<(), WriterError> {
    let page = if profile.is_cd() {
        let mut p = WriteParameters::new(WriteType::TrackAtOnce);
        p.track_mode = 4;
        p.data_block_type = 8;
        p
    } else if matches!(
        profile,
        Profile::DvdMinusRSequential
            | Profile::DvdMinusRwSequential
            | Profile::DvdMinusRDlSequential
    ) {
        let mut p = WriteParameters::new(WriteType::PacketIncremental);
        p.ls_v = true;
        p.link_size = 16;
        p.fp = true;
        p.packet_size = 16;
        p.track_mode = 5;
        p.data_block_type = 8;
        p
    } else {
        return Ok(());
    };
    let mut page = page;
    page.bufe = true;
    page.multi_session = MULTI_SESSION_NEXT_ALLOWED;
    rec.drive()
        .set_write_parameters(&page)
        .map_err(|e| mmc(rec, e))
}

fn close_session(rec: &mut DiscRecorder, profile: Profile) -> Result<(), WriterError> {
    set_appendable_page05(rec, profile)?;
    rec.drive()
        .close_track_session(CloseFunction::Session, 0, true)
        .map_err(|e| mmc(rec, e))
}

/// Appends the rescue session: 16 zero blocks, then the volume descriptor set of the
/// session at `copy_of` (up to and including its terminator) with each primary and
/// supplementary descriptor's Volume Space Size (ECMA-119 8.4.8, both byte orders)
/// set to the rescue session's end. Written as an ordinary session (the closing rules
/// of the write path, the disc kept appendable).
fn write_rescue(
    rec: &mut DiscRecorder,
    copy_of: Option<u32>,
    cfg: &Config,
    shared: &Shared,
    clock: &dyn Clock,
) -> Result<RescueSession, WriterError> {
    let device = rec.active_disc_recorder().to_string();
    let after = media::read_media_info(rec)?;
    let nwa = after.next_writable_address()? as u32;
    let Some(copy_of) = copy_of else {
        let image = empty_volume(nwa, None);
        let blocks = (image.len() / SECTOR) as u32;
        write_session(rec, image, cfg, shared, clock)?;
        return Ok(RescueSession {
            start: nwa,
            blocks,
            copy_of: None,
        });
    };
    let mut descriptors: Vec<Vec<u8>> = Vec::new();
    for i in 0..MAX_DESCRIPTORS {
        let mut s = vec![0u8; SECTOR];
        let lba = copy_of + 16 + i as u32;
        rec.drive().read10(lba, &mut s).map_err(|e| mmc(rec, e))?;
        if &s[1..6] != b"CD001" {
            return Err(WriterError::Recorder(RecorderError::Fail(format!(
                "{device}: repair: block {lba} of the last complete session (LBA {copy_of}) is not a volume descriptor; no rescue session written (the interrupted session was closed)"
            ))));
        }
        let terminator = s[0] == 255;
        descriptors.push(s);
        if terminator {
            break;
        }
    }
    let blocks = 16 + descriptors.len() as u32;
    let end = nwa + blocks;
    let mut image = vec![0u8; 16 * SECTOR];
    for mut d in descriptors {
        if d[0] == 1 || d[0] == 2 {
            d[80..84].copy_from_slice(&end.to_le_bytes());
            d[84..88].copy_from_slice(&end.to_be_bytes());
        }
        image.extend_from_slice(&d);
    }
    write_session(rec, image, cfg, shared, clock)?;
    Ok(RescueSession {
        start: nwa,
        blocks,
        copy_of: Some(copy_of),
    })
}

/// Writes `image` as a new session through the write path (closing rules, the disc kept
/// appendable).
fn write_session(
    rec: &mut DiscRecorder,
    image: Vec<u8>,
    cfg: &Config,
    shared: &Shared,
    clock: &dyn Clock,
) -> Result<(), WriterError> {
    let mut rescue_cfg = cfg.clone();
    rescue_cfg.force_media_to_be_closed = false;
    rescue_cfg.disable_consumer_dvd_compatibility_mode = true;
    rescue_cfg.postgap_already_in_image = false;
    let mut progress =
        |_: &crate::events::DiscFormat2DataEventArgs| std::ops::ControlFlow::Continue(());
    let mut stream = Cursor::new(image);
    Job::new(rec, &rescue_cfg, None, shared, clock, &mut progress).run(&mut stream)
}

fn both16(b: &mut [u8], v: u16) {
    b[..2].copy_from_slice(&v.to_le_bytes());
    b[2..4].copy_from_slice(&v.to_be_bytes());
}

fn both32(b: &mut [u8], v: u32) {
    b[..4].copy_from_slice(&v.to_le_bytes());
    b[4..8].copy_from_slice(&v.to_be_bytes());
}

/// A directory record (ECMA-119 9.1) of the root with identifier `id` (00h "." or 01h
/// "..").
fn root_record(root: u32, id: u8) -> [u8; 34] {
    let mut r = [0u8; 34];
    r[0] = 34;
    both32(&mut r[2..10], root);
    both32(&mut r[10..18], SECTOR as u32);
    r[25] = 0x02; // Directory
    both16(&mut r[28..32], 1);
    r[32] = 1;
    r[33] = id;
    r
}

/// An empty ISO 9660 volume for a session starting at `start` (ECMA-119 8.4, 8.3, 9.4,
/// 9.1): 16 zero blocks, the primary volume descriptor, the terminator, the type L and
/// type M path tables and the root directory ("." and ".."), 21 blocks; Volume Space
/// Size is the absolute end (start + 21). Dates are "not specified" (ECMA-119 8.4.26.1).
/// The Volume Identifier (ECMA-119 8.4.6) is `volume_id`, else "RESCUED".
pub(crate) fn empty_volume(start: u32, volume_id: Option<&[u8; 32]>) -> Vec<u8> {
    const BLOCKS: u32 = 21;
    let (l_table, m_table, root) = (start + 18, start + 19, start + 20);
    let mut v = vec![0u8; BLOCKS as usize * SECTOR];
    {
        let p = &mut v[16 * SECTOR..17 * SECTOR];
        p[0] = 1;
        p[1..6].copy_from_slice(b"CD001");
        p[6] = 1;
        p[8..72].fill(b' ');
        match volume_id {
            Some(id) => p[40..72].copy_from_slice(id),
            None => p[40..47].copy_from_slice(b"RESCUED"),
        }
        both32(&mut p[80..88], start + BLOCKS);
        both16(&mut p[120..124], 1);
        both16(&mut p[124..128], 1);
        both16(&mut p[128..132], SECTOR as u16);
        both32(&mut p[132..140], 10);
        p[140..144].copy_from_slice(&l_table.to_le_bytes());
        p[148..152].copy_from_slice(&m_table.to_be_bytes());
        p[156..190].copy_from_slice(&root_record(root, 0));
        p[190..813].fill(b' ');
        for d in [813, 830, 847, 864] {
            p[d..d + 16].fill(b'0');
        }
        p[881] = 1;
    }
    {
        let t = &mut v[17 * SECTOR..18 * SECTOR];
        t[0] = 255;
        t[1..6].copy_from_slice(b"CD001");
        t[6] = 1;
    }
    for (lba, big) in [(18usize, false), (19, true)] {
        let e = &mut v[lba * SECTOR..lba * SECTOR + 10];
        e[0] = 1;
        let (loc, parent) = if big {
            (root.to_be_bytes(), 1u16.to_be_bytes())
        } else {
            (root.to_le_bytes(), 1u16.to_le_bytes())
        };
        e[2..6].copy_from_slice(&loc);
        e[6..8].copy_from_slice(&parent);
    }
    let d = 20 * SECTOR;
    v[d..d + 34].copy_from_slice(&root_record(root, 0));
    v[d + 34..d + 68].copy_from_slice(&root_record(root, 1));
    v
}

// ----- overwritable media -----

fn is_descriptor(s: &[u8]) -> bool {
    let id = &s[1..6];
    id == b"CD001" || (s[0] == 0 && [&b"BEA01"[..], b"NSR02", b"NSR03", b"TEA01"].contains(&id))
}

fn overwritable(rec: &mut DiscRecorder, info: &MediaInfo) -> Result<RepairOutcome, WriterError> {
    if info.format.is_some() {
        return Ok(RepairOutcome::NothingToRepair {
            reason: "the media is unformatted (blank)".into(),
        });
    }
    let device = info.device.clone();
    if let Some(outcome) = crate::headless::replace(rec)? {
        return Ok(outcome);
    }
    let unit = info.write_unit.max(1) as u64;
    let mut src = RecorderBlocks::new(rec)?;
    let total = src.total_sectors();
    let (end, next) = match identify_medium(&mut src).map_err(|e| read_error(&device, e))? {
        MediumContent::Iso9660 { sessions: list } => {
            if list.head_end.is_none() {
                return Ok(RepairOutcome::NothingToRepair {
                    reason:
                        "no image head at LBA 16 describes the sessions; repair leaves such media alone"
                            .into(),
                });
            }
            (list.end(), list.next_session_start())
        }
        // A UDF volume alone: the next session goes at the first 32-block boundary
        // after it (FileSystemImage::import_last_session_from), where an interrupted
        // one left its recognition sequence.
        MediumContent::Udf { volume_end } => (volume_end, volume_end.next_multiple_of(32)),
        MediumContent::Foreign(f) => {
            return Err(WriterError::ForeignData {
                device,
                what: f.what,
                lba: f.lba,
            });
        }
        other => {
            return Ok(RepairOutcome::NothingToRepair {
                reason: format!("the media is {other}"),
            });
        }
    };
    // The leftover session starts where the interrupted write put it: between the end
    // of the last session and the next 32-block boundary (16-aligned candidates).
    let mut leftover = None;
    let mut c = end.next_multiple_of(16);
    while c <= next && c + 16 < total {
        let mut s = vec![0u8; SECTOR];
        src.read_sectors(c + 16, &mut s).map_err(|e| {
            read_error(
                &device,
                discburn_reader::ReadError::Io {
                    lba: c + 16,
                    count: 1,
                    source: e,
                },
            )
        })?;
        if is_descriptor(&s) {
            leftover = Some((c, s));
            break;
        }
        c += 16;
    }
    let Some((start, pvd)) = leftover else {
        return Ok(RepairOutcome::NothingToRepair {
            reason: format!(
                "no leftovers of an interrupted session after the last session (which ends at LBA {end})"
            ),
        });
    };
    let size = if pvd[0] == 1 && &pvd[1..6] == b"CD001" {
        u64::from(u32::from_le_bytes([pvd[80], pvd[81], pvd[82], pvd[83]]))
    } else {
        0
    };
    // Sessions on overwritable media record their own size (session-local Volume Space
    // Size, as xorriso and discburn write them).
    let leftover_end = (start + size).max(start + 16 + MAX_DESCRIPTORS).min(total);
    // Every volume descriptor set at a 16-aligned block + 16 inside the leftover.
    let mut targets: Vec<u64> = Vec::new();
    let chunk = 512u64;
    let mut pos = start;
    while pos < leftover_end {
        let n = chunk.min(leftover_end - pos);
        let mut buf = vec![0u8; n as usize * SECTOR];
        src.read_sectors(pos, &mut buf).map_err(|e| {
            read_error(
                &device,
                discburn_reader::ReadError::Io {
                    lba: pos,
                    count: n,
                    source: e,
                },
            )
        })?;
        for (i, s) in buf.chunks(SECTOR).enumerate() {
            let lba = pos + i as u64;
            if lba >= 16 && (lba - 16).is_multiple_of(16) && is_descriptor(s) {
                targets.push(lba);
            }
        }
        pos += n;
    }
    let mut cleared: Vec<u64> = Vec::new();
    for d in targets {
        // The set continues until its terminator (type 255) or a non-descriptor.
        for lba in d..(d + MAX_DESCRIPTORS).min(total) {
            if cleared.contains(&lba) {
                break;
            }
            let mut s = vec![0u8; SECTOR];
            src.read_sectors(lba, &mut s).map_err(|e| {
                read_error(
                    &device,
                    discburn_reader::ReadError::Io {
                        lba,
                        count: 1,
                        source: e,
                    },
                )
            })?;
            if !is_descriptor(&s) {
                break;
            }
            cleared.push(lba);
            if s[0] == 255 {
                break;
            }
        }
    }
    tracing::info!(device = %device, start, leftover_end, ?cleared, "repair: clearing leftovers");
    // Zero the sectors, whole write units at a time (read-modify-write, MS-15).
    let mut units: Vec<u64> = cleared.iter().map(|l| l - l % unit).collect();
    units.dedup();
    for u in units {
        let mut buf = vec![0u8; unit as usize * SECTOR];
        read_blocks(rec, u as u32, &mut buf).map_err(|e| mmc(rec, e))?;
        for &l in cleared.iter().filter(|&&l| l >= u && l < u + unit) {
            let o = (l - u) as usize * SECTOR;
            buf[o..o + SECTOR].fill(0);
        }
        rec.drive()
            .write10(u as u32, &buf)
            .map_err(|e| mmc(rec, e))?;
    }
    rec.drive()
        .synchronize_cache(true)
        .map_err(|e| mmc(rec, e))?;
    Ok(RepairOutcome::LeftoversDiscarded {
        last_session_end: end,
        leftover_start: start,
        leftover_end,
        cleared,
    })
}
