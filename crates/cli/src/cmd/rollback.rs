//! `discburn rollback --drive D --to-session N`: makes session N what a plain reader
//! sees at LBA 0 again on rewritable media (BD-RE, DVD+RW, DVD-RAM), BD-R
//! Pseudo-Overwrite and image files, through the library's `Disc::rollback`: a
//! rollback record repeating session N's volume descriptors is appended to the session
//! chain and the head at LBA 0–31 is rewritten with them, so every reader sees session
//! N, every session stays listed and readable by number, and the next burn builds on
//! session N after the record. Refused on sequential media.

use std::path::PathBuf;

use discburn::Disc;
use serde_json::json;

use super::common::lib_err;

/// Arguments of `discburn rollback`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 rolled back (or LBA 0 already showed session N), 1 failure \
(one line on stderr: IMAPI name, cause, what to do), 2 usage error."
)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,

    /// The session LBA 0 shows afterwards (1-based, as `discburn sessions` lists them).
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
            "record": r.record.map(|(n, lba)| json!({"session": n, "start_lba": lba})),
            "sessions": r.sessions,
        });
        println!("{v:#}");
    } else {
        println!("{r}");
    }
    Ok(())
}
