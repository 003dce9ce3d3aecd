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
/// family (ADX, ADXR, DX, ±DI, ±DM), RSI, CMO, ATR, NATR, WMA (and MA type 2), VAR,
/// STDDEV, BBANDS and the LINEARREG family with TSF; KAMA (and MA type 6).
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
    // The re-synchronised running sums: WMA (and MA with matype 2), the LINEARREG family
    // and TSF, VAR, STDDEV and BBANDS (its deviation is VAR's kernel). `Kind::Walk`'s
    // flat runs of 7 bars make flat windows for periods up to 7, whose cancellation check
    // fails and moves VAR's re-synchronisation phase; see also `plateaus` below.
    for p in [2.0, 5.0, 30.0, 200.0] {
        v.push(("WMA", Params::new().with("timeperiod", p)));
    }
    for p in [2.0, 30.0] {
        v.push((
            "MA",
            Params::new().with("timeperiod", p).with("matype", 2.0),
        ));
    }
    for name in [
        "LINEARREG",
        "LINEARREG_SLOPE",
        "LINEARREG_INTERCEPT",
        "LINEARREG_ANGLE",
        "TSF",
    ] {
        for p in [2.0, 14.0, 150.0] {
            v.push((name, Params::new().with("timeperiod", p)));
        }
    }
    for name in ["VAR", "STDDEV"] {
        for p in [2.0, 5.0, 20.0, 150.0] {
            v.push((name, Params::new().with("timeperiod", p)));
        }
    }
    // KAMA: the change sum in order (candidate sums verified bar by bar), the recursion in
    // staggered lanes (groups of about 68,000 bars); MA with matype 6 runs the same kernel.
    for p in [2.0, 10.0, 30.0, 200.0] {
        v.push(("KAMA", Params::new().with("timeperiod", p)));
    }
    v.push((
        "MA",
        Params::new().with("timeperiod", 30.0).with("matype", 6.0),
    ));
    for (p, matype) in [(2.0, 0.0), (20.0, 0.0), (20.0, 1.0), (90.0, 0.0)] {
        v.push((
            "BBANDS",
            Params::new().with("timeperiod", p).with("matype", matype),
        ));
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

/// A long walk whose close (replaced by a walk without `Kind::Walk`'s flat runs) holds
/// still over `len` bars from each `(at, len)` of `at`.
fn plateaus(n: usize, seed: u64, at: &[(usize, usize)]) -> [Vec<f64>; 5] {
    let mut s = series(n, seed, Kind::Walk);
    let mut r = common::Rng(seed);
    let mut p = 100.0;
    for c in &mut s[3] {
        p *= 1.0 + 0.02 * (r.next() - 0.5);
        *c = p;
    }
    for &(a, len) in at {
        let v = s[3][a];
        s[3][a..a + len].iter_mut().for_each(|c| *c = v);
    }
    s
}

/// VAR's (hence STDDEV's and BBANDS's) cancellation check fails on flat windows and
/// re-synchronises there, which moves its re-synchronisation phase away from the one its
/// lanes guess: a plateau before a segment makes that segment's verification fail and
/// the segment be recomputed serially (and a plateau inside a warm-up can bring the phases
/// together again). Either way the kernels equal the fold.
#[test]
fn fl_sum_chains_equal_the_fold_around_plateaus() {
    let n = 250_000;
    let layouts: [&[(usize, usize)]; 4] = [
        // Early in the first segment: every later segment's phase differs.
        &[(1_000, 400)],
        // Short plateaus (flat windows only for short periods) across the series.
        &[(20_000, 9), (62_400, 9), (125_100, 9), (180_000, 9)],
        // Just before the segment starts, and inside the last segment.
        &[(61_000, 300), (124_000, 1_500), (240_000, 500)],
        // Plateaus everywhere, one every 10 000 bars.
        &[
            (5_000, 50),
            (15_000, 50),
            (25_000, 50),
            (35_000, 50),
            (45_000, 50),
            (55_000, 50),
            (65_000, 50),
            (75_000, 50),
            (85_000, 50),
            (95_000, 50),
            (105_000, 50),
            (115_000, 50),
            (125_000, 50),
            (135_000, 50),
            (145_000, 50),
            (155_000, 50),
            (165_000, 50),
            (175_000, 50),
            (185_000, 50),
            (195_000, 50),
            (205_000, 50),
            (215_000, 50),
            (225_000, 50),
            (235_000, 50),
            (245_000, 50),
        ],
    ];
    let mut checked = 0;
    for (name, extra) in [
        ("VAR", None),
        ("STDDEV", None),
        ("BBANDS", Some(0.0)),
        ("WMA", None),
        ("LINEARREG", None),
        // KAMA's change sum restarts from 0 after a flat run covering its window (its
        // fast change-sum pass hands such blocks to the serial one).
        ("KAMA", None),
    ] {
        for p in [3.0, 20.0, 60.0] {
            let mut params = Params::new().with("timeperiod", p);
            if let Some(m) = extra {
                params = params.with("matype", m);
            }
            let ind = indicator(name, &params).unwrap();
            for (q, at) in layouts.iter().enumerate() {
                let data = plateaus(n, 13 + q as u64, at);
                let cols = Columns::new(&data[0], &data[1], &data[2], &data[3], &data[4]).unwrap();
                assert_kernel_eq_fold(ind.as_ref(), &cols, &format!("{name} p={p} layout {q}"));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 6 * 3 * 4);
}

/// Random lengths around where the lanes switch on (each segment at least 16 warm-ups) and
/// random periods, for every lane kernel's family: the kernel equals the fold whichever
/// path (serial, lanes, lanes with a redone segment) the length and period select.
#[test]
fn fl_lane_kernels_equal_the_fold_at_random_lengths_and_periods() {
    use common::Rng;
    let mut r = Rng(2026);
    let names = [
        "EMA",
        "DEMA",
        "TEMA",
        "T3",
        "TRIX",
        "ADX",
        "DX",
        "RSI",
        "CMO",
        "ATR",
        "WMA",
        "VAR",
        "STDDEV",
        "LINEARREG",
        "TSF",
        "KAMA",
    ];
    let mut checked = 0;
    for round in 0..3 {
        for name in names {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let p = 2 + (r.next() * 40.0) as usize;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let n = 20_000 + (r.next() * 120_000.0) as usize;
            #[allow(clippy::cast_precision_loss)]
            let params = Params::new().with("timeperiod", p as f64);
            let ind = indicator(name, &params).unwrap_or_else(|e| panic!("{name} {p}: {e}"));
            let kind = KINDS[(round + checked) % KINDS.len()];
            let data = series(n, 3000 + checked as u64, kind);
            let cols = Columns::new(&data[0], &data[1], &data[2], &data[3], &data[4]).unwrap();
            assert_kernel_eq_fold(ind.as_ref(), &cols, &format!("{name}({p}) {kind:?} n={n}"));
            checked += 1;
        }
    }
    assert_eq!(checked, 48);
}
