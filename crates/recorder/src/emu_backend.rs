//! Emulated discs and stdio targets through discburn-emu: both implement
//! [`RecorderTransport`] with the emulator's advisory lock (`<PATH>.lock` holding the
//! owner name).

use std::path::Path;

use discburn_emu::{EmuError, EmulatedDrive, StdioDrive};

use crate::backend::{BackendKind, RecorderTransport};
use crate::error::RecorderError;

/// Opens `path` as an emulated disc (when `is_emulated_disc`) or a stdio target.
pub(crate) fn open(path: &Path) -> Result<Box<dyn RecorderTransport>, RecorderError> {
    let dev = path.display().to_string();
    if discburn_emu::is_emulated_disc(path) {
        let d = EmulatedDrive::open(path).map_err(|e| map(&dev, e))?;
        Ok(Box::new(d))
    } else {
        let d = StdioDrive::open(path, None).map_err(|e| map(&dev, e))?;
        Ok(Box::new(d))
    }
}

fn map(device: &str, e: EmuError) -> RecorderError {
    match e {
        EmuError::Locked { owner } => RecorderError::Locked {
            device: device.to_string(),
            owner,
        },
        EmuError::Io { source, .. }
            if matches!(
                source.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            ) =>
        {
            RecorderError::from_open(device, source)
        }
        other => RecorderError::Fail(format!("{device}: {other}")),
    }
}

impl RecorderTransport for EmulatedDrive {
    fn kind(&self) -> BackendKind {
        BackendKind::Emulated
    }
    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        let dev = discburn_mmc::Transport::device_name(self);
        EmulatedDrive::lock_exclusive(self, owner).map_err(|e| map(&dev, e))
    }
    fn unlock(&mut self) -> Result<(), RecorderError> {
        let dev = discburn_mmc::Transport::device_name(self);
        EmulatedDrive::unlock(self).map_err(|e| map(&dev, e))
    }
    fn lock_owner(&mut self) -> Option<String> {
        if let Some(o) = self.exclusive_owner() {
            return Some(o.to_string());
        }
        // Probe: take the lock under a probe name and release it at once when free.
        match EmulatedDrive::lock_exclusive(self, "discburn-probe") {
            Ok(()) => {
                let _ = EmulatedDrive::unlock(self);
                None
            }
            Err(EmuError::Locked { owner }) => Some(owner).filter(|o| !o.is_empty()),
            Err(_) => None,
        }
    }
}

impl RecorderTransport for StdioDrive {
    fn kind(&self) -> BackendKind {
        BackendKind::Stdio
    }
    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        let dev = discburn_mmc::Transport::device_name(self);
        StdioDrive::lock_exclusive(self, owner).map_err(|e| map(&dev, e))
    }
    fn unlock(&mut self) -> Result<(), RecorderError> {
        let dev = discburn_mmc::Transport::device_name(self);
        StdioDrive::unlock(self).map_err(|e| map(&dev, e))
    }
    fn lock_owner(&mut self) -> Option<String> {
        // Probe as for emulated discs.
        match StdioDrive::lock_exclusive(self, "discburn-probe") {
            Ok(()) => {
                let _ = StdioDrive::unlock(self);
                None
            }
            Err(EmuError::Locked { owner }) => Some(owner).filter(|o| !o.is_empty()),
            Err(_) => None,
        }
    }
}
