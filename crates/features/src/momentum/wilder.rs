//! RSI and CMO: Wilder-smoothed average gain and loss (TA-Lib `ta_RSI.c`, `ta_CMO.c`).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{MAX_PERIOD, SUM_FLOOR, check_period, not_positive, push_nan, span};
use crate::error::Result;
use crate::indicator::{Columns, Indicator, PriceField};
use crate::lanes::{BLOCK, Chain, LANES, gather, scatter, segmented, serial_lanes, wilder_warm};

/// Shared state: Wilder's average gain and loss, seeded with the simple mean over the
/// first `period` changes, then `avg = (avg * (period - 1) + x) * (1 / period)`.
///
/// TA-Lib 0.8.1 multiplies by the reciprocal of the period rather than dividing (this is
/// what its wheel computes bit for bit; dividing differs by a few ulp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GainLoss {
    period: usize,
    /// RSI multiplies by `1 / period`; CMO divides by `period` (TA-Lib 0.8.1 differs here).
    recip: bool,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    prev: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    gain: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    loss: f64,
}

impl GainLoss {
    fn new(period: usize, recip: bool) -> Self {
        Self {
            period,
            recip,
            n: 0,
            prev: 0.0,
            gain: 0.0,
            loss: 0.0,
        }
    }

    #[inline]
    fn scale(&mut self, p: f64) {
        if self.recip {
            let inv = 1.0 / p;
            self.loss *= inv;
            self.gain *= inv;
        } else {
            self.loss /= p;
            self.gain /= p;
        }
    }

    /// Feeds one value; `Some((gain, loss))` once the averages exist (from bar `period`).
    ///
    /// The hot path (after the seed) is small enough to inline into a caller's loop with
    /// the state in registers; the first `period + 1` values go through [`Self::warm`].
    /// It computes exactly [`Self::step_ref`]'s smoothing step without its branch on the
    /// sign of the change: the side that does not move adds `-0.0`, which is the identity
    /// for every value (`±0.0` and NaN included), and `loss - diff` is `loss + (-diff)`
    /// (`diff` is negative there, so not NaN).
    #[inline]
    fn step(&mut self, x: f64) -> Option<(f64, f64)> {
        let n = self.n;
        if n <= self.period {
            let (st, y) = self.clone().warm(x);
            // Not `*self = st`: the period and `recip` are not written, so they (and the
            // factors and the `recip` test from them) stay loop invariants in the caller.
            self.n = st.n;
            self.prev = st.prev;
            self.gain = st.gain;
            self.loss = st.loss;
            return y;
        }
        self.n = n.saturating_add(1);
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let (p, pm1) = (self.period as f64, (self.period - 1) as f64);
        let diff = x - self.prev;
        self.prev = x;
        let fall = diff < 0.0;
        let up = if fall { -0.0 } else { diff };
        let down = if fall { -diff } else { -0.0 };
        self.loss *= pm1;
        self.gain *= pm1;
        self.loss += down;
        self.gain += up;
        self.scale(p);
        Some((self.gain, self.loss))
    }

    /// [`Self::step_ref`] out of line, on a copy (the caller's state does not escape, so
    /// it can stay in registers).
    #[cold]
    #[inline(never)]
    fn warm(mut self, x: f64) -> (Self, Option<(f64, f64)>) {
        let y = self.step_ref(x);
        (self, y)
    }

    /// The reference step (TA-Lib's loop, one value at a time).
    #[inline]
    fn step_ref(&mut self, x: f64) -> Option<(f64, f64)> {
        let n = self.n;
        self.n = n.saturating_add(1);
        if n == 0 {
            self.prev = x;
            return None;
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let p = self.period as f64;
        let diff = x - self.prev;
        self.prev = x;
        if n <= self.period {
            if diff < 0.0 {
                self.loss -= diff;
            } else {
                self.gain += diff;
            }
            if n < self.period {
                return None;
            }
            self.scale(p);
            return Some((self.gain, self.loss));
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let pm1 = (self.period - 1) as f64;
        self.loss *= pm1;
        self.gain *= pm1;
        if diff < 0.0 {
            self.loss -= diff;
        } else {
            self.gain += diff;
        }
        self.scale(p);
        Some((self.gain, self.loss))
    }
}

/// RSI from the averages: `100 * gain / (gain + loss)`, 0 when the sum is not positive
/// (TA-Lib 0.8.1, see [`not_positive`]: no fixed band, so the price scale does not matter).
#[inline(always)]
fn rsi_of(g: f64, l: f64) -> f64 {
    let s = g + l;
    if !not_positive(s) {
        100.0 * (g / s)
    } else {
        0.0
    }
}

/// CMO from the averages: `100 * (gain - loss) / (gain + loss)`, 0 when the sum is not
/// positive (as [`rsi_of`]).
#[inline(always)]
fn cmo_of(g: f64, l: f64) -> f64 {
    let s = g + l;
    if not_positive(s) {
        0.0
    } else {
        100.0 * ((g - l) / s)
    }
}

/// [`rsi_of`] for averages that are `>= +0.0` or NaN, as in a batch kernel (both start at
/// `+0.0`, add changes that are not negative or NaN, and are scaled by positive factors):
/// their sum is then `>= 0` or NaN, where `!not_positive(s)` is `s >= SUM_FLOOR`.
#[inline(always)]
fn rsi_of_nonneg(g: f64, l: f64) -> f64 {
    let s = g + l;
    if s >= SUM_FLOOR { 100.0 * (g / s) } else { 0.0 }
}

/// [`cmo_of`] for averages that are `>= +0.0` or NaN (see [`rsi_of_nonneg`]).
#[inline(always)]
fn cmo_of_nonneg(g: f64, l: f64) -> f64 {
    let s = g + l;
    if s >= SUM_FLOOR {
        100.0 * ((g - l) / s)
    } else {
        0.0
    }
}

impl GainLoss {
    /// Batch kernel: the fold of [`GainLoss::step`] over `x` from a fresh state, each
    /// `Some((gain, loss))` mapped through `f`.
    ///
    /// After the seed the update is branch-free: `loss + (-0.0)` is `loss` for every value,
    /// and `gain + 0.0` is `gain` because `gain` is never `-0.0` (it starts at `+0.0` and
    /// only adds changes that are not negative, or is scaled by positive factors), so
    /// adding the change to one side and a zero to the other equals `step`'s `if / else`.
    #[inline(always)]
    fn kernel(&self, x: &[f64], out: &mut Vec<f64>, f: impl Fn(f64, f64) -> f64 + Copy) {
        let n = x.len();
        let period = self.period;
        out.reserve(n);
        if n <= period {
            push_nan(out, n);
            return;
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let (p, pm1) = (period as f64, (period - 1) as f64);
        let (mut gain, mut loss) = (0.0f64, 0.0f64);
        for (&v, &prev) in x.iter().skip(1).zip(x).take(period) {
            let diff = v - prev;
            if diff < 0.0 {
                loss -= diff;
            } else {
                gain += diff;
            }
        }
        let recip = self.recip;
        if recip {
            let inv = 1.0 / p;
            loss *= inv;
            gain *= inv;
        } else {
            loss /= p;
            gain /= p;
        }
        push_nan(out, period);
        out.push(f(gain, loss));
        let st = [gain, loss];
        let start = out.len();
        out.resize(start + (n - period - 1), 0.0);
        let Some(o) = out.get_mut(start..) else {
            return;
        };
        // Bars `period + 1..`.
        let first = period + 1;
        let warm = wilder_warm(period);
        if recip {
            let chain = WilderChain::<true, _> {
                x,
                p,
                pm1,
                inv: 1.0 / p,
                f,
            };
            crate::fma::dispatch(
                #[inline(always)]
                || segmented(&chain, st, first, warm, o),
            );
        } else {
            let chain = WilderChain::<false, _> {
                x,
                p,
                pm1,
                inv: 1.0 / p,
                f,
            };
            crate::fma::dispatch(
                #[inline(always)]
                || segmented(&chain, st, first, warm, o),
            );
        }
    }
}

/// The change from `pv` to `v` as the pair `[gain increment, loss increment]` that
/// [`WilderChain`] adds (see [`wilder_run`]).
#[inline(always)]
fn pair(v: f64, pv: f64) -> [f64; 2] {
    let diff = v - pv;
    let fall = diff < 0.0;
    [
        if fall { 0.0 } else { diff },
        if fall { -diff } else { -0.0 },
    ]
}

/// The smoothing after the seed (`GainLoss::step`'s, as [`wilder_run`] computes it) as a
/// [`Chain`] for [`segmented`]: state `[gain, loss]`, both forgetting their start by a
/// factor `1 - 1/period` per bar; bar `i` reads `x[i]` and `x[i - 1]`, and writes
/// `f(gain, loss)`. `RECIP` multiplies by `inv = 1 / p` (RSI), otherwise divides by `p`
/// (CMO).
struct WilderChain<'a, const RECIP: bool, F> {
    x: &'a [f64],
    p: f64,
    pm1: f64,
    inv: f64,
    f: F,
}

impl<const RECIP: bool, F> WilderChain<'_, RECIP, F> {
    /// One smoothing step of `N` chains' averages by their increments, field by field
    /// (`N` = 1 serially, [`LANES`] in lockstep, where each line is one vector operation).
    #[inline(always)]
    fn smooth<const N: usize>(
        &self,
        gain: &mut [f64; N],
        loss: &mut [f64; N],
        up: &[f64; N],
        down: &[f64; N],
    ) {
        for (g, l) in gain.iter_mut().zip(loss.iter_mut()) {
            *l *= self.pm1;
            *g *= self.pm1;
        }
        for ((g, l), (&u, &d)) in gain
            .iter_mut()
            .zip(loss.iter_mut())
            .zip(up.iter().zip(down))
        {
            *l += d;
            *g += u;
        }
        for (g, l) in gain.iter_mut().zip(loss.iter_mut()) {
            if RECIP {
                *l *= self.inv;
                *g *= self.inv;
            } else {
                *l /= self.p;
                *g /= self.p;
            }
        }
    }
}

impl<const RECIP: bool, F: Fn(f64, f64) -> f64> Chain for WilderChain<'_, RECIP, F> {
    type State = [f64; 2];
    const WIDTH: usize = 1;

    #[inline(always)]
    fn guess(&self, _j: usize) -> [f64; 2] {
        [0.0; 2]
    }

    #[inline(always)]
    fn step(&self, s: &mut [f64; 2], i: usize, out: &mut [f64]) {
        let at = |i: usize| self.x.get(i).copied().unwrap_or(f64::NAN);
        let [up, down] = pair(at(i), at(i.wrapping_sub(1)));
        let (mut gain, mut loss) = ([s[0]], [s[1]]);
        self.smooth(&mut gain, &mut loss, &[up], &[down]);
        *s = [gain[0], loss[0]];
        if let Some(o) = out.first_mut() {
            *o = (self.f)(s[0], s[1]);
        }
    }

    #[inline(always)]
    fn serial(&self, s: [f64; 2], start: usize, out: &mut [f64]) -> [f64; 2] {
        wilder_run(self, s, start, out)
    }

    /// [`Chain::step`] on the lanes side by side (each of gain and loss a `[f64; LANES]`,
    /// which the compiler turns into vector instructions); the previous value is carried.
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [[f64; 2]; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        if starts.iter().any(|&a| a == 0 || a + len > self.x.len())
            || outs.iter().any(|o| o.len() < len)
        {
            serial_lanes(self, st, starts, outs);
            return;
        }
        let mut prev: [f64; LANES] = std::array::from_fn(|k| {
            self.x
                .get(starts[k].wrapping_sub(1))
                .copied()
                .unwrap_or(f64::NAN)
        });
        let mut gain: [f64; LANES] = std::array::from_fn(|k| st[k][0]);
        let mut loss: [f64; LANES] = std::array::from_fn(|k| st[k][1]);
        let mut xb = [[0.0; LANES]; BLOCK];
        let mut ob = [[0.0; LANES]; BLOCK];
        let mut i = 0;
        while i < len {
            let m = (len - i).min(BLOCK);
            let (xb, ob) = (&mut xb[..m], &mut ob[..m]);
            gather(self.x, starts, i, xb);
            for (v, o) in xb.iter().zip(ob.iter_mut()) {
                // `pair`, lane-wise.
                let mut diff = [0.0; LANES];
                for k in 0..LANES {
                    diff[k] = v[k] - prev[k];
                }
                let up = diff.map(|d| if d < 0.0 { 0.0 } else { d });
                let down = diff.map(|d| if d < 0.0 { -d } else { -0.0 });
                self.smooth(&mut gain, &mut loss, &up, &down);
                for k in 0..LANES {
                    o[k] = (self.f)(gain[k], loss[k]);
                }
                prev = *v;
            }
            scatter(ob, i, outs);
            i += m;
        }
        *st = std::array::from_fn(|k| [gain[k], loss[k]]);
    }
}

/// [`WilderChain`]'s [`Chain::serial`]: the smoothing over bars `from..from + out.len()`
/// from the averages `[gain, loss]`.
///
/// The signed changes are turned into pairs `[gain increment, -(loss increment)]` one
/// block ahead of the recursions (in the same loop, so the CPU does it in the shadow of
/// their latency), and the recursions read them back: their only data-dependent choice
/// is then in the loaded pair. `loss - d` is `loss + (-d)` (`d` is a negative change,
/// never NaN) and `loss - 0` is `loss + (-0)`, so each side is `avg * (p - 1) + inc`.
#[inline(always)]
fn wilder_run<const RECIP: bool, F: Fn(f64, f64) -> f64>(
    ch: &WilderChain<'_, RECIP, F>,
    st: [f64; 2],
    from: usize,
    out: &mut [f64],
) -> [f64; 2] {
    const B: usize = 256;
    let n = from + out.len();
    let cur = span(ch.x, from, n);
    let prev = span(ch.x, from.saturating_sub(1), n.saturating_sub(1));
    let mut s = st;
    let mut inc = [[0.0f64; 2]; B];
    let mut blocks = cur.chunks(B).zip(prev.chunks(B));
    let mut outs = out.chunks_mut(B);
    let mut k = 0;
    if let Some((cur, prev)) = blocks.next() {
        for ((d, &v), &pv) in inc.iter_mut().zip(cur).zip(prev) {
            *d = pair(v, pv);
        }
        k = cur.len();
    }
    let mut step = |d: [f64; 2]| {
        let (mut gain, mut loss) = ([s[0]], [s[1]]);
        ch.smooth(&mut gain, &mut loss, &[d[0]], &[d[1]]);
        s = [gain[0], loss[0]];
        (ch.f)(s[0], s[1])
    };
    while k > 0 {
        // This block's recursions, and the next block's increments into the slots read.
        let (cur, prev) = blocks.next().unwrap_or((&[], &[]));
        let next = cur.len();
        let row = outs.next().unwrap_or(&mut []);
        let ahead = inc.iter_mut().zip(row.iter_mut()).zip(cur.iter().zip(prev));
        for ((d, r), (&v, &pv)) in ahead {
            *r = step(*d);
            *d = pair(v, pv);
        }
        for (d, r) in inc.iter().zip(row.iter_mut()).take(k).skip(next) {
            *r = step(*d);
        }
        k = next;
    }
    s
}

/// RSI, Relative Strength Index (TA-Lib `RSI`): `100 * avgGain / (avgGain + avgLoss)` with
/// Wilder smoothing; 0 when both averages are (TA-Lib-)zero. Lookback `timeperiod`.
///
/// ```
/// use aaiti_features::{Indicator, momentum::Rsi};
/// let mut rsi = Rsi::new(14)?;
/// let bar = |c: f64| aaiti_core::Bar { open: c, high: c, low: c, close: c, volume: 1.0 };
/// let out: Vec<_> = (0..20).map(|i| rsi.update(&bar(100.0 + f64::from(i)))).collect();
/// assert!(out[13].is_none());
/// assert_eq!(out[14], Some(100.0)); // only gains
/// # Ok::<(), aaiti_features::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rsi {
    price: PriceField,
    st: GainLoss,
}

impl Rsi {
    /// RSI over `timeperiod` (2..=100000) bars of the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("RSI", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            st: GainLoss::new(timeperiod, true),
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }

    /// Feeds one value (the streaming form used by composite indicators).
    #[inline]
    pub fn update_value(&mut self, x: f64) -> Option<f64> {
        let (g, l) = self.st.step(x)?;
        Some(rsi_of(g, l))
    }

    /// The period.
    #[must_use]
    pub fn timeperiod(&self) -> usize {
        self.st.period
    }
}

impl Indicator for Rsi {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.st.period
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.update_value(self.price.get(bar))
    }
    #[inline]
    fn reset(&mut self) {
        self.st = GainLoss::new(self.st.period, self.st.recip);
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.st.kernel(cols.field(self.price), out, rsi_of_nonneg);
    }
}

/// CMO, Chande Momentum Oscillator (TA-Lib `CMO`): `100 * (avgGain - avgLoss) /
/// (avgGain + avgLoss)` with the same Wilder smoothing as RSI (TA-Lib does not use the
/// textbook simple sums). Lookback `timeperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cmo {
    price: PriceField,
    st: GainLoss,
}

impl Cmo {
    /// CMO over `timeperiod` (2..=100000) bars of the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("CMO", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            st: GainLoss::new(timeperiod, false),
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Cmo {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.st.period
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (g, l) = self.st.step(self.price.get(bar))?;
        Some(cmo_of(g, l))
    }
    #[inline]
    fn reset(&mut self) {
        self.st = GainLoss::new(self.st.period, self.st.recip);
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.st.kernel(cols.field(self.price), out, cmo_of_nonneg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanes::warm_suffices;

    #[test]
    fn wilder_guesses_converge_within_the_warm_up() {
        let x = crate::lanes::test_hlc(40_000)[2].clone();
        for p in [2usize, 14, 60] {
            #[allow(clippy::cast_precision_loss)]
            let (pf, pm1) = (p as f64, (p - 1) as f64);
            let rsi = WilderChain::<true, _> {
                x: &x,
                p: pf,
                pm1,
                inv: 1.0 / pf,
                f: rsi_of_nonneg,
            };
            let cmo = WilderChain::<false, _> {
                x: &x,
                p: pf,
                pm1,
                inv: 1.0 / pf,
                f: cmo_of_nonneg,
            };
            let w = wilder_warm(p);
            assert!(warm_suffices(&rsi, [0.0; 2], x.len(), w), "RSI {p}");
            assert!(warm_suffices(&cmo, [0.0; 2], x.len(), w), "CMO {p}");
            // Far too short a warm-up does not converge (the check can fail).
            assert!(!warm_suffices(&rsi, [0.0; 2], x.len(), 4 * p), "{p}");
        }
    }
}
