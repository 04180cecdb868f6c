//! Emulated discs through discburn-emu.

use std::path::{Path, PathBuf};
use std::time::Duration;

use discburn_emu::{EmuError, EmulatedDrive};
use discburn_mmc::{Completion, Data, Transport, TransportError};

use crate::backend::{BackendKind, RecorderTransport};
use crate::error::RecorderError;

/// An emulated disc, with the path of its lock file.
#[derive(Debug)]
struct EmuBackend {
    path: PathBuf,
    drive: Box<EmulatedDrive>,
}

/// `<path>.lock`, the exclusive-access lock file of an emulated disc or image file.
fn discburn_emu_lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

fn map_emu(path: &Path, e: EmuError) -> RecorderError {
    let device = path.display().to_string();
    match e {
        EmuError::Locked { owner } => RecorderError::Locked {
            device,
            owner,
            pid: discburn_mmc::lock::lock_file_pid(&discburn_emu_lock_path(path)),
        },
        EmuError::Io { source, .. } => RecorderError::from_open(&device, source),
        other => RecorderError::Fail(format!("{device}: {other}")),
    }
}

/// Opens `path` as an emulated disc when `discburn_emu::is_emulated_disc`; `None` when
/// it is not one. The remains of an emulated disc whose state file is damaged or missing
/// (`discburn_emu::emulated_disc_damage`) are refused with E_FAIL naming the file, never
/// taken for a plain image.
pub(crate) fn open(path: &Path) -> Result<Option<Box<dyn RecorderTransport>>, RecorderError> {
    if !discburn_emu::is_emulated_disc(path) {
        if let Some(e) = discburn_emu::emulated_disc_damage(path) {
            return Err(RecorderError::Fail(e.to_string()));
        }
        return Ok(None);
    }
    let drive = Box::new(EmulatedDrive::open(path).map_err(|e| map_emu(path, e))?);
    Ok(Some(Box::new(EmuBackend {
        path: path.to_path_buf(),
        drive,
    })))
}

impl Transport for EmuBackend {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        self.drive.execute(cdb, data, timeout)
    }
    fn max_transfer(&self) -> usize {
        self.drive.max_transfer()
    }
    fn device_name(&self) -> String {
        self.drive.device_name()
    }
}

impl RecorderTransport for EmuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Emulated
    }

    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        self.drive
            .lock_exclusive(owner)
            .map_err(|e| map_emu(&self.path, e))
    }

    fn unlock(&mut self) -> Result<(), RecorderError> {
        self.drive.unlock().map_err(|e| map_emu(&self.path, e))
    }

    fn lock_owner(&mut self) -> Option<String> {
        if let Some(o) = self.drive.exclusive_owner() {
            return Some(o.to_string());
        }
        discburn_mmc::lock::lock_file_owner(&discburn_emu_lock_path(&self.path))
    }
}
