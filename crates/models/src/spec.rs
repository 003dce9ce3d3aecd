//! `ModelSpec`: a serde enum naming any model with its hyperparameters, and `AnyModel`, the
//! fitted counterpart, so configs and the training pipeline can swap models freely.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::net::{EpochHook, LstmParams, MlpParams, NoHook};
use crate::{
    DecisionTree, DecisionTreeParams, ElasticNet, ElasticNetParams, Error, Fit, GaussianNb,
    GaussianNbParams, LinearRegression, LinearRegressionParams, LogisticRegression,
    LogisticRegressionParams, Persist, Predict, PredictProba, RandomForest, RandomForestParams,
    Result, TrainData, peek_kind,
};

/// Any model and its hyperparameters, as written in a config:
/// `{"model": "random_forest", "n_trees": 200, "seed": 7}`. Unknown fields are refused.
///
/// The network variants always parse; fitting them needs the `tch` feature
/// ([`Error::FeatureDisabled`] otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelSpec {
    /// [`LogisticRegression`].
    LogisticRegression(LogisticRegressionParams),
    /// [`DecisionTree`].
    DecisionTree(DecisionTreeParams),
    /// [`RandomForest`].
    RandomForest(RandomForestParams),
    /// [`GaussianNb`].
    GaussianNb(GaussianNbParams),
    /// [`LinearRegression`].
    LinearRegression(LinearRegressionParams),
    /// [`ElasticNet`].
    ElasticNet(ElasticNetParams),
    /// Dense network (`Mlp`, feature `tch`).
    Mlp(MlpParams),
    /// LSTM (`Lstm`, feature `tch`).
    Lstm(LstmParams),
}

impl ModelSpec {
    /// The model kind, as in configs and in saved bytes.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LogisticRegression(_) => LogisticRegression::KIND,
            Self::DecisionTree(_) => DecisionTree::KIND,
            Self::RandomForest(_) => RandomForest::KIND,
            Self::GaussianNb(_) => GaussianNb::KIND,
            Self::LinearRegression(_) => LinearRegression::KIND,
            Self::ElasticNet(_) => ElasticNet::KIND,
            Self::Mlp(_) => "mlp",
            Self::Lstm(_) => "lstm",
        }
    }

    /// Whether the fitted model is a classifier (has `predict_proba`).
    #[must_use]
    pub fn is_classifier(&self) -> bool {
        use crate::ParamGuard as _;
        match self {
            Self::LogisticRegression(_)
            | Self::DecisionTree(_)
            | Self::RandomForest(_)
            | Self::GaussianNb(_) => true,
            Self::LinearRegression(_) | Self::ElasticNet(_) => false,
            Self::Mlp(p) => p
                .check_ref()
                .is_ok_and(|v| v.task() == crate::Task::Classification),
            Self::Lstm(p) => p
                .check_ref()
                .is_ok_and(|v| v.task() == crate::Task::Classification),
        }
    }

    /// Fits with an epoch hook and optional validation rows (used by the networks for the
    /// reported validation loss, early stopping and best-weight restore; ignored by the
    /// linfa models, which have no epochs).
    ///
    /// # Errors
    /// Invalid hyperparameters, bad data, a failing algorithm, or a network without `tch`.
    pub fn fit_with(
        &self,
        data: &TrainData<'_>,
        valid: Option<&TrainData<'_>>,
        hook: &mut dyn EpochHook,
    ) -> Result<AnyModel> {
        Ok(match self {
            Self::LogisticRegression(p) => AnyModel::LogisticRegression(p.fit(data)?),
            Self::DecisionTree(p) => AnyModel::DecisionTree(p.fit(data)?),
            Self::RandomForest(p) => AnyModel::RandomForest(p.fit(data)?),
            Self::GaussianNb(p) => AnyModel::GaussianNb(p.fit(data)?),
            Self::LinearRegression(p) => AnyModel::LinearRegression(p.fit(data)?),
            Self::ElasticNet(p) => AnyModel::ElasticNet(p.fit(data)?),
            #[cfg(feature = "tch")]
            Self::Mlp(p) => {
                use crate::ParamGuard as _;
                AnyModel::Mlp(p.check_ref()?.fit_with(data, valid, hook)?)
            }
            #[cfg(feature = "tch")]
            Self::Lstm(p) => {
                use crate::ParamGuard as _;
                AnyModel::Lstm(p.check_ref()?.fit_with(data, valid, hook)?)
            }
            #[cfg(not(feature = "tch"))]
            Self::Mlp(_) | Self::Lstm(_) => {
                let _ = (valid, hook);
                return Err(Error::FeatureDisabled {
                    model: self.kind(),
                    feature: "tch",
                });
            }
        })
    }
}

impl Fit for ModelSpec {
    type Fitted = AnyModel;
    type Error = Error;
    fn fit(&self, data: &TrainData<'_>) -> Result<AnyModel> {
        self.fit_with(data, None, &mut NoHook)
    }
}

/// Any fitted model (the output of [`ModelSpec`]'s `fit`). `Send + Sync`: share it across
/// rayon workers by reference.
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyModel {
    /// Fitted logistic regression.
    LogisticRegression(LogisticRegression),
    /// Fitted decision tree.
    DecisionTree(DecisionTree),
    /// Fitted random forest.
    RandomForest(RandomForest),
    /// Fitted Gaussian naive Bayes.
    GaussianNb(GaussianNb),
    /// Fitted OLS.
    LinearRegression(LinearRegression),
    /// Fitted elastic net.
    ElasticNet(ElasticNet),
    /// Fitted dense network.
    #[cfg(feature = "tch")]
    Mlp(crate::Mlp),
    /// Fitted LSTM.
    #[cfg(feature = "tch")]
    Lstm(crate::Lstm),
}

macro_rules! each {
    ($self:ident, $m:ident => $e:expr) => {
        match $self {
            AnyModel::LogisticRegression($m) => $e,
            AnyModel::DecisionTree($m) => $e,
            AnyModel::RandomForest($m) => $e,
            AnyModel::GaussianNb($m) => $e,
            AnyModel::LinearRegression($m) => $e,
            AnyModel::ElasticNet($m) => $e,
            #[cfg(feature = "tch")]
            AnyModel::Mlp($m) => $e,
            #[cfg(feature = "tch")]
            AnyModel::Lstm($m) => $e,
        }
    };
}

impl AnyModel {
    /// The model kind (as in [`ModelSpec::kind`]).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        fn k<M: Persist>(_: &M) -> &'static str {
            M::KIND
        }
        each!(self, m => k(m))
    }

    /// The class labels of a classifier (`None` for regressors).
    #[must_use]
    pub fn class_labels(&self) -> Option<&[f64]> {
        match self {
            Self::LogisticRegression(m) => Some(m.classes()),
            Self::DecisionTree(m) => Some(m.classes()),
            Self::RandomForest(m) => Some(m.classes()),
            Self::GaussianNb(m) => Some(m.classes()),
            Self::LinearRegression(_) | Self::ElasticNet(_) => None,
            #[cfg(feature = "tch")]
            Self::Mlp(m) => m.class_labels(),
            #[cfg(feature = "tch")]
            Self::Lstm(m) => m.class_labels(),
        }
    }

    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        match self {
            Self::LogisticRegression(m) => m.predict_proba(x),
            Self::DecisionTree(m) => m.predict_proba(x),
            Self::RandomForest(m) => m.predict_proba(x),
            Self::GaussianNb(m) => m.predict_proba(x),
            Self::LinearRegression(_) | Self::ElasticNet(_) => {
                Err(Error::NotAClassifier { model: self.kind() })
            }
            #[cfg(feature = "tch")]
            Self::Mlp(m) => m.predict_proba(x),
            #[cfg(feature = "tch")]
            Self::Lstm(m) => m.predict_proba(x),
        }
    }

    /// Serialises the model (see [`Persist::to_bytes`]).
    ///
    /// # Errors
    /// As the model's [`Persist::to_bytes`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        each!(self, m => m.to_bytes())
    }

    /// Loads any model written by this crate, dispatching on the kind stored in the bytes.
    ///
    /// # Errors
    /// Corrupt bytes, an unknown kind, a newer format, or a network without `tch`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let kind = peek_kind(bytes)?;
        Ok(match kind.as_str() {
            LogisticRegression::KIND => Self::LogisticRegression(Persist::from_bytes(bytes)?),
            DecisionTree::KIND => Self::DecisionTree(Persist::from_bytes(bytes)?),
            RandomForest::KIND => Self::RandomForest(Persist::from_bytes(bytes)?),
            GaussianNb::KIND => Self::GaussianNb(Persist::from_bytes(bytes)?),
            LinearRegression::KIND => Self::LinearRegression(Persist::from_bytes(bytes)?),
            ElasticNet::KIND => Self::ElasticNet(Persist::from_bytes(bytes)?),
            #[cfg(feature = "tch")]
            "mlp" => Self::Mlp(Persist::from_bytes(bytes)?),
            #[cfg(feature = "tch")]
            "lstm" => Self::Lstm(Persist::from_bytes(bytes)?),
            #[cfg(not(feature = "tch"))]
            "mlp" | "lstm" => {
                return Err(Error::FeatureDisabled {
                    model: if kind == "mlp" { "mlp" } else { "lstm" },
                    feature: "tch",
                });
            }
            other => return Err(Error::Format(format!("unknown model kind `{other}`"))),
        })
    }
}

impl Predict for AnyModel {
    type Error = Error;
    fn n_features(&self) -> usize {
        each!(self, m => m.n_features())
    }
    fn warmup(&self) -> usize {
        each!(self, m => m.warmup())
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        each!(self, m => m.predict(x))
    }
}

/// For regressors `classes` is empty and `predict_proba` returns [`Error::NotAClassifier`].
impl PredictProba for AnyModel {
    fn classes(&self) -> &[f64] {
        self.class_labels().unwrap_or(&[])
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.proba(x)
    }
}

impl Persist for AnyModel {
    const KIND: &'static str = "any";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        AnyModel::to_bytes(self)
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        AnyModel::from_bytes(bytes)
    }
}
