//! Import through a recorder (IFileSystemImage::put_MultisessionInterfaces,
//! ImportFileSystem; imapi2.md §19.9 I-01…I-25) against the emulated drive, and the
//! result written by the data writer (IDiscFormat2Data::Write) with its block ranges.

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{new_image, run};
use discburn_emu::{DiscOptions, MediaType, create_disc_with};
use discburn_image::{FileSystems, ImageError};
use discburn_reader::{ReadOptions, View, Volume};
use discburn_recorder::DiscRecorder;
use discburn_writer::RecorderSectorSource;
use discburn_writer::{DiscFormat2Data, Multisession, MultisessionError, MultisessionSequential};

fn writer(path: &Path) -> DiscFormat2Data {
    let w = DiscFormat2Data::with_recorder(DiscRecorder::open(path).unwrap()).unwrap();
    w.set_client_name("discburn-image-tests").unwrap();
    w
}

/// Reads file `path` of the Rock Ridge view of the session at `start` via READ(10).
fn read_file(w: &DiscFormat2Data, start: u64, path: &str) -> Vec<u8> {
    let mut rec = w.recorder().unwrap();
    let mut src = RecorderSectorSource::new(&mut *rec).unwrap();
    let vol = Volume::open(&mut src, start, &ReadOptions::default()).unwrap();
    let tree = vol.read_tree(&mut src, View::RockRidge).unwrap();
    let node = tree.find(path).unwrap_or_else(|| panic!("{path} missing"));
    common::read_extents(&mut src, node.extents())
}

#[test]
fn i01_i13_i21_i24_i25_sequential_media_second_session() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("disc.img");
    create_disc_with(&disc, &DiscOptions::new(MediaType::DvdMinusR)).unwrap();

    let w = writer(&disc);
    let mut im = new_image("EMU");
    // I-01: no multisession interfaces.
    let err = im
        .import_file_system(&mut *w.media_source().unwrap())
        .unwrap_err();
    assert!(matches!(err, ImageError::MultisessionNotSet), "{err}");
    assert_eq!(err.hresult(), 0xC0AA_B15D, "IMAPI_E_MULTISESSION_NOT_SET");
    im.add_bytes("/one.txt", b"one\n".to_vec()).unwrap();
    im.add_bytes(
        "/A rather long file name, session one.text",
        b"long\n".to_vec(),
    )
    .unwrap();
    let mut r = im.create_result_image().unwrap();
    w.write(&mut r).unwrap();
    drop(w);

    let w = writer(&disc);
    let ms = w.multisession_interfaces().unwrap();
    let mut im = new_image("EMU");
    im.set_multisession_interfaces(ms).unwrap();
    let nwa = im.session_start_block();
    assert!(nwa > 0, "I-21: start block = next writable address");
    assert!(im.free_media_blocks() > 0, "I-25");
    let fs = im
        .import_file_system(&mut *w.media_source().unwrap())
        .unwrap();
    assert_eq!(fs, FileSystems::JOLIET, "I-13");
    assert_eq!(im.imported_volume_name(), Some("EMU"), "I-24");
    assert_eq!(im.session_start_block(), nwa);
    im.add_bytes("/two.txt", b"two\n".to_vec()).unwrap();
    let mut r = im.create_result_image().unwrap();
    w.write(&mut r).unwrap();
    assert_eq!(read_file(&w, u64::from(nwa), "/one.txt"), b"one\n");
    assert_eq!(read_file(&w, u64::from(nwa), "/two.txt"), b"two\n");
    assert_eq!(
        read_file(
            &w,
            u64::from(nwa),
            "/A rather long file name, session one.text"
        ),
        b"long\n"
    );
}

#[test]
fn o24_random_write_media_sessions_written_by_block_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("disc.img");
    let mut o = DiscOptions::new(MediaType::DvdPlusRw);
    o.formatted = true;
    create_disc_with(&disc, &o).unwrap();

    // Session 1 at LBA 32 with its head.
    let w = writer(&disc);
    let mut im = new_image("EMU");
    im.set_session_start_block(32);
    im.add_bytes("/one.txt", b"one\n".to_vec()).unwrap();
    let mut s = common::random_write_stream(&im);
    assert_eq!(s.modified_blocks().last(), Some(&(0, 31)));
    w.write(&mut s).unwrap();
    drop(w);

    // Session 2 through the random-write mechanism.
    let w = writer(&disc);
    let ms = w.multisession_interfaces().unwrap();
    assert!(ms[0].as_random_write().is_some());
    let mut im = new_image("EMU");
    im.set_multisession_interfaces(ms).unwrap();
    im.import_file_system(&mut *w.media_source().unwrap())
        .unwrap();
    let start = im.session_start_block();
    assert!(start >= 32 && start.is_multiple_of(32), "{start}");
    im.remove("/one.txt").unwrap();
    im.add_bytes("/two.txt", b"two\n".to_vec()).unwrap();
    let mut s = common::random_write_stream(&im);
    w.write(&mut s).unwrap();
    assert_eq!(
        read_file(&w, 0, "/two.txt"),
        b"two\n",
        "the head shows session 2"
    );
    assert_eq!(
        read_file(&w, 32, "/one.txt"),
        b"one\n",
        "I-30: session 1 intact"
    );
    drop(w);

    // xorriso reads the emulator's medium file: two sessions.
    let out = run("xorriso", &["-indev", disc.to_str().unwrap(), "-toc"]);
    let n = out.lines().filter(|l| l.starts_with("ISO session")).count();
    assert_eq!(n, 2, "{out}");
    let _ = fs::metadata(&disc).unwrap();
}

/// A sequential mechanism with fixed values (start of the previous session 0, next
/// writable address 100).
#[derive(Debug)]
struct Fake {
    supported: bool,
    in_use: AtomicBool,
}

impl Multisession for Fake {
    fn is_supported_on_current_media_state(&self) -> bool {
        self.supported
    }
    fn in_use(&self) -> bool {
        self.in_use.load(Ordering::SeqCst)
    }
    fn set_in_use(&self, in_use: bool) {
        self.in_use.store(in_use, Ordering::SeqCst);
    }
    fn import_recorder(&self) -> &str {
        "fake"
    }
    fn class_name(&self) -> &str {
        "FakeMultisessionSequential"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_sequential(&self) -> Option<&dyn MultisessionSequential> {
        Some(self)
    }
}

impl MultisessionSequential for Fake {
    fn is_first_data_session(&self) -> bool {
        false
    }
    fn start_address_of_previous_session(&self) -> i32 {
        0
    }
    fn last_written_address_of_previous_session(&self) -> i32 {
        99
    }
    fn next_writable_address(&self) -> Result<i32, MultisessionError> {
        Ok(100)
    }
    fn free_sectors_on_media(&self) -> i32 {
        1000
    }
    fn write_unit_size(&self) -> i32 {
        1
    }
}

/// A mechanism no file-system image knows (no session placement): BD-R Pseudo-Overwrite
/// as a third party might write it before the image supports it.
#[derive(Debug)]
struct Foreign {
    in_use: AtomicBool,
}

impl Multisession for Foreign {
    fn is_supported_on_current_media_state(&self) -> bool {
        true
    }
    fn in_use(&self) -> bool {
        self.in_use.load(Ordering::SeqCst)
    }
    fn set_in_use(&self, in_use: bool) {
        self.in_use.store(in_use, Ordering::SeqCst);
    }
    fn import_recorder(&self) -> &str {
        "foreign"
    }
    fn class_name(&self) -> &str {
        "TestMultisessionForeign"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn fakes(v: &[(bool, bool)]) -> Vec<Arc<dyn Multisession>> {
    v.iter()
        .map(|&(supported, in_use)| {
            Arc::new(Fake {
                supported,
                in_use: AtomicBool::new(in_use),
            }) as Arc<dyn Multisession>
        })
        .collect()
}

#[test]
fn i03_i04_i05_i06_multisession_interface_acceptance_marking_and_foreign_mechanisms() {
    let mut im = new_image("EMU");
    // I-03: exactly one in use and supported: the caller's choice wins over the first
    // supported one, and its placement is applied (start block = its NWA).
    let list = fakes(&[(true, false), (true, true)]);
    im.set_multisession_interfaces(list.clone()).unwrap();
    assert!(
        !list[0].in_use() && list[1].in_use(),
        "the caller's choice stays"
    );
    assert!(Arc::ptr_eq(im.multisession_in_use().unwrap(), &list[1]));
    assert_eq!(im.session_start_block(), 100);
    // I-04: none in use, one supported: the image chooses it and marks it in use, seen
    // through the caller's handles too (shared objects, as IMAPI2's COM objects).
    let mut im = new_image("EMU");
    let list = fakes(&[(false, false), (true, false)]);
    im.set_multisession_interfaces(list.clone()).unwrap();
    assert_eq!(im.multisession_interfaces().len(), 2);
    assert!(
        !list[0].in_use() && list[1].in_use(),
        "the image marks its choice"
    );
    // A mechanism the image does not support (no placement) is never chosen: the
    // supported one after it is.
    let foreign: Arc<dyn Multisession> = Arc::new(Foreign {
        in_use: AtomicBool::new(false),
    });
    let list = vec![Arc::clone(&foreign), fakes(&[(true, false)]).remove(0)];
    let mut im = new_image("EMU");
    im.set_multisession_interfaces(list.clone()).unwrap();
    assert!(!foreign.in_use() && list[1].in_use());
    // Alone, or marked in use by the caller, it is refused with
    // IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE (not taken down another path).
    let err = new_image("EMU")
        .set_multisession_interfaces(vec![Arc::clone(&foreign)])
        .unwrap_err();
    assert_eq!(err.hresult(), 0xC0AA_B15C, "{err}");
    list[1].set_in_use(false);
    foreign.set_in_use(true);
    let err = new_image("EMU")
        .set_multisession_interfaces(list)
        .unwrap_err();
    assert_eq!(err.hresult(), 0xC0AA_B15C, "{err}");
    assert!(
        err.to_string()
            .contains("not supported by the file-system image"),
        "{err}"
    );
    // I-05: two in use.
    let err = new_image("EMU")
        .set_multisession_interfaces(fakes(&[(true, true), (true, true)]))
        .unwrap_err();
    assert!(
        matches!(err, ImageError::IncompatibleMultisessionType { in_use: 2 }),
        "{err}"
    );
    // I-06: none supported.
    let err = new_image("EMU")
        .set_multisession_interfaces(fakes(&[(false, false)]))
        .unwrap_err();
    assert!(
        matches!(err, ImageError::NoCompatibleMultisessionType { .. }),
        "{err}"
    );
    // The one in use is not supported.
    let err = new_image("EMU")
        .set_multisession_interfaces(fakes(&[(false, true), (true, false)]))
        .unwrap_err();
    assert!(
        matches!(err, ImageError::NoCompatibleMultisessionType { .. }),
        "{err}"
    );
}

#[test]
fn i07_i11_blank_write_once_media_has_nothing_to_import() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("disc.img");
    create_disc_with(&disc, &DiscOptions::new(MediaType::CdR)).unwrap();
    let w = writer(&disc);
    let mut im = new_image("EMU");
    let ms = w.multisession_interfaces().unwrap();
    let supported = ms[0].is_supported_on_current_media_state();
    let set = im.set_multisession_interfaces(ms);
    assert_eq!(set.is_ok(), supported, "{set:?}");
    match set {
        // I-07: refused on blank write-once media …
        Err(e) => assert!(
            matches!(e, ImageError::NoCompatibleMultisessionType { .. }),
            "{e}"
        ),
        // … or accepted, and then there is no session to import (I-11).
        Ok(()) => {
            let err = im
                .import_file_system(&mut *w.media_source().unwrap())
                .unwrap_err();
            assert!(matches!(err, ImageError::EmptyDisc), "{err}");
        }
    }
}

/// Counts the sectors read through it.
struct Counting<'a> {
    inner: &'a mut dyn discburn_reader::SectorSource,
    sectors: u64,
}

impl discburn_reader::SectorSource for Counting<'_> {
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.sectors += (buf.len() / 2048) as u64;
        self.inner.read_sectors(lba, buf)
    }
    fn total_sectors(&self) -> u64 {
        self.inner.total_sectors()
    }
}

#[test]
fn i13_import_from_a_whole_bd_re_reads_a_bounded_window_past_the_session_chain() {
    // A BD-RE reports no last recorded address (MMC-6 6.27: LRA_V = 0), so the scan for
    // volume descriptors past the chain stops OVERWRITE_SCAN_WINDOW sectors after it,
    // not at the end of 11.8 million sectors.
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("disc.img");
    let mut o = DiscOptions::new(MediaType::BdRe);
    o.formatted = true;
    create_disc_with(&disc, &o).unwrap();
    let w = writer(&disc);
    let mut im = new_image("EMU");
    im.set_session_start_block(32);
    im.add_bytes("/one.txt", b"one\n".to_vec()).unwrap();
    w.write(&mut common::random_write_stream(&im)).unwrap();
    drop(w);

    let w = writer(&disc);
    let mut im = new_image("EMU");
    im.set_multisession_interfaces(w.multisession_interfaces().unwrap())
        .unwrap();
    let mut media = w.media_source().unwrap();
    assert!(media.total_sectors() > 10_000_000);
    let mut counting = Counting {
        inner: &mut *media,
        sectors: 0,
    };
    im.import_file_system(&mut counting).unwrap();
    assert!(im.session_start_block() >= 32 && im.session_start_block().is_multiple_of(32));
    let bound = discburn_image::OVERWRITE_SCAN_WINDOW / 16 + 200;
    assert!(
        counting.sectors < bound,
        "{} sectors read to import one session (bound {bound})",
        counting.sectors
    );
}
