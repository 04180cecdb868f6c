//! Import for an append after a repaired interruption on sequential media (UDF 2.60
//! 2.2.11, 6.13): a VAT session cut by a power loss and closed by `repair` ends without
//! a VAT, so the last session holds no readable file system. When the session before it
//! is a UDF volume whose VAT is its last recorded block, the append imports that
//! generation instead; the new session's VAT chains to it and becomes the disc's last
//! block, where readers look. Nothing is written over: sequential media record only at
//! the next writable address. A last session that ends with a VAT ICB that does not
//! read (a damaged VAT) is not passed over: the append is refused.

use discburn_image::{FileSystemImage, FileSystems, ImageError, SectorSource};
use discburn_reader::{ReadError, ReadOptions, UdfVolume, Volume};
use discburn_writer::DiscFormat2Data;

use crate::Error;

/// Whether the last session's import failure `e` may be a session interrupted before
/// its VAT: no file system found, or a UDF structure unreadable (not an I/O error).
pub(crate) fn may_fall_back(e: &ImageError) -> bool {
    match e {
        ImageError::NoSupportedFileSystem { .. } => true,
        ImageError::Import { source } => !matches!(source, ReadError::Io { .. }),
        _ => false,
    }
}

/// Imports the newest session before the last one that is a UDF volume with a VAT at
/// its last recorded block (READ TRACK INFORMATION, MMC-6 6.27), passing over sessions
/// without a readable file system; returns the file systems imported and that session's
/// start LBA. `None` (nothing imported) when there is no such session, or an ISO 9660
/// session comes first.
///
/// # Errors
/// [`Error::Writer`] (device errors), [`Error::Image`] (import of that session).
pub(crate) fn import_previous_vat(
    writer: &DiscFormat2Data,
    image: &mut FileSystemImage,
) -> Result<Option<(FileSystems, u64)>, Error> {
    let toc = {
        let mut rec = writer.recorder()?;
        crate::disc::sequential_toc(&mut rec)?
    };
    let mut media = writer.media_source()?;
    // A VAT ICB among the last session's last blocks (where readers look for it) means
    // the session was complete and its VAT is damaged: refuse (the import error stands)
    // rather than continue an older generation (issue: damaged VATs are never passed
    // over). A session interrupted before its VAT ends without one.
    if let Some(last) = toc.last() {
        let end = last.start + last.blocks;
        let mut s = vec![0u8; discburn_format::SECTOR_SIZE];
        for lba in end.saturating_sub(4)..end {
            if media.read_sectors(lba, &mut s).is_ok() && looks_like_vat_icb(&s) {
                return Ok(None);
            }
        }
    }
    // Newest first, past the last session; sessions without a readable file system
    // (earlier interrupted ones, closed by repair) are passed over; an ISO 9660 session
    // ends the search.
    for prev in toc.iter().rev().skip(1) {
        let end = prev.start + prev.blocks;
        let mut src = Upto {
            inner: &mut *media,
            end,
        };
        let options = ReadOptions::default();
        let vat =
            UdfVolume::open_with_last_block(&mut src, prev.start, end.saturating_sub(1), &options);
        if vat.is_ok_and(|u| u.virtual_allocation_table().is_some()) {
            let used = image.import_file_system_from(&mut src, prev.start)?;
            return Ok(Some((used, prev.start)));
        }
        if Volume::open(&mut src, prev.start, &options).is_ok() {
            break;
        }
    }
    Ok(None)
}

/// A block whose descriptor tag (ECMA-167 3/7.2: checksum of bytes 0–3 and 5–15) is a
/// File Entry or Extended File Entry (tag identifiers 261, 266) with file type 248, a
/// VAT 2.00 ICB (UDF 2.60 2.2.11), whatever its CRC and contents.
fn looks_like_vat_icb(s: &[u8]) -> bool {
    use discburn_format::ecma167::{DescriptorTag, file_type, tag_id};
    let Some(tag) = DescriptorTag::decode(s) else {
        return false;
    };
    matches!(
        tag.tag_identifier,
        tag_id::FILE_ENTRY | tag_id::EXTENDED_FILE_ENTRY
    ) && DescriptorTag::checksum_of(s) == Some(tag.tag_checksum)
        // ICB tag (bytes 16-35, ECMA-167 4/14.6): File Type at its byte 11.
        && s.get(27) == Some(&file_type::VAT20)
}

/// The media up to `end` (exclusive): the VAT is found at its last block.
struct Upto<'a> {
    inner: &'a mut dyn SectorSource,
    end: u64,
}

impl SectorSource for Upto<'_> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.inner.read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        self.inner.total_sectors().min(self.end)
    }
}
