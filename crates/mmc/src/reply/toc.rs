//! READ TOC/PMA/ATIP replies (MMC-6 6.26; mmc.md §4): format 0 (TOC), 1 (session
//! information), 2 (full TOC), 4 (ATIP), and MSF ↔ LBA (mmc.md §4.5).

use super::{be16, be32, bounded};
use crate::error::{ReplyError, need};

/// A CD time address minute:second:frame (75 frames per second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Msf {
    /// Minute.
    pub m: u8,
    /// Second (0-59).
    pub s: u8,
    /// Frame (0-74).
    pub f: u8,
}

impl Msf {
    /// An MSF value.
    pub const fn new(m: u8, s: u8, f: u8) -> Msf {
        Msf { m, s, f }
    }

    /// The frame count `(M·60 + S)·75 + F`.
    pub const fn frames(self) -> i32 {
        (self.m as i32 * 60 + self.s as i32) * 75 + self.f as i32
    }

    /// The LBA (mmc.md §4.5): frames − 150 for M < 90, frames − 450150 for M ≥ 90
    /// (lead-in, negative LBAs).
    pub const fn to_lba(self) -> i32 {
        if self.m < 90 {
            self.frames() - 150
        } else {
            self.frames() - 450150
        }
    }

    /// The MSF of an LBA: frames = LBA + 150 (LBA ≥ −150) else LBA + 450150. Minutes
    /// saturate at 255.
    pub const fn from_lba(lba: i32) -> Msf {
        let frames = if lba >= -150 { lba + 150 } else { lba + 450150 };
        let frames = if frames < 0 { 0 } else { frames };
        let m = frames / 4500;
        Msf {
            m: if m > 255 { 255 } else { m as u8 },
            s: ((frames / 75) % 60) as u8,
            f: (frames % 75) as u8,
        }
    }

    /// The 4-byte address field form `00h M S F`.
    pub const fn to_field(self) -> u32 {
        u32::from_be_bytes([0, self.m, self.s, self.f])
    }

    /// From the 4-byte field `00h M S F`.
    pub const fn from_field(v: u32) -> Msf {
        let [_, m, s, f] = v.to_be_bytes();
        Msf { m, s, f }
    }
}

/// One format-0 track descriptor (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TocDescriptor {
    /// Byte 1 bits 7-4 ADR.
    pub adr: u8,
    /// Byte 1 bits 3-0 CONTROL (data track 4).
    pub control: u8,
    /// Byte 2 Track Number (AAh = lead-out).
    pub track_number: u8,
    /// Bytes 4-7 Track Start Address (LBA, or 00h M S F when MSF was requested).
    pub track_start_address: u32,
}

/// Format 0: formatted TOC (mmc.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toc {
    /// Byte 2 First Track Number.
    pub first_track_number: u8,
    /// Byte 3 Last Track Number.
    pub last_track_number: u8,
    /// Track descriptors, lead-out (AAh) last.
    pub descriptors: Vec<TocDescriptor>,
}

/// Track number of the lead-out in format-0 descriptors.
pub const LEAD_OUT_TRACK: u8 = 0xAA;

impl Toc {
    const S: &'static str = "READ TOC format 0 reply";

    /// Parses format 0; descriptors bounded by TOC Data Length and the buffer (a
    /// partial descriptor at the end is dropped).
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 4 bytes.
    pub fn parse(b: &[u8]) -> Result<Toc, ReplyError> {
        need(Self::S, b, 4)?;
        let end = bounded(b, be16(b, 0) as usize, 2);
        let descriptors = b[4..end.max(4)]
            .chunks_exact(8)
            .map(|d| TocDescriptor {
                adr: d[1] >> 4,
                control: d[1] & 0x0F,
                track_number: d[2],
                track_start_address: be32(d, 4),
            })
            .collect();
        Ok(Toc {
            first_track_number: b[2],
            last_track_number: b[3],
            descriptors,
        })
    }

    /// Encodes header + descriptors.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(4 + 8 * self.descriptors.len());
        b.extend_from_slice(&((2 + 8 * self.descriptors.len()) as u16).to_be_bytes());
        b.push(self.first_track_number);
        b.push(self.last_track_number);
        for d in &self.descriptors {
            b.extend_from_slice(&[0, (d.adr << 4) | (d.control & 0x0F), d.track_number, 0]);
            b.extend_from_slice(&d.track_start_address.to_be_bytes());
        }
        b
    }

    /// The lead-out descriptor's start address.
    pub fn lead_out(&self) -> Option<u32> {
        self.descriptors
            .iter()
            .find(|d| d.track_number == LEAD_OUT_TRACK)
            .map(|d| d.track_start_address)
    }
}

/// Format 1: multi-session information (mmc.md §4.2), 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionInfo {
    /// Bytes 0-1 Data Length (0Ah).
    pub data_length: u16,
    /// Byte 2 First Complete Session Number.
    pub first_complete_session: u8,
    /// Byte 3 Last Complete Session Number.
    pub last_complete_session: u8,
    /// Byte 5 bits 7-4 ADR.
    pub adr: u8,
    /// Byte 5 bits 3-0 CONTROL.
    pub control: u8,
    /// Byte 6 First Track Number in the Last Complete Session.
    pub first_track_in_last_session: u8,
    /// Bytes 8-11 Start Address of that track (LBA or 00h M S F): the msinfo "first
    /// number" (start_address_of_previous_session).
    pub start_address_of_first_track_in_last_session: u32,
}

impl SessionInfo {
    const S: &'static str = "READ TOC format 1 reply";

    /// Parses format 1.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 12 bytes (or Data Length < 0Ah).
    pub fn parse(b: &[u8]) -> Result<SessionInfo, ReplyError> {
        need(Self::S, b, 4)?;
        let end = bounded(b, be16(b, 0) as usize, 2);
        need(Self::S, &b[..end], 12)?;
        Ok(SessionInfo {
            data_length: be16(b, 0),
            first_complete_session: b[2],
            last_complete_session: b[3],
            adr: b[5] >> 4,
            control: b[5] & 0x0F,
            first_track_in_last_session: b[6],
            start_address_of_first_track_in_last_session: be32(b, 8),
        })
    }

    /// Encodes 12 bytes (Data Length 0Ah).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 12];
        b[1] = 0x0A;
        b[2] = self.first_complete_session;
        b[3] = self.last_complete_session;
        b[5] = (self.adr << 4) | (self.control & 0x0F);
        b[6] = self.first_track_in_last_session;
        b[8..12].copy_from_slice(
            &self
                .start_address_of_first_track_in_last_session
                .to_be_bytes(),
        );
        b
    }
}

/// One format-2 (full TOC) descriptor, 11 bytes (mmc.md §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullTocDescriptor {
    /// Byte 0 Session Number.
    pub session_number: u8,
    /// Byte 1 bits 7-4 ADR.
    pub adr: u8,
    /// Byte 1 bits 3-0 CONTROL.
    pub control: u8,
    /// Byte 2 TNO.
    pub tno: u8,
    /// Byte 3 POINT.
    pub point: u8,
    /// Bytes 4-6 MIN, SEC, FRAME.
    pub msf: Msf,
    /// Byte 7 ZERO (HOUR).
    pub zero: u8,
    /// Bytes 8-10 PMIN, PSEC, PFRAME.
    pub pmsf: Msf,
}

/// Format 2: full (raw) TOC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullToc {
    /// Byte 2 First Complete Session Number.
    pub first_complete_session: u8,
    /// Byte 3 Last Complete Session Number.
    pub last_complete_session: u8,
    /// Descriptors ((Data Length − 2) / 11).
    pub descriptors: Vec<FullTocDescriptor>,
}

impl FullToc {
    const S: &'static str = "READ TOC format 2 reply";

    /// Parses format 2, bounded by Data Length and the buffer.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 4 bytes.
    pub fn parse(b: &[u8]) -> Result<FullToc, ReplyError> {
        need(Self::S, b, 4)?;
        let end = bounded(b, be16(b, 0) as usize, 2);
        let descriptors = b[4..end.max(4)]
            .chunks_exact(11)
            .map(|d| FullTocDescriptor {
                session_number: d[0],
                adr: d[1] >> 4,
                control: d[1] & 0x0F,
                tno: d[2],
                point: d[3],
                msf: Msf::new(d[4], d[5], d[6]),
                zero: d[7],
                pmsf: Msf::new(d[8], d[9], d[10]),
            })
            .collect();
        Ok(FullToc {
            first_complete_session: b[2],
            last_complete_session: b[3],
            descriptors,
        })
    }

    /// Encodes header + descriptors.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(4 + 11 * self.descriptors.len());
        b.extend_from_slice(&((2 + 11 * self.descriptors.len()) as u16).to_be_bytes());
        b.push(self.first_complete_session);
        b.push(self.last_complete_session);
        for d in &self.descriptors {
            b.extend_from_slice(&[
                d.session_number,
                (d.adr << 4) | (d.control & 0x0F),
                d.tno,
                d.point,
                d.msf.m,
                d.msf.s,
                d.msf.f,
                d.zero,
                d.pmsf.m,
                d.pmsf.s,
                d.pmsf.f,
            ]);
        }
        b
    }

    /// The descriptor with this session and POINT.
    pub fn point(&self, session: u8, point: u8) -> Option<&FullTocDescriptor> {
        self.descriptors
            .iter()
            .find(|d| d.session_number == session && d.point == point)
    }
}

/// Format 4: ATIP (mmc.md §4.4), CD-R/RW only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Atip {
    /// Descriptor byte 0 bits 6-4 Indicative Target Writing Power.
    pub indicative_writing_power: u8,
    /// Descriptor byte 0 bits 2-0 Reference Speed.
    pub reference_speed: u8,
    /// Descriptor byte 1 bit 6 URU.
    pub uru: bool,
    /// Descriptor byte 2 bit 6 Disc Type (false CD-R, true CD-RW).
    pub disc_type_rw: bool,
    /// Descriptor byte 2 bits 5-3 Disc Sub-type.
    pub disc_sub_type: u8,
    /// Descriptor bytes 4-6 Start Time of Lead-in.
    pub start_of_lead_in: Msf,
    /// Descriptor bytes 8-10 Last Possible Start Time of Lead-out.
    pub last_possible_lead_out: Msf,
}

impl Atip {
    const S: &'static str = "READ TOC format 4 (ATIP) reply";

    /// Parses the 4-byte header + ATIP descriptor (needs 4 + 11 bytes).
    ///
    /// # Errors
    /// [`ReplyError::Short`].
    pub fn parse(b: &[u8]) -> Result<Atip, ReplyError> {
        need(Self::S, b, 4)?;
        let end = bounded(b, be16(b, 0) as usize, 2);
        need(Self::S, &b[..end], 15)?;
        let d = &b[4..];
        Ok(Atip {
            indicative_writing_power: (d[0] >> 4) & 7,
            reference_speed: d[0] & 7,
            uru: d[1] & 0x40 != 0,
            disc_type_rw: d[2] & 0x40 != 0,
            disc_sub_type: (d[2] >> 3) & 7,
            start_of_lead_in: Msf::new(d[4], d[5], d[6]),
            last_possible_lead_out: Msf::new(d[8], d[9], d[10]),
        })
    }

    /// Encodes 28 bytes (header + 24-byte descriptor); byte 0 bit 7 of the descriptor
    /// and the fixed "1" bits are set as in ATIP.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 28];
        b[1] = 26;
        let d = &mut b[4..];
        d[0] = 0x80 | ((self.indicative_writing_power & 7) << 4) | (self.reference_speed & 7);
        d[1] = (self.uru as u8) << 6;
        d[2] = 0x80 | ((self.disc_type_rw as u8) << 6) | ((self.disc_sub_type & 7) << 3);
        d[4] = self.start_of_lead_in.m;
        d[5] = self.start_of_lead_in.s;
        d[6] = self.start_of_lead_in.f;
        d[8] = self.last_possible_lead_out.m;
        d[9] = self.last_possible_lead_out.s;
        d[10] = self.last_possible_lead_out.f;
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msf_conversions_mmc_4_5() {
        assert_eq!(Msf::new(0, 2, 0).to_lba(), 0);
        assert_eq!(Msf::from_lba(302), Msf::new(0, 6, 2));
        assert_eq!(Msf::from_lba(7052), Msf::new(1, 36, 2));
        assert_eq!(Msf::new(79, 59, 74).to_lba(), 359849);
        assert_eq!(Msf::new(97, 26, 66).to_lba(), -11634);
        assert_eq!(Msf::from_lba(-11634), Msf::new(97, 26, 66));
        // B0 pointer: MSF(NWA - 150) whose raw frame count equals NWA 11702.
        let b0 = Msf::from_lba(11702 - 150);
        assert_eq!(b0, Msf::new(2, 36, 2));
        assert_eq!(b0.frames(), 11702);
        for lba in [-45150, -151, -150, 0, 1, 11702, 359849] {
            assert_eq!(Msf::from_lba(lba).to_lba(), lba);
        }
        assert_eq!(
            Msf::from_field(Msf::new(1, 2, 3).to_field()),
            Msf::new(1, 2, 3)
        );
    }

    #[test]
    fn toc_format0_cd_two_sessions() {
        // mmc.md §6.1: track 1 at 0, track 2 at 11702, lead-out 12704.
        let toc = Toc {
            first_track_number: 1,
            last_track_number: 2,
            descriptors: vec![
                TocDescriptor {
                    adr: 1,
                    control: 4,
                    track_number: 1,
                    track_start_address: 0,
                },
                TocDescriptor {
                    adr: 1,
                    control: 4,
                    track_number: 2,
                    track_start_address: 11702,
                },
                TocDescriptor {
                    adr: 1,
                    control: 4,
                    track_number: LEAD_OUT_TRACK,
                    track_start_address: 12704,
                },
            ],
        };
        let b = toc.encode();
        assert_eq!(&b[0..2], &[0, 26]);
        assert_eq!(b[5], 0x14);
        let p = Toc::parse(&b).unwrap();
        assert_eq!(p, toc);
        assert_eq!(p.lead_out(), Some(12704));
        // Truncated allocation: partial descriptor dropped.
        assert_eq!(Toc::parse(&b[..15]).unwrap().descriptors.len(), 1);
        assert!(Toc::parse(&b[..3]).is_err());
    }

    #[test]
    fn session_info_format1_ms_offset() {
        // Linux sr_cd_check: ms_offset = bytes 8-11 = 11702 with first track 2.
        let s = SessionInfo {
            data_length: 10,
            first_complete_session: 1,
            last_complete_session: 2,
            adr: 1,
            control: 4,
            first_track_in_last_session: 2,
            start_address_of_first_track_in_last_session: 11702,
        };
        let b = s.encode();
        assert_eq!(b, vec![0, 10, 1, 2, 0, 0x14, 2, 0, 0, 0, 0x2D, 0xB6]);
        assert_eq!(SessionInfo::parse(&b).unwrap(), s);
        assert!(SessionInfo::parse(&b[..11]).is_err());
        let mut short_len = b.clone();
        short_len[1] = 6;
        assert!(SessionInfo::parse(&short_len).is_err());
    }

    #[test]
    fn full_toc_b0_pointer() {
        let t = FullToc {
            first_complete_session: 1,
            last_complete_session: 1,
            descriptors: vec![
                FullTocDescriptor {
                    session_number: 1,
                    adr: 1,
                    control: 4,
                    tno: 0,
                    point: 0xA2,
                    msf: Msf::new(0, 0, 0),
                    zero: 0,
                    pmsf: Msf::from_lba(302),
                },
                FullTocDescriptor {
                    session_number: 1,
                    adr: 5,
                    control: 4,
                    tno: 0,
                    point: 0xB0,
                    msf: Msf::from_lba(11702 - 150),
                    zero: 1,
                    pmsf: Msf::new(79, 59, 74),
                },
            ],
        };
        let b = t.encode();
        assert_eq!(b.len(), 4 + 22);
        let p = FullToc::parse(&b).unwrap();
        assert_eq!(p, t);
        assert_eq!(p.point(1, 0xA2).unwrap().pmsf.to_lba(), 302);
        assert_eq!(p.point(1, 0xB0).unwrap().msf.frames(), 11702);
    }

    #[test]
    fn atip_roundtrip() {
        let a = Atip {
            indicative_writing_power: 5,
            reference_speed: 2,
            uru: false,
            disc_type_rw: true,
            disc_sub_type: 1,
            start_of_lead_in: Msf::new(97, 26, 66),
            last_possible_lead_out: Msf::new(79, 59, 74),
        };
        let p = Atip::parse(&a.encode()).unwrap();
        assert_eq!(p, a);
        assert_eq!(p.last_possible_lead_out.to_lba(), 359849);
        assert!(Atip::parse(&a.encode()[..14]).is_err());
    }
}
