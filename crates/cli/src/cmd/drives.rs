//! `discburn drives`.

/// Arguments of `discburn drives`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `discburn drives`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("drives: not implemented yet")
}
