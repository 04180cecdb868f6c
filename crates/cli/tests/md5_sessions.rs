//! MD5 checksums across sessions (issue 11, Deliver 4): `burn` records libisofs
//! checksums by default (`--no-md5` turns them off), and an appended session carries the
//! recorded MD5 of every kept file into its own checksum array (libisofs doc/
//! checksums.txt, "The Checksum Array"), so xorriso `-md5 on -check_md5` /
//! `-check_md5_r` and `discburn verify` check every file of the newest session: on an
//! image file (random-write head) and an emulated BD-R, two and three sessions, a
//! flipped byte in a kept file and in a new file found by both and named by path; and
//! sessions xorriso wrote with `-md5 on` keep their MD5s through a discburn append.

#[macro_use]
mod common;

use common::{discburn, ok};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A source tree: a small file, a 200 KiB file in a subdirectory, an empty file.
fn sources(dir: &Path, tag: &str) -> PathBuf {
    let s = dir.join(format!("src-{tag}"));
    fs::create_dir_all(s.join("sub")).unwrap();
    fs::write(s.join("small.txt"), format!("hello {tag}\n")).unwrap();
    let big: Vec<u8> = (0..200 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8 ^ tag.as_bytes()[0])
        .collect();
    fs::write(s.join("sub/big.bin"), big).unwrap();
    fs::write(s.join("empty"), b"").unwrap();
    s
}

/// Runs xorriso with MD5 loading on, reading the tree at `sbsector` when given;
/// returns (success, all output).
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

/// xorriso checks the session against its tags and every file against its MD5, and
/// finds no file without one.
fn xorriso_checks_everything(img: &Path, sbsector: Option<u64>, what: &str) {
    let (ok1, t1) = xorriso(img, sbsector, &["-check_md5", "FAILURE", "--"]);
    assert!(
        ok1 && t1.contains("Ok, session data match recorded md5"),
        "{what}: xorriso -check_md5:\n{t1}"
    );
    let (ok2, t2) = xorriso(img, sbsector, &["-check_md5_r", "FAILURE", "/", "--"]);
    assert!(
        ok2 && t2.contains("File contents and their MD5 checksums match"),
        "{what}: xorriso -check_md5_r:\n{t2}"
    );
    assert!(
        !t2.contains("no MD5"),
        "{what}: every file of the session has an MD5:\n{t2}"
    );
}

/// LBA of `iso_path`, as xorriso reports it.
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
    line.split(',').nth(1).unwrap().trim().parse().unwrap()
}

fn flip_byte(img: &Path, offset: u64) {
    let mut b = fs::read(img).unwrap();
    b[offset as usize] ^= 0x5a;
    fs::write(img, b).unwrap();
}

/// `discburn verify` → (exit code, output).
fn verify(img: &Path) -> (i32, String) {
    let o = discburn(args!["verify", "--drive", img]);
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// "session N at LBA X: ..." → X.
fn start_of(burn_output: &str) -> u64 {
    burn_output
        .split("at LBA ")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn md5_default_appended_sessions_keep_the_md5s_of_kept_files_image_and_bdr() {
    let t = TempDir::new().unwrap();
    for media in ["image", "bd-r"] {
        let disc = t.path().join(format!("{media}.disc"));
        if media != "image" {
            ok(args!["disc", "create", &disc, "--media", media]);
        }
        let mut sb = None;
        for (i, tag) in ["a", "b", "c"].iter().enumerate() {
            let src = sources(t.path(), tag);
            let graft = format!("{}=/{tag}", src.display());
            // No option: checksums are recorded by default.
            let out = ok(args!["burn", "--drive", &disc, &graft]);
            // The sector image of a BD-R is read at the session; an image file through
            // its head at LBA 0.
            sb = (media == "bd-r").then(|| start_of(&out));
            let what = format!("{media} session {}", i + 1);
            xorriso_checks_everything(&disc, sb, &what);
            let (code, v) = verify(&disc);
            assert_eq!(code, 0, "{what}: {v}");
            // Empty files have nothing to read.
            let files = 2 * (i + 1);
            assert!(
                v.contains(&format!("{files} files checked, 0 without MD5; passed")),
                "{what}: {v}"
            );
        }
        // A byte flipped in a file kept from session 1 and in one written by session 3.
        for path in ["/a/sub/big.bin", "/c/sub/big.bin"] {
            flip_byte(&disc, lba_of(&disc, sb, path) * 2048 + 4097);
        }
        let (ok2, t2) = xorriso(&disc, sb, &["-check_md5_r", "FAILURE", "/", "--"]);
        assert!(!ok2, "{media}: {t2}");
        for path in ["/a/sub/big.bin", "/c/sub/big.bin"] {
            assert!(
                t2.contains(&format!("MD5 MISMATCH: '{path}'")),
                "{media}: {t2}"
            );
        }
        assert!(
            !t2.contains("MD5 MISMATCH: '/b/sub/big.bin'"),
            "{media}: {t2}"
        );
        let (code, v) = verify(&disc);
        assert_eq!(code, 1, "{media}: {v}");
        for path in ["/a/sub/big.bin", "/c/sub/big.bin"] {
            assert!(
                v.contains(&format!("MD5 MISMATCH: {path} (LBA ")),
                "{media}: verify names {path}: {v}"
            );
        }
        assert!(!v.contains("/b/sub/big.bin"), "{media}: {v}");
    }
}

#[test]
fn md5_no_md5_records_no_checksums() {
    let t = TempDir::new().unwrap();
    let src = sources(t.path(), "a");
    let img = t.path().join("plain.iso");
    ok(args!["mkimage", "--no-md5", "-o", &img, &src]);
    let (code, v) = verify(&img);
    assert_eq!(code, 0, "{v}");
    assert!(v.contains("no MD5 checksums recorded"), "{v}");
    let bytes = fs::read(&img).unwrap();
    assert!(
        !bytes.windows(24).any(|w| w == b"libisofs_checksum_tag_v1"),
        "no session tag"
    );
    // The last of --md5 / --no-md5 wins; --md5 is still accepted.
    let img2 = t.path().join("md5.iso");
    ok(args!["mkimage", "--no-md5", "--md5", "-o", &img2, &src]);
    xorriso_checks_everything(&img2, None, "mkimage --no-md5 --md5");
}

#[test]
fn md5_xorriso_sessions_keep_their_md5s_through_a_discburn_append() {
    let t = TempDir::new().unwrap();
    let img = t.path().join("x.iso");
    let dev = format!("stdio:{}", img.display());
    let xorriso_session = |opt: &str, src: &Path, dest: &str| {
        let st = Command::new("xorriso")
            .args(["-md5", "on", opt, &dev, "-joliet", "on", "-map"])
            .arg(src)
            .arg(dest)
            .arg("-commit")
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    xorriso_session("-outdev", &sources(t.path(), "a"), "/a");
    let graft = format!("{}=/b", sources(t.path(), "b").display());
    ok(args!["burn", "--drive", &img, &graft]);
    xorriso_checks_everything(&img, None, "xorriso + discburn");
    let (code, v) = verify(&img);
    assert_eq!(code, 0, "{v}");
    assert!(v.contains("4 files checked, 0 without MD5; passed"), "{v}");
    // xorriso appends again: it takes over discburn's MD5s as discburn took its own.
    xorriso_session("-dev", &sources(t.path(), "c"), "/c");
    xorriso_checks_everything(&img, None, "xorriso + discburn + xorriso");
    let (code, v) = verify(&img);
    assert_eq!(code, 0, "{v}");
    assert!(v.contains("6 files checked, 0 without MD5; passed"), "{v}");
}
