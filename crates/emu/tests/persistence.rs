//! Persistence, crash recovery and fault injection: the state beside the image is
//! written ahead of the data, a crash or injected power cut leaves what a real drive
//! reports (an open session with a damaged incomplete track), and closed sessions are
//! never disturbed.

mod common;

use std::time::Duration;

use common::*;
use discburn_emu::{
    CommandMatch, EmuError, EmulatedDrive, FailAfter, FaultPlan, MediaType, SenseCode, SenseFault,
    disc_faults, set_disc_faults,
};
use discburn_mmc::cdb::{CloseFunction, TrackAddress};
use discburn_mmc::reply::{DiscStatus, SessionState};
use discburn_mmc::{Data, Drive, MmcError, NoSleep, Transport, TransportError};

const CHUNK: u32 = 32;

fn is_cd(m: MediaType) -> bool {
    matches!(m, MediaType::CdR | MediaType::CdRw)
}

/// The NWA of the track a host would write next (mmc.md §6.6: FFh on CD and DVD+R,
/// Last Track in Last Session elsewhere).
fn next_nwa(d: &mut Emu, m: MediaType) -> Result<(u32, u16), MmcError> {
    let addr = if matches!(m, MediaType::CdR | MediaType::DvdPlusR) {
        TrackAddress::INVISIBLE
    } else {
        TrackAddress::Track(u32::from(d.disc_information()?.last_track_in_last_session))
    };
    let t = d.track_information(addr)?;
    Ok((t.next_writable_address.expect("NWA_V"), t.track_number))
}

/// Page 05h for an appendable session where the profile honours it (CD, DVD-R).
fn select_appendable(d: &mut Emu, m: MediaType) {
    match m {
        MediaType::CdR | MediaType::CdRw => select_cd_tao(d, 0b11),
        MediaType::DvdMinusR | MediaType::DvdMinusRw => select_dvd_incremental(d, 0b11),
        _ => {}
    }
}

/// Session 1: one closed track of 64 blocks (seed 1).
fn first_session(d: &mut Emu, m: MediaType) {
    select_appendable(d, m);
    let (nwa, track) = next_nwa(d, m).unwrap();
    assert_eq!(nwa, 0);
    d.write10(0, &pattern(0, 64, 1)).unwrap();
    d.synchronize_cache(true).unwrap();
    if !is_cd(m) {
        close(d, CloseFunction::Track, track);
    }
    close(d, CloseFunction::Session, 0);
}

/// Acknowledged writes: (lba, blocks, seed).
type Acked = Vec<(u32, u32, u8)>;

/// Session 2 with two tracks (320 + 192 blocks, 32-block WRITEs), as the real writers
/// send it (mmc.md §5.13). Stops at the first failure.
fn two_track_session(d: &mut Emu, m: MediaType, acked: &mut Acked) -> Result<(), MmcError> {
    select_appendable(d, m);
    for (blocks, seed) in [(320u32, 2u8), (192, 3)] {
        let (nwa, track) = next_nwa(d, m)?;
        for i in 0..blocks / CHUNK {
            let lba = nwa + i * CHUNK;
            d.write10(lba, &pattern(lba, CHUNK, seed))?;
            acked.push((lba, CHUNK, seed));
        }
        d.synchronize_cache(true)?;
        if !is_cd(m) {
            d.close_track_session(CloseFunction::Track, track, true)?;
        }
    }
    d.close_track_session(CloseFunction::Session, 0, true)?;
    Ok(())
}

fn lost(e: &MmcError) -> bool {
    matches!(e, MmcError::Transport(TransportError::DeviceLost { .. }))
}

/// What a host does with a disc left with an open session (libburn
/// `burn_disc_close_damaged`): close every track of the last session, then the session.
fn repair(d: &mut Emu, m: MediaType) {
    select_appendable(d, m);
    let di = rdi(d);
    for t in di.first_track_in_last_session..=di.last_track_in_last_session {
        close(d, CloseFunction::Track, t);
    }
    close(d, CloseFunction::Session, 0);
}

enum Cut {
    Sectors(u64),
    Command(u8, u32),
}

/// Runs session 2 with a power cut, reopens, and checks what the drive reports.
fn power_cut_case(m: MediaType, cut: Cut) {
    let disc = disc(m, None);
    let mut d = open(&disc.path);
    first_session(&mut d, m);
    let session1 = read(&mut d, 0, 64);
    drop(d);

    let mut e = EmulatedDrive::open(&disc.path).unwrap();
    let label = match cut {
        Cut::Sectors(n) => {
            e.faults_mut().power_cut_after_sectors = Some(n);
            format!("{m} cut after {n} sectors")
        }
        Cut::Command(opcode, nth) => {
            e.faults_mut().power_cut_at_command = Some(CommandMatch { opcode, nth });
            format!("{m} cut at command {opcode:02X}h #{nth}")
        }
    };
    let mut d = Drive::with_sleeper(e, Box::new(NoSleep));
    let mut acked = Acked::new();
    let r = two_track_session(&mut d, m, &mut acked);
    let completed = match r {
        Ok(()) => true,
        Err(e) => {
            assert!(lost(&e), "{label}: {e}");
            assert!(d.transport().is_lost());
            assert!(
                lost(&d.test_unit_ready().unwrap_err()),
                "{label}: dead handle answers"
            );
            false
        }
    };
    drop(d);

    // Reopen: recovery.
    let mut d = open(&disc.path);
    let di = rdi(&mut d);
    assert_eq!(di.disc_status, DiscStatus::Incomplete, "{label}");
    assert_eq!(read(&mut d, 0, 64), session1, "{label}: session 1 changed");
    let si = d.read_session_info().unwrap();
    if completed {
        assert_eq!(si.last_complete_session, 2, "{label}");
        assert_eq!(di.state_of_last_session, SessionState::Empty, "{label}");
    } else {
        assert_eq!(si.last_complete_session, 1, "{label}");
        assert_eq!(
            si.start_address_of_first_track_in_last_session, 0,
            "{label}"
        );
        assert_eq!(di.number_of_sessions, 2, "{label}");
        let expect_state = if acked.is_empty() && matches!(cut, Cut::Sectors(0)) {
            SessionState::Empty
        } else {
            SessionState::Incomplete
        };
        assert_eq!(di.state_of_last_session, expect_state, "{label}");
    }
    for &(lba, n, seed) in &acked {
        assert_eq!(
            read(&mut d, lba, n),
            pattern(lba, n, seed),
            "{label}: acknowledged data at {lba}"
        );
    }
    if let Cut::Sectors(n) = cut
        && !completed
    {
        // The track that had writes since the last clean point is reported damaged; on
        // DVD/BD it stays appendable (Damage = 1, NWA_V = 1), on CD it needs CLOSE first.
        let t = rti(
            &mut d,
            TrackAddress::Track(u32::from(di.last_track_in_last_session)),
        );
        let dirty = n != 0 && n != 320;
        assert_eq!(t.damage, dirty, "{label}: {t:?}");
        if dirty {
            assert_eq!(
                t.next_writable_address.is_some(),
                !is_cd(m),
                "{label}: {t:?}"
            );
            // The WRITE cut short was logged whole: the NWA is past it.
            let logged_end = n.div_ceil(u64::from(CHUNK)) * u64::from(CHUNK);
            if let Some(nwa) = t.next_writable_address {
                let in_track = u64::from(nwa - t.track_start_address);
                assert_eq!(
                    in_track,
                    logged_end - if n < 320 { 0 } else { 320 },
                    "{label}"
                );
            }
        }
    }

    // The host repairs the disc and appends a session; everything earlier stays intact.
    if !completed {
        repair(&mut d, m);
    }
    let di = rdi(&mut d);
    assert_eq!(di.state_of_last_session, SessionState::Empty, "{label}");
    select_appendable(&mut d, m);
    let (nwa, track) = next_nwa(&mut d, m).unwrap();
    d.write10(nwa, &pattern(nwa, 64, 9)).unwrap();
    d.synchronize_cache(true).unwrap();
    if !is_cd(m) {
        close(&mut d, CloseFunction::Track, track);
    }
    close(&mut d, CloseFunction::Session, 0);
    assert_eq!(read(&mut d, 0, 64), session1, "{label}");
    assert_eq!(read(&mut d, nwa, 64), pattern(nwa, 64, 9), "{label}");
    for &(lba, n, seed) in &acked {
        assert_eq!(read(&mut d, lba, n), pattern(lba, n, seed), "{label}");
    }
    let si = d.read_session_info().unwrap();
    assert_eq!(
        si.start_address_of_first_track_in_last_session, nwa,
        "{label}"
    );
}

fn power_cut_at_every_step(m: MediaType) {
    let total = 512u64;
    let mut cuts: Vec<u64> = (0..=total).step_by(32).collect();
    cuts.extend([1, 17, 33, 319, 321, 511]);
    for n in cuts {
        power_cut_case(m, Cut::Sectors(n));
    }
    // Between the writes: at each SYNCHRONIZE CACHE and CLOSE TRACK/SESSION.
    for nth in 1..=2 {
        power_cut_case(m, Cut::Command(0x35, nth));
    }
    let closes = if is_cd(m) { 1 } else { 3 };
    for nth in 1..=closes {
        power_cut_case(m, Cut::Command(0x5B, nth));
    }
}

#[test]
fn power_cut_at_every_step_cd_r() {
    power_cut_at_every_step(MediaType::CdR);
}

#[test]
fn power_cut_at_every_step_dvd_plus_r() {
    power_cut_at_every_step(MediaType::DvdPlusR);
}

#[test]
fn power_cut_at_every_step_bd_r() {
    power_cut_at_every_step(MediaType::BdR);
}

#[test]
fn power_cut_at_every_step_dvd_minus_r() {
    power_cut_case(MediaType::DvdMinusR, Cut::Sectors(100));
    power_cut_case(MediaType::DvdMinusR, Cut::Sectors(320));
}

#[test]
fn process_crash_without_drop_replays_the_write_ahead_log() {
    let disc = disc(MediaType::DvdPlusR, None);
    let mut d = open(&disc.path);
    for i in 0..10u32 {
        d.write10(i * CHUNK, &pattern(i * CHUNK, CHUNK, 4)).unwrap();
    }
    // A crash: nothing flushed by the handle.
    d.into_inner().simulate_crash();
    let wal = std::fs::metadata(disc.path.with_extension("img.wal"))
        .unwrap()
        .len();
    assert_eq!(
        wal,
        9 * 24,
        "the first WRITE is in the state, the other nine in the WAL"
    );
    let mut d = open(&disc.path);
    let t = rti(&mut d, TrackAddress::INVISIBLE);
    assert_eq!(t.track_number, 1);
    assert!(t.damage);
    assert_eq!(t.next_writable_address, Some(320));
    assert_eq!(read(&mut d, 0, 320), {
        let mut v = Vec::new();
        for i in 0..10 {
            v.extend(pattern(i * CHUNK, CHUNK, 4));
        }
        v
    });
    assert_eq!(
        std::fs::metadata(disc.path.with_extension("img.wal"))
            .unwrap()
            .len(),
        0
    );
    // Appending continues at the NWA.
    d.write10(320, &pattern(320, 16, 5)).unwrap();
}

#[test]
fn clean_reopen_keeps_every_reported_value() {
    for m in [
        MediaType::CdR,
        MediaType::DvdMinusR,
        MediaType::DvdPlusR,
        MediaType::BdR,
    ] {
        let disc = disc(m, None);
        let mut d = open(&disc.path);
        first_session(&mut d, m);
        let (nwa, _) = next_nwa(&mut d, m).unwrap();
        d.write10(nwa, &pattern(nwa, 48, 2)).unwrap();
        let before = (
            d.disc_information_raw(0).unwrap(),
            d.track_information_raw(TrackAddress::Track(1)).unwrap(),
            d.track_information_raw(TrackAddress::Track(2)).unwrap(),
        );
        drop(d);
        let mut d = open(&disc.path);
        let after = (
            d.disc_information_raw(0).unwrap(),
            d.track_information_raw(TrackAddress::Track(1)).unwrap(),
            d.track_information_raw(TrackAddress::Track(2)).unwrap(),
        );
        assert_eq!(before, after, "{m}");
        assert!(
            !rti(&mut d, TrackAddress::Track(2)).damage,
            "{m}: a clean shutdown is no crash"
        );
    }
}

#[test]
fn fail_after_sectors_records_the_part_and_damages_the_track() {
    let disc = disc(MediaType::BdR, None);
    let mut e = EmulatedDrive::open(&disc.path).unwrap();
    e.faults_mut().fail_after_sectors = Some(FailAfter {
        sectors: 40,
        sense: SenseCode::WRITE_ERROR,
    });
    let mut d = Drive::with_sleeper(e, Box::new(NoSleep));
    d.write10(0, &pattern(0, 32, 1)).unwrap();
    let err = d.write10(32, &pattern(32, 32, 1)).unwrap_err();
    assert_eq!(sense_of(&err), (3, 0x0C, 0x00));
    match err {
        MmcError::Sense { sense, .. } => assert_eq!(sense.information, Some(40)),
        _ => unreachable!(),
    }
    let t = rti(&mut d, TrackAddress::Track(1));
    assert!(t.damage);
    assert_eq!(t.next_writable_address, Some(40));
    assert_eq!(read(&mut d, 32, 8), pattern(32, 8, 1));
    // One-shot: the next WRITE works.
    d.write10(40, &pattern(40, 24, 2)).unwrap();
}

#[test]
fn sense_fault_on_the_nth_occurrence() {
    let disc = disc(MediaType::DvdPlusR, None);
    let mut e = EmulatedDrive::open(&disc.path).unwrap();
    e.faults_mut()
        .sense
        .push("2A:5/21/02@3".parse::<SenseFault>().unwrap());
    let data = pattern(0, 16, 1);
    let t = Duration::from_secs(10);
    for (i, lba) in [0u32, 16, 32, 32].into_iter().enumerate() {
        let cdb = [0x2A, 0, 0, 0, (lba >> 8) as u8, lba as u8, 0, 0, 16, 0];
        let c = e.execute(&cdb, Data::Out(&data), t).unwrap();
        let want = if i == 2 { (5, 0x21, 2) } else { (0, 0, 0) };
        assert_eq!(raw_sense(&c), want, "WRITE #{}", i + 1);
    }
}

#[test]
fn persisted_faults_are_honoured_by_a_new_handle_and_power_cut_fires_once() {
    let disc = disc(MediaType::CdR, None);
    let mut plan = FaultPlan::default();
    plan.power_cut_after_sectors = Some(100);
    plan.sense.push("51:2/04/07@1".parse().unwrap());
    set_disc_faults(&disc.path, plan.clone()).unwrap();
    assert_eq!(disc_faults(&disc.path).unwrap(), plan);

    let mut e = EmulatedDrive::open(&disc.path).unwrap();
    let (c, _) = raw(&mut e, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34);
    assert_eq!(raw_sense(&c), (2, 4, 7));
    let (c, _) = raw(&mut e, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34);
    assert!(c.is_good());
    let mut d = Drive::with_sleeper(e, Box::new(NoSleep));
    select_cd_tao(&mut d, 0b11);
    d.write10(0, &pattern(0, 64, 1)).unwrap();
    let err = d.write10(64, &pattern(64, 64, 1)).unwrap_err();
    assert!(lost(&err));
    drop(d);
    // The power cut was removed from the file when it fired; the sense fault stays.
    let left = disc_faults(&disc.path).unwrap();
    assert_eq!(left.power_cut_after_sectors, None);
    assert_eq!(left.sense, plan.sense);
    let mut d = open(&disc.path);
    let t = rti(&mut d, TrackAddress::Track(1));
    assert!(t.damage);
    assert_eq!(
        t.next_writable_address, None,
        "a damaged CD track needs CLOSE first"
    );
    assert_eq!(read(&mut d, 64, 36), pattern(64, 36, 1));
    assert_eq!(
        read(&mut d, 100, 28),
        vec![0u8; 28 * 2048],
        "sectors after the cut are lost"
    );
    set_disc_faults(&disc.path, FaultPlan::default()).unwrap();
    assert!(disc_faults(&disc.path).unwrap().is_empty());
}

#[test]
fn busy_after_close_reports_long_write_in_progress_k_times() {
    let disc = disc(MediaType::DvdPlusR, None);
    let mut e = EmulatedDrive::open(&disc.path).unwrap();
    e.faults_mut().busy_after_close = Some(4);
    let data = pattern(0, 16, 1);
    let t = Duration::from_secs(10);
    e.execute(&[0x2A, 0, 0, 0, 0, 0, 0, 0, 16, 0], Data::Out(&data), t)
        .unwrap();
    let (c, _) = raw(&mut e, &[0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0], 0);
    assert!(c.is_good());
    for _ in 0..4 {
        let (c, _) = raw(&mut e, &[0x00, 0, 0, 0, 0, 0], 0);
        assert_eq!(raw_sense(&c), (2, 4, 8));
    }
    let (c, _) = raw(&mut e, &[0x00, 0, 0, 0, 0, 0], 0);
    assert!(c.is_good());
    // The drive layer waits it out.
    let mut d = Drive::with_sleeper(e, Box::new(NoSleep));
    d.close_track_session(CloseFunction::Track, 1, true)
        .unwrap();
    d.close_track_session(CloseFunction::Session, 0, true)
        .unwrap();
    assert_eq!(rdi(&mut d).number_of_sessions, 2);
}

#[test]
fn r_06_exclusive_access_names_the_owner() {
    let disc = disc(MediaType::BdRe, None);
    let mut a = EmulatedDrive::open(&disc.path).unwrap();
    let mut b = EmulatedDrive::open(&disc.path).unwrap();
    a.lock_exclusive("burner A").unwrap();
    a.lock_exclusive("burner A").unwrap();
    match b.lock_exclusive("burner B") {
        Err(EmuError::Locked { owner }) => assert_eq!(owner, "burner A"),
        other => panic!("{other:?}"),
    }
    a.unlock().unwrap();
    assert!(
        matches!(b.lock_exclusive("burner B"), Err(EmuError::Locked { .. })),
        "R-05: counted"
    );
    a.unlock().unwrap();
    assert!(matches!(a.unlock(), Err(EmuError::NotLocked)));
    b.lock_exclusive("burner B").unwrap();
    assert_eq!(b.exclusive_owner(), Some("burner B"));
    drop(b);
    // the lock goes with its holder.
    a.lock_exclusive("burner A").unwrap();
}

#[test]
fn handles_share_one_device_and_a_live_writer_is_no_crash() {
    let disc = disc(MediaType::BdR, None);
    let mut a = open(&disc.path);
    let mut b = open(&disc.path);
    a.write10(0, &pattern(0, 64, 1)).unwrap();
    a.write10(64, &pattern(64, 64, 1)).unwrap();
    // B sees the open track (the state file), but may not write while A is writing.
    let t = rti(&mut b, TrackAddress::Track(1));
    assert!(!t.damage);
    assert_eq!(
        t.next_writable_address,
        Some(64),
        "B sees what A persisted ahead"
    );
    match b.write10(128, &pattern(128, 32, 2)).unwrap_err() {
        MmcError::Status { status, .. } => assert_eq!(status, 0x18, "RESERVATION CONFLICT"),
        other => panic!("{other}"),
    }
    // Opening a third handle (e.g. `discburn disc info`) does not "recover" a live burn.
    let report = discburn_emu::disc_report(&disc.path).unwrap();
    assert!(!report.to_string().contains("damaged"), "{report}");
    a.synchronize_cache(false).unwrap();
    assert_eq!(
        rti(&mut b, TrackAddress::Track(1)).next_writable_address,
        Some(128)
    );
    drop(a);
    b.write10(128, &pattern(128, 32, 2)).unwrap();
    b.close_track_session(CloseFunction::Track, 1, false)
        .unwrap();
    assert_eq!(read(&mut b, 0, 160)[..128 * 2048], pattern(0, 128, 1)[..]);
}

#[test]
fn a_corrupt_state_file_is_refused_not_trusted() {
    let disc = disc(MediaType::DvdPlusR, None);
    let state = disc.path.with_extension("img.state.json");
    let text = std::fs::read_to_string(&state).unwrap();
    std::fs::write(
        &state,
        text.replace("\"capacity\": 2295104", "\"capacity\": 4294967295"),
    )
    .unwrap();
    assert!(matches!(
        EmulatedDrive::open(&disc.path),
        Err(EmuError::BadState { .. })
    ));
    std::fs::write(&state, "{ not json").unwrap();
    assert!(matches!(
        EmulatedDrive::open(&disc.path),
        Err(EmuError::BadState { .. })
    ));
    assert!(!discburn_emu::is_emulated_disc(&disc.path));
    std::fs::remove_file(&state).unwrap();
    assert!(matches!(
        EmulatedDrive::open(&disc.path),
        Err(EmuError::NotEmulatedDisc { .. })
    ));
}
