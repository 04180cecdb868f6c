//! Errors of the emulator's own API (creating, opening, locking discs). Errors of the
//! emulated *commands* are not Rust errors: they are CHECK CONDITION completions with
//! sense data, exactly as a real drive reports them.

use std::path::PathBuf;

use discburn_mmc::lock::LockError;

/// An error of the emulator API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmuError {
    /// A file operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done ("create image", "write state", ...).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `create_disc` refuses to overwrite an existing file.
    #[error("{}: file exists; refusing to overwrite it", path.display())]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// The path has no emulator state file beside it.
    #[error("{}: not an emulated disc (no state file {})", path.display(), state.display())]
    NotEmulatedDisc {
        /// The disc image path.
        path: PathBuf,
        /// The expected state file.
        state: PathBuf,
    },
    /// The state file exists but cannot be used.
    #[error("{}: bad emulator state: {reason}", path.display())]
    BadState {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The capacity given to `create_disc` is not possible for the media type.
    #[error("capacity {capacity} sectors is not valid for {media}: {reason}")]
    InvalidCapacity {
        /// The media type.
        media: crate::MediaType,
        /// The requested capacity in sectors.
        capacity: u32,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A media type name that is not one of the CLI names.
    #[error(
        "unknown media type {name:?} (expected one of cd-r cd-rw dvd-r dvd-rw dvd+r dvd+r-dl dvd+rw dvd-ram bd-r bd-re)"
    )]
    UnknownMediaType {
        /// The name given.
        name: String,
    },
    /// Another handle or process holds the exclusive-access lock (IMAPI2
    /// `E_IMAPI_RECORDER_LOCKED`).
    #[error("recorder locked by {owner:?}")]
    Locked {
        /// The client name the holder wrote into the lock file.
        owner: String,
    },
    /// `unlock` without a matching `lock_exclusive` on this handle.
    #[error("exclusive access is not held by this handle")]
    NotLocked,
    /// A fault specification string could not be parsed.
    #[error("bad fault specification {spec:?}: {reason}")]
    BadFaultSpec {
        /// The text given.
        spec: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The remains of an emulated disc whose state file is missing or unusable: its
    /// write-ahead log (or the damaged state file) is there. Such a path is not a plain
    /// image file: writing it as one would overwrite the disc's sessions.
    #[error(
        "{}: the remains of an emulated disc whose state file {} {reason}; not opened (as a plain image file it would be overwritten). Restore {} from a backup; to use {} as a plain image file instead, delete {} and {}",
        path.display(), state.display(), state.display(), path.display(), state.display(), wal.display()
    )]
    DamagedDisc {
        /// The disc image.
        path: PathBuf,
        /// Its state file.
        state: PathBuf,
        /// Its write-ahead log.
        wal: PathBuf,
        /// What is wrong ("is missing", "cannot be used: ...").
        reason: String,
    },
}

impl From<LockError> for EmuError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Locked { owner } => EmuError::Locked { owner },
            LockError::NotLocked => EmuError::NotLocked,
            LockError::Io { op, path, source } => EmuError::Io { op, path, source },
            other => EmuError::Io {
                op: "exclusive access",
                path: PathBuf::new(),
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}

impl EmuError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EmuError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
