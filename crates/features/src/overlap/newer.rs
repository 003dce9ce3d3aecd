//! Overlays added to TA-Lib after 0.4 (present in 0.8.1): VWAP, KC, DONCHIAN, SUPERTREND,
//! HMA, ACCBANDS. Semantics and start-up alignment were checked against the TA-Lib 0.8.1
//! wheel (see `tests/golden/features/f1_generate.py`).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::ma::{EmaCore, SmaCore, WmaCore};
use super::{BandsOutput, MAX_PERIOD, check_range, check_real};
use crate::error::Result;
use crate::indicator::{Indicator, PriceField};
use crate::volatility::AtrCore;
use crate::window::MinMaxWindow;

/// VWAP: cumulative volume-weighted typical price `Σ(tp·v) / Σv` from the first bar, with
/// `tp = (high + low + close) / 3` (TA-Lib `VWAP`; lookback 0). While the cumulative volume
/// is zero the division gives NaN (0/0), as TA-Lib's does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Vwap {
    #[serde(with = "aaiti_core::serde_f64")]
    pv: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    v: f64,
}

impl Vwap {
    /// A new instance.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl Indicator for Vwap {
    type Output = f64;
    fn lookback(&self) -> usize {
        0
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let tp = (bar.high + bar.low + bar.close) / 3.0;
        self.pv += tp * bar.volume;
        self.v += bar.volume;
        Some(self.pv / self.v)
    }
    fn reset(&mut self) {
        *self = Self::default();
    }
}

/// KC: Keltner channels, middle = EMA(`timeperiod`) of the typical price, bands at
/// ±`nbdev` × ATR(`atrperiod`) (TA-Lib `KC`, defaults 20, 10, 2). As in TA-Lib, both
/// sub-indicators start where the combined lookback requires (the ATR is seeded on the
/// `atrperiod` true ranges ending at the first output bar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kc {
    period: usize,
    atr_period: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    nbdev: f64,
    t: usize,
    ema: EmaCore,
    atr: AtrCore,
}

impl Kc {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000, `atrperiod`
    /// outside 1..=100000 or a non-finite `nbdev`.
    pub fn new(period: usize, atr_period: usize, nbdev: f64) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        check_range("atrperiod", atr_period, 1, MAX_PERIOD)?;
        check_real("nbdev", nbdev, -3e37, 3e37)?;
        Ok(Self {
            period,
            atr_period,
            nbdev,
            t: 0,
            ema: EmaCore::new(period),
            atr: AtrCore::new(atr_period),
        })
    }
}

impl Indicator for Kc {
    type Output = BandsOutput;
    fn lookback(&self) -> usize {
        (self.period - 1).max(self.atr_period)
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<BandsOutput> {
        let lb = self.lookback();
        let t = self.t;
        self.t += 1;
        let mid = if t + (self.period - 1) >= lb {
            self.ema.update((bar.high + bar.low + bar.close) / 3.0)
        } else {
            None
        };
        let atr = if t + self.atr_period >= lb {
            self.atr.update(bar)
        } else {
            None
        };
        let (mid, atr) = (mid?, atr?);
        let w = self.nbdev * atr;
        Some(BandsOutput {
            upperband: mid + w,
            middleband: mid,
            lowerband: mid - w,
        })
    }
    fn reset(&mut self) {
        self.t = 0;
        self.ema.reset();
        self.atr.reset();
    }
}

/// DONCHIAN: Donchian channel, upper = highest high, lower = lowest low over `timeperiod`
/// bars, middle = their mean (TA-Lib `DONCHIAN`, default 20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Donchian {
    period: usize,
    win: MinMaxWindow,
}

impl Donchian {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        Ok(Self {
            period,
            win: MinMaxWindow::new(period),
        })
    }
}

impl Indicator for Donchian {
    type Output = BandsOutput;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<BandsOutput> {
        self.win.push(bar.high, bar.low);
        if self.win.count() < self.period as u64 {
            return None;
        }
        let (u, l) = (self.win.max(), self.win.min());
        Some(BandsOutput {
            upperband: u,
            middleband: (u + l) / 2.0,
            lowerband: l,
        })
    }
    fn reset(&mut self) {
        self.win.reset();
    }
}

crate::indicator_output!(
    /// SUPERTREND's outputs: the stop line and the trend (+1 up, -1 down).
    pub struct SupertrendOutput {
        /// The active band (lower band in an up-trend, upper band in a down-trend).
        supertrend,
        /// +1 for an up-trend, -1 for a down-trend (TA-Lib's integer output).
        trend,
    }
);

/// SUPERTREND: ATR bands around `(high + low) / 2` that only tighten, flipping on a close
/// beyond the active band (TA-Lib `SUPERTREND`, defaults 10 and 3; lookback = period;
/// starts in an up-trend).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supertrend {
    #[serde(with = "aaiti_core::serde_f64")]
    multiplier: f64,
    atr: AtrCore,
    #[serde(default, with = "aaiti_core::serde_f64::option")]
    prev_close: Option<f64>,
    #[serde(default, with = "aaiti_core::serde_f64::nested")]
    state: Option<(f64, f64, bool)>,
}

impl Supertrend {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000 or a
    /// non-finite multiplier.
    pub fn new(period: usize, multiplier: f64) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        check_real("multiplier", multiplier, -3e37, 3e37)?;
        Ok(Self {
            multiplier,
            atr: AtrCore::new(period),
            prev_close: None,
            state: None,
        })
    }
}

impl Indicator for Supertrend {
    type Output = SupertrendOutput;
    fn lookback(&self) -> usize {
        self.atr.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<SupertrendOutput> {
        let prev_close = self.prev_close.unwrap_or(f64::NAN);
        self.prev_close = Some(bar.close);
        let atr = self.atr.update(bar)?;
        let hl2 = (bar.high + bar.low) / 2.0;
        let bu = hl2 + self.multiplier * atr;
        let bl = hl2 - self.multiplier * atr;
        let (fu, fl, up) = match self.state {
            None => (bu, bl, true),
            Some((pu, pl, pup)) => {
                let fu = if bu < pu || prev_close > pu { bu } else { pu };
                let fl = if bl > pl || prev_close < pl { bl } else { pl };
                let up = if pup { bar.close >= fl } else { bar.close > fu };
                (fu, fl, up)
            }
        };
        self.state = Some((fu, fl, up));
        Some(SupertrendOutput {
            supertrend: if up { fl } else { fu },
            trend: if up { 1.0 } else { -1.0 },
        })
    }
    fn reset(&mut self) {
        self.atr.reset();
        self.prev_close = None;
        self.state = None;
    }
}

/// HMA: Hull moving average `WMA(2·WMA(n/2) − WMA(n), ⌊√n⌋)` (TA-Lib `HMA`, default 20;
/// lookback `n − 1 + ⌊√n⌋ − 1`). The half-period WMA starts where TA-Lib starts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hma {
    price: PriceField,
    period: usize,
    t: usize,
    half: WmaCore,
    full: WmaCore,
    outer: WmaCore,
}

impl Hma {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 1..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        let (h, s) = Self::sub_periods(period);
        Ok(Self {
            price: PriceField::Close,
            period,
            t: 0,
            half: WmaCore::new(h),
            full: WmaCore::new(period),
            outer: WmaCore::new(s),
        })
    }
    fn sub_periods(period: usize) -> (usize, usize) {
        let half = (period / 2).max(1);
        let mut s = 1;
        while (s + 1) * (s + 1) <= period {
            s += 1;
        }
        (half, s)
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Hma {
    type Output = f64;
    fn lookback(&self) -> usize {
        let (_, s) = Self::sub_periods(self.period);
        self.period - 1 + s - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let x = self.price.get(bar);
        if self.period == 1 {
            return Some(x);
        }
        let (h, _) = Self::sub_periods(self.period);
        let t = self.t;
        self.t += 1;
        let full = self.full.update(x);
        let half = if t + h >= self.period {
            self.half.update(x)
        } else {
            None
        };
        let raw = 2.0 * half? - full?;
        self.outer.update(raw)
    }
    fn reset(&mut self) {
        self.t = 0;
        self.half.reset();
        self.full.reset();
        self.outer.reset();
    }
}

/// ACCBANDS: acceleration bands, SMAs of `high·(1 + 4(h−l)/(h+l))`, the close and
/// `low·(1 − 4(h−l)/(h+l))` over `timeperiod` bars (TA-Lib `ACCBANDS`, default 20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccBands {
    upper: SmaCore,
    middle: SmaCore,
    lower: SmaCore,
}

impl AccBands {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        Ok(Self {
            upper: SmaCore::new(period),
            middle: SmaCore::new(period),
            lower: SmaCore::new(period),
        })
    }
}

impl Indicator for AccBands {
    type Output = BandsOutput;
    fn lookback(&self) -> usize {
        self.middle.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<BandsOutput> {
        let k = 4.0 * (bar.high - bar.low) / (bar.high + bar.low);
        let u = self.upper.update(bar.high * (1.0 + k));
        let m = self.middle.update(bar.close);
        let l = self.lower.update(bar.low * (1.0 - k));
        Some(BandsOutput {
            upperband: u?,
            middleband: m?,
            lowerband: l?,
        })
    }
    fn reset(&mut self) {
        self.upper.reset();
        self.middle.reset();
        self.lower.reset();
    }
}
