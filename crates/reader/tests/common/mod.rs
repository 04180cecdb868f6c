//! Shared helpers of the reader's integration tests: building images with the reference
//! tools and turning what the reader read into a `discburn_testkit` manifest.
#![allow(dead_code)]

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;

use discburn_reader::{FileSource, NodeKind, ReadOptions, Tree, View, Volume};
use discburn_testkit::oracle;
use discburn_testkit::tree::{Md5Digest, Node, Tree as Manifest};
use md5::{Digest as _, Md5};

/// Runs a tool; panics with its stderr on failure (the tool must be installed:
/// scripts/test.sh installs it).
pub fn tool(name: &str, args: &[&str]) -> String {
    oracle::require(name);
    let out = Command::new(name)
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    s
}

/// The MD5 of the bytes at `extents` of `image`.
pub fn digest_extents(image: &Path, extents: &[discburn_reader::Extent]) -> Md5Digest {
    let mut f = fs::File::open(image).expect("open image");
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    for e in extents {
        f.seek(SeekFrom::Start(u64::from(e.lba) * 2048))
            .expect("seek");
        let mut left = u64::from(e.length);
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            f.read_exact(&mut buf[..n])
                .expect("extent inside the image");
            h.update(&buf[..n]);
            left -= n as u64;
        }
    }
    Md5Digest(h.finalize().into())
}

/// How the names of a read tree go into the manifest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// The view's names.
    View,
    /// The raw ECMA-119 identifiers ("A.TXT;1"), as isoinfo and pycdlib's iso_path show.
    Identifier,
}

/// The manifest of a tree read by discburn's reader; with `digest_from`, file contents
/// are digested from that image at the extents the reader found.
pub fn manifest(tree: &Tree, names: Names, digest_from: Option<&Path>) -> Manifest {
    let mut m = Manifest::new();
    let mut stack: Vec<(String, discburn_reader::Node<'_>)> = vec![(String::new(), tree.root())];
    while let Some((path, n)) = stack.pop() {
        for c in n.children() {
            let name = match names {
                Names::View => c.name().into_owned(),
                Names::Identifier => String::from_utf8_lossy(c.identifier()).into_owned(),
            };
            let p = format!("{path}/{name}");
            let node = match c.kind() {
                NodeKind::Directory => Node::Dir,
                NodeKind::Symlink => Node::Symlink {
                    target: String::from_utf8_lossy(c.symlink_target().unwrap()).into_owned(),
                },
                _ => Node::File {
                    size: c.size(),
                    md5: digest_from.map(|img| digest_extents(img, c.extents())),
                },
            };
            assert!(
                !m.entries.contains_key(&p),
                "{p} listed twice by discburn's reader"
            );
            m.insert(&p, node);
            if c.is_dir() {
                stack.push((p, c));
            }
        }
    }
    m
}

/// Opens the session at `sbsector` of `image` and reads `view`.
pub fn read(image: &Path, sbsector: u64, view: View) -> (Volume, Tree) {
    let mut src = FileSource::open(image).expect("open image");
    let vol = Volume::open(&mut src, sbsector, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", image.display()));
    let tree = vol
        .read_tree(&mut src, view)
        .unwrap_or_else(|e| panic!("{} {view}: {e}", image.display()));
    (vol, tree)
}

/// Asserts two manifests are equal, printing the differences.
pub fn assert_same(what: &str, ours: &Manifest, theirs: &Manifest) {
    if ours == theirs {
        return;
    }
    let mut diff = Vec::new();
    for (p, n) in &ours.entries {
        match theirs.entries.get(p) {
            None => diff.push(format!("only ours:   {p} {n}")),
            Some(t) if t != n => diff.push(format!("differs:     {p} ours {n} theirs {t}")),
            _ => {}
        }
    }
    for (p, n) in &theirs.entries {
        if !ours.entries.contains_key(p) {
            diff.push(format!("only theirs: {p} {n}"));
        }
    }
    diff.truncate(40);
    panic!("{what}: listings differ:\n{}", diff.join("\n"));
}

/// A fresh scratch directory.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("discburn-reader-test")
        .tempdir()
        .expect("tempdir")
}

/// A subdirectory `name` of `dir`, created.
pub fn subdir(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    fs::create_dir_all(&p).expect("mkdir");
    p
}
