//! Issue 11 (item 2, rest): the first session interrupted on random-write media before
//! its head was written (LBA 0-31 zero, the session's descriptors at LBA 48, its data
//! in part). `burn` refuses it naming `repair` (it used to append to it as if it were
//! complete), `repair` replaces it with an empty session and a head, and the next
//! burn records a session that xorriso lists and extracts byte for byte. On an emulated
//! BD-RE the cut comes from the emulator (power cut mid-session); on an image file it
//! is reproduced by applying the first half of the session's blocks without the head.

#[macro_use]
mod common;

use common::{discburn, ok};

use std::fs;
use std::path::Path;
use std::process::Command;

/// xorriso's session count and the bytes of `/big` it extracts from the tree at LBA 16.
/// The `ISO session` lines of `xorriso -toc` (number, start, size, volume id) and the
/// bytes of /big.
fn xorriso_view(drive: &Path, scratch: &Path) -> (Vec<String>, Vec<u8>) {
    let o = Command::new("xorriso")
        .arg("-indev")
        .arg(drive)
        .arg("-toc")
        .output()
        .unwrap();
    let toc = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("ISO session"))
        .map(str::to_string)
        .collect();
    let _ = fs::remove_file(scratch);
    let o = Command::new("xorriso")
        .arg("-indev")
        .arg(drive)
        .args(["-osirrox", "on", "-extract", "/big"])
        .arg(scratch)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (toc, fs::read(scratch).unwrap())
}

#[test]
fn first_session_cut_before_its_head_is_refused_then_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("s");
    fs::create_dir(&src).unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 253) as u8).collect();
    fs::write(src.join("big"), &big).unwrap();
    fs::write(src.join("a"), b"a\n").unwrap();

    // Image file: the first half of the session's blocks, no head.
    let full = dir.path().join("full.iso");
    ok(args![
        "burn",
        "--drive",
        &full,
        "--volume-name",
        "ARCHIVE_1",
        &src
    ]);
    let bytes = fs::read(&full).unwrap();
    let mut cut = vec![0u8; bytes.len()];
    let half = 32 * 2048 + (bytes.len() - 32 * 2048) / 2;
    cut[32 * 2048..half].copy_from_slice(&bytes[32 * 2048..half]);
    let image = dir.path().join("cut.iso");
    fs::write(&image, &cut).unwrap();

    // Emulated BD-RE: a power cut mid-session.
    let bdre = dir.path().join("bdre");
    ok(args!["disc", "create", "--media", "bd-re", &bdre]);
    common::power_cut_after(&bdre, 600);
    assert_eq!(
        discburn(args![
            "burn",
            "--drive",
            &bdre,
            "--volume-name",
            "ARCHIVE_1",
            &src
        ])
        .status
        .code(),
        Some(1)
    );
    ok(args!["disc", "inject", &bdre, "--clear"]);

    let scratch = dir.path().join("x");
    for drive in [&image, &bdre] {
        let what = drive.display().to_string();
        let o = discburn(args!["burn", "--drive", drive, &src]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains("interrupted") && err.contains("discburn repair"),
            "{what}: {err}"
        );
        let out = ok(args!["repair", "--drive", drive]);
        assert!(
            out.contains("replaced by an empty session"),
            "{what}: {out}"
        );
        let burned = ok(args!["burn", "--drive", drive, &src]);
        assert!(
            burned.starts_with("session 2 at LBA 64"),
            "{what}: {burned}"
        );
        let (toc, got) = xorriso_view(drive, &scratch);
        assert_eq!(toc.len(), 2, "{what}: {toc:?}");
        // The empty session keeps the interrupted session's volume identifier, and the
        // next session imports it.
        assert!(
            toc.iter().all(|l| l.contains("ARCHIVE_1")),
            "{what}: {toc:?}"
        );
        assert!(got == big, "{what}: /big differs");
    }
}
