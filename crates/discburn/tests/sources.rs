//! Issue 11 item 3: every source is opened and checked before the medium is touched,
//! and a source that changes while it is recorded is reported by path while the
//! session on the medium stays complete and consistent.
//!
//! - A source removed, grown or modified after it was added is refused by
//!   `AppendSession::write` before anything is written: every byte of the disc (and its
//!   emulator state) or image file is unchanged.
//! - Sources changed while the session is recorded (a file being read is modified, files
//!   not yet read are modified, grown and truncated) give `Error::SourcesChanged`
//!   naming each; the session is complete: `sessions` lists it, xorriso extracts it
//!   with the bytes that were read (zeros where the truncated file had none), session 1
//!   is unchanged and the next session burns.

use std::fs;
use std::io::Write as _;
use std::ops::ControlFlow;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use discburn::emu::{MediaType, create_disc};
use discburn::image::{ImageError, Timestamp};
use discburn::{AppendOptions, AppendSession, Disc, Error};

fn open(path: &Path) -> AppendSession {
    let mut s = AppendSession::open(path).unwrap();
    s.image_mut().set_timestamp(Timestamp {
        unix_seconds: 1_700_000_000,
        utc_offset_minutes: 0,
    });
    s
}

/// The bytes of every file of the emulated disc's directory (disc, state, journal).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

/// Sets a file's modification time one hour later (the kernel's timestamps are coarse:
/// a rewrite within the same tick may keep the old time).
fn touch_later(p: &Path) {
    let f = fs::OpenOptions::new().write(true).open(p).unwrap();
    let t = f.metadata().unwrap().modified().unwrap() + Duration::from_secs(3600);
    f.set_modified(t).unwrap();
}

/// An emulated disc of `media` (`None`: an image file) holding session 1 (one small
/// file), in `dir/disc/`.
fn disc_with_session_1(dir: &Path, media: Option<MediaType>) -> std::path::PathBuf {
    fs::create_dir(dir.join("disc")).unwrap();
    let disc = dir.join("disc/d");
    if let Some(media) = media {
        create_disc(&disc, media, None).unwrap();
    }
    let mut s = open(&disc);
    s.add_bytes("/one.txt", b"session one\n".to_vec()).unwrap();
    s.write(&AppendOptions::new(), |_| ControlFlow::Continue(()))
        .unwrap();
    disc
}

#[test]
fn sources_missing_or_changed_after_adding_are_refused_before_the_medium_is_touched() {
    for media in [Some(MediaType::BdR), None] {
        let dir = tempfile::tempdir().unwrap();
        let disc = disc_with_session_1(dir.path(), media);
        let src = dir.path().join("src");
        fs::create_dir(&src).unwrap();
        fs::write(src.join("big.bin"), vec![1u8; 1 << 20]).unwrap();
        type Change = fn(&Path);
        let cases: [(&str, Change); 3] = [
            ("gone.txt", |p| fs::remove_file(p).unwrap()),
            ("grown.txt", |p| {
                fs::OpenOptions::new()
                    .append(true)
                    .open(p)
                    .unwrap()
                    .write_all(b"more")
                    .unwrap()
            }),
            ("touched.txt", |p| {
                fs::write(p, b"other").unwrap();
                touch_later(p);
            }),
        ];
        for (name, change) in cases {
            let f = src.join(name);
            fs::write(&f, b"first").unwrap();
            let before = snapshot(&dir.path().join("disc"));
            let mut s = open(&disc);
            s.add_graft(&src, Some("/new")).unwrap();
            change(&f);
            let err = s
                .write(&AppendOptions::new(), |_| ControlFlow::Continue(()))
                .unwrap_err();
            let Error::Image(inner) = &err else {
                panic!("{media:?} {name}: {err:?}")
            };
            match (name, inner) {
                ("gone.txt", ImageError::SourceRead { host_path, .. })
                | ("grown.txt", ImageError::SourceChangedSize { host_path, .. })
                | ("touched.txt", ImageError::SourceModified { host_path, .. }) => {
                    assert_eq!(host_path, &f, "{media:?}")
                }
                _ => panic!("{media:?} {name}: {inner:?}"),
            }
            assert!(err.advice().starts_with("Nothing was written"), "{err}");
            assert_eq!(
                snapshot(&dir.path().join("disc")),
                before,
                "{media:?} {name}: the disc changed"
            );
            let _ = fs::remove_file(&f);
        }
        assert_eq!(Disc::open(&disc).unwrap().sessions().unwrap().len(), 1);
    }
}

/// xorriso extracts the tree at `sbsector` of `disc` into `out`.
fn xorriso_extract(disc: &Path, sbsector: u64, out: &Path) {
    let o = Command::new("xorriso")
        .arg("-indev")
        .arg(disc)
        .args(["-load", "sbsector", &sbsector.to_string()])
        .args(["-osirrox", "on", "-extract", "/"])
        .arg(out)
        .output()
        .expect("run xorriso");
    assert!(
        o.status.success(),
        "xorriso: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn sources_changing_while_recorded_are_named_and_the_session_is_complete() {
    for media in [Some(MediaType::BdR), None] {
        let dir = tempfile::tempdir().unwrap();
        let disc = disc_with_session_1(dir.path(), media);
        let one = Disc::open(&disc).unwrap().sessions().unwrap()[0].clone();
        let src = dir.path().join("src");
        fs::create_dir(&src).unwrap();
        // a.bin is being read when the writer reports the first WRITE; the z files
        // come after it in the session.
        let big: Vec<u8> = (0..2u32 << 20).map(|i| (i % 251) as u8).collect();
        fs::write(src.join("a.bin"), &big).unwrap();
        fs::write(src.join("z1.txt"), b"first version").unwrap();
        fs::write(src.join("z2.txt"), b"short").unwrap();
        fs::write(src.join("z3.txt"), b"will be truncated").unwrap();
        fs::write(src.join("z4.txt"), b"unchanged").unwrap();
        let mut s = open(&disc);
        s.add_graft(&src, Some("/new")).unwrap();
        let mut changed = false;
        let err = s
            .write(&AppendOptions::new(), |_| {
                if !changed {
                    changed = true;
                    let a = fs::OpenOptions::new()
                        .write(true)
                        .open(src.join("a.bin"))
                        .unwrap();
                    std::os::unix::fs::FileExt::write_all_at(&a, b"XX", (2 << 20) - 2).unwrap();
                    a.set_modified(SystemTime::now() + Duration::from_secs(3600))
                        .unwrap();
                    fs::write(src.join("z1.txt"), b"other version").unwrap();
                    touch_later(&src.join("z1.txt"));
                    fs::write(src.join("z2.txt"), b"much longer now").unwrap();
                    fs::write(src.join("z3.txt"), b"").unwrap();
                }
                ControlFlow::Continue(())
            })
            .unwrap_err();
        let Error::SourcesChanged { report, changes } = &err else {
            panic!("{media:?}: {err:?}")
        };
        let named: Vec<_> = changes
            .iter()
            .map(|c| (c.image_path.clone(), c.host_path.clone()))
            .collect();
        let expected: Vec<_> = ["a.bin", "z1.txt", "z2.txt", "z3.txt"]
            .iter()
            .map(|n| (format!("/new/{n}"), src.join(n)))
            .collect();
        assert_eq!(named, expected, "{media:?}: {changes:?}");
        assert!(changes[0].reason.contains("modified"), "{changes:?}");
        assert!(changes[2].reason.contains("changed size"), "{changes:?}");
        let msg = err.to_string();
        assert!(msg.contains(&format!("session {} was recorded", report.session)));
        assert!(
            msg.contains(&src.join("z3.txt").display().to_string()),
            "{msg}"
        );
        assert_eq!(err.imapi_name(), "IMAPI_E_DATA_STREAM_INCONSISTENCY");
        assert_eq!(report.session, 2, "{media:?}");

        // The session is complete: listed, and read by xorriso with what was read.
        let sessions = Disc::open(&disc).unwrap().sessions().unwrap();
        assert_eq!(sessions.len(), 2, "{media:?}");
        assert_eq!(sessions[0], one, "{media:?}: session 1 unchanged");
        let out = dir.path().join("x");
        xorriso_extract(&disc, sessions[1].start, &out);
        let a = fs::read(out.join("new/a.bin")).unwrap();
        assert_eq!(a.len(), big.len());
        assert_eq!(a[..1 << 20], big[..1 << 20], "{media:?}");
        assert_eq!(fs::read(out.join("new/z1.txt")).unwrap(), b"other version");
        assert_eq!(fs::read(out.join("new/z2.txt")).unwrap(), b"much ");
        assert_eq!(fs::read(out.join("new/z3.txt")).unwrap(), vec![0u8; 17]);
        assert_eq!(fs::read(out.join("new/z4.txt")).unwrap(), b"unchanged");
        assert_eq!(fs::read(out.join("one.txt")).unwrap(), b"session one\n");

        // The disc takes the next session, which records the files as they are now.
        let mut s = open(&disc);
        s.add_graft(&src.join("z3.txt"), Some("/new/z3.txt"))
            .unwrap();
        let r = s
            .write(&AppendOptions::new(), |_| ControlFlow::Continue(()))
            .unwrap();
        assert_eq!(r.session, 3, "{media:?}");
        let _ = fs::remove_dir_all(&out);
        let start = Disc::open(&disc).unwrap().sessions().unwrap()[2].start;
        xorriso_extract(&disc, start, &out);
        assert_eq!(fs::read(out.join("new/z3.txt")).unwrap(), b"");
        assert_eq!(fs::read(out.join("new/z1.txt")).unwrap(), b"other version");
    }
}
