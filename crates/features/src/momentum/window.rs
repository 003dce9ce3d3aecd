//! Window-scan momentum: AROON, AROONOSC, WILLR, CCI, MFI, ULTOSC.
//!
//! Streaming rolling extremes use `crate::window::HiLoWindow` (block prefix / suffix
//! extremes: O(1) per bar without data-dependent branches, exactly TA-Lib's rescanning
//! results, its tie rule included: the most recent extreme wins); the batch kernels use
//! the doubling scans of `crate::window`.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{
    CircBuf, Extreme, MAX_PERIOD, TA_EPSILON, check_period, is_zero_scaled_strict, not_positive,
};
use crate::error::Result;
use crate::indicator::fold_rows;
use crate::indicator::{Columns, Indicator};
use crate::overlap::ma::push_nan;
use crate::window::{HiLoWindow, argmax_argmin_chunks, max_min_chunks};

crate::indicator_output! {
    /// AROON's outputs, named as TA-Lib's abstract API.
    pub struct AroonOutput {
        /// `100 · (period − bars since the lowest low) / period`.
        aroondown,
        /// `100 · (period − bars since the highest high) / period`.
        aroonup,
    }
}

/// Shared state of AROON and AROONOSC: extremes over the last `period + 1` bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AroonRepr")]
struct AroonCore {
    period: usize,
    win: HiLoWindow<true>,
    /// `100 / period`, kept so that `update` does not divide each bar (0 in a state saved
    /// without it: then computed each bar).
    #[serde(default)]
    #[serde(with = "aaiti_core::serde_f64")]
    factor: f64,
}

/// [`AroonCore`] as saved: the current layout (`win`, `factor`) or the one up to b472e61
/// (`t` and TA-Lib's rescanning extremes `hi`, `lo`; see [`HiLoWindow::from_extremes`]).
/// Needs a self-describing format (JSON), as any state with optional fields.
#[derive(Deserialize)]
struct AroonRepr {
    period: usize,
    win: Option<HiLoWindow<true>>,
    #[serde(default)]
    #[serde(with = "aaiti_core::serde_f64")]
    factor: f64,
    t: Option<u64>,
    hi: Option<Extreme>,
    lo: Option<Extreme>,
}

impl TryFrom<AroonRepr> for AroonCore {
    type Error = String;
    fn try_from(r: AroonRepr) -> std::result::Result<Self, String> {
        let win = match (r.win, r.t, r.hi, r.lo) {
            (Some(win), ..) => win,
            (None, Some(t), Some(hi), Some(lo)) => {
                let w = r.period.checked_add(1).ok_or("AROON period overflows")?;
                HiLoWindow::from_extremes(w, t, &hi, &lo)?
            }
            _ => return Err("AROON state: neither `win` nor `t`, `hi` and `lo`".into()),
        };
        // The old layout had no `factor`: computed as `new` does (the value `update`
        // computes from `period` when it is 0).
        let factor = if r.factor > 0.0 {
            r.factor
        } else {
            100.0 / small(r.period as u64)
        };
        Ok(Self {
            period: r.period,
            win,
            factor,
        })
    }
}

impl AroonCore {
    fn new(period: usize) -> Self {
        Self {
            period,
            win: HiLoWindow::new(period + 1),
            factor: 100.0 / small(period as u64),
        }
    }

    /// [`new`](Self::new)'s state, the window reset in place (see [`HiLoWindow::reset`]).
    #[inline]
    fn reset(&mut self) {
        self.win.reset(self.period + 1);
        self.factor = 100.0 / small(self.period as u64);
    }

    /// `(t, highest index, lowest index)` once `period + 1` bars were seen.
    #[inline]
    fn step(&mut self, bar: &Bar) -> Option<(u64, u64, u64)> {
        let (t, _, hi, _, lo) = self.win.push(bar.high, bar.low);
        (t >= self.period as u64).then_some((t, hi, lo))
    }

    #[inline]
    fn factor(&self) -> f64 {
        if self.factor > 0.0 {
            self.factor
        } else {
            100.0 / small(self.period as u64)
        }
    }
}

/// `v` (at most the period, 100000) as a float: the same value as `v as f64`, in one
/// signed conversion instead of the unsigned 64-bit sequence.
#[inline(always)]
fn small(v: u64) -> f64 {
    #[allow(clippy::cast_possible_truncation, reason = "v <= 100000")]
    f64::from(v as u32)
}

/// AROON (TA-Lib `AROON`): how recently the window of `timeperiod + 1` bars made its high
/// and its low. Lookback `timeperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aroon {
    core: AroonCore,
}

impl Aroon {
    /// AROON over `timeperiod` (2..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("AROON", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            core: AroonCore::new(timeperiod),
        })
    }
}

impl Indicator for Aroon {
    type Output = AroonOutput;
    fn lookback(&self) -> usize {
        self.core.period
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<AroonOutput> {
        let (t, hi, lo) = self.core.step(bar)?;
        let f = self.core.factor();
        let p = self.core.period as u64;
        let up = f * small(p - (t - hi));
        let down = f * small(p - (t - lo));
        Some(AroonOutput {
            aroondown: down,
            aroonup: up,
        })
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len();
        let (p, n) = (self.core.period, cols.len());
        let f = self.core.factor();
        out.reserve(2 * n);
        push_nan(out, 2 * p.min(n));
        // The fold's `f · (p − (t − index))` is `f · offset` of the extreme in its window.
        let ok = crate::fma::dispatch(
            #[inline(always)]
            || {
                argmax_argmin_chunks(
                    cols.high(),
                    cols.low(),
                    p + 1,
                    #[inline(always)]
                    |_, ext| {
                        let from = out.len();
                        let rows = ext.iter();
                        out.resize(from + 2 * rows.len(), 0.0);
                        let dst = out.get_mut(from..).unwrap_or(&mut []);
                        for (row, (up, down)) in dst.chunks_exact_mut(2).zip(rows) {
                            row.copy_from_slice(&[f * down, f * up]);
                        }
                    },
                )
            },
        );
        if !ok {
            out.truncate(start);
            fold_rows(self, cols, out);
        }
    }
}

/// AROONOSC (TA-Lib `AROONOSC`): `aroonup − aroondown`, computed as TA-Lib does,
/// `100 / period · (highest index − lowest index)`. Lookback `timeperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AroonOsc {
    core: AroonCore,
}

impl AroonOsc {
    /// AROONOSC over `timeperiod` (2..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("AROONOSC", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            core: AroonCore::new(timeperiod),
        })
    }
}

impl Indicator for AroonOsc {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.period
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (_, hi, lo) = self.core.step(bar)?;
        let d = if hi >= lo {
            small(hi - lo)
        } else {
            -small(lo - hi)
        };
        Some(self.core.factor() * d)
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len();
        let (p, n) = (self.core.period, cols.len());
        let f = self.core.factor();
        out.reserve(n);
        push_nan(out, p.min(n));
        // The fold's signed index difference is the difference of the offsets (exact).
        let ok = crate::fma::dispatch(
            #[inline(always)]
            || {
                argmax_argmin_chunks(
                    cols.high(),
                    cols.low(),
                    p + 1,
                    #[inline(always)]
                    |_, ext| {
                        let from = out.len();
                        let rows = ext.iter();
                        out.resize(from + rows.len(), 0.0);
                        let dst = out.get_mut(from..).unwrap_or(&mut []);
                        for (y, (up, down)) in dst.iter_mut().zip(rows) {
                            *y = f * (up - down);
                        }
                    },
                )
            },
        );
        if !ok {
            out.truncate(start);
            fold_rows(self, cols, out);
        }
    }
}

/// WILLR, Williams' %R (TA-Lib `WILLR`): `−100 · (HH − close) / (HH − LL)` over
/// `timeperiod` bars; 0 when the range is 0. Lookback `timeperiod − 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WillrRepr")]
pub struct Willr {
    period: usize,
    win: HiLoWindow<false>,
}

/// [`Willr`] as saved: the current layout (`win`) or the one up to b472e61 (`t` and
/// TA-Lib's rescanning extremes `hi`, `lo`; see [`HiLoWindow::from_extremes`]).
#[derive(Deserialize)]
struct WillrRepr {
    period: usize,
    win: Option<HiLoWindow<false>>,
    t: Option<u64>,
    hi: Option<Extreme>,
    lo: Option<Extreme>,
}

impl TryFrom<WillrRepr> for Willr {
    type Error = String;
    fn try_from(r: WillrRepr) -> std::result::Result<Self, String> {
        let win = match (r.win, r.t, r.hi, r.lo) {
            (Some(win), ..) => win,
            (None, Some(t), Some(hi), Some(lo)) => {
                HiLoWindow::from_extremes(r.period, t, &hi, &lo)?
            }
            _ => return Err("WILLR state: neither `win` nor `t`, `hi` and `lo`".into()),
        };
        Ok(Self {
            period: r.period,
            win,
        })
    }
}

impl Willr {
    /// WILLR over `timeperiod` (2..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("WILLR", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            period: timeperiod,
            win: HiLoWindow::new(timeperiod),
        })
    }
}

impl Indicator for Willr {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (t, hh, _, ll, _) = self.win.push(bar.high, bar.low);
        if t + 1 < self.period as u64 {
            return None;
        }
        Some(willr(hh, ll, bar.close))
    }
    #[inline]
    fn reset(&mut self) {
        self.win.reset(self.period);
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len();
        let (p, n) = (self.period, cols.len());
        let close = cols.close();
        out.reserve(n);
        push_nan(out, (p - 1).min(n));
        // `inline(always)`: the kernel must be compiled inside the FMA (AVX) frame.
        let ok = crate::fma::dispatch(
            #[inline(always)]
            || {
                max_min_chunks(
                    cols.high(),
                    cols.low(),
                    p,
                    #[inline(always)]
                    |first, ext| {
                        // A plain loop (not `extend(map)`), so that it is inlined into the
                        // FMA/AVX frame.
                        let c = close.get(first..).unwrap_or(&[]);
                        let from = out.len();
                        let rows = ext.iter();
                        out.resize(from + rows.len().min(c.len()), 0.0);
                        let dst = out.get_mut(from..).unwrap_or(&mut []);
                        for (y, ((hh, ll), &c)) in dst.iter_mut().zip(rows.zip(c)) {
                            *y = willr(hh, ll, c);
                        }
                    },
                )
            },
        );
        if !ok {
            out.truncate(start);
            fold_rows(self, cols, out);
        }
    }
}

/// WILLR of one bar from its window's extremes (the fold's operations, branch-free).
#[inline(always)]
fn willr(hh: f64, ll: f64, close: f64) -> f64 {
    let diff = hh - ll;
    let v = -100.0 * ((hh - close) / diff);
    if is_zero_scaled_strict(diff, hh.abs() + ll.abs()) {
        0.0
    } else {
        v
    }
}

/// CCI, Commodity Channel Index (TA-Lib `CCI`): `(tp − mean) / (0.015 · meanAbsDev)` of the
/// typical price `(h + l + c) / 3` over `timeperiod` bars; 0 when either term is zero.
///
/// Like TA-Lib, the mean and the mean absolute deviation are recomputed over the window
/// each bar (O(timeperiod)), summing the circular buffer in TA-Lib's slot order so the
/// result matches bit for bit. Lookback `timeperiod − 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cci {
    period: usize,
    n: usize,
    buf: CircBuf,
    /// `pre[j]`: the running sum of slots `0..=j` as the fold's mean loop forms it, for the
    /// current slot values; empty until the first output. The slots before the one written
    /// this bar are unchanged, so the mean's sum restarts from `pre[r − 1]`: the same
    /// additions in the same order, about half of them.
    #[serde(default)]
    #[serde(with = "aaiti_core::serde_f64::vec")]
    pre: Vec<f64>,
}

impl Cci {
    /// CCI over `timeperiod` (2..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("CCI", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            period: timeperiod,
            n: 0,
            buf: CircBuf::new(timeperiod),
            pre: Vec::new(),
        })
    }
}

impl Indicator for Cci {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    /// The steady state (window full, prefix sums in place) inlines into a caller's loop:
    /// the reference step's operations for that case (`Cci::update_ref`), in the same
    /// order, with the slot written and the ring advanced before the sums (nothing after
    /// the deviation sum waits for it, so successive bars' sums overlap) and the mean's sum
    /// taking the new slot from the register. The warm-up, the first output and states
    /// saved without prefix sums run out of line on the state taken by value.
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let last = (bar.high + bar.low + bar.close) / 3.0;
        let n = self.n.saturating_add(1);
        let CircBuf { buf, idx } = &mut self.buf;
        let (r, cap) = (*idx, buf.len());
        if n >= self.period && r < cap && self.pre.len() == cap {
            self.n = n;
            if let Some(s) = buf.get_mut(r) {
                *s = last;
            }
            *idx = if r + 1 < cap { r + 1 } else { 0 };
            let pf = crate::overlap::ma::fp(self.period);
            // The mean's sum restarts from the unchanged slots' running sum `pre[r − 1]` and
            // adds slot `r` from the register (no wait for the store just made).
            let mut avg = match r.checked_sub(1) {
                Some(j) => self.pre.get(j).copied().unwrap_or(0.0),
                None => 0.0,
            };
            avg += last;
            if let Some(s) = self.pre.get_mut(r) {
                *s = avg;
            }
            let slots = buf.get(r + 1..).unwrap_or(&[]);
            let sums = self.pre.get_mut(r + 1..).unwrap_or(&mut []);
            for (&x, s) in slots.iter().zip(sums) {
                avg += x;
                *s = avg;
            }
            avg /= pf;
            let mut dev = 0.0;
            for &x in buf.iter() {
                dev += (x - avg).abs();
            }
            return Some(cci_of(last, avg, dev, pf));
        }
        let placeholder = Self {
            period: self.period,
            n: 0,
            buf: CircBuf {
                buf: Vec::new(),
                idx: 0,
            },
            pre: Vec::new(),
        };
        let (state, y) = Self::update_outlined(std::mem::replace(self, placeholder), last);
        *self = state;
        y
    }
    #[inline]
    fn reset(&mut self) {
        self.n = 0;
        self.buf.clear();
        self.pre.clear();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        out.reserve(cols.len());
        crate::fma::dispatch(
            #[inline(always)]
            || cci_kernel(cols, self.period, out),
        );
    }
}

impl Cci {
    /// [`update_ref`](Self::update_ref) out of line, on the state taken by value.
    #[cold]
    #[inline(never)]
    fn update_outlined(mut self, last: f64) -> (Self, Option<f64>) {
        let y = self.update_ref(last);
        (self, y)
    }

    /// The reference step for a bar of typical price `last` (every case;
    /// [`Indicator::update`] inlines the steady state).
    fn update_ref(&mut self, last: f64) -> Option<f64> {
        self.buf.set_current(last);
        self.n = self.n.saturating_add(1);
        if self.n < self.period {
            self.buf.advance();
            return None;
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let p = self.period as f64;
        let cap = self.buf.buf.len();
        let mut from = self.buf.idx;
        if self.pre.len() != cap {
            self.pre.clear();
            self.pre.resize(cap, 0.0);
            from = 0;
        }
        let mut avg = match from.checked_sub(1) {
            Some(j) => self.pre.get(j).copied().unwrap_or(0.0),
            None => 0.0,
        };
        let slots = self.buf.buf.get(from..).unwrap_or(&[]);
        let sums = self.pre.get_mut(from..).unwrap_or(&mut []);
        for (&x, s) in slots.iter().zip(sums) {
            avg += x;
            *s = avg;
        }
        avg /= p;
        let mut dev = 0.0;
        for &x in &self.buf.buf {
            dev += (x - avg).abs();
        }
        let num = last - avg;
        self.buf.advance();
        Some(cci_value(num, avg, dev, p))
    }
}

/// Blocks of `period` bars that the CCI kernel processes side by side (SIMD lanes).
const CCI_LANES: usize = 16;

/// Longest period for the lane kernel (its transposed scratch holds `17 · period` values);
/// longer periods use the per-bar loop.
const CCI_MAX_LANE_PERIOD: usize = 256;

/// CCI of one bar from its window's mean and absolute-deviation sum (the fold's formula,
/// branch-free).
#[inline(always)]
fn cci_of(last: f64, avg: f64, dev_sum: f64, p: f64) -> f64 {
    cci_value(last - avg, avg, dev_sum, p)
}

/// CCI from `num = last − mean`, the mean and the absolute-deviation sum (TA-Lib 0.8.1,
/// issue #253): 0 when the window is flat, i.e. when the numerator or the mean deviation is
/// within `1e-14 · |mean|` of zero (a band relative to the window's own price level, so the
/// price scale does not matter).
#[inline(always)]
fn cci_value(num: f64, avg: f64, dev_sum: f64, p: f64) -> f64 {
    let md = dev_sum / p;
    let v = num / (0.015 * md);
    let level = avg.abs();
    if !is_zero_scaled_strict(num, level) & !is_zero_scaled_strict(md, level) {
        v
    } else {
        0.0
    }
}

/// `x[a..b]`, or an empty slice when out of range.
#[inline(always)]
fn span(x: &[f64], a: usize, b: usize) -> &[f64] {
    x.get(a..b).unwrap_or(&[])
}

/// The typical prices `(h + l + c) / 3` of bars `a..b` (the fold's operations).
fn typical(cols: &Columns<'_>, a: usize, b: usize) -> Vec<f64> {
    let (h, l, c) = (cols.high(), cols.low(), cols.close());
    span(h, a, b)
        .iter()
        .zip(span(l, a, b))
        .zip(span(c, a, b))
        .map(|((&h, &l), &c)| (h + l + c) / 3.0)
        .collect()
}

/// CCI of the bars of `cols`, appended to `out` (NaN in the lookback), bit for bit the
/// fold: each bar sums its window in the circular buffer's slot order.
///
/// Bars `t = k·p + r` of blocks `k` with the same `r` sum in the same pattern (slot `s` from
/// block `k` when `s <= r`, from block `k − 1` otherwise), so [`CCI_LANES`] consecutive
/// blocks run side by side: their typical prices are written transposed (one row per
/// slot) and each slot adds one contiguous vector of lanes, every lane in the fold's order.
#[inline(always)]
fn cci_kernel(cols: &Columns<'_>, p: usize, out: &mut Vec<f64>) {
    const L: usize = CCI_LANES;
    let n = cols.len();
    push_nan(out, (p - 1).min(n));
    if n < p {
        return;
    }
    let pf = crate::overlap::ma::fp(p);
    // Block 0 has one output (its last bar); lane groups start at block 1.
    let head = typical(cols, 0, p);
    out.push(cci_bar(&head, p - 1, p));
    let mut t = p;
    if p <= CCI_MAX_LANE_PERIOD {
        // `rows[s]` = slot `s` of blocks `k0 − 1 ..= k0 + L − 1` (row stride L + 1).
        let mut rows = vec![0.0; p * (L + 1)];
        let mut res = vec![0.0; p * L];
        let (h, l, c) = (cols.high(), cols.low(), cols.close());
        while t + L * p <= n {
            let (a, b) = (t - p, t + L * p);
            let blocks = span(h, a, b)
                .chunks_exact(p)
                .zip(span(l, a, b).chunks_exact(p))
                .zip(span(c, a, b).chunks_exact(p));
            for (j, ((bh, bl), bc)) in blocks.enumerate() {
                let tp = bh.iter().zip(bl).zip(bc);
                for (row, ((&h, &l), &c)) in rows.chunks_exact_mut(L + 1).zip(tp) {
                    if let Some(x) = row.get_mut(j) {
                        *x = (h + l + c) / 3.0;
                    }
                }
            }
            let lanes = |s: usize, cur: bool| -> [f64; L] {
                let row = rows.get(s * (L + 1)..(s + 1) * (L + 1)).unwrap_or(&[]);
                let src = if cur { row.get(1..) } else { row.get(..L) };
                src.and_then(|x| x.first_chunk::<L>())
                    .copied()
                    .unwrap_or([f64::NAN; L])
            };
            for r in 0..p {
                let mut sum = [0.0f64; L];
                for s in 0..p {
                    let v = lanes(s, s <= r);
                    for (a, x) in sum.iter_mut().zip(v) {
                        *a += x;
                    }
                }
                let avg = sum.map(|a| a / pf);
                let mut dev = [0.0f64; L];
                for s in 0..p {
                    let v = lanes(s, s <= r);
                    for ((d, x), m) in dev.iter_mut().zip(v).zip(avg) {
                        *d += (x - m).abs();
                    }
                }
                let last = lanes(r, true);
                let mut y = [0.0f64; L];
                for (((y, x), a), d) in y.iter_mut().zip(last).zip(avg).zip(dev) {
                    *y = cci_of(x, a, d, pf);
                }
                for (row, y) in res.chunks_exact_mut(p).zip(y) {
                    if let Some(o) = row.get_mut(r) {
                        *o = y;
                    }
                }
            }
            out.extend_from_slice(&res);
            t += L * p;
        }
    }
    // The remaining bars one by one, over typical prices from the block before (`t − p` is
    // a multiple of `p`, so slot positions are unchanged).
    let tail = typical(cols, t - p, n);
    out.extend((p..p + n - t).map(|u| cci_bar(&tail, u, p)));
}

/// CCI of bar `t >= p - 1` of the typical prices `tp`, summing the window in the fold's
/// circular-buffer slot order: slot `s` holds bar `t − r + s` for `s <= r` (`r = t mod p`)
/// and bar `t − r − p + s` after it.
#[inline(always)]
fn cci_bar(tp: &[f64], t: usize, p: usize) -> f64 {
    let r = t % p;
    let (Some(cur), Some(prev)) = (tp.get(t - r..=t), tp.get(t + 1 - p..t - r)) else {
        return f64::NAN;
    };
    let pf = crate::overlap::ma::fp(p);
    let mut sum = 0.0;
    for &v in cur.iter().chain(prev) {
        sum += v;
    }
    let avg = sum / pf;
    let mut dev = 0.0;
    for &v in cur.iter().chain(prev) {
        dev += (v - avg).abs();
    }
    cci_of(tp.get(t).copied().unwrap_or(f64::NAN), avg, dev, pf)
}

/// MFI, Money Flow Index (TA-Lib `MFI`): `100 · posMF / (posMF + negMF)` over `timeperiod`
/// bars, where the money flow is `typical price · volume` signed by the typical price's
/// change. Lookback `timeperiod`. TA-Lib 0.8.1's rules, all kept:
///
/// * a change within `1e-14 · (|tp| + |previous tp|)` of zero (`TA_IS_ZERO_SCALED`, a
///   ~90-ulp dead zone) counts as no change: the bar adds no flow to either side;
/// * once `timeperiod` bars in a row added no flow (no change, or no volume) both running
///   sums are reset to exactly zero, dropping their rounding residue;
/// * the output is 0 when the total flow is `<= 0` (an empty window), otherwise the
///   positive sum, clamped into `[0, total]`, over the total: no fixed threshold, so an
///   instrument with tiny prices or volumes gets its real index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mfi {
    period: usize,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    prev: f64,
    pos: CircBuf,
    neg: CircBuf,
    #[serde(with = "aaiti_core::serde_f64")]
    pos_sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    neg_sum: f64,
    /// Bars in a row, up to `period`, that added no flow (absent in checkpoints written
    /// before it existed: read as 0).
    #[serde(default)]
    null_run: usize,
}

impl Mfi {
    /// MFI over `timeperiod` (2..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("MFI", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            period: timeperiod,
            n: 0,
            prev: 0.0,
            pos: CircBuf::new(timeperiod),
            neg: CircBuf::new(timeperiod),
            pos_sum: 0.0,
            neg_sum: 0.0,
            null_run: 0,
        })
    }
}

impl Indicator for Mfi {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let n = self.n;
        self.n = n.saturating_add(1);
        let tp = (bar.high + bar.low + bar.close) / 3.0;
        if n == 0 {
            self.prev = tp;
            return None;
        }
        let (pf, nf) = money_flow(tp, self.prev, bar.volume);
        self.prev = tp;
        // Both sums drop their oldest flow (`+0` until the buffers wrap) and take a term,
        // `0.0` for the other side. A sum is never `−0`, so the `±0` terms change nothing,
        // NaN and infinities included.
        let mut pos = (self.pos_sum - self.pos.current()) + pf;
        let mut neg = (self.neg_sum - self.neg.current()) + nf;
        self.pos.set_current(pf);
        self.neg.set_current(nf);
        self.pos.advance();
        self.neg.advance();
        // `null_run_step`, on locals.
        let run = if (pf == 0.0) & (nf == 0.0) {
            self.null_run + 1
        } else {
            0
        };
        if run >= self.period {
            self.null_run = self.period;
            pos = 0.0;
            neg = 0.0;
        } else {
            self.null_run = run;
        }
        self.pos_sum = pos;
        self.neg_sum = neg;
        if n < self.period {
            return None;
        }
        Some(mfi_of(self.pos_sum, self.neg_sum))
    }
    fn reset(&mut self) {
        self.n = 0;
        self.prev = 0.0;
        self.pos.clear();
        self.neg.clear();
        self.pos_sum = 0.0;
        self.neg_sum = 0.0;
        self.null_run = 0;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        out.reserve(cols.len());
        crate::fma::dispatch(
            #[inline(always)]
            || mfi_kernel(cols, self.period, out),
        );
    }
}

/// Bars per chunk of the MFI kernel.
const MFI_CHUNK: usize = 512;

/// Appends the positive and negative money flows of bars `a + 1 .. b` (the fold's
/// classification: a NaN change counts as positive) to `pos` and `neg`, in one loop over
/// equal-length slices that the compiler vectorises (the selects become blends). Returns
/// whether any of these bars added no flow (both flows `0`).
#[inline(always)]
fn money_flows(
    cols: &Columns<'_>,
    a: usize,
    b: usize,
    pos: &mut Vec<f64>,
    neg: &mut Vec<f64>,
) -> bool {
    let tp = typical(cols, a, b);
    let m = tp.len().saturating_sub(1);
    let (p0, n0) = (pos.len(), neg.len());
    pos.resize(p0 + m, 0.0);
    neg.resize(n0 + m, 0.0);
    let (Some(dp), Some(dn), Some(prev), Some(cur), Some(vol)) = (
        pos.get_mut(p0..),
        neg.get_mut(n0..),
        tp.get(..m),
        tp.get(1..),
        span(cols.volume(), a + 1, b).get(..m),
    ) else {
        return false;
    };
    let flows = dp.iter_mut().zip(dn.iter_mut());
    // No early exit (an or-reduction vectorises with the loop).
    let mut none = 0u64;
    for ((fp, fneg), ((&prev, &tp), &v)) in flows.zip(prev.iter().zip(cur).zip(vol)) {
        let (x, y) = money_flow_plain(tp, prev, v);
        none |= u64::from((x == 0.0) & (y == 0.0));
        (*fp, *fneg) = (x, y);
    }
    none != 0
}

/// The positive and negative money flow of a bar with typical price `tp` after `prev`
/// (TA-Lib 0.8.1): `tp · volume` on the side of the change, nothing when the change is
/// within the scaled dead zone `1e-14 · (|tp| + |prev|)` (`TA_IS_ZERO_SCALED`). A NaN change
/// counts as positive. Branch-free for the streaming update (see [`crate::select`]: as
/// plain selects LLVM made this a branch that mispredicted on about half the bars, and the
/// update ran 3× slower).
#[inline(always)]
fn money_flow(tp: f64, prev: f64, volume: f64) -> (f64, f64) {
    crate::select::split_by_sign(tp * volume, tp - prev, TA_EPSILON * (tp.abs() + prev.abs()))
}

/// [`money_flow`] as plain selects, for the batch's vectorised loop (same bits).
#[inline(always)]
fn money_flow_plain(tp: f64, prev: f64, volume: f64) -> (f64, f64) {
    crate::select::split_by_sign_plain(tp * volume, tp - prev, TA_EPSILON * (tp.abs() + prev.abs()))
}

/// TA-Lib 0.8.1's empty-window rule, after a bar's flows `pf`/`nf` entered the sums: the
/// count of bars in a row without flow (both `== 0`), and once it reaches `period` both
/// sums are exactly zero (every slot of the window is), so their residue is dropped.
#[inline(always)]
fn null_run_step(
    run: usize,
    pf: f64,
    nf: f64,
    period: usize,
    pos: &mut f64,
    neg: &mut f64,
) -> usize {
    if (pf == 0.0) & (nf == 0.0) {
        let run = run + 1;
        if run >= period {
            *pos = 0.0;
            *neg = 0.0;
            return period;
        }
        run
    } else {
        0
    }
}

/// MFI from the flow sums (TA-Lib 0.8.1): 0 for an empty window (total `<= 0`), else the
/// positive sum clamped into `[0, total]` over the total (NaN propagates).
#[inline(always)]
fn mfi_of(pos: f64, neg: f64) -> f64 {
    let total = pos + neg;
    let pc = if pos > total { total } else { pos };
    let pc = if pos < 0.0 { 0.0 } else { pc };
    let v = 100.0 * (pc / total);
    if total <= 0.0 { 0.0 } else { v }
}

/// MFI of the bars of `cols`, appended to `out`, bit for bit the fold.
///
/// The fold adds each bar's flow to one of the two sums; here both sums take a term each
/// bar, `0.0` for the other side. That is the same value: a sum is never `−0` (it starts at
/// `+0`, and `x + y` is `−0` only when both are), so adding `+0` changes nothing, NaN and
/// infinities included. The flows are computed in vectorised chunks, the two running sums
/// in one tight loop.
#[inline(always)]
fn mfi_kernel(cols: &Columns<'_>, p: usize, out: &mut Vec<f64>) {
    let n = cols.len();
    push_nan(out, p.min(n));
    if n <= p {
        return;
    }
    // `fp[k]`, `fn_[k]`: flows of bar `i − p + k` for the chunk starting at bar `i`.
    let (mut fp, mut fneg) = (Vec::with_capacity(p + MFI_CHUNK), Vec::new());
    fneg.reserve(p + MFI_CHUNK);
    money_flows(cols, 0, p + 1, &mut fp, &mut fneg);
    let (mut pos, mut neg) = (0.0f64, 0.0f64);
    let mut run = 0usize;
    for (&a, &b) in fp.iter().zip(&fneg) {
        pos += a;
        neg += b;
        run = null_run_step(run, a, b, p, &mut pos, &mut neg);
    }
    out.push(mfi_of(pos, neg));
    let (mut sp, mut sn) = (Vec::new(), Vec::new());
    let mut resets = Vec::new();
    let mut i = p + 1;
    while i < n {
        let end = (i + MFI_CHUNK).min(n);
        // Keep the last `p` flows (bars `i − p .. i`), then append bars `i .. end`.
        let keep = fp.len() - p;
        fp.drain(..keep);
        fneg.drain(..keep);
        let idle = money_flows(cols, i - 1, end, &mut fp, &mut fneg);
        let m = end - i;
        sp.resize(m, 0.0);
        sn.resize(m, 0.0);
        // The empty-window resets (`null_run_step`), found first in an integer pass so the
        // sums' loop below stays two plain add chains between them (resets are rare: they
        // need `p` bars in a row without flow). A chunk where every bar added flow (real
        // data, nearly always) has none and ends the run of flowless bars.
        resets.clear();
        if idle {
            let new = fp.iter().skip(p).zip(fneg.iter().skip(p));
            for (k, (&a, &b)) in new.enumerate() {
                run = if (a == 0.0) & (b == 0.0) { run + 1 } else { 0 };
                if run >= p {
                    run = p;
                    resets.push(k);
                }
            }
        } else {
            run = 0;
        }
        resets.push(m);
        let mut from = 0;
        for &r in &resets {
            let to = (r + 1).min(m);
            let old = fp.iter().skip(from).zip(fneg.iter().skip(from));
            let new = fp.iter().skip(p + from).zip(fneg.iter().skip(p + from));
            let dst = sp[from..to].iter_mut().zip(sn[from..to].iter_mut());
            for ((sp, sn), ((&op, &on), (&np, &nn))) in dst.zip(old.zip(new)) {
                pos -= op;
                neg -= on;
                pos += np;
                neg += nn;
                *sp = pos;
                *sn = neg;
            }
            if r < m {
                // Bar `r` completed an empty window: its sums are exactly zero.
                pos = 0.0;
                neg = 0.0;
                sp[r] = 0.0;
                sn[r] = 0.0;
            }
            from = to;
        }
        out.extend(sp.iter().zip(&sn).map(|(&a, &b)| mfi_of(a, b)));
        i = end;
    }
}

/// ULTOSC, Ultimate Oscillator (TA-Lib `ULTOSC`): `100 · (4·A1/B1 + 2·A2/B2 + A3/B3) / 7`
/// with buying pressure `A` and true range `B` summed over three periods. Like TA-Lib the
/// periods are sorted, so the weight 4 goes to the shortest. Lookback = longest period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UltOsc {
    periods: [usize; 3],
    /// Sorted shortest first.
    sorted: [usize; 3],
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_close: f64,
    /// Buying pressure and true range of the last `longest` bars.
    #[serde(with = "aaiti_core::serde_f64::vec")]
    bp: Vec<f64>,
    #[serde(with = "aaiti_core::serde_f64::vec")]
    tr: Vec<f64>,
    head: usize,
    #[serde(with = "aaiti_core::serde_f64::array")]
    a: [f64; 3],
    #[serde(with = "aaiti_core::serde_f64::array")]
    b: [f64; 3],
}

impl UltOsc {
    /// ULTOSC with `timeperiod1..3` (each 1..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range.
    pub fn new(timeperiod1: usize, timeperiod2: usize, timeperiod3: usize) -> Result<Self> {
        check_period("ULTOSC", "timeperiod1", timeperiod1, 1, MAX_PERIOD)?;
        check_period("ULTOSC", "timeperiod2", timeperiod2, 1, MAX_PERIOD)?;
        check_period("ULTOSC", "timeperiod3", timeperiod3, 1, MAX_PERIOD)?;
        let periods = [timeperiod1, timeperiod2, timeperiod3];
        let mut sorted = periods;
        sorted.sort_unstable();
        let longest = sorted[2];
        Ok(Self {
            periods,
            sorted,
            n: 0,
            prev_close: 0.0,
            bp: vec![0.0; longest],
            tr: vec![0.0; longest],
            head: 0,
            a: [0.0; 3],
            b: [0.0; 3],
        })
    }
}

impl Indicator for UltOsc {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.sorted[2]
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let n = self.n;
        self.n = n.saturating_add(1);
        if n == 0 {
            self.prev_close = bar.close;
            return None;
        }
        let yc = self.prev_close;
        self.prev_close = bar.close;
        let true_low = if bar.low < yc { bar.low } else { yc };
        let bp = bar.close - true_low;
        let mut tr = bar.high - bar.low;
        let t = (yc - bar.high).abs();
        if t > tr {
            tr = t;
        }
        let t = (yc - bar.low).abs();
        if t > tr {
            tr = t;
        }
        let longest = self.sorted[2];
        let cap = self.bp.len();
        // Store this bar's terms (slot `head`), keeping the last `longest` bars.
        if let Some(s) = self.bp.get_mut(self.head) {
            *s = bp;
        }
        if let Some(s) = self.tr.get_mut(self.head) {
            *s = tr;
        }
        let head = self.head;
        self.head = (self.head + 1) % cap;
        // Terms of the bar `k` bars ago (k = 0 is this bar).
        let back = |v: &Vec<f64>, k: usize| v.get((head + cap - k) % cap).copied().unwrap_or(0.0);
        let sorted = self.sorted;
        for (j, &p) in sorted.iter().enumerate() {
            // The sums cover bars `t - p + 1 ..= t`; during the priming phase TA-Lib adds
            // the bars from `longest - p + 1`.
            if n + p > longest
                && let (Some(a), Some(b)) = (self.a.get_mut(j), self.b.get_mut(j))
            {
                *a += bp;
                *b += tr;
            }
        }
        if n < longest {
            return None;
        }
        let mut out = 0.0;
        let (a, b) = (self.a, self.b);
        // A term counts only when its true-range sum is positive (TA-Lib 0.8.1: no fixed
        // threshold, so the index does not depend on the instrument's price scale; a zero
        // or NaN sum drops the term, see `not_positive`).
        if !not_positive(b[0]) {
            out += 4.0 * (a[0] / b[0]);
        }
        if !not_positive(b[1]) {
            out += 2.0 * (a[1] / b[1]);
        }
        if !not_positive(b[2]) {
            out += a[2] / b[2];
        }
        // Drop the trailing bar of each sum (the bar `p - 1` bars ago).
        for (j, &p) in sorted.iter().enumerate() {
            let k = p - 1;
            if let (Some(a), Some(b)) = (self.a.get_mut(j), self.b.get_mut(j)) {
                *a -= back(&self.bp, k);
                *b -= back(&self.tr, k);
            }
        }
        Some(100.0 * (out / 7.0))
    }
    fn reset(&mut self) {
        let [a, b, c] = self.periods;
        if let Ok(s) = Self::new(a, b, c) {
            *self = s;
        }
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        out.reserve(cols.len());
        crate::fma::dispatch(
            #[inline(always)]
            || ultosc_kernel(cols, self.sorted, out),
        );
    }
}

/// Bars per chunk of the ULTOSC kernel.
const ULTOSC_CHUNK: usize = 512;

/// Appends the buying pressure and true range of bars `a + 1 .. b` (the fold's
/// comparisons, branch-free) to `bp` and `tr`.
#[inline(always)]
fn pressure_range(cols: &Columns<'_>, a: usize, b: usize, bp: &mut Vec<f64>, tr: &mut Vec<f64>) {
    let (b0, t0) = (bp.len(), tr.len());
    let m = b.saturating_sub(a + 1);
    bp.resize(b0 + m, 0.0);
    tr.resize(t0 + m, 0.0);
    let dst = bp.iter_mut().skip(b0).zip(tr.iter_mut().skip(t0));
    let (h, l, c) = (
        span(cols.high(), a + 1, b),
        span(cols.low(), a + 1, b),
        span(cols.close(), a + 1, b),
    );
    let yc = span(cols.close(), a, b);
    for ((bp, tr), (((&h, &l), &c), &yc)) in dst.zip(h.iter().zip(l).zip(c).zip(yc)) {
        let true_low = if l < yc { l } else { yc };
        *bp = c - true_low;
        let r = h - l;
        let t = (yc - h).abs();
        let r = if t > r { t } else { r };
        let t = (yc - l).abs();
        *tr = if t > r { t } else { r };
    }
}

/// One ULTOSC term `w · (a / b)`, or `0.0` where the fold skips it (`b` not positive, see
/// `not_positive`). The fold's total starts at `+0` and never becomes `−0`, so adding `0.0` equals
/// skipping.
#[inline(always)]
fn ultosc_term(w: f64, a: f64, b: f64) -> f64 {
    let v = w * (a / b);
    if not_positive(b) { 0.0 } else { v }
}

/// ULTOSC of the bars of `cols` with periods `sorted` (shortest first), appended to `out`,
/// bit for bit the fold: the six running sums in one tight loop per chunk, the terms in
/// a vectorised pass.
#[inline(always)]
fn ultosc_kernel(cols: &Columns<'_>, sorted: [usize; 3], out: &mut Vec<f64>) {
    let n = cols.len();
    let lng = sorted[2];
    push_nan(out, lng.min(n));
    if n <= lng {
        return;
    }
    // `bp[k]`, `tr[k]`: terms of bar `i − lng + k` for the chunk starting at bar `i`; the
    // priming phase adds bar `u` (1 ..= lng) to sum `j` when `u + p_j > lng`.
    let (mut bp, mut tr) = (Vec::new(), Vec::new());
    pressure_range(cols, 0, lng, &mut bp, &mut tr);
    let (mut a, mut b) = ([0.0f64; 3], [0.0f64; 3]);
    for (u, (&x, &y)) in (1..lng).zip(bp.iter().zip(&tr)) {
        for ((a, b), &p) in a.iter_mut().zip(b.iter_mut()).zip(&sorted) {
            if u + p > lng {
                *a += x;
                *b += y;
            }
        }
    }
    // `bp`, `tr` now hold bars 1 .. lng; the loop below expects bars `i − lng ..`, so
    // prepend bar 0's (unused) slot.
    bp.insert(0, 0.0);
    tr.insert(0, 0.0);
    let [p0, p1, p2] = sorted;
    let mut sums: [Vec<f64>; 6] = Default::default();
    let mut i = lng;
    while i < n {
        let end = (i + ULTOSC_CHUNK).min(n);
        let keep = bp.len() - lng;
        bp.drain(..keep);
        tr.drain(..keep);
        pressure_range(cols, i - 1, end, &mut bp, &mut tr);
        let m = end - i;
        for v in &mut sums {
            v.resize(m, 0.0);
        }
        let [s0, s1, s2, s3, s4, s5] = &mut sums;
        // Bar `i + q` adds `bp[lng + q]` and then drops the bar `p − 1` back,
        // `bp[lng + q − p + 1]`.
        let newer = bp.iter().zip(&tr).skip(lng);
        let d0 = bp.iter().zip(&tr).skip(lng + 1 - p0);
        let d1 = bp.iter().zip(&tr).skip(lng + 1 - p1);
        let d2 = bp.iter().zip(&tr).skip(lng + 1 - p2);
        let dst = s0
            .iter_mut()
            .zip(s1.iter_mut())
            .zip(s2.iter_mut().zip(s3.iter_mut()))
            .zip(s4.iter_mut().zip(s5.iter_mut()));
        let src = newer.zip(d0).zip(d1.zip(d2));
        for (
            (((o0, o1), (o2, o3)), (o4, o5)),
            (((&x, &y), (&x0, &y0)), ((&x1, &y1), (&x2, &y2))),
        ) in dst.zip(src)
        {
            let [a0, a1, a2] = &mut a;
            let [b0, b1, b2] = &mut b;
            *a0 += x;
            *b0 += y;
            *a1 += x;
            *b1 += y;
            *a2 += x;
            *b2 += y;
            (*o0, *o1, *o2, *o3, *o4, *o5) = (*a0, *b0, *a1, *b1, *a2, *b2);
            *a0 -= x0;
            *b0 -= y0;
            *a1 -= x1;
            *b1 -= y1;
            *a2 -= x2;
            *b2 -= y2;
        }
        let [s0, s1, s2, s3, s4, s5] = &sums;
        // A plain loop (not `extend(map)`), so that it is inlined into the FMA/AVX frame.
        let from = out.len();
        out.resize(from + m, 0.0);
        let dst = out.get_mut(from..).unwrap_or(&mut []);
        let src = s0
            .iter()
            .zip(s1)
            .zip(s2.iter().zip(s3))
            .zip(s4.iter().zip(s5));
        for (y, (((&a0, &b0), (&a1, &b1)), (&a2, &b2))) in dst.iter_mut().zip(src) {
            let total = 0.0
                + ultosc_term(4.0, a0, b0)
                + ultosc_term(2.0, a1, b1)
                + ultosc_term(1.0, a2, b2);
            *y = 100.0 * (total / 7.0);
        }
        i = end;
    }
}
