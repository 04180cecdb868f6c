//! Issue 14 (power-cut matrix for VAT sessions, UDF 2.60 2.2.11): a second `burn --fs
//! udf` session on an emulated BD-R and CD-R cut by a power loss after its first
//! sector, in its middle, and just before its VAT ICB (the session's last block). After
//! each cut the first session's VAT generation still reads (`ls` and `extract
//! --session 1`), and `burn` refuses the open session naming `discburn repair`.
//!
//! Not covered yet (see the issue): `repair` closes the interrupted session but then
//! finds no ISO 9660 descriptors to repeat in a rescue session, and the next UDF
//! append finds no VAT at the closed session's last block.

#[macro_use]
mod common;

use std::fs;

use common::{discburn, ok};

#[test]
fn vat_append_cut_by_a_power_loss_keeps_session_1_and_names_repair() {
    let dir = tempfile::tempdir().unwrap();
    let s1 = dir.path().join("s1");
    fs::create_dir_all(s1.join("d")).unwrap();
    fs::write(s1.join("a"), b"one\n").unwrap();
    let big: Vec<u8> = (0..100_000u32).map(|i| (i * 13 % 251) as u8).collect();
    fs::write(s1.join("d/big"), &big).unwrap();
    let s2 = dir.path().join("s2");
    fs::create_dir(&s2).unwrap();
    fs::write(s2.join("b"), b"two\n").unwrap();

    for media in ["bd-r", "cd-r"] {
        // The uncut second session's length (its last block is the VAT ICB) gives the
        // cut points: after 1 sector, in the middle, before the VAT ICB.
        let probe = dir.path().join(format!("probe-{media}"));
        ok(args!["disc", "create", "--media", media, &probe]);
        ok(args!["burn", "--drive", &probe, "--fs", "udf", &s1]);
        let out = ok(args!["burn", "--drive", &probe, "--fs", "udf", &s2]);
        let blocks: u64 = out
            .split(": ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|b| b.parse().ok())
            .unwrap_or_else(|| panic!("burn output: {out}"));
        for cut in [1, blocks / 2, blocks - 1] {
            let what = format!("{media}, cut after {cut} of {blocks} sectors");
            let disc = dir.path().join(format!("{media}-{cut}"));
            ok(args!["disc", "create", "--media", media, &disc]);
            ok(args!["burn", "--drive", &disc, "--fs", "udf", &s1]);
            let n = cut.to_string();
            ok(args![
                "disc",
                "inject",
                &disc,
                "--power-cut-after-sectors",
                &n
            ]);
            let o = discburn(args!["burn", "--drive", &disc, "--fs", "udf", &s2]);
            assert_eq!(o.status.code(), Some(1), "{what}");
            ok(args!["disc", "inject", &disc, "--clear"]);

            let ls = ok(args!["ls", "--drive", &disc, "--session", "1"]);
            for p in [" /a\n", " /d\n", " /d/big\n"] {
                assert!(ls.contains(p), "{what}: {p} in\n{ls}");
            }
            assert!(!ls.contains("/b\n"), "{what}: {ls}");
            let x = dir.path().join(format!("x-{media}-{cut}"));
            ok(args!["extract", "--drive", &disc, "--session", "1", &x]);
            assert_eq!(fs::read(x.join("a")).unwrap(), b"one\n", "{what}");
            assert!(fs::read(x.join("d/big")).unwrap() == big, "{what}");

            let o = discburn(args!["burn", "--drive", &disc, "--fs", "udf", &s2]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{what}: {err}");
            assert!(
                err.contains("interrupted") && err.contains("discburn repair"),
                "{what}: {err}"
            );
            fs::remove_dir_all(&x).unwrap();
        }
    }
}
