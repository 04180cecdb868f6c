//! `AppendSession`, the library's append operation (IMAPI2 multisession flow): the
//! mechanism is chosen and marked by the image unless the caller marked one (I-03,
//! I-04), blank write-once media get no import (I-07), overwritable media place the
//! session after the head, the report says what was done, and refused appends leave
//! every byte of the medium as it was.

use std::fs;
use std::ops::ControlFlow;
use std::path::Path;

use discburn::emu::{MediaType, create_disc};
use discburn::image::Timestamp;
use discburn::{AppendOptions, AppendSession, Disc, Error};

fn open(path: &Path) -> AppendSession {
    let mut s = AppendSession::open(path).unwrap();
    s.image_mut().set_timestamp(Timestamp {
        unix_seconds: 1_700_000_000,
        utc_offset_minutes: 0,
    });
    s
}

fn write(s: AppendSession) -> discburn::AppendReport {
    s.write(&AppendOptions::new(), |_| ControlFlow::Continue(()))
        .unwrap()
}

#[test]
fn i07_blank_bd_r_gets_no_import_and_the_image_marks_the_sequential_mechanism() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("d.bdr");
    create_disc(&disc, MediaType::BdR, None).unwrap();
    let mut s = open(&disc);
    assert!(s.is_blank());
    assert!(
        s.mechanism_in_use().is_none(),
        "MS-12: none in use at first"
    );
    assert_eq!(s.import_last_session().unwrap(), None, "nothing to import");
    let m = s.mechanism_in_use().expect("marked in use");
    assert_eq!(m.class_name(), "MsftMultisessionSequential");
    s.add_bytes("/a.txt", b"a\n".to_vec()).unwrap();
    let r = write(s);
    assert_eq!((r.session, r.start_lba), (1, 0));
    assert_eq!((r.files_added, r.files_kept, r.files_hidden), (1, 0, 0));
    assert_eq!(r.mechanism, "MsftMultisessionSequential");
    assert!(!r.closed);

    // I-04: session 2 imports session 1; the image chooses and marks the mechanism.
    let mut s = open(&disc);
    assert!(!s.is_blank());
    s.add_bytes("/b.txt", b"b\n".to_vec()).unwrap();
    s.remove("/a.txt").unwrap();
    assert!(s.mechanism_in_use().is_some());
    let r = write(s);
    assert_eq!(r.session, 2);
    assert!(r.start_lba > 0);
    assert_eq!((r.files_added, r.files_kept, r.files_hidden), (1, 0, 1));
    let sessions = Disc::open(&disc).unwrap().sessions().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[1].start, u64::from(r.start_lba));
}

#[test]
fn i03_the_callers_choice_is_used_on_bd_re_and_the_session_follows_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("d.bdre");
    create_disc(&disc, MediaType::BdRe, None).unwrap();
    for n in 1..=2u32 {
        let mut s = open(&disc);
        let offered = s.multisession_interfaces().to_vec();
        assert_eq!(offered.len(), 1);
        assert!(offered[0].as_random_write().is_some(), "MS-05");
        offered[0].set_in_use(true);
        s.add_bytes(&format!("/f{n}.txt"), vec![b'x'; 10]).unwrap();
        assert!(
            std::sync::Arc::ptr_eq(s.mechanism_in_use().unwrap(), &offered[0]),
            "the caller's object is the one used"
        );
        let r = write(s);
        assert_eq!(r.session, n);
        assert_eq!(r.mechanism, "MsftMultisessionRandomWrite");
        if n == 1 {
            assert_eq!(r.start_lba, 32, "after the 64 KiB head");
        }
    }
    let (_, tree) = Disc::open(&disc).unwrap().open_tree(None).unwrap();
    assert!(tree.find("/f1.txt").is_some() && tree.find("/f2.txt").is_some());
}

#[test]
fn refused_appends_leave_the_medium_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("i.iso");
    let mut s = open(&img);
    s.add_bytes("/a.txt", b"a\n".to_vec()).unwrap();
    write(s);
    let before = fs::read(&img).unwrap();

    // Nothing to write.
    let s = open(&img);
    let e = s
        .write(&AppendOptions::new(), |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(matches!(e, Error::NothingToWrite), "{e}");
    // --close on an image file: refused, not ignored.
    let mut s = open(&img);
    s.add_bytes("/b.txt", b"b\n".to_vec()).unwrap();
    let e = s
        .write(&AppendOptions::new().close(true), |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA_0402, "{e}");
    assert!(e.to_string().contains("cannot be closed"), "{e}");
    // Too big for the medium.
    let disc = dir.path().join("small.cdr");
    create_disc(&disc, MediaType::CdR, Some(2000)).unwrap();
    let mut s = open(&disc);
    s.add_bytes("/big", vec![0u8; 8 << 20]).unwrap();
    let e = s
        .write(&AppendOptions::new(), |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(matches!(e, Error::ImageTooBig { .. }), "{e}");
    assert_eq!(e.imapi_name(), "IMAPI_E_IMAGE_TOO_BIG");
    assert!(Disc::open(&disc).unwrap().sessions().unwrap().is_empty());

    assert_eq!(
        fs::read(&img).unwrap(),
        before,
        "the image file is unchanged"
    );
}

#[test]
fn a_closed_disc_is_refused_with_its_imapi_name_and_advice() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("d.dvdr");
    create_disc(&disc, MediaType::DvdPlusR, None).unwrap();
    let mut s = open(&disc);
    s.add_bytes("/a.txt", b"a\n".to_vec()).unwrap();
    let r = s
        .write(&AppendOptions::new().close(true), |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
    assert!(r.closed);
    assert_eq!(r.free_sectors, 0);
    let e = AppendSession::open(&disc).unwrap_err();
    assert!(matches!(e, Error::Finalized { .. }), "{e}");
    assert_eq!(e.imapi_name(), "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE");
    assert_eq!(e.advice(), "Use a new disc.");
}
