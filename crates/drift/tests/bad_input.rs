//! The bad-input list, every public batch entry point, both argument positions:
//! NaN / ±inf values, empty samples, windows larger than the data, mismatched feature columns.
//! Each must be a typed error naming what and where, never a panic or a silent NaN.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is the failure report"
)]

use aaiti_drift::*;
use ndarray::Array2;

type Batch = fn(&[f64], &[f64]) -> Result<()>;

fn batch_tests() -> Vec<(&'static str, Batch)> {
    vec![
        ("ks_2samp", |a, b| ks_2samp(a, b, KsMethod::Auto).map(drop)),
        ("ks_2samp asymp", |a, b| {
            ks_2samp(a, b, KsMethod::Asymp).map(drop)
        }),
        ("ks_2samp_presorted", |a, b| {
            ks_2samp_presorted(a, b, KsMethod::Auto).map(drop)
        }),
        ("psi quantile", |a, b| {
            psi(a, b, Binning::default()).map(drop)
        }),
        ("js_distance", |a, b| {
            js_distance(a, b, Binning::default()).map(drop)
        }),
        ("wasserstein", |a, b| wasserstein(a, b).map(drop)),
        ("wasserstein_normed", |a, b| {
            wasserstein_normed(a, b).map(drop)
        }),
        ("chi_squared", |a, b| chi_squared(a, b).map(drop)),
    ]
}

fn good(n: usize, shift: f64) -> Vec<f64> {
    // ascending, with ties (valid for the presorted entry point too)
    (0..n).map(|i| (i * 7 / n) as f64 + shift).collect()
}

#[test]
fn every_batch_test_rejects_non_finite_values_in_either_sample_naming_the_index() {
    for (name, f) in batch_tests() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut x = good(50, 0.0);
            x[17] = bad;
            let y = good(60, 0.5);
            for (first, second, side) in [(&x, &y, "first"), (&y, &x, "second")] {
                match f(first, second) {
                    Err(Error::NonFinite {
                        index: 17, value, ..
                    }) => {
                        assert!(value.is_nan() == bad.is_nan(), "{name} {side}: wrong value")
                    }
                    other => panic!("{name}: {bad} in the {side} sample gave {other:?}"),
                }
            }
        }
    }
}

#[test]
fn every_batch_test_rejects_empty_samples_on_either_side() {
    for (name, f) in batch_tests() {
        let y = good(30, 0.0);
        for (first, second, side) in [(&[][..], &y[..], "first"), (&y[..], &[][..], "second")] {
            let e = f(first, second).unwrap_err();
            assert!(
                matches!(e, Error::Empty { .. } | Error::TooFew { got: 0, .. }),
                "{name}: empty {side} sample gave {e:?}"
            );
        }
    }
}

#[test]
fn presorted_ks_rejects_unsorted_input_by_position() {
    let e = ks_2samp_presorted(&[1.0, 3.0, 2.0], &[1.0], KsMethod::Auto).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e:?}");
    assert!(e.to_string().contains("first sample[1]"), "{e}");
}

#[test]
fn detectors_reject_non_finite_values_without_changing_state() {
    for name in DETECTOR_NAMES {
        let params: &[(&str, &str)] = if *name == "kswin" {
            &[("seed", "1")]
        } else {
            &[]
        };
        let mut d = build_detector(name, params).unwrap();
        for x in good(40, 0.0) {
            d.update((x / 7.0).round()).unwrap();
        }
        let seen = d.n_seen();
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(
                matches!(d.update(bad), Err(Error::NonFinite { .. })),
                "{name}: {bad}"
            );
            assert_eq!(d.n_seen(), seen, "{name}: state changed on bad input");
        }
    }
}

#[test]
fn windows_larger_than_the_data_are_typed_errors_everywhere() {
    let r = good(30, 0.0);
    // volatility context: window > reference / 2
    assert!(matches!(
        VolatilityContext::from_reference(&r, 20, 1.5),
        Err(Error::TooFew { .. })
    ));
    // classify with fewer returns than the window
    let ctx = VolatilityContext::from_reference(&good(400, 0.1), 10, 1.5).unwrap();
    assert!(matches!(
        ctx.classify(&r[..5]),
        Err(Error::TooFew { needed: 10, .. })
    ));
    // feature-monitor calibration with a window larger than half the reference
    let names = vec!["a".to_string()];
    let m = Array2::from_shape_vec((30, 1), r.clone()).unwrap();
    let mut mon = FeatureMonitor::new(names, m.view(), MonitorConfig::default()).unwrap();
    assert!(matches!(mon.calibrate(31, 0.99), Err(Error::TooFew { .. })));
    // Sharpe monitor needs a reference and a window of at least 2
    assert!(matches!(
        SharpeMonitor::new(&[0.01], 5, 2.0, 1),
        Err(Error::TooFew { .. })
    ));
    assert!(matches!(
        SharpeMonitor::new(&r, 1, 2.0, 1),
        Err(Error::TooFew { .. })
    ));
}

#[test]
fn mismatched_feature_columns_are_typed_errors_in_both_entry_points() {
    let names: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
    let cols = vec![good(40, 0.0), good(40, 1.0)];
    let mon = FeatureMonitor::from_columns(names.clone(), &cols, MonitorConfig::default()).unwrap();
    // fewer columns, renamed column, ragged column lengths
    assert!(matches!(
        mon.check_columns(&names[..1], &cols[..1]),
        Err(Error::FeatureMismatch { .. })
    ));
    let renamed = vec!["a".to_string(), "z".to_string()];
    let e = mon.check_columns(&renamed, &cols).unwrap_err();
    assert!(matches!(e, Error::FeatureMismatch { .. }) && e.to_string().contains("\"z\""));
    assert!(mon.check_columns(&names, &cols[..1]).is_err());
    // empty current columns
    let empty = vec![Vec::new(), Vec::new()];
    assert!(matches!(
        mon.check_columns(&names, &empty),
        Err(Error::Empty { .. } | Error::TooFew { .. } | Error::FeatureMismatch { .. })
    ));
    // duplicate names in the reference
    let dup = vec!["a".to_string(), "a".to_string()];
    assert!(matches!(
        FeatureMonitor::from_columns(dup, &cols, MonitorConfig::default()),
        Err(Error::FeatureMismatch { .. })
    ));
}
