//! Serve a [`Transport`] (the emulated recorder, or a [`relay`] to one) as a real SCSI
//! device of the running Linux kernel: a `target_core_user` (TCMU) backstore whose
//! command ring this crate answers, exported through the `tcm_loop` fabric so the SCSI
//! midlayer scans it. The transport answers INQUIRY with peripheral device type 05h
//! (MMC-6 6.8: CD/DVD device), so `sr_mod` binds the LUN and it becomes `/dev/srN`:
//! the kernel's cdrom layer, its isofs/udf drivers, libburn and discburn's own SG_IO
//! transport then talk to the same drive code as in-process use.
//!
//! The ring ABI is the kernel's `include/uapi/linux/target_core_user.h` (mailbox
//! version 2), mirrored in [`abi`]; the protocol is
//! `Documentation/target/tcmu-design.rst`. The configuration is made in configfs
//! ([`configfs`]) and removed again when [`serve`] returns, also after an error.
//!
//! Needs root, configfs mounted at `/sys/kernel/config`, and the modules
//! `target_core_user`, `tcm_loop`, `uio` and `sr_mod` loaded.

pub mod abi;
pub mod configfs;
pub mod region;
pub mod relay;
pub mod ring;
pub mod uio;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use discburn_mmc::Transport;

pub use relay::{RelayClient, serve_relay};
pub use ring::RingError;

/// Why a device could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TcmuError {
    /// Not running as root (configfs and `/dev/uioN` need it).
    #[error("serving a disc through the kernel's SCSI target needs root (euid 0)")]
    NotRoot,
    /// A kernel module is not loaded.
    #[error("kernel module {module} is not loaded: run `modprobe {module}` (as root)")]
    ModuleMissing {
        /// Module name.
        module: &'static str,
    },
    /// configfs is not mounted.
    #[error(
        "{} does not exist: mount configfs (`mount -t configfs none /sys/kernel/config`) after loading target_core_mod",
        configfs::TARGET_ROOT
    )]
    ConfigfsMissing,
    /// A configfs object could not be made.
    #[error("cannot {action} {}: {source}", path.display())]
    Configfs {
        /// The object.
        path: PathBuf,
        /// What was being done.
        action: String,
        /// The kernel's answer.
        #[source]
        source: std::io::Error,
    },
    /// The backstore's uio device did not appear.
    #[error("no /sys/class/uio device named {prefix}...: is the uio module loaded?")]
    UioMissing {
        /// The name looked for.
        prefix: String,
    },
    /// The uio device could not be opened, mapped or polled.
    #[error("{}: {source}", path.display())]
    Uio {
        /// `/dev/uioN`.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The command ring is corrupt.
    #[error(transparent)]
    Ring(#[from] RingError),
}

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Backstore name (`core/user_<hba>/<name>`); letters, digits, `_` and `-`.
    pub name: String,
    /// `dev_size` of the backstore in bytes (the transport answers READ CAPACITY
    /// itself; LIO only needs a size).
    pub dev_size: u64,
    /// tcm_loop target WWN, 16 hex digits after `naa.`.
    pub wwn: String,
    /// Initiator WWN of the nexus, 16 hex digits after `naa.`.
    pub initiator: String,
    /// How long to wait for the midlayer to make the block device.
    pub scan_timeout: Duration,
}

impl ServeOptions {
    /// Options whose names derive from `id` (a process id, say), so that several
    /// servers can run side by side.
    pub fn for_id(id: u32) -> Self {
        ServeOptions {
            name: format!("discburn_{id}"),
            dev_size: 128 << 30,
            wwn: format!("5001405d{id:08x}"),
            initiator: format!("5001405e{id:08x}"),
            scan_timeout: Duration::from_secs(30),
        }
    }
}

/// What happened while serving.
#[derive(Debug, Default)]
pub struct ServeReport {
    /// Ring entries answered.
    pub entries: u64,
    /// Transport failures, answered with CHECK CONDITION 4/44/00.
    pub failures: Vec<String>,
}

/// Checks root, configfs and the modules under `sysfs_root` (`/sys`).
///
/// # Errors
/// [`TcmuError::NotRoot`], [`TcmuError::ModuleMissing`], [`TcmuError::ConfigfsMissing`].
pub fn check_environment(sysfs_root: &Path) -> Result<(), TcmuError> {
    if !rustix::process::geteuid().is_root() {
        return Err(TcmuError::NotRoot);
    }
    for module in [
        "target_core_mod",
        "target_core_user",
        "tcm_loop",
        "uio",
        "sr_mod",
    ] {
        if !sysfs_root.join("module").join(module).exists() {
            return Err(TcmuError::ModuleMissing { module });
        }
    }
    if !sysfs_root.join("kernel/config/target").is_dir() {
        return Err(TcmuError::ConfigfsMissing);
    }
    Ok(())
}

/// Serves `transport` as a SCSI LUN until `stop` becomes true (or the ring breaks),
/// then removes the configfs objects. `ready` is called once with the block device
/// (`/dev/srN`), or `None` when the midlayer made none within
/// [`ServeOptions::scan_timeout`] (serving goes on: the kernel may still bind it).
///
/// # Errors
/// [`TcmuError`]: the environment, a configfs object, the uio device or the ring.
pub fn serve<T: Transport + Send + ?Sized>(
    transport: &mut T,
    opts: &ServeOptions,
    stop: &AtomicBool,
    ready: impl FnOnce(Option<PathBuf>),
) -> Result<ServeReport, TcmuError> {
    let sys = Path::new("/sys");
    check_environment(sys)?;
    let root = Path::new(configfs::TARGET_ROOT);
    let backstore = configfs::Backstore::create(root, 0, &opts.name, opts.dev_size)?;
    let prefix = backstore.uio_prefix();
    let (node, size) = wait_for(Duration::from_secs(5), || uio::find(sys, &prefix))
        .ok_or(TcmuError::UioMissing { prefix })?;
    let dev = Path::new("/dev").join(node);
    let uio = uio::Uio::open(&dev, size).map_err(|source| TcmuError::Uio {
        path: dev.clone(),
        source,
    })?;
    ring::mailbox(&uio.region())?;

    let max_transfer = transport.max_transfer();
    let handler_stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let handler = s.spawn(|| handle(&uio, transport, &handler_stop));
        let lun = configfs::LoopbackLun::create(root, &opts.wwn, &opts.initiator, &backstore);
        if let Ok(lun) = &lun {
            let block = wait_for(opts.scan_timeout, || {
                let a = lun.scsi_address()?;
                configfs::block_device_at(sys, &a)
            });
            if let Some(b) = &block {
                limit_transfer(sys, b, max_transfer);
            }
            ready(block.map(|b| Path::new("/dev").join(b)));
            while !stop.load(Ordering::SeqCst) && !handler.is_finished() {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // the LUN goes first, while the ring is still answered
        let lun = lun.map(drop);
        handler_stop.store(true, Ordering::SeqCst);
        let report = handler
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        lun?;
        report
    })
}

fn handle<T: Transport + ?Sized>(
    uio: &uio::Uio,
    transport: &mut T,
    stop: &AtomicBool,
) -> Result<ServeReport, TcmuError> {
    let mut report = ServeReport::default();
    let region = uio.region();
    let uio_err = |source| TcmuError::Uio {
        path: uio.path().to_path_buf(),
        source,
    };
    while !stop.load(Ordering::SeqCst) {
        let done = ring::process(&region, transport)?;
        if done.entries > 0 {
            report.entries += done.entries as u64;
            report.failures.extend(done.failures);
            uio.notify().map_err(uio_err)?;
        }
        uio.wait(Duration::from_millis(100)).map_err(uio_err)?;
    }
    Ok(report)
}

/// Caps the block queue's `max_sectors_kb` at what the transport accepts in one
/// command, so the block layer splits larger requests and SG_IO refuses larger
/// buffers (as with a real drive's HBA limit) instead of the transport failing them.
fn limit_transfer(sysfs_root: &Path, block: &str, max_transfer: usize) {
    let kb = (max_transfer / 1024).max(4);
    let _ = std::fs::write(
        sysfs_root
            .join("block")
            .join(block)
            .join("queue/max_sectors_kb"),
        kb.to_string(),
    );
}

fn wait_for<R>(limit: Duration, mut f: impl FnMut() -> Option<R>) -> Option<R> {
    let start = Instant::now();
    loop {
        if let Some(r) = f() {
            return Some(r);
        }
        if start.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_the_missing_piece() {
        let t = tempfile::tempdir().unwrap();
        let sys = t.path();
        let err = check_environment(sys).unwrap_err();
        if rustix::process::geteuid().is_root() {
            assert!(
                matches!(
                    err,
                    TcmuError::ModuleMissing {
                        module: "target_core_mod"
                    }
                ),
                "{err}"
            );
            for m in [
                "target_core_mod",
                "target_core_user",
                "tcm_loop",
                "uio",
                "sr_mod",
            ] {
                std::fs::create_dir_all(sys.join("module").join(m)).unwrap();
            }
            let err = check_environment(sys).unwrap_err();
            assert!(matches!(err, TcmuError::ConfigfsMissing), "{err}");
            assert!(err.to_string().contains("mount -t configfs"), "{err}");
            std::fs::create_dir_all(sys.join("kernel/config/target")).unwrap();
            check_environment(sys).unwrap();
        } else {
            assert!(matches!(err, TcmuError::NotRoot), "{err}");
        }
    }
}
