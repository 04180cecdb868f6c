//! Shared helpers of the CLI tests: running the `discburn` binary with a fixed
//! SOURCE_DATE_EPOCH and reading block ranges of a disc or image file.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;
use std::process::{Command, Output};

use discburn_testkit::tree::Md5Digest;

/// Fixed SOURCE_DATE_EPOCH of these tests (2023-11-14T22:13:20Z).
pub const EPOCH: &str = "1700000000";

/// A `&[&OsStr]` of the given arguments (strings, paths, `OsString`s).
#[allow(unused_macros)]
macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$(std::ffi::OsStr::new($a)),*] };
}

/// Runs the `discburn` binary with `args` and SOURCE_DATE_EPOCH=[`EPOCH`].
pub fn discburn(args: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_discburn"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .expect("run discburn")
}

/// Runs discburn, asserts success, returns stdout.
pub fn ok(args: &[&OsStr]) -> String {
    let o = discburn(args);
    assert!(
        o.status.success(),
        "discburn {args:?}: {}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// Arms the emulated disc `disc` to lose power after `sectors` more sectors are
/// written (`discburn disc inject --power-cut-after-sectors`).
pub fn power_cut_after(disc: &Path, sectors: u64) {
    let n = sectors.to_string();
    ok(args![
        "disc",
        "inject",
        disc,
        "--power-cut-after-sectors",
        &n
    ]);
}

/// MD5 of blocks `[start, start + blocks)` of `path`.
pub fn range_md5(path: &Path, start: u64, blocks: u64) -> Md5Digest {
    let mut f = fs::File::open(path).unwrap();
    f.seek(SeekFrom::Start(start * 2048)).unwrap();
    let mut buf = Vec::new();
    f.take(blocks * 2048).read_to_end(&mut buf).unwrap();
    Md5Digest::of(&buf)
}
