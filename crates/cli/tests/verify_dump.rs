//! `--md5`, `verify` and `dump` (issue 11 items 4 and 6) against the oracles: xorriso
//! `-md5 on -check_md5` / `-check_md5_r` pass on discburn's images and sessions and
//! find a flipped byte; `discburn verify` finds it and names the file; `discburn
//! verify` passes on what `xorriso -md5 on` wrote and fails when a byte is flipped
//! there; `dump` of an emulated BD-R with three sessions is read by xorriso and the
//! kernel at the last session, and `dump` of an image file equals the file.

#[macro_use]
mod common;

use common::{discburn, ok};

use std::fs;
use std::path::Path;
use std::process::Command;

use discburn_testkit::oracle::{Image, kernel_list, xorriso_list};
use discburn_testkit::tree::{Md5Digest, Node};
use tempfile::TempDir;

/// A source tree: a small file, a 300 KiB file in a subdirectory, an empty file.
fn sources(dir: &Path, tag: &str) -> std::path::PathBuf {
    let s = dir.join(format!("src-{tag}"));
    fs::create_dir_all(s.join("sub")).unwrap();
    fs::write(s.join("small.txt"), format!("hello {tag}\n")).unwrap();
    let big: Vec<u8> = (0..300 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(s.join("sub/big.bin"), big).unwrap();
    fs::write(s.join("empty"), b"").unwrap();
    s
}

/// Runs xorriso with MD5 loading on; returns (success, all output).
fn xorriso(img: &Path, sbsector: Option<u64>, tail: &[&str]) -> (bool, String) {
    let mut c = Command::new("xorriso");
    c.args([
        "-md5",
        "on",
        "-abort_on",
        "FAILURE",
        "-return_with",
        "FAILURE",
        "32",
    ]);
    c.arg("-indev").arg(img);
    if let Some(s) = sbsector {
        c.args(["-load", "sbsector", &s.to_string()]);
    }
    c.args(tail);
    let o = c.output().expect("run xorriso");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn check_md5_passes(img: &Path, sbsector: Option<u64>) {
    let (ok1, t1) = xorriso(img, sbsector, &["-check_md5", "FAILURE", "--"]);
    assert!(
        ok1 && t1.contains("Ok, session data match recorded md5"),
        "xorriso -check_md5 on {}:\n{t1}",
        img.display()
    );
    let (ok2, t2) = xorriso(img, sbsector, &["-check_md5_r", "FAILURE", "/", "--"]);
    assert!(
        ok2 && t2.contains("File contents and their MD5 checksums match"),
        "xorriso -check_md5_r on {}:\n{t2}",
        img.display()
    );
}

/// LBA of `iso_path` in the image, as xorriso reports it.
fn lba_of(img: &Path, sbsector: Option<u64>, iso_path: &str) -> u64 {
    let (_, t) = xorriso(
        img,
        sbsector,
        &["-find", iso_path, "-exec", "report_lba", "--"],
    );
    let line = t
        .lines()
        .find(|l| l.starts_with("File data lba:"))
        .unwrap_or_else(|| panic!("no report_lba for {iso_path}:\n{t}"));
    // "File data lba:  0 ,      LBA ,   BLOCKS ,   BYTES , '/path'"
    line.split(',').nth(1).unwrap().trim().parse().unwrap()
}

fn flip_byte(img: &Path, offset: u64) {
    let mut b = fs::read(img).unwrap();
    b[offset as usize] ^= 0x5a;
    fs::write(img, b).unwrap();
}

fn verify(img: &Path, extra: &[&str]) -> (i32, String) {
    let mut a: Vec<&std::ffi::OsStr> = vec!["verify".as_ref(), "--drive".as_ref(), img.as_ref()];
    a.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    let o = discburn(&a);
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn mkimage_md5_is_checked_by_xorriso_and_verify_names_a_flipped_file() {
    let t = TempDir::new().unwrap();
    let src = sources(t.path(), "a");
    let img = t.path().join("m.iso");
    ok(args!["mkimage", "--md5", "-o", &img, &src]);
    check_md5_passes(&img, None);
    let (code, out) = verify(&img, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("3 files checked") || out.contains("2 files checked"),
        "{out}"
    );
    assert!(out.contains("passed"), "{out}");
    let (code, out) = verify(&img, &["--level", "quick"]);
    assert_eq!(code, 0, "{out}");

    let lba = lba_of(&img, None, "/sub/big.bin");
    let bad = t.path().join("bad.iso");
    fs::copy(&img, &bad).unwrap();
    flip_byte(&bad, lba * 2048 + 100_000);
    let (ok1, t1) = xorriso(&bad, None, &["-check_md5", "FAILURE", "--"]);
    assert!(!ok1 && t1.contains("MISMATCH"), "{t1}");
    let (ok2, t2) = xorriso(&bad, None, &["-check_md5_r", "FAILURE", "/", "--"]);
    assert!(!ok2 && t2.contains("MD5 MISMATCH: '/sub/big.bin'"), "{t2}");
    let (code, out) = verify(&bad, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("MD5 MISMATCH: /sub/big.bin (LBA "),
        "verify names the file: {out}"
    );
    assert!(!out.contains("small.txt"), "{out}");
    assert!(out.contains("E_IMAPI_BURN_VERIFICATION_FAILED"), "{out}");
    // The flipped byte is in file data: quick (descriptors and tree) still passes.
    assert_eq!(verify(&bad, &["--level", "quick"]).0, 0);
}

#[test]
fn verify_checks_what_xorriso_md5_on_wrote() {
    let t = TempDir::new().unwrap();
    let (a, b) = (sources(t.path(), "a"), sources(t.path(), "b"));
    let img = t.path().join("x.iso");
    let dev = format!("stdio:{}", img.display());
    for (i, s) in [&a, &b].iter().enumerate() {
        let opt = if i == 0 { "-outdev" } else { "-dev" };
        let st = Command::new("xorriso")
            .args(["-md5", "on", opt, &dev, "-joliet", "on", "-map"])
            .arg(s)
            .arg(format!("/s{i}"))
            .arg("-commit")
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    }
    for session in ["1", "2"] {
        let (code, out) = verify(&img, &["--session", session]);
        assert_eq!(code, 0, "session {session}: {out}");
        assert!(out.contains("0 without MD5"), "{out}");
    }
    // Session 2 holds /s0 (kept, data in session 1) and /s1.
    let lba = lba_of(&img, None, "/s0/sub/big.bin");
    flip_byte(&img, lba * 2048 + 5);
    let (code, out) = verify(&img, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("MD5 MISMATCH: /s0/sub/big.bin"), "{out}");
    assert!(!out.contains("/s1/sub/big.bin"), "{out}");
}

#[test]
fn burn_md5_sessions_pass_xorriso_and_burn_verify() {
    let t = TempDir::new().unwrap();
    for media in ["image", "bd-r", "bd-re"] {
        let disc = t.path().join(format!("{media}.disc"));
        if media != "image" {
            ok(args!["disc", "create", &disc, "--media", media]);
        }
        let mut starts = Vec::new();
        for (i, tag) in ["a", "b"].iter().enumerate() {
            let src = sources(t.path(), tag);
            let graft = format!("{}=/{tag}", src.display());
            let out = ok(args![
                "burn", "--md5", "--verify", "full", "--drive", &disc, &graft
            ]);
            assert!(out.contains("passed"), "{media} session {}: {out}", i + 1);
            let start: u64 = out
                .split("at LBA ")
                .nth(1)
                .and_then(|s| s.split(':').next())
                .unwrap()
                .parse()
                .unwrap();
            starts.push(start);
        }
        // An emulated disc is read through its sector image: at the last session's
        // start on sequential media, through the head at LBA 0 on random-write media.
        let sector_image = disc.clone();
        let sb = (media == "bd-r").then(|| *starts.last().unwrap());
        let (ok1, t1) = xorriso(&sector_image, sb, &["-check_md5", "FAILURE", "--"]);
        assert!(
            ok1 && t1.contains("Ok, session data match recorded md5"),
            "{media}: {t1}"
        );
        let (ok2, t2) = xorriso(&sector_image, sb, &["-check_md5_r", "FAILURE", "/b", "--"]);
        assert!(ok2 && t2.contains("match"), "{media}: {t2}");
    }
}

#[test]
fn verify_without_checksums_reads_every_block() {
    let t = TempDir::new().unwrap();
    let src = sources(t.path(), "a");
    let img = t.path().join("plain.iso");
    ok(args!["mkimage", "--no-md5", "-o", &img, &src]);
    let (code, out) = verify(&img, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no MD5 checksums recorded"), "{out}");
    // Cut the image inside the last file: the reader refuses the tree, naming the
    // extent past the end of the media, and verify fails with it.
    let len = fs::metadata(&img).unwrap().len();
    let f = fs::OpenOptions::new().write(true).open(&img).unwrap();
    f.set_len(len - 4 * 2048).unwrap();
    let (code, out) = verify(&img, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("past the end of the media"), "{out}");
}

#[test]
fn dump_of_an_image_file_equals_the_file_and_of_a_bdr_reads_at_the_last_session() {
    let t = TempDir::new().unwrap();
    let src = sources(t.path(), "a");
    let img = t.path().join("m.iso");
    ok(args!["mkimage", "--md5", "-o", &img, &src]);
    let out = t.path().join("out/copy.iso");
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    ok(args!["dump", "--drive", &img, "-o", &out]);
    assert_eq!(fs::read(&img).unwrap(), fs::read(&out).unwrap());
    let leftovers: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");

    // An output that cannot be written: exit 1, nothing left.
    let o = discburn(args![
        "dump",
        "--drive",
        &img,
        "-o",
        &t.path().join("nodir/x.iso")
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!t.path().join("nodir").exists());

    let disc = t.path().join("bd.bdr");
    ok(args!["disc", "create", &disc, "--media", "bd-r"]);
    let mut last = 0;
    for tag in ["a", "b", "c"] {
        let s = sources(t.path(), tag);
        let graft = format!("{}=/{tag}", s.display());
        let out = ok(args!["burn", "--md5", "--drive", &disc, &graft]);
        last = out
            .split("at LBA ")
            .nth(1)
            .and_then(|s| s.split(':').next())
            .unwrap()
            .parse()
            .unwrap();
    }
    let dumped = t.path().join("bd.iso");
    let text = ok(args!["dump", "--drive", &disc, "-o", &dumped]);
    assert!(text.contains("blocks from LBA 0"), "{text}");
    check_md5_passes(&dumped, Some(last));
    let want = Md5Digest::of(b"hello b\n");
    for reading in [
        xorriso_list(Image {
            path: &dumped,
            sbsector: last,
        }),
        kernel_list(Image {
            path: &dumped,
            sbsector: last,
        }),
    ] {
        for tag in ["a", "b", "c"] {
            assert!(
                reading
                    .tree
                    .entries
                    .contains_key(&format!("/{tag}/sub/big.bin")),
                "{}: /{tag}/sub/big.bin missing",
                reading.label
            );
        }
        if let Some(Node::File { md5: Some(m), .. }) = reading.tree.entries.get("/b/small.txt") {
            assert_eq!(*m, want, "{}", reading.label);
        }
    }
    // One session only: its blocks, block 0 of the output its first block.
    let s2 = t.path().join("s3.iso");
    ok(args!["dump", "--drive", &disc, "--session", "3", "-o", &s2]);
    let whole = fs::read(&dumped).unwrap();
    let part = fs::read(&s2).unwrap();
    assert_eq!(&whole[(last * 2048) as usize..], &part[..]);
}
