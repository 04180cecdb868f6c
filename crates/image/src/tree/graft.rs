//! `mkisofs` grafts (`SRC[=DEST]` operands) and their clashes: two grafts that put
//! different items at one image path (unless both are directories, which merge) are
//! refused, naming both sources, before the tree changes. Replacing an item imported
//! from an earlier session is not a clash: that is how a file is updated.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::scan::Entry;
use super::{NodeId, NodeKind, Tree, parse_path};
use crate::ImageError;

/// One graft made: the host path, the image path it went to, and the nodes it created.
#[derive(Debug, Clone)]
pub(crate) struct Graft {
    host: PathBuf,
    /// Image path of the graft's destination: the file itself, or the directory its
    /// contents went into.
    dest: String,
    /// Nodes created by the graft (node ids are handed out in order and never reused).
    nodes: Range<NodeId>,
}

impl Tree {
    /// Adds host path `host` the way `mkisofs` grafts `SRC[=DEST]`: a directory's
    /// contents go into `dest` (default: the root; see [`Tree::add_tree`]); a file (or
    /// link, or special file) goes at `dest` (default: `/BASENAME`; a `dest` ending in
    /// `/` means `dest/BASENAME`), its missing parent directories created. Returns the
    /// number of files (non-directories) added or replaced. An item of an earlier graft
    /// at a path this graft also fills (unless both are directories) is a clash: the
    /// tree is left unchanged. Items imported from an earlier session are replaced.
    ///
    /// # Errors
    /// [`ImageError::GraftClash`]; [`ImageError::SourceRead`] when `host` cannot be
    /// examined, or has no UTF-8 base name where one is needed; those of
    /// [`Tree::add_tree`] and [`Tree::add_file`].
    pub fn add_graft(&mut self, host: &Path, dest: Option<&str>) -> Result<usize, ImageError> {
        let meta = std::fs::metadata(host).map_err(|source| ImageError::SourceRead {
            host_path: host.to_owned(),
            source,
        })?;
        let first = self.nodes.len() as NodeId;
        if meta.is_dir() {
            let dest = dest.unwrap_or("/");
            if let Some(id) = self.graft_item(dest)
                && !self.node(id).is_dir()
            {
                return Err(self.clash(id, host.to_owned()));
            }
            let n = self.add_tree_inner(host, dest, true)?;
            self.record_graft(host, dest, first);
            return Ok(n);
        }
        let base =
            host.file_name()
                .and_then(|b| b.to_str())
                .ok_or_else(|| ImageError::SourceRead {
                    host_path: host.to_owned(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "no UTF-8 file name to record it under",
                    ),
                })?;
        let dest = match dest {
            None => format!("/{base}"),
            Some(d) if d.ends_with('/') => format!("{d}{base}"),
            Some(d) => d.to_string(),
        };
        if let Some(id) = self.graft_item(&dest) {
            return Err(self.clash(id, host.to_owned()));
        }
        let mut end = 0;
        while let Some(i) = dest[end + 1..].find('/') {
            end += 1 + i;
            match self.add_directory(&dest[..end]) {
                Ok(()) | Err(ImageError::PathExists { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.add_file(&dest, host)?;
        self.record_graft(host, &dest, first);
        Ok(1)
    }

    fn record_graft(&mut self, host: &Path, dest: &str, first: NodeId) {
        let dest = if dest.starts_with('/') {
            dest.to_string()
        } else {
            format!("/{dest}")
        };
        self.grafts.push(Graft {
            host: host.to_owned(),
            dest,
            nodes: first..self.nodes.len() as NodeId,
        });
    }

    /// The item at image path `path` if an earlier graft made it.
    fn graft_item(&self, path: &str) -> Option<NodeId> {
        let id = self.lookup(path).ok()?;
        self.made_by(id).map(|_| id)
    }

    /// The graft that made node `id`.
    fn made_by(&self, id: NodeId) -> Option<&Graft> {
        self.grafts.iter().rev().find(|g| g.nodes.contains(&id))
    }

    /// The clash of the item at node `id` with host path `second`.
    fn clash(&self, id: NodeId, second: PathBuf) -> ImageError {
        let path = self.path_of(id);
        let first = self.made_by(id).map(|g| {
            let rest = path
                .strip_prefix(g.dest.trim_end_matches('/'))
                .unwrap_or("")
                .trim_start_matches('/');
            if rest.is_empty() {
                g.host.clone()
            } else {
                g.host.join(rest)
            }
        });
        ImageError::GraftClash {
            path,
            first,
            second,
        }
    }

    /// The first entry of a staged host tree (going into `dest_dir`) that clashes with
    /// an item of an earlier graft, as its error.
    pub(super) fn find_clash(
        &self,
        host_dir: &Path,
        dest_dir: &str,
        staged: &[(usize, Entry)],
    ) -> Option<ImageError> {
        let comps = parse_path(dest_dir).ok()?;
        let base = self.lookup_components(&comps)?;
        // existing[d - 1]: the existing directory entries at depth d go into (None:
        // a directory this graft creates, so nothing below it can clash).
        let mut existing: Vec<Option<NodeId>> = vec![Some(base)];
        let mut rel: Vec<&[u8]> = Vec::new();
        for (depth, entry) in staged {
            existing.truncate(*depth);
            rel.truncate(depth - 1);
            rel.push(&entry.name);
            let is_dir = matches!(entry.kind, NodeKind::Directory(_));
            let old = existing[depth - 1]
                .and_then(|p| self.node(p).children())
                .and_then(|c| c.get(&entry.name))
                .copied();
            let next = match old {
                Some(o) if is_dir && self.node(o).is_dir() => Some(o),
                Some(o) if self.made_by(o).is_some() => {
                    let host = rel.iter().fold(host_dir.to_owned(), |p, c| {
                        p.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(c))
                    });
                    return Some(self.clash(o, host));
                }
                _ => None,
            };
            if entry.listing.is_some() {
                existing.push(next);
            }
        }
        None
    }
}
