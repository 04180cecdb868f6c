//! READ DISC INFORMATION, Standard Disc Information (MMC-6 6.22.3.1; mmc.md §2).

use super::{be16, be32, bounded};
use crate::error::{ReplyError, need};

/// Disc Status (byte 2 bits 1-0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscStatus {
    /// 00b empty (blank).
    Empty,
    /// 01b incomplete (appendable).
    Incomplete,
    /// 10b complete (finalized, or ROM).
    Complete,
    /// 11b others (random-access media).
    Other,
}

/// State of Last Session (byte 2 bits 3-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// 00b empty session.
    Empty,
    /// 01b incomplete session (open).
    Incomplete,
    /// 10b reserved / damaged.
    Damaged,
    /// 11b complete session.
    Complete,
}

/// BG Format Status (byte 7 bits 1-0), DVD+RW background formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BgFormatStatus {
    /// 00b not formatted / not started.
    NotFormatted,
    /// 01b started but suspended.
    Suspended,
    /// 10b in progress.
    InProgress,
    /// 11b completed.
    Completed,
}

impl DiscStatus {
    /// From the 2-bit field.
    pub const fn from_bits(v: u8) -> DiscStatus {
        match v & 3 {
            0 => DiscStatus::Empty,
            1 => DiscStatus::Incomplete,
            2 => DiscStatus::Complete,
            _ => DiscStatus::Other,
        }
    }
    /// The 2-bit field.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

impl SessionState {
    /// From the 2-bit field.
    pub const fn from_bits(v: u8) -> SessionState {
        match v & 3 {
            0 => SessionState::Empty,
            1 => SessionState::Incomplete,
            2 => SessionState::Damaged,
            _ => SessionState::Complete,
        }
    }
    /// The 2-bit field.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

impl BgFormatStatus {
    /// From the 2-bit field.
    pub const fn from_bits(v: u8) -> BgFormatStatus {
        match v & 3 {
            0 => BgFormatStatus::NotFormatted,
            1 => BgFormatStatus::Suspended,
            2 => BgFormatStatus::InProgress,
            _ => BgFormatStatus::Completed,
        }
    }
    /// The 2-bit field.
    pub const fn bits(self) -> u8 {
        self as u8
    }
}

/// One OPC table entry (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpcTableEntry {
    /// Bytes 0-1 speed (kB/s).
    pub speed: u16,
    /// Bytes 2-7 OPC value.
    pub opc_value: [u8; 6],
}

/// Standard Disc Information (Data Type 000b), mmc.md §2.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscInformation {
    /// Bytes 0-1 Disc Information Length (bytes after byte 1).
    pub disc_information_length: u16,
    /// Byte 2 bit 4 Erasable.
    pub erasable: bool,
    /// Byte 2 bits 3-2 State of Last Session.
    pub state_of_last_session: SessionState,
    /// Byte 2 bits 1-0 Disc Status.
    pub disc_status: DiscStatus,
    /// Byte 3 Number of First Track on Disc.
    pub first_track_number: u8,
    /// Bytes 9, 4 Number of Sessions (includes an empty or incomplete last session).
    pub number_of_sessions: u16,
    /// Bytes 10, 5 First Track Number in Last Session.
    pub first_track_in_last_session: u16,
    /// Bytes 11, 6 Last Track Number in Last Session.
    pub last_track_in_last_session: u16,
    /// Byte 7 bit 7 DID_V.
    pub did_v: bool,
    /// Byte 7 bit 6 DBC_V.
    pub dbc_v: bool,
    /// Byte 7 bit 5 URU (unrestricted use).
    pub uru: bool,
    /// Byte 7 bit 4 DAC_V.
    pub dac_v: bool,
    /// Byte 7 bit 2 Dbit (dirty bit).
    pub dbit: bool,
    /// Byte 7 bits 1-0 BG Format Status.
    pub bg_format_status: BgFormatStatus,
    /// Byte 8 Disc Type (CD: 00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA, FFh undefined).
    pub disc_type: u8,
    /// Bytes 12-15 Disc Identification.
    pub disc_identification: u32,
    /// Bytes 16-19 Last Session Lead-in Start Address, raw (CD: 00h M S F; others: LBA;
    /// FFFFFFFFh on a complete disc). See [`DiscInformation::lead_in_lba`].
    pub last_session_lead_in_start_address: u32,
    /// Bytes 20-23 Last Possible Lead-out Start Address, raw (CD: 00h M S F; others LBA).
    pub last_possible_lead_out_start_address: u32,
    /// Bytes 24-31 Disc Bar Code.
    pub disc_bar_code: [u8; 8],
    /// Byte 32 Disc Application Code (0 when not transferred).
    pub disc_application_code: u8,
    /// OPC table entries (byte 33 Number of OPC Tables; bounded by the length and buffer).
    pub opc_tables: Vec<OpcTableEntry>,
}

impl DiscInformation {
    const S: &'static str = "READ DISC INFORMATION reply";

    /// Minimum bytes parsed: through the Disc Bar Code (growisofs asks for 32 bytes).
    pub const MIN_LEN: usize = 32;

    /// Parses Standard Disc Information. Reads at most `min(2 + Disc Information
    /// Length, buf.len())` bytes; bytes 32-33 and the OPC tables are optional.
    ///
    /// # Errors
    /// [`ReplyError::Short`] when fewer than 32 valid bytes; [`ReplyError::Invalid`] when
    /// the Disc Information Data Type (byte 2 bits 7-5) is not 000b.
    pub fn parse(b: &[u8]) -> Result<DiscInformation, ReplyError> {
        need(Self::S, b, 2)?;
        let len = be16(b, 0);
        let end = bounded(b, len as usize, 2);
        need(Self::S, &b[..end], Self::MIN_LEN)?;
        let b = &b[..end];
        if b[2] >> 5 != 0 {
            return Err(ReplyError::invalid(
                Self::S,
                format!("Disc Information Data Type {} is not 000b", b[2] >> 5),
            ));
        }
        let mut bar = [0u8; 8];
        bar.copy_from_slice(&b[24..32]);
        let mut opc_tables = Vec::new();
        if b.len() >= 34 {
            let n = b[33] as usize;
            for i in 0..n {
                let at = 34 + 8 * i;
                if at + 8 > b.len() {
                    break;
                }
                let mut v = [0u8; 6];
                v.copy_from_slice(&b[at + 2..at + 8]);
                opc_tables.push(OpcTableEntry {
                    speed: be16(b, at),
                    opc_value: v,
                });
            }
        }
        Ok(DiscInformation {
            disc_information_length: len,
            erasable: b[2] & 0x10 != 0,
            state_of_last_session: SessionState::from_bits(b[2] >> 2),
            disc_status: DiscStatus::from_bits(b[2]),
            first_track_number: b[3],
            number_of_sessions: u16::from_be_bytes([b[9], b[4]]),
            first_track_in_last_session: u16::from_be_bytes([b[10], b[5]]),
            last_track_in_last_session: u16::from_be_bytes([b[11], b[6]]),
            did_v: b[7] & 0x80 != 0,
            dbc_v: b[7] & 0x40 != 0,
            uru: b[7] & 0x20 != 0,
            dac_v: b[7] & 0x10 != 0,
            dbit: b[7] & 0x04 != 0,
            bg_format_status: BgFormatStatus::from_bits(b[7]),
            disc_type: b[8],
            disc_identification: be32(b, 12),
            last_session_lead_in_start_address: be32(b, 16),
            last_possible_lead_out_start_address: be32(b, 20),
            disc_bar_code: bar,
            disc_application_code: b.get(32).copied().unwrap_or(0),
            opc_tables,
        })
    }

    /// Encodes 34 + 8·n bytes (Disc Information Length = 32 + 8·n).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 34 + 8 * self.opc_tables.len()];
        let len = (b.len() - 2) as u16;
        b[0..2].copy_from_slice(&len.to_be_bytes());
        b[2] = ((self.erasable as u8) << 4)
            | (self.state_of_last_session.bits() << 2)
            | self.disc_status.bits();
        b[3] = self.first_track_number;
        let [s_hi, s_lo] = self.number_of_sessions.to_be_bytes();
        let [f_hi, f_lo] = self.first_track_in_last_session.to_be_bytes();
        let [l_hi, l_lo] = self.last_track_in_last_session.to_be_bytes();
        b[4] = s_lo;
        b[5] = f_lo;
        b[6] = l_lo;
        b[9] = s_hi;
        b[10] = f_hi;
        b[11] = l_hi;
        b[7] = ((self.did_v as u8) << 7)
            | ((self.dbc_v as u8) << 6)
            | ((self.uru as u8) << 5)
            | ((self.dac_v as u8) << 4)
            | ((self.dbit as u8) << 2)
            | self.bg_format_status.bits();
        b[8] = self.disc_type;
        b[12..16].copy_from_slice(&self.disc_identification.to_be_bytes());
        b[16..20].copy_from_slice(&self.last_session_lead_in_start_address.to_be_bytes());
        b[20..24].copy_from_slice(&self.last_possible_lead_out_start_address.to_be_bytes());
        b[24..32].copy_from_slice(&self.disc_bar_code);
        b[32] = self.disc_application_code;
        b[33] = self.opc_tables.len() as u8;
        for (i, e) in self.opc_tables.iter().enumerate() {
            let at = 34 + 8 * i;
            b[at..at + 2].copy_from_slice(&e.speed.to_be_bytes());
            b[at + 2..at + 8].copy_from_slice(&e.opc_value);
        }
        b
    }

    /// Number of complete sessions: Number of Sessions − 1 unless the last session is
    /// complete (mmc.md §2.2).
    pub fn complete_sessions(&self) -> u16 {
        if self.state_of_last_session == SessionState::Complete {
            self.number_of_sessions
        } else {
            self.number_of_sessions.saturating_sub(1)
        }
    }

    /// The Last Session Lead-in Start Address as an LBA: CD fields (`cd = true`) are
    /// decoded as 00h M S F (mmc.md §4.5); `None` for FFFFFFFFh (complete disc).
    pub fn lead_in_lba(&self, cd: bool) -> Option<i32> {
        address_field_lba(self.last_session_lead_in_start_address, cd)
    }

    /// The Last Possible Lead-out Start Address as an LBA (as [`Self::lead_in_lba`]).
    pub fn lead_out_lba(&self, cd: bool) -> Option<i32> {
        address_field_lba(self.last_possible_lead_out_start_address, cd)
    }
}

fn address_field_lba(raw: u32, cd: bool) -> Option<i32> {
    if raw == 0xFFFF_FFFF {
        return None;
    }
    if cd {
        let [_, m, s, f] = raw.to_be_bytes();
        Some(super::Msf::new(m, s, f).to_lba())
    } else {
        Some(raw as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Msf;

    fn blank_cd() -> DiscInformation {
        DiscInformation {
            disc_information_length: 32,
            erasable: false,
            state_of_last_session: SessionState::Empty,
            disc_status: DiscStatus::Empty,
            first_track_number: 1,
            number_of_sessions: 1,
            first_track_in_last_session: 1,
            last_track_in_last_session: 1,
            did_v: false,
            dbc_v: false,
            uru: true,
            dac_v: false,
            dbit: false,
            bg_format_status: BgFormatStatus::NotFormatted,
            disc_type: 0,
            disc_identification: 0,
            // ATIP lead-in 97:26:66, lead-out 79:59:74 (mmc.md §9.2)
            last_session_lead_in_start_address: u32::from_be_bytes([0, 97, 26, 66]),
            last_possible_lead_out_start_address: u32::from_be_bytes([0, 79, 59, 74]),
            disc_bar_code: [0; 8],
            disc_application_code: 0,
            opc_tables: vec![],
        }
    }

    #[test]
    fn cd_blank_and_appendable_after_session_1() {
        // mmc.md §2.3 row "CD-R blank" and §6.1: after one closed session (300 blocks,
        // lead-out 302) the next lead-in starts at 7052 = 01:36:02.
        let d = blank_cd();
        let b = d.encode();
        assert_eq!(b.len(), 34);
        assert_eq!(&b[0..2], &[0, 32]);
        let p = DiscInformation::parse(&b).unwrap();
        assert_eq!(p, d);
        assert_eq!(p.lead_out_lba(true), Some(359849));
        assert_eq!(p.lead_in_lba(true), Some(-11634));
        assert_eq!(p.complete_sessions(), 0);

        let lead_in = Msf::from_lba(7052);
        assert_eq!((lead_in.m, lead_in.s, lead_in.f), (1, 36, 2));
        let mut a = blank_cd();
        a.disc_status = DiscStatus::Incomplete;
        a.number_of_sessions = 2;
        a.first_track_in_last_session = 2;
        a.last_track_in_last_session = 2;
        a.last_session_lead_in_start_address = lead_in.to_field();
        let mut raw = a.encode();
        assert_eq!(raw[2], 0x01);
        assert_eq!(&raw[16..20], &[0, 1, 36, 2]);
        let p = DiscInformation::parse(&raw).unwrap();
        assert_eq!(p.disc_status, DiscStatus::Incomplete);
        assert_eq!(p.state_of_last_session, SessionState::Empty);
        assert_eq!(p.complete_sessions(), 1);
        assert_eq!(p.lead_in_lba(true), Some(7052));
        // closed disc
        raw[2] = 0x0E;
        raw[16..24].fill(0xFF);
        let p = DiscInformation::parse(&raw).unwrap();
        assert_eq!(p.disc_status, DiscStatus::Complete);
        assert_eq!(p.state_of_last_session, SessionState::Complete);
        assert_eq!(p.complete_sessions(), 2);
        assert_eq!(p.lead_in_lba(true), None);
    }

    #[test]
    fn msb_fields_and_opc_tables() {
        let mut d = blank_cd();
        d.number_of_sessions = 300;
        d.first_track_in_last_session = 301;
        d.last_track_in_last_session = 302;
        d.opc_tables = vec![OpcTableEntry {
            speed: 11080,
            opc_value: [1, 2, 3, 4, 5, 6],
        }];
        d.disc_information_length = 40;
        let b = d.encode();
        assert_eq!(b.len(), 42);
        assert_eq!(DiscInformation::parse(&b).unwrap(), d);
        // OPC table beyond the buffer is dropped, not an error.
        let p = DiscInformation::parse(&b[..38]).unwrap();
        assert!(p.opc_tables.is_empty());
    }

    #[test]
    fn dvd_plus_rw_bg_format_and_lba_fields() {
        let mut d = blank_cd();
        d.erasable = true;
        d.disc_status = DiscStatus::Complete;
        d.state_of_last_session = SessionState::Complete;
        d.bg_format_status = BgFormatStatus::Completed;
        d.last_possible_lead_out_start_address = 2295104;
        let p = DiscInformation::parse(&d.encode()).unwrap();
        assert_eq!(p.bg_format_status, BgFormatStatus::Completed);
        assert_eq!(p.lead_out_lba(false), Some(2295104));
        assert!(p.erasable);
    }

    #[test]
    fn rejects_short_and_bounds_by_length() {
        let b = blank_cd().encode();
        assert!(matches!(
            DiscInformation::parse(&b[..31]),
            Err(ReplyError::Short { .. })
        ));
        // Length field says 20: too short even though the buffer is long.
        let mut s = b.clone();
        s[1] = 20;
        assert!(matches!(
            DiscInformation::parse(&s),
            Err(ReplyError::Short { .. })
        ));
        // Data type 001b is not standard disc information.
        let mut t = b.clone();
        t[2] |= 0x20;
        assert!(matches!(
            DiscInformation::parse(&t),
            Err(ReplyError::Invalid { .. })
        ));
        // 32 bytes (growisofs allocation) is enough.
        assert!(DiscInformation::parse(&b[..32]).is_ok());
    }
}
