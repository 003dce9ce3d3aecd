//! Volume: AD (Chaikin accumulation/distribution), ADOSC, OBV.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::indicator::{Columns, Indicator, PriceField};
use crate::overlap::ma::fp;
use crate::overlap::{MAX_PERIOD, check_range};

/// One step of the accumulation/distribution line (bars with `high == low` add nothing).
#[inline]
pub(crate) fn ad_step(ad: f64, bar: &Bar) -> f64 {
    let tmp = bar.high - bar.low;
    if tmp > 0.0 {
        ad + (((bar.close - bar.low) - (bar.high - bar.close)) / tmp) * bar.volume
    } else {
        ad
    }
}

/// The AD increment `((close - low) - (high - close)) / (high - low) * volume` of one bar,
/// `-0.0` where `high - low <= 0` (adding `-0.0` leaves every value, `±0.0` included,
/// unchanged, exactly as [`ad_step`]'s skipped bar).
#[inline(always)]
fn ad_inc(h: f64, l: f64, c: f64, v: f64) -> f64 {
    let tmp = h - l;
    let x = (((c - l) - (h - c)) / tmp) * v;
    if tmp > 0.0 { x } else { -0.0 }
}

/// The AD line over `cols` from `ad`, appending `each(ad)` for every bar.
///
/// The increments are independent across bars; they are computed one block ahead of the
/// running sum, in the same loop, four bars per step (so the divisions vectorise), and
/// the CPU does them in the shadow of the sum's add latency. The sum adds them in order.
#[inline(always)]
fn ad_line(cols: &Columns<'_>, mut ad: f64, mut each: impl FnMut(f64) -> f64, out: &mut Vec<f64>) {
    const B: usize = 256;
    let (h, l, c, v) = (cols.high(), cols.low(), cols.close(), cols.volume());
    let mut inc = [0.0f64; B];
    let mut row = [0.0f64; B];
    let mut blocks = h
        .chunks(B)
        .zip(l.chunks(B))
        .zip(c.chunks(B))
        .zip(v.chunks(B));
    let mut k = 0;
    if let Some((((h, l), c), v)) = blocks.next() {
        for ((((d, &h), &l), &c), &v) in inc.iter_mut().zip(h).zip(l).zip(c).zip(v) {
            *d = ad_inc(h, l, c, v);
        }
        k = h.len();
    }
    while k > 0 {
        let (((h, l), c), v) = blocks.next().unwrap_or((((&[], &[]), &[]), &[]));
        let next = h.len();
        if next == B && k == B {
            let ahead = h
                .chunks_exact(4)
                .zip(l.chunks_exact(4))
                .zip(c.chunks_exact(4))
                .zip(v.chunks_exact(4));
            let here = inc.chunks_exact_mut(4).zip(row.chunks_exact_mut(4));
            for ((d, r), (((h, l), c), v)) in here.zip(ahead) {
                let mut t = [0.0f64; 4];
                for ((((t, &h), &l), &c), &v) in t.iter_mut().zip(h).zip(l).zip(c).zip(v) {
                    *t = ad_inc(h, l, c, v);
                }
                for (&d, r) in d.iter().zip(r.iter_mut()) {
                    ad += d;
                    *r = each(ad);
                }
                d.copy_from_slice(&t);
            }
        } else {
            let ahead = h.iter().zip(l).zip(c).zip(v);
            for ((d, r), (((&h, &l), &c), &v)) in
                inc.iter_mut().zip(row.iter_mut()).take(k).zip(ahead)
            {
                ad += *d;
                *r = each(ad);
                *d = ad_inc(h, l, c, v);
            }
            for (&d, r) in inc.iter().zip(row.iter_mut()).take(k).skip(next) {
                ad += d;
                *r = each(ad);
            }
        }
        out.extend_from_slice(row.get(..k).unwrap_or(&[]));
        k = next;
    }
}

/// OBV after its first bar: `cur[i]` against `prev[i]`, adding `vol[i]`, from `obv`.
///
/// Per block: the signed volumes (`v`, `-v` or `-0.0`) first, independent across bars so
/// the compares vectorise; then the running sum. `obv + (-0.0)` is `obv` for every value
/// and `obv + (-v)` is `obv - v` (up to a NaN's sign bit), so the sum equals
/// [`Obv::update`]'s three-way branch.
#[inline(always)]
fn obv_tail(cur: &[f64], prev: &[f64], vol: &[f64], mut obv: f64, out: &mut Vec<f64>) {
    const B: usize = 256;
    let mut inc = [0.0f64; B];
    let mut row = [0.0f64; B];
    for ((cur, prev), vol) in cur.chunks(B).zip(prev.chunks(B)).zip(vol.chunks(B)) {
        let k = cur.len();
        for (((d, &x), &px), &v) in inc.iter_mut().zip(cur).zip(prev).zip(vol) {
            *d = if x > px {
                v
            } else if x < px {
                -v
            } else {
                -0.0
            };
        }
        for (r, &d) in row.iter_mut().zip(&inc).take(k) {
            obv += d;
            *r = obv;
        }
        out.extend_from_slice(row.get(..k).unwrap_or(&[]));
    }
}

/// OBV's increment without a data-dependent branch: `v` when `x > px`, `-v` when
/// `x < px`, else (equal, or a NaN among them) `-0.0`, by bit operations.
///
/// `obv + v`, `obv + (-v)` (which is `obv - v`: IEEE subtraction is addition of the
/// negation; only a NaN `v`'s sign bit may differ) and `obv + (-0.0)` (`obv` itself, for
/// every `obv`, `±0.0` and NaN included) are exactly the three branches of the reference
/// update; the rises and falls of a price series are what a branch predictor cannot guess.
#[inline(always)]
fn signed_volume(x: f64, px: f64, v: f64) -> f64 {
    const SIGN: u64 = 1 << 63;
    let up = x > px;
    let keep = u64::from(up | (x < px)).wrapping_neg();
    let flip = if up { 0 } else { SIGN };
    f64::from_bits((v.to_bits() & keep) ^ flip)
}

/// AD: Chaikin accumulation/distribution line, cumulative from the first bar (TA-Lib `AD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Ad {
    #[serde(with = "aaiti_core::serde_f64")]
    ad: f64,
}

impl Ad {
    /// A new instance.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl Indicator for Ad {
    type Output = f64;
    fn lookback(&self) -> usize {
        0
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.ad = ad_step(self.ad, bar);
        Some(self.ad)
    }
    #[inline]
    fn reset(&mut self) {
        self.ad = 0.0;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        out.reserve(cols.len());
        crate::fma::dispatch(
            #[inline(always)]
            || ad_line(cols, 0.0, |ad| ad, out),
        );
    }
}

/// ADOSC: Chaikin A/D oscillator, `EMA(fast) - EMA(slow)` of the AD line with both EMAs
/// seeded with the first AD value (TA-Lib `ADOSC`, defaults 3 and 10; lookback
/// `max(fast, slow) - 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdOsc {
    fast: usize,
    slow: usize,
    t: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    ad: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    fast_ema: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    slow_ema: f64,
}

impl AdOsc {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for periods outside 2..=100000.
    pub fn new(fast: usize, slow: usize) -> Result<Self> {
        check_range("fastperiod", fast, 2, MAX_PERIOD)?;
        check_range("slowperiod", slow, 2, MAX_PERIOD)?;
        Ok(Self {
            fast,
            slow,
            t: 0,
            ad: 0.0,
            fast_ema: 0.0,
            slow_ema: 0.0,
        })
    }
}

impl Indicator for AdOsc {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.fast.max(self.slow) - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.ad = ad_step(self.ad, bar);
        let t = self.t;
        self.t += 1;
        if t == 0 {
            self.fast_ema = self.ad;
            self.slow_ema = self.ad;
        } else {
            let fk = 2.0 / fp(self.fast + 1);
            let sk = 2.0 / fp(self.slow + 1);
            // TA-Lib 0.8.1's FMA build (`TA_ADOSC.fma`): ema = fma(ema, 1 - k, k * ad).
            self.fast_ema = self.fast_ema.mul_add(1.0 - fk, fk * self.ad);
            self.slow_ema = self.slow_ema.mul_add(1.0 - sk, sk * self.ad);
        }
        (t >= self.lookback()).then_some(self.fast_ema - self.slow_ema)
    }
    #[inline]
    fn reset(&mut self) {
        self.t = 0;
        self.ad = 0.0;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        out.reserve(cols.len());
        let lookback = self.lookback();
        let fk = 2.0 / fp(self.fast + 1);
        let sk = 2.0 / fp(self.slow + 1);
        crate::fma::dispatch(
            #[inline(always)]
            move || {
                let (mut t, mut fast, mut slow) = (0usize, 0.0f64, 0.0f64);
                let each = |ad: f64| {
                    if t == 0 {
                        fast = ad;
                        slow = ad;
                    } else {
                        fast = fast.mul_add(1.0 - fk, fk * ad);
                        slow = slow.mul_add(1.0 - sk, sk * ad);
                    }
                    let y = if t >= lookback { fast - slow } else { f64::NAN };
                    t += 1;
                    y
                };
                ad_line(cols, 0.0, each, out);
            },
        );
    }
}

/// OBV: on-balance volume; `OBV[0] = volume[0]`, then ± volume as `price` (default close)
/// rises or falls (TA-Lib `OBV`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Obv {
    price: PriceField,
    #[serde(default, with = "aaiti_core::serde_f64::option_pair")]
    prev: Option<(f64, f64)>,
}

impl Obv {
    /// A new instance over the close.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Compares `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Obv {
    type Output = f64;
    fn lookback(&self) -> usize {
        0
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let x = self.price.get(bar);
        let obv = match self.prev {
            Some((px, obv)) => obv + signed_volume(x, px, bar.volume),
            None => bar.volume,
        };
        self.prev = Some((x, obv));
        Some(obv)
    }
    #[inline]
    fn reset(&mut self) {
        self.prev = None;
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let (x, v) = (cols.field(self.price), cols.volume());
        out.reserve(x.len());
        let Some(&first) = v.first() else {
            return;
        };
        out.push(first);
        let (cur, vol) = (x.get(1..).unwrap_or(&[]), v.get(1..).unwrap_or(&[]));
        crate::fma::dispatch(
            #[inline(always)]
            move || obv_tail(cur, x, vol, first, out),
        );
    }
}
