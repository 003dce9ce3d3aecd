//! Gaussian naive Bayes (`linfa-bayes`).

use linfa::traits::Fit as _;
use linfa_bayes::NaiveBayes as _;
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::{argmax, check_input, encode_labels};
use crate::persist::{read_envelope, write_envelope};
use crate::{Error, Fit, ParamGuard, Persist, Predict, PredictProba, Result, TrainData};

/// Validated hyperparameters of [`GaussianNb`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `var_smoothing` | `1e-9` | added to every variance, times the largest feature variance (sklearn's) | ≥ 0, finite |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GaussianNbValidParams {
    var_smoothing: f64,
}

impl Default for GaussianNbValidParams {
    fn default() -> Self {
        Self {
            var_smoothing: 1e-9,
        }
    }
}

impl GaussianNbValidParams {
    /// Variance smoothing.
    #[must_use]
    pub fn var_smoothing(&self) -> f64 {
        self.var_smoothing
    }
}

/// Gaussian naive Bayes hyperparameters (unchecked builder); see [`GaussianNbValidParams`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GaussianNbParams(GaussianNbValidParams);

impl GaussianNbParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Variance smoothing (sklearn `var_smoothing`).
    #[must_use]
    pub fn var_smoothing(mut self, v: f64) -> Self {
        self.0.var_smoothing = v;
        self
    }
}

impl ParamGuard for GaussianNbParams {
    type Checked = GaussianNbValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        let v = self.0.var_smoothing;
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::param("var_smoothing", v, "must be finite and >= 0"));
        }
        Ok(&self.0)
    }
    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Fitted Gaussian naive Bayes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianNb {
    classes: Vec<f64>,
    n_features: usize,
    inner: linfa_bayes::GaussianNb<f64, usize>,
}

impl Fit for GaussianNbValidParams {
    type Fitted = GaussianNb;
    type Error = Error;
    fn fit(&self, data: &TrainData<'_>) -> Result<GaussianNb> {
        let enc = encode_labels(data.targets(), 1)?;
        let ds = linfa::DatasetBase::new(data.features(), enc.idx.view());
        let inner = linfa_bayes::GaussianNb::params()
            .var_smoothing(self.var_smoothing)
            .fit(&ds)
            .map_err(|e| Error::linfa("gaussian naive bayes", e))?;
        Ok(GaussianNb {
            classes: enc.classes,
            n_features: data.n_features(),
            inner,
        })
    }
}

impl Predict for GaussianNb {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let p = self.predict_proba(x)?;
        Ok(p.outer_iter()
            .map(|r| self.classes.get(argmax(r)).copied().unwrap_or(f64::NAN))
            .collect())
    }
}

impl PredictProba for GaussianNb {
    fn classes(&self) -> &[f64] {
        &self.classes
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.n_features)?;
        let (p, labels) = self.inner.predict_proba(x);
        let mut out = Array2::zeros((x.nrows(), self.classes.len()));
        for (col, &&label) in labels.iter().enumerate() {
            let dst = out.column_mut(label);
            let mut dst = dst;
            dst.assign(&p.column(col));
        }
        Ok(out)
    }
}

impl Persist for GaussianNb {
    const KIND: &'static str = "gaussian_nb";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        write_envelope(Self::KIND, self, &[])
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(read_envelope(bytes, Self::KIND)?.0)
    }
}
