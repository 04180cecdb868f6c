//! A file recorded in several extents that are not contiguous (ECMA-119 6.5.1 allows
//! gaps between the extents of a multi-extent file): a crafted image that xorriso reads,
//! and that import refuses with a clear error naming the file and the LBA (the tree
//! keeps no multi-extent data source yet; see `ImageError::ImportNonContiguousFile`).

mod common;

use std::fs;

use common::{run, timestamp, write_image};
use discburn_image::{FileSystemImage, FileSystems, ImageError, IsoLevel};
use discburn_reader::FileSource as Src;

/// Little/big-endian both-byte-order u32 (ECMA-119 7.3.3) at `at`.
fn put_both(rec: &mut [u8], at: usize, v: u32) {
    rec[at..at + 4].copy_from_slice(&v.to_le_bytes());
    rec[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

/// (offset in the image, LBA, size, identifier) of each record of the root directory.
fn root_records(img: &[u8]) -> Vec<(usize, u32, u32, Vec<u8>)> {
    let pvd = &img[16 * 2048..17 * 2048];
    assert_eq!(&pvd[1..6], b"CD001");
    let root = &pvd[156..190];
    let lba = u32::from_le_bytes(root[2..6].try_into().unwrap()) as usize;
    let len = u32::from_le_bytes(root[10..14].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let mut off = lba * 2048;
    let end = off + len;
    while off < end {
        let l = img[off] as usize;
        if l == 0 {
            off = (off / 2048 + 1) * 2048;
            continue;
        }
        let r = &img[off..off + l];
        let id = r[33..33 + r[32] as usize].to_vec();
        out.push((
            off,
            u32::from_le_bytes(r[2..6].try_into().unwrap()),
            u32::from_le_bytes(r[10..14].try_into().unwrap()),
            id,
        ));
        off += l;
    }
    out
}

#[test]
fn non_contiguous_multi_extent_file_read_by_xorriso_refused_by_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut im = FileSystemImage::new();
    im.set_file_systems_to_create(FileSystems::ISO9660);
    im.set_iso_level(IsoLevel::Level3);
    im.set_timestamp(timestamp());
    let first = vec![b'1'; 2048];
    im.add_bytes("/A1", first.clone()).unwrap();
    im.add_bytes("/A2", vec![b'2'; 2048]).unwrap();
    im.add_bytes("/B1", b"second extent\n".to_vec()).unwrap();
    let img_path = dir.path().join("gap.iso");
    write_image(&im, &img_path);
    let mut img = fs::read(&img_path).unwrap();

    // Records A1, A2, B1 (same identifier length): A1 becomes the first extent of a
    // multi-extent file (flag bit 7, ECMA-119 9.1.6), A2's record its second extent,
    // pointing at B1's data, so one block (A2's data) lies between the two extents.
    let recs = root_records(&img);
    let find = |name: &[u8]| {
        recs.iter()
            .find(|r| r.3.starts_with(name))
            .unwrap_or_else(|| panic!("{recs:?}"))
            .clone()
    };
    let (a1_off, a1_lba, a1_size, a1_id) = find(b"A1");
    let (a2_off, _, _, a2_id) = find(b"A2");
    let (_, b1_lba, b1_size, _) = find(b"B1");
    assert_eq!(a1_size, 2048);
    assert_eq!(a1_id.len(), a2_id.len());
    assert_ne!(b1_lba, a1_lba + 1, "a gap between the extents");
    assert_eq!(a2_off, a1_off + img[a1_off] as usize, "consecutive records");
    img[a1_off + 25] |= 0x80;
    {
        let rec = &mut img[a2_off..a2_off + 34 + a2_id.len()];
        put_both(rec, 2, b1_lba);
        put_both(rec, 10, b1_size);
        rec[33..33 + a1_id.len()].copy_from_slice(&a1_id);
    }
    fs::write(&img_path, &img).unwrap();

    // xorriso reads one file of both extents, gap skipped.
    let out = dir.path().join("a1");
    let i = img_path.to_str().unwrap();
    run(
        "xorriso",
        &[
            "-osirrox",
            "on",
            "-indev",
            i,
            "-extract",
            "/A1",
            out.to_str().unwrap(),
        ],
    );
    let mut expected = first;
    expected.extend_from_slice(b"second extent\n");
    assert_eq!(fs::read(&out).unwrap(), expected);
    let lbas = run(
        "xorriso",
        &["-indev", i, "-find", "/A1", "-exec", "report_lba"],
    );
    assert_eq!(
        lbas.lines().filter(|l| l.contains("'/A1'")).count(),
        2,
        "{lbas}"
    );

    // Import names the file and the extent that does not follow.
    let mut im = FileSystemImage::new();
    let mut src = Src::open(&img_path).unwrap();
    let err = im.import_file_system_from(&mut src, 0).unwrap_err();
    match &err {
        ImageError::ImportNonContiguousFile { path, lba } => {
            assert_eq!(path, "/A1");
            assert_eq!(*lba, b1_lba);
        }
        e => panic!("{e}"),
    }
    assert_eq!(
        err.hresult(),
        0xC0AA_B154,
        "FILE_SYSTEM_FEATURE_NOT_SUPPORTED"
    );
    assert!(err.to_string().contains("/A1"), "{err}");
    assert_eq!(im.imported_volume_name(), None, "nothing imported");
    assert_eq!(im.file_count(), 0);
}
