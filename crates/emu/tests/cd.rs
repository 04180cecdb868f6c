//! Class A (mmc.md §9.2): CD-R / CD-RW in Track At Once, through the real
//! `discburn-mmc` drive layer, checked against the values of mmc.md §2–§4 and §6.1.

mod common;

use common::*;
use discburn_emu::MediaType;
use discburn_mmc::cdb::{BlankingType, CloseFunction, TrackAddress};
use discburn_mmc::reply::{DiscStatus, SessionState};

/// mmc.md §5.13 CD TAO sequence for one track of `blocks` blocks, then CLOSE 010b with
/// the given Multi-session field.
fn write_session(d: &mut Emu, blocks: u32, multi_session: u8, seed: u8) -> u32 {
    select_cd_tao(d, multi_session);
    let inv = rti(d, TrackAddress::INVISIBLE);
    let nwa = inv
        .next_writable_address
        .expect("NWA_V on the invisible track");
    d.write10(nwa, &pattern(nwa, blocks, seed)).unwrap();
    d.synchronize_cache(true).unwrap();
    close(d, CloseFunction::Session, 0);
    nwa
}

#[test]
fn mmc_2_3_blank_cd_r() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x0009);
    let di = rdi_disc(&mut d, DiscStatus::Empty, 1, SessionState::Empty, (1, 1));
    assert!(!di.erasable);
    // ATIP lead-in 97:26:66 and lead-out 79:59:74 (mmc.md §2.2, §4.4).
    assert_eq!(di.last_session_lead_in_start_address, 0x0061_1A42);
    assert_eq!(di.lead_out_lba(true), Some(359_849));
    let t = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(t.track_number, 1);
    assert!(t.blank);
    assert_eq!(t.next_writable_address, Some(0));
    assert_eq!(t.track_start_address, 0);
    assert_eq!(t.free_blocks, 359_847);
    // No complete session: READ TOC fails with 5/24/00 (mmc.md §4); capacity 0 (§5.9).
    expect_sense(d.read_toc(false, 0), (5, 0x24, 0));
    expect_sense(d.read_session_info(), (5, 0x24, 0));
    assert_eq!(d.read_capacity().unwrap().last_lba, 0);
}

#[test]
fn mmc_6_1_worked_example_300_blocks_then_session_2() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    assert_eq!(write_session(&mut d, 300, 0b11, 1), 0);

    let di = rdi_disc(
        &mut d,
        DiscStatus::Incomplete,
        2,
        SessionState::Empty,
        (2, 2),
    );
    // Lead-in of session 2 starts at 7052 = 01:36:02.
    assert_eq!(di.last_session_lead_in_start_address, 0x0001_2402);
    let toc = d.read_toc(false, 0).unwrap();
    assert_eq!(toc.descriptors.len(), 2);
    assert_eq!(toc.descriptors[0].track_number, 1);
    assert_eq!(toc.descriptors[0].track_start_address, 0);
    assert_eq!((toc.descriptors[0].adr, toc.descriptors[0].control), (1, 4));
    assert_eq!(toc.lead_out(), Some(302));
    let msf = d.read_toc(true, 0).unwrap();
    assert_eq!(msf.descriptors[0].track_start_address, 0x0000_0200); // 00:02:00
    assert_eq!(msf.descriptors[1].track_start_address, 0x0000_0602); // 00:06:02
    assert_eq!(d.read_capacity().unwrap().last_lba, 301);
    let t1 = rti(&mut d, TrackAddress::Track(1));
    assert_eq!(
        (t1.track_start_address, t1.track_size, t1.free_blocks),
        (0, 302, 0)
    );
    assert_eq!(t1.next_writable_address, None);
    let inv = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(inv.next_writable_address, Some(11_702));
    assert_eq!((inv.track_number, inv.session_number), (2, 2));
    let si = d.read_session_info().unwrap();
    assert_eq!(
        (si.last_complete_session, si.first_track_in_last_session),
        (1, 1)
    );
    assert_eq!(si.start_address_of_first_track_in_last_session, 0);

    // B0 of session 1 = 02:36:02, C0 present (mmc.md §4.3).
    let full = d.read_full_toc(1).unwrap();
    let b0 = full.descriptors.iter().find(|x| x.point == 0xB0).unwrap();
    assert_eq!((b0.msf.m, b0.msf.s, b0.msf.f), (2, 36, 2));
    assert_eq!((b0.pmsf.m, b0.pmsf.s, b0.pmsf.f), (79, 59, 74));
    assert!(full.descriptors.iter().any(|x| x.point == 0xC0));
    let a2 = full.descriptors.iter().find(|x| x.point == 0xA2).unwrap();
    assert_eq!((a2.pmsf.m, a2.pmsf.s, a2.pmsf.f), (0, 6, 2));

    // Session 2: 1000 blocks at 11702, closed with Multi-session 00b → disc complete.
    assert_eq!(write_session(&mut d, 1000, 0b00, 2), 11_702);
    let di = rdi(&mut d);
    assert_eq!(di.disc_status, DiscStatus::Complete);
    assert_eq!(di.state_of_last_session, SessionState::Complete);
    assert_eq!(di.number_of_sessions, 2);
    assert_eq!(di.last_session_lead_in_start_address, 0xFFFF_FFFF);
    let toc = d.read_toc(false, 0).unwrap();
    assert_eq!(toc.lead_out(), Some(12_704));
    let si = d.read_session_info().unwrap();
    assert_eq!(
        (si.last_complete_session, si.first_track_in_last_session),
        (2, 2)
    );
    assert_eq!(si.start_address_of_first_track_in_last_session, 11_702);
    assert_eq!(d.read_capacity().unwrap().last_lba, 12_703);
    // No B0 in the last session after Multi-session 00b.
    let full = d.read_full_toc(1).unwrap();
    assert_eq!(
        full.descriptors.iter().filter(|x| x.point == 0xB0).count(),
        1
    );
    // Both sessions read back.
    assert_eq!(read(&mut d, 0, 300), pattern(0, 300, 1));
    assert_eq!(read(&mut d, 11_702, 1000), pattern(11_702, 1000, 2));
}

#[test]
fn mmc_6_1_third_session_starts_6900_after_lead_out() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    write_session(&mut d, 300, 0b11, 1);
    write_session(&mut d, 1000, 0b11, 2);
    let inv = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(inv.next_writable_address, Some(19_604));
    let di = rdi(&mut d);
    // lead-in of session 3 = 12704 + 2250.
    assert_eq!(di.lead_in_lba(true), Some(14_954));
}

#[test]
fn mmc_9_8_1_finalized_cd_refuses_writes_and_has_no_invisible_track() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    write_session(&mut d, 300, 0b00, 1);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Complete);
    expect_sense(d.write10(302, &pattern(302, 16, 9)), (5, 0x21, 0x02));
    expect_sense(d.write10(11_702, &pattern(11_702, 16, 9)), (5, 0x21, 0x02));
    expect_sense(d.track_information(TrackAddress::INVISIBLE), (5, 0x24, 0));
    // Multi-session 01b: B0 = FF:FF:FF.
    let disc2 = common::disc(MediaType::CdR, None);
    let mut d2 = open(&disc2.path);
    write_session(&mut d2, 300, 0b01, 1);
    let full = d2.read_full_toc(1).unwrap();
    let b0 = full.descriptors.iter().find(|x| x.point == 0xB0).unwrap();
    assert_eq!((b0.msf.m, b0.msf.s, b0.msf.f), (0xFF, 0xFF, 0xFF));
}

#[test]
fn mmc_9_8_2_two_tao_tracks_in_one_session() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    select_cd_tao(&mut d, 0b11);
    d.write10(0, &pattern(0, 300, 1)).unwrap();
    d.synchronize_cache(true).unwrap();
    rdi_last_session(&mut d, SessionState::Incomplete, (1, 2));
    let inv = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(
        (inv.track_number, inv.next_writable_address),
        (2, Some(452))
    );
    d.write10(452, &pattern(452, 400, 2)).unwrap();
    d.synchronize_cache(true).unwrap();
    close(&mut d, CloseFunction::Session, 0);
    let toc = d.read_toc(false, 0).unwrap();
    let starts: Vec<u32> = toc
        .descriptors
        .iter()
        .map(|x| x.track_start_address)
        .collect();
    assert_eq!(starts, vec![0, 452, 854]);
    let inv = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(inv.next_writable_address, Some(854 + 11_400));
}

#[test]
fn mmc_5_4_write_at_wrong_address_and_past_capacity() {
    let disc = disc(MediaType::CdR, Some(10_000));
    let mut d = open(&disc.path);
    select_cd_tao(&mut d, 0b11);
    expect_sense(d.write10(16, &pattern(16, 16, 1)), (5, 0x21, 0x02));
    d.write10(0, &pattern(0, 100, 1)).unwrap();
    // Behind and ahead of the NWA.
    expect_sense(d.write10(50, &pattern(50, 10, 1)), (5, 0x21, 0x02));
    expect_sense(d.write10(101, &pattern(101, 10, 1)), (5, 0x21, 0x02));
    let t = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(t.next_writable_address, Some(100));
    assert_eq!(t.free_blocks, 10_000 - 100);
    // 9900 free blocks: 9901 do not fit with the run-out.
    d.write10(100, &pattern(100, 9800, 1)).unwrap();
    expect_sense(d.write10(9900, &pattern(9900, 101, 1)), (5, 0x21, 0x00));
    d.write10(9900, &pattern(9900, 100, 1)).unwrap();
    assert_eq!(rti(&mut d, TrackAddress::INVISIBLE).free_blocks, 0);
}

#[test]
fn mmc_5_1_wrong_write_type_is_illegal_mode() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    let mut w = discburn_mmc::reply::WriteParameters::new(
        discburn_mmc::reply::WriteType::PacketIncremental,
    );
    w.multi_session = 3;
    d.set_write_parameters(&w).unwrap();
    expect_sense(d.write10(0, &pattern(0, 16, 1)), (5, 0x64, 0));
}

#[test]
fn mmc_5_6_close_session_with_unsynced_track_is_fixation_error() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    select_cd_tao(&mut d, 0b11);
    d.write10(0, &pattern(0, 500, 1)).unwrap();
    expect_sense(
        d.close_track_session(CloseFunction::Session, 0, false),
        (5, 0x72, 0x03),
    );
    // The incomplete track: NWA_V, start 0, NWA 500.
    let t = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(
        (t.track_number, t.next_writable_address, t.blank),
        (1, Some(500), false)
    );
    // CLOSE 001b ends it like SYNCHRONIZE CACHE.
    close(&mut d, CloseFunction::Track, 1);
    close(&mut d, CloseFunction::Session, 0);
    assert_eq!(d.read_toc(false, 0).unwrap().lead_out(), Some(502));
}

#[test]
fn mmc_6_1_short_track_is_padded_to_300_blocks() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    select_cd_tao(&mut d, 0b11);
    d.write10(0, &pattern(0, 20, 1)).unwrap();
    d.synchronize_cache(false).unwrap();
    let t = rti(&mut d, TrackAddress::Track(1));
    assert_eq!(t.track_size, 302);
    assert_eq!(read(&mut d, 20, 1), vec![0u8; 2048]);
}

#[test]
fn mmc_9_2_reserve_track_on_cd() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    select_cd_tao(&mut d, 0b11);
    d.reserve_track(1000).unwrap();
    let t1 = rti(&mut d, TrackAddress::Track(1));
    assert!(t1.reserved_track && t1.blank);
    assert_eq!(
        (t1.next_writable_address, t1.free_blocks, t1.track_size),
        (Some(0), 1000, 1002)
    );
    let inv = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(
        (inv.track_number, inv.next_writable_address),
        (2, Some(1002 + 150))
    );
    d.write10(0, &pattern(0, 1000, 1)).unwrap();
    expect_sense(d.write10(1000, &pattern(1000, 1, 1)), (5, 0x21, 0x02));
    d.synchronize_cache(true).unwrap();
    assert_eq!(
        rti(&mut d, TrackAddress::Track(1)).next_writable_address,
        None
    );
}

#[test]
fn mmc_4_4_atip() {
    let disc = disc(MediaType::CdRw, None);
    let mut d = open(&disc.path);
    let atip = d.read_atip().unwrap();
    assert_eq!(
        atip.start_of_lead_in,
        discburn_mmc::reply::Msf::new(97, 26, 66)
    );
    assert_eq!(
        atip.last_possible_lead_out,
        discburn_mmc::reply::Msf::new(79, 59, 74)
    );
    assert!(atip.disc_type_rw);
}

#[test]
fn mmc_5_8_cd_rw_blank_returns_to_empty() {
    let disc = disc(MediaType::CdRw, None);
    let mut d = open(&disc.path);
    assert!(rdi(&mut d).erasable);
    write_session(&mut d, 300, 0b00, 1);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Complete);
    d.blank(BlankingType::Minimal, 0, true).unwrap();
    let di = rdi(&mut d);
    assert_eq!(di.disc_status, DiscStatus::Empty);
    assert_eq!(
        rti(&mut d, TrackAddress::INVISIBLE).next_writable_address,
        Some(0)
    );
    expect_sense(d.read_toc(false, 0), (5, 0x24, 0));
    // BLANK is refused on CD-R.
    let disc2 = common::disc(MediaType::CdR, None);
    let mut d2 = open(&disc2.path);
    expect_sense(d2.blank(BlankingType::Disc, 0, false), (5, 0x24, 0));
}

#[test]
fn mmc_3_track_numbers_by_lba_and_session() {
    let disc = disc(MediaType::CdR, None);
    let mut d = open(&disc.path);
    write_session(&mut d, 300, 0b11, 1);
    write_session(&mut d, 400, 0b11, 2);
    assert_eq!(rti(&mut d, TrackAddress::Lba(301)).track_number, 1);
    assert_eq!(rti(&mut d, TrackAddress::Lba(11_702 + 5)).track_number, 2);
    assert_eq!(
        rti(&mut d, TrackAddress::Session(2)).track_start_address,
        11_702
    );
    assert_eq!(rti(&mut d, TrackAddress::Session(3)).track_number, 3);
    expect_sense(d.track_information(TrackAddress::Track(7)), (5, 0x24, 0));
    expect_sense(d.track_information(TrackAddress::Lba(5000)), (5, 0x24, 0));
}
