//! Acceptance tests of `discburn mkimage` (issue 2): the built binary masters generated
//! trees, and independent readers (xorriso, isoinfo -R/-J/ECMA-119, iso-info, bsdtar, 7zz,
//! pycdlib) must list the same tree and extract byte-identical contents. IDs such as O-21
//! refer to the IMAPI2 checklist (shared/reference/imapi2.md §19).

#[macro_use]
mod common;

use common::{EPOCH, discburn};

use std::fs;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::FileTypeExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use discburn_testkit::check::{Expect, check_image};
use discburn_testkit::compare::{View, assert_readings};
use discburn_testkit::generate::{self, SPARSE_SIZE};
use discburn_testkit::oracle::{self, Image};
use discburn_testkit::tree::{Node, Tree};
use tempfile::TempDir;

struct Work {
    dir: TempDir,
    src: PathBuf,
    scratch: PathBuf,
}

impl Work {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("src");
        let scratch = dir.path().join("scratch");
        fs::create_dir(&src).unwrap();
        fs::create_dir(&scratch).unwrap();
        Work { dir, src, scratch }
    }

    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join("out").join(name)
    }
}

/// Runs `discburn mkimage -o OUT ARGS...` and asserts success with nothing on stderr
/// (no progress bar without a terminal).
fn mkimage(out: &Path, args: &[&std::ffi::OsStr]) {
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut all: Vec<&std::ffi::OsStr> = vec!["mkimage".as_ref(), "-o".as_ref(), out.as_os_str()];
    all.extend_from_slice(args);
    let o = discburn(&all);
    assert!(
        o.status.success() && o.stderr.is_empty() && o.stdout.is_empty(),
        "discburn mkimage {all:?}: {}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// What discburn's default image (ISO 9660 level 2 + Joliet + Rock Ridge) must show.
fn expect_default() -> Expect {
    Expect {
        // 64 units including the ";1" version, as IMAPI2 writes Joliet identifiers.
        joliet_versioned: true,
        ..Expect::iso_joliet_rr(2)
    }
}

/// Generates a fixture, masters it with default options, and checks every reader.
fn master_and_check(what: &str, fixture: fn(&Path) -> Tree) {
    let w = Work::new();
    let manifest = fixture(&w.src);
    let iso = w.out("image.iso");
    mkimage(&iso, &[w.src.as_os_str()]);
    check_image(
        what,
        Image::plain(&iso),
        &manifest,
        &expect_default(),
        &w.scratch,
    );
}

#[test]
fn o21_depth_12_tree_reads_identically_in_every_reader() {
    master_and_check("depth 12", generate::deep_tree);
}

#[test]
fn o21_directory_of_10000_entries_reads_identically_in_every_reader() {
    master_and_check("10,000 entries", |r| generate::wide_dir(r, 10_000));
}

#[test]
fn o21_255_byte_and_non_ascii_names_read_identically_in_every_reader() {
    master_and_check("255-byte and non-ASCII names", |r| {
        generate::long_and_unicode_names(r, true)
    });
}

#[test]
fn o21_names_colliding_after_mapping_read_identically_in_every_reader() {
    master_and_check("colliding names", generate::colliding_names);
}

#[test]
fn o21_symlinks_read_identically_in_every_reader() {
    master_and_check("symlinks", generate::symlinks);
}

#[test]
fn o21_empty_and_hard_linked_files_read_identically_in_every_reader() {
    master_and_check(
        "empty and hard-linked files",
        generate::empty_and_hard_linked,
    );
}

#[test]
fn level_3_sparse_file_over_4gib_is_listed_exactly_and_extracts_identically() {
    let w = Work::new();
    let manifest = generate::sparse_over_4gib(&w.src);
    let iso = w.out("big.iso");
    mkimage(
        &iso,
        &["--iso-level".as_ref(), "3".as_ref(), w.src.as_os_str()],
    );
    let e = Expect {
        contents: false,
        iso_level: 3,
        ..expect_default()
    };
    // Every reader lists the exact size (multi-extent, ECMA-119 6.5.1).
    check_image(
        "4 GiB sparse file, level 3",
        Image::plain(&iso),
        &manifest.without_digests(),
        &e,
        &w.scratch,
    );
    // xorriso streams it out byte-identical (no copy on disk).
    let (size, md5) = oracle::xorriso_md5(Image::plain(&iso), "/big.bin");
    let Node::File {
        md5: Some(want), ..
    } = manifest.entries["/big.bin"]
    else {
        unreachable!()
    };
    assert_eq!((size, md5), (SPARSE_SIZE, want), "xorriso -concat /big.bin");
    fs::remove_file(&iso).unwrap();
}

#[test]
fn o22_session_start_block_20000_reads_at_that_offset() {
    let w = Work::new();
    let mut manifest = generate::symlinks(&w.src);
    let deep = w.dir.path().join("deep");
    fs::create_dir(&deep).unwrap();
    manifest.graft("/deep", &generate::deep_tree(&deep));
    let session = w.out("session.iso");
    let graft = format!("{}=/deep", deep.display());
    mkimage(
        &session,
        &[
            "--session-start-block".as_ref(),
            "20000".as_ref(),
            w.src.as_os_str(),
            graft.as_ref(),
        ],
    );
    // The session placed at LBA 20000 of a file whose first 20000 blocks are a hole.
    let placed = w.out("placed.iso");
    let mut f = fs::File::create(&placed).unwrap();
    f.set_len(20000 * 2048).unwrap();
    f.seek(SeekFrom::End(0)).unwrap();
    std::io::copy(&mut fs::File::open(&session).unwrap(), &mut f).unwrap();
    drop(f);
    let img = Image {
        path: &placed,
        sbsector: 20000,
    };
    // xorriso -load sbsector 20000 and isoinfo -T 20000 (-R, -J, ECMA-119).
    check_image(
        "session at LBA 20000",
        img,
        &manifest,
        &expect_default(),
        &w.scratch,
    );
}

#[test]
fn same_tree_and_source_date_epoch_give_byte_identical_images() {
    let w = Work::new();
    let a = w.src.join("a");
    let b = w.src.join("b");
    fs::create_dir(&a).unwrap();
    fs::create_dir(&b).unwrap();
    generate::colliding_names(&a);
    generate::symlinks(&b);
    let one = w.out("one.iso");
    let two = w.out("two.iso");
    mkimage(&one, &[w.src.as_os_str()]);
    mkimage(&two, &[w.src.as_os_str()]);
    let (x, y) = (fs::read(&one).unwrap(), fs::read(&two).unwrap());
    assert!(
        x == y,
        "two builds of one tree with SOURCE_DATE_EPOCH={EPOCH} differ"
    );
    // O-05: without --volume-name the volume identifier (ECMA-119 8.4.6, BP 41-72) is
    // generated from the timestamp; the volume creation date (8.4.26, BP 814-830) is
    // SOURCE_DATE_EPOCH in UTC (2023-11-14T22:13:20Z).
    let pvd = &x[16 * 2048..17 * 2048];
    assert_eq!(&pvd[40..56], b"20231114_221320 ");
    assert_eq!(&pvd[813..830], b"2023111422132000\0");

    // The timestamp is an input: another SOURCE_DATE_EPOCH gives another image.
    let three = w.out("three.iso");
    let o = Command::new(env!("CARGO_BIN_EXE_discburn"))
        .args(["mkimage", "-o"])
        .arg(&three)
        .arg(&w.src)
        .env("SOURCE_DATE_EPOCH", "1600000000")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_ne!(x, fs::read(&three).unwrap());
}

#[test]
fn grafts_place_directories_and_files_at_dest() {
    let w = Work::new();
    let d = w.src.join("dir");
    fs::create_dir(&d).unwrap();
    let dir_tree = generate::empty_and_hard_linked(&d);
    let f = w.src.join("file=with=equals.txt");
    fs::write(&f, b"grafted\n").unwrap();
    let digest = discburn_testkit::tree::Md5Digest::of(b"grafted\n");
    let iso = w.out("grafts.iso");
    let escaped = f.display().to_string().replace('=', "\\=");
    mkimage(
        &iso,
        &[
            format!("{}=/x/y", d.display()).as_ref(),
            escaped.as_ref(),
            format!("{escaped}=/docs/").as_ref(),
            format!("{escaped}=/renamed.txt").as_ref(),
            d.as_os_str(),
        ],
    );
    let mut expected = Tree::new();
    expected.graft("/x/y", &dir_tree);
    expected.graft("/", &dir_tree);
    let file = Node::File {
        size: 8,
        md5: Some(digest),
    };
    for p in [
        "/file=with=equals.txt",
        "/docs/file=with=equals.txt",
        "/renamed.txt",
    ] {
        expected.insert(p, file.clone());
    }
    let img = Image::plain(&iso);
    assert_readings(
        "grafts",
        &expected,
        &[
            (oracle::xorriso_list(img), View::ROCK_RIDGE),
            (oracle::xorriso_extract(img, &w.scratch), View::ROCK_RIDGE),
        ],
    );
}

#[test]
fn iso9660_only_image_has_no_joliet_and_no_rock_ridge() {
    let w = Work::new();
    let manifest = generate::empty_and_hard_linked(&w.src);
    let iso = w.out("plain.iso");
    mkimage(
        &iso,
        &[
            "--fs".as_ref(),
            "iso9660".as_ref(),
            "--iso-level".as_ref(),
            "1".as_ref(),
            "--volume-name".as_ref(),
            "Plain_1".as_ref(),
            w.src.as_os_str(),
        ],
    );
    let e = Expect {
        rock_ridge: false,
        joliet: None,
        iso_level: 1,
        ..expect_default()
    };
    check_image(
        "ECMA-119 level 1 only",
        Image::plain(&iso),
        &manifest,
        &e,
        &w.scratch,
    );
    let pvd = fs::read(&iso).unwrap()[16 * 2048..17 * 2048].to_vec();
    assert_eq!(&pvd[1..6], b"CD001");
    // ECMA-119 8.4.6: volume identifier in d-characters, padded with spaces.
    assert_eq!(&pvd[40..48], b"PLAIN_1 ");
    let svd_or_end = fs::read(&iso).unwrap()[17 * 2048];
    assert_eq!(
        svd_or_end, 255,
        "no Joliet SVD: the terminator follows the PVD"
    );
}

// ---------------------------------------------------------------------------------------
// Failures: exit status 1, one line naming the file and the reason, nothing left behind.

/// Runs a failing mkimage into an empty directory and returns its stderr after checking
/// the exit status, the single line, and that the directory is still empty.
fn mkimage_fails(w: &Work, args: &[&std::ffi::OsStr], with_fsize_limit: bool) -> String {
    let out = w.out("bad.iso");
    let out_dir = out.parent().unwrap().to_path_buf();
    fs::create_dir_all(&out_dir).unwrap();
    let mut cmd = if with_fsize_limit {
        // Safety net: should the image not be refused up front, writing stops at 256 MiB
        // (SIGXFSZ) instead of filling the disk; the test then fails on the message.
        let mut c = Command::new("sh");
        c.args(["-c", "ulimit -f 524288 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_discburn"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_discburn"))
    };
    let o = cmd
        .args(["mkimage", "-o"])
        .arg(&out)
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "exit status; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.starts_with("discburn: "), "{stderr}");
    let left: Vec<_> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "left behind in {}: {left:?}",
        out_dir.display()
    );
    stderr
}

/// A regular file that cannot be opened for reading, even by root: a write-only sysfs
/// attribute (mode 0200, kernfs refuses O_RDONLY with EACCES for every user).
fn unreadable_regular_file() -> PathBuf {
    let mut candidates = vec![PathBuf::from("/sys/bus/pci/rescan")];
    if let Ok(rd) = fs::read_dir("/sys/module") {
        let mut mods: Vec<_> = rd.flatten().map(|e| e.path().join("uevent")).collect();
        mods.sort();
        candidates.extend(mods);
    }
    candidates
        .into_iter()
        .find(|p| {
            fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
                && fs::File::open(p)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
        })
        .expect("no write-only sysfs attribute found (/sys/bus/pci/rescan, /sys/module/*/uevent)")
}

/// A regular file whose content is shorter than its stat size: a sysfs attribute (stat
/// says 4096 bytes, a read returns a few), i.e. a file whose size changes between the
/// moment it is added and the moment it is read.
fn file_shorter_than_its_size() -> PathBuf {
    let p = PathBuf::from("/sys/devices/system/cpu/online");
    let stat = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    let read = fs::read(&p).map(|b| b.len() as u64).unwrap_or(0);
    assert!(
        stat > read && read > 0,
        "{}: stat size {stat}, read {read}: expected a sysfs attribute shorter than its size",
        p.display()
    );
    p
}

#[test]
fn unreadable_source_file_fails_naming_it_and_leaves_nothing() {
    let w = Work::new();
    generate::empty_and_hard_linked(&w.src);
    let bad = unreadable_regular_file();
    let graft = format!("{}=/sub/unreadable", bad.display());
    let err = mkimage_fails(&w, &[w.src.as_os_str(), graft.as_ref()], false);
    assert!(err.contains(&bad.display().to_string()), "{err}");
    assert!(err.contains("Permission denied"), "{err}");
}

/// A directory of the source tree that cannot be listed (mode 000). Root lists every
/// directory, so as root discburn runs as `nobody` here (setpriv); as anyone else it
/// runs directly. Either way the check runs.
#[test]
fn unreadable_source_directory_fails_naming_it_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::new();
    fs::write(w.src.join("ok.txt"), b"ok").unwrap();
    let locked = w.src.join("locked");
    fs::create_dir_all(locked.join("inner")).unwrap();
    let out_dir = w.out("x").parent().unwrap().to_path_buf();
    fs::create_dir_all(&out_dir).unwrap();
    let mode = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    mode(w.dir.path(), 0o755);
    mode(&w.src, 0o755);
    mode(&out_dir, 0o777);
    mode(&locked, 0o000);
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_discburn"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_discburn"))
    };
    let o = cmd
        .args(["mkimage", "-o"])
        .arg(out_dir.join("bad.iso"))
        .arg(&w.src)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    mode(&locked, 0o755);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "exit status; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.contains(&locked.display().to_string()), "{stderr}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    let left: Vec<_> = fs::read_dir(&out_dir).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn source_file_changing_size_fails_naming_it_and_leaves_nothing() {
    let w = Work::new();
    generate::symlinks(&w.src);
    let bad = file_shorter_than_its_size();
    let graft = format!("{}=/online", bad.display());
    let err = mkimage_fails(&w, &[w.src.as_os_str(), graft.as_ref()], false);
    assert!(err.contains(&bad.display().to_string()), "{err}");
    assert!(err.contains("changed size"), "{err}");
}

#[test]
fn strict_level_1_refuses_unrepresentable_names_and_leaves_nothing() {
    let w = Work::new();
    fs::write(w.src.join("GOOD.TXT"), b"ok").unwrap();
    fs::write(w.src.join("Long Name With Spaces.text"), b"no").unwrap();
    let err = mkimage_fails(
        &w,
        &[
            "--iso-level".as_ref(),
            "1".as_ref(),
            "--strict".as_ref(),
            w.src.as_os_str(),
        ],
        false,
    );
    assert!(err.contains("/Long Name With Spaces.text"), "{err}");
    assert!(err.contains("not representable"), "{err}");
}

#[test]
fn o02_image_beyond_2_pow_32_blocks_is_refused_and_leaves_nothing() {
    let w = Work::new();
    // 3 sparse files of 3 TiB: 9 TiB > 2^32 blocks of 2048 bytes (8 TiB).
    generate::huge_sparse_files(&w.src, 3, 3 << 40);
    let err = mkimage_fails(
        &w,
        &["--iso-level".as_ref(), "3".as_ref(), w.src.as_os_str()],
        true,
    );
    assert!(err.contains("image too large"), "{err}");
}

#[test]
fn file_of_4gib_below_level_3_is_refused_naming_it() {
    let w = Work::new();
    generate::huge_sparse_files(&w.src, 1, 4 << 30);
    let err = mkimage_fails(&w, &[w.src.as_os_str()], true);
    assert!(err.contains("/huge0.bin"), "{err}");
    assert!(err.contains("level 3"), "{err}");
}

#[test]
fn missing_source_and_directory_output_fail_with_status_1() {
    let w = Work::new();
    let missing = w.src.join("does-not-exist");
    let err = mkimage_fails(&w, &[missing.as_os_str()], false);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(err.contains("No such file"), "{err}");

    let o = discburn(&[
        "mkimage".as_ref(),
        "-o".as_ref(),
        w.src.as_os_str(),
        w.src.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a directory"));
}

#[test]
fn o04_invalid_volume_name_fails_naming_it_and_leaves_nothing() {
    let w = Work::new();
    fs::write(w.src.join("f.txt"), b"x").unwrap();
    let long = "A_VOLUME_NAME_FAR_LONGER_THAN_32_CHARACTERS";
    let err = mkimage_fails(
        &w,
        &["--volume-name".as_ref(), long.as_ref(), w.src.as_os_str()],
        false,
    );
    assert!(err.contains(long) && err.contains("volume name"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let w = Work::new();
    let out = w.out("x.iso");
    for args in [
        vec!["mkimage"],
        vec!["mkimage", "-o", out.to_str().unwrap()],
        vec!["mkimage", "-o", out.to_str().unwrap(), "--fs", "udf9", "."],
        vec![
            "mkimage",
            "-o",
            out.to_str().unwrap(),
            "--iso-level",
            "4",
            ".",
        ],
        vec!["mkimage", "-o", out.to_str().unwrap(), "=nowhere"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_discburn"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    assert!(!out.exists());
}

#[test]
fn fifo_source_is_recorded_not_read() {
    // A FIFO is a special file (Rock Ridge PX/PN): it must not be opened (that would
    // block), and the image must still be written.
    let w = Work::new();
    let fifo = w.src.join("pipe");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    fs::write(w.src.join("f.txt"), b"x").unwrap();
    let iso = w.out("fifo.iso");
    mkimage(&iso, &[w.src.as_os_str()]);
    let o = oracle::run(
        "xorriso",
        &[
            "-indev".as_ref(),
            iso.as_os_str(),
            "-find".as_ref(),
            "/".as_ref(),
            "-exec".as_ref(),
            "lsdl".as_ref(),
            "--".as_ref(),
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with('p') && l.ends_with("'/pipe'")),
        "no FIFO /pipe in:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with('-') && l.ends_with("'/f.txt'"))
    );
}
