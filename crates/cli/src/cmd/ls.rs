//! `discburn ls`: lists the files of a session (Rock Ridge names preferred, then Joliet,
//! then ISO 9660), recursively below PATH.

use anyhow::anyhow;
use discburn::reader::{Node, NodeKind};
use serde_json::{Value, json};

use super::sessions::{SessionArgs, open_tree};

/// Arguments of `discburn ls`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: SessionArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Path on the disc (default: the root).
    #[arg(value_name = "PATH", default_value = "/")]
    pub path: String,
}

/// A one-letter type as `ls -l` shows it.
pub fn kind_char(k: NodeKind) -> char {
    match k {
        NodeKind::File => '-',
        NodeKind::Directory => 'd',
        NodeKind::Symlink => 'l',
        NodeKind::CharDevice => 'c',
        NodeKind::BlockDevice => 'b',
        NodeKind::Fifo => 'p',
        NodeKind::Socket => 's',
    }
}

fn entry_json(path: &str, n: &Node<'_>) -> Value {
    let rr = n.rock_ridge();
    json!({
        "path": path,
        "type": kind_char(n.kind()).to_string(),
        "size": n.size(),
        "mode": rr.filter(|r| r.has_px).map(|r| format!("{:04o}", r.mode & 0o7777)),
        "mtime": rr.and_then(|r| r.times.modify),
        "target": n.symlink_target().map(|t| String::from_utf8_lossy(t).into_owned()),
    })
}

/// The nodes below `base` (itself first, with no components), depth-first, each with
/// its name components from `base`.
pub fn subtree<'t>(base: Node<'t>) -> Vec<(Vec<&'t [u8]>, Node<'t>)> {
    let mut out = Vec::new();
    let mut stack = vec![(Vec::new(), base)];
    while let Some((comps, node)) = stack.pop() {
        let kids: Vec<_> = node.children().collect();
        for k in kids.into_iter().rev() {
            let mut c = comps.clone();
            c.push(k.name_bytes());
            stack.push((c, k));
        }
        out.push((comps, node));
    }
    out
}

/// Runs `discburn ls`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (_, tree) = open_tree(&args.source.drive, args.source.session)?;
    let base = tree
        .find(&args.path)
        .ok_or_else(|| anyhow!("{}: not on the disc", args.path))?;
    let prefix = base.path();
    let entries: Vec<(String, Node<'_>)> = subtree(base)
        .into_iter()
        .map(|(comps, n)| {
            let mut p = prefix.clone();
            for c in comps {
                if !p.ends_with('/') {
                    p.push('/');
                }
                p.push_str(&String::from_utf8_lossy(c));
            }
            (p, n)
        })
        .collect();
    if args.json {
        let v: Vec<Value> = entries.iter().map(|(p, n)| entry_json(p, n)).collect();
        println!("{:#}", Value::Array(v));
        return Ok(());
    }
    for (p, n) in &entries {
        let mode = n.rock_ridge().filter(|r| r.has_px).map_or_else(
            || "----".to_string(),
            |r| format!("{:04o}", r.mode & 0o7777),
        );
        let target = n
            .symlink_target()
            .map(|t| format!(" -> {}", String::from_utf8_lossy(t)))
            .unwrap_or_default();
        println!(
            "{} {mode} {:>12} {p}{target}",
            kind_char(n.kind()),
            n.size()
        );
    }
    Ok(())
}
