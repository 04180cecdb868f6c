//! imapi2.md §19.3 (F-01…F-08) and §19.4 (D-01…D-18) against the emulated recorder.

mod common;

use std::io::Cursor;

use common::*;
use discburn_emu::{DiscOptions, MediaType};
use discburn_recorder::DiscRecorder;
use discburn_writer::{
    BlockRange, BlockRangeStream, DiscFormat2Data, MediaState, PhysicalMediaType, WriteProtectState,
};

fn formatted(m: MediaType) -> Disc {
    let mut o = DiscOptions::new(m);
    o.formatted = true;
    disc_opts(o)
}

#[test]
fn f_01_current_media_supported_implies_recorder_supported() {
    for m in MediaType::ALL {
        let d = disc(m);
        let w = DiscFormat2Data::new();
        let mut r = DiscRecorder::open(&d.path).unwrap();
        let media = w.is_current_media_supported(&mut r).unwrap();
        assert!(media, "{m}");
        assert!(w.is_recorder_supported(&mut r).unwrap(), "{m}");
    }
    // A CD-ROM in a recorder: the media is not supported, the recorder is.
    let w = DiscFormat2Data::new();
    let mut r = rom_recorder(&[0x0008, 0x0009, 0x0010], 0x0008);
    assert!(!w.is_current_media_supported(&mut r).unwrap());
    assert!(w.is_recorder_supported(&mut r).unwrap());
}

#[test]
fn f_02_no_media_is_e_imapi_recorder_media_no_media() {
    let d = disc(MediaType::DvdPlusR);
    let mut r = DiscRecorder::open(&d.path).unwrap();
    r.eject_media().unwrap();
    let w = DiscFormat2Data::new();
    let e = w.is_current_media_supported(&mut r).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0202, "{e}");
    assert_eq!(e.imapi_name(), "E_IMAPI_RECORDER_MEDIA_NO_MEDIA");
    // The media getters and the mechanism list report the same (imapi2.md §16.4).
    w.set_recorder(r).unwrap();
    assert_eq!(w.current_media_status().unwrap_err().hresult(), 0xC0AA0202);
    assert_eq!(
        w.multisession_interfaces().unwrap_err().hresult(),
        0xC0AA0202
    );
    assert_eq!(w.next_writable_address().unwrap_err().hresult(), 0xC0AA0202);
    assert_eq!(
        w.media_physically_blank().unwrap_err().hresult(),
        0xC0AA0202
    );
}

#[test]
fn f_03_physically_blank_mirrors_disc_status() {
    for m in [
        MediaType::CdR,
        MediaType::DvdPlusR,
        MediaType::BdR,
        MediaType::DvdMinusRw,
    ] {
        let d = disc(m);
        let w = writer(&d.path);
        assert!(w.media_physically_blank().unwrap(), "{m}");
        let di = w.recorder().unwrap().disc_information().unwrap();
        assert_eq!(di.disc_status, discburn_mmc::reply::DiscStatus::Empty);
        write(&w, &pattern(32, 1)).unwrap();
        assert!(!w.media_physically_blank().unwrap(), "{m}");
    }
}

#[test]
fn f_04_formatted_overwritable_not_physically_blank_even_if_zero() {
    for m in [MediaType::DvdPlusRw, MediaType::BdRe, MediaType::DvdRam] {
        let d = formatted(m);
        let w = writer(&d.path);
        assert!(!w.media_physically_blank().unwrap(), "{m}");
        // F-05: all zeros, no file system: heuristically blank.
        assert!(w.media_heuristically_blank().unwrap(), "{m}");
    }
}

#[test]
fn f_05_f_06_heuristic_blank_first_and_last_2mb_and_file_system() {
    let mut o = DiscOptions::new(MediaType::BdRe);
    o.formatted = true;
    o.capacity_sectors = Some(32 * 400);
    let d = disc_opts(o);
    let w = writer(&d.path);
    w.set_force_overwrite(true).unwrap();
    let total = w.total_sectors_on_media().unwrap() as u32;
    // A byte in the middle does not count.
    let mid = total / 2 / 32 * 32;
    let mut img = vec![0u8; (mid + 32) as usize * 2048];
    img[mid as usize * 2048] = 1;
    let mut st =
        BlockRangeStream::new(Cursor::new(img), vec![BlockRange::new(mid, mid + 31)]).unwrap();
    w.write(&mut st).unwrap();
    assert!(w.media_heuristically_blank().unwrap());
    // A byte in the last 2 MB does.
    let last = total - 32;
    let mut img = vec![0u8; total as usize * 2048];
    img[(total as usize - 1) * 2048 + 7] = 1;
    let mut st =
        BlockRangeStream::new(Cursor::new(img), vec![BlockRange::new(last, total - 1)]).unwrap();
    w.write(&mut st).unwrap();
    assert!(!w.media_heuristically_blank().unwrap());

    // F-06: an ISO 9660 volume descriptor at LBA 16.
    let d = formatted(MediaType::DvdRam);
    let w = writer(&d.path);
    let mut img = vec![0u8; 32 * 2048];
    img[16 * 2048] = 1;
    img[16 * 2048 + 1..16 * 2048 + 6].copy_from_slice(b"CD001");
    write(&w, &img).unwrap();
    assert!(!w.media_heuristically_blank().unwrap());
}

#[test]
fn f_07_physically_blank_implies_heuristically_blank() {
    for m in MediaType::ALL {
        let d = disc(m);
        let w = writer(&d.path);
        if w.media_physically_blank().unwrap() {
            assert!(w.media_heuristically_blank().unwrap(), "{m}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let w = writer(&dir.path().join("new.iso"));
    assert!(w.media_physically_blank().unwrap());
    assert!(w.media_heuristically_blank().unwrap());
}

#[test]
fn f_08_supported_media_types_are_imapi_values_for_this_recorder() {
    let d = disc(MediaType::BdR);
    let w = writer(&d.path);
    let t = w.supported_media_types().unwrap();
    assert!(t.contains(&PhysicalMediaType::BdR));
    assert!(t.contains(&PhysicalMediaType::CdR));
    assert!(t.iter().all(|x| x.value() <= 19));
    assert!(!t.contains(&PhysicalMediaType::CdRom));
    assert!(!t.contains(&PhysicalMediaType::Unknown));
}

#[test]
fn d_01_defaults() {
    let w = DiscFormat2Data::new();
    assert!(!w.buffer_underrun_free_disabled());
    assert!(!w.postgap_already_in_image());
    assert!(!w.force_media_to_be_closed());
    assert!(!w.disable_consumer_dvd_compatibility_mode());
    assert!(!w.force_overwrite());
    assert_eq!(w.requested_write_speed(), -1);
    assert!(!w.requested_rotation_type_is_pure_cav());
    assert_eq!(w.client_name(), None);
    // Setters change the values, and the handle sees them.
    w.set_force_overwrite(true).unwrap();
    assert!(w.control().force_overwrite());
}

#[test]
fn d_03_client_name_empty_or_invalid() {
    let w = DiscFormat2Data::new();
    for bad in ["", "a\u{7}b", "x/y", &"n".repeat(64)] {
        let e = w.set_client_name(bad).unwrap_err();
        assert_eq!(e.hresult(), 0xC0AA0408, "{bad:?}");
    }
    assert_eq!(w.client_name(), None);
    w.set_client_name("My Burner 2.0").unwrap();
    assert_eq!(w.client_name().as_deref(), Some("My Burner 2.0"));
}

#[test]
fn d_04_recorder_that_cannot_write_data() {
    let w = DiscFormat2Data::new();
    let e = w
        .set_recorder(rom_recorder(&[0x0008, 0x0010], 0x0008))
        .unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0407);
    assert_eq!(e.imapi_name(), "E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED");
    let mut r = rom_recorder(&[0x0008, 0x0010], 0x0008);
    assert!(!w.is_recorder_supported(&mut r).unwrap());
}

#[test]
fn d_05_without_recorder() {
    let w = DiscFormat2Data::new();
    w.set_client_name(CLIENT).unwrap();
    for e in [
        w.current_media_status().map(|_| ()).unwrap_err(),
        w.next_writable_address().map(|_| ()).unwrap_err(),
        w.total_sectors_on_media().map(|_| ()).unwrap_err(),
        w.multisession_interfaces().map(|_| ()).unwrap_err(),
        w.media_heuristically_blank().map(|_| ()).unwrap_err(),
        w.write(&mut Cursor::new(vec![0u8; 2048])).unwrap_err(),
    ] {
        assert_eq!(e.hresult(), 0xC0AA0003, "{e}");
        assert_eq!(e.imapi_name(), "E_IMAPI_RECORDER_REQUIRED");
    }
}

#[test]
fn d_06_d_07_d_08_d_09_status_through_the_life_of_a_disc() {
    for m in [MediaType::CdR, MediaType::DvdMinusR, MediaType::BdR] {
        let d = disc(m);
        let w = writer(&d.path);
        let s = w.current_media_status().unwrap();
        assert!(s.contains(MediaState::BLANK) && s.is_usable(), "{m} {s}");
        assert_eq!(s.bits() & 0xFC00, 0);
        write(&w, &pattern(100, 1)).unwrap();
        let s = w.current_media_status().unwrap();
        assert!(s.contains(MediaState::APPENDABLE), "{m} {s}");
        assert!(!s.contains(MediaState::BLANK), "{m} {s}");
        assert!(s.is_usable());
        w.set_force_media_to_be_closed(true).unwrap();
        write(&w, &pattern(100, 2)).unwrap();
        let s = w.current_media_status().unwrap();
        assert!(s.contains(MediaState::FINALIZED), "{m} {s}");
        assert!(!s.contains(MediaState::APPENDABLE), "{m} {s}");
        assert!(!s.is_usable());
        assert_ne!(s.bits() & 0xFC00, 0);
    }
}

#[test]
fn d_10_formatted_overwritable_is_overwrite_only() {
    for m in [MediaType::DvdPlusRw, MediaType::BdRe, MediaType::DvdRam] {
        let d = formatted(m);
        let s = writer(&d.path).current_media_status().unwrap();
        assert_eq!(s, MediaState::OVERWRITE_ONLY, "{m}");
    }
    // Unformatted: overwrite-only and blank.
    let d = disc(MediaType::BdRe);
    let s = writer(&d.path).current_media_status().unwrap();
    assert_eq!(s, MediaState::OVERWRITE_ONLY | MediaState::BLANK);
}

#[test]
fn d_11_pressed_rom_media() {
    let w = DiscFormat2Data::new();
    w.set_recorder(rom_recorder(&[0x0008, 0x0009, 0x0010], 0x0010))
        .unwrap();
    let s = w.current_media_status().unwrap();
    assert!(s.contains(MediaState::UNSUPPORTED_MEDIA), "{s}");
    assert!(
        w.write_protect_status()
            .unwrap()
            .contains(WriteProtectState::READ_ONLY_MEDIA)
    );
    assert_eq!(
        w.current_physical_media_type().unwrap(),
        PhysicalMediaType::DvdRom
    );
    // MS-01: still one (unsupported) mechanism.
    let ms = w.multisession_interfaces().unwrap();
    assert!(!ms[0].is_supported_on_current_media_state());
}

#[test]
fn d_12_write_protect_status_zero_on_writable_media() {
    for m in MediaType::ALL {
        let d = disc(m);
        assert_eq!(
            writer(&d.path).write_protect_status().unwrap(),
            WriteProtectState::NONE,
            "{m}"
        );
    }
}

#[test]
fn d_13_d_14_d_15_blank_and_overwritable_addresses() {
    for m in MediaType::ALL {
        let d = disc(m);
        let w = writer(&d.path);
        assert_eq!(w.next_writable_address().unwrap(), 0, "{m}");
        assert_eq!(w.start_address_of_previous_session().unwrap(), -1, "{m}");
        assert_eq!(
            w.last_written_address_of_previous_session().unwrap(),
            -1,
            "{m}"
        );
    }
    // Overwritable media with content: still no physical sessions.
    let d = formatted(MediaType::DvdRam);
    let w = writer(&d.path);
    write(&w, &pattern(64, 1)).unwrap();
    assert_eq!(w.next_writable_address().unwrap(), 0);
    assert_eq!(w.start_address_of_previous_session().unwrap(), -1);
    assert_eq!(w.last_written_address_of_previous_session().unwrap(), -1);
}

#[test]
fn d_16_overwritable_free_is_full_capacity_regardless_of_content() {
    for m in [MediaType::DvdPlusRw, MediaType::BdRe, MediaType::DvdRam] {
        let d = formatted(m);
        let w = writer(&d.path);
        let before = w.free_sectors_on_media().unwrap();
        w.set_force_overwrite(true).unwrap();
        write(&w, &pattern(640, 1)).unwrap();
        assert_eq!(w.free_sectors_on_media().unwrap(), before, "{m}");
        assert_eq!(before, w.total_sectors_on_media().unwrap(), "{m}");
        assert_eq!(before as u32, m.default_capacity_sectors(), "{m}");
    }
}

#[test]
fn d_17_total_at_least_free() {
    for m in MediaType::ALL {
        let d = disc(m);
        let w = writer(&d.path);
        assert!(
            w.total_sectors_on_media().unwrap() >= w.free_sectors_on_media().unwrap(),
            "{m}"
        );
        write(&w, &pattern(100, 1)).unwrap();
        assert!(
            w.total_sectors_on_media().unwrap() >= w.free_sectors_on_media().unwrap(),
            "{m}"
        );
    }
}

#[test]
fn d_18_cd_free_excludes_session_overhead() {
    let d = disc(MediaType::CdR);
    let w = writer(&d.path);
    let total = w.total_sectors_on_media().unwrap();
    let nwa = w.next_writable_address().unwrap();
    let free = w.free_sectors_on_media().unwrap();
    assert!(free < total - nwa);
    assert_eq!(free, total - nwa - 150);
    write(&w, &pattern(1000, 1)).unwrap();
    let (total, nwa, free) = (
        w.total_sectors_on_media().unwrap(),
        w.next_writable_address().unwrap(),
        w.free_sectors_on_media().unwrap(),
    );
    assert!(free < total - nwa);
}

#[test]
fn d_02_setters_refuse_while_writing_from_callback_and_other_thread() {
    let d = disc(MediaType::BdR);
    let w = writer(&d.path);
    let ctl = w.control();
    let mut checked = false;
    let data = pattern(1024, 1);
    w.write_with_progress(&mut Cursor::new(data), |_| {
        if !checked {
            checked = true;
            let results = [
                w.set_force_media_to_be_closed(true),
                w.set_buffer_underrun_free_disabled(true),
                w.set_postgap_already_in_image(true),
                w.set_disable_consumer_dvd_compatibility_mode(true),
                w.set_force_overwrite(true),
                w.set_client_name("other"),
                w.set_write_speed(-1, false).map(|_| ()),
                ctl.set_force_overwrite(true),
            ];
            for r in results {
                assert_eq!(r.unwrap_err().hresult(), 0xC0AA0400);
            }
            // From another thread, through the handle.
            let c2 = ctl.clone();
            let r = std::thread::spawn(move || c2.set_force_media_to_be_closed(true))
                .join()
                .unwrap();
            assert_eq!(r.unwrap_err().hresult(), 0xC0AA0400);
            assert!(ctl.is_writing());
        }
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert!(checked);
    // Nothing changed.
    assert!(!w.force_media_to_be_closed());
    assert!(!w.force_overwrite());
    assert_eq!(w.client_name().as_deref(), Some(CLIENT));
    assert!(!ctl.is_writing());
    assert!(
        w.current_media_status()
            .unwrap()
            .contains(MediaState::APPENDABLE)
    );
}
