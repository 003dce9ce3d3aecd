//! The Hilbert-transform machinery shared by the HT_* functions and MAMA (TA-Lib
//! `ta_HT_*.c`, `ta_MAMA.c`, after Ehlers' "Rocket Science for Traders").
//!
//! A 4-bar WMA smooths the price; Hilbert transforms of the smoothed price, run separately
//! for even and odd bars as TA-Lib does, give the in-phase and quadrature components
//! and, through the homodyne discriminator, the dominant cycle period. TA-Lib 0.8.1
//! evaluates several `a·b + c·d` updates as fused multiply-adds; the same sites are fused
//! here (`mul_add`), so the values match its wheel bit for bit.

use serde::{Deserialize, Serialize};

const A: f64 = 0.0962;
const B: f64 = 0.5769;

/// One Hilbert transform line (TA-Lib's `HILBERT_VARIABLES` for odd and even bars).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Hilbert {
    #[serde(with = "aaiti_core::serde_f64::array")]
    odd: [f64; 3],
    #[serde(with = "aaiti_core::serde_f64::array")]
    even: [f64; 3],
    #[serde(with = "aaiti_core::serde_f64")]
    prev_odd: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_even: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_in_odd: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_in_even: f64,
}

impl Hilbert {
    /// `DO_HILBERT_TRANSFORM` with TA-Lib's exact operation order.
    #[inline]
    fn step(&mut self, input: f64, idx: usize, even: bool, adj: f64) -> f64 {
        let t = A * input;
        let (arr, prev, prev_in) = if even {
            (&mut self.even, &mut self.prev_even, &mut self.prev_in_even)
        } else {
            (&mut self.odd, &mut self.prev_odd, &mut self.prev_in_odd)
        };
        let slot = arr.get_mut(idx % 3);
        let old = slot.as_ref().map_or(0.0, |s| **s);
        let mut v = 0.0 - old;
        if let Some(s) = slot {
            *s = t;
        }
        v += t;
        v -= *prev;
        *prev = B * *prev_in;
        v += *prev;
        *prev_in = input;
        v * adj
    }
}

/// What one main-loop bar produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HtStep {
    /// Bar index.
    pub(crate) today: usize,
    /// The raw input of this bar.
    pub(crate) value: f64,
    /// The 4-bar WMA of the price.
    pub(crate) smoothed: f64,
    /// In-phase component (the detrender delayed 3 bars).
    pub(crate) i1: f64,
    /// Quadrature component.
    pub(crate) q1: f64,
    /// The period before this bar's update (MAMA needs the homodyne inputs only).
    pub(crate) smooth_period: f64,
}

/// The shared recursion. `warmup` is the number of WMA-only bars after the first three
/// (TA-Lib: 9 for lookback-32 functions, 34 for lookback-63 ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HtCore {
    warmup: usize,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64::array")]
    last: [f64; 4],
    #[serde(with = "aaiti_core::serde_f64")]
    sub: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    trailing: f64,
    hidx: usize,
    det: Hilbert,
    q1h: Hilbert,
    jih: Hilbert,
    jqh: Hilbert,
    #[serde(with = "aaiti_core::serde_f64")]
    i1_odd_prev2: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    i1_odd_prev3: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    i1_even_prev2: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    i1_even_prev3: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    pub(crate) period: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_q2: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_i2: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    re: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    im: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    pub(crate) smooth_period: f64,
    /// Homodyne I2/Q2 of the last step (MAMA updates the period after its own output).
    #[serde(with = "aaiti_core::serde_f64")]
    i2: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    q2: f64,
}

impl HtCore {
    pub(crate) fn new(warmup: usize) -> Self {
        Self {
            warmup,
            n: 0,
            last: [0.0; 4],
            sub: 0.0,
            sum: 0.0,
            trailing: 0.0,
            hidx: 0,
            det: Hilbert::default(),
            q1h: Hilbert::default(),
            jih: Hilbert::default(),
            jqh: Hilbert::default(),
            i1_odd_prev2: 0.0,
            i1_odd_prev3: 0.0,
            i1_even_prev2: 0.0,
            i1_even_prev3: 0.0,
            period: 0.0,
            prev_q2: 0.0,
            prev_i2: 0.0,
            re: 0.0,
            im: 0.0,
            smooth_period: 0.0,
            i2: 0.0,
            q2: 0.0,
        }
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.warmup);
    }

    /// The raw input `k` bars ago (`k <= 3`).
    #[inline]
    fn back(&self, k: usize) -> f64 {
        self.last.get((self.n + 3 - k) % 4).copied().unwrap_or(0.0)
    }

    /// Feeds one value; `Some` from the first main-loop bar (`3 + warmup`). The period is
    /// *not* yet updated for this bar: call [`HtCore::update_period`] afterwards (MAMA
    /// computes its output in between, as TA-Lib does).
    #[inline]
    pub(crate) fn step(&mut self, x: f64) -> Option<HtStep> {
        let today = self.n;
        if let Some(s) = self.last.get_mut(today % 4) {
            *s = x;
        }
        self.n += 1;
        match today {
            0 => {
                self.sub = x;
                self.sum = x;
                return None;
            }
            1 => {
                self.sub += x;
                self.sum += x * 2.0;
                return None;
            }
            2 => {
                self.sub += x;
                self.sum += x * 3.0;
                self.trailing = 0.0;
                return None;
            }
            _ => {}
        }
        // adjustedPrevPeriod is computed before this bar's WMA step
        let adj = 0.075f64.mul_add(self.period, 0.54);
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * 4.0;
        self.trailing = self.back(3);
        let smoothed = self.sum * 0.1;
        self.sum -= self.sub;
        if today < 3 + self.warmup {
            return None;
        }
        let even = today.is_multiple_of(2);
        let idx = self.hidx;
        let detrender = self.det.step(smoothed, idx, even, adj);
        let q1 = self.q1h.step(detrender, idx, even, adj);
        let i1 = if even {
            self.i1_even_prev3
        } else {
            self.i1_odd_prev3
        };
        let ji = self.jih.step(i1, idx, even, adj);
        let jq = self.jqh.step(q1, idx, even, adj);
        if even {
            self.hidx = (self.hidx + 1) % 3;
        }
        self.q2 = 0.2f64.mul_add(q1 + ji, 0.8 * self.prev_q2);
        self.i2 = 0.2f64.mul_add(i1 - jq, 0.8 * self.prev_i2);
        if even {
            self.i1_odd_prev3 = self.i1_odd_prev2;
            self.i1_odd_prev2 = detrender;
        } else {
            self.i1_even_prev3 = self.i1_even_prev2;
            self.i1_even_prev2 = detrender;
        }
        Some(HtStep {
            today,
            value: x,
            smoothed,
            i1,
            q1,
            smooth_period: self.smooth_period,
        })
    }

    /// The homodyne discriminator and period update that follows each main-loop bar;
    /// `smooth` also updates the smoothed period (all HT_* functions, not MAMA).
    #[inline]
    pub(crate) fn update_period(&mut self, rad2deg: f64, smooth: bool) {
        let (i2, q2) = (self.i2, self.q2);
        self.re = 0.8f64.mul_add(self.re, 0.2 * i2.mul_add(self.prev_i2, q2 * self.prev_q2));
        self.im = 0.8f64.mul_add(self.im, 0.2 * (i2 * self.prev_q2 - q2 * self.prev_i2));
        self.prev_q2 = q2;
        self.prev_i2 = i2;
        let prev = self.period;
        if self.im != 0.0 && self.re != 0.0 {
            self.period = 360.0 / ((self.im / self.re).atan() * rad2deg);
        }
        let hi = 1.5 * prev;
        if self.period > hi {
            self.period = hi;
        }
        let lo = 0.67 * prev;
        if self.period < lo {
            self.period = lo;
        }
        self.period = self.period.clamp(6.0, 50.0);
        self.period = 0.2f64.mul_add(self.period, 0.8 * prev);
        if smooth {
            self.smooth_period = 0.67f64.mul_add(self.smooth_period, 0.33 * self.period);
        }
    }
}

/// `180 / (4 · atan(1))`, TA-Lib's radians-to-degrees constant.
pub(crate) fn rad2deg() -> f64 {
    180.0 / (4.0 * 1.0f64.atan())
}
