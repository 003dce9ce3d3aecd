//! Opening the model registry named by a `--registry` URL, shared by every subcommand.

use std::path::PathBuf;
use std::sync::Arc;

use aaiti_registry::{ArtifactStore, InMemoryRegistry, Registry};
use anyhow::Context as _;

/// Opens the registry named by `url`: `none` (no registry), `memory` (in-process, lost at exit),
/// or a backend URL for aaiti-registry-diesel (`sqlite://path`, `postgres://...`).
///
/// Artifacts of `sqlite://X` live in the directory `X.artifacts` next to the database file;
/// other backends use `./aaiti-artifacts`. The directory is created if missing.
pub(crate) fn open_registry(url: &str) -> anyhow::Result<Option<Registry>> {
    if url == "none" {
        return Ok(None);
    }
    if url == "memory" {
        let clock = Arc::new(aaiti_core::clock::SystemClock);
        return Ok(Some(Registry::new(
            Arc::new(InMemoryRegistry::new(clock)),
            ArtifactStore::in_memory()?,
        )));
    }
    let meta =
        aaiti_registry_diesel::DieselRegistry::open(url, Arc::new(aaiti_core::clock::SystemClock))
            .with_context(|| format!("opening registry {url}"))?;
    let dir = match url.strip_prefix("sqlite://") {
        Some(path) => PathBuf::from(format!("{path}.artifacts")),
        None => PathBuf::from("aaiti-artifacts"),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(Some(Registry::new(
        Arc::new(meta),
        ArtifactStore::local(&dir)?,
    )))
}
