//! Same inputs, same bytes (issue "Appending a session is one library operation",
//! acceptance): images written by `mkimage` and discs written by three `burn`s under a
//! fixed SOURCE_DATE_EPOCH, from a tree with fixed contents, modes and times, hash to the
//! values recorded before the append moved from the CLI into the library (recorded with
//! the one change made first: item times clamped to SOURCE_DATE_EPOCH, without which a
//! tree made during the test has a status-change time of "now" and no run gives the same
//! bytes). A change of these values is a change of the bytes we write: it must be a
//! named bug fix or behaviour change. Changed since: "MD5 checksums recorded by default
//! (issue 11)", the libisofs checksum tags, array and AAIP attributes added, and
//! "directory reuse on by default (issue 15)", unchanged directories of appended sessions
//! and their Rock Ridge serial numbers kept. The same outputs with `--no-md5
//! --reuse-directories=never` still hash to the values recorded before.
//!
//! The hashes cover the whole image file, and for an emulated disc its sector image and
//! its drive state (`.state.json`).

#[macro_use]
mod common;

use common::{EPOCH, ok};

use std::fs;
use std::io::{Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use sha2::{Digest as _, Sha256};
use tempfile::TempDir;

/// Sets `path`'s modification and access times to SOURCE_DATE_EPOCH (links not followed
/// for symlinks: they are left alone, their times are not recorded differently).
fn fix_times(path: &Path) {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH.parse().unwrap());
    let times = fs::FileTimes::new().set_modified(t).set_accessed(t);
    fs::File::open(path).unwrap().set_times(times).unwrap();
}

/// A small tree whose every recorded attribute is fixed: directories 0755, files 0644,
/// times SOURCE_DATE_EPOCH. Content is made of the file's name so it needs no generator.
fn fixed_tree(root: &Path, tag: &str) {
    let files: &[(&str, usize)] = &[
        ("readme.txt", 120),
        ("docs/a.txt", 3000),
        ("docs/b.bin", 70_000),
        ("docs/deep/er/still.txt", 5),
        ("Mixed Case Name.TXT", 1),
        ("empty", 0),
        ("ünïcödé/名前.txt", 42),
    ];
    for (rel, size) in files {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let seed = format!("{tag}:{rel}\n");
        let content: Vec<u8> = seed.bytes().cycle().take(*size).collect();
        fs::File::create(&p).unwrap().write_all(&content).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                fix_times(&p);
            }
        }
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Directories last, children before parents, so writing files does not change them.
    let mut all = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            }
        }
        all.push(d);
    }
    for d in all.iter().rev() {
        fix_times(d);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_prefix(path: &Path, bytes: Option<u64>) -> String {
    let mut f = fs::File::open(path).unwrap();
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = bytes.unwrap_or(u64::MAX);
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = f.read(&mut buf[..want]).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        left -= n as u64;
    }
    hex(&h.finalize())
}

/// The hash of an emulated disc: its sector image (which ends at the last block written)
/// and its drive state.
fn disc_hash(path: &Path) -> String {
    let mut state = path.as_os_str().to_owned();
    state.push(".state.json");
    let state = fs::read(&state).unwrap();
    format!(
        "{}+{}",
        sha256_prefix(path, None),
        &hex(&Sha256::digest(&state))[..16]
    )
}

/// Three sessions: the tree, then another tree plus a removal, then one file and
/// `--close` on write-once media; `flags` (`--no-md5`, `--reuse-directories=VALUE`) on
/// every burn.
fn burn_three(drive: &Path, trees: &Path, flags: &[&str]) {
    let burn = |more: &[&std::ffi::OsStr]| {
        let mut a: Vec<&std::ffi::OsStr> = args!["burn", "--drive", drive].to_vec();
        a.extend(flags.iter().map(std::ffi::OsStr::new));
        a.extend_from_slice(more);
        ok(&a);
    };
    burn(&[trees.join("s1").as_os_str()]);
    let s2 = format!("{}=/more", trees.join("s2").display());
    burn(&["--rm".as_ref(), "/docs/a.txt".as_ref(), s2.as_ref()]);
    let s3 = format!("{}=/docs/a.txt", trees.join("s2/readme.txt").display());
    burn(&[s3.as_ref()]);
}

/// The hashes of every output, written with `flags` (mkimage takes the MD5 ones only).
fn outputs(flags: &[&str]) -> Vec<(&'static str, String)> {
    let tmp = TempDir::new().unwrap();
    let trees = tmp.path().join("trees");
    fixed_tree(&trees.join("s1"), "one");
    fixed_tree(&trees.join("s2"), "two");

    let mut got = Vec::new();
    let iso = tmp.path().join("mk.iso");
    let mut mk: Vec<&std::ffi::OsStr> = args!["mkimage", "-o", &iso].to_vec();
    mk.extend(
        flags
            .iter()
            .filter(|f| f.contains("md5"))
            .map(std::ffi::OsStr::new),
    );
    mk.push(trees.join("s1").into_os_string().leak());
    ok(&mk);
    got.push(("mkimage", sha256_prefix(&iso, None)));

    // A first session is the same with and without directory reuse.
    let first: Vec<Vec<u8>> = [None, Some("--reuse-directories=never")]
        .into_iter()
        .enumerate()
        .map(|(i, reuse)| {
            let p = tmp.path().join(format!("first{i}.iso"));
            let mut a: Vec<&std::ffi::OsStr> = args!["burn", "--drive", &p].to_vec();
            a.extend(
                flags
                    .iter()
                    .filter(|f| f.contains("md5"))
                    .map(std::ffi::OsStr::new),
            );
            a.extend(reuse.map(std::ffi::OsStr::new));
            a.push(trees.join("s1").into_os_string().leak());
            ok(&a);
            fs::read(&p).unwrap()
        })
        .collect();
    assert!(first[0] == first[1], "a first session depends on reuse");

    let img = tmp.path().join("plain.iso");
    burn_three(&img, &trees, flags);
    got.push(("image file", sha256_prefix(&img, None)));

    for media in ["cd-r", "dvd+r", "bd-r", "bd-re", "dvd+rw"] {
        let disc = tmp.path().join(format!("{media}.disc"));
        ok(args!["disc", "create", "--media", media, &disc]);
        burn_three(&disc, &trees, flags);
        got.push((media, disc_hash(&disc)));
    }
    got
}

fn check(got: &[(&str, String)], expected: &[(&str, &str)]) {
    let table: String = got
        .iter()
        .map(|(k, v)| format!("        ({k:?}, {v:?}),\n"))
        .collect();
    assert_eq!(got.len(), expected.len());
    for ((k, v), (ek, ev)) in got.iter().zip(expected) {
        assert_eq!(k, ek);
        assert_eq!(v, ev, "{k}: the bytes changed. All values now:\n{table}");
    }
}

/// Without checksums and directory reuse, the bytes recorded before either became a
/// default.
#[test]
fn same_inputs_without_md5_and_reuse_give_the_bytes_recorded_before_they_became_defaults() {
    let expected: &[(&str, &str)] = &[
        (
            "mkimage",
            "3a5bc4a26686e3dcc166f17e0d953041f210b4fc3e2da2cb50dc199ac4ce208d",
        ),
        (
            "image file",
            "b336d2cc490477518ee6b1711be8601a9e10d360dbd0e424f1bdd91e49facf44",
        ),
        (
            "cd-r",
            "d7ee17bfc9a2538dddd92f2faa7600f3d31fcf0c8671643a06a3471661f21c11+c9b5fe0ad9aad215",
        ),
        (
            "dvd+r",
            "cd26f1d22091c9eb22889e835d0d4b3417b016f8aa2e1e35a9a8118bfd801500+638a0f5f7a4037a9",
        ),
        (
            "bd-r",
            "39d2d9d41a325e959191e913b2a66e8102504bcf7f569cef46407a08b040477e+f4de82530cc9ed18",
        ),
        (
            "bd-re",
            "440e586bf8d35fdbc3fa6c600cdfc0ab791b3cbb2fafa1fbdab92fe30d3f13fc+1b269b56b5002d46",
        ),
        (
            "dvd+rw",
            "98e04265498e58c0cb9089c4c74bf50377b0d92ade08f1cb28bcd1f3e81bb6a1+c44db9bcc2fa27dc",
        ),
    ];
    check(
        &outputs(&["--no-md5", "--reuse-directories=never"]),
        expected,
    );
}

#[test]
fn same_inputs_give_the_bytes_recorded_before_the_library_append() {
    // The defaults: MD5 checksums recorded (issue 11) and unchanged directories of
    // appended sessions kept (issue 15).
    let expected: &[(&str, &str)] = &[
        (
            "mkimage",
            "735ebe155d8fb0c6bad9819c4b81203e1524e76dc4428b4bb6c13c93eda7115a",
        ),
        (
            "image file",
            "efbc6c6f04dcbf56791fd7c0140b07bef5cffe8a2169064769c5d6c7058e55ee",
        ),
        (
            "cd-r",
            "332b1b57bfc5071fafd5673626ed442bfc76cf09de7ef8eb30aa3a371b77229a+c9b5fe0ad9aad215",
        ),
        (
            "dvd+r",
            "48948413851585426663294a67912433701968c65b27b441f8dac2ff7e3cd483+638a0f5f7a4037a9",
        ),
        (
            "bd-r",
            "56c50c54e8992c95d698447f0d787d8642df53a707174b649a1ce4a974a17828+f4de82530cc9ed18",
        ),
        (
            "bd-re",
            "3236df4c374d525577995db4b55e43dd76941127a09d8c51eab74831a1d85311+1b269b56b5002d46",
        ),
        (
            "dvd+rw",
            "8d8e1c17101bacc981922a3c4c60cae4b723c0e24d833b7b2c81a3f57d1e9188+c44db9bcc2fa27dc",
        ),
    ];
    check(&outputs(&[]), expected);
}
