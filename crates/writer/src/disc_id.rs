//! The disc identifier (IMAPI2 IFileSystemImage::CalculateDiscIdentifier,
//! IFileSystemImageResult::DiscId, IMAPI_E_DISC_MISMATCH; imapi2.md §11.2, §12.1): a
//! signature of the media and its sessions, so a result built from one disc is not
//! written to another (I-27, I-28).
//!
//! IMAPI2 does not document its format; this one is ours:
//!
//! `discburn-disc-id-1:` followed by 64 lower-case hex digits, the SHA-256 of
//!
//! 1. the tag `discburn-disc-id-1`;
//! 2. the current MMC profile (GET CONFIGURATION, MMC-6 6.6) and whether the media is
//!    sequential or overwritable;
//! 3. from READ DISC INFORMATION (MMC-6 6.22): Disc Status, State of Last Session,
//!    Number of Sessions, First Track in Last Session, Last Track in Last Session;
//! 4. the multisession values the writer reports (imapi2.md §3.3, §3.5):
//!    StartAddressOfPreviousSession, LastWrittenAddressOfPreviousSession,
//!    NextWritableAddress (or −1), and on overwritable media LastWrittenAddress (or −1);
//! 5. sequential media: for every track from the first to the last track in the last
//!    session, READ TRACK INFORMATION (MMC-6 6.27) Session Number, Track Start Address,
//!    Track Size, Blank, Next Writable Address (or −1);
//! 6. the volume descriptor set of the newest session (ECMA-119 8): the sectors from
//!    LBA start + 16 up to and including the first one that is a Volume Descriptor Set
//!    Terminator (type 255) or not an ECMA-119 volume descriptor at all, at most 32;
//!    `start` is StartAddressOfPreviousSession on sequential media (nothing when it is
//!    −1) and 0 on overwritable media (the head at LBA 16 shows the newest logical
//!    session, peers.md §1.1); nothing on physically blank media.
//!
//! Capacities and free space are left out: a stdio target's capacity follows the free
//! space of its file system, which other programs change. Like IMAPI's, the identifier
//! is not unique: two discs recorded identically give the same string.

use discburn_mmc::cdb::TrackAddress;
use discburn_recorder::{DiscRecorder, RecorderError};
use sha2::{Digest, Sha256};

use crate::error::WriterError;
use crate::media::{self, Kind};

/// Prefix of every identifier (the format version).
pub const DISC_IDENTIFIER_PREFIX: &str = "discburn-disc-id-1:";

/// Most volume descriptor sectors hashed.
const MAX_DESCRIPTORS: u32 = 32;

/// IMAPI2 CalculateDiscIdentifier for the media in `recorder`: see the module
/// documentation for the format. The same media state gives the same string; adding a
/// session (physical or logical) changes it.
///
/// # Errors
/// E_IMAPI_RECORDER_MEDIA_NO_MEDIA without media; device errors of READ DISC
/// INFORMATION, READ TRACK INFORMATION, READ TOC and READ(10).
pub fn disc_identifier(recorder: &mut DiscRecorder) -> Result<String, WriterError> {
    let info = media::read_media_info(recorder)?;
    let mut h = Sha256::new();
    h.update(b"discburn-disc-id-1");
    h.update(info.profile.number().to_be_bytes());
    let kind: u8 = match info.kind {
        Kind::ReadOnly => 0,
        Kind::Sequential => 1,
        Kind::Overwrite => 2,
    };
    h.update([kind]);
    let d = &info.disc;
    h.update([
        d.disc_status as u8,
        d.state_of_last_session as u8,
        u8::from(info.physically_blank),
    ]);
    h.update(d.number_of_sessions.to_be_bytes());
    h.update(d.first_track_in_last_session.to_be_bytes());
    h.update(d.last_track_in_last_session.to_be_bytes());
    h.update(info.start_prev.to_be_bytes());
    h.update(info.last_prev.to_be_bytes());
    h.update(info.nwa.unwrap_or(-1).to_be_bytes());
    let descriptor_start = match info.kind {
        Kind::Overwrite => {
            h.update(info.last_written.unwrap_or(-1).to_be_bytes());
            Some(0)
        }
        _ => {
            let first = u32::from(d.first_track_number);
            let last = u32::from(d.last_track_in_last_session);
            for track in first..=last.min(first + 999) {
                let t = recorder.track_information(TrackAddress::Track(track))?;
                h.update(t.session_number.to_be_bytes());
                h.update(t.track_start_address.to_be_bytes());
                h.update(t.track_size.to_be_bytes());
                h.update([u8::from(t.blank)]);
                h.update(t.next_writable_address.map_or(-1, i64::from).to_be_bytes());
            }
            u32::try_from(info.start_prev).ok()
        }
    };
    if let Some(start) = descriptor_start.filter(|_| !info.physically_blank) {
        let mut sector = vec![0u8; 2048];
        for i in 0..MAX_DESCRIPTORS {
            let lba = start + 16 + i;
            recorder.drive().read10(lba, &mut sector).map_err(|e| {
                WriterError::Recorder(RecorderError::from_mmc(recorder.active_disc_recorder(), e))
            })?;
            h.update(&sector);
            if &sector[1..6] != b"CD001" || sector[0] == 255 {
                break;
            }
        }
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(DISC_IDENTIFIER_PREFIX.len() + 64);
    out.push_str(DISC_IDENTIFIER_PREFIX);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    Ok(out)
}
