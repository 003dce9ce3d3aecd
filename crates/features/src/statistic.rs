//! Statistic functions: BETA, CORREL, LINEARREG family, TSF, STDDEV, VAR.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::indicator::{Columns, Indicator, PriceField};
use crate::lanes::{Bits, Chain, LANES};
use crate::overlap::ma::{BLOCK, fp, push_nan};
use crate::overlap::{MAX_PERIOD, check_range, check_real};
use crate::ring::Ring;

/// Population variance over `period` values.
///
/// O(1) per bar: running sums of `x - shift` and `(x - shift)²`, where `shift` is the
/// window mean at the last exact re-computation; every `8 · period` outputs (and at the
/// first) the variance is recomputed exactly with two passes over the window (oldest to
/// newest) and the shift and sums restart from it. The same exact path runs whenever the
/// running form would lose more than ~9 digits to cancellation (flat or nearly flat windows,
/// where the exact result is 0). (TA-Lib 0.8.1 likewise keeps shifted running sums with a cancellation check; the
/// results agree within the rolling-sum tolerance.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct VarCore {
    period: usize,
    ring: Ring,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    total1: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    total2: f64,
    #[serde(default)]
    #[serde(with = "aaiti_core::serde_f64")]
    shift: f64,
    /// Outputs left until the next exact re-computation (0: recompute now).
    #[serde(default)]
    countdown: usize,
}

impl VarCore {
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            ring: Ring::new(period),
            n: 0,
            total1: 0.0,
            total2: 0.0,
            shift: 0.0,
            countdown: 0,
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        self.period.saturating_sub(1)
    }
    /// A state owning no memory, standing in while the real one is out of line.
    #[inline(always)]
    fn placeholder() -> Self {
        Self {
            period: 0,
            ring: Ring::empty(),
            n: 0,
            total1: 0.0,
            total2: 0.0,
            shift: 0.0,
            countdown: 0,
        }
    }
    /// Feeds one value; the variance once the window is full.
    ///
    /// The hot path (window full, no exact re-computation due) is small enough to inline
    /// into a caller's loop with the sums in registers: it runs [`update_ref`](Self::update_ref)'s
    /// operations for that case, in the same order. The warm-up, the periodic exact
    /// re-computation and a failed cancellation check run out of line on the state taken by
    /// value (its address never escapes the caller).
    #[inline(always)]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        let p = self.period;
        if self.countdown > 0
            && let Some(leaving) = self.ring.swap_oldest(x, p)
        {
            // Full ring of `p` values: `leaving` is `back(p - 1)`, the value `push` evicts.
            self.countdown -= 1;
            let shift = self.shift;
            let d_old = leaving - shift;
            let d_new = x - shift;
            // `update_ref`'s `(t - d_old) + d_new` and `(t - d_old²) + d_new²`, as
            // `t - (shift - x)` and `t - (shift - x)·d_new`: `shift - x` is `-d_new`
            // exactly, so the sums are the same bits except the sign of a zero sum when
            // `x == shift` and `t - ...` is `-0.0`, which needs a `-0.0` total: the totals
            // start at `+0.0` or a sum of squares / deviations (never `-0.0`), and neither
            // form turns a total into `-0.0` otherwise. (Either sign of a zero total gives the
            // same outputs: `m·m` is `+0.0`, and a zero `mean_sq` fails the cancellation
            // check.) Two subtractions in each lane let the compiler pair the totals in one
            // register with a 2-operation chain per bar; with the additions it paired
            // `x - shift` with `total2 - d_old²`, putting `d_new²` on the loop-carried chain.
            let neg = shift - x;
            let total1 = (self.total1 - d_old) - neg;
            let total2 = (self.total2 - d_old * d_old) - neg * d_new;
            self.total1 = total1;
            self.total2 = total2;
            let pf = fp(p);
            let m = total1 / pf;
            let mean_sq = total2 / pf;
            let var = mean_sq - m * m;
            if var > 1e-9 * mean_sq {
                return Some(var);
            }
            let (core, v) = Self::exact_outlined(std::mem::replace(self, Self::placeholder()));
            *self = core;
            // The out-of-line paths never change the period; restoring it keeps it (and
            // `fp(p)`) a loop invariant in the caller.
            self.period = p;
            return Some(v);
        }
        let (core, y) = Self::update_outlined(std::mem::replace(self, Self::placeholder()), x);
        *self = core;
        self.period = p;
        y
    }
    /// [`update_ref`](Self::update_ref) out of line, on the state taken by value.
    #[cold]
    #[inline(never)]
    fn update_outlined(mut self, x: f64) -> (Self, Option<f64>) {
        let y = self.update_ref(x);
        (self, y)
    }
    /// [`exact`](Self::exact) out of line, on the state taken by value.
    #[cold]
    #[inline(never)]
    fn exact_outlined(mut self) -> (Self, f64) {
        let v = self.exact();
        (self, v)
    }
    /// The reference step (every case; [`update`](Self::update) inlines the common one).
    fn update_ref(&mut self, x: f64) -> Option<f64> {
        let p = self.period;
        let leaving = if self.ring.len() == p {
            self.ring.back(p - 1)
        } else {
            0.0
        };
        self.ring.push(x);
        if self.ring.len() < p {
            return None;
        }
        let pf = fp(p);
        if self.countdown > 0 {
            self.countdown -= 1;
            let d_old = leaving - self.shift;
            let d_new = x - self.shift;
            self.total1 = (self.total1 - d_old) + d_new;
            self.total2 = (self.total2 - d_old * d_old) + d_new * d_new;
            let m = self.total1 / pf;
            let mean_sq = self.total2 / pf;
            let var = mean_sq - m * m;
            // Cancellation check: more than ~9 digits lost (flat or nearly flat windows,
            // where TA-Lib returns exactly 0) -> exact recomputation below.
            if var > 1e-9 * mean_sq {
                return Some(var);
            }
        }
        Some(self.exact())
    }
    /// The exact variance of the full window (two passes, oldest to newest); the shift and
    /// the sums restart from it and the countdown rearms.
    fn exact(&mut self) -> f64 {
        let pf = fp(self.period);
        let p = self.period;
        // Exact two passes over the window, oldest to newest (contiguous slices of the ring).
        let (a, b) = self.ring.oldest_first();
        let mut mean = 0.0;
        for &v in a {
            mean += v;
        }
        for &v in b {
            mean += v;
        }
        mean /= pf;
        let (mut s1, mut ss) = (0.0, 0.0);
        for &v in a {
            let d = v - mean;
            s1 += d;
            ss += d * d;
        }
        for &v in b {
            let d = v - mean;
            s1 += d;
            ss += d * d;
        }
        self.shift = mean;
        self.total1 = s1;
        self.total2 = ss;
        self.countdown = 8 * p - 1;
        ss / pf
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.period);
    }

    /// Batch kernel: from a fresh state, appends one variance per input (NaN inside the
    /// lookback), bit for bit what folding [`update`](Self::update) gives.
    ///
    /// Speculative lanes ([`VarChain`]). Per block of bars, a serial pass runs the two
    /// running sums (the only loop-carried chains) and a second, vectorisable pass (in the
    /// FMA/AVX frame) does the divisions and the cancellation check; a failed check ends
    /// the block there and the exact re-computation runs on that bar, as in `update`.
    pub(crate) fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        let p = self.period.max(1);
        if x.len() < p {
            push_nan(out, x.len());
            return;
        }
        push_nan(out, p - 1);
        let chain = VarChain {
            x,
            off: p - 1,
            p,
            pf: fp(p),
        };
        let s0 = VarState {
            total1: 0.0,
            total2: 0.0,
            shift: 0.0,
            countdown: 0,
        };
        let warm = p.saturating_mul(8).saturating_add(1);
        crate::lanes::segmented_into(&chain, s0, x.len() - (p - 1), warm, out);
    }
}

/// The variances of one block from the running sums; returns how many pass the
/// cancellation check before the first that fails (`m` when all pass).
#[inline(always)]
fn var_block(t1: &[f64], t2: &[f64], pf: f64, var: &mut [f64]) -> usize {
    let mut bad = false;
    for ((v, &a), &b) in var.iter_mut().zip(t1).zip(t2) {
        let m = a / pf;
        let mean_sq = b / pf;
        let d = mean_sq - m * m;
        // NaN fails the check, as in `update`.
        let good = d > 1e-9 * mean_sq;
        bad |= !good;
        *v = d;
    }
    if !bad {
        return var.len();
    }
    t1.iter()
        .zip(t2)
        .position(|(&a, &b)| {
            let m = a / pf;
            let mean_sq = b / pf;
            let good = mean_sq - m * m > 1e-9 * mean_sq;
            !good
        })
        .unwrap_or(var.len())
}

/// VAR's batch state: the shifted running sums, the shift and the countdown to the next
/// exact re-computation.
#[derive(Debug, Clone, Copy)]
struct VarState {
    total1: f64,
    total2: f64,
    shift: f64,
    countdown: usize,
}

/// VAR's batch recurrence as a [`Chain`] (chain bar `i` is bar `off + i` of `x`,
/// `off = p - 1`: chain bar 0 is the first output, an exact computation).
///
/// Every exact re-computation restarts the sums from the window alone, so a lane is the
/// true state bit for bit after an exact bar that the true chain shares. Those come every
/// `8 · p` outputs *and* wherever the cancellation check fails, which restarts the
/// countdown: the phase is data-dependent. The guess ([`VarChain::countdown`]) assumes no
/// failure since the first output. Where one did occur before a segment (a flat or
/// nearly flat window), the guessed lane re-synchronises on other bars than the true chain
/// and verification fails, unless a failure inside the warm-up brings both to the same
/// bar: that segment is then recomputed serially (correct, just slower).
struct VarChain<'a> {
    x: &'a [f64],
    off: usize,
    p: usize,
    pf: f64,
}

impl VarChain<'_> {
    /// The countdown before chain bar `t` if no cancellation check failed: 0 at `t = 0`,
    /// then every `8 · p` bars.
    fn countdown(&self, t: usize) -> usize {
        let cycle = 8 * self.p;
        match t % cycle {
            0 => 0,
            r => cycle - r,
        }
    }
    /// The exact variance of bar `b`'s window (two passes, oldest to newest, as
    /// `VarCore::exact`); the shift and sums restart from it and the countdown rearms.
    #[inline(always)]
    fn exact(&self, s: &mut VarState, b: usize) -> f64 {
        let (p, pf) = (self.p, self.pf);
        let win = &self.x[b + 1 - p..=b];
        let mut mean = 0.0;
        for &v in win {
            mean += v;
        }
        mean /= pf;
        let (mut s1, mut ss) = (0.0, 0.0);
        for &v in win {
            let d = v - mean;
            s1 += d;
            ss += d * d;
        }
        s.shift = mean;
        s.total1 = s1;
        s.total2 = ss;
        s.countdown = 8 * p - 1;
        ss / pf
    }
}

impl Bits for VarState {
    #[inline(always)]
    fn same(&self, b: &Self) -> bool {
        self.countdown == b.countdown
            && [self.total1, self.total2, self.shift].same(&[b.total1, b.total2, b.shift])
    }
}

impl crate::lanes::Countdown for VarState {
    #[inline(always)]
    fn countdown(&self) -> usize {
        self.countdown
    }
}

impl Chain for VarChain<'_> {
    type State = VarState;
    const WIDTH: usize = 1;
    /// The exact state of the window before bar `j` (so that the guessed lane's sums are
    /// as accurate as the true ones and its checks fail where the true ones do), with the
    /// countdown of a chain whose check never failed.
    #[inline(always)]
    fn guess(&self, j: usize) -> VarState {
        let mut s = VarState {
            total1: 0.0,
            total2: 0.0,
            shift: 0.0,
            countdown: 0,
        };
        self.exact(&mut s, self.off + j - 1);
        s.countdown = self.countdown(j);
        s
    }
    #[inline(always)]
    fn step(&self, s: &mut VarState, i: usize, out: &mut [f64]) {
        let b = self.off + i;
        if s.countdown == 0 {
            out[0] = self.exact(s, b);
            return;
        }
        s.countdown -= 1;
        let d_old = self.x[b - self.p] - s.shift;
        let d_new = self.x[b] - s.shift;
        s.total1 = (s.total1 - d_old) + d_new;
        s.total2 = (s.total2 - d_old * d_old) + d_new * d_new;
        let m = s.total1 / self.pf;
        let mean_sq = s.total2 / self.pf;
        let var = mean_sq - m * m;
        out[0] = if var > 1e-9 * mean_sq {
            var
        } else {
            self.exact(s, b)
        };
    }
    /// The serial kernel: per block, the running sums, then the variances and checks in a
    /// vectorisable pass ([`var_block`]); a failed check ends the block there.
    #[inline(always)]
    fn serial(&self, mut s: VarState, start: usize, out: &mut [f64]) -> VarState {
        let (x, p, pf) = (self.x, self.p, self.pf);
        let mut t1 = [0.0; BLOCK];
        let mut t2 = [0.0; BLOCK];
        let mut i = 0;
        while i < out.len() {
            let b = self.off + start + i;
            if s.countdown == 0 {
                out[i] = self.exact(&mut s, b);
                i += 1;
                continue;
            }
            let m = s.countdown.min(out.len() - i).min(BLOCK);
            let new = &x[b..b + m];
            let leaving = &x[b - p..b - p + m];
            let (mut total1, mut total2, shift) = (s.total1, s.total2, s.shift);
            for (((a, c), &xn), &xl) in t1.iter_mut().zip(t2.iter_mut()).zip(new).zip(leaving) {
                let d_old = xl - shift;
                let d_new = xn - shift;
                total1 = (total1 - d_old) + d_new;
                total2 = (total2 - d_old * d_old) + d_new * d_new;
                *a = total1;
                *c = total2;
            }
            let ok = var_block(&t1[..m], &t2[..m], pf, &mut out[i..i + m]);
            if ok == m {
                (s.total1, s.total2) = (total1, total2);
                s.countdown -= m;
            } else {
                // The failing bar: an exact re-computation (the sums before it are not
                // needed).
                s.countdown = 0;
            }
            i += ok;
        }
        s
    }
    /// The lanes side by side (each sum a `[f64; LANES]`), aligned on their scheduled
    /// exact bars ([`crate::lanes::lockstep_aligned`]), in blocks between them; the
    /// variances and checks of a block (all lanes) in one vectorised pass. A failed check
    /// ends the block before that bar, which then runs through `step` on every lane.
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [VarState; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        let lead = st.map(|s| s.countdown);
        crate::lanes::lockstep_aligned(
            self,
            st,
            starts,
            len,
            outs,
            lead,
            #[inline(always)]
            |st, starts, len, outs| self.lanes(st, starts, len, outs),
        );
    }
}

impl VarChain<'_> {
    /// [`Chain::lockstep`] for lanes at any phases.
    #[inline(always)]
    fn lanes(
        &self,
        st: &mut [VarState; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        use crate::lanes::{BLOCK as LB, resync_blocks, scatter_t};
        let new: [usize; LANES] = std::array::from_fn(|k| self.off + starts[k]);
        let mut ab = [[0.0; LANES]; LB];
        let mut cb = [[0.0; LANES]; LB];
        let mut ob = [[0.0; LANES]; LB];
        resync_blocks(
            self,
            st,
            starts,
            len,
            outs,
            self.x,
            &new,
            self.p,
            #[inline(always)]
            |st, i, xb, tb, outs| {
                let m = xb.len();
                let (ab, cb, ob) = (&mut ab[..m], &mut cb[..m], &mut ob[..m]);
                let mut total1: [f64; LANES] = std::array::from_fn(|k| st[k].total1);
                let mut total2: [f64; LANES] = std::array::from_fn(|k| st[k].total2);
                let shift: [f64; LANES] = std::array::from_fn(|k| st[k].shift);
                let pf = self.pf;
                // The variances and checks in the same loop as the sums (as `var_block`),
                // so that the divisions overlap with the sums' latency.
                let mut bad = [false; LANES];
                for ((((xn, xl), a), c), o) in xb
                    .iter()
                    .zip(tb.iter())
                    .zip(ab.iter_mut())
                    .zip(cb.iter_mut())
                    .zip(ob.iter_mut())
                {
                    let mut d_old = [0.0; LANES];
                    let mut d_new = [0.0; LANES];
                    for k in 0..LANES {
                        d_old[k] = xl[k] - shift[k];
                    }
                    for k in 0..LANES {
                        d_new[k] = xn[k] - shift[k];
                    }
                    for k in 0..LANES {
                        total1[k] = (total1[k] - d_old[k]) + d_new[k];
                    }
                    for k in 0..LANES {
                        total2[k] = (total2[k] - d_old[k] * d_old[k]) + d_new[k] * d_new[k];
                    }
                    *a = total1;
                    *c = total2;
                    for k in 0..LANES {
                        let m = total1[k] / pf;
                        let mean_sq = total2[k] / pf;
                        let d = mean_sq - m * m;
                        // NaN fails the check, as in `update`.
                        let good = d > 1e-9 * mean_sq;
                        bad[k] |= !good;
                        o[k] = d;
                    }
                }
                let ok = if bad.contains(&true) {
                    var_block(
                        ab.as_flattened(),
                        cb.as_flattened(),
                        pf,
                        ob.as_flattened_mut(),
                    )
                } else {
                    LANES * m
                };
                // Rows before the first failed check (every lane's); the walk runs the
                // failing row through `step`.
                let rows = ok / LANES;
                scatter_t(&ob[..rows], i, outs);
                for (k, s) in st.iter_mut().enumerate() {
                    if let (Some(a), Some(c)) = (
                        rows.checked_sub(1).map(|r| ab[r]),
                        rows.checked_sub(1).map(|r| cb[r]),
                    ) {
                        s.total1 = a[k];
                        s.total2 = c[k];
                    }
                    s.countdown -= rows;
                }
                rows
            },
        );
    }
}

/// VAR: population variance over `timeperiod` values (TA-Lib `VAR`, defaults 5 and
/// `nbdev` 1). TA-Lib accepts `nbdev` but does not apply it; neither do we.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Var {
    price: PriceField,
    #[serde(with = "aaiti_core::serde_f64")]
    nbdev: f64,
    core: VarCore,
}

impl Var {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 1..=100000.
    pub fn new(period: usize, nbdev: f64) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        check_real("nbdev", nbdev, -3e37, 3e37)?;
        Ok(Self {
            price: PriceField::Close,
            nbdev,
            core: VarCore::new(period),
        })
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Var {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.core.update(self.price.get_hot(bar))
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.core.batch(cols.field(self.price), out);
    }
}

/// STDDEV: population standard deviation × `nbdev` (TA-Lib `STDDEV`, defaults 5 and 1);
/// variances below 1e-8 give 0, as in TA-Lib.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StdDev {
    price: PriceField,
    #[serde(with = "aaiti_core::serde_f64")]
    nbdev: f64,
    core: VarCore,
}

impl StdDev {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
    pub fn new(period: usize, nbdev: f64) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        check_real("nbdev", nbdev, -3e37, 3e37)?;
        Ok(Self {
            price: PriceField::Close,
            nbdev,
            core: VarCore::new(period),
        })
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for StdDev {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let v = self.core.update(self.price.get_hot(bar))?;
        Some(if v <= 0.0 { 0.0 } else { v.sqrt() * self.nbdev })
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len() + self.core.lookback();
        self.core.batch(cols.field(self.price), out);
        let nbdev = self.nbdev;
        if let Some(tail) = out.get_mut(start..) {
            crate::fma::dispatch(
                #[inline(always)]
                || sd_map(tail, nbdev),
            );
        }
    }
}

/// STDDEV's map from variances to deviations, in place.
#[inline(always)]
fn sd_map(v: &mut [f64], nbdev: f64) {
    for y in v {
        *y = if *y <= 0.0 { 0.0 } else { y.sqrt() * nbdev };
    }
}

/// Which value of the least-squares line a LINEARREG-family function reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegKind {
    /// `LINEARREG`: the line's value at the last bar.
    Value,
    /// `LINEARREG_ANGLE`: the slope in degrees.
    Angle,
    /// `LINEARREG_INTERCEPT`: the intercept.
    Intercept,
    /// `LINEARREG_SLOPE`: the slope.
    Slope,
    /// `TSF`: the line extended one bar ahead (time-series forecast).
    Forecast,
}

/// LINEARREG, LINEARREG_ANGLE, LINEARREG_INTERCEPT, LINEARREG_SLOPE and TSF: a
/// least-squares line over the last `timeperiod` values (TA-Lib's formulas; default
/// period 14).
///
/// `Σy` and `Σ(bars ago)·y` are kept as O(1) running sums and recomputed exactly from the
/// window every `8 · timeperiod` outputs (and at the first), which bounds the rounding
/// drift (rolling-sum tolerance against TA-Lib).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearReg {
    price: PriceField,
    kind: RegKind,
    period: usize,
    ring: Ring,
    #[serde(default)]
    #[serde(with = "aaiti_core::serde_f64")]
    sum_y: f64,
    #[serde(default)]
    #[serde(with = "aaiti_core::serde_f64")]
    sum_xy: f64,
    /// Outputs left until the next exact re-computation (0: recompute now).
    #[serde(default)]
    countdown: usize,
}

impl LinearReg {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
    pub fn new(kind: RegKind, period: usize) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            kind,
            period,
            ring: Ring::new(period),
            sum_y: 0.0,
            sum_xy: 0.0,
            countdown: 0,
        })
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl LinearReg {
    /// A state owning no memory, standing in while the real one is out of line.
    #[inline(always)]
    fn placeholder() -> Self {
        Self {
            price: PriceField::Close,
            kind: RegKind::Value,
            period: 0,
            ring: Ring::empty(),
            sum_y: 0.0,
            sum_xy: 0.0,
            countdown: 0,
        }
    }
    /// [`step`](Self::step) out of line, on the state taken by value.
    #[cold]
    #[inline(never)]
    fn step_outlined(mut self, x: f64) -> (Self, Option<f64>) {
        let y = self.step(x);
        (self, y)
    }
    /// The reference step (every case; [`Indicator::update`] inlines the common one).
    fn step(&mut self, x: f64) -> Option<f64> {
        let p = self.period;
        let leaving = if self.ring.len() == p {
            self.ring.back(p - 1)
        } else {
            0.0
        };
        self.ring.push(x);
        if self.ring.len() < p {
            return None;
        }
        let pf = fp(p);
        let sum_x = fp(p * (p - 1)) * 0.5;
        let sum_x_sqr = fp(p * (p - 1) * (2 * p - 1) / 6);
        let divisor = sum_x * sum_x - pf * sum_x_sqr;
        if self.countdown == 0 {
            let (mut sum_xy, mut sum_y) = (0.0, 0.0);
            // Oldest to newest; the oldest value has weight p - 1.
            let (a, b) = self.ring.oldest_first();
            let mut w = pf;
            for &v in a.iter().chain(b) {
                w -= 1.0;
                sum_y += v;
                sum_xy += w * v;
            }
            self.sum_y = sum_y;
            self.sum_xy = sum_xy;
            self.countdown = 8 * p;
        } else {
            // Every value ages one bar: W' = W - (p-1)·x_old + (S - x_old); S' = S - x_old + x.
            self.sum_xy = (self.sum_xy - fp(p - 1) * leaving) + (self.sum_y - leaving);
            self.sum_y = (self.sum_y - leaving) + x;
        }
        self.countdown -= 1;
        let (sum_xy, sum_y) = (self.sum_xy, self.sum_y);
        let m = (pf * sum_xy - sum_x * sum_y) / divisor;
        let b = (sum_y - m * sum_x) / pf;
        Some(match self.kind {
            RegKind::Value => b + m * fp(p - 1),
            RegKind::Angle => m.atan() * (180.0 / std::f64::consts::PI),
            RegKind::Intercept => b,
            RegKind::Slope => m,
            RegKind::Forecast => b + m * pf,
        })
    }
}

/// The LINEARREG-family value of the least-squares line through the last `p` values with
/// sums `Σ(bars ago)·y = sum_xy` and `Σy = sum_y` (the operations of `LinearReg::step`).
#[inline(always)]
fn reg_value(kind: RegKind, p: usize, sum_xy: f64, sum_y: f64) -> f64 {
    let pf = fp(p);
    let sum_x = fp(p * (p - 1)) * 0.5;
    let sum_x_sqr = fp(p * (p - 1) * (2 * p - 1) / 6);
    let divisor = sum_x * sum_x - pf * sum_x_sqr;
    let m = (pf * sum_xy - sum_x * sum_y) / divisor;
    let b = (sum_y - m * sum_x) / pf;
    match kind {
        RegKind::Value => b + m * fp(p - 1),
        RegKind::Angle => m.atan() * (180.0 / std::f64::consts::PI),
        RegKind::Intercept => b,
        RegKind::Slope => m,
        RegKind::Forecast => b + m * pf,
    }
}

impl Indicator for LinearReg {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    /// The hot path (window full, no exact re-computation due) runs inline: `step`'s
    /// operations for that case, in the same order. The warm-up and the periodic exact
    /// re-computation run out of line on the state taken by value (its address never
    /// escapes the caller, whose loop can keep the sums in registers).
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let p = self.period;
        let x = self.price.get_hot(bar);
        if self.countdown > 0
            && let Some(leaving) = self.ring.swap_oldest(x, p)
        {
            // Every value ages one bar: W' = W - (p-1)·x_old + (S - x_old); S' = S - x_old + x.
            self.countdown -= 1;
            let sum_xy = (self.sum_xy - fp(p - 1) * leaving) + (self.sum_y - leaving);
            let sum_y = (self.sum_y - leaving) + x;
            self.sum_xy = sum_xy;
            self.sum_y = sum_y;
            return Some(reg_value(self.kind, p, sum_xy, sum_y));
        }
        let (st, y) = Self::step_outlined(std::mem::replace(self, Self::placeholder()), x);
        *self = st;
        // The out-of-line step never changes the period; restoring it keeps it (and the
        // constants derived from it) a loop invariant in the caller.
        self.period = p;
        y
    }
    fn reset(&mut self) {
        self.ring.clear();
        self.sum_y = 0.0;
        self.sum_xy = 0.0;
        self.countdown = 0;
    }
    /// Speculative lanes (`RegChain`); per block, serial running sums, then the line's
    /// value in a vectorisable pass.
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let x = cols.field(self.price);
        let p = self.period;
        if x.len() < p {
            push_nan(out, x.len());
            return;
        }
        push_nan(out, p - 1);
        let pf = fp(p);
        let sum_x = fp(p * (p - 1)) * 0.5;
        let sum_x_sqr = fp(p * (p - 1) * (2 * p - 1) / 6);
        let line = RegLine {
            kind: self.kind,
            pf,
            sum_x,
            divisor: sum_x * sum_x - pf * sum_x_sqr,
            last: fp(p - 1),
        };
        let chain = RegChain {
            x,
            off: p - 1,
            p,
            line,
        };
        let s0 = RegState {
            sum_y: 0.0,
            sum_xy: 0.0,
            countdown: 0,
        };
        let warm = p.saturating_mul(8).saturating_add(1);
        crate::lanes::segmented_into(&chain, s0, x.len() - (p - 1), warm, out);
    }
}

/// The LINEARREG family's running sums `Σy`, `Σ(bars ago)·y` and the countdown to the
/// next exact re-computation.
#[derive(Debug, Clone, Copy)]
struct RegState {
    sum_y: f64,
    sum_xy: f64,
    countdown: usize,
}

/// The LINEARREG family's batch recurrence as a [`Chain`] (chain bar `i` is bar `off + i`
/// of `x`, `off = p - 1`: chain bar 0 is the first output, an exact computation).
///
/// The sums never forget their start, but every `8 · p`-th output (from the first)
/// recomputes them from the window alone; which bars do is a function of the index
/// ([`RegChain::countdown`]), so a guess that carries the exact countdown (and any sums)
/// is the true state bit for bit after its next exact bar, at most `8 · p` bars later:
/// `warm = 8 · p + 1` always verifies.
struct RegChain<'a> {
    x: &'a [f64],
    off: usize,
    p: usize,
    line: RegLine,
}

impl RegChain<'_> {
    /// The countdown before chain bar `t` (0 at `t = 0`, then every `8 · p` bars).
    fn countdown(&self, t: usize) -> usize {
        let cycle = 8 * self.p;
        match t % cycle {
            0 => 0,
            r => cycle - r,
        }
    }
    /// The exact sums over the window of bar `b`, oldest (weight p - 1) to newest; the
    /// countdown rearms.
    #[inline(always)]
    fn exact(&self, s: &mut RegState, b: usize) {
        let p = self.p;
        let (mut a, mut c) = (0.0, 0.0);
        let mut w = fp(p);
        for &v in &self.x[b + 1 - p..=b] {
            w -= 1.0;
            c += v;
            a += w * v;
        }
        s.sum_y = c;
        s.sum_xy = a;
        s.countdown = 8 * p - 1;
    }
}

impl Bits for RegState {
    #[inline(always)]
    fn same(&self, b: &Self) -> bool {
        self.countdown == b.countdown && [self.sum_y, self.sum_xy].same(&[b.sum_y, b.sum_xy])
    }
}

impl crate::lanes::Countdown for RegState {
    #[inline(always)]
    fn countdown(&self) -> usize {
        self.countdown
    }
}

impl Chain for RegChain<'_> {
    type State = RegState;
    const WIDTH: usize = 1;
    #[inline(always)]
    fn guess(&self, j: usize) -> RegState {
        RegState {
            sum_y: 0.0,
            sum_xy: 0.0,
            countdown: self.countdown(j),
        }
    }
    #[inline(always)]
    fn step(&self, s: &mut RegState, i: usize, out: &mut [f64]) {
        let b = self.off + i;
        if s.countdown == 0 {
            self.exact(s, b);
        } else {
            s.countdown -= 1;
            let (xn, xl) = (self.x[b], self.x[b - self.p]);
            // Every value ages one bar: W' = W - (p-1)·x_old + (S - x_old); S' = S - x_old + x.
            let aged = s.sum_y - xl;
            s.sum_xy = (s.sum_xy - self.line.last * xl) + aged;
            s.sum_y = aged + xn;
        }
        out[0] = self.line.at(s.sum_xy, s.sum_y);
    }
    /// The serial kernel: per block between exact bars, the running sums, then the line's
    /// values in a vectorisable pass.
    #[inline(always)]
    fn serial(&self, mut s: RegState, start: usize, out: &mut [f64]) -> RegState {
        let (x, p, line) = (self.x, self.p, &self.line);
        let mut sy = [0.0; BLOCK];
        let mut sxy = [0.0; BLOCK];
        let mut i = 0;
        while i < out.len() {
            let b = self.off + start + i;
            if s.countdown == 0 {
                self.step(&mut s, start + i, &mut out[i..=i]);
                i += 1;
                continue;
            }
            let m = s.countdown.min(out.len() - i).min(BLOCK);
            s.countdown -= m;
            let new = &x[b..b + m];
            let leaving = &x[b - p..b - p + m];
            let (mut sum_y, mut sum_xy) = (s.sum_y, s.sum_xy);
            let buf = &mut out[i..i + m];
            if line.kind == RegKind::Value {
                // One loop: the divider works on bar j while the sums run ahead.
                let (pf, sum_x, divisor, last) = (line.pf, line.sum_x, line.divisor, line.last);
                for ((o, &xn), &xl) in buf.iter_mut().zip(new).zip(leaving) {
                    let aged = sum_y - xl;
                    sum_xy = (sum_xy - last * xl) + aged;
                    sum_y = aged + xn;
                    let m = (pf * sum_xy - sum_x * sum_y) / divisor;
                    *o = (sum_y - m * sum_x) / pf + m * last;
                }
            } else {
                for (((a, c), &xn), &xl) in sxy.iter_mut().zip(sy.iter_mut()).zip(new).zip(leaving)
                {
                    let aged = sum_y - xl;
                    sum_xy = (sum_xy - line.last * xl) + aged;
                    sum_y = aged + xn;
                    *a = sum_xy;
                    *c = sum_y;
                }
                line.block(&sxy[..m], &sy[..m], buf);
            }
            (s.sum_y, s.sum_xy) = (sum_y, sum_xy);
            i += m;
        }
        s
    }
    /// The lanes side by side (each sum a `[f64; LANES]`), aligned on their exact bars
    /// ([`crate::lanes::lockstep_aligned`]) in blocks between them, then the line's
    /// values of the block (all lanes) in one vectorised pass.
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [RegState; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        let lead = st.map(|s| s.countdown);
        crate::lanes::lockstep_aligned(
            self,
            st,
            starts,
            len,
            outs,
            lead,
            #[inline(always)]
            |st, starts, len, outs| {
                // The line's value in the sums' loop (`RegLine::block`'s operations), so
                // that the divisions overlap with the sums' latency; ANGLE's `atan` after.
                let RegLine {
                    pf,
                    sum_x,
                    divisor,
                    last,
                    ..
                } = self.line;
                match self.line.kind {
                    RegKind::Value => self.lanes(
                        st,
                        starts,
                        len,
                        outs,
                        Some(|a: f64, b: f64| {
                            let m = (pf * a - sum_x * b) / divisor;
                            (b - m * sum_x) / pf + m * last
                        }),
                    ),
                    RegKind::Intercept => {
                        self.lanes(
                            st,
                            starts,
                            len,
                            outs,
                            Some(|a: f64, b: f64| {
                                let m = (pf * a - sum_x * b) / divisor;
                                (b - m * sum_x) / pf
                            }),
                        );
                    }
                    RegKind::Slope => self.lanes(
                        st,
                        starts,
                        len,
                        outs,
                        Some(|a: f64, b: f64| (pf * a - sum_x * b) / divisor),
                    ),
                    RegKind::Forecast => {
                        self.lanes(
                            st,
                            starts,
                            len,
                            outs,
                            Some(|a: f64, b: f64| {
                                let m = (pf * a - sum_x * b) / divisor;
                                (b - m * sum_x) / pf + m * pf
                            }),
                        );
                    }
                    RegKind::Angle => {
                        self.lanes(st, starts, len, outs, None::<fn(f64, f64) -> f64>);
                    }
                }
            },
        );
    }
}

impl RegChain<'_> {
    /// [`Chain::lockstep`] for lanes at any phases: a bar where some lane computes its
    /// sums exactly runs through `step` on every lane. The line's value is `f(Σxy, Σy)`
    /// in the sums' loop, or [`RegLine::block`] after it (`f` none).
    #[inline(always)]
    fn lanes<F: Fn(f64, f64) -> f64>(
        &self,
        st: &mut [RegState; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
        f: Option<F>,
    ) {
        use crate::lanes::{BLOCK as LB, resync_blocks, scatter_t};
        let last = self.line.last;
        let new: [usize; LANES] = std::array::from_fn(|k| self.off + starts[k]);
        let mut ab = [[0.0; LANES]; LB];
        let mut cb = [[0.0; LANES]; LB];
        let mut ob = [[0.0; LANES]; LB];
        resync_blocks(
            self,
            st,
            starts,
            len,
            outs,
            self.x,
            &new,
            self.p,
            #[inline(always)]
            |st, i, xb, tb, outs| {
                let m = xb.len();
                let (ab, cb, ob) = (&mut ab[..m], &mut cb[..m], &mut ob[..m]);
                let mut sum_y: [f64; LANES] = std::array::from_fn(|k| st[k].sum_y);
                let mut sum_xy: [f64; LANES] = std::array::from_fn(|k| st[k].sum_xy);
                for ((((xn, xl), a), c), o) in xb
                    .iter()
                    .zip(tb.iter())
                    .zip(ab.iter_mut())
                    .zip(cb.iter_mut())
                    .zip(ob.iter_mut())
                {
                    let mut aged = [0.0; LANES];
                    for k in 0..LANES {
                        aged[k] = sum_y[k] - xl[k];
                    }
                    for k in 0..LANES {
                        sum_xy[k] = (sum_xy[k] - last * xl[k]) + aged[k];
                    }
                    for k in 0..LANES {
                        sum_y[k] = aged[k] + xn[k];
                    }
                    *a = sum_xy;
                    *c = sum_y;
                    if let Some(f) = &f {
                        for k in 0..LANES {
                            o[k] = f(sum_xy[k], sum_y[k]);
                        }
                    }
                }
                if f.is_none() {
                    self.line
                        .block(ab.as_flattened(), cb.as_flattened(), ob.as_flattened_mut());
                }
                scatter_t(ob, i, outs);
                for (k, s) in st.iter_mut().enumerate() {
                    s.sum_y = sum_y[k];
                    s.sum_xy = sum_xy[k];
                    s.countdown -= m;
                }
                m
            },
        );
    }
}

/// The constants of a LINEARREG-family output.
struct RegLine {
    kind: RegKind,
    pf: f64,
    sum_x: f64,
    divisor: f64,
    /// `period - 1`.
    last: f64,
}

impl RegLine {
    /// The reported value from `Σ(bars ago)·y` and `Σy` (as `update`).
    #[inline(always)]
    fn at(&self, sum_xy: f64, sum_y: f64) -> f64 {
        let m = (self.pf * sum_xy - self.sum_x * sum_y) / self.divisor;
        let b = (sum_y - m * self.sum_x) / self.pf;
        match self.kind {
            RegKind::Value => b + m * self.last,
            RegKind::Angle => m.atan() * (180.0 / std::f64::consts::PI),
            RegKind::Intercept => b,
            RegKind::Slope => m,
            RegKind::Forecast => b + m * self.pf,
        }
    }

    /// [`at`](Self::at) over a block, one loop per kind so that each vectorises.
    #[inline(always)]
    fn block(&self, sxy: &[f64], sy: &[f64], out: &mut [f64]) {
        let it = out.iter_mut().zip(sxy).zip(sy);
        let (pf, sum_x, divisor, last) = (self.pf, self.sum_x, self.divisor, self.last);
        match self.kind {
            RegKind::Value => {
                for ((o, &a), &b) in it {
                    let m = (pf * a - sum_x * b) / divisor;
                    *o = (b - m * sum_x) / pf + m * last;
                }
            }
            RegKind::Intercept => {
                for ((o, &a), &b) in it {
                    let m = (pf * a - sum_x * b) / divisor;
                    *o = (b - m * sum_x) / pf;
                }
            }
            RegKind::Slope => {
                for ((o, &a), &b) in it {
                    *o = (pf * a - sum_x * b) / divisor;
                }
            }
            RegKind::Forecast => {
                for ((o, &a), &b) in it {
                    let m = (pf * a - sum_x * b) / divisor;
                    *o = (b - m * sum_x) / pf + m * pf;
                }
            }
            RegKind::Angle => {
                for ((o, &a), &b) in it {
                    *o = self.at(a, b);
                }
            }
        }
    }
}

/// CORREL: Pearson correlation of two series over `timeperiod` bars (TA-Lib `CORREL`,
/// default 30; inputs `price0` high and `price1` low by default, as TA-Lib's abstract API).
///
/// TA-Lib 0.8.1's algorithm (its fix #242), operation for operation: running sums of the
/// values measured against a shift (the first value, then the window mean at each reseed),
/// rebuilt with two passes over the window when either sum of squares has lost more than
/// six digits to cancellation, when a value far from the shift has just left, or every
/// `32 · timeperiod` bars; each sum of squares must exceed `1e-14` of its raw sum (else 0),
/// and the result is clamped into `[-1, 1]`. A window that is flat up to one moving bar
/// therefore gives the exact ±1 of that bar, where a plain two-pass form gives rounding
/// residue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correl {
    price0: PriceField,
    price1: PriceField,
    period: usize,
    rx: Ring,
    ry: Ring,
    n: usize,
    /// Running sums of `x − shift_x`, `y − shift_y`, their squares and their product.
    #[serde(with = "aaiti_core::serde_f64")]
    sx: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sy: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sxx: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    syy: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sxy: f64,
    /// The shifts (0 in checkpoints written before they existed, whose sums are raw).
    #[serde(default, with = "aaiti_core::serde_f64")]
    shift_x: f64,
    #[serde(default, with = "aaiti_core::serde_f64")]
    shift_y: f64,
    /// Bars until the periodic reseed (0 in older checkpoints: reseed at the next bar).
    #[serde(default)]
    until_reseed: usize,
    /// The squared shifted values that left the window last.
    #[serde(default, with = "aaiti_core::serde_f64")]
    leaving_x: f64,
    #[serde(default, with = "aaiti_core::serde_f64")]
    leaving_y: f64,
}

impl Correl {
    /// A new instance over (high, low).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 1..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        Ok(Self {
            price0: PriceField::High,
            price1: PriceField::Low,
            period,
            rx: Ring::new(period),
            ry: Ring::new(period),
            n: 0,
            sx: 0.0,
            sy: 0.0,
            sxx: 0.0,
            syy: 0.0,
            sxy: 0.0,
            shift_x: 0.0,
            shift_y: 0.0,
            until_reseed: 32 * period,
            leaving_x: 0.0,
            leaving_y: 0.0,
        })
    }
    /// Chooses the two input fields.
    #[must_use]
    pub fn with_prices(mut self, price0: PriceField, price1: PriceField) -> Self {
        self.price0 = price0;
        self.price1 = price1;
        self
    }

    /// Adds a pair measured against the shifts (TA-Lib's order of operations).
    #[inline(always)]
    fn add(&mut self, x: f64, y: f64) {
        let x = x - self.shift_x;
        self.sx += x;
        self.sxx += x * x;
        let y = y - self.shift_y;
        self.sxy += x * y;
        self.sy += y;
        self.syy += y * y;
    }

    /// The fold's step on one pair.
    #[inline]
    fn step(&mut self, x: f64, y: f64) -> Option<f64> {
        let p = self.period;
        if self.n == 0 {
            self.shift_x = x;
            self.shift_y = y;
        }
        self.rx.push(x);
        self.ry.push(y);
        self.add(x, y);
        if self.n + 1 < p {
            self.n += 1;
            return None;
        }
        self.n = p;
        let inv = 1.0 / fp(p);
        let mut ssx = self.sxx - (self.sx * self.sx) * inv;
        let mut ssy = self.syy - (self.sy * self.sy) * inv;
        let mut spxy = self.sxy - (self.sx * self.sy) * inv;
        self.until_reseed = self.until_reseed.saturating_sub(1);
        if ssx < 0.000_001 * self.sxx
            || ssy < 0.000_001 * self.syy
            || self.leaving_x > 1_000_000.0 * self.sxx
            || self.leaving_y > 1_000_000.0 * self.syy
            || self.until_reseed == 0
        {
            (ssx, ssy, spxy) = self.reseed(inv);
        }
        let tx = self.rx.back(p - 1) - self.shift_x;
        let ty = self.ry.back(p - 1) - self.shift_y;
        let out = if ssx > 0.000_000_000_000_01 * self.sxx && ssy > 0.000_000_000_000_01 * self.syy
        {
            (spxy / (ssx * ssy).sqrt()).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        self.leaving_x = tx * tx;
        self.leaving_y = ty * ty;
        self.sx -= tx;
        self.sxx -= self.leaving_x;
        self.sxy -= tx * ty;
        self.sy -= ty;
        self.syy -= self.leaving_y;
        Some(out)
    }

    /// Re-anchors the shifts on the window means and rebuilds the sums (two passes, oldest
    /// to newest); returns the sums of squares (negative residue clamped to 0) and the
    /// cross product.
    #[cold]
    fn reseed(&mut self, inv: f64) -> (f64, f64, f64) {
        self.until_reseed = 32 * self.period;
        let (xa, xb) = self.rx.oldest_first();
        let (ya, yb) = self.ry.oldest_first();
        let (mut mx, mut my) = (0.0, 0.0);
        for (&x, &y) in xa.iter().chain(xb).zip(ya.iter().chain(yb)) {
            mx += x;
            my += y;
        }
        self.shift_x = mx * inv;
        self.shift_y = my * inv;
        (self.sx, self.sy, self.sxx, self.syy, self.sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let (rx, ry) = (self.rx.clone(), self.ry.clone());
        let (xa, xb) = rx.oldest_first();
        let (ya, yb) = ry.oldest_first();
        for (&x, &y) in xa.iter().chain(xb).zip(ya.iter().chain(yb)) {
            self.add(x, y);
        }
        let ssx = self.sxx - (self.sx * self.sx) * inv;
        let ssy = self.syy - (self.sy * self.sy) * inv;
        let spxy = self.sxy - (self.sx * self.sy) * inv;
        (ssx.max(0.0), ssy.max(0.0), spxy)
    }
}

impl Indicator for Correl {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (x, y) = (self.price0.get(bar), self.price1.get(bar));
        self.step(x, y)
    }
    fn reset(&mut self) {
        *self = Self::new(self.period)
            .unwrap_or_else(|_| self.clone())
            .with_prices(self.price0, self.price1);
    }
    /// The fold's steps over the column slices from a fresh state.
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let (x, y) = (cols.field(self.price0), cols.field(self.price1));
        let n = x.len().min(y.len());
        out.reserve(n);
        let mut st = self.clone();
        st.reset();
        for (&x, &y) in x.iter().zip(y).take(n) {
            out.push(st.step(x, y).unwrap_or(f64::NAN));
        }
    }
}

/// One return of BETA, `(price − previous) / previous`, 0 when the previous price is
/// exactly zero (TA-Lib 0.8.1 has no fixed band here, so the price scale does not matter;
/// NaN propagates).
#[inline]
fn beta_return(prev: f64, price: f64) -> f64 {
    if prev == 0.0 {
        0.0
    } else {
        (price - prev) / prev
    }
}

/// BETA: regression beta of `price0`'s returns on `price1`'s returns over `timeperiod`
/// returns (TA-Lib `BETA`, default 5; lookback = period; default inputs high and low).
///
/// TA-Lib 0.8.1's algorithm (its fix #242), operation for operation: running regression
/// sums of the returns measured against a shift (the first return, then the window's mean
/// return at each reseed), rebuilt with two passes over the window's returns when the
/// denominator `n·Sxx − Sx²` has lost more than six digits to cancellation, when a return
/// far from the shift has just left (`> 1e3 · Sxx`), or every `32 · timeperiod` bars; the
/// denominator must exceed `1e-14` of `n·Sxx` (else 0). A steadily drifting series (near
/// constant returns) gets its beta rather than cancellation noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Beta {
    price0: PriceField,
    price1: PriceField,
    period: usize,
    t: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    last_x: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    last_y: f64,
    /// The window's raw returns.
    rx: Ring,
    ry: Ring,
    /// Running sums of the shifted returns.
    #[serde(with = "aaiti_core::serde_f64")]
    sxx: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sx: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sxy: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sy: f64,
    /// The shifts (0 in checkpoints written before they existed, whose sums are raw).
    #[serde(default, with = "aaiti_core::serde_f64")]
    shift_x: f64,
    #[serde(default, with = "aaiti_core::serde_f64")]
    shift_y: f64,
    /// Bars until the periodic reseed (0 in older checkpoints: reseed at the next bar).
    #[serde(default)]
    until_reseed: usize,
    /// The squared shifted x return that left the window last.
    #[serde(default, with = "aaiti_core::serde_f64")]
    leaving_xx: f64,
}

impl Beta {
    /// A new instance over (high, low).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `timeperiod` outside 1..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        Ok(Self {
            price0: PriceField::High,
            price1: PriceField::Low,
            period,
            t: 0,
            last_x: 0.0,
            last_y: 0.0,
            rx: Ring::new(period),
            ry: Ring::new(period),
            sxx: 0.0,
            sx: 0.0,
            sxy: 0.0,
            sy: 0.0,
            shift_x: 0.0,
            shift_y: 0.0,
            until_reseed: 32 * period,
            leaving_xx: 0.0,
        })
    }
    /// Chooses the two input fields.
    #[must_use]
    pub fn with_prices(mut self, price0: PriceField, price1: PriceField) -> Self {
        self.price0 = price0;
        self.price1 = price1;
        self
    }

    /// Adds a pair of raw returns measured against the shifts (TA-Lib's order).
    #[inline(always)]
    fn add(&mut self, rx: f64, ry: f64) {
        let x = rx - self.shift_x;
        let y = ry - self.shift_y;
        self.sxx += x * x;
        self.sxy += x * y;
        self.sx += x;
        self.sy += y;
    }

    /// The fold's step on one pair of prices.
    #[inline]
    fn step(&mut self, px: f64, py: f64) -> Option<f64> {
        let t = self.t;
        self.t = t.saturating_add(1);
        if t == 0 {
            self.last_x = px;
            self.last_y = py;
            return None;
        }
        let (rx, ry) = (beta_return(self.last_x, px), beta_return(self.last_y, py));
        (self.last_x, self.last_y) = (px, py);
        if t == 1 {
            self.shift_x = rx;
            self.shift_y = ry;
        }
        self.rx.push(rx);
        self.ry.push(ry);
        self.add(rx, ry);
        let p = self.period;
        if t < p {
            return None;
        }
        let n = fp(p);
        let mut denom_scale = n * self.sxx;
        let mut denom = denom_scale - self.sx * self.sx;
        self.until_reseed = self.until_reseed.saturating_sub(1);
        if denom < 0.000_001 * denom_scale
            || self.leaving_xx > 1000.0 * self.sxx
            || self.until_reseed == 0
        {
            (denom, denom_scale) = self.reseed(n);
        }
        let x = self.rx.back(p - 1) - self.shift_x;
        let y = self.ry.back(p - 1) - self.shift_y;
        let out = if denom > 0.000_000_000_000_01 * denom_scale {
            (n * self.sxy - self.sx * self.sy) / denom
        } else {
            0.0
        };
        self.leaving_xx = x * x;
        self.sxx -= x * x;
        self.sxy -= x * y;
        self.sx -= x;
        self.sy -= y;
        Some(out)
    }

    /// Re-anchors the shifts on the window's mean returns and rebuilds the sums (two
    /// passes, oldest to newest); returns the denominator (negative residue clamped to 0)
    /// and its scale.
    #[cold]
    fn reseed(&mut self, n: f64) -> (f64, f64) {
        self.until_reseed = 32 * self.period;
        let (rx, ry) = (self.rx.clone(), self.ry.clone());
        let (xa, xb) = rx.oldest_first();
        let (ya, yb) = ry.oldest_first();
        let (mut mx, mut my) = (0.0, 0.0);
        for (&x, &y) in xa.iter().chain(xb).zip(ya.iter().chain(yb)) {
            mx += x;
            my += y;
        }
        self.shift_x = mx / n;
        self.shift_y = my / n;
        (self.sxx, self.sxy, self.sx, self.sy) = (0.0, 0.0, 0.0, 0.0);
        for (&x, &y) in xa.iter().chain(xb).zip(ya.iter().chain(yb)) {
            self.add(x, y);
        }
        let denom_scale = n * self.sxx;
        let denom = denom_scale - self.sx * self.sx;
        (denom.max(0.0), denom_scale)
    }
}

impl Indicator for Beta {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (px, py) = (self.price0.get(bar), self.price1.get(bar));
        self.step(px, py)
    }
    fn reset(&mut self) {
        *self = Self::new(self.period)
            .unwrap_or_else(|_| self.clone())
            .with_prices(self.price0, self.price1);
    }
    /// The fold's steps over the column slices from a fresh state.
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let (px, py) = (cols.field(self.price0), cols.field(self.price1));
        let n = px.len().min(py.len());
        out.reserve(n);
        let mut st = self.clone();
        st.reset();
        for (&x, &y) in px.iter().zip(py).take(n) {
            out.push(st.step(x, y).unwrap_or(f64::NAN));
        }
    }
}

#[cfg(test)]
mod lane_tests {
    use super::{RegChain, RegKind, RegLine, RegState, VarChain, VarState};
    use crate::lanes::{Chain, walk, warm_suffices};
    use crate::overlap::ma::fp;

    fn reg(x: &[f64], p: usize) -> RegChain<'_> {
        let pf = fp(p);
        let sum_x = fp(p * (p - 1)) * 0.5;
        let sum_x_sqr = fp(p * (p - 1) * (2 * p - 1) / 6);
        RegChain {
            x,
            off: p - 1,
            p,
            line: RegLine {
                kind: RegKind::Value,
                pf,
                sum_x,
                divisor: sum_x * sum_x - pf * sum_x_sqr,
                last: fp(p - 1),
            },
        }
    }

    fn var(x: &[f64], p: usize) -> VarChain<'_> {
        VarChain {
            x,
            off: p - 1,
            p,
            pf: fp(p),
        }
    }

    /// The state before chain bar 1 (after the exact first output) of `c` from `s0`.
    fn after_first<C: Chain>(c: &C, mut s0: C::State) -> C::State {
        let mut o = vec![0.0; C::WIDTH];
        c.step(&mut s0, 0, &mut o);
        s0
    }

    const REG0: RegState = RegState {
        sum_y: 0.0,
        sum_xy: 0.0,
        countdown: 0,
    };
    const VAR0: VarState = VarState {
        total1: 0.0,
        total2: 0.0,
        shift: 0.0,
        countdown: 0,
    };

    /// A guess with the exact countdown reaches the true state's bits within
    /// `8 · p + 1` bars (the `warm` of the kernels), and not in far fewer: the sums are
    /// only replaced at an exact bar.
    #[test]
    fn sum_chain_guesses_verify_within_the_warm_ups() {
        let x = walk(30_000, 31);
        let n = x.len() - 64;
        for p in [2usize, 5, 14, 30] {
            let warm = 8 * p + 1;
            let c = reg(&x, p);
            let s1 = after_first(&c, REG0);
            assert!(warm_suffices(&c, s1, n, warm), "LINEARREG p={p}");
            let c = var(&x, p);
            let s1 = after_first(&c, VAR0);
            assert!(warm_suffices(&c, s1, n, warm), "VAR p={p}");
        }
    }

    /// After a plateau (flat windows, whose cancellation check fails and re-synchronises
    /// VAR on every bar of it), the true chain's phase is not the one the guesses assume:
    /// their lanes fail verification (and are recomputed serially), as `fl_lanes`'s
    /// plateau series make them. Before the plateau, they verify.
    #[test]
    fn var_guesses_after_a_plateau_fail_verification() {
        let p = 20;
        let mut x = walk(30_000, 32);
        let v = x[15_000];
        x[15_000..15_437].iter_mut().for_each(|y| *y = v);
        let c = var(&x, p);
        let s1 = after_first(&c, VAR0);
        // Guesses between bars 15 000 and 30 000 (after the plateau) never verify.
        assert!(!warm_suffices(&c, s1, x.len() - 64, 8 * p + 1));
        // Guesses before the plateau do.
        let head = &x[..14_000];
        let c = var(head, p);
        let s1 = after_first(&c, VAR0);
        assert!(warm_suffices(&c, s1, head.len() - 64, 8 * p + 1));
    }
}
