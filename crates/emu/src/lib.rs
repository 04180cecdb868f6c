//! Emulated MMC recorder: answers the same CDBs as a real drive from a per-profile state
//! machine, with the medium kept as a sparse raw image (sector LBA at byte LBA×2048) and
//! its state beside it. (Image files and block devices as random-writable media are
//! production code: `discburn_recorder::StdioDrive`.)
//!
//! [`EmulatedDrive`] implements [`discburn_mmc::Transport`], so everything above the
//! transport (CDB builders, reply parsers, retry policy, the
//! recorder) runs unchanged against it. The decoding here is an independent
//! implementation of `shared/reference/mmc.md` (MMC-6 as quoted there); it does not use
//! the `discburn-mmc` codec.
//!
//! # Files of an emulated disc
//!
//! | file | content |
//! |---|---|
//! | `<PATH>` | the medium: a sparse raw image, sector LBA at byte offset LBA × 2048, so `isoinfo -N <session start> -T <session start> -i <PATH>` or `xorriso -indev <PATH> -load sbsector <LBA>` read any session. Unrecorded sectors are holes (zeros). BD-R POW replacement clusters are stored at their physical address. |
//! | `<PATH>.state.json` | media type, sessions, tracks, formatting, drive settings, persisted faults, journal (JSON, replaced atomically: temp file + fsync + rename + directory fsync) |
//! | `<PATH>.wal` | write-ahead log: one 24-byte record per WRITE accepted since the state was last written; emptied at every clean point |
//! | `<PATH>.lock` | exclusive-access lock (`flock`), holding the owner's client name and process id |
//!
//! # Crash safety
//!
//! The state file is rewritten (atomically) at every state change except ordinary
//! WRITEs: before the first WRITE after a clean point (and before any WRITE that opens a
//! track) the state is written *with that write applied* and marked dirty; later WRITEs
//! are appended to the WAL before their data goes to the image. SYNCHRONIZE CACHE, CLOSE
//! TRACK/SESSION, RESERVE TRACK, FORMAT, BLANK and a clean drop are clean points (image
//! fsync, state write, WAL emptied). Opening a dirty disc replays the WAL and reports the
//! tracks being written as damaged incomplete tracks in an open session — what a real
//! drive reports after an interrupted recording. Closed sessions are never touched.
//! A process crash loses nothing that was acknowledged; an OS crash may lose data
//! written since the last SYNCHRONIZE CACHE, like a drive's write cache.
//!
//! # Several handles
//!
//! Handles opened on the same disc behave as one device: before each command a handle
//! without unsaved changes of its own re-reads the state file when another handle has
//! replaced it. A handle that changes the medium holds a writer lock (`flock` on
//! `<PATH>.wal`) from its first WRITE (or CLOSE, RESERVE, FORMAT, BLANK, SYNCHRONIZE
//! CACHE, eject/load) until the next clean point; another handle's state-changing
//! command meanwhile ends with SCSI status 18h RESERVATION CONFLICT. Opening a disc
//! whose writer is alive does not "recover" it. Exclusive access in the IMAPI2 sense is
//! the separate, advisory [`EmulatedDrive::lock_exclusive`].
//!
//! # Media and spec coverage
//!
//! | class (`mmc.md`) | media | implemented |
//! |---|---|---|
//! | A (§9.2) | CD-R, CD-RW | TAO (WT 01h, Data Block Type 8/10), sessions with 11400/6900 gaps, 2 run-out blocks, 300-block minimum, RESERVE TRACK, Full TOC with B0/C0 pointers, ATIP, Test Write (simulated), BLANK 000b/001b on CD-RW. SAO/RAW → 5/64/00 at WRITE. |
//! | B (§9.3) | DVD-R, DVD-RW seq. | incremental (WT 00h, 16-block link gap), DAO (WT 02h + RESERVE TRACK, completes at SYNC), borders with configurable gaps, minimal blank → no feature 0021h, FORMAT → restricted overwrite |
//! | C (§9.4) | DVD+R, DVD+R DL | fragments, sessions with Closure + Intro gap, CLOSE 101b/110b finalize, auto-finalize at the session limit or < 65 ECC blocks left |
//! | D, E (§9.5, §9.6) | BD-R | SRM with several open tracks, FORMAT 00h/32h sub-types 00b (POW) / 01b, or created formatted SRM+POW ([`DiscOptions::pow`]); POW (MMC-6 4.5.3.5): a WRITE over recorded blocks records whole 32-block clusters at the NWA of the open track and remaps them (the superseded cluster stays on the medium), READ returns the newest data, READ CAPACITY the last recorded block, READ DISC INFORMATION data type 010b the remaining replacements, map entries and updates (each remapping WRITE takes one cluster per replacement and entry and one update; none left → 5/21/02); a WRITE cut short by a power loss leaves the map unchanged; RRM → 5/26/00 |
//! | F (§9.7) | DVD+RW, DVD-RAM, BD-RE, DVD-RW RO | formatting (26h background, 00h/30h/31h, 10h/13h/15h), writes anywhere in the formatted area, CLOSE per kind |
//!
//! Commands: TEST UNIT READY, REQUEST SENSE, INQUIRY (+ VPD 00h/80h), GET CONFIGURATION
//! (RT 0/1/2), READ DISC INFORMATION (data types 000b/001b, POW resources), READ TRACK
//! INFORMATION (LBA / track / session), READ TOC/PMA/ATIP formats 0, 1, 2, 4 (and the
//! SFF-8020 format field in the control byte), READ CAPACITY, READ FORMAT CAPACITIES,
//! MODE SENSE(10) / MODE SELECT(10) pages 05h and 2Ah, RESERVE TRACK, WRITE(10/12),
//! READ(10/12), SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, FORMAT UNIT, BLANK, GET
//! PERFORMANCE (types 00h, 03h), SET STREAMING, SET CD SPEED, SEND OPC INFORMATION,
//! START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, GET EVENT STATUS NOTIFICATION, READ
//! BUFFER CAPACITY. READ DISC STRUCTURE → 5/24/00; other operation codes → 5/20/00.
//! Replies are cut to the allocation length and the residual reports what the buffer
//! did not receive.
//!
//! Faults for tests: see [`FaultPlan`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cdb;
mod common;
mod drive;
mod error;
mod faults;
mod features;
mod media;
mod mode;
mod random;
mod reply;
mod sense;
mod seq;
mod state;

use std::fmt;
use std::path::Path;

pub use drive::EmulatedDrive;
pub use error::EmuError;
pub use faults::{CommandMatch, FailAfter, FaultPlan, SenseFault};
pub use media::MediaType;
pub use sense::SenseCode;
pub use seq::Geometry;
pub use state::{
    DiscOptions, DriveSettings, create_disc, create_disc_with, disc_faults, emulated_disc_damage,
    is_emulated_disc, set_disc_faults,
};

/// What `discburn disc info` shows about an emulated disc.
#[derive(Debug, Clone)]
pub struct DiscReport {
    text: String,
    json: String,
}

impl DiscReport {
    /// The state file contents as JSON.
    pub fn json(&self) -> &str {
        &self.json
    }
}

impl fmt::Display for DiscReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Opens the disc at `path` (recovering it if its last user crashed) and describes it.
///
/// # Errors
/// As [`EmulatedDrive::open`].
pub fn disc_report(path: &Path) -> Result<DiscReport, EmuError> {
    let drive = EmulatedDrive::open(path)?;
    let report = DiscReport {
        text: drive.describe(),
        json: drive.state_json(),
    };
    drive.close()?;
    Ok(report)
}
