//! The sequential mechanism (IMAPI2 MsftMultisessionSequential): physical sessions
//! recorded at the next writable address of write-once media (CD-R/RW TAO, DVD±R,
//! DVD±R DL, DVD-RW, BD-R SRM), each closed as the profile's closing rules say
//! (MMC-6 6.3 CLOSE TRACK/SESSION, 7.5 Write Parameters mode page; IMAPI2
//! IDiscFormat2Data::put_ForceMediaToBeClosed, DisableConsumerDvdCompatibilityMode).

use std::sync::atomic::AtomicBool;

use discburn_image::{MultisessionError, MultisessionSequential};
use discburn_mmc::cdb::CloseFunction;
use discburn_mmc::reply::{
    MULTI_SESSION_NEXT_ALLOWED, MULTI_SESSION_NONE, WriteParameters, WriteType,
};
use discburn_mmc::{Profile, SenseKey};

use super::{Mechanism, impl_multisession};
use crate::engine::{Job, SECTOR, Span, align_up};
use crate::error::WriterError;
use crate::media::{CD_MIN_TRACK, CD_POSTGAP, MediaInfo};
use crate::state::WriteAction;
use crate::stream::SessionStream;
use crate::writer::Config;

/// The sequential mechanism (class MsftMultisessionSequential).
#[derive(Debug)]
pub struct MsftMultisessionSequential {
    import_recorder: String,
    in_use: AtomicBool,
    disc_id: Option<String>,
    supported: bool,
    is_first_data_session: bool,
    start_prev: i32,
    last_prev: i32,
    nwa: Option<i32>,
    state: crate::MediaState,
    free: i32,
    write_unit: i32,
}

impl MsftMultisessionSequential {
    pub(crate) fn from_info(info: &MediaInfo, disc_id: Option<String>) -> Self {
        MsftMultisessionSequential {
            import_recorder: info.device.clone(),
            in_use: AtomicBool::new(false),
            disc_id,
            supported: info.status.contains(crate::MediaState::APPENDABLE)
                && info.status.is_usable(),
            is_first_data_session: info.is_first_data_session,
            start_prev: info.start_prev,
            last_prev: info.last_prev,
            nwa: info.nwa,
            state: info.status,
            free: info.free,
            write_unit: info.write_unit,
        }
    }
}

impl_multisession!(
    MsftMultisessionSequential,
    "MsftMultisessionSequential",
    as_sequential,
    MultisessionSequential
);

impl MultisessionSequential for MsftMultisessionSequential {
    fn is_first_data_session(&self) -> bool {
        self.is_first_data_session
    }
    fn start_address_of_previous_session(&self) -> i32 {
        self.start_prev
    }
    fn last_written_address_of_previous_session(&self) -> i32 {
        self.last_prev
    }
    fn next_writable_address(&self) -> Result<i32, MultisessionError> {
        self.nwa
            .ok_or_else(|| MultisessionError::InvalidMediaState {
                device: self.import_recorder.clone(),
                reason: format!(
                    "the media (state {}) has no next writable address",
                    self.state
                ),
            })
    }
    fn free_sectors_on_media(&self) -> i32 {
        self.free
    }
    fn write_unit_size(&self) -> i32 {
        self.write_unit
    }
}

impl Mechanism for MsftMultisessionSequential {
    fn planned_operation(
        &self,
        cfg: &Config,
        info: &MediaInfo,
        stream: &dyn SessionStream,
    ) -> (u64, u64) {
        let postgap = if info.profile.is_cd() && !cfg.postgap_already_in_image {
            u64::from(CD_POSTGAP)
        } else {
            0
        };
        let sectors = stream.len_bytes() / SECTOR as u64;
        (info.nwa.unwrap_or(0).max(0) as u64, sectors + postgap)
    }

    fn record(
        &self,
        job: &mut Job<'_, '_>,
        info: &MediaInfo,
        stream: &mut dyn SessionStream,
    ) -> Result<(), WriterError> {
        record(job, info, stream)
    }
}

/// Records `stream` as a new session at the next writable address.
fn record(
    job: &mut Job<'_, '_>,
    info: &MediaInfo,
    stream: &mut dyn SessionStream,
) -> Result<(), WriterError> {
    if stream.block_ranges().is_some() {
        return Err(WriterError::StreamNotSupported {
            reason: "a stream of block ranges (an image prepared for overwritable media) cannot be recorded as a sequential session".into(),
        });
    }
    let profile = info.profile;
    let nwa = info.next_writable_address()? as u64;
    if let Some(start) = stream.session_start_block()
        && u64::from(start) != nwa
    {
        return Err(WriterError::StreamNotSupported {
            reason: format!(
                "the image was built for session start block {start}, but the next writable address of {} is {nwa}",
                info.device
            ),
        });
    }
    let track_number = info
        .track
        .as_ref()
        .map(|t| t.track_number)
        .ok_or_else(|| info.invalid_state("no writable track"))?;
    let sectors = stream.len_bytes() / SECTOR as u64;
    let cd = profile.is_cd();
    let postgap = if cd && !job.cfg.postgap_already_in_image {
        u64::from(CD_POSTGAP)
    } else {
        0
    };
    let unit = info.write_unit.max(1) as u64;
    let payload = sectors + postgap;
    let padded = align_up(payload, unit);
    let recorded = if cd {
        padded.max(u64::from(CD_MIN_TRACK))
    } else {
        padded
    };
    if recorded > u64::from(info.track_free) {
        let overhead = if cd { u64::from(CD_POSTGAP) } else { 0 };
        return Err(WriterError::StreamTooLarge {
            device: info.device.clone(),
            needed: recorded.saturating_sub(overhead),
            available: info.free.max(0) as u64,
        });
    }
    let dvd_minus = matches!(
        profile,
        Profile::DvdMinusRSequential
            | Profile::DvdMinusRwSequential
            | Profile::DvdMinusRDlSequential
    );
    let dao = dvd_minus && info.incremental_link_size.is_none();
    if dao && !info.physically_blank {
        return Err(info.invalid_state(
            "DVD-R/-RW without incremental recording (feature 0021h not current) takes only one Disc-At-Once session on blank media",
        ));
    }
    // Closing rules K-01..K-06.
    let remaining = u64::from(info.track_free) - recorded;
    let auto_close = remaining * 50 <= info.total.max(0) as u64;
    let compat = !job.cfg.disable_consumer_dvd_compatibility_mode;
    let close_disc = dao
        || match profile {
            Profile::DvdPlusR => compat || job.cfg.force_media_to_be_closed || auto_close,
            Profile::DvdPlusRDl => true,
            _ => job.cfg.force_media_to_be_closed || auto_close,
        };
    tracing::debug!(
        device = %info.device, nwa, sectors, recorded, close_disc, "sequential write"
    );
    job.set_op(nwa, payload);

    // Hardware setup.
    job.event(WriteAction::InitializingHardware);
    let multi_session = if close_disc {
        MULTI_SESSION_NONE
    } else {
        MULTI_SESSION_NEXT_ALLOWED
    };
    if cd {
        let mut p = WriteParameters::new(WriteType::TrackAtOnce);
        p.bufe = !job.cfg.buffer_underrun_free_disabled;
        p.multi_session = multi_session;
        p.track_mode = 4;
        p.data_block_type = 8;
        job.set_page05(&p, false)?;
    } else if dvd_minus {
        let mut p = if dao {
            WriteParameters::new(WriteType::SessionAtOnce)
        } else {
            let mut p = WriteParameters::new(WriteType::PacketIncremental);
            p.ls_v = true;
            p.link_size = info.incremental_link_size.unwrap_or(16);
            p.fp = true;
            p.packet_size = 16;
            p
        };
        p.bufe = true;
        p.multi_session = if dao {
            MULTI_SESSION_NONE
        } else {
            multi_session
        };
        p.track_mode = 5;
        p.data_block_type = 8;
        job.set_page05(&p, false)?;
    } else if matches!(profile, Profile::DvdPlusR | Profile::DvdPlusRDl) {
        // Not defined for DVD+R by MMC; growisofs sends it because some firmwares
        // look at Multi-session when finalizing (mmc.md §5.1). Errors are ignored.
        let mut p = WriteParameters::new(WriteType::PacketIncremental);
        p.multi_session = multi_session;
        p.track_mode = 5;
        job.set_page05(&p, true)?;
    }
    job.apply_speed();
    job.event(WriteAction::CalibratingPower);
    if dvd_minus && let Err(e) = job.rec.drive().send_opc() {
        let ignorable = e.sense().is_some_and(|s| {
            s.key == SenseKey::IllegalRequest || (s.asc == 0x73 && s.ascq == 0x01)
        });
        if !ignorable {
            return Err(job.mmc(e));
        }
    }
    if dao {
        let size = u32::try_from(recorded).unwrap_or(u32::MAX);
        job.rec
            .drive()
            .reserve_track(size)
            .map_err(|e| job.mmc(e))?;
    }

    // Data: the stream, then the CD post-gap and the padding to the write unit.
    let total = padded;
    job.sector_count = total as i64;
    let span = Span {
        lba: nwa,
        count: total,
        data_from: 0,
        data_to: sectors,
    };
    if let Some(done) = job.data_phase(stream, span, unit, false, &mut Some(0))? {
        return job.cancel_stop(done);
    }
    job.sync()?;

    // Close the track/session (mmc.md §5.6).
    job.event(WriteAction::Finalization);
    let drive = job.rec.drive();
    let r = if cd {
        drive.close_track_session(CloseFunction::Session, 0, true)
    } else if dao {
        Ok(())
    } else {
        let session = if !close_disc {
            CloseFunction::Session
        } else {
            match profile {
                Profile::DvdPlusR | Profile::DvdPlusRDl => {
                    if compat {
                        CloseFunction::FinalizeDisc
                    } else {
                        CloseFunction::FinalizeMinimalRadius
                    }
                }
                Profile::BdRSequential => CloseFunction::FinalizeDisc,
                _ => CloseFunction::Session,
            }
        };
        drive
            .close_track_session(CloseFunction::Track, track_number, true)
            .and_then(|()| drive.close_track_session(session, 0, true))
    };
    r.map_err(|e| job.mmc(e))?;
    job.event(WriteAction::Completed);
    Ok(())
}
