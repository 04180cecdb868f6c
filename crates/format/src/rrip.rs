//! Rock Ridge Interchange Protocol 1.12 (IEEE P1282) System Use entries: PX, PN, SL, NM,
//! TF, CL, PL, RE. Each type encodes to complete SUSP entries and decodes from a
//! [`SuspEntry`].

use crate::FormatError;
use crate::codec::{Reader, put_both_u32};
use crate::iso9660::{DecDateTime, DirectoryDateTime};
use crate::susp::{SuspEntry, put_entry};
use zerocopy::{FromBytes, IntoBytes};

/// Longest data part of one SUSP entry (255 − 4 header bytes).
const MAX_DATA: usize = 255 - 4;

fn check(e: &SuspEntry<'_>, sig: &[u8; 2], structure: &'static str) -> Result<(), FormatError> {
    if &e.signature != sig {
        return Err(FormatError::Invalid {
            structure,
            field: "Signature Word",
            offset: 0,
            detail: String::from_utf8_lossy(&e.signature).into_owned(),
        });
    }
    Ok(())
}

/// POSIX file type bits of `st_mode` (RRIP 4.1.1 uses POSIX 5.6.1 values).
pub mod mode {
    /// Socket.
    pub const S_IFSOCK: u32 = 0o140000;
    /// Symbolic link.
    pub const S_IFLNK: u32 = 0o120000;
    /// Regular file.
    pub const S_IFREG: u32 = 0o100000;
    /// Block device.
    pub const S_IFBLK: u32 = 0o060000;
    /// Directory.
    pub const S_IFDIR: u32 = 0o040000;
    /// Character device.
    pub const S_IFCHR: u32 = 0o020000;
    /// FIFO.
    pub const S_IFIFO: u32 = 0o010000;
    /// Mask of the type bits.
    pub const S_IFMT: u32 = 0o170000;
}

/// RRIP 4.1.1 PX "POSIX file attributes". The 1.12 form (44 bytes) carries the File
/// Serial Number (inode number); the 1.10 form (36 bytes) does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PosixFileAttributes {
    /// POSIX File Mode, st_mode (BP 5–12).
    pub mode: u32,
    /// POSIX File Links, st_nlink (BP 13–20).
    pub links: u32,
    /// POSIX File User ID, st_uid (BP 21–28).
    pub uid: u32,
    /// POSIX File Group ID, st_gid (BP 29–36).
    pub gid: u32,
    /// POSIX File Serial Number, st_ino (BP 37–44; RRIP 1.12 only).
    pub serial: Option<u32>,
}

impl PosixFileAttributes {
    /// Signature "PX".
    pub const SIGNATURE: [u8; 2] = *b"PX";
    /// Length of the RRIP 1.12 entry.
    pub const LEN_1_12: usize = 44;
    /// Length of the RRIP 1.10 entry.
    pub const LEN_1_10: usize = 36;

    /// Encoded length.
    pub fn len(&self) -> usize {
        if self.serial.is_some() {
            Self::LEN_1_12
        } else {
            Self::LEN_1_10
        }
    }

    /// Always false (an entry is never empty); for symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the entry.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[b'P', b'X', self.len() as u8, 1]);
        put_both_u32(out, self.mode);
        put_both_u32(out, self.links);
        put_both_u32(out, self.uid);
        put_both_u32(out, self.gid);
        if let Some(s) = self.serial {
            put_both_u32(out, s);
        }
    }

    /// Decodes a PX entry of either form.
    ///
    /// # Errors
    /// [`FormatError`] for a wrong signature, a length other than 36 or 44, or
    /// disagreeing both-endian halves.
    pub fn decode(e: &SuspEntry<'_>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "RRIP PX entry")?;
        let mut r = Reader::new(e.data, "RRIP PX entry");
        let mut v = PosixFileAttributes {
            mode: r.both_u32("POSIX File Mode")?,
            links: r.both_u32("POSIX File Links")?,
            uid: r.both_u32("POSIX File User ID")?,
            gid: r.both_u32("POSIX File Group ID")?,
            serial: None,
        };
        if r.remaining() > 0 {
            v.serial = Some(r.both_u32("POSIX File Serial Number")?);
        }
        r.finish()?;
        Ok(v)
    }
}

/// RRIP 4.1.2 PN "POSIX device number".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceNumber {
    /// Dev_t High (BP 5–12).
    pub high: u32,
    /// Dev_t Low (BP 13–20).
    pub low: u32,
}

impl DeviceNumber {
    /// Signature "PN".
    pub const SIGNATURE: [u8; 2] = *b"PN";
    /// Entry length.
    pub const LEN: usize = 20;

    /// Appends the entry.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[b'P', b'N', Self::LEN as u8, 1]);
        put_both_u32(out, self.high);
        put_both_u32(out, self.low);
    }

    /// Decodes a PN entry.
    ///
    /// # Errors
    /// [`FormatError`] for a wrong signature or length.
    pub fn decode(e: &SuspEntry<'_>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "RRIP PN entry")?;
        let mut r = Reader::new(e.data, "RRIP PN entry");
        let v = DeviceNumber {
            high: r.both_u32("Dev_t High")?,
            low: r.both_u32("Dev_t Low")?,
        };
        r.finish()?;
        Ok(v)
    }
}

bitflags::bitflags! {
    /// RRIP 4.1.3.1 Component Record flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ComponentFlags: u8 {
        /// The component continues in the next component record.
        const CONTINUE = 0x01;
        /// The component is "." (current directory).
        const CURRENT = 0x02;
        /// The component is ".." (parent directory).
        const PARENT = 0x04;
        /// The component is the root directory ("/").
        const ROOT = 0x08;
        /// The component is the volume root (historical).
        const VOLROOT = 0x10;
        /// The component is the host name (historical).
        const HOST = 0x20;
    }
}

/// One RRIP 4.1.3.1 Component Record of an SL entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentRecord<'a> {
    /// Component Flags (BP 1).
    pub flags: ComponentFlags,
    /// Component Content (BP 3..), empty for ROOT/CURRENT/PARENT.
    pub content: &'a [u8],
}

/// Longest Component Content in one component record that still fits an SL entry
/// alone: 255 − 5 (SL header and flags) − 2 (component header).
pub const MAX_COMPONENT_CHUNK: usize = 248;

/// Splits a symbolic-link target into RRIP component records: a leading '/' becomes
/// ROOT, "." CURRENT, ".." PARENT, and components longer than
/// [`MAX_COMPONENT_CHUNK`] are split with CONTINUE. Repeated slashes (`a//b`, `//x`) are
/// kept as ROOT records and a trailing slash as an empty record (RRIP 4.1.3.1), so the
/// target reads back byte for byte.
pub fn symlink_components(target: &[u8]) -> Vec<ComponentRecord<'_>> {
    let mut out = Vec::new();
    for (flags, content) in logical_components(target) {
        if !flags.is_empty() || content.is_empty() {
            out.push(ComponentRecord { flags, content });
            continue;
        }
        let chunks: Vec<&[u8]> = content.chunks(MAX_COMPONENT_CHUNK).collect();
        let n = chunks.len();
        for (i, c) in chunks.into_iter().enumerate() {
            out.push(ComponentRecord {
                flags: if i + 1 < n {
                    ComponentFlags::CONTINUE
                } else {
                    ComponentFlags::empty()
                },
                content: c,
            });
        }
    }
    out
}

/// The components of a target, whole: ROOT, CURRENT, PARENT or text.
///
/// ROOT stands for a '/' that no separator follows: the leading one, and every further
/// slash of a run (`a//b` is `a`, ROOT, `b`; `//x` is ROOT, ROOT, `x`), as genisoimage
/// and xorriso record them and Linux, libarchive and libisofs read them. A single
/// trailing slash (`a/`) is an empty text component.
fn logical_components(target: &[u8]) -> Vec<(ComponentFlags, &[u8])> {
    let mut out = Vec::new();
    let rest = match target.strip_prefix(b"/") {
        Some(r) => {
            out.push((ComponentFlags::ROOT, &[][..]));
            r
        }
        None => target,
    };
    if rest.is_empty() {
        return out;
    }
    let comps: Vec<&[u8]> = rest.split(|&c| c == b'/').collect();
    let last = comps.len() - 1;
    for (i, comp) in comps.into_iter().enumerate() {
        let after_root = out.last().is_some_and(|(f, _)| *f == ComponentFlags::ROOT);
        out.push(match comp {
            b"" if i == last && after_root => break,
            b"" if i == last => (ComponentFlags::empty(), comp),
            b"" => (ComponentFlags::ROOT, comp),
            b"." => (ComponentFlags::CURRENT, &[][..]),
            b".." => (ComponentFlags::PARENT, &[][..]),
            _ => (ComponentFlags::empty(), comp),
        });
    }
    out
}

/// The SL entries (complete SUSP entries, each ≤ 255 bytes) that record `target`:
/// component records are packed into entries in order; every entry but the last has
/// the SL CONTINUE flag (RRIP 4.1.3).
///
/// An entry never ends with a complete component: its last component record has the
/// component CONTINUE flag (RRIP 4.1.3.1 bit 0), holding the first bytes of a text
/// component split there, or no bytes at all when the next component is not text.
/// Readers that start a new SL entry without a separator (libarchive) and readers that
/// add one between complete components of consecutive entries (Linux) then read the
/// same target.
pub fn encode_symlink_entries(target: &[u8]) -> Vec<Vec<u8>> {
    // Two bytes stay free in every entry for the closing empty CONTINUE record.
    const ROOM: usize = MAX_DATA - 2;
    let mut entries = Vec::new();
    let mut data: Vec<u8> = vec![0];
    let push = |data: &mut Vec<u8>, flags: ComponentFlags, content: &[u8]| {
        data.push(flags.bits());
        data.push(content.len() as u8);
        data.extend_from_slice(content);
    };
    for (flags, content) in logical_components(target) {
        if !flags.is_empty() || content.is_empty() {
            // ROOT, CURRENT, PARENT or an empty component: two bytes.
            if data.len() + 2 > ROOM {
                push(&mut data, ComponentFlags::CONTINUE, &[]);
                entries.push(std::mem::replace(&mut data, vec![0]));
            }
            push(&mut data, flags, &[]);
            continue;
        }
        let mut rest = content;
        while !rest.is_empty() {
            let room = ROOM.saturating_sub(data.len() + 2);
            let cap = room.min(MAX_COMPONENT_CHUNK);
            if rest.len() <= cap {
                push(&mut data, ComponentFlags::empty(), rest);
                break;
            }
            if cap == 0 {
                push(&mut data, ComponentFlags::CONTINUE, &[]);
                entries.push(std::mem::replace(&mut data, vec![0]));
                continue;
            }
            push(&mut data, ComponentFlags::CONTINUE, &rest[..cap]);
            rest = &rest[cap..];
            if cap == room {
                // The entry is full and ends inside this component.
                entries.push(std::mem::replace(&mut data, vec![0]));
            }
        }
    }
    entries.push(data);
    let n = entries.len();
    entries
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            if i + 1 < n {
                d[0] = 1;
            }
            let mut e = Vec::with_capacity(d.len() + 4);
            put_entry(&mut e, *b"SL", 1, &d).expect("SL data is bounded by MAX_DATA");
            e
        })
        .collect()
}

/// RRIP 4.1.3 SL "symbolic link" entry: a flags byte (bit 0 CONTINUE: the link target
/// goes on in the next SL entry) and component records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolicLink<'a> {
    /// Whether the next SL entry continues this one (Flags bit 0, BP 5).
    pub continues: bool,
    /// Component Area (BP 6..).
    pub components: Vec<ComponentRecord<'a>>,
}

impl<'a> SymbolicLink<'a> {
    /// Signature "SL".
    pub const SIGNATURE: [u8; 2] = *b"SL";

    /// Decodes an SL entry.
    ///
    /// # Errors
    /// [`FormatError`] for a wrong signature, an empty entry, or a component record
    /// running past the entry.
    pub fn decode(e: &SuspEntry<'a>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "RRIP SL entry")?;
        let mut r = Reader::new(e.data, "RRIP SL entry");
        let flags = r.u8()?;
        let mut components = Vec::new();
        while r.remaining() > 0 {
            let f = ComponentFlags::from_bits_retain(r.u8()?);
            let len = usize::from(r.u8()?);
            components.push(ComponentRecord {
                flags: f,
                content: r.take(len)?,
            });
        }
        Ok(SymbolicLink {
            continues: flags & 1 != 0,
            components,
        })
    }
}

/// Rebuilds a link target from the component records of consecutive SL entries
/// (the inverse of [`symlink_components`]).
pub fn join_symlink<'a>(components: impl IntoIterator<Item = ComponentRecord<'a>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut continuing = false;
    let mut first = true;
    let mut after_root = false;
    for c in components {
        // A '/' separates complete components; ROOT is itself a '/' that no separator
        // follows, also within a target ("a//b" is "a", ROOT, "b").
        if !continuing && !first && !after_root {
            out.push(b'/');
        }
        first = false;
        after_root = c.flags.contains(ComponentFlags::ROOT);
        if after_root {
            out.push(b'/');
        } else if c.flags.contains(ComponentFlags::CURRENT) {
            out.push(b'.');
        } else if c.flags.contains(ComponentFlags::PARENT) {
            out.extend_from_slice(b"..");
        } else {
            out.extend_from_slice(c.content);
        }
        continuing = c.flags.contains(ComponentFlags::CONTINUE);
    }
    out
}

bitflags::bitflags! {
    /// RRIP 4.1.4 NM flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct NameFlags: u8 {
        /// The name continues in the next NM entry.
        const CONTINUE = 0x01;
        /// The name is "." .
        const CURRENT = 0x02;
        /// The name is "..".
        const PARENT = 0x04;
        /// The name is the host name (historical).
        const HOST = 0x20;
    }
}

/// Longest name content of one NM entry (255 − 5).
pub const MAX_NAME_CHUNK: usize = 250;

/// RRIP 4.1.4 NM "alternate name" entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlternateName<'a> {
    /// Flags (BP 5).
    pub flags: NameFlags,
    /// Name Content (BP 6..).
    pub content: &'a [u8],
}

impl<'a> AlternateName<'a> {
    /// Signature "NM".
    pub const SIGNATURE: [u8; 2] = *b"NM";

    /// Appends the entry.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] if the content exceeds [`MAX_NAME_CHUNK`].
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let mut d = Vec::with_capacity(1 + self.content.len());
        d.push(self.flags.bits());
        d.extend_from_slice(self.content);
        put_entry(out, Self::SIGNATURE, 1, &d)
    }

    /// Decodes an NM entry.
    ///
    /// # Errors
    /// [`FormatError`] for a wrong signature or an entry without flags.
    pub fn decode(e: &SuspEntry<'a>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "RRIP NM entry")?;
        let mut r = Reader::new(e.data, "RRIP NM entry");
        Ok(AlternateName {
            flags: NameFlags::from_bits_retain(r.u8()?),
            content: r.rest(),
        })
    }
}

/// The NM entries (complete SUSP entries) recording `name`, split into chunks of at
/// most [`MAX_NAME_CHUNK`] bytes with CONTINUE on all but the last.
pub fn encode_name_entries(name: &[u8]) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = if name.is_empty() {
        vec![name]
    } else {
        name.chunks(MAX_NAME_CHUNK).collect()
    };
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut e = Vec::with_capacity(5 + c.len());
            AlternateName {
                flags: if i + 1 < n {
                    NameFlags::CONTINUE
                } else {
                    NameFlags::empty()
                },
                content: c,
            }
            .encode(&mut e)
            .expect("chunk bounded by MAX_NAME_CHUNK");
            e
        })
        .collect()
}

bitflags::bitflags! {
    /// RRIP 4.1.6 TF flags: which time stamps are recorded, in this order.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct TimeStampFlags: u8 {
        /// Creation time.
        const CREATION = 0x01;
        /// Modification time (st_mtime).
        const MODIFY = 0x02;
        /// Last access time (st_atime).
        const ACCESS = 0x04;
        /// Last attribute change time (st_ctime).
        const ATTRIBUTES = 0x08;
        /// Last backup time.
        const BACKUP = 0x10;
        /// Expiration time.
        const EXPIRATION = 0x20;
        /// Effective time.
        const EFFECTIVE = 0x40;
        /// Time stamps are in the 17-byte ECMA-119 8.4.26.1 form instead of 7-byte 9.1.5.
        const LONG_FORM = 0x80;
    }
}

/// One TF time stamp, in the short (9.1.5) or long (8.4.26.1) form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TfTime {
    /// 7-byte ECMA-119 9.1.5 form.
    Short(DirectoryDateTime),
    /// 17-byte ECMA-119 8.4.26.1 form.
    Long(DecDateTime),
}

/// RRIP 4.1.6 TF "time stamp(s) for a file". The recorded stamps are, in flag order,
/// creation, modify, access, attributes, backup, expiration, effective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStamps {
    /// Flags (BP 5).
    pub flags: TimeStampFlags,
    /// The stamps present, in flag-bit order.
    pub stamps: Vec<TfTime>,
}

impl TimeStamps {
    /// Signature "TF".
    pub const SIGNATURE: [u8; 2] = *b"TF";

    /// Short-form TF with modify, access and attribute-change times (what xorriso and
    /// genisoimage record).
    pub fn short(
        modify: DirectoryDateTime,
        access: DirectoryDateTime,
        attributes: DirectoryDateTime,
    ) -> Self {
        TimeStamps {
            flags: TimeStampFlags::MODIFY | TimeStampFlags::ACCESS | TimeStampFlags::ATTRIBUTES,
            stamps: vec![
                TfTime::Short(modify),
                TfTime::Short(access),
                TfTime::Short(attributes),
            ],
        }
    }

    /// Encoded length: 5 + n × (7 or 17).
    pub fn len(&self) -> usize {
        let per = if self.flags.contains(TimeStampFlags::LONG_FORM) {
            17
        } else {
            7
        };
        5 + (self.flags.bits() & 0x7F).count_ones() as usize * per
    }

    /// Whether no stamp is recorded.
    pub fn is_empty(&self) -> bool {
        self.stamps.is_empty()
    }

    /// Appends the entry.
    ///
    /// # Errors
    /// [`FormatError::Unencodable`] if the number or form of the stamps disagrees with
    /// the flags.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let long = self.flags.contains(TimeStampFlags::LONG_FORM);
        let n = (self.flags.bits() & 0x7F).count_ones() as usize;
        let bad = self.stamps.len() != n
            || self
                .stamps
                .iter()
                .any(|s| matches!(s, TfTime::Long(_)) != long);
        if bad {
            return Err(FormatError::Unencodable {
                structure: "RRIP TF entry",
                field: "Flags",
                detail: format!("{n} stamps flagged, {} given", self.stamps.len()),
            });
        }
        let mut d = vec![self.flags.bits()];
        for s in &self.stamps {
            match s {
                TfTime::Short(t) => d.extend_from_slice(t.as_bytes()),
                TfTime::Long(t) => d.extend_from_slice(t.as_bytes()),
            }
        }
        put_entry(out, Self::SIGNATURE, 1, &d)
    }

    /// Decodes a TF entry.
    ///
    /// # Errors
    /// [`FormatError`] if the entry is shorter or longer than its flags say.
    pub fn decode(e: &SuspEntry<'_>) -> Result<Self, FormatError> {
        check(e, &Self::SIGNATURE, "RRIP TF entry")?;
        let mut r = Reader::new(e.data, "RRIP TF entry");
        let flags = TimeStampFlags::from_bits_retain(r.u8()?);
        let long = flags.contains(TimeStampFlags::LONG_FORM);
        let mut stamps = Vec::new();
        for _ in 0..(flags.bits() & 0x7F).count_ones() {
            if long {
                let b = r.take(17)?;
                stamps.push(TfTime::Long(
                    DecDateTime::read_from_bytes(b).map_err(|_| r.invalid("time stamp", "size"))?,
                ));
            } else {
                let b = r.take(7)?;
                stamps.push(TfTime::Short(
                    DirectoryDateTime::read_from_bytes(b)
                        .map_err(|_| r.invalid("time stamp", "size"))?,
                ));
            }
        }
        r.finish()?;
        Ok(TimeStamps { flags, stamps })
    }
}

/// RRIP 4.1.5.1 CL "child link": this file record stands for a directory relocated
/// elsewhere; the location is that directory's extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildLink {
    /// Location of Child Directory, an LBA (BP 5–12).
    pub location: u32,
}

/// RRIP 4.1.5.2 PL "parent link": in the ".." record of a relocated directory, the
/// extent of its original parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentLink {
    /// Location of Parent Directory, an LBA (BP 5–12).
    pub location: u32,
}

macro_rules! link_entry {
    ($t:ident, $sig:literal, $name:literal) => {
        impl $t {
            /// Signature.
            pub const SIGNATURE: [u8; 2] = *$sig;
            /// Entry length.
            pub const LEN: usize = 12;

            /// Appends the entry.
            pub fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&[$sig[0], $sig[1], Self::LEN as u8, 1]);
                put_both_u32(out, self.location);
            }

            /// Decodes the entry.
            ///
            /// # Errors
            /// [`FormatError`] for a wrong signature or length.
            pub fn decode(e: &SuspEntry<'_>) -> Result<Self, FormatError> {
                check(e, &Self::SIGNATURE, $name)?;
                let mut r = Reader::new(e.data, $name);
                let location = r.both_u32("Location")?;
                r.finish()?;
                Ok($t { location })
            }
        }
    };
}
link_entry!(ChildLink, b"CL", "RRIP CL entry");
link_entry!(ParentLink, b"PL", "RRIP PL entry");

/// Appends an RRIP 4.1.5.3 RE "relocated directory" entry (4 bytes, no data).
pub fn encode_re(out: &mut Vec<u8>) {
    out.extend_from_slice(b"RE\x04\x01");
}

/// RE entry length.
pub const RE_LEN: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::susp::SuspEntries;

    fn one(v: &[u8]) -> SuspEntry<'_> {
        let mut it = SuspEntries::new(v, 0);
        let e = it.next().unwrap().unwrap();
        assert!(it.next().is_none());
        e
    }

    #[test]
    fn px_pn_cl_pl_round_trip() {
        for serial in [None, Some(77)] {
            let px = PosixFileAttributes {
                mode: mode::S_IFREG | 0o644,
                links: 2,
                uid: 1000,
                gid: 100,
                serial,
            };
            let mut v = Vec::new();
            px.encode(&mut v);
            assert_eq!(v.len(), px.len());
            assert_eq!(PosixFileAttributes::decode(&one(&v)).unwrap(), px);
        }
        let pn = DeviceNumber {
            high: 0,
            low: 0x0801,
        };
        let mut v = Vec::new();
        pn.encode(&mut v);
        assert_eq!(DeviceNumber::decode(&one(&v)).unwrap(), pn);
        let mut v = Vec::new();
        ChildLink { location: 99 }.encode(&mut v);
        assert_eq!(ChildLink::decode(&one(&v)).unwrap().location, 99);
        assert!(ParentLink::decode(&one(&v)).is_err());
        let mut v = Vec::new();
        ParentLink { location: 5 }.encode(&mut v);
        assert_eq!(ParentLink::decode(&one(&v)).unwrap().location, 5);
        let mut v = Vec::new();
        encode_re(&mut v);
        assert_eq!(&one(&v).signature, b"RE");
    }

    #[test]
    fn nm_continuation_round_trip() {
        let name: Vec<u8> = (0..255u32).map(|i| b'a' + (i % 26) as u8).collect();
        let es = encode_name_entries(&name);
        assert_eq!(es.len(), 2);
        let mut joined = Vec::new();
        for (i, e) in es.iter().enumerate() {
            assert!(e.len() <= 255);
            let nm = AlternateName::decode(&one(e)).unwrap();
            assert_eq!(nm.flags.contains(NameFlags::CONTINUE), i == 0);
            joined.extend_from_slice(nm.content);
        }
        assert_eq!(joined, name);
    }

    /// How libarchive joins SL entries: each entry starts without a separator, a
    /// separator follows every component record but a CONTINUE one or ROOT.
    fn libarchive_join(entries: &[SymbolicLink<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for e in entries {
            let mut sep: &[u8] = b"";
            for c in &e.components {
                out.extend_from_slice(sep);
                sep = b"/";
                match c.flags.bits() {
                    0 => out.extend_from_slice(c.content),
                    1 => {
                        out.extend_from_slice(c.content);
                        sep = b"";
                    }
                    2 => out.push(b'.'),
                    4 => out.extend_from_slice(b".."),
                    8 => {
                        out.push(b'/');
                        sep = b"";
                    }
                    f => panic!("flags {f}"),
                }
            }
        }
        out
    }

    #[test]
    fn sl_records_repeated_slashes_as_genisoimage_and_xorriso_do() {
        // SL bytes genisoimage 1.1.11 and xorriso 1.5.4 write for these targets.
        for (target, want) in [
            ("a//b", &b"SL\x0d\x01\x00\x00\x01a\x08\x00\x00\x01b"[..]),
            ("//x", b"SL\x0c\x01\x00\x08\x00\x08\x00\x00\x01x"),
            (
                "/a//b//",
                b"SL\x11\x01\x00\x08\x00\x00\x01a\x08\x00\x00\x01b\x08\x00",
            ),
            ("a///", b"SL\x0c\x01\x00\x00\x01a\x08\x00\x08\x00"),
            ("//", b"SL\x09\x01\x00\x08\x00\x08\x00"),
        ] {
            assert_eq!(
                encode_symlink_entries(target.as_bytes()),
                vec![want.to_vec()],
                "{target}"
            );
            let sl = SymbolicLink::decode(&one(want)).unwrap();
            assert_eq!(join_symlink(sl.components), target.as_bytes());
        }
    }

    #[test]
    fn sl_round_trip_keeps_empty_components_and_splits_inside_components() {
        let long = "x".repeat(600);
        let mut targets: Vec<String> = [
            "/usr/lib/../bin/./sh",
            "rel/a",
            "..",
            "/",
            "a//b",
            "//x",
            "a/",
            "/a//",
            &format!("a/{long}/b"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every split position near an entry boundary: component ends, "..", "." and
        // empty components right at it.
        for pad in 230..260 {
            let p = "p".repeat(pad);
            targets.push(format!("{p}/q"));
            targets.push(format!("{p}/../q"));
            targets.push(format!("/{p}/./q"));
            targets.push(format!("{p}//q"));
            targets.push(format!("{p}/ab/{}/../..", "z".repeat(240)));
            targets.push(format!("{}/{p}", "../".repeat(pad / 3)));
        }
        for target in &targets {
            let es = encode_symlink_entries(target.as_bytes());
            let mut comps = Vec::new();
            let mut decoded = Vec::new();
            for (i, e) in es.iter().enumerate() {
                assert!(e.len() <= 255);
                let sl = SymbolicLink::decode(&one(e)).unwrap();
                assert_eq!(sl.continues, i + 1 < es.len());
                if sl.continues {
                    let last = sl.components.last().expect("a component");
                    assert_eq!(last.flags, ComponentFlags::CONTINUE, "{target}");
                }
                comps.extend(sl.components.iter().copied());
                decoded.push(sl);
            }
            assert_eq!(String::from_utf8(join_symlink(comps)).unwrap(), *target);
            assert_eq!(
                String::from_utf8(libarchive_join(&decoded)).unwrap(),
                *target
            );
        }
        let e = SuspEntry {
            signature: *b"SL",
            version: 1,
            data: &[0, 0, 9, b'a'],
        };
        assert!(SymbolicLink::decode(&e).is_err());
    }

    #[test]
    fn tf_round_trip() {
        let t = DirectoryDateTime::from_unix(1_600_000_000, 0);
        let tf = TimeStamps::short(t, t, t);
        let mut v = Vec::new();
        tf.encode(&mut v).unwrap();
        assert_eq!(v.len(), 26);
        assert_eq!(tf.len(), 26);
        assert_eq!(TimeStamps::decode(&one(&v)).unwrap(), tf);
        let long = TimeStamps {
            flags: TimeStampFlags::MODIFY | TimeStampFlags::LONG_FORM,
            stamps: vec![TfTime::Long(DecDateTime::from_unix(5, 0))],
        };
        let mut v = Vec::new();
        long.encode(&mut v).unwrap();
        assert_eq!(TimeStamps::decode(&one(&v)).unwrap(), long);
        v.truncate(v.len() - 1);
        v[2] -= 1;
        assert!(TimeStamps::decode(&one(&v)).is_err());
        let bad = TimeStamps {
            flags: TimeStampFlags::MODIFY,
            stamps: vec![],
        };
        assert!(bad.encode(&mut Vec::new()).is_err());
    }
}
