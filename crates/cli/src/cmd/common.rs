//! Helpers shared by `burn`, `sessions`, `ls` and `extract`: IMAPI error lines, the
//! timestamp input, grafting host paths into an image, and reading a recorder's media
//! as a [`SectorSource`].

use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context as _, anyhow};
use discburn::image::{FileSystemImage, ImageError, Timestamp};
use discburn::reader::SectorSource;
use discburn::recorder::{BackendKind, DiscRecorder, RecorderError};
use discburn::writer::WriterError;
use indicatif::{ProgressBar, ProgressStyle};

use super::mkimage::Graft;

/// What to do about a writer error, in plain words.
fn advice(e: &WriterError) -> &'static str {
    match e {
        WriterError::InvalidMediaState { state, .. }
            if state.contains(discburn::writer::MediaState::NON_EMPTY_SESSION) =>
        {
            "Run discburn repair on this drive, then burn again."
        }
        WriterError::InvalidMediaState { .. } => {
            "The disc cannot take another session in its state. Use a new disc."
        }
        WriterError::StreamTooLarge { .. } => {
            "The session does not fit on the disc. Burn fewer files or use a new disc."
        }
        WriterError::RequestCancelled { .. } => {
            "The burn was cancelled; the earlier sessions are intact."
        }
        WriterError::MediaNotSupported { .. } | WriterError::RecorderNotSupported { .. } => {
            "Use a recordable disc (CD-R/RW, DVD±R/RW, BD-R/RE) or an image file."
        }
        WriterError::StreamRead { .. } => {
            "A source file could not be read in full; the session was not completed (the earlier sessions are intact)."
        }
        WriterError::ForeignData { .. } => {
            "If that data may be destroyed, run the burn again with --force-overwrite."
        }
        _ => "Check the drive and the disc, then try again.",
    }
}

/// A writer error as one line: IMAPI name, HRESULT, the cause (without the IMAPI name
/// again where its message ends with it), what to do.
pub fn imapi(e: WriterError) -> anyhow::Error {
    let name = e.imapi_name();
    let cause = e.to_string();
    let cause = cause.strip_suffix(&format!(" ({name})")).unwrap_or(&cause);
    anyhow!("{name} ({:#010X}): {cause}. {}", e.hresult(), advice(&e))
}

/// A recorder error as one line with its IMAPI name.
pub fn recorder_err(e: RecorderError) -> anyhow::Error {
    anyhow!("{} ({:#010X}): {e}", e.imapi_name(), e.hresult())
}

/// Opens the recorder at `path`.
pub fn open_recorder(path: &Path) -> anyhow::Result<DiscRecorder> {
    DiscRecorder::open(path).map_err(recorder_err)
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

/// Creates the missing directories above image path `path`.
fn make_parents(image: &mut FileSystemImage, path: &str) -> anyhow::Result<()> {
    let mut end = 0;
    while let Some(i) = path[end + 1..].find('/') {
        end += 1 + i;
        match image.add_directory(&path[..end]) {
            Ok(()) | Err(ImageError::PathExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Number of non-directory entries below host directory `dir` (links not followed).
fn count_files(dir: &Path) -> io::Result<usize> {
    let mut n = 0;
    for e in fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            n += count_files(&e.path())?;
        } else {
            n += 1;
        }
    }
    Ok(n)
}

/// Adds `g` to `image`: a directory's contents at DEST or the root; a file at DEST or
/// /BASENAME (a DEST ending in `/` means DEST/BASENAME).
pub fn add_graft(image: &mut FileSystemImage, g: &Graft) -> anyhow::Result<()> {
    let meta = fs::metadata(&g.src).with_context(|| format!("{}", g.src.display()))?;
    if meta.is_dir() {
        image.add_tree(&g.src, g.dest.as_deref().unwrap_or("/"))?;
        return Ok(());
    }
    let base = g
        .src
        .file_name()
        .ok_or_else(|| anyhow!("{}: no file name", g.src.display()))?
        .to_str()
        .ok_or_else(|| anyhow!("{}: file name is not UTF-8", g.src.display()))?;
    let dest = match g.dest.as_deref() {
        None => format!("/{base}"),
        Some(d) if d.ends_with('/') => format!("{d}{base}"),
        Some(d) => d.to_string(),
    };
    make_parents(image, &dest)?;
    image.add_file(&dest, &g.src)?;
    Ok(())
}

/// The number of files `g` adds: the non-directory entries below a directory source,
/// else 1 (for `burn`'s report).
pub fn graft_file_count(g: &Graft) -> anyhow::Result<usize> {
    let meta = fs::metadata(&g.src).with_context(|| format!("{}", g.src.display()))?;
    if meta.is_dir() {
        count_files(&g.src).with_context(|| format!("{}", g.src.display()))
    } else {
        Ok(1)
    }
}

/// READ(10) through a recorder as a reader sector source (MMC-6 6.15); the size is READ
/// CAPACITY's last LBA + 1.
pub struct DriveSource {
    recorder: DiscRecorder,
    total: u64,
}

impl std::fmt::Debug for DriveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriveSource")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl DriveSource {
    /// Wraps `recorder`, reading its capacity.
    pub fn new(mut recorder: DiscRecorder) -> anyhow::Result<Self> {
        let cap = recorder.read_capacity().map_err(recorder_err)?;
        let total = if cap.last_lba == 0 {
            0
        } else {
            u64::from(cap.last_lba) + 1
        };
        Ok(DriveSource { recorder, total })
    }
}

impl SectorSource for DriveSource {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> io::Result<()> {
        let lba = u32::try_from(lba).map_err(|_| io::Error::other("LBA beyond 2^32"))?;
        self.recorder
            .drive()
            .read10(lba, buf)
            .map_err(io::Error::other)
    }
    fn total_sectors(&self) -> u64 {
        self.total
    }
}

/// The media of `recorder` (opened from `path`) as a sector source: a regular file used
/// as random-writable media is read directly (its size is the media's; READ CAPACITY of
/// such a target includes the free space of the host file system, which changes under
/// us); everything else through READ(10).
pub fn media_source(path: &Path, recorder: DiscRecorder) -> anyhow::Result<Box<dyn SectorSource>> {
    if recorder.backend_kind() == BackendKind::Stdio && path.is_file() {
        let f = discburn::reader::FileSource::open(path)
            .with_context(|| format!("{}", path.display()))?;
        return Ok(Box::new(f));
    }
    Ok(Box::new(DriveSource::new(recorder)?))
}

/// True when `recorder` is a regular file used as random-writable media.
pub fn is_plain_file(path: &Path, recorder: &DiscRecorder) -> bool {
    recorder.backend_kind() == BackendKind::Stdio && path.is_file()
}

/// The progress bar of a write of `total_bytes` bytes (mkimage, burn).
pub fn progress_bar(total_bytes: u64) -> ProgressBar {
    let bar = ProgressBar::new(total_bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {wide_msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}
