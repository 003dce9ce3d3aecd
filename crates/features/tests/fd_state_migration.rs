//! Streaming states saved by an older layout still load and continue exactly.
//!
//! The fixtures under `tests/data/fd_old_states/` were written by the code at b472e61, the
//! last layout before `HiLoWindow` (WILLR, STOCH/STOCHF/STOCHRSI and AROON/AROONOSC kept
//! `t` and TA-Lib's rescanning extremes `hi`, `lo`); CCI and MFI ride along (their layout
//! only gained defaulted fields). `bars.json` is the series (IEEE bits: warm-up, ties, a
//! flat stretch, NaN bars, an infinite high); each indicator's file holds, for many cut
//! points, the state serialized after `cut` bars (serde_json, exactly as written), whether
//! the old code could load it back, and the old code's outputs for the rest of the series
//! (bits; `null` inside the lookback).
//!
//! The old code's serde_json wrote a non-finite float as `null`, which no `f64` field reads
//! back: a state of the old layout with NaN or ±inf among its window's values, or a fresh
//! one (its extremes start at NaN), could be saved but never loaded, by the old code as by
//! this one (`null` cannot tell NaN from ±inf, so it is refused rather than guessed). The
//! fixtures keep such states to pin that down; every other one must load here and continue
//! with the recorded bits. The states this code writes keep non-finite floats (as `"NaN"`,
//! `"inf"`, `"-inf"`; `aaiti_core::serde_f64`) and always load. (The NaN close of bar 40 stays in the moving averages
//! and sums of STOCH, STOCHF, STOCHRSI and MFI for good, so their loadable states are the
//! ones before it; WILLR, AROON and CCI states load again once the NaN bars have left the
//! window: TA-Lib's rescanning state there depends on the history, see also the unit test
//! of `HiLoWindow::from_extremes`, which covers states with NaN and infinities in the
//! window, loadable only through a format that keeps non-finite floats.)
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use aaiti_core::Bar;
use aaiti_features::momentum::{Aroon, AroonOsc, Cci, Mfi, Stoch, StochF, StochRsi, Willr};
use aaiti_features::{Indicator, IndicatorOutput};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fd_old_states");

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DIR}/{name}.json")).expect(name);
    serde_json::from_str(&text).expect(name)
}

fn bars() -> Vec<Bar> {
    let doc = load("bars");
    doc["ohlcv_bits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let v: Vec<f64> = row
                .as_array()
                .unwrap()
                .iter()
                .map(|x| f64::from_bits(x.as_u64().unwrap()))
                .collect();
            Bar {
                open: v[0],
                high: v[1],
                low: v[2],
                close: v[3],
                volume: v[4],
            }
        })
        .collect()
}

fn out_bits<O: IndicatorOutput>(o: Option<O>) -> Value {
    match o {
        None => Value::Null,
        Some(o) => {
            let mut v = vec![0.0; O::names().len()];
            o.write_to(&mut v);
            Value::from(v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>())
        }
    }
}

/// Loads every saved state of `name`, continues it over the rest of the series and checks
/// the recorded bits; so does the state this code saves after the same bars (from
/// `fresh`). `renamed`: the fixture must be in the old layout (`hi`, no `win`). Returns
/// (states loaded, states the old code could not load either).
fn check<I: Indicator>(name: &str, fresh: &I, renamed: bool) -> (usize, usize) {
    let bars = bars();
    let doc = load(name);
    assert_eq!(doc["generated_at"], "b472e61");
    let (mut loaded, mut unloadable) = (0, 0);
    for case in doc["cases"].as_array().unwrap() {
        let cut = usize::try_from(case["cut"].as_u64().unwrap()).unwrap();
        let state = case["state"].as_str().unwrap();
        let old_loads = case["loads_in_old"].as_bool().unwrap();
        let want = case["outputs"].as_array().unwrap();
        if renamed {
            assert!(
                state.contains("\"hi\"") && !state.contains("\"win\""),
                "{name}"
            );
        }
        let cont = |mut st: I| -> Vec<Value> {
            bars[cut..].iter().map(|b| out_bits(st.update(b))).collect()
        };
        // The state this code saves after the same bars continues the same way.
        let mut a = fresh.clone();
        for b in &bars[..cut] {
            a.update(b);
        }
        // It always loads: non-finite floats are written as "NaN", "inf" or "-inf".
        let a_json = serde_json::to_string(&a).unwrap();
        let b = serde_json::from_str::<I>(&a_json)
            .unwrap_or_else(|e| panic!("{name} cut {cut}: new layout: {e}: {a_json}"));
        assert_eq!(&cont(b), want, "{name} cut {cut}: new layout");
        match serde_json::from_str::<I>(state) {
            Ok(st) => {
                assert!(old_loads, "{name} cut {cut}: loads now, did not before");
                loaded += 1;
                let outs = cont(st);
                assert_eq!(outs.len(), want.len(), "{name} cut {cut}");
                for (i, (got, want)) in outs.iter().zip(want).enumerate() {
                    assert_eq!(got, want, "{name} cut {cut}: bar {}", cut + i);
                }
            }
            Err(e) => {
                // Only states the old code could not load back either: a `null` (a NaN or
                // infinite float) in them.
                assert!(
                    !old_loads,
                    "{name} cut {cut}: old state no longer loads: {e}"
                );
                assert!(state.contains("null"), "{name} cut {cut}: {e}");
                unloadable += 1;
            }
        }
    }
    (loaded, unloadable)
}

#[test]
fn old_willr_states_continue_exactly() {
    let (ok, _) = check("WILLR_5", &Willr::new(5).unwrap(), true);
    assert_eq!(ok, 38, "WILLR_5: states the old code loaded");
    let (ok, _) = check("WILLR_14", &Willr::new(14).unwrap(), true);
    assert_eq!(ok, 26, "WILLR_14: states the old code loaded");
}

#[test]
fn old_stoch_states_continue_exactly() {
    use aaiti_features::MaType::{Ema, Sma};
    let (ok, _) = check(
        "STOCH_5_3_0_3_0",
        &Stoch::new(5, 3, Sma, 3, Sma).unwrap(),
        true,
    );
    assert_eq!(ok, 20, "STOCH_5_3_0_3_0: states the old code loaded");
    let (ok, _) = check(
        "STOCH_1_1_0_1_0",
        &Stoch::new(1, 1, Sma, 1, Sma).unwrap(),
        true,
    );
    assert_eq!(ok, 40, "STOCH_1_1_0_1_0: states the old code loaded");
    let (ok, _) = check("STOCHF_5_3_1", &StochF::new(5, 3, Ema).unwrap(), true);
    assert_eq!(ok, 20, "STOCHF_5_3_1: states the old code loaded");
    let (ok, _) = check(
        "STOCHRSI_6_5_3_0",
        &StochRsi::new(6, 5, 3, Sma).unwrap(),
        true,
    );
    assert_eq!(ok, 14, "STOCHRSI_6_5_3_0: states the old code loaded");
}

#[test]
fn old_aroon_states_continue_exactly() {
    let (ok, _) = check("AROON_5", &Aroon::new(5).unwrap(), true);
    assert_eq!(ok, 36, "AROON_5: states the old code loaded");
    let (ok, _) = check("AROON_14", &Aroon::new(14).unwrap(), true);
    assert_eq!(ok, 25, "AROON_14: states the old code loaded");
    let (ok, _) = check("AROONOSC_5", &AroonOsc::new(5).unwrap(), true);
    assert_eq!(ok, 36, "AROONOSC_5: states the old code loaded");
}

#[test]
fn old_cci_mfi_states_continue_exactly() {
    let (ok, _) = check("CCI_7", &Cci::new(7).unwrap(), false);
    assert_eq!(ok, 34, "CCI_7: states the old code loaded");
    let (ok, _) = check("MFI_6", &Mfi::new(6).unwrap(), false);
    assert_eq!(ok, 21, "MFI_6: states the old code loaded");
}
