//! IFileSystemImage import side (imapi2.md §11.2, §11.3, §15.2, §19.9): disc identifier
//! (I-02, I-27, I-28), UDF revision (I-22), file systems after import (I-23), import
//! events (I-29), multisession interfaces on overwritable and closed media (I-08,
//! I-09), no media (I-10), identification through the import recorder (I-15). Every
//! test runs on emulated drives through the recorder and the data writer (the real
//! MMC command path).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{new_image, sha256_file};
use discburn_emu::{DiscOptions, MediaType, create_disc_with};
use discburn_image::{FileSystemImage, FileSystems, ImageError, ImportProgress};
use discburn_reader::{ReadOptions, View, Volume};
use discburn_recorder::DiscRecorder;
use discburn_writer::{DISC_IDENTIFIER_PREFIX, DiscFormat2Data, RecorderSectorSource, WriterError};

fn writer(path: &Path) -> DiscFormat2Data {
    let w = DiscFormat2Data::with_recorder(DiscRecorder::open(path).unwrap()).unwrap();
    w.set_client_name("discburn-image-tests").unwrap();
    // DVD+R: keep the disc appendable (imapi2.md §5.1.1).
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    w
}

fn disc(dir: &Path, name: &str, media: MediaType, formatted: bool) -> std::path::PathBuf {
    let p = dir.join(name);
    let mut o = DiscOptions::new(media);
    o.formatted = formatted;
    create_disc_with(&p, &o).unwrap();
    p
}

/// Writes a first session holding `files` (path, content) on sequential media.
fn first_session(path: &Path, volume: &str, files: &[(&str, &[u8])]) {
    let w = writer(path);
    let mut im = new_image(volume);
    for (p, c) in files {
        im.add_bytes(p, c.to_vec()).unwrap();
    }
    w.write(&mut im.create_result_image().unwrap()).unwrap();
}

/// An image with the writer's multisession interfaces set and the last session
/// imported.
fn imported(w: &DiscFormat2Data, volume: &str) -> FileSystemImage {
    let mut im = new_image(volume);
    im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
        .unwrap();
    im.import_file_system(&mut *w.media_source().unwrap())
        .unwrap();
    im
}

/// The medium file and its state file, to prove a disc unchanged.
fn disc_bytes(path: &Path) -> (String, Vec<u8>) {
    let state = path.with_file_name(format!(
        "{}.state.json",
        path.file_name().unwrap().to_str().unwrap()
    ));
    (sha256_file(path), fs::read(state).unwrap())
}

/// Paths of the Rock Ridge tree of the session at `start`.
fn session_paths(w: &DiscFormat2Data, start: u64) -> BTreeSet<String> {
    let mut rec = w.recorder().unwrap();
    let mut src = RecorderSectorSource::new(&mut *rec).unwrap();
    let vol = Volume::open(&mut src, start, &ReadOptions::default()).unwrap();
    let tree = vol.read_tree(&mut src, View::RockRidge).unwrap();
    let mut out = BTreeSet::new();
    let mut stack = vec![(tree.root(), String::new())];
    while let Some((d, p)) = stack.pop() {
        for c in d.children() {
            let cp = format!("{p}/{}", String::from_utf8_lossy(c.name_bytes()));
            if c.is_dir() {
                stack.push((c, cp.clone()));
                out.insert(format!("{cp}/"));
            } else {
                out.insert(cp);
            }
        }
    }
    out
}

#[test]
fn i02_i27_disc_identifier_same_state_same_string_new_session_new_string() {
    let dir = tempfile::tempdir().unwrap();
    // I-02: no multisession interfaces.
    let err = new_image("X").calculate_disc_identifier().unwrap_err();
    assert!(matches!(err, ImageError::MultisessionNotSet), "{err}");
    assert_eq!(err.hresult(), 0xC0AA_B15D, "IMAPI_E_MULTISESSION_NOT_SET");

    for media in [MediaType::DvdPlusR, MediaType::CdR, MediaType::BdR] {
        let path = disc(dir.path(), &format!("{media:?}.img"), media, false);
        first_session(&path, "ONE", &[("/one.txt", b"one\n")]);

        let w = writer(&path);
        let mut im = new_image("TWO");
        im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
            .unwrap();
        let id1 = im.calculate_disc_identifier().unwrap();
        assert!(id1.starts_with(DISC_IDENTIFIER_PREFIX), "{id1}");
        assert_eq!(id1.len(), DISC_IDENTIFIER_PREFIX.len() + 64, "{id1}");
        // I-27: same state → same string, through a second handle or the writer's.
        assert_eq!(im.calculate_disc_identifier().unwrap(), id1, "{media:?}");
        assert_eq!(
            discburn_writer::disc_identifier(&mut w.recorder().unwrap()).unwrap(),
            id1
        );
        im.import_file_system(&mut *w.media_source().unwrap())
            .unwrap();
        assert_eq!(
            im.calculate_disc_identifier().unwrap(),
            id1,
            "import reads only"
        );
        im.add_bytes("/two.txt", b"two\n".to_vec()).unwrap();
        let mut r = im.create_result_image().unwrap();
        assert_eq!(
            r.disc_id(),
            Some(id1.as_str()),
            "IFileSystemImageResult::DiscId"
        );
        w.write(&mut r).unwrap();
        drop(w);

        // I-27: another session → another string.
        let w = writer(&path);
        let mut im = new_image("THREE");
        im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
            .unwrap();
        let id2 = im.calculate_disc_identifier().unwrap();
        assert_ne!(id1, id2, "{media:?}: a session was added");
        assert_eq!(im.calculate_disc_identifier().unwrap(), id2);
    }
    // A result built without multisession interfaces carries no identifier.
    let mut im = new_image("X");
    im.add_bytes("/a", b"a".to_vec()).unwrap();
    assert_eq!(im.create_result_image().unwrap().disc_id(), None);
}

#[test]
fn i28_result_from_disc_a_refused_on_disc_b_before_any_block() {
    let dir = tempfile::tempdir().unwrap();
    let a = disc(dir.path(), "a.img", MediaType::DvdPlusR, false);
    let b = disc(dir.path(), "b.img", MediaType::DvdPlusR, false);
    first_session(&a, "DISCA", &[("/a.txt", b"disc a\n")]);
    first_session(&b, "DISCB", &[("/b.txt", b"disc b, longer content\n")]);

    let wa = writer(&a);
    let mut im = imported(&wa, "DISCA2");
    im.add_bytes("/new.txt", b"new\n".to_vec()).unwrap();
    let mut r = im.create_result_image().unwrap();
    let id_a = r.disc_id().unwrap().to_owned();

    let before = disc_bytes(&b);
    let wb = writer(&b);
    let err = wb.write(&mut r).unwrap_err();
    match &err {
        WriterError::DiscMismatch {
            expected, current, ..
        } => {
            assert_eq!(expected, &id_a);
            assert_ne!(current, &id_a);
        }
        e => panic!("expected DiscMismatch, got {e}"),
    }
    assert_eq!(err.hresult(), 0xC0AA_B158, "IMAPI_E_DISC_MISMATCH");
    assert_eq!(err.imapi_name(), "IMAPI_E_DISC_MISMATCH");
    assert!(err.to_string().contains("IMAPI_E_DISC_MISMATCH"), "{err}");
    drop(wb);
    assert_eq!(disc_bytes(&b), before, "disc B unchanged");

    // The same result (nothing was read from it) records on disc A.
    let nwa = r.session_start_block();
    wa.write(&mut r).unwrap();
    let paths = session_paths(&wa, u64::from(nwa));
    assert!(
        paths.contains("/a.txt") && paths.contains("/new.txt"),
        "{paths:?}"
    );

    // Random-write media: the RandomWriteStream carries the identifier too.
    let ra = disc(dir.path(), "ra.img", MediaType::DvdPlusRw, true);
    let rb = disc(dir.path(), "rb.img", MediaType::DvdPlusRw, true);
    for (p, name) in [(&ra, "RA"), (&rb, "RB")] {
        let w = writer(p);
        let mut im = new_image(name);
        im.set_session_start_block(32);
        im.add_bytes(&format!("/{name}.txt"), name.as_bytes().to_vec())
            .unwrap();
        let mut s = common::random_write_stream(&im);
        w.write(&mut s).unwrap();
    }
    let wa = writer(&ra);
    let mut im = imported(&wa, "RA2");
    im.add_bytes("/second.txt", b"2".to_vec()).unwrap();
    let mut s = common::random_write_stream(&im);
    let before = disc_bytes(&rb);
    let err = writer(&rb).write(&mut s).unwrap_err();
    assert!(matches!(err, WriterError::DiscMismatch { .. }), "{err}");
    assert_eq!(disc_bytes(&rb), before, "disc RB unchanged");
    wa.write(&mut s).unwrap();
    let paths = session_paths(&wa, 0);
    assert!(
        paths.contains("/RA.txt") && paths.contains("/second.txt"),
        "{paths:?}"
    );
}

#[test]
fn i22_udf_revision_values_and_fixed_after_import() {
    let mut im = new_image("U");
    assert_eq!(
        im.udf_revisions_supported(),
        &[0x102, 0x150, 0x200, 0x201, 0x250, 0x260]
    );
    assert_eq!(im.udf_revision(), 0x102);
    for r in [0x102, 0x150, 0x200, 0x201, 0x260, 0x250] {
        im.set_udf_revision(r).unwrap();
        assert_eq!(im.udf_revision(), r);
    }
    for bad in [0, 0x100, 0x270, 0x2501, u32::MAX] {
        let err = im.set_udf_revision(bad).unwrap_err();
        assert!(matches!(err, ImageError::InvalidUdfRevision { revision } if revision == bad));
        assert_eq!(err.hresult(), 0xC0AA_B101, "IMAPI_E_INVALID_PARAM");
    }
    assert_eq!(im.udf_revision(), 0x250);

    let dir = tempfile::tempdir().unwrap();
    let path = disc(dir.path(), "d.img", MediaType::DvdMinusR, false);
    first_session(&path, "ONE", &[("/one.txt", b"1")]);
    let w = writer(&path);
    let mut im = new_image("TWO");
    im.set_udf_revision(0x201).unwrap();
    im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
        .unwrap();
    im.set_udf_revision(0x150).unwrap(); // before the import: still allowed
    im.import_file_system(&mut *w.media_source().unwrap())
        .unwrap();
    let err = im.set_udf_revision(0x250).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::UdfRevisionChangeNotAllowed {
                fixed: 0x150,
                requested: 0x250
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.hresult(),
        0xC0AA_B161,
        "IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED"
    );
    assert_eq!(im.udf_revision(), 0x150);
    im.set_udf_revision(0x150).unwrap(); // no change
}

#[test]
fn i23_file_systems_fixed_after_import() {
    let dir = tempfile::tempdir().unwrap();
    let path = disc(dir.path(), "d.img", MediaType::BdR, false);
    first_session(&path, "ONE", &[("/one.txt", b"1")]);
    let w = writer(&path);
    let mut im = new_image("TWO");
    // Before the import any set is taken.
    im.try_set_file_systems_to_create(FileSystems::ISO9660)
        .unwrap();
    im.try_set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    )
    .unwrap();
    im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
        .unwrap();
    im.import_file_system(&mut *w.media_source().unwrap())
        .unwrap();
    let all = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE;
    for drop in [
        FileSystems::JOLIET,
        FileSystems::ROCK_RIDGE,
        FileSystems::ISO9660,
    ] {
        let err = im.try_set_file_systems_to_create(all - drop).unwrap_err();
        match &err {
            ImageError::FileSystemChangeNotAllowed {
                missing, previous, ..
            } => {
                assert_eq!(*missing, drop);
                assert_eq!(*previous, all);
            }
            e => panic!("{e}"),
        }
        assert_eq!(
            err.hresult(),
            0xC0AA_B163,
            "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED"
        );
        assert_eq!(im.file_systems_to_create(), all, "unchanged");
        // The infallible setter leaves it unchanged too.
        im.set_file_systems_to_create(all - drop);
        assert_eq!(im.file_systems_to_create(), all);
    }
    // Keeping the previous set (or adding to it) is allowed; the session records.
    im.try_set_file_systems_to_create(all).unwrap();
    im.add_bytes("/two.txt", b"2".to_vec()).unwrap();
    let mut r = im.create_result_image().unwrap();
    let start = r.session_start_block();
    w.write(&mut r).unwrap();
    let paths = session_paths(&w, u64::from(start));
    assert!(paths.contains("/one.txt") && paths.contains("/two.txt"));

    // A session with ISO 9660 only: dropping Joliet is no change, dropping ISO is.
    let path = disc(dir.path(), "iso.img", MediaType::DvdMinusR, false);
    {
        let w = writer(&path);
        let mut im = new_image("ISO");
        im.set_file_systems_to_create(FileSystems::ISO9660);
        im.add_bytes("/one.txt", b"1".to_vec()).unwrap();
        w.write(&mut im.create_result_image().unwrap()).unwrap();
    }
    let w = writer(&path);
    let mut im = imported(&w, "ISO2");
    im.try_set_file_systems_to_create(FileSystems::ISO9660)
        .unwrap();
    im.try_set_file_systems_to_create(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    let err = im
        .try_set_file_systems_to_create(FileSystems::JOLIET)
        .unwrap_err();
    assert_eq!(err.hresult(), 0xC0AA_B163, "{err}");
}

#[test]
fn i29_update_import_events_before_each_directory_and_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = disc(dir.path(), "d.img", MediaType::DvdMinusR, false);
    {
        let w = writer(&path);
        let mut im = new_image("EV");
        im.add_bytes("/x.txt", b"x".to_vec()).unwrap();
        im.add_directory("/a").unwrap();
        im.add_directory("/a/b").unwrap();
        im.add_bytes("/a/y.txt", b"y".to_vec()).unwrap();
        im.add_bytes("/a/b/z.txt", b"z".to_vec()).unwrap();
        im.add_bytes("/a/b/empty", Vec::new()).unwrap();
        im.add_symlink("/a/link", "y.txt").unwrap();
        im.add_directory("/c").unwrap();
        im.add_directory("/c/d").unwrap();
        w.write(&mut im.create_result_image().unwrap()).unwrap();
    }
    let w = writer(&path);
    let events: Arc<Mutex<Vec<ImportProgress>>> = Arc::default();
    let mut im = new_image("EV2");
    let sink = Arc::clone(&events);
    im.set_import_callback(Box::new(move |p| sink.lock().unwrap().push(p.clone())));
    im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
        .unwrap();
    let fs = im
        .import_file_system(&mut *w.media_source().unwrap())
        .unwrap();
    let ev = events.lock().unwrap().clone();

    // The oracle: the tree as read back from the medium.
    let start = w
        .multisession_interfaces()
        .unwrap()
        .first()
        .and_then(|m| {
            m.as_sequential()
                .map(|s| s.start_address_of_previous_session())
        })
        .unwrap();
    let on_disc = session_paths(&w, start as u64);
    let dirs: BTreeSet<String> = on_disc
        .iter()
        .filter(|p| p.ends_with('/'))
        .cloned()
        .collect();
    let files: BTreeSet<String> = on_disc
        .iter()
        .filter(|p| !p.ends_with('/'))
        .cloned()
        .collect();
    assert_eq!(files.len(), 5, "{files:?}");
    assert_eq!(dirs.len(), 4, "{dirs:?}");

    let dir_events: Vec<&ImportProgress> = ev
        .iter()
        .filter(|e| e.current_item.ends_with('/'))
        .collect();
    let file_events: Vec<&ImportProgress> = ev
        .iter()
        .filter(|e| !e.current_item.ends_with('/'))
        .collect();
    // One event before each directory (the root included), one per file.
    assert_eq!(ev[0].current_item, "/");
    let mut expected_dirs = dirs.clone();
    expected_dirs.insert("/".into());
    let got_dirs: BTreeSet<String> = dir_events.iter().map(|e| e.current_item.clone()).collect();
    assert_eq!(got_dirs, expected_dirs);
    assert_eq!(dir_events.len(), expected_dirs.len(), "one per directory");
    let got_files: BTreeSet<String> = file_events.iter().map(|e| e.current_item.clone()).collect();
    assert_eq!(got_files, files);
    assert_eq!(file_events.len(), files.len(), "one per file");
    // Each item's event comes after the event of its directory.
    for (i, e) in ev.iter().enumerate().skip(1) {
        let item = e.current_item.trim_end_matches('/');
        let parent = &item[..=item.rfind('/').unwrap()];
        let pos = ev
            .iter()
            .position(|d| d.current_item == parent)
            .unwrap_or_else(|| panic!("no event for {parent}"));
        assert!(pos < i, "{} before its directory {parent}", e.current_item);
    }
    // Counters: running counts, the current item included; totals unknown (−1).
    for (i, e) in ev.iter().enumerate() {
        let dirs_so_far = ev[..=i]
            .iter()
            .filter(|x| x.current_item.ends_with('/'))
            .count();
        assert_eq!(e.imported_directory_items as usize, dirs_so_far);
        assert_eq!(e.imported_file_items as usize, i + 1 - dirs_so_far);
        assert_eq!(e.total_directory_items, None);
        assert_eq!(e.total_file_items, None);
        assert_eq!(e.file_system, fs);
    }
    assert_eq!(fs, FileSystems::JOLIET);
    let last = ev.last().unwrap();
    assert_eq!(last.imported_file_items as usize, files.len());
    assert_eq!(last.imported_directory_items as usize, expected_dirs.len());
    assert_eq!(im.file_count(), files.len());
}

#[test]
fn i08_multisession_interfaces_on_blank_overwritable_media() {
    let dir = tempfile::tempdir().unwrap();
    for media in [MediaType::DvdPlusRw, MediaType::BdRe] {
        let path = disc(dir.path(), &format!("{media:?}.img"), media, true);
        let w = writer(&path);
        assert!(w.media_heuristically_blank().unwrap(), "{media:?}");
        let ms = w.multisession_interfaces().unwrap();
        assert!(ms[0].as_random_write().is_some());
        let mut im = new_image("FIRST");
        im.set_multisession_interfaces(ms)
            .unwrap_or_else(|e| panic!("{media:?}: {e}"));
        // Nothing to import on a blank disc (I-11).
        let err = im
            .import_file_system(&mut *w.media_source().unwrap())
            .unwrap_err();
        assert!(matches!(err, ImageError::EmptyDisc), "{err}");
        // The first session, through the random-write mechanism.
        im.set_session_start_block(32);
        im.add_bytes("/first.txt", b"first\n".to_vec()).unwrap();
        let r = im.create_result_image().unwrap();
        assert!(r.disc_id().is_some());
        let mut s = r.into_random_write_stream().unwrap();
        w.write(&mut s).unwrap();
        assert!(session_paths(&w, 0).contains("/first.txt"), "{media:?}");
    }
}

#[test]
fn i09_multisession_interfaces_on_finalized_media_refused() {
    let dir = tempfile::tempdir().unwrap();
    for media in [MediaType::DvdPlusR, MediaType::CdR] {
        let path = disc(dir.path(), &format!("{media:?}.img"), media, false);
        {
            let w = writer(&path);
            w.set_force_media_to_be_closed(true).unwrap();
            let mut im = new_image("CLOSED");
            im.add_bytes("/one.txt", b"1".to_vec()).unwrap();
            w.write(&mut im.create_result_image().unwrap()).unwrap();
        }
        let w = writer(&path);
        assert!(
            w.current_media_status()
                .unwrap()
                .contains(discburn_writer::MediaState::FINALIZED),
            "{media:?}"
        );
        let err = new_image("X")
            .set_multisession_interfaces(w.multisession_interfaces().unwrap())
            .unwrap_err();
        assert_no_compatible_multisession_type(&err);
    }
}

#[test]
fn i10_import_without_media_is_no_compatible_multisession_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = disc(dir.path(), "d.img", MediaType::DvdMinusR, false);
    first_session(&path, "ONE", &[("/one.txt", b"1")]);
    let w = writer(&path);
    let mut im = new_image("TWO");
    im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
        .unwrap();
    w.recorder().unwrap().eject_media().unwrap();
    assert!(!w.recorder().unwrap().media_present().unwrap());
    let err = im
        .import_file_system(&mut *w.media_source().unwrap())
        .unwrap_err();
    assert_no_compatible_multisession_type(&err);
    let err = im
        .import_specific_file_system(&mut *w.media_source().unwrap(), FileSystems::ISO9660)
        .unwrap_err();
    assert_eq!(err.hresult(), 0xC0AA_B15C, "{err}");
    assert_eq!(im.imported_volume_name(), None, "nothing imported");
    // With the media back, the import works.
    w.recorder().unwrap().close_tray().unwrap();
    im.import_file_system(&mut *w.media_source().unwrap())
        .unwrap();
    assert_eq!(im.imported_volume_name(), Some("ONE"));
}

#[test]
fn i15_identify_with_null_recorder_uses_the_import_recorder() {
    let dir = tempfile::tempdir().unwrap();
    let path = disc(dir.path(), "d.img", MediaType::DvdMinusR, false);
    first_session(&path, "ONE", &[("/one.txt", b"1")]);
    let w = writer(&path);
    let mut im = new_image("TWO");
    let err = im.identify_file_systems_on_import_recorder().unwrap_err();
    assert!(matches!(err, ImageError::MultisessionNotSet), "{err}");
    im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
        .unwrap();
    let via_import = im.identify_file_systems_on_import_recorder().unwrap();
    let via_writer = im
        .identify_file_systems_on_disc(&mut *w.media_source().unwrap())
        .unwrap();
    assert_eq!(via_import, via_writer);
    assert_eq!(
        via_import,
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE
    );
    assert_eq!(
        w.multisession_interfaces().unwrap()[0].import_recorder(),
        path.display().to_string()
    );
}

/// IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE (0xC0AAB15C), as I-09 and I-10 expect.
fn assert_no_compatible_multisession_type(err: &ImageError) {
    assert!(
        matches!(err, ImageError::NoCompatibleMultisessionType { .. }),
        "{err}"
    );
    assert_eq!(
        err.hresult(),
        0xC0AA_B15C,
        "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE"
    );
}

/// I-17, a deliberate deviation: IMAPI2 refuses a second session on rewritable media
/// whose first session is ISO 9660 only. discburn appends it in xorriso's random-write
/// layout (lib.rs, "Deviation from IMAPI2 (I-17)"): here on an emulated BD-RE and
/// DVD+RW, two ISO 9660-only sessions, the second read through the head at LBA 16 by
/// our reader and by xorriso and isoinfo from the medium's sectors.
#[test]
fn i17_deviation_iso9660_only_sessions_appended_on_rewritable_media() {
    let dir = tempfile::tempdir().unwrap();
    for media in [MediaType::BdRe, MediaType::DvdPlusRw] {
        let path = disc(dir.path(), &format!("{media:?}.img"), media, true);
        let iso_only = |volume: &str| {
            let mut im = new_image(volume);
            im.set_file_systems_to_create(FileSystems::ISO9660);
            im
        };
        let w = writer(&path);
        let mut first = iso_only("ONE");
        first.set_session_start_block(32);
        first.add_bytes("/ONE.TXT", b"one\n".to_vec()).unwrap();
        first.add_bytes("/GONE.TXT", b"gone\n".to_vec()).unwrap();
        w.write(&mut common::random_write_stream(&first)).unwrap();

        let mut second = iso_only("TWO");
        second
            .set_multisession_interfaces(w.multisession_interfaces().unwrap())
            .unwrap();
        let used = second
            .import_file_system(&mut *w.media_source().unwrap())
            .unwrap();
        assert_eq!(used, FileSystems::ISO9660, "{media:?}");
        second.remove("/GONE.TXT").unwrap();
        second.add_bytes("/TWO.TXT", b"two\n".to_vec()).unwrap();
        w.write(&mut common::random_write_stream(&second)).unwrap();

        // The emulator keeps the medium as a sparse image at LBA × 2048: the oracles
        // read the sectors the drive would return.
        let img = path.to_str().unwrap();
        let listed =
            discburn_testkit::oracle::run("isoinfo", &["-i".as_ref(), img.as_ref(), "-f".as_ref()]);
        let listed = String::from_utf8(listed.stdout).unwrap();
        let mut names: Vec<&str> = listed.lines().collect();
        names.sort();
        assert_eq!(names, ["/ONE.TXT;1", "/TWO.TXT;1"], "{media:?}: isoinfo");
        let toc = discburn_testkit::oracle::run(
            "xorriso",
            &["-indev".as_ref(), img.as_ref(), "-toc".as_ref()],
        );
        let toc = String::from_utf8_lossy(&toc.stdout).into_owned();
        assert_eq!(
            toc.lines().filter(|l| l.starts_with("ISO session")).count(),
            2,
            "{media:?}: {toc}"
        );
        let x = dir.path().join(format!("{media:?}-x"));
        discburn_testkit::oracle::run(
            "xorriso",
            &[
                "-osirrox".as_ref(),
                "on".as_ref(),
                "-indev".as_ref(),
                img.as_ref(),
                "-extract".as_ref(),
                "/".as_ref(),
                x.as_os_str(),
            ],
        );
        assert_eq!(fs::read(x.join("ONE.TXT")).unwrap(), b"one\n");
        assert_eq!(fs::read(x.join("TWO.TXT")).unwrap(), b"two\n");
        assert!(!x.join("GONE.TXT").exists(), "{media:?}");
    }
}
