//! Bad input, monitoring, trading signals, triggers, serde and no-look-ahead properties.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is the failure report"
)]

use aaiti_drift::*;
use ndarray::Array2;
use proptest::prelude::*;

fn lcg(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let v = (s >> 11) as f64 / (1u64 << 53) as f64;
            u + v - 1.0
        })
        .collect()
}

fn all_detectors() -> Vec<Box<dyn DriftDetector>> {
    DETECTOR_NAMES
        .iter()
        .map(|n| {
            let params: &[(&str, &str)] = if *n == "kswin" { &[("seed", "1")] } else { &[] };
            build_detector(n, params).unwrap()
        })
        .collect()
}

#[test]
fn nan_and_inf_are_typed_errors_and_leave_state_untouched() {
    for mut d in all_detectors() {
        for x in [0.0, 1.0, 0.0, 1.0] {
            d.update(x).unwrap();
        }
        let before = d.n_seen();
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = d.update(bad).unwrap_err();
            assert!(
                matches!(e, Error::NonFinite { index: 4, .. }),
                "{}: {e}",
                d.name()
            );
        }
        assert_eq!(d.n_seen(), before, "{}", d.name());
    }
    let e = detect(&mut Adwin::default(), &[1.0, 2.0, f64::NAN]).unwrap_err();
    assert!(matches!(e, Error::NonFinite { index: 2, .. }), "{e}");
}

#[test]
fn binary_detectors_reject_out_of_domain_values() {
    for name in ["ddm", "hddm_a", "hddm_w"] {
        let mut d = build_detector(name, &[]).unwrap();
        assert!(
            matches!(d.update(1.5), Err(Error::OutOfDomain { .. })),
            "{name}"
        );
        assert!(
            matches!(d.update(-0.1), Err(Error::OutOfDomain { .. })),
            "{name}"
        );
        assert!(d.update(0.5).is_ok(), "{name} accepts rates in [0, 1]");
    }
    let mut e = Eddm::default();
    assert!(matches!(e.update(0.5), Err(Error::OutOfDomain { .. })));
}

#[test]
fn bad_parameters_and_names_are_typed_errors() {
    assert!(matches!(
        build_detector("nope", &[]),
        Err(Error::Unknown { .. })
    ));
    assert!(matches!(
        build_detector("adwin", &[("delta", "2")]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        build_detector("adwin", &[("foo", "1")]),
        Err(Error::Unknown { .. })
    ));
    assert!(matches!(
        build_detector("adwin", &[("clock", "x")]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        build_detector("kswin", &[]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(
        Kswin::new(KswinParams {
            stat_size: 100,
            ..KswinParams::default()
        })
        .is_err()
    );
    assert!(
        Eddm::new(EddmParams {
            alpha: 0.8,
            beta: 0.9,
            ..EddmParams::default()
        })
        .is_err()
    );
    assert!(PageHinkley::normalised(PageHinkleyParams::default(), &[1.0, 1.0, 1.0]).is_err());
    assert!(matches!(
        PageHinkley::normalised(PageHinkleyParams::default(), &[1.0]),
        Err(Error::TooFew { .. })
    ));
}

/// Parameter forms river 0.26.1 accepts (found by `tests/golden/drift/cli_sweep.py`): they
/// build, and behave as the equivalent plain value (river compares integer counters with
/// `min_instances` / `warm_start`; CPython's `Random(seed)` uses `abs(seed)`; KSWIN seeds keep
/// all 64 bits). Values river fails on stay errors.
#[test]
fn river_accepted_parameter_forms_build_and_match_their_equivalents() {
    let xs: Vec<f64> = lcg(11, 3000)
        .iter()
        .enumerate()
        .map(|(i, v)| v + if i > 1500 { 1.0 } else { 0.0 })
        .collect();
    let errs: Vec<f64> = lcg(12, 3000)
        .iter()
        .enumerate()
        .map(|(i, v)| f64::from(u8::from(v.abs() < if i > 1500 { 0.5 } else { 0.2 })))
        .collect();
    let run = |name: &str, p: &[(&str, &str)], data: &[f64]| {
        let mut d = build_detector(name, p).unwrap();
        detect(&mut d, data).unwrap()
    };
    for (name, a, b, data) in [
        (
            "page_hinkley",
            ("min_instances", "-5"),
            ("min_instances", "0"),
            &xs,
        ),
        (
            "page_hinkley",
            ("min_instances", "40.5"),
            ("min_instances", "41"),
            &xs,
        ),
        ("ddm", ("warm_start", "-3"), ("warm_start", "0"), &errs),
        ("ddm", ("warm_start", "30.7"), ("warm_start", "30"), &errs),
        ("eddm", ("warm_start", "-1"), ("warm_start", "0"), &errs),
        ("kswin", ("seed", "-42"), ("seed", "42"), &xs),
    ] {
        let extra: &[(&str, &str)] = if name == "page_hinkley" {
            &[("threshold", "5")]
        } else {
            &[]
        };
        let pa: Vec<(&str, &str)> = extra.iter().copied().chain([a]).collect();
        let pb: Vec<(&str, &str)> = extra.iter().copied().chain([b]).collect();
        assert_eq!(
            run(name, &pa, data),
            run(name, &pb, data),
            "{name} {a:?} vs {b:?}"
        );
    }
    // a seed above 2^53 is not rounded through f64
    let big = run("kswin", &[("seed", "12345678901234567")], &xs);
    let near = run("kswin", &[("seed", "12345678901234568")], &xs);
    assert_ne!(big, near);
    for (name, p) in [
        (
            "hddm_a",
            [("drift_confidence", "1"), ("warning_confidence", "1")],
        ),
        ("hddm_w", [("lambda_val", "0"), ("warning_confidence", "1")]),
        ("hddm_w", [("lambda_val", "1"), ("drift_confidence", "1")]),
        ("eddm", [("alpha", "1.5"), ("beta", "-1")]),
    ] {
        assert!(build_detector(name, &p).is_ok(), "{name} {p:?}");
    }
    for (name, p) in [
        ("hddm_a", ("drift_confidence", "0")),
        ("hddm_a", ("warning_confidence", "1.5")),
        ("hddm_w", ("lambda_val", "1.5")),
        ("eddm", ("beta", "inf")),
        ("ddm", ("warm_start", "nan")),
        ("kswin", ("seed", "1.5")),
    ] {
        let mut ps = vec![p];
        if name == "kswin" {
            ps.push(("alpha", "0.01"));
        }
        assert!(build_detector(name, &ps).is_err(), "{name} {p:?}");
    }
}

#[test]
fn empty_and_non_finite_samples_are_typed_errors() {
    assert!(matches!(
        ks_2samp(&[], &[1.0], KsMethod::Auto),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        ks_2samp(&[1.0, f64::NAN], &[1.0], KsMethod::Auto),
        Err(Error::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        psi(&[1.0], &[], Binning::default()),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        wasserstein(&[f64::INFINITY], &[1.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        jensen_shannon(&[0.5, 0.5], &[1.0], None),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        chi_squared(&[1.0, 1.0], &[1.0]),
        Err(Error::TooFew { .. })
    ));
}

#[test]
fn windows_larger_than_the_data_are_typed_errors() {
    let r = lcg(1, 50);
    assert!(matches!(
        VolatilityContext::from_reference(&r, 40, 1.5),
        Err(Error::TooFew { .. })
    ));
    let names = vec!["a".to_string()];
    let m = Array2::from_shape_vec((50, 1), r.clone()).unwrap();
    let mut mon = FeatureMonitor::new(names, m.view(), MonitorConfig::default()).unwrap();
    assert!(matches!(
        mon.calibrate(100, 0.99),
        Err(Error::TooFew { .. })
    ));
    let ctx = VolatilityContext::from_reference(&lcg(2, 500), 20, 1.5).unwrap();
    assert!(matches!(ctx.classify(&r[..10]), Err(Error::TooFew { .. })));
}

#[test]
fn mismatched_feature_columns_are_typed_errors() {
    let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let r = Array2::from_shape_vec((100, 3), lcg(3, 300)).unwrap();
    let mon = FeatureMonitor::new(names.clone(), r.view(), MonitorConfig::default()).unwrap();
    let c2 = Array2::from_shape_vec((100, 2), lcg(4, 200)).unwrap();
    assert!(matches!(
        mon.check(&names[..2], c2.view()),
        Err(Error::FeatureMismatch { .. })
    ));
    let swapped: Vec<String> = ["a", "c", "b"].iter().map(|s| s.to_string()).collect();
    let c3 = Array2::from_shape_vec((100, 3), lcg(5, 300)).unwrap();
    let e = mon.check(&swapped, c3.view()).unwrap_err();
    assert!(e.to_string().contains("\"b\""), "{e}");
    assert!(matches!(
        FeatureMonitor::new(names[..2].to_vec(), r.view(), MonitorConfig::default()),
        Err(Error::FeatureMismatch { .. })
    ));
    let mut bad = c3.clone();
    bad[[7, 2]] = f64::NAN;
    let e = mon.check(&names, bad.view()).unwrap_err();
    assert!(matches!(e, Error::NonFinite { index: 7, .. }), "{e}");
    assert!(e.to_string().contains("\"c\""));
}

#[test]
fn feature_monitor_finds_the_shifted_feature_with_corrections_and_calibration() {
    let n = 4000;
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    let mut r = Array2::zeros((n, 20));
    let mut c = Array2::zeros((1000, 20));
    for j in 0..20 {
        let col = lcg(100 + j as u64, n);
        for i in 0..n {
            r[[i, j]] = col[i];
        }
        let col = lcg(200 + j as u64, 1000);
        for i in 0..1000 {
            c[[i, j]] = col[i] + if j == 7 { 0.3 } else { 0.0 };
        }
    }
    for correction in [
        Correction::Bonferroni,
        Correction::Holm,
        Correction::BenjaminiHochberg,
    ] {
        let cfg = MonitorConfig {
            correction,
            ..MonitorConfig::default()
        };
        let mon = FeatureMonitor::new(names.clone(), r.view(), cfg).unwrap();
        let rep = mon.check(&names, c.view()).unwrap();
        let drifted: Vec<&str> = rep
            .features
            .iter()
            .filter(|f| f.drifted)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(drifted, vec!["f7"], "{correction:?}");
        assert_eq!(rep.top(1)[0].name, "f7");
    }
    let cfg = MonitorConfig {
        test: FeatureTest::Psi(Binning::default()),
        ..MonitorConfig::default()
    };
    let mut mon = FeatureMonitor::new(names.clone(), r.view(), cfg).unwrap();
    mon.calibrate(200, 1.0).unwrap();
    let th = mon.thresholds().unwrap();
    assert!(th.iter().all(|t| *t > 0.0 && *t < 0.2), "{th:?}");
    let rep = mon.check(&names, c.view()).unwrap();
    assert!(rep.calibrated);
    assert!(rep.features[7].drifted);
    assert!(rep.n_drifted() <= 2, "{}", rep.n_drifted());
}

#[test]
fn sharpe_degradation_is_reported_as_regime_change_when_volatility_jumps() {
    let base: Vec<f64> = lcg(9, 2000).iter().map(|x| 0.002 + 0.01 * x).collect();
    let sharpe = SharpeMonitor::new(&base, 250, 2.33, 1).unwrap();
    let hits = HitRateMonitor::new(0.55, 200, 2.33, 1).unwrap();
    let vol = VolatilityContext::from_reference(&base, 50, 1.5).unwrap();
    let mut m = TradingMonitor::new(sharpe.clone(), hits.clone(), vol);
    // same regime, mean goes negative: model degradation
    let mut first = None;
    for (i, x) in lcg(10, 1000).iter().enumerate() {
        if let Some(e) = m.update(-0.002 + 0.01 * x, i % 2 == 0).unwrap() {
            first = Some(e);
            break;
        }
    }
    let e = first.unwrap();
    assert_eq!(e.kind, AlarmKind::ModelDegradation, "{}", e.message);
    assert_eq!(e.source, "sharpe_degradation");
    assert!(e.statistic < e.threshold);
    // volatility triples while the mean turns negative: regime change
    let mut m = TradingMonitor::new(sharpe, hits, vol);
    let mut first = None;
    for (i, x) in lcg(11, 2000).iter().enumerate() {
        if let Some(e) = m.update(-0.004 + 0.03 * x, i % 2 == 0).unwrap() {
            first = Some(e);
            break;
        }
    }
    let e = first.unwrap();
    assert_eq!(e.kind, AlarmKind::RegimeChange, "{}", e.message);
    assert!(e.regime.unwrap().ratio > 1.5);
}

#[test]
fn hit_rate_drift_and_prediction_drift() {
    let mut h = HitRateMonitor::new(0.55, 200, 2.33, 1).unwrap();
    let mut fired = None;
    for i in 0..2000 {
        let hit = if i < 500 { i % 20 < 11 } else { i % 20 < 8 };
        if h.update(if hit { 1.0 } else { 0.0 }).unwrap().is_drift() {
            fired = Some(i);
            break;
        }
    }
    assert!(fired.is_some_and(|i| i > 500), "{fired:?}");
    let a = lcg(20, 3000);
    let b: Vec<f64> = lcg(21, 3000).iter().map(|x| x + 0.2).collect();
    let (drifted, e) = prediction_drift(&a, &b, 0.01).unwrap();
    assert!(drifted && e.kind == AlarmKind::PredictionDrift && e.message.contains("PSI"));
    let (drifted, _) = prediction_drift(&a, &lcg(22, 3000), 0.01).unwrap();
    assert!(!drifted);
}

#[test]
fn retrain_trigger_sets_seed_fields_and_requests_retrain_only_when_enabled() {
    let mut sink = InMemorySink::default();
    sink.auto_retrain.insert("m@2".into(), true);
    let mut t = RetrainTrigger::new(sink);
    let (_, expl) = prediction_drift(&lcg(1, 100), &lcg(2, 100), 0.05).unwrap();
    let mut metrics = std::collections::BTreeMap::new();
    metrics.insert("accuracy".to_string(), 0.49);
    for version in ["1", "2"] {
        let ev = DriftEvent {
            model: "m".into(),
            version: version.into(),
            at: "2026-11-28T00:00:00Z".into(),
            explanation: expl.clone(),
            metrics: metrics.clone(),
        };
        t.on_drift(&ev).unwrap();
    }
    let s = t.into_sink();
    assert!(s.drift["m@1"].drift_detected && s.drift["m@2"].drift_detected);
    assert_eq!(
        s.drift["m@1"].drift_metrics["metric.accuracy"],
        serde_json::json!(0.49)
    );
    assert_eq!(s.history["m@1"].len(), 1);
    assert_eq!(s.requests.len(), 1);
    assert_eq!(s.requests[0].version, "2");
}

#[test]
fn serde_round_trip_resumes_bit_for_bit() {
    let xs = lcg(42, 3000);
    let mut a = Adwin::default();
    let mut p = PageHinkley::new(PageHinkleyParams {
        threshold: 5.0,
        ..PageHinkleyParams::default()
    })
    .unwrap();
    let mut k = Kswin::new(KswinParams {
        sampling: KswinSampling::PythonCompatible(3),
        ..KswinParams::default()
    })
    .unwrap();
    for &x in &xs[..1500] {
        a.update(x).unwrap();
        p.update(x).unwrap();
        k.update(x).unwrap();
    }
    let mut a2: Adwin = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    let mut p2: PageHinkley = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    let mut k2: Kswin = serde_json::from_str(&serde_json::to_string(&k).unwrap()).unwrap();
    for &x in &xs[1500..] {
        assert_eq!(a.update(x).unwrap(), a2.update(x).unwrap());
        assert_eq!(p.update(x).unwrap(), p2.update(x).unwrap());
        assert_eq!(k.update(x).unwrap(), k2.update(x).unwrap());
    }
}

#[test]
fn seeded_kswin_is_reproducible_and_detects_a_shift() {
    let mut xs = lcg(5, 1500);
    for x in &mut xs[700..] {
        *x += 1.5;
    }
    let mk = || {
        Kswin::new(KswinParams {
            sampling: KswinSampling::Seeded(9),
            ..KswinParams::default()
        })
        .unwrap()
    };
    let d1 = detect(&mut mk(), &xs).unwrap();
    let d2 = detect(&mut mk(), &xs).unwrap();
    assert_eq!(d1, d2);
    assert!(
        d1.drifts.iter().any(|&i| (700..760).contains(&i)),
        "{:?}",
        d1.drifts
    );
}

#[test]
fn cusum_detects_a_one_sigma_shift_quickly() {
    let mut xs = lcg(8, 2000);
    let sd = (1.0f64 / 6.0).sqrt();
    for x in &mut xs[1000..] {
        *x += sd;
    }
    let mut c = Cusum::with_reference(CusumParams::default(), &xs[..1000]).unwrap();
    let d = detect(&mut c, &xs).unwrap();
    assert!(
        d.drifts.iter().any(|&i| (1000..1040).contains(&i)),
        "{:?}",
        d.drifts
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// No look-ahead: the states reported for the first `t` values never depend on later values.
    #[test]
    fn detectors_never_look_ahead(seed in 0u64..10_000, t in 1usize..600, bump in -3.0f64..3.0) {
        let xs: Vec<f64> = lcg(seed, 800).iter().map(|x| (x + 1.0) / 2.0).collect();
        let mut ys = xs.clone();
        for y in &mut ys[t..] {
            *y = (*y + bump).clamp(0.0, 1.0);
        }
        for (mut d1, mut d2) in all_detectors().into_iter().zip(all_detectors()) {
            let bin = matches!(d1.name(), "eddm");
            let f = |v: f64| if bin { v.round() } else { v };
            for i in 0..t {
                prop_assert_eq!(d1.update(f(xs[i])).unwrap(), d2.update(f(ys[i])).unwrap(), "{} at {}", d1.name(), i);
            }
        }
    }

    /// The batch API equals the folded streaming updates.
    #[test]
    fn detect_equals_folded_updates(seed in 0u64..10_000) {
        let xs = lcg(seed, 500);
        let batch = detect(&mut PageHinkley::new(PageHinkleyParams { threshold: 2.0, ..PageHinkleyParams::default() }).unwrap(), &xs).unwrap();
        let mut d = PageHinkley::new(PageHinkleyParams { threshold: 2.0, ..PageHinkleyParams::default() }).unwrap();
        let folded: Vec<usize> = xs.iter().enumerate().filter(|(_, x)| d.update(**x).unwrap().is_drift()).map(|(i, _)| i).collect();
        prop_assert_eq!(batch.drifts, folded);
    }

    /// `detect` (one `detect_into` call, also through `Box<dyn DriftDetector>`) equals the
    /// folded `update` calls (plus `warning_detected` after a drift) for every detector, on 0/1 and real streams, and for a
    /// σ-normalised Page-Hinkley (its own loop); an error carries the index in the slice.
    #[test]
    fn detect_into_equals_updates_for_every_detector(seed in 0u64..10_000, bad in 0usize..700) {
        let real = lcg(seed, 600);
        let bits: Vec<f64> = real.iter().map(|x| f64::from(u8::from(*x > 0.3))).collect();
        let fresh = || {
            let mut ds = all_detectors();
            let ph = PageHinkleyParams { threshold: 1.0, ..PageHinkleyParams::default() };
            ds.push(Box::new(PageHinkley::normalised(ph, &real[..50]).unwrap()));
            ds
        };
        for xs in [&real, &bits] {
            for (mut a, mut b) in fresh().into_iter().zip(fresh()) {
                let mut drifts = Vec::new();
                let mut warnings = Vec::new();
                let mut ok = true;
                for (i, &x) in xs.iter().enumerate() {
                    match b.update(x) {
                        Ok(DriftState::Drift) => {
                            drifts.push(i);
                            // river's warning flag can be up together with the drift flag
                            if b.warning_detected() {
                                warnings.push(i);
                            }
                        }
                        Ok(DriftState::Warning) => warnings.push(i),
                        Ok(DriftState::Stable) => {}
                        Err(_) => { ok = false; break; }
                    }
                }
                match detect(&mut a, xs) {
                    Ok(got) => {
                        prop_assert!(ok, "{}", a.name());
                        prop_assert_eq!(got.drifts, drifts, "{}", a.name());
                        prop_assert_eq!(got.warnings, warnings, "{}", a.name());
                        prop_assert_eq!(a.n_seen(), b.n_seen(), "{}", a.name());
                    }
                    Err(_) => prop_assert!(!ok, "{}", a.name()),
                }
            }
        }
        // a NaN at `bad` (when inside the slice) is reported at that index
        let mut with_nan = real.clone();
        if bad < with_nan.len() {
            with_nan[bad] = f64::NAN;
        }
        for mut d in fresh() {
            if d.name() == "page_hinkley" || d.name() == "adwin" || d.name() == "kswin" {
                match detect(&mut d, &with_nan) {
                    Ok(_) => prop_assert!(bad >= with_nan.len()),
                    Err(e) => prop_assert!(matches!(e, Error::NonFinite { index, .. } if index == bad), "{e}"),
                }
            }
        }
    }

    /// KS is symmetric in its samples (statistic and p-value) and p lies in [0, 1].
    #[test]
    fn ks_symmetric(seed in 0u64..10_000, n1 in 1usize..300, n2 in 1usize..300) {
        let a = lcg(seed, n1);
        let b: Vec<f64> = lcg(seed + 1, n2).iter().map(|x| x + 0.1).collect();
        let r1 = ks_2samp(&a, &b, KsMethod::Auto).unwrap();
        let r2 = ks_2samp(&b, &a, KsMethod::Auto).unwrap();
        prop_assert_eq!(r1.statistic, r2.statistic);
        prop_assert!((r1.pvalue - r2.pvalue).abs() < 1e-12);
        prop_assert!((0.0..=1.0).contains(&r1.pvalue));
    }
}
