//! libisofs MD5 checksums (libisofs doc/checksums.txt, "Representation in the Image"):
//! the stream-recognizable checksum tags (one block each) and the AAIP 2.0 attributes
//! `isofs.ca` (root: where the checksum array lies) and `isofs.cx` (file: its index in
//! the array), carried in SUSP "AL" entries (libisofs doc/susp_aaip_2_0.txt).
//!
//! A tag is one line of text at the start of a block, the rest zeros:
//! `Tag_id pos=# range_start=# range_size=# [next=#|session_start=#] md5=HEX self=HEX\n`.
//! `self=` is the MD5 of the line up to and including the last hex digit of `md5=`.
//! The MD5 itself is computed by the caller (this crate has no hash); [`ChecksumTag::encode`]
//! and [`ChecksumTag::decode`] take it as a function.

use crate::FormatError;

/// Which of the libisofs checksum tags (checksums.txt, "The Checksum Tags").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagKind {
    /// `libisofs_checksum_tag_v1`: after all payload and the checksum array; covers the
    /// whole session up to the tag.
    Session,
    /// `libisofs_sb_checksum_tag_v1`: right after the Volume Descriptor Set Terminator.
    Superblock,
    /// `libisofs_tree_checksum_tag_v1`: after the directory tree.
    Tree,
    /// `libisofs_rlsb32_checksum_tag_v1`: in the 64 KiB head at LBA 0 of random-write
    /// media (multi-session emulation), after the copied descriptors; carries
    /// `session_start=`.
    RelocatedSuperblock,
}

impl TagKind {
    /// The tag identifier as written.
    pub fn id(self) -> &'static str {
        match self {
            TagKind::Session => "libisofs_checksum_tag_v1",
            TagKind::Superblock => "libisofs_sb_checksum_tag_v1",
            TagKind::Tree => "libisofs_tree_checksum_tag_v1",
            TagKind::RelocatedSuperblock => "libisofs_rlsb32_checksum_tag_v1",
        }
    }
}

/// A decoded checksum tag. All block numbers are absolute LBAs (2048-byte blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecksumTag {
    /// Tag type.
    pub kind: TagKind,
    /// `pos=`: the block where the tag says it is stored.
    pub pos: u32,
    /// `range_start=`: first block covered (the session start).
    pub range_start: u32,
    /// `range_size=`: number of blocks covered, from `range_start`.
    pub range_size: u32,
    /// `next=` (superblock and tree tags): where the next tag is.
    pub next: Option<u32>,
    /// `session_start=` (relocated superblock tag only).
    pub session_start: Option<u32>,
    /// `md5=`: MD5 of the covered blocks.
    pub md5: [u8; 16],
}

fn hex(bytes: &[u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl ChecksumTag {
    /// The text up to and including the last hex digit of `md5=` (what `self=` covers).
    fn body(&self) -> String {
        let mut s = format!(
            "{} pos={} range_start={} range_size={}",
            self.kind.id(),
            self.pos,
            self.range_start,
            self.range_size
        );
        if let Some(n) = self.next {
            s.push_str(&format!(" next={n}"));
        }
        if let Some(n) = self.session_start {
            s.push_str(&format!(" session_start={n}"));
        }
        s.push_str(&format!(" md5={}", hex(&self.md5)));
        s
    }

    /// Encodes the tag into one 2048-byte block; `md5` hashes the line for `self=`.
    pub fn encode(&self, md5: impl Fn(&[u8]) -> [u8; 16]) -> [u8; crate::SECTOR_SIZE] {
        let body = self.body();
        let line = format!("{body} self={}\n", hex(&md5(body.as_bytes())));
        let mut block = [0u8; crate::SECTOR_SIZE];
        block[..line.len()].copy_from_slice(line.as_bytes());
        block
    }

    /// Decodes a block as a tag. `Ok(None)`: the block does not start with a tag
    /// identifier. `Err`: it does, but the line is malformed or `self=` does not match
    /// (a damaged tag).
    pub fn decode(
        block: &[u8],
        md5: impl Fn(&[u8]) -> [u8; 16],
    ) -> Result<Option<ChecksumTag>, FormatError> {
        let kind = [
            TagKind::Session,
            TagKind::Superblock,
            TagKind::Tree,
            TagKind::RelocatedSuperblock,
        ]
        .into_iter()
        .find(|k| {
            let id = k.id().as_bytes();
            block.len() > id.len() && block.starts_with(id) && block[id.len()] == b' '
        });
        let Some(kind) = kind else {
            return Ok(None);
        };
        let bad = |offset: usize, reason: &'static str| FormatError::Invalid {
            structure: "libisofs checksum tag",
            field: "tag line",
            offset,
            detail: reason.to_string(),
        };
        let limit = block.len().min(crate::SECTOR_SIZE);
        let end = block[..limit]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad(0, "no newline ends the tag line"))?;
        let line = std::str::from_utf8(&block[..end]).map_err(|_| bad(0, "not text"))?;
        let mut tag = ChecksumTag {
            kind,
            pos: 0,
            range_start: 0,
            range_size: 0,
            next: None,
            session_start: None,
            md5: [0; 16],
        };
        let mut seen = [false; 4];
        let mut self_md5 = None;
        for (i, field) in line.split(' ').skip(1).enumerate() {
            let (key, value) = field
                .split_once('=')
                .ok_or_else(|| bad(i, "field without '='"))?;
            let num = || {
                value
                    .parse::<u32>()
                    .map_err(|_| bad(i, "number out of range"))
            };
            match key {
                "pos" => (tag.pos, seen[0]) = (num()?, true),
                "range_start" => (tag.range_start, seen[1]) = (num()?, true),
                "range_size" => (tag.range_size, seen[2]) = (num()?, true),
                "next" => tag.next = Some(num()?),
                "session_start" => tag.session_start = Some(num()?),
                "md5" => {
                    tag.md5 = unhex(value).ok_or_else(|| bad(i, "md5= is not 32 hex digits"))?;
                    seen[3] = true;
                }
                "self" => {
                    self_md5 =
                        Some(unhex(value).ok_or_else(|| bad(i, "self= is not 32 hex digits"))?)
                }
                _ => {}
            }
        }
        if !seen.iter().all(|&s| s) {
            return Err(bad(0, "pos, range_start, range_size or md5 missing"));
        }
        let self_md5 = self_md5.ok_or_else(|| bad(0, "self= missing"))?;
        let body_end = line.find(" self=").unwrap_or(line.len());
        if md5(&line.as_bytes()[..body_end]) != self_md5 {
            return Err(bad(0, "self= does not match the tag's text (damaged tag)"));
        }
        Ok(Some(tag))
    }
}

/// AAIP 2.0 name of the root attribute giving the checksum array's place ("isofs.ca"),
/// in the short namespace notation (0x04 = "isofs.").
pub const NAME_CA: &[u8] = b"\x04ca";
/// AAIP 2.0 name of a file's checksum index attribute ("isofs.cx").
pub const NAME_CX: &[u8] = b"\x04cx";

/// Value of `isofs.ca` (libisofs `iso_root_set_isofsca`): the session range whose MD5 is
/// entry 0 of the array, the number of entries and their size, and the algorithm name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumArea {
    /// First block of the checksummed range (the session start), absolute LBA.
    pub start_lba: u32,
    /// First block after the range: where the checksum array starts.
    pub end_lba: u32,
    /// Number of 16-byte entries: files + 2.
    pub count: u32,
    /// Bytes per entry (16 for MD5).
    pub size: u32,
    /// Algorithm name ("MD5").
    pub algorithm: Vec<u8>,
}

fn put_len_bytes(out: &mut Vec<u8>, v: u32, min: usize) {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(4 - min);
    out.push((4 - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

impl ChecksumArea {
    /// The attribute value: four length-prefixed big-endian numbers (start and end at
    /// least 4 bytes, count 4, size 1) followed by the algorithm name.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(20);
        put_len_bytes(&mut v, self.start_lba, 4);
        put_len_bytes(&mut v, self.end_lba, 4);
        put_len_bytes(&mut v, self.count, 4);
        put_len_bytes(&mut v, self.size, 1);
        v.extend_from_slice(&self.algorithm);
        v
    }

    /// Decodes an `isofs.ca` value.
    pub fn decode(v: &[u8]) -> Result<ChecksumArea, FormatError> {
        let mut pos = 0;
        let mut num = || -> Result<u32, FormatError> {
            let len = *v.get(pos).ok_or(FormatError::Short {
                structure: "AAIP isofs.ca value",
                offset: pos,
                needed: 1,
                available: 0,
            })? as usize;
            if len == 0 || len > 4 {
                return Err(FormatError::Invalid {
                    structure: "AAIP isofs.ca value",
                    field: "length of a number",
                    offset: pos,
                    detail: format!("{len}, not 1 to 4 bytes"),
                });
            }
            let b = v.get(pos + 1..pos + 1 + len).ok_or(FormatError::Short {
                structure: "AAIP isofs.ca value",
                offset: pos + 1,
                needed: len,
                available: v.len().saturating_sub(pos + 1),
            })?;
            pos += 1 + len;
            Ok(b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x)))
        };
        let start_lba = num()?;
        let end_lba = num()?;
        let count = num()?;
        let size = num()?;
        Ok(ChecksumArea {
            start_lba,
            end_lba,
            count,
            size,
            algorithm: v[pos..].to_vec(),
        })
    }
}

/// Encodes name/value pairs as AAIP 2.0 "AL" entries (each at most 255 bytes; all but
/// the last with the CONTINUE flag; components split into records of at most 255 bytes).
pub fn encode_al_entries(pairs: &[(&[u8], &[u8])]) -> Vec<Vec<u8>> {
    const MAX: usize = 255;
    let mut records: Vec<u8> = Vec::new();
    for (name, value) in pairs {
        for comp in [*name, *value] {
            let mut chunks = comp.chunks(255).peekable();
            if comp.is_empty() {
                records.extend_from_slice(&[0, 0]);
            }
            while let Some(c) = chunks.next() {
                records.push(u8::from(chunks.peek().is_some()));
                records.push(c.len() as u8);
                records.extend_from_slice(c);
            }
        }
    }
    let mut entries = Vec::new();
    let mut rest = &records[..];
    loop {
        let take = rest.len().min(MAX - 5);
        let last = take == rest.len();
        let mut e = vec![b'A', b'L', (take + 5) as u8, 1, u8::from(!last)];
        e.extend_from_slice(&rest[..take]);
        entries.push(e);
        rest = &rest[take..];
        if last {
            return entries;
        }
    }
}

/// Collects AAIP 2.0 attributes from consecutive "AL" entries (feed each entry's data,
/// from BP 5 on). Bounded: at most `max_bytes` of names and values are kept.
#[derive(Debug, Default, Clone)]
pub struct AlCollector {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    current: Vec<u8>,
    /// The pending component is a value (else a name).
    in_value: bool,
    pending_name: Vec<u8>,
    /// Bytes of the pending component record still to come from the next entry.
    record_left: usize,
    record_continue: bool,
    /// The attribute list is complete (an AL without CONTINUE was seen).
    pub complete: bool,
    kept: usize,
}

impl AlCollector {
    /// Takes one AL entry (the whole entry, signature included).
    pub fn push_entry(&mut self, entry: &[u8], max_bytes: usize) -> Result<(), FormatError> {
        if entry.len() < 5 || &entry[..2] != b"AL" {
            return Err(FormatError::Invalid {
                structure: "AAIP AL entry",
                field: "signature or length",
                offset: 0,
                detail: "shorter than 5 bytes or not AL".to_string(),
            });
        }
        let flags = entry[4];
        let mut data = &entry[5..];
        while !data.is_empty() {
            if self.record_left > 0 {
                let n = self.record_left.min(data.len());
                self.take(&data[..n], max_bytes);
                self.record_left -= n;
                data = &data[n..];
                if self.record_left == 0 && !self.record_continue {
                    self.end_component();
                }
                continue;
            }
            if data.len() < 2 {
                return Err(FormatError::Short {
                    structure: "AAIP AL component record",
                    offset: entry.len() - data.len(),
                    needed: 2,
                    available: data.len(),
                });
            }
            let (cflags, len) = (data[0], usize::from(data[1]));
            data = &data[2..];
            self.record_continue = cflags & 1 != 0;
            let n = len.min(data.len());
            self.take(&data[..n], max_bytes);
            data = &data[n..];
            self.record_left = len - n;
            if self.record_left == 0 && !self.record_continue {
                self.end_component();
            }
        }
        self.complete = flags & 1 == 0;
        Ok(())
    }

    fn take(&mut self, b: &[u8], max_bytes: usize) {
        let room = max_bytes.saturating_sub(self.kept);
        let n = b.len().min(room);
        self.current.extend_from_slice(&b[..n]);
        self.kept += n;
    }

    fn end_component(&mut self) {
        let c = std::mem::take(&mut self.current);
        if self.in_value {
            self.pairs.push((std::mem::take(&mut self.pending_name), c));
        } else {
            self.pending_name = c;
        }
        self.in_value = !self.in_value;
    }

    /// The value of attribute `name` (short or long notation of "isofs.").
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        let long: Option<Vec<u8>> = name
            .strip_prefix(b"\x04")
            .map(|rest| [b"isofs.".as_slice(), rest].concat());
        self.pairs
            .iter()
            .find(|(n, _)| n == name || long.as_deref() == Some(&n[..]))
            .map(|(_, v)| &v[..])
    }

    /// Forgets everything (for the next record).
    pub fn reset(&mut self) {
        *self = AlCollector::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_md5(b: &[u8]) -> [u8; 16] {
        let mut o = [0u8; 16];
        for (i, x) in b.iter().enumerate() {
            o[i % 16] ^= *x;
        }
        o
    }

    #[test]
    fn tag_round_trip_and_damage() {
        let t = ChecksumTag {
            kind: TagKind::Tree,
            pos: 57,
            range_start: 32,
            range_size: 25,
            next: Some(114),
            session_start: None,
            md5: [7; 16],
        };
        let mut b = t.encode(fake_md5);
        assert!(b.starts_with(
            b"libisofs_tree_checksum_tag_v1 pos=57 range_start=32 range_size=25 next=114 md5=0707"
        ));
        assert_eq!(ChecksumTag::decode(&b, fake_md5).unwrap(), Some(t));
        b[40] ^= 1;
        assert!(ChecksumTag::decode(&b, fake_md5).is_err());
        assert_eq!(ChecksumTag::decode(&[0u8; 2048], fake_md5).unwrap(), None);
        assert!(ChecksumTag::decode(b"libisofs_checksum_tag_v1 pos=1", fake_md5).is_err());
    }

    #[test]
    fn ca_and_al_round_trip() {
        let ca = ChecksumArea {
            start_lba: 32,
            end_lba: 113,
            count: 4,
            size: 16,
            algorithm: b"MD5".to_vec(),
        };
        let v = ca.encode();
        assert_eq!(
            v,
            b"\x04\x00\x00\x00\x20\x04\x00\x00\x00\x71\x04\x00\x00\x00\x04\x01\x10MD5"
        );
        assert_eq!(ChecksumArea::decode(&v).unwrap(), ca);
        let long = vec![9u8; 600];
        let e = encode_al_entries(&[(NAME_CA, &v), (b"user.x", &long), (NAME_CX, &[0, 0, 0, 1])]);
        assert!(e.len() > 2 && e.iter().all(|x| x.len() <= 255));
        let mut c = AlCollector::default();
        for x in &e {
            c.push_entry(x, 1 << 20).unwrap();
        }
        assert!(c.complete);
        assert_eq!(c.get(NAME_CA), Some(&v[..]));
        assert_eq!(c.get(b"user.x"), Some(&long[..]));
        assert_eq!(c.get(NAME_CX), Some(&[0u8, 0, 0, 1][..]));
        assert!(ChecksumArea::decode(&[5, 1]).is_err());
        assert!(ChecksumArea::decode(&[4, 1]).is_err());
    }
}
