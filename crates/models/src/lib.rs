//! # aaiti-models
//!
//! One `Fit`/`Predict` API over classic models (linfa, pure Rust, always built) and neural
//! networks (an LSTM and a dense MLP on libtorch through `tch`, behind the `tch` feature), so a
//! pipeline swaps models by changing one [`ModelSpec`] in its config.
//!
//! ## Design
//! * Hyperparameters are builders (`…Params`) validated by [`ParamGuard::check`] into
//!   `…ValidParams`, which implement [`Fit`]; unchecked params also implement `Fit` (they
//!   validate first). `fit` returns a distinct fitted type, so predicting before fitting does
//!   not compile (linfa's design, with associated error types and one data type).
//! * [`TrainData`] is a view of time-ordered rows (`ArrayView2<f64>` features, `ArrayView1<f64>`
//!   targets): the training pipeline passes one split at a time, nothing looks outside it.
//! * Prediction is fallible ([`Predict::predict`], [`PredictProba::predict_proba`]): wrong
//!   widths and NaN inputs are typed errors, never panics.
//! * Fitted models serialise to versioned bytes ([`Persist`], [`FORMAT_VERSION`]); network
//!   weights inside them are safetensors, readable by PyTorch.
//! * `aaiti_models::conformance` (feature `conformance`) is the suite every model passes.
//! * Classic models come from linfa 0.8 (`linfa-logistic`, `-bayes`, `-linear`,
//!   `-elasticnet`): maintained, pure Rust, no BLAS. We wrap them rather than reimplement.
//!   Trees are the exception: `linfa-trees` 0.8 scores splits in `f32` from class weights
//!   summed in `HashMap` order (measurably non-deterministic), merges feature values closer
//!   than `1e-5`, and keeps only the modal class in leaves (no `predict_proba`), so
//!   [`DecisionTree`] and [`RandomForest`] are a scikit-learn-style CART written here (see
//!   their docs) and the workspace does not depend on `linfa-trees`.
//!
//! ## Example
//! ```
//! use aaiti_models::{Fit, ModelSpec, Predict, PredictProba, RandomForestParams, TrainData};
//! use ndarray::{Array1, Array2};
//!
//! let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * 7 + j * 13) % 17) as f64 / 17.0);
//! let y: Array1<f64> = x.column(0).mapv(|v| if v > 0.5 { 1.0 } else { 0.0 });
//! let data = TrainData::new(x.view(), y.view())?;
//!
//! // typed params…
//! let forest = RandomForestParams::new().n_trees(20).seed(7).fit(&data)?;
//! let p = forest.predict_proba(x.view())?;
//! assert_eq!(p.dim(), (200, 2));
//!
//! // …or a config naming any model
//! let spec: ModelSpec = serde_json::from_str(r#"{"model": "logistic_regression", "alpha": 0.1}"#)?;
//! let model = spec.fit(&data)?;
//! let bytes = model.to_bytes()?;
//! let back = aaiti_models::AnyModel::from_bytes(&bytes)?;
//! assert_eq!(back.predict(x.view())?, model.predict(x.view())?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Feature flags
//! * `tch` (off): `Mlp` and `Lstm` on libtorch (tch 0.26, PyPI `torch==2.13.0`; build with
//!   `. scripts/libtorch-env.sh`, see `docs/tch.md`). Without it the network variants of
//!   [`ModelSpec`] still parse but fitting returns [`Error::FeatureDisabled`].
//! * `cuda-tests` (off): GPU tests, `cargo test -p aaiti-models --features tch,cuda-tests`.
//! * `doc-only` (off): build docs without libtorch.
//! * `conformance` (off): exposes the `conformance` module to other crates.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod bayes;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod data;
mod device;
mod error;
mod linear;
mod logistic;
mod net;
mod persist;
mod spec;
mod traits;
mod tree;
mod windows;

#[cfg(feature = "tch")]
pub use crate::net::{Lstm, Mlp};
pub use crate::{
    bayes::{GaussianNb, GaussianNbParams, GaussianNbValidParams},
    data::TrainData,
    device::{Device, cuda_device_count, cuda_if_available, seed, set_threads},
    error::{Error, Result},
    linear::{
        ElasticNet, ElasticNetParams, ElasticNetValidParams, LinearModel, LinearRegression,
        LinearRegressionParams, LinearRegressionValidParams,
    },
    logistic::{LogisticRegression, LogisticRegressionParams, LogisticRegressionValidParams},
    net::{
        Activation, Control, EpochHook, EpochReport, LstmParams, LstmValidParams, MlpParams,
        MlpValidParams, NoHook, Task, TrainConfig,
    },
    persist::{FORMAT_VERSION, peek_kind},
    spec::{AnyModel, ModelSpec},
    traits::{Fit, ParamGuard, Persist, Predict, PredictProba},
    tree::{
        DecisionTree, DecisionTreeParams, DecisionTreeValidParams, MaxFeatures, RandomForest,
        RandomForestParams, RandomForestValidParams, SplitQuality,
    },
    windows::{feature_windows, windows},
};
