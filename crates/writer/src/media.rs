//! The media state the writer and the multisession mechanisms report, derived only
//! from MMC replies (mmc.md §2–§6, imapi2.md §3.6, §5.2, §16.4):
//!
//! | value | sequential media (CD-R/RW, DVD±R, DVD-R/RW seq., BD-R) | overwritable media (DVD+RW, DVD-RAM, BD-RE, DVD-RW RO, stdio) |
//! |---|---|---|
//! | track asked | READ TRACK INFORMATION track FFh (CD, DVD+R) or RDI "Last Track in Last Session" (DVD-R, BD-R) (mmc.md §0 rule 3) | track 1 |
//! | next_writable_address | that track's NWA (NWA_V = 1) | 0 |
//! | start_address_of_previous_session | READ TOC format 1 bytes 8-11 when a session is complete, else −1 (rule 4) | −1 |
//! | last_written_address_of_previous_session | READ TRACK INFORMATION of the last track of the last complete session: LRA when LRA_V, else start + size − 1; −1 without a complete session | −1 |
//! | free_sectors_on_media | the track's Free Blocks (CD: − 150 post-gap sectors); 0 when closed | = total |
//! | total_sectors_on_media | NWA + Free Blocks (growisofs/libburn capacity, mmc.md §3.3); closed: READ CAPACITY + 1 | READ CAPACITY + 1 when formatted, else the capacity of the format the writer applies (READ FORMAT CAPACITIES) |
//! | write unit | Blocking Factor (DVD 16, BD 32), CD 1 | Blocking Factor of track 1 |

use discburn_mmc::cdb::TrackAddress;
use discburn_mmc::reply::{
    DiscInformation, DiscStatus, FormatCapacityDescriptor, FormatDescriptorType, SessionState,
    TrackInformation,
};
use discburn_mmc::{FeatureCode, MediaClass, Profile, Sense};
use discburn_recorder::{DiscRecorder, PhysicalMediaType, RecorderError};

use crate::error::WriterError;
use crate::error::mmc;
use crate::state::{MediaState, WriteProtectState};

/// Post-gap appended to a CD data track (2 s at 75 sectors/s; imapi2.md §5.1).
pub(crate) const CD_POSTGAP: u32 = 150;
/// CD TAO tracks are at least 300 user blocks (4 s); CLOSE TRACK pads shorter ones.
pub(crate) const CD_MIN_TRACK: u32 = 300;

/// What kind of writing the current media takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    ReadOnly,
    Sequential,
    Overwrite,
}

/// Everything the getters report, read from the drive in one go.
#[derive(Debug, Clone)]
pub(crate) struct MediaInfo {
    pub device: String,
    pub profile: Profile,
    pub kind: Kind,
    pub disc: DiscInformation,
    pub physically_blank: bool,
    pub status: MediaState,
    pub write_protect: WriteProtectState,
    /// Next writable address; `None` when the media cannot be written (closed ...).
    pub nwa: Option<i32>,
    pub start_prev: i32,
    pub last_prev: i32,
    pub free: i32,
    /// Free Blocks of the track to write (sequential; no post-gap subtracted).
    pub track_free: u32,
    pub total: i32,
    pub write_unit: i32,
    /// READ TRACK INFORMATION of the track to write (sequential) or of track 1.
    pub track: Option<TrackInformation>,
    pub complete_sessions: u16,
    pub is_first_data_session: bool,
    /// Overwritable media that needs FORMAT UNIT first: the descriptor to use.
    pub format: Option<FormatCapacityDescriptor>,
    /// Overwritable media: the drive's last recorded address (LRA_V of track 1).
    pub last_written: Option<i32>,
    /// Feature 0021h link size (DVD-R incremental), when current.
    pub incremental_link_size: Option<u8>,
    /// BD-R formatted for Pseudo-Overwrite (feature 0038h current): its resources.
    pub pow: Option<PowResources>,
}

/// The POW resources of a BD-R formatted SRM+POW: READ DISC INFORMATION data type 010b
/// (MMC-6 6.22), bytes 4-7, 8-11 and 12-15.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PowResources {
    /// Remaining replacements (clusters that can still be pseudo-overwritten).
    pub replacements: u32,
    /// Remaining map entries.
    pub map_entries: u32,
    /// Remaining updates of the map.
    pub updates: u32,
}

/// Feature 0038h (BD-R Pseudo-Overwrite) current, and then the POW resources.
fn pow_resources(rec: &mut DiscRecorder) -> Result<Option<PowResources>, WriterError> {
    match rec.drive().feature(FeatureCode::BD_PSEUDO_OVERWRITE) {
        Ok(Some(f)) if f.current => {}
        Ok(_) => return Ok(None),
        Err(e) => {
            let e = mmc(rec, e);
            return if is_illegal_request(&e) {
                Ok(None)
            } else {
                Err(e)
            };
        }
    }
    let b = rec
        .drive()
        .disc_information_raw(0b010)
        .map_err(|e| mmc(rec, e))?;
    let at = |i: usize| {
        b.get(i..i + 4)
            .map_or(0, |x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
    };
    Ok(Some(PowResources {
        replacements: at(4),
        map_entries: at(8),
        updates: at(12),
    }))
}

impl MediaInfo {
    pub fn invalid_state(&self, reason: impl Into<String>) -> WriterError {
        WriterError::InvalidMediaState {
            device: self.device.clone(),
            state: self.status,
            reason: reason.into(),
        }
    }

    /// NextWritableAddress, or E_IMAPI_DF2DATA_INVALID_MEDIA_STATE.
    pub fn next_writable_address(&self) -> Result<i32, WriterError> {
        self.nwa
            .ok_or_else(|| self.invalid_state("the media has no next writable address"))
    }
}

fn is_illegal_request(e: &WriterError) -> bool {
    match e {
        WriterError::Recorder(RecorderError::Device { source, .. }) => source
            .sense()
            .is_some_and(|s| s.key == discburn_mmc::SenseKey::IllegalRequest),
        _ => false,
    }
}

/// The error for an empty drive: the sense of TEST UNIT READY (E_IMAPI_RECORDER_MEDIA_NO_MEDIA).
pub(crate) fn no_media(rec: &mut DiscRecorder) -> WriterError {
    let device = rec.active_disc_recorder().to_string();
    match rec.drive().test_unit_ready() {
        Err(e) => match RecorderError::from_mmc(&device, e) {
            e @ RecorderError::NoMedia { .. } => e.into(),
            _ => RecorderError::NoMedia {
                device,
                sense: Sense::MEDIUM_NOT_PRESENT,
            }
            .into(),
        },
        Ok(()) => RecorderError::NoMedia {
            device,
            sense: Sense::MEDIUM_NOT_PRESENT,
        }
        .into(),
    }
}

/// The current profile; E_IMAPI_RECORDER_MEDIA_NO_MEDIA when the drive is empty.
pub(crate) fn current_profile(rec: &mut DiscRecorder) -> Result<Profile, WriterError> {
    let p = rec.current_profile()?;
    if p == Profile::None {
        return Err(no_media(rec));
    }
    Ok(p)
}

fn kind_of(p: Profile) -> Kind {
    match p.media_class() {
        MediaClass::Sequential => Kind::Sequential,
        MediaClass::Overwriteable => Kind::Overwrite,
        _ => Kind::ReadOnly,
    }
}

fn is_rom(p: Profile) -> bool {
    matches!(
        p,
        Profile::CdRom | Profile::DvdRom | Profile::BdRom | Profile::HdDvdRom
    )
}

/// Write protection from feature 0004h (Write Protect) when current: SSWPP/SPWP →
/// SOFTWARE, WDCB → DISC_CONTROL_BLOCK, DWP → MEDIA_SPECIFIC; ROM profiles add
/// READ_ONLY_MEDIA.
fn write_protect(rec: &mut DiscRecorder, p: Profile) -> Result<WriteProtectState, WriterError> {
    let mut w = WriteProtectState::NONE;
    if is_rom(p) {
        w |= WriteProtectState::READ_ONLY_MEDIA;
    }
    match rec.drive().feature(FeatureCode::WRITE_PROTECT) {
        Ok(Some(f)) if f.current => {
            let b = f.data.first().copied().unwrap_or(0);
            if b & 0x03 != 0 {
                w |= WriteProtectState::SOFTWARE;
            }
            if b & 0x04 != 0 {
                w |= WriteProtectState::DISC_CONTROL_BLOCK;
            }
            if b & 0x08 != 0 {
                w |= WriteProtectState::MEDIA_SPECIFIC;
            }
        }
        Ok(_) => {}
        Err(e) => {
            let e = mmc(rec, e);
            if !is_illegal_request(&e) {
                return Err(e);
            }
        }
    }
    Ok(w)
}

fn default_write_unit(p: Profile) -> i32 {
    if p.is_bd() {
        32
    } else if p.is_dvd() {
        16
    } else {
        1
    }
}

/// Reads the media state from the drive.
///
/// # Errors
/// E_IMAPI_RECORDER_MEDIA_NO_MEDIA without media; STD-DEV device errors.
pub(crate) fn read_media_info(rec: &mut DiscRecorder) -> Result<MediaInfo, WriterError> {
    let profile = current_profile(rec)?;
    let device = rec.active_disc_recorder().to_string();
    let kind = kind_of(profile);
    let disc = rec.disc_information()?;
    let write_protect = write_protect(rec, profile)?;
    let mut info = MediaInfo {
        device,
        profile,
        kind,
        physically_blank: disc.disc_status == DiscStatus::Empty,
        disc,
        status: MediaState::UNKNOWN,
        write_protect,
        nwa: None,
        start_prev: -1,
        last_prev: -1,
        free: 0,
        track_free: 0,
        total: 0,
        write_unit: default_write_unit(profile),
        track: None,
        complete_sessions: 0,
        is_first_data_session: true,
        format: None,
        last_written: None,
        incremental_link_size: None,
        pow: None,
    };
    if profile == Profile::BdRSequential {
        info.pow = pow_resources(rec)?;
    }
    match kind {
        Kind::Sequential => sequential(rec, &mut info)?,
        Kind::Overwrite => overwrite(rec, &mut info)?,
        Kind::ReadOnly => read_only(rec, &mut info)?,
    }
    if info.write_protect.bits() != 0 {
        info.status |= MediaState::WRITE_PROTECTED;
    }
    Ok(info)
}

fn read_capacity_sectors(rec: &mut DiscRecorder) -> Result<i32, WriterError> {
    let c = rec.read_capacity()?;
    Ok(if c.last_lba == 0 {
        0
    } else {
        (c.last_lba.min(i32::MAX as u32 - 1) + 1) as i32
    })
}

fn read_only(rec: &mut DiscRecorder, info: &mut MediaInfo) -> Result<(), WriterError> {
    info.status = MediaState::UNSUPPORTED_MEDIA;
    info.complete_sessions = info.disc.complete_sessions();
    info.is_first_data_session = false;
    info.total = read_capacity_sectors(rec).unwrap_or(0);
    Ok(())
}

/// The previous (last complete) session: start from READ TOC format 1, last written
/// address from READ TRACK INFORMATION of its last track.
fn previous_session(rec: &mut DiscRecorder, info: &mut MediaInfo) -> Result<(), WriterError> {
    let di = &info.disc;
    let complete = di.complete_sessions();
    info.complete_sessions = complete;
    if complete == 0 {
        return Ok(());
    }
    let last_track = if di.state_of_last_session == SessionState::Complete {
        di.last_track_in_last_session
    } else {
        di.first_track_in_last_session.saturating_sub(1)
    };
    let s = rec.drive().read_session_info().map_err(|e| mmc(rec, e))?;
    info.start_prev = s.start_address_of_first_track_in_last_session as i32;
    let t = rec.track_information(TrackAddress::Track(u32::from(last_track)))?;
    info.last_prev = match t.last_recorded_address {
        Some(lra) => lra as i32,
        None => (t.track_start_address as i64 + t.track_size as i64 - 1) as i32,
    };
    // IsFirstDataSession: FALSE once a data track exists (a CD with only audio
    // sessions keeps it TRUE; MS-10).
    info.is_first_data_session = if info.profile.is_cd() {
        match rec.drive().read_toc(false, 1) {
            Ok(toc) => !toc.descriptors.iter().any(|d| {
                d.track_number != discburn_mmc::reply::LEAD_OUT_TRACK && d.control & 0x04 != 0
            }),
            Err(e) => return Err(mmc(rec, e)),
        }
    } else {
        false
    };
    Ok(())
}

fn sequential(rec: &mut DiscRecorder, info: &mut MediaInfo) -> Result<(), WriterError> {
    let di = info.disc.clone();
    previous_session(rec, info)?;
    let finalized = di.disc_status == DiscStatus::Complete;
    let open_session = di.state_of_last_session == SessionState::Incomplete;
    let mut status = if finalized {
        MediaState::FINALIZED
    } else if di.state_of_last_session == SessionState::Damaged
        || di.disc_status == DiscStatus::Other
    {
        MediaState::DAMAGED
    } else if open_session && info.pow.is_some() {
        // BD-R POW: sessions stay open (only tracks are closed, mmc.md §5.6); the disc
        // is appendable at the NWA and its logical space overwritable (MMC-6 4.5.3.5).
        MediaState::APPENDABLE | MediaState::OVERWRITE_ONLY
    } else if open_session {
        MediaState::NON_EMPTY_SESSION
    } else if info.complete_sessions == 0 {
        MediaState::BLANK
    } else {
        MediaState::APPENDABLE
    };
    if !finalized {
        // mmc.md §0 rule 3: FFh on CD and DVD+R, the last track in the last session on
        // DVD-R and BD-R.
        let address = discburn_mmc::drive::next_track_address(info.profile, &di);
        let t = match rec.track_information(address) {
            Ok(t) => Some(t),
            Err(e) => {
                let e = WriterError::from(e);
                if is_illegal_request(&e) {
                    None
                } else {
                    return Err(e);
                }
            }
        };
        if let Some(t) = t {
            if let Some(nwa) = t.next_writable_address {
                // Some drives report NWA −150 on a blank CD: use the track start (libburn).
                let nwa = if info.complete_sessions == 0 && nwa < t.track_start_address {
                    t.track_start_address
                } else {
                    nwa
                };
                info.nwa = Some(nwa as i32);
                info.track_free = t.free_blocks;
                let overhead = if info.profile.is_cd() { CD_POSTGAP } else { 0 };
                info.free = t.free_blocks.saturating_sub(overhead) as i32;
                info.total =
                    (u64::from(nwa) + u64::from(t.free_blocks)).min(i32::MAX as u64) as i32;
            }
            if !info.profile.is_cd() && t.fixed_packet_size > 0 {
                info.write_unit = t.fixed_packet_size as i32;
            }
            info.track = Some(t);
        }
    }
    if info.pow.is_some() && open_session && info.complete_sessions == 0 {
        // The newest ISO 9660 session of a POW disc is the one LBA 0 shows (its head is
        // rewritten in place); the sequential view continues from there.
        info.start_prev = 0;
        info.last_prev = info.nwa.map_or(0, |n| n - 1);
        info.is_first_data_session = false;
    }
    if info.nwa.is_none() {
        info.total = read_capacity_sectors(rec)?;
        if !finalized && status.is_usable() {
            // Not closed, yet no track can be written: nothing left.
            status = MediaState::DAMAGED;
        }
    }
    if status.contains(MediaState::APPENDABLE) && is_final_session(info.profile, &di) {
        status |= MediaState::FINAL_SESSION;
    }
    info.status = status;
    if matches!(
        info.profile,
        Profile::DvdMinusRSequential
            | Profile::DvdMinusRwSequential
            | Profile::DvdMinusRDlSequential
    ) {
        info.incremental_link_size = match rec
            .drive()
            .feature(FeatureCode::INCREMENTAL_STREAMING_WRITABLE)
        {
            Ok(Some(f)) if f.current => match f.typed() {
                Ok(discburn_mmc::reply::Feature::IncrementalStreamingWritable {
                    link_sizes,
                    ..
                }) => Some(if link_sizes.contains(&16) || link_sizes.is_empty() {
                    16
                } else {
                    link_sizes[0]
                }),
                _ => Some(16),
            },
            Ok(_) => None,
            Err(e) => return Err(mmc(rec, e)),
        };
    }
    Ok(())
}

/// Only one more session fits: the session about to be written is the last one the
/// medium allows (DVD+R 153, DVD+R DL 127; mmc.md §6.3), or the medium does not do
/// multisession (DVD-R DL, imapi2.md §1.2).
fn is_final_session(p: Profile, di: &DiscInformation) -> bool {
    let next = di.number_of_sessions;
    match p {
        Profile::DvdPlusR => next >= 153,
        Profile::DvdPlusRDl => next >= 127,
        Profile::DvdMinusRDlSequential => true,
        Profile::CdR | Profile::CdRw => next >= 99,
        _ => false,
    }
}

fn overwrite(rec: &mut DiscRecorder, info: &mut MediaInfo) -> Result<(), WriterError> {
    info.is_first_data_session = false;
    info.status = MediaState::OVERWRITE_ONLY;
    if info.physically_blank {
        info.status |= MediaState::BLANK;
    }
    let caps = match rec.drive().read_format_capacities() {
        Ok(c) => Some(c),
        Err(e) => {
            let e = mmc(rec, e);
            if is_illegal_request(&e) {
                None
            } else {
                return Err(e);
            }
        }
    };
    let unformatted = caps
        .as_ref()
        .is_some_and(|c| c.current_descriptor_type == FormatDescriptorType::Unformatted);
    if unformatted {
        let caps = caps.expect("checked");
        let preferred: &[u8] = match info.profile {
            Profile::DvdPlusRw | Profile::DvdPlusRwDl => &[0x26],
            Profile::BdRe => &[0x00, 0x30],
            Profile::DvdMinusRwRestrictedOverwrite => &[0x10, 0x00],
            _ => &[0x00],
        };
        let d = preferred
            .iter()
            .find_map(|t| caps.descriptors.iter().find(|d| d.format_type == *t))
            .or(caps.descriptors.first())
            .copied();
        match d {
            Some(d) => {
                info.total = d.number_of_blocks.min(i32::MAX as u32) as i32;
                info.format = Some(d);
            }
            None => {
                info.status |= MediaState::DAMAGED;
            }
        }
    } else {
        info.total = read_capacity_sectors(rec)?;
    }
    info.free = info.total;
    info.nwa = Some(0);
    if !unformatted {
        let t = rec.track_information(TrackAddress::Track(1))?;
        if t.fixed_packet_size > 0 {
            info.write_unit = t.fixed_packet_size as i32;
        }
        info.last_written = t.last_recorded_address.map(|l| l as i32);
        info.track = Some(t);
    }
    Ok(())
}

/// True when `sector` is all zeros.
fn zero(b: &[u8]) -> bool {
    b.iter().all(|&x| x == 0)
}

/// A file system IMAPI recognises at the start of `head` (sectors from LBA 0): ISO 9660
/// ("CD001" at LBA 16) or a UDF volume recognition sequence (BEA01/NSR02/NSR03 at
/// LBA 16…).
fn recognised_file_system(head: &[u8]) -> bool {
    (16..20).any(|lba| {
        let at = lba * 2048 + 1;
        head.get(at..at + 5)
            .is_some_and(|id| matches!(id, b"CD001" | b"BEA01" | b"NSR02" | b"NSR03"))
    })
}

/// MediaHeuristicallyBlank (imapi2.md §4, F-05…F-07): physically blank ⇒ true;
/// sequential media without a complete or open session ⇒ true; overwritable media ⇒
/// the first and last 2 MB (1024 sectors each, READ(10)) are all zeros and no ISO 9660
/// or UDF recognition sequence is present.
pub(crate) fn heuristically_blank(
    rec: &mut DiscRecorder,
    info: &MediaInfo,
) -> Result<bool, WriterError> {
    if info.physically_blank {
        return Ok(true);
    }
    match info.kind {
        Kind::ReadOnly => Ok(false),
        Kind::Sequential => {
            Ok(info.complete_sessions == 0
                && info.disc.state_of_last_session == SessionState::Empty)
        }
        Kind::Overwrite => {
            if info.format.is_some() {
                return Ok(true);
            }
            let total = info.total.max(0) as u32;
            let n = total.min(1024);
            let mut head = vec![0u8; n as usize * 2048];
            rec.drive().read10(0, &mut head).map_err(|e| mmc(rec, e))?;
            if !zero(&head) || recognised_file_system(&head) {
                return Ok(false);
            }
            let tail_start = total.saturating_sub(1024).max(n);
            let m = total - tail_start;
            if m > 0 {
                let mut tail = vec![0u8; m as usize * 2048];
                crate::ownership::read_blocks(rec, tail_start, &mut tail)
                    .map_err(|e| mmc(rec, e))?;
                if !zero(&tail) {
                    return Ok(false);
                }
            }
            Ok(true)
        }
    }
}

/// IsRecorderSupported: the profile list names a profile the data writer can write
/// (sequential or overwritable class).
pub(crate) fn recorder_supported(rec: &mut DiscRecorder) -> Result<bool, WriterError> {
    Ok(rec
        .supported_profiles()?
        .into_iter()
        .any(|p| kind_of(p) != Kind::ReadOnly))
}

/// SupportedMediaTypes: the physical types of the writable profiles (F-08).
pub(crate) fn supported_media_types(
    rec: &mut DiscRecorder,
) -> Result<Vec<PhysicalMediaType>, WriterError> {
    let mut v: Vec<PhysicalMediaType> = Vec::new();
    for p in rec.supported_profiles()? {
        let t = PhysicalMediaType::from_profile(p);
        if kind_of(p) != Kind::ReadOnly && t != PhysicalMediaType::Unknown && !v.contains(&t) {
            v.push(t);
        }
    }
    Ok(v)
}

/// IsCurrentMediaSupported: the current profile is writable by the data writer.
pub(crate) fn current_media_supported(rec: &mut DiscRecorder) -> Result<bool, WriterError> {
    let p = current_profile(rec)?;
    Ok(kind_of(p) != Kind::ReadOnly && recorder_supported(rec)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_iso_and_udf() {
        let mut head = vec![0u8; 20 * 2048];
        assert!(!recognised_file_system(&head));
        head[16 * 2048 + 1..16 * 2048 + 6].copy_from_slice(b"CD001");
        assert!(recognised_file_system(&head));
        let mut head = vec![0u8; 20 * 2048];
        head[17 * 2048 + 1..17 * 2048 + 6].copy_from_slice(b"NSR03");
        assert!(recognised_file_system(&head));
    }
}
