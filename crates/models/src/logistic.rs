//! Logistic regression (`linfa-logistic`, L-BFGS): binary with two classes, multinomial
//! (softmax) with more, as scikit-learn's `LogisticRegression(penalty="l2")` does.

use linfa::traits::Fit as _;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::data::{argmax, check_input, encode_labels};
use crate::persist::{read_envelope, write_envelope};
use crate::{Error, Fit, ParamGuard, Persist, Predict, PredictProba, Result, TrainData};

/// Validated hyperparameters of [`LogisticRegression`]. The objective is scikit-learn's with
/// `C = 1 / alpha`: `Σᵢ log-loss(xᵢ, yᵢ) + alpha/2 · ‖W‖²` (intercept not penalised).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `alpha` | `1.0` | L2 penalty strength (sklearn `1/C`) | > 0, finite |
/// | `fit_intercept` | `true` | fit per-class intercepts | bool |
/// | `max_iterations` | `100` | L-BFGS iterations | ≥ 1 |
/// | `gradient_tolerance` | `1e-4` | stop when the gradient norm is below | > 0 |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogisticRegressionValidParams {
    alpha: f64,
    fit_intercept: bool,
    max_iterations: u64,
    gradient_tolerance: f64,
}

impl Default for LogisticRegressionValidParams {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            fit_intercept: true,
            max_iterations: 100,
            gradient_tolerance: 1e-4,
        }
    }
}

impl LogisticRegressionValidParams {
    /// L2 penalty strength.
    #[must_use]
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

/// Logistic regression hyperparameters (unchecked builder); see
/// [`LogisticRegressionValidParams`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogisticRegressionParams(LogisticRegressionValidParams);

impl LogisticRegressionParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// L2 penalty strength (sklearn `1/C`).
    #[must_use]
    pub fn alpha(mut self, v: f64) -> Self {
        self.0.alpha = v;
        self
    }
    /// Fit intercepts.
    #[must_use]
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.0.fit_intercept = yes;
        self
    }
    /// Maximum L-BFGS iterations.
    #[must_use]
    pub fn max_iterations(mut self, v: u64) -> Self {
        self.0.max_iterations = v;
        self
    }
    /// Gradient-norm stopping tolerance.
    #[must_use]
    pub fn gradient_tolerance(mut self, v: f64) -> Self {
        self.0.gradient_tolerance = v;
        self
    }
}

impl ParamGuard for LogisticRegressionParams {
    type Checked = LogisticRegressionValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        if !(p.alpha.is_finite() && p.alpha > 0.0) {
            return Err(Error::param("alpha", p.alpha, "must be finite and > 0"));
        }
        if p.max_iterations == 0 {
            return Err(Error::param("max_iterations", 0, "must be >= 1"));
        }
        if !(p.gradient_tolerance.is_finite() && p.gradient_tolerance > 0.0) {
            return Err(Error::param(
                "gradient_tolerance",
                p.gradient_tolerance,
                "must be finite and > 0",
            ));
        }
        Ok(p)
    }
    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Fitted logistic regression. Coefficients follow scikit-learn's layout: `coef` is
/// `1 × n_features` (for `classes[1]`) in the binary case, `n_classes × n_features` otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    classes: Vec<f64>,
    coef: Array2<f64>,
    intercept: Array1<f64>,
}

impl LogisticRegression {
    /// Coefficients (sklearn `coef_` layout).
    #[must_use]
    pub fn coef(&self) -> &Array2<f64> {
        &self.coef
    }
    /// Intercepts (sklearn `intercept_` layout).
    #[must_use]
    pub fn intercept(&self) -> &Array1<f64> {
        &self.intercept
    }
}

impl Fit for LogisticRegressionValidParams {
    type Fitted = LogisticRegression;
    type Error = Error;

    fn fit(&self, data: &TrainData<'_>) -> Result<LogisticRegression> {
        let enc = encode_labels(data.targets(), 2)?;
        let ds = linfa::DatasetBase::new(data.features(), enc.idx.view());
        let n_features = data.n_features();
        if enc.classes.len() == 2 {
            let fitted = linfa_logistic::LogisticRegression::default()
                .alpha(self.alpha)
                .with_intercept(self.fit_intercept)
                .max_iterations(self.max_iterations)
                .gradient_tolerance(self.gradient_tolerance)
                .fit(&ds)
                .map_err(|e| Error::linfa("logistic regression", e))?;
            // linfa models P(pos); we store the weights for class index 1, as sklearn does.
            let sign = if fitted.labels().pos.class == 1 {
                1.0
            } else {
                -1.0
            };
            let coef = (fitted.params() * sign).insert_axis(Axis(0));
            let intercept = Array1::from_elem(1, fitted.intercept() * sign);
            debug_assert_eq!(coef.ncols(), n_features);
            Ok(LogisticRegression {
                classes: enc.classes,
                coef,
                intercept,
            })
        } else {
            let fitted = linfa_logistic::MultiLogisticRegression::default()
                .alpha(self.alpha)
                .with_intercept(self.fit_intercept)
                .max_iterations(self.max_iterations)
                .gradient_tolerance(self.gradient_tolerance)
                .fit(&ds)
                .map_err(|e| Error::linfa("multinomial logistic regression", e))?;
            // linfa's classes are the sorted distinct indices 0..k, the same order as ours
            Ok(LogisticRegression {
                classes: enc.classes,
                coef: fitted.params().t().as_standard_layout().into_owned(),
                intercept: fitted.intercept().clone(),
            })
        }
    }
}

impl LogisticRegression {
    fn proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.coef.ncols())?;
        let z = x.dot(&self.coef.t()) + &self.intercept;
        if self.classes.len() == 2 {
            let mut out = Array2::zeros((x.nrows(), 2));
            for (mut row, zi) in out.outer_iter_mut().zip(z.column(0)) {
                let p1 = 1.0 / (1.0 + (-zi).exp());
                row[0] = 1.0 - p1;
                row[1] = p1;
            }
            Ok(out)
        } else {
            let mut out = z;
            for mut row in out.outer_iter_mut() {
                let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                row.mapv_inplace(|v| (v - m).exp());
                let s = row.sum();
                row.mapv_inplace(|v| v / s);
            }
            Ok(out)
        }
    }
}

impl Predict for LogisticRegression {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.coef.ncols()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let p = self.proba(x)?;
        Ok(p.outer_iter().map(|r| self.classes[argmax(r)]).collect())
    }
}

impl PredictProba for LogisticRegression {
    fn classes(&self) -> &[f64] {
        &self.classes
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.proba(x)
    }
}

impl Persist for LogisticRegression {
    const KIND: &'static str = "logistic_regression";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        write_envelope(Self::KIND, self, &[])
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let m: Self = read_envelope(bytes, Self::KIND)?.0;
        let k = m.classes.len();
        let rows = if k == 2 { 1 } else { k };
        if k < 2 || m.coef.nrows() != rows || m.intercept.len() != rows {
            return Err(Error::Format(
                "logistic regression: inconsistent shapes".into(),
            ));
        }
        Ok(m)
    }
}
