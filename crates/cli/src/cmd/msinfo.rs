//! `discburn msinfo`: prints `START,NWA` as `cdrecord -msinfo` does, for
//! `mkisofs -C START,NWA` (MMC-6 6.40 READ TOC/PMA/ATIP format 1, 6.27 READ TRACK
//! INFORMATION), through the library's `Disc::msinfo`:
//!
//! * Sequential media: START = start of the last complete session, NWA = the next
//!   writable address.
//! * Overwritable media, image files and block devices: `0,NWA` as xorriso's
//!   `-as cdrecord -msinfo` (with `--grow_overwriteable_iso`) prints it: the head at LBA
//!   0 always describes the newest session, and NWA is the end of the ISO 9660 session
//!   chain rounded up to 32 blocks.
//!
//! A blank disc has no session to continue: exit status 1, as `cdrecord -msinfo`.

use std::path::PathBuf;

use anyhow::bail;
use discburn::Disc;
use serde_json::json;

use super::common::lib_err;

/// Arguments of `discburn msinfo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
    /// Print JSON: `{"drive", "blank", "start", "next_writable_address"}`; a disc with no
    /// ISO 9660 session (blank, or UDF alone with `"blank": false`) gives nulls with exit
    /// status 0 (without `--json` it is an error, as `cdrecord -msinfo` makes it).
    #[arg(long)]
    pub json: bool,
}

/// Runs `discburn msinfo`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let disc = Disc::open(&args.drive).map_err(lib_err)?;
    let found = disc.msinfo().map_err(lib_err)?;
    // No ISO 9660 session: a blank disc, or UDF volumes alone (which mkisofs -C cannot
    // continue).
    let udf_alone = found.is_none() && !disc.sessions().map_err(lib_err)?.is_empty();
    if args.json && found.is_none() {
        // A state, not an error, for a JSON reader.
        println!(
            "{:#}",
            json!({
                "drive": args.drive.display().to_string(),
                "blank": !udf_alone,
                "start": null,
                "next_writable_address": null,
            })
        );
        return Ok(());
    }
    let Some((start, nwa)) = found else {
        if udf_alone {
            bail!(
                "{}: the disc holds UDF volumes alone, no ISO 9660 session that mkisofs -C can continue. Add files with `discburn burn`.",
                args.drive.display()
            );
        }
        bail!(
            "{}: the disc is blank; there is no session to continue. Master the first session without -C.",
            args.drive.display()
        );
    };
    if args.json {
        println!(
            "{:#}",
            json!({
                "drive": args.drive.display().to_string(),
                "blank": false,
                "start": start,
                "next_writable_address": nwa,
            })
        );
    } else {
        println!("{start},{nwa}");
    }
    Ok(())
}
