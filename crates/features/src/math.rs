//! Math operators (TA-Lib group "Math Operators"): ADD, SUB, MULT, DIV, SUM, MAX, MIN,
//! MAXINDEX, MININDEX, MINMAX, MINMAXINDEX.
//!
//! | Function | Type | Defaults | Outputs |
//! |---|---|---|---|
//! | ADD, SUB, MULT, DIV | [`Arith`] | inputs `price0` high, `price1` low | real |
//! | SUM | [`Sum`] | timeperiod 30, price close | real |
//! | MAX, MIN | [`Max`], [`Min`] | timeperiod 30, price close | real |
//! | MAXINDEX, MININDEX | [`MaxIndex`], [`MinIndex`] | timeperiod 30, price close | integer |
//! | MINMAX | [`MinMax`] | timeperiod 30, price close | min, max |
//! | MINMAXINDEX | [`MinMaxIndex`] | timeperiod 30, price close | minidx, maxidx |
//!
//! TA-Lib 0.8.1's operations, in its order:
//!
//! * SUM keeps one running total: `total += newest`, output, `total -= oldest` (so the
//!   output carries the rounding of every earlier bar, exactly as TA-Lib's).
//! * MAX, MIN and MINMAX run TA-Lib 0.8.1's van Herk / Gil-Werman block scan: the series
//!   is cut into blocks of `timeperiod` bars from its first bar; a window that is a whole
//!   block takes the block's suffix extreme (scanned newest to oldest, the incumbent kept
//!   on ties), any other window combines the older block's suffix extreme with the newer
//!   block's prefix extreme (scanned oldest to newest), preferring the suffix on a tie.
//!   Values equal a plain window extreme's except for `±0` ties and NaN, where the block
//!   rules decide, and are reproduced bit for bit (the streaming state keeps the previous
//!   block's suffix extremes: O(1) amortised per bar).
//! * MAXINDEX, MININDEX and MINMAXINDEX use TA-Lib's rescanning scheme: a value that ties
//!   or beats the current extreme takes over (`>=` / `<=`, the newest wins), and when the
//!   extreme leaves the window the window is rescanned oldest to newest with a strict
//!   `>` / `<` (the *oldest* wins among the rescanned ties). Which bar an index output
//!   names therefore depends on the history, as in TA-Lib, and is reproduced exactly. The
//!   scheme starts at the first full window.
//! * Index outputs are the bar's position in the series (0 for the first bar seen by this
//!   state), as an `f64` (exact below 2^53). Inside the lookback they are NaN, where the
//!   TA-Lib Python wrapper returns 0.
//! * NaN compares false, as in C: a NaN never takes over an extreme, and a NaN that a
//!   scan starts from stays the extreme of that scan.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::indicator::{Columns, Indicator, PriceField};
use crate::overlap::{MAX_PERIOD, check_range};

crate::indicator_output! {
    /// MINMAX's outputs, named as TA-Lib's abstract API.
    pub struct MinMaxOutput {
        /// Lowest value of the window.
        min,
        /// Highest value of the window.
        max,
    }
}

crate::indicator_output! {
    /// MINMAXINDEX's outputs, named as TA-Lib's abstract API.
    pub struct MinMaxIndexOutput {
        /// Bar index of the lowest value.
        minidx,
        /// Bar index of the highest value.
        maxidx,
    }
}

crate::indicator_output! {
    /// MAXINDEX's and MININDEX's output (TA-Lib returns an integer; here an exact `f64`).
    pub struct IndexOutput {
        /// Bar index of the extreme.
        integer,
    }
}

/// The element-wise operator of [`Arith`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArithOp {
    /// `ADD`: `price0 + price1`.
    Add,
    /// `SUB`: `price0 − price1`.
    Sub,
    /// `MULT`: `price0 · price1`.
    Mult,
    /// `DIV`: `price0 / price1` (IEEE: ±inf or NaN for a zero divisor, as TA-Lib).
    Div,
}

impl ArithOp {
    #[inline(always)]
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Self::Add => a + b,
            Self::Sub => a - b,
            Self::Mult => a * b,
            Self::Div => a / b,
        }
    }
}

/// ADD, SUB, MULT, DIV: one operator applied bar by bar to two input fields (TA-Lib's
/// defaults: `price0` high, `price1` low). Lookback 0.
///
/// ```
/// use aaiti_core::Bar;
/// use aaiti_features::Indicator;
/// use aaiti_features::math::{Arith, ArithOp};
/// let mut sub = Arith::new(ArithOp::Sub);
/// let bar = Bar { open: 1.0, high: 3.0, low: 2.5, close: 2.75, volume: 10.0 };
/// assert_eq!(sub.update(&bar), Some(0.5));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arith {
    op: ArithOp,
    price0: PriceField,
    price1: PriceField,
}

impl Arith {
    /// The operator over (high, low).
    #[must_use]
    pub fn new(op: ArithOp) -> Self {
        Self {
            op,
            price0: PriceField::High,
            price1: PriceField::Low,
        }
    }

    /// Chooses the two input fields.
    #[must_use]
    pub fn with_prices(mut self, price0: PriceField, price1: PriceField) -> Self {
        self.price0 = price0;
        self.price1 = price1;
        self
    }
}

impl Indicator for Arith {
    type Output = f64;
    fn lookback(&self) -> usize {
        0
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<Self::Output> {
        Some(self.op.apply(self.price0.get(bar), self.price1.get(bar)))
    }
    fn reset(&mut self) {}
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let (a, b) = (cols.field(self.price0), cols.field(self.price1));
        let op = self.op;
        out.extend(a.iter().zip(b).map(|(&a, &b)| op.apply(a, b)));
    }
}

/// SUM: the sum of the last `timeperiod` values (TA-Lib `SUM`, default 30, 2..=100000),
/// one running total kept in TA-Lib's order. Lookback `timeperiod − 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sum {
    period: usize,
    price: PriceField,
    /// Bars seen.
    n: u64,
    /// The last `period` values, bar `t` in slot `t mod period`.
    #[serde(with = "aaiti_core::serde_f64::vec")]
    buf: Vec<f64>,
    /// TA-Lib's `periodTotal` (the newest `period − 1` values, once warm).
    #[serde(with = "aaiti_core::serde_f64")]
    total: f64,
}

impl Sum {
    /// SUM over `timeperiod` values of the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_range("timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            period: timeperiod,
            price: PriceField::Close,
            n: 0,
            buf: vec![0.0; timeperiod],
            total: 0.0,
        })
    }

    /// Chooses the input field.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Sum {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<Self::Output> {
        let x = self.price.get(bar);
        let p = self.period as u64;
        let t = self.n;
        self.n = t + 1;
        if let Some(slot) = usize::try_from(t % p)
            .ok()
            .and_then(|i| self.buf.get_mut(i))
        {
            *slot = x;
        }
        self.total += x;
        if t + 1 < p {
            return None;
        }
        let out = self.total;
        // The window's oldest value (bar `t + 1 − p`, the slot after bar `t`'s).
        let oldest = usize::try_from((t + 1) % p)
            .ok()
            .and_then(|i| self.buf.get(i))
            .copied()
            .unwrap_or(f64::NAN);
        self.total -= oldest;
        Some(out)
    }
    fn reset(&mut self) {
        self.n = 0;
        self.total = 0.0;
        self.buf.fill(0.0);
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let x = cols.field(self.price);
        let p = self.period;
        let n = x.len();
        crate::overlap::ma::push_nan(out, (p - 1).min(n));
        if n < p {
            return;
        }
        // TA-Lib's loop: the first `p − 1` values, then add, output, subtract.
        let mut total = 0.0;
        for &v in x.iter().take(p - 1) {
            total += v;
        }
        for (&v, &old) in x.iter().skip(p - 1).zip(x) {
            total += v;
            out.push(total);
            total -= old;
        }
    }
}

/// TA-Lib's rescanning window extremes (`max.c`, `min.c`, `minmax.c`, `*index.c`), for the
/// sides selected by `HI` and `LO`: see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Rescan<const HI: bool, const LO: bool> {
    period: usize,
    price: PriceField,
    /// Bars seen.
    n: u64,
    /// The last `period` values, bar `t` in slot `t mod period`.
    #[serde(with = "aaiti_core::serde_f64::vec")]
    buf: Vec<f64>,
    /// Bar and value of the current highest / lowest (bar −1: none yet, as TA-Lib's
    /// `highestIdx = -1`).
    hi_at: i64,
    #[serde(with = "aaiti_core::serde_f64")]
    hi: f64,
    lo_at: i64,
    #[serde(with = "aaiti_core::serde_f64")]
    lo: f64,
}

impl<const HI: bool, const LO: bool> Rescan<HI, LO> {
    fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        Ok(Self {
            period,
            price: PriceField::Close,
            n: 0,
            buf: vec![0.0; period],
            hi_at: -1,
            hi: 0.0,
            lo_at: -1,
            lo: 0.0,
        })
    }

    fn reset(&mut self) {
        self.n = 0;
        self.buf.fill(0.0);
        (self.hi_at, self.hi, self.lo_at, self.lo) = (-1, 0.0, -1, 0.0);
    }

    /// Feeds one bar; `(highest bar, highest, lowest bar, lowest)` once the window is full
    /// (the unselected side stays `(−1, 0)`).
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<(i64, f64, i64, f64)> {
        let x = self.price.get(bar);
        let p = self.period as u64;
        let t = self.n;
        self.n = t + 1;
        if let Some(slot) = usize::try_from(t % p)
            .ok()
            .and_then(|i| self.buf.get_mut(i))
        {
            *slot = x;
        }
        if t + 1 < p {
            return None;
        }
        let today = i64::try_from(t).unwrap_or(i64::MAX);
        let trailing = today - (self.period as i64 - 1);
        let buf = &self.buf;
        if HI {
            let side = (&mut self.hi_at, &mut self.hi);
            rescan_step(buf, side, x, (trailing, today), |a, b| a > b, |a, b| a >= b);
        }
        if LO {
            let side = (&mut self.lo_at, &mut self.lo);
            rescan_step(buf, side, x, (trailing, today), |a, b| a < b, |a, b| a <= b);
        }
        Some((self.hi_at, self.hi, self.lo_at, self.lo))
    }
}

/// The value of bar `t` in a ring of the last `buf.len()` values (bar `t` in slot
/// `t mod len`); NaN for an empty ring.
#[inline]
fn ring_at(buf: &[f64], t: i64) -> f64 {
    let len = i64::try_from(buf.len()).unwrap_or(i64::MAX).max(1);
    usize::try_from(t.rem_euclid(len))
        .ok()
        .and_then(|i| buf.get(i))
        .copied()
        .unwrap_or(f64::NAN)
}

/// One side of TA-Lib's rescanning extreme at bar `today` (window `trailing..=today`,
/// values in the ring `buf`): when the extreme `(at, best)` has left the window, rescan it
/// oldest to newest taking a value only when it `beats` strictly (the oldest of ties
/// wins); otherwise the new value `x` takes over when it `ties_or_beats`.
#[inline]
fn rescan_step(
    buf: &[f64],
    (at, best): (&mut i64, &mut f64),
    x: f64,
    (trailing, today): (i64, i64),
    beats: impl Fn(f64, f64) -> bool,
    ties_or_beats: impl Fn(f64, f64) -> bool,
) {
    if *at < trailing {
        *at = trailing;
        *best = ring_at(buf, trailing);
        for i in trailing + 1..=today {
            let v = ring_at(buf, i);
            if beats(v, *best) {
                *at = i;
                *best = v;
            }
        }
    } else if ties_or_beats(x, *best) {
        *at = today;
        *best = x;
    }
}

/// A bar index as an exact `f64` (bars below 2^53).
#[inline]
fn index(i: i64) -> f64 {
    i as f64
}

/// TA-Lib 0.8.1's block-scan window extremes (`max.c`, `min.c`, `minmax.c`) for the sides
/// selected by `HI` and `LO`: see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BlockScan<const HI: bool, const LO: bool> {
    period: usize,
    price: PriceField,
    /// Bars seen.
    n: u64,
    /// The current block's values so far (position `t mod period`).
    #[serde(with = "aaiti_core::serde_f64::vec")]
    cur: Vec<f64>,
    /// The previous block's suffix extremes (`suf_hi[j]`: over its positions `j..`).
    #[serde(with = "aaiti_core::serde_f64::vec")]
    suf_hi: Vec<f64>,
    #[serde(with = "aaiti_core::serde_f64::vec")]
    suf_lo: Vec<f64>,
    /// The current block's prefix extremes so far.
    #[serde(with = "aaiti_core::serde_f64")]
    pre_hi: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    pre_lo: f64,
}

impl<const HI: bool, const LO: bool> BlockScan<HI, LO> {
    fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        Ok(Self {
            period,
            price: PriceField::Close,
            n: 0,
            cur: vec![0.0; period],
            suf_hi: vec![0.0; period],
            suf_lo: vec![0.0; period],
            pre_hi: 0.0,
            pre_lo: 0.0,
        })
    }

    fn reset(&mut self) {
        self.n = 0;
        for v in [&mut self.cur, &mut self.suf_hi, &mut self.suf_lo] {
            v.fill(0.0);
        }
        (self.pre_hi, self.pre_lo) = (0.0, 0.0);
    }

    /// The suffix extremes of the completed block `cur` into `suf` (newest to oldest, the
    /// incumbent kept on ties: `better(x, incumbent)` is the strict comparison).
    fn suffix(cur: &[f64], suf: &mut [f64], better: impl Fn(f64, f64) -> bool) {
        let mut best = f64::NAN;
        for (k, (&x, s)) in cur.iter().zip(suf.iter_mut()).rev().enumerate() {
            if k == 0 || better(x, best) {
                best = x;
            }
            *s = best;
        }
    }

    /// Feeds one bar; `(highest, lowest)` once the window is full (an unselected side is
    /// 0).
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<(f64, f64)> {
        let x = self.price.get(bar);
        let p = self.period;
        let t = self.n;
        self.n = t + 1;
        let j = usize::try_from(t % p as u64).unwrap_or(0);
        if let Some(slot) = self.cur.get_mut(j) {
            *slot = x;
        }
        // The prefix extremes of the current block (oldest to newest, incumbent on ties).
        if j == 0 {
            (self.pre_hi, self.pre_lo) = (x, x);
        } else {
            if x > self.pre_hi {
                self.pre_hi = x;
            }
            if x < self.pre_lo {
                self.pre_lo = x;
            }
        }
        if j + 1 == p {
            // A block completes: it is the window. Its suffixes serve the next block.
            if HI {
                Self::suffix(&self.cur, &mut self.suf_hi, |a, b| a > b);
            }
            if LO {
                Self::suffix(&self.cur, &mut self.suf_lo, |a, b| a < b);
            }
            let first = |s: &[f64]| s.first().copied().unwrap_or(f64::NAN);
            return Some((first(&self.suf_hi), first(&self.suf_lo)));
        }
        if t < p as u64 {
            return None;
        }
        // The older block's positions `j + 1 ..` and this block's `..= j`; the older
        // (suffix) side wins ties.
        let at = |s: &[f64]| s.get(j + 1).copied().unwrap_or(f64::NAN);
        let (mut hi, mut lo) = (at(&self.suf_hi), at(&self.suf_lo));
        if self.pre_hi > hi {
            hi = self.pre_hi;
        }
        if self.pre_lo < lo {
            lo = self.pre_lo;
        }
        Some((hi, lo))
    }
}

macro_rules! window_indicator {
    ($(#[$m:meta])* $name:ident, $core:ident, $hi:literal, $lo:literal, $out:ty, |$r:ident| $make:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            core: $core<$hi, $lo>,
        }

        impl $name {
            /// Over `timeperiod` values of the close.
            ///
            /// # Errors
            /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
            pub fn new(timeperiod: usize) -> Result<Self> {
                Ok(Self {
                    core: $core::new(timeperiod)?,
                })
            }

            /// Chooses the input field.
            #[must_use]
            pub fn with_price(mut self, price: PriceField) -> Self {
                self.core.price = price;
                self
            }
        }

        impl Indicator for $name {
            type Output = $out;
            fn lookback(&self) -> usize {
                self.core.period - 1
            }
            #[inline]
            fn update(&mut self, bar: &Bar) -> Option<$out> {
                let $r = self.core.update(bar)?;
                Some($make)
            }
            fn reset(&mut self) {
                self.core.reset();
            }
        }
    };
}

window_indicator!(
    /// MAX: highest value over `timeperiod` bars (TA-Lib `MAX`, default 30). Lookback
    /// `timeperiod − 1`.
    Max,
    BlockScan,
    true,
    false,
    f64,
    |r| r.0
);
window_indicator!(
    /// MIN: lowest value over `timeperiod` bars (TA-Lib `MIN`, default 30). Lookback
    /// `timeperiod − 1`.
    Min,
    BlockScan,
    false,
    true,
    f64,
    |r| r.1
);
window_indicator!(
    /// MAXINDEX: bar index of the highest value over `timeperiod` bars (TA-Lib `MAXINDEX`,
    /// default 30; TA-Lib's tie rule, see the [module docs](self)). Lookback
    /// `timeperiod − 1`.
    MaxIndex,
    Rescan,
    true,
    false,
    IndexOutput,
    |r| IndexOutput { integer: index(r.0) }
);
window_indicator!(
    /// MININDEX: bar index of the lowest value over `timeperiod` bars (TA-Lib `MININDEX`,
    /// default 30). Lookback `timeperiod − 1`.
    MinIndex,
    Rescan,
    false,
    true,
    IndexOutput,
    |r| IndexOutput { integer: index(r.2) }
);
window_indicator!(
    /// MINMAX: lowest and highest value over `timeperiod` bars (TA-Lib `MINMAX`, default
    /// 30). Lookback `timeperiod − 1`.
    MinMax,
    BlockScan,
    true,
    true,
    MinMaxOutput,
    |r| MinMaxOutput { min: r.1, max: r.0 }
);
window_indicator!(
    /// MINMAXINDEX: bar indices of the lowest and highest value over `timeperiod` bars
    /// (TA-Lib `MINMAXINDEX`, default 30). Lookback `timeperiod − 1`.
    MinMaxIndex,
    Rescan,
    true,
    true,
    MinMaxIndexOutput,
    |r| MinMaxIndexOutput {
        minidx: index(r.2),
        maxidx: index(r.0),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(xs: &[f64]) -> Vec<Bar> {
        xs.iter()
            .map(|&c| Bar {
                open: c,
                high: c + 1.0,
                low: c - 1.0,
                close: c,
                volume: 1.0,
            })
            .collect()
    }

    #[test]
    fn index_ties_follow_talib_newest_on_update_oldest_on_rescan() {
        // Window 3 over 5, 5, 1, 5, 1, 1, 1; the TA-Lib 0.8.1 wheel gives
        // `MAXINDEX = [0, 0, 0, 1, 3, 3, 4]` (0 in its lookback). Bar 2 rescans bars 0..=2
        // with `>`: bar 0 (not the tied bar 1). Bar 3: bar 0 has left, the rescan of 1..=3
        // keeps the oldest 5, bar 1 (not bar 3). Bar 4: bar 1 has left, the rescan of 2..=4
        // finds bar 3. Bar 5: bar 3 still in, 1 < 5. Bar 6: bar 3 has left, the rescan of
        // 4..=6 (all 1) keeps the oldest, bar 4.
        let mut m = MaxIndex::new(3).unwrap();
        let out: Vec<Option<f64>> = bars(&[5.0, 5.0, 1.0, 5.0, 1.0, 1.0, 1.0])
            .iter()
            .map(|b| m.update(b).map(|o| o.integer))
            .collect();
        assert_eq!(
            out,
            [
                None,
                None,
                Some(0.0),
                Some(1.0),
                Some(3.0),
                Some(3.0),
                Some(4.0)
            ]
        );
        // A new value that ties the current extreme takes over (`>=`): bar 4 ties bar 2,
        // which is still in the window (the wheel: `[0, 0, 2, 2, 4]`).
        let mut m = MaxIndex::new(3).unwrap();
        let out: Vec<Option<f64>> = bars(&[1.0, 2.0, 5.0, 0.0, 5.0])
            .iter()
            .map(|b| m.update(b).map(|o| o.integer))
            .collect();
        assert_eq!(out, [None, None, Some(2.0), Some(2.0), Some(4.0)]);
    }

    #[test]
    fn sum_runs_talibs_total_and_errors_name_the_parameter() {
        let mut s = Sum::new(2).unwrap();
        let out: Vec<Option<f64>> = bars(&[1.0, 2.0, 4.0, 8.0])
            .iter()
            .map(|b| s.update(b))
            .collect();
        assert_eq!(out, [None, Some(3.0), Some(6.0), Some(12.0)]);
        let e = Sum::new(1).unwrap_err().to_string();
        assert!(e.contains("timeperiod"), "{e}");
        assert!(MinMax::new(100_001).is_err());
    }
}
