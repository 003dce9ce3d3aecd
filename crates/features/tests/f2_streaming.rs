//! Streaming properties of every momentum and cycle function (incl. MAMA), on random OHLCV series with
//! random valid TA-Lib parameters:
//!
//! * batch (`batch_dyn`) equals the bar-by-bar fold of `update` bit for bit, and the NaN
//!   mask is exactly the lookback;
//! * a state cloned mid-stream (a checkpoint) continues exactly like the original, and so
//!   does a typed state restored from its serde JSON form;
//! * no look-ahead: changing any bar after `t` changes no output at or before `t`.
#![allow(clippy::unwrap_used, reason = "test code")]

use aaiti_core::{Bar, Bars, Ohlcv};
use aaiti_features::{Indicator, MaType, Params, batch_dyn, indicator};
use chrono::{TimeZone, Utc};
use ndarray::Array1;
use proptest::prelude::*;

fn make_bars(raw: &[(f64, f64, f64, f64, f64)]) -> Bars {
    let mut p = 100.0;
    let (mut o, mut h, mut l, mut c, mut v) = (vec![], vec![], vec![], vec![], vec![]);
    for (i, &(step, up, dn, vol, flat)) in raw.iter().enumerate() {
        let open = p;
        if flat < 0.15 {
            // a flat bar (O = H = L = C), sometimes with zero volume
            o.push(p);
            h.push(p);
            l.push(p);
            c.push(p);
            v.push(if i % 2 == 0 { 0.0 } else { vol });
            continue;
        }
        p = (p + step).max(1.0);
        o.push(open);
        c.push(p);
        h.push(open.max(p) + up);
        l.push((open.min(p) - dn).max(0.5));
        v.push(vol);
    }
    let n = o.len();
    let ts = (0..n)
        .map(|i| {
            Utc.timestamp_opt(1_700_000_000 + 3600 * i as i64, 0)
                .unwrap()
        })
        .collect();
    Bars::new(
        "T",
        None,
        ts,
        Ohlcv {
            open: Array1::from(o),
            high: Array1::from(h),
            low: Array1::from(l),
            close: Array1::from(c),
            volume: Array1::from(v),
        },
    )
    .unwrap()
}

fn bar_strategy() -> impl Strategy<Value = Vec<(f64, f64, f64, f64, f64)>> {
    prop::collection::vec(
        (
            -3.0f64..3.0,
            0.0f64..2.0,
            0.0f64..2.0,
            0.0f64..1000.0,
            0.0f64..1.0,
        ),
        20..160,
    )
}

/// Every momentum and cycle function with random valid parameters (drawn from `seed`).
fn cases(seed: &[usize]) -> Vec<(&'static str, Params)> {
    let s = |i: usize, lo: usize, hi: usize| lo + seed[i % seed.len()] % (hi - lo + 1);
    let ma = |i: usize| f64::from(u8::try_from(seed[i % seed.len()] % 7).unwrap()); // SMA..KAMA
    let p1 = |f: &'static str, name: &str, v: usize| (f, Params::new().with(name, v as f64));
    vec![
        p1("ADX", "timeperiod", s(0, 2, 20)),
        p1("ADXR", "timeperiod", s(1, 2, 15)),
        (
            "APO",
            Params::new()
                .with("fastperiod", s(2, 2, 15) as f64)
                .with("slowperiod", s(3, 2, 30) as f64)
                .with("matype", ma(4)),
        ),
        p1("AROON", "timeperiod", s(5, 2, 30)),
        p1("AROONOSC", "timeperiod", s(6, 2, 30)),
        ("BOP", Params::new()),
        p1("CCI", "timeperiod", s(7, 2, 30)),
        p1("CMO", "timeperiod", s(8, 2, 30)),
        p1("DX", "timeperiod", s(9, 2, 30)),
        (
            "MACD",
            Params::new()
                .with("fastperiod", s(10, 2, 20) as f64)
                .with("slowperiod", s(11, 2, 30) as f64)
                .with("signalperiod", s(12, 1, 10) as f64),
        ),
        (
            "MACDEXT",
            Params::new()
                .with("fastperiod", s(13, 2, 15) as f64)
                .with("fastmatype", ma(14))
                .with("slowperiod", s(15, 2, 20) as f64)
                .with("slowmatype", ma(16))
                .with("signalperiod", s(17, 1, 8) as f64)
                .with("signalmatype", ma(18)),
        ),
        p1("MACDFIX", "signalperiod", s(19, 1, 10)),
        p1("MFI", "timeperiod", s(20, 2, 30)),
        p1("MINUS_DI", "timeperiod", s(21, 1, 30)),
        p1("MINUS_DM", "timeperiod", s(22, 1, 30)),
        p1("MOM", "timeperiod", s(23, 1, 30)),
        p1("PLUS_DI", "timeperiod", s(24, 1, 30)),
        p1("PLUS_DM", "timeperiod", s(25, 1, 30)),
        (
            "PPO",
            Params::new()
                .with("fastperiod", s(26, 2, 15) as f64)
                .with("slowperiod", s(27, 2, 30) as f64)
                .with("matype", ma(28)),
        ),
        p1("ROC", "timeperiod", s(29, 1, 30)),
        p1("ROCP", "timeperiod", s(30, 1, 30)),
        p1("ROCR", "timeperiod", s(31, 1, 30)),
        p1("ROCR100", "timeperiod", s(32, 1, 30)),
        p1("RSI", "timeperiod", s(33, 2, 30)),
        (
            "STOCH",
            Params::new()
                .with("fastk_period", s(34, 1, 15) as f64)
                .with("slowk_period", s(35, 1, 5) as f64)
                .with("slowk_matype", ma(36))
                .with("slowd_period", s(37, 1, 5) as f64)
                .with("slowd_matype", ma(38)),
        ),
        (
            "STOCHF",
            Params::new()
                .with("fastk_period", s(39, 1, 15) as f64)
                .with("fastd_period", s(40, 1, 5) as f64)
                .with("fastd_matype", ma(41)),
        ),
        (
            "STOCHRSI",
            Params::new()
                .with("timeperiod", s(42, 2, 20) as f64)
                .with("fastk_period", s(43, 1, 10) as f64)
                .with("fastd_period", s(44, 1, 5) as f64)
                .with("fastd_matype", ma(45)),
        ),
        p1("TRIX", "timeperiod", s(46, 1, 15)),
        (
            "ULTOSC",
            Params::new()
                .with("timeperiod1", s(47, 1, 10) as f64)
                .with("timeperiod2", s(48, 1, 20) as f64)
                .with("timeperiod3", s(49, 1, 30) as f64),
        ),
        p1("WILLR", "timeperiod", s(50, 2, 30)),
        ("HT_DCPERIOD", Params::new()),
        ("HT_DCPHASE", Params::new()),
        ("HT_PHASOR", Params::new()),
        ("HT_SINE", Params::new()),
        ("HT_TRENDMODE", Params::new()),
        ("HT_TRENDLINE", Params::new()),
        (
            "MAMA",
            Params::new()
                .with("fastlimit", s(0, 1, 99) as f64 / 100.0)
                .with("slowlimit", s(1, 1, 99) as f64 / 100.0),
        ),
    ]
}

fn fold(ind: &dyn aaiti_features::DynIndicator, bars: &[Bar]) -> Vec<Vec<u64>> {
    let mut st = ind.box_clone();
    st.reset();
    let k = st.output_names().len();
    bars.iter()
        .map(|b| {
            let mut buf = vec![f64::NAN; k];
            st.update_into(b, &mut buf);
            buf.iter().map(|x| x.to_bits()).collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn streaming_equals_batch_and_no_lookahead(
        raw in bar_strategy(),
        seed in prop::collection::vec(0usize..1000, 51),
        cut in 0.0f64..1.0,
        bump in 0.5f64..5.0,
    ) {
        let bars = make_bars(&raw);
        let list: Vec<Bar> = bars.iter().map(|(_, b)| b).collect();
        let n = list.len();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let t = ((n - 1) as f64 * cut) as usize;
        // the same bars, with everything after t changed
        let mut future: Vec<Bar> = list.clone();
        for b in future.iter_mut().skip(t + 1) {
            b.open += bump;
            b.high += 2.0 * bump;
            b.low = (b.low - bump).max(0.1);
            b.close += bump * 0.5;
            b.volume *= 3.0;
        }
        for (name, params) in cases(&seed) {
            let ind = indicator(name, &params).unwrap();
            let tag = format!("{name} {params:?}");
            let out = batch_dyn(ind.as_ref(), &bars);
            let streamed = fold(ind.as_ref(), &list);
            let lb = ind.lookback();
            for i in 0..n {
                for j in 0..out.ncols() {
                    prop_assert_eq!(out[[i, j]].to_bits(), streamed[i][j], "{} batch != stream at {}", tag, i);
                    prop_assert_eq!(out[[i, j]].is_nan(), i < lb, "{} NaN mask at {} (lookback {})", tag, i, lb);
                }
            }
            // checkpoint: clone the state at t and continue
            let mut a = ind.box_clone();
            a.reset();
            let k = a.output_names().len();
            let mut buf = vec![f64::NAN; k];
            for b in &list[..=t] {
                a.update_into(b, &mut buf);
            }
            let mut b2 = a.clone();
            for (i, bar) in list.iter().enumerate().skip(t + 1) {
                let mut x = vec![f64::NAN; k];
                let mut y = vec![f64::NAN; k];
                a.update_into(bar, &mut x);
                b2.update_into(bar, &mut y);
                prop_assert_eq!(x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), streamed[i].clone(), "{} checkpoint", tag);
                prop_assert_eq!(y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), streamed[i].clone(), "{} clone", tag);
            }
            // no look-ahead
            let changed = fold(ind.as_ref(), &future);
            for i in 0..=t {
                prop_assert_eq!(&changed[i], &streamed[i], "{} output at {} changed when bars after {} changed", tag, i, t);
            }
        }
    }

    /// Typed states restored from serde JSON mid-stream continue bit for bit.
    #[test]
    fn serde_checkpoints_continue_exactly(raw in bar_strategy(), cut in 0.0f64..1.0) {
        use aaiti_features::momentum::{Adx, Cci, Macd, Mfi, Rsi, Stoch, UltOsc};
        let bars = make_bars(&raw);
        let list: Vec<Bar> = bars.iter().map(|(_, b)| b).collect();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let t = ((list.len() - 1) as f64 * cut) as usize;
        fn check<I: Indicator>(mut a: I, list: &[Bar], t: usize) -> Result<(), TestCaseError> {
            for b in &list[..=t] {
                a.update(b);
            }
            let json = serde_json::to_string(&a).unwrap();
            let mut b2: I = serde_json::from_str(&json).unwrap();
            for bar in &list[t + 1..] {
                let (x, y) = (a.update(bar), b2.update(bar));
                prop_assert_eq!(format!("{x:?}"), format!("{y:?}"));
            }
            Ok(())
        }
        check(Rsi::new(14).unwrap(), &list, t)?;
        check(Adx::new(5).unwrap(), &list, t)?;
        check(Macd::new(5, 13, 4).unwrap(), &list, t)?;
        check(Cci::new(7).unwrap(), &list, t)?;
        check(Mfi::new(6).unwrap(), &list, t)?;
        check(UltOsc::new(3, 5, 9).unwrap(), &list, t)?;
        check(Stoch::new(5, 3, MaType::Sma, 3, MaType::Ema).unwrap(), &list, t)?;
    }
}
