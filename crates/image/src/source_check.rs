//! Host sources checked before the medium is touched and while they are recorded.
//!
//! When a host file is added, its size and modification time (st_size, st_mtim with
//! nanoseconds) are taken: its [`SourceStamp`]. [`ImageResult::check_sources`] opens
//! every host file of the session and compares it with that stamp before anything is
//! written, so an unreadable, vanished or changed source is refused while the medium is
//! still untouched. While the stream is produced, each file is compared with its stamp
//! when it is opened and again (one `fstat`) when all its bytes have been read, so a
//! file written to, truncated or grown while it is recorded is found.
//!
//! What happens then depends on the consumer:
//! - By default the stream fails with [`ImageError::SourceChangedSize`],
//!   [`ImageError::SourceModified`] or [`ImageError::SourceRead`] (an image file being
//!   made is then removed by its caller).
//! - After [`ImageResult::record_source_changes`] (what a recorder writing a session
//!   uses once the medium has been touched), the stream goes on: the file keeps the
//!   bytes that were read, zeros where none could be read (it was truncated, removed
//!   or unreadable), and the change is listed in the returned [`SourceChanges`]. The
//!   session on the medium is then complete and consistent (its directory records,
//!   lengths and checksums describe exactly what was recorded), which is safer than an
//!   interrupted session: no repair is needed, earlier sessions stay reachable, and a
//!   later session can record the file again. The caller reports the list.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::ImageError;
use crate::emit::ImageResult;
use crate::tree::{FileSource, NodeId, NodeKind, Tree};

/// A host file's size and modification time when it was added to the image
/// (st_size, st_mtim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourceStamp {
    /// Size in bytes.
    pub(crate) size: u64,
    /// Modification time: seconds since the Unix epoch and nanoseconds.
    pub(crate) mtime: (i64, u32),
}

impl SourceStamp {
    /// The stamp of a `statx(2)` result.
    pub(crate) fn from_statx(st: &rustix::fs::Statx) -> SourceStamp {
        SourceStamp {
            size: st.stx_size,
            mtime: (st.stx_mtime.tv_sec, st.stx_mtime.tv_nsec),
        }
    }

    /// The stamp of `fstat`/`stat` metadata.
    pub(crate) fn from_metadata(md: &std::fs::Metadata) -> SourceStamp {
        SourceStamp {
            size: md.len(),
            mtime: (md.mtime(), md.mtime_nsec().clamp(0, 999_999_999) as u32),
        }
    }
}

/// One host file that changed, vanished or could not be read after the medium was
/// first written (see [`ImageResult::record_source_changes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChange {
    /// The host file.
    pub host_path: PathBuf,
    /// Its path in the image.
    pub image_path: String,
    /// What was found, e.g. "changed size since it was added: expected 10 bytes,
    /// found 20".
    pub reason: String,
}

impl std::fmt::Display for SourceChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (recorded as {}): {}",
            self.host_path.display(),
            self.image_path,
            self.reason
        )
    }
}

/// The list of [`SourceChange`]s of one result, shared with the caller: it stays
/// readable after the result was moved into a writer.
#[derive(Debug, Clone, Default)]
pub struct SourceChanges(Arc<Mutex<Vec<SourceChange>>>);

impl SourceChanges {
    /// The changes found so far, in stream order.
    pub fn list(&self) -> Vec<SourceChange> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// No change found so far.
    pub fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    /// Adds a change, once per image path (a file read again after a seek is not
    /// listed twice).
    pub(crate) fn push(&self, change: SourceChange) {
        let mut list = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !list.iter().any(|c| c.image_path == change.image_path) {
            list.push(change);
        }
    }
}

/// Compares an opened host file's metadata with the node's stamp (its size alone when
/// the node has none).
///
/// # Errors
/// [`ImageError::SourceChangedSize`], [`ImageError::SourceModified`].
pub(crate) fn compare(
    tree: &Tree,
    node: NodeId,
    host_path: &Path,
    md: &std::fs::Metadata,
) -> Result<(), ImageError> {
    let now = SourceStamp::from_metadata(md);
    let n = tree.node(node);
    let expected = match (&n.stamp, &n.kind) {
        (Some(s), _) => *s,
        (None, NodeKind::File { size, .. }) => SourceStamp {
            size: *size,
            mtime: now.mtime,
        },
        (None, _) => return Ok(()),
    };
    if now.size != expected.size {
        return Err(ImageError::SourceChangedSize {
            host_path: host_path.to_owned(),
            expected: expected.size,
            actual: now.size,
        });
    }
    if now.mtime != expected.mtime {
        return Err(ImageError::SourceModified {
            host_path: host_path.to_owned(),
            expected: expected.mtime,
            actual: now.mtime,
        });
    }
    Ok(())
}

/// [`compare`] after a file's bytes were read: one `fstat` of the open file.
///
/// # Errors
/// [`ImageError::SourceRead`] (fstat failed), those of [`compare`].
pub(crate) fn compare_open(
    tree: &Tree,
    node: NodeId,
    host_path: &Path,
    f: &File,
) -> Result<(), ImageError> {
    let md = f.metadata().map_err(|e| ImageError::SourceRead {
        host_path: host_path.to_owned(),
        source: e,
    })?;
    compare(tree, node, host_path, &md)
}

/// Host files checked by one thread of [`ImageResult::check_sources`] at most.
const CHECK_THREADS: usize = 4;

impl ImageResult {
    /// Opens every host file whose data this session records (read-only, then closed
    /// again) and compares its size and modification time with those taken when it was
    /// added; meant to run before the medium is touched, so that a source that is
    /// missing, unreadable or changed is refused while nothing has been written. Up to
    /// four threads open the files. Returns the number of host files checked.
    ///
    /// # Errors
    /// The first problem in the order of the data in the session:
    /// [`ImageError::SourceRead`] (cannot be opened or examined: missing, no read
    /// permission, ...), [`ImageError::SourceChangedSize`],
    /// [`ImageError::SourceModified`].
    pub fn check_sources(&self) -> Result<usize, ImageError> {
        let tree = self.tree_ref();
        let hosts: Vec<(NodeId, &Path)> = self
            .layout()
            .data
            .iter()
            .filter_map(|d| match &tree.node(d.node).kind {
                NodeKind::File {
                    source: FileSource::HostPath(p),
                    ..
                } => Some((d.node, p.as_path())),
                _ => None,
            })
            .collect();
        let check = |&(node, p): &(NodeId, &Path)| -> Result<(), ImageError> {
            let read = |e| ImageError::SourceRead {
                host_path: p.to_owned(),
                source: e,
            };
            let f = File::open(p).map_err(read)?;
            let md = f.metadata().map_err(read)?;
            compare(tree, node, p, &md)
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, CHECK_THREADS);
        if hosts.len() < 64 || threads == 1 {
            hosts.iter().try_for_each(check)?;
            return Ok(hosts.len());
        }
        // Contiguous parts, one per thread: the first error of the first part that has
        // one is the first in data order, whatever the threads did.
        let part = hosts.len().div_ceil(threads);
        let first = std::thread::scope(|scope| {
            let handles: Vec<_> = hosts
                .chunks(part)
                .map(|c| scope.spawn(move || c.iter().try_for_each(check)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Ok(())))
                .find(Result::is_err)
        });
        first.unwrap_or(Ok(()))?;
        Ok(hosts.len())
    }

    /// From now on a host file that cannot be read, or changes while it is read
    /// (truncated, grown, written to), no longer fails the stream: the file keeps the
    /// bytes read (zeros where none could be read), the stream goes on to its end, and
    /// the change is added to the returned list (see the module documentation). Meant
    /// for a recorder that has started to write a session, which is safer completed
    /// than interrupted. Applies to reading the stream ([`std::io::Read`]), which is
    /// how a recorder consumes it; [`ImageResult::write_to`] may still fail on the
    /// first change.
    pub fn record_source_changes(&mut self) -> SourceChanges {
        self.changes
            .get_or_insert_with(SourceChanges::default)
            .clone()
    }
}
