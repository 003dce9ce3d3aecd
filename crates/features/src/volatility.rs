//! Volatility: TRANGE, ATR, NATR.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::indicator::Indicator;
use crate::overlap::ma::fp;
use crate::overlap::{MAX_PERIOD, check_range};

/// True range of `bar` given the previous close (TA-Lib's operation order).
#[inline]
pub(crate) fn true_range(bar: &Bar, prev_close: f64) -> f64 {
    let mut greatest = bar.high - bar.low;
    let v2 = (prev_close - bar.high).abs();
    if v2 > greatest {
        greatest = v2;
    }
    let v3 = (bar.low - prev_close).abs();
    if v3 > greatest {
        greatest = v3;
    }
    greatest
}

/// TRANGE: true range (TA-Lib `TRANGE`; lookback 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TRange {
    prev_close: Option<f64>,
}

impl TRange {
    /// A new instance.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl Indicator for TRange {
    type Output = f64;
    fn lookback(&self) -> usize {
        1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let out = self.prev_close.map(|pc| true_range(bar, pc));
        self.prev_close = Some(bar.close);
        out
    }
    fn reset(&mut self) {
        self.prev_close = None;
    }
}

/// Wilder-smoothed true range: ATR[n] = mean(TR[1..=n]), then TA-Lib 0.8.1's step
/// `fma(prev, (n-1)/n, tr * (1 - (n-1)/n))` (its `TA_ATR.fma` build; the classic C source's
/// `(prev*(n-1) + tr)/n` differs in the last bits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AtrCore {
    pub(crate) period: usize,
    tr: TRange,
    n: usize,
    sum: f64,
    prev: f64,
}

impl AtrCore {
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            tr: TRange::new(),
            n: 0,
            sum: 0.0,
            prev: 0.0,
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        self.period
    }
    #[inline]
    pub(crate) fn update(&mut self, bar: &Bar) -> Option<f64> {
        let tr = self.tr.update(bar)?;
        let p = self.period;
        if p == 1 {
            return Some(tr);
        }
        if self.n < p {
            self.sum += tr;
            self.n += 1;
            if self.n < p {
                return None;
            }
            self.prev = self.sum / fp(p);
            return Some(self.prev);
        }
        let keep = fp(p - 1) / fp(p);
        self.prev = self.prev.mul_add(keep, tr * (1.0 - keep));
        Some(self.prev)
    }
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.period);
    }
}

/// ATR: average true range, Wilder smoothing seeded with the mean of the first
/// `timeperiod` true ranges (TA-Lib `ATR`, default 14; lookback = period; period 1 = TRANGE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Atr {
    core: AtrCore,
}

impl Atr {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 1..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        Ok(Self {
            core: AtrCore::new(period),
        })
    }
}

impl Indicator for Atr {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.core.update(bar)
    }
    fn reset(&mut self) {
        self.core.reset();
    }
}

/// NATR: `100 * ATR / close` (0 when the close is exactly zero) (TA-Lib `NATR`,
/// default 14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Natr {
    core: AtrCore,
}

impl Natr {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 1..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        Ok(Self {
            core: AtrCore::new(period),
        })
    }
}

impl Indicator for Natr {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let atr = self.core.update(bar)?;
        if self.core.period == 1 {
            // TA-Lib 0.8.1 returns the plain true range for NATR(1) (verified on the golden data).
            return Some(atr);
        }
        // TA-Lib 0.8.1 tests the close for exact zero here (not TA_IS_ZERO).
        Some(if bar.close == 0.0 {
            0.0
        } else {
            (atr / bar.close) * 100.0
        })
    }
    fn reset(&mut self) {
        self.core.reset();
    }
}
