//! Class F (mmc.md §9.7): DVD+RW, DVD-RAM, BD-RE and DVD-RW restricted overwrite.

mod common;

use common::*;
use discburn_emu::{DiscOptions, MediaType, create_disc_with};
use discburn_mmc::FeatureCode;
use discburn_mmc::cdb::{BlankingType, CloseFunction, TrackAddress};
use discburn_mmc::reply::{BgFormatStatus, DiscStatus, FormatDescriptorType, FormatUnitParameters};

fn format_params(format_type: u8, blocks: u32, tdp: u32, immed: bool) -> FormatUnitParameters {
    FormatUnitParameters {
        fov: true,
        immed,
        number_of_blocks: blocks,
        format_type,
        format_sub_type: 0,
        type_dependent_parameter: tdp,
    }
}

#[test]
fn mmc_9_8_9_dvd_plus_rw_background_format_then_close() {
    let disc = disc(MediaType::DvdPlusRw, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x001A);
    let di = rdi(&mut d);
    assert_eq!(
        (di.disc_status, di.bg_format_status),
        (DiscStatus::Empty, BgFormatStatus::NotFormatted)
    );
    let rfc = d.read_format_capacities().unwrap();
    assert_eq!(
        rfc.current_descriptor_type,
        FormatDescriptorType::Unformatted
    );
    let f26 = rfc
        .descriptors
        .iter()
        .find(|x| x.format_type == 0x26)
        .unwrap();
    assert_eq!(f26.number_of_blocks, 2_295_104);
    // Unformatted: writes are refused.
    expect_sense(d.write10(0, &pattern(0, 16, 1)), (5, 0x30, 0x10));
    d.format_unit(&format_params(0x26, 0xFFFF_FFFF, 0, true))
        .unwrap();
    assert_eq!(rdi(&mut d).bg_format_status, BgFormatStatus::InProgress);
    // Writable at once, anywhere.
    d.write10(0, &pattern(0, 32, 1)).unwrap();
    d.write10(100_000, &pattern(100_000, 16, 2)).unwrap();
    d.write10(16, &pattern(16, 16, 3)).unwrap();
    d.synchronize_cache(true).unwrap();
    close(&mut d, CloseFunction::StopBackgroundFormat, 0);
    assert_eq!(rdi(&mut d).bg_format_status, BgFormatStatus::Suspended);
    close(&mut d, CloseFunction::Session, 0);
    let di = rdi(&mut d);
    assert_eq!(
        (di.disc_status, di.bg_format_status),
        (DiscStatus::Complete, BgFormatStatus::Completed)
    );
    assert_eq!(d.read_capacity().unwrap().last_lba, 2_295_103);
    assert_eq!(read(&mut d, 0, 16), pattern(0, 16, 1));
    assert_eq!(read(&mut d, 16, 16), pattern(16, 16, 3));
    assert_eq!(read(&mut d, 100_000, 16), pattern(100_000, 16, 2));
    let t = rti(&mut d, TrackAddress::Track(1));
    assert_eq!(
        (t.track_start_address, t.track_size, t.next_writable_address),
        (0, 2_295_104, None)
    );
    assert!(d.feature(FeatureCode(0x0020)).unwrap().unwrap().current);
    let toc = d.read_toc(false, 0).unwrap();
    assert_eq!(toc.lead_out(), Some(2_295_104));
    expect_sense(d.track_information(TrackAddress::INVISIBLE), (5, 0x24, 0));
    expect_sense(d.write10(2_295_100, &pattern(0, 16, 1)), (5, 0x21, 0x00));
}

#[test]
fn mmc_9_7_bd_re_format_then_write_anywhere() {
    let disc = disc(MediaType::BdRe, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x0043);
    assert!(!d.feature(FeatureCode(0x0020)).unwrap().unwrap().current);
    let rfc = d.read_format_capacities().unwrap();
    assert_eq!(
        rfc.current_descriptor_type,
        FormatDescriptorType::Unformatted
    );
    assert_eq!(rfc.current_number_of_blocks, 12_219_392);
    let f00 = rfc
        .descriptors
        .iter()
        .find(|x| x.format_type == 0x00)
        .unwrap();
    assert_eq!(
        (f00.number_of_blocks, f00.type_dependent_parameter),
        (11_826_176, 0x3000)
    );
    let f31 = rfc
        .descriptors
        .iter()
        .find(|x| x.format_type == 0x31)
        .unwrap();
    assert_eq!(f31.number_of_blocks, 12_219_392);
    expect_sense(d.write10(0, &pattern(0, 32, 1)), (5, 0x30, 0x10));
    d.format_unit(&format_params(0x30, 11_826_176, 0x3000, true))
        .unwrap();
    assert_eq!(d.read_capacity().unwrap().last_lba, 11_826_175);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Complete);
    assert!(d.feature(FeatureCode(0x0020)).unwrap().unwrap().current);
    for lba in [0u32, 64, 5_000_000, 11_826_176 - 32] {
        d.write10(lba, &pattern(lba, 32, 7)).unwrap();
    }
    d.synchronize_cache(false).unwrap();
    for lba in [0u32, 64, 5_000_000, 11_826_176 - 32] {
        assert_eq!(read(&mut d, lba, 32), pattern(lba, 32, 7));
    }
    // Overwrite.
    d.write10(64, &pattern(64, 32, 8)).unwrap();
    assert_eq!(read(&mut d, 64, 32), pattern(64, 32, 8));
    // CLOSE is not valid on BD-RE (mmc.md §5.6).
    expect_sense(
        d.close_track_session(CloseFunction::Session, 0, false),
        (5, 0x24, 0),
    );
    expect_sense(d.reserve_track(32), (5, 0x2C, 0));
    // Reformat without spares.
    d.format_unit(&format_params(0x31, 12_219_392, 0x800, false))
        .unwrap();
    assert_eq!(d.read_capacity().unwrap().last_lba, 12_219_391);
}

#[test]
fn mmc_9_7_dvd_ram_is_always_formatted() {
    let disc = disc(MediaType::DvdRam, None);
    let mut d = open(&disc.path);
    assert_eq!(d.current_profile().unwrap().number(), 0x0012);
    let di = rdi(&mut d);
    assert_eq!(di.disc_status, DiscStatus::Other);
    assert!(di.erasable);
    assert!(d.feature(FeatureCode(0x0024)).unwrap().unwrap().current);
    d.write10(7, &pattern(7, 3, 1)).unwrap();
    assert_eq!(read(&mut d, 7, 3), pattern(7, 3, 1));
    assert_eq!(d.read_capacity().unwrap().last_lba, 2_236_703);
}

#[test]
fn mmc_1_4_dvd_rw_format_to_restricted_overwrite_and_back() {
    let disc = disc(MediaType::DvdMinusRw, Some(100_000));
    let mut d = open(&disc.path);
    select_dvd_incremental(&mut d, 0b11);
    d.write10(0, &pattern(0, 16, 1)).unwrap();
    d.synchronize_cache(true).unwrap();
    d.format_unit(&format_params(0x15, 100_000, 16, true))
        .unwrap();
    assert_eq!(d.current_profile().unwrap().number(), 0x0013);
    assert!(d.feature(FeatureCode(0x0026)).unwrap().unwrap().current);
    let t = rti(&mut d, TrackAddress::Track(1));
    assert!(t.packet_inc && t.fixed_packet);
    // Restricted overwrite: 32 KiB aligned starts only.
    expect_sense(d.write10(8, &pattern(8, 16, 1)), (5, 0x21, 0x02));
    d.write10(32, &pattern(32, 16, 2)).unwrap();
    assert_eq!(read(&mut d, 32, 16), pattern(32, 16, 2));
    assert_eq!(
        read(&mut d, 0, 16),
        vec![0u8; 16 * 2048],
        "FORMAT erased the old session"
    );
    close(&mut d, CloseFunction::Session, 0);
    d.blank(BlankingType::Disc, 0, true).unwrap();
    assert_eq!(d.current_profile().unwrap().number(), 0x0014);
    assert_eq!(rdi(&mut d).disc_status, DiscStatus::Empty);
}

#[test]
fn mmc_9_7_formatted_option_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rw.img");
    let mut opts = DiscOptions::new(MediaType::DvdPlusRw);
    opts.formatted = true;
    create_disc_with(&path, &opts).unwrap();
    let mut d = open(&path);
    let di = rdi(&mut d);
    assert_eq!(
        (di.disc_status, di.bg_format_status),
        (DiscStatus::Complete, BgFormatStatus::Completed)
    );
    d.write10(0, &pattern(0, 16, 1)).unwrap();
}
