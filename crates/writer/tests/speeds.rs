//! imapi2.md §19.4 speeds (D-19…D-22) and §19.1 C-06 against the emulated recorder.

mod common;

use common::*;
use discburn_emu::MediaType;
use discburn_writer::{PhysicalMediaType, WriteSpeedStatus};

#[test]
fn d_22_supported_speeds_are_the_descriptor_speeds() {
    for m in MediaType::ALL {
        let d = disc(m);
        let w = writer(&d.path);
        let desc = w.supported_write_speed_descriptors().unwrap();
        assert!(!desc.is_empty(), "{m}");
        let speeds = w.supported_write_speeds().unwrap();
        let mut from_desc: Vec<u32> = desc.iter().map(|d| d.write_speed as u32).collect();
        from_desc.dedup();
        assert_eq!(speeds, from_desc, "{m}");
        let t = w.current_physical_media_type().unwrap();
        assert!(desc.iter().all(|d| d.media_type == t));
    }
    // C-06: the emulated CD-R's 1764..8467 kB/s are 10x..48x at 75 sectors/s per 1x.
    let d = disc(MediaType::CdR);
    let speeds = writer(&d.path).supported_write_speeds().unwrap();
    assert_eq!(speeds, [3600, 3000, 2400, 1800, 1200, 750]);
    let d = disc(MediaType::BdR);
    let w = writer(&d.path);
    assert_eq!(
        *w.supported_write_speeds().unwrap().last().unwrap(),
        2 * 2195
    );
    assert_eq!(
        w.supported_write_speed_descriptors().unwrap()[0].media_type,
        PhysicalMediaType::BdR
    );
}

#[test]
fn d_19_fastest_by_default() {
    let d = disc(MediaType::CdR);
    let w = writer(&d.path);
    assert_eq!(w.requested_write_speed(), -1);
    assert_eq!(w.set_write_speed(-1, false).unwrap(), WriteSpeedStatus::Ok);
    assert_eq!(w.requested_write_speed(), -1);
    assert_eq!(w.current_write_speed().unwrap(), 3600);
    assert!(!w.current_rotation_type_is_pure_cav().unwrap());
}

#[test]
fn d_20_d_21_nearest_speed_and_adjusted_status() {
    let d = disc(MediaType::CdR);
    let w = writer(&d.path);
    let s = w.set_write_speed(1000, false).unwrap();
    assert_eq!(s, WriteSpeedStatus::SpeedAdjusted);
    assert_eq!(s.hresult(), 0x00AA0004);
    assert_eq!(w.requested_write_speed(), 1000);
    assert_eq!(w.current_write_speed().unwrap(), 1200);
    assert_eq!(
        w.set_write_speed(2400, false).unwrap(),
        WriteSpeedStatus::Ok
    );
    assert_eq!(w.current_write_speed().unwrap(), 2400);
    assert_eq!(w.requested_write_speed(), 2400);
    // The emulated drive has no pure-CAV descriptors.
    let s = w.set_write_speed(2400, true).unwrap();
    assert_eq!(s, WriteSpeedStatus::RotationAdjusted);
    assert!(w.requested_rotation_type_is_pure_cav());
    assert_eq!(
        w.set_write_speed(2000, true).unwrap(),
        WriteSpeedStatus::BothAdjusted
    );
    assert_eq!(
        w.set_write_speed(0, false).unwrap_err().hresult(),
        0x80070057
    );
    // The requested speed is applied again at the next write.
    w.set_write_speed(750, false).unwrap();
    write(&w, &pattern(10, 1)).unwrap();
    assert_eq!(w.current_write_speed().unwrap(), 750);
}
