//! Runs every applicable oracle on an image and asserts that each one agrees with the
//! manifest of the source tree.

use std::path::Path;

use crate::compare::{Names, RrQuirks, View, assert_readings};
use crate::oracle::{self, Image, IsoInfoView, IsoinfoView, PycdlibFacade, Reading};
use crate::tree::{Md5Digest, Node, Tree};

/// What the image is expected to hold, and how far to check it.
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    /// The image has Rock Ridge.
    pub rock_ridge: bool,
    /// The image has Joliet with names up to this many UTF-16 units (64 per the Joliet
    /// specification, 103 for `mkisofs -joliet-long`).
    pub joliet: Option<usize>,
    /// The writer leaves out of the Joliet tree entries whose path is longer than this
    /// many UTF-16 units (libisofs: 240 bytes = 120 units).
    pub joliet_omits_paths_over: Option<usize>,
    /// Every name that Joliet can hold is kept unchanged (see
    /// [`Names::Joliet::keeps_fitting_names`]).
    pub joliet_keeps_fitting_names: bool,
    /// Joliet identifiers carry a `;1` version counted in the name limit (discburn,
    /// IMAPI2); see [`Names::Joliet::versioned`].
    pub joliet_versioned: bool,
    /// ECMA-119 interchange level of the primary tree.
    pub iso_level: u8,
    /// ECMA-119 names use only d-characters.
    pub iso_dchars: bool,
    /// Read or extract every file's contents and compare digests (false: listings only).
    pub contents: bool,
    /// Some directories lie before the root directory's extent where libarchive, which
    /// reads the volume forward only, does not reach them (kept from an earlier session
    /// by directory reuse on sequential media, or with reuse forced): it drops them
    /// ("Ignoring out-of-order directory"), so bsdtar is not asked.
    pub directories_before_root: bool,
}

impl Expect {
    /// ISO 9660 + Joliet (64 units) + Rock Ridge at `iso_level`, contents checked.
    pub fn iso_joliet_rr(iso_level: u8) -> Self {
        Self {
            rock_ridge: true,
            joliet: Some(64),
            joliet_omits_paths_over: None,
            joliet_keeps_fitting_names: true,
            joliet_versioned: false,
            iso_level,
            iso_dchars: true,
            contents: true,
            directories_before_root: false,
        }
    }
}

/// libcdio and 7-Zip show only the first NM component of a long Rock Ridge name.
const LIBCDIO_RR_TRUNCATES_AFTER: usize = 100;

/// Longest Rock Ridge symlink target iso-info (libcdio 2.1) reads without crashing.
pub const LIBCDIO_MAX_SYMLINK_TARGET: usize = 140;

/// Bytes of a symlink's name and target together from which iso-info (libcdio 2.1) may
/// crash: its SL entry then goes to a continuation area (measured: 20 + 100, 60 + 60 and
/// 80 + 40 crash; 20 + 80 does not).
pub const LIBCDIO_MAX_SYMLINK_NAME_AND_TARGET: usize = 100;

/// Runs every oracle that can read `img` and asserts that each agrees with `expected`:
/// xorriso (listing and extraction), isoinfo (-R, -J, ECMA-119; contents at the printed
/// extents, plus `-x` of a sample), and, for a session at LBA 0, iso-info (Joliet and Rock
/// Ridge views; `iso-read` of a sample), bsdtar (listing and extraction), 7zz (listing and
/// extraction) and pycdlib (rr, joliet and iso facades). `scratch` is an empty directory
/// for extractions (emptied again after each). Panics naming every disagreeing tool.
pub fn check_image(what: &str, img: Image<'_>, expected: &Tree, e: &Expect, scratch: &Path) {
    let rr = View::ROCK_RIDGE;
    let iso_strict = View::iso9660(e.iso_level, e.iso_dchars);
    // Readers that translate ECMA-119 names (lower case, no version) are checked for the
    // level's lengths only.
    let iso_translated = View::iso9660(e.iso_level, false);
    let joliet_view = |max_units: usize, latin1: bool, drops_dot: bool, truncates: bool| View {
        names: Names::Joliet {
            max_units,
            latin1,
            omits_paths_over: e.joliet_omits_paths_over,
            keeps_fitting_names: e.joliet_keeps_fitting_names,
            drops_trailing_dot: drops_dot,
            truncates,
            versioned: e.joliet_versioned,
        },
        symlinks: false,
        names_unchecked: false,
        shows_relocation: false,
    };
    let joliet = e.joliet.map(|u| joliet_view(u, false, false, false));
    let rr_truncating = View::rock_ridge(RrQuirks {
        truncates_after: Some(LIBCDIO_RR_TRUNCATES_AFTER),
        ..RrQuirks::NONE
    });
    // pycdlib.
    let rr_root_empty = View::rock_ridge(RrQuirks {
        root_target_empty: true,
        slash_runs_unread: true,
        ..RrQuirks::NONE
    });
    // isoinfo -R does not follow RRIP CL entries.
    let isoinfo_rr = View {
        shows_relocation: true,
        ..View::rock_ridge(RrQuirks {
            root_target_empty: true,
            drops_trailing_slash: true,
            ..RrQuirks::NONE
        })
    };
    let rr_libarchive = View::rock_ridge(RrQuirks {
        split_target_loses_slash: true,
        ..RrQuirks::NONE
    });
    let best = if e.rock_ridge {
        rr
    } else {
        joliet.unwrap_or(iso_translated)
    };

    let mut readings: Vec<(Reading, View)> = Vec::new();
    readings.push((oracle::xorriso_list(img), best));
    if e.contents {
        readings.push((oracle::xorriso_extract(img, scratch), best));
    }
    if e.rock_ridge {
        readings.push((
            oracle::isoinfo_list(img, IsoinfoView::RockRidge, e.contents),
            isoinfo_rr,
        ));
    }
    if let Some(max_units) = e.joliet {
        let v = joliet_view(max_units, true, false, false);
        readings.push((
            oracle::isoinfo_list(img, IsoinfoView::Joliet, e.contents),
            v,
        ));
    }
    readings.push((
        oracle::isoinfo_list(img, IsoinfoView::Iso9660, e.contents),
        iso_strict,
    ));
    if e.contents && e.rock_ridge {
        for path in sample_files(expected, 12) {
            let bytes = oracle::isoinfo_extract(img, IsoinfoView::RockRidge, &path);
            check_bytes("isoinfo -R -x", &path, expected, &bytes);
        }
    }

    if img.sbsector == 0 {
        if let Some(u) = e.joliet {
            readings.push((
                oracle::iso_info_list(img, IsoInfoView::Default, e.contents),
                joliet_view(u, false, true, true),
            ));
        }
        let no_joliet_view = if e.rock_ridge {
            // libcdio does not follow RRIP CL entries either.
            View {
                shows_relocation: true,
                ..rr_truncating
            }
        } else {
            iso_translated
        };
        // libcdio 2.1 (iso-info) crashes (SIGSEGV) on Rock Ridge symlinks whose target
        // is continued past ~150 bytes, or whose SL entry lies in a continuation area
        // (name and target together over ~115 bytes, measured); its Rock Ridge view is
        // read only without them.
        let long_link = expected.entries.iter().any(|(path, n)| {
            let name = path.rsplit('/').next().unwrap_or_default();
            matches!(n, Node::Symlink { target }
                if target.len() > LIBCDIO_MAX_SYMLINK_TARGET
                    || name.len() + target.len() >= LIBCDIO_MAX_SYMLINK_NAME_AND_TARGET)
        });
        if !(e.rock_ridge && long_link) {
            readings.push((
                oracle::iso_info_list(img, IsoInfoView::NoJoliet, e.contents),
                no_joliet_view,
            ));
        }
        if e.contents && e.rock_ridge {
            for path in sample_files(expected, 12) {
                let bytes = oracle::iso_read(img, &path, scratch);
                check_bytes("iso-read", &path, expected, &bytes);
            }
        }

        let bsdtar_view = if e.rock_ridge { rr_libarchive } else { best };
        if !e.directories_before_root {
            readings.push((oracle::bsdtar_list(img), bsdtar_view));
        }
        if e.contents && !e.directories_before_root {
            readings.push((oracle::bsdtar_extract(img, scratch), bsdtar_view));
        }

        let sevenzip_view = match e.joliet {
            Some(u) => joliet_view(u, false, true, true),
            None if e.rock_ridge => View::rock_ridge(RrQuirks {
                truncates_after: Some(LIBCDIO_RR_TRUNCATES_AFTER),
                drops_version: true,
                drops_trailing_dot: true,
                ..RrQuirks::NONE
            }),
            None => iso_translated,
        };
        readings.push((oracle::sevenzip_list(img), sevenzip_view));
        if e.contents {
            // 7-Zip renames items whose names it made equal (dropped `;N` or trailing
            // dots) while extracting: names were checked on its listing above.
            let v = View {
                names_unchecked: true,
                ..sevenzip_view
            };
            readings.push((oracle::sevenzip_extract(img, scratch), v));
        }

        if e.rock_ridge {
            readings.push((
                oracle::pycdlib_list(img, PycdlibFacade::RockRidge, e.contents),
                rr_root_empty,
            ));
        }
        if let Some(j) = joliet {
            readings.push((
                oracle::pycdlib_list(img, PycdlibFacade::Joliet, e.contents),
                j,
            ));
        }
        readings.push((
            oracle::pycdlib_list(img, PycdlibFacade::Iso9660, e.contents),
            iso_strict,
        ));
    }
    assert_readings(what, expected, &readings);
}

/// Up to `n` files spread over the tree, with names and paths short enough for every
/// reader (≤ 100 and ≤ 200 bytes: isoinfo -x and libcdio cut longer ones) and at most 7
/// directories deep (isoinfo -x does not follow Rock Ridge relocation), largest and
/// non-ASCII ones included.
pub fn sample_files(expected: &Tree, n: usize) -> Vec<String> {
    let files: Vec<&String> = expected
        .entries
        .iter()
        .filter(|(p, node)| {
            matches!(node, Node::File { md5: Some(_), .. })
                && p.len() <= 200
                && p.matches('/').count() <= 8
                && p.rsplit('/').next().is_some_and(|name| name.len() <= 100)
        })
        .map(|(p, _)| p)
        .collect();
    if files.is_empty() {
        return Vec::new();
    }
    let step = files.len().div_ceil(n).max(1);
    let mut out: Vec<String> = files.iter().step_by(step).map(|p| p.to_string()).collect();
    if let Some(big) = files.iter().max_by_key(|p| match expected.entries[**p] {
        Node::File { size, .. } => size,
        _ => 0,
    }) && !out.contains(big)
    {
        out.push(big.to_string());
    }
    if let Some(u) = files.iter().find(|p| !p.is_ascii())
        && !out.contains(u)
    {
        out.push(u.to_string());
    }
    out
}

fn check_bytes(tool: &str, path: &str, expected: &Tree, bytes: &[u8]) {
    let Some(Node::File {
        size,
        md5: Some(md5),
    }) = expected.entries.get(path)
    else {
        panic!("{path} is not a file of the manifest");
    };
    let got = Md5Digest::of(bytes);
    assert!(
        bytes.len() as u64 == *size && got == *md5,
        "{tool} {path}: extracted {} bytes md5 {got}, expected {size} bytes md5 {md5}",
        bytes.len()
    );
}
