//! Helpers for the writer's acceptance tests: emulated discs in temporary directories,
//! writers over them, sector patterns, read-back through the drive and from the sparse
//! image file, and a transcript-keeping transport.
#![allow(dead_code)]

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use discburn_emu::{DiscOptions, EmulatedDrive, MediaType, create_disc_with};
use discburn_mmc::{Completion, Data, Transport, TransportError};
use discburn_recorder::{BackendKind, DiscRecorder, RecorderError, RecorderTransport};
use discburn_writer::{
    DiscFormat2Data, MultisessionRandomWrite, MultisessionSequential, WriterError,
};

pub const CLIENT: &str = "discburn-tests";

/// A temporary directory holding one emulated disc.
pub struct Disc {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn disc(media: MediaType) -> Disc {
    disc_opts(DiscOptions::new(media))
}

pub fn disc_opts(opts: DiscOptions) -> Disc {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.img");
    create_disc_with(&path, &opts).unwrap();
    Disc { dir, path }
}

pub fn disc_capacity(media: MediaType, capacity: u32) -> Disc {
    let mut o = DiscOptions::new(media);
    o.capacity_sectors = Some(capacity);
    disc_opts(o)
}

/// A writer on the disc at `path` with the test client name.
pub fn writer(path: &Path) -> DiscFormat2Data {
    let w = DiscFormat2Data::with_recorder(DiscRecorder::open(path).unwrap()).unwrap();
    w.set_client_name(CLIENT).unwrap();
    w
}

/// `n` sectors whose bytes encode (seed, sector index, offset), so misplaced data is
/// detected.
pub fn pattern(n: u32, seed: u8) -> Vec<u8> {
    let mut v = vec![0u8; n as usize * 2048];
    for (i, sector) in v.chunks_mut(2048).enumerate() {
        let l = i as u32;
        sector[0] = seed;
        sector[1..5].copy_from_slice(&l.to_be_bytes());
        for (j, b) in sector.iter_mut().enumerate().skip(5) {
            *b = (j as u32)
                .wrapping_mul(31)
                .wrapping_add(l)
                .wrapping_add(u32::from(seed) * 7) as u8
                | 1;
        }
    }
    v
}

/// Reads `n` sectors at `lba` through the writer's recorder (READ(10)).
pub fn read_drive(w: &DiscFormat2Data, lba: u32, n: u32) -> Vec<u8> {
    let mut buf = vec![0u8; n as usize * 2048];
    let mut r = w.recorder().unwrap();
    r.drive().read10(lba, &mut buf).unwrap();
    buf
}

/// Reads `n` sectors at `lba` from the sparse image file (byte LBA × 2048).
pub fn read_image(path: &Path, lba: u32, n: u32) -> Vec<u8> {
    let mut f = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; n as usize * 2048];
    let len = f.metadata().unwrap().len();
    let off = u64::from(lba) * 2048;
    if off < len {
        f.seek(SeekFrom::Start(off)).unwrap();
        let avail = ((len - off) as usize).min(buf.len());
        f.read_exact(&mut buf[..avail]).unwrap();
    }
    buf
}

/// Writes `data` as one session (no callback).
pub fn write(w: &DiscFormat2Data, data: &[u8]) -> Result<(), WriterError> {
    w.write(&mut Cursor::new(data.to_vec()))
}

/// The values of the sequential mechanism, checked equal to the writer's (MS-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqValues {
    pub start_prev: i32,
    pub last_prev: i32,
    pub nwa: i32,
    pub free: i32,
    pub first_data: bool,
    pub supported: bool,
}

pub fn seq_values(w: &DiscFormat2Data) -> SeqValues {
    let ms = w.multisession_interfaces().unwrap();
    assert!(!ms.is_empty());
    let s: &dyn MultisessionSequential = ms[0].as_sequential().expect("sequential mechanism");
    let v = SeqValues {
        start_prev: s.start_address_of_previous_session(),
        last_prev: s.last_written_address_of_previous_session(),
        nwa: s.next_writable_address().unwrap(),
        free: s.free_sectors_on_media(),
        first_data: s.is_first_data_session(),
        supported: ms[0].is_supported_on_current_media_state(),
    };
    // MS-06: the same-named values of the writer.
    assert_eq!(v.start_prev, w.start_address_of_previous_session().unwrap());
    assert_eq!(
        v.last_prev,
        w.last_written_address_of_previous_session().unwrap()
    );
    assert_eq!(v.nwa, w.next_writable_address().unwrap());
    assert_eq!(v.free, w.free_sectors_on_media().unwrap());
    v
}

pub fn random_values(w: &DiscFormat2Data) -> (i32, Result<i32, WriterError>, i32, bool) {
    let ms = w.multisession_interfaces().unwrap();
    let r: &dyn MultisessionRandomWrite = ms[0].as_random_write().expect("random-write mechanism");
    (
        r.write_unit_size(),
        r.last_written_address().map_err(WriterError::from),
        r.total_sectors_on_media(),
        ms[0].is_supported_on_current_media_state(),
    )
}

/// An emulated drive that keeps every CDB it sees (the recorder's own backend is
/// private to discburn-recorder).
pub struct Logged {
    inner: EmulatedDrive,
    pub log: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Logged {
    pub fn open(path: &Path) -> (DiscRecorder, Arc<Mutex<Vec<Vec<u8>>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let t = Logged {
            inner: EmulatedDrive::open(path).unwrap(),
            log: Arc::clone(&log),
        };
        (
            DiscRecorder::from_transport(path.display().to_string(), Box::new(t)),
            log,
        )
    }
}

impl Transport for Logged {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        self.log.lock().unwrap().push(cdb.to_vec());
        self.inner.execute(cdb, data, timeout)
    }
    fn max_transfer(&self) -> usize {
        self.inner.max_transfer()
    }
    fn device_name(&self) -> String {
        self.inner.device_name()
    }
}

impl RecorderTransport for Logged {
    fn kind(&self) -> BackendKind {
        BackendKind::Emulated
    }
    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        self.inner
            .lock_exclusive(owner)
            .map_err(|e| RecorderError::Fail(e.to_string()))
    }
    fn unlock(&mut self) -> Result<(), RecorderError> {
        self.inner
            .unlock()
            .map_err(|e| RecorderError::Fail(e.to_string()))
    }
    fn lock_owner(&mut self) -> Option<String> {
        self.inner.exclusive_owner().map(str::to_string)
    }
}

/// (LBA, blocks) of every WRITE(10) in a transcript.
pub fn writes(log: &Arc<Mutex<Vec<Vec<u8>>>>) -> Vec<(u32, u32)> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|c| c[0] == 0x2A)
        .map(|c| {
            (
                u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                u32::from(u16::from_be_bytes([c[7], c[8]])),
            )
        })
        .collect()
}

/// The CLOSE TRACK/SESSION functions in a transcript, with their track numbers.
pub fn closes(log: &Arc<Mutex<Vec<Vec<u8>>>>) -> Vec<(u8, u16)> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|c| c[0] == 0x5B)
        .map(|c| (c[2] & 7, u16::from_be_bytes([c[4], c[5]])))
        .collect()
}

/// A drive with pressed (ROM) media, or a read-only drive: answers GET CONFIGURATION
/// with the given profile list and current profile, READ DISC INFORMATION (complete
/// disc), READ CAPACITY, READ TOC format 1 and TEST UNIT READY; everything else
/// 5/20/00.
pub struct RomDrive {
    pub profiles: Vec<u16>,
    pub current: u16,
}

fn sense_bytes(key: u8, asc: u8, ascq: u8) -> Vec<u8> {
    vec![
        0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0,
    ]
}

impl Transport for RomDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        Ok(match cdb[0] {
            0x00 => Completion::good(),
            0x46 => {
                let start = u16::from_be_bytes([cdb[2], cdb[3]]);
                let mut b = vec![0u8; 8];
                b[6..8].copy_from_slice(&self.current.to_be_bytes());
                if start == 0 {
                    b.extend_from_slice(&[0, 0, 0x03, (4 * self.profiles.len()) as u8]);
                    for p in &self.profiles {
                        b.extend_from_slice(&p.to_be_bytes());
                        b.extend_from_slice(&[u8::from(*p == self.current), 0]);
                    }
                }
                let len = (b.len() - 4) as u32;
                b[0..4].copy_from_slice(&len.to_be_bytes());
                Completion::good_with_data_in(&mut data, &b)
            }
            0x51 => {
                let mut b = vec![0u8; 34];
                b[1] = 32;
                b[2] = 0x0E; // last session complete, disc complete
                b[3] = 1;
                b[4] = 1;
                b[5] = 1;
                b[6] = 1;
                b[16..24].fill(0xFF);
                Completion::good_with_data_in(&mut data, &b)
            }
            0x25 => Completion::good_with_data_in(&mut data, &[0, 0, 0x03, 0xE7, 0, 0, 0x08, 0]),
            0x43 => {
                Completion::good_with_data_in(&mut data, &[0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0])
            }
            _ => Completion::check_condition(sense_bytes(5, 0x20, 0)),
        })
    }
    fn max_transfer(&self) -> usize {
        65536
    }
    fn device_name(&self) -> String {
        "rom".into()
    }
}

impl RecorderTransport for RomDrive {
    fn kind(&self) -> BackendKind {
        BackendKind::Other
    }
    fn lock_exclusive(&mut self, _owner: &str) -> Result<(), RecorderError> {
        Ok(())
    }
    fn unlock(&mut self) -> Result<(), RecorderError> {
        Ok(())
    }
    fn lock_owner(&mut self) -> Option<String> {
        None
    }
}

/// A recorder over a [`RomDrive`].
pub fn rom_recorder(profiles: &[u16], current: u16) -> DiscRecorder {
    DiscRecorder::from_transport(
        "rom".into(),
        Box::new(RomDrive {
            profiles: profiles.to_vec(),
            current,
        }),
    )
}
