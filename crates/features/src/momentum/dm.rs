//! Wilder's directional movement family: PLUS_DM, MINUS_DM, PLUS_DI, MINUS_DI, DX, ADX,
//! ADXR (TA-Lib `ta_PLUS_DM.c` ... `ta_ADXR.c`).
//!
//! ±DM and TR are Wilder *sums*: the first is the plain sum of `period - 1` one-bar values,
//! then `s = s - s / period + x`. DI = 100·DM/TR, DX = 100·|−DI − +DI| / (−DI + +DI), ADX is
//! the Wilder average of DX seeded with the mean of the first `period` DX values.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{MAX_PERIOD, check_period, extend_with, is_zero, push_nan, span};
use crate::error::Result;
use crate::indicator::{Columns, Indicator};

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

    /// `[minus, plus, tr, 0]`, the lanes of [`dm_tail`].
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

/// The Wilder recursion over bars `from..` of `cols`, from `sums` (the state after bar
/// `from - 1`), appending `emit([minus, plus, tr, 0])` for each bar.
///
/// The one-bar `[−DM, +DM, TR, 0]` are not loop-carried (the CPU computes them ahead,
/// in the shadow of the recursion's latency); the recursion is written lane-wise on
/// 4-wide arrays, `DmCore::step`'s `(s - s / period) + x` on each lane. The outputs go
/// through a stack buffer so that the state stays in registers.
#[inline(always)]
fn dm_tail(
    cols: &Columns<'_>,
    from: usize,
    sums: Sums,
    per: f64,
    out: &mut Vec<f64>,
    mut emit: impl FnMut(&[f64; 4]) -> f64,
) {
    const B: usize = 128;
    let n = cols.len();
    let (h, l, c) = (cols.high(), cols.low(), cols.close());
    let a0 = from.saturating_sub(1);
    let b0 = n.saturating_sub(1);
    let (h, hp) = (span(h, from, n), span(h, a0, b0));
    let (l, lp, cp) = (span(l, from, n), span(l, a0, b0), span(c, a0, b0));
    let mut w = [sums.minus, sums.plus, sums.tr, 0.0];
    let mut row = [0.0f64; B];
    let blocks = h
        .chunks(B)
        .zip(hp.chunks(B))
        .zip(l.chunks(B))
        .zip(lp.chunks(B))
        .zip(cp.chunks(B));
    for ((((h, hp), l), lp), cp) in blocks {
        let k = h.len();
        let rows = h.iter().zip(hp).zip(l).zip(lp).zip(cp);
        for (r, ((((&h, &hp), &l), &lp), &cp)) in row.iter_mut().zip(rows) {
            let (p, m, tr) = one_bar(h, l, hp, lp, cp);
            for (x, d) in w.iter_mut().zip([m, p, tr, 0.0]) {
                *x = *x - *x / per + d;
            }
            *r = emit(&w);
        }
        out.extend_from_slice(row.get(..k).unwrap_or(&[]));
    }
}

/// `(minusDI, plusDI)` of `[minus, plus, tr, _]`, as [`DmCore::di`].
#[inline(always)]
fn di_of(w: &[f64; 4]) -> Option<(f64, f64)> {
    let [minus, plus, tr, _] = *w;
    if is_zero(tr) {
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
    let per = fp(period);
    let side = usize::from(plus);
    crate::fma::dispatch(
        #[inline(always)]
        move || {
            dm_tail(cols, period, s, per, out, |w| {
                w.get(side).copied().unwrap_or(0.0)
            })
        },
    );
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
                if dm == 0.0 || is_zero(tr) {
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
    let per = fp(period);
    crate::fma::dispatch(
        #[inline(always)]
        move || {
            dm_tail(cols, period, s, per, out, |w| match di_of(w) {
                Some((mdi, pdi)) => {
                    if plus {
                        pdi
                    } else {
                        mdi
                    }
                }
                None => 0.0,
            });
        },
    );
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
    let per = fp(period);
    crate::fma::dispatch(
        #[inline(always)]
        move || {
            // `Dx::update` sets `last = 0` on the first bar without a DX: it already is 0.
            let mut last = 0.0;
            dm_tail(cols, period, s, per, out, move |w| {
                if let Some(dx) = dx_of(w) {
                    last = dx;
                }
                last
            });
        },
    );
}

/// The ADX recursion over bars `from..` of `cols` from the Wilder sums `sums` (after bar
/// `from - 1`) and `adx` (its value at bar `from - 1`).
///
/// The ±DM / TR recursions and the ADX recursion are independent loop-carried chains, each
/// ending in a division by the period; the DI and DX divisions in between are not
/// loop-carried. Fused naively, the five divisions per bar saturate the divider. So the
/// work runs in blocks, software-pipelined in three stages: one loop advances the ±DM /
/// TR sums over block `j`, computes the DX values of block `j - 1` from its sums and
/// advances the ADX over block `j - 2`. The two recursions overlap, and the DX divisions
/// (not loop-carried) fill the divider in the shadow of their latency. Each stage reads a slot of the shared buffers before the next stage
/// overwrites it. Every value is computed with the same operations as `Adx::update`.
#[inline(always)]
fn adx_tail(
    cols: &Columns<'_>,
    from: usize,
    sums: Sums,
    mut adx: f64,
    per: f64,
    pm1: f64,
    out: &mut Vec<f64>,
) {
    const B: usize = 128;
    /// DX and its validity from the sums, as [`dx_of`] (invalid where it gives `None`).
    #[inline(always)]
    fn dx_ok(m: f64, p: f64, t: f64) -> (f64, bool) {
        let mdi = 100.0 * (m / t);
        let pdi = 100.0 * (p / t);
        let s = mdi + pdi;
        (100.0 * ((mdi - pdi).abs() / s), !(is_zero(t) | is_zero(s)))
    }
    let n = cols.len();
    let (h, l, c) = (cols.high(), cols.low(), cols.close());
    let a0 = from.saturating_sub(1);
    let b0 = n.saturating_sub(1);
    let (h, hp) = (span(h, from, n), span(h, a0, b0));
    let (l, lp, cp) = (span(l, from, n), span(l, a0, b0), span(c, a0, b0));
    let mut w = sums.lanes();
    // Sums after each bar of block `j - 1`, DX (with validity) of block `j - 2`, ADX rows.
    let (mut mb, mut pb, mut tb) = ([0.0f64; B], [0.0f64; B], [0.0f64; B]);
    let (mut dx, mut ok) = ([0.0f64; B], [false; B]);
    let mut row = [0.0f64; B];
    // Lengths of the blocks in the DX and the ADX stages.
    let (mut k1, mut k2) = (0usize, 0usize);
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
            return;
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
                *v = !(is_zero(*t) | is_zero(s));
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
        out.extend_from_slice(row.get(..k2).unwrap_or(&[]));
        (k1, k2) = (k0, k1);
    }
}

/// ADX kernel (see [`adx_tail`]).
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
    let pm1 = fp(period - 1);
    crate::fma::dispatch(
        #[inline(always)]
        move || adx_tail(cols, 2 * period, s, adx, per, pm1, out),
    );
}
