//! Session discovery on image files and random-write (overwriteable) media, where no MMC
//! table of contents exists (peers.md §1.1, §3):
//!
//! 1. **Emulated TOC** (xorriso/libisoburn): a 64 KiB head at LBA 0–31 copies the newest
//!    session's volume descriptors with Volume Space Size = the overall end; session 1
//!    starts at LBA 32; each session's own PVD (at start + 16) holds its own size; the next
//!    session starts at start + size rounded up to 32 blocks (growisofs: 16).
//! 2. **Head over a first session at LBA 0**: an image mastered at LBA 0 (genisoimage,
//!    `xorrisofs -o`) to which sessions were appended in the random-write layout (by
//!    discburn or xorriso): the head copies the newest session's descriptors over the
//!    first session's own, and the appended sessions chain from the first one's end.
//! 3. **Single session** at LBA 0 when there is no chain (genisoimage, `xorrisofs -o`).
//! 4. **Superblock scan**: every 16-aligned LBA whose LBA + 16 holds a primary volume
//!    descriptor, for media whose head was zeroed or invalidated.
//!
//! [`find_data_at_or_after`] answers the safety question before writing at a block:
//! does anything readable (a volume descriptor, a UDF recognition sequence, an
//! invalidated "CDXX1" descriptor) lie at or past it? Sequential media (CD-R, DVD±R,
//! BD-R) take their session list from the MMC TOC instead.

use std::fmt;

use discburn_format::iso9660::{self, PrimaryVolumeDescriptor, VD_TYPE_PRIMARY};
use zerocopy::FromBytes;

use crate::error::ReadError;
use crate::record::parse_record;
use crate::source::{SectorSource, read_sector};
use crate::volume::{ReadOptions, Volume};

/// Alignment of sessions on overwriteable media written by xorriso
/// (`Libisoburn_nwa_alignemenT`).
pub const XORRISO_ALIGNMENT: u64 = 32;
/// Alignment of sessions written by growisofs, and the stride of superblock scans.
pub const SCAN_ALIGNMENT: u64 = 16;
/// Most sessions followed in an emulated TOC chain.
const MAX_CHAIN: usize = 100_000;

/// How a session list was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryMethod {
    /// xorriso's emulated TOC: head at LBA 0–31, sessions chained from LBA 32.
    EmulatedToc,
    /// A first session at LBA 0 whose volume descriptors were replaced by the head,
    /// then sessions chained to the newest one (see [`SessionList::sessions`]).
    HeadOverFirstSession,
    /// One session at LBA 0 (no chain).
    Single,
    /// A brute-force scan for superblocks (the head is zeroed or invalid).
    Scan,
}

/// One ISO 9660 session found on the media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Session number, 1-based, in LBA order.
    pub number: u32,
    /// Session start (sbsector): its volume descriptors are at `start + 16`.
    pub start: u64,
    /// Size in blocks: the Volume Space Size of the session's own PVD (session-local for
    /// xorriso and genisoimage `-C` sessions; from LBA 0 for a session at 0).
    pub size: u64,
    /// Volume Identifier of its PVD (trailing spaces removed).
    pub volume_identifier: String,
    /// Volume Creation Date and Time of its PVD, Unix seconds.
    pub creation: Option<i64>,
    /// Root directory extent of its PVD.
    pub root_lba: u32,
}

impl fmt::Display for SessionInfo {
    /// Formats like `xorriso -toc`: "ISO session : 1 , 32 , 175s , ISOIMAGE".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ISO session : {} , {} , {}s , {}",
            self.number, self.start, self.size, self.volume_identifier
        )
    }
}

/// The sessions of a medium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionList {
    /// How they were found.
    pub method: DiscoveryMethod,
    /// The sessions, in LBA order (empty if nothing was found). With
    /// [`DiscoveryMethod::HeadOverFirstSession`], session 1 starts at LBA 0 and reaches to
    /// the second one; its own descriptors are gone (the head holds the newest
    /// session's), so its `volume_identifier` is empty, `creation` is `None`,
    /// `root_lba` is 0, and [`open_session`] refuses to open it alone (its files are
    /// still part of every later session that kept them).
    pub sessions: Vec<SessionInfo>,
    /// The end the head at LBA 16 claims (its Volume Space Size), if a head was read.
    pub head_end: Option<u64>,
}

impl SessionList {
    /// The last (newest) session.
    pub fn last(&self) -> Option<&SessionInfo> {
        self.sessions.last()
    }

    /// The end of the recorded data: the last session's start + size.
    pub fn end(&self) -> u64 {
        self.sessions.last().map_or(0, |s| s.start + s.size)
    }

    /// Where xorriso would write the next session: [`SessionList::end`] rounded up to
    /// 32 blocks (peers.md §1.1 "NWA"); 32 for blank media.
    pub fn next_session_start(&self) -> u64 {
        self.end()
            .max(XORRISO_ALIGNMENT)
            .next_multiple_of(XORRISO_ALIGNMENT)
    }
}

/// A PVD at `start + 16` that looks like a real superblock: "CD001", type 1, version 1,
/// block size 2048, a root directory record with the directory flag inside the media.
fn probe(
    src: &mut (impl SectorSource + ?Sized),
    start: u64,
) -> Result<Option<SessionInfo>, ReadError> {
    let lba = start.saturating_add(16);
    if lba >= src.total_sectors() {
        return Ok(None);
    }
    let s = read_sector(src, lba)?;
    if iso9660::volume_descriptor_type(&s[..]) != Ok(VD_TYPE_PRIMARY) {
        return Ok(None);
    }
    let p = PrimaryVolumeDescriptor::ref_from_bytes(&s[..]).expect("2048 bytes");
    if p.logical_block_size.le.get() != 2048 && p.logical_block_size.be.get() != 2048 {
        return Ok(None);
    }
    let Ok(root) = parse_record(&p.root_directory_record) else {
        return Ok(None);
    };
    if !root.flags.contains(iso9660::FileFlags::DIRECTORY)
        || u64::from(root.extent) >= src.total_sectors()
    {
        return Ok(None);
    }
    let vid = &p.volume_identifier;
    let end = vid
        .iter()
        .rposition(|&c| c != b' ' && c != 0)
        .map_or(0, |i| i + 1);
    Ok(Some(SessionInfo {
        number: 0,
        start,
        size: u64::from(p.volume_space_size.le.get()),
        volume_identifier: String::from_utf8_lossy(&vid[..end]).into_owned(),
        creation: p.volume_creation_date_and_time.to_unix(),
        root_lba: root.extent,
    }))
}

fn numbered(mut v: Vec<SessionInfo>) -> Vec<SessionInfo> {
    for (i, s) in v.iter_mut().enumerate() {
        s.number = i as u32 + 1;
    }
    v
}

/// Follows xorriso's emulated TOC chain from LBA 32 up to `end`. `None` if the chain is
/// absent or broken.
fn chain(
    src: &mut (impl SectorSource + ?Sized),
    end: u64,
    head_root: u32,
) -> Result<Option<Vec<SessionInfo>>, ReadError> {
    let mut out: Vec<SessionInfo> = Vec::new();
    let mut start = XORRISO_ALIGNMENT;
    while start < end && out.len() < MAX_CHAIN {
        let mut found = None;
        if let Some(prev) = out.last() {
            // growisofs aligns to 16: try the earlier candidate first.
            let min = prev.start + prev.size;
            if start >= SCAN_ALIGNMENT && start - SCAN_ALIGNMENT >= min {
                found = probe(src, start - SCAN_ALIGNMENT)?;
            }
        }
        if found.is_none() {
            found = probe(src, start)?;
        }
        let Some(s) = found else {
            return Ok(None);
        };
        if s.size == 0 {
            return Ok(None);
        }
        start = (s.start + s.size).next_multiple_of(XORRISO_ALIGNMENT);
        out.push(s);
    }
    match out.last() {
        Some(last) if last.root_lba == head_root => Ok(Some(numbered(out))),
        _ => Ok(None),
    }
}

/// The sessions appended after a first session at LBA 0, when the head at LBA 16 is a
/// copy of the newest one's descriptors: the superblocks between LBA 32 and the head's
/// root directory (the newest session starts before it), kept only where they form a
/// chain (each starting where the previous one ends, rounded up to 16 or 32 blocks) that
/// ends in the session with the head's root directory. Superblocks of ISO images stored
/// as files inside a session are not part of that chain. `None` if there is none.
fn chain_to_head(
    src: &mut (impl SectorSource + ?Sized),
    head: &SessionInfo,
) -> Result<Option<Vec<SessionInfo>>, ReadError> {
    let root = u64::from(head.root_lba);
    if root <= XORRISO_ALIGNMENT + 16 || root >= head.size {
        return Ok(None);
    }
    let found = scan_all(src, XORRISO_ALIGNMENT, root)?;
    let Some(newest) = found.iter().rposition(|s| s.root_lba == head.root_lba) else {
        return Ok(None);
    };
    let mut chain = vec![found[newest].clone()];
    let mut k = newest;
    while let Some(j) = found[..k].iter().rposition(|p| {
        let end = p.start + p.size;
        p.size > 0
            && (end.next_multiple_of(XORRISO_ALIGNMENT) == found[k].start
                || end.next_multiple_of(SCAN_ALIGNMENT) == found[k].start)
    }) {
        chain.push(found[j].clone());
        k = j;
        if chain.len() >= MAX_CHAIN {
            return Ok(None);
        }
    }
    chain.reverse();
    // Sessions after it: when the newest session is a rollback record (discburn
    // `rollback`), the head's root directory lies in the earlier session it repeats;
    // the chain goes on from there up to the head's end and is kept when it ends in a
    // session with the head's root.
    let mut forward: Vec<SessionInfo> = Vec::new();
    let mut prev = chain.last().expect("the newest session").clone();
    while chain.len() + forward.len() < MAX_CHAIN && prev.size > 0 {
        let end = prev.start + prev.size;
        let next = end.next_multiple_of(XORRISO_ALIGNMENT);
        if next >= head.size {
            break;
        }
        let mut found = None;
        if next >= SCAN_ALIGNMENT && next - SCAN_ALIGNMENT >= end {
            found = probe(src, next - SCAN_ALIGNMENT)?;
        }
        if found.is_none() {
            found = probe(src, next)?;
        }
        let Some(s) = found else { break };
        forward.push(s.clone());
        prev = s;
    }
    if forward.last().is_some_and(|s| s.root_lba == head.root_lba) {
        chain.extend(forward);
    }
    Ok(Some(chain))
}

/// Every 16-aligned start in `from..to` with a primary volume descriptor at start + 16.
fn scan_all(
    src: &mut (impl SectorSource + ?Sized),
    from: u64,
    to: u64,
) -> Result<Vec<SessionInfo>, ReadError> {
    let to = to.min(src.total_sectors());
    let mut found = Vec::new();
    let Some(mut start) = from.checked_next_multiple_of(SCAN_ALIGNMENT) else {
        return Ok(found);
    };
    while start + 16 < to {
        if let Some(s) = probe(src, start)? {
            found.push(s);
        }
        start += SCAN_ALIGNMENT;
    }
    Ok(found)
}

/// Lists the sessions of an image file or overwriteable medium: the emulated TOC chain if
/// the head at LBA 16 leads to one, else a first session at LBA 0 followed by the chain
/// of sessions appended to it, else the single session the head describes, else
/// (zeroed or invalidated head) a superblock scan of the whole medium — unless the first
/// 4 MiB and 16 samples of 64 KiB spread over the medium all read as zeros
/// ([`crate::identify::looks_blank`]): then no session is listed without a scan, so a
/// large zeroed image is answered at once (sessions behind 4 MiB of zeros that no
/// sample touches are not listed).
///
/// # Errors
/// [`ReadError::Io`] only; unreadable structures simply end the chain.
pub fn list_sessions(src: &mut (impl SectorSource + ?Sized)) -> Result<SessionList, ReadError> {
    if let Some(head) = probe(src, 0)? {
        let end = head.size;
        if let Some(sessions) = chain(src, end, head.root_lba)? {
            return Ok(SessionList {
                method: DiscoveryMethod::EmulatedToc,
                sessions,
                head_end: Some(end),
            });
        }
        if let Some(later) = chain_to_head(src, &head)? {
            let first = SessionInfo {
                number: 0,
                start: 0,
                size: later[0].start,
                volume_identifier: String::new(),
                creation: None,
                root_lba: 0,
            };
            let mut sessions = vec![first];
            sessions.extend(later);
            return Ok(SessionList {
                method: DiscoveryMethod::HeadOverFirstSession,
                sessions: numbered(sessions),
                head_end: Some(end),
            });
        }
        return Ok(SessionList {
            method: DiscoveryMethod::Single,
            sessions: numbered(vec![head]),
            head_end: Some(end),
        });
    }
    // A zeroed medium (a blank image file of any size) holds no session: a bounded
    // sample (crate::identify::looks_blank, at most 5 MiB) answers that without reading
    // one sector in 16 of the whole medium.
    if crate::identify::looks_blank(src)? {
        return Ok(SessionList {
            method: DiscoveryMethod::Scan,
            sessions: Vec::new(),
            head_end: None,
        });
    }
    let total = src.total_sectors();
    Ok(SessionList {
        method: DiscoveryMethod::Scan,
        sessions: scan_sessions(src, 0, total)?,
        head_end: None,
    })
}

/// Scans every 16-aligned start in `from..to` for a primary volume descriptor at
/// start + 16 (one sector read per candidate). A copy of a later session's descriptors
/// at LBA 0 (the xorriso/growisofs head: same root directory) is left out, and so are
/// superblocks inside a session found earlier (an ISO image stored as a file).
///
/// # Errors
/// [`ReadError::Io`].
pub fn scan_sessions(
    src: &mut (impl SectorSource + ?Sized),
    from: u64,
    to: u64,
) -> Result<Vec<SessionInfo>, ReadError> {
    let mut found = scan_all(src, from, to)?;
    if let Some(first) = found.first()
        && first.start == 0
        && found[1..].iter().any(|s| s.root_lba == first.root_lba)
    {
        found.remove(0);
    }
    let mut kept: Vec<SessionInfo> = Vec::new();
    for s in found {
        if let Some(prev) = kept.last()
            && s.start < prev.start + prev.size
        {
            continue;
        }
        kept.push(s);
    }
    Ok(numbered(kept))
}

/// Which session to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSelector {
    /// The newest session of [`list_sessions`].
    Last,
    /// Session number `n` (1-based) of [`list_sessions`].
    Number(u32),
    /// The session whose volume descriptors are at `lba + 16` (any start; not required to
    /// be listed).
    Start(u64),
}

/// Opens one session (xorriso `-load session N | sbsector X`).
///
/// # Errors
/// [`ReadError::NoSuchSession`] if the number is not listed (or no session exists for
/// `Last`), and the errors of [`Volume::open`].
pub fn open_session(
    src: &mut (impl SectorSource + ?Sized),
    which: SessionSelector,
    options: &ReadOptions,
) -> Result<Volume, ReadError> {
    let start = match which {
        SessionSelector::Start(lba) => lba,
        SessionSelector::Last | SessionSelector::Number(_) => {
            let list = list_sessions(src)?;
            let pick = match which {
                SessionSelector::Number(n) => list.sessions.iter().find(|s| s.number == n),
                _ => list.sessions.last(),
            };
            match pick {
                Some(s)
                    if list.method == DiscoveryMethod::HeadOverFirstSession && s.number == 1 =>
                {
                    return Err(ReadError::NoSuchSession {
                        what: "number 1 (its volume descriptors at LBA 16 were replaced by \
                               the head of a later session)"
                            .into(),
                        found: list.sessions.len(),
                    });
                }
                Some(s) => s.start,
                None => {
                    return Err(ReadError::NoSuchSession {
                        what: match which {
                            SessionSelector::Number(n) => format!("number {n}"),
                            _ => "(the media holds none)".into(),
                        },
                        found: list.sessions.len(),
                    });
                }
            }
        }
    };
    Volume::open(src, start, options)
}

/// What [`find_data_at_or_after`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// An ECMA-119 volume descriptor ("CD001").
    Iso9660,
    /// A volume descriptor invalidated by blanking ("CDXX1"; the data is recoverable).
    Invalidated,
    /// An ECMA-167 volume recognition sequence descriptor (BEA01, NSR02/03, TEA01).
    Udf,
}

/// Readable data found at or after a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundData {
    /// The session start candidate (16-aligned).
    pub start: u64,
    /// The sector holding the descriptor (`start + 16`).
    pub descriptor_lba: u64,
    /// What it is.
    pub kind: DataKind,
}

/// Finds the first 16-aligned start at or after `lba` whose sector start + 16 holds a
/// volume descriptor or recognition sequence (peers.md §6 items 10, 11: superblocks beyond
/// the claimed end, or a zeroed head with sessions behind it). Reads one sector per
/// candidate and stops at the end of the media.
///
/// # Errors
/// [`ReadError::Io`].
pub fn find_data_at_or_after(
    src: &mut (impl SectorSource + ?Sized),
    lba: u64,
) -> Result<Option<FoundData>, ReadError> {
    let total = src.total_sectors();
    let Some(mut start) = lba.checked_next_multiple_of(SCAN_ALIGNMENT) else {
        return Ok(None);
    };
    while start.saturating_add(16) < total {
        let d = start + 16;
        let s = read_sector(src, d)?;
        let id = &s[1..6];
        let kind = if id == b"CD001" {
            Some(DataKind::Iso9660)
        } else if id == b"CDXX1" {
            Some(DataKind::Invalidated)
        } else if s[0] == 0 && [&b"BEA01"[..], b"NSR02", b"NSR03", b"TEA01", b"BEAX1"].contains(&id)
        {
            Some(DataKind::Udf)
        } else {
            None
        };
        if let Some(kind) = kind {
            return Ok(Some(FoundData {
                start,
                descriptor_lba: d,
                kind,
            }));
        }
        start += SCAN_ALIGNMENT;
    }
    Ok(None)
}
