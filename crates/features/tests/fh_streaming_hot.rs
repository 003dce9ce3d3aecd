//! Streaming `update` of ATR, NATR, TRIX, VAR, STDDEV, BBANDS and the LINEARREG family
//! against frozen copies of their reference updates (the one-bar-at-a-time code,
//! `f64::mul_add` for the fused steps), bit for bit,
//! on adversarial series: signed zeros, ties, NaN and ±inf in every column, huge and tiny
//! magnitudes, periods around the warm-up boundaries (1 included), every price field.
//! Their updates inline a steady state (with the `vfmadd` instruction for the fused ones;
//! VAR's running sums rewritten as two subtractions) and run every other case out of line
//! on a copy; these tests hold both paths to the reference, including from states restored
//! with serde at many bars (warm-up, steady state and the periodic exact re-computations
//! alike).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::cast_precision_loss,
    reason = "test code"
)]

mod common;

use aaiti_core::Bar;
use aaiti_features::Indicator;
use aaiti_features::MaType;
use aaiti_features::PriceField;
use aaiti_features::momentum::Trix;
use aaiti_features::overlap::Bbands;
use aaiti_features::statistic::{LinearReg, RegKind, StdDev, Var};
use aaiti_features::volatility::{Atr, Natr};
use common::{
    KINDS, STREAM_LENGTHS as LENGTHS, bars, check_output as check, json_roundtrip as roundtrip,
    series,
};
use std::collections::VecDeque;

// ----- frozen reference copies -----------------------------------------------------------

/// The reference `TRange` + `AtrCore::update`.
struct RefAtr {
    period: usize,
    prev_close: Option<f64>,
    n: usize,
    sum: f64,
    prev: f64,
}

impl RefAtr {
    fn new(period: usize) -> Self {
        Self {
            period,
            prev_close: None,
            n: 0,
            sum: 0.0,
            prev: 0.0,
        }
    }

    fn update(&mut self, b: &Bar) -> Option<f64> {
        let pc = self.prev_close.replace(b.close)?;
        let mut tr = b.high - b.low;
        let v2 = (pc - b.high).abs();
        if v2 > tr {
            tr = v2;
        }
        let v3 = (b.low - pc).abs();
        if v3 > tr {
            tr = v3;
        }
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
            self.prev = self.sum / p as f64;
            return Some(self.prev);
        }
        let keep = (p - 1) as f64 / p as f64;
        self.prev = self.prev.mul_add(keep, tr * (1.0 - keep));
        Some(self.prev)
    }

    /// NATR: the ATR over the close ×100 (0 for a zero close); NATR(1) is the true range.
    fn natr(&mut self, b: &Bar) -> Option<f64> {
        let atr = self.update(b)?;
        if self.period == 1 {
            return Some(atr);
        }
        Some(if b.close == 0.0 {
            0.0
        } else {
            (atr / b.close) * 100.0
        })
    }
}

/// The reference TRIX: three SMA-seeded EMAs (`fma(x - prev, k, prev)`), then the one-bar
/// rate of change of the third.
struct RefTrix {
    period: usize,
    k: f64,
    n: [usize; 3],
    v: [f64; 3],
    prev: Option<f64>,
}

impl RefTrix {
    fn new(period: usize) -> Self {
        Self {
            period,
            k: 2.0 / (period + 1) as f64,
            n: [0; 3],
            v: [0.0; 3],
            prev: None,
        }
    }

    fn ema(&mut self, j: usize, x: f64) -> Option<f64> {
        if self.n[j] < self.period {
            self.v[j] += x;
            self.n[j] += 1;
            if self.n[j] < self.period {
                return None;
            }
            self.v[j] /= self.period as f64;
            return Some(self.v[j]);
        }
        self.v[j] = (x - self.v[j]).mul_add(self.k, self.v[j]);
        Some(self.v[j])
    }

    fn update(&mut self, x: f64) -> Option<f64> {
        let a = self.ema(0, x)?;
        let b = self.ema(1, a)?;
        let c = self.ema(2, b)?;
        let prev = self.prev.replace(c)?;
        Some(if prev == 0.0 {
            0.0
        } else {
            ((c / prev) - 1.0) * 100.0
        })
    }
}

/// The reference `VarCore::update_ref` (TA-Lib 0.8.1's shifted running sums, an exact
/// two-pass re-computation every `8 · period` outputs and on a failed cancellation check).
struct RefVar {
    period: usize,
    ring: VecDeque<f64>,
    total1: f64,
    total2: f64,
    shift: f64,
    countdown: usize,
}

impl RefVar {
    fn new(period: usize) -> Self {
        Self {
            period,
            ring: VecDeque::new(),
            total1: 0.0,
            total2: 0.0,
            shift: 0.0,
            countdown: 0,
        }
    }

    fn update(&mut self, x: f64) -> Option<f64> {
        let p = self.period;
        let leaving = if self.ring.len() == p {
            self.ring.pop_front().unwrap()
        } else {
            0.0
        };
        self.ring.push_back(x);
        if self.ring.len() < p {
            return None;
        }
        let pf = p as f64;
        if self.countdown > 0 {
            self.countdown -= 1;
            let d_old = leaving - self.shift;
            let d_new = x - self.shift;
            self.total1 = (self.total1 - d_old) + d_new;
            self.total2 = (self.total2 - d_old * d_old) + d_new * d_new;
            let m = self.total1 / pf;
            let mean_sq = self.total2 / pf;
            let var = mean_sq - m * m;
            if var > 1e-9 * mean_sq {
                return Some(var);
            }
        }
        let mut mean = 0.0;
        for &v in &self.ring {
            mean += v;
        }
        mean /= pf;
        let (mut s1, mut ss) = (0.0, 0.0);
        for &v in &self.ring {
            let d = v - mean;
            s1 += d;
            ss += d * d;
        }
        self.shift = mean;
        self.total1 = s1;
        self.total2 = ss;
        self.countdown = 8 * p - 1;
        Some(ss / pf)
    }

    /// STDDEV from the variance.
    fn stddev(&mut self, x: f64, nbdev: f64) -> Option<f64> {
        let v = self.update(x)?;
        Some(if v <= 0.0 { 0.0 } else { v.sqrt() * nbdev })
    }
}

/// The reference BBANDS with an SMA middle band (`SmaCore::update` + the variance).
struct RefBbands {
    period: usize,
    n: usize,
    sum: f64,
    ring: VecDeque<f64>,
    var: RefVar,
}

impl RefBbands {
    fn new(period: usize) -> Self {
        Self {
            period,
            n: 0,
            sum: 0.0,
            ring: VecDeque::new(),
            var: RefVar::new(period),
        }
    }

    /// (upper, middle, lower).
    fn update(&mut self, x: f64, up: f64, dn: f64) -> Option<(f64, f64, f64)> {
        let p = self.period;
        self.ring.push_back(x);
        if self.ring.len() > p {
            self.ring.pop_front();
        }
        self.sum += x;
        let mid = if self.n + 1 < p {
            self.n += 1;
            None
        } else {
            let out = self.sum / p as f64;
            self.sum -= self.ring[0];
            Some(out)
        };
        let var = self.var.update(x)?;
        let sd = if var <= 0.0 { 0.0 } else { var.sqrt() };
        let mid = mid?;
        Some((mid + sd * up, mid, mid - sd * dn))
    }
}

/// The reference `LinearReg::update` (running `Σy` and `Σ(bars ago)·y`, recomputed from the
/// window every `8 · period` outputs and at the first).
struct RefReg {
    kind: RegKind,
    period: usize,
    ring: VecDeque<f64>,
    sum_y: f64,
    sum_xy: f64,
    countdown: usize,
}

impl RefReg {
    fn new(kind: RegKind, period: usize) -> Self {
        Self {
            kind,
            period,
            ring: VecDeque::new(),
            sum_y: 0.0,
            sum_xy: 0.0,
            countdown: 0,
        }
    }

    fn update(&mut self, x: f64) -> Option<f64> {
        let p = self.period;
        let leaving = if self.ring.len() == p {
            self.ring.pop_front().unwrap()
        } else {
            0.0
        };
        self.ring.push_back(x);
        if self.ring.len() < p {
            return None;
        }
        let pf = p as f64;
        let sum_x = (p * (p - 1)) as f64 * 0.5;
        let sum_x_sqr = (p * (p - 1) * (2 * p - 1) / 6) as f64;
        let divisor = sum_x * sum_x - pf * sum_x_sqr;
        if self.countdown == 0 {
            let (mut sum_xy, mut sum_y) = (0.0, 0.0);
            let mut w = pf;
            for &v in &self.ring {
                w -= 1.0;
                sum_y += v;
                sum_xy += w * v;
            }
            self.sum_y = sum_y;
            self.sum_xy = sum_xy;
            self.countdown = 8 * p;
        } else {
            self.sum_xy = (self.sum_xy - (p - 1) as f64 * leaving) + (self.sum_y - leaving);
            self.sum_y = (self.sum_y - leaving) + x;
        }
        self.countdown -= 1;
        let m = (pf * self.sum_xy - sum_x * self.sum_y) / divisor;
        let b = (self.sum_y - m * sum_x) / pf;
        Some(match self.kind {
            RegKind::Value => b + m * (p - 1) as f64,
            RegKind::Angle => m.atan() * (180.0 / std::f64::consts::PI),
            RegKind::Intercept => b,
            RegKind::Slope => m,
            RegKind::Forecast => b + m * pf,
        })
    }
}

// ----- helpers ---------------------------------------------------------------------------

/// Whether the state is restored from JSON before bar `i` (many warm-up bars, then every
/// 13th, and the middle).
fn cut(i: usize, n: usize) -> bool {
    i < 40 || i.is_multiple_of(13) || i == n / 2
}

const PERIODS: [usize; 6] = [1, 2, 3, 5, 14, 40];

const PRICES: [PriceField; 5] = [
    PriceField::Close,
    PriceField::Open,
    PriceField::High,
    PriceField::Low,
    PriceField::Volume,
];

// ----- tests -----------------------------------------------------------------------------

#[test]
fn fh_atr_natr_update_equal_the_reference() {
    let mut checked = 0;
    for kind in KINDS {
        for (seed, n) in (40u64..).zip(LENGTHS) {
            let bs = bars(&series(n, seed, kind));
            for period in PERIODS {
                for restore in [false, true] {
                    let mut atr = Atr::new(period).unwrap();
                    let mut natr = Natr::new(period).unwrap();
                    let (mut ra, mut rn) = (RefAtr::new(period), RefAtr::new(period));
                    for (i, b) in bs.iter().enumerate() {
                        if restore && cut(i, n) {
                            atr = roundtrip(&atr);
                            natr = roundtrip(&natr);
                        }
                        let l = format!("({period}) {kind:?} n={n} restore={restore}");
                        check(&format!("ATR{l}"), i, atr.update(b), ra.update(b));
                        check(&format!("NATR{l}"), i, natr.update(b), rn.natr(b));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 500, "only {checked} cases ran");
}

#[test]
fn fh_trix_update_equals_the_reference() {
    let mut checked = 0;
    for kind in KINDS {
        for (seed, n) in (50u64..).zip(LENGTHS) {
            let bs = bars(&series(n, seed, kind));
            for period in PERIODS {
                for price in [PriceField::Close, PriceField::Volume] {
                    for restore in [false, true] {
                        let mut trix = Trix::new(period).unwrap().with_price(price);
                        let mut r = RefTrix::new(period);
                        for (i, b) in bs.iter().enumerate() {
                            if restore && cut(i, n) {
                                trix = roundtrip(&trix);
                            }
                            check(
                                &format!("TRIX({period}) {price:?} {kind:?} n={n} {restore}"),
                                i,
                                trix.update(b),
                                r.update(price.get(b)),
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 1000, "only {checked} cases ran");
}

#[test]
fn fh_var_stddev_update_equal_the_reference() {
    let mut checked = 0;
    for kind in KINDS {
        for (seed, n) in (60u64..).zip(LENGTHS) {
            let bs = bars(&series(n, seed, kind));
            for period in PERIODS {
                for price in PRICES {
                    for restore in [false, true] {
                        let mut var = Var::new(period, 1.0).unwrap().with_price(price);
                        let mut rv = RefVar::new(period);
                        let mut sd = (period >= 2)
                            .then(|| StdDev::new(period, 1.5).unwrap().with_price(price));
                        let mut rs = RefVar::new(period);
                        for (i, b) in bs.iter().enumerate() {
                            if restore && cut(i, n) {
                                var = roundtrip(&var);
                                sd = sd.as_ref().map(roundtrip);
                            }
                            let l = format!("({period}) {price:?} {kind:?} n={n} {restore}");
                            let x = price.get(b);
                            check(&format!("VAR{l}"), i, var.update(b), rv.update(x));
                            if let Some(sd) = sd.as_mut() {
                                check(&format!("STDDEV{l}"), i, sd.update(b), rs.stddev(x, 1.5));
                            }
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 2000, "only {checked} cases ran");
}

#[test]
fn fh_bbands_update_equals_the_reference() {
    let mut checked = 0;
    for kind in KINDS {
        for (seed, n) in (70u64..).zip(LENGTHS) {
            let bs = bars(&series(n, seed, kind));
            for period in PERIODS.into_iter().filter(|&p| p >= 2) {
                for price in [PriceField::Close, PriceField::Low] {
                    for restore in [false, true] {
                        let mut bb = Bbands::new(period, 2.0, 1.5, MaType::Sma)
                            .unwrap()
                            .with_price(price);
                        let mut r = RefBbands::new(period);
                        for (i, b) in bs.iter().enumerate() {
                            if restore && cut(i, n) {
                                bb = roundtrip(&bb);
                            }
                            let l = format!("BBANDS({period}) {price:?} {kind:?} n={n} {restore}");
                            let (got, want) = (bb.update(b), r.update(price.get(b), 2.0, 1.5));
                            check(&l, i, got.map(|o| o.upperband), want.map(|w| w.0));
                            check(&l, i, got.map(|o| o.middleband), want.map(|w| w.1));
                            check(&l, i, got.map(|o| o.lowerband), want.map(|w| w.2));
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 400, "only {checked} cases ran");
}

#[test]
fn fh_linearreg_update_equals_the_reference() {
    let kinds = [
        RegKind::Value,
        RegKind::Angle,
        RegKind::Intercept,
        RegKind::Slope,
        RegKind::Forecast,
    ];
    let mut checked = 0;
    for kind in KINDS {
        for (seed, n) in (80u64..).zip(LENGTHS) {
            let bs = bars(&series(n, seed, kind));
            for period in PERIODS.into_iter().filter(|&p| p >= 2) {
                for (j, reg) in kinds.into_iter().enumerate() {
                    // Every price field, spread over the kinds.
                    let price = PRICES[(j + period) % PRICES.len()];
                    for restore in [false, true] {
                        let mut lr = LinearReg::new(reg, period).unwrap().with_price(price);
                        let mut r = RefReg::new(reg, period);
                        for (i, b) in bs.iter().enumerate() {
                            if restore && cut(i, n) {
                                lr = roundtrip(&lr);
                            }
                            check(
                                &format!("{reg:?}({period}) {price:?} {kind:?} n={n} {restore}"),
                                i,
                                lr.update(b),
                                r.update(price.get(b)),
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 2000, "only {checked} cases ran");
}

/// VAR states whose running sums are `-0.0` (reachable only through serde): outputs as
/// the reference's from the same state, on inputs equal to the shift (where the inlined
/// form and the reference's differ in the sign of a zero sum) and others.
#[test]
fn fh_var_negative_zero_totals_continue_like_the_reference() {
    let flat = Bar {
        open: 1.0,
        high: 1.0,
        low: 1.0,
        close: 1.0,
        volume: 1.0,
    };
    for period in [2, 3, 5] {
        let mut var = Var::new(period, 1.0).unwrap();
        let mut sd = StdDev::new(period, 2.0).unwrap();
        for _ in 0..period {
            var.update(&flat);
            sd.update(&flat);
        }
        let flip = |json: String| {
            assert!(
                json.contains("\"total1\":0.0") && json.contains("\"total2\":0.0"),
                "{json}"
            );
            json.replace("\"total1\":0.0", "\"total1\":-0.0")
                .replace("\"total2\":0.0", "\"total2\":-0.0")
        };
        let mut var: Var =
            serde_json::from_str(&flip(serde_json::to_string(&var).unwrap())).unwrap();
        let mut sd: StdDev =
            serde_json::from_str(&flip(serde_json::to_string(&sd).unwrap())).unwrap();
        let seeded = || RefVar {
            period,
            ring: std::iter::repeat_n(1.0, period).collect(),
            total1: -0.0,
            total2: -0.0,
            shift: 1.0,
            countdown: 8 * period - 1,
        };
        let (mut rv, mut rs) = (seeded(), seeded());
        for (i, c) in [
            1.0, 1.0, 2.0, 1.0, 1.0, 1.0, -0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 3.0,
        ]
        .into_iter()
        .enumerate()
        {
            let b = Bar { close: c, ..flat };
            check("VAR from -0.0", i, var.update(&b), rv.update(c));
            check("STDDEV from -0.0", i, sd.update(&b), rs.stddev(c, 2.0));
        }
    }
}

/// A reset state starts over like a fresh one (the update's steady state must not leave
/// anything behind that `reset` misses).
#[test]
fn fh_reset_starts_over() {
    let bs = bars(&series(300, 7, common::Kind::Walk));
    let mut atr = Atr::new(5).unwrap();
    let mut trix = Trix::new(4).unwrap();
    for b in &bs {
        atr.update(b);
        trix.update(b);
    }
    atr.reset();
    trix.reset();
    let (mut ra, mut rt) = (RefAtr::new(5), RefTrix::new(4));
    for (i, b) in bs.iter().enumerate() {
        check("ATR after reset", i, atr.update(b), ra.update(b));
        check("TRIX after reset", i, trix.update(b), rt.update(b.close));
    }
}
