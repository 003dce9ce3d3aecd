//! The window-scan kernels (WILLR, STOCH, STOCHF, STOCHRSI, AROON, AROONOSC, CCI, MFI,
//! ULTOSC) against the streaming fold, bit for bit, on inputs chosen for their edge cases:
//! many equal highs and lows (which index or which `±0` wins a tie), signed zeros, NaN and
//! infinite highs / lows / closes / volumes (the kernels' fallbacks), series shorter than
//! the window, and windows longer than a kernel chunk.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{Rng, fold, same};

use aaiti_features::momentum::{Aroon, AroonOsc, Cci, Mfi, Stoch, StochF, StochRsi, UltOsc, Willr};
use aaiti_features::{Columns, DynIndicator, MaType};

type Series = [Vec<f64>; 5];

/// A random walk with flat runs, zero volumes and a level shift.
fn walk(n: usize, seed: u64) -> Series {
    let mut r = Rng(seed);
    let mut p: f64 = 100.0;
    let mut s: Series = Default::default();
    for i in 0..n {
        let scale = if i > n / 2 { 1e4 } else { 1.0 };
        if (i / 30) % 7 == 2 {
            let q = (p * scale * 100.0).round() / 100.0;
            for (j, c) in s.iter_mut().enumerate() {
                c.push(if j == 4 { 0.0 } else { q });
            }
            continue;
        }
        let open = p * scale;
        p = (p * (1.0 + 0.02 * (r.next() - 0.5))).max(1.0);
        let close = p * scale;
        s[0].push(open);
        s[1].push(open.max(close) * (1.0 + 0.01 * r.next()));
        s[2].push(open.min(close) * (1.0 - 0.01 * r.next()));
        s[3].push(close);
        s[4].push((1000.0 * r.next()).round());
    }
    s
}

/// Prices on a coarse grid of a few levels around zero, `±0` included: ties everywhere,
/// equal highs and lows, signed zeros in every column.
fn ties(n: usize, seed: u64) -> Series {
    let mut r = Rng(seed);
    let levels = [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0];
    let mut s: Series = Default::default();
    for _ in 0..n {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let mut g = || levels[((r.next() * 6.0) as usize).min(5)];
        let (a, b, c) = (g(), g(), g());
        let hi = if a >= b { a } else { b };
        let lo = if a <= b { a } else { b };
        let close = if c > hi {
            hi
        } else if c < lo {
            lo
        } else {
            c
        };
        s[0].push(a);
        s[1].push(hi);
        s[2].push(lo);
        s[3].push(close);
        s[4].push(g() + 2.0);
    }
    s
}

/// `base` with `v` written into column `col` at a few rows.
fn poke(mut base: Series, col: usize, v: f64, rows: &[usize]) -> Series {
    for &i in rows {
        if let Some(x) = base[col].get_mut(i) {
            *x = v;
        }
    }
    base
}

/// The indicators under test with window `p`.
fn indicators(p: usize) -> Vec<Box<dyn DynIndicator>> {
    let mut v: Vec<Box<dyn DynIndicator>> = vec![
        Box::new(Stoch::new(p, 3, MaType::Sma, 3, MaType::Sma).unwrap()),
        Box::new(Stoch::new(p, 1, MaType::Sma, 4, MaType::Ema).unwrap()),
        Box::new(Stoch::new(p, 5, MaType::Wma, 2, MaType::Tema).unwrap()),
        Box::new(StochF::new(p, 3, MaType::Sma).unwrap()),
        Box::new(StochF::new(p, 4, MaType::Ema).unwrap()),
        Box::new(StochRsi::new(14, p, 3, MaType::Sma).unwrap()),
        Box::new(UltOsc::new(p, 2 * p, 3 * p).unwrap()),
        Box::new(UltOsc::new(3 * p, p, 2).unwrap()),
    ];
    if p >= 2 {
        v.push(Box::new(Willr::new(p).unwrap()));
        v.push(Box::new(Cci::new(p).unwrap()));
        v.push(Box::new(Mfi::new(p).unwrap()));
        v.push(Box::new(Aroon::new(p).unwrap()));
        v.push(Box::new(AroonOsc::new(p).unwrap()));
        v.push(Box::new(StochRsi::new(p, 5, 3, MaType::Sma).unwrap()));
    }
    v
}

fn check(label: &str, data: &Series, periods: &[usize]) {
    let cols = Columns::new(&data[0], &data[1], &data[2], &data[3], &data[4]).unwrap();
    for &p in periods {
        for ind in indicators(p) {
            let mut got = vec![7.0];
            ind.batch_into(&cols, &mut got);
            let want = fold(ind.as_ref(), &cols);
            assert_eq!(got.len(), want.len() + 1, "{ind:?} on {label}");
            assert!(
                same(got[0], 7.0),
                "{ind:?} on {label}: overwrote the prefix"
            );
            let k = ind.output_names().len();
            for (idx, (g, w)) in got[1..].iter().zip(&want).enumerate() {
                assert!(
                    same(*g, *w),
                    "{ind:?} on {label}: kernel {g:?} != fold {w:?} at row {}, column {}",
                    idx / k,
                    idx % k
                );
            }
        }
    }
}

#[test]
fn f3_window_kernels_equal_the_fold_on_walks_and_ties() {
    check("walk", &walk(5000, 1), &[1, 2, 3, 5, 8, 14, 33, 100]);
    check("ties", &ties(4000, 2), &[1, 2, 3, 4, 5, 7, 14, 16, 17, 50]);
}

#[test]
fn f3_window_kernels_cross_chunks_and_long_windows() {
    check("long walk", &walk(12_000, 3), &[255, 1024, 1500]);
    check("long ties", &ties(9_000, 4), &[1030]);
}

#[test]
fn f3_window_kernels_handle_short_series() {
    let w = walk(40, 5);
    for n in [0, 1, 2, 4, 5, 6, 13, 14, 15, 16, 29, 40] {
        let s: Series = std::array::from_fn(|j| w[j][..n].to_vec());
        check(&format!("short {n}"), &s, &[1, 2, 5, 14]);
    }
}

#[test]
fn f3_window_kernels_fall_back_on_nan_and_infinity() {
    let rows = [0, 3, 700, 1500, 2999];
    for col in 1..5 {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let label = format!("column {col} = {v}");
            check(&label, &poke(walk(3000, 6), col, v, &rows), &[2, 5, 14]);
            check(&label, &poke(ties(3000, 7), col, v, &rows[2..3]), &[3, 14]);
        }
    }
    // A NaN only in the last row, after every other chunk ran.
    check(
        "late NaN",
        &poke(walk(5000, 8), 1, f64::NAN, &[4999]),
        &[14],
    );
    check(
        "late NaN low",
        &poke(walk(5000, 8), 2, f64::NAN, &[4990]),
        &[5],
    );
}
