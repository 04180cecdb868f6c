//! MODE SENSE(10) replies and MODE SELECT(10) parameter lists (SPC-4 7.5), and the
//! Write Parameters mode page 05h (MMC-6 7.5; mmc.md §5.1).

use super::be16;
use crate::error::{ReplyError, need};

/// A mode page as transferred: page code, subpage and the bytes after the page header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModePage {
    /// Byte 0 bit 7 PS (parameters saveable).
    pub ps: bool,
    /// Byte 0 bits 5-0 Page Code.
    pub page_code: u8,
    /// The whole page including its 2-byte header (byte 1 = Page Length).
    pub bytes: Vec<u8>,
}

/// A decoded MODE SENSE(10) reply: the 8-byte mode parameter header, the block
/// descriptors (skipped) and the pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeSense {
    /// Header bytes 0-1 Mode Data Length (total − 2) as announced.
    pub mode_data_length: u16,
    /// Header bytes 6-7 Block Descriptor Length.
    pub block_descriptor_length: u16,
    /// Pages in the order received (a page cut by the end of the data ends the list).
    pub pages: Vec<ModePage>,
}

impl ModeSense {
    const S: &'static str = "MODE SENSE(10) reply";

    /// Parses header, skips block descriptors, splits the pages (page 0 has no page
    /// format and ends the list). Bounded by Mode Data Length and the buffer.
    ///
    /// # Errors
    /// [`ReplyError::Short`] for fewer than 8 bytes or block descriptors beyond the data.
    pub fn parse(b: &[u8]) -> Result<ModeSense, ReplyError> {
        need(Self::S, b, 8)?;
        let mode_data_length = be16(b, 0);
        let end = (mode_data_length as usize + 2).min(b.len());
        let bdl = be16(b, 6);
        let mut pos = 8 + bdl as usize;
        if pos > end {
            return Err(ReplyError::short(Self::S, pos, end));
        }
        let mut pages = Vec::new();
        while pos + 2 <= end {
            let code = b[pos] & 0x3F;
            let spf = b[pos] & 0x40 != 0;
            let (hdr, len) = if spf {
                if pos + 4 > end {
                    break;
                }
                (4, be16(b, pos + 2) as usize)
            } else {
                (2, b[pos + 1] as usize)
            };
            let pend = pos + hdr + len;
            if pend > end || (code == 0 && !spf) {
                break;
            }
            pages.push(ModePage {
                ps: b[pos] & 0x80 != 0,
                page_code: code,
                bytes: b[pos..pend].to_vec(),
            });
            pos = pend;
        }
        Ok(ModeSense {
            mode_data_length,
            block_descriptor_length: bdl,
            pages,
        })
    }

    /// The first page with this code.
    pub fn page(&self, code: u8) -> Option<&ModePage> {
        self.pages.iter().find(|p| p.page_code == code)
    }

    /// Encodes a MODE SENSE(10) reply with no block descriptors and these pages.
    pub fn encode(pages: &[ModePage]) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        for p in pages {
            b.extend_from_slice(&p.bytes);
        }
        let len = (b.len() - 2) as u16;
        b[0..2].copy_from_slice(&len.to_be_bytes());
        b
    }
}

/// The MODE SELECT(10) parameter list for one page: an all-zero 8-byte header (Mode
/// Data Length reserved, Block Descriptor Length 0) then the page with PS cleared
/// (mmc.md §5.1). `page` includes its 2-byte page header.
pub fn mode_select_parameter_list(page: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 8];
    b.extend_from_slice(page);
    if let Some(first) = b.get_mut(8) {
        *first &= 0x7F;
    }
    b
}

/// Write Type (page 05h byte 2 bits 3-0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteType {
    /// 00h Packet/Incremental.
    PacketIncremental,
    /// 01h Track-at-once.
    TrackAtOnce,
    /// 02h Session-at-once / Disc-at-once.
    SessionAtOnce,
    /// 03h Raw.
    Raw,
    /// 04h Layer Jump.
    LayerJump,
    /// Other values.
    Other(u8),
}

impl WriteType {
    /// From the 4-bit field.
    pub const fn from_bits(v: u8) -> WriteType {
        match v & 0x0F {
            0 => WriteType::PacketIncremental,
            1 => WriteType::TrackAtOnce,
            2 => WriteType::SessionAtOnce,
            3 => WriteType::Raw,
            4 => WriteType::LayerJump,
            o => WriteType::Other(o),
        }
    }
    /// The 4-bit field.
    pub const fn bits(self) -> u8 {
        match self {
            WriteType::PacketIncremental => 0,
            WriteType::TrackAtOnce => 1,
            WriteType::SessionAtOnce => 2,
            WriteType::Raw => 3,
            WriteType::LayerJump => 4,
            WriteType::Other(o) => o & 0x0F,
        }
    }
}

/// Write Parameters mode page 05h (mmc.md §5.1). Offsets are page-relative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteParameters {
    /// Byte 1 Page Length (32h usual; some drives 36h/38h).
    pub page_length: u8,
    /// Byte 2 bit 6 BUFE (buffer underrun protection).
    pub bufe: bool,
    /// Byte 2 bit 5 LS_V (Link Size valid).
    pub ls_v: bool,
    /// Byte 2 bit 4 Test Write.
    pub test_write: bool,
    /// Byte 2 bits 3-0 Write Type.
    pub write_type: WriteType,
    /// Byte 3 bits 7-6 Multi-session: 00b no next session, 01b B0 = FF:FF:FF, 11b next
    /// session allowed.
    pub multi_session: u8,
    /// Byte 3 bit 5 FP (fixed packet).
    pub fp: bool,
    /// Byte 3 bit 4 Copy.
    pub copy: bool,
    /// Byte 3 bits 3-0 Track Mode.
    pub track_mode: u8,
    /// Byte 4 bits 3-0 Data Block Type (8 = Mode 1, 2048 bytes).
    pub data_block_type: u8,
    /// Byte 5 Link Size.
    pub link_size: u8,
    /// Byte 7 bits 5-0 Host Application Code.
    pub host_application_code: u8,
    /// Byte 8 Session Format (00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA).
    pub session_format: u8,
    /// Bytes 10-13 Packet Size.
    pub packet_size: u32,
    /// Bytes 14-15 Audio Pause Length.
    pub audio_pause_length: u16,
    /// Bytes 16-31 Media Catalog Number (byte 16 bit 7 MCVAL).
    pub media_catalog_number: [u8; 16],
    /// Bytes 32-47 ISRC (byte 32 bit 7 TCVAL).
    pub isrc: [u8; 16],
    /// Bytes 48-51 Sub-header.
    pub sub_header: [u8; 4],
    /// Bytes beyond 52 when Page Length > 32h (vendor), kept for round trips.
    pub trailing: Vec<u8>,
}

/// Multi-session field value: next session allowed (11b).
pub const MULTI_SESSION_NEXT_ALLOWED: u8 = 0b11;
/// Multi-session field value: no next session (00b).
pub const MULTI_SESSION_NONE: u8 = 0b00;

impl WriteParameters {
    const S: &'static str = "mode page 05h (Write Parameters)";

    /// Page code 05h.
    pub const PAGE_CODE: u8 = 0x05;

    /// Default values: page length 32h, BUFE on, Data Block Type 8, Audio Pause 150,
    /// everything else zero; callers set Write Type, Multi-session and Track Mode.
    pub fn new(write_type: WriteType) -> WriteParameters {
        WriteParameters {
            page_length: 0x32,
            bufe: true,
            ls_v: false,
            test_write: false,
            write_type,
            multi_session: MULTI_SESSION_NEXT_ALLOWED,
            fp: false,
            copy: false,
            track_mode: 4,
            data_block_type: 8,
            link_size: 0,
            host_application_code: 0,
            session_format: 0,
            packet_size: 0,
            audio_pause_length: 150,
            media_catalog_number: [0; 16],
            isrc: [0; 16],
            sub_header: [0; 4],
            trailing: Vec::new(),
        }
    }

    /// Parses the page (starting at its byte 0, page code 05h). Needs 16 bytes
    /// (through Audio Pause Length); later fields default to zero when absent.
    ///
    /// # Errors
    /// [`ReplyError::Short`]; [`ReplyError::Invalid`] for another page code.
    pub fn parse(p: &[u8]) -> Result<WriteParameters, ReplyError> {
        need(Self::S, p, 2)?;
        if p[0] & 0x3F != Self::PAGE_CODE {
            return Err(ReplyError::invalid(
                Self::S,
                format!("page code {:02X}h is not 05h", p[0] & 0x3F),
            ));
        }
        let end = (2 + p[1] as usize).min(p.len());
        let p = &p[..end];
        need(Self::S, p, 16)?;
        let arr16 = |at: usize| {
            let mut a = [0u8; 16];
            if p.len() >= at + 16 {
                a.copy_from_slice(&p[at..at + 16]);
            }
            a
        };
        let mut sub_header = [0u8; 4];
        if p.len() >= 52 {
            sub_header.copy_from_slice(&p[48..52]);
        }
        Ok(WriteParameters {
            page_length: p[1],
            bufe: p[2] & 0x40 != 0,
            ls_v: p[2] & 0x20 != 0,
            test_write: p[2] & 0x10 != 0,
            write_type: WriteType::from_bits(p[2]),
            multi_session: p[3] >> 6,
            fp: p[3] & 0x20 != 0,
            copy: p[3] & 0x10 != 0,
            track_mode: p[3] & 0x0F,
            data_block_type: p[4] & 0x0F,
            link_size: p[5],
            host_application_code: p[7] & 0x3F,
            session_format: p[8],
            packet_size: super::be32(p, 10),
            audio_pause_length: be16(p, 14),
            media_catalog_number: arr16(16),
            isrc: arr16(32),
            sub_header,
            trailing: if p.len() > 52 {
                p[52..].to_vec()
            } else {
                Vec::new()
            },
        })
    }

    /// Encodes the page (PS clear) with `2 + max(page_length, 50)` bytes.
    pub fn encode(&self) -> Vec<u8> {
        let page_length = self.page_length.max(0x32);
        let mut p = vec![0u8; 2 + page_length as usize];
        p[0] = Self::PAGE_CODE;
        p[1] = page_length;
        p[2] = ((self.bufe as u8) << 6)
            | ((self.ls_v as u8) << 5)
            | ((self.test_write as u8) << 4)
            | self.write_type.bits();
        p[3] = ((self.multi_session & 3) << 6)
            | ((self.fp as u8) << 5)
            | ((self.copy as u8) << 4)
            | (self.track_mode & 0x0F);
        p[4] = self.data_block_type & 0x0F;
        p[5] = self.link_size;
        p[7] = self.host_application_code & 0x3F;
        p[8] = self.session_format;
        p[10..14].copy_from_slice(&self.packet_size.to_be_bytes());
        p[14..16].copy_from_slice(&self.audio_pause_length.to_be_bytes());
        p[16..32].copy_from_slice(&self.media_catalog_number);
        p[32..48].copy_from_slice(&self.isrc);
        p[48..52].copy_from_slice(&self.sub_header);
        let n = self.trailing.len().min(p.len() - 52);
        p[52..52 + n].copy_from_slice(&self.trailing[..n]);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page05_cd_tao_roundtrip() {
        // mmc.md §5.1 CD TAO data: WT 01h, BUFE, MS 11b, TM 4, DBT 8.
        let w = WriteParameters::new(WriteType::TrackAtOnce);
        let p = w.encode();
        assert_eq!(p.len(), 52);
        assert_eq!(&p[..9], &[0x05, 0x32, 0x41, 0xC4, 0x08, 0, 0, 0, 0]);
        assert_eq!(&p[14..16], &[0, 150]);
        assert_eq!(WriteParameters::parse(&p).unwrap(), w);
    }

    #[test]
    fn page05_dvd_incremental() {
        let mut w = WriteParameters::new(WriteType::PacketIncremental);
        w.ls_v = true;
        w.link_size = 16;
        w.fp = true;
        w.packet_size = 16;
        w.track_mode = 5;
        let p = w.encode();
        assert_eq!(p[2], 0x60);
        assert_eq!(p[3], 0xE5);
        assert_eq!(&p[10..14], &[0, 0, 0, 16]);
        assert_eq!(WriteParameters::parse(&p).unwrap(), w);
    }

    #[test]
    fn mode_sense_and_select() {
        let w = WriteParameters::new(WriteType::TrackAtOnce);
        let mut page = w.encode();
        page[0] |= 0x80; // PS as a drive reports it
        let reply = ModeSense::encode(&[ModePage {
            ps: true,
            page_code: 5,
            bytes: page.clone(),
        }]);
        assert_eq!(&reply[0..2], &[0, 58]);
        let m = ModeSense::parse(&reply).unwrap();
        let p = m.page(5).unwrap();
        assert!(p.ps);
        let parsed = WriteParameters::parse(&p.bytes).unwrap();
        assert_eq!(parsed, w);
        let list = mode_select_parameter_list(&p.bytes);
        assert_eq!(list.len(), 60);
        assert_eq!(&list[..8], &[0; 8]);
        assert_eq!(list[8], 0x05);
    }

    #[test]
    fn mode_sense_with_block_descriptor_and_truncation() {
        let mut reply = vec![0, 0, 0, 0, 0, 0, 0, 8];
        reply.extend_from_slice(&[0xAA; 8]); // block descriptor
        reply.extend_from_slice(&[0x2A, 4, 1, 2, 3, 4]);
        reply.extend_from_slice(&[0x05, 0x32, 0]); // cut page
        let len = (reply.len() - 2) as u16;
        reply[0..2].copy_from_slice(&len.to_be_bytes());
        let m = ModeSense::parse(&reply).unwrap();
        assert_eq!(m.pages.len(), 1);
        assert_eq!(m.pages[0].page_code, 0x2A);
        assert_eq!(m.pages[0].bytes, vec![0x2A, 4, 1, 2, 3, 4]);
        // Block descriptor length beyond the data.
        let mut bad = reply.clone();
        bad[7] = 200;
        assert!(ModeSense::parse(&bad).is_err());
        assert!(ModeSense::parse(&reply[..7]).is_err());
    }

    #[test]
    fn page05_rejects() {
        assert!(WriteParameters::parse(&[0x2A, 0x32]).is_err());
        assert!(WriteParameters::parse(&[0x05, 0x32, 0, 0]).is_err());
        // A short page (length 14) is accepted with zeros after.
        let mut p = WriteParameters::new(WriteType::SessionAtOnce).encode();
        p[1] = 14;
        let w = WriteParameters::parse(&p[..16]).unwrap();
        assert_eq!(w.write_type, WriteType::SessionAtOnce);
        assert_eq!(w.media_catalog_number, [0; 16]);
    }
}
