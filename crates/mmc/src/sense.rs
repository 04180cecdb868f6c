//! Sense data (SPC-4 4.5): fixed format (70h/71h) and descriptor format (72h/73h),
//! decoded into a typed [`Sense`], with a table of meanings for the codes an MMC host
//! meets (mmc.md §7.2 plus the common SPC ones).

use std::fmt;

use crate::error::ReplyError;

/// The sense key (SPC-4 4.5.6, Table 27): fixed-format byte 2 bits 3-0,
/// descriptor-format byte 1 bits 3-0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum SenseKey {
    /// 0h NO SENSE.
    NoSense = 0x0,
    /// 1h RECOVERED ERROR: the command succeeded after recovery.
    RecoveredError = 0x1,
    /// 2h NOT READY.
    NotReady = 0x2,
    /// 3h MEDIUM ERROR.
    MediumError = 0x3,
    /// 4h HARDWARE ERROR.
    HardwareError = 0x4,
    /// 5h ILLEGAL REQUEST.
    IllegalRequest = 0x5,
    /// 6h UNIT ATTENTION.
    UnitAttention = 0x6,
    /// 7h DATA PROTECT.
    DataProtect = 0x7,
    /// 8h BLANK CHECK.
    BlankCheck = 0x8,
    /// 9h VENDOR SPECIFIC.
    VendorSpecific = 0x9,
    /// Ah COPY ABORTED.
    CopyAborted = 0xA,
    /// Bh ABORTED COMMAND.
    AbortedCommand = 0xB,
    /// Ch (obsolete; formerly EQUAL).
    Obsolete0C = 0xC,
    /// Dh VOLUME OVERFLOW.
    VolumeOverflow = 0xD,
    /// Eh MISCOMPARE.
    Miscompare = 0xE,
    /// Fh reserved.
    Reserved0F = 0xF,
}

impl SenseKey {
    /// The key from the low nibble of `value`.
    pub const fn from_nibble(value: u8) -> SenseKey {
        match value & 0x0F {
            0x0 => SenseKey::NoSense,
            0x1 => SenseKey::RecoveredError,
            0x2 => SenseKey::NotReady,
            0x3 => SenseKey::MediumError,
            0x4 => SenseKey::HardwareError,
            0x5 => SenseKey::IllegalRequest,
            0x6 => SenseKey::UnitAttention,
            0x7 => SenseKey::DataProtect,
            0x8 => SenseKey::BlankCheck,
            0x9 => SenseKey::VendorSpecific,
            0xA => SenseKey::CopyAborted,
            0xB => SenseKey::AbortedCommand,
            0xC => SenseKey::Obsolete0C,
            0xD => SenseKey::VolumeOverflow,
            0xE => SenseKey::Miscompare,
            _ => SenseKey::Reserved0F,
        }
    }

    /// The SPC name of the key ("NOT READY").
    pub const fn name(self) -> &'static str {
        match self {
            SenseKey::NoSense => "NO SENSE",
            SenseKey::RecoveredError => "RECOVERED ERROR",
            SenseKey::NotReady => "NOT READY",
            SenseKey::MediumError => "MEDIUM ERROR",
            SenseKey::HardwareError => "HARDWARE ERROR",
            SenseKey::IllegalRequest => "ILLEGAL REQUEST",
            SenseKey::UnitAttention => "UNIT ATTENTION",
            SenseKey::DataProtect => "DATA PROTECT",
            SenseKey::BlankCheck => "BLANK CHECK",
            SenseKey::VendorSpecific => "VENDOR SPECIFIC",
            SenseKey::CopyAborted => "COPY ABORTED",
            SenseKey::AbortedCommand => "ABORTED COMMAND",
            SenseKey::Obsolete0C => "EQUAL (obsolete)",
            SenseKey::VolumeOverflow => "VOLUME OVERFLOW",
            SenseKey::Miscompare => "MISCOMPARE",
            SenseKey::Reserved0F => "RESERVED",
        }
    }
}

/// Decoded sense data (SPC-4 4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sense {
    /// Response code: 70h current fixed, 71h deferred fixed, 72h current descriptor,
    /// 73h deferred descriptor.
    pub response_code: u8,
    /// Sense key.
    pub key: SenseKey,
    /// Additional Sense Code (fixed byte 12, descriptor byte 2).
    pub asc: u8,
    /// Additional Sense Code Qualifier (fixed byte 13, descriptor byte 3).
    pub ascq: u8,
    /// The Information field (fixed bytes 3-6 when Valid = 1; descriptor type 00h),
    /// e.g. the failing LBA.
    pub information: Option<u64>,
    /// Progress Indication 0..=65535 (fixed bytes 16-17 with SKSV and key 0 or 2;
    /// descriptor type 0Ah), for FORMAT, BLANK and CLOSE in progress (mmc.md §7.1).
    pub progress: Option<u16>,
}

impl Sense {
    /// Sense with the given key/ASC/ASCQ, current error, no information, no progress.
    pub const fn new(key: SenseKey, asc: u8, ascq: u8) -> Sense {
        Sense {
            response_code: 0x70,
            key,
            asc,
            ascq,
            information: None,
            progress: None,
        }
    }

    /// 2/04/01 LOGICAL UNIT IS IN PROCESS OF BECOMING READY.
    pub const BECOMING_READY: Sense = Sense::new(SenseKey::NotReady, 0x04, 0x01);
    /// 2/04/04 LOGICAL UNIT NOT READY, FORMAT IN PROGRESS.
    pub const FORMAT_IN_PROGRESS: Sense = Sense::new(SenseKey::NotReady, 0x04, 0x04);
    /// 2/04/07 LOGICAL UNIT NOT READY, OPERATION IN PROGRESS.
    pub const OPERATION_IN_PROGRESS: Sense = Sense::new(SenseKey::NotReady, 0x04, 0x07);
    /// 2/04/08 LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS.
    pub const LONG_WRITE_IN_PROGRESS: Sense = Sense::new(SenseKey::NotReady, 0x04, 0x08);
    /// 2/3A/00 MEDIUM NOT PRESENT.
    pub const MEDIUM_NOT_PRESENT: Sense = Sense::new(SenseKey::NotReady, 0x3A, 0x00);
    /// 2/3A/02 MEDIUM NOT PRESENT - TRAY OPEN.
    pub const MEDIUM_NOT_PRESENT_TRAY_OPEN: Sense = Sense::new(SenseKey::NotReady, 0x3A, 0x02);
    /// 6/28/00 NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED.
    pub const MEDIUM_MAY_HAVE_CHANGED: Sense = Sense::new(SenseKey::UnitAttention, 0x28, 0x00);
    /// 6/29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
    pub const POWER_ON_RESET: Sense = Sense::new(SenseKey::UnitAttention, 0x29, 0x00);
    /// 5/20/00 INVALID COMMAND OPERATION CODE.
    pub const INVALID_COMMAND_OPERATION_CODE: Sense =
        Sense::new(SenseKey::IllegalRequest, 0x20, 0x00);
    /// 5/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE.
    pub const LBA_OUT_OF_RANGE: Sense = Sense::new(SenseKey::IllegalRequest, 0x21, 0x00);
    /// 5/21/02 INVALID ADDRESS FOR WRITE.
    pub const INVALID_ADDRESS_FOR_WRITE: Sense = Sense::new(SenseKey::IllegalRequest, 0x21, 0x02);
    /// 5/24/00 INVALID FIELD IN CDB.
    pub const INVALID_FIELD_IN_CDB: Sense = Sense::new(SenseKey::IllegalRequest, 0x24, 0x00);
    /// 5/26/00 INVALID FIELD IN PARAMETER LIST.
    pub const INVALID_FIELD_IN_PARAMETER_LIST: Sense =
        Sense::new(SenseKey::IllegalRequest, 0x26, 0x00);
    /// 5/2C/00 COMMAND SEQUENCE ERROR.
    pub const COMMAND_SEQUENCE_ERROR: Sense = Sense::new(SenseKey::IllegalRequest, 0x2C, 0x00);
    /// 5/30/06 CANNOT FORMAT MEDIUM - INCOMPATIBLE MEDIUM.
    pub const CANNOT_FORMAT_MEDIUM: Sense = Sense::new(SenseKey::IllegalRequest, 0x30, 0x06);
    /// 5/63/00 END OF USER AREA ENCOUNTERED ON THIS TRACK.
    pub const END_OF_USER_AREA: Sense = Sense::new(SenseKey::IllegalRequest, 0x63, 0x00);
    /// 5/64/00 ILLEGAL MODE FOR THIS TRACK.
    pub const ILLEGAL_MODE_FOR_THIS_TRACK: Sense = Sense::new(SenseKey::IllegalRequest, 0x64, 0x00);
    /// 5/72/03 SESSION FIXATION ERROR - INCOMPLETE TRACK IN SESSION.
    pub const SESSION_FIXATION_INCOMPLETE_TRACK: Sense =
        Sense::new(SenseKey::IllegalRequest, 0x72, 0x03);
    /// 5/72/04 EMPTY OR PARTIALLY WRITTEN RESERVED TRACK.
    pub const EMPTY_RESERVED_TRACK: Sense = Sense::new(SenseKey::IllegalRequest, 0x72, 0x04);
    /// 5/72/05 NO MORE TRACK RESERVATIONS ALLOWED.
    pub const NO_MORE_TRACK_RESERVATIONS: Sense = Sense::new(SenseKey::IllegalRequest, 0x72, 0x05);
    /// 7/27/00 WRITE PROTECTED.
    pub const WRITE_PROTECTED: Sense = Sense::new(SenseKey::DataProtect, 0x27, 0x00);
    /// 3/0C/00 WRITE ERROR.
    pub const WRITE_ERROR: Sense = Sense::new(SenseKey::MediumError, 0x0C, 0x00);

    /// The same sense with an Information field.
    pub const fn with_information(mut self, information: u64) -> Sense {
        self.information = Some(information);
        self
    }

    /// The same sense with a Progress Indication.
    pub const fn with_progress(mut self, progress: u16) -> Sense {
        self.progress = Some(progress);
        self
    }

    /// Decodes sense bytes in fixed (70h/71h) or descriptor (72h/73h) format
    /// (SPC-4 4.5.2, 4.5.3). Fields are bounded by both the Additional Sense Length and
    /// `bytes.len()`; a fixed-format sense too short to carry ASC/ASCQ reports them as 0.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 3 (fixed) or 4 (descriptor) bytes;
    /// [`ReplyError::Invalid`] for an unknown response code.
    pub fn parse(bytes: &[u8]) -> Result<Sense, ReplyError> {
        const S: &str = "sense data";
        let Some(&b0) = bytes.first() else {
            return Err(ReplyError::short(S, 1, 0));
        };
        let response_code = b0 & 0x7F;
        match response_code {
            0x70 | 0x71 => {
                if bytes.len() < 3 {
                    return Err(ReplyError::short(S, 3, bytes.len()));
                }
                // Additional Sense Length at byte 7 bounds the valid bytes.
                let total = match bytes.get(7) {
                    Some(&n) => (8 + n as usize).min(bytes.len()),
                    None => bytes.len(),
                };
                let b = &bytes[..total];
                let valid = b0 & 0x80 != 0;
                let information = if valid && b.len() >= 7 {
                    Some(u32::from_be_bytes([b[3], b[4], b[5], b[6]]) as u64)
                } else {
                    None
                };
                let key = SenseKey::from_nibble(b[2]);
                let asc = b.get(12).copied().unwrap_or(0);
                let ascq = b.get(13).copied().unwrap_or(0);
                let progress = if b.len() >= 18
                    && b[15] & 0x80 != 0
                    && matches!(key, SenseKey::NoSense | SenseKey::NotReady)
                {
                    Some(u16::from_be_bytes([b[16], b[17]]))
                } else {
                    None
                };
                Ok(Sense {
                    response_code,
                    key,
                    asc,
                    ascq,
                    information,
                    progress,
                })
            }
            0x72 | 0x73 => {
                if bytes.len() < 4 {
                    return Err(ReplyError::short(S, 4, bytes.len()));
                }
                let key = SenseKey::from_nibble(bytes[1]);
                let (asc, ascq) = (bytes[2], bytes[3]);
                let total = match bytes.get(7) {
                    Some(&n) => (8 + n as usize).min(bytes.len()),
                    None => bytes.len(),
                };
                let mut information = None;
                let mut progress = None;
                let mut pos = 8;
                while pos + 2 <= total {
                    let dtype = bytes[pos];
                    let dlen = bytes[pos + 1] as usize;
                    let end = pos + 2 + dlen;
                    if end > total {
                        break;
                    }
                    let d = &bytes[pos..end];
                    match dtype {
                        // Information descriptor: byte 2 bit 7 VALID, bytes 4-11 info.
                        0x00 if d.len() >= 12 && d[2] & 0x80 != 0 => {
                            let mut v = [0u8; 8];
                            v.copy_from_slice(&d[4..12]);
                            information = Some(u64::from_be_bytes(v));
                        }
                        // Sense key specific descriptor: bytes 4-6 with SKSV.
                        0x02 if d.len() >= 7
                            && d[4] & 0x80 != 0
                            && matches!(key, SenseKey::NoSense | SenseKey::NotReady) =>
                        {
                            progress = Some(u16::from_be_bytes([d[5], d[6]]));
                        }
                        // Progress indication descriptor: bytes 6-7 progress.
                        0x0A if d.len() >= 8 => {
                            progress = Some(u16::from_be_bytes([d[6], d[7]]));
                        }
                        _ => {}
                    }
                    pos = end;
                }
                Ok(Sense {
                    response_code,
                    key,
                    asc,
                    ascq,
                    information,
                    progress,
                })
            }
            other => Err(ReplyError::invalid(
                S,
                format!("response code {other:#04x} is neither 70h-73h"),
            )),
        }
    }

    /// Encodes as 18 bytes of fixed-format sense (SPC-4 4.5.3): response code 70h (71h
    /// when deferred), Valid + Information when present, Additional Sense Length 0Ah,
    /// SKSV + Progress Indication when present.
    pub fn to_fixed(&self) -> [u8; 18] {
        let mut b = [0u8; 18];
        b[0] = if self.response_code == 0x71 || self.response_code == 0x73 {
            0x71
        } else {
            0x70
        };
        if let Some(info) = self.information {
            b[0] |= 0x80;
            b[3..7].copy_from_slice(&(info as u32).to_be_bytes());
        }
        b[2] = self.key as u8;
        b[7] = 0x0A;
        b[12] = self.asc;
        b[13] = self.ascq;
        if let Some(p) = self.progress {
            b[15] = 0x80;
            b[16..18].copy_from_slice(&p.to_be_bytes());
        }
        b
    }

    /// True when key, ASC and ASCQ equal those of `other` (other fields ignored).
    pub fn is(&self, other: &Sense) -> bool {
        self.key == other.key && self.asc == other.asc && self.ascq == other.ascq
    }

    /// The `key/ASC/ASCQ` triple.
    pub fn triple(&self) -> (u8, u8, u8) {
        (self.key as u8, self.asc, self.ascq)
    }

    /// The meaning of the ASC/ASCQ pair (SPC-4 Annex D, MMC-6 Annex F; mmc.md §7.2), or
    /// `None` when it is not in our table.
    pub fn meaning(&self) -> Option<&'static str> {
        asc_meaning(self.asc, self.ascq)
    }
}

impl fmt::Display for Sense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:X}/{:02X}/{:02X} {}",
            self.key as u8,
            self.asc,
            self.ascq,
            self.key.name()
        )?;
        if let Some(m) = self.meaning() {
            write!(f, ": {m}")?;
        }
        if let Some(i) = self.information {
            write!(f, " (information {i})")?;
        }
        if let Some(p) = self.progress {
            write!(f, " (progress {:.1}%)", p as f64 * 100.0 / 65536.0)?;
        }
        Ok(())
    }
}

/// The meaning of an ASC/ASCQ pair, or `None` when not in our table.
pub fn asc_meaning(asc: u8, ascq: u8) -> Option<&'static str> {
    let m = match (asc, ascq) {
        (0x00, 0x00) => "NO ADDITIONAL SENSE INFORMATION",
        (0x00, 0x16) => "OPERATION IN PROGRESS",
        (0x02, 0x00) => "NO SEEK COMPLETE",
        (0x04, 0x00) => "LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE",
        (0x04, 0x01) => "LOGICAL UNIT IS IN PROCESS OF BECOMING READY",
        (0x04, 0x02) => "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED",
        (0x04, 0x03) => "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED",
        (0x04, 0x04) => "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS",
        (0x04, 0x07) => "LOGICAL UNIT NOT READY, OPERATION IN PROGRESS",
        (0x04, 0x08) => "LOGICAL UNIT NOT READY, LONG WRITE IN PROGRESS",
        (0x08, 0x00) => "LOGICAL UNIT COMMUNICATION FAILURE",
        (0x08, 0x01) => "LOGICAL UNIT COMMUNICATION TIME-OUT",
        (0x09, 0x00) => "TRACK FOLLOWING ERROR",
        (0x0C, 0x00) => "WRITE ERROR",
        (0x0C, 0x07) => "WRITE ERROR - RECOVERY NEEDED",
        (0x0C, 0x08) => "WRITE ERROR - RECOVERY FAILED",
        (0x0C, 0x09) => "WRITE ERROR - LOSS OF STREAMING",
        (0x0C, 0x0A) => "WRITE ERROR - PADDING BLOCKS ADDED",
        (0x11, 0x00) => "UNRECOVERED READ ERROR",
        (0x11, 0x05) => "L-EC UNCORRECTABLE ERROR",
        (0x11, 0x06) => "CIRC UNRECOVERED ERROR",
        (0x15, 0x00) => "RANDOM POSITIONING ERROR",
        (0x1A, 0x00) => "PARAMETER LIST LENGTH ERROR",
        (0x20, 0x00) => "INVALID COMMAND OPERATION CODE",
        (0x21, 0x00) => "LOGICAL BLOCK ADDRESS OUT OF RANGE",
        (0x21, 0x01) => "INVALID ELEMENT ADDRESS",
        (0x21, 0x02) => "INVALID ADDRESS FOR WRITE",
        (0x21, 0x03) => "INVALID WRITE CROSSING LAYER JUMP",
        (0x24, 0x00) => "INVALID FIELD IN CDB",
        (0x25, 0x00) => "LOGICAL UNIT NOT SUPPORTED",
        (0x26, 0x00) => "INVALID FIELD IN PARAMETER LIST",
        (0x26, 0x01) => "PARAMETER NOT SUPPORTED",
        (0x26, 0x02) => "PARAMETER VALUE INVALID",
        (0x27, 0x00) => "WRITE PROTECTED",
        (0x28, 0x00) => "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED",
        (0x29, 0x00) => "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED",
        (0x29, 0x01) => "POWER ON OCCURRED",
        (0x29, 0x02) => "SCSI BUS RESET OCCURRED",
        (0x29, 0x03) => "BUS DEVICE RESET FUNCTION OCCURRED",
        (0x29, 0x04) => "DEVICE INTERNAL RESET",
        (0x2A, 0x00) => "PARAMETERS CHANGED",
        (0x2A, 0x01) => "MODE PARAMETERS CHANGED",
        (0x2C, 0x00) => "COMMAND SEQUENCE ERROR",
        (0x2E, 0x00) => "INSUFFICIENT TIME FOR OPERATION",
        (0x30, 0x00) => "INCOMPATIBLE MEDIUM INSTALLED",
        (0x30, 0x01) => "CANNOT READ MEDIUM - UNKNOWN FORMAT",
        (0x30, 0x02) => "CANNOT READ MEDIUM - INCOMPATIBLE FORMAT",
        (0x30, 0x03) => "CLEANING CARTRIDGE INSTALLED",
        (0x30, 0x04) => "CANNOT WRITE MEDIUM - UNKNOWN FORMAT",
        (0x30, 0x05) => "CANNOT WRITE MEDIUM - INCOMPATIBLE FORMAT",
        (0x30, 0x06) => "CANNOT FORMAT MEDIUM - INCOMPATIBLE MEDIUM",
        (0x30, 0x07) => "CLEANING FAILURE",
        (0x30, 0x08) => "CANNOT WRITE - APPLICATION CODE MISMATCH",
        (0x30, 0x09) => "CURRENT SESSION NOT FIXATED FOR APPEND",
        (0x30, 0x10) => "MEDIUM NOT FORMATTED",
        (0x31, 0x00) => "MEDIUM FORMAT CORRUPTED",
        (0x31, 0x01) => "FORMAT COMMAND FAILED",
        (0x34, 0x00) => "ENCLOSURE FAILURE",
        (0x3A, 0x00) => "MEDIUM NOT PRESENT",
        (0x3A, 0x01) => "MEDIUM NOT PRESENT - TRAY CLOSED",
        (0x3A, 0x02) => "MEDIUM NOT PRESENT - TRAY OPEN",
        (0x3E, 0x00) => "LOGICAL UNIT HAS NOT SELF-CONFIGURED YET",
        (0x3F, 0x01) => "MICROCODE HAS BEEN CHANGED",
        (0x44, 0x00) => "INTERNAL TARGET FAILURE",
        (0x47, 0x00) => "SCSI PARITY ERROR",
        (0x4E, 0x00) => "OVERLAPPED COMMANDS ATTEMPTED",
        (0x51, 0x00) => "ERASE FAILURE",
        (0x53, 0x00) => "MEDIA LOAD OR EJECT FAILED",
        (0x53, 0x02) => "MEDIUM REMOVAL PREVENTED",
        (0x57, 0x00) => "UNABLE TO RECOVER TABLE-OF-CONTENTS",
        (0x5A, 0x01) => "OPERATOR MEDIUM REMOVAL REQUEST",
        (0x5D, 0x00) => "FAILURE PREDICTION THRESHOLD EXCEEDED",
        (0x63, 0x00) => "END OF USER AREA ENCOUNTERED ON THIS TRACK",
        (0x63, 0x01) => "PACKET DOES NOT FIT IN AVAILABLE SPACE",
        (0x64, 0x00) => "ILLEGAL MODE FOR THIS TRACK",
        (0x64, 0x01) => "INVALID PACKET SIZE",
        (0x6F, 0x00) => "COPY PROTECTION KEY EXCHANGE FAILURE - AUTHENTICATION FAILURE",
        (0x72, 0x00) => "SESSION FIXATION ERROR",
        (0x72, 0x01) => "SESSION FIXATION ERROR WRITING LEAD-IN",
        (0x72, 0x02) => "SESSION FIXATION ERROR WRITING LEAD-OUT",
        (0x72, 0x03) => "SESSION FIXATION ERROR - INCOMPLETE TRACK IN SESSION",
        (0x72, 0x04) => "EMPTY OR PARTIALLY WRITTEN RESERVED TRACK",
        (0x72, 0x05) => "NO MORE TRACK RESERVATIONS ALLOWED",
        (0x72, 0x06) => "RMZ EXTENSION IS NOT ALLOWED",
        (0x72, 0x07) => "NO MORE TEST ZONE EXTENSIONS ARE ALLOWED",
        (0x73, 0x00) => "CD CONTROL ERROR",
        (0x73, 0x01) => "POWER CALIBRATION AREA ALMOST FULL",
        (0x73, 0x02) => "POWER CALIBRATION AREA IS FULL",
        (0x73, 0x03) => "POWER CALIBRATION AREA ERROR",
        (0x73, 0x04) => "PROGRAM MEMORY AREA UPDATE FAILURE",
        (0x73, 0x05) => "PROGRAM MEMORY AREA IS FULL",
        (0x73, 0x06) => "RMA/PMA IS ALMOST FULL",
        (0x73, 0x10) => "CURRENT POWER CALIBRATION AREA ALMOST FULL",
        (0x73, 0x11) => "CURRENT POWER CALIBRATION AREA IS FULL",
        (0x73, 0x17) => "RDZ IS FULL",
        _ => return None,
    };
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_format_with_progress_and_information() {
        let mut b = [0u8; 18];
        b[0] = 0xF0; // valid, 70h
        b[2] = 0x02;
        b[3..7].copy_from_slice(&1234u32.to_be_bytes());
        b[7] = 10;
        b[12] = 0x04;
        b[13] = 0x07;
        b[15] = 0x80;
        b[16] = 0x80;
        b[17] = 0x00;
        let s = Sense::parse(&b).unwrap();
        assert_eq!(s.key, SenseKey::NotReady);
        assert_eq!((s.asc, s.ascq), (0x04, 0x07));
        assert_eq!(s.information, Some(1234));
        assert_eq!(s.progress, Some(0x8000));
        assert!(s.is(&Sense::OPERATION_IN_PROGRESS));
        assert_eq!(
            s.to_string(),
            "2/04/07 NOT READY: LOGICAL UNIT NOT READY, OPERATION IN PROGRESS \
             (information 1234) (progress 50.0%)"
        );
    }

    #[test]
    fn fixed_roundtrip() {
        for s in [
            Sense::LONG_WRITE_IN_PROGRESS,
            Sense::INVALID_ADDRESS_FOR_WRITE.with_information(11702),
            Sense::FORMAT_IN_PROGRESS.with_progress(4096),
        ] {
            assert_eq!(Sense::parse(&s.to_fixed()).unwrap(), s);
        }
    }

    #[test]
    fn fixed_format_bounded_by_additional_length() {
        // Additional Sense Length 4: bytes 12-13 are beyond it and must not be read.
        let mut b = [0u8; 18];
        b[0] = 0x70;
        b[2] = 0x05;
        b[7] = 4;
        b[12] = 0x24;
        let s = Sense::parse(&b).unwrap();
        assert_eq!((s.asc, s.ascq), (0, 0));
        // Short buffer: key only.
        let s = Sense::parse(&[0x70, 0, 0x06]).unwrap();
        assert_eq!(s.key, SenseKey::UnitAttention);
    }

    #[test]
    fn descriptor_format() {
        // 72h, key 2, 04/04, additional length 8+12; progress descriptor and info descriptor.
        let mut b = vec![0x72, 0x02, 0x04, 0x04, 0, 0, 0, 20];
        b.extend_from_slice(&[0x0A, 0x06, 0, 0, 0, 0, 0x40, 0x00]);
        b.extend_from_slice(&[0x00, 0x0A, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34]);
        let s = Sense::parse(&b).unwrap();
        assert_eq!(s.response_code, 0x72);
        assert!(s.is(&Sense::FORMAT_IN_PROGRESS));
        assert_eq!(s.progress, Some(0x4000));
        assert_eq!(s.information, Some(0x1234));
    }

    #[test]
    fn descriptor_truncated_descriptor_ignored() {
        let b = [0x73, 0x03, 0x0C, 0x09, 0, 0, 0, 10, 0x0A, 0x06, 0, 0];
        let s = Sense::parse(&b).unwrap();
        assert_eq!(s.triple(), (3, 0x0C, 0x09));
        assert_eq!(s.progress, None);
        assert_eq!(s.meaning(), Some("WRITE ERROR - LOSS OF STREAMING"));
    }

    #[test]
    fn rejects_short_and_unknown() {
        assert!(matches!(Sense::parse(&[]), Err(ReplyError::Short { .. })));
        assert!(matches!(
            Sense::parse(&[0x70, 0]),
            Err(ReplyError::Short { .. })
        ));
        assert!(matches!(
            Sense::parse(&[0x72, 0, 0]),
            Err(ReplyError::Short { .. })
        ));
        assert!(matches!(
            Sense::parse(&[0x7F, 0, 0, 0]),
            Err(ReplyError::Invalid { .. })
        ));
    }

    #[test]
    fn meaning_table_covers_mmc_codes() {
        for (asc, ascq) in [
            (0x04, 0x08),
            (0x21, 0x02),
            (0x3A, 0x00),
            (0x64, 0x00),
            (0x72, 0x03),
            (0x73, 0x01),
        ] {
            assert!(asc_meaning(asc, ascq).is_some(), "{asc:02x}/{ascq:02x}");
        }
        assert_eq!(asc_meaning(0xEE, 0xEE), None);
    }
}
