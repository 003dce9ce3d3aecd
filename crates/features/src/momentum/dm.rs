//! Wilder's directional movement family: PLUS_DM, MINUS_DM, PLUS_DI, MINUS_DI, DX, ADX,
//! ADXR (TA-Lib `ta_PLUS_DM.c` ... `ta_ADXR.c`).
//!
//! ±DM and TR are Wilder *sums*: the first is the plain sum of `period - 1` one-bar values,
//! then `s = s - s / period + x`. DI = 100·DM/TR, DX = 100·|−DI − +DI| / (−DI + +DI), ADX is
//! the Wilder average of DX seeded with the mean of the first `period` DX values.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{MAX_PERIOD, check_period, is_zero};
use crate::error::Result;
use crate::indicator::Indicator;

/// TA-Lib's true range of today's high/low against yesterday's close.
#[inline]
fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    let mut r = high - low;
    let t = (high - prev_close).abs();
    if t > r {
        r = t;
    }
    let t = (low - prev_close).abs();
    if t > r {
        r = t;
    }
    r
}

/// One-bar directional movement: `(plus, minus)`, at most one of them non-zero.
#[inline]
fn dm1(diff_p: f64, diff_m: f64) -> (f64, f64) {
    if diff_m > 0.0 && diff_p < diff_m {
        (0.0, diff_m)
    } else if diff_p > 0.0 && diff_p > diff_m {
        (diff_p, 0.0)
    } else {
        (0.0, 0.0)
    }
}

/// Which phase a [`DmCore`] step was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Bar 0: only remembered.
    First,
    /// Bars `1..period`: the sums accumulate; `true` on the last of them.
    Accumulate(bool),
    /// Later bars: Wilder smoothing.
    Smooth,
}

/// The shared ±DM / TR recursion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DmCore {
    period: usize,
    n: usize,
    prev_high: f64,
    prev_low: f64,
    prev_close: f64,
    plus_dm: f64,
    minus_dm: f64,
    tr: f64,
    /// Last one-bar values (for period 1).
    last_p: f64,
    last_m: f64,
    last_tr: f64,
}

impl DmCore {
    fn new(period: usize) -> Self {
        Self {
            period,
            n: 0,
            prev_high: 0.0,
            prev_low: 0.0,
            prev_close: 0.0,
            plus_dm: 0.0,
            minus_dm: 0.0,
            tr: 0.0,
            last_p: 0.0,
            last_m: 0.0,
            last_tr: 0.0,
        }
    }

    #[inline]
    fn step(&mut self, bar: &Bar) -> Phase {
        let n = self.n;
        self.n = n.saturating_add(1);
        if n == 0 {
            self.prev_high = bar.high;
            self.prev_low = bar.low;
            self.prev_close = bar.close;
            return Phase::First;
        }
        let diff_p = bar.high - self.prev_high;
        self.prev_high = bar.high;
        let diff_m = self.prev_low - bar.low;
        self.prev_low = bar.low;
        let (p, m) = dm1(diff_p, diff_m);
        let tr = true_range(self.prev_high, self.prev_low, self.prev_close);
        self.prev_close = bar.close;
        self.last_p = p;
        self.last_m = m;
        self.last_tr = tr;
        if n < self.period {
            if m != 0.0 {
                self.minus_dm += m;
            } else if p != 0.0 {
                self.plus_dm += p;
            }
            self.tr += tr;
            return Phase::Accumulate(n + 1 == self.period);
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let per = self.period as f64;
        self.minus_dm -= self.minus_dm / per;
        self.plus_dm -= self.plus_dm / per;
        if m != 0.0 {
            self.minus_dm += m;
        } else if p != 0.0 {
            self.plus_dm += p;
        }
        self.tr = self.tr - self.tr / per + tr;
        Phase::Smooth
    }

    /// `(minusDI, plusDI)` when TR is not (TA-Lib-)zero.
    #[inline]
    fn di(&self) -> Option<(f64, f64)> {
        if is_zero(self.tr) {
            None
        } else {
            Some((
                100.0 * (self.minus_dm / self.tr),
                100.0 * (self.plus_dm / self.tr),
            ))
        }
    }

    /// DX when both TR and the DI sum are non-zero.
    #[inline]
    fn dx(&self) -> Option<f64> {
        let (mdi, pdi) = self.di()?;
        let s = mdi + pdi;
        if is_zero(s) {
            None
        } else {
            Some(100.0 * ((mdi - pdi).abs() / s))
        }
    }
}

macro_rules! dm_indicator {
    ($(#[$m:meta])* $name:ident, $ta:literal, $plus:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            core: DmCore,
        }

        impl $name {
            #[doc = concat!($ta, " over `timeperiod` (1..=100000) bars.")]
            ///
            /// # Errors
            /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
            pub fn new(timeperiod: usize) -> Result<Self> {
                check_period($ta, "timeperiod", timeperiod, 1, MAX_PERIOD)?;
                Ok(Self { core: DmCore::new(timeperiod) })
            }
        }

        impl Indicator for $name {
            type Output = f64;
            fn lookback(&self) -> usize {
                if self.core.period > 1 { self.core.period - 1 } else { 1 }
            }
            fn update(&mut self, bar: &Bar) -> Option<f64> {
                let plus: bool = $plus;
                let phase = self.core.step(bar);
                if self.core.period == 1 {
                    return match phase {
                        Phase::First => None,
                        _ => Some(if plus { self.core.last_p } else { self.core.last_m }),
                    };
                }
                match phase {
                    Phase::First | Phase::Accumulate(false) => None,
                    Phase::Accumulate(true) | Phase::Smooth => {
                        Some(if plus { self.core.plus_dm } else { self.core.minus_dm })
                    }
                }
            }
            fn reset(&mut self) {
                self.core = DmCore::new(self.core.period);
            }
        }
    };
}

dm_indicator!(
    /// PLUS_DM, plus directional movement (TA-Lib `PLUS_DM`): Wilder sum of the one-bar +DM.
    /// Lookback `timeperiod - 1` (1 when `timeperiod` is 1, which gives the raw one-bar +DM).
    PlusDm,
    "PLUS_DM",
    true
);
dm_indicator!(
    /// MINUS_DM, minus directional movement (TA-Lib `MINUS_DM`): Wilder sum of the one-bar
    /// −DM. Lookback `timeperiod - 1` (1 when `timeperiod` is 1).
    MinusDm,
    "MINUS_DM",
    false
);

macro_rules! di_indicator {
    ($(#[$m:meta])* $name:ident, $ta:literal, $plus:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            core: DmCore,
        }

        impl $name {
            #[doc = concat!($ta, " over `timeperiod` (1..=100000) bars.")]
            ///
            /// # Errors
            /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
            pub fn new(timeperiod: usize) -> Result<Self> {
                check_period($ta, "timeperiod", timeperiod, 1, MAX_PERIOD)?;
                Ok(Self { core: DmCore::new(timeperiod) })
            }
        }

        impl Indicator for $name {
            type Output = f64;
            fn lookback(&self) -> usize {
                self.core.period
            }
            fn update(&mut self, bar: &Bar) -> Option<f64> {
                let plus: bool = $plus;
                let phase = self.core.step(bar);
                if self.core.period == 1 {
                    // TA-Lib's period-1 branch: the one-bar DM over the one-bar TR (no ×100).
                    if phase == Phase::First {
                        return None;
                    }
                    let dm = if plus { self.core.last_p } else { self.core.last_m };
                    if dm == 0.0 {
                        return Some(0.0);
                    }
                    let tr = self.core.last_tr;
                    return Some(if is_zero(tr) { 0.0 } else { dm / tr });
                }
                match phase {
                    Phase::Smooth => Some(match self.core.di() {
                        Some((m, p)) => if plus { p } else { m },
                        None => 0.0,
                    }),
                    _ => None,
                }
            }
            fn reset(&mut self) {
                self.core = DmCore::new(self.core.period);
            }
        }
    };
}

di_indicator!(
    /// PLUS_DI, plus directional indicator (TA-Lib `PLUS_DI`): `100 · +DM / TR` (Wilder
    /// sums); 0 when TR is zero. Lookback `timeperiod`.
    PlusDi,
    "PLUS_DI",
    true
);
di_indicator!(
    /// MINUS_DI, minus directional indicator (TA-Lib `MINUS_DI`): `100 · −DM / TR` (Wilder
    /// sums); 0 when TR is zero. Lookback `timeperiod`.
    MinusDi,
    "MINUS_DI",
    false
);

/// DX, directional movement index (TA-Lib `DX`): `100 · |−DI − +DI| / (−DI + +DI)`.
/// The first value is 0 when undefined; later undefined values repeat the previous one.
/// Lookback `timeperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dx {
    core: DmCore,
    last: f64,
}

impl Dx {
    /// DX over `timeperiod` (2..=100000) bars.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("DX", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            core: DmCore::new(timeperiod),
            last: 0.0,
        })
    }
}

impl Indicator for Dx {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.period
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        if self.core.step(bar) != Phase::Smooth {
            return None;
        }
        if let Some(dx) = self.core.dx() {
            self.last = dx;
        } else if self.core.n == self.core.period + 1 {
            self.last = 0.0;
        }
        Some(self.last)
    }
    fn reset(&mut self) {
        self.core = DmCore::new(self.core.period);
        self.last = 0.0;
    }
}

/// ADX, average directional movement index (TA-Lib `ADX`): Wilder average of DX, seeded
/// with the mean of the first `timeperiod` DX values; bars whose DX is undefined leave it
/// unchanged. Lookback `2 · timeperiod − 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adx {
    core: DmCore,
    sum_dx: f64,
    adx: f64,
}

impl Adx {
    /// ADX over `timeperiod` (2..=100000) bars.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("ADX", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            core: DmCore::new(timeperiod),
            sum_dx: 0.0,
            adx: 0.0,
        })
    }
}

impl Indicator for Adx {
    type Output = f64;
    fn lookback(&self) -> usize {
        2 * self.core.period - 1
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        if self.core.step(bar) != Phase::Smooth {
            return None;
        }
        let p = self.core.period;
        // Bar index of this step.
        let t = self.core.n - 1;
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let per = p as f64;
        if t < 2 * p {
            if let Some(dx) = self.core.dx() {
                self.sum_dx += dx;
            }
            if t + 1 < 2 * p {
                return None;
            }
            self.adx = self.sum_dx / per;
            return Some(self.adx);
        }
        if let Some(dx) = self.core.dx() {
            #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
            let pm1 = (p - 1) as f64;
            self.adx = (self.adx * pm1 + dx) / per;
        }
        Some(self.adx)
    }
    fn reset(&mut self) {
        self.core = DmCore::new(self.core.period);
        self.sum_dx = 0.0;
        self.adx = 0.0;
    }
}

/// ADXR, average directional movement rating (TA-Lib `ADXR`):
/// `(ADX[t] + ADX[t − (timeperiod − 1)]) / 2`. Lookback `3 · timeperiod − 2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adxr {
    adx: Adx,
    hist: Vec<f64>,
    head: usize,
    count: usize,
}

impl Adxr {
    /// ADXR over `timeperiod` (2..=100000) bars.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("ADXR", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        let adx = Adx::new(timeperiod)?;
        Ok(Self {
            adx,
            hist: vec![0.0; timeperiod],
            head: 0,
            count: 0,
        })
    }
}

impl Indicator for Adxr {
    type Output = f64;
    fn lookback(&self) -> usize {
        3 * self.adx.core.period - 2
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let a = self.adx.update(bar)?;
        // `hist` holds the last `period` ADX values; the slot about to be overwritten is the
        // value from `period - 1` bars ago once `count >= period - 1`.
        let p = self.hist.len();
        let lag = p - 1;
        let old_idx = (self.head + p - lag) % p;
        let old = self.hist.get(old_idx).copied().unwrap_or(0.0);
        if let Some(s) = self.hist.get_mut(self.head) {
            *s = a;
        }
        self.head = (self.head + 1) % p;
        let ready = self.count >= lag;
        self.count = self.count.saturating_add(1);
        if ready { Some((a + old) / 2.0) } else { None }
    }
    fn reset(&mut self) {
        self.adx.reset();
        self.hist.iter_mut().for_each(|x| *x = 0.0);
        self.head = 0;
        self.count = 0;
    }
}
