//! `aaiti features`: placeholder until aaiti-features lands (being written; not wired into a release).

/// Arguments of `aaiti features`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

/// Runs the subcommand.
pub(crate) fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("`aaiti features` is not available in this build yet")
}
