//! El Torito Bootable CD-ROM Format Specification 1.0 (Phoenix/IBM, 1995): the Boot
//! Record Volume Descriptor (2.0, an ECMA-119 8.2 boot record), the boot catalog (2.1
//! validation entry, 2.2 initial/default entry, 2.3 section header, 2.4 section entry,
//! 2.5 section entry extension), and the boot info table that genisoimage's
//! `-boot-info-table` writes into a no-emulation boot file (the convention ISOLINUX and
//! GRUB's `eltorito.img` read: not part of El Torito).
//!
//! The catalog is a run of 32-byte entries: the validation entry, the initial/default
//! entry, then any number of sections (a header and its entries). Decoding is bounded
//! by the buffer given (the caller reads at most the sectors the medium holds) and
//! checks the validation entry's key bytes and checksum.

use crate::FormatError;
use crate::iso9660::{STANDARD_IDENTIFIER, VD_TYPE_BOOT_RECORD};

/// Boot System Identifier of an El Torito boot record (El Torito 2.0 offset 7, padded
/// with zeros to 32 bytes).
pub const BOOT_SYSTEM_IDENTIFIER: &[u8; 23] = b"EL TORITO SPECIFICATION";

/// Bytes in one boot catalog entry (El Torito 2.0).
pub const ENTRY_SIZE: usize = 32;

/// Boot Indicator of a bootable entry (El Torito 2.2 offset 0, 2.4 offset 0).
pub const BOOTABLE: u8 = 0x88;
/// Header ID of the validation entry (El Torito 2.1 offset 0).
pub const VALIDATION_HEADER_ID: u8 = 0x01;
/// Header Indicator of a section header followed by more headers (El Torito 2.3).
pub const SECTION_HEADER_MORE: u8 = 0x90;
/// Header Indicator of the final section header (El Torito 2.3).
pub const SECTION_HEADER_FINAL: u8 = 0x91;
/// Extension Indicator of a section entry extension (El Torito 2.5 offset 0).
pub const EXTENSION_INDICATOR: u8 = 0x44;
/// Load segment 0 means the traditional 0x7C0 (El Torito 2.2 offset 2).
pub const DEFAULT_LOAD_SEGMENT: u16 = 0x07C0;

/// The fields of a Boot Record Volume Descriptor that El Torito defines (El Torito
/// 1.0 section 2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootRecordVolumeDescriptor {
    /// Absolute pointer to the first sector of the boot catalog (offset 71, little
    /// endian; an LBA of the medium).
    pub boot_catalog_pointer: u32,
}

impl BootRecordVolumeDescriptor {
    /// Decodes `sector` (one 2048-byte volume descriptor) as an El Torito boot record.
    /// `Ok(None)` for any other volume descriptor: another type, another standard
    /// identifier, or a boot record of another boot system.
    ///
    /// # Errors
    /// [`FormatError::Short`] when `sector` is shorter than the 75 bytes decoded.
    pub fn decode(sector: &[u8]) -> Result<Option<BootRecordVolumeDescriptor>, FormatError> {
        if sector.len() < 75 {
            return Err(FormatError::Short {
                structure: "El Torito boot record volume descriptor",
                offset: 0,
                needed: 75,
                available: sector.len(),
            });
        }
        if sector[0] != VD_TYPE_BOOT_RECORD
            || sector[1..6] != STANDARD_IDENTIFIER
            || &sector[7..30] != BOOT_SYSTEM_IDENTIFIER
        {
            return Ok(None);
        }
        Ok(Some(BootRecordVolumeDescriptor {
            boot_catalog_pointer: u32::from_le_bytes([
                sector[71], sector[72], sector[73], sector[74],
            ]),
        }))
    }

    /// The 2048-byte descriptor (El Torito 2.0): type 0, `CD001`, version 1, the boot
    /// system identifier padded with zeros, the catalog pointer at offset 71, zeros
    /// elsewhere.
    pub fn encode(&self) -> [u8; 2048] {
        let mut s = [0u8; 2048];
        s[0] = VD_TYPE_BOOT_RECORD;
        s[1..6].copy_from_slice(&STANDARD_IDENTIFIER);
        s[6] = 1;
        s[7..30].copy_from_slice(BOOT_SYSTEM_IDENTIFIER);
        s[71..75].copy_from_slice(&self.boot_catalog_pointer.to_le_bytes());
        s
    }
}

/// Platform ID (El Torito 2.1 offset 1, 2.3 offset 1). UEFI 2.3 section 12.3.2.1
/// adds 0xEF for EFI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlatformId {
    /// 0: 80x86.
    X86,
    /// 1: PowerPC.
    PowerPc,
    /// 2: Mac.
    Mac,
    /// 0xEF: EFI (UEFI 2.3 12.3.2.1).
    Efi,
    /// Any other value, kept as read.
    Other(u8),
}

impl PlatformId {
    /// The recorded byte.
    pub fn to_byte(self) -> u8 {
        match self {
            PlatformId::X86 => 0,
            PlatformId::PowerPc => 1,
            PlatformId::Mac => 2,
            PlatformId::Efi => 0xEF,
            PlatformId::Other(b) => b,
        }
    }

    /// From the recorded byte.
    pub fn from_byte(b: u8) -> PlatformId {
        match b {
            0 => PlatformId::X86,
            1 => PlatformId::PowerPc,
            2 => PlatformId::Mac,
            0xEF => PlatformId::Efi,
            b => PlatformId::Other(b),
        }
    }

    /// The name xorriso's `-report_el_torito` uses (`BIOS`, `PPC`, `Mac`, `UEFI`), or
    /// the hex value.
    pub fn name(self) -> String {
        match self {
            PlatformId::X86 => "BIOS".into(),
            PlatformId::PowerPc => "PPC".into(),
            PlatformId::Mac => "Mac".into(),
            PlatformId::Efi => "UEFI".into(),
            PlatformId::Other(b) => format!("0x{b:02x}"),
        }
    }
}

/// Boot Media Type, bits 0–3 (El Torito 2.2 offset 1, 2.4 offset 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Emulation {
    /// 0: no emulation; the image is loaded as is.
    NoEmulation,
    /// 1: 1.2 MB diskette.
    Floppy12,
    /// 2: 1.44 MB diskette.
    Floppy144,
    /// 3: 2.88 MB diskette.
    Floppy288,
    /// 4: hard disk (the image starts with a master boot record).
    HardDisk,
}

impl Emulation {
    /// The recorded value (bits 0–3).
    pub fn to_bits(self) -> u8 {
        match self {
            Emulation::NoEmulation => 0,
            Emulation::Floppy12 => 1,
            Emulation::Floppy144 => 2,
            Emulation::Floppy288 => 3,
            Emulation::HardDisk => 4,
        }
    }

    /// From bits 0–3; `None` for the reserved values 5–15.
    pub fn from_bits(b: u8) -> Option<Emulation> {
        Some(match b & 0x0F {
            0 => Emulation::NoEmulation,
            1 => Emulation::Floppy12,
            2 => Emulation::Floppy144,
            3 => Emulation::Floppy288,
            4 => Emulation::HardDisk,
            _ => return None,
        })
    }

    /// The size in bytes a diskette image of this type must have (1,228,800,
    /// 1,474,560, 2,949,120); `None` for no emulation and hard disk.
    pub fn floppy_size(self) -> Option<u64> {
        match self {
            Emulation::Floppy12 => Some(1_228_800),
            Emulation::Floppy144 => Some(1_474_560),
            Emulation::Floppy288 => Some(2_949_120),
            _ => None,
        }
    }
}

/// The validation entry (El Torito 2.1): first entry of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationEntry {
    /// Platform ID of the initial/default entry.
    pub platform_id: PlatformId,
    /// ID string: the manufacturer/developer of the CD-ROM (offset 4, 24 bytes).
    pub id_string: [u8; 24],
}

impl ValidationEntry {
    /// The 32 bytes, with the checksum (offset 28) making the sixteen little-endian
    /// words sum to zero and the key bytes 0x55 0xAA at offsets 30–31.
    pub fn encode(&self) -> [u8; ENTRY_SIZE] {
        let mut e = [0u8; ENTRY_SIZE];
        e[0] = VALIDATION_HEADER_ID;
        e[1] = self.platform_id.to_byte();
        e[4..28].copy_from_slice(&self.id_string);
        e[30] = 0x55;
        e[31] = 0xAA;
        let sum = word_sum(&e);
        e[28..30].copy_from_slice(&0u16.wrapping_sub(sum).to_le_bytes());
        e
    }

    /// Decodes and checks one entry.
    ///
    /// # Errors
    /// [`FormatError::Short`] below 32 bytes; [`FormatError::Invalid`] for a header ID
    /// other than 1, key bytes other than 0x55 0xAA, or a checksum that does not make
    /// the words sum to zero.
    pub fn decode(e: &[u8]) -> Result<ValidationEntry, FormatError> {
        const S: &str = "El Torito validation entry";
        let e = entry(e, 0, S)?;
        let bad = |field, offset, detail: String| FormatError::Invalid {
            structure: S,
            field,
            offset,
            detail,
        };
        if e[0] != VALIDATION_HEADER_ID {
            return Err(bad("Header ID", 0, format!("{} (must be 1)", e[0])));
        }
        if e[30] != 0x55 || e[31] != 0xAA {
            return Err(bad(
                "Key bytes",
                30,
                format!("{:02x} {:02x} (must be 55 aa)", e[30], e[31]),
            ));
        }
        let sum = word_sum(e);
        if sum != 0 {
            return Err(bad(
                "Checksum",
                28,
                format!("the words sum to {sum:#06x}, not 0"),
            ));
        }
        let mut id_string = [0u8; 24];
        id_string.copy_from_slice(&e[4..28]);
        Ok(ValidationEntry {
            platform_id: PlatformId::from_byte(e[1]),
            id_string,
        })
    }
}

fn word_sum(e: &[u8]) -> u16 {
    e.chunks_exact(2).fold(0u16, |s, w| {
        s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    })
}

fn entry<'a>(b: &'a [u8], offset: usize, s: &'static str) -> Result<&'a [u8], FormatError> {
    b.get(..ENTRY_SIZE).ok_or(FormatError::Short {
        structure: s,
        offset,
        needed: ENTRY_SIZE,
        available: b.len(),
    })
}

/// A boot entry: the initial/default entry (El Torito 2.2) or a section entry (2.4),
/// which share their first 12 bytes; a section entry adds the selection criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootEntry {
    /// Boot Indicator 0x88 (bootable) or 0x00.
    pub bootable: bool,
    /// Boot Media Type bits 0–3.
    pub emulation: Emulation,
    /// Boot Media Type bits 4–7 of a section entry as recorded (bit 5: an extension
    /// follows; bit 6: ATAPI driver; bit 7: SCSI drivers); 0 in the initial entry.
    pub media_flags: u8,
    /// Load Segment (offset 2): the real-mode segment the image is loaded to; 0 means
    /// 0x7C0.
    pub load_segment: u16,
    /// System Type (offset 4): for hard-disk emulation the partition type of the
    /// image's partition table; 0 otherwise.
    pub system_type: u8,
    /// Sector Count (offset 6): virtual 512-byte sectors the BIOS loads.
    pub sector_count: u16,
    /// Load RBA (offset 8): the LBA of the image.
    pub load_rba: u32,
    /// Selection Criteria Type (section entries, offset 12; 0 = none).
    pub selection_criteria_type: u8,
    /// Vendor unique selection criteria (section entries, offsets 13–31).
    pub selection_criteria: [u8; 19],
}

impl BootEntry {
    /// A bootable entry with no selection criteria.
    pub fn new(emulation: Emulation, load_segment: u16, sector_count: u16, load_rba: u32) -> Self {
        BootEntry {
            bootable: true,
            emulation,
            media_flags: 0,
            load_segment,
            system_type: 0,
            sector_count,
            load_rba,
            selection_criteria_type: 0,
            selection_criteria: [0; 19],
        }
    }

    /// The 32 bytes. The initial/default entry records no selection criteria (El
    /// Torito 2.2 offsets 12–31 are unused).
    pub fn encode(&self, initial: bool) -> [u8; ENTRY_SIZE] {
        let mut e = [0u8; ENTRY_SIZE];
        e[0] = if self.bootable { BOOTABLE } else { 0 };
        e[1] = self.emulation.to_bits() | if initial { 0 } else { self.media_flags & 0xF0 };
        e[2..4].copy_from_slice(&self.load_segment.to_le_bytes());
        e[4] = self.system_type;
        e[6..8].copy_from_slice(&self.sector_count.to_le_bytes());
        e[8..12].copy_from_slice(&self.load_rba.to_le_bytes());
        if !initial {
            e[12] = self.selection_criteria_type;
            e[13..32].copy_from_slice(&self.selection_criteria);
        }
        e
    }

    /// Decodes one entry at byte `offset` of the catalog (for errors).
    ///
    /// # Errors
    /// [`FormatError::Short`] below 32 bytes; [`FormatError::Invalid`] for a Boot
    /// Indicator other than 0x88 or 0x00, or a reserved Boot Media Type.
    pub fn decode(b: &[u8], offset: usize, initial: bool) -> Result<BootEntry, FormatError> {
        let s = if initial {
            "El Torito initial/default entry"
        } else {
            "El Torito section entry"
        };
        let e = entry(b, offset, s)?;
        let bootable = match e[0] {
            BOOTABLE => true,
            0 => false,
            v => {
                return Err(FormatError::Invalid {
                    structure: s,
                    field: "Boot Indicator",
                    offset,
                    detail: format!("{v:#04x} (must be 0x88 or 0x00)"),
                });
            }
        };
        let emulation = Emulation::from_bits(e[1]).ok_or_else(|| FormatError::Invalid {
            structure: s,
            field: "Boot Media Type",
            offset: offset + 1,
            detail: format!("{} is reserved", e[1] & 0x0F),
        })?;
        let mut selection_criteria = [0u8; 19];
        if !initial {
            selection_criteria.copy_from_slice(&e[13..32]);
        }
        Ok(BootEntry {
            bootable,
            emulation,
            media_flags: if initial { 0 } else { e[1] & 0xF0 },
            load_segment: u16::from_le_bytes([e[2], e[3]]),
            system_type: e[4],
            sector_count: u16::from_le_bytes([e[6], e[7]]),
            load_rba: u32::from_le_bytes([e[8], e[9], e[10], e[11]]),
            selection_criteria_type: if initial { 0 } else { e[12] },
            selection_criteria,
        })
    }
}

/// A section (El Torito 2.3 header and its 2.4 entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Platform ID of the section header.
    pub platform_id: PlatformId,
    /// ID string of the header (offset 4, 28 bytes).
    pub id_string: [u8; 28],
    /// The section entries.
    pub entries: Vec<BootEntry>,
}

/// A boot catalog (El Torito 2.0): validation entry, initial/default entry, sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootCatalog {
    /// The validation entry.
    pub validation: ValidationEntry,
    /// The initial/default entry.
    pub initial: BootEntry,
    /// Sections in order; the last header is written with 0x91.
    pub sections: Vec<Section>,
}

/// Entries decoded at most, whatever the buffer (a 64 KiB catalog holds 2048): bounds
/// the work a hostile catalog can cause.
pub const MAX_CATALOG_ENTRIES: usize = 2048;

impl BootCatalog {
    /// Bytes of the encoded catalog: 32 per entry (not padded to a sector).
    pub fn encoded_len(&self) -> usize {
        ENTRY_SIZE
            * (2 + self
                .sections
                .iter()
                .map(|s| 1 + s.entries.len())
                .sum::<usize>())
    }

    /// The encoded catalog.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] for a section of more than 65,535 entries, or an
    /// empty section (El Torito 2.3: a header names at least one entry).
    pub fn encode(&self) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&self.validation.encode());
        out.extend_from_slice(&self.initial.encode(true));
        for (i, s) in self.sections.iter().enumerate() {
            let n = u16::try_from(s.entries.len())
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| FormatError::Unencodable {
                    structure: "El Torito section header",
                    field: "Number of section entries",
                    detail: format!("{} entries (1 to 65535 allowed)", s.entries.len()),
                })?;
            let mut h = [0u8; ENTRY_SIZE];
            h[0] = if i + 1 == self.sections.len() {
                SECTION_HEADER_FINAL
            } else {
                SECTION_HEADER_MORE
            };
            h[1] = s.platform_id.to_byte();
            h[2..4].copy_from_slice(&n.to_le_bytes());
            h[4..32].copy_from_slice(&s.id_string);
            out.extend_from_slice(&h);
            for e in &s.entries {
                out.extend_from_slice(&e.encode(false));
            }
        }
        Ok(out)
    }

    /// Decodes a catalog from `buf` (the catalog's sectors as read; bounded by its
    /// length and by [`MAX_CATALOG_ENTRIES`]). After the initial entry, sections are read
    /// while a header (0x90/0x91) is found; the catalog ends after the entries of a
    /// final header (0x91), or at any other byte where a header is expected (unused
    /// space is zero). Section entry extensions (0x44, El Torito 2.5) are skipped.
    ///
    /// # Errors
    /// [`FormatError::Short`] when an entry or a section's entries run past `buf`;
    /// the [`FormatError::Invalid`] errors of [`ValidationEntry::decode`] and
    /// [`BootEntry::decode`], and one for a catalog over [`MAX_CATALOG_ENTRIES`].
    pub fn decode(buf: &[u8]) -> Result<BootCatalog, FormatError> {
        let validation = ValidationEntry::decode(buf)?;
        let initial = BootEntry::decode(buf.get(ENTRY_SIZE..).unwrap_or(&[]), ENTRY_SIZE, true)?;
        let mut sections = Vec::new();
        let mut off = 2 * ENTRY_SIZE;
        let mut count = 2usize;
        while let Some(&ind) = buf.get(off) {
            if ind != SECTION_HEADER_MORE && ind != SECTION_HEADER_FINAL {
                break;
            }
            let h = entry(&buf[off..], off, "El Torito section header")?;
            let n = usize::from(u16::from_le_bytes([h[2], h[3]]));
            let mut id_string = [0u8; 28];
            id_string.copy_from_slice(&h[4..32]);
            let mut s = Section {
                platform_id: PlatformId::from_byte(h[1]),
                id_string,
                entries: Vec::new(),
            };
            off += ENTRY_SIZE;
            count += 1;
            while s.entries.len() < n {
                if count >= MAX_CATALOG_ENTRIES {
                    return Err(FormatError::Invalid {
                        structure: "El Torito boot catalog",
                        field: "Number of section entries",
                        offset: off,
                        detail: format!("more than {MAX_CATALOG_ENTRIES} entries"),
                    });
                }
                let rest = buf.get(off..).unwrap_or(&[]);
                let e = BootEntry::decode(rest, off, false)?;
                off += ENTRY_SIZE;
                count += 1;
                // Extensions follow while bit 5 of the entry (or bit 5 of byte 1 of
                // the previous extension) says so.
                let mut more = e.media_flags & 0x20 != 0;
                while more && buf.get(off) == Some(&EXTENSION_INDICATOR) {
                    let x = entry(&buf[off..], off, "El Torito section entry extension")?;
                    more = x[1] & 0x20 != 0;
                    off += ENTRY_SIZE;
                    count += 1;
                    if count >= MAX_CATALOG_ENTRIES {
                        break;
                    }
                }
                s.entries.push(e);
            }
            sections.push(s);
            if ind == SECTION_HEADER_FINAL {
                break;
            }
        }
        Ok(BootCatalog {
            validation,
            initial,
            sections,
        })
    }

    /// Every entry in catalog order with its platform: the initial entry (platform of
    /// the validation entry), then each section's entries (platform of its header).
    pub fn entries(&self) -> impl Iterator<Item = (PlatformId, &BootEntry)> {
        std::iter::once((self.validation.platform_id, &self.initial)).chain(
            self.sections
                .iter()
                .flat_map(|s| s.entries.iter().map(move |e| (s.platform_id, e))),
        )
    }
}

/// The boot info table at byte 8 of a no-emulation boot file (genisoimage
/// `-boot-info-table`; read by ISOLINUX and GRUB): four little-endian 32-bit fields
/// then 40 reserved zero bytes, up to byte 64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootInfoTable {
    /// bi_pvd: LBA of the Primary Volume Descriptor.
    pub pvd_lba: u32,
    /// bi_file: LBA of the boot file.
    pub file_lba: u32,
    /// bi_length: length of the boot file in bytes.
    pub file_length: u32,
    /// bi_csum: [`boot_info_checksum`] of the file from byte 64 on.
    pub checksum: u32,
}

/// Byte offset of the boot info table in the boot file.
pub const BOOT_INFO_TABLE_OFFSET: usize = 8;
/// First byte after the boot info table (the checksum covers the file from here).
pub const BOOT_INFO_TABLE_END: usize = 64;

/// The 32-bit sum of the little-endian words of `data` (the boot file from byte 64 to
/// its end; a last partial word is padded with zeros), as genisoimage computes bi_csum.
pub fn boot_info_checksum(data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(4);
    let mut sum = chunks.by_ref().fold(0u32, |s, w| {
        s.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    });
    let r = chunks.remainder();
    if !r.is_empty() {
        let mut w = [0u8; 4];
        w[..r.len()].copy_from_slice(r);
        sum = sum.wrapping_add(u32::from_le_bytes(w));
    }
    sum
}

impl BootInfoTable {
    /// The table for `file` (the whole boot file) at `file_lba`, its checksum computed.
    pub fn for_file(file: &[u8], pvd_lba: u32, file_lba: u32) -> BootInfoTable {
        BootInfoTable {
            pvd_lba,
            file_lba,
            file_length: file.len() as u32,
            checksum: boot_info_checksum(file.get(BOOT_INFO_TABLE_END..).unwrap_or(&[])),
        }
    }

    /// The 56 bytes from offset 8 to 64.
    pub fn encode(&self) -> [u8; BOOT_INFO_TABLE_END - BOOT_INFO_TABLE_OFFSET] {
        let mut t = [0u8; 56];
        t[0..4].copy_from_slice(&self.pvd_lba.to_le_bytes());
        t[4..8].copy_from_slice(&self.file_lba.to_le_bytes());
        t[8..12].copy_from_slice(&self.file_length.to_le_bytes());
        t[12..16].copy_from_slice(&self.checksum.to_le_bytes());
        t
    }

    /// Writes the table into `file` at byte 8.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] for a file shorter than 64 bytes.
    pub fn patch(&self, file: &mut [u8]) -> Result<(), FormatError> {
        let Some(dst) = file.get_mut(BOOT_INFO_TABLE_OFFSET..BOOT_INFO_TABLE_END) else {
            return Err(FormatError::Unencodable {
                structure: "boot info table",
                field: "boot file",
                detail: format!("{} bytes; at least 64 needed", file.len()),
            });
        };
        dst.copy_from_slice(&self.encode());
        Ok(())
    }

    /// Decodes the table from the first 64 bytes of a boot file; `None` when the
    /// reserved bytes 24–63 are not zero (no table there).
    ///
    /// # Errors
    /// [`FormatError::Short`] below 64 bytes.
    pub fn decode(head: &[u8]) -> Result<Option<BootInfoTable>, FormatError> {
        let h = head.get(..BOOT_INFO_TABLE_END).ok_or(FormatError::Short {
            structure: "boot info table",
            offset: 0,
            needed: BOOT_INFO_TABLE_END,
            available: head.len(),
        })?;
        if h[24..64].iter().any(|&b| b != 0) {
            return Ok(None);
        }
        let w = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        Ok(Some(BootInfoTable {
            pvd_lba: w(8),
            file_lba: w(12),
            file_length: w(16),
            checksum: w(20),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_catalog_pointer_and_ignores_other_descriptors() {
        let mut s = vec![0u8; 2048];
        s[1..6].copy_from_slice(b"CD001");
        s[6] = 1;
        s[7..30].copy_from_slice(BOOT_SYSTEM_IDENTIFIER);
        s[71..75].copy_from_slice(&1234u32.to_le_bytes());
        assert_eq!(
            BootRecordVolumeDescriptor::decode(&s).unwrap(),
            Some(BootRecordVolumeDescriptor {
                boot_catalog_pointer: 1234
            })
        );
        assert_eq!(
            BootRecordVolumeDescriptor {
                boot_catalog_pointer: 1234
            }
            .encode()[..],
            s[..]
        );
        s[0] = 1;
        assert_eq!(BootRecordVolumeDescriptor::decode(&s).unwrap(), None);
        assert!(BootRecordVolumeDescriptor::decode(&s[..10]).is_err());
    }

    fn id24(s: &[u8]) -> [u8; 24] {
        let mut a = [0u8; 24];
        a[..s.len()].copy_from_slice(s);
        a
    }

    fn sample() -> BootCatalog {
        let mut efi = BootEntry::new(Emulation::NoEmulation, 0, 2880, 40);
        efi.selection_criteria[0] = 7;
        BootCatalog {
            validation: ValidationEntry {
                platform_id: PlatformId::X86,
                id_string: id24(b"discburn"),
            },
            initial: BootEntry::new(Emulation::NoEmulation, 0, 4, 30),
            sections: vec![
                Section {
                    platform_id: PlatformId::Efi,
                    id_string: [0; 28],
                    entries: vec![efi],
                },
                Section {
                    platform_id: PlatformId::PowerPc,
                    id_string: [b'x'; 28],
                    entries: vec![
                        BootEntry::new(Emulation::HardDisk, 0x1000, 1, 50),
                        BootEntry::new(Emulation::Floppy144, 0, 1, 60),
                    ],
                },
            ],
        }
    }

    #[test]
    fn validation_entry_checksum_sums_to_zero_and_is_checked() {
        let v = ValidationEntry {
            platform_id: PlatformId::X86,
            id_string: [0; 24],
        };
        let e = v.encode();
        // The well-known validation entry of genisoimage with an empty ID string.
        assert_eq!(&e[28..32], &[0xAA, 0x55, 0x55, 0xAA]);
        assert_eq!(ValidationEntry::decode(&e).unwrap(), v);
        let mut bad = e;
        bad[5] ^= 1;
        assert!(matches!(
            ValidationEntry::decode(&bad),
            Err(FormatError::Invalid {
                field: "Checksum",
                ..
            })
        ));
        let mut bad = e;
        bad[31] = 0;
        assert!(ValidationEntry::decode(&bad).is_err());
        assert!(ValidationEntry::decode(&e[..31]).is_err());
    }

    #[test]
    fn catalog_round_trips_with_sections() {
        let c = sample();
        let b = c.encode().unwrap();
        assert_eq!(b.len(), c.encoded_len());
        assert_eq!(b.len(), 32 * 7);
        assert_eq!(b[64], SECTION_HEADER_MORE);
        assert_eq!(b[64 + 1], 0xEF);
        assert_eq!(b[128], SECTION_HEADER_FINAL);
        let mut padded = b.clone();
        padded.resize(2048, 0);
        assert_eq!(BootCatalog::decode(&padded).unwrap(), c);
        assert_eq!(BootCatalog::decode(&b).unwrap(), c);
        let platforms: Vec<_> = c.entries().map(|(p, _)| p).collect();
        assert_eq!(
            platforms,
            [
                PlatformId::X86,
                PlatformId::Efi,
                PlatformId::PowerPc,
                PlatformId::PowerPc
            ]
        );
    }

    #[test]
    fn catalog_decoding_is_bounded() {
        let b = sample().encode().unwrap();
        // Cut inside the last section: its header promises two entries.
        assert!(matches!(
            BootCatalog::decode(&b[..b.len() - 32]),
            Err(FormatError::Short { .. })
        ));
        // A header claiming 65535 entries over a buffer of zeros stops at the buffer.
        let mut h = b[..64].to_vec();
        h.extend_from_slice(&[0x91, 0, 0xFF, 0xFF]);
        h.resize(64 * 1024, 0);
        assert!(BootCatalog::decode(&h).is_err());
        // Empty section refused when encoding.
        let mut c = sample();
        c.sections[0].entries.clear();
        assert!(c.encode().is_err());
    }

    #[test]
    fn boot_info_table_patch_and_checksum() {
        let mut f: Vec<u8> = (0..2053u32).map(|i| (i * 7) as u8).collect();
        f[8..64].fill(0);
        let t = BootInfoTable::for_file(&f, 16, 33);
        assert_eq!(t.file_length, 2053);
        let mut manual = 0u32;
        for i in (64..2053).step_by(4) {
            let mut w = [0u8; 4];
            for (k, b) in w.iter_mut().enumerate() {
                *b = *f.get(i + k).unwrap_or(&0);
            }
            manual = manual.wrapping_add(u32::from_le_bytes(w));
        }
        assert_eq!(t.checksum, manual);
        t.patch(&mut f).unwrap();
        assert_eq!(BootInfoTable::decode(&f).unwrap(), Some(t));
        assert!(t.patch(&mut [0u8; 63]).is_err());
        f[40] = 1;
        assert_eq!(BootInfoTable::decode(&f).unwrap(), None);
    }
}
