//! The transports a recorder can sit on, with their exclusive-access locks:
//! real drives (SG_IO, O_EXCL + advisory lock + an owner file; `sgio` feature),
//! emulated discs (the emu crate's `lock_exclusive`; `emu` feature) and stdio targets
//! ([`crate::StdioDrive`], a lock file beside the image).

#[cfg(feature = "sgio")]
use std::path::{Path, PathBuf};
#[cfg(feature = "sgio")]
use std::time::Duration;

use discburn_mmc::Transport;
#[cfg(feature = "sgio")]
use discburn_mmc::{Completion, Data, TransportError};
#[cfg(feature = "sgio")]
use discburn_sgio::SgIoTransport;

use crate::error::RecorderError;

/// What kind of target a recorder drives. More kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendKind {
    /// A real optical drive through SG_IO (`/dev/srN`).
    Sgio,
    /// An emulated disc (discburn-emu `EmulatedDrive`).
    Emulated,
    /// A regular file or block device as random-writable media
    /// ([`crate::StdioDrive`]).
    Stdio,
    /// Any other transport (tests, wrappers).
    Other,
}

/// A [`Transport`] with the exclusive-access lock of IDiscRecorder2.
pub trait RecorderTransport: Transport {
    /// The kind of target.
    fn kind(&self) -> BackendKind;

    /// Takes the exclusive lock for `owner`.
    ///
    /// # Errors
    /// [`RecorderError::Locked`] with the holder's name when someone else holds it.
    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError>;

    /// Releases the lock taken by [`RecorderTransport::lock_exclusive`].
    ///
    /// # Errors
    /// [`RecorderError`] from the backend.
    fn unlock(&mut self) -> Result<(), RecorderError>;

    /// The current holder of the lock as far as the backend can tell (ours or another
    /// client's), without taking it; `None` when free or unknown.
    fn lock_owner(&mut self) -> Option<String>;
}

impl<T: RecorderTransport + ?Sized> RecorderTransport for Box<T> {
    fn kind(&self) -> BackendKind {
        (**self).kind()
    }
    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        (**self).lock_exclusive(owner)
    }
    fn unlock(&mut self) -> Result<(), RecorderError> {
        (**self).unlock()
    }
    fn lock_owner(&mut self) -> Option<String> {
        (**self).lock_owner()
    }
}

/// Directory of the owner files of real drives (IMAPI ExclusiveAccessOwner has no
/// kernel counterpart; imapi2.md §9 Linux notes).
pub const OWNER_FILE_DIR: &str = "/run/lock";

/// A real drive: opened shared for queries; [`RecorderTransport::lock_exclusive`]
/// reopens it with `O_EXCL` plus the advisory lock and writes the owner name to
/// `<OWNER_FILE_DIR>/discburn-<srN>.owner`.
#[cfg(feature = "sgio")]
#[derive(Debug)]
pub struct RealDrive {
    path: PathBuf,
    transport: SgIoTransport,
    owner_dir: PathBuf,
    owner_file: Option<PathBuf>,
}

#[cfg(feature = "sgio")]
impl RealDrive {
    /// Opens `path` shared (`O_RDWR | O_NONBLOCK`).
    ///
    /// # Errors
    /// [`RecorderError::DeviceNotExist`], [`RecorderError::AccessDenied`] ...
    pub fn open(path: &Path) -> Result<RealDrive, RecorderError> {
        let transport = SgIoTransport::open_shared(path).map_err(|e| open_error(path, e))?;
        Ok(RealDrive {
            path: path.to_path_buf(),
            transport,
            owner_dir: PathBuf::from(OWNER_FILE_DIR),
            owner_file: None,
        })
    }

    fn owner_path(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "drive".into());
        self.owner_dir.join(format!("discburn-{name}.owner"))
    }
}

#[cfg(feature = "sgio")]
fn open_error(path: &Path, e: TransportError) -> RecorderError {
    match e {
        TransportError::Io { source, .. } => {
            RecorderError::from_open(&path.display().to_string(), source)
        }
        other => RecorderError::Fail(other.to_string()),
    }
}

#[cfg(feature = "sgio")]
impl Transport for RealDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        self.transport.execute(cdb, data, timeout)
    }
    fn max_transfer(&self) -> usize {
        self.transport.max_transfer()
    }
    fn device_name(&self) -> String {
        self.transport.device_name()
    }
}

#[cfg(feature = "sgio")]
impl RecorderTransport for RealDrive {
    fn kind(&self) -> BackendKind {
        BackendKind::Sgio
    }

    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        match SgIoTransport::open(&self.path) {
            Ok(t) => {
                self.transport = t;
                let p = self.owner_path();
                // Best effort: the owner file only serves ExclusiveAccessOwner.
                if std::fs::write(&p, format!("{owner}\n")).is_ok() {
                    self.owner_file = Some(p);
                }
                Ok(())
            }
            Err(e) => match open_error(&self.path, e) {
                RecorderError::Locked { device, .. } => RecorderError::Locked {
                    device,
                    owner: self.lock_owner().unwrap_or_default(),
                    pid: None,
                }
                .into_err(),
                other => Err(other),
            },
        }
    }

    fn unlock(&mut self) -> Result<(), RecorderError> {
        if let Some(p) = self.owner_file.take() {
            let _ = std::fs::remove_file(p);
        }
        self.transport =
            SgIoTransport::open_shared(&self.path).map_err(|e| open_error(&self.path, e))?;
        Ok(())
    }

    fn lock_owner(&mut self) -> Option<String> {
        std::fs::read_to_string(self.owner_path())
            .ok()
            .map(|s| s.trim_end().to_string())
            .filter(|s| !s.is_empty())
    }
}

#[cfg(feature = "sgio")]
trait IntoErr {
    fn into_err(self) -> Result<(), RecorderError>;
}

#[cfg(feature = "sgio")]
impl IntoErr for RecorderError {
    fn into_err(self) -> Result<(), RecorderError> {
        Err(self)
    }
}
