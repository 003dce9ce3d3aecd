// Generator of these fixtures (not compiled here): run at b472e61 as
// crates/features/tests/fdgen.rs with FD_OUT=<this folder>, e.g.
//   git worktree add /tmp/d2-old b472e61 && cp <this file> /tmp/d2-old/crates/features/tests/fdgen.rs
//   cd /tmp/d2-old && FD_OUT=$PWD/../out cargo test -p aaiti-features --test fdgen

//! Generates old-layout (b472e61) streaming-state fixtures for fd_state_migration.rs.
#![allow(clippy::unwrap_used)]
use aaiti_core::Bar;
use aaiti_features::momentum::{Aroon, AroonOsc, Cci, Mfi, Stoch, StochF, StochRsi, Willr};
use aaiti_features::{Indicator, IndicatorOutput, MaType};
use serde_json::{Value, json};

const N: usize = 130;

fn bars() -> Vec<Bar> {
    let mut s: u64 = 0x1234_5678_9abc_def1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut p = 100.0_f64;
    let mut out = Vec::new();
    for i in 0..N {
        // price on a 0.5 grid: many ties among highs / lows
        let step = ((next() % 7) as f64 - 3.0) * 0.5;
        let open = p;
        p = (p + step).max(1.0);
        let up = (next() % 3) as f64 * 0.5;
        let dn = (next() % 3) as f64 * 0.5;
        let mut b = Bar {
            open,
            high: open.max(p) + up,
            low: open.min(p) - dn,
            close: p,
            volume: 10.0 + (next() % 50) as f64,
        };
        if (20..24).contains(&i) {
            // a flat stretch: every high and low ties
            b = Bar { open: 100.0, high: 100.0, low: 100.0, close: 100.0, volume: 5.0 };
        }
        if i == 40 {
            b.high = f64::NAN;
            b.low = f64::NAN;
            b.close = f64::NAN;
        }
        if i == 62 {
            b.high = f64::NAN;
        }
        if i == 64 {
            b.low = f64::NAN;
        }
        if i == 90 {
            b.high = f64::INFINITY;
        }
        out.push(b);
    }
    out
}

const CUTS: &[usize] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 21, 23, 25, 30, 38, 40, 41, 44, 46, 47, 48,
    50, 53, 60, 63, 66, 70, 71, 72, 77, 89, 91, 97, 98, 99, 105, 117, 129, 130,
];

fn out_bits<O: IndicatorOutput>(o: Option<O>) -> Value {
    match o {
        None => Value::Null,
        Some(o) => {
            let mut v = vec![0.0; O::names().len()];
            o.write_to(&mut v);
            json!(v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>())
        }
    }
}

fn emit<I: Indicator>(name: &str, params: Value, ind: I, bars: &[Bar]) {
    let mut cases = Vec::new();
    for &cut in CUTS {
        let mut a = ind.clone();
        for b in &bars[..cut] {
            a.update(b);
        }
        let state = serde_json::to_string(&a).unwrap();
        let back = serde_json::from_str::<I>(&state);
        let loads = back.is_ok();
        let mut outs = Vec::new();
        for b in &bars[cut..] {
            outs.push(out_bits(a.update(b)));
        }
        if let Ok(mut b2) = back {
            // the old code itself continues a reloaded state exactly
            let o2: Vec<Value> = bars[cut..].iter().map(|b| out_bits(b2.update(b))).collect();
            assert_eq!(o2, outs, "{name} cut {cut}");
        }
        cases.push(json!({"cut": cut, "state": state, "loads_in_old": loads, "outputs": outs}));
    }
    let doc = json!({"indicator": name, "params": params, "generated_at": "b472e61", "cases": cases});
    let dir = std::env::var("FD_OUT").unwrap();
    std::fs::write(format!("{dir}/{name}.json"), serde_json::to_string(&doc).unwrap()).unwrap();
}

#[test]
fn generate() {
    let bars = bars();
    let dir = std::env::var("FD_OUT").unwrap();
    let rows: Vec<Vec<u64>> = bars
        .iter()
        .map(|b| [b.open, b.high, b.low, b.close, b.volume].iter().map(|x| x.to_bits()).collect())
        .collect();
    std::fs::write(format!("{dir}/bars.json"), serde_json::to_string(&json!({"generated_at": "b472e61", "ohlcv_bits": rows})).unwrap()).unwrap();
    emit("WILLR_5", json!([5]), Willr::new(5).unwrap(), &bars);
    emit("WILLR_14", json!([14]), Willr::new(14).unwrap(), &bars);
    emit("STOCH_5_3_0_3_0", json!([5, 3, 0, 3, 0]), Stoch::new(5, 3, MaType::Sma, 3, MaType::Sma).unwrap(), &bars);
    emit("STOCH_1_1_0_1_0", json!([1, 1, 0, 1, 0]), Stoch::new(1, 1, MaType::Sma, 1, MaType::Sma).unwrap(), &bars);
    emit("STOCHF_5_3_1", json!([5, 3, 1]), StochF::new(5, 3, MaType::Ema).unwrap(), &bars);
    emit("STOCHRSI_6_5_3_0", json!([6, 5, 3, 0]), StochRsi::new(6, 5, 3, MaType::Sma).unwrap(), &bars);
    emit("AROON_5", json!([5]), Aroon::new(5).unwrap(), &bars);
    emit("AROON_14", json!([14]), Aroon::new(14).unwrap(), &bars);
    emit("AROONOSC_5", json!([5]), AroonOsc::new(5).unwrap(), &bars);
    emit("CCI_7", json!([7]), Cci::new(7).unwrap(), &bars);
    emit("MFI_6", json!([6]), Mfi::new(6).unwrap(), &bars);
}
