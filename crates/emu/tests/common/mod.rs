//! Helpers shared by the emulator's integration tests: discs in temporary directories,
//! the real `discburn-mmc` drive layer over the emulator, raw CDB execution for exact
//! byte checks, and sector patterns.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use discburn_emu::{EmulatedDrive, MediaType, create_disc};
use discburn_mmc::cdb::{CloseFunction, TrackAddress};
use discburn_mmc::reply::{
    DiscInformation, DiscStatus, SessionState, TrackInformation, WriteParameters, WriteType,
};
use discburn_mmc::{Completion, Data, Drive, MmcError, NoSleep, Transport};

pub type Emu = Drive<EmulatedDrive>;

/// A temporary directory holding one disc image.
pub struct Disc {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn disc(media: MediaType, capacity: Option<u32>) -> Disc {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.img");
    create_disc(&path, media, capacity).unwrap();
    Disc { dir, path }
}

/// The mmc drive layer (no real sleeping) over a freshly opened emulated drive.
pub fn open(path: &Path) -> Emu {
    Drive::with_sleeper(EmulatedDrive::open(path).unwrap(), Box::new(NoSleep))
}

/// (key, ASC, ASCQ) of a failed command.
pub fn sense_of(e: &MmcError) -> (u8, u8, u8) {
    match e {
        MmcError::Sense { sense, .. } => (sense.key as u8, sense.asc, sense.ascq),
        other => panic!("expected a CHECK CONDITION, got {other}"),
    }
}

pub fn expect_sense<T: std::fmt::Debug>(r: Result<T, MmcError>, want: (u8, u8, u8)) {
    match r {
        Ok(v) => panic!("expected sense {want:X?}, command succeeded: {v:?}"),
        Err(e) => assert_eq!(sense_of(&e), want, "{e}"),
    }
}

/// `n` sectors whose bytes encode (seed, LBA, offset), so misplaced data is detected.
pub fn pattern(lba: u32, n: u32, seed: u8) -> Vec<u8> {
    let mut v = vec![0u8; n as usize * 2048];
    for (i, sector) in v.chunks_mut(2048).enumerate() {
        let l = lba + i as u32;
        sector[0] = seed;
        sector[1..5].copy_from_slice(&l.to_be_bytes());
        for (j, b) in sector.iter_mut().enumerate().skip(5) {
            *b = (j as u32)
                .wrapping_mul(31)
                .wrapping_add(l)
                .wrapping_add(seed as u32) as u8;
        }
    }
    v
}

pub fn read(d: &mut Emu, lba: u32, n: u32) -> Vec<u8> {
    let mut buf = vec![0u8; n as usize * 2048];
    d.read10(lba, &mut buf).unwrap();
    buf
}

pub fn rdi(d: &mut Emu) -> DiscInformation {
    d.disc_information().unwrap()
}

/// READ DISC INFORMATION, asserting State of Last Session and (First Track, Last Track)
/// in Last Session (MMC-6 6.22.3); returns the reply for further checks.
#[track_caller]
pub fn rdi_last_session(d: &mut Emu, state: SessionState, tracks: (u16, u16)) -> DiscInformation {
    let di = rdi(d);
    assert_eq!(di.state_of_last_session, state);
    assert_eq!(
        (
            di.first_track_in_last_session,
            di.last_track_in_last_session
        ),
        tracks
    );
    di
}

/// As [`rdi_last_session`], also asserting Disc Status and Number of Sessions.
#[track_caller]
pub fn rdi_disc(
    d: &mut Emu,
    status: DiscStatus,
    sessions: u16,
    state: SessionState,
    tracks: (u16, u16),
) -> DiscInformation {
    let di = rdi_last_session(d, state, tracks);
    assert_eq!(di.disc_status, status);
    assert_eq!(di.number_of_sessions, sessions);
    di
}

pub fn rti(d: &mut Emu, a: TrackAddress) -> TrackInformation {
    d.track_information(a).unwrap()
}

/// MODE SELECT page 05h for CD TAO data (WT 01h, Track Mode 4, Mode 1) with the given
/// Multi-session field (mmc.md §5.1).
pub fn select_cd_tao(d: &mut Emu, multi_session: u8) {
    let mut w = WriteParameters::new(WriteType::TrackAtOnce);
    w.bufe = true;
    w.multi_session = multi_session;
    w.track_mode = 4;
    w.data_block_type = 8;
    d.set_write_parameters(&w).unwrap();
}

/// MODE SELECT page 05h for DVD-R incremental (WT 00h, link 16, FP, packet 16, TM 5).
pub fn select_dvd_incremental(d: &mut Emu, multi_session: u8) {
    let mut w = WriteParameters::new(WriteType::PacketIncremental);
    w.bufe = true;
    w.ls_v = true;
    w.link_size = 16;
    w.fp = true;
    w.packet_size = 16;
    w.multi_session = multi_session;
    w.track_mode = 5;
    w.data_block_type = 8;
    d.set_write_parameters(&w).unwrap();
}

pub fn close(d: &mut Emu, f: CloseFunction, track: u16) {
    d.close_track_session(f, track, true).unwrap();
}

/// Runs one raw CDB against a transport; returns the completion and the data-in bytes.
pub fn raw<T: Transport>(t: &mut T, cdb: &[u8], alloc: usize) -> (Completion, Vec<u8>) {
    let mut buf = vec![0u8; alloc];
    let c = if alloc == 0 {
        t.execute(cdb, Data::None, Duration::from_secs(30)).unwrap()
    } else {
        t.execute(cdb, Data::In(&mut buf), Duration::from_secs(30))
            .unwrap()
    };
    (c, buf)
}

/// (key, ASC, ASCQ) of a raw completion's fixed-format sense (0/0/0 when GOOD).
pub fn raw_sense(c: &Completion) -> (u8, u8, u8) {
    if c.is_good() {
        return (0, 0, 0);
    }
    (c.sense[2] & 0x0F, c.sense[12], c.sense[13])
}
