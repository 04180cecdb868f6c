//! The raw image is readable by independent tools: two ISO 9660 sessions made by
//! genisoimage (the second with `-C first,next -M image`, using the msinfo the emulated
//! drive reports, mmc.md §6.6) are burnt through the emulator; isoinfo and xorriso then
//! read every session straight from `<PATH>` (sector LBA at byte LBA × 2048).
//! The tools are installed by scripts/test.sh.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use discburn_emu::MediaType;
use discburn_mmc::cdb::{CloseFunction, TrackAddress};

fn tool(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} ({e}); scripts/test.sh installs genisoimage and xorriso")
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn burn_session(d: &mut Emu, m: MediaType, iso: &Path) -> u32 {
    let mut data = std::fs::read(iso).unwrap();
    let unit = m.write_unit() as usize * 2048;
    data.resize(data.len().div_ceil(unit) * unit, 0);
    let addr = match m {
        MediaType::CdR | MediaType::DvdPlusR => TrackAddress::INVISIBLE,
        _ => TrackAddress::Track(u32::from(rdi(d).last_track_in_last_session)),
    };
    let t = rti(d, addr);
    let nwa = t.next_writable_address.unwrap();
    d.write10(nwa, &data).unwrap();
    d.synchronize_cache(true).unwrap();
    if m != MediaType::CdR {
        close(d, CloseFunction::Track, t.track_number);
    }
    close(d, CloseFunction::Session, 0);
    nwa
}

fn two_sessions_read_by_isoinfo_and_xorriso(m: MediaType) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (sub, name, text) in [("a", "one.txt", "hello\n"), ("b", "two.txt", "world\n")] {
        std::fs::create_dir(root.join(sub)).unwrap();
        std::fs::write(root.join(sub).join(name), text).unwrap();
    }
    let disc = disc(m, None);
    let img = &disc.path;
    let mut d = open(img);
    if m == MediaType::CdR {
        select_cd_tao(&mut d, 0b11);
    }
    let s1 = root.join("s1.iso");
    tool(
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-J", "-o"])
            .arg(&s1)
            .arg(root.join("a")),
    );
    assert_eq!(burn_session(&mut d, m, &s1), 0);

    // msinfo from the drive: READ TOC format 1 and the next NWA.
    let first = d
        .read_session_info()
        .unwrap()
        .start_address_of_first_track_in_last_session;
    let addr = match m {
        MediaType::CdR | MediaType::DvdPlusR => TrackAddress::INVISIBLE,
        _ => TrackAddress::Track(u32::from(rdi(&mut d).last_track_in_last_session)),
    };
    let next = rti(&mut d, addr).next_writable_address.unwrap();
    assert!(next > 0);
    let s2 = root.join("s2.iso");
    tool(
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-J", "-C", &format!("{first},{next}"), "-M"])
            .arg(img)
            .arg("-o")
            .arg(&s2)
            .arg(root.join("b")),
    );
    assert_eq!(burn_session(&mut d, m, &s2), next);
    drop(d);

    let listing = tool(Command::new("isoinfo").arg("-i").arg(img).args([
        "-R",
        "-l",
        "-T",
        &next.to_string(),
    ]));
    assert!(
        listing.contains("one.txt") && listing.contains("two.txt"),
        "{listing}"
    );
    let one = tool(Command::new("isoinfo").arg("-i").arg(img).args([
        "-R",
        "-x",
        "/one.txt",
        "-T",
        &next.to_string(),
    ]));
    assert_eq!(one, "hello\n");
    let session1 = tool(
        Command::new("isoinfo")
            .arg("-i")
            .arg(img)
            .args(["-R", "-l", "-T", "0"]),
    );
    assert!(
        session1.contains("one.txt") && !session1.contains("two.txt"),
        "{session1}"
    );
    let out = root.join("two.out");
    tool(
        Command::new("xorriso")
            .arg("-indev")
            .arg(img)
            .args([
                "-load",
                "sbsector",
                &next.to_string(),
                "-osirrox",
                "on",
                "-extract",
                "/two.txt",
            ])
            .arg(&out),
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "world\n");
}

#[test]
fn oracle_cd_r_sessions_read_by_isoinfo_and_xorriso() {
    two_sessions_read_by_isoinfo_and_xorriso(MediaType::CdR);
}

#[test]
fn oracle_dvd_plus_r_sessions_read_by_isoinfo_and_xorriso() {
    two_sessions_read_by_isoinfo_and_xorriso(MediaType::DvdPlusR);
}

#[test]
fn oracle_bd_r_sessions_read_by_isoinfo_and_xorriso() {
    two_sessions_read_by_isoinfo_and_xorriso(MediaType::BdR);
}
