//! `discburn sessions` / `ls` on an image first mastered at LBA 0 by genisoimage, then
//! appended to twice by `discburn burn` (random-write layout): xorriso's emulated TOC
//! sees one session there (the head at LBA 16 replaced genisoimage's descriptors), our
//! history lists all three, `ls --session 2` shows session 2's own tree, and
//! `ls --session 1` says why it cannot be read instead of showing another session's.

#[macro_use]
mod common;

use common::discburn;

use std::fs;
use std::process::Output;

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn history_of_a_genisoimage_image_appended_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for (d, f) in [(&a, "one.txt"), (&b, "two.txt"), (&c, "three.txt")] {
        fs::create_dir(d).unwrap();
        fs::write(d.join(f), f).unwrap();
    }
    let img = dir.path().join("g.iso");
    let g = discburn_testkit::oracle::run(
        "genisoimage",
        &[
            "-quiet".as_ref(),
            "-R".as_ref(),
            "-J".as_ref(),
            "-V".as_ref(),
            "GENISO".as_ref(),
            "-o".as_ref(),
            img.as_os_str(),
            a.as_os_str(),
        ],
    );
    assert!(g.status.success());
    ok(discburn(args![
        "burn",
        "--drive",
        &img,
        &format!("{}=/b", b.display())
    ]));
    ok(discburn(args![
        "burn",
        "--drive",
        &img,
        &format!("{}=/c", c.display())
    ]));

    let toc = discburn_testkit::oracle::run(
        "xorriso",
        &["-indev".as_ref(), img.as_os_str(), "-toc".as_ref()],
    );
    let toc = String::from_utf8_lossy(&toc.stdout).into_owned();
    assert_eq!(
        toc.lines().filter(|l| l.starts_with("ISO session")).count(),
        1,
        "xorriso's emulation: {toc}"
    );

    let listed = ok(discburn(args!["sessions", "--drive", &img]));
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 3, "{listed}");
    assert!(lines[0].contains(" 0 ,"), "{listed}");
    assert!(lines[0].contains("descriptors replaced"), "{listed}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(discburn(args!["sessions", "--drive", &img, "--json"]))).unwrap();
    let sessions = json["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions[0]["descriptors_replaced"], true);
    assert_eq!(sessions[1]["descriptors_replaced"], false);
    // Each session starts where the previous one ends, rounded up to 32 blocks.
    for w in sessions.windows(2) {
        let end = w[0]["start_lba"].as_u64().unwrap() + w[0]["blocks"].as_u64().unwrap();
        assert_eq!(
            w[1]["start_lba"].as_u64().unwrap(),
            end.next_multiple_of(32)
        );
    }

    let two = ok(discburn(args!["ls", "--drive", &img, "--session", "2"]));
    assert!(two.contains("two.txt") && two.contains("one.txt"), "{two}");
    assert!(!two.contains("three.txt"), "{two}");
    let last = ok(discburn(args!["ls", "--drive", &img]));
    assert!(last.contains("three.txt"), "{last}");

    let one = discburn(args!["ls", "--drive", &img, "--session", "1"]);
    assert!(!one.status.success());
    let err = String::from_utf8_lossy(&one.stderr);
    assert!(err.contains("volume descriptors were replaced"), "{err}");
}

#[test]
fn reading_a_drive_that_does_not_exist_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.iso");
    let dest = dir.path().join("x");
    for cmd in ["sessions", "ls", "extract"] {
        let mut a: Vec<&std::ffi::OsStr> =
            vec![cmd.as_ref(), "--drive".as_ref(), missing.as_os_str()];
        if cmd == "extract" {
            a.push(dest.as_os_str());
        }
        let o = discburn(&a);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("no such drive or image file"), "{cmd}: {err}");
        assert!(!missing.exists(), "{cmd} created the image file");
    }
}
