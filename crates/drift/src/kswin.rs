//! KSWIN (Raab et al. 2020), as river 0.26.1 `drift.KSWIN`.

use std::collections::VecDeque;

use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::detector::{DriftDetector, DriftState, finite};
use crate::error::{Result, invalid};
use crate::pyrandom::PyRandom;
use crate::stats::{KsMethod, ks_2samp_sorted};

/// How KSWIN picks the reference sample from the older part of its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KswinSampling {
    /// Seed-free: the reference is *all* `window_size − stat_size` older values. Deterministic
    /// and portable; river reproduces it when its sampler returns the whole range.
    AllOldest,
    /// `stat_size` older values drawn without replacement by ChaCha8 seeded with this value
    /// (reproducible across platforms, independent of Python's RNG). Re-seeded on every reset.
    Seeded(u64),
    /// CPython's `random.Random(seed).sample(...)`: bit-exact replay of river's `KSWIN(seed=...)`.
    PythonCompatible(u64),
}

/// KSWIN parameters (river's names and defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `alpha` | 0.005 | p-value threshold | [0, 1] |
/// | `window_size` | 100 | sliding window length | > `stat_size` |
/// | `stat_size` | 30 | newest values tested against the reference | ≥ 1 |
/// | `sampling` | `PythonCompatible(1)`-like choice required | reference selection | |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KswinParams {
    /// p-value threshold.
    #[serde(with = "crate::serde_f64")]
    pub alpha: f64,
    /// Window length.
    pub window_size: usize,
    /// Size of the recent sample.
    pub stat_size: usize,
    /// Reference selection.
    pub sampling: KswinSampling,
}

impl Default for KswinParams {
    fn default() -> Self {
        Self {
            alpha: 0.005,
            window_size: 100,
            stat_size: 30,
            sampling: KswinSampling::AllOldest,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Sampler {
    None,
    Chacha(Box<rand_chacha::ChaCha8Rng>),
    Python(PyRandom),
}

/// KSWIN: a two-sample KS test between the newest `stat_size` values of a sliding window and a
/// reference drawn from its older part. Drift when `p <= alpha` and `D > 0.1` (river's rule).
/// The KS p-value is scipy's `ks_2samp(method="auto")` (see [`crate::ks_2samp`]).
///
/// Testing at every step makes false alarms frequent (about one per few thousand points at the
/// defaults); see the crate docs on alarm hygiene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kswin {
    params: KswinParams,
    #[serde(with = "crate::serde_f64::vec_deque")]
    window: VecDeque<f64>,
    sampler: Sampler,
    #[serde(with = "crate::serde_f64")]
    p_value: f64,
    #[serde(with = "crate::serde_f64")]
    statistic: f64,
    drift: bool,
    seen: u64,
    #[serde(skip)]
    scratch: (Vec<f64>, Vec<f64>),
}

impl Default for Kswin {
    fn default() -> Self {
        Self::fresh(KswinParams::default())
    }
}

impl Kswin {
    /// A detector with the given parameters.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] if `alpha` is outside [0, 1], `stat_size` is 0 or
    /// `stat_size >= window_size`.
    pub fn new(params: KswinParams) -> Result<Self> {
        if !(0.0..=1.0).contains(&params.alpha) {
            return Err(invalid("alpha", params.alpha, "must lie in [0, 1]"));
        }
        if params.stat_size == 0 {
            return Err(invalid("stat_size", params.stat_size, "must be >= 1"));
        }
        if params.stat_size >= params.window_size {
            return Err(invalid(
                "stat_size",
                params.stat_size,
                "must be smaller than window_size",
            ));
        }
        if matches!(
            params.sampling,
            KswinSampling::Seeded(_) | KswinSampling::PythonCompatible(_)
        ) && params.window_size - params.stat_size < params.stat_size
        {
            return Err(invalid(
                "stat_size",
                params.stat_size,
                "sampling stat_size values needs window_size - stat_size >= stat_size",
            ));
        }
        Ok(Self::fresh(params))
    }

    fn fresh(params: KswinParams) -> Self {
        let sampler = match params.sampling {
            KswinSampling::AllOldest => Sampler::None,
            KswinSampling::Seeded(s) => {
                Sampler::Chacha(Box::new(rand_chacha::ChaCha8Rng::seed_from_u64(s)))
            }
            KswinSampling::PythonCompatible(s) => Sampler::Python(PyRandom::new(s)),
        };
        Self {
            params,
            window: VecDeque::with_capacity(params.window_size),
            sampler,
            p_value: 0.0,
            statistic: 0.0,
            drift: false,
            seen: 0,
            scratch: (Vec::new(), Vec::new()),
        }
    }

    /// The p-value of the last test (0 before the window is full, as river).
    #[must_use]
    pub fn p_value(&self) -> f64 {
        self.p_value
    }
    /// The KS statistic of the last test.
    #[must_use]
    pub fn statistic(&self) -> f64 {
        self.statistic
    }
}

impl DriftDetector for Kswin {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.seen)?;
        if self.drift {
            self.reset();
        }
        self.seen += 1;
        let (w, s) = (self.params.window_size, self.params.stat_size);
        if self.window.len() == w {
            self.window.pop_front();
        }
        self.window.push_back(value);
        if self.window.len() < w {
            self.drift = false;
            return Ok(DriftState::Stable);
        }
        let old = w - s;
        let (reference, recent) = &mut self.scratch;
        reference.clear();
        recent.clear();
        match &mut self.sampler {
            Sampler::None => reference.extend(self.window.range(..old)),
            Sampler::Chacha(rng) => {
                for i in rand::seq::index::sample(rng.as_mut(), old, s) {
                    reference.push(self.window[i]);
                }
            }
            Sampler::Python(rng) => {
                for i in rng.sample(old, s) {
                    reference.push(self.window[i]);
                }
            }
        }
        recent.extend(self.window.range(old..));
        reference.sort_unstable_by(f64::total_cmp);
        recent.sort_unstable_by(f64::total_cmp);
        let r = ks_2samp_sorted(reference, recent, KsMethod::Auto);
        self.p_value = r.pvalue;
        self.statistic = r.statistic;
        self.drift = r.pvalue <= self.params.alpha && r.statistic > 0.1;
        Ok(if self.drift {
            DriftState::Drift
        } else {
            DriftState::Stable
        })
    }
    fn reset(&mut self) {
        *self = Self::fresh(self.params);
    }
    fn name(&self) -> &'static str {
        "kswin"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}
