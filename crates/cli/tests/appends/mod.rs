//! Shared by `append_readers.rs` and `append_property.rs`: sessions burnt with the
//! `discburn` binary to an image file or an emulated BD-R, every session of the medium
//! read by every reader, and every hierarchy of every session walked for duplicate names.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use discburn::reader::{FileSource, ReadOptions, View, Volume};
use discburn_testkit::check::Expect;
use discburn_testkit::sessions::{self, Medium};
use discburn_testkit::tree::Tree;
use serde_json::Value;
use tempfile::TempDir;

use crate::common::ok;

/// Makes a blank medium.
pub type MakeDisc = fn() -> Disc;

/// A medium in a temporary directory.
pub struct Disc {
    pub dir: TempDir,
    pub path: PathBuf,
    pub medium: Medium,
    /// `--reuse-directories=VALUE` for every burn (`None`: the default, auto).
    pub reuse: Option<&'static str>,
}

impl Disc {
    /// A plain image file (random-write: head at LBA 0–31, sessions from LBA 32).
    pub fn image_file() -> Disc {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image.iso");
        fs::File::create(&path).unwrap();
        Disc {
            dir,
            path,
            medium: Medium::RandomWrite,
            reuse: None,
        }
    }

    /// An emulated blank BD-R (sequential: sessions closed one after the other).
    pub fn bd_r() -> Disc {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bd-r.disc");
        ok(args!["disc", "create", "--media", "bd-r", &path]);
        Disc {
            dir,
            path,
            medium: Medium::Sequential,
            reuse: None,
        }
    }

    /// Both media of the suite, with their names.
    pub fn both() -> [(&'static str, MakeDisc); 2] {
        [("image file", Disc::image_file), ("BD-R", Disc::bd_r)]
    }

    /// A fresh directory `name` beside the medium.
    pub fn sub(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::create_dir_all(&p).unwrap();
        p
    }

    /// `discburn burn --drive DISC [--rm PATH]... SRC...`; returns the session's start.
    pub fn burn(&self, sources: &[&Path], remove: &[String]) -> u64 {
        let mut a: Vec<&std::ffi::OsStr> = args!["burn", "--drive", &self.path, "--json"].to_vec();
        let reuse = self.reuse.map(|r| format!("--reuse-directories={r}"));
        if let Some(r) = &reuse {
            a.push(r.as_ref());
        }
        for r in remove {
            a.push("--rm".as_ref());
            a.push(r.as_ref());
        }
        for s in sources {
            a.push(s.as_os_str());
        }
        let v: Value = serde_json::from_str(&ok(&a)).expect("JSON report");
        v["start_lba"].as_u64().expect("start_lba")
    }

    /// Start LBAs of the sessions, as `discburn sessions --json` lists them.
    pub fn session_starts(&self) -> Vec<u64> {
        let v: Value =
            serde_json::from_str(&ok(args!["sessions", "--drive", &self.path, "--json"])).unwrap();
        v["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start_lba"].as_u64().unwrap())
            .collect()
    }

    /// Checks every session with every reader against `expected[i]` (session i + 1), and
    /// walks every hierarchy of every session for duplicate names.
    pub fn check_every_session(&self, what: &str, expected: &[Tree]) {
        let all: Vec<usize> = (0..expected.len()).collect();
        self.check_sessions(what, expected, &all);
    }

    /// Whether appended sessions may hold directories before their root that libarchive
    /// does not reach (`Expect::directories_before_root`): every unchanged directory is
    /// kept on sequential media (where libarchive reads the first session only) and with
    /// `always`; on an image file, auto keeps only those libarchive reaches.
    pub fn directories_before_root(&self) -> bool {
        match self.reuse {
            Some("never") => false,
            Some("always") => true,
            _ => self.medium == Medium::Sequential,
        }
    }

    /// [`Disc::check_every_session`] for the sessions `which` (indices into `expected`)
    /// only. bsdtar is asked on every session image unless
    /// [`Disc::directories_before_root`]; on sequential media it is asked on the medium
    /// as it is, where it reads the first session (LBA 16).
    pub fn check_sessions(&self, what: &str, expected: &[Tree], which: &[usize]) {
        let starts = self.session_starts();
        assert_eq!(starts.len(), expected.len(), "{what}: sessions {starts:?}");
        let scratch = self.sub("scratch");
        let expect = Expect {
            directories_before_root: self.directories_before_root(),
            ..expect()
        };
        if self.medium == Medium::Sequential {
            discburn_testkit::compare::assert_readings(
                &format!("{what}: bsdtar on the medium (first session)"),
                &expected[0],
                &[(
                    discburn_testkit::oracle::bsdtar_list(discburn_testkit::oracle::Image::plain(
                        &self.path,
                    )),
                    discburn_testkit::compare::View::ROCK_RIDGE,
                )],
            );
        }
        for (i, (&start, tree)) in starts.iter().zip(expected).enumerate() {
            if !which.contains(&i) {
                continue;
            }
            let what = format!("{what}, session {} of {}", i + 1, starts.len());
            assert_unique_names(&what, &self.path, start);
            sessions::check_session(
                &what,
                &self.path,
                self.medium,
                start,
                i + 1 == starts.len(),
                tree,
                &expect,
                &scratch,
            );
        }
    }
}

/// What discburn writes: ISO 9660 level 3, Joliet (64 units with the `;1` version, as
/// IMAPI2 counts them) and Rock Ridge; contents checked.
pub fn expect() -> Expect {
    Expect {
        joliet_versioned: true,
        ..Expect::iso_joliet_rr(3)
    }
}

/// Walks the ECMA-119, Joliet and Rock Ridge hierarchies of the session at `start` with
/// discburn's reader and asserts that no directory holds two entries a reader would show
/// under one name: Rock Ridge and ECMA-119 names compared exactly, Joliet names without
/// regard to case and trailing dots (as Windows and Linux look them up), and no name
/// that is empty, "." or "..".
pub fn assert_unique_names(what: &str, disc: &Path, start: u64) {
    let mut src = FileSource::open(disc).unwrap();
    let vol = Volume::open(&mut src, start, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{what}: open the session at {start}: {e}"));
    let mut views = vec![View::Iso9660, View::RockRidge];
    if vol.joliet.is_some() {
        views.push(View::Joliet);
    }
    for view in views {
        let tree = vol
            .read_tree(&mut src, view)
            .unwrap_or_else(|e| panic!("{what}: {view} tree: {e}"));
        for (path, node) in tree.walk() {
            if !node.is_dir() {
                continue;
            }
            let mut seen = BTreeSet::new();
            for c in node.children() {
                let name = c.name().into_owned();
                assert!(
                    !name.is_empty() && name != "." && name != "..",
                    "{what}: {view} {path} holds an entry named {name:?}"
                );
                let key = match view {
                    View::Joliet => name.trim_end_matches('.').to_lowercase(),
                    _ => name.clone(),
                };
                assert!(
                    seen.insert(key),
                    "{what}: {view} {path} holds {name:?} twice"
                );
            }
        }
    }
}

/// Copies the tree at `from` into `to` (files, directories, symlinks; hard links become
/// copies): the model of the merged tree a session shows.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if ft.is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            if fs::symlink_metadata(&dest).is_ok() {
                if fs::symlink_metadata(&dest).unwrap().is_dir() {
                    fs::remove_dir_all(&dest).unwrap();
                } else {
                    fs::remove_file(&dest).unwrap();
                }
            }
            if ft.is_symlink() {
                std::os::unix::fs::symlink(fs::read_link(e.path()).unwrap(), &dest).unwrap();
            } else {
                fs::copy(e.path(), &dest).unwrap();
            }
        }
    }
}
