//! imapi2.md §19.2 Multisession objects (MS-01…MS-18) against the emulated recorder.

mod common;

use std::any::Any;
use std::time::Duration;

use common::*;
use discburn_emu::{DiscOptions, MediaType};
use discburn_mmc::reply::{WriteParameters, WriteType};
use discburn_recorder::DiscRecorder;
use discburn_writer::{
    MsftMultisessionRandomWrite, MsftMultisessionSequential, Multisession, MultisessionRandomWrite,
    MultisessionSequential, WriterError,
};

const SEQUENTIAL: [MediaType; 7] = [
    MediaType::CdR,
    MediaType::CdRw,
    MediaType::DvdMinusR,
    MediaType::DvdMinusRw,
    MediaType::DvdPlusR,
    MediaType::DvdPlusRDl,
    MediaType::BdR,
];
const OVERWRITABLE: [MediaType; 3] = [MediaType::DvdPlusRw, MediaType::DvdRam, MediaType::BdRe];

#[test]
fn ms_01_ms_02_at_least_one_mechanism_on_every_blank_media() {
    for m in MediaType::ALL {
        let d = disc(m);
        let w = writer(&d.path);
        let ms = w
            .multisession_interfaces()
            .unwrap_or_else(|e| panic!("{m}: {e}"));
        assert!(!ms.is_empty(), "{m}");
    }
    // Formatted overwritable media too.
    for m in [MediaType::DvdPlusRw, MediaType::BdRe] {
        let mut o = DiscOptions::new(m);
        o.formatted = true;
        let d = disc_opts(o);
        assert!(
            !writer(&d.path)
                .multisession_interfaces()
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn ms_03_ms_04_sequential_mechanism_by_downcast() {
    for m in SEQUENTIAL {
        let d = disc(m);
        let w = writer(&d.path);
        let ms = w.multisession_interfaces().unwrap();
        let seq = ms.iter().find_map(|x| x.as_sequential());
        assert!(seq.is_some(), "{m}: no sequential mechanism");
        assert!(ms[0].as_random_write().is_none(), "{m}");
        assert!(
            ms[0]
                .as_any()
                .downcast_ref::<MsftMultisessionSequential>()
                .is_some()
        );
    }
}

#[test]
fn ms_03_ms_05_random_write_mechanism_on_overwritable_media() {
    for m in OVERWRITABLE {
        let d = disc(m);
        let w = writer(&d.path);
        let ms = w.multisession_interfaces().unwrap();
        assert!(ms.iter().any(|x| x.as_random_write().is_some()), "{m}");
        assert!(ms[0].as_sequential().is_none(), "{m}");
        assert!(
            ms[0]
                .as_any()
                .downcast_ref::<MsftMultisessionRandomWrite>()
                .is_some()
        );
    }
}

fn one_session(m: MediaType, setup: impl Fn(&discburn_writer::DiscFormat2Data)) -> Disc {
    let d = disc(m);
    let w = writer(&d.path);
    setup(&w);
    write(&w, &pattern(400, 1)).unwrap();
    d
}

#[test]
fn ms_06_sequential_values_equal_writer_values_every_sequential_media() {
    for m in SEQUENTIAL {
        let d = one_session(m, |w| {
            w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
        });
        let w = writer(&d.path);
        if m == MediaType::DvdPlusRDl {
            // Closed after the write (K-05): both report the same values and the same
            // error for the next writable address.
            let ms = w.multisession_interfaces().unwrap();
            let s = ms[0].as_sequential().unwrap();
            assert_eq!(
                s.start_address_of_previous_session(),
                w.start_address_of_previous_session().unwrap()
            );
            assert_eq!(
                s.last_written_address_of_previous_session(),
                w.last_written_address_of_previous_session().unwrap()
            );
            assert_eq!(
                s.free_sectors_on_media(),
                w.free_sectors_on_media().unwrap()
            );
            assert_eq!(s.free_sectors_on_media(), 0);
            assert_eq!(
                s.next_writable_address().unwrap_err().hresult(),
                w.next_writable_address().unwrap_err().hresult()
            );
            continue;
        }
        // seq_values asserts equality with the writer's getters.
        let v = seq_values(&w);
        assert_eq!(v.start_prev, 0, "{m}");
        assert!(v.nwa > 0, "{m}");
    }
}

#[test]
fn ms_06_sequential_values_equal_writer_values_bd_r() {
    let d = one_session(MediaType::BdR, |_| {});
    let w = writer(&d.path);
    let v = seq_values(&w);
    assert_eq!((v.start_prev, v.last_prev), (0, 415)); // 400 padded to 416 (32-block clusters)
    assert_eq!(v.nwa, 416);
    assert_eq!(v.free, w.total_sectors_on_media().unwrap() - 416);
}

#[test]
fn ms_07_ms_08_blank_values() {
    for m in SEQUENTIAL {
        let d = disc(m);
        let w = writer(&d.path);
        let v = seq_values(&w);
        assert_eq!((v.start_prev, v.last_prev, v.nwa), (-1, -1, 0), "{m}");
    }
}

#[test]
fn ms_09_appendable_ordering() {
    for m in [MediaType::CdR, MediaType::DvdMinusR, MediaType::BdR] {
        let d = one_session(m, |_| {});
        let v = seq_values(&writer(&d.path));
        assert!(
            v.start_prev <= v.last_prev && v.last_prev < v.nwa,
            "{m}: {v:?}"
        );
    }
}

#[test]
fn ms_10_first_data_session_true_on_blank_false_after_data() {
    for m in SEQUENTIAL {
        let d = disc(m);
        assert!(seq_values(&writer(&d.path)).first_data, "{m}");
    }
    let d = one_session(MediaType::CdR, |_| {});
    assert!(!seq_values(&writer(&d.path)).first_data);
}

#[test]
fn ms_10_first_data_session_true_on_cd_with_only_audio() {
    let d = disc(MediaType::CdR);
    {
        // An audio session (Track Mode 0, no data bit) written with raw MMC commands.
        let mut r = DiscRecorder::open(&d.path).unwrap();
        let mut p = WriteParameters::new(WriteType::TrackAtOnce);
        p.track_mode = 0;
        p.data_block_type = 8;
        p.multi_session = 0b11;
        r.drive().set_write_parameters(&p).unwrap();
        r.drive().write10(0, &vec![0u8; 300 * 2048]).unwrap();
        r.drive().synchronize_cache(false).unwrap();
        r.drive()
            .close_track_session(discburn_mmc::cdb::CloseFunction::Session, 0, false)
            .unwrap();
    }
    let w = writer(&d.path);
    let v = seq_values(&w);
    assert_eq!(v.start_prev, 0);
    assert!(
        v.first_data,
        "only audio so far: the next session is the first data session"
    );
    write(&w, &pattern(10, 2)).unwrap();
    assert!(!seq_values(&w).first_data);
}

#[test]
fn ms_11_supported_on_appendable_not_on_finalized() {
    let d = disc(MediaType::BdR);
    let w = writer(&d.path);
    write(&w, &pattern(64, 1)).unwrap();
    assert!(w.multisession_interfaces().unwrap()[0].is_supported_on_current_media_state());
    w.set_force_media_to_be_closed(true).unwrap();
    write(&w, &pattern(64, 2)).unwrap();
    let ms = w.multisession_interfaces().unwrap();
    assert!(!ms[0].is_supported_on_current_media_state());
    let e = ms[0]
        .as_sequential()
        .unwrap()
        .next_writable_address()
        .unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0402);
}

#[test]
fn ms_12_in_use_defaults_false_and_can_be_set() {
    let d = disc(MediaType::DvdPlusR);
    let ms = writer(&d.path).multisession_interfaces().unwrap();
    assert!(!ms[0].in_use());
    ms[0].set_in_use(true);
    assert!(ms[0].in_use());
    ms[0].set_in_use(false);
    assert!(!ms[0].in_use());
}

#[test]
fn ms_13_import_recorder_is_the_same_device() {
    let d = one_session(MediaType::CdR, |_| {});
    let w = writer(&d.path);
    let ms = w.multisession_interfaces().unwrap();
    let id = w.recorder().unwrap().active_disc_recorder().to_string();
    assert_eq!(ms[0].import_recorder(), id);
    // Opening it reaches the same medium: it reads session 1's data.
    let mut r = DiscRecorder::open(ms[0].import_recorder()).unwrap();
    let mut b = vec![0u8; 2048];
    r.drive().read10(0, &mut b).unwrap();
    assert!(b == pattern(1, 1));
}

#[test]
fn ms_14_write_unit_size_in_sectors() {
    let expect = [
        (MediaType::CdR, 1),
        (MediaType::DvdMinusR, 16),
        (MediaType::DvdPlusR, 16),
        (MediaType::BdR, 32),
    ];
    for (m, unit) in expect {
        let d = disc(m);
        let ms = writer(&d.path).multisession_interfaces().unwrap();
        assert_eq!(
            ms[0].as_sequential().unwrap().write_unit_size(),
            unit,
            "{m}"
        );
    }
    for (m, unit) in [
        (MediaType::DvdRam, 16),
        (MediaType::BdRe, 32),
        (MediaType::DvdPlusRw, 16),
    ] {
        let mut o = DiscOptions::new(m);
        o.formatted = true;
        let d = disc_opts(o);
        let (u, _, _, _) = random_values(&writer(&d.path));
        assert_eq!(u, unit, "{m}");
    }
}

#[test]
fn ms_15_writes_to_random_media_are_whole_write_units() {
    let mut o = DiscOptions::new(MediaType::DvdRam);
    o.settings.strict_alignment = true;
    let d = disc_opts(o);
    let (rec, log) = Logged::open(&d.path);
    let w = discburn_writer::DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    let (unit, _, _, _) = random_values(&w);
    // 37 sectors from LBA 0, then a single block at 100.
    let s1 = pattern(37, 1);
    write(&w, &s1).unwrap();
    let mut img = vec![0u8; 101 * 2048];
    img[100 * 2048..].copy_from_slice(&pattern(1, 9));
    let mut st = discburn_writer::BlockRangeStream::new(
        std::io::Cursor::new(img),
        vec![discburn_writer::BlockRange::new(100, 100)],
    )
    .unwrap();
    // The media now holds the pattern, not ISO 9660: writing to it again takes
    // ForceOverwrite (the ownership check before the first WRITE).
    assert_eq!(
        w.write(&mut st).unwrap_err().imapi_name(),
        "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK"
    );
    w.set_force_overwrite(true).unwrap();
    w.write(&mut st).unwrap();
    let ws = writes(&log);
    assert!(ws.len() >= 2);
    for (lba, n) in ws {
        assert_eq!(lba % unit as u32, 0, "WRITE at {lba}");
        assert_eq!(n % unit as u32, 0, "WRITE of {n} at {lba}");
    }
    assert!(read_drive(&w, 0, 37) == s1);
    assert!(read_drive(&w, 100, 1) == pattern(1, 9));
}

#[test]
fn ms_16_last_written_address_e_notimpl_when_drive_cannot_say() {
    let mut o = DiscOptions::new(MediaType::BdRe);
    o.formatted = true;
    let d = disc_opts(o);
    let (_, lra, _, _) = random_values(&writer(&d.path));
    // The emulated BD-RE reports LRA_V = 0 for track 1.
    let e = lra.unwrap_err();
    assert_eq!(e.hresult(), 0x80004001);
    assert_eq!(e.imapi_name(), "E_NOTIMPL");
}

#[test]
fn ms_17_random_total_equals_writer_total() {
    for m in OVERWRITABLE {
        let d = disc(m);
        let w = writer(&d.path);
        let (_, _, total, _) = random_values(&w);
        assert_eq!(total, w.total_sectors_on_media().unwrap(), "{m}");
        assert!(total > 0);
    }
}

/// A mechanism the crate does not know: BD-R Pseudo-Overwrite, as a later version (or a
/// caller) could add it.
#[derive(Debug)]
struct PseudoOverwrite {
    in_use: std::sync::atomic::AtomicBool,
}

impl Multisession for PseudoOverwrite {
    fn is_supported_on_current_media_state(&self) -> bool {
        true
    }
    fn in_use(&self) -> bool {
        self.in_use.load(std::sync::atomic::Ordering::SeqCst)
    }
    fn set_in_use(&self, in_use: bool) {
        self.in_use
            .store(in_use, std::sync::atomic::Ordering::SeqCst);
    }
    fn import_recorder(&self) -> &str {
        "bd-r"
    }
    fn class_name(&self) -> &str {
        "TestMultisessionPseudoOverwrite"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn ms_18_mechanism_set_is_open() {
    let d = disc(MediaType::BdR);
    let mut ms = writer(&d.path).multisession_interfaces().unwrap();
    ms.push(std::sync::Arc::new(PseudoOverwrite {
        in_use: Default::default(),
    }));
    ms[1].set_in_use(true);
    // A consumer that knows only the base interface and the two standard ones.
    let kinds: Vec<&str> = ms
        .iter()
        .map(|m| {
            if m.as_sequential().is_some() {
                "sequential"
            } else if m.as_random_write().is_some() {
                "random"
            } else if m.as_any().downcast_ref::<PseudoOverwrite>().is_some() {
                "pow"
            } else {
                "unknown"
            }
        })
        .collect();
    assert_eq!(kinds, ["sequential", "pow"]);
    assert!(ms[1].in_use());
    let _unused: Option<&dyn MultisessionRandomWrite> = None;
    let _unused2: Option<&dyn MultisessionSequential> = None;
    let _e: Option<WriterError> = None;
    let _d = Duration::ZERO;
}
