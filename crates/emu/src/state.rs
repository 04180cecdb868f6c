//! The persisted disc: file names, the JSON state, the write-ahead log, creation.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::EmuError;
use crate::faults::FaultPlan;
use crate::media::MediaType;
use crate::random::{BgFormat, RandomKind, RandomMedium};
use crate::seq::{Geometry, SeqMedium};

pub(crate) const STATE_FORMAT: &str = "discburn-emu-disc";
pub(crate) const STATE_VERSION: u32 = 1;

/// The files of one emulated disc.
#[derive(Debug, Clone)]
pub(crate) struct DiscPaths {
    pub image: PathBuf,
    pub state: PathBuf,
    pub wal: PathBuf,
    pub lock: PathBuf,
}

pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

impl DiscPaths {
    pub fn new(image: &Path) -> Self {
        DiscPaths {
            image: image.to_path_buf(),
            state: sibling(image, ".state.json"),
            wal: sibling(image, ".wal"),
            lock: sibling(image, ".lock"),
        }
    }
}

/// Behaviour of the emulated drive (not of the medium), kept with the disc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DriveSettings {
    /// How many polls an Immed CLOSE / SYNC / BLANK / FORMAT keeps the drive busy
    /// (`mmc.md` §9.1): commands that touch the medium fail with 2/04/07 (2/04/04 for
    /// FORMAT, 2/04/08 for SYNCHRONIZE CACHE) until that many have been refused.
    pub immed_busy_polls: u32,
    /// TEST UNIT READY answers GOOD while busy (Pioneer R8/R11 style) instead of
    /// 2/04/07, so that hosts must poll READ DISC INFORMATION too (`mmc.md` §7.3).
    pub tur_good_while_busy: bool,
    /// Reject DVD/BD writes whose LBA or length is not a multiple of the write unit
    /// (5/21/02) instead of padding at SYNCHRONIZE CACHE.
    pub strict_alignment: bool,
}

impl Default for DriveSettings {
    fn default() -> Self {
        DriveSettings {
            immed_busy_polls: 1,
            tur_good_while_busy: false,
            strict_alignment: false,
        }
    }
}

/// The medium by class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "kebab-case")]
pub(crate) enum Medium {
    Sequential(SeqMedium),
    Overwriteable(RandomMedium),
}

/// Crash-recovery bookkeeping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Journal {
    /// Writes have been accepted since the last clean point (SYNCHRONIZE CACHE, CLOSE,
    /// clean shutdown); the WAL may hold more of them.
    pub dirty: bool,
    /// Tracks written since the last clean point (marked damaged after a crash).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writing: Vec<u32>,
    /// Highest WAL sequence number already contained in this state.
    pub applied_seq: u64,
}

/// Everything in `<PATH>.state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DiscState {
    pub format: String,
    pub version: u32,
    pub media: MediaType,
    pub write_protected: bool,
    pub tray_open: bool,
    pub settings: DriveSettings,
    pub medium: Medium,
    #[serde(default)]
    pub faults: FaultPlan,
    #[serde(default)]
    pub journal: Journal,
}

impl DiscState {
    /// The current MMC profile (0000h with the tray open).
    pub fn profile(&self) -> u16 {
        if self.tray_open {
            return 0;
        }
        match &self.medium {
            Medium::Overwriteable(r) if r.kind == RandomKind::DvdRwRestricted => 0x0013,
            _ => self.media.profile(),
        }
    }
}

/// Options for [`create_disc_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DiscOptions {
    /// The medium.
    pub media: MediaType,
    /// Capacity in sectors (see [`MediaType::default_capacity_sectors`] for the meaning
    /// per media type); the default when `None`.
    pub capacity_sectors: Option<u32>,
    /// Overwriteable media only: start formatted (DVD+RW: background format complete;
    /// BD-RE: default spare areas). Fresh DVD+RW and BD-RE are unformatted; DVD-RAM is
    /// always formatted.
    pub formatted: bool,
    /// The medium is write-protected: write-class commands fail with 7/27/00.
    pub write_protected: bool,
    /// Drive behaviour.
    pub settings: DriveSettings,
    /// Sequential media only: layout numbers (defaults from [`Geometry::for_media`]).
    pub geometry: Option<Geometry>,
    /// BD-R only: start formatted SRM+POW with the default spare areas, as FORMAT UNIT
    /// type 00h sub-type 00b leaves a blank BD-R (MMC-6 4.5.3.5): feature 0038h current.
    pub pow: bool,
    /// BD-R POW: the remaining replacements, map entries and updates to start with
    /// (READ DISC INFORMATION data type 010b, MMC-6 6.22); defaults from the spare
    /// area when `None`.
    pub pow_resources: Option<[u32; 3]>,
}

impl DiscOptions {
    /// Defaults for `media`.
    pub fn new(media: MediaType) -> Self {
        DiscOptions {
            media,
            capacity_sectors: None,
            formatted: false,
            write_protected: false,
            settings: DriveSettings::default(),
            geometry: None,
            pow: false,
            pow_resources: None,
        }
    }
}

/// BD spare area in clusters for `raw_clusters` (the default format keeps 12288 of
/// 381856 clusters as spares: ISA0 4096 + OSA 8192, `mmc.md` §6.4).
pub(crate) fn bd_default_spare_blocks(raw_blocks: u32) -> u32 {
    let raw_clusters = u64::from(raw_blocks / 32);
    (raw_clusters * 12_288 / 381_856) as u32 * 32
}

fn build_state(opts: &DiscOptions) -> Result<DiscState, EmuError> {
    let media = opts.media;
    let capacity = opts
        .capacity_sectors
        .unwrap_or(media.default_capacity_sectors());
    let unit = media.write_unit();
    let invalid = |reason| EmuError::InvalidCapacity {
        media,
        capacity,
        reason,
    };
    if capacity < 1024 {
        return Err(invalid("at least 1024 sectors"));
    }
    if capacity > 0x7FFF_0000 {
        return Err(invalid("too large"));
    }
    if !capacity.is_multiple_of(unit) {
        return Err(invalid(
            "must be a multiple of the write unit (DVD 16, BD 32)",
        ));
    }
    let medium = match media {
        MediaType::DvdPlusRw | MediaType::DvdRam | MediaType::BdRe => {
            let (kind, max) = match media {
                MediaType::DvdPlusRw => (RandomKind::DvdPlusRw, capacity),
                MediaType::DvdRam => (RandomKind::DvdRam, capacity),
                _ => {
                    // capacity is the default-spare format; the maximum adds the spares.
                    let spare = (u64::from(capacity / 32) * 12_288 / 369_568) as u32 * 32;
                    (RandomKind::BdRe, capacity + spare)
                }
            };
            let formatted = opts.formatted || media == MediaType::DvdRam;
            Medium::Overwriteable(RandomMedium {
                kind,
                formatted_blocks: if formatted { capacity } else { 0 },
                default_blocks: capacity,
                max_blocks: max,
                bg_format: if formatted && media == MediaType::DvdPlusRw {
                    BgFormat::Complete
                } else {
                    BgFormat::NotStarted
                },
                intermediate: false,
            })
        }
        _ => {
            let geometry = match &opts.geometry {
                Some(g) => g.clone(),
                None => Geometry::for_media(media).expect("sequential media have a geometry"),
            };
            let mut m = SeqMedium::blank(media, capacity, geometry);
            if opts.pow || opts.pow_resources.is_some() {
                if media != MediaType::BdR {
                    return Err(invalid("pseudo-overwrite (POW) is a format of BD-R only"));
                }
                m.format_bd(bd_default_spare_blocks(m.raw_capacity), true);
                if let Some([r, e, u]) = opts.pow_resources {
                    m.pow_remaining = r;
                    m.pow_map_entries = e;
                    m.pow_updates = u;
                }
            }
            Medium::Sequential(m)
        }
    };
    Ok(DiscState {
        format: STATE_FORMAT.to_string(),
        version: STATE_VERSION,
        media,
        write_protected: opts.write_protected,
        tray_open: false,
        settings: opts.settings.clone(),
        medium,
        faults: FaultPlan::default(),
        journal: Journal::default(),
    })
}

/// Creates a blank emulated disc: the empty sparse image at `path`, then
/// `<path>.state.json`. Refuses to overwrite either file.
///
/// # Errors
/// [`EmuError::AlreadyExists`] when `path` or its state file exists;
/// [`EmuError::InvalidCapacity`] for a capacity below 1024 sectors or not a multiple of
/// the write unit; [`EmuError::Io`] when a file cannot be created or written.
pub fn create_disc_with(path: &Path, opts: &DiscOptions) -> Result<(), EmuError> {
    let paths = DiscPaths::new(path);
    let state = build_state(opts)?;
    if paths.state.exists() {
        return Err(EmuError::AlreadyExists { path: paths.state });
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&paths.image)
    {
        Ok(f) => f
            .sync_all()
            .map_err(|e| EmuError::io("sync image", &paths.image, e))?,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(EmuError::AlreadyExists { path: paths.image });
        }
        Err(e) => return Err(EmuError::io("create image", &paths.image, e)),
    }
    write_state_atomic(&paths.state, &state)
}

/// Creates a blank emulated disc with default options; see [`create_disc_with`].
///
/// # Errors
/// As [`create_disc_with`].
pub fn create_disc(
    path: &Path,
    media: MediaType,
    capacity_sectors: Option<u32>,
) -> Result<(), EmuError> {
    let mut opts = DiscOptions::new(media);
    opts.capacity_sectors = capacity_sectors;
    create_disc_with(path, &opts)
}

/// True when `path` is an emulated disc made by [`create_disc`]: its state file exists
/// and parses.
pub fn is_emulated_disc(path: &Path) -> bool {
    read_state(&DiscPaths::new(path)).is_ok()
}

/// What is wrong with `path` when it is the remains of an emulated disc that cannot be
/// opened: its state file exists but does not parse or validate (truncated, garbled,
/// unreadable), or it is missing while the disc's write-ahead log `<path>.wal` (created
/// when the disc is first opened) is still there. `None` for an intact emulated disc and
/// for a path with neither file (a plain image file or block device).
///
/// Callers that would otherwise open `path` as a plain image file must refuse it: the
/// image holds the disc's sessions at their media addresses, and an image head written
/// over it would destroy them.
pub fn emulated_disc_damage(path: &Path) -> Option<EmuError> {
    let paths = DiscPaths::new(path);
    let damaged = |reason: String| EmuError::DamagedDisc {
        path: paths.image.clone(),
        state: paths.state.clone(),
        wal: paths.wal.clone(),
        reason,
    };
    match read_state(&paths) {
        Ok(_) => None,
        Err(EmuError::NotEmulatedDisc { .. }) => match std::fs::symlink_metadata(&paths.wal) {
            Ok(_) => Some(damaged(format!(
                "is missing (its write-ahead log {} is there)",
                paths.wal.display()
            ))),
            Err(_) => None,
        },
        Err(EmuError::BadState { reason, .. }) => Some(damaged(format!("is damaged ({reason})"))),
        Err(e) => Some(damaged(format!("is damaged or unreadable ({e})"))),
    }
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes the state crash-safely: a temporary file in the same directory, fsync, rename
/// over the old state, fsync of the directory.
pub(crate) fn write_state_atomic(path: &Path, state: &DiscState) -> Result<(), EmuError> {
    let dir = dir_of(path);
    let io_err = |op, e| EmuError::io(op, path, e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".discburn-state")
        .tempfile_in(&dir)
        .map_err(|e| io_err("create temporary state", e))?;
    let mut text = serde_json::to_vec_pretty(state)
        .map_err(|e| io_err("encode state", io::Error::other(e)))?;
    text.push(b'\n');
    tmp.write_all(&text).map_err(|e| io_err("write state", e))?;
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| io_err("set state permissions", e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| io_err("sync state", e))?;
    tmp.persist(path)
        .map_err(|e| io_err("rename state", e.error))?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| EmuError::io("sync directory", &dir, e))?;
    Ok(())
}

pub(crate) fn read_state(paths: &DiscPaths) -> Result<DiscState, EmuError> {
    let mut text = String::new();
    match File::open(&paths.state) {
        Ok(mut f) => {
            f.read_to_string(&mut text)
                .map_err(|e| EmuError::io("read state", &paths.state, e))?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(EmuError::NotEmulatedDisc {
                path: paths.image.clone(),
                state: paths.state.clone(),
            });
        }
        Err(e) => return Err(EmuError::io("open state", &paths.state, e)),
    }
    let bad = |reason: String| EmuError::BadState {
        path: paths.state.clone(),
        reason,
    };
    let state: DiscState = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if state.format != STATE_FORMAT {
        return Err(bad(format!(
            "format is {:?}, expected {STATE_FORMAT:?}",
            state.format
        )));
    }
    if state.version != STATE_VERSION {
        return Err(bad(format!(
            "version {} (this build reads {STATE_VERSION})",
            state.version
        )));
    }
    let valid = match &state.medium {
        Medium::Sequential(m) => m.validate(),
        Medium::Overwriteable(r) => r.validate(),
    };
    valid.map_err(bad)?;
    Ok(state)
}

/// Reads the fault plan stored with a disc.
///
/// # Errors
/// [`EmuError::NotEmulatedDisc`], [`EmuError::BadState`], [`EmuError::Io`].
pub fn disc_faults(path: &Path) -> Result<FaultPlan, EmuError> {
    Ok(read_state(&DiscPaths::new(path))?.faults)
}

/// Replaces the fault plan stored with a disc (honoured by every handle opened later,
/// in any process).
///
/// # Errors
/// [`EmuError::NotEmulatedDisc`], [`EmuError::BadState`], [`EmuError::Io`].
pub fn set_disc_faults(path: &Path, faults: FaultPlan) -> Result<(), EmuError> {
    let paths = DiscPaths::new(path);
    let mut state = read_state(&paths)?;
    state.faults = faults;
    write_state_atomic(&paths.state, &state)
}

// ---- write-ahead log -------------------------------------------------------------

const WAL_MAGIC: u32 = 0x3157_4244; // "DBW1"
const WAL_RECORD: usize = 24;

/// One logged WRITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WalRecord {
    pub seq: u64,
    pub lba: u32,
    pub blocks: u32,
}

fn checksum(bytes: &[u8]) -> u32 {
    // FNV-1a, enough to reject a torn record.
    let mut h: u32 = 0x811C_9DC5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `<PATH>.wal`: WRITE commands accepted since the last state persist, appended before
/// their data is written.
#[derive(Debug)]
pub(crate) struct Wal {
    file: File,
    path: PathBuf,
    len: u64,
    pub last_seq: u64,
}

impl Wal {
    pub fn open(path: &Path) -> Result<Wal, EmuError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| EmuError::io("open write-ahead log", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| EmuError::io("stat write-ahead log", path, e))?
            .len();
        Ok(Wal {
            file,
            path: path.to_path_buf(),
            len,
            last_seq: 0,
        })
    }

    /// Complete, intact records in file order.
    pub fn records(&self) -> Result<Vec<WalRecord>, EmuError> {
        let mut buf = vec![0u8; self.len as usize];
        self.file
            .read_exact_at(&mut buf, 0)
            .map_err(|e| EmuError::io("read write-ahead log", &self.path, e))?;
        let mut out = Vec::new();
        for rec in buf.chunks_exact(WAL_RECORD) {
            let word = |i: usize| u32::from_le_bytes([rec[i], rec[i + 1], rec[i + 2], rec[i + 3]]);
            if word(20) != WAL_MAGIC || word(16) != checksum(&rec[..16]) {
                break;
            }
            out.push(WalRecord {
                seq: u64::from_le_bytes(rec[0..8].try_into().expect("8 bytes")),
                lba: word(8),
                blocks: word(12),
            });
        }
        Ok(out)
    }

    pub fn append(&mut self, lba: u32, blocks: u32) -> io::Result<u64> {
        let seq = self.last_seq + 1;
        let mut rec = [0u8; WAL_RECORD];
        rec[0..8].copy_from_slice(&seq.to_le_bytes());
        rec[8..12].copy_from_slice(&lba.to_le_bytes());
        rec[12..16].copy_from_slice(&blocks.to_le_bytes());
        let sum = checksum(&rec[..16]);
        rec[16..20].copy_from_slice(&sum.to_le_bytes());
        rec[20..24].copy_from_slice(&WAL_MAGIC.to_le_bytes());
        self.file.write_all_at(&rec, self.len)?;
        self.len += WAL_RECORD as u64;
        self.last_seq = seq;
        Ok(seq)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Re-reads the length after another handle may have used the log.
    pub fn refresh_len(&mut self) -> io::Result<()> {
        self.len = self.file.metadata()?.len();
        Ok(())
    }

    /// Takes the writer lock (an `flock` on the log): held from the first WRITE after a
    /// clean point until the next clean point, so that another handle can tell a live
    /// writer from a crashed one. `Ok(false)` when another handle holds it.
    pub fn lock_writer(&self) -> io::Result<bool> {
        match self.file.try_lock() {
            Ok(()) => Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    pub fn unlock_writer(&self) -> io::Result<()> {
        self.file.unlock()
    }

    pub fn truncate(&mut self) -> io::Result<()> {
        if self.len > 0 {
            self.file.set_len(0)?;
            self.len = 0;
        }
        Ok(())
    }
}
