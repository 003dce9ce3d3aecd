//! `aaiti registry`: placeholder until aaiti-registry lands (being written; not wired into a release).

/// Arguments of `aaiti registry`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {}

/// Runs the subcommand.
pub(crate) fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("`aaiti registry` is not available in this build yet")
}
