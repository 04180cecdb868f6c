//! Drive-layer tests against a scripted fake transport.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::reply::{DiscStatus, SessionState};
use crate::transport::TransportError;

/// A transport whose answers come from a closure; logs every CDB and its data length.
struct Fake<F> {
    answer: F,
    log: Vec<(Vec<u8>, usize)>,
    max: usize,
}

impl<F> Fake<F>
where
    F: FnMut(&[u8], &mut Data<'_>) -> Completion,
{
    fn new(answer: F) -> Self {
        Fake {
            answer,
            log: Vec::new(),
            max: 64 * 1024,
        }
    }
}

impl<F> Transport for Fake<F>
where
    F: FnMut(&[u8], &mut Data<'_>) -> Completion,
{
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        self.log.push((cdb.to_vec(), data.len()));
        Ok((self.answer)(cdb, &mut data))
    }
    fn max_transfer(&self) -> usize {
        self.max
    }
    fn device_name(&self) -> String {
        "fake".into()
    }
}

fn sleeps() -> (Box<dyn Sleeper + Send>, Arc<Mutex<Vec<Duration>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (Box::new(move |d: Duration| l.lock().unwrap().push(d)), log)
}

fn check(s: Sense) -> Completion {
    Completion::check_condition(s.to_fixed().to_vec())
}

fn disc_info() -> Vec<u8> {
    DiscInformation {
        disc_information_length: 32,
        erasable: false,
        state_of_last_session: SessionState::Empty,
        disc_status: DiscStatus::Incomplete,
        first_track_number: 1,
        number_of_sessions: 2,
        first_track_in_last_session: 2,
        last_track_in_last_session: 2,
        did_v: false,
        dbc_v: false,
        uru: false,
        dac_v: false,
        dbit: false,
        bg_format_status: crate::reply::BgFormatStatus::NotFormatted,
        disc_type: 0,
        disc_identification: 0,
        last_session_lead_in_start_address: 7052,
        last_possible_lead_out_start_address: 359849,
        disc_bar_code: [0; 8],
        disc_application_code: 0,
        opc_tables: vec![],
    }
    .encode()
}

#[test]
fn long_write_in_progress_resends_same_lba() {
    // mmc.md §9.8 test 6: every 3rd WRITE answers 2/04/08; the drive layer must resend
    // the same CDB (same LBA) and the blocks must arrive in order.
    type Written = Arc<Mutex<Vec<(u32, Vec<u8>)>>>;
    let written: Written = Arc::default();
    let w = written.clone();
    let mut calls = 0;
    let mut fake = Fake::new(move |cdb: &[u8], data: &mut Data<'_>| {
        assert_eq!(cdb[0], op::WRITE_10);
        calls += 1;
        if calls % 3 == 0 {
            return check(Sense::LONG_WRITE_IN_PROGRESS);
        }
        let lba = u32::from_be_bytes([cdb[2], cdb[3], cdb[4], cdb[5]]);
        if let Data::Out(b) = data {
            w.lock().unwrap().push((lba, b.to_vec()));
        }
        Completion::good()
    });
    fake.max = 4 * SECTOR_SIZE;
    let (sleeper, slept) = sleeps();
    let mut d = Drive::with_sleeper(fake, sleeper);
    let data: Vec<u8> = (0..20 * SECTOR_SIZE)
        .map(|i| (i / SECTOR_SIZE) as u8)
        .collect();
    d.write10(100, &data).unwrap();

    let log = &d.transport().log;
    // 5 chunks of 4 blocks; every 3rd call rejected and resent.
    let lbas: Vec<u32> = log
        .iter()
        .map(|(c, _)| u32::from_be_bytes([c[2], c[3], c[4], c[5]]))
        .collect();
    assert_eq!(lbas, vec![100, 104, 108, 108, 112, 116, 116]);
    assert!(
        log.iter()
            .all(|(c, len)| c[8] == 4 && *len == 4 * SECTOR_SIZE)
    );
    let w = written.lock().unwrap();
    assert_eq!(
        w.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        vec![100, 104, 108, 112, 116]
    );
    let joined: Vec<u8> = w.iter().flat_map(|(_, b)| b.clone()).collect();
    assert_eq!(joined, data);
    let slept = slept.lock().unwrap();
    assert_eq!(slept.len(), 2);
    assert!(
        slept
            .iter()
            .all(|d| *d == RetryPolicy::default().long_write_pause)
    );
}

#[test]
fn immed_close_polls_tur_then_read_disc_information() {
    // mmc.md §9.8 test 5: TUR is GOOD while busy (Pioneer style); READ DISC INFORMATION
    // answers 2/04/07 three times; the drive must keep polling until RDI succeeds.
    let mut rdi_busy = 3;
    let fake = Fake::new(move |cdb: &[u8], data: &mut Data<'_>| match cdb[0] {
        op::CLOSE_TRACK_SESSION => {
            assert_eq!(cdb[1] & 1, 1, "Immed");
            Completion::good()
        }
        op::TEST_UNIT_READY => Completion::good(),
        op::READ_DISC_INFORMATION => {
            if rdi_busy > 0 {
                rdi_busy -= 1;
                check(Sense::OPERATION_IN_PROGRESS.with_progress(0x4000))
            } else {
                Completion::good_with_data_in(data, &disc_info())
            }
        }
        other => panic!("unexpected opcode {other:#x}"),
    });
    let (sleeper, slept) = sleeps();
    let mut d = Drive::with_sleeper(fake, sleeper);
    d.close_track_session(CloseFunction::Session, 0, true)
        .unwrap();
    let ops: Vec<u8> = d.transport().log.iter().map(|(c, _)| c[0]).collect();
    assert_eq!(
        ops,
        vec![0x5B, 0x00, 0x51, 0x00, 0x51, 0x00, 0x51, 0x00, 0x51]
    );
    assert_eq!(slept.lock().unwrap().len(), 4);
    assert_eq!(d.last_progress(), Some(0x4000));
}

#[test]
fn immed_sync_polls_tur_not_ready_then_done() {
    // BDR-203 style: TUR reports 2/04/07 while busy, then GOOD.
    let mut tur_busy = 2;
    let fake = Fake::new(move |cdb: &[u8], data: &mut Data<'_>| match cdb[0] {
        op::SYNCHRONIZE_CACHE => Completion::good(),
        op::TEST_UNIT_READY if tur_busy > 0 => {
            tur_busy -= 1;
            check(Sense::OPERATION_IN_PROGRESS)
        }
        op::TEST_UNIT_READY => Completion::good(),
        op::READ_DISC_INFORMATION => Completion::good_with_data_in(data, &disc_info()),
        other => panic!("unexpected opcode {other:#x}"),
    });
    let (sleeper, _) = sleeps();
    let mut d = Drive::with_sleeper(fake, sleeper);
    d.synchronize_cache(true).unwrap();
    let ops: Vec<u8> = d.transport().log.iter().map(|(c, _)| c[0]).collect();
    assert_eq!(ops, vec![0x35, 0x00, 0x00, 0x00, 0x51]);
}

#[test]
fn polling_stops_on_no_medium_and_is_bounded() {
    let fake = Fake::new(|cdb: &[u8], _: &mut Data<'_>| match cdb[0] {
        op::BLANK => Completion::good(),
        _ => check(Sense::MEDIUM_NOT_PRESENT),
    });
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    let e = d.blank(BlankingType::Disc, 0, true).unwrap_err();
    assert!(e.is_sense(&Sense::MEDIUM_NOT_PRESENT), "{e}");

    let fake = Fake::new(|cdb: &[u8], _: &mut Data<'_>| match cdb[0] {
        op::CLOSE_TRACK_SESSION => Completion::good(),
        _ => check(Sense::OPERATION_IN_PROGRESS),
    });
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    d.set_policy(RetryPolicy {
        poll_interval: Duration::from_secs(1),
        max_poll_wait: Duration::from_secs(10),
        ..RetryPolicy::default()
    });
    let e = d
        .close_track_session(CloseFunction::Track, 1, true)
        .unwrap_err();
    assert!(matches!(e, MmcError::StillBusy { attempts: 10, .. }), "{e}");
    assert_eq!(d.transport().log.len(), 11);
}

#[test]
fn unit_attention_and_becoming_ready_are_retried() {
    let mut n = 0;
    let fake = Fake::new(move |_: &[u8], data: &mut Data<'_>| {
        n += 1;
        match n {
            1 => check(Sense::MEDIUM_MAY_HAVE_CHANGED),
            2 => check(Sense::POWER_ON_RESET),
            3 | 4 => check(Sense::BECOMING_READY),
            _ => Completion::good_with_data_in(data, &disc_info()),
        }
    });
    let (sleeper, slept) = sleeps();
    let mut d = Drive::with_sleeper(fake, sleeper);
    let di = d.disc_information().unwrap();
    assert_eq!(di.number_of_sessions, 2);
    // two pauses (becoming ready), none for unit attention
    assert_eq!(slept.lock().unwrap().len(), 2);
}

#[test]
fn unit_attention_is_bounded_and_failures_are_not_retried() {
    let fake = Fake::new(|_: &[u8], _: &mut Data<'_>| check(Sense::MEDIUM_MAY_HAVE_CHANGED));
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    let e = d.test_unit_ready().unwrap_err();
    assert!(e.is_sense(&Sense::MEDIUM_MAY_HAVE_CHANGED));
    assert_eq!(d.transport().log.len(), 6);

    let fake = Fake::new(|_: &[u8], _: &mut Data<'_>| check(Sense::INVALID_ADDRESS_FOR_WRITE));
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    let e = d.write10(5, &[0u8; 2048]).unwrap_err();
    match e {
        MmcError::Sense { opcode, sense } => {
            assert_eq!(opcode, op::WRITE_10);
            assert!(sense.is(&Sense::INVALID_ADDRESS_FOR_WRITE));
        }
        other => panic!("{other}"),
    }
    assert_eq!(d.transport().log.len(), 1);
    assert!(d.write10(5, &[0u8; 100]).is_err());
}

#[test]
fn cause_not_reportable_gives_up_after_limit() {
    let fake = Fake::new(|_: &[u8], _: &mut Data<'_>| check(Sense::new(SenseKey::NotReady, 4, 0)));
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    let e = d.test_unit_ready().unwrap_err();
    assert!(matches!(e, MmcError::StillBusy { attempts: 11, .. }), "{e}");
}

#[test]
fn recovered_error_is_success_and_garbage_sense_is_error() {
    let fake = Fake::new(|_: &[u8], _: &mut Data<'_>| {
        check(Sense::new(SenseKey::RecoveredError, 0x17, 0x01))
    });
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    d.test_unit_ready().unwrap();

    let fake = Fake::new(|_: &[u8], _: &mut Data<'_>| Completion::check_condition(vec![]));
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    assert!(matches!(
        d.test_unit_ready(),
        Err(MmcError::NoSense { opcode: 0 })
    ));
}

#[test]
fn get_configuration_header_first_allocation() {
    use crate::reply::{FeatureDescriptor, ProfileDescriptor};
    let reply = Configuration {
        data_length: 0,
        current_profile: Profile::DvdPlusR,
        features: vec![
            FeatureDescriptor::profile_list(&[ProfileDescriptor {
                profile: Profile::DvdPlusR,
                current_p: true,
            }]),
            FeatureDescriptor::new(FeatureCode::CORE, true, vec![0, 0, 0, 2]),
        ],
    }
    .encode();
    let r = reply.clone();
    let fake = Fake::new(move |cdb: &[u8], data: &mut Data<'_>| {
        assert_eq!(cdb[0], op::GET_CONFIGURATION);
        Completion::good_with_data_in(data, &r)
    });
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    let c = d.get_configuration(cdb::RequestType::All, 0).unwrap();
    assert_eq!(c.features.len(), 2);
    let allocs: Vec<(u16, usize)> = d
        .transport()
        .log
        .iter()
        .map(|(c, len)| (u16::from_be_bytes([c[7], c[8]]), *len))
        .collect();
    assert_eq!(
        allocs,
        vec![(8, 8), (reply.len() as u16, reply.len())],
        "header first, then exactly the announced length as dxfer_len"
    );
    assert_eq!(d.current_profile().unwrap(), Profile::DvdPlusR);
}

#[test]
fn write_speeds_asks_count_then_descriptors() {
    let ds = [WriteSpeedDescriptor {
        wrc: 0,
        rdd: false,
        exact: false,
        mrw: false,
        end_lba: 100,
        read_speed: 1,
        write_speed: 2,
    }; 3];
    let reply = WriteSpeedDescriptor::encode_reply(&ds);
    let fake =
        Fake::new(move |_: &[u8], data: &mut Data<'_>| Completion::good_with_data_in(data, &reply));
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    assert_eq!(d.write_speeds().unwrap().len(), 3);
    let maxes: Vec<u16> = d
        .transport()
        .log
        .iter()
        .map(|(c, _)| u16::from_be_bytes([c[8], c[9]]))
        .collect();
    assert_eq!(maxes, vec![0, 3]);
}

#[test]
fn short_reply_is_a_reply_error() {
    let fake =
        Fake::new(|_: &[u8], data: &mut Data<'_>| Completion::good_with_data_in(data, &[0, 32, 1]));
    let mut d = Drive::with_sleeper(fake, Box::new(NoSleep));
    let e = d.disc_information().unwrap_err();
    assert!(matches!(e, MmcError::Reply { opcode: 0x51, .. }), "{e}");
}

#[test]
fn timeouts_per_command() {
    assert_eq!(timeout_for(&cdb::write10(0, 1)), Duration::from_secs(200));
    assert_eq!(
        timeout_for(&cdb::synchronize_cache(false)),
        Duration::from_secs(3600)
    );
    assert_eq!(
        timeout_for(&cdb::synchronize_cache(true)),
        Duration::from_secs(200)
    );
    assert_eq!(
        timeout_for(&cdb::blank(false, BlankingType::Disc, 0)),
        Duration::from_secs(18000)
    );
    assert_eq!(timeout_for(&cdb::inquiry(36)), Duration::from_secs(30));
}

#[test]
fn next_track_address_per_profile_rule_3() {
    let mut di = DiscInformation::parse(&disc_info()).unwrap();
    di.last_track_in_last_session = 3;
    assert_eq!(
        next_track_address(Profile::CdR, &di),
        TrackAddress::INVISIBLE
    );
    assert_eq!(
        next_track_address(Profile::DvdPlusRDl, &di),
        TrackAddress::INVISIBLE
    );
    assert_eq!(
        next_track_address(Profile::DvdMinusRSequential, &di),
        TrackAddress::Track(3)
    );
    assert_eq!(
        next_track_address(Profile::BdRSequential, &di),
        TrackAddress::Track(3)
    );
    assert_eq!(
        next_track_address(Profile::DvdPlusRw, &di),
        TrackAddress::Track(1)
    );
    assert_eq!(
        next_track_address(Profile::BdRe, &di),
        TrackAddress::Track(1)
    );
}
