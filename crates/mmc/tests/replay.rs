//! A transcript recorded against the emulated recorder replays to the same results
//! through the drive layer, and a diverging command is caught.

use discburn_emu::{EmulatedDrive, MediaType, create_disc};
use discburn_mmc::cdb::CloseFunction;
use discburn_mmc::reply::{DiscStatus, SessionState, WriteParameters, WriteType};
use discburn_mmc::{Drive, NoSleep, Recording, Replay, TrackAddress, Transport};

/// One CD-R TAO session of 300 blocks, closed appendable (mmc.md §6.1).
fn session<T: Transport>(d: &mut Drive<T>) -> (u32, u32, u16, DiscStatus) {
    // TAO, Multi-session 11b (next session allowed), Track Mode 4, Data Block Type 8.
    d.set_write_parameters(&WriteParameters::new(WriteType::TrackAtOnce))
        .unwrap();
    let nwa = d
        .track_information(TrackAddress::INVISIBLE)
        .unwrap()
        .next_writable_address
        .unwrap();
    d.write10(nwa, &vec![0xA5; 2048 * 300]).unwrap();
    d.synchronize_cache(true).unwrap();
    d.close_track_session(CloseFunction::Session, 0, true)
        .unwrap();
    let next = d
        .track_information(TrackAddress::INVISIBLE)
        .unwrap()
        .next_writable_address
        .unwrap();
    let di = d.disc_information().unwrap();
    assert_eq!(di.state_of_last_session, SessionState::Empty);
    (nwa, next, di.number_of_sessions, di.disc_status)
}

#[test]
fn record_then_replay_cd_session() {
    let t = tempfile::tempdir().unwrap();
    let disc = t.path().join("cd.img");
    create_disc(&disc, MediaType::CdR, None).unwrap();
    let emu = EmulatedDrive::open(&disc).unwrap();
    let max = emu.max_transfer();
    let mut transcript = Vec::new();
    let live = {
        let mut d = Drive::with_sleeper(Recording::new(emu, &mut transcript), Box::new(NoSleep));
        let r = session(&mut d);
        assert!(d.transport_mut().take_write_error().is_none());
        r
    };
    assert_eq!(live, (0, 11702, 2, DiscStatus::Incomplete));

    let text = String::from_utf8(transcript).unwrap();
    assert!(text.lines().count() >= 6);
    let replay = Replay::from_jsonl(&text).unwrap().with_max_transfer(max);
    let mut d = Drive::with_sleeper(replay, Box::new(NoSleep));
    assert_eq!(session(&mut d), live);
    assert_eq!(d.transport().remaining(), 0);

    // Different data at the same LBA: the replay refuses it.
    let mut d = Drive::with_sleeper(
        Replay::from_jsonl(&text).unwrap().with_max_transfer(max),
        Box::new(NoSleep),
    );
    d.set_write_parameters(&WriteParameters::new(WriteType::TrackAtOnce))
        .unwrap();
    d.track_information(TrackAddress::INVISIBLE).unwrap();
    let e = d.write10(0, &vec![0x00; 2048 * 300]).unwrap_err();
    assert!(e.to_string().contains("data-out bytes differ"), "{e}");
}
