//! Labels: hand-checked examples and the no-look-ahead property (a label at `t` depends
//! only on bars `t..=end(t)`, plus past bars for the triple barrier's volatility).
#![allow(clippy::unwrap_used, reason = "test code")]

use aaiti_core::{Bars, Ohlcv};
use aaiti_features::Error;
use aaiti_features::labels::{
    Barrier, ReturnKind, TripleBarrier, VerticalLabel, fixed_horizon, forward_return,
    triple_barrier,
};
use chrono::{TimeZone, Utc};
use ndarray::Array1;
use proptest::prelude::*;

fn bars(close: &[f64]) -> Bars {
    let n = close.len();
    let ts = (0..n)
        .map(|i| {
            Utc.timestamp_opt(1_700_000_000 + 3600 * i as i64, 0)
                .unwrap()
        })
        .collect();
    let c = Array1::from(close.to_vec());
    Bars::new(
        "T",
        None,
        ts,
        Ohlcv {
            open: c.clone(),
            high: c.clone(),
            low: c.clone(),
            close: c,
            volume: Array1::ones(n),
        },
    )
    .unwrap()
}

#[test]
fn fixed_horizon_and_forward_return_by_hand() {
    let b = bars(&[100.0, 101.0, 100.5, 99.0, 99.0, 102.0]);
    let l = fixed_horizon(&b, 2, 0.004, ReturnKind::Simple).unwrap();
    // 100 -> 100.5: +0.5% > 0.4% => up; 101 -> 99: down; 100.5 -> 99: down; 99 -> 102: up
    assert_eq!(&l.values()[..4], &[1.0, -1.0, -1.0, 1.0]);
    assert!(l.values()[4].is_nan() && l.values()[5].is_nan());
    assert_eq!(l.end_index()[..4], [Some(2), Some(3), Some(4), Some(5)]);
    assert_eq!(l.end_time()[0], Some(b.timestamps()[2]));
    assert_eq!(l.end_index()[4], None);
    let flat = fixed_horizon(&b, 1, 0.02, ReturnKind::Log).unwrap();
    assert_eq!(&flat.values()[..4], &[0.0, 0.0, 0.0, 0.0]);
    let r = forward_return(&b, 1, ReturnKind::Log).unwrap();
    assert_eq!(r.values()[0], (101.0f64 / 100.0).ln());
    let r = forward_return(&b, 3, ReturnKind::Simple).unwrap();
    assert_eq!(r.values()[2], 102.0 / 100.5 - 1.0);
    assert_eq!(r.known_rows(), vec![0, 1, 2]);
}

#[test]
fn triple_barrier_by_hand() {
    // Returns alternate +-1% for the volatility window, then a clean move up / down.
    let mut c = vec![100.0];
    for i in 0..10 {
        let last = *c.last().unwrap();
        c.push(if i % 2 == 0 { last * 1.01 } else { last / 1.01 });
    }
    let base = *c.last().unwrap();
    c.extend([
        base * 1.002,
        base * 1.03,
        base * 1.05,
        base * 0.9,
        base * 0.9,
    ]);
    let b = bars(&c);
    let cfg = TripleBarrier {
        horizon: 3,
        profit_take: 2.0,
        stop_loss: 2.0,
        vol_window: 10,
        vertical: VerticalLabel::Sign,
    };
    let tb = triple_barrier(&b, &cfg).unwrap();
    let sigma = tb.volatility[10];
    assert!(sigma > 0.0095 && sigma < 0.0115, "{sigma}");
    assert!(tb.volatility[9].is_nan() && tb.labels.values()[9].is_nan());
    // From bar 10: +0.2% (below 2σ), then +3% >= 2σ at bar 12 => upper, ends at 12.
    assert_eq!(tb.labels.values()[10], 1.0);
    assert_eq!(tb.labels.end_index()[10], Some(12));
    assert_eq!(tb.barrier[10], Some(Barrier::Upper));
    // From bar 13 (+5%): bar 14 is -14% => lower at 14.
    assert_eq!(tb.labels.values()[13], -1.0);
    assert_eq!(tb.barrier[13], Some(Barrier::Lower));
    // From bar 14: only one bar left and no barrier => unknown.
    assert!(tb.labels.values()[14].is_nan() && tb.labels.end_index()[14].is_none());
    // Vertical barrier: huge multiples never touch; label = sign at t + horizon.
    let wide = TripleBarrier {
        profit_take: 100.0,
        stop_loss: 100.0,
        ..cfg
    };
    let tw = triple_barrier(&b, &wide).unwrap();
    assert_eq!(tw.barrier[10], Some(Barrier::Vertical));
    assert_eq!(tw.labels.end_index()[10], Some(13));
    assert_eq!(tw.labels.values()[10], 1.0);
    let zero = TripleBarrier {
        vertical: VerticalLabel::Zero,
        ..wide
    };
    assert_eq!(triple_barrier(&b, &zero).unwrap().labels.values()[10], 0.0);
}

#[test]
fn typed_errors() {
    let b = bars(&[1.0, 2.0, 3.0]);
    assert!(
        matches!(fixed_horizon(&b, 0, 0.0, ReturnKind::Log), Err(Error::InvalidParameter { ref name, .. }) if name == "horizon")
    );
    assert!(
        matches!(fixed_horizon(&b, 1, -0.1, ReturnKind::Log), Err(Error::InvalidParameter { ref name, .. }) if name == "threshold")
    );
    let cfg = TripleBarrier {
        vol_window: 1,
        ..TripleBarrier::default()
    };
    assert!(
        matches!(triple_barrier(&b, &cfg), Err(Error::InvalidParameter { ref name, .. }) if name == "vol_window")
    );
    let cfg = TripleBarrier {
        profit_take: f64::NAN,
        ..TripleBarrier::default()
    };
    assert!(matches!(
        triple_barrier(&b, &cfg),
        Err(Error::InvalidParameter { .. })
    ));
}

fn walk(steps: &[f64]) -> Vec<f64> {
    let mut p = 100.0;
    steps
        .iter()
        .map(|s| {
            p *= (s * 0.02).exp();
            p
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Changing any bar after a label's end time changes neither the label nor its end.
    #[test]
    fn labels_never_look_past_their_end(
        steps in prop::collection::vec(-1.0f64..1.0, 40..80),
        noise in prop::collection::vec(-1.0f64..1.0, 80),
        h in 1usize..8,
        pt in 0.0f64..3.0,
        sl in 0.0f64..3.0,
        w in 2usize..10,
        t in 0usize..40,
    ) {
        let c = walk(&steps);
        let b = bars(&c);
        let cfg = TripleBarrier { horizon: h, profit_take: pt, stop_loss: sl, vol_window: w, vertical: VerticalLabel::Sign };
        let runs = |cc: &[f64]| {
            let bb = bars(cc);
            (
                fixed_horizon(&bb, h, 0.001, ReturnKind::Log).unwrap(),
                forward_return(&bb, h, ReturnKind::Simple).unwrap(),
                triple_barrier(&bb, &cfg).unwrap().labels,
            )
        };
        let (a1, a2, a3) = runs(&c);
        for lab in [&a1, &a2, &a3] {
            let Some(end) = lab.end_index()[t] else { continue };
            prop_assert!(end >= t);
            // perturb every bar after `end`
            let mut d = c.clone();
            for (i, x) in d.iter_mut().enumerate().skip(end + 1) {
                *x *= (noise[i % noise.len()] * 0.3).exp();
            }
            let (b1, b2, b3) = runs(&d);
            let other = if lab.name() == a1.name() { b1 } else if lab.name() == a2.name() { b2 } else { b3 };
            prop_assert_eq!(other.values()[t].to_bits(), lab.values()[t].to_bits());
            prop_assert_eq!(other.end_index()[t], lab.end_index()[t]);
            prop_assert_eq!(other.end_time()[t], lab.end_time()[t]);
        }
        prop_assert_eq!(a1.len(), b.len());
    }
}
