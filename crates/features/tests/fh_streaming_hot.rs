//! Streaming `update` of ATR, NATR and TRIX against frozen copies of their reference
//! updates (the one-bar-at-a-time code, `f64::mul_add` for the fused steps), bit for bit,
//! on adversarial series: signed zeros, ties, NaN and ±inf in every column, huge and tiny
//! magnitudes, periods around the warm-up boundaries (1 included). Their updates inline a
//! steady state with the `vfmadd` instruction and run every other case out of line on a
//! copy; these tests hold both paths to the reference, including from states restored
//! with serde at many bars (warm-up and steady state alike).

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
use aaiti_features::momentum::Trix;
use aaiti_features::volatility::{Atr, Natr};
use common::{
    KINDS, STREAM_LENGTHS as LENGTHS, bars, check_output as check, json_roundtrip as roundtrip,
    series,
};

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

// ----- helpers ---------------------------------------------------------------------------

/// Whether the state is restored from JSON before bar `i` (many warm-up bars, then every
/// 13th, and the middle).
fn cut(i: usize, n: usize) -> bool {
    i < 40 || i.is_multiple_of(13) || i == n / 2
}

const PERIODS: [usize; 6] = [1, 2, 3, 5, 14, 40];

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
