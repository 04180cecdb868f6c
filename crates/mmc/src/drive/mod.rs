//! The drive layer: [`Drive`] sends commands through a [`Transport`], returns typed
//! replies or [`MmcError`], and owns retries, per-command timeouts and the polling after
//! long operations (mmc.md §7.2, §7.3, §8.5).
//!
//! Retry policy (bounded by [`RetryPolicy`]):
//! * `2/04/01` becoming ready, `2/04/00` cause not reportable (≤ 5 s), `BUSY` status:
//!   pause, resend;
//! * `2/04/04` format in progress, `2/04/07` operation in progress, `2/04/08` long write
//!   in progress: pause, resend the **same** CDB (a WRITE keeps its LBA);
//! * `6/28/xx` medium may have changed, `6/29/xx` reset, `6/2A/xx` parameters changed:
//!   resend at once, a few times;
//! * sense key 1 (RECOVERED ERROR): success.
//!
//! After CLOSE TRACK/SESSION, SYNCHRONIZE CACHE, BLANK and FORMAT UNIT with Immed = 1
//! the drive polls (mmc.md §7.3): TEST UNIT READY until it stops reporting `2/04/xx`,
//! then READ DISC INFORMATION until that stops reporting `2/04/07`/`2/04/08` (some
//! drives answer TEST UNIT READY with GOOD while a close still runs).
//!
//! Time is only ever *waited* through the injected [`Sleeper`]; the drive never reads a
//! clock. Bounds are totals of the pauses requested.

use std::time::Duration;

use crate::cdb::{
    self, BlankingType, Cdb, CloseFunction, PageControl, StartStop, TrackAddress, op,
};
use crate::error::{MmcError, ReplyError};
use crate::profile::{FeatureCode, Profile};
use crate::reply::{
    Atip, BufferCapacity, Configuration, DiscInformation, FeatureDescriptor, FormatCapacities,
    FormatUnitParameters, FullToc, InquiryData, MediaEventStatus, ModePage, ModeSense,
    PerformanceDescriptor, ReadCapacity, SessionInfo, Toc, TrackInformation, WriteParameters,
    WriteSpeedDescriptor, mode_select_parameter_list, parse_write_speeds,
};
use crate::sense::{Sense, SenseKey};
use crate::transport::{Completion, Data, Transport};

/// Waits. Injected into [`Drive`] so tests do not sleep for real.
pub trait Sleeper {
    /// Waits for `d`.
    fn sleep(&mut self, d: Duration);
}

/// Sleeps with `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdSleeper;

impl Sleeper for StdSleeper {
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// Returns at once (for tests and emulated drives).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSleep;

impl Sleeper for NoSleep {
    fn sleep(&mut self, _d: Duration) {}
}

impl<F: FnMut(Duration)> Sleeper for F {
    fn sleep(&mut self, d: Duration) {
        self(d)
    }
}

/// Bounds and pauses of the retry and polling logic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Pause before resending after `2/04/01` (becoming ready), `2/04/00` or BUSY.
    pub not_ready_pause: Duration,
    /// Total pause allowed for `2/04/01` / BUSY before giving up.
    pub max_not_ready_wait: Duration,
    /// Total pause allowed for `2/04/00` (cause not reportable; libburn: 5 s).
    pub max_cause_not_reportable_wait: Duration,
    /// Pause before resending after `2/04/04` / `2/04/07`.
    pub busy_pause: Duration,
    /// Pause before resending after `2/04/08` long write in progress.
    pub long_write_pause: Duration,
    /// Total pause allowed for `2/04/04`, `2/04/07`, `2/04/08` on one command.
    pub max_busy_wait: Duration,
    /// Immediate resends allowed for unit attention (`6/28`, `6/29`, `6/2A`).
    pub max_unit_attention_retries: u32,
    /// Pause between polls after an Immed operation.
    pub poll_interval: Duration,
    /// Total pause allowed while polling after an Immed operation (libburn 3600 s).
    pub max_poll_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            not_ready_pause: Duration::from_millis(500),
            max_not_ready_wait: Duration::from_secs(60),
            max_cause_not_reportable_wait: Duration::from_secs(5),
            busy_pause: Duration::from_millis(500),
            long_write_pause: Duration::from_millis(20),
            max_busy_wait: Duration::from_secs(600),
            max_unit_attention_retries: 5,
            poll_interval: Duration::from_millis(500),
            max_poll_wait: Duration::from_secs(3600),
        }
    }
}

/// Per-command timeouts (mmc.md §8.5, from libburn spc.h): default 30 s; WRITE,
/// RESERVE TRACK, SEND OPC 200 s; CLOSE/SYNC 200 s with Immed, 3600 s without; BLANK
/// 200 s with Immed, 18000 s without; FORMAT UNIT 18000 s (its Immed is in the
/// parameter list; [`Drive::format_unit`] passes 200 s when Immed is set); START STOP
/// UNIT (load) 300 s.
pub fn timeout_for(cdb: &Cdb) -> Duration {
    let s = Duration::from_secs;
    match cdb.opcode() {
        op::WRITE_10 | op::WRITE_12 | op::RESERVE_TRACK | op::SEND_OPC_INFORMATION => s(200),
        op::CLOSE_TRACK_SESSION | op::SYNCHRONIZE_CACHE => {
            if cdb.immed() {
                s(200)
            } else {
                s(3600)
            }
        }
        op::BLANK => {
            if cdb.immed() {
                s(200)
            } else {
                s(18000)
            }
        }
        op::FORMAT_UNIT => s(18000),
        op::START_STOP_UNIT => s(300),
        _ => s(30),
    }
}

/// The READ TRACK INFORMATION address of the track to write next (mmc.md §0 rule 3,
/// libburn `mmc_read_track_info`): track 1 on overwriteable media; FFh (invisible or
/// incomplete track) on CD and DVD+R(/DL); otherwise the Last Track Number in Last
/// Session from READ DISC INFORMATION (DVD-R/-RW, BD-R).
pub fn next_track_address(profile: Profile, di: &DiscInformation) -> TrackAddress {
    use crate::profile::MediaClass;
    if profile.media_class() == MediaClass::Overwriteable {
        TrackAddress::Track(1)
    } else if profile.accepts_invisible_track_ffh() {
        TrackAddress::INVISIBLE
    } else {
        TrackAddress::Track(di.last_track_in_last_session as u32)
    }
}

/// What to do after a CHECK CONDITION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Success,
    NotReady,
    CauseNotReportable,
    Busy,
    LongWrite,
    UnitAttention,
    Fail,
}

fn classify(s: &Sense) -> Action {
    match (s.key, s.asc, s.ascq) {
        (SenseKey::RecoveredError, ..) => Action::Success,
        (SenseKey::NoSense, 0, 0) => Action::Success,
        (SenseKey::NotReady, 0x04, 0x00) => Action::CauseNotReportable,
        (SenseKey::NotReady, 0x04, 0x01) => Action::NotReady,
        (SenseKey::NotReady, 0x04, 0x04 | 0x07) => Action::Busy,
        (SenseKey::NotReady, 0x04, 0x08) => Action::LongWrite,
        (SenseKey::UnitAttention, 0x28..=0x2A, _) => Action::UnitAttention,
        _ => Action::Fail,
    }
}

/// An MMC drive over a [`Transport`].
pub struct Drive<T: Transport> {
    transport: T,
    sleeper: Box<dyn Sleeper + Send>,
    policy: RetryPolicy,
    last_progress: Option<u16>,
    observer: Option<ProgressObserver>,
}

/// Called once per poll while [`Drive::wait_for_completion`] waits, with the opcode
/// being waited for and the latest Progress Indication (0..=65535) if the drive sent
/// one.
pub type ProgressObserver = Box<dyn FnMut(u8, Option<u16>) + Send>;

impl<T: Transport> std::fmt::Debug for Drive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drive")
            .field("device", &self.transport.device_name())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Block size of data commands: READ(10)/WRITE(10) transfer whole 2048-byte blocks
/// (MMC-6 4.2; IMAPI_SECTOR_SIZE).
pub use discburn_format::SECTOR_SIZE;

fn be16(b: &[u8], at: usize) -> usize {
    u16::from_be_bytes([b[at], b[at + 1]]) as usize
}

fn reborrow<'a>(d: &'a mut Data<'_>) -> Data<'a> {
    match d {
        Data::None => Data::None,
        Data::In(b) => Data::In(b),
        Data::Out(b) => Data::Out(b),
    }
}

impl<T: Transport> Drive<T> {
    /// A drive over `transport` that sleeps for real ([`StdSleeper`]) with the default
    /// [`RetryPolicy`].
    pub fn new(transport: T) -> Drive<T> {
        Drive::with_sleeper(transport, Box::new(StdSleeper))
    }

    /// A drive with an injected sleeper.
    pub fn with_sleeper(transport: T, sleeper: Box<dyn Sleeper + Send>) -> Drive<T> {
        Drive {
            transport,
            sleeper,
            policy: RetryPolicy::default(),
            last_progress: None,
            observer: None,
        }
    }

    /// Replaces the retry policy.
    pub fn set_policy(&mut self, policy: RetryPolicy) {
        self.policy = policy;
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (e.g. to reach an emulator's fault plan).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// The largest transfer in bytes ([`Transport::max_transfer`]).
    pub fn max_transfer(&self) -> usize {
        self.transport.max_transfer()
    }

    /// The device name ([`Transport::device_name`]).
    pub fn device_name(&self) -> String {
        self.transport.device_name()
    }

    /// Installs (or removes) the observer called on every poll of a long operation.
    pub fn set_progress_observer(&mut self, observer: Option<ProgressObserver>) {
        self.observer = observer;
    }

    /// The last Progress Indication seen while polling (0..=65535), if any.
    pub fn last_progress(&self) -> Option<u16> {
        self.last_progress
    }

    /// Sends one CDB once, without retries; a CHECK CONDITION is returned as
    /// `Ok(Completion)` (this is the raw path of IDiscRecorder2Ex).
    ///
    /// # Errors
    /// [`MmcError::Transport`] only.
    pub fn execute_raw(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, MmcError> {
        Ok(self.transport.execute(cdb, data, timeout)?)
    }

    /// Sends `cdb` with the retry policy and the timeout of [`timeout_for`].
    ///
    /// # Errors
    /// [`MmcError::Transport`], [`MmcError::Sense`] (not retried or retries exhausted
    /// for unit attention), [`MmcError::StillBusy`] (pauses exhausted),
    /// [`MmcError::NoSense`], [`MmcError::Status`].
    pub fn execute(&mut self, cdb: &Cdb, data: Data<'_>) -> Result<Completion, MmcError> {
        self.execute_with_timeout(cdb, data, timeout_for(cdb))
    }

    /// As [`Drive::execute`] with an explicit timeout.
    ///
    /// # Errors
    /// As [`Drive::execute`].
    pub fn execute_with_timeout(
        &mut self,
        cdb: &Cdb,
        mut data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, MmcError> {
        let opcode = cdb.opcode();
        let mut attempts = 0u32;
        let mut waited_not_ready = Duration::ZERO;
        let mut waited_cnr = Duration::ZERO;
        let mut waited_busy = Duration::ZERO;
        let mut unit_attentions = 0u32;
        loop {
            attempts += 1;
            let c = self
                .transport
                .execute(cdb.as_bytes(), reborrow(&mut data), timeout)?;
            tracing::trace!(
                cdb = ?cdb,
                status = c.status,
                sense_len = c.sense.len(),
                "mmc command"
            );
            if c.status == Completion::GOOD {
                return Ok(c);
            }
            if c.status == 0x08 {
                // BUSY: pause and resend, bounded like "becoming ready".
                if waited_not_ready >= self.policy.max_not_ready_wait {
                    return Err(MmcError::Status {
                        opcode,
                        status: c.status,
                    });
                }
                self.pause(self.policy.not_ready_pause, &mut waited_not_ready);
                continue;
            }
            if c.status != Completion::CHECK_CONDITION {
                return Err(MmcError::Status {
                    opcode,
                    status: c.status,
                });
            }
            let sense = match Sense::parse(&c.sense) {
                Ok(s) => s,
                Err(_) => return Err(MmcError::NoSense { opcode }),
            };
            if sense.progress.is_some() {
                self.last_progress = sense.progress;
            }
            let (pause, waited, limit) = match classify(&sense) {
                Action::Success => return Ok(c),
                Action::Fail => return Err(MmcError::Sense { opcode, sense }),
                Action::UnitAttention => {
                    unit_attentions += 1;
                    if unit_attentions > self.policy.max_unit_attention_retries {
                        return Err(MmcError::Sense { opcode, sense });
                    }
                    tracing::debug!(%sense, "unit attention, resending");
                    continue;
                }
                Action::NotReady => (
                    self.policy.not_ready_pause,
                    &mut waited_not_ready,
                    self.policy.max_not_ready_wait,
                ),
                Action::CauseNotReportable => (
                    self.policy.not_ready_pause,
                    &mut waited_cnr,
                    self.policy.max_cause_not_reportable_wait,
                ),
                Action::Busy => (
                    self.policy.busy_pause,
                    &mut waited_busy,
                    self.policy.max_busy_wait,
                ),
                Action::LongWrite => (
                    self.policy.long_write_pause,
                    &mut waited_busy,
                    self.policy.max_busy_wait,
                ),
            };
            if *waited >= limit {
                return Err(MmcError::StillBusy {
                    opcode,
                    attempts,
                    waited: *waited,
                    sense,
                });
            }
            *waited += pause;
            tracing::debug!(%sense, ?pause, "drive not ready, resending");
            self.sleeper.sleep(pause);
        }
    }

    fn pause(&mut self, d: Duration, waited: &mut Duration) {
        *waited += d;
        self.sleeper.sleep(d);
    }

    /// Sends a data-in command with an allocation of `len` bytes; returns the bytes
    /// transferred (`len − residual`).
    fn data_in(&mut self, cdb: &Cdb, len: usize) -> Result<Vec<u8>, MmcError> {
        let mut buf = vec![0u8; len];
        let c = self.execute(cdb, Data::In(&mut buf))?;
        let got = len.saturating_sub(c.residual as usize);
        buf.truncate(got);
        Ok(buf)
    }

    /// Header-first allocation discipline (mmc.md §8.5): sends `make(header_len)`,
    /// computes the announced total with `total(header)`, and, if larger, sends
    /// `make(total)` (capped at `cap`).
    fn read_announced(
        &mut self,
        make: impl Fn(u16) -> Cdb,
        header_len: u16,
        cap: usize,
        total: impl Fn(&[u8]) -> usize,
    ) -> Result<Vec<u8>, MmcError> {
        let first = make(header_len);
        let opcode = first.opcode();
        let head = self.data_in(&first, header_len as usize)?;
        if head.len() < header_len as usize {
            return Err(MmcError::Reply {
                opcode,
                source: ReplyError::short(
                    cdb::opcode_name(opcode),
                    header_len as usize,
                    head.len(),
                ),
            });
        }
        let want = total(&head).min(cap);
        if want <= head.len() {
            return Ok(head);
        }
        self.data_in(&make(want as u16), want)
    }

    fn reply<R>(opcode: u8, r: Result<R, ReplyError>) -> Result<R, MmcError> {
        r.map_err(|source| MmcError::Reply { opcode, source })
    }

    /// Polls until a long operation started with Immed = 1 has finished (mmc.md §7.3).
    /// `opcode` names the operation in errors.
    ///
    /// # Errors
    /// [`MmcError::Sense`] for `2/3A/xx` (no medium) or an unexpected sense from TEST UNIT
    /// READY; [`MmcError::StillBusy`] when [`RetryPolicy::max_poll_wait`] is exhausted;
    /// [`MmcError::Transport`].
    pub fn wait_for_completion(&mut self, opcode: u8) -> Result<(), MmcError> {
        let mut waited = Duration::ZERO;
        let mut polls = 0u32;
        let mut last = Sense::OPERATION_IN_PROGRESS;
        let timeout = Duration::from_secs(30);
        loop {
            if waited >= self.policy.max_poll_wait {
                return Err(MmcError::StillBusy {
                    opcode,
                    attempts: polls,
                    waited,
                    sense: last,
                });
            }
            self.pause(self.policy.poll_interval, &mut waited);
            polls += 1;
            if let Some(o) = self.observer.as_mut() {
                o(opcode, self.last_progress);
            }
            let tur =
                self.transport
                    .execute(cdb::test_unit_ready().as_bytes(), Data::None, timeout)?;
            if !tur.is_good() {
                let sense = match Sense::parse(&tur.sense) {
                    Ok(s) => s,
                    Err(_) => {
                        return Err(MmcError::NoSense {
                            opcode: op::TEST_UNIT_READY,
                        });
                    }
                };
                if sense.progress.is_some() {
                    self.last_progress = sense.progress;
                }
                last = sense;
                match (sense.key, sense.asc, sense.ascq) {
                    (SenseKey::NotReady, 0x04, q) if q != 0x02 && q != 0x03 => continue,
                    (SenseKey::UnitAttention, 0x28 | 0x29, _) => continue,
                    (SenseKey::RecoveredError, ..) => {}
                    _ => {
                        return Err(MmcError::Sense {
                            opcode: op::TEST_UNIT_READY,
                            sense,
                        });
                    }
                }
            }
            // TEST UNIT READY is not a reliable completion test: READ DISC INFORMATION.
            let mut buf = [0u8; 34];
            let rdi = self.transport.execute(
                cdb::read_disc_information(0, 34).as_bytes(),
                Data::In(&mut buf),
                timeout,
            )?;
            if rdi.is_good() {
                return Ok(());
            }
            match Sense::parse(&rdi.sense) {
                Ok(s) if s.key == SenseKey::NotReady && s.asc == 0x04 => {
                    if s.progress.is_some() {
                        self.last_progress = s.progress;
                    }
                    last = s;
                    continue;
                }
                Ok(s) if s.key == SenseKey::UnitAttention => continue,
                Ok(s) if s.key == SenseKey::NotReady && s.asc == 0x3A => {
                    return Err(MmcError::Sense {
                        opcode: op::READ_DISC_INFORMATION,
                        sense: s,
                    });
                }
                // A drive that cannot report disc information (5/20/00 ...) is done
                // once TEST UNIT READY is good.
                _ => return Ok(()),
            }
        }
    }

    // ----- identification and state -----

    /// TEST UNIT READY (with the retry policy).
    ///
    /// # Errors
    /// [`MmcError::Sense`] e.g. `2/3A/00` no medium.
    pub fn test_unit_ready(&mut self) -> Result<(), MmcError> {
        self.execute(&cdb::test_unit_ready(), Data::None)
            .map(|_| ())
    }

    /// REQUEST SENSE (18 bytes), decoded.
    ///
    /// # Errors
    /// [`MmcError::Reply`] when the bytes are not sense data.
    pub fn request_sense(&mut self) -> Result<Sense, MmcError> {
        let b = self.data_in(&cdb::request_sense(18), 18)?;
        Self::reply(op::REQUEST_SENSE, Sense::parse(&b))
    }

    /// INQUIRY standard data (36 bytes).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn inquiry(&mut self) -> Result<InquiryData, MmcError> {
        let b = self.data_in(&cdb::inquiry(36), 36)?;
        Self::reply(op::INQUIRY, InquiryData::parse(&b))
    }

    /// GET CONFIGURATION with header-first allocation (8 bytes, then Data Length + 4,
    /// capped at 65530).
    ///
    /// # Errors
    /// [`MmcError`]; `5/20/00` from drives without GET CONFIGURATION.
    pub fn get_configuration(
        &mut self,
        rt: cdb::RequestType,
        starting_feature: u16,
    ) -> Result<Configuration, MmcError> {
        let b = self.read_announced(
            |n| cdb::get_configuration(rt, starting_feature, n),
            8,
            65530,
            |h| 4 + u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize,
        )?;
        Self::reply(op::GET_CONFIGURATION, Configuration::parse(&b))
    }

    /// The Current Profile (GET CONFIGURATION header, mmc.md §0 rule 1).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn current_profile(&mut self) -> Result<Profile, MmcError> {
        let b = self.data_in(&cdb::get_configuration(cdb::RequestType::Current, 0, 8), 8)?;
        Self::reply(op::GET_CONFIGURATION, Configuration::parse(&b)).map(|c| c.current_profile)
    }

    /// One feature (RT = 10b), or `None` when the drive does not report it.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn feature(&mut self, code: FeatureCode) -> Result<Option<FeatureDescriptor>, MmcError> {
        let c = self.get_configuration(cdb::RequestType::One, code.0)?;
        Ok(c.features.into_iter().find(|f| f.code == code))
    }

    /// READ DISC INFORMATION (Standard Disc Information) with header-first allocation.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn disc_information(&mut self) -> Result<DiscInformation, MmcError> {
        let b = self.read_announced(
            |n| cdb::read_disc_information(0, n),
            34,
            65534,
            |h| 2 + be16(h, 0),
        )?;
        Self::reply(op::READ_DISC_INFORMATION, DiscInformation::parse(&b))
    }

    /// READ DISC INFORMATION raw bytes of a Data Type (IDiscRecorder2Ex
    /// GetDiscInformation uses type 0).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn disc_information_raw(&mut self, data_type: u8) -> Result<Vec<u8>, MmcError> {
        self.read_announced(
            |n| cdb::read_disc_information(data_type, n),
            4,
            65534,
            |h| 2 + be16(h, 0),
        )
    }

    /// READ TRACK INFORMATION (48 bytes) for `address`.
    ///
    /// # Errors
    /// [`MmcError`]; `5/24/00` for an unknown track.
    pub fn track_information(
        &mut self,
        address: TrackAddress,
    ) -> Result<TrackInformation, MmcError> {
        let b = self.track_information_raw(address)?;
        Self::reply(op::READ_TRACK_INFORMATION, TrackInformation::parse(&b))
    }

    /// The current profile, disc information and the track information of the track
    /// to write next ([`next_track_address`]).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn next_track_information(
        &mut self,
    ) -> Result<(Profile, DiscInformation, TrackInformation), MmcError> {
        let profile = self.current_profile()?;
        let di = self.disc_information()?;
        let ti = self.track_information(next_track_address(profile, &di))?;
        Ok((profile, di, ti))
    }

    /// READ TRACK INFORMATION raw bytes (48-byte allocation).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn track_information_raw(&mut self, address: TrackAddress) -> Result<Vec<u8>, MmcError> {
        self.data_in(&cdb::read_track_information(address, 48), 48)
    }

    fn toc_bytes(&mut self, format: cdb::TocFormat, msf: bool, n: u8) -> Result<Vec<u8>, MmcError> {
        self.read_announced(
            |len| cdb::read_toc(format, msf, n, len),
            4,
            65534,
            |h| 2 + be16(h, 0),
        )
    }

    /// READ TOC format 0 from track `first_track` (LBA addresses unless `msf`).
    ///
    /// # Errors
    /// [`MmcError`]; `5/24/00` when no session is complete.
    pub fn read_toc(&mut self, msf: bool, first_track: u8) -> Result<Toc, MmcError> {
        let b = self.toc_bytes(cdb::TocFormat::Toc, msf, first_track)?;
        Self::reply(op::READ_TOC_PMA_ATIP, Toc::parse(&b))
    }

    /// READ TOC format 1 (session information, LBA).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn read_session_info(&mut self) -> Result<SessionInfo, MmcError> {
        let b = self.data_in(
            &cdb::read_toc(cdb::TocFormat::SessionInfo, false, 0, 12),
            12,
        )?;
        Self::reply(op::READ_TOC_PMA_ATIP, SessionInfo::parse(&b))
    }

    /// READ TOC format 2 (full TOC, CD only) from session `first_session`.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn read_full_toc(&mut self, first_session: u8) -> Result<FullToc, MmcError> {
        let b = self.toc_bytes(cdb::TocFormat::FullToc, false, first_session)?;
        Self::reply(op::READ_TOC_PMA_ATIP, FullToc::parse(&b))
    }

    /// READ TOC format 4 (ATIP, CD-R/RW only).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn read_atip(&mut self) -> Result<Atip, MmcError> {
        let b = self.toc_bytes(cdb::TocFormat::Atip, false, 0)?;
        Self::reply(op::READ_TOC_PMA_ATIP, Atip::parse(&b))
    }

    /// READ DISC STRUCTURE with header-first allocation (4-byte header: bytes 0-1 Data
    /// Length = bytes after byte 1); returns the whole reply, header included.
    ///
    /// # Errors
    /// [`MmcError`]; `5/24/00` or `5/30/02` when the structure is not present.
    pub fn read_disc_structure(
        &mut self,
        media_type: u8,
        address: u32,
        layer: u8,
        format: u8,
        agid: u8,
    ) -> Result<Vec<u8>, MmcError> {
        self.read_announced(
            |n| cdb::read_disc_structure(media_type, address, layer, format, agid, n),
            4,
            65534,
            |h| 2 + be16(h, 0),
        )
    }

    /// READ CAPACITY.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn read_capacity(&mut self) -> Result<ReadCapacity, MmcError> {
        let b = self.data_in(&cdb::read_capacity(), 8)?;
        Self::reply(op::READ_CAPACITY, ReadCapacity::parse(&b))
    }

    /// READ FORMAT CAPACITIES with header-first allocation (4 bytes, then 4 + list).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn read_format_capacities(&mut self) -> Result<FormatCapacities, MmcError> {
        let b =
            self.read_announced(cdb::read_format_capacities, 4, 65534, |h| 4 + h[3] as usize)?;
        Self::reply(op::READ_FORMAT_CAPACITIES, FormatCapacities::parse(&b))
    }

    /// MODE SENSE(10) with DBD = 1, header-first allocation.
    ///
    /// # Errors
    /// [`MmcError`]; `5/24/00` for a page the drive lacks.
    pub fn mode_sense(
        &mut self,
        pc: PageControl,
        page_code: u8,
        subpage: u8,
    ) -> Result<ModeSense, MmcError> {
        let b = self.read_announced(
            |n| cdb::mode_sense10(true, pc, page_code, subpage, n),
            8,
            65534,
            |h| 2 + be16(h, 0),
        )?;
        Self::reply(op::MODE_SENSE_10, ModeSense::parse(&b))
    }

    /// One mode page (with its 2-byte page header), or `None` when the reply does not
    /// contain it.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn mode_page(
        &mut self,
        pc: PageControl,
        page_code: u8,
    ) -> Result<Option<ModePage>, MmcError> {
        let m = self.mode_sense(pc, page_code, 0)?;
        Ok(m.pages.into_iter().find(|p| p.page_code == page_code))
    }

    /// MODE SELECT(10) of one page (`page` includes its page header; PS is cleared and
    /// the 8-byte header prepended).
    ///
    /// # Errors
    /// [`MmcError`]; `5/26/00` for rejected parameters.
    pub fn mode_select(&mut self, page: &[u8]) -> Result<(), MmcError> {
        let list = mode_select_parameter_list(page);
        let len = u16::try_from(list.len())
            .map_err(|_| MmcError::InvalidArgument(format!("mode page of {} bytes", page.len())))?;
        self.execute(&cdb::mode_select10(len), Data::Out(&list))
            .map(|_| ())
    }

    /// The current Write Parameters page 05h.
    ///
    /// # Errors
    /// [`MmcError`]; [`MmcError::Reply`] when the reply lacks page 05h.
    pub fn write_parameters(&mut self) -> Result<WriteParameters, MmcError> {
        let page = self
            .mode_page(PageControl::Current, WriteParameters::PAGE_CODE)?
            .ok_or_else(|| MmcError::Reply {
                opcode: op::MODE_SENSE_10,
                source: ReplyError::invalid("MODE SENSE(10) reply", "no page 05h in the reply"),
            })?;
        Self::reply(op::MODE_SENSE_10, WriteParameters::parse(&page.bytes))
    }

    /// MODE SELECT of page 05h.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn set_write_parameters(&mut self, w: &WriteParameters) -> Result<(), MmcError> {
        self.mode_select(&w.encode())
    }

    /// GET PERFORMANCE Type 03h: the write speed descriptors. Asks for 0 descriptors to
    /// learn the count, then for that many (at least 1, one more round if the drive
    /// announces more).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn write_speeds(&mut self) -> Result<Vec<WriteSpeedDescriptor>, MmcError> {
        let head = self.data_in(&cdb::get_performance_write_speeds(0), 8)?;
        let count = |b: &[u8]| -> usize {
            if b.len() < 4 {
                return 0;
            }
            (u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).saturating_sub(4) / 16
        };
        let mut n = count(&head).clamp(1, 4095);
        for _ in 0..2 {
            let b = self.data_in(&cdb::get_performance_write_speeds(n as u16), 8 + 16 * n)?;
            let announced = count(&b).min(4095);
            if announced <= n {
                return Self::reply(op::GET_PERFORMANCE, parse_write_speeds(&b));
            }
            n = announced;
        }
        let b = self.data_in(&cdb::get_performance_write_speeds(n as u16), 8 + 16 * n)?;
        Self::reply(op::GET_PERFORMANCE, parse_write_speeds(&b))
    }

    /// GET EVENT STATUS NOTIFICATION, media class.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn media_event_status(&mut self) -> Result<MediaEventStatus, MmcError> {
        let b = self.data_in(&cdb::get_event_status_notification(0x10, 8), 8)?;
        Self::reply(
            op::GET_EVENT_STATUS_NOTIFICATION,
            MediaEventStatus::parse(&b),
        )
    }

    /// READ BUFFER CAPACITY (bytes).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn read_buffer_capacity(&mut self) -> Result<BufferCapacity, MmcError> {
        let b = self.data_in(&cdb::read_buffer_capacity(false, 12), 12)?;
        Self::reply(op::READ_BUFFER_CAPACITY, BufferCapacity::parse(&b))
    }

    // ----- writing and media management -----

    /// RESERVE TRACK of `size` blocks.
    ///
    /// # Errors
    /// [`MmcError`] (`5/72/05`, `5/2C/00` ...).
    pub fn reserve_track(&mut self, size: u32) -> Result<(), MmcError> {
        self.execute(&cdb::reserve_track(size), Data::None)
            .map(|_| ())
    }

    /// WRITE(10) of `data` (a multiple of 2048 bytes) starting at `lba`, split into
    /// commands of at most [`Transport::max_transfer`] bytes (and 65535 blocks). A
    /// `2/04/08` LONG WRITE IN PROGRESS resends the same command (same LBA).
    ///
    /// # Errors
    /// [`MmcError::InvalidArgument`] when `data` is not whole blocks; [`MmcError`] from
    /// the drive (`5/21/02` invalid address for write ...).
    pub fn write10(&mut self, lba: u32, data: &[u8]) -> Result<(), MmcError> {
        if !data.len().is_multiple_of(SECTOR_SIZE) {
            return Err(MmcError::InvalidArgument(format!(
                "WRITE(10) data of {} bytes is not a multiple of {SECTOR_SIZE}",
                data.len()
            )));
        }
        let per = (self.max_transfer() / SECTOR_SIZE).clamp(1, 0xFFFF);
        let mut lba = lba;
        for chunk in data.chunks(per * SECTOR_SIZE) {
            let blocks = (chunk.len() / SECTOR_SIZE) as u16;
            self.execute(&cdb::write10(lba, blocks), Data::Out(chunk))?;
            lba = lba.wrapping_add(blocks as u32);
        }
        Ok(())
    }

    /// READ(10) of `buf.len() / 2048` blocks from `lba`, split by max transfer.
    ///
    /// # Errors
    /// [`MmcError::InvalidArgument`] when `buf` is not whole blocks; drive errors.
    pub fn read10(&mut self, lba: u32, buf: &mut [u8]) -> Result<(), MmcError> {
        if !buf.len().is_multiple_of(SECTOR_SIZE) {
            return Err(MmcError::InvalidArgument(format!(
                "READ(10) buffer of {} bytes is not a multiple of {SECTOR_SIZE}",
                buf.len()
            )));
        }
        let per = (self.max_transfer() / SECTOR_SIZE).clamp(1, 0xFFFF);
        let mut lba = lba;
        for chunk in buf.chunks_mut(per * SECTOR_SIZE) {
            let blocks = (chunk.len() / SECTOR_SIZE) as u16;
            self.execute(&cdb::read10(lba, blocks), Data::In(chunk))?;
            lba = lba.wrapping_add(blocks as u32);
        }
        Ok(())
    }

    /// SYNCHRONIZE CACHE; with `immed`, polls until done.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn synchronize_cache(&mut self, immed: bool) -> Result<(), MmcError> {
        self.execute(&cdb::synchronize_cache(immed), Data::None)?;
        if immed {
            self.wait_for_completion(op::SYNCHRONIZE_CACHE)?;
        }
        Ok(())
    }

    /// CLOSE TRACK/SESSION; with `immed`, polls until done.
    ///
    /// # Errors
    /// [`MmcError`] (`5/72/03` incomplete track in session ...).
    pub fn close_track_session(
        &mut self,
        function: CloseFunction,
        track_number: u16,
        immed: bool,
    ) -> Result<(), MmcError> {
        self.execute(
            &cdb::close_track_session(immed, function, track_number),
            Data::None,
        )?;
        if immed {
            self.wait_for_completion(op::CLOSE_TRACK_SESSION)?;
        }
        Ok(())
    }

    /// FORMAT UNIT with this parameter list; with `params.immed`, polls until done.
    ///
    /// # Errors
    /// [`MmcError`] (`5/30/06` cannot format ...).
    pub fn format_unit(&mut self, params: &FormatUnitParameters) -> Result<(), MmcError> {
        let list = params.encode();
        let timeout = if params.immed {
            Duration::from_secs(200)
        } else {
            Duration::from_secs(18000)
        };
        self.execute_with_timeout(&cdb::format_unit(), Data::Out(&list), timeout)?;
        if params.immed {
            self.wait_for_completion(op::FORMAT_UNIT)?;
        }
        Ok(())
    }

    /// BLANK; with `immed`, polls until done.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn blank(
        &mut self,
        blanking_type: BlankingType,
        address: u32,
        immed: bool,
    ) -> Result<(), MmcError> {
        self.execute(&cdb::blank(immed, blanking_type, address), Data::None)?;
        if immed {
            self.wait_for_completion(op::BLANK)?;
        }
        Ok(())
    }

    /// SET STREAMING with one performance descriptor.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn set_streaming(&mut self, d: &PerformanceDescriptor) -> Result<(), MmcError> {
        let b = d.encode();
        self.execute(&cdb::set_streaming(28), Data::Out(&b))
            .map(|_| ())
    }

    /// SET CD SPEED (kB/s; FFFFh = maximum).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn set_cd_speed(&mut self, read_kbps: u16, write_kbps: u16) -> Result<(), MmcError> {
        self.execute(&cdb::set_cd_speed(read_kbps, write_kbps), Data::None)
            .map(|_| ())
    }

    /// SEND OPC INFORMATION with DoOpc.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn send_opc(&mut self) -> Result<(), MmcError> {
        self.execute(&cdb::send_opc_information(true), Data::None)
            .map(|_| ())
    }

    /// START STOP UNIT (eject, load, start, stop).
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn start_stop_unit(&mut self, immed: bool, action: StartStop) -> Result<(), MmcError> {
        self.execute(&cdb::start_stop_unit(immed, action), Data::None)
            .map(|_| ())
    }

    /// PREVENT ALLOW MEDIUM REMOVAL.
    ///
    /// # Errors
    /// [`MmcError`].
    pub fn prevent_allow_medium_removal(&mut self, prevent: bool) -> Result<(), MmcError> {
        self.execute(&cdb::prevent_allow_medium_removal(prevent), Data::None)
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests;
