//! Layout invariants (property tests) and an independent walk of the produced bytes
//! with the format crate's decoders: regions are contiguous, never overlap and stay in
//! the session; every record and extent lies inside it; records are in ECMA-119 9.3
//! order and never cross a block; the Rock Ridge view (NM, CE, CL, RE) gives back the
//! tree.

mod common;

use std::collections::BTreeSet;

use discburn_format::codec::Reader;
use discburn_format::iso9660::{self, DirectoryRecord, FileFlags, PrimaryVolumeDescriptor};
use discburn_format::rrip::{AlternateName, ChildLink, NameFlags};
use discburn_format::susp::{ContinuationArea, SuspEntries};
use discburn_image::{FileSystemImage, FileSystems, ImageError, IsoLevel, RegionKind, Timestamp};
use proptest::prelude::*;
use zerocopy::FromBytes;

use common::result_bytes;

struct Img<'a> {
    b: &'a [u8],
    start: u32,
}

impl<'a> Img<'a> {
    fn block(&self, lba: u32) -> &'a [u8] {
        let off = (lba - self.start) as usize * 2048;
        &self.b[off..off + 2048]
    }
    fn extent(&self, lba: u32, len: u32) -> &'a [u8] {
        assert!(lba >= self.start, "extent {lba} before the session");
        let off = (lba - self.start) as usize * 2048;
        assert!(
            off + len as usize <= self.b.len(),
            "extent {lba}+{len} past the end"
        );
        &self.b[off..off + len as usize]
    }

    /// System use entries of a record, following CE continuation areas.
    fn susp(&self, su: &'a [u8]) -> Vec<discburn_format::susp::SuspEntry<'a>> {
        let mut out = Vec::new();
        let mut area = su;
        loop {
            let mut next = None;
            for e in SuspEntries::new(area, 0) {
                let e = e.unwrap();
                if &e.signature == b"CE" {
                    let ce = ContinuationArea::decode(&e).unwrap();
                    assert!(ce.offset + ce.length <= 2048, "CE area crosses a block");
                    let blk = self.block(ce.block_location);
                    next = Some(&blk[ce.offset as usize..(ce.offset + ce.length) as usize]);
                } else {
                    out.push(e);
                }
            }
            match next {
                Some(a) => area = a,
                None => return out,
            }
        }
    }

    /// Walks the ECMA-119 hierarchy from a directory extent; returns the Rock Ridge
    /// paths seen (or ISO paths without Rock Ridge).
    fn walk(
        &self,
        lba: u32,
        len: u32,
        prefix: &str,
        rr: bool,
        out: &mut BTreeSet<String>,
        depth: usize,
    ) {
        assert!(depth < 64, "directory loop");
        let data = self.extent(lba, len);
        let mut prev: Option<Vec<u8>> = None;
        let mut pos = 0;
        let mut index = 0;
        while pos < data.len() {
            if data[pos] == 0 {
                pos = (pos / 2048 + 1) * 2048;
                continue;
            }
            let mut r = Reader::new(&data[pos..], "dir");
            let rec = DirectoryRecord::decode(&mut r).unwrap();
            let rlen = data[pos] as usize;
            assert!(pos % 2048 + rlen <= 2048, "record crosses a block boundary");
            pos += rlen;
            index += 1;
            if index <= 2 {
                assert_eq!(
                    rec.file_identifier,
                    if index == 1 {
                        iso9660::SELF_IDENTIFIER
                    } else {
                        iso9660::PARENT_IDENTIFIER
                    }
                );
                continue;
            }
            if let Some(p) = &prev {
                assert_ne!(
                    iso9660::compare_file_identifiers(p, rec.file_identifier),
                    std::cmp::Ordering::Greater,
                    "9.3 order"
                );
            }
            prev = Some(rec.file_identifier.to_vec());
            let entries = if rr {
                self.susp(rec.system_use)
            } else {
                Vec::new()
            };
            if entries.iter().any(|e| &e.signature == b"RE") {
                continue; // relocated: reached through its CL placeholder
            }
            let mut name = Vec::new();
            for e in entries.iter().filter(|e| &e.signature == b"NM") {
                let nm = AlternateName::decode(e).unwrap();
                assert!(!nm.flags.intersects(NameFlags::CURRENT | NameFlags::PARENT));
                name.extend_from_slice(nm.content);
            }
            let name = if rr {
                String::from_utf8(name).unwrap()
            } else {
                String::from_utf8(rec.file_identifier.to_vec()).unwrap()
            };
            let path = format!("{prefix}/{name}");
            if rec.file_flags.contains(FileFlags::MULTI_EXTENT) {
                continue;
            }
            out.insert(path.clone());
            if let Some(cl) = entries.iter().find(|e| &e.signature == b"CL") {
                let loc = ChildLink::decode(cl).unwrap().location;
                let dot = self.block(loc);
                let d = DirectoryRecord::decode(&mut Reader::new(dot, "dot")).unwrap();
                self.walk(loc, d.data_length, &path, rr, out, depth + 1);
            } else if rec.file_flags.contains(FileFlags::DIRECTORY) {
                self.walk(
                    rec.location_of_extent,
                    rec.data_length,
                    &path,
                    rr,
                    out,
                    depth + 1,
                );
            } else if rec.data_length > 0 {
                self.extent(rec.location_of_extent, rec.data_length);
            }
        }
    }
}

fn check_image(image: &FileSystemImage, expected: &BTreeSet<String>) {
    let layout = image.plan().unwrap();
    let s = layout.session_start_block;
    // Regions: contiguous from S, in order, ending at S + total.
    let mut next = u64::from(s);
    for r in &layout.regions {
        assert_eq!(u64::from(r.lba), next, "gap or overlap at {r:?}");
        next += r.blocks;
    }
    assert_eq!(next, u64::from(s) + layout.total_blocks);
    assert_eq!(layout.regions[0].kind, RegionKind::SystemArea);
    assert_eq!(layout.regions[1].lba, s + 16);
    let bytes = result_bytes(image);
    assert_eq!(bytes.len() as u64, layout.total_blocks * 2048);
    assert_eq!(bytes, result_bytes(image), "same input, same bytes");
    let img = Img {
        b: &bytes,
        start: s,
    };
    let pvd = PrimaryVolumeDescriptor::read_from_bytes(img.block(s + 16)).unwrap();
    assert_eq!(
        iso9660::volume_descriptor_type(img.block(s + 16)).unwrap(),
        1
    );
    let root = DirectoryRecord::decode_root(&pvd.root_directory_record).unwrap();
    let rr = image
        .file_systems_to_create()
        .contains(FileSystems::ROCK_RIDGE);
    let mut seen = BTreeSet::new();
    img.walk(
        root.location_of_extent,
        root.data_length,
        "",
        rr,
        &mut seen,
        0,
    );
    if rr {
        assert_eq!(&seen, expected);
    } else {
        assert_eq!(seen.len(), expected.len());
    }
    // Path table: first record is the root.
    let pt = img.block(pvd.type_l_path_table.get());
    let rec =
        iso9660::PathTableRecord::decode(iso9660::PathTableType::L, &mut Reader::new(pt, "pt"))
            .unwrap();
    assert_eq!(rec.location_of_extent, root.location_of_extent);
}

#[derive(Debug, Clone)]
enum Op {
    Dir(Vec<u8>, String),
    File(Vec<u8>, String, usize),
    Link(Vec<u8>, String, String),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,12}(\\.[a-z]{1,4})?",
        "[A-Za-z0-9 ._-]{1,70}",
        "[a-zé😀日]{1,8}",
        "x{200,255}",
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        prop_oneof![
            3 => (proptest::collection::vec(any::<u8>(), 0..4), name()).prop_map(|(p, n)| Op::Dir(p, n)),
            3 => (proptest::collection::vec(any::<u8>(), 0..4), name(), 0usize..5000).prop_map(|(p, n, s)| Op::File(p, n, s)),
            1 => (proptest::collection::vec(any::<u8>(), 0..4), name(), "[a-z/.]{1,300}").prop_map(|(p, n, t)| Op::Link(p, n, t)),
        ],
        0..60,
    )
}

/// Applies ops to an image; directories are chosen by the index bytes among existing
/// ones, so trees get deep. Returns the expected Rock Ridge paths.
fn build(ops: &[Op], image: &mut FileSystemImage) -> BTreeSet<String> {
    let mut dirs = vec![String::new()];
    let mut paths = BTreeSet::new();
    for op in ops {
        let (pick, n) = match op {
            Op::Dir(p, n) | Op::File(p, n, _) | Op::Link(p, n, _) => (p, n),
        };
        let parent = pick
            .iter()
            .fold(dirs.len() - 1, |acc, &b| (acc + b as usize) % dirs.len());
        let parent = if pick.is_empty() {
            dirs.len() - 1
        } else {
            parent
        };
        let path = format!("{}/{}", dirs[parent], n);
        let ok = match op {
            Op::Dir(..) => image.add_directory(&path).is_ok(),
            Op::File(_, _, size) => image.add_bytes(&path, vec![0xA5; *size]).is_ok(),
            Op::Link(_, _, t) => image.add_symlink(&path, t).is_ok(),
        };
        if ok {
            if matches!(op, Op::Dir(..)) {
                dirs.push(path.clone());
            }
            paths.insert(path);
        }
    }
    paths
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn layout_invariants_hold(
        ops in ops(),
        level in prop_oneof![Just(IsoLevel::Level1), Just(IsoLevel::Level2), Just(IsoLevel::Level3)],
        joliet in any::<bool>(),
        rr in any::<bool>(),
        start in prop_oneof![Just(0u32), 1u32..100_000],
    ) {
        let mut image = FileSystemImage::new();
        let mut fs = FileSystems::ISO9660;
        if joliet { fs |= FileSystems::JOLIET; }
        if rr { fs |= FileSystems::ROCK_RIDGE; }
        image.set_file_systems_to_create(fs);
        image.set_iso_level(level);
        image.set_session_start_block(start);
        image.set_timestamp(Timestamp { unix_seconds: 1_234_567_890, utc_offset_minutes: -300 });
        let expected = build(&ops, &mut image);
        check_image(&image, &expected);
    }
}

#[test]
fn deep_tree_is_relocated_and_walks_back_to_the_original() {
    let mut image = FileSystemImage::new();
    image.set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    );
    let mut expected = BTreeSet::new();
    for branch in ["a", "b"] {
        let mut p = String::new();
        for i in 0..20 {
            p = format!("{p}/{branch}{i}");
            image.add_directory(&p).unwrap();
            expected.insert(p.clone());
            let f = format!("{p}/file");
            image.add_bytes(&f, vec![i as u8; 10]).unwrap();
            expected.insert(f);
        }
    }
    // Same-named deep directories from different parents meet in rr_moved.
    for top in ["x", "y"] {
        let mut p = format!("/{top}");
        image.add_directory(&p).unwrap();
        expected.insert(p.clone());
        for _ in 0..9 {
            p = format!("{p}/same");
            image.add_directory(&p).unwrap();
            expected.insert(p.clone());
        }
    }
    check_image(&image, &expected);
    let layout = image.plan().unwrap();
    assert!(
        layout
            .regions
            .iter()
            .any(|r| matches!(r.kind, RegionKind::Directory { .. }))
    );
    // Without Rock Ridge: relaxed writes the deep tree as is; strict refuses (O-08).
    image.set_file_systems_to_create(FileSystems::ISO9660);
    check_image(&image, &expected);
    image.set_strict_file_system_compliance(true);
    image.set_volume_name("STRICT").unwrap();
    assert!(matches!(
        image.plan(),
        Err(ImageError::Iso9660Levels { .. })
    ));
}

#[test]
fn strict_mode_refuses_names_that_need_mapping() {
    let mut image = FileSystemImage::new();
    image.set_strict_file_system_compliance(true);
    image.set_volume_name("V").unwrap();
    image.set_iso_level(IsoLevel::Level1);
    image.add_bytes("/README.TXT", vec![]).unwrap();
    image.add_directory("/DOCS").unwrap();
    assert!(image.plan().is_ok());
    image.add_bytes("/DOCS/long-name.html", vec![]).unwrap();
    match image.plan() {
        Err(ImageError::NameNotRepresentable { path, level, .. }) => {
            assert_eq!(path, "/DOCS/long-name.html");
            assert_eq!(level, IsoLevel::Level1);
        }
        other => panic!("{other:?}"),
    }
    image.set_strict_file_system_compliance(false);
    assert!(image.plan().is_ok());
}

#[test]
fn errors_before_any_byte() {
    // Image past LBA 2^32 − 1.
    let mut image = FileSystemImage::new();
    image.set_session_start_block(u32::MAX - 10);
    assert!(matches!(
        image.create_result_image(),
        Err(ImageError::ImageTooLarge { .. })
    ));
    // ≥ 4 GiB below level 3 (an extent reference: no data needed).
    let mut image = FileSystemImage::new();
    image.set_iso_level(IsoLevel::Level2);
    image
        .add_file_source(
            "/big",
            discburn_image::FileSource::Extent {
                lba: 100,
                length: 5 << 30,
            },
            None,
        )
        .unwrap();
    assert!(matches!(image.plan(), Err(ImageError::FileTooLarge { .. })));
    image.set_iso_level(IsoLevel::Level3);
    let layout = image.plan().unwrap();
    // Extent sources are referenced only: no data region.
    assert!(layout.data_extents().is_empty());
    // UDF refers to data recorded before the session too: its partition then starts
    // at the kept data (LBA 100).
    image.set_file_systems_to_create(FileSystems::UDF);
    assert!(image.plan().is_ok());
    image.set_file_systems_to_create(FileSystems::empty());
    assert!(matches!(
        image.plan(),
        Err(ImageError::InvalidFileSystems { .. })
    ));
}

#[test]
fn multi_extent_records_for_a_level3_extent_reference() {
    let mut image = FileSystemImage::new();
    image.set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    );
    image.set_iso_level(IsoLevel::Level3);
    let len = (9u64 << 30) + 5;
    image
        .add_file_source(
            "/huge",
            discburn_image::FileSource::Extent {
                lba: 1000,
                length: len,
            },
            None,
        )
        .unwrap();
    let bytes = result_bytes(&image);
    let pvd = PrimaryVolumeDescriptor::read_from_bytes(&bytes[16 * 2048..17 * 2048]).unwrap();
    let root = DirectoryRecord::decode_root(&pvd.root_directory_record).unwrap();
    let dir = &bytes[root.location_of_extent as usize * 2048..][..2048];
    let mut r = Reader::new(dir, "dir");
    let mut recs = Vec::new();
    while r.remaining() > 0 && dir[r.offset()] != 0 {
        let rec = DirectoryRecord::decode(&mut r).unwrap();
        recs.push((rec.location_of_extent, rec.data_length, rec.file_flags));
    }
    let parts: Vec<_> = recs[2..].to_vec();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], (1000, 0xFFFF_F800, FileFlags::MULTI_EXTENT));
    assert_eq!(
        parts[1],
        (1000 + 2_097_151, 0xFFFF_F800, FileFlags::MULTI_EXTENT)
    );
    assert_eq!(
        parts[2],
        (
            1000 + 2 * 2_097_151,
            (len - 2 * 0xFFFF_F800) as u32,
            FileFlags::empty()
        )
    );
}
