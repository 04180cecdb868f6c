//! Small helpers to read CDB fields and to write reply fields (big-endian, MMC-6 3.x
//! conventions), plus the CD MSF conversion of `mmc.md` §4.5. The emulator decodes CDBs
//! itself, independently of the `discburn-mmc` builders.

/// MMC operation codes the emulator answers.
pub(crate) mod op {
    pub const TEST_UNIT_READY: u8 = 0x00;
    pub const REQUEST_SENSE: u8 = 0x03;
    pub const FORMAT_UNIT: u8 = 0x04;
    pub const INQUIRY: u8 = 0x12;
    pub const START_STOP_UNIT: u8 = 0x1B;
    pub const PREVENT_ALLOW_MEDIUM_REMOVAL: u8 = 0x1E;
    pub const READ_FORMAT_CAPACITIES: u8 = 0x23;
    pub const READ_CAPACITY: u8 = 0x25;
    pub const READ_10: u8 = 0x28;
    pub const WRITE_10: u8 = 0x2A;
    pub const SYNCHRONIZE_CACHE: u8 = 0x35;
    pub const READ_TOC: u8 = 0x43;
    pub const GET_CONFIGURATION: u8 = 0x46;
    pub const GET_EVENT_STATUS_NOTIFICATION: u8 = 0x4A;
    pub const READ_DISC_INFORMATION: u8 = 0x51;
    pub const READ_TRACK_INFORMATION: u8 = 0x52;
    pub const RESERVE_TRACK: u8 = 0x53;
    pub const SEND_OPC_INFORMATION: u8 = 0x54;
    pub const MODE_SELECT_10: u8 = 0x55;
    pub const MODE_SENSE_10: u8 = 0x5A;
    pub const CLOSE_TRACK_SESSION: u8 = 0x5B;
    pub const READ_BUFFER_CAPACITY: u8 = 0x5C;
    pub const BLANK: u8 = 0xA1;
    pub const READ_12: u8 = 0xA8;
    pub const WRITE_12: u8 = 0xAA;
    pub const GET_PERFORMANCE: u8 = 0xAC;
    pub const READ_DISC_STRUCTURE: u8 = 0xAD;
    pub const SET_STREAMING: u8 = 0xB6;
    pub const SET_CD_SPEED: u8 = 0xBB;
}

/// (Logical Block Address, Transfer Length) of a READ/WRITE (10) or (12) CDB: bytes
/// 2-5, and bytes 7-8 (10-byte CDBs) or 6-9 (12-byte CDBs).
pub(crate) fn transfer(cdb: &[u8]) -> (u32, u32) {
    let lba = be32(cdb, 2);
    let n = match cdb[0] {
        op::READ_10 | op::WRITE_10 => u32::from(be16(cdb, 7)),
        _ => be32(cdb, 6),
    };
    (lba, n)
}

/// The CDB length the operation code's group requires (SPC-4 4.2.5.1): 6, 10, 12 or 16;
/// `None` for groups whose length is not fixed (60h-7Fh reserved, C0h-FFh vendor).
pub(crate) fn cdb_len_for(opcode: u8) -> Option<usize> {
    match opcode >> 5 {
        0 => Some(6),
        1 | 2 => Some(10),
        4 => Some(16),
        5 => Some(12),
        _ => None,
    }
}

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

pub(crate) fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// LBA → (M, S, F) per `mmc.md` §4.5: frames = LBA + 150 for LBA ≥ −150, else
/// LBA + 450150 (lead-in).
pub(crate) fn lba_to_msf(lba: i64) -> (u8, u8, u8) {
    let frames = if lba >= -150 {
        lba + 150
    } else {
        lba + 450_150
    };
    let frames = frames.max(0);
    let m = frames / 4500;
    let s = (frames / 75) % 60;
    let f = frames % 75;
    (m.min(255) as u8, s as u8, f as u8)
}

/// A 4-byte address field: the LBA big-endian, or `00 M S F` when `msf`.
pub(crate) fn addr_field(lba: i64, msf: bool) -> [u8; 4] {
    if msf {
        let (m, s, f) = lba_to_msf(lba);
        [0, m, s, f]
    } else {
        (lba as i32).to_be_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msf_4_5_examples() {
        assert_eq!(lba_to_msf(0), (0, 2, 0));
        assert_eq!(lba_to_msf(302), (0, 6, 2));
        assert_eq!(lba_to_msf(7052), (1, 36, 2));
        assert_eq!(lba_to_msf(11552), (2, 36, 2));
        assert_eq!(lba_to_msf(359_849), (79, 59, 74));
        assert_eq!(lba_to_msf(-11_634), (97, 26, 66));
    }

    #[test]
    fn group_lengths() {
        assert_eq!(cdb_len_for(op::TEST_UNIT_READY), Some(6));
        assert_eq!(cdb_len_for(op::READ_TRACK_INFORMATION), Some(10));
        assert_eq!(cdb_len_for(op::BLANK), Some(12));
        assert_eq!(cdb_len_for(0x88), Some(16));
        assert_eq!(cdb_len_for(0xC5), None);
    }
}
