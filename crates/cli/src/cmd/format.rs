//! `discburn format`: formats a blank BD-R for Pseudo-Overwrite (FORMAT UNIT type 00h
//! sub-type 00b, SRM+POW; MMC-6 6.5, 4.5.3.5), through the library's
//! `discburn::writer::format_pseudo_overwrite`. Sessions burned afterwards use the
//! pseudo-overwrite mechanism (MsftMultisessionPseudoOverwrite): LBA 0 always shows the
//! newest session.

use std::path::PathBuf;

use anyhow::bail;
use discburn::recorder::DiscRecorder;

use super::common::lib_err;

/// Arguments of `discburn format`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recorder: /dev/srN or an emulated disc holding a blank BD-R.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,
    /// Format SRM+POW (Pseudo-Overwrite); the only format offered.
    #[arg(long)]
    pub pow: bool,
}

/// Runs `discburn format`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if !args.pow {
        bail!("say which format: --pow (BD-R Pseudo-Overwrite) is the only one offered");
    }
    let mut rec = DiscRecorder::open(&args.drive).map_err(|e| lib_err(discburn::Error::from(e)))?;
    discburn::writer::format_pseudo_overwrite(&mut rec)
        .map_err(|e| lib_err(discburn::Error::from(e)))?;
    println!(
        "{}: formatted for pseudo-overwrite (BD-R SRM+POW)",
        args.drive.display()
    );
    Ok(())
}
