//! The fault-injection matrix of issue 11 (item 8): for every media class (CD-R, DVD+R,
//! DVD-R, BD-R, BD-RE, DVD+RW, image file) a power cut while session 2 is burned
//!
//! * after 1 sector, mid-session, 3 sectors before the end of the write,
//! * at SYNCHRONIZE CACHE (35h), at the first and at the second CLOSE TRACK/SESSION (5Bh),
//!
//! then, after each: session 1 reads back byte-identical (its blocks unchanged, its files
//! extracted by discburn and by xorriso equal to the sources); `discburn repair` exits 0;
//! a third burn succeeds; its session, read by discburn and by xorriso (`-load sbsector`),
//! holds the new file and session 1's files, and session 1's blocks are still unchanged.
//!
//! Emulated discs take the cut from the emulator (`discburn disc inject`). Image files
//! have no emulator: the cut is reproduced exactly by applying the first k sectors of the
//! uninterrupted write (the session's blocks in order, then the 32-block head) to a copy
//! of the image, which is what a stdio target holds when power fails after k sectors;
//! an image file has no SYNCHRONIZE CACHE or CLOSE point of its own, so those cuts are
//! the complete write with nothing after it.
//!
//! A cut that the write never reaches (the second CLOSE on CD, which closes with one
//! command; CLOSE on BD-RE) leaves the burn complete; the trial still checks the rest.

#[macro_use]
mod common;

use common::{discburn, ok, range_md5};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use discburn_testkit::tree::Md5Digest;

#[derive(Debug, Clone, Copy)]
enum Cut {
    AfterOneSector,
    MidSession,
    ThreeBeforeEnd,
    AtSync,
    FirstClose,
    SecondClose,
}

const CUTS: [Cut; 6] = [
    Cut::AfterOneSector,
    Cut::MidSession,
    Cut::ThreeBeforeEnd,
    Cut::AtSync,
    Cut::FirstClose,
    Cut::SecondClose,
];

fn tree(dir: &Path, name: &str, files: &[(&str, usize, u8)]) -> PathBuf {
    let d = dir.join(name);
    fs::create_dir_all(&d).unwrap();
    for (f, n, seed) in files {
        let bytes: Vec<u8> = (0..*n)
            .map(|i| {
                (i as u32)
                    .wrapping_mul(2_654_435_761)
                    .rotate_left(u32::from(*seed)) as u8
            })
            .collect();
        fs::write(d.join(f), bytes).unwrap();
    }
    d
}

/// "session N at LBA X: B blocks written; ..." → (X, B).
fn parse_burn(out: &str) -> (u64, u64) {
    let at = out.split(" at LBA ").nth(1).expect(out);
    let lba: u64 = at.split(':').next().unwrap().trim().parse().expect(out);
    let blocks: u64 = at
        .split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .expect(out);
    (lba, blocks)
}

/// Files of `dir` (flat) as (name, md5).
fn files(dir: &Path) -> Vec<(String, Md5Digest)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                Md5Digest::of(&fs::read(e.path()).unwrap()),
            )
        })
        .collect();
    v.sort();
    v
}

/// xorriso extracts the session at `sbsector` of `image` into `out`.
fn xorriso_extract(image: &Path, sbsector: u64, out: &Path) {
    let _ = fs::remove_dir_all(out);
    let o = Command::new("xorriso")
        .arg("-indev")
        .arg(image)
        .args(["-load", "sbsector", &sbsector.to_string()])
        .args(["-osirrox", "on", "-extract", "/"])
        .arg(out)
        .output()
        .expect("run xorriso");
    assert!(
        o.status.success(),
        "xorriso -load sbsector {sbsector}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn discburn_extract(disc: &Path, session: &str, out: &Path) {
    let _ = fs::remove_dir_all(out);
    let mut a: Vec<&std::ffi::OsStr> = args!["extract", "--drive", disc].to_vec();
    if session != "last" {
        a.extend_from_slice(args!["--session", session]);
    }
    a.push(out.as_os_str());
    ok(&a);
}

struct Media {
    name: &'static str,
    /// Create the target (blank).
    emulated: bool,
    random: bool,
    unit: u64,
    cd: bool,
}

const MEDIA: [Media; 7] = [
    Media {
        name: "cd-r",
        emulated: true,
        random: false,
        unit: 1,
        cd: true,
    },
    Media {
        name: "dvd+r",
        emulated: true,
        random: false,
        unit: 16,
        cd: false,
    },
    Media {
        name: "dvd-r",
        emulated: true,
        random: false,
        unit: 16,
        cd: false,
    },
    Media {
        name: "bd-r",
        emulated: true,
        random: false,
        unit: 32,
        cd: false,
    },
    Media {
        name: "bd-re",
        emulated: true,
        random: true,
        unit: 32,
        cd: false,
    },
    Media {
        name: "dvd+rw",
        emulated: true,
        random: true,
        unit: 16,
        cd: false,
    },
    Media {
        name: "image",
        emulated: false,
        random: true,
        unit: 1,
        cd: false,
    },
];

fn copy_disc(from: &Path, to: &Path) {
    fs::copy(from, to).unwrap();
    for suffix in [".state.json", ".wal"] {
        let f = PathBuf::from(format!("{}{suffix}", from.display()));
        if f.exists() {
            fs::copy(&f, format!("{}{suffix}", to.display())).unwrap();
        }
    }
}

/// Outcome of one trial: (session 1 intact, disc usable again).
fn trial(m: &Media, cut: Cut, work: &Path) -> (bool, bool) {
    let dir = work.join(format!("{}-{cut:?}", m.name));
    fs::create_dir_all(&dir).unwrap();
    let s1 = tree(&dir, "s1", &[("one.txt", 12, 1), ("two.bin", 70_000, 2)]);
    let s2 = tree(&dir, "s2", &[("big.bin", 900_000, 3), ("small.txt", 5, 4)]);
    let s3 = tree(&dir, "s3", &[("three.txt", 333, 5)]);
    let disc = dir.join("disc");
    if m.emulated {
        let mut a: Vec<&std::ffi::OsStr> = args!["disc", "create", "--media", m.name].to_vec();
        // Small media keep the whole-media scans of random-write media short.
        match m.name {
            "cd-r" => a.extend_from_slice(args!["--capacity", "60000"]),
            "bd-re" | "dvd+rw" => a.extend_from_slice(args!["--capacity", "65536"]),
            _ => {}
        }
        a.push(disc.as_os_str());
        ok(&a);
    }
    let (s1_start, s1_blocks) = parse_burn(&ok(args!["burn", "--drive", &disc, &s1]));
    let s1_md5 = range_md5(&disc, s1_start, s1_blocks);
    let s1_files = files(&s1);

    // The write of session 2 without a fault, on a copy: its sectors.
    let reference = dir.join("reference");
    copy_disc(&disc, &reference);
    let (s2_start, s2_blocks) = parse_burn(&ok(args!["burn", "--drive", &reference, &s2]));
    let payload = s2_blocks + if m.cd { 150 } else { 0 };
    let written = payload.div_ceil(m.unit) * m.unit + if m.random { 32 } else { 0 };
    let after = match cut {
        Cut::AfterOneSector => Some(1),
        Cut::MidSession => Some(written / 2),
        Cut::ThreeBeforeEnd => Some(written - 3),
        _ => None,
    };

    let fired;
    if m.emulated {
        let mut a: Vec<&std::ffi::OsStr> = args!["disc", "inject", &disc].to_vec();
        let n;
        match (after, cut) {
            (Some(k), _) => {
                n = k.to_string();
                a.extend_from_slice(args!["--power-cut-after-sectors", &n]);
            }
            (None, Cut::AtSync) => a.extend_from_slice(args!["--power-cut-at", "35"]),
            (None, Cut::FirstClose) => a.extend_from_slice(args!["--power-cut-at", "5B@1"]),
            (None, _) => a.extend_from_slice(args!["--power-cut-at", "5B@2"]),
        }
        ok(&a);
        let o = discburn(args!["burn", "--drive", &disc, &s2]);
        fired = !o.status.success();
        ok(args!["disc", "inject", &disc, "--clear"]);
    } else {
        fired = after.is_some();
        // Apply the first k sectors of the write: session blocks in order, then the head.
        let k = after.unwrap_or(written);
        let full = fs::read(&reference).unwrap();
        let mut img = fs::read(&disc).unwrap();
        let order = (s2_start..s2_start + s2_blocks).chain(0..32);
        for lba in order.take(k as usize) {
            let o = lba as usize * 2048;
            if img.len() < o + 2048 {
                img.resize(o + 2048, 0);
            }
            img[o..o + 2048].copy_from_slice(&full[o..o + 2048]);
        }
        fs::write(&disc, img).unwrap();
    }

    // Session 1 after the cut: blocks, discburn, xorriso.
    let out = dir.join("out");
    let mut intact = range_md5(&disc, s1_start, s1_blocks) == s1_md5;
    discburn_extract(&disc, "1", &out);
    intact &= files(&out) == s1_files;
    xorriso_extract(&disc, s1_start, &out);
    intact &= files(&out) == s1_files;

    // Repair, then the next session.
    let repaired = discburn(args!["repair", "--drive", &disc]);
    let mut usable = repaired.status.success();
    assert!(
        usable,
        "{} {cut:?}: repair: {}",
        m.name,
        String::from_utf8_lossy(&repaired.stderr)
    );
    let o = discburn(args!["burn", "--drive", &disc, &s3]);
    usable &= o.status.success();
    assert!(
        usable,
        "{} {cut:?}: burn after repair ({}): {}",
        m.name,
        String::from_utf8_lossy(&repaired.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let (s3_start, _) = parse_burn(&String::from_utf8_lossy(&o.stdout));
    let mut expect = s1_files.clone();
    expect.extend(files(&s3));
    // A session 2 that was completely recorded and kept by repair adds its files too.
    discburn_extract(&disc, "last", &out);
    let got = files(&out);
    let s2_files = files(&s2);
    let mut with_s2 = expect.clone();
    with_s2.extend(s2_files);
    with_s2.sort();
    expect.sort();
    let kept = String::from_utf8_lossy(&repaired.stdout).contains("kept as the newest session");
    usable &= if kept {
        got == with_s2
    } else {
        got == expect || got == with_s2
    };
    xorriso_extract(&disc, s3_start, &out);
    let got_x = files(&out);
    usable &= got_x == got;
    intact &= range_md5(&disc, s1_start, s1_blocks) == s1_md5;
    let _ = fs::remove_dir_all(&dir);
    eprintln!(
        "{:7} {:15} cut fired: {fired:5}  session 1 intact: {intact:5}  usable: {usable:5}  repair: {}",
        m.name,
        format!("{cut:?}"),
        String::from_utf8_lossy(&repaired.stdout).trim()
    );
    if matches!(
        cut,
        Cut::AfterOneSector | Cut::MidSession | Cut::ThreeBeforeEnd
    ) || (m.emulated && matches!(cut, Cut::AtSync))
    {
        assert!(
            fired,
            "{} {cut:?}: the power cut did not interrupt the burn",
            m.name
        );
    }
    (intact, usable)
}

fn matrix(m: &Media) {
    let work = tempfile::tempdir().unwrap();
    let mut failed = Vec::new();
    for cut in CUTS {
        let (intact, usable) = trial(m, cut, work.path());
        if !(intact && usable) {
            failed.push(format!("{cut:?}: intact {intact}, usable {usable}"));
        }
    }
    assert!(failed.is_empty(), "{}: {failed:?}", m.name);
}

#[test]
fn issue11_fault_matrix_cd_r() {
    matrix(&MEDIA[0]);
}

#[test]
fn issue11_fault_matrix_dvd_plus_r() {
    matrix(&MEDIA[1]);
}

#[test]
fn issue11_fault_matrix_dvd_minus_r() {
    matrix(&MEDIA[2]);
}

#[test]
fn issue11_fault_matrix_bd_r() {
    matrix(&MEDIA[3]);
}

#[test]
fn issue11_fault_matrix_bd_re() {
    matrix(&MEDIA[4]);
}

#[test]
fn issue11_fault_matrix_dvd_plus_rw() {
    matrix(&MEDIA[5]);
}

#[test]
fn issue11_fault_matrix_image_file() {
    matrix(&MEDIA[6]);
}

/// Repair on media whose sessions are all complete writes nothing: every byte of the
/// disc image is unchanged and it says so (exit 0). On a foreign image file it refuses
/// (exit 1) and changes nothing.
#[test]
fn issue11_repair_never_touches_complete_sessions() {
    let work = tempfile::tempdir().unwrap();
    let s1 = tree(work.path(), "s1", &[("one.txt", 12, 1)]);
    let s2 = tree(work.path(), "s2", &[("two.txt", 3000, 2)]);
    for m in ["bd-r", "cd-r", "dvd+r", "bd-re", "image"] {
        let disc = work.path().join(format!("disc-{m}"));
        if m != "image" {
            ok(args!["disc", "create", "--media", m, &disc]);
        }
        ok(args!["burn", "--drive", &disc, &s1]);
        ok(args!["burn", "--drive", &disc, &s2]);
        let before = Md5Digest::of(&fs::read(&disc).unwrap());
        let out = ok(args!["repair", "--drive", &disc]);
        assert!(out.contains("nothing to repair"), "{m}: {out}");
        assert_eq!(Md5Digest::of(&fs::read(&disc).unwrap()), before, "{m}");
    }
    let foreign = work.path().join("foreign.bin");
    fs::write(&foreign, vec![0xA5u8; 100_000]).unwrap();
    let o = discburn(args!["repair", "--drive", &foreign]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("E_IMAPI_DF2DATA_MEDIA_NOT_BLANK"), "{err}");
    assert_eq!(fs::read(&foreign).unwrap(), vec![0xA5u8; 100_000]);
}

/// A power cut during the first session of sequential media: repair closes it and,
/// with no complete session to repeat, appends an empty ISO 9660 volume; the next burn
/// records its files, which discburn lists and xorriso extracts at that session.
#[test]
fn issue11_interrupted_first_session_is_repaired() {
    let work = tempfile::tempdir().unwrap();
    let s1 = tree(work.path(), "s1", &[("big.bin", 900_000, 7)]);
    let s2 = tree(work.path(), "s2", &[("after.txt", 77, 8)]);
    for m in ["bd-r", "cd-r", "dvd+r", "dvd-r"] {
        let disc = work.path().join(format!("first-{m}"));
        let cap = if m == "cd-r" { "60000" } else { "65536" };
        ok(args![
            "disc",
            "create",
            "--media",
            m,
            "--capacity",
            cap,
            &disc
        ]);
        common::power_cut_after(&disc, 200);
        assert!(
            !discburn(args!["burn", "--drive", &disc, &s1])
                .status
                .success()
        );
        let out = ok(args!["repair", "--drive", &disc]);
        assert!(out.contains("holds an empty file system"), "{m}: {out}");
        let (start, _) = parse_burn(&ok(args!["burn", "--drive", &disc, &s2]));
        let out = work.path().join(format!("out-{m}"));
        discburn_extract(&disc, "last", &out);
        assert_eq!(files(&out), files(&s2), "{m}");
        xorriso_extract(&disc, start, &out);
        assert_eq!(files(&out), files(&s2), "{m}");
    }
}
