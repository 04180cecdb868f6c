//! Failures of `discburn burn` (issue 6): media too small, power cut mid-write, cancel
//! mid-write (library API: IDiscFormat2Data CancelWrite from the Update handler; and
//! Ctrl-C, SIGINT to the CLI), a
//! source file that cannot be read in full mid-burn. Each says what happened on one line
//! with exit status 1, and leaves the earlier sessions intact (their blocks unchanged,
//! still listed and readable). Also: `discburn extract` never writes outside DEST
//! whatever names a hostile image holds.

#[macro_use]
mod common;

use common::{discburn, ok, range_md5};

use std::fs;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use discburn::image::{FileSystemImage, FileSystems};
use discburn::recorder::DiscRecorder;
use discburn::writer::DiscFormat2Data;
use discburn_testkit::tree::Md5Digest;
use tempfile::TempDir;

/// Runs discburn expecting exit status 1 and one line on stderr; returns it.
fn fails(args: &[&std::ffi::OsStr]) -> String {
    let o = discburn(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "discburn {args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

struct Work {
    dir: TempDir,
    disc: PathBuf,
    src: PathBuf,
}

impl Work {
    /// An emulated disc with session 1 (two small files) burned by the CLI.
    fn with_session_1(media: &str, capacity: Option<&str>) -> Work {
        let dir = tempfile::tempdir().unwrap();
        let disc = dir.path().join("disc");
        let mut a: Vec<&std::ffi::OsStr> = args!["disc", "create", "--media", media].to_vec();
        if let Some(c) = capacity {
            a.extend_from_slice(args!["--capacity", c]);
        }
        a.push(disc.as_os_str());
        ok(&a);
        let src = dir.path().join("s1");
        fs::create_dir(&src).unwrap();
        fs::write(src.join("one.txt"), b"session one\n").unwrap();
        fs::write(src.join("two.txt"), vec![7u8; 10_000]).unwrap();
        ok(args!["burn", "--drive", &disc, &src]);
        Work { dir, disc, src }
    }

    /// (start, blocks, digest) of session 1 (ECMA-119 Volume Space Size at LBA 16).
    fn session_1(&self) -> (u64, u64, Md5Digest) {
        let mut f = fs::File::open(&self.disc).unwrap();
        f.seek(SeekFrom::Start(16 * 2048 + 80)).unwrap();
        let mut b = [0u8; 4];
        f.read_exact(&mut b).unwrap();
        let n = u64::from(u32::from_le_bytes(b));
        (0, n, range_md5(&self.disc, 0, n))
    }

    /// Session 1 is unchanged and still reads back.
    fn assert_session_1_intact(&self, before: &(u64, u64, Md5Digest)) {
        let (s, n, d) = before;
        assert_eq!(
            range_md5(&self.disc, *s, *n),
            *d,
            "session 1 blocks changed"
        );
        let out = self.dir.path().join("check");
        let _ = fs::remove_dir_all(&out);
        ok(args![
            "extract",
            "--drive",
            &self.disc,
            "--session",
            "1",
            &out
        ]);
        assert_eq!(
            fs::read(out.join("one.txt")).unwrap(),
            fs::read(self.src.join("one.txt")).unwrap()
        );
        assert_eq!(
            fs::read(out.join("two.txt")).unwrap(),
            fs::read(self.src.join("two.txt")).unwrap()
        );
    }

    fn big_dir(&self, bytes: usize) -> PathBuf {
        let d = self.dir.path().join("big");
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("big.bin"), vec![0x5Au8; bytes]).unwrap();
        d
    }
}

#[test]
fn w09_media_too_small_refused_before_writing() {
    let w = Work::with_session_1("bd-r", Some("3008"));
    let s1 = w.session_1();
    let big = w.big_dir(8 << 20);
    let err = fails(args!["burn", "--drive", &w.disc, &big]);
    assert!(
        err.contains("IMAPI_E_IMAGE_TOO_BIG (0xC0AAB121)") && err.contains("free"),
        "{err}"
    );
    w.assert_session_1_intact(&s1);
    // The disc is still appendable: a small session goes on.
    let small = w.dir.path().join("small");
    fs::create_dir(&small).unwrap();
    fs::write(small.join("three.txt"), b"3\n").unwrap();
    ok(args!["burn", "--drive", &w.disc, &small]);
    w.assert_session_1_intact(&s1);
}

#[test]
fn power_cut_mid_write_leaves_session_1_intact() {
    let w = Work::with_session_1("bd-r", None);
    let s1 = w.session_1();
    common::power_cut_after(&w.disc, 100);
    let big = w.big_dir(2 << 20);
    let err = fails(args!["burn", "--drive", &w.disc, &big]);
    assert!(err.contains("power lost"), "{err}");
    w.assert_session_1_intact(&s1);
    // The interrupted session is named when the next burn is refused.
    let err = fails(args!["burn", "--drive", &w.disc, &big]);
    assert!(
        err.contains("E_IMAPI_DF2DATA_INVALID_MEDIA_STATE") && err.contains("incomplete"),
        "{err}"
    );
    w.assert_session_1_intact(&s1);
}

#[test]
fn cancel_mid_write_leaves_session_1_intact() {
    let w = Work::with_session_1("dvd+r", None);
    let s1 = w.session_1();
    // The burn flow through the library, cancelled from the first Update event.
    let df = DiscFormat2Data::with_recorder(DiscRecorder::open(&w.disc).unwrap()).unwrap();
    df.set_client_name("discburn").unwrap();
    df.set_disable_consumer_dvd_compatibility_mode(true)
        .unwrap();
    let mut im = FileSystemImage::new();
    im.set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    );
    im.set_multisession_interfaces(df.multisession_interfaces().unwrap())
        .unwrap();
    im.import_file_system(&mut *df.media_source().unwrap())
        .unwrap();
    im.add_bytes("/big.bin", vec![1u8; 4 << 20]).unwrap();
    let mut r = im.create_result_image().unwrap();
    let mut events = 0;
    let e = df
        .write_with_progress(&mut r, |_| {
            events += 1;
            ControlFlow::Break(())
        })
        .unwrap_err();
    assert_eq!(e.imapi_name(), "E_IMAPI_REQUEST_CANCELLED", "{e}");
    assert!(events >= 1);
    drop(df);
    w.assert_session_1_intact(&s1);
}

/// Ctrl-C during `discburn burn`: SIGINT reaches the CLI's handler, which cancels the
/// write (IDiscFormat2Data::CancelWrite); the CLI says so on one line, exits 1, and
/// session 1 is intact. The session being written is a 20 GB sparse file, so the burn
/// is still running when the signal comes: it is sent once the emulated disc has
/// grown past session 1 (the write has started).
#[test]
fn ctrl_c_during_burn_cancels_and_leaves_session_1_intact() {
    let w = Work::with_session_1("bd-r", None);
    let s1 = w.session_1();
    let big = w.dir.path().join("huge");
    fs::create_dir(&big).unwrap();
    fs::File::create(big.join("sparse.bin"))
        .unwrap()
        .set_len(20 << 30)
        .unwrap();
    let grown_past = fs::metadata(&w.disc).unwrap().len() + (64 << 20);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_discburn"))
        .args(["burn", "--drive"])
        .arg(&w.disc)
        .arg(&big)
        .env("SOURCE_DATE_EPOCH", common::EPOCH)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while fs::metadata(&w.disc).unwrap().len() < grown_past {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the burn ended before it was interrupted"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the burn did not start writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("E_IMAPI_REQUEST_CANCELLED (0xC0AA0002)"),
        "{err}"
    );
    assert!(err.contains("earlier sessions are intact"), "{err}");
    w.assert_session_1_intact(&s1);
}

#[test]
fn source_file_unreadable_mid_burn_fails_and_leaves_session_1_intact() {
    // A /sys attribute claims 4096 bytes and reads far fewer: the stream cannot be
    // produced in full once the writer reaches it.
    let sys = Path::new("/sys/kernel/mm/transparent_hugepage/enabled");
    assert!(sys.is_file(), "{} is needed for this test", sys.display());
    let w = Work::with_session_1("bd-r", None);
    let s1 = w.session_1();
    let big = w.big_dir(1 << 20);
    let graft = format!("{}=/zz/short.txt", sys.display());
    let err = fails(args!["burn", "--drive", &w.disc, &big, &graft]);
    assert!(
        err.contains("E_FAIL") || err.contains("short.txt") || err.contains("enabled"),
        "{err}"
    );
    w.assert_session_1_intact(&s1);
}

#[test]
fn usage_errors_exit_2_and_a_missing_drive_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("disc");
    ok(args!["disc", "create", "--media", "bd-r", &disc]);
    // Nothing to burn, an unknown option, a bad --fs value.
    for a in [
        &args!["burn", "--drive", &disc][..],
        args!["burn", "--drive", &disc, "--bogus", "x"],
        args!["burn", "--drive", &disc, "--fs", "udf9", "x"],
    ] {
        let o = discburn(a);
        assert_eq!(o.status.code(), Some(2), "{a:?}");
    }
    let missing = dir.path().join("missing");
    let o = discburn(args!["burn", "--drive", &disc, &missing]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("missing"), "{err}");
    // Nothing was written.
    let o = discburn(args!["sessions", "--drive", &disc]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "no sessions");
}
