//! Self-tests of the oracle harness, independent of discburn's writer: images made by
//! `xorriso -as mkisofs` and `genisoimage` from generated trees must satisfy every oracle,
//! and a wrong manifest must be caught.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::Command;

use discburn_testkit::check::{Expect, check_image};
use discburn_testkit::generate::{self, SPARSE_SIZE};
use discburn_testkit::oracle::{self, Image, require};
use discburn_testkit::tree::{Node, Tree, scan_dir};
use tempfile::TempDir;

type Fixture = fn(&Path) -> Tree;

fn fixtures(non_bmp: bool) -> Vec<(&'static str, Fixture)> {
    let mut v: Vec<(&'static str, Fixture)> = vec![
        ("depth 12", generate::deep_tree),
        ("10,000 entries", |r| generate::wide_dir(r, 10_000)),
        ("collisions", generate::colliding_names),
        ("symlinks", generate::symlinks),
        ("empty and hard-linked", generate::empty_and_hard_linked),
    ];
    if non_bmp {
        v.push(("long and non-ASCII names", |r| {
            generate::long_and_unicode_names(r, true)
        }));
    } else {
        v.push(("long and non-ASCII (BMP) names", |r| {
            generate::long_and_unicode_names(r, false)
        }));
    }
    v
}

fn mkiso(tool: &str, args: &[&str], src: &Path, out: &Path) {
    require(tool);
    let o = Command::new(tool)
        .args(args)
        .arg("-o")
        .arg(out)
        .arg(src)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("spawn");
    assert!(
        o.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

struct Work {
    _dir: TempDir,
    src: std::path::PathBuf,
    iso: std::path::PathBuf,
    scratch: std::path::PathBuf,
}

fn work() -> Work {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    let scratch = dir.path().join("scratch");
    fs::create_dir(&src).unwrap();
    fs::create_dir(&scratch).unwrap();
    Work {
        iso: dir.path().join("image.iso"),
        src,
        scratch,
        _dir: dir,
    }
}

#[test]
fn generators_write_what_their_manifest_says() {
    for (name, f) in fixtures(true) {
        let w = work();
        let manifest = f(&w.src);
        let scanned = scan_dir(&w.src).expect("scan");
        assert_eq!(manifest, scanned, "fixture {name}: manifest != directory");
    }
}

#[test]
fn harness_accepts_xorriso_mkisofs_images_of_every_fixture() {
    for (name, f) in fixtures(true) {
        let w = work();
        let manifest = f(&w.src);
        mkiso("xorriso", &["-as", "mkisofs", "-R", "-J"], &w.src, &w.iso);
        // libisofs: Joliet paths over 240 bytes are left out; mangled names may reach 65
        // units and may take a fitting sibling's name.
        let e = Expect {
            joliet: Some(65),
            joliet_omits_paths_over: Some(120),
            joliet_keeps_fitting_names: false,
            ..Expect::iso_joliet_rr(1)
        };
        check_image(
            &format!("xorriso -as mkisofs -R -J, {name}"),
            Image::plain(&w.iso),
            &manifest,
            &e,
            &w.scratch,
        );
    }
}

#[test]
fn harness_accepts_genisoimage_images_of_every_fixture() {
    // genisoimage refuses non-BMP names and names colliding in Joliet (those fixtures
    // get Rock Ridge-only images, which also exercise the readers' non-Joliet paths); -D
    // keeps deep directories in place (no rr_moved), as discburn does. The 10,000-entry
    // fixture is covered by the xorriso self-test (time).
    for (name, f) in fixtures(false) {
        if name == "10,000 entries" {
            continue;
        }
        let w = work();
        let manifest = f(&w.src);
        let mut e = Expect::iso_joliet_rr(1);
        if name == "collisions" || name.starts_with("long") {
            mkiso("genisoimage", &["-quiet", "-R", "-D"], &w.src, &w.iso);
            e.joliet = None;
        } else {
            mkiso(
                "genisoimage",
                &["-quiet", "-R", "-J", "-joliet-long", "-D"],
                &w.src,
                &w.iso,
            );
            e.joliet = Some(103);
        }
        check_image(
            &format!("genisoimage, {name}"),
            Image::plain(&w.iso),
            &manifest,
            &e,
            &w.scratch,
        );
    }
}

#[test]
fn harness_reads_a_session_at_block_20000() {
    let w = work();
    let manifest = generate::symlinks(&w.src);
    let session = w.iso.with_extension("session");
    mkiso(
        "genisoimage",
        &["-quiet", "-R", "-J", "-C", "0,20000"],
        &w.src,
        &session,
    );
    // Place the session at LBA 20000 of a sparse file.
    let mut f = fs::File::create(&w.iso).unwrap();
    f.set_len(20000 * 2048).unwrap();
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::End(0)).unwrap();
    std::io::copy(&mut fs::File::open(&session).unwrap(), &mut f).unwrap();
    drop(f);
    let img = Image {
        path: &w.iso,
        sbsector: 20000,
    };
    check_image(
        "genisoimage -C 0,20000 at LBA 20000",
        img,
        &manifest,
        &Expect::iso_joliet_rr(1),
        &w.scratch,
    );
}

#[test]
fn harness_catches_a_wrong_manifest() {
    let w = work();
    let manifest = generate::empty_and_hard_linked(&w.src);
    mkiso("xorriso", &["-as", "mkisofs", "-R", "-J"], &w.src, &w.iso);
    let e = Expect::iso_joliet_rr(1);

    // A file whose contents differ.
    let mut wrong = manifest.clone();
    if let Some(Node::File { md5, .. }) = wrong.entries.get_mut("/size_2049") {
        md5.as_mut().unwrap().0[0] ^= 1;
    }
    let msg =
        panic_message(|| check_image("wrong digest", Image::plain(&w.iso), &wrong, &e, &w.scratch));
    for tool in [
        "xorriso -extract",
        "isoinfo -R",
        "isoinfo -J",
        "iso-info",
        "bsdtar x",
        "7zz x",
        "pycdlib rr",
        "pycdlib joliet",
        "pycdlib iso",
    ] {
        assert!(
            msg.contains(&format!("== {tool} disagrees")),
            "{tool} did not catch the wrong digest:\n{msg}"
        );
    }
    assert!(msg.contains("/size_2049: contents differ"), "{msg}");

    // A missing entry and a wrong size.
    let mut wrong = manifest.clone();
    wrong.insert("/sub/not_in_image", Node::File { size: 3, md5: None });
    if let Some(Node::File { size, .. }) = wrong.entries.get_mut("/size_1") {
        *size = 2;
    }
    let msg =
        panic_message(|| check_image("wrong tree", Image::plain(&w.iso), &wrong, &e, &w.scratch));
    for tool in [
        "xorriso -find lsdl",
        "isoinfo (ISO 9660)",
        "bsdtar tv",
        "7zz l",
    ] {
        assert!(
            msg.contains(&format!("== {tool} disagrees")),
            "{tool}:\n{msg}"
        );
    }
    assert!(msg.contains("/sub/not_in_image: missing"), "{msg}");
    assert!(msg.contains("/size_1: size 1, expected 2"), "{msg}");

    // A renamed entry in the Rock Ridge view.
    let mut wrong = Tree::new();
    for (p, n) in &manifest.entries {
        let p = p.replace("hl_b", "hl_B");
        wrong.insert(&p, n.clone());
    }
    let msg =
        panic_message(|| check_image("renamed", Image::plain(&w.iso), &wrong, &e, &w.scratch));
    assert!(
        msg.contains("/hl_B: missing") || msg.contains("listed under another name"),
        "{msg}"
    );
}

#[test]
fn harness_lists_a_sparse_file_over_4gib_and_xorriso_streams_it() {
    let w = work();
    let manifest = generate::sparse_over_4gib(&w.src);
    mkiso(
        "xorriso",
        &["-as", "mkisofs", "-R", "-J", "-iso-level", "3"],
        &w.src,
        &w.iso,
    );
    let e = Expect {
        contents: false,
        ..Expect::iso_joliet_rr(3)
    };
    check_image(
        "xorriso -iso-level 3, 4 GiB sparse file",
        Image::plain(&w.iso),
        &manifest.without_digests(),
        &e,
        &w.scratch,
    );
    let (size, md5) = oracle::xorriso_md5(Image::plain(&w.iso), "/big.bin");
    let Node::File {
        md5: Some(want), ..
    } = manifest.entries["/big.bin"]
    else {
        unreachable!()
    };
    assert_eq!((size, md5), (SPARSE_SIZE, want));
}

fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("the harness accepted a wrong manifest");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
