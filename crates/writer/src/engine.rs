//! The write engine behind [`crate::DiscFormat2Data::write`]: validation, formatting,
//! hardware setup, the data phase with progress events and cancellation, and the
//! close sequence of each profile (mmc.md §0 rules 5–6, §5.1, §5.6, §5.13).

use std::io;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Duration;

use discburn_mmc::cdb::CloseFunction;
use discburn_mmc::reply::{
    FormatUnitParameters, MULTI_SESSION_NEXT_ALLOWED, MULTI_SESSION_NONE, WriteParameters,
    WriteType,
};
use discburn_mmc::{MmcError, Profile, SenseKey};
use discburn_recorder::{DiscRecorder, RecorderError};

use crate::error::WriterError;
use crate::events::{Clock, DiscFormat2DataEventArgs};
use crate::media::{self, CD_POSTGAP, Kind, MediaInfo};
use crate::state::{MediaState, WriteAction};
use crate::stream::{BlockRange, SessionStream};
use crate::writer::{Config, Shared};

const SECTOR: usize = 2048;
/// CD TAO tracks are at least 300 blocks (4 s); the drive pads shorter ones.
const CD_MIN_TRACK: u64 = 300;
/// Progress events while writing come at most this often (imapi2.md §6.1: every 0.5 s).
const EVENT_INTERVAL: Duration = Duration::from_millis(500);

fn align_up(v: u64, unit: u64) -> u64 {
    if unit <= 1 {
        v
    } else {
        v.div_ceil(unit) * unit
    }
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

pub(crate) type Progress<'a> = dyn FnMut(&DiscFormat2DataEventArgs) -> ControlFlow<()> + 'a;

/// One running write.
pub(crate) struct Job<'a, 'p> {
    rec: &'a mut DiscRecorder,
    cfg: &'a Config,
    shared: &'a Shared,
    clock: &'a dyn Clock,
    progress: &'a mut Progress<'p>,
    started: Duration,
    // current write operation
    start_lba: i64,
    sector_count: i64,
    last_read: i64,
    last_written: i64,
    buffer_total: i64,
    buffer_used: i64,
    writing_since: Option<(Duration, i64)>,
    last_event: Option<Duration>,
    nominal_sps: i64,
}

impl<'a, 'p> Job<'a, 'p> {
    pub(crate) fn new(
        rec: &'a mut DiscRecorder,
        cfg: &'a Config,
        shared: &'a Shared,
        clock: &'a dyn Clock,
        progress: &'a mut Progress<'p>,
    ) -> Self {
        let started = clock.now();
        Job {
            rec,
            cfg,
            shared,
            clock,
            progress,
            started,
            start_lba: 0,
            sector_count: 0,
            last_read: -1,
            last_written: -1,
            buffer_total: 0,
            buffer_used: 0,
            writing_since: None,
            last_event: None,
            nominal_sps: 75,
        }
    }

    fn mmc(&self, e: MmcError) -> WriterError {
        WriterError::Recorder(RecorderError::from_mmc(self.rec.active_disc_recorder(), e))
    }

    fn cancelled(&self) -> bool {
        self.shared.cancel.load(Ordering::SeqCst)
    }

    fn set_op(&mut self, start: u64, count: u64) {
        self.start_lba = start as i64;
        self.sector_count = count as i64;
        self.last_read = start as i64 - 1;
        self.last_written = start as i64 - 1;
        self.buffer_used = 0;
        self.writing_since = None;
    }

    /// Sends one progress event; a `Break` from the callback is CancelWrite.
    fn emit(&mut self, action: WriteAction, now: Duration) {
        let elapsed = now.saturating_sub(self.started).as_secs() as i64;
        let left = match action {
            WriteAction::Completed => 0,
            _ => (self.start_lba + self.sector_count - 1 - self.last_written).max(0),
        };
        let remaining = match (action, self.writing_since) {
            (WriteAction::Completed, _) => 0,
            (WriteAction::WritingData, Some((t0, done0)))
                if now > t0 && self.last_written + 1 - self.start_lba > done0 =>
            {
                let done = (self.last_written + 1 - self.start_lba - done0) as f64;
                let secs = now.saturating_sub(t0).as_secs_f64();
                (left as f64 * secs / done).ceil() as i64
            }
            _ => (left + self.nominal_sps - 1) / self.nominal_sps.max(1),
        };
        let args = DiscFormat2DataEventArgs {
            current_action: action,
            start_lba: clamp_i32(self.start_lba),
            sector_count: clamp_i32(self.sector_count),
            last_read_lba: clamp_i32(self.last_read),
            last_written_lba: clamp_i32(self.last_written),
            elapsed_time: clamp_i32(elapsed),
            remaining_time: clamp_i32(remaining),
            total_time: clamp_i32(elapsed + remaining),
            total_system_buffer: clamp_i32(self.buffer_total),
            used_system_buffer: clamp_i32(self.buffer_used),
            free_system_buffer: clamp_i32(self.buffer_total - self.buffer_used),
        };
        self.last_event = Some(now);
        if (self.progress)(&args).is_break() {
            self.shared.cancel.store(true, Ordering::SeqCst);
        }
    }

    fn event(&mut self, action: WriteAction) {
        let now = self.clock.now();
        self.emit(action, now);
    }

    /// A WRITING_DATA event when 0.5 s passed since the last event (or `force`).
    fn writing_event(&mut self, force: bool) {
        let now = self.clock.now();
        if self.writing_since.is_none() {
            self.writing_since = Some((now, self.last_written + 1 - self.start_lba));
        }
        let due = match self.last_event {
            Some(t) => now.saturating_sub(t) >= EVENT_INTERVAL,
            None => true,
        };
        if force || due {
            self.emit(WriteAction::WritingData, now);
        }
    }

    /// Runs the whole write.
    pub(crate) fn run(&mut self, stream: &mut dyn SessionStream) -> Result<(), WriterError> {
        let max_blocks = (self.rec.drive().max_transfer() / SECTOR).clamp(1, 0xFFFF);
        self.buffer_total = (max_blocks * SECTOR) as i64;
        let info = media::read_media_info(self.rec)?;
        // The write operation as far as it is known before validation.
        let sectors = stream.len_bytes() / SECTOR as u64;
        match (info.kind, stream.block_ranges()) {
            (Kind::Sequential, _) => {
                let postgap = if info.profile.is_cd() && !self.cfg.postgap_already_in_image {
                    u64::from(CD_POSTGAP)
                } else {
                    0
                };
                self.set_op(info.nwa.unwrap_or(0).max(0) as u64, sectors + postgap);
            }
            (_, Some(r)) if !r.is_empty() => self.set_op(u64::from(r[0].start_lba), r[0].sectors()),
            _ => self.set_op(0, sectors),
        }
        self.event(WriteAction::ValidatingMedia);
        self.nominal_sps = i64::from(if info.profile.is_cd() {
            crate::state::IMAPI_SECTORS_PER_SECOND_AT_1X_CD
        } else if info.profile.is_bd() {
            crate::state::IMAPI_SECTORS_PER_SECOND_AT_1X_BD
        } else {
            crate::state::IMAPI_SECTORS_PER_SECOND_AT_1X_DVD
        });
        if info.kind == Kind::ReadOnly || info.status.contains(MediaState::UNSUPPORTED_MEDIA) {
            return Err(WriterError::MediaNotSupported {
                device: info.device.clone(),
                profile: info.profile,
            });
        }
        if info.status.contains(MediaState::NON_EMPTY_SESSION) {
            return Err(info.invalid_state(format!(
                "the last session is incomplete (an interrupted write): no session can follow it until it is closed; `discburn repair --drive {}` (DiscFormat2Data::repair) closes it and keeps every complete session",
                info.device
            )));
        }
        if !info.status.is_usable() {
            return Err(info.invalid_state(format!(
                "cannot write a session on media in state {}",
                info.status
            )));
        }
        if info.status.contains(MediaState::WRITE_PROTECTED) {
            return Err(info.invalid_state("the media is write-protected"));
        }
        match info.kind {
            Kind::Sequential => self.sequential(&info, stream),
            _ => self.random(&info, stream),
        }
    }

    fn apply_speed(&mut self) {
        if self.cfg.requested_write_speed != -1 {
            // Best effort: the speed was validated by set_write_speed.
            let _ = crate::writer::send_speed(
                self.rec,
                self.cfg.requested_write_speed,
                self.cfg.requested_rotation_type_is_pure_cav,
            );
        }
    }

    fn set_page05(&mut self, page: &WriteParameters, optional: bool) -> Result<(), WriterError> {
        match self.rec.drive().set_write_parameters(page) {
            Ok(()) => Ok(()),
            Err(_) if optional => Ok(()),
            Err(e) => Err(self.mmc(e)),
        }
    }

    // ----- sequential media -----

    fn sequential(
        &mut self,
        info: &MediaInfo,
        stream: &mut dyn SessionStream,
    ) -> Result<(), WriterError> {
        let profile = info.profile;
        let nwa = info.next_writable_address()? as u64;
        if let Some(start) = stream.session_start_block()
            && u64::from(start) != nwa
        {
            return Err(WriterError::StreamNotSupported {
                reason: format!(
                    "the image was built for session start block {start}, but the next writable address of {} is {nwa}",
                    info.device
                ),
            });
        }
        let track_number = info
            .track
            .as_ref()
            .map(|t| t.track_number)
            .ok_or_else(|| info.invalid_state("no writable track"))?;
        let sectors = stream.len_bytes() / SECTOR as u64;
        let cd = profile.is_cd();
        let postgap = if cd && !self.cfg.postgap_already_in_image {
            u64::from(CD_POSTGAP)
        } else {
            0
        };
        let unit = info.write_unit.max(1) as u64;
        let payload = sectors + postgap;
        let padded = align_up(payload, unit);
        let recorded = if cd { padded.max(CD_MIN_TRACK) } else { padded };
        if recorded > u64::from(info.track_free) {
            let overhead = if cd { u64::from(CD_POSTGAP) } else { 0 };
            return Err(WriterError::StreamTooLarge {
                device: info.device.clone(),
                needed: recorded.saturating_sub(overhead),
                available: info.free.max(0) as u64,
            });
        }
        let dvd_minus = matches!(
            profile,
            Profile::DvdMinusRSequential
                | Profile::DvdMinusRwSequential
                | Profile::DvdMinusRDlSequential
        );
        let dao = dvd_minus && info.incremental_link_size.is_none();
        if dao && !info.physically_blank {
            return Err(info.invalid_state(
                "DVD-R/-RW without incremental recording (feature 0021h not current) takes only one Disc-At-Once session on blank media",
            ));
        }
        // Closing rules K-01..K-06.
        let remaining = u64::from(info.track_free) - recorded;
        let auto_close = remaining * 50 <= info.total.max(0) as u64;
        let compat = !self.cfg.disable_consumer_dvd_compatibility_mode;
        let close_disc = dao
            || match profile {
                Profile::DvdPlusR => compat || self.cfg.force_media_to_be_closed || auto_close,
                Profile::DvdPlusRDl => true,
                _ => self.cfg.force_media_to_be_closed || auto_close,
            };
        tracing::debug!(
            device = %info.device, nwa, sectors, recorded, close_disc, "sequential write"
        );
        self.set_op(nwa, payload);

        // Hardware setup.
        self.event(WriteAction::InitializingHardware);
        let multi_session = if close_disc {
            MULTI_SESSION_NONE
        } else {
            MULTI_SESSION_NEXT_ALLOWED
        };
        if cd {
            let mut p = WriteParameters::new(WriteType::TrackAtOnce);
            p.bufe = !self.cfg.buffer_underrun_free_disabled;
            p.multi_session = multi_session;
            p.track_mode = 4;
            p.data_block_type = 8;
            self.set_page05(&p, false)?;
        } else if dvd_minus {
            let mut p = if dao {
                WriteParameters::new(WriteType::SessionAtOnce)
            } else {
                let mut p = WriteParameters::new(WriteType::PacketIncremental);
                p.ls_v = true;
                p.link_size = info.incremental_link_size.unwrap_or(16);
                p.fp = true;
                p.packet_size = 16;
                p
            };
            p.bufe = true;
            p.multi_session = if dao {
                MULTI_SESSION_NONE
            } else {
                multi_session
            };
            p.track_mode = 5;
            p.data_block_type = 8;
            self.set_page05(&p, false)?;
        } else if matches!(profile, Profile::DvdPlusR | Profile::DvdPlusRDl) {
            // Not defined for DVD+R by MMC; growisofs sends it because some firmwares
            // look at Multi-session when finalizing (mmc.md §5.1). Errors are ignored.
            let mut p = WriteParameters::new(WriteType::PacketIncremental);
            p.multi_session = multi_session;
            p.track_mode = 5;
            self.set_page05(&p, true)?;
        }
        self.apply_speed();
        self.event(WriteAction::CalibratingPower);
        if dvd_minus && let Err(e) = self.rec.drive().send_opc() {
            let ignorable = e.sense().is_some_and(|s| {
                s.key == SenseKey::IllegalRequest || (s.asc == 0x73 && s.ascq == 0x01)
            });
            if !ignorable {
                return Err(self.mmc(e));
            }
        }
        if dao {
            let size = u32::try_from(recorded).unwrap_or(u32::MAX);
            self.rec
                .drive()
                .reserve_track(size)
                .map_err(|e| self.mmc(e))?;
        }

        // Data: the stream, then the CD post-gap and the padding to the write unit.
        let total = padded;
        self.sector_count = total as i64;
        let span = Span {
            lba: nwa,
            count: total,
            data_from: 0,
            data_to: sectors,
        };
        if let Some(done) = self.data_phase(stream, span, unit, false, &mut Some(0))? {
            return self.cancel_stop(done);
        }
        self.sync()?;

        // Close the track/session (mmc.md §5.6).
        self.event(WriteAction::Finalization);
        let drive = self.rec.drive();
        let r = if cd {
            drive.close_track_session(CloseFunction::Session, 0, true)
        } else if dao {
            Ok(())
        } else {
            let session = if !close_disc {
                CloseFunction::Session
            } else {
                match profile {
                    Profile::DvdPlusR | Profile::DvdPlusRDl => {
                        if compat {
                            CloseFunction::FinalizeDisc
                        } else {
                            CloseFunction::FinalizeMinimalRadius
                        }
                    }
                    Profile::BdRSequential => CloseFunction::FinalizeDisc,
                    _ => CloseFunction::Session,
                }
            };
            drive
                .close_track_session(CloseFunction::Track, track_number, true)
                .and_then(|()| drive.close_track_session(session, 0, true))
        };
        r.map_err(|e| self.mmc(e))?;
        self.event(WriteAction::Completed);
        Ok(())
    }

    // ----- overwritable media -----

    fn random(
        &mut self,
        info: &MediaInfo,
        stream: &mut dyn SessionStream,
    ) -> Result<(), WriterError> {
        let stream_sectors = stream.len_bytes() / SECTOR as u64;
        let given = stream.block_ranges();
        let ranges: Vec<BlockRange> = match &given {
            Some(v) => {
                if v.is_empty() {
                    return Err(WriterError::StreamNotSupported {
                        reason: "the block range list is empty".into(),
                    });
                }
                for r in v {
                    if r.end_lba < r.start_lba {
                        return Err(WriterError::StreamNotSupported {
                            reason: format!(
                                "block range {}..={} ends before it starts",
                                r.start_lba, r.end_lba
                            ),
                        });
                    }
                    if u64::from(r.end_lba) >= stream_sectors {
                        return Err(WriterError::StreamNotSupported {
                            reason: format!(
                                "block range {}..={} lies beyond the stream's {stream_sectors} sectors",
                                r.start_lba, r.end_lba
                            ),
                        });
                    }
                }
                v.clone()
            }
            None => {
                if let Some(start) = stream.session_start_block().filter(|s| *s != 0) {
                    return Err(WriterError::StreamNotSupported {
                        reason: format!(
                            "an image built for session start block {start} is written to overwritable media only with block ranges (the stream would land at LBA 0)"
                        ),
                    });
                }
                vec![BlockRange::new(0, (stream_sectors - 1) as u32)]
            }
        };
        let end = ranges
            .iter()
            .map(|r| u64::from(r.end_lba) + 1)
            .max()
            .unwrap_or(0);
        if end > info.total.max(0) as u64 {
            return Err(WriterError::StreamTooLarge {
                device: info.device.clone(),
                needed: end,
                available: info.total.max(0) as u64,
            });
        }
        if given.is_none()
            && !self.cfg.force_overwrite
            && !media::heuristically_blank(self.rec, info)?
        {
            return Err(WriterError::MediaNotBlank {
                device: info.device.clone(),
            });
        }
        let first = ranges[0];
        self.set_op(u64::from(first.start_lba), first.sectors());
        let mut info = info.clone();
        if let Some(fmt) = info.format {
            self.event(WriteAction::FormattingMedia);
            let params = FormatUnitParameters {
                fov: true,
                immed: true,
                number_of_blocks: fmt.number_of_blocks,
                format_type: fmt.format_type,
                format_sub_type: 0,
                type_dependent_parameter: fmt.type_dependent_parameter,
            };
            self.rec
                .drive()
                .format_unit(&params)
                .map_err(|e| self.mmc(e))?;
            info = media::read_media_info(self.rec)?;
            if end > info.total.max(0) as u64 {
                return Err(WriterError::StreamTooLarge {
                    device: info.device.clone(),
                    needed: end,
                    available: info.total.max(0) as u64,
                });
            }
        }
        self.event(WriteAction::InitializingHardware);
        self.apply_speed();
        self.event(WriteAction::CalibratingPower);
        let unit = info.write_unit.max(1) as u64;
        let total = info.total.max(0) as u64;
        let mut done_before = 0u64;
        let mut stream_pos = if given.is_none() { Some(0) } else { None };
        for r in &ranges {
            let s = u64::from(r.start_lba);
            let e = u64::from(r.end_lba) + 1;
            let a0 = s - s % unit;
            let a1 = align_up(e, unit).min(total.max(e));
            self.set_op(a0, a1 - a0);
            // Stream sectors s..e land at LBA s..e; the rest of the aligned span keeps
            // what the media holds (read-modify-write, MS-15).
            let span = Span {
                lba: a0,
                count: a1 - a0,
                data_from: s - a0,
                data_to: e - a0,
            };
            if let Some(done) = self.data_phase(stream, span, unit, true, &mut stream_pos)? {
                return self.cancel_stop(done_before + done);
            }
            done_before += a1 - a0;
        }
        self.sync()?;
        if matches!(profile_family(info.profile), Family::DvdPlusRw) {
            self.event(WriteAction::Finalization);
            self.rec
                .drive()
                .close_track_session(CloseFunction::Session, 0, true)
                .map_err(|e| self.mmc(e))?;
        }
        self.event(WriteAction::Completed);
        Ok(())
    }

    /// Stops after a cancel: flush what the drive holds and report E_IMAPI_REQUEST_CANCELLED.
    /// The media is left as the drive then reports it (an open track/session).
    fn cancel_stop(&mut self, written: u64) -> Result<(), WriterError> {
        let sync = self.rec.drive().synchronize_cache(false);
        if let Err(e) = sync {
            tracing::warn!(error = %e, "SYNCHRONIZE CACHE after cancel failed");
        }
        Err(WriterError::RequestCancelled {
            start_lba: clamp_i32(self.start_lba),
            sector_count: clamp_i32(self.sector_count),
            sectors_written: clamp_i32(written as i64),
        })
    }

    /// Writes one span of `span.count` sectors at `span.lba`. Span sectors
    /// `data_from..data_to` come from the stream; the rest is zeros (sequential media:
    /// post-gap and padding) or, on overwritable media (`random`), the media's current
    /// content (read-modify-write, so every WRITE covers whole write units, MS-15). On
    /// overwritable media the stream is an image from LBA 0, so stream sector = LBA.
    /// `stream_pos` tracks the stream position (`None` = unknown: seek first). Returns
    /// `Some(sectors written)` when cancelled.
    fn data_phase(
        &mut self,
        stream: &mut dyn SessionStream,
        span: Span,
        unit: u64,
        random: bool,
        stream_pos: &mut Option<u64>,
    ) -> Result<Option<u64>, WriterError> {
        let max_blocks = (self.rec.drive().max_transfer() / SECTOR).clamp(1, 0xFFFF) as u64;
        let chunk = (max_blocks / unit).max(1) * unit;
        self.buffer_total = (chunk as usize * SECTOR) as i64;
        let mut buf = vec![0u8; chunk as usize * SECTOR];
        let Span {
            lba,
            count,
            data_from,
            data_to,
        } = span;
        let mut pos = 0u64;
        while pos < count {
            let n = chunk.min(count - pos);
            let bytes = n as usize * SECTOR;
            let b = &mut buf[..bytes];
            let d0 = data_from.max(pos).min(pos + n);
            let d1 = data_to.min(pos + n).max(d0);
            if d0 > pos || d1 < pos + n {
                if random {
                    self.rec
                        .drive()
                        .read10((lba + pos) as u32, b)
                        .map_err(|e| self.mmc(e))?;
                } else {
                    b.fill(0);
                }
            }
            if d1 > d0 {
                let stream_sector = if random { lba + d0 } else { d0 - data_from };
                if *stream_pos != Some(stream_sector) {
                    stream.seek_block(stream_sector).map_err(|e| {
                        WriterError::StreamNotSupported {
                            reason: format!(
                                "cannot position the stream at sector {stream_sector}: {e}"
                            ),
                        }
                    })?;
                }
                let off = (d0 - pos) as usize * SECTOR;
                let len = (d1 - d0) as usize * SECTOR;
                *stream_pos = None;
                read_full(
                    stream,
                    &mut b[off..off + len],
                    stream_sector * SECTOR as u64,
                )?;
                *stream_pos = Some(stream_sector + (d1 - d0));
            }
            self.last_read = (lba + pos + n) as i64 - 1;
            self.buffer_used = bytes as i64;
            if pos > 0 {
                // Read ahead of the device: the buffer holds this chunk.
                self.writing_event(false);
            }
            if self.cancelled() {
                return Ok(Some(pos));
            }
            self.rec
                .drive()
                .write10((lba + pos) as u32, b)
                .map_err(|e| self.mmc(e))?;
            pos += n;
            self.last_written = (lba + pos) as i64 - 1;
            self.buffer_used = 0;
            if pos == n {
                self.writing_event(false);
            }
            if self.cancelled() {
                return Ok(Some(pos));
            }
        }
        self.writing_event(true);
        if self.cancelled() {
            return Ok(Some(count));
        }
        Ok(None)
    }

    fn sync(&mut self) -> Result<(), WriterError> {
        self.rec
            .drive()
            .synchronize_cache(true)
            .map_err(|e| self.mmc(e))
    }
}

/// One contiguous write: `count` sectors at `lba`, of which span sectors
/// `data_from..data_to` come from the stream.
#[derive(Debug, Clone, Copy)]
struct Span {
    lba: u64,
    count: u64,
    data_from: u64,
    data_to: u64,
}

enum Family {
    DvdPlusRw,
    Other,
}

fn profile_family(p: Profile) -> Family {
    match p {
        Profile::DvdPlusRw | Profile::DvdPlusRwDl => Family::DvdPlusRw,
        _ => Family::Other,
    }
}

/// Reads exactly `buf.len()` bytes; a stream ending early is E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED.
fn read_full(
    stream: &mut dyn SessionStream,
    buf: &mut [u8],
    offset: u64,
) -> Result<(), WriterError> {
    let mut done = 0;
    while done < buf.len() {
        match stream.read(&mut buf[done..]) {
            Ok(0) => {
                return Err(WriterError::StreamNotSupported {
                    reason: format!(
                        "the stream ended at byte {} before its announced length {}",
                        offset + done as u64,
                        stream.len_bytes()
                    ),
                });
            }
            Ok(k) => done += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(WriterError::StreamRead {
                    offset: offset + done as u64,
                    source,
                });
            }
        }
    }
    Ok(())
}
