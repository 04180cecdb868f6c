//! A lenient, allocation-free view of one ECMA-119 9.1 directory record.
//!
//! Unlike `discburn_format::iso9660::DirectoryRecord::decode`, which rejects a record whose
//! both-byte-order halves disagree, this reads the little-endian halves only, as the
//! Linux kernel (`isonum_733`) and libisofs do: real discs exist with a wrong big-endian
//! Volume Sequence Number or Data Length half, and the reader must still list them. All
//! lengths are still bounded by the record and the buffer.

use discburn_format::iso9660::{DirectoryDateTime, FileFlags};

/// The fields of a directory record the reader uses, borrowing identifier and system use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRecord<'a> {
    /// Length of Directory Record (9.1.1, BP 1).
    pub len: usize,
    /// Extended Attribute Record Length in blocks (9.1.2, BP 2).
    pub xar: u8,
    /// Location of Extent (9.1.3, BP 3–6, little-endian half).
    pub extent: u32,
    /// Data Length (9.1.4, BP 11–14, little-endian half).
    pub data_length: u32,
    /// Recording Date and Time (9.1.5, BP 19–25).
    pub time: DirectoryDateTime,
    /// File Flags (9.1.6, BP 26).
    pub flags: FileFlags,
    /// File Unit Size (9.1.7, BP 27).
    pub unit_size: u8,
    /// Interleave Gap Size (9.1.8, BP 28).
    pub gap: u8,
    /// File Identifier (9.1.11).
    pub ident: &'a [u8],
    /// System Use (9.1.13), after the padding byte.
    pub su: &'a [u8],
}

/// Parses the record at the start of `buf` (its first byte, the record length, is
/// non-zero). Returns a description of the defect on failure.
pub(crate) fn parse_record(buf: &[u8]) -> Result<RawRecord<'_>, String> {
    let Some(&len) = buf.first() else {
        return Err("no record".into());
    };
    let len = usize::from(len);
    if len < 34 {
        return Err(format!(
            "Length of Directory Record {len} is below 34 (ECMA-119 9.1.1)"
        ));
    }
    if len > buf.len() {
        return Err(format!(
            "Length of Directory Record {len} runs past the end of the directory ({} bytes left)",
            buf.len()
        ));
    }
    let r = &buf[..len];
    let u32le = |o: usize| u32::from_le_bytes([r[o], r[o + 1], r[o + 2], r[o + 3]]);
    let lfi = usize::from(r[32]);
    if lfi == 0 {
        return Err("Length of File Identifier is 0 (ECMA-119 9.1.10)".into());
    }
    if 33 + lfi > len {
        return Err(format!(
            "File Identifier of {lfi} bytes does not fit a record of {len} bytes"
        ));
    }
    let su_start = (33 + lfi + usize::from(lfi % 2 == 0)).min(len);
    let t = &r[18..25];
    Ok(RawRecord {
        len,
        xar: r[1],
        extent: u32le(2),
        data_length: u32le(10),
        time: DirectoryDateTime {
            years_since_1900: t[0],
            month: t[1],
            day: t[2],
            hour: t[3],
            minute: t[4],
            second: t[5],
            gmt_offset: t[6] as i8,
        },
        flags: FileFlags::from_bits_retain(r[25]),
        unit_size: r[26],
        gap: r[27],
        ident: &r[33..33 + lfi],
        su: &r[su_start..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use discburn_format::iso9660::DirectoryRecord;

    #[test]
    fn agrees_with_the_format_codec() {
        let rec = DirectoryRecord {
            extended_attribute_record_length: 0,
            location_of_extent: 1234,
            data_length: 99,
            recording_date_and_time: DirectoryDateTime::from_unix(1_700_000_000, 60),
            file_flags: FileFlags::MULTI_EXTENT,
            file_unit_size: 0,
            interleave_gap_size: 0,
            volume_sequence_number: 1,
            file_identifier: b"AB.TXT;1",
            system_use: b"PX\x04\x01",
        };
        let mut v = Vec::new();
        rec.encode(&mut v).unwrap();
        let r = parse_record(&v).unwrap();
        assert_eq!(r.len, v.len());
        assert_eq!(r.extent, 1234);
        assert_eq!(r.data_length, 99);
        assert_eq!(r.time, rec.recording_date_and_time);
        assert_eq!(r.flags, FileFlags::MULTI_EXTENT);
        assert_eq!(r.ident, b"AB.TXT;1");
        assert_eq!(r.su, b"PX\x04\x01");
        for n in 0..v.len() {
            assert!(parse_record(&v[..n]).is_err());
        }
    }
}
