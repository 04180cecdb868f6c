//! Hostile and malformed images, built record by record: every defect gives a clear
//! `ReadError` naming the condition, the structure and the LBA; nothing panics and no
//! length field makes the reader allocate beyond the media or the limits.

use discburn_format::iso9660::{
    BothU16, BothU32, DirectoryDateTime, DirectoryRecord, FileFlags, PrimaryVolumeDescriptor,
    STANDARD_IDENTIFIER, VD_TYPE_PRIMARY, VolumeDescriptorSetTerminator,
};
use discburn_format::rrip::{
    AlternateName, ChildLink, NameFlags, PosixFileAttributes, encode_re, mode,
};
use discburn_format::susp::{ContinuationArea, ExtensionsReference, SharingProtocolIndicator};
use discburn_reader::{Limit, NodeKind, ReadError, ReadOptions, SectorSource, View, Volume};
use zerocopy::{FromZeros, IntoBytes};

const ROOT: u32 = 18;

/// A record's bytes.
fn rec(ident: &[u8], lba: u32, len: u32, flags: FileFlags, su: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    DirectoryRecord {
        extended_attribute_record_length: 0,
        location_of_extent: lba,
        data_length: len,
        recording_date_and_time: DirectoryDateTime::from_unix(1_700_000_000, 0),
        file_flags: flags,
        file_unit_size: 0,
        interleave_gap_size: 0,
        volume_sequence_number: 1,
        file_identifier: ident,
        system_use: su,
    }
    .encode(&mut v)
    .unwrap();
    v
}

fn dir(ident: &[u8], lba: u32) -> Vec<u8> {
    rec(ident, lba, 2048, FileFlags::DIRECTORY, &[])
}

fn file(ident: &[u8], lba: u32, len: u32) -> Vec<u8> {
    rec(ident, lba, len, FileFlags::empty(), &[])
}

fn px(m: u32) -> Vec<u8> {
    let mut v = Vec::new();
    PosixFileAttributes {
        mode: m,
        links: 1,
        uid: 0,
        gid: 0,
        serial: None,
    }
    .encode(&mut v);
    v
}

fn nm(name: &[u8], cont: bool) -> Vec<u8> {
    let mut v = Vec::new();
    AlternateName {
        flags: if cont {
            NameFlags::CONTINUE
        } else {
            NameFlags::empty()
        },
        content: name,
    }
    .encode(&mut v)
    .unwrap();
    v
}

fn ce(block: u32, offset: u32, length: u32) -> Vec<u8> {
    let mut v = Vec::new();
    ContinuationArea {
        block_location: block,
        offset,
        length,
    }
    .encode(&mut v);
    v
}

/// An image of `sectors` sectors: PVD at 16, terminator at 17, root directory at 18
/// holding "." (with SP and the RRIP ER when `rr`), ".." and `children`.
struct Img {
    data: Vec<u8>,
}

impl Img {
    fn new(sectors: usize, rr: bool, children: &[Vec<u8>]) -> Img {
        let mut data = vec![0u8; sectors * 2048];
        let mut pvd = PrimaryVolumeDescriptor::new_zeroed();
        pvd.volume_descriptor_type = VD_TYPE_PRIMARY;
        pvd.standard_identifier = STANDARD_IDENTIFIER;
        pvd.volume_descriptor_version = 1;
        pvd.volume_identifier = [b' '; 32];
        pvd.volume_identifier[..4].copy_from_slice(b"TEST");
        pvd.volume_space_size = BothU32::new(sectors as u32);
        pvd.logical_block_size = BothU16::new(2048);
        pvd.file_structure_version = 1;
        let root = dir(&[0], ROOT);
        pvd.root_directory_record.copy_from_slice(&root);
        data[16 * 2048..17 * 2048].copy_from_slice(pvd.as_bytes());
        data[17 * 2048..18 * 2048].copy_from_slice(VolumeDescriptorSetTerminator::new().as_bytes());
        let mut dot_su = Vec::new();
        if rr {
            SharingProtocolIndicator { len_skp: 0 }.encode(&mut dot_su);
            dot_su.extend(px(mode::S_IFDIR | 0o755));
            let mut er = Vec::new();
            ExtensionsReference::rrip_1991a().encode(&mut er).unwrap();
            // The ER goes to a continuation area at the last sector.
            let last = sectors as u32 - 1;
            dot_su.extend(ce(last, 0, er.len() as u32));
            data[last as usize * 2048..][..er.len()].copy_from_slice(&er);
        }
        let mut recs = vec![
            rec(&[0], ROOT, 2048, FileFlags::DIRECTORY, &dot_su),
            dir(&[1], ROOT),
        ];
        recs.extend_from_slice(children);
        let mut img = Img { data };
        img.put_dir(ROOT, &recs);
        img
    }

    /// Writes directory records at `lba` (records do not cross sectors).
    fn put_dir(&mut self, lba: u32, recs: &[Vec<u8>]) {
        let mut off = lba as usize * 2048;
        let start = off;
        for r in recs {
            if (off - start) % 2048 + r.len() > 2048 {
                off = off.next_multiple_of(2048);
            }
            self.data[off..off + r.len()].copy_from_slice(r);
            off += r.len();
        }
    }

    fn put(&mut self, lba: u32, offset: usize, bytes: &[u8]) {
        let o = lba as usize * 2048 + offset;
        self.data[o..o + bytes.len()].copy_from_slice(bytes);
    }

    fn volume(&self) -> Result<Volume, ReadError> {
        let mut s: &[u8] = &self.data;
        Volume::open(&mut s, 0, &ReadOptions::default())
    }

    fn read(&self, view: View) -> Result<discburn_reader::Tree, ReadError> {
        self.read_with(view, &ReadOptions::default())
    }

    fn read_with(&self, view: View, o: &ReadOptions) -> Result<discburn_reader::Tree, ReadError> {
        let mut s: &[u8] = &self.data;
        let vol = Volume::open(&mut s, 0, o)?;
        vol.read_tree(&mut s, view)
    }
}

#[test]
fn well_formed_builder_image_reads() {
    let img = Img::new(24, true, &[file(b"A.TXT;1", 20, 5), dir(b"SUB", 19)]);
    let t = img.read(View::RockRidge).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(t.find("/A.TXT").unwrap().size(), 5);
    assert_eq!(
        img.volume()
            .unwrap()
            .rock_ridge
            .unwrap()
            .extension_identifier,
        "RRIP_1991A"
    );
}

fn sub_img(children_of_sub: &[Vec<u8>], rr: bool) -> Img {
    let mut img = Img::new(24, rr, &[dir(b"SUB", 19)]);
    let mut recs = vec![dir(&[0], 19), dir(&[1], ROOT)];
    recs.extend_from_slice(children_of_sub);
    img.put_dir(19, &recs);
    img
}

#[test]
fn directory_pointing_to_itself_or_an_ancestor_is_a_cycle() {
    let img = Img::new(24, false, &[dir(b"LOOP", ROOT)]);
    let e = img.read(View::Iso9660).unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::DirectoryCycle {
                start: 18,
                end: 19,
                ..
            }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("directory record at LBA 18 +0x44: directory extent 18..19"),
        "{msg}"
    );
    assert!(msg.contains("cycle"), "{msg}");
    let img = sub_img(&[dir(b"UP", ROOT)], false);
    assert!(matches!(
        img.read(View::Iso9660),
        Err(ReadError::DirectoryCycle { .. })
    ));
    // Crossed directories: two records sharing one directory extent.
    let img = Img::new(24, false, &[dir(b"A", 19), dir(b"B", 19)]);
    assert!(matches!(
        img.read(View::Iso9660),
        Err(ReadError::DirectoryCycle { .. })
    ));
}

#[test]
fn extents_past_the_media_are_refused_before_any_allocation() {
    let img = Img::new(24, false, &[file(b"F.TXT;1", 99_999, 10)]);
    let e = img.read(View::Iso9660).unwrap_err();
    assert_eq!(
        e.to_string(),
        "directory record at LBA 18 +0x44: extent 99999..100000 lies past the end of the media (24 sectors)"
    );
    // A directory claiming 4 GiB: the media size stops it before anything is read.
    let img = Img::new(
        24,
        false,
        &[rec(b"HUGE", 19, 0xFFFF_F800, FileFlags::DIRECTORY, &[])],
    );
    assert!(matches!(
        img.read(View::Iso9660),
        Err(ReadError::ExtentPastEnd {
            start: 19,
            end: 2_097_170,
            ..
        })
    ));
    // Within the media, the directory size limit applies.
    let img = Img::new(
        24,
        false,
        &[rec(b"BIG", 19, 4096, FileFlags::DIRECTORY, &[])],
    );
    let mut o = ReadOptions::default();
    o.max_directory_bytes = 2048;
    assert!(matches!(
        img.read_with(View::Iso9660, &o),
        Err(ReadError::LimitExceeded {
            limit: Limit::DirectoryBytes,
            max: 2048,
            ..
        })
    ));
    // A file whose end crosses the media end by one sector.
    let img = Img::new(24, false, &[file(b"F;1", 23, 2049)]);
    assert!(matches!(
        img.read(View::Iso9660),
        Err(ReadError::ExtentPastEnd {
            start: 23,
            end: 25,
            ..
        })
    ));
    // A root extent past the end.
    let mut img = Img::new(24, false, &[]);
    img.put(16, 156 + 2, &5000u32.to_le_bytes());
    assert!(matches!(
        img.volume(),
        Err(ReadError::ExtentPastEnd { start: 5000, .. })
    ));
}

#[test]
fn truncated_and_malformed_records_are_named() {
    let mut img = Img::new(24, false, &[file(b"A;1", 20, 1)]);
    // Record length 20 (< 34).
    img.put(ROOT, 68, &[20]);
    let e = img.read(View::Iso9660).unwrap_err();
    assert!(e.to_string().contains("below 34"), "{e}");
    // A record running past the directory's Data Length (100 bytes here).
    let mut img = Img::new(24, false, &[]);
    img.put(16, 156 + 10, BothU32::new(100).as_bytes());
    img.put(ROOT, 68, &[60]);
    let e = img.read(View::Iso9660).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "directory record at LBA 18 +0x44: Length of Directory Record 60 runs past"
        ),
        "{e}"
    );
    // A zero length byte ends the sector's records (ECMA-119 6.8.1.1): bytes after it are
    // not records.
    let mut img = Img::new(24, false, &[]);
    img.put(ROOT, 2040, &[200]);
    assert_eq!(img.read(View::Iso9660).unwrap().len(), 1);
    // Identifier longer than the record.
    let mut img = Img::new(24, false, &[file(b"A;1", 20, 1)]);
    img.put(ROOT, 68 + 32, &[100]);
    assert!(matches!(
        img.read(View::Iso9660),
        Err(ReadError::Invalid { .. })
    ));
    // A name with '/'.
    let img = Img::new(24, false, &[file(b"A/B;1", 20, 1)]);
    let e = img.read(View::Iso9660).unwrap_err();
    assert!(e.to_string().contains("'/'"), "{e}");
    // Interleaved file.
    let mut r = file(b"I;1", 20, 1);
    r[26] = 1;
    let img = Img::new(24, false, &[r]);
    assert!(
        img.read(View::Iso9660)
            .unwrap_err()
            .to_string()
            .contains("interleaved")
    );
    // Logical block size 512.
    let mut img = Img::new(24, false, &[]);
    img.put(16, 128, BothU16::new(512).as_bytes());
    assert!(
        img.volume()
            .unwrap_err()
            .to_string()
            .contains("Logical Block Size 512")
    );
    // No volume descriptor at all.
    let img = Img {
        data: vec![0; 40 * 2048],
    };
    assert!(matches!(img.volume(), Err(ReadError::NoVolume { .. })));
    // Primary descriptors without end: the set length is bounded.
    let mut img = Img::new(120, false, &[]);
    let pvd = img.data[16 * 2048..17 * 2048].to_vec();
    for l in 17..100 {
        img.put(l, 0, &pvd);
    }
    assert!(matches!(
        img.volume(),
        Err(ReadError::LimitExceeded {
            limit: Limit::VolumeDescriptors,
            ..
        })
    ));
}

#[test]
fn multi_extent_files_are_joined_and_checked() {
    let me = FileFlags::MULTI_EXTENT;
    let img = Img::new(
        24,
        false,
        &[
            rec(b"M;1", 20, 2048, me, &[]),
            rec(b"M;1", 22, 100, me, &[]),
            file(b"M;1", 21, 7),
        ],
    );
    let t = img.read(View::Iso9660).unwrap();
    let m = t.find("/M").unwrap();
    assert_eq!(
        m.extents()
            .iter()
            .map(|e| (e.lba, e.length))
            .collect::<Vec<_>>(),
        [(20, 2048), (22, 100), (21, 7)]
    );
    assert_eq!(m.size(), 2155);
    assert_eq!(t.len(), 2);
    let img = Img::new(
        24,
        false,
        &[rec(b"M;1", 20, 2048, me, &[]), file(b"N;1", 21, 7)],
    );
    assert!(
        img.read(View::Iso9660)
            .unwrap_err()
            .to_string()
            .contains("multi-extent")
    );
    let img = Img::new(24, false, &[rec(b"M;1", 20, 2048, me, &[])]);
    assert!(
        img.read(View::Iso9660)
            .unwrap_err()
            .to_string()
            .contains("no final record")
    );
}

#[test]
fn hidden_and_associated_files_are_kept_and_flagged() {
    let img = Img::new(
        24,
        false,
        &[
            rec(b"A;1", 20, 1, FileFlags::ASSOCIATED_FILE, &[]),
            file(b"A;1", 21, 1),
            rec(b"H;1", 22, 1, FileFlags::EXISTENCE, &[]),
        ],
    );
    let t = img.read(View::Iso9660).unwrap();
    let kids: Vec<_> = t
        .root()
        .children()
        .map(|c| (c.name().into_owned(), c.is_associated(), c.is_hidden()))
        .collect();
    assert_eq!(
        kids,
        [
            ("A".into(), true, false),
            ("A".into(), false, false),
            ("H".into(), false, true)
        ]
    );
}

#[test]
fn continuation_area_loops_and_bombs_are_stopped() {
    // CE in the record pointing to LBA 20, whose area points back to itself.
    let mut su = px(mode::S_IFREG | 0o644);
    su.extend(ce(20, 0, 28));
    let mut img = Img::new(24, true, &[rec(b"F;1", 21, 1, FileFlags::empty(), &su)]);
    img.put(20, 0, &ce(20, 0, 28));
    let e = img.read(View::RockRidge).unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::ContinuationLoop {
                lba: 20,
                offset: 0,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("CE loop"), "{e}");
    // Two areas pointing at each other.
    img.put(20, 0, &ce(21, 100, 28));
    img.put(21, 100, &ce(20, 0, 28));
    assert!(matches!(
        img.read(View::RockRidge),
        Err(ReadError::ContinuationLoop { .. })
    ));
    // A continuation area past the media.
    let mut su = px(mode::S_IFREG);
    su.extend(ce(7000, 0, 100));
    let img = Img::new(24, true, &[rec(b"F;1", 21, 1, FileFlags::empty(), &su)]);
    assert!(matches!(
        img.read(View::RockRidge),
        Err(ReadError::ExtentPastEnd { start: 7000, .. })
    ));

    // An NM continuation bomb: a chain of areas, each adding 200 name bytes.
    let n = 40u32;
    let len = (nm(&[b'x'; 200], true).len() + 28) as u32;
    let su = {
        let mut s = nm(&[b'x'; 150], true);
        s.extend(ce(30, 0, len));
        s
    };
    let mut img = Img::new(
        30 + n as usize + 2,
        true,
        &[rec(b"F;1", 21, 1, FileFlags::empty(), &su)],
    );
    for i in 0..n {
        let mut a = nm(&[b'x'; 200], true);
        a.extend(ce(31 + i, 0, len));
        img.put(30 + i, 0, &a);
    }
    let e = img.read(View::RockRidge).unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::LimitExceeded {
                limit: Limit::NameBytes,
                max: 1024,
                ..
            }
        ),
        "{e}"
    );
    let mut o = ReadOptions::default();
    o.max_name_bytes = 1 << 20;
    let e = img.read_with(View::RockRidge, &o).unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::LimitExceeded {
                limit: Limit::ContinuationAreas,
                max: 32,
                ..
            }
        ),
        "{e}"
    );

    // An SL bomb: a symlink of many "../" components.
    let mut su = px(mode::S_IFLNK | 0o777);
    for _ in 0..16 {
        let mut data = vec![1u8]; // continues
        for _ in 0..120 {
            data.extend_from_slice(&[0x04, 0]); // PARENT
        }
        discburn_format::susp::put_entry(&mut su, *b"SL", 1, &data).unwrap();
    }
    // Only the PX fits the record; the SL entries go to a continuation area.
    let mut head = px(mode::S_IFLNK | 0o777);
    head.extend(ce(20, 0, (su.len() - head.len()) as u32));
    let mut img = Img::new(24, true, &[rec(b"L;1", 0, 0, FileFlags::empty(), &head)]);
    let tail = su[px(0).len()..].to_vec();
    img.put(20, 0, &tail);
    let e = img.read(View::RockRidge).unwrap_err();
    assert!(
        matches!(
            e,
            ReadError::LimitExceeded {
                limit: Limit::SymlinkBytes,
                max: 4096,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn entry_and_depth_limits() {
    let kids: Vec<Vec<u8>> = (0..150)
        .map(|i| file(format!("F{i};1").as_bytes(), 20, 1))
        .collect();
    let mut img = Img::new(24, false, &[]);
    let mut recs = vec![dir(&[0], ROOT), dir(&[1], ROOT)];
    recs.extend(kids);
    // Root directory of 4 sectors.
    img.put(16, 156 + 10, BothU32::new(4 * 2048).as_bytes());
    img.put(ROOT, 10, BothU32::new(4 * 2048).as_bytes());
    img.put_dir(ROOT, &recs);
    assert_eq!(img.read(View::Iso9660).unwrap().len(), 151);
    let mut o = ReadOptions::default();
    o.max_entries = 100;
    assert!(matches!(
        img.read_with(View::Iso9660, &o),
        Err(ReadError::LimitExceeded {
            limit: Limit::Entries,
            max: 100,
            ..
        })
    ));
    // A chain of nested directories, one per sector.
    let depth = 30u32;
    let mut img = Img::new(24 + depth as usize, false, &[dir(b"D", 19)]);
    for d in 0..depth {
        let lba = 19 + d;
        let parent = if d == 0 { ROOT } else { lba - 1 };
        img.put_dir(
            lba,
            &[dir(&[0], lba), dir(&[1], parent), dir(b"D", lba + 1)],
        );
    }
    img.put_dir(19 + depth, &[dir(&[0], 19 + depth), dir(&[1], 18 + depth)]);
    assert_eq!(img.read(View::Iso9660).unwrap().len(), depth as usize + 2);
    let mut o = ReadOptions::default();
    o.max_depth = 10;
    assert!(matches!(
        img.read_with(View::Iso9660, &o),
        Err(ReadError::LimitExceeded {
            limit: Limit::Depth,
            max: 10,
            ..
        })
    ));
}

#[test]
fn relocation_cl_re_pl_and_hostile_cl() {
    // /SUB holds a CL entry "moved" for the directory at 20; 20 sits in RR_MOVED (19)
    // with RE; its ".." has PL 19... pointing to SUB.
    let mut cl_su = nm(b"moved", false);
    ChildLink { location: 20 }.encode(&mut cl_su);
    cl_su.extend(px(mode::S_IFDIR | 0o700));
    let mut re_su = nm(b"moved", false);
    encode_re(&mut re_su);
    let mut img = Img::new(
        26,
        true,
        &[
            dir(b"RR_MOVED", 19),
            rec(b"SUB", 21, 2048, FileFlags::DIRECTORY, &nm(b"sub", false)),
        ],
    );
    img.put_dir(
        19,
        &[
            dir(&[0], 19),
            dir(&[1], ROOT),
            rec(b"MOVED", 20, 2048, FileFlags::DIRECTORY, &re_su),
        ],
    );
    let mut dot_su = px(mode::S_IFDIR | 0o711);
    dot_su.extend(nm(&[], false));
    img.put_dir(
        20,
        &[
            rec(&[0], 20, 2048, FileFlags::DIRECTORY, &dot_su),
            dir(&[1], 19),
            file(b"IN.TXT;1", 22, 3),
        ],
    );
    img.put_dir(
        21,
        &[
            dir(&[0], 21),
            dir(&[1], ROOT),
            rec(b"MOVED", 0, 0, FileFlags::empty(), &cl_su),
        ],
    );
    let t = img.read(View::RockRidge).unwrap();
    let paths: Vec<String> = t.walk().into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        ["/", "/RR_MOVED", "/sub", "/sub/moved", "/sub/moved/IN.TXT"]
    );
    let moved = t.find("/sub/moved").unwrap();
    assert_eq!(moved.kind(), NodeKind::Directory);
    let rr = moved.rock_ridge().unwrap();
    assert!(rr.relocated);
    assert_eq!(
        rr.mode,
        mode::S_IFDIR | 0o711,
        "attributes come from the relocated '.'"
    );
    assert_eq!(moved.extents()[0].lba, 20);
    // The ISO 9660 view shows the relocation directory as recorded.
    let iso = img.read(View::Iso9660).unwrap();
    assert!(iso.find("/RR_MOVED/MOVED/IN.TXT").is_some());
    assert_eq!(iso.find("/SUB/MOVED").unwrap().kind(), NodeKind::File);

    // CL pointing to an ancestor: a cycle.
    let mut cl_su = nm(b"loop", false);
    ChildLink { location: ROOT }.encode(&mut cl_su);
    let img = Img::new(24, true, &[rec(b"LOOP", 0, 0, FileFlags::empty(), &cl_su)]);
    assert!(matches!(
        img.read(View::RockRidge),
        Err(ReadError::DirectoryCycle { .. })
    ));
    // CL pointing to something that is not a directory.
    let mut cl_su = nm(b"bad", false);
    ChildLink { location: 22 }.encode(&mut cl_su);
    let mut img = Img::new(24, true, &[rec(b"BAD", 0, 0, FileFlags::empty(), &cl_su)]);
    img.put(22, 0, &file(b"X;1", 0, 0));
    assert!(
        img.read(View::RockRidge)
            .unwrap_err()
            .to_string()
            .contains("not a directory")
    );
    // CL past the media.
    let mut cl_su = nm(b"far", false);
    ChildLink { location: 9999 }.encode(&mut cl_su);
    let img = Img::new(24, true, &[rec(b"FAR", 0, 0, FileFlags::empty(), &cl_su)]);
    assert!(matches!(
        img.read(View::RockRidge),
        Err(ReadError::ExtentPastEnd { start: 9999, .. })
    ));
}

#[test]
fn every_truncation_and_many_bit_flips_of_a_small_image_are_handled() {
    let mut su = nm(b"a long rock ridge name.txt", false);
    su.extend(px(mode::S_IFREG | 0o644));
    let img = sub_img(
        &[
            rec(b"A.TXT;1", 22, 5, FileFlags::empty(), &su),
            file(b"B;1", 23, 2048),
        ],
        true,
    );
    for n in (0..img.data.len()).step_by(512) {
        let mut s: &[u8] = &img.data[..n];
        let _ = s.total_sectors();
        if let Ok(v) = Volume::open(&mut s, 0, &ReadOptions::default()) {
            let _ = v.read_tree(&mut s, View::RockRidge);
        }
    }
    let mut data = img.data.clone();
    for i in (16 * 2048..20 * 2048).step_by(7) {
        data[i] ^= 0x5A;
        let mut s: &[u8] = &data;
        if let Ok(v) = Volume::open(&mut s, 0, &ReadOptions::default()) {
            let _ = v.read_tree(&mut s, View::RockRidge);
            let _ = v.read_tree(&mut s, View::Iso9660);
        }
        data[i] ^= 0x5A;
    }
}

/// Issue 11: a root directory record that is not a directory — no Directory flag, or an
/// extent of zeros or of file data — is a read error naming the root, never an empty root.
#[test]
fn a_root_that_is_not_a_directory_is_an_error_not_an_empty_root() {
    // No Directory flag in the PVD's root record.
    let mut img = Img::new(24, false, &[file(b"A.TXT;1", 20, 5)]);
    let root = rec(&[0], ROOT, 2048, FileFlags::empty(), &[]);
    img.put(16, 156, &root);
    let e = img.volume().unwrap_err().to_string();
    assert!(
        e.contains("root directory record") && e.contains("Directory flag"),
        "{e}"
    );
    // The root record points to a sector of zeros, and to a file's data.
    for (target, fill) in [(21u32, 0u8), (20, b'x')] {
        let mut img = Img::new(24, false, &[file(b"A.TXT;1", 20, 5)]);
        img.put(20, 0, &[b'x'; 2048]);
        let root = dir(&[0], target);
        img.put(16, 156, &root);
        for view in [View::Iso9660, View::RockRidge] {
            let e = img.read(view).unwrap_err();
            let text = e.to_string();
            assert!(
                (text.contains("root directory") || text.contains("directory record"))
                    && text.contains(&format!("LBA {target}")),
                "fill {fill}: {text}"
            );
        }
    }
}
