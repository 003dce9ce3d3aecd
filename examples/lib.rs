//! Runnable examples of the aaiti libraries. Each file in this folder is one example:
//!
//! * `inspect_bars`: load the bundled BTC/USD hourly bars, print their quality report and
//!   resample them to daily bars (`cargo run -p aaiti-examples --example inspect_bars`).
//!
//! Examples that need libtorch declare `required-features = ["tch"]` so that feature
//! unification never pulls libtorch into a default `cargo test --workspace`.

/// The repository's bundled data directory.
#[must_use]
pub fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}
