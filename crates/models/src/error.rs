//! The crate's error type.

/// Everything that can go wrong in `aaiti-models`.
///
/// Hyperparameter errors carry the bad value; data errors say which row and column.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A hyperparameter is out of its valid range.
    #[error("invalid hyperparameter `{name}` = {value}: {reason}")]
    InvalidParam {
        /// Name of the hyperparameter, as in the builder method.
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// What the valid range is.
        reason: &'static str,
    },
    /// Features and targets disagree on the number of rows.
    #[error("{features} feature rows but {targets} targets")]
    LengthMismatch {
        /// Rows of the feature matrix.
        features: usize,
        /// Length of the target vector.
        targets: usize,
    },
    /// Not enough rows to fit (or to build one window).
    #[error("not enough rows: got {got}, need at least {need}")]
    TooFewRows {
        /// Rows supplied.
        got: usize,
        /// Minimum required.
        need: usize,
    },
    /// The feature matrix has no columns.
    #[error("the feature matrix has no columns")]
    NoFeatures,
    /// Prediction input has a different width than the training data.
    #[error("model was fitted on {expected} features but got {got}")]
    WidthMismatch {
        /// Width seen at fit time.
        expected: usize,
        /// Width of the input.
        got: usize,
    },
    /// A feature value is NaN or infinite.
    #[error("non-finite feature value {value} at row {row}, column {col}")]
    NonFiniteFeature {
        /// Row index in the input.
        row: usize,
        /// Column index in the input.
        col: usize,
        /// The offending value.
        value: f64,
    },
    /// A target value is NaN or infinite.
    #[error("non-finite target value {value} at row {row}")]
    NonFiniteTarget {
        /// Row index.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A classifier target is not a non-negative integer class label.
    #[error("target {value} at row {row} is not a class label (a non-negative integer below 2^32)")]
    InvalidLabel {
        /// Row index.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A classifier needs at least two (binary) or a given number of classes.
    #[error("need at least {need} distinct classes, got {got}")]
    TooFewClasses {
        /// Distinct classes found.
        got: usize,
        /// Minimum required.
        need: usize,
    },
    /// The bytes are not a model written by this crate, or are of another model kind.
    #[error("cannot load model: {0}")]
    Format(String),
    /// The bytes were written by a newer format version.
    #[error("model format version {got} is not supported (this build reads up to {supported})")]
    UnsupportedVersion {
        /// Version in the bytes.
        got: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// A cargo feature needed for this model is not enabled in this build.
    #[error("model `{model}` needs the cargo feature `{feature}` of aaiti-models")]
    FeatureDisabled {
        /// The model kind.
        model: &'static str,
        /// The missing cargo feature.
        feature: &'static str,
    },
    /// `predict_proba` was called on a regressor.
    #[error("model `{model}` is a regressor: it has no class probabilities")]
    NotAClassifier {
        /// The model kind.
        model: &'static str,
    },
    /// CUDA was requested but is not available.
    #[error("CUDA device {0} requested but CUDA is not available (or has fewer devices)")]
    CudaUnavailable(usize),
    /// Training was stopped before any epoch completed, or diverged.
    #[error("training failed: {0}")]
    Training(String),
    /// An error from the underlying linfa algorithm.
    #[error("linfa {algorithm}: {message}")]
    Linfa {
        /// Which algorithm failed.
        algorithm: &'static str,
        /// The algorithm's message.
        message: String,
    },
    /// (De)serialisation failure.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// An error from libtorch.
    #[cfg(feature = "tch")]
    #[error(transparent)]
    Torch(#[from] tch::TchError),
    /// I/O error (saving or loading files).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn linfa(algorithm: &'static str, e: impl std::fmt::Display) -> Self {
        Self::Linfa {
            algorithm,
            message: e.to_string(),
        }
    }

    pub(crate) fn param(
        name: &'static str,
        value: impl std::fmt::Display,
        reason: &'static str,
    ) -> Self {
        Self::InvalidParam {
            name,
            value: value.to_string(),
            reason,
        }
    }
}
