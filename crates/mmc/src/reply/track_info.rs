//! READ TRACK INFORMATION reply (MMC-6 6.27.3; mmc.md §3).

use super::{be16, be32, bounded};
use crate::error::{ReplyError, need};

/// Track Information (mmc.md §3.1). Addresses are LBAs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInformation {
    /// Bytes 0-1 Data Length (bytes after byte 1).
    pub data_length: u16,
    /// Bytes 32, 2 Logical Track Number.
    pub track_number: u16,
    /// Bytes 33, 3 Session Number.
    pub session_number: u16,
    /// Byte 5 bits 7-6 LJRS (layer jump recording status).
    pub ljrs: u8,
    /// Byte 5 bit 5 Damage.
    pub damage: bool,
    /// Byte 5 bit 4 Copy.
    pub copy: bool,
    /// Byte 5 bits 3-0 Track Mode (CD Q CONTROL nibble; DVD/BD 4 or 5).
    pub track_mode: u8,
    /// Byte 6 bit 7 RT (reserved track).
    pub reserved_track: bool,
    /// Byte 6 bit 6 Blank.
    pub blank: bool,
    /// Byte 6 bit 5 Packet/Inc.
    pub packet_inc: bool,
    /// Byte 6 bit 4 FP (fixed packet).
    pub fixed_packet: bool,
    /// Byte 6 bits 3-0 Data Mode (1, 2, Fh).
    pub data_mode: u8,
    /// Bytes 8-11 Logical Track Start Address.
    pub track_start_address: u32,
    /// Bytes 12-15 Next Writable Address, present only when NWA_V (byte 7 bit 0) is set.
    pub next_writable_address: Option<u32>,
    /// Bytes 16-19 Free Blocks.
    pub free_blocks: u32,
    /// Bytes 20-23 Fixed Packet Size / Blocking Factor (DVD 16, BD 32).
    pub fixed_packet_size: u32,
    /// Bytes 24-27 Logical Track Size.
    pub track_size: u32,
    /// Bytes 28-31 Last Recorded Address, present only when LRA_V (byte 7 bit 1) is set
    /// and the bytes were transferred.
    pub last_recorded_address: Option<u32>,
    /// Bytes 36-39 Read Compatibility LBA, when transferred.
    pub read_compatibility_lba: Option<u32>,
    /// Bytes 40-43 Next Layer Jump Address, when transferred.
    pub next_layer_jump_address: Option<u32>,
    /// Bytes 44-47 Last Layer Jump Address, when transferred.
    pub last_layer_jump_address: Option<u32>,
}

impl TrackInformation {
    const S: &'static str = "READ TRACK INFORMATION reply";

    /// Minimum bytes parsed (through Logical Track Size).
    pub const MIN_LEN: usize = 28;

    /// A track-information value with every field zero/false/None.
    pub fn empty() -> TrackInformation {
        TrackInformation {
            data_length: 46,
            track_number: 0,
            session_number: 0,
            ljrs: 0,
            damage: false,
            copy: false,
            track_mode: 0,
            reserved_track: false,
            blank: false,
            packet_inc: false,
            fixed_packet: false,
            data_mode: 0,
            track_start_address: 0,
            next_writable_address: None,
            free_blocks: 0,
            fixed_packet_size: 0,
            track_size: 0,
            last_recorded_address: None,
            read_compatibility_lba: None,
            next_layer_jump_address: None,
            last_layer_jump_address: None,
        }
    }

    /// Parses a Track Information block, reading at most `min(2 + Data Length,
    /// buf.len())` bytes; fields past byte 27 are optional.
    ///
    /// # Errors
    /// [`ReplyError::Short`] when fewer than 28 valid bytes.
    pub fn parse(b: &[u8]) -> Result<TrackInformation, ReplyError> {
        need(Self::S, b, 2)?;
        let data_length = be16(b, 0);
        let end = bounded(b, data_length as usize, 2);
        need(Self::S, &b[..end], Self::MIN_LEN)?;
        let b = &b[..end];
        let opt = |at: usize| (b.len() >= at + 4).then(|| be32(b, at));
        let nwa_v = b[7] & 0x01 != 0;
        let lra_v = b[7] & 0x02 != 0;
        let hi = |at: usize| b.get(at).copied().unwrap_or(0);
        Ok(TrackInformation {
            data_length,
            track_number: u16::from_be_bytes([hi(32), b[2]]),
            session_number: u16::from_be_bytes([hi(33), b[3]]),
            ljrs: b[5] >> 6,
            damage: b[5] & 0x20 != 0,
            copy: b[5] & 0x10 != 0,
            track_mode: b[5] & 0x0F,
            reserved_track: b[6] & 0x80 != 0,
            blank: b[6] & 0x40 != 0,
            packet_inc: b[6] & 0x20 != 0,
            fixed_packet: b[6] & 0x10 != 0,
            data_mode: b[6] & 0x0F,
            track_start_address: be32(b, 8),
            next_writable_address: nwa_v.then(|| be32(b, 12)),
            free_blocks: be32(b, 16),
            fixed_packet_size: be32(b, 20),
            track_size: be32(b, 24),
            last_recorded_address: if lra_v { opt(28) } else { None },
            read_compatibility_lba: opt(36),
            next_layer_jump_address: opt(40),
            last_layer_jump_address: opt(44),
        })
    }

    /// Encodes 48 bytes (Data Length 46; absent optional fields as 0).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; 48];
        b[0..2].copy_from_slice(&46u16.to_be_bytes());
        let [t_hi, t_lo] = self.track_number.to_be_bytes();
        let [s_hi, s_lo] = self.session_number.to_be_bytes();
        b[2] = t_lo;
        b[3] = s_lo;
        b[32] = t_hi;
        b[33] = s_hi;
        b[5] = (self.ljrs << 6)
            | ((self.damage as u8) << 5)
            | ((self.copy as u8) << 4)
            | (self.track_mode & 0x0F);
        b[6] = ((self.reserved_track as u8) << 7)
            | ((self.blank as u8) << 6)
            | ((self.packet_inc as u8) << 5)
            | ((self.fixed_packet as u8) << 4)
            | (self.data_mode & 0x0F);
        b[7] = ((self.last_recorded_address.is_some() as u8) << 1)
            | self.next_writable_address.is_some() as u8;
        let put = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        put(&mut b, 8, self.track_start_address);
        put(&mut b, 12, self.next_writable_address.unwrap_or(0));
        put(&mut b, 16, self.free_blocks);
        put(&mut b, 20, self.fixed_packet_size);
        put(&mut b, 24, self.track_size);
        put(&mut b, 28, self.last_recorded_address.unwrap_or(0));
        put(&mut b, 36, self.read_compatibility_lba.unwrap_or(0));
        put(&mut b, 40, self.next_layer_jump_address.unwrap_or(0));
        put(&mut b, 44, self.last_layer_jump_address.unwrap_or(0));
        b
    }

    /// True for the invisible track (Blank = 1, RT = 0): not yet written.
    pub fn is_invisible(&self) -> bool {
        self.blank && !self.reserved_track
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mmc.md §6.1/§3.3: the invisible track of the second CD session, NWA 11702.
    fn cd_session2_invisible() -> TrackInformation {
        TrackInformation {
            data_length: 46,
            track_number: 2,
            session_number: 2,
            track_mode: 4,
            blank: true,
            data_mode: 1,
            track_start_address: 11702,
            next_writable_address: Some(11702),
            free_blocks: 359849 - 11702 - 2,
            track_size: 359849 - 11702 - 2,
            read_compatibility_lba: Some(0),
            next_layer_jump_address: Some(0),
            last_layer_jump_address: Some(0),
            ..TrackInformation::empty()
        }
    }

    #[test]
    fn cd_invisible_track_roundtrip() {
        let t = cd_session2_invisible();
        let b = t.encode();
        assert_eq!(&b[12..16], &11702u32.to_be_bytes());
        assert_eq!(b[7], 0x01);
        assert_eq!(b[6], 0x41);
        let p = TrackInformation::parse(&b).unwrap();
        assert_eq!(p, t);
        assert!(p.is_invisible());
    }

    #[test]
    fn complete_cd_track_300_blocks() {
        // mmc.md §3.3: complete TAO track: NWA_V 0, size = user blocks + 2 run-out.
        let t = TrackInformation {
            track_number: 1,
            session_number: 1,
            track_mode: 4,
            data_mode: 1,
            track_start_address: 0,
            track_size: 302,
            ..TrackInformation::empty()
        };
        let p = TrackInformation::parse(&t.encode()).unwrap();
        assert_eq!(p.next_writable_address, None);
        assert_eq!(p.track_size, 302);
        assert_eq!(p.last_recorded_address, None);
    }

    #[test]
    fn dvd_open_track_with_lra_and_32_byte_reply() {
        // DVD-R partially written incremental track: NWA_V, LRA_V, blocking factor 16.
        let t = TrackInformation {
            track_number: 2,
            session_number: 1,
            track_mode: 5,
            packet_inc: true,
            data_mode: 1,
            track_start_address: 2816,
            next_writable_address: Some(3200),
            free_blocks: 100000,
            fixed_packet_size: 16,
            track_size: 100384,
            last_recorded_address: Some(3199),
            ..TrackInformation::empty()
        };
        let b = t.encode();
        // A 32-byte allocation (no MSB bytes) still parses; numbers < 256 survive.
        let mut short = b[..32].to_vec();
        short[1] = 30;
        let p = TrackInformation::parse(&short).unwrap();
        assert_eq!(p.next_writable_address, Some(3200));
        assert_eq!(p.last_recorded_address, Some(3199));
        assert_eq!(p.track_number, 2);
        assert_eq!(p.read_compatibility_lba, None);
        // 28 bytes: no LRA.
        let mut s28 = b[..28].to_vec();
        s28[1] = 26;
        assert_eq!(
            TrackInformation::parse(&s28).unwrap().last_recorded_address,
            None
        );
        assert!(matches!(
            TrackInformation::parse(&b[..27]),
            Err(ReplyError::Short { .. })
        ));
    }

    #[test]
    fn track_number_msb() {
        let t = TrackInformation {
            track_number: 0x0102,
            session_number: 0x0201,
            ..TrackInformation::empty()
        };
        let p = TrackInformation::parse(&t.encode()).unwrap();
        assert_eq!((p.track_number, p.session_number), (0x0102, 0x0201));
    }
}
