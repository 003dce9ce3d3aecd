//! Volatility: TRANGE, ATR, NATR.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::fma::Fused;
use crate::indicator::{Columns, Indicator};
use crate::lanes::{Chain, LANES, hlc_lanes, segmented, serial_lanes, wilder_warm};
use crate::momentum::util::{push_nan, span};
use crate::overlap::ma::fp;
use crate::overlap::{MAX_PERIOD, check_range};

/// True range of `bar` given the previous close (TA-Lib's operation order).
#[inline]
pub(crate) fn true_range(bar: &Bar, prev_close: f64) -> f64 {
    tr_of(bar.high, bar.low, prev_close)
}

/// True range of a high and low given the previous close (TA-Lib's operation order).
#[inline(always)]
fn tr_of(high: f64, low: f64, prev_close: f64) -> f64 {
    let mut greatest = high - low;
    let v2 = (prev_close - high).abs();
    if v2 > greatest {
        greatest = v2;
    }
    let v3 = (low - prev_close).abs();
    if v3 > greatest {
        greatest = v3;
    }
    greatest
}

/// `(true range, close)` of bars `1..`: each bar's high and low against the previous close.
#[inline(always)]
fn ranges<'a>(cols: &Columns<'a>) -> impl Iterator<Item = (f64, f64)> + use<'a> {
    let (h, l, c) = (cols.high(), cols.low(), cols.close());
    let h = h.get(1..).unwrap_or(&[]);
    let l = l.get(1..).unwrap_or(&[]);
    let cur = c.get(1..).unwrap_or(&[]);
    h.iter()
        .zip(l)
        .zip(c)
        .zip(cur)
        .map(|(((&h, &l), &pc), &c)| (tr_of(h, l, pc), c))
}

/// ATR / NATR batch kernel: the fold of [`AtrCore::update`] over the columns (then
/// [`natr_of`] with the bar's close when `natr`), the FMA recursion inside
/// [`crate::fma::dispatch`].
fn atr_kernel(cols: &Columns<'_>, period: usize, natr: bool, out: &mut Vec<f64>) {
    let n = cols.len();
    out.reserve(n);
    if n <= period {
        push_nan(out, n);
        return;
    }
    push_nan(out, period);
    if period <= 1 {
        // ATR(1) and NATR(1) are the true range.
        out.extend(ranges(cols).map(|(tr, _)| tr));
        return;
    }
    let mut sum = 0.0;
    let mut close = f64::NAN;
    for (tr, c) in ranges(cols).take(period) {
        sum += tr;
        close = c;
    }
    let prev = sum / fp(period);
    out.push(if natr { natr_of(prev, close) } else { prev });
    let keep = fp(period - 1) / fp(period);
    let (h, l, c) = (cols.high(), cols.low(), cols.close());
    let start = out.len();
    out.resize(start + (n - period - 1), 0.0);
    let Some(o) = out.get_mut(start..) else {
        return;
    };
    // Bars `period + 1..`.
    let first = period + 1;
    let warm = wilder_warm(period);
    if natr {
        let chain = AtrChain::<true> { h, l, c, keep };
        crate::fma::dispatch(
            #[inline(always)]
            || segmented(&chain, prev, first, warm, o),
        );
    } else {
        let chain = AtrChain::<false> { h, l, c, keep };
        crate::fma::dispatch(
            #[inline(always)]
            || segmented(&chain, prev, first, warm, o),
        );
    }
}

/// The ATR recursion `prev = fma(prev, keep, tr * (1 - keep))` (`AtrCore::update`'s) as a
/// [`Chain`] for [`segmented`]: it forgets its start by a factor `keep` per bar; bar `i`
/// reads its high, low and close and the previous close, and writes the ATR (or the NATR
/// when `NATR`).
struct AtrChain<'a, const NATR: bool> {
    h: &'a [f64],
    l: &'a [f64],
    c: &'a [f64],
    keep: f64,
}

impl<const NATR: bool> AtrChain<'_, NATR> {
    /// The output for the ATR `prev` at a bar with close `c`.
    #[inline(always)]
    fn emit(prev: f64, c: f64) -> f64 {
        if NATR { natr_of(prev, c) } else { prev }
    }
}

impl<const NATR: bool> Chain for AtrChain<'_, NATR> {
    type State = f64;
    const WIDTH: usize = 1;

    #[inline(always)]
    fn guess(&self, _j: usize) -> f64 {
        0.0
    }

    #[inline(always)]
    fn step(&self, s: &mut f64, i: usize, out: &mut [f64]) {
        let at = |x: &[f64], i: usize| x.get(i).copied().unwrap_or(f64::NAN);
        let c = at(self.c, i);
        let tr = tr_of(at(self.h, i), at(self.l, i), at(self.c, i.wrapping_sub(1)));
        *s = s.mul_add(self.keep, tr * (1.0 - self.keep));
        if let Some(o) = out.first_mut() {
            *o = Self::emit(*s, c);
        }
    }

    #[inline(always)]
    fn serial(&self, s: f64, start: usize, out: &mut [f64]) -> f64 {
        let n = start + out.len();
        let cols4 = [
            span(self.h, start, n),
            span(self.l, start, n),
            span(self.c, start.saturating_sub(1), n.saturating_sub(1)),
            span(self.c, start, n),
        ];
        atr_run::<NATR>(cols4, s, self.keep, out)
    }

    /// [`Chain::step`] on the lanes side by side (the ATRs a `[f64; LANES]`, which the
    /// compiler turns into vector instructions); the previous close is carried.
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [f64; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        let Some([h, l, c]) = hlc_lanes([self.h, self.l, self.c], starts, len, outs) else {
            serial_lanes(self, st, starts, outs);
            return;
        };
        let mut pc: [f64; LANES] = std::array::from_fn(|k| {
            self.c
                .get(starts[k].wrapping_sub(1))
                .copied()
                .unwrap_or(f64::NAN)
        });
        let (keep, rest) = (self.keep, 1.0 - self.keep);
        let mut s = *st;
        for i in 0..len {
            let ci: [f64; LANES] = std::array::from_fn(|k| c[k][i]);
            let mut y = [0.0; LANES];
            for k in 0..LANES {
                let tr = tr_of(h[k][i], l[k][i], pc[k]);
                s[k] = s[k].mul_add(keep, tr * rest);
                y[k] = Self::emit(s[k], ci[k]);
            }
            pc = ci;
            for k in 0..LANES {
                outs[k][i] = y[k];
            }
        }
        *st = s;
    }
}

/// [`AtrChain`]'s [`Chain::serial`]: the ATR recursion over `[high, low, previous close,
/// close]` from `prev`, writing the ATR (or the NATR when `NATR`) to `out`; returns the
/// ATR after. The scaled true ranges are computed one block ahead of the recursion, in the
/// same loop (the CPU does them, and the NATR division, in the shadow of the FMA latency).
#[inline(always)]
fn atr_run<const NATR: bool>(cols4: [&[f64]; 4], mut prev: f64, keep: f64, out: &mut [f64]) -> f64 {
    const B: usize = 256;
    let [h, l, pc, c] = cols4;
    let rest = 1.0 - keep;
    let mut inc = [0.0f64; B];
    let mut blocks = h
        .chunks(B)
        .zip(l.chunks(B))
        .zip(pc.chunks(B))
        .zip(c.chunks(B));
    let mut outs = out.chunks_mut(B);
    let mut k = 0;
    let mut closes: &[f64] = &[];
    if let Some((((h, l), pc), c)) = blocks.next() {
        for (((d, &h), &l), &pc) in inc.iter_mut().zip(h).zip(l).zip(pc) {
            *d = tr_of(h, l, pc) * rest;
        }
        k = h.len();
        closes = c;
    }
    while k > 0 {
        let (((h, l), pc), c) = blocks.next().unwrap_or((((&[], &[]), &[]), &[]));
        let next = h.len();
        let row = outs.next().unwrap_or(&mut []);
        let emit = AtrChain::<NATR>::emit;
        let here = inc.iter_mut().zip(row.iter_mut()).zip(closes);
        for (((d, r), &c), ((&h, &l), &pc)) in here.zip(h.iter().zip(l).zip(pc)) {
            prev = prev.mul_add(keep, *d);
            *r = emit(prev, c);
            *d = tr_of(h, l, pc) * rest;
        }
        let here = inc.iter().zip(row.iter_mut()).zip(closes);
        for ((d, r), &c) in here.take(k).skip(next) {
            prev = prev.mul_add(keep, *d);
            *r = emit(prev, c);
        }
        k = next;
        closes = c;
    }
    prev
}

/// NATR from the ATR and the close (0 when the close is exactly zero).
#[inline(always)]
fn natr_of(atr: f64, close: f64) -> f64 {
    // TA-Lib 0.8.1 tests the close for exact zero here (not TA_IS_ZERO).
    if close == 0.0 {
        0.0
    } else {
        (atr / close) * 100.0
    }
}

/// TRANGE: true range (TA-Lib `TRANGE`; lookback 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TRange {
    #[serde(default, with = "aaiti_core::serde_f64::option")]
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
    #[inline]
    fn reset(&mut self) {
        self.prev_close = None;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        out.reserve(cols.len());
        if !cols.is_empty() {
            out.push(f64::NAN);
            out.extend(ranges(cols).map(|(tr, _)| tr));
        }
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
    #[serde(with = "aaiti_core::serde_f64")]
    sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
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
    /// Feeds one bar; the ATR from bar `period` on.
    ///
    /// The hot path (previous close known, seeded, `period > 1`, FMA seen) inlines into
    /// the caller's loop with the state in registers and runs [`update_with`](Self::update_with)'s
    /// smoothing step with one `vfmadd` ([`crate::fma::Hw`]). Every other case runs
    /// `update_with` out of line on a copy, whose fields other than `period` are written
    /// back (so the period, and `keep` from it, stay loop invariants in the caller).
    #[inline(always)]
    pub(crate) fn update(&mut self, bar: &Bar) -> Option<f64> {
        let p = self.period;
        if let (Some(pc), Some(f)) = (self.tr.prev_close, crate::fma::Hw::cached())
            && self.n >= p
            && p > 1
        {
            let tr = tr_of(bar.high, bar.low, pc);
            self.tr.prev_close = Some(bar.close);
            let keep = fp(p - 1) / fp(p);
            self.prev = f.mul_add(self.prev, keep, tr * (1.0 - keep));
            return Some(self.prev);
        }
        let (st, y) = self.clone().update_outlined(bar.high, bar.low, bar.close);
        self.tr = st.tr;
        self.n = st.n;
        self.sum = st.sum;
        self.prev = st.prev;
        y
    }
    /// [`update_with`](Self::update_with) out of line, on the state taken by value.
    #[cold]
    #[inline(never)]
    fn update_outlined(mut self, high: f64, low: f64, close: f64) -> (Self, Option<f64>) {
        let bar = Bar {
            open: close,
            high,
            low,
            close,
            volume: 0.0,
        };
        let y = crate::fma::with_fused!(f => self.update_with(f, &bar));
        (self, y)
    }
    /// The reference step, with the fused multiply-add `f` (reads the high, low and close).
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, bar: &Bar) -> Option<f64> {
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
        self.prev = f.mul_add(self.prev, keep, tr * (1.0 - keep));
        Some(self.prev)
    }
    #[inline]
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
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        atr_kernel(cols, self.core.period, false, out);
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
        Some(natr_of(atr, bar.close))
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        atr_kernel(cols, self.core.period, true, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::warm_suffices;

    #[test]
    fn atr_guesses_converge_within_the_warm_up() {
        let [h, l, c] = crate::lanes::test_hlc(40_000);
        for p in [2usize, 14, 60] {
            let keep = fp(p - 1) / fp(p);
            let atr = AtrChain::<false> {
                h: &h,
                l: &l,
                c: &c,
                keep,
            };
            let natr = AtrChain::<true> {
                h: &h,
                l: &l,
                c: &c,
                keep,
            };
            let w = wilder_warm(p);
            assert!(warm_suffices(&atr, 0.0, h.len(), w), "ATR {p}");
            assert!(warm_suffices(&natr, 0.0, h.len(), w), "NATR {p}");
            // Far too short a warm-up does not converge (the check can fail).
            assert!(!warm_suffices(&atr, 0.0, h.len(), 4 * p), "{p}");
        }
    }
}
