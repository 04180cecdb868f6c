//! Emulated discs and stdio targets through discburn-emu.

use std::path::{Path, PathBuf};
use std::time::Duration;

use discburn_emu::{EmuError, EmulatedDrive, StdioDrive};
use discburn_mmc::{Completion, Data, Transport, TransportError};

use crate::backend::{BackendKind, RecorderTransport};
use crate::error::RecorderError;

/// An emulated disc or a stdio target, with the path of its lock file.
#[derive(Debug)]
enum Inner {
    Emulated(Box<EmulatedDrive>),
    Stdio(StdioDrive),
}

#[derive(Debug)]
struct EmuBackend {
    path: PathBuf,
    inner: Inner,
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
            pid: discburn_emu::lock_file_pid(&discburn_emu_lock_path(path)),
        },
        EmuError::Io { source, .. } => RecorderError::from_open(&device, source),
        other => RecorderError::Fail(format!("{device}: {other}")),
    }
}

/// Opens `path` as an emulated disc (when `discburn_emu::is_emulated_disc`) or a stdio
/// target (regular file, block device, or a path that does not exist yet). The remains
/// of an emulated disc whose state file is damaged or missing
/// (`discburn_emu::emulated_disc_damage`) are refused with E_FAIL naming the file.
pub(crate) fn open(path: &Path) -> Result<Box<dyn RecorderTransport>, RecorderError> {
    let emulated = discburn_emu::is_emulated_disc(path);
    if !emulated && let Some(e) = discburn_emu::emulated_disc_damage(path) {
        return Err(RecorderError::Fail(e.to_string()));
    }
    let inner = if emulated {
        Inner::Emulated(Box::new(
            EmulatedDrive::open(path).map_err(|e| map_emu(path, e))?,
        ))
    } else {
        Inner::Stdio(StdioDrive::open(path, None).map_err(|e| map_emu(path, e))?)
    };
    Ok(Box::new(EmuBackend {
        path: path.to_path_buf(),
        inner,
    }))
}

/// Opens `path` as a stdio target whose capacity is at most `max_capacity_sectors`
/// (regular file, block device, or a path that does not exist yet), even when it is
/// an emulated disc's sector image.
pub(crate) fn open_stdio(
    path: &Path,
    max_capacity_sectors: Option<u32>,
) -> Result<Box<dyn RecorderTransport>, RecorderError> {
    let inner =
        Inner::Stdio(StdioDrive::open(path, max_capacity_sectors).map_err(|e| map_emu(path, e))?);
    Ok(Box::new(EmuBackend {
        path: path.to_path_buf(),
        inner,
    }))
}

impl Transport for EmuBackend {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        match &mut self.inner {
            Inner::Emulated(d) => d.execute(cdb, data, timeout),
            Inner::Stdio(d) => d.execute(cdb, data, timeout),
        }
    }
    fn max_transfer(&self) -> usize {
        match &self.inner {
            Inner::Emulated(d) => d.max_transfer(),
            Inner::Stdio(d) => d.max_transfer(),
        }
    }
    fn device_name(&self) -> String {
        match &self.inner {
            Inner::Emulated(d) => d.device_name(),
            Inner::Stdio(d) => d.device_name(),
        }
    }
}

impl RecorderTransport for EmuBackend {
    fn kind(&self) -> BackendKind {
        match self.inner {
            Inner::Emulated(_) => BackendKind::Emulated,
            Inner::Stdio(_) => BackendKind::Stdio,
        }
    }

    fn lock_exclusive(&mut self, owner: &str) -> Result<(), RecorderError> {
        let r = match &mut self.inner {
            Inner::Emulated(d) => d.lock_exclusive(owner),
            Inner::Stdio(d) => d.lock_exclusive(owner),
        };
        r.map_err(|e| map_emu(&self.path, e))
    }

    fn unlock(&mut self) -> Result<(), RecorderError> {
        let r = match &mut self.inner {
            Inner::Emulated(d) => d.unlock(),
            Inner::Stdio(d) => d.unlock(),
        };
        r.map_err(|e| map_emu(&self.path, e))
    }

    fn lock_owner(&mut self) -> Option<String> {
        if let Inner::Emulated(d) = &self.inner
            && let Some(o) = d.exclusive_owner()
        {
            return Some(o.to_string());
        }
        // The lock file holds the holder's client name (line 1) while held (emptied on
        // release).
        std::fs::read_to_string(discburn_emu_lock_path(&self.path))
            .ok()
            .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
            .filter(|s| !s.is_empty())
    }
}
