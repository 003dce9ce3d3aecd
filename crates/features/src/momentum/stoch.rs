//! Stochastics: STOCH, STOCHF, STOCHRSI (TA-Lib `ta_STOCH.c`, `ta_STOCHF.c`,
//! `ta_STOCHRSI.c`).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{Extreme, MAX_PERIOD, check_period, is_zero_scaled_strict};
use super::wilder::Rsi;
use crate::error::Result;
use crate::indicator::{Columns, Indicator, PriceField};
use crate::overlap::ma::{MaCore, push_nan};
use crate::params::MaType;
use crate::window::{fold_rows, max_min_chunks};

/// Raw %K over `period` bars: `100 · (close − LL) / (HH − LL)`, 0 when the range is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FastK {
    period: usize,
    t: u64,
    hi: Extreme,
    lo: Extreme,
}

impl FastK {
    fn new(period: usize) -> Self {
        Self {
            period,
            t: 0,
            hi: Extreme::new(period, true),
            lo: Extreme::new(period, false),
        }
    }

    #[inline]
    fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let t = self.t;
        self.t += 1;
        let (_, hh) = self.hi.push(t, high);
        let (_, ll) = self.lo.push(t, low);
        if t + 1 < self.period as u64 {
            return None;
        }
        let diff = hh - ll;
        Some(if is_zero_scaled_strict(diff, hh.abs() + ll.abs()) {
            0.0
        } else {
            100.0 * ((close - ll) / diff)
        })
    }

    fn reset(&mut self) {
        *self = Self::new(self.period);
    }

    /// Appends %K of every full window (bars `period − 1 ..`); `false` (leaving `k`
    /// partly written) when the highs or lows hold a NaN.
    fn batch(&self, high: &[f64], low: &[f64], close: &[f64], k: &mut Vec<f64>) -> bool {
        // `inline(always)`: the kernel is compiled inside the FMA (AVX) frame.
        crate::fma::dispatch(
            #[inline(always)]
            || {
                max_min_chunks(high, low, self.period, |first, ext| {
                    let c = close.get(first..).unwrap_or(&[]);
                    k.extend(ext.iter().zip(c).map(|((hh, ll), &c)| fast_k(hh, ll, c)));
                })
            },
        )
    }
}

/// %K of one bar from its window's extremes (the fold's operations, branch-free).
#[inline(always)]
fn fast_k(hh: f64, ll: f64, close: f64) -> f64 {
    let diff = hh - ll;
    let v = 100.0 * ((close - ll) / diff);
    if is_zero_scaled_strict(diff, hh.abs() + ll.abs()) {
        0.0
    } else {
        v
    }
}

/// Appends two-column rows: `lead` NaN rows, then `(a[i], b[i])` (both equally long).
fn push_pairs(out: &mut Vec<f64>, lead: usize, a: &[f64], b: &[f64]) {
    push_nan(out, 2 * lead);
    let from = out.len();
    let rows = a.len().min(b.len());
    out.resize(from + 2 * rows, f64::NAN);
    let dst = out.get_mut(from..).unwrap_or(&mut []);
    for (row, (&x, &y)) in dst.chunks_exact_mut(2).zip(a.iter().zip(b)) {
        row.copy_from_slice(&[x, y]);
    }
}

crate::indicator_output! {
    /// STOCH's outputs, named as TA-Lib's abstract API.
    pub struct StochOutput {
        /// MA(slowk_period) of the raw %K.
        slowk,
        /// MA(slowd_period) of `slowk`.
        slowd,
    }
}

crate::indicator_output! {
    /// STOCHF's and STOCHRSI's outputs, named as TA-Lib's abstract API.
    pub struct StochFOutput {
        /// The raw %K.
        fastk,
        /// MA(fastd_period) of `fastk`.
        fastd,
    }
}

/// STOCH, slow stochastic (TA-Lib `STOCH`): %K over `fastk_period`, smoothed by
/// MA(`slowk_period`, `slowk_matype`) into `slowk` and again by MA(`slowd_period`,
/// `slowd_matype`) into `slowd`. Lookback `fastk−1 + lookback(slowk MA) + lookback(slowd MA)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stoch {
    k: FastK,
    slowk: MaCore,
    slowd: MaCore,
}

impl Stoch {
    /// STOCH with periods in 1..=100000 and TA-Lib MA types.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(
        fastk_period: usize,
        slowk_period: usize,
        slowk_matype: MaType,
        slowd_period: usize,
        slowd_matype: MaType,
    ) -> Result<Self> {
        check_period("STOCH", "fastk_period", fastk_period, 1, MAX_PERIOD)?;
        check_period("STOCH", "slowk_period", slowk_period, 1, MAX_PERIOD)?;
        check_period("STOCH", "slowd_period", slowd_period, 1, MAX_PERIOD)?;
        Ok(Self {
            k: FastK::new(fastk_period),
            slowk: MaCore::new(slowk_matype, slowk_period)?,
            slowd: MaCore::new(slowd_matype, slowd_period)?,
        })
    }
}

impl Indicator for Stoch {
    type Output = StochOutput;
    fn lookback(&self) -> usize {
        self.k.period - 1 + self.slowk.lookback() + self.slowd.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<StochOutput> {
        let k = self.k.update(bar.high, bar.low, bar.close)?;
        let sk = self.slowk.update(k)?;
        let sd = self.slowd.update(sk)?;
        Some(StochOutput {
            slowk: sk,
            slowd: sd,
        })
    }
    fn reset(&mut self) {
        self.k.reset();
        self.slowk.reset();
        self.slowd.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let n = cols.len();
        let mut k = Vec::with_capacity(n);
        if !self.k.batch(cols.high(), cols.low(), cols.close(), &mut k) {
            fold_rows(self, cols, out);
            return;
        }
        // The MA stages run over the valid part of the stage before (as the fold feeds them).
        let mut sk = Vec::with_capacity(k.len());
        self.slowk.batch(&k, &mut sk);
        let lbk = self.slowk.lookback();
        let mut sd = Vec::with_capacity(sk.len());
        self.slowd.batch(sk.get(lbk..).unwrap_or(&[]), &mut sd);
        let lbd = self.slowd.lookback();
        let lead = self.lookback().min(n);
        out.reserve(2 * n);
        push_pairs(
            out,
            lead,
            sk.get(lbk + lbd..).unwrap_or(&[]),
            sd.get(lbd..).unwrap_or(&[]),
        );
    }
}

/// %K and its MA, shared by STOCHF and STOCHRSI. TA-Lib outputs %K only from the bar where
/// %D exists, so %K values are held until then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FastKD {
    k: FastK,
    d: MaCore,
}

impl FastKD {
    fn new(
        func: &str,
        fastk_period: usize,
        fastd_period: usize,
        fastd_matype: MaType,
    ) -> Result<Self> {
        check_period(func, "fastk_period", fastk_period, 1, MAX_PERIOD)?;
        check_period(func, "fastd_period", fastd_period, 1, MAX_PERIOD)?;
        Ok(Self {
            k: FastK::new(fastk_period),
            d: MaCore::new(fastd_matype, fastd_period)?,
        })
    }

    fn lookback(&self) -> usize {
        self.k.period - 1 + self.d.lookback()
    }

    #[inline]
    fn update(&mut self, high: f64, low: f64, close: f64) -> Option<StochFOutput> {
        let k = self.k.update(high, low, close)?;
        let d = self.d.update(k)?;
        Some(StochFOutput { fastk: k, fastd: d })
    }

    fn reset(&mut self) {
        self.k.reset();
        self.d.reset();
    }

    /// Appends the rows for `lead` bars without input (NaN) followed by the bars of
    /// `high`, `low`, `close`; `false` (with `out` partly written) on NaN highs or lows.
    fn batch(
        &self,
        high: &[f64],
        low: &[f64],
        close: &[f64],
        lead: usize,
        out: &mut Vec<f64>,
    ) -> bool {
        let n = high.len();
        let mut k = Vec::with_capacity(n);
        if !self.k.batch(high, low, close, &mut k) {
            return false;
        }
        let mut d = Vec::with_capacity(k.len());
        self.d.batch(&k, &mut d);
        let lbd = self.d.lookback();
        out.reserve(2 * (lead + n));
        push_pairs(
            out,
            lead + self.lookback().min(n),
            k.get(lbd..).unwrap_or(&[]),
            d.get(lbd..).unwrap_or(&[]),
        );
        true
    }
}

/// STOCHF, fast stochastic (TA-Lib `STOCHF`): `fastk` = %K over `fastk_period`, `fastd` =
/// MA(`fastd_period`, `fastd_matype`) of it. Lookback `fastk−1 + lookback(fastd MA)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochF {
    kd: FastKD,
}

impl StochF {
    /// STOCHF with periods in 1..=100000 and a TA-Lib MA type.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(fastk_period: usize, fastd_period: usize, fastd_matype: MaType) -> Result<Self> {
        Ok(Self {
            kd: FastKD::new("STOCHF", fastk_period, fastd_period, fastd_matype)?,
        })
    }
}

impl Indicator for StochF {
    type Output = StochFOutput;
    fn lookback(&self) -> usize {
        self.kd.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<StochFOutput> {
        self.kd.update(bar.high, bar.low, bar.close)
    }
    fn reset(&mut self) {
        self.kd.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len();
        if !self.kd.batch(cols.high(), cols.low(), cols.close(), 0, out) {
            out.truncate(start);
            fold_rows(self, cols, out);
        }
    }
}

/// STOCHRSI (TA-Lib `STOCHRSI`): STOCHF applied to RSI(`timeperiod`) (high = low = close =
/// RSI). Lookback `timeperiod + fastk−1 + lookback(fastd MA)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochRsi {
    price: PriceField,
    rsi: Rsi,
    kd: FastKD,
}

impl StochRsi {
    /// STOCHRSI with `timeperiod` (2..=100000), `fastk_period`, `fastd_period` (1..=100000)
    /// and a TA-Lib MA type.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(
        timeperiod: usize,
        fastk_period: usize,
        fastd_period: usize,
        fastd_matype: MaType,
    ) -> Result<Self> {
        check_period("STOCHRSI", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            rsi: Rsi::new(timeperiod)?,
            kd: FastKD::new("STOCHRSI", fastk_period, fastd_period, fastd_matype)?,
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for StochRsi {
    type Output = StochFOutput;
    fn lookback(&self) -> usize {
        self.rsi.timeperiod() + self.kd.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<StochFOutput> {
        let r = self.rsi.update_value(self.price.get(bar))?;
        self.kd.update(r, r, r)
    }
    fn reset(&mut self) {
        Indicator::reset(&mut self.rsi);
        self.kd.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len();
        let mut r = Vec::with_capacity(cols.len());
        self.rsi
            .batch_into(&Columns::from_series(cols.field(self.price)), &mut r);
        let lead = self.rsi.timeperiod().min(r.len());
        let valid = r.get(lead..).unwrap_or(&[]);
        if !self.kd.batch(valid, valid, valid, lead, out) {
            out.truncate(start);
            fold_rows(self, cols, out);
        }
    }
}
