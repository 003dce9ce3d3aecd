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
    // scaler saw only the training rows
    assert_eq!(out.model.scaler().n_samples(), sp.train.len());
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
