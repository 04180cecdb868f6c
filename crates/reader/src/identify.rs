//! What a target holds, before anything is written to it: blank, ISO 9660 sessions a
//! burner can append to, a UDF volume, or something else (an archive, a file system, a
//! photo, unrecognised data). The data writer refuses to write over anything but the
//! first two unless told to (IMAPI2 IDiscFormat2Data::put_ForceOverwrite).
//!
//! The identification is bounded: it reads the first [`HEAD_SECTORS`] sectors (4 MiB)
//! and [`SAMPLES`] samples of [`SAMPLE_SECTORS`] sectors spread over the rest of the
//! media, at most 5 MiB in all whatever the media size, so a 100 GB image is identified
//! as fast as a small one; a UDF recognition sequence adds the reads of the volume's
//! anchors and descriptors (and its VAT, if it has one). "Blank" therefore means: the system area and volume
//! descriptor area (LBA 0–31), the rest of the first 4 MiB and every sample read as
//! zeros. Data that lies only between the samples is not seen.

use std::fmt;

use crate::error::ReadError;
use crate::sessions::{self, SessionList};
use crate::source::{SECTOR_SIZE, SectorSource};

/// Sectors read from LBA 0 (4 MiB): system area, volume descriptors, and the magic
/// numbers of common formats.
pub const HEAD_SECTORS: u64 = 2048;
/// Sectors in each sample read past the head (64 KiB).
pub const SAMPLE_SECTORS: u64 = 32;
/// Samples spread evenly over the media past the head (the last one ends at the end).
pub const SAMPLES: u64 = 16;

/// What [`identify_medium`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediumContent {
    /// Every sector read holds zeros (or the media has no sectors).
    Blank,
    /// ECMA-119 volume descriptors at a session start + 16: ISO 9660 sessions that a new
    /// session can follow. `sessions` is [`sessions::list_sessions`] when the head at
    /// LBA 16 is a primary volume descriptor, else the sessions found in the first
    /// [`HEAD_SECTORS`] sectors (a zeroed head with sessions behind it).
    Iso9660 {
        /// The sessions found.
        sessions: SessionList,
    },
    /// A UDF volume alone (no ECMA-119 descriptors) whose anchor at LBA 256, volume
    /// descriptors and partitions read (ECMA-167 3/8.4.2.1, 3/8.4.3): a session can be
    /// added after it, which takes the volume over by writing the anchor at LBA 256
    /// again. A recognition sequence whose volume cannot be read is [`Self::Foreign`].
    Udf {
        /// The first block after the volume's structures and partitions
        /// ([`crate::UdfVolume::recorded_end`]).
        volume_end: u64,
    },
    /// Volume descriptors invalidated by blanking ("CDXX1" at LBA 16, as `xorriso
    /// -blank` leaves image files and overwritable media): blank for a burner.
    Invalidated,
    /// Something that is not ours to overwrite.
    Foreign(Foreign),
}

impl MediumContent {
    /// True for what a burner may write to without losing anything: blank media,
    /// ISO 9660 sessions, a readable UDF volume, blanked (invalidated) ISO 9660 media.
    pub fn is_ours(&self) -> bool {
        !matches!(self, MediumContent::Foreign(_))
    }
}

/// Data found that is not blank and not ISO 9660: what it looks like and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    /// What it is, e.g. "a tar archive (\"ustar\" at byte 257)" or "unrecognised
    /// non-zero data".
    pub what: String,
    /// The LBA (2048-byte sectors) of the sector that identified it.
    pub lba: u64,
}

impl fmt::Display for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at LBA {}", self.what, self.lba)
    }
}

impl fmt::Display for MediumContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediumContent::Blank => f.write_str("blank"),
            MediumContent::Iso9660 { sessions } => write!(
                f,
                "ISO 9660 with {} session(s) ending at LBA {}",
                sessions.sessions.len(),
                sessions.end()
            ),
            MediumContent::Udf { volume_end } => {
                write!(f, "a UDF volume ending at LBA {volume_end}")
            }
            MediumContent::Invalidated => {
                f.write_str("blanked ISO 9660 (volume descriptors invalidated as CDXX1)")
            }
            MediumContent::Foreign(x) => x.fmt(f),
        }
    }
}

/// Magic numbers at fixed byte offsets from the start of the media.
const MAGICS: &[(usize, &[u8], &str)] = &[
    (257, b"ustar", "a tar archive (\"ustar\" at byte 257)"),
    (
        1080,
        &[0x53, 0xEF],
        "an ext2/ext3/ext4 file system (superblock magic 0xEF53 at byte 1080)",
    ),
    (0, &[0x1F, 0x8B], "gzip-compressed data (magic 1F 8B)"),
    (0, b"PK\x03\x04", "a zip archive (magic \"PK\\3\\4\")"),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, &[0xFF, 0xD8, 0xFF], "a JPEG image (magic FF D8 FF)"),
    (0, b"\xFD7zXZ\x00", "xz-compressed data"),
    (0, b"BZh", "bzip2-compressed data"),
    (0, b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
    (0, &[0x28, 0xB5, 0x2F, 0xFD], "zstd-compressed data"),
    (0, b"%PDF-", "a PDF document"),
    (0, b"\x7FELF", "an ELF executable"),
    (0, b"hsqs", "a squashfs file system"),
    (0, b"XFSB", "an XFS file system"),
    (0, b"LUKS\xBA\xBE", "a LUKS encrypted volume"),
    (3, b"NTFS    ", "an NTFS file system"),
    (3, b"EXFAT   ", "an exFAT file system"),
    (0x10040, b"_BHRfS_M", "a btrfs file system"),
    (512, b"EFI PART", "a GPT-partitioned disk"),
    (54, b"FAT1", "a FAT12/FAT16 file system"),
    (82, b"FAT32   ", "a FAT32 file system"),
];

/// UDF volume recognition sequence identifiers (ECMA-167 2/9.1, 3/9.1).
const VRS: &[&[u8]] = &[b"BEA01", b"NSR02", b"NSR03", b"TEA01"];

fn read(
    src: &mut (impl SectorSource + ?Sized),
    lba: u64,
    count: u64,
) -> Result<Vec<u8>, ReadError> {
    let mut buf = vec![0u8; count as usize * SECTOR_SIZE];
    src.read_sectors(lba, &mut buf)
        .map_err(|source| ReadError::Io { lba, count, source })?;
    Ok(buf)
}

fn first_nonzero_sector(buf: &[u8]) -> Option<u64> {
    buf.chunks(SECTOR_SIZE)
        .position(|s| s.iter().any(|&b| b != 0))
        .map(|i| i as u64)
}

/// Identifies what `src` holds (see the module documentation for what is read).
///
/// In order: a primary volume descriptor at LBA 16 (ECMA-119 8.4) is ISO 9660, and its
/// sessions are listed; "CDXX1" at LBA 16 is a blanked ISO 9660 volume; a UDF volume
/// recognition sequence at LBA 16–18 (ECMA-167 2/8.3: BEA01, NSR02/NSR03, TEA01) is a
/// UDF volume when its anchor at LBA 256 and its descriptors read, else foreign (a
/// damaged anchor at LBA 256 too: an append writes that block again);
/// a known magic number (tar, ext2/3/4, gzip, zip, PNG, JPEG, ...) names the format; a
/// primary volume descriptor at a 16-aligned session start + 16 inside the head is
/// ISO 9660 with a zeroed head; any other non-zero sector is "unrecognised non-zero
/// data" at its LBA; else the media is blank.
///
/// # Errors
/// [`ReadError::Io`] when a sector cannot be read (nothing is guessed from an unreadable
/// sector).
pub fn identify_medium(src: &mut (impl SectorSource + ?Sized)) -> Result<MediumContent, ReadError> {
    let total = src.total_sectors();
    if total == 0 {
        return Ok(MediumContent::Blank);
    }
    let head_n = total.min(HEAD_SECTORS);
    let head = read(src, 0, head_n)?;
    let sector = |lba: u64| -> Option<&[u8]> {
        let i = lba as usize * SECTOR_SIZE;
        head.get(i..i + SECTOR_SIZE)
    };
    if let Some(s) = sector(16) {
        let id = &s[1..6];
        if s[0] == 1 && id == b"CD001" {
            let sessions = sessions::list_sessions(src)?;
            if !sessions.sessions.is_empty() {
                return Ok(MediumContent::Iso9660 { sessions });
            }
        } else if id == b"CDXX1" {
            return Ok(MediumContent::Invalidated);
        }
    }
    for lba in 16..19 {
        if let Some(s) = sector(lba)
            && s[0] == 0
            && VRS.contains(&&s[1..6])
        {
            return Ok(
                match crate::UdfVolume::open(src, 0, &crate::ReadOptions::default()) {
                    // A session added after it writes LBA 256 again: the anchor there
                    // must be the volume's own, not damaged data.
                    Ok(v) => match v.require_anchor_256() {
                        Ok(()) => MediumContent::Udf {
                            volume_end: v.recorded_end,
                        },
                        Err(e) => MediumContent::Foreign(Foreign {
                            what: format!("a UDF volume: {e}"),
                            lba: 256,
                        }),
                    },
                    Err(e) => MediumContent::Foreign(Foreign {
                        what: format!(
                            "a UDF volume (recognition sequence \"{}\") whose structures cannot be read ({e})",
                            String::from_utf8_lossy(&s[1..6])
                        ),
                        lba,
                    }),
                },
            );
        }
    }
    for &(offset, magic, what) in MAGICS {
        if head.get(offset..offset + magic.len()) == Some(magic) {
            return Ok(MediumContent::Foreign(Foreign {
                what: what.to_string(),
                lba: (offset / SECTOR_SIZE) as u64,
            }));
        }
    }
    let first = first_nonzero_sector(&head);
    if first.is_some() {
        // (falls through to the samples only when the head is all zero)
        // A zeroed head with sessions behind it (peers.md: xorriso's layout with LBA 0-31
        // cleared): only sessions found within the head are trusted here.
        let found = sessions::scan_sessions(src, 0, head_n)?;
        if !found.is_empty() {
            let list = SessionList {
                method: sessions::DiscoveryMethod::Scan,
                sessions: found,
                head_end: None,
            };
            return Ok(MediumContent::Iso9660 { sessions: list });
        }
    }
    if let Some(lba) = first {
        return Ok(MediumContent::Foreign(Foreign {
            what: "unrecognised non-zero data".into(),
            lba,
        }));
    }
    match first_nonzero_in_samples(src, head_n)? {
        Some(lba) => Ok(MediumContent::Foreign(Foreign {
            what: "unrecognised non-zero data".into(),
            lba,
        })),
        None => Ok(MediumContent::Blank),
    }
}

/// The first non-zero sector among [`SAMPLES`] samples of [`SAMPLE_SECTORS`] sectors
/// spread evenly over `head..total` (the last one ends at the end of the media).
fn first_nonzero_in_samples(
    src: &mut (impl SectorSource + ?Sized),
    head: u64,
) -> Result<Option<u64>, ReadError> {
    let total = src.total_sectors();
    if total <= head {
        return Ok(None);
    }
    let rest = total - head;
    let n = SAMPLE_SECTORS.min(rest);
    for k in 1..=SAMPLES {
        // Sample k ends at head + rest * k / SAMPLES.
        let end = head + (u128::from(rest) * u128::from(k) / u128::from(SAMPLES)) as u64;
        let start = end.saturating_sub(n).max(head);
        if end <= start {
            continue;
        }
        let buf = read(src, start, end - start)?;
        if let Some(i) = first_nonzero_sector(&buf) {
            return Ok(Some(start + i));
        }
    }
    Ok(None)
}

/// True when the first [`HEAD_SECTORS`] sectors and the samples of
/// [`identify_medium`] all read as zeros (at most 5 MiB read whatever the media size).
///
/// # Errors
/// [`ReadError::Io`].
pub fn looks_blank(src: &mut (impl SectorSource + ?Sized)) -> Result<bool, ReadError> {
    let head_n = src.total_sectors().min(HEAD_SECTORS);
    if head_n > 0 && first_nonzero_sector(&read(src, 0, head_n)?).is_some() {
        return Ok(false);
    }
    Ok(first_nonzero_in_samples(src, head_n)?.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(v: &[u8]) -> MediumContent {
        let mut s: &[u8] = v;
        identify_medium(&mut s).unwrap()
    }

    #[test]
    fn zeros_are_blank_and_anything_else_is_named() {
        assert_eq!(id(&[]), MediumContent::Blank);
        assert_eq!(id(&vec![0u8; 5000 * 2048]), MediumContent::Blank);
        let mut v = vec![0u8; 5000 * 2048];
        v[4999 * 2048 + 7] = 1;
        match id(&v) {
            MediumContent::Foreign(f) => {
                assert_eq!(f.lba, 4999);
                assert!(f.what.contains("unrecognised"), "{f}");
            }
            other => panic!("{other:?}"),
        }
        let mut v = vec![0u8; 64 * 2048];
        v[257..262].copy_from_slice(b"ustar");
        assert!(matches!(id(&v), MediumContent::Foreign(f) if f.what.contains("tar")));
        let mut v = vec![0u8; 64 * 2048];
        v[1080] = 0x53;
        v[1081] = 0xEF;
        assert!(matches!(id(&v), MediumContent::Foreign(f) if f.what.contains("ext2")));
        let mut v = vec![0u8; 64 * 2048];
        v[16 * 2048 + 1..16 * 2048 + 6].copy_from_slice(b"BEA01");
        assert!(
            matches!(id(&v), MediumContent::Foreign(f) if f.what.contains("UDF") && f.lba == 16)
        );
        let mut v = vec![0u8; 64 * 2048];
        v[16 * 2048 + 1..16 * 2048 + 6].copy_from_slice(b"CDXX1");
        assert_eq!(id(&v), MediumContent::Invalidated);
        // "CD001" alone (no valid PVD) is not taken for a session.
        let mut v = vec![0u8; 64 * 2048];
        v[16 * 2048] = 1;
        v[16 * 2048 + 1..16 * 2048 + 6].copy_from_slice(b"CD001");
        assert!(matches!(id(&v), MediumContent::Foreign(_)));
    }

    /// A 1 TiB medium of zeros is identified with at most 5 MiB read.
    #[test]
    fn reads_are_bounded() {
        struct Zeros(u64, u64);
        impl SectorSource for Zeros {
            fn read_sectors(&mut self, _lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
                self.1 += buf.len() as u64;
                buf.fill(0);
                Ok(())
            }
            fn total_sectors(&self) -> u64 {
                self.0
            }
        }
        let mut z = Zeros(1 << 29, 0);
        assert_eq!(identify_medium(&mut z).unwrap(), MediumContent::Blank);
        assert!(z.1 <= 5 << 20, "{} bytes read", z.1);
    }
}
