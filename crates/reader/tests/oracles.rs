//! The reader against images made by xorriso and genisoimage, compared with what xorriso,
//! isoinfo and pycdlib list and with the manifest of the source tree (names, sizes,
//! symlink targets, file contents read through the extents the reader found).

mod common;

use std::path::Path;

use common::{Names, assert_same, manifest, read, scratch, subdir, tool};
use discburn_reader::{FileSource, FileSystems, ReadError, ReadOptions, View, Volume, identify};
use discburn_reader::{NodeKind, ReadSeekSource, SectorSource, validate_path_table};
use discburn_testkit::generate;
use discburn_testkit::oracle::{self, Image, IsoinfoView, PycdlibFacade};
use discburn_testkit::tree::{Node, Tree as Manifest};

/// A source tree with symlinks, hard links, empty files, long and non-ASCII names and a
/// deep branch (and, with `names`, long and non-ASCII names); returns (directory, manifest).
fn mixed_tree(dir: &Path, names: Option<bool>) -> (std::path::PathBuf, Manifest) {
    let root = subdir(dir, "src");
    let mut m = Manifest::new();
    type Generator = fn(&Path) -> Manifest;
    let parts: [(&str, Generator); 3] = [
        ("sym", generate::symlinks),
        ("hl", generate::empty_and_hard_linked),
        ("deep", generate::deep_tree),
    ];
    for (name, f) in parts {
        let t = f(&subdir(&root, name));
        m.graft(&format!("/{name}"), &t);
    }
    if let Some(non_bmp) = names {
        let t = generate::long_and_unicode_names(&subdir(&root, "names"), non_bmp);
        m.graft("/names", &t);
    }
    (root, m)
}

/// Masters `src` into `img` with Rock Ridge and long Joliet names: `xorriso -as mkisofs`
/// or `genisoimage -quiet`, each with `-R -J -joliet-long`.
fn master_rr_joliet(tool_name: &str, src: &Path, img: &Path) {
    let mut args = match tool_name {
        "xorriso" => vec!["-as", "mkisofs"],
        _ => vec!["-quiet"],
    };
    args.extend([
        "-R",
        "-J",
        "-joliet-long",
        "-o",
        img.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    tool(tool_name, &args);
}

/// The reader's Joliet view of `img` equals what pycdlib lists.
fn joliet_matches_pycdlib(img: &Path) {
    let (_, joliet) = read(img, 0, View::Joliet);
    let pj = oracle::pycdlib_list(Image::plain(img), PycdlibFacade::Joliet, true);
    assert_same(
        "Joliet view vs pycdlib",
        &manifest(&joliet, Names::View, Some(img)),
        &pj.tree,
    );
}

/// The reader's ISO 9660 view of `img` (identifiers, contents) equals what isoinfo lists.
fn iso9660_matches_isoinfo(what: &str, img: &Path) {
    let (_, iso) = read(img, 0, View::Iso9660);
    let ii = oracle::isoinfo_list(Image::plain(img), IsoinfoView::Iso9660, true);
    assert_same(
        what,
        &manifest(&iso, Names::Identifier, Some(img)),
        &ii.tree,
    );
}

fn check_path_tables(img: &Path, vol: &Volume, views: &[View]) {
    let mut src = FileSource::open(img).unwrap();
    for &v in views {
        let t = vol.read_tree(&mut src, v).unwrap();
        validate_path_table(&mut src, vol, &t)
            .unwrap_or_else(|e| panic!("{} {v} path table: {e}", img.display()));
    }
}

#[test]
fn xorriso_rr_joliet_image_matches_source_and_oracles() {
    let dir = scratch();
    let (src, expected) = mixed_tree(dir.path(), Some(true));
    let img = dir.path().join("x.iso");
    master_rr_joliet("xorriso", &src, &img);
    let (vol, rr) = read(&img, 0, View::RockRidge);
    assert_eq!(
        vol.file_systems(),
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE
    );
    let mut s = FileSource::open(&img).unwrap();
    assert_eq!(identify(&mut s, 0).unwrap(), vol.file_systems());
    // I-15 (IdentifyFileSystemsOnDisc) and the import order RR > Joliet > ISO 9660.
    assert_eq!(vol.default_view(), View::RockRidge);
    let ours = manifest(&rr, Names::View, Some(&img));
    assert_same("RR view vs source tree", &ours, &expected);
    let xo = oracle::xorriso_list(Image::plain(&img));
    assert_same("RR view vs xorriso", &ours.without_digests(), &xo.tree);
    // Rock Ridge attributes: modes of the symlinks and hard-link groups.
    let link = rr.find("/sym/rel").unwrap();
    assert_eq!(link.kind(), NodeKind::Symlink);
    assert_eq!(link.rock_ridge().unwrap().mode & 0o170000, 0o120000);
    let groups = rr.hard_link_groups();
    let named: Vec<Vec<String>> = groups
        .iter()
        .map(|g| g.iter().map(|&id| rr.get(id).path()).collect())
        .collect();
    assert!(
        named.contains(&vec![
            "/hl/hl_a".to_string(),
            "/hl/hl_b".into(),
            "/hl/sub/hl_c".into()
        ]) || named
            .iter()
            .any(|g| g.len() == 3 && g.contains(&"/hl/hl_b".to_string())),
        "hard links not grouped: {named:?}"
    );

    joliet_matches_pycdlib(&img);

    let (_, iso) = read(&img, 0, View::Iso9660);
    let pi = oracle::pycdlib_list(Image::plain(&img), PycdlibFacade::Iso9660, false);
    assert_same(
        "ISO 9660 identifiers vs pycdlib",
        &manifest(&iso, Names::Identifier, None),
        &pi.tree,
    );
    check_path_tables(&img, &vol, &[View::Iso9660, View::Joliet]);
}

/// A source that records every read.
struct Recording<S> {
    inner: S,
    reads: Vec<(u64, u64)>,
}

impl<S: SectorSource> SectorSource for Recording<S> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.reads.push((lba, (buf.len() / 2048) as u64));
        self.inner.read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        self.inner.total_sectors()
    }
}

/// I-18: import reads only metadata — reading every view touches no file data sector,
/// and reads each directory in one request.
#[test]
fn i18_reading_trees_reads_no_file_data() {
    let dir = scratch();
    let (src, _) = mixed_tree(dir.path(), Some(false));
    let img = dir.path().join("x.iso");
    master_rr_joliet("xorriso", &src, &img);
    let bytes = std::fs::read(&img).unwrap();
    let mut rec = Recording {
        inner: ReadSeekSource::new(std::io::Cursor::new(bytes)).unwrap(),
        reads: Vec::new(),
    };
    let vol = Volume::open(&mut rec, 0, &ReadOptions::default()).unwrap();
    let mut data: Vec<(u64, u64)> = Vec::new();
    let mut dirs: Vec<(u64, u64)> = Vec::new();
    for view in [View::RockRidge, View::Joliet, View::Iso9660] {
        let t = vol.read_tree(&mut rec, view).unwrap();
        for n in t.iter() {
            if n.kind() == NodeKind::File {
                data.extend(
                    n.extents()
                        .iter()
                        .filter(|e| e.length > 0)
                        .map(|e| (u64::from(e.lba), e.sectors())),
                );
            } else if n.is_dir() {
                let e = n.extents()[0];
                dirs.push((u64::from(e.lba), e.sectors()));
            }
        }
    }
    assert!(!data.is_empty());
    for &(lba, count) in &rec.reads {
        for &(s, n) in &data {
            assert!(
                lba + count <= s || s + n <= lba,
                "read of {count} sectors at {lba} touches file data at {s}+{n}"
            );
        }
    }
    // Each walk reads each multi-sector directory in exactly one request (single-sector
    // ones are also probed for SUSP and may hold continuation areas).
    dirs.retain(|d| d.1 > 1);
    dirs.sort();
    let mut whole: Vec<(u64, u64)> = rec
        .reads
        .iter()
        .copied()
        .filter(|r| dirs.binary_search(r).is_ok())
        .collect();
    whole.sort();
    assert_eq!(whole, dirs, "one request per directory and walk");
    assert!(
        dirs.iter().any(|d| d.1 > 1),
        "no multi-sector directory in the test image"
    );
}

#[test]
fn genisoimage_rr_joliet_with_relocated_directories() {
    let dir = scratch();
    let (src, mut expected) = mixed_tree(dir.path(), None);
    let img = dir.path().join("g.iso");
    master_rr_joliet("genisoimage", &src, &img);
    let (vol, rr) = read(&img, 0, View::RockRidge);
    assert_eq!(
        vol.file_systems(),
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE
    );
    // The 12-level branch is relocated (RRIP 4.1.5): CL at the original place, RE in
    // rr_moved (hidden there), PL in "..". The Rock Ridge view shows the original tree,
    // plus the now empty relocation directory, as xorriso does.
    let relocated = rr
        .iter()
        .filter(|n| n.rock_ridge().is_some_and(|r| r.relocated))
        .count();
    assert!(relocated > 0, "genisoimage relocated nothing");
    expected.insert("/rr_moved", Node::Dir);
    let ours = manifest(&rr, Names::View, Some(&img));
    assert_same("RR view vs source tree", &ours, &expected);
    assert_eq!(rr.find("/rr_moved").unwrap().child_count(), 0);
    let xo = oracle::xorriso_list(Image::plain(&img));
    assert_same("RR view vs xorriso", &ours.without_digests(), &xo.tree);

    // The ISO 9660 view keeps the relocated directories under RR_MOVED, as isoinfo shows.
    iso9660_matches_isoinfo("ISO 9660 identifiers vs isoinfo", &img);
    joliet_matches_pycdlib(&img);
    check_path_tables(&img, &vol, &[View::Iso9660, View::Joliet]);
}

#[test]
fn genisoimage_joliet_only_and_plain() {
    let dir = scratch();
    let src = subdir(dir.path(), "src");
    let expected = generate::empty_and_hard_linked(&src);
    for (opts, fs) in [
        (&["-J"][..], FileSystems::ISO9660 | FileSystems::JOLIET),
        (&[][..], FileSystems::ISO9660),
    ] {
        let img = dir.path().join("j.iso");
        let mut args = vec!["-quiet", "-o", img.to_str().unwrap()];
        args.extend_from_slice(opts);
        args.push(src.to_str().unwrap());
        tool("genisoimage", &args);
        let mut s = FileSource::open(&img).unwrap();
        let vol = Volume::open(&mut s, 0, &ReadOptions::default()).unwrap();
        assert_eq!(vol.file_systems(), fs, "{opts:?}");
        assert!(matches!(
            vol.read_tree(&mut s, View::RockRidge),
            Err(ReadError::FileSystemNotFound {
                file_system: "Rock Ridge",
                ..
            })
        ));
        iso9660_matches_isoinfo("ISO 9660 vs isoinfo", &img);
        if fs.contains(FileSystems::JOLIET) {
            assert_eq!(vol.default_view(), View::Joliet);
            let (_, joliet) = read(&img, 0, View::Joliet);
            assert_same(
                "Joliet view vs source",
                &manifest(&joliet, Names::View, Some(&img)),
                &expected,
            );
        } else {
            assert_eq!(vol.default_view(), View::Iso9660);
            assert!(vol.read_tree(&mut s, View::Joliet).is_err());
        }
        check_path_tables(&img, &vol, &[View::Iso9660]);
    }
}
