//! # aaiti-walkforward
//!
//! Leak-proof time-series validation for trading models:
//!
//! - **One walk-forward model** ([`WalkForward`]): train window (expanding or
//!   rolling) × test window × step × gap × anchoring × partial-fold policy, with
//!   sizes in rows or fractions, and presets that reproduce scikit-learn
//!   `TimeSeriesSplit`, skfolio `WalkForward` and sktime's sliding/expanding
//!   splitters exactly; [`CalendarWalkForward`] for calendar windows (skfolio
//!   `freq` mode); [`CombinatorialPurgedCv`] (skfolio `CombinatorialPurgedCV`,
//!   with `n_test_paths`, path ids and recombined paths).
//! - Splits are lists of half-open `[start, end)` row ranges ([`Split`]), never
//!   materialised index vectors.
//! - **Purging by label end time** and **embargo** for any splitter
//!   ([`Purger`], [`Boundary`], [`Embargo`]) and an independent [`audit`].
//!
//! - **Evaluation engine** ([`evaluate`]): any closure `|split| -> Result<FoldResult, E>`
//!   fanned out over rayon, results collected by split id (identical for any
//!   thread count), optional progress callback.
//! - **Aggregation and verdict** ([`Report`]): mean/std/min/max/best/worst,
//!   consistency, fold-to-fold stability, min-samples guard, stitched OOS
//!   equity, the seed's GOOD / ACCEPTABLE / MARGINAL / POOR recommendation with
//!   configurable thresholds ([`VerdictConfig`]) and printed reasons; JSON via serde.
//! - **Overfitting statistics**: [`probabilistic_sharpe_ratio`],
//!   [`deflated_sharpe_ratio`], [`expected_max_sharpe_ratio`], minimum track
//!   record length ([`SharpeMoments::min_track_record_length`]) with skfolio
//!   parity to 1e-12, and PBO by CSCV ([`pbo`], [`pbo_with_metric`]).
//! - **Plots** (plotters, SVG and text-free PNG): [`metric_per_split_svg`],
//!   [`equity_svg`], [`timeline_svg`] and their `_png` twins.
//! - **End-to-end runs** ([`pipeline`]): an `aaiti-training` config plus a
//!   `[walkforward]` section → per split: causal features, labels, purge and
//!   embargo, scaler refit on the split's training rows, any `aaiti-models`
//!   model, evaluation and backtest → [`pipeline::RunReport`] (table, JSON,
//!   plots). This is what `aaiti walkforward run` calls.
//!
//! Every splitter guarantees `n_splits(n)? == split(n)?.len()`; impossible
//! configurations are [`Error::Infeasible`] values naming the inequality that
//! failed. Conventions (boundaries, purge semantics, consistency score) are
//! documented in `docs/walkforward.md`.
//!
//! ## Dependencies and why
//! The splitters are hand-written: no Rust crate reproduces scikit-learn /
//! skfolio / sktime split semantics, and parity is the point. `rayon` does the
//! fan-out; `libm` provides `erf`/`erfc` accurate to about 1 ulp (statrs's
//! `erfc` is only good to ~1e-11, too coarse for 1e-12 parity with skfolio);
//! `statrs` provides `erfc_inv` for the normal quantile; `plotters` draws SVG
//! and bitmaps, `png` encodes the bitmaps (plotters' own encoder would pull in
//! the whole `image` crate); `aaiti-training`/`-models`/`-features`/`-core`
//! provide the pipeline steps of [`pipeline`]; `toml` reads run configs.
//!
//! ## Example
//! ```
//! use aaiti_walkforward::{
//!     Boundary, ClassificationMetrics, FoldResult, LabelTimes, Purger, Report, Splitter,
//!     VerdictConfig, WalkForward, audit, evaluate,
//! };
//!
//! // scikit-learn TimeSeriesSplit(n_splits=4) on 17 rows
//! let splits = WalkForward::sklearn(4, None, None, 0).split(17)?;
//! assert_eq!(splits[0].train, vec![0..5]);
//! assert_eq!(splits[0].test, vec![5..8]);
//!
//! // labels that look 3 rows ahead: purge them
//! let ends: Vec<usize> = (0..17).map(|i| (i + 3).min(16)).collect();
//! let labels = LabelTimes::from_end_rows(&ends)?;
//! let purged = Purger::new(&labels, Boundary::Afml).apply_all(&splits)?;
//! // row 2's label ends exactly at the test start (row 5): AFML keeps it ...
//! assert_eq!(purged[0].train, vec![0..3]);
//! // ... the strict convention does not
//! let strict = Purger::new(&labels, Boundary::Strict).apply_all(&splits)?;
//! assert_eq!(strict[0].train, vec![0..2]);
//! assert!(audit(&purged, &labels, Boundary::Afml)?.is_empty());
//!
//! // evaluate every split in parallel with any model (here: "always up")
//! let y: Vec<f64> = (0..17).map(|i| if i % 3 == 0 { 0.0 } else { 1.0 }).collect();
//! let results = evaluate(&purged, |s| {
//!     let truth: Vec<f64> = s.test_indices().map(|i| y[i]).collect();
//!     let pred = vec![1.0; truth.len()];
//!     Ok::<_, aaiti_walkforward::Error>(FoldResult {
//!         classification: Some(ClassificationMetrics::from_labels(&truth, &pred)?),
//!         ..Default::default()
//!     })
//! })?;
//! let cfg = VerdictConfig { min_test_samples: 3, ..Default::default() };
//! let report = Report::new(results, cfg, None)?;
//! assert_eq!(report.summary.n_splits, 4);
//! assert!(report.verdict_text().starts_with("RECOMMENDATION:"));
//! # Ok::<(), aaiti_walkforward::Error>(())
//! ```
//!
//! ## Feature flags
//! None.

#![allow(
    clippy::single_range_in_vec_init,
    reason = "splits are lists of ranges by design; a one-range list is intended"
)]

mod calendar;
mod cpcv;
mod error;
mod eval;
pub mod pipeline;
mod plot;
mod purge;
mod report;
mod split;
mod stats;
mod walk;

pub use crate::{
    calendar::{Anchor, CalendarTrain, CalendarWalkForward, Freq},
    cpcv::{CombinatorialPurgedCv, MAX_COMBINATIONS},
    error::{Error, Result},
    eval::{ClassificationMetrics, FoldResult, SplitResult, evaluate, evaluate_with_progress},
    plot::{
        equity_png, equity_svg, metric_per_split_png, metric_per_split_svg, timeline_png,
        timeline_svg,
    },
    purge::{Boundary, Embargo, LabelTimes, Leak, Purger, audit},
    report::{
        EquityPoint, MetricStats, OverfitStats, Recommendation, Report, Summary, Verdict,
        VerdictConfig, stitch_equity,
    },
    split::{Size, Split},
    stats::{
        BlockRule, MedianRule, PboConfig, PboResult, SharpeMoments, deflated_sharpe_ratio,
        expected_max_sharpe_ratio, norm_cdf, norm_ppf, pbo, pbo_with_metric,
        probabilistic_sharpe_ratio, sharpe_moments,
    },
    walk::{PartialFold, Placement, Splitter, TestWindow, TrainWindow, WalkForward},
};
