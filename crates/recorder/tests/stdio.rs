//! Stdio targets: a plain file (existing or not yet) as random-writable media, profile
//! 0002h, like xorriso's `stdio:` drives.

use discburn_mmc::cdb::TrackAddress;
use discburn_mmc::reply::DiscStatus;
use discburn_mmc::{Drive, FeatureCode, MmcError, NoSleep};
use discburn_recorder::{RecorderError, StdioDrive};

fn expect_sense<T: std::fmt::Debug>(r: Result<T, MmcError>, want: (u8, u8, u8)) {
    match r {
        Ok(v) => panic!("expected sense {want:X?}, command succeeded: {v:?}"),
        Err(MmcError::Sense { sense, .. }) => {
            assert_eq!((sense.key as u8, sense.asc, sense.ascq), want)
        }
        Err(e) => panic!("expected a CHECK CONDITION, got {e}"),
    }
}

/// `n` sectors whose bytes encode (seed, LBA, offset), so misplaced data is detected.
fn pattern(lba: u32, n: u32, seed: u8) -> Vec<u8> {
    let mut v = vec![0u8; n as usize * 2048];
    for (i, sector) in v.chunks_mut(2048).enumerate() {
        let l = lba + i as u32;
        sector[0] = seed;
        sector[1..5].copy_from_slice(&l.to_be_bytes());
        for (j, b) in sector.iter_mut().enumerate().skip(5) {
            *b = (j as u32)
                .wrapping_mul(31)
                .wrapping_add(l)
                .wrapping_add(seed as u32) as u8;
        }
    }
    v
}

fn stdio(path: &std::path::Path, max: Option<u32>) -> Drive<StdioDrive> {
    Drive::with_sleeper(StdioDrive::open(path, max).unwrap(), Box::new(NoSleep))
}

#[test]
fn missing_path_is_a_blank_growable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.iso");
    let mut d = stdio(&path, None);
    assert_eq!(d.current_profile().unwrap().number(), 0x0002);
    assert!(d.feature(FeatureCode(0x0020)).unwrap().unwrap().current);
    let di = d.disc_information().unwrap();
    assert_eq!(di.disc_status, DiscStatus::Empty);
    assert!(!path.exists(), "nothing is created before the first WRITE");
    // Capacity = free space of the file system.
    let vfs = rustix::fs::statvfs(dir.path()).unwrap();
    let free = vfs.f_bavail * vfs.f_frsize / 2048;
    let cap = u64::from(d.read_capacity().unwrap().last_lba) + 1;
    assert!(
        cap <= free + 1 && cap + 4096 >= free,
        "capacity {cap} vs free {free}"
    );
    d.write10(16, &pattern(16, 16, 1)).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 32 * 2048);
    assert_eq!(
        d.disc_information().unwrap().disc_status,
        DiscStatus::Complete
    );
    assert_eq!(
        read(
            &mut Drive::with_sleeper(StdioDrive::open(&path, None).unwrap(), Box::new(NoSleep)),
            0,
            1
        ),
        vec![0u8; 2048]
    );
}

fn read<T: discburn_mmc::Transport>(d: &mut Drive<T>, lba: u32, n: u32) -> Vec<u8> {
    let mut buf = vec![0u8; n as usize * 2048];
    d.read10(lba, &mut buf).unwrap();
    buf
}

#[test]
fn regular_file_with_maximum_writes_anywhere_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img.iso");
    std::fs::write(&path, pattern(0, 10, 3)).unwrap();
    let mut d = stdio(&path, Some(1000));
    assert_eq!(d.read_capacity().unwrap().last_lba, 999);
    let di = d.disc_information().unwrap();
    assert_eq!(
        (di.disc_status, di.number_of_sessions),
        (DiscStatus::Complete, 1)
    );
    let t = d.track_information(TrackAddress::Track(1)).unwrap();
    assert_eq!(
        (t.track_start_address, t.track_size, t.next_writable_address),
        (0, 1000, None)
    );
    assert_eq!(read(&mut d, 0, 10), pattern(0, 10, 3));
    // Beyond the end of the file: zeros; beyond the capacity: 5/21/00.
    assert_eq!(read(&mut d, 500, 2), vec![0u8; 4096]);
    expect_sense(d.write10(999, &pattern(999, 2, 1)), (5, 0x21, 0x00));
    d.write10(990, &pattern(990, 10, 4)).unwrap();
    d.write10(5, &pattern(5, 3, 5)).unwrap();
    d.synchronize_cache(false).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 1000 * 2048);
    assert_eq!(&bytes[5 * 2048..8 * 2048], &pattern(5, 3, 5)[..]);
    assert_eq!(&bytes[990 * 2048..], &pattern(990, 10, 4)[..]);
    let si = d.read_session_info().unwrap();
    assert_eq!(
        (
            si.first_track_in_last_session,
            si.start_address_of_first_track_in_last_session
        ),
        (1, 0)
    );
    let rfc = d.read_format_capacities().unwrap();
    assert_eq!(rfc.current_number_of_blocks, 1000);
    expect_sense(d.reserve_track(16), (5, 0x2C, 0));
}

#[test]
fn stdio_lock_and_non_file_targets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img.iso");
    let mut a = StdioDrive::open(&path, None).unwrap();
    let mut b = StdioDrive::open(&path, None).unwrap();
    a.lock_exclusive("xorriso-like").unwrap();
    match b.lock_exclusive("other") {
        Err(RecorderError::Locked { owner, .. }) => assert_eq!(owner, "xorriso-like"),
        other => panic!("{other:?}"),
    }
    a.unlock().unwrap();
    b.lock_exclusive("other").unwrap();
    let e = StdioDrive::open(dir.path(), None).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("not a regular file or block device"),
        "{e}"
    );
    assert_eq!(e.imapi_name(), "E_FAIL");
}

/// Without the `emu` and `sgio` Cargo features an emulated disc and a real drive are
/// refused with E_NOTIMPL naming the feature, and image files still open.
#[cfg(not(any(feature = "emu", feature = "sgio")))]
#[test]
fn backends_left_out_of_the_build_are_refused_by_name() {
    use discburn_recorder::{BackendKind, DiscRecorder};
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("disc.bdr");
    std::fs::write(&disc, b"").unwrap();
    std::fs::write(dir.path().join("disc.bdr.state.json"), b"{}").unwrap();
    for (path, kind, feature) in [
        (disc.as_path(), BackendKind::Emulated, "emu"),
        (std::path::Path::new("/dev/sr0"), BackendKind::Sgio, "sgio"),
    ] {
        let e = DiscRecorder::open(path).unwrap_err();
        assert_eq!(e.imapi_name(), "E_NOTIMPL");
        assert_eq!(e.hresult(), 0x8000_4001);
        assert!(
            e.to_string()
                .contains(&format!("`{feature}` Cargo feature")),
            "{e}"
        );
        match e {
            RecorderError::BackendNotBuilt { backend, .. } => assert_eq!(backend, kind),
            other => panic!("{other}"),
        }
    }
    let image = dir.path().join("image.iso");
    let r = DiscRecorder::open(&image).unwrap();
    assert_eq!(r.backend_kind(), BackendKind::Stdio);
    assert_eq!(discburn_recorder::DiscMaster::new().count(), 0);
}
