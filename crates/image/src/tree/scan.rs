//! The host side of IFsiDirectoryItem::AddTree: a parallel scan of a host directory
//! tree. Each directory is listed once (`getdents64`) and each entry examined once with
//! `statx(2)` relative to its directory's descriptor (no path walk per entry). A few
//! threads share a stack of directories still to list; the result is indexed so that
//! [`Scan::pre_order`] gives the same order as a sorted depth-first walk whatever the
//! threads did: the tree built from it does not depend on the thread count.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use rustix::fs::{AtFlags, Mode, OFlags, StatxFlags};

use super::{FileSource, ItemMetadata, NodeKind, m};
use crate::ImageError;
use crate::source_check::SourceStamp;

/// Threads listing directories. Listing is system-call bound; on a cold cache the
/// threads also keep several reads in flight.
const MAX_SCAN_THREADS: usize = 4;

/// One entry of a listed directory.
pub(super) struct Entry {
    pub(super) name: Box<[u8]>,
    pub(super) kind: NodeKind,
    pub(super) meta: ItemMetadata,
    /// A regular file's size and modification time.
    pub(super) stamp: Option<SourceStamp>,
    /// For a directory: the index of its own listing in [`Scan::dirs`].
    pub(super) listing: Option<usize>,
}

/// A listed directory: its entries sorted by name bytes, or why it could not be read.
#[derive(Default)]
pub(super) struct Listing {
    path: PathBuf,
    entries: Vec<Result<Entry, ImageError>>,
    error: Option<ImageError>,
}

/// The scan of one host tree; `dirs[0]` is the root's listing.
pub(super) struct Scan {
    dirs: Vec<Listing>,
}

impl Scan {
    /// Lists `root` and everything below it (symbolic links are not followed).
    ///
    /// # Errors
    /// None here: errors are kept in place and returned by [`Scan::pre_order`] in
    /// walk order, so the error reported does not depend on the threads.
    pub(super) fn run(root: &Path) -> Scan {
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, MAX_SCAN_THREADS);
        let shared = Shared {
            dirs: Mutex::new(vec![Listing {
                path: root.to_owned(),
                ..Listing::default()
            }]),
            work: Mutex::new(Work {
                stack: Vec::new(),
                pending: 1,
            }),
            more: Condvar::new(),
        };
        // The root first, on this thread: a directory without subdirectories needs no
        // other thread.
        shared.process(0);
        let more = shared
            .work
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pending
            > 0;
        if more {
            std::thread::scope(|scope| {
                for _ in 1..threads {
                    scope.spawn(|| shared.worker());
                }
                shared.worker();
            });
        }
        Scan {
            dirs: shared.dirs.into_inner().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// The entries in sorted depth-first pre-order (a directory, then its contents),
    /// each with its depth below the root (1 for the root's entries), or the first
    /// error in that order.
    pub(super) fn into_pre_order(mut self) -> Result<Vec<(usize, Entry)>, ImageError> {
        let mut out = Vec::new();
        let mut stack = vec![self.take_listing(0)?];
        while let Some(entries) = stack.last_mut() {
            let Some(entry) = entries.next() else {
                stack.pop();
                continue;
            };
            let entry = entry?;
            let sub = entry.listing;
            out.push((stack.len(), entry));
            if let Some(sub) = sub {
                stack.push(self.take_listing(sub)?);
            }
        }
        Ok(out)
    }

    /// The entries of listing `i`, or why the directory could not be listed.
    fn take_listing(
        &mut self,
        i: usize,
    ) -> Result<std::vec::IntoIter<Result<Entry, ImageError>>, ImageError> {
        let listing = &mut self.dirs[i];
        match listing.error.take() {
            Some(e) => Err(e),
            None => Ok(std::mem::take(&mut listing.entries).into_iter()),
        }
    }
}

struct Work {
    /// Listings still to read (indices into `dirs`).
    stack: Vec<usize>,
    /// Listings queued or being read; the scan ends when it reaches 0.
    pending: usize,
}

struct Shared {
    dirs: Mutex<Vec<Listing>>,
    work: Mutex<Work>,
    more: Condvar,
}

impl Shared {
    fn worker(&self) {
        loop {
            let index = {
                let mut w = self.work.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if let Some(i) = w.stack.pop() {
                        break i;
                    }
                    if w.pending == 0 {
                        return;
                    }
                    w = self.more.wait(w).unwrap_or_else(|p| p.into_inner());
                }
            };
            self.process(index);
        }
    }

    /// Lists directory `index`, queues its subdirectories and marks it done.
    fn process(&self, index: usize) {
        let path = {
            let dirs = self.dirs.lock().unwrap_or_else(|p| p.into_inner());
            dirs[index].path.clone()
        };
        // The root is followed if it is a symbolic link (as AddTree's source path);
        // directories found below are opened without following one that replaced them.
        let (entries, error) = match list(&path, index == 0) {
            Ok(entries) => (entries, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let mut entries = entries;
        let mut subdirs = Vec::new();
        {
            let mut dirs = self.dirs.lock().unwrap_or_else(|p| p.into_inner());
            for e in entries.iter_mut().flatten() {
                if matches!(e.kind, NodeKind::Directory(_)) {
                    let sub = dirs.len();
                    dirs.push(Listing {
                        path: path.join(OsStr::from_bytes(&e.name)),
                        ..Listing::default()
                    });
                    e.listing = Some(sub);
                    subdirs.push(sub);
                }
            }
            dirs[index].entries = entries;
            dirs[index].error = error;
        }
        let mut w = self.work.lock().unwrap_or_else(|p| p.into_inner());
        w.pending += subdirs.len();
        w.pending -= 1;
        // Deepest-first keeps the working set of directories small; the last
        // subdirectory pushed is the first popped, so push them in reverse.
        w.stack.extend(subdirs.into_iter().rev());
        if w.stack.len() > 1 || w.pending == 0 {
            self.more.notify_all();
        } else if !w.stack.is_empty() {
            self.more.notify_one();
        }
    }
}

/// Lists one directory: every entry `statx`ed relative to the directory, sorted by
/// name bytes.
fn list(path: &Path, follow: bool) -> Result<Vec<Result<Entry, ImageError>>, ImageError> {
    let dir_err = |e: rustix::io::Errno| ImageError::DirectoryRead {
        host_path: path.to_owned(),
        source: e.into(),
    };
    let mut flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    let fd = rustix::fs::open(path, flags, Mode::empty()).map_err(dir_err)?;
    let mut dir = rustix::fs::Dir::new(fd).map_err(dir_err)?;
    let mut names = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry.map_err(dir_err)?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            names.push(Box::<[u8]>::from(name));
        }
    }
    names.sort_unstable();
    let dirfd = dir.fd().map_err(dir_err)?;
    Ok(names
        .into_iter()
        .map(|name| examine(path, dirfd, name))
        .collect())
}

/// One entry of a directory (the name checked, then [`host_item`] relative to the
/// directory, not following a symbolic link).
fn examine(
    dir: &Path,
    dirfd: rustix::fd::BorrowedFd<'_>,
    name: Box<[u8]>,
) -> Result<Entry, ImageError> {
    let (kind, meta, stamp) = {
        let host_path = || dir.join(OsStr::from_bytes(&name));
        if name.len() > 255 {
            return Err(ImageError::InvalidPath {
                path: host_path().display().to_string(),
                reason: "a name is longer than 255 bytes",
            });
        }
        host_item(dirfd, OsStr::from_bytes(&name), false, &host_path)?
    };
    Ok(Entry {
        name,
        kind,
        meta,
        stamp,
        listing: None,
    })
}

/// A host item as the tree records it: one `statx(2)` of `name` relative to `dirfd`
/// (`rustix::fs::CWD` for a whole path), following a final symbolic link only if
/// `follow`, and `readlinkat` for a link. `host_path` names the item in errors and is
/// the data source of a regular file, whose [`SourceStamp`] is returned too.
///
/// # Errors
/// [`ImageError::SourceRead`] if it cannot be examined or a link not read.
pub(super) fn host_item(
    dirfd: rustix::fd::BorrowedFd<'_>,
    name: &OsStr,
    follow: bool,
    host_path: &dyn Fn() -> PathBuf,
) -> Result<(NodeKind, ItemMetadata, Option<SourceStamp>), ImageError> {
    let read_err = |e: rustix::io::Errno| ImageError::SourceRead {
        host_path: host_path(),
        source: e.into(),
    };
    let flags = if follow {
        AtFlags::empty()
    } else {
        AtFlags::SYMLINK_NOFOLLOW
    };
    let st = rustix::fs::statx(dirfd, name, flags, StatxFlags::BASIC_STATS).map_err(read_err)?;
    let mode = u32::from(st.stx_mode);
    let ty = mode & m::S_IFMT;
    let dev = rustix::fs::makedev(st.stx_dev_major, st.stx_dev_minor);
    let meta = ItemMetadata {
        permissions: mode & 0o7777,
        uid: st.stx_uid,
        gid: st.stx_gid,
        modified: Some(st.stx_mtime.tv_sec),
        // st_atime changes when the sources are read (by a previous build), which
        // would make two builds of the same tree differ; the modification time stands
        // in for it, as reproducible archivers do.
        accessed: Some(st.stx_mtime.tv_sec),
        changed: Some(st.stx_ctime.tv_sec),
        link_key: (ty == m::S_IFREG && st.stx_nlink > 1).then_some((dev, st.stx_ino)),
    };
    let kind = match ty {
        m::S_IFDIR => NodeKind::Directory(Default::default()),
        m::S_IFREG => NodeKind::File {
            source: FileSource::HostPath(host_path()),
            size: st.stx_size,
        },
        m::S_IFLNK => {
            let target = rustix::fs::readlinkat(dirfd, name, Vec::new()).map_err(read_err)?;
            NodeKind::Symlink(target.into_bytes().into())
        }
        _ => NodeKind::Special {
            mode: ty,
            rdev: rustix::fs::makedev(st.stx_rdev_major, st.stx_rdev_minor),
        },
    };
    let stamp = (ty == m::S_IFREG).then(|| SourceStamp::from_statx(&st));
    Ok((kind, meta, stamp))
}
