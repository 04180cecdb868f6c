//! SUSP (IEEE P1281) entry walking with continuation areas, and the collection of Rock
//! Ridge (IEEE P1282) entries of one directory record.

use discburn_format::rrip::{
    AlternateName, ComponentFlags, DeviceNumber, NameFlags, PosixFileAttributes, SymbolicLink,
    TfTime, TimeStampFlags, TimeStamps, mode,
};
use discburn_format::susp::{
    ContinuationArea, ExtensionsReference, SharingProtocolIndicator, SuspEntries, SuspEntry,
};
use discburn_format::{FormatError, rrip};

use crate::error::{Limit, Place, ReadError};
use crate::record::parse_record;
use crate::source::{SECTOR_SIZE, SectorSource, read_into, read_sector};
use crate::tree::{Md5Area, NodeKind, RockRidge, RrTimes};
use crate::volume::{ReadOptions, RockRidgeInfo, VolumeInfo};
use discburn_format::md5sum;

/// Extension identifiers that announce Rock Ridge (RRIP 1.10 "RRIP_1991A", RRIP 1.12
/// "IEEE_P1282" and the published "IEEE_1282").
pub(crate) const RRIP_IDS: [&[u8]; 3] = [b"RRIP_1991A", b"IEEE_P1282", b"IEEE_1282"];

/// `place` advanced by `bytes` (renormalized to sector + offset).
pub(crate) fn advance(place: Place, bytes: usize) -> Place {
    let abs = u64::from(place.offset) + bytes as u64;
    Place {
        structure: place.structure,
        lba: place.lba.saturating_add(abs / SECTOR_SIZE as u64),
        offset: (abs % SECTOR_SIZE as u64) as u32,
    }
}

fn fmt_err(place: Place, structure: &'static str, source: FormatError) -> ReadError {
    ReadError::Format {
        place: Place { structure, ..place },
        source,
    }
}

/// Walks the SUSP entries of System Use fields and their continuation areas, with a small
/// sector cache (continuation areas of neighbouring records usually share a sector) and
/// the per-tree continuation byte budget.
#[derive(Debug, Default)]
pub(crate) struct SuspWalker {
    cache: Vec<(u64, Box<[u8; SECTOR_SIZE]>)>,
    next_slot: usize,
    area: Vec<u8>,
    chain: Vec<(u64, u32)>,
    pub ce_bytes: u64,
}

const CACHE_SECTORS: usize = 8;

impl SuspWalker {
    fn cached(
        &mut self,
        src: &mut (impl SectorSource + ?Sized),
        lba: u64,
    ) -> Result<&[u8; SECTOR_SIZE], ReadError> {
        if let Some(i) = self.cache.iter().position(|(l, _)| *l == lba) {
            return Ok(&self.cache[i].1);
        }
        let s = read_sector(src, lba)?;
        let slot = if self.cache.len() < CACHE_SECTORS {
            self.cache.push((lba, s));
            self.cache.len() - 1
        } else {
            let i = self.next_slot;
            self.next_slot = (i + 1) % CACHE_SECTORS;
            self.cache[i] = (lba, s);
            i
        };
        Ok(&self.cache[slot].1)
    }

    /// Calls `f` for every entry of the System Use field `su` (after `skip` bytes) and of
    /// the continuation areas it chains to. `su_place` is where `su` starts. A zero
    /// signature ends an area (padding). CE entries are followed, not passed to `f`.
    pub fn for_each(
        &mut self,
        src: &mut (impl SectorSource + ?Sized),
        su: &[u8],
        skip: usize,
        su_place: Place,
        options: &ReadOptions,
        mut f: impl FnMut(&SuspEntry<'_>, Place) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        let total = src.total_sectors();
        self.chain.clear();
        let first = su.get(skip..).unwrap_or(&[]);
        let mut base = advance(su_place, skip);
        let mut next = walk_area(first, base, &mut f)?;
        let mut area = std::mem::take(&mut self.area);
        let res = loop {
            let Some((ce, ce_place)) = next else {
                break Ok(());
            };
            if self.chain.len() as u32 >= options.max_continuation_areas {
                break Err(ReadError::limit(
                    ce_place,
                    Limit::ContinuationAreas,
                    options.max_continuation_areas.into(),
                ));
            }
            if ce.length == 0 {
                break Ok(());
            }
            let start = u64::from(ce.block_location) * SECTOR_SIZE as u64 + u64::from(ce.offset);
            let end = start + u64::from(ce.length);
            let first_lba = start / SECTOR_SIZE as u64;
            let end_lba = end.div_ceil(SECTOR_SIZE as u64);
            if end_lba > total {
                break Err(ReadError::ExtentPastEnd {
                    place: ce_place,
                    start: first_lba,
                    end: end_lba,
                    total_sectors: total,
                });
            }
            let key = (first_lba, (start % SECTOR_SIZE as u64) as u32);
            if self.chain.contains(&key) {
                break Err(ReadError::ContinuationLoop {
                    place: ce_place,
                    lba: key.0,
                    offset: key.1,
                });
            }
            self.chain.push(key);
            self.ce_bytes += u64::from(ce.length);
            if self.ce_bytes > options.max_continuation_bytes {
                break Err(ReadError::limit(
                    ce_place,
                    Limit::ContinuationBytes,
                    options.max_continuation_bytes,
                ));
            }
            let off = (start % SECTOR_SIZE as u64) as usize;
            let len = ce.length as usize;
            area.clear();
            if end_lba - first_lba == 1 {
                match self.cached(src, first_lba) {
                    Ok(s) => area.extend_from_slice(&s[off..off + len]),
                    Err(e) => break Err(e),
                }
            } else {
                if let Err(e) = read_into(src, first_lba, end_lba - first_lba, &mut area) {
                    break Err(e);
                }
                area.drain(..off);
                area.truncate(len);
            }
            base = Place::new("SUSP continuation area", key.0, key.1);
            next = match walk_area(&area, base, &mut f) {
                Ok(n) => n,
                Err(e) => break Err(e),
            };
        };
        self.area = area;
        res
    }
}

/// Iterates one area; returns the CE entry found in it (the last one), if any.
fn walk_area(
    area: &[u8],
    base: Place,
    f: &mut impl FnMut(&SuspEntry<'_>, Place) -> Result<(), ReadError>,
) -> Result<Option<(ContinuationArea, Place)>, ReadError> {
    let mut off = 0usize;
    let mut ce = None;
    for e in SuspEntries::new(area, 0) {
        let here = advance(base, off);
        let e = match e {
            Ok(e) => e,
            Err(err) => {
                // Zero padding after the last entry is not an entry.
                if area.get(off..off + 2) == Some(&[0, 0]) {
                    break;
                }
                return Err(fmt_err(here, "SUSP entry", err));
            }
        };
        if e.signature == [0, 0] {
            break;
        }
        if e.signature == ContinuationArea::SIGNATURE {
            let c = ContinuationArea::decode(&e).map_err(|x| fmt_err(here, "SUSP CE entry", x))?;
            ce = Some((
                c,
                Place {
                    structure: "SUSP CE entry",
                    ..here
                },
            ));
        } else {
            f(&e, here)?;
        }
        off += e.len();
    }
    Ok(ce)
}

/// The Rock Ridge entries of one directory record, collected across System Use field
/// and continuation areas. Buffers are reused from record to record.
#[derive(Debug, Default)]
pub(crate) struct RrEntries {
    pub name: Vec<u8>,
    pub has_name: bool,
    name_continues: bool,
    pub target: Vec<u8>,
    pub has_target: bool,
    component_continues: bool,
    /// The last component record was ROOT (itself the '/').
    after_root: bool,
    pub px: Option<PosixFileAttributes>,
    pub pn: Option<DeviceNumber>,
    pub times: RrTimes,
    pub cl: Option<(u32, Place)>,
    pub pl: Option<u32>,
    pub re: bool,
    pub any: bool,
    /// AAIP 2.0 attributes (AL entries), bounded.
    pub al: discburn_format::md5sum::AlCollector,
}

fn tf_time(t: &TfTime) -> Option<i64> {
    match t {
        TfTime::Short(d) => d.to_unix(),
        TfTime::Long(d) => d.to_unix(),
    }
}

impl RrEntries {
    pub fn reset(&mut self) {
        self.name.clear();
        self.has_name = false;
        self.name_continues = false;
        self.target.clear();
        self.has_target = false;
        self.component_continues = false;
        self.after_root = false;
        self.px = None;
        self.pn = None;
        self.times = RrTimes::default();
        self.cl = None;
        self.pl = None;
        self.re = false;
        self.any = false;
        self.al.reset();
    }

    /// Takes one SUSP entry into account. Unknown signatures (AA, ZF, SF, …) are ignored.
    pub fn apply(
        &mut self,
        e: &SuspEntry<'_>,
        place: Place,
        options: &ReadOptions,
    ) -> Result<(), ReadError> {
        match &e.signature {
            b"NM" => {
                self.any = true;
                let nm =
                    AlternateName::decode(e).map_err(|x| fmt_err(place, "RRIP NM entry", x))?;
                if self.has_name && !self.name_continues {
                    return Ok(()); // a second, unrelated NM: the first name wins
                }
                if nm.flags.intersects(NameFlags::CURRENT | NameFlags::PARENT) {
                    return Ok(());
                }
                self.has_name = true;
                if self.name.len() + nm.content.len() > options.max_name_bytes {
                    return Err(ReadError::limit(
                        Place {
                            structure: "RRIP NM entry",
                            ..place
                        },
                        Limit::NameBytes,
                        options.max_name_bytes as u64,
                    ));
                }
                self.name.extend_from_slice(nm.content);
                self.name_continues = nm.flags.contains(NameFlags::CONTINUE);
            }
            b"SL" => {
                self.any = true;
                let sl = SymbolicLink::decode(e).map_err(|x| fmt_err(place, "RRIP SL entry", x))?;
                let first = !self.has_target;
                self.has_target = true;
                for (i, c) in sl.components.iter().enumerate() {
                    let fresh = first && i == 0;
                    // A '/' separates complete components (RRIP 4.1.3.1); ROOT is
                    // itself a '/' that no separator follows, also within a target
                    // ("a//b" is "a", ROOT, "b" as genisoimage and xorriso write it).
                    if !self.component_continues && !fresh && !self.after_root {
                        self.target.push(b'/');
                    }
                    self.after_root = c.flags.contains(ComponentFlags::ROOT);
                    if self.after_root {
                        self.target.push(b'/');
                    } else if c.flags.contains(ComponentFlags::CURRENT) {
                        self.target.push(b'.');
                    } else if c.flags.contains(ComponentFlags::PARENT) {
                        self.target.extend_from_slice(b"..");
                    } else {
                        self.target.extend_from_slice(c.content);
                    }
                    self.component_continues = c.flags.contains(ComponentFlags::CONTINUE);
                    if self.target.len() > options.max_symlink_bytes {
                        return Err(ReadError::limit(
                            Place {
                                structure: "RRIP SL entry",
                                ..place
                            },
                            Limit::SymlinkBytes,
                            options.max_symlink_bytes as u64,
                        ));
                    }
                }
            }
            b"PX" => {
                self.any = true;
                self.px = Some(
                    PosixFileAttributes::decode(e)
                        .map_err(|x| fmt_err(place, "RRIP PX entry", x))?,
                );
            }
            b"PN" => {
                self.any = true;
                self.pn =
                    Some(DeviceNumber::decode(e).map_err(|x| fmt_err(place, "RRIP PN entry", x))?);
            }
            b"TF" => {
                self.any = true;
                let tf = TimeStamps::decode(e).map_err(|x| fmt_err(place, "RRIP TF entry", x))?;
                let mut it = tf.stamps.iter();
                for (flag, slot) in [
                    (TimeStampFlags::CREATION, &mut self.times.creation),
                    (TimeStampFlags::MODIFY, &mut self.times.modify),
                    (TimeStampFlags::ACCESS, &mut self.times.access),
                    (TimeStampFlags::ATTRIBUTES, &mut self.times.attributes),
                ] {
                    if tf.flags.contains(flag) {
                        *slot = it.next().and_then(tf_time);
                    }
                }
            }
            b"CL" => {
                self.any = true;
                let cl =
                    rrip::ChildLink::decode(e).map_err(|x| fmt_err(place, "RRIP CL entry", x))?;
                self.cl = Some((
                    cl.location,
                    Place {
                        structure: "RRIP CL entry",
                        ..place
                    },
                ));
            }
            b"PL" => {
                self.any = true;
                let pl =
                    rrip::ParentLink::decode(e).map_err(|x| fmt_err(place, "RRIP PL entry", x))?;
                self.pl = Some(pl.location);
            }
            b"RE" => {
                self.any = true;
                self.re = true;
            }
            b"RR" => self.any = true,
            b"AL" => {
                // AAIP 2.0 (libisofs doc/susp_aaip_2_0.txt); only isofs.ca and
                // isofs.cx are used, so a few KiB per record are kept at most.
                let mut entry = Vec::with_capacity(e.len());
                entry.extend_from_slice(b"AL");
                entry.push(e.len().min(255) as u8);
                entry.push(e.version);
                entry.extend_from_slice(e.data);
                self.al
                    .push_entry(&entry, 4096)
                    .map_err(|x| fmt_err(place, "AAIP AL entry", x))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The node kind these entries give a non-directory record.
    pub fn file_kind(&self) -> NodeKind {
        match self.px.map(|p| p.mode & mode::S_IFMT) {
            Some(mode::S_IFLNK) => NodeKind::Symlink,
            Some(mode::S_IFCHR) => NodeKind::CharDevice,
            Some(mode::S_IFBLK) => NodeKind::BlockDevice,
            Some(mode::S_IFIFO) => NodeKind::Fifo,
            Some(mode::S_IFSOCK) => NodeKind::Socket,
            None if self.has_target => NodeKind::Symlink,
            _ => NodeKind::File,
        }
    }

    /// The attributes to store.
    pub fn attributes(&self) -> RockRidge {
        RockRidge {
            mode: self.px.map_or(0, |p| p.mode),
            nlink: self.px.map_or(0, |p| p.links),
            uid: self.px.map_or(0, |p| p.uid),
            gid: self.px.map_or(0, |p| p.gid),
            inode: self.px.and_then(|p| p.serial),
            device: self.pn.map(|d| (d.high, d.low)),
            times: self.times,
            has_px: self.px.is_some(),
            relocated: false,
            md5_index: self
                .al
                .get(md5sum::NAME_CX)
                .filter(|v| (1..=4).contains(&v.len()))
                .map(|v| v.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b))),
            md5_area: self
                .al
                .get(md5sum::NAME_CA)
                .and_then(|v| md5sum::ChecksumArea::decode(v).ok())
                .filter(|a| a.size == 16 && a.algorithm == b"MD5" && a.count >= 2)
                .map(|a| Md5Area {
                    start_lba: a.start_lba,
                    end_lba: a.end_lba,
                    count: a.count,
                }),
        }
    }
}

/// Detects SUSP and Rock Ridge from the root directory's "." record (SUSP 5.3: the SP
/// entry at byte 0 of its System Use field; SUSP 5.5 ER entries there or in its
/// continuation areas).
///
/// Rock Ridge counts as present if an ER names RRIP, or if there is no ER at all but the
/// root carries RRIP entries (RRIP 1.09 discs without ER).
pub(crate) fn detect(
    src: &mut (impl SectorSource + ?Sized),
    primary: &VolumeInfo,
    options: &ReadOptions,
) -> Result<Option<RockRidgeInfo>, ReadError> {
    let lba = u64::from(primary.root.lba);
    let sector = read_sector(src, lba)?;
    if sector[0] == 0 {
        return Err(ReadError::invalid(
            Place::new("root directory", lba, 0),
            "the root directory does not start with a \".\" record",
        ));
    }
    let rec = parse_record(&sector[..])
        .map_err(|d| ReadError::invalid(Place::new("directory record", lba, 0), d))?;
    let su_place = Place::new("System Use field", lba, (rec.len - rec.su.len()) as u32);
    let Some(sp) = SuspEntries::new(rec.su, 0).next().and_then(Result::ok) else {
        return Ok(None);
    };
    let Ok(sp) = SharingProtocolIndicator::decode(&sp) else {
        return Ok(None);
    };
    let mut extensions = Vec::new();
    let mut rr_id = None;
    let mut entries = RrEntries::default();
    let mut walker = SuspWalker::default();
    walker.for_each(src, rec.su, 0, su_place, options, |e, place| {
        if e.signature == ExtensionsReference::SIGNATURE {
            let er =
                ExtensionsReference::decode(e).map_err(|x| fmt_err(place, "SUSP ER entry", x))?;
            let id = String::from_utf8_lossy(er.identifier).into_owned();
            if rr_id.is_none() && RRIP_IDS.contains(&er.identifier) {
                rr_id = Some(id.clone());
            }
            extensions.push(id);
            Ok(())
        } else {
            entries.apply(e, place, options)
        }
    })?;
    let rr = match rr_id {
        Some(id) => Some(id),
        None if extensions.is_empty() && entries.any => Some(String::new()),
        None => None,
    };
    Ok(rr.map(|extension_identifier| RockRidgeInfo {
        extension_identifier,
        len_skp: sp.len_skp,
        extensions,
    }))
}
