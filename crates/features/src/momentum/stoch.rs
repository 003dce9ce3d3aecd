//! Stochastics: STOCH, STOCHF, STOCHRSI (TA-Lib `ta_STOCH.c`, `ta_STOCHF.c`,
//! `ta_STOCHRSI.c`).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::util::{Extreme, MAX_PERIOD, check_period, is_zero_scaled_strict};
use super::wilder::Rsi;
use crate::error::Result;
use crate::indicator::fold_rows;
use crate::indicator::{Columns, Indicator, PriceField};
use crate::overlap::ma::{MaCore, push_nan};
use crate::params::MaType;
use crate::window::{HiLoWindow, max_min_chunks};

/// Raw %K over `period` bars: `100 · (close − LL) / (HH − LL)`, 0 when the range is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FastKRepr")]
struct FastK {
    period: usize,
    win: HiLoWindow<false>,
}

/// [`FastK`] as saved: the current layout (`win`) or the one up to b472e61 (`t` and
/// TA-Lib's rescanning extremes `hi`, `lo`; see [`HiLoWindow::from_extremes`]).
#[derive(Deserialize)]
struct FastKRepr {
    period: usize,
    win: Option<HiLoWindow<false>>,
    t: Option<u64>,
    hi: Option<Extreme>,
    lo: Option<Extreme>,
}

impl TryFrom<FastKRepr> for FastK {
    type Error = String;
    fn try_from(r: FastKRepr) -> std::result::Result<Self, String> {
        let win = match (r.win, r.t, r.hi, r.lo) {
            (Some(win), ..) => win,
            (None, Some(t), Some(hi), Some(lo)) => {
                HiLoWindow::from_extremes(r.period, t, &hi, &lo)?
            }
            _ => return Err("%K state: neither `win` nor `t`, `hi` and `lo`".into()),
        };
        Ok(Self {
            period: r.period,
            win,
        })
    }
}

impl FastK {
    fn new(period: usize) -> Self {
        Self {
            period,
            win: HiLoWindow::new(period),
        }
    }

    #[inline]
    fn update(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let (t, hh, _, ll, _) = self.win.push(high, low);
        if t + 1 < self.period as u64 {
            return None;
        }
        Some(fast_k(hh, ll, close))
    }

    #[inline]
    fn reset(&mut self) {
        self.win.reset(self.period);
    }

    /// Runs `f` on %K of every full window (bars `period − 1 ..`), a chunk at a time;
    /// `false` (after some chunks) when the highs or lows hold a NaN.
    #[inline(always)]
    fn chunks(&self, high: &[f64], low: &[f64], close: &[f64], mut f: impl FnMut(&[f64])) -> bool {
        let mut k = Vec::new();
        max_min_chunks(
            high,
            low,
            self.period,
            #[inline(always)]
            |first, ext| {
                // A plain loop (not `extend(map)`), so that it is inlined into the FMA/AVX
                // frame.
                let c = close.get(first..).unwrap_or(&[]);
                let rows = ext.iter();
                k.clear();
                k.resize(rows.len().min(c.len()), 0.0);
                for (y, ((hh, ll), &c)) in k.iter_mut().zip(rows.zip(c)) {
                    *y = fast_k(hh, ll, c);
                }
                f(&k);
            },
        )
    }
}

/// Two SMA stages past their warm-ups, fused into one loop so that their two latency
/// chains (add the newest, subtract the oldest) overlap: appends the first stage's
/// outputs to `a` and the second's to `b`, the operations of `Stage::run` applied twice.
/// `None` (nothing done) unless both stages are warmed-up SMAs.
#[inline(always)]
fn sma2(
    s1: &mut Stage,
    s2: &mut Stage,
    x: &[f64],
    a: &mut Vec<f64>,
    b: &mut Vec<f64>,
) -> Option<()> {
    let (
        Stage::Sma {
            p: p1,
            sum: sum1,
            seen: seen1,
            hist: h1,
        },
        Stage::Sma {
            p: p2,
            sum: sum2,
            seen: seen2,
            hist: h2,
        },
    ) = (s1, s2)
    else {
        return None;
    };
    let (p1, p2) = (*p1, *p2);
    if *seen1 < p1 || *seen2 < p2 || h1.len() < p1 || h2.len() < p2 {
        return None;
    }
    let (f1, f2) = (crate::overlap::ma::fp(p1), crate::overlap::ma::fp(p2));
    let (b1, b2) = (h1.len(), h2.len());
    h1.extend_from_slice(x);
    h2.resize(b2 + x.len(), 0.0);
    let (mut s1, mut s2) = (*sum1, *sum2);
    let sums = b.len();
    b.resize(sums + x.len(), 0.0);
    let olds1 = h1.get(b1 + 1 - p1..).unwrap_or(&[]);
    let dst = b.get_mut(sums..).unwrap_or(&mut []);
    // `w[p2 − 1 + q]` receives the first stage's output for input `q`; `w[q]` is the
    // second stage's oldest term then.
    let w = h2.get_mut(b2 + 1 - p2..).unwrap_or(&mut []);
    for (q, ((&v, &o1), y)) in x.iter().zip(olds1).zip(dst).enumerate() {
        s1 += v;
        let av = s1 / f1;
        s1 -= o1;
        if let Some(slot) = w.get_mut(p2 - 1 + q) {
            *slot = av;
        }
        let o2 = w.get(q).copied().unwrap_or(f64::NAN);
        s2 += av;
        *y = s2;
        s2 -= o2;
    }
    (*sum1, *sum2) = (s1, s2);
    *seen1 += x.len();
    *seen2 += x.len();
    a.extend_from_slice(h2.get(b2..).unwrap_or(&[]));
    if let Some(ys) = b.get_mut(sums..) {
        for y in ys {
            *y /= f2;
        }
    }
    let k1 = h1.len().saturating_sub(p1);
    h1.drain(..k1);
    let k2 = h2.len().saturating_sub(p2);
    h2.drain(..k2);
    Some(())
}

/// Appends two-column rows `(a[i], b[i])`.
#[inline(always)]
fn pairs(out: &mut Vec<f64>, a: &[f64], b: &[f64]) {
    let from = out.len();
    out.resize(from + 2 * a.len().min(b.len()), f64::NAN);
    let dst = out.get_mut(from..).unwrap_or(&mut []);
    for (row, (&x, &y)) in dst.chunks_exact_mut(2).zip(a.iter().zip(b)) {
        row.copy_from_slice(&[x, y]);
    }
}

/// %K of one bar from its window's extremes (the fold's operations, branch-free).
#[inline(always)]
fn fast_k(hh: f64, ll: f64, close: f64) -> f64 {
    let diff = hh - ll;
    let v = 100.0 * ((close - ll) / diff);
    if is_zero_scaled_strict(diff, hh.abs() + ll.abs()) {
        0.0
    } else {
        v
    }
}

/// One MA stage of a batch kernel, fed a chunk at a time: appends an output for each
/// input past the stage's warm-up, bit for bit what the core's `update` returns.
#[derive(Debug)]
enum Stage {
    /// Period 1: the input.
    Identity,
    /// SMA over `p` inputs, `SmaCore::update`'s operations on slices: add the newest,
    /// divide, subtract the oldest. `hist` keeps the last inputs, `seen` counts them.
    Sma {
        p: usize,
        sum: f64,
        seen: usize,
        hist: Vec<f64>,
    },
    /// Other MA types: the core's `update`.
    Core(MaCore),
}

impl Stage {
    fn new(core: &MaCore) -> Self {
        match core {
            MaCore::Identity => Self::Identity,
            MaCore::Sma(c) => Self::Sma {
                p: c.lookback() + 1,
                sum: 0.0,
                seen: 0,
                hist: Vec::new(),
            },
            other => {
                let mut c = other.clone();
                c.reset();
                Self::Core(c)
            }
        }
    }

    /// Appends the outputs of the inputs `x` to `out`; returns how many inputs were still
    /// inside the warm-up (no output).
    #[inline(always)]
    fn run(&mut self, x: &[f64], out: &mut Vec<f64>) -> usize {
        match self {
            Self::Identity => {
                out.extend_from_slice(x);
                0
            }
            Self::Core(c) => {
                let before = out.len();
                out.extend(x.iter().filter_map(|&v| c.update(v)));
                x.len() - (out.len() - before)
            }
            Self::Sma { p, sum, seen, hist } => {
                let p = *p;
                let pf = crate::overlap::ma::fp(p);
                let base = hist.len();
                hist.extend_from_slice(x);
                // Warm-up: the first `p − 1` inputs only add.
                let warm = (p - 1).saturating_sub(*seen).min(x.len());
                for &v in hist.get(base..base + warm).unwrap_or(&[]) {
                    *sum += v;
                }
                *seen += x.len();
                let from = base + warm;
                let newest = hist.get(from..).unwrap_or(&[]);
                // Before the first output (`from + 1 < p`) `newest` is empty too.
                let oldest = (from + 1)
                    .checked_sub(p)
                    .and_then(|s| hist.get(s..))
                    .unwrap_or(&[]);
                out.extend(newest.iter().zip(oldest).map(|(&v, &old)| {
                    *sum += v;
                    let y = *sum / pf;
                    *sum -= old;
                    y
                }));
                let keep = hist.len().saturating_sub(p);
                hist.drain(..keep);
                warm
            }
        }
    }
}

crate::indicator_output! {
    /// STOCH's outputs, named as TA-Lib's abstract API.
    pub struct StochOutput {
        /// MA(slowk_period) of the raw %K.
        slowk,
        /// MA(slowd_period) of `slowk`.
        slowd,
    }
}

crate::indicator_output! {
    /// STOCHF's and STOCHRSI's outputs, named as TA-Lib's abstract API.
    pub struct StochFOutput {
        /// The raw %K.
        fastk,
        /// MA(fastd_period) of `fastk`.
        fastd,
    }
}

/// STOCH, slow stochastic (TA-Lib `STOCH`): %K over `fastk_period`, smoothed by
/// MA(`slowk_period`, `slowk_matype`) into `slowk` and again by MA(`slowd_period`,
/// `slowd_matype`) into `slowd`. Lookback `fastk−1 + lookback(slowk MA) + lookback(slowd MA)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stoch {
    k: FastK,
    slowk: MaCore,
    slowd: MaCore,
}

impl Stoch {
    /// STOCH with periods in 1..=100000 and TA-Lib MA types.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(
        fastk_period: usize,
        slowk_period: usize,
        slowk_matype: MaType,
        slowd_period: usize,
        slowd_matype: MaType,
    ) -> Result<Self> {
        check_period("STOCH", "fastk_period", fastk_period, 1, MAX_PERIOD)?;
        check_period("STOCH", "slowk_period", slowk_period, 1, MAX_PERIOD)?;
        check_period("STOCH", "slowd_period", slowd_period, 1, MAX_PERIOD)?;
        Ok(Self {
            k: FastK::new(fastk_period),
            slowk: MaCore::new(slowk_matype, slowk_period)?,
            slowd: MaCore::new(slowd_matype, slowd_period)?,
        })
    }
}

impl Indicator for Stoch {
    type Output = StochOutput;
    fn lookback(&self) -> usize {
        self.k.period - 1 + self.slowk.lookback() + self.slowd.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<StochOutput> {
        let k = self.k.update(bar.high, bar.low, bar.close)?;
        let sk = self.slowk.update(k)?;
        let sd = self.slowd.update(sk)?;
        Some(StochOutput {
            slowk: sk,
            slowd: sd,
        })
    }
    fn reset(&mut self) {
        self.k.reset();
        self.slowk.reset();
        self.slowd.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let (start, n) = (out.len(), cols.len());
        out.reserve(2 * n);
        push_nan(out, 2 * (self.k.period - 1).min(n));
        let (mut sk, mut sd) = (Stage::new(&self.slowk), Stage::new(&self.slowd));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        // %K in vectorised chunks, the two MA stages over each chunk (no whole-series
        // temporaries); rows without both stages' outputs are NaN.
        let ok = crate::fma::dispatch(
            #[inline(always)]
            || {
                self.k.chunks(
                    cols.high(),
                    cols.low(),
                    cols.close(),
                    #[inline(always)]
                    |ks| {
                        a.clear();
                        b.clear();
                        if sma2(&mut sk, &mut sd, ks, &mut a, &mut b).is_some() {
                            pairs(out, &a, &b);
                            return;
                        }
                        let wa = sk.run(ks, &mut a);
                        let wb = sd.run(&a, &mut b);
                        push_nan(out, 2 * (wa + wb));
                        pairs(out, a.get(wb..).unwrap_or(&[]), &b);
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

/// %K and its MA, shared by STOCHF and STOCHRSI. TA-Lib outputs %K only from the bar where
/// %D exists, so %K values are held until then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FastKD {
    k: FastK,
    d: MaCore,
}

impl FastKD {
    fn new(
        func: &str,
        fastk_period: usize,
        fastd_period: usize,
        fastd_matype: MaType,
    ) -> Result<Self> {
        check_period(func, "fastk_period", fastk_period, 1, MAX_PERIOD)?;
        check_period(func, "fastd_period", fastd_period, 1, MAX_PERIOD)?;
        Ok(Self {
            k: FastK::new(fastk_period),
            d: MaCore::new(fastd_matype, fastd_period)?,
        })
    }

    fn lookback(&self) -> usize {
        self.k.period - 1 + self.d.lookback()
    }

    #[inline]
    fn update(&mut self, high: f64, low: f64, close: f64) -> Option<StochFOutput> {
        let k = self.k.update(high, low, close)?;
        let d = self.d.update(k)?;
        Some(StochFOutput { fastk: k, fastd: d })
    }

    fn reset(&mut self) {
        self.k.reset();
        self.d.reset();
    }

    /// Appends the rows for `lead` bars without input (NaN) followed by the bars of
    /// `high`, `low`, `close`; `false` (with `out` partly written) on NaN highs or lows.
    fn batch(
        &self,
        high: &[f64],
        low: &[f64],
        close: &[f64],
        lead: usize,
        out: &mut Vec<f64>,
    ) -> bool {
        let n = high.len();
        out.reserve(2 * (lead + n));
        push_nan(out, 2 * (lead + (self.k.period - 1).min(n)));
        let mut d = Stage::new(&self.d);
        let mut kd = Vec::new();
        crate::fma::dispatch(
            #[inline(always)]
            || {
                self.k.chunks(
                    high,
                    low,
                    close,
                    #[inline(always)]
                    |ks| {
                        kd.clear();
                        let w = d.run(ks, &mut kd);
                        push_nan(out, 2 * w);
                        pairs(out, ks.get(w..).unwrap_or(&[]), &kd);
                    },
                )
            },
        )
    }
}

/// STOCHF, fast stochastic (TA-Lib `STOCHF`): `fastk` = %K over `fastk_period`, `fastd` =
/// MA(`fastd_period`, `fastd_matype`) of it. Lookback `fastk−1 + lookback(fastd MA)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochF {
    kd: FastKD,
}

impl StochF {
    /// STOCHF with periods in 1..=100000 and a TA-Lib MA type.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(fastk_period: usize, fastd_period: usize, fastd_matype: MaType) -> Result<Self> {
        Ok(Self {
            kd: FastKD::new("STOCHF", fastk_period, fastd_period, fastd_matype)?,
        })
    }
}

impl Indicator for StochF {
    type Output = StochFOutput;
    fn lookback(&self) -> usize {
        self.kd.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<StochFOutput> {
        self.kd.update(bar.high, bar.low, bar.close)
    }
    fn reset(&mut self) {
        self.kd.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len();
        if !self.kd.batch(cols.high(), cols.low(), cols.close(), 0, out) {
            out.truncate(start);
            fold_rows(self, cols, out);
        }
    }
}

/// STOCHRSI (TA-Lib `STOCHRSI`): STOCHF applied to RSI(`timeperiod`) (high = low = close =
/// RSI). Lookback `timeperiod + fastk−1 + lookback(fastd MA)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochRsi {
    price: PriceField,
    rsi: Rsi,
    kd: FastKD,
}

impl StochRsi {
    /// STOCHRSI with `timeperiod` (2..=100000), `fastk_period`, `fastd_period` (1..=100000)
    /// and a TA-Lib MA type.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the first period out of range;
    /// [`crate::Error::Unsupported`] for an MA type not available in this build.
    pub fn new(
        timeperiod: usize,
        fastk_period: usize,
        fastd_period: usize,
        fastd_matype: MaType,
    ) -> Result<Self> {
        check_period("STOCHRSI", "timeperiod", timeperiod, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            rsi: Rsi::new(timeperiod)?,
            kd: FastKD::new("STOCHRSI", fastk_period, fastd_period, fastd_matype)?,
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for StochRsi {
    type Output = StochFOutput;
    fn lookback(&self) -> usize {
        self.rsi.timeperiod() + self.kd.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<StochFOutput> {
        let r = self.rsi.update_value(self.price.get(bar))?;
        self.kd.update(r, r, r)
    }
    fn reset(&mut self) {
        Indicator::reset(&mut self.rsi);
        self.kd.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let start = out.len();
        let mut r = Vec::with_capacity(cols.len());
        self.rsi
            .batch_into(&Columns::from_series(cols.field(self.price)), &mut r);
        let lead = self.rsi.timeperiod().min(r.len());
        let valid = r.get(lead..).unwrap_or(&[]);
        if !self.kd.batch(valid, valid, valid, lead, out) {
            out.truncate(start);
            fold_rows(self, cols, out);
        }
    }
}
