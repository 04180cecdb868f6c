//! Copying a medium's blocks to an image file: what `dd` of the disc gives, for any
//! recorder. Reads go through the same [`Disc`] entry point (READ(10), MMC-6 6.15,
//! through the recorder; an image file is read directly), in large sequential pieces.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use discburn_image::SectorSource;

use crate::{Disc, Error};

/// Sectors per read (2 MiB).
const CHUNK_SECTORS: u64 = 1024;
const BS: u64 = discburn_format::SECTOR_SIZE as u64;

/// What [`Disc::dump`] copied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DumpReport {
    /// First LBA copied (block 0 of the output).
    pub start_lba: u64,
    /// Blocks copied (2048 bytes each), unreadable ones included as zeros.
    pub blocks: u64,
    /// Unreadable block runs: (first LBA, count); written as zeros.
    pub unreadable: Vec<(u64, u64)>,
}

fn temp_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "dump".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.discburn-dump-{}.tmp", std::process::id()))
}

impl Disc {
    /// Copies the medium's readable blocks to the image file `out`: the whole medium as
    /// a reader of the device sees it (an image file: all of it; a disc: LBA 0 to the
    /// end of its last session), or with `number` only that session's blocks (block 0
    /// of the output is the session's first block). Unreadable blocks are written as
    /// zeros and reported. The output is written under a temporary name beside `out`
    /// and renamed over it when complete; on an error no output is left behind.
    /// `progress` gets (blocks done, blocks to copy).
    ///
    /// # Errors
    /// [`Error::NoSuchSession`] and those of [`Disc::sessions`]; [`Error::Output`]
    /// when the output cannot be created or written.
    pub fn dump(
        self,
        number: Option<u32>,
        out: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<DumpReport, Error> {
        let sessions = self.sessions()?;
        let image_file = self
            .writer()
            .recorder()
            .ok()
            .and_then(|r| discburn_writer::image_file_path(&r));
        let device = self.device().to_string();
        let mut src = self.into_media_source()?;
        let total = src.total_sectors();
        let (start, end) = match number {
            Some(n) => {
                let s = sessions.iter().find(|s| s.number == n).ok_or_else(|| {
                    Error::NoSuchSession {
                        device: device.clone(),
                        number,
                        count: sessions.len(),
                    }
                })?;
                (s.start, (s.start + s.blocks).min(total))
            }
            None if image_file.is_some() => (0, total),
            None => (
                0,
                sessions
                    .iter()
                    .map(|s| s.start + s.blocks)
                    .max()
                    .unwrap_or(0)
                    .min(total),
            ),
        };
        let tmp = temp_path(out);
        let output_err = |e: std::io::Error| Error::Output {
            path: out.display().to_string(),
            source: e,
        };
        let mut f: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(output_err)?;
        let result = copy(&mut *src, start, end, &mut f, progress).and_then(|r| {
            f.sync_all()?;
            Ok(r)
        });
        drop(f);
        match result {
            Ok(report) => {
                fs::rename(&tmp, out).map_err(|e| {
                    let _ = fs::remove_file(&tmp);
                    output_err(e)
                })?;
                Ok(report)
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(output_err(e))
            }
        }
    }
}

fn copy(
    src: &mut dyn SectorSource,
    start: u64,
    end: u64,
    f: &mut File,
    progress: &mut dyn FnMut(u64, u64),
) -> std::io::Result<DumpReport> {
    let mut report = DumpReport {
        start_lba: start,
        blocks: end.saturating_sub(start),
        unreadable: Vec::new(),
    };
    let mut buf = vec![0u8; (CHUNK_SECTORS * BS) as usize];
    let mut lba = start;
    while lba < end {
        let n = CHUNK_SECTORS.min(end - lba);
        let b = &mut buf[..(n * BS) as usize];
        if src.read_sectors(lba, b).is_err() {
            for (i, block) in b.chunks_mut(BS as usize).enumerate() {
                let l = lba + i as u64;
                if src.read_sectors(l, block).is_err() {
                    block.fill(0);
                    match report.unreadable.last_mut() {
                        Some((s, c)) if *s + *c == l => *c += 1,
                        _ => report.unreadable.push((l, 1)),
                    }
                }
            }
        }
        f.write_all(b)?;
        lba += n;
        progress(lba - start, end - start);
    }
    Ok(report)
}
