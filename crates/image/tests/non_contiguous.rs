//! A file recorded in several extents that are not contiguous (ECMA-119 6.5.1 allows
//! gaps between the extents of a multi-extent file, and any order): a crafted image
//! that xorriso reads is imported, a session is appended, and the new directory records
//! (ECMA-119 and Joliet, one per extent, Multi-Extent flag on all but the last, ECMA-119
//! 9.1.6) point at the same extents: no file data is read or written (I-18). Checked with
//! xorriso, isoinfo, pycdlib and our reader. Extents past the end of the media are
//! refused, naming the directory record and the LBAs.

mod common;

use std::fs;
use std::path::Path;

use common::{run, timestamp};
use discburn_image::{Extent, FileSource, FileSystemImage, FileSystems, ImageError, IsoLevel};
use discburn_reader::FileSource as Src;
use discburn_reader::{NodeKind, ReadError, View, Volume};

/// Little/big-endian both-byte-order u32 (ECMA-119 7.3.3) at `at`.
fn put_both(rec: &mut [u8], at: usize, v: u32) {
    rec[at..at + 4].copy_from_slice(&v.to_le_bytes());
    rec[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

/// One directory record of a root directory.
#[derive(Debug, Clone)]
struct Rec {
    /// Offset in the image.
    off: usize,
    lba: u32,
    size: u32,
    flags: u8,
    id: Vec<u8>,
}

/// The records of the root directory named by the volume descriptor at `vd_lba`
/// (16: primary, 17: Joliet supplementary), "." and ".." left out.
fn root_records(img: &[u8], vd_lba: usize) -> Vec<Rec> {
    let vd = &img[vd_lba * 2048..(vd_lba + 1) * 2048];
    assert_eq!(&vd[1..6], b"CD001");
    let root = &vd[156..190];
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
        if id != [0] && id != [1] {
            out.push(Rec {
                off,
                lba: u32::from_le_bytes(r[2..6].try_into().unwrap()),
                size: u32::from_le_bytes(r[10..14].try_into().unwrap()),
                flags: r[25],
                id,
            });
        }
        off += l;
    }
    out
}

/// The records whose identifier starts with `name` (an ASCII name; Joliet identifiers
/// are UCS-2, matched on their low bytes).
fn records_named(recs: &[Rec], name: &str) -> Vec<Rec> {
    let plain = |id: &[u8]| -> Vec<u8> {
        if id.len() >= 2 && id[0] == 0 {
            id.iter().skip(1).step_by(2).copied().collect()
        } else {
            id.to_vec()
        }
    };
    recs.iter()
        .filter(|r| {
            let p = plain(&r.id);
            p.starts_with(name.as_bytes()) && matches!(p.get(name.len()), None | Some(b';' | b'.'))
        })
        .cloned()
        .collect()
}

fn first_session_image() -> FileSystemImage {
    let mut im = FileSystemImage::new();
    im.set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::JOLIET);
    im.set_iso_level(IsoLevel::Level3);
    im.set_volume_name("GAPS").unwrap();
    im.set_timestamp(timestamp());
    im
}

/// Imports the newest session of `img`, lets `edit` change the tree and appends the
/// session (random-write layout with its head at LBA 0–31).
fn append(
    img: &Path,
    im: FileSystemImage,
    edit: impl FnOnce(&mut FileSystemImage),
) -> FileSystemImage {
    common::append_random_write(img, im, edit)
}

const CONTENT_A0: &[u8] = b"third extent, recorded before the first\n";

/// The crafted medium: session 1 at LBA 32 (ISO 9660 + Joliet, no Rock Ridge) holds
/// A0, A1, A2, A3 (data in that order); in both hierarchies the records of A1, A2 and
/// A3 are rewritten into the three records of one file A1 whose extents are A1's data,
/// A3's data (A2's block is a gap) and A0's data (before the first: out of order).
/// Returns the image path, A1's expected content and its extents.
fn crafted(dir: &Path) -> (std::path::PathBuf, Vec<u8>, Vec<(u32, u32)>) {
    let img_path = dir.join("gaps.iso");
    fs::File::create(&img_path).unwrap();
    append(&img_path, first_session_image(), |im| {
        im.add_bytes("/A0", CONTENT_A0.to_vec()).unwrap();
        im.add_bytes("/A1", vec![b'1'; 2048]).unwrap();
        im.add_bytes("/A2", vec![b'2'; 2048]).unwrap();
        im.add_bytes("/A3", vec![b'3'; 2048]).unwrap();
    });
    let mut img = fs::read(&img_path).unwrap();
    let mut extents = None;
    for vd in [16, 17] {
        let recs = root_records(&img, vd);
        let one = |n: &str| {
            let v = records_named(&recs, n);
            assert_eq!(v.len(), 1, "{n}: {recs:?}");
            v[0].clone()
        };
        let (a0, a1, a2, a3) = (one("A0"), one("A1"), one("A2"), one("A3"));
        assert!(a0.lba >= 32, "data outside the head blocks");
        assert!(a0.lba < a1.lba && a1.lba + 1 < a3.lba, "{recs:?}");
        assert_eq!(a2.off, a1.off + img[a1.off] as usize, "consecutive records");
        assert_eq!(a3.off, a2.off + img[a2.off] as usize, "consecutive records");
        assert_eq!(a1.id.len(), a2.id.len());
        assert_eq!(a1.id.len(), a3.id.len());
        // A1 first extent: its own data, flagged Multi-Extent (ECMA-119 9.1.6 bit 7).
        img[a1.off + 25] |= 0x80;
        // A2 → A3's data (A2's block becomes the gap), Multi-Extent.
        let n = a1.id.len();
        {
            let rec = &mut img[a2.off..a2.off + 33 + n];
            put_both(rec, 2, a3.lba);
            put_both(rec, 10, a3.size);
            rec[25] |= 0x80;
            rec[33..33 + n].copy_from_slice(&a1.id);
        }
        // A3 → A0's data (before the first extent), the last record.
        {
            let rec = &mut img[a3.off..a3.off + 33 + n];
            put_both(rec, 2, a0.lba);
            put_both(rec, 10, a0.size);
            rec[33..33 + n].copy_from_slice(&a1.id);
        }
        let e = vec![(a1.lba, a1.size), (a3.lba, a3.size), (a0.lba, a0.size)];
        if let Some(prev) = &extents {
            assert_eq!(prev, &e, "both hierarchies share the data");
        }
        extents = Some(e);
    }
    fs::write(&img_path, &img).unwrap();
    let mut expected = vec![b'1'; 2048];
    expected.extend_from_slice(&[b'3'; 2048]);
    expected.extend_from_slice(CONTENT_A0);
    (img_path, expected, extents.unwrap())
}

/// xorriso's `report_lba` lines of `path`: (start LBA, blocks) per extent.
fn xorriso_extents(img: &Path, path: &str) -> Vec<(u32, u32)> {
    let out = run(
        "xorriso",
        &[
            "-indev",
            img.to_str().unwrap(),
            "-find",
            path,
            "-exec",
            "report_lba",
        ],
    );
    out.lines()
        .filter(|l| l.starts_with("File data lba:") && l.contains(&format!("'{path}'")))
        .map(|l| {
            let f: Vec<&str> = l["File data lba:".len()..].split(',').collect();
            (f[1].trim().parse().unwrap(), f[2].trim().parse().unwrap())
        })
        .collect()
}

fn xorriso_extract(img: &Path, path: &str, out: &Path) -> Vec<u8> {
    common::xorriso_extract_to(img, path, out);
    fs::read(out).unwrap()
}

/// A file's content read with our reader through its extents.
fn read_with_reader(src: &mut Src, extents: &[discburn_reader::Extent]) -> Vec<u8> {
    common::read_extents(src, extents)
}

#[test]
fn i18_non_contiguous_multi_extent_file_kept_across_an_appended_session() {
    let dir = tempfile::tempdir().unwrap();
    let (img, expected, extents) = crafted(dir.path());
    let blocks = |v: &[(u32, u32)]| -> Vec<(u32, u32)> {
        v.iter().map(|&(l, s)| (l, s.div_ceil(2048))).collect()
    };

    // The crafted image: xorriso reads one file of three extents, gap skipped, in
    // record order.
    assert_eq!(
        xorriso_extract(&img, "/A1", &dir.path().join("a1-before")),
        expected
    );
    assert_eq!(xorriso_extents(&img, "/A1"), blocks(&extents));

    // Import keeps the extents as recorded; append a session with a file added and
    // one removed (A0, whose data is A1's third extent: it stays on the medium).
    let mut im = FileSystemImage::new();
    im.set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    );
    im.set_iso_level(IsoLevel::Level3);
    im.set_volume_name("GAPS2").unwrap();
    im.set_timestamp(timestamp());
    let before = fs::read(&img).unwrap();
    let im = append(&img, im, |im| {
        assert_eq!(im.imported_volume_name(), Some("GAPS"));
        im.remove("/A0").unwrap();
        im.add_bytes("/NEW.TXT", b"added in session 2\n".to_vec())
            .unwrap();
        // Nothing of the first session is planned as data of the new one.
        let layout = im.plan().unwrap();
        assert_eq!(layout.data_extents().len(), 1, "only NEW.TXT is written");
    });
    let after = fs::read(&img).unwrap();
    assert!(im.session_start_block() as usize * 2048 >= before.len());
    assert_eq!(
        after[32 * 2048..before.len()],
        before[32 * 2048..],
        "the first session is untouched"
    );

    // Our own records: one per extent, Multi-Extent on all but the last, in both
    // hierarchies (the head's descriptors at 16/17 name the new session).
    for vd in [16, 17] {
        let recs = records_named(&root_records(&after, vd), "A1");
        let got: Vec<(u32, u32, u8)> = recs.iter().map(|r| (r.lba, r.size, r.flags)).collect();
        let want: Vec<(u32, u32, u8)> = extents
            .iter()
            .enumerate()
            .map(|(i, &(l, s))| (l, s, if i + 1 < extents.len() { 0x80 } else { 0 }))
            .collect();
        assert_eq!(got, want, "descriptor at LBA {vd}");
        assert!(recs[0].off as u64 / 2048 >= u64::from(im.session_start_block()));
        assert!(records_named(&root_records(&after, vd), "A0").is_empty());
    }

    // xorriso: content, the same extents, the size; the added file; A0 gone.
    assert_eq!(
        xorriso_extract(&img, "/A1", &dir.path().join("a1-after")),
        expected
    );
    assert_eq!(xorriso_extents(&img, "/A1"), blocks(&extents));
    let lsl = run("xorriso", &["-indev", img.to_str().unwrap(), "-lsl", "/"]);
    let a1_line = lsl
        .lines()
        .find(|l| l.ends_with("'A1'"))
        .unwrap_or_else(|| panic!("{lsl}"));
    assert!(
        a1_line
            .split_whitespace()
            .any(|w| w == expected.len().to_string()),
        "{a1_line}"
    );
    assert!(!lsl.contains("'A0'"), "{lsl}");
    assert_eq!(
        xorriso_extract(&img, "/NEW.TXT", &dir.path().join("new")),
        b"added in session 2\n"
    );
    let toc = run("xorriso", &["-indev", img.to_str().unwrap(), "-toc"]);
    assert_eq!(
        toc.lines().filter(|l| l.starts_with("ISO session")).count(),
        2,
        "{toc}"
    );

    // isoinfo lists one line per record (the three extents, sizes adding up to the
    // file's) and extracts the joined content through Rock Ridge, ISO 9660 and Joliet.
    let i = img.to_str().unwrap();
    let l = run("isoinfo", &["-i", i, "-R", "-l"]);
    let listed: Vec<(u32, u32)> = l
        .lines()
        .filter(|x| x.trim_end().ends_with(" A1"))
        .map(|x| {
            let w: Vec<&str> = x.split_whitespace().collect();
            let at = w.iter().position(|&t| t == "[").unwrap();
            (w[at + 1].parse().unwrap(), w[4].parse().unwrap())
        })
        .collect();
    assert_eq!(listed, extents, "{l}");
    assert_eq!(
        listed.iter().map(|e| e.1 as usize).sum::<usize>(),
        expected.len()
    );
    assert!(!l.contains(" A0"), "{l}");
    for args in [
        &["-i", i, "-R", "-x", "/A1"][..],
        &["-i", i, "-x", "/A1.;1"][..],
        &["-i", i, "-J", "-x", "/A1;1"][..],
    ] {
        assert_eq!(common::run_bytes("isoinfo", args), expected, "{args:?}");
    }

    // pycdlib reads the content through the Joliet and ISO 9660 paths (it follows the
    // chain of records from the first; its Rock Ridge lookup picks the last record of
    // equal NM names, as for files >= 4 GiB written from the host, so rr_path is not
    // used here).
    let script = format!(
        r#"
import io, pycdlib, sys
iso = pycdlib.PyCdlib()
iso.open({img:?})
for kw in ({{'joliet_path': '/A1;1'}}, {{'iso_path': '/A1.;1'}}):
    b = io.BytesIO()
    iso.get_file_from_iso_fp(b, **kw)
    sys.stdout.write(b.getvalue().hex() + "\n")
iso.close()
"#,
        img = img.to_str().unwrap()
    );
    let out = run("python3", &["-c", &script]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for l in lines {
        assert_eq!(l, common::hex(&expected), "pycdlib");
    }

    // Our reader: every view gives the three extents and the content.
    let mut src = Src::open(&img).unwrap();
    let vol = Volume::open(
        &mut src,
        u64::from(im.session_start_block()),
        &Default::default(),
    )
    .unwrap();
    for view in [View::RockRidge, View::Joliet, View::Iso9660] {
        let tree = vol.read_tree(&mut src, view).unwrap();
        let n = tree
            .find("/A1")
            .unwrap_or_else(|| panic!("{view:?}: {:?}", tree.walk()));
        assert_eq!(n.kind(), NodeKind::File);
        assert_eq!(n.size(), expected.len() as u64);
        let got: Vec<(u32, u32)> = n.extents().iter().map(|e| (e.lba, e.length)).collect();
        assert_eq!(got, extents, "{view:?}");
        assert_eq!(read_with_reader(&mut src, n.extents()), expected);
        assert!(tree.find("/A0").is_none());
    }

    // A third session (import of our own records) keeps them again.
    let mut im3 = FileSystemImage::new();
    im3.set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    );
    im3.set_iso_level(IsoLevel::Level3);
    im3.set_timestamp(timestamp());
    append(&img, im3, |im| {
        im.add_bytes("/S3", b"3\n".to_vec()).unwrap();
    });
    assert_eq!(xorriso_extents(&img, "/A1"), blocks(&extents));
    assert_eq!(
        xorriso_extract(&img, "/A1", &dir.path().join("a1-s3")),
        expected
    );
}

#[test]
fn extents_as_a_data_source_need_level_3_and_write_no_data() {
    let ext: std::sync::Arc<[Extent]> = vec![
        Extent {
            lba: 900,
            length: 4096,
        },
        Extent {
            lba: 500,
            length: 10,
        },
    ]
    .into();
    let mut im = first_session_image();
    im.set_session_start_block(1000);
    im.add_file_source("/F", FileSource::Extents(ext.clone()), None)
        .unwrap();
    im.set_iso_level(IsoLevel::Level2);
    match im.plan() {
        Err(ImageError::FileTooLarge { path, size, .. }) => {
            assert_eq!(path, "/F");
            assert_eq!(size, 4106);
        }
        other => panic!("{other:?}"),
    }
    im.set_iso_level(IsoLevel::Level3);
    let layout = im.plan().unwrap();
    assert!(layout.data_extents().is_empty(), "extents are not written");
    // One extent at level 2 is one File Section: allowed.
    let mut one = first_session_image();
    one.set_iso_level(IsoLevel::Level2);
    one.set_session_start_block(1000);
    one.add_file_source("/G", FileSource::Extents(ext[..1].into()), None)
        .unwrap();
    assert!(one.plan().unwrap().data_extents().is_empty());
}

#[test]
fn extent_past_the_media_end_is_refused_naming_the_record_and_lba() {
    let dir = tempfile::tempdir().unwrap();
    let (img_path, _, extents) = crafted(dir.path());
    let mut img = fs::read(&img_path).unwrap();
    let total = (img.len() / 2048) as u32;
    let bad = total + 1000;
    // The last record of A1 in the ECMA-119 hierarchy points past the end.
    let recs = records_named(&root_records(&img, 16), "A1");
    assert_eq!(recs.len(), 3);
    let last = recs.last().unwrap();
    assert_eq!(last.lba, extents[2].0);
    put_both(&mut img[last.off..], 2, bad);
    // And in the Joliet hierarchy.
    let jrecs = records_named(&root_records(&img, 17), "A1");
    put_both(&mut img[jrecs.last().unwrap().off..], 2, bad);
    fs::write(&img_path, &img).unwrap();

    let mut im = FileSystemImage::new();
    let mut src = Src::open(&img_path).unwrap();
    let err = im.import_last_session_from(&mut src).unwrap_err();
    let msg = err.to_string();
    match &err {
        ImageError::Import {
            source: ReadError::ExtentPastEnd { place, start, .. },
        } => {
            assert_eq!(*start, u64::from(bad));
            assert_eq!(place.structure, "directory record");
            assert_eq!(
                place.lba * 2048 + u64::from(place.offset),
                if place.lba == (last.off / 2048) as u64 {
                    last.off as u64
                } else {
                    jrecs.last().unwrap().off as u64
                },
                "the record of A1's last extent"
            );
        }
        e => panic!("{e:?}"),
    }
    assert!(msg.contains(&bad.to_string()), "{msg}");
    assert!(msg.contains("past the end of the media"), "{msg}");
    assert_eq!(im.imported_volume_name(), None, "nothing imported");
    assert_eq!(im.file_count(), 0);
}
