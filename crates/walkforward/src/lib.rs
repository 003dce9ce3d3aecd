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
//! Every splitter guarantees `n_splits(n)? == split(n)?.len()`; impossible
//! configurations are [`Error::Infeasible`] values naming the inequality that failed.
//!
//! ## Example
//! ```
//! use aaiti_walkforward::{Boundary, LabelTimes, Purger, Splitter, WalkForward, audit};
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
mod plot;
mod purge;
mod report;
mod split;
mod stats;
mod walk;

pub use crate::{
    calendar::{CalendarTrain, CalendarWalkForward, Freq},
    cpcv::{CombinatorialPurgedCv, MAX_COMBINATIONS},
    error::{Error, Result},
    eval::{ClassificationMetrics, FoldResult, SplitResult, evaluate, evaluate_with_progress},
    plot::{equity_svg, metric_per_split_svg, timeline_svg},
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
