//! imapi2.md §19.5 closing rules (K-01…K-09) against the emulated recorder.

mod common;

use common::*;
use discburn_emu::MediaType;
use discburn_mmc::cdb::BlankingType;
use discburn_writer::{DiscFormat2Data, MediaState};

fn logged_writer(
    d: &Disc,
) -> (
    DiscFormat2Data,
    std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
) {
    let (rec, log) = Logged::open(&d.path);
    let w = DiscFormat2Data::with_recorder(rec).unwrap();
    w.set_client_name(CLIENT).unwrap();
    (w, log)
}

fn finalized(w: &DiscFormat2Data) -> bool {
    w.current_media_status()
        .unwrap()
        .contains(MediaState::FINALIZED)
}

#[test]
fn k_01_force_media_to_be_closed_finalizes() {
    for m in [
        MediaType::CdR,
        MediaType::DvdMinusR,
        MediaType::BdR,
        MediaType::DvdPlusR,
        MediaType::CdRw,
        MediaType::DvdMinusRw,
    ] {
        let d = disc(m);
        let w = writer(&d.path);
        w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
        let s1 = pattern(100, 1);
        write(&w, &s1).unwrap();
        assert!(!finalized(&w), "{m}");
        w.set_force_media_to_be_closed(true).unwrap();
        let nwa = w.next_writable_address().unwrap();
        let s2 = pattern(100, 2);
        write(&w, &s2).unwrap();
        let s = w.current_media_status().unwrap();
        assert!(s.contains(MediaState::FINALIZED), "{m} {s}");
        assert!(!s.contains(MediaState::APPENDABLE), "{m} {s}");
        assert_eq!(w.free_sectors_on_media().unwrap(), 0, "{m}");
        // No further session (W-10), and nothing changes on the disc.
        let e = write(&w, &pattern(10, 3)).unwrap_err();
        assert_eq!(e.hresult(), 0xC0AA0402, "{m}: {e}");
        assert!(read_drive(&w, 0, 100) == s1, "{m}");
        assert!(read_drive(&w, nwa as u32, 100) == s2, "{m}");
    }
}

/// Writes `n` sectors on a fresh disc of `capacity`; returns whether it got closed.
fn closes_after(m: MediaType, capacity: u32, leave: i32) -> bool {
    let d = disc_capacity(m, capacity);
    let w = writer(&d.path);
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    let free = w.free_sectors_on_media().unwrap();
    let n = (free - leave) as u32;
    write(&w, &pattern(n, 1)).unwrap();
    finalized(&w)
}

#[test]
fn k_02_closed_when_two_percent_or_less_remains() {
    // BD-R 3200 sectors: 2 % = 64 sectors.
    assert!(closes_after(MediaType::BdR, 3200, 64));
    assert!(!closes_after(MediaType::BdR, 3200, 96));
    // CD-R 10000 sectors: free excludes the 150-sector post-gap; 2 % = 200 sectors. The
    // drive itself also closes a CD without room for the 11400-sector session gap, so
    // the writer's decision shows in page 05h: Multi-session 00b (close) or 11b.
    for (leave, ms) in [(200, 0b00), (201, 0b11)] {
        let d = disc_capacity(MediaType::CdR, 10_000);
        let w = writer(&d.path);
        let n = (w.free_sectors_on_media().unwrap() - leave) as u32;
        write(&w, &pattern(n, 1)).unwrap();
        let p = w.recorder().unwrap().drive().write_parameters().unwrap();
        assert_eq!(p.multi_session, ms, "leave {leave}");
    }
    // DVD-R 16000 sectors: 2 % = 320 (the border gap is larger than the disc, so again
    // the decision is read from page 05h).
    for (leave, ms) in [(320, 0b00), (336, 0b11)] {
        let d = disc_capacity(MediaType::DvdMinusR, 16_000);
        let w = writer(&d.path);
        let n = (w.free_sectors_on_media().unwrap() - leave) as u32;
        write(&w, &pattern(n, 1)).unwrap();
        let p = w.recorder().unwrap().drive().write_parameters().unwrap();
        assert_eq!(p.multi_session, ms, "DVD-R leave {leave}");
    }
}

#[test]
fn k_03_dvd_plus_r_compatible_close_by_default() {
    for force in [false, true] {
        let d = disc(MediaType::DvdPlusR);
        let (w, log) = logged_writer(&d);
        w.set_force_media_to_be_closed(force).unwrap();
        write(&w, &pattern(100, 1)).unwrap();
        assert!(finalized(&w), "force {force}");
        // CLOSE 001b (the track), then 110b: finalize for compatibility (growisofs -dvd-compat).
        assert_eq!(closes(&log), [(0b001, 1), (0b110, 0)]);
    }
}

#[test]
fn k_04_dvd_plus_r_session_closed_only_when_compatibility_disabled() {
    let d = disc(MediaType::DvdPlusR);
    let (w, log) = logged_writer(&d);
    w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
    write(&w, &pattern(100, 1)).unwrap();
    let s = w.current_media_status().unwrap();
    assert!(s.contains(MediaState::APPENDABLE), "{s}");
    assert_eq!(closes(&log), [(0b001, 1), (0b010, 0)]);
    // With ForceMediaToBeClosed the disc is closed normally (101b).
    w.set_force_media_to_be_closed(true).unwrap();
    write(&w, &pattern(100, 2)).unwrap();
    assert!(finalized(&w));
    assert_eq!(closes(&log)[2..], [(0b001, 2), (0b101, 0)]);
}

#[test]
fn k_05_dvd_plus_r_dl_always_closed() {
    for (disable, force) in [(true, false), (false, false), (true, true)] {
        let d = disc(MediaType::DvdPlusRDl);
        let w = writer(&d.path);
        w.set_disable_consumer_dvd_compatibility_mode(disable)
            .unwrap();
        w.set_force_media_to_be_closed(force).unwrap();
        write(&w, &pattern(100, 1)).unwrap();
        assert!(finalized(&w), "disable {disable} force {force}");
    }
}

#[test]
fn k_06_compatibility_mode_has_no_effect_on_cd_and_dvd_minus() {
    for m in [
        MediaType::CdR,
        MediaType::DvdMinusR,
        MediaType::CdRw,
        MediaType::DvdMinusRw,
    ] {
        let mut states = Vec::new();
        for disable in [false, true] {
            let d = disc(m);
            let w = writer(&d.path);
            w.set_disable_consumer_dvd_compatibility_mode(disable)
                .unwrap();
            write(&w, &pattern(100, 1)).unwrap();
            states.push((w.current_media_status().unwrap(), seq_values(&w)));
        }
        assert_eq!(states[0], states[1], "{m}");
        assert!(states[0].0.contains(MediaState::APPENDABLE), "{m}");
    }
}

#[test]
fn k_07_closed_rewritable_disc_can_be_erased_and_reused() {
    for m in [MediaType::CdRw, MediaType::DvdMinusRw] {
        let d = disc(m);
        let w = writer(&d.path);
        w.set_force_media_to_be_closed(true).unwrap();
        write(&w, &pattern(100, 1)).unwrap();
        assert!(finalized(&w), "{m}");
        w.recorder()
            .unwrap()
            .drive()
            .blank(BlankingType::Disc, 0, false)
            .unwrap();
        assert_eq!(w.current_media_status().unwrap(), MediaState::BLANK, "{m}");
        w.set_force_media_to_be_closed(false).unwrap();
        write(&w, &pattern(100, 2)).unwrap();
        assert!(read_drive(&w, 0, 100) == pattern(100, 2), "{m}");
    }
}

#[test]
fn k_08_buffer_underrun_free_disabled_only_on_cd() {
    for (m, disabled, bufe) in [
        (MediaType::CdR, false, true),
        (MediaType::CdR, true, false),
        (MediaType::DvdMinusR, true, true),
        (MediaType::DvdMinusR, false, true),
    ] {
        let d = disc(m);
        let w = writer(&d.path);
        w.set_buffer_underrun_free_disabled(disabled).unwrap();
        write(&w, &pattern(50, 1)).unwrap();
        let p = w.recorder().unwrap().drive().write_parameters().unwrap();
        assert_eq!(p.bufe, bufe, "{m} disabled={disabled}");
    }
}

#[test]
fn k_09_cd_post_gap_150_sectors_unless_already_in_image() {
    let d = disc(MediaType::CdR);
    let w = writer(&d.path);
    write(&w, &pattern(400, 1)).unwrap();
    // Track 1: 400 + 150 post-gap + 2 run-out, then the 11400 gap.
    assert_eq!(w.next_writable_address().unwrap(), 400 + 150 + 2 + 11_400);
    assert!(read_drive(&w, 400, 150).iter().all(|&b| b == 0));
    assert!(read_drive(&w, 0, 400) == pattern(400, 1));

    let d = disc(MediaType::CdR);
    let w = writer(&d.path);
    w.set_postgap_already_in_image(true).unwrap();
    write(&w, &pattern(400, 1)).unwrap();
    assert_eq!(w.next_writable_address().unwrap(), 400 + 2 + 11_400);

    // No effect on DVD and BD.
    for m in [MediaType::DvdPlusR, MediaType::BdR] {
        let mut nwas = Vec::new();
        for already in [false, true] {
            let d = disc(m);
            let w = writer(&d.path);
            w.set_disable_consumer_dvd_compatibility_mode(true).unwrap();
            w.set_postgap_already_in_image(already).unwrap();
            write(&w, &pattern(96, 1)).unwrap();
            nwas.push(w.next_writable_address().unwrap());
        }
        assert_eq!(nwas[0], nwas[1], "{m}");
    }
}
