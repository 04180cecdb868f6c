//! Encoders for the reply structures shared by all media classes: READ DISC INFORMATION
//! (MMC-6 6.22, `mmc.md` §2), READ TRACK INFORMATION (MMC-6 6.27, `mmc.md` §3) and READ
//! TOC formats 0/1 (MMC-6 6.26, `mmc.md` §4).

use crate::cdb::{addr_field, put16, put32};

/// Standard Disc Information (data type 000b), 34 bytes without OPC tables.
#[derive(Debug, Clone, Default)]
pub(crate) struct DiscInfo {
    pub erasable: bool,
    /// State of Last Session (2 bits).
    pub last_session_state: u8,
    /// Disc Status (2 bits).
    pub disc_status: u8,
    pub sessions: u16,
    pub first_track_last_session: u16,
    pub last_track_last_session: u16,
    pub uru: bool,
    /// BG Format Status (2 bits, DVD+RW).
    pub bg_format_status: u8,
    pub disc_type: u8,
    /// Bytes 16-19 as sent (LBA, `00 M S F`, or FFFFFFFFh).
    pub lead_in: [u8; 4],
    /// Bytes 20-23 as sent.
    pub lead_out: [u8; 4],
}

impl DiscInfo {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 34];
        put16(&mut b, 0, 32);
        b[2] = (u8::from(self.erasable) << 4)
            | ((self.last_session_state & 3) << 2)
            | (self.disc_status & 3);
        b[3] = 1;
        let [s_hi, s_lo] = self.sessions.to_be_bytes();
        let [f_hi, f_lo] = self.first_track_last_session.to_be_bytes();
        let [l_hi, l_lo] = self.last_track_last_session.to_be_bytes();
        b[4] = s_lo;
        b[5] = f_lo;
        b[6] = l_lo;
        b[7] = (u8::from(self.uru) << 5) | (self.bg_format_status & 3);
        b[8] = self.disc_type;
        b[9] = s_hi;
        b[10] = f_hi;
        b[11] = l_hi;
        b[16..20].copy_from_slice(&self.lead_in);
        b[20..24].copy_from_slice(&self.lead_out);
        b
    }
}

/// One track's READ TRACK INFORMATION reply (48 bytes, Data Length 2Eh).
#[derive(Debug, Clone, Default)]
pub(crate) struct TrackInfo {
    pub number: u16,
    pub session: u16,
    pub damage: bool,
    pub track_mode: u8,
    pub rt: bool,
    pub blank: bool,
    pub packet: bool,
    pub fp: bool,
    pub data_mode: u8,
    pub nwa: Option<u32>,
    pub lra: Option<u32>,
    pub start: u32,
    pub free: u32,
    pub blocking_factor: u32,
    pub size: u32,
}

impl TrackInfo {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 48];
        put16(&mut b, 0, 46);
        let [n_hi, n_lo] = self.number.to_be_bytes();
        let [s_hi, s_lo] = self.session.to_be_bytes();
        b[2] = n_lo;
        b[3] = s_lo;
        b[5] = (u8::from(self.damage) << 5) | (self.track_mode & 0x0F);
        b[6] = (u8::from(self.rt) << 7)
            | (u8::from(self.blank) << 6)
            | (u8::from(self.packet) << 5)
            | (u8::from(self.fp) << 4)
            | (self.data_mode & 0x0F);
        b[7] = (u8::from(self.lra.is_some()) << 1) | u8::from(self.nwa.is_some());
        put32(&mut b, 8, self.start);
        put32(&mut b, 12, self.nwa.unwrap_or(0));
        put32(&mut b, 16, self.free);
        put32(&mut b, 20, self.blocking_factor);
        put32(&mut b, 24, self.size);
        put32(&mut b, 28, self.lra.unwrap_or(0));
        b[32] = n_hi;
        b[33] = s_hi;
        b
    }
}

/// A track as listed in a TOC (formats 0 and 1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TocTrack {
    pub session: u16,
    pub number: u8,
    pub adr_control: u8,
    pub start: i64,
}

/// READ TOC format 0000b: tracks of complete sessions from `first_wanted`, then the
/// lead-out (AAh). `None` when `first_wanted` names no track (→ 5/24/00).
pub(crate) fn toc_format0(
    tracks: &[TocTrack],
    lead_out: i64,
    first_wanted: u8,
    msf: bool,
) -> Option<Vec<u8>> {
    let first = tracks.first()?.number;
    let last = tracks.last()?.number;
    if first_wanted != 0xAA && first_wanted > last {
        return None;
    }
    let mut b = vec![0u8; 4];
    b[2] = first;
    b[3] = last;
    let lead_out_control = tracks.last().map(|t| t.adr_control).unwrap_or(0x14);
    for t in tracks
        .iter()
        .filter(|t| first_wanted != 0xAA && t.number >= first_wanted)
    {
        b.extend_from_slice(&[0, t.adr_control, t.number, 0]);
        b.extend_from_slice(&addr_field(t.start, msf));
    }
    b.extend_from_slice(&[0, lead_out_control, 0xAA, 0]);
    b.extend_from_slice(&addr_field(lead_out, msf));
    let len = (b.len() - 2) as u16;
    put16(&mut b, 0, len);
    Some(b)
}

/// READ TOC format 0001b (Session Information, 12 bytes).
pub(crate) fn toc_format1(last_complete_session: u8, first_track: TocTrack, msf: bool) -> Vec<u8> {
    let mut b = vec![0u8; 12];
    put16(&mut b, 0, 10);
    b[2] = 1;
    b[3] = last_complete_session;
    b[5] = first_track.adr_control;
    b[6] = first_track.number;
    b[8..12].copy_from_slice(&addr_field(first_track.start, msf));
    b
}
