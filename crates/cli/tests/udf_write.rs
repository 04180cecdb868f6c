//! UDF written by `discburn mkimage --fs udf` (alone) and `--fs iso9660,joliet,rockridge,udf`
//! (a bridge), for UDF 1.02, 2.01, 2.50 and 2.60, read back by independent readers: the
//! Linux kernel's udf driver (kernel-read: names, modes, symlink targets, MD5 of every
//! file), 7-Zip (extraction; it refuses UDF volumes holding symbolic links, so it reads a
//! tree without them), udfinfo (revisions, integrity, counts) and, for the bridge's ISO
//! 9660 side, every ISO oracle.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::ok;
use discburn_testkit::check::{Expect, check_image};
use discburn_testkit::compare::{View, assert_readings};
use discburn_testkit::generate::{self, SPARSE_SIZE};
use discburn_testkit::oracle::{self, Image};
use discburn_testkit::tree::{Md5Digest, Node, Tree, scan_dir};
use sha2::{Digest as _, Sha256};

struct Work {
    dir: tempfile::TempDir,
    src: PathBuf,
    scratch: PathBuf,
}

impl Work {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        let scratch = dir.path().join("scratch");
        fs::create_dir(&src).unwrap();
        fs::create_dir(&scratch).unwrap();
        Work { dir, src, scratch }
    }
    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Unicode and 255-byte names, a 12-level tree with paths over 255 bytes, empty files
/// and directories, hard links, and (with `links`) symbolic links of every kind; a few
/// modes with set-uid, set-gid and sticky bits.
fn tricky_tree(root: &Path, links: bool) -> Tree {
    let mut t = Tree::new();
    let mut part = |name: &str, f: &dyn Fn(&Path) -> Tree| {
        let d = root.join(name);
        fs::create_dir(&d).unwrap();
        t.graft(&format!("/{name}"), &f(&d));
    };
    part("names", &|d| generate::long_and_unicode_names(d, true));
    part("deep", &generate::deep_tree);
    part("empty_and_links", &generate::empty_and_hard_linked);
    if links {
        part("symlinks", &generate::symlinks);
    }
    for (rel, mode) in [
        ("empty_and_links/size_1", 0o4755),
        ("empty_and_links/size_2047", 0o2750),
        ("empty_and_links/size_2048", 0o600),
        ("empty_and_links/emptydir", 0o1777),
        ("deep/level01", 0o700),
    ] {
        fs::set_permissions(root.join(rel), fs::Permissions::from_mode(mode)).unwrap();
    }
    t
}

/// The name UDF records for a host name (the writer's documented rule): unchanged when
/// its OSTA Compressed Unicode fits 255 bytes (1 + one byte per character up to U+00FF,
/// else 1 + two per UTF-16 unit), else cut and ended with `~` and the first 4 bytes of
/// SHA-256 of the name in hex.
fn udf_name(name: &str) -> String {
    let len = |s: &str| {
        if s.chars().all(|c| (c as u32) <= 0xFF) {
            1 + s.chars().count()
        } else {
            1 + 2 * s.encode_utf16().count()
        }
    };
    if len(name) <= 255 {
        return name.to_owned();
    }
    let h = Sha256::digest(name.as_bytes());
    let suffix = format!("~{:02x}{:02x}{:02x}{:02x}", h[0], h[1], h[2], h[3]);
    let mut t = name.to_owned();
    loop {
        t.pop();
        if len(&format!("{t}{suffix}")) <= 255 {
            return format!("{t}{suffix}");
        }
    }
}

fn udf_path(path: &str) -> String {
    path.split('/')
        .map(|c| {
            if c.is_empty() {
                String::new()
            } else {
                udf_name(c)
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `expected` as UDF shows it: names mapped, and for each path its `ls`-style mode
/// taken from the host file under `src`.
fn udf_view(expected: &Tree, src: &Path) -> BTreeMap<String, (String, Node)> {
    expected
        .entries
        .iter()
        .map(|(p, n)| {
            let md = fs::symlink_metadata(src.join(&p[1..])).unwrap();
            (udf_path(p), (ls_mode(md.mode()), n.clone()))
        })
        .collect()
}

fn ls_mode(mode: u32) -> String {
    let ty = match mode & 0o170000 {
        0o040000 => 'd',
        0o120000 => 'l',
        _ => '-',
    };
    let mut s = String::from(ty);
    for (shift, special, set, unset) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let rwx = (mode >> shift) & 7;
        s.push(if rwx & 4 != 0 { 'r' } else { '-' });
        s.push(if rwx & 2 != 0 { 'w' } else { '-' });
        s.push(match (rwx & 1 != 0, mode & special != 0) {
            (true, true) => set,
            (false, true) => unset,
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// Mounts `img` with the kernel's udf driver (kernel-read `--fstype udf`) and returns
/// path → (mode, node), with MD5s unless `md5` is false.
fn kernel_udf(img: &Path, md5: bool) -> BTreeMap<String, (String, Node)> {
    let mut cmd = Command::new(oracle::kernel_read_script());
    cmd.args(["--fstype", "udf"]);
    if !md5 {
        cmd.arg("--no-md5");
    }
    let out = cmd
        .arg(img)
        .stdin(Stdio::null())
        .output()
        .expect("run kernel-read");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains("mount: rc=0"),
        "kernel udf mount of {} failed:\n{text}\n{}",
        img.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    // The driver first probes 512- and 1024-byte blocks ("No anchor found"); any other
    // warning or error is a defect of the volume.
    let complaints: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("UDF-fs: error") || l.contains("UDF-fs: warning"))
        .filter(|l| !l.contains("No anchor found"))
        .collect();
    assert!(complaints.is_empty(), "kernel udf complained:\n{text}");
    let section = |start: &str, end: &str| -> String {
        text.split(start)
            .nth(1)
            .and_then(|r| r.split(end).next())
            .unwrap_or_else(|| panic!("kernel-read: no {start:?} section:\n{text}"))
            .to_owned()
    };
    let sums: BTreeMap<String, Md5Digest> = if md5 {
        section("--- md5 ---\n", "\n--- df ---")
            .lines()
            .filter_map(|l| {
                let (sum, p) = l.split_once("  ./")?;
                Some((format!("/{p}"), Md5Digest::from_hex(sum)?))
            })
            .collect()
    } else {
        BTreeMap::new()
    };
    let files = section(
        "--- files (mode size path), paths relative to the mount ---\n",
        "\n--- ",
    );
    let mut seen = BTreeMap::new();
    for line in files.lines() {
        let mut it = line.splitn(3, ' ');
        let (Some(mode), Some(size), Some(rest)) = (it.next(), it.next(), it.next()) else {
            panic!("kernel-read: unparsable line {line:?} in:\n{text}")
        };
        let Some(p) = rest.strip_prefix("./") else {
            continue;
        };
        let (path, node) = match mode.chars().next() {
            Some('d') => (format!("/{p}"), Node::Dir),
            Some('l') => {
                let (p, t) = p.split_once(" -> ").expect("link target");
                (
                    format!("/{p}"),
                    Node::Symlink {
                        target: t.to_owned(),
                    },
                )
            }
            _ => {
                let path = format!("/{p}");
                let md5 = sums.get(&path).copied();
                (
                    path,
                    Node::File {
                        size: size.parse().unwrap(),
                        md5,
                    },
                )
            }
        };
        seen.insert(kernel_key(&path), (mode.to_owned(), node));
    }
    seen
}

/// Linux shows at most 254 bytes of a UDF name (UDF_NAME_LEN): a longer one appears cut,
/// with `#` and a 4-digit CRC appended. Both such names and the names longer than 254
/// bytes they stand for compare by their first 60 characters.
fn kernel_key(path: &str) -> String {
    path.split('/')
        .map(|c| {
            let kernel_cut = c.len() >= 200
                && c.len() <= 254
                && c.as_bytes()[c.len() - 5] == b'#'
                && c[c.len() - 4..].chars().all(|h| h.is_ascii_hexdigit());
            if c.len() > 254 || kernel_cut {
                format!("LONG:{}", c.chars().take(60).collect::<String>())
            } else {
                c.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn assert_same(
    what: &str,
    got: &BTreeMap<String, (String, Node)>,
    want: &BTreeMap<String, (String, Node)>,
) {
    let mut diffs = Vec::new();
    for (p, w) in want {
        match got.get(p) {
            None => diffs.push(format!("missing {p}")),
            Some(g) if g != w => {
                diffs.push(format!("{p}: got {} {}, want {} {}", g.0, g.1, w.0, w.1))
            }
            _ => {}
        }
    }
    for p in got.keys().filter(|p| !want.contains_key(*p)) {
        diffs.push(format!("unexpected {p}"));
    }
    assert!(
        diffs.is_empty(),
        "{what}: {} differences:\n{}",
        diffs.len(),
        diffs[..diffs.len().min(40)].join("\n")
    );
}

/// udfinfo's report as key → value.
fn udfinfo(img: &Path) -> BTreeMap<String, String> {
    let out = Command::new("udfinfo")
        .arg(img)
        .output()
        .expect("run udfinfo");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "udfinfo {}: {}\n{text}",
        img.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn check_udfinfo(img: &Path, revision: &str, files: usize, dirs: usize) {
    let i = udfinfo(img);
    // udfrev is the revision needed to read: a 2.60 volume without pseudo-overwrite
    // needs 2.50 (UDF 2.60 2.2.6.4); udfwriterev is the revision written.
    let read = if revision == "2.60" { "2.50" } else { revision };
    assert_eq!(i.get("udfrev").map(String::as_str), Some(read), "{i:?}");
    assert_eq!(
        i.get("udfwriterev").map(String::as_str),
        Some(revision),
        "{i:?}"
    );
    assert_eq!(
        i.get("integrity").map(String::as_str),
        Some("closed"),
        "{i:?}"
    );
    assert_eq!(
        i.get("accesstype").map(String::as_str),
        Some("readonly"),
        "{i:?}"
    );
    assert_eq!(i.get("numfiles"), Some(&files.to_string()), "{i:?}");
    assert_eq!(i.get("numdirs"), Some(&dirs.to_string()), "{i:?}");
}

/// Extracts the UDF side with 7-Zip and returns the tree it wrote.
fn sevenzip_udf(img: &Path, dest: &Path) -> Tree {
    let _ = fs::remove_dir_all(dest);
    let out = Command::new("7zz")
        .args(["x", "-tudf", "-y"])
        .arg(format!("-o{}", dest.display()))
        .arg(img)
        .output()
        .expect("run 7zz");
    assert!(
        out.status.success(),
        "7zz x -tudf {}: {}\n{}",
        img.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let t = scan_dir(dest).unwrap();
    oracle::remove_tree(dest);
    // Times: every item was made after SOURCE_DATE_EPOCH (2023-11-14T22:13:20Z), so
    // each FE records that time (clamped) as its modification and access time.
    let out = Command::new("7zz")
        .args(["l", "-slt", "-tudf"])
        .arg(img)
        .env("TZ", "UTC")
        .output()
        .expect("run 7zz");
    let text = String::from_utf8_lossy(&out.stdout);
    let items = text.split("----------").nth(1).unwrap_or_default();
    let times: Vec<&str> = items
        .lines()
        .filter(|l| l.starts_with("Modified = ") || l.starts_with("Accessed = "))
        .collect();
    assert!(!times.is_empty(), "7zz l -slt: no times:\n{text}");
    for l in times {
        assert!(
            l.ends_with("= 2023-11-14 22:13:20.000000"),
            "7zz l -slt: {l}"
        );
    }
    t
}

fn mkimage(out: &Path, fs: &str, revision: &str, extra: &[&str], src: &Path) {
    let mut args: Vec<&OsStr> = vec![
        "mkimage".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
        "--fs".as_ref(),
        fs.as_ref(),
        "--udf-revision".as_ref(),
        revision.as_ref(),
    ];
    args.extend(extra.iter().map(|s| OsStr::new(*s)));
    args.push(src.as_os_str());
    ok(&args);
}

const BRIDGE: &str = "iso9660,joliet,rockridge,udf";

/// Files (FEs: hard links counted once) and directories (root included) of a manifest.
fn counts(src: &Path, t: &Tree) -> (usize, usize) {
    let mut inodes = std::collections::HashSet::new();
    let mut files = 0;
    let mut dirs = 1;
    for p in t.entries.keys() {
        let md = fs::symlink_metadata(src.join(&p[1..])).unwrap();
        if md.is_dir() {
            dirs += 1;
        } else if inodes.insert((md.dev(), md.ino())) {
            files += 1;
        }
    }
    (files, dirs)
}

/// One revision: UDF-only and bridge images of the tricky tree read identically by the
/// kernel's udf driver; udfinfo reports the revision; 7-Zip extracts both images of the
/// tree without symbolic links identically.
fn revision_reads_identically(revision: &str, extra: &[&str]) {
    let w = Work::new();
    let manifest = tricky_tree(&w.src, true);
    let want: BTreeMap<_, _> = udf_view(&manifest, &w.src)
        .into_iter()
        .map(|(p, v)| (kernel_key(&p), v))
        .collect();
    let (files, dirs) = counts(&w.src, &manifest);
    for (label, fs) in [("UDF only", "udf"), ("bridge", BRIDGE)] {
        let img = w.out("udf.img");
        mkimage(&img, fs, revision, extra, &w.src);
        check_udfinfo(&img, revision, files, dirs);
        assert_same(
            &format!("UDF {revision} {label}: Linux udf"),
            &kernel_udf(&img, true),
            &want,
        );
        fs::remove_file(&img).unwrap();
    }
    // 7-Zip: the same tree without symbolic links (7-Zip refuses a UDF volume holding
    // any file type other than directory, file and real-time file).
    let w = Work::new();
    let manifest = tricky_tree(&w.src, false);
    let want: Tree = Tree {
        entries: manifest
            .entries
            .iter()
            .map(|(p, n)| (udf_path(p), n.clone()))
            .collect(),
    };
    for (label, fs) in [("UDF only", "udf"), ("bridge", BRIDGE)] {
        let img = w.out("udf7.img");
        mkimage(&img, fs, revision, extra, &w.src);
        let got = sevenzip_udf(&img, &w.scratch.join("x"));
        assert_eq!(got, want, "UDF {revision} {label}: 7-Zip extraction");
        fs::remove_file(&img).unwrap();
    }
}

#[test]
fn o21_udf_1_02_alone_and_bridge_read_identically_by_linux_7zip_udfinfo() {
    revision_reads_identically("1.02", &[]);
}

#[test]
fn o09_udf_2_01_alone_and_bridge_read_identically_by_linux_7zip_udfinfo() {
    revision_reads_identically("2.01", &[]);
}

#[test]
fn o21_udf_2_50_metadata_partition_reads_identically_by_linux_7zip_udfinfo() {
    revision_reads_identically("2.50", &[]);
}

#[test]
fn o17_udf_2_60_redundant_metadata_reads_identically_by_linux_7zip_udfinfo() {
    revision_reads_identically("2.60", &["--udf-redundant-metadata"]);
}

/// The ISO 9660/Joliet/Rock Ridge side of a UDF 2.01 bridge passes every ISO oracle
/// (pycdlib, which also parses the UDF structures, included), and the image is the same
/// bytes when made again (SOURCE_DATE_EPOCH).
#[test]
fn o21_udf_2_01_bridge_iso_side_passes_iso_oracles_and_is_deterministic() {
    let w = Work::new();
    let manifest = tricky_tree(&w.src, true);
    let img = w.out("bridge.iso");
    mkimage(&img, BRIDGE, "2.01", &["--iso-level", "3"], &w.src);
    check_image(
        "UDF 2.01 bridge, ISO side",
        Image::plain(&img),
        &manifest,
        &Expect {
            // 64 units including the ";1" version, as IMAPI2 writes Joliet identifiers.
            joliet_versioned: true,
            ..Expect::iso_joliet_rr(3)
        },
        &w.scratch,
    );
    let again = w.out("again.iso");
    mkimage(&again, BRIDGE, "2.01", &["--iso-level", "3"], &w.src);
    assert!(
        fs::read(&img).unwrap() == fs::read(&again).unwrap(),
        "the same tree and SOURCE_DATE_EPOCH gave different bridge images"
    );
}

/// The ISO side of a UDF 2.50 bridge (metadata partition) as xorriso sees it (pycdlib
/// cannot open a volume with a UDF metadata partition: it reads the File Set Descriptor
/// from the physical partition).
#[test]
fn udf_2_50_bridge_iso_side_reads_in_xorriso() {
    let w = Work::new();
    let manifest = tricky_tree(&w.src, true);
    let img = w.out("bridge.iso");
    mkimage(&img, BRIDGE, "2.50", &[], &w.src);
    assert_readings(
        "UDF 2.50 bridge, ISO side",
        &manifest,
        &[(oracle::xorriso_list(Image::plain(&img)), View::ROCK_RIDGE)],
    );
}

/// A file over 4 GiB (sparse on disk; several allocation descriptors of at most 2^30 −
/// 2048 bytes in one File Entry): the kernel lists its exact size, 7-Zip extracts the
/// right bytes. UDF 2.60 only (long_ads from the metadata partition), UDF-only image.
#[test]
fn udf_2_60_file_over_4gib_reads_back_exactly() {
    let w = Work::new();
    let manifest = generate::sparse_over_4gib(&w.src);
    let img = w.out("big.img");
    mkimage(&img, "udf", "2.60", &[], &w.src);
    assert!(
        fs::metadata(&img).unwrap().blocks() * 512 < 64 << 20,
        "the image of a sparse file should stay sparse"
    );
    let got = kernel_udf(&img, false);
    let (_, big) = &got["/big.bin"];
    assert_eq!(
        *big,
        Node::File {
            size: SPARSE_SIZE,
            md5: None
        }
    );
    let Node::File {
        md5: Some(want), ..
    } = manifest.entries["/big.bin"]
    else {
        unreachable!()
    };
    let mut child = Command::new("7zz")
        .args(["x", "-so", "-tudf"])
        .arg(&img)
        .arg("big.bin")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run 7zz");
    let (size, md5) = Md5Digest::of_reader(child.stdout.take().unwrap()).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!((size, md5), (SPARSE_SIZE, want), "7zz x -so big.bin");
}

/// `burn --fs udf` on an emulated BD-R (the session read back with `dump` is a UDF 2.01
/// VAT volume: udfinfo and the kernel read it) and `burn --fs iso9660,joliet,rockridge,udf`
/// into an image file (udfinfo and 7-Zip read it), every file identical.
#[test]
fn burn_udf_on_bd_r_and_on_an_image_file_reads_back_in_udfinfo_and_7zip() {
    let w = Work::new();
    let manifest = {
        let d = w.src.join("hl");
        fs::create_dir(&d).unwrap();
        let mut t = Tree::new();
        t.graft("/hl", &generate::empty_and_hard_linked(&d));
        t
    };
    let disc = w.out("disc");
    let dump = w.out("dump.img");
    ok(&[
        "disc".as_ref(),
        "create".as_ref(),
        "--media".as_ref(),
        "bd-r".as_ref(),
        disc.as_os_str(),
    ]);
    ok(&[
        "burn".as_ref(),
        "--drive".as_ref(),
        disc.as_os_str(),
        "--fs".as_ref(),
        "udf".as_ref(),
        "--udf-revision".as_ref(),
        "2.01".as_ref(),
        w.src.as_os_str(),
    ]);
    ok(&[
        "dump".as_ref(),
        "--drive".as_ref(),
        disc.as_os_str(),
        "-o".as_ref(),
        dump.as_os_str(),
    ]);
    let i = udfinfo(&dump);
    assert_eq!(
        i.get("udfwriterev").map(String::as_str),
        Some("2.01"),
        "{i:?}"
    );
    assert_eq!(
        i.get("integrity").map(String::as_str),
        Some("closed"),
        "{i:?}"
    );
    let (files, dirs) = counts(&w.src, &manifest);
    assert_eq!(i.get("numfiles"), Some(&files.to_string()), "{i:?}");
    assert_eq!(i.get("numdirs"), Some(&dirs.to_string()), "{i:?}");
    // A write-once medium gets a VAT volume (UDF 2.60 2.2.11), its VAT ICB the last
    // block; 7-Zip reads no VAT volume (mkudffs --vat ones neither): the kernel does.
    let blocks = fs::metadata(&dump).unwrap().len() / 2048;
    assert_eq!(i.get("vatblock"), Some(&(blocks - 1).to_string()), "{i:?}");
    let want: BTreeMap<_, _> = udf_view(&manifest, &w.src)
        .into_iter()
        .map(|(p, v)| (kernel_key(&p), v))
        .collect();
    assert_same("BD-R VAT: Linux udf", &kernel_udf(&dump, true), &want);

    // An image file (random-write media): the session at LBA 32, the head at LBA 0–31
    // copies the UDF recognition sequence, readers find the anchor at the last block.
    let img = w.out("image.iso");
    ok(&[
        "burn".as_ref(),
        "--drive".as_ref(),
        img.as_os_str(),
        "--fs".as_ref(),
        BRIDGE.as_ref(),
        "--udf-revision".as_ref(),
        "2.50".as_ref(),
        w.src.as_os_str(),
    ]);
    let i = udfinfo(&img);
    assert_eq!(
        i.get("udfwriterev").map(String::as_str),
        Some("2.50"),
        "{i:?}"
    );
    assert_eq!(i.get("numfiles"), Some(&files.to_string()), "{i:?}");
    assert_eq!(sevenzip_udf(&img, &w.scratch.join("x")), manifest);

    // UDF alone on an image file: the report names session 1 (it said "session 0": the
    // session chain it counted is ISO 9660's).
    let udf_only = w.out("udf-only.img");
    let out = ok(&[
        "burn".as_ref(),
        "--drive".as_ref(),
        udf_only.as_os_str(),
        "--fs".as_ref(),
        "udf".as_ref(),
        w.src.as_os_str(),
    ]);
    assert!(out.starts_with("session 1 at LBA 32"), "{out}");
}
