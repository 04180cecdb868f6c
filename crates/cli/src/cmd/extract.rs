//! `discburn extract`: copies files of a session to a host directory (Rock Ridge names,
//! modes, times and symlinks preferred; then Joliet, then ISO 9660 names).
//!
//! Never writes outside DEST whatever names the disc holds: every name is checked first
//! (empty, ".", "..", '/', NUL are refused before anything is written); files are created
//! with O_CREAT|O_EXCL (an existing entry, a symlink included, is never followed or
//! replaced); every directory on the way is checked to be a real directory, not a
//! symlink; symlinks from the disc are created last, so nothing is written through them.

use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, anyhow, bail};
use discburn::reader::{Node, NodeKind, SectorSource};

use super::ls::subtree;
use super::sessions::{SessionArgs, open_tree};

/// Arguments of `discburn extract`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: SessionArgs,
    /// `[PATH] DEST`: the path on the disc (default: the root) and the host directory.
    /// A directory's contents go into DEST, a file into DEST/NAME.
    #[arg(value_name = "[PATH] DEST", num_args = 1..=2, required = true)]
    pub operands: Vec<String>,
}

/// Refuses names that could leave DEST or are not names at all.
fn check_name(name: &[u8], at: &str) -> anyhow::Result<()> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0)
    {
        bail!(
            "refusing to extract the name {:?} below {at}: it is empty, \".\", \"..\" or holds '/' or NUL",
            String::from_utf8_lossy(name)
        );
    }
    Ok(())
}

/// Checks that every directory from `dest` down to `path`'s parent is a real directory.
fn check_parents(dest: &Path, path: &Path) -> anyhow::Result<()> {
    let rel = path.strip_prefix(dest).expect("below DEST");
    let mut cur = dest.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in &comps[..comps.len().saturating_sub(1)] {
        cur.push(c);
        let md = fs::symlink_metadata(&cur).with_context(|| cur.display().to_string())?;
        if !md.is_dir() {
            bail!(
                "{}: not a real directory (a symlink or file); refusing to write through it",
                cur.display()
            );
        }
    }
    Ok(())
}

fn mtime(n: &Node<'_>) -> Option<SystemTime> {
    let t = n.rock_ridge()?.times.modify?;
    let t = u64::try_from(t).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(t))
}

fn write_file(src: &mut dyn SectorSource, n: &Node<'_>, path: &Path) -> anyhow::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    // Recorded extents, and UDF data embedded in the File Entry or not recorded.
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, &mut f);
    n.copy_data(src, &mut w)
        .with_context(|| format!("reading {}", path.display()))?;
    w.flush().with_context(|| path.display().to_string())?;
    drop(w);
    if let Some(r) = n.rock_ridge().filter(|r| r.has_px) {
        f.set_permissions(fs::Permissions::from_mode(r.mode & 0o777))?;
    }
    if let Some(t) = mtime(n) {
        f.set_modified(t)?;
    }
    Ok(())
}

/// Runs `discburn extract`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (path, dest) = match args.operands.as_slice() {
        [d] => ("/", d.as_str()),
        [p, d] => (p.as_str(), d.as_str()),
        _ => unreachable!("clap: 1..=2 operands"),
    };
    let dest = PathBuf::from(dest);
    let (mut src, tree) = open_tree(&args.source.drive, args.source.session)?;
    let base = tree
        .find(path)
        .ok_or_else(|| anyhow!("{path}: not on the disc"))?;
    let mut entries = subtree(base);
    if !base.is_dir() {
        // A file (or link) goes into DEST under its own name.
        entries[0].0 = vec![base.name_bytes()];
    }
    // Check every name first: nothing is written when one is hostile.
    for (comps, _) in &entries {
        for c in comps {
            check_name(c, path)?;
        }
    }
    fs::create_dir_all(&dest).with_context(|| dest.display().to_string())?;
    let mut links = Vec::new();
    let mut dirs = Vec::new();
    let mut skipped = 0usize;
    for (comps, n) in &entries {
        if comps.is_empty() {
            continue;
        }
        let mut p = dest.clone();
        for c in comps {
            p.push(OsStr::from_bytes(c));
        }
        check_parents(&dest, &p)?;
        match n.kind() {
            NodeKind::Directory => {
                fs::create_dir(&p).with_context(|| p.display().to_string())?;
                dirs.push((p, *n));
            }
            NodeKind::File => write_file(&mut *src, n, &p)?,
            NodeKind::Symlink => links.push((p, *n)),
            _ => skipped += 1,
        }
    }
    for (p, n) in &links {
        check_parents(&dest, p)?;
        let target = n.symlink_target().unwrap_or_default();
        std::os::unix::fs::symlink(OsStr::from_bytes(target), p)
            .with_context(|| p.display().to_string())?;
    }
    // Directory modes and times last, deepest first.
    for (p, n) in dirs.iter().rev() {
        if let Some(t) = mtime(n)
            && let Ok(f) = fs::File::open(p)
        {
            let _ = f.set_modified(t);
        }
        if let Some(r) = n.rock_ridge().filter(|r| r.has_px) {
            // Keep the owner able to enter and write (as tar does for non-root users).
            fs::set_permissions(p, fs::Permissions::from_mode((r.mode & 0o777) | 0o700))?;
        }
    }
    if skipped > 0 {
        eprintln!("discburn: {skipped} device, FIFO or socket entries not extracted");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_that_leave_dest_are_refused() {
        for bad in [&b""[..], b".", b"..", b"a/b", b"/", b"a\0b"] {
            assert!(check_name(bad, "/").is_err(), "{bad:?}");
        }
        for good in [&b"a"[..], b"...", b"..a", b"caf\xc3\xa9"] {
            assert!(check_name(good, "/").is_ok(), "{good:?}");
        }
    }
}
