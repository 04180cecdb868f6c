//! End-to-end tests of `discburn burn` / `sessions` / `ls` / `extract` / `msinfo`
//! (issue 6): three sessions appended to emulated CD-R, DVD+R, BD-R, BD-RE and a plain
//! image file from generated trees (symlinks, deep paths, Unicode names; session 3 hides
//! a file with `--rm` and replaces another). After each session every independent reader
//! (xorriso `-load sbsector`, isoinfo `-T`, and at LBA 0 — the random-write head — also
//! iso-info, bsdtar, 7zz and pycdlib) and discburn's own `ls` / `extract` must show the
//! merged tree with byte-identical contents; the earlier sessions' blocks are unchanged
//! (MS-xx: imapi2.md §16.1 flow, §5.1.1 DVD+R kept appendable); `--close` makes a fourth
//! burn fail with E_IMAPI_DF2DATA_INVALID_MEDIA_STATE without touching the disc.

#[macro_use]
mod common;

use common::{discburn, ok, range_md5};

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;

use discburn_testkit::check::{Expect, check_image};
use discburn_testkit::compare::{Names, RrQuirks, View, assert_readings};
use discburn_testkit::generate::{self, TreeWriter};
use discburn_testkit::oracle::{Image, Reading};
use discburn_testkit::tree::{Md5Digest, Node, Tree, scan_dir};
use serde_json::Value;
use tempfile::TempDir;

fn json(args: &[&std::ffi::OsStr]) -> Value {
    serde_json::from_str(&ok(args)).expect("JSON output")
}

/// Volume Space Size of the PVD of the session at `start` (ECMA-119 8.4.8).
fn volume_space_size(path: &Path, start: u64) -> u64 {
    let mut f = fs::File::open(path).unwrap();
    f.seek(SeekFrom::Start((start + 16) * 2048 + 80)).unwrap();
    let mut b = [0u8; 4];
    f.read_exact(&mut b).unwrap();
    u64::from(u32::from_le_bytes(b))
}

/// Blocks of the session at `start`: its Volume Space Size, which counts from LBA 0 on
/// sequential media (see `discburn burn`) and from the session start on random-write
/// media (xorriso's session chain).
fn session_blocks(d: &Disc, start: u64) -> u64 {
    let v = volume_space_size(&d.path, start);
    if d.random { v } else { v - start }
}

/// The emulated disc's state: its length, the MD5 of every block up to 64 past the last
/// session, and its state file.
fn disc_digest(path: &Path) -> (u64, Md5Digest, Vec<u8>) {
    let end = sessions(path).last().map_or(0, |(_, s, n)| s + n);
    let mut state = path.as_os_str().to_owned();
    state.push(".state.json");
    (
        fs::metadata(path).unwrap().len(),
        range_md5(path, 0, end + 64),
        fs::read(&state).unwrap_or_default(),
    )
}

/// The sessions `discburn sessions --json` reports: (number, start, blocks).
fn sessions(drive: &Path) -> Vec<(u64, u64, u64)> {
    let v = json(args!["sessions", "--drive", drive, "--json"]);
    v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["session"].as_u64().unwrap(),
                s["start_lba"].as_u64().unwrap(),
                s["blocks"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn expect() -> Expect {
    Expect {
        // 64 units including the ";1" version, as IMAPI2 writes Joliet identifiers.
        joliet_versioned: true,
        ..Expect::iso_joliet_rr(3)
    }
}

struct Disc {
    dir: TempDir,
    path: PathBuf,
    /// Random-write media (BD-RE, image file): sessions from LBA 32, head at 0–31.
    random: bool,
}

impl Disc {
    fn emulated(media: &str) -> Disc {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{media}.disc"));
        ok(args!["disc", "create", "--media", media, &path]);
        Disc {
            dir,
            path,
            random: media == "bd-re",
        }
    }

    fn plain_file() -> Disc {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.iso");
        fs::File::create(&path).unwrap();
        Disc {
            dir,
            path,
            random: true,
        }
    }

    fn sub(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::create_dir_all(&p).unwrap();
        p
    }
}

/// Every check after a session: oracles, `discburn ls` and `extract`, msinfo, and the
/// blocks of the earlier sessions.
fn check_session(
    d: &Disc,
    what: &str,
    report: &Value,
    number: u64,
    expected: &Tree,
    earlier: &[(u64, u64, Md5Digest)],
) {
    assert_eq!(report["session"].as_u64(), Some(number), "{what}: {report}");
    let start = report["start_lba"].as_u64().unwrap();
    let list = sessions(&d.path);
    assert_eq!(list.len() as u64, number, "{what}: sessions {list:?}");
    assert_eq!(list.last().unwrap().1, start, "{what}: sessions {list:?}");

    // Independent readers at the session (and at LBA 0 for the random-write head).
    let scratch = d.sub("scratch");
    check_image(
        what,
        Image {
            path: &d.path,
            sbsector: start,
        },
        expected,
        &expect(),
        &scratch,
    );
    if !d.random && start != 0 {
        pycdlib_at_session(what, &d.path, start, expected);
    }
    if d.random && start != 0 {
        check_image(
            &format!("{what} (head at LBA 0)"),
            Image::plain(&d.path),
            expected,
            &expect(),
            &scratch,
        );
    }

    // discburn ls: the same paths.
    let ls = json(args!["ls", "--drive", &d.path, "--json"]);
    let listed: BTreeSet<String> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .filter(|p| p != "/")
        .collect();
    let want: BTreeSet<String> = expected.entries.keys().cloned().collect();
    assert_eq!(listed, want, "{what}: discburn ls");

    // discburn extract: byte-identical contents, symlinks as recorded.
    let out = scratch.join("extract");
    ok(args!["extract", "--drive", &d.path, &out]);
    let tree = scan_dir(&out).unwrap();
    fs::remove_dir_all(&out).unwrap();
    assert_readings(
        what,
        expected,
        &[(
            Reading {
                label: "discburn extract".into(),
                tree,
            },
            View::ROCK_RIDGE,
        )],
    );

    // msinfo: START of the last session (0 on random-write media, the head) and NWA;
    // a closed disc has none.
    if report["closed"].as_bool() == Some(true) {
        let o = discburn(args!["msinfo", "--drive", &d.path]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && err.contains("E_IMAPI_DF2DATA_INVALID_MEDIA_STATE"),
            "{what}: msinfo on a closed disc: {err}"
        );
    } else {
        check_msinfo(d, what, start, &list);
    }

    // Earlier sessions untouched.
    for &(s, n, digest) in earlier {
        assert_eq!(
            range_md5(&d.path, s, n),
            digest,
            "{what}: blocks {s}..{} of an earlier session changed",
            s + n
        );
    }
}

const PYCDLIB_WALK: &str = include_str!("../../testkit/src/pycdlib_walk.py");

/// pycdlib reads only the volume descriptors at LBA 16: a file object that shows the
/// session's descriptors there (every other block at its absolute place) lets it read
/// a session at any start.
const PYCDLIB_SHIFT: &str = r#"
import io, os
class _Shifted(io.RawIOBase):
    def __init__(self, path, start):
        self.f = open(path, "rb")
        self.pos = 0
        self.size = os.path.getsize(path)
        self.delta = start * 2048
        n = 0
        while True:
            self.f.seek((start + 16 + n) * 2048)
            t = self.f.read(1)
            n += 1
            if not t or t[0] == 255 or n > 64:
                break
        self.lo, self.hi = 16 * 2048, (16 + n) * 2048
    def readable(self): return True
    def seekable(self): return True
    def seek(self, off, whence=0):
        self.pos = off if whence == 0 else self.pos + off if whence == 1 else self.size + off
        return self.pos
    def tell(self): return self.pos
    def readinto(self, b):
        want = len(b)
        out = bytearray()
        while len(out) < want:
            p = self.pos
            if self.lo <= p < self.hi:
                src, lim = p + self.delta, self.hi - p
            elif p < self.lo:
                src, lim = p, self.lo - p
            else:
                src, lim = p, want
            k = min(want - len(out), lim)
            self.f.seek(src)
            d = self.f.read(k)
            if not d:
                break
            out += d
            self.pos += len(d)
        b[:len(out)] = out
        return len(out)
iso.open_fp(io.BufferedReader(_Shifted(image, int(os.environ["SBSECTOR"]))))
"#;

/// pycdlib's three facades on the session at `start`.
fn pycdlib_at_session(what: &str, path: &Path, start: u64, expected: &Tree) {
    let script = PYCDLIB_WALK.replace("iso.open(image)\n", PYCDLIB_SHIFT);
    assert_ne!(
        script, PYCDLIB_WALK,
        "pycdlib_walk.py changed: update the shim"
    );
    let mut readings = Vec::new();
    for (facade, view) in [
        (
            "rr",
            View::rock_ridge(RrQuirks {
                root_target_empty: true,
                ..RrQuirks::NONE
            }),
        ),
        (
            "joliet",
            View {
                names: Names::Joliet {
                    max_units: 64,
                    latin1: false,
                    omits_paths_over: None,
                    keeps_fitting_names: true,
                    drops_trailing_dot: false,
                    truncates: false,
                    versioned: true,
                },
                symlinks: false,
                names_unchecked: false,
                shows_relocation: false,
            },
        ),
        ("iso", View::iso9660(3, true)),
    ] {
        let o = Command::new("python3")
            .args([
                "-c".as_ref(),
                script.as_ref(),
                path.as_os_str(),
                facade.as_ref(),
                "1".as_ref(),
            ])
            .env("SBSECTOR", start.to_string())
            .output()
            .expect("python3");
        assert!(
            o.status.success(),
            "{what}: pycdlib {facade} at {start}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let mut tree = Tree::new();
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let p = v["path"].as_str().unwrap();
            let node = match v["kind"].as_str().unwrap() {
                "dir" => Node::Dir,
                "symlink" => Node::Symlink {
                    target: v["target"].as_str().unwrap().to_string(),
                },
                _ => Node::File {
                    size: v["size"].as_u64().unwrap(),
                    md5: v["md5"].as_str().and_then(Md5Digest::from_hex),
                },
            };
            tree.insert(p, node);
        }
        readings.push((
            Reading {
                label: format!("pycdlib {facade} (sbsector {start})"),
                tree,
            },
            view,
        ));
    }
    assert_readings(what, expected, &readings);
}

/// The Linux kernel (isofs in a VM, shared/tools/kernel-read) mounts the session with
/// `sbsector=START` and sees the merged tree (Rock Ridge names, modes, symlinks, file
/// contents). Linux shows at most 253 bytes of a Rock Ridge name: paths with a longer
/// component are only checked by the other readers.
fn kernel_reads(what: &str, path: &Path, start: u64, expected: &Tree) {
    let reading = discburn_testkit::oracle::kernel_list(Image {
        path,
        sbsector: start,
    });
    let view = View::rock_ridge(RrQuirks {
        truncates_after: Some(253),
        ..RrQuirks::NONE
    });
    assert_readings(what, expected, &[(reading, view)]);
}

fn check_msinfo(d: &Disc, what: &str, start: u64, list: &[(u64, u64, u64)]) {
    let msinfo = ok(args!["msinfo", "--drive", &d.path]);
    let (ms_start, ms_nwa) = msinfo.trim().split_once(',').unwrap();
    let ms_start: u64 = ms_start.parse().unwrap();
    let ms_nwa: u64 = ms_nwa.parse().unwrap();
    if d.random {
        let (_, s, n) = list.last().unwrap();
        assert_eq!(ms_start, 0, "{what}: msinfo {msinfo}");
        assert_eq!(
            ms_nwa,
            (s + n).next_multiple_of(32),
            "{what}: msinfo {msinfo}"
        );
    } else {
        assert_eq!(ms_start, start, "{what}: msinfo {msinfo}");
        assert!(ms_nwa > start, "{what}: msinfo {msinfo}");
    }
}

fn three_sessions(d: &Disc) {
    let name = d.path.file_name().unwrap().to_string_lossy().into_owned();
    let drive = d.path.as_os_str();
    let mut earlier: Vec<(u64, u64, Md5Digest)> = Vec::new();

    // Session 1: symlinks of every kind at the root.
    let s1 = d.sub("s1");
    let mut expected = generate::symlinks(&s1);
    let r = json(args!["burn", "--drive", drive, "--json", &s1]);
    let non_dirs = expected
        .entries
        .values()
        .filter(|n| !matches!(n, Node::Dir))
        .count();
    assert_eq!(r["files_added"].as_u64(), Some(non_dirs as u64), "{r}");
    check_session(d, &format!("{name} session 1"), &r, 1, &expected, &earlier);
    for (_, s, _) in sessions(&d.path) {
        let n = session_blocks(d, s);
        earlier.push((s, n, range_md5(&d.path, s, n)));
    }

    // Session 2: short non-ASCII names and an empty directory at /more.
    let s2 = d.sub("s2");
    let mut w = TreeWriter::new(&s2, 2);
    w.file("café.txt", 3000);
    w.file("naïve dir/テスト.dat", 5000);
    w.file("Ünïcödé/ß.txt", 10);
    w.dir("empty");
    w.file("big.bin", 300_000);
    expected.graft("/more", &w.finish());
    let graft = format!("{}=/more", s2.display());
    let r = json(args!["burn", "--drive", drive, "--json", &graft]);
    assert_eq!(r["files_hidden"].as_u64(), Some(0));
    check_session(d, &format!("{name} session 2"), &r, 2, &expected, &earlier);
    earlier.clear();
    for (_, s, _) in sessions(&d.path) {
        let n = session_blocks(d, s);
        earlier.push((s, n, range_md5(&d.path, s, n)));
    }

    // Session 3: a deep tree (Rock Ridge relocation) at /deep, 255-byte and non-BMP
    // names at /uni, /sub/inner.txt hidden, /target.txt replaced; sequential media are
    // closed. (These come last because libarchive reads in LBA order: it lists files of
    // a relocated directory under rr_moved, and refuses a file record's SUSP CE area
    // that lies after the file's data, when the data is older than the directory, as
    // an imported file's is. xorriso's multisession images show the same.)
    let s3 = d.sub("s3");
    expected.graft("/deep", &generate::deep_tree(&s3));
    let s3u = d.sub("s3u");
    expected.graft("/uni", &generate::long_and_unicode_names(&s3u, true));
    let uni_long = format!("{}=/uni", s3u.display());
    let repl_dir = d.sub("repl");
    let mut w = TreeWriter::new(&repl_dir, 3);
    w.file_with("target.txt", b"replaced in session 3\n");
    let repl = w.finish();
    expected.entries.remove("/sub/inner.txt");
    expected
        .entries
        .insert("/target.txt".into(), repl.entries["/target.txt"].clone());
    let uni = format!("{}=/deep", s3.display());
    let target = format!("{}=/target.txt", repl_dir.join("target.txt").display());
    let mut a: Vec<&std::ffi::OsStr> = args![
        "burn",
        "--drive",
        drive,
        "--json",
        "--rm",
        "/sub/inner.txt",
        &uni,
        &uni_long,
        &target
    ]
    .to_vec();
    if !d.random {
        a.push("--close".as_ref());
    }
    let r = json(&a);
    assert_eq!(r["files_hidden"].as_u64(), Some(1), "{r}");
    check_session(d, &format!("{name} session 3"), &r, 3, &expected, &earlier);

    // Random-write media: the kernel mounts the head at LBA 0 (as it does a disc or a
    // file); sequential media: the last session, as CDROMMULTISESSION would give it.
    let mount_at = if d.random {
        0
    } else {
        r["start_lba"].as_u64().unwrap()
    };
    kernel_reads(&name, &d.path, mount_at, &expected);

    if d.random {
        // xorriso's emulated TOC of the file lists the three sessions.
        let o = Command::new("xorriso")
            .args([std::ffi::OsStr::new("-indev"), drive, "-toc".as_ref()])
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        let n = text
            .lines()
            .filter(|l| l.starts_with("ISO session"))
            .count();
        assert_eq!(n, 3, "xorriso -toc:\n{text}");
    } else {
        assert_eq!(r["closed"].as_bool(), Some(true), "{r}");
        // A fourth burn is refused and the disc is unchanged.
        let before = disc_digest(&d.path);
        let o = discburn(args!["burn", "--drive", drive, &repl_dir]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("E_IMAPI_DF2DATA_INVALID_MEDIA_STATE (0xC0AA0402)")
                && err.lines().count() == 1,
            "{err}"
        );
        let after = disc_digest(&d.path);
        assert_eq!(before, after, "the closed disc changed");
    }
}

#[test]
fn ms_three_sessions_on_cd_r_then_closed() {
    three_sessions(&Disc::emulated("cd-r"));
}

#[test]
fn ms_three_sessions_on_dvd_plus_r_stay_appendable_then_closed() {
    three_sessions(&Disc::emulated("dvd+r"));
}

#[test]
fn ms_three_sessions_on_bd_r_then_closed() {
    three_sessions(&Disc::emulated("bd-r"));
}

#[test]
fn ms_three_sessions_on_bd_re_random_write() {
    three_sessions(&Disc::emulated("bd-re"));
}

#[test]
fn ms_three_sessions_on_a_plain_image_file() {
    three_sessions(&Disc::plain_file());
}
