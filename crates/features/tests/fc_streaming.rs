//! Streaming fast paths of the moving averages and MA oscillators (SMA, EMA, WMA, DEMA,
//! TEMA, TRIMA, KAMA, T3, MA of every type, BBANDS, MACD, MACDFIX, MACDEXT, APO, PPO).
//!
//! Their `update`s take a steady-state branch once every stage is seeded (ring full,
//! fused steps through `fma::Fused`). These tests hold that branch to the batch kernels bit
//! for bit on adversarial series (flat runs, signed zeros, NaN, ±inf, huge and tiny
//! magnitudes) at every length around the warm-ups, across WMA's periodic
//! re-synchronisation, and through a serde round trip of the state at every bar near the
//! warm-up boundary (the state a service would persist and restore).

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{Rng, same};

use aaiti_features::{
    Columns, Indicator, IndicatorOutput, MaType,
    momentum::{Apo, Macd, MacdExt, MacdFix, Ppo},
    overlap::{Bbands, Dema, Ema, Kama, Ma, Sma, T3, Tema, Trima, Wma},
    scalar_bar,
};

/// Named adversarial series of length `n`.
fn series(n: usize, seed: u64) -> Vec<(&'static str, Vec<f64>)> {
    let mut r = Rng(seed);
    let walk: Vec<f64> = {
        let mut p = 50.0;
        (0..n)
            .map(|i| {
                if (i / 7) % 5 == 2 {
                    return p; // flat runs: exact ties, zero changes (KAMA's flat branch)
                }
                p += r.next() - 0.5;
                p
            })
            .collect()
    };
    let zeros: Vec<f64> = (0..n)
        .map(|i| match i % 9 {
            0 | 4 => 0.0,
            1 | 5 => -0.0,
            2 => 1e-300,
            3 => -1e-300,
            6 => 5e-324,
            _ => r.next() - 0.5,
        })
        .collect();
    let huge: Vec<f64> = (0..n)
        .map(|i| {
            let s = if i % 2 == 0 { 1.0 } else { -1.0 };
            s * 1e300 * r.next() + if i % 5 == 0 { 1e-200 } else { 0.0 }
        })
        .collect();
    let with = |bad: f64, every: usize, at: usize| -> Vec<f64> {
        walk.iter()
            .enumerate()
            .map(|(i, &v)| if i % every == at { bad } else { v })
            .collect()
    };
    vec![
        ("walk", walk.clone()),
        ("zeros", zeros),
        ("huge", huge),
        ("nan", with(f64::NAN, 97, 40)),
        ("inf", with(f64::INFINITY, 89, 50)),
        ("-inf", with(f64::NEG_INFINITY, 113, 3)),
    ]
}

/// Row-major outputs of a fresh state fed `x` bar by bar (NaN rows inside the lookback).
fn stream<I: Indicator>(ind: &I, x: &[f64]) -> Vec<f64> {
    let mut st = ind.clone();
    st.reset();
    let k = I::Output::names().len();
    let mut out = vec![f64::NAN; x.len() * k];
    for (row, &v) in out.chunks_exact_mut(k).zip(x) {
        if let Some(o) = st.update(&scalar_bar(v)) {
            o.write_to(row);
        }
    }
    out
}

fn assert_same(label: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{label}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(same(*g, *w), "{label}: {g:e} != {w:e} at value {i}");
    }
}

/// Streaming == batch on every series and on every prefix length up to `3 * lookback + 12`.
fn check<I: Indicator>(name: &str, ind: &I) {
    let lb = ind.lookback();
    for (label, x) in series(1500.max(10 * lb), 7) {
        let mut batch = Vec::new();
        ind.batch_into(&Columns::from_series(&x), &mut batch);
        let streamed = stream(ind, &x);
        assert_same(&format!("{name} on {label}"), &streamed, &batch);
        for n in 0..(3 * lb + 12).min(x.len()) {
            let mut b = Vec::new();
            ind.batch_into(&Columns::from_series(&x[..n]), &mut b);
            assert_same(
                &format!("{name} on {label}[..{n}]"),
                &stream(ind, &x[..n]),
                &b,
            );
        }
    }
}

/// A state serialised after every bar `0..3 * lookback + 6` and restored continues with
/// exactly the outputs of the uninterrupted stream.
fn check_serde<I: Indicator>(name: &str, ind: &I) {
    let lb = ind.lookback();
    let x = &series(4 * lb + 40, 11)[0].1;
    let want = stream(ind, x);
    let k = I::Output::names().len();
    for cut in 0..(3 * lb + 6).min(x.len()) {
        let mut st = ind.clone();
        st.reset();
        for &v in &x[..cut] {
            let _ = st.update(&scalar_bar(v));
        }
        let json = serde_json::to_string(&st).unwrap();
        let mut back: I = serde_json::from_str(&json).unwrap();
        for (i, &v) in x.iter().enumerate().skip(cut) {
            let mut row = vec![f64::NAN; k];
            if let Some(o) = back.update(&scalar_bar(v)) {
                o.write_to(&mut row);
            }
            assert_same(
                &format!("{name} restored after {cut} bars, bar {i}"),
                &row,
                &want[i * k..(i + 1) * k],
            );
        }
    }
}

fn check_all<I: Indicator>(name: &str, ind: &I) {
    check(name, ind);
    check_serde(name, ind);
}

const PERIODS: [usize; 6] = [1, 2, 3, 4, 7, 30];

#[test]
fn fc_scalar_moving_averages_stream_like_their_kernels() {
    for p in PERIODS {
        check_all(&format!("SMA({p})"), &Sma::new(p).unwrap());
        check_all(&format!("EMA({p})"), &Ema::new(p).unwrap());
        check_all(&format!("WMA({p})"), &Wma::new(p).unwrap());
        check_all(&format!("DEMA({p})"), &Dema::new(p).unwrap());
        check_all(&format!("TEMA({p})"), &Tema::new(p).unwrap());
        check_all(&format!("TRIMA({p})"), &Trima::new(p).unwrap());
        check_all(&format!("KAMA({p})"), &Kama::new(p).unwrap());
        check_all(&format!("T3({p})"), &T3::new(p, 0.7).unwrap());
        check_all(&format!("T3({p}, 0)"), &T3::new(p, 0.0).unwrap());
    }
}

#[test]
fn fc_ma_of_every_type_and_bbands_stream_like_their_kernels() {
    for t in MaType::ALL {
        for p in [2, 5, 13] {
            if let Ok(ma) = Ma::new(p, t) {
                check_all(&format!("MA({p}, {t:?})"), &ma);
            }
            if let Ok(bb) = Bbands::new(p, 2.0, 1.5, t) {
                check_all(&format!("BBANDS({p}, {t:?})"), &bb);
            }
        }
    }
}

#[test]
fn fc_macd_family_streams_like_its_kernels() {
    for (f, s, g) in [(12, 26, 9), (2, 3, 1), (5, 3, 2), (3, 3, 4)] {
        check_all(&format!("MACD({f},{s},{g})"), &Macd::new(f, s, g).unwrap());
    }
    for g in [1, 2, 9] {
        check_all(&format!("MACDFIX({g})"), &MacdFix::new(g).unwrap());
    }
    let types = MaType::ALL;
    for &ft in &types {
        for &gt in &types {
            if let Ok(m) = MacdExt::new(5, ft, 3, MaType::Ema, 4, gt) {
                check_all(&format!("MACDEXT(5 {ft:?}, 3 EMA, 4 {gt:?})"), &m);
            }
        }
        if let Ok(m) = MacdExt::new(12, ft, 26, ft, 1, ft) {
            check_all(&format!("MACDEXT(12, 26, 1, {ft:?})"), &m);
        }
    }
    // All-EMA MACDEXT runs MACD's kernel: equal, swapped and default periods.
    for (f, s, g) in [(12, 26, 9), (26, 12, 9), (5, 5, 2), (2, 3, 2), (3, 2, 30)] {
        let m = MacdExt::new(f, MaType::Ema, s, MaType::Ema, g, MaType::Ema).unwrap();
        check_all(&format!("MACDEXT({f},{s},{g}) EMA"), &m);
    }
    for &t in &types {
        if let Ok(a) = Apo::new(3, 8, t) {
            check_all(&format!("APO(3, 8, {t:?})"), &a);
        }
        if let Ok(a) = Ppo::new(8, 3, t) {
            check_all(&format!("PPO(8, 3, {t:?})"), &a);
        }
    }
}

#[test]
fn fc_macdext_batch_appends_after_existing_rows() {
    // The kernel uses the tail of `out` as scratch: rows already there must survive.
    let x = &series(300, 5)[0].1;
    let m = MacdExt::new(12, MaType::Ema, 26, MaType::Sma, 9, MaType::Wma).unwrap();
    let mut out = vec![1.5, -2.5];
    m.batch_into(&Columns::from_series(x), &mut out);
    assert_eq!(&out[..2], &[1.5, -2.5]);
    assert_same("MACDEXT after 2 values", &out[2..], &stream(&m, x));
    // Shorter than the lookback, and exactly the lookback plus one.
    for n in [0, 1, 25, 26, 33, 34, 35] {
        let mut o = vec![7.0];
        m.batch_into(&Columns::from_series(&x[..n]), &mut o);
        assert_eq!(o[0], 7.0);
        assert_same(&format!("MACDEXT[..{n}]"), &o[1..], &stream(&m, &x[..n]));
    }
}
