//! Detectors for 0/1 error streams (1 = error): DDM, EDDM, HDDM_A, HDDM_W (river 0.26.1).

use serde::{Deserialize, Serialize};

use crate::detector::{DriftDetector, DriftState, RunningMean, finite, unit_interval};
use crate::error::{Error, Result, invalid};

fn state(drift: bool, warning: bool) -> DriftState {
    if drift {
        DriftState::Drift
    } else if warning {
        DriftState::Warning
    } else {
        DriftState::Stable
    }
}

fn check_confidence(name: &'static str, c: f64) -> Result<()> {
    if c > 0.0 && c < 1.0 {
        Ok(())
    } else {
        Err(invalid(name, c, "must lie in (0, 1)"))
    }
}

// ---------------------------------------------------------------------------------------------
// DDM

/// DDM parameters (river's names and defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `warm_start` | 30 | values before the minimum is tracked | ≥ 0 |
/// | `warning_threshold` | 2 | warning at `p + s > p_min + 2·s_min` | > 0 |
/// | `drift_threshold` | 3 | drift at `p + s > p_min + 3·s_min` | ≥ warning |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DdmParams {
    /// Values before the minimum is tracked.
    pub warm_start: u64,
    /// Warning multiplier of `s_min`.
    pub warning_threshold: f64,
    /// Drift multiplier of `s_min`.
    pub drift_threshold: f64,
}

impl Default for DdmParams {
    fn default() -> Self {
        Self {
            warm_start: 30,
            warning_threshold: 2.0,
            drift_threshold: 3.0,
        }
    }
}

/// Drift Detection Method (Gama et al. 2004), river 0.26.1 semantics. Input: error indicator in
/// [0, 1] (1 = error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ddm {
    params: DdmParams,
    p: RunningMean,
    p_min: f64,
    s_min: f64,
    ps_min: f64,
    warning: bool,
    drift: bool,
    seen: u64,
}

impl Default for Ddm {
    fn default() -> Self {
        Self::fresh(DdmParams::default())
    }
}

impl Ddm {
    /// A detector with the given parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for non-positive or non-finite thresholds.
    pub fn new(params: DdmParams) -> Result<Self> {
        for (name, v) in [
            ("warning_threshold", params.warning_threshold),
            ("drift_threshold", params.drift_threshold),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(name, v, "must be finite and > 0"));
            }
        }
        Ok(Self::fresh(params))
    }
    fn fresh(params: DdmParams) -> Self {
        Self {
            params,
            p: RunningMean::default(),
            p_min: f64::NAN,
            s_min: f64::NAN,
            ps_min: f64::INFINITY,
            warning: false,
            drift: false,
            seen: 0,
        }
    }
    /// Current error rate and its standard error `(p, s)`.
    #[must_use]
    pub fn error_rate(&self) -> (f64, f64) {
        let p = self.p.mean;
        (p, (p * (1.0 - p) / self.p.n).sqrt())
    }
}

impl DriftDetector for Ddm {
    #[inline]
    fn update(&mut self, value: f64) -> Result<DriftState> {
        unit_interval("ddm", value, self.seen)?;
        if self.drift {
            self.reset();
        }
        self.seen += 1;
        self.p.update(value);
        let p = self.p.mean;
        let n = self.p.n;
        let s = (p * (1.0 - p) / n).sqrt();
        if n > self.params.warm_start as f64 {
            if p + s <= self.ps_min {
                self.p_min = p;
                self.s_min = s;
                self.ps_min = self.p_min + self.s_min;
            }
            self.warning = p + s > self.p_min + self.params.warning_threshold * self.s_min;
            if p + s > self.p_min + self.params.drift_threshold * self.s_min {
                self.drift = true;
                self.warning = false;
            }
        }
        Ok(state(self.drift, self.warning))
    }
    fn reset(&mut self) {
        *self = Self::fresh(self.params);
    }
    fn name(&self) -> &'static str {
        "ddm"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}

// ---------------------------------------------------------------------------------------------
// EDDM

/// EDDM parameters (river's names and defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `warm_start` | 30 | values and errors before testing | ≥ 0 |
/// | `alpha` | 0.95 | warning level | [beta, 1] |
/// | `beta` | 0.9 | drift level | (0, alpha] |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EddmParams {
    /// Values (and errors) before testing.
    pub warm_start: u64,
    /// Warning level.
    pub alpha: f64,
    /// Drift level.
    pub beta: f64,
}

impl Default for EddmParams {
    fn default() -> Self {
        Self {
            warm_start: 30,
            alpha: 0.95,
            beta: 0.9,
        }
    }
}

/// Early Drift Detection Method (Baena-García et al. 2006), river 0.26.1 semantics. Input:
/// exactly 0 or 1 (1 = error); it tracks the distance between consecutive errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eddm {
    params: EddmParams,
    dist_mean: RunningMean,
    dist_s: f64,
    n: u64,
    last_error: u64,
    n_errors: u64,
    p2s_max: f64,
    warning: bool,
    drift: bool,
}

impl Default for Eddm {
    fn default() -> Self {
        Self::fresh(EddmParams::default())
    }
}

impl Eddm {
    /// A detector with the given parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `alpha < beta` (river's check) or either lies outside (0, 1].
    pub fn new(params: EddmParams) -> Result<Self> {
        if params.alpha < params.beta {
            return Err(invalid(
                "alpha",
                params.alpha,
                "'alpha' must be greater or equal to 'beta'",
            ));
        }
        for (name, v) in [("alpha", params.alpha), ("beta", params.beta)] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(invalid(name, v, "must lie in (0, 1]"));
            }
        }
        Ok(Self::fresh(params))
    }
    fn fresh(params: EddmParams) -> Self {
        Self {
            params,
            dist_mean: RunningMean::default(),
            dist_s: 0.0,
            n: 0,
            last_error: 0,
            n_errors: 0,
            p2s_max: -1.0,
            warning: false,
            drift: false,
        }
    }
}

impl DriftDetector for Eddm {
    #[inline]
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.n)?;
        if value != 0.0 && value != 1.0 {
            return Err(Error::OutOfDomain {
                detector: "eddm",
                expected: "{0, 1}",
                index: usize::try_from(self.n).unwrap_or(usize::MAX),
                value,
            });
        }
        if self.drift {
            self.reset();
        }
        self.n += 1;
        if value == 1.0 {
            self.n_errors += 1;
            let d = (self.n - self.last_error) as f64;
            let old = self.dist_mean.mean;
            self.dist_mean.update(d);
            self.dist_s += (d - old) * (d - self.dist_mean.mean);
            if self.n > self.params.warm_start {
                let pi = self.dist_mean.mean;
                let var = if self.dist_mean.n > 1.0 {
                    self.dist_s / (self.dist_mean.n - 1.0)
                } else {
                    0.0
                };
                let p2s = pi + 2.0 * var.powf(0.5);
                if p2s > self.p2s_max {
                    self.p2s_max = p2s;
                } else if self.n_errors > self.params.warm_start {
                    let level = p2s / self.p2s_max;
                    if level < self.params.beta {
                        self.drift = true;
                    } else {
                        self.warning = level < self.params.alpha;
                    }
                }
            }
            self.last_error = self.n;
        }
        Ok(state(self.drift, self.warning))
    }
    fn reset(&mut self) {
        *self = Self::fresh(self.params);
    }
    fn name(&self) -> &'static str {
        "eddm"
    }
    fn n_seen(&self) -> u64 {
        self.n
    }
}

// ---------------------------------------------------------------------------------------------
// HDDM_A

/// HDDM parameters shared by [`HddmA`] and [`HddmW`] (river's names and defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `drift_confidence` | 0.001 | confidence of the drift bound | (0, 1) |
/// | `warning_confidence` | 0.005 | confidence of the warning bound | (0, 1) |
/// | `two_sided_test` | false | also detect decreases of the mean | |
/// | `lambda` | 0.05 | EWMA weight (HDDM_W only) | (0, 1] |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HddmParams {
    /// Drift confidence.
    pub drift_confidence: f64,
    /// Warning confidence.
    pub warning_confidence: f64,
    /// Detect decreases too.
    pub two_sided_test: bool,
    /// EWMA weight (HDDM_W only; ignored by HDDM_A).
    pub lambda: f64,
}

impl Default for HddmParams {
    fn default() -> Self {
        Self {
            drift_confidence: 0.001,
            warning_confidence: 0.005,
            two_sided_test: false,
            lambda: 0.05,
        }
    }
}

impl HddmParams {
    fn validate(&self) -> Result<()> {
        check_confidence("drift_confidence", self.drift_confidence)?;
        check_confidence("warning_confidence", self.warning_confidence)?;
        if !(self.lambda > 0.0 && self.lambda <= 1.0) {
            return Err(invalid("lambda", self.lambda, "must lie in (0, 1]"));
        }
        Ok(())
    }
}

/// HDDM_A (Frías-Blanco et al. 2015): Hoeffding bounds on averages, river 0.26.1 semantics.
/// Input: values in [0, 1] (1 = error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HddmA {
    params: HddmParams,
    /// `ln(1/drift_confidence)`, `ln(2/drift_confidence)`, `ln(2/warning_confidence)`,
    /// precomputed (same values river computes per call).
    ln_consts: [f64; 3],
    x_min: RunningMean,
    x_max: RunningMean,
    z: RunningMean,
    warning: bool,
    drift: bool,
    seen: u64,
}

impl Default for HddmA {
    fn default() -> Self {
        Self::fresh(HddmParams::default())
    }
}

impl HddmA {
    /// A detector with the given parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for confidences outside (0, 1).
    pub fn new(params: HddmParams) -> Result<Self> {
        params.validate()?;
        Ok(Self::fresh(params))
    }
    fn fresh(params: HddmParams) -> Self {
        Self {
            params,
            ln_consts: [
                (1.0 / params.drift_confidence).ln(),
                (2.0 / params.drift_confidence).ln(),
                (2.0 / params.warning_confidence).ln(),
            ],
            x_min: RunningMean::default(),
            x_max: RunningMean::default(),
            z: RunningMean::default(),
            warning: false,
            drift: false,
            seen: 0,
        }
    }
    #[inline]
    fn hoeffding(&self, n: f64) -> f64 {
        (1.0 / (2.0 * n) * self.ln_consts[0]).sqrt()
    }
    /// `ln_two_over_conf` is `ln(2/confidence)`.
    #[inline]
    fn mean_incr(&self, ln_two_over_conf: f64) -> bool {
        if self.x_min.n == self.z.n {
            return false;
        }
        let m = (self.z.n - self.x_min.n) / self.x_min.n * (1.0 / self.z.n);
        let eps = (m / 2.0 * ln_two_over_conf).sqrt();
        self.z.mean - self.x_min.mean >= eps
    }
    #[inline]
    fn mean_decr(&self, ln_two_over_conf: f64) -> bool {
        if self.x_max.n == self.z.n {
            return false;
        }
        let m = (self.z.n - self.x_max.n) / self.x_max.n * (1.0 / self.z.n);
        let eps = (m / 2.0 * ln_two_over_conf).sqrt();
        self.x_max.mean - self.z.mean >= eps
    }
}

impl DriftDetector for HddmA {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        unit_interval("hddm_a", value, self.seen)?;
        if self.drift {
            self.reset();
        }
        self.seen += 1;
        self.z.update(value);
        if self.x_min.n == 0.0 {
            self.x_min = self.z;
        }
        if self.x_max.n == 0.0 {
            self.x_max = self.z;
        }
        let eps_z = self.hoeffding(self.z.n);
        let eps_x = self.hoeffding(self.x_min.n);
        if self.x_min.mean + eps_x >= self.z.mean + eps_z {
            self.x_min = self.z;
        }
        let eps_x = self.hoeffding(self.x_max.n);
        if self.x_max.mean - eps_x <= self.z.mean - eps_z {
            self.x_max = self.z;
        }
        let [_, ln_drift, ln_warn] = self.ln_consts;
        if self.mean_incr(ln_drift) {
            self.warning = false;
            self.drift = true;
        } else if self.mean_incr(ln_warn) {
            self.warning = true;
            self.drift = false;
        } else {
            self.warning = false;
            self.drift = false;
        }
        if self.params.two_sided_test {
            if self.mean_decr(ln_drift) {
                self.drift = true;
            } else if self.mean_decr(ln_warn) {
                self.warning = true;
            }
        }
        Ok(state(self.drift, self.warning))
    }
    fn reset(&mut self) {
        *self = Self::fresh(self.params);
    }
    fn name(&self) -> &'static str {
        "hddm_a"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}

// ---------------------------------------------------------------------------------------------
// HDDM_W

/// EWMA summary with river's `SampleInfo` semantics (first value initialises the mean).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct SampleInfo {
    ewma: f64,
    is_init: bool,
    ibc: f64,
}

impl SampleInfo {
    fn new() -> Self {
        Self {
            ewma: 0.0,
            is_init: false,
            ibc: 1.0,
        }
    }
    #[inline]
    fn update(&mut self, x: f64, lambda: f64) {
        if self.is_init {
            self.ewma = lambda * x + (1.0 - lambda) * self.ewma;
        } else {
            self.ewma = x;
        }
        self.is_init = true;
        self.ibc = lambda * lambda + (1.0 - lambda) * (1.0 - lambda) * self.ibc;
    }
}

/// HDDM_W (Frías-Blanco et al. 2015): McDiarmid bounds on EWMA statistics, river 0.26.1
/// semantics. Input: values in [0, 1] (1 = error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HddmW {
    params: HddmParams,
    total: SampleInfo,
    s1_decr: SampleInfo,
    s1_incr: SampleInfo,
    s2_decr: SampleInfo,
    s2_incr: SampleInfo,
    incr_cutpoint: f64,
    decr_cutpoint: f64,
    warning: bool,
    drift: bool,
    seen: u64,
}

impl Default for HddmW {
    fn default() -> Self {
        Self::fresh(HddmParams::default())
    }
}

impl HddmW {
    /// A detector with the given parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for confidences outside (0, 1) or `lambda` outside (0, 1].
    pub fn new(params: HddmParams) -> Result<Self> {
        params.validate()?;
        Ok(Self::fresh(params))
    }
    fn fresh(params: HddmParams) -> Self {
        Self {
            params,
            total: SampleInfo::new(),
            s1_decr: SampleInfo::new(),
            s1_incr: SampleInfo::new(),
            s2_decr: SampleInfo::new(),
            s2_incr: SampleInfo::new(),
            incr_cutpoint: f64::INFINITY,
            decr_cutpoint: f64::NEG_INFINITY,
            warning: false,
            drift: false,
            seen: 0,
        }
    }
    fn bound(ibc: f64, confidence: f64) -> f64 {
        (ibc * (1.0 / confidence).ln() / 2.0).sqrt()
    }
    fn changed(s1: &SampleInfo, s2: &SampleInfo, confidence: f64) -> bool {
        if !(s1.is_init && s2.is_init) {
            return false;
        }
        let bound = Self::bound(s1.ibc + s2.ibc, confidence);
        s2.ewma - s1.ewma > bound
    }
}

impl DriftDetector for HddmW {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        unit_interval("hddm_w", value, self.seen)?;
        if self.drift {
            self.reset();
        }
        self.seen += 1;
        let lambda = self.params.lambda;
        let dc = self.params.drift_confidence;
        self.total.update(value, lambda);
        // increase statistics
        let eps = Self::bound(self.total.ibc, dc);
        if self.total.ewma + eps < self.incr_cutpoint {
            self.incr_cutpoint = self.total.ewma + eps;
            self.s1_incr = self.total;
            self.s2_incr = SampleInfo::new();
        } else {
            self.s2_incr.update(value, lambda);
        }
        if Self::changed(&self.s1_incr, &self.s2_incr, dc) {
            self.warning = false;
            self.drift = true;
        } else if Self::changed(&self.s1_incr, &self.s2_incr, self.params.warning_confidence) {
            self.warning = true;
            self.drift = false;
        } else {
            self.warning = false;
            self.drift = false;
        }
        // decrease statistics
        let eps = Self::bound(self.total.ibc, dc);
        if self.total.ewma - eps > self.decr_cutpoint {
            self.decr_cutpoint = self.total.ewma - eps;
            self.s1_decr = self.total;
            self.s2_decr = SampleInfo::new();
        } else {
            self.s2_decr.update(value, lambda);
        }
        if self.params.two_sided_test {
            if Self::changed(&self.s2_decr, &self.s1_decr, dc) {
                self.drift = true;
            } else if Self::changed(&self.s2_decr, &self.s1_decr, self.params.warning_confidence) {
                self.warning = true;
            }
        }
        Ok(state(self.drift, self.warning))
    }
    fn reset(&mut self) {
        *self = Self::fresh(self.params);
    }
    fn name(&self) -> &'static str {
        "hddm_w"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}
