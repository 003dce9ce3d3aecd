//! Fixtures shared by the end-to-end tests: paths of the bundled data.

use std::path::{Path, PathBuf};

/// The repository's bundled data directory.
#[must_use]
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// Path of the bundled Coinbase BTC/USD hourly bars (20,111 rows).
#[must_use]
pub fn btc_hourly() -> PathBuf {
    data_dir().join("btcusd_coinbase_1h.csv")
}
