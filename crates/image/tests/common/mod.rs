//! Shared helpers of the image tests: host trees, running the oracle tools, comparing
//! extracted trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Read as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;

use discburn_image::{FileSystemImage, FileSystems, IsoLevel, Timestamp};
use sha2::{Digest, Sha256};

/// Runs a tool; panics with its output (and an install hint) when it cannot run or fails.
pub fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {tool}: {e} (scripts/test.sh installs xorriso, genisoimage (isoinfo), libarchive-tools (bsdtar), 7zip (7zz))")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Like [`run`] but returns stdout bytes only.
pub fn run_bytes(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub const LONG_NAME_LEN: usize = 255;
pub const DEPTH: usize = 12;

/// The name of 255 bytes used in the tree.
pub fn long_name() -> String {
    let mut s = "L".repeat(LONG_NAME_LEN - 4);
    s.push_str(".txt");
    s
}

/// Builds the reference tree: a symlink, a hard link, a depth-12 path, a 255-byte
/// name, non-ASCII names, an empty file, an empty directory, a binary file, names that
/// collide in ISO 9660.
pub fn make_tree(root: &Path) {
    fs::create_dir_all(root).unwrap();
    fs::write(root.join("readme.txt"), b"hello\n").unwrap();
    fs::write(root.join("README.TXT"), b"upper\n").unwrap();
    fs::write(root.join("Grüße, 日本語.txt"), "unicode ✓\n").unwrap();
    fs::write(root.join(long_name()), b"long name\n").unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    fs::create_dir(root.join("emptydir")).unwrap();
    let bin: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(root.join("data.bin"), &bin).unwrap();
    fs::hard_link(root.join("data.bin"), root.join("hardlink.bin")).unwrap();
    symlink("readme.txt", root.join("link-to-readme")).unwrap();
    symlink("../../nowhere/./x", root.join("dangling")).unwrap();
    let mut d = root.to_path_buf();
    for i in 1..=DEPTH {
        d = d.join(format!("deep{i:02}"));
        fs::create_dir(&d).unwrap();
        fs::write(d.join(format!("f{i}.txt")), format!("level {i}\n")).unwrap();
    }
    fs::set_permissions(root.join("readme.txt"), fs::Permissions::from_mode(0o640)).unwrap();
}

pub fn timestamp() -> Timestamp {
    Timestamp {
        unix_seconds: 1_700_000_000,
        utc_offset_minutes: 60,
    }
}

/// An empty image object: ISO9660 + Joliet + Rock Ridge at level 3, the given volume
/// name and the fixed [`timestamp`].
pub fn new_image(volume: &str) -> FileSystemImage {
    let mut image = FileSystemImage::new();
    image.set_file_systems_to_create(
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::ROCK_RIDGE,
    );
    image.set_iso_level(IsoLevel::Level3);
    image.set_volume_name(volume).unwrap();
    image.set_timestamp(timestamp());
    image
}

/// An image object over `src` with ISO9660 + Joliet + Rock Ridge at level 3.
pub fn image_of(src: &Path, start: u32) -> FileSystemImage {
    let mut image = new_image("TESTVOL");
    image.set_session_start_block(start);
    image.add_tree(src, "/").unwrap();
    image
}

/// Extracts `path` of the image `img` to the host path `out` with xorriso
/// (`-osirrox on -extract`).
pub fn xorriso_extract_to(img: &Path, path: &str, out: &Path) {
    run(
        "xorriso",
        &[
            "-osirrox",
            "on",
            "-indev",
            img.to_str().unwrap(),
            "-extract",
            path,
            out.to_str().unwrap(),
        ],
    );
}

/// Extracts the image `img` into the host directory `out` with 7-Zip (`7zz x -y`).
pub fn sevenzip_extract_to(img: &Path, out: &Path) {
    run(
        "7zz",
        &[
            "x",
            "-y",
            &format!("-o{}", out.display()),
            img.to_str().unwrap(),
        ],
    );
}

/// Creates `dir/huge.bin`: a sparse file of `size` bytes (more than 4 GiB, so a
/// multi-extent file at level 3) holding "tail-marker" at byte 4 GiB.
pub fn make_huge_file(dir: &Path, size: u64) {
    let f = fs::File::create(dir.join("huge.bin")).unwrap();
    f.set_len(size).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, b"tail-marker", 4 << 30).unwrap();
}

/// The 11 bytes at 4 GiB of `/huge.bin` (see [`make_huge_file`]) in the image `img`,
/// extracted by xorriso (`-extract_cut`) to the host file `out`.
pub fn xorriso_huge_tail(img: &str, out: &Path) -> Vec<u8> {
    run(
        "xorriso",
        &[
            "-osirrox",
            "on",
            "-indev",
            img,
            "-extract_cut",
            "/huge.bin",
            &(4u64 << 30).to_string(),
            "11",
            out.to_str().unwrap(),
        ],
    );
    fs::read(out).unwrap()
}

/// The whole result stream of `image`, read into memory.
pub fn result_bytes(image: &FileSystemImage) -> Vec<u8> {
    let mut v = Vec::new();
    image
        .create_result_image()
        .unwrap()
        .read_to_end(&mut v)
        .unwrap();
    v
}

/// Writes a new result stream of `image` to `out` with `write_to`; returns the bytes
/// written.
pub fn write_result_to(image: &FileSystemImage, out: &mut fs::File) -> u64 {
    image.create_result_image().unwrap().write_to(out).unwrap()
}

/// Writes the image to `out` with `write_to`; returns total blocks.
pub fn write_image(image: &FileSystemImage, out: &Path) -> u64 {
    let mut r = image.create_result_image().unwrap();
    let mut f = fs::File::create(out).unwrap();
    let n = r.write_to(&mut f).unwrap();
    assert_eq!(n, r.total_blocks() * 2048);
    r.total_blocks()
}

/// `path` relative to `root`, lossily as UTF-8.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// What a tree holds, by relative path: "d", "f <sha256>", "l <target>".
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).min_depth(1).sort_by_file_name() {
        let e = e.unwrap();
        let rel = relative(root, e.path());
        let ft = e.file_type();
        let v = if ft.is_dir() {
            "d".to_owned()
        } else if ft.is_symlink() {
            format!("l {}", fs::read_link(e.path()).unwrap().display())
        } else {
            format!("f {}", sha256_file(e.path()))
        };
        m.insert(rel, v);
    }
    m
}

/// mtime (seconds) and permission bits of every entry, by relative path (no symlinks).
pub fn attributes(root: &Path) -> BTreeMap<String, (i64, u32)> {
    let mut m = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).min_depth(1) {
        let e = e.unwrap();
        if e.file_type().is_symlink() {
            continue;
        }
        let md = e.metadata().unwrap();
        let rel = relative(root, e.path());
        m.insert(rel, (md.mtime(), md.mode() & 0o7777));
    }
    m
}

pub fn sha256_file(p: &Path) -> String {
    let mut h = Sha256::new();
    h.update(fs::read(p).unwrap());
    hex(&h.finalize())
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Imports the newest session of the image file `img` into `image`, lets `edit` change
/// the tree, and appends the new session in the random-write layout
/// (`write_random_access`), checking that the head at LBA 0–31 is written last (O-24).
pub fn append_random_write(
    img: &Path,
    mut image: FileSystemImage,
    edit: impl FnOnce(&mut FileSystemImage),
) -> FileSystemImage {
    {
        let mut src = discburn_reader::FileSource::open(img).unwrap();
        image.import_last_session_from(&mut src).unwrap();
    }
    edit(&mut image);
    let mut r = image.create_result_image().unwrap();
    let mods = r.random_write_modified_blocks();
    assert_eq!(mods.last(), Some(&(0, 31)), "head written last (O-24)");
    assert_eq!(mods[0].0, image.session_start_block());
    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(img)
        .unwrap();
    r.write_random_access(&mut f).unwrap();
    image
}

/// The session of `image` with its 64 KiB head, as a stream for a random-write
/// recorder (DVD+RW, BD-RE, DVD-RAM).
pub fn random_write_stream(image: &FileSystemImage) -> discburn_image::RandomWriteStream {
    image
        .create_result_image()
        .unwrap()
        .into_random_write_stream()
        .unwrap()
}

/// A file's content read through its recorded extents (in file order).
pub fn read_extents(
    src: &mut (impl discburn_reader::SectorSource + ?Sized),
    extents: &[discburn_reader::Extent],
) -> Vec<u8> {
    let mut out = Vec::new();
    for e in extents {
        let mut buf = vec![0u8; e.sectors() as usize * 2048];
        src.read_sectors(u64::from(e.lba), &mut buf).unwrap();
        buf.truncate(e.length as usize);
        out.extend_from_slice(&buf);
    }
    out
}
