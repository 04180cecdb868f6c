//! The owned result of reading one view of a session: a compact arena of nodes in
//! breadth-first order (the children of a directory are consecutive), names and
//! identifiers in one byte buffer, extents in one vector.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use discburn_format::iso9660::{DirectoryDateTime, FileFlags};

/// Which directory hierarchy and which names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The ECMA-119 hierarchy with ECMA-119 names (version ";1" and a trailing "." of an
    /// empty extension removed); Rock Ridge ignored, so a relocated directory shows under
    /// its relocation directory (`rr_moved`).
    Iso9660,
    /// The Joliet hierarchy with UCS-2 names decoded (version ";1" removed).
    Joliet,
    /// The ECMA-119 hierarchy with Rock Ridge names and attributes, relocation undone
    /// (RRIP 4.1.5): a CL entry stands for the relocated directory at its original place
    /// and the RE-marked directory is hidden from its relocation parent.
    RockRidge,
    /// The UDF file set (ECMA-167 part 4, OSTA UDF 1.02–2.60) read by [`crate::udf`]:
    /// OSTA compressed Unicode names, POSIX attributes of the File Entries given as
    /// [`Node::rock_ridge`] (mode, links, owner, times, ICB location as inode), data as
    /// [`Node::data_pieces`] with absolute LBAs.
    Udf,
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            View::Iso9660 => "ISO 9660",
            View::Joliet => "Joliet",
            View::RockRidge => "Rock Ridge",
            View::Udf => "UDF",
        })
    }
}

/// One extent of file data: `length` bytes from sector `lba` (ECMA-119 6.5). Extended
/// attribute records are already skipped (`lba` is where the data starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Extent {
    /// First sector (LBA).
    pub lba: u32,
    /// Length in bytes.
    pub length: u32,
}

impl Extent {
    /// Sectors covered (length rounded up to 2048).
    pub fn sectors(&self) -> u64 {
        u64::from(self.length).div_ceil(2048)
    }
}

/// One piece of a file's data, in file order (ECMA-167 4/12, 4/14.14: the extents of the
/// allocation descriptors; ECMA-119 files only have recorded extents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataPiece<'t> {
    /// Recorded data at an absolute LBA.
    Recorded(Extent),
    /// An extent not recorded (ECMA-167 4/14.14.1.1 types 1 and 2): `length` bytes that
    /// read as zeros.
    Unrecorded {
        /// Length in bytes.
        length: u32,
    },
    /// Data recorded inside the File Entry (ECMA-167 4/14.6.8 flags 3, UDF 2.3.10).
    Embedded(&'t [u8]),
}

impl DataPiece<'_> {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            DataPiece::Recorded(e) => u64::from(e.length),
            DataPiece::Unrecorded { length } => u64::from(*length),
            DataPiece::Embedded(b) => b.len() as u64,
        }
    }

    /// Whether the piece holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Stored form of a [`DataPiece`] (embedded bytes live in the tree's byte buffer).
#[derive(Debug, Clone, Copy)]
pub(crate) enum PieceData {
    Recorded(Extent),
    Unrecorded(u32),
    Embedded { off: u32, len: u32 },
}

/// What a node is. In the ISO 9660 and Joliet views only `File` and `Directory` occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeKind {
    /// A regular file (its data is in [`Node::extents`]).
    File,
    /// A directory.
    Directory,
    /// A symbolic link (RRIP SL; target in [`Node::symlink_target`]).
    Symlink,
    /// A character device (RRIP PX mode S_IFCHR, PN).
    CharDevice,
    /// A block device (RRIP PX mode S_IFBLK, PN).
    BlockDevice,
    /// A FIFO (RRIP PX mode S_IFIFO).
    Fifo,
    /// A socket (RRIP PX mode S_IFSOCK).
    Socket,
}

/// Rock Ridge time stamps (RRIP 4.1.6 TF) in Unix seconds; `None` if not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RrTimes {
    /// Creation time.
    pub creation: Option<i64>,
    /// Modification time (st_mtime).
    pub modify: Option<i64>,
    /// Last access time (st_atime).
    pub access: Option<i64>,
    /// Last attribute change time (st_ctime).
    pub attributes: Option<i64>,
}

/// Rock Ridge attributes of a node (RRIP 4.1.1 PX, 4.1.2 PN, 4.1.6 TF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RockRidge {
    /// POSIX File Mode (st_mode), type bits included; 0 if no PX entry.
    pub mode: u32,
    /// POSIX File Links (st_nlink).
    pub nlink: u32,
    /// POSIX File User ID.
    pub uid: u32,
    /// POSIX File Group ID.
    pub gid: u32,
    /// POSIX File Serial Number (inode; RRIP 1.12 PX only). Hard links share it.
    pub inode: Option<u32>,
    /// Device number (high, low) from PN.
    pub device: Option<(u32, u32)>,
    /// TF time stamps.
    pub times: RrTimes,
    /// Whether a PX entry was present.
    pub has_px: bool,
    /// Whether this directory was relocated (reached through a CL entry; RRIP 4.1.5).
    pub relocated: bool,
    /// Index of this file's MD5 in the session's checksum array: the AAIP attribute
    /// `isofs.cx` (libisofs doc/checksums.txt, "The Checksum Array").
    pub md5_index: Option<u32>,
    /// On the root: where the session's checksum array is, from AAIP `isofs.ca`.
    pub md5_area: Option<Md5Area>,
}

/// The root attribute `isofs.ca` (libisofs doc/checksums.txt): the MD5 checksum array
/// of the session. Block numbers are absolute LBAs (2048-byte blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Md5Area {
    /// First block of the range whose MD5 is entry 0 (the session start).
    pub start_lba: u32,
    /// First block after that range: the array's first block.
    pub end_lba: u32,
    /// Entries of 16 bytes: files + 2.
    pub count: u32,
}

/// Index of a node in its [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The arena index (0 is the root; breadth-first order).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

pub(crate) const NONE: u32 = u32::MAX;

/// Compact per-node storage.
#[derive(Debug, Clone)]
pub(crate) struct NodeData {
    pub parent: u32,
    pub first_child: u32,
    pub child_count: u32,
    pub name_off: u32,
    pub name_len: u16,
    pub ident_len: u8,
    pub kind: NodeKind,
    pub flags: u8,
    pub depth: u16,
    pub extents_start: u32,
    pub extents_len: u32,
    pub size: u64,
    pub record_lba: u32,
    pub record_off: u16,
    pub time: DirectoryDateTime,
    pub rr: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct RrData {
    pub info: RockRidge,
    pub target_off: u32,
    pub target_len: u32,
}

/// The directory hierarchy of one view of a session, owned. Nodes are stored breadth-first
/// (index 0 is the root) and the children of a directory are consecutive, in on-disc
/// record order (ECMA-119 9.3 order).
#[derive(Clone)]
pub struct Tree {
    pub(crate) view: View,
    pub(crate) session_start: u64,
    pub(crate) nodes: Vec<NodeData>,
    pub(crate) bytes: Vec<u8>,
    pub(crate) extents: Vec<Extent>,
    pub(crate) rr: Vec<RrData>,
    /// Data of the files that are not only recorded extents (UDF embedded data and
    /// unrecorded extents), by node index; their [`Node::extents`] is empty.
    pub(crate) irregular: HashMap<u32, Box<[PieceData]>>,
    /// UDF view: per node, the ICB its File Identifier Descriptor names (empty for the
    /// other views).
    pub(crate) udf_icbs: Vec<UdfIcb>,
}

/// Where a UDF File Identifier Descriptor (or the File Set Descriptor, for the root)
/// finds an item's File Entry: the long_ad's partition reference and logical block
/// (ECMA-167 4/14.4.5), and the entry's Unique ID (4/14.9.21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdfIcb {
    /// Partition Reference Number.
    pub partition_reference: u16,
    /// Logical Block Number in that partition.
    pub logical_block: u32,
    /// Unique ID of the File Entry.
    pub unique_id: u64,
}

/// A borrowed node of a [`Tree`].
#[derive(Clone, Copy)]
pub struct Node<'t> {
    tree: &'t Tree,
    id: NodeId,
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.id.0)
            .field("name", &self.name())
            .field("kind", &self.kind())
            .field("size", &self.size())
            .field("extents", &self.extents())
            .finish()
    }
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (dirs, files, other) = self.counts();
        f.debug_struct("Tree")
            .field("view", &self.view)
            .field("session_start", &self.session_start)
            .field("nodes", &self.nodes.len())
            .field("directories", &dirs)
            .field("files", &files)
            .field("other", &other)
            .finish()
    }
}

impl Tree {
    /// The view this tree was read in.
    pub fn view(&self) -> View {
        self.view
    }

    /// The session start the tree was read from.
    pub fn session_start(&self) -> u64 {
        self.session_start
    }

    /// Number of nodes, root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree holds only the root (never true of a read tree: it has a root).
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// The root directory.
    pub fn root(&self) -> Node<'_> {
        self.get(NodeId(0))
    }

    /// The node `id`. Panics if `id` is not from this tree.
    pub fn get(&self, id: NodeId) -> Node<'_> {
        assert!(id.index() < self.nodes.len(), "NodeId from another tree");
        Node { tree: self, id }
    }

    /// All nodes in breadth-first order, root first.
    pub fn iter(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        (0..self.nodes.len() as u32).map(move |i| Node {
            tree: self,
            id: NodeId(i),
        })
    }

    /// The node at `path` ("/" is the root; components are matched byte-exactly against
    /// this view's names; empty components are ignored).
    pub fn find(&self, path: &str) -> Option<Node<'_>> {
        let mut cur = self.root();
        for comp in path.split('/').filter(|c| !c.is_empty()) {
            cur = cur.children().find(|c| c.name_bytes() == comp.as_bytes())?;
        }
        Some(cur)
    }

    /// All nodes with their paths ("/a/b"; the root is "/"), depth-first in record order.
    /// Names that are not UTF-8 are converted lossily.
    pub fn walk(&self) -> Vec<(String, Node<'_>)> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![(String::from("/"), self.root())];
        while let Some((path, node)) = stack.pop() {
            let base = if path == "/" {
                String::new()
            } else {
                path.clone()
            };
            let kids: Vec<_> = node.children().collect();
            for k in kids.into_iter().rev() {
                stack.push((format!("{base}/{}", k.name()), k));
            }
            out.push((path, node));
        }
        out
    }

    /// Groups of files that share data, which importers should keep as hard links: files
    /// of non-zero size whose first extent is the same, merged with files that carry the
    /// same non-zero Rock Ridge inode number (RRIP 1.12 PX serial). Each group has at
    /// least two members, in node order.
    pub fn hard_link_groups(&self) -> Vec<Vec<NodeId>> {
        let mut by_key: HashMap<(u8, u64), Vec<u32>> = HashMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.kind != NodeKind::File {
                continue;
            }
            if n.size > 0 && n.extents_len > 0 {
                let e = self.extents[n.extents_start as usize];
                by_key
                    .entry((0, (u64::from(e.lba) << 32) | u64::from(e.length)))
                    .or_default()
                    .push(i as u32);
            }
            if n.rr != NONE
                && let Some(ino) = self.rr[n.rr as usize].info.inode
                && ino != 0
            {
                by_key
                    .entry((1, u64::from(ino)))
                    .or_default()
                    .push(i as u32);
            }
        }
        // Union the overlapping key groups.
        let mut parent: HashMap<u32, u32> = HashMap::new();
        fn root_of(parent: &mut HashMap<u32, u32>, mut x: u32) -> u32 {
            while let Some(&p) = parent.get(&x) {
                if p == x {
                    break;
                }
                x = p;
            }
            x
        }
        for members in by_key.values().filter(|m| m.len() > 1) {
            let r0 = root_of(&mut parent, members[0]);
            parent.entry(r0).or_insert(r0);
            for &m in &members[1..] {
                let r = root_of(&mut parent, m);
                if r != r0 {
                    parent.insert(r, r0);
                }
            }
        }
        let mut groups: HashMap<u32, Vec<NodeId>> = HashMap::new();
        let keys: Vec<u32> = parent.keys().copied().collect();
        for k in keys {
            let r = root_of(&mut parent, k);
            groups.entry(r).or_default().push(NodeId(k));
        }
        let mut out: Vec<Vec<NodeId>> = groups
            .into_values()
            .filter(|g| g.len() > 1)
            .map(|mut g| {
                g.sort();
                g
            })
            .collect();
        out.sort();
        out
    }

    /// Counts of (directories, files, symlinks and other nodes), root included in
    /// directories.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for n in &self.nodes {
            match n.kind {
                NodeKind::Directory => c.0 += 1,
                NodeKind::File => c.1 += 1,
                _ => c.2 += 1,
            }
        }
        c
    }

    /// Approximate heap bytes held by the tree.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<NodeData>()
            + self.bytes.capacity()
            + self.extents.capacity() * size_of::<Extent>()
            + self.rr.capacity() * size_of::<RrData>()
            + self
                .irregular
                .values()
                .map(|p| p.len() * size_of::<PieceData>())
                .sum::<usize>()
    }
}

impl<'t> Node<'t> {
    fn d(&self) -> &'t NodeData {
        &self.tree.nodes[self.id.index()]
    }

    /// The view of the tree the node belongs to.
    pub fn tree_view(&self) -> View {
        self.tree.view
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The name in this tree's view, as recorded (Rock Ridge names are arbitrary bytes,
    /// usually UTF-8; Joliet names are stored as UTF-8). Empty for the root.
    pub fn name_bytes(&self) -> &'t [u8] {
        let d = self.d();
        let o = d.name_off as usize;
        &self.tree.bytes[o..o + usize::from(d.name_len)]
    }

    /// The name as text (non-UTF-8 bytes replaced by U+FFFD).
    pub fn name(&self) -> Cow<'t, str> {
        String::from_utf8_lossy(self.name_bytes())
    }

    /// The raw File Identifier of the directory record (ECMA-119 bytes such as
    /// `b"README.TXT;1"` in the ISO 9660 and Rock Ridge views, UCS-2 big-endian in the
    /// Joliet view), so importers can keep mangled names stable. Empty for the root.
    pub fn identifier(&self) -> &'t [u8] {
        let d = self.d();
        let o = d.name_off as usize + usize::from(d.name_len);
        &self.tree.bytes[o..o + usize::from(d.ident_len)]
    }

    /// What the node is.
    pub fn kind(&self) -> NodeKind {
        self.d().kind
    }

    /// Whether the node is a directory.
    pub fn is_dir(&self) -> bool {
        self.d().kind == NodeKind::Directory
    }

    /// The data extents, in order: one for most files, several for a multi-extent file
    /// (ECMA-119 6.5.1, consecutive records with the Multi-Extent flag), one for a
    /// directory. Empty for symlinks and devices without data.
    pub fn extents(&self) -> &'t [Extent] {
        let d = self.d();
        let s = d.extents_start as usize;
        &self.tree.extents[s..s + d.extents_len as usize]
    }

    /// Size in bytes: the sum of the extent lengths (for a directory, its extent length;
    /// in the UDF view the File Entry's Information Length).
    pub fn size(&self) -> u64 {
        self.d().size
    }

    /// The file's data in order: its [`Node::extents`] as [`DataPiece::Recorded`], or, for
    /// a UDF file with data embedded in its File Entry or extents not recorded, those
    /// pieces (then [`Node::extents`] is empty). The lengths add up to [`Node::size`] for
    /// files; empty for symlinks (their target is [`Node::symlink_target`]) and devices.
    pub fn data_pieces(&self) -> Vec<DataPiece<'t>> {
        if let Some(p) = self.tree.irregular.get(&self.id.0) {
            return p
                .iter()
                .map(|p| match *p {
                    PieceData::Recorded(e) => DataPiece::Recorded(e),
                    PieceData::Unrecorded(length) => DataPiece::Unrecorded { length },
                    PieceData::Embedded { off, len } => {
                        DataPiece::Embedded(&self.tree.bytes[off as usize..(off + len) as usize])
                    }
                })
                .collect();
        }
        if self.d().kind != NodeKind::File {
            return Vec::new();
        }
        self.extents()
            .iter()
            .map(|&e| DataPiece::Recorded(e))
            .collect()
    }

    /// Whether the data is anything but recorded extents ([`Node::extents`] is then
    /// empty and [`Node::data_pieces`] has the data).
    pub fn has_irregular_data(&self) -> bool {
        self.tree.irregular.contains_key(&self.id.0)
    }

    /// Writes the file's data ([`Node::data_pieces`]) to `out`, reading recorded
    /// extents from `src` 64 KiB at a time; returns the bytes written.
    ///
    /// # Errors
    /// [`crate::ReadError::ExtentPastEnd`] for an extent past the media (named by this node's
    /// record), [`crate::ReadError::Io`] for a failed read or write (the write error's LBA is
    /// the extent's).
    pub fn copy_data(
        &self,
        src: &mut (impl crate::SectorSource + ?Sized),
        out: &mut dyn std::io::Write,
    ) -> Result<u64, crate::ReadError> {
        let mut buf = vec![0u8; 32 * 2048];
        let mut written = 0u64;
        let wr = |lba: u64, e: std::io::Error| crate::ReadError::Io {
            lba,
            count: 0,
            source: e,
        };
        for piece in self.data_pieces() {
            match piece {
                DataPiece::Recorded(e) => {
                    let total = src.total_sectors();
                    let lba0 = u64::from(e.lba);
                    if lba0 + e.sectors() > total {
                        return Err(crate::ReadError::ExtentPastEnd {
                            place: crate::Place::new("file data", self.record_lba(), 0),
                            start: lba0,
                            end: lba0 + e.sectors(),
                            total_sectors: total,
                        });
                    }
                    let mut left = u64::from(e.length);
                    let mut lba = lba0;
                    while left > 0 {
                        let sectors = left.div_ceil(2048).min(32);
                        let bytes = (sectors * 2048) as usize;
                        crate::source::read_into_slice(src, lba, &mut buf[..bytes])?;
                        let take = left.min(bytes as u64) as usize;
                        out.write_all(&buf[..take]).map_err(|x| wr(lba, x))?;
                        left -= take as u64;
                        lba += sectors;
                    }
                }
                DataPiece::Unrecorded { length } => {
                    let zeros = [0u8; 4096];
                    let mut left = length as usize;
                    while left > 0 {
                        let n = left.min(zeros.len());
                        out.write_all(&zeros[..n])
                            .map_err(|x| wr(self.record_lba(), x))?;
                        left -= n;
                    }
                }
                DataPiece::Embedded(b) => {
                    out.write_all(b).map_err(|x| wr(self.record_lba(), x))?;
                }
            }
            written += piece.len();
        }
        Ok(written)
    }

    /// The directory record's Recording Date and Time (ECMA-119 9.1.5).
    pub fn recording_time(&self) -> DirectoryDateTime {
        self.d().time
    }

    /// The directory record's File Flags (ECMA-119 9.1.6) (of the last record for a
    /// multi-extent file, so without MULTI_EXTENT).
    pub fn file_flags(&self) -> FileFlags {
        FileFlags::from_bits_retain(self.d().flags)
    }

    /// Existence bit set: "need not be made known to the user" (ECMA-119 9.1.6 bit 0).
    pub fn is_hidden(&self) -> bool {
        self.file_flags().contains(FileFlags::EXISTENCE)
    }

    /// Associated File bit set (ECMA-119 9.1.6 bit 2): shares its name with another file
    /// of the directory (e.g. a resource fork). Linux hides these by default.
    pub fn is_associated(&self) -> bool {
        self.file_flags().contains(FileFlags::ASSOCIATED_FILE)
    }

    /// Rock Ridge attributes (Rock Ridge view only).
    pub fn rock_ridge(&self) -> Option<&'t RockRidge> {
        let r = self.d().rr;
        (r != NONE).then(|| &self.tree.rr[r as usize].info)
    }

    /// The symbolic link target (RRIP SL components joined with '/').
    pub fn symlink_target(&self) -> Option<&'t [u8]> {
        if self.d().kind != NodeKind::Symlink {
            return None;
        }
        let r = &self.tree.rr[self.d().rr as usize];
        let o = r.target_off as usize;
        Some(&self.tree.bytes[o..o + r.target_len as usize])
    }

    /// UDF view: the ICB of the item's File Entry as its FID names it.
    pub fn udf_icb(&self) -> Option<UdfIcb> {
        self.tree.udf_icbs.get(self.id.0 as usize).copied()
    }

    /// LBA of the sector holding this node's directory record (for the root: its volume
    /// descriptor).
    pub fn record_lba(&self) -> u64 {
        u64::from(self.d().record_lba)
    }

    /// Byte offset of the directory record within [`Node::record_lba`].
    pub fn record_offset(&self) -> u32 {
        u32::from(self.d().record_off)
    }

    /// Depth below the root (root 0).
    pub fn depth(&self) -> u32 {
        u32::from(self.d().depth)
    }

    /// The parent directory; `None` for the root.
    pub fn parent(&self) -> Option<Node<'t>> {
        let p = self.d().parent;
        (p != NONE).then_some(Node {
            tree: self.tree,
            id: NodeId(p),
        })
    }

    /// The children in record order (empty for non-directories).
    pub fn children(&self) -> impl Iterator<Item = Node<'t>> + 't {
        let d = self.d();
        let tree = self.tree;
        (d.first_child..d.first_child + d.child_count).map(move |i| Node {
            tree,
            id: NodeId(i),
        })
    }

    /// Number of children.
    pub fn child_count(&self) -> usize {
        self.d().child_count as usize
    }

    /// The path from the root ("/a/b"; "/" for the root), lossily decoded.
    pub fn path(&self) -> String {
        let mut parts = Vec::new();
        let mut cur = *self;
        while let Some(p) = cur.parent() {
            parts.push(cur.name());
            cur = p;
        }
        if parts.is_empty() {
            return "/".into();
        }
        let mut s = String::new();
        for p in parts.iter().rev() {
            s.push('/');
            s.push_str(p);
        }
        s
    }
}
