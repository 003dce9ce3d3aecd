//! End-to-end test with the LSTM (feature `tch`): small and fast on CPU.
#![cfg(feature = "tch")]
#![allow(clippy::unwrap_used, reason = "test helpers")]

use aaiti_training as t;
use ndarray::s;

#[test]
fn lstm_end_to_end_on_btc_hourly() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/btc_lstm.toml");
    let cfg = t::TrainConfig::from_file(std::path::Path::new(path)).unwrap();
    let out = t::train(
        &cfg,
        &t::TrainOptions {
            progress: t::ProgressMode::Never,
        },
    )
    .unwrap();
    let p = &out.prepared;
    let sp = &p.split;
    let ds = &p.dataset;
    let ts = ds.timestamps();
    // chronological slices and the purge gap
    assert!(sp.train.end <= sp.validation.start && sp.validation.end <= sp.test.start);
    for i in sp.train.clone() {
        assert!(ds.label_end()[i] < ts[sp.validation.start]);
    }
    for i in sp.validation.clone() {
        assert!(ds.label_end()[i] < ts[sp.test.start]);
    }
    // scaler saw only the training rows: equal to a scaler fitted on exactly those rows
    assert_eq!(out.model.scaler().n_samples(), sp.train.len());
    let direct = aaiti_features::scaler::Scaler::fit(
        cfg.features.scaler,
        ds.feature_names(),
        ds.features().slice(s![sp.train.clone(), ..]),
    )
    .unwrap();
    assert_eq!(out.model.scaler(), &direct);
    // the purge gap is at least the label horizon, and purged rows were counted
    let fp = &p.fingerprint;
    let h = cfg.label.horizon as i64;
    assert!(fp.train.last < fp.validation.first && fp.validation.last < fp.test.first);
    assert!((fp.validation.first - fp.train.last).num_hours() >= h);
    assert!((fp.test.first - fp.validation.last).num_hours() >= h);
    assert_eq!(sp.purged_train, cfg.label.horizon);
    // epochs were logged, early stopping bounded by the configured epochs
    let fit = &out.model.manifest().fit;
    assert!(!fit.epochs.is_empty() && fit.epochs.len() <= 4);
    assert!(fit.epochs.iter().all(|e| e.valid_loss.is_some()));
    // warm-up: the LSTM predicts from row lookback - 1 on
    let x = ds.features().slice(s![sp.test.clone(), ..]).to_owned();
    let pred = out.model.predict_features(x.view()).unwrap();
    assert_eq!(pred.len(), sp.test.len() - 7);
    // reload predicts identically
    let back = t::TrainedModel::from_bytes(&out.model.to_bytes().unwrap()).unwrap();
    let again = back.predict_features(x.view()).unwrap();
    assert_eq!(pred.to_vec(), again.to_vec());
    let pa = out.model.predict_proba_features(x.view()).unwrap();
    let pb = back.predict_proba_features(x.view()).unwrap();
    assert!(
        pa.iter()
            .zip(pb.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
}

/// Altering the bars of the test slice (prices scaled, order reversed) changes neither the
/// fitted scaler nor the LSTM's weights (seeded CPU training is bit-identical).
#[test]
fn lstm_test_slice_bars_never_change_scaler_or_model() {
    use aaiti_core::{Bars, Ohlcv};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/btc_lstm.toml");
    let mut cfg = t::TrainConfig::from_file(std::path::Path::new(path)).unwrap();
    cfg.importance.n_repeats = 0;
    let opts = t::TrainOptions {
        progress: t::ProgressMode::Never,
    };
    let bars = t::load_bars(&cfg).unwrap();
    let base = t::train_on_bars(&cfg, bars.clone(), &opts).unwrap();
    let cut = base.prepared.bar_index[base.prepared.split.test.start];
    let n = bars.len();
    let mut cols: [Vec<f64>; 5] = Default::default();
    for i in 0..n {
        // test-slice bars: taken in reverse order and scaled by 1.7 (volume kept)
        let (src, f) = if i < cut {
            (i, 1.0)
        } else {
            (n - 1 - (i - cut), 1.7)
        };
        let (_, b) = bars.bar(src).unwrap();
        for (k, v) in [b.open * f, b.high * f, b.low * f, b.close * f, b.volume]
            .into_iter()
            .enumerate()
        {
            cols[k].push(v);
        }
    }
    let [open, high, low, close, volume] = cols;
    let altered = Bars::new(
        bars.symbol(),
        bars.timeframe(),
        bars.timestamps().to_vec(),
        Ohlcv {
            open: open.into(),
            high: high.into(),
            low: low.into(),
            close: close.into(),
            volume: volume.into(),
        },
    )
    .unwrap();
    assert_ne!(t::bars_sha256(&altered), t::bars_sha256(&bars));
    let alt = t::train_on_bars(&cfg, altered, &opts).unwrap();
    assert_eq!(base.prepared.split, alt.prepared.split);
    assert_eq!(base.model.scaler(), alt.model.scaler());
    assert_eq!(
        base.model.model().to_bytes().unwrap(),
        alt.model.model().to_bytes().unwrap()
    );
    // ... while the test metrics did see the change
    assert_ne!(
        base.model.manifest().fingerprint.bars_sha256,
        alt.model.manifest().fingerprint.bars_sha256
    );
}
