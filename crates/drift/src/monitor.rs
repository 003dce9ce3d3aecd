//! Per-feature distribution monitoring over a whole feature matrix, in parallel, with
//! multiple-testing correction and thresholds calibrated on the reference period.

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, invalid};
use crate::stats::{
    Binning, KsMethod, chi_squared, js_distance, ks_2samp_sorted, psi, wasserstein,
};

/// Multiple-testing correction across features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Correction {
    /// No correction (each feature at level α: with 100 features ~5 false alarms per check).
    None,
    /// Bonferroni: `min(1, m·p)`; controls the family-wise error rate.
    Bonferroni,
    /// Holm's step-down; controls the FWER, uniformly more powerful than Bonferroni.
    Holm,
    /// Benjamini–Hochberg step-up; controls the false discovery rate (equals scipy
    /// `false_discovery_control(p, method="bh")`).
    #[default]
    BenjaminiHochberg,
}

/// Adjusted p-values (same order as the input).
///
/// # Errors
/// [`Error::NonFinite`] / [`Error::InvalidParameter`] for p-values outside [0, 1].
pub fn adjust_pvalues(pvalues: &[f64], correction: Correction) -> Result<Vec<f64>> {
    crate::error::check_finite("p-values", pvalues)?;
    if let Some(i) = pvalues.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(invalid(
            "p-value",
            format!("{} at index {i}", pvalues[i]),
            "must lie in [0, 1]",
        ));
    }
    let m = pvalues.len();
    let mf = m as f64;
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| pvalues[a].total_cmp(&pvalues[b]));
    let mut out = vec![0.0; m];
    match correction {
        Correction::None => out.copy_from_slice(pvalues),
        Correction::Bonferroni => {
            for (o, p) in out.iter_mut().zip(pvalues) {
                *o = (p * mf).min(1.0);
            }
        }
        Correction::Holm => {
            let mut running: f64 = 0.0;
            for (rank, &i) in order.iter().enumerate() {
                let v = ((mf - rank as f64) * pvalues[i]).min(1.0);
                running = running.max(v);
                out[i] = running;
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running: f64 = 1.0;
            for (rank, &i) in order.iter().enumerate().rev() {
                let v = (pvalues[i] * mf / (rank as f64 + 1.0)).min(1.0);
                running = running.min(v);
                out[i] = running;
            }
        }
    }
    Ok(out)
}

/// The per-feature test or distance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum FeatureTest {
    /// Two-sample KS (p-value test; statistic = D).
    Ks,
    /// PSI with the given binning (distance).
    Psi(Binning),
    /// Wasserstein-1 divided by the reference σ (distance, Evidently's normed variant).
    Wasserstein,
    /// Jensen–Shannon distance with the given binning (distance).
    JensenShannon(Binning),
    /// Chi-squared on categorical codes (p-value test).
    ChiSquared,
}

impl FeatureTest {
    /// Short name used in reports.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ks => "ks",
            Self::Psi(_) => "psi",
            Self::Wasserstein => "wasserstein_normed",
            Self::JensenShannon(_) => "jensen_shannon",
            Self::ChiSquared => "chi_squared",
        }
    }
    /// Whether the test yields a p-value.
    #[must_use]
    pub fn has_pvalue(&self) -> bool {
        matches!(self, Self::Ks | Self::ChiSquared)
    }

    /// `(statistic, p-value)` for one feature; `sorted_ref` is the sorted reference column.
    fn evaluate(
        &self,
        reference: &[f64],
        sorted_ref: &[f64],
        current: &[f64],
    ) -> Result<(f64, Option<f64>)> {
        match self {
            Self::Ks => {
                let sc = crate::util::sorted(current);
                let r = ks_2samp_sorted(sorted_ref, &sc, KsMethod::Auto);
                Ok((r.statistic, Some(r.pvalue)))
            }
            Self::Psi(b) => Ok((psi(reference, current, *b)?, None)),
            Self::Wasserstein => {
                let w = wasserstein(reference, current)?;
                let sd = population_std(reference);
                Ok((w / sd.max(0.001), None))
            }
            Self::JensenShannon(b) => Ok((js_distance(reference, current, *b)?, None)),
            Self::ChiSquared => {
                let r = chi_squared(reference, current)?;
                Ok((r.statistic, Some(r.pvalue)))
            }
        }
    }
}

fn population_std(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt()
}

/// Configuration of a [`FeatureMonitor`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MonitorConfig {
    /// The per-feature test.
    pub test: FeatureTest,
    /// Significance level for p-value tests (after correction).
    #[serde(with = "crate::serde_f64")]
    pub alpha: f64,
    /// Correction across features (p-value tests only).
    pub correction: Correction,
    /// Fixed threshold for distance tests when not calibrated (Evidently's 0.1).
    #[serde(with = "crate::serde_f64")]
    pub distance_threshold: f64,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            test: FeatureTest::Ks,
            alpha: 0.05,
            correction: Correction::BenjaminiHochberg,
            distance_threshold: 0.1,
        }
    }
}

/// One feature's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureResult {
    /// Feature name.
    pub name: String,
    /// Test statistic or distance.
    pub statistic: f64,
    /// Raw p-value (p-value tests).
    pub pvalue: Option<f64>,
    /// Corrected p-value (p-value tests).
    pub adjusted_pvalue: Option<f64>,
    /// The threshold the decision used: calibrated statistic threshold, the distance threshold,
    /// or α for p-value tests.
    pub threshold: f64,
    /// Whether this feature drifted.
    pub drifted: bool,
}

/// Outcome of [`FeatureMonitor::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReport {
    /// Test used.
    pub test: String,
    /// Correction used.
    pub correction: Correction,
    /// Whether decisions used calibrated thresholds.
    pub calibrated: bool,
    /// Reference rows.
    pub n_reference: usize,
    /// Current rows.
    pub n_current: usize,
    /// Per-feature results, in column order.
    pub features: Vec<FeatureResult>,
}

impl FeatureReport {
    /// Number of drifted features.
    #[must_use]
    pub fn n_drifted(&self) -> usize {
        self.features.iter().filter(|f| f.drifted).count()
    }
    /// Share of drifted features (Evidently's dataset-drift rule compares it with 0.5).
    #[must_use]
    pub fn share_drifted(&self) -> f64 {
        if self.features.is_empty() {
            0.0
        } else {
            self.n_drifted() as f64 / self.features.len() as f64
        }
    }
    /// The `k` features with the largest statistic (most shifted first).
    #[must_use]
    pub fn top(&self, k: usize) -> Vec<&FeatureResult> {
        let mut v: Vec<&FeatureResult> = self.features.iter().collect();
        v.sort_by(|a, b| b.statistic.total_cmp(&a.statistic));
        v.truncate(k);
        v
    }
}

/// Monitors every column of a feature matrix against a reference period.
///
/// Columns are tested in parallel (rayon). p-value tests are corrected across features
/// ([`Correction`]); distances use a fixed threshold unless [`FeatureMonitor::calibrate`] set
/// per-feature thresholds from the reference period itself (adaptive thresholds).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeatureMonitor {
    names: Vec<String>,
    /// Reference columns (chronological) and their sorted copies.
    columns: Vec<Vec<f64>>,
    sorted: Vec<Vec<f64>>,
    config: MonitorConfig,
    #[serde(with = "crate::serde_f64::option_vec")]
    thresholds: Option<Vec<f64>>,
}

fn columns_of(names: &[String], m: &ArrayView2<'_, f64>, what: &str) -> Result<Vec<Vec<f64>>> {
    if m.ncols() != names.len() {
        return Err(Error::FeatureMismatch {
            detail: format!(
                "{what} has {} columns but {} feature names were given",
                m.ncols(),
                names.len()
            ),
        });
    }
    if m.nrows() == 0 {
        return Err(Error::Empty {
            what: format!("{what} matrix"),
        });
    }
    let mut cols = Vec::with_capacity(m.ncols());
    for (j, col) in m.columns().into_iter().enumerate() {
        let v: Vec<f64> = col.iter().copied().collect();
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                what: format!("{what} feature {:?}", names[j]),
                index: i,
                value: v[i],
            });
        }
        cols.push(v);
    }
    Ok(cols)
}

fn columns_to_matrix(columns: &[Vec<f64>]) -> Result<ndarray::Array2<f64>> {
    let rows = columns.first().map_or(0, Vec::len);
    if let Some(c) = columns.iter().find(|c| c.len() != rows) {
        return Err(Error::LengthMismatch {
            what: "feature columns".into(),
            left: rows,
            right: c.len(),
        });
    }
    let mut m = ndarray::Array2::zeros((rows, columns.len()));
    for (j, c) in columns.iter().enumerate() {
        for (i, v) in c.iter().enumerate() {
            m[[i, j]] = *v;
        }
    }
    Ok(m)
}

impl FeatureMonitor {
    /// A monitor for the given reference matrix (rows = time, columns = features).
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] when names and columns disagree or names repeat,
    /// [`Error::Empty`] for no rows, [`Error::NonFinite`] naming the feature and row,
    /// [`Error::InvalidParameter`] for `alpha` outside (0, 1) or a non-positive distance threshold.
    pub fn new(
        names: Vec<String>,
        reference: ArrayView2<'_, f64>,
        config: MonitorConfig,
    ) -> Result<Self> {
        if !(config.alpha > 0.0 && config.alpha < 1.0) {
            return Err(invalid("alpha", config.alpha, "must lie in (0, 1)"));
        }
        if !(config.distance_threshold > 0.0 && config.distance_threshold.is_finite()) {
            return Err(invalid(
                "distance_threshold",
                config.distance_threshold,
                "must be finite and > 0",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(Error::FeatureMismatch {
                detail: format!("feature name {dup:?} repeats"),
            });
        }
        let columns = columns_of(&names, &reference, "reference")?;
        let sorted = columns.par_iter().map(|c| crate::util::sorted(c)).collect();
        Ok(Self {
            names,
            columns,
            sorted,
            config,
            thresholds: None,
        })
    }

    /// As [`FeatureMonitor::new`], from one `Vec` per feature (column-major), for callers without
    /// `ndarray`.
    ///
    /// # Errors
    /// As [`FeatureMonitor::new`]; [`Error::LengthMismatch`] for columns of different lengths.
    pub fn from_columns(
        names: Vec<String>,
        columns: &[Vec<f64>],
        config: MonitorConfig,
    ) -> Result<Self> {
        let m = columns_to_matrix(columns)?;
        Self::new(names, m.view(), config)
    }

    /// As [`FeatureMonitor::check`], from one `Vec` per feature.
    ///
    /// # Errors
    /// As [`FeatureMonitor::check`]; [`Error::LengthMismatch`] for columns of different lengths.
    pub fn check_columns(&self, names: &[String], columns: &[Vec<f64>]) -> Result<FeatureReport> {
        let m = columns_to_matrix(columns)?;
        self.check(names, m.view())
    }

    /// Feature names.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Calibrated thresholds, if any.
    #[must_use]
    pub fn thresholds(&self) -> Option<&[f64]> {
        self.thresholds.as_deref()
    }

    /// Calibrates a per-feature threshold on the statistic from the reference period alone:
    /// the first half of the reference is the baseline, the second half is cut into
    /// consecutive, non-overlapping windows of `window` rows, the statistic of each window
    /// against the baseline is computed, and the threshold is their `quantile` (linear
    /// interpolation). These windows are drift-free by assumption, so the threshold is the
    /// statistic's own null spread at this window size and scale — including its small-sample
    /// bias (PSI) and serial correlation. Afterwards every test (also KS and χ²) decides by
    /// `statistic > threshold`.
    ///
    /// # Errors
    /// [`Error::TooFew`] if the second half holds fewer than 5 windows; [`Error::InvalidParameter`]
    /// for `window` = 0 or `quantile` outside (0, 1].
    pub fn calibrate(&mut self, window: usize, quantile: f64) -> Result<()> {
        if window == 0 {
            return Err(invalid("window", window, "must be >= 1"));
        }
        if !(quantile > 0.0 && quantile <= 1.0) {
            return Err(invalid("quantile", quantile, "must lie in (0, 1]"));
        }
        let n = self.columns.first().map_or(0, Vec::len);
        let half = n / 2;
        let n_windows = (n - half) / window;
        if n_windows < 5 {
            return Err(Error::TooFew {
                what: format!(
                    "calibration windows of {window} rows in the second half of the reference"
                ),
                needed: 5,
                got: n_windows,
            });
        }
        let test = self.config.test;
        let thresholds: Result<Vec<f64>> = self
            .columns
            .par_iter()
            .map(|col| {
                let base = &col[..half];
                let base_sorted = crate::util::sorted(base);
                let mut stats = Vec::with_capacity(n_windows);
                for w in 0..n_windows {
                    let s = half + w * window;
                    let (st, _) = test.evaluate(base, &base_sorted, &col[s..s + window])?;
                    stats.push(st);
                }
                stats.sort_by(f64::total_cmp);
                Ok(crate::stats::numpy::quantile_linear(&stats, quantile))
            })
            .collect();
        self.thresholds = Some(thresholds?);
        Ok(())
    }

    /// Tests every feature of `current` (same column names, same order) against the reference.
    ///
    /// # Errors
    /// [`Error::FeatureMismatch`] naming the first differing column, [`Error::Empty`],
    /// [`Error::NonFinite`] naming feature and row, and test-specific errors.
    pub fn check(&self, names: &[String], current: ArrayView2<'_, f64>) -> Result<FeatureReport> {
        if names.len() != self.names.len() {
            return Err(Error::FeatureMismatch {
                detail: format!(
                    "current has {} features, reference has {}",
                    names.len(),
                    self.names.len()
                ),
            });
        }
        if let Some((a, b)) = self.names.iter().zip(names).find(|(a, b)| a != b) {
            return Err(Error::FeatureMismatch {
                detail: format!("expected column {a:?}, found {b:?}"),
            });
        }
        let cols = columns_of(names, &current, "current")?;
        let test = self.config.test;
        let raw: Result<Vec<(f64, Option<f64>)>> = self
            .columns
            .par_iter()
            .zip(self.sorted.par_iter())
            .zip(cols.par_iter())
            .map(|((r, rs), c)| test.evaluate(r, rs, c))
            .collect();
        let raw = raw?;
        let adjusted = if test.has_pvalue() {
            let ps: Vec<f64> = raw.iter().map(|(_, p)| p.unwrap_or(1.0)).collect();
            Some(adjust_pvalues(&ps, self.config.correction)?)
        } else {
            None
        };
        let features = raw
            .iter()
            .enumerate()
            .map(|(j, &(statistic, pvalue))| {
                let adj = adjusted.as_ref().map(|a| a[j]);
                let (threshold, drifted) = match (&self.thresholds, adj) {
                    (Some(t), _) => (t[j], statistic > t[j]),
                    (None, Some(a)) => (self.config.alpha, a < self.config.alpha),
                    (None, None) => (
                        self.config.distance_threshold,
                        statistic >= self.config.distance_threshold,
                    ),
                };
                FeatureResult {
                    name: self.names[j].clone(),
                    statistic,
                    pvalue,
                    adjusted_pvalue: adj,
                    threshold,
                    drifted,
                }
            })
            .collect();
        Ok(FeatureReport {
            test: test.name().to_string(),
            correction: self.config.correction,
            calibrated: self.thresholds.is_some(),
            n_reference: self.columns.first().map_or(0, Vec::len),
            n_current: current.nrows(),
            features,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bh_matches_scipy_false_discovery_control() {
        // scipy 1.17.1: false_discovery_control(p, method="bh")
        let p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.049, 0.001];
        let want = [
            0.026666666666666665,
            0.064,
            0.06,
            0.02,
            0.22857142857142856,
            0.5,
            0.06533333333333333,
            0.008,
        ];
        let got = adjust_pvalues(&p, Correction::BenjaminiHochberg).unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-15, "{g} vs {w}");
        }
    }

    #[test]
    fn holm_and_bonferroni_by_hand() {
        let p = [0.01, 0.04, 0.03, 0.005];
        // Bonferroni: 4p capped at 1
        assert_eq!(
            adjust_pvalues(&p, Correction::Bonferroni).unwrap(),
            vec![0.04, 0.16, 0.12, 0.02]
        );
        // Holm: sorted 0.005,0.01,0.03,0.04 → 4·0.005=0.02, 3·0.01=0.03, 2·0.03=0.06, 1·0.04→max(0.06,0.04)=0.06
        let h = adjust_pvalues(&p, Correction::Holm).unwrap();
        let want = [0.03, 0.06, 0.06, 0.02];
        for (g, w) in h.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{g} vs {w}");
        }
        assert!(adjust_pvalues(&[0.5, 1.5], Correction::Holm).is_err());
    }
}
