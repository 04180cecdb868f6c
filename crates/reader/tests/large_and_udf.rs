//! A multi-extent file over 4 GiB (`xorriso -as mkisofs -iso-level 3`, kept sparse on
//! disk) and UDF detection (genisoimage `-udf` bridge, mkudffs UDF-only volume).

mod common;

use std::process::{Command, Stdio};

use common::{Names, assert_same, manifest, read, scratch, subdir, tool};
use discburn_reader::{FileSource, FileSystems, ReadError, ReadOptions, View, Volume, identify};
use discburn_testkit::generate;
use discburn_testkit::oracle::{self, Image, IsoinfoView};

#[test]
fn multi_extent_file_over_4gib_is_one_file_with_several_extents() {
    let dir = scratch();
    let src = subdir(dir.path(), "src");
    let expected = generate::sparse_over_4gib(&src);
    let img = dir.path().join("big.iso");
    oracle::require("xorriso");
    // xorriso writes the zeros; `cp --sparse=always` keeps the image sparse on disk.
    let sh = format!(
        "xorriso -as mkisofs -iso-level 3 -R -J -o - '{}' 2>/dev/null | cp --sparse=always /dev/stdin '{}'",
        src.display(),
        img.display()
    );
    let st = Command::new("sh")
        .arg("-c")
        .arg(&sh)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "{sh}");
    let (_, rr) = read(&img, 0, View::RockRidge);
    let big = rr.find("/big.bin").unwrap();
    assert_eq!(big.size(), generate::SPARSE_SIZE);
    assert!(big.extents().len() >= 2, "{:?}", big.extents());
    for e in &big.extents()[..big.extents().len() - 1] {
        assert_eq!(
            e.length, 0xFFFF_F800,
            "every extent but the last is 4 GiB - 2048"
        );
    }
    assert_same(
        "RR view vs source",
        &manifest(&rr, Names::View, Some(&img)),
        &expected,
    );
    let ii = oracle::isoinfo_list(Image::plain(&img), IsoinfoView::RockRidge, false);
    assert_same(
        "RR view vs isoinfo -R",
        &manifest(&rr, Names::View, None),
        &ii.tree,
    );
    let (_, joliet) = read(&img, 0, View::Joliet);
    assert_eq!(joliet.find("/big.bin").unwrap().extents(), big.extents());
}

#[test]
fn i15_udf_bridge_and_udf_only_volumes_are_identified() {
    let dir = scratch();
    let src = subdir(dir.path(), "src");
    generate::empty_and_hard_linked(&src);
    let img = dir.path().join("bridge.iso");
    tool(
        "genisoimage",
        &[
            "-quiet",
            "-R",
            "-J",
            "-udf",
            "-o",
            img.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
    );
    let mut s = FileSource::open(&img).unwrap();
    let vol = Volume::open(&mut s, 0, &ReadOptions::default()).unwrap();
    assert_eq!(
        vol.file_systems(),
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE | FileSystems::UDF
    );
    let udf = vol.udf.as_ref().unwrap();
    assert_eq!((udf.nsr.as_str(), udf.anchor_lba), ("NSR02", 256));
    assert_eq!(udf.revision, Some(0x0102));
    assert_eq!(identify(&mut s, 0).unwrap(), vol.file_systems());
    // The ISO side still reads.
    let (_, rr) = read(&img, 0, View::RockRidge);
    assert!(rr.find("/hl_a").is_some());

    let udf_img = dir.path().join("udf.img");
    tool(
        "mkudffs",
        &[
            "--new-file",
            "--blocksize=2048",
            "--media-type=hd",
            udf_img.to_str().unwrap(),
            "2000",
        ],
    );
    let mut s = FileSource::open(&udf_img).unwrap();
    assert_eq!(identify(&mut s, 0).unwrap(), FileSystems::UDF);
    let err = Volume::open(&mut s, 0, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::NoVolume { .. }), "{err}");
    assert!(err.to_string().contains("UdfVolume"), "{err}");
    // The UDF reader opens it: UDF 2.01 (mkudffs's default), an empty root.
    let u = discburn_reader::UdfVolume::open(&mut s, 0, &ReadOptions::default()).unwrap();
    assert_eq!(u.revision_string(), "2.01");
    assert_eq!(u.read_tree(&mut s).unwrap().len(), 1);
    // Nothing at all: an empty set.
    let zero = dir.path().join("zero.img");
    std::fs::write(&zero, vec![0u8; 600 * 2048]).unwrap();
    let mut s = FileSource::open(&zero).unwrap();
    assert_eq!(identify(&mut s, 0).unwrap(), FileSystems::empty());
}
