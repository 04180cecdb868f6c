//! Directory reuse on an image file (issue 15): with the default
//! (`--reuse-directories=auto`) an appended session keeps an unchanged directory only
//! where libarchive, which reads forward only, reaches it (the image crate's `reuse`
//! module: its parent lists a file of an earlier session recorded before it, or it lies
//! after its kept parent). Oracle: bsdtar lists the whole tree after every session,
//! without "out-of-order" warnings; the directories' extents show what was kept.
//! `always` keeps more and bsdtar then drops directories; `never` keeps none.

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::ok;
use discburn::reader::{FileSource, View, Volume};
use serde_json::Value;

/// Session 1: directories with and without files of their own.
fn first_tree(root: &Path) {
    for (p, body) in [
        ("rootf.txt", "r"),
        ("a/af.txt", "a"),
        ("a/b/bf.txt", "b"),
        ("a/b/c/cf.txt", "c"),
        ("e/f/ff.txt", "f"),
        ("e/g/gf.txt", "g"),
    ] {
        let p = root.join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
}

/// `burn` of `file` at `dest`; returns the session's start.
fn burn(img: &Path, reuse: &str, file: &Path, dest: &str) -> u64 {
    let graft = format!("{}={dest}", file.display());
    let flag = format!("--reuse-directories={reuse}");
    let v: Value =
        serde_json::from_str(&ok(args!["burn", "--drive", img, "--json", &flag, &graft])).unwrap();
    v["start_lba"].as_u64().unwrap()
}

/// bsdtar's listing of the newest session (paths without "./" and trailing "/") and
/// its standard error.
fn bsdtar(img: &Path) -> (BTreeSet<String>, String) {
    let out = Command::new("bsdtar")
        .arg("tf")
        .arg(img)
        .output()
        .expect("bsdtar is installed by scripts/test.sh");
    let list = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_start_matches("./").trim_end_matches('/').to_owned())
        .filter(|l| !l.is_empty() && l != ".")
        .collect();
    (list, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The Location of Extent of each directory `paths` in the Rock Ridge and Joliet
/// hierarchies of the newest session (at `start`).
fn dir_lbas(img: &Path, start: u64, paths: &[&str]) -> Vec<u64> {
    let mut src = FileSource::open(img).unwrap();
    let vol = Volume::open(&mut src, start, &Default::default()).unwrap();
    let mut out = Vec::new();
    for view in [View::RockRidge, View::Joliet] {
        let tree = vol.read_tree(&mut src, view).unwrap();
        for p in paths {
            out.push(u64::from(tree.find(p).unwrap().extents()[0].lba));
        }
    }
    out
}

#[test]
fn auto_keeps_only_directories_bsdtar_reaches_on_an_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let (s1, img) = (dir.path().join("s1"), dir.path().join("img.iso"));
    first_tree(&s1);
    ok(args!["burn", "--drive", &img, &s1]);
    let mut want: BTreeSet<String> = [
        "rootf.txt",
        "a",
        "a/af.txt",
        "a/b",
        "a/b/bf.txt",
        "a/b/c",
        "a/b/c/cf.txt",
        "e",
        "e/f",
        "e/f/ff.txt",
        "e/g",
        "e/g/gf.txt",
    ]
    .map(str::to_owned)
    .into();
    let new = dir.path().join("new.txt");
    fs::write(&new, "new").unwrap();
    let mut start = 0;
    for dest in ["/a/n2.txt", "/a/b/n3.txt", "/n4.txt", "/e/n5.txt"] {
        start = burn(&img, "auto", &new, dest);
        want.insert(dest[1..].to_owned());
        let (list, err) = bsdtar(&img);
        assert_eq!(list, want, "after adding {dest}: {err}");
        assert!(!err.contains("out-of-order"), "after adding {dest}: {err}");
    }
    // Session 5: /a (session 3) is reached through /rootf.txt (session 1), /a/b/c
    // (session 2) through /a/b/bf.txt; /e lists no file, so /e/f and /e/g are written.
    for lba in dir_lbas(&img, start, &["/a", "/a/b/c"]) {
        assert!(lba < start, "kept directory at {lba}, session at {start}");
    }
    for lba in dir_lbas(&img, start, &["/e", "/e/f", "/e/g"]) {
        assert!(
            lba >= start,
            "written directory at {lba}, session at {start}"
        );
    }
}

#[test]
fn always_keeps_every_unchanged_directory_and_never_none() {
    let dir = tempfile::tempdir().unwrap();
    let s1 = dir.path().join("s1");
    first_tree(&s1);
    let new = dir.path().join("new.txt");
    fs::write(&new, "new").unwrap();
    let all = ["/a", "/a/b", "/a/b/c", "/e", "/e/f", "/e/g"];
    for reuse in ["always", "never"] {
        let img = dir.path().join(format!("{reuse}.iso"));
        ok(args!["burn", "--drive", &img, &s1]);
        let start = burn(&img, reuse, &new, "/n.txt");
        for lba in dir_lbas(&img, start, &all) {
            assert_eq!(
                lba < start,
                reuse == "always",
                "{reuse}: directory at {lba}"
            );
        }
        // The limit of `always`: bsdtar drops the kept directories it passed.
        let (list, err) = bsdtar(&img);
        assert_eq!(
            list.contains("e/f/ff.txt"),
            reuse == "never",
            "{reuse}: {list:?} {err}"
        );
    }
}
