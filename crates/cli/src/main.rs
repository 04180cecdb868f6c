//! `discburn`: master and record multisession data discs.
//!
//! Exit codes: 0 success, 1 failure (one-line cause on stderr), 2 usage, 141 (quietly)
//! when stdout is closed before the output is written.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};

mod cmd;

/// Master and record multisession data discs (ISO 9660 / Joliet / Rock Ridge) on Linux.
#[derive(Debug, Parser)]
#[command(name = "discburn", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build an ISO 9660 image file from host files and directories.
    Mkimage(cmd::mkimage::Args),
    /// Manage emulated discs.
    #[command(subcommand)]
    Disc(cmd::disc::Command),
    /// List recorders (optical drives).
    Drives(cmd::drives::Args),
    /// Show the medium in a recorder: status, sessions, tracks, multisession values.
    Media(cmd::media::Args),
    /// Print START,NWA of the medium as `cdrecord -msinfo` does.
    Msinfo(cmd::msinfo::Args),
    /// Format a blank BD-R for Pseudo-Overwrite (--pow).
    Format(cmd::format::Args),
    /// Append host files and directories to a disc as a new session.
    Burn(cmd::burn::Args),
    /// Make a disc take sessions again after an interrupted burn.
    Repair(cmd::repair::Args),
    /// Make LBA 0 show an earlier session again, keeping every session (rewritable media, BD-R POW, image files).
    Rollback(cmd::rollback::Args),
    /// List the ISO 9660 sessions of a disc.
    Sessions(cmd::sessions::Args),
    /// List the files of a session.
    Ls(cmd::ls::Args),
    /// Copy files of a session to a host directory.
    Extract(cmd::extract::Args),
    /// Compare a session with its recorded MD5 checksums (or read all its blocks).
    Verify(cmd::verify::Args),
    /// Copy the medium's readable blocks to an image file.
    Dump(cmd::dump::Args),
}

/// Ends the process quietly with status 141 (128 + SIGPIPE, what a shell reports for a
/// process killed by SIGPIPE) when printing to stdout fails because the reader closed
/// it (`discburn ls ... | head`); any other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() {
    quiet_on_closed_stdout();
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mkimage(args) => cmd::mkimage::run(args),
        Command::Disc(c) => cmd::disc::run(c),
        Command::Drives(args) => cmd::drives::run(args),
        Command::Media(args) => cmd::media::run(args),
        Command::Msinfo(args) => cmd::msinfo::run(args),
        Command::Format(args) => cmd::format::run(args),
        Command::Burn(args) => cmd::burn::run(args),
        Command::Repair(args) => cmd::repair::run(args),
        Command::Rollback(args) => cmd::rollback::run(args),
        Command::Sessions(args) => cmd::sessions::run(args),
        Command::Ls(args) => cmd::ls::run(args),
        Command::Extract(args) => cmd::extract::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Dump(args) => cmd::dump::run(args),
    };
    if let Err(e) = result {
        eprintln!("discburn: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// Diagnostics of the library (`tracing` events: the commands sent, the decisions of
/// the writer and the mechanisms) on standard error when `DISCBURN_LOG` holds a filter
/// (`DISCBURN_LOG=debug`, `DISCBURN_LOG=discburn_writer=trace`); silent otherwise. The
/// library itself never reads the environment.
fn init_logging() {
    let Ok(filter) = std::env::var("DISCBURN_LOG") else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|e| {
        eprintln!("discburn: DISCBURN_LOG={filter:?} is not a valid filter ({e}); logging off");
        tracing_subscriber::EnvFilter::new("off")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}

/// The error and its causes on one line, joined by ": " like anyhow's `{:#}`, but a
/// cause that the message before it already ends with is not repeated (library errors
/// such as "cannot read host directory X: Permission denied" quote their source).
fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !out.is_empty() && out.ends_with(&s) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s);
    }
    out
}
