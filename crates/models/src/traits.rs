//! The model traits, after linfa's `ParamGuard`/`Fit`/`Predict` but with associated types and
//! one concrete data type ([`TrainData`] to fit, an `ndarray` matrix view to predict).

use ndarray::{Array1, Array2, ArrayView2};

use crate::TrainData;

/// Hyperparameters that must be validated before fitting (linfa's `ParamGuard`).
///
/// `Params` (the unchecked builder) → [`ParamGuard::check`] → `ValidParams`, which implements
/// [`Fit`]. Thanks to a blanket impl, unchecked params also implement [`Fit`] and validate
/// implicitly.
pub trait ParamGuard {
    /// The validated hyperparameters.
    type Checked;
    /// The validation error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Validates by reference.
    ///
    /// # Errors
    /// A hyperparameter is out of range.
    fn check_ref(&self) -> Result<&Self::Checked, Self::Error>;

    /// Validates and converts into the checked type.
    ///
    /// # Errors
    /// A hyperparameter is out of range.
    fn check(self) -> Result<Self::Checked, Self::Error>;
}

/// Hyperparameters that can be fitted to data, returning a distinct fitted type (so predicting
/// before fitting does not compile).
pub trait Fit {
    /// The fitted model.
    type Fitted: Predict;
    /// Fitting error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Fits on time-ordered training rows.
    ///
    /// # Errors
    /// Bad data (see [`TrainData::new`]), invalid hyperparameters, or a failure of the algorithm.
    fn fit(&self, data: &TrainData<'_>) -> Result<Self::Fitted, Self::Error>;
}

impl<P> Fit for P
where
    P: ParamGuard,
    P::Checked: Fit,
    <P::Checked as Fit>::Error: From<P::Error>,
{
    type Fitted = <P::Checked as Fit>::Fitted;
    type Error = <P::Checked as Fit>::Error;

    fn fit(&self, data: &TrainData<'_>) -> Result<Self::Fitted, Self::Error> {
        self.check_ref()?.fit(data)
    }
}

/// A fitted model that predicts one value per input row (after [`Predict::warmup`] rows).
pub trait Predict {
    /// Prediction error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Number of feature columns the model was fitted on; inputs of another width are refused.
    fn n_features(&self) -> usize;

    /// Rows of history consumed before the first prediction: 0 for tabular models,
    /// `lookback - 1` for sequence models. `predict` returns `n_rows - warmup` values, the
    /// first one for input row `warmup`.
    fn warmup(&self) -> usize {
        0
    }

    /// Predicts: the class label (classifiers) or the value (regressors) per row.
    ///
    /// # Errors
    /// Wrong width, non-finite input, too few rows for one window, or a backend failure.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>, Self::Error>;
}

/// A fitted classifier.
pub trait PredictProba: Predict {
    /// The class labels, sorted ascending; the columns of [`PredictProba::predict_proba`].
    fn classes(&self) -> &[f64];

    /// Class probabilities, one row per prediction, one column per class; rows sum to 1.
    ///
    /// # Errors
    /// As [`Predict::predict`].
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, Self::Error>;
}

/// A fitted model that serialises to self-describing, versioned bytes.
pub trait Persist: Sized {
    /// The model kind written into the bytes (e.g. `"logistic_regression"`).
    const KIND: &'static str;

    /// Serialises the model (format version [`crate::FORMAT_VERSION`]).
    ///
    /// # Errors
    /// Serialisation failed (for networks: tensors could not be read back).
    fn to_bytes(&self) -> crate::Result<Vec<u8>>;

    /// Loads a model written by [`Persist::to_bytes`]; predictions are identical.
    ///
    /// # Errors
    /// The bytes are corrupt, of another kind, or of a newer format version.
    fn from_bytes(bytes: &[u8]) -> crate::Result<Self>;
}
