//! `discburn extract` never writes outside DEST whatever names a hostile image holds:
//! Rock Ridge NM names patched to "..", ".", "a/b" and "a\0b" are refused before
//! anything is written; a directory renamed to the name of a symlink that points outside
//! DEST is never written through.

#[macro_use]
mod common;

use common::discburn;

use std::fs;
use std::path::Path;

/// Masters `src` with Rock Ridge and replaces every RRIP NM entry holding `from` by `to`
/// (same length).
fn hostile_image(src: &Path, out: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let o = discburn(args!["mkimage", "-o", out, src]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut img = fs::read(out).unwrap();
    let mut pat = vec![b'N', b'M', 5 + from.len() as u8, 1, 0];
    pat.extend_from_slice(from);
    let mut n = 0;
    let mut i = 0;
    while let Some(p) = img[i..].windows(pat.len()).position(|w| w == pat) {
        let at = i + p + 5;
        img[at..at + to.len()].copy_from_slice(to);
        i = at + to.len();
        n += 1;
    }
    assert!(n > 0, "NM {:?} not found", String::from_utf8_lossy(from));
    fs::write(out, img).unwrap();
}

fn is_empty_dir(p: &Path) -> bool {
    fs::read_dir(p)
        .map(|mut d| d.next().is_none())
        .unwrap_or(true)
}

#[test]
fn hostile_names_are_refused_before_anything_is_written() {
    for (from, to) in [
        (&b"qq"[..], &b".."[..]),
        (b"q", b"."),
        (b"qqq", b"q/q"),
        (b"qqq", b"q\0q"),
        (b"qqq", b"/qq"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("sub")).unwrap();
        fs::write(src.join("aaa.txt"), b"fine\n").unwrap();
        let name = std::str::from_utf8(from).unwrap();
        fs::write(src.join("sub").join(name), b"evil\n").unwrap();
        let img = dir.path().join("hostile.iso");
        hostile_image(&src, &img, from, to);
        let dest = dir.path().join("dest");
        let o = discburn(args!["extract", "--drive", &img, &dest]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{to:?}: {err}");
        // Refused by extract's name check, or already by the reader.
        assert!(
            err.contains("refusing") || err.contains("name"),
            "{to:?}: {err}"
        );
        assert!(is_empty_dir(&dest), "{to:?}: something was extracted");
        // Nothing appeared beside DEST either.
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut want = vec!["hostile.iso", "src"];
        if dest.exists() {
            want.insert(0, "dest");
        }
        assert_eq!(names, want, "{to:?}");
        // Listing lists them or refuses with a message, never panics.
        let o = discburn(args!["ls", "--drive", &img]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn a_directory_named_like_a_symlink_out_of_dest_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("zzdirr")).unwrap();
    fs::write(src.join("zzdirr/x.txt"), b"payload\n").unwrap();
    std::os::unix::fs::symlink(&outside, src.join("zzlink")).unwrap();
    let img = dir.path().join("hostile.iso");
    hostile_image(&src, &img, b"zzdirr", b"zzlink");
    let dest = dir.path().join("dest");
    let o = discburn(args!["extract", "--drive", &img, &dest]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(is_empty_dir(&outside), "wrote outside DEST: {err}");
    assert!(
        fs::symlink_metadata(dest.join("zzlink"))
            .map(|m| !m.file_type().is_symlink())
            .unwrap_or(true),
        "the symlink replaced the directory"
    );
}

#[test]
fn extract_a_subdirectory_and_a_single_file_with_modes_and_times() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir_all(src.join("d/e")).unwrap();
    fs::write(src.join("d/e/f.txt"), b"deep file\n").unwrap();
    fs::write(src.join("d/x.sh"), b"#!/bin/sh\n").unwrap();
    fs::set_permissions(src.join("d/x.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    // Before SOURCE_DATE_EPOCH, so it is recorded as it is (later times are clamped).
    let before = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    fs::File::open(src.join("d/x.sh"))
        .unwrap()
        .set_modified(before)
        .unwrap();
    std::os::unix::fs::symlink("e/f.txt", src.join("d/link")).unwrap();
    fs::write(src.join("top.txt"), b"top\n").unwrap();
    let img = dir.path().join("a.iso");
    let o = discburn(args!["mkimage", "-o", &img, &src]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let out = dir.path().join("out");
    let o = discburn(args!["extract", "--drive", &img, "/d", &out]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(fs::read(out.join("e/f.txt")).unwrap(), b"deep file\n");
    assert_eq!(
        fs::read_link(out.join("link")).unwrap(),
        Path::new("e/f.txt")
    );
    let md = fs::metadata(out.join("x.sh")).unwrap();
    assert_eq!(md.mode() & 0o777, 0o750);
    let host = fs::metadata(src.join("d/x.sh")).unwrap();
    assert_eq!(md.mtime(), host.mtime(), "Rock Ridge TF modify time");
    // A file written after SOURCE_DATE_EPOCH is recorded at SOURCE_DATE_EPOCH.
    let clamped = fs::metadata(out.join("e/f.txt")).unwrap().mtime();
    assert_eq!(
        clamped.to_string(),
        common::EPOCH,
        "times clamped to SOURCE_DATE_EPOCH"
    );
    assert!(!out.join("top.txt").exists() && !out.join("d").exists());

    let one = dir.path().join("one");
    let o = discburn(args!["extract", "--drive", &img, "/top.txt", &one]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(fs::read(one.join("top.txt")).unwrap(), b"top\n");

    // A path that is not on the disc.
    let o = discburn(args!["extract", "--drive", &img, "/nope", &one]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nope: not on the disc"));
}
