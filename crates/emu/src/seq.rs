//! The sequential media state machine (`mmc.md` §9.2–§9.6): CD-R/RW TAO, DVD-R/-RW
//! incremental (and DAO), DVD+R(/DL), BD-R SRM and SRM+POW.
//!
//! One model covers all of them. A disc is a list of closed sessions, the tracks of the
//! open (incomplete) session, and a derived *invisible* track that starts where the next
//! track would go. The classes differ only in the numbers kept in [`Geometry`]:
//!
//! | | CD TAO | DVD-R | DVD+R | BD-R |
//! |---|---|---|---|---|
//! | write unit | 1 | 16 | 16 | 32 |
//! | run-out counted in the track | 2 | 0 | 0 | 0 |
//! | gap to the next track of a session | 150 (pregap) | 16 (link) | 0 | 0 |
//! | gap after session 1 / later | 11400 / 6900 | border zone | closure + intro | 0 |
//!
//! All functions here are pure state transitions; the drive does the I/O.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cdb::{addr_field, lba_to_msf};
use crate::media::MediaType;
use crate::mode::WriteParams;
use crate::reply::{DiscInfo, TocTrack, TrackInfo};
use crate::sense::SenseCode;

/// Which sequential class a medium belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SeqKind {
    /// CD-R / CD-RW, Track At Once (class A).
    Cd,
    /// DVD-R / DVD-RW sequential (class B).
    DvdMinus,
    /// DVD+R / DVD+R DL (class C).
    DvdPlus,
    /// BD-R SRM, with or without POW (classes D, E).
    Bdr,
}

/// Drive- and media-defined layout numbers of a sequential medium, in sectors.
///
/// The CD values are fixed by the Orange Book (`mmc.md` §6.1). The DVD and BD session
/// gaps are not published (`mmc.md` §10); the defaults are non-zero where a real drive
/// leaves a gap, so that host code that computes addresses instead of reading the NWA
/// fails its tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Geometry {
    /// Write unit: 1 (CD), 16 (DVD ECC block), 32 (BD cluster). Tracks are padded to it.
    pub write_unit: u32,
    /// Run-out blocks a TAO track carries after its data (CD: 2), counted in the track.
    pub run_out: u32,
    /// Gap between the end of a track and the start of the next track in the same
    /// session (CD: 150-block pregap; DVD-R: 16-block link; DVD+R, BD-R: 0).
    pub track_gap: u32,
    /// Minimum user blocks of a track; shorter tracks are padded when closed (CD: 300).
    pub min_track_blocks: u32,
    /// Gap from the end of session 1 to the first track of session 2 (CD: 11400 =
    /// lead-out 6750 + lead-in 4500 + pregap 150).
    pub session_gap_first: u32,
    /// Gap from the end of session k ≥ 2 to the first track of session k+1 (CD: 6900).
    pub session_gap_later: u32,
    /// The part of a session gap that precedes the next session's first track and is
    /// reported as "Last Session Lead-in Start Address" (CD: 4650 = lead-in + pregap; DVD+R:
    /// the Intro).
    pub lead_in_blocks: u32,
    /// Most sessions the medium holds; closing the last one finalizes (DVD+R 153, DL 127).
    pub max_sessions: u32,
    /// Most tracks on the disc (CD 99).
    pub max_tracks: u32,
    /// Most tracks that may be open (reserved or incomplete) at once.
    pub max_open_tracks: u32,
    /// Closing a session finalizes the disc when fewer blocks than this would remain
    /// (DVD+R: 65 ECC blocks, `mmc.md` §5.6).
    pub finalize_reserve: u32,
}

impl Geometry {
    /// The defaults for a sequential media type; `None` for overwriteable media.
    pub fn for_media(media: MediaType) -> Option<Geometry> {
        let g = match media {
            MediaType::CdR | MediaType::CdRw => Geometry {
                write_unit: 1,
                run_out: 2,
                track_gap: 150,
                min_track_blocks: 300,
                session_gap_first: 11_400,
                session_gap_later: 6_900,
                lead_in_blocks: 4_650,
                max_sessions: 99,
                max_tracks: 99,
                max_open_tracks: 99,
                finalize_reserve: 0,
            },
            MediaType::DvdMinusR | MediaType::DvdMinusRw => Geometry {
                write_unit: 16,
                run_out: 0,
                track_gap: 16,
                min_track_blocks: 0,
                // [EMU] border-out + border-in; real sizes are not published (mmc.md §10).
                session_gap_first: 32_768,
                session_gap_later: 6_144,
                lead_in_blocks: 2_048,
                max_sessions: 300,
                max_tracks: 2_000,
                max_open_tracks: 3,
                finalize_reserve: 0,
            },
            MediaType::DvdPlusR | MediaType::DvdPlusRDl => Geometry {
                write_unit: 16,
                run_out: 0,
                track_gap: 0,
                min_track_blocks: 0,
                // [EMU] Closure + Intro; real sizes are drive-defined (mmc.md §10).
                session_gap_first: 2_048,
                session_gap_later: 2_048,
                lead_in_blocks: 1_024,
                max_sessions: if media == MediaType::DvdPlusRDl {
                    127
                } else {
                    153
                },
                max_tracks: 2_000,
                max_open_tracks: 15,
                finalize_reserve: 65 * 16,
            },
            MediaType::BdR => Geometry {
                write_unit: 32,
                run_out: 0,
                track_gap: 0,
                min_track_blocks: 0,
                session_gap_first: 0,
                session_gap_later: 0,
                lead_in_blocks: 0,
                max_sessions: 1_000,
                max_tracks: 4_000,
                max_open_tracks: 16,
                finalize_reserve: 0,
            },
            _ => return None,
        };
        Some(g)
    }
}

/// A track (CD track, DVD-R RZone, DVD+R fragment, BD-R track).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Track {
    /// Logical track number, counted over the whole disc from 1.
    pub number: u32,
    /// Logical Track Start Address.
    pub start: u32,
    /// Reserved size (RESERVE TRACK), already rounded to the write unit; `None` for a
    /// track opened by writing at the invisible track (it extends to the end of the
    /// medium until closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<u32>,
    /// Blocks recorded from `start` (including padding written by SYNC / CLOSE).
    pub recorded: u32,
    /// Closed (complete): no further writes.
    pub closed: bool,
    /// Left incomplete by an interrupted write (power loss): READ TRACK INFORMATION
    /// reports Damage = 1.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub damaged: bool,
    /// DVD-R Disc-At-Once reservation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dao: bool,
    /// Track Mode (CD: Q CONTROL nibble from page 05h; DVD-R 5; DVD+R, BD-R 4).
    pub track_mode: u8,
    /// Data Mode (1 = Mode 1, 2 = Mode 2).
    pub data_mode: u8,
}

/// A closed session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Session {
    pub tracks: Vec<Track>,
    /// Page 05h Multi-session field in effect when the session was closed (CD B0 pointer).
    pub multi_session: u8,
}

/// BD-R formatting (FORMAT UNIT 00h/32h, or implicitly by the first write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BdFormat {
    /// Spare blocks taken from the user area.
    pub spare_blocks: u32,
    /// Pseudo-Overwrite (sub-type 00b): feature 0038h current.
    pub pow: bool,
}

/// A sequential medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SeqMedium {
    pub kind: SeqKind,
    /// End of the user area: no track (with run-out) may extend past it. CD: the ATIP
    /// last possible lead-out start.
    pub capacity: u32,
    /// Unformatted capacity (BD-R; equal to `capacity` elsewhere).
    pub raw_capacity: u32,
    pub geometry: Geometry,
    /// CD: ATIP start of the lead-in (negative LBA).
    #[serde(default)]
    pub atip_lead_in: i32,
    pub sessions: Vec<Session>,
    /// Tracks of the open session.
    pub open: Vec<Track>,
    pub finalized: bool,
    /// DVD-RW: feature 0021h (incremental) current; false after a minimal BLANK.
    #[serde(default = "yes")]
    pub incremental_allowed: bool,
    /// BD-R: formatted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bd_format: Option<BdFormat>,
    /// BD-R POW: virtual cluster → physical cluster.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", with = "pairs")]
    pub pow_map: BTreeMap<u32, u32>,
    /// BD-R POW: remaining replacements (clusters), READ DISC INFORMATION data type 010b
    /// bytes 4-7.
    #[serde(default)]
    pub pow_remaining: u32,
    /// BD-R POW: remaining map entries (bytes 8-11); one per cluster remapped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pow_map_entries: u32,
    /// BD-R POW: remaining updates of the map (bytes 12-15); one per WRITE that remaps.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pow_updates: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// [EMU] POW resources of a freshly formatted BD-R from its spare blocks: replacements
/// and map entries one per spare cluster, updates half that (the real numbers are
/// drive-defined; MMC-6 6.22 reports them, it does not fix them).
pub(crate) fn pow_resources_for(spare_blocks: u32) -> [u32; 3] {
    let clusters = spare_blocks / 32;
    [clusters, clusters, clusters / 2]
}

fn yes() -> bool {
    true
}

/// The POW map as a list of `[virtual, physical]` pairs (JSON object keys would be
/// strings, which an internally tagged enum cannot turn back into integers).
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &BTreeMap<u32, u32>, s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<[u32; 2]> = m.iter().map(|(k, v)| [*k, *v]).collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u32, u32>, D::Error> {
        let v = Vec::<[u32; 2]>::deserialize(d)?;
        Ok(v.into_iter().map(|[k, v]| (k, v)).collect())
    }
}

/// The derived invisible track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invisible {
    pub number: u32,
    pub start: u32,
}

/// Which track a WRITE goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WritePlan {
    /// Append at the NWA of open track `index` (into `open`).
    Append { index: usize },
    /// Open a new track at the invisible track's start.
    NewTrack,
    /// BD-R POW: rewrite recorded clusters; each (virtual, physical) cluster pair is
    /// allocated at the NWA of the target track, after `pad` padding blocks.
    Pow {
        target: Option<usize>,
        pad: u32,
        relocations: Vec<(u32, u32)>,
    },
}

impl WritePlan {
    /// True when applying this plan opens a track (the drive persists before writing).
    pub fn creates_track(&self) -> bool {
        matches!(
            self,
            WritePlan::NewTrack | WritePlan::Pow { target: None, .. }
        )
    }
}

/// What SYNCHRONIZE CACHE did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncEffect {
    None,
    Changed,
}

fn align_up(v: u32, unit: u32) -> u32 {
    if unit <= 1 {
        v
    } else {
        v.div_ceil(unit) * unit
    }
}

impl SeqMedium {
    /// A blank medium of `media` whose blank free space is `capacity` sectors.
    pub fn blank(media: MediaType, capacity: u32, geometry: Geometry) -> SeqMedium {
        let kind = match media {
            MediaType::CdR | MediaType::CdRw => SeqKind::Cd,
            MediaType::DvdMinusR | MediaType::DvdMinusRw => SeqKind::DvdMinus,
            MediaType::DvdPlusR | MediaType::DvdPlusRDl => SeqKind::DvdPlus,
            _ => SeqKind::Bdr,
        };
        let end = capacity + geometry.run_out;
        SeqMedium {
            kind,
            capacity: end,
            raw_capacity: end,
            geometry,
            atip_lead_in: if kind == SeqKind::Cd { -11_634 } else { 0 },
            sessions: Vec::new(),
            open: Vec::new(),
            finalized: false,
            incremental_allowed: true,
            bd_format: None,
            pow_map: BTreeMap::new(),
            pow_remaining: 0,
            pow_map_entries: 0,
            pow_updates: 0,
        }
    }

    /// Formats a blank BD-R (FORMAT UNIT type 00h/32h, MMC-6 6.5): `spare` blocks are
    /// taken from the user area; with `pow` (sub-type 00b, SRM+POW) feature 0038h
    /// becomes current and the POW resources are set.
    pub fn format_bd(&mut self, spare: u32, pow: bool) {
        self.capacity = self.raw_capacity - spare;
        self.bd_format = Some(BdFormat {
            spare_blocks: spare,
            pow,
        });
        let [r, m, u] = if pow {
            pow_resources_for(spare)
        } else {
            [0; 3]
        };
        self.pow_remaining = r;
        self.pow_map_entries = m;
        self.pow_updates = u;
    }

    /// READ DISC INFORMATION data type 010b (POW Resources, MMC-6 6.22): remaining
    /// replacements, remaining map entries, remaining updates.
    pub fn pow_resources(&self) -> [u32; 3] {
        [self.pow_remaining, self.pow_map_entries, self.pow_updates]
    }

    /// Checks the invariants the state machine relies on (a state file edited by hand
    /// must not make the drive panic).
    pub fn validate(&self) -> Result<(), String> {
        let g = &self.geometry;
        if g.write_unit == 0 || g.write_unit > 64 {
            return Err(format!("write unit {} is not 1..64", g.write_unit));
        }
        if self.capacity > 0x7FFF_0000 || self.raw_capacity < self.capacity {
            return Err(format!(
                "capacity {} / raw capacity {}",
                self.capacity, self.raw_capacity
            ));
        }
        let gaps = [
            g.track_gap,
            g.session_gap_first,
            g.session_gap_later,
            g.lead_in_blocks,
        ];
        if gaps.iter().any(|&x| x > 0x0100_0000)
            || g.lead_in_blocks > g.session_gap_first.max(g.session_gap_later)
        {
            return Err("session or track gaps out of range".to_string());
        }
        let mut end = 0u64;
        for (expected, (_, t)) in (1u32..).zip(self.tracks()) {
            if t.number != expected {
                return Err(format!(
                    "track {} where track {expected} was expected",
                    t.number
                ));
            }
            let size =
                u64::from(t.reserved.unwrap_or(t.recorded).max(t.recorded)) + u64::from(g.run_out);
            if u64::from(t.start) < end || u64::from(t.start) + size > u64::from(self.capacity) {
                return Err(format!(
                    "track {} (start {}, {} blocks) overlaps or exceeds the medium",
                    t.number, t.start, size
                ));
            }
            if t.reserved.is_some_and(|r| t.recorded > r) {
                return Err(format!(
                    "track {} recorded beyond its reservation",
                    t.number
                ));
            }
            end = u64::from(t.start) + size;
        }
        if self.sessions.iter().any(|s| s.tracks.is_empty()) {
            return Err("a closed session without tracks".to_string());
        }
        if self.pow_map.values().any(|&p| {
            u64::from(p) * u64::from(g.write_unit) + u64::from(g.write_unit)
                > u64::from(self.capacity)
        }) {
            return Err("POW map points outside the medium".to_string());
        }
        Ok(())
    }

    /// Forget everything recorded (BLANK).
    pub fn reset(&mut self) {
        self.sessions.clear();
        self.open.clear();
        self.finalized = false;
        self.bd_format = None;
        self.pow_map.clear();
        self.pow_remaining = 0;
        self.pow_map_entries = 0;
        self.pow_updates = 0;
        self.capacity = self.raw_capacity;
    }

    pub fn is_pow(&self) -> bool {
        self.bd_format.as_ref().is_some_and(|f| f.pow)
    }

    /// Size of a track in blocks when fixed (closed or reserved), run-out included.
    pub fn track_size(&self, t: &Track) -> Option<u32> {
        if t.closed || t.reserved.is_some() {
            Some(t.reserved.unwrap_or(t.recorded) + self.geometry.run_out)
        } else {
            None
        }
    }

    /// First block after a track (its end), or the end of the medium for an incomplete one.
    pub fn track_end(&self, t: &Track) -> u32 {
        match self.track_size(t) {
            Some(size) => t.start + size,
            None => self.capacity,
        }
    }

    pub fn track_count(&self) -> u32 {
        self.sessions
            .iter()
            .map(|s| s.tracks.len() as u32)
            .sum::<u32>()
            + self.open.len() as u32
    }

    /// Tracks with their session number, in disc order.
    pub fn tracks(&self) -> impl Iterator<Item = (u32, &Track)> {
        let open_session = self.sessions.len() as u32 + 1;
        self.sessions
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.tracks.iter().map(move |t| (i as u32 + 1, t)))
            .chain(self.open.iter().map(move |t| (open_session, t)))
    }

    fn session_end(&self, s: &Session) -> u32 {
        s.tracks.last().map(|t| self.track_end(t)).unwrap_or(0)
    }

    /// Lead-out start of the last closed session (0 when none).
    pub fn last_session_end(&self) -> Option<u32> {
        self.sessions.last().map(|s| self.session_end(s))
    }

    /// Start of the first track of the next session (`mmc.md` §6.1 for CD).
    pub fn next_session_start(&self) -> u32 {
        match self.sessions.last() {
            None => 0,
            Some(s) => {
                let gap = if self.sessions.len() == 1 {
                    self.geometry.session_gap_first
                } else {
                    self.geometry.session_gap_later
                };
                align_up(self.session_end(s), self.geometry.write_unit) + gap
            }
        }
    }

    /// The incomplete track: the last open track when it has no fixed size.
    pub fn incomplete_index(&self) -> Option<usize> {
        let last = self.open.len().checked_sub(1)?;
        let t = &self.open[last];
        (!t.closed && t.reserved.is_none()).then_some(last)
    }

    /// The invisible track, when the disc is writable and the last track has a fixed size.
    pub fn invisible(&self) -> Option<Invisible> {
        if self.finalized || self.incomplete_index().is_some() {
            return None;
        }
        let start = match self.open.last() {
            Some(t) => {
                align_up(self.track_end(t), self.geometry.write_unit) + self.geometry.track_gap
            }
            None => self.next_session_start(),
        };
        if start + self.geometry.run_out >= self.capacity {
            return None;
        }
        Some(Invisible {
            number: self.track_count() + 1,
            start,
        })
    }

    /// Next Writable Address of an open track (None when closed, full, or damaged on CD).
    pub fn track_nwa(&self, t: &Track) -> Option<u32> {
        if self.finalized || t.closed {
            return None;
        }
        if t.damaged && self.kind == SeqKind::Cd {
            return None;
        }
        match t.reserved {
            Some(r) if t.recorded >= r => None,
            _ => Some(t.start + t.recorded),
        }
    }

    /// Free blocks after `addr` up to the end of the user area, less the run-out.
    fn free_from(&self, addr: u32) -> u32 {
        self.capacity
            .saturating_sub(self.geometry.run_out)
            .saturating_sub(addr)
    }

    fn track_free(&self, t: &Track) -> u32 {
        if t.closed {
            return 0;
        }
        match t.reserved {
            Some(r) => r.saturating_sub(t.recorded),
            None => self.free_from(t.start + t.recorded),
        }
    }

    /// True when nothing was ever recorded or reserved and the medium is unformatted.
    pub fn is_blank(&self) -> bool {
        self.sessions.is_empty() && self.open.is_empty() && self.bd_format.is_none()
    }

    // ---- READ DISC INFORMATION -------------------------------------------------

    pub fn disc_info(&self, rewritable: bool) -> DiscInfo {
        let cd = self.kind == SeqKind::Cd;
        let mut di = DiscInfo {
            erasable: rewritable,
            uru: cd,
            ..DiscInfo::default()
        };
        if self.finalized {
            di.disc_status = 2;
            di.last_session_state = 3;
            di.sessions = self.sessions.len() as u16;
            if let Some(s) = self.sessions.last() {
                di.first_track_last_session = s.tracks.first().map_or(0, |t| t.number) as u16;
                di.last_track_last_session = s.tracks.last().map_or(0, |t| t.number) as u16;
            }
            di.lead_in = [0xFF; 4];
            di.lead_out = [0xFF; 4];
            return di;
        }
        di.disc_status = if self.is_blank() { 0 } else { 1 };
        di.last_session_state = if self.open.is_empty() { 0 } else { 1 };
        di.sessions = self.sessions.len() as u16 + 1;
        let next = self.track_count() + 1;
        let invisible = self.invisible();
        di.first_track_last_session = self.open.first().map_or(next, |t| t.number) as u16;
        di.last_track_last_session = match invisible {
            Some(inv) => inv.number,
            None => self.open.last().map_or(next, |t| t.number),
        } as u16;
        let lead_in: i64 = if self.sessions.is_empty() {
            if cd { i64::from(self.atip_lead_in) } else { 0 }
        } else {
            i64::from(self.next_session_start()) - i64::from(self.geometry.lead_in_blocks)
        };
        di.lead_in = addr_field(lead_in, cd);
        di.lead_out = addr_field(i64::from(self.capacity), cd);
        di
    }

    // ---- READ TRACK INFORMATION --------------------------------------------------

    fn default_track_mode(&self, page: &WriteParams) -> (u8, u8) {
        match self.kind {
            SeqKind::Cd => (page.track_mode(), page.data_mode()),
            SeqKind::DvdMinus => (5, 1),
            SeqKind::DvdPlus | SeqKind::Bdr => (4, 1),
        }
    }

    fn incremental(&self, page: &WriteParams, t: Option<&Track>) -> bool {
        self.kind == SeqKind::DvdMinus && !t.is_some_and(|t| t.dao) && page.write_type() != 2
    }

    fn blocking_factor(&self) -> u32 {
        match self.kind {
            SeqKind::Cd => 0,
            _ => self.geometry.write_unit,
        }
    }

    pub fn track_info(&self, session: u32, t: &Track, page: &WriteParams) -> TrackInfo {
        let nwa = self.track_nwa(t);
        let size = self.track_size(t).unwrap_or_else(|| {
            self.capacity
                .saturating_sub(t.start)
                .saturating_sub(self.geometry.run_out)
        });
        let lra = (self.kind != SeqKind::Cd && t.recorded > 0).then(|| t.start + t.recorded - 1);
        let cd_complete_reserved = self.kind == SeqKind::Cd && t.reserved.is_some();
        TrackInfo {
            number: t.number as u16,
            session: session as u16,
            damage: t.damaged,
            track_mode: t.track_mode,
            rt: t.reserved.is_some() && (!t.closed || cd_complete_reserved),
            blank: t.recorded == 0 && !t.closed,
            packet: self.incremental(page, Some(t)),
            fp: false,
            data_mode: t.data_mode,
            nwa,
            lra,
            start: t.start,
            free: self.track_free(t),
            blocking_factor: self.blocking_factor(),
            size,
        }
    }

    pub fn invisible_info(&self, inv: Invisible, page: &WriteParams) -> TrackInfo {
        let (track_mode, data_mode) = self.default_track_mode(page);
        let free = self.free_from(inv.start);
        TrackInfo {
            number: inv.number as u16,
            session: self.sessions.len() as u16 + 1,
            track_mode,
            blank: true,
            packet: self.incremental(page, None),
            data_mode: if self.kind == SeqKind::Cd {
                0x0F
            } else {
                data_mode
            },
            nwa: Some(inv.start),
            start: inv.start,
            free,
            blocking_factor: self.blocking_factor(),
            size: free,
            ..TrackInfo::default()
        }
    }

    /// READ TRACK INFORMATION with Address/Number Type `addr_type` (00b LBA, 01b track,
    /// 10b session). `Err` → 5/24/00.
    pub fn read_track_info(
        &self,
        addr_type: u8,
        value: u32,
        page: &WriteParams,
    ) -> Result<TrackInfo, SenseCode> {
        let invalid = SenseCode::INVALID_FIELD_IN_CDB;
        let invisible = self.invisible();
        match addr_type {
            0 => {
                for (s, t) in self.tracks() {
                    if value >= t.start && value < self.track_end(t) {
                        return Ok(self.track_info(s, t, page));
                    }
                }
                match invisible {
                    Some(inv) if value >= inv.start && value < self.capacity => {
                        Ok(self.invisible_info(inv, page))
                    }
                    _ => Err(invalid),
                }
            }
            1 => {
                if value == 0xFF && matches!(self.kind, SeqKind::Cd | SeqKind::DvdPlus) {
                    if let Some(inv) = invisible {
                        return Ok(self.invisible_info(inv, page));
                    }
                    if let Some(i) = self.incomplete_index() {
                        return Ok(self.track_info(
                            self.sessions.len() as u32 + 1,
                            &self.open[i],
                            page,
                        ));
                    }
                    return Err(invalid);
                }
                if let Some((s, t)) = self.tracks().find(|(_, t)| t.number == value) {
                    return Ok(self.track_info(s, t, page));
                }
                match invisible {
                    Some(inv) if inv.number == value => Ok(self.invisible_info(inv, page)),
                    _ => Err(invalid),
                }
            }
            2 => {
                let closed = self.sessions.len() as u32;
                if value >= 1 && value <= closed {
                    let s = &self.sessions[value as usize - 1];
                    let t = s.tracks.first().ok_or(invalid)?;
                    return Ok(self.track_info(value, t, page));
                }
                if value == closed + 1 && !self.finalized {
                    if let Some(t) = self.open.first() {
                        return Ok(self.track_info(value, t, page));
                    }
                    if let Some(inv) = invisible {
                        return Ok(self.invisible_info(inv, page));
                    }
                }
                Err(invalid)
            }
            _ => Err(invalid),
        }
    }

    // ---- TOC / capacity ----------------------------------------------------------

    /// READ CAPACITY: last block of the last complete session (lead-out − 1), 0 without one.
    /// [EMU] BD-R POW, whose sessions stay open: the last recorded block of the logical
    /// space (what a host reading the disc as a block device needs), when larger.
    pub fn read_capacity_last_lba(&self) -> u32 {
        let closed = self.last_session_end().map_or(0, |e| e.saturating_sub(1));
        if !self.is_pow() {
            return closed;
        }
        let recorded = self
            .tracks()
            .filter(|(_, t)| t.recorded > 0)
            .map(|(_, t)| t.start + t.recorded - 1)
            .max()
            .unwrap_or(0);
        closed.max(recorded)
    }

    pub fn toc_tracks(&self) -> Vec<TocTrack> {
        self.sessions
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.tracks.iter().map(move |t| TocTrack {
                    session: i as u16 + 1,
                    number: t.number.min(99) as u8,
                    adr_control: 0x10 | (t.track_mode & 0x0F),
                    start: i64::from(t.start),
                })
            })
            .collect()
    }

    /// READ TOC format 0010b (Full TOC, CD only; `mmc.md` §4.3).
    pub fn full_toc(&self, rewritable: bool) -> Option<Vec<u8>> {
        let last = self.sessions.len();
        if last == 0 {
            return None;
        }
        let mut b = vec![0u8; 4];
        b[2] = 1;
        b[3] = last as u8;
        let mut push = |session: u8,
                        adr_control: u8,
                        point: u8,
                        amsf: (u8, u8, u8),
                        zero: u8,
                        pmsf: (u8, u8, u8)| {
            b.extend_from_slice(&[
                session,
                adr_control,
                0,
                point,
                amsf.0,
                amsf.1,
                amsf.2,
                zero,
                pmsf.0,
                pmsf.1,
                pmsf.2,
            ]);
        };
        for (i, s) in self.sessions.iter().enumerate() {
            let sn = i as u8 + 1;
            let (Some(first), Some(last_t)) = (s.tracks.first(), s.tracks.last()) else {
                continue;
            };
            let control = 0x10 | (first.track_mode & 0x0F);
            push(
                sn,
                control,
                0xA0,
                (0, 0, 0),
                0,
                (first.number as u8, 0x00, 0),
            );
            push(sn, control, 0xA1, (0, 0, 0), 0, (last_t.number as u8, 0, 0));
            push(
                sn,
                control,
                0xA2,
                (0, 0, 0),
                0,
                lba_to_msf(i64::from(self.session_end(s))),
            );
            for t in &s.tracks {
                push(
                    sn,
                    0x10 | (t.track_mode & 0x0F),
                    t.number as u8,
                    (0, 0, 0),
                    0,
                    lba_to_msf(i64::from(t.start)),
                );
            }
            let is_last = i + 1 == last;
            let b0_next = if !is_last || !self.finalized {
                Some(lba_to_msf(
                    i64::from(self.next_session_start_after(i)) - 150,
                ))
            } else if s.multi_session == 1 {
                Some((0xFF, 0xFF, 0xFF))
            } else {
                None
            };
            if let Some(next) = b0_next {
                let zero = if i == 0 { 2 } else { 1 };
                push(
                    sn,
                    0x50 | (control & 0x0F),
                    0xB0,
                    next,
                    zero,
                    lba_to_msf(i64::from(self.capacity)),
                );
            }
            if i == 0 {
                let lead_in = lba_to_msf(i64::from(self.atip_lead_in));
                let power = if rewritable { 0x55 } else { 0x45 };
                push(sn, 0x50 | (control & 0x0F), 0xC0, (power, 0, 0), 0, lead_in);
            }
        }
        let len = (b.len() - 2) as u16;
        b[0..2].copy_from_slice(&len.to_be_bytes());
        Some(b)
    }

    /// Start of the first track of session `i + 2` (0-based `i` of a closed session).
    fn next_session_start_after(&self, i: usize) -> u32 {
        match self.sessions.get(i + 1).and_then(|s| s.tracks.first()) {
            Some(t) => t.start,
            None => {
                if i + 1 == self.sessions.len() {
                    self.next_session_start()
                } else {
                    0
                }
            }
        }
    }

    /// READ TOC format 0100b (ATIP, CD only; `mmc.md` §4.4).
    pub fn atip(&self, rewritable: bool) -> Vec<u8> {
        let mut b = vec![0u8; 28];
        b[0..2].copy_from_slice(&26u16.to_be_bytes());
        let d = &mut b[4..];
        d[0] = 0x80 | 0x45; // indicative writing power 4, reference speed 5
        d[1] = 0x40; // URU
        d[2] = 0x80 | if rewritable { 0x40 } else { 0 };
        let (m, s, f) = lba_to_msf(i64::from(self.atip_lead_in));
        d[4..7].copy_from_slice(&[m, s, f]);
        let (m, s, f) = lba_to_msf(i64::from(self.capacity));
        d[8..11].copy_from_slice(&[m, s, f]);
        b
    }

    // ---- writing -----------------------------------------------------------------

    /// Checks a WRITE of `n > 0` blocks at `lba` against the state and the current write
    /// parameters; nothing changes.
    /// `check_mode` validates the write type against page 05h (off when replaying the
    /// write-ahead log).
    pub fn plan_write(
        &self,
        lba: u32,
        n: u32,
        page: &WriteParams,
        strict: bool,
        check_mode: bool,
    ) -> Result<WritePlan, SenseCode> {
        if self.finalized {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        let unit = self.geometry.write_unit;
        if strict && unit > 1 && (!lba.is_multiple_of(unit) || !n.is_multiple_of(unit)) {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        let end = u64::from(lba) + u64::from(n);
        if end > u64::from(self.capacity) {
            return Err(SenseCode::LBA_OUT_OF_RANGE);
        }
        let dao_target = self.open.iter().any(|t| t.dao);
        match self.kind {
            _ if !check_mode => {}
            SeqKind::Cd => {
                if page.write_type() != 1 || !matches!(page.data_block_type(), 8 | 10) {
                    return Err(SenseCode::ILLEGAL_MODE_FOR_THIS_TRACK);
                }
            }
            SeqKind::DvdMinus => match page.write_type() {
                0 if self.incremental_allowed && !dao_target => {}
                2 if dao_target => {}
                2 => return Err(SenseCode::COMMAND_SEQUENCE_ERROR),
                _ => return Err(SenseCode::ILLEGAL_MODE_FOR_THIS_TRACK),
            },
            SeqKind::DvdPlus | SeqKind::Bdr => {}
        }
        for (index, t) in self.open.iter().enumerate() {
            if self.track_nwa(t) == Some(lba) {
                if let Some(r) = t.reserved
                    && end > u64::from(t.start) + u64::from(r)
                {
                    return Err(SenseCode::END_OF_USER_AREA);
                }
                if end + u64::from(self.geometry.run_out) > u64::from(self.capacity) {
                    return Err(SenseCode::LBA_OUT_OF_RANGE);
                }
                return Ok(WritePlan::Append { index });
            }
        }
        if let Some(inv) = self.invisible()
            && inv.start == lba
        {
            if end + u64::from(self.geometry.run_out) > u64::from(self.capacity) {
                return Err(SenseCode::LBA_OUT_OF_RANGE);
            }
            self.check_new_track()?;
            return Ok(WritePlan::NewTrack);
        }
        if self.is_pow() {
            return self.plan_pow(lba, n);
        }
        Err(SenseCode::INVALID_ADDRESS_FOR_WRITE)
    }

    fn check_new_track(&self) -> Result<(), SenseCode> {
        let open_unclosed = self.open.iter().filter(|t| !t.closed).count() as u32;
        if self.track_count() >= self.geometry.max_tracks
            || open_unclosed >= self.geometry.max_open_tracks
        {
            return Err(SenseCode::NO_MORE_TRACK_RESERVATIONS);
        }
        Ok(())
    }

    fn is_recorded(&self, lba: u32) -> bool {
        self.tracks()
            .any(|(_, t)| lba >= t.start && lba < t.start + t.recorded)
    }

    fn plan_pow(&self, lba: u32, n: u32) -> Result<WritePlan, SenseCode> {
        if !(lba..lba + n).all(|b| self.is_recorded(b)) {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        let unit = self.geometry.write_unit;
        let first = lba / unit;
        let last = (lba + n - 1) / unit;
        let clusters = last - first + 1;
        // [?] mmc.md §9.6: a drive out of replacements, map entries or map updates
        // refuses the pseudo-overwrite with 5/21/02 INVALID ADDRESS FOR WRITE.
        if clusters > self.pow_remaining || clusters > self.pow_map_entries || self.pow_updates == 0
        {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        let (target, nwa) = match self.incomplete_index() {
            Some(i) => (Some(i), self.open[i].start + self.open[i].recorded),
            None => match self.invisible() {
                Some(inv) => {
                    self.check_new_track()?;
                    (None, inv.start)
                }
                None => return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE),
            },
        };
        let aligned = align_up(nwa, unit);
        if u64::from(aligned) + u64::from(clusters * unit) > u64::from(self.capacity) {
            return Err(SenseCode::LBA_OUT_OF_RANGE);
        }
        let relocations = (0..clusters)
            .map(|j| (first + j, aligned / unit + j))
            .collect();
        Ok(WritePlan::Pow {
            target,
            pad: aligned - nwa,
            relocations,
        })
    }

    /// Applies a planned WRITE of `n` blocks at `lba`. Returns the number of the track
    /// written.
    pub fn apply_write(&mut self, plan: &WritePlan, lba: u32, n: u32, page: &WriteParams) -> u32 {
        if self.kind == SeqKind::Bdr && self.bd_format.is_none() {
            // The first write on blank BD-R formats it without spares (mmc.md §9.5).
            self.bd_format = Some(BdFormat {
                spare_blocks: 0,
                pow: false,
            });
        }
        match plan {
            WritePlan::Append { index } => {
                let t = &mut self.open[*index];
                t.recorded += n;
                t.number
            }
            WritePlan::NewTrack => self.push_track(lba, None, n, false, page),
            WritePlan::Pow {
                target,
                pad,
                relocations,
            } => {
                let blocks = relocations.len() as u32 * self.geometry.write_unit;
                let number = match target {
                    Some(i) => {
                        let t = &mut self.open[*i];
                        t.recorded += pad + blocks;
                        t.number
                    }
                    None => {
                        let start = self.invisible().map_or(0, |inv| inv.start);
                        self.push_track(start, None, pad + blocks, false, page)
                    }
                };
                for (v, p) in relocations {
                    self.pow_map.insert(*v, *p);
                }
                let n = relocations.len() as u32;
                self.pow_remaining = self.pow_remaining.saturating_sub(n);
                self.pow_map_entries = self.pow_map_entries.saturating_sub(n);
                self.pow_updates = self.pow_updates.saturating_sub(1);
                number
            }
        }
    }

    fn push_track(
        &mut self,
        start: u32,
        reserved: Option<u32>,
        recorded: u32,
        dao: bool,
        page: &WriteParams,
    ) -> u32 {
        let number = self.track_count() + 1;
        let (track_mode, data_mode) = self.default_track_mode(page);
        self.open.push(Track {
            number,
            start,
            reserved,
            recorded,
            closed: false,
            damaged: false,
            dao,
            track_mode,
            data_mode,
        });
        number
    }

    /// The physical block that holds virtual block `lba` (BD-R POW remapping).
    pub fn physical(&self, lba: u32) -> u32 {
        if self.pow_map.is_empty() {
            return lba;
        }
        let unit = self.geometry.write_unit;
        match self.pow_map.get(&(lba / unit)) {
            Some(p) => p * unit + lba % unit,
            None => lba,
        }
    }

    /// True when READ may return block `lba`: recorded and not run-out.
    pub fn readable(&self, lba: u32) -> bool {
        self.is_recorded(lba)
    }

    /// Marks the open tracks numbered in `numbers` as damaged (recovery after power loss).
    pub fn mark_damaged(&mut self, numbers: &[u32]) {
        for t in self
            .open
            .iter_mut()
            .filter(|t| numbers.contains(&t.number) && !t.closed)
        {
            t.damaged = true;
        }
    }

    fn close_open_track(&mut self, index: usize) {
        let unit = self.geometry.write_unit;
        let min = self.geometry.min_track_blocks;
        let limit = self.capacity.saturating_sub(self.geometry.run_out);
        let t = &mut self.open[index];
        t.recorded = match t.reserved {
            Some(r) => r,
            None => {
                let padded = align_up(t.recorded.max(min), unit);
                padded.min(limit.saturating_sub(t.start))
            }
        };
        t.closed = true;
        t.damaged = false;
    }

    /// SYNCHRONIZE CACHE: CD TAO ends the open track; DVD/BD pad open tracks to the write
    /// unit; a full DVD-R DAO reservation completes the disc.
    pub fn sync(&mut self) -> SyncEffect {
        let mut changed = false;
        let unit = self.geometry.write_unit;
        for i in 0..self.open.len() {
            let t = &self.open[i];
            if t.closed || t.recorded == 0 {
                continue;
            }
            match self.kind {
                SeqKind::Cd => {
                    if t.reserved.is_none() || t.reserved == Some(t.recorded) {
                        self.close_open_track(i);
                        changed = true;
                    }
                }
                _ => {
                    let cap = t.reserved.unwrap_or(u32::MAX);
                    let padded = align_up(t.recorded, unit).min(cap);
                    if padded != t.recorded {
                        self.open[i].recorded = padded;
                        changed = true;
                    }
                    let t = &self.open[i];
                    if t.dao && Some(t.recorded) == t.reserved {
                        self.close_open_track(i);
                        let tracks = std::mem::take(&mut self.open);
                        self.sessions.push(Session {
                            tracks,
                            multi_session: 0,
                        });
                        self.finalized = true;
                        return SyncEffect::Changed;
                    }
                }
            }
        }
        if changed {
            SyncEffect::Changed
        } else {
            SyncEffect::None
        }
    }

    /// CLOSE TRACK/SESSION function 001b for logical track `number`.
    pub fn close_track(&mut self, number: u32) -> Result<bool, SenseCode> {
        if self.finalized {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        if self.invisible().is_some_and(|inv| inv.number == number) {
            return Ok(false);
        }
        if let Some(i) = self.open.iter().position(|t| t.number == number) {
            if self.open[i].closed {
                return Ok(false);
            }
            self.close_open_track(i);
            return Ok(true);
        }
        if self
            .sessions
            .iter()
            .any(|s| s.tracks.iter().any(|t| t.number == number))
        {
            return Ok(false);
        }
        Err(SenseCode::INVALID_FIELD_IN_CDB)
    }

    /// Closes the open session (function 010b and the finalizing functions). `finalize`
    /// requests a non-appendable disc. Returns whether anything changed.
    pub fn close_session(&mut self, multi_session: u8, finalize: bool) -> Result<bool, SenseCode> {
        if self.finalized {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        if let Some(t) = self.open.iter().find(|t| !t.closed) {
            return Err(if t.reserved.is_some() {
                SenseCode::EMPTY_OR_PARTIALLY_WRITTEN_RESERVED_TRACK
            } else {
                SenseCode::SESSION_FIXATION_INCOMPLETE_TRACK
            });
        }
        if self.open.is_empty() {
            if !finalize {
                return Ok(false);
            }
            if self.sessions.is_empty() {
                return Err(SenseCode::COMMAND_SEQUENCE_ERROR);
            }
            self.finalized = true;
            return Ok(true);
        }
        let tracks = std::mem::take(&mut self.open);
        self.sessions.push(Session {
            tracks,
            multi_session,
        });
        let next = self.next_session_start();
        let room = self
            .capacity
            .saturating_sub(self.geometry.run_out)
            .saturating_sub(next);
        if finalize
            || self.sessions.len() as u32 >= self.geometry.max_sessions
            || room
                <= self
                    .geometry
                    .finalize_reserve
                    .max(self.geometry.min_track_blocks)
            || next >= self.capacity
        {
            self.finalized = true;
        }
        Ok(true)
    }

    /// RESERVE TRACK of `size` blocks at the invisible track.
    pub fn reserve_track(&mut self, size: u32, page: &WriteParams) -> Result<(), SenseCode> {
        if self.finalized {
            return Err(SenseCode::INVALID_ADDRESS_FOR_WRITE);
        }
        let inv = self.invisible().ok_or(SenseCode::COMMAND_SEQUENCE_ERROR)?;
        if size == 0 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB);
        }
        let dao = self.kind == SeqKind::DvdMinus && page.write_type() == 2;
        if dao && !self.is_blank() {
            return Err(SenseCode::COMMAND_SEQUENCE_ERROR);
        }
        let size = if dao {
            size
        } else {
            align_up(size, self.geometry.write_unit)
        };
        if u64::from(inv.start) + u64::from(size) + u64::from(self.geometry.run_out)
            > u64::from(self.capacity)
        {
            return Err(SenseCode::INVALID_FIELD_IN_CDB);
        }
        self.check_new_track()?;
        self.push_track(inv.start, Some(size), 0, dao, page);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cd() -> (SeqMedium, WriteParams) {
        let m = MediaType::CdR;
        let mut page = WriteParams::default_for(Some(m));
        page.page[3] = 0xC4; // MS 11b, Track Mode 4
        (
            SeqMedium::blank(m, 359_847, Geometry::for_media(m).unwrap()),
            page,
        )
    }

    fn write(m: &mut SeqMedium, lba: u32, n: u32, page: &WriteParams) {
        let plan = m.plan_write(lba, n, page, false, true).unwrap();
        m.apply_write(&plan, lba, n, page);
    }

    #[test]
    fn mmc_6_1_cd_worked_example() {
        let (mut m, mut page) = cd();
        assert_eq!(m.invisible().unwrap().start, 0);
        write(&mut m, 0, 300, &page);
        assert_eq!(m.sync(), SyncEffect::Changed);
        assert!(m.close_session(page.multi_session(), false).unwrap());
        assert_eq!(m.last_session_end(), Some(302));
        assert_eq!(m.read_capacity_last_lba(), 301);
        assert_eq!(m.next_session_start(), 11_702);
        let di = m.disc_info(false);
        assert_eq!(di.lead_in, [0, 1, 36, 2]);
        write(&mut m, 11_702, 1000, &page);
        m.sync();
        page.page[3] = 0x04; // MS 00b
        m.close_session(page.multi_session(), page.multi_session() != 3)
            .unwrap();
        assert!(m.finalized);
        assert_eq!(m.last_session_end(), Some(12_704));
    }

    #[test]
    fn mmc_9_8_2_cd_two_tracks_one_session() {
        let (mut m, page) = cd();
        write(&mut m, 0, 300, &page);
        m.sync();
        assert_eq!(m.invisible().unwrap().start, 452);
    }

    #[test]
    fn mmc_6_1_cd_third_session_gap_6900() {
        let (mut m, page) = cd();
        write(&mut m, 0, 300, &page);
        m.sync();
        m.close_session(3, false).unwrap();
        write(&mut m, 11_702, 1000, &page);
        m.sync();
        m.close_session(3, false).unwrap();
        assert_eq!(m.next_session_start(), 19_604);
    }

    #[test]
    fn mmc_4_5_3_5_pow_remaps_and_counts_resources() {
        let media = MediaType::BdR;
        let page = WriteParams::default_for(Some(media));
        let mut m = SeqMedium::blank(media, 1 << 20, Geometry::for_media(media).unwrap());
        m.format_bd(64 * 32, true);
        m.pow_updates = 2;
        assert_eq!(m.pow_resources(), [64, 64, 2]);
        write(&mut m, 0, 64, &page);
        assert_eq!(m.sync(), SyncEffect::None);
        // Overwrite cluster 0: remapped to the NWA (cluster 2), NWA moves by 32.
        write(&mut m, 0, 32, &page);
        assert_eq!(m.physical(5), 64 + 5);
        assert_eq!(m.open[0].recorded, 96);
        assert_eq!(m.pow_resources(), [63, 63, 1]);
        assert_eq!(m.read_capacity_last_lba(), 95);
        write(&mut m, 0, 32, &page);
        assert_eq!(m.physical(0), 96);
        assert_eq!(m.pow_resources(), [62, 62, 0]);
        // No updates left: refused.
        assert_eq!(
            m.plan_write(0, 32, &page, false, true),
            Err(SenseCode::INVALID_ADDRESS_FOR_WRITE)
        );
        // Unrecorded blocks that are not at an NWA: refused.
        assert_eq!(
            m.plan_write(1024, 32, &page, false, true),
            Err(SenseCode::INVALID_ADDRESS_FOR_WRITE)
        );
    }
}
