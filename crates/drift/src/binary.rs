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

/// Confidences lie in (0, 1]: river 0.26.1 accepts 1 (a zero-width bound) and fails on 0
/// (division by zero) and above 1 (square root of a negative number).
fn check_confidence(name: &'static str, c: f64) -> Result<()> {
    if c > 0.0 && c <= 1.0 {
        Ok(())
    } else {
        Err(invalid(name, c, "must lie in (0, 1]"))
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
    #[serde(with = "crate::serde_f64")]
    pub warning_threshold: f64,
    /// Drift multiplier of `s_min`.
    #[serde(with = "crate::serde_f64")]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "DdmRepr")]
pub struct Ddm {
    params: DdmParams,
    p: RunningMean,
    #[serde(with = "crate::serde_f64")]
    p_min: f64,
    #[serde(with = "crate::serde_f64")]
    s_min: f64,
    #[serde(with = "crate::serde_f64::null_inf")]
    ps_min: f64,
    warning: bool,
    drift: bool,
    seen: u64,
    /// Thresholds of the certified comparisons, derived from `params`, `p_min`, `s_min` and
    /// `ps_min` (recomputed whenever those change, and on deserialisation; not stored).
    #[serde(skip_serializing)]
    bounds: DdmBounds,
    /// Updates that are proven, in advance, to leave `p_min`, `s_min`, `ps_min` and the
    /// warning flag as they are and not to drift (see [`skip_len`]); they run only the running
    /// mean. Not stored (0 after loading: each update is then checked).
    #[serde(skip_serializing)]
    skip: u32,
}

/// Equal when river's state is (the derived `DdmBounds` and the `skip` count are caches).
impl PartialEq for Ddm {
    fn eq(&self, o: &Self) -> bool {
        (self.params, self.p, self.p_min, self.s_min, self.ps_min)
            == (o.params, o.p, o.p_min, o.s_min, o.ps_min)
            && (self.warning, self.drift, self.seen) == (o.warning, o.drift, o.seen)
    }
}

/// A [`Ddm`] checkpoint as stored (the fields river's state consists of); the derived
/// [`DdmBounds`] are recomputed on load, so checkpoints are the same as before they existed.
/// Until the minimum is first tracked, `p_min`, `s_min` are NaN and `ps_min` is +inf, written
/// as `"NaN"`/`"inf"` ([`crate::serde_f64`]); the `null` earlier builds wrote reads back as
/// those values.
#[derive(Deserialize)]
struct DdmRepr {
    params: DdmParams,
    p: RunningMean,
    #[serde(with = "crate::serde_f64")]
    p_min: f64,
    #[serde(with = "crate::serde_f64")]
    s_min: f64,
    #[serde(with = "crate::serde_f64::null_inf")]
    ps_min: f64,
    warning: bool,
    drift: bool,
    seen: u64,
}

impl From<DdmRepr> for Ddm {
    fn from(r: DdmRepr) -> Self {
        let mut d = Self {
            params: r.params,
            p: r.p,
            p_min: r.p_min,
            s_min: r.s_min,
            ps_min: r.ps_min,
            warning: r.warning,
            drift: r.drift,
            seen: r.seen,
            bounds: DdmBounds::default(),
            skip: 0,
        };
        d.refresh_bounds();
        d
    }
}

/// Per-state constants of [`Ddm`]'s certified comparisons: they change only when the minimum
/// (`p_min`, `s_min`, `ps_min`) does, so the per-value path reads them instead of recomputing
/// `p_min + w·s_min`, `p_min + d·s_min` and the raised bounds on every update.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct DdmBounds {
    /// `warm_start` as a float (river compares the float count with it).
    warm: f64,
    /// `above_bound(ps_min)`: `p + s` certainly above it means no new minimum.
    new_min_hi: f64,
    /// `p_min + w·s_min` if `w <= d`, else `-inf` (then "no warning" does not rule out a drift,
    /// and the stable fast path must not be taken).
    stable_t: f64,
    /// `above_bound(p_min + w·s_min)`.
    warn_hi: f64,
    /// `p_min + d·s_min`.
    drift_t: f64,
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
    /// Inlined (like `reset`): an outlined call taking `&mut self` inside `update` would make
    /// a caller's loop keep the whole state in memory.
    #[inline(always)]
    fn fresh(params: DdmParams) -> Self {
        let mut d = Self {
            params,
            p: RunningMean::default(),
            p_min: f64::NAN,
            s_min: f64::NAN,
            ps_min: f64::INFINITY,
            warning: false,
            drift: false,
            seen: 0,
            bounds: DdmBounds::default(),
            skip: 0,
        };
        d.refresh_bounds();
        d
    }
    /// Recomputes [`DdmBounds`] from the parameters and the current minimum.
    #[inline(always)]
    fn refresh_bounds(&mut self) {
        let (w, d) = (self.params.warning_threshold, self.params.drift_threshold);
        let warn_t = self.p_min + w * self.s_min;
        self.bounds = DdmBounds {
            warm: self.params.warm_start as f64,
            new_min_hi: above_bound(self.ps_min),
            stable_t: if w <= d { warn_t } else { f64::NEG_INFINITY },
            warn_hi: above_bound(warn_t),
            drift_t: self.p_min + d * self.s_min,
        };
    }
    /// Current error rate and its standard error `(p, s)`.
    #[must_use]
    pub fn error_rate(&self) -> (f64, f64) {
        let p = self.p.mean;
        (p, (p * (1.0 - p) / self.p.n).sqrt())
    }
}

impl Ddm {
    /// river's update after the counter and the mean, with `s` computed exactly (division and
    /// square root, river's order). Inlined (it calls nothing), so a caller's loop can keep
    /// the state in registers.
    #[cold]
    #[inline(always)]
    fn exact_step(&mut self) {
        let p = self.p.mean;
        let n = self.p.n;
        let s = (p * (1.0 - p) / n).sqrt();
        if p + s <= self.ps_min {
            self.p_min = p;
            self.s_min = s;
            self.ps_min = self.p_min + self.s_min;
            self.refresh_bounds();
        }
        self.warning = p + s > self.p_min + self.params.warning_threshold * self.s_min;
        if p + s > self.p_min + self.params.drift_threshold * self.s_min {
            self.drift = true;
            self.warning = false;
        }
    }
}

/// Relative margins of the certified comparisons in [`Ddm`]'s update (`qa` is scaled by them
/// once per update): far above the few units in the last place (`2^-53 ≈ 1.1e-16` each) that
/// the compared quantities can be off by.
const K_DN: f64 = 1.0 - 3e-12;
const K_UP: f64 = 1.0 + 3e-12;
/// Absolute margin: keeps the squares compared with `qa` out of the subnormal range.
const TINY: f64 = 1e-300;

/// `t` raised past the next float above it, for [`certainly_above`]:
/// `t + 1e-14·|t| + 1e-300 ≥ t⁺ + 0.98e-14·|t|` after rounding (`t⁺ − t ≤ 2^-52·|t| + 2^-1074`).
#[inline(always)]
fn above_bound(t: f64) -> f64 {
    t + t.abs() * 1e-14 + 1e-300
}

/// `x·|x|`: the square with the sign of `x`, a non-decreasing function of `x` (also after
/// rounding), so `s > x ⇔ s² > x·|x|` for `s ≥ 0` with one comparison.
#[inline(always)]
fn signed_sq(x: f64) -> f64 {
    x * x.abs()
}

/// How many of the next updates certainly keep river's `p + s` inside `(lo, hi]` (`lo`, `hi`
/// floats; `p`, `qa`, `n` as in [`certainly_above`], after the current update), whatever the
/// values (in [0, 1]); at most 65 535.
///
/// Over the next `k` updates (`m = n + 1 ..= n + k`), each changes the mean by
/// `(1/m)·|x − p| ≤ 1/(n + 1)`, so `|p_m − p| ≤ δ = k/(n + 1)`; `q = p(1 − p)` changes by at
/// most `|p_m − p|·|1 − p_m − p| ≤ δ`, so with `s = sqrt(q/n)`:
/// `s_m² = q_m/m ≤ (q + δ)/n` gives `s_m ≤ s + sqrt(δ/n)`, and `s_m² ≥ (q − δ)/(n + k)` gives
/// `s_m ≥ s·sqrt(n/(n + k)) − sqrt(δ/n) ≥ s − s·k/n − sqrt(δ/n)`. Hence `p_m + s_m` moves
/// by at most `δ + s·k/n + sqrt(δ/n) ≤ k·(2 + s)/n ≤ 2.5·k/n` (`s ≤ 1/2`, `k ≥ 1`), and `k`
/// is chosen with `2.5·k/n` below the margin `min(p + s − lo, hi − p − s)` less `1e-9`. The
/// `1e-9` covers every rounding: of `sqrt(qa)` against the real `s` and of the margin
/// (`~1e-15`), of river's `s` and `p + s` (`~1e-15`), and of the running mean, `≤ 3·2^-53`
/// per update, so `≤ 2.2e-11` over 65 535 updates; the factor `0.39 < 0.4` covers
/// `fl(1/m) ≤ (1 + 2^-53)/m`. Returns 0 if `p` is outside [0, 1] (only from a hand-made
/// checkpoint) or anything is NaN.
#[inline(always)]
fn skip_len(p: f64, qa: f64, n: f64, lo: f64, hi: f64) -> u32 {
    let v = p + qa.sqrt();
    let margin = (v - lo).min(hi - v) - 1e-9;
    let k = margin * n * 0.39;
    if (0.0..=1.0).contains(&p) & (k >= 1.0) {
        k.min(65_535.0) as u32
    } else {
        0
    }
}

/// `true` if river's `fl(p + s) > t` certainly holds, where `s = fl(sqrt(fl(m / n)))`,
/// `m = fl(p·fl(1 − p))`, `p ∈ [0, 1]`, `qa = fl(m · fl(1/n)) ≥ 0` (within 4 units in the last
/// place of `fl(m / n)`, so `s` is within `3.1·2^-53` relative of `sqrt(qa)`),
/// `qa_dn = fl(qa·K_DN)` and `t_hi = above_bound(t)`. Decided without division or square root.
///
/// `fl(p + s) > t` holds when `p + s > t⁺` in real arithmetic (`t⁺` the next float above `t`;
/// rounding is monotone). With `e = fl(t_hi − p)`: if `e < 0` (the sign of a rounded difference
/// is exact), `p > t_hi > t⁺` and `s ≥ 0`. Otherwise `0 ≤ e ≤ t_hi`, its rounding error
/// `≤ 2^-53·e` is covered by the `1e-14·|t|` slack, so `t⁺ − p ≤ e`, and `s > e` suffices.
/// The test `qa_dn > fl(fl(e·|e|) + 1e-300)`: if `e²` is normal, it gives
/// `qa > e²·(1 − u)²/((1 + u)·K_DN) ≥ e²·(1 + 2.9e-12)` (`u = 2^-53`), so
/// `s ≥ sqrt(qa)·(1 − 3.1u) > e`; if `e²` is below the normal range, `e < 1.5e-154` and the
/// test gives `qa > 0.99e-300`, so `s > 0.99e-150 > e`. NaN or `t = +inf` give `false`.
#[inline(always)]
fn certainly_above(p: f64, qa_dn: f64, t_hi: f64) -> bool {
    qa_dn > signed_sq(t_hi - p) + TINY
}

/// `true` if river's `fl(p + s) <= t` certainly holds (same `p`, `s`, `qa` as
/// [`certainly_above`]; `qa_up = fl(fl(qa·K_UP) + 1e-300)`).
///
/// It holds when `p + s ≤ t` in real arithmetic (`t` is a float), i.e. `s ≤ t − p`. The test
/// `qa_up < fl(d·|d|)` with `d = fl(t − p)` implies `d > 0` and `d² ≥ 1e-300` (normal), so
/// `t − p ≥ d·(1 − u)` and `qa·K_UP·(1 − u) < d²·(1 + u)`: `sqrt(qa) < d·(1 + u − 1.4e-12)`,
/// and `s ≤ sqrt(qa)·(1 + 3.1u) < d·(1 − u)`. `t = +inf` gives `true`, NaN and `−inf` `false`.
#[inline(always)]
fn certainly_at_most(p: f64, qa_up: f64, t: f64) -> bool {
    qa_up < signed_sq(t - p)
}

impl DriftDetector for Ddm {
    /// river's update. Once past `warm_start`, the common cases are decided without the
    /// division and square root of `s = sqrt(p(1 − p)/n)`: with `qa = p(1 − p)·(1/n)` (the `1/n`
    /// the running mean needs anyway), `certainly_above` / `certainly_at_most` prove, in
    /// squared form with a rigorous margin, that there is no new minimum (`p + s > ps_min`)
    /// and either no warning (`p + s <= p_min + w·s_min`, which with `w <= d` also rules out a
    /// drift) or a warning but no drift (`p_min + w·s_min < p + s <= p_min + d·s_min`). Anything
    /// else (a new minimum, a drift, a tie within the margin) runs river's formulas exactly as
    /// written, so every state and output is bit-for-bit river's. The thresholds (`p_min + w·s_min`,
    /// ...) are cached in `DdmBounds` and change only with the minimum.
    #[inline]
    fn update(&mut self, value: f64) -> Result<DriftState> {
        unit_interval("ddm", value, self.seen)?;
        if self.drift {
            self.reset();
        }
        self.seen += 1;
        let r = self.p.update_recip(value);
        let b = self.bounds;
        if self.skip > 0 {
            // proven when the count was set: nothing but the mean changes
            self.skip -= 1;
        } else if self.p.n > b.warm {
            let p = self.p.mean;
            let qa = p * (1.0 - p) * r;
            let (qa_dn, qa_up) = (qa * K_DN, qa * K_UP + TINY);
            // `qa ≥ 0` always holds (`p` stays in [0, 1]); were it negative (a hand-made
            // checkpoint), river's `s` is NaN and "no new minimum, no warning, no drift" is
            // still right, but "warning" is not, hence the check in the second test only
            let no_new_min = certainly_above(p, qa_dn, b.new_min_hi);
            if no_new_min & certainly_at_most(p, qa_up, b.stable_t) {
                self.warning = false;
                self.skip = skip_len(p, qa, self.p.n, b.new_min_hi, b.stable_t);
            } else if no_new_min
                & (qa >= 0.0)
                & certainly_above(p, qa_dn, b.warn_hi)
                & certainly_at_most(p, qa_up, b.drift_t)
            {
                self.warning = true;
                self.skip = skip_len(p, qa, self.p.n, b.warn_hi.max(b.new_min_hi), b.drift_t);
            } else {
                self.exact_step();
            }
        }
        Ok(state(self.drift, self.warning))
    }
    #[inline]
    fn reset(&mut self) {
        *self = Self::fresh(self.params);
    }
    fn name(&self) -> &'static str {
        "ddm"
    }
    fn warning_detected(&self) -> bool {
        self.warning
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
/// | `alpha` | 0.95 | warning level | ≥ beta |
/// | `beta` | 0.9 | drift level | ≤ alpha |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EddmParams {
    /// Values (and errors) before testing.
    pub warm_start: u64,
    /// Warning level.
    #[serde(with = "crate::serde_f64")]
    pub alpha: f64,
    /// Drift level.
    #[serde(with = "crate::serde_f64")]
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
    #[serde(with = "crate::serde_f64")]
    dist_s: f64,
    n: u64,
    last_error: u64,
    n_errors: u64,
    #[serde(with = "crate::serde_f64")]
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
    /// [`Error::InvalidParameter`] if `alpha < beta` (river's check) or either is not finite.
    pub fn new(params: EddmParams) -> Result<Self> {
        if params.alpha < params.beta {
            return Err(invalid(
                "alpha",
                params.alpha,
                "'alpha' must be greater or equal to 'beta'",
            ));
        }
        // river 0.26.1 checks only `alpha >= beta`: a level above 1 warns (alpha) or drifts
        // (beta) at every tested error, one at or below 0 never does; both are accepted here too
        for (name, v) in [("alpha", params.alpha), ("beta", params.beta)] {
            if !v.is_finite() {
                return Err(invalid(name, v, "must be finite"));
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
    fn warning_detected(&self) -> bool {
        self.warning
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
/// | `drift_confidence` | 0.001 | confidence of the drift bound | (0, 1] |
/// | `warning_confidence` | 0.005 | confidence of the warning bound | (0, 1] |
/// | `two_sided_test` | false | also detect decreases of the mean | |
/// | `lambda` | 0.05 | EWMA weight (HDDM_W only) | [0, 1] |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HddmParams {
    /// Drift confidence.
    #[serde(with = "crate::serde_f64")]
    pub drift_confidence: f64,
    /// Warning confidence.
    #[serde(with = "crate::serde_f64")]
    pub warning_confidence: f64,
    /// Detect decreases too.
    pub two_sided_test: bool,
    /// EWMA weight (HDDM_W only; ignored by HDDM_A).
    #[serde(with = "crate::serde_f64")]
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
        // river's EWMean accepts 0 (the mean stays at the first value) and 1
        if !(0.0..=1.0).contains(&self.lambda) {
            return Err(invalid("lambda", self.lambda, "must lie in [0, 1]"));
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
    #[serde(with = "crate::serde_f64::array3")]
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
    /// [`Error::InvalidParameter`] for confidences outside (0, 1].
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
    fn warning_detected(&self) -> bool {
        self.warning
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
    #[serde(with = "crate::serde_f64")]
    ewma: f64,
    is_init: bool,
    #[serde(with = "crate::serde_f64")]
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
    #[serde(with = "crate::serde_f64::null_inf")]
    incr_cutpoint: f64,
    #[serde(with = "crate::serde_f64::null_neg_inf")]
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
    /// [`Error::InvalidParameter`] for confidences outside (0, 1] or `lambda` outside [0, 1].
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
    fn warning_detected(&self) -> bool {
        self.warning
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;
    use proptest::prelude::*;

    /// river 0.26.1 `drift.binary.DDM.update`, transcribed statement by statement (the oracle
    /// for the certified fast path of [`Ddm::update`]).
    #[derive(Debug, Clone)]
    struct RiverDdm {
        params: DdmParams,
        n: f64,
        mean: f64,
        p_min: f64,
        s_min: f64,
        ps_min: f64,
        warning: bool,
        drift: bool,
    }

    impl RiverDdm {
        fn new(params: DdmParams) -> Self {
            Self {
                params,
                n: 0.0,
                mean: 0.0,
                p_min: f64::NAN,
                s_min: f64::NAN,
                ps_min: f64::INFINITY,
                warning: false,
                drift: false,
            }
        }
        fn update(&mut self, x: f64) {
            if self.drift {
                *self = Self::new(self.params);
            }
            self.n += 1.0;
            self.mean += (1.0 / self.n) * (x - self.mean);
            let p_i = self.mean;
            let s_i = (p_i * (1.0 - p_i) / self.n).sqrt();
            if self.n > self.params.warm_start as f64 {
                if p_i + s_i <= self.ps_min {
                    self.p_min = p_i;
                    self.s_min = s_i;
                    self.ps_min = p_i + s_i;
                }
                self.warning = p_i + s_i > self.p_min + self.params.warning_threshold * self.s_min;
                if p_i + s_i > self.p_min + self.params.drift_threshold * self.s_min {
                    self.drift = true;
                    self.warning = false;
                }
            }
        }
    }

    /// Feeds `xs` to both and compares the whole state, bit for bit, after every value.
    fn compare(params: DdmParams, xs: &[f64]) {
        let mut fast = Ddm::new(params).unwrap();
        let mut river = RiverDdm::new(params);
        for (i, &x) in xs.iter().enumerate() {
            let got = fast.update(x).unwrap();
            river.update(x);
            assert_eq!(got, state(river.drift, river.warning), "state at {i}");
            let bits = |v: [f64; 5]| v.map(f64::to_bits);
            assert_eq!(
                bits([fast.p.n, fast.p.mean, fast.p_min, fast.s_min, fast.ps_min]),
                bits([river.n, river.mean, river.p_min, river.s_min, river.ps_min]),
                "fields at {i}"
            );
            assert_eq!((fast.warning, fast.drift), (river.warning, river.drift));
        }
    }

    /// Error stream: Bernoulli(rate0) then Bernoulli(rate1) after `change`; `kind` 1 gives
    /// uniform values in [0, 1] instead, `kind` 2 mixes 0, 1 and values next to them.
    fn stream(seed: u64, n: usize, change: usize, rates: (f64, f64), kind: u8) -> Vec<f64> {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|i| {
                let rate = if i < change { rates.0 } else { rates.1 };
                let u = next();
                match kind {
                    0 => f64::from(u8::from(u < rate)),
                    1 => u * rate * 2.0_f64.min(1.0 / rate.max(1e-9)),
                    _ => {
                        [0.0, 1.0, 1e-300, 1.0 - f64::EPSILON, 5e-324, 0.5][(next() * 6.0) as usize]
                            * f64::from(u8::from(u < rate * 2.0))
                            + f64::from(u8::from(u >= rate * 2.0)) * f64::from(u8::from(u < rate))
                    }
                }
            })
            .collect()
    }

    #[test]
    fn certified_fast_path_equals_river_on_long_streams() {
        let params = [
            DdmParams::default(),
            DdmParams {
                warm_start: 0,
                warning_threshold: 3.0,
                drift_threshold: 2.0,
            },
            DdmParams {
                warm_start: 1,
                warning_threshold: 1.0,
                drift_threshold: 1.0,
            },
            DdmParams {
                warm_start: 5,
                warning_threshold: 0.5,
                drift_threshold: 8.0,
            },
        ];
        for p in params {
            compare(p, &stream(1, 200_000, 100_000, (0.1, 0.2), 0));
            compare(p, &stream(2, 50_000, 25_000, (0.01, 0.03), 0));
            compare(p, &stream(3, 50_000, 40_000, (0.5, 0.45), 1));
            compare(p, &stream(4, 20_000, 10_000, (0.3, 0.6), 2));
            compare(p, &[0.0; 3_000]);
            compare(p, &[1.0; 3_000]);
            let mut tiny = vec![0.0; 2_000];
            tiny[100] = 1e-300;
            tiny[1_500] = 1.0;
            compare(p, &tiny);
            // the fastest possible moves of `p + s` (against the skipped-update bounds): long
            // calm stretches, then runs of all errors or no errors
            let mut jumps = stream(5, 120_000, 60_000, (0.05, 0.05), 0);
            for (start, len, v) in [(30_000, 400, 1.0), (70_000, 3_000, 0.0), (90_000, 900, 1.0)] {
                jumps[start..start + len].fill(v);
            }
            compare(p, &jumps);
            let blocks: Vec<f64> = (0..60_000)
                .map(|i| f64::from(u8::from(i / 97 % 9 == 0)))
                .collect();
            compare(p, &blocks);
        }
    }

    /// A checkpoint taken anywhere resumes bit for bit: the derived bounds are recomputed on
    /// load and the skipped-update count starts at 0 (each update checked again).
    #[test]
    fn checkpoints_resume_exactly() {
        let xs = stream(11, 60_000, 30_000, (0.1, 0.2), 0);
        for cut in [0, 1, 29, 31, 1_000, 17_777, 30_001, 45_000] {
            let mut a = Ddm::default();
            for &x in &xs[..cut] {
                a.update(x).unwrap();
            }
            let json = serde_json::to_string(&a).unwrap();
            assert!(!json.contains("bounds") && !json.contains("skip"), "{json}");
            let mut b: Ddm = serde_json::from_str(&json).unwrap();
            assert_eq!(format!("{:?}", a.bounds), format!("{:?}", b.bounds));
            for (i, &x) in xs.iter().enumerate().skip(cut) {
                assert_eq!(
                    a.update(x).unwrap(),
                    b.update(x).unwrap(),
                    "cut {cut}, at {i}"
                );
                let bits =
                    |d: &Ddm| [d.p.n, d.p.mean, d.p_min, d.s_min, d.ps_min].map(f64::to_bits);
                assert_eq!(bits(&a), bits(&b), "cut {cut}, at {i}");
                assert_eq!((a.warning, a.drift, a.seen), (b.warning, b.drift, b.seen));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn certified_fast_path_equals_river(
            seed in any::<u64>(),
            n in 1usize..4000,
            change in 0usize..4000,
            r0 in 0.0f64..1.0,
            r1 in 0.0f64..1.0,
            kind in 0u8..3,
            warm_start in 0u64..50,
            w in 0.1f64..5.0,
            d in 0.1f64..5.0,
        ) {
            let p = DdmParams { warm_start, warning_threshold: w, drift_threshold: d };
            compare(p, &stream(seed, n, change, (r0, r1), kind));
        }
    }
}
