//! BD-R Pseudo-Overwrite (MMC-6 4.5.3.5) end to end: sessions burned with `discburn
//! burn` on an emulated BD-R formatted SRM+POW, each read by xorriso and by the Linux
//! kernel from the logical image at LBA 0 with no session options (read block by block
//! through the recorder, as a kernel reading /dev/sr0 sees it); earlier sessions by
//! number; thirty sessions; power cuts during the data and during the head's rewrite
//! (the session chain bridged over the leftovers); the Sequential
//! mechanism on the same disc; the POW resources going down.

#[macro_use]
mod common;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use common::{discburn, ok};
use discburn_testkit::compare::{RrQuirks, View, assert_readings};
use discburn_testkit::oracle::{Image, Reading, kernel_list, xorriso_list};
use discburn_testkit::tree::{Tree, scan_dir};
use serde_json::Value;
use tempfile::TempDir;

fn json(args: &[&std::ffi::OsStr]) -> Value {
    serde_json::from_str(&ok(args)).expect("JSON output")
}

/// The logical image of the disc: every block from LBA 0 to READ CAPACITY, read with
/// READ(10) through the library (what a kernel reading the drive sees).
fn dump(disc: &Path, out: &Path) {
    let src = discburn::Disc::open(disc).unwrap();
    let mut src = src.into_media_source().unwrap();
    let total = src.total_sectors();
    let mut f = fs::File::create(out).unwrap();
    let mut buf = vec![0u8; 32 * 2048];
    let mut lba = 0;
    while lba < total {
        let n = (total - lba).min(32);
        let b = &mut buf[..n as usize * 2048];
        src.read_sectors(lba, b).unwrap();
        f.write_all(b).unwrap();
        lba += n;
    }
}

/// The three POW resources and the in-use-by-default order from `media --json`.
fn resources(disc: &Path) -> [u64; 3] {
    let v = json(args!["media", "--drive", disc, "--json"]);
    let ms = v["multisession_interfaces"].as_array().unwrap();
    let classes: Vec<&str> = ms.iter().map(|m| m["class"].as_str().unwrap()).collect();
    assert_eq!(
        classes,
        [
            "MsftMultisessionPseudoOverwrite",
            "MsftMultisessionSequential"
        ],
        "{v}"
    );
    let r = &ms[0]["pseudo_overwrite"];
    [
        r["remaining_replacements"].as_u64().unwrap(),
        r["remaining_map_entries"].as_u64().unwrap(),
        r["remaining_updates"].as_u64().unwrap(),
    ]
}

struct Pow {
    _dir: TempDir,
    root: PathBuf,
    disc: PathBuf,
    /// What the newest session holds, as files on disk.
    merged: PathBuf,
}

impl Pow {
    fn new() -> Pow {
        let dir = TempDir::new().unwrap();
        let root = dir.path().to_path_buf();
        let disc = root.join("pow.bdr");
        let out = ok(args!["disc", "create", &disc, "--media", "bd-r-pow"]);
        assert!(out.contains("pseudo-overwrite"), "{out}");
        let merged = root.join("merged");
        fs::create_dir(&merged).unwrap();
        Pow {
            _dir: dir,
            root,
            disc,
            merged,
        }
    }

    /// A source directory `sN` with a small file and a file of `big` KiB.
    fn source(&self, n: u32, big: usize) -> PathBuf {
        let src = self.root.join(format!("src{n}"));
        fs::create_dir_all(src.join("d")).unwrap();
        fs::write(src.join("small.txt"), format!("session {n}\n")).unwrap();
        let data: Vec<u8> = (0..big * 1024)
            .map(|i| (i * 31 + n as usize) as u8)
            .collect();
        fs::write(src.join("d/big.bin"), data).unwrap();
        src
    }

    /// Burns `src` as /sN and returns the report.
    fn burn(&self, n: u32, src: &Path) -> Value {
        let graft = format!("{}=/s{n}", src.display());
        let v = json(args!["burn", "--drive", &self.disc, "--json", &graft]);
        copy_dir(src, &self.merged.join(format!("s{n}")));
        v
    }

    fn expected(&self) -> Tree {
        scan_dir(&self.merged).unwrap()
    }

    /// xorriso (and the kernel, with `kernel`) read the logical image at LBA 0 with no
    /// session options.
    fn check_logical(&self, what: &str, kernel: bool) {
        self.check_logical_tree(what, &self.expected(), kernel);
    }

    /// As [`Pow::check_logical`] with the tree LBA 0 must show.
    fn check_logical_tree(&self, what: &str, expected: &Tree, kernel: bool) {
        let img = self.root.join("dump.iso");
        dump(&self.disc, &img);
        let mut readings = vec![(xorriso_list(Image::plain(&img)), View::ROCK_RIDGE)];
        if kernel {
            let kernel_view = View::rock_ridge(RrQuirks {
                truncates_after: Some(253),
                ..RrQuirks::NONE
            });
            readings.push((kernel_list(Image::plain(&img)), kernel_view));
        }
        assert_readings(what, expected, &readings);
        fs::remove_file(&img).unwrap();
    }

    fn sessions(&self) -> Vec<(u64, u64)> {
        let v = json(args!["sessions", "--drive", &self.disc, "--json"]);
        v["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["session"].as_u64().unwrap(),
                    s["start_lba"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// `discburn extract --session 1` equals the first session's files.
    fn check_session_1(&self, first: &Path) {
        let out = self.root.join("x1");
        ok(args![
            "extract",
            "--drive",
            &self.disc,
            "--session",
            "1",
            "/",
            &out
        ]);
        let tree = scan_dir(&out).unwrap();
        fs::remove_dir_all(&out).unwrap();
        let want_dir = self.root.join("want1");
        if !want_dir.exists() {
            copy_dir(first, &want_dir.join("s1"));
        }
        assert_readings(
            "session 1 by number",
            &scan_dir(&want_dir).unwrap(),
            &[(
                Reading {
                    label: "discburn extract --session 1".into(),
                    tree,
                },
                View::ROCK_RIDGE,
            )],
        );
    }

    /// A copy of the disc (image, state) to try a burn on.
    fn copy_to(&self, name: &str) -> PathBuf {
        let to = self.root.join(name);
        for suffix in ["", ".state.json"] {
            let from = PathBuf::from(format!("{}{suffix}", self.disc.display()));
            fs::copy(&from, format!("{}{suffix}", to.display())).unwrap();
        }
        to
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            fs::copy(e.path(), t).unwrap();
        }
    }
}

#[test]
fn pow_three_sessions_read_at_lba_0_then_power_cuts() {
    discburn_testkit::oracle::require("xorriso");
    let d = Pow::new();
    let mut last = resources(&d.disc);
    let first = d.source(1, 100);
    for n in 1..=3u32 {
        let src = if n == 1 {
            first.clone()
        } else {
            d.source(n, 100)
        };
        let r = d.burn(n, &src);
        assert_eq!(
            r["mechanism"].as_str(),
            Some("MsftMultisessionPseudoOverwrite"),
            "{r}"
        );
        assert_eq!(r["session"].as_u64(), Some(u64::from(n)), "{r}");
        let what = format!("POW session {n}");
        d.check_logical(&what, true);
        let list = d.sessions();
        assert_eq!(list.len() as u32, n, "{what}: {list:?}");
        assert_eq!(list.last().unwrap().1, r["start_lba"].as_u64().unwrap());
        d.check_session_1(&first);
        let now = resources(&d.disc);
        assert!(
            now.iter().zip(last).all(|(a, b)| *a < b),
            "{what}: POW resources {now:?} after {last:?}"
        );
        last = now;
    }

    // Power cut during the data, then during the head's rewrite: the sessions before
    // stay as they were, and the disc takes the next session.
    let probe = d.copy_to("probe.bdr");
    let src4 = d.source(4, 300);
    let graft4 = format!("{}=/s4", src4.display());
    let r = json(args!["burn", "--drive", &probe, "--json", &graft4]);
    let blocks = r["blocks_written"].as_u64().unwrap();
    let data = blocks - 32; // the last cluster holds the head's replacement
    for (what, cut) in [("head", data + 5), ("data", data / 2)] {
        common::power_cut_after(&d.disc, cut);
        let o = discburn(args!["burn", "--drive", &d.disc, &graft4]);
        assert!(!o.status.success(), "power cut during the {what}");
        let what = format!("after a power cut during the {what}");
        d.check_logical(&what, false);
        d.check_session_1(&first);
    }
    let before = d.sessions();
    let r = d.burn(5, &d.source(5, 10));
    assert_eq!(
        r["mechanism"].as_str(),
        Some("MsftMultisessionPseudoOverwrite"),
        "{r}"
    );
    // The kernel and xorriso at LBA 0 see the newest session.
    d.check_logical("session after the power cuts", true);
    // The session chain from LBA 32 reaches the new session over the leftovers of the
    // sessions cut short (the bridge repeats the last complete tree), and every earlier
    // session keeps its number and start.
    let after = d.sessions();
    assert!(after.len() > before.len(), "{before:?} -> {after:?}");
    assert_eq!(after[..3], before[..3], "{before:?} -> {after:?}");
    assert_eq!(
        after.last().unwrap().1,
        r["start_lba"].as_u64().unwrap(),
        "{after:?}"
    );
    d.check_session_1(&first);
    // The session before the new one (the bridge) holds the tree of session 3.
    let n = after.len() - 1;
    let x = d.root.join("bridge");
    let n_s = n.to_string();
    ok(args![
        "extract",
        "--drive",
        &d.disc,
        "--session",
        &n_s,
        "/",
        &x
    ]);
    let mut names: Vec<String> = fs::read_dir(&x)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["s1", "s2", "s3"], "session {n} (the bridge)");
}

/// Thirty sessions on one POW disc: after each, `sessions` lists them all with the
/// start the burn reported; at the end xorriso and the kernel read the newest tree at
/// LBA 0 with no session options, session 1 extracts byte-identical, and the
/// resources went down by one replacement per session (the head).
#[test]
fn pow_thirty_sessions() {
    discburn_testkit::oracle::require("xorriso");
    let d = Pow::new();
    let first = d.source(1, 4);
    let start = resources(&d.disc);
    let mut starts = Vec::new();
    for n in 1..=30u32 {
        let src = if n == 1 {
            first.clone()
        } else {
            d.source(n, 1)
        };
        let r = d.burn(n, &src);
        assert_eq!(r["session"].as_u64(), Some(u64::from(n)), "{r}");
        starts.push(r["start_lba"].as_u64().unwrap());
        let list = d.sessions();
        let got: Vec<u64> = list.iter().map(|s| s.1).collect();
        assert_eq!(got, starts, "sessions after burn {n}");
    }
    d.check_logical("POW session 30", true);
    d.check_session_1(&first);
    let end = resources(&d.disc);
    assert_eq!(start[0] - end[0], 30, "replacements: {start:?} -> {end:?}");
}

/// MS-18: a session recorded with the Sequential mechanism on a POW disc is listed (by
/// its track, past the chain) and read by number; the next pseudo-overwrite session
/// imports it, links it into the chain (its first cluster's Volume Space Size made
/// session-local) and continues the chain after it: xorriso and the kernel at LBA 0
/// see the merged tree, every session keeps its number and start.
#[test]
fn pow_sequential_mechanism_on_the_same_disc_ms_18() {
    discburn_testkit::oracle::require("xorriso");
    let d = Pow::new();
    let first = d.source(1, 20);
    d.burn(1, &first);
    // The library: mark the sequential mechanism in use.
    let mut s = discburn::AppendSession::open(&d.disc).unwrap();
    let ms = s.multisession_interfaces().to_vec();
    assert_eq!(ms[1].class_name(), "MsftMultisessionSequential");
    ms[1].set_in_use(true);
    let src = d.source(2, 20);
    s.add_graft(&src, Some("/s2")).unwrap();
    let report = s
        .write(&discburn::AppendOptions::new(), |_| {
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(report.mechanism, "MsftMultisessionSequential");
    copy_dir(&src, &d.merged.join("s2"));
    let seq = u64::from(report.start_lba);
    // The sequential session holds the merged tree at its own start.
    let img = d.root.join("dump.iso");
    dump(&d.disc, &img);
    let x = xorriso_list(Image {
        path: &img,
        sbsector: seq,
    });
    assert_readings(
        "sequential session on POW",
        &d.expected(),
        &[(x, View::ROCK_RIDGE)],
    );
    fs::remove_file(&img).unwrap();
    // Listed after the chain and read by number.
    let list = d.sessions();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[1], (2, seq), "{list:?}");
    let ls = ok(args!["ls", "--drive", &d.disc, "--session", "2", "/s2"]);
    assert!(ls.contains("small.txt"), "{ls}");
    // Rollback waits for the link: refused, naming the session, nothing written.
    let state = fs::read(format!("{}.state.json", d.disc.display())).unwrap();
    let o = discburn(args!["rollback", "--drive", &d.disc, "--to-session", "1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "Sequential mechanism lies after the session chain at LBA {seq}"
        )),
        "{err}"
    );
    assert_eq!(
        fs::read(format!("{}.state.json", d.disc.display())).unwrap(),
        state
    );
    let want2 = d.root.join("want2");
    copy_dir(&d.merged, &want2);

    // The next pseudo-overwrite session builds on it and continues the chain.
    let r = d.burn(3, &d.source(3, 10));
    assert_eq!(r["mechanism"], "MsftMultisessionPseudoOverwrite", "{r}");
    assert_eq!(r["session"].as_u64(), Some(3), "{r}");
    let after = d.sessions();
    assert_eq!(after[..2], list[..], "{after:?}");
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(after[2].1, r["start_lba"].as_u64().unwrap(), "{after:?}");
    d.check_logical("POW session after a sequential one", true);
    let ls = ok(args!["ls", "--drive", &d.disc, "--session", "2", "/"]);
    assert!(ls.contains("/s2") && !ls.contains("/s3"), "{ls}");
    d.check_session_1(&first);
    // Rollback to the sequential session: LBA 0 shows its tree.
    ok(args!["rollback", "--drive", &d.disc, "--to-session", "2"]);
    d.check_logical_tree(
        "rollback to the sequential session",
        &scan_dir(&want2).unwrap(),
        false,
    );
}

/// Issue 11 item 5 on BD-R Pseudo-Overwrite: rollback to session 2 of three, first cut
/// by a power loss during the head's rewrite (nothing changes for readers), then run
/// again: the rollback record pseudo-overwrites the cut one (its Volume Space Size
/// covering the replacement clusters at the NWA) and the head is one more
/// replacement: xorriso and the kernel read session 2's tree at LBA 0 of the logical
/// image, `sessions` lists all four (the record repeating session 2), session 3 reads
/// by number, and the next burn builds on session 2 after the record.
/// With the resources used up the rollback is refused before anything is written,
/// naming them.
#[test]
fn pow_rollback_keeps_later_sessions_and_checks_the_resources() {
    discburn_testkit::oracle::require("xorriso");
    let d = Pow::new();
    let mut starts = Vec::new();
    let want2 = d.root.join("want2");
    for n in 1..=3u32 {
        let r = d.burn(n, &d.source(n, 8));
        starts.push(r["start_lba"].as_u64().unwrap());
        if n == 2 {
            copy_dir(&d.merged, &want2);
        }
    }
    let r0 = resources(&d.disc);
    // A power cut during the head's rewrite (the record's 32 blocks, then 8 of the
    // head's cluster; the drive keeps the map unchanged): LBA 0 still shows session 3
    // and every session is listed as before.
    common::power_cut_after(&d.disc, 40);
    let o = discburn(args!["rollback", "--drive", &d.disc, "--to-session", "2"]);
    assert!(!o.status.success(), "the power cut fired");
    ok(args!["disc", "inject", &d.disc, "--clear"]);
    let three: Vec<(u64, u64)> = (1..=3).zip(starts.iter().copied()).collect();
    assert_eq!(d.sessions(), three);
    // Running it again records the record over the cut one (a replacement) and the
    // head: one more replacement than without the cut.
    let r = json(args![
        "rollback",
        "--drive",
        &d.disc,
        "--to-session",
        "2",
        "--json"
    ]);
    assert_eq!(r["record"]["session"], 4, "{r}");
    let record = r["record"]["start_lba"].as_u64().unwrap();
    assert!(record > starts[2], "{r}");
    let r1 = resources(&d.disc);
    assert_eq!(
        [r0[0] - r1[0], r0[1] - r1[1], r0[2] - r1[2]],
        [2, 2, 2],
        "{r0:?} -> {r1:?}"
    );
    let mut want_list: Vec<(u64, u64)> = (1..=3).zip(starts.iter().copied()).collect();
    want_list.push((4, record));
    assert_eq!(d.sessions(), want_list);
    let v = json(args!["sessions", "--drive", &d.disc, "--json"]);
    assert_eq!(v["sessions"][3]["repeats_session"], 2, "{v}");
    d.check_logical_tree(
        "POW rollback to session 2",
        &scan_dir(&want2).unwrap(),
        true,
    );
    let x = d.root.join("x3");
    ok(args![
        "extract",
        "--drive",
        &d.disc,
        "--session",
        "3",
        "/s3/small.txt",
        &x
    ]);
    assert_eq!(fs::read(x.join("small.txt")).unwrap(), b"session 3\n");

    // The next burn builds on session 2, after the record and the replacements.
    let end = r["end"].as_u64().unwrap();
    let src5 = d.source(5, 4);
    let graft = format!("{}=/s5", src5.display());
    let r = json(args!["burn", "--drive", &d.disc, "--json", &graft]);
    assert_eq!(r["session"], 5, "{r}");
    assert_eq!(r["start_lba"].as_u64(), Some(end), "{r}");
    copy_dir(&src5, &want2.join("s5"));
    d.check_logical_tree(
        "POW burn after a rollback",
        &scan_dir(&want2).unwrap(),
        false,
    );

    // Resources used up: refused, naming them; nothing written.
    let dir = TempDir::new().unwrap();
    let disc = dir.path().join("pow.bdr");
    let mut opts = discburn::emu::DiscOptions::new(discburn::emu::MediaType::BdR);
    opts.pow_resources = Some([2, 2, 2]);
    discburn::emu::create_disc_with(&disc, &opts).unwrap();
    ok(args!["burn", "--drive", &disc, &graft]);
    ok(args!["burn", "--drive", &disc, &graft]);
    let state = format!("{}.state.json", disc.display());
    let before = fs::read(&state).unwrap();
    let o = discburn(args!["rollback", "--drive", &disc, "--to-session", "1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("0 replacements, 0 map entries, 0 updates left"),
        "{err}"
    );
    assert_eq!(fs::read(&state).unwrap(), before, "nothing written");
}

#[test]
fn pow_refused_when_the_resources_are_used_up() {
    let dir = TempDir::new().unwrap();
    let disc = dir.path().join("pow.bdr");
    let mut opts = discburn::emu::DiscOptions::new(discburn::emu::MediaType::BdR);
    opts.pow_resources = Some([1, 1, 1]);
    discburn::emu::create_disc_with(&disc, &opts).unwrap();
    let src = dir.path().join("a.txt");
    fs::write(&src, "a").unwrap();
    let graft = format!("{}=/a.txt", src.display());
    ok(args!["burn", "--drive", &disc, &graft]);
    let before = fs::read(format!("{}.state.json", disc.display())).unwrap();
    let o = discburn(args!["burn", "--drive", &disc, &graft]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("0 replacements") && err.contains("MsftMultisessionSequential"),
        "{err}"
    );
    let after = fs::read(format!("{}.state.json", disc.display())).unwrap();
    assert_eq!(before, after, "nothing written");
}

#[test]
fn pow_format_a_blank_bd_r_and_refuse_anything_else() {
    let dir = TempDir::new().unwrap();
    let p = |n: &str| dir.path().join(n);
    ok(args!["disc", "create", &p("b.bdr"), "--media", "bd-r"]);
    let out = ok(args!["format", "--drive", &p("b.bdr"), "--pow"]);
    assert!(out.contains("pseudo-overwrite"), "{out}");
    let before = resources(&p("b.bdr"));
    assert!(before.iter().all(|&r| r > 0), "{before:?}");
    let x = p("x.txt");
    fs::write(&x, "x").unwrap();
    let graft = format!("{}=/x.txt", x.display());
    let r = json(args!["burn", "--drive", &p("b.bdr"), "--json", &graft]);
    assert_eq!(r["mechanism"], "MsftMultisessionPseudoOverwrite", "{r}");
    // Refused: formatted already, BD-RE, a BD-R holding a session.
    ok(args!["disc", "create", &p("e.bdre"), "--media", "bd-re"]);
    ok(args!["disc", "create", &p("c.bdr"), "--media", "bd-r"]);
    ok(args!["burn", "--drive", &p("c.bdr"), &graft]);
    for (disc, says) in [
        ("b.bdr", "already formatted for pseudo-overwrite"),
        ("e.bdre", "only a blank BD-R"),
        ("c.bdr", "only a blank, unformatted BD-R"),
    ] {
        let o = discburn(args!["format", "--drive", &p(disc), "--pow"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{disc}: {err}");
        assert!(err.contains(says), "{disc}: {err}");
    }
}
