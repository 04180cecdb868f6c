//! Basic types of ECMA-167 part 1 (and their OSTA UDF 2.60 restrictions): charspec
//! (1/7.2.1), OSTA Compressed Unicode (UDF 2.60 2.1.1, 2.1.2) in d-strings (1/7.2.12),
//! timestamp (1/7.3), regid (1/7.4) with the UDF suffixes (UDF 2.60 2.1.5) and extent_ad
//! (3/7.1).

use super::Put;
use crate::FormatError;
use crate::codec::Reader;

/// A charspec (ECMA-167 1/7.2.1), 64 bytes: Character Set Type and Information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charspec {
    /// Character Set Type (1/7.2.1.1): 0 = CS0.
    pub character_set_type: u8,
    /// Character Set Information (1/7.2.1.2), 63 bytes.
    pub character_set_information: [u8; 63],
}

impl Charspec {
    /// The OSTA CS0 charspec (UDF 2.60 2.1.2): type 0, "OSTA Compressed Unicode".
    pub fn osta_cs0() -> Charspec {
        let mut info = [0u8; 63];
        info[..23].copy_from_slice(b"OSTA Compressed Unicode");
        Charspec {
            character_set_type: 0,
            character_set_information: info,
        }
    }

    /// Appends the 64 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.character_set_type);
        out.extend_from_slice(&self.character_set_information);
    }

    /// Decodes 64 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<Charspec, FormatError> {
        Ok(Charspec {
            character_set_type: r.u8()?,
            character_set_information: r.array()?,
        })
    }
}

/// Compression IDs of OSTA Compressed Unicode (UDF 2.60 2.1.1).
pub mod compression_id {
    /// One byte per character (U+0000–U+00FF).
    pub const BITS_8: u8 = 8;
    /// Two bytes per UTF-16 code unit, most significant byte first.
    pub const BITS_16: u8 = 16;
    /// UDF 2.50+ variant of 8 for file identifiers that are not to be sorted as names;
    /// decoded like 8.
    pub const BITS_8_ALT: u8 = 254;
    /// UDF 2.50+ variant of 16; decoded like 16.
    pub const BITS_16_ALT: u8 = 255;
}

/// Encodes `s` in OSTA Compressed Unicode (UDF 2.60 2.1.1): compression ID 8 when every
/// character is at most U+00FF, else 16 (UTF-16 big-endian). Empty strings encode to no
/// bytes at all (UDF 2.60 2.1.1: a zero-length identifier has no compression ID).
pub fn encode_cs0(s: &str) -> Vec<u8> {
    if s.is_empty() {
        return Vec::new();
    }
    if s.chars().all(|c| (c as u32) <= 0xFF) {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.push(compression_id::BITS_8);
        v.extend(s.chars().map(|c| c as u32 as u8));
        v
    } else {
        let mut v = Vec::with_capacity(s.len() * 2 + 1);
        v.push(compression_id::BITS_16);
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        v
    }
}

/// Decodes OSTA Compressed Unicode (UDF 2.60 2.1.1). Unpaired UTF-16 surrogates become
/// U+FFFD.
///
/// # Errors
/// [`FormatError::Invalid`] "Compression ID" for an unknown ID, or for an odd byte count
/// with 16-bit compression.
pub fn decode_cs0(b: &[u8]) -> Result<String, FormatError> {
    let inv = |detail: String| FormatError::Invalid {
        structure: "OSTA Compressed Unicode",
        field: "Compression ID",
        offset: 0,
        detail,
    };
    let Some((&id, rest)) = b.split_first() else {
        return Ok(String::new());
    };
    match id {
        compression_id::BITS_8 | compression_id::BITS_8_ALT => {
            Ok(rest.iter().map(|&c| c as char).collect())
        }
        compression_id::BITS_16 | compression_id::BITS_16_ALT => {
            if !rest.len().is_multiple_of(2) {
                return Err(inv(format!(
                    "16-bit compression with an odd number of bytes ({})",
                    rest.len()
                )));
            }
            let units = rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            Ok(char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect())
        }
        other => Err(inv(format!("{other} (8 or 16 expected)"))),
    }
}

/// Encodes `s` as a d-string of `field_len` bytes (ECMA-167 1/7.2.12, UDF 2.60 2.1.3):
/// OSTA Compressed Unicode, zero padding, the length of the used part in the last byte.
/// An empty string gives all zeros.
///
/// # Errors
/// [`FormatError::Unencodable`] when the compressed string needs more than
/// `field_len - 1` bytes.
pub fn encode_dstring(s: &str, field_len: usize) -> Result<Vec<u8>, FormatError> {
    let c = encode_cs0(s);
    if c.len() + 1 > field_len {
        return Err(FormatError::Unencodable {
            structure: "ECMA-167 dstring",
            field: "d-characters",
            detail: format!(
                "{:?} needs {} bytes, the field has {}",
                s,
                c.len() + 1,
                field_len
            ),
        });
    }
    let mut v = c;
    let used = v.len();
    v.resize(field_len, 0);
    if used > 0 {
        v[field_len - 1] = used as u8;
    }
    Ok(v)
}

/// `s` as a d-string of `field_len` bytes, cut at a character boundary so that it fits.
pub fn encode_dstring_truncated(s: &str, field_len: usize) -> Vec<u8> {
    let mut t: String = s.to_owned();
    loop {
        if let Ok(v) = encode_dstring(&t, field_len) {
            return v;
        }
        t.pop();
    }
}

/// Decodes a d-string field (ECMA-167 1/7.2.12): the last byte gives the used length.
///
/// # Errors
/// [`FormatError::Invalid`] "dstring length" when the length exceeds the field, or a
/// Compression ID error from [`decode_cs0`].
pub fn decode_dstring(field: &[u8]) -> Result<String, FormatError> {
    let Some((&len, body)) = field.split_last() else {
        return Ok(String::new());
    };
    let used = body.get(..len as usize).ok_or(FormatError::Invalid {
        structure: "ECMA-167 dstring",
        field: "dstring length",
        offset: field.len() - 1,
        detail: format!("{len} exceeds the field of {} bytes", field.len()),
    })?;
    decode_cs0(used)
}

/// A timestamp (ECMA-167 1/7.3), 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamp {
    /// Type and Time Zone (1/7.3.1): type in bits 12–15 (1 = local time), the offset from
    /// UTC in minutes as a 12-bit two's complement number in bits 0–11 (−2047 = none).
    pub type_and_timezone: u16,
    /// Year (1/7.3.2), 1–9999.
    pub year: i16,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Second 0–59 (60 for a leap second).
    pub second: u8,
    /// Centiseconds 0–99.
    pub centiseconds: u8,
    /// Hundreds of Microseconds 0–99.
    pub hundreds_of_microseconds: u8,
    /// Microseconds 0–99.
    pub microseconds: u8,
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

impl Timestamp {
    /// The local time `unix_seconds` + `nanoseconds` (seconds since 1970-01-01 UTC) at
    /// `utc_offset_minutes` from UTC, type 1 (ECMA-167 1/7.3.1). Years outside 1–9999 are
    /// clamped.
    pub fn from_unix(unix_seconds: i64, nanoseconds: u32, utc_offset_minutes: i16) -> Timestamp {
        let local = unix_seconds.saturating_add(utc_offset_minutes as i64 * 60);
        let (mut y, mut mo, mut d) = civil_from_days(local.div_euclid(86_400));
        let mut sod = local.rem_euclid(86_400);
        let mut ns = nanoseconds.min(999_999_999);
        if y < 1 {
            (y, mo, d, sod, ns) = (1, 1, 1, 0, 0);
        } else if y > 9999 {
            (y, mo, d, sod, ns) = (9999, 12, 31, 86_399, 999_999_999);
        }
        let us = ns / 1000;
        Timestamp {
            type_and_timezone: 0x1000 | (utc_offset_minutes as u16 & 0x0FFF),
            year: y as i16,
            month: mo as u8,
            day: d as u8,
            hour: (sod / 3600) as u8,
            minute: (sod / 60 % 60) as u8,
            second: (sod % 60) as u8,
            centiseconds: (us / 10_000) as u8,
            hundreds_of_microseconds: (us / 100 % 100) as u8,
            microseconds: (us % 100) as u8,
        }
    }

    /// Seconds since 1970-01-01 UTC and nanoseconds (the time zone applied when given).
    pub fn to_unix(&self) -> (i64, u32) {
        let days = days_from_civil(self.year as i64, self.month as u32, self.day as u32);
        let mut s =
            days * 86_400 + self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second as i64;
        let tz = ((self.type_and_timezone << 4) as i16) >> 4;
        if tz != -2047 {
            s -= tz as i64 * 60;
        }
        let us = self.centiseconds as u32 * 10_000
            + self.hundreds_of_microseconds as u32 * 100
            + self.microseconds as u32;
        (s, us * 1000)
    }

    /// Appends the 12 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u16(self.type_and_timezone);
        out.u16(self.year as u16);
        out.bytes(&[
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.centiseconds,
            self.hundreds_of_microseconds,
            self.microseconds,
        ]);
    }

    /// Decodes 12 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<Timestamp, FormatError> {
        let type_and_timezone = r.le_u16()?;
        let year = r.le_u16()? as i16;
        let b: [u8; 8] = r.array()?;
        Ok(Timestamp {
            type_and_timezone,
            year,
            month: b[0],
            day: b[1],
            hour: b[2],
            minute: b[3],
            second: b[4],
            centiseconds: b[5],
            hundreds_of_microseconds: b[6],
            microseconds: b[7],
        })
    }
}

/// An Entity Identifier, regid (ECMA-167 1/7.4), 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Regid {
    /// Flags (1/7.4.1): bit 0 dirty, bit 1 protected.
    pub flags: u8,
    /// Identifier (1/7.4.2), 23 bytes, zero-padded.
    pub identifier: [u8; 23],
    /// Identifier Suffix (1/7.4.3), 8 bytes; see [`DomainIdentifierSuffix`],
    /// [`UdfIdentifierSuffix`], [`ImplementationIdentifierSuffix`].
    pub identifier_suffix: [u8; 8],
}

impl Regid {
    /// A regid with `identifier` (at most 23 bytes; longer input is cut) and `suffix`.
    pub fn new(identifier: &[u8], suffix: [u8; 8]) -> Regid {
        let mut id = [0u8; 23];
        let n = identifier.len().min(23);
        id[..n].copy_from_slice(&identifier[..n]);
        Regid {
            flags: 0,
            identifier: id,
            identifier_suffix: suffix,
        }
    }

    /// Whether the identifier is `id` followed by zero padding.
    pub fn is(&self, id: &[u8]) -> bool {
        id.len() <= 23
            && self.identifier[..id.len()] == *id
            && self.identifier[id.len()..].iter().all(|&b| b == 0)
    }

    /// Appends the 32 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.flags);
        out.extend_from_slice(&self.identifier);
        out.extend_from_slice(&self.identifier_suffix);
    }

    /// Decodes 32 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<Regid, FormatError> {
        Ok(Regid {
            flags: r.u8()?,
            identifier: r.array()?,
            identifier_suffix: r.array()?,
        })
    }
}

/// Domain Identifier Suffix (UDF 2.60 2.1.5.3), for "*OSTA UDF Compliant".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DomainIdentifierSuffix {
    /// UDF Revision, BCD-like (0x0102, 0x0150, 0x0200, 0x0201, 0x0250, 0x0260).
    pub udf_revision: u16,
    /// Domain Flags: bit 0 Hard Write-Protect, bit 1 Soft Write-Protect.
    pub domain_flags: u8,
}

impl DomainIdentifierSuffix {
    /// The 8 suffix bytes.
    pub fn to_bytes(self) -> [u8; 8] {
        let r = self.udf_revision.to_le_bytes();
        [r[0], r[1], self.domain_flags, 0, 0, 0, 0, 0]
    }
    /// From the 8 suffix bytes.
    pub fn from_bytes(b: [u8; 8]) -> Self {
        DomainIdentifierSuffix {
            udf_revision: u16::from_le_bytes([b[0], b[1]]),
            domain_flags: b[2],
        }
    }
}

/// UDF Identifier Suffix (UDF 2.60 2.1.5.3), for the "*UDF ..." identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UdfIdentifierSuffix {
    /// UDF Revision, BCD-like.
    pub udf_revision: u16,
    /// OS Class (UDF 2.60 6.3; 4 = UNIX).
    pub os_class: u8,
    /// OS Identifier (UDF 2.60 6.3; with class 4, 5 = Linux).
    pub os_identifier: u8,
}

impl UdfIdentifierSuffix {
    /// The 8 suffix bytes.
    pub fn to_bytes(self) -> [u8; 8] {
        let r = self.udf_revision.to_le_bytes();
        [r[0], r[1], self.os_class, self.os_identifier, 0, 0, 0, 0]
    }
    /// From the 8 suffix bytes.
    pub fn from_bytes(b: [u8; 8]) -> Self {
        UdfIdentifierSuffix {
            udf_revision: u16::from_le_bytes([b[0], b[1]]),
            os_class: b[2],
            os_identifier: b[3],
        }
    }
}

/// Implementation Identifier Suffix (UDF 2.60 2.1.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImplementationIdentifierSuffix {
    /// OS Class (UDF 2.60 6.3).
    pub os_class: u8,
    /// OS Identifier (UDF 2.60 6.3).
    pub os_identifier: u8,
    /// Implementation Use, 6 bytes.
    pub implementation_use: [u8; 6],
}

impl ImplementationIdentifierSuffix {
    /// The 8 suffix bytes.
    pub fn to_bytes(self) -> [u8; 8] {
        let u = self.implementation_use;
        [
            self.os_class,
            self.os_identifier,
            u[0],
            u[1],
            u[2],
            u[3],
            u[4],
            u[5],
        ]
    }
    /// From the 8 suffix bytes.
    pub fn from_bytes(b: [u8; 8]) -> Self {
        let mut u = [0u8; 6];
        u.copy_from_slice(&b[2..]);
        ImplementationIdentifierSuffix {
            os_class: b[0],
            os_identifier: b[1],
            implementation_use: u,
        }
    }
}

/// An extent_ad (ECMA-167 3/7.1), 8 bytes: Extent Length (bytes), Extent Location
/// (sector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtentAd {
    /// Extent Length in bytes.
    pub extent_length: u32,
    /// Extent Location, a sector number.
    pub extent_location: u32,
}

impl ExtentAd {
    /// Appends the 8 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.u32(self.extent_length);
        out.u32(self.extent_location);
    }
    /// Decodes 8 bytes.
    ///
    /// # Errors
    /// [`FormatError::Short`].
    pub fn decode(r: &mut Reader<'_>) -> Result<ExtentAd, FormatError> {
        Ok(ExtentAd {
            extent_length: r.le_u32()?,
            extent_location: r.le_u32()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cs0_picks_8_or_16_bits() {
        assert_eq!(encode_cs0("aé"), vec![8, b'a', 0xE9]);
        assert_eq!(encode_cs0("ж"), vec![16, 0x04, 0x36]);
        assert_eq!(encode_cs0(""), Vec::<u8>::new());
        assert_eq!(decode_cs0(&[16, 0xD8, 0x3D, 0xDE, 0x00]).unwrap(), "😀");
        assert!(decode_cs0(&[16, 0]).is_err());
        assert!(decode_cs0(&[7, 0]).is_err());
    }

    #[test]
    fn dstring_fits_or_is_refused() {
        let d = encode_dstring("VOL", 32).unwrap();
        assert_eq!(d.len(), 32);
        assert_eq!(d[31], 4);
        assert_eq!(decode_dstring(&d).unwrap(), "VOL");
        assert!(encode_dstring(&"x".repeat(32), 32).is_err());
        assert_eq!(encode_dstring_truncated(&"ж".repeat(40), 32)[31], 31);
        let mut bad = d.clone();
        bad[31] = 40;
        assert!(decode_dstring(&bad).is_err());
        assert_eq!(encode_dstring("", 8).unwrap(), vec![0; 8]);
    }

    #[test]
    fn timestamp_known_value() {
        // 2001-09-09 01:46:40 UTC.
        let t = Timestamp::from_unix(1_000_000_000, 123_456_000, 0);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2001, 9, 9, 1, 46, 40)
        );
        assert_eq!(
            (t.centiseconds, t.hundreds_of_microseconds, t.microseconds),
            (12, 34, 56)
        );
        assert_eq!(t.type_and_timezone, 0x1000);
        let t = Timestamp::from_unix(0, 0, -60);
        assert_eq!((t.year, t.hour), (1969, 23));
        assert_eq!(t.to_unix(), (0, 0));
    }

    proptest! {
        #[test]
        fn cs0_round_trips(s in "\\PC{0,60}") {
            prop_assert_eq!(decode_cs0(&encode_cs0(&s)).unwrap(), s);
        }

        #[test]
        fn timestamp_round_trips(secs in -62_000_000_000i64..250_000_000_000, us in 0u32..1_000_000, tz in -1440i16..1440) {
            let t = Timestamp::from_unix(secs, us * 1000, tz);
            prop_assert_eq!(t.to_unix(), (secs, us * 1000));
            let mut v = Vec::new();
            t.encode(&mut v);
            prop_assert_eq!(v.len(), 12);
            prop_assert_eq!(Timestamp::decode(&mut Reader::new(&v, "t")).unwrap(), t);
        }

        #[test]
        fn regid_and_extent_round_trip(id in proptest::collection::vec(1u8..=255, 0..23), suf in any::<[u8; 8]>(), a in any::<u32>(), b in any::<u32>()) {
            let g = Regid::new(&id, suf);
            prop_assert!(g.is(&id));
            let mut v = Vec::new();
            g.encode(&mut v);
            Charspec::osta_cs0().encode(&mut v);
            ExtentAd { extent_length: a, extent_location: b }.encode(&mut v);
            prop_assert_eq!(v.len(), 32 + 64 + 8);
            let mut r = Reader::new(&v, "t");
            prop_assert_eq!(Regid::decode(&mut r).unwrap(), g);
            prop_assert_eq!(Charspec::decode(&mut r).unwrap(), Charspec::osta_cs0());
            prop_assert_eq!(ExtentAd::decode(&mut r).unwrap(), ExtentAd { extent_length: a, extent_location: b });
            prop_assert_eq!(DomainIdentifierSuffix::from_bytes(DomainIdentifierSuffix { udf_revision: 0x250, domain_flags: 3 }.to_bytes()).udf_revision, 0x250);
            prop_assert_eq!(&UdfIdentifierSuffix::from_bytes(suf).to_bytes()[..4], &suf[..4]);
            prop_assert_eq!(ImplementationIdentifierSuffix::from_bytes(suf).to_bytes(), suf);
        }
    }
}
