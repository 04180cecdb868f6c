//! Structures only OSTA UDF 2.60 defines: the entity identifiers (2.1.5), the
//! implementation use of the LVID (2.2.6.4) and of the "*UDF LV Info" IUVD (2.2.7.2), and
//! the Virtual Allocation Table (2.2.11: VAT 2.00 header, VAT 1.50 trailer).

use super::Put;
use crate::FormatError;
use crate::codec::Reader;
use crate::ecma167::part1::{Charspec, Regid};

/// Entity identifiers of UDF 2.60 2.1.5.2.
pub mod identifier {
    /// Domain Identifier of the LVD and FSD.
    pub const OSTA_UDF_COMPLIANT: &[u8] = b"*OSTA UDF Compliant";
    /// Implementation identifier of the LV Info IUVD.
    pub const UDF_LV_INFO: &[u8] = b"*UDF LV Info";
    /// Partition Contents of an ECMA-167 2nd edition partition (UDF ≤ 1.50).
    pub const NSR02: &[u8] = b"+NSR02";
    /// Partition Contents of an ECMA-167 3rd edition partition (UDF ≥ 2.00).
    pub const NSR03: &[u8] = b"+NSR03";
    /// The VAT 1.50 trailer identifier.
    pub const UDF_VIRTUAL_ALLOC_TBL: &[u8] = b"*UDF Virtual Alloc Tbl";
    /// The identifier of this implementation.
    pub const DISCBURN: &[u8] = b"*discburn";
}

/// OS Class and OS Identifier values (UDF 2.60 6.3).
pub mod os {
    /// OS class UNIX.
    pub const CLASS_UNIX: u8 = 4;
    /// OS identifier Linux within class UNIX.
    pub const IDENTIFIER_LINUX: u8 = 5;
}

/// LVInformation, the implementation use of a "*UDF LV Info" IUVD (UDF 2.60 2.2.7.2),
/// 460 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LvInformation {
    /// LVI Charset.
    pub lvi_charset: Charspec,
    /// Logical Volume Identifier, dstring\[128\].
    pub logical_volume_identifier: [u8; 128],
    /// LV Info 1, dstring\[36\].
    pub lv_info1: [u8; 36],
    /// LV Info 2, dstring\[36\].
    pub lv_info2: [u8; 36],
    /// LV Info 3, dstring\[36\].
    pub lv_info3: [u8; 36],
    /// Implementation ID.
    pub implementation_id: Regid,
    /// Implementation Use, 128 bytes.
    pub implementation_use: [u8; 128],
}

impl LvInformation {
    /// The 460 bytes.
    pub fn to_bytes(&self) -> [u8; 460] {
        let mut v = Vec::with_capacity(460);
        self.lvi_charset.encode(&mut v);
        v.bytes(&self.logical_volume_identifier);
        v.bytes(&self.lv_info1);
        v.bytes(&self.lv_info2);
        v.bytes(&self.lv_info3);
        self.implementation_id.encode(&mut v);
        v.bytes(&self.implementation_use);
        let mut o = [0u8; 460];
        o.copy_from_slice(&v);
        o
    }

    /// From the 460 bytes.
    pub fn from_bytes(b: &[u8; 460]) -> LvInformation {
        let mut r = Reader::new(b, "UDF LVInformation");
        // 460 bytes always hold every field: the reads cannot fail.
        let mut get = || -> Result<LvInformation, FormatError> {
            Ok(LvInformation {
                lvi_charset: Charspec::decode(&mut r)?,
                logical_volume_identifier: r.array()?,
                lv_info1: r.array()?,
                lv_info2: r.array()?,
                lv_info3: r.array()?,
                implementation_id: Regid::decode(&mut r)?,
                implementation_use: r.array()?,
            })
        };
        get().unwrap_or(LvInformation {
            lvi_charset: Charspec::osta_cs0(),
            logical_volume_identifier: [0; 128],
            lv_info1: [0; 36],
            lv_info2: [0; 36],
            lv_info3: [0; 36],
            implementation_id: Regid::default(),
            implementation_use: [0; 128],
        })
    }
}

/// Implementation Use of the LVID (UDF 2.60 2.2.6.4): 46 bytes and more.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LvidImplementationUse {
    /// Implementation ID.
    pub implementation_id: Regid,
    /// Number of Files (not directories).
    pub number_of_files: u32,
    /// Number of Directories (including the root).
    pub number_of_directories: u32,
    /// Minimum UDF Read Revision.
    pub minimum_udf_read_revision: u16,
    /// Minimum UDF Write Revision.
    pub minimum_udf_write_revision: u16,
    /// Maximum UDF Write Revision.
    pub maximum_udf_write_revision: u16,
    /// Implementation Use.
    pub implementation_use: Vec<u8>,
}

impl LvidImplementationUse {
    /// The bytes (46 + implementation use).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(46 + self.implementation_use.len());
        self.implementation_id.encode(&mut v);
        v.u32(self.number_of_files);
        v.u32(self.number_of_directories);
        v.u16(self.minimum_udf_read_revision);
        v.u16(self.minimum_udf_write_revision);
        v.u16(self.maximum_udf_write_revision);
        v.bytes(&self.implementation_use);
        v
    }

    /// Decodes the LVID's implementation use.
    ///
    /// # Errors
    /// [`FormatError::Short`] when shorter than 46 bytes.
    pub fn decode(b: &[u8]) -> Result<LvidImplementationUse, FormatError> {
        let mut r = Reader::new(b, "UDF LVID Implementation Use");
        Ok(LvidImplementationUse {
            implementation_id: Regid::decode(&mut r)?,
            number_of_files: r.le_u32()?,
            number_of_directories: r.le_u32()?,
            minimum_udf_read_revision: r.le_u16()?,
            minimum_udf_write_revision: r.le_u16()?,
            maximum_udf_write_revision: r.le_u16()?,
            implementation_use: r.rest().to_vec(),
        })
    }
}

/// The header of a UDF 2.00+ Virtual Allocation Table (UDF 2.60 2.2.11.1), in a file of
/// type [`crate::ecma167::file_type::VAT20`]: 152 bytes and the implementation use, then
/// the VAT entries (u32 each, 0xFFFFFFFF = unused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatHeader {
    /// Logical Volume Identifier, dstring\[128\].
    pub logical_volume_identifier: [u8; 128],
    /// Previous VAT ICB Location (0xFFFFFFFF when none), a virtual block.
    pub previous_vat_icb_location: u32,
    /// Number of Files.
    pub number_of_files: u32,
    /// Number of Directories.
    pub number_of_directories: u32,
    /// Minimum UDF Read Revision.
    pub minimum_udf_read_revision: u16,
    /// Minimum UDF Write Revision.
    pub minimum_udf_write_revision: u16,
    /// Maximum UDF Write Revision.
    pub maximum_udf_write_revision: u16,
    /// Implementation Use.
    pub implementation_use: Vec<u8>,
}

impl VatHeader {
    /// Appends the header (Length of Header = 152 + L_IU).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u16(152 + self.implementation_use.len() as u16);
        out.u16(self.implementation_use.len() as u16);
        out.bytes(&self.logical_volume_identifier);
        out.u32(self.previous_vat_icb_location);
        out.u32(self.number_of_files);
        out.u32(self.number_of_directories);
        out.u16(self.minimum_udf_read_revision);
        out.u16(self.minimum_udf_write_revision);
        out.u16(self.maximum_udf_write_revision);
        out.u16(0);
        out.bytes(&self.implementation_use);
    }

    /// Decodes the header at the start of a VAT 2.00 file; returns it and the offset of
    /// the first VAT entry (the Length of Header).
    ///
    /// # Errors
    /// [`FormatError`] when short, or when Length of Header is not 152 + L_IU.
    pub fn decode(b: &[u8]) -> Result<(VatHeader, usize), FormatError> {
        let mut r = Reader::new(b, "UDF VAT 2.00 header");
        let len = r.le_u16()? as usize;
        let l_iu = r.le_u16()? as usize;
        if len != 152 + l_iu {
            return Err(r.invalid(
                "Length of Header",
                format!("{len} (152 + L_IU {l_iu} expected)"),
            ));
        }
        let logical_volume_identifier = r.array()?;
        let previous_vat_icb_location = r.le_u32()?;
        let number_of_files = r.le_u32()?;
        let number_of_directories = r.le_u32()?;
        let minimum_udf_read_revision = r.le_u16()?;
        let minimum_udf_write_revision = r.le_u16()?;
        let maximum_udf_write_revision = r.le_u16()?;
        r.le_u16()?;
        let implementation_use = r.take(l_iu)?.to_vec();
        Ok((
            VatHeader {
                logical_volume_identifier,
                previous_vat_icb_location,
                number_of_files,
                number_of_directories,
                minimum_udf_read_revision,
                minimum_udf_write_revision,
                maximum_udf_write_revision,
                implementation_use,
            },
            len,
        ))
    }
}

/// The trailer of a UDF 1.50 Virtual Allocation Table (UDF 1.50 2.2.10), 36 bytes after
/// the VAT entries: the "*UDF Virtual Alloc Tbl" regid and the previous VAT ICB location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vat150Trailer {
    /// Entity Identifier ("*UDF Virtual Alloc Tbl" with a UDF identifier suffix).
    pub entity_identifier: Regid,
    /// Previous VAT ICB Location (0xFFFFFFFF when none).
    pub previous_vat_icb_location: u32,
}

impl Vat150Trailer {
    /// Bytes of the trailer.
    pub const LEN: usize = 36;

    /// Appends the 36 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.entity_identifier.encode(out);
        out.u32(self.previous_vat_icb_location);
    }

    /// Decodes the trailer from the last 36 bytes of a VAT 1.50 file; returns it and the
    /// number of VAT entries before it.
    ///
    /// # Errors
    /// [`FormatError`] when the file is shorter than 36 bytes, the entries are not whole
    /// u32s, or the identifier is not "*UDF Virtual Alloc Tbl".
    pub fn decode(file: &[u8]) -> Result<(Vat150Trailer, usize), FormatError> {
        let start = file
            .len()
            .checked_sub(Self::LEN)
            .ok_or(FormatError::Short {
                structure: "UDF VAT 1.50 trailer",
                offset: 0,
                needed: Self::LEN,
                available: file.len(),
            })?;
        let mut r = Reader::new(&file[start..], "UDF VAT 1.50 trailer");
        let entity_identifier = Regid::decode(&mut r)?;
        if !entity_identifier.is(identifier::UDF_VIRTUAL_ALLOC_TBL) {
            return Err(FormatError::Invalid {
                structure: "UDF VAT 1.50 trailer",
                field: "Entity Identifier",
                offset: start,
                detail: "not \"*UDF Virtual Alloc Tbl\"".into(),
            });
        }
        if !start.is_multiple_of(4) {
            return Err(FormatError::Invalid {
                structure: "UDF VAT 1.50 trailer",
                field: "VAT entries",
                offset: 0,
                detail: format!("{start} bytes is not a whole number of entries"),
            });
        }
        Ok((
            Vat150Trailer {
                entity_identifier,
                previous_vat_icb_location: r.le_u32()?,
            },
            start / 4,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_header_and_trailer_round_trip() {
        let h = VatHeader {
            logical_volume_identifier: [0; 128],
            previous_vat_icb_location: u32::MAX,
            number_of_files: 3,
            number_of_directories: 1,
            minimum_udf_read_revision: 0x201,
            minimum_udf_write_revision: 0x201,
            maximum_udf_write_revision: 0x201,
            implementation_use: vec![1, 2],
        };
        let mut v = Vec::new();
        h.encode(&mut v);
        assert_eq!(v.len(), 154);
        assert_eq!(VatHeader::decode(&v).unwrap(), (h, 154));
        v[0] = 1;
        assert!(VatHeader::decode(&v).is_err());
        assert!(VatHeader::decode(&v[..10]).is_err());

        let t = Vat150Trailer {
            entity_identifier: Regid::new(
                identifier::UDF_VIRTUAL_ALLOC_TBL,
                [0x50, 1, 0, 0, 0, 0, 0, 0],
            ),
            previous_vat_icb_location: 7,
        };
        let mut f = vec![0u8; 12];
        t.encode(&mut f);
        assert_eq!(Vat150Trailer::decode(&f).unwrap(), (t, 3));
        assert!(Vat150Trailer::decode(&f[1..]).is_err());
        assert!(Vat150Trailer::decode(&f[..30]).is_err());
    }
}
