//! The `append` example (crates/discburn/examples/append.rs) appends three sessions to
//! an emulated BD-R, an emulated BD-RE and an image file through `AppendSession` alone;
//! after each session xorriso lists the merged tree (names, types, sizes) and the files
//! extracted by xorriso match their sources byte for byte. The report names the
//! mechanism the image chose (MS-03 classes: MsftMultisessionSequential on BD-R,
//! MsftMultisessionRandomWrite on BD-RE and image files).

use std::path::{Path, PathBuf};
use std::process::Command;

use discburn::emu::{MediaType, create_disc};
use discburn_testkit::compare::{RrQuirks, View, assert_readings};
use discburn_testkit::generate::TreeWriter;
use discburn_testkit::oracle::{Image, xorriso_list};
use discburn_testkit::tree::{Tree, scan_dir};

/// The example binary, built by `cargo test` beside this test's directory.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let p = dir.join("examples").join("append");
    assert!(p.exists(), "{} not built", p.display());
    p
}

fn append(drive: &Path, sources: &[String]) -> String {
    let o = Command::new(example())
        .arg(drive)
        .args(sources)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "append {} {sources:?}: {}",
        drive.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The entries of `all` whose first component is one of `tops`.
fn expected(all: &Tree, tops: &[&str]) -> Tree {
    let mut t = Tree::new();
    for (p, n) in &all.entries {
        let top = p[1..].split('/').next().unwrap();
        if tops.contains(&top) {
            t.insert(p, n.clone());
        }
    }
    t
}

/// Session start of the newest session: the head at LBA 0 on random-write media and
/// image files, the drive's last session on BD-R (the sector image is in LBA order).
fn last_start(report: &str) -> u64 {
    let at = report.split(" at LBA ").nth(1).unwrap();
    at.split(':').next().unwrap().parse().unwrap()
}

#[test]
fn example_appends_three_sessions_to_bd_r_bd_re_and_an_image_file() {
    let tmp = tempfile::tempdir().unwrap();
    let all = tmp.path().join("all");
    std::fs::create_dir(&all).unwrap();
    let mut w = TreeWriter::new(&all, 7);
    w.file("a/one.txt", 1000);
    w.file("a/sub/two.bin", 70_000);
    w.file("b/three.txt", 10);
    w.symlink("b/link", "three.txt");
    w.file("c.txt", 3);
    w.finish();
    let host = scan_dir(&all).unwrap();
    let grafts = [
        (vec![format!("{}=/a", all.join("a").display())], vec!["a"]),
        (
            vec![format!("{}=/b", all.join("b").display())],
            vec!["a", "b"],
        ),
        (
            vec![all.join("c.txt").display().to_string()],
            vec!["a", "b", "c.txt"],
        ),
    ];
    for (media, class) in [
        (Some(MediaType::BdR), "MsftMultisessionSequential"),
        (Some(MediaType::BdRe), "MsftMultisessionRandomWrite"),
        (None, "MsftMultisessionRandomWrite"),
    ] {
        let drive = tmp.path().join(format!("{media:?}.disc"));
        if let Some(m) = media {
            create_disc(&drive, m, None).unwrap();
        }
        for (n, (sources, tops)) in grafts.iter().enumerate() {
            let report = append(&drive, sources);
            assert!(
                report.starts_with(&format!("session {} at LBA ", n + 1)),
                "{media:?}: {report}"
            );
            assert!(report.contains(class), "{media:?}: {report}");
            let sbsector = if media == Some(MediaType::BdR) {
                last_start(&report)
            } else {
                0
            };
            let reading = xorriso_list(Image {
                path: &drive,
                sbsector,
            });
            let view = View::rock_ridge(RrQuirks::NONE);
            assert_readings(
                &format!("{media:?} session {}", n + 1),
                &expected(&host, tops),
                &[(reading, view)],
            );
        }
    }
}
