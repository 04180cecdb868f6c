//! The item tree (IMAPI2 IFsiDirectoryItem / IFsiFileItem): directories, files whose data
//! is read at write time, symbolic links and special files, with their POSIX metadata.
//! Children are kept in `BTreeMap`s keyed by name bytes so every walk is deterministic.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use discburn_format::rrip::mode as m;

use crate::ImageError;

mod graft;
mod scan;

pub(crate) use graft::Graft;

/// Index of a node in the tree's arena.
pub(crate) type NodeId = u32;
/// The root directory's id.
pub(crate) const ROOT: NodeId = 0;

/// Where a file's data comes from; read when the image is produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// A host file, opened and read while the result streams (its size is taken when
    /// it is added; a different size at write time is
    /// [`ImageError::SourceChangedSize`]).
    HostPath(PathBuf),
    /// Bytes held in memory.
    Bytes(Arc<[u8]>),
    /// Data already recorded on the medium (an earlier session): the directory record
    /// points at `lba` and no bytes are written. A length above 0xFFFF_F800 is recorded
    /// as several contiguous extents of 0xFFFF_F800 bytes (ECMA-119 6.5.1, level 3).
    Extent {
        /// First block of the data, an absolute LBA.
        lba: u32,
        /// Length in bytes.
        length: u64,
    },
    /// Data already recorded on the medium as several extents (File Sections), in file
    /// order, anywhere on the medium: gaps between them and any order are allowed
    /// (ECMA-119 6.5.1). The new directory hierarchy records one directory record per
    /// extent, each with the Multi-Extent flag (ECMA-119 9.1.6 bit 7) except the last;
    /// no bytes are written. The file's size is the sum of the lengths. An empty list is
    /// an empty file. Several extents need interchange level 3 (ECMA-119 10.1, 10.2:
    /// one File Section per file at levels 1 and 2; otherwise
    /// [`ImageError::FileTooLarge`] at layout).
    Extents(Arc<[Extent]>),
}

/// One extent of recorded file data (a File Section, ECMA-119 6.5.1): `length` bytes
/// from block `lba`, as one directory record gives them (Location of Extent 9.1.3,
/// Data Length 9.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Extent {
    /// First block, an absolute LBA (2048-byte blocks).
    pub lba: u32,
    /// Length in bytes (the Data Length of one directory record, at most 2^32 − 1).
    pub length: u32,
}

impl FileSource {
    /// The recorded extents of a [`FileSource::Extent`] or [`FileSource::Extents`] as
    /// the directory records give them: a single extent longer than 0xFFFF_F800 bytes
    /// is split into consecutive extents of 0xFFFF_F800 bytes (ECMA-119 6.5.1). `None`
    /// for data written by this session.
    pub(crate) fn recorded_extents(&self) -> Option<Vec<Extent>> {
        match self {
            FileSource::Extent { lba, length } => {
                let max = discburn_format::iso9660::MAX_EXTENT_LENGTH;
                let parts = length.div_ceil(max).max(1);
                Some(
                    (0..parts)
                        .map(|p| Extent {
                            lba: lba.saturating_add((p * (max / 2048)) as u32),
                            length: (length - p * max).min(max) as u32,
                        })
                        .collect(),
                )
            }
            FileSource::Extents(list) => Some(list.to_vec()),
            FileSource::HostPath(_) | FileSource::Bytes(_) => None,
        }
    }
}

/// POSIX attributes of an item, recorded in Rock Ridge PX/TF and the ECMA-119 recording
/// date. Times are seconds since the Unix epoch; `None` means "the image timestamp".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ItemMetadata {
    /// Permission bits (st_mode & 0o7777).
    pub permissions: u32,
    /// Owner (st_uid).
    pub uid: u32,
    /// Group (st_gid).
    pub gid: u32,
    /// Last modification (st_mtime).
    pub modified: Option<i64>,
    /// Last access (RR TF access time). Items from the host get their modification
    /// time here, not st_atime, so that reading the sources does not change the image.
    pub accessed: Option<i64>,
    /// Last attribute change (st_ctime).
    pub changed: Option<i64>,
    /// Host (st_dev, st_ino) of a regular file with st_nlink > 1: files with the same
    /// key are hard links and share one extent.
    pub link_key: Option<(u64, u64)>,
}

impl ItemMetadata {
    /// Defaults for an item made in memory: 0o755 for directories, 0o644 for files and
    /// 0o777 for symbolic links, owner 0:0, image timestamp.
    pub(crate) fn synthetic(kind_mode: u32) -> Self {
        let permissions = match kind_mode {
            m::S_IFDIR => 0o755,
            m::S_IFLNK => 0o777,
            _ => 0o644,
        };
        ItemMetadata {
            permissions,
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Directory(BTreeMap<Box<[u8]>, NodeId>),
    File {
        source: FileSource,
        size: u64,
    },
    Symlink(Box<[u8]>),
    /// Device, FIFO or socket: `mode` holds the type bits, `rdev` the device number.
    Special {
        mode: u32,
        rdev: u64,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) name: Box<[u8]>,
    pub(crate) parent: NodeId,
    pub(crate) kind: NodeKind,
    pub(crate) meta: ItemMetadata,
    /// Names recorded for this item by an imported session, kept so unchanged items
    /// keep their names (`None` for items added in this session).
    pub(crate) fixed: Option<Box<FixedNames>>,
    /// A host file's size and modification time when it was added, to find a source
    /// that changed before or while it is written (`None` for other items).
    pub(crate) stamp: Option<crate::source_check::SourceStamp>,
}

/// The identifiers an imported item had in the previous session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FixedNames {
    /// ECMA-119 File Identifier as recorded (with `;1` for files).
    pub(crate) iso: Option<Box<[u8]>>,
    /// Joliet name in UCS-2 units, without a version.
    pub(crate) joliet: Option<Box<[u16]>>,
    /// The Joliet File Identifier as recorded (UCS-2 big-endian, with its version if
    /// it had one: xorriso records none).
    pub(crate) joliet_raw: Option<Box<[u8]>>,
    /// Extents and serial number as recorded, for directory reuse.
    pub(crate) recorded: crate::reuse::Recorded,
    /// The file's MD5 from the imported session's checksum array (its `isofs.cx`
    /// entry; libisofs doc/checksums.txt), carried into the new session's array.
    pub(crate) md5: Option<[u8; 16]>,
    /// Its index in that array (`isofs.cx`), kept in the new array when free so that
    /// its directory record (and a reused directory) stays the same.
    pub(crate) md5_index: Option<u32>,
}

impl Node {
    /// POSIX st_mode (type bits | permissions).
    pub(crate) fn mode(&self) -> u32 {
        let ty = match &self.kind {
            NodeKind::Directory(_) => m::S_IFDIR,
            NodeKind::File { .. } => m::S_IFREG,
            NodeKind::Symlink(_) => m::S_IFLNK,
            NodeKind::Special { mode, .. } => *mode & m::S_IFMT,
        };
        ty | self.meta.permissions
    }

    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, NodeKind::Directory(_))
    }

    pub(crate) fn children(&self) -> Option<&BTreeMap<Box<[u8]>, NodeId>> {
        match &self.kind {
            NodeKind::Directory(c) => Some(c),
            _ => None,
        }
    }
}

/// The tree of items of an image. Cheap to share: [`crate::FileSystemImage`] keeps it in
/// an `Arc` and a result holds a snapshot.
#[derive(Debug, Clone)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    /// The grafts made so far ([`Tree::add_graft`]), to name the source of an item a
    /// later graft clashes with.
    pub(crate) grafts: Vec<Graft>,
}

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

/// Parses an absolute image path into its components.
pub(crate) fn parse_path(path: &str) -> Result<Vec<&[u8]>, ImageError> {
    let bad = |reason| ImageError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    if !path.starts_with('/') {
        return Err(bad("must start with '/'"));
    }
    let mut out = Vec::new();
    for c in path.split('/').filter(|c| !c.is_empty()) {
        if c == "." || c == ".." {
            return Err(bad("'.' and '..' components are not allowed"));
        }
        if c.contains('\0') {
            return Err(bad("NUL byte in a name"));
        }
        if c.len() > 255 {
            return Err(bad("a name is longer than 255 bytes"));
        }
        out.push(c.as_bytes());
    }
    Ok(out)
}

impl Tree {
    /// A tree holding only the root directory.
    pub fn new() -> Self {
        Tree {
            nodes: vec![Node {
                name: Box::from(&b""[..]),
                parent: ROOT,
                kind: NodeKind::Directory(BTreeMap::new()),
                meta: ItemMetadata::synthetic(m::S_IFDIR),
                fixed: None,
                stamp: None,
            }],
            grafts: Vec::new(),
        }
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// Image path of a node ("/" for the root).
    pub(crate) fn path_of(&self, mut id: NodeId) -> String {
        let mut parts = Vec::new();
        while id != ROOT {
            let n = self.node(id);
            parts.push(String::from_utf8_lossy(&n.name).into_owned());
            id = n.parent;
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    fn lookup_components(&self, comps: &[&[u8]]) -> Option<NodeId> {
        let mut cur = ROOT;
        for c in comps {
            cur = *self.node(cur).children()?.get(*c)?;
        }
        Some(cur)
    }

    /// The node at an image path.
    pub(crate) fn lookup(&self, path: &str) -> Result<NodeId, ImageError> {
        let comps = parse_path(path)?;
        self.lookup_components(&comps)
            .ok_or_else(|| ImageError::NotFound {
                path: path.to_owned(),
            })
    }

    fn children_mut(&mut self, id: NodeId) -> &mut BTreeMap<Box<[u8]>, NodeId> {
        match &mut self.nodes[id as usize].kind {
            NodeKind::Directory(c) => c,
            _ => unreachable!("children_mut on a non-directory"),
        }
    }

    pub(crate) fn push(
        &mut self,
        parent: NodeId,
        name: &[u8],
        kind: NodeKind,
        meta: ItemMetadata,
    ) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            name: name.into(),
            parent,
            kind,
            meta,
            fixed: None,
            stamp: None,
        });
        self.children_mut(parent).insert(name.into(), id);
        id
    }

    /// Adds a new item at `path`; its parent directory must exist.
    fn add_new(
        &mut self,
        path: &str,
        kind: NodeKind,
        meta: ItemMetadata,
    ) -> Result<NodeId, ImageError> {
        let comps = parse_path(path)?;
        let Some((name, dir)) = comps.split_last() else {
            return Err(ImageError::PathExists { path: "/".into() });
        };
        let parent = self
            .lookup_components(dir)
            .ok_or_else(|| ImageError::NotFound {
                path: format!(
                    "/{}",
                    dir.iter()
                        .map(|c| String::from_utf8_lossy(c))
                        .collect::<Vec<_>>()
                        .join("/")
                ),
            })?;
        let Some(children) = self.node(parent).children() else {
            return Err(ImageError::NotADirectory {
                path: self.path_of(parent),
            });
        };
        let mut inherited = None;
        let new_is_dir = matches!(kind, NodeKind::Directory(_));
        if let Some(&existing) = children.get(*name) {
            // An item imported from the previous session is replaced by a new one at its
            // path (IMAPI2: the in-memory item wins); it keeps the recorded names.
            let old = self.node(existing);
            if old.fixed.is_some() && !old.is_dir() {
                inherited = old.fixed.clone().filter(|_| !new_is_dir);
                if let Some(f) = inherited.as_deref_mut() {
                    // A new File Entry: the item is not the recorded one.
                    f.recorded.udf = None;
                }
                self.detach(existing);
            } else {
                return Err(ImageError::PathExists {
                    path: path.to_owned(),
                });
            }
        }
        let id = self.push(parent, name, kind, meta);
        self.nodes[id as usize].fixed = inherited;
        Ok(id)
    }

    /// IFsiDirectoryItem::AddDirectory: an empty directory at `path`.
    ///
    /// # Errors
    /// [`ImageError::InvalidPath`], [`ImageError::NotFound`] (parent missing),
    /// [`ImageError::NotADirectory`] (parent is a file), [`ImageError::PathExists`].
    pub fn add_directory(&mut self, path: &str) -> Result<(), ImageError> {
        self.add_new(
            path,
            NodeKind::Directory(BTreeMap::new()),
            ItemMetadata::synthetic(m::S_IFDIR),
        )
        .map(drop)
    }

    /// Adds a file whose data comes from `source`, with the given metadata (`None`:
    /// 0o644, 0:0, image timestamp). For [`FileSource::HostPath`] the size is taken
    /// now with one `stat`; for [`FileSource::Extents`] it is the sum of the extents'
    /// lengths (nothing is read).
    ///
    /// # Errors
    /// As [`Tree::add_directory`], plus [`ImageError::SourceRead`] if a host file cannot
    /// be examined.
    pub fn add_file_source(
        &mut self,
        path: &str,
        source: FileSource,
        meta: Option<ItemMetadata>,
    ) -> Result<(), ImageError> {
        let mut stamp = None;
        let size = match &source {
            FileSource::HostPath(p) => {
                let md = fs::metadata(p).map_err(|e| ImageError::SourceRead {
                    host_path: p.clone(),
                    source: e,
                })?;
                let s = crate::source_check::SourceStamp::from_metadata(&md);
                stamp = Some(s);
                s.size
            }
            FileSource::Bytes(b) => b.len() as u64,
            FileSource::Extent { length, .. } => *length,
            FileSource::Extents(list) => list.iter().map(|e| u64::from(e.length)).sum(),
        };
        let meta = meta.unwrap_or_else(|| ItemMetadata::synthetic(m::S_IFREG));
        let id = self.add_new(path, NodeKind::File { source, size }, meta)?;
        self.nodes[id as usize].stamp = stamp;
        Ok(())
    }

    /// Adds in-memory bytes as a file.
    ///
    /// # Errors
    /// As [`Tree::add_directory`].
    pub fn add_bytes(&mut self, path: &str, bytes: Vec<u8>) -> Result<(), ImageError> {
        self.add_file_source(path, FileSource::Bytes(bytes.into()), None)
    }

    /// Adds a symbolic link with the given target.
    ///
    /// # Errors
    /// As [`Tree::add_directory`].
    pub fn add_symlink(&mut self, path: &str, target: &str) -> Result<(), ImageError> {
        self.add_new(
            path,
            NodeKind::Symlink(target.as_bytes().into()),
            ItemMetadata::synthetic(m::S_IFLNK),
        )
        .map(drop)
    }

    /// Adds one host file (one `lstat`): a regular file is read at write time, a
    /// symbolic link is kept as a link, a device/FIFO/socket as a special file.
    ///
    /// # Errors
    /// As [`Tree::add_directory`], plus [`ImageError::SourceRead`] and
    /// [`ImageError::SourceIsDirectory`].
    pub fn add_file(&mut self, path: &str, host_file: &Path) -> Result<(), ImageError> {
        let (kind, meta, stamp) =
            scan::host_item(rustix::fs::CWD, host_file.as_os_str(), false, &|| {
                host_file.to_owned()
            })?;
        if matches!(kind, NodeKind::Directory(_)) {
            return Err(ImageError::SourceIsDirectory {
                host_path: host_file.to_owned(),
            });
        }
        let id = self.add_new(path, kind, meta)?;
        self.nodes[id as usize].stamp = stamp;
        Ok(())
    }

    /// Creates `path` and missing parents as directories; returns the directory.
    fn make_dirs(&mut self, path: &str) -> Result<NodeId, ImageError> {
        let comps = parse_path(path)?;
        let mut cur = ROOT;
        for c in comps {
            let next = match self.node(cur).children() {
                Some(ch) => ch.get(c).copied(),
                None => {
                    return Err(ImageError::NotADirectory {
                        path: self.path_of(cur),
                    });
                }
            };
            cur = match next {
                Some(n) => n,
                None => self.push(
                    cur,
                    c,
                    NodeKind::Directory(BTreeMap::new()),
                    ItemMetadata::synthetic(m::S_IFDIR),
                ),
            };
        }
        if !self.node(cur).is_dir() {
            return Err(ImageError::NotADirectory {
                path: path.to_owned(),
            });
        }
        Ok(cur)
    }

    /// IFsiDirectoryItem::AddTree(host_dir, includeBaseDirectory = FALSE): the contents
    /// of `host_dir` go under `dest_dir`, which is created (with parents) if missing and
    /// takes the host directory's attributes. Each host entry is `lstat`ed once;
    /// symbolic links are kept as links (not followed). Items already in the image at
    /// the same paths are replaced (the source wins). Atomic: on error the tree is
    /// unchanged.
    ///
    /// # Errors
    /// [`ImageError::DirectoryRead`] if a directory cannot be listed,
    /// [`ImageError::SourceRead`] if an entry cannot be examined,
    /// [`ImageError::InvalidPath`], [`ImageError::NotADirectory`] if `dest_dir` or one
    /// of its parents is a file.
    pub fn add_tree(&mut self, host_dir: &Path, dest_dir: &str) -> Result<usize, ImageError> {
        self.add_tree_inner(host_dir, dest_dir, false)
    }

    /// [`Tree::add_tree`]; with `refuse_clashes`, an item of an earlier graft at a path
    /// the source also has (unless both are directories) is [`ImageError::GraftClash`]
    /// and nothing changes.
    fn add_tree_inner(
        &mut self,
        host_dir: &Path,
        dest_dir: &str,
        refuse_clashes: bool,
    ) -> Result<usize, ImageError> {
        parse_path(dest_dir)?;
        // The source directory itself: a symbolic link to one is followed.
        let (root_kind, root_meta, _) =
            scan::host_item(rustix::fs::CWD, host_dir.as_os_str(), true, &|| {
                host_dir.to_owned()
            })
            .map_err(|e| match e {
                ImageError::SourceRead { host_path, source } => {
                    ImageError::DirectoryRead { host_path, source }
                }
                e => e,
            })?;
        if !matches!(root_kind, NodeKind::Directory(_)) {
            return Err(ImageError::DirectoryRead {
                host_path: host_dir.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        // Staged first, applied after, so that a failing scan leaves the tree as it was.
        let staged = scan::Scan::run(host_dir).into_pre_order()?;
        if refuse_clashes && let Some(e) = self.find_clash(host_dir, dest_dir, &staged) {
            return Err(e);
        }
        // Apply: nothing below can fail except a destination that is not a directory,
        // which is checked first.
        let base = self.make_dirs_checked(dest_dir)?;
        self.nodes[base as usize].meta = root_meta;
        // parents[d - 1]: the directory the entries at depth d go into.
        let mut parents: Vec<NodeId> = vec![base];
        let mut files = 0usize;
        for (depth, entry) in staged {
            if !matches!(entry.kind, NodeKind::Directory(_)) {
                files += 1;
            }
            parents.truncate(depth);
            let parent = parents[depth - 1];
            let existing = self
                .node(parent)
                .children()
                .and_then(|c| c.get(&entry.name))
                .copied();
            let id = match (existing, &entry.kind) {
                (Some(e), NodeKind::Directory(_)) if self.node(e).is_dir() => {
                    self.nodes[e as usize].meta = entry.meta;
                    e
                }
                _ => {
                    let id = self.push(parent, &entry.name, entry.kind, entry.meta);
                    self.nodes[id as usize].stamp = entry.stamp;
                    id
                }
            };
            if entry.listing.is_some() {
                parents.push(id);
            }
        }
        Ok(files)
    }

    /// `make_dirs`, but checks first (without changing anything) that no component is
    /// a file, so `add_tree` stays atomic.
    fn make_dirs_checked(&mut self, path: &str) -> Result<NodeId, ImageError> {
        let comps = parse_path(path)?;
        let mut cur = ROOT;
        for c in &comps {
            match self.node(cur).children() {
                None => {
                    return Err(ImageError::NotADirectory {
                        path: self.path_of(cur),
                    });
                }
                Some(ch) => match ch.get(*c) {
                    Some(n) => cur = *n,
                    None => break,
                },
            }
        }
        if !self.node(cur).is_dir() {
            return Err(ImageError::NotADirectory {
                path: self.path_of(cur),
            });
        }
        self.make_dirs(path)
    }

    /// IFsiDirectoryItem::Remove: removes a file, link or empty directory.
    ///
    /// # Errors
    /// [`ImageError::NotFound`], [`ImageError::DirectoryNotEmpty`],
    /// [`ImageError::InvalidPath`] for the root.
    pub fn remove(&mut self, path: &str) -> Result<(), ImageError> {
        let id = self.lookup(path)?;
        if id == ROOT {
            return Err(ImageError::InvalidPath {
                path: path.to_owned(),
                reason: "the root cannot be removed",
            });
        }
        if self.node(id).children().is_some_and(|c| !c.is_empty()) {
            return Err(ImageError::DirectoryNotEmpty {
                path: path.to_owned(),
            });
        }
        self.detach(id);
        Ok(())
    }

    /// IFsiDirectoryItem::RemoveTree: removes a directory and everything below it;
    /// "/" empties the image (the root stays).
    ///
    /// # Errors
    /// [`ImageError::NotFound`], [`ImageError::NotADirectory`].
    pub fn remove_tree(&mut self, path: &str) -> Result<(), ImageError> {
        let id = self.lookup(path)?;
        if !self.node(id).is_dir() {
            return Err(ImageError::NotADirectory {
                path: path.to_owned(),
            });
        }
        if id == ROOT {
            // Start a fresh arena so the memory of removed items is released.
            let meta = self.node(ROOT).meta;
            *self = Tree::new();
            self.nodes[0].meta = meta;
        } else {
            self.detach(id);
        }
        Ok(())
    }

    fn detach(&mut self, id: NodeId) {
        let parent = self.node(id).parent;
        let name = self.node(id).name.clone();
        self.children_mut(parent).remove(&name);
    }

    /// Number of files (regular files, links and special files) in the image.
    pub fn file_count(&self) -> usize {
        self.walk().filter(|&id| !self.node(id).is_dir()).count()
    }

    /// Number of directories in the image, the root included.
    pub fn directory_count(&self) -> usize {
        self.walk().filter(|&id| self.node(id).is_dir()).count()
    }

    /// Depth-first pre-order walk over the live nodes, children in name-byte order.
    pub(crate) fn walk(&self) -> impl Iterator<Item = NodeId> + '_ {
        let mut stack = vec![ROOT];
        std::iter::from_fn(move || {
            let id = stack.pop()?;
            if let Some(c) = self.node(id).children() {
                stack.extend(c.values().rev().copied());
            }
            Some(id)
        })
    }

    /// Sets the metadata of the item at `path`.
    ///
    /// # Errors
    /// [`ImageError::NotFound`], [`ImageError::InvalidPath`].
    pub fn set_metadata(&mut self, path: &str, meta: ItemMetadata) -> Result<(), ImageError> {
        let id = self.lookup(path)?;
        self.nodes[id as usize].meta = meta;
        Ok(())
    }

    /// The metadata of the item at `path`.
    ///
    /// # Errors
    /// [`ImageError::NotFound`], [`ImageError::InvalidPath`].
    pub fn metadata(&self, path: &str) -> Result<ItemMetadata, ImageError> {
        Ok(self.node(self.lookup(path)?).meta)
    }
}
