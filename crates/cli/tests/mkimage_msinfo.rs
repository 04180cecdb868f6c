//! `discburn mkimage -C START,NWA -M IMAGE`: mkisofs's way of making a later session
//! (peers.md §2): import the tree of the session at START, lay the new session out at
//! NWA, output only the new session. Checked by writing the output at NWA with the
//! previous image and reading it back with xorriso and isoinfo.

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::process::Command as Std;

use assert_cmd::Command;

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Std::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn mkimage_c_m_appends_a_session_to_a_genisoimage_image() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    fs::create_dir_all(a.join("sub")).unwrap();
    fs::write(a.join("old.txt"), b"old\n").unwrap();
    fs::write(a.join("sub/A Long Old Name.text"), b"long\n").unwrap();
    let img = dir.path().join("ms.iso");
    tool(
        "genisoimage",
        &[
            "-quiet",
            "-R",
            "-J",
            "-o",
            img.to_str().unwrap(),
            a.to_str().unwrap(),
        ],
    );
    let blocks = fs::metadata(&img).unwrap().len() / 2048;
    let nwa = blocks.next_multiple_of(16) as u32;

    let b = dir.path().join("b");
    fs::create_dir_all(&b).unwrap();
    fs::write(b.join("new.txt"), b"new\n").unwrap();
    let s2 = dir.path().join("s2.bin");
    let out = Command::cargo_bin("discburn")
        .unwrap()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["mkimage", "-C", &format!("0,{nwa}"), "-M"])
        .arg(&img)
        .arg("-o")
        .arg(&s2)
        .arg(format!("{}=/added", b.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    // Write the new session at NWA (as cdrecord / dd would).
    let mut f = fs::OpenOptions::new().write(true).open(&img).unwrap();
    f.seek(SeekFrom::Start(u64::from(nwa) * 2048)).unwrap();
    f.write_all(&fs::read(&s2).unwrap()).unwrap();
    drop(f);

    let ls = tool(
        "xorriso",
        &[
            "-indev",
            img.to_str().unwrap(),
            "-load",
            "sbsector",
            &nwa.to_string(),
            "-find",
            "/",
        ],
    );
    for p in [
        "'/old.txt'",
        "'/sub/A Long Old Name.text'",
        "'/added/new.txt'",
    ] {
        assert!(ls.contains(p), "{p} missing: {ls}");
    }
    let x = dir.path().join("x");
    tool(
        "xorriso",
        &[
            "-osirrox",
            "on",
            "-indev",
            img.to_str().unwrap(),
            "-load",
            "sbsector",
            &nwa.to_string(),
            "-extract",
            "/",
            x.to_str().unwrap(),
        ],
    );
    assert_eq!(fs::read(x.join("old.txt")).unwrap(), b"old\n");
    assert_eq!(
        fs::read(x.join("sub/A Long Old Name.text")).unwrap(),
        b"long\n"
    );
    assert_eq!(fs::read(x.join("added/new.txt")).unwrap(), b"new\n");
    // Joliet names of the old files are kept (isoinfo -T reads the session at NWA).
    let j = tool(
        "isoinfo",
        &[
            "-i",
            img.to_str().unwrap(),
            "-T",
            &nwa.to_string(),
            "-J",
            "-f",
        ],
    );
    assert!(
        j.lines()
            .any(|l| l.starts_with("/sub/A Long Old Name.text")),
        "{j}"
    );
}
