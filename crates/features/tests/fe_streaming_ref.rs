//! Streaming `update` of ADX, ADXR, RSI, CMO and OBV against frozen copies of their
//! reference updates (the branchy one-bar-at-a-time code the TA-Lib parity was first
//! established with), bit for bit, on adversarial series: signed zeros, ties, NaN and
//! ±inf in every column, huge and tiny magnitudes, periods around the warm-up boundaries.
//! The hot paths replaced data-dependent branches with selects whose zero is `-0.0`;
//! these tests hold them to the branches, including from states restored with serde
//! mid-stream and from states whose sums are `-0.0`.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::cast_precision_loss,
    reason = "test code"
)]

mod common;

use aaiti_core::Bar;
use aaiti_features::Indicator;
use aaiti_features::PriceField;
use aaiti_features::momentum::{Adx, Adxr, Cmo, Rsi};
use aaiti_features::volume::Obv;
use common::{
    KINDS, STREAM_LENGTHS as LENGTHS, bars, check_output as check, json_roundtrip as roundtrip,
    series,
};

const EPS: f64 = 0.000_000_000_000_01;

fn is_zero(v: f64) -> bool {
    v.is_nan() || v.abs() < EPS
}

/// TA-Lib 0.8.1 (issue #253) tests sums in a price unit (TR, gain + loss) against zero
/// without a fixed band: zero unless positive (NaN included; below 1e-300 counts as zero,
/// the crate's `SUM_FLOOR`).
fn not_positive(v: f64) -> bool {
    v.is_nan() || v < 1e-300
}

// ----- frozen reference copies -----------------------------------------------------------

/// The reference ±DM / TR / ADX recursion (`DmCore::step` + `Adx::update`).
#[derive(Clone)]
struct RefAdx {
    period: usize,
    n: usize,
    ph: f64,
    pl: f64,
    pc: f64,
    plus: f64,
    minus: f64,
    tr: f64,
    sum_dx: f64,
    adx: f64,
}

impl RefAdx {
    fn new(period: usize) -> Self {
        Self {
            period,
            n: 0,
            ph: 0.0,
            pl: 0.0,
            pc: 0.0,
            plus: 0.0,
            minus: 0.0,
            tr: 0.0,
            sum_dx: 0.0,
            adx: 0.0,
        }
    }

    /// `true` in the smoothing phase.
    fn step(&mut self, b: &Bar) -> bool {
        let n = self.n;
        self.n = n.saturating_add(1);
        if n == 0 {
            (self.ph, self.pl, self.pc) = (b.high, b.low, b.close);
            return false;
        }
        let diff_p = b.high - self.ph;
        self.ph = b.high;
        let diff_m = self.pl - b.low;
        self.pl = b.low;
        let (p, m) = if diff_m > 0.0 && diff_p < diff_m {
            (0.0, diff_m)
        } else if diff_p > 0.0 && diff_p > diff_m {
            (diff_p, 0.0)
        } else {
            (0.0, 0.0)
        };
        let mut tr = self.ph - self.pl;
        let t = (self.ph - self.pc).abs();
        if t > tr {
            tr = t;
        }
        let t = (self.pl - self.pc).abs();
        if t > tr {
            tr = t;
        }
        self.pc = b.close;
        if n < self.period {
            if m != 0.0 {
                self.minus += m;
            } else if p != 0.0 {
                self.plus += p;
            }
            self.tr += tr;
            return false;
        }
        let per = self.period as f64;
        self.minus -= self.minus / per;
        self.plus -= self.plus / per;
        if m != 0.0 {
            self.minus += m;
        } else if p != 0.0 {
            self.plus += p;
        }
        self.tr = self.tr - self.tr / per + tr;
        true
    }

    fn dx(&self) -> Option<f64> {
        if not_positive(self.tr) {
            return None;
        }
        let (mdi, pdi) = (
            100.0 * (self.minus / self.tr),
            100.0 * (self.plus / self.tr),
        );
        let s = mdi + pdi;
        if is_zero(s) {
            None
        } else {
            Some(100.0 * ((mdi - pdi).abs() / s))
        }
    }

    fn update(&mut self, b: &Bar) -> Option<f64> {
        if !self.step(b) {
            return None;
        }
        let p = self.period;
        let t = self.n - 1;
        let per = p as f64;
        if t < 2 * p {
            if let Some(dx) = self.dx() {
                self.sum_dx += dx;
            }
            if t + 1 < 2 * p {
                return None;
            }
            self.adx = self.sum_dx / per;
            return Some(self.adx);
        }
        if let Some(dx) = self.dx() {
            self.adx = (self.adx * (p - 1) as f64 + dx) / per;
        }
        Some(self.adx)
    }
}

/// The reference RSI / CMO averages (`GainLoss::step`).
struct RefGainLoss {
    period: usize,
    recip: bool,
    n: usize,
    prev: f64,
    gain: f64,
    loss: f64,
}

impl RefGainLoss {
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

    fn step(&mut self, x: f64) -> Option<(f64, f64)> {
        let n = self.n;
        self.n = n.saturating_add(1);
        if n == 0 {
            self.prev = x;
            return None;
        }
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

    fn rsi(&mut self, x: f64) -> Option<f64> {
        let (g, l) = self.step(x)?;
        let s = g + l;
        Some(if not_positive(s) {
            0.0
        } else {
            100.0 * (g / s)
        })
    }

    fn cmo(&mut self, x: f64) -> Option<f64> {
        let (g, l) = self.step(x)?;
        let s = g + l;
        Some(if not_positive(s) {
            0.0
        } else {
            100.0 * ((g - l) / s)
        })
    }
}

/// The reference OBV update (three-way branch).
fn ref_obv(prev: &mut Option<(f64, f64)>, x: f64, v: f64) -> f64 {
    let obv = match *prev {
        None => v,
        Some((px, obv)) => {
            if x > px {
                obv + v
            } else if x < px {
                obv - v
            } else {
                obv
            }
        }
    };
    *prev = Some((x, obv));
    obv
}

// ----- helpers ---------------------------------------------------------------------------

const PERIODS: [usize; 5] = [2, 3, 5, 14, 40];

// ----- tests -----------------------------------------------------------------------------

#[test]
fn fe_adx_update_equals_the_reference() {
    let mut checked = 0;
    for kind in KINDS {
        for (seed, n) in (10u64..).zip(LENGTHS) {
            let data = series(n, seed, kind);
            let bs = bars(&data);
            for period in PERIODS {
                let mut adx = Adx::new(period).unwrap();
                let mut adxr = Adxr::new(period).unwrap();
                let mut r = RefAdx::new(period);
                let mut hist: Vec<f64> = vec![];
                for (i, b) in bs.iter().enumerate() {
                    if i == n / 2 {
                        adx = roundtrip(&adx);
                        adxr = roundtrip(&adxr);
                    }
                    let want = r.update(b);
                    check(
                        &format!("ADX({period}) {kind:?} n={n}"),
                        i,
                        adx.update(b),
                        want,
                    );
                    // ADXR: the mean of ADX now and `period - 1` outputs ago.
                    let want_r = want.and_then(|a| {
                        hist.push(a);
                        let k = hist.len();
                        (k >= period).then(|| (a + hist[k - period]) / 2.0)
                    });
                    check(
                        &format!("ADXR({period}) {kind:?} n={n}"),
                        i,
                        adxr.update(b),
                        want_r,
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 200, "only {checked} cases ran");
}

#[test]
fn fe_rsi_cmo_update_equal_the_reference() {
    let mut checked = 0;
    for kind in KINDS {
        for (seed, n) in (20u64..).zip(LENGTHS) {
            let data = series(n, seed, kind);
            let bs = bars(&data);
            for period in PERIODS {
                for price in [PriceField::Close, PriceField::Volume, PriceField::High] {
                    let mut rsi = Rsi::new(period).unwrap().with_price(price);
                    let mut cmo = Cmo::new(period).unwrap().with_price(price);
                    let mk = |recip| RefGainLoss {
                        period,
                        recip,
                        n: 0,
                        prev: 0.0,
                        gain: 0.0,
                        loss: 0.0,
                    };
                    let (mut rr, mut rc) = (mk(true), mk(false));
                    for (i, b) in bs.iter().enumerate() {
                        if i == n / 2 {
                            rsi = roundtrip(&rsi);
                            cmo = roundtrip(&cmo);
                        }
                        let x = price.get(b);
                        let l = format!("{period} {price:?} {kind:?} n={n}");
                        check(&format!("RSI {l}"), i, rsi.update(b), rr.rsi(x));
                        check(&format!("CMO {l}"), i, cmo.update(b), rc.cmo(x));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 600, "only {checked} cases ran");
}

#[test]
fn fe_obv_update_equals_the_reference() {
    for kind in KINDS {
        for (seed, n) in (30u64..).zip(LENGTHS) {
            let data = series(n, seed, kind);
            for price in [PriceField::Close, PriceField::Volume, PriceField::Low] {
                let mut obv = Obv::new().with_price(price);
                let mut prev = None;
                for (i, b) in bars(&data).iter().enumerate() {
                    if i == n / 2 {
                        obv = roundtrip(&obv);
                    }
                    let want = ref_obv(&mut prev, price.get(b), b.volume);
                    check(
                        &format!("OBV {price:?} {kind:?} n={n}"),
                        i,
                        obv.update(b),
                        Some(want),
                    );
                }
            }
        }
    }
}

/// States whose running sums are `-0.0` (reachable only through serde): the hot paths'
/// `-0.0` increments leave them as the branches do.
#[test]
fn fe_negative_zero_states_continue_like_the_reference() {
    // RSI: seed with zero changes, then flip the averages' signs in the serialised state.
    let flat = Bar {
        open: 1.0,
        high: 1.0,
        low: 1.0,
        close: 1.0,
        volume: 1.0,
    };
    let mut rsi = Rsi::new(3).unwrap();
    for _ in 0..5 {
        rsi.update(&flat);
    }
    let json = serde_json::to_string(&rsi).unwrap();
    assert!(
        json.contains("\"gain\":0.0") && json.contains("\"loss\":0.0"),
        "{json}"
    );
    let json = json
        .replace("\"gain\":0.0", "\"gain\":-0.0")
        .replace("\"loss\":0.0", "\"loss\":-0.0");
    let mut rsi: Rsi = serde_json::from_str(&json).unwrap();
    let mut r = RefGainLoss {
        period: 3,
        recip: true,
        n: 5,
        prev: 1.0,
        gain: -0.0,
        loss: -0.0,
    };
    for (i, c) in [0.5, 0.25, 1.0, 2.0, 2.0, 1.0, 1.0, -0.0, 0.0, 0.0]
        .into_iter()
        .enumerate()
    {
        let b = Bar { close: c, ..flat };
        let (g, w) = (rsi.update(&b), r.rsi(c));
        check("RSI from -0.0", i, g, w);
        assert_eq!(g.unwrap().to_bits(), w.unwrap().to_bits());
    }
    // OBV: a -0.0 running value (the first bar's volume) stays -0.0 on an unchanged price.
    let mut obv = Obv::new();
    obv.update(&Bar {
        volume: -0.0,
        ..flat
    });
    let y = obv.update(&flat).unwrap();
    assert_eq!(y.to_bits(), (-0.0f64).to_bits());
}
