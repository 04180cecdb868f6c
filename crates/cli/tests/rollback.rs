//! Issue 11 item 5: `discburn rollback --drive D --to-session N` makes session N what a
//! plain reader sees at LBA 0 again while every session stays listed and readable by
//! number (a rollback record repeating session N is appended to the session chain,
//! then the head is rewritten). On an image file: three sessions, back to 2, a burn,
//! forward to 3 (isoinfo, xorriso, the kernel at LBA 16; xorriso -toc; session N by
//! number). On an emulated BD-RE: a power cut during the head's rewrite. On a BD-R the
//! command is refused with every byte unchanged. BD-R Pseudo-Overwrite: see
//! pseudo_overwrite.rs.

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
    let _ = fs::remove_file(scratch);
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

/// Session starts and the "(repeats session N)" marks as `discburn sessions` lists them.
fn listed(drive: &Path) -> Vec<(u64, Option<u32>)> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(args!["sessions", "--drive", drive, "--json"])).unwrap();
    v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start_lba"].as_u64().unwrap(),
                s["repeats_session"].as_u64().map(|n| n as u32),
            )
        })
        .collect()
}

/// `discburn extract --session N PATH` of one file.
fn extract(drive: &Path, n: u32, path: &str, scratch: &Path) -> Vec<u8> {
    let _ = fs::remove_dir_all(scratch);
    let _ = fs::remove_file(scratch);
    let n = n.to_string();
    ok(args![
        "extract",
        "--drive",
        drive,
        "--session",
        &n,
        path,
        scratch
    ]);
    let name = path.rsplit('/').next().unwrap();
    fs::read(scratch.join(name)).unwrap()
}

/// Rolls back to `n`; returns the JSON report.
fn rollback(drive: &Path, n: u32) -> serde_json::Value {
    let n = n.to_string();
    serde_json::from_str(&ok(args![
        "rollback",
        "--drive",
        drive,
        "--to-session",
        &n,
        "--json"
    ]))
    .unwrap()
}

fn sources(dir: &Path) -> [std::path::PathBuf; 4] {
    let src = |n: &str, files: &[(&str, &str)]| {
        let d = dir.join(n);
        fs::create_dir(&d).unwrap();
        for (f, body) in files {
            fs::write(d.join(f), body).unwrap();
        }
        d
    };
    [
        src("s1", &[("a.txt", "a one\n")]),
        src("s2", &[("b.txt", "b two\n")]),
        src("s3", &[("a.txt", "a three\n"), ("c.txt", "c three\n")]),
        src("s4", &[("d.txt", "d four\n")]),
    ]
}

/// Image file, three sessions (session 3 replaces a.txt and adds c.txt). Rollback to
/// session 2 appends a rollback record (session 4, repeating session 2) and rewrites
/// the head: isoinfo and xorriso at LBA 16 see session 2's tree, `sessions` and
/// `xorriso -toc` list all four, session 3 still reads by number (discburn and xorriso
/// sbsector). The next burn starts after the record and builds on session 2; rolling
/// forward to session 3 appends another record; the kernel then reads session 3's tree
/// at LBA 0.
#[test]
fn rollback_keeps_later_sessions_listed_and_readable_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let [s1, s2, s3, s4] = sources(dir.path());
    let scratch = dir.path().join("x");
    let drive = &dir.path().join("image.iso");
    for s in [&s1, &s2, &s3] {
        ok(args!["burn", "--drive", drive, s]);
    }
    let before = starts(drive);
    assert_eq!(before.len(), 3);

    let r = rollback(drive, 2);
    let record = r["record"]["start_lba"].as_u64().unwrap();
    assert_eq!(r["record"]["session"], 4, "{r}");
    assert_eq!(r["sessions"], 4, "{r}");
    assert_eq!(record, before[2] + 32, "the record follows session 3: {r}");
    assert_eq!(
        listed(drive),
        [
            (before[0], None),
            (before[1], None),
            (before[2], None),
            (record, Some(2))
        ]
    );
    assert_eq!(xorriso_sessions(drive), 4);
    assert_eq!(isoinfo_files(drive), ["/a.txt", "/b.txt"]);
    assert_eq!(xorriso_cat(drive, None, "/a.txt", &scratch), b"a one\n");
    // Every session by number, session 3 included.
    assert_eq!(extract(drive, 3, "/a.txt", &scratch), b"a three\n");
    assert_eq!(extract(drive, 3, "/c.txt", &scratch), b"c three\n");
    assert_eq!(extract(drive, 4, "/a.txt", &scratch), b"a one\n");
    assert_eq!(
        xorriso_cat(drive, Some(before[2]), "/a.txt", &scratch),
        b"a three\n"
    );
    assert_eq!(
        xorriso_cat(drive, Some(before[0]), "/a.txt", &scratch),
        b"a one\n"
    );

    // LBA 0 already shows session 2: nothing written; session 9 does not exist.
    let image = fs::read(drive).unwrap();
    let again = ok(args!["rollback", "--drive", drive, "--to-session", "2"]);
    assert!(again.contains("nothing written"), "{again}");
    assert!(fs::read(drive).unwrap() == image, "rollback wrote");
    let o = discburn(args!["rollback", "--drive", drive, "--to-session", "9"]);
    assert_eq!(o.status.code(), Some(1));

    // The next burn starts after the record and builds on session 2.
    let burned = ok(args!["burn", "--drive", drive, &s4]);
    let s5 = record + 32;
    assert!(
        burned.starts_with(&format!("session 5 at LBA {s5}")),
        "{burned}"
    );
    assert_eq!(starts(drive), [&before[..], &[record, s5]].concat());
    assert_eq!(xorriso_sessions(drive), 5);
    assert_eq!(isoinfo_files(drive), ["/a.txt", "/b.txt", "/d.txt"]);
    assert_eq!(xorriso_cat(drive, None, "/a.txt", &scratch), b"a one\n");
    assert_eq!(xorriso_cat(drive, None, "/d.txt", &scratch), b"d four\n");

    // Roll forward to session 3: another record (session 6) after session 5.
    let r = rollback(drive, 3);
    assert_eq!(r["record"]["session"], 6, "{r}");
    let list = listed(drive);
    assert_eq!(list.len(), 6, "{list:?}");
    assert_eq!(list[5].1, Some(3), "{list:?}");
    assert_eq!(xorriso_sessions(drive), 6);
    assert_eq!(isoinfo_files(drive), ["/a.txt", "/b.txt", "/c.txt"]);
    assert_eq!(extract(drive, 5, "/d.txt", &scratch), b"d four\n");

    // The kernel mounts the image at LBA 16 and sees session 3's tree.
    let reading = kernel_list(Image::plain(drive));
    let names: Vec<_> = reading.tree.entries.keys().cloned().collect();
    assert_eq!(names, ["/a.txt", "/b.txt", "/c.txt"], "{reading:?}");
    match &reading.tree.entries["/a.txt"] {
        discburn_testkit::tree::Node::File { md5: Some(d), .. } => {
            assert_eq!(*d, Md5Digest::of(b"a three\n"))
        }
        n => panic!("{n:?}"),
    }
}

/// MS-15 (every write on random-write media covers whole write units: the record and
/// the head are one 32-block unit each). An emulated BD-RE, two sessions; the power
/// is cut during the head's rewrite (after its primary descriptor, before the rest):
/// both sessions stay listed and read by number; running the rollback again completes
/// it, and xorriso and isoinfo at LBA 16 then see session 1.
#[test]
fn rollback_power_cut_during_the_head_rewrite_ms_15() {
    let dir = tempfile::tempdir().unwrap();
    let [s1, _, s3, _] = sources(dir.path());
    let scratch = dir.path().join("x");
    let bdre = &dir.path().join("bdre");
    ok(args!["disc", "create", "--media", "bd-re", bdre]);
    ok(args!["burn", "--drive", bdre, &s1]);
    ok(args!["burn", "--drive", bdre, &s3]);
    let before = starts(bdre);
    assert_eq!(before.len(), 2);
    // The record's 32 blocks, then 17 of the head (LBA 0-16).
    common::power_cut_after(bdre, 49);
    let o = discburn(args!["rollback", "--drive", bdre, "--to-session", "1"]);
    assert!(!o.status.success(), "the power cut fired");
    ok(args!["disc", "inject", bdre, "--clear"]);
    // The record and the head's primary descriptor were written (the chain ends with
    // the record), the rest of the head was not.
    let cut = starts(bdre);
    assert_eq!(cut, [before[0], before[1], before[1] + 32], "{cut:?}");
    assert_eq!(extract(bdre, 1, "/a.txt", &scratch), b"a one\n");
    assert_eq!(extract(bdre, 2, "/a.txt", &scratch), b"a three\n");
    assert_eq!(extract(bdre, 2, "/c.txt", &scratch), b"c three\n");

    let r = rollback(bdre, 1);
    assert_eq!(r["head_written"], true, "{r}");
    assert!(r["record"].is_null(), "the record is there already: {r}");
    assert_eq!(
        listed(bdre),
        [
            (before[0], None),
            (before[1], None),
            (before[1] + 32, Some(1))
        ]
    );
    assert_eq!(xorriso_sessions(bdre), 3);
    assert_eq!(isoinfo_files(bdre), ["/a.txt"]);
    assert_eq!(xorriso_cat(bdre, None, "/a.txt", &scratch), b"a one\n");
    assert_eq!(extract(bdre, 2, "/c.txt", &scratch), b"c three\n");
}

#[test]
fn rollback_on_sequential_media_is_refused_and_changes_nothing() {
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
    let before = snapshot();
    let o = discburn(args!["rollback", "--drive", &disc, "--to-session", "1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("sequential media"), "{err}");
    assert!(snapshot() == before, "a disc changed");
}

/// An image mastered at LBA 0 by genisoimage, two sessions appended (the head replaced
/// the first session's descriptors): after a rollback to session 2 the chain still
/// reaches session 3 and the record (discburn-reader follows it past the session whose
/// root the head names), isoinfo at LBA 16 sees session 2's tree, and session 3 reads
/// by number.
#[test]
fn rollback_on_an_image_mastered_at_lba_0() {
    discburn_testkit::oracle::require("genisoimage");
    let dir = tempfile::tempdir().unwrap();
    let [s1, s2, s3, _] = sources(dir.path());
    let scratch = dir.path().join("x");
    let img = &dir.path().join("g.iso");
    let o = Command::new("genisoimage")
        .args(["-quiet", "-R", "-o"])
        .arg(img)
        .arg(&s1)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    ok(args!["burn", "--drive", img, &s2]);
    ok(args!["burn", "--drive", img, &s3]);
    let before = starts(img);
    assert_eq!(before.len(), 3, "{before:?}");
    let r = rollback(img, 2);
    let record = r["record"]["start_lba"].as_u64().unwrap();
    assert_eq!(starts(img), [&before[..], &[record]].concat());
    assert_eq!(isoinfo_files(img), ["/a.txt", "/b.txt"]);
    assert_eq!(extract(img, 3, "/c.txt", &scratch), b"c three\n");
}
