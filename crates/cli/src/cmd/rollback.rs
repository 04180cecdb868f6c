//! `discburn rollback --drive D --to-session N`: makes session N the newest again on
//! rewritable media (BD-RE, DVD+RW, DVD-RAM) and image files,
//! through the library's `Disc::rollback`: the head at LBA 0–31 is rewritten with
//! session N's volume descriptors and the later sessions' descriptors are cleared, so
//! every reader sees session N and the next burn starts after it. Refused on
//! sequential media and (for now) BD-R Pseudo-Overwrite.

use std::path::PathBuf;

use discburn::Disc;
use serde_json::json;

use super::common::lib_err;

/// Arguments of `discburn rollback`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 rolled back (or session N was already the newest), 1 failure \
(one line on stderr: IMAPI name, cause, what to do), 2 usage error."
)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,

    /// The session to make the newest again (1-based, as `discburn sessions` lists them).
    #[arg(long, value_name = "N")]
    pub to_session: u32,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `discburn rollback`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let r = Disc::open(&args.drive)
        .and_then(|d| d.rollback(args.to_session))
        .map_err(lib_err)?;
    if args.json {
        let v = json!({
            "drive": r.device,
            "session": r.session,
            "start": r.start,
            "end": r.end,
            "head_written": r.head_written,
            "discarded": r.discarded,
        });
        println!("{v:#}");
    } else {
        println!("{r}");
    }
    Ok(())
}
