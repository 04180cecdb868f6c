//! Emulated discs and stdio targets through discburn-emu.

use std::path::Path;

use crate::backend::RecorderTransport;
use crate::error::RecorderError;

/// Opens `path` as an emulated disc or a stdio target.
pub(crate) fn open(path: &Path) -> Result<Box<dyn RecorderTransport>, RecorderError> {
    Err(RecorderError::NotImplemented(format!(
        "{}: emulated discs and stdio targets need discburn-emu's EmulatedDrive",
        path.display()
    )))
}
