//! [`EmulatedDrive`]: the emulated recorder behind the [`Transport`] trait.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Duration;

use discburn_mmc::lock::ExclusiveLock;
use discburn_mmc::{Completion, Data, Transport, TransportError};

use crate::cdb::{be16, be32, op, put32, transfer};
use crate::common::{
    self, CmdResult, Fail, RESERVATION_CONFLICT, alloc, check_cdb, check_direction, finish,
    invalid_request,
};
use crate::error::EmuError;
use crate::faults::FaultPlan;
use crate::features::{FeatureCtx, get_configuration};
use crate::media::{Family, MediaType};
use crate::mode::{WriteParams, capabilities_page};
use crate::random::{BgFormat, RandomKind, RandomMedium};
use crate::reply::{TocTrack, toc_format0, toc_format1};
use crate::sense::{Sense, SenseCode};
use crate::seq::{Geometry, SeqKind, SeqMedium, WritePlan};
use crate::state::{
    DiscPaths, DiscState, Journal, Medium, Wal, bd_default_spare_blocks as bd_spare_for,
    read_state, write_state_atomic,
};

const SECTOR: usize = 2048;
/// Largest data phase accepted in one command (like Linux `max_hw_sectors_kb` = 256).
pub(crate) const MAX_TRANSFER: usize = 256 * 1024;

/// The emulated recorder: decodes CDBs and answers them from the per-profile state
/// machine of `mmc.md` §9, with the medium stored as `<PATH>` (sparse raw image, sector
/// LBA at byte LBA × 2048) and `<PATH>.state.json`.
///
/// Sense data is fixed format (70h). Commands taking a long time with Immed = 1 (CLOSE,
/// SYNCHRONIZE CACHE, BLANK, FORMAT) apply their effect at once and then keep the drive
/// busy for [`DriveSettings::immed_busy_polls`](crate::DriveSettings) commands.
///
/// Dropping the handle flushes the image and writes the state (a clean shutdown). A
/// handle that "lost power" (see [`FaultPlan`]) writes nothing more.
#[derive(Debug)]
pub struct EmulatedDrive {
    paths: DiscPaths,
    image: File,
    state: DiscState,
    /// The state exactly as last written to the state file.
    persisted: DiscState,
    faults: FaultPlan,
    wal: Wal,
    rt: Runtime,
    lock: ExclusiveLock,
    /// Identity of the state file as last read or written (to notice other handles).
    state_id: Option<FileId>,
    /// This handle holds the writer lock (it made the state dirty).
    writer: bool,
}

/// (inode, size, mtime seconds, mtime nanoseconds) of a file.
type FileId = (u64, u64, i64, i64);

fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.ino(), m.size(), m.mtime(), m.mtime_nsec()))
}

#[derive(Debug)]
struct Runtime {
    dead: bool,
    page05: WriteParams,
    busy: Option<Busy>,
    unit_attention: bool,
    media_event: u8,
    prevent: bool,
    write_speed: u32,
    sectors_written: u64,
    fail_fired: bool,
    op_counts: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct Busy {
    sense: SenseCode,
    left: u32,
    total: u32,
}

fn transport_io(device: &str, op: &'static str, source: io::Error) -> Fail {
    Fail::Transport(TransportError::Io {
        op,
        device: device.to_string(),
        source,
    })
}

fn emu_to_io(e: EmuError) -> io::Error {
    match e {
        EmuError::Io { source, .. } => source,
        other => io::Error::other(other.to_string()),
    }
}

impl EmulatedDrive {
    /// Opens the emulated disc at `path` (made by [`crate::create_disc`]).
    ///
    /// If the previous user crashed or lost power, the write-ahead log is replayed and
    /// tracks that were being written are reported damaged (READ TRACK INFORMATION
    /// Damage = 1), as a real drive reports an interrupted recording.
    ///
    /// # Errors
    /// [`EmuError::NotEmulatedDisc`] without a state file, [`EmuError::BadState`] when it
    /// cannot be used, [`EmuError::Io`] when the image or state cannot be opened or
    /// written.
    pub fn open(path: &Path) -> Result<Self, EmuError> {
        let paths = DiscPaths::new(path);
        let mut state = read_state(&paths)?;
        let image = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&paths.image)
            .map_err(|e| EmuError::io("open image", &paths.image, e))?;
        let mut wal = Wal::open(&paths.wal)?;
        recover(&paths, &mut state, &mut wal)?;
        let state_id = file_id(&paths.state);
        let media = (!state.tray_open).then_some(state.media);
        let rt = Runtime {
            dead: false,
            page05: WriteParams::default_for(media),
            busy: None,
            unit_attention: false,
            media_event: 0,
            prevent: false,
            write_speed: state.media.write_speeds_kbps()[0],
            sectors_written: 0,
            fail_fired: false,
            op_counts: vec![0; 256],
        };
        Ok(EmulatedDrive {
            state_id,
            writer: false,
            lock: ExclusiveLock::new(&paths.lock),
            faults: state.faults.clone(),
            persisted: state.clone(),
            paths,
            image,
            state,
            wal,
            rt,
        })
    }

    /// The fault plan of this handle (copied from the state file at open). Changing it
    /// affects only this handle.
    pub fn faults_mut(&mut self) -> &mut FaultPlan {
        &mut self.faults
    }

    /// Takes exclusive access for client `owner` (IMAPI2 AcquireExclusiveAccess): an
    /// advisory lock on `<PATH>.lock` holding the owner name. Acquisitions on the same
    /// handle are counted.
    ///
    /// # Errors
    /// [`EmuError::Locked`] with the holder's name when another handle or process holds
    /// it (or this handle holds it for another owner); [`EmuError::Io`].
    pub fn lock_exclusive(&mut self, owner: &str) -> Result<(), EmuError> {
        Ok(self.lock.lock(owner)?)
    }

    /// Releases one [`lock_exclusive`](Self::lock_exclusive).
    ///
    /// # Errors
    /// [`EmuError::NotLocked`] when this handle does not hold the lock; [`EmuError::Io`].
    pub fn unlock(&mut self) -> Result<(), EmuError> {
        Ok(self.lock.unlock()?)
    }

    /// The client name holding exclusive access through this handle.
    pub fn exclusive_owner(&self) -> Option<&str> {
        self.lock.owner()
    }

    /// The medium type loaded.
    pub fn media_type(&self) -> MediaType {
        self.state.media
    }

    /// True after a power cut was injected: every command fails with `DeviceLost`.
    pub fn is_lost(&self) -> bool {
        self.rt.dead
    }

    /// Flushes the image and writes the state, reporting errors that `Drop` would
    /// swallow.
    ///
    /// # Errors
    /// [`EmuError::Io`] when the image cannot be synced or the state written.
    pub fn close(mut self) -> Result<(), EmuError> {
        let r = self.shutdown();
        self.rt.dead = true;
        r
    }

    fn shutdown(&mut self) -> Result<(), EmuError> {
        if self.rt.dead {
            return Ok(());
        }
        if self.writer || self.state != self.persisted {
            self.image
                .sync_data()
                .map_err(|e| EmuError::io("sync image", &self.paths.image, e))?;
            self.state.journal = Journal {
                dirty: false,
                writing: Vec::new(),
                applied_seq: self.wal.last_seq,
            };
            write_state_atomic(&self.paths.state, &self.state)?;
            self.persisted = self.state.clone();
            self.wal
                .truncate()
                .map_err(|e| EmuError::io("truncate write-ahead log", &self.paths.wal, e))?;
            if self.writer {
                self.writer = false;
                let _ = self.wal.unlock_writer();
            }
        }
        Ok(())
    }

    /// Testing aid: ends the handle the way a killed process does. Nothing is flushed
    /// or written; the next [`EmulatedDrive::open`] recovers the disc from the state
    /// file and the write-ahead log.
    pub fn simulate_crash(mut self) {
        self.rt.dead = true;
    }

    /// A human-readable description of the disc (what `discburn disc info` prints).
    pub fn describe(&self) -> String {
        describe_state(&self.paths.image, &self.state)
    }

    /// The state file contents (JSON) as this handle sees them.
    pub fn state_json(&self) -> String {
        serde_json::to_string_pretty(&self.state).expect("state serializes")
    }

    // ---- plumbing ----------------------------------------------------------------

    fn name(&self) -> String {
        format!("emulated:{}", self.paths.image.display())
    }

    fn lost(&self) -> TransportError {
        TransportError::DeviceLost {
            device: self.name(),
            reason: "power lost (injected fault)".to_string(),
        }
    }

    /// Simulated power loss: the handle dies; the state file keeps what was last
    /// persisted (minus the fired one-shot fault).
    fn power_cut(&mut self, at_command: bool) {
        self.rt.dead = true;
        let file_faults = &self.persisted.faults;
        let fired_in_file = if at_command {
            file_faults.power_cut_at_command.is_some()
        } else {
            file_faults.power_cut_after_sectors.is_some()
        };
        if fired_in_file {
            let mut s = self.persisted.clone();
            if at_command {
                s.faults.power_cut_at_command = None;
            } else {
                s.faults.power_cut_after_sectors = None;
            }
            let _ = write_state_atomic(&self.paths.state, &s);
        }
    }

    /// Picks up changes another handle wrote to the state file, when this handle has
    /// none of its own (one device shared by several handles).
    fn refresh(&mut self) -> Result<(), Fail> {
        if self.writer || self.state != self.persisted {
            return Ok(());
        }
        let id = file_id(&self.paths.state);
        if id == self.state_id {
            return Ok(());
        }
        let name = self.name();
        let state =
            read_state(&self.paths).map_err(|e| transport_io(&name, "read state", emu_to_io(e)))?;
        self.wal
            .refresh_len()
            .map_err(|e| transport_io(&name, "stat write-ahead log", e))?;
        self.wal.last_seq = self.wal.last_seq.max(state.journal.applied_seq);
        if let Ok(records) = self.wal.records() {
            self.wal.last_seq = records
                .iter()
                .map(|r| r.seq)
                .fold(self.wal.last_seq, u64::max);
        }
        if state.tray_open != self.state.tray_open {
            self.rt.page05 = WriteParams::default_for((!state.tray_open).then_some(state.media));
        }
        self.persisted = state.clone();
        self.state = state;
        self.state_id = id;
        Ok(())
    }

    /// Before a command changes the medium: take the writer lock (held until the next
    /// clean point) and pick up what other handles wrote. Another handle holding it
    /// makes the command end with RESERVATION CONFLICT.
    fn begin_change(&mut self) -> Result<(), Fail> {
        if self.writer {
            return Ok(());
        }
        let name = self.name();
        let locked = self
            .wal
            .lock_writer()
            .map_err(|e| transport_io(&name, "lock write-ahead log", e))?;
        if !locked {
            return Err(Fail::Status(RESERVATION_CONFLICT));
        }
        if let Err(e) = self.refresh() {
            let _ = self.wal.unlock_writer();
            return Err(e);
        }
        self.writer = true;
        Ok(())
    }

    fn persist(&mut self, state: &DiscState) -> Result<(), Fail> {
        let name = self.name();
        write_state_atomic(&self.paths.state, state)
            .map_err(|e| transport_io(&name, "write state", emu_to_io(e)))?;
        self.persisted = state.clone();
        self.state_id = file_id(&self.paths.state);
        Ok(())
    }

    /// A clean point: the image is synced, the state (with everything logged so far) is
    /// written, the WAL emptied.
    fn checkpoint(&mut self) -> Result<(), Fail> {
        let name = self.name();
        self.image
            .sync_data()
            .map_err(|e| transport_io(&name, "sync image", e))?;
        self.state.journal = Journal {
            dirty: false,
            writing: Vec::new(),
            applied_seq: self.wal.last_seq,
        };
        let s = self.state.clone();
        self.persist(&s)?;
        self.wal
            .truncate()
            .map_err(|e| transport_io(&name, "truncate write-ahead log", e))?;
        if self.writer {
            self.writer = false;
            self.wal
                .unlock_writer()
                .map_err(|e| transport_io(&name, "unlock write-ahead log", e))?;
        }
        Ok(())
    }

    fn write_image(&mut self, lba: u32, bytes: &[u8]) -> Result<(), Fail> {
        let name = self.name();
        self.image
            .write_all_at(bytes, lba as u64 * SECTOR as u64)
            .map_err(|e| transport_io(&name, "write image", e))
    }

    fn read_image(&self, lba: u32, buf: &mut [u8]) -> Result<(), Fail> {
        let mut done = 0;
        let offset = lba as u64 * SECTOR as u64;
        while done < buf.len() {
            match self.image.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => {
                    buf[done..].fill(0);
                    break;
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(transport_io(&self.name(), "read image", e)),
            }
        }
        Ok(())
    }

    fn start_busy(&mut self, sense: SenseCode, polls: u32) {
        self.rt.busy = (polls > 0).then_some(Busy {
            sense,
            left: polls,
            total: polls,
        });
    }

    fn busy_after(&mut self, default: SenseCode) {
        match self.faults.busy_after_close {
            Some(k) => self.start_busy(SenseCode::LONG_WRITE_IN_PROGRESS, k),
            None => self.start_busy(default, self.state.settings.immed_busy_polls),
        }
    }

    /// One poll of a busy drive: the busy sense with progress; clears when exhausted.
    fn busy_poll(&mut self) -> Option<Sense> {
        let b = self.rt.busy.as_mut()?;
        let done = b.total - b.left + 1;
        let progress = (u64::from(done) * 65_535 / u64::from(b.total + 1)) as u16;
        let sense = Sense {
            code: b.sense,
            information: None,
            progress: Some(progress),
        };
        b.left -= 1;
        if b.left == 0 {
            self.rt.busy = None;
        }
        Some(sense)
    }

    fn seq(&self) -> Option<&SeqMedium> {
        match &self.state.medium {
            Medium::Sequential(m) => Some(m),
            Medium::Overwriteable(_) => None,
        }
    }

    fn feature_ctx(&self) -> FeatureCtx {
        let mut ctx = FeatureCtx {
            profile: self.state.profile(),
            ..FeatureCtx::default()
        };
        match &self.state.medium {
            Medium::Sequential(m) => {
                ctx.last_lba = m.capacity.saturating_sub(1);
                ctx.pow = m.is_pow();
                ctx.incremental = m.incremental_allowed;
            }
            Medium::Overwriteable(r) => {
                ctx.last_lba = r.read_capacity_last_lba();
                ctx.formatted = r.formatted_blocks > 0;
            }
        }
        ctx
    }

    fn last_lba(&self) -> u32 {
        match &self.state.medium {
            Medium::Sequential(m) => m.capacity.saturating_sub(1),
            Medium::Overwriteable(r) => r.formatted_blocks.max(r.default_blocks).saturating_sub(1),
        }
    }

    // ---- dispatch ----------------------------------------------------------------

    fn dispatch(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        let opcode = cdb[0];
        match opcode {
            op::INQUIRY => return common::inquiry(cdb, "EMULATED RECORDR", "EMU0001"),
            op::REQUEST_SENSE => return self.request_sense(cdb),
            op::GET_CONFIGURATION => {
                let allocation = usize::from(be16(cdb, 7));
                return get_configuration(&self.feature_ctx(), cdb)
                    .map(|r| alloc(r, allocation))
                    .ok_or_else(|| SenseCode::INVALID_FIELD_IN_CDB.into());
            }
            op::GET_EVENT_STATUS_NOTIFICATION => {
                let event = std::mem::take(&mut self.rt.media_event);
                let tray = self.state.tray_open;
                return common::event_status(cdb, !tray, tray, event);
            }
            _ => {}
        }
        if !is_known(opcode) {
            return Err(SenseCode::INVALID_COMMAND_OPERATION_CODE.into());
        }
        if self.rt.unit_attention {
            self.rt.unit_attention = false;
            return Err(SenseCode::MEDIUM_MAY_HAVE_CHANGED.into());
        }
        match opcode {
            op::START_STOP_UNIT => return self.start_stop(cdb),
            op::PREVENT_ALLOW_MEDIUM_REMOVAL => {
                self.rt.prevent = cdb[4] & 1 != 0;
                return Ok(Vec::new());
            }
            op::MODE_SENSE_10 => return self.mode_sense(cdb),
            op::MODE_SELECT_10 => return self.mode_select(cdb, data),
            op::SET_CD_SPEED => {
                let w = u32::from(be16(cdb, 4));
                self.rt.write_speed = if w == 0xFFFF {
                    self.state.media.write_speeds_kbps()[0]
                } else {
                    w
                };
                return Ok(Vec::new());
            }
            op::SET_STREAMING => return self.set_streaming(cdb, data),
            op::READ_BUFFER_CAPACITY => return common::read_buffer_capacity(cdb),
            _ => {}
        }
        if self.state.tray_open {
            return Err(SenseCode::MEDIUM_NOT_PRESENT_TRAY_OPEN.into());
        }
        if is_media_access(opcode) {
            let tur_ok = opcode == op::TEST_UNIT_READY && self.state.settings.tur_good_while_busy;
            if !tur_ok && let Some(s) = self.busy_poll() {
                return Err(s.into());
            }
        }
        if self.state.write_protected && is_write_class(opcode) {
            return Err(SenseCode::WRITE_PROTECTED.into());
        }
        match opcode {
            op::TEST_UNIT_READY | op::SEND_OPC_INFORMATION => Ok(Vec::new()),
            op::READ_DISC_INFORMATION => self.read_disc_information(cdb),
            op::READ_TRACK_INFORMATION => self.read_track_information(cdb),
            op::READ_TOC => self.read_toc(cdb),
            op::READ_CAPACITY => self.read_capacity(),
            op::READ_FORMAT_CAPACITIES => self.read_format_capacities(cdb),
            op::READ_10 | op::READ_12 => self.read(cdb, data),
            op::WRITE_10 | op::WRITE_12 => self.write(cdb, data),
            op::SYNCHRONIZE_CACHE => self.synchronize_cache(cdb),
            op::CLOSE_TRACK_SESSION => self.close_track_session(cdb),
            op::RESERVE_TRACK => self.reserve_track(cdb),
            op::FORMAT_UNIT => self.format_unit(cdb, data),
            op::BLANK => self.blank(cdb),
            op::GET_PERFORMANCE => {
                let m = self.state.media;
                common::get_performance(
                    cdb,
                    self.last_lba(),
                    m.read_speed_kbps(),
                    m.write_speeds_kbps(),
                )
            }
            op::READ_DISC_STRUCTURE => Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
            _ => Err(SenseCode::INVALID_COMMAND_OPERATION_CODE.into()),
        }
    }

    fn request_sense(&mut self, cdb: &[u8]) -> CmdResult {
        let allocation = usize::from(cdb[4]);
        let sense = if let Some(s) = self.busy_poll() {
            s
        } else if self.state.tray_open {
            SenseCode::MEDIUM_NOT_PRESENT_TRAY_OPEN.into()
        } else if self.rt.unit_attention {
            self.rt.unit_attention = false;
            SenseCode::MEDIUM_MAY_HAVE_CHANGED.into()
        } else {
            SenseCode::NO_SENSE.into()
        };
        Ok(alloc(sense.to_fixed(), allocation))
    }

    fn start_stop(&mut self, cdb: &[u8]) -> CmdResult {
        let loej = cdb[4] & 0x02 != 0;
        let start = cdb[4] & 0x01 != 0;
        // A START STOP UNIT waits for a running operation (growisofs uses it as a barrier).
        self.rt.busy = None;
        if !loej {
            return Ok(Vec::new());
        }
        if start {
            if self.state.tray_open {
                self.begin_change()?;
                self.state.tray_open = false;
                self.rt.unit_attention = true;
                self.rt.media_event = 2;
                self.rt.page05 = WriteParams::default_for(Some(self.state.media));
                self.checkpoint()?;
            }
        } else {
            if self.rt.prevent {
                return Err(SenseCode::MEDIUM_REMOVAL_PREVENTED.into());
            }
            if !self.state.tray_open {
                self.begin_change()?;
                self.state.tray_open = true;
                self.rt.media_event = 3;
                self.checkpoint()?;
            }
        }
        Ok(Vec::new())
    }

    fn mode_sense(&self, cdb: &[u8]) -> CmdResult {
        let pc = cdb[2] >> 6;
        let page = cdb[2] & 0x3F;
        let allocation = usize::from(be16(cdb, 7));
        if cdb[3] != 0 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        if pc == 3 {
            return Err(SenseCode::new(5, 0x39, 0x00).into());
        }
        let media = (!self.state.tray_open).then_some(self.state.media);
        let p05: Vec<u8> = match pc {
            0 => self.rt.page05.page.to_vec(),
            1 => WriteParams::changeable().to_vec(),
            _ => WriteParams::default_for(media).page.to_vec(),
        };
        let mut p2a = capabilities_page(media, self.rt.write_speed, self.rt.prevent);
        if pc == 1 {
            p2a[2..].fill(0);
        }
        let pages = match page {
            0x05 => p05,
            0x2A => p2a,
            0x3F => [p05, p2a].concat(),
            _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        };
        Ok(common::mode_sense_reply(&pages, allocation))
    }

    fn mode_select(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        if cdb[1] & 0x10 == 0 || cdb[1] & 0x01 != 0 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let len = usize::from(be16(cdb, 7));
        let params = out_data(data, len, "MODE SELECT(10)")?;
        if len == 0 {
            return Ok(Vec::new());
        }
        if len < 8 {
            return Err(SenseCode::PARAMETER_LIST_LENGTH_ERROR.into());
        }
        let mut i = 8 + usize::from(be16(params, 6));
        let mut page05 = self.rt.page05.clone();
        while i + 2 <= len {
            let code = params[i] & 0x3F;
            let plen = usize::from(params[i + 1]);
            if i + 2 + plen > len {
                return Err(SenseCode::PARAMETER_LIST_LENGTH_ERROR.into());
            }
            let page = &params[i..i + 2 + plen];
            match code {
                0x05 if page05.select(page) => {}
                _ => return Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST.into()),
            }
            i += 2 + plen;
        }
        self.rt.page05 = page05;
        Ok(Vec::new())
    }

    fn set_streaming(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        let len = usize::from(be16(cdb, 9));
        let params = out_data(data, len, "SET STREAMING")?;
        match cdb[8] {
            0x00 => {
                if len < 28 {
                    return Err(SenseCode::PARAMETER_LIST_LENGTH_ERROR.into());
                }
                if params[0] & 0x04 != 0 {
                    self.rt.write_speed = self.state.media.write_speeds_kbps()[0];
                    return Ok(Vec::new());
                }
                let size_kb = u64::from(be32(params, 20));
                let time_ms = u64::from(be32(params, 24));
                if time_ms == 0 {
                    return Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST.into());
                }
                self.rt.write_speed = (size_kb * 1000 / time_ms).min(u64::from(u32::MAX)) as u32;
                Ok(Vec::new())
            }
            0x05 => Ok(Vec::new()),
            _ => Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
    }

    // ---- media information -------------------------------------------------------

    fn read_disc_information(&self, cdb: &[u8]) -> CmdResult {
        let allocation = usize::from(be16(cdb, 7));
        let data_type = cdb[1] & 0x07;
        let rewritable = matches!(self.state.media, MediaType::CdRw | MediaType::DvdMinusRw);
        if cdb[1] == 0x10 || data_type == 0b010 {
            let m = match self.seq() {
                Some(m) if m.is_pow() => m,
                _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
            };
            let mut b = vec![0u8; 16];
            b[0..2].copy_from_slice(&14u16.to_be_bytes());
            b[2] = 0b010 << 5;
            let [replacements, entries, updates] = m.pow_resources();
            put32(&mut b, 4, replacements);
            put32(&mut b, 8, entries);
            put32(&mut b, 12, updates);
            return Ok(alloc(b, allocation));
        }
        match data_type {
            0b000 => {
                let di = match &self.state.medium {
                    Medium::Sequential(m) => m.disc_info(rewritable),
                    Medium::Overwriteable(r) => r.disc_info(),
                };
                Ok(alloc(di.encode(), allocation))
            }
            0b001 => {
                let mut b = vec![0u8; 12];
                b[0..2].copy_from_slice(&10u16.to_be_bytes());
                b[2] = 0b001 << 5;
                if let Some(m) = self.seq() {
                    let max = m.geometry.max_tracks.min(0xFFFF) as u16;
                    let assigned = m.track_count().min(0xFFFF) as u16;
                    b[4..6].copy_from_slice(&max.to_be_bytes());
                    b[6..8].copy_from_slice(&assigned.to_be_bytes());
                    let open = m.open.iter().filter(|t| !t.closed).count() as u16;
                    b[8..10].copy_from_slice(&(m.geometry.max_open_tracks as u16).to_be_bytes());
                    b[10..12].copy_from_slice(&open.to_be_bytes());
                } else {
                    b[4..6].copy_from_slice(&1u16.to_be_bytes());
                    b[6..8].copy_from_slice(&1u16.to_be_bytes());
                }
                Ok(alloc(b, allocation))
            }
            _ => Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
        }
    }

    fn read_track_information(&self, cdb: &[u8]) -> CmdResult {
        let allocation = usize::from(be16(cdb, 7));
        let addr_type = cdb[1] & 0x03;
        let value = be32(cdb, 2);
        let ti = match &self.state.medium {
            Medium::Sequential(m) => m.read_track_info(addr_type, value, &self.rt.page05)?,
            Medium::Overwriteable(r) => r.read_track_info(addr_type, value)?,
        };
        Ok(alloc(ti.encode(), allocation))
    }

    fn read_toc(&self, cdb: &[u8]) -> CmdResult {
        let allocation = usize::from(be16(cdb, 7));
        let msf = cdb[1] & 0x02 != 0;
        let mut format = cdb[2] & 0x0F;
        if format == 0 && cdb[9] >> 6 != 0 {
            // SFF-8020 format field in the control byte (Linux sr sends 40h for session info).
            format = cdb[9] >> 6;
        }
        let track = cdb[6];
        let invalid = || Fail::from(SenseCode::INVALID_FIELD_IN_CDB);
        let cd = self.state.media.family() == Family::Cd;
        let reply = match &self.state.medium {
            Medium::Sequential(m) => {
                let tracks = m.toc_tracks();
                match format {
                    0 => {
                        let lead_out = m.last_session_end().ok_or_else(invalid)?;
                        toc_format0(&tracks, i64::from(lead_out), track, msf).ok_or_else(invalid)?
                    }
                    1 => {
                        let last = m.sessions.len();
                        let first = tracks
                            .iter()
                            .find(|t| usize::from(t.session) == last)
                            .ok_or_else(invalid)?;
                        toc_format1(last as u8, *first, msf)
                    }
                    2 if cd => m
                        .full_toc(self.state.media.is_rewritable())
                        .ok_or_else(invalid)?,
                    4 if cd => m.atip(self.state.media.is_rewritable()),
                    _ => return Err(invalid()),
                }
            }
            Medium::Overwriteable(r) => {
                if r.formatted_blocks == 0 {
                    return Err(invalid());
                }
                let t = TocTrack {
                    session: 1,
                    number: 1,
                    adr_control: 0x14,
                    start: 0,
                };
                match format {
                    0 => toc_format0(&[t], i64::from(r.formatted_blocks), track, msf)
                        .ok_or_else(invalid)?,
                    1 => toc_format1(1, t, msf),
                    _ => return Err(invalid()),
                }
            }
        };
        Ok(alloc(reply, allocation))
    }

    fn read_capacity(&self) -> CmdResult {
        let last = match &self.state.medium {
            Medium::Sequential(m) => m.read_capacity_last_lba(),
            Medium::Overwriteable(r) => r.read_capacity_last_lba(),
        };
        let mut b = vec![0u8; 8];
        put32(&mut b, 0, last);
        put32(&mut b, 4, SECTOR as u32);
        Ok(b)
    }

    fn read_format_capacities(&self, cdb: &[u8]) -> CmdResult {
        let allocation = usize::from(be16(cdb, 7));
        let descriptors = match &self.state.medium {
            Medium::Overwriteable(r) => r.format_capacities(),
            Medium::Sequential(m) => seq_format_capacities(m, self.state.media),
        };
        let mut b = vec![0u8; 4];
        b[3] = (descriptors.len() * 8) as u8;
        for d in descriptors {
            b.extend_from_slice(&d);
        }
        Ok(alloc(b, allocation))
    }

    // ---- data transfer -------------------------------------------------------------

    fn read(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        let (lba, n) = transfer(cdb);
        let want = n as usize * SECTOR;
        if want > MAX_TRANSFER {
            return Err(invalid_request(format!(
                "READ of {want} bytes exceeds {MAX_TRANSFER}"
            )));
        }
        match data {
            Data::In(buf) if buf.len() >= want => {}
            Data::None if n == 0 => {}
            _ => {
                return Err(invalid_request(format!(
                    "READ of {n} blocks needs a {want}-byte data-in buffer, got {}",
                    data.len()
                )));
            }
        }
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut out = vec![0u8; want];
        match &self.state.medium {
            Medium::Overwriteable(r) => {
                r.check_read(lba, n)?;
                self.read_image(lba, &mut out)?;
            }
            Medium::Sequential(m) => {
                if u64::from(lba) + u64::from(n) > u64::from(m.capacity) {
                    return Err(SenseCode::LBA_OUT_OF_RANGE.into());
                }
                if let Some(bad) = (lba..lba + n).find(|&b| !m.readable(b)) {
                    return Err(Sense {
                        code: SenseCode::LBA_OUT_OF_RANGE,
                        information: Some(bad),
                        progress: None,
                    }
                    .into());
                }
                if m.pow_map.is_empty() {
                    self.read_image(lba, &mut out)?;
                } else {
                    for (i, b) in (lba..lba + n).enumerate() {
                        let p = m.physical(b);
                        self.read_image(p, &mut out[i * SECTOR..(i + 1) * SECTOR])?;
                    }
                }
            }
        }
        Ok(out)
    }

    fn write(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        let (lba, n) = transfer(cdb);
        let want = n as usize * SECTOR;
        if want > MAX_TRANSFER {
            return Err(invalid_request(format!(
                "WRITE of {want} bytes exceeds {MAX_TRANSFER}"
            )));
        }
        let bytes: &[u8] = match data {
            Data::Out(b) if b.len() == want => b,
            Data::None if n == 0 => &[],
            _ => {
                return Err(invalid_request(format!(
                    "WRITE of {n} blocks needs exactly {want} data-out bytes, got {}",
                    data.len()
                )));
            }
        };
        if n == 0 {
            return Ok(Vec::new());
        }
        let written = self.rt.sectors_written;
        let cut = self
            .faults
            .power_cut_after_sectors
            .map(|limit| limit.saturating_sub(written));
        if cut == Some(0) {
            self.power_cut(false);
            return Err(Fail::Transport(self.lost()));
        }
        let cut = cut.filter(|&r| r < u64::from(n)).map(|r| r as u32);
        let fail = match (cut, self.faults.fail_after_sectors) {
            (None, Some(f)) if !self.rt.fail_fired => {
                let r = f.sectors.saturating_sub(written);
                (r < u64::from(n)).then_some((r as u32, f.sense))
            }
            _ => None,
        };
        if fail.is_some() {
            self.rt.fail_fired = true;
        }
        let strict = self.state.settings.strict_alignment;
        let fail_sense = |(part, code): (u32, SenseCode)| Sense {
            code,
            information: Some(lba.wrapping_add(part)),
            progress: None,
        };
        if matches!(self.state.medium, Medium::Sequential(_)) {
            self.begin_change()?;
        }
        match &self.state.medium {
            Medium::Overwriteable(r) => {
                r.check_write(lba, n, strict)?;
                let part = cut.or(fail.map(|f| f.0)).unwrap_or(n);
                self.write_image(lba, &bytes[..part as usize * SECTOR])?;
                self.rt.sectors_written += u64::from(part);
                if cut.is_some() {
                    self.power_cut(false);
                    return Err(Fail::Transport(self.lost()));
                }
                if let Some(f) = fail {
                    return Err(fail_sense(f).into());
                }
                Ok(Vec::new())
            }
            Medium::Sequential(m) => {
                let page = self.rt.page05.clone();
                let simulated =
                    page.test_write() && matches!(m.kind, SeqKind::Cd | SeqKind::DvdMinus);
                if simulated {
                    return Ok(Vec::new());
                }
                let logged = fail.map_or(n, |f| f.0);
                if logged == 0 {
                    return Err(fail_sense(fail.expect("fail")).into());
                }
                let plan = m.plan_write(lba, logged, &page, strict, true)?;
                let unit = m.geometry.write_unit;
                let old_physical: Vec<u32> = match &plan {
                    WritePlan::Pow { relocations, .. } => relocations
                        .iter()
                        .map(|(v, _)| m.physical(v * unit))
                        .collect(),
                    _ => Vec::new(),
                };
                if let WritePlan::Pow { relocations, .. } = &plan {
                    // Pseudo-overwrite (MMC-6 4.5.3.5): the replacement clusters are
                    // recorded at the NWA first, then the map is updated; a write cut
                    // short leaves the map, the track and the resources as they were,
                    // so READ still returns the previous data.
                    if cut.is_some() {
                        self.power_cut(false);
                        return Err(Fail::Transport(self.lost()));
                    }
                    for (j, (v, p)) in relocations.iter().enumerate() {
                        let mut cluster = vec![0u8; unit as usize * SECTOR];
                        self.read_image(old_physical[j], &mut cluster)?;
                        for k in 0..unit {
                            let b = v * unit + k;
                            if b >= lba && b < lba + n {
                                let src = (b - lba) as usize * SECTOR;
                                cluster[k as usize * SECTOR..(k as usize + 1) * SECTOR]
                                    .copy_from_slice(&bytes[src..src + SECTOR]);
                            }
                        }
                        self.write_image(p * unit, &cluster)?;
                    }
                    self.log_write(&plan, lba, logged, &page, fail.is_some())?;
                } else {
                    self.log_write(&plan, lba, logged, &page, fail.is_some())?;
                    let part = cut.unwrap_or(logged);
                    self.write_image(lba, &bytes[..part as usize * SECTOR])?;
                }
                self.rt.sectors_written += u64::from(cut.unwrap_or(logged));
                if cut.is_some() {
                    self.power_cut(false);
                    return Err(Fail::Transport(self.lost()));
                }
                if let Some(f) = fail {
                    return Err(fail_sense(f).into());
                }
                Ok(Vec::new())
            }
        }
    }

    /// Records a sequential WRITE before its data goes to the image: the first write
    /// after a clean point (and any write opening a track or failing) persists the state
    /// with the write applied and `dirty` set; later writes append to the WAL.
    fn log_write(
        &mut self,
        plan: &WritePlan,
        lba: u32,
        n: u32,
        page: &WriteParams,
        failed: bool,
    ) -> Result<(), Fail> {
        let needs_persist = plan.creates_track() || !self.state.journal.dirty || failed;
        if needs_persist {
            let mut next = self.state.clone();
            let Medium::Sequential(m) = &mut next.medium else {
                unreachable!("sequential write on a sequential medium")
            };
            let track = m.apply_write(plan, lba, n, page);
            if failed {
                m.mark_damaged(&[track]);
            }
            next.journal.dirty = true;
            if !next.journal.writing.contains(&track) {
                next.journal.writing.push(track);
            }
            next.journal.applied_seq = self.wal.last_seq;
            self.persist(&next)?;
            self.state = next;
            let name = self.name();
            self.wal
                .truncate()
                .map_err(|e| transport_io(&name, "truncate write-ahead log", e))?;
        } else {
            let name = self.name();
            self.wal
                .append(lba, n)
                .map_err(|e| transport_io(&name, "append write-ahead log", e))?;
            let Medium::Sequential(m) = &mut self.state.medium else {
                unreachable!("sequential write on a sequential medium")
            };
            let track = m.apply_write(plan, lba, n, page);
            if !self.state.journal.writing.contains(&track) {
                self.state.journal.writing.push(track);
            }
        }
        Ok(())
    }

    // ---- recording management ------------------------------------------------------

    fn synchronize_cache(&mut self, cdb: &[u8]) -> CmdResult {
        let immed = cdb[1] & 0x02 != 0;
        self.begin_change()?;
        if let Medium::Sequential(m) = &mut self.state.medium {
            let simulated =
                self.rt.page05.test_write() && matches!(m.kind, SeqKind::Cd | SeqKind::DvdMinus);
            if !simulated {
                m.sync();
            }
        }
        self.checkpoint()?;
        if immed {
            self.busy_after(SenseCode::LONG_WRITE_IN_PROGRESS);
        }
        Ok(Vec::new())
    }

    fn close_track_session(&mut self, cdb: &[u8]) -> CmdResult {
        let immed = cdb[1] & 0x01 != 0;
        let function = cdb[2] & 0x07;
        let track = u32::from(be16(cdb, 4));
        self.begin_change()?;
        let media = self.state.media;
        let page = self.rt.page05.clone();
        match &mut self.state.medium {
            Medium::Sequential(m) => {
                if page.test_write() && matches!(m.kind, SeqKind::Cd | SeqKind::DvdMinus) {
                    return Ok(Vec::new());
                }
                let honours_page05 = matches!(m.kind, SeqKind::Cd | SeqKind::DvdMinus);
                let ms = if honours_page05 {
                    page.multi_session()
                } else {
                    3
                };
                match (m.kind, function) {
                    (_, 0b001) => {
                        m.close_track(track)?;
                    }
                    (_, 0b010) => {
                        m.close_session(ms, honours_page05 && ms != 3)?;
                    }
                    (SeqKind::DvdPlus, 0b100) if media == MediaType::DvdPlusRDl => {
                        m.close_session(ms, false)?;
                    }
                    (SeqKind::DvdPlus, 0b101 | 0b110) | (SeqKind::Bdr, 0b110) => {
                        m.close_session(ms, true)?;
                    }
                    _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
                }
            }
            Medium::Overwriteable(r) => {
                r.close(function)?;
            }
        }
        self.checkpoint()?;
        if immed {
            self.busy_after(SenseCode::OPERATION_IN_PROGRESS);
        }
        Ok(Vec::new())
    }

    fn reserve_track(&mut self, cdb: &[u8]) -> CmdResult {
        if cdb[1] & 0x01 != 0 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let size = be32(cdb, 5);
        self.begin_change()?;
        let page = self.rt.page05.clone();
        match &mut self.state.medium {
            Medium::Sequential(m) => m.reserve_track(size, &page)?,
            Medium::Overwriteable(_) => return Err(SenseCode::COMMAND_SEQUENCE_ERROR.into()),
        }
        self.checkpoint()?;
        Ok(Vec::new())
    }

    fn format_unit(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        let fmt_data = cdb[1] & 0x10 != 0;
        if cdb[1] & 0x07 != 0b001 && fmt_data {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        let (immed, ftype, subtype, blocks, tdp) = if fmt_data {
            let params = match data {
                Data::Out(b) if b.len() >= 12 => *b,
                _ => {
                    return Err(invalid_request(format!(
                        "FORMAT UNIT with FmtData needs a 12-byte parameter list, got {} bytes",
                        data.len()
                    )));
                }
            };
            if be16(params, 2) != 8 {
                return Err(SenseCode::PARAMETER_LIST_LENGTH_ERROR.into());
            }
            let tdp = u32::from_be_bytes([0, params[9], params[10], params[11]]);
            (
                params[1] & 0x02 != 0,
                params[8] >> 2,
                params[8] & 0x03,
                be32(params, 4),
                tdp,
            )
        } else {
            let default = match self.state.media {
                MediaType::DvdPlusRw => 0x26,
                MediaType::DvdMinusRw => 0x10,
                _ => 0x00,
            };
            (false, default, 0, u32::MAX, 0)
        };
        self.begin_change()?;
        let media = self.state.media;
        let mut erase = false;
        let mut background = false;
        match &mut self.state.medium {
            Medium::Sequential(m) => match (m.kind, ftype) {
                (SeqKind::Bdr, 0x00 | 0x32) => {
                    if !m.is_blank() {
                        return Err(SenseCode::CANNOT_FORMAT_MEDIUM.into());
                    }
                    let pow = match subtype {
                        0b00 => true,
                        0b01 => false,
                        _ => return Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST.into()),
                    };
                    let raw = m.raw_capacity;
                    let spare = if ftype == 0x00 || blocks == 0 || blocks == u32::MAX {
                        bd_spare_for(raw)
                    } else {
                        if !blocks.is_multiple_of(32) || blocks >= raw || blocks < raw / 2 {
                            return Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST.into());
                        }
                        raw - blocks
                    };
                    m.format_bd(spare, pow);
                }
                (SeqKind::DvdMinus, 0x00 | 0x10 | 0x15) if media == MediaType::DvdMinusRw => {
                    let blocks = m.raw_capacity;
                    self.state.medium = Medium::Overwriteable(RandomMedium {
                        kind: RandomKind::DvdRwRestricted,
                        formatted_blocks: blocks,
                        default_blocks: blocks,
                        max_blocks: blocks,
                        bg_format: BgFormat::NotStarted,
                        intermediate: ftype == 0x15,
                    });
                    erase = true;
                }
                _ => return Err(SenseCode::CANNOT_FORMAT_MEDIUM.into()),
            },
            Medium::Overwriteable(r) => {
                r.format(ftype, blocks, tdp)?;
                background = r.kind == RandomKind::DvdPlusRw;
            }
        }
        self.checkpoint()?;
        if erase {
            self.erase_image()?;
        }
        if immed && !background {
            self.start_busy(
                SenseCode::FORMAT_IN_PROGRESS,
                self.state.settings.immed_busy_polls,
            );
        }
        Ok(Vec::new())
    }

    fn blank(&mut self, cdb: &[u8]) -> CmdResult {
        let immed = cdb[1] & 0x10 != 0;
        let blank_type = cdb[1] & 0x07;
        if !matches!(self.state.media, MediaType::CdRw | MediaType::DvdMinusRw) || blank_type > 1 {
            return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
        }
        self.begin_change()?;
        let media = self.state.media;
        match &mut self.state.medium {
            Medium::Sequential(m) => {
                m.reset();
                if m.kind == SeqKind::DvdMinus {
                    m.incremental_allowed = blank_type == 0;
                }
            }
            Medium::Overwriteable(r) => {
                let capacity = r.default_blocks;
                let geometry = Geometry::for_media(media).expect("DVD-RW has a geometry");
                let mut m = SeqMedium::blank(media, capacity, geometry);
                m.incremental_allowed = blank_type == 0;
                self.state.medium = Medium::Sequential(m);
            }
        }
        self.checkpoint()?;
        self.erase_image()?;
        if immed {
            self.start_busy(
                SenseCode::OPERATION_IN_PROGRESS,
                self.state.settings.immed_busy_polls,
            );
        }
        Ok(Vec::new())
    }

    fn erase_image(&mut self) -> Result<(), Fail> {
        let name = self.name();
        self.image
            .set_len(0)
            .and_then(|()| self.image.sync_all())
            .map_err(|e| transport_io(&name, "erase image", e))
    }
}

fn seq_format_capacities(m: &SeqMedium, media: MediaType) -> Vec<[u8; 8]> {
    let desc = |blocks: u32, b4: u8, tdp: u32| -> [u8; 8] {
        let mut d = [0u8; 8];
        d[0..4].copy_from_slice(&blocks.to_be_bytes());
        d[4] = b4;
        d[5..8].copy_from_slice(&tdp.to_be_bytes()[1..]);
        d
    };
    let free = m.capacity - m.geometry.run_out;
    let mut v = Vec::new();
    match m.kind {
        SeqKind::Bdr if m.is_blank() => {
            let raw = m.raw_capacity;
            let spare = bd_spare_for(raw);
            v.push(desc(raw, 0b01, 2048));
            v.push(desc(raw - spare, 0x00, spare / 32));
            v.push(desc(raw - spare, 0x32 << 2, spare / 32));
            if raw > 4 * spare {
                v.push(desc(raw - 2 * spare, 0x32 << 2, 2 * spare / 32));
            }
        }
        SeqKind::Bdr => v.push(desc(m.capacity, 0b10, 2048)),
        _ => {
            v.push(desc(free, if m.is_blank() { 0b01 } else { 0b11 }, 2048));
            if media == MediaType::DvdMinusRw {
                v.push(desc(m.raw_capacity, 0x10 << 2, 16));
                v.push(desc(m.raw_capacity, 0x15 << 2, 16));
            }
        }
    }
    v
}

/// (LBA, Transfer Length) of READ/WRITE (10) and (12).
/// The first `len` bytes of a data-out phase.
fn out_data<'a>(data: &'a Data<'_>, len: usize, what: &str) -> Result<&'a [u8], Fail> {
    match data {
        Data::Out(b) if b.len() >= len => Ok(&b[..len]),
        Data::None if len == 0 => Ok(&[]),
        _ => Err(invalid_request(format!(
            "{what} parameter list length {len} but the data-out phase has {} bytes",
            data.len()
        ))),
    }
}

fn is_known(opcode: u8) -> bool {
    matches!(
        opcode,
        op::TEST_UNIT_READY
            | op::REQUEST_SENSE
            | op::FORMAT_UNIT
            | op::INQUIRY
            | op::START_STOP_UNIT
            | op::PREVENT_ALLOW_MEDIUM_REMOVAL
            | op::READ_FORMAT_CAPACITIES
            | op::READ_CAPACITY
            | op::READ_10
            | op::WRITE_10
            | op::SYNCHRONIZE_CACHE
            | op::READ_TOC
            | op::GET_CONFIGURATION
            | op::GET_EVENT_STATUS_NOTIFICATION
            | op::READ_DISC_INFORMATION
            | op::READ_TRACK_INFORMATION
            | op::RESERVE_TRACK
            | op::SEND_OPC_INFORMATION
            | op::MODE_SELECT_10
            | op::MODE_SENSE_10
            | op::CLOSE_TRACK_SESSION
            | op::READ_BUFFER_CAPACITY
            | op::BLANK
            | op::READ_12
            | op::WRITE_12
            | op::GET_PERFORMANCE
            | op::READ_DISC_STRUCTURE
            | op::SET_STREAMING
            | op::SET_CD_SPEED
    )
}

/// Commands refused while a long operation runs (`mmc.md` §9.1).
fn is_media_access(opcode: u8) -> bool {
    matches!(
        opcode,
        op::TEST_UNIT_READY
            | op::READ_DISC_INFORMATION
            | op::READ_TRACK_INFORMATION
            | op::READ_TOC
            | op::READ_CAPACITY
            | op::READ_FORMAT_CAPACITIES
            | op::READ_10
            | op::READ_12
            | op::WRITE_10
            | op::WRITE_12
            | op::SYNCHRONIZE_CACHE
            | op::CLOSE_TRACK_SESSION
            | op::RESERVE_TRACK
            | op::FORMAT_UNIT
            | op::BLANK
            | op::SEND_OPC_INFORMATION
    )
}

fn is_write_class(opcode: u8) -> bool {
    matches!(
        opcode,
        op::WRITE_10
            | op::WRITE_12
            | op::CLOSE_TRACK_SESSION
            | op::RESERVE_TRACK
            | op::FORMAT_UNIT
            | op::BLANK
    )
}

/// Crash recovery at open: replays WRITEs logged after the last persisted state and
/// marks the tracks being written as damaged.
fn recover(paths: &DiscPaths, state: &mut DiscState, wal: &mut Wal) -> Result<(), EmuError> {
    let records = wal.records()?;
    let max_seq = records
        .iter()
        .map(|r| r.seq)
        .max()
        .unwrap_or(0)
        .max(state.journal.applied_seq);
    wal.last_seq = max_seq;
    if !state.journal.dirty {
        if !wal.is_empty() {
            wal.truncate()
                .map_err(|e| EmuError::io("truncate write-ahead log", &paths.wal, e))?;
        }
        return Ok(());
    }
    if !wal
        .lock_writer()
        .map_err(|e| EmuError::io("lock write-ahead log", &paths.wal, e))?
    {
        // Another handle is writing right now: its state is not a crash.
        return Ok(());
    }
    let mut touched = state.journal.writing.clone();
    let applied = state.journal.applied_seq;
    if let Medium::Sequential(m) = &mut state.medium {
        let page = WriteParams::default_for(Some(state.media));
        for r in records.iter().filter(|r| r.seq > applied) {
            match m.plan_write(r.lba, r.blocks, &page, false, false) {
                Ok(plan) if !plan.creates_track() => {
                    let t = m.apply_write(&plan, r.lba, r.blocks, &page);
                    touched.push(t);
                }
                _ => break,
            }
        }
        m.mark_damaged(&touched);
    }
    state.journal = Journal {
        dirty: false,
        writing: Vec::new(),
        applied_seq: max_seq,
    };
    write_state_atomic(&paths.state, state)?;
    wal.truncate()
        .map_err(|e| EmuError::io("truncate write-ahead log", &paths.wal, e))?;
    wal.unlock_writer()
        .map_err(|e| EmuError::io("unlock write-ahead log", &paths.wal, e))
}

impl Drop for EmulatedDrive {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl Transport for EmulatedDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        if self.rt.dead {
            return Err(self.lost());
        }
        check_cdb(cdb)?;
        check_direction(cdb[0], &data)?;
        if let Err(e) = self.refresh() {
            return finish(data, Err(e));
        }
        let opcode = cdb[0];
        let count = {
            let c = &mut self.rt.op_counts[usize::from(opcode)];
            *c += 1;
            *c
        };
        if let Some(m) = self.faults.power_cut_at_command
            && m.opcode == opcode
            && m.nth == count
        {
            self.power_cut(true);
            return Err(self.lost());
        }
        if let Some(f) = self
            .faults
            .sense
            .iter()
            .find(|f| f.opcode == opcode && f.nth.is_none_or(|n| n == count))
        {
            return finish(data, Err(f.sense.into()));
        }
        let result = self.dispatch(cdb, &data);
        finish(data, result)
    }

    fn max_transfer(&self) -> usize {
        MAX_TRANSFER
    }

    fn device_name(&self) -> String {
        self.name()
    }
}

/// Human-readable description of a disc state.
pub(crate) fn describe_state(path: &Path, s: &DiscState) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "disc:            {}", path.display());
    let _ = writeln!(
        o,
        "media:           {} (profile {:04X}h)",
        s.media,
        s.profile()
    );
    let _ = writeln!(
        o,
        "write protected: {}",
        if s.write_protected { "yes" } else { "no" }
    );
    let _ = writeln!(
        o,
        "tray:            {}",
        if s.tray_open {
            "open (no medium)"
        } else {
            "closed"
        }
    );
    match &s.medium {
        Medium::Sequential(m) => {
            let status = if m.finalized {
                "finalized (complete)"
            } else if m.is_blank() {
                "blank"
            } else if m.open.is_empty() {
                "appendable"
            } else {
                "appendable, session open (incomplete)"
            };
            let _ = writeln!(o, "status:          {status}");
            let _ = writeln!(
                o,
                "capacity:        {} sectors",
                m.capacity - m.geometry.run_out
            );
            if let Some(f) = &m.bd_format {
                let _ = writeln!(
                    o,
                    "formatted:       {} spare blocks{}",
                    f.spare_blocks,
                    if f.pow {
                        ", pseudo-overwrite (POW)"
                    } else {
                        ""
                    }
                );
                if f.pow {
                    let [r, e, u] = m.pow_resources();
                    let _ = writeln!(
                        o,
                        "POW resources:   {r} replacements, {e} map entries, {u} updates left; {} clusters remapped",
                        m.pow_map.len()
                    );
                }
            }
            for (i, sess) in m.sessions.iter().enumerate() {
                let _ = writeln!(o, "session {}:", i + 1);
                for t in &sess.tracks {
                    let _ = writeln!(
                        o,
                        "  track {:>3}: start {:>9}  size {:>9}",
                        t.number,
                        t.start,
                        m.track_size(t).unwrap_or(t.recorded)
                    );
                }
            }
            if !m.open.is_empty() {
                let _ = writeln!(o, "session {} (open):", m.sessions.len() + 1);
                for t in &m.open {
                    let mut flags = Vec::new();
                    if t.closed {
                        flags.push("closed".to_string());
                    }
                    if let Some(r) = t.reserved {
                        flags.push(format!("reserved {r}"));
                    }
                    if t.damaged {
                        flags.push("damaged".to_string());
                    }
                    let _ = writeln!(
                        o,
                        "  track {:>3}: start {:>9}  recorded {:>9}  {}",
                        t.number,
                        t.start,
                        t.recorded,
                        flags.join(", ")
                    );
                }
            }
            if let Some(inv) = m.invisible() {
                let _ = writeln!(o, "next writable:   {} (track {})", inv.start, inv.number);
            }
        }
        Medium::Overwriteable(r) => {
            let _ = writeln!(o, "status:          overwriteable");
            if r.formatted_blocks > 0 {
                let _ = writeln!(o, "formatted:       {} sectors", r.formatted_blocks);
            } else {
                let _ = writeln!(o, "formatted:       no (maximum {} sectors)", r.max_blocks);
            }
            if r.kind == RandomKind::DvdPlusRw {
                let _ = writeln!(o, "bg format:       {:?}", r.bg_format);
            }
        }
    }
    if !s.faults.is_empty() {
        let _ = writeln!(
            o,
            "faults:          {}",
            serde_json::to_string(&s.faults).unwrap_or_default()
        );
    }
    o
}
