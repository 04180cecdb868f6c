//! Command-level behaviour common to all media (mmc.md §1, §5.11, §5.12, §7, §9.1),
//! checked on raw CDB and reply bytes.

mod common;

use std::time::Duration;

use common::*;
use discburn_emu::{DiscOptions, EmulatedDrive, MediaType, create_disc_with};
use discburn_mmc::cdb::{CloseFunction, TrackAddress};
use discburn_mmc::{Data, Transport, TransportError};

const T: Duration = Duration::from_secs(30);

fn emu(media: MediaType) -> (Disc, EmulatedDrive) {
    let disc = disc(media, None);
    let e = EmulatedDrive::open(&disc.path).unwrap();
    (disc, e)
}

#[test]
fn mmc_5_12_inquiry_standard_and_vpd() {
    let (_disc, mut e) = emu(MediaType::CdR);
    let (c, b) = raw(&mut e, &[0x12, 0, 0, 0, 96, 0], 96);
    assert!(c.is_good());
    assert_eq!(c.residual, 60);
    assert_eq!((b[0], b[1] & 0x80), (0x05, 0x80));
    assert_eq!(&b[8..16], b"DISCBURN");
    let (c, b) = raw(&mut e, &[0x12, 1, 0x80, 0, 32, 0], 32);
    assert!(c.is_good());
    assert_eq!(b[1], 0x80);
    let (c, _) = raw(&mut e, &[0x12, 0, 0x80, 0, 32, 0], 32);
    assert_eq!(raw_sense(&c), (5, 0x24, 0));
}

#[test]
fn mmc_8_5_allocation_length_truncates_and_residual_reports() {
    let (_disc, mut e) = emu(MediaType::DvdPlusR);
    // READ DISC INFORMATION with allocation 8 into a 34-byte buffer: 8 bytes transferred,
    // Disc Information Length still 32.
    let (c, b) = raw(&mut e, &[0x51, 0, 0, 0, 0, 0, 0, 0, 8, 0], 34);
    assert!(c.is_good());
    assert_eq!(c.residual, 26);
    assert_eq!(u16::from_be_bytes([b[0], b[1]]), 32);
    assert!(b[8..].iter().all(|&x| x == 0));
    // GET CONFIGURATION header-only then full.
    let (c, h) = raw(&mut e, &[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0], 8);
    assert!(c.is_good());
    let total = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize + 4;
    assert_eq!(u16::from_be_bytes([h[6], h[7]]), 0x001B);
    let (c, full) = raw(
        &mut e,
        &[0x46, 0, 0, 0, 0, 0, 0, (total >> 8) as u8, total as u8, 0],
        total + 100,
    );
    assert_eq!(c.residual, 100);
    assert_eq!(&full[..8], &h[..]);
    // A buffer smaller than the reply receives what fits.
    let (c, _) = raw(&mut e, &[0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0], 28);
    assert_eq!(c.residual, 0);
}

#[test]
fn mmc_9_1_unknown_opcode_and_bad_cdbs() {
    let (_disc, mut e) = emu(MediaType::BdR);
    let (c, _) = raw(&mut e, &[0xA4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0);
    assert_eq!(raw_sense(&c), (5, 0x20, 0));
    assert_eq!(c.sense.len(), 18);
    assert_eq!(c.sense[0], 0x70);
    // A 6-byte CDB for a 10-byte command is a malformed request, not a sense.
    let r = e.execute(&[0x51, 0, 0, 0, 0, 0], Data::None, T);
    assert!(matches!(r, Err(TransportError::InvalidRequest(_))));
    // Data phase in the wrong direction.
    let mut buf = [0u8; 2048];
    let r = e.execute(&[0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0], Data::In(&mut buf), T);
    assert!(matches!(r, Err(TransportError::InvalidRequest(_))));
    // WRITE whose data does not match the transfer length.
    let r = e.execute(&[0x2A, 0, 0, 0, 0, 0, 0, 0, 2, 0], Data::Out(&buf), T);
    assert!(matches!(r, Err(TransportError::InvalidRequest(_))));
    // RT 11b is reserved.
    let (c, _) = raw(&mut e, &[0x46, 3, 0, 0, 0, 0, 0, 0, 8, 0], 8);
    assert_eq!(raw_sense(&c), (5, 0x24, 0));
}

#[test]
fn mmc_4_linux_sr_session_info_via_control_byte() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    for (ms, blocks) in [(0b11u8, 300u32), (0b11, 400)] {
        select_cd_tao(&mut d, ms);
        let nwa = rti(&mut d, TrackAddress::INVISIBLE)
            .next_writable_address
            .unwrap();
        d.write10(nwa, &pattern(nwa, blocks, 1)).unwrap();
        d.synchronize_cache(true).unwrap();
        close(&mut d, CloseFunction::Session, 0);
    }
    let e = d.transport_mut();
    // sr_cd_check: byte 2 = 0, byte 8 = 12, byte 9 = 40h.
    let (c, b) = raw(e, &[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40], 12);
    assert!(c.is_good());
    assert_eq!(u16::from_be_bytes([b[0], b[1]]), 0x0A);
    assert_eq!(b[6], 2);
    assert_eq!(u32::from_be_bytes([b[8], b[9], b[10], b[11]]), 11_702);
}

#[test]
fn mmc_9_1_eject_no_medium_and_unit_attention_after_load() {
    let (disc, mut e) = emu(MediaType::DvdPlusR);
    // PREVENT blocks eject.
    let (c, _) = raw(&mut e, &[0x1E, 0, 0, 0, 1, 0], 0);
    assert!(c.is_good());
    let (c, _) = raw(&mut e, &[0x1B, 0, 0, 0, 0x02, 0], 0);
    assert_eq!(raw_sense(&c), (5, 0x53, 0x02));
    raw(&mut e, &[0x1E, 0, 0, 0, 0, 0], 0);
    let (c, _) = raw(&mut e, &[0x1B, 0, 0, 0, 0x02, 0], 0);
    assert!(c.is_good());
    let (c, _) = raw(&mut e, &[0x00, 0, 0, 0, 0, 0], 0);
    assert_eq!(raw_sense(&c), (2, 0x3A, 0x02));
    let (c, _) = raw(&mut e, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34);
    assert_eq!(raw_sense(&c), (2, 0x3A, 0x02));
    // GET CONFIGURATION still answers, with profile 0000h.
    let (c, h) = raw(&mut e, &[0x46, 1, 0, 0, 0, 0, 0, 0, 8, 0], 8);
    assert!(c.is_good());
    assert_eq!(u16::from_be_bytes([h[6], h[7]]), 0);
    // The ejected state persists for another process.
    drop(e);
    let mut e = EmulatedDrive::open(&disc.path).unwrap();
    let (c, _) = raw(&mut e, &[0x00, 0, 0, 0, 0, 0], 0);
    assert_eq!(raw_sense(&c), (2, 0x3A, 0x02));
    // GET EVENT STATUS: tray open, no medium.
    let (c, ev) = raw(&mut e, &[0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
    assert!(c.is_good());
    assert_eq!(ev[5], 0x01);
    // Load: unit attention once, then ready; a "new media" event.
    let (c, _) = raw(&mut e, &[0x1B, 0, 0, 0, 0x03, 0], 0);
    assert!(c.is_good());
    let (_, ev) = raw(&mut e, &[0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
    assert_eq!((ev[4], ev[5]), (2, 0x02));
    let (c, _) = raw(&mut e, &[0x00, 0, 0, 0, 0, 0], 0);
    assert_eq!(raw_sense(&c), (6, 0x28, 0));
    let (c, _) = raw(&mut e, &[0x00, 0, 0, 0, 0, 0], 0);
    assert!(c.is_good());
}

#[test]
fn mmc_9_8_5_immed_close_keeps_drive_busy_until_polled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.img");
    let mut opts = DiscOptions::new(MediaType::DvdPlusR);
    opts.settings.immed_busy_polls = 3;
    opts.settings.tur_good_while_busy = true;
    create_disc_with(&path, &opts).unwrap();
    let mut e = EmulatedDrive::open(&path).unwrap();
    let data = pattern(0, 16, 1);
    let c = e
        .execute(&[0x2A, 0, 0, 0, 0, 0, 0, 0, 16, 0], Data::Out(&data), T)
        .unwrap();
    assert!(c.is_good());
    let (c, _) = raw(&mut e, &[0x5B, 1, 1, 0, 0, 1, 0, 0, 0, 0], 0);
    assert!(c.is_good());
    // TUR is GOOD (Pioneer style) but READ DISC INFORMATION is refused 3 times.
    let (c, _) = raw(&mut e, &[0x00, 0, 0, 0, 0, 0], 0);
    assert!(c.is_good());
    let mut progress = Vec::new();
    for _ in 0..3 {
        let (c, _) = raw(&mut e, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34);
        assert_eq!(raw_sense(&c), (2, 0x04, 0x07));
        assert_eq!(c.sense[15] & 0x80, 0x80, "SKSV with progress");
        progress.push(u16::from_be_bytes([c.sense[16], c.sense[17]]));
    }
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
    let (c, _) = raw(&mut e, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34);
    assert!(c.is_good());
    // The mmc drive layer's polling copes with it too.
    let mut d = discburn_mmc::Drive::with_sleeper(e, Box::new(discburn_mmc::NoSleep));
    d.close_track_session(CloseFunction::Session, 0, true)
        .unwrap();
    assert_eq!(rdi(&mut d).number_of_sessions, 2);
}

#[test]
fn mmc_7_2_write_protected_medium() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wp.img");
    let mut opts = DiscOptions::new(MediaType::BdRe);
    opts.write_protected = true;
    opts.formatted = true;
    create_disc_with(&path, &opts).unwrap();
    let mut d = open(&path);
    expect_sense(d.write10(0, &pattern(0, 32, 1)), (7, 0x27, 0));
    expect_sense(
        d.close_track_session(CloseFunction::Session, 0, false),
        (7, 0x27, 0),
    );
    assert_eq!(read(&mut d, 0, 1), vec![0u8; 2048]);
}

#[test]
fn mmc_5_1_mode_page_05_round_trip_and_capabilities() {
    let disc = disc(MediaType::CdRw, None);
    let mut d = open(&disc.path);
    let w = d.write_parameters().unwrap();
    assert_eq!(w.page_length, 0x32);
    assert_eq!(w.multi_session, 0, "drive default: no next session");
    select_cd_tao(&mut d, 0b11);
    let w = d.write_parameters().unwrap();
    assert_eq!(
        (w.multi_session, w.track_mode, w.data_block_type),
        (3, 4, 8)
    );
    let e = d.transport_mut();
    // Page 2Ah with write speed descriptors.
    let (c, b) = raw(e, &[0x5A, 0x08, 0x2A, 0, 0, 0, 0, 0x01, 0, 0], 256);
    assert!(c.is_good());
    let page = &b[8..];
    assert_eq!(page[0] & 0x3F, 0x2A);
    let n = u16::from_be_bytes([page[30], page[31]]) as usize;
    assert!(n >= 2);
    assert_eq!(page[1] as usize, 30 + 4 * n);
    // Saved values are not supported; an invalid Data Block Type is refused.
    let (c, _) = raw(e, &[0x5A, 0, 0xC5, 0, 0, 0, 0, 0, 64, 0], 64);
    assert_eq!(raw_sense(&c), (5, 0x39, 0));
    let mut list = vec![0u8; 8 + 52];
    list[8] = 0x05;
    list[9] = 0x32;
    list[10] = 0x01;
    list[12] = 0x07; // Data Block Type 7 is reserved
    let c = e
        .execute(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], Data::Out(&list), T)
        .unwrap();
    assert_eq!(raw_sense(&c), (5, 0x26, 0));
}

#[test]
fn mmc_5_11_write_speeds_and_streaming() {
    let disc = disc(MediaType::BdR, None);
    let mut d = open(&disc.path);
    let speeds = d.write_speeds().unwrap();
    assert_eq!(speeds.len(), 5);
    assert_eq!(speeds[0].write_speed, 53_940);
    assert_eq!(speeds[0].end_lba, 12_219_391);
    d.set_cd_speed(0xFFFF, 0xFFFF).unwrap();
    let e = d.transport_mut();
    let mut perf = [0u8; 28];
    perf[8..12].copy_from_slice(&12_219_391u32.to_be_bytes());
    perf[20..24].copy_from_slice(&17_980u32.to_be_bytes());
    perf[24..28].copy_from_slice(&1000u32.to_be_bytes());
    let c = e
        .execute(
            &[0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 0],
            Data::Out(&perf),
            T,
        )
        .unwrap();
    assert!(c.is_good());
    let (c, b) = raw(e, &[0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0], 12);
    assert!(c.is_good());
    assert_eq!(
        u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        u32::from_be_bytes([b[8], b[9], b[10], b[11]])
    );
    // Nominal performance (type 00h).
    let (c, b) = raw(e, &[0xAC, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], 24);
    assert!(c.is_good());
    assert_eq!(u32::from_be_bytes([b[0], b[1], b[2], b[3]]), 20);
}

#[test]
fn mmc_7_1_request_sense_reports_no_sense_when_idle() {
    let (_disc, mut e) = emu(MediaType::DvdMinusR);
    let (c, b) = raw(&mut e, &[0x03, 0, 0, 0, 18, 0], 18);
    assert!(c.is_good());
    assert_eq!((b[0], b[2] & 0x0F, b[12], b[13]), (0x70, 0, 0, 0));
}
