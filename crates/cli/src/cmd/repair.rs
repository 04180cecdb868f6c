//! `discburn repair`: makes a disc take sessions again after an interrupted burn
//! (power cut, kill, Ctrl-C), through the library's `Disc::repair` (the data writer's
//! `DiscFormat2Data::repair`):
//!
//! * sequential media (CD-R/RW, DVD±R, DVD-RW, BD-R): the open tracks and session are
//!   closed (MMC CLOSE TRACK/SESSION); a session whose file system was completely
//!   recorded is kept as the newest one, else a small session repeating the last
//!   complete session's file system follows it;
//! * random-write media (BD-RE, DVD+RW, DVD-RAM), image files and block devices: the
//!   volume descriptors of the interrupted session's leftovers past the last complete
//!   session are cleared, so the next session can start there.
//!
//! Complete sessions are never written. A disc that needs nothing prints so and exits 0.

use std::path::PathBuf;

use discburn::Disc;
use discburn::writer::RepairOutcome;
use serde_json::json;

use super::common::lib_err;

/// Arguments of `discburn repair`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 repaired or nothing to repair, 1 failure (one line on stderr: \
IMAPI name, cause, what to do), 2 usage error."
)]
pub struct Args {
    /// The recorder: /dev/srN, an emulated disc, or an image file / block device.
    #[arg(long, value_name = "DRIVE")]
    pub drive: PathBuf,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `discburn repair`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let report = Disc::open(&args.drive)
        .and_then(Disc::repair)
        .map_err(lib_err)?;
    if args.json {
        let v = match &report.outcome {
            RepairOutcome::NothingToRepair { reason } => {
                json!({"drive": report.device, "action": "none", "reason": reason})
            }
            RepairOutcome::SessionClosed {
                session_start,
                recorded_end,
                tracks_closed,
                complete,
                rescue,
                udf_continues,
            } => json!({
                "drive": report.device,
                "action": "session_closed",
                "session_start": session_start,
                "recorded_end": recorded_end,
                "tracks_closed": tracks_closed,
                "complete": complete,
                "rescue_session": rescue.map(|r| json!({
                    "start": r.start, "blocks": r.blocks, "copy_of": r.copy_of
                })),
                "udf_continues": udf_continues,
            }),
            RepairOutcome::LeftoversDiscarded {
                last_session_end,
                leftover_start,
                leftover_end,
                cleared,
            } => json!({
                "drive": report.device,
                "action": "leftovers_discarded",
                "last_session_end": last_session_end,
                "leftover_start": leftover_start,
                "leftover_end": leftover_end,
                "cleared": cleared,
            }),
            _ => json!({"drive": report.device, "action": report.to_string()}),
        };
        println!("{v:#}");
    } else {
        println!("{report}");
    }
    Ok(())
}
