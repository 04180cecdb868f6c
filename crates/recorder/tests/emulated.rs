//! DiscRecorder over discburn-emu: emulated discs and stdio targets opened by path.

use discburn_emu::{MediaType, create_disc};
use discburn_mmc::reply::{DiscStatus, SessionState};
use discburn_mmc::{FeatureCode, Profile, TrackAddress};
use discburn_recorder::{BackendKind, DiscRecorder, PhysicalMediaType, RecorderError};

#[test]
fn r03_r05_r06_exclusive_access_from_two_handles() {
    let t = tempfile::tempdir().unwrap();
    let disc = t.path().join("disc.img");
    create_disc(&disc, MediaType::DvdPlusR, None).unwrap();
    let mut a = DiscRecorder::open(&disc).unwrap();
    let mut b = DiscRecorder::open(&disc).unwrap();
    assert_eq!(a.backend_kind(), BackendKind::Emulated);
    a.acquire_exclusive_access(false, "Alice").unwrap();
    a.acquire_exclusive_access(false, "Alice").unwrap();
    // opening succeeds while locked.
    let mut c = DiscRecorder::open(&disc).unwrap();
    let e = b.acquire_exclusive_access(false, "Bob").unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0210);
    match &e {
        RecorderError::Locked { owner, .. } => assert_eq!(owner, "Alice"),
        other => panic!("{other}"),
    }
    assert_eq!(c.exclusive_access_owner(), "Alice");
    a.release_exclusive_access().unwrap();
    assert!(
        b.acquire_exclusive_access(false, "Bob").is_err(),
        "count still 1"
    );
    a.release_exclusive_access().unwrap();
    assert_eq!(c.exclusive_access_owner(), "");
    b.acquire_exclusive_access(false, "Bob").unwrap();
    assert_eq!(a.exclusive_access_owner(), "Bob");
    drop(b); // dropping the holder releases the lock
    a.acquire_exclusive_access(false, "Alice").unwrap();
}

#[test]
fn identity_and_media_of_emulated_dvd_plus_r() {
    let t = tempfile::tempdir().unwrap();
    let disc = t.path().join("plusr.img");
    create_disc(&disc, MediaType::DvdPlusR, None).unwrap();
    let mut r = DiscRecorder::open(&disc).unwrap();
    assert_eq!(r.active_disc_recorder(), disc.display().to_string());
    assert!(!r.vendor_id().unwrap().is_empty());
    assert!(!r.product_id().unwrap().is_empty());
    assert_eq!(r.current_profile().unwrap(), Profile::DvdPlusR);
    assert_eq!(
        r.current_physical_media_type().unwrap(),
        PhysicalMediaType::DvdPlusR
    );
    //
    let sp = r.supported_profiles().unwrap();
    let cp = r.current_profiles().unwrap();
    assert_eq!(cp, vec![Profile::DvdPlusR]);
    assert!(cp.iter().all(|p| sp.contains(p)));
    let sf = r.supported_feature_pages().unwrap();
    let cf = r.current_feature_pages().unwrap();
    assert!(cf.iter().all(|f| sf.contains(f)));
    assert!(cf.contains(&FeatureCode::DVD_PLUS_R));
    assert!(r.media_present().unwrap());
    let di = r.disc_information().unwrap();
    assert_eq!(di.disc_status, DiscStatus::Empty);
    assert_eq!(di.state_of_last_session, SessionState::Empty);
    let ti = r.track_information(TrackAddress::INVISIBLE).unwrap();
    assert_eq!(ti.next_writable_address, Some(0));
    // raw
    let raw = r.get_disc_information().unwrap();
    assert_eq!(raw[2] & 3, 0);
    let f = r.get_feature_page(FeatureCode::PROFILE_LIST, true).unwrap();
    assert_eq!(&f[..2], &[0, 0]);
    assert!(r.volume_path_names().is_empty());
}

#[test]
fn stdio_target_is_a_removable_disk() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("not-yet.iso");
    let mut r = DiscRecorder::open(&path).unwrap();
    assert_eq!(r.backend_kind(), BackendKind::Stdio);
    assert_eq!(r.current_profile().unwrap(), Profile::RemovableDisk);
    assert_eq!(
        r.current_physical_media_type().unwrap(),
        PhysicalMediaType::Disk
    );
    r.acquire_exclusive_access(false, "Writer").unwrap();
    let mut other = DiscRecorder::open(&path).unwrap();
    let e = other.acquire_exclusive_access(false, "Other").unwrap_err();
    assert_eq!(e.imapi_name(), "E_IMAPI_RECORDER_LOCKED");
    assert_eq!(other.exclusive_access_owner(), "Writer");
    r.release_exclusive_access().unwrap();
    other.acquire_exclusive_access(false, "Other").unwrap();
}

#[test]
fn data_writer_reaches_the_drive() {
    let t = tempfile::tempdir().unwrap();
    let disc = t.path().join("cdr.img");
    create_disc(&disc, MediaType::CdR, None).unwrap();
    let mut r = DiscRecorder::open(&disc).unwrap();
    let d = r.drive();
    let nwa = d
        .track_information(TrackAddress::INVISIBLE)
        .unwrap()
        .next_writable_address
        .unwrap();
    assert_eq!(nwa, 0);
    d.write10(nwa, &vec![0x5Au8; 2048 * 300]).unwrap();
    d.synchronize_cache(true).unwrap();
    let ti = d.track_information(TrackAddress::Track(1)).unwrap();
    assert_eq!(ti.track_start_address, 0);
}

#[test]
fn x05_read_dvd_structure_not_present_on_emulated_disc() {
    // The emulator answers READ DISC STRUCTURE with 5/24/00 (no structures modelled):
    // that is E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT, with the format truncated to
    // its low 8 bits.
    let t = tempfile::tempdir().unwrap();
    let disc = t.path().join("plusr.img");
    create_disc(&disc, MediaType::DvdPlusR, None).unwrap();
    let mut r = DiscRecorder::open(&disc).unwrap();
    let e = r.read_dvd_structure(0x1FE, 0, 0, 0).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA020E, "{e}");
    assert_eq!(e.imapi_name(), "E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT");
    match e {
        RecorderError::DvdStructureNotPresent { format, .. } => assert_eq!(format, 0xFE),
        other => panic!("{other}"),
    }
}

#[test]
fn a_file_named_sr0_outside_dev_is_a_stdio_target() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("sr0");
    assert!(!discburn_recorder::is_real_drive_path(&path));
    assert!(discburn_recorder::is_real_drive_path(std::path::Path::new(
        "/dev/sr0"
    )));
    let r = DiscRecorder::open(&path).unwrap();
    assert_eq!(r.backend_kind(), BackendKind::Stdio);
    // A missing /dev/srN is reported as a missing device, not created as a file.
    let e = DiscRecorder::open("/dev/sr97").unwrap_err();
    assert_eq!(e.hresult(), 0x80070037, "{e}");
}
