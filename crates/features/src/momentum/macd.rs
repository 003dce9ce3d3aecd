//! Moving-average oscillators: MACD, MACDFIX, MACDEXT, APO, PPO, TRIX.
//!
//! MACD, MACDFIX and TRIX carry their own EMA recursions, as TA-Lib's C does: MACD seeds
//! the fast EMA over the *tail* of the slow EMA's seed window (so `MACD != EMA12 − EMA26`
//! early on), and TA-Lib 0.8.1 evaluates each step `(x − prev)·k + prev` as one fused
//! multiply-add. APO, PPO and MACDEXT use the shared MA cores of [`crate::overlap`].

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{MAX_PERIOD, check_period, is_zero_strict};
use crate::error::Result;
use crate::fma::Fused;
use crate::indicator::{Columns, Indicator, PriceField};
use crate::lanes::{Chain, segmented_into};
use crate::overlap::ma::{BLOCK, EmaCascade, MaCore, cascade_warm, ema_pair_batch};
use crate::params::MaType;

crate::indicator_output! {
    /// MACD-style outputs, named as TA-Lib's abstract API.
    pub struct MacdOutput {
        /// Fast MA − slow MA.
        macd,
        /// MA of `macd`.
        macdsignal,
        /// `macd − macdsignal`.
        macdhist,
    }
}

/// TA-Lib's MACD recursion (shared by MACD and MACDFIX).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MacdCore {
    fast: usize,
    slow: usize,
    signal: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    fast_k: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    slow_k: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    signal_k: f64,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    fast_sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    slow_sum: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_fast: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_slow: f64,
    sig_n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_signal: f64,
}

impl MacdCore {
    /// `fast <= slow` already ordered.
    #[inline]
    fn new(fast: usize, slow: usize, signal: usize, fast_k: f64, slow_k: f64) -> Self {
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let signal_k = 2.0 / (signal + 1) as f64;
        Self {
            fast,
            slow,
            signal,
            fast_k,
            slow_k,
            signal_k,
            n: 0,
            fast_sum: 0.0,
            slow_sum: 0.0,
            prev_fast: 0.0,
            prev_slow: 0.0,
            sig_n: 0,
            prev_signal: 0.0,
        }
    }

    fn lookback(&self) -> usize {
        (self.slow - 1) + (self.signal - 1)
    }

    crate::overlap::ma::fused_core!(MacdOutput, Self::new(0, 0, 0, 0.0, 0.0));

    /// [`update`](Self::update) with the fused steps `f` (TA-Lib's EMA step
    /// `fma(x - prev, k, prev)`).
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<MacdOutput> {
        if self.sig_n >= self.signal {
            // Steady state: the signal is seeded, hence both price EMAs (`n >= slow`); the
            // three EMA steps below, same operations.
            self.n = self.n.saturating_add(1);
            self.prev_fast = f.mul_add(x - self.prev_fast, self.fast_k, self.prev_fast);
            self.prev_slow = f.mul_add(x - self.prev_slow, self.slow_k, self.prev_slow);
            let macd = self.prev_fast - self.prev_slow;
            self.prev_signal = f.mul_add(macd - self.prev_signal, self.signal_k, self.prev_signal);
            return Some(MacdOutput {
                macd,
                macdsignal: self.prev_signal,
                macdhist: macd - self.prev_signal,
            });
        }
        let n = self.n;
        self.n = n.saturating_add(1);
        if n < self.slow {
            self.slow_sum += x;
            if n >= self.slow - self.fast {
                self.fast_sum += x;
            }
            if n + 1 < self.slow {
                return None;
            }
            #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
            {
                self.prev_slow = self.slow_sum / self.slow as f64;
                self.prev_fast = self.fast_sum / self.fast as f64;
            }
        } else {
            self.prev_fast = f.mul_add(x - self.prev_fast, self.fast_k, self.prev_fast);
            self.prev_slow = f.mul_add(x - self.prev_slow, self.slow_k, self.prev_slow);
        }
        let macd = self.prev_fast - self.prev_slow;
        if self.sig_n < self.signal {
            self.prev_signal += macd;
            self.sig_n += 1;
            if self.sig_n < self.signal {
                return None;
            }
            #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
            {
                self.prev_signal /= self.signal as f64;
            }
        } else {
            self.prev_signal = f.mul_add(macd - self.prev_signal, self.signal_k, self.prev_signal);
        }
        Some(MacdOutput {
            macd,
            macdsignal: self.prev_signal,
            macdhist: macd - self.prev_signal,
        })
    }

    #[inline]
    fn reset(&mut self) {
        *self = Self::new(self.fast, self.slow, self.signal, self.fast_k, self.slow_k);
    }

    /// Batch kernel: the fold of [`update`](Self::update) over the warm-up (`lookback + 1`
    /// bars), then the three EMA recursions as a [`MacdChain`] run by speculative lanes
    /// ([`segmented_into`]); rows `macd, macdsignal, macdhist`.
    fn batch(&self, x: &[f64], out: &mut Vec<f64>) {
        let m = self.lookback().saturating_add(1).min(x.len());
        let (head, rest) = x.split_at(m);
        let mut st = self.clone();
        st.reset();
        for &v in head {
            match st.update(v) {
                Some(o) => out.extend_from_slice(&[o.macd, o.macdsignal, o.macdhist]),
                None => out.extend_from_slice(&[f64::NAN; 3]),
            }
        }
        if !rest.is_empty() {
            let chain = MacdChain {
                x: rest,
                k: [st.fast_k, st.slow_k, st.signal_k],
            };
            let s0 = [st.prev_fast, st.prev_slow, st.prev_signal];
            segmented_into(&chain, s0, rest.len(), chain.warm(), out);
        }
    }
}

/// MACD's steady state (every stage seeded) as a [`Chain`]: state (fast EMA, slow EMA,
/// signal EMA), one row `macd, macdsignal, macdhist` per bar.
struct MacdChain<'a> {
    x: &'a [f64],
    /// The fast, slow and signal smoothing factors.
    k: [f64; 3],
}

impl MacdChain<'_> {
    /// `segmented`'s `warm`: the signal EMA is fed the price EMAs, a cascade of two.
    fn warm(&self) -> usize {
        let [fk, sk, gk] = self.k;
        cascade_warm(fk.min(sk).min(gk), 2)
    }
}

impl Chain for MacdChain<'_> {
    type State = [f64; 3];
    const WIDTH: usize = 3;
    /// Both price EMAs at the previous input, the signal (an EMA of their difference) 0.
    #[inline(always)]
    fn guess(&self, j: usize) -> [f64; 3] {
        let v = self.x[j - 1];
        [v, v, 0.0]
    }
    /// `update`'s steady state (TA-Lib's EMA step `fma(x - prev, k, prev)`, spelled out so
    /// it is surely compiled in the FMA frame).
    #[inline(always)]
    fn step(&self, s: &mut [f64; 3], i: usize, out: &mut [f64]) {
        let v = self.x[i];
        let [fk, sk, gk] = self.k;
        s[0] = (v - s[0]).mul_add(fk, s[0]);
        s[1] = (v - s[1]).mul_add(sk, s[1]);
        let macd = s[0] - s[1];
        s[2] = (macd - s[2]).mul_add(gk, s[2]);
        out[0] = macd;
        out[1] = s[2];
        out[2] = macd - s[2];
    }
}

/// MACD (TA-Lib `MACD`): EMA(fast) − EMA(slow), its EMA(signal) and the histogram.
/// Periods are swapped when `slowperiod < fastperiod`. Lookback
/// `slowperiod − 1 + signalperiod − 1` (33 for the defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Macd {
    price: PriceField,
    core: MacdCore,
}

impl Macd {
    /// MACD with `fastperiod`, `slowperiod` (2..=100000) and `signalperiod` (1..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range.
    pub fn new(fastperiod: usize, slowperiod: usize, signalperiod: usize) -> Result<Self> {
        check_period("MACD", "fastperiod", fastperiod, 2, MAX_PERIOD)?;
        check_period("MACD", "slowperiod", slowperiod, 2, MAX_PERIOD)?;
        check_period("MACD", "signalperiod", signalperiod, 1, MAX_PERIOD)?;
        let (fast, slow) = if slowperiod < fastperiod {
            (slowperiod, fastperiod)
        } else {
            (fastperiod, slowperiod)
        };
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let (fk, sk) = (2.0 / (fast + 1) as f64, 2.0 / (slow + 1) as f64);
        Ok(Self {
            price: PriceField::Close,
            core: MacdCore::new(fast, slow, signalperiod, fk, sk),
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Macd {
    type Output = MacdOutput;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<MacdOutput> {
        self.core.update(self.price.get(bar))
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.core.batch(cols.field(self.price), out);
    }
}

/// MACDFIX (TA-Lib `MACDFIX`): MACD 12/26 with TA-Lib's fixed smoothing factors 0.15 and
/// 0.075 (not `2/(n+1)`). Lookback `25 + signalperiod − 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacdFix {
    price: PriceField,
    core: MacdCore,
}

impl MacdFix {
    /// MACDFIX with `signalperiod` (1..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `signalperiod` is out of range.
    pub fn new(signalperiod: usize) -> Result<Self> {
        check_period("MACDFIX", "signalperiod", signalperiod, 1, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            core: MacdCore::new(12, 26, signalperiod, 0.15, 0.075),
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for MacdFix {
    type Output = MacdOutput;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<MacdOutput> {
        self.core.update(self.price.get(bar))
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.core.batch(cols.field(self.price), out);
    }
}

/// MACDEXT (TA-Lib `MACDEXT`): MACD with a TA-Lib MA type for each of the three averages.
///
/// As in TA-Lib, both price MAs start at bar `largest lookback − own lookback`, so all of
/// them produce their first value on the same bar. Lookback
/// `max(lookback(fast), lookback(slow)) + lookback(signal)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacdExt {
    price: PriceField,
    params: (usize, MaType, usize, MaType, usize, MaType),
    fast: MaCore,
    slow: MaCore,
    signal: MaCore,
    largest: usize,
    n: usize,
}

impl MacdExt {
    /// MACDEXT with `fastperiod`, `slowperiod` (2..=100000), `signalperiod` (1..=100000) and
    /// their MA types.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(
        fastperiod: usize,
        fastmatype: MaType,
        slowperiod: usize,
        slowmatype: MaType,
        signalperiod: usize,
        signalmatype: MaType,
    ) -> Result<Self> {
        check_period("MACDEXT", "fastperiod", fastperiod, 2, MAX_PERIOD)?;
        check_period("MACDEXT", "slowperiod", slowperiod, 2, MAX_PERIOD)?;
        check_period("MACDEXT", "signalperiod", signalperiod, 1, MAX_PERIOD)?;
        let params = (
            fastperiod,
            fastmatype,
            slowperiod,
            slowmatype,
            signalperiod,
            signalmatype,
        );
        let ((fp, ft), (sp, st)) = if slowperiod < fastperiod {
            ((slowperiod, slowmatype), (fastperiod, fastmatype))
        } else {
            ((fastperiod, fastmatype), (slowperiod, slowmatype))
        };
        let fast = MaCore::new(ft, fp)?;
        let slow = MaCore::new(st, sp)?;
        let signal = MaCore::new(signalmatype, signalperiod)?;
        let largest = fast.lookback().max(slow.lookback());
        Ok(Self {
            price: PriceField::Close,
            params,
            fast,
            slow,
            signal,
            largest,
            n: 0,
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for MacdExt {
    type Output = MacdOutput;
    fn lookback(&self) -> usize {
        self.largest + self.signal.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<MacdOutput> {
        let x = self.price.get(bar);
        let n = self.n;
        self.n = n.saturating_add(1);
        if n >= self.largest {
            // Both price MAs have started (the branch below with both conditions true).
            if let (MaCore::Ema(f), MaCore::Ema(s), MaCore::Ema(g)) =
                (&mut self.fast, &mut self.slow, &mut self.signal)
            {
                // The default types, without `MaCore::update`'s dispatch.
                let (f, s) = (f.update(x), s.update(x));
                let macd = f? - s?;
                let sig = g.update(macd)?;
                return Some(MacdOutput {
                    macd,
                    macdsignal: sig,
                    macdhist: macd - sig,
                });
            }
            let (f, s) = (self.fast.update(x), self.slow.update(x));
            let macd = f? - s?;
            let sig = self.signal.update(macd)?;
            return Some(MacdOutput {
                macd,
                macdsignal: sig,
                macdhist: macd - sig,
            });
        }
        let f = if n + self.fast.lookback() >= self.largest {
            self.fast.update(x)
        } else {
            None
        };
        let s = if n + self.slow.lookback() >= self.largest {
            self.slow.update(x)
        } else {
            None
        };
        let (f, s) = (f?, s?);
        let macd = f - s;
        let sig = self.signal.update(macd)?;
        Some(MacdOutput {
            macd,
            macdsignal: sig,
            macdhist: macd - sig,
        })
    }
    #[inline]
    fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
        self.signal.reset();
        self.n = 0;
    }
    /// The MA kernels: each price MA over the input from its start bar, the signal MA over
    /// the `macd` line from the first bar where both exist.
    ///
    /// Two scratch lines of `n` values and every output written once, front to back.
    ///
    /// With an SMA or EMA signal (or period 1), the price lines go to `a` and `b` and one
    /// pass computes `macd`, steps the signal's streaming `update` (inlined, state in
    /// registers; the fold the kernels equal) and appends the rows. Otherwise the fast
    /// line goes to `a`, the slow one to `out`'s reserved tail (pages `out` needs anyway),
    /// `macd` replaces the fast line in place, the signal kernel writes `b`, and the rows
    /// are appended block by block.
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let x = cols.field(self.price);
        let n = x.len();
        let largest = self.largest;
        if n <= largest {
            out.extend(std::iter::repeat_n(f64::NAN, 3 * n));
            return;
        }
        if let (MaCore::Ema(f), MaCore::Ema(s), MaCore::Ema(g)) =
            (&self.fast, &self.slow, &self.signal)
        {
            // Three EMAs (signal period >= 2) are MACD's recursion exactly: the fast EMA is
            // seeded over the tail of the slow one's seed window (both start so that they
            // first output on bar `largest`), every EMA with the SMA of its first inputs
            // and `k = 2 / (period + 1)`, the same fused steps in the same order. MACD's
            // kernel runs the three in one loop.
            MacdCore::new(f.period(), s.period(), g.period(), f.k(), s.k()).batch(x, out);
            return;
        }
        let (fl, sl) = (self.fast.lookback(), self.slow.lookback());
        // Bars `largest..n` have both lines; `m` of them.
        let m = n - largest;
        let base = out.len();
        out.reserve(3 * n);
        let mut a = Vec::with_capacity(m + fl);
        self.fast.batch(&x[largest - fl..], &mut a);
        if matches!(
            self.signal,
            MaCore::Sma(_) | MaCore::Ema(_) | MaCore::Identity
        ) {
            let mut b = Vec::with_capacity(m + sl);
            self.slow.batch(&x[largest - sl..], &mut b);
            out.extend(std::iter::repeat_n(f64::NAN, 3 * largest));
            let (f, s) = (&a[fl..], &b[sl..]);
            match &self.signal {
                MaCore::Sma(c) => {
                    let mut c = c.clone();
                    c.reset();
                    macdext_rows(f, s, out, |v| c.update(v));
                }
                MaCore::Ema(c) => {
                    let mut c = c.clone();
                    c.reset();
                    macdext_rows(f, s, out, |v| c.update(v));
                }
                _ => macdext_rows(f, s, out, Some),
            }
            return;
        }
        self.slow.batch(&x[largest - sl..], out);
        for (f, &s) in a[fl..].iter_mut().zip(&out[base + sl..]) {
            *f -= s;
        }
        out.truncate(base);
        let macd = &a[fl..fl + m];
        let mut b = Vec::with_capacity(m);
        self.signal.batch(macd, &mut b);
        let first = self.signal.lookback().min(m);
        out.extend(std::iter::repeat_n(f64::NAN, 3 * (largest + first)));
        let mut buf = [0.0; 3 * BLOCK];
        for (mc, gc) in macd[first..].chunks(BLOCK).zip(b[first..].chunks(BLOCK)) {
            let rows = &mut buf[..3 * mc.len()];
            for ((r, &mv), &g) in rows.chunks_exact_mut(3).zip(mc).zip(gc) {
                r[0] = mv;
                r[1] = g;
                r[2] = mv - g;
            }
            out.extend_from_slice(rows);
        }
    }
}

/// MACDEXT's rows from the two price lines (same bars): `macd = fast - slow`, the signal
/// from `signal`'s streaming step (`None`: a NaN row), through a stack block per
/// [`BLOCK`] rows.
#[inline(always)]
fn macdext_rows(
    fast: &[f64],
    slow: &[f64],
    out: &mut Vec<f64>,
    mut signal: impl FnMut(f64) -> Option<f64>,
) {
    let mut buf = [0.0; 3 * BLOCK];
    for (fc, sc) in fast.chunks(BLOCK).zip(slow.chunks(BLOCK)) {
        let rows = &mut buf[..3 * fc.len()];
        for ((r, &f), &s) in rows.chunks_exact_mut(3).zip(fc).zip(sc) {
            let macd = f - s;
            if let Some(g) = signal(macd) {
                r[0] = macd;
                r[1] = g;
                r[2] = macd - g;
            } else {
                r.fill(f64::NAN);
            }
        }
        out.extend_from_slice(rows);
    }
}

/// APO and PPO's shared core: two MAs of one type, fast and slow (swapped if needed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PoCore {
    fast: MaCore,
    slow: MaCore,
}

impl PoCore {
    #[inline]
    fn new(func: &str, fastperiod: usize, slowperiod: usize, matype: MaType) -> Result<Self> {
        check_period(func, "fastperiod", fastperiod, 2, MAX_PERIOD)?;
        check_period(func, "slowperiod", slowperiod, 2, MAX_PERIOD)?;
        let (f, s) = if slowperiod < fastperiod {
            (slowperiod, fastperiod)
        } else {
            (fastperiod, slowperiod)
        };
        Ok(Self {
            fast: MaCore::new(matype, f)?,
            slow: MaCore::new(matype, s)?,
        })
    }

    #[inline]
    fn update(&mut self, x: f64) -> Option<(f64, f64)> {
        let f = self.fast.update(x);
        let s = self.slow.update(x);
        Some((f?, s?))
    }

    fn lookback(&self) -> usize {
        self.slow.lookback().max(self.fast.lookback())
    }

    #[inline]
    fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
    }

    /// Both MA kernels over `x`, then `g(fast, slow)` on the rows where both exist (two
    /// EMAs: one pass, [`ema_pair_batch`]).
    fn batch(&self, x: &[f64], out: &mut Vec<f64>, g: impl Fn(f64, f64) -> f64) {
        if let (MaCore::Ema(f), MaCore::Ema(s)) = (&self.fast, &self.slow) {
            // The default type: both EMAs in one pass of speculative lanes.
            ema_pair_batch(f, s, x, out, g);
            return;
        }
        let (mut f, mut s) = (Vec::with_capacity(x.len()), Vec::with_capacity(x.len()));
        self.fast.batch(x, &mut f);
        self.slow.batch(x, &mut s);
        let lb = self.lookback().min(x.len());
        out.reserve(x.len());
        out.extend(std::iter::repeat_n(f64::NAN, lb));
        out.extend(f[lb..].iter().zip(&s[lb..]).map(|(&a, &b)| g(a, b)));
    }
}

/// APO, absolute price oscillator (TA-Lib `APO`): `MA(fast) − MA(slow)`, both MAs started
/// at bar 0. TA-Lib 0.8.1's default MA type is EMA (`matype = 1`; classic 0.4 used SMA).
/// Lookback = the slow MA's lookback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Apo {
    price: PriceField,
    core: PoCore,
}

impl Apo {
    /// APO with `fastperiod`, `slowperiod` (2..=100000) and `matype`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(fastperiod: usize, slowperiod: usize, matype: MaType) -> Result<Self> {
        Ok(Self {
            price: PriceField::Close,
            core: PoCore::new("APO", fastperiod, slowperiod, matype)?,
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Apo {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (f, s) = self.core.update(self.price.get(bar))?;
        Some(f - s)
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.core.batch(cols.field(self.price), out, |f, s| f - s);
    }
}

/// PPO, percentage price oscillator (TA-Lib `PPO`): `(MA(fast) − MA(slow)) / MA(slow) · 100`;
/// 0 when the slow MA is (TA-Lib-)zero. Default MA type EMA, as TA-Lib 0.8.1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ppo {
    price: PriceField,
    core: PoCore,
}

impl Ppo {
    /// PPO with `fastperiod`, `slowperiod` (2..=100000) and `matype`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(fastperiod: usize, slowperiod: usize, matype: MaType) -> Result<Self> {
        Ok(Self {
            price: PriceField::Close,
            core: PoCore::new("PPO", fastperiod, slowperiod, matype)?,
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Ppo {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let (f, s) = self.core.update(self.price.get(bar))?;
        Some(if is_zero_strict(s) {
            0.0
        } else {
            ((f - s) / s) * 100.0
        })
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.core.batch(cols.field(self.price), out, |f, s| {
            if is_zero_strict(s) {
                0.0
            } else {
                ((f - s) / s) * 100.0
            }
        });
    }
}

/// One SMA-seeded EMA stage with TA-Lib 0.8.1's fused step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FusedEma {
    period: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    k: f64,
    n: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    v: f64,
}

impl FusedEma {
    #[inline]
    fn new(period: usize) -> Self {
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let k = 2.0 / (period + 1) as f64;
        Self {
            period,
            k,
            n: 0,
            v: 0.0,
        }
    }

    /// Feeds one value, with the fused multiply-add `f` (TA-Lib's EMA step
    /// `fma(x - prev, k, prev)`); the EMA from the `period`-th value on.
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<f64> {
        if self.n < self.period {
            self.v += x;
            self.n += 1;
            if self.n < self.period {
                return None;
            }
            #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
            {
                self.v /= self.period as f64;
            }
            return Some(self.v);
        }
        self.v = f.mul_add(x - self.v, self.k, self.v);
        Some(self.v)
    }
}

/// TRIX (TA-Lib `TRIX`): one-bar rate of change (×100) of a triple EMA.
/// Lookback `3 · (timeperiod − 1) + 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trix {
    price: PriceField,
    period: usize,
    e: [FusedEma; 3],
    #[serde(default, with = "aaiti_core::serde_f64::option")]
    prev: Option<f64>,
}

impl Trix {
    /// TRIX over `timeperiod` (1..=100000).
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] when `timeperiod` is out of range.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_period("TRIX", "timeperiod", timeperiod, 1, MAX_PERIOD)?;
        let e = FusedEma::new(timeperiod);
        Ok(Self {
            price: PriceField::Close,
            period: timeperiod,
            e: [e.clone(), e.clone(), e],
            prev: None,
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Trix {
    type Output = f64;
    fn lookback(&self) -> usize {
        3 * (self.period - 1) + 1
    }
    #[inline(always)]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        // The steady state (every EMA seeded, a previous triple EMA known, FMA seen)
        // inlines into the caller's loop with the state in registers: `update_with`'s three
        // EMA steps with one `vfmadd` each (`fma::Hw`). Every other case runs `update_with`
        // out of line on a copy, of which only the moving fields (the EMAs' counts and
        // values, `prev`) are written back, so the periods and factors stay loop
        // invariants in the caller.
        let x = self.price.get(bar);
        if let (Some(h), Some(prev)) = (crate::fma::Hw::cached(), self.prev)
            && self.e.iter().all(|e| e.n >= e.period)
        {
            let [a, b, c] = &mut self.e;
            a.v = h.mul_add(x - a.v, a.k, a.v);
            b.v = h.mul_add(a.v - b.v, b.k, b.v);
            c.v = h.mul_add(b.v - c.v, c.k, c.v);
            self.prev = Some(c.v);
            return Some(trix_of(c.v, prev));
        }
        let (st, y) = self.clone().update_outlined(x);
        for (e, s) in self.e.iter_mut().zip(&st.e) {
            e.n = s.n;
            e.v = s.v;
        }
        self.prev = st.prev;
        y
    }
    #[inline]
    fn reset(&mut self) {
        if let Ok(t) = Self::new(self.period) {
            *self = t.with_price(self.price);
        }
    }
    /// The fold of `update` over the warm-up (`lookback + 1` bars), then the steady state
    /// as an `EmaCascade` run by speculative lanes (`lanes::segmented_into`).
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let x = cols.field(self.price);
        let m = self.lookback().saturating_add(1).min(x.len());
        let mut st = self.clone();
        st.reset();
        out.reserve(x.len());
        let fold = |st: &mut Self, bars: std::ops::Range<usize>, out: &mut Vec<f64>| {
            out.extend(bars.map(|i| st.update(&cols.bar(i)).unwrap_or(f64::NAN)));
        };
        fold(&mut st, 0..m, out);
        let rest = &x[m..];
        match st.prev {
            // `prev` is the third EMA's value (the last triple EMA).
            Some(prev) if !rest.is_empty() => {
                let k = st.e[0].k;
                let chain = EmaCascade {
                    x: rest,
                    k: [k; 3],
                    emit: trix_of_cascade,
                };
                let s0 = [st.e[0].v, st.e[1].v, prev];
                segmented_into(&chain, s0, rest.len(), cascade_warm(k, 3), out);
            }
            _ => fold(&mut st, m..x.len(), out),
        }
    }
}

impl Trix {
    /// [`update_with`](Self::update_with) out of line, on the state taken by value.
    #[cold]
    #[inline(never)]
    fn update_outlined(mut self, x: f64) -> (Self, Option<f64>) {
        let y = crate::fma::with_fused!(f => self.update_with(f, x));
        (self, y)
    }

    /// The reference step on the value `x`, with the fused multiply-add `f`.
    #[inline(always)]
    fn update_with<F: Fused>(&mut self, f: F, x: f64) -> Option<f64> {
        let [a, b, c] = &mut self.e;
        let x = c.update_with(f, b.update_with(f, a.update_with(f, x)?)?)?;
        let prev = self.prev.replace(x)?;
        Some(trix_of(x, prev))
    }
}

/// TRIX from the triple EMA and the previous one (0 when the previous is zero).
#[inline(always)]
fn trix_of(x: f64, prev: f64) -> f64 {
    if prev == 0.0 {
        0.0
    } else {
        ((x / prev) - 1.0) * 100.0
    }
}

/// TRIX's output from its three EMAs before and after a bar (every EMA seeded, a previous
/// triple EMA known), for the [`EmaCascade`]: [`trix_of`] of the new and previous triple EMA.
#[inline(always)]
fn trix_of_cascade(before: &[f64; 3], s: &[f64; 3]) -> f64 {
    trix_of(s[2], before[2])
}

#[cfg(test)]
mod tests {
    use super::{MacdChain, MacdCore, trix_of_cascade};
    use crate::fma::{Hw, Plain};
    use crate::lanes::{guess_bars, walk};
    use crate::overlap::ma::EmaCascade;
    use crate::overlap::ma::cascade_warm;

    /// MACD's and TRIX's warm-ups are long enough for their guesses to reach the true
    /// state's bits on random walks (a warm-up too short costs a serial redo, not bits).
    #[test]
    #[allow(clippy::print_stderr, reason = "the measured margins, for tuning")]
    fn guesses_converge_within_the_warm_ups() {
        let k = |p: u32| 2.0 / f64::from(p + 1);
        let walks = [walk(100_000, 23), walk(100_000, 24)];
        for (f, s, g) in [(2, 3, 2), (12, 26, 9), (5, 100, 30), (3, 4, 200)] {
            let chain = |x| MacdChain {
                x,
                k: [k(f), k(s), k(g)],
            };
            let most = walks
                .iter()
                .map(|x| guess_bars("MACD", &chain(x), [x[0], x[0], 0.0], x.len()))
                .max();
            let warm = chain(&[]).warm();
            eprintln!("MACD({f},{s},{g}): bars to converge {most:?}, warm-up {warm}");
            assert!(most.is_some_and(|m| m <= warm));
        }
        for p in [2, 5, 30, 200] {
            let most = walks
                .iter()
                .map(|x| {
                    let c = EmaCascade {
                        x,
                        k: [k(p); 3],
                        emit: trix_of_cascade,
                    };
                    guess_bars("TRIX", &c, [x[0]; 3], x.len())
                })
                .max();
            let warm = cascade_warm(k(p), 3);
            eprintln!("TRIX({p}): bars to converge {most:?}, warm-up {warm}");
            assert!(most.is_some_and(|m| m <= warm));
        }
    }

    /// MACD's fused steps: the `vfmadd` and `mul_add` instances of `update_with`, and
    /// `update`, give the same bits through the warm-up and the steady state.
    #[test]
    fn hw_and_plain_updates_agree() {
        let x: Vec<f64> = (0..600)
            .map(|i| match i {
                500 => f64::NAN,
                _ if (i / 9) % 3 == 1 => 3.0,
                _ => f64::from(i % 17) * 0.37 - f64::from(i % 5),
            })
            .collect();
        let row = |o: Option<super::MacdOutput>| o.map(|o| [o.macd, o.macdsignal, o.macdhist]);
        let same = |a: &[Option<[f64; 3]>], b: &[Option<[f64; 3]>]| {
            a.iter().zip(b).all(|(p, q)| match (p, q) {
                (Some(p), Some(q)) => p
                    .iter()
                    .zip(q)
                    .all(|(u, v)| u.to_bits() == v.to_bits() || (u.is_nan() && v.is_nan())),
                (None, None) => true,
                _ => false,
            })
        };
        for (f, s, g, fk, sk) in [(12, 26, 9, 2.0 / 13.0, 2.0 / 27.0), (2, 3, 1, 0.15, 0.075)] {
            let core = MacdCore::new(f, s, g, fk, sk);
            let (mut a, mut b, mut c) = (core.clone(), core.clone(), core);
            let plain: Vec<_> = x.iter().map(|&v| row(a.update_with(Plain, v))).collect();
            let upd: Vec<_> = x.iter().map(|&v| row(b.update(v))).collect();
            assert!(same(&plain, &upd));
            if let Some(h) = Hw::detect() {
                let hw: Vec<_> = x.iter().map(|&v| row(c.update_with(h, v))).collect();
                assert!(same(&plain, &hw));
            }
        }
    }
}
