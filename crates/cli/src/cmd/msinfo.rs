//! `discburn msinfo`: prints `START,NWA` as `cdrecord -msinfo` does, for
//! `mkisofs -C START,NWA` (mmc.md §6.6, peers.md §1.1).
//!
//! * Sequential media: START = start of the last complete session (READ TOC format 1,
//!   the value the Linux kernel mounts), NWA = the next writable address (READ TRACK
//!   INFORMATION); blank media print `0,0`.
//! * Overwritable media, image files and block devices: `0,NWA` as xorriso's
//!   `-as cdrecord -msinfo` (with `--grow_overwriteable_iso`) prints it: the head at LBA
//!   0 always describes the newest session, and NWA is the end of the ISO 9660 session
//!   chain rounded up to 32 blocks (discburn-reader's session discovery).

use std::io;
use std::path::PathBuf;

use anyhow::anyhow;
use discburn::reader::SectorSource;
use discburn::reader::sessions::list_sessions;
use discburn::recorder::{DiscRecorder, RecorderDrive};
use discburn::writer::{DiscFormat2Data, MediaState, WriterError};

/// Arguments of `discburn msinfo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
}

fn imapi(e: WriterError) -> anyhow::Error {
    anyhow!("{e} ({:#010X} {})", e.hresult(), e.imapi_name())
}

/// READ(10) through the recorder as a sector source for the reader.
struct DriveSource<'a> {
    drive: &'a mut RecorderDrive,
    total: u64,
}

impl SectorSource for DriveSource<'_> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let lba = u32::try_from(lba).map_err(|_| io::Error::other("LBA beyond 2^32"))?;
        self.drive.read10(lba, buf).map_err(io::Error::other)
    }
    fn total_sectors(&self) -> u64 {
        self.total
    }
}

/// `(START, NWA)` for the medium in `w`.
pub fn msinfo(w: &DiscFormat2Data) -> anyhow::Result<(i64, i64)> {
    let status = w.current_media_status().map_err(imapi)?;
    if status.contains(MediaState::OVERWRITE_ONLY) {
        if w.media_physically_blank().map_err(imapi)? {
            return Ok((0, 0));
        }
        let total = w.total_sectors_on_media().map_err(imapi)?.max(0) as u64;
        let mut rec = w.recorder().map_err(imapi)?;
        let mut src = DriveSource {
            drive: rec.drive(),
            total,
        };
        let list =
            list_sessions(&mut src).map_err(|e| anyhow!("reading the ISO 9660 sessions: {e}"))?;
        return Ok((0, list.next_session_start() as i64));
    }
    let nwa = w.next_writable_address().map_err(imapi)?;
    let start = w.start_address_of_previous_session().map_err(imapi)?.max(0);
    Ok((i64::from(start), i64::from(nwa)))
}

/// Runs `discburn msinfo`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let rec = DiscRecorder::open(&args.drive)
        .map_err(|e| anyhow!("{e} ({:#010X} {})", e.hresult(), e.imapi_name()))?;
    let w = DiscFormat2Data::new();
    w.set_recorder(rec).map_err(imapi)?;
    let (start, nwa) = msinfo(&w)?;
    println!("{start},{nwa}");
    Ok(())
}
