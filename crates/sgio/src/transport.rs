//! [`SgIoTransport`]: one `/dev/srN` opened as libburn does, executing CDBs with the
//! `SG_IO` ioctl.

use std::ffi::c_void;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use discburn_mmc::{Completion, Data, Transport, TransportError};
use rustix::fs::{Mode, OFlags};

use crate::hdr::{self, DID_SOFT_ERROR, HdrResult, SENSE_BUFFER_LEN, SgIoHdr};

/// Transfers used when sysfs does not say (64 KiB).
pub const DEFAULT_MAX_TRANSFER: usize = 64 * 1024;

/// How many times a DID_SOFT_ERROR is retried inside the transport.
const SOFT_ERROR_RETRIES: u32 = 3;

/// A Linux SCSI generic pass-through to one optical drive.
#[derive(Debug)]
pub struct SgIoTransport {
    file: File,
    path: PathBuf,
    max_transfer: usize,
    exclusive: bool,
}

fn io_err(op: &'static str, path: &Path, e: impl Into<std::io::Error>) -> TransportError {
    TransportError::Io {
        op,
        device: path.display().to_string(),
        source: e.into(),
    }
}

impl SgIoTransport {
    /// Opens `path` (e.g. `/dev/sr0`) with `O_RDWR | O_NONBLOCK | O_EXCL | O_CLOEXEC`
    /// (mmc.md §8.3: O_RDWR for the kernel's write-command filter, O_NONBLOCK to open
    /// without medium and without EROFS on sequential media, O_EXCL to keep mounts and
    /// other burners away) and takes an advisory exclusive lock on the file, as libburn
    /// does.
    ///
    /// # Errors
    /// [`TransportError::Io`]: EBUSY when mounted or opened exclusively by another
    /// program (also `WouldBlock` from the advisory lock), EACCES without permission,
    /// ENOENT/ENXIO when there is no such drive.
    pub fn open(path: &Path) -> Result<SgIoTransport, TransportError> {
        Self::open_with(path, true)
    }

    /// Opens `path` with `O_RDWR | O_NONBLOCK` (no O_EXCL, no lock), for identification
    /// and queries while another program may hold the drive.
    ///
    /// # Errors
    /// As [`SgIoTransport::open`] (without EBUSY).
    pub fn open_shared(path: &Path) -> Result<SgIoTransport, TransportError> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, exclusive: bool) -> Result<SgIoTransport, TransportError> {
        let mut flags = OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC;
        if exclusive {
            flags |= OFlags::EXCL;
        }
        let fd: OwnedFd =
            rustix::fs::open(path, flags, Mode::empty()).map_err(|e| io_err("open", path, e))?;
        let file = File::from(fd);
        if exclusive {
            file.try_lock().map_err(|e| match e {
                std::fs::TryLockError::Error(e) => io_err("lock", path, e),
                std::fs::TryLockError::WouldBlock => io_err(
                    "lock",
                    path,
                    std::io::Error::new(
                        std::io::ErrorKind::WouldBlock,
                        "drive is locked by another program",
                    ),
                ),
            })?;
        }
        let max_transfer = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| crate::enumerate::max_transfer_from_sysfs(Path::new("/sys"), n))
            .unwrap_or(DEFAULT_MAX_TRANSFER);
        Ok(SgIoTransport {
            file,
            path: path.to_path_buf(),
            max_transfer,
            exclusive,
        })
    }

    /// Sends INQUIRY and returns the standard data; confirms an enumerated node is an
    /// MMC device ([`discburn_mmc::reply::InquiryData::is_mmc_device`]).
    ///
    /// # Errors
    /// Transport errors, a CHECK CONDITION or a short reply as
    /// [`TransportError::InvalidRequest`] naming the problem.
    pub fn inquiry(&mut self) -> Result<discburn_mmc::reply::InquiryData, TransportError> {
        let mut buf = [0u8; 36];
        let c = self.execute(
            discburn_mmc::cdb::inquiry(36).as_bytes(),
            Data::In(&mut buf),
            Duration::from_secs(30),
        )?;
        if !c.is_good() {
            return Err(TransportError::InvalidRequest(format!(
                "{}: INQUIRY failed with status {:#04x}",
                self.path.display(),
                c.status
            )));
        }
        let got = buf.len().saturating_sub(c.residual as usize);
        discburn_mmc::reply::InquiryData::parse(&buf[..got])
            .map_err(|e| TransportError::InvalidRequest(format!("{}: {e}", self.path.display())))
    }

    /// The device path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when opened with O_EXCL and the advisory lock.
    pub fn is_exclusive(&self) -> bool {
        self.exclusive
    }

    /// Overrides the maximum transfer (e.g. from a test or a user option).
    pub fn set_max_transfer(&mut self, bytes: usize) {
        self.max_transfer = bytes.max(2048);
    }
}

/// Performs the `SG_IO` ioctl on `file` with `hdr`.
///
/// The only `unsafe` code of the workspace.
#[allow(unsafe_code)]
fn sg_io_ioctl(file: &File, hdr: &mut SgIoHdr) -> std::io::Result<()> {
    // SAFETY: SG_IO (0x2285) takes a pointer to a `struct sg_io_hdr`, which `SgIoHdr`
    // reproduces field for field (size and offsets asserted in hdr.rs). The kernel reads
    // `cmd_len` bytes at `cmdp`, at most `mx_sb_len` bytes are written at `sbp`, and
    // `dxfer_len` bytes are read from or written to `dxferp`; the caller (`execute`)
    // sets these from live slices (`cdb`, the sense array, the data buffer) that it
    // borrows for the whole call, so every pointer is valid for its length and the
    // data-in buffer is uniquely borrowed. The ioctl is synchronous: no pointer is used
    // after it returns.
    unsafe {
        let updater =
            rustix::ioctl::Updater::<{ hdr::SG_IO as rustix::ioctl::Opcode }, SgIoHdr>::new(hdr);
        rustix::ioctl::ioctl(file, updater)?;
    }
    Ok(())
}

impl Transport for SgIoTransport {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        if !(6..=16).contains(&cdb.len()) {
            return Err(TransportError::InvalidRequest(format!(
                "CDB of {} bytes (6..16 allowed)",
                cdb.len()
            )));
        }
        let dir = data.direction();
        let (ptr, len): (*mut c_void, usize) = match data {
            Data::None => (std::ptr::null_mut(), 0),
            Data::In(b) => (b.as_mut_ptr().cast(), b.len()),
            Data::Out(b) => (b.as_ptr().cast_mut().cast(), b.len()),
        };
        let dxfer_len = u32::try_from(len).map_err(|_| {
            TransportError::InvalidRequest(format!("transfer of {len} bytes is too large"))
        })?;
        let mut sense = [0u8; SENSE_BUFFER_LEN];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut h = SgIoHdr::zeroed();
            h.dxfer_direction = if len == 0 {
                hdr::SG_DXFER_NONE
            } else {
                hdr::dxfer_direction(dir)
            };
            h.cmd_len = cdb.len() as u8;
            h.mx_sb_len = SENSE_BUFFER_LEN as u8;
            h.dxfer_len = dxfer_len;
            h.dxferp = ptr;
            h.cmdp = cdb.as_ptr();
            h.sbp = sense.as_mut_ptr();
            h.timeout = hdr::timeout_ms(timeout);
            match sg_io_ioctl(&self.file, &mut h) {
                Ok(()) => {}
                // Interrupted before the command was queued: send it again.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted && attempt <= 3 => continue,
                Err(e) => return Err(io_err("SG_IO ioctl", &self.path, e)),
            }
            let r = HdrResult::of(&h);
            if r.host_status == DID_SOFT_ERROR && attempt <= SOFT_ERROR_RETRIES {
                continue;
            }
            return hdr::evaluate(r, &sense, &self.path.display().to_string(), cdb[0], timeout);
        }
    }

    fn max_transfer(&self) -> usize {
        self.max_transfer
    }

    fn device_name(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_missing_device_is_io_error() {
        let e = SgIoTransport::open(Path::new("/nonexistent/sr99")).unwrap_err();
        match e {
            TransportError::Io { op, source, .. } => {
                assert_eq!(op, "open");
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn sg_io_on_a_regular_file_fails_cleanly() {
        // The ioctl path runs for real: a regular file answers SG_IO with ENOTTY.
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut t = SgIoTransport::open(f.path()).unwrap();
        assert!(t.is_exclusive());
        assert_eq!(t.max_transfer(), DEFAULT_MAX_TRANSFER);
        let mut buf = [0u8; 36];
        let e = t
            .execute(
                discburn_mmc::cdb::inquiry(36).as_bytes(),
                Data::In(&mut buf),
                Duration::from_secs(30),
            )
            .unwrap_err();
        assert!(
            matches!(
                e,
                TransportError::Io {
                    op: "SG_IO ioctl",
                    ..
                }
            ),
            "{e}"
        );
        // A second exclusive open of the same file is refused by the advisory lock.
        assert!(SgIoTransport::open(f.path()).is_err());
        assert!(SgIoTransport::open_shared(f.path()).is_ok());
        // Bad CDB length never reaches the ioctl.
        assert!(matches!(
            t.execute(&[0; 5], Data::None, Duration::from_secs(1)),
            Err(TransportError::InvalidRequest(_))
        ));
    }
}
