//! JSON checkpoints of every stateful detector and monitor restore exactly, including states
//! holding NaN or ±∞ (warm-up values, running extrema, overflowed sums): restored at many
//! positions (fresh, warm-up, steady state, at and right after each drift), the detector
//! continues with the same `DriftState` sequence and serialises to the same JSON. Checkpoints
//! in the earlier format (`null` for every non-finite value) still load.

use aaiti_drift::{
    Adwin, AdwinParams, Cusum, CusumParams, Ddm, DdmParams, DriftDetector, DriftState, Eddm,
    EddmParams, HddmA, HddmParams, HddmW, HitRateMonitor, Kswin, KswinParams, KswinSampling,
    PageHinkley, PageHinkleyParams, PerformanceMonitor, PerformanceMonitorConfig, PhMode,
    SharpeMonitor, TradingMonitor, VolatilityContext,
};
use serde::{Serialize, de::DeserializeOwned};

/// Deterministic uniform [0, 1) values (splitmix64).
fn uniforms(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// Real values with mean shifts (drifts for the numeric detectors).
fn shifting(seed: u64, n: usize) -> Vec<f64> {
    uniforms(seed, n)
        .into_iter()
        .enumerate()
        .map(|(i, u)| u - 0.5 + if (i / 400) % 2 == 1 { 3.0 } else { 0.0 })
        .collect()
}

/// 0/1 error indicators whose rate jumps (drifts for the binary detectors).
fn errors(seed: u64, n: usize) -> Vec<f64> {
    uniforms(seed, n)
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let rate = if (i / 700) % 2 == 1 { 0.6 } else { 0.1 };
            f64::from(u8::from(u < rate))
        })
        .collect()
}

/// Finite values whose differences and sums overflow to ±∞ and NaN inside the detectors.
fn extreme(n: usize) -> Vec<f64> {
    uniforms(7, n)
        .into_iter()
        .map(|u| {
            if u < 0.4 {
                f64::MAX
            } else if u < 0.8 {
                -f64::MAX
            } else {
                u
            }
        })
        .collect()
}

fn outcome(r: aaiti_drift::Result<DriftState>) -> String {
    match r {
        Ok(s) => format!("{s:?}"),
        Err(e) => format!("error: {e}"),
    }
}

/// Every `non-finite` string written as JSON `null`, the format earlier builds wrote.
fn as_legacy(json: &str) -> String {
    json.replace("\"NaN\"", "null")
        .replace("\"-inf\"", "null")
        .replace("\"inf\"", "null")
}

/// Checkpoints `make()` after every position in `positions` (and at each drift and the two
/// updates after it), restores from JSON and checks the continuation and the re-serialisation.
/// With `legacy`, the `null`-for-non-finite form of each checkpoint must restore the same
/// state too. Returns the number of drifts on the stream and whether some checkpoint held a
/// non-finite value (so callers can make sure the interesting cases were exercised).
fn check<D>(
    name: &str,
    make: impl Fn() -> D,
    stream: &[f64],
    positions: &[usize],
    legacy: bool,
) -> (usize, bool)
where
    D: DriftDetector + Serialize + DeserializeOwned,
{
    let mut probe = make();
    let mut pos: Vec<usize> = positions
        .iter()
        .copied()
        .filter(|&p| p <= stream.len())
        .collect();
    let mut drifts = 0;
    for (i, &x) in stream.iter().enumerate() {
        if probe.update(x).is_ok_and(DriftState::is_drift) {
            drifts += 1;
            pos.extend(
                [i, i + 1, i + 2, i + 3]
                    .into_iter()
                    .filter(|&p| p <= stream.len()),
            );
        }
    }
    pos.sort_unstable();
    pos.dedup();
    let mut non_finite_seen = false;
    for &k in &pos {
        let mut d = make();
        for &x in &stream[..k] {
            let _ = d.update(x);
        }
        let json = serde_json::to_string(&d).expect("serialise");
        non_finite_seen |= json.contains("\"NaN\"") || json.contains("inf\"");
        let mut restored: D = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{name} at {k}: checkpoint does not load: {e}\n{json}"));
        let again = serde_json::to_string(&restored).expect("serialise");
        assert_eq!(again, json, "{name} at {k}: re-serialisation differs");
        if legacy {
            let old = as_legacy(&json);
            let from_old: D = serde_json::from_str(&old).unwrap_or_else(|e| {
                panic!("{name} at {k}: legacy checkpoint does not load: {e}\n{old}")
            });
            assert_eq!(
                serde_json::to_string(&from_old).expect("serialise"),
                json,
                "{name} at {k}: legacy checkpoint restores a different state"
            );
        }
        assert_eq!(restored.n_seen(), d.n_seen(), "{name} at {k}");
        for (j, &x) in stream[k..].iter().enumerate() {
            let (a, b) = (outcome(d.update(x)), outcome(restored.update(x)));
            assert_eq!(a, b, "{name}: checkpoint at {k}, update {}", k + j);
        }
        assert_eq!(
            serde_json::to_string(&restored).expect("serialise"),
            serde_json::to_string(&d).expect("serialise"),
            "{name} at {k}: final states differ"
        );
    }
    assert!(!pos.is_empty(), "{name}: no checkpoint positions");
    (drifts, non_finite_seen)
}

/// `check` on a stream that must drift and must put a non-finite value in some checkpoint.
fn check_both<D>(name: &str, make: impl Fn() -> D, stream: &[f64], pos: &[usize], legacy: bool)
where
    D: DriftDetector + Serialize + DeserializeOwned,
{
    let (drifts, non_finite) = check(name, make, stream, pos, legacy);
    assert!(drifts > 0, "{name}: the stream must drift");
    assert!(non_finite, "{name}: no checkpoint held a non-finite value");
}

/// `check` on a stream that must put a non-finite value in some checkpoint.
fn check_non_finite<D>(
    name: &str,
    make: impl Fn() -> D,
    stream: &[f64],
    pos: &[usize],
    legacy: bool,
) where
    D: DriftDetector + Serialize + DeserializeOwned,
{
    let (_, non_finite) = check(name, make, stream, pos, legacy);
    assert!(non_finite, "{name}: no checkpoint held a non-finite value");
}

/// `check` on a stream that must drift.
fn check_drifts<D>(name: &str, make: impl Fn() -> D, stream: &[f64], pos: &[usize], legacy: bool)
where
    D: DriftDetector + Serialize + DeserializeOwned,
{
    let (drifts, _) = check(name, make, stream, pos, legacy);
    assert!(drifts > 0, "{name}: the stream must drift");
}

const POS: &[usize] = &[
    0, 1, 2, 5, 20, 29, 30, 31, 35, 100, 399, 400, 401, 1000, 1999, 2000,
];

#[test]
fn page_hinkley_checkpoints() {
    let s = shifting(1, 2000);
    for mode in [PhMode::Up, PhMode::Down, PhMode::Both] {
        let p = PageHinkleyParams {
            threshold: 20.0,
            mode,
            ..PageHinkleyParams::default()
        };
        check_both("ph", || PageHinkley::new(p).expect("params"), &s, POS, true);
        let reference: Vec<f64> = s[..200].to_vec();
        check_both(
            "ph normalised",
            || PageHinkley::normalised(p, &reference).expect("params"),
            &s,
            POS,
            true,
        );
        // alpha = 0 (legal extreme) and huge values: sums overflow to ±inf / NaN
        let p0 = PageHinkleyParams { alpha: 0.0, ..p };
        check(
            "ph alpha 0",
            || PageHinkley::new(p0).expect("params"),
            &s,
            POS,
            true,
        );
        check_non_finite(
            "ph extreme",
            || PageHinkley::new(p).expect("params"),
            &extreme(300),
            &[0, 1, 2, 3, 10, 31, 32, 33, 100, 299, 300],
            false,
        );
    }
    // the very first checkpoint holds min_increase = +inf
    let json = serde_json::to_string(&PageHinkley::default()).expect("serialise");
    assert!(json.contains("\"inf\""), "{json}");
}

#[test]
fn adwin_checkpoints() {
    let s = shifting(2, 2000);
    for clock in [1, 32] {
        let p = AdwinParams {
            clock,
            ..AdwinParams::default()
        };
        check_drifts("adwin", || Adwin::new(p).expect("params"), &s, POS, true);
        check_non_finite(
            "adwin extreme",
            || Adwin::new(p).expect("params"),
            &extreme(300),
            &[0, 1, 2, 3, 10, 31, 32, 33, 100, 299, 300],
            false,
        );
    }
}

#[test]
fn binary_checkpoints() {
    let e = errors(3, 3000);
    let pos: Vec<usize> = POS
        .iter()
        .copied()
        .chain([700, 701, 1400, 2500, 3000])
        .collect();
    check_both("ddm", Ddm::default, &e, &pos, true);
    check_both(
        "ddm warm_start 0",
        || {
            Ddm::new(DdmParams {
                warm_start: 0,
                ..DdmParams::default()
            })
            .expect("params")
        },
        &e,
        &pos,
        true,
    );
    check_drifts("eddm", Eddm::default, &e, &pos, true);
    check_drifts(
        "eddm alpha = beta = 1",
        || {
            Eddm::new(EddmParams {
                alpha: 1.0,
                beta: 1.0,
                ..EddmParams::default()
            })
            .expect("params")
        },
        &e,
        &pos,
        true,
    );
    let u: Vec<f64> = uniforms(4, 3000)
        .into_iter()
        .zip(&e)
        .map(|(u, &x)| 0.5 * x + 0.3 * u)
        .collect();
    for stream in [&e, &u] {
        check_drifts("hddm_a", HddmA::default, stream, &pos, true);
        check_both("hddm_w", HddmW::default, stream, &pos, true);
        let lambda_one = HddmParams {
            lambda: 1.0,
            ..HddmParams::default()
        };
        check_drifts(
            "hddm_a lambda 1",
            || HddmA::new(lambda_one).expect("params"),
            stream,
            &pos,
            true,
        );
        check(
            "hddm_w lambda 1",
            || HddmW::new(lambda_one).expect("params"),
            stream,
            &pos,
            true,
        );
    }
    // the first checkpoints hold NaN / ±inf
    for json in [
        serde_json::to_string(&Ddm::default()).expect("serialise"),
        serde_json::to_string(&HddmW::default()).expect("serialise"),
    ] {
        assert!(json.contains("\"inf\""), "{json}");
    }
}

#[test]
fn kswin_checkpoints() {
    let s = shifting(5, 1200);
    for sampling in [
        KswinSampling::AllOldest,
        KswinSampling::Seeded(11),
        KswinSampling::PythonCompatible(42),
    ] {
        let p = KswinParams {
            sampling,
            ..KswinParams::default()
        };
        check_drifts(
            "kswin",
            || Kswin::new(p).expect("params"),
            &s,
            &[0, 1, 50, 99, 100, 101, 399, 400, 401, 1200],
            true,
        );
    }
    let p = KswinParams::default();
    check(
        "kswin extreme",
        || Kswin::new(p).expect("params"),
        &extreme(250),
        &[0, 1, 99, 100, 101, 250],
        false,
    );
}

#[test]
fn cusum_checkpoints() {
    let s = shifting(6, 2000);
    for mode in [PhMode::Up, PhMode::Down, PhMode::Both] {
        let p = CusumParams {
            mode,
            warning_h: Some(2.0),
            ..CusumParams::default()
        };
        // warm-up estimates μ, σ from the stream (NaN until then)
        check("cusum", || Cusum::new(p).expect("params"), &s, POS, true);
        let p = CusumParams {
            warning_h: None,
            ..p
        };
        check("cusum", || Cusum::new(p).expect("params"), &s, POS, true);
        let reference = s[..300].to_vec();
        check_drifts(
            "cusum ref",
            || Cusum::with_reference(p, &reference).expect("params"),
            &s,
            POS,
            true,
        );
        check_non_finite(
            "cusum extreme",
            || Cusum::new(p).expect("params"),
            &extreme(300),
            &[0, 1, 2, 3, 10, 31, 32, 33, 100, 299, 300],
            false,
        );
    }
}

#[test]
fn monitor_checkpoints() {
    let acc: Vec<f64> = uniforms(8, 2000)
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            if i < 1000 {
                0.6 + 0.1 * u
            } else {
                0.3 + 0.1 * u
            }
        })
        .collect();
    let cfg = PerformanceMonitorConfig::seed_rule(0.65);
    check_both(
        "performance",
        || PerformanceMonitor::new(cfg).expect("params"),
        &acc,
        POS,
        true,
    );
    let rets: Vec<f64> = uniforms(9, 2000)
        .into_iter()
        .enumerate()
        .map(|(i, u)| (u - 0.45) * 0.02 - if i >= 1000 { 0.01 } else { 0.0 })
        .collect();
    let reference = rets[..500].to_vec();
    check_both(
        "sharpe",
        || SharpeMonitor::new(&reference, 60, 2.0, 3).expect("params"),
        &rets,
        POS,
        true,
    );
    let hits: Vec<f64> = errors(10, 2000).into_iter().map(|x| 1.0 - x).collect();
    check_both(
        "hit rate",
        || HitRateMonitor::new(0.7, 50, 2.0, 2).expect("params"),
        &hits,
        POS,
        true,
    );

    // the trading monitor (not a DriftDetector): same checks by hand
    let make = || {
        TradingMonitor::new(
            SharpeMonitor::new(&reference, 60, 2.0, 3).expect("params"),
            HitRateMonitor::new(0.7, 50, 2.0, 2).expect("params"),
            VolatilityContext::from_reference(&reference, 20, 1.5).expect("params"),
        )
    };
    for k in [0, 1, 30, 59, 60, 61, 500, 1000, 1500, 2000] {
        let mut m = make();
        for (r, h) in rets[..k].iter().zip(&hits) {
            let _ = m.update(*r, *h > 0.5);
        }
        let json = serde_json::to_string(&m).expect("serialise");
        let mut restored: TradingMonitor = serde_json::from_str(&json).expect("load");
        assert_eq!(serde_json::to_string(&restored).expect("serialise"), json);
        let legacy: TradingMonitor = serde_json::from_str(&as_legacy(&json)).expect("load");
        assert_eq!(serde_json::to_string(&legacy).expect("serialise"), json);
        for (r, h) in rets[k..].iter().zip(&hits[k..]) {
            let a = format!("{:?}", m.update(*r, *h > 0.5));
            let b = format!("{:?}", restored.update(*r, *h > 0.5));
            assert_eq!(a, b, "trading monitor at {k}");
        }
    }
}

/// Non-finite values are written as strings, never as `null`, and every spelling reads back.
#[test]
fn non_finite_format() {
    let fresh = serde_json::to_string(&PageHinkley::default()).expect("serialise");
    assert!(!fresh.contains("null"), "{fresh}");
    let legacy = fresh.replace("\"inf\"", "null");
    let a: PageHinkley = serde_json::from_str(&legacy).expect("legacy load");
    assert_eq!(a, PageHinkley::default());
    let ddm = serde_json::to_string(&Ddm::default()).expect("serialise");
    assert!(
        ddm.contains("\"p_min\":\"NaN\"") && ddm.contains("\"ps_min\":\"inf\""),
        "{ddm}"
    );
    let hw = serde_json::to_string(&HddmW::default()).expect("serialise");
    assert!(
        hw.contains("\"incr_cutpoint\":\"inf\"") && hw.contains("\"decr_cutpoint\":\"-inf\""),
        "{hw}"
    );
    // earlier builds wrote null for both cut points: they read back as ±inf
    let old = hw
        .replace("\"incr_cutpoint\":\"inf\"", "\"incr_cutpoint\":null")
        .replace("\"decr_cutpoint\":\"-inf\"", "\"decr_cutpoint\":null");
    let b: HddmW = serde_json::from_str(&old).expect("legacy load");
    assert_eq!(b, HddmW::default());
    // a string that is not a non-finite spelling is rejected, not misread
    let bad = fresh.replace("\"inf\"", "\"infinity and beyond\"");
    assert!(serde_json::from_str::<PageHinkley>(&bad).is_err());
}
