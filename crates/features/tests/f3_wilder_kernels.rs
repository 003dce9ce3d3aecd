//! Edge cases of the Wilder / volume / volatility / SAR batch kernels against the
//! streaming fold, bit for bit.
//!
//! `f3_kernels` runs every catalog function on long random walks (NaN closes only). The
//! kernels here also rest on facts that such data rarely exercise: the branch-free
//! one-bar DM, TR and RSI/OBV increments rely on how `±0.0`, NaN and infinities combine
//! (e.g. "this sum is never `-0.0`, so adding `+0.0` is the identity"), the kernels work
//! in blocks of 128 or 256 bars with a software-pipelined ADX, and the lookbacks depend
//! on the period. So this test feeds short series of every length around the lookbacks
//! and the block sizes, with signed zeros, NaNs and infinities in every column.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{Rng, assert_kernel_eq_fold};

use aaiti_features::{Columns, Params, indicator};

/// How a series is damaged.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A random walk with flat runs (equal highs, lows and closes).
    Walk,
    /// Prices and volumes that are `+0.0` or `-0.0` in places, the rest small integers
    /// (so ties and zero ranges are common).
    Zeros,
    /// NaN in every column at scattered bars.
    Nans,
    /// `±inf` in the highs, lows and volumes at scattered bars.
    Infs,
}

fn series(n: usize, seed: u64, kind: Kind) -> [Vec<f64>; 5] {
    let mut r = Rng(seed);
    let mut cols: [Vec<f64>; 5] = Default::default();
    let mut p: f64 = 100.0;
    for i in 0..n {
        let (mut o, mut h, mut l, mut c, mut v);
        match kind {
            Kind::Zeros => {
                let pick = |r: &mut Rng| match (r.next() * 6.0) as u32 {
                    0 => 0.0,
                    1 => -0.0,
                    k => f64::from(k),
                };
                o = pick(&mut r);
                c = pick(&mut r);
                h = o.max(c) + if r.next() < 0.5 { 0.0 } else { 1.0 };
                l = o.min(c) - if r.next() < 0.5 { 0.0 } else { 1.0 };
                if r.next() < 0.2 {
                    (h, l) = (-0.0, 0.0);
                }
                v = pick(&mut r);
            }
            _ => {
                o = p;
                if (i / 7) % 5 != 2 {
                    p = (p * (1.0 + 0.04 * (r.next() - 0.5))).max(1.0);
                }
                c = p;
                h = o.max(c) * (1.0 + 0.01 * r.next());
                l = o.min(c) * (1.0 - 0.01 * r.next());
                if (i / 7) % 5 == 2 {
                    (h, l) = (c, c);
                }
                v = (100.0 * r.next()).round();
            }
        }
        match kind {
            Kind::Nans if r.next() < 0.03 => match (r.next() * 5.0) as u32 {
                0 => o = f64::NAN,
                1 => h = f64::NAN,
                2 => l = f64::NAN,
                3 => c = f64::NAN,
                _ => v = f64::NAN,
            },
            Kind::Infs if r.next() < 0.03 => match (r.next() * 3.0) as u32 {
                0 => h = f64::INFINITY,
                1 => l = f64::NEG_INFINITY,
                _ => {
                    v = if r.next() < 0.5 {
                        f64::INFINITY
                    } else {
                        f64::NEG_INFINITY
                    }
                }
            },
            _ => {}
        }
        for (col, x) in cols.iter_mut().zip([o, h, l, c, v]) {
            col.push(x);
        }
    }
    cols
}

/// `(function, parameter sets)`.
fn cases() -> Vec<(&'static str, Vec<Params>)> {
    let periods = |min: usize| -> Vec<Params> {
        [1, 2, 3, 5, 14, 127, 128, 129]
            .into_iter()
            .filter(|&p| p >= min)
            .map(|p| Params::new().with("timeperiod", p as f64))
            .collect()
    };
    let mut out = vec![];
    for f in ["PLUS_DM", "MINUS_DM", "PLUS_DI", "MINUS_DI", "ATR", "NATR"] {
        out.push((f, periods(1)));
    }
    for f in ["DX", "ADX", "ADXR", "RSI", "CMO"] {
        out.push((f, periods(2)));
    }
    for f in ["RSI", "CMO", "OBV"] {
        out.push((
            f,
            vec![
                Params::new().with_text("price", "volume"),
                Params::new().with_text("price", "high"),
            ],
        ));
    }
    out.push(("TRANGE", vec![Params::new()]));
    out.push(("AD", vec![Params::new()]));
    out.push(("OBV", vec![Params::new()]));
    out.push((
        "ADOSC",
        vec![
            Params::new(),
            Params::new()
                .with("fastperiod", 10.0)
                .with("slowperiod", 3.0),
            Params::new()
                .with("fastperiod", 2.0)
                .with("slowperiod", 130.0),
        ],
    ));
    out.push((
        "SAR",
        vec![
            Params::new(),
            Params::new().with("acceleration", 0.3).with("maximum", 0.2),
            Params::new().with("acceleration", 0.0).with("maximum", 0.0),
        ],
    ));
    out.push((
        "SAREXT",
        vec![
            Params::new(),
            Params::new()
                .with("startvalue", 90.0)
                .with("offsetonreverse", 0.01),
            Params::new()
                .with("startvalue", -150.0)
                .with("accelerationinitshort", 0.05)
                .with("accelerationmaxlong", 0.1),
        ],
    ));
    out
}

#[test]
fn f3_wilder_kernels_equal_the_fold_on_edge_cases() {
    // Lengths around the lookbacks (period 1..129 → up to 3·129 − 2) and the block sizes.
    let mut lengths: Vec<usize> = (0..12).collect();
    lengths.extend([
        27, 28, 29, 40, 41, 42, 127, 128, 129, 130, 255, 256, 257, 258,
    ]);
    lengths.extend([383, 384, 385, 386, 387, 513, 700, 1031]);
    let mut checked = 0;
    for (name, sets) in cases() {
        for params in sets {
            let ind = match indicator(name, &params) {
                Ok(i) => i,
                Err(e) => panic!("{name} {params:?}: {e}"),
            };
            for kind in [Kind::Walk, Kind::Zeros, Kind::Nans, Kind::Infs] {
                for (seed, &n) in (1u64..).zip(&lengths) {
                    let data = series(n, seed, kind);
                    let cols =
                        Columns::new(&data[0], &data[1], &data[2], &data[3], &data[4]).unwrap();
                    assert_kernel_eq_fold(
                        ind.as_ref(),
                        &cols,
                        &format!("{name} {params:?} {kind:?} n={n}"),
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 5000, "only {checked} cases ran");
}
