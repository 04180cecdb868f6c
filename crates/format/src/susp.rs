//! System Use Sharing Protocol 1.12 (IEEE P1281): entries in the System Use field of
//! ECMA-119 directory records and in continuation areas. Each entry is
//! signature (2 bytes), length (1), version (1), data.

use crate::FormatError;
use crate::codec::{Reader, put_both_u32};

/// Length of an entry header: signature, length, version (SUSP 4.1).
pub const ENTRY_HEADER_LEN: usize = 4;
/// Length of an SP entry (SUSP 5.3).
pub const SP_LEN: usize = 7;
/// Length of a CE entry (SUSP 5.1).
pub const CE_LEN: usize = 28;
/// Length of an ST entry (SUSP 5.4).
pub const ST_LEN: usize = 4;

/// One raw SUSP entry (SUSP 4.1): a borrowed view of its data after the 4-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuspEntry<'a> {
    /// Signature Word (BP 1–2), e.g. `*b"PX"`.
    pub signature: [u8; 2],
    /// System Use Entry Version (BP 4).
    pub version: u8,
    /// Entry data (BP 5..length).
    pub data: &'a [u8],
}

impl SuspEntry<'_> {
    /// Encoded length (header + data).
    pub fn len(&self) -> usize {
        ENTRY_HEADER_LEN + self.data.len()
    }

    /// Whether the entry has no data.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Appends the entry.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] if the entry is longer than 255 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        put_entry(out, self.signature, self.version, self.data)
    }
}

/// Appends an entry with the given signature, version and data.
///
/// # Errors
/// [`FormatError::Unencodable`] if header + data exceed 255 bytes.
pub fn put_entry(
    out: &mut Vec<u8>,
    signature: [u8; 2],
    version: u8,
    data: &[u8],
) -> Result<(), FormatError> {
    let len = ENTRY_HEADER_LEN + data.len();
    if len > 255 {
        return Err(FormatError::Unencodable {
            structure: "SUSP entry",
            field: "LEN",
            detail: format!(
                "{} entry of {len} bytes",
                String::from_utf8_lossy(&signature)
            ),
        });
    }
    out.extend_from_slice(&signature);
    out.push(len as u8);
    out.push(version);
    out.extend_from_slice(data);
    Ok(())
}

/// Iterator over the entries of a System Use field or continuation area (SUSP 4.1,
/// 5.4). Stops after an ST entry, at the end of the area, or when fewer than 4 bytes are
/// left (padding). A length below 4 or past the area is an error, after which the
/// iterator ends.
#[derive(Debug, Clone)]
pub struct SuspEntries<'a> {
    r: Reader<'a>,
    done: bool,
}

impl<'a> SuspEntries<'a> {
    /// Entries of `area`, skipping the first `skip` bytes (the SP entry's LEN_SKP).
    pub fn new(area: &'a [u8], skip: usize) -> Self {
        let area = area.get(skip..).unwrap_or(&[]);
        SuspEntries {
            r: Reader::new(area, "SUSP system use area"),
            done: false,
        }
    }
}

impl<'a> Iterator for SuspEntries<'a> {
    type Item = Result<SuspEntry<'a>, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.r.remaining() < ENTRY_HEADER_LEN {
            return None;
        }
        let res = (|| {
            let start = self.r.offset();
            let head: [u8; 4] = self.r.array()?;
            let len = usize::from(head[2]);
            if len < ENTRY_HEADER_LEN {
                return Err(FormatError::Invalid {
                    structure: "SUSP entry",
                    field: "LEN",
                    offset: start + 2,
                    detail: format!("{len} < 4"),
                });
            }
            let data = self.r.take(len - ENTRY_HEADER_LEN)?;
            Ok(SuspEntry {
                signature: [head[0], head[1]],
                version: head[3],
                data,
            })
        })();
        match &res {
            Ok(e) if &e.signature == b"ST" => self.done = true,
            Err(_) => self.done = true,
            _ => {}
        }
        Some(res)
    }
}

fn check(
    entry: &SuspEntry<'_>,
    sig: &[u8; 2],
    structure: &'static str,
    len: Option<usize>,
) -> Result<(), FormatError> {
    if &entry.signature != sig {
        return Err(FormatError::Invalid {
            structure,
            field: "Signature Word",
            offset: 0,
            detail: format!("{:?}", String::from_utf8_lossy(&entry.signature)),
        });
    }
    if let Some(l) = len
        && entry.len() != l
    {
        return Err(FormatError::Invalid {
            structure,
            field: "LEN",
            offset: 2,
            detail: format!("{} != {l}", entry.len()),
        });
    }
    Ok(())
}

/// SUSP 5.3 SP "SUSP indicator": first entry of the root directory's "." record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharingProtocolIndicator {
    /// LEN_SKP: bytes to skip at the start of every System Use field (BP 7).
    pub len_skp: u8,
}

impl SharingProtocolIndicator {
    /// Signature "SP".
    pub const SIGNATURE: [u8; 2] = *b"SP";

    /// Appends the entry (check bytes BE EF, BP 5–6).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[b'S', b'P', SP_LEN as u8, 1, 0xBE, 0xEF, self.len_skp]);
    }

    /// Decodes an SP entry.
    ///
    /// # Errors
    /// [`FormatError::Invalid`] for a wrong signature, length or check bytes.
    pub fn decode(e: &SuspEntry<'_>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "SUSP SP entry", Some(SP_LEN))?;
        if e.data[..2] != [0xBE, 0xEF] {
            return Err(FormatError::Invalid {
                structure: "SUSP SP entry",
                field: "Check Bytes",
                offset: 4,
                detail: format!("{:02x?}", &e.data[..2]),
            });
        }
        Ok(SharingProtocolIndicator { len_skp: e.data[2] })
    }
}

/// SUSP 5.1 CE "Continuation Area": where the System Use entries of this record go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContinuationArea {
    /// Block Location of Continuation Area, an LBA (BP 5–12).
    pub block_location: u32,
    /// Offset to Start of Continuation Area within that block (BP 13–20).
    pub offset: u32,
    /// Length of the Continuation Area in bytes (BP 21–28).
    pub length: u32,
}

impl ContinuationArea {
    /// Signature "CE".
    pub const SIGNATURE: [u8; 2] = *b"CE";

    /// Appends the entry.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[b'C', b'E', CE_LEN as u8, 1]);
        put_both_u32(out, self.block_location);
        put_both_u32(out, self.offset);
        put_both_u32(out, self.length);
    }

    /// Decodes a CE entry.
    ///
    /// # Errors
    /// [`FormatError::Invalid`] for a wrong signature or length or disagreeing halves.
    pub fn decode(e: &SuspEntry<'_>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "SUSP CE entry", Some(CE_LEN))?;
        let mut r = Reader::new(e.data, "SUSP CE entry");
        let v = ContinuationArea {
            block_location: r.both_u32("Block Location of Continuation Area")?,
            offset: r.both_u32("Offset to Start of Continuation Area")?,
            length: r.both_u32("Length of the Continuation Area")?,
        };
        r.finish()?;
        Ok(v)
    }
}

/// SUSP 5.5 ER "Extensions Reference": names an extension (Rock Ridge) used on the
/// volume; recorded in the root directory's "." record or its continuation area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionsReference<'a> {
    /// Extension Version (BP 8).
    pub extension_version: u8,
    /// Extension Identifier (BP 9..).
    pub identifier: &'a [u8],
    /// Extension Descriptor.
    pub descriptor: &'a [u8],
    /// Extension Source.
    pub source: &'a [u8],
}

/// RRIP 1.10 ER identifier; the identifier Rock Ridge 1.10/1.12 writers put in ER
/// (what xorriso, genisoimage and bsdtar write; Linux, libarchive and 7-Zip accept it).
pub const RRIP_1991A_IDENTIFIER: &[u8] = b"RRIP_1991A";
/// The descriptor text that goes with [`RRIP_1991A_IDENTIFIER`].
pub const RRIP_1991A_DESCRIPTOR: &[u8] =
    b"THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
/// The source text that goes with [`RRIP_1991A_IDENTIFIER`].
pub const RRIP_1991A_SOURCE: &[u8] = b"PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

impl<'a> ExtensionsReference<'a> {
    /// Signature "ER".
    pub const SIGNATURE: [u8; 2] = *b"ER";

    /// The Rock Ridge ER (RRIP_1991A, version 1).
    pub fn rrip_1991a() -> Self {
        ExtensionsReference {
            extension_version: 1,
            identifier: RRIP_1991A_IDENTIFIER,
            descriptor: RRIP_1991A_DESCRIPTOR,
            source: RRIP_1991A_SOURCE,
        }
    }

    /// Encoded length: 8 + LEN_ID + LEN_DES + LEN_SRC.
    pub fn len(&self) -> usize {
        8 + self.identifier.len() + self.descriptor.len() + self.source.len()
    }

    /// Whether all three texts are empty.
    pub fn is_empty(&self) -> bool {
        self.identifier.is_empty() && self.descriptor.is_empty() && self.source.is_empty()
    }

    /// Appends the entry.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] if the entry exceeds 255 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let mut data = vec![
            self.identifier.len() as u8,
            self.descriptor.len() as u8,
            self.source.len() as u8,
            self.extension_version,
        ];
        if self.identifier.len() > 255 || self.descriptor.len() > 255 || self.source.len() > 255 {
            return Err(FormatError::Unencodable {
                structure: "SUSP ER entry",
                field: "LEN_ID",
                detail: "text longer than 255 bytes".into(),
            });
        }
        data.extend_from_slice(self.identifier);
        data.extend_from_slice(self.descriptor);
        data.extend_from_slice(self.source);
        put_entry(out, Self::SIGNATURE, 1, &data)
    }

    /// Decodes an ER entry.
    ///
    /// # Errors
    /// [`FormatError::Short`]/[`FormatError::Trailing`] if the three lengths do not add
    /// up to the entry length.
    pub fn decode(e: &SuspEntry<'a>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "SUSP ER entry", None)?;
        let mut r = Reader::new(e.data, "SUSP ER entry");
        let li = usize::from(r.u8()?);
        let ld = usize::from(r.u8()?);
        let ls = usize::from(r.u8()?);
        let extension_version = r.u8()?;
        let v = ExtensionsReference {
            extension_version,
            identifier: r.take(li)?,
            descriptor: r.take(ld)?,
            source: r.take(ls)?,
        };
        r.finish()?;
        Ok(v)
    }
}

/// Appends an ST "System Use Sharing Protocol Terminator" entry (SUSP 5.4).
pub fn encode_st(out: &mut Vec<u8>) {
    out.extend_from_slice(&[b'S', b'T', ST_LEN as u8, 1]);
}

/// Appends a PD "Padding Field" entry of `len` bytes in total (SUSP 5.2), `len` ≥ 4.
///
/// # Errors
/// [`FormatError::Unencodable`] if `len` is below 4 or above 255.
pub fn encode_pd(out: &mut Vec<u8>, len: usize) -> Result<(), FormatError> {
    if len < ENTRY_HEADER_LEN {
        return Err(FormatError::Unencodable {
            structure: "SUSP PD entry",
            field: "LEN",
            detail: format!("{len} < 4"),
        });
    }
    put_entry(out, *b"PD", 1, &vec![0; len - ENTRY_HEADER_LEN])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let mut v = Vec::new();
        SharingProtocolIndicator { len_skp: 0 }.encode(&mut v);
        let ce = ContinuationArea {
            block_location: 23,
            offset: 100,
            length: 237,
        };
        ce.encode(&mut v);
        let mut v2 = Vec::new();
        ExtensionsReference::rrip_1991a().encode(&mut v2).unwrap();
        v.extend_from_slice(&v2);
        encode_pd(&mut v, 6).unwrap();
        encode_st(&mut v);
        v.extend_from_slice(b"XX\x04\x01"); // after ST: not read
        let es: Vec<_> = SuspEntries::new(&v, 0).collect::<Result<_, _>>().unwrap();
        assert_eq!(es.len(), 5);
        assert_eq!(SharingProtocolIndicator::decode(&es[0]).unwrap().len_skp, 0);
        assert_eq!(ContinuationArea::decode(&es[1]).unwrap(), ce);
        let er = ExtensionsReference::decode(&es[2]).unwrap();
        assert_eq!(er, ExtensionsReference::rrip_1991a());
        assert_eq!(er.len(), 237);
        assert_eq!(&es[3].signature, b"PD");
        assert_eq!(&es[4].signature, b"ST");
    }

    #[test]
    fn hostile_areas_end_with_an_error() {
        // Length 2: error, then the iterator stops.
        let mut it = SuspEntries::new(b"PX\x02\x01PX\x02\x01", 0);
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
        // Length past the area.
        let mut it = SuspEntries::new(b"PX\xff\x01ab", 0);
        assert!(it.next().unwrap().is_err());
        // Three padding bytes: no entry.
        assert!(SuspEntries::new(b"\0\0\0", 0).next().is_none());
        // skip beyond the area: nothing.
        assert!(SuspEntries::new(b"PX", 9).next().is_none());
        let e = SuspEntry {
            signature: *b"CE",
            version: 1,
            data: &[0; 10],
        };
        assert!(ContinuationArea::decode(&e).is_err());
        let e = SuspEntry {
            signature: *b"ER",
            version: 1,
            data: &[5, 0, 0, 1, b'a'],
        };
        assert!(ExtensionsReference::decode(&e).is_err());
    }
}
