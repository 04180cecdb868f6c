//! `append DRIVE SRC[=DEST]...`: appends host files and directories to a disc as a new
//! session through the library operation alone (`discburn::AppendSession`), then prints
//! the report. DRIVE is `/dev/srN`, an emulated disc (`discburn disc create`), or an
//! image file. A SRC directory's contents go at DEST (default: the root); a SRC file
//! goes at DEST (default: /BASENAME).
//!
//! Timestamps come from SOURCE_DATE_EPOCH when set (the library itself never reads the
//! clock or the environment), else 0.
//!
//! ```sh
//! cargo run -p discburn --example append -- disc.bdr ~/photos=/photos notes.txt
//! ```

use std::ops::ControlFlow;
use std::path::Path;
use std::process::ExitCode;

use discburn::image::Timestamp;
use discburn::{AppendOptions, AppendSession};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((drive, sources)) = args.split_first().filter(|(_, s)| !s.is_empty()) else {
        eprintln!("usage: append DRIVE SRC[=DEST]...");
        return ExitCode::from(2);
    };
    match run(drive, sources) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "append: {} ({:#010X}): {e}. {}",
                e.imapi_name(),
                e.hresult(),
                e.advice()
            );
            ExitCode::FAILURE
        }
    }
}

fn run(drive: &str, sources: &[String]) -> Result<(), discburn::Error> {
    let unix_seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut session = AppendSession::open(drive)?;
    session.image_mut().set_timestamp(Timestamp {
        unix_seconds,
        utc_offset_minutes: 0,
    });
    for s in sources {
        let (src, dest) = match s.split_once('=') {
            Some((src, dest)) => (src, Some(dest)),
            None => (s.as_str(), None),
        };
        session.add_graft(Path::new(src), dest)?;
    }
    let report = session.write(&AppendOptions::new(), |_| ControlFlow::Continue(()))?;
    println!(
        "session {} at LBA {}: {} blocks written with {}; files: {} added, {} kept, {} hidden; {} sectors free{}",
        report.session,
        report.start_lba,
        report.blocks_written,
        report.mechanism,
        report.files_added,
        report.files_kept,
        report.files_hidden,
        report.free_sectors,
        if report.closed { "; disc closed" } else { "" }
    );
    Ok(())
}
