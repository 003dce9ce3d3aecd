//! Trading-aware signals: Sharpe degradation judged with its standard error, hit-rate drift,
//! prediction-distribution drift, and a volatility-regime context so that a regime change is
//! reported as such rather than as model failure. Every alarm carries an [`Explanation`].

use std::collections::VecDeque;

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::detector::{DriftDetector, DriftState, finite};
use crate::error::{Error, Result, check_sample, invalid};
use crate::stats::{Binning, KsMethod, ks_2samp, psi};

/// What an alarm means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AlarmKind {
    /// Performance fell while the market regime is unchanged: suspect the model.
    ModelDegradation,
    /// Performance fell during a volatility-regime change: the market moved, not (necessarily)
    /// the model.
    RegimeChange,
    /// Input-feature distributions shifted.
    DataDrift,
    /// The model's prediction distribution shifted.
    PredictionDrift,
}

/// How much one feature moved (for explanations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureShift {
    /// Feature name.
    pub name: String,
    /// PSI (reference-quantile deciles).
    pub psi: f64,
    /// KS statistic.
    pub ks: f64,
    /// KS p-value.
    pub ks_pvalue: f64,
}

/// Volatility-regime label of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VolRegime {
    /// Below the reference's lower tercile of rolling volatility.
    Low,
    /// Between the terciles.
    Normal,
    /// Above the reference's upper tercile.
    High,
}

/// Volatility context at alarm time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegimeContext {
    /// Standard deviation of returns over the whole reference period.
    pub reference_vol: f64,
    /// Standard deviation of the recent returns.
    pub current_vol: f64,
    /// `current_vol / reference_vol`.
    pub ratio: f64,
    /// Regime of the recent window.
    pub regime: VolRegime,
    /// `true` when the ratio is outside `[1/r, r]` for the configured ratio `r`.
    pub changed: bool,
}

/// Explanation record carried by every alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Detector or test that fired ("sharpe_degradation", "hit_rate", "ks", "adwin", ...).
    pub source: String,
    /// What the alarm means.
    pub kind: AlarmKind,
    /// The statistic (z-score, D, PSI, ...).
    pub statistic: f64,
    /// The threshold it crossed.
    pub threshold: f64,
    /// Window length the statistic was computed on.
    pub window: usize,
    /// Observations consumed by the monitor when it fired.
    pub n: u64,
    /// Top features by PSI at alarm time (empty when no features were supplied).
    pub top_features: Vec<FeatureShift>,
    /// Volatility context (when known).
    pub regime: Option<RegimeContext>,
    /// Human-readable summary.
    pub message: String,
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

/// Per-period Sharpe ratio and its standard error under iid returns (Lo 2002):
/// `se = sqrt((1 + SR²/2) / n)`. Returns `(sr, se)`; NaN when σ = 0.
#[must_use]
pub fn sharpe_with_se(returns: &[f64]) -> (f64, f64) {
    if returns.len() < 2 {
        return (f64::NAN, f64::NAN);
    }
    let (m, sd) = mean_sd(returns);
    let sr = m / sd;
    (sr, ((1.0 + 0.5 * sr * sr) / returns.len() as f64).sqrt())
}

/// Rolling-Sharpe degradation: `z = (SR_live − SR_ref) / sqrt(se_live² + se_ref²)` over the last
/// `window` returns, bad when `z < −z_crit`; `consecutive` bad windows give a drift. A raw
/// "Sharpe fell by x%" rule ignores that a 60-day Sharpe has a standard error near 0.13 per day
/// (≈ 2 annualised): this judges the drop against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharpeMonitor {
    #[serde(with = "crate::serde_f64")]
    ref_sr: f64,
    #[serde(with = "crate::serde_f64")]
    ref_se: f64,
    window: usize,
    #[serde(with = "crate::serde_f64")]
    z_crit: f64,
    consecutive: usize,
    #[serde(with = "crate::serde_f64::vec_deque")]
    buf: VecDeque<f64>,
    streak: usize,
    n: u64,
    #[serde(with = "crate::serde_f64")]
    last_z: f64,
    drift: bool,
}

impl SharpeMonitor {
    /// From reference (validation/backtest) returns.
    ///
    /// # Errors
    /// [`Error::TooFew`] for fewer than 2 reference returns or `window < 2`,
    /// [`Error::NonFinite`], [`Error::InvalidParameter`] for constant reference returns,
    /// non-positive `z_crit` or `consecutive` = 0.
    pub fn new(
        reference_returns: &[f64],
        window: usize,
        z_crit: f64,
        consecutive: usize,
    ) -> Result<Self> {
        check_sample("reference returns", reference_returns)?;
        if reference_returns.len() < 2 {
            return Err(Error::TooFew {
                what: "reference returns".into(),
                needed: 2,
                got: reference_returns.len(),
            });
        }
        if window < 2 {
            return Err(Error::TooFew {
                what: "Sharpe window".into(),
                needed: 2,
                got: window,
            });
        }
        if !(z_crit > 0.0 && z_crit.is_finite()) {
            return Err(invalid("z_crit", z_crit, "must be finite and > 0"));
        }
        if consecutive == 0 {
            return Err(invalid("consecutive", consecutive, "must be >= 1"));
        }
        let (sr, se) = sharpe_with_se(reference_returns);
        if !sr.is_finite() {
            return Err(invalid(
                "reference returns",
                "constant",
                "Sharpe undefined (σ = 0)",
            ));
        }
        Ok(Self {
            ref_sr: sr,
            ref_se: se,
            window,
            z_crit,
            consecutive,
            buf: VecDeque::with_capacity(window),
            streak: 0,
            n: 0,
            last_z: f64::NAN,
            drift: false,
        })
    }
    /// Last z-score (NaN until the window is full).
    #[must_use]
    pub fn z(&self) -> f64 {
        self.last_z
    }
    /// Reference per-period Sharpe and its standard error.
    #[must_use]
    pub fn reference(&self) -> (f64, f64) {
        (self.ref_sr, self.ref_se)
    }
    /// Window length.
    #[must_use]
    pub fn window(&self) -> usize {
        self.window
    }
    /// Critical z.
    #[must_use]
    pub fn z_crit(&self) -> f64 {
        self.z_crit
    }
}

impl DriftDetector for SharpeMonitor {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.n)?;
        if self.drift {
            self.reset();
        }
        self.n += 1;
        if self.buf.len() == self.window {
            self.buf.pop_front();
        }
        self.buf.push_back(value);
        if self.buf.len() < self.window {
            return Ok(DriftState::Stable);
        }
        let (sr, se) = sharpe_with_se(self.buf.make_contiguous());
        let z = if sr.is_finite() {
            (sr - self.ref_sr) / (se * se + self.ref_se * self.ref_se).sqrt()
        } else {
            0.0
        };
        self.last_z = z;
        if z < -self.z_crit {
            self.streak += 1;
            if self.streak >= self.consecutive {
                self.drift = true;
                return Ok(DriftState::Drift);
            }
            return Ok(DriftState::Warning);
        }
        self.streak = 0;
        Ok(DriftState::Stable)
    }
    fn reset(&mut self) {
        self.buf.clear();
        self.streak = 0;
        self.n = 0;
        self.last_z = f64::NAN;
        self.drift = false;
    }
    fn name(&self) -> &'static str {
        "sharpe_degradation"
    }
    fn n_seen(&self) -> u64 {
        self.n
    }
}

/// Hit-rate drift: one-sided binomial z-test of the last `window` hits against the baseline hit
/// rate `p0`, `z = (p̂ − p0)/sqrt(p0(1−p0)/window)`, bad when `z < −z_crit`, drift after
/// `consecutive` bad windows. Input: 1 = hit, 0 = miss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitRateMonitor {
    #[serde(with = "crate::serde_f64")]
    p0: f64,
    window: usize,
    #[serde(with = "crate::serde_f64")]
    z_crit: f64,
    consecutive: usize,
    #[serde(with = "crate::serde_f64::vec_deque")]
    buf: VecDeque<f64>,
    #[serde(with = "crate::serde_f64")]
    hits: f64,
    streak: usize,
    n: u64,
    #[serde(with = "crate::serde_f64")]
    last_z: f64,
    drift: bool,
}

impl HitRateMonitor {
    /// A monitor for baseline hit rate `p0`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `p0` outside (0, 1), `window` = 0, non-positive `z_crit`
    /// or `consecutive` = 0.
    pub fn new(p0: f64, window: usize, z_crit: f64, consecutive: usize) -> Result<Self> {
        if !(p0 > 0.0 && p0 < 1.0) {
            return Err(invalid("p0", p0, "must lie in (0, 1)"));
        }
        if window == 0 {
            return Err(invalid("window", window, "must be >= 1"));
        }
        if !(z_crit > 0.0 && z_crit.is_finite()) {
            return Err(invalid("z_crit", z_crit, "must be finite and > 0"));
        }
        if consecutive == 0 {
            return Err(invalid("consecutive", consecutive, "must be >= 1"));
        }
        Ok(Self {
            p0,
            window,
            z_crit,
            consecutive,
            buf: VecDeque::with_capacity(window),
            hits: 0.0,
            streak: 0,
            n: 0,
            last_z: f64::NAN,
            drift: false,
        })
    }
    /// Last z-score.
    #[must_use]
    pub fn z(&self) -> f64 {
        self.last_z
    }
}

impl DriftDetector for HitRateMonitor {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.n)?;
        if value != 0.0 && value != 1.0 {
            return Err(Error::OutOfDomain {
                detector: "hit_rate",
                expected: "{0, 1}",
                index: usize::try_from(self.n).unwrap_or(usize::MAX),
                value,
            });
        }
        if self.drift {
            self.reset();
        }
        self.n += 1;
        if self.buf.len() == self.window
            && let Some(old) = self.buf.pop_front()
        {
            self.hits -= old;
        }
        self.buf.push_back(value);
        self.hits += value;
        if self.buf.len() < self.window {
            return Ok(DriftState::Stable);
        }
        let w = self.window as f64;
        let z = (self.hits / w - self.p0) / (self.p0 * (1.0 - self.p0) / w).sqrt();
        self.last_z = z;
        if z < -self.z_crit {
            self.streak += 1;
            if self.streak >= self.consecutive {
                self.drift = true;
                return Ok(DriftState::Drift);
            }
            return Ok(DriftState::Warning);
        }
        self.streak = 0;
        Ok(DriftState::Stable)
    }
    fn reset(&mut self) {
        self.buf.clear();
        self.hits = 0.0;
        self.streak = 0;
        self.n = 0;
        self.last_z = f64::NAN;
        self.drift = false;
    }
    fn name(&self) -> &'static str {
        "hit_rate"
    }
    fn n_seen(&self) -> u64 {
        self.n
    }
}

/// Volatility-regime context calibrated on reference returns: terciles of the rolling
/// `window`-return volatility define Low/Normal/High, and a recent window whose volatility is
/// outside `[1/ratio, ratio]` × the reference volatility counts as a regime change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VolatilityContext {
    #[serde(with = "crate::serde_f64")]
    low_cut: f64,
    #[serde(with = "crate::serde_f64")]
    high_cut: f64,
    #[serde(with = "crate::serde_f64")]
    reference_vol: f64,
    window: usize,
    #[serde(with = "crate::serde_f64")]
    ratio: f64,
}

impl VolatilityContext {
    /// Calibrates on reference returns.
    ///
    /// # Errors
    /// [`Error::TooFew`] if the reference has fewer than `2·window` returns or `window < 2`;
    /// [`Error::NonFinite`]; [`Error::InvalidParameter`] for `ratio <= 1`.
    pub fn from_reference(returns: &[f64], window: usize, ratio: f64) -> Result<Self> {
        check_sample("reference returns", returns)?;
        if window < 2 || returns.len() < 2 * window {
            return Err(Error::TooFew {
                what: format!("reference returns for a {window}-return volatility window"),
                needed: 2 * window.max(2),
                got: returns.len(),
            });
        }
        if !(ratio > 1.0 && ratio.is_finite()) {
            return Err(invalid("ratio", ratio, "must be finite and > 1"));
        }
        let mut vols: Vec<f64> = returns.windows(window).map(|w| mean_sd(w).1).collect();
        vols.sort_by(f64::total_cmp);
        let q = |p| crate::stats::numpy::quantile_linear(&vols, p);
        Ok(Self {
            low_cut: q(1.0 / 3.0),
            high_cut: q(2.0 / 3.0),
            reference_vol: mean_sd(returns).1,
            window,
            ratio,
        })
    }

    /// Classifies the most recent `window` returns of `recent` (uses only the tail).
    ///
    /// # Errors
    /// [`Error::TooFew`] when fewer than `window` returns are given; [`Error::NonFinite`].
    pub fn classify(&self, recent: &[f64]) -> Result<RegimeContext> {
        if recent.len() < self.window {
            return Err(Error::TooFew {
                what: "recent returns".into(),
                needed: self.window,
                got: recent.len(),
            });
        }
        let tail = &recent[recent.len() - self.window..];
        crate::error::check_finite("recent returns", tail)?;
        let vol = mean_sd(tail).1;
        let regime = if vol < self.low_cut {
            VolRegime::Low
        } else if vol > self.high_cut {
            VolRegime::High
        } else {
            VolRegime::Normal
        };
        let r = vol / self.reference_vol;
        Ok(RegimeContext {
            reference_vol: self.reference_vol,
            current_vol: vol,
            ratio: r,
            regime,
            changed: !(r <= self.ratio && r >= 1.0 / self.ratio),
        })
    }
    /// The volatility window.
    #[must_use]
    pub fn window(&self) -> usize {
        self.window
    }
}

/// PSI (reference deciles) and KS of every feature, in parallel, sorted by PSI descending and
/// truncated to `k`.
///
/// # Errors
/// [`Error::FeatureMismatch`] if the matrices' column counts differ from `names`; sample errors.
pub fn top_feature_shifts(
    names: &[String],
    reference: ArrayView2<'_, f64>,
    current: ArrayView2<'_, f64>,
    k: usize,
) -> Result<Vec<FeatureShift>> {
    if reference.ncols() != names.len() || current.ncols() != names.len() {
        return Err(Error::FeatureMismatch {
            detail: format!(
                "{} names, reference has {} columns, current has {}",
                names.len(),
                reference.ncols(),
                current.ncols()
            ),
        });
    }
    let mut out: Vec<FeatureShift> = (0..names.len())
        .into_par_iter()
        .map(|j| {
            let r: Vec<f64> = reference.column(j).to_vec();
            let c: Vec<f64> = current.column(j).to_vec();
            let p = psi(&r, &c, Binning::default())?;
            let ks = ks_2samp(&r, &c, KsMethod::Auto)?;
            Ok(FeatureShift {
                name: names[j].clone(),
                psi: p,
                ks: ks.statistic,
                ks_pvalue: ks.pvalue,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| b.psi.total_cmp(&a.psi));
    out.truncate(k);
    Ok(out)
}

/// Prediction-distribution drift: KS (scipy-exact) between reference and current predictions,
/// drift when `p < alpha`; the explanation also reports the PSI.
///
/// # Errors
/// Sample errors of [`ks_2samp`] / [`psi`].
pub fn prediction_drift(
    reference: &[f64],
    current: &[f64],
    alpha: f64,
) -> Result<(bool, Explanation)> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(invalid("alpha", alpha, "must lie in (0, 1)"));
    }
    let ks = ks_2samp(reference, current, KsMethod::Auto)?;
    let p = psi(reference, current, Binning::default())?;
    let drifted = ks.pvalue < alpha;
    Ok((
        drifted,
        Explanation {
            source: "ks".into(),
            kind: AlarmKind::PredictionDrift,
            statistic: ks.statistic,
            threshold: alpha,
            window: current.len(),
            n: current.len() as u64,
            top_features: Vec::new(),
            regime: None,
            message: format!(
                "prediction distribution: KS D = {:.4} (p = {:.3e}, alpha = {alpha}), PSI = {p:.4}, n_ref = {}, n_cur = {}",
                ks.statistic,
                ks.pvalue,
                reference.len(),
                current.len()
            ),
        },
    ))
}

/// Combines Sharpe and hit-rate monitors with the volatility context: each update takes the
/// period's strategy return and whether the prediction was a hit; an alarm comes back as an
/// [`Explanation`] whose kind is [`AlarmKind::RegimeChange`] when the recent volatility is
/// outside the reference band, [`AlarmKind::ModelDegradation`] otherwise.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TradingMonitor {
    sharpe: SharpeMonitor,
    hits: HitRateMonitor,
    vol: VolatilityContext,
    #[serde(with = "crate::serde_f64::vec_deque")]
    recent: VecDeque<f64>,
}

impl TradingMonitor {
    /// Assembles the monitor.
    #[must_use]
    pub fn new(sharpe: SharpeMonitor, hits: HitRateMonitor, vol: VolatilityContext) -> Self {
        let cap = vol.window();
        Self {
            sharpe,
            hits,
            vol,
            recent: VecDeque::with_capacity(cap),
        }
    }

    /// Feeds one period.
    ///
    /// # Errors
    /// Non-finite return ([`Error::NonFinite`]).
    pub fn update(&mut self, ret: f64, hit: bool) -> Result<Option<Explanation>> {
        let s = self.sharpe.update(ret)?;
        let h = self.hits.update(if hit { 1.0 } else { 0.0 })?;
        if self.recent.len() == self.vol.window() {
            self.recent.pop_front();
        }
        self.recent.push_back(ret);
        let (source, statistic, threshold, window, n) = if s.is_drift() {
            (
                "sharpe_degradation",
                self.sharpe.z(),
                -self.sharpe.z_crit(),
                self.sharpe.window(),
                self.sharpe.n_seen(),
            )
        } else if h.is_drift() {
            (
                "hit_rate",
                self.hits.z(),
                -self.hits.z_crit,
                self.hits.window,
                self.hits.n_seen(),
            )
        } else {
            return Ok(None);
        };
        let regime = if self.recent.len() >= self.vol.window() {
            Some(self.vol.classify(self.recent.make_contiguous())?)
        } else {
            None
        };
        let kind = if regime.is_some_and(|r| r.changed) {
            AlarmKind::RegimeChange
        } else {
            AlarmKind::ModelDegradation
        };
        let message = match (kind, regime) {
            (AlarmKind::RegimeChange, Some(r)) => format!(
                "{source} z = {statistic:.2} < {threshold:.2} during a volatility regime change (vol {:.3e} vs reference {:.3e}, ratio {:.2})",
                r.current_vol, r.reference_vol, r.ratio
            ),
            _ => format!(
                "{source} z = {statistic:.2} < {threshold:.2} over {window} periods with volatility in the reference band"
            ),
        };
        Ok(Some(Explanation {
            source: source.into(),
            kind,
            statistic,
            threshold,
            window,
            n,
            top_features: Vec::new(),
            regime,
            message,
        }))
    }
}
