//! Aggregation, the production verdict, the stitched out-of-sample equity curve
//! and the JSON report.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, invalid};
use crate::eval::SplitResult;
use crate::stats::{deflated_sharpe_ratio, sharpe_moments};

/// Mean, standard deviation (ddof = 1; 0 for a single value), extremes and
/// where they occur.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricStats {
    /// Number of splits with this metric.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (ddof = 1).
    pub std: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Split id of the minimum (first on ties).
    pub argmin: usize,
    /// Split id of the maximum (first on ties).
    pub argmax: usize,
    /// Mean absolute change between consecutive splits (fold-to-fold
    /// stability; lower is steadier; 0 for one split).
    pub fold_to_fold_change: f64,
}

impl MetricStats {
    /// Statistics of `(split id, value)` pairs (in split order).
    ///
    /// # Errors
    /// [`Error::InsufficientData`] when empty, [`Error::NonFinite`] for NaN/inf.
    pub fn from_values(values: &[(usize, f64)]) -> Result<Self> {
        let Some(&(first_id, first)) = values.first() else {
            return Err(Error::InsufficientData {
                what: "splits for metric statistics",
                got: 0,
                need: 1,
            });
        };
        if let Some(p) = values.iter().position(|v| !v.1.is_finite()) {
            return Err(Error::NonFinite {
                what: "split metric",
                index: values[p].0,
            });
        }
        #[allow(clippy::cast_precision_loss, reason = "split counts")]
        let n = values.len() as f64;
        let mean = values.iter().map(|v| v.1).sum::<f64>() / n;
        let std = if values.len() > 1 {
            (values.iter().map(|v| (v.1 - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        let (mut min, mut max, mut argmin, mut argmax) = (first, first, first_id, first_id);
        for &(id, v) in values {
            if v < min {
                (min, argmin) = (v, id);
            }
            if v > max {
                (max, argmax) = (v, id);
            }
        }
        let f2f = if values.len() > 1 {
            values
                .windows(2)
                .map(|w| (w[1].1 - w[0].1).abs())
                .sum::<f64>()
                / (n - 1.0)
        } else {
            0.0
        };
        Ok(Self {
            n: values.len(),
            mean,
            std,
            min,
            max,
            argmin,
            argmax,
            fold_to_fold_change: f2f,
        })
    }
}

/// The seed's recommendation levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Recommendation {
    /// Below the marginal accuracy threshold.
    Poor,
    /// Above 50 % mean accuracy (default) but not acceptable.
    Marginal,
    /// > 55 % mean accuracy and > 70 % consistency (defaults): needs tuning.
    Acceptable,
    /// > 60 % mean accuracy and > 80 % consistency (defaults): production ready.
    Good,
}

/// Verdict thresholds (the seed's values are the defaults; missing keys take
/// their default when deserialised).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerdictConfig {
    /// GOOD needs mean accuracy strictly above this (0.60).
    pub good_accuracy: f64,
    /// GOOD needs consistency strictly above this (0.80).
    pub good_consistency: f64,
    /// ACCEPTABLE needs mean accuracy strictly above this (0.55).
    pub acceptable_accuracy: f64,
    /// ACCEPTABLE needs consistency strictly above this (0.70).
    pub acceptable_consistency: f64,
    /// MARGINAL needs mean accuracy strictly above this (0.50).
    pub marginal_accuracy: f64,
    /// A split is "consistent" when its accuracy is strictly above this (0.50).
    pub split_accuracy_threshold: f64,
    /// Splits with fewer test rows are flagged and cap the verdict at MARGINAL (30).
    pub min_test_samples: usize,
}

impl Default for VerdictConfig {
    fn default() -> Self {
        Self {
            good_accuracy: 0.60,
            good_consistency: 0.80,
            acceptable_accuracy: 0.55,
            acceptable_consistency: 0.70,
            marginal_accuracy: 0.50,
            split_accuracy_threshold: 0.50,
            min_test_samples: 30,
        }
    }
}

/// The recommendation and the reasons for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Recommendation level.
    pub recommendation: Recommendation,
    /// Human-readable reasons (thresholds met or missed).
    pub reasons: Vec<String>,
}

/// One point of the stitched out-of-sample equity curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EquityPoint {
    /// Row index.
    pub row: usize,
    /// Split that provided this row's return.
    pub split: usize,
    /// The row's strategy return.
    pub ret: f64,
    /// Compounded equity after this row, starting from 1.
    pub equity: f64,
}

/// Overfitting statistics of the stitched OOS returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverfitStats {
    /// Per-period Sharpe ratio of the stitched OOS returns.
    pub sharpe: f64,
    /// PSR against a zero benchmark.
    pub psr: Option<f64>,
    /// DSR against the trial Sharpe ratios, if given.
    pub dsr: Option<f64>,
    /// Minimum track record length (periods) for 95 % confidence that SR > 0.
    pub min_track_record_length: Option<f64>,
}

/// Aggregated walk-forward results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of splits.
    pub n_splits: usize,
    /// Accuracy statistics (splits with classification metrics).
    pub accuracy: Option<MetricStats>,
    /// Precision statistics.
    pub precision: Option<MetricStats>,
    /// Recall statistics.
    pub recall: Option<MetricStats>,
    /// F1 statistics.
    pub f1: Option<MetricStats>,
    /// Statistics of every trading metric, by name.
    pub trading: BTreeMap<String, MetricStats>,
    /// Consistency score: fraction of splits whose accuracy is strictly above
    /// `split_accuracy_threshold` (0.5 by default, i.e. better than a coin).
    pub consistency: Option<f64>,
    /// Split ids with fewer test rows than `min_test_samples`.
    pub undersized_splits: Vec<usize>,
    /// Total test rows over all splits (overlapping rows counted once per split).
    pub total_test_rows: usize,
}

/// The full walk-forward report (serialisable to JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Per-split rows.
    pub splits: Vec<SplitResult>,
    /// Aggregates.
    pub summary: Summary,
    /// Recommendation.
    pub verdict: Verdict,
    /// Stitched OOS equity curve (each row once: where test windows overlap
    /// the earliest split providing the row wins).
    pub equity: Vec<EquityPoint>,
    /// PSR/DSR/MinTRL of the stitched OOS returns (when enough returns were given).
    pub statistics: Option<OverfitStats>,
    /// Thresholds used.
    pub config: VerdictConfig,
}

fn stats_of(
    results: &[SplitResult],
    get: impl Fn(&SplitResult) -> Option<f64>,
) -> Result<Option<MetricStats>> {
    let v: Vec<(usize, f64)> = results
        .iter()
        .filter_map(|r| get(r).map(|x| (r.split, x)))
        .collect();
    if v.is_empty() {
        Ok(None)
    } else {
        MetricStats::from_values(&v).map(Some)
    }
}

/// Stitch per-split OOS returns into one equity curve.
///
/// # Errors
/// [`Error::LengthMismatch`] if a split's `oos_returns` is non-empty and its
/// length differs from its number of test rows.
pub fn stitch_equity(results: &[SplitResult]) -> Result<Vec<EquityPoint>> {
    let mut seen = BTreeSet::new();
    let mut pts: Vec<(usize, usize, f64)> = Vec::new();
    for r in results {
        let rets = &r.result.oos_returns;
        if rets.is_empty() {
            continue;
        }
        if rets.len() != r.n_test {
            return Err(Error::LengthMismatch {
                what: "oos_returns of a split (must have one value per test row)",
                got: rets.len(),
                expected: r.n_test,
            });
        }
        let rows = r.test.iter().flat_map(Clone::clone);
        for (row, &ret) in rows.zip(rets) {
            if seen.insert(row) {
                pts.push((row, r.split, ret));
            }
        }
    }
    pts.sort_by_key(|p| p.0);
    let mut eq = 1.0;
    Ok(pts
        .into_iter()
        .map(|(row, split, ret)| {
            eq *= 1.0 + ret;
            EquityPoint {
                row,
                split,
                ret,
                equity: eq,
            }
        })
        .collect())
}

fn verdict(summary: &Summary, cfg: &VerdictConfig) -> Verdict {
    let mut reasons = Vec::new();
    let (Some(acc), Some(cons)) = (&summary.accuracy, summary.consistency) else {
        return Verdict {
            recommendation: Recommendation::Poor,
            reasons: vec!["no split reported classification metrics".into()],
        };
    };
    let m = acc.mean;
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let mut rec = if m > cfg.good_accuracy && cons > cfg.good_consistency {
        reasons.push(format!(
            "GOOD: mean accuracy {} > {} and consistency {} > {} (production ready)",
            pct(m),
            pct(cfg.good_accuracy),
            pct(cons),
            pct(cfg.good_consistency)
        ));
        Recommendation::Good
    } else if m > cfg.acceptable_accuracy && cons > cfg.acceptable_consistency {
        reasons.push(format!(
            "ACCEPTABLE: mean accuracy {} > {} and consistency {} > {} (needs tuning); GOOD needs > {} and > {}",
            pct(m), pct(cfg.acceptable_accuracy), pct(cons), pct(cfg.acceptable_consistency),
            pct(cfg.good_accuracy), pct(cfg.good_consistency)
        ));
        Recommendation::Acceptable
    } else if m > cfg.marginal_accuracy {
        reasons.push(format!(
            "MARGINAL: mean accuracy {} > {} but ACCEPTABLE needs accuracy > {} and consistency > {} (got {})",
            pct(m), pct(cfg.marginal_accuracy), pct(cfg.acceptable_accuracy),
            pct(cfg.acceptable_consistency), pct(cons)
        ));
        Recommendation::Marginal
    } else {
        reasons.push(format!(
            "POOR: mean accuracy {} <= {}",
            pct(m),
            pct(cfg.marginal_accuracy)
        ));
        Recommendation::Poor
    };
    reasons.push(format!(
        "accuracy std {:.4}, worst split {} ({}), best split {} ({})",
        acc.std,
        acc.argmin,
        pct(acc.min),
        acc.argmax,
        pct(acc.max)
    ));
    if !summary.undersized_splits.is_empty() {
        reasons.push(format!(
            "splits {:?} have fewer than {} test rows: verdict capped at MARGINAL",
            summary.undersized_splits, cfg.min_test_samples
        ));
        rec = rec.min(Recommendation::Marginal);
    }
    Verdict {
        recommendation: rec,
        reasons,
    }
}

impl Report {
    /// Aggregate evaluated splits, compute the verdict, the stitched equity
    /// curve and (when at least 3 stitched returns exist) PSR/MinTRL, plus DSR
    /// against `trial_sharpes` when given (e.g. from the registry).
    ///
    /// # Errors
    /// [`Error::InsufficientData`] for no splits, [`Error::InvalidParameter`]
    /// for inconsistent thresholds, and the errors of [`stitch_equity`] and
    /// [`MetricStats::from_values`].
    pub fn new(
        results: Vec<SplitResult>,
        cfg: VerdictConfig,
        trial_sharpes: Option<&[f64]>,
    ) -> Result<Self> {
        if results.is_empty() {
            return Err(Error::InsufficientData {
                what: "evaluated splits",
                got: 0,
                need: 1,
            });
        }
        if !(cfg.good_accuracy >= cfg.acceptable_accuracy
            && cfg.acceptable_accuracy >= cfg.marginal_accuracy)
        {
            return Err(invalid(
                "VerdictConfig",
                "good_accuracy >= acceptable_accuracy >= marginal_accuracy must hold",
            ));
        }
        let cls = |f: fn(&crate::eval::ClassificationMetrics) -> f64| {
            move |r: &SplitResult| r.result.classification.as_ref().map(f)
        };
        let accuracy = stats_of(&results, cls(|c| c.accuracy))?;
        let precision = stats_of(&results, cls(|c| c.precision))?;
        let recall = stats_of(&results, cls(|c| c.recall))?;
        let f1 = stats_of(&results, cls(|c| c.f1))?;
        let names: BTreeSet<&String> = results
            .iter()
            .flat_map(|r| r.result.trading.keys())
            .collect();
        let mut trading = BTreeMap::new();
        for name in names {
            if let Some(s) = stats_of(&results, |r| r.result.trading.get(name).copied())? {
                trading.insert(name.clone(), s);
            }
        }
        let with_cls: Vec<f64> = results
            .iter()
            .filter_map(|r| r.result.classification.map(|c| c.accuracy))
            .collect();
        #[allow(clippy::cast_precision_loss, reason = "split counts")]
        let consistency = (!with_cls.is_empty()).then(|| {
            with_cls
                .iter()
                .filter(|&&a| a > cfg.split_accuracy_threshold)
                .count() as f64
                / with_cls.len() as f64
        });
        let summary = Summary {
            n_splits: results.len(),
            accuracy,
            precision,
            recall,
            f1,
            trading,
            consistency,
            undersized_splits: results
                .iter()
                .filter(|r| r.n_test < cfg.min_test_samples)
                .map(|r| r.split)
                .collect(),
            total_test_rows: results.iter().map(|r| r.n_test).sum(),
        };
        let verdict = verdict(&summary, &cfg);
        let equity = stitch_equity(&results)?;
        let rets: Vec<f64> = equity.iter().map(|p| p.ret).collect();
        let statistics = match sharpe_moments(&rets, 0.0) {
            Ok(m) => Some(OverfitStats {
                sharpe: m.sharpe,
                psr: m.psr(0.0).ok(),
                dsr: trial_sharpes.and_then(|t| deflated_sharpe_ratio(&rets, t, 0.0, None).ok()),
                min_track_record_length: m.min_track_record_length(0.0, 0.95).ok(),
            }),
            Err(_) => None,
        };
        Ok(Self {
            splits: results,
            summary,
            verdict,
            equity,
            statistics,
            config: cfg,
        })
    }

    /// Serialise to pretty JSON.
    ///
    /// # Errors
    /// [`Error::Output`] if serialisation fails (e.g. a NaN is not representable).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Output(e.to_string()))
    }

    /// The verdict and its reasons as printable lines.
    #[must_use]
    pub fn verdict_text(&self) -> String {
        let mut s = format!("Recommendation: {:?}\n", self.verdict.recommendation).to_uppercase();
        for r in &self.verdict.reasons {
            s.push_str("  - ");
            s.push_str(r);
            s.push('\n');
        }
        s
    }
}
