//! # aaiti-drift
//!
//! Drift monitoring that a trading service can trust:
//!
//! * **Streaming detectors** behind one trait, [`DriftDetector`] (`update(value) ->
//!   Result<DriftState>`, `reset`, serde state): [`PageHinkley`] (up/down/both, optional
//!   σ-normalisation), [`Adwin`], [`Ddm`], [`Eddm`], [`HddmA`], [`HddmW`], [`Kswin`] (seed-free,
//!   ChaCha-seeded, or CPython-RNG-compatible) and [`Cusum`]. Detection indices are identical to
//!   river 0.26.1 on the same streams (golden tests under `tests/golden/drift/`).
//! * **Batch two-sample tests**: [`ks_2samp`] (scipy-exact statistic and exact/asymptotic
//!   p-values), [`psi`] (reference-quantile bins or Evidently-compatible bins),
//!   [`wasserstein`], [`jensen_shannon`] / [`js_distance`], [`chi_squared`].
//! * **Per-feature monitoring**: [`FeatureMonitor`] tests every column of a feature matrix in
//!   parallel, corrects across features ([`Correction`]: Bonferroni, Holm, Benjamini–Hochberg)
//!   and can calibrate thresholds on the reference period ([`FeatureMonitor::calibrate`]).
//! * **The seed's rule, guarded**: [`PerformanceMonitor`] (window 20, 5%, relative or absolute,
//!   minimum samples, consecutive bad windows) and [`simulate_false_alarms`], which measures the
//!   false-alarm rate of any detector (table in `docs/drift.md`).
//! * **Trading-aware signals**: [`SharpeMonitor`] (drop judged against the Sharpe standard
//!   error), [`HitRateMonitor`], [`prediction_drift`], a [`VolatilityContext`] so that a regime
//!   change is reported as [`AlarmKind::RegimeChange`], and [`TradingMonitor`] combining them.
//!   Every alarm carries an [`Explanation`] (source, statistic, threshold, window, n, top
//!   features by PSI/KS via [`top_feature_shifts`], regime).
//! * **Retraining triggers**: [`DriftHandler`] receives [`DriftEvent`]s; [`RetrainTrigger`] sets
//!   the seed's drift fields, appends performance history and requests a retrain through a
//!   [`DriftSink`] (implemented by the registry; [`InMemorySink`] here).
//!
//! ## Design notes
//! * River's conventions are kept where they are observable (0-based indices, reset on the
//!   update *after* a drift, 1 = error for binary detectors), so a model monitored in Python
//!   and in Rust alarms at the same point.
//! * Numbers that have a reference (river, scipy, Evidently) are reproduced bit-for-bit where
//!   the algorithm allows, including numpy's pairwise summation and quantile interpolation.
//! * Defaults in data units false-alarm on real data (Page-Hinkley's λ = 50 alarms ~every 1500
//!   points of N(0,1)). Prefer the σ-normalised constructors and read `docs/drift.md` for the
//!   measured false-alarm rates.
//! * **Checkpoint format.** Every detector and monitor state (and every parameter struct) is
//!   serde-serialisable, and a checkpoint restores *exactly*: the restored object continues a
//!   stream with the same `DriftState`s and serialises to the same bytes as the original
//!   (tested for JSON at fresh, warm-up, steady, at-drift and after-drift positions, including
//!   states with NaN or ±∞ such as Page-Hinkley's initial `min S⁺ = +∞`). In human-readable
//!   formats a non-finite `f64` is written as the string `"NaN"`, `"inf"` or `"-inf"` (JSON
//!   has no such numbers, and `serde_json` would write `null`, losing which one it was);
//!   binary formats store the plain `f64`. Reading also accepts `null`, the form earlier
//!   builds wrote, as the value that field held then (NaN, or ±∞ for running extrema such as
//!   DDM's `ps_min` and HDDM_W's cut points), so older checkpoints keep loading.
//! * Hand-written rather than a dependency: no maintained Rust crate reproduces river's or
//!   scipy's exact behaviour; `statrs` supplies the incomplete gamma function, `rayon` the
//!   parallelism, `rand_chacha` the seeded sampling.
//!
//! ## Example
//! ```
//! use aaiti_drift::{Adwin, DriftDetector, DriftState, KsMethod, ks_2samp};
//!
//! let mut adwin = Adwin::default();
//! let mut first = None;
//! for i in 0..4000 {
//!     let x = if i < 2000 { (i % 7) as f64 / 7.0 } else { 1.0 + (i % 7) as f64 / 7.0 };
//!     if adwin.update(x)? == DriftState::Drift && first.is_none() {
//!         first = Some(i);
//!     }
//! }
//! assert!(first.is_some_and(|i| i >= 2000));
//!
//! let a: Vec<f64> = (0..200).map(|i| i as f64).collect();
//! let b: Vec<f64> = (0..200).map(|i| i as f64 + 50.0).collect();
//! let r = ks_2samp(&a, &b, KsMethod::Auto)?;
//! assert!((r.statistic - 0.25).abs() < 1e-12 && r.pvalue < 1e-4);
//! # Ok::<(), aaiti_drift::Error>(())
//! ```
//!
//! ## Feature flags
//! None; everything is always built.

mod adwin;
mod binary;
mod cusum;
mod detector;
mod error;
mod kswin;
mod monitor;
mod page_hinkley;
mod performance;
mod pyrandom;
mod serde_f64;
mod spec;
mod stats;
mod trading;
mod trigger;
mod util;

pub use crate::{
    adwin::{Adwin, AdwinParams},
    binary::{Ddm, DdmParams, Eddm, EddmParams, HddmA, HddmParams, HddmW},
    cusum::{Cusum, CusumParams},
    detector::{Detections, DriftDetector, DriftState, detect},
    error::{Error, Result},
    kswin::{Kswin, KswinParams, KswinSampling},
    monitor::{
        Correction, FeatureMonitor, FeatureReport, FeatureResult, FeatureTest, MonitorConfig,
        adjust_pvalues,
    },
    page_hinkley::{PageHinkley, PageHinkleyParams, PhMode},
    performance::{
        DegradationKind, FalseAlarmEstimate, PerformanceMonitor, PerformanceMonitorConfig,
        simulate_false_alarms,
    },
    spec::{DETECTOR_NAMES, build_detector},
    stats::{
        BinnedProportions, Binning, ChiSquaredResult, KsMethod, KsResult, bin_proportions,
        chi_squared, jensen_shannon, js_distance, ks_2samp, ks_2samp_presorted, kstwo_sf, psi,
        psi_from_proportions, wasserstein, wasserstein_normed,
    },
    trading::{
        AlarmKind, Explanation, FeatureShift, HitRateMonitor, RegimeContext, SharpeMonitor,
        TradingMonitor, VolRegime, VolatilityContext, prediction_drift, sharpe_with_se,
        top_feature_shifts,
    },
    trigger::{
        DriftEvent, DriftFields, DriftHandler, DriftSink, InMemorySink, PerformanceRecord,
        RetrainRequest, RetrainTrigger, drift_fields,
    },
};
