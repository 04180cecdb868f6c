//! Property (issue 18): random trees — hard links, long, dotted, case-colliding and
//! Unicode names, symlinks with odd targets, deep paths that Rock Ridge relocates — burnt
//! as a first session and changed by three appended sessions (adds, replacements,
//! removals) on an image file or an emulated BD-R. After the last one, every session is
//! read by every reader and compared with the model of that session (a host directory
//! kept in step), and every hierarchy of every session is walked for duplicate names.
//!
//! Bounded time: `PROPTEST_CASES` cases (default 1: about a minute on two cores, most of
//! it the kernel's four mounts), each a new random tree; no shrinking (a failing case is
//! printed whole: each run of it takes a minute).

#[macro_use]
mod common;
mod appends;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use appends::Disc;
use discburn_testkit::tree::{Tree, scan_dir};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed};

/// One change of a session.
#[derive(Debug, Clone)]
enum Change {
    /// A new file (or a replacement, when a file of that name exists).
    File { dir: Index, name: String, len: u16 },
    /// A new directory holding one file.
    Dir { dir: Index, name: String },
    /// A chain of `depth` directories with files in the middle and at the bottom.
    Deep { dir: Index, depth: u8 },
    /// A hard link, in another directory, to a file added in this session.
    HardLink { dir: Index, name: String, of: Index },
    /// A symbolic link.
    Symlink {
        dir: Index,
        name: String,
        target: String,
    },
    /// New contents for an existing file.
    Replace { of: Index },
    /// Removal (`--rm`) of an existing file, symlink or directory.
    Remove { of: Index },
    /// A directory moved (and renamed): `--rm` of it, its contents added at `name` in
    /// `dir`.
    Move { of: Index, dir: Index, name: String },
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{1,8}",
        1 => "[a-zA-Z0-9 _.,+-]{60,110}",
        1 => prop::sample::select(vec!["...", "....", "a.", "a", "A..", "..x", "x..", ".h", "b.c."])
            .prop_map(str::to_owned),
        1 => "[a-c]{1,2}\\.{1,3}",
        1 => "[A-Ca-c]{1,3}",
        1 => "[äöüßéñ日本語😀🎵 ]{1,14}",
        1 => "[a-z]{1,6}\\.[a-z]{20,40}",
    ]
    .prop_filter("not . or ..", |n| n != "." && n != "..")
}

fn target() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["a//b", "//x", "a/", "/", "../..", "./x", "/a//b//"])
            .prop_map(str::to_owned),
        "[a-z.]{1,4}(/[a-z.]{0,4}){0,5}",
        "/?([a-z]{20,90}/){2,6}[a-z]{1,10}",
    ]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => (any::<Index>(), name(), 0u16..5000).prop_map(|(dir, name, len)| Change::File { dir, name, len }),
        2 => (any::<Index>(), name()).prop_map(|(dir, name)| Change::Dir { dir, name }),
        1 => (any::<Index>(), 9u8..19).prop_map(|(dir, depth)| Change::Deep { dir, depth }),
        2 => (any::<Index>(), name(), any::<Index>()).prop_map(|(dir, name, of)| Change::HardLink { dir, name, of }),
        2 => (any::<Index>(), name(), target()).prop_map(|(dir, name, target)| Change::Symlink { dir, name, target }),
        2 => any::<Index>().prop_map(|of| Change::Replace { of }),
        1 => any::<Index>().prop_map(|of| Change::Remove { of }),
    ]
}

/// [`change`], and directories moved.
fn change_or_move() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => change(),
        1 => (any::<Index>(), any::<Index>(), name())
            .prop_map(|(of, dir, name)| Change::Move { of, dir, name }),
    ]
}

/// The directory that no change touches in the reuse tests: written by session 1 only.
const STABLE: &str = "stable";

/// A file in the root that no change touches in the reuse tests: its data lies before
/// every directory written after session 1, so libarchive reaches them from the root.
const STABLE_FILE: &str = "stable.txt";

/// Paths (relative, '/'-separated, "" for the root) of the model's entries.
fn entries(model: &Path) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut dirs, mut files, mut all) = (vec![String::new()], Vec::new(), Vec::new());
    fn walk(base: &Path, rel: &str, d: &mut Vec<String>, f: &mut Vec<String>, a: &mut Vec<String>) {
        let mut kids: Vec<_> = fs::read_dir(base.join(rel))
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        kids.sort_by_key(|e| e.file_name());
        for e in kids {
            let name = e.file_name().into_string().unwrap();
            let p = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let ft = e.file_type().unwrap();
            a.push(p.clone());
            if ft.is_dir() {
                d.push(p.clone());
                walk(base, &p, d, f, a);
            } else if ft.is_file() {
                f.push(p);
            }
        }
    }
    walk(model, "", &mut dirs, &mut files, &mut all);
    (dirs, files, all)
}

fn contents(seed: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + seed * 7) % 251) as u8)
        .collect()
}

/// Applies one session's changes to the staging directory and the model; returns the
/// paths to remove (for `--rm`).
///
/// Appended sessions get directories deeper than ECMA-119's 8 levels (they keep them
/// in place, so libarchive names the files of earlier sessions by their real paths,
/// issue 15). The first session gets none: it relocates them (rr_moved), which isoinfo
/// -R, iso-info and pycdlib read differently from the source tree (the relocation
/// itself is checked by append_readers). `last`: moved directories may end deeper than
/// 6 levels.
fn apply(
    session: usize,
    last: bool,
    changes: &[Change],
    staging: &Path,
    model: &Path,
) -> Vec<String> {
    let (mut dirs, mut files, mut all) = entries(model);
    let stable =
        |p: &String| p == STABLE || p == STABLE_FILE || p.starts_with(&format!("{STABLE}/"));
    dirs.retain(|p| !stable(p));
    files.retain(|p| !stable(p));
    all.retain(|p| !stable(p));
    let mut subtree_depth = std::collections::BTreeMap::new();
    for d in &dirs {
        let mut p = d.as_str();
        let depth = d.matches('/').count();
        while let Some((up, _)) = p.rsplit_once('/') {
            let e = subtree_depth.entry(up.to_owned()).or_insert(0);
            *e = (*e).max(depth - up.matches('/').count());
            p = up;
        }
        if !d.is_empty() {
            let top = d.split('/').next().unwrap().to_owned();
            subtree_depth.entry(top).or_insert(0);
        }
    }
    if session == 1 {
        dirs.retain(|d| d.matches('/').count() < 5);
    }
    // Paths this session writes (and their parents): never removed in the same session.
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut added_files: Vec<String> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let both = |rel: &str| -> (PathBuf, PathBuf) { (staging.join(rel), model.join(rel)) };
    fn join(dir: &str, name: &str) -> String {
        if dir.is_empty() {
            name.to_owned()
        } else {
            format!("{dir}/{name}")
        }
    }
    let touch = |touched: &mut BTreeSet<String>, rel: &str| {
        let mut p = String::new();
        for c in rel.split('/') {
            p = join(&p, c);
            touched.insert(p.clone());
        }
    };
    let free = |rel: &str| fs::symlink_metadata(model.join(rel)).is_err();
    let is_removed = |removed: &[String], rel: &str| {
        removed
            .iter()
            .any(|r| rel == r || rel.starts_with(&format!("{r}/")))
    };
    // A marker file, so that no session is empty.
    let marker = format!("session-{session}.txt");
    let (s, m) = both(&marker);
    fs::write(&s, format!("session {session}\n")).unwrap();
    fs::write(&m, format!("session {session}\n")).unwrap();
    for (k, c) in changes.iter().enumerate() {
        match c {
            Change::File { dir, name, len } => {
                let d = dir.get(&dirs);
                let rel = join(d, name);
                let is_file = fs::symlink_metadata(model.join(&rel)).is_ok_and(|m| m.is_file());
                if is_removed(&removed, &rel) || !(free(&rel) || is_file) {
                    continue;
                }
                let (s, m) = both(&rel);
                fs::create_dir_all(s.parent().unwrap()).unwrap();
                let _ = fs::remove_file(&s);
                let bytes = contents(session * 100 + k, usize::from(*len));
                fs::write(&s, &bytes).unwrap();
                fs::write(&m, &bytes).unwrap();
                touch(&mut touched, &rel);
                added_files.push(rel);
            }
            Change::Dir { dir, name } => {
                let rel = join(dir.get::<String>(&dirs), name);
                if is_removed(&removed, &rel) || !free(&rel) {
                    continue;
                }
                let inner = join(&rel, "in.txt");
                let (s, m) = both(&inner);
                fs::create_dir_all(s.parent().unwrap()).unwrap();
                fs::create_dir_all(m.parent().unwrap()).unwrap();
                fs::write(&s, b"inside\n").unwrap();
                fs::write(&m, b"inside\n").unwrap();
                touch(&mut touched, &inner);
                added_files.push(inner);
            }
            Change::Deep { .. } if session == 1 => {}
            Change::Deep { dir, depth } => {
                let mut rel = join(dir.get::<String>(&dirs), &format!("deep{session}x{k}"));
                if is_removed(&removed, &rel) || !free(&rel) {
                    continue;
                }
                for i in 0..*depth {
                    rel = join(&rel, &format!("d{i}"));
                    if i == depth / 2 || i + 1 == *depth {
                        let f = join(&rel, &format!("f{i}"));
                        let (s, m) = both(&f);
                        fs::create_dir_all(s.parent().unwrap()).unwrap();
                        fs::create_dir_all(m.parent().unwrap()).unwrap();
                        fs::write(&s, format!("depth {i}\n")).unwrap();
                        fs::write(&m, format!("depth {i}\n")).unwrap();
                        touch(&mut touched, &f);
                        added_files.push(f);
                    }
                }
            }
            Change::HardLink { dir, name, of } => {
                if added_files.is_empty() {
                    continue;
                }
                let src = of.get(&added_files).clone();
                let rel = join(dir.get::<String>(&dirs), name);
                if is_removed(&removed, &rel) || !free(&rel) {
                    continue;
                }
                let (s, m) = both(&rel);
                fs::create_dir_all(s.parent().unwrap()).unwrap();
                fs::hard_link(staging.join(&src), &s).unwrap();
                fs::copy(model.join(&src), &m).unwrap();
                touch(&mut touched, &rel);
            }
            Change::Symlink { dir, name, target } => {
                let rel = join(dir.get::<String>(&dirs), name);
                if is_removed(&removed, &rel) || !free(&rel) {
                    continue;
                }
                let (s, m) = both(&rel);
                fs::create_dir_all(s.parent().unwrap()).unwrap();
                symlink(target, &s).unwrap();
                symlink(target, &m).unwrap();
                touch(&mut touched, &rel);
            }
            Change::Replace { of } => {
                if files.is_empty() {
                    continue;
                }
                let rel = of.get(&files).clone();
                if is_removed(&removed, &rel) || touched.contains(&rel) {
                    continue;
                }
                let (s, m) = both(&rel);
                fs::create_dir_all(s.parent().unwrap()).unwrap();
                let bytes = contents(session * 1000 + k, 100 + k * 37);
                fs::write(&s, &bytes).unwrap();
                fs::remove_file(&m).unwrap();
                fs::write(&m, &bytes).unwrap();
                touch(&mut touched, &rel);
            }
            Change::Remove { of } => {
                if all.is_empty() {
                    continue;
                }
                let rel = of.get(&all).clone();
                let under = |t: &String| t == &rel || t.starts_with(&format!("{rel}/"));
                if is_removed(&removed, &rel)
                    || touched.iter().any(under)
                    || model.join(&rel).symlink_metadata().is_err()
                {
                    continue;
                }
                let m = model.join(&rel);
                if m.symlink_metadata().unwrap().is_dir() {
                    fs::remove_dir_all(&m).unwrap();
                } else {
                    fs::remove_file(&m).unwrap();
                }
                removed.push(rel);
            }
            Change::Move { of, dir, name } => {
                let movable: Vec<&String> = dirs.iter().filter(|d| !d.is_empty()).collect();
                if movable.is_empty() {
                    continue;
                }
                let from = of.get(&movable).to_string();
                let to = join(dir.get::<String>(&dirs), name);
                let under = |t: &String| t == &from || t.starts_with(&format!("{from}/"));
                let depth =
                    to.matches('/').count() + 1 + subtree_depth.get(&from).copied().unwrap_or(0);
                if under(&to)
                    || is_removed(&removed, &from)
                    || is_removed(&removed, &to)
                    || touched.iter().any(under)
                    || !free(&to)
                    || !model.join(&from).is_dir()
                    || (!last && depth > 6)
                {
                    continue;
                }
                appends::copy_tree(&model.join(&from), &staging.join(&to));
                appends::copy_tree(&model.join(&from), &model.join(&to));
                fs::remove_dir_all(model.join(&from)).unwrap();
                removed.push(from);
                touch(&mut touched, &to);
                let (_, _, inside) = entries(&model.join(&to));
                for p in inside {
                    touched.insert(join(&to, &p));
                }
            }
        }
    }
    removed.into_iter().map(|r| format!("/{r}")).collect()
}

fn sessions_read_by_every_reader(bd_r: bool, sessions: &[Vec<Change>]) {
    let d = if bd_r {
        Disc::bd_r()
    } else {
        Disc::image_file()
    };
    let model = d.sub("model");
    let mut expected: Vec<Tree> = Vec::new();
    for (i, changes) in sessions.iter().enumerate() {
        let staging = d.sub(&format!("s{}", i + 1));
        let remove = apply(i + 1, i + 1 == sessions.len(), changes, &staging, &model);
        d.burn(&[&staging], &remove);
        expected.push(scan_dir(&model).unwrap());
    }
    let medium = if bd_r { "BD-R" } else { "image file" };
    d.check_every_session(&format!("random tree on {medium}"), &expected);
}

/// Reuse (issue 15): `sessions` burnt with the default directory reuse (auto), session 1
/// with a directory no later change touches. Checks the sessions `check` (indices) with
/// every reader — bsdtar on every session of the image file (auto keeps only the
/// directories libarchive reaches) and on the BD-R as it is (the first session) — and
/// that the untouched directory is kept in the ECMA-119 and Joliet hierarchies of the
/// last session: from session 1 on the BD-R; on the image file from session 2, which
/// writes it again (its parent, the root, lists no file before it in session 1).
fn reused_sessions_read_by_every_reader(bd_r: bool, sessions: &[Vec<Change>], check: &[usize]) {
    let d = if bd_r {
        Disc::bd_r()
    } else {
        Disc::image_file()
    };
    let model = d.sub("model");
    let mut expected: Vec<Tree> = Vec::new();
    for (i, changes) in sessions.iter().enumerate() {
        let staging = d.sub(&format!("s{}", i + 1));
        if i == 0 {
            for root in [&staging, &model] {
                fs::create_dir_all(root.join(STABLE).join("inner")).unwrap();
                fs::write(root.join(STABLE).join("inner/kept.txt"), b"kept\n").unwrap();
                fs::write(root.join(STABLE).join("empty"), b"").unwrap();
                fs::write(root.join(STABLE_FILE), b"stable\n").unwrap();
                symlink("inner/kept.txt", root.join(STABLE).join("link")).unwrap();
            }
        }
        let remove = apply(i + 1, i + 1 == sessions.len(), changes, &staging, &model);
        d.burn(&[&staging], &remove);
        expected.push(scan_dir(&model).unwrap());
    }
    let starts = d.session_starts();
    let last = *starts.last().unwrap();
    let kept_before = if bd_r { starts[1] } else { starts[2] };
    let mut src = discburn::reader::FileSource::open(&d.path).unwrap();
    let vol = discburn::reader::Volume::open(&mut src, last, &Default::default()).unwrap();
    for view in [
        discburn::reader::View::RockRidge,
        discburn::reader::View::Joliet,
    ] {
        let tree = vol.read_tree(&mut src, view).unwrap();
        for p in ["/stable", "/stable/inner"] {
            let lba = u64::from(tree.find(p).unwrap().extents()[0].lba);
            assert!(
                lba < kept_before,
                "{view} {p} at LBA {lba}: not kept (sessions {starts:?})"
            );
        }
    }
    if !bd_r {
        // libarchive reaches every kept directory of the newest session (the head).
        let out = std::process::Command::new("bsdtar")
            .arg("tf")
            .arg(&d.path)
            .output()
            .unwrap();
        let list = String::from_utf8_lossy(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success()
                && list.contains("stable/inner/kept.txt")
                && !err.contains("out-of-order"),
            "bsdtar misses kept directories\n{list}\n{err}"
        );
    }
    let medium = if bd_r { "BD-R" } else { "image file" };
    d.check_sessions(
        &format!("random tree with directory reuse on {medium}"),
        &expected,
        check,
    );
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// The cases are drawn from a fixed seed so every run of the suite tries the same
/// trees; `PROPTEST_RNG_SEED=N` (or `random`) explores others.
fn rng_seed() -> RngSeed {
    match std::env::var("PROPTEST_RNG_SEED") {
        Ok(v) if v == "random" => RngSeed::Random,
        Ok(v) => v.parse().map(RngSeed::Fixed).unwrap_or(RngSeed::Fixed(15)),
        Err(_) => RngSeed::Fixed(15),
    }
}

proptest! {
    #![proptest_config(Config {
        cases: cases(),
        rng_seed: rng_seed(),
        max_shrink_iters: 0,
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn random_trees_over_four_sessions_read_alike_in_every_reader_and_session(
        bd_r in any::<bool>(),
        sessions in prop::collection::vec(prop::collection::vec(change(), 4..14), 4..=4),
    ) {
        sessions_read_by_every_reader(bd_r, &sessions);
    }

    #[test]
    fn reused_directories_read_alike_in_every_reader_after_3_and_20_sessions(
        bd_r in any::<bool>(),
        sessions in prop::collection::vec(prop::collection::vec(change_or_move(), 2..8), 20..=20),
    ) {
        reused_sessions_read_by_every_reader(bd_r, &sessions, &[2, 19]);
    }
}
