//! External-oracle round trips (rust-style.md §5.6 tier d): images built with the API
//! are read back with xorriso, isoinfo (-R, -J, -T), bsdtar, 7-Zip and the Linux kernel,
//! and extracted trees are compared with the source by content digest.

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;

use common::*;

fn built(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let src = dir.join("src");
    make_tree(&src);
    let iso = dir.join("img.iso");
    write_image(&image_of(&src, 0), &iso);
    (src, iso)
}

/// Every path of the source tree, as the Rock Ridge view must show it.
fn source_paths(src: &Path) -> Vec<String> {
    snapshot(src).keys().cloned().collect()
}

#[test]
fn o21_xorriso_lists_the_rock_ridge_tree() {
    let dir = tempfile::tempdir().unwrap();
    let (src, iso) = built(dir.path());
    let out = run(
        "xorriso",
        &[
            "-indev",
            iso.to_str().unwrap(),
            "-find",
            "/",
            "-exec",
            "lsdl",
        ],
    );
    for p in source_paths(&src) {
        assert!(
            out.contains(&format!("'/{p}'")),
            "xorriso misses /{p}:\n{out}"
        );
    }
    assert!(
        !out.contains("rr_moved"),
        "relocation directory visible:\n{out}"
    );
    assert!(out.contains("'/link-to-readme' -> 'readme.txt'"));
    assert!(out.contains("-rw-r-----"), "permissions of readme.txt lost");
}

#[test]
fn xorriso_extracts_an_identical_tree() {
    let dir = tempfile::tempdir().unwrap();
    let (src, iso) = built(dir.path());
    let x = dir.path().join("x");
    xorriso_extract_to(&iso, "/", &x);
    assert_eq!(snapshot(&x), snapshot(&src));
}

#[test]
fn bsdtar_extracts_an_identical_tree_with_times_modes_and_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    let (src, iso) = built(dir.path());
    let x = dir.path().join("x");
    fs::create_dir(&x).unwrap();
    run(
        "bsdtar",
        &["-x", "-f", iso.to_str().unwrap(), "-C", x.to_str().unwrap()],
    );
    assert_eq!(snapshot(&x), snapshot(&src));
    assert_eq!(
        attributes(&x),
        attributes(&src),
        "RR TF modify time or PX mode differ"
    );
    use std::os::unix::fs::MetadataExt;
    let a = fs::metadata(x.join("data.bin")).unwrap();
    let b = fs::metadata(x.join("hardlink.bin")).unwrap();
    assert_eq!(
        a.ino(),
        b.ino(),
        "bsdtar did not see the hard link (PX serial)"
    );
    let list = run("bsdtar", &["tvf", iso.to_str().unwrap()]);
    assert!(
        list.contains("hardlink.bin link to data.bin")
            || list.contains("data.bin link to hardlink.bin"),
        "{list}"
    );
}

#[test]
fn isoinfo_reads_rock_ridge_and_joliet() {
    let dir = tempfile::tempdir().unwrap();
    let (_src, iso) = built(dir.path());
    let i = iso.to_str().unwrap();
    let d = run("isoinfo", &["-d", "-i", i]);
    assert!(d.contains("Volume id: TESTVOL"), "{d}");
    assert!(d.contains("Joliet with UCS level 3 found"), "{d}");
    assert!(d.contains("Rock Ridge signatures version 1 found"), "{d}");
    let r = run("isoinfo", &["-R", "-l", "-i", i]);
    for name in [
        "readme.txt",
        "README.TXT",
        "Grüße, 日本語.txt",
        &long_name(),
        "link-to-readme -> readme.txt",
        "deep07",
        "f12.txt",
    ] {
        assert!(r.contains(name), "isoinfo -R misses {name}:\n{r}");
    }
    let deep = (1..=DEPTH)
        .map(|i| format!("deep{i:02}"))
        .collect::<Vec<_>>()
        .join("/");
    let got = run_bytes(
        "isoinfo",
        &["-R", "-i", i, "-x", &format!("/{}", long_name())],
    );
    assert_eq!(got, b"long name\n");
    // A file below the relocated directories, by its Rock Ridge path through rr_moved
    // as isoinfo sees it, is found by content.
    assert!(r.contains(&format!("f{DEPTH}.txt")));
    let j = String::from_utf8_lossy(&run_bytes("isoinfo", &["-J", "-l", "-i", i])).into_owned();
    // isoinfo prints Joliet names in ISO 8859-1, so only ASCII names are compared
    // here; 7-Zip checks the others.
    for name in [
        "readme_",
        "README.TXT;1",
        "deep12",
        "f12.txt;1",
        "emptydir",
        "link-to-readme;1",
    ] {
        assert!(j.contains(name), "isoinfo -J misses {name}:\n{j}");
    }
    let got = run_bytes(
        "isoinfo",
        &["-J", "-i", i, "-x", &format!("/{deep}/f{DEPTH}.txt;1")],
    );
    assert_eq!(got, format!("level {DEPTH}\n").as_bytes());
    // The plain ECMA-119 tree maps names to d-characters and resolves the collision.
    let l = run("isoinfo", &["-l", "-i", i]);
    assert!(l.contains("README.TXT;1"), "{l}");
    assert!(l.contains("RR_MOVED"), "{l}");
}

#[test]
fn seven_zip_reads_the_joliet_tree() {
    let dir = tempfile::tempdir().unwrap();
    let (src, iso) = built(dir.path());
    let x = dir.path().join("x");
    sevenzip_extract_to(&iso, &x);
    // 7-Zip shows Joliet names: everything but the 255-byte name (mangled to 64 units)
    // and symbolic links (Joliet has none) is identical.
    let want = snapshot(&src);
    let got = snapshot(&x);
    for (p, v) in &want {
        // readme.txt differs from README.TXT only in case: Joliet names are unique
        // without regard to case, so it carries a hash suffix there.
        if p.starts_with('L') || v.starts_with("l ") || p == "readme.txt" {
            continue;
        }
        assert_eq!(got.get(p), Some(v), "7zz: {p}");
    }
    let renamed: Vec<_> = got
        .iter()
        .filter(|(k, _)| k.starts_with("readme_") && k.ends_with(".txt"))
        .collect();
    assert_eq!(renamed.len(), 1, "{got:?}");
    assert_eq!(renamed[0].1, &want["readme.txt"]);
    let mangled: Vec<_> = got.keys().filter(|k| k.starts_with("LLLL")).collect();
    assert_eq!(mangled.len(), 1, "{mangled:?}");
    assert!(
        mangled[0].ends_with(".txt") && mangled[0].chars().count() == 62,
        "{mangled:?}"
    );
}

#[test]
fn o22_session_at_20000_reads_with_isoinfo_t() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let part = dir.path().join("part");
    let blocks = write_image(&image_of(&src, 20_000), &part);
    // The image file with the session at LBA 20000.
    let disc = dir.path().join("disc.iso");
    let f = fs::File::create(&disc).unwrap();
    f.set_len(20_000 * 2048).unwrap();
    drop(f);
    let mut d = fs::OpenOptions::new().append(true).open(&disc).unwrap();
    std::io::copy(&mut fs::File::open(&part).unwrap(), &mut d).unwrap();
    drop(d);
    let disc_s = disc.to_str().unwrap();
    let info = run("isoinfo", &["-d", "-T", "20000", "-i", disc_s]);
    assert!(
        info.contains(&format!("Volume size is: {blocks}")),
        "session-local volume space size: {info}"
    );
    let l = run("isoinfo", &["-R", "-l", "-T", "20000", "-i", disc_s]);
    assert!(
        l.contains("readme.txt") && l.contains("[  20023 02]"),
        "{l}"
    );
    let got = run_bytes(
        "isoinfo",
        &["-R", "-T", "20000", "-i", disc_s, "-x", "/data.bin"],
    );
    assert_eq!(got, fs::read(src.join("data.bin")).unwrap());
    let got = run_bytes(
        "isoinfo",
        &["-J", "-T", "20000", "-i", disc_s, "-x", "/README.TXT;1"],
    );
    assert_eq!(got, b"upper\n");
}

#[test]
fn kernel_reads_the_rock_ridge_tree() {
    let dir = tempfile::tempdir().unwrap();
    let (src, iso) = built(dir.path());
    let script = discburn_testkit::oracle::kernel_read_script();
    let out = run(script.to_str().unwrap(), &[iso.to_str().unwrap()]);
    assert!(out.contains("RRIP_1991A"), "{out}");
    assert!(!out.contains("rock: corrupted"), "{out}");
    for (p, v) in snapshot(&src) {
        // Linux's get_rock_ridge_filename() stops at 253 bytes (it truncates when
        // retnamlen + len >= 254), so the 255-byte name shows truncated there; xorriso,
        // bsdtar and isoinfo check it in full.
        if p.len() > 253 {
            assert!(
                out.contains(&format!("./{}", &p[..250])),
                "kernel misses the long name:\n{out}"
            );
            continue;
        }
        let line = match v.split_once(' ') {
            Some(("l", t)) => format!("./{p} -> {t}"),
            _ => format!("./{p}"),
        };
        assert!(out.contains(&line), "kernel misses {line}:\n{out}");
        if v.starts_with("f ") {
            use md5::Digest;
            let sum = hex(&md5::Md5::digest(fs::read(src.join(&p)).unwrap()));
            assert!(
                out.contains(&format!("{sum}  ./{p}")),
                "kernel: wrong content of {p}:\n{out}"
            );
        }
    }
    assert!(!out.contains("rr_moved"), "{out}");
    assert!(out.contains("./link-to-readme -> readme.txt"), "{out}");
    assert!(out.contains("-rw-r----- 6 ./readme.txt"), "{out}");
    // The Joliet hierarchy as Linux sees it (norock).
    let out = run(
        script.to_str().unwrap(),
        &["--opts", "ro,norock", iso.to_str().unwrap()],
    );
    assert!(out.contains("Microsoft Joliet Level 3"), "{out}");
    for (p, v) in snapshot(&src) {
        if v.starts_with("f ") && p.len() <= 62 && p != "readme.txt" {
            use md5::Digest;
            let sum = hex(&md5::Md5::digest(fs::read(src.join(&p)).unwrap()));
            assert!(
                out.contains(&format!("{sum}  ./{p}")),
                "kernel Joliet: {p}:\n{out}"
            );
        }
    }
    assert!(
        out.lines().any(|l| l.contains("./LLLL")
            && l.ends_with(".txt")
            && l.split("./").nth(1).unwrap().chars().count() == 62),
        "{out}"
    );
}

#[test]
fn read_path_and_write_to_give_the_same_bytes_and_builds_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let a = dir.path().join("a.iso");
    write_image(&image_of(&src, 0), &a);
    let b = dir.path().join("b.iso");
    write_image(&image_of(&src, 0), &b);
    assert_eq!(sha256_file(&a), sha256_file(&b));
    for chunk in [1usize, 2048, 1 << 20, 3 << 20] {
        let mut r = image_of(&src, 0).create_result_image().unwrap();
        let mut bytes = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
            if chunk == 1 && bytes.len() > 200_000 {
                // A byte-at-a-time read of the head is enough; finish with a big buffer.
                r.read_to_end(&mut bytes).unwrap();
                break;
            }
        }
        assert_eq!(
            bytes,
            fs::read(&a).unwrap(),
            "Read with {chunk}-byte buffers"
        );
    }
}

#[test]
fn level1_plain_iso_names_are_8_3_and_readable() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    make_tree(&src);
    let mut image = image_of(&src, 0);
    image.set_file_systems_to_create(discburn_image::FileSystems::ISO9660);
    image.set_iso_level(discburn_image::IsoLevel::Level1);
    let iso = dir.path().join("l1.iso");
    write_image(&image, &iso);
    let i = iso.to_str().unwrap();
    let d = run("isoinfo", &["-d", "-i", i]);
    assert!(
        d.contains("NO Joliet present") && d.contains("NO Rock Ridge present"),
        "{d}"
    );
    let f = run("isoinfo", &["-f", "-i", i]);
    let mut count = 0;
    for line in f.lines().filter(|l| l.starts_with('/')) {
        let leaf = line.rsplit('/').next().unwrap();
        let (name, ver) = leaf.split_once(';').unwrap_or((leaf, ""));
        let (base, ext) = name.split_once('.').unwrap_or((name, ""));
        assert!(
            base.len() <= 8 && ext.len() <= 3 && (ver.is_empty() || ver == "1"),
            "not 8.3: {line}"
        );
        assert!(
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '.'),
            "{line}"
        );
        count += 1;
    }
    assert_eq!(count, snapshot(&src).len(), "{f}");
    // Without Rock Ridge there is no relocation: the deep path is there as is.
    let got = run_bytes(
        "isoinfo",
        &[
            "-i",
            i,
            "-x",
            "/DEEP01/DEEP02/DEEP03/DEEP04/DEEP05/DEEP06/DEEP07/DEEP08/DEEP09/F9.TXT;1",
        ],
    );
    assert_eq!(got, b"level 9\n");
    run("xorriso", &["-indev", i, "-find", "/", "-exec", "lsdl"]);
}

#[test]
fn file_over_4_gib_is_multi_extent_at_level_3() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    let size: u64 = (4 << 30) + 12_345;
    make_huge_file(&src, size);
    fs::write(src.join("small.txt"), b"small\n").unwrap();
    let iso = dir.path().join("big.iso");
    write_image(&image_of(&src, 0), &iso);
    let i = iso.to_str().unwrap();
    let lba = run(
        "xorriso",
        &["-indev", i, "-find", "/huge.bin", "-exec", "report_lba"],
    );
    assert!(
        lba.contains(&format!("0 ,       28 ,  2097151 , {size} , '/huge.bin'"))
            || lba.contains("2097151"),
        "{lba}"
    );
    assert_eq!(lba.matches("'/huge.bin'").count(), 2, "two extents: {lba}");
    let tail = dir.path().join("tail");
    assert_eq!(xorriso_huge_tail(i, &tail), b"tail-marker");
    let l = run("isoinfo", &["-R", "-l", "-i", i]);
    assert_eq!(l.matches("huge.bin").count(), 2, "{l}");
    assert!(l.contains("4294965248"), "{l}");
    let list = run("bsdtar", &["tvf", i]);
    assert!(list.contains(&size.to_string()), "{list}");
    let small = run_bytes("isoinfo", &["-R", "-i", i, "-x", "/small.txt"]);
    assert_eq!(small, b"small\n");
}

#[test]
fn pycdlib_walks_all_three_hierarchies() {
    let dir = tempfile::tempdir().unwrap();
    let (src, iso) = built(dir.path());
    let script = r#"
import sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
for name, facade in (("rr", iso.get_rock_ridge_facade()), ("joliet", iso.get_joliet_facade()), ("iso", iso.get_iso9660_facade())):
    for dirname, dirlist, filelist in facade.walk("/"):
        for f in filelist:
            print(name, (dirname.rstrip("/") + "/" + f))
iso.close()
"#;
    let out = run("python3", &["-c", script, iso.to_str().unwrap()]);
    let rr: std::collections::BTreeSet<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("rr /"))
        .map(str::to_owned)
        .collect();
    let files: std::collections::BTreeSet<String> = snapshot(&src)
        .into_iter()
        .filter(|(_, v)| v != "d")
        .map(|(k, _)| k)
        .collect();
    assert_eq!(rr, files, "pycdlib Rock Ridge view");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("joliet ")).count(),
        files.len()
    );
    // The plain ECMA-119 view also holds the one placeholder file record (RRIP CL)
    // that stands for deep08, relocated into RR_MOVED.
    assert_eq!(
        out.lines().filter(|l| l.starts_with("iso ")).count(),
        files.len() + 1
    );
    assert!(out.contains("iso /RR_MOVED/DEEP08/"), "{out}");
}
