//! Hyperparameters of the networks and the epoch hook. Plain data, compiled with or without
//! the `tch` feature, so configs naming a network parse everywhere.

use serde::{Deserialize, Serialize};

use crate::{Device, Error, ParamGuard, Result};

/// What the network's head predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Classes (softmax head, cross-entropy loss); targets are class labels.
    #[default]
    Classification,
    /// One real output (linear head, mean squared error).
    Regression,
}

/// Hidden-layer activation of the MLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x).
    #[default]
    Relu,
    /// tanh.
    Tanh,
    /// logistic sigmoid.
    Sigmoid,
    /// GELU (exact, erf form).
    Gelu,
}

/// Training loop settings shared by the networks.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `epochs` | `10` | passes over the training rows | ≥ 1 |
/// | `batch_size` | `64` | rows (windows) per Adam step | ≥ 1 |
/// | `learning_rate` | `1e-3` | Adam learning rate | > 0, finite |
/// | `weight_decay` | `0.0` | Adam L2 weight decay (PyTorch `Adam(weight_decay)`) | ≥ 0, finite |
/// | `grad_clip` | none | clip the global gradient norm to this | > 0 or none |
/// | `shuffle` | `false` | shuffle batches inside the training slice each epoch | bool |
/// | `seed` | `0` | seeds initialisation, dropout (libtorch) and shuffling (ChaCha8) | any |
/// | `device` | `cpu` | where to train | cpu, cuda(i), cuda_if_available |
/// | `restore_best` | `true` | on stop, restore the weights of the best epoch (lowest validation loss, else training loss) | bool |
/// | `patience` | none | stop after this many epochs without improvement | ≥ 1 or none |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows (or windows) per step.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Adam weight decay.
    pub weight_decay: f64,
    /// Global gradient-norm clipping.
    pub grad_clip: Option<f64>,
    /// Shuffle inside the training slice (never across slices). Off by default.
    pub shuffle: bool,
    /// Seed for initialisation, dropout and shuffling.
    pub seed: u64,
    /// Device.
    pub device: Device,
    /// Restore the best epoch's weights at the end.
    pub restore_best: bool,
    /// Early-stopping patience in epochs.
    pub patience: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 64,
            learning_rate: 1e-3,
            weight_decay: 0.0,
            grad_clip: None,
            shuffle: false,
            seed: 0,
            device: Device::Cpu,
            restore_best: true,
            patience: None,
        }
    }
}

impl TrainConfig {
    pub(crate) fn check(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::param("epochs", 0, "must be >= 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::param("batch_size", 0, "must be >= 1"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::param(
                "learning_rate",
                self.learning_rate,
                "must be finite and > 0",
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::param(
                "weight_decay",
                self.weight_decay,
                "must be finite and >= 0",
            ));
        }
        if let Some(c) = self.grad_clip
            && !(c.is_finite() && c > 0.0)
        {
            return Err(Error::param("grad_clip", c, "must be finite and > 0"));
        }
        if self.patience == Some(0) {
            return Err(Error::param("patience", 0, "must be >= 1 (or none)"));
        }
        Ok(())
    }
}

fn check_dropout(p: f64) -> Result<()> {
    if (0.0..1.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::param("dropout", p, "must be in [0, 1)"))
    }
}

/// Validated hyperparameters of the dense network (`Mlp`, feature `tch`).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `hidden` | `[64, 32]` | hidden layer widths | each ≥ 1 |
/// | `activation` | `relu` | hidden activation | relu, tanh, sigmoid, gelu |
/// | `dropout` | `0.0` | dropout after each hidden layer | [0, 1) |
/// | `task` | `classification` | head and loss | classification, regression |
/// | `train` | [`TrainConfig`] | the training loop | |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpValidParams {
    pub(crate) hidden: Vec<usize>,
    pub(crate) activation: Activation,
    pub(crate) dropout: f64,
    pub(crate) task: Task,
    pub(crate) train: TrainConfig,
}

impl Default for MlpValidParams {
    fn default() -> Self {
        Self {
            hidden: vec![64, 32],
            activation: Activation::Relu,
            dropout: 0.0,
            task: Task::Classification,
            train: TrainConfig::default(),
        }
    }
}

impl MlpValidParams {
    /// Hidden widths.
    #[must_use]
    pub fn hidden(&self) -> &[usize] {
        &self.hidden
    }
    /// The task.
    #[must_use]
    pub fn task(&self) -> Task {
        self.task
    }
    /// The training loop settings.
    #[must_use]
    pub fn train_config(&self) -> &TrainConfig {
        &self.train
    }
}

/// Dense network hyperparameters (unchecked builder); see [`MlpValidParams`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MlpParams(MlpValidParams);

impl MlpParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Hidden layer widths (may be empty: a linear model).
    #[must_use]
    pub fn hidden(mut self, widths: impl Into<Vec<usize>>) -> Self {
        self.0.hidden = widths.into();
        self
    }
    /// Hidden activation.
    #[must_use]
    pub fn activation(mut self, a: Activation) -> Self {
        self.0.activation = a;
        self
    }
    /// Dropout after each hidden layer.
    #[must_use]
    pub fn dropout(mut self, p: f64) -> Self {
        self.0.dropout = p;
        self
    }
    /// Classification or regression.
    #[must_use]
    pub fn task(mut self, t: Task) -> Self {
        self.0.task = t;
        self
    }
    /// Training loop settings.
    #[must_use]
    pub fn train(mut self, t: TrainConfig) -> Self {
        self.0.train = t;
        self
    }
}

impl ParamGuard for MlpParams {
    type Checked = MlpValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        if let Some(&w) = p.hidden.iter().find(|&&w| w == 0) {
            return Err(Error::param("hidden", w, "every width must be >= 1"));
        }
        check_dropout(p.dropout)?;
        p.train.check()?;
        Ok(p)
    }
    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Validated hyperparameters of the LSTM (`Lstm`, feature `tch`). Input windows are
/// `[batch, lookback, n_features]` built by [`crate::windows`] inside the training slice; the
/// head reads the top layer's output at the last time step.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `lookback` | `32` | rows per window | ≥ 1 |
/// | `hidden` | `64` | hidden size per direction | ≥ 1 |
/// | `layers` | `1` | stacked LSTM layers | ≥ 1 |
/// | `dropout` | `0.0` | dropout between layers and before the head | [0, 1) |
/// | `bidirectional` | `false` | also run backwards over the window | bool |
/// | `task` | `classification` | head and loss | classification, regression |
/// | `train` | [`TrainConfig`] | the training loop | |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LstmValidParams {
    pub(crate) lookback: usize,
    pub(crate) hidden: usize,
    pub(crate) layers: usize,
    pub(crate) dropout: f64,
    pub(crate) bidirectional: bool,
    pub(crate) task: Task,
    pub(crate) train: TrainConfig,
}

impl Default for LstmValidParams {
    fn default() -> Self {
        Self {
            lookback: 32,
            hidden: 64,
            layers: 1,
            dropout: 0.0,
            bidirectional: false,
            task: Task::Classification,
            train: TrainConfig::default(),
        }
    }
}

impl LstmValidParams {
    /// Rows per window.
    #[must_use]
    pub fn lookback(&self) -> usize {
        self.lookback
    }
    /// The task.
    #[must_use]
    pub fn task(&self) -> Task {
        self.task
    }
    /// The training loop settings.
    #[must_use]
    pub fn train_config(&self) -> &TrainConfig {
        &self.train
    }
}

/// LSTM hyperparameters (unchecked builder); see [`LstmValidParams`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LstmParams(LstmValidParams);

impl LstmParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Rows per window.
    #[must_use]
    pub fn lookback(mut self, n: usize) -> Self {
        self.0.lookback = n;
        self
    }
    /// Hidden size per direction.
    #[must_use]
    pub fn hidden(mut self, n: usize) -> Self {
        self.0.hidden = n;
        self
    }
    /// Stacked layers.
    #[must_use]
    pub fn layers(mut self, n: usize) -> Self {
        self.0.layers = n;
        self
    }
    /// Dropout between layers and before the head.
    #[must_use]
    pub fn dropout(mut self, p: f64) -> Self {
        self.0.dropout = p;
        self
    }
    /// Bidirectional.
    #[must_use]
    pub fn bidirectional(mut self, yes: bool) -> Self {
        self.0.bidirectional = yes;
        self
    }
    /// Classification or regression.
    #[must_use]
    pub fn task(mut self, t: Task) -> Self {
        self.0.task = t;
        self
    }
    /// Training loop settings.
    #[must_use]
    pub fn train(mut self, t: TrainConfig) -> Self {
        self.0.train = t;
        self
    }
}

impl ParamGuard for LstmParams {
    type Checked = LstmValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        if p.lookback == 0 {
            return Err(Error::param("lookback", 0, "must be >= 1"));
        }
        if p.hidden == 0 {
            return Err(Error::param("hidden", 0, "must be >= 1"));
        }
        if p.layers == 0 {
            return Err(Error::param("layers", 0, "must be >= 1"));
        }
        check_dropout(p.dropout)?;
        p.train.check()?;
        Ok(p)
    }
    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// What the epoch hook sees after each epoch.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EpochReport {
    /// Epoch just finished, from 0.
    pub epoch: usize,
    /// Configured number of epochs.
    pub epochs: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Loss on the validation rows, if any were given.
    pub valid_loss: Option<f64>,
    /// Epoch with the lowest monitored loss so far (validation if given, else training).
    pub best_epoch: usize,
    /// The lowest monitored loss so far.
    pub best_loss: f64,
}

/// The hook's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Keep training.
    Continue,
    /// Stop now (then the best weights are restored if `restore_best`).
    Stop,
}

/// Called after every epoch: report progress, decide to stop early.
pub trait EpochHook {
    /// Inspects the epoch and says whether to go on.
    fn on_epoch(&mut self, report: &EpochReport) -> Control;
}

impl<F: FnMut(&EpochReport) -> Control> EpochHook for F {
    fn on_epoch(&mut self, report: &EpochReport) -> Control {
        self(report)
    }
}

/// A hook that never stops training.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHook;

impl EpochHook for NoHook {
    fn on_epoch(&mut self, _: &EpochReport) -> Control {
        Control::Continue
    }
}
