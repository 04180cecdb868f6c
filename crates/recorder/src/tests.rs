//! DiscRecorder tests against a small fake MMC device (until/besides the emulator).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use discburn_mmc::cdb::{PageControl, op};
use discburn_mmc::reply::{
    Configuration, FeatureDescriptor, InquiryData, ModePage, ModeSense, ProfileDescriptor,
    WriteParameters, WriteType,
};
use discburn_mmc::{Completion, Data, FeatureCode, Profile, Sense, Transport, TransportError};

use crate::backend::{BackendKind, RecorderTransport};
use crate::{CommandStatus, DiscRecorder, RecorderError, mount_points_of};

type SharedLock = Arc<Mutex<Option<String>>>;

/// A DVD+R drive with a DVD+R loaded; the lock is shared between handles like a file.
struct FakeDrive {
    lock: SharedLock,
    mine: bool,
    page05: Arc<Mutex<Vec<u8>>>,
}

fn config(rt: u8, start: u16) -> Vec<u8> {
    let all = vec![
        FeatureDescriptor::profile_list(&[
            ProfileDescriptor {
                profile: Profile::DvdPlusR,
                current_p: true,
            },
            ProfileDescriptor {
                profile: Profile::DvdPlusRw,
                current_p: false,
            },
            ProfileDescriptor {
                profile: Profile::CdR,
                current_p: false,
            },
        ]),
        FeatureDescriptor::new(FeatureCode::CORE, true, vec![0, 0, 0, 2]),
        FeatureDescriptor::new(FeatureCode::REMOVABLE_MEDIUM, true, vec![0x29, 0, 0, 0]),
        FeatureDescriptor::new(FeatureCode::RANDOM_WRITABLE, false, vec![0; 8]),
        FeatureDescriptor::new(FeatureCode::DVD_PLUS_R, true, vec![1, 0, 0, 0]),
    ];
    let features = all
        .into_iter()
        .filter(|f| match rt {
            0 => f.code.0 >= start,
            1 => f.code.0 >= start && f.current,
            _ => f.code.0 == start,
        })
        .collect();
    Configuration {
        data_length: 0,
        current_profile: Profile::DvdPlusR,
        features,
    }
    .encode()
}

impl Transport for FakeDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        Ok(match cdb[0] {
            op::TEST_UNIT_READY | op::START_STOP_UNIT | op::PREVENT_ALLOW_MEDIUM_REMOVAL => {
                Completion::good()
            }
            op::INQUIRY => Completion::good_with_data_in(
                &mut data,
                &InquiryData {
                    peripheral_qualifier: 0,
                    peripheral_device_type: 5,
                    rmb: true,
                    version: 0,
                    vendor_identification: "FAKE".into(),
                    product_identification: "DVDRW 1000".into(),
                    product_revision_level: "1.0".into(),
                }
                .encode(),
            ),
            op::GET_CONFIGURATION => Completion::good_with_data_in(
                &mut data,
                &config(cdb[1] & 3, u16::from_be_bytes([cdb[2], cdb[3]])),
            ),
            op::MODE_SENSE_10 => {
                let p05 = self.page05.lock().unwrap().clone();
                let p2a = vec![0x2A, 4, 0x3F, 0x37, 0, 0];
                let pages = match cdb[2] & 0x3F {
                    0x05 => vec![p05],
                    0x2A => vec![p2a],
                    0x3F => vec![p05, p2a],
                    _ => {
                        return Ok(Completion::check_condition(
                            Sense::INVALID_FIELD_IN_CDB.to_fixed().to_vec(),
                        ));
                    }
                };
                let pages: Vec<ModePage> = pages
                    .into_iter()
                    .map(|b| ModePage {
                        ps: false,
                        page_code: b[0] & 0x3F,
                        bytes: b,
                    })
                    .collect();
                Completion::good_with_data_in(&mut data, &ModeSense::encode(&pages))
            }
            op::MODE_SELECT_10 => {
                if let Data::Out(b) = data {
                    if b.len() < 10 || b[8] & 0x3F != 5 {
                        return Ok(Completion::check_condition(
                            Sense::INVALID_FIELD_IN_PARAMETER_LIST.to_fixed().to_vec(),
                        ));
                    }
                    *self.page05.lock().unwrap() = b[8..].to_vec();
                }
                Completion::good()
            }
            _ => Completion::check_condition(
                Sense::INVALID_COMMAND_OPERATION_CODE.to_fixed().to_vec(),
            ),
        })
    }
    fn max_transfer(&self) -> usize {
        65536
    }
    fn device_name(&self) -> String {
        "fake".into()
    }
}

impl RecorderTransport for FakeDrive {
    fn kind(&self) -> BackendKind {
        BackendKind::Other
    }
    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        let mut l = self.lock.lock().unwrap();
        if let Some(o) = &*l {
            return Err(RecorderError::Locked {
                device: "fake".into(),
                owner: o.clone(),
                pid: None,
            });
        }
        *l = Some(owner.to_string());
        self.mine = true;
        Ok(())
    }
    fn unlock(&mut self) -> Result<(), RecorderError> {
        if self.mine {
            *self.lock.lock().unwrap() = None;
            self.mine = false;
        }
        Ok(())
    }
    fn lock_owner(&mut self) -> Option<String> {
        self.lock.lock().unwrap().clone()
    }
}

fn pair() -> (DiscRecorder, DiscRecorder) {
    let lock: SharedLock = Arc::default();
    let page05 = Arc::new(Mutex::new(
        WriteParameters::new(WriteType::PacketIncremental).encode(),
    ));
    let mk = || {
        DiscRecorder::from_transport(
            "fake0".into(),
            Box::new(FakeDrive {
                lock: lock.clone(),
                mine: false,
                page05: page05.clone(),
            }),
        )
    };
    (mk(), mk())
}

#[test]
fn r05_r06_counted_exclusive_access_and_owner() {
    let (mut a, mut b) = pair();
    assert_eq!(a.exclusive_access_owner(), "");
    a.acquire_exclusive_access(false, "Burner A").unwrap();
    a.acquire_exclusive_access(false, "Burner A").unwrap();
    assert_eq!(a.exclusive_access_count(), 2);
    let e = b.acquire_exclusive_access(false, "Burner B").unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0210);
    assert_eq!(e.imapi_name(), "E_IMAPI_RECORDER_LOCKED");
    match &e {
        RecorderError::Locked { owner, .. } => assert_eq!(owner, "Burner A"),
        other => panic!("{other}"),
    }
    assert_eq!(b.exclusive_access_owner(), "Burner A");
    // Same object, another name: locked too.
    assert!(matches!(
        a.acquire_exclusive_access(false, "Other"),
        Err(RecorderError::Locked { .. })
    ));
    a.release_exclusive_access().unwrap();
    assert!(
        b.acquire_exclusive_access(false, "Burner B").is_err(),
        "count 1 keeps it"
    );
    a.release_exclusive_access().unwrap();
    b.acquire_exclusive_access(false, "Burner B").unwrap();
    assert_eq!(a.exclusive_access_owner(), "Burner B");
    assert!(a.release_exclusive_access().is_err());
    drop(b);
    a.acquire_exclusive_access(true, "Burner A").unwrap();
}

#[test]
fn client_name_rules() {
    let (mut a, _) = pair();
    for bad in ["", "a\u{e9}", "x/y", &"n".repeat(64)] {
        let e = a.acquire_exclusive_access(false, bad).unwrap_err();
        assert_eq!(e.hresult(), 0xC0AA0211, "{bad:?}");
    }
    a.acquire_exclusive_access(false, "discburn 0.1 (test)")
        .unwrap();
}

#[test]
fn identity_profiles_features_r11() {
    let (mut a, _) = pair();
    assert_eq!(a.vendor_id().unwrap(), "FAKE");
    assert_eq!(a.product_id().unwrap(), "DVDRW 1000");
    assert_eq!(a.product_revision().unwrap(), "1.0");
    assert_eq!(a.active_disc_recorder(), "fake0");
    let sp = a.supported_profiles().unwrap();
    assert_eq!(
        sp,
        vec![Profile::DvdPlusR, Profile::DvdPlusRw, Profile::CdR]
    );
    let cp = a.current_profiles().unwrap();
    assert_eq!(cp, vec![Profile::DvdPlusR]);
    let sf = a.supported_feature_pages().unwrap();
    let cf = a.current_feature_pages().unwrap();
    assert!(cf.iter().all(|f| sf.contains(f)));
    assert!(sf.contains(&FeatureCode::RANDOM_WRITABLE));
    assert!(!cf.contains(&FeatureCode::RANDOM_WRITABLE));
    assert_eq!(a.current_profile().unwrap(), Profile::DvdPlusR);
    assert_eq!(a.current_physical_media_type().unwrap().value(), 6);
    assert!(a.device_can_load_media().unwrap());
    assert!(a.media_present().unwrap());
    assert_eq!(a.supported_mode_pages().unwrap(), vec![0x05, 0x2A]);
    a.eject_media().unwrap();
    a.close_tray().unwrap();
}

#[test]
fn x06_feature_page() {
    let (mut a, _) = pair();
    let p = a.get_feature_page(FeatureCode::DVD_PLUS_R, true).unwrap();
    assert_eq!(&p[..4], &[0x00, 0x2B, 0x01, 0x04]);
    let e = a
        .get_feature_page(FeatureCode::RANDOM_WRITABLE, true)
        .unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA020B);
    assert!(
        a.get_feature_page(FeatureCode::RANDOM_WRITABLE, false)
            .is_ok()
    );
    let e = a.get_feature_page(FeatureCode(0x0107), false).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA020A);
}

#[test]
fn x07_x08_mode_pages() {
    let (mut a, _) = pair();
    let p = a.get_mode_page(0x05, PageControl::Current).unwrap();
    assert_eq!(p[0] & 0x3F, 5);
    assert_eq!(p.len(), 52);
    let mut w = WriteParameters::parse(&p).unwrap();
    w.write_type = WriteType::TrackAtOnce;
    a.set_mode_page(PageControl::Current, &w.encode()).unwrap();
    let p2 = a.get_mode_page(0x05, PageControl::Current).unwrap();
    assert_eq!(
        WriteParameters::parse(&p2).unwrap().write_type,
        WriteType::TrackAtOnce
    );
    // round trip of the unchanged page
    a.set_mode_page(PageControl::Current, &p2).unwrap();
    assert_eq!(a.get_mode_page(0x05, PageControl::Current).unwrap(), p2);
    let e = a.get_mode_page(0x1D, PageControl::Current).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0201);
    assert_eq!(
        a.set_mode_page(PageControl::Current, &[0x05, 10, 0])
            .unwrap_err()
            .hresult(),
        0x80070057
    );
    let e = a
        .set_mode_page(PageControl::Current, &[0x2A, 2, 0, 0])
        .unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0208);
}

#[test]
fn x01_to_x04_raw_commands() {
    let (mut a, _) = pair();
    let mut sense = [0u8; 18];
    //
    for bad in [
        &[0u8; 5][..],
        &[0u8; 17][..],
        &[0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0][..],
    ] {
        let e = a.send_command_no_data(bad, &mut sense, 10).unwrap_err();
        assert_eq!(e.hresult(), 0x80070057);
    }
    let e = a
        .send_command_no_data(&[0x70, 0, 0, 0, 0, 0, 0, 0, 0, 0], &mut sense, 10)
        .unwrap_err();
    assert_eq!(e.hresult(), 0x80070057);
    // legacy opcode 23h accepted with any length 6..16 (12 here).
    let mut buf = [0u8; 12];
    let (s, _) = a
        .send_command_get_data_from_device(&[0x23; 12], &mut sense, 10, &mut buf)
        .unwrap();
    assert_eq!(s, CommandStatus::HasSenseData);
    // CHECK CONDITION → S_IMAPI_COMMAND_HAS_SENSE_DATA with sense filled.
    let s = a
        .send_command_no_data(&[0xC0, 0, 0, 0, 0, 0], &mut sense, 10)
        .unwrap();
    assert_eq!(s.hresult(), 0x00AA0200);
    assert_eq!(sense[2], 5);
    assert_eq!((sense[12], sense[13]), (0x20, 0));
    // GOOD
    let s = a
        .send_command_no_data(&[0, 0, 0, 0, 0, 0], &mut sense, 10)
        .unwrap();
    assert_eq!(s, CommandStatus::Ok);
    assert_eq!(sense, [0; 18]);
    let mut inq = [0u8; 36];
    let (s, n) = a
        .send_command_get_data_from_device(&[0x12, 0, 0, 0, 36, 0], &mut sense, 10, &mut inq)
        .unwrap();
    assert_eq!((s, n), (CommandStatus::Ok, 36));
    assert_eq!(&inq[8..12], b"FAKE");
    assert!(
        a.send_command_send_data_to_device(
            &[0x55, 0x10, 0, 0, 0, 0, 0, 0, 0, 0],
            &mut sense,
            10,
            &[]
        )
        .is_err()
    );
    assert_eq!(a.get_byte_alignment_mask().count_ones(), 1);
    assert_eq!(a.get_maximum_page_aligned_transfer_size(), 65536);
}

#[test]
fn mcn_counts_and_mount_points() {
    let (mut a, _) = pair();
    a.disable_mcn();
    a.disable_mcn();
    a.enable_mcn();
    assert_eq!(a.mcn_disable_count(), 1);
    let mounts = "/dev/sr0 /media/cd\\040rom iso9660 ro 0 0\n/dev/sda1 / ext4 rw 0 0\n/dev/sr0 /mnt iso9660 ro 0 0\n";
    assert_eq!(
        mount_points_of("/dev/sr0", mounts),
        vec!["/media/cd rom".to_string(), "/mnt".to_string()]
    );
    assert!(mount_points_of("/dev/sr1", mounts).is_empty());
    assert_eq!(a.legacy_device_number(), 0);
}

#[test]
fn x05_read_dvd_structure_strips_header() {
    // The fake rejects READ DISC STRUCTURE (5/20/00): a device error, not "not present".
    let (mut a, _) = pair();
    let e = a.read_dvd_structure(0x100, 0, 0, 0).unwrap_err();
    assert_eq!(e.hresult(), 0xC0AA0301);
}
