//! `discburn burn`: appends host files and directories to a disc as a new session, the
//! IMAPI2 multisession flow (imapi2.md §16.1):
//!
//! 1. open the recorder; a DiscFormat2Data with client name `discburn`; check
//!    IsRecorderSupported, IsCurrentMediaSupported and that CurrentMediaStatus has no
//!    unsupported bits and is not FINALIZED;
//! 2. not MediaHeuristicallyBlank: the writer's MultisessionInterfaces go to the image
//!    and the last session is imported (its tree kept; SessionStartBlock and
//!    FreeMediaBlocks fixed by the media); blank: a fresh image at block 0 on sequential
//!    media, at block 32 (after the 64 KiB head) on random-write media;
//! 3. the SRCs are added, `--rm` paths hidden, the result built and written; on
//!    random-write media only the session's blocks and the head are written;
//! 4. the disc stays appendable unless `--close` (DVD+R: DisableConsumerDvdCompatibilityMode
//!    = TRUE, imapi2.md §5.1.1) or the writer's automatic close at ≤ 2 % free.
//!
//! Ctrl-C cancels a running write (IDiscFormat2Data::CancelWrite); the earlier sessions
//! stay intact.

use std::io::IsTerminal as _;
use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow};
use discburn::image::{
    FileSystemImage, ImageError, IsoLevel, RANDOM_WRITE_HEAD_BLOCKS, VolumeSpaceSize,
};
use discburn::reader::sessions::list_sessions;
use discburn::writer::{DiscFormat2Data, MediaState, WriterError};
use serde_json::json;

use super::common::{
    add_graft, graft_file_count, imapi, is_plain_file, media_source, open_recorder, progress_bar,
    recorder_err, timestamp,
};
use super::mkimage::{FsArgs, Graft, file_systems, parse_graft};

/// Arguments of `discburn burn`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each SRC directory's contents go at DEST (default: the disc root); \
a SRC file goes at DEST (default: /BASENAME). The last session's files are kept; --rm hides \
a path in the new session (its data stays on the disc).\n\n\
Timestamps come from SOURCE_DATE_EPOCH when set, else from the clock.\n\n\
Exit status: 0 success, 1 failure (one line on stderr: IMAPI name, cause, what to do), \
2 usage error."
)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,

    /// Close (finalize) the disc after this session: no more sessions can be added.
    #[arg(long)]
    pub close: bool,

    /// Volume name, up to 32 characters. Default: the imported session's name, else the
    /// timestamp as YYYYMMDD_HHMMSS.
    #[arg(long, value_name = "NAME")]
    pub volume_name: Option<String>,

    #[command(flatten)]
    pub fs: FsArgs,

    /// Hide PATH (a file or a whole directory) of the previous session in the new one.
    #[arg(long = "rm", value_name = "PATH")]
    pub remove: Vec<String>,

    /// Write even when the image file or block device holds data that is neither blank
    /// nor an ISO 9660 disc image (IMAPI2 ForceOverwrite); that data is destroyed.
    #[arg(long)]
    pub force_overwrite: bool,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,

    /// Host files and directories to add, each optionally grafted at DEST.
    #[arg(value_name = "SRC[=DEST]", value_parser = parse_graft)]
    pub sources: Vec<Graft>,
}

fn finalized_error(device: &str, state: MediaState) -> anyhow::Error {
    let e = WriterError::InvalidMediaState {
        device: device.to_string(),
        state,
        reason: "the disc is finalized".into(),
    };
    anyhow!(
        "{} ({:#010X}): the disc is finalized; no more sessions can be added. Use a new disc.",
        e.imapi_name(),
        e.hresult()
    )
}

/// Keeps the imported session's volume name unless `--volume-name` is given.
fn keep_volume_name(image: &mut FileSystemImage, args: &Args) {
    if args.volume_name.is_none()
        && let Some(name) = image.imported_volume_name()
        && !name.is_empty()
    {
        let name = name.to_string();
        let _ = image.set_volume_name(&name);
    }
}

/// Runs `discburn burn`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.sources.is_empty() && args.remove.is_empty() {
        // A usage error: exit status 2.
        clap::Error::raw(
            clap::error::ErrorKind::MissingRequiredArgument,
            "nothing to burn: give SRC[=DEST] operands or --rm paths\n",
        )
        .exit();
    }
    let device = args.drive.display().to_string();
    let mut rec = open_recorder(&args.drive)?;
    let w = DiscFormat2Data::new();
    w.set_client_name("discburn").map_err(imapi)?;
    if !w.is_recorder_supported(&mut rec).map_err(imapi)? {
        return Err(imapi(WriterError::RecorderNotSupported { device }));
    }
    if !w.is_current_media_supported(&mut rec).map_err(imapi)? {
        let profile = rec.current_profile().map_err(recorder_err)?;
        return Err(imapi(WriterError::MediaNotSupported { device, profile }));
    }
    w.set_recorder(rec).map_err(imapi)?;
    // Exclusive access for the whole burn (the writer's own is counted inside it), so a
    // second burn learns at once that the recorder is in use, and by whom.
    w.recorder()
        .map_err(imapi)?
        .acquire_exclusive_access(false, "discburn")
        .map_err(recorder_err)?;
    let status = w.current_media_status().map_err(imapi)?;
    if status.contains(MediaState::FINALIZED) {
        return Err(finalized_error(&device, status));
    }
    if status.intersects(MediaState::UNSUPPORTED_MASK) {
        let repair = format!(
            "the last session is incomplete (an interrupted burn?); no session can be added after it until `discburn repair --drive {device}` closes it (complete sessions are kept)"
        );
        let e = WriterError::InvalidMediaState {
            device,
            state: status,
            reason: String::new(),
        };
        let why = if status.contains(MediaState::NON_EMPTY_SESSION) {
            repair.as_str()
        } else if status.contains(MediaState::WRITE_PROTECTED) {
            "the disc is write-protected"
        } else if status.contains(MediaState::ERASE_REQUIRED) {
            "the disc must be erased first"
        } else {
            "the disc is damaged or not supported"
        };
        let todo = if status.contains(MediaState::NON_EMPTY_SESSION) {
            "Run discburn repair, then burn again."
        } else {
            "Use a new disc."
        };
        return Err(anyhow!(
            "{} ({:#010X}): {why} (media state {status}). {todo}",
            e.imapi_name(),
            e.hresult()
        ));
    }
    let random = status.contains(MediaState::OVERWRITE_ONLY);

    let mut image = FileSystemImage::new();
    image.set_file_systems_to_create(file_systems(&args.fs.file_systems));
    image.set_iso_level(IsoLevel::Level3);
    image.set_timestamp(timestamp()?);
    if !random {
        // Sequential media: the Volume Space Size counts from LBA 0 (session start +
        // session blocks). Linux isofs refuses a Rock Ridge relocated directory (CL)
        // whose extent lies beyond the Volume Space Size of the session it mounts
        // ("rock: corrupted directory entry ... out of volume"); session placement on
        // these media comes from the drive (NWA, TOC), not from this size. Random-write
        // media keep session-local sizes: xorriso's session chain is built from them,
        // and the head at LBA 0 counts the whole medium.
        image.set_volume_space_size(VolumeSpaceSize::Absolute);
    }

    let blank = w.media_heuristically_blank().map_err(imapi)?;
    if blank {
        let start = if random { RANDOM_WRITE_HEAD_BLOCKS } else { 0 };
        image.set_session_start_block(start);
        let free = if random {
            w.total_sectors_on_media().map_err(imapi)?
        } else {
            w.free_sectors_on_media().map_err(imapi)?
        };
        let free = u32::try_from(free.max(0)).unwrap_or(0);
        image.set_free_media_blocks(free.saturating_sub(start).max(1));
    } else if is_plain_file(&args.drive, &*w.recorder().map_err(imapi)?) {
        // Read the file itself (see common::media_source), as the random-write
        // mechanism would through READ(10).
        let mut src = discburn::reader::FileSource::open(&args.drive)
            .with_context(|| args.drive.display().to_string())?;
        image
            .import_last_session_from(&mut src)
            .map_err(|e| anyhow!("importing the last session: {e}"))?;
        let total = u32::try_from(w.total_sectors_on_media().map_err(imapi)?.max(0)).unwrap_or(0);
        image.set_free_media_blocks(total.saturating_sub(image.session_start_block()).max(1));
        keep_volume_name(&mut image, &args);
    } else {
        let ms = w.multisession_interfaces().map_err(imapi)?;
        image.set_multisession_interfaces(ms).map_err(|e| {
            anyhow!("multisession is not supported for this disc: {e}. Use a new disc.")
        })?;
        image
            .import_file_system(&mut *w.recorder().map_err(imapi)?)
            .map_err(|e| anyhow!("importing the last session: {e}"))?;
        keep_volume_name(&mut image, &args);
    }
    if let Some(name) = &args.volume_name {
        image.set_volume_name(name)?;
    }
    let imported_files = image.file_count();

    for p in &args.remove {
        let path = if p.starts_with('/') {
            p.clone()
        } else {
            format!("/{p}")
        };
        match image.remove_tree(&path) {
            Ok(()) => {}
            Err(ImageError::NotADirectory { .. }) => image
                .remove(&path)
                .with_context(|| format!("--rm {path}"))?,
            Err(e) => return Err(anyhow::Error::from(e).context(format!("--rm {path}"))),
        }
    }
    let after_rm = image.file_count();
    let hidden = imported_files - after_rm;
    let mut added = 0usize;
    for g in &args.sources {
        add_graft(&mut image, g)?;
        added += graft_file_count(g)?;
    }
    let total_files = image.file_count();
    let kept = total_files.saturating_sub(added);

    let result = image.create_result_image().map_err(|e| match e {
        ImageError::ExceedsFreeMediaBlocks { needed, free } => anyhow!(
            "IMAPI_E_IMAGE_TOO_BIG (0xC0AAB121): the session needs {needed} blocks but the disc has only {free} free. Burn fewer files or use a new disc."
        ),
        e => anyhow::Error::from(e).context("building the session"),
    })?;
    let start_lba = result.session_start_block();
    let blocks = result.total_blocks();

    w.set_force_media_to_be_closed(args.close).map_err(imapi)?;
    w.set_force_overwrite(args.force_overwrite).map_err(imapi)?;
    // DVD+R: only the session is closed, the disc stays appendable (imapi2.md §5.1.1).
    w.set_disable_consumer_dvd_compatibility_mode(!args.close)
        .map_err(imapi)?;

    let control = w.control();
    // Ctrl-C: during the write, CancelWrite (the write stops after the current WRITE
    // command and the earlier sessions stay intact); outside it nothing is being
    // recorded, so the process ends (status 130, as shells report SIGINT).
    let _ = ctrlc::set_handler(move || {
        if !(control.is_writing() && control.cancel_write().is_ok()) {
            eprintln!("discburn: interrupted");
            std::process::exit(130);
        }
    });

    let bar = std::io::stderr()
        .is_terminal()
        .then(|| progress_bar(blocks * 2048));
    let progress = |e: &discburn::writer::DiscFormat2DataEventArgs| {
        if let Some(bar) = &bar {
            let done = i64::from(e.last_written_lba) - i64::from(e.start_lba) + 1;
            bar.set_length(u64::try_from(e.sector_count).unwrap_or(0) * 2048);
            bar.set_position(u64::try_from(done).unwrap_or(0) * 2048);
            bar.set_message(format!("{:?}", e.current_action));
        }
        ControlFlow::Continue(())
    };
    let written = if random {
        let mut s = result.into_random_write_stream()?;
        w.write_with_progress(&mut s, progress)
    } else {
        let mut r = result;
        w.write_with_progress(&mut r, progress)
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Ok(mut rec) = w.recorder() {
        let _ = rec.release_exclusive_access();
    }
    written.map_err(imapi)?;

    // What the disc holds now.
    let status = w.current_media_status().map_err(imapi)?;
    let closed = status.contains(MediaState::FINALIZED);
    let (session, free) = if random {
        let total = u64::try_from(w.total_sectors_on_media().map_err(imapi)?.max(0)).unwrap_or(0);
        let rec = w.take_recorder().map_err(imapi)?.expect("recorder set");
        let mut src = media_source(&args.drive, rec)?;
        let list = list_sessions(&mut *src).map_err(|e| anyhow!("reading the sessions: {e}"))?;
        let end = list.next_session_start();
        (list.sessions.len(), total.saturating_sub(end))
    } else {
        let free = if closed {
            0
        } else {
            u64::try_from(w.free_sectors_on_media().map_err(imapi)?.max(0)).unwrap_or(0)
        };
        let mut rec = w.recorder().map_err(imapi)?;
        let n = rec
            .disc_information()
            .map_err(recorder_err)?
            .complete_sessions();
        (usize::from(n), free)
    };

    let report = json!({
        "drive": device,
        "session": session,
        "start_lba": start_lba,
        "blocks_written": blocks,
        "files_added": added,
        "files_kept": kept,
        "files_hidden": hidden,
        "free_sectors": free,
        "closed": closed,
        "media_status": status.names(),
    });
    if args.json {
        println!("{report:#}");
    } else {
        println!(
            "session {session} at LBA {start_lba}: {blocks} blocks written; files: {added} added, {kept} kept, {hidden} hidden; {free} sectors free{}",
            if closed { "; disc closed" } else { "" }
        );
    }
    Ok(())
}
