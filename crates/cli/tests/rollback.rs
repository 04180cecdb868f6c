//! Issue 11 item 5: `discburn rollback --drive D --to-session N` on an image file (and
//! on an emulated BD-RE with two sessions, back to session 1). Three sessions (session 3
//! replaces a.txt and adds c.txt), rollback to session 2: `sessions`, `xorriso -toc` and isoinfo (LBA 16) see two sessions and
//! session 2's tree; a burn after it starts where session 3 started (the space is
//! reused) and builds on session 2's tree, read by xorriso, isoinfo and (image file)
//! the Linux kernel; session 1 stays readable by number. Rolling back to the newest
//! writes nothing; a session that does not exist is refused; on a BD-R and (for now) a
//! BD-R POW the command is refused naming the reason, with every byte unchanged.

#[macro_use]
mod common;

use common::{discburn, ok};

use std::fs;
use std::path::Path;
use std::process::Command;

use discburn_testkit::oracle::{Image, kernel_list};
use discburn_testkit::tree::Md5Digest;

/// Session starts as `discburn sessions` lists them.
fn starts(drive: &Path) -> Vec<u64> {
    ok(args!["sessions", "--drive", drive])
        .lines()
        .filter_map(|l| l.split(',').nth(1)?.trim().parse().ok())
        .collect()
}

/// Number of sessions `xorriso -toc` lists.
fn xorriso_sessions(img: &Path) -> usize {
    let o = Command::new("xorriso")
        .arg("-indev")
        .arg(img)
        .arg("-toc")
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("ISO session"))
        .count()
}

/// The files isoinfo lists with Rock Ridge names at LBA 16 (what a plain reader sees).
fn isoinfo_files(img: &Path) -> Vec<String> {
    let o = Command::new("isoinfo")
        .args(["-R", "-f", "-i"])
        .arg(img)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut v: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// The content of `path` extracted by xorriso from the tree at LBA 16
/// (`sbsector` = None) or from session `sbsector`.
fn xorriso_cat(img: &Path, sbsector: Option<u64>, path: &str, scratch: &Path) -> Vec<u8> {
    let _ = fs::remove_dir_all(scratch);
    let mut c = Command::new("xorriso");
    c.arg("-indev").arg(img);
    if let Some(s) = sbsector {
        c.args(["-load", "sbsector", &s.to_string()]);
    }
    let o = c
        .args(["-osirrox", "on", "-extract", path])
        .arg(scratch)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    fs::read(scratch).unwrap()
}

#[test]
fn rollback_makes_session_2_the_newest_and_the_next_burn_reuses_the_space() {
    let dir = tempfile::tempdir().unwrap();
    let src = |n: &str, files: &[(&str, &str)]| {
        let d = dir.path().join(n);
        fs::create_dir(&d).unwrap();
        for (f, body) in files {
            fs::write(d.join(f), body).unwrap();
        }
        d
    };
    let s1 = src("s1", &[("a.txt", "a one\n")]);
    let s2 = src("s2", &[("b.txt", "b two\n")]);
    let s3 = src("s3", &[("a.txt", "a three\n"), ("c.txt", "c three\n")]);
    let s4 = src("s4", &[("d.txt", "d four\n")]);
    let scratch = dir.path().join("x");
    let image = dir.path().join("image.iso");
    {
        let drive = &image;
        let what = drive.display().to_string();
        for s in [&s1, &s2, &s3] {
            ok(args!["burn", "--drive", drive, s]);
        }
        let before = starts(drive);
        assert_eq!(before.len(), 3, "{what}");

        let out = ok(args!["rollback", "--drive", drive, "--to-session", "2"]);
        assert!(out.contains("session 2"), "{out}");
        assert_eq!(starts(drive), before[..2], "{what}");
        assert_eq!(xorriso_sessions(drive), 2, "{what}");
        assert_eq!(isoinfo_files(drive), ["/a.txt", "/b.txt"], "{what}");
        assert_eq!(xorriso_cat(drive, None, "/a.txt", &scratch), b"a one\n");
        // Session 1 is still read by number.
        assert_eq!(
            xorriso_cat(drive, Some(before[0]), "/a.txt", &scratch),
            b"a one\n"
        );

        // Rolling back to the newest writes nothing; session 9 does not exist.
        let again = ok(args!["rollback", "--drive", drive, "--to-session", "2"]);
        assert!(again.contains("nothing written"), "{again}");
        let o = discburn(args!["rollback", "--drive", drive, "--to-session", "9"]);
        assert_eq!(o.status.code(), Some(1));

        // The next burn starts where session 3 started and builds on session 2.
        let burned = ok(args!["burn", "--drive", drive, &s4]);
        assert!(
            burned.starts_with(&format!("session 3 at LBA {}", before[2])),
            "{burned}"
        );
        assert_eq!(starts(drive), before, "{what}");
        assert_eq!(xorriso_sessions(drive), 3, "{what}");
        assert_eq!(
            isoinfo_files(drive),
            ["/a.txt", "/b.txt", "/d.txt"],
            "{what}"
        );
        assert_eq!(xorriso_cat(drive, None, "/a.txt", &scratch), b"a one\n");
        assert_eq!(xorriso_cat(drive, None, "/d.txt", &scratch), b"d four\n");
    }
    // An emulated BD-RE (each burn after the first takes long there, so two sessions):
    // the head is rewritten through WRITE(10).
    let bdre = dir.path().join("bdre");
    ok(args!["disc", "create", "--media", "bd-re", &bdre]);
    ok(args!["burn", "--drive", &bdre, &s1]);
    ok(args!["burn", "--drive", &bdre, &s3]);
    let before = starts(&bdre);
    ok(args!["rollback", "--drive", &bdre, "--to-session", "1"]);
    assert_eq!(starts(&bdre), before[..1]);
    assert_eq!(xorriso_sessions(&bdre), 1);
    assert_eq!(isoinfo_files(&bdre), ["/a.txt"]);
    assert_eq!(xorriso_cat(&bdre, None, "/a.txt", &scratch), b"a one\n");

    // The kernel mounts the image at LBA 16 and sees session 2's files plus d.txt.
    let reading = kernel_list(Image::plain(&image));
    let names: Vec<_> = reading.tree.entries.keys().cloned().collect();
    assert_eq!(names, ["/a.txt", "/b.txt", "/d.txt"], "{reading:?}");
    match &reading.tree.entries["/a.txt"] {
        discburn_testkit::tree::Node::File { md5: Some(d), .. } => {
            assert_eq!(*d, Md5Digest::of(b"a one\n"))
        }
        n => panic!("{n:?}"),
    }
}

#[test]
fn rollback_on_sequential_media_and_pow_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("bdr");
    ok(args!["disc", "create", "--media", "bd-r", &disc]);
    let s = dir.path().join("s");
    fs::create_dir(&s).unwrap();
    fs::write(s.join("f"), b"f").unwrap();
    ok(args!["burn", "--drive", &disc, &s]);
    fs::write(s.join("g"), b"g").unwrap();
    ok(args!["burn", "--drive", &disc, &s]);
    let snapshot = || {
        let mut v: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| (p.clone(), fs::read(&p).unwrap()))
            .collect();
        v.sort();
        v
    };
    // BD-R Pseudo-Overwrite: refused for now, with the reason.
    let pow = dir.path().join("pow");
    ok(args!["disc", "create", "--media", "bd-r-pow", &pow]);
    ok(args!["burn", "--drive", &pow, &s]);
    ok(args!["burn", "--drive", &pow, &s]);
    let before = snapshot();
    for (drive, why) in [(&disc, "sequential media"), (&pow, "Pseudo-Overwrite")] {
        let o = discburn(args!["rollback", "--drive", drive, "--to-session", "1"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(why), "{err}");
    }
    assert!(snapshot() == before, "a disc changed");
}
