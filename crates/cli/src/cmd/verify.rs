//! `discburn verify`: reads a session back and compares it with the MD5 checksums
//! recorded in it (libisofs format, as `mkimage` and `burn` write them unless
//! `--no-md5`, and `xorriso -md5 on`); IMAPI2 IBurnVerification levels. A thin caller
//! of [`discburn::Disc::verify`].

use std::io::IsTerminal as _;
use std::path::PathBuf;

use anyhow::bail;
use discburn::{BurnVerificationLevel, Disc, VerifyReport};
use serde_json::json;

use super::common::{lib_err, progress_bar};

/// IMAPI_BURN_VERIFICATION_LEVEL as a command-line value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// IMAPI_BURN_VERIFICATION_NONE.
    None,
    /// IMAPI_BURN_VERIFICATION_QUICK: descriptors and directory tree (superblock and tree
    /// tags) and the checksum array.
    Quick,
    /// IMAPI_BURN_VERIFICATION_FULL: every block of the session and every file.
    Full,
}

impl From<Level> for BurnVerificationLevel {
    fn from(l: Level) -> Self {
        match l {
            Level::None => BurnVerificationLevel::None,
            Level::Quick => BurnVerificationLevel::Quick,
            Level::Full => BurnVerificationLevel::Full,
        }
    }
}

/// Arguments of `discburn verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 the session matches its checksums (or, without \
checksums, every block was read), 1 a mismatch or unreadable block (each file named with \
its LBA range) or another failure, 2 usage error."
)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
    /// Session number (1-based); default: the last.
    #[arg(long, value_name = "N")]
    pub session: Option<u32>,
    /// How much to check.
    #[arg(long, value_enum, default_value = "full")]
    pub level: Level,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Verifies through `disc` and prints the report; an error when it did not pass.
pub fn verify_and_report(
    disc: Disc,
    session: Option<u32>,
    level: BurnVerificationLevel,
    as_json: bool,
) -> anyhow::Result<()> {
    let bar = std::io::stderr().is_terminal().then(|| progress_bar(0));
    let mut progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total * 2048);
            bar.set_position(done * 2048);
        }
    };
    let r = disc
        .verify(session, level, &mut progress)
        .map_err(lib_err)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    print_report(&r, as_json);
    if !r.passed() {
        bail!(
            "E_IMAPI_BURN_VERIFICATION_FAILED (0xC0AA0007): session {} at LBA {} does not match {}. Copy the files again to a new disc or session.",
            r.session,
            r.start_lba,
            if r.has_checksums {
                "its recorded MD5 checksums"
            } else {
                "what can be read"
            }
        );
    }
    Ok(())
}

fn print_report(r: &VerifyReport, as_json: bool) {
    if as_json {
        let v = json!({
            "session": r.session,
            "start_lba": r.start_lba,
            "blocks_read": r.blocks_read,
            "has_checksums": r.has_checksums,
            "passed": r.passed(),
            "tags": r.tags.iter().map(|t| json!({
                "what": t.what, "range_start": t.range_start,
                "range_blocks": t.range_blocks, "ok": t.ok})).collect::<Vec<_>>(),
            "files_checked": r.files_checked,
            "files_without_md5": r.files_without_md5,
            "files": r.files.iter().map(|f| json!({
                "path": f.path, "extents": f.extents, "unreadable": f.unreadable}))
                .collect::<Vec<_>>(),
            "unreadable": r.unreadable,
        });
        println!("{v:#}");
        return;
    }
    if !r.has_checksums {
        println!(
            "session {} at LBA {}: no MD5 checksums recorded (the session was written with --no-md5 or by another tool); every block was read",
            r.session, r.start_lba
        );
    }
    for t in &r.tags {
        println!(
            "{}: LBA {} + {} blocks: {}",
            t.what,
            t.range_start,
            t.range_blocks,
            if t.ok { "ok" } else { "MISMATCH" }
        );
    }
    for f in &r.files {
        let ranges: Vec<String> = f
            .extents
            .iter()
            .map(|(l, n)| format!("LBA {l}-{}", l + n.saturating_sub(1)))
            .collect();
        println!(
            "{}: {} ({})",
            if f.unreadable {
                "UNREADABLE"
            } else {
                "MD5 MISMATCH"
            },
            f.path,
            ranges.join(", ")
        );
    }
    for (l, n) in &r.unreadable {
        println!("unreadable: LBA {l}-{} ({n} blocks)", l + n - 1);
    }
    println!(
        "session {} at LBA {}: {} blocks read; {} files checked, {} without MD5; {}",
        r.session,
        r.start_lba,
        r.blocks_read,
        r.files_checked,
        r.files_without_md5,
        if r.passed() { "passed" } else { "FAILED" }
    );
}

/// Runs `discburn verify`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let disc = Disc::open(&args.drive).map_err(lib_err)?;
    verify_and_report(disc, args.session, args.level.into(), args.json)
}
