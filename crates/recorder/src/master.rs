//! [`DiscMaster`]: IMAPI2 IDiscMaster2 (imapi2.md §8): the recorders of the machine.

use std::path::{Path, PathBuf};

#[cfg(feature = "sgio")]
use discburn_sgio::{DriveInfo, SgIoTransport, enumerate_drives};

use crate::error::RecorderError;

/// Enumerates optical recorders (`/dev/srN` from sysfs and /dev). The unique ID of a
/// recorder is its device path; pass it to [`crate::DiscRecorder::open`]. Emulated discs
/// and image files are not enumerated: open them by path. Without the `sgio` Cargo
/// feature there are no recorders.
#[derive(Debug, Clone)]
#[cfg_attr(
    not(feature = "sgio"),
    expect(dead_code, reason = "the roots are only read by SG_IO enumeration")
)]
pub struct DiscMaster {
    sysfs_root: PathBuf,
    dev_root: PathBuf,
}

impl Default for DiscMaster {
    fn default() -> Self {
        DiscMaster::new()
    }
}

impl DiscMaster {
    /// The machine's recorders (`/sys`, `/dev`).
    pub fn new() -> DiscMaster {
        DiscMaster::with_roots(Path::new("/sys"), Path::new("/dev"))
    }

    /// Recorders under other sysfs and /dev roots (tests).
    pub fn with_roots(sysfs_root: &Path, dev_root: &Path) -> DiscMaster {
        DiscMaster {
            sysfs_root: sysfs_root.to_path_buf(),
            dev_root: dev_root.to_path_buf(),
        }
    }

    /// The drives with their sysfs identity, in `srN` order.
    #[cfg(feature = "sgio")]
    pub fn drives(&self) -> Vec<DriveInfo> {
        enumerate_drives(&self.sysfs_root, &self.dev_root)
    }

    /// The unique IDs (device paths) of all recorders (get__NewEnum). The index →
    /// device mapping is not stable across hot plug.
    pub fn recorders(&self) -> Vec<String> {
        #[cfg(feature = "sgio")]
        return self
            .drives()
            .into_iter()
            .map(|d| d.device.display().to_string())
            .collect();
        #[cfg(not(feature = "sgio"))]
        return Vec::new();
    }

    /// get_Count.
    pub fn count(&self) -> usize {
        self.recorders().len()
    }

    /// get_Item(index): the unique ID at `index`.
    ///
    /// # Errors
    /// [`RecorderError::InvalidArgument`] (E_INVALIDARG) when `index` is out of range.
    pub fn item(&self, index: i32) -> Result<String, RecorderError> {
        let r = self.recorders();
        usize::try_from(index)
            .ok()
            .and_then(|i| r.get(i).cloned())
            .ok_or_else(|| {
                RecorderError::InvalidArgument(format!(
                    "recorder index {index} out of range 0..{}",
                    r.len()
                ))
            })
    }

    /// get_IsSupportedEnvironment: true when at least one recorder can be opened.
    pub fn is_supported_environment(&self) -> bool {
        #[cfg(feature = "sgio")]
        return self
            .drives()
            .iter()
            .any(|d| SgIoTransport::open_shared(&d.device).is_ok());
        #[cfg(not(feature = "sgio"))]
        return false;
    }
}

#[cfg(all(test, feature = "sgio"))]
mod tests {
    use super::*;

    #[test]
    fn enumeration_on_fake_tree_r01() {
        let t = tempfile::tempdir().unwrap();
        let sys = t.path().join("sys");
        let dev = t.path().join("dev");
        for n in ["sr0", "sr3"] {
            std::fs::create_dir_all(sys.join("class/block").join(n).join("device")).unwrap();
            std::fs::write(sys.join("class/block").join(n).join("device/vendor"), "V\n").unwrap();
        }
        std::fs::create_dir_all(&dev).unwrap();
        let m = DiscMaster::with_roots(&sys, &dev);
        assert_eq!(m.count(), 2);
        assert_eq!(m.item(0).unwrap(), dev.join("sr0").display().to_string());
        assert_eq!(m.item(1).unwrap(), dev.join("sr3").display().to_string());
        let e = m.item(2).unwrap_err();
        assert_eq!(e.hresult(), 0x80070057);
        assert!(m.item(-1).is_err());
        // No device nodes: nothing can be opened.
        assert!(!m.is_supported_environment());
        let empty = DiscMaster::with_roots(&t.path().join("x"), &t.path().join("y"));
        assert_eq!(empty.count(), 0);
        assert!(!empty.is_supported_environment());
    }
}
