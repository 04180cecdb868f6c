//! Pure CDB builders (MMC-6 chapter 6, SPC-4 chapter 6). Each returns a [`Cdb`]: the
//! command bytes, nothing else. Byte layouts: mmc.md §1-§5.

use std::fmt;

/// One command descriptor block (6, 10, 12 or 16 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cdb {
    bytes: [u8; 16],
    len: u8,
}

impl Cdb {
    /// A zeroed CDB of `len` bytes (6..=16) with the given operation code.
    ///
    /// # Panics
    /// When `len` is not in 6..=16 (a programming error in a builder).
    pub const fn new(opcode: u8, len: usize) -> Cdb {
        assert!(len >= 6 && len <= 16);
        let mut bytes = [0u8; 16];
        bytes[0] = opcode;
        Cdb {
            bytes,
            len: len as u8,
        }
    }

    /// A CDB with these bytes, or `None` unless 6 to 16 bytes long.
    pub fn from_bytes(b: &[u8]) -> Option<Cdb> {
        if !(6..=16).contains(&b.len()) {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes[..b.len()].copy_from_slice(b);
        Some(Cdb {
            bytes,
            len: b.len() as u8,
        })
    }

    /// The command bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The operation code (byte 0).
    pub const fn opcode(&self) -> u8 {
        self.bytes[0]
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Always false (a CDB has at least 6 bytes).
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Byte `i` (0 beyond the length).
    pub const fn byte(&self, i: usize) -> u8 {
        if i < 16 { self.bytes[i] } else { 0 }
    }

    /// The Immed bit as the commands here place it: byte 1 bit 0 for CLOSE TRACK/SESSION,
    /// START STOP UNIT; byte 1 bit 1 for SYNCHRONIZE CACHE; byte 1 bit 4 for BLANK.
    /// FORMAT UNIT carries Immed in its parameter list, so this returns false for it.
    pub const fn immed(&self) -> bool {
        match self.opcode() {
            op::CLOSE_TRACK_SESSION | op::START_STOP_UNIT => self.bytes[1] & 0x01 != 0,
            op::SYNCHRONIZE_CACHE => self.bytes[1] & 0x02 != 0,
            op::BLANK => self.bytes[1] & 0x10 != 0,
            _ => false,
        }
    }

    fn set_u16(&mut self, at: usize, v: u16) {
        self.bytes[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }

    fn set_u32(&mut self, at: usize, v: u32) {
        self.bytes[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }

    /// Reads bytes `at..at+2` as a big-endian u16 (for decoding CDBs, e.g. in an emulator).
    pub fn u16_at(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.byte(at), self.byte(at + 1)])
    }

    /// Reads bytes `at..at+4` as a big-endian u32.
    pub fn u32_at(&self, at: usize) -> u32 {
        u32::from_be_bytes([
            self.byte(at),
            self.byte(at + 1),
            self.byte(at + 2),
            self.byte(at + 3),
        ])
    }
}

impl fmt::Debug for Cdb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cdb({} ", opcode_name(self.opcode()))?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// Operation codes.
pub mod op {
    /// TEST UNIT READY.
    pub const TEST_UNIT_READY: u8 = 0x00;
    /// REQUEST SENSE.
    pub const REQUEST_SENSE: u8 = 0x03;
    /// FORMAT UNIT.
    pub const FORMAT_UNIT: u8 = 0x04;
    /// INQUIRY.
    pub const INQUIRY: u8 = 0x12;
    /// MODE SELECT(6).
    pub const MODE_SELECT_6: u8 = 0x15;
    /// MODE SENSE(6).
    pub const MODE_SENSE_6: u8 = 0x1A;
    /// START STOP UNIT.
    pub const START_STOP_UNIT: u8 = 0x1B;
    /// PREVENT ALLOW MEDIUM REMOVAL.
    pub const PREVENT_ALLOW_MEDIUM_REMOVAL: u8 = 0x1E;
    /// READ FORMAT CAPACITIES.
    pub const READ_FORMAT_CAPACITIES: u8 = 0x23;
    /// READ CAPACITY(10).
    pub const READ_CAPACITY: u8 = 0x25;
    /// READ(10).
    pub const READ_10: u8 = 0x28;
    /// WRITE(10).
    pub const WRITE_10: u8 = 0x2A;
    /// VERIFY(10).
    pub const VERIFY_10: u8 = 0x2F;
    /// SYNCHRONIZE CACHE(10).
    pub const SYNCHRONIZE_CACHE: u8 = 0x35;
    /// READ TOC/PMA/ATIP.
    pub const READ_TOC_PMA_ATIP: u8 = 0x43;
    /// GET CONFIGURATION.
    pub const GET_CONFIGURATION: u8 = 0x46;
    /// GET EVENT STATUS NOTIFICATION.
    pub const GET_EVENT_STATUS_NOTIFICATION: u8 = 0x4A;
    /// READ DISC INFORMATION.
    pub const READ_DISC_INFORMATION: u8 = 0x51;
    /// READ TRACK INFORMATION.
    pub const READ_TRACK_INFORMATION: u8 = 0x52;
    /// RESERVE TRACK.
    pub const RESERVE_TRACK: u8 = 0x53;
    /// SEND OPC INFORMATION.
    pub const SEND_OPC_INFORMATION: u8 = 0x54;
    /// MODE SELECT(10).
    pub const MODE_SELECT_10: u8 = 0x55;
    /// MODE SENSE(10).
    pub const MODE_SENSE_10: u8 = 0x5A;
    /// CLOSE TRACK/SESSION.
    pub const CLOSE_TRACK_SESSION: u8 = 0x5B;
    /// READ BUFFER CAPACITY.
    pub const READ_BUFFER_CAPACITY: u8 = 0x5C;
    /// BLANK.
    pub const BLANK: u8 = 0xA1;
    /// WRITE(12).
    pub const WRITE_12: u8 = 0xAA;
    /// READ(12).
    pub const READ_12: u8 = 0xA8;
    /// GET PERFORMANCE.
    pub const GET_PERFORMANCE: u8 = 0xAC;
    /// READ DISC STRUCTURE.
    pub const READ_DISC_STRUCTURE: u8 = 0xAD;
    /// SET STREAMING.
    pub const SET_STREAMING: u8 = 0xB6;
    /// SET CD SPEED.
    pub const SET_CD_SPEED: u8 = 0xBB;
    /// READ CD.
    pub const READ_CD: u8 = 0xBE;
}

/// The direction of the data phase of the command with operation code `opcode`, as the
/// CDB tables of SPC-4 and MMC-6 define it: data-in (to the host) for INQUIRY, REQUEST
/// SENSE, MODE SENSE(10), the READ and GET commands; data-out for WRITE(10)/(12), MODE
/// SELECT(10), FORMAT UNIT, SET STREAMING and SEND OPC INFORMATION;
/// [`DataDirection::None`](crate::DataDirection::None) for commands without data and for
/// codes not listed.
pub fn data_direction(opcode: u8) -> crate::DataDirection {
    use crate::DataDirection;
    match opcode {
        op::INQUIRY
        | op::REQUEST_SENSE
        | op::GET_CONFIGURATION
        | op::GET_EVENT_STATUS_NOTIFICATION
        | op::MODE_SENSE_10
        | op::READ_FORMAT_CAPACITIES
        | op::READ_CAPACITY
        | op::READ_10
        | op::READ_12
        | op::READ_TOC_PMA_ATIP
        | op::READ_DISC_INFORMATION
        | op::READ_TRACK_INFORMATION
        | op::READ_BUFFER_CAPACITY
        | op::GET_PERFORMANCE
        | op::READ_DISC_STRUCTURE => DataDirection::FromDevice,
        op::WRITE_10
        | op::WRITE_12
        | op::MODE_SELECT_10
        | op::FORMAT_UNIT
        | op::SET_STREAMING
        | op::SEND_OPC_INFORMATION => DataDirection::ToDevice,
        _ => DataDirection::None,
    }
}

/// The command name of an operation code ("READ TRACK INFORMATION").
pub const fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        op::TEST_UNIT_READY => "TEST UNIT READY",
        op::REQUEST_SENSE => "REQUEST SENSE",
        op::FORMAT_UNIT => "FORMAT UNIT",
        op::INQUIRY => "INQUIRY",
        op::MODE_SELECT_6 => "MODE SELECT(6)",
        op::MODE_SENSE_6 => "MODE SENSE(6)",
        op::START_STOP_UNIT => "START STOP UNIT",
        op::PREVENT_ALLOW_MEDIUM_REMOVAL => "PREVENT ALLOW MEDIUM REMOVAL",
        op::READ_FORMAT_CAPACITIES => "READ FORMAT CAPACITIES",
        op::READ_CAPACITY => "READ CAPACITY",
        op::READ_10 => "READ(10)",
        op::WRITE_10 => "WRITE(10)",
        op::VERIFY_10 => "VERIFY(10)",
        op::SYNCHRONIZE_CACHE => "SYNCHRONIZE CACHE",
        op::READ_TOC_PMA_ATIP => "READ TOC/PMA/ATIP",
        op::GET_CONFIGURATION => "GET CONFIGURATION",
        op::GET_EVENT_STATUS_NOTIFICATION => "GET EVENT STATUS NOTIFICATION",
        op::READ_DISC_INFORMATION => "READ DISC INFORMATION",
        op::READ_TRACK_INFORMATION => "READ TRACK INFORMATION",
        op::RESERVE_TRACK => "RESERVE TRACK",
        op::SEND_OPC_INFORMATION => "SEND OPC INFORMATION",
        op::MODE_SELECT_10 => "MODE SELECT(10)",
        op::MODE_SENSE_10 => "MODE SENSE(10)",
        op::CLOSE_TRACK_SESSION => "CLOSE TRACK/SESSION",
        op::READ_BUFFER_CAPACITY => "READ BUFFER CAPACITY",
        op::BLANK => "BLANK",
        op::WRITE_12 => "WRITE(12)",
        op::READ_12 => "READ(12)",
        op::GET_PERFORMANCE => "GET PERFORMANCE",
        op::READ_DISC_STRUCTURE => "READ DISC STRUCTURE",
        op::SET_STREAMING => "SET STREAMING",
        op::SET_CD_SPEED => "SET CD SPEED",
        op::READ_CD => "READ CD",
        _ => "command",
    }
}

/// The CDB length an operation code's group requires (SAM/SPC group codes, as IMAPI2
/// IDiscRecorder2Ex checks them, imapi2.md §10 / X-02, X-03): `Some(n)` for an exact
/// length, `None` when any length 6..=16 is accepted (vendor group C0h-FFh and the
/// legacy opcodes), and `Err(())` for the reserved group 60h-7Fh.
#[allow(clippy::result_unit_err)]
pub const fn required_cdb_len(opcode: u8) -> Result<Option<usize>, ()> {
    match opcode {
        0x02
        | 0x05
        | 0x06
        | 0x09
        | 0x0C..=0x10
        | 0x13
        | 0x14
        | 0x19
        | 0x20..=0x24
        | 0x26
        | 0x27
        | 0x29
        | 0x2C
        | 0x2D => Ok(None),
        0x00..=0x1F => Ok(Some(6)),
        0x20..=0x5F => Ok(Some(10)),
        0x60..=0x7F => Err(()),
        0x80..=0x9F => Ok(Some(16)),
        0xA0..=0xBF => Ok(Some(12)),
        _ => Ok(None),
    }
}

/// TEST UNIT READY (00h), SPC-4 6.47.
pub const fn test_unit_ready() -> Cdb {
    Cdb::new(op::TEST_UNIT_READY, 6)
}

/// REQUEST SENSE (03h), SPC-4 6.39: byte 4 Allocation Length.
pub const fn request_sense(allocation_length: u8) -> Cdb {
    let mut c = Cdb::new(op::REQUEST_SENSE, 6);
    c.bytes[4] = allocation_length;
    c
}

/// INQUIRY (12h), SPC-4 6.6 (standard data, EVPD 0): bytes 3-4 Allocation Length.
pub fn inquiry(allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::INQUIRY, 6);
    c.set_u16(3, allocation_length);
    c
}

/// What START STOP UNIT does (byte 4 bits 1-0: LoEj, Start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StartStop {
    /// 00b stop the disc.
    Stop,
    /// 01b start (spin up).
    Start,
    /// 10b eject (open tray).
    Eject,
    /// 11b load (close tray).
    Load,
}

/// START STOP UNIT (1Bh), MMC-6 6.42: byte 1 bit 0 Immed; byte 4 bit 1 LoEj, bit 0 Start.
pub const fn start_stop_unit(immed: bool, action: StartStop) -> Cdb {
    let mut c = Cdb::new(op::START_STOP_UNIT, 6);
    c.bytes[1] = immed as u8;
    c.bytes[4] = match action {
        StartStop::Stop => 0x00,
        StartStop::Start => 0x01,
        StartStop::Eject => 0x02,
        StartStop::Load => 0x03,
    };
    c
}

/// PREVENT ALLOW MEDIUM REMOVAL (1Eh), MMC-6 6.12: byte 4 bit 0 Prevent.
pub const fn prevent_allow_medium_removal(prevent: bool) -> Cdb {
    let mut c = Cdb::new(op::PREVENT_ALLOW_MEDIUM_REMOVAL, 6);
    c.bytes[4] = prevent as u8;
    c
}

/// FORMAT UNIT (04h), MMC-6 6.5: byte 1 = 11h (FmtData = 1, Format Code 001b). The
/// 12-byte parameter list ([`crate::reply::FormatUnitParameters`]) carries Immed.
pub const fn format_unit() -> Cdb {
    let mut c = Cdb::new(op::FORMAT_UNIT, 6);
    c.bytes[1] = 0x11;
    c
}

/// READ FORMAT CAPACITIES (23h), MMC-6 6.24: bytes 7-8 Allocation Length.
pub fn read_format_capacities(allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::READ_FORMAT_CAPACITIES, 10);
    c.set_u16(7, allocation_length);
    c
}

/// READ CAPACITY (25h), MMC-6 6.23: 8-byte reply.
pub const fn read_capacity() -> Cdb {
    Cdb::new(op::READ_CAPACITY, 10)
}

/// READ(10) (28h): bytes 2-5 LBA, bytes 7-8 Transfer Length in blocks.
pub fn read10(lba: u32, blocks: u16) -> Cdb {
    let mut c = Cdb::new(op::READ_10, 10);
    c.set_u32(2, lba);
    c.set_u16(7, blocks);
    c
}

/// WRITE(10) (2Ah), MMC-6 6.44: bytes 2-5 LBA (signed on CD: −150 = FFFFFF6Ah),
/// bytes 7-8 Transfer Length in blocks.
pub fn write10(lba: u32, blocks: u16) -> Cdb {
    let mut c = Cdb::new(op::WRITE_10, 10);
    c.set_u32(2, lba);
    c.set_u16(7, blocks);
    c
}

/// WRITE(12) (AAh), MMC-6 6.45: bytes 2-5 LBA, 6-9 Transfer Length, byte 10 bit 7
/// Streaming.
pub fn write12(lba: u32, blocks: u32, streaming: bool) -> Cdb {
    let mut c = Cdb::new(op::WRITE_12, 12);
    c.set_u32(2, lba);
    c.set_u32(6, blocks);
    c.bytes[10] = if streaming { 0x80 } else { 0 };
    c
}

/// READ(12) (A8h): bytes 2-5 LBA, 6-9 Transfer Length.
pub fn read12(lba: u32, blocks: u32) -> Cdb {
    let mut c = Cdb::new(op::READ_12, 12);
    c.set_u32(2, lba);
    c.set_u32(6, blocks);
    c
}

/// SYNCHRONIZE CACHE(10) (35h), MMC-6 6.41: byte 1 bit 1 Immed; LBA 0, Number of
/// Blocks 0 (= everything).
pub const fn synchronize_cache(immed: bool) -> Cdb {
    let mut c = Cdb::new(op::SYNCHRONIZE_CACHE, 10);
    c.bytes[1] = if immed { 0x02 } else { 0 };
    c
}

/// READ TOC/PMA/ATIP format (CDB byte 2 bits 3-0), MMC-6 6.26.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TocFormat {
    /// 0000b formatted TOC.
    Toc = 0,
    /// 0001b multi-session information.
    SessionInfo = 1,
    /// 0010b raw (full) TOC.
    FullToc = 2,
    /// 0011b PMA.
    Pma = 3,
    /// 0100b ATIP.
    Atip = 4,
    /// 0101b CD-TEXT.
    CdText = 5,
}

/// READ TOC/PMA/ATIP (43h), MMC-6 6.26: byte 1 bit 1 MSF; byte 2 Format; byte 6
/// Track/Session Number; bytes 7-8 Allocation Length.
pub fn read_toc(format: TocFormat, msf: bool, track_session: u8, allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::READ_TOC_PMA_ATIP, 10);
    c.bytes[1] = if msf { 0x02 } else { 0 };
    c.bytes[2] = format as u8;
    c.bytes[6] = track_session;
    c.set_u16(7, allocation_length);
    c
}

/// GET CONFIGURATION RT field (byte 1 bits 1-0), MMC-6 6.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RequestType {
    /// 00b all features ≥ Starting Feature Number.
    All = 0,
    /// 01b current features ≥ Starting Feature Number.
    Current = 1,
    /// 10b exactly the feature named.
    One = 2,
}

/// GET CONFIGURATION (46h), MMC-6 6.6: byte 1 RT; bytes 2-3 Starting Feature Number;
/// bytes 7-8 Allocation Length.
pub fn get_configuration(rt: RequestType, starting_feature: u16, allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::GET_CONFIGURATION, 10);
    c.bytes[1] = rt as u8;
    c.set_u16(2, starting_feature);
    c.set_u16(7, allocation_length);
    c
}

/// GET EVENT STATUS NOTIFICATION (4Ah), MMC-6 6.7: byte 1 bit 0 Polled = 1; byte 4
/// Notification Class Request (10h = media); bytes 7-8 Allocation Length.
pub fn get_event_status_notification(class_request: u8, allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::GET_EVENT_STATUS_NOTIFICATION, 10);
    c.bytes[1] = 0x01;
    c.bytes[4] = class_request;
    c.set_u16(7, allocation_length);
    c
}

/// READ DISC INFORMATION (51h), MMC-6 6.22: byte 1 bits 2-0 Data Type (000b standard);
/// bytes 7-8 Allocation Length.
pub fn read_disc_information(data_type: u8, allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::READ_DISC_INFORMATION, 10);
    c.bytes[1] = data_type;
    c.set_u16(7, allocation_length);
    c
}

/// Address of READ TRACK INFORMATION (byte 1 bits 1-0 + bytes 2-5),
/// IMAPI_READ_TRACK_ADDRESS_TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackAddress {
    /// 00b: the track containing this LBA.
    Lba(u32),
    /// 01b: a logical track number; 0 = lead-in (CD), FFh = invisible/incomplete track
    /// (CD and DVD+R only, mmc.md §3).
    Track(u32),
    /// 10b: the first track of this session.
    Session(u32),
}

impl TrackAddress {
    /// The invisible or incomplete track (number FFh); CD and DVD+R(/DL) only.
    pub const INVISIBLE: TrackAddress = TrackAddress::Track(0xFF);

    /// The Address/Number Type field.
    pub const fn address_type(self) -> u8 {
        match self {
            TrackAddress::Lba(_) => 0,
            TrackAddress::Track(_) => 1,
            TrackAddress::Session(_) => 2,
        }
    }

    /// The address or number.
    pub const fn value(self) -> u32 {
        match self {
            TrackAddress::Lba(v) | TrackAddress::Track(v) | TrackAddress::Session(v) => v,
        }
    }

    /// Decodes type and value; `None` for the reserved type 11b.
    pub const fn from_parts(address_type: u8, value: u32) -> Option<TrackAddress> {
        match address_type & 3 {
            0 => Some(TrackAddress::Lba(value)),
            1 => Some(TrackAddress::Track(value)),
            2 => Some(TrackAddress::Session(value)),
            _ => None,
        }
    }
}

/// READ TRACK INFORMATION (52h), MMC-6 6.27: byte 1 bits 1-0 Address/Number Type;
/// bytes 2-5 address/number; bytes 7-8 Allocation Length.
pub fn read_track_information(address: TrackAddress, allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::READ_TRACK_INFORMATION, 10);
    c.bytes[1] = address.address_type();
    c.set_u32(2, address.value());
    c.set_u16(7, allocation_length);
    c
}

/// RESERVE TRACK (53h), MMC-6 6.31, ARSV = 0: bytes 5-8 Reservation Size in blocks.
pub fn reserve_track(reservation_size: u32) -> Cdb {
    let mut c = Cdb::new(op::RESERVE_TRACK, 10);
    c.set_u32(5, reservation_size);
    c
}

/// SEND OPC INFORMATION (54h), MMC-6 6.37: byte 1 bit 0 DoOpc; no parameter list.
pub const fn send_opc_information(do_opc: bool) -> Cdb {
    let mut c = Cdb::new(op::SEND_OPC_INFORMATION, 10);
    c.bytes[1] = do_opc as u8;
    c
}

/// MODE SELECT(10) (55h), SPC-4 6.10: byte 1 = 10h (PF = 1, SP = 0); bytes 7-8
/// Parameter List Length.
pub fn mode_select10(parameter_list_length: u16) -> Cdb {
    let mut c = Cdb::new(op::MODE_SELECT_10, 10);
    c.bytes[1] = 0x10;
    c.set_u16(7, parameter_list_length);
    c
}

/// MODE SENSE page control (PC, byte 2 bits 7-6), IMAPI_MODE_PAGE_REQUEST_TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PageControl {
    /// 00b current values.
    Current = 0,
    /// 01b changeable values.
    Changeable = 1,
    /// 10b default values.
    Default = 2,
    /// 11b saved values.
    Saved = 3,
}

/// MODE SENSE(10) (5Ah), SPC-4 6.14: byte 1 bit 3 DBD; byte 2 PC | page code; byte 3
/// subpage; bytes 7-8 Allocation Length.
pub fn mode_sense10(
    dbd: bool,
    pc: PageControl,
    page_code: u8,
    subpage: u8,
    allocation_length: u16,
) -> Cdb {
    let mut c = Cdb::new(op::MODE_SENSE_10, 10);
    c.bytes[1] = if dbd { 0x08 } else { 0 };
    c.bytes[2] = ((pc as u8) << 6) | (page_code & 0x3F);
    c.bytes[3] = subpage;
    c.set_u16(7, allocation_length);
    c
}

/// CLOSE TRACK/SESSION Close Function (byte 2 bits 2-0), mmc.md §5.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CloseFunction {
    /// 000b: DVD+RW stop background format.
    StopBackgroundFormat = 0,
    /// 001b: close the logical track named in bytes 4-5.
    Track = 1,
    /// 010b: close the session / border (keeps it appendable per page 05h
    /// Multi-session; DVD+R: stays appendable; DVD+RW: compatible close).
    Session = 2,
    /// 011b: finalize (DVD-RW RO, DVD+RW) [?].
    Finalize011 = 3,
    /// 100b: DVD+R DL close session (DL-specific).
    CloseSessionDl = 4,
    /// 101b: DVD+R finalize with minimal radius.
    FinalizeMinimalRadius = 5,
    /// 110b: finalize the disc (DVD+R, BD-R).
    FinalizeDisc = 6,
}

impl CloseFunction {
    /// Decodes byte 2 bits 2-0; `None` for 111b.
    pub const fn from_bits(v: u8) -> Option<CloseFunction> {
        Some(match v & 7 {
            0 => CloseFunction::StopBackgroundFormat,
            1 => CloseFunction::Track,
            2 => CloseFunction::Session,
            3 => CloseFunction::Finalize011,
            4 => CloseFunction::CloseSessionDl,
            5 => CloseFunction::FinalizeMinimalRadius,
            6 => CloseFunction::FinalizeDisc,
            _ => return None,
        })
    }
}

/// CLOSE TRACK/SESSION (5Bh), MMC-6 6.3: byte 1 bit 0 Immed; byte 2 Close Function;
/// bytes 4-5 Logical Track Number.
pub fn close_track_session(immed: bool, function: CloseFunction, track_number: u16) -> Cdb {
    let mut c = Cdb::new(op::CLOSE_TRACK_SESSION, 10);
    c.bytes[1] = immed as u8;
    c.bytes[2] = function as u8;
    c.set_u16(4, track_number);
    c
}

/// READ BUFFER CAPACITY (5Ch), MMC-6 6.21: byte 1 bit 0 Block; bytes 7-8 Allocation
/// Length (12).
pub fn read_buffer_capacity(block: bool, allocation_length: u16) -> Cdb {
    let mut c = Cdb::new(op::READ_BUFFER_CAPACITY, 10);
    c.bytes[1] = block as u8;
    c.set_u16(7, allocation_length);
    c
}

/// BLANK Blanking Type (byte 1 bits 2-0), MMC-6 6.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BlankingType {
    /// 000b blank the whole disc.
    Disc = 0,
    /// 001b minimal blank (PMA, TOC of session 1, pregap of track 1).
    Minimal = 1,
    /// 010b blank a track.
    Track = 2,
    /// 011b unreserve a track.
    UnreserveTrack = 3,
    /// 100b blank a track tail.
    TrackTail = 4,
    /// 101b unclose the last session.
    UncloseLastSession = 5,
    /// 110b erase the last session.
    EraseLastSession = 6,
}

/// BLANK (A1h), MMC-6 6.2: byte 1 bit 4 Immed, bits 2-0 Blanking Type; bytes 2-5 Start
/// Address / Track Number.
pub fn blank(immed: bool, blanking_type: BlankingType, address: u32) -> Cdb {
    let mut c = Cdb::new(op::BLANK, 12);
    c.bytes[1] = (if immed { 0x10 } else { 0 }) | blanking_type as u8;
    c.set_u32(2, address);
    c
}

/// GET PERFORMANCE (ACh), MMC-6 6.8: byte 1 Data Type; bytes 2-5 Starting LBA; bytes
/// 8-9 Maximum Number of Descriptors; byte 10 Type (00h performance, 03h write speed).
pub fn get_performance(data_type: u8, starting_lba: u32, max_descriptors: u16, kind: u8) -> Cdb {
    let mut c = Cdb::new(op::GET_PERFORMANCE, 12);
    c.bytes[1] = data_type;
    c.set_u32(2, starting_lba);
    c.set_u16(8, max_descriptors);
    c.bytes[10] = kind;
    c
}

/// GET PERFORMANCE Type 03h (write speed descriptors).
pub fn get_performance_write_speeds(max_descriptors: u16) -> Cdb {
    get_performance(0, 0, max_descriptors, 0x03)
}

/// READ DISC STRUCTURE (ADh), MMC-6 6.22: byte 1 bits 3-0 Media Type (0 DVD, 1 BD);
/// bytes 2-5 Address; byte 6 Layer Number; byte 7 Format Code; bytes 8-9 Allocation
/// Length; byte 10 bits 7-6 AGID.
pub fn read_disc_structure(
    media_type: u8,
    address: u32,
    layer: u8,
    format: u8,
    agid: u8,
    allocation_length: u16,
) -> Cdb {
    let mut c = Cdb::new(op::READ_DISC_STRUCTURE, 12);
    c.bytes[1] = media_type & 0x0F;
    c.set_u32(2, address);
    c.bytes[6] = layer;
    c.bytes[7] = format;
    c.set_u16(8, allocation_length);
    c.bytes[10] = (agid & 3) << 6;
    c
}

/// SET STREAMING (B6h), MMC-6 6.39: byte 8 Type (00h performance descriptor); bytes
/// 9-10 Parameter List Length (28).
pub fn set_streaming(parameter_list_length: u16) -> Cdb {
    let mut c = Cdb::new(op::SET_STREAMING, 12);
    c.set_u16(9, parameter_list_length);
    c
}

/// SET CD SPEED (BBh), MMC-6 6.38: bytes 2-3 read speed, 4-5 write speed (kB/s,
/// FFFFh = maximum).
pub fn set_cd_speed(read_kbps: u16, write_kbps: u16) -> Cdb {
    let mut c = Cdb::new(op::SET_CD_SPEED, 12);
    c.set_u16(2, read_kbps);
    c.set_u16(4, write_kbps);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(test_unit_ready().as_bytes(), &[0; 6]);
        assert_eq!(inquiry(36).as_bytes(), &[0x12, 0, 0, 0, 36, 0]);
        assert_eq!(
            get_configuration(RequestType::One, 0x0038, 16).as_bytes(),
            &[0x46, 2, 0, 0x38, 0, 0, 0, 0, 16, 0]
        );
        assert_eq!(
            read_track_information(TrackAddress::INVISIBLE, 48).as_bytes(),
            &[0x52, 1, 0, 0, 0, 0xFF, 0, 0, 48, 0]
        );
        assert_eq!(
            close_track_session(true, CloseFunction::Track, 3).as_bytes(),
            &[0x5B, 1, 1, 0, 0, 3, 0, 0, 0, 0]
        );
        assert_eq!(
            write10(0xFFFF_FF6A, 16).as_bytes(),
            &[0x2A, 0, 0xFF, 0xFF, 0xFF, 0x6A, 0, 0, 16, 0]
        );
        assert_eq!(
            reserve_track(0x0102_0304).as_bytes(),
            &[0x53, 0, 0, 0, 0, 1, 2, 3, 4, 0]
        );
        assert_eq!(
            mode_sense10(true, PageControl::Current, 5, 0, 60).as_bytes(),
            &[0x5A, 8, 5, 0, 0, 0, 0, 0, 60, 0]
        );
        assert_eq!(
            mode_select10(60).as_bytes(),
            &[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0]
        );
        assert_eq!(
            blank(true, BlankingType::Minimal, 0).as_bytes(),
            &[0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            get_performance_write_speeds(4).as_bytes(),
            &[0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 4, 3, 0]
        );
        assert_eq!(set_streaming(28).byte(10), 28);
        assert_eq!(
            read_disc_structure(1, 0, 0, 0x00, 1, 4).as_bytes(),
            &[0xAD, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0x40, 0]
        );
        assert_eq!(
            start_stop_unit(false, StartStop::Eject).as_bytes(),
            &[0x1B, 0, 0, 0, 2, 0]
        );
        assert_eq!(format_unit().as_bytes(), &[4, 0x11, 0, 0, 0, 0]);
        assert_eq!(
            read_toc(TocFormat::SessionInfo, false, 0, 12).as_bytes(),
            &[0x43, 0, 1, 0, 0, 0, 0, 0, 12, 0]
        );
    }

    #[test]
    fn immed_bits() {
        assert!(synchronize_cache(true).immed());
        assert!(!synchronize_cache(false).immed());
        assert!(close_track_session(true, CloseFunction::Session, 0).immed());
        assert!(blank(true, BlankingType::Disc, 0).immed());
        assert!(!blank(false, BlankingType::Disc, 0).immed());
    }

    #[test]
    fn decode_helpers() {
        let c = write12(0x1234_5678, 32, true);
        assert_eq!(c.u32_at(2), 0x1234_5678);
        assert_eq!(c.u32_at(6), 32);
        assert_eq!(c.byte(10), 0x80);
        assert_eq!(c.byte(40), 0);
        assert_eq!(
            TrackAddress::from_parts(2, 5),
            Some(TrackAddress::Session(5))
        );
        assert_eq!(TrackAddress::from_parts(3, 5), None);
        assert_eq!(
            CloseFunction::from_bits(6),
            Some(CloseFunction::FinalizeDisc)
        );
        assert!(Cdb::from_bytes(&[0; 5]).is_none());
        assert_eq!(
            format!("{:?}", test_unit_ready()),
            "Cdb(TEST UNIT READY 000000000000)"
        );
    }

    #[test]
    fn cdb_length_groups_x02() {
        assert_eq!(required_cdb_len(0x00), Ok(Some(6)));
        assert_eq!(required_cdb_len(0x51), Ok(Some(10)));
        assert_eq!(required_cdb_len(0x70), Err(()));
        assert_eq!(required_cdb_len(0x88), Ok(Some(16)));
        assert_eq!(required_cdb_len(0xAC), Ok(Some(12)));
        assert_eq!(required_cdb_len(0xD8), Ok(None));
        // X-03 legacy opcodes: only 6..16 checked.
        assert_eq!(required_cdb_len(0x23), Ok(None));
        assert_eq!(required_cdb_len(0x0E), Ok(None));
    }
}
