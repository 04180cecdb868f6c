//! A normalized file tree: what a generator wrote, what a host directory holds, or what an
//! oracle tool lists from an image.
//!
//! Paths are absolute, '/'-separated UTF-8 strings ("/a/b.txt"); the root itself is not an
//! entry. Every ancestor directory of an entry is itself an entry.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

use md5::{Digest as _, Md5};

/// An MD5 digest of a file's bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Md5Digest(pub [u8; 16]);

impl fmt::Debug for Md5Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Md5Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Md5Digest {
    /// Parses 32 hex digits (as printed by md5sum and Python's hexdigest).
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(out))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Md5::digest(bytes).into())
    }

    /// Streams `reader` to its end; returns the byte count and the digest.
    pub fn of_reader(mut reader: impl Read) -> io::Result<(u64, Self)> {
        let mut h = Md5::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut n = 0u64;
        loop {
            let k = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            h.update(&buf[..k]);
            n += k as u64;
        }
        Ok((n, Self(h.finalize().into())))
    }
}

/// What a path is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// A directory.
    Dir,
    /// A regular file of `size` bytes; `md5` is known when the content was read.
    File {
        /// Size in bytes.
        size: u64,
        /// Digest of the content, when known.
        md5: Option<Md5Digest>,
    },
    /// A symbolic link.
    Symlink {
        /// The link's target, verbatim.
        target: String,
    },
}

impl Node {
    /// A short word for messages: "dir", "file", "symlink".
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Dir => "dir",
            Node::File { .. } => "file",
            Node::Symlink { .. } => "symlink",
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Dir => write!(f, "dir"),
            Node::File { size, md5: Some(d) } => write!(f, "file size={size} md5={d}"),
            Node::File { size, md5: None } => write!(f, "file size={size}"),
            Node::Symlink { target } => write!(f, "symlink -> {target:?}"),
        }
    }
}

/// A normalized tree: absolute path → node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    /// The entries, root excluded.
    pub entries: BTreeMap<String, Node>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts `node` at `path` ("/a/b"), creating missing ancestor directories.
    /// Panics if `path` is not absolute or an ancestor is not a directory.
    pub fn insert(&mut self, path: &str, node: Node) {
        assert!(
            path.starts_with('/') && path.len() > 1 && !path.ends_with('/'),
            "bad tree path {path:?}"
        );
        let mut end = 0;
        while let Some(i) = path[end + 1..].find('/') {
            end += 1 + i;
            let anc = &path[..end];
            match self.entries.get(anc) {
                None => {
                    self.entries.insert(anc.to_string(), Node::Dir);
                }
                Some(Node::Dir) => {}
                Some(other) => panic!("ancestor {anc:?} of {path:?} is a {}", other.kind()),
            }
        }
        self.entries.insert(path.to_string(), node);
    }

    /// Puts every entry of `other` under `prefix` ("/" or "/sub").
    pub fn graft(&mut self, prefix: &str, other: &Tree) {
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() {
            self.insert(prefix, Node::Dir);
        }
        for (p, n) in &other.entries {
            self.insert(&format!("{prefix}{p}"), n.clone());
        }
    }

    /// Number of regular files.
    pub fn file_count(&self) -> usize {
        self.entries
            .values()
            .filter(|n| matches!(n, Node::File { .. }))
            .count()
    }

    /// Sum of regular file sizes.
    pub fn file_bytes(&self) -> u64 {
        self.entries
            .values()
            .map(|n| match n {
                Node::File { size, .. } => *size,
                _ => 0,
            })
            .sum()
    }

    /// The same tree with every file digest dropped (for comparing listings).
    pub fn without_digests(&self) -> Tree {
        Tree {
            entries: self
                .entries
                .iter()
                .map(|(p, n)| {
                    let n = match n {
                        Node::File { size, .. } => Node::File {
                            size: *size,
                            md5: None,
                        },
                        other => other.clone(),
                    };
                    (p.clone(), n)
                })
                .collect(),
        }
    }

    /// The direct children of directory `dir` ("/" for the root): name → node.
    pub fn children(&self, dir: &str) -> BTreeMap<&str, &Node> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter_map(|(p, n)| {
                let rest = &p[prefix.len()..];
                (!rest.contains('/')).then_some((rest, n))
            })
            .collect()
    }
}

/// Joins a directory path of a [`Tree`] and a child name.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Reads a host directory into a [`Tree`] (digests included; symlinks not followed).
/// Names and link targets that are not UTF-8 are decoded lossily (U+FFFD).
pub fn scan_dir(root: &Path) -> io::Result<Tree> {
    let mut tree = Tree::new();
    scan_into(root, "", &mut tree)?;
    Ok(tree)
}

fn scan_into(dir: &Path, prefix: &str, tree: &mut Tree) -> io::Result<()> {
    let mut names: Vec<_> = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    names.sort_by_key(|e| e.file_name());
    for e in names {
        // Extractors may write names cut inside a UTF-8 sequence: decode lossily.
        let name = e.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}/{name}");
        let host = e.path();
        let meta = fs::symlink_metadata(&host)?;
        let ft = meta.file_type();
        if ft.is_dir() {
            tree.insert(&path, Node::Dir);
            scan_into(&host, &path, tree)?;
        } else if ft.is_symlink() {
            let target = fs::read_link(&host)?;
            let target = target.to_string_lossy().into_owned();
            tree.insert(&path, Node::Symlink { target });
        } else if ft.is_file() {
            let (size, md5) = Md5Digest::of_reader(fs::File::open(&host)?)?;
            if size != meta.len() {
                return Err(io::Error::other(format!(
                    "{} changed size while scanned",
                    host.display()
                )));
            }
            tree.insert(
                &path,
                Node::File {
                    size,
                    md5: Some(md5),
                },
            );
        } else {
            return Err(io::Error::other(format!(
                "{}: special file in a scanned tree",
                host.display()
            )));
        }
    }
    Ok(())
}
