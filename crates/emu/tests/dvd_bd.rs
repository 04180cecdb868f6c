//! Classes B–E (mmc.md §9.3–§9.6): DVD-R/-RW incremental and DAO, DVD+R(/DL), BD-R SRM
//! and SRM+POW, with the command sequences of mmc.md §5.13.

mod common;

use common::*;
use discburn_emu::{DiscOptions, EmulatedDrive, Geometry, MediaType, create_disc_with};
use discburn_mmc::cdb::{BlankingType, CloseFunction, TrackAddress};
use discburn_mmc::reply::{
    DiscStatus, FormatUnitParameters, SessionState, WriteParameters, WriteType,
};
use discburn_mmc::{Drive, FeatureCode, NoSleep};

fn feature_current(d: &mut Emu, code: u16) -> bool {
    d.feature(FeatureCode(code))
        .unwrap()
        .is_some_and(|f| f.current)
}

// ---- DVD+R -----------------------------------------------------------------------

#[test]
fn mmc_9_8_3_dvd_plus_r_two_sessions() {
    let disc = disc(MediaType::DvdPlusR, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x001B);
    assert!(feature_current(&mut d, 0x002B));
    let inv = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!((inv.track_number, inv.next_writable_address), (1, Some(0)));
    assert_eq!(
        (inv.track_mode, inv.packet_inc, inv.fixed_packet),
        (4, false, false)
    );
    assert_eq!(inv.fixed_packet_size, 16);
    assert_eq!(inv.free_blocks, 2_295_104);

    d.write10(0, &pattern(0, 1000, 1)).unwrap();
    d.synchronize_cache(true).unwrap();
    let t = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(t.track_number, 1);
    assert_eq!(t.next_writable_address, Some(1008));
    assert_eq!(t.last_recorded_address, Some(1007));
    let di = rdi_last_session(&mut d, SessionState::Incomplete, (1, 1));
    assert_eq!(di.last_session_lead_in_start_address, 0);

    close(&mut d, CloseFunction::Track, 1);
    assert_eq!(rti(&mut d, TrackAddress::Track(1)).track_size, 1008);
    close(&mut d, CloseFunction::Session, 0);
    let di = rdi_disc(
        &mut d,
        DiscStatus::Incomplete,
        2,
        SessionState::Empty,
        (2, 2),
    );
    // Lead-in field = end of the Closure (1008 + 1024); NWA = that + Intro (1024).
    assert_eq!(di.last_session_lead_in_start_address, 2032);
    let t2 = rti(&mut d, TrackAddress::Track(2));
    assert_eq!(t2.next_writable_address, Some(3056));
    assert_eq!(t2.track_start_address, 3056);
    let si = d.read_session_info().unwrap();
    assert_eq!(
        (si.last_complete_session, si.first_track_in_last_session),
        (1, 1)
    );
    assert_eq!(si.start_address_of_first_track_in_last_session, 0);
    assert_eq!(d.read_capacity().unwrap().last_lba, 1007);

    d.write10(3056, &pattern(3056, 64, 2)).unwrap();
    d.synchronize_cache(true).unwrap();
    close(&mut d, CloseFunction::Track, 2);
    close(&mut d, CloseFunction::Session, 0);
    let si = d.read_session_info().unwrap();
    assert_eq!(
        (si.last_complete_session, si.first_track_in_last_session),
        (2, 2)
    );
    assert_eq!(si.start_address_of_first_track_in_last_session, 3056);
    // Full TOC is CD only.
    expect_sense(d.read_full_toc(1), (5, 0x24, 0));
    assert_eq!(read(&mut d, 0, 1000), pattern(0, 1000, 1));
    assert_eq!(read(&mut d, 3056, 64), pattern(3056, 64, 2));
    // Gap blocks are not readable.
    expect_sense(d.read10(2000, &mut [0u8; 2048]), (5, 0x21, 0x00));
}

#[test]
fn mmc_5_6_dvd_plus_r_finalize_and_closing_rules() {
    let disc = disc(MediaType::DvdPlusR, None);
    let mut d = open(&disc.path);
    d.write10(0, &pattern(0, 32, 1)).unwrap();
    expect_sense(
        d.close_track_session(CloseFunction::Session, 0, false),
        (5, 0x72, 0x03),
    );
    // Closing the invisible (next) track is a no-op; an unknown one is an error.
    expect_sense(
        d.close_track_session(CloseFunction::Track, 9, false),
        (5, 0x24, 0),
    );
    close(&mut d, CloseFunction::Track, 1);
    close(&mut d, CloseFunction::Track, 2);
    close(&mut d, CloseFunction::FinalizeMinimalRadius, 0);
    let di = rdi(&mut d);
    assert_eq!(
        (di.disc_status, di.state_of_last_session),
        (DiscStatus::Complete, SessionState::Complete)
    );
    expect_sense(d.write10(32, &pattern(32, 16, 1)), (5, 0x21, 0x02));
    expect_sense(d.track_information(TrackAddress::INVISIBLE), (5, 0x24, 0));
    expect_sense(d.blank(BlankingType::Disc, 0, false), (5, 0x24, 0));
    // FORMAT is refused on DVD+R.
    let params = FormatUnitParameters {
        fov: false,
        immed: false,
        number_of_blocks: 0,
        format_type: 0,
        format_sub_type: 0,
        type_dependent_parameter: 0,
    };
    expect_sense(d.format_unit(&params), (5, 0x30, 0x06));
}

#[test]
fn mmc_6_3_dvd_plus_r_auto_finalizes_when_nearly_full() {
    let disc = disc(MediaType::DvdPlusR, Some(8192));
    let mut d = open(&disc.path);
    d.write10(0, &pattern(0, 4096, 1)).unwrap();
    close(&mut d, CloseFunction::Track, 1);
    close(&mut d, CloseFunction::Session, 0);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Incomplete);
    let nwa = rti(&mut d, TrackAddress::INVISIBLE)
        .next_writable_address
        .unwrap();
    assert_eq!(nwa, 6144);
    d.write10(nwa, &pattern(nwa, 1024, 2)).unwrap();
    close(&mut d, CloseFunction::Track, 2);
    close(&mut d, CloseFunction::Session, 0);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Complete);
}

#[test]
fn mmc_6_3_dvd_plus_r_dl_session_limit_finalizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dl.img");
    let mut opts = DiscOptions::new(MediaType::DvdPlusRDl);
    let mut g = Geometry::for_media(MediaType::DvdPlusRDl).unwrap();
    g.max_sessions = 2;
    opts.geometry = Some(g);
    create_disc_with(&path, &opts).unwrap();
    let mut d = open(&path);
    assert_eq!(d.current_profile().unwrap().number(), 0x002B);
    assert!(feature_current(&mut d, 0x003B));
    for (i, start) in [0u32, 2064].into_iter().enumerate() {
        assert_eq!(
            rti(&mut d, TrackAddress::INVISIBLE).next_writable_address,
            Some(start)
        );
        d.write10(start, &pattern(start, 16, i as u8)).unwrap();
        close(&mut d, CloseFunction::Track, i as u16 + 1);
        close(&mut d, CloseFunction::CloseSessionDl, 0);
    }
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Complete);
}

// ---- DVD-R / DVD-RW sequential -----------------------------------------------------

#[test]
fn mmc_9_8_4_dvd_minus_r_two_rzones_in_one_border() {
    let disc = disc(MediaType::DvdMinusR, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x0011);
    assert!(feature_current(&mut d, 0x0021));
    let link = d.feature(FeatureCode(0x0021)).unwrap().unwrap();
    assert_eq!((link.data[3], link.data[4]), (1, 16));
    select_dvd_incremental(&mut d, 0b11);
    // FFh is not valid on DVD-R: hosts use Last Track in Last Session (mmc.md §3).
    expect_sense(d.track_information(TrackAddress::INVISIBLE), (5, 0x24, 0));
    let last = rdi(&mut d).last_track_in_last_session;
    let t = rti(&mut d, TrackAddress::Track(u32::from(last)));
    assert_eq!((t.track_number, t.next_writable_address), (1, Some(0)));
    assert!(t.blank && t.packet_inc && !t.fixed_packet);
    assert_eq!(t.track_mode, 5);

    d.write10(0, &pattern(0, 1000, 1)).unwrap();
    d.synchronize_cache(true).unwrap();
    close(&mut d, CloseFunction::Track, 1);
    let last = rdi(&mut d).last_track_in_last_session;
    assert_eq!(last, 2);
    let t2 = rti(&mut d, TrackAddress::Track(2));
    assert_eq!(t2.next_writable_address, Some(1008 + 16));
    d.write10(1024, &pattern(1024, 384, 2)).unwrap();
    d.synchronize_cache(true).unwrap();
    close(&mut d, CloseFunction::Track, 2);
    close(&mut d, CloseFunction::Session, 0);
    let di = rdi(&mut d);
    assert_eq!(
        (di.disc_status, di.number_of_sessions),
        (DiscStatus::Incomplete, 2)
    );
    let t3 = rti(&mut d, TrackAddress::Track(3));
    assert_eq!(t3.next_writable_address, Some(1408 + 32_768));
    let si = d.read_session_info().unwrap();
    assert_eq!(
        (
            si.first_track_in_last_session,
            si.start_address_of_first_track_in_last_session
        ),
        (1, 0)
    );
    let toc = d.read_toc(false, 0).unwrap();
    assert_eq!(toc.lead_out(), Some(1408));
    // A border closed with Multi-session 00b finalizes.
    select_dvd_incremental(&mut d, 0b00);
    d.write10(34_176, &pattern(34_176, 16, 3)).unwrap();
    close(&mut d, CloseFunction::Track, 3);
    close(&mut d, CloseFunction::Session, 0);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Complete);
}

#[test]
fn mmc_5_13_dvd_minus_r_dao() {
    let disc = disc(MediaType::DvdMinusR, None);
    let mut d = open(&disc.path);
    let mut w = WriteParameters::new(WriteType::SessionAtOnce);
    w.multi_session = 0;
    w.track_mode = 5;
    d.set_write_parameters(&w).unwrap();
    // DAO needs a reservation first.
    expect_sense(d.write10(0, &pattern(0, 16, 1)), (5, 0x2C, 0));
    d.reserve_track(5000).unwrap();
    let t = rti(&mut d, TrackAddress::Track(1));
    assert!(t.reserved_track && t.blank && !t.packet_inc);
    assert_eq!(t.free_blocks, 5000);
    d.write10(0, &pattern(0, 5000, 1)).unwrap();
    expect_sense(d.write10(5000, &pattern(5000, 16, 1)), (5, 0x21, 0x02));
    d.synchronize_cache(true).unwrap();
    let di = rdi(&mut d);
    assert_eq!(di.disc_status, DiscStatus::Complete);
    assert_eq!(d.read_capacity().unwrap().last_lba, 4999);
    let si = d.read_session_info().unwrap();
    assert_eq!(si.start_address_of_first_track_in_last_session, 0);
}

#[test]
fn mmc_5_2_reserved_rzone_must_be_filled_before_border_close() {
    let disc = disc(MediaType::DvdMinusR, None);
    let mut d = open(&disc.path);
    select_dvd_incremental(&mut d, 0b11);
    d.reserve_track(100).unwrap();
    let t1 = rti(&mut d, TrackAddress::Track(1));
    assert_eq!(t1.free_blocks, 112);
    assert_eq!(
        rti(&mut d, TrackAddress::Track(2)).next_writable_address,
        Some(112 + 16)
    );
    expect_sense(
        d.close_track_session(CloseFunction::Session, 0, false),
        (5, 0x72, 0x04),
    );
    d.write10(0, &pattern(0, 32, 1)).unwrap();
    expect_sense(d.write10(32, &pattern(32, 96, 1)), (5, 0x63, 0x00));
    close(&mut d, CloseFunction::Track, 1);
    close(&mut d, CloseFunction::Session, 0);
    assert_eq!(rdi(&mut d).number_of_sessions, 2);
}

#[test]
fn mmc_5_8_dvd_rw_minimal_blank_allows_only_dao() {
    let disc = disc(MediaType::DvdMinusRw, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x0014);
    assert!(rdi(&mut d).erasable);
    select_dvd_incremental(&mut d, 0b11);
    d.write10(0, &pattern(0, 16, 1)).unwrap();
    close(&mut d, CloseFunction::Track, 1);
    close(&mut d, CloseFunction::Session, 0);
    d.blank(BlankingType::Minimal, 0, true).unwrap();
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Empty);
    assert!(!feature_current(&mut d, 0x0021));
    expect_sense(d.write10(0, &pattern(0, 16, 1)), (5, 0x64, 0x00));
    d.blank(BlankingType::Disc, 0, true).unwrap();
    assert!(feature_current(&mut d, 0x0021));
    d.write10(0, &pattern(0, 16, 1)).unwrap();
}

// ---- BD-R --------------------------------------------------------------------------

#[test]
fn mmc_9_5_bd_r_srm_sessions_and_several_open_tracks() {
    let disc = disc(MediaType::BdR, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x0041);
    assert!(!feature_current(&mut d, 0x0038));
    expect_sense(d.track_information(TrackAddress::INVISIBLE), (5, 0x24, 0));
    let last = rdi(&mut d).last_track_in_last_session;
    let t = rti(&mut d, TrackAddress::Track(u32::from(last)));
    assert_eq!(
        (t.next_writable_address, t.fixed_packet_size, t.free_blocks),
        (Some(0), 32, 12_219_392)
    );

    // RESERVE TRACK splits: track 1 [0, 320), invisible track 2 at 320.
    d.reserve_track(300).unwrap();
    let t2 = rti(&mut d, TrackAddress::Track(2));
    assert_eq!(t2.next_writable_address, Some(320));
    d.write10(320, &pattern(320, 64, 2)).unwrap();
    d.write10(0, &pattern(0, 64, 1)).unwrap();
    d.write10(384, &pattern(384, 40, 2)).unwrap();
    d.synchronize_cache(true).unwrap();
    assert_eq!(
        rti(&mut d, TrackAddress::Track(2)).next_writable_address,
        Some(448)
    );
    assert_eq!(
        rti(&mut d, TrackAddress::Track(1)).next_writable_address,
        Some(64)
    );
    expect_sense(
        d.close_track_session(CloseFunction::Session, 0, false),
        (5, 0x72, 0x04),
    );
    close(&mut d, CloseFunction::Track, 1);
    expect_sense(
        d.close_track_session(CloseFunction::Session, 0, false),
        (5, 0x72, 0x03),
    );
    close(&mut d, CloseFunction::Track, 2);
    close(&mut d, CloseFunction::Session, 0);
    let di = rdi(&mut d);
    assert_eq!(
        (di.number_of_sessions, di.last_track_in_last_session),
        (2, 3)
    );
    let t3 = rti(&mut d, TrackAddress::Track(3));
    assert_eq!(t3.next_writable_address, Some(448));
    let toc = d.read_toc(false, 0).unwrap();
    assert_eq!(
        toc.descriptors
            .iter()
            .map(|x| x.track_start_address)
            .collect::<Vec<_>>(),
        vec![0, 320, 448]
    );
    // Padding of track 1 reads as zeros, data as written.
    assert_eq!(read(&mut d, 0, 64), pattern(0, 64, 1));
    assert_eq!(read(&mut d, 64, 1), vec![0u8; 2048]);
    assert_eq!(read(&mut d, 384, 40), pattern(384, 40, 2));
    close(&mut d, CloseFunction::FinalizeDisc, 0);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Complete);
}

#[test]
fn mmc_9_8_7_bd_r_reloaded_with_incomplete_session() {
    let disc = disc(MediaType::BdR, None);
    {
        let mut d = open(&disc.path);
        d.write10(0, &pattern(0, 64, 1)).unwrap();
        d.synchronize_cache(true).unwrap();
    }
    let mut d = open(&disc.path);
    let di = rdi(&mut d);
    assert_eq!(
        (di.disc_status, di.state_of_last_session),
        (DiscStatus::Incomplete, SessionState::Incomplete)
    );
    let t = rti(&mut d, TrackAddress::Track(1));
    assert_eq!((t.next_writable_address, t.damage), (Some(64), false));
    close(&mut d, CloseFunction::Track, 1);
    close(&mut d, CloseFunction::Session, 0);
    assert_eq!(rdi(&mut d).state_of_last_session, SessionState::Empty);
    assert_eq!(read(&mut d, 0, 64), pattern(0, 64, 1));
}

#[test]
fn mmc_1_4_bd_r_formatted_unwritten_reports_one_empty_session() {
    let disc = disc(MediaType::BdR, None);
    let mut d = open(&disc.path);
    let rfc = d.read_format_capacities().unwrap();
    assert!(rfc.descriptors.iter().any(|x| x.format_type == 0x32));
    let params = FormatUnitParameters {
        fov: true,
        immed: true,
        number_of_blocks: 11_826_176,
        format_type: 0x00,
        format_sub_type: 0b01,
        type_dependent_parameter: 0x3000,
    };
    d.format_unit(&params).unwrap();
    let di = rdi(&mut d);
    assert_eq!(
        (
            di.disc_status,
            di.state_of_last_session,
            di.number_of_sessions
        ),
        (DiscStatus::Incomplete, SessionState::Empty, 1)
    );
    assert_eq!(d.read_capacity().unwrap().last_lba, 0);
    assert_eq!(rti(&mut d, TrackAddress::Track(1)).free_blocks, 11_826_176);
    assert!(!feature_current(&mut d, 0x0038));
    expect_sense(d.format_unit(&params), (5, 0x30, 0x06));
}

#[test]
fn mmc_9_8_8_bd_r_pow_rewrite_in_place() {
    let disc = disc(MediaType::BdR, Some(100_000));
    let mut d = open(&disc.path);
    let params = FormatUnitParameters {
        fov: true,
        immed: false,
        number_of_blocks: 0,
        format_type: 0x00,
        format_sub_type: 0b00,
        type_dependent_parameter: 0,
    };
    d.format_unit(&params).unwrap();
    assert!(feature_current(&mut d, 0x0038));
    let pow = d.disc_information_raw(0x10).unwrap();
    let remaining = u32::from_be_bytes(pow[4..8].try_into().unwrap());
    assert!(remaining > 0);
    // MMC-6 6.22: Data Type 010b in CDB byte 1 bits 2-0 (02h) answers the same 16
    // bytes as dvd+rw-mediainfo's 10h: Disc Information Length 000Eh, byte 2 bits 7-5
    // = 010b, byte 3 reserved, then three big-endian 32-bit counts.
    let mmc6 = d.disc_information_raw(0b010).unwrap();
    assert_eq!(mmc6, pow);
    assert_eq!(
        (mmc6.len(), &mmc6[..4]),
        (16, &[0x00, 0x0E, 0x40, 0x00][..])
    );
    // Session 1 (growisofs: write, SYNC, CLOSE 001b only).
    d.write10(0, &pattern(0, 64, 1)).unwrap();
    d.synchronize_cache(true).unwrap();
    close(&mut d, CloseFunction::Track, 1);
    // Session 2 data at the next track's NWA.
    let nwa = rti(&mut d, TrackAddress::Track(2))
        .next_writable_address
        .unwrap();
    assert_eq!(nwa, 64);
    d.write10(64, &pattern(64, 64, 2)).unwrap();
    // Rewrite the volume descriptors at 16..31 in place.
    let new = pattern(16, 16, 9);
    d.write10(16, &new).unwrap();
    let t2 = rti(&mut d, TrackAddress::Track(2));
    assert_eq!(t2.next_writable_address, Some(160));
    assert_eq!(read(&mut d, 16, 16), new);
    assert_eq!(read(&mut d, 0, 16), pattern(0, 16, 1));
    assert_eq!(read(&mut d, 32, 32), pattern(32, 32, 1));
    assert_eq!(read(&mut d, 64, 64), pattern(64, 64, 2));
    let pow = d.disc_information_raw(0x10).unwrap();
    assert_eq!(
        u32::from_be_bytes(pow[4..8].try_into().unwrap()),
        remaining - 1
    );
    // Never-written blocks away from an NWA stay refused.
    expect_sense(d.write10(5000, &pattern(5000, 32, 3)), (5, 0x21, 0x02));
    // The mapping survives a reopen.
    drop(d);
    let mut d = Drive::with_sleeper(EmulatedDrive::open(&disc.path).unwrap(), Box::new(NoSleep));
    assert_eq!(read(&mut d, 16, 16), new);
    assert_eq!(read(&mut d, 0, 16), pattern(0, 16, 1));
}

#[test]
fn mmc_5_4_bd_r_strict_alignment_option() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bd.img");
    let mut opts = DiscOptions::new(MediaType::BdR);
    opts.settings.strict_alignment = true;
    create_disc_with(&path, &opts).unwrap();
    let mut d = open(&path);
    expect_sense(d.write10(0, &pattern(0, 16, 1)), (5, 0x21, 0x02));
    d.write10(0, &pattern(0, 32, 1)).unwrap();
}
