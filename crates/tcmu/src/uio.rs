//! The TCMU device's uio side (`Documentation/target/tcmu-design.rst`, "Device
//! Discovery"): find `/sys/class/uio/uioN` whose `name` is
//! `tcm-user/<hba>/<device>/<dev_config>`, map `maps/map0` shared, wait for the
//! kernel's interrupt by reading 4 bytes, and notify it by writing 4 bytes.

use std::fs;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fs::{Mode, OFlags, open};

use crate::region::Region;

/// The uio device of one TCMU backstore, with its region mapped.
#[derive(Debug)]
pub struct Uio {
    fd: OwnedFd,
    words: &'static [AtomicU32],
    path: PathBuf,
}

/// Finds the uio device whose name starts with `prefix` (`tcm-user/<hba>/<device>/`)
/// under `sysfs_root` (`/sys`): its `/dev` node name (`uio0`) and map size in bytes.
pub fn find(sysfs_root: &Path, prefix: &str) -> Option<(String, usize)> {
    let dir = fs::read_dir(sysfs_root.join("class/uio")).ok()?;
    for e in dir.flatten() {
        let name = fs::read_to_string(e.path().join("name")).unwrap_or_default();
        if !name.trim_end().starts_with(prefix) {
            continue;
        }
        let size = fs::read_to_string(e.path().join("maps/map0/size")).ok()?;
        let size = size.trim();
        let size = match size.strip_prefix("0x") {
            Some(hex) => usize::from_str_radix(hex, 16).ok()?,
            None => size.parse().ok()?,
        };
        return Some((e.file_name().to_string_lossy().into_owned(), size));
    }
    None
}

impl Uio {
    /// Opens `dev` (`/dev/uioN`) and maps its first `size` bytes shared, read-write.
    ///
    /// # Errors
    /// The `open(2)` or `mmap(2)` error; [`io::ErrorKind::InvalidInput`] for a size that
    /// is zero or not a multiple of 4.
    #[allow(unsafe_code)]
    pub fn open(dev: &Path, size: usize) -> io::Result<Uio> {
        if size == 0 || !size.is_multiple_of(4) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{}: map0 size {size} is not a positive multiple of 4",
                    dev.display()
                ),
            ));
        }
        let fd = open(dev, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
        // SAFETY: a fresh shared mapping chosen by the kernel (null hint), so it aliases
        // no Rust object. uio maps whole pages, so the page-aligned start is aligned
        // for AtomicU32 and `size` (a multiple of 4, checked above) bytes stay valid
        // until `Drop` unmaps them; `words` never escapes with a longer lifetime than
        // `&self` (see `region`). The kernel writes the memory concurrently, which is
        // why it is only ever accessed through atomics.
        let words = unsafe {
            let ptr = rustix::mm::mmap(
                std::ptr::null_mut(),
                size,
                rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
                rustix::mm::MapFlags::SHARED,
                &fd,
                0,
            )?;
            std::slice::from_raw_parts(ptr.cast::<AtomicU32>(), size / 4)
        };
        Ok(Uio {
            fd,
            words,
            path: dev.to_path_buf(),
        })
    }

    /// The mapped region.
    pub fn region(&self) -> Region<'_> {
        Region::new(self.words)
    }

    /// The device node.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits up to `timeout` for the kernel's interrupt; true when one arrived (its
    /// event count is consumed).
    ///
    /// # Errors
    /// The `poll(2)` or `read(2)` error.
    pub fn wait(&self, timeout: Duration) -> io::Result<bool> {
        let ts = Timespec {
            tv_sec: timeout.as_secs() as i64,
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
        match poll(&mut fds, Some(&ts)) {
            Ok(0) => return Ok(false),
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        let mut count = [0u8; 4];
        match rustix::io::read(&self.fd, &mut count) {
            Ok(_) => Ok(true),
            Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Tells the kernel that entries were completed (a 4-byte write).
    ///
    /// # Errors
    /// The `write(2)` error.
    pub fn notify(&self) -> io::Result<()> {
        rustix::io::write(&self.fd, &0u32.to_ne_bytes())?;
        Ok(())
    }
}

impl Drop for Uio {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: `words` is exactly the mapping made in `open`, and no borrow of it
        // outlives `&self` (`region` ties the returned Region to it), so nothing uses
        // the memory after this.
        let _ = unsafe {
            rustix::mm::munmap(self.words.as_ptr().cast_mut().cast(), self.words.len() * 4)
        };
    }
}
