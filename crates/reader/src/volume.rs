//! The volume descriptor set of one session (ECMA-119 8, Joliet SVD, El Torito boot
//! record, ECMA-167 volume recognition sequence) and the identification of the file
//! systems it holds.

use discburn_format::iso9660::{
    self, DecDateTime, PrimaryVolumeDescriptor, SupplementaryVolumeDescriptor, VD_TYPE_BOOT_RECORD,
    VD_TYPE_PRIMARY, VD_TYPE_SUPPLEMENTARY, VD_TYPE_TERMINATOR,
};
use discburn_format::{ecma167, eltorito, joliet};
use zerocopy::FromBytes;

use crate::error::{Limit, Place, ReadError};
use crate::record::{RawRecord, parse_record};
use crate::rr;
use crate::source::{SECTOR_SIZE, SectorSource, read_sector};
use crate::tree::{Extent, Tree, View};
use crate::walk;

bitflags::bitflags! {
    /// File systems, with IMAPI2's FsiFileSystems values (FsiFileSystemISO9660 = 1,
    /// FsiFileSystemJoliet = 2, FsiFileSystemUDF = 4) plus Rock Ridge (ours, 0x100): those
    /// found in a session here, those to create in `discburn_image` (the same type).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct FileSystems: u32 {
        /// ECMA-119 primary volume descriptor and directory hierarchy (FsiFileSystemISO9660).
        const ISO9660 = 1;
        /// Joliet supplementary volume descriptor (FsiFileSystemJoliet).
        const JOLIET = 2;
        /// UDF volume recognition sequence and anchor (FsiFileSystemUDF), read by
        /// [`crate::udf`].
        const UDF = 4;
        /// SUSP/Rock Ridge entries on the ECMA-119 hierarchy.
        const ROCK_RIDGE = 0x100;
    }
}

/// Limits that bound the work and memory of reading hostile media. The defaults fit any
/// real disc (a BD-R XL holds far fewer than four million files).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Most nodes in one tree (default 4,000,000).
    pub max_entries: u64,
    /// Deepest directory nesting, the root being depth 0 (default 1024; at most 65534).
    pub max_depth: u32,
    /// Largest directory extent in bytes (default 64 MiB).
    pub max_directory_bytes: u64,
    /// Longest Rock Ridge (NM) name in bytes (default 1024).
    pub max_name_bytes: usize,
    /// Longest symbolic link target in bytes (default 4096, PATH_MAX).
    pub max_symlink_bytes: usize,
    /// Most SUSP continuation areas chained from one directory record (default 32).
    pub max_continuation_areas: u32,
    /// Most bytes of continuation areas read for one tree (default 64 MiB).
    pub max_continuation_bytes: u64,
    /// Most volume descriptors (and volume recognition descriptors) read in one set
    /// (default 64).
    pub max_volume_descriptors: u32,
    /// Most extents of one multi-extent file (default 65,536, i.e. about 256 TiB).
    pub max_extents_per_file: u32,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_entries: 4_000_000,
            max_depth: 1024,
            max_directory_bytes: 64 << 20,
            max_name_bytes: 1024,
            max_symlink_bytes: 4096,
            max_continuation_areas: 32,
            max_continuation_bytes: 64 << 20,
            max_volume_descriptors: 64,
            max_extents_per_file: 65_536,
        }
    }
}

/// The facts of one ECMA-119 primary or (Joliet) supplementary volume descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeInfo {
    /// LBA of the descriptor.
    pub descriptor_lba: u64,
    /// Volume Identifier (8.4.6 / 8.5.5), trailing spaces removed; UCS-2 decoded for Joliet.
    pub volume_identifier: String,
    /// System Identifier (8.4.5), trailing spaces removed.
    pub system_identifier: String,
    /// Volume Set Identifier (8.4.19), trailing spaces removed.
    pub volume_set_identifier: String,
    /// Publisher Identifier (8.4.20), trailing spaces removed.
    pub publisher_identifier: String,
    /// Data Preparer Identifier (8.4.21), trailing spaces removed.
    pub data_preparer_identifier: String,
    /// Application Identifier (8.4.22), trailing spaces removed.
    pub application_identifier: String,
    /// Volume Space Size in logical blocks (8.4.8). xorriso's head copy at LBA 16 holds the
    /// overall end; a session's own descriptor holds the session's size.
    pub volume_space_size: u32,
    /// Logical Block Size (8.4.12); always 2048 here (other sizes are refused).
    pub logical_block_size: u16,
    /// Root directory extent (8.4.18).
    pub root: Extent,
    /// LBA of the root directory's record: the descriptor itself.
    pub root_record_lba: u64,
    /// Path Table Size in bytes (8.4.13).
    pub path_table_size: u32,
    /// Location of the Type L Path Table (8.4.14).
    pub type_l_path_table: u32,
    /// Location of the optional Type L Path Table, 0 if none (8.4.15).
    pub optional_type_l_path_table: u32,
    /// Location of the Type M Path Table (8.4.16).
    pub type_m_path_table: u32,
    /// Location of the optional Type M Path Table, 0 if none (8.4.17).
    pub optional_type_m_path_table: u32,
    /// Volume Creation Date and Time (8.4.26), Unix seconds; `None` if unspecified.
    pub creation: Option<i64>,
    /// Volume Modification Date and Time (8.4.27), Unix seconds; `None` if unspecified.
    pub modification: Option<i64>,
    /// For a Joliet SVD: the UCS-2 level (1, 2 or 3) from its escape sequences.
    pub joliet_level: Option<u8>,
}

/// How Rock Ridge is announced in the root directory (SUSP 5.3 SP, 5.5 ER).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RockRidgeInfo {
    /// Extension Identifier of the ER entry naming Rock Ridge ("RRIP_1991A",
    /// "IEEE_P1282" or "IEEE_1282"); empty if Rock Ridge entries appear without an ER.
    pub extension_identifier: String,
    /// SP LEN_SKP: bytes skipped at the start of every System Use field.
    pub len_skp: u8,
    /// Extension Identifiers of every ER entry in the root (Rock Ridge, AAIP, …).
    pub extensions: Vec<String>,
}

/// A UDF volume recognition sequence and anchor (ECMA-167 2/9, 3/10.2) beside the
/// ECMA-119 volume (a bridge); read its tree with [`Volume::read_tree`] and
/// [`View::Udf`], or open it with [`crate::udf::UdfVolume`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfInfo {
    /// "NSR02" (UDF ≤ 1.50) or "NSR03" (UDF ≥ 2.00).
    pub nsr: String,
    /// LBA of the Anchor Volume Descriptor Pointer found (session start + 256).
    pub anchor_lba: u64,
    /// The UDF revision of the logical volume (BCD, 0x0102 = 1.02; see
    /// [`crate::udf::UdfVolume::revision`]); `None` when the volume does not open.
    pub revision: Option<u16>,
}

/// One session's volume: its descriptors, the file systems present and the options used
/// to read its trees. Open with [`Volume::open`], then read trees with
/// [`Volume::read_tree`].
#[derive(Debug, Clone)]
pub struct Volume {
    /// The session start (sbsector): the volume descriptor set is at `session_start + 16`.
    pub session_start: u64,
    /// Media size in sectors when opened.
    pub total_sectors: u64,
    /// The primary volume descriptor.
    pub primary: VolumeInfo,
    /// The first Joliet supplementary volume descriptor, if any.
    pub joliet: Option<VolumeInfo>,
    /// Rock Ridge on the primary hierarchy, if announced.
    pub rock_ridge: Option<RockRidgeInfo>,
    /// The El Torito boot catalog LBA, if a boot record names one.
    pub boot_catalog: Option<u32>,
    /// UDF, if a recognition sequence with an anchor is present (not readable yet).
    pub udf: Option<UdfInfo>,
    /// LBA of the Volume Descriptor Set Terminator (`None` if the set ends without one,
    /// which the reader tolerates as Linux does).
    pub terminator_lba: Option<u64>,
    /// Number of supplementary descriptors that are not Joliet (ISO 9660:1999 enhanced
    /// descriptors and others); their trees are not read.
    pub other_supplementary: u32,
    options: ReadOptions,
}

fn trim_a(s: &[u8]) -> String {
    let end = s
        .iter()
        .rposition(|&c| c != b' ' && c != 0)
        .map_or(0, |i| i + 1);
    String::from_utf8_lossy(&s[..end]).into_owned()
}

fn trim_ucs2(s: &[u8]) -> String {
    let mut units: Vec<u16> = s
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    while matches!(units.last(), Some(0x20 | 0)) {
        units.pop();
    }
    String::from_utf16_lossy(&units)
}

fn dec_time(d: &DecDateTime) -> Option<i64> {
    d.to_unix()
}

struct Fields<'a> {
    system: &'a [u8],
    volume: &'a [u8],
    space: (u32, u32),
    block: (u16, u16),
    pt_size: u32,
    pt: [u32; 4],
    root: &'a [u8; 34],
    set: &'a [u8],
    publisher: &'a [u8],
    preparer: &'a [u8],
    application: &'a [u8],
    creation: &'a DecDateTime,
    modification: &'a DecDateTime,
}

fn volume_info(
    lba: u64,
    f: Fields<'_>,
    ucs2: bool,
    joliet_level: Option<u8>,
    total_sectors: u64,
) -> Result<VolumeInfo, ReadError> {
    let structure = if ucs2 {
        "Joliet supplementary volume descriptor"
    } else {
        "primary volume descriptor"
    };
    let text = |s: &[u8]| if ucs2 { trim_ucs2(s) } else { trim_a(s) };
    let (block, block_be) = f.block;
    if block as usize != SECTOR_SIZE && block_be as usize != SECTOR_SIZE {
        return Err(ReadError::invalid(
            Place::new(structure, lba, 128),
            format!(
                "Logical Block Size {block} is not 2048 (ECMA-119 8.4.12; other sizes are not supported)"
            ),
        ));
    }
    let rec = parse_record(f.root).map_err(|d| {
        ReadError::invalid(
            Place::new(structure, lba, 156),
            format!("root directory record: {d}"),
        )
    })?;
    let root = root_extent(&rec, Place::new(structure, lba, 156), total_sectors)?;
    Ok(VolumeInfo {
        descriptor_lba: lba,
        volume_identifier: text(f.volume),
        system_identifier: text(f.system),
        volume_set_identifier: text(f.set),
        publisher_identifier: text(f.publisher),
        data_preparer_identifier: text(f.preparer),
        application_identifier: text(f.application),
        volume_space_size: f.space.0,
        logical_block_size: SECTOR_SIZE as u16,
        root,
        root_record_lba: lba,
        path_table_size: f.pt_size,
        type_l_path_table: f.pt[0],
        optional_type_l_path_table: f.pt[1],
        type_m_path_table: f.pt[2],
        optional_type_m_path_table: f.pt[3],
        creation: dec_time(f.creation),
        modification: dec_time(f.modification),
        joliet_level,
    })
}

fn root_extent(rec: &RawRecord<'_>, place: Place, total_sectors: u64) -> Result<Extent, ReadError> {
    if !rec.flags.contains(iso9660::FileFlags::DIRECTORY) {
        return Err(ReadError::invalid(
            place,
            "root directory record lacks the Directory flag",
        ));
    }
    let lba = u64::from(rec.extent) + u64::from(rec.xar);
    let blocks = u64::from(rec.data_length).div_ceil(SECTOR_SIZE as u64);
    if rec.data_length == 0 {
        return Err(ReadError::invalid(
            place,
            "root directory has Data Length 0",
        ));
    }
    if lba + blocks > total_sectors {
        return Err(ReadError::ExtentPastEnd {
            place,
            start: lba,
            end: lba + blocks,
            total_sectors,
        });
    }
    Ok(Extent {
        lba: lba as u32,
        length: rec.data_length,
    })
}

/// Checks a UDF descriptor tag (ECMA-167 3/7.2): an Anchor Volume Descriptor Pointer
/// with a valid checksum recorded where it says (absolute or session-relative).
fn is_avdp(sector: &[u8], lba: u64, session_start: u64) -> bool {
    let (Some(tag), Some(sum)) = (
        ecma167::DescriptorTag::decode(sector),
        ecma167::DescriptorTag::checksum_of(sector),
    ) else {
        return false;
    };
    let loc = u64::from(tag.tag_location);
    tag.tag_identifier == ecma167::TAG_ANCHOR_VOLUME_DESCRIPTOR_POINTER
        && sum == tag.tag_checksum
        && (loc == lba || loc == lba - session_start)
}

/// What the volume descriptor area of a session holds, without requiring ISO 9660.
#[derive(Debug, Default)]
struct Scan {
    pvd: Option<(u64, Box<[u8; SECTOR_SIZE]>)>,
    joliet: Option<(u64, Box<[u8; SECTOR_SIZE]>, u8)>,
    other_supplementary: u32,
    boot_catalog: Option<u32>,
    terminator: Option<u64>,
    nsr: Option<String>,
    first_bad: Option<String>,
}

fn scan_descriptors(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
    options: &ReadOptions,
) -> Result<Scan, ReadError> {
    let total = src.total_sectors();
    let mut scan = Scan::default();
    let first = session_start.saturating_add(16);
    let max = u64::from(options.max_volume_descriptors.max(1));
    for i in 0..max {
        let lba = first + i;
        if lba >= total {
            if scan.first_bad.is_none() {
                scan.first_bad = Some(format!(
                    "LBA {lba} lies past the end of the media ({total} sectors)"
                ));
            }
            return Ok(scan);
        }
        let s = read_sector(src, lba)?;
        let id: &[u8] = &s[1..6];
        if scan.terminator.is_none() && id == iso9660::STANDARD_IDENTIFIER {
            let ty = match iso9660::volume_descriptor_type(&s[..]) {
                Ok(t) => t,
                Err(e) => {
                    return Err(ReadError::Format {
                        place: Place::new("volume descriptor", lba, 0),
                        source: e,
                    });
                }
            };
            match ty {
                VD_TYPE_PRIMARY if scan.pvd.is_none() => scan.pvd = Some((lba, s)),
                VD_TYPE_SUPPLEMENTARY => {
                    let esc: [u8; 32] = s[88..120].try_into().expect("32 bytes");
                    if joliet::is_joliet_escape_sequences(&esc) && scan.joliet.is_none() {
                        let level = match esc[2] {
                            b'@' => 1,
                            b'C' => 2,
                            _ => 3,
                        };
                        scan.joliet = Some((lba, s, level));
                    } else {
                        scan.other_supplementary += 1;
                    }
                }
                VD_TYPE_BOOT_RECORD => {
                    if let Ok(Some(b)) = eltorito::BootRecordVolumeDescriptor::decode(&s[..]) {
                        scan.boot_catalog = Some(b.boot_catalog_pointer);
                    }
                }
                VD_TYPE_TERMINATOR => scan.terminator = Some(lba),
                _ => {}
            }
            continue;
        }
        if let Some(vsd) = ecma167::volume_structure_identifier(&s[..]) {
            if vsd == ecma167::vsd_id::NSR02 || vsd == ecma167::vsd_id::NSR03 {
                scan.nsr = Some(String::from_utf8_lossy(vsd).into_owned());
            }
            if vsd == ecma167::vsd_id::TEA01 {
                return Ok(scan);
            }
            continue;
        }
        if scan.terminator.is_some() && id == iso9660::STANDARD_IDENTIFIER {
            continue;
        }
        if scan.pvd.is_none() {
            scan.first_bad = Some(if id == b"CDXX1" {
                format!(
                    "LBA {lba} holds an invalidated descriptor \"CDXX1\" (a blanked session: xorriso -blank renames CD001)"
                )
            } else if s.iter().all(|&b| b == 0) {
                format!("LBA {lba} is all zeros")
            } else {
                format!("LBA {lba} holds no volume descriptor (identifier {id:02x?})")
            });
        }
        return Ok(scan);
    }
    if scan.terminator.is_none() && scan.pvd.is_some() {
        return Err(ReadError::limit(
            Place::new("volume descriptor set", first, 0),
            Limit::VolumeDescriptors,
            max,
        ));
    }
    Ok(scan)
}

fn udf_anchor(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
    nsr: Option<String>,
) -> Result<Option<UdfInfo>, ReadError> {
    let Some(nsr) = nsr else { return Ok(None) };
    let lba = session_start.saturating_add(256);
    if lba >= src.total_sectors() {
        return Ok(None);
    }
    let s = read_sector(src, lba)?;
    if !is_avdp(&s[..], lba, session_start) {
        return Ok(None);
    }
    Ok(Some(UdfInfo {
        nsr,
        anchor_lba: lba,
        revision: crate::udf::revision_of(src, session_start),
    }))
}

/// Identifies the file systems of the session starting at `session_start` (IMAPI2
/// IFileSystemImage::IdentifyFileSystemsOnDisc, for one session): ISO9660 if a primary
/// volume descriptor is found, JOLIET for a Joliet SVD, ROCK_RIDGE if the root announces
/// it, UDF for a recognition sequence with an NSR descriptor and an anchor at
/// `session_start + 256`; a UDF volume without ECMA-119 descriptors (anchor at 256, N or
/// N − 256) is UDF alone. An empty set means nothing recognizable.
///
/// # Errors
/// [`ReadError::Io`] if a sector cannot be read; decoding errors of the ISO 9660
/// structures (a malformed PVD or root directory) are errors too.
pub fn identify(
    src: &mut (impl SectorSource + ?Sized),
    session_start: u64,
) -> Result<FileSystems, ReadError> {
    let options = ReadOptions::default();
    let scan = scan_descriptors(src, session_start, &options)?;
    let mut fs = FileSystems::empty();
    if scan.pvd.is_some() {
        let v = Volume::from_scan(src, session_start, scan, &options)?;
        return Ok(v.file_systems());
    }
    if udf_anchor(src, session_start, scan.nsr)?.is_some()
        || crate::udf::UdfVolume::open(src, session_start, &options).is_ok()
    {
        fs |= FileSystems::UDF;
    }
    Ok(fs)
}

impl Volume {
    /// Reads the volume descriptor set at `session_start + 16` (ECMA-119 6.2.1, 8): the
    /// primary descriptor, the first Joliet SVD, an El Torito boot record and the
    /// terminator; then the UDF recognition sequence after it and the anchor at
    /// `session_start + 256`; then the root directory's first sector to detect SUSP/Rock
    /// Ridge.
    ///
    /// # Errors
    /// - [`ReadError::NoVolume`]: no "CD001" primary volume descriptor in the set;
    /// - [`ReadError::Invalid`]: Logical Block Size other than 2048, a root record
    ///   without the directory flag or of length 0;
    /// - [`ReadError::ExtentPastEnd`]: the root extent lies past the media;
    /// - [`ReadError::LimitExceeded`]: no terminator within `max_volume_descriptors`;
    /// - [`ReadError::Format`] / [`ReadError::Io`].
    pub fn open(
        src: &mut (impl SectorSource + ?Sized),
        session_start: u64,
        options: &ReadOptions,
    ) -> Result<Volume, ReadError> {
        let scan = scan_descriptors(src, session_start, options)?;
        Volume::from_scan(src, session_start, scan, options)
    }

    fn from_scan(
        src: &mut (impl SectorSource + ?Sized),
        session_start: u64,
        scan: Scan,
        options: &ReadOptions,
    ) -> Result<Volume, ReadError> {
        let total = src.total_sectors();
        let Some((pvd_lba, pvd)) = scan.pvd else {
            let detail = match (scan.first_bad, scan.nsr) {
                (_, Some(nsr)) => format!(
                    "only a UDF volume recognition sequence ({nsr}): read it with UdfVolume"
                ),
                (Some(bad), None) => bad,
                (None, None) => "no primary volume descriptor before the terminator".into(),
            };
            return Err(ReadError::NoVolume {
                session_start,
                lba: session_start.saturating_add(16),
                detail,
            });
        };
        let p = PrimaryVolumeDescriptor::ref_from_bytes(&pvd[..]).expect("2048 bytes");
        let primary = volume_info(
            pvd_lba,
            Fields {
                system: &p.system_identifier,
                volume: &p.volume_identifier,
                space: (p.volume_space_size.le.get(), p.volume_space_size.be.get()),
                block: (p.logical_block_size.le.get(), p.logical_block_size.be.get()),
                pt_size: p.path_table_size.le.get(),
                pt: [
                    p.type_l_path_table.get(),
                    p.optional_type_l_path_table.get(),
                    p.type_m_path_table.get(),
                    p.optional_type_m_path_table.get(),
                ],
                root: &p.root_directory_record,
                set: &p.volume_set_identifier,
                publisher: &p.publisher_identifier,
                preparer: &p.data_preparer_identifier,
                application: &p.application_identifier,
                creation: &p.volume_creation_date_and_time,
                modification: &p.volume_modification_date_and_time,
            },
            false,
            None,
            total,
        )?;
        let joliet = match scan.joliet {
            Some((lba, s, level)) => {
                let v = SupplementaryVolumeDescriptor::ref_from_bytes(&s[..]).expect("2048");
                Some(volume_info(
                    lba,
                    Fields {
                        system: &v.system_identifier,
                        volume: &v.volume_identifier,
                        space: (v.volume_space_size.le.get(), v.volume_space_size.be.get()),
                        block: (v.logical_block_size.le.get(), v.logical_block_size.be.get()),
                        pt_size: v.path_table_size.le.get(),
                        pt: [
                            v.type_l_path_table.get(),
                            v.optional_type_l_path_table.get(),
                            v.type_m_path_table.get(),
                            v.optional_type_m_path_table.get(),
                        ],
                        root: &v.root_directory_record,
                        set: &v.volume_set_identifier,
                        publisher: &v.publisher_identifier,
                        preparer: &v.data_preparer_identifier,
                        application: &v.application_identifier,
                        creation: &v.volume_creation_date_and_time,
                        modification: &v.volume_modification_date_and_time,
                    },
                    true,
                    Some(level),
                    total,
                )?)
            }
            None => None,
        };
        let udf = udf_anchor(src, session_start, scan.nsr)?;
        let rock_ridge = rr::detect(src, &primary, options)?;
        Ok(Volume {
            session_start,
            total_sectors: total,
            primary,
            joliet,
            rock_ridge,
            boot_catalog: scan.boot_catalog,
            udf,
            terminator_lba: scan.terminator,
            other_supplementary: scan.other_supplementary,
            options: options.clone(),
        })
    }

    /// The file systems present, as IMAPI2 FsiFileSystems flags plus ROCK_RIDGE.
    pub fn file_systems(&self) -> FileSystems {
        let mut fs = FileSystems::ISO9660;
        if self.joliet.is_some() {
            fs |= FileSystems::JOLIET;
        }
        if self.rock_ridge.is_some() {
            fs |= FileSystems::ROCK_RIDGE;
        }
        if self.udf.is_some() {
            fs |= FileSystems::UDF;
        }
        fs
    }

    /// The options the volume was opened with (used for its trees).
    pub fn options(&self) -> &ReadOptions {
        &self.options
    }

    /// The view of the ISO family to show: Rock Ridge if present, else Joliet, else
    /// ISO 9660 (xorriso's order). Importers choose UDF first (IMAPI2 I-14, see
    /// `discburn_image`).
    pub fn default_view(&self) -> View {
        if self.rock_ridge.is_some() {
            View::RockRidge
        } else if self.joliet.is_some() {
            View::Joliet
        } else {
            View::Iso9660
        }
    }

    /// Reads the whole directory hierarchy of one view into an owned [`Tree`].
    ///
    /// # Errors
    /// [`ReadError::FileSystemNotFound`] if the view is not recorded; otherwise any
    /// condition of the walk (extents past the media, directory cycles, limits, malformed
    /// records and SUSP entries, I/O); for [`View::Udf`] those of
    /// [`crate::udf::UdfVolume::open`] and [`crate::udf::UdfVolume::read_tree`].
    pub fn read_tree(
        &self,
        src: &mut (impl SectorSource + ?Sized),
        view: View,
    ) -> Result<Tree, ReadError> {
        if view == View::Udf {
            if self.udf.is_none() {
                return Err(ReadError::FileSystemNotFound {
                    session_start: self.session_start,
                    file_system: "UDF",
                });
            }
            let v = crate::udf::UdfVolume::open(src, self.session_start, &self.options)?;
            return v.read_tree(src);
        }
        walk::read_tree(src, self, view)
    }
}
