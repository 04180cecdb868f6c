//! Lists one session of an image with discburn's reader.
//!
//! `isols IMAGE [--sbsector N | --session N] [--view rr|joliet|iso] [--sessions] [--count]`
//!
//! Prints one line per node: kind, size, extents and path (symlinks with their target);
//! `--count` prints only the node counts (for timing loads); `--sessions` prints the
//! session list like `xorriso -toc`.

use std::process::ExitCode;

use discburn_reader::sessions::{SessionSelector, list_sessions, open_session};
use discburn_reader::{FileSource, NodeKind, ReadOptions, View};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("isols: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut which = SessionSelector::Last;
    let mut view = None;
    let mut count = false;
    let mut show_sessions = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sbsector" => which = SessionSelector::Start(args.next().ok_or("value")?.parse()?),
            "--session" => which = SessionSelector::Number(args.next().ok_or("value")?.parse()?),
            "--view" => {
                view = Some(match args.next().as_deref() {
                    Some("rr") => View::RockRidge,
                    Some("joliet") => View::Joliet,
                    Some("iso") => View::Iso9660,
                    Some("udf") => View::Udf,
                    _ => return Err("--view rr|joliet|iso|udf".into()),
                })
            }
            "--count" => count = true,
            "--sessions" => show_sessions = true,
            _ => path = Some(a),
        }
    }
    let mut src = FileSource::open(path.ok_or("usage: isols IMAGE [options]")?)?;
    if show_sessions {
        let list = list_sessions(&mut src)?;
        for s in &list.sessions {
            println!("{s}");
        }
        return Ok(());
    }
    let tree = if view == Some(View::Udf) {
        let start = match which {
            SessionSelector::Start(s) => s,
            _ => 0,
        };
        let v = discburn_reader::UdfVolume::open(&mut src, start, &ReadOptions::default())?;
        eprintln!("{v:?}");
        v.read_tree(&mut src)?
    } else {
        let vol = open_session(&mut src, which, &ReadOptions::default())?;
        vol.read_tree(&mut src, view.unwrap_or(vol.default_view()))?
    };
    if count {
        let (d, f, o) = tree.counts();
        println!(
            "{} nodes: {d} directories, {f} files, {o} other",
            tree.len()
        );
        return Ok(());
    }
    for (path, n) in tree.walk() {
        let kind = match n.kind() {
            NodeKind::Directory => 'd',
            NodeKind::File => '-',
            NodeKind::Symlink => 'l',
            _ => 'c',
        };
        let ext: Vec<String> = n
            .data_pieces()
            .iter()
            .map(|p| match p {
                discburn_reader::DataPiece::Recorded(e) => format!("{}+{}", e.lba, e.length),
                other => format!("{other:?}"),
            })
            .collect();
        match n.symlink_target() {
            Some(t) => println!(
                "{kind} {} [{}] {path} -> {}",
                n.size(),
                ext.join(","),
                String::from_utf8_lossy(t)
            ),
            None => println!("{kind} {} [{}] {path}", n.size(), ext.join(",")),
        }
    }
    Ok(())
}
