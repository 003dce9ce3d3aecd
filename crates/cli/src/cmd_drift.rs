//! `aaiti drift`: placeholder until aaiti-drift lands (being written; not wired into a release).

/// Arguments of `aaiti drift`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

/// Runs the subcommand.
pub(crate) fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("`aaiti drift` is not available in this build yet")
}
