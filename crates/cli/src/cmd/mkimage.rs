//! `discburn mkimage`.

/// Arguments of `discburn mkimage`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `discburn mkimage`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("mkimage: not implemented yet")
}
