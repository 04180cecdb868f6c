//! The [`Transport`] trait: execute one CDB. Implemented by the Linux SG_IO transport
//! (`discburn-sgio`), the emulated recorder (`discburn-emu`) and wrappers such as the
//! transcript recorder. Everything above it (the drive layer, the recorder, the data
//! writer) is the same code for real and emulated drives.

use std::time::Duration;

/// The data phase of one command.
#[derive(Debug)]
pub enum Data<'a> {
    /// No data phase (SG_DXFER_NONE).
    None,
    /// Data from the device into this buffer (SG_DXFER_FROM_DEV). Its length is the
    /// transfer length; the reply may be shorter (see [`Completion::residual`]).
    In(&'a mut [u8]),
    /// Data from this buffer to the device (SG_DXFER_TO_DEV).
    Out(&'a [u8]),
}

impl Data<'_> {
    /// The direction of this data phase.
    pub fn direction(&self) -> DataDirection {
        match self {
            Data::None => DataDirection::None,
            Data::In(_) => DataDirection::FromDevice,
            Data::Out(_) => DataDirection::ToDevice,
        }
    }

    /// The transfer length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Data::None => 0,
            Data::In(b) => b.len(),
            Data::Out(b) => b.len(),
        }
    }

    /// True when there is no data to transfer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Direction of a data phase, as in `sg_io_hdr.dxfer_direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataDirection {
    /// SG_DXFER_NONE (−1).
    None,
    /// SG_DXFER_TO_DEV (−2).
    ToDevice,
    /// SG_DXFER_FROM_DEV (−3).
    FromDevice,
}

/// What the device answered to one CDB. A CHECK CONDITION is a normal completion with
/// `status == 0x02` and sense bytes; only failures of the transport itself are errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// SCSI status byte (SAM-5): 00h GOOD, 02h CHECK CONDITION, 08h BUSY.
    pub status: u8,
    /// Sense bytes as returned (fixed 70h/71h or descriptor 72h/73h format, SPC-4 4.5);
    /// empty when the device returned none.
    pub sense: Vec<u8>,
    /// Bytes requested but not transferred (`sg_io_hdr.resid`).
    pub residual: u32,
    /// How long the command took, as the transport measured it (zero when unknown).
    pub duration: Duration,
}

impl Completion {
    /// SCSI status GOOD.
    pub const GOOD: u8 = 0x00;
    /// SCSI status CHECK CONDITION.
    pub const CHECK_CONDITION: u8 = 0x02;

    /// A GOOD completion with everything transferred.
    pub fn good() -> Self {
        Completion {
            status: Self::GOOD,
            sense: Vec::new(),
            residual: 0,
            duration: Duration::ZERO,
        }
    }

    /// A CHECK CONDITION carrying the given sense bytes.
    pub fn check_condition(sense: Vec<u8>) -> Self {
        Completion {
            status: Self::CHECK_CONDITION,
            sense,
            residual: 0,
            duration: Duration::ZERO,
        }
    }

    /// A GOOD completion whose data-in phase received `bytes`: they are copied into a
    /// [`Data::In`] buffer (never more than it holds) and `residual` is the number of
    /// buffer bytes not received. For [`Data::None`] and [`Data::Out`] nothing is copied
    /// and `residual` is 0.
    pub fn good_with_data_in(data: &mut Data<'_>, bytes: &[u8]) -> Self {
        let mut c = Self::good();
        if let Data::In(buf) = data {
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            c.residual = (buf.len() - n) as u32;
        }
        c
    }

    /// True when status is GOOD.
    pub fn is_good(&self) -> bool {
        self.status == Self::GOOD
    }
}

/// A failure of the transport, not of the command: the command's outcome is unknown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The operating system refused or failed the pass-through call.
    #[error("{op} on {device}: {source}")]
    Io {
        /// What was being done ("SG_IO ioctl", "open", "read sector file").
        op: &'static str,
        /// The device or file.
        device: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The host adapter or driver reported a failure (`host_status` / `driver_status`).
    #[error("{device}: host status {host_status:#04x}, driver status {driver_status:#04x}")]
    HostDriver {
        /// The device.
        device: String,
        /// `sg_io_hdr.host_status` (DID_*).
        host_status: u16,
        /// `sg_io_hdr.driver_status` (DRIVER_* | SUGGEST_*).
        driver_status: u16,
    },
    /// The command did not complete within its timeout.
    #[error("{device}: command {opcode:#04x} timed out after {timeout:?}")]
    Timeout {
        /// The device.
        device: String,
        /// Operation code of the CDB.
        opcode: u8,
        /// The timeout that ran out.
        timeout: Duration,
    },
    /// The CDB or the data buffer is malformed for this transport (length, direction).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The device is gone (medium path removed, drive unplugged, emulated "power lost").
    #[error("{device}: device lost: {reason}")]
    DeviceLost {
        /// The device.
        device: String,
        /// Why.
        reason: String,
    },
}

/// Executes SCSI/MMC commands on one device. This is the only I/O interface of the
/// drive stack.
pub trait Transport {
    /// Runs one CDB (6 to 16 bytes) with the given data phase and timeout.
    ///
    /// Returns `Ok` for every completed command, including CHECK CONDITION (inspect
    /// [`Completion::status`] and [`Completion::sense`]). Returns `Err` only when the
    /// transport failed and the command's outcome is unknown.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError>;

    /// The largest data transfer in bytes this transport accepts in one command
    /// (Linux: `max_hw_sectors_kb`). Writers split transfers to fit.
    fn max_transfer(&self) -> usize;

    /// A human-readable name of the device ("/dev/sr0", "emulated:/path/disc").
    fn device_name(&self) -> String;
}

/// `Transport` for a pointer type `$ptr` to a `T: Transport`, forwarding every method.
macro_rules! forward_transport {
    ($ptr:ty) => {
        impl<T: Transport + ?Sized> Transport for $ptr {
            fn execute(
                &mut self,
                cdb: &[u8],
                data: Data<'_>,
                timeout: Duration,
            ) -> Result<Completion, TransportError> {
                (**self).execute(cdb, data, timeout)
            }
            fn max_transfer(&self) -> usize {
                (**self).max_transfer()
            }
            fn device_name(&self) -> String {
                (**self).device_name()
            }
        }
    };
}

forward_transport!(Box<T>);
forward_transport!(&mut T);
