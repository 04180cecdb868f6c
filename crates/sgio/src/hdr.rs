//! `struct sg_io_hdr` (Linux `<scsi/sg.h>`, mmc.md §8.1) and the pure evaluation of a
//! completed header into a [`Completion`] or [`TransportError`].

use std::ffi::c_void;
use std::time::Duration;

use discburn_mmc::{Completion, DataDirection, TransportError};

/// `SG_IO` ioctl request number.
pub const SG_IO: u32 = 0x2285;
/// `interface_id` value.
pub const INTERFACE_ID: i32 = b'S' as i32;
/// `SG_DXFER_NONE`.
pub const SG_DXFER_NONE: i32 = -1;
/// `SG_DXFER_TO_DEV`.
pub const SG_DXFER_TO_DEV: i32 = -2;
/// `SG_DXFER_FROM_DEV`.
pub const SG_DXFER_FROM_DEV: i32 = -3;
/// Sense buffer size we offer (`mx_sb_len`; libburn uses 32).
pub const SENSE_BUFFER_LEN: usize = 64;

/// `host_status` DID_OK.
pub const DID_OK: u16 = 0x00;
/// `host_status` DID_TIME_OUT.
pub const DID_TIME_OUT: u16 = 0x03;
/// `host_status` DID_SOFT_ERROR (retry).
pub const DID_SOFT_ERROR: u16 = 0x0B;
/// `driver_status` low nibble DRIVER_SENSE.
pub const DRIVER_SENSE: u16 = 0x08;
/// `driver_status` low nibble DRIVER_TIMEOUT.
pub const DRIVER_TIMEOUT: u16 = 0x06;

/// `struct sg_io_hdr`, field for field (x86_64 offsets in the comments, measured with
/// gcc; mmc.md §8.1).
#[repr(C)]
#[derive(Debug)]
pub struct SgIoHdr {
    /// off 0: `'S'`.
    pub interface_id: i32,
    /// off 4: SG_DXFER_*.
    pub dxfer_direction: i32,
    /// off 8: CDB length (6..16).
    pub cmd_len: u8,
    /// off 9: sense buffer size.
    pub mx_sb_len: u8,
    /// off 10: 0 (no scatter-gather).
    pub iovec_count: u16,
    /// off 12: data length in bytes.
    pub dxfer_len: u32,
    /// off 16: data buffer.
    pub dxferp: *mut c_void,
    /// off 24: CDB.
    pub cmdp: *const u8,
    /// off 32: sense buffer.
    pub sbp: *mut u8,
    /// off 40: timeout in ms.
    pub timeout: u32,
    /// off 44: SG_FLAG_*.
    pub flags: u32,
    /// off 48: unused.
    pub pack_id: i32,
    /// off 56: unused.
    pub usr_ptr: *mut c_void,
    /// off 64: SCSI status.
    pub status: u8,
    /// off 65: status >> 1.
    pub masked_status: u8,
    /// off 66: message status.
    pub msg_status: u8,
    /// off 67: sense bytes written.
    pub sb_len_wr: u8,
    /// off 68: DID_*.
    pub host_status: u16,
    /// off 70: DRIVER_* | SUGGEST_*.
    pub driver_status: u16,
    /// off 72: dxfer_len − transferred.
    pub resid: i32,
    /// off 76: ms.
    pub duration: u32,
    /// off 80: SG_INFO_*.
    pub info: u32,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<SgIoHdr>() == 88);

impl SgIoHdr {
    /// A header with all inputs zero/null except `interface_id`.
    pub fn zeroed() -> SgIoHdr {
        SgIoHdr {
            interface_id: INTERFACE_ID,
            dxfer_direction: SG_DXFER_NONE,
            cmd_len: 0,
            mx_sb_len: 0,
            iovec_count: 0,
            dxfer_len: 0,
            dxferp: std::ptr::null_mut(),
            cmdp: std::ptr::null(),
            sbp: std::ptr::null_mut(),
            timeout: 0,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        }
    }
}

/// `dxfer_direction` for a data direction.
pub fn dxfer_direction(d: DataDirection) -> i32 {
    match d {
        DataDirection::None => SG_DXFER_NONE,
        DataDirection::ToDevice => SG_DXFER_TO_DEV,
        DataDirection::FromDevice => SG_DXFER_FROM_DEV,
    }
}

/// The SG_IO timeout in ms: at least the kernel floor of 7 s (`BLK_MIN_SG_TIMEOUT`),
/// at most `u32::MAX`.
pub fn timeout_ms(t: Duration) -> u32 {
    (t.as_millis().max(7000)).min(u32::MAX as u128) as u32
}

/// The output fields of a completed header (so evaluation is testable on fabricated
/// values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HdrResult {
    /// `status`.
    pub status: u8,
    /// `sb_len_wr`.
    pub sb_len_wr: u8,
    /// `host_status`.
    pub host_status: u16,
    /// `driver_status`.
    pub driver_status: u16,
    /// `resid`.
    pub resid: i32,
    /// `duration` (ms).
    pub duration: u32,
}

impl HdrResult {
    /// The output fields of `h`.
    pub fn of(h: &SgIoHdr) -> HdrResult {
        HdrResult {
            status: h.status,
            sb_len_wr: h.sb_len_wr,
            host_status: h.host_status,
            driver_status: h.driver_status,
            resid: h.resid,
            duration: h.duration,
        }
    }
}

/// Evaluates a completed header (mmc.md §8.1, libburn `evaluate_transport_success`):
///
/// * `host_status` DID_TIME_OUT or `driver_status` DRIVER_TIMEOUT →
///   [`TransportError::Timeout`];
/// * any other non-zero `host_status`, or a driver status other than OK/DRIVER_SENSE →
///   [`TransportError::HostDriver`] (DID_SOFT_ERROR is retried by the caller);
/// * otherwise a [`Completion`] with the SCSI status, the `sb_len_wr` sense bytes, the
///   residual and the duration. Sense bytes with GOOD status but a non-zero sense key
///   are reported as CHECK CONDITION (some adapters lose the status byte).
pub fn evaluate(
    r: HdrResult,
    sense: &[u8],
    device: &str,
    opcode: u8,
    timeout: Duration,
) -> Result<Completion, TransportError> {
    let drv = r.driver_status & 0x0F;
    if r.host_status == DID_TIME_OUT || drv == DRIVER_TIMEOUT {
        return Err(TransportError::Timeout {
            device: device.to_string(),
            opcode,
            timeout,
        });
    }
    if r.host_status != DID_OK || (drv != 0 && drv != DRIVER_SENSE) {
        return Err(TransportError::HostDriver {
            device: device.to_string(),
            host_status: r.host_status,
            driver_status: r.driver_status,
        });
    }
    let n = (r.sb_len_wr as usize).min(sense.len());
    let sense = sense[..n].to_vec();
    let mut status = r.status & 0xFE;
    if status == Completion::GOOD && n >= 3 {
        let key = match sense[0] & 0x7F {
            0x72 | 0x73 => sense[1] & 0x0F,
            _ => sense[2] & 0x0F,
        };
        if key != 0 {
            status = Completion::CHECK_CONDITION;
        }
    }
    Ok(Completion {
        status,
        sense,
        residual: r.resid.max(0) as u32,
        duration: Duration::from_millis(r.duration as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn layout_matches_glibc_x86_64() {
        assert_eq!(std::mem::size_of::<SgIoHdr>(), 88);
        assert_eq!(offset_of!(SgIoHdr, interface_id), 0);
        assert_eq!(offset_of!(SgIoHdr, dxfer_direction), 4);
        assert_eq!(offset_of!(SgIoHdr, cmd_len), 8);
        assert_eq!(offset_of!(SgIoHdr, mx_sb_len), 9);
        assert_eq!(offset_of!(SgIoHdr, iovec_count), 10);
        assert_eq!(offset_of!(SgIoHdr, dxfer_len), 12);
        assert_eq!(offset_of!(SgIoHdr, dxferp), 16);
        assert_eq!(offset_of!(SgIoHdr, cmdp), 24);
        assert_eq!(offset_of!(SgIoHdr, sbp), 32);
        assert_eq!(offset_of!(SgIoHdr, timeout), 40);
        assert_eq!(offset_of!(SgIoHdr, flags), 44);
        assert_eq!(offset_of!(SgIoHdr, pack_id), 48);
        assert_eq!(offset_of!(SgIoHdr, usr_ptr), 56);
        assert_eq!(offset_of!(SgIoHdr, status), 64);
        assert_eq!(offset_of!(SgIoHdr, masked_status), 65);
        assert_eq!(offset_of!(SgIoHdr, msg_status), 66);
        assert_eq!(offset_of!(SgIoHdr, sb_len_wr), 67);
        assert_eq!(offset_of!(SgIoHdr, host_status), 68);
        assert_eq!(offset_of!(SgIoHdr, driver_status), 70);
        assert_eq!(offset_of!(SgIoHdr, resid), 72);
        assert_eq!(offset_of!(SgIoHdr, duration), 76);
        assert_eq!(offset_of!(SgIoHdr, info), 80);
    }

    #[test]
    fn directions_and_timeouts() {
        assert_eq!(dxfer_direction(DataDirection::None), -1);
        assert_eq!(dxfer_direction(DataDirection::ToDevice), -2);
        assert_eq!(dxfer_direction(DataDirection::FromDevice), -3);
        assert_eq!(timeout_ms(Duration::from_secs(1)), 7000);
        assert_eq!(timeout_ms(Duration::from_secs(200)), 200_000);
        assert_eq!(timeout_ms(Duration::from_secs(u64::MAX / 4)), u32::MAX);
        assert_eq!(SG_IO, 0x2285);
        assert_eq!(INTERFACE_ID, 0x53);
    }

    fn eval(r: HdrResult, sense: &[u8]) -> Result<Completion, TransportError> {
        evaluate(r, sense, "/dev/sr0", 0x2A, Duration::from_secs(200))
    }

    #[test]
    fn good_and_residual() {
        let c = eval(
            HdrResult {
                resid: 512,
                duration: 12,
                ..Default::default()
            },
            &[0; 64],
        )
        .unwrap();
        assert!(c.is_good());
        assert!(c.sense.is_empty());
        assert_eq!(c.residual, 512);
        assert_eq!(c.duration, Duration::from_millis(12));
    }

    #[test]
    fn check_condition_with_sense() {
        let mut s = [0u8; 64];
        s[..18].copy_from_slice(&discburn_mmc::Sense::INVALID_ADDRESS_FOR_WRITE.to_fixed());
        let c = eval(
            HdrResult {
                status: 0x02,
                sb_len_wr: 18,
                driver_status: DRIVER_SENSE,
                ..Default::default()
            },
            &s,
        )
        .unwrap();
        assert_eq!(c.status, Completion::CHECK_CONDITION);
        assert_eq!(c.sense.len(), 18);
        // Lost status byte but sense present with a key → CHECK CONDITION.
        let c = eval(
            HdrResult {
                sb_len_wr: 18,
                driver_status: DRIVER_SENSE,
                ..Default::default()
            },
            &s,
        )
        .unwrap();
        assert_eq!(c.status, Completion::CHECK_CONDITION);
        // sb_len_wr larger than the buffer is bounded.
        let c = eval(
            HdrResult {
                status: 2,
                sb_len_wr: 200,
                ..Default::default()
            },
            &s[..20],
        )
        .unwrap();
        assert_eq!(c.sense.len(), 20);
    }

    #[test]
    fn host_and_driver_failures() {
        assert!(matches!(
            eval(
                HdrResult {
                    host_status: DID_TIME_OUT,
                    ..Default::default()
                },
                &[]
            ),
            Err(TransportError::Timeout { opcode: 0x2A, .. })
        ));
        assert!(matches!(
            eval(
                HdrResult {
                    driver_status: DRIVER_TIMEOUT,
                    ..Default::default()
                },
                &[]
            ),
            Err(TransportError::Timeout { .. })
        ));
        assert!(matches!(
            eval(
                HdrResult {
                    host_status: 0x01,
                    ..Default::default()
                },
                &[]
            ),
            Err(TransportError::HostDriver { host_status: 1, .. })
        ));
        assert!(matches!(
            eval(
                HdrResult {
                    driver_status: 0x24,
                    ..Default::default()
                },
                &[]
            ),
            Err(TransportError::HostDriver { .. })
        ));
        // SUGGEST_* bits alone with DRIVER_SENSE are not a failure.
        assert!(
            eval(
                HdrResult {
                    status: 2,
                    driver_status: 0x18,
                    ..Default::default()
                },
                &[]
            )
            .is_ok()
        );
    }
}
