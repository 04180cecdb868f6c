//! `discburn sessions`: the ISO 9660 sessions of a disc. Sequential media: the sessions
//! of the drive's table of contents (READ DISC INFORMATION / READ TRACK INFORMATION,
//! MMC-6 6.22, 6.27), complete sessions only; random-write media and image files: the
//! session chain of the head at LBA 16, or a superblock scan (discburn-reader
//! `sessions::list_sessions`, xorriso's emulated TOC, peers.md §1.1).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use discburn::mmc::TrackAddress;
use discburn::reader::sessions::{DiscoveryMethod, list_sessions};
use discburn::reader::{ReadOptions, SectorSource, Volume};
use discburn::writer::{DiscFormat2Data, MediaState};
use serde_json::json;

use super::common::{imapi, media_source, open_recorder, recorder_err};

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

/// One session of a disc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// 1-based number.
    pub number: u32,
    /// First LBA (sbsector).
    pub start: u64,
    /// Size in blocks.
    pub size: u64,
    /// Volume identifier of its primary volume descriptor ("" if unreadable).
    pub volume_identifier: String,
    /// Its volume descriptors were replaced by the head of a later session (a first
    /// session mastered at LBA 0 on an image appended to in the random-write layout):
    /// listed, but its tree cannot be opened alone.
    pub descriptors_replaced: bool,
}

/// The media of `drive` as a sector source, and its sessions in LBA order.
pub fn disc_sessions(drive: &Path) -> anyhow::Result<(Box<dyn SectorSource>, Vec<Session>)> {
    // `burn` may create a new image file; reading one that is not there is a mistake,
    // not a blank disc.
    if !drive.exists() {
        bail!("{}: no such drive or image file", drive.display());
    }
    let rec = open_recorder(drive)?;
    let w = DiscFormat2Data::new();
    w.set_recorder(rec).map_err(imapi)?;
    let status = w.current_media_status().map_err(imapi)?;
    let sequential = !status.contains(MediaState::OVERWRITE_ONLY);
    let mut toc: Vec<Session> = Vec::new();
    if sequential {
        let mut rec = w.recorder().map_err(imapi)?;
        let di = rec.disc_information().map_err(recorder_err)?;
        let complete = u32::from(di.complete_sessions());
        if complete > 0 {
            let first = u32::from(di.first_track_number.max(1));
            let last = u32::from(di.last_track_in_last_session);
            for n in first..=last {
                let t = rec
                    .track_information(TrackAddress::Track(n))
                    .map_err(recorder_err)?;
                let s = u32::from(t.session_number);
                if s == 0 || s > complete {
                    continue;
                }
                let end = t
                    .last_recorded_address
                    .map_or(t.track_start_address + t.track_size, |l| l + 1);
                match toc.last_mut() {
                    Some(last) if last.number == s => {
                        last.size = u64::from(end).saturating_sub(last.start);
                    }
                    _ => toc.push(Session {
                        number: s,
                        start: u64::from(t.track_start_address),
                        size: u64::from(end - t.track_start_address),
                        volume_identifier: String::new(),
                        descriptors_replaced: false,
                    }),
                }
            }
        }
    }
    let rec = w.take_recorder().map_err(imapi)?.expect("recorder set");
    let mut src = media_source(drive, rec)?;
    if sequential {
        for s in &mut toc {
            if let Ok(v) = Volume::open(&mut *src, s.start, &ReadOptions::default()) {
                s.volume_identifier = v.primary.volume_identifier;
            }
        }
        return Ok((src, toc));
    }
    let list = list_sessions(&mut *src).map_err(|e| anyhow!("reading the sessions: {e}"))?;
    let head_over_first = list.method == DiscoveryMethod::HeadOverFirstSession;
    let out = list
        .sessions
        .into_iter()
        .map(|s| Session {
            number: s.number,
            start: s.start,
            size: s.size,
            volume_identifier: s.volume_identifier,
            descriptors_replaced: head_over_first && s.number == 1,
        })
        .collect();
    Ok((src, out))
}

/// Runs `discburn sessions`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (_, sessions) = disc_sessions(&args.drive)?;
    if args.json {
        let v: Vec<_> = sessions
            .iter()
            .map(|s| {
                json!({
                    "session": s.number,
                    "start_lba": s.start,
                    "blocks": s.size,
                    "volume_identifier": s.volume_identifier,
                    "descriptors_replaced": s.descriptors_replaced,
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
            println!(
                "ISO session  : {:3} , {:9} , {:9}s , {name}",
                s.number, s.start, s.size
            );
        }
        if sessions.is_empty() {
            println!("no sessions");
        }
    }
    Ok(())
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
    let (mut src, sessions) = disc_sessions(drive)?;
    let s = match number {
        Some(n) => sessions.iter().find(|s| s.number == n).ok_or_else(|| {
            anyhow!(
                "{}: no session {n} (the disc holds {})",
                drive.display(),
                sessions.len()
            )
        })?,
        None => sessions
            .last()
            .ok_or_else(|| anyhow!("{}: the disc holds no session", drive.display()))?,
    };
    if s.descriptors_replaced {
        bail!(
            "{}: session {} was mastered at LBA 0 and its volume descriptors were replaced \
             by the head of a later session, so its own tree cannot be read; the files \
             it held that were kept are in every later session",
            drive.display(),
            s.number
        );
    }
    let vol = Volume::open(&mut *src, s.start, &ReadOptions::default())
        .map_err(|e| anyhow!("session {} at LBA {}: {e}", s.number, s.start))?;
    let tree = vol
        .read_tree(&mut *src, vol.default_view())
        .map_err(|e| anyhow!("session {} at LBA {}: {e}", s.number, s.start))?;
    Ok((src, tree))
}
