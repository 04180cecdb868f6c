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
//! The whole flow is the library operation `discburn::AppendSession`; this command
//! parses arguments, reports progress and prints the report.
//!
//! Ctrl-C cancels a running write (IDiscFormat2Data::CancelWrite); the earlier sessions
//! stay intact.

use std::io::IsTerminal as _;
use std::ops::ControlFlow;
use std::path::PathBuf;

use discburn::image::reuse::DirectoryReuse;
use discburn::{AppendOptions, AppendSession};
use serde_json::json;

use super::common::{lib_err, progress_bar, timestamp};
use super::mkimage::{FsArgs, Graft, parse_graft};

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

    #[command(flatten)]
    pub boot: super::boot::BootArgs,

    /// Drop the previous session's El Torito boot record on purpose: the new session is
    /// not bootable (without it the boot record is kept, pointing at the same catalog
    /// and boot images).
    #[arg(long)]
    pub boot_discard: bool,

    /// Keep unchanged directories of the previous session where they are and write only
    /// the directories on the path to a change (and the path tables): auto keeps those
    /// every reader finds (all of them on sequential media; on image files and
    /// rewritable media those bsdtar, which reads forward only, reaches), always keeps
    /// every one (bsdtar then misses some on image files), never writes all again.
    /// `--reuse-directories` alone means always; a value needs `=`
    /// (`--reuse-directories=never`).
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        num_args = 0..=1,
        default_missing_value = "always",
        require_equals = true
    )]
    pub reuse_directories: ReuseDirectories,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,

    /// Read the session back after writing (IMAPI2 IBurnVerification): none, quick
    /// (descriptors and tree against their checksum tags), full (every block and file).
    /// With --no-md5 there is nothing to check: the session is read and unreadable blocks
    /// reported.
    #[arg(long, value_enum, default_value = "none")]
    pub verify: super::verify::Level,

    /// Host files and directories to add, each optionally grafted at DEST.
    #[arg(value_name = "SRC[=DEST]", value_parser = parse_graft)]
    pub sources: Vec<Graft>,
}

/// Runs `discburn burn`: a thin caller of [`AppendSession`].
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.sources.is_empty() && args.remove.is_empty() {
        // A usage error: exit status 2.
        clap::Error::raw(
            clap::error::ErrorKind::MissingRequiredArgument,
            "nothing to burn: give SRC[=DEST] operands or --rm paths\n",
        )
        .exit();
    }
    let mut session = AppendSession::open(&args.drive).map_err(lib_err)?;
    let image = session.image_mut();
    super::mkimage::apply_fs_args(image, &args.fs)?;
    image.set_reuse_directories(match args.reuse_directories {
        ReuseDirectories::Auto => DirectoryReuse::Auto,
        ReuseDirectories::Always => DirectoryReuse::Always,
        ReuseDirectories::Never => DirectoryReuse::Never,
    });
    image.set_timestamp(timestamp()?);
    image.set_clamp_times(super::common::clamp_times());
    session.import_last_session().map_err(lib_err)?;
    if let Some(name) = &args.volume_name {
        session.image_mut().set_volume_name(name)?;
    }
    for p in &args.remove {
        if p.split('/').all(|c| c.is_empty()) {
            // Hiding the root would leave an empty session (IMAPI2 cannot remove the
            // root directory item either).
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "--rm {p}: the root cannot be hidden; name the files or directories to hide\n"
                ),
            )
            .exit();
        }
        session
            .remove(p)
            .map_err(|e| lib_err(e).context(format!("--rm {p}")))?;
    }
    for g in &args.sources {
        session
            .add_graft(&g.src, g.dest.as_deref())
            .map_err(lib_err)?;
    }
    super::boot::apply(&args.boot, session.image_mut())?;
    if args.boot_discard {
        session.image_mut().set_boot_discard(true);
        if session.image().imported_boot().is_some() && args.boot.images.is_empty() {
            eprintln!(
                "discburn: the previous session's El Torito boot record is discarded (--boot-discard): the new session is not bootable"
            );
        }
    }

    let control = session.control();
    // Ctrl-C: during the write, CancelWrite (the write stops after the current WRITE
    // command and the earlier sessions stay intact); outside it nothing is being
    // recorded, so the process ends (status 130, as shells report SIGINT).
    let _ = ctrlc::set_handler(move || {
        if !(control.is_writing() && control.cancel_write().is_ok()) {
            eprintln!("discburn: interrupted");
            std::process::exit(130);
        }
    });
    let bar = std::io::stderr().is_terminal().then(|| progress_bar(0));
    // Image files and block devices have no optics (no power calibration, no format).
    let optical = !matches!(
        session.writer().current_physical_media_type(),
        Ok(discburn::writer::PhysicalMediaType::Disk)
    );
    // The write goes in ranges (a random-write session, then its 64 KiB head): the bar
    // counts every range, so its total is what is written to the end.
    let mut range = (i64::MIN, 0u64); // (start LBA, sectors) of the current range
    let mut before = 0u64; // sectors of the ranges done
    let progress = |e: &discburn::writer::DiscFormat2DataEventArgs| {
        if let Some(bar) = &bar {
            let count = u64::try_from(e.sector_count).unwrap_or(0);
            if count > 0 && i64::from(e.start_lba) != range.0 {
                if range.0 != i64::MIN {
                    before += range.1;
                }
                range = (i64::from(e.start_lba), count);
            }
            let done = i64::from(e.last_written_lba) - i64::from(e.start_lba) + 1;
            let done = u64::try_from(done).unwrap_or(0).min(range.1);
            bar.set_length((before + range.1) * 2048);
            bar.set_position((before + done) * 2048);
            bar.set_message(super::common::stage_word(e.current_action, optical));
        }
        ControlFlow::Continue(())
    };
    let options = AppendOptions::new()
        .close(args.close)
        .force_overwrite(args.force_overwrite);
    let written = session.write(&options, progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let r = written.map_err(lib_err)?;
    if let Some(at) = r.continued_vat_of_session_at {
        eprintln!(
            "discburn: the last session holds no readable UDF VAT (interrupted and closed by repair, or damaged); the new session continues the UDF volume of the session at LBA {at}: files of the sessions after it are not in the new tree (their blocks stay on the disc, `ls --session N` reads them)"
        );
    }
    if args.json {
        let report = json!({
            "drive": r.device,
            "session": r.session,
            "start_lba": r.start_lba,
            "blocks_written": r.blocks_written,
            "files_added": r.files_added,
            "files_kept": r.files_kept,
            "files_hidden": r.files_hidden,
            "free_sectors": r.free_sectors,
            "mechanism": r.mechanism,
            "closed": r.closed,
            "media_status": r.media_status.names(),
            "continued_vat_of_session_at": r.continued_vat_of_session_at,
        });
        println!("{report:#}");
    } else {
        println!(
            "session {} at LBA {}: {} blocks written; files: {} added, {} kept, {} hidden; {} sectors free{}",
            r.session,
            r.start_lba,
            r.blocks_written,
            r.files_added,
            r.files_kept,
            r.files_hidden,
            r.free_sectors,
            if r.closed { "; disc closed" } else { "" }
        );
    }
    if args.verify != super::verify::Level::None {
        let disc = discburn::Disc::open(&args.drive).map_err(lib_err)?;
        super::verify::verify_and_report(disc, Some(r.session), args.verify.into(), args.json)?;
    }
    Ok(())
}

/// `--reuse-directories` values (see [`DirectoryReuse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReuseDirectories {
    /// Keep the directories every reader finds.
    Auto,
    /// Keep every unchanged directory.
    Always,
    /// Write every directory again.
    Never,
}
