//! Sense codes the emulated drive returns (SPC-4 4.5, MMC-6 Annex F; `mmc.md` §7).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A sense key / additional sense code / qualifier triple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SenseCode {
    /// Sense key (fixed format byte 2 bits 3-0).
    pub key: u8,
    /// Additional Sense Code (byte 12).
    pub asc: u8,
    /// Additional Sense Code Qualifier (byte 13).
    pub ascq: u8,
}

impl SenseCode {
    /// Builds a triple.
    pub const fn new(key: u8, asc: u8, ascq: u8) -> Self {
        SenseCode { key, asc, ascq }
    }

    /// 0/00/00 NO SENSE.
    pub const NO_SENSE: Self = Self::new(0, 0, 0);
    /// 2/04/04 LOGICAL UNIT NOT READY, FORMAT IN PROGRESS.
    pub const FORMAT_IN_PROGRESS: Self = Self::new(2, 0x04, 0x04);
    /// 2/04/07 LOGICAL UNIT NOT READY, OPERATION IN PROGRESS.
    pub const OPERATION_IN_PROGRESS: Self = Self::new(2, 0x04, 0x07);
    /// 2/04/08 LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS.
    pub const LONG_WRITE_IN_PROGRESS: Self = Self::new(2, 0x04, 0x08);
    /// 2/3A/02 MEDIUM NOT PRESENT - TRAY OPEN.
    pub const MEDIUM_NOT_PRESENT_TRAY_OPEN: Self = Self::new(2, 0x3A, 0x02);
    /// 3/0C/00 WRITE ERROR.
    pub const WRITE_ERROR: Self = Self::new(3, 0x0C, 0x00);
    /// 3/11/00 UNRECOVERED READ ERROR.
    pub const UNRECOVERED_READ_ERROR: Self = Self::new(3, 0x11, 0x00);
    /// 5/1A/00 PARAMETER LIST LENGTH ERROR.
    pub const PARAMETER_LIST_LENGTH_ERROR: Self = Self::new(5, 0x1A, 0x00);
    /// 5/20/00 INVALID COMMAND OPERATION CODE.
    pub const INVALID_COMMAND_OPERATION_CODE: Self = Self::new(5, 0x20, 0x00);
    /// 5/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE.
    pub const LBA_OUT_OF_RANGE: Self = Self::new(5, 0x21, 0x00);
    /// 5/21/02 INVALID ADDRESS FOR WRITE.
    pub const INVALID_ADDRESS_FOR_WRITE: Self = Self::new(5, 0x21, 0x02);
    /// 5/24/00 INVALID FIELD IN CDB.
    pub const INVALID_FIELD_IN_CDB: Self = Self::new(5, 0x24, 0x00);
    /// 5/26/00 INVALID FIELD IN PARAMETER LIST.
    pub const INVALID_FIELD_IN_PARAMETER_LIST: Self = Self::new(5, 0x26, 0x00);
    /// 5/2C/00 COMMAND SEQUENCE ERROR.
    pub const COMMAND_SEQUENCE_ERROR: Self = Self::new(5, 0x2C, 0x00);
    /// 5/30/06 CANNOT FORMAT MEDIUM - INCOMPATIBLE MEDIUM.
    pub const CANNOT_FORMAT_MEDIUM: Self = Self::new(5, 0x30, 0x06);
    /// 5/30/10 MEDIUM NOT FORMATTED.
    pub const MEDIUM_NOT_FORMATTED: Self = Self::new(5, 0x30, 0x10);
    /// 5/53/02 MEDIUM REMOVAL PREVENTED.
    pub const MEDIUM_REMOVAL_PREVENTED: Self = Self::new(5, 0x53, 0x02);
    /// 5/63/00 END OF USER AREA ENCOUNTERED ON THIS TRACK.
    pub const END_OF_USER_AREA: Self = Self::new(5, 0x63, 0x00);
    /// 5/64/00 ILLEGAL MODE FOR THIS TRACK.
    pub const ILLEGAL_MODE_FOR_THIS_TRACK: Self = Self::new(5, 0x64, 0x00);
    /// 5/72/03 SESSION FIXATION ERROR - INCOMPLETE TRACK IN SESSION.
    pub const SESSION_FIXATION_INCOMPLETE_TRACK: Self = Self::new(5, 0x72, 0x03);
    /// 5/72/04 EMPTY OR PARTIALLY WRITTEN RESERVED TRACK.
    pub const EMPTY_OR_PARTIALLY_WRITTEN_RESERVED_TRACK: Self = Self::new(5, 0x72, 0x04);
    /// 5/72/05 NO MORE TRACK RESERVATIONS ALLOWED.
    pub const NO_MORE_TRACK_RESERVATIONS: Self = Self::new(5, 0x72, 0x05);
    /// 6/28/00 NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED.
    pub const MEDIUM_MAY_HAVE_CHANGED: Self = Self::new(6, 0x28, 0x00);
    /// 7/27/00 WRITE PROTECTED.
    pub const WRITE_PROTECTED: Self = Self::new(7, 0x27, 0x00);
}

impl fmt::Display for SenseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:02X}/{:02X}", self.key, self.asc, self.ascq)
    }
}

impl FromStr for SenseCode {
    type Err = &'static str;

    /// Parses `KEY/ASC/ASCQ` in hex, e.g. `5/21/02`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split('/');
        let mut next = || -> Result<u8, &'static str> {
            let p = parts.next().ok_or("expected KEY/ASC/ASCQ")?;
            let p = p.trim_start_matches("0x").trim_start_matches("0X");
            u8::from_str_radix(p, 16).map_err(|_| "KEY, ASC and ASCQ are hex bytes")
        };
        let key = next()?;
        let asc = next()?;
        let ascq = next()?;
        if parts.next().is_some() {
            return Err("expected KEY/ASC/ASCQ");
        }
        if key > 0x0F {
            return Err("sense key is 0..F");
        }
        Ok(SenseCode { key, asc, ascq })
    }
}

/// A CHECK CONDITION the emulator is about to return: the code plus the optional
/// Information field and progress indication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sense {
    pub code: SenseCode,
    /// Information field (bytes 3-6), e.g. the failing LBA; sets the VALID bit.
    pub information: Option<u32>,
    /// Progress indication 0..=65535 (bytes 15-17 with SKSV).
    pub progress: Option<u16>,
}

impl Sense {
    /// Fixed-format sense data, 18 bytes, response code 70h (SPC-4 4.5.3).
    pub fn to_fixed(self) -> Vec<u8> {
        let mut b = vec![0u8; 18];
        b[0] = 0x70;
        if let Some(info) = self.information {
            b[0] |= 0x80;
            b[3..7].copy_from_slice(&info.to_be_bytes());
        }
        b[2] = self.code.key & 0x0F;
        b[7] = 10;
        b[12] = self.code.asc;
        b[13] = self.code.ascq;
        if let Some(p) = self.progress {
            b[15] = 0x80;
            b[16..18].copy_from_slice(&p.to_be_bytes());
        }
        b
    }
}

impl From<SenseCode> for Sense {
    fn from(code: SenseCode) -> Self {
        Sense {
            code,
            information: None,
            progress: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_format_layout_spc4_4_5_3() {
        let s = Sense {
            code: SenseCode::INVALID_ADDRESS_FOR_WRITE,
            information: Some(0x1234),
            progress: Some(0x8000),
        };
        let b = s.to_fixed();
        assert_eq!(b.len(), 18);
        assert_eq!(b[0], 0xF0);
        assert_eq!(b[2], 5);
        assert_eq!(&b[3..7], &[0, 0, 0x12, 0x34]);
        assert_eq!(b[7], 10);
        assert_eq!((b[12], b[13]), (0x21, 0x02));
        assert_eq!(&b[15..18], &[0x80, 0x80, 0x00]);
    }

    #[test]
    fn parse_triple() {
        assert_eq!(
            "5/21/02".parse::<SenseCode>().unwrap(),
            SenseCode::INVALID_ADDRESS_FOR_WRITE
        );
        assert_eq!(
            "2/04/08".parse::<SenseCode>().unwrap(),
            SenseCode::LONG_WRITE_IN_PROGRESS
        );
        assert!("5/21".parse::<SenseCode>().is_err());
        assert!("10/21/00".parse::<SenseCode>().is_err());
        assert!("5/zz/00".parse::<SenseCode>().is_err());
    }
}
