//! The random-write mechanism (IMAPI2 MsftMultisessionRandomWrite): logical sessions
//! on overwritable media (DVD+RW, DVD-RAM, BD-RE, DVD-RW restricted overwrite, image
//! files and block devices): unformatted media is formatted first (MMC-6 6.5 FORMAT
//! UNIT), then the stream's block ranges are written in order, each WRITE covering whole
//! write units (IMAPI2 IMultisessionRandomWrite::get_WriteUnitSize).

use std::sync::atomic::AtomicBool;

use discburn_image::{MultisessionError, MultisessionRandomWrite};
use discburn_mmc::Profile;
use discburn_mmc::cdb::CloseFunction;
use discburn_mmc::reply::FormatUnitParameters;

use super::{Mechanism, impl_multisession};
use crate::engine::{Job, SECTOR, Span, align_up};
use crate::error::WriterError;
use crate::media::{self, MediaInfo};
use crate::state::WriteAction;
use crate::stream::{BlockRange, SessionStream};
use crate::writer::Config;

/// The random-write mechanism (class MsftMultisessionRandomWrite).
#[derive(Debug)]
pub struct MsftMultisessionRandomWrite {
    import_recorder: String,
    in_use: AtomicBool,
    disc_id: Option<String>,
    supported: bool,
    write_unit: i32,
    last_written: Option<i32>,
    total: i32,
}

impl MsftMultisessionRandomWrite {
    pub(crate) fn from_info(info: &MediaInfo, disc_id: Option<String>) -> Self {
        MsftMultisessionRandomWrite {
            import_recorder: info.device.clone(),
            in_use: AtomicBool::new(false),
            disc_id,
            supported: info.format.is_none() && !info.physically_blank && info.status.is_usable(),
            write_unit: info.write_unit,
            last_written: info.last_written,
            total: info.total,
        }
    }
}

impl_multisession!(
    MsftMultisessionRandomWrite,
    "MsftMultisessionRandomWrite",
    as_random_write,
    MultisessionRandomWrite
);

impl MultisessionRandomWrite for MsftMultisessionRandomWrite {
    fn write_unit_size(&self) -> i32 {
        self.write_unit
    }
    fn last_written_address(&self) -> Result<i32, MultisessionError> {
        self.last_written
            .ok_or_else(|| MultisessionError::NotImplemented {
                device: self.import_recorder.clone(),
                reason: "the drive does not report a last recorded address (LRA_V = 0)".into(),
            })
    }
    fn total_sectors_on_media(&self) -> i32 {
        self.total
    }
}

impl Mechanism for MsftMultisessionRandomWrite {
    fn planned_operation(
        &self,
        _cfg: &Config,
        _info: &MediaInfo,
        stream: &dyn SessionStream,
    ) -> (u64, u64) {
        match stream.block_ranges() {
            Some(r) if !r.is_empty() => (u64::from(r[0].start_lba), r[0].sectors()),
            _ => (0, stream.len_bytes() / SECTOR as u64),
        }
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

/// Writes the stream's block ranges (or the whole stream from LBA 0 on blank media).
fn record(
    job: &mut Job<'_, '_>,
    info: &MediaInfo,
    stream: &mut dyn SessionStream,
) -> Result<(), WriterError> {
    let stream_sectors = stream.len_bytes() / SECTOR as u64;
    let given = stream.block_ranges();
    let ranges: Vec<BlockRange> = match &given {
        Some(v) => {
            if v.is_empty() {
                return Err(WriterError::StreamNotSupported {
                    reason: "the block range list is empty".into(),
                });
            }
            for r in v {
                if r.end_lba < r.start_lba {
                    return Err(WriterError::StreamNotSupported {
                        reason: format!(
                            "block range {}..={} ends before it starts",
                            r.start_lba, r.end_lba
                        ),
                    });
                }
                if u64::from(r.end_lba) >= stream_sectors {
                    return Err(WriterError::StreamNotSupported {
                        reason: format!(
                            "block range {}..={} lies beyond the stream's {stream_sectors} sectors",
                            r.start_lba, r.end_lba
                        ),
                    });
                }
            }
            v.clone()
        }
        None => {
            if let Some(start) = stream.session_start_block().filter(|s| *s != 0) {
                return Err(WriterError::StreamNotSupported {
                    reason: format!(
                        "an image built for session start block {start} is written to overwritable media only with block ranges (the stream would land at LBA 0)"
                    ),
                });
            }
            vec![BlockRange::new(0, (stream_sectors - 1) as u32)]
        }
    };
    let end = ranges
        .iter()
        .map(|r| u64::from(r.end_lba) + 1)
        .max()
        .unwrap_or(0);
    if end > info.total.max(0) as u64 {
        return Err(WriterError::StreamTooLarge {
            device: info.device.clone(),
            needed: end,
            available: info.total.max(0) as u64,
        });
    }
    if given.is_none() && !job.cfg.force_overwrite && !media::heuristically_blank(job.rec, info)? {
        return Err(WriterError::MediaNotBlank {
            device: info.device.clone(),
        });
    }
    let first = ranges[0];
    job.set_op(u64::from(first.start_lba), first.sectors());
    let mut info = info.clone();
    if let Some(fmt) = info.format {
        job.event(WriteAction::FormattingMedia);
        let params = FormatUnitParameters {
            fov: true,
            immed: true,
            number_of_blocks: fmt.number_of_blocks,
            format_type: fmt.format_type,
            format_sub_type: 0,
            type_dependent_parameter: fmt.type_dependent_parameter,
        };
        job.rec
            .drive()
            .format_unit(&params)
            .map_err(|e| job.mmc(e))?;
        info = media::read_media_info(job.rec)?;
        if end > info.total.max(0) as u64 {
            return Err(WriterError::StreamTooLarge {
                device: info.device.clone(),
                needed: end,
                available: info.total.max(0) as u64,
            });
        }
    }
    job.event(WriteAction::InitializingHardware);
    job.apply_speed();
    job.event(WriteAction::CalibratingPower);
    let unit = info.write_unit.max(1) as u64;
    let total = info.total.max(0) as u64;
    let mut done_before = 0u64;
    let mut stream_pos = if given.is_none() { Some(0) } else { None };
    for r in &ranges {
        let s = u64::from(r.start_lba);
        let e = u64::from(r.end_lba) + 1;
        let a0 = s - s % unit;
        let a1 = align_up(e, unit).min(total.max(e));
        job.set_op(a0, a1 - a0);
        // Stream sectors s..e land at LBA s..e; the rest of the aligned span keeps
        // what the media holds (read-modify-write, MS-15).
        let span = Span {
            lba: a0,
            count: a1 - a0,
            data_from: s - a0,
            data_to: e - a0,
        };
        if let Some(done) = job.data_phase(stream, span, unit, true, &mut stream_pos)? {
            return job.cancel_stop(done_before + done);
        }
        done_before += a1 - a0;
    }
    job.sync()?;
    if matches!(profile_family(info.profile), Family::DvdPlusRw) {
        job.event(WriteAction::Finalization);
        job.rec
            .drive()
            .close_track_session(CloseFunction::Session, 0, true)
            .map_err(|e| job.mmc(e))?;
    }
    job.event(WriteAction::Completed);
    Ok(())
}

enum Family {
    DvdPlusRw,
    Other,
}

fn profile_family(p: Profile) -> Family {
    match p {
        Profile::DvdPlusRw | Profile::DvdPlusRwDl => Family::DvdPlusRw,
        _ => Family::Other,
    }
}
