//! RSI and CMO: Wilder-smoothed average gain and loss (TA-Lib `ta_RSI.c`, `ta_CMO.c`).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{MAX_PERIOD, check_period, is_zero};
use crate::error::Result;
use crate::indicator::{Indicator, PriceField};

/// Shared state: Wilder's average gain and loss, seeded with the simple mean over the
/// first `period` changes, then `avg = (avg * (period - 1) + x) * (1 / period)`.
///
/// TA-Lib 0.8.1 multiplies by the reciprocal of the period rather than dividing (this is
/// what its wheel computes bit for bit; dividing differs by a few ulp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GainLoss {
    period: usize,
    /// RSI multiplies by `1 / period`; CMO divides by `period` (TA-Lib 0.8.1 differs here).
    recip: bool,
    n: usize,
    prev: f64,
    gain: f64,
    loss: f64,
}

impl GainLoss {
    fn new(period: usize, recip: bool) -> Self {
        Self {
            period,
            recip,
            n: 0,
            prev: 0.0,
            gain: 0.0,
            loss: 0.0,
        }
    }

    #[inline]
    fn scale(&mut self, p: f64) {
        if self.recip {
            let inv = 1.0 / p;
            self.loss *= inv;
            self.gain *= inv;
        } else {
            self.loss /= p;
            self.gain /= p;
        }
    }

    /// Feeds one value; `Some((gain, loss))` once the averages exist (from bar `period`).
    #[inline]
    fn step(&mut self, x: f64) -> Option<(f64, f64)> {
        let n = self.n;
        self.n = n.saturating_add(1);
        if n == 0 {
            self.prev = x;
            return None;
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let p = self.period as f64;
        let diff = x - self.prev;
        self.prev = x;
        if n <= self.period {
            if diff < 0.0 {
                self.loss -= diff;
            } else {
                self.gain += diff;
            }
            if n < self.period {
                return None;
            }
            self.scale(p);
            return Some((self.gain, self.loss));
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let pm1 = (self.period - 1) as f64;
        self.loss *= pm1;
        self.gain *= pm1;
        if diff < 0.0 {
            self.loss -= diff;
        } else {
            self.gain += diff;
        }
        self.scale(p);
        Some((self.gain, self.loss))
    }
}

/// RSI, Relative Strength Index (TA-Lib `RSI`): `100 * avgGain / (avgGain + avgLoss)` with
/// Wilder smoothing; 0 when both averages are (TA-Lib-)zero. Lookback `timeperiod`.
///
/// ```
/// use aaiti_features::{Indicator, momentum::Rsi};
/// let mut rsi = Rsi::new(14)?;
/// let bar = |c: f64| aaiti_core::Bar { open: c, high: c, low: c, close: c, volume: 1.0 };
/// let out: Vec<_> = (0..20).map(|i| rsi.update(&bar(100.0 + f64::from(i)))).collect();
/// assert!(out[13].is_none());
/// assert_eq!(out[14], Some(100.0)); // only gains
/// # Ok::<(), aaiti_features::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rsi {
    price: PriceField,
    st: GainLoss,
}

impl Rsi {
    /// RSI over `timeperiod` (2..=100000) bars of the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("RSI", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            st: GainLoss::new(timeperiod, true),
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }

    /// Feeds one value (the streaming form used by composite indicators).
    #[inline]
    pub fn update_value(&mut self, x: f64) -> Option<f64> {
        let (g, l) = self.st.step(x)?;
        let s = g + l;
        Some(if is_zero(s) { 0.0 } else { 100.0 * (g / s) })
    }

    /// The period.
    #[must_use]
    pub fn timeperiod(&self) -> usize {
        self.st.period
    }
}

impl Indicator for Rsi {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.st.period
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.update_value(self.price.get(bar))
    }
    fn reset(&mut self) {
        self.st = GainLoss::new(self.st.period, self.st.recip);
    }
}

/// CMO, Chande Momentum Oscillator (TA-Lib `CMO`): `100 * (avgGain - avgLoss) /
/// (avgGain + avgLoss)` with the same Wilder smoothing as RSI (TA-Lib does not use the
/// textbook simple sums). Lookback `timeperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cmo {
    price: PriceField,
    st: GainLoss,
}

impl Cmo {
    /// CMO over `timeperiod` (2..=100000) bars of the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("CMO", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            st: GainLoss::new(timeperiod, false),
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Cmo {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.st.period
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (g, l) = self.st.step(self.price.get(bar))?;
        let s = g + l;
        Some(if is_zero(s) {
            0.0
        } else {
            100.0 * ((g - l) / s)
        })
    }
    fn reset(&mut self) {
        self.st = GainLoss::new(self.st.period, self.st.recip);
    }
}
