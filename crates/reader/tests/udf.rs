//! The UDF reader against independent readers: the Linux kernel's udf driver
//! (kernel-read `--fstype udf`: names, modes, sizes, symlink targets, md5 of every file)
//! on images by genisoimage `-udf`, pycdlib (UDF with a symlink) and mkudffs (VAT), and
//! udfinfo (revision, VAT block, integrity) on mkudffs volumes of every revision and
//! media type it makes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{scratch, subdir, tool};
use discburn_reader::udf::{PartitionKind, UdfVolume};
use discburn_reader::{FileSource, FileSystems, NodeKind, ReadOptions, View, Volume, identify};
use discburn_testkit::generate;
use discburn_testkit::oracle;
use discburn_testkit::tree::Md5Digest;

/// path → (mode as `ls -l` shows it, size, symlink target, md5 of a regular file).
type Listing = BTreeMap<String, (String, u64, Option<String>, Option<String>)>;

fn mode_string(mode: u32) -> String {
    let t = match mode & 0o170000 {
        0o040000 => 'd',
        0o120000 => 'l',
        0o060000 => 'b',
        0o020000 => 'c',
        0o010000 => 'p',
        0o140000 => 's',
        _ => '-',
    };
    let mut s = String::from(t);
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        s.push(if mode & (0o400 >> i) != 0 { c } else { '-' });
    }
    let b: Vec<char> = s.chars().collect();
    let mut b = b;
    for (bit, pos, set, unset) in [
        (0o4000, 3, 's', 'S'),
        (0o2000, 6, 's', 'S'),
        (0o1000, 9, 't', 'T'),
    ] {
        if mode & bit != 0 {
            b[pos] = if b[pos] == 'x' { set } else { unset };
        }
    }
    b.into_iter().collect()
}

/// What our reader sees, in the kernel's terms.
fn ours(img: &Path) -> (UdfVolume, Listing) {
    let mut src = FileSource::open(img).unwrap();
    let vol = UdfVolume::open(&mut src, 0, &ReadOptions::default()).unwrap();
    let tree = vol.read_tree(&mut src).unwrap();
    assert_eq!(tree.view(), View::Udf);
    let mut out = Listing::new();
    for (path, n) in tree.walk() {
        let rr = n.rock_ridge().expect("UDF attributes");
        let md5 = (n.kind() == NodeKind::File).then(|| {
            let mut data = Vec::new();
            let len = n.copy_data(&mut src, &mut data).unwrap();
            assert_eq!(len, n.size(), "{path}");
            Md5Digest::of(&data).to_string()
        });
        let key = if path == "/" {
            ".".into()
        } else {
            format!(".{path}")
        };
        // Linux shows a symlink as 0777 with the target's length as its size.
        let (mode, size) = match n.symlink_target() {
            Some(t) => (0o120777, t.len() as u64),
            None => (rr.mode, n.size()),
        };
        out.insert(
            key,
            (
                mode_string(mode),
                size,
                n.symlink_target()
                    .map(|t| String::from_utf8_lossy(t).into_owned()),
                md5,
            ),
        );
    }
    (vol, out)
}

/// What the Linux udf driver sees (kernel-read `--fstype udf`).
fn kernel(img: &Path) -> Listing {
    let script = oracle::kernel_read_script();
    let out = Command::new(&script)
        .args(["--fstype", "udf", "--opts", "ro"])
        .arg(img)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "kernel-read udf {}:\n{text}",
        img.display()
    );
    let section = |start: &str, end: &str| -> String {
        text.split(start)
            .nth(1)
            .and_then(|r| r.split(end).next())
            .unwrap_or_else(|| panic!("kernel-read: no {start:?} section:\n{text}"))
            .to_owned()
    };
    let sums: BTreeMap<String, String> = section("--- md5 ---\n", "--- df ---")
        .lines()
        .filter_map(|l| {
            let (sum, p) = l.split_once("  ")?;
            Some((p.to_owned(), sum.to_owned()))
        })
        .collect();
    let mut listing = Listing::new();
    for line in section(
        "--- files (mode size path), paths relative to the mount ---\n",
        "--- md5 ---",
    )
    .lines()
    {
        let mut it = line.splitn(3, ' ');
        let (Some(mode), Some(size), Some(rest)) = (it.next(), it.next(), it.next()) else {
            panic!("kernel-read: unparsable line {line:?}")
        };
        let (path, target) = match rest.split_once(" -> ") {
            Some((p, t)) if mode.starts_with('l') => (p.to_owned(), Some(t.to_owned())),
            _ => (rest.to_owned(), None),
        };
        let md5 = sums.get(&path).cloned();
        listing.insert(path, (mode.to_owned(), size.parse().unwrap(), target, md5));
    }
    listing
}

fn assert_same_as_kernel(img: &Path) -> UdfVolume {
    let (vol, mine) = ours(img);
    let theirs = kernel(img);
    assert_eq!(
        mine,
        theirs,
        "{}: our UDF reader vs Linux udf",
        img.display()
    );
    vol
}

fn pycdlib_udf(out: &Path) {
    let script = r#"
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.new(udf='2.60', joliet=3, rock_ridge='1.09')
iso.add_directory('/DIR1', udf_path='/dir1', joliet_path='/dir1', rr_name='dir1')
for i, name in enumerate(['f.txt', 'Grüße ünïcödé.txt', 'x' * 200]):
    d = (name * (i * 700 + 1)).encode()
    iso.add_fp(io.BytesIO(d), len(d), '/DIR1/F%d.;1' % i, udf_path='/dir1/' + name,
               joliet_path='/dir1/f%d' % i, rr_name='f%d' % i)
iso.add_symlink(udf_symlink_path='/sl', udf_target='dir1/f.txt', symlink_path='/SL.;1',
                rr_symlink_name='sl', rr_path='dir1/f.txt')
iso.add_symlink(udf_symlink_path='/dir1/up', udf_target='../dir1', symlink_path='/DIR1/UP.;1',
                rr_symlink_name='up', rr_path='../dir1')
iso.write(sys.argv[1])
"#;
    let st = Command::new("python3")
        .args(["-c", script])
        .arg(out)
        .status()
        .expect("python3");
    assert!(st.success(), "pycdlib could not write {}", out.display());
}

/// Images by three writers, read identically by the kernel's udf driver and by us:
/// genisoimage's UDF 1.02 bridge of a tricky tree (Unicode, 255-byte names, deep paths,
/// hard links, empty files and directories), pycdlib's UDF with symlinks and 16-bit
/// names, mkudffs's VAT volumes (CD-R, UDF 2.01 and BD-R, UDF 2.50; Linux 6.1 does not mount
/// mkudffs's VAT 1.50, which udfinfo checks in the next test).
#[test]
fn i15_udf_of_genisoimage_pycdlib_and_mkudffs_read_as_linux_reads_them() {
    let dir = scratch();
    let src = subdir(dir.path(), "src");
    generate::empty_and_hard_linked(&subdir(&src, "links"));
    generate::deep_tree(&subdir(&src, "deep"));
    let names = subdir(&src, "names");
    for (name, body) in [
        ("Grüße ünïcödé.txt".to_string(), "ü"),
        ("日本語のファイル名.txt".to_string(), "日本"),
        (format!("{}.txt", "long".repeat(22)), "long"),
        ("Ελληνικά και кириллица".to_string(), "el"),
    ] {
        std::fs::write(names.join(name), body).unwrap();
    }
    let bridge = dir.path().join("bridge.iso");
    tool(
        "genisoimage",
        &[
            "-quiet",
            "-R",
            "-J",
            "-joliet-long",
            "-udf",
            "-o",
            bridge.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
    );
    let vol = assert_same_as_kernel(&bridge);
    assert_eq!(vol.revision_string(), "1.02");
    assert_eq!(vol.nsr.as_deref(), Some("NSR02"));
    // The UDF tree and the Rock Ridge tree of the bridge share every file's data.
    let mut s = FileSource::open(&bridge).unwrap();
    let iso = Volume::open(&mut s, 0, &ReadOptions::default()).unwrap();
    assert_eq!(iso.udf.as_ref().unwrap().revision, Some(0x0102));
    let rr = iso.read_tree(&mut s, View::RockRidge).unwrap();
    let udf = iso.read_tree(&mut s, View::Udf).unwrap();
    let mut files = 0;
    for (path, n) in udf.walk() {
        if n.kind() == NodeKind::File && n.size() > 0 {
            let r = rr
                .find(&path)
                .unwrap_or_else(|| panic!("{path} not in the Rock Ridge tree"));
            assert_eq!(r.extents(), n.extents(), "{path}");
            files += 1;
        }
    }
    assert!(files > 20, "{files}");
    // Hard links: one ICB, so one group of three and one of two.
    let groups = udf.hard_link_groups();
    assert!(groups.iter().any(|g| g.len() == 3), "{groups:?}");

    let py = dir.path().join("pycdlib.iso");
    pycdlib_udf(&py);
    let (_, mine) = ours(&py);
    assert_eq!(mine["./sl"].2.as_deref(), Some("dir1/f.txt"));
    assert_same_as_kernel(&py);

    for (media, rev, expect) in [("cdr", "2.01", 200), ("bdr", "2.50", 200)] {
        let img = dir.path().join(format!("{media}.img"));
        tool(
            "mkudffs",
            &[
                "--new-file",
                "--blocksize=2048",
                &format!("--media-type={media}"),
                &format!("--udfrev={rev}"),
                "--label=Vat Vol",
                img.to_str().unwrap(),
                "10000",
            ],
        );
        // One VAT volume through the kernel is enough (each check boots a VM).
        let vol = if media == "cdr" {
            assert_same_as_kernel(&img)
        } else {
            ours(&img).0
        };
        assert!(
            vol.partitions
                .iter()
                .any(|p| matches!(p.kind, PartitionKind::Virtual { vat_version, .. } if vat_version == expect)),
            "{media}: {:?}",
            vol.partitions
        );
        assert_eq!(vol.logical_volume_identifier, "Vat Vol");
    }
}

/// udfinfo's `key=value` lines.
fn udfinfo(img: &Path) -> BTreeMap<String, String> {
    tool("udfinfo", &[img.to_str().unwrap()])
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Every revision and media type mkudffs makes: our revision, VAT block, integrity and
/// file/directory counts agree with udfinfo, and `identify` reports UDF alone.
#[test]
fn i15_mkudffs_revisions_and_media_types_agree_with_udfinfo() {
    let dir = scratch();
    let mut checked = 0;
    for media in ["hd", "dvdram", "cdrw", "cdr", "dvdr", "bdr"] {
        for rev in ["1.02", "1.50", "2.00", "2.01", "2.50", "2.60"] {
            let img = dir.path().join(format!("{media}-{rev}.img"));
            let st = Command::new("mkudffs")
                .args([
                    "--new-file",
                    "--blocksize=2048",
                    &format!("--media-type={media}"),
                    &format!("--udfrev={rev}"),
                ])
                .arg(&img)
                .arg("6000")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("mkudffs");
            if !st.success() {
                // mkudffs refuses some combinations (e.g. a metadata partition).
                let _ = std::fs::remove_file(&img);
                continue;
            }
            let info = udfinfo(&img);
            let mut src = FileSource::open(&img).unwrap();
            assert_eq!(
                identify(&mut src, 0).unwrap(),
                FileSystems::UDF,
                "{media} {rev}"
            );
            let vol = UdfVolume::open(&mut src, 0, &ReadOptions::default())
                .unwrap_or_else(|e| panic!("{media} {rev}: {e}"));
            let what = format!("{media} {rev}: {info:?} vs {vol:?}");
            assert_eq!(vol.revision_string(), info["udfrev"], "{what}");
            let vat = vol.partitions.iter().find_map(|p| match p.kind {
                PartitionKind::Virtual { vat_icb_lba, .. } => Some(vat_icb_lba.to_string()),
                _ => None,
            });
            assert_eq!(vat.as_ref(), info.get("vatblock"), "{what}");
            if let Some(integrity) = info.get("integrity") {
                let closed = vol.integrity.as_ref().is_some_and(|i| i.closed);
                assert_eq!(closed, integrity == "closed", "{what}");
            }
            let tree = vol.read_tree(&mut src).unwrap();
            let (dirs, files, other) = tree.counts();
            if let (Some(d), Some(f)) = (info.get("numdirs"), info.get("numfiles")) {
                assert_eq!(
                    (dirs.to_string(), (files + other).to_string()),
                    (d.clone(), f.clone()),
                    "{what}"
                );
            }
            checked += 1;
            std::fs::remove_file(&img).unwrap();
        }
    }
    assert!(checked >= 20, "only {checked} mkudffs volumes made");
}
