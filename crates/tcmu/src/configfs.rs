//! The LIO objects in configfs (`/sys/kernel/config/target`): a TCMU backstore
//! `core/user_<hba>/<name>` and a tcm_loop target `loopback/naa.<wwn>/tpgt_1` whose
//! `lun_0` links to it, with an I_T nexus so the local SCSI midlayer scans the LUN.
//! Each object is removed, in reverse order, when its guard drops.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::TcmuError;

/// The configfs root of the kernel target.
pub const TARGET_ROOT: &str = "/sys/kernel/config/target";

fn write_attr(path: &Path, value: &str) -> Result<(), TcmuError> {
    fs::write(path, value).map_err(|source| TcmuError::Configfs {
        path: path.to_path_buf(),
        action: format!("write {value:?} to"),
        source,
    })
}

fn mkdir(path: &Path) -> Result<bool, TcmuError> {
    match fs::create_dir(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(source) => Err(TcmuError::Configfs {
            path: path.to_path_buf(),
            action: "create".into(),
            source,
        }),
    }
}

/// A TCMU backstore (`core/user_<hba>/<name>`), enabled.
#[derive(Debug)]
pub struct Backstore {
    hba: PathBuf,
    hba_created: bool,
    dir: PathBuf,
    hba_index: u32,
    name: String,
}

impl Backstore {
    /// Creates and enables `core/user_<hba_index>/<name>` under `root` with
    /// `dev_config=discburn/<name>`, `dev_size` bytes and 2048-byte blocks (MMC-6
    /// 4.2.2: the logical block of CD/DVD/BD is 2048 bytes).
    ///
    /// # Errors
    /// [`TcmuError::Configfs`] naming the object that could not be made.
    pub fn create(
        root: &Path,
        hba_index: u32,
        name: &str,
        dev_size: u64,
    ) -> Result<Backstore, TcmuError> {
        let hba = root.join(format!("core/user_{hba_index}"));
        let hba_created = mkdir(&hba)?;
        let dir = hba.join(name);
        let mut b = Backstore {
            hba,
            hba_created,
            dir: dir.clone(),
            hba_index,
            name: name.to_string(),
        };
        if !mkdir(&dir)? {
            // someone else's object: never take it over (and never remove it)
            b.dir = PathBuf::new();
            return Err(TcmuError::Configfs {
                path: dir,
                action: "create".into(),
                source: io::Error::from(io::ErrorKind::AlreadyExists),
            });
        }
        write_attr(
            &dir.join("control"),
            &format!("dev_config=discburn/{name},dev_size={dev_size},hw_block_size=2048"),
        )?;
        write_attr(&dir.join("enable"), "1")?;
        Ok(b)
    }

    /// The backstore's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The prefix of its uio device's name: `tcm-user/<hba>/<name>/`.
    pub fn uio_prefix(&self) -> String {
        format!("tcm-user/{}/{}/", self.hba_index, self.name)
    }
}

impl Drop for Backstore {
    fn drop(&mut self) {
        if !self.dir.as_os_str().is_empty() {
            let _ = fs::remove_dir(&self.dir);
        }
        if self.hba_created {
            let _ = fs::remove_dir(&self.hba);
        }
    }
}

/// A tcm_loop target port with the backstore as LUN 0 and an I_T nexus.
#[derive(Debug)]
pub struct LoopbackLun {
    wwn: PathBuf,
    tpg: PathBuf,
    lun: PathBuf,
    link: PathBuf,
    nexus: bool,
    tpg_path: PathBuf,
}

impl LoopbackLun {
    /// Creates `loopback/naa.<wwn>/tpgt_1`, its nexus (initiator `naa.<initiator>`)
    /// and `lun/lun_0` linked to `backstore`. The kernel scans the LUN while the link is
    /// made, so the ring must already be served.
    ///
    /// # Errors
    /// [`TcmuError::Configfs`] naming the object that could not be made.
    pub fn create(
        root: &Path,
        wwn: &str,
        initiator: &str,
        backstore: &Backstore,
    ) -> Result<LoopbackLun, TcmuError> {
        let wwn_dir = root.join("loopback").join(format!("naa.{wwn}"));
        let tpg = wwn_dir.join("tpgt_1");
        let lun = tpg.join("lun/lun_0");
        let mut l = LoopbackLun {
            wwn: PathBuf::new(),
            tpg: PathBuf::new(),
            lun: PathBuf::new(),
            link: PathBuf::new(),
            nexus: false,
            tpg_path: tpg.clone(),
        };
        mkdir(&root.join("loopback"))?;
        if mkdir(&wwn_dir)? {
            l.wwn = wwn_dir;
        }
        if mkdir(&tpg)? {
            l.tpg = tpg.clone();
        }
        write_attr(&tpg.join("nexus"), &format!("naa.{initiator}"))?;
        l.nexus = true;
        if mkdir(&lun)? {
            l.lun = lun.clone();
        }
        let link = lun.join(&backstore.name);
        std::os::unix::fs::symlink(backstore.dir(), &link).map_err(|source| {
            TcmuError::Configfs {
                path: link.clone(),
                action: "link the backstore as".into(),
                source,
            }
        })?;
        l.link = link;
        Ok(l)
    }

    /// `H:C:T:L` of the LUN in the SCSI midlayer, from the target port's `address`
    /// (`host:0:tpgt`).
    pub fn scsi_address(&self) -> Option<String> {
        let a = fs::read_to_string(self.tpg_path.join("address")).ok()?;
        Some(format!("{}:0", a.trim()))
    }
}

impl Drop for LoopbackLun {
    fn drop(&mut self) {
        if !self.link.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.link);
        }
        if !self.lun.as_os_str().is_empty() {
            let _ = fs::remove_dir(&self.lun);
        }
        if self.nexus {
            let _ = fs::write(self.tpg_path.join("nexus"), "NULL");
        }
        if !self.tpg.as_os_str().is_empty() {
            let _ = fs::remove_dir(&self.tpg);
        }
        if !self.wwn.as_os_str().is_empty() {
            let _ = fs::remove_dir(&self.wwn);
        }
    }
}

/// The block device (`/dev/srN` name `srN`) the midlayer made for SCSI address
/// `address` (`H:C:T:L`), looked up in `<sysfs_root>/class/block/*/device`.
pub fn block_device_at(sysfs_root: &Path, address: &str) -> Option<String> {
    let dir = fs::read_dir(sysfs_root.join("class/block")).ok()?;
    for e in dir.flatten() {
        let Ok(target) = fs::canonicalize(e.path().join("device")) else {
            continue;
        };
        if target.file_name().is_some_and(|n| n == address) {
            return Some(e.file_name().to_string_lossy().into_owned());
        }
    }
    None
}
