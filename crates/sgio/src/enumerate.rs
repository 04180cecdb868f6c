//! Drive enumeration from sysfs and /dev (mmc.md §8.4): `/sys/class/block/sr*` with
//! vendor/model/revision from `device/`, plus `/dev/sr*` nodes sysfs does not list.
//! Both roots are parameters so tests run on a fake tree.

use std::path::{Path, PathBuf};

/// One optical drive found by [`enumerate_drives`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveInfo {
    /// Kernel name ("sr0").
    pub name: String,
    /// Device node (`<dev_root>/sr0`).
    pub device: PathBuf,
    /// `device/vendor` (SCSI INQUIRY vendor as the kernel read it), trimmed.
    pub vendor: String,
    /// `device/model`, trimmed.
    pub model: String,
    /// `device/rev`, trimmed.
    pub revision: String,
    /// Largest transfer in bytes ([`max_transfer_from_sysfs`]), when sysfs has it.
    pub max_transfer: Option<usize>,
}

fn read_trim(p: &Path) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

/// The largest SG_IO transfer in bytes: `queue/max_hw_sectors_kb` × 1024 under
/// `<sysfs_root>/block/<name>` (or `class/block/<name>`), capped at
/// (`queue/max_segments` − 1) × 4096, rounded down to a multiple of 64 KiB, when sysfs
/// has it: the kernel maps a user buffer page by page (a buffer not starting on a page
/// boundary spans one page more than its length), and refuses more segments than the
/// host adapter takes with EINVAL (seen with tcm_loop: 256 segments, 32 MiB
/// max_hw_sectors_kb).
pub fn max_transfer_from_sysfs(sysfs_root: &Path, name: &str) -> Option<usize> {
    for q in [
        sysfs_root.join("block").join(name).join("queue"),
        sysfs_root.join("class/block").join(name).join("queue"),
    ] {
        if let Some(kb) =
            read_trim(&q.join("max_hw_sectors_kb")).and_then(|s| s.parse::<usize>().ok())
            && kb > 0
        {
            let segments = read_trim(&q.join("max_segments"))
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .map_or(usize::MAX, |n| ((n - 1) * 4096 / 65536 * 65536).max(65536));
            return Some((kb * 1024).min(segments));
        }
    }
    None
}

fn sr_number(name: &str) -> Option<u32> {
    name.strip_prefix("sr")?.parse().ok()
}

/// Lists optical drives: every `sr<N>` in `<sysfs_root>/class/block` and every
/// `sr<N>` node in `dev_root`, sorted by N. Vendor/model/revision come from sysfs
/// (empty when absent). Nothing is opened.
pub fn enumerate_drives(sysfs_root: &Path, dev_root: &Path) -> Vec<DriveInfo> {
    let mut names: Vec<String> = Vec::new();
    for dir in [sysfs_root.join("class/block"), dev_root.to_path_buf()] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                if let Some(n) = e.file_name().to_str()
                    && sr_number(n).is_some()
                    && !names.iter().any(|x| x == n)
                {
                    names.push(n.to_string());
                }
            }
        }
    }
    names.sort_by_key(|n| sr_number(n));
    names
        .into_iter()
        .map(|name| {
            let dev = sysfs_root.join("class/block").join(&name).join("device");
            DriveInfo {
                device: dev_root.join(&name),
                vendor: read_trim(&dev.join("vendor")).unwrap_or_default(),
                model: read_trim(&dev.join("model")).unwrap_or_default(),
                revision: read_trim(&dev.join("rev")).unwrap_or_default(),
                max_transfer: max_transfer_from_sysfs(sysfs_root, &name),
                name,
            }
        })
        .collect()
}

/// [`enumerate_drives`] on the real `/sys` and `/dev`.
pub fn enumerate() -> Vec<DriveInfo> {
    enumerate_drives(Path::new("/sys"), Path::new("/dev"))
}

/// True when `path` names an SCSI CD-ROM node (`…/srN`, or `/dev/scdN`).
pub fn is_sr_device(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        sr_number(n).is_some()
            || n.strip_prefix("scd")
                .is_some_and(|d| d.parse::<u32>().is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, s: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    }

    #[test]
    fn fake_sysfs_tree() {
        let t = tempfile::tempdir().unwrap();
        let sys = t.path().join("sys");
        let dev = t.path().join("dev");
        std::fs::create_dir_all(&dev).unwrap();
        write(&sys.join("class/block/sr1/device/vendor"), "HL-DT-ST\n");
        write(
            &sys.join("class/block/sr1/device/model"),
            "BD-RE  BH16NS40 \n",
        );
        write(&sys.join("class/block/sr1/device/rev"), "1.02\n");
        write(&sys.join("block/sr1/queue/max_hw_sectors_kb"), "512\n");
        write(&sys.join("class/block/sr10/device/vendor"), "ASUS    \n");
        std::fs::create_dir_all(sys.join("class/block/sda")).unwrap();
        write(&dev.join("sr1"), "");
        write(&dev.join("sr2"), "");
        write(&dev.join("sda"), "");
        write(&dev.join("srx"), "");
        let d = enumerate_drives(&sys, &dev);
        let names: Vec<&str> = d.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, vec!["sr1", "sr2", "sr10"]);
        assert_eq!(d[0].vendor, "HL-DT-ST");
        assert_eq!(d[0].model, "BD-RE  BH16NS40");
        assert_eq!(d[0].revision, "1.02");
        assert_eq!(d[0].max_transfer, Some(512 * 1024));
        write(&sys.join("block/sr1/queue/max_segments"), "64\n");
        assert_eq!(max_transfer_from_sysfs(&sys, "sr1"), Some(192 * 1024));
        assert_eq!(d[0].device, dev.join("sr1"));
        assert_eq!(d[1].vendor, "");
        assert_eq!(d[1].max_transfer, None);
        assert_eq!(d[2].vendor, "ASUS");
    }

    #[test]
    fn empty_machine() {
        let t = tempfile::tempdir().unwrap();
        assert!(enumerate_drives(&t.path().join("nosys"), &t.path().join("nodev")).is_empty());
    }

    #[test]
    fn sr_paths() {
        assert!(is_sr_device(Path::new("/dev/sr0")));
        assert!(is_sr_device(Path::new("/dev/scd3")));
        assert!(!is_sr_device(Path::new("/dev/sda")));
        assert!(!is_sr_device(Path::new("/tmp/disc.img")));
        assert!(!is_sr_device(Path::new("/dev/srx")));
    }
}
