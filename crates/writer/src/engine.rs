//! The write engine behind [`crate::DiscFormat2Data::write`]: validation, formatting,
//! hardware setup, the data phase with progress events and cancellation, and the
//! close sequence of each profile (mmc.md §0 rules 5–6, §5.1, §5.6, §5.13).

use std::io;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Duration;

use discburn_mmc::MmcError;
use discburn_mmc::reply::WriteParameters;
use discburn_recorder::{DiscRecorder, RecorderError};

use crate::error::WriterError;
use crate::events::{Clock, DiscFormat2DataEventArgs};
use crate::media::{self, Kind};
use crate::state::{MediaState, WriteAction};
use crate::stream::SessionStream;
use crate::writer::{Config, Shared};

pub(crate) const SECTOR: usize = discburn_format::SECTOR_SIZE;
/// Progress events while writing come at most this often (imapi2.md §6.1: every 0.5 s).
const EVENT_INTERVAL: Duration = Duration::from_millis(500);

pub(crate) fn align_up(v: u64, unit: u64) -> u64 {
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
    pub(crate) rec: &'a mut DiscRecorder,
    pub(crate) cfg: &'a Config,
    /// The class name of the mechanism marked in use (IMultisession::put_InUse) among
    /// those the writer last handed out; `None`: the media's first mechanism.
    wanted: Option<String>,
    shared: &'a Shared,
    clock: &'a dyn Clock,
    progress: &'a mut Progress<'p>,
    started: Duration,
    // current write operation
    start_lba: i64,
    pub(crate) sector_count: i64,
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
        wanted: Option<String>,
        shared: &'a Shared,
        clock: &'a dyn Clock,
        progress: &'a mut Progress<'p>,
    ) -> Self {
        let started = clock.now();
        Job {
            rec,
            cfg,
            wanted,
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

    pub(crate) fn mmc(&self, e: MmcError) -> WriterError {
        WriterError::Recorder(RecorderError::from_mmc(self.rec.active_disc_recorder(), e))
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.shared.cancel.load(Ordering::SeqCst)
    }

    pub(crate) fn set_op(&mut self, start: u64, count: u64) {
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

    pub(crate) fn event(&mut self, action: WriteAction) {
        let now = self.clock.now();
        self.emit(action, now);
    }

    /// A WRITING_DATA event when 0.5 s passed since the last event (or `force`).
    pub(crate) fn writing_event(&mut self, force: bool) {
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
        let mech = crate::mechanism::for_write(self.rec, &info, self.wanted.as_deref())?;
        let (start, count) = mech.planned_operation(self.cfg, &info, &*stream);
        self.set_op(start, count);
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
        mech.record(self, &info, stream)
    }

    pub(crate) fn apply_speed(&mut self) {
        if self.cfg.requested_write_speed != -1 {
            // Best effort: the speed was validated by set_write_speed.
            let _ = crate::writer::send_speed(
                self.rec,
                self.cfg.requested_write_speed,
                self.cfg.requested_rotation_type_is_pure_cav,
            );
        }
    }

    pub(crate) fn set_page05(
        &mut self,
        page: &WriteParameters,
        optional: bool,
    ) -> Result<(), WriterError> {
        match self.rec.drive().set_write_parameters(page) {
            Ok(()) => Ok(()),
            Err(_) if optional => Ok(()),
            Err(e) => Err(self.mmc(e)),
        }
    }

    /// Stops after a cancel: flush what the drive holds and report E_IMAPI_REQUEST_CANCELLED.
    /// The media is left as the drive then reports it (an open track/session).
    pub(crate) fn cancel_stop(&mut self, written: u64) -> Result<(), WriterError> {
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
    pub(crate) fn data_phase(
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

    pub(crate) fn sync(&mut self) -> Result<(), WriterError> {
        self.rec
            .drive()
            .synchronize_cache(true)
            .map_err(|e| self.mmc(e))
    }
}

/// One contiguous write: `count` sectors at `lba`, of which span sectors
/// `data_from..data_to` come from the stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) lba: u64,
    pub(crate) count: u64,
    pub(crate) data_from: u64,
    pub(crate) data_to: u64,
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
