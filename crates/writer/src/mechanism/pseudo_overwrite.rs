//! The BD-R Pseudo-Overwrite mechanism (class MsftMultisessionPseudoOverwrite; ours:
//! IMAPI2 names the mechanism as an example of a derived IMultisession but ships none).
//!
//! A BD-R formatted SRM+POW (FORMAT UNIT type 00h sub-type 00b, MMC-6 6.5; feature 0038h
//! current) stays a sequential medium physically, but a WRITE to blocks already recorded
//! is recorded at the next writable address of the open track and remapped, 32-block
//! cluster by cluster (MMC-6 4.5.3.5). Sessions are therefore laid out as on
//! overwritable media (the file-system image's [`SessionPlacement::Overwrite`]): the new
//! session at the NWA, then the 32-block head at LBA 0, rewritten in place, holding the
//! new volume descriptors; a reader of the logical space at LBA 0 (the kernel mounting
//! `/dev/sr0`, xorriso) sees the newest session, and the session chain reaches every
//! earlier one. The replacement of the head takes the cluster after the session's data,
//! which the session's Volume Space Size covers, so the chain leads on to the next
//! session.
//!
//! Recording (as growisofs does on POW media): zeros up to the session start when it
//! lies beyond the NWA (LBA 0–31 on a blank disc, the head's place), the session's data
//! at the NWA, SYNCHRONIZE CACHE, the head at LBA 0–31 (one replacement cluster),
//! SYNCHRONIZE CACHE, CLOSE TRACK/SESSION function 001b (the track only; a POW session is
//! never closed). Before anything is written the POW resources (READ DISC INFORMATION
//! data type 010b, MMC-6 6.22) must cover the replacements.
//!
//! **After an interrupted session.** A power cut or cancel leaves the blocks recorded
//! before it between the end of the sessions the head describes (the Volume Space Size
//! of the head's PVD at LBA 16) and the NWA, and the next session starts at the NWA. The
//! session chain readers follow from LBA 32 (each session starts where the previous
//! one's own Volume Space Size ends, rounded up to 32 blocks) would stop at those
//! leftovers. So, before the new session's data, the first cluster of the leftovers is
//! pseudo-overwritten with a *bridge*: 16 zero blocks and a copy of the head's volume
//! descriptor set whose Volume Space Size spans the leftovers up to the new session's
//! start. The bridge repeats the directory tree of the last complete session (as the
//! rescue session of [`crate::DiscFormat2Data::repair`] does on sequential media), so
//! the chain lists it as a session with the same files and leads on to the new session.
//! Only a cluster past what the head describes and below the NWA that holds zeros or
//! the start of an interrupted session (16 zero blocks, then a primary volume
//! descriptor) is rewritten; anything else is refused.
//!
//! **After a session recorded with the Sequential mechanism.** The disc offers both
//! mechanisms; a session recorded with [`crate::MsftMultisessionSequential`] lies at the
//! NWA past the chain, its track in a closed session (READ TRACK INFORMATION, MMC-6
//! 6.27), its Volume Space Size counted from LBA 0, and the head is not rewritten.
//! Such sessions are found from the chain's end by their tracks
//! ([`MsftMultisessionPseudoOverwrite::sequential_sessions`]; listed and readable by
//! number through them), the next pseudo-overwrite session imports the newest of them
//! (`SessionPlacement::Overwrite::previous_session`), and before its data each one's
//! first cluster is pseudo-overwritten with a *link*: the same blocks with the Volume
//! Space Size of its primary and supplementary descriptors set to reach the next
//! session (session-local, as the chain reads it), so the chain leads through them.

use std::sync::atomic::{AtomicBool, Ordering};

use discburn_image::{MultisessionError, SectorSource, SessionPlacement};
use discburn_mmc::TrackAddress;
use discburn_mmc::cdb::CloseFunction;

use super::Mechanism;
use crate::engine::{Job, SECTOR, Span};
use crate::error::WriterError;
use crate::media::{MediaInfo, PowResources};
use crate::state::{MediaState, WriteAction};
use crate::stream::SessionStream;
use crate::writer::Config;

/// Blocks of the head at LBA 0 rewritten by every session: one BD cluster.
const HEAD_BLOCKS: u32 = 32;

/// The BD-R Pseudo-Overwrite mechanism (class MsftMultisessionPseudoOverwrite), offered
/// on BD-R formatted SRM+POW before [`crate::MsftMultisessionSequential`], so the
/// file-system image chooses it unless the caller marks the sequential one in use.
///
/// Consumers that know only the base interface see an IMultisession; the values of this
/// type are reached by downcasting: `m.as_any().downcast_ref::<MsftMultisessionPseudoOverwrite>()`.
#[derive(Debug)]
pub struct MsftMultisessionPseudoOverwrite {
    import_recorder: String,
    in_use: AtomicBool,
    disc_id: Option<String>,
    supported: bool,
    write_unit: i32,
    nwa: Option<i32>,
    last_written: Option<i32>,
    total: i32,
    free: i32,
    resources: PowResources,
    /// The first cluster of an interrupted session's leftovers, to bridge (module docs).
    leftovers: Option<u64>,
    /// Sessions recorded with the Sequential mechanism after the chain (module docs).
    sequential: Vec<SequentialSession>,
}

/// A session recorded with the Sequential mechanism on a POW disc after the session
/// chain: its track belongs to a closed session (READ TRACK INFORMATION Session Number
/// at most the complete sessions of READ DISC INFORMATION, MMC-6 6.27, 6.22) and holds
/// a primary volume descriptor at its start + 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequentialSession {
    /// First LBA (the track's start).
    pub start: u64,
    /// End of its track (exclusive LBA: the Last Recorded Address + 1).
    pub end: u64,
}

impl MsftMultisessionPseudoOverwrite {
    /// The mechanism for media formatted for POW; `None` on any other media.
    ///
    /// # Errors
    /// Device errors of READ(10) of the head at LBA 16 and of the first leftover cluster.
    pub(crate) fn from_info(
        rec: &mut discburn_recorder::DiscRecorder,
        info: &MediaInfo,
        disc_id: Option<String>,
    ) -> Result<Option<Self>, WriterError> {
        let Some(resources) = info.pow else {
            return Ok(None);
        };
        let (sequential, leftovers) = match info.nwa {
            Some(nwa) if nwa > 0 => after_chain(rec, info, nwa as u64)?,
            _ => (Vec::new(), None),
        };
        let last_written = info
            .track
            .as_ref()
            .and_then(|t| t.last_recorded_address)
            .map(|l| l as i32)
            .or_else(|| info.nwa.filter(|&n| n > 0).map(|n| n - 1));
        Ok(Some(MsftMultisessionPseudoOverwrite {
            import_recorder: info.device.clone(),
            in_use: AtomicBool::new(false),
            disc_id,
            supported: info.status.is_usable()
                && info
                    .status
                    .intersects(MediaState::BLANK | MediaState::APPENDABLE)
                && info.nwa.is_some(),
            write_unit: info.write_unit,
            nwa: info.nwa,
            last_written,
            total: info.total,
            free: info.free,
            resources,
            leftovers,
            sequential,
        }))
    }

    /// The sessions recorded with the Sequential mechanism after the session chain the
    /// head describes, in LBA order (empty when the chain reaches the NWA or an
    /// interrupted session's leftovers); the next pseudo-overwrite session links them
    /// into the chain (module docs).
    pub fn sequential_sessions(&self) -> &[SequentialSession] {
        &self.sequential
    }

    /// Write unit in sectors: 32 (one BD cluster; MMC-6 6.27 Blocking Factor). Every
    /// pseudo-overwrite replaces whole clusters.
    pub fn write_unit_size(&self) -> i32 {
        self.write_unit
    }

    /// Next writable address (LBA) of the open track: where the next session (or
    /// replacement cluster) is recorded.
    ///
    /// # Errors
    /// [`MultisessionError::InvalidMediaState`] when the drive reports none.
    pub fn next_writable_address(&self) -> Result<i32, MultisessionError> {
        self.nwa
            .ok_or_else(|| MultisessionError::InvalidMediaState {
                device: self.import_recorder.clone(),
                reason: "the BD-R reports no next writable address".into(),
            })
    }

    /// Last recorded address (LBA; READ TRACK INFORMATION LRA, MMC-6 6.27).
    ///
    /// # Errors
    /// [`MultisessionError::NotImplemented`] on a disc with nothing recorded.
    pub fn last_written_address(&self) -> Result<i32, MultisessionError> {
        self.last_written
            .ok_or_else(|| MultisessionError::NotImplemented {
                device: self.import_recorder.clone(),
                reason: "nothing is recorded on the BD-R yet".into(),
            })
    }

    /// Logical sectors of the medium: the NWA plus the free blocks of the open track.
    pub fn total_sectors_on_media(&self) -> i32 {
        self.total
    }

    /// Free sectors after the NWA (sessions and replacement clusters take them).
    pub fn free_sectors_on_media(&self) -> i32 {
        self.free
    }

    /// Remaining replacements (clusters; READ DISC INFORMATION data type 010b bytes 4-7,
    /// MMC-6 6.22).
    pub fn remaining_replacements(&self) -> u32 {
        self.resources.replacements
    }

    /// Remaining map entries (bytes 8-11).
    pub fn remaining_map_entries(&self) -> u32 {
        self.resources.map_entries
    }

    /// Remaining map updates (bytes 12-15).
    pub fn remaining_updates(&self) -> u32 {
        self.resources.updates
    }
}

impl discburn_image::Multisession for MsftMultisessionPseudoOverwrite {
    fn is_supported_on_current_media_state(&self) -> bool {
        self.supported
    }
    fn in_use(&self) -> bool {
        self.in_use.load(Ordering::SeqCst)
    }
    fn set_in_use(&self, in_use: bool) {
        self.in_use.store(in_use, Ordering::SeqCst);
    }
    fn import_recorder(&self) -> &str {
        &self.import_recorder
    }
    fn class_name(&self) -> &str {
        "MsftMultisessionPseudoOverwrite"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn session_placement(&self) -> Option<SessionPlacement> {
        let mut nwa = u32::try_from(self.nwa?).ok()?;
        // The links' and the bridge's replacement clusters are recorded at the NWA first.
        let clusters = self.sequential.len() + usize::from(self.leftovers.is_some());
        nwa = nwa.checked_add(HEAD_BLOCKS.checked_mul(u32::try_from(clusters).ok()?)?)?;
        Some(SessionPlacement::Overwrite {
            total_sectors: u32::try_from(self.total).unwrap_or(0),
            last_written_address: self.last_written.and_then(|l| u32::try_from(l).ok()),
            next_writable_address: Some(nwa),
            previous_session: self
                .sequential
                .last()
                .and_then(|s| u32::try_from(s.start).ok()),
        })
    }
    fn disc_identifier(&self) -> Option<&str> {
        self.disc_id.as_deref()
    }
    fn open_import_media(&self) -> Result<Box<dyn SectorSource>, MultisessionError> {
        crate::source::open_media(&self.import_recorder).map_err(|e| e.to_multisession())
    }
}

impl Mechanism for MsftMultisessionPseudoOverwrite {
    fn planned_operation(
        &self,
        _cfg: &Config,
        info: &MediaInfo,
        stream: &dyn SessionStream,
    ) -> (u64, u64) {
        let nwa = info.nwa.unwrap_or(0).max(0) as u64;
        (
            nwa,
            (stream.len_bytes() / SECTOR as u64).saturating_sub(nwa),
        )
    }

    fn record(
        &self,
        job: &mut Job<'_, '_>,
        info: &MediaInfo,
        stream: &mut dyn SessionStream,
    ) -> Result<(), WriterError> {
        record(job, info, stream, &self.sequential, self.leftovers)
    }
}

/// The session (data) range and the head range of a stream prepared for this mechanism.
fn plan(info: &MediaInfo, stream: &dyn SessionStream) -> Result<(u64, u64, u64), WriterError> {
    let unsupported = |reason: String| WriterError::StreamNotSupported { reason };
    let ranges = stream.block_ranges().ok_or_else(|| {
        unsupported(
            "BD-R pseudo-overwrite records an image prepared for overwritable media (the session, then the head at LBA 0-31); this stream has no block ranges".into(),
        )
    })?;
    let (session, head) = match ranges.as_slice() {
        [s, h] if h.start_lba == 0 && h.end_lba == HEAD_BLOCKS - 1 => (*s, *h),
        _ => {
            return Err(unsupported(format!(
                "BD-R pseudo-overwrite needs two block ranges, the session then LBA 0-31; got {ranges:?}"
            )));
        }
    };
    let _ = head;
    let unit = u64::from(HEAD_BLOCKS);
    let start = u64::from(session.start_lba);
    let end = u64::from(session.end_lba) + 1;
    if !start.is_multiple_of(unit) || !end.is_multiple_of(unit) || end - start < 2 * unit {
        return Err(unsupported(format!(
            "the session LBA {start}..{end} is not laid out for BD-R pseudo-overwrite (whole 32-block clusters ending with the head's replacement cluster)"
        )));
    }
    if end * SECTOR as u64 > stream.len_bytes() {
        return Err(unsupported(format!(
            "block range {start}..={} lies beyond the stream's {} sectors",
            end - 1,
            stream.len_bytes() / SECTOR as u64
        )));
    }
    let nwa = info.next_writable_address()?.max(0) as u64;
    if start < nwa {
        return Err(unsupported(format!(
            "the image was built for session start block {start}, below the next writable address {nwa} of {}; build it again",
            info.device
        )));
    }
    Ok((nwa, start, end - unit))
}

/// Records the session at the NWA, then rewrites the head in place.
fn record(
    job: &mut Job<'_, '_>,
    info: &MediaInfo,
    stream: &mut dyn SessionStream,
    sequential: &[SequentialSession],
    leftovers: Option<u64>,
) -> Result<(), WriterError> {
    let (mut nwa, start, data_end) = plan(info, stream)?;
    let r = info.pow.ok_or_else(|| {
        info.invalid_state(
            "the BD-R is not formatted for pseudo-overwrite (feature 0038h is not current)",
        )
    })?;
    let bridge = match leftovers {
        Some(lba) => Some((lba, bridge(job.rec, info, lba, start)?)),
        None => None,
    };
    // Each sequential session links to the next one, the bridge or the new session.
    let mut links = Vec::new();
    for (i, s) in sequential.iter().enumerate() {
        let next = sequential
            .get(i + 1)
            .map(|n| n.start)
            .or(leftovers)
            .unwrap_or(start);
        links.push((s.start, link(job.rec, info, s.start, next)?));
    }
    let replaced = links.len() + usize::from(bridge.is_some());
    if start < nwa + u64::from(HEAD_BLOCKS) * replaced as u64 {
        return Err(WriterError::StreamNotSupported {
            reason: format!(
                "the image was built for session start block {start}, but linking sessions recorded with the Sequential mechanism and bridging an interrupted session's leftovers take {replaced} cluster(s) at the next writable address {nwa}; build it again"
            ),
        });
    }
    let clusters = 1 + u32::try_from(replaced).unwrap_or(u32::MAX);
    if r.replacements < clusters || r.map_entries < clusters || r.updates < clusters {
        let what = if clusters > 1 {
            format!(
                "rewriting the 32-block head at LBA 0, linking {} session(s) recorded with the Sequential mechanism and bridging {} interrupted session(s) take {clusters} of each",
                links.len(),
                usize::from(bridge.is_some())
            )
        } else {
            "rewriting the 32-block head at LBA 0 takes 1 of each".to_string()
        };
        return Err(info.invalid_state(format!(
            "the BD-R's pseudo-overwrite resources (READ DISC INFORMATION, POW resources) are used up: {} replacements, {} map entries, {} updates left, and {what}; nothing was written. Append with the sequential mechanism (MsftMultisessionSequential) instead",
            r.replacements, r.map_entries, r.updates
        )));
    }
    // Blocks written at the NWA: padding up to the session start, the session's data;
    // then the replacement clusters (bridge, head).
    let recorded = data_end - nwa + u64::from(HEAD_BLOCKS) * u64::from(clusters);
    if recorded > u64::from(info.track_free) {
        return Err(WriterError::StreamTooLarge {
            device: info.device.clone(),
            needed: recorded,
            available: u64::from(info.track_free),
        });
    }
    let track_number = info
        .track
        .as_ref()
        .map(|t| t.track_number)
        .ok_or_else(|| info.invalid_state("no writable track"))?;
    let unit = u64::from(HEAD_BLOCKS);
    tracing::debug!(device = %info.device, nwa, start, data_end, "pseudo-overwrite write");

    job.event(WriteAction::InitializingHardware);
    job.apply_speed();
    job.event(WriteAction::CalibratingPower);
    let mut done = 0u64;
    for (lba, cluster) in &links {
        // Links first, in LBA order: a cut after one leaves the head (and so the chain
        // up to it) as it was; the sessions stay listed by their tracks.
        tracing::info!(device = %info.device, lba, "pseudo-overwrite: linking a session recorded with the Sequential mechanism into the chain");
        job.set_op(*lba, unit);
        if job.cancelled() {
            return job.cancel_stop(0);
        }
        write_cluster(job, *lba, cluster)?;
        job.sync()?;
        nwa += unit;
    }
    if let Some((lba, cluster)) = &bridge {
        // The bridge first: a cut after it leaves the chain whole up to the bridge's end,
        // and the head still describes the last complete session.
        tracing::info!(device = %info.device, lba, start, "pseudo-overwrite: bridging the leftovers of an interrupted session");
        job.set_op(*lba, unit);
        if job.cancelled() {
            return job.cancel_stop(0);
        }
        write_cluster(job, *lba, cluster)?;
        job.sync()?;
        nwa += unit;
    }
    if start > nwa {
        // Zeros up to the session start (the head's place on a blank disc).
        job.set_op(nwa, start - nwa);
        let pad = Span {
            lba: nwa,
            count: start - nwa,
            data_from: 0,
            data_to: 0,
        };
        if let Some(d) = job.data_phase(stream, pad, unit, false, &mut None)? {
            return job.cancel_stop(d);
        }
        done += start - nwa;
    }
    job.set_op(start, data_end - start);
    let data = Span {
        lba: start,
        count: data_end - start,
        data_from: 0,
        data_to: data_end - start,
    };
    if let Some(d) = job.data_phase(stream, data, unit, true, &mut None)? {
        return job.cancel_stop(done + d);
    }
    done += data_end - start;
    job.sync()?;
    // The head, written in place: the drive records it at the NWA and remaps LBA 0-31.
    job.set_op(0, unit);
    let head = Span {
        lba: 0,
        count: unit,
        data_from: 0,
        data_to: unit,
    };
    if let Some(d) = job.data_phase(stream, head, unit, true, &mut None)? {
        return job.cancel_stop(done + d);
    }
    job.sync()?;
    job.event(WriteAction::Finalization);
    job.rec
        .drive()
        .close_track_session(CloseFunction::Track, track_number, true)
        .map_err(|e| job.mmc(e))?;
    job.event(WriteAction::Completed);
    Ok(())
}

/// Writes one cluster at `lba` (a pseudo-overwrite: the drive records it at the NWA).
fn write_cluster(job: &mut Job<'_, '_>, lba: u64, cluster: &[u8]) -> Result<(), WriterError> {
    let per = (job.rec.drive().max_transfer() / SECTOR).max(1) * SECTOR;
    for (i, part) in cluster.chunks(per).enumerate() {
        let at = lba + (i * per / SECTOR) as u64;
        job.rec
            .drive()
            .write10(at as u32, part)
            .map_err(|e| job.mmc(e))?;
    }
    Ok(())
}

fn read(
    rec: &mut discburn_recorder::DiscRecorder,
    info: &MediaInfo,
    lba: u64,
    n: u64,
) -> Result<Vec<u8>, WriterError> {
    let mut buf = vec![0u8; n as usize * SECTOR];
    crate::ownership::read_blocks(rec, lba as u32, &mut buf).map_err(|e| {
        WriterError::Recorder(discburn_recorder::RecorderError::from_mmc(&info.device, e))
    })?;
    Ok(buf)
}

/// Most sessions recorded with the Sequential mechanism followed after the chain.
const MAX_SEQUENTIAL: usize = 10_000;

/// What lies between the end of the sessions the head at LBA 16 describes (its Volume
/// Space Size, rounded up to a cluster) and the NWA (see the module docs): the sessions
/// recorded with the Sequential mechanism there, then the first cluster of an
/// interrupted session's leftovers, if any. Nothing with no head (nothing recorded at
/// LBA 0–31 or no primary volume descriptor at LBA 16).
///
/// # Errors
/// Device errors of READ(10) and READ TRACK INFORMATION.
fn after_chain(
    rec: &mut discburn_recorder::DiscRecorder,
    info: &MediaInfo,
    nwa: u64,
) -> Result<(Vec<SequentialSession>, Option<u64>), WriterError> {
    let unit = u64::from(HEAD_BLOCKS);
    let mut sequential = Vec::new();
    if nwa < unit {
        // LBA 0-31 is not recorded yet: no head, no session.
        return Ok((sequential, None));
    }
    let pvd = read(rec, info, 16, 1)?;
    if !is_pvd(&pvd) {
        return Ok((sequential, None));
    }
    let described = u64::from(u32::from_le_bytes(pvd[80..84].try_into().expect("4 bytes")));
    let mut lba = described.max(unit).next_multiple_of(unit);
    while lba + 16 < nwa && sequential.len() < MAX_SEQUENTIAL {
        if !is_pvd(&read(rec, info, lba + 16, 1)?) {
            break;
        }
        let Ok(t) = rec.track_information(TrackAddress::Lba(lba as u32)) else {
            break;
        };
        let end = t
            .last_recorded_address
            .map_or(t.track_start_address + t.track_size, |l| l + 1);
        let closed = t.session_number > 0 && t.session_number <= info.complete_sessions;
        if u64::from(t.track_start_address) != lba || !closed || u64::from(end) <= lba + 16 {
            break;
        }
        sequential.push(SequentialSession {
            start: lba,
            end: u64::from(end),
        });
        lba = u64::from(end).next_multiple_of(unit);
    }
    Ok((sequential, (lba < nwa).then_some(lba)))
}

/// The link of the sequential session at `lba` to the session at `next` (module docs):
/// its first cluster with the Volume Space Size of its primary and supplementary
/// descriptors set to `next - lba`.
///
/// # Errors
/// Device errors of READ(10); E_IMAPI_DF2DATA_INVALID_MEDIA_STATE beyond 2^32 blocks.
fn link(
    rec: &mut discburn_recorder::DiscRecorder,
    info: &MediaInfo,
    lba: u64,
    next: u64,
) -> Result<Vec<u8>, WriterError> {
    let size = u32::try_from(next - lba).map_err(|_| {
        info.invalid_state(format!(
            "the session at LBA {lba}..{next} exceeds 2^32 blocks"
        ))
    })?;
    let mut cluster = read(rec, info, lba, u64::from(HEAD_BLOCKS))?;
    for d in cluster[16 * SECTOR..].chunks_mut(SECTOR) {
        if &d[1..6] != b"CD001" || d[0] == 255 {
            break;
        }
        if d[0] == 1 || d[0] == 2 {
            d[80..84].copy_from_slice(&size.to_le_bytes());
            d[84..88].copy_from_slice(&size.to_be_bytes());
        }
    }
    Ok(cluster)
}

/// The bridge for the leftovers at `lba` when the new session starts at `start`: 16 zero
/// blocks and the head's volume descriptor set (LBA 16 up to the terminator) with the
/// Volume Space Size of `start - lba` blocks.
///
/// # Errors
/// [`WriterError::ForeignData`] when the cluster to rewrite holds something other than
/// zeros or the start of an ISO 9660 session; device errors of READ(10).
fn bridge(
    rec: &mut discburn_recorder::DiscRecorder,
    info: &MediaInfo,
    lba: u64,
    start: u64,
) -> Result<Vec<u8>, WriterError> {
    let unit = u64::from(HEAD_BLOCKS);
    let old = read(rec, info, lba, unit)?;
    let zero = |b: &[u8]| b.iter().all(|&x| x == 0);
    let ours =
        zero(&old[..16 * SECTOR]) && (zero(&old[16 * SECTOR..]) || is_pvd(&old[16 * SECTOR..]));
    if !ours {
        return Err(WriterError::ForeignData {
            device: info.device.clone(),
            what: "a cluster past the sessions the head describes that is neither zeros nor the start of an interrupted session (16 zero blocks, then a primary volume descriptor)".into(),
            lba,
        });
    }
    let size = u32::try_from(start - lba).map_err(|_| {
        info.invalid_state(format!(
            "the leftovers at LBA {lba}..{start} exceed 2^32 blocks"
        ))
    })?;
    let head = read(rec, info, 16, 16)?;
    let mut cluster = vec![0u8; unit as usize * SECTOR];
    for (i, d) in head.chunks(SECTOR).enumerate() {
        if &d[1..6] != b"CD001" {
            break;
        }
        let out = &mut cluster[(16 + i) * SECTOR..(17 + i) * SECTOR];
        out.copy_from_slice(d);
        if d[0] == 1 || d[0] == 2 {
            // Volume Space Size (ECMA-119 8.4.8, both-byte orders): the bridge's own.
            out[80..84].copy_from_slice(&size.to_le_bytes());
            out[84..88].copy_from_slice(&size.to_be_bytes());
        }
        if d[0] == 255 {
            break;
        }
    }
    Ok(cluster)
}

/// A primary volume descriptor (ECMA-119 8.4: type 1, "CD001", version 1).
fn is_pvd(s: &[u8]) -> bool {
    s[0] == 1 && &s[1..6] == b"CD001" && s[6] == 1
}

/// Formats the blank BD-R in `recorder` for Pseudo-Overwrite: FORMAT UNIT type 00h
/// sub-type 00b (SRM+POW) with the drive's default spare areas, as READ FORMAT
/// CAPACITIES offers it (MMC-6 6.5, 6.24; mmc.md §1.4). Afterwards feature 0038h is
/// current and the media offers [`MsftMultisessionPseudoOverwrite`].
///
/// # Errors
/// E_IMAPI_DF2DATA_INVALID_MEDIA_STATE on anything but BD-R (profile 0041h) and on a
/// BD-R that is already formatted or holds data; device errors of FORMAT UNIT.
pub fn format_pseudo_overwrite(
    recorder: &mut discburn_recorder::DiscRecorder,
) -> Result<(), WriterError> {
    use discburn_mmc::Profile;
    use discburn_mmc::reply::FormatUnitParameters;
    let info = crate::media::read_media_info(recorder)?;
    if info.profile != Profile::BdRSequential {
        return Err(info.invalid_state(format!(
            "only a blank BD-R (profile 0041h) can be formatted for pseudo-overwrite; the media is {} ({:04X}h)",
            info.profile.name(),
            info.profile.number()
        )));
    }
    if info.pow.is_some() {
        return Err(info.invalid_state(
            "the BD-R is already formatted for pseudo-overwrite (feature 0038h is current); burn to it",
        ));
    }
    if !info.physically_blank {
        return Err(info.invalid_state(
            "only a blank, unformatted BD-R can be formatted for pseudo-overwrite (READ DISC INFORMATION disc status is not blank: it is formatted or holds data); use a new disc",
        ));
    }
    let device = info.device.clone();
    let mmc = |e| WriterError::Recorder(discburn_recorder::RecorderError::from_mmc(&device, e));
    let caps = recorder.drive().read_format_capacities().map_err(mmc)?;
    let d = caps
        .descriptors
        .iter()
        .find(|d| d.format_type == 0x00)
        .copied()
        .ok_or_else(|| {
            info.invalid_state(
                "the drive offers no full format (type 00h) for this BD-R in READ FORMAT CAPACITIES",
            )
        })?;
    let params = FormatUnitParameters {
        fov: true,
        immed: false,
        number_of_blocks: d.number_of_blocks,
        format_type: 0x00,
        format_sub_type: 0b00,
        type_dependent_parameter: d.type_dependent_parameter,
    };
    recorder.drive().format_unit(&params).map_err(mmc)?;
    let after = crate::media::read_media_info(recorder)?;
    if after.pow.is_none() {
        return Err(after.invalid_state(
            "FORMAT UNIT (type 00h, sub-type 00b SRM+POW) completed but feature 0038h (BD-R Pseudo-Overwrite) is not current",
        ));
    }
    Ok(())
}
