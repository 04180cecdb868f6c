//! `discburn dump`: copies a medium's readable blocks to an image file (READ(10)
//! through the recorder), what `dd` of the disc gives. A thin caller of
//! [`discburn::Disc::dump`].

use std::io::IsTerminal as _;
use std::path::PathBuf;

use discburn::Disc;

use super::common::{lib_err, progress_bar};

/// Arguments of `discburn dump`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --session: an image file whole, a disc from LBA 0 to \
the end of its last session. With --session N: that session's blocks only (block 0 of \
the output is its first block). Unreadable blocks are written as zeros and listed. OUT is \
written under a temporary name and renamed when complete.\n\nExit status: 0 all blocks \
read, 1 unreadable blocks (OUT is still written) or another failure, 2 usage error."
)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
    /// Output image file.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Only this session (1-based).
    #[arg(long, value_name = "N")]
    pub session: Option<u32>,
}

/// Runs `discburn dump`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let disc = Disc::open(&args.drive).map_err(lib_err)?;
    let bar = std::io::stderr().is_terminal().then(|| progress_bar(0));
    let mut progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total * 2048);
            bar.set_position(done * 2048);
        }
    };
    let r = disc
        .dump(args.session, &args.output, &mut progress)
        .map_err(lib_err)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for (l, n) in &r.unreadable {
        println!(
            "unreadable: LBA {l}-{} ({n} blocks, written as zeros)",
            l + n - 1
        );
    }
    println!(
        "{}: {} blocks from LBA {}",
        args.output.display(),
        r.blocks,
        r.start_lba
    );
    if !r.unreadable.is_empty() {
        anyhow::bail!(
            "{}: {} unreadable block runs were written as zeros",
            args.output.display(),
            r.unreadable.len()
        );
    }
    Ok(())
}
