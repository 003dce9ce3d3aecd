//! # aaiti-core
//!
//! The shared vocabulary of the aaiti workspace: validated OHLCV [`Bars`], loading them from
//! CSV (plain or gzip) and Parquet, a [`DataQualityReport`] for what is legal but notable, an
//! explicit [`RepairPolicy`], resampling to coarser [`Timeframe`]s, and the time-indexed
//! [`Dataset`] that features, models, walk-forward splitters and drift monitors share.
//!
//! ## Design
//!
//! * **Invalid bars cannot exist.** Every constructor and loader checks the invariants
//!   (strictly increasing timestamps, finite positive prices, `low <= open, close <= high`,
//!   non-negative volume). A defect is a typed [`Error`] that names the 1-based file line, the
//!   column and the value, so a user can open the file at that line.
//! * **Nothing happens silently.** Legal oddities (gaps, zero-volume filler bars) are reported,
//!   never filled or dropped; repairs such as dropping exact duplicate rows happen only when
//!   asked for in a [`RepairPolicy`] and are listed in the [`RepairReport`].
//! * **Time is explicit.** Bars are labelled by their open time (see [`Timeframe`]); datasets
//!   carry each label's end time so splitters can purge overlapping samples; library code
//!   reads "now" from a [`clock::Clock`] and draws randomness from [`clock::seeded_rng`].
//! * **Columnar.** Prices are `ndarray` columns (`ArrayView1<f64>`), ready for vectorised
//!   indicators and for linfa / tch models.
//!
//! ## Example
//!
//! ```
//! use aaiti_core::{read_csv, write_csv, CsvOptions, Timeframe};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("btc.csv");
//! std::fs::write(&path, "timestamp,open,high,low,close,volume\n\
//!     2024-01-01T00:00:00Z,100,101,99,100.5,3\n\
//!     2024-01-01T01:00:00Z,100.5,102,100,101,4\n\
//!     2024-01-01T03:00:00Z,101,101,101,101,0\n")?;
//! let loaded = read_csv(&path, &CsvOptions::default())?;
//! let bars = loaded.bars;
//! assert_eq!(bars.timeframe(), Some(Timeframe::H1));
//! let q = bars.quality_report();
//! assert_eq!((q.gap_count, q.missing_bars, q.flat_zero_volume_bars), (1, 1, 1));
//!
//! let daily = bars.resample(Timeframe::D1)?;
//! assert_eq!(daily.close()[0], 101.0);
//! write_csv(&daily, dir.path().join("daily.csv"))?;
//!
//! // A defect is a typed error naming line, column and value:
//! std::fs::write(&path, "timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,100,99,101,100,1\n")?;
//! let err = read_csv(&path, &CsvOptions::default()).unwrap_err();
//! assert!(err.to_string().contains(":2: column `high`: high 99 is below low 101"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Feature flags
//!
//! * `parquet` (off by default): [`read_parquet`] and [`write_parquet`] with the arrow-rs
//!   `parquet` crate (chosen because it is the reference Rust implementation of the format,
//!   maintained by the Apache Arrow project).
//!
//! Other dependency choices: `csv` (the de-facto Rust CSV parser, fast and RFC 4180-correct)
//! and `flate2` (gzip), rather than hand-written parsers.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod bars;
pub mod clock;
mod csv_io;
mod dataset;
mod error;
#[cfg(feature = "parquet")]
mod parquet_io;
mod quality;
mod resample;
pub mod serde_f64;
mod timeframe;

pub use crate::bars::{Bar, Bars, Ohlcv};
pub use crate::csv_io::{
    ColumnMap, CsvOptions, Inspection, Loaded, TimestampFormat, inspect_csv, parse_timestamp,
    read_csv, read_csv_path, write_csv, write_csv_to,
};
pub use crate::dataset::Dataset;
pub use crate::error::{BarError, Error, Location, Result};
#[cfg(feature = "parquet")]
pub use crate::parquet_io::{read_parquet, write_parquet};
pub use crate::quality::{
    DataQualityReport, Gap, Repair, RepairPolicy, RepairReport, Run, infer_timeframe,
};
pub use crate::timeframe::Timeframe;
