//! [`RecorderError`]: the recorder layer's errors with their IMAPI2 names and HRESULT
//! values (imapi2.md §2.1, §2.2), and the mapping of MMC sense data onto them
//! (imapi2.md §2.5, "suggested mapping").

use discburn_mmc::{MmcError, Sense, SenseKey, TransportError, cdb::op};

use crate::backend::BackendKind;

fn backend_words(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Sgio => "a real drive (SG_IO)",
        BackendKind::Emulated => "an emulated disc",
        BackendKind::Stdio => "an image file or block device",
        _ => "this kind of recorder",
    }
}

/// An error of a recorder operation (IMAPI2 IDiscMaster2 / IDiscRecorder2 /
/// IDiscRecorder2Ex). [`RecorderError::hresult`] and [`RecorderError::imapi_name`] give
/// the IMAPI2 code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecorderError {
    /// E_IMAPI_RECORDER_LOCKED: another client holds exclusive access.
    #[error(
        "{device}: the recorder is in use{} (exclusive access held by client {owner:?}); wait until it finishes",
        .pid.map(|p| format!(" by PID {p}")).unwrap_or_default()
    )]
    Locked {
        /// The device.
        device: String,
        /// The owner's client name (empty when unknown, e.g. another program).
        owner: String,
        /// The holder's process id, when it wrote one (emulated discs and image files).
        pid: Option<u32>,
    },
    /// E_NOTIMPL: `device` is a real drive or an emulated disc, but this build of
    /// discburn-recorder was made without the Cargo feature that drives it.
    #[error(
        "{device}: {} needs the `{feature}` Cargo feature of discburn-recorder, which this build does not have",
        backend_words(*backend)
    )]
    BackendNotBuilt {
        /// The path given.
        device: String,
        /// The kind of target the path names.
        backend: BackendKind,
        /// The Cargo feature that drives it (`sgio`, `emu`).
        feature: &'static str,
    },
    /// E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID.
    #[error("client name {0:?} is not valid (1-63 characters: letters, digits, space, -_.,()+:')")]
    ClientNameNotValid(String),
    /// E_FAIL: release without a matching acquire, or another unspecific failure.
    #[error("{0}")]
    Fail(String),
    /// E_IMAPI_RECORDER_MEDIA_NO_MEDIA (sense 2/3A/xx).
    #[error("{device}: no medium in the drive ({sense})")]
    NoMedia {
        /// The device.
        device: String,
        /// The sense that said so.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE (sense 5/30/xx).
    #[error("{device}: medium incompatible ({sense})")]
    MediaIncompatible {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_MEDIA_BECOMING_READY (sense 2/04/01 after the retries).
    #[error("{device}: drive is becoming ready ({sense})")]
    BecomingReady {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS (sense 2/04/04 after the retries).
    #[error("{device}: medium is being formatted ({sense})")]
    FormatInProgress {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_MEDIA_BUSY (sense 2/04/07, 2/04/08 after the retries).
    #[error("{device}: drive busy ({sense})")]
    MediaBusy {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS (MODE SELECT rejected).
    #[error("{device}: mode parameters rejected ({sense})")]
    InvalidModeParameters {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED (sense 7/27/xx).
    #[error("{device}: medium is write-protected ({sense})")]
    WriteProtected {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_NO_SUCH_FEATURE.
    #[error("{device}: feature {feature:04X}h not supported")]
    NoSuchFeature {
        /// The device.
        device: String,
        /// The feature code.
        feature: u16,
    },
    /// E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT.
    #[error("{device}: feature {feature:04X}h is supported but not current")]
    FeatureNotCurrent {
        /// The device.
        device: String,
        /// The feature code.
        feature: u16,
    },
    /// E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED (sense 5/20/00 to GET CONFIGURATION).
    #[error("{device}: drive does not support GET CONFIGURATION")]
    GetConfigurationNotSupported {
        /// The device.
        device: String,
    },
    /// E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE.
    #[error("{device}: mode page {page:02X}h not supported")]
    NoSuchModePage {
        /// The device.
        device: String,
        /// The page code.
        page: u8,
    },
    /// E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT.
    #[error("{device}: disc structure {format:02X}h not present")]
    DvdStructureNotPresent {
        /// The device.
        device: String,
        /// The format code asked for.
        format: u8,
    },
    /// E_IMAPI_RECORDER_COMMAND_TIMEOUT (the transport's timeout ran out).
    #[error(transparent)]
    CommandTimeout(TransportError),
    /// E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED (sense 5/30/10 / 2/30/10).
    #[error("{device}: medium is not formatted ({sense})")]
    MediaNotFormatted {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_LOSS_OF_STREAMING (sense 3/0C/09).
    #[error("{device}: loss of streaming ({sense})")]
    LossOfStreaming {
        /// The device.
        device: String,
        /// The sense.
        sense: Sense,
    },
    /// E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE: a reply that does not decode.
    #[error("{device}: invalid response from device: {source}")]
    InvalidResponse {
        /// The device.
        device: String,
        /// The MMC error.
        #[source]
        source: MmcError,
    },
    /// E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE: any other command failure (sense,
    /// status, transport).
    #[error("{device}: {source}")]
    Device {
        /// The device.
        device: String,
        /// The MMC error.
        #[source]
        source: MmcError,
    },
    /// E_INVALIDARG: an argument out of range (CDB length, index, buffer size).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST): no such device or file.
    #[error("{device}: no such device: {source}")]
    DeviceNotExist {
        /// The path.
        device: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// E_ACCESSDENIED: no permission to open the device.
    #[error("{device}: access denied: {source}")]
    AccessDenied {
        /// The path.
        device: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// E_NOTIMPL: not supported by this recorder (e.g. close tray on a slot loader).
    #[error("not supported: {0}")]
    NotImplemented(String),
}

/// S_IMAPI_COMMAND_HAS_SENSE_DATA (0x00AA0200): a *success* code of the
/// IDiscRecorder2Ex SendCommand* methods telling that the command ended in CHECK
/// CONDITION and the sense buffer is filled.
pub const S_IMAPI_COMMAND_HAS_SENSE_DATA: u32 = 0x00AA_0200;

impl RecorderError {
    /// The IMAPI2 HRESULT (imapi2.md §2).
    pub fn hresult(&self) -> u32 {
        match self {
            RecorderError::Locked { .. } => 0xC0AA_0210,
            RecorderError::ClientNameNotValid(_) => 0xC0AA_0211,
            RecorderError::Fail(_) => 0x8000_4005,
            RecorderError::NoMedia { .. } => 0xC0AA_0202,
            RecorderError::MediaIncompatible { .. } => 0xC0AA_0203,
            RecorderError::BecomingReady { .. } => 0xC0AA_0205,
            RecorderError::FormatInProgress { .. } => 0xC0AA_0206,
            RecorderError::MediaBusy { .. } => 0xC0AA_0207,
            RecorderError::InvalidModeParameters { .. } => 0xC0AA_0208,
            RecorderError::WriteProtected { .. } => 0xC0AA_0209,
            RecorderError::NoSuchFeature { .. } => 0xC0AA_020A,
            RecorderError::FeatureNotCurrent { .. } => 0xC0AA_020B,
            RecorderError::GetConfigurationNotSupported { .. } => 0xC0AA_020C,
            RecorderError::CommandTimeout(_) => 0xC0AA_020D,
            RecorderError::DvdStructureNotPresent { .. } => 0xC0AA_020E,
            RecorderError::NoSuchModePage { .. } => 0xC0AA_0201,
            RecorderError::MediaNotFormatted { .. } => 0xC0AA_0212,
            RecorderError::LossOfStreaming { .. } => 0xC0AA_0300,
            RecorderError::InvalidResponse { .. } => 0xC0AA_02FF,
            RecorderError::Device { .. } => 0xC0AA_0301,
            RecorderError::InvalidArgument(_) => 0x8007_0057,
            RecorderError::DeviceNotExist { .. } => 0x8007_0037,
            RecorderError::AccessDenied { .. } => 0x8007_0005,
            RecorderError::NotImplemented(_) | RecorderError::BackendNotBuilt { .. } => 0x8000_4001,
        }
    }

    /// The IMAPI2 constant name ("E_IMAPI_RECORDER_LOCKED").
    pub fn imapi_name(&self) -> &'static str {
        match self {
            RecorderError::Locked { .. } => "E_IMAPI_RECORDER_LOCKED",
            RecorderError::ClientNameNotValid(_) => "E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID",
            RecorderError::Fail(_) => "E_FAIL",
            RecorderError::NoMedia { .. } => "E_IMAPI_RECORDER_MEDIA_NO_MEDIA",
            RecorderError::MediaIncompatible { .. } => "E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE",
            RecorderError::BecomingReady { .. } => "E_IMAPI_RECORDER_MEDIA_BECOMING_READY",
            RecorderError::FormatInProgress { .. } => "E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS",
            RecorderError::MediaBusy { .. } => "E_IMAPI_RECORDER_MEDIA_BUSY",
            RecorderError::InvalidModeParameters { .. } => {
                "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS"
            }
            RecorderError::WriteProtected { .. } => "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED",
            RecorderError::NoSuchFeature { .. } => "E_IMAPI_RECORDER_NO_SUCH_FEATURE",
            RecorderError::FeatureNotCurrent { .. } => "E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT",
            RecorderError::GetConfigurationNotSupported { .. } => {
                "E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED"
            }
            RecorderError::CommandTimeout(_) => "E_IMAPI_RECORDER_COMMAND_TIMEOUT",
            RecorderError::DvdStructureNotPresent { .. } => {
                "E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT"
            }
            RecorderError::NoSuchModePage { .. } => "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE",
            RecorderError::MediaNotFormatted { .. } => "E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED",
            RecorderError::LossOfStreaming { .. } => "E_IMAPI_LOSS_OF_STREAMING",
            RecorderError::InvalidResponse { .. } => {
                "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE"
            }
            RecorderError::Device { .. } => "E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE",
            RecorderError::InvalidArgument(_) => "E_INVALIDARG",
            RecorderError::DeviceNotExist { .. } => "HRESULT_FROM_WIN32(ERROR_DEV_NOT_EXIST)",
            RecorderError::AccessDenied { .. } => "E_ACCESSDENIED",
            RecorderError::NotImplemented(_) | RecorderError::BackendNotBuilt { .. } => "E_NOTIMPL",
        }
    }

    /// Maps an MMC error from `device` onto the IMAPI2 codes (imapi2.md §2.5).
    pub fn from_mmc(device: &str, e: MmcError) -> RecorderError {
        let device = device.to_string();
        let (opcode, sense) = match &e {
            MmcError::Sense { opcode, sense } | MmcError::StillBusy { opcode, sense, .. } => {
                (*opcode, *sense)
            }
            MmcError::Transport(TransportError::Timeout { .. }) => {
                let MmcError::Transport(t) = e else {
                    unreachable!()
                };
                return RecorderError::CommandTimeout(t);
            }
            MmcError::Reply { .. } => return RecorderError::InvalidResponse { device, source: e },
            MmcError::InvalidArgument(s) => return RecorderError::InvalidArgument(s.clone()),
            _ => return RecorderError::Device { device, source: e },
        };
        match (sense.key, sense.asc, sense.ascq) {
            (SenseKey::NotReady, 0x3A, _) => RecorderError::NoMedia { device, sense },
            (SenseKey::NotReady, 0x04, 0x01) => RecorderError::BecomingReady { device, sense },
            (SenseKey::NotReady, 0x04, 0x04) => RecorderError::FormatInProgress { device, sense },
            (SenseKey::NotReady, 0x04, 0x07 | 0x08) => RecorderError::MediaBusy { device, sense },
            (_, 0x30, 0x10) => RecorderError::MediaNotFormatted { device, sense },
            (SenseKey::IllegalRequest, 0x30, _) => {
                RecorderError::MediaIncompatible { device, sense }
            }
            (SenseKey::DataProtect, 0x27, _) => RecorderError::WriteProtected { device, sense },
            (SenseKey::MediumError, 0x0C, 0x09) => RecorderError::LossOfStreaming { device, sense },
            (SenseKey::IllegalRequest, 0x20, 0x00) if opcode == op::GET_CONFIGURATION => {
                RecorderError::GetConfigurationNotSupported { device }
            }
            (SenseKey::IllegalRequest, 0x24 | 0x26 | 0x1A, _) if opcode == op::MODE_SELECT_10 => {
                RecorderError::InvalidModeParameters { device, sense }
            }
            _ => RecorderError::Device { device, source: e },
        }
    }

    /// Maps an open(2) error on `device`.
    pub fn from_open(device: &str, source: std::io::Error) -> RecorderError {
        let device = device.to_string();
        match source.kind() {
            std::io::ErrorKind::NotFound => RecorderError::DeviceNotExist { device, source },
            std::io::ErrorKind::PermissionDenied => RecorderError::AccessDenied { device, source },
            _ if source.raw_os_error() == Some(6) => {
                // ENXIO: no such device or address
                RecorderError::DeviceNotExist { device, source }
            }
            _ if source.raw_os_error() == Some(16)
                || source.kind() == std::io::ErrorKind::WouldBlock =>
            {
                // EBUSY (O_EXCL while mounted or held) / advisory lock held.
                RecorderError::Locked {
                    device,
                    owner: String::new(),
                    pid: None,
                }
            }
            _ => RecorderError::Fail(format!("{device}: {source}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sense_err(opcode: u8, s: Sense) -> MmcError {
        MmcError::Sense { opcode, sense: s }
    }

    #[test]
    fn hresults_from_reference() {
        let l = RecorderError::Locked {
            device: "d".into(),
            owner: "a".into(),
            pid: None,
        };
        assert_eq!(l.hresult(), 0xC0AA0210);
        assert_eq!(l.imapi_name(), "E_IMAPI_RECORDER_LOCKED");
        assert_eq!(
            RecorderError::ClientNameNotValid(String::new()).hresult(),
            0xC0AA0211
        );
        assert_eq!(
            RecorderError::InvalidArgument(String::new()).hresult(),
            0x80070057
        );
        assert_eq!(
            RecorderError::NoSuchModePage {
                device: "d".into(),
                page: 5
            }
            .hresult(),
            0xC0AA0201
        );
        assert_eq!(S_IMAPI_COMMAND_HAS_SENSE_DATA, 0x00AA0200);
    }

    #[test]
    fn sense_mapping_imapi2_2_5() {
        let m = |op, s| RecorderError::from_mmc("/dev/sr0", sense_err(op, s));
        assert_eq!(m(0, Sense::MEDIUM_NOT_PRESENT).hresult(), 0xC0AA0202);
        assert_eq!(m(0, Sense::BECOMING_READY).hresult(), 0xC0AA0205);
        assert_eq!(m(0, Sense::FORMAT_IN_PROGRESS).hresult(), 0xC0AA0206);
        assert_eq!(m(0x2A, Sense::LONG_WRITE_IN_PROGRESS).hresult(), 0xC0AA0207);
        assert_eq!(m(0x2A, Sense::OPERATION_IN_PROGRESS).hresult(), 0xC0AA0207);
        assert_eq!(m(0x2A, Sense::CANNOT_FORMAT_MEDIUM).hresult(), 0xC0AA0203);
        assert_eq!(m(0x2A, Sense::WRITE_PROTECTED).hresult(), 0xC0AA0209);
        assert_eq!(
            m(op::GET_CONFIGURATION, Sense::INVALID_COMMAND_OPERATION_CODE).hresult(),
            0xC0AA020C
        );
        assert_eq!(
            m(op::MODE_SELECT_10, Sense::INVALID_FIELD_IN_PARAMETER_LIST).hresult(),
            0xC0AA0208
        );
        assert_eq!(
            m(0x2A, Sense::new(SenseKey::MediumError, 0x0C, 0x09)).hresult(),
            0xC0AA0300
        );
        assert_eq!(
            m(0x2A, Sense::INVALID_ADDRESS_FOR_WRITE).hresult(),
            0xC0AA0301
        );
        let t = RecorderError::from_mmc(
            "/dev/sr0",
            MmcError::Transport(TransportError::Timeout {
                device: "/dev/sr0".into(),
                opcode: 0x2A,
                timeout: std::time::Duration::from_secs(1),
            }),
        );
        assert_eq!(t.hresult(), 0xC0AA020D);
    }

    #[test]
    fn open_errors() {
        let e = RecorderError::from_open("/dev/sr9", std::io::Error::from_raw_os_error(2));
        assert_eq!(e.hresult(), 0x80070037);
        let e = RecorderError::from_open("/dev/sr9", std::io::Error::from_raw_os_error(13));
        assert_eq!(e.hresult(), 0x80070005);
        let e = RecorderError::from_open("/dev/sr9", std::io::Error::from_raw_os_error(16));
        assert_eq!(e.hresult(), 0xC0AA0210);
    }
}
