//! Linux SG_IO transport for optical drives (`/dev/srN`) and drive enumeration
//! (mmc.md §8).
//!
//! * [`SgIoTransport`]: opens a drive with `O_RDWR | O_NONBLOCK | O_EXCL` and runs CDBs
//!   through the `SG_IO` ioctl; implements [`discburn_mmc::Transport`].
//! * [`hdr`]: the `#[repr(C)]` `sg_io_hdr` and the pure evaluation of its result fields
//!   (host status, driver status, SCSI status, sense).
//! * [`mod@enumerate`]: drives from sysfs and `/dev`, with vendor/model/revision and the
//!   maximum transfer (`max_hw_sectors_kb`).
//!
//! The only crate with `unsafe` code: the one ioctl call in `transport.rs`.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod enumerate;
pub mod hdr;
mod transport;

pub use enumerate::{DriveInfo, enumerate, enumerate_drives, is_sr_device};
pub use transport::{DEFAULT_MAX_TRANSFER, SgIoTransport};
