//! Linear regression (ordinary least squares, `linfa-linear`) and elastic net
//! (coordinate descent, `linfa-elasticnet`).

use linfa::traits::Fit as _;
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::check_input;
use crate::persist::{read_envelope, write_envelope};
use crate::{Error, Fit, ParamGuard, Persist, Predict, Result, TrainData};

/// Fitted linear model `y = x·coef + intercept` (shared by OLS and elastic net).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    coef: Array1<f64>,
    intercept: f64,
}

impl LinearModel {
    /// The coefficients, one per feature.
    #[must_use]
    pub fn coef(&self) -> &Array1<f64> {
        &self.coef
    }

    /// The intercept (0 when fitted without one).
    #[must_use]
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    fn predict_rows(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_input(x, self.coef.len())?;
        Ok(x.dot(&self.coef) + self.intercept)
    }
}

// ---------------------------------------------------------------- linear regression

/// Validated hyperparameters of [`LinearRegression`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `fit_intercept` | `true` | fit an intercept (else the line goes through 0) | bool |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinearRegressionValidParams {
    fit_intercept: bool,
}

impl Default for LinearRegressionValidParams {
    fn default() -> Self {
        Self {
            fit_intercept: true,
        }
    }
}

impl LinearRegressionValidParams {
    /// Whether an intercept is fitted.
    #[must_use]
    pub fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }
}

/// Hyperparameters of ordinary least squares (unchecked builder); see
/// [`LinearRegressionValidParams`] for the table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LinearRegressionParams(LinearRegressionValidParams);

impl LinearRegressionParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Fit an intercept (default `true`).
    #[must_use]
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.0.fit_intercept = yes;
        self
    }
}

impl ParamGuard for LinearRegressionParams {
    type Checked = LinearRegressionValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        Ok(&self.0)
    }
    fn check(self) -> Result<Self::Checked> {
        Ok(self.0)
    }
}

/// Fitted ordinary least squares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRegression(LinearModel);

impl LinearRegression {
    /// The coefficients and intercept.
    #[must_use]
    pub fn model(&self) -> &LinearModel {
        &self.0
    }
}

impl Fit for LinearRegressionValidParams {
    type Fitted = LinearRegression;
    type Error = Error;

    fn fit(&self, data: &TrainData<'_>) -> Result<LinearRegression> {
        let need = data.n_features() + usize::from(self.fit_intercept);
        if data.n_rows() < need {
            return Err(Error::TooFewRows {
                got: data.n_rows(),
                need,
            });
        }
        let ds = linfa::DatasetBase::new(data.features(), data.targets());
        let fitted = linfa_linear::LinearRegression::new()
            .with_intercept(self.fit_intercept)
            .fit(&ds)
            .map_err(|e| Error::linfa("linear regression", e))?;
        Ok(LinearRegression(LinearModel {
            coef: fitted.params().clone(),
            intercept: fitted.intercept(),
        }))
    }
}

impl Predict for LinearRegression {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.0.coef.len()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        self.0.predict_rows(x)
    }
}

impl Persist for LinearRegression {
    const KIND: &'static str = "linear_regression";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        write_envelope(Self::KIND, self, &[])
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(read_envelope(bytes, Self::KIND)?.0)
    }
}

// ---------------------------------------------------------------- elastic net

/// Validated hyperparameters of [`ElasticNet`]. The objective is scikit-learn's:
/// `1/(2n)·‖y − Xw − b‖² + alpha·l1_ratio·‖w‖₁ + alpha·(1 − l1_ratio)/2·‖w‖²`.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `alpha` | `1.0` | overall penalty strength (sklearn `alpha`) | ≥ 0, finite |
/// | `l1_ratio` | `0.5` | L1 share of the penalty (1 = lasso, 0 = ridge) | [0, 1] |
/// | `fit_intercept` | `true` | fit an (unpenalised) intercept | bool |
/// | `tolerance` | `1e-4` | coordinate-descent stopping tolerance | > 0 |
/// | `max_iterations` | `1000` | coordinate-descent sweeps | ≥ 1 |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ElasticNetValidParams {
    alpha: f64,
    l1_ratio: f64,
    fit_intercept: bool,
    tolerance: f64,
    max_iterations: u32,
}

impl Default for ElasticNetValidParams {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            l1_ratio: 0.5,
            fit_intercept: true,
            tolerance: 1e-4,
            max_iterations: 1000,
        }
    }
}

impl ElasticNetValidParams {
    /// Penalty strength.
    #[must_use]
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// L1 share.
    #[must_use]
    pub fn l1_ratio(&self) -> f64 {
        self.l1_ratio
    }
}

/// Elastic net hyperparameters (unchecked builder); see [`ElasticNetValidParams`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ElasticNetParams(ElasticNetValidParams);

impl ElasticNetParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Penalty strength (sklearn `alpha`).
    #[must_use]
    pub fn alpha(mut self, v: f64) -> Self {
        self.0.alpha = v;
        self
    }
    /// L1 share of the penalty.
    #[must_use]
    pub fn l1_ratio(mut self, v: f64) -> Self {
        self.0.l1_ratio = v;
        self
    }
    /// Fit an intercept.
    #[must_use]
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.0.fit_intercept = yes;
        self
    }
    /// Coordinate-descent tolerance.
    #[must_use]
    pub fn tolerance(mut self, v: f64) -> Self {
        self.0.tolerance = v;
        self
    }
    /// Maximum coordinate-descent sweeps.
    #[must_use]
    pub fn max_iterations(mut self, v: u32) -> Self {
        self.0.max_iterations = v;
        self
    }
}

impl ParamGuard for ElasticNetParams {
    type Checked = ElasticNetValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        let p = &self.0;
        if !(p.alpha.is_finite() && p.alpha >= 0.0) {
            return Err(Error::param("alpha", p.alpha, "must be finite and >= 0"));
        }
        if !(0.0..=1.0).contains(&p.l1_ratio) {
            return Err(Error::param("l1_ratio", p.l1_ratio, "must be in [0, 1]"));
        }
        if !(p.tolerance.is_finite() && p.tolerance > 0.0) {
            return Err(Error::param(
                "tolerance",
                p.tolerance,
                "must be finite and > 0",
            ));
        }
        if p.max_iterations == 0 {
            return Err(Error::param("max_iterations", 0, "must be >= 1"));
        }
        Ok(p)
    }
    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Fitted elastic net.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticNet(LinearModel);

impl ElasticNet {
    /// The coefficients and intercept.
    #[must_use]
    pub fn model(&self) -> &LinearModel {
        &self.0
    }
}

impl Fit for ElasticNetValidParams {
    type Fitted = ElasticNet;
    type Error = Error;

    fn fit(&self, data: &TrainData<'_>) -> Result<ElasticNet> {
        if data.n_rows() < 2 {
            return Err(Error::TooFewRows {
                got: data.n_rows(),
                need: 2,
            });
        }
        // linfa-elasticnet 0.8 centres y but not X, so its intercept is only right for centred
        // features. Centre both here (as scikit-learn does) and fit without an intercept.
        let x = data.features();
        let y = data.targets();
        let (x_mean, y_mean) = if self.fit_intercept {
            (
                x.mean_axis(ndarray::Axis(0))
                    .unwrap_or_else(|| Array1::zeros(x.ncols())),
                y.mean().unwrap_or(0.0),
            )
        } else {
            (Array1::zeros(x.ncols()), 0.0)
        };
        let xc = &x - &x_mean;
        let yc = &y - y_mean;
        let ds = linfa::DatasetBase::new(xc.view(), yc.view());
        let fitted = linfa_elasticnet::ElasticNet::params()
            .penalty(self.alpha)
            .l1_ratio(self.l1_ratio)
            .with_intercept(false)
            .tolerance(self.tolerance)
            .max_iterations(self.max_iterations)
            .fit(&ds)
            .map_err(|e| Error::linfa("elastic net", e))?;
        let coef = fitted.hyperplane().clone();
        let intercept = y_mean - x_mean.dot(&coef);
        Ok(ElasticNet(LinearModel { coef, intercept }))
    }
}

impl Predict for ElasticNet {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.0.coef.len()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        self.0.predict_rows(x)
    }
}

impl Persist for ElasticNet {
    const KIND: &'static str = "elastic_net";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        write_envelope(Self::KIND, self, &[])
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(read_envelope(bytes, Self::KIND)?.0)
    }
}
