//! Networks on libtorch (feature `tch`): conformance, seeded bit-identity, hooks, early stop
//! with best-weight restore, devices, and PyTorch interop through safetensors.
#![cfg(feature = "tch")]
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "test helpers report skips and diffs"
)]

use aaiti_models::conformance::{
    check_classifier, check_model, classification_data, regression_data,
};
use aaiti_models::*;

fn quick(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        learning_rate: 1e-2,
        ..TrainConfig::default()
    }
}

#[test]
fn mlp_classifier_conformance() {
    let (x, y) = classification_data(240, 6, 3, 1);
    let p = MlpParams::new()
        .hidden([16, 8])
        .dropout(0.1)
        .train(quick(3));
    check_classifier(&p, x.view(), y.view(), 1e-5);
}

#[test]
fn mlp_regressor_conformance() {
    let (x, y) = regression_data(200, 5, 2);
    let p = MlpParams::new()
        .hidden([16])
        .task(Task::Regression)
        .train(quick(3));
    check_model(&p, x.view(), y.view());
}

#[test]
fn lstm_classifier_conformance() {
    let (x, y) = classification_data(160, 4, 2, 3);
    let p = LstmParams::new().lookback(6).hidden(8).train(quick(2));
    check_classifier(&p, x.view(), y.view(), 1e-5);
}

#[test]
fn lstm_regressor_bidirectional_two_layers_conformance() {
    let (x, y) = regression_data(120, 3, 4);
    let p = LstmParams::new()
        .lookback(5)
        .hidden(6)
        .layers(2)
        .bidirectional(true)
        .dropout(0.2)
        .task(Task::Regression)
        .train(TrainConfig {
            shuffle: true,
            grad_clip: Some(1.0),
            weight_decay: 1e-4,
            ..quick(2)
        });
    check_model(&p, x.view(), y.view());
}

#[test]
fn seeded_cpu_runs_are_bit_identical_and_seeds_matter() {
    let (x, y) = classification_data(200, 5, 2, 5);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let p = |seed| {
        MlpParams::new()
            .hidden([12])
            .dropout(0.2)
            .train(TrainConfig {
                seed,
                shuffle: true,
                ..quick(3)
            })
    };
    let a = p(7).fit(&data).unwrap().to_bytes().unwrap();
    let b = p(7).fit(&data).unwrap().to_bytes().unwrap();
    assert_eq!(a, b, "same seed: identical weights and bytes");
    let c = p(8).fit(&data).unwrap().to_bytes().unwrap();
    assert_ne!(a, c, "another seed: other weights");
}

#[test]
fn hook_sees_every_epoch_and_can_stop() {
    let (x, y) = classification_data(200, 5, 2, 6);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let mut seen = Vec::new();
    let mut hook = |r: &EpochReport| {
        seen.push((r.epoch, r.train_loss, r.valid_loss));
        if r.epoch == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let valid =
        TrainData::new(x.slice(ndarray::s![150.., ..]), y.slice(ndarray::s![150..])).unwrap();
    let train =
        TrainData::new(x.slice(ndarray::s![..150, ..]), y.slice(ndarray::s![..150])).unwrap();
    let m = MlpParams::new()
        .train(quick(10))
        .check()
        .unwrap()
        .fit_with(&train, Some(&valid), &mut hook)
        .unwrap();
    assert_eq!(seen.len(), 3, "stopped after epoch 2");
    assert!(
        seen.iter()
            .all(|(_, t, v)| t.is_finite() && v.is_some_and(f64::is_finite))
    );
    assert_eq!(m.n_features(), 5);
    let _ = data;
}

#[test]
fn early_stopping_restores_the_best_weights() {
    // A learning rate far too high makes the validation loss rise after the first epoch;
    // with patience 2 training stops and the weights of the best epoch come back.
    let (x, y) = classification_data(300, 5, 2, 7);
    let train =
        TrainData::new(x.slice(ndarray::s![..200, ..]), y.slice(ndarray::s![..200])).unwrap();
    let valid =
        TrainData::new(x.slice(ndarray::s![200.., ..]), y.slice(ndarray::s![200..])).unwrap();
    let cfg = TrainConfig {
        epochs: 30,
        learning_rate: 0.05,
        patience: Some(2),
        ..quick(30)
    };
    let mut reports = Vec::new();
    let mut hook = |r: &EpochReport| {
        reports.push(r.clone());
        Control::Continue
    };
    let m = MlpParams::new()
        .hidden([64, 64])
        .train(cfg.clone())
        .check()
        .unwrap()
        .fit_with(&train, Some(&valid), &mut hook)
        .unwrap();
    let last = reports.last().unwrap();
    assert!(last.epoch - last.best_epoch <= 2);
    // the restored model's validation loss is the best one reported
    let p = m.predict_proba(valid.features()).unwrap();
    let ce: f64 = p
        .outer_iter()
        .zip(valid.targets())
        .map(|(r, &t)| -r[t as usize].max(1e-30).ln())
        .sum::<f64>()
        / p.nrows() as f64;
    assert!(
        (ce - last.best_loss).abs() < 1e-4,
        "restored loss {ce} vs best {}",
        last.best_loss
    );
}

#[test]
fn windows_never_cross_the_slice_and_lstm_warmup() {
    let (x, y) = regression_data(50, 3, 8);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let m = LstmParams::new()
        .lookback(10)
        .hidden(4)
        .task(Task::Regression)
        .train(quick(1))
        .fit(&data)
        .unwrap();
    assert_eq!(m.warmup(), 9);
    assert_eq!(m.predict(x.view()).unwrap().len(), 41);
    assert!(matches!(
        m.predict(x.slice(ndarray::s![..9, ..])),
        Err(Error::TooFewRows { got: 9, need: 10 })
    ));
    // no look-ahead: predictions for rows < t do not change when rows >= t change
    let mut x2 = x.clone();
    x2.slice_mut(ndarray::s![30.., ..]).fill(99.0);
    let a = m.predict(x.view()).unwrap();
    let b = m.predict(x2.view()).unwrap();
    assert_eq!(
        a.slice(ndarray::s![..30 - 9]),
        b.slice(ndarray::s![..30 - 9])
    );
}

#[test]
fn cuda_device_refused_without_gpu() {
    if cuda_device_count() > 0 {
        eprintln!("GPU present: skipping the no-GPU check");
        return;
    }
    let (x, y) = classification_data(50, 3, 2, 1);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let cfg = TrainConfig {
        device: Device::Cuda(0),
        ..quick(1)
    };
    let e = MlpParams::new().train(cfg).fit(&data).unwrap_err();
    assert!(matches!(e, Error::CudaUnavailable(0)), "{e}");
    assert_eq!(Device::CudaIfAvailable.resolve(), Device::Cpu);
}

#[test]
fn models_are_send_and_sync() {
    fn ok<T: Send + Sync>() {}
    ok::<Mlp>();
    ok::<Lstm>();
    ok::<AnyModel>();
}

fn python() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-torch/bin/python");
    p.exists().then_some(p)
}

fn interop(
    kind: &str,
    spec: serde_json::Value,
    save: impl Fn(&std::path::Path),
    x: &ndarray::Array2<f64>,
    want: ndarray::Array2<f64>,
) {
    let Some(py) = python() else {
        eprintln!(
            "\n!!!!! SKIPPED: PyTorch interop test for {kind}: .venv-torch not found (run `. scripts/libtorch-env.sh`) !!!!!\n"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (spec_p, w_p, x_p, out_p) = (
        dir.path().join("spec.json"),
        dir.path().join("w.safetensors"),
        dir.path().join("x.json"),
        dir.path().join("out.json"),
    );
    std::fs::write(&spec_p, spec.to_string()).unwrap();
    save(&w_p);
    let rows: Vec<Vec<f64>> = x.outer_iter().map(|r| r.to_vec()).collect();
    std::fs::write(&x_p, serde_json::to_string(&rows).unwrap()).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/torch_reference.py");
    let st = std::process::Command::new(py)
        .arg(script)
        .args([&spec_p, &w_p, &x_p, &out_p])
        .status()
        .unwrap();
    assert!(st.success(), "python failed");
    let got: Vec<Vec<f64>> =
        serde_json::from_str(&std::fs::read_to_string(out_p).unwrap()).unwrap();
    assert_eq!(got.len(), want.nrows());
    let worst = got
        .iter()
        .flatten()
        .zip(want.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!("{kind}: PyTorch vs Rust max abs diff {worst:e}");
    assert!(worst <= 1e-6, "{kind}: PyTorch differs by {worst:e}");
}

#[test]
fn pytorch_reproduces_mlp_predictions() {
    let (x, y) = classification_data(120, 5, 3, 9);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let m = MlpParams::new()
        .hidden([16, 8])
        .activation(Activation::Tanh)
        .train(quick(3))
        .fit(&data)
        .unwrap();
    let spec = serde_json::json!({"kind": "mlp", "sizes": [5, 16, 8, 3], "activation": "tanh", "task": "classification"});
    let want = m.predict_proba(x.view()).unwrap();
    interop("mlp", spec, |p| m.save_safetensors(p).unwrap(), &x, want);
}

#[test]
fn pytorch_reproduces_lstm_predictions() {
    let (x, y) = regression_data(80, 4, 10);
    let data = TrainData::new(x.view(), y.view()).unwrap();
    let m = LstmParams::new()
        .lookback(7)
        .hidden(8)
        .layers(2)
        .bidirectional(true)
        .task(Task::Regression)
        .train(quick(2))
        .fit(&data)
        .unwrap();
    let spec = serde_json::json!({"kind": "lstm", "n_in": 4, "hidden": 8, "layers": 2, "bidirectional": true, "n_out": 1, "lookback": 7, "task": "regression"});
    let want = m.predict(x.view()).unwrap().insert_axis(ndarray::Axis(1));
    interop("lstm", spec, |p| m.save_safetensors(p).unwrap(), &x, want);
}

#[cfg(feature = "cuda-tests")]
mod cuda {
    use super::*;

    #[test]
    fn cuda_is_visible() {
        assert!(
            cuda_device_count() > 0,
            "no CUDA device: is libtorch_cuda.so linked (build.rs) and a GPU present?"
        );
        assert!(matches!(cuda_if_available(), Device::Cuda(0)));
    }

    #[test]
    fn cuda_training_matches_cpu_closely() {
        let (x, y) = classification_data(512, 8, 2, 11);
        let data = TrainData::new(x.view(), y.view()).unwrap();
        for device in [Device::Cpu, Device::Cuda(0)] {
            let cfg = TrainConfig { device, ..quick(3) };
            let m = LstmParams::new()
                .lookback(8)
                .hidden(16)
                .train(cfg.clone())
                .fit(&data)
                .unwrap();
            check_classifier(
                &LstmParams::new().lookback(8).hidden(16).train(cfg),
                x.view(),
                y.view(),
                1e-5,
            );
            let back = Lstm::from_bytes(&m.to_bytes().unwrap()).unwrap();
            assert_eq!(back.predict(x.view()).unwrap().len(), 512 - 7);
        }
    }
}
