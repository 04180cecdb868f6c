//! Helpers shared by the commands: error lines of the library operations, the timestamp
//! input, grafting host paths into an image, the progress bar.

use anyhow::anyhow;
use discburn::image::{FileSystemImage, Timestamp};
use indicatif::{ProgressBar, ProgressStyle};

use super::mkimage::Graft;

/// A library error as one line: IMAPI name, HRESULT, the cause (without the IMAPI name
/// again where its message ends with it), what to do.
pub fn lib_err(e: discburn::Error) -> anyhow::Error {
    let name = e.imapi_name();
    let cause = e.to_string();
    let cause = cause.strip_suffix(&format!(" ({name})")).unwrap_or(&cause);
    let advice = e.advice();
    if advice.is_empty() {
        anyhow!("{name} ({:#010X}): {cause}.", e.hresult())
    } else {
        anyhow!("{name} ({:#010X}): {cause}. {advice}", e.hresult())
    }
}

/// The clamp of recorded times: SOURCE_DATE_EPOCH when set (reproducible-builds.org:
/// times later than it are recorded as it).
pub fn clamp_times() -> Option<i64> {
    let v = std::env::var_os("SOURCE_DATE_EPOCH")?;
    v.to_string_lossy().trim().parse().ok()
}

/// The timestamp input: `SOURCE_DATE_EPOCH` if set, else now with the local offset.
pub fn timestamp() -> anyhow::Result<Timestamp> {
    if let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH") {
        let s = v.to_string_lossy();
        let unix_seconds: i64 = s.trim().parse().map_err(|_| {
            anyhow!("SOURCE_DATE_EPOCH={s:?} is not a whole number of seconds since 1970-01-01")
        })?;
        return Ok(Timestamp {
            unix_seconds,
            utc_offset_minutes: 0,
        });
    }
    let now = jiff::Zoned::now();
    // ECMA-119 8.4.26.1 records the offset in 15-minute intervals.
    let minutes = now.offset().seconds() / 60;
    let minutes = (minutes / 15 * 15).clamp(-48 * 15, 52 * 15);
    Ok(Timestamp {
        unix_seconds: now.timestamp().as_second(),
        utc_offset_minutes: i16::try_from(minutes).unwrap_or(0),
    })
}

/// Adds `g` to `image` as `mkisofs` grafts `SRC[=DEST]` (see
/// `FileSystemImage::add_graft`).
pub fn add_graft(image: &mut FileSystemImage, g: &Graft) -> anyhow::Result<()> {
    image.add_graft(&g.src, g.dest.as_deref())?;
    Ok(())
}

/// The progress bar of a write of `total_bytes` bytes (mkimage, burn).
pub fn progress_bar(total_bytes: u64) -> ProgressBar {
    let bar = ProgressBar::new(total_bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:12} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

/// The word a progress bar shows for a write stage (IMAPI_FORMAT2_DATA_WRITE_ACTION):
/// whole words, and on a target without optics (an image file or block device,
/// `optical` false) none of the drive's own stages (formatting, calibrating the laser
/// power), which it does not go through.
pub fn stage_word(action: discburn::writer::WriteAction, optical: bool) -> &'static str {
    use discburn::writer::WriteAction as A;
    match action {
        A::ValidatingMedia => "checking",
        A::FormattingMedia if optical => "formatting",
        A::InitializingHardware if optical => "initializing",
        A::CalibratingPower if optical => "calibrating",
        A::FormattingMedia | A::InitializingHardware | A::CalibratingPower => "preparing",
        A::WritingData => "writing",
        A::Finalization => "finalizing",
        A::Verifying => "verifying",
        A::Completed => "done",
    }
}
