//! Issue 11, sources (items 3 and 7): every source is checked before the medium is
//! touched, and grafts that clash are refused.
//!
//! - A 0600 file after a large readable one, burned as an ordinary user (as root the
//!   burn runs as `nobody` through setpriv): exit 1 with one line naming the file,
//!   and every byte of the emulated BD-R, its state file and of the image file
//!   unchanged.
//! - `burn a=/x b=/x` where both a/ and b/ hold `f` (and a file grafted twice at one
//!   path): exit 1 naming both sources and the image path, nothing written; `mkimage`
//!   refuses the same and leaves no output. Directories that merge are no clash, and a
//!   graft replaces a file of the previous session as before.

#[macro_use]
mod common;

use common::{EPOCH, discburn, ok};

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file below `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    v.sort();
    v
}

/// Runs discburn `args` expecting exit 1 and one line on stderr; returns the line.
fn fails_with(mut cmd: Command, args: &[&std::ffi::OsStr]) -> String {
    let o = cmd
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "discburn {args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

#[test]
fn unreadable_source_after_a_large_one_is_refused_before_the_medium_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let root = is_root();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a-large.bin"), vec![5u8; 4 << 20]).unwrap();
    let secret = src.join("z-secret.txt");
    fs::write(&secret, b"not yours\n").unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    let target = dir.path().join("target");
    fs::create_dir(&target).unwrap();
    let bdr = target.join("disc");
    ok(args!["disc", "create", "--media", "bd-r", &bdr]);
    let s1 = dir.path().join("s1");
    fs::create_dir(&s1).unwrap();
    fs::write(s1.join("one.txt"), b"one\n").unwrap();
    ok(args!["burn", "--drive", &bdr, &s1]);
    let img = target.join("image.iso");
    ok(args!["burn", "--drive", &img, &s1]);
    if root {
        // nobody may write the targets but not read the secret (owned by root, 0600).
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o777)).unwrap();
        for (p, _) in snapshot(&target) {
            std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
        }
    }
    for drive in [&bdr, &img] {
        let before = snapshot(&target);
        let cmd = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_discburn"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_discburn"))
        };
        let err = fails_with(cmd, args!["burn", "--drive", drive, &src]);
        assert!(
            err.contains(&secret.display().to_string()),
            "{}: {err}",
            drive.display()
        );
        assert!(err.contains("Permission denied"), "{err}");
        assert!(err.contains("Nothing was written"), "{err}");
        assert!(
            snapshot(&target) == before,
            "{}: the target changed",
            drive.display()
        );
    }
}

#[test]
fn clashing_grafts_are_refused_naming_both_sources_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (d, body) in [(&a, "from a\n"), (&b, "from b\n")] {
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::write(d.join("sub/f"), body).unwrap();
    }
    fs::write(a.join("only-a"), b"a").unwrap();
    fs::write(b.join("only-b"), b"b").unwrap();
    let img = dir.path().join("image.iso");
    let graft = |d: &Path, dest: &str| format!("{}={dest}", d.display());
    let (ga, gb) = (graft(&a, "/x"), graft(&b, "/x"));

    // Two directories onto /x: /x/sub merges, /x/sub/f clashes.
    let err = fails_with(
        Command::new(env!("CARGO_BIN_EXE_discburn")),
        args!["burn", "--drive", &img, &ga, &gb],
    );
    for s in [
        "/x/sub/f",
        &a.join("sub/f").display().to_string(),
        &b.join("sub/f").display().to_string(),
    ] {
        assert!(err.contains(s), "{s} in {err}");
    }
    assert!(!img.exists(), "nothing written");
    let out = dir.path().join("out.iso");
    let err = fails_with(
        Command::new(env!("CARGO_BIN_EXE_discburn")),
        args!["mkimage", "-o", &out, &ga, &gb],
    );
    assert!(err.contains("/x/sub/f"), "{err}");
    assert!(!out.exists());

    // One file grafted at a path twice, and a file grafted where a directory graft
    // put one.
    let fa = graft(&a.join("only-a"), "/y/f");
    let fb = graft(&b.join("only-b"), "/y/f");
    let err = fails_with(
        Command::new(env!("CARGO_BIN_EXE_discburn")),
        args!["burn", "--drive", &img, &fa, &fb],
    );
    assert!(err.contains("/y/f"), "{err}");
    assert!(
        err.contains(&a.join("only-a").display().to_string()),
        "{err}"
    );
    assert!(
        err.contains(&b.join("only-b").display().to_string()),
        "{err}"
    );
    let fo = graft(&b.join("only-b"), "/x/only-a");
    let err = fails_with(
        Command::new(env!("CARGO_BIN_EXE_discburn")),
        args!["burn", "--drive", &img, &ga, &fo],
    );
    assert!(
        err.contains(&a.join("only-a").display().to_string()),
        "{err}"
    );
    assert!(!img.exists(), "nothing written");

    // No clash: the directories merge; a later session replaces a file of session 1.
    ok(args![
        "burn",
        "--drive",
        &img,
        &ga,
        &graft(&b.join("only-b"), "/x/")
    ]);
    let gb2 = graft(&b, "/x");
    ok(args!["burn", "--drive", &img, &gb2]);
    let x = dir.path().join("x");
    let o = Command::new("xorriso")
        .arg("-indev")
        .arg(&img)
        .args(["-osirrox", "on", "-extract", "/x"])
        .arg(&x)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(fs::read(x.join("sub/f")).unwrap(), b"from b\n");
    assert_eq!(fs::read(x.join("only-a")).unwrap(), b"a");
    assert_eq!(fs::read(x.join("only-b")).unwrap(), b"b");
    let _ = discburn;
}
