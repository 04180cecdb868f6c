//! UDF multisession on write-once media (OSTA UDF 2.60 2.2.8 virtual partition, 2.2.11
//! VAT, 6.13): `burn --fs udf` on a blank emulated CD-R, DVD+R and BD-R writes a VAT
//! volume; later burns append sessions holding only the changed directories, the new
//! File Entries and data, and a new VAT as the session's last block. After every session
//! the dumped disc is read by the Linux kernel's udf driver (no mount options: it finds
//! the VAT at the image's last block) and udfinfo (vatblock, revision, counts). 7-Zip
//! reads no VAT volume (not even mkudffs `--vat` ones), so it is no oracle here.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::ok;
use discburn_testkit::oracle;
use discburn_testkit::tree::Md5Digest;

/// What a reader should list: path → `None` for a directory, the MD5 of a file.
type Model = BTreeMap<String, Option<Md5Digest>>;

struct Work {
    dir: tempfile::TempDir,
    disc: PathBuf,
}

impl Work {
    /// An image file (created by the first burn).
    fn image() -> Work {
        let dir = tempfile::tempdir().unwrap();
        Work {
            disc: dir.path().join("disc.udf"),
            dir,
        }
    }

    fn new(media: &str) -> Work {
        let dir = tempfile::tempdir().unwrap();
        let disc = dir.path().join("disc");
        ok(args!["disc", "create", "--media", media, &disc]);
        Work { dir, disc }
    }

    /// Writes `files` (path → bytes) under a new source directory, records the model.
    fn source(&self, n: usize, files: &[(&str, &[u8])], model: &mut Model) -> PathBuf {
        let src = self.dir.path().join(format!("src{n}"));
        for (p, bytes) in files {
            let host = src.join(p.trim_start_matches('/'));
            fs::create_dir_all(host.parent().unwrap()).unwrap();
            fs::write(&host, bytes).unwrap();
            let mut parent = Path::new(p).parent();
            while let Some(d) = parent.filter(|d| *d != Path::new("/")) {
                model.insert(d.display().to_string(), None);
                parent = d.parent();
            }
            model.insert((*p).to_owned(), Some(Md5Digest::of(bytes)));
        }
        src
    }

    /// `burn --fs udf` of `src` with `--rm` paths; returns the blocks written. With an
    /// empty `revision`, plain `burn` (default --fs): the imported UDF volume alone is
    /// continued as UDF alone.
    fn burn(&self, revision: &str, src: &Path, rm: &[&str], model: &mut Model) -> u64 {
        let mut a: Vec<&std::ffi::OsStr> = args!["burn", "--drive", &self.disc].to_vec();
        if !revision.is_empty() {
            a.extend_from_slice(args!["--fs", "udf", "--udf-revision", revision]);
        }
        for p in rm {
            a.push("--rm".as_ref());
            a.push(p.as_ref());
            model.retain(|k, _| k != p && !k.starts_with(&format!("{p}/")));
        }
        a.push(src.as_os_str());
        let out = ok(&a);
        // "session N at LBA S: B blocks written; ..."
        out.split(": ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|b| b.parse().ok())
            .unwrap_or_else(|| panic!("burn output: {out}"))
    }

    /// The dumped disc; the gaps between the sessions of CD-R and DVD+R (lead-out,
    /// lead-in) read as zeros, which `dump` reports with exit status 1.
    fn dump(&self) -> PathBuf {
        let img = self.dir.path().join("dump.img");
        let o = common::discburn(args!["dump", "--drive", &self.disc, "-o", &img]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() || err.contains("unreadable block runs were written as zeros"),
            "dump: {err}"
        );
        img
    }
}

/// The kernel's udf driver, default options, on `img`: path → MD5 (files), `None`
/// (directories). Asserts the mount worked and the driver complained of nothing but its
/// 512- and 1024-byte block probes and its VAT probes of the last `run_out` blocks (it
/// reads the last block and up to 3 before it for the VAT ICB).
fn kernel_udf(img: &Path, run_out: u64) -> Model {
    let blocks = fs::metadata(img).unwrap().len() / 2048;
    let probes: Vec<String> = (blocks - run_out..blocks)
        .map(|b| format!("udf_read_inode: (ino {b}) failed !bh"))
        .collect();
    let out = Command::new(oracle::kernel_read_script())
        .args(["--fstype", "udf"])
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
    let complaints: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("UDF-fs: error") || l.contains("UDF-fs: warning"))
        .filter(|l| !l.contains("No anchor found"))
        .filter(|l| !probes.iter().any(|p| l.contains(p.as_str())))
        .collect();
    assert!(complaints.is_empty(), "kernel udf complained:\n{text}");
    let section = |start: &str, end: &str| -> String {
        text.split(start)
            .nth(1)
            .and_then(|r| r.split(end).next())
            .unwrap_or_else(|| panic!("kernel-read: no {start:?} section:\n{text}"))
            .to_owned()
    };
    let sums: BTreeMap<String, Md5Digest> = section("--- md5 ---\n", "--- df ---")
        .lines()
        .filter_map(|l| {
            let (sum, p) = l.split_once("  ./")?;
            Some((format!("/{p}"), Md5Digest::from_hex(sum)?))
        })
        .collect();
    let mut seen = Model::new();
    for line in section(
        "--- files (mode size path), paths relative to the mount ---\n",
        "--- md5 ---",
    )
    .lines()
    {
        let Some((mode, rest)) = line.split_once(' ') else {
            continue;
        };
        let Some(p) = rest.split_once(" ./").map(|(_, p)| format!("/{p}")) else {
            continue;
        };
        let v = if mode.starts_with('d') {
            None
        } else {
            Some(*sums.get(&p).unwrap_or_else(|| panic!("no md5 of {p}")))
        };
        seen.insert(p, v);
    }
    seen
}

fn udfinfo(img: &Path) -> BTreeMap<String, String> {
    let out = Command::new("udfinfo").arg(img).output().expect("udfinfo");
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

/// The three burns both media kinds take: the first session; one that replaces a file,
/// adds files and a directory and hides a file; then a plain `burn` (UDF alone stays
/// UDF alone, at the volume's revision) that replaces a file in a kept directory and
/// hides a directory. `check` runs after each with the model and the session count,
/// and `sessions` lists one UDF session per burn; at the end `ls --session 1` still
/// lists the first tree. Returns the blocks sessions 2 and 3 wrote.
fn three_burns(w: &Work, revision: &str, check: &dyn Fn(&Model, usize)) -> (u64, u64) {
    let mut model = Model::new();
    let listed = |sessions: usize| {
        let listed = ok(args!["sessions", "--drive", &w.disc]);
        assert_eq!(
            listed
                .lines()
                .filter(|l| l.starts_with("UDF session"))
                .count(),
            sessions,
            "{listed}"
        );
    };
    let big: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let s1 = w.source(
        1,
        &[
            ("/a.txt", b"first"),
            ("/d/b.bin", &[7; 5000]),
            ("/d/e/f", b"deep"),
            ("/big", &big),
            ("/empty", b""),
        ],
        &mut model,
    );
    w.burn(revision, &s1, &[], &mut model);
    check(&model, 1);
    listed(1);
    let first = model.clone();
    let s2 = w.source(
        2,
        &[
            ("/a.txt", b"replaced in session 2"),
            ("/d/g", b"new in d"),
            ("/n/new.txt", b"new directory"),
        ],
        &mut model,
    );
    let b2 = w.burn(revision, &s2, &["/d/b.bin"], &mut model);
    check(&model, 2);
    listed(2);
    let s3 = w.source(3, &[("/d/e/f", b"replaced deep file")], &mut model);
    let b3 = w.burn("", &s3, &["/n"], &mut model);
    check(&model, 3);
    listed(3);
    // The first generation is still readable: `ls --session 1` lists it.
    let ls = ok(args!["ls", "--drive", &w.disc, "--session", "1"]);
    for p in first.keys() {
        assert!(ls.contains(&format!(" {p}\n")), "{p} in:\n{ls}");
    }
    assert!(!ls.contains("/n/new.txt"), "{ls}");
    (b2, b3)
}

/// Three sessions on `media` at UDF `revision`: the first one, then one that replaces
/// a file, adds files and a directory and hides a file, then one that replaces a file
/// in a kept directory and hides a directory (plain `burn`: UDF alone stays UDF alone,
/// at the volume's revision). After each, the dumped disc reads as the
/// merged tree in the kernel and udfinfo finds the VAT at its last block; appended
/// sessions are the 320-block minimum (structures, the changes and the VAT).
/// `run_out`: blocks the drive records after the session (2 run-out blocks of a CD
/// track, UDF 2.60 6.13; the VAT ICB is then 2 blocks before the last recorded one).
fn three_sessions(media: &str, revision: &str, run_out: u64) {
    let w = Work::new(media);
    let check = |model: &Model, sessions: usize| {
        let img = w.dump();
        let blocks = fs::metadata(&img).unwrap().len() / 2048;
        let i = udfinfo(&img);
        assert_eq!(
            i.get("vatblock"),
            Some(&(blocks - 1 - run_out).to_string()),
            "{i:?}"
        );
        assert_eq!(i.get("udfwriterev").map(String::as_str), Some(revision));
        assert_eq!(i.get("accesstype").map(String::as_str), Some("writeonce"));
        if revision != "1.50" {
            // VAT 2.00 carries the counts (UDF 2.60 2.2.11.1); VAT 1.50 does not.
            let files = model.values().filter(|v| v.is_some()).count();
            let dirs = 1 + model.values().filter(|v| v.is_none()).count();
            assert_eq!(i.get("numfiles"), Some(&files.to_string()), "{i:?}");
            assert_eq!(i.get("numdirs"), Some(&dirs.to_string()), "{i:?}");
        }
        assert_eq!(
            &kernel_udf(&img, run_out),
            model,
            "kernel udf view after {sessions}"
        );
        fs::remove_file(&img).unwrap();
    };
    let (b2, b3) = three_burns(&w, revision, &check);
    assert_eq!(b2, 320, "session 2 writes only its changes");
    assert_eq!(b3, 320);
    // `extract --session 1` copies that generation's data.
    let out = w.dir.path().join("x1");
    ok(args!["extract", "--drive", &w.disc, "--session", "1", &out]);
    assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"first");
    assert_eq!(fs::read(out.join("d/b.bin")).unwrap(), [7; 5000]);
}

#[test]
fn vat_three_sessions_on_bd_r_udf_2_01() {
    three_sessions("bd-r", "2.01", 0);
}

#[test]
fn vat_three_sessions_on_dvd_plus_r_udf_2_50() {
    three_sessions("dvd+r", "2.50", 0);
}

#[test]
fn vat_1_50_three_sessions_on_cd_r() {
    three_sessions("cd-r", "1.50", 2);
}

/// The kernel's isofs driver (default options: Rock Ridge) on `img`: path → MD5.
fn kernel_iso(img: &Path) -> Model {
    model_of(&oracle::kernel_list(oracle::Image::plain(img)))
}

/// A reader's listing as a model: directories and files with their MD5.
fn model_of(r: &oracle::Reading) -> Model {
    r.tree
        .entries
        .iter()
        .filter_map(|(p, n)| match n {
            discburn_testkit::tree::Node::Dir => Some((p.clone(), None)),
            discburn_testkit::tree::Node::File { md5, .. } => Some((p.clone(), *md5)),
            _ => None,
        })
        .collect()
}

/// Appending twice to a genisoimage `-udf` bridge image (UDF 1.02, a type 1 partition)
/// with default options: each new session records ISO 9660 and UDF again (the new UDF
/// volume's partition starts at the oldest kept data, its anchor at LBA 256 is written
/// again), and the kernel's udf and isofs drivers both show the merged tree.
#[test]
fn bridge_appends_to_a_genisoimage_udf_image_keep_udf_and_iso_views() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = Model::new();
    let w = Work {
        disc: dir.path().join("bridge.iso"),
        dir,
    };
    let s1 = w.source(
        1,
        &[("/one", b"one"), ("/dd/x", &[3; 3000]), ("/gone", b"gone")],
        &mut model,
    );
    let g = oracle::run(
        "genisoimage",
        &[
            "-quiet".as_ref(),
            "-R".as_ref(),
            "-J".as_ref(),
            "-udf".as_ref(),
            "-o".as_ref(),
            w.disc.as_os_str(),
            s1.as_os_str(),
        ],
    );
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    for (n, files, rm) in [
        (
            2,
            &[("/two", &b"two"[..]), ("/one", b"replaced")][..],
            &[][..],
        ),
        (3, &[("/dd/three", &b"three"[..])][..], &["/gone"][..]),
    ] {
        let src = w.source(n, files, &mut model);
        for p in rm {
            model.remove(*p);
        }
        let mut a: Vec<&std::ffi::OsStr> = args!["burn", "--drive", &w.disc].to_vec();
        for p in rm {
            a.push("--rm".as_ref());
            a.push(p.as_ref());
        }
        a.push(src.as_os_str());
        ok(&a);
        assert_eq!(
            kernel_udf(&w.disc, 0),
            model,
            "kernel udf after session {n}"
        );
        assert_eq!(kernel_iso(&w.disc), model, "kernel isofs after session {n}");
    }
    let i = udfinfo(&w.disc);
    assert_eq!(
        i.get("udfwriterev").map(String::as_str),
        Some("1.02"),
        "{i:?}"
    );
}

/// Importing for an append finds the VAT at the drive's last recorded block; a damaged
/// VAT ICB or a damaged anchor refuses the append with an error naming the structure
/// and its LBA, and nothing is written (the disc's bytes stay the same).
#[test]
fn a_damaged_vat_or_anchor_refuses_the_append_and_writes_nothing() {
    use sha2::{Digest as _, Sha256};
    for (lba, structure) in [
        (319u64, "VAT file entry at LBA 319"),
        (256, "no Anchor Volume Descriptor Pointer at LBA 256"),
    ] {
        let w = Work::new("bd-r");
        let mut model = Model::new();
        let s1 = w.source(1, &[("/a", b"a")], &mut model);
        w.burn("2.01", &s1, &[], &mut model);
        let mut bytes = fs::read(&w.disc).unwrap();
        bytes[lba as usize * 2048..][..4].copy_from_slice(b"XXXX");
        fs::write(&w.disc, &bytes).unwrap();
        let before = Sha256::digest(&bytes);
        let s2 = w.source(2, &[("/b", b"b")], &mut model);
        let o = common::discburn(args![
            "burn",
            "--drive",
            &w.disc,
            "--fs",
            "udf",
            "--udf-revision",
            "2.01",
            &s2
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(structure), "{err}");
        assert_eq!(Sha256::digest(fs::read(&w.disc).unwrap()), before);
        let media = ok(args!["media", "--drive", &w.disc]);
        assert!(media.contains("1 complete"), "{media}");
    }
}

/// 7-Zip's UDF reader (`7zz x`) on `img`: path → MD5.
fn sevenzip(img: &Path, scratch: &Path) -> Model {
    model_of(&oracle::sevenzip_extract(
        oracle::Image::plain(img),
        scratch,
    ))
}

/// Issue 14, UDF alone on overwritable media and image files: every session is a new
/// volume (type 1 partition from the oldest kept data) after the one before, and the
/// anchor at LBA 256, which readers take first (ECMA-167 3/8.4.2.1), is written after
/// it. Three sessions (the second replaces a file, adds files and a directory and hides
/// a file; the third, a plain burn, replaces a file in a kept directory and hides a
/// directory). After each: the kernel's udf driver (plain mount of the dumped disc),
/// udfinfo (revision, counts) and 7-Zip read exactly the merged tree, and `sessions`
/// lists one UDF session per burn; `ls --session 1` still lists the first tree.
fn three_sessions_overwritable(media: Option<&str>, revision: &str) {
    let w = media.map_or_else(Work::image, Work::new);
    let check = |model: &Model, sessions: usize| {
        let img = w.dump();
        let i = udfinfo(&img);
        assert_eq!(i.get("udfwriterev").map(String::as_str), Some(revision));
        let files = model.values().filter(|v| v.is_some()).count();
        let dirs = 1 + model.values().filter(|v| v.is_none()).count();
        assert_eq!(i.get("numfiles"), Some(&files.to_string()), "{i:?}");
        assert_eq!(i.get("numdirs"), Some(&dirs.to_string()), "{i:?}");
        assert_eq!(&kernel_udf(&img, 0), model, "kernel udf after {sessions}");
        assert_eq!(
            &sevenzip(&img, w.dir.path()),
            model,
            "7-Zip after {sessions}"
        );
        fs::remove_file(&img).unwrap();
    };
    three_burns(&w, revision, &check);
}

#[test]
fn udf_alone_three_sessions_on_bd_re_udf_2_01() {
    three_sessions_overwritable(Some("bd-re"), "2.01");
}

#[test]
fn udf_alone_three_sessions_on_an_image_file_udf_2_50() {
    three_sessions_overwritable(None, "2.50");
}

/// Issue 14 Deliver 2, the order of writes of a UDF session on overwritable media: the
/// new volume after the old one (nothing of the old one is written), then the anchor at
/// LBA 256 — the one block that switches readers to the new volume — then the head (LBA
/// 0–31: system area and recognition sequence, unchanged bytes). A power loss injected
/// in the emulated BD-RE at points through the session, the anchor's write unit and the
/// head leaves a disc whose dump the kernel's udf driver mounts with exactly the old or
/// exactly the new tree, both occurring across the matrix. `repair` then clears an
/// interrupted volume's recognition sequence when there is one, and the next burn
/// appends.
#[test]
fn udf_alone_on_bd_re_power_cut_leaves_the_old_or_the_new_tree() {
    let probe = Work::new("bd-re");
    let mut old = Model::new();
    let big: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let s1 = probe.source(1, &[("/a", b"one"), ("/d/big", &big)], &mut old);
    let mut new = old.clone();
    let s2 = probe.source(2, &[("/a", b"two-a"), ("/b", b"two")], &mut new);
    probe.burn("2.01", &s1, &[], &mut Model::new());
    let blocks = probe.burn("", &s2, &[], &mut Model::new());
    // The session's writes end at its last write unit (32 blocks); the anchor's unit
    // and the head's follow.
    let w = blocks.next_multiple_of(32);
    let (mut saw_old, mut saw_new) = (false, false);
    for cut in [1, w / 2, w - 1, w, w + 16, w + 32, w + 48, w + 64] {
        let what = format!("cut after {cut} sectors (session {blocks} blocks)");
        let t = Work::new("bd-re");
        t.burn("2.01", &s1, &[], &mut Model::new());
        common::power_cut_after(&t.disc, cut);
        let o = common::discburn(args!["burn", "--drive", &t.disc, &s2]);
        ok(args!["disc", "inject", &t.disc, "--clear"]);
        let img = t.dump();
        let seen = kernel_udf(&img, 0);
        fs::remove_file(&img).unwrap();
        if seen == old {
            saw_old = true;
            assert_eq!(o.status.code(), Some(1), "{what}: the burn failed");
        } else {
            assert_eq!(seen, new, "{what}: the kernel sees neither tree");
            saw_new = true;
        }
        ok(args!["repair", "--drive", &t.disc]);
        let s3 = t.source(3, &[("/c", b"three")], &mut Model::new());
        ok(args!["burn", "--drive", &t.disc, &s2, &s3]);
        let ls = ok(args!["ls", "--drive", &t.disc]);
        for p in [" /a\n", " /b\n", " /c\n", " /d/big\n"] {
            assert!(ls.contains(p), "{what}: {p} after repair and burn:\n{ls}");
        }
    }
    assert!(saw_old && saw_new, "the cuts span the anchor's write");
}

/// Issue 14 Deliver 4 on an image file holding a UDF volume alone: with its anchor at
/// LBA 256 damaged (the volume still reads through the anchor at its last block), an
/// append — which would write LBA 256 again — is refused naming the anchor, and not a
/// byte changes.
#[test]
fn udf_alone_image_with_a_damaged_anchor_at_256_refuses_the_append() {
    let w = Work::image();
    let mut model = Model::new();
    let s1 = w.source(1, &[("/a", b"a")], &mut model);
    w.burn("2.01", &s1, &[], &mut model);
    let mut bytes = fs::read(&w.disc).unwrap();
    bytes[256 * 2048..][..4].copy_from_slice(b"XXXX");
    let s2 = w.source(2, &[("/b", b"b")], &mut model);
    let err = refused_unchanged(&w, &bytes, &s2);
    assert!(
        err.contains("Anchor Volume Descriptor Pointer at LBA 256 is damaged"),
        "{err}"
    );
}

/// Writes `bytes` as the disc, runs a plain `burn` of `src`, asserts exit status 1 and
/// that the disc's bytes are unchanged; returns stderr.
fn refused_unchanged(w: &Work, bytes: &[u8], src: &Path) -> String {
    use sha2::{Digest as _, Sha256};
    fs::write(&w.disc, bytes).unwrap();
    let o = common::discburn(args!["burn", "--drive", &w.disc, src]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        Sha256::digest(fs::read(&w.disc).unwrap()),
        Sha256::digest(bytes),
        "{err}"
    );
    err
}

/// Issue 14 Deliver 2 (cost): appending one file to a UDF 2.01 volume alone of 300
/// files in an image file writes the new volume's structures, its directories and one
/// new File Entry: the 300 File Entries stay where session 1 recorded them (the
/// partition keeps its start), so the session is shorter than those 300 blocks alone.
/// The kernel's udf driver then reads all 301 files with their contents.
#[test]
fn udf_alone_append_on_an_image_file_keeps_unchanged_file_entries() {
    let w = Work::image();
    let mut model = Model::new();
    let names: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            (
                format!("/d{}/f{i}", i % 3),
                format!("file {i}\n").into_bytes(),
            )
        })
        .collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let s1 = w.source(1, &files, &mut model);
    w.burn("2.01", &s1, &[], &mut model);
    let s2 = w.source(2, &[("/d1/new", b"new")], &mut model);
    let blocks = w.burn("", &s2, &[], &mut model);
    assert!(blocks < 300, "session 2 wrote {blocks} blocks");
    assert_eq!(kernel_udf(&w.disc, 0), model);
    let i = udfinfo(&w.disc);
    assert_eq!(i.get("numfiles").map(String::as_str), Some("301"), "{i:?}");
    // No ISO 9660 session for mkisofs -C: msinfo says so (not "blank").
    let o = common::discburn(args!["msinfo", "--drive", &w.disc]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("UDF volumes alone"),
        "{err}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&ok(args!["msinfo", "--json", "--drive", &w.disc])).unwrap();
    assert_eq!(v["blank"], serde_json::Value::Bool(false));
}

/// Issue 14 Deliver 1, closing (`--close`): the session that closes a BD-R holding a
/// UDF VAT volume also records the closed volume's second Anchor Volume Descriptor
/// Pointer at N − 256, N the VAT ICB (ECMA-167 3/8.4.2.1, as mkudffs `--closed`
/// records it), where udfinfo finds it; the kernel mounts the dumped disc with the
/// merged tree. A first session that closes the disc is padded so that N − 256 is free.
#[test]
fn vat_closing_session_records_the_second_anchor_at_n_minus_256() {
    for first_closes in [false, true] {
        let w = Work::new("bd-r");
        let mut model = Model::new();
        let s1 = w.source(1, &[("/a", b"one"), ("/d/b", &[5; 9000])], &mut model);
        // Closed by its first session: UDF 1.02 asked, VAT 1.50 recorded.
        let out = if first_closes {
            ok(args![
                "burn", "--drive", &w.disc, "--fs", "udf", "--close", &s1
            ])
        } else {
            w.burn("2.01", &s1, &[], &mut Model::new());
            String::new()
        };
        if !first_closes {
            let s2 = w.source(2, &[("/c", b"two")], &mut model);
            let out2 = ok(args!["burn", "--drive", &w.disc, "--close", &s2]);
            assert!(out2.contains("disc closed"), "{out2}");
        } else {
            assert!(out.contains("disc closed"), "{out}");
        }
        let img = w.dump();
        let blocks = fs::metadata(&img).unwrap().len() / 2048;
        let text =
            String::from_utf8_lossy(&Command::new("udfinfo").arg(&img).output().unwrap().stdout)
                .into_owned();
        assert!(
            text.contains(&format!(
                "start={}, blocks=1, type=ANCHOR",
                blocks - 1 - 256
            )),
            "first session closes: {first_closes}\n{text}"
        );
        assert!(text.contains(&format!("vatblock={}", blocks - 1)), "{text}");
        assert_eq!(kernel_udf(&img, 0), model);
    }
}

#[test]
fn udf_alone_three_sessions_on_dvd_plus_rw_udf_1_02() {
    three_sessions_overwritable(Some("dvd+rw"), "1.02");
}

/// Issue 14 Deliver 4 on a multi-session disc: when the last session ends with a VAT
/// ICB whose descriptor no longer reads (its CRC fails: the body was damaged), the
/// append is refused naming the VAT file entry and its LBA, not continued from the
/// session before (which is only done for a session interrupted before its VAT), and
/// nothing is written.
#[test]
fn a_damaged_last_vat_of_a_later_session_refuses_the_append() {
    let w = Work::new("bd-r");
    let mut model = Model::new();
    let s1 = w.source(1, &[("/a", b"a")], &mut model);
    w.burn("2.01", &s1, &[], &mut model);
    let s2 = w.source(2, &[("/b", b"b")], &mut model);
    w.burn("", &s2, &[], &mut model);
    // Session 2 is LBA 320-639: its VAT ICB is block 639; damage its body.
    let mut bytes = fs::read(&w.disc).unwrap();
    bytes[639 * 2048 + 300] ^= 0xFF;
    let s3 = w.source(3, &[("/c", b"c")], &mut model);
    let err = refused_unchanged(&w, &bytes, &s3);
    assert!(err.contains("LBA 639"), "{err}");
    assert!(!err.contains("continues the UDF volume"), "{err}");
}

/// Nothing lost, UDF alone: a first `--fs udf` session on an emulated BD-RE cut by a
/// power loss before its head was written (LBA 0–31 zero, its recognition sequence at
/// LBA 48) is refused by `burn`, naming `repair`; `repair` replaces it with an empty
/// UDF volume that keeps the volume name and a head; the next plain burn appends a UDF
/// volume after it, which the kernel's udf driver reads from the dumped disc.
#[test]
fn udf_alone_first_session_cut_on_bd_re_is_replaced_by_repair() {
    let w = Work::new("bd-re");
    let mut model = Model::new();
    let s1 = w.source(1, &[("/a", b"one"), ("/d/b", &[9; 300_000])], &mut model);
    common::power_cut_after(&w.disc, 100);
    let o = common::discburn(args![
        "burn",
        "--drive",
        &w.disc,
        "--fs",
        "udf",
        "--volume-name",
        "ARCHIVE",
        &s1
    ]);
    assert_eq!(o.status.code(), Some(1));
    ok(args!["disc", "inject", &w.disc, "--clear"]);
    let o = common::discburn(args!["burn", "--drive", &w.disc, &s1]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.code() == Some(1) && err.contains("discburn repair"),
        "{err}"
    );
    let out = ok(args!["repair", "--drive", &w.disc]);
    assert!(out.contains("replaced by an empty session"), "{out}");
    let listed = ok(args!["sessions", "--drive", &w.disc]);
    assert!(
        listed.starts_with("UDF session  :   1") && listed.contains("ARCHIVE"),
        "{listed}"
    );
    let out = ok(args!["burn", "--drive", &w.disc, &s1]);
    assert!(out.starts_with("session 2 at LBA"), "{out}");
    let img = w.dump();
    assert_eq!(kernel_udf(&img, 0), model);
}
