//! The seed's performance-degradation rule ("mean of the last 20 records more than 5% below the
//! validation baseline"), made configurable and guarded, plus a false-alarm simulator.

use std::collections::VecDeque;

use rand::Rng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::detector::{DriftDetector, DriftState, finite};
use crate::error::{Result, invalid};

/// How the degradation threshold is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum DegradationKind {
    /// `(baseline − mean) / |baseline| > threshold` (the seed's "5%").
    #[default]
    Relative,
    /// `baseline − mean > threshold` (e.g. 5 accuracy points).
    Absolute,
}

/// Configuration of [`PerformanceMonitor`].
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `window` | 20 | records averaged (the seed's N) |
/// | `threshold` | 0.05 | tolerated degradation (the seed's 5%) |
/// | `kind` | relative | relative or absolute threshold |
/// | `baseline` | — | validation metric (e.g. validation accuracy) |
/// | `higher_is_better` | true | accuracy/hit rate: true; loss: false |
/// | `min_samples` | 20 | records since (re)start before any alarm |
/// | `consecutive` | 1 | bad windows in a row needed for a drift (hysteresis); 1 = seed rule |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerformanceMonitorConfig {
    /// Records averaged.
    pub window: usize,
    /// Tolerated degradation.
    #[serde(with = "crate::serde_f64")]
    pub threshold: f64,
    /// Relative or absolute.
    pub kind: DegradationKind,
    /// Baseline (validation) value of the metric.
    #[serde(with = "crate::serde_f64")]
    pub baseline: f64,
    /// Whether larger metric values are better.
    pub higher_is_better: bool,
    /// Minimum records before alarming.
    pub min_samples: usize,
    /// Consecutive bad windows required.
    pub consecutive: usize,
}

impl PerformanceMonitorConfig {
    /// The seed's rule: 20 records, 5% relative, one bad window alarms.
    #[must_use]
    pub fn seed_rule(baseline: f64) -> Self {
        Self {
            window: 20,
            threshold: 0.05,
            kind: DegradationKind::Relative,
            baseline,
            higher_is_better: true,
            min_samples: 20,
            consecutive: 1,
        }
    }
}

/// The seed's monitor with guards. A window is *bad* when its mean is worse than the baseline by
/// more than the threshold; `consecutive` bad windows in a row (after `min_samples` records)
/// give [`DriftState::Drift`], fewer give [`DriftState::Warning`]. After a drift the monitor
/// restarts on the next record (fresh window), like the streaming detectors.
///
/// The bare seed rule (`consecutive = 1`) false-alarms within a few dozen records at realistic
/// hit rates (see `docs/drift.md` and [`simulate_false_alarms`]); use it together with a
/// sequential detector ([`crate::Ddm`] on the miss indicator, [`crate::Cusum`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceMonitor {
    config: PerformanceMonitorConfig,
    #[serde(with = "crate::serde_f64::vec_deque")]
    buf: VecDeque<f64>,
    #[serde(with = "crate::serde_f64")]
    sum: f64,
    n: u64,
    streak: usize,
    drift: bool,
    #[serde(with = "crate::serde_f64")]
    last_mean: f64,
}

impl PerformanceMonitor {
    /// A monitor with the given configuration.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `window` = 0, a negative or non-finite threshold, a
    /// non-finite baseline (or zero baseline with a relative threshold), `consecutive` = 0, or
    /// `min_samples < window`.
    pub fn new(config: PerformanceMonitorConfig) -> Result<Self> {
        if config.window == 0 {
            return Err(invalid("window", config.window, "must be >= 1"));
        }
        if !(config.threshold.is_finite() && config.threshold >= 0.0) {
            return Err(invalid(
                "threshold",
                config.threshold,
                "must be finite and >= 0",
            ));
        }
        if !config.baseline.is_finite()
            || (config.kind == DegradationKind::Relative && config.baseline == 0.0)
        {
            return Err(invalid(
                "baseline",
                config.baseline,
                "must be finite (and non-zero for a relative threshold)",
            ));
        }
        if config.consecutive == 0 {
            return Err(invalid("consecutive", config.consecutive, "must be >= 1"));
        }
        if config.min_samples < config.window {
            return Err(invalid(
                "min_samples",
                config.min_samples,
                "must be >= window",
            ));
        }
        Ok(Self {
            config,
            buf: VecDeque::with_capacity(config.window),
            sum: 0.0,
            n: 0,
            streak: 0,
            drift: false,
            last_mean: f64::NAN,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &PerformanceMonitorConfig {
        &self.config
    }
    /// Mean of the current window (NaN until it is full).
    #[must_use]
    pub fn window_mean(&self) -> f64 {
        self.last_mean
    }
    /// Degradation of the current window relative to the baseline, in the configured unit
    /// (positive = worse).
    #[must_use]
    pub fn degradation(&self) -> f64 {
        let c = &self.config;
        let diff = if c.higher_is_better {
            c.baseline - self.last_mean
        } else {
            self.last_mean - c.baseline
        };
        match c.kind {
            DegradationKind::Relative => diff / c.baseline.abs(),
            DegradationKind::Absolute => diff,
        }
    }
    /// Current run of consecutive bad windows.
    #[must_use]
    pub fn streak(&self) -> usize {
        self.streak
    }
}

impl DriftDetector for PerformanceMonitor {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.n)?;
        if self.drift {
            self.reset();
        }
        self.n += 1;
        if self.buf.len() == self.config.window
            && let Some(old) = self.buf.pop_front()
        {
            self.sum -= old;
        }
        self.buf.push_back(value);
        self.sum += value;
        if self.buf.len() < self.config.window {
            return Ok(DriftState::Stable);
        }
        // recompute exactly every window to avoid drift of the running sum
        if self.n.is_multiple_of(64 * self.config.window as u64) {
            self.sum = self.buf.iter().sum();
        }
        self.last_mean = self.sum / self.config.window as f64;
        let bad = self.degradation() > self.config.threshold;
        self.streak = if bad { self.streak + 1 } else { 0 };
        if self.n < self.config.min_samples as u64 || !bad {
            return Ok(DriftState::Stable);
        }
        if self.streak >= self.config.consecutive {
            self.drift = true;
            Ok(DriftState::Drift)
        } else {
            Ok(DriftState::Warning)
        }
    }
    fn reset(&mut self) {
        self.buf.clear();
        self.sum = 0.0;
        self.n = 0;
        self.streak = 0;
        self.drift = false;
        self.last_mean = f64::NAN;
    }
    fn name(&self) -> &'static str {
        "performance_window"
    }
    fn n_seen(&self) -> u64 {
        self.n
    }
}

/// Run-length statistics of false alarms under no drift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FalseAlarmEstimate {
    /// Mean number of records until the first (false) drift, counting censored runs at
    /// `max_records` (so a lower bound when `censored > 0`).
    pub mean_records: f64,
    /// Median records to the first false drift.
    pub median_records: f64,
    /// Runs without any alarm within `max_records`.
    pub censored: usize,
    /// Runs simulated.
    pub runs: usize,
}

/// Monte-Carlo estimate of the in-control run length (ARL0) of any detector fed Bernoulli
/// records with success probability `hit_rate` (1 = hit) and no drift. `make` builds a fresh
/// detector per run; `transform` maps the hit indicator to the detector's input (identity for
/// the performance monitor, `1 − hit` for DDM-style miss indicators). Seeded (ChaCha8), hence
/// reproducible.
///
/// # Errors
/// [`crate::Error::InvalidParameter`] for `hit_rate` outside [0, 1] or zero runs; errors of
/// `make` or of the detector.
pub fn simulate_false_alarms<D: DriftDetector>(
    make: impl Fn() -> Result<D>,
    transform: impl Fn(f64) -> f64,
    hit_rate: f64,
    runs: usize,
    max_records: usize,
    seed: u64,
) -> Result<FalseAlarmEstimate> {
    if !(0.0..=1.0).contains(&hit_rate) {
        return Err(invalid("hit_rate", hit_rate, "must lie in [0, 1]"));
    }
    if runs == 0 {
        return Err(invalid("runs", runs, "must be >= 1"));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut lengths = Vec::with_capacity(runs);
    let mut censored = 0;
    for _ in 0..runs {
        let mut d = make()?;
        let mut len = max_records;
        let mut hit_any = false;
        for t in 0..max_records {
            let x = if rng.random::<f64>() < hit_rate {
                1.0
            } else {
                0.0
            };
            if d.update(transform(x))?.is_drift() {
                len = t + 1;
                hit_any = true;
                break;
            }
        }
        if !hit_any {
            censored += 1;
        }
        lengths.push(len as f64);
    }
    let mean = lengths.iter().sum::<f64>() / runs as f64;
    lengths.sort_by(f64::total_cmp);
    let median = crate::stats::numpy::quantile_linear(&lengths, 0.5);
    Ok(FalseAlarmEstimate {
        mean_records: mean,
        median_records: median,
        censored,
        runs,
    })
}
