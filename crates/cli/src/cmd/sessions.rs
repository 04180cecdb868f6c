//! `discburn sessions`: the ISO 9660 sessions of a disc (and a UDF volume alone). Sequential media: the sessions
//! of the drive's table of contents (READ DISC INFORMATION / READ TRACK INFORMATION,
//! MMC-6 6.22, 6.27), complete sessions only; random-write media and image files: the
//! session chain of the head at LBA 16, or a superblock scan (discburn-reader
//! `sessions::list_sessions`, xorriso's emulated TOC, peers.md §1.1).

use std::path::{Path, PathBuf};

use discburn::reader::{FileSystems, SectorSource};
use discburn::{Disc, SessionInfo};
use serde_json::json;

use super::common::lib_err;

/// Arguments of `discburn sessions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The sessions of `drive` in LBA order (the library's session history).
pub fn disc_sessions(drive: &Path) -> anyhow::Result<Vec<SessionInfo>> {
    Disc::open(drive)
        .and_then(|d| d.sessions())
        .map_err(lib_err)
}

/// Runs `discburn sessions`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let sessions = disc_sessions(&args.drive)?;
    if args.json {
        let v: Vec<_> = sessions
            .iter()
            .map(|s| {
                json!({
                    "session": s.number,
                    "start_lba": s.start,
                    "blocks": s.blocks,
                    "volume_identifier": s.volume_identifier,
                    "descriptors_replaced": s.descriptors_replaced,
                    "file_systems": file_system_names(s.file_systems),
                    "el_torito": super::boot::session_boot_json(s.el_torito.as_ref()),
                    "repeats_session": s.repeats,
                })
            })
            .collect();
        println!(
            "{:#}",
            json!({ "drive": args.drive.display().to_string(), "sessions": v })
        );
    } else {
        // The layout of `xorriso -toc`.
        for s in &sessions {
            let name = if s.descriptors_replaced {
                "(descriptors replaced by the head at LBA 16)"
            } else {
                &s.volume_identifier
            };
            // A UDF volume without ECMA-119 descriptors is a "UDF session".
            let kind = if s.file_systems == FileSystems::UDF {
                "UDF"
            } else {
                "ISO"
            };
            // A rollback record (or a POW bridge) repeats an earlier session's tree.
            let repeats = s
                .repeats
                .map(|n| format!(" (repeats session {n})"))
                .unwrap_or_default();
            println!(
                "{kind} session  : {:3} , {:9} , {:9}s , {name}{repeats}",
                s.number, s.start, s.blocks
            );
        }
        if sessions.is_empty() {
            println!("no sessions");
        }
    }
    Ok(())
}

/// The IMAPI2 names of the file systems in `fs` ("ISO9660", "JOLIET", "UDF", plus
/// "ROCK_RIDGE").
fn file_system_names(fs: FileSystems) -> Vec<&'static str> {
    [
        (FileSystems::ISO9660, "ISO9660"),
        (FileSystems::JOLIET, "JOLIET"),
        (FileSystems::ROCK_RIDGE, "ROCK_RIDGE"),
        (FileSystems::UDF, "UDF"),
    ]
    .into_iter()
    .filter(|(f, _)| fs.contains(*f))
    .map(|(_, n)| n)
    .collect()
}

/// `--drive` and `--session` of the commands that read one session's tree (ls, extract).
#[derive(Debug, clap::Args)]
pub struct SessionArgs {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
    /// Session number (1-based; default: the last).
    #[arg(long, value_name = "N")]
    pub session: Option<u32>,
}

/// The media of `drive` and the tree of session `number` (default: the last) in the
/// preferred view: Rock Ridge names, else Joliet, else ISO 9660.
pub fn open_tree(
    drive: &Path,
    number: Option<u32>,
) -> anyhow::Result<(Box<dyn SectorSource>, discburn::reader::Tree)> {
    Disc::open(drive)
        .and_then(|d| d.open_tree(number))
        .map_err(lib_err)
}
