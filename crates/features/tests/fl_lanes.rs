//! Batch kernels that run speculative lanes (`lanes::segmented`: several segments of a
//! long series in lockstep, each later one started from a guess and verified bit for bit
//! against the true state) against the streaming fold, on series long enough for the lanes
//! to run (they need each segment to be at least 16 warm-ups long), damaged the ways
//! `common::series` damages them, plus single late NaN/inf bars and a level shift, which
//! make a segment's guess fail its verification and the segment be recomputed serially.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{KINDS, Kind, assert_kernel_eq_fold, series};

use aaiti_features::{Columns, Params, indicator};

/// Indicators whose batch kernel runs lanes, with parameters that make the warm-up short
/// (period 2), typical, and long relative to the series: EMA, DEMA, TEMA, T3, MA with those
/// types (matype 1, 3, 4, 8), MACD, MACDEXT (three EMAs: MACD's kernel; DEMA/TEMA/T3
/// lines: the MA kernels), MACDFIX, APO/PPO with EMAs, TRIX, the directional movement
/// family (ADX, ADXR, DX, ±DI, ±DM), RSI, CMO, ATR and NATR.
fn cases() -> Vec<(&'static str, Params)> {
    let mut v = Vec::new();
    for p in [2.0, 5.0, 30.0, 200.0] {
        v.push(("EMA", Params::new().with("timeperiod", p)));
    }
    for name in ["DEMA", "TEMA"] {
        for p in [2.0, 5.0, 30.0, 100.0] {
            v.push((name, Params::new().with("timeperiod", p)));
        }
    }
    for (p, vf) in [(2.0, 0.7), (5.0, 0.7), (30.0, 0.3), (60.0, 0.7)] {
        v.push((
            "T3",
            Params::new().with("timeperiod", p).with("vfactor", vf),
        ));
    }
    for matype in [1.0, 3.0, 4.0, 8.0] {
        for p in [2.0, 10.0, 60.0] {
            v.push((
                "MA",
                Params::new().with("timeperiod", p).with("matype", matype),
            ));
        }
    }
    for (f, s, g) in [
        (2.0, 3.0, 1.0),
        (12.0, 26.0, 9.0),
        (5.0, 120.0, 30.0),
        (40.0, 3.0, 2.0),
    ] {
        let p = Params::new()
            .with("fastperiod", f)
            .with("slowperiod", s)
            .with("signalperiod", g);
        v.push(("MACD", p.clone()));
        for (ft, st, gt) in [(1.0, 1.0, 1.0), (3.0, 4.0, 8.0), (8.0, 1.0, 0.0)] {
            v.push((
                "MACDEXT",
                p.clone()
                    .with("fastmatype", ft)
                    .with("slowmatype", st)
                    .with("signalmatype", gt),
            ));
        }
    }
    for g in [1.0, 9.0, 50.0] {
        v.push(("MACDFIX", Params::new().with("signalperiod", g)));
    }
    for name in ["APO", "PPO"] {
        for (f, s) in [(2.0, 3.0), (12.0, 26.0), (30.0, 5.0)] {
            v.push((
                name,
                Params::new()
                    .with("fastperiod", f)
                    .with("slowperiod", s)
                    .with("matype", 1.0),
            ));
        }
    }
    for p in [1.0, 2.0, 5.0, 30.0, 90.0] {
        v.push(("TRIX", Params::new().with("timeperiod", p)));
    }
    // The directional movement family (one `DmChain` per output), Wilder RSI / CMO and
    // ATR / NATR.
    for name in [
        "ADX", "ADXR", "DX", "PLUS_DI", "MINUS_DI", "PLUS_DM", "MINUS_DM", "RSI", "CMO", "ATR",
        "NATR",
    ] {
        for p in [2.0, 14.0, 60.0] {
            v.push((name, Params::new().with("timeperiod", p)));
        }
    }
    v
}

/// A long walk with one damaged bar (or a level shift) at `at`.
fn damaged(n: usize, seed: u64, at: usize, what: u32) -> [Vec<f64>; 5] {
    let mut s = series(n, seed, Kind::Walk);
    for col in &mut s {
        match what {
            0 => col[at] = f64::NAN,
            1 => col[at] = f64::INFINITY,
            2 => col[at] = f64::NEG_INFINITY,
            _ => col[at..].iter_mut().for_each(|x| *x *= 1e4),
        }
    }
    s
}

#[test]
fn fl_lane_kernels_equal_the_fold_on_long_series() {
    let mut checked = 0;
    for (name, params) in cases() {
        let ind = indicator(name, &params).unwrap_or_else(|e| panic!("{name} {params:?}: {e}"));
        let mut run = |data: [Vec<f64>; 5], what: String| {
            let cols = Columns::new(&data[0], &data[1], &data[2], &data[3], &data[4]).unwrap();
            assert_kernel_eq_fold(ind.as_ref(), &cols, &format!("{name} {params:?} {what}"));
            checked += 1;
        };
        for kind in KINDS {
            for n in [70_001usize, 250_000] {
                run(series(n, 11, kind), format!("{kind:?} n={n}"));
            }
        }
        for what in 0..4 {
            // Late in the first segment, just after a segment start, and inside the last.
            for at in [62_000usize, 62_600, 126_000, 240_000] {
                run(
                    damaged(250_000, 12, at, what),
                    format!("damage {what} at {at}"),
                );
            }
        }
    }
    assert!(checked > 0);
}
