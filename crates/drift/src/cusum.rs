//! Two-sided tabular CUSUM on standardised values (Page 1954; Montgomery's tabular form).

use serde::{Deserialize, Serialize};

use crate::detector::{DriftDetector, DriftState, finite};
use crate::error::{Result, check_finite, invalid};
use crate::page_hinkley::PhMode;

/// CUSUM parameters.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `k` | 0.5 | allowance, in σ (half the shift to detect) | ≥ 0 |
/// | `h` | 5.0 | decision interval, in σ | > 0 |
/// | `warning_h` | `None` | optional warning interval (< h) | (0, h) |
/// | `warmup` | 30 | values used to estimate μ, σ when no reference is given | ≥ 2 |
/// | `mode` | both | direction | up/down/both |
///
/// With `k = 0.5, h = 5` the in-control average run length (ARL0) of one side on N(0, 1) is
/// about 930 (two-sided ≈ 465), and a 1σ shift is detected after about 10 values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CusumParams {
    /// Allowance in σ units.
    #[serde(with = "crate::serde_f64")]
    pub k: f64,
    /// Decision interval in σ units.
    #[serde(with = "crate::serde_f64")]
    pub h: f64,
    /// Optional warning interval in σ units.
    #[serde(with = "crate::serde_f64::option")]
    pub warning_h: Option<f64>,
    /// Warm-up length when μ, σ are estimated from the stream itself.
    pub warmup: u64,
    /// Direction.
    pub mode: PhMode,
}

impl Default for CusumParams {
    fn default() -> Self {
        Self {
            k: 0.5,
            h: 5.0,
            warning_h: None,
            warmup: 30,
            mode: PhMode::Both,
        }
    }
}

/// Two-sided tabular CUSUM: `C⁺ = max(0, C⁺ + z − k)`, `C⁻ = max(0, C⁻ − z − k)` with
/// `z = (x − μ₀)/σ₀`; drift when `C⁺ > h` (up) or `C⁻ > h` (down). μ₀, σ₀ come from a reference
/// period ([`Cusum::with_reference`]) or from the first `warmup` values after each reset. (river
/// 0.26.1 has no CUSUM; this is the textbook chart, which is what a trading desk expects.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cusum {
    params: CusumParams,
    #[serde(with = "crate::serde_f64::option_pair")]
    reference: Option<(f64, f64)>,
    #[serde(with = "crate::serde_f64")]
    mu: f64,
    #[serde(with = "crate::serde_f64")]
    sigma: f64,
    // warm-up accumulators (Welford)
    wn: u64,
    #[serde(with = "crate::serde_f64")]
    wmean: f64,
    #[serde(with = "crate::serde_f64")]
    wm2: f64,
    #[serde(with = "crate::serde_f64")]
    c_up: f64,
    #[serde(with = "crate::serde_f64")]
    c_down: f64,
    drift: bool,
    seen: u64,
}

impl Default for Cusum {
    fn default() -> Self {
        Self::fresh(CusumParams::default(), None)
    }
}

impl Cusum {
    /// A CUSUM that estimates μ₀, σ₀ from its first `warmup` values.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for negative `k`, non-positive `h`, a warning interval
    /// outside (0, h), or `warmup < 2`.
    pub fn new(params: CusumParams) -> Result<Self> {
        Self::validate(&params)?;
        Ok(Self::fresh(params, None))
    }

    /// A CUSUM with μ₀, σ₀ (ddof = 1) taken from a reference period.
    ///
    /// # Errors
    /// As [`Cusum::new`], plus [`crate::Error::TooFew`] for fewer than 2 reference values,
    /// [`crate::Error::NonFinite`], and [`crate::Error::InvalidParameter`] for a constant reference.
    pub fn with_reference(params: CusumParams, reference: &[f64]) -> Result<Self> {
        Self::validate(&params)?;
        check_finite("reference period", reference)?;
        let sd = crate::util::sample_std(reference, "reference period")?;
        if sd <= 0.0 {
            return Err(invalid("reference σ", sd, "reference period is constant"));
        }
        Ok(Self::fresh(
            params,
            Some((crate::util::mean(reference), sd)),
        ))
    }

    fn validate(p: &CusumParams) -> Result<()> {
        if !(p.k.is_finite() && p.k >= 0.0) {
            return Err(invalid("k", p.k, "must be finite and >= 0"));
        }
        if !(p.h.is_finite() && p.h > 0.0) {
            return Err(invalid("h", p.h, "must be finite and > 0"));
        }
        if let Some(w) = p.warning_h
            && !(w > 0.0 && w < p.h)
        {
            return Err(invalid("warning_h", w, "must lie in (0, h)"));
        }
        if p.warmup < 2 {
            return Err(invalid("warmup", p.warmup, "must be >= 2"));
        }
        Ok(())
    }

    fn fresh(params: CusumParams, reference: Option<(f64, f64)>) -> Self {
        let (mu, sigma) = reference.unwrap_or((f64::NAN, f64::NAN));
        Self {
            params,
            reference,
            mu,
            sigma,
            wn: 0,
            wmean: 0.0,
            wm2: 0.0,
            c_up: 0.0,
            c_down: 0.0,
            drift: false,
            seen: 0,
        }
    }

    /// Current `(C⁺, C⁻)` in σ units.
    #[must_use]
    pub fn statistics(&self) -> (f64, f64) {
        (self.c_up, self.c_down)
    }
    /// The in-control `(μ₀, σ₀)` (NaN until the warm-up is complete).
    #[must_use]
    pub fn baseline(&self) -> (f64, f64) {
        (self.mu, self.sigma)
    }
}

impl DriftDetector for Cusum {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.seen)?;
        if self.drift {
            self.reset();
        }
        self.seen += 1;
        if self.reference.is_none() && self.wn < self.params.warmup {
            self.wn += 1;
            let d = value - self.wmean;
            self.wmean += d / self.wn as f64;
            self.wm2 += d * (value - self.wmean);
            if self.wn == self.params.warmup {
                self.mu = self.wmean;
                let sd = (self.wm2 / (self.wn as f64 - 1.0)).sqrt();
                // a constant warm-up gives σ = 0: fall back to the smallest positive scale so that
                // any change is flagged rather than producing NaN
                self.sigma = if sd > 0.0 { sd } else { f64::MIN_POSITIVE };
            }
            return Ok(DriftState::Stable);
        }
        let z = (value - self.mu) / self.sigma;
        let k = self.params.k;
        self.c_up = (self.c_up + z - k).max(0.0);
        self.c_down = (self.c_down - z - k).max(0.0);
        let (up, down) = match self.params.mode {
            PhMode::Up => (self.c_up, 0.0),
            PhMode::Down => (0.0, self.c_down),
            PhMode::Both => (self.c_up, self.c_down),
        };
        let stat = up.max(down);
        self.drift = stat > self.params.h;
        Ok(if self.drift {
            DriftState::Drift
        } else if self.params.warning_h.is_some_and(|w| stat > w) {
            DriftState::Warning
        } else {
            DriftState::Stable
        })
    }
    fn reset(&mut self) {
        *self = Self::fresh(self.params, self.reference);
    }
    fn name(&self) -> &'static str {
        "cusum"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}
