//! [`ExclusiveLock`]: exclusive access (IMAPI2 `IDiscRecorder2::AcquireExclusiveAccess`)
//! for transports backed by files — emulated discs and image files: an advisory `flock`
//! on a lock file, with the owner's client name and process id written into the file so
//! that a second client learns who holds it; for a block device, a lock on the device itself.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Why [`ExclusiveLock::lock`] or [`ExclusiveLock::unlock`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another handle or process holds the lock (IMAPI2 `E_IMAPI_RECORDER_LOCKED`).
    #[error("recorder locked by {owner:?}")]
    Locked {
        /// The holder's client name as written into the lock file ("unknown" when
        /// empty; a fixed description for a block device).
        owner: String,
    },
    /// `unlock` without a matching `lock` on this handle.
    #[error("exclusive access is not held by this handle")]
    NotLocked,
    /// A file operation on the lock file or device failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done ("open lock file", "lock", ...).
        op: &'static str,
        /// The lock file (empty for a block device).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn io(op: &'static str, path: &Path, source: std::io::Error) -> LockError {
    LockError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// A lock file (or a block device) and, when held by this handle, the open descriptor
/// and a count: acquisitions by the same owner on one handle are counted, the lock is
/// freed when the count returns to zero.
#[derive(Debug)]
pub struct ExclusiveLock {
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
    /// A lock on the file `path` (created at the first [`ExclusiveLock::lock`]).
    pub fn new(path: &Path) -> Self {
        ExclusiveLock {
            path: path.to_path_buf(),
            held: None,
            device: None,
        }
    }

    /// A lock on an open block device (no owner name is stored).
    pub fn for_device(device: File) -> Self {
        ExclusiveLock {
            path: PathBuf::new(),
            held: None,
            device: Some(device),
        }
    }

    /// Acquires (or, on this handle, re-acquires and counts) the lock for `owner`.
    ///
    /// # Errors
    /// [`LockError::Locked`] when another owner holds it, [`LockError::Io`].
    pub fn lock(&mut self, owner: &str) -> Result<(), LockError> {
        if let Some(h) = &mut self.held {
            if h.owner != owner {
                return Err(LockError::Locked {
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
                Err(TryLockError::WouldBlock) => Err(LockError::Locked {
                    owner: "another process (block device lock)".to_string(),
                }),
                Err(TryLockError::Error(e)) => Err(io("lock device", &self.path, e)),
            };
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(|e| io("open lock file", &self.path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let owner = text.lines().next().unwrap_or("").trim().to_string();
                return Err(LockError::Locked {
                    owner: if owner.is_empty() {
                        "unknown".to_string()
                    } else {
                        owner
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io("lock", &self.path, e)),
        }
        // Line 1: the client name (IMAPI2 ExclusiveAccessOwner); line 2: the holder's
        // process id, so that a second client learns who is writing.
        let text = format!("{owner}\npid {}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.write_all_at(text.as_bytes(), 0))
            .and_then(|()| file.sync_data())
            .map_err(|e| io("write lock owner", &self.path, e))?;
        self.held = Some(Held {
            file: Some(file),
            owner: owner.to_string(),
            count: 1,
        });
        Ok(())
    }

    /// Releases one acquisition; the lock is freed (and the lock file emptied) when the
    /// count reaches zero.
    ///
    /// # Errors
    /// [`LockError::NotLocked`], [`LockError::Io`].
    pub fn unlock(&mut self) -> Result<(), LockError> {
        let h = self.held.as_mut().ok_or(LockError::NotLocked)?;
        h.count -= 1;
        if h.count > 0 {
            return Ok(());
        }
        let h = self.held.take().expect("held");
        match h.file {
            Some(file) => {
                let _ = file.set_len(0);
                file.unlock().map_err(|e| io("unlock", &self.path, e))?;
            }
            None => {
                if let Some(dev) = &self.device {
                    dev.unlock()
                        .map_err(|e| io("unlock device", &self.path, e))?;
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

/// The client name written by the holder of the exclusive-access lock file `lock` (line
/// 1), while it is held (the file is emptied on release).
pub fn lock_file_owner(lock: &Path) -> Option<String> {
    let text = std::fs::read_to_string(lock).ok()?;
    let owner = text.lines().next()?.trim();
    (!owner.is_empty()).then(|| owner.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_per_handle_and_owner_visible_to_others() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.lock");
        let mut a = ExclusiveLock::new(&p);
        let mut b = ExclusiveLock::new(&p);
        a.lock("one").unwrap();
        a.lock("one").unwrap();
        assert!(matches!(a.lock("two"), Err(LockError::Locked { owner }) if owner == "one"));
        assert!(matches!(b.lock("two"), Err(LockError::Locked { owner }) if owner == "one"));
        a.unlock().unwrap();
        assert!(b.lock("two").is_err(), "still held once");
        a.unlock().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"");
        b.lock("two").unwrap();
        assert_eq!(b.owner(), Some("two"));
        assert!(matches!(a.unlock(), Err(LockError::NotLocked)));
    }
}
