//! Scalers against scikit-learn 1.9 (`tests/golden/features/f2_scalers.json`, made by
//! `gen_f2.py`): MinMaxScaler (default and (-1, 1)), StandardScaler, RobustScaler (IQR and
//! 10–90) fitted on 800 BTC rows (close, volume, log return, range, a constant column) and
//! applied to the next 400. Tolerance: `1e-12 · max(1, |expected|)` (same algorithm;
//! summation order differs from numpy's pairwise sums).
//!
//! Plus properties: fitting reads the training rows only, the column check, persistence.
#![allow(clippy::unwrap_used, reason = "test code")]

use aaiti_core::Dataset;
use aaiti_features::Error;
use aaiti_features::scaler::{Scaler, ScalerKind};
use chrono::{TimeZone, Utc};
use ndarray::{Array1, Array2};
use proptest::prelude::*;
use serde::Deserialize;

const GOLDEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/golden/features/f2_scalers.json"
));

#[derive(Deserialize)]
struct Golden {
    columns: Vec<String>,
    train: Vec<Vec<f64>>,
    test: Vec<Vec<f64>>,
    results: std::collections::BTreeMap<String, Res>,
}

#[derive(Deserialize)]
struct Res {
    transform_test: Vec<Vec<f64>>,
    inverse: Vec<Vec<f64>>,
}

fn mat(rows: &[Vec<f64>]) -> Array2<f64> {
    let (r, c) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((r, c), rows.iter().flatten().copied().collect()).unwrap()
}

fn close(a: &Array2<f64>, b: &Array2<f64>, what: &str) {
    assert_eq!(a.dim(), b.dim(), "{what}: shape");
    for ((i, j), x) in a.indexed_iter() {
        let y = b[[i, j]];
        assert!(
            (x - y).abs() <= 1e-12 * y.abs().max(1.0),
            "{what} [{i},{j}]: got {x:e}, sklearn {y:e}"
        );
    }
}

#[test]
fn sklearn_parity() {
    let g: Golden = serde_json::from_str(GOLDEN).unwrap();
    let (train, test) = (mat(&g.train), mat(&g.test));
    let kinds = [
        ("minmax", ScalerKind::min_max()),
        (
            "minmax_m1_1",
            ScalerKind::MinMax {
                min: -1.0,
                max: 1.0,
            },
        ),
        ("zscore", ScalerKind::ZScore),
        ("robust", ScalerKind::robust()),
        (
            "robust_10_90",
            ScalerKind::Robust {
                q_low: 10.0,
                q_high: 90.0,
            },
        ),
    ];
    for (name, kind) in kinds {
        let s = Scaler::fit(kind, &g.columns, train.view()).unwrap();
        let r = &g.results[name];
        let y = s.transform(&g.columns, test.view()).unwrap();
        close(&y, &mat(&r.transform_test), name);
        let back = s.inverse_transform(&g.columns, y.view()).unwrap();
        close(&back, &mat(&r.inverse), &format!("{name} inverse"));
        // The constant column gets scale 1, as in scikit-learn.
        let want = if name == "minmax_m1_1" { 2.0 } else { 1.0 };
        assert_eq!(s.scale()[4], want, "{name}: constant column scale");
    }
}

#[test]
fn refuses_other_columns_and_bad_params() {
    let names = vec!["a".to_string(), "b".to_string()];
    let x = ndarray::array![[1.0, 2.0], [3.0, 5.0]];
    let s = Scaler::fit(ScalerKind::ZScore, &names, x.view()).unwrap();
    let swapped = vec!["b".to_string(), "a".to_string()];
    let e = s.transform(&swapped, x.view()).unwrap_err();
    assert!(
        matches!(e, Error::Shape(ref m) if m.contains("first difference at column 0")),
        "{e}"
    );
    let three = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    assert!(matches!(
        s.transform(&three, x.view()),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        Scaler::fit(ScalerKind::MinMax { min: 1.0, max: 0.0 }, &names, x.view()),
        Err(Error::InvalidParameter { ref name, .. }) if name == "feature_range"
    ));
    assert!(matches!(
        Scaler::fit(
            ScalerKind::Robust {
                q_low: 80.0,
                q_high: 20.0
            },
            &names,
            x.view()
        ),
        Err(Error::InvalidParameter { .. })
    ));
    let nan = ndarray::array![[f64::NAN, 1.0], [f64::NAN, 2.0]];
    assert!(matches!(
        Scaler::fit(ScalerKind::ZScore, &names, nan.view()),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        Scaler::fit(ScalerKind::ZScore, &names, x.slice(ndarray::s![0..0, ..])),
        Err(Error::Shape(_))
    ));
}

#[test]
fn nan_ignored_in_fit_and_kept_in_transform() {
    let names = vec!["a".to_string()];
    let x = ndarray::array![[1.0], [f64::NAN], [3.0]];
    let s = Scaler::fit(ScalerKind::min_max(), &names, x.view()).unwrap();
    let y = s.transform(&names, x.view()).unwrap();
    assert_eq!(y[[0, 0]], 0.0);
    assert!(y[[1, 0]].is_nan());
    assert_eq!(y[[2, 0]], 1.0);
}

fn dataset(x: &Array2<f64>) -> Dataset {
    let n = x.nrows();
    let ts: Vec<_> = (0..n)
        .map(|i| {
            Utc.timestamp_opt(1_700_000_000 + 3600 * i as i64, 0)
                .unwrap()
        })
        .collect();
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(ts.clone(), names, x.clone(), Array1::zeros(n), ts).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Fitting on rows `0..k` of a dataset never reads the other rows: changing them leaves
    /// the fitted scaler (and its JSON) identical. Persistence round-trips exactly.
    #[test]
    fn fit_uses_training_rows_only(
        vals in prop::collection::vec(-1e3f64..1e3, 60),
        noise in prop::collection::vec(-1e6f64..1e6, 60),
        k in 2usize..25,
        which in 0usize..3,
    ) {
        let x = Array2::from_shape_vec((20, 3), vals).unwrap();
        let mut y = x.clone();
        for i in k..20 {
            for j in 0..3 {
                y[[i, j]] = noise[i * 3 + j];
            }
        }
        let k = k.min(20);
        let kind = [ScalerKind::min_max(), ScalerKind::ZScore, ScalerKind::robust()][which];
        let a = Scaler::fit_rows(kind, &dataset(&x), 0..k).unwrap();
        let b = Scaler::fit_rows(kind, &dataset(&y), 0..k).unwrap();
        prop_assert_eq!(&a, &b);
        let back = Scaler::from_json(&a.to_json().unwrap()).unwrap();
        prop_assert_eq!(&back, &a);
        // transform of a row depends on that row only
        let ta = a.transform_dataset(&dataset(&x)).unwrap();
        let tb = a.transform_dataset(&dataset(&y)).unwrap();
        for i in 0..k {
            for j in 0..3 {
                prop_assert_eq!(ta.features()[[i, j]].to_bits(), tb.features()[[i, j]].to_bits());
            }
        }
    }
}
