//! Issue 14 (power-cut matrix for VAT sessions, UDF 2.60 2.2.11): a second `burn --fs
//! udf` session on an emulated BD-R and CD-R cut by a power loss after its first
//! sector, in its middle, and just before its VAT ICB (the session's last block). After
//! each cut the first session's VAT generation still reads (`ls` and `extract
//! --session 1`), and `burn` refuses the open session naming `discburn repair`.
//! `repair` closes the interrupted session and writes no rescue session (the last
//! complete session is a UDF volume alone); the next burn imports the VAT of session 1
//! (the closed session ends without one) and its own VAT chains to it. The merged tree
//! then reads in discburn and, for the cut just before the VAT, in the Linux kernel's
//! udf driver from the dumped disc (no mount options: the VAT at the last block).

#[macro_use]
mod common;

use std::fs;

use common::{discburn, ok};
use discburn_testkit::oracle;
use discburn_testkit::tree::Md5Digest;

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
            common::power_cut_after(&disc, cut);
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

            let out = ok(args!["repair", "--drive", &disc]);
            assert!(
                out.contains(
                    "no rescue session is written: the next burn continues the newest complete VAT"
                ),
                "{what}: {out}"
            );
            let o = discburn(args!["burn", "--drive", &disc, "--fs", "udf", &s2]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{what}: {err}");
            // Never silent: the user learns which generation the session continues.
            assert!(
                err.contains("continues the UDF volume of the session at LBA"),
                "{what}: {err}"
            );
            let ls = ok(args!["ls", "--drive", &disc]);
            for p in [" /a\n", " /d/big\n", " /b\n"] {
                assert!(ls.contains(p), "{what}: {p} in\n{ls}");
            }
            if cut == blocks - 1 {
                kernel_reads_merged_tree(&disc, &big, &what);
            }
        }
    }
}

/// Two interrupted VAT sessions in a row, each closed by `repair`: the next burn passes
/// over both (neither holds a readable file system) and continues session 1's VAT.
#[test]
fn two_interrupted_vat_sessions_in_a_row_are_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let (s1, s2) = (dir.path().join("s1"), dir.path().join("s2"));
    fs::create_dir(&s1).unwrap();
    fs::create_dir(&s2).unwrap();
    fs::write(s1.join("a"), b"one\n").unwrap();
    fs::write(s2.join("b"), vec![5u8; 300_000]).unwrap();
    let disc = dir.path().join("bdr");
    ok(args!["disc", "create", "--media", "bd-r", &disc]);
    ok(args!["burn", "--drive", &disc, "--fs", "udf", &s1]);
    for _ in 0..2 {
        common::power_cut_after(&disc, 200);
        assert_eq!(
            discburn(args!["burn", "--drive", &disc, "--fs", "udf", &s2])
                .status
                .code(),
            Some(1)
        );
        ok(args!["disc", "inject", &disc, "--clear"]);
        ok(args!["repair", "--drive", &disc]);
    }
    let out = ok(args!["burn", "--drive", &disc, "--fs", "udf", &s2]);
    assert!(out.starts_with("session 4 at LBA"), "{out}");
    assert!(out.contains("1 added, 1 kept"), "{out}");
    let ls = ok(args!["ls", "--drive", &disc]);
    assert!(ls.contains(" /a\n") && ls.contains(" /b\n"), "{ls}");
}

/// The dumped disc mounts in the kernel's udf driver and holds /a, /d/big and /b.
fn kernel_reads_merged_tree(disc: &std::path::Path, big: &[u8], what: &str) {
    let img = disc.with_extension("img");
    let o = discburn(args!["dump", "--drive", disc, "-o", &img]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() || err.contains("unreadable block runs were written as zeros"),
        "{what}: dump: {err}"
    );
    let out = std::process::Command::new(oracle::kernel_read_script())
        .args(["--fstype", "udf"])
        .arg(&img)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run kernel-read");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("mount: rc=0"),
        "{what}: kernel udf mount failed:\n{text}"
    );
    let md5 = text
        .split("--- md5 ---\n")
        .nth(1)
        .and_then(|r| r.split("--- df ---").next())
        .unwrap_or_default();
    let sums: std::collections::BTreeMap<&str, Md5Digest> = md5
        .lines()
        .filter_map(|l| {
            let (sum, p) = l.split_once("  ./")?;
            Some((p, Md5Digest::from_hex(sum)?))
        })
        .collect();
    for (p, bytes) in [("a", &b"one\n"[..]), ("b", b"two\n"), ("d/big", big)] {
        assert_eq!(
            sums.get(p),
            Some(&Md5Digest::of(bytes)),
            "{what}: /{p} in the kernel's view:\n{text}"
        );
    }
    fs::remove_file(&img).unwrap();
}
