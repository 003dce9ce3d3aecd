//! Feature sets: naming, transforms, warm-up accounting, presets, errors, no look-ahead.
#![allow(missing_docs, clippy::unwrap_used, reason = "test")]

use aaiti_core::{Bars, Ohlcv};
use aaiti_features::{FeatureDef, FeatureSpec, Transform, batch, overlap::Sma};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn bars_from(close: &[f64]) -> Bars {
    let n = close.len();
    let ts = (0..n)
        .map(|i| {
            Utc.timestamp_opt(1_700_000_000 + 3600 * i as i64, 0)
                .unwrap()
        })
        .collect();
    let c = ndarray::Array1::from(close.to_vec());
    Bars::new(
        "X",
        None,
        ts,
        Ohlcv {
            open: c.clone(),
            high: c.mapv(|x| x * 1.01),
            low: c.mapv(|x| x * 0.99),
            close: c.clone(),
            volume: c,
        },
    )
    .unwrap()
}

fn btc(n: usize) -> Bars {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/btcusd_coinbase_1h.csv"
    );
    aaiti_core::read_csv_path(path).unwrap().slice(0..n)
}

#[test]
fn f1_transforms_by_hand() {
    let b = bars_from(&[1.0, 2.0, 4.0, 4.0, 8.0]);
    let spec = FeatureSpec {
        name: None,
        features: vec![
            FeatureDef::new("CLOSE").transform(Transform::Lag { periods: 1 }),
            FeatureDef::new("CLOSE").transform(Transform::Diff { periods: 2 }),
            FeatureDef::new("CLOSE").transform(Transform::Return { periods: 1 }),
            FeatureDef::new("CLOSE").transform(Transform::LogReturn { periods: 1 }),
            FeatureDef::new("HIGH").transform(Transform::RatioToClose),
            FeatureDef::new("CLOSE").transform(Transform::Zscore { window: 2 }),
        ],
    };
    let m = spec.compute(&b).unwrap();
    assert_eq!(
        m.names(),
        [
            "close|lag(1)",
            "close|diff(2)",
            "close|return(1)",
            "close|log_return(1)",
            "high|ratio_to_close",
            "close|zscore(2)"
        ]
    );
    assert_eq!(m.warmup_rows(), 2);
    assert_eq!(m.timestamps().len(), 3);
    let v = m.values();
    // rows are bars 2, 3, 4
    assert_eq!(v.column(0).to_vec(), vec![2.0, 4.0, 4.0]);
    assert_eq!(v.column(1).to_vec(), vec![3.0, 2.0, 4.0]);
    assert_eq!(v.column(2).to_vec(), vec![1.0, 0.0, 1.0]);
    assert!((v[[0, 3]] - 2f64.ln()).abs() < 1e-15 && v[[1, 3]] == 0.0);
    assert!((v[[0, 4]] - 1.01).abs() < 1e-15);
    // zscore over [2,4] -> +1; over [4,4] -> constant window -> NaN (not zero-filled)
    assert!((v[[0, 5]] - 1.0).abs() < 1e-15);
    assert!(v[[1, 5]].is_nan());
}

#[test]
fn f1_indicator_columns_equal_batch_and_names_are_stable() {
    let b = btc(500);
    let spec = FeatureSpec::from_toml(
        r#"
        [[features]]
        function = "SMA"
        params = { timeperiod = 10 }
        [[features]]
        function = "MACD"
        params = { fastperiod = 8, slowperiod = 21 }
        outputs = ["macdsignal"]
        [[features]]
        function = "BBANDS"
        name = "bb"
        "#,
    )
    .unwrap();
    let m = spec.compute(&b).unwrap();
    assert_eq!(
        m.names(),
        [
            "SMA(timeperiod=10).real",
            "MACD(fastperiod=8,slowperiod=21).macdsignal",
            "bb.upperband",
            "bb.middleband",
            "bb.lowerband"
        ]
    );
    let lb = aaiti_features::indicator(
        "MACD",
        &aaiti_features::Params::parse("fastperiod=8,slowperiod=21").unwrap(),
    )
    .unwrap()
    .lookback();
    assert_eq!(m.warmup_rows(), lb.max(19).max(9));
    let sma = batch(&Sma::new(10).unwrap(), &b);
    for (i, v) in m.values().column(0).iter().enumerate() {
        assert_eq!(v.to_bits(), sma[[i + m.warmup_rows(), 0]].to_bits());
    }
    assert!(
        m.values().iter().all(|v| v.is_finite()),
        "no NaN after the warm-up on real data"
    );
    // JSON gives the same spec
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(FeatureSpec::from_json(&json).unwrap(), spec);
}

#[test]
fn f1_seed60_preset() {
    let b = btc(1500);
    let spec = FeatureSpec::preset("seed60").unwrap();
    let distinct: std::collections::BTreeSet<_> =
        spec.features.iter().map(|f| f.function.clone()).collect();
    assert!(
        distinct.len() >= 60,
        "{} distinct functions",
        distinct.len()
    );
    let m = spec.compute(&b).unwrap();
    assert!(m.names().len() >= 80, "{} columns", m.names().len());
    assert_eq!(m.values().nrows() + m.warmup_rows(), 1500);
    assert!(
        m.warmup_rows() >= 63,
        "HT_* warm up for 63 bars, got {}",
        m.warmup_rows()
    );
    let nan_cols: Vec<_> = m
        .names()
        .iter()
        .enumerate()
        .filter(|(j, _)| m.values().column(*j).iter().any(|v| !v.is_finite()))
        .map(|(_, n)| n.clone())
        .collect();
    assert!(
        nan_cols.is_empty(),
        "non-finite values after the warm-up in {nan_cols:?}"
    );
    assert!(FeatureSpec::preset("nope").is_err());
}

#[test]
fn f1_spec_errors() {
    let b = bars_from(&[1.0, 2.0, 3.0]);
    assert!(FeatureSpec::from_toml("[[features]]\nfunction = \"RSI\"\nbogus = 1").is_err());
    let e = FeatureSpec {
        name: None,
        features: vec![FeatureDef::new("NOPE")],
    }
    .compute(&b)
    .unwrap_err();
    assert!(matches!(e, aaiti_features::Error::UnknownFunction { .. }));
    let e = FeatureSpec {
        name: None,
        features: vec![FeatureDef::new("BBANDS").outputs(&["upper"])],
    }
    .compute(&b)
    .unwrap_err();
    assert!(e.to_string().contains("upperband"), "{e}");
    let dup = FeatureSpec {
        name: None,
        features: vec![FeatureDef::new("CLOSE"), FeatureDef::new("CLOSE")],
    };
    assert!(
        dup.compute(&b)
            .unwrap_err()
            .to_string()
            .contains("duplicate")
    );
    let zero = FeatureSpec {
        name: None,
        features: vec![FeatureDef::new("CLOSE").transform(Transform::Lag { periods: 0 })],
    };
    assert!(zero.compute(&b).is_err());
    assert!(FeatureSpec::default().compute(&b).is_err());
    let bad = FeatureSpec {
        name: None,
        features: vec![FeatureDef::new("SMA").param("timeperiod", 0.0)],
    };
    assert!(matches!(
        bad.compute(&b),
        Err(aaiti_features::Error::InvalidParameter { .. })
    ));
}

#[test]
fn f1_dataset_alignment() {
    let b = bars_from(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    let spec = FeatureSpec {
        name: None,
        features: vec![FeatureDef::new("CLOSE").transform(Transform::Lag { periods: 2 })],
    };
    let m = spec.compute(&b).unwrap();
    let ts = b.timestamps().to_vec();
    let labels = [10.0, 11.0, 12.0, 13.0, 14.0];
    let ends = [Some(ts[1]), Some(ts[2]), Some(ts[3]), Some(ts[4]), None];
    let ds = m.into_dataset_with_bar_labels(&labels, &ends).unwrap();
    assert_eq!(ds.n_rows(), 3);
    assert_eq!(ds.labels()[0], 12.0);
    assert!(ds.labels()[2].is_nan());
    assert_eq!(ds.label_end()[2], ts[4]);
    assert_eq!(ds.features()[[0, 0]], 1.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// No look-ahead through transforms: changing bars after t changes no feature at rows <= t.
    #[test]
    fn f1_featureset_no_look_ahead(
        a in prop::collection::vec(1.0f64..100.0, 40..90),
        z in prop::collection::vec(1.0f64..100.0, 90),
        t in 0usize..90,
    ) {
        let t = t.min(a.len() - 1);
        let mut c = a.clone();
        for (i, x) in c.iter_mut().enumerate().skip(t + 1) {
            *x = z[i];
        }
        let spec = FeatureSpec::from_toml(r#"
            [[features]]
            function = "EMA"
            params = { timeperiod = 5 }
            transforms = [{ type = "zscore", window = 4 }, { type = "diff", periods = 2 }]
            [[features]]
            function = "CLOSE"
            transforms = [{ type = "log_return", periods = 3 }, { type = "lag", periods = 1 }]
            [[features]]
            function = "BBANDS"
            params = { timeperiod = 6 }
            transforms = [{ type = "ratio_to_close" }]
        "#).unwrap();
        let (ma, mc) = (spec.compute(&bars_from(&a)).unwrap(), spec.compute(&bars_from(&c)).unwrap());
        let w = ma.warmup_rows();
        for i in 0..ma.values().nrows() {
            if i + w > t { break; }
            for j in 0..ma.values().ncols() {
                let (x, y) = (ma.values()[[i, j]], mc.values()[[i, j]]);
                prop_assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
            }
        }
    }
}
