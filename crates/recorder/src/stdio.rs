//! [`StdioDrive`]: a regular file or block device as random-writable media, the way
//! xorriso treats `stdio:` targets. The replies are built with the `discburn-mmc`
//! encoders, so the recorder and the data writer drive an image file through the same
//! CDBs, reply parsers and retry policy as a real drive.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, FileTypeExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use discburn_mmc::cdb::op;
use discburn_mmc::lock::{ExclusiveLock, LockError};
use discburn_mmc::reply::{
    BgFormatStatus, BufferCapacity, Configuration, DiscInformation, DiscStatus, FeatureDescriptor,
    FormatCapacities, FormatDescriptorType, InquiryData, MediaEventStatus, ModeSense,
    NominalPerformance, NominalPerformanceDescriptor, PERIPHERAL_DEVICE_TYPE_MMC,
    ProfileDescriptor, ReadCapacity, SessionInfo, SessionState, Toc, TocDescriptor,
    TrackInformation, WriteSpeedDescriptor,
};
use discburn_mmc::reply::{LEAD_OUT_TRACK, Msf};
use discburn_mmc::{
    Completion, Data, DataDirection, FeatureCode, Profile, Sense, SenseKey, Transport,
    TransportError,
};

use crate::backend::{BackendKind, RecorderTransport};
use crate::error::RecorderError;

/// Logical block size of a stdio target in bytes (MMC-6 4.1: 2048-byte user data).
const SECTOR: u64 = discburn_mmc::SECTOR_SIZE as u64;
/// Nominal speed reported for stdio targets (kB/s).
const STDIO_KBPS: u32 = 22_160;
/// Largest data phase accepted by one READ or WRITE, in bytes.
const MAX_TRANSFER: usize = 256 * 1024;
/// Drive buffer size reported by READ BUFFER CAPACITY, in bytes (always empty: writes
/// go straight to the file).
const BUFFER_BYTES: u32 = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Regular,
    Block,
    Missing,
}

/// A regular file or block device that is not an emulated disc, answering MMC commands
/// as random-writable media: profile 0002h (Removable Disk, IMAPI_MEDIA_TYPE_DISK),
/// feature 0020h Random Writable current, one session with one track starting at LBA 0,
/// no Next Writable Address.
///
/// Capacity, in 2048-byte sectors: a block device's size; a regular file's size plus
/// the free space of its file system (`statvfs`), or `max_capacity_sectors` when given.
/// A missing path is a blank growable file, created by the first WRITE. Writes go
/// anywhere inside the capacity (2048-byte granularity); reads beyond the end of a
/// regular file return zeros. READ DISC INFORMATION (MMC-6 6.22) reports Disc Status
/// 00b (empty) while the file is empty, else 10b (complete).
///
/// Exclusive access (IDiscRecorder2::AcquireExclusiveAccess) is an advisory lock on
/// `<PATH>.lock` holding the owner's client name, or on the device itself for a block
/// device.
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

/// Why a command did not complete with GOOD.
#[derive(Debug)]
enum Fail {
    /// CHECK CONDITION with this sense.
    Sense(Sense),
    /// The transport itself failed.
    Transport(TransportError),
}

impl From<Sense> for Fail {
    fn from(s: Sense) -> Self {
        Fail::Sense(s)
    }
}

/// Data-in bytes of a completed command (empty when there is no data phase).
type CmdResult = Result<Vec<u8>, Fail>;

/// The device name used in errors: the path as given.
fn device(path: &Path) -> String {
    path.display().to_string()
}

fn io_fail(path: &Path, op: &'static str, source: io::Error) -> Fail {
    Fail::Transport(TransportError::Io {
        op,
        device: format!("stdio:{}", path.display()),
        source,
    })
}

fn invalid_request(msg: String) -> Fail {
    Fail::Transport(TransportError::InvalidRequest(msg))
}

/// `path` with `suffix` appended to its file name (`disc.iso` → `disc.iso.lock`).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn lock_error(path: &Path, e: LockError) -> RecorderError {
    let device = device(path);
    match e {
        LockError::Locked { owner } => RecorderError::Locked {
            device,
            owner,
            pid: discburn_mmc::lock::lock_file_pid(&sibling(path, ".lock")),
        },
        LockError::Io { source, .. } => RecorderError::from_open(&device, source),
        other => RecorderError::Fail(format!("{device}: {other}")),
    }
}

/// Cuts a reply to the CDB's allocation length.
fn alloc(mut reply: Vec<u8>, allocation_length: usize) -> Vec<u8> {
    reply.truncate(allocation_length);
    reply
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// (Logical Block Address, Transfer Length) of a READ/WRITE (10) or (12) CDB: bytes
/// 2-5, and bytes 7-8 (10-byte CDBs, MMC-6 6.15) or 6-9 (12-byte CDBs, MMC-6 6.16).
fn transfer(cdb: &[u8]) -> (u32, u32) {
    let n = match cdb[0] {
        op::READ_10 | op::WRITE_10 => u32::from(be16(cdb, 7)),
        _ => be32(cdb, 6),
    };
    (be32(cdb, 2), n)
}

/// Checks the CDB length against its operation code group (SPC-4 4.2.5.1): 6 bytes for
/// group 0, 10 for groups 1-2, 16 for group 4, 12 for group 5.
fn check_cdb(cdb: &[u8]) -> Result<(), TransportError> {
    if cdb.len() < 6 || cdb.len() > 16 {
        return Err(TransportError::InvalidRequest(format!(
            "CDB of {} bytes (6 to 16 allowed)",
            cdb.len()
        )));
    }
    let need = match cdb[0] >> 5 {
        0 => Some(6),
        1 | 2 => Some(10),
        4 => Some(16),
        5 => Some(12),
        _ => None,
    };
    if let Some(n) = need
        && cdb.len() < n
    {
        return Err(TransportError::InvalidRequest(format!(
            "operation code {:02X}h needs a {n}-byte CDB, got {}",
            cdb[0],
            cdb.len()
        )));
    }
    Ok(())
}

/// Which data phase an operation code uses.
/// Rejects a data phase in the wrong direction for the operation code.
fn check_direction(opcode: u8, data: &Data<'_>) -> Result<(), TransportError> {
    // A command without data may still be given a data-in buffer (nothing is returned).
    let ok = matches!(
        (discburn_mmc::cdb::data_direction(opcode), data),
        (_, Data::None)
            | (DataDirection::FromDevice, Data::In(_))
            | (DataDirection::ToDevice, Data::Out(_))
            | (DataDirection::None, Data::In(_))
    );
    if ok {
        Ok(())
    } else {
        Err(TransportError::InvalidRequest(format!(
            "data phase {:?} does not fit operation code {:02X}h",
            data.direction(),
            opcode
        )))
    }
}

/// Turns a command result into a completion: data-in bytes are copied into the buffer
/// (never more than it holds) and the residual is what the buffer did not receive.
fn finish(mut data: Data<'_>, result: CmdResult) -> Result<Completion, TransportError> {
    match result {
        Ok(bytes) => Ok(Completion::good_with_data_in(&mut data, &bytes)),
        Err(Fail::Sense(s)) => {
            let mut c = Completion::check_condition(s.to_fixed().to_vec());
            if let Data::In(buf) = data {
                c.residual = buf.len() as u32;
            }
            Ok(c)
        }
        Err(Fail::Transport(e)) => Err(e),
    }
}

/// A 4-byte READ TOC address field (MMC-6 6.26.2.3): the LBA, or `00h M S F` when
/// `msf` (minutes saturate at 255).
fn toc_address(lba: u32, msf: bool) -> u32 {
    if !msf {
        return lba;
    }
    match i32::try_from(lba) {
        Ok(l) => Msf::from_lba(l).to_field(),
        Err(_) => {
            let frames = u64::from(lba) + 150;
            Msf::new(255, ((frames / 75) % 60) as u8, (frames % 75) as u8).to_field()
        }
    }
}

/// INQUIRY (SPC-4 6.6): standard data or the Vital Product Data pages 00h (supported
/// pages) and 80h (unit serial number).
fn inquiry(cdb: &[u8]) -> CmdResult {
    const SERIAL: &str = "STDIO";
    let evpd = cdb[1] & 1 != 0;
    let page = cdb[2];
    let allocation = usize::from(be16(cdb, 3));
    let reply = match (evpd, page) {
        (false, 0) => InquiryData {
            peripheral_qualifier: 0,
            peripheral_device_type: PERIPHERAL_DEVICE_TYPE_MMC,
            rmb: true,
            version: 0x05,
            vendor_identification: "DISCBURN".into(),
            product_identification: "STDIO TARGET".into(),
            product_revision_level: "0.1".into(),
        }
        .encode(),
        // SPC-4 7.8.13 Supported VPD Pages: 00h and 80h.
        (true, 0x00) => vec![PERIPHERAL_DEVICE_TYPE_MMC, 0x00, 0x00, 0x02, 0x00, 0x80],
        // SPC-4 7.8.15 Unit Serial Number.
        (true, 0x80) => {
            let mut b = vec![PERIPHERAL_DEVICE_TYPE_MMC, 0x80, 0x00, SERIAL.len() as u8];
            b.extend_from_slice(SERIAL.as_bytes());
            b
        }
        _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
    };
    Ok(alloc(reply, allocation))
}

/// GET CONFIGURATION (MMC-6 6.6): features 0000h Profile List (0002h only), 0001h Core
/// (ATAPI), 0003h Removable Medium and 0020h Random Writable, all current.
fn get_configuration(cdb: &[u8], last_lba: u32) -> CmdResult {
    let rt = cdb[1] & 0x03;
    let start = be16(cdb, 2);
    if rt == 3 {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let mut random_writable = Vec::with_capacity(12);
    random_writable.extend_from_slice(&last_lba.to_be_bytes());
    random_writable.extend_from_slice(&(SECTOR as u32).to_be_bytes());
    random_writable.extend_from_slice(&1u16.to_be_bytes()); // Blocking
    random_writable.extend_from_slice(&[0x01, 0]); // PP
    let all = [
        FeatureDescriptor::profile_list(&[ProfileDescriptor {
            profile: Profile::RemovableDisk,
            current_p: true,
        }]),
        FeatureDescriptor {
            code: FeatureCode::CORE,
            version: 2,
            persistent: true,
            current: true,
            // Physical Interface Standard 2 (ATAPI), DBE.
            data: vec![0, 0, 0, 2, 1, 0, 0, 0],
        },
        FeatureDescriptor {
            code: FeatureCode::REMOVABLE_MEDIUM,
            version: 2,
            persistent: true,
            current: true,
            // Loading Mechanism Type 001b (tray), Load, Eject, Lock.
            data: vec![0x20 | 0x10 | 0x08 | 0x01, 0, 0, 0],
        },
        FeatureDescriptor::new(FeatureCode::RANDOM_WRITABLE, true, random_writable),
    ];
    let features = all
        .into_iter()
        .filter(|f| match rt {
            0 => f.code.0 >= start,
            1 => f.code.0 >= start && f.current,
            _ => f.code.0 == start,
        })
        .collect();
    Ok(Configuration {
        data_length: 0,
        current_profile: Profile::RemovableDisk,
        features,
    }
    .encode())
}

/// GET EVENT STATUS NOTIFICATION, polled, media class (MMC-6 6.7): a medium is present,
/// no event.
fn event_status(cdb: &[u8]) -> CmdResult {
    if cdb[1] & 1 == 0 {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let allocation = usize::from(be16(cdb, 7));
    let media = cdb[4] & 0x10 != 0;
    let reply = MediaEventStatus {
        nea: !media,
        notification_class: if media { 4 } else { 0 },
        supported_event_classes: 0x10,
        media_event_code: 0,
        media_present: true,
        tray_open: false,
    }
    .encode();
    Ok(alloc(reply, allocation))
}

/// READ BUFFER CAPACITY (MMC-6 6.23): the buffer is always empty.
fn read_buffer_capacity(cdb: &[u8]) -> CmdResult {
    let block = cdb[1] & 1 != 0;
    let allocation = usize::from(be16(cdb, 7));
    let reply = if block {
        // Block = 1: byte 3 bit 0 Block, bytes 8-11 Available Length in blocks.
        let mut b = vec![0, 10, 0, 1, 0, 0, 0, 0];
        b.extend_from_slice(&(BUFFER_BYTES / SECTOR as u32).to_be_bytes());
        b
    } else {
        BufferCapacity {
            buffer_length: BUFFER_BYTES,
            available_length: BUFFER_BYTES,
        }
        .encode()
    };
    Ok(alloc(reply, allocation))
}

/// GET PERFORMANCE (MMC-6 6.8) Types 00h (nominal performance) and 03h (write speed
/// descriptors), one speed over the whole capacity.
fn get_performance(cdb: &[u8], last_lba: u32) -> CmdResult {
    let data_type = cdb[1];
    let max_descriptors = usize::from(be16(cdb, 8));
    match cdb[10] {
        0x03 => {
            // The header announces every descriptor; the list is cut to the maximum.
            let mut b = WriteSpeedDescriptor::encode_reply(&[WriteSpeedDescriptor {
                wrc: 0,
                rdd: false,
                exact: false,
                mrw: false,
                end_lba: last_lba,
                read_speed: STDIO_KBPS,
                write_speed: STDIO_KBPS,
            }]);
            b.truncate(8 + 16 * max_descriptors.min(1));
            Ok(b)
        }
        0x00 => {
            let except = data_type & 0x03;
            let descriptors = if except == 0 && max_descriptors > 0 {
                vec![NominalPerformanceDescriptor {
                    start_lba: 0,
                    start_performance: STDIO_KBPS,
                    end_lba: last_lba,
                    end_performance: STDIO_KBPS,
                }]
            } else {
                Vec::new()
            };
            Ok(NominalPerformance {
                write: data_type & 0x04 != 0,
                except: except != 0,
                descriptors,
            }
            .encode())
        }
        _ => Err(Sense::INVALID_FIELD_IN_CDB.into()),
    }
}

impl StdioDrive {
    /// Opens `path` as a stdio target: a regular file, a block device, or a path that
    /// does not exist yet. `max_capacity_sectors` caps the capacity (2048-byte sectors).
    ///
    /// # Errors
    /// [`RecorderError::Fail`] for a directory or other special file;
    /// [`RecorderError::DeviceNotExist`], [`RecorderError::AccessDenied`] ... when the
    /// file or device cannot be opened for reading (one that can be read but not
    /// written is opened read-only: WRITE then fails with 7/27/00 WRITE PROTECTED).
    pub fn open(path: &Path, max_capacity_sectors: Option<u32>) -> Result<Self, RecorderError> {
        let io_err = |e| RecorderError::from_open(&device(path), e);
        let mut read_only = false;
        let (target, file) = match std::fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Target::Missing, None),
            Err(e) => return Err(io_err(e)),
            Ok(md) => {
                let t = if md.is_file() {
                    Target::Regular
                } else if md.file_type().is_block_device() {
                    Target::Block
                } else {
                    return Err(RecorderError::Fail(format!(
                        "{}: {}: not a regular file or block device",
                        device(path),
                        path.display()
                    )));
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
                        File::open(path).map_err(|_| io_err(e))?
                    }
                    Err(e) => return Err(io_err(e)),
                };
                (t, Some(f))
            }
        };
        let lock = match (&file, target) {
            (Some(f), Target::Block) => ExclusiveLock::for_device(f.try_clone().map_err(io_err)?),
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
    /// [`RecorderError::Locked`] when held elsewhere; I/O errors as in
    /// [`StdioDrive::open`].
    pub fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        self.lock.lock(owner).map_err(|e| lock_error(&self.path, e))
    }

    /// Releases one [`lock_exclusive`](Self::lock_exclusive).
    ///
    /// # Errors
    /// [`RecorderError::Fail`] when this handle does not hold the lock; I/O errors.
    pub fn unlock(&mut self) -> Result<(), RecorderError> {
        self.lock.unlock().map_err(|e| lock_error(&self.path, e))
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

    /// Capacity in 2048-byte sectors.
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
            op::INQUIRY => inquiry(cdb),
            op::REQUEST_SENSE => Ok(alloc(
                Sense::new(SenseKey::NoSense, 0, 0).to_fixed().to_vec(),
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
                let reply = get_configuration(cdb, self.capacity()?.saturating_sub(1))?;
                Ok(alloc(reply, allocation))
            }
            op::GET_EVENT_STATUS_NOTIFICATION => event_status(cdb),
            op::READ_BUFFER_CAPACITY => read_buffer_capacity(cdb),
            op::GET_PERFORMANCE => get_performance(cdb, self.capacity()?.saturating_sub(1)),
            op::MODE_SENSE_10 => match cdb[2] & 0x3F {
                // All pages (3Fh): none; a stdio target has no mode pages.
                0x3F => Ok(alloc(ModeSense::encode(&[]), allocation)),
                _ => Err(Sense::INVALID_FIELD_IN_CDB.into()),
            },
            op::MODE_SELECT_10 => Err(Sense::INVALID_FIELD_IN_PARAMETER_LIST.into()),
            op::READ_DISC_INFORMATION => {
                if cdb[1] & 0x07 != 0 {
                    return Err(Sense::INVALID_FIELD_IN_CDB.into());
                }
                let di = DiscInformation {
                    disc_information_length: 32,
                    erasable: true,
                    state_of_last_session: SessionState::Complete,
                    disc_status: if self.size_bytes()? == 0 {
                        DiscStatus::Empty
                    } else {
                        DiscStatus::Complete
                    },
                    first_track_number: 1,
                    number_of_sessions: 1,
                    first_track_in_last_session: 1,
                    last_track_in_last_session: 1,
                    did_v: false,
                    dbc_v: false,
                    uru: false,
                    dac_v: false,
                    dbit: false,
                    bg_format_status: BgFormatStatus::NotFormatted,
                    disc_type: 0,
                    disc_identification: 0,
                    last_session_lead_in_start_address: u32::MAX,
                    last_possible_lead_out_start_address: u32::MAX,
                    disc_bar_code: [0; 8],
                    disc_application_code: 0,
                    opc_tables: Vec::new(),
                };
                Ok(alloc(di.encode(), allocation))
            }
            op::READ_TRACK_INFORMATION => {
                let capacity = self.capacity()?;
                let value = be32(cdb, 2);
                // Address/Number Type (MMC-6 6.27.2.2): 00b LBA, 01b track, 10b session.
                let ok = match cdb[1] & 0x03 {
                    0 => value < capacity.max(1),
                    1 | 2 => value == 1,
                    _ => false,
                };
                if !ok {
                    return Err(Sense::INVALID_FIELD_IN_CDB.into());
                }
                // Last Recorded Address (MMC-6 6.27.3.12, LRA_V): an image file's last
                // block (written or not: the file's length is all it records); a block
                // device cannot tell which blocks were written.
                let lra = match self.target {
                    Target::Block => None,
                    _ => self
                        .size_bytes()?
                        .div_ceil(SECTOR)
                        .checked_sub(1)
                        .map(|l| l.min(u64::from(capacity.saturating_sub(1))) as u32),
                };
                let ti = TrackInformation {
                    track_number: 1,
                    session_number: 1,
                    track_mode: 4,
                    data_mode: 1,
                    fixed_packet_size: 1,
                    track_size: capacity,
                    last_recorded_address: lra,
                    ..TrackInformation::empty()
                };
                Ok(alloc(ti.encode(), allocation))
            }
            op::READ_TOC_PMA_ATIP => {
                let msf = cdb[1] & 0x02 != 0;
                let mut format = cdb[2] & 0x0F;
                // SFF-8020 format field in the control byte (MMC-6 6.26.2.5).
                if format == 0 && cdb[9] >> 6 != 0 {
                    format = cdb[9] >> 6;
                }
                let reply = match format {
                    0 => {
                        let first_wanted = cdb[6];
                        if first_wanted != LEAD_OUT_TRACK && first_wanted > 1 {
                            return Err(Sense::INVALID_FIELD_IN_CDB.into());
                        }
                        let mut descriptors = Vec::with_capacity(2);
                        if first_wanted != LEAD_OUT_TRACK {
                            descriptors.push(TocDescriptor {
                                adr: 1,
                                control: 4,
                                track_number: 1,
                                track_start_address: toc_address(0, msf),
                            });
                        }
                        descriptors.push(TocDescriptor {
                            adr: 1,
                            control: 4,
                            track_number: LEAD_OUT_TRACK,
                            track_start_address: toc_address(self.capacity()?, msf),
                        });
                        Toc {
                            first_track_number: 1,
                            last_track_number: 1,
                            descriptors,
                        }
                        .encode()
                    }
                    1 => SessionInfo {
                        data_length: 10,
                        first_complete_session: 1,
                        last_complete_session: 1,
                        adr: 1,
                        control: 4,
                        first_track_in_last_session: 1,
                        start_address_of_first_track_in_last_session: toc_address(0, msf),
                    }
                    .encode(),
                    _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
                };
                Ok(alloc(reply, allocation))
            }
            op::READ_CAPACITY => Ok(ReadCapacity {
                last_lba: self.capacity()?.saturating_sub(1),
                block_length: SECTOR as u32,
            }
            .encode()),
            op::READ_FORMAT_CAPACITIES => {
                let reply = FormatCapacities {
                    current_number_of_blocks: self.capacity()?,
                    current_descriptor_type: FormatDescriptorType::Formatted,
                    current_block_length: SECTOR as u32,
                    descriptors: Vec::new(),
                }
                .encode();
                Ok(alloc(reply, allocation))
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
                Err(Sense::INVALID_FIELD_IN_CDB.into())
            }
            op::RESERVE_TRACK => Err(Sense::COMMAND_SEQUENCE_ERROR.into()),
            _ => Err(Sense::INVALID_COMMAND_OPERATION_CODE.into()),
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
            return Err(Sense::LBA_OUT_OF_RANGE.into());
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
            return Err(Sense::WRITE_PROTECTED.into());
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
            return Err(Sense::LBA_OUT_OF_RANGE.into());
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
        let file = self.file.as_ref().expect("file");
        file.write_all_at(bytes, u64::from(lba) * SECTOR)
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
        format!("stdio:{}", self.path.display())
    }
}

impl RecorderTransport for StdioDrive {
    fn kind(&self) -> BackendKind {
        BackendKind::Stdio
    }

    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        StdioDrive::lock_exclusive(self, owner)
    }

    fn unlock(&mut self) -> Result<(), RecorderError> {
        StdioDrive::unlock(self)
    }

    fn lock_owner(&mut self) -> Option<String> {
        discburn_mmc::lock::lock_file_owner(&sibling(&self.path, ".lock"))
    }
}
