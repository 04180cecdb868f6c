//! Ownership before the first write (issue 11 item 1): `discburn burn` on an image file
//! that holds something else (random bytes, a tar archive, an ext4 file system, a JPEG)
//! is refused with exit 1, naming what was found and `--force-overwrite`,
//! and every byte of the target is unchanged; with `--force-overwrite` (IMAPI2
//! IDiscFormat2Data::put_ForceOverwrite) the burn goes on and xorriso reads the result.
//! An emulated disc whose state file is truncated, garbled or missing is refused, never
//! taken for a plain image file.

#[macro_use]
mod common;

use common::{discburn, ok};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use discburn_testkit::tree::Md5Digest;

/// Runs discburn expecting exit status 1 and one line on stderr; returns it.
fn fails(args: &[&std::ffi::OsStr]) -> String {
    let o = discburn(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "discburn {args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

fn md5_of(path: &Path) -> Md5Digest {
    Md5Digest::of(&fs::read(path).unwrap())
}

/// Deterministic pseudo-random bytes (xorshift).
fn noise(n: usize, mut x: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn source_dir(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a.txt"), b"hello\n").unwrap();
    src
}

/// xorriso lists /a.txt in the image's last session.
fn xorriso_sees_a_txt(image: &Path) {
    let o = Command::new("xorriso")
        .args(["-indev"])
        .arg(image)
        .args(["-find", "/", "-name", "a.txt"])
        .output()
        .expect("run xorriso");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("/a.txt"),
        "xorriso: {out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Refused without --force-overwrite with every byte unchanged and the finding named;
/// accepted with it.
fn refused_then_forced(target: &Path, expect: &str) {
    let dir = target.parent().unwrap();
    let src = source_dir(dir);
    let before = md5_of(target);
    let len = fs::metadata(target).unwrap().len();
    let err = fails(args!["burn", "--drive", target, &src]);
    assert!(
        err.contains("E_IMAPI_DF2DATA_MEDIA_NOT_BLANK")
            && err.contains(expect)
            && err.contains("LBA")
            && err.contains("--force-overwrite"),
        "{err}"
    );
    assert_eq!(md5_of(target), before, "the refused target was changed");
    assert_eq!(fs::metadata(target).unwrap().len(), len);
    ok(args!["burn", "--drive", target, "--force-overwrite", &src]);
    xorriso_sees_a_txt(target);
}

#[test]
fn random_bytes_are_refused_unchanged_and_forced() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("random.bin");
    fs::write(&t, noise(3 << 20, 0x9E37_79B9_7F4A_7C15)).unwrap();
    refused_then_forced(&t, "non-zero data at LBA 0");
}

#[test]
fn tar_archive_is_refused_unchanged_and_forced() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("inner");
    fs::create_dir(&inner).unwrap();
    fs::write(inner.join("doc.txt"), vec![b'x'; 300_000]).unwrap();
    let t = dir.path().join("archive.tar");
    let st = Command::new("tar")
        .arg("-cf")
        .arg(&t)
        .arg("-C")
        .arg(dir.path())
        .arg("inner")
        .status()
        .unwrap();
    assert!(st.success());
    refused_then_forced(&t, "tar archive");
}

#[test]
fn ext4_image_is_refused_unchanged_and_forced() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("fs.ext4");
    fs::File::create(&t).unwrap().set_len(16 << 20).unwrap();
    let mkfs = ["/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4", "mkfs.ext4"]
        .into_iter()
        .find(|p| !p.starts_with('/') || Path::new(p).exists())
        .unwrap();
    let o = Command::new(mkfs)
        .args(["-q", "-F", "-E", "root_owner=0:0"])
        .arg(&t)
        .output()
        .expect("mkfs.ext4 (e2fsprogs) is installed by scripts/test.sh");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    refused_then_forced(&t, "ext2/ext3/ext4");
}

#[test]
fn jpeg_and_png_are_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("photo.jpg");
    let mut jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    jpeg.extend(noise(200_000, 7));
    fs::write(&t, &jpeg).unwrap();
    refused_then_forced(&t, "JPEG");
    let d2 = tempfile::tempdir().unwrap();
    let p = d2.path().join("image.png");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(noise(10_000, 11));
    fs::write(&p, &png).unwrap();
    let before = md5_of(&p);
    let src = source_dir(d2.path());
    let err = fails(args!["burn", "--drive", &p, &src]);
    assert!(err.contains("PNG"), "{err}");
    assert_eq!(md5_of(&p), before);
}

/// A file smaller than one sector is still seen (the stdio target reads it zero-padded).
#[test]
fn a_short_text_file_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("notes.txt");
    fs::write(&t, b"my notes\n").unwrap();
    let src = source_dir(dir.path());
    let err = fails(args!["burn", "--drive", &t, &src]);
    assert!(err.contains("non-zero data at LBA 0"), "{err}");
    assert_eq!(fs::read(&t).unwrap(), b"my notes\n");
}

/// Blank targets and our own images need no override: a zero-filled file, a missing
/// path, and an image with a session (the second burn appends).
#[test]
fn blank_and_iso_targets_need_no_override() {
    let dir = tempfile::tempdir().unwrap();
    let src = source_dir(dir.path());
    let z = dir.path().join("zeros.img");
    fs::File::create(&z).unwrap().set_len(64 << 20).unwrap();
    ok(args!["burn", "--drive", &z, &src]);
    ok(args!["burn", "--drive", &z, &src]);
    xorriso_sees_a_txt(&z);
    let n = dir.path().join("new.iso");
    ok(args!["burn", "--drive", &n, &src]);
    xorriso_sees_a_txt(&n);
}

fn emulated_bd_r_with_session(dir: &Path) -> (PathBuf, PathBuf) {
    let disc = dir.join("disc.bdr");
    ok(args!["disc", "create", "--media", "bd-r", &disc]);
    let src = source_dir(dir);
    ok(args!["burn", "--drive", &disc, &src]);
    (disc, src)
}

fn all_files_md5(dir: &Path) -> Vec<(String, Md5Digest)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), md5_of(&p)))
        .collect();
    v.sort();
    v
}

/// The state file truncated, garbled or removed: every command refuses the disc naming
/// the state file, and nothing beside it changes.
#[test]
fn damaged_emulator_state_is_an_error_never_a_plain_image() {
    for damage in ["truncate", "garble", "remove"] {
        let dir = tempfile::tempdir().unwrap();
        let (disc, src) = emulated_bd_r_with_session(dir.path());
        let state = PathBuf::from(format!("{}.state.json", disc.display()));
        let text = fs::read(&state).unwrap();
        match damage {
            "truncate" => fs::write(&state, &text[..text.len() / 2]).unwrap(),
            "garble" => fs::write(&state, noise(text.len(), 3)).unwrap(),
            _ => fs::remove_file(&state).unwrap(),
        }
        let before = all_files_md5(dir.path());
        let err = fails(args!["burn", "--drive", &disc, &src]);
        assert!(
            err.contains("emulated disc")
                && err.contains("state.json")
                && if damage == "remove" {
                    err.contains("missing")
                } else {
                    err.contains("damaged")
                },
            "{damage}: {err}"
        );
        let err = fails(args!["burn", "--drive", &disc, "--force-overwrite", &src]);
        assert!(err.contains("emulated disc"), "{damage}: {err}");
        let err = fails(args!["ls", "--drive", &disc]);
        assert!(err.contains("emulated disc"), "{damage}: {err}");
        assert_eq!(all_files_md5(dir.path()), before, "{damage}: files changed");
    }
}
