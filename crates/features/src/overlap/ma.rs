//! Scalar moving-average cores (one `f64` in, one out), shared by every function that
//! smooths with a TA-Lib MA type (MA, BBANDS, STOCH, APO, PPO, MACDEXT, TRIX, ...).
//!
//! Each core replicates the floating-point operation order of the TA-Lib C 0.8.1 batch
//! function, so folding `update` reproduces TA-Lib bit for bit.
//!
//! Streaming `update`s are written for the caller's per-bar loop: they are
//! `#[inline(always)]`, the steady state (every stage seeded, ring full) is a short branch
//! tested first, with the same operations as the warm-up code that follows it, and nothing
//! on the path calls a function or takes the state's address out of line, so the caller's
//! loop can keep the state in registers. Fused steps go through [`Fused`]: one `vfmadd` on
//! FMA CPUs, the `mul_add` fallback in an out-of-line function otherwise ([`fused_core!`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fma::Fused;
use crate::lanes::{Bits, Chain, LANES, lockstep_soa, segmented_into, staggered};
use crate::params::MaType;
use crate::ring::Ring;

/// TA-Lib's `TA_IS_ZERO_OR_NEG`: `x < 1e-8`.
#[inline]
pub(crate) fn is_zero_or_neg(x: f64) -> bool {
    x < 0.000_000_01
}

#[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
#[inline]
pub(crate) fn fp(p: usize) -> f64 {
    p as f64
}

/// Batch kernels of the scalar cores: from a fresh state (whatever `self`'s state), append
/// one value per input to `out`, NaN inside the lookback, bit for bit what folding
/// `update` gives. A core without a dedicated kernel folds its `update` ([`warm_up`]).
pub(crate) trait ScalarBatch {
    /// Appends `x.len()` outputs to `out`.
    fn batch(&self, x: &[f64], out: &mut Vec<f64>);
}

/// Folds `update` from a reset clone over `x` (the warm-up bars of a kernel), appending
/// each output (NaN for `None`), and returns the state reached: kernels then run their
/// steady state from it in a tight loop, so warm-up branches need no separate code.
pub(crate) fn warm_up<C: Clone>(
    core: &C,
    reset: impl Fn(&mut C),
    update: impl Fn(&mut C, f64) -> Option<f64>,
    x: &[f64],
    out: &mut Vec<f64>,
) -> C {
    let mut st = core.clone();
    reset(&mut st);
    out.extend(x.iter().map(|&v| update(&mut st, v).unwrap_or(f64::NAN)));
    st
}

/// Appends `n` NaNs (the lookback rows).
#[inline]
pub(crate) fn push_nan(out: &mut Vec<f64>, n: usize) {
    out.extend(std::iter::repeat_n(f64::NAN, n));
}

/// Splits `x` at the end of the warm-up (`lookback + 1` bars, or all of `x`).
#[inline]
fn split_warm(x: &[f64], lookback: usize) -> (&[f64], &[f64]) {
    x.split_at(lookback.saturating_add(1).min(x.len()))
}

/// `update` and its out-of-line fallback for a core with fused steps, written once as
/// `update_with<F: Fused>`.
///
/// On a CPU with FMA (known once the first call ran the detection), `update` is
/// `update_with(Hw)` inlined: one `vfmadd` per fused step and no call anywhere on the
/// path, so a caller's loop keeps the state in registers. Otherwise (the first call, and
/// CPUs without FMA, where `mul_add` is a libm call) it runs `update_outlined`, a cold
/// function that takes and returns the state *by value* (`$placeholder`, a state owning no
/// memory, stands in meanwhile), so the state's address never escapes the caller either.
macro_rules! fused_core {
    ($out:ty, $placeholder:expr) => {
        #[inline(always)]
        pub(crate) fn update(&mut self, x: f64) -> Option<$out> {
            match crate::fma::Hw::cached() {
                Some(h) => self.update_with(h, x),
                None => {
                    let (core, y) = Self::update_outlined(std::mem::replace(self, $placeholder), x);
                    *self = core;
                    y
                }
            }
        }
        /// [`update`](Self::update) out of line, with the FMA detection.
        #[cold]
        #[inline(never)]
        fn update_outlined(mut self, x: f64) -> (Self, Option<$out>) {
            let y = crate::fma::with_fused!(f => self.update_with(f, x));
            (self, y)
        }
    };
}
pub(crate) use fused_core;

/// Simple moving average (TA_SMA: running sum, add newest, divide, subtract oldest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SmaCore {
    period: usize,
    ring: Ring,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    sum: f64,
}

impl SmaCore {
    #[inline]
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            ring: Ring::new(period),
            n: 0,
            sum: 0.0,
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        self.period.saturating_sub(1)
    }
    #[inline(always)]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        if self.ring.is_full() {
            // Steady state: the operations below with `n + 1 == period`.
            self.sum += x;
            let out = self.sum / fp(self.period);
            self.sum -= self.ring.push_full(x);
            return Some(out);
        }
        self.ring.push(x);
        self.sum += x;
        if self.n + 1 < self.period {
            self.n += 1;
            return None;
        }
        let out = self.sum / fp(self.period);
        self.sum -= self.ring.back(self.period - 1);
        Some(out)
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.period);
    }
}

impl ScalarBatch for SmaCore {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        let p = self.period.max(1);
        if x.len() < p {
            push_nan(out, x.len());
            return;
        }
        let (head, tail) = x.split_at(p - 1);
        let mut sum = 0.0;
        for &v in head {
            sum += v;
        }
        push_nan(out, p - 1);
        let d = fp(p);
        // Same order as `update`: add the newest, divide, subtract the oldest.
        out.extend(tail.iter().zip(x).map(|(&v, &old)| {
            sum += v;
            let y = sum / d;
            sum -= old;
            y
        }));
    }
}

/// Exponential moving average seeded with the SMA of the first `period` inputs
/// (TA_EMA, default compatibility): `prev = (x - prev) * k + prev`, evaluated as one fused
/// multiply-add exactly as the TA-Lib 0.8.1 wheel's FMA build (`TA_EMA.fma`, selected at
/// run time on CPUs with FMA) does: `fma(x - prev, k, prev)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EmaCore {
    period: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    k: f64,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev: f64,
}

impl EmaCore {
    /// `k = 2 / (period + 1)`.
    #[inline]
    pub(crate) fn new(period: usize) -> Self {
        Self::with_k(period, 2.0 / fp(period + 1))
    }
    /// The period.
    pub(crate) fn period(&self) -> usize {
        self.period
    }
    /// The smoothing factor `k`.
    pub(crate) fn k(&self) -> f64 {
        self.k
    }
    /// An explicit smoothing factor (MACDFIX uses 0.15 and 0.075).
    #[inline]
    pub(crate) fn with_k(period: usize, k: f64) -> Self {
        Self {
            period,
            k,
            n: 0,
            sum: 0.0,
            prev: 0.0,
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        self.period.saturating_sub(1)
    }
    fused_core!(f64, Self::with_k(0, 0.0));
    /// [`update`](Self::update) with the fused step `f`.
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<f64> {
        if self.n >= self.period {
            self.prev = f.mul_add(x - self.prev, self.k, self.prev);
            return Some(self.prev);
        }
        self.sum += x;
        self.n += 1;
        if self.n < self.period {
            return None;
        }
        self.prev = self.sum / fp(self.period);
        Some(self.prev)
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        *self = Self::with_k(self.period, self.k);
    }
}

impl ScalarBatch for EmaCore {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        let p = self.period.max(1);
        if x.len() < p {
            push_nan(out, x.len());
            return;
        }
        let (head, tail) = x.split_at(p);
        let mut sum = 0.0;
        for &v in head {
            sum += v;
        }
        push_nan(out, p - 1);
        let prev = sum / fp(p);
        out.push(prev);
        let chain = EmaChain { x: tail, k: self.k };
        segmented_into(&chain, prev, tail.len(), ema_warm(self.k), out);
    }
}

/// The EMA recurrence `prev = fma(x - prev, k, prev)` over `x`, run by [`segmented`](crate::lanes::segmented): it
/// forgets its start by a factor `1 - k` per bar.
pub(crate) struct EmaChain<'a> {
    /// The inputs after the seed.
    pub(crate) x: &'a [f64],
    /// The smoothing factor.
    pub(crate) k: f64,
}

impl Chain for EmaChain<'_> {
    type State = f64;
    const WIDTH: usize = 1;
    #[inline(always)]
    fn guess(&self, j: usize) -> f64 {
        self.x[j - 1]
    }
    #[inline(always)]
    fn step(&self, s: &mut f64, i: usize, out: &mut [f64]) {
        *s = (self.x[i] - *s).mul_add(self.k, *s);
        out[0] = *s;
    }
}

/// Two EMAs of one input (APO's and PPO's fast and slow lines), each started at bar 0,
/// combined by `g(fast, slow)` on the rows where both exist (NaN before): the fold of both
/// `update`s over the warm-up, then an [`EmaPairChain`] run by speculative lanes.
pub(crate) fn ema_pair_batch(
    fast: &EmaCore,
    slow: &EmaCore,
    x: &[f64],
    out: &mut Vec<f64>,
    g: impl Fn(f64, f64) -> f64,
) {
    let (head, rest) = split_warm(x, fast.lookback().max(slow.lookback()));
    let (mut a, mut b) = (fast.clone(), slow.clone());
    a.reset();
    b.reset();
    out.reserve(x.len());
    for &v in head {
        out.push(match (a.update(v), b.update(v)) {
            (Some(p), Some(q)) => g(p, q),
            _ => f64::NAN,
        });
    }
    if !rest.is_empty() {
        let chain = EmaPairChain {
            x: rest,
            k: [a.k, b.k],
            g,
        };
        let warm = ema_warm(a.k.min(b.k));
        segmented_into(&chain, [a.prev, b.prev], rest.len(), warm, out);
    }
}

/// Two EMA recurrences over the same inputs as a [`Chain`]: state (fast, slow), one output
/// `g(fast, slow)` per bar.
struct EmaPairChain<'a, G> {
    x: &'a [f64],
    k: [f64; 2],
    g: G,
}

impl<G: Fn(f64, f64) -> f64> Chain for EmaPairChain<'_, G> {
    type State = [f64; 2];
    const WIDTH: usize = 1;
    #[inline(always)]
    fn guess(&self, j: usize) -> [f64; 2] {
        [self.x[j - 1]; 2]
    }
    #[inline(always)]
    fn step(&self, s: &mut [f64; 2], i: usize, out: &mut [f64]) {
        let v = self.x[i];
        let [kf, ks] = self.k;
        s[0] = (v - s[0]).mul_add(kf, s[0]);
        s[1] = (v - s[1]).mul_add(ks, s[1]);
        out[0] = (self.g)(s[0], s[1]);
    }
}

/// Bars an EMA guess needs to reach the true state's bits: the gap shrinks by `1 - k` per
/// bar, so `48 / k` bars take a relative gap of 1 below 2^-60 (`ln 2^60 ≈ 41.6`); the last
/// ulps merge within a few more. Too slow a forgetting (`k` tiny) gives a warm-up longer
/// than any series, and [`segmented`](crate::lanes::segmented) then runs serially.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "k is in (0, 1]: 48 / k + 64 is a positive finite value, saturated by `as`"
)]
#[inline]
pub(crate) fn ema_warm(k: f64) -> usize {
    (48.0 / k + 64.0) as usize
}

/// Weighted moving average (TA_WMA's periodSum/periodSub recurrence).
///
/// TA-Lib 0.8.1 re-synchronises the recurrence to curb drift: every `8 * period`-th output
/// (the outputs `8p-1, 16p-1, ...` counted from the first) is computed directly as
/// `Σ x_j * j` over the window (oldest weight 1), and the running sums restart from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WmaCore {
    period: usize,
    ring: Ring,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    sub: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    trailing: f64,
    /// Outputs left until the next direct re-computation.
    #[serde(default)]
    countdown: usize,
}

impl WmaCore {
    #[inline]
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            ring: Ring::new(period),
            n: 0,
            sub: 0.0,
            sum: 0.0,
            trailing: 0.0,
            countdown: 8 * period - 1,
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        self.period.saturating_sub(1)
    }
    #[inline(always)]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        let p = self.period;
        if self.ring.is_full() && self.countdown != 0 {
            // Steady state: the recurrence below (the ring is full only for `p > 1`).
            self.countdown -= 1;
            self.sub += x;
            self.sub -= self.trailing;
            self.sum += x * fp(p);
            self.trailing = self.ring.push_full(x);
            let out = self.sum / (fp(p) * fp(p + 1) * 0.5);
            self.sum -= self.sub;
            return Some(out);
        }
        if p == 1 {
            return Some(x);
        }
        self.ring.push(x);
        if self.n + 1 < p {
            self.n += 1;
            self.sub += x;
            self.sum += x * fp(self.n);
            return None;
        }
        let divider = fp(p) * fp(p + 1) * 0.5;
        if self.countdown == 0 {
            // Direct re-computation over the window, oldest first (TA-Lib 0.8.1).
            self.countdown = 8 * p;
            let (mut sub, mut sum) = (0.0, 0.0);
            for j in 1..=p {
                let v = self.ring.back(p - j);
                sub += v;
                sum += v * fp(j);
            }
            self.sub = sub;
            self.trailing = self.ring.back(p - 1);
            self.sum = sum - sub;
            self.countdown -= 1;
            return Some(sum / divider);
        }
        self.countdown -= 1;
        self.sub += x;
        self.sub -= self.trailing;
        self.sum += x * fp(p);
        self.trailing = self.ring.back(p - 1);
        let out = self.sum / divider;
        self.sum -= self.sub;
        Some(out)
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.period);
    }
}

/// Double EMA: `2*EMA1 - EMA2` (TA_DEMA).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DemaCore {
    e1: EmaCore,
    e2: EmaCore,
}

impl DemaCore {
    #[inline]
    pub(crate) fn new(period: usize) -> Self {
        Self {
            e1: EmaCore::new(period),
            e2: EmaCore::new(period),
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        2 * self.e1.lookback()
    }
    fused_core!(f64, Self::new(0));
    /// [`update`](Self::update) with the fused step `f`.
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<f64> {
        let (e1, e2) = (&mut self.e1, &mut self.e2);
        if e2.n >= e2.period {
            // Both EMAs seeded (the first is before the second).
            e1.prev = f.mul_add(x - e1.prev, e1.k, e1.prev);
            e2.prev = f.mul_add(e1.prev - e2.prev, e2.k, e2.prev);
            return Some(2.0 * e1.prev - e2.prev);
        }
        let v1 = e1.update_with(f, x)?;
        let v2 = e2.update_with(f, v1)?;
        Some(2.0 * v1 - v2)
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.e1.reset();
        self.e2.reset();
    }
}

/// Triple EMA: `EMA3 + (3*EMA1 - 3*EMA2)` (TA_TEMA; period 1 copies the input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TemaCore {
    period: usize,
    e1: EmaCore,
    e2: EmaCore,
    e3: EmaCore,
}

impl TemaCore {
    #[inline]
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            e1: EmaCore::new(period),
            e2: EmaCore::new(period),
            e3: EmaCore::new(period),
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        3 * self.e1.lookback()
    }
    fused_core!(f64, Self::new(0));
    /// [`update`](Self::update) with the fused step `f`.
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<f64> {
        let (e1, e2, e3) = (&mut self.e1, &mut self.e2, &mut self.e3);
        if e3.n >= e3.period {
            // All three EMAs seeded (never for period 1: its stages are not fed).
            e1.prev = f.mul_add(x - e1.prev, e1.k, e1.prev);
            e2.prev = f.mul_add(e1.prev - e2.prev, e2.k, e2.prev);
            e3.prev = f.mul_add(e2.prev - e3.prev, e3.k, e3.prev);
            return Some(e3.prev + (3.0 * e1.prev - 3.0 * e2.prev));
        }
        if self.period == 1 {
            return Some(x);
        }
        let v1 = e1.update_with(f, x)?;
        let v2 = e2.update_with(f, v1)?;
        let v3 = e3.update_with(f, v2)?;
        Some(v3 + (3.0 * v1 - 3.0 * v2))
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.period);
    }
}

/// Triangular moving average (TA_TRIMA's numerator / numeratorSub / numeratorAdd
/// recurrence, odd and even periods).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TrimaCore {
    period: usize,
    ring: Ring,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    num: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sub: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    add: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    factor: f64,
}

impl TrimaCore {
    #[inline]
    pub(crate) fn new(period: usize) -> Self {
        let i = period >> 1;
        let w = if period % 2 == 1 {
            (i + 1) * (i + 1)
        } else {
            i * (i + 1)
        };
        Self {
            period,
            ring: Ring::new(period + 1),
            n: 0,
            num: 0.0,
            sub: 0.0,
            add: 0.0,
            factor: 1.0 / fp(w),
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        self.period.saturating_sub(1)
    }
    #[inline(always)]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        let p = self.period;
        let i = p >> 1;
        if self.ring.is_full() {
            // Steady state (`n == p`): the recurrence at the end, same operations.
            let trailing = self.ring.push_full(x);
            let mid = self.ring.back_full(i);
            self.num -= self.sub;
            self.sub -= trailing;
            self.sub += mid;
            if p % 2 == 1 {
                self.num += self.add;
                self.add -= mid;
            } else {
                self.add -= mid;
                self.num += self.add;
            }
            self.add += x;
            self.num += x;
            return Some(self.num * self.factor);
        }
        self.ring.push(x);
        if self.n + 1 < p {
            self.n += 1;
            return None;
        }
        let odd = p % 2 == 1;
        if self.n + 1 == p {
            // First window: inputs 0..p-1 are ring.back(p-1) .. ring.back(0).
            self.n += 1;
            let middle = if odd { i } else { i - 1 };
            let (mut num, mut sub) = (0.0, 0.0);
            for j in (0..=middle).rev() {
                sub += self.ring.back(p - 1 - j);
                num += sub;
            }
            let mut add = 0.0;
            for j in middle + 1..p {
                add += self.ring.back(p - 1 - j);
                num += add;
            }
            self.num = num;
            self.sub = sub;
            self.add = add;
            return Some(num * self.factor);
        }
        let trailing = self.ring.back(p);
        let mid = self.ring.back(i);
        self.num -= self.sub;
        self.sub -= trailing;
        self.sub += mid;
        if odd {
            self.num += self.add;
            self.add -= mid;
        } else {
            self.add -= mid;
            self.num += self.add;
        }
        self.add += x;
        self.num += x;
        Some(self.num * self.factor)
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.period);
    }
}

/// Kaufman adaptive moving average (TA_KAMA; fast 2, slow 30; period 1 copies the input).
///
/// Follows TA-Lib 0.8.1's reworked KAMA: the smoothing constant and the step use `fma`
/// (`sc = fma(er, 2/3 - 2/31, 2/31)`, `kama = fma(x - kama, sc², kama)`); the efficiency
/// ratio is 1 when the change sum is `<= 0` or `<= |period change|` and is clamped to 1;
/// and once the last `period` one-bar changes were all exactly zero the step uses the
/// fastest constant `(2/3)²` directly and the change sum restarts from exactly 0 (no
/// drift from adding and removing the same values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KamaCore {
    period: usize,
    ring: Ring,
    t: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    sum_roc: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    trailing: f64,
    /// Consecutive exactly-zero one-bar changes up to the newest bar.
    #[serde(default)]
    zeros: usize,
}

/// `2/31` and `2/3 - 2/31` as TA-Lib 0.8.1 stores them.
const KAMA_CONST_MAX: f64 = f64::from_bits(0x3fb0_8421_0842_1084);
const KAMA_CONST_DIFF: f64 = f64::from_bits(0x3fe3_44d1_344d_1344);
/// `(2/3)²`, the squared fastest constant, as TA-Lib 0.8.1 stores it.
const KAMA_FASTEST_SQ: f64 = f64::from_bits(0x3fdc_71c7_1c71_c719);

impl KamaCore {
    #[inline]
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            ring: Ring::new(period + 1),
            t: 0,
            sum_roc: 0.0,
            prev: 0.0,
            trailing: 0.0,
            zeros: 0,
        }
    }
    pub(crate) fn lookback(&self) -> usize {
        if self.period == 1 { 0 } else { self.period }
    }
    #[inline(always)]
    fn step<F: Fused>(&mut self, f: F, x: f64, period_roc: f64) -> f64 {
        let sum = self.sum_roc;
        // `!(sum > 0)` and `!(roc < sum)` keep the comparisons' NaN behaviour of TA-Lib's
        // `comisd` branches; the clamp keeps NaN like `minsd`.
        let er = if sum <= 0.0 || period_roc >= sum {
            1.0
        } else {
            let r = (period_roc / sum).abs();
            if 1.0 < r { 1.0 } else { r }
        };
        let mut sc = f.mul_add(er, KAMA_CONST_DIFF, KAMA_CONST_MAX);
        sc *= sc;
        self.prev = f.mul_add(x - self.prev, sc, self.prev);
        self.prev
    }
    fused_core!(
        f64,
        Self {
            period: 0,
            ring: Ring::empty(),
            t: 0,
            sum_roc: 0.0,
            prev: 0.0,
            trailing: 0.0,
            zeros: 0,
        }
    );
    /// [`update`](Self::update) with the fused steps `f`.
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<f64> {
        let p = self.period;
        if self.t > p {
            // Steady state (the ring of `p + 1` is full; period 1 never counts `t`): the
            // last branch below, same operations.
            self.t += 1;
            let prev_x = self.ring.back_full(0);
            let old = self.ring.push_full(x);
            let d = x - prev_x;
            self.zeros = if d == 0.0 { self.zeros + 1 } else { 0 };
            return Some(self.advance(f, x, old, d));
        }
        if p == 1 {
            return Some(x);
        }
        self.ring.push(x);
        let t = self.t;
        self.t += 1;
        if t == 0 {
            return None;
        }
        let prev_x = self.ring.back(1);
        let d = x - prev_x;
        self.zeros = if d == 0.0 { self.zeros + 1 } else { 0 };
        if t < p {
            self.sum_roc += (prev_x - x).abs();
            return None;
        }
        if t == p {
            self.sum_roc += (prev_x - x).abs();
            self.prev = prev_x;
            let first = self.ring.back(p);
            self.trailing = first;
            return Some(self.step(f, x, x - first));
        }
        let old = self.ring.back(p);
        Some(self.advance(f, x, old, d))
    }
    /// One output after the first: `old` is the value leaving the window, `d` the latest
    /// change (already counted in `zeros`).
    #[inline(always)]
    fn advance<F: Fused>(&mut self, f: F, x: f64, old: f64, d: f64) -> f64 {
        if d == 0.0 && self.zeros >= self.period {
            // A flat run covering the whole window: fastest constant, change sum reset.
            self.trailing = old;
            self.sum_roc = 0.0;
            self.prev = f.mul_add(x - self.prev, KAMA_FASTEST_SQ, self.prev);
            return self.prev;
        }
        let period_roc = x - old;
        self.sum_roc -= (self.trailing - old).abs();
        self.sum_roc += d.abs();
        self.trailing = old;
        self.step(f, x, period_roc)
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.period);
    }
}

/// One of T3's six EMAs: `e = k*x + (1-k)*e`, seeded with the mean of its first inputs.
/// TA-Lib 0.8.1's FMA build evaluates the step as `fma(e, 1-k, k*x)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct T3Stage {
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    e: f64,
}

impl T3Stage {
    #[inline(always)]
    fn update<F: Fused>(&mut self, f: F, x: f64, period: usize, k: f64, omk: f64) -> Option<f64> {
        if self.n < period {
            self.sum = if self.n == 0 { x } else { self.sum + x };
            self.n += 1;
            if self.n < period {
                return None;
            }
            self.e = self.sum / fp(period);
            return Some(self.e);
        }
        self.e = f.mul_add(self.e, omk, k * x);
        Some(self.e)
    }
}

/// Tillson T3 (TA_T3; period 1 copies the input).
///
/// Serialised as [`T3State`] (its parameters and stages); the smoothing factor and the
/// output coefficients are derived from the parameters once, on construction and on
/// deserialisation, instead of on every `update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "T3State", into = "T3State")]
pub(crate) struct T3Core {
    period: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    vfactor: f64,
    stages: [T3Stage; 6],
    /// `k = 2 / (period + 1)` and `1 - k`.
    #[serde(with = "aaiti_core::serde_f64::array")]
    k: [f64; 2],
    /// `c1, c2, c3, c4` of the output.
    #[serde(with = "aaiti_core::serde_f64::array")]
    c: [f64; 4],
}

/// [`T3Core`]'s serialised form.
#[derive(Serialize, Deserialize)]
struct T3State {
    period: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    vfactor: f64,
    stages: [T3Stage; 6],
}

impl From<T3State> for T3Core {
    #[inline]
    fn from(s: T3State) -> Self {
        let p = s.period;
        let k = 2.0 / (fp(p) + 1.0);
        // Coefficients with TA-Lib 0.8.1's FMA contraction (`TA_T3.fma`):
        // c4 = fma(3, t, fma(3, v, 1) - c1).
        let v = s.vfactor;
        let t = v * v;
        let c1 = 0.0 - t * v;
        let c2 = 3.0 * (t - c1);
        let c3 = (0.0 - 6.0) * t - 3.0 * (v - c1);
        let c4 = 3.0f64.mul_add(t, 3.0f64.mul_add(v, 1.0) - c1);
        Self {
            period: p,
            vfactor: v,
            stages: s.stages,
            k: [k, 1.0 - k],
            c: [c1, c2, c3, c4],
        }
    }
}

impl From<T3Core> for T3State {
    #[inline]
    fn from(c: T3Core) -> Self {
        Self {
            period: c.period,
            vfactor: c.vfactor,
            stages: c.stages,
        }
    }
}

impl T3Core {
    #[inline]
    pub(crate) fn new(period: usize, vfactor: f64) -> Self {
        let s = T3Stage {
            n: 0,
            sum: 0.0,
            e: 0.0,
        };
        T3State {
            period,
            vfactor,
            stages: [s.clone(), s.clone(), s.clone(), s.clone(), s.clone(), s],
        }
        .into()
    }
    pub(crate) fn lookback(&self) -> usize {
        6 * self.period.saturating_sub(1)
    }
    fused_core!(f64, Self::new(0, 0.0));
    /// [`update`](Self::update) with the fused steps `f`.
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<f64> {
        let p = self.period;
        let [k, omk] = self.k;
        let [s1, s2, s3, s4, s5, s6] = &mut self.stages;
        let (e3, e4, e5, e6);
        if s6.n >= p {
            // Every stage seeded (never for period 1: its stages are not fed): the stages'
            // steps, same operations.
            s1.e = f.mul_add(s1.e, omk, k * x);
            s2.e = f.mul_add(s2.e, omk, k * s1.e);
            s3.e = f.mul_add(s3.e, omk, k * s2.e);
            s4.e = f.mul_add(s4.e, omk, k * s3.e);
            s5.e = f.mul_add(s5.e, omk, k * s4.e);
            s6.e = f.mul_add(s6.e, omk, k * s5.e);
            (e3, e4, e5, e6) = (s3.e, s4.e, s5.e, s6.e);
        } else if p == 1 {
            return Some(x);
        } else {
            let e1 = s1.update(f, x, p, k, omk)?;
            let e2 = s2.update(f, e1, p, k, omk)?;
            e3 = s3.update(f, e2, p, k, omk)?;
            e4 = s4.update(f, e3, p, k, omk)?;
            e5 = s5.update(f, e4, p, k, omk)?;
            e6 = s6.update(f, e5, p, k, omk)?;
        }
        // The output with TA-Lib 0.8.1's FMA contraction (`TA_T3.fma`):
        // fma(c4, e3, fma(c3, e4, fma(c1, e6, c2 * e5))).
        let [c1, c2, c3, c4] = self.c;
        Some(f.mul_add(c4, e3, f.mul_add(c3, e4, f.mul_add(c1, e6, c2 * e5))))
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        for s in &mut self.stages {
            *s = T3Stage {
                n: 0,
                sum: 0.0,
                e: 0.0,
            };
        }
    }
}

/// Any TA-Lib MA type as a scalar streaming core (TA_MA semantics: period 1 copies the
/// input for every type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum MaCore {
    /// Period 1: output = input.
    Identity,
    /// SMA.
    Sma(SmaCore),
    /// EMA.
    Ema(EmaCore),
    /// WMA.
    Wma(WmaCore),
    /// DEMA.
    Dema(DemaCore),
    /// TEMA.
    Tema(TemaCore),
    /// TRIMA.
    Trima(TrimaCore),
    /// KAMA.
    Kama(KamaCore),
    /// T3 with vfactor 0.7.
    T3(T3Core),
    /// MAMA's `mama` line (fastlimit 0.5, slowlimit 0.05).
    Mama(Box<crate::cycle::MamaMa>),
}

impl MaCore {
    /// The core TA_MA uses for `ma_type` and `period` (`period >= 1`).
    ///
    /// # Errors
    /// [`Error::Unsupported`] when the MA type is not available.
    #[inline]
    pub(crate) fn new(ma_type: MaType, period: usize) -> Result<Self> {
        if period <= 1 && ma_type != MaType::Mama {
            return Ok(Self::Identity);
        }
        Ok(match ma_type {
            MaType::Sma => Self::Sma(SmaCore::new(period)),
            MaType::Ema => Self::Ema(EmaCore::new(period)),
            MaType::Wma => Self::Wma(WmaCore::new(period)),
            MaType::Dema => Self::Dema(DemaCore::new(period)),
            MaType::Tema => Self::Tema(TemaCore::new(period)),
            MaType::Trima => Self::Trima(TrimaCore::new(period)),
            MaType::Kama => Self::Kama(KamaCore::new(period)),
            MaType::T3 => Self::T3(T3Core::new(period, 0.7)),
            MaType::Mama => {
                if period <= 1 {
                    return Ok(Self::Identity);
                }
                Self::Mama(Box::new(crate::cycle::MamaMa::new().ok_or_else(|| {
                    Error::Unsupported {
                        what: "matype=7 (MAMA)".into(),
                        reason: "MAMA is not implemented in this build".into(),
                    }
                })?))
            }
        })
    }
    pub(crate) fn lookback(&self) -> usize {
        match self {
            Self::Identity => 0,
            Self::Sma(c) => c.lookback(),
            Self::Ema(c) => c.lookback(),
            Self::Wma(c) => c.lookback(),
            Self::Dema(c) => c.lookback(),
            Self::Tema(c) => c.lookback(),
            Self::Trima(c) => c.lookback(),
            Self::Kama(c) => c.lookback(),
            Self::T3(c) => c.lookback(),
            Self::Mama(c) => c.lookback(),
        }
    }
    /// One step. SMA and EMA, the defaults of BBANDS, STOCH, APO, PPO and MACDEXT, are
    /// inlined into the caller; the other types run out of line.
    #[inline(always)]
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        match self {
            Self::Sma(c) => c.update(x),
            Self::Ema(c) => c.update(x),
            _ => self.update_other(x),
        }
    }
    /// [`update`](Self::update) for the other types.
    #[inline(never)]
    fn update_other(&mut self, x: f64) -> Option<f64> {
        match self {
            Self::Identity => Some(x),
            Self::Sma(c) => c.update(x),
            Self::Ema(c) => c.update(x),
            Self::Wma(c) => c.update(x),
            Self::Dema(c) => c.update(x),
            Self::Tema(c) => c.update(x),
            Self::Trima(c) => c.update(x),
            Self::Kama(c) => c.update(x),
            Self::T3(c) => c.update(x),
            Self::Mama(c) => c.update(x),
        }
    }
    /// The batch kernel of the selected core ([`ScalarBatch`]).
    pub(crate) fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        match self {
            Self::Identity => out.extend_from_slice(x),
            Self::Sma(c) => c.batch(x, out),
            Self::Ema(c) => c.batch(x, out),
            Self::Wma(c) => c.batch(x, out),
            Self::Dema(c) => c.batch(x, out),
            Self::Tema(c) => c.batch(x, out),
            Self::Trima(c) => c.batch(x, out),
            Self::Kama(c) => c.batch(x, out),
            Self::T3(c) => c.batch(x, out),
            Self::Mama(c) => {
                warm_up(c.as_ref(), |m| m.reset(), |m, v| m.update(v), x, out);
            }
        }
    }
    #[inline]
    pub(crate) fn reset(&mut self) {
        match self {
            Self::Identity => {}
            Self::Sma(c) => c.reset(),
            Self::Ema(c) => c.reset(),
            Self::Wma(c) => c.reset(),
            Self::Dema(c) => c.reset(),
            Self::Tema(c) => c.reset(),
            Self::Trima(c) => c.reset(),
            Self::Kama(c) => c.reset(),
            Self::T3(c) => c.reset(),
            Self::Mama(c) => c.reset(),
        }
    }
}

/// Outputs per block in the steady-state loops: a block is computed into a stack buffer
/// (the state stays in registers, with no possible aliasing with `out`'s buffer) and then
/// appended with one copy.
pub(crate) const BLOCK: usize = 256;

impl ScalarBatch for WmaCore {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        if self.period <= 1 {
            out.extend_from_slice(x);
            return;
        }
        let (head, rest) = split_warm(x, self.lookback());
        let st = warm_up(self, Self::reset, Self::update, head, out);
        if !rest.is_empty() {
            let chain = WmaChain {
                x,
                off: head.len(),
                p: st.period,
                c0: st.countdown,
            };
            let s0 = WmaState {
                sub: st.sub,
                sum: st.sum,
                trailing: st.trailing,
                countdown: st.countdown,
            };
            segmented_into(&chain, s0, rest.len(), chain.warm(), out);
        }
    }
}

/// WMA's steady state: the running sums and the re-synchronisation countdown of
/// [`WmaCore`] (`trailing` is the value the next bar subtracts, `x[bar - p]`).
#[derive(Debug, Clone, Copy)]
struct WmaState {
    sub: f64,
    sum: f64,
    trailing: f64,
    countdown: usize,
}

/// WMA's steady state as a [`Chain`] (chain bar `i` is bar `off + i` of `x`).
///
/// The running sums never forget their start, but every `8 · p`-th output re-synchronises
/// them: the bar's outputs and the sums after it are computed from its window alone. The
/// countdown to that bar is a function of the bar's index ([`WmaChain::countdown`]), so a
/// guess that carries the exact countdown (and any sums) passes a re-synchronisation within
/// `8 · p` bars, after which it is the true state bit for bit: `warm = 8 · p + 1` always
/// verifies.
struct WmaChain<'a> {
    /// The whole input.
    x: &'a [f64],
    /// The bar of chain bar 0 (`p`: bars `0..p` are the warm-up).
    off: usize,
    p: usize,
    /// The countdown before chain bar 0.
    c0: usize,
}

impl WmaChain<'_> {
    /// [`segmented`](crate::lanes::segmented)'s `warm` for this chain.
    fn warm(&self) -> usize {
        self.p.saturating_mul(8).saturating_add(1)
    }
    /// The countdown before chain bar `t`: `c0` counts down to the first
    /// re-synchronisation (at `t = c0`), which rearms it to `8 · p - 1`.
    fn countdown(&self, t: usize) -> usize {
        let cycle = 8 * self.p;
        match t.checked_sub(self.c0 + 1) {
            None => self.c0 - t,
            Some(u) => cycle - 1 - u % cycle,
        }
    }
    /// WMA's divider `p (p + 1) / 2`.
    fn divider(&self) -> f64 {
        fp(self.p) * fp(self.p + 1) * 0.5
    }
    /// The direct computation at bar `b` (as `update`): the output, and the state after it.
    #[inline(always)]
    fn resync(&self, s: &mut WmaState, b: usize) -> f64 {
        let p = self.p;
        let win = &self.x[b + 1 - p..=b];
        let (mut s1, mut s2) = (0.0, 0.0);
        let mut w = 0usize;
        for &v in win {
            w += 1;
            s1 += v;
            s2 += v * fp(w);
        }
        s.sub = s1;
        s.trailing = win[0];
        s.sum = s2 - s1;
        s.countdown = 8 * p - 1;
        s2 / self.divider()
    }
}

impl Bits for WmaState {
    #[inline(always)]
    fn same(&self, b: &Self) -> bool {
        self.countdown == b.countdown
            && [self.sub, self.sum, self.trailing].same(&[b.sub, b.sum, b.trailing])
    }
}

impl crate::lanes::Countdown for WmaState {
    #[inline(always)]
    fn countdown(&self) -> usize {
        self.countdown
    }
}

impl Chain for WmaChain<'_> {
    type State = WmaState;
    const WIDTH: usize = 1;
    #[inline(always)]
    fn guess(&self, j: usize) -> WmaState {
        WmaState {
            sub: 0.0,
            sum: 0.0,
            trailing: self.x[self.off + j - self.p],
            countdown: self.countdown(j),
        }
    }
    #[inline(always)]
    fn step(&self, s: &mut WmaState, i: usize, out: &mut [f64]) {
        let b = self.off + i;
        if s.countdown == 0 {
            out[0] = self.resync(s, b);
            return;
        }
        s.countdown -= 1;
        let v = self.x[b];
        s.sub += v;
        s.sub -= s.trailing;
        s.sum += v * fp(self.p);
        s.trailing = self.x[b + 1 - self.p];
        out[0] = s.sum / self.divider();
        s.sum -= s.sub;
    }
    /// The serial kernel: the recurrence in blocks between re-synchronisations.
    #[inline(always)]
    fn serial(&self, mut s: WmaState, start: usize, out: &mut [f64]) -> WmaState {
        let p = self.p;
        let divider = self.divider();
        let pf = fp(p);
        let x = self.x;
        // Chain bar `i` (bar `b = off + i`) has the window x[b+1-p..=b].
        let mut i = 0;
        while i < out.len() {
            let b = self.off + start + i;
            if s.countdown == 0 {
                out[i] = self.resync(&mut s, b);
                i += 1;
                continue;
            }
            let m = s.countdown.min(out.len() - i);
            s.countdown -= m;
            let new = &x[b..b + m];
            let lead = &x[b + 1 - p..b + 1 - p + m];
            let (mut sub, mut sum, mut trailing) = (s.sub, s.sum, s.trailing);
            for ((o, &v), &t) in out[i..i + m].iter_mut().zip(new).zip(lead) {
                sub += v;
                sub -= trailing;
                sum += v * pf;
                trailing = t;
                *o = sum / divider;
                sum -= sub;
            }
            (s.sub, s.sum, s.trailing) = (sub, sum, trailing);
            i += m;
        }
        s
    }
    /// The lanes' recurrences side by side (each sum a `[f64; LANES]`: one vector
    /// instruction per operation, the division included) over blocks that hold no
    /// re-synchronisation. Each lane first runs serially to its first re-synchronisation,
    /// so that the lanes then re-synchronise on the same bars ([`lockstep_aligned`]); a bar
    /// where some lane re-synchronises runs through `step` on every lane.
    ///
    /// [`lockstep_aligned`]: crate::lanes::lockstep_aligned
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [WmaState; LANES],
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

impl WmaChain<'_> {
    /// [`Chain::lockstep`] for lanes at any phases.
    #[inline(always)]
    fn lanes(
        &self,
        st: &mut [WmaState; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        use crate::lanes::{BLOCK, resync_blocks, scatter_t};
        let p = self.p;
        let divider = self.divider();
        let pf = fp(p);
        // Lane k's bar `i` reads x[new[k] + i] and subtracts x[new[k] - p + i].
        let new: [usize; LANES] = std::array::from_fn(|k| self.off + starts[k]);
        let mut ob = [[0.0; LANES]; BLOCK];
        resync_blocks(
            self,
            st,
            starts,
            len,
            outs,
            self.x,
            &new,
            p,
            #[inline(always)]
            |st, i, xb, tb, outs| {
                let m = xb.len();
                let ob = &mut ob[..m];
                let mut sub: [f64; LANES] = std::array::from_fn(|k| st[k].sub);
                let mut sum: [f64; LANES] = std::array::from_fn(|k| st[k].sum);
                for ((v, t), o) in xb.iter().zip(tb.iter()).zip(ob.iter_mut()) {
                    for k in 0..LANES {
                        sub[k] += v[k];
                    }
                    for k in 0..LANES {
                        sub[k] -= t[k];
                    }
                    for k in 0..LANES {
                        sum[k] += v[k] * pf;
                    }
                    for k in 0..LANES {
                        o[k] = sum[k] / divider;
                    }
                    for k in 0..LANES {
                        sum[k] -= sub[k];
                    }
                }
                scatter_t(ob, i, outs);
                for (k, s) in st.iter_mut().enumerate() {
                    s.sub = sub[k];
                    s.sum = sum[k];
                    s.trailing = self.x[new[k] + i + m - p];
                    s.countdown -= m;
                }
                m
            },
        );
    }
}

#[cfg(test)]
mod wma_lane_tests {
    use super::{ScalarBatch, WmaChain, WmaCore, WmaState};
    use crate::lanes::{walk, warm_suffices};

    /// A guess with the exact countdown reaches the true state's bits within `8 · p + 1`
    /// bars (the kernel's `warm`), at its first re-synchronisation.
    #[test]
    fn wma_guesses_verify_within_the_warm_ups() {
        let x = walk(30_000, 41);
        for p in [2usize, 5, 30, 100] {
            let mut st = WmaCore::new(p);
            let mut head = Vec::new();
            for &v in &x[..p] {
                head.push(st.update(v));
            }
            let chain = WmaChain {
                x: &x,
                off: p,
                p,
                c0: st.countdown,
            };
            let mut s = WmaState {
                sub: st.sub,
                sum: st.sum,
                trailing: st.trailing,
                countdown: st.countdown,
            };
            // The state before chain bar 1.
            let mut o = [0.0];
            crate::lanes::Chain::step(&chain, &mut s, 0, &mut o);
            assert!(
                warm_suffices(&chain, s, x.len() - p - 1, chain.warm()),
                "p={p}"
            );
            // And the kernel (lanes on this long series) equals the fold.
            let mut b = Vec::new();
            WmaCore::new(p).batch(&x, &mut b);
            let mut f = WmaCore::new(p);
            for (i, (&v, &y)) in x.iter().zip(&b).enumerate() {
                let want = f.update(v).unwrap_or(f64::NAN);
                assert!(
                    want.to_bits() == y.to_bits() || want.is_nan() && y.is_nan(),
                    "p={p} bar {i}"
                );
            }
        }
    }
}

impl ScalarBatch for DemaCore {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        let (head, rest) = split_warm(x, self.lookback());
        let st = warm_up(self, Self::reset, Self::update, head, out);
        if !rest.is_empty() {
            let chain = EmaCascade {
                x: rest,
                k: [st.e1.k, st.e2.k],
                emit: dema_of,
            };
            segmented_into(
                &chain,
                [st.e1.prev, st.e2.prev],
                rest.len(),
                chain.warm(),
                out,
            );
        }
    }
}

/// Bars a guess of a cascade of `stages` EMAs with smoothing factors at least `k` needs to
/// reach the true state's bits: [`ema_warm`] for one stage; each further stage is fed
/// the previous one's gap, which adds a polynomial factor to the `(1 - k)^t` decay and
/// about `8 / k` bars (measured on random walks: `tests::cascade_guesses_converge`).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "k is in (0, 1] and stages at most 6: a positive finite value, saturated by `as`"
)]
#[inline]
pub(crate) fn cascade_warm(k: f64, stages: usize) -> usize {
    ((48.0 + 8.0 * (stages - 1) as f64) / k + 64.0) as usize
}

/// The steady state of `N` cascaded EMAs of `x` (EMA `j` smooths EMA `j - 1`'s new value,
/// EMA 0 the input, each `fma(v - prev, k[j], prev)`) as a [`Chain`]; `emit(before, after)`
/// makes the bar's output from the EMAs before and after the bar (DEMA, TEMA, TRIX).
pub(crate) struct EmaCascade<'a, const N: usize, F> {
    /// The inputs after the seed.
    pub(crate) x: &'a [f64],
    /// The smoothing factor of each stage.
    pub(crate) k: [f64; N],
    /// The output of a bar.
    pub(crate) emit: F,
}

impl<const N: usize, F> EmaCascade<'_, N, F> {
    /// [`segmented`](crate::lanes::segmented)'s `warm` for this chain.
    pub(crate) fn warm(&self) -> usize {
        cascade_warm(self.k.iter().copied().fold(f64::INFINITY, f64::min), N)
    }
}

impl<const N: usize, F: Fn(&[f64; N], &[f64; N]) -> f64> Chain for EmaCascade<'_, N, F> {
    type State = [f64; N];
    const WIDTH: usize = 1;
    #[inline(always)]
    fn guess(&self, j: usize) -> [f64; N] {
        [self.x[j - 1]; N]
    }
    #[inline(always)]
    fn step(&self, s: &mut [f64; N], i: usize, out: &mut [f64]) {
        let before = *s;
        let mut v = self.x[i];
        for (e, &k) in s.iter_mut().zip(&self.k) {
            *e = (v - *e).mul_add(k, *e);
            v = *e;
        }
        out[0] = (self.emit)(&before, s);
    }
}

/// DEMA's output from its two EMAs.
#[inline(always)]
fn dema_of(_: &[f64; 2], s: &[f64; 2]) -> f64 {
    2.0 * s[0] - s[1]
}

/// TEMA's output from its three EMAs.
#[inline(always)]
fn tema_of(_: &[f64; 3], s: &[f64; 3]) -> f64 {
    s[2] + (3.0 * s[0] - 3.0 * s[1])
}

impl ScalarBatch for TemaCore {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        if self.period == 1 {
            out.extend_from_slice(x);
            return;
        }
        let (head, rest) = split_warm(x, self.lookback());
        let st = warm_up(self, Self::reset, Self::update, head, out);
        if !rest.is_empty() {
            let chain = EmaCascade {
                x: rest,
                k: [st.e1.k, st.e2.k, st.e3.k],
                emit: tema_of,
            };
            segmented_into(
                &chain,
                [st.e1.prev, st.e2.prev, st.e3.prev],
                rest.len(),
                chain.warm(),
                out,
            );
        }
    }
}

impl ScalarBatch for TrimaCore {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        let (head, rest) = split_warm(x, self.lookback());
        let st = warm_up(self, Self::reset, Self::update, head, out);
        if !rest.is_empty() {
            trima_steady(&st, x, head.len(), out);
        }
    }
}

/// TRIMA's steady state from bar `start` (bar i: trailing x[i-p], middle x[i-p/2]).
#[inline(always)]
fn trima_steady(st: &TrimaCore, x: &[f64], start: usize, out: &mut Vec<f64>) {
    let p = st.period;
    let half = p >> 1;
    let odd = p % 2 == 1;
    let (mut num, mut sub, mut add, factor) = (st.num, st.sub, st.add, st.factor);
    let mut buf = [0.0; BLOCK];
    let mut i = start;
    while i < x.len() {
        let m = (x.len() - i).min(BLOCK);
        let new = &x[i..i + m];
        let trailing = &x[i - p..i - p + m];
        let mid = &x[i - half..i - half + m];
        let it = buf.iter_mut().zip(new).zip(trailing).zip(mid);
        if odd {
            for (((o, &v), &t), &c) in it {
                num -= sub;
                sub -= t;
                sub += c;
                num += add;
                add -= c;
                add += v;
                num += v;
                *o = num * factor;
            }
        } else {
            for (((o, &v), &t), &c) in it {
                num -= sub;
                sub -= t;
                sub += c;
                add -= c;
                num += add;
                add += v;
                num += v;
                *o = num * factor;
            }
        }
        out.extend_from_slice(&buf[..m]);
        i += m;
    }
}

impl ScalarBatch for KamaCore {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        if self.period == 1 {
            out.extend_from_slice(x);
            return;
        }
        let (head, rest) = split_warm(x, self.lookback());
        let st = warm_up(self, Self::reset, Self::update, head, out);
        if !rest.is_empty() {
            kama_steady(&st, x, head.len(), out);
        }
    }
}

/// KAMA's steady state from bar `start` (bar i: previous x[i-1], leaving x[i-p]).
///
/// Series with at least [`KAMA_GROUP`] steady bars run [`KamaRun::grouped`]; shorter ones
/// the serial loop [`KamaRun::block`], one FMA dispatch per block (which keeps each
/// dispatched closure small enough to be inlined into the FMA frame).
#[inline(always)]
fn kama_steady(st: &KamaCore, x: &[f64], start: usize, out: &mut Vec<f64>) {
    let p = st.period;
    let mut s = KamaRun {
        p,
        sum_roc: st.sum_roc,
        prev: st.prev,
        trailing: st.trailing,
        zeros: st.zeros,
    };
    if x.len() - start >= KAMA_GROUP {
        crate::fma::dispatch(
            #[inline(always)]
            || s.grouped(x, start, out),
        );
        return;
    }
    let mut buf = [0.0; BLOCK];
    let mut i = start;
    while i < x.len() {
        let m = (x.len() - i).min(BLOCK);
        let new = &x[i..i + m];
        let before = &x[i - 1..i - 1 + m];
        let old = &x[i - p..i - p + m];
        crate::fma::dispatch(
            #[inline(always)]
            || s.block(new, before, old, &mut buf),
        );
        out.extend_from_slice(&buf[..m]);
        i += m;
    }
}

/// KAMA's lanes ([`staggered`]): lanes per group. Eight chains of `sub` + `fma` (7 cycles
/// each) keep the core busy.
const KAMA_LANES: usize = 8;
/// Bars per lane: not a power of two, so that the lanes' loads and stores (`8 · 8264`
/// bytes apart) fall in different cache sets.
const KAMA_SPAN: usize = 8264;
/// Warm-up bars of a lane. The slowest smoothing constant `(2/31)²` forgets a guess's
/// error by `0.4 %` per bar; on random walks (and the benchmark series) a guess made from
/// the previous close reaches the true bits within about 600–1,100 bars
/// (`kama_tests::kama_guesses_converge`); a slower one costs a serial redo of its lane.
const KAMA_WARM: usize = 2048;
/// Bars per group of [`KamaRun::grouped`].
const KAMA_GROUP: usize = KAMA_LANES * KAMA_SPAN + KAMA_WARM;
/// Bars per block of the change-sum pass ([`KamaRun::constants`]).
const KAMA_SUM_BLOCK: usize = 256;

/// KAMA's squared smoothing constant from the change sum `sum` and the period change
/// `roc` (the steps of [`KamaCore::step`]).
#[inline(always)]
fn kama_sc2(sum: f64, roc: f64) -> f64 {
    let er = if sum <= 0.0 || roc >= sum {
        1.0
    } else {
        let r = (roc / sum).abs();
        if 1.0 < r { 1.0 } else { r }
    };
    let sc = er.mul_add(KAMA_CONST_DIFF, KAMA_CONST_MAX);
    sc * sc
}

/// [`kama_sc2`] without branches (the ratio computed whether used or not, then selected):
/// the same value for every input, written so that the compiler runs it on vectors.
#[inline(always)]
fn kama_sc2_flat(sum: f64, roc: f64) -> f64 {
    let r = (roc / sum).abs();
    let r = if 1.0 < r { 1.0 } else { r };
    let er = if (sum <= 0.0) | (roc >= sum) { 1.0 } else { r };
    let sc = er.mul_add(KAMA_CONST_DIFF, KAMA_CONST_MAX);
    sc * sc
}

/// KAMA's recursion `prev = fma(x - prev, sc², prev)` over one group of [`KAMA_GROUP`]
/// bars `x` with their squared constants `sc`, from the true `prev` before the first, in
/// [`staggered`] lanes (guess: the previous close), writing the outputs to `out`; returns
/// the last.
#[inline(always)]
fn kama_lanes(prev: f64, x: &[f64], sc: &[f64], out: &mut [f64]) -> f64 {
    staggered::<f64, KAMA_LANES, KAMA_SPAN, KAMA_WARM>(
        prev,
        out,
        #[inline(always)]
        |j| x[j - 1],
        #[inline(always)]
        |k, j| {
            *k = (x[j] - *k).mul_add(sc[j], *k);
            *k
        },
    )
}

/// KAMA's steady-state variables.
struct KamaRun {
    p: usize,
    sum_roc: f64,
    prev: f64,
    trailing: f64,
    zeros: usize,
}

impl KamaRun {
    /// One block: `new[j]`, the bar before it `before[j]` and the one leaving `old[j]`.
    #[inline(always)]
    fn block(&mut self, new: &[f64], before: &[f64], old: &[f64], buf: &mut [f64]) {
        let p = self.p;
        let (mut sum_roc, mut prev, mut trailing, mut zeros) =
            (self.sum_roc, self.prev, self.trailing, self.zeros);
        for (((o, &v), &pv), &ov) in buf.iter_mut().zip(new).zip(before).zip(old) {
            let d = v - pv;
            zeros = if d == 0.0 { zeros + 1 } else { 0 };
            if d == 0.0 && zeros >= p {
                // A flat run covering the whole window (as `update`).
                trailing = ov;
                sum_roc = 0.0;
                prev = (v - prev).mul_add(KAMA_FASTEST_SQ, prev);
                *o = prev;
                continue;
            }
            let period_roc = v - ov;
            sum_roc -= (trailing - ov).abs();
            sum_roc += d.abs();
            trailing = ov;
            let sc = kama_sc2(sum_roc, period_roc);
            prev = (v - prev).mul_add(sc, prev);
            *o = prev;
        }
        (self.sum_roc, self.prev, self.trailing, self.zeros) = (sum_roc, prev, trailing, zeros);
    }

    /// The steady state from bar `start` to the end of `x` (at least [`KAMA_GROUP`] bars),
    /// appending the outputs to `out`, group by group: first the change sum and the
    /// squared constants of the group's bars in order ([`constants`](Self::constants)),
    /// then the recursion over them in lanes ([`kama_lanes`]). The last bars run as a group
    /// ending at the last bar, whose first bars (already computed) come out the same again.
    #[inline(always)]
    fn grouped(&mut self, x: &[f64], start: usize, out: &mut Vec<f64>) {
        let n = x.len();
        let mut sc = vec![0.0; KAMA_GROUP];
        let mut sums = [0.0; KAMA_SUM_BLOCK + 4];
        let mut i = start;
        while n - i >= KAMA_GROUP {
            if !self.prev.is_finite() {
                // NaN (or an infinity turning into NaN) stays in the recursion: no guess
                // would verify, so the serial loop does the rest.
                self.serial_rest(x, i, out);
                return;
            }
            self.constants(x, i, &mut sc, &mut sums);
            let base = out.len();
            out.resize(base + KAMA_GROUP, 0.0);
            self.prev = kama_lanes(self.prev, &x[i..i + KAMA_GROUP], &sc, &mut out[base..]);
            i += KAMA_GROUP;
        }
        let r = n - i;
        if r > 0 && !self.prev.is_finite() {
            self.serial_rest(x, i, out);
        } else if r > 0 && i > start {
            // `sc` holds the constants of bars `i - KAMA_GROUP..i`: keep those of the last
            // group's bars before `i`.
            sc.copy_within(r.., 0);
            self.constants(x, i, &mut sc[KAMA_GROUP - r..], &mut sums);
            out.resize(out.len() + r, 0.0);
            let o = out.len() - KAMA_GROUP;
            // The true state before bar `n - KAMA_GROUP` (a steady bar: `i > start`) is its
            // output.
            let prev = out[o - 1];
            self.prev = kama_lanes(prev, &x[n - KAMA_GROUP..], &sc, &mut out[o..]);
        }
    }

    /// Bars `i..` through [`block`](Self::block), appending the outputs to `out`.
    #[inline(always)]
    fn serial_rest(&mut self, x: &[f64], mut i: usize, out: &mut Vec<f64>) {
        let p = self.p;
        let mut buf = [0.0; BLOCK];
        while i < x.len() {
            let m = (x.len() - i).min(BLOCK);
            self.block(
                &x[i..i + m],
                &x[i - 1..i - 1 + m],
                &x[i - p..i - p + m],
                &mut buf,
            );
            out.extend_from_slice(&buf[..m]);
            i += m;
        }
    }

    /// The squared smoothing constants of bars `i..i + sc.len()` into `sc`, advancing the
    /// change sum, block by block: [`fast_constants`](Self::fast_constants), or when it
    /// cannot vouch for its sums, [`serial_constants`](Self::serial_constants); `sums` is
    /// the former's buffer.
    #[inline(always)]
    fn constants(
        &mut self,
        x: &[f64],
        i: usize,
        sc: &mut [f64],
        sums: &mut [f64; KAMA_SUM_BLOCK + 4],
    ) {
        let p = self.p;
        for (q, c) in sc.chunks_mut(KAMA_SUM_BLOCK).enumerate() {
            let a = i + q * KAMA_SUM_BLOCK;
            let m = c.len();
            let new = &x[a..a + m];
            let before = &x[a - 1..a - 1 + m];
            let old = &x[a - p..a - p + m];
            let trail = &x[a - p - 1..a - p - 1 + m];
            if !self.fast_constants(new, before, old, trail, c, sums) {
                self.serial_constants(new, before, old, c);
            }
        }
    }

    /// [`block`](Self::block)'s change sum and squared constants, written to `sc`.
    #[inline(always)]
    fn serial_constants(&mut self, new: &[f64], before: &[f64], old: &[f64], sc: &mut [f64]) {
        let p = self.p;
        let (mut sum_roc, mut trailing, mut zeros) = (self.sum_roc, self.trailing, self.zeros);
        for (((o, &v), &pv), &ov) in sc.iter_mut().zip(new).zip(before).zip(old) {
            let d = v - pv;
            zeros = if d == 0.0 { zeros + 1 } else { 0 };
            if d == 0.0 && zeros >= p {
                trailing = ov;
                sum_roc = 0.0;
                *o = KAMA_FASTEST_SQ;
                continue;
            }
            let period_roc = v - ov;
            sum_roc -= (trailing - ov).abs();
            sum_roc += d.abs();
            trailing = ov;
            *o = kama_sc2(sum_roc, period_roc);
        }
        (self.sum_roc, self.trailing, self.zeros) = (sum_roc, trailing, zeros);
    }

    /// [`serial_constants`](Self::serial_constants) over at most [`KAMA_SUM_BLOCK`] bars
    /// without its serial chain `sum = (sum - leaving) + entering` (two dependent adds per
    /// bar): one loop that the compiler vectorizes, four bars per vector.
    ///
    /// * **Candidates**: the sum after bar `j` is taken as the one after bar `j - 4` plus
    ///   the last four changes `entering - leaving` (`sums[j + 4]`; `sums[0..4]` hold the
    ///   true sum before the block, the changes before it count as 0). That rounds like the
    ///   serial chain whenever every change and sum is a multiple of a common unit and
    ///   small enough for it (prices: the changes are exact differences of nearby values),
    ///   so on such series every candidate is the serial sum.
    /// * **Verification**: every bar's candidate must equal, bit for bit, the serial step
    ///   `(previous - leaving) + entering` taken from the previous bar's candidate (the
    ///   first from the true sum): by induction the candidates are then the serial sums,
    ///   whatever the series. The squared constants follow from them.
    /// * A flat bar (its change exactly 0) or a failed check runs the checks again one bar
    ///   at a time, counting the flat run: `false` (the state left as it was) when a check
    ///   fails or a flat run covers the window (the sum's restart), which the caller then
    ///   runs through [`serial_constants`](Self::serial_constants).
    ///
    /// `trail[j]` is the bar before `old[j]` (`trailing` for the first).
    #[inline(always)]
    #[allow(clippy::needless_range_loop, reason = "one index over six arrays")]
    fn fast_constants(
        &mut self,
        new: &[f64],
        before: &[f64],
        old: &[f64],
        trail: &[f64],
        sc: &mut [f64],
        sums: &mut [f64; KAMA_SUM_BLOCK + 4],
    ) -> bool {
        let m = sc.len();
        if m == 0 || m > KAMA_SUM_BLOCK {
            return false;
        }
        let (Some(new), Some(before), Some(old), Some(trail)) =
            (new.get(..m), before.get(..m), old.get(..m), trail.get(..m))
        else {
            return false;
        };
        if trail[0].to_bits() != self.trailing.to_bits() {
            return false;
        }
        let sum = &mut sums[..m + 4];
        sum[..4].fill(self.sum_roc);
        let mut bad = 0u64;
        let (mut c1, mut p1, mut p2) = (0.0, 0.0, 0.0);
        let mut prev = self.sum_roc;
        for j in 0..m {
            let v = new[j];
            let ov = old[j];
            let d = v - before[j];
            let a = d.abs();
            let l = (trail[j] - ov).abs();
            let c = a - l;
            let pair = c1 + c;
            let w = p2 + pair;
            c1 = c;
            p2 = p1;
            p1 = pair;
            let s = sum[j] + w;
            sum[j + 4] = s;
            bad |= (((prev - l) + a).to_bits() ^ s.to_bits()) | u64::from(d == 0.0);
            prev = s;
            sc[j] = kama_sc2_flat(s, v - ov);
        }
        let mut zeros = 0;
        if bad != 0 {
            // A failed check or a flat bar: the checks again one bar at a time, with the
            // flat runs counted.
            let mut z = self.zeros;
            let mut s0 = self.sum_roc;
            for j in 0..m {
                let d = new[j] - before[j];
                z = if d == 0.0 { z + 1 } else { 0 };
                let s1 = sum[j + 4];
                if z >= self.p
                    || ((s0 - (trail[j] - old[j]).abs()) + d.abs()).to_bits() != s1.to_bits()
                {
                    return false;
                }
                s0 = s1;
            }
            zeros = z;
        }
        self.sum_roc = prev;
        self.trailing = old[m - 1];
        self.zeros = zeros;
        true
    }
}

impl ScalarBatch for T3Core {
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        if self.period == 1 {
            out.extend_from_slice(x);
            return;
        }
        let (head, rest) = split_warm(x, self.lookback());
        let st = warm_up(self, Self::reset, Self::update, head, out);
        if !rest.is_empty() {
            let chain = T3Chain {
                x: rest,
                k: st.k,
                c: st.c,
            };
            let s0 = st.stages.each_ref().map(|s| s.e);
            segmented_into(&chain, s0, rest.len(), chain.warm(), out);
        }
    }
}

/// T3's steady state (its six EMAs) as a [`Chain`].
struct T3Chain<'a> {
    x: &'a [f64],
    /// `k` and `1 - k`.
    k: [f64; 2],
    /// The output coefficients `c1..c4`.
    c: [f64; 4],
}

impl T3Chain<'_> {
    /// One bar on one lane: the fused steps of `update` (TA-Lib 0.8.1's `TA_T3.fma`).
    #[inline(always)]
    fn lane(&self, e: &mut [f64; 6], v: f64, o: &mut [f64; 1]) {
        let [k, omk] = self.k;
        let [c1, c2, c3, c4] = self.c;
        e[0] = e[0].mul_add(omk, k * v);
        e[1] = e[1].mul_add(omk, k * e[0]);
        e[2] = e[2].mul_add(omk, k * e[1]);
        e[3] = e[3].mul_add(omk, k * e[2]);
        e[4] = e[4].mul_add(omk, k * e[3]);
        e[5] = e[5].mul_add(omk, k * e[4]);
        o[0] = c4.mul_add(e[2], c3.mul_add(e[3], c1.mul_add(e[5], c2 * e[4])));
    }
}

impl T3Chain<'_> {
    /// [`segmented`](crate::lanes::segmented)'s `warm` for this chain.
    fn warm(&self) -> usize {
        cascade_warm(self.k[0], 6)
    }
}

impl Chain for T3Chain<'_> {
    type State = [f64; 6];
    const WIDTH: usize = 1;
    #[inline(always)]
    fn guess(&self, j: usize) -> [f64; 6] {
        [self.x[j - 1]; 6]
    }
    #[inline(always)]
    fn step(&self, s: &mut [f64; 6], i: usize, out: &mut [f64]) {
        let mut o = [0.0];
        self.lane(s, self.x[i], &mut o);
        out[0] = o[0];
    }
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [[f64; 6]; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        // `lane`'s operations, each applied to the four lanes before the next one, which
        // the compiler runs as vector instructions (written out here: the same steps as a
        // generic `lane` over `N` lanes were compiled to far slower shuffles).
        let [k, omk] = self.k;
        let [c1, c2, c3, c4] = self.c;
        lockstep_soa::<6, 1>(self.x, st, starts, len, outs, |e, v, o| {
            let kv: [f64; LANES] = std::array::from_fn(|l| k * v[l]);
            for l in 0..LANES {
                e[0][l] = e[0][l].mul_add(omk, kv[l]);
            }
            for j in 1..6 {
                let kp: [f64; LANES] = std::array::from_fn(|l| k * e[j - 1][l]);
                for l in 0..LANES {
                    e[j][l] = e[j][l].mul_add(omk, kp[l]);
                }
            }
            let t: [f64; LANES] = std::array::from_fn(|l| c2 * e[4][l]);
            for l in 0..LANES {
                o[0][l] = c4.mul_add(e[2][l], c3.mul_add(e[3][l], c1.mul_add(e[5][l], t[l])));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{
        DemaCore, EmaCascade, EmaChain, EmaCore, KamaCore, ScalarBatch, SmaCore, T3Chain, T3Core,
        TemaCore, TrimaCore, WmaCore, cascade_warm, dema_of, ema_warm, fp, tema_of,
    };
    use crate::fma::{Fused, Hw, Plain};
    use crate::lanes::{guess_bars, walk};

    /// The warm-ups of the EMA chains are long enough for their guesses to reach the true
    /// state's bits on random walks (a warm-up too short costs a serial redo, not bits).
    #[test]
    #[allow(clippy::print_stderr, reason = "the measured margins, for tuning")]
    fn guesses_converge_within_the_warm_ups() {
        let walks = [walk(100_000, 21), walk(100_000, 22)];
        for p in [2usize, 5, 14, 30, 100, 400] {
            let k = 2.0 / fp(p + 1);
            let core = T3Core::new(p, 0.7);
            let mut most = [0; 4];
            for x in &walks {
                let n = x.len();
                let bars = [
                    guess_bars("EMA", &EmaChain { x, k }, x[0], n),
                    guess_bars(
                        "DEMA",
                        &EmaCascade {
                            x,
                            k: [k; 2],
                            emit: dema_of,
                        },
                        [x[0]; 2],
                        n,
                    ),
                    guess_bars(
                        "TEMA",
                        &EmaCascade {
                            x,
                            k: [k; 3],
                            emit: tema_of,
                        },
                        [x[0]; 3],
                        n,
                    ),
                    guess_bars(
                        "T3",
                        &T3Chain {
                            x,
                            k: core.k,
                            c: core.c,
                        },
                        [x[0]; 6],
                        n,
                    ),
                ];
                for (m, b) in most.iter_mut().zip(bars) {
                    *m = (*m).max(b);
                }
            }
            let warm = [
                ema_warm(k),
                cascade_warm(k, 2),
                cascade_warm(k, 3),
                cascade_warm(k, 6),
            ];
            eprintln!("period {p}: bars to converge {most:?}, warm-ups {warm:?}");
            for (m, w) in most.iter().zip(warm) {
                assert!(*m <= w, "period {p}: {most:?} > {warm:?}");
            }
        }
    }

    /// A walk with flat runs, signed zeros, a NaN and an infinity late in the series.
    fn data() -> Vec<f64> {
        let mut z = 7u64;
        let mut p = 10.0;
        (0..3000)
            .map(|i| {
                z = z
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                #[allow(clippy::cast_precision_loss)]
                let u = (z >> 11) as f64 / (1u64 << 53) as f64;
                match i {
                    2500 => f64::NAN,
                    2800 => f64::INFINITY,
                    _ if (i / 10) % 4 == 1 => p,
                    _ if i % 50 == 7 => -0.0,
                    _ => {
                        p += u - 0.5;
                        p
                    }
                }
            })
            .collect()
    }

    fn same(a: &[Option<f64>], b: &[Option<f64>]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| match (x, y) {
                (Some(x), Some(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                (None, None) => true,
                _ => false,
            })
    }

    /// Folds `step` with `f` over the data from `core`.
    fn fold<C: Clone, F: Fused>(
        core: &C,
        f: F,
        step: impl Fn(&mut C, F, f64) -> Option<f64>,
    ) -> Vec<Option<f64>> {
        let mut c = core.clone();
        data().into_iter().map(|x| step(&mut c, f, x)).collect()
    }

    /// The fused steps give the same bits with the `vfmadd` instance and with `mul_add`
    /// (the whole `update_with`, warm-up and steady state), and `update` equals both.
    #[test]
    fn hw_and_plain_updates_agree() {
        macro_rules! check {
            ($core:expr) => {{
                let core = $core;
                let plain = fold(&core, Plain, |c, f, x| c.update_with(f, x));
                let mut u = core.clone();
                let upd: Vec<_> = data().into_iter().map(|x| u.update(x)).collect();
                assert!(same(&plain, &upd), "{core:?}: update");
                if let Some(h) = Hw::detect() {
                    let hw = fold(&core, h, |c, f, x| c.update_with(f, x));
                    assert!(same(&plain, &hw), "{core:?}: hw");
                }
            }};
        }
        for p in [1, 2, 3, 5, 30] {
            check!(EmaCore::new(p));
            check!(DemaCore::new(p));
            check!(TemaCore::new(p));
            check!(KamaCore::new(p));
            check!(T3Core::new(p, 0.7));
            check!(T3Core::new(p, 0.3));
        }
    }

    /// The streaming fold equals each kernel, period by period (the cores without fused
    /// steps included: their steady branch is separate code too).
    #[test]
    fn update_folds_equal_the_kernels() {
        macro_rules! check {
            ($core:expr) => {{
                let core = $core;
                let x = data();
                let mut u = core.clone();
                let upd: Vec<_> = x.iter().map(|&v| u.update(v)).collect();
                let mut b = Vec::new();
                core.batch(&x, &mut b);
                let b: Vec<_> = b.into_iter().zip(&upd).map(|(v, o)| o.map(|_| v)).collect();
                assert!(same(&upd, &b), "{core:?}");
            }};
        }
        for p in [1, 2, 3, 4, 5, 30] {
            check!(SmaCore::new(p));
            check!(WmaCore::new(p));
            check!(TrimaCore::new(p));
            check!(EmaCore::new(p));
            check!(DemaCore::new(p));
            check!(TemaCore::new(p));
            check!(KamaCore::new(p));
            check!(T3Core::new(p, 0.7));
        }
    }
}

#[cfg(test)]
mod kama_tests {
    use super::{KAMA_GROUP, KAMA_SUM_BLOCK, KAMA_WARM, KamaCore, KamaRun, ScalarBatch};
    use crate::lanes::{Chain, walk, warm_suffices};

    /// KAMA's recursion over given squared constants, as a [`Chain`] for the convergence
    /// helpers (guess: the previous close, as `kama_lanes`).
    struct KamaRec<'a> {
        x: &'a [f64],
        sc: &'a [f64],
    }

    impl Chain for KamaRec<'_> {
        type State = f64;
        const WIDTH: usize = 1;
        fn guess(&self, j: usize) -> f64 {
            self.x[j - 1]
        }
        fn step(&self, s: &mut f64, i: usize, out: &mut [f64]) {
            *s = (self.x[i] - *s).mul_add(self.sc[i], *s);
            out[0] = *s;
        }
    }

    /// A fresh steady state for period `p` at bar `p + 1` of `x` (from folding `update`).
    fn run_at(p: usize, x: &[f64]) -> KamaRun {
        let mut c = KamaCore::new(p);
        for &v in &x[..=p] {
            c.update(v);
        }
        KamaRun {
            p,
            sum_roc: c.sum_roc,
            prev: c.prev,
            trailing: c.trailing,
            zeros: c.zeros,
        }
    }

    /// The squared constants of bars `p + 1..` through `constants` (the fast pass with its
    /// serial fallback) and through `serial_constants` alone: the same bits and the same
    /// final state. Returns how many blocks the fast pass vouched for.
    fn constants_agree(p: usize, x: &[f64], what: &str) -> usize {
        let start = p + 1;
        let n = x.len() - start;
        let mut fast = run_at(p, x);
        let mut slow = run_at(p, x);
        let mut a = vec![0.0; n];
        let mut b = vec![0.0; n];
        let mut sums = [0.0; KAMA_SUM_BLOCK + 4];
        crate::fma::dispatch(|| fast.constants(x, start, &mut a, &mut sums));
        crate::fma::dispatch(|| {
            slow.serial_constants(
                &x[start..],
                &x[start - 1..x.len() - 1],
                &x[1..x.len() - p],
                &mut b,
            );
        });
        for (i, (u, v)) in a.iter().zip(&b).enumerate() {
            assert_eq!(u.to_bits(), v.to_bits(), "{what}: p={p} bar {}", i + start);
        }
        assert_eq!(fast.sum_roc.to_bits(), slow.sum_roc.to_bits(), "{what}");
        assert_eq!(fast.trailing.to_bits(), slow.trailing.to_bits(), "{what}");
        assert_eq!(fast.zeros, slow.zeros, "{what}");
        // Count the blocks the fast pass accepts on its own.
        let mut s = run_at(p, x);
        let mut ok = 0;
        for (q, c) in a.chunks_mut(KAMA_SUM_BLOCK).enumerate() {
            let i = start + q * KAMA_SUM_BLOCK;
            let m = c.len();
            let (new, before) = (&x[i..i + m], &x[i - 1..i - 1 + m]);
            let (old, trail) = (&x[i - p..i - p + m], &x[i - p - 1..i - p - 1 + m]);
            if s.fast_constants(new, before, old, trail, c, &mut sums) {
                ok += 1;
            } else {
                s.serial_constants(new, before, old, c);
            }
        }
        ok
    }

    #[test]
    fn fast_constants_equal_the_serial_ones_on_damaged_series() {
        let n = 20_000;
        for p in [2usize, 3, 10, 30, 200] {
            let clean = walk(n, 21);
            let blocks = (n - p - 1).div_ceil(KAMA_SUM_BLOCK);
            // A random walk: every block verifies while the change sum stays well below the
            // price (over 200 bars of ±0.5% it nears it and some sums round).
            let ok = constants_agree(p, &clean, "walk");
            if p <= 30 {
                assert_eq!(ok, blocks, "p={p}");
            } else {
                assert!(2 * ok > blocks, "p={p}: {ok} of {blocks}");
            }
            let mut damaged: Vec<(&str, Vec<f64>)> = Vec::new();
            for (what, v) in [
                ("nan", f64::NAN),
                ("inf", f64::INFINITY),
                ("-inf", f64::NEG_INFINITY),
                ("huge", 1e300),
                ("spike", 1e9),
                ("zero", 0.0),
            ] {
                let mut x = clean.clone();
                x[5_000] = v;
                damaged.push((what, x));
            }
            // Flat runs: shorter than, as long as and longer than the window, and prices
            // on a coarse grid (many exactly zero changes).
            let mut x = clean.clone();
            for (at, len) in [
                (3_000usize, p.saturating_sub(1).max(1)),
                (6_000, p),
                (9_000, p + 1),
                (12_000, 3 * p + 7),
            ] {
                let v = x[at];
                x[at..at + len].iter_mut().for_each(|c| *c = v);
            }
            damaged.push(("flat runs", x));
            damaged.push((
                "grid",
                clean.iter().map(|v| (v * 4.0).round() / 4.0).collect(),
            ));
            // A level shift and a series with changes that round in the sum.
            damaged.push((
                "shift",
                clean
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if i > 8_000 { v * 1e4 } else { *v })
                    .collect(),
            ));
            damaged.push((
                "mixed scales",
                clean
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * if i % 7 == 0 { 1e6 } else { 1.0 })
                    .collect(),
            ));
            for (what, x) in &damaged {
                constants_agree(p, x, what);
            }
        }
    }

    /// On random walks a guess made from the previous close reaches the true KAMA's bits
    /// within `KAMA_WARM` bars (the lanes' warm-up).
    #[test]
    fn kama_guesses_converge() {
        for (p, seed) in [(10usize, 31u64), (30, 32), (60, 33)] {
            let x = walk(150_000, seed);
            let start = p + 1;
            let mut run = run_at(p, &x);
            let mut sc = vec![0.0; x.len()];
            crate::fma::dispatch(|| {
                run.serial_constants(
                    &x[start..],
                    &x[start - 1..x.len() - 1],
                    &x[1..x.len() - p],
                    &mut sc[start..],
                );
            });
            let c = KamaRec { x: &x, sc: &sc };
            assert!(warm_suffices(&c, x[start], x.len(), KAMA_WARM), "p={p}");
        }
    }

    /// The batch kernel (with its groups of lanes and the last, overlapping group) equals
    /// folding `update`, on series of one group, one group plus one bar and several groups.
    #[test]
    fn kama_groups_equal_the_fold() {
        for (p, n) in [
            (30usize, KAMA_GROUP + 31),
            (30, KAMA_GROUP + 32),
            (7, 3 * KAMA_GROUP + 5_000),
            (2, 2 * KAMA_GROUP + 9),
        ] {
            let mut x = walk(n, 40 + p as u64);
            x[n / 2] = f64::NAN;
            let core = KamaCore::new(p);
            let mut got = Vec::new();
            core.batch(&x, &mut got);
            let mut f = KamaCore::new(p);
            for (i, (&v, g)) in x.iter().zip(&got).enumerate() {
                let want = f.update(v).unwrap_or(f64::NAN);
                assert!(
                    want.to_bits() == g.to_bits() || (want.is_nan() && g.is_nan()),
                    "p={p} n={n} bar {i}"
                );
            }
        }
    }
}
