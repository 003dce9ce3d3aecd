//! The TOML training config: the seed's `name, version, type, dataSource {symbol, timeframe},
//! architecture {type, units}, trainingParams {epochs, batchSize}` plus everything the pipeline
//! needs. Every table refuses unknown keys; [`TrainConfig::validate`] checks ranges and names
//! the offending key.

use std::path::{Path, PathBuf};

use aaiti_core::Timeframe;
use aaiti_features::labels::ReturnKind;
use aaiti_features::scaler::ScalerKind;
use aaiti_models::ModelSpec;
use serde::{Deserialize, Serialize};

use crate::backtest::BacktestConfig;
use crate::error::{Error, Result, value_err};
use crate::trading::Calendar;

/// What the model predicts (the seed's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    /// Class labels (direction, triple barrier).
    Classification,
    /// A real value (forward return).
    Regression,
}

/// The whole config (top level of the TOML file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Model name (registry name).
    pub name: String,
    /// Semantic version to register (`None`: the registry picks the next patch).
    #[serde(default)]
    pub version: Option<String>,
    /// Classification or regression; must agree with the label and the model.
    #[serde(rename = "type")]
    pub task: TaskType,
    /// Seed for the model, shuffling and permutation importance.
    #[serde(default)]
    pub seed: u64,
    /// Where the bars come from.
    #[serde(alias = "dataSource")]
    pub data_source: DataSource,
    /// Features.
    pub features: FeatureConfig,
    /// Label.
    pub label: LabelConfig,
    /// Chronological split.
    #[serde(default)]
    pub split: SplitConfig,
    /// The seed's `architecture {type, units}` (optional shorthand over `model`).
    #[serde(default)]
    pub architecture: Option<Architecture>,
    /// The seed's `trainingParams` (epochs, batch size, learning rate, early stopping).
    #[serde(default, alias = "trainingParams")]
    pub training_params: TrainingParams,
    /// The model and its hyperparameters (an `aaiti_models::ModelSpec`, tagged by `model`).
    pub model: ModelSpec,
    /// Backtest of the test-slice signals.
    #[serde(default)]
    pub backtest: BacktestSection,
    /// Permutation importance.
    #[serde(default)]
    pub importance: ImportanceConfig,
}

/// `[data_source]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    /// Instrument symbol (recorded; the CSV holds one instrument).
    pub symbol: String,
    /// Bar timeframe, e.g. `"1h"`; must equal the timeframe inferred from the file.
    pub timeframe: Timeframe,
    /// CSV path (`timestamp,open,high,low,close,volume`); relative paths are resolved against
    /// the config file's directory.
    pub path: PathBuf,
    /// Use only the last `n` bars (optional; for quick runs).
    #[serde(default)]
    pub last_n_bars: Option<usize>,
}

/// `[features]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Indicators by TA-Lib name with parameters: `"RSI:timeperiod=14"`, `"MACD"`.
    pub indicators: Vec<String>,
    /// Scaler fitted on the training slice only.
    #[serde(default = "default_scaler")]
    pub scaler: ScalerKind,
}

fn default_scaler() -> ScalerKind {
    ScalerKind::ZScore
}

/// Which label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    /// `aaiti_features::labels::fixed_horizon` (classification).
    Direction,
    /// `aaiti_features::labels::forward_return` (regression).
    ForwardReturn,
    /// `aaiti_features::labels::triple_barrier` (classification).
    TripleBarrier,
}

/// How direction labels (−1, 0, +1) become classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassMapping {
    /// Up (+1) → 1, flat or down → 0.
    #[default]
    Binary,
    /// Down → 0, flat → 1, up → 2.
    Ternary,
}

/// `[label]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelConfig {
    /// Label kind.
    pub kind: LabelKind,
    /// Bars ahead (≥ 1).
    pub horizon: usize,
    /// Direction: return threshold for up/down (≥ 0).
    #[serde(default)]
    pub threshold: f64,
    /// Simple or log returns.
    #[serde(default)]
    pub return_kind: ReturnKind,
    /// Direction / triple barrier: class mapping.
    #[serde(default)]
    pub classes: ClassMapping,
    /// Triple barrier: profit-take multiple of volatility (> 0).
    #[serde(default = "one")]
    pub profit_take: f64,
    /// Triple barrier: stop-loss multiple of volatility (> 0).
    #[serde(default = "one")]
    pub stop_loss: f64,
    /// Triple barrier: volatility window (≥ 2).
    #[serde(default = "twenty")]
    pub vol_window: usize,
}

fn one() -> f64 {
    1.0
}
fn twenty() -> usize {
    20
}

/// `[split]`: chronological fractions of the usable rows, and the embargo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SplitConfig {
    /// Training fraction (> 0).
    pub train: f64,
    /// Validation fraction (> 0).
    pub validation: f64,
    /// Test fraction (> 0); the three sum to ≤ 1 (the rest, at the end, is unused).
    pub test: f64,
    /// Rows dropped at the start of the validation and test slices, after purging.
    pub embargo: usize,
}

impl Default for SplitConfig {
    fn default() -> Self {
        Self {
            train: 0.6,
            validation: 0.2,
            test: 0.2,
            embargo: 0,
        }
    }
}

/// `[architecture]`: the seed's shorthand; `type` must name the `model`, `units` sets the
/// network's hidden size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    /// Model kind (`"lstm"`, `"mlp"`, `"logistic_regression"`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Hidden units (networks only; ≥ 1).
    #[serde(default)]
    pub units: Option<usize>,
}

/// `[training_params]`: applied to the network models' training loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingParams {
    /// Maximum epochs (≥ 1).
    pub epochs: Option<usize>,
    /// Batch size (≥ 1).
    #[serde(alias = "batchSize")]
    pub batch_size: Option<usize>,
    /// Learning rate (> 0).
    #[serde(alias = "learningRate")]
    pub learning_rate: Option<f64>,
    /// Early stopping on the validation loss.
    #[serde(alias = "earlyStopping")]
    pub early_stopping: Option<EarlyStopping>,
}

/// Stop after `patience` epochs without a validation-loss improvement larger than `min_delta`;
/// the best epoch's weights are restored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping (≥ 1).
    pub patience: usize,
    /// Minimum decrease that counts as an improvement (≥ 0).
    #[serde(default)]
    pub min_delta: f64,
}

/// `[backtest]`: see [`BacktestConfig`] for the trading keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BacktestSection {
    /// See [`BacktestConfig::fee_bps`].
    pub fee_bps: f64,
    /// See [`BacktestConfig::slippage_bps`].
    pub slippage_bps: f64,
    /// See [`BacktestConfig::allow_short`].
    pub allow_short: bool,
    /// See [`BacktestConfig::proba_threshold`].
    pub proba_threshold: f64,
    /// See [`BacktestConfig::return_threshold`].
    pub return_threshold: f64,
    /// Annualisation calendar (continuous for crypto, exchange for equities).
    pub calendar: Calendar,
    /// Overrides the bars per year derived from the timeframe and calendar (> 0).
    pub periods_per_year: Option<f64>,
}

impl Default for BacktestSection {
    fn default() -> Self {
        let d = BacktestConfig::default();
        Self {
            fee_bps: d.fee_bps,
            slippage_bps: d.slippage_bps,
            allow_short: d.allow_short,
            proba_threshold: d.proba_threshold,
            return_threshold: d.return_threshold,
            calendar: Calendar::Continuous,
            periods_per_year: None,
        }
    }
}

impl BacktestSection {
    /// The backtest settings.
    #[must_use]
    pub fn to_config(&self) -> BacktestConfig {
        BacktestConfig {
            fee_bps: self.fee_bps,
            slippage_bps: self.slippage_bps,
            allow_short: self.allow_short,
            proba_threshold: self.proba_threshold,
            return_threshold: self.return_threshold,
        }
    }
}

/// `[importance]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportanceConfig {
    /// Permutations per feature (0 disables importance).
    pub n_repeats: usize,
}

impl Default for ImportanceConfig {
    fn default() -> Self {
        Self { n_repeats: 5 }
    }
}

impl TrainConfig {
    /// Parses and validates TOML text.
    ///
    /// # Errors
    /// [`Error::ConfigParse`] (syntax, unknown key, wrong type: the message names the key) or
    /// [`Error::ConfigValue`] (out of range).
    pub fn from_toml_str(s: &str) -> Result<Self> {
        let c: Self = toml::from_str(s).map_err(|e| Error::ConfigParse(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    /// Reads a config file; a relative `data_source.path` is resolved against the file's
    /// directory.
    ///
    /// # Errors
    /// [`Error::Io`], or as [`TrainConfig::from_toml_str`].
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut c = Self::from_toml_str(&text).map_err(|e| match e {
            Error::ConfigParse(m) => Error::ConfigParse(format!("{}: {m}", path.display())),
            other => other,
        })?;
        if let (true, Some(dir)) = (c.data_source.path.is_relative(), path.parent()) {
            c.data_source.path = dir.join(&c.data_source.path);
        }
        Ok(c)
    }

    /// Checks every range and cross-key consistency.
    ///
    /// # Errors
    /// [`Error::ConfigValue`] naming the first bad key.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(value_err("name", "\"\"", "a non-empty name"));
        }
        if let Some(v) = &self.version {
            let ok = v.split('.').count() == 3 && v.split('.').all(|p| p.parse::<u64>().is_ok());
            if !ok {
                return Err(value_err(
                    "version",
                    v,
                    "a semantic version MAJOR.MINOR.PATCH",
                ));
            }
        }
        if self.data_source.last_n_bars == Some(0) {
            return Err(value_err("data_source.last_n_bars", 0, "an integer >= 1"));
        }
        if self.features.indicators.is_empty() {
            return Err(value_err(
                "features.indicators",
                "[]",
                "at least one indicator",
            ));
        }
        for (i, spec) in self.features.indicators.iter().enumerate() {
            aaiti_features::Params::parse_spec(spec).map_err(|e| {
                value_err(&format!("features.indicators[{i}]"), spec, &e.to_string())
            })?;
        }
        let l = &self.label;
        if l.horizon == 0 {
            return Err(value_err(
                "label.horizon",
                0,
                "an integer >= 1 (bars ahead)",
            ));
        }
        if !(l.threshold.is_finite() && l.threshold >= 0.0) {
            return Err(value_err(
                "label.threshold",
                l.threshold,
                "a finite number >= 0",
            ));
        }
        for (k, v) in [
            ("label.profit_take", l.profit_take),
            ("label.stop_loss", l.stop_loss),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(value_err(k, v, "a finite number > 0"));
            }
        }
        if l.vol_window < 2 {
            return Err(value_err(
                "label.vol_window",
                l.vol_window,
                "an integer >= 2",
            ));
        }
        let label_task = match l.kind {
            LabelKind::Direction | LabelKind::TripleBarrier => TaskType::Classification,
            LabelKind::ForwardReturn => TaskType::Regression,
        };
        if label_task != self.task {
            return Err(value_err(
                "type",
                format!("{:?}", self.task).to_lowercase(),
                &format!("`{:?}` to match label.kind", label_task).to_lowercase(),
            ));
        }
        let model_task = if self.model.is_classifier() {
            TaskType::Classification
        } else {
            TaskType::Regression
        };
        if model_task != self.task {
            return Err(value_err(
                "model.model",
                self.model.kind(),
                &format!(
                    "a {} model to match `type`",
                    format!("{:?}", self.task).to_lowercase()
                ),
            ));
        }
        let s = &self.split;
        for (k, v) in [
            ("split.train", s.train),
            ("split.validation", s.validation),
            ("split.test", s.test),
        ] {
            if !(v.is_finite() && v > 0.0 && v < 1.0) {
                return Err(value_err(k, v, "a fraction in (0, 1)"));
            }
        }
        let sum = s.train + s.validation + s.test;
        if sum > 1.0 + 1e-12 {
            return Err(value_err("split", sum, "train + validation + test <= 1"));
        }
        if let Some(a) = &self.architecture {
            if a.kind != self.model.kind() {
                return Err(value_err(
                    "architecture.type",
                    &a.kind,
                    &format!("the same kind as model.model (`{}`)", self.model.kind()),
                ));
            }
            if a.units == Some(0) {
                return Err(value_err("architecture.units", 0, "an integer >= 1"));
            }
        }
        let t = &self.training_params;
        if t.epochs == Some(0) {
            return Err(value_err("training_params.epochs", 0, "an integer >= 1"));
        }
        if t.batch_size == Some(0) {
            return Err(value_err(
                "training_params.batch_size",
                0,
                "an integer >= 1",
            ));
        }
        if let Some(lr) = t.learning_rate
            && !(lr.is_finite() && lr > 0.0)
        {
            {
                return Err(value_err(
                    "training_params.learning_rate",
                    lr,
                    "a finite number > 0",
                ));
            }
        }
        if let Some(es) = t.early_stopping {
            if es.patience == 0 {
                return Err(value_err(
                    "training_params.early_stopping.patience",
                    0,
                    "an integer >= 1",
                ));
            }
            if !(es.min_delta.is_finite() && es.min_delta >= 0.0) {
                return Err(value_err(
                    "training_params.early_stopping.min_delta",
                    es.min_delta,
                    "a finite number >= 0",
                ));
            }
        }
        let b = &self.backtest;
        for (k, v) in [
            ("backtest.fee_bps", b.fee_bps),
            ("backtest.slippage_bps", b.slippage_bps),
            ("backtest.return_threshold", b.return_threshold),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(value_err(k, v, "a finite number >= 0"));
            }
        }
        if !(b.proba_threshold > 0.0 && b.proba_threshold < 1.0) {
            return Err(value_err(
                "backtest.proba_threshold",
                b.proba_threshold,
                "a probability in (0, 1)",
            ));
        }
        if let Some(p) = b.periods_per_year
            && !(p.is_finite() && p > 0.0)
        {
            {
                return Err(value_err(
                    "backtest.periods_per_year",
                    p,
                    "a finite number > 0",
                ));
            }
        }
        // the model's own hyperparameters
        self.effective_model()?;
        Ok(())
    }

    /// The model spec with `architecture.units`, `training_params` and `seed` applied (networks:
    /// hidden size, epochs, batch size, learning rate, seed, best-weight restore; tree ensembles:
    /// seed). Early stopping is done by the pipeline's epoch hook, so the model's own `patience`
    /// is cleared when `training_params.early_stopping` is set.
    ///
    /// # Errors
    /// [`Error::ConfigValue`] when the patched spec does not parse or validate.
    pub fn effective_model(&self) -> Result<ModelSpec> {
        let mut v = serde_json::to_value(&self.model)
            .map_err(|e| value_err("model", e, "a serialisable model spec"))?;
        let kind = self.model.kind();
        let is_net = matches!(kind, "lstm" | "mlp");
        if let Some(obj) = v.as_object_mut() {
            if is_net {
                if let Some(u) = self.architecture.as_ref().and_then(|a| a.units) {
                    let hidden = if kind == "mlp" {
                        serde_json::json!([u])
                    } else {
                        serde_json::json!(u)
                    };
                    obj.insert("hidden".into(), hidden);
                }
                let train = obj.entry("train").or_insert_with(|| serde_json::json!({}));
                if let Some(t) = train.as_object_mut() {
                    let p = &self.training_params;
                    if let Some(e) = p.epochs {
                        t.insert("epochs".into(), e.into());
                    }
                    if let Some(b) = p.batch_size {
                        t.insert("batch_size".into(), b.into());
                    }
                    if let Some(lr) = p.learning_rate {
                        t.insert("learning_rate".into(), lr.into());
                    }
                    if p.early_stopping.is_some() {
                        t.insert("patience".into(), serde_json::Value::Null);
                        t.insert("restore_best".into(), true.into());
                    }
                    t.insert("seed".into(), self.seed.into());
                }
            } else if obj.contains_key("seed") || kind == "random_forest" {
                obj.insert("seed".into(), self.seed.into());
            }
        }
        let spec: ModelSpec = serde_json::from_value(v)
            .map_err(|e| value_err("model", e, "valid hyperparameters for this model"))?;
        check_model(&spec)?;
        Ok(spec)
    }
}

fn check_model(spec: &ModelSpec) -> Result<()> {
    use aaiti_models::ParamGuard as _;
    let r = match spec {
        ModelSpec::LogisticRegression(p) => p.check_ref().map(|_| ()),
        ModelSpec::DecisionTree(p) => p.check_ref().map(|_| ()),
        ModelSpec::RandomForest(p) => p.check_ref().map(|_| ()),
        ModelSpec::GaussianNb(p) => p.check_ref().map(|_| ()),
        ModelSpec::LinearRegression(p) => p.check_ref().map(|_| ()),
        ModelSpec::ElasticNet(p) => p.check_ref().map(|_| ()),
        ModelSpec::Mlp(p) => p.check_ref().map(|_| ()),
        ModelSpec::Lstm(p) => p.check_ref().map(|_| ()),
        _ => Ok(()),
    };
    r.map_err(|e| value_err("model", spec.kind(), &e.to_string()))
}
