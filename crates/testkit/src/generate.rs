//! Tree generators: write real directories (deterministic, seeded contents) and return the
//! [`Tree`] manifest of what they wrote.
//!
//! Each fixture function writes into an existing, empty directory `root`.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{FileExt as _, symlink};
use std::path::{Path, PathBuf};

use md5::{Digest as _, Md5};

use crate::tree::{Md5Digest, Node, Tree};

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len + 8);
        while v.len() < len {
            v.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        v.truncate(len);
        v
    }
}

/// Writes files, directories and links under a root and records them in a [`Tree`].
#[derive(Debug)]
pub struct TreeWriter {
    root: PathBuf,
    tree: Tree,
    rng: Rng,
    serial: u64,
}

impl TreeWriter {
    /// A writer for the existing directory `root`, with contents seeded by `seed`.
    pub fn new(root: &Path, seed: u64) -> Self {
        assert!(root.is_dir(), "{} is not a directory", root.display());
        Self {
            root: root.to_path_buf(),
            tree: Tree::new(),
            rng: Rng::new(seed),
            serial: seed << 32,
        }
    }

    fn host(&self, rel: &str) -> PathBuf {
        assert!(!rel.starts_with('/'), "relative path expected: {rel:?}");
        self.root.join(rel)
    }

    fn record(&mut self, rel: &str, node: Node) {
        self.tree.insert(&format!("/{rel}"), node);
    }

    fn parents(&mut self, rel: &str) {
        if let Some((dir, _)) = rel.rsplit_once('/') {
            self.dir(dir);
        }
    }

    /// Creates directory `rel` (and its parents).
    pub fn dir(&mut self, rel: &str) {
        let host = self.host(rel);
        fs::create_dir_all(&host).unwrap_or_else(|e| panic!("mkdir {}: {e}", host.display()));
        self.record(rel, Node::Dir);
    }

    /// Writes file `rel` with exactly `bytes`.
    pub fn file_with(&mut self, rel: &str, bytes: &[u8]) {
        self.parents(rel);
        let host = self.host(rel);
        fs::write(&host, bytes).unwrap_or_else(|e| panic!("write {}: {e}", host.display()));
        self.record(
            rel,
            Node::File {
                size: bytes.len() as u64,
                md5: Some(Md5Digest::of(bytes)),
            },
        );
    }

    /// Writes file `rel` of `size` bytes: a serial number (8 bytes), then random bytes, so
    /// no two files of 8 bytes or more written by one writer have equal contents.
    pub fn file(&mut self, rel: &str, size: usize) {
        self.serial += 1;
        let mut content = self.serial.to_le_bytes().to_vec();
        content.extend(self.rng.bytes(size.saturating_sub(8)));
        content.truncate(size);
        self.file_with(rel, &content);
    }

    /// Writes file `rel` with a random size in `min..=max`.
    pub fn file_sized(&mut self, rel: &str, min: usize, max: usize) {
        let size = min + self.rng.below((max - min + 1) as u64) as usize;
        self.file(rel, size);
    }

    /// Creates symlink `rel` → `target` (verbatim, not resolved).
    pub fn symlink(&mut self, rel: &str, target: &str) {
        self.parents(rel);
        let host = self.host(rel);
        symlink(target, &host).unwrap_or_else(|e| panic!("symlink {}: {e}", host.display()));
        self.record(
            rel,
            Node::Symlink {
                target: target.to_string(),
            },
        );
    }

    /// Creates `rel` as a hard link to the already written file `existing`.
    pub fn hard_link(&mut self, rel: &str, existing: &str) {
        self.parents(rel);
        let node = self
            .tree
            .entries
            .get(&format!("/{existing}"))
            .cloned()
            .unwrap_or_else(|| panic!("hard link to unknown {existing:?}"));
        let host = self.host(rel);
        fs::hard_link(self.host(existing), &host)
            .unwrap_or_else(|e| panic!("link {}: {e}", host.display()));
        self.record(rel, node);
    }

    /// Creates a sparse file of `size` bytes, zero except `markers` (offset, bytes), written
    /// with `set_len` and positioned writes. The digest is computed from the known content
    /// (without reading the file back) when `digest` is true.
    pub fn sparse_file(&mut self, rel: &str, size: u64, markers: &[(u64, &[u8])], digest: bool) {
        self.parents(rel);
        let host = self.host(rel);
        let f = fs::File::create(&host).unwrap_or_else(|e| panic!("{}: {e}", host.display()));
        f.set_len(size)
            .unwrap_or_else(|e| panic!("set_len {}: {e}", host.display()));
        let mut sorted: Vec<(u64, &[u8])> = markers.to_vec();
        sorted.sort_by_key(|m| m.0);
        for (off, b) in &sorted {
            assert!(off + b.len() as u64 <= size, "marker beyond the end");
            f.write_at(b, *off)
                .unwrap_or_else(|e| panic!("write {}: {e}", host.display()));
        }
        let md5 = digest.then(|| sparse_md5(size, &sorted));
        self.record(rel, Node::File { size, md5 });
    }

    /// The random generator (for callers that pick sizes themselves).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// The manifest of everything written.
    pub fn finish(self) -> Tree {
        self.tree
    }
}

/// MD5 of a `size`-byte stream of zeros overlaid with non-overlapping, sorted `markers`.
pub fn sparse_md5(size: u64, markers: &[(u64, &[u8])]) -> Md5Digest {
    let zeros = vec![0u8; 1 << 20];
    let mut h = Md5::new();
    let mut pos = 0u64;
    let zero_run = |h: &mut Md5, mut n: u64| {
        while n > 0 {
            let k = n.min(zeros.len() as u64) as usize;
            h.update(&zeros[..k]);
            n -= k as u64;
        }
    };
    for (off, b) in markers {
        assert!(*off >= pos, "overlapping markers");
        zero_run(&mut h, off - pos);
        h.update(b);
        pos = off + b.len() as u64;
    }
    zero_run(&mut h, size - pos);
    Md5Digest(h.finalize().into())
}

/// A tree 12 directories deep (two branches: short names; 28-byte names making paths longer
/// than 255 bytes), with a file at every level.
pub fn deep_tree(root: &Path) -> Tree {
    let mut w = TreeWriter::new(root, 12);
    w.file("top.txt", 100);
    let mut short = String::new();
    let mut long = String::new();
    for level in 1..=12 {
        if level > 1 {
            short.push('/');
            long.push('/');
        }
        short.push_str(&format!("level{level:02}"));
        long.push_str(&format!("directory_with_a_long_name{level:02}"));
        w.dir(&short);
        w.file_sized(&format!("{short}/file_at_{level:02}.txt"), 40, 3000);
        w.dir(&long);
    }
    w.file(&format!("{long}/bottom of a long path.txt"), 5000);
    w.finish()
}

/// A directory `/wide` holding `n` entries: files with short (8.3) and long names, and every
/// 250th entry a subdirectory holding one file.
pub fn wide_dir(root: &Path, n: usize) -> Tree {
    let mut w = TreeWriter::new(root, 10_000);
    w.dir("wide");
    for i in 0..n {
        if i % 250 == 249 {
            w.file_sized(&format!("wide/subdir_{i:05}/only.txt"), 20, 200);
        } else if i % 2 == 0 {
            w.file_sized(&format!("wide/f{i:05}.dat"), 8, 300);
        } else {
            w.file_sized(
                &format!("wide/Entry number {i:05} of the wide directory.txt"),
                50,
                300,
            );
        }
    }
    w.file("after_wide.txt", 10);
    w.finish()
}

/// 255-byte names (ASCII, 2-, 3- and, with `non_bmp`, 4-byte UTF-8), a 255-byte directory
/// name, non-ASCII names (é, ü, Greek, Cyrillic, CJK, Hangul and, with `non_bmp`, emoji)
/// and names at the Joliet length limits (64 and 103 UTF-16 units, and one over each).
pub fn long_and_unicode_names(root: &Path, non_bmp: bool) -> Tree {
    let mut w = TreeWriter::new(root, 255);
    let ascii255 = format!("{}.txt", "n".repeat(251));
    let latin255 = format!("{}x", "é".repeat(127));
    let cjk255 = "日".repeat(85);
    assert_eq!(
        (ascii255.len(), latin255.len(), cjk255.len()),
        (255, 255, 255)
    );
    w.file(&ascii255, 300);
    w.file(&latin255, 301);
    w.file(&cjk255, 302);
    if non_bmp {
        let emoji255 = format!("{}abc", "😀".repeat(63));
        assert_eq!(emoji255.len(), 255);
        w.file(&emoji255, 303);
    }
    let dir255 = "d".repeat(255);
    w.file(&format!("{dir255}/inside.txt"), 100);
    w.file(&format!("{dir255}/{}", "i".repeat(255)), 100);
    for name in [
        "café.txt",
        "Über Größe.txt",
        "naïve résumé",
        "日本語のファイル.txt",
        "한국어 파일.txt",
        "Ελληνικά.txt",
        "Кириллица.txt",
        "ディレクトリ/ファイル1.txt",
        "ディレクトリ/ファイル2.txt",
        "mixed_ü_日_x.dat",
    ] {
        w.file_sized(name, 20, 2000);
    }
    if non_bmp {
        for name in ["😀 smile.txt", "🎉🎊 party 🎈.txt", "emoji_dir_😀/file.txt"] {
            w.file_sized(name, 20, 2000);
        }
    }
    // Joliet limits: 64 UTF-16 units (ECMA-119 Joliet), 103 (mkisofs -joliet-long), ±1.
    for units in [63usize, 64, 65, 103, 104, 110] {
        w.file(&format!("{}.txt", "j".repeat(units - 4)), 40 + units);
        w.file(&format!("{}.dat", "é".repeat(units - 4)), 40 + units);
    }
    w.finish()
}

/// Names that collide after ISO 9660 / Joliet mapping: case and punctuation variants,
/// `;1` suffixes, shared 8.3 / 31-character / 64- and 103-unit Joliet prefixes, 40 names
/// sharing an 8-character stem, a directory and a file mapping alike, and characters
/// outside the ISO and Joliet sets.
pub fn colliding_names(root: &Path) -> Tree {
    let mut w = TreeWriter::new(root, 64);
    for name in [
        "Read Me.txt",
        "read_me.txt",
        "READ-ME.TXT",
        "readme.txt;1",
        "readme.txt;2",
        "README.TXT",
        "readme.txt",
        "ReadMe.Txt",
        "readme",
        "README",
        "readme.",
        "longname1.txt",
        "longname2.txt",
        "LONGNAME.TXT",
        "longname.txt.bak",
        "many.dots.in.a.name.tar.gz",
        "many.dots.in.a.name.tar.bz2",
        "archive.tar.gz",
        "archive_tar.gz",
        "a*b.txt",
        "c:d.txt",
        "what?.txt",
        "back\\slash.txt",
        "semi;colon.txt",
        "pipe|x.txt",
        "quote\"d.txt",
        "less<more>.txt",
        "it's.txt",
        "tab\there.txt",
        ".hidden",
        "..dots",
        "trailing dot.",
        "UPPER.TXT",
        "no_extension_but_a_very_long_name_indeed",
        "x.verylongextension",
        "x.verylongextension2",
    ] {
        w.file_sized(name, 20, 600);
    }
    let p31 = "a_thirty_character_prefix_abcd";
    assert_eq!(p31.len(), 30);
    for suffix in ["1.dat", "2.dat", "_one.txt", "_two.txt", "", "X"] {
        w.file_sized(&format!("{p31}{suffix}"), 20, 600);
    }
    for prefix_len in [64usize, 103] {
        let p = format!("joliet_prefix_{}", "p".repeat(prefix_len - 14));
        assert_eq!(p.len(), prefix_len);
        for suffix in ["", "_one.txt", "_two.txt", ".txt", "1", "2"] {
            w.file_sized(&format!("{p}{suffix}"), 20, 600);
        }
        w.file_sized(&format!("{p}_dir/in.txt"), 20, 600);
    }
    for i in 0..40 {
        w.file_sized(&format!("collide_{i:02}.txt"), 20, 600);
        w.file_sized(&format!("dirs/Collide_Dir_{i:02}/f.txt"), 20, 600);
    }
    w.file_sized("Docs/inside.txt", 20, 100);
    w.file_sized("DOCS", 20, 100);
    w.file_sized("docs.", 20, 100);
    w.file_sized("docs_", 20, 100);
    w.finish()
}

/// Symbolic links: relative, upward, absolute, dangling, to a directory, chained, a loop,
/// to "." and "/", with non-ASCII and with a 300-byte target.
pub fn symlinks(root: &Path) -> Tree {
    let mut w = TreeWriter::new(root, 777);
    w.file("target.txt", 500);
    w.file("sub/inner.txt", 700);
    w.symlink("rel", "target.txt");
    w.symlink("sub/up", "../target.txt");
    w.symlink("sub/abs_dir", "/usr/share");
    w.symlink("abs", "/etc/hostname");
    w.symlink("dangling", "does/not/exist");
    w.symlink("dirlink", "sub");
    w.symlink("chain", "rel");
    w.symlink("loop", "loop");
    w.symlink("dotlink", ".");
    w.symlink("rootlink", "/");
    w.symlink("unicode_link", "café/日本.txt");
    let long: String = (0..30)
        .map(|i| format!("segment{i:02}/"))
        .collect::<String>()
        + "end";
    assert!(long.len() > 300);
    w.symlink("longtarget", &long);
    w.symlink("dir/with/links/back", "../../../target.txt");
    w.finish()
}

/// Empty files and directories, hard-linked files (three names for one inode, and two
/// names for an empty file), and files whose sizes sit on 2048-byte block boundaries.
pub fn empty_and_hard_linked(root: &Path) -> Tree {
    let mut w = TreeWriter::new(root, 0);
    w.file("empty.txt", 0);
    w.file("sub/empty2", 0);
    w.dir("emptydir");
    w.dir("nested_empty/a/b");
    w.file("hl_a", 10 * 1024);
    w.hard_link("hl_b", "hl_a");
    w.hard_link("sub/hl_c", "hl_a");
    w.file("hl_empty_1", 0);
    w.hard_link("hl_empty_2", "hl_empty_1");
    for size in [1usize, 2047, 2048, 2049, 4096, 1024 * 1024 + 3] {
        w.file(&format!("size_{size}"), size);
    }
    w.finish()
}

/// Size of the sparse file made by [`sparse_over_4gib`]: 4 GiB + 2 MiB + 123 bytes.
pub const SPARSE_SIZE: u64 = (4 << 30) + (2 << 20) + 123;

/// One sparse file over 4 GiB (`/big.bin`, [`SPARSE_SIZE`] bytes) with markers at its start,
/// across block and 4 GiB boundaries and at its end, plus a small file.
pub fn sparse_over_4gib(root: &Path) -> Tree {
    let mut w = TreeWriter::new(root, 4);
    let markers: [(u64, &[u8]); 6] = [
        (0, b"BEGIN of the big sparse file"),
        (2047, b"across a block boundary"),
        (1 << 30, b"at one GiB"),
        ((4 << 30) - 5, b"across 4 GiB"),
        ((4 << 30) + 4096, b"past 4 GiB"),
        (SPARSE_SIZE - 4, b"END!"),
    ];
    w.sparse_file("big.bin", SPARSE_SIZE, &markers, true);
    w.file("small.txt", 1000);
    w.finish()
}

/// Writes `count` sparse files of `each` bytes (no digests) under `root`: cheap inputs
/// for size-limit errors.
pub fn huge_sparse_files(root: &Path, count: usize, each: u64) -> Tree {
    let mut w = TreeWriter::new(root, 8);
    for i in 0..count {
        w.sparse_file(&format!("huge{i}.bin"), each, &[(0, b"x")], false);
    }
    w.finish()
}

/// Appends `bytes` to an existing file (used to make a source change after a manifest).
pub fn append(path: &Path, bytes: &[u8]) {
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    f.write_all(bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
