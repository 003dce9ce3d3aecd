//! Point-wise momentum: MOM, ROC, ROCP, ROCR, ROCR100 (value against the value
//! `timeperiod` bars ago) and BOP (balance of power).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{MAX_PERIOD, check_period, push_nan};
use crate::error::Result;
use crate::indicator::{Columns, Indicator, PriceField};

/// The last `period + 1` values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lag {
    #[serde(with = "aaiti_core::serde_f64::vec")]
    buf: Vec<f64>,
    head: usize,
    count: usize,
}

impl Lag {
    pub(crate) fn new(period: usize) -> Self {
        Self {
            buf: vec![0.0; period.max(1)],
            head: 0,
            count: 0,
        }
    }

    /// Pushes `x`; returns the value `period` pushes ago once available.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) -> Option<f64> {
        let old = self.buf.get(self.head).copied().unwrap_or(0.0);
        if let Some(s) = self.buf.get_mut(self.head) {
            *s = x;
        }
        self.head += 1;
        if self.head == self.buf.len() {
            self.head = 0;
        }
        let ready = self.count >= self.buf.len();
        self.count = self.count.saturating_add(1);
        ready.then_some(old)
    }

    pub(crate) fn clear(&mut self) {
        self.buf.iter_mut().for_each(|x| *x = 0.0);
        self.head = 0;
        self.count = 0;
    }

    pub(crate) fn period(&self) -> usize {
        self.buf.len()
    }
}

/// How the current and lagged values combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum LagKind {
    Mom,
    Roc,
    Rocp,
    Rocr,
    Rocr100,
}

impl LagKind {
    #[inline(always)]
    fn apply(self, x: f64, prev: f64) -> f64 {
        match self {
            Self::Mom => x - prev,
            Self::Roc => {
                if prev == 0.0 {
                    0.0
                } else {
                    ((x / prev) - 1.0) * 100.0
                }
            }
            Self::Rocp => {
                if prev == 0.0 {
                    0.0
                } else {
                    (x - prev) / prev
                }
            }
            Self::Rocr => {
                if prev == 0.0 {
                    0.0
                } else {
                    x / prev
                }
            }
            Self::Rocr100 => {
                if prev == 0.0 {
                    0.0
                } else {
                    (x / prev) * 100.0
                }
            }
        }
    }
}

macro_rules! lag_indicator {
    ($(#[$m:meta])* $name:ident, $ta:literal, $kind:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            price: PriceField,
            lag: Lag,
        }

        impl $name {
            #[doc = concat!($ta, " over `timeperiod` (1..=100000) bars of the close.")]
            ///
            /// # Errors
            /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
            pub fn new(timeperiod: usize) -> Result<Self> {
                check_period($ta, "timeperiod", timeperiod, 1, MAX_PERIOD)?;
                Ok(Self { price: PriceField::Close, lag: Lag::new(timeperiod) })
            }

            /// Reads `price` instead of the close.
            #[must_use]
            pub fn with_price(mut self, price: PriceField) -> Self {
                self.price = price;
                self
            }
        }

        impl Indicator for $name {
            type Output = f64;
            fn lookback(&self) -> usize {
                self.lag.period()
            }
            #[inline]
            fn update(&mut self, bar: &Bar) -> Option<f64> {
                let x = self.price.get(bar);
                let prev = self.lag.push(x)?;
                Some($kind.apply(x, prev))
            }
            #[inline]
            fn reset(&mut self) {
                self.lag.clear();
            }
            fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
                lag_kernel(cols.field(self.price), self.lag.period(), $kind, out);
            }
        }
    };
}

/// Batch kernel of the lag family: `period` NaNs, then `kind.apply(x[t], x[t - period])`
/// for every later bar (the fold of `update`: [`Lag::push`] returns the value `period`
/// pushes ago from the `period`-th push on). Each output depends only on two inputs, so
/// the loop is branch-free per `kind` (monomorphised by the `match`) and vectorises.
fn lag_kernel(x: &[f64], period: usize, kind: LagKind, out: &mut Vec<f64>) {
    let n = x.len();
    out.reserve(n);
    if n <= period {
        push_nan(out, n);
        return;
    }
    push_nan(out, period);
    let (cur, old) = (
        x.get(period..).unwrap_or(&[]),
        x.get(..n - period).unwrap_or(&[]),
    );
    #[inline(always)]
    fn run(cur: &[f64], old: &[f64], out: &mut Vec<f64>, f: impl Fn(f64, f64) -> f64) {
        out.extend(cur.iter().zip(old).map(|(&x, &prev)| f(x, prev)));
    }
    match kind {
        LagKind::Mom => run(cur, old, out, |x, p| LagKind::Mom.apply(x, p)),
        LagKind::Roc => run(cur, old, out, |x, p| LagKind::Roc.apply(x, p)),
        LagKind::Rocp => run(cur, old, out, |x, p| LagKind::Rocp.apply(x, p)),
        LagKind::Rocr => run(cur, old, out, |x, p| LagKind::Rocr.apply(x, p)),
        LagKind::Rocr100 => run(cur, old, out, |x, p| LagKind::Rocr100.apply(x, p)),
    }
}

lag_indicator!(
    /// MOM, momentum (TA-Lib `MOM`): `x[t] − x[t − timeperiod]`. Lookback `timeperiod`.
    Mom,
    "MOM",
    LagKind::Mom
);
lag_indicator!(
    /// ROC, rate of change (TA-Lib `ROC`): `(x[t] / x[t − n] − 1) · 100`; 0 when the old
    /// value is 0. Lookback `timeperiod`.
    Roc,
    "ROC",
    LagKind::Roc
);
lag_indicator!(
    /// ROCP, rate of change percentage (TA-Lib `ROCP`): `(x[t] − x[t − n]) / x[t − n]`; 0 when
    /// the old value is 0. Lookback `timeperiod`.
    Rocp,
    "ROCP",
    LagKind::Rocp
);
lag_indicator!(
    /// ROCR, rate of change ratio (TA-Lib `ROCR`): `x[t] / x[t − n]`; 0 when the old value
    /// is 0. Lookback `timeperiod`.
    Rocr,
    "ROCR",
    LagKind::Rocr
);
lag_indicator!(
    /// ROCR100, rate of change ratio ×100 (TA-Lib `ROCR100`): `x[t] / x[t − n] · 100`; 0
    /// when the old value is 0. Lookback `timeperiod`.
    Rocr100,
    "ROCR100",
    LagKind::Rocr100
);

/// BOP, balance of power (TA-Lib `BOP`): `(close − open) / (high − low)`, 0 when the range
/// is (TA-Lib-)zero or negative. Lookback 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bop;

impl Bop {
    /// BOP (no parameters).
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

impl Indicator for Bop {
    type Output = f64;
    fn lookback(&self) -> usize {
        0
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        Some(bop_of(bar.open, bar.high, bar.low, bar.close))
    }
    #[inline]
    fn reset(&mut self) {}
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        // Point-wise: the fold of `update` is `bop_of` on every bar (vectorised).
        let (o, h, l, c) = (cols.open(), cols.high(), cols.low(), cols.close());
        out.reserve(cols.len());
        out.extend(
            o.iter()
                .zip(h)
                .zip(l)
                .zip(c)
                .map(|(((&o, &h), &l), &c)| bop_of(o, h, l, c)),
        );
    }
}

/// BOP of one bar: `(close - open) / (high - low)`, 0 when the range is `<= 0`.
#[inline(always)]
fn bop_of(open: f64, high: f64, low: f64, close: f64) -> f64 {
    let r = high - low;
    if r <= 0.0 { 0.0 } else { (close - open) / r }
}
