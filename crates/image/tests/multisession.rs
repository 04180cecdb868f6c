//! Import of a previous session and appending sessions to random-write media (image
//! files) in xorriso's layout (peers.md §1.1), checked with xorriso, isoinfo, bsdtar,
//! 7-Zip and pycdlib.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::*;
use discburn_image::{FileSystemImage, FileSystems, ImageError};
use discburn_reader::FileSource as Src;
use sha2::{Digest, Sha256};

/// Imports the newest session of `img` (if any), lets `edit` change the tree, and
/// appends the new session with its head.
fn append(img: &Path, edit: impl FnOnce(&mut FileSystemImage)) -> FileSystemImage {
    append_random_write(img, new_image("NEXT"), edit)
}

fn sha(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

fn toc_sessions(img: &Path) -> Vec<String> {
    let out = run("xorriso", &["-indev", img.to_str().unwrap(), "-toc"]);
    out.lines()
        .filter(|l| l.starts_with("ISO session"))
        .map(str::to_owned)
        .collect()
}

fn extract_xorriso(img: &Path, out: &Path) -> BTreeMap<String, String> {
    xorriso_extract_to(img, "/", out);
    snapshot(out)
}

/// ISO 9660 (no Rock Ridge) or Joliet paths as isoinfo lists them.
fn isoinfo_paths(img: &Path, joliet: bool) -> Vec<String> {
    let mut args = vec!["-i", img.to_str().unwrap(), "-f"];
    if joliet {
        args.push("-J");
    }
    run("isoinfo", &args).lines().map(str::to_owned).collect()
}

#[test]
fn i18_i30_three_sessions_on_an_image_file_read_by_every_oracle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let img = dir.path().join("ms.iso");
    fs::File::create(&img).unwrap();

    // Session 1 at LBA 32 with its head.
    let s1 = append(&img, |im| {
        assert_eq!(im.session_start_block(), 32);
        assert_eq!(im.imported_volume_name(), None);
        im.add_tree(&src, "/").unwrap();
    });
    assert_eq!(s1.session_start_block(), 32);
    let iso1 = isoinfo_paths(&img, false);
    let joliet1 = isoinfo_paths(&img, true);

    // Session 2: one file removed, one added, one replaced.
    let s2 = append(&img, |im| {
        assert_eq!(im.imported_volume_name(), Some("NEXT"));
        im.remove("/README.TXT").unwrap();
        im.add_bytes("/s2.txt", b"second session\n".to_vec())
            .unwrap();
        im.add_bytes("/empty", b"now full\n".to_vec()).unwrap();
        // I-21: the start block is fixed by the import.
        assert!(matches!(
            im.try_set_session_start_block(0),
            Err(ImageError::SessionStartBlockFixed { .. })
        ));
    });
    assert_eq!(s2.session_start_block() % 32, 0);
    // Session 3: a directory added.
    let s3 = append(&img, |im| {
        im.add_directory("/s3dir").unwrap();
        im.add_bytes("/s3dir/x.txt", b"third\n".to_vec()).unwrap();
    });
    assert!(s3.session_start_block() > s2.session_start_block());

    let toc = toc_sessions(&img);
    assert_eq!(toc.len(), 3, "{toc:?}");
    assert!(toc[0].contains(" 32 ,"), "{toc:?}");

    // Expected merged tree.
    let mut want = snapshot(&src);
    want.remove("README.TXT");
    want.insert("s2.txt".into(), format!("f {}", sha(b"second session\n")));
    want.insert("empty".into(), format!("f {}", sha(b"now full\n")));
    want.insert("s3dir".into(), "d".into());
    want.insert("s3dir/x.txt".into(), format!("f {}", sha(b"third\n")));
    let got = extract_xorriso(&img, &dir.path().join("x"));
    assert_eq!(got, want, "xorriso extraction of the newest session");
    // Rock Ridge attributes of unchanged files survive two imports (mode, mtime).
    let before = attributes(&src);
    let after = attributes(&dir.path().join("x"));
    for (p, a) in &before {
        if p == "README.TXT" || p == "empty" || !after.contains_key(p) {
            continue;
        }
        if fs::metadata(src.join(p)).unwrap().is_dir() {
            continue;
        }
        assert_eq!(&after[p], a, "attributes of {p}");
    }
    // Hard links stay one extent with link count 2 (Rock Ridge PX), read back with
    // the reader from the head.
    {
        let mut f = Src::open(&img).unwrap();
        let vol = discburn_reader::Volume::open(&mut f, 0, &Default::default()).unwrap();
        let t = vol
            .read_tree(&mut f, discburn_reader::View::RockRidge)
            .unwrap();
        let a = t.find("/data.bin").unwrap();
        let b = t.find("/hardlink.bin").unwrap();
        assert_eq!(a.extents(), b.extents());
        assert_eq!(a.rock_ridge().unwrap().nlink, 2);
        assert_eq!(b.rock_ridge().unwrap().nlink, 2);
        assert_eq!(
            t.find("/readme.txt").unwrap().rock_ridge().unwrap().mode & 0o7777,
            0o640
        );
        assert_eq!(
            t.find("/link-to-readme").unwrap().symlink_target(),
            Some(&b"readme.txt"[..])
        );
    }

    // Old ISO 9660 and Joliet names stay as they were (unchanged items).
    let iso3 = isoinfo_paths(&img, false);
    let joliet3 = isoinfo_paths(&img, true);
    for p in &iso1 {
        // Relocated directories are recorded in place by an appended session (the
        // default of FileSystemImage::set_relocate_deep_directories): their ISO 9660
        // paths, not their names, change.
        if p.starts_with("/README.TXT") || p == "/EMPTY.;1" || p.starts_with("/RR_MOVED") {
            continue;
        }
        assert!(iso3.contains(p), "ISO 9660 name {p} changed: {iso3:?}");
    }
    for p in &joliet1 {
        if p.starts_with("/README.TXT") {
            continue;
        }
        assert!(joliet3.contains(p), "Joliet name {p} changed: {joliet3:?}");
    }
    assert!(
        joliet3.contains(&"/s3dir/x.txt;1".to_owned()),
        "{joliet3:?}"
    );

    // Older sessions stay readable (I-30): session 1 still has README.TXT.
    let out = run(
        "xorriso",
        &[
            "-indev",
            img.to_str().unwrap(),
            "-load",
            "sbsector",
            "32",
            "-ls",
            "/",
        ],
    );
    assert!(out.contains("README.TXT"), "{out}");

    // 7-Zip reads LBA 16: the newest tree. (bsdtar refuses this image, as it refuses
    // xorriso's: old files whose Rock Ridge entries need a continuation area have it
    // after their data, peers.md Addendum; bsdtar is checked on short names below.)
    let x7 = dir.path().join("x7");
    sevenzip_extract_to(&img, &x7);
    assert_eq!(
        fs::read(x7.join("s3dir/x.txt")).unwrap(),
        b"third\n",
        "7-Zip"
    );
    assert_eq!(
        sha(&fs::read(x7.join("data.bin")).unwrap()),
        want["data.bin"][2..],
        "7-Zip reads the imported extent"
    );
    // The Linux kernel (isofs in a VM) reads LBA 16: the newest tree, Rock Ridge.
    let script = discburn_testkit::oracle::kernel_read_script();
    let k = run(script.to_str().unwrap(), &[img.to_str().unwrap()]);
    assert!(k.contains("RRIP_1991A"), "{k}");
    assert!(!k.contains("rock: corrupted"), "{k}");
    {
        use md5::Digest;
        let m = |b: &[u8]| hex(&md5::Md5::digest(b));
        assert!(
            k.contains(&format!("{}  ./s3dir/x.txt", m(b"third\n"))),
            "{k}"
        );
        assert!(k.contains(&format!("{}  ./empty", m(b"now full\n"))), "{k}");
        let data = fs::read(src.join("data.bin")).unwrap();
        assert!(k.contains(&format!("{}  ./data.bin", m(&data))), "{k}");
        assert!(!k.contains("./README.TXT"), "{k}");
    }
    // pycdlib on the whole file: the newest session, Rock Ridge.
    let py = run(
        "python3",
        &[
            "-c",
            "import pycdlib,sys,io\n\
             i=pycdlib.PyCdlib(); i.open(sys.argv[1])\n\
             b=io.BytesIO(); i.get_file_from_iso_fp(b, rr_path='/s2.txt'); print(b.getvalue().decode(), end='')\n\
             b=io.BytesIO(); i.get_file_from_iso_fp(b, joliet_path='/s3dir/x.txt;1'); print(b.getvalue().decode(), end='')",
            img.to_str().unwrap(),
        ],
    );
    assert_eq!(py, "second session\nthird\n");
}

#[test]
fn appends_to_a_multisession_image_made_by_xorriso() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    fs::create_dir_all(a.join("sub")).unwrap();
    fs::write(a.join("one.txt"), b"one\n").unwrap();
    fs::write(
        a.join("sub/A Long Name With Spaces And More.text"),
        b"long\n",
    )
    .unwrap();
    let b = dir.path().join("b");
    fs::create_dir_all(&b).unwrap();
    fs::write(b.join("two.txt"), b"two\n").unwrap();
    let img = dir.path().join("x.iso");
    let imgs = img.to_str().unwrap();
    run(
        "xorriso",
        &[
            "-outdev",
            imgs,
            "-joliet",
            "on",
            "-map",
            a.to_str().unwrap(),
            "/",
            "-commit",
        ],
    );
    run(
        "xorriso",
        &[
            "-dev",
            imgs,
            "-joliet",
            "on",
            "-map",
            b.to_str().unwrap(),
            "/b",
            "-commit",
        ],
    );
    let joliet_before = isoinfo_paths(&img, true);
    append(&img, |im| {
        im.add_bytes("/three.txt", b"three\n".to_vec()).unwrap();
    });
    assert_eq!(toc_sessions(&img).len(), 3);
    let got = extract_xorriso(&img, &dir.path().join("x"));
    let mut want = snapshot(&a);
    want.insert("b".into(), "d".into());
    want.insert("b/two.txt".into(), format!("f {}", sha(b"two\n")));
    want.insert("three.txt".into(), format!("f {}", sha(b"three\n")));
    assert_eq!(got, want);
    // bsdtar reads LBA 16: the newest tree, old data before the new directories.
    let x = dir.path().join("bsd");
    fs::create_dir(&x).unwrap();
    run("bsdtar", &["-xf", imgs, "-C", x.to_str().unwrap()]);
    assert_eq!(snapshot(&x), want, "bsdtar");
    let joliet_after = isoinfo_paths(&img, true);
    for p in joliet_before {
        assert!(
            joliet_after.contains(&p),
            "Joliet {p} changed: {joliet_after:?}"
        );
    }
}

fn genisoimage_case(args: &[&str], deep: bool) {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    fs::create_dir_all(&a).unwrap();
    fs::write(a.join("small.txt"), b"small\n").unwrap();
    fs::write(a.join("Mixed Case Name.data"), vec![7u8; 5000]).unwrap();
    if deep {
        let mut d = a.clone();
        for i in 0..10 {
            d = d.join(format!("d{i}"));
            fs::create_dir(&d).unwrap();
        }
        fs::write(d.join("bottom.txt"), b"bottom\n").unwrap();
    }
    let img = dir.path().join("g.iso");
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["-quiet", "-o", img.to_str().unwrap(), a.to_str().unwrap()]);
    run("genisoimage", &full);
    let rr = args.contains(&"-R");
    let joliet = args.contains(&"-J");
    let iso_before = isoinfo_paths(&img, false);
    append(&img, |im| {
        im.add_bytes("/added.txt", b"added\n".to_vec()).unwrap();
    });
    let toc = toc_sessions(&img);
    assert!(!toc.is_empty());
    // The newest session (at LBA 16) holds old and new files with their contents.
    let x = dir.path().join("x");
    let got = extract_xorriso(&img, &x);
    if rr || joliet {
        let mut want = snapshot(&a);
        want.insert("added.txt".into(), format!("f {}", sha(b"added\n")));
        assert_eq!(got, want, "{args:?}");
    } else {
        assert_eq!(
            fs::read(x.join("SMALL.TXT")).unwrap(),
            b"small\n",
            "{got:?}"
        );
    }
    // ISO 9660 names of the old files are unchanged.
    let iso_after = isoinfo_paths(&img, false);
    for p in iso_before {
        if p.starts_with("/RR_MOVED") || p.starts_with("/rr_moved") {
            continue;
        }
        assert!(iso_after.contains(&p), "{args:?}: {p} lost: {iso_after:?}");
    }
}

#[test]
fn appends_to_genisoimage_rock_ridge_joliet() {
    genisoimage_case(&["-R", "-J"], false);
}

#[test]
fn appends_to_genisoimage_joliet_only() {
    genisoimage_case(&["-J"], false);
}

#[test]
fn appends_to_genisoimage_plain() {
    genisoimage_case(&[], false);
}

#[test]
fn appends_to_genisoimage_deep_tree_with_rr_moved() {
    genisoimage_case(&["-R", "-J"], true);
}

#[test]
fn refuses_when_data_lies_past_the_claimed_end() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("z.iso");
    fs::File::create(&img).unwrap();
    append(&img, |im| im.add_bytes("/a", b"a".to_vec()).unwrap());
    append(&img, |im| im.add_bytes("/b", b"b".to_vec()).unwrap());
    // Zero the head: the sessions behind it must not be overwritten (peers.md §6 item 10).
    let mut bytes = fs::read(&img).unwrap();
    bytes[..65536].fill(0);
    fs::write(&img, &bytes).unwrap();
    let mut image = new_image("NEXT");
    let mut src = Src::open(&img).unwrap();
    // The scan finds the sessions, imports the last and places the new one after them.
    image.import_last_session_from(&mut src).unwrap();
    assert!(image.session_start_block() as usize * 2048 >= bytes.len() - 2048 * 64);
    // A start block with sessions after it is refused.
    let err = discburn_image::check_nothing_at_or_after(&mut src, 32).unwrap_err();
    assert!(
        matches!(err, ImageError::DataAfterSessionStart { found_lba: 48, .. }),
        "{err}"
    );
}

#[test]
fn i13_i14_i16_identify_and_default_file_system() {
    use discburn_image::{default_file_system_for_import, identify_file_systems};
    assert_eq!(
        default_file_system_for_import(
            FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF
        ),
        FileSystems::UDF
    );
    assert_eq!(
        default_file_system_for_import(FileSystems::ISO9660 | FileSystems::JOLIET),
        FileSystems::JOLIET
    );
    assert_eq!(
        default_file_system_for_import(FileSystems::ISO9660),
        FileSystems::ISO9660
    );
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    fs::create_dir_all(&a).unwrap();
    fs::write(a.join("f.txt"), b"f\n").unwrap();
    let img = dir.path().join("p.iso");
    run(
        "genisoimage",
        &["-quiet", "-o", img.to_str().unwrap(), a.to_str().unwrap()],
    );
    let mut src = Src::open(&img).unwrap();
    assert_eq!(
        identify_file_systems(&mut src, 0).unwrap(),
        FileSystems::ISO9660
    );
    let mut image = new_image("NEXT");
    let err = image
        .import_specific_file_system_from(&mut src, 0, FileSystems::JOLIET)
        .unwrap_err();
    assert!(
        matches!(err, ImageError::FileSystemNotFound { .. }),
        "{err}"
    );
    assert_eq!(err.hresult(), 0xC0AA_B152, "IMAPI_E_FILE_SYSTEM_NOT_FOUND");
    assert_eq!(image.file_count(), 0, "tree unchanged on error");
    let fs_used = image.import_file_system_from(&mut src, 0).unwrap();
    assert_eq!(fs_used, FileSystems::ISO9660);
    assert_eq!(image.file_count(), 1);
}

#[test]
fn i19_i20_in_memory_items_win_and_type_collisions() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("c.iso");
    fs::File::create(&img).unwrap();
    append(&img, |im| {
        im.add_bytes("/f", b"old".to_vec()).unwrap();
        im.add_directory("/d").unwrap();
    });
    let mut src = Src::open(&img).unwrap();
    let mut image = new_image("NEXT");
    image.add_bytes("/f", b"mine".to_vec()).unwrap();
    image.import_file_system_from(&mut src, 32).unwrap();
    assert_eq!(image.file_count(), 1);
    let mut image = new_image("NEXT");
    image.add_bytes("/d", b"x".to_vec()).unwrap();
    let err = image.import_file_system_from(&mut src, 32).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::ImportTypeCollisionFileExistsAsDirectory { .. }
        ),
        "{err}"
    );
    assert_eq!(err.hresult(), 0xC0AA_B155);
    let mut image = new_image("NEXT");
    image.add_directory("/f").unwrap();
    let err = image.import_file_system_from(&mut src, 32).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::ImportTypeCollisionDirectoryExistsAsFile { .. }
        ),
        "{err}"
    );
}

/// A sector source that records every LBA read.
struct Counting<S> {
    inner: S,
    read: Vec<(u64, u64)>,
}

impl<S: discburn_reader::SectorSource> discburn_reader::SectorSource for Counting<S> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.read.push((lba, (buf.len() / 2048) as u64));
        self.inner.read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        self.inner.total_sectors()
    }
}

#[test]
fn i18_import_reads_no_file_data() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let img = dir.path().join("d.iso");
    fs::File::create(&img).unwrap();
    append(&img, |im| {
        im.add_tree(&src, "/").unwrap();
    });
    // The data extents of every file, from the reader.
    let mut plain = Src::open(&img).unwrap();
    let vol = discburn_reader::Volume::open(&mut plain, 32, &Default::default()).unwrap();
    let tree = vol
        .read_tree(&mut plain, discburn_reader::View::RockRidge)
        .unwrap();
    let mut data = Vec::new();
    for (_, n) in tree.walk() {
        if n.kind() == discburn_reader::NodeKind::File {
            for e in n.extents() {
                if e.length > 0 {
                    data.push((u64::from(e.lba), e.sectors()));
                }
            }
        }
    }
    assert!(!data.is_empty());
    let mut counting = Counting {
        inner: Src::open(&img).unwrap(),
        read: Vec::new(),
    };
    let mut image = new_image("NEXT");
    image.import_last_session_from(&mut counting).unwrap();
    assert!(image.file_count() > 10);
    // The safety scan reads one sector per 16 past the end; none of it is file data.
    for &(lba, n) in &counting.read {
        for &(d, dn) in &data {
            assert!(
                lba + n <= d || d + dn <= lba,
                "import read {n} sectors at {lba}, file data at {d}+{dn}"
            );
        }
    }
}

#[test]
fn i12_i13_i14_udf_bridge_imported_via_udf_and_joliet_still_importable() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    fs::create_dir_all(&a).unwrap();
    fs::write(a.join("u.txt"), b"udf bridge\n").unwrap();
    let img = dir.path().join("u.iso");
    run(
        "genisoimage",
        &[
            "-quiet",
            "-udf",
            "-J",
            "-R",
            "-o",
            img.to_str().unwrap(),
            a.to_str().unwrap(),
        ],
    );
    let mut src = Src::open(&img).unwrap();
    let found = discburn_image::identify_file_systems(&mut src, 0).unwrap();
    assert!(
        found.contains(FileSystems::UDF | FileSystems::JOLIET),
        "{found:?}"
    );
    // I-13/I-14: UDF is chosen and imported; I-18: no sector of file data is read.
    let data: Vec<(u64, u64)> = {
        let vol = discburn_reader::Volume::open(&mut src, 0, &Default::default()).unwrap();
        let t = vol.read_tree(&mut src, discburn_reader::View::Udf).unwrap();
        t.iter()
            .filter(|n| n.kind() == discburn_reader::NodeKind::File)
            .flat_map(|n| n.extents().to_vec())
            .filter(|e| e.length > 0)
            .map(|e| (u64::from(e.lba), e.sectors()))
            .collect()
    };
    assert!(!data.is_empty());
    let mut counting = Counting {
        inner: Src::open(&img).unwrap(),
        read: Vec::new(),
    };
    let mut image = new_image("NEXT");
    assert_eq!(
        image.import_file_system_from(&mut counting, 0).unwrap(),
        FileSystems::UDF
    );
    assert_eq!(image.file_count(), 1);
    for &(lba, n) in &counting.read {
        for &(d, dn) in &data {
            assert!(
                lba + n <= d || d + dn <= lba,
                "UDF import read {n} sectors at {lba}, file data at {d}+{dn}"
            );
        }
    }
    let mut joliet = new_image("NEXT");
    joliet
        .import_specific_file_system_from(&mut src, 0, FileSystems::JOLIET)
        .unwrap();
    assert_eq!(joliet.file_count(), 1);

    // I-12: nothing recognizable at the session start.
    let zeros = dir.path().join("z.bin");
    fs::write(&zeros, vec![0u8; 64 * 2048]).unwrap();
    let mut src = Src::open(&zeros).unwrap();
    let err = new_image("NEXT")
        .import_file_system_from(&mut src, 0)
        .unwrap_err();
    assert!(
        matches!(err, ImageError::NoSupportedFileSystem { session_start: 0 }),
        "{err}"
    );
}

#[test]
fn refuses_to_append_on_top_of_sessions_past_the_claimed_end() {
    // A sequential-media dump (peers.md §1.1 hazard, §6 item 11): session 1 at LBA 0 by
    // genisoimage, session 2 written after it without a head, so LBA 16 claims only
    // session 1's end.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    fs::create_dir_all(&a).unwrap();
    fs::write(a.join("one.txt"), b"one\n").unwrap();
    let img = dir.path().join("dump.iso");
    run(
        "genisoimage",
        &[
            "-quiet",
            "-R",
            "-o",
            img.to_str().unwrap(),
            a.to_str().unwrap(),
        ],
    );
    let blocks = fs::metadata(&img).unwrap().len() / 2048;
    let nwa = (blocks.next_multiple_of(32) + 64) as u32;
    let mut s2 = new_image("NEXT");
    s2.set_session_start_block(nwa);
    s2.add_bytes("/two.txt", b"two\n".to_vec()).unwrap();
    let mut r = s2.create_result_image().unwrap();
    let mut f = fs::OpenOptions::new().write(true).open(&img).unwrap();
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(u64::from(nwa) * 2048)).unwrap();
    r.write_to(&mut f).unwrap();
    drop(f);
    let before = fs::read(&img).unwrap();

    let mut src = Src::open(&img).unwrap();
    let mut image = new_image("NEXT");
    let err = image.import_last_session_from(&mut src).unwrap_err();
    assert!(
        matches!(err, ImageError::DataAfterSessionStart { found_lba, .. } if found_lba == u64::from(nwa) + 16),
        "{err}"
    );
    assert_eq!(fs::read(&img).unwrap(), before, "nothing written");
}

#[test]
fn o23_multi_extent_file_kept_at_its_extents_by_import() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    let size: u64 = (4 << 30) + 4321;
    make_huge_file(&src, size);
    let img = dir.path().join("big.iso");
    fs::File::create(&img).unwrap();
    append(&img, |im| {
        im.add_tree(&src, "/").unwrap();
    });
    let i = img.to_str().unwrap();
    let lba1 = run(
        "xorriso",
        &["-indev", i, "-find", "/huge.bin", "-exec", "report_lba"],
    );
    let s2 = append(&img, |im| {
        im.add_bytes("/small.txt", b"small\n".to_vec()).unwrap();
    });
    // O-23: the new session holds no copy of the data.
    assert!(s2.used_blocks().unwrap() < 100);
    let lba2 = run(
        "xorriso",
        &["-indev", i, "-find", "/huge.bin", "-exec", "report_lba"],
    );
    let extents = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.contains("'/huge.bin'"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(extents(&lba1).len(), 2, "{lba1}");
    assert_eq!(extents(&lba1), extents(&lba2), "same extents after import");
    let tail = dir.path().join("tail");
    assert_eq!(xorriso_huge_tail(i, &tail), b"tail-marker");
}
