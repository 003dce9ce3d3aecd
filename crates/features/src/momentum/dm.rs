//! Wilder's directional movement family: PLUS_DM, MINUS_DM, PLUS_DI, MINUS_DI, DX, ADX,
//! ADXR (TA-Lib `ta_PLUS_DM.c` ... `ta_ADXR.c`).
//!
//! ±DM and TR are Wilder *sums*: the first is the plain sum of `period - 1` one-bar values,
//! then `s = s - s / period + x`. DI = 100·DM/TR, DX = 100·|−DI − +DI| / (−DI + +DI), ADX is
//! the Wilder average of DX seeded with the mean of the first `period` DX values.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{
    MAX_PERIOD, SUM_FLOOR, TA_EPSILON, check_period, extend_with, is_zero, push_nan, span,
};
use crate::error::Result;
use crate::indicator::{Columns, Indicator};
use crate::lanes::{Chain, LANES, hlc_lanes, segmented, serial_lanes, wilder_warm};

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
    #[serde(with = "aaiti_core::serde_f64")]
    prev_high: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_low: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_close: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    plus_dm: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    minus_dm: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    tr: f64,
    /// Last one-bar values (for period 1).
    #[serde(with = "aaiti_core::serde_f64")]
    last_p: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    last_m: f64,
    #[serde(with = "aaiti_core::serde_f64")]
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

    /// [`Self::step`] in its `Phase::Smooth` (`n >= period`), without data-dependent
    /// branches: the one-bar DM by [`one_bar`]'s selects, and the side that does not move
    /// adds `-0.0`, the identity for every value (`±0.0` and NaN included), so the sums
    /// are exactly `step`'s `if m != 0 { .. } else if p != 0 { .. }` (at most one of the
    /// one-bar values is non-zero, and a non-zero one is positive).
    #[inline(always)]
    fn smooth(&mut self, bar: &Bar, per: f64) {
        self.n = self.n.saturating_add(1);
        let (p, m, tr) = one_bar(
            bar.high,
            bar.low,
            self.prev_high,
            self.prev_low,
            self.prev_close,
        );
        self.prev_high = bar.high;
        self.prev_low = bar.low;
        self.prev_close = bar.close;
        self.last_p = p;
        self.last_m = m;
        self.last_tr = tr;
        let add_m = if m != 0.0 { m } else { -0.0 };
        let add_p = if p != 0.0 { p } else { -0.0 };
        self.minus_dm -= self.minus_dm / per;
        self.plus_dm -= self.plus_dm / per;
        self.minus_dm += add_m;
        self.plus_dm += add_p;
        self.tr = self.tr - self.tr / per + tr;
    }

    /// `(minusDI, plusDI)` when the TR sum is positive.
    #[inline]
    fn di(&self) -> Option<(f64, f64)> {
        if tr_zero(self.tr) {
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
            #[inline]
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
            #[inline]
            fn reset(&mut self) {
                self.core = DmCore::new(self.core.period);
            }
            fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
                dm_kernel(cols, self.core.period, $plus, out);
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
            #[inline]
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
                    return Some(if tr_zero(tr) { 0.0 } else { dm / tr });
                }
                match phase {
                    Phase::Smooth => Some(match self.core.di() {
                        Some((m, p)) => if plus { p } else { m },
                        None => 0.0,
                    }),
                    _ => None,
                }
            }
            #[inline]
            fn reset(&mut self) {
                self.core = DmCore::new(self.core.period);
            }
            fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
                di_kernel(cols, self.core.period, $plus, out);
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
    #[serde(with = "aaiti_core::serde_f64")]
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
    #[inline]
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
    #[inline]
    fn reset(&mut self) {
        self.core = DmCore::new(self.core.period);
        self.last = 0.0;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        dx_kernel(cols, self.core.period, out);
    }
}

/// ADX, average directional movement index (TA-Lib `ADX`): Wilder average of DX, seeded
/// with the mean of the first `timeperiod` DX values; bars whose DX is undefined leave it
/// unchanged. Lookback `2 · timeperiod − 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adx {
    core: DmCore,
    #[serde(with = "aaiti_core::serde_f64")]
    sum_dx: f64,
    #[serde(with = "aaiti_core::serde_f64")]
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

impl Adx {
    /// [`Self::update_ref`] out of line, on a copy (the caller's state does not escape,
    /// so it can stay in registers).
    #[cold]
    #[inline(never)]
    fn warm(mut self, bar: Bar) -> (Self, Option<f64>) {
        let y = self.update_ref(&bar);
        (self, y)
    }

    /// The reference update: [`DmCore::step`], then DX and the ADX.
    #[inline]
    fn update_ref(&mut self, bar: &Bar) -> Option<f64> {
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
}

impl Indicator for Adx {
    type Output = f64;
    fn lookback(&self) -> usize {
        2 * self.core.period - 1
    }
    /// After the warm-up (`Adx::update_ref` out of line), `DmCore::smooth` and the
    /// ADX step inline, the same operations as the reference.
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let p = self.core.period;
        if self.core.n < 2 * p {
            let (st, y) = self.clone().warm(*bar);
            *self = st;
            return y;
        }
        let per = fp(p);
        self.core.smooth(bar, per);
        if let Some(dx) = self.core.dx() {
            self.adx = (self.adx * fp(p - 1) + dx) / per;
        }
        Some(self.adx)
    }
    #[inline]
    fn reset(&mut self) {
        self.core = DmCore::new(self.core.period);
        self.sum_dx = 0.0;
        self.adx = 0.0;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        adx_kernel(cols, self.core.period, out);
    }
}

/// ADXR, average directional movement rating (TA-Lib `ADXR`):
/// `(ADX[t] + ADX[t − (timeperiod − 1)]) / 2`. Lookback `3 · timeperiod − 2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adxr {
    adx: Adx,
    #[serde(with = "aaiti_core::serde_f64::vec")]
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
    #[inline]
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
    #[inline]
    fn reset(&mut self) {
        self.adx.reset();
        self.hist.iter_mut().for_each(|x| *x = 0.0);
        self.head = 0;
        self.count = 0;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let p = self.adx.core.period;
        let lookback = 3 * p - 2;
        let start = out.len();
        adx_kernel(cols, p, out);
        let Some(o) = out.get_mut(start..) else {
            return;
        };
        if o.len() <= lookback {
            o.iter_mut().for_each(|x| *x = f64::NAN);
            return;
        }
        // ADXR[t] = (ADX[t] + ADX[t - (p - 1)]) / 2, in place from the end (the older
        // value is still the ADX when it is read).
        for t in (lookback..o.len()).rev() {
            let old = o.get(t - (p - 1)).copied().unwrap_or(f64::NAN);
            if let Some(x) = o.get_mut(t) {
                *x = (*x + old) / 2.0;
            }
        }
        o.iter_mut().take(lookback).for_each(|x| *x = f64::NAN);
    }
}

// ---------------------------------------------------------------------------------------
// Batch kernels: the fold of `DmCore::step` over slices, the sums in locals.
// ---------------------------------------------------------------------------------------

#[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
#[inline]
fn fp(p: usize) -> f64 {
    p as f64
}

/// One bar's `(+DM, −DM, TR)` given the previous bar's high, low and close: [`dm1`] and
/// [`true_range`] without data-dependent branches. At most one of ±DM is non-zero, and
/// when `diff_m > 0 && diff_p < diff_m` holds, `diff_p > diff_m` cannot, so the two
/// selects equal `dm1`'s `if / else if`.
#[inline(always)]
fn one_bar(h: f64, l: f64, hp: f64, lp: f64, cp: f64) -> (f64, f64, f64) {
    let diff_p = h - hp;
    let diff_m = lp - l;
    let m = if (diff_m > 0.0) & (diff_p < diff_m) {
        diff_m
    } else {
        0.0
    };
    let p = if (diff_p > 0.0) & (diff_p > diff_m) {
        diff_p
    } else {
        0.0
    };
    (p, m, true_range(h, l, cp))
}

/// The Wilder sums of a batch kernel.
///
/// `minus` and `plus` start at `+0.0` and only ever add values `>= +0.0` or subtract at
/// most themselves (`x - x / period`), so they are never `-0.0`: adding the zero one-bar
/// DM is then exact identity, and `minus += m; plus += p` equals `DmCore::step`'s
/// `if m != 0 { minus += m } else if p != 0 { plus += p }` bit for bit.
#[derive(Clone, Copy)]
struct Sums {
    minus: f64,
    plus: f64,
    tr: f64,
}

impl Sums {
    /// The sums after bar `period - 1` (the plain sums of bars `1..period`).
    #[inline(always)]
    fn seed(cols: &Columns<'_>, period: usize) -> Self {
        let mut s = Self {
            minus: 0.0,
            plus: 0.0,
            tr: 0.0,
        };
        for (p, m, tr) in bars(cols, 1, period) {
            s.minus += m;
            s.plus += p;
            s.tr += tr;
        }
        s
    }

    /// One Wilder step, in `DmCore::step`'s operation order.
    #[inline(always)]
    fn smooth(&mut self, per: f64, p: f64, m: f64, tr: f64) {
        self.minus -= self.minus / per;
        self.plus -= self.plus / per;
        self.minus += m;
        self.plus += p;
        self.tr = self.tr - self.tr / per + tr;
    }

    /// `[minus, plus, tr, 0]`, the start of a [`DmChain`].
    #[inline(always)]
    fn lanes(self) -> [f64; 4] {
        [self.minus, self.plus, self.tr, 0.0]
    }
}

/// `(+DM, −DM, TR)` of bars `a..b` (`a >= 1`; empty when the range does not fit).
#[inline(always)]
fn bars<'a>(
    cols: &Columns<'a>,
    a: usize,
    b: usize,
) -> impl Iterator<Item = (f64, f64, f64)> + use<'a> {
    let (h, l, c) = (cols.high(), cols.low(), cols.close());
    let a0 = a.saturating_sub(1);
    let b0 = b.saturating_sub(1);
    span(h, a, b)
        .iter()
        .zip(span(h, a0, b0))
        .zip(span(l, a, b))
        .zip(span(l, a0, b0))
        .zip(span(c, a0, b0))
        .map(|((((&h, &hp), &l), &lp), &cp)| one_bar(h, l, hp, lp, cp))
}

/// TA-Lib 0.8.1's `prevTR > 0` as the crate's `not_positive` (NaN or below
/// [`SUM_FLOOR`]): a Wilder TR sum `t − t/n + tr` of true ranges (maxima of absolute values)
/// is never negative, so `|t|` stands for `t`; spelt this way the ADX lane kernel stays
/// vectorised (`!(t > 0)` measured 2x slower).
#[inline]
fn tr_zero(t: f64) -> bool {
    t.is_nan() || t.abs() < SUM_FLOOR
}

/// `(minusDI, plusDI)` of `[minus, plus, tr, _]`, as [`DmCore::di`].
#[inline(always)]
fn di_of(w: &[f64; 4]) -> Option<(f64, f64)> {
    let [minus, plus, tr, _] = *w;
    if tr_zero(tr) {
        None
    } else {
        Some((100.0 * (minus / tr), 100.0 * (plus / tr)))
    }
}

/// DX of `[minus, plus, tr, _]`, as [`DmCore::dx`].
#[inline(always)]
fn dx_of(w: &[f64; 4]) -> Option<f64> {
    let (mdi, pdi) = di_of(w)?;
    let s = mdi + pdi;
    if is_zero(s) {
        None
    } else {
        Some(100.0 * ((mdi - pdi).abs() / s))
    }
}

/// What a [`DmChain`] emits per bar (its const parameter): one side's Wilder sum, one
/// side's DI, DX (the last defined one), or ADX.
const MINUS_DM: u8 = 0;
/// See [`MINUS_DM`].
const PLUS_DM: u8 = 1;
/// See [`MINUS_DM`].
const MINUS_DI: u8 = 2;
/// See [`MINUS_DM`].
const PLUS_DI: u8 = 3;
/// See [`MINUS_DM`].
const DX: u8 = 4;
/// See [`MINUS_DM`].
const ADX: u8 = 5;

/// DX and its validity from the sums, as [`dx_of`] (invalid where it gives `None`; the
/// value is then meaningless).
#[inline(always)]
fn dx_ok(m: f64, p: f64, t: f64) -> (f64, bool) {
    let mdi = 100.0 * (m / t);
    let pdi = 100.0 * (p / t);
    let s = mdi + pdi;
    (100.0 * ((mdi - pdi).abs() / s), !(tr_zero(t) | is_zero(s)))
}

/// Output `O` of a bar from its Wilder sums `(m, p, t)` = `(−DM, +DM, TR)`, and the new
/// `x` (the last DX for [`DX`], the ADX for [`ADX`], updated from `x` as `Dx::update` /
/// `Adx::update` do; unchanged otherwise). By value, so that lane-wise callers get
/// selects rather than masked stores.
#[inline(always)]
fn emit<const O: u8>(m: f64, p: f64, t: f64, x: f64, per: f64, pm1: f64) -> (f64, f64) {
    match O {
        MINUS_DM => (m, x),
        PLUS_DM => (p, x),
        MINUS_DI | PLUS_DI => {
            let dm = if O == PLUS_DI { p } else { m };
            (if tr_zero(t) { 0.0 } else { 100.0 * (dm / t) }, x)
        }
        DX => {
            // `dx_ok`, its validity test spelt out (the compiler then keeps it as vector
            // masks in the lanes' loop).
            let mdi = 100.0 * (m / t);
            let pdi = 100.0 * (p / t);
            let s = mdi + pdi;
            let dx = 100.0 * ((mdi - pdi).abs() / s);
            let keep = tr_zero(t) | s.is_nan() | (s.abs() < TA_EPSILON);
            let x = if keep { x } else { dx };
            (x, x)
        }
        _ => {
            let (dx, ok) = dx_ok(m, p, t);
            let x = if ok { (x * pm1 + dx) / per } else { x };
            (x, x)
        }
    }
}

/// The steady state of the ±DM / TR recursion (`DmCore::smooth` and, per output `O`,
/// `emit`), as a [`Chain`] for [`segmented`]: `[−DM sum, +DM sum, TR sum, x]`, where `x` is
/// the last DX ([`DX`]), the ADX ([`ADX`]), or 0. Each sum forgets its start by a factor
/// `1 - 1/period` per bar, and so does the ADX; a DX kernel's `x` is replaced by the next
/// defined DX. The one-bar values come from the columns (bar `i - 1`'s high, low and
/// close), so the state is complete.
struct DmChain<'a, const O: u8> {
    h: &'a [f64],
    l: &'a [f64],
    c: &'a [f64],
    per: f64,
    pm1: f64,
}

impl<'a, const O: u8> DmChain<'a, O> {
    fn new(cols: &Columns<'a>, period: usize) -> Self {
        Self {
            h: cols.high(),
            l: cols.low(),
            c: cols.close(),
            per: fp(period),
            pm1: fp(period.saturating_sub(1)),
        }
    }
}

impl<const O: u8> Chain for DmChain<'_, O> {
    type State = [f64; 4];
    const WIDTH: usize = 1;

    #[inline(always)]
    fn guess(&self, _j: usize) -> [f64; 4] {
        [0.0; 4]
    }

    #[inline(always)]
    fn step(&self, s: &mut [f64; 4], i: usize, out: &mut [f64]) {
        let at = |x: &[f64], i: usize| x.get(i).copied().unwrap_or(f64::NAN);
        let j = i.wrapping_sub(1);
        let (dp, dm, tr) = one_bar(
            at(self.h, i),
            at(self.l, i),
            at(self.h, j),
            at(self.l, j),
            at(self.c, j),
        );
        let per = self.per;
        let [m, p, t, x] = *s;
        let m = m - m / per + dm;
        let p = p - p / per + dp;
        let t = t - t / per + tr;
        let (y, x) = emit::<O>(m, p, t, x, per, self.pm1);
        *s = [m, p, t, x];
        if let Some(o) = out.first_mut() {
            *o = y;
        }
    }

    #[inline(always)]
    fn serial(&self, s: [f64; 4], start: usize, out: &mut [f64]) -> [f64; 4] {
        if O == ADX {
            adx_run(self, s, start, out)
        } else {
            dm_run(self, s, start, out)
        }
    }

    /// [`Chain::step`] on the lanes side by side, each state field a `[f64; LANES]`
    /// (the compiler turns the lane loops into vector instructions: one division per
    /// field for the four lanes); the previous bar's high, low and close are carried.
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [[f64; 4]; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        let Some([h, l, c]) = hlc_lanes([self.h, self.l, self.c], starts, len, outs) else {
            serial_lanes(self, st, starts, outs);
            return;
        };
        let prev = |x: &[f64], k: usize| {
            x.get(starts[k].wrapping_sub(1))
                .copied()
                .unwrap_or(f64::NAN)
        };
        let mut hp: [f64; LANES] = std::array::from_fn(|k| prev(self.h, k));
        let mut lp: [f64; LANES] = std::array::from_fn(|k| prev(self.l, k));
        let mut cp: [f64; LANES] = std::array::from_fn(|k| prev(self.c, k));
        let (per, pm1) = (self.per, self.pm1);
        let mut m: [f64; LANES] = std::array::from_fn(|k| st[k][0]);
        let mut p: [f64; LANES] = std::array::from_fn(|k| st[k][1]);
        let mut t: [f64; LANES] = std::array::from_fn(|k| st[k][2]);
        let mut x: [f64; LANES] = std::array::from_fn(|k| st[k][3]);
        for i in 0..len {
            let hi: [f64; LANES] = std::array::from_fn(|k| h[k][i]);
            let li: [f64; LANES] = std::array::from_fn(|k| l[k][i]);
            let ci: [f64; LANES] = std::array::from_fn(|k| c[k][i]);
            let mut y = [0.0; LANES];
            for k in 0..LANES {
                let (dp, dm, tr) = one_bar(hi[k], li[k], hp[k], lp[k], cp[k]);
                m[k] = m[k] - m[k] / per + dm;
                p[k] = p[k] - p[k] / per + dp;
                t[k] = t[k] - t[k] / per + tr;
                (y[k], x[k]) = emit::<O>(m[k], p[k], t[k], x[k], per, pm1);
            }
            (hp, lp, cp) = (hi, li, ci);
            for k in 0..LANES {
                outs[k][i] = y[k];
            }
        }
        *st = std::array::from_fn(|k| [m[k], p[k], t[k], x[k]]);
    }
}

/// [`DmChain`]'s [`Chain::serial`] for the outputs other than ADX: the Wilder recursion over bars
/// `from..from + out.len()`, from `s`.
///
/// The one-bar `[−DM, +DM, TR, 0]` are not loop-carried (the CPU computes them ahead,
/// in the shadow of the recursion's latency); the recursion is written lane-wise on
/// 4-wide arrays, `DmCore::step`'s `(s - s / period) + x` on each lane (the fourth lane
/// stays 0, and `x` apart).
#[inline(always)]
fn dm_run<const O: u8>(ch: &DmChain<'_, O>, s: [f64; 4], from: usize, out: &mut [f64]) -> [f64; 4] {
    let n = from + out.len();
    let a0 = from.saturating_sub(1);
    let b0 = n.saturating_sub(1);
    let (h, hp) = (span(ch.h, from, n), span(ch.h, a0, b0));
    let (l, lp, cp) = (span(ch.l, from, n), span(ch.l, a0, b0), span(ch.c, a0, b0));
    let (per, pm1) = (ch.per, ch.pm1);
    let [m, p, t, mut x] = s;
    let mut w = [m, p, t, 0.0];
    let rows = h.iter().zip(hp).zip(l).zip(lp).zip(cp);
    for (o, ((((&h, &hp), &l), &lp), &cp)) in out.iter_mut().zip(rows) {
        let (dp, dm, tr) = one_bar(h, l, hp, lp, cp);
        for (v, d) in w.iter_mut().zip([dm, dp, tr, 0.0]) {
            *v = *v - *v / per + d;
        }
        (*o, x) = emit::<O>(w[0], w[1], w[2], x, per, pm1);
    }
    [w[0], w[1], w[2], x]
}

/// [`DmChain`]'s [`Chain::serial`] for ADX: the ±DM / TR and ADX recursions over bars
/// `from..from + out.len()`, from `s`.
///
/// The ±DM / TR recursions and the ADX recursion are independent loop-carried chains, each
/// ending in a division by the period; the DI and DX divisions in between are not
/// loop-carried. Fused naively, the five divisions per bar saturate the divider. So the
/// work runs in blocks, software-pipelined in three stages: one loop advances the ±DM /
/// TR sums over block `j`, computes the DX values of block `j - 1` from its sums and
/// advances the ADX over block `j - 2`. The two recursions overlap, and the DX divisions
/// (not loop-carried) fill the divider in the shadow of their latency. Each stage reads a
/// slot of the shared buffers before the next stage overwrites it. Every value is computed
/// with the same operations as `Adx::update`.
#[inline(always)]
fn adx_run<const O: u8>(
    ch: &DmChain<'_, O>,
    s: [f64; 4],
    from: usize,
    out: &mut [f64],
) -> [f64; 4] {
    const B: usize = 128;
    let n = from + out.len();
    let a0 = from.saturating_sub(1);
    let b0 = n.saturating_sub(1);
    let (h, hp) = (span(ch.h, from, n), span(ch.h, a0, b0));
    let (l, lp, cp) = (span(ch.l, from, n), span(ch.l, a0, b0), span(ch.c, a0, b0));
    let (per, pm1) = (ch.per, ch.pm1);
    let [sm, sp, st, mut adx] = s;
    let mut w = [sm, sp, st, 0.0];
    // Sums after each bar of block `j - 1`, DX (with validity) of block `j - 2`, ADX rows.
    let (mut mb, mut pb, mut tb) = ([0.0f64; B], [0.0f64; B], [0.0f64; B]);
    let (mut dx, mut ok) = ([0.0f64; B], [false; B]);
    let mut row = [0.0f64; B];
    // Lengths of the blocks in the DX and the ADX stages, and the rows written so far.
    let (mut k1, mut k2, mut done) = (0usize, 0usize, 0usize);
    let mut blocks = h
        .chunks(B)
        .zip(hp.chunks(B))
        .zip(l.chunks(B))
        .zip(lp.chunks(B))
        .zip(cp.chunks(B));
    loop {
        let ((((h, hp), l), lp), cp) = blocks.next().unwrap_or(((((&[], &[]), &[]), &[]), &[]));
        let k0 = h.len();
        if k0 == 0 && k1 == 0 && k2 == 0 {
            return [w[0], w[1], w[2], adx];
        }
        if k0 == B && k1 == B && k2 == B {
            // Steady state: the three stages at each index, in one loop.
            let rows = h.iter().zip(hp).zip(l).zip(lp).zip(cp);
            let sums = mb.iter_mut().zip(pb.iter_mut()).zip(tb.iter_mut());
            let dxs = dx.iter_mut().zip(ok.iter_mut()).zip(row.iter_mut());
            for ((((((&h, &hp), &l), &lp), &cp), ((m, p), t)), ((x, v), r)) in
                rows.zip(sums).zip(dxs)
            {
                // ADX at this index of block `j - 2`.
                if *v {
                    adx = (adx * pm1 + *x) / per;
                }
                *r = adx;
                // DX at this index of block `j - 1`, as `dx_ok`; its last division runs
                // in the spare lane of the sums' division.
                let mdi = 100.0 * (*m / *t);
                let pdi = 100.0 * (*p / *t);
                let s = mdi + pdi;
                *v = !(tr_zero(*t) | is_zero(s));
                // The sums at this index of block `j`: `(s - s / per) + d` on lanes 0..3.
                let (dp, dm, tr) = one_bar(h, l, hp, lp, cp);
                let [wm, wp, wt, _] = w;
                let mut q = [wm, wp, wt, (mdi - pdi).abs()];
                for (q, d) in q.iter_mut().zip([per, per, per, s]) {
                    *q /= d;
                }
                for ((s, q), d) in w.iter_mut().zip(q).zip([dm, dp, tr, 0.0]) {
                    *s = *s - q + d;
                }
                *x = 100.0 * q[3];
                [*m, *p, *t, _] = w;
            }
        } else {
            // Filling and draining the pipeline, and short blocks: one bar at a time.
            for i in 0..k0.max(k1).max(k2) {
                if i < k2
                    && let (Some(&x), Some(&v), Some(r)) = (dx.get(i), ok.get(i), row.get_mut(i))
                {
                    if v {
                        adx = (adx * pm1 + x) / per;
                    }
                    *r = adx;
                }
                if i < k1
                    && let (Some(x), Some(v), Some(&m), Some(&p), Some(&t)) = (
                        dx.get_mut(i),
                        ok.get_mut(i),
                        mb.get(i),
                        pb.get(i),
                        tb.get(i),
                    )
                {
                    (*x, *v) = dx_ok(m, p, t);
                }
                if let (Some(&h), Some(&hp), Some(&l), Some(&lp), Some(&cp)) =
                    (h.get(i), hp.get(i), l.get(i), lp.get(i), cp.get(i))
                    && let (Some(m), Some(p), Some(t)) =
                        (mb.get_mut(i), pb.get_mut(i), tb.get_mut(i))
                {
                    let (dp, dm, tr) = one_bar(h, l, hp, lp, cp);
                    for (s, d) in w.iter_mut().zip([dm, dp, tr, 0.0]) {
                        *s = *s - *s / per + d;
                    }
                    [*m, *p, *t, _] = w;
                }
            }
        }
        if let (Some(o), Some(r)) = (out.get_mut(done..done + k2), row.get(..k2)) {
            o.copy_from_slice(r);
        }
        done += k2;
        (k1, k2) = (k0, k1);
    }
}

/// Runs the [`DmChain`] `O` over bars `from..` of `cols` from `s0` (the state after bar
/// `from - 1`), appending one output per bar to `out`.
#[inline(always)]
fn dm_chain<const O: u8>(
    cols: &Columns<'_>,
    period: usize,
    from: usize,
    s0: [f64; 4],
    out: &mut Vec<f64>,
) {
    let start = out.len();
    out.resize(start + cols.len().saturating_sub(from), 0.0);
    let chain = DmChain::<O>::new(cols, period);
    if let Some(o) = out.get_mut(start..) {
        crate::fma::dispatch(
            #[inline(always)]
            || segmented(&chain, s0, from, wilder_warm(period), o),
        );
    }
}

/// ±DM kernel (`plus` selects the side).
fn dm_kernel(cols: &Columns<'_>, period: usize, plus: bool, out: &mut Vec<f64>) {
    let n = cols.len();
    out.reserve(n);
    if period == 1 {
        if n > 0 {
            out.push(f64::NAN);
            out.extend(bars(cols, 1, n).map(|(p, m, _)| if plus { p } else { m }));
        }
        return;
    }
    if n < period {
        push_nan(out, n);
        return;
    }
    let s = Sums::seed(cols, period);
    push_nan(out, period - 1);
    out.push(if plus { s.plus } else { s.minus });
    if plus {
        dm_chain::<PLUS_DM>(cols, period, period, s.lanes(), out);
    } else {
        dm_chain::<MINUS_DM>(cols, period, period, s.lanes(), out);
    }
}

/// ±DI kernel (`plus` selects the side).
fn di_kernel(cols: &Columns<'_>, period: usize, plus: bool, out: &mut Vec<f64>) {
    let n = cols.len();
    out.reserve(n);
    if period == 1 {
        if n > 0 {
            out.push(f64::NAN);
            extend_with(out, bars(cols, 1, n), |(p, m, tr)| {
                let dm = if plus { p } else { m };
                if dm == 0.0 || tr_zero(tr) {
                    0.0
                } else {
                    dm / tr
                }
            });
        }
        return;
    }
    if n <= period {
        push_nan(out, n);
        return;
    }
    let s = Sums::seed(cols, period);
    push_nan(out, period);
    if plus {
        dm_chain::<PLUS_DI>(cols, period, period, s.lanes(), out);
    } else {
        dm_chain::<MINUS_DI>(cols, period, period, s.lanes(), out);
    }
}

/// DX kernel.
fn dx_kernel(cols: &Columns<'_>, period: usize, out: &mut Vec<f64>) {
    let n = cols.len();
    out.reserve(n);
    if n <= period {
        push_nan(out, n);
        return;
    }
    let s = Sums::seed(cols, period);
    push_nan(out, period);
    // `Dx::update` sets `last = 0` on the first bar without a DX: it already is 0 (the
    // fourth lane of `s.lanes()`).
    dm_chain::<DX>(cols, period, period, s.lanes(), out);
}

/// ADX kernel: the warm-up as `Adx::update_ref`, then the [`DmChain`] for [`ADX`].
fn adx_kernel(cols: &Columns<'_>, period: usize, out: &mut Vec<f64>) {
    let n = cols.len();
    out.reserve(n);
    let lookback = 2 * period - 1;
    if n <= lookback {
        push_nan(out, n);
        return;
    }
    let mut s = Sums::seed(cols, period);
    let per = fp(period);
    let mut sum_dx = 0.0;
    for (p, m, tr) in bars(cols, period, 2 * period) {
        s.smooth(per, p, m, tr);
        if let Some(dx) = dx_of(&s.lanes()) {
            sum_dx += dx;
        }
    }
    push_nan(out, lookback);
    let adx = sum_dx / per;
    out.push(adx);
    let [m, p, t, _] = s.lanes();
    dm_chain::<ADX>(cols, period, 2 * period, [m, p, t, adx], out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::{test_hlc as hlc, warm_suffices};

    fn chain<const O: u8>(v: &[Vec<f64>; 3], period: usize) -> DmChain<'_, O> {
        DmChain {
            h: &v[0],
            l: &v[1],
            c: &v[2],
            per: fp(period),
            pm1: fp(period - 1),
        }
    }

    #[test]
    fn dm_guesses_converge_within_the_warm_up() {
        let v = hlc(40_000);
        let n = v[0].len();
        for p in [2usize, 14, 60] {
            let w = wilder_warm(p);
            assert!(
                warm_suffices(&chain::<ADX>(&v, p), [0.0; 4], n, w),
                "ADX {p}"
            );
            assert!(warm_suffices(&chain::<DX>(&v, p), [0.0; 4], n, w), "DX {p}");
            assert!(
                warm_suffices(&chain::<PLUS_DI>(&v, p), [0.0; 4], n, w),
                "DI {p}"
            );
            // Far too short a warm-up does not converge (the check can fail).
            assert!(
                !warm_suffices(&chain::<ADX>(&v, p), [0.0; 4], n, 4 * p),
                "{p}"
            );
        }
    }
}
