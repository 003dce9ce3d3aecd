//! End-to-end tests of the pipeline on the bundled BTC/USD hourly data with a linfa model.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test helpers")]

use std::path::PathBuf;
use std::sync::Arc;

use aaiti_core::clock::FixedClock;
use aaiti_features::scaler::Scaler;
use aaiti_registry::{ArtifactStore, InMemoryRegistry, Registry};
use aaiti_training as t;
use ndarray::s;

fn config_path(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs")).join(name)
}

fn opts() -> t::TrainOptions {
    t::TrainOptions {
        progress: t::ProgressMode::Never,
    }
}

#[test]
fn logreg_end_to_end_on_btc_hourly() {
    let cfg = t::TrainConfig::from_file(&config_path("btc_logreg.toml")).unwrap();
    let out = t::train(&cfg, &opts()).unwrap();
    let p = &out.prepared;
    let sp = &p.split;
    let ds = &p.dataset;
    assert_eq!(p.bars.len(), 20_111);

    // slices are chronological and disjoint
    assert!(sp.train.start < sp.train.end && sp.train.end <= sp.validation.start);
    assert!(sp.validation.end <= sp.test.start && sp.test.end <= ds.n_rows());
    let ts = ds.timestamps();
    assert!(ts.windows(2).all(|w| w[0] < w[1]));
    let fp = &p.fingerprint;
    assert!(fp.train.last < fp.validation.first && fp.validation.last < fp.test.first);

    // purge gap: no label of a slice reaches into the next one, and the gap is >= horizon bars
    let ends = ds.label_end();
    let h = cfg.label.horizon as i64;
    for i in sp.train.clone() {
        assert!(
            ends[i] < ts[sp.validation.start],
            "train row {i} label leaks"
        );
    }
    for i in sp.validation.clone() {
        assert!(
            ends[i] < ts[sp.test.start],
            "validation row {i} label leaks"
        );
    }
    assert!((fp.validation.first - fp.train.last).num_hours() >= h);
    assert!((fp.test.first - fp.validation.last).num_hours() >= h);
    assert_eq!(sp.purged_train, cfg.label.horizon);
    assert_eq!(sp.purged_validation, cfg.label.horizon);

    // the scaler saw only training rows
    let m = &out.model;
    assert_eq!(m.scaler().n_samples(), sp.train.len());
    let direct = Scaler::fit(
        cfg.features.scaler,
        ds.feature_names(),
        ds.features().slice(s![sp.train.clone(), ..]),
    )
    .unwrap();
    assert_eq!(m.scaler(), &direct);

    // metrics exist and are sane
    let man = m.manifest();
    let t::EvalMetrics::Classification(c) = &man.metrics.test else {
        panic!("not a classifier")
    };
    assert_eq!(c.confusion.total() as usize, sp.test.len());
    assert!((0.3..0.7).contains(&c.accuracy), "{}", c.accuracy);
    assert!(c.roc_auc.is_some() && c.log_loss.is_some());
    assert_eq!(out.backtest.returns.len(), sp.test.len());
    assert_eq!(out.backtest.positions[0], 0.0);
    assert_eq!(man.importance.len(), ds.n_features());
    assert_eq!(man.importance[0].rank, 1);
    assert!((man.importance[0].normalized - 1.0).abs() < 1e-12 || man.importance[0].mean <= 0.0);
    assert_eq!(man.fingerprint.bars_sha256.len(), 64);

    // the bundle reloads and predicts identically
    let x_test = ds.features().slice(s![sp.test.clone(), ..]).to_owned();
    let before = m.predict_features(x_test.view()).unwrap();
    let proba_before = m.predict_proba_features(x_test.view()).unwrap();
    let bytes = m.to_bytes().unwrap();
    let back = t::TrainedModel::from_bytes(&bytes).unwrap();
    assert_eq!(back.manifest(), man);
    assert_eq!(back.scaler(), m.scaler());
    let after = back.predict_features(x_test.view()).unwrap();
    assert_eq!(before.to_vec(), after.to_vec());
    let proba_after = back.predict_proba_features(x_test.view()).unwrap();
    assert!(
        proba_before
            .iter()
            .zip(proba_after.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    // ... also from raw bars
    let tail = p.bars.slice(p.bars.len() - 200..p.bars.len());
    assert_eq!(
        m.predict_bars(&tail).unwrap(),
        back.predict_bars(&tail).unwrap()
    );

    // a corrupted bundle is refused
    let mut bad = bytes.clone();
    let k = bad.len() - 3;
    bad[k] ^= 0xff;
    assert!(matches!(
        t::TrainedModel::from_bytes(&bad),
        Err(t::Error::Bundle(_))
    ));

    // through the registry trait (in memory)
    let clock = Arc::new(FixedClock(chrono::DateTime::UNIX_EPOCH));
    let reg = Registry::new(
        Arc::new(InMemoryRegistry::new(clock)),
        ArtifactStore::in_memory().unwrap(),
    );
    let id = m.save_to_registry(&reg, "test").unwrap();
    let model = reg.get_model(id).unwrap();
    assert_eq!(model.name, "btc-logreg");
    let loaded = t::TrainedModel::load_from_registry(&reg, id).unwrap();
    assert_eq!(
        loaded.predict_features(x_test.view()).unwrap().to_vec(),
        before.to_vec()
    );
    assert_eq!(reg.feature_importances(id).unwrap().len(), ds.n_features());
}

#[test]
fn sqlite_registry_roundtrip() {
    let mut cfg = t::TrainConfig::from_file(&config_path("btc_logreg.toml")).unwrap();
    cfg.data_source.last_n_bars = Some(1500);
    cfg.importance.n_repeats = 1;
    let out = t::train(&cfg, &opts()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("reg.db").display());
    let meta =
        aaiti_registry_diesel::DieselRegistry::open(&url, Arc::new(aaiti_core::clock::SystemClock))
            .unwrap();
    let reg = Registry::new(
        Arc::new(meta),
        ArtifactStore::local(&dir.path().join("artifacts")).unwrap(),
    );
    let id = out.model.save_to_registry(&reg, "test").unwrap();
    let back = t::TrainedModel::load_from_registry(&reg, id).unwrap();
    let ds = &out.prepared.dataset;
    let x = ds
        .features()
        .slice(s![out.prepared.split.test.clone(), ..])
        .to_owned();
    assert_eq!(
        back.predict_features(x.view()).unwrap().to_vec(),
        out.model.predict_features(x.view()).unwrap().to_vec()
    );
}

#[test]
fn config_errors_name_the_key() {
    let good = std::fs::read_to_string(config_path("btc_logreg.toml")).unwrap();
    t::TrainConfig::from_toml_str(&good).unwrap();
    let unknown = good.replace("horizon = 4", "horizon = 4\nhorizn = 5");
    let e = t::TrainConfig::from_toml_str(&unknown)
        .unwrap_err()
        .to_string();
    assert!(e.contains("horizn"), "{e}");
    let bad = good.replace("train = 0.6", "train = 1.6");
    let e = t::TrainConfig::from_toml_str(&bad).unwrap_err().to_string();
    assert!(e.contains("split.train"), "{e}");
    let bad = good.replace("horizon = 4", "horizon = 0");
    let e = t::TrainConfig::from_toml_str(&bad).unwrap_err().to_string();
    assert!(e.contains("label.horizon"), "{e}");
    let bad = good.replace("alpha = 1.0", "alpha = -1.0");
    let e = t::TrainConfig::from_toml_str(&bad).unwrap_err().to_string();
    assert!(e.contains("model"), "{e}");
    let bad = good.replace("type = \"classification\"", "type = \"regression\"");
    let e = t::TrainConfig::from_toml_str(&bad).unwrap_err().to_string();
    assert!(e.contains("type"), "{e}");
    let bad = good.replace(
        "[model]\nmodel = \"logistic_regression\"",
        "[model]\nmodel = \"logistic_regression\"\nfoo = 1",
    );
    assert!(t::TrainConfig::from_toml_str(&bad).is_err());
    let bad = good.replace("fee_bps = 5.0", "fee_bps = -5.0");
    let e = t::TrainConfig::from_toml_str(&bad).unwrap_err().to_string();
    assert!(e.contains("backtest.fee_bps"), "{e}");
    // the seed's camelCase names are accepted
    let camel = good.replace("[data_source]", "[dataSource]");
    t::TrainConfig::from_toml_str(&camel).unwrap();
}

#[test]
fn lstm_config_parses_with_seed_shorthand() {
    let cfg = t::TrainConfig::from_file(&config_path("btc_lstm.toml")).unwrap();
    let spec = serde_json::to_value(cfg.effective_model().unwrap()).unwrap();
    assert_eq!(spec["hidden"], 8);
    assert_eq!(spec["train"]["epochs"], 4);
    assert_eq!(spec["train"]["seed"], 7);
}
