//! Issue acceptance for import: images made by xorriso (one and two sessions) and by
//! genisoimage (-R -J, -J only, a deep tree with rr_moved) get a session from discburn
//! that adds, removes and replaces files; every oracle (xorriso listing and extraction,
//! isoinfo -R/-J/ISO, iso-info, iso-read, bsdtar, 7-Zip, pycdlib) must then read exactly
//! the merged tree with byte-identical contents, the unchanged files keep their ISO 9660
//! and Joliet names, and `xorriso -toc` lists every session.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use discburn_image::FileSystemImage;
use discburn_reader::sessions::{DiscoveryMethod, SessionSelector, list_sessions, open_session};
use discburn_reader::{FileSource as Src, ReadError, ReadOptions, View};
use discburn_testkit::check::{Expect, check_image};
use discburn_testkit::compare::{self, assert_readings};
use discburn_testkit::oracle::{Image, kernel_list};
use discburn_testkit::tree::scan_dir;

/// The first session's tree: files to keep, one to replace, one to remove, a directory
/// to remove, and (with Rock Ridge) a symbolic link.
fn first_tree(root: &Path, symlink: bool, deep: bool) {
    fs::create_dir_all(root.join("docs/old")).unwrap();
    fs::create_dir_all(root.join("gone")).unwrap();
    fs::write(root.join("keep.txt"), b"kept from session one\n").unwrap();
    fs::write(root.join("Mixed Case Name.data"), vec![7u8; 5000]).unwrap();
    fs::write(root.join("replace.me"), b"old contents\n").unwrap();
    fs::write(root.join("remove.me"), b"to be removed\n").unwrap();
    fs::write(root.join("docs/readme.md"), b"# readme\n").unwrap();
    fs::write(root.join("docs/old/notes.txt"), vec![b'n'; 70_000]).unwrap();
    fs::write(root.join("gone/a.bin"), vec![1u8; 3000]).unwrap();
    if symlink {
        std::os::unix::fs::symlink("docs/readme.md", root.join("link")).unwrap();
    }
    if deep {
        let mut d = root.join("deep");
        for i in 0..10 {
            d = d.join(format!("d{i}"));
        }
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("bottom.txt"), b"bottom\n").unwrap();
    }
}

/// The edits of the appended session, applied to the image and to `expected` (a copy of
/// the first tree on the host).
fn edit(image: &mut FileSystemImage, expected: &Path, added: &Path) {
    image.remove("/remove.me").unwrap();
    fs::remove_file(expected.join("remove.me")).unwrap();
    image.remove_tree("/gone").unwrap();
    fs::remove_dir_all(expected.join("gone")).unwrap();
    image
        .add_bytes(
            "/replace.me",
            b"new contents, longer than before\n".to_vec(),
        )
        .unwrap();
    fs::write(
        expected.join("replace.me"),
        b"new contents, longer than before\n",
    )
    .unwrap();
    fs::create_dir_all(added.join("deeper")).unwrap();
    fs::write(added.join("new.txt"), b"added in session two\n").unwrap();
    fs::write(added.join("deeper/big.bin"), vec![0xA5u8; 300_000]).unwrap();
    image.add_tree(added, "/docs/added").unwrap();
    copy_dir(added, &expected.join("docs/added"));
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if ft.is_dir() {
            copy_dir(&e.path(), &dest);
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(e.path()).unwrap(), dest).unwrap();
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// The start LBAs of the sessions `xorriso -toc` lists.
fn sessions(img: &Path) -> Vec<u64> {
    run("xorriso", &["-indev", img.to_str().unwrap(), "-toc"])
        .lines()
        .filter(|l| l.starts_with("ISO session"))
        .map(|l| l.split(',').nth(1).unwrap().trim().parse().unwrap())
        .collect()
}

/// ISO 9660 (`joliet` false) or Joliet paths as isoinfo lists them.
fn names(img: &Path, joliet: bool) -> Vec<String> {
    let mut args = vec!["-i", img.to_str().unwrap(), "-f"];
    if joliet {
        args.push("-J");
    }
    run("isoinfo", &args).lines().map(str::to_owned).collect()
}

/// Masters session one with `make` (a peer), appends a discburn session with the
/// edits, and checks the result with every oracle.
fn case(what: &str, rock_ridge: bool, deep: bool, make: impl FnOnce(&Path, &Path) -> usize) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    first_tree(&src, rock_ridge, deep);
    let img = dir.path().join("peer.iso");
    let peer_sessions = make(&src, &img);
    let before = sessions(&img);
    assert_eq!(before.len(), peer_sessions, "{what}: sessions of the peer");
    let iso_before = names(&img, false);
    let joliet_before = names(&img, true);

    let expected_dir = dir.path().join("expected");
    copy_dir(&src, &expected_dir);
    let added = dir.path().join("added");
    let image = append_random_write(&img, new_image("APPENDED"), |im| {
        edit(im, &expected_dir, &added)
    });

    // The new session goes after the last one, and a copy of its volume descriptors to
    // LBA 16. A first session mastered at LBA 0 (mkisofs style) has its own
    // descriptors there, so xorriso's session emulation then sees one session reaching
    // from LBA 0 to the end, as after xorriso's own append to such an image
    // (peers.md §1.1); sessions after a 64 KiB head (xorriso -outdev) stay listed.
    let after = sessions(&img);
    if before[0] == 0 {
        assert_eq!(after, vec![0], "{what}: xorriso -toc");
    } else {
        assert_eq!(
            after.len(),
            peer_sessions + 1,
            "{what}: xorriso -toc {after:?}"
        );
        assert_eq!(
            after[..peer_sessions],
            before[..],
            "{what}: earlier sessions"
        );
    }
    let expected = scan_dir(&expected_dir).unwrap();
    let scratch = dir.path().join("scratch");
    fs::create_dir(&scratch).unwrap();
    let expect = Expect {
        rock_ridge: true,
        joliet: Some(64),
        joliet_omits_paths_over: None,
        joliet_keeps_fitting_names: true,
        joliet_versioned: false,
        iso_level: 3,
        iso_dchars: true,
        contents: true,
        directories_before_root: false,
    };
    check_image(what, Image::plain(&img), &expected, &expect, &scratch);
    // And the Linux kernel (isofs in a VM), which reads LBA 16: the newest session.
    assert_readings(
        what,
        &expected,
        &[(kernel_list(Image::plain(&img)), compare::View::ROCK_RIDGE)],
    );

    // Unchanged files keep the names the peer gave them. xorriso records directories
    // deeper than ECMA-119's eight levels in place; the new session relocates them to
    // rr_moved (6.8.2.1), so their ISO 9660 paths (not their names) change.
    let unchanged = |p: &str| {
        let l = p.to_ascii_lowercase();
        let edited = ["remove", "gone", "replace"].iter().any(|w| l.contains(w));
        !edited && !l.starts_with("/rr_moved") && p.matches('/').count() < 8
    };
    let (iso_after, joliet_after) = (names(&img, false), names(&img, true));
    for p in iso_before.iter().filter(|p| unchanged(p)) {
        assert!(iso_after.contains(p), "{what}: ISO 9660 name {p} lost");
    }
    for p in joliet_before.iter().filter(|p| unchanged(p)) {
        assert!(joliet_after.contains(p), "{what}: Joliet name {p} lost");
    }
    history(what, &img, &before, image.session_start_block());
}

/// Our session history (`list_sessions`) keeps every session, also where xorriso's
/// emulation sees one: after one more append, sessions 1..n are listed, session 2 opens
/// with its own tree (without the newest file), and a first session mastered at LBA 0,
/// whose descriptors the head replaced, is listed but not opened alone.
fn history(what: &str, img: &Path, before: &[u64], appended_at: u32) {
    let image = append_random_write(img, new_image("THIRD"), |im| {
        im.add_bytes("/third.txt", b"3\n".to_vec()).unwrap()
    });
    let third = image.session_start_block();

    let mut src = Src::open(img).unwrap();
    let list = list_sessions(&mut src).unwrap();
    let starts: Vec<u64> = list.sessions.iter().map(|s| s.start).collect();
    let mut want = before.to_vec();
    want.extend([u64::from(appended_at), u64::from(third)]);
    assert_eq!(starts, want, "{what}: session history");
    if before[0] == 0 {
        assert_eq!(list.method, DiscoveryMethod::HeadOverFirstSession, "{what}");
        let err = open_session(
            &mut src,
            SessionSelector::Number(1),
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ReadError::NoSuchSession { .. }), "{err}");
    } else {
        assert_eq!(list.method, DiscoveryMethod::EmulatedToc, "{what}");
    }
    let n = before.len() as u32 + 1;
    let tree_of = |src: &mut Src, n: u32| -> Vec<String> {
        let v = open_session(src, SessionSelector::Number(n), &ReadOptions::default()).unwrap();
        v.read_tree(src, View::RockRidge)
            .unwrap()
            .walk()
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };
    let older = tree_of(&mut src, n);
    let newest = tree_of(&mut src, n + 1);
    assert!(
        older.iter().any(|p| p == "/docs/added/new.txt"),
        "{what}: {older:?}"
    );
    assert!(
        !older.iter().any(|p| p == "/third.txt"),
        "{what}: {older:?}"
    );
    assert!(
        newest.iter().any(|p| p == "/third.txt"),
        "{what}: {newest:?}"
    );
}

fn genisoimage(args: &[&str], src: &Path, img: &Path) -> usize {
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["-quiet", "-o", img.to_str().unwrap(), src.to_str().unwrap()]);
    run("genisoimage", &full);
    1
}

#[test]
fn appends_to_genisoimage_rock_ridge_joliet_read_by_every_oracle() {
    case("genisoimage -R -J", true, false, |s, i| {
        genisoimage(&["-R", "-J"], s, i)
    });
}

#[test]
fn appends_to_genisoimage_joliet_only_read_by_every_oracle() {
    case("genisoimage -J", false, false, |s, i| {
        genisoimage(&["-J"], s, i)
    });
}

#[test]
fn appends_to_genisoimage_deep_tree_with_rr_moved_read_by_every_oracle() {
    case("genisoimage -R -J deep", true, true, |s, i| {
        genisoimage(&["-R", "-J"], s, i)
    });
}

#[test]
fn appends_to_xorriso_single_session_read_by_every_oracle() {
    case("xorriso -as mkisofs -R -J", true, false, |s, i| {
        run(
            "xorriso",
            &[
                "-as",
                "mkisofs",
                "-R",
                "-J",
                "-o",
                i.to_str().unwrap(),
                s.to_str().unwrap(),
            ],
        );
        1
    });
}

#[test]
fn appends_to_xorriso_two_sessions_read_by_every_oracle() {
    case("xorriso two sessions", true, true, |s, i| {
        // Session 1: everything but docs/old; session 2 (xorriso's own append) adds it.
        let staging = s.parent().unwrap().join("staging");
        copy_dir(s, &staging);
        fs::remove_dir_all(staging.join("docs/old")).unwrap();
        let img = i.to_str().unwrap();
        run(
            "xorriso",
            &[
                "-outdev",
                img,
                "-joliet",
                "on",
                "-map",
                staging.to_str().unwrap(),
                "/",
                "-commit",
            ],
        );
        run(
            "xorriso",
            &[
                "-dev",
                img,
                "-joliet",
                "on",
                "-map",
                s.join("docs/old").to_str().unwrap(),
                "/docs/old",
                "-commit",
            ],
        );
        2
    });
}
