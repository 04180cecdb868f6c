//! The El Torito boot catalog of a session (El Torito 1.0 2.0–2.5): found through the
//! boot record volume descriptor, read with every length bounded by the media size and
//! [`MAX_CATALOG_SECTORS`], the validation entry's checksum checked.

use discburn_format::eltorito::{BootCatalog, BootEntry, ENTRY_SIZE, PlatformId};

use crate::error::{Place, ReadError};
use crate::source::{SECTOR_SIZE, SectorSource};

/// Sectors of a boot catalog read at most (64 KiB, 2048 entries): a catalog that has
/// not ended by then is refused.
pub const MAX_CATALOG_SECTORS: u64 = 32;

/// One boot entry of a catalog with the platform of its validation entry or section
/// header, in catalog order (index 0 is the initial/default entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootCatalogEntry {
    /// Platform ID (El Torito 2.1 offset 1 for the initial entry, 2.3 offset 1 else).
    pub platform_id: PlatformId,
    /// The entry.
    pub entry: BootEntry,
}

/// A boot catalog as read: where it lies and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElTorito {
    /// LBA of the catalog (the boot record's Boot Catalog Pointer).
    pub catalog_lba: u32,
    /// The decoded catalog.
    pub catalog: BootCatalog,
}

impl ElTorito {
    /// The entries in catalog order.
    pub fn entries(&self) -> Vec<BootCatalogEntry> {
        self.catalog
            .entries()
            .map(|(platform_id, e)| BootCatalogEntry {
                platform_id,
                entry: *e,
            })
            .collect()
    }
}

/// Reads and decodes the boot catalog at `catalog_lba`: one sector first, more (up to
/// [`MAX_CATALOG_SECTORS`], never past the media) while the catalog runs on.
///
/// # Errors
/// [`ReadError::ExtentPastEnd`] when the catalog LBA lies past the media;
/// [`ReadError::Format`] ("El Torito validation entry", "... section entry": bad
/// checksum, key bytes, boot indicator or media type; a catalog cut short at the end
/// of the media or at [`MAX_CATALOG_SECTORS`]); [`ReadError::Io`].
pub fn read_boot_catalog(
    src: &mut (impl SectorSource + ?Sized),
    catalog_lba: u32,
) -> Result<ElTorito, ReadError> {
    let total = src.total_sectors();
    let lba = u64::from(catalog_lba);
    let place = |offset: usize| Place::in_extent("El Torito boot catalog", lba, offset as u64);
    if lba >= total {
        return Err(ReadError::ExtentPastEnd {
            place: Place::new("El Torito boot record volume descriptor", lba, 71),
            start: lba,
            end: lba + 1,
            total_sectors: total,
        });
    }
    let most = MAX_CATALOG_SECTORS.min(total - lba);
    let mut sectors = 1u64;
    loop {
        let mut buf = vec![0u8; sectors as usize * SECTOR_SIZE];
        src.read_sectors(lba, &mut buf)
            .map_err(|source| ReadError::Io {
                lba,
                count: sectors,
                source,
            })?;
        match BootCatalog::decode(&buf) {
            Ok(catalog) => {
                return Ok(ElTorito {
                    catalog_lba,
                    catalog,
                });
            }
            Err(e @ discburn_format::FormatError::Short { .. }) if sectors < most => {
                let _ = e;
                sectors = (sectors * 2).min(most);
            }
            Err(source) => {
                let offset = match &source {
                    discburn_format::FormatError::Short { offset, .. }
                    | discburn_format::FormatError::Invalid { offset, .. } => *offset,
                    _ => 0,
                };
                return Err(ReadError::Format {
                    place: place(offset - offset % ENTRY_SIZE),
                    source,
                });
            }
        }
    }
}

impl crate::Volume {
    /// The El Torito boot catalog this session's boot record names, read with
    /// [`read_boot_catalog`]; `None` without a boot record.
    ///
    /// # Errors
    /// As [`read_boot_catalog`].
    pub fn read_boot_catalog(
        &self,
        src: &mut (impl SectorSource + ?Sized),
    ) -> Result<Option<ElTorito>, ReadError> {
        self.boot_catalog
            .map(|lba| read_boot_catalog(src, lba))
            .transpose()
    }
}
