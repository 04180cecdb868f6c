//! `discburn disc ...`: emulated discs.

/// Subcommands of `discburn disc`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a blank emulated disc.
    Create {},
}

/// Runs `discburn disc ...`.
pub fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("disc: not implemented yet")
}
