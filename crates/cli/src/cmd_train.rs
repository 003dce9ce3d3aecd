//! `aaiti train`: placeholder until aaiti-training lands (being written; not wired into a release).

/// Arguments of `aaiti train`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

/// Runs the subcommand.
pub(crate) fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("`aaiti train` is not available in this build yet")
}
