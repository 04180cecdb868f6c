//! Exclusive access (IMAPI2 `IDiscRecorder2::AcquireExclusiveAccess`): an advisory
//! `flock` on a lock file, with the owner's client name and process id written into the
//! file so that a second client learns who holds it.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::EmuError;

/// A lock file and, when held by this handle, the open descriptor and a count.
#[derive(Debug)]
pub(crate) struct ExclusiveLock {
    path: PathBuf,
    held: Option<Held>,
    /// Block devices cannot get a sibling file; their descriptor is locked instead and
    /// the owner name cannot be stored.
    device: Option<File>,
}

#[derive(Debug)]
struct Held {
    file: Option<File>,
    owner: String,
    count: u32,
}

impl ExclusiveLock {
    pub fn new(path: &Path) -> Self {
        ExclusiveLock {
            path: path.to_path_buf(),
            held: None,
            device: None,
        }
    }

    pub fn for_device(device: File) -> Self {
        ExclusiveLock {
            path: PathBuf::new(),
            held: None,
            device: Some(device),
        }
    }

    /// Acquires (or, on this handle, re-acquires and counts) the lock for `owner`.
    pub fn lock(&mut self, owner: &str) -> Result<(), EmuError> {
        if let Some(h) = &mut self.held {
            if h.owner != owner {
                return Err(EmuError::Locked {
                    owner: h.owner.clone(),
                });
            }
            h.count += 1;
            return Ok(());
        }
        if let Some(dev) = &self.device {
            return match dev.try_lock() {
                Ok(()) => {
                    self.held = Some(Held {
                        file: None,
                        owner: owner.to_string(),
                        count: 1,
                    });
                    Ok(())
                }
                Err(std::fs::TryLockError::WouldBlock) => Err(EmuError::Locked {
                    owner: "another process (block device lock)".to_string(),
                }),
                Err(std::fs::TryLockError::Error(e)) => {
                    Err(EmuError::io("lock device", &self.path, e))
                }
            };
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(|e| EmuError::io("open lock file", &self.path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let owner = text.lines().next().unwrap_or("").trim().to_string();
                return Err(EmuError::Locked {
                    owner: if owner.is_empty() {
                        "unknown".to_string()
                    } else {
                        owner
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(EmuError::io("lock", &self.path, e));
            }
        }
        // Line 1: the client name (IMAPI2 ExclusiveAccessOwner); line 2: the holder's
        // process id, so that a second client learns who is writing.
        let text = format!("{owner}\npid {}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.write_all_at(text.as_bytes(), 0))
            .and_then(|()| file.sync_data())
            .map_err(|e| EmuError::io("write lock owner", &self.path, e))?;
        self.held = Some(Held {
            file: Some(file),
            owner: owner.to_string(),
            count: 1,
        });
        Ok(())
    }

    /// Releases one acquisition; the lock is freed when the count reaches zero.
    pub fn unlock(&mut self) -> Result<(), EmuError> {
        let h = self.held.as_mut().ok_or(EmuError::NotLocked)?;
        h.count -= 1;
        if h.count > 0 {
            return Ok(());
        }
        let h = self.held.take().expect("held");
        match h.file {
            Some(file) => {
                let _ = file.set_len(0);
                file.unlock()
                    .map_err(|e| EmuError::io("unlock", &self.path, e))?;
            }
            None => {
                if let Some(dev) = &self.device {
                    dev.unlock()
                        .map_err(|e| EmuError::io("unlock device", &self.path, e))?;
                }
            }
        }
        Ok(())
    }

    /// The owner name when this handle holds the lock.
    pub fn owner(&self) -> Option<&str> {
        self.held.as_ref().map(|h| h.owner.as_str())
    }
}

/// The process id written by the holder of the exclusive-access lock file `lock` (line 2,
/// `pid N`), when the file names one. The lock may have been released meanwhile.
pub fn lock_file_pid(lock: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(lock).ok()?;
    text.lines()
        .nth(1)?
        .trim()
        .strip_prefix("pid ")?
        .parse()
        .ok()
}
