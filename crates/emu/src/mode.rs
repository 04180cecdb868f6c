//! Mode pages: Write Parameters page 05h (MMC-6 7.5, `mmc.md` §5.1) and the legacy
//! capabilities page 2Ah (`mmc.md` §5.11).

use crate::cdb::put16;
use crate::media::{Family, MediaType};

/// Length of page 05h including its 2-byte header (page length 32h).
pub(crate) const PAGE05_LEN: usize = 0x32 + 2;

/// The current Write Parameters page as the host last selected it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WriteParams {
    pub page: [u8; PAGE05_LEN],
}

impl WriteParams {
    /// Drive defaults for the loaded medium: CD TAO (WT 01h, Track Mode 4, Mode 1);
    /// DVD-R incremental (WT 00h, link size 16, fixed packets of 16, Track Mode 5).
    /// Multi-session 00b (no next session) as on a freshly powered drive: a host that
    /// wants an appendable disc must select 11b.
    pub fn default_for(media: Option<MediaType>) -> Self {
        let mut page = [0u8; PAGE05_LEN];
        page[0] = 0x05;
        page[1] = 0x32;
        page[2] = 0x40; // BUFE
        match media.map(MediaType::family) {
            Some(Family::Dvd) => {
                page[2] |= 0x20; // LS_V
                page[3] = 0x20 | 0x05; // FP, Track Mode 5
                page[5] = 16;
                page[10..14].copy_from_slice(&16u32.to_be_bytes());
            }
            _ => {
                page[2] |= 0x01; // TAO
                page[3] = 0x04;
            }
        }
        page[4] = 0x08; // Mode 1
        page[14..16].copy_from_slice(&150u16.to_be_bytes());
        WriteParams { page }
    }

    /// Write Type (byte 2 bits 3-0): 00h packet/incremental, 01h TAO, 02h SAO/DAO, 03h RAW.
    pub fn write_type(&self) -> u8 {
        self.page[2] & 0x0F
    }

    /// Test Write (byte 2 bit 4): simulation, nothing is recorded.
    pub fn test_write(&self) -> bool {
        self.page[2] & 0x10 != 0
    }

    /// Multi-session field (byte 3 bits 7-6).
    pub fn multi_session(&self) -> u8 {
        self.page[3] >> 6
    }

    /// Track Mode (byte 3 bits 3-0), the Q-subchannel CONTROL nibble.
    pub fn track_mode(&self) -> u8 {
        self.page[3] & 0x0F
    }

    /// Data Block Type (byte 4 bits 3-0).
    pub fn data_block_type(&self) -> u8 {
        self.page[4] & 0x0F
    }

    /// Data Mode reported by READ TRACK INFORMATION for this Data Block Type.
    pub fn data_mode(&self) -> u8 {
        match self.data_block_type() {
            8 => 1,
            9..=13 => 2,
            _ => 0x0F,
        }
    }

    /// Validates a page 05h sent with MODE SELECT and stores it. Returns false when a
    /// field value is invalid (→ 5/26/00).
    pub fn select(&mut self, page: &[u8]) -> bool {
        if page.len() < 16 {
            return false;
        }
        let wt = page[2] & 0x0F;
        let dbt = page[4] & 0x0F;
        if wt > 4 || !matches!(dbt, 0..=3 | 8..=13) || (page[3] >> 6) == 2 {
            return false;
        }
        let n = page.len().min(PAGE05_LEN);
        self.page[2..n].copy_from_slice(&page[2..n]);
        self.page[0] = 0x05;
        self.page[1] = 0x32;
        true
    }

    /// The changeable-values mask (MODE SENSE PC = 01b).
    pub fn changeable() -> [u8; PAGE05_LEN] {
        let mut m = [0xFFu8; PAGE05_LEN];
        m[0] = 0x05;
        m[1] = 0x32;
        m[2] = 0x7F;
        m[4] = 0x0F;
        m[6] = 0;
        m[7] = 0x3F;
        m[9] = 0;
        m
    }
}

/// Mode page 2Ah (CD/DVD Capabilities and Mechanical Status) with write speed
/// descriptors for the loaded medium.
pub(crate) fn capabilities_page(
    media: Option<MediaType>,
    current_write_kbps: u32,
    prevent: bool,
) -> Vec<u8> {
    let speeds: &[u32] = media.map(MediaType::write_speeds_kbps).unwrap_or(&[]);
    let mut p = vec![0u8; 32 + 4 * speeds.len()];
    p[0] = 0x2A;
    p[1] = (p.len() - 2) as u8;
    p[2] = 0x3B; // reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM
    p[3] = 0x37; // writes CD-R, CD-RW, Test Write, DVD-R, DVD-RAM
    p[4] = 0x80 | 0x40; // BUF, multi-session
    p[6] = 0x20 | 0x08 | 0x01 | if prevent { 0x02 } else { 0 }; // tray, eject, lock
    let max_read = media.map(MediaType::read_speed_kbps).unwrap_or(0);
    put16(&mut p, 8, max_read.min(0xFFFF) as u16);
    put16(&mut p, 12, 4096); // buffer size KiB
    put16(&mut p, 14, max_read.min(0xFFFF) as u16);
    let max_write = speeds.first().copied().unwrap_or(0);
    put16(&mut p, 18, max_write.min(0xFFFF) as u16);
    put16(&mut p, 20, max_write.min(0xFFFF) as u16);
    put16(&mut p, 28, current_write_kbps.min(0xFFFF) as u16);
    put16(&mut p, 30, speeds.len() as u16);
    for (i, s) in speeds.iter().enumerate() {
        put16(&mut p, 32 + 4 * i + 2, (*s).min(0xFFFF) as u16);
    }
    p
}
