//! Issue 18: appends that readers saw wrong. Each minimal case is burnt as session 1
//! and a file is appended as session 2, on an image file and on an emulated BD-R; then
//! every session (the newest and the earlier one) is read by every reader — xorriso,
//! isoinfo (-R, -J, ECMA-119), iso-info, iso-read, bsdtar, 7-Zip, pycdlib (Rock Ridge,
//! Joliet, ECMA-119) and the Linux kernel — and every hierarchy of every session is
//! walked for duplicate names (see `appends/mod.rs`).

#[macro_use]
mod common;
mod appends;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use appends::{Disc, copy_tree};
use discburn_testkit::tree::{Tree, scan_dir};

/// Burns `build`'s tree as session 1 and a file `m` as session 2 on both media, and
/// checks both sessions with every reader.
fn two_sessions(what: &str, build: impl Fn(&Path)) {
    two_sessions_with(what, build, |_, _| {});
}

/// As [`two_sessions`], with `second(s1, s2)` adding more to session 2's tree `s2`.
fn two_sessions_with(what: &str, build: impl Fn(&Path), second: impl Fn(&Path, &Path)) {
    for (medium, make) in Disc::both() {
        let d = make();
        let s1 = d.sub("s1");
        build(&s1);
        let model = d.sub("model");
        copy_tree(&s1, &model);
        let mut expected: Vec<Tree> = vec![scan_dir(&model).unwrap()];
        d.burn(&[&s1], &[]);
        let s2 = d.sub("s2");
        second(&s1, &s2);
        fs::write(s2.join("m"), b"m\n").unwrap();
        copy_tree(&s2, &model);
        expected.push(scan_dir(&model).unwrap());
        d.burn(&[&s2], &[]);
        d.check_every_session(&format!("{what} on {medium}"), &expected);
    }
}

#[test]
fn hard_links_whose_joliet_name_differs_keep_one_joliet_record_each_after_an_append() {
    // `a.` reads as `a` in Joliet; its file is a hard link of /n1/n2 (one extent).
    two_sessions("hard link under a./", |s| {
        fs::create_dir_all(s.join("n1")).unwrap();
        fs::create_dir_all(s.join("a.")).unwrap();
        fs::write(s.join("n1/n2"), b"a\n").unwrap();
        fs::hard_link(s.join("n1/n2"), s.join("a./n4")).unwrap();
    });
}

#[test]
fn hard_links_with_long_names_keep_one_joliet_record_each_after_an_append() {
    // Both names are too long for Joliet and get the hash suffix.
    two_sessions("hard links with 70-byte names", |s| {
        let a = s.join("a".repeat(70));
        fs::write(&a, b"data\n").unwrap();
        fs::hard_link(&a, s.join("b".repeat(70))).unwrap();
        fs::create_dir_all(s.join("d")).unwrap();
        fs::hard_link(&a, s.join("d").join("c".repeat(70))).unwrap();
        fs::hard_link(&a, s.join("d").join("C".repeat(70))).unwrap();
    });
}

#[test]
fn names_of_dots_are_appended_to_and_read_as_recorded() {
    // A file, a directory and a symlink named "...", and siblings readers could take
    // for one another when they drop trailing dots.
    two_sessions("names of dots", |s| {
        fs::write(s.join("..."), b"x\n").unwrap();
        fs::create_dir_all(s.join("d/...")).unwrap();
        fs::write(s.join("d/.../in"), b"in\n").unwrap();
        fs::create_dir_all(s.join("l")).unwrap();
        symlink("../...", s.join("l/...")).unwrap();
        fs::write(s.join("...."), b"four\n").unwrap();
        fs::write(s.join("..x"), b"dotdotx\n").unwrap();
        fs::write(s.join("a."), b"a dot\n").unwrap();
        fs::write(s.join("a"), b"a\n").unwrap();
        fs::write(s.join("A.."), b"A dot dot\n").unwrap();
    });
}

#[test]
fn a_chain_relocated_twice_is_read_by_every_reader() {
    // 18 levels: Rock Ridge relocates the directories at depth 9 and again at depth 15
    // (ECMA-119 6.8.2.1 allows 8 levels); files at several depths, a sibling branch.
    // Session 2 keeps them in place, so libarchive, reading forward, names the files of
    // session 1 by their real paths (issue 15).
    two_sessions("a chain relocated twice", relocated_twice);
}

/// An 11-level tree whose level-8 directory holds a file (Rock Ridge relocates levels
/// 9 to 11 in a first session).
fn eleven_levels(s: &Path) {
    let mut d = s.to_path_buf();
    for i in 1..=11 {
        d = d.join(format!("l{i}"));
        fs::create_dir_all(&d).unwrap();
        if i == 8 || i == 11 {
            fs::write(d.join(format!("f{i}")), format!("level {i}\n")).unwrap();
        }
    }
}

#[test]
fn relocated_trees_of_discburn_xorriso_and_genisoimage_read_right_after_an_append() {
    // Issue 15: after an append, bsdtar listed the files of session 1 that lie in a
    // relocated directory under rr_moved. The appended session records the deep
    // directories in place; every reader (bsdtar, xorriso, isoinfo, iso-info, 7-Zip,
    // pycdlib, the kernel) sees the real paths.
    for maker in ["discburn", "xorriso", "genisoimage"] {
        let d = Disc::image_file();
        let s1 = d.sub("s1");
        eleven_levels(&s1);
        let model = d.sub("model");
        copy_tree(&s1, &model);
        let mut expected: Vec<Tree> = vec![scan_dir(&model).unwrap()];
        match maker {
            "discburn" => {
                d.burn(&[&s1], &[]);
            }
            "xorriso" => {
                let out = std::process::Command::new("xorriso")
                    .args(["-as", "mkisofs", "-quiet", "-R", "-J", "-o"])
                    .arg(&d.path)
                    .arg(&s1)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "xorriso: {out:?}");
            }
            _ => {
                let out = std::process::Command::new("genisoimage")
                    .args(["-quiet", "-R", "-J", "-o"])
                    .arg(&d.path)
                    .arg(&s1)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "genisoimage: {out:?}");
            }
        }
        let s2 = d.sub("s2");
        fs::write(s2.join("m"), b"m\n").unwrap();
        copy_tree(&s2, &model);
        expected.push(scan_dir(&model).unwrap());
        d.burn(&[&s2], &[]);
        let what = format!("11 levels first made by {maker}, appended to by discburn");
        if maker == "discburn" {
            d.check_every_session(&what, &expected);
        } else {
            // xorriso -toc and the kernel see one session over the first (the head
            // replaced its descriptors); discburn lists both.
            let last = expected.len() - 1;
            d.check_sessions(&what, &expected, &[last]);
        }
    }
}

fn relocated_twice(s: &Path) {
    {
        let mut d = s.to_path_buf();
        for i in 1..=18 {
            d = d.join(format!("l{i}"));
            fs::create_dir_all(&d).unwrap();
            if i % 3 == 0 {
                fs::write(d.join(format!("f{i}")), format!("level {i}\n")).unwrap();
            }
            if i == 12 {
                fs::create_dir_all(d.join("side/deeper/still")).unwrap();
                fs::write(d.join("side/deeper/still/s"), b"side\n").unwrap();
            }
        }
        fs::write(d.join("bottom"), b"bottom\n").unwrap();
    }
}

#[test]
fn symlink_targets_keep_empty_components_and_long_ones_read_whole_in_libarchive() {
    two_sessions("symlink targets", |s| {
        fs::create_dir_all(s.join("a/b")).unwrap();
        fs::write(s.join("a/b/t"), b"t\n").unwrap();
        symlink("a//b", s.join("x")).unwrap();
        symlink("//x", s.join("y")).unwrap();
        symlink("a/b/", s.join("z")).unwrap();
        symlink("/a//b//", s.join("w")).unwrap();
        // Targets of two and three SL entries whose components end at every position
        // around the entry boundary (about 250 bytes).
        for n in 236..252 {
            let t = format!("{}/{}/../t", "p".repeat(n), "q".repeat(20));
            symlink(&t, s.join(format!("long{n}"))).unwrap();
        }
        let t = format!(
            "/{}/./{}//{}",
            "r".repeat(200),
            "s".repeat(200),
            "u".repeat(90)
        );
        symlink(&t, s.join("three")).unwrap();
    });
}
