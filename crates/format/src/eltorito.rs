//! El Torito Bootable CD-ROM Format Specification 1.0 (Phoenix/IBM, 1995): the Boot
//! Record Volume Descriptor (2.0, an ECMA-119 8.2 boot record). The boot catalog itself
//! (validation entry, initial/default entry, section headers) is not written yet.

use crate::FormatError;
use crate::iso9660::{STANDARD_IDENTIFIER, VD_TYPE_BOOT_RECORD};

/// Boot System Identifier of an El Torito boot record (El Torito 2.0 offset 7, padded
/// with zeros to 32 bytes).
pub const BOOT_SYSTEM_IDENTIFIER: &[u8; 23] = b"EL TORITO SPECIFICATION";

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
        s[0] = 1;
        assert_eq!(BootRecordVolumeDescriptor::decode(&s).unwrap(), None);
        assert!(BootRecordVolumeDescriptor::decode(&s[..10]).is_err());
    }
}
