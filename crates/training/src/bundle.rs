//! [`TrainedModel`]: the fitted model, its scaler and everything needed to trust and reproduce
//! it, saved as one checksummed file or through the registry.

use std::collections::BTreeMap;
use std::path::Path;

use aaiti_core::Bars;
use aaiti_features::scaler::Scaler;
use aaiti_models::{AnyModel, Predict as _, PredictProba as _};
use aaiti_registry::{
    ArtifactKind, FeatureImportance, ModelId, ModelStatus, NewModel, PutArtifactOptions,
    RegisterOptions, Registry, Split, TimeWindow, WriteOptions,
};
use chrono::{DateTime, Utc};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::importance::FeatureScore;
use crate::pipeline::{DataFingerprint, EvalMetrics, FitLog, Metrics, compute_features};
use crate::split::SplitReport;

const MAGIC: &[u8; 8] = b"AAITITRN";
/// Version of the bundle file format written by this build.
pub const BUNDLE_FORMAT: u32 = 1;

/// Everything about a trained model except its weights and scaler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The config it was trained from.
    pub config: TrainConfig,
    /// Feature columns, in model input order.
    pub feature_names: Vec<String>,
    /// Class labels of a classifier (encoded; see `config.label.classes`).
    pub classes: Option<Vec<f64>>,
    /// Validation, test and trading metrics.
    pub metrics: Metrics,
    /// Permutation importance on the test slice, ranked.
    pub importance: Vec<FeatureScore>,
    /// Hash of the bars and the slices' time ranges.
    pub fingerprint: DataFingerprint,
    /// Row ranges and purge / embargo counts.
    pub split: SplitReport,
    /// Epoch losses and early stopping.
    pub fit: FitLog,
    /// Seed.
    pub seed: u64,
    /// Crate and format versions.
    pub versions: BTreeMap<String, String>,
}

impl Manifest {
    #[allow(
        clippy::too_many_arguments,
        reason = "internal constructor of a plain record"
    )]
    pub(crate) fn new(
        config: TrainConfig,
        feature_names: Vec<String>,
        metrics: Metrics,
        importance: Vec<FeatureScore>,
        fingerprint: DataFingerprint,
        split: SplitReport,
        fit: FitLog,
        classes: Option<Vec<f64>>,
    ) -> Self {
        let mut versions = BTreeMap::new();
        versions.insert("aaiti-training".into(), env!("CARGO_PKG_VERSION").into());
        versions.insert(
            "aaiti-models-format".into(),
            aaiti_models::FORMAT_VERSION.to_string(),
        );
        versions.insert("bundle-format".into(), BUNDLE_FORMAT.to_string());
        Self {
            seed: config.seed,
            config,
            feature_names,
            classes,
            metrics,
            importance,
            fingerprint,
            split,
            fit,
            versions,
        }
    }
}

/// A trained model: the fitted model, the scaler fitted on the training slice, and the
/// [`Manifest`]. Saves to / loads from one checksummed byte string.
#[derive(Debug)]
pub struct TrainedModel {
    model: AnyModel,
    scaler: Scaler,
    manifest: Manifest,
}

impl TrainedModel {
    pub(crate) fn new(model: AnyModel, scaler: Scaler, manifest: Manifest) -> Self {
        Self {
            model,
            scaler,
            manifest,
        }
    }

    /// The fitted model.
    #[must_use]
    pub fn model(&self) -> &AnyModel {
        &self.model
    }
    /// The scaler (fitted on the training slice only).
    #[must_use]
    pub fn scaler(&self) -> &Scaler {
        &self.scaler
    }
    /// The manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Predicts from raw (unscaled) features in [`Manifest::feature_names`] order; returns
    /// `n − warmup` values (see `aaiti_models::Predict::warmup`).
    ///
    /// # Errors
    /// Wrong width, non-finite values, or a model error.
    pub fn predict_features(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let xs = self.scaler.transform(&self.manifest.feature_names, x)?;
        Ok(self.model.predict(xs.view())?)
    }

    /// Class probabilities from raw features (classifiers only).
    ///
    /// # Errors
    /// As [`TrainedModel::predict_features`], or a regressor.
    pub fn predict_proba_features(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let xs = self.scaler.transform(&self.manifest.feature_names, x)?;
        Ok(self.model.predict_proba(xs.view())?)
    }

    /// Computes the features of `bars` and predicts for every bar from the first with complete
    /// features (after the model's warm-up): `(bar time, prediction)`.
    ///
    /// # Errors
    /// Feature errors, a non-finite feature after the warm-up, or a model error.
    pub fn predict_bars(&self, bars: &Bars) -> Result<Vec<(DateTime<Utc>, f64)>> {
        let (_, x) = compute_features(bars, &self.manifest.config.features.indicators)?;
        let first = (0..x.nrows())
            .find(|&i| x.row(i).iter().all(|v| v.is_finite()))
            .ok_or_else(|| Error::Data("no bar has complete features".into()))?;
        let xs = x.slice(ndarray::s![first.., ..]);
        let pred = self.predict_features(xs)?;
        let start = first + self.model.warmup();
        Ok(bars
            .timestamps()
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .copied()
            .zip(pred)
            .collect())
    }

    /// Serialises the bundle: `AAITITRN`, format version (u32 LE), SHA-256 of the rest, then the
    /// manifest JSON, the scaler JSON and the model bytes, each prefixed by its length (u64 LE).
    ///
    /// # Errors
    /// Serialisation of the model or manifest failed.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let manifest =
            serde_json::to_vec(&self.manifest).map_err(|e| Error::Bundle(e.to_string()))?;
        let scaler = self.scaler.to_json()?.into_bytes();
        let model = self.model.to_bytes()?;
        let mut body = Vec::with_capacity(manifest.len() + scaler.len() + model.len() + 24);
        for part in [&manifest, &scaler, &model] {
            body.extend_from_slice(&(part.len() as u64).to_le_bytes());
            body.extend_from_slice(part);
        }
        let mut out = Vec::with_capacity(body.len() + 44);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&BUNDLE_FORMAT.to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Loads bytes written by [`TrainedModel::to_bytes`], verifying the checksum.
    ///
    /// # Errors
    /// [`Error::Bundle`] for a wrong magic, newer format, checksum mismatch or truncation; model
    /// and scaler decoding errors.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| Error::Bundle("not an aaiti training bundle (magic)".into()))?;
        let (ver, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| Error::Bundle("truncated version".into()))?;
        let ver = u32::from_le_bytes(*ver);
        if ver == 0 || ver > BUNDLE_FORMAT {
            return Err(Error::Bundle(format!(
                "format version {ver}; this build reads up to {BUNDLE_FORMAT}"
            )));
        }
        let (sum, mut body) = rest
            .split_first_chunk::<32>()
            .ok_or_else(|| Error::Bundle("truncated checksum".into()))?;
        if Sha256::digest(body).as_slice() != sum.as_slice() {
            return Err(Error::Bundle(
                "checksum mismatch: the bundle is corrupt".into(),
            ));
        }
        let mut parts: Vec<&[u8]> = Vec::with_capacity(3);
        for what in ["manifest", "scaler", "model"] {
            let (len, r) = body
                .split_first_chunk::<8>()
                .ok_or_else(|| Error::Bundle(format!("truncated {what} length")))?;
            let len = usize::try_from(u64::from_le_bytes(*len))
                .map_err(|_| Error::Bundle(format!("{what} length overflows")))?;
            if len > r.len() {
                return Err(Error::Bundle(format!("{what} truncated")));
            }
            let (p, r) = r.split_at(len);
            parts.push(p);
            body = r;
        }
        let [m, s, md] = parts.as_slice() else {
            return Err(Error::Bundle("missing parts".into()));
        };
        let manifest: Manifest =
            serde_json::from_slice(m).map_err(|e| Error::Bundle(format!("manifest: {e}")))?;
        let scaler = Scaler::from_json(
            std::str::from_utf8(s).map_err(|e| Error::Bundle(format!("scaler: {e}")))?,
        )?;
        let model = AnyModel::from_bytes(md)?;
        Ok(Self {
            model,
            scaler,
            manifest,
        })
    }

    /// Writes [`TrainedModel::to_bytes`] to a file.
    ///
    /// # Errors
    /// [`Error::Io`] or serialisation errors.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Reads a file written by [`TrainedModel::save`].
    ///
    /// # Errors
    /// [`Error::Io`] or as [`TrainedModel::from_bytes`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Registers the model with its metrics, windows, fingerprint, seed and feature
    /// importances, and stores the bundle (`weights`), the config (`config`), the scaler
    /// (`preprocessor`) and the manifest (`report`) as checksummed artifacts.
    ///
    /// The registered model is left in status `Training`; promotion is the lifecycle's job.
    ///
    /// # Errors
    /// Registry errors (e.g. the name and version already exist).
    pub fn save_to_registry(&self, registry: &Registry, created_by: &str) -> Result<ModelId> {
        let cfg = &self.manifest.config;
        let mut new = NewModel::new(
            &cfg.name,
            self.model.kind(),
            framework(self.model.kind()),
            created_by,
        );
        if let Some(v) = &cfg.version {
            new.version = Some(aaiti_registry::parse_version(v)?);
        }
        new.description = Some(format!(
            "trained by aaiti-training on {}",
            cfg.data_source.symbol
        ));
        new.hyperparameters = serde_json::to_value(cfg.effective_model()?)
            .map_err(|e| Error::Bundle(e.to_string()))?;
        new.feature_spec = serde_json::json!({
            "indicators": cfg.features.indicators,
            "columns": self.manifest.feature_names,
            "scaler": cfg.features.scaler,
        });
        new.label_spec =
            serde_json::to_value(&cfg.label).map_err(|e| Error::Bundle(e.to_string()))?;
        let fp = &self.manifest.fingerprint;
        new.data_fingerprint = Some(fp.combined_sha256.clone());
        let window = |t: &crate::split::SliceTimes| {
            TimeWindow::new(t.first, t.last + chrono::TimeDelta::seconds(1)).ok()
        };
        new.train_window = window(&fp.train);
        new.validation_window = window(&fp.validation);
        new.test_window = window(&fp.test);
        new.metrics.insert(
            Split::Validation,
            flat_metrics(&self.manifest.metrics.validation, None),
        );
        new.metrics.insert(
            Split::Test,
            flat_metrics(
                &self.manifest.metrics.test,
                Some(&self.manifest.metrics.trading),
            ),
        );
        new.seed = Some(cfg.seed);
        new.tags
            .insert("symbol".into(), cfg.data_source.symbol.clone());
        new.tags
            .insert("timeframe".into(), cfg.data_source.timeframe.to_string());
        let model = registry.register_model(new, RegisterOptions::default())?;
        registry.transition(model.id, ModelStatus::Training, WriteOptions::default())?;
        let put = |kind: ArtifactKind, bytes: &[u8]| {
            registry.put_artifact(model.id, kind, bytes, PutArtifactOptions::default())
        };
        put(ArtifactKind::Weights, &self.to_bytes()?)?;
        put(
            ArtifactKind::Config,
            &serde_json::to_vec_pretty(cfg).map_err(|e| Error::Bundle(e.to_string()))?,
        )?;
        put(
            ArtifactKind::Preprocessor,
            self.scaler.to_json()?.as_bytes(),
        )?;
        put(
            ArtifactKind::Report,
            &serde_json::to_vec_pretty(&self.manifest).map_err(|e| Error::Bundle(e.to_string()))?,
        )?;
        if !self.manifest.importance.is_empty() {
            let rows: Vec<FeatureImportance> = self
                .manifest
                .importance
                .iter()
                .map(|f| FeatureImportance {
                    feature: f.feature.clone(),
                    feature_type: "numeric".into(),
                    method: "permutation".into(),
                    fold: None,
                    mean: f.mean,
                    std: f.std,
                    min: f.min,
                    max: f.max,
                })
                .collect();
            registry.put_feature_importances(model.id, &rows)?;
        }
        Ok(model.id)
    }

    /// Loads the bundle stored as the `weights` artifact of a registered model.
    ///
    /// # Errors
    /// Registry errors, or as [`TrainedModel::from_bytes`].
    pub fn load_from_registry(registry: &Registry, id: ModelId) -> Result<Self> {
        let bytes = registry.get_artifact(id, ArtifactKind::Weights, None)?;
        Self::from_bytes(&bytes)
    }
}

fn framework(kind: &str) -> &'static str {
    if matches!(kind, "lstm" | "mlp") {
        "tch"
    } else {
        "linfa"
    }
}

/// Finite metrics as a flat map (for the registry).
fn flat_metrics(
    m: &EvalMetrics,
    trading: Option<&crate::trading::TradingMetrics>,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    match m {
        EvalMetrics::Classification(c) => {
            out.insert("accuracy".into(), c.accuracy);
            out.insert("balanced_accuracy".into(), c.balanced_accuracy);
            out.insert("f1_macro".into(), c.macro_avg.f1);
            out.insert("f1_weighted".into(), c.weighted_avg.f1);
            out.insert("precision_macro".into(), c.macro_avg.precision);
            out.insert("recall_macro".into(), c.macro_avg.recall);
            out.insert("mcc".into(), c.mcc);
            if let Some(v) = c.log_loss {
                out.insert("log_loss".into(), v);
            }
            if let Some(v) = c.roc_auc {
                out.insert("roc_auc".into(), v);
            }
        }
        EvalMetrics::Regression(r) => {
            out.insert("mae".into(), r.mae);
            out.insert("rmse".into(), r.rmse);
            out.insert("r2".into(), r.r2);
            out.insert("directional_accuracy".into(), r.directional_accuracy);
        }
    }
    if let Some(t) = trading {
        for (k, v) in [
            ("sharpe", t.sharpe),
            ("sortino", t.sortino),
            ("annual_return", t.annual_return),
            ("max_drawdown", t.max_drawdown),
            ("total_return", t.total_return),
        ] {
            out.insert(k.into(), v);
        }
    }
    out.retain(|_, v| v.is_finite());
    out
}
