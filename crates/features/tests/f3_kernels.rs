//! Batch kernels ([`Indicator::batch_into`] overrides) against the streaming fold, bit for
//! bit, for every catalog function on long series.
//!
//! The streaming property tests use short series (≤ 160 bars); kernels with periodic
//! re-synchronisation (WMA, the running-sum variance and regression) or long warm-ups
//! (KAMA, T3, the Hilbert transform) need thousands of bars to exercise every branch, so
//! this test runs 6,000-bar series: a random walk with flat runs and zero volumes, the
//! same with NaNs inside, and a level shift that stresses cancellation.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{Rng, fold, same};

use aaiti_core::{Bars, Ohlcv};
use aaiti_features::{
    Columns, Indicator, ParamKind, Params, batch_columns, batch_dyn, catalog, indicator,
    overlap::Sma,
};
use chrono::{TimeZone, Utc};
use ndarray::{Array1, Array2};

/// `n` bars as five columns: a random walk with 40-bar flat runs, zero-volume bars, an
/// optional level shift (prices × 1e4 after the middle) and optional NaN closes (which
/// `Bars` rejects, but the column APIs accept).
fn series(n: usize, seed: u64, shift: bool, nans: bool) -> [Vec<f64>; 5] {
    let mut r = Rng(seed);
    let mut p: f64 = 100.0;
    let (mut o, mut h, mut l, mut c, mut v) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n {
        let scale = if shift && i > n / 2 { 1e4 } else { 1.0 };
        if (i / 40) % 11 == 3 {
            let q = (p * scale * 100.0).round() / 100.0;
            o.push(q);
            h.push(q);
            l.push(q);
            c.push(q);
            v.push(if i % 3 == 0 { 0.0 } else { 5.0 });
            continue;
        }
        let open = p * scale;
        p = (p * (1.0 + 0.02 * (r.next() - 0.5))).max(1.0);
        let close = p * scale;
        o.push(open);
        c.push(if nans && i % 997 == 500 {
            f64::NAN
        } else {
            close
        });
        h.push(open.max(close) * (1.0 + 0.01 * r.next()));
        l.push(open.min(close) * (1.0 - 0.01 * r.next()));
        v.push((1000.0 * r.next()).round());
    }
    [o, h, l, c, v]
}

fn columns(s: &[Vec<f64>; 5]) -> Columns<'_> {
    Columns::new(&s[0], &s[1], &s[2], &s[3], &s[4]).unwrap()
}

fn to_bars(s: &[Vec<f64>; 5]) -> Bars {
    let ts = (0..s[0].len())
        .map(|i| {
            Utc.timestamp_opt(1_700_000_000 + 60 * i64::try_from(i).unwrap(), 0)
                .unwrap()
        })
        .collect();
    let col = |j: usize| Array1::from(s[j].clone());
    Bars::new(
        "K",
        None,
        ts,
        Ohlcv {
            open: col(0),
            high: col(1),
            low: col(2),
            close: col(3),
            volume: col(4),
        },
    )
    .unwrap()
}

/// Parameter sets per function: defaults, every MA type, and small/large periods.
fn param_sets(info: &aaiti_features::FunctionInfo) -> Vec<Params> {
    let mut sets = vec![Params::new()];
    for p in &info.params {
        match p.kind {
            ParamKind::MaType { .. } => {
                for code in 0..=8 {
                    sets.push(Params::new().with(p.name, f64::from(code)));
                }
            }
            ParamKind::Integer { default, min, max } => {
                #[allow(clippy::cast_precision_loss)]
                for val in [min.max(2).min(max), (default * 3).clamp(min, max.min(400))] {
                    sets.push(Params::new().with(p.name, val as f64));
                }
            }
            ParamKind::Real { .. } | ParamKind::Price { .. } => {}
        }
    }
    sets
}

#[test]
fn f3_every_kernel_equals_the_streaming_fold_on_long_series() {
    let inputs = [
        ("walk", series(6000, 1, false, false)),
        ("shift", series(6000, 2, true, false)),
        ("nans", series(3000, 3, false, true)),
    ];
    let mut checked = 0;
    for info in catalog() {
        for params in param_sets(&info) {
            let ind = match indicator(info.name, &params) {
                Ok(i) => i,
                Err(e) => panic!("{} {params:?}: {e}", info.name),
            };
            let k = ind.output_names().len();
            for (label, data) in &inputs {
                let cols = columns(data);
                let mut got = Vec::new();
                ind.batch_into(&cols, &mut got);
                let want = fold(ind.as_ref(), &cols);
                assert_eq!(got.len(), want.len(), "{} {params:?} on {label}", info.name);
                for (idx, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        same(*g, *w),
                        "{} {params:?} on {label}: kernel {g} != fold {w} at row {}, column {}",
                        info.name,
                        idx / k,
                        idx % k
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 3 * 80, "only {checked} cases ran");
}

#[test]
fn f3_kernel_starts_from_a_fresh_state_and_every_batch_path_agrees() {
    let data = series(500, 9, false, false);
    let bars = to_bars(&data);
    let sma = Sma::new(7).unwrap();
    let mut used = sma.clone();
    for (_, b) in bars.iter().take(100) {
        let _ = Indicator::update(&mut used, &b);
    }
    let cols = columns(&data);
    let mut from_used = Vec::new();
    Indicator::batch_into(&used, &cols, &mut from_used);
    let fresh = fold(&sma, &cols);
    assert_eq!(from_used.len(), 500);
    assert!(from_used.iter().zip(&fresh).all(|(a, b)| same(*a, *b)));
    assert!(fresh[5].is_nan() && fresh[6].is_finite());
    let via_bars = batch_dyn(&sma, &bars);
    assert!(via_bars.iter().zip(&fresh).all(|(a, b)| same(*a, *b)));
    let m = Array2::from_shape_vec((500, 1), data[3].clone()).unwrap();
    let per_column = batch_columns(&sma, m.view());
    assert!(per_column[0].iter().zip(&fresh).all(|(a, b)| same(*a, *b)));
}
