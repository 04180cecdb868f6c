//! Every reader on every session of a multisession medium (an image file, or the sector
//! file of an emulated disc).
//!
//! Most readers find only the volume descriptors at LBA 16 (bsdtar, 7-Zip, pycdlib,
//! libcdio). A session at any start is shown to them as a *session image*: the medium's
//! blocks up to the session's end with the session's volume descriptor set copied to LBA
//! 16 and its Volume Space Size (ECMA-119 8.4.8) raised to that end — what the 64 KiB head
//! of a random-write medium holds for its newest session (peers.md §1.1), and what a
//! drive's multisession TOC gives a reader of sequential media. xorriso, isoinfo and the
//! kernel also read the medium itself at the session's start (`sbsector`).

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::check::{Expect, check_image};
use crate::compare::{RrQuirks, View, assert_readings};
use crate::oracle::{self, Image, kernel_list};
use crate::tree::Tree;

const BS: u64 = 2048;

/// How the sessions of a medium are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Medium {
    /// Random-write media and image files: a head at LBA 0–31 copies the newest
    /// session's descriptors; each session's own Volume Space Size counts from its start
    /// (xorriso's session chain).
    RandomWrite,
    /// Sequential media (CD-R, DVD±R, BD-R): each session's Volume Space Size counts from
    /// LBA 0.
    Sequential,
}

fn read_block(f: &mut fs::File, lba: u64) -> [u8; 2048] {
    let mut b = [0u8; 2048];
    f.seek(SeekFrom::Start(lba * BS)).expect("seek");
    f.read_exact(&mut b)
        .unwrap_or_else(|e| panic!("read block {lba}: {e}"));
    b
}

/// The end (absolute LBA, exclusive) of the session starting at `start`, from its
/// Primary Volume Descriptor's Volume Space Size.
pub fn session_end(disc: &Path, start: u64, medium: Medium) -> u64 {
    let mut f = fs::File::open(disc).unwrap_or_else(|e| panic!("{}: {e}", disc.display()));
    let pvd = read_block(&mut f, start + 16);
    assert_eq!(&pvd[..6], b"\x01CD001", "no PVD at {}", start + 16);
    let vss = u64::from(u32::from_le_bytes(pvd[80..84].try_into().expect("4 bytes")));
    match medium {
        Medium::RandomWrite => start + vss,
        Medium::Sequential => vss,
    }
}

/// Writes `out`: blocks 0..end of `disc`, with the volume descriptor set of the session
/// at `start` at LBA 16 (Volume Space Size of its PVD and SVDs = `end`) in place of the
/// descriptors there (the head's, or the first session's).
pub fn session_image(disc: &Path, start: u64, end: u64, out: &Path) {
    let mut f = fs::File::open(disc).unwrap_or_else(|e| panic!("{}: {e}", disc.display()));
    let mut o = fs::File::create(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let mut buf = vec![0u8; (64 * BS) as usize];
    let mut at = 0;
    while at < end {
        let n = (end - at).min(64);
        let bytes = (n * BS) as usize;
        f.seek(SeekFrom::Start(at * BS)).expect("seek");
        f.read_exact(&mut buf[..bytes])
            .unwrap_or_else(|e| panic!("{}: blocks {at}+{n}: {e}", disc.display()));
        o.write_all(&buf[..bytes]).expect("write session image");
        at += n;
    }
    let mut vds = Vec::new();
    for i in 0..16 {
        let mut b = read_block(&mut f, start + 16 + i);
        let kind = b[0];
        if &b[1..6] != b"CD001" {
            break;
        }
        if kind == 1 || kind == 2 {
            let e = u32::try_from(end).expect("end fits 32 bits");
            b[80..84].copy_from_slice(&e.to_le_bytes());
            b[84..88].copy_from_slice(&e.to_be_bytes());
        }
        vds.push(b);
        if kind == 255 {
            break;
        }
    }
    assert!(!vds.is_empty(), "no volume descriptors at {}", start + 16);
    // Only blocks that hold volume descriptors are replaced: the rest of LBA 16-31 may
    // be data of a first session at LBA 0 that later sessions still point at.
    for (i, b) in vds.iter().enumerate() {
        let lba = 16 + i as u64;
        let old = read_block(&mut f, lba);
        assert_eq!(
            &old[1..6],
            b"CD001",
            "{}: LBA {lba} holds no volume descriptor to replace",
            disc.display()
        );
        o.seek(SeekFrom::Start(lba * BS)).expect("seek");
        o.write_all(b).expect("write descriptors");
    }
}

/// The Rock Ridge view of the Linux kernel (it shows at most 253 bytes of a name).
pub const KERNEL_VIEW: View = View {
    names: crate::compare::Names::RockRidge(RrQuirks {
        truncates_after: Some(253),
        drops_version: false,
        drops_trailing_dot: false,
        root_target_empty: false,
        split_target_loses_slash: false,
        drops_trailing_slash: false,
        slash_runs_unread: false,
    }),
    symlinks: true,
    names_unchecked: false,
    shows_relocation: false,
};

/// Runs every reader on the session of `disc` starting at `start` and asserts that each
/// shows `expected`:
/// * the session image (see the module documentation) through [`check_image`]: xorriso,
///   isoinfo (-R, -J, ECMA-119), iso-info, iso-read, bsdtar, 7-Zip and pycdlib (Rock
///   Ridge, Joliet, ECMA-119), contents included;
/// * the medium itself at `sbsector` = `start` through xorriso and isoinfo (listings:
///   the same directory records point at the same extents);
/// * the newest session of a random-write medium also at LBA 0 (its head), every
///   reader's listing;
/// * the Linux kernel: at `sbsector` = `start` on sequential media, on the head for the
///   newest session of random-write media, and on the session image for an earlier one.
///   (An earlier session of a random-write medium records a Volume Space Size counted
///   from its start, as xorriso's session chain needs; Linux bounds continuation areas
///   by it as if it counted from LBA 0 and drops entries there.)
///
/// `scratch` is an empty directory (used for the session image and extractions).
#[allow(clippy::too_many_arguments)]
pub fn check_session(
    what: &str,
    disc: &Path,
    medium: Medium,
    start: u64,
    newest: bool,
    expected: &Tree,
    expect: &Expect,
    scratch: &Path,
) {
    let end = session_end(disc, start, medium);
    let view: PathBuf = scratch.join(format!("session-at-{start}.iso"));
    session_image(disc, start, end, &view);
    let work = scratch.join("work");
    fs::create_dir_all(&work).expect("mkdir");
    check_image(
        &format!("{what} (session image)"),
        Image::plain(&view),
        expected,
        expect,
        &work,
    );
    // Exactly, with no allowance for libarchive's lost '/' at an SL entry boundary
    // (discburn splits SL entries inside a component).
    if !expect.directories_before_root {
        assert_readings(
            &format!("{what} (session image)"),
            expected,
            &[(oracle::bsdtar_list(Image::plain(&view)), View::ROCK_RIDGE)],
        );
    }
    // The same directory records read through the medium's own addressing: listings
    // (contents are the same extents, checked above).
    let listings = Expect {
        contents: false,
        ..*expect
    };
    if start != 0 {
        check_image(
            &format!("{what} (sbsector {start})"),
            Image {
                path: disc,
                sbsector: start,
            },
            expected,
            &listings,
            &work,
        );
    }
    let head = medium == Medium::RandomWrite && newest;
    if head {
        check_image(
            &format!("{what} (head at LBA 0)"),
            Image::plain(disc),
            expected,
            &listings,
            &work,
        );
    }
    let kernel = match medium {
        Medium::Sequential => kernel_list(Image {
            path: disc,
            sbsector: start,
        }),
        Medium::RandomWrite if head => kernel_list(Image::plain(disc)),
        Medium::RandomWrite => kernel_list(Image::plain(&view)),
    };
    assert_readings(what, expected, &[(kernel, KERNEL_VIEW)]);
    fs::remove_file(&view).expect("remove session image");
}
