//! Shared helpers of the workspace-level criterion benchmarks (`cargo bench -p aaiti-benches`).
//! Results and side-by-side comparisons with the reference tools are in `docs/benchmarks.md`.

/// The repository's bundled data directory.
#[must_use]
pub fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}
