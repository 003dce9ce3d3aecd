//! The streaming fast path of the running variance (VAR, STDDEV and BBANDS' deviation).
//!
//! `VarCore::update` inlines the steady state (full window, no exact re-computation due)
//! and runs the warm-up, the periodic exact re-computation (every `8 · period` outputs)
//! and a failed cancellation check out of line. These tests hold the streaming outputs to
//! the batch kernels bit for bit on adversarial series (flat runs and plateaus that fail
//! the cancellation check, nearly flat windows, signed zeros, NaN, ±inf, huge and tiny
//! magnitudes) at lengths around the warm-up and the re-computation points, and through a
//! serde round trip of the state at every bar of a stream (also a state saved before the
//! shift and the countdown existed).

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{KINDS, Rng, bars, fold, same, series};

use aaiti_core::Bar;
use aaiti_features::overlap::Bbands;
use aaiti_features::statistic::{StdDev, Var};
use aaiti_features::{Columns, DynIndicator, Indicator, MaType, PriceField};

/// VAR, STDDEV and BBANDS (the variance-based deviation) of period `p` over a few inputs.
fn indicators(p: usize) -> Vec<Box<dyn DynIndicator>> {
    let mut v: Vec<Box<dyn DynIndicator>> = vec![
        Box::new(Var::new(p, 1.0).unwrap()),
        Box::new(Var::new(p, 1.0).unwrap().with_price(PriceField::Volume)),
        Box::new(Var::new(p, 1.0).unwrap().with_price(PriceField::High)),
    ];
    if p >= 2 {
        v.push(Box::new(StdDev::new(p, 1.0).unwrap()));
        v.push(Box::new(
            StdDev::new(p, -2.5).unwrap().with_price(PriceField::Low),
        ));
        v.push(Box::new(Bbands::new(p, 2.0, 2.0, MaType::Sma).unwrap()));
        v.push(Box::new(
            Bbands::new(p, 1.5, -0.5, MaType::Ema)
                .unwrap()
                .with_price(PriceField::Open),
        ));
    }
    v
}

/// The batch kernel against the fold of `update`, at every given length of `data`.
fn check(label: &str, data: &[Vec<f64>; 5], p: usize, lens: &[usize]) {
    for &len in lens {
        let d: Vec<&[f64]> = data.iter().map(|c| &c[..len.min(c.len())]).collect();
        let cols = Columns::new(d[0], d[1], d[2], d[3], d[4]).unwrap();
        for ind in indicators(p) {
            let mut got = Vec::new();
            ind.batch_into(&cols, &mut got);
            let want = fold(ind.as_ref(), &cols);
            assert_eq!(got.len(), want.len(), "{ind:?} on {label}");
            for (row, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    same(*g, *w),
                    "{ind:?} on {label} ({len} bars): batch {g:?} != stream {w:?} at {row}"
                );
            }
        }
    }
}

/// Lengths around the warm-up and the first two exact re-computations of period `p`.
fn lengths(p: usize, n: usize) -> Vec<usize> {
    let mut v = vec![0, 1, p.saturating_sub(1), p, p + 1, n];
    for k in [1, 2] {
        let r = p - 1 + 8 * p * k;
        v.extend([r - 1, r, r + 1, r + 2]);
    }
    v.retain(|&l| l <= n);
    v
}

/// Plateaus (exactly flat windows: the cancellation check fails, the exact path gives 0),
/// nearly flat windows at a large level (~12 digits of cancellation), a level jump, ±0 and
/// tiny values, in every column.
fn plateaus(n: usize, seed: u64) -> [Vec<f64>; 5] {
    let mut r = Rng(seed);
    let mut cols: [Vec<f64>; 5] = Default::default();
    for i in 0..n {
        let v = match (i / 45) % 6 {
            0 => 100.0,
            1 => 1e8 + 1e-4 * r.next(),
            2 => 100.0 + r.next(),
            3 => {
                if i % 2 == 0 {
                    0.0
                } else {
                    -0.0
                }
            }
            4 => 1e-300 * r.next(),
            _ => 1e12 + (i % 3) as f64,
        };
        for (k, c) in cols.iter_mut().enumerate() {
            c.push(if k == 4 && i % 5 == 0 { v * 2.0 } else { v });
        }
    }
    cols
}

#[test]
fn fs_variance_streams_equal_the_batch() {
    for (s, kind) in KINDS.iter().enumerate() {
        let data = series(700, 40 + s as u64, *kind);
        for p in [1, 2, 3, 5, 20, 33] {
            check(&format!("{kind:?}"), &data, p, &lengths(p, 700));
        }
    }
    let data = plateaus(1000, 7);
    for p in [1, 2, 3, 5, 20, 33, 44, 46] {
        check("plateaus", &data, p, &lengths(p, 1000));
    }
}

/// Folds `ind` over `list`, replacing the state at `cut` by its JSON round trip, and checks
/// every output against the uninterrupted fold (non-finite sums included: they are written
/// as strings by `aaiti_core::serde_f64`).
fn resumes<I: Indicator>(ind: &I, list: &[Bar], cut: usize) {
    let mut a = ind.clone();
    let mut b = ind.clone();
    for (i, bar) in list.iter().enumerate() {
        if i == cut {
            let json = serde_json::to_string(&b).unwrap();
            b = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{ind:?} at {cut}: {e}"));
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{ind:?} at {cut}");
        }
        let (x, y) = (a.update(bar), b.update(bar));
        assert_eq!(
            format!("{x:?}"),
            format!("{y:?}"),
            "{ind:?} after a cut at {cut}, bar {i}"
        );
    }
}

#[test]
fn fs_variance_states_resume_from_json() {
    let p = 4;
    // Warm-up, the first re-computations (bars 3, 35, 67) and plateaus' failed checks.
    let cuts: Vec<usize> = (0..80).chain([135, 136, 137, 180, 181, 299]).collect();
    let mut sets = vec![bars(&plateaus(300, 3))];
    for (s, kind) in KINDS.iter().enumerate() {
        sets.push(bars(&series(300, 90 + s as u64, *kind)));
    }
    for list in &sets {
        for &cut in &cuts {
            resumes(&Var::new(p, 1.0).unwrap(), list, cut);
            resumes(&StdDev::new(p, 2.0).unwrap(), list, cut);
            resumes(&Bbands::new(p, 2.0, 1.0, MaType::Sma).unwrap(), list, cut);
        }
    }
}

/// A state saved before `shift` and `countdown` existed loads with both at 0: its next
/// output is the exact two-pass variance of the window, which is what a fresh state's first
/// output over the same `p` bars computes.
#[test]
fn fs_variance_states_without_shift_load() {
    let p = 5;
    let list = bars(&series(200, 5, common::Kind::Walk));
    for cut in [0, 3, 4, 5, 6, 30, 44, 45, 46, 120, 199] {
        let mut a = Var::new(p, 1.0).unwrap();
        for bar in &list[..cut] {
            a.update(bar);
        }
        let mut v: serde_json::Value = serde_json::to_value(&a).unwrap();
        let core = v.get_mut("core").unwrap().as_object_mut().unwrap();
        assert!(core.remove("shift").is_some());
        assert!(core.remove("countdown").is_some());
        let mut b: Var = serde_json::from_value(v).unwrap();
        let got = b.update(&list[cut]);
        let mut fresh = Var::new(p, 1.0).unwrap();
        let mut want = None;
        for bar in &list[(cut + 1).saturating_sub(p)..=cut] {
            want = fresh.update(bar);
        }
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "cut {cut}");
        // It keeps streaming (the running form from the restarted sums) without surprises.
        for (i, bar) in list.iter().enumerate().skip(cut + 1) {
            let y = b.update(bar);
            assert_eq!(y.is_some(), i + 1 >= p, "cut {cut}, bar {i}");
            let y = y.unwrap_or(0.0);
            assert!(y.is_finite() && y >= 0.0, "cut {cut}, bar {i}: {y}");
        }
    }
}
