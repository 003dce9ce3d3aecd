//! Page-Hinkley test, as river 0.26.1 `drift.PageHinkley`.

use serde::{Deserialize, Serialize};

use crate::detector::{Detections, DriftDetector, DriftState, RunningMean, finite, relabel};
use crate::error::{Result, check_finite, invalid};

/// Which direction of mean change Page-Hinkley watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum PhMode {
    /// Increases of the mean only.
    Up,
    /// Decreases of the mean only.
    Down,
    /// Both directions (river's default since river#810).
    #[default]
    Both,
}

/// Page-Hinkley parameters (river's names and defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `min_instances` | 30 | values before a drift may be reported | ≥ 1 |
/// | `delta` | 0.005 | tolerated drift per value, data units | ≥ 0 |
/// | `threshold` | 50 | λ, alarm threshold, data units | ≥ 0 |
/// | `alpha` | 1 − 1e-4 | fading factor of the cumulative sums | [0, 1] |
/// | `mode` | both | direction | up/down/both |
///
/// `delta` and `threshold` are in the units of the input. Use [`PageHinkley::normalised`] to
/// express them in reference-period standard deviations instead.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PageHinkleyParams {
    /// Values before a drift may be reported.
    pub min_instances: u64,
    /// Tolerated change per value.
    #[serde(with = "crate::serde_f64")]
    pub delta: f64,
    /// λ, the alarm threshold.
    #[serde(with = "crate::serde_f64")]
    pub threshold: f64,
    /// Fading factor.
    #[serde(with = "crate::serde_f64")]
    pub alpha: f64,
    /// Direction.
    pub mode: PhMode,
}

impl Default for PageHinkleyParams {
    fn default() -> Self {
        Self {
            min_instances: 30,
            delta: 0.005,
            threshold: 50.0,
            alpha: 1.0 - 0.0001,
            mode: PhMode::Both,
        }
    }
}

/// Page-Hinkley change detector (river 0.26.1 semantics, detection indices identical).
///
/// Per update: `mean` is the running mean including `x`; `S⁺ = α·S⁺ + (x − mean) − δ`,
/// `S⁻ = α·S⁻ + (x − mean) + δ`; drift when `S⁺ − min S⁺ > λ` (up) or `max S⁻ − S⁻ > λ`
/// (down) once `min_instances` values were seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageHinkley {
    params: PageHinkleyParams,
    /// Inputs are divided by this before use (1 unless built with [`PageHinkley::normalised`]).
    #[serde(with = "crate::serde_f64")]
    scale: f64,
    mean: RunningMean,
    #[serde(with = "crate::serde_f64")]
    sum_increase: f64,
    #[serde(with = "crate::serde_f64")]
    sum_decrease: f64,
    #[serde(with = "crate::serde_f64::null_inf")]
    min_increase: f64,
    #[serde(with = "crate::serde_f64")]
    max_decrease: f64,
    drift: bool,
    seen: u64,
}

impl Default for PageHinkley {
    fn default() -> Self {
        Self::fresh(PageHinkleyParams::default(), 1.0)
    }
}

impl PageHinkley {
    /// A detector with the given parameters.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] if `delta`/`threshold` are negative or not finite, or
    /// `alpha` is outside [0, 1].
    pub fn new(params: PageHinkleyParams) -> Result<Self> {
        Self::validate(&params)?;
        Ok(Self::fresh(params, 1.0))
    }

    /// σ-normalised Page-Hinkley: inputs are divided by the sample standard deviation (ddof = 1)
    /// of `reference`, so `delta` and `threshold` are in units of the reference σ. This makes the
    /// false-alarm rate scale-free (the raw defaults alarm constantly on wide-range data).
    ///
    /// # Errors
    /// Parameter errors as [`PageHinkley::new`]; [`crate::Error::TooFew`] if `reference` has fewer
    /// than 2 values; [`crate::Error::NonFinite`]; [`crate::Error::InvalidParameter`] when the
    /// reference is constant (σ = 0).
    pub fn normalised(params: PageHinkleyParams, reference: &[f64]) -> Result<Self> {
        Self::validate(&params)?;
        check_finite("reference period", reference)?;
        let sd = crate::util::sample_std(reference, "reference period")?;
        if sd <= 0.0 {
            return Err(invalid(
                "reference σ",
                sd,
                "reference period is constant; cannot normalise",
            ));
        }
        Ok(Self::fresh(params, sd))
    }

    fn validate(p: &PageHinkleyParams) -> Result<()> {
        if !(p.delta.is_finite() && p.delta >= 0.0) {
            return Err(invalid("delta", p.delta, "must be finite and >= 0"));
        }
        if !(p.threshold.is_finite() && p.threshold >= 0.0) {
            return Err(invalid("threshold", p.threshold, "must be finite and >= 0"));
        }
        if !(0.0..=1.0).contains(&p.alpha) {
            return Err(invalid(
                "alpha",
                p.alpha,
                "fading factor must lie in [0, 1]",
            ));
        }
        Ok(())
    }

    fn fresh(params: PageHinkleyParams, scale: f64) -> Self {
        Self {
            params,
            scale,
            mean: RunningMean::default(),
            sum_increase: 0.0,
            sum_decrease: 0.0,
            min_increase: f64::INFINITY,
            max_decrease: -1.0,
            drift: false,
            seen: 0,
        }
    }

    /// The parameters.
    #[must_use]
    pub fn params(&self) -> &PageHinkleyParams {
        &self.params
    }
    /// The σ inputs are divided by (1 when not normalised).
    #[must_use]
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// Current test statistics `(S⁺ − min S⁺, max S⁻ − S⁻)`, in (scaled) data units.
    #[must_use]
    pub fn statistics(&self) -> (f64, f64) {
        (
            self.sum_increase - self.min_increase,
            self.max_decrease - self.sum_decrease,
        )
    }
}

impl PageHinkley {
    /// The update after the input check, on the normalised value `x` (`value / scale`).
    #[inline(always)]
    fn step(&mut self, x: f64) -> DriftState {
        self.seen += 1;
        self.mean.update(x);
        let dev = x - self.mean.mean;
        let p = &self.params;
        self.sum_increase = p.alpha * self.sum_increase + dev - p.delta;
        self.sum_decrease = p.alpha * self.sum_decrease + dev + p.delta;
        if self.sum_increase < self.min_increase {
            self.min_increase = self.sum_increase;
        }
        if self.sum_decrease > self.max_decrease {
            self.max_decrease = self.sum_decrease;
        }
        if self.mean.n >= p.min_instances as f64 {
            let up = self.sum_increase - self.min_increase > p.threshold;
            let down = self.max_decrease - self.sum_decrease > p.threshold;
            self.drift = match p.mode {
                PhMode::Up => up,
                PhMode::Down => down,
                PhMode::Both => up || down,
            };
        }
        if self.drift {
            DriftState::Drift
        } else {
            DriftState::Stable
        }
    }

    /// [`DriftDetector::detect_into`] with `x = norm(value)` (one loop per normalisation, so
    /// the `scale == 1` loop has no division).
    #[inline(always)]
    fn detect_with(
        &mut self,
        values: &[f64],
        out: &mut Detections,
        norm: impl Fn(f64) -> f64,
    ) -> Result<()> {
        for (i, &v) in values.iter().enumerate() {
            if let Err(e) = finite(v, self.seen) {
                return Err(relabel(e, i));
            }
            if self.drift {
                self.reset();
            }
            if self.step(norm(v)).is_drift() {
                out.drifts.push(i);
            }
        }
        Ok(())
    }
}

impl DriftDetector for PageHinkley {
    #[inline]
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.seen)?;
        if self.drift {
            self.reset();
        }
        // Compared as bits, not as floats: for `scale == 1.0` the compiler would otherwise merge
        // both arms into an unconditional `value / scale` (exact, but a division per update).
        let x = if self.scale.to_bits() == 1.0_f64.to_bits() {
            value
        } else {
            value / self.scale
        };
        Ok(self.step(x))
    }

    /// Two loops, chosen once: without σ-normalisation (`scale == 1`) the values are used as
    /// they are; inside one loop the compiler would turn the per-value choice into an
    /// unconditional division (`value / 1.0` is exact, but costs a division per value).
    fn detect_into(&mut self, values: &[f64], out: &mut Detections) -> Result<()> {
        let scale = self.scale;
        if scale.to_bits() == 1.0_f64.to_bits() {
            self.detect_with(values, out, |v| v)
        } else {
            self.detect_with(values, out, |v| v / scale)
        }
    }

    fn reset(&mut self) {
        *self = Self::fresh(self.params, self.scale);
    }
    fn name(&self) -> &'static str {
        "page_hinkley"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}
