//! [`StdioDrive`]: a regular file or block device as overwriteable media, the way
//! xorriso treats `stdio:` targets.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use discburn_mmc::{Completion, Data, Transport, TransportError};

use crate::cdb::{be16, op, put32, transfer};
use crate::common::{
    self, CmdResult, Fail, alloc, check_cdb, check_direction, finish, invalid_request,
};
use crate::drive::MAX_TRANSFER;
use crate::error::EmuError;
use crate::features::{FeatureCtx, get_configuration};
use crate::lock::ExclusiveLock;
use crate::reply::{DiscInfo, TocTrack, TrackInfo, toc_format0, toc_format1};
use crate::sense::{Sense, SenseCode};
use crate::state::sibling;

const SECTOR: u64 = 2048;
/// Nominal speed reported for stdio targets (kB/s).
const STDIO_KBPS: u32 = 22_160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Regular,
    Block,
    Missing,
}

/// A regular file or block device that is not an emulated disc, answering MMC commands
/// as random-writable media: profile 0002h (Removable Disk, IMAPI_MEDIA_TYPE_DISK),
/// feature 0020h current, one session with one track starting at LBA 0, no NWA.
///
/// Capacity: a block device's size; a regular file's size plus the free space of its
/// file system (rustix `statvfs`), or `max_capacity_sectors` when given. A missing path
/// is a blank growable file, created by the first WRITE. Writes go anywhere inside the
/// capacity (2048-byte granularity); reads beyond the end of a regular file return
/// zeros. READ DISC INFORMATION reports Disc Status 00b (empty) while the file is empty,
/// else 10b.
#[derive(Debug)]
pub struct StdioDrive {
    path: PathBuf,
    file: Option<File>,
    target: Target,
    max: Option<u32>,
    lock: ExclusiveLock,
    /// Opened read-only (the file or device is readable but not writable).
    read_only: bool,
}

fn io_fail(path: &Path, op: &'static str, source: io::Error) -> Fail {
    Fail::Transport(TransportError::Io {
        op,
        device: format!("stdio:{}", path.display()),
        source,
    })
}

impl StdioDrive {
    /// Opens `path` as a stdio target.
    ///
    /// # Errors
    /// [`EmuError::NotStdioTarget`] for a directory or other special file;
    /// [`EmuError::Io`] when the file or device cannot be opened for reading (one that
    /// can be read but not written is opened read-only: WRITE fails with 7/27/00).
    pub fn open(path: &Path, max_capacity_sectors: Option<u32>) -> Result<Self, EmuError> {
        let mut read_only = false;
        let (target, file) = match std::fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Target::Missing, None),
            Err(e) => return Err(EmuError::io("stat", path, e)),
            Ok(md) => {
                let t = if md.is_file() {
                    Target::Regular
                } else if md.file_type().is_block_device() {
                    Target::Block
                } else {
                    return Err(EmuError::NotStdioTarget {
                        path: path.to_path_buf(),
                    });
                };
                let f = match OpenOptions::new().read(true).write(true).open(path) {
                    Ok(f) => f,
                    // Readable but not writable (file mode, read-only mount): opened
                    // read-only; WRITE then fails with 7/27/00 WRITE PROTECTED.
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                        ) =>
                    {
                        read_only = true;
                        File::open(path).map_err(|_| EmuError::io("open", path, e))?
                    }
                    Err(e) => return Err(EmuError::io("open", path, e)),
                };
                (t, Some(f))
            }
        };
        let lock = match (&file, target) {
            (Some(f), Target::Block) => {
                ExclusiveLock::for_device(f.try_clone().map_err(|e| EmuError::io("dup", path, e))?)
            }
            _ => ExclusiveLock::new(&sibling(path, ".lock")),
        };
        Ok(StdioDrive {
            path: path.to_path_buf(),
            file,
            target,
            max: max_capacity_sectors,
            lock,
            read_only,
        })
    }

    /// Takes exclusive access for client `owner`: an advisory lock on `<PATH>.lock` (a
    /// regular file) or on the device itself (a block device, whose owner name cannot be
    /// stored).
    ///
    /// # Errors
    /// [`EmuError::Locked`] when held elsewhere; [`EmuError::Io`].
    pub fn lock_exclusive(&mut self, owner: &str) -> Result<(), EmuError> {
        self.lock.lock(owner)
    }

    /// Releases one [`lock_exclusive`](Self::lock_exclusive).
    ///
    /// # Errors
    /// [`EmuError::NotLocked`]; [`EmuError::Io`].
    pub fn unlock(&mut self) -> Result<(), EmuError> {
        self.lock.unlock()
    }

    fn name(&self) -> String {
        format!("stdio:{}", self.path.display())
    }

    fn size_bytes(&self) -> Result<u64, Fail> {
        match (&self.file, self.target) {
            (None, _) => Ok(0),
            (Some(f), Target::Block) => {
                let mut f = f;
                f.seek(SeekFrom::End(0))
                    .map_err(|e| io_fail(&self.path, "size of block device", e))
            }
            (Some(f), _) => f
                .metadata()
                .map(|m| m.len())
                .map_err(|e| io_fail(&self.path, "stat", e)),
        }
    }

    /// Capacity in sectors.
    fn capacity(&self) -> Result<u32, Fail> {
        let size = self.size_bytes()?;
        let sectors = match self.target {
            Target::Block => size / SECTOR,
            _ => match self.max {
                Some(m) => return Ok(m),
                None => {
                    let dir = match self.path.parent() {
                        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                        _ => PathBuf::from("."),
                    };
                    let vfs = rustix::fs::statvfs(&dir)
                        .map_err(|e| io_fail(&dir, "statvfs", io::Error::from(e)))?;
                    let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
                    (size + free) / SECTOR
                }
            },
        };
        let sectors = sectors.min(u64::from(u32::MAX - 1)) as u32;
        Ok(self.max.map_or(sectors, |m| m.min(sectors)))
    }

    fn dispatch(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        // 6-byte CDBs (TEST UNIT READY, REQUEST SENSE ...) have no bytes 7-8.
        let allocation = if cdb.len() >= 9 {
            usize::from(be16(cdb, 7))
        } else {
            0
        };
        match cdb[0] {
            op::INQUIRY => common::inquiry(cdb, "STDIO TARGET", "STDIO"),
            op::REQUEST_SENSE => Ok(alloc(
                Sense::from(SenseCode::NO_SENSE).to_fixed(),
                usize::from(cdb[4]),
            )),
            op::TEST_UNIT_READY
            | op::PREVENT_ALLOW_MEDIUM_REMOVAL
            | op::START_STOP_UNIT
            | op::SET_CD_SPEED
            | op::SET_STREAMING
            | op::SEND_OPC_INFORMATION
            | op::FORMAT_UNIT => Ok(Vec::new()),
            op::GET_CONFIGURATION => {
                let ctx = FeatureCtx {
                    profile: 0x0002,
                    last_lba: self.capacity()?.saturating_sub(1),
                    stdio: true,
                    ..FeatureCtx::default()
                };
                get_configuration(&ctx, cdb)
                    .map(|r| alloc(r, allocation))
                    .ok_or_else(|| SenseCode::INVALID_FIELD_IN_CDB.into())
            }
            op::GET_EVENT_STATUS_NOTIFICATION => common::event_status(cdb, true, false, 0),
            op::READ_BUFFER_CAPACITY => common::read_buffer_capacity(cdb),
            op::GET_PERFORMANCE => common::get_performance(
                cdb,
                self.capacity()?.saturating_sub(1),
                STDIO_KBPS,
                &[STDIO_KBPS],
            ),
            op::MODE_SENSE_10 => match cdb[2] & 0x3F {
                0x3F => Ok(common::mode_sense_reply(&[], allocation)),
                _ => Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
            },
            op::MODE_SELECT_10 => Err(SenseCode::INVALID_FIELD_IN_PARAMETER_LIST.into()),
            op::READ_DISC_INFORMATION => {
                if cdb[1] & 0x07 != 0 {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let di = DiscInfo {
                    erasable: true,
                    last_session_state: 3,
                    disc_status: if self.size_bytes()? == 0 { 0 } else { 2 },
                    sessions: 1,
                    first_track_last_session: 1,
                    last_track_last_session: 1,
                    lead_in: [0xFF; 4],
                    lead_out: [0xFF; 4],
                    ..DiscInfo::default()
                };
                Ok(alloc(di.encode(), allocation))
            }
            op::READ_TRACK_INFORMATION => {
                let capacity = self.capacity()?;
                let value = crate::cdb::be32(cdb, 2);
                let ok = match cdb[1] & 0x03 {
                    0 => value < capacity.max(1),
                    1 | 2 => value == 1,
                    _ => false,
                };
                if !ok {
                    return Err(SenseCode::INVALID_FIELD_IN_CDB.into());
                }
                let ti = TrackInfo {
                    number: 1,
                    session: 1,
                    track_mode: 4,
                    data_mode: 1,
                    blocking_factor: 1,
                    size: capacity,
                    ..TrackInfo::default()
                };
                Ok(alloc(ti.encode(), allocation))
            }
            op::READ_TOC => {
                let msf = cdb[1] & 0x02 != 0;
                let mut format = cdb[2] & 0x0F;
                if format == 0 && cdb[9] >> 6 != 0 {
                    format = cdb[9] >> 6;
                }
                let t = TocTrack {
                    session: 1,
                    number: 1,
                    adr_control: 0x14,
                    start: 0,
                };
                let reply = match format {
                    0 => toc_format0(&[t], i64::from(self.capacity()?), cdb[6], msf)
                        .ok_or(SenseCode::INVALID_FIELD_IN_CDB)?,
                    1 => toc_format1(1, t, msf),
                    _ => return Err(SenseCode::INVALID_FIELD_IN_CDB.into()),
                };
                Ok(alloc(reply, allocation))
            }
            op::READ_CAPACITY => {
                let mut b = vec![0u8; 8];
                put32(&mut b, 0, self.capacity()?.saturating_sub(1));
                put32(&mut b, 4, SECTOR as u32);
                Ok(b)
            }
            op::READ_FORMAT_CAPACITIES => {
                let mut b = vec![0, 0, 0, 8];
                b.extend_from_slice(&self.capacity()?.to_be_bytes());
                b.extend_from_slice(&[0b10, 0, 0x08, 0]);
                Ok(alloc(b, allocation))
            }
            op::SYNCHRONIZE_CACHE => {
                if let Some(f) = &self.file {
                    f.sync_data().map_err(|e| io_fail(&self.path, "sync", e))?;
                }
                Ok(Vec::new())
            }
            op::READ_10 | op::READ_12 => self.read(cdb, data),
            op::WRITE_10 | op::WRITE_12 => self.write(cdb, data),
            op::CLOSE_TRACK_SESSION | op::BLANK | op::READ_DISC_STRUCTURE => {
                Err(SenseCode::INVALID_FIELD_IN_CDB.into())
            }
            op::RESERVE_TRACK => Err(SenseCode::COMMAND_SEQUENCE_ERROR.into()),
            _ => Err(SenseCode::INVALID_COMMAND_OPERATION_CODE.into()),
        }
    }

    fn read(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        let (lba, n) = transfer(cdb);
        let want = n as usize * SECTOR as usize;
        if want > MAX_TRANSFER || !matches!(data, Data::In(b) if b.len() >= want) && n != 0 {
            return Err(invalid_request(format!(
                "READ of {n} blocks needs a {want}-byte data-in buffer (at most {MAX_TRANSFER}), got {}",
                data.len()
            )));
        }
        // The capacity of a regular file includes the free space of its file system,
        // which other writers shrink at any time; blocks past the end of the file read
        // as zeros whatever the capacity is now.
        let past_eof =
            self.target != Target::Block && u64::from(lba) * SECTOR >= self.size_bytes()?;
        if u64::from(lba) + u64::from(n) > u64::from(self.capacity()?) && !past_eof {
            return Err(SenseCode::LBA_OUT_OF_RANGE.into());
        }
        let mut out = vec![0u8; want];
        if let Some(f) = &self.file {
            let mut done = 0;
            let offset = u64::from(lba) * SECTOR;
            while done < want {
                match f.read_at(&mut out[done..], offset + done as u64) {
                    Ok(0) => break,
                    Ok(k) => done += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io_fail(&self.path, "read", e)),
                }
            }
        }
        Ok(out)
    }

    fn write(&mut self, cdb: &[u8], data: &Data<'_>) -> CmdResult {
        if self.read_only {
            return Err(SenseCode::WRITE_PROTECTED.into());
        }
        let (lba, n) = transfer(cdb);
        let want = n as usize * SECTOR as usize;
        let bytes: &[u8] = match data {
            Data::Out(b) if b.len() == want && want <= MAX_TRANSFER => b,
            Data::None if n == 0 => &[],
            _ => {
                return Err(invalid_request(format!(
                    "WRITE of {n} blocks needs exactly {want} data-out bytes (at most {MAX_TRANSFER}), got {}",
                    data.len()
                )));
            }
        };
        if n == 0 {
            return Ok(Vec::new());
        }
        if u64::from(lba) + u64::from(n) > u64::from(self.capacity()?) {
            return Err(SenseCode::LBA_OUT_OF_RANGE.into());
        }
        if self.file.is_none() {
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&self.path)
                .map_err(|e| io_fail(&self.path, "create", e))?;
            self.file = Some(f);
            self.target = Target::Regular;
        }
        let f = self.file.as_ref().expect("file");
        f.write_all_at(bytes, u64::from(lba) * SECTOR)
            .map_err(|e| io_fail(&self.path, "write", e))?;
        Ok(Vec::new())
    }
}

impl Transport for StdioDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        check_cdb(cdb)?;
        check_direction(cdb[0], &data)?;
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
