//! Independent readers of ISO 9660 images: xorriso, isoinfo (cdrkit), iso-info / iso-read
//! (libcdio), bsdtar (libarchive), 7zz (7-Zip) and pycdlib.
//!
//! Each function runs the tool, parses its output into a [`Tree`] and panics with the tool's
//! name and its stderr when the tool fails. A missing tool panics with an install hint
//! (`scripts/test.sh` installs them all); nothing is skipped.
//!
//! Every tool runs with `LC_ALL=C.UTF-8` so that names print as UTF-8 regardless of the
//! caller's locale.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::compare::insert_unique;
use crate::tree::{Md5Digest, Node, Tree, scan_dir};

/// An image to read: the file and the LBA of the session's first block in it (0 for a
/// plain image; N when the session was mastered for `session_start_block` N and sits at
/// byte N × 2048 of the file).
#[derive(Clone, Copy, Debug)]
pub struct Image<'a> {
    /// The image file.
    pub path: &'a Path,
    /// Session start LBA (the superblock is at `sbsector` + 16).
    pub sbsector: u64,
}

impl<'a> Image<'a> {
    /// A plain image (session at LBA 0).
    pub fn plain(path: &'a Path) -> Self {
        Self { path, sbsector: 0 }
    }
}

/// Which package provides each tool (for the install hint).
fn package_of(tool: &str) -> &'static str {
    match tool {
        "xorriso" => "xorriso",
        "isoinfo" | "genisoimage" => "genisoimage",
        "iso-info" | "iso-read" => "libcdio-utils",
        "bsdtar" => "libarchive-tools",
        "7zz" => "7zip",
        "python3" => "python3 (and `pip install pycdlib`)",
        _ => "?",
    }
}

/// Panics unless `tool` can be run, naming the package that provides it.
pub fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "oracle tool `{tool}` is not installed: run scripts/test.sh (it installs the oracles) \
         or `apt-get install {}`",
        package_of(tool)
    );
}

/// The kernel-read oracle (the Linux isofs/udf drivers in a small VM): `kernel-read.sh`
/// in `shared/tools/kernel-read/` beside the repository, else under `/work/shared`.
/// Panics when neither exists.
pub fn kernel_read_script() -> std::path::PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/tools/kernel-read/kernel-read.sh");
    let script = if beside.exists() {
        beside
    } else {
        Path::new("/work/shared/tools/kernel-read/kernel-read.sh").to_path_buf()
    };
    assert!(
        script.exists(),
        "the kernel-read oracle is missing: shared/tools/kernel-read/kernel-read.sh beside the repository"
    );
    script
}

/// Runs `tool args`, returns its output; panics with the tool's stderr on failure.
pub fn run(tool: &str, args: &[&std::ffi::OsStr]) -> Output {
    require(tool);
    let out = Command::new(tool)
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    if !out.status.success() {
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                let a = a.to_string_lossy();
                match a.char_indices().nth(80) {
                    Some((i, _)) => format!("{}...", &a[..i]),
                    None => a.into_owned(),
                }
            })
            .collect();
        panic!(
            "{tool} {:?} failed ({}):\n{}",
            shown,
            out.status,
            tail(&String::from_utf8_lossy(&out.stderr), 30)
        );
    }
    out
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

macro_rules! os_args {
    ($($a:expr),* $(,)?) => { &[$(std::ffi::OsStr::new($a)),*] };
}

/// What one reader saw: a label naming tool and view ("isoinfo -J"), and the tree.
#[derive(Clone, Debug)]
pub struct Reading {
    /// Tool and view, e.g. "xorriso -extract" or "pycdlib joliet".
    pub label: String,
    /// What it listed (with digests where it read or extracted contents).
    pub tree: Tree,
}

// ---------------------------------------------------------------------------------------
// Parsing helpers

/// Parses one shell-quoted word as xorriso prints it: `'a'"'"'b'` → `a'b`. Returns the word
/// and the rest of the line.
fn shell_word(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut rest = s;
    let mut any = false;
    loop {
        if let Some(r) = rest.strip_prefix('\'') {
            let end = r.find('\'')?;
            out.push_str(&r[..end]);
            rest = &r[end + 1..];
            any = true;
        } else if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"')?;
            out.push_str(&r[..end]);
            rest = &r[end + 1..];
            any = true;
        } else {
            break;
        }
    }
    any.then_some((out, rest))
}

/// Splits off `n` whitespace-separated fields; returns them and the rest after exactly one
/// separating space.
fn fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut out = Vec::with_capacity(n);
    let mut rest = line;
    for _ in 0..n {
        rest = rest.trim_start_matches(' ');
        let end = rest.find(' ')?;
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    Some((out, rest.strip_prefix(' ')?))
}

fn kind_from_mode(mode: &str) -> char {
    mode.chars().next().unwrap_or('?')
}

/// Digests the bytes of `extents` ((LBA, length) pairs, in order) of an open image.
fn read_extents(f: &mut fs::File, buf: &mut [u8], extents: &[(u64, u64)]) -> Md5Digest {
    use md5::Digest as _;
    let mut h = md5::Md5::new();
    for &(lba, len) in extents {
        f.seek(SeekFrom::Start(lba * 2048))
            .expect("seek in the image");
        let mut left = len;
        while left > 0 {
            let k = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            f.read_exact(&mut buf[..k])
                .unwrap_or_else(|e| panic!("image ends inside the extent at LBA {lba}: {e}"));
            h.update(&buf[..k]);
            left -= k as u64;
        }
    }
    Md5Digest(h.finalize().into())
}

/// Files seen in an extent-listing tool: their extents, to be digested from the image.
#[derive(Default)]
struct ExtentFiles {
    files: Vec<(String, Vec<(u64, u64)>)>,
    /// Index in `files` of the file whose last extent had the multi-extent flag.
    open: Option<usize>,
}

impl ExtentFiles {
    /// Records one directory record of `path`. A multi-extent file (ECMA-119 6.5.1, flag
    /// bit 7 on all but the last record) prints one line per extent, in order; other
    /// repeats of a name are distinct entries.
    fn add(&mut self, path: &str, lba: u64, len: u64, multi_extent: bool) {
        match self.open {
            Some(i) if self.files[i].0 == path => self.files[i].1.push((lba, len)),
            _ => {
                self.files.push((path.to_string(), vec![(lba, len)]));
                self.open = Some(self.files.len() - 1);
            }
        }
        if !multi_extent {
            self.open = None;
        }
    }

    /// Records a line of a lister that prints no flags: a repeat of the previous line's
    /// name continues it when the previous extent was a whole number of blocks.
    fn continue_if(&mut self, path: &str, lba: u64, len: u64) {
        let continues = self.files.last().is_some_and(|(p, ext)| {
            p == path && ext.last().is_some_and(|e| e.1 > 0 && e.1 % 2048 == 0)
        });
        if continues {
            self.open = Some(self.files.len() - 1);
        } else {
            self.open = None;
        }
        self.add(path, lba, len, false);
    }

    fn finish(self, tree: &mut Tree, image: Option<&Path>) {
        let mut f = image
            .map(|img| fs::File::open(img).unwrap_or_else(|e| panic!("{}: {e}", img.display())));
        let mut buf = vec![0u8; 1 << 20];
        for (path, extents) in self.files {
            let size = extents.iter().map(|e| e.1).sum();
            let md5 = f.as_mut().map(|f| read_extents(f, &mut buf, &extents));
            insert_unique(tree, &path, Node::File { size, md5 });
        }
    }
}

// ---------------------------------------------------------------------------------------
// xorriso

fn xorriso_load<'a>(img: &Image<'a>) -> Vec<std::ffi::OsString> {
    let mut v: Vec<std::ffi::OsString> = Vec::new();
    if img.sbsector != 0 {
        // A zero prefix makes xorriso call the medium blank; a forced TOC scan lets
        // `-load sbsector` read a session anywhere (xorriso(1) -rom_toc_scan, -load).
        for a in ["-rom_toc_scan", "force", "-load", "sbsector"] {
            v.push(a.into());
        }
        v.push(img.sbsector.to_string().into());
    }
    v.push("-indev".into());
    v.push(img.path.into());
    v
}

/// `xorriso -indev IMG -find / -exec lsdl`: the Rock Ridge tree (xorriso prefers RR, then
/// Joliet, then ECMA-119 names). No digests.
pub fn xorriso_list(img: Image<'_>) -> Reading {
    let mut args = xorriso_load(&img);
    for a in ["-find", "/", "-exec", "lsdl", "--"] {
        args.push(a.into());
    }
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let out = run("xorriso", &args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut tree = Tree::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let bad = || panic!("xorriso lsdl: unparsable line {line:?}");
        // mode nlink uid gid size Mon DD HH:MM|YYYY 'path' [-> 'target']
        let Some((f, rest)) = fields(line, 8) else {
            bad()
        };
        let rest = rest.trim_start_matches(' ');
        let Some((path, rest)) = shell_word(rest) else {
            bad()
        };
        if path == "/" {
            continue;
        }
        let node = match kind_from_mode(f[0]) {
            'd' => Node::Dir,
            '-' => Node::File {
                size: f[4].parse().unwrap_or_else(|_| bad()),
                md5: None,
            },
            'l' => {
                let Some(t) = rest.strip_prefix(" -> ") else {
                    bad()
                };
                let Some((target, _)) = shell_word(t) else {
                    bad()
                };
                Node::Symlink { target }
            }
            _ => bad(),
        };
        tree.insert(&path, node);
    }
    Reading {
        label: "xorriso -find lsdl".into(),
        tree,
    }
}

/// `xorriso -osirrox on -extract / DIR`, then a scan of DIR (digests included). `scratch`
/// must be an empty directory; it is emptied again afterwards.
pub fn xorriso_extract(img: Image<'_>, scratch: &Path) -> Reading {
    let dest = scratch.join("xorriso");
    let mut args = vec!["-osirrox".into(), "on".into()];
    args.extend(xorriso_load(&img));
    args.push("-extract".into());
    args.push("/".into());
    args.push(dest.clone().into());
    let args: Vec<&std::ffi::OsStr> = args
        .iter()
        .map(|a: &std::ffi::OsString| a.as_os_str())
        .collect();
    run("xorriso", &args);
    scanned_extraction(&dest, "xorriso", "xorriso -extract")
}

/// Size and MD5 of one file, streamed out of the image by `xorriso -concat overwrite -`
/// (nothing touches the disk).
pub fn xorriso_md5(img: Image<'_>, iso_path: &str) -> (u64, Md5Digest) {
    require("xorriso");
    let mut args = vec!["-osirrox".into(), "on".into()];
    args.extend(xorriso_load(&img));
    for a in ["-concat", "overwrite", "-", iso_path, "--"] {
        args.push(a.into());
    }
    let mut child = Command::new("xorriso")
        .args(&args)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn xorriso");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let res = Md5Digest::of_reader(stdout).expect("read xorriso -concat output");
    let status = child.wait().expect("wait xorriso");
    let err = err_thread.join().unwrap_or_default();
    assert!(
        status.success(),
        "xorriso -concat {iso_path} failed ({status}):\n{}",
        tail(&err, 20)
    );
    res
}

// ---------------------------------------------------------------------------------------
// isoinfo (cdrkit)

/// Which tree isoinfo reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsoinfoView {
    /// `-R`: Rock Ridge names and symlinks.
    RockRidge,
    /// `-J -j iso8859-1`: Joliet names, printed in ISO 8859-1 (isoinfo knows no UTF-8
    /// output; characters above U+00FF print as `_`).
    Joliet,
    /// No option: ECMA-119 names.
    Iso9660,
}

/// `isoinfo -i IMG [-T N] -l` in the given view. With `digests`, file contents are digested
/// from the image at the extents isoinfo prints (`[ LBA flags]`), so they follow isoinfo's
/// addressing.
pub fn isoinfo_list(img: Image<'_>, view: IsoinfoView, digests: bool) -> Reading {
    let mut args: Vec<std::ffi::OsString> = vec!["-i".into(), img.path.into()];
    if img.sbsector != 0 {
        args.push("-T".into());
        args.push(img.sbsector.to_string().into());
    }
    match view {
        IsoinfoView::RockRidge => args.push("-R".into()),
        IsoinfoView::Joliet => {
            for a in ["-J", "-j", "iso8859-1"] {
                args.push(a.into());
            }
        }
        IsoinfoView::Iso9660 => {}
    }
    args.push("-l".into());
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let out = run("isoinfo", &args);
    let decode = |b: &[u8]| -> String {
        match view {
            IsoinfoView::Joliet => b.iter().map(|&c| c as char).collect(),
            _ => String::from_utf8_lossy(b).into_owned(),
        }
    };
    let mut tree = Tree::new();
    let mut files = ExtentFiles::default();
    let mut dir = String::new();
    for raw in out.stdout.split(|&b| b == b'\n') {
        let line = decode(raw);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            dir = d.trim_end_matches('/').to_string();
            continue;
        }
        let bad = || panic!("isoinfo: unparsable line {line:?}");
        // mode nlink uid gid size Mon DD YYYY [ LBA flags]  name[ -> target]
        // isoinfo 1.1.11 prints the flags of a multi-extent record sign-extended
        // ("[     33 FFFF name"), overwriting "]  ".
        let Some(open) = line.find(" [") else { bad() };
        let head: Vec<&str> = line[..open].split_whitespace().collect();
        let inner = line[open + 2..].trim_start();
        let Some((lba_str, rest)) = inner.split_once(' ') else {
            bad()
        };
        let (flags, name_part) = match rest.split_once("]  ") {
            Some((f, n)) if f.len() == 2 => {
                (u8::from_str_radix(f, 16).unwrap_or_else(|_| bad()), n)
            }
            _ if rest.starts_with("FFFF") => match rest.split_once(' ') {
                Some((_, n)) => (0x80, n),
                None => bad(),
            },
            _ => bad(),
        };
        if head.len() < 8 {
            bad()
        }
        let mode = head[0];
        let size: u64 = head[4].parse().unwrap_or_else(|_| bad());
        let lba: u64 = lba_str.parse().unwrap_or_else(|_| bad());
        if view == IsoinfoView::RockRidge && kind_from_mode(mode) == 'l' {
            let Some((name, target)) = name_part.split_once(" -> ") else {
                bad()
            };
            tree.insert(
                &format!("{dir}/{name}"),
                Node::Symlink {
                    target: target.to_string(),
                },
            );
            continue;
        }
        let Some(name) = name_part.strip_suffix(' ') else {
            bad()
        };
        if name == "." || name == ".." {
            continue;
        }
        let path = format!("{dir}/{name}");
        if flags & 0x02 != 0 {
            insert_unique(&mut tree, &path, Node::Dir);
        } else {
            files.add(&path, lba, size, flags & 0x80 != 0);
        }
    }
    files.finish(&mut tree, digests.then_some(img.path));
    let label = match view {
        IsoinfoView::RockRidge => "isoinfo -R",
        IsoinfoView::Joliet => "isoinfo -J",
        IsoinfoView::Iso9660 => "isoinfo (ISO 9660)",
    };
    Reading {
        label: label.into(),
        tree,
    }
}

/// `isoinfo -i IMG [-T N] (-R|-J) -x PATH`: the bytes isoinfo extracts for one file.
pub fn isoinfo_extract(img: Image<'_>, view: IsoinfoView, path: &str) -> Vec<u8> {
    let mut args: Vec<std::ffi::OsString> = vec!["-i".into(), img.path.into()];
    if img.sbsector != 0 {
        args.push("-T".into());
        args.push(img.sbsector.to_string().into());
    }
    match view {
        IsoinfoView::RockRidge => args.push("-R".into()),
        IsoinfoView::Joliet => args.push("-J".into()),
        IsoinfoView::Iso9660 => {}
    }
    args.push("-x".into());
    args.push(path.into());
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run("isoinfo", &args).stdout
}

// ---------------------------------------------------------------------------------------
// iso-info / iso-read (libcdio)

/// Which tree iso-info reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsoInfoView {
    /// Default: Joliet names when the image has Joliet (else ECMA-119 / Rock Ridge).
    Default,
    /// `--no-joliet`: Rock Ridge names and symlinks (libcdio keeps only the first NM
    /// component, so very long names can come out truncated).
    NoJoliet,
}

/// `iso-info -i IMG --no-header -l [--no-joliet]` (session at LBA 0 only: libcdio has no
/// session option for image files). With `digests`, contents are digested at the printed
/// `[LSN n]`.
pub fn iso_info_list(img: Image<'_>, view: IsoInfoView, digests: bool) -> Reading {
    assert_eq!(
        img.sbsector, 0,
        "iso-info cannot read a session at an offset"
    );
    let mut args: Vec<&std::ffi::OsStr> = os_args!["-i"].to_vec();
    args.push(img.path.as_os_str());
    args.extend_from_slice(os_args!["--no-header", "-q", "-l"]);
    if view == IsoInfoView::NoJoliet {
        args.push("--no-joliet".as_ref());
    }
    let out = run("iso-info", &args);
    let mut tree = Tree::new();
    let mut files = ExtentFiles::default();
    let mut dir: Option<String> = None;
    // A directory whose Rock Ridge entries sit in a continuation area prints with mode
    // "----------" (libcdio reads no CE): its own listing header shows it is a directory.
    let mut dirs_seen = std::collections::BTreeSet::new();
    for raw in out.stdout.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(raw);
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('/') && line.ends_with(":") {
            let d = line[..line.len() - 1].trim_end_matches('/').to_string();
            if !d.is_empty() {
                dirs_seen.insert(d.clone());
            }
            dir = Some(d);
            continue;
        }
        let Some(d) = dir.as_deref() else {
            continue; // header lines before the first directory
        };
        let bad = || panic!("iso-info: unparsable line {line:?}");
        // "  MODE [nlink uid gid] [LSN n] size Mon DD YYYY HH:MM:SS  name[ -> target]"
        let Some(open) = line.find("[LSN") else { bad() };
        let Some(close) = line[open..].find(']').map(|i| i + open) else {
            bad()
        };
        let mode = line[..open]
            .split_whitespace()
            .next()
            .unwrap_or_else(|| bad());
        let lba: u64 = line[open + 4..close]
            .trim()
            .parse()
            .unwrap_or_else(|_| bad());
        let Some((f, name_part)) = fields(&line[close + 1..], 5) else {
            bad()
        };
        let Some(name_part) = name_part.strip_prefix(' ') else {
            bad()
        };
        let size: u64 = f[0].parse().unwrap_or_else(|_| bad());
        let kind = kind_from_mode(mode);
        if kind == 'l' {
            let Some((name, target)) = name_part.split_once(" -> ") else {
                bad()
            };
            tree.insert(
                &format!("{d}/{name}"),
                Node::Symlink {
                    target: target.to_string(),
                },
            );
            continue;
        }
        if name_part == "." || name_part == ".." {
            continue;
        }
        let path = format!("{d}/{name_part}");
        match kind {
            'd' => tree.insert(&path, Node::Dir),
            '-' => {
                // iso-info prints no flags: a repeated name right after an extent whose
                // size is a multiple of 2048 continues a multi-extent file.
                files.continue_if(&path, lba, size);
            }
            _ => bad(),
        }
    }
    for d in &dirs_seen {
        tree.insert(d, Node::Dir);
    }
    files.files.retain(|(p, _)| !dirs_seen.contains(p));
    files.finish(&mut tree, digests.then_some(img.path));
    let label = match view {
        IsoInfoView::Default => "iso-info",
        IsoInfoView::NoJoliet => "iso-info --no-joliet",
    };
    Reading {
        label: label.into(),
        tree,
    }
}

/// `iso-read -i IMG -e PATH -o OUT`: the bytes libcdio extracts for one file (Rock Ridge /
/// ECMA-119 path).
pub fn iso_read(img: Image<'_>, path: &str, scratch: &Path) -> Vec<u8> {
    assert_eq!(
        img.sbsector, 0,
        "iso-read cannot read a session at an offset"
    );
    let out = scratch.join("iso-read.out");
    run(
        "iso-read",
        &[
            "-i".as_ref(),
            img.path.as_os_str(),
            "-e".as_ref(),
            path.as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
        ],
    );
    let bytes = fs::read(&out).expect("iso-read output");
    let _ = fs::remove_file(&out);
    bytes
}

// ---------------------------------------------------------------------------------------
// bsdtar (libarchive)

/// Undoes bsdtar's listing escapes (`\\`, `\t`, `\n`, `\ooo`).
fn bsdtar_unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'\\' => out.push(b'\\'),
                b't' => out.push(b'\t'),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                d @ b'0'..=b'7' => {
                    let oct = s.get(i + 1..i + 4).unwrap_or("");
                    match u8::from_str_radix(oct, 8) {
                        Ok(v) if oct.len() == 3 => {
                            out.push(v);
                            i += 4;
                            continue;
                        }
                        _ => out.push(d),
                    }
                }
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `bsdtar tvf IMG` (session at LBA 0 only). libarchive reads Rock Ridge, else Joliet,
/// else ECMA-119. Hard links print as `A link to B`; they get B's size.
pub fn bsdtar_list(img: Image<'_>) -> Reading {
    assert_eq!(img.sbsector, 0, "bsdtar cannot read a session at an offset");
    let out = run("bsdtar", &["tvf".as_ref(), img.path.as_os_str()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut tree = Tree::new();
    let mut links = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let bad = || panic!("bsdtar tv: unparsable line {line:?}");
        // mode nlink uid gid size Mon DD HH:MM|YYYY name[ -> target| link to other]
        let Some((f, name_part)) = fields(line, 8) else {
            bad()
        };
        let size: u64 = f[4].parse().unwrap_or_else(|_| bad());
        let (name, node) = match kind_from_mode(f[0]) {
            'd' => (name_part.to_string(), Node::Dir),
            'l' => {
                let Some((n, t)) = name_part.split_once(" -> ") else {
                    bad()
                };
                (
                    n.to_string(),
                    Node::Symlink {
                        target: bsdtar_unescape(t),
                    },
                )
            }
            '-' | 'h' => {
                if let Some((n, other)) = name_part.split_once(" link to ") {
                    links.push((
                        format!("/{}", bsdtar_unescape(n)),
                        format!("/{}", bsdtar_unescape(other)),
                    ));
                    continue;
                }
                (name_part.to_string(), Node::File { size, md5: None })
            }
            _ => bad(),
        };
        let name = bsdtar_unescape(&name);
        if name == "." {
            continue;
        }
        tree.insert(&format!("/{}", name.trim_end_matches('/')), node);
    }
    for (path, other) in links {
        let node = tree
            .entries
            .get(&other)
            .cloned()
            .unwrap_or_else(|| panic!("bsdtar: {path} links to unlisted {other}"));
        tree.insert(&path, node);
    }
    Reading {
        label: "bsdtar tv".into(),
        tree,
    }
}

/// `bsdtar xf IMG -C DIR`, then a scan of DIR (digests included).
pub fn bsdtar_extract(img: Image<'_>, scratch: &Path) -> Reading {
    assert_eq!(img.sbsector, 0, "bsdtar cannot read a session at an offset");
    let dest = scratch.join("bsdtar");
    fs::create_dir_all(&dest).expect("mkdir");
    run(
        "bsdtar",
        &[
            // -P: keep names as they are (else "c:d.txt" loses its "c:" as a drive letter).
            "-P".as_ref(),
            "-xf".as_ref(),
            img.path.as_os_str(),
            "-C".as_ref(),
            dest.as_os_str(),
        ],
    );
    scanned_extraction(&dest, "bsdtar", "bsdtar x")
}

// ---------------------------------------------------------------------------------------
// 7-Zip

/// `7zz l -slt IMG` (session at LBA 0 only). 7-Zip reads Joliet when present, else Rock
/// Ridge (dropping a `;N` suffix from names), else ECMA-119.
pub fn sevenzip_list(img: Image<'_>) -> Reading {
    assert_eq!(img.sbsector, 0, "7zz cannot read a session at an offset");
    let out = run(
        "7zz",
        &["l".as_ref(), "-slt".as_ref(), img.path.as_os_str()],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let Some((_, body)) = text.split_once("\n----------\n") else {
        panic!("7zz l -slt: no item list in output:\n{}", tail(&text, 20));
    };
    let mut tree = Tree::new();
    for block in body.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut props = BTreeMap::new();
        for line in block.lines() {
            if let Some((k, v)) = line.split_once(" = ") {
                props.insert(k, v);
            } else if let Some(k) = line.strip_suffix(" =") {
                props.insert(k, "");
            }
        }
        let bad = || panic!("7zz l -slt: unparsable item {block:?}");
        let Some(path) = props.get("Path") else { bad() };
        let node = if props.get("Folder") == Some(&"+") {
            Node::Dir
        } else if let Some(t) = props.get("Symbolic Link").filter(|t| !t.is_empty()) {
            Node::Symlink {
                target: t.to_string(),
            }
        } else {
            let size = props
                .get("Size")
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| bad());
            Node::File { size, md5: None }
        };
        // 7-Zip may show two entries under one name (it drops trailing dots): keep both.
        insert_unique(&mut tree, &format!("/{path}"), node);
    }
    Reading {
        label: "7zz l".into(),
        tree,
    }
}

/// `7zz x IMG -oDIR`, then a scan of DIR (digests included).
pub fn sevenzip_extract(img: Image<'_>, scratch: &Path) -> Reading {
    assert_eq!(img.sbsector, 0, "7zz cannot read a session at an offset");
    let dest = scratch.join("7zz");
    let mut o = std::ffi::OsString::from("-o");
    o.push(&dest);
    run(
        "7zz",
        &[
            "x".as_ref(),
            // Two items of one name (7-Zip drops trailing dots): rename, don't overwrite.
            "-aou".as_ref(),
            "-snl".as_ref(),
            o.as_os_str(),
            img.path.as_os_str(),
        ],
    );
    scanned_extraction(&dest, "7zz", "7zz x")
}

// ---------------------------------------------------------------------------------------
// pycdlib

/// A pycdlib facade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PycdlibFacade {
    /// `rr_path`: Rock Ridge names and symlinks.
    RockRidge,
    /// `joliet_path`.
    Joliet,
    /// `iso_path`: ECMA-119 names (with `;1` versions).
    Iso9660,
}

const PYCDLIB_WALK: &str = include_str!("pycdlib_walk.py");

/// Walks the image with pycdlib through one facade; with `digests`, reads every file
/// (session at LBA 0 only).
pub fn pycdlib_list(img: Image<'_>, facade: PycdlibFacade, digests: bool) -> Reading {
    assert_eq!(
        img.sbsector, 0,
        "pycdlib cannot read a session at an offset"
    );
    let f = match facade {
        PycdlibFacade::RockRidge => "rr",
        PycdlibFacade::Joliet => "joliet",
        PycdlibFacade::Iso9660 => "iso",
    };
    let check = run("python3", os_args!["-c", "import pycdlib"]);
    drop(check);
    let out = run(
        "python3",
        &[
            "-c".as_ref(),
            PYCDLIB_WALK.as_ref(),
            img.path.as_os_str(),
            f.as_ref(),
            if digests { "1" } else { "0" }.as_ref(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut tree = Tree::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("pycdlib line {line:?}: {e}"));
        let path = v["path"].as_str().expect("path");
        let node = match v["kind"].as_str() {
            Some("dir") => Node::Dir,
            Some("symlink") => Node::Symlink {
                target: v["target"].as_str().expect("target").to_string(),
            },
            Some("file") => Node::File {
                size: v["size"].as_u64().expect("size"),
                md5: v["md5"]
                    .as_str()
                    .map(|h| Md5Digest::from_hex(h).expect("md5 hex")),
            },
            _ => panic!("pycdlib line {line:?}: bad kind"),
        };
        tree.insert(path, node);
    }
    Reading {
        label: format!("pycdlib {f}"),
        tree,
    }
}

/// The reading labelled `label` of the tree `tool` extracted into `dest` (digests
/// included); `dest` is removed afterwards.
fn scanned_extraction(dest: &Path, tool: &str, label: &str) -> Reading {
    let tree = scan_dir(dest).unwrap_or_else(|e| panic!("scan {tool} extraction: {e}"));
    remove_tree(dest);
    Reading {
        label: label.into(),
        tree,
    }
}

/// Removes a directory tree made by an extraction (making directories writable first:
/// extractors restore read-only modes).
pub fn remove_tree(dir: &Path) {
    if fs::remove_dir_all(dir).is_ok() {
        return;
    }
    fn chmod_all(p: &Path) {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(m) = fs::symlink_metadata(p)
            && m.is_dir()
        {
            let _ = fs::set_permissions(p, fs::Permissions::from_mode(0o755));
            if let Ok(rd) = fs::read_dir(p) {
                for e in rd.flatten() {
                    chmod_all(&e.path());
                }
            }
        }
    }
    chmod_all(dir);
    fs::remove_dir_all(dir).unwrap_or_else(|e| panic!("rm -r {}: {e}", dir.display()));
}

// ---------------------------------------------------------------------------------------
// The Linux kernel (isofs in a VM, `kernel-read.sh`)

/// Mounts `img` with the Linux kernel's isofs driver (default options: Rock Ridge, else
/// Joliet; `sbsector` from `img`) in the kernel-read VM and returns what the kernel
/// lists, with the MD5 of every regular file. Panics if the mount fails or the kernel
/// logs a corrupted Rock Ridge entry. Linux shows at most 253 bytes of a Rock Ridge
/// name.
pub fn kernel_list(img: Image<'_>) -> Reading {
    let script = kernel_read_script();
    let opts = format!("ro,sbsector={}", img.sbsector);
    let out = Command::new(&script)
        .args(["--opts".as_ref(), opts.as_ref(), img.path.as_os_str()])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "kernel-read: mount of {} failed:\n{text}\n{}",
        img.path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("rock: corrupted"),
        "kernel-read: corrupted Rock Ridge:\n{text}"
    );
    let section = |start: &str, end: &str| -> String {
        text.split(start)
            .nth(1)
            .and_then(|r| r.split(end).next())
            .unwrap_or_else(|| panic!("kernel-read: no {start:?} section:\n{text}"))
            .to_owned()
    };
    let files = section(
        "--- files (mode size path), paths relative to the mount ---\n",
        "--- md5 ---",
    );
    let sums: BTreeMap<String, Md5Digest> = section("--- md5 ---\n", "--- df ---")
        .lines()
        .filter_map(|l| {
            let (sum, p) = l.split_once("  ./")?;
            Some((format!("/{p}"), Md5Digest::from_hex(sum)?))
        })
        .collect();
    let mut tree = Tree::new();
    for line in files.lines() {
        let mut it = line.splitn(3, ' ');
        let (Some(mode), Some(size), Some(rest)) = (it.next(), it.next(), it.next()) else {
            panic!("kernel-read: unparsable line {line:?}")
        };
        let Some(p) = rest.strip_prefix("./") else {
            continue; // the mount point itself
        };
        let (path, node) = match mode.chars().next() {
            Some('d') => (format!("/{p}"), Node::Dir),
            Some('l') => {
                let (p, t) = p
                    .split_once(" -> ")
                    .unwrap_or_else(|| panic!("kernel-read: link without target {line:?}"));
                (
                    format!("/{p}"),
                    Node::Symlink {
                        target: t.to_owned(),
                    },
                )
            }
            _ => {
                let path = format!("/{p}");
                let size = size
                    .parse()
                    .unwrap_or_else(|_| panic!("kernel-read: size in {line:?}"));
                let md5 = sums.get(&path).copied();
                (path, Node::File { size, md5 })
            }
        };
        insert_unique(&mut tree, &path, node);
    }
    Reading {
        label: "Linux isofs (kernel-read)".into(),
        tree,
    }
}

// ---------------------------------------------------------------------------------------
// A BIOS booting an image (SeaBIOS in the kernel-read tool's QEMU, El Torito)

/// Boots `img` as a CD-ROM in the kernel-read tool's QEMU with SeaBIOS (no VGA, so the
/// BIOS text console goes to the serial port), and returns the serial console text
/// (escape sequences and carriage returns removed) as soon as it contains `banner`.
/// Panics with the console text if `banner` has not appeared within 60 s (a hang, not
/// a measurement: a boot loader shows its banner within a second or two).
pub fn bios_boot(img: &Path, banner: &str) -> String {
    let cache = std::env::var_os("KREAD_CACHE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/kernel-read")
        });
    let qemu = cache.join("qemu/qemu-system-x86_64");
    if !qemu.exists() {
        let script = kernel_read_script();
        let ok = Command::new(&script)
            .arg("--setup")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "{} --setup failed", script.display());
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let serial = dir.path().join("serial.log");
    let mut child = Command::new(&qemu)
        .env("QEMU_MODULE_DIR", cache.join("qemu/lib"))
        .arg("-L")
        .arg(cache.join("qemu/share"))
        .args([
            "-accel",
            "tcg",
            "-m",
            "128",
            "-vga",
            "none",
            "-nographic",
            "-nic",
            "none",
            "-monitor",
            "none",
            "-boot",
            "d",
            "-no-reboot",
            "-serial",
        ])
        .arg(format!("file:{}", serial.display()))
        .arg("-cdrom")
        .arg(img)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", qemu.display()));
    let clean = |raw: &[u8]| -> String {
        let s = String::from_utf8_lossy(raw);
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => {
                    // CSI: ESC [ parameters final-byte.
                    if chars.peek() == Some(&'[') {
                        chars.next();
                        for d in chars.by_ref() {
                            if d.is_ascii_alphabetic() {
                                break;
                            }
                        }
                    }
                }
                '\r' => {}
                c => out.push(c),
            }
        }
        out
    };
    let mut text = String::new();
    for _ in 0..600 {
        text = clean(&fs::read(&serial).unwrap_or_default());
        if text.contains(banner) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("QEMU ended ({status}) before {banner:?}:\n{text}\n{err}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains(banner),
        "{} did not boot to {banner:?} in 60 s; serial console:\n{text}",
        img.display()
    );
    text
}
