//! Point-wise momentum: MOM, ROC, ROCP, ROCR, ROCR100 (value against the value
//! `timeperiod` bars ago) and BOP (balance of power).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{MAX_PERIOD, check_period};
use crate::error::Result;
use crate::indicator::{Indicator, PriceField};

/// The last `period + 1` values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lag {
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
    #[inline]
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
            fn reset(&mut self) {
                self.lag.clear();
            }
        }
    };
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
        let r = bar.high - bar.low;
        Some(if r <= 0.0 {
            0.0
        } else {
            (bar.close - bar.open) / r
        })
    }
    fn reset(&mut self) {}
}
