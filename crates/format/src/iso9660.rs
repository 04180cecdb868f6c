//! ECMA-119 (ISO 9660) structures: volume descriptors (8.4 primary, 8.5 supplementary,
//! 8.3 terminator), directory records (9.1), path table records (9.4), the recorded
//! numbers (7.2, 7.3), dates (8.4.26.1 and 9.1.5) and character sets (7.4).

use std::cmp::Ordering;

use zerocopy::byteorder::{BigEndian, LittleEndian, U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::FormatError;
use crate::codec::{Reader, put_both_u16, put_both_u32};

use crate::SECTOR_SIZE;
/// Standard Identifier "CD001" (ECMA-119 8.1.2).
pub const STANDARD_IDENTIFIER: [u8; 5] = *b"CD001";
/// First logical sector of the volume descriptor set, relative to the session start
/// (ECMA-119 6.2.1: sectors 0–15 are the system area).
pub const VOLUME_DESCRIPTOR_SET_START: u32 = 16;
/// Volume Descriptor Type of a Boot Record (ECMA-119 8.2).
pub const VD_TYPE_BOOT_RECORD: u8 = 0;
/// Volume Descriptor Type of the Primary Volume Descriptor (ECMA-119 8.4.1).
pub const VD_TYPE_PRIMARY: u8 = 1;
/// Volume Descriptor Type of a Supplementary Volume Descriptor (ECMA-119 8.5.1).
pub const VD_TYPE_SUPPLEMENTARY: u8 = 2;
/// Volume Descriptor Type of a Volume Partition Descriptor (ECMA-119 8.6.1).
pub const VD_TYPE_PARTITION: u8 = 3;
/// Volume Descriptor Type of the Volume Descriptor Set Terminator (ECMA-119 8.3.1).
pub const VD_TYPE_TERMINATOR: u8 = 255;
/// Largest Data Length of one extent that keeps extents block-aligned: 4 GiB − 2048
/// bytes. Files at interchange level 3 larger than this are split into several extents
/// of this size (ECMA-119 6.5.1, as xorriso and genisoimage do).
pub const MAX_EXTENT_LENGTH: u64 = 0xFFFF_F800;

/// ECMA-119 7.2.3 both-byte-order 16-bit number: little-endian then big-endian.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct BothU16 {
    /// Little-endian half (ECMA-119 7.2.3, BP 1–2 of the field).
    pub le: U16<LittleEndian>,
    /// Big-endian half (BP 3–4 of the field).
    pub be: U16<BigEndian>,
}
const _: () = assert!(size_of::<BothU16>() == 4);

impl BothU16 {
    /// Both halves set to `v`.
    pub fn new(v: u16) -> Self {
        BothU16 {
            le: U16::new(v),
            be: U16::new(v),
        }
    }
    /// The little-endian half.
    pub fn get(&self) -> u16 {
        self.le.get()
    }
    /// Whether both halves agree.
    pub fn is_consistent(&self) -> bool {
        self.le.get() == self.be.get()
    }
}

/// ECMA-119 7.3.3 both-byte-order 32-bit number: little-endian then big-endian.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct BothU32 {
    /// Little-endian half (ECMA-119 7.3.3, BP 1–4 of the field).
    pub le: U32<LittleEndian>,
    /// Big-endian half (BP 5–8 of the field).
    pub be: U32<BigEndian>,
}
const _: () = assert!(size_of::<BothU32>() == 8);

impl BothU32 {
    /// Both halves set to `v`.
    pub fn new(v: u32) -> Self {
        BothU32 {
            le: U32::new(v),
            be: U32::new(v),
        }
    }
    /// The little-endian half.
    pub fn get(&self) -> u32 {
        self.le.get()
    }
    /// Whether both halves agree.
    pub fn is_consistent(&self) -> bool {
        self.le.get() == self.be.get()
    }
}

// ---------------------------------------------------------------------------------------
// Dates

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Local broken-down time of `unix_seconds` at `utc_offset_minutes` east of UTC.
fn broken_down(unix_seconds: i64, utc_offset_minutes: i16) -> (i64, u32, u32, u32, u32, u32) {
    let local = unix_seconds.saturating_add(i64::from(utc_offset_minutes) * 60);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    (
        y,
        mo,
        d,
        (secs / 3600) as u32,
        ((secs / 60) % 60) as u32,
        (secs % 60) as u32,
    )
}

/// Offset from UTC in 15-minute units, clamped to ECMA-119's −48..=52.
fn offset_units(utc_offset_minutes: i16) -> i8 {
    (utc_offset_minutes / 15).clamp(-48, 52) as i8
}

/// ECMA-119 9.1.5 Recording Date and Time (7 bytes): years since 1900, month, day,
/// hour, minute, second, offset from GMT in 15-minute intervals.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct DirectoryDateTime {
    /// Number of years since 1900 (ECMA-119 9.1.5, BP 1).
    pub years_since_1900: u8,
    /// Month of the year, 1–12 (BP 2).
    pub month: u8,
    /// Day of the month, 1–31 (BP 3).
    pub day: u8,
    /// Hour of the day, 0–23 (BP 4).
    pub hour: u8,
    /// Minute of the hour, 0–59 (BP 5).
    pub minute: u8,
    /// Second of the minute, 0–59 (BP 6).
    pub second: u8,
    /// Offset from Greenwich Mean Time in 15-minute intervals, −48 (West) to +52 (East)
    /// (BP 7), two's complement.
    pub gmt_offset: i8,
}
const _: () = assert!(size_of::<DirectoryDateTime>() == 7);

impl DirectoryDateTime {
    /// The recording date of `unix_seconds` expressed in local time at
    /// `utc_offset_minutes`. Years outside 1900–2155 are clamped to that range.
    pub fn from_unix(unix_seconds: i64, utc_offset_minutes: i16) -> Self {
        let min = days_from_civil(1900, 1, 1) * 86_400 - i64::from(utc_offset_minutes) * 60;
        let max = days_from_civil(2156, 1, 1) * 86_400 - 1 - i64::from(utc_offset_minutes) * 60;
        let (y, mo, d, h, mi, s) = broken_down(unix_seconds.clamp(min, max), utc_offset_minutes);
        DirectoryDateTime {
            years_since_1900: (y - 1900) as u8,
            month: mo as u8,
            day: d as u8,
            hour: h as u8,
            minute: mi as u8,
            second: s as u8,
            gmt_offset: offset_units(utc_offset_minutes),
        }
    }

    /// Seconds since the Unix epoch (UTC), or `None` if a field is out of range
    /// (all-zero dates mean "not specified").
    pub fn to_unix(&self) -> Option<i64> {
        if self.month == 0
            || self.month > 12
            || self.day == 0
            || self.day > 31
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
        {
            return None;
        }
        let days = days_from_civil(
            1900 + i64::from(self.years_since_1900),
            self.month.into(),
            self.day.into(),
        );
        let local = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        Some(local - i64::from(self.gmt_offset) * 15 * 60)
    }
}

/// ECMA-119 8.4.26.1 date and time format (17 bytes): "YYYYMMDDHHMMSSCC" in ASCII digits
/// and the offset from GMT in 15-minute intervals. All digits '0' and offset 0 mean
/// "not specified".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct DecDateTime {
    /// Year 1–9999, 4 digits (ECMA-119 8.4.26.1, BP 1–4).
    pub year: [u8; 4],
    /// Month 1–12, 2 digits (BP 5–6).
    pub month: [u8; 2],
    /// Day 1–31, 2 digits (BP 7–8).
    pub day: [u8; 2],
    /// Hour 0–23, 2 digits (BP 9–10).
    pub hour: [u8; 2],
    /// Minute 0–59, 2 digits (BP 11–12).
    pub minute: [u8; 2],
    /// Second 0–59, 2 digits (BP 13–14).
    pub second: [u8; 2],
    /// Hundredths of a second 0–99, 2 digits (BP 15–16).
    pub hundredths: [u8; 2],
    /// Offset from GMT in 15-minute intervals, −48..=52 (BP 17).
    pub gmt_offset: i8,
}
const _: () = assert!(size_of::<DecDateTime>() == 17);

fn digits<const N: usize>(mut v: u32) -> [u8; N] {
    let mut a = [b'0'; N];
    for i in (0..N).rev() {
        a[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    a
}

fn parse_digits(d: &[u8]) -> Option<u32> {
    d.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

impl DecDateTime {
    /// "Not specified": sixteen '0' digits and a zero offset (ECMA-119 8.4.26.1).
    pub const UNSPECIFIED: DecDateTime = DecDateTime {
        year: *b"0000",
        month: *b"00",
        day: *b"00",
        hour: *b"00",
        minute: *b"00",
        second: *b"00",
        hundredths: *b"00",
        gmt_offset: 0,
    };

    /// The date of `unix_seconds` in local time at `utc_offset_minutes`; years are
    /// clamped to 1–9999.
    pub fn from_unix(unix_seconds: i64, utc_offset_minutes: i16) -> Self {
        let min = days_from_civil(1, 1, 1) * 86_400;
        let max = days_from_civil(10_000, 1, 1) * 86_400 - 1;
        let (y, mo, d, h, mi, s) = broken_down(unix_seconds.clamp(min, max), utc_offset_minutes);
        DecDateTime {
            year: digits(y.clamp(1, 9999) as u32),
            month: digits(mo),
            day: digits(d),
            hour: digits(h),
            minute: digits(mi),
            second: digits(s),
            hundredths: *b"00",
            gmt_offset: offset_units(utc_offset_minutes),
        }
    }

    /// Seconds since the Unix epoch (UTC), or `None` if unspecified or not digits.
    pub fn to_unix(&self) -> Option<i64> {
        let y = parse_digits(&self.year)?;
        let mo = parse_digits(&self.month)?;
        let d = parse_digits(&self.day)?;
        let h = parse_digits(&self.hour)?;
        let mi = parse_digits(&self.minute)?;
        let s = parse_digits(&self.second)?;
        if y == 0
            || !(1..=12).contains(&mo)
            || !(1..=31).contains(&d)
            || h > 23
            || mi > 59
            || s > 60
        {
            return None;
        }
        let local = days_from_civil(y.into(), mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s);
        Some(local - i64::from(self.gmt_offset) * 15 * 60)
    }
}

// ---------------------------------------------------------------------------------------
// Characters

/// d-character (ECMA-119 7.4.1): `A–Z`, `0–9`, `_`.
pub fn is_d_character(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'
}

/// a-character (ECMA-119 7.4.1, Annex A): the d-characters plus space and
/// `! " % & ' ( ) * + , - . / : ; < = > ?`.
pub fn is_a_character(c: u8) -> bool {
    is_d_character(c) || b" !\"%&'()*+,-./:;<=>?".contains(&c)
}

/// Whether every byte is a d-character.
pub fn is_d_string(s: &[u8]) -> bool {
    s.iter().all(|&c| is_d_character(c))
}

/// Whether every byte is an a-character.
pub fn is_a_string(s: &[u8]) -> bool {
    s.iter().all(|&c| is_a_character(c))
}

/// A fixed-width identifier field filled from `s` and padded with spaces (0x20), as
/// ECMA-119 8.4 requires for d-/a-character fields. `s` is truncated to `N` bytes.
pub fn padded<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut a = [b' '; N];
    let n = s.len().min(N);
    a[..n].copy_from_slice(&s[..n]);
    a
}

// ---------------------------------------------------------------------------------------
// Volume descriptors

/// ECMA-119 8.4 Primary Volume Descriptor (one 2048-byte logical sector).
#[derive(Debug, Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct PrimaryVolumeDescriptor {
    /// Volume Descriptor Type = 1 (ECMA-119 8.4.1, BP 1).
    pub volume_descriptor_type: u8,
    /// Standard Identifier "CD001" (8.4.2, BP 2–6).
    pub standard_identifier: [u8; 5],
    /// Volume Descriptor Version = 1 (8.4.3, BP 7).
    pub volume_descriptor_version: u8,
    /// Unused Field, zero (8.4.4, BP 8).
    pub unused1: u8,
    /// System Identifier, a-characters (8.4.5, BP 9–40).
    pub system_identifier: [u8; 32],
    /// Volume Identifier, d-characters (8.4.6, BP 41–72).
    pub volume_identifier: [u8; 32],
    /// Unused Field, zeros (8.4.7, BP 73–80).
    pub unused2: [u8; 8],
    /// Volume Space Size in logical blocks (8.4.8, BP 81–88).
    pub volume_space_size: BothU32,
    /// Unused Field, zeros (8.4.9, BP 89–120).
    pub unused3: [u8; 32],
    /// Volume Set Size (8.4.10, BP 121–124).
    pub volume_set_size: BothU16,
    /// Volume Sequence Number (8.4.11, BP 125–128).
    pub volume_sequence_number: BothU16,
    /// Logical Block Size (8.4.12, BP 129–132).
    pub logical_block_size: BothU16,
    /// Path Table Size in bytes (8.4.13, BP 133–140).
    pub path_table_size: BothU32,
    /// Location of Occurrence of Type L Path Table (8.4.14, BP 141–144).
    pub type_l_path_table: U32<LittleEndian>,
    /// Location of Optional Occurrence of Type L Path Table (8.4.15, BP 145–148).
    pub optional_type_l_path_table: U32<LittleEndian>,
    /// Location of Occurrence of Type M Path Table (8.4.16, BP 149–152).
    pub type_m_path_table: U32<BigEndian>,
    /// Location of Optional Occurrence of Type M Path Table (8.4.17, BP 153–156).
    pub optional_type_m_path_table: U32<BigEndian>,
    /// Directory Record for Root Directory, 34 bytes (8.4.18, BP 157–190).
    pub root_directory_record: [u8; 34],
    /// Volume Set Identifier, d-characters (8.4.19, BP 191–318).
    pub volume_set_identifier: [u8; 128],
    /// Publisher Identifier, a-characters (8.4.20, BP 319–446).
    pub publisher_identifier: [u8; 128],
    /// Data Preparer Identifier, a-characters (8.4.21, BP 447–574).
    pub data_preparer_identifier: [u8; 128],
    /// Application Identifier, a-characters (8.4.22, BP 575–702).
    pub application_identifier: [u8; 128],
    /// Copyright File Identifier (8.4.23, BP 703–739).
    pub copyright_file_identifier: [u8; 37],
    /// Abstract File Identifier (8.4.24, BP 740–776).
    pub abstract_file_identifier: [u8; 37],
    /// Bibliographic File Identifier (8.4.25, BP 777–813).
    pub bibliographic_file_identifier: [u8; 37],
    /// Volume Creation Date and Time (8.4.26, BP 814–830).
    pub volume_creation_date_and_time: DecDateTime,
    /// Volume Modification Date and Time (8.4.27, BP 831–847).
    pub volume_modification_date_and_time: DecDateTime,
    /// Volume Expiration Date and Time (8.4.28, BP 848–864).
    pub volume_expiration_date_and_time: DecDateTime,
    /// Volume Effective Date and Time (8.4.29, BP 865–881).
    pub volume_effective_date_and_time: DecDateTime,
    /// File Structure Version = 1 (8.4.30, BP 882).
    pub file_structure_version: u8,
    /// Reserved for future standardization, zero (8.4.31, BP 883).
    pub reserved1: u8,
    /// Application Use (8.4.32, BP 884–1395).
    pub application_use: [u8; 512],
    /// Reserved for future standardization, zeros (8.4.33, BP 1396–2048).
    pub reserved2: [u8; 653],
}
const _: () = assert!(size_of::<PrimaryVolumeDescriptor>() == SECTOR_SIZE);

/// ECMA-119 8.5 Supplementary Volume Descriptor (used for Joliet). Same layout as the
/// primary descriptor except BP 8 (Volume Flags) and BP 89–120 (Escape Sequences).
#[derive(Debug, Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SupplementaryVolumeDescriptor {
    /// Volume Descriptor Type = 2 (ECMA-119 8.5.1, BP 1).
    pub volume_descriptor_type: u8,
    /// Standard Identifier "CD001" (8.5.2, BP 2–6).
    pub standard_identifier: [u8; 5],
    /// Volume Descriptor Version = 1 (8.5.2, BP 7).
    pub volume_descriptor_version: u8,
    /// Volume Flags; bit 0 set = some escape sequence is not ISO 2375 registered (8.5.3, BP 8).
    pub volume_flags: u8,
    /// System Identifier (8.5.4, BP 9–40).
    pub system_identifier: [u8; 32],
    /// Volume Identifier (8.5.5, BP 41–72).
    pub volume_identifier: [u8; 32],
    /// Unused Field, zeros (8.5, BP 73–80).
    pub unused2: [u8; 8],
    /// Volume Space Size in logical blocks (8.5, BP 81–88).
    pub volume_space_size: BothU32,
    /// Escape Sequences (8.5.6, BP 89–120).
    pub escape_sequences: [u8; 32],
    /// Volume Set Size (BP 121–124).
    pub volume_set_size: BothU16,
    /// Volume Sequence Number (BP 125–128).
    pub volume_sequence_number: BothU16,
    /// Logical Block Size (BP 129–132).
    pub logical_block_size: BothU16,
    /// Path Table Size in bytes (BP 133–140).
    pub path_table_size: BothU32,
    /// Location of Occurrence of Type L Path Table (BP 141–144).
    pub type_l_path_table: U32<LittleEndian>,
    /// Location of Optional Occurrence of Type L Path Table (BP 145–148).
    pub optional_type_l_path_table: U32<LittleEndian>,
    /// Location of Occurrence of Type M Path Table (BP 149–152).
    pub type_m_path_table: U32<BigEndian>,
    /// Location of Optional Occurrence of Type M Path Table (BP 153–156).
    pub optional_type_m_path_table: U32<BigEndian>,
    /// Directory Record for Root Directory (8.5, BP 157–190).
    pub root_directory_record: [u8; 34],
    /// Volume Set Identifier (8.5.7, BP 191–318).
    pub volume_set_identifier: [u8; 128],
    /// Publisher Identifier (8.5.8, BP 319–446).
    pub publisher_identifier: [u8; 128],
    /// Data Preparer Identifier (8.5.9, BP 447–574).
    pub data_preparer_identifier: [u8; 128],
    /// Application Identifier (8.5.10, BP 575–702).
    pub application_identifier: [u8; 128],
    /// Copyright File Identifier (8.5.11, BP 703–739).
    pub copyright_file_identifier: [u8; 37],
    /// Abstract File Identifier (8.5.12, BP 740–776).
    pub abstract_file_identifier: [u8; 37],
    /// Bibliographic File Identifier (8.5.13, BP 777–813).
    pub bibliographic_file_identifier: [u8; 37],
    /// Volume Creation Date and Time (BP 814–830).
    pub volume_creation_date_and_time: DecDateTime,
    /// Volume Modification Date and Time (BP 831–847).
    pub volume_modification_date_and_time: DecDateTime,
    /// Volume Expiration Date and Time (BP 848–864).
    pub volume_expiration_date_and_time: DecDateTime,
    /// Volume Effective Date and Time (BP 865–881).
    pub volume_effective_date_and_time: DecDateTime,
    /// File Structure Version = 1 (BP 882).
    pub file_structure_version: u8,
    /// Reserved, zero (BP 883).
    pub reserved1: u8,
    /// Application Use (BP 884–1395).
    pub application_use: [u8; 512],
    /// Reserved, zeros (BP 1396–2048).
    pub reserved2: [u8; 653],
}
const _: () = assert!(size_of::<SupplementaryVolumeDescriptor>() == SECTOR_SIZE);

/// ECMA-119 8.3 Volume Descriptor Set Terminator.
#[derive(Debug, Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct VolumeDescriptorSetTerminator {
    /// Volume Descriptor Type = 255 (ECMA-119 8.3.1, BP 1).
    pub volume_descriptor_type: u8,
    /// Standard Identifier "CD001" (8.3.2, BP 2–6).
    pub standard_identifier: [u8; 5],
    /// Volume Descriptor Version = 1 (8.3.3, BP 7).
    pub volume_descriptor_version: u8,
    /// Reserved for future standardization, zeros (8.3.4, BP 8–2048).
    pub reserved: [u8; 2041],
}
const _: () = assert!(size_of::<VolumeDescriptorSetTerminator>() == SECTOR_SIZE);

impl VolumeDescriptorSetTerminator {
    /// The terminator with its fixed fields set.
    pub fn new() -> Self {
        VolumeDescriptorSetTerminator {
            volume_descriptor_type: VD_TYPE_TERMINATOR,
            standard_identifier: STANDARD_IDENTIFIER,
            volume_descriptor_version: 1,
            reserved: [0; 2041],
        }
    }
}

impl Default for VolumeDescriptorSetTerminator {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks the common header of a volume descriptor sector (ECMA-119 8.1): returns the
/// Volume Descriptor Type.
///
/// # Errors
/// [`FormatError::Short`] if `sector` is not 2048 bytes; [`FormatError::Invalid`] if the
/// Standard Identifier is not "CD001" or the version is not 1.
pub fn volume_descriptor_type(sector: &[u8]) -> Result<u8, FormatError> {
    let mut r = Reader::new(sector, "ECMA-119 volume descriptor");
    if sector.len() != SECTOR_SIZE {
        return Err(FormatError::Short {
            structure: "ECMA-119 volume descriptor",
            offset: 0,
            needed: SECTOR_SIZE,
            available: sector.len(),
        });
    }
    let ty = r.u8()?;
    let id = r.take(5)?;
    if id != STANDARD_IDENTIFIER {
        return Err(r.invalid("Standard Identifier", format!("{id:02x?} is not \"CD001\"")));
    }
    let v = r.u8()?;
    if v != 1 && ty != VD_TYPE_SUPPLEMENTARY {
        return Err(r.invalid("Volume Descriptor Version", format!("{v}")));
    }
    Ok(ty)
}

// ---------------------------------------------------------------------------------------
// Directory records

bitflags::bitflags! {
    /// ECMA-119 9.1.6 File Flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct FileFlags: u8 {
        /// Bit 0 Existence: the file need not be made known to the user (hidden).
        const EXISTENCE = 0x01;
        /// Bit 1 Directory.
        const DIRECTORY = 0x02;
        /// Bit 2 Associated File.
        const ASSOCIATED_FILE = 0x04;
        /// Bit 3 Record: the file has a record format in its extended attribute record.
        const RECORD = 0x08;
        /// Bit 4 Protection.
        const PROTECTION = 0x10;
        /// Bit 7 Multi-Extent: this is not the final directory record of the file.
        const MULTI_EXTENT = 0x80;
    }
}

/// File Identifier of the "." record (ECMA-119 6.8.2.2: a single 0x00 byte).
pub const SELF_IDENTIFIER: &[u8] = &[0];
/// File Identifier of the ".." record (ECMA-119 6.8.2.2: a single 0x01 byte).
pub const PARENT_IDENTIFIER: &[u8] = &[1];
/// Length of the fixed part of a directory record (BP 1–33).
pub const DIRECTORY_RECORD_FIXED_LEN: usize = 33;

/// ECMA-119 9.1 Directory Record (variable length, ≤ 255 bytes). Borrows its file
/// identifier and system use field from the decoded buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryRecord<'a> {
    /// Extended Attribute Record Length (9.1.2, BP 2).
    pub extended_attribute_record_length: u8,
    /// Location of Extent, an LBA (9.1.3, BP 3–10).
    pub location_of_extent: u32,
    /// Data Length in bytes (9.1.4, BP 11–18).
    pub data_length: u32,
    /// Recording Date and Time (9.1.5, BP 19–25).
    pub recording_date_and_time: DirectoryDateTime,
    /// File Flags (9.1.6, BP 26).
    pub file_flags: FileFlags,
    /// File Unit Size (9.1.7, BP 27).
    pub file_unit_size: u8,
    /// Interleave Gap Size (9.1.8, BP 28).
    pub interleave_gap_size: u8,
    /// Volume Sequence Number (9.1.9, BP 29–32).
    pub volume_sequence_number: u16,
    /// File Identifier (9.1.11, BP 34..): d-characters with ";1", 0x00, 0x01 or UCS-2.
    pub file_identifier: &'a [u8],
    /// System Use (9.1.13): SUSP entries when Rock Ridge is used.
    pub system_use: &'a [u8],
}

impl<'a> DirectoryRecord<'a> {
    /// Length of the encoded record for a file identifier and system use length
    /// (9.1.1: 33 + LEN_FI + padding byte if LEN_FI is even + system use).
    pub fn encoded_len(file_identifier_len: usize, system_use_len: usize) -> usize {
        DIRECTORY_RECORD_FIXED_LEN
            + file_identifier_len
            + usize::from(file_identifier_len.is_multiple_of(2))
            + system_use_len
    }

    /// Appends the record.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] if the identifier is empty or the record would exceed
    /// 255 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let len = Self::encoded_len(self.file_identifier.len(), self.system_use.len());
        if self.file_identifier.is_empty() || len > 255 {
            return Err(FormatError::Unencodable {
                structure: "ECMA-119 directory record",
                field: "Length of Directory Record",
                detail: format!(
                    "{len} bytes (identifier {} bytes)",
                    self.file_identifier.len()
                ),
            });
        }
        out.push(len as u8);
        out.push(self.extended_attribute_record_length);
        put_both_u32(out, self.location_of_extent);
        put_both_u32(out, self.data_length);
        out.extend_from_slice(self.recording_date_and_time.as_bytes());
        out.push(self.file_flags.bits());
        out.push(self.file_unit_size);
        out.push(self.interleave_gap_size);
        put_both_u16(out, self.volume_sequence_number);
        out.push(self.file_identifier.len() as u8);
        out.extend_from_slice(self.file_identifier);
        if self.file_identifier.len().is_multiple_of(2) {
            out.push(0);
        }
        out.extend_from_slice(self.system_use);
        Ok(())
    }

    /// Decodes one record from the reader. The record's first byte (its length) must be
    /// non-zero; a zero byte means "no more records in this sector" and is the caller's
    /// business. Consumes exactly the record.
    ///
    /// # Errors
    /// [`FormatError::Short`] if the record runs past the data,
    /// [`FormatError::Invalid`] for a length below 34, an identifier longer than the
    /// record, or disagreeing both-endian halves.
    pub fn decode(r: &mut Reader<'a>) -> Result<Self, FormatError> {
        let len = usize::from(r.u8()?);
        if len < DIRECTORY_RECORD_FIXED_LEN + 1 {
            return Err(r.invalid("Length of Directory Record", format!("{len} < 34")));
        }
        let mut r = r.sub(len - 1, "ECMA-119 directory record")?;
        let extended_attribute_record_length = r.u8()?;
        let location_of_extent = r.both_u32("Location of Extent")?;
        let data_length = r.both_u32("Data Length")?;
        let recording_date_and_time = DirectoryDateTime::read_from_bytes(r.take(7)?)
            .map_err(|_| r.invalid("Recording Date and Time", "size"))?;
        let file_flags = FileFlags::from_bits_retain(r.u8()?);
        let file_unit_size = r.u8()?;
        let interleave_gap_size = r.u8()?;
        let volume_sequence_number = r.both_u16("Volume Sequence Number")?;
        let lfi = usize::from(r.u8()?);
        if lfi == 0 {
            return Err(r.invalid("Length of File Identifier", "0"));
        }
        let file_identifier = r.take(lfi)?;
        if lfi.is_multiple_of(2) {
            r.take(1)?;
        }
        let system_use = r.rest();
        Ok(DirectoryRecord {
            extended_attribute_record_length,
            location_of_extent,
            data_length,
            recording_date_and_time,
            file_flags,
            file_unit_size,
            interleave_gap_size,
            volume_sequence_number,
            file_identifier,
            system_use,
        })
    }

    /// Decodes the 34-byte root directory record of a volume descriptor (8.4.18).
    ///
    /// # Errors
    /// As [`DirectoryRecord::decode`], plus [`FormatError::Trailing`] if the record does
    /// not fill the 34 bytes exactly.
    pub fn decode_root(bytes: &'a [u8; 34]) -> Result<Self, FormatError> {
        let mut r = Reader::new(bytes, "ECMA-119 root directory record");
        let rec = Self::decode(&mut r)?;
        r.finish()?;
        Ok(rec)
    }
}

/// Splits a level-1/2/3 file identifier "NAME.EXT;1" into (name, extension, version)
/// (ECMA-119 7.5.1). Missing parts are empty.
pub fn split_file_identifier(id: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let (nameext, version) = match id.iter().rposition(|&c| c == b';') {
        Some(i) => (&id[..i], &id[i + 1..]),
        None => (id, &id[id.len()..]),
    };
    match nameext.iter().position(|&c| c == b'.') {
        Some(i) => (&nameext[..i], &nameext[i + 1..], version),
        None => (nameext, &nameext[nameext.len()..], version),
    }
}

fn cmp_space_padded(a: &[u8], b: &[u8], pad: u8) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(pad);
        let y = b.get(i).copied().unwrap_or(pad);
        match x.cmp(&y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

/// ECMA-119 9.3 order of directory records: by File Name (shorter padded with 0x20),
/// then File Name Extension (likewise), then File Version Number in descending order.
/// "." (0x00) and ".." (0x01) sort first by the same byte rule.
pub fn compare_file_identifiers(a: &[u8], b: &[u8]) -> Ordering {
    let (an, ae, av) = split_file_identifier(a);
    let (bn, be, bv) = split_file_identifier(b);
    cmp_space_padded(an, bn, b' ')
        .then_with(|| cmp_space_padded(ae, be, b' '))
        .then_with(|| cmp_space_padded(bv, av, b'0'))
}

/// ECMA-119 9.4 / Joliet order of directory identifiers in the path table (padded with
/// 0x20 for d-characters). For Joliet identifiers pass `pad = 0` (UCS-2 code units are
/// compared bytewise).
pub fn compare_directory_identifiers(a: &[u8], b: &[u8], pad: u8) -> Ordering {
    cmp_space_padded(a, b, pad)
}

// ---------------------------------------------------------------------------------------
// Path table records

/// ECMA-119 9.4 Path Table Record. Type L tables store numbers little-endian, type M
/// big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathTableRecord<'a> {
    /// Extended Attribute Record Length (9.4.2, BP 2).
    pub extended_attribute_record_length: u8,
    /// Location of Extent (9.4.3, BP 3–6).
    pub location_of_extent: u32,
    /// Parent Directory Number, 1-based index into the path table (9.4.4, BP 7–8).
    pub parent_directory_number: u16,
    /// Directory Identifier (9.4.5, BP 9..); the root's is a single 0x00 byte.
    pub directory_identifier: &'a [u8],
}

/// Byte order of a path table occurrence (ECMA-119 9.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathTableType {
    /// Type L: little-endian numbers (7.2.1, 7.3.1).
    L,
    /// Type M: big-endian numbers (7.2.2, 7.3.2).
    M,
}

impl<'a> PathTableRecord<'a> {
    /// Encoded length: 8 + LEN_DI + padding byte if LEN_DI is odd (9.4.1).
    pub fn encoded_len(identifier_len: usize) -> usize {
        8 + identifier_len + identifier_len % 2
    }

    /// Appends the record in the given byte order.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] if the identifier is empty or longer than 255 bytes.
    pub fn encode(&self, ty: PathTableType, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let n = self.directory_identifier.len();
        if n == 0 || n > 255 {
            return Err(FormatError::Unencodable {
                structure: "ECMA-119 path table record",
                field: "Length of Directory Identifier",
                detail: format!("{n}"),
            });
        }
        out.push(n as u8);
        out.push(self.extended_attribute_record_length);
        match ty {
            PathTableType::L => {
                out.extend_from_slice(&self.location_of_extent.to_le_bytes());
                out.extend_from_slice(&self.parent_directory_number.to_le_bytes());
            }
            PathTableType::M => {
                out.extend_from_slice(&self.location_of_extent.to_be_bytes());
                out.extend_from_slice(&self.parent_directory_number.to_be_bytes());
            }
        }
        out.extend_from_slice(self.directory_identifier);
        if n % 2 == 1 {
            out.push(0);
        }
        Ok(())
    }

    /// Decodes one record (and its padding byte).
    ///
    /// # Errors
    /// [`FormatError::Short`] if the data ends early; [`FormatError::Invalid`] for a zero
    /// identifier length.
    pub fn decode(ty: PathTableType, r: &mut Reader<'a>) -> Result<Self, FormatError> {
        let n = usize::from(r.u8()?);
        if n == 0 {
            return Err(r.invalid("Length of Directory Identifier", "0"));
        }
        let extended_attribute_record_length = r.u8()?;
        let (location_of_extent, parent_directory_number) = match ty {
            PathTableType::L => (r.le_u32()?, r.le_u16()?),
            PathTableType::M => (r.be_u32()?, r.be_u16()?),
        };
        let directory_identifier = r.take(n)?;
        if n % 2 == 1 {
            r.take(1)?;
        }
        Ok(PathTableRecord {
            extended_attribute_record_length,
            location_of_extent,
            parent_directory_number,
            directory_identifier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::FromZeros;

    #[test]
    fn directory_record_round_trip_and_padding() {
        for id in [&b"A"[..], b"AB.TXT;1", SELF_IDENTIFIER] {
            let rec = DirectoryRecord {
                extended_attribute_record_length: 0,
                location_of_extent: 20_123,
                data_length: 4096,
                recording_date_and_time: DirectoryDateTime::from_unix(1_700_000_000, 60),
                file_flags: FileFlags::DIRECTORY,
                file_unit_size: 0,
                interleave_gap_size: 0,
                volume_sequence_number: 1,
                file_identifier: id,
                system_use: b"PX\x04\x01",
            };
            let mut v = Vec::new();
            rec.encode(&mut v).unwrap();
            assert_eq!(v.len(), DirectoryRecord::encoded_len(id.len(), 4));
            assert_eq!(v.len() % 2, 0, "ECMA-119 9.1.12: records have even length");
            let mut r = Reader::new(&v, "t");
            assert_eq!(DirectoryRecord::decode(&mut r).unwrap(), rec);
            r.finish().unwrap();
        }
    }

    #[test]
    fn directory_record_hostile_input_is_rejected() {
        assert!(DirectoryRecord::decode(&mut Reader::new(&[10, 0, 0], "t")).is_err());
        assert!(DirectoryRecord::decode(&mut Reader::new(&[200; 40], "t")).is_err());
        let mut v = vec![0u8; 34];
        v[0] = 34;
        v[32] = 5; // identifier longer than the record
        assert!(DirectoryRecord::decode(&mut Reader::new(&v, "t")).is_err());
        // Every truncation of a valid record is an error, never a panic.
        let rec = DirectoryRecord {
            extended_attribute_record_length: 0,
            location_of_extent: 1,
            data_length: 2,
            recording_date_and_time: DirectoryDateTime::default(),
            file_flags: FileFlags::empty(),
            file_unit_size: 0,
            interleave_gap_size: 0,
            volume_sequence_number: 1,
            file_identifier: b"X;1",
            system_use: &[],
        };
        let mut v = Vec::new();
        rec.encode(&mut v).unwrap();
        for n in 0..v.len() {
            assert!(DirectoryRecord::decode(&mut Reader::new(&v[..n], "t")).is_err());
        }
    }

    #[test]
    fn path_table_record_round_trip() {
        for ty in [PathTableType::L, PathTableType::M] {
            for id in [&b"\0"[..], b"AB", b"ABC"] {
                let rec = PathTableRecord {
                    extended_attribute_record_length: 0,
                    location_of_extent: 0x0102_0304,
                    parent_directory_number: 7,
                    directory_identifier: id,
                };
                let mut v = Vec::new();
                rec.encode(ty, &mut v).unwrap();
                assert_eq!(v.len(), PathTableRecord::encoded_len(id.len()));
                let mut r = Reader::new(&v, "t");
                assert_eq!(PathTableRecord::decode(ty, &mut r).unwrap(), rec);
                r.finish().unwrap();
                for n in 0..v.len() {
                    assert!(PathTableRecord::decode(ty, &mut Reader::new(&v[..n], "t")).is_err());
                }
            }
        }
    }

    #[test]
    fn dates_round_trip() {
        for (t, off) in [
            (0i64, 0i16),
            (1_700_000_000, 60),
            (951_782_400, -300),
            (4_102_444_799, 780),
        ] {
            let d = DirectoryDateTime::from_unix(t, off);
            assert_eq!(d.to_unix(), Some(t));
            let d = DecDateTime::from_unix(t, off);
            assert_eq!(d.to_unix(), Some(t));
        }
        let d = DecDateTime::from_unix(1_700_000_000, 0);
        assert_eq!(&d.as_bytes()[..16], b"2023111422132000");
        assert_eq!(d.as_bytes()[16], 0);
        assert_eq!(DecDateTime::UNSPECIFIED.to_unix(), None);
        // 2000-02-29 12:00:00 UTC
        let d = DirectoryDateTime::from_unix(951_825_600, 0);
        assert_eq!(
            (d.years_since_1900, d.month, d.day, d.hour),
            (100, 2, 29, 12)
        );
        // Before 1900 clamps to 1900-01-01.
        assert_eq!(
            DirectoryDateTime::from_unix(-3_000_000_000, 0).years_since_1900,
            0
        );
    }

    #[test]
    fn civil_conversion_matches_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for d in [-800_000i64, -1, 0, 1, 11_016, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn identifier_order_follows_9_3() {
        let mut v: Vec<&[u8]> = vec![
            b"B.TXT;1",
            b"A.TXT;1",
            b"A;1",
            b"AB;1",
            b"A.B;1",
            PARENT_IDENTIFIER,
            SELF_IDENTIFIER,
            b"A_;1",
        ];
        v.sort_by(|a, b| compare_file_identifiers(a, b));
        assert_eq!(
            v,
            vec![
                SELF_IDENTIFIER,
                PARENT_IDENTIFIER,
                b"A;1",
                b"A.B;1",
                b"A.TXT;1",
                b"AB;1",
                b"A_;1",
                b"B.TXT;1"
            ]
        );
    }

    #[test]
    fn volume_descriptors_have_fixed_positions() {
        let mut pvd = PrimaryVolumeDescriptor::new_zeroed();
        pvd.volume_descriptor_type = VD_TYPE_PRIMARY;
        pvd.standard_identifier = STANDARD_IDENTIFIER;
        pvd.volume_descriptor_version = 1;
        pvd.volume_space_size = BothU32::new(0x1122_3344);
        pvd.type_m_path_table = U32::new(19);
        pvd.root_directory_record[0] = 34;
        pvd.file_structure_version = 1;
        let b = pvd.as_bytes();
        assert_eq!(
            &b[80..88],
            &[0x44, 0x33, 0x22, 0x11, 0x11, 0x22, 0x33, 0x44]
        );
        assert_eq!(&b[148..152], &[0, 0, 0, 19]);
        assert_eq!(b[156], 34);
        assert_eq!(b[881], 1);
        assert_eq!(volume_descriptor_type(b).unwrap(), VD_TYPE_PRIMARY);
        let back = PrimaryVolumeDescriptor::read_from_bytes(b).unwrap();
        assert_eq!(back.volume_space_size.get(), 0x1122_3344);
        assert_eq!(
            volume_descriptor_type(VolumeDescriptorSetTerminator::new().as_bytes()).unwrap(),
            255
        );
        assert!(volume_descriptor_type(&[0u8; 2048]).is_err());
        assert!(volume_descriptor_type(&[1u8; 7]).is_err());
        let svd = SupplementaryVolumeDescriptor::new_zeroed();
        assert_eq!(svd.as_bytes().len(), 2048);
    }

    #[test]
    fn character_sets() {
        assert!(is_d_string(b"ABC_09"));
        assert!(!is_d_string(b"abc"));
        assert!(is_a_string(b"HELLO, WORLD!"));
        assert!(!is_a_string(b"a"));
        assert_eq!(&padded::<5>(b"AB"), b"AB   ");
        assert_eq!(
            split_file_identifier(b"A.B;1"),
            (&b"A"[..], &b"B"[..], &b"1"[..])
        );
        assert_eq!(
            split_file_identifier(b"DIR"),
            (&b"DIR"[..], &b""[..], &b""[..])
        );
    }
}
